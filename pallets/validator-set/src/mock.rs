//! Test runtime: System, Balances (holds) and the validator set; accounts 1-4 validate
//! with a bond of 100 each, session keys are "registered" through `Registered`.

use crate::{self as pallet_validator_set};
use frame_support::{derive_impl, parameter_types, traits::ValidatorRegistration};
use frame_system::EnsureRoot;
use polkadot_sdk::*;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        ValidatorSet: pallet_validator_set,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type AccountStore = System;
    type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
    /// Accounts with session keys; tests may change it.
    pub static Registered: Vec<u64> = (1..=6).collect();
}

/// Session keys as the test says (`Registered`).
#[derive(Debug)]
pub struct Keys;

impl ValidatorRegistration<u64> for Keys {
    fn is_registered(id: &u64) -> bool {
        Registered::get().contains(id)
    }
}

pub(crate) const MIN_BOND: u64 = 100;
pub(crate) const MISS_SLASH: u64 = 1;
pub(crate) const DEVIATION_SLASH: u64 = 30;
pub(crate) const MAX_MISSES: u32 = 5;
pub(crate) const MAX_DEVIATIONS: u32 = 2;

parameter_types! {
    pub const MinBond: u64 = MIN_BOND;
    pub const MissSlash: u64 = MISS_SLASH;
    pub const DeviationSlash: u64 = DEVIATION_SLASH;
}

impl pallet_validator_set::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type ManageOrigin = EnsureRoot<u64>;
    type KeysRegistered = Keys;
    type MaxValidators = frame_support::traits::ConstU32<6>;
    type MinValidators = frame_support::traits::ConstU32<2>;
    type MinBond = MinBond;
    type MissSlash = MissSlash;
    type DeviationSlash = DeviationSlash;
    type MaxMissesPerSession = frame_support::traits::ConstU32<MAX_MISSES>;
    type MaxDeviationsPerSession = frame_support::traits::ConstU32<MAX_DEVIATIONS>;
    type MinSessionLength = frame_support::traits::ConstU64<5>;
    type WeightInfo = ();
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = BenchKeys;
}

/// Benchmarks register keys by adding to `Registered`.
#[cfg(feature = "runtime-benchmarks")]
#[derive(Debug)]
pub struct BenchKeys;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64> for BenchKeys {
    fn register_keys(who: &u64) {
        Registered::mutate(|r| r.push(*who));
    }
}

/// Accounts 1-10 hold 1,000 each; 1-4 validate with a bond of `MIN_BOND`; sessions last 10
/// blocks.
pub(crate) fn new_test_ext() -> sp_io::TestExternalities {
    Registered::set((1..=6).collect());
    let mut storage = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("system genesis");
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=10).map(|a| (a, 1_000)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut storage)
    .expect("balances genesis");
    pallet_validator_set::GenesisConfig::<Test> {
        validators: (1..=4).map(|a| (a, MIN_BOND)).collect(),
        session_length: 10,
    }
    .assimilate_storage(&mut storage)
    .expect("validator-set genesis");
    let mut ext = sp_io::TestExternalities::new(storage);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Runs `test`, then checks the pallet's invariants.
pub(crate) fn test(test: impl FnOnce()) {
    new_test_ext().execute_with(|| {
        test();
        ValidatorSet::do_try_state().expect("invariants hold");
    });
}
