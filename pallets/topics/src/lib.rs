//! # pallet-topics
//!
//! The on-chain half of Concerto: streams and their publishers, machine templates,
//! topics, event ingestion, batch sealing, validator attestations and quorum
//! finalization.
//!
//! ## Overview
//! - **Registry.** Anyone registers a *stream* (owner, metadata) and adds publisher keys
//!   (sr25519, ed25519, Ethereum addresses); uploads a *template* (code stored by content
//!   hash, a per-byte deposit held through fungible holds, a fixed machine
//!   configuration); registers a *topic* over one or more streams with a template, a
//!   batching window in blocks, a quorum and a mode.
//! - **Ingestion.** `publish`/`publish_batch` are *authorized* general transactions
//!   (`#[pallet::authorize]`, no fees, no account): signature, permission, size and
//!   sequence are checked in the authorization, so bad events never enter a block. The
//!   payload goes to the offchain storage of every node by offchain indexing, keyed by the
//!   event hash ([`Pallet::event_offchain_key`]); on chain only the event hash stays.
//! - **Batches.** At the end of a topic's window (`on_finalize`) the pallet seals a batch:
//!   window, event count and a commitment, the hash chain over the event hashes in block
//!   order ([`Pallet::commitment`]). Event hash = blake2-256 of the SCALE-encoded
//!   `concerto_primitives::EventEnvelope`, so any node recomputes it from its store.
//! - **Attestations.** A current validator signs, with its `conc` key, what it computed
//!   for a sealed batch and submits `attest` (authorized). When matching attestations
//!   reach the topic's quorum, the output is finalized (`OutputFinalized`, latest
//!   `MaxOutputsPerTopic` kept). At the batch's deadline validators that attested
//!   differently, or not at all, are recorded in `Faults` (`ValidatorsFaulted`).
//!
//! - **Offchain worker.** On validators, runs each sealed batch (once its sealing block is
//!   finalized) in the node's execution slots through the `concerto-slots-interface` host
//!   functions and submits the signed attestation; see [`offchain`].
//!
//! The runtime must put `frame_system::AuthorizeCall` first in its transaction extensions,
//! and its node must register `concerto_slots_interface::slots::HostFunctions`.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use session::SessionValidatorKeys;
pub use types::*;
pub use weights::WeightInfo;

mod authorize;
mod batches;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod calls;
mod events;
mod ingestion;
mod invariants;
pub mod offchain;
mod registry;
pub mod runtime_api;
mod session;
pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use frame_support::pallet_macros::import_section;
use polkadot_sdk::*;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::topics";

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AttestationId> {
    /// Make `validators` the current validator set (what `Config::Validators` returns).
    fn set_validators(validators: alloc::vec::Vec<AttestationId>);
}

#[import_section(events::events_and_errors)]
#[import_section(calls::calls)]
#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_support::{
        pallet_prelude::*,
        traits::fungible::{Inspect, MutateHold},
    };
    use frame_system::pallet_prelude::*;
    use sp_runtime::{traits::Zero, RuntimeAppPublic};

    /// The balance type of `Config::Currency`.
    pub type BalanceOf<T> =
        <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
    /// A stream as stored.
    pub type StreamOf<T> = Stream<
        <T as frame_system::Config>::AccountId,
        <T as Config>::MaxMetadataLen,
        <T as Config>::MaxPublishers,
    >;
    /// A topic as stored.
    pub type TopicOf<T> = Topic<
        <T as frame_system::Config>::AccountId,
        <T as frame_system::Config>::Hash,
        BlockNumberFor<T>,
        <T as Config>::MaxStreamsPerTopic,
        <T as Config>::MaxTopicConfigLen,
    >;
    /// A template's record as stored.
    pub type TemplateInfoOf<T> = TemplateInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
    /// An event as submitted.
    pub type SignedEventOf<T> = SignedEvent<<T as Config>::MaxPayloadLen>;
    /// An attestation as submitted.
    pub type AttestationOf<T> =
        Attestation<<T as Config>::AttestationId, <T as Config>::MaxOutputLen>;
    /// An attestation's signature.
    pub type AttestationSignatureOf<T> =
        <<T as Config>::AttestationId as RuntimeAppPublic>::Signature;
    /// A finalized output as stored.
    pub type FinalizedOutputOf<T> = FinalizedOutput<BlockNumberFor<T>, <T as Config>::MaxOutputLen>;

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::config]
    pub trait Config:
        polkadot_sdk::frame_system::Config
        + frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
    {
        /// Holds template deposits.
        type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// A validator's attestation key (the `conc` session key in the runtime).
        type AttestationId: Member + Parameter + RuntimeAppPublic + Ord + MaxEncodedLen;
        /// The current validators (only the first `MaxValidators` count).
        type Validators: Get<alloc::vec::Vec<Self::AttestationId>>;
        /// Upper bound of the validator set.
        #[pallet::constant]
        type MaxValidators: Get<u32>;
        /// Deposit held per uploaded template, on top of the per-byte part.
        #[pallet::constant]
        type TemplateDepositBase: Get<BalanceOf<Self>>;
        /// Deposit held per byte of template code.
        #[pallet::constant]
        type TemplateDepositPerByte: Get<BalanceOf<Self>>;
        /// Maximum template code size in bytes (e.g. 1 MiB).
        #[pallet::constant]
        type MaxTemplateSize: Get<u32>;
        /// Maximum stream metadata length in bytes.
        #[pallet::constant]
        type MaxMetadataLen: Get<u32>;
        /// Maximum publisher keys per stream.
        #[pallet::constant]
        type MaxPublishers: Get<u32>;
        /// Maximum source streams per topic.
        #[pallet::constant]
        type MaxStreamsPerTopic: Get<u32>;
        /// Maximum topics fed by one stream.
        #[pallet::constant]
        type MaxTopicsPerStream: Get<u32>;
        /// Maximum length of a topic's template configuration input.
        #[pallet::constant]
        type MaxTopicConfigLen: Get<u32>;
        /// Maximum topics with an open window at once (bounds the per-block sealing work).
        #[pallet::constant]
        type MaxOpenTopics: Get<u32>;
        /// Maximum batching window in blocks.
        #[pallet::constant]
        type MaxWindow: Get<u32>;
        /// Maximum events in one batch; events beyond it wait for the next window.
        #[pallet::constant]
        type MaxEventsPerBatch: Get<u32>;
        /// Maximum event payload in bytes (e.g. 64 KiB).
        #[pallet::constant]
        type MaxPayloadLen: Get<u32>;
        /// Maximum events in one `publish_batch`.
        #[pallet::constant]
        type MaxEventsPerCall: Get<u32>;
        /// Maximum inline outputs payload in an attestation.
        #[pallet::constant]
        type MaxOutputLen: Get<u32>;
        /// Finalized outputs kept per topic (the latest ones).
        #[pallet::constant]
        type MaxOutputsPerTopic: Get<u32>;
        /// Blocks after sealing during which a batch takes attestations.
        #[pallet::constant]
        type AttestationPeriod: Get<BlockNumberFor<Self>>;
        /// Transaction-pool priority of authorized (fee-less) transactions.
        #[pallet::constant]
        type AuthorizedPriority: Get<TransactionPriority>;
        /// Weights of this pallet's calls and hooks.
        type WeightInfo: WeightInfo;
        /// Lets the benchmarks install a validator set.
        #[cfg(feature = "runtime-benchmarks")]
        type BenchmarkHelper: BenchmarkHelper<Self::AttestationId>;
    }

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// The deposit for an uploaded template.
        #[codec(index = 0)]
        TemplateDeposit,
    }

    /// The id the next registered stream gets.
    #[pallet::storage]
    pub type NextStreamId<T> = StorageValue<_, StreamId, ValueQuery>;

    /// Registered streams.
    #[pallet::storage]
    pub type Streams<T: Config> = StorageMap<_, Twox64Concat, StreamId, StreamOf<T>>;

    /// The next sequence number each publisher must use on each stream.
    #[pallet::storage]
    pub type NextSequence<T> = StorageDoubleMap<
        _,
        Twox64Concat,
        StreamId,
        Blake2_128Concat,
        PublisherKey,
        u64,
        ValueQuery,
    >;

    /// The topics each stream feeds.
    #[pallet::storage]
    pub type StreamTopics<T: Config> = StorageMap<
        _,
        Twox64Concat,
        StreamId,
        BoundedVec<TopicId, T::MaxTopicsPerStream>,
        ValueQuery,
    >;

    /// Uploaded templates, by content hash.
    #[pallet::storage]
    pub type Templates<T: Config> = StorageMap<_, Identity, T::Hash, TemplateInfoOf<T>>;

    /// Template code, by content hash.
    #[pallet::storage]
    pub type TemplateCode<T: Config> =
        StorageMap<_, Identity, T::Hash, BoundedVec<u8, T::MaxTemplateSize>>;

    /// The id the next registered topic gets.
    #[pallet::storage]
    pub type NextTopicId<T> = StorageValue<_, TopicId, ValueQuery>;

    /// Registered topics.
    #[pallet::storage]
    pub type Topics<T: Config> = StorageMap<_, Twox64Concat, TopicId, TopicOf<T>>;

    /// Number of topics with an open window.
    #[pallet::storage]
    pub type OpenTopicCount<T> = StorageValue<_, u32, ValueQuery>;

    /// Event hashes collected in each topic's open window, in block order.
    #[pallet::storage]
    pub type OpenBatch<T: Config> =
        StorageMap<_, Twox64Concat, TopicId, BoundedVec<Hash32, T::MaxEventsPerBatch>, ValueQuery>;

    /// Topics whose window ends at a block (each open topic is in exactly one entry).
    #[pallet::storage]
    pub type SealSchedule<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<TopicId, T::MaxOpenTopics>,
        ValueQuery,
    >;

    /// Sealed batches still taking attestations.
    #[pallet::storage]
    pub type Batches<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        TopicId,
        Twox64Concat,
        BatchNumber,
        BatchInfo<BlockNumberFor<T>>,
    >;

    /// The event hashes of each sealed batch (its offchain keys), until its deadline.
    #[pallet::storage]
    pub type BatchEvents<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        TopicId,
        Twox64Concat,
        BatchNumber,
        BoundedVec<Hash32, T::MaxEventsPerBatch>,
        ValueQuery,
    >;

    /// Batches whose attestation deadline is a block.
    #[pallet::storage]
    pub type Deadlines<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<(TopicId, BatchNumber), T::MaxOpenTopics>,
        ValueQuery,
    >;

    /// The result digest each validator attested for a batch.
    #[pallet::storage]
    pub type Attestations<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        (TopicId, BatchNumber),
        Blake2_128Concat,
        T::AttestationId,
        Hash32,
    >;

    /// The distinct results attested for a batch, by digest, with their votes.
    #[pallet::storage]
    pub type Candidates<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        (TopicId, BatchNumber),
        Identity,
        Hash32,
        Candidate<T::MaxOutputLen>,
    >;

    /// The latest finalized outputs of each topic, oldest first.
    #[pallet::storage]
    pub type Outputs<T: Config> = StorageMap<
        _,
        Twox64Concat,
        TopicId,
        BoundedVec<FinalizedOutputOf<T>, T::MaxOutputsPerTopic>,
        ValueQuery,
    >;

    /// Faults recorded per validator, for later slashing.
    #[pallet::storage]
    pub type Faults<T: Config> = StorageMap<_, Blake2_128Concat, T::AttestationId, FaultRecord>;

    /// The last finalized batch of each stateful topic and the machine root hash it left:
    /// the next batch must start from that state.
    #[pallet::storage]
    pub type TopicState<T: Config> = StorageMap<_, Twox64Concat, TopicId, (BatchNumber, Hash32)>;

    /// The `conc` keys of the current validators, as the session pallet reported them
    /// (see the `OneSessionHandler` impl); the runtime's `Config::Validators` reads it.
    #[pallet::storage]
    pub type SessionValidators<T: Config> =
        StorageValue<_, BoundedVec<T::AttestationId, T::MaxValidators>, ValueQuery>;

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            let judged = Self::judge_deadlines(now);
            let to_seal = SealSchedule::<T>::decode_len(now).unwrap_or(0) as u32;
            T::WeightInfo::on_initialize_judge(judged, T::MaxValidators::get()).saturating_add(
                T::WeightInfo::on_finalize_seal(to_seal, T::MaxEventsPerBatch::get()),
            )
        }

        fn on_finalize(now: BlockNumberFor<T>) {
            Self::seal_due(now);
        }

        fn offchain_worker(now: BlockNumberFor<T>) {
            Self::offchain_worker_run(now);
        }

        fn integrity_test() {
            assert!(
                T::MaxTemplateSize::get() > 0,
                "MaxTemplateSize must be positive"
            );
            assert!(
                T::MaxPayloadLen::get() > 0,
                "MaxPayloadLen must be positive"
            );
            assert!(
                T::MaxEventsPerBatch::get() > 0,
                "MaxEventsPerBatch must be positive"
            );
            assert!(
                T::MaxEventsPerCall::get() > 0,
                "MaxEventsPerCall must be positive"
            );
            assert!(
                T::MaxOpenTopics::get() > 0,
                "MaxOpenTopics must be positive"
            );
            assert!(T::MaxWindow::get() > 0, "MaxWindow must be positive");
            assert!(
                T::MaxValidators::get() > 0,
                "MaxValidators must be positive"
            );
            assert!(
                T::MaxOutputsPerTopic::get() > 0,
                "MaxOutputsPerTopic must be positive"
            );
            assert!(
                T::MaxStreamsPerTopic::get() > 0,
                "MaxStreamsPerTopic must be positive"
            );
            assert!(
                !T::AttestationPeriod::get().is_zero(),
                "AttestationPeriod must be positive"
            );
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }
}
