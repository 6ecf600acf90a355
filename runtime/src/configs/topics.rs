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

/// Blocks per session: `ValidatorSet::SessionLength` (ten minutes on the dev chain, set at
/// genesis and by governance); key rotations (`Session::set_keys`) and validator set
/// changes take effect at the session after next.
pub(crate) type SessionPeriod = pallet_validator_set::SessionLengthOf<Runtime>;

parameter_types! {
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
    // Bonded validators, added and removed by governance or for repeated faults.
    type SessionManager = crate::ValidatorSet;
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
    /// Held while a topic is registered: a topic costs every block a place in the sealing
    /// schedule and every validator a job per batch, so the 64 open-topic places are not
    /// free to take (and one account may take at most `MaxTopicsPerAccount` of them).
    pub const TopicDeposit: Balance = 5 * UNIT;
    /// What an ingested event costs its stream's owner: what its weight (the ingest
    /// benchmark's 41 µs per event, rounded up to 50 µs) would cost as a transaction
    /// (`WeightToFee` is `IdentityFee`: 1 planck per picosecond of weight).
    pub const EventFee: Balance = 50 * 1_000_000;
    /// Per payload byte, what a transaction pays per byte of its length
    /// (`LengthToFee` is `IdentityFee`), times 1,000: the payload is kept in every node's
    /// offchain store and index, not only in one block.
    pub const EventByteFee: Balance = 1_000;
    /// Per million attested cycles: the weight fee of the time they take at the reference
    /// speed (200 M cycles/s: 5 ms, 5 * 10^9 planck), as if the batch ran on chain.
    pub const CycleFee: Balance = 5_000_000_000;
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
    type FaultHandler = crate::configs::validator_set::SlashBond;
    type TemplateDepositBase = TemplateDepositBase;
    type TemplateDepositPerByte = TemplateDepositPerByte;
    type MaxTemplateSize = ConstU32<{ 1024 * 1024 }>;
    // Every validator's slots must provide 1 GiB of guest RAM and a CPU budget for 10^10
    // cycles (a node refuses to start otherwise). At the 200 M cycles/s assumed for the
    // slowest validator (the interpreter runs 400-600 on a current core) a batch at the
    // bound takes 50 s: half the attestation period, leaving the rest for inclusion and a
    // restart.
    type MaxRamSize = ConstU64<{ 1 << 30 }>;
    // A stateful machine's state travels with each batch: at most the SDK's 128 MiB twice.
    type MaxStatefulRamSize = ConstU64<{ concerto_primitives::limits::MAX_STATEFUL_RAM }>;
    type MaxCyclesPerBatch = ConstU64<10_000_000_000>;
    type ReferenceMips = ConstU32<200>;
    type TopicDeposit = TopicDeposit;
    type MaxTopicsPerAccount = ConstU32<8>;
    type MaxStreamReaders = ConstU32<16>;
    type EventFee = EventFee;
    type EventByteFee = EventByteFee;
    type CycleFee = CycleFee;
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
