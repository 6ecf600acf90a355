//! Concerto's own pallet (`pallet-topics`), the session pallet that feeds it the
//! validators' `conc` keys, and the transaction-building traits its offchain worker uses.

use crate::{
    keys::crypto::Public as ConcertoId, AccountId, Balance, Balances, BlockNumber, Runtime,
    RuntimeCall, RuntimeEvent, RuntimeHoldReason, SessionKeys, UncheckedExtrinsic, MILLI_UNIT,
    MINUTES, UNIT,
};
use frame_support::{
    parameter_types,
    traits::{ConstU32, ConstU64},
    weights::Weight,
};
use polkadot_sdk::*;
use sp_runtime::{
    generic::Era,
    traits::{ConvertInto, OpaqueKeys},
};

/// Events one block may carry through the `ingest` inherent, and one batch may hold: at
/// 1 s blocks, 16,384 events/s per topic (the weight budget usually binds first).
pub(crate) const MAX_EVENTS_PER_BLOCK: u32 = 16_384;

parameter_types! {
    /// A session lasts ten minutes; key rotations (`Session::set_keys`) take effect at the
    /// session after next.
    pub const SessionPeriod: BlockNumber = 10 * MINUTES;
    /// Sessions start at block 0.
    pub const SessionOffset: BlockNumber = 0;
    /// Held from an account that sets session keys.
    pub const SessionKeyDeposit: Balance = UNIT;
}

impl pallet_session::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type ValidatorId = AccountId;
    type ValidatorIdOf = ConvertInto;
    type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
    type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
    // The genesis validators stay; a validator-set manager (e.g. staking) plugs in here.
    type SessionManager = ();
    type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
    type Keys = SessionKeys;
    type DisablingStrategy = ();
    type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
    type Currency = Balances;
    type KeyDeposit = SessionKeyDeposit;
}

/// Template deposit: 1 UNIT per template plus 0.1 UNIT per KiB of code.
const TEMPLATE_DEPOSIT_PER_BYTE: Balance = 100 * MILLI_UNIT / 1024;

parameter_types! {
    pub const TemplateDepositBase: Balance = UNIT;
    pub const TemplateDepositPerByte: Balance = TEMPLATE_DEPOSIT_PER_BYTE;
    /// Attestations are taken for 100 blocks (100 s at 1 s blocks) after sealing:
    /// validators execute a batch as soon as its sealing block is their best block, so this
    /// covers the longest job (cycle budgets) plus inclusion, with room for a restart.
    pub const AttestationPeriod: BlockNumber = 100;
    /// Three quarters of a block's weight: the mandatory `ingest` inherent leaves the
    /// rest to attestations and other transactions.
    pub MaxIngestWeight: Weight = crate::configs::MAXIMUM_BLOCK_WEIGHT.saturating_mul(3) / 4;
}

impl pallet_topics::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type AttestationId = ConcertoId;
    type Validators = pallet_topics::SessionValidatorKeys<Runtime>;
    type MaxValidators = ConstU32<32>;
    type TemplateDepositBase = TemplateDepositBase;
    type TemplateDepositPerByte = TemplateDepositPerByte;
    type MaxTemplateSize = ConstU32<{ 1024 * 1024 }>;
    type MaxMetadataLen = ConstU32<256>;
    type MaxPublishers = ConstU32<16>;
    type MaxStreamsPerTopic = ConstU32<8>;
    type MaxTopicsPerStream = ConstU32<8>;
    type MaxTopicConfigLen = ConstU32<1024>;
    type MaxOpenTopics = ConstU32<64>;
    type MaxWindow = ConstU32<{ 60 * MINUTES }>;
    type MaxEventsPerBatch = ConstU32<{ MAX_EVENTS_PER_BLOCK }>;
    type MaxPayloadLen = ConstU32<{ 64 * 1024 }>;
    type MaxEventsPerCall = ConstU32<1024>;
    type MaxEventsPerBlock = ConstU32<{ MAX_EVENTS_PER_BLOCK }>;
    type MaxIngestWeight = MaxIngestWeight;
    type MaxOutputLen = ConstU32<4096>;
    type MaxOutputsPerTopic = ConstU32<16>;
    type AttestationPeriod = AttestationPeriod;
    type AuthorizedPriority = ConstU64<{ 1 << 40 }>;
    type WeightInfo = pallet_topics::weights::SubstrateWeight<Runtime>;
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = TopicsBenchmarkHelper;
}

/// The benchmarks install validator sets through the session handler's storage.
#[cfg(feature = "runtime-benchmarks")]
#[derive(Debug)]
pub struct TopicsBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_topics::BenchmarkHelper<ConcertoId> for TopicsBenchmarkHelper {
    fn set_validators(validators: alloc::vec::Vec<ConcertoId>) {
        crate::Topics::note_validators(validators.into_iter());
    }
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
    RuntimeCall: From<LocalCall>,
{
    type Extrinsic = UncheckedExtrinsic;
    type RuntimeCall = RuntimeCall;
}

impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Runtime
where
    RuntimeCall: From<LocalCall>,
{
    type Extension = crate::TxExtension;

    fn create_transaction(call: RuntimeCall, extension: crate::TxExtension) -> UncheckedExtrinsic {
        UncheckedExtrinsic::new_transaction(call, extension)
    }
}

/// Offchain workers submit attestations as authorized general transactions: no signer, no
/// fee, the pallet's `#[pallet::authorize]` rule decides.
impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Runtime
where
    RuntimeCall: From<LocalCall>,
{
    fn create_extension() -> crate::TxExtension {
        crate::tx_extension(Era::Immortal, 0)
    }
}
