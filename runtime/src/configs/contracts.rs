//! pallet-contracts: Wasm smart contracts that read Concerto's finalized outputs.
//!
//! Limits are kept modest: the pallet's `integrity_test` checks that
//! `Schedule × CallStack × MaxCodeLen` fits the runtime memory budget.

use crate::{
    Balance, Balances, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason, Timestamp,
    MILLI_UNIT, UNIT,
};
use codec::Encode;
use concerto_primitives::{chain_extension, BatchNumber, TopicId};
use frame_support::{
    parameter_types,
    traits::{ConstBool, ConstU32, Nothing, Randomness},
};
use frame_system::{pallet_prelude::BlockNumberFor, EnsureSigned};
use pallet_contracts::chain_extension::{ChainExtension, Environment, Ext, InitState, RetVal};
use pallet_topics::WeightInfo as _;
use polkadot_sdk::*;
use sp_runtime::{DispatchError, Perbill};

/// Contracts may not use on-chain randomness (the API is deprecated); code that calls
/// `seal_random` is rejected at upload, so this source is never consulted.
#[derive(Debug)]
pub struct NoRandomness;

impl Randomness<crate::Hash, BlockNumberFor<Runtime>> for NoRandomness {
    fn random(_subject: &[u8]) -> (crate::Hash, BlockNumberFor<Runtime>) {
        (Default::default(), 0)
    }
}

/// The chain extension through which contracts read Concerto's finalized outputs
/// (`concerto_primitives::chain_extension`): `latest_output(topic)` and
/// `output((topic, batch))`, each answered with a SCALE `Option<OutputView<u32>>` and
/// charged pallet-topics' benchmarked `read_output` weight.
#[derive(Default, Debug)]
pub struct OutputsExtension;

impl ChainExtension<Runtime> for OutputsExtension {
    fn call<E: Ext<T = Runtime>>(
        &mut self,
        env: Environment<'_, '_, E, InitState>,
    ) -> Result<RetVal, DispatchError> {
        let func = u32::from(env.func_id());
        let mut env = env.buf_in_buf_out();
        // Charged before the input is read, so a malformed call pays for its attempt too.
        env.charge_weight(<Runtime as pallet_topics::Config>::WeightInfo::read_output())?;
        let view = match func {
            chain_extension::LATEST_OUTPUT => {
                let topic: TopicId = env.read_as()?;
                pallet_topics::Pallet::<Runtime>::output_view(topic, None)
            }
            chain_extension::OUTPUT => {
                let (topic, batch): (TopicId, BatchNumber) = env.read_as()?;
                pallet_topics::Pallet::<Runtime>::output_view(topic, Some(batch))
            }
            _ => {
                return Err(DispatchError::Other(
                    "unknown function of the Concerto outputs chain extension",
                ))
            }
        };
        env.write(&view.encode(), false, None)?;
        Ok(RetVal::Converging(0))
    }
}

const fn deposit(items: u32, bytes: u32) -> Balance {
    (items as Balance) * UNIT + (bytes as Balance) * (100 * MILLI_UNIT / 1024)
}

parameter_types! {
    /// Deposit per storage item a contract creates.
    pub const DepositPerItem: Balance = deposit(1, 0);
    /// Deposit per byte of contract storage.
    pub const DepositPerByte: Balance = deposit(0, 1);
    /// Default storage deposit limit of a call that gives none.
    pub const DefaultDepositLimit: Balance = deposit(1024, 1024 * 1024);
    /// Execution limits: the SDK defaults (16 pages of memory per contract).
    pub ContractsSchedule: pallet_contracts::Schedule<Runtime> = Default::default();
    /// Share of the code deposit locked when a contract sets another's code hash.
    pub CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
}

impl pallet_contracts::Config for Runtime {
    type Time = Timestamp;
    type Randomness = NoRandomness;
    type Currency = Balances;
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    // Contracts may not dispatch runtime calls.
    type CallFilter = Nothing;
    type WeightPrice = pallet_transaction_payment::Pallet<Self>;
    type WeightInfo = pallet_contracts::weights::SubstrateWeight<Self>;
    type ChainExtension = OutputsExtension;
    type Schedule = ContractsSchedule;
    type CallStack = [pallet_contracts::Frame<Self>; 5];
    type DepositPerByte = DepositPerByte;
    type DefaultDepositLimit = DefaultDepositLimit;
    type DepositPerItem = DepositPerItem;
    type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
    type AddressGenerator = pallet_contracts::DefaultAddressGenerator;
    type MaxCodeLen = ConstU32<{ 123 * 1024 }>;
    type MaxStorageKeyLen = ConstU32<128>;
    type MaxTransientStorageSize = ConstU32<{ 1024 * 1024 }>;
    type MaxDelegateDependencies = ConstU32<32>;
    type UnsafeUnstableInterface = ConstBool<false>;
    type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
    type UploadOrigin = EnsureSigned<Self::AccountId>;
    type InstantiateOrigin = EnsureSigned<Self::AccountId>;
    type Migrations = ();
    type Debug = ();
    type Environment = ();
    type ApiVersion = ();
    type Xcm = ();
    type RuntimeHoldReason = RuntimeHoldReason;
}
