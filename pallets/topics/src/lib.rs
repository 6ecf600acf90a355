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
//! The runtime must put `frame_system::AuthorizeCall` first in its transaction extensions.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod authorize;
mod batches;
mod ingestion;
mod invariants;
mod registry;
pub mod runtime_api;
pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use polkadot_sdk::*;

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AttestationId> {
	/// Make `validators` the current validator set (what `Config::Validators` returns).
	fn set_validators(validators: alloc::vec::Vec<AttestationId>);
}

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
	pub type StreamOf<T> =
		Stream<<T as frame_system::Config>::AccountId, <T as Config>::MaxMetadataLen, <T as Config>::MaxPublishers>;
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
	pub type AttestationOf<T> = Attestation<<T as Config>::AttestationId, <T as Config>::MaxOutputLen>;
	/// An attestation's signature.
	pub type AttestationSignatureOf<T> = <<T as Config>::AttestationId as RuntimeAppPublic>::Signature;
	/// A finalized output as stored.
	pub type FinalizedOutputOf<T> = FinalizedOutput<BlockNumberFor<T>, <T as Config>::MaxOutputLen>;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
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
	pub type NextSequence<T> =
		StorageDoubleMap<_, Twox64Concat, StreamId, Blake2_128Concat, PublisherKey, u64, ValueQuery>;

	/// The topics each stream feeds.
	#[pallet::storage]
	pub type StreamTopics<T: Config> =
		StorageMap<_, Twox64Concat, StreamId, BoundedVec<TopicId, T::MaxTopicsPerStream>, ValueQuery>;

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
	pub type SealSchedule<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, BoundedVec<TopicId, T::MaxOpenTopics>, ValueQuery>;

	/// Sealed batches still taking attestations.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageDoubleMap<
		_, Twox64Concat, TopicId, Twox64Concat, BatchNumber, BatchInfo<BlockNumberFor<T>>,
	>;

	/// The event hashes of each sealed batch (its offchain keys), until its deadline.
	#[pallet::storage]
	pub type BatchEvents<T: Config> = StorageDoubleMap<
		_, Twox64Concat, TopicId, Twox64Concat, BatchNumber, BoundedVec<Hash32, T::MaxEventsPerBatch>,
		ValueQuery,
	>;

	/// Batches whose attestation deadline is a block.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_, Twox64Concat, BlockNumberFor<T>, BoundedVec<(TopicId, BatchNumber), T::MaxOpenTopics>,
		ValueQuery,
	>;

	/// The result digest each validator attested for a batch.
	#[pallet::storage]
	pub type Attestations<T: Config> = StorageDoubleMap<
		_, Twox64Concat, (TopicId, BatchNumber), Blake2_128Concat, T::AttestationId, Hash32,
	>;

	/// The distinct results attested for a batch, by digest, with their votes.
	#[pallet::storage]
	pub type Candidates<T: Config> = StorageDoubleMap<
		_, Twox64Concat, (TopicId, BatchNumber), Identity, Hash32, Candidate<T::MaxOutputLen>,
	>;

	/// The latest finalized outputs of each topic, oldest first.
	#[pallet::storage]
	pub type Outputs<T: Config> = StorageMap<
		_, Twox64Concat, TopicId, BoundedVec<FinalizedOutputOf<T>, T::MaxOutputsPerTopic>, ValueQuery,
	>;

	/// Faults recorded per validator, for later slashing.
	#[pallet::storage]
	pub type Faults<T: Config> = StorageMap<_, Blake2_128Concat, T::AttestationId, FaultRecord>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	#[allow(missing_docs)] // field names are self-describing; each variant says what happened
	pub enum Event<T: Config> {
		/// A stream was registered.
		StreamRegistered { stream: StreamId, owner: T::AccountId },
		/// A publisher key may now publish on a stream.
		PublisherAdded { stream: StreamId, publisher: PublisherKey },
		/// A publisher key may no longer publish on a stream.
		PublisherRemoved { stream: StreamId, publisher: PublisherKey },
		/// A stream was closed for good.
		StreamClosed { stream: StreamId },
		/// A template was uploaded and its deposit held.
		TemplateUploaded { hash: T::Hash, owner: T::AccountId, code_len: u32, deposit: BalanceOf<T> },
		/// A template was removed and its deposit released.
		TemplateRemoved { hash: T::Hash, owner: T::AccountId, deposit: BalanceOf<T> },
		/// A topic was registered; its first window opened.
		TopicRegistered { topic: TopicId, owner: T::AccountId, template: T::Hash },
		/// A topic's status changed.
		TopicStatusChanged { topic: TopicId, status: TopicStatus },
		/// An event was accepted; its payload is in offchain storage under its hash.
		EventPublished { stream: StreamId, publisher: PublisherKey, sequence: u64, event_hash: Hash32 },
		/// A batch was sealed and now awaits attestations.
		BatchSealed {
			topic: TopicId,
			batch: BatchNumber,
			first_block: BlockNumberFor<T>,
			last_block: BlockNumberFor<T>,
			event_count: u32,
			commitment: Hash32,
		},
		/// A validator attested a batch.
		Attested { topic: TopicId, batch: BatchNumber, validator: T::AttestationId, digest: Hash32 },
		/// A quorum agreed on a batch's output.
		OutputFinalized {
			topic: TopicId,
			batch: BatchNumber,
			outputs_root: Hash32,
			state_root: Hash32,
			verdict: Verdict,
		},
		/// A batch reached its deadline without a quorum.
		BatchExpired { topic: TopicId, batch: BatchNumber },
		/// At a batch's deadline, these validators had not attested or had attested a result
		/// other than the finalized one; recorded in `Faults`.
		ValidatorsFaulted {
			topic: TopicId,
			batch: BatchNumber,
			missed: alloc::vec::Vec<T::AttestationId>,
			deviated: alloc::vec::Vec<T::AttestationId>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No stream with this id.
		UnknownStream,
		/// Only the stream's (or topic's, or template's) owner may do this.
		NotOwner,
		/// The stream is closed.
		StreamClosed,
		/// The key is already a publisher of the stream.
		PublisherExists,
		/// The key is not a publisher of the stream.
		NotPublisher,
		/// The stream has `MaxPublishers` keys already.
		TooManyPublishers,
		/// Template code is empty.
		EmptyTemplate,
		/// A template with this content hash exists already.
		TemplateExists,
		/// No template with this hash.
		UnknownTemplate,
		/// The template is used by a topic.
		TemplateInUse,
		/// A machine configuration limit is zero or inconsistent.
		InvalidMachineConfig,
		/// A topic needs at least one source stream, each listed once.
		InvalidStreams,
		/// A stream feeds `MaxTopicsPerStream` topics already.
		TooManyTopicsForStream,
		/// The window is 0 or above `MaxWindow`.
		InvalidWindow,
		/// An explicit quorum must be more than half of the validators, at most all of them.
		InvalidQuorum,
		/// `MaxOpenTopics` topics have an open window already.
		TooManyOpenTopics,
		/// No topic with this id.
		UnknownTopic,
		/// The topic is closed.
		TopicClosed,
		/// The topic already has this status.
		StatusUnchanged,
		/// The event's sequence number was used already (duplicate or replay).
		SequenceUsed,
		/// The event's sequence number skips ahead of the next expected one.
		SequenceGap,
		/// The publisher's signature does not verify.
		BadSignature,
		/// A topic fed by the stream has `MaxEventsPerBatch` events in its open window.
		BatchFull,
		/// No such batch is sealed and awaiting attestations.
		BatchNotSealed,
		/// The signer is not a current validator.
		NotValidator,
		/// The validator attested this batch already.
		AlreadyAttested,
		/// The attestation's signature does not verify.
		BadAttestationSignature,
		/// An arithmetic overflow (ids or counters exhausted).
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let judged = Self::judge_deadlines(now);
			let to_seal = SealSchedule::<T>::decode_len(now).unwrap_or(0) as u32;
			T::WeightInfo::on_initialize_judge(judged, T::MaxValidators::get())
				.saturating_add(T::WeightInfo::on_finalize_seal(to_seal, T::MaxEventsPerBatch::get()))
		}

		fn on_finalize(now: BlockNumberFor<T>) {
			Self::seal_due(now);
		}

		fn integrity_test() {
			assert!(T::MaxTemplateSize::get() > 0, "MaxTemplateSize must be positive");
			assert!(T::MaxPayloadLen::get() > 0, "MaxPayloadLen must be positive");
			assert!(T::MaxEventsPerBatch::get() > 0, "MaxEventsPerBatch must be positive");
			assert!(T::MaxEventsPerCall::get() > 0, "MaxEventsPerCall must be positive");
			assert!(T::MaxOpenTopics::get() > 0, "MaxOpenTopics must be positive");
			assert!(T::MaxWindow::get() > 0, "MaxWindow must be positive");
			assert!(T::MaxValidators::get() > 0, "MaxValidators must be positive");
			assert!(T::MaxOutputsPerTopic::get() > 0, "MaxOutputsPerTopic must be positive");
			assert!(T::MaxStreamsPerTopic::get() > 0, "MaxStreamsPerTopic must be positive");
			assert!(!T::AttestationPeriod::get().is_zero(), "AttestationPeriod must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight = <T as Config>::WeightInfo)]
	impl<T: Config> Pallet<T> {
		/// Register a stream owned by the caller.
		///
		/// Origin: signed (becomes the owner). Errors: `Overflow`.
		/// Emits `StreamRegistered`. Complexity: O(1).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_stream(metadata.len() as u32))]
		pub fn register_stream(
			origin: OriginFor<T>,
			metadata: BoundedVec<u8, T::MaxMetadataLen>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_register_stream(owner, metadata)
		}

		/// Allow a key to publish on a stream.
		///
		/// Origin: signed, the stream's owner. Errors: `UnknownStream`, `NotOwner`,
		/// `StreamClosed`, `PublisherExists`, `TooManyPublishers`.
		/// Emits `PublisherAdded`. Complexity: O(P), P = the stream's publishers.
		#[pallet::call_index(1)]
		pub fn add_publisher(origin: OriginFor<T>, stream: StreamId, publisher: PublisherKey) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_publisher(who, stream, publisher)
		}

		/// Revoke a key's permission to publish on a stream (its sequence is kept, so a
		/// re-added key cannot replay old events).
		///
		/// Origin: signed, the stream's owner. Errors: `UnknownStream`, `NotOwner`,
		/// `NotPublisher`. Emits `PublisherRemoved`. Complexity: O(P).
		#[pallet::call_index(2)]
		pub fn remove_publisher(origin: OriginFor<T>, stream: StreamId, publisher: PublisherKey) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_publisher(who, stream, publisher)
		}

		/// Close a stream for good: it accepts no more events.
		///
		/// Origin: signed, the stream's owner. Errors: `UnknownStream`, `NotOwner`,
		/// `StreamClosed`. Emits `StreamClosed`. Complexity: O(1).
		#[pallet::call_index(3)]
		pub fn close_stream(origin: OriginFor<T>, stream: StreamId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_close_stream(who, stream)
		}

		/// Upload template code; it is stored under its content hash (`T::Hashing`) and a
		/// deposit of `TemplateDepositBase + TemplateDepositPerByte * len` is held.
		///
		/// Origin: signed (becomes the owner). Errors: `EmptyTemplate`, `TemplateExists`,
		/// `InvalidMachineConfig`, and the currency's error if the deposit cannot be held.
		/// Emits `TemplateUploaded`. Complexity: O(len) (hashing).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::upload_template(code.len() as u32))]
		pub fn upload_template(
			origin: OriginFor<T>,
			code: BoundedVec<u8, T::MaxTemplateSize>,
			machine: MachineConfig,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_upload_template(owner, code, machine)
		}

		/// Remove a template no topic uses; the deposit is released.
		///
		/// Origin: signed, the uploader. Errors: `UnknownTemplate`, `NotOwner`,
		/// `TemplateInUse`. Emits `TemplateRemoved`. Complexity: O(1).
		#[pallet::call_index(5)]
		pub fn remove_template(origin: OriginFor<T>, hash: T::Hash) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_template(who, hash)
		}

		/// Register a topic over open streams with an uploaded template. Its first window
		/// opens in this block and ends `window - 1` blocks later.
		///
		/// Origin: signed (becomes the owner). Errors: `InvalidStreams`, `UnknownStream`,
		/// `StreamClosed`, `UnknownTemplate`, `InvalidWindow`, `InvalidQuorum`,
		/// `TooManyTopicsForStream`, `TooManyOpenTopics`, `Overflow`.
		/// Emits `TopicRegistered`. Complexity: O(S * K), S streams, K topics per stream.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::register_topic(streams.len() as u32))]
		pub fn register_topic(
			origin: OriginFor<T>,
			streams: BoundedVec<StreamId, T::MaxStreamsPerTopic>,
			template: T::Hash,
			config: BoundedVec<u8, T::MaxTopicConfigLen>,
			window: u32,
			quorum: Option<u32>,
			mode: TopicMode,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_register_topic(owner, streams, template, config, window, quorum, mode)
		}

		/// Pause, resume or close a topic. Pausing or closing takes effect at the end of
		/// the open window (that window is still sealed); resuming opens a new window.
		///
		/// Origin: signed, the topic's owner. Errors: `UnknownTopic`, `NotOwner`,
		/// `TopicClosed`, `StatusUnchanged`, `TooManyOpenTopics`.
		/// Emits `TopicStatusChanged`. Complexity: O(1).
		#[pallet::call_index(7)]
		pub fn set_topic_status(origin: OriginFor<T>, topic: TopicId, status: TopicStatus) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_topic_status(who, topic, status)
		}

		/// Publish one publisher-signed event. Fee-less: the authorization checks the
		/// signature, the publisher's permission, the stream and the sequence number.
		///
		/// Origin: authorized (through `frame_system::AuthorizeCall`). Errors (also as
		/// transaction-validity errors, see [`authorize`](crate::authorize)):
		/// `UnknownStream`, `StreamClosed`, `NotPublisher`, `SequenceUsed`, `SequenceGap`,
		/// `BadSignature`, `BatchFull`. Emits `EventPublished`.
		/// Complexity: O(P + K + len), P publishers, K topics of the stream.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::publish(event.payload.len() as u32))]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_publish(event.payload.len() as u32))]
		#[pallet::authorize(Self::authorize_publish)]
		pub fn publish(origin: OriginFor<T>, event: SignedEventOf<T>) -> DispatchResult {
			ensure_authorized(origin)?;
			Self::ingest(&event)
		}

		/// Publish several events in one extrinsic, all or nothing, in the given order
		/// (several events of one publisher must carry consecutive sequence numbers).
		///
		/// Origin: authorized. Errors: as `publish`, for the first failing event.
		/// Emits `EventPublished` per event. Complexity: O(N * (P + K) + total bytes).
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::publish_batch(events.len() as u32, T::MaxPayloadLen::get()))]
		#[pallet::weight_of_authorize(
			T::WeightInfo::authorize_publish_batch(events.len() as u32, T::MaxPayloadLen::get())
		)]
		#[pallet::authorize(Self::authorize_publish_batch)]
		pub fn publish_batch(
			origin: OriginFor<T>,
			events: BoundedVec<SignedEventOf<T>, T::MaxEventsPerCall>,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			events.iter().try_for_each(Self::ingest)
		}

		/// Attest what a validator computed for a sealed batch, signed with its `conc` key
		/// over [`attestation_signing_message`](crate::Pallet::attestation_signing_message).
		/// Finalizes the output when matching attestations reach the topic's quorum.
		///
		/// Origin: authorized. Errors: `BatchNotSealed`, `NotValidator`, `AlreadyAttested`,
		/// `BadAttestationSignature`, `UnknownTopic`. Emits `Attested`, maybe
		/// `OutputFinalized`. Complexity: O(V + output bytes), V validators.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::attest(T::MaxValidators::get(), T::MaxOutputLen::get()))]
		#[pallet::weight_of_authorize(
			T::WeightInfo::authorize_attest(T::MaxValidators::get(), T::MaxOutputLen::get())
		)]
		#[pallet::authorize(Self::authorize_attest)]
		pub fn attest(
			origin: OriginFor<T>,
			attestation: AttestationOf<T>,
			signature: AttestationSignatureOf<T>,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let _ = signature; // verified in the authorization
			Self::do_attest(attestation)
		}
	}
}
