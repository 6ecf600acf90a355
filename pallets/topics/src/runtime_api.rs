//! The runtime API the node and its offchain workers use, and the pallet functions that
//! implement it (the runtime's `impl_runtime_apis!` forwards to them).

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use frame_system::pallet_prelude::BlockNumberFor;
use polkadot_sdk::*;
use scale_info::TypeInfo;
use sp_runtime::{traits::Zero, SaturatedConversion};

/// A topic as the API returns it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct TopicView<AccountId, Hash, BlockNumber> {
    /// The owner.
    pub owner: AccountId,
    /// Source streams.
    pub streams: Vec<StreamId>,
    /// Template content hash.
    pub template: Hash,
    /// Template configuration input (`BatchHeader::config`).
    pub config: Vec<u8>,
    /// Batching window in blocks.
    pub window: u32,
    /// The quorum needed now (explicit, or more than two thirds of the validators).
    pub quorum: u32,
    /// Stateless or stateful.
    pub mode: TopicMode,
    /// Active, paused or closed.
    pub status: TopicStatus,
    /// The next batch number.
    pub next_batch: BatchNumber,
    /// The open window, if any.
    pub open_window: Option<(BlockNumber, BlockNumber)>,
    /// Stateful topics: the last finalized batch and the machine root hash it left, which
    /// the next attested batch must start from.
    pub last_state: Option<(BatchNumber, Hash32)>,
}

/// A template as the API returns it (the code itself is in `TemplateCode` storage).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct TemplateView<AccountId> {
    /// The uploader.
    pub owner: AccountId,
    /// Code length.
    pub code_len: u32,
    /// Machine configuration.
    pub machine: MachineLimits,
    /// Topics using it.
    pub users: u32,
}

/// A finalized output as the API returns it (defined in `concerto-primitives`, shared with
/// the contracts chain extension and the node's RPC).
pub use concerto_primitives::outputs::OutputView;

/// Whether a publisher may publish on a stream now, and from which sequence number.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum PublisherState {
    /// The key may publish; its next event must carry this sequence number.
    #[codec(index = 0)]
    Open {
        /// The next sequence number the chain expects.
        next_sequence: u64,
    },
    /// No stream with this id.
    #[codec(index = 1)]
    UnknownStream,
    /// The stream is closed.
    #[codec(index = 2)]
    StreamClosed,
    /// The key is not (or no longer) a publisher of the stream.
    #[codec(index = 3)]
    NotPublisher,
    /// The key may publish, but the stream's budget does not pay for one more event
    /// (`fund_stream`): new events are refused, queued ones wait.
    #[codec(index = 4)]
    BudgetExhausted {
        /// The next sequence number the chain expects.
        next_sequence: u64,
    },
}

sp_api::decl_runtime_apis! {
    /// What the node's ingestion RPC and queue ask the chain about publishers.
    pub trait IngestApi {
        /// The state of each (stream, publisher), in order.
        fn publisher_states(keys: Vec<(StreamId, PublisherKey)>) -> Vec<PublisherState>;
        /// How many more events each stream's budget pays for at most (at `EventFee`
        /// each, payload bytes not counted), in order; 0 for an unknown stream.
        fn affordable_events(streams: Vec<StreamId>) -> Vec<u64>;
    }

    /// Concerto's topics, batches and outputs, for the node and offchain workers.
    pub trait TopicsApi<AccountId, Hash, BlockNumber, AttestationId>
    where
        AccountId: Codec,
        Hash: Codec,
        BlockNumber: Codec,
        AttestationId: Codec,
    {
        /// Sealed batches `validator` has not attested yet and may attest now, oldest first
        /// (a stateful topic's batch waits until its predecessor is settled, and is no
        /// longer due once it is finalized itself).
        fn awaiting_attestation(validator: AttestationId) -> Vec<(TopicId, BatchNumber)>;
        /// A sealed batch still taking attestations.
        fn batch(topic: TopicId, batch: BatchNumber) -> Option<BatchInfo<BlockNumber>>;
        /// The event hashes of a sealed batch in block order; each envelope is in offchain
        /// storage (PERSISTENT) under `EVENT_OFFCHAIN_PREFIX ++ hash`.
        fn batch_events(topic: TopicId, batch: BatchNumber) -> Vec<Hash32>;
        /// A topic.
        fn topic(topic: TopicId) -> Option<TopicView<AccountId, Hash, BlockNumber>>;
        /// A template's record.
        fn template(hash: Hash) -> Option<TemplateView<AccountId>>;
        /// The latest finalized outputs of a topic, oldest first.
        fn latest_outputs(topic: TopicId) -> Vec<OutputView<BlockNumber>>;
        /// The validators whose attestations count now (their `conc` keys).
        fn validators() -> Vec<AttestationId>;
        /// The validators whose attestation of a batch matches its finalized result, in
        /// key order; empty if the batch is not finalized or no longer held (attestations
        /// are kept until the batch's deadline).
        fn attesters(topic: TopicId, batch: BatchNumber) -> Vec<AttestationId>;
        /// The machine bounds every template fits and every validator's node must honour
        /// (a validator checks them when it starts).
        fn machine_bounds() -> MachineBounds;
    }
}

impl<T: Config> Pallet<T> {
    /// See [`IngestApi::publisher_states`].
    pub fn api_publisher_states(keys: Vec<(StreamId, PublisherKey)>) -> Vec<PublisherState> {
        keys.into_iter()
            .map(|(stream, publisher)| match Streams::<T>::get(stream) {
                None => PublisherState::UnknownStream,
                Some(s) if s.status != StreamStatus::Open => PublisherState::StreamClosed,
                Some(s) if !s.publishers.contains(&publisher) => PublisherState::NotPublisher,
                Some(_) => {
                    let next_sequence = NextSequence::<T>::get(stream, publisher);
                    if StreamBudgets::<T>::get(stream).unwrap_or_default()
                        < <T::EventFee as frame_support::traits::Get<_>>::get()
                    {
                        PublisherState::BudgetExhausted { next_sequence }
                    } else {
                        PublisherState::Open { next_sequence }
                    }
                }
            })
            .collect()
    }

    /// See [`IngestApi::affordable_events`].
    pub fn api_affordable_events(streams: Vec<StreamId>) -> Vec<u64> {
        let fee = <T::EventFee as frame_support::traits::Get<BalanceOf<T>>>::get();
        streams
            .into_iter()
            .map(|stream| {
                let budget = StreamBudgets::<T>::get(stream).unwrap_or_default();
                if fee.is_zero() {
                    return u64::MAX;
                }
                (budget / fee).saturated_into()
            })
            .collect()
    }

    /// See [`TopicsApi::awaiting_attestation`].
    pub fn api_awaiting_attestation(validator: &T::AttestationId) -> Vec<(TopicId, BatchNumber)> {
        if !Self::is_validator(validator) {
            return Vec::new();
        }
        let mut due: Vec<_> = Batches::<T>::iter_keys()
            .filter(|key| !Attestations::<T>::contains_key(*key, validator))
            .filter(|(topic, batch)| {
                let stateful =
                    Topics::<T>::get(topic).is_some_and(|t| t.mode == TopicMode::Stateful);
                // A stateful batch is attested only between its predecessor's finalization
                // and its own: once finalized, the topic's state has moved past its start,
                // so an honest late attestation could not pass the continuity check.
                let finalized =
                    || Batches::<T>::get(topic, batch).is_some_and(|info| info.finalized.is_some());
                !(stateful && (Self::predecessor_pending(*topic, *batch) || finalized()))
            })
            .collect();
        due.sort_unstable();
        due
    }

    /// See [`TopicsApi::topic`].
    pub fn api_topic(
        topic: TopicId,
    ) -> Option<TopicView<T::AccountId, T::Hash, BlockNumberFor<T>>> {
        Topics::<T>::get(topic).map(|t| TopicView {
            owner: t.owner,
            streams: t.streams.into_inner(),
            template: t.template,
            config: t.config.into_inner(),
            window: t.window,
            quorum: Self::effective_quorum(t.quorum, Self::validator_count()),
            mode: t.mode,
            status: t.status,
            next_batch: t.next_batch,
            open_window: t.open_window,
            last_state: TopicState::<T>::get(topic),
        })
    }

    /// See [`TopicsApi::template`].
    pub fn api_template(hash: T::Hash) -> Option<TemplateView<T::AccountId>> {
        Templates::<T>::get(hash).map(|i| TemplateView {
            owner: i.owner,
            code_len: i.code_len,
            machine: i.machine,
            users: i.users,
        })
    }

    /// See [`TopicsApi::latest_outputs`].
    pub fn api_latest_outputs(topic: TopicId) -> Vec<OutputView<BlockNumberFor<T>>> {
        Outputs::<T>::get(topic)
            .into_iter()
            .map(Self::output_view_of)
            .collect()
    }

    /// The finalized output of `topic`'s batch `batch`, or its latest with `None`, while
    /// the chain holds it (the latest `MaxOutputsPerTopic` of each topic): what the
    /// contracts chain extension serves. Reads one storage item.
    pub fn output_view(
        topic: TopicId,
        batch: Option<BatchNumber>,
    ) -> Option<OutputView<BlockNumberFor<T>>> {
        let outputs = Outputs::<T>::get(topic).into_inner();
        let found = match batch {
            None => outputs.into_iter().next_back(),
            Some(b) => outputs.into_iter().find(|o| o.batch == b),
        };
        found.map(Self::output_view_of)
    }

    fn output_view_of(o: FinalizedOutputOf<T>) -> OutputView<BlockNumberFor<T>> {
        OutputView {
            batch: o.batch,
            start_root: o.result.start_root,
            outputs_root: o.result.outputs_root,
            state_root: o.result.state_root,
            outputs_hash: o.result.outputs.hash(sp_io::hashing::blake2_256),
            outputs: match o.result.outputs {
                OutputsPayload::Inline(bytes) => Some(bytes.into_inner()),
                OutputsPayload::Hash(_) => None,
            },
            cycles: o.result.cycles,
            verdict: o.result.verdict,
            finalized_at: o.finalized_at,
        }
    }

    /// See [`TopicsApi::attesters`].
    pub fn api_attesters(topic: TopicId, batch: BatchNumber) -> Vec<T::AttestationId> {
        let Some(finalized) = Batches::<T>::get(topic, batch).and_then(|info| info.finalized)
        else {
            return Vec::new();
        };
        let mut attesters: Vec<_> = Attestations::<T>::iter_prefix((topic, batch))
            .filter(|(_, digest)| *digest == finalized)
            .map(|(validator, _)| validator)
            .collect();
        attesters.sort_unstable();
        attesters
    }
}
