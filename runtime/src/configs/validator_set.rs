//! The validator set: bonds, governance, slashing for the faults pallet-topics judges.

use crate::{
    keys::{crypto::Public as ConcertoId, CONCERTO_KEY_TYPE},
    AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, Session, ValidatorSet,
    UNIT,
};
use frame_support::{parameter_types, traits::ConstU32, weights::Weight};
use frame_system::EnsureRoot;
use pallet_validator_set::{ValidatorFault, WeightInfo as _};
use polkadot_sdk::*;

parameter_types! {
    /// What a validator must hold to be added, and keep to stay: a thousand units.
    pub const MinBond: Balance = 1_000 * UNIT;
    /// A batch not attested before its deadline: a small fee for being offline.
    pub const MissSlash: Balance = UNIT;
    /// A result other than the finalized one: a hundred times dearer than being offline,
    /// so that attesting anything but what the machine computed never pays.
    pub const DeviationSlash: Balance = 100 * UNIT;
}

impl pallet_validator_set::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    // Sudo for now; a governance origin replaces it on a public network.
    type ManageOrigin = EnsureRoot<AccountId>;
    type KeysRegistered = Session;
    type MaxValidators = ConstU32<32>;
    // One voter keeps GRANDPA going; four tolerate one fault.
    type MinValidators = ConstU32<1>;
    type MinBond = MinBond;
    type MissSlash = MissSlash;
    type DeviationSlash = DeviationSlash;
    // Between two plannings (ten minutes on the dev chain): missing half of a one-block-
    // window topic's batches, or deviating three times, removes a validator at the next
    // planning. A restart misses a few batches; a validator that computes wrong results
    // is out within two sessions.
    type MaxMissesPerSession = ConstU32<300>;
    type MaxDeviationsPerSession = ConstU32<3>;
    type MinSessionLength = ConstU32<{ 10 as BlockNumber }>;
    type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = ValidatorSetBenchmarkHelper;
}

/// pallet-topics' fault handler: finds the account whose session keys include the
/// faulting `conc` key and slashes its bond.
#[derive(Debug)]
pub struct SlashBond;

impl pallet_topics::HandleFault<ConcertoId> for SlashBond {
    fn handle(validator: &ConcertoId, fault: ValidatorFault) {
        let key: &[u8] = validator.as_ref();
        match Session::key_owner(CONCERTO_KEY_TYPE, key) {
            Some(who) => ValidatorSet::punish(&who, fault),
            None => log::warn!(
                target: pallet_validator_set::LOG_TARGET,
                "a fault ({fault:?}) by a conc key no account owns: nothing to slash"
            ),
        }
    }

    fn weight() -> Weight {
        <Runtime as frame_system::Config>::DbWeight::get()
            .reads(1)
            .saturating_add(pallet_validator_set::weights::SubstrateWeight::<Runtime>::punish())
    }
}

/// The benchmarks give accounts session keys by writing them as `Session::set_keys` would.
#[cfg(feature = "runtime-benchmarks")]
#[derive(Debug)]
pub struct ValidatorSetBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_validator_set::BenchmarkHelper<AccountId> for ValidatorSetBenchmarkHelper {
    fn register_keys(who: &AccountId) {
        use codec::Decode;
        // Keys of the benchmark account's own bytes: distinct per account, never used.
        let raw = codec::Encode::encode(who);
        let mut bytes = raw.clone();
        bytes.extend_from_slice(&raw);
        bytes.extend_from_slice(&raw);
        let keys = crate::SessionKeys::decode(&mut &bytes[..]).expect("96 bytes of keys");
        pallet_session::NextKeys::<Runtime>::insert(who, keys);
    }
}
