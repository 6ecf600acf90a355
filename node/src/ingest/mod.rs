//! Node-side ingestion: the real-time path for publishers.
//!
//! `concerto_submitEvents` (see [`rpc`]) takes many signed events per call. Each is
//! decoded and size-checked natively, its signature verified natively (sr25519 batch
//! verification on all cores, `concerto-verify-interface`), its stream and key checked
//! against the best block (`IngestApi_publisher_states`) and its sequence number against
//! the chain and this node's queue. Good events are written to the durable [`queue`]
//! before the call answers; bad ones get a named error and never enter it.
//!
//! When this node authors a block, [`Ingest::inherent_data`] offers the queued events to
//! the runtime, which puts the ones that may go in into the block's `ingest` inherent
//! (`pallet_topics::bulk`). A background task follows the chain: best blocks tell the
//! queue what is included already (so it is not offered again), finalized blocks remove
//! it for good.
//!
//! Prometheus: `concerto_ingest_events_total{outcome}` (accepted, duplicate, and each
//! error), `concerto_ingest_queue_events`, `concerto_ingest_finalized_events_total`,
//! `concerto_ingest_dropped_events_total`.

pub(crate) mod pace;
pub(crate) mod queue;
pub(crate) mod rpc;

use concerto_runtime::{opaque::Block, Runtime};
use concerto_verify_interface::native as verify;
use futures::StreamExt;
use pallet_topics::{
    runtime_api::{IngestApi, PublisherState},
    SignatureCheck, SignedEvent, StreamId,
};
use polkadot_sdk::{
    sc_client_api::{BlockchainEvents, HeaderBackend},
    sp_api::ProvideRuntimeApi,
    sp_core::{ConstU32, Get},
    sp_inherents::{InherentData, InherentIdentifier},
    substrate_prometheus_endpoint::{
        register, Counter, CounterVec, Gauge, Opts, PrometheusError, Registry, U64,
    },
    *,
};
use queue::{Admission, Checked, Key, Queue};
use std::{collections::BTreeMap, path::Path, sync::Arc};

/// Log target of the ingestion path.
pub(crate) const LOG_TARGET: &str = "concerto::ingest";

/// Events held in the queue at most (about 300 MB of 256-byte events).
pub(crate) const QUEUE_CAPACITY: usize = 1 << 20;

/// Events one `concerto_submitEvents` call may carry.
pub(crate) const MAX_EVENTS_PER_CALL: usize = 16_384;

/// The events a block this node authors is offered at start, before its proposal times are
/// known (the pacer grows it up to the runtime's `MaxEventsPerBlock` while proposals are
/// fast and the queue has more).
const PACE_START: usize = 2_048;

/// The runtime's payload bound.
type MaxPayloadLen = <Runtime as pallet_topics::Config>::MaxPayloadLen;

/// Why a submitted event was refused. The event is not queued; nothing else changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum IngestError {
    /// The bytes are not a SCALE `SignedEvent`.
    #[error("the bytes are not a SCALE-encoded SignedEvent")]
    Undecodable,
    /// The payload is longer than the runtime's `MaxPayloadLen`.
    #[error("payload of {len} bytes is longer than the chain's limit of {max} bytes")]
    PayloadTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: u32,
    },
    /// The signature does not verify over the event's signing message.
    #[error("the publisher's signature does not verify (sign the event's signing message with this node's genesis hash)")]
    BadSignature,
    /// No such stream.
    #[error("no stream with this id")]
    UnknownStream,
    /// The stream is closed.
    #[error("the stream is closed")]
    StreamClosed,
    /// The key is not a publisher of the stream.
    #[error("the key is not a publisher of this stream")]
    NotPublisher,
    /// The stream's budget does not pay for one more event.
    #[error(
        "the stream's ingestion budget is exhausted; its owner must fund it (topics.fundStream)"
    )]
    BudgetExhausted,
    /// The sequence number was used already (by another event).
    #[error("sequence number used already; the next one is {expected}")]
    SequenceUsed {
        /// The next sequence number this node expects.
        expected: u64,
    },
    /// The sequence number skips ahead.
    #[error("sequence number skips ahead; the next one is {expected}")]
    SequenceGap {
        /// The next sequence number this node expects.
        expected: u64,
    },
    /// The queue is full; retry later.
    #[error("this node's ingestion queue is full ({capacity} events); retry later")]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
}

impl IngestError {
    /// The error's name, as the RPC and the metrics report it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            IngestError::Undecodable => "Undecodable",
            IngestError::PayloadTooLong { .. } => "PayloadTooLong",
            IngestError::BadSignature => "BadSignature",
            IngestError::UnknownStream => "UnknownStream",
            IngestError::StreamClosed => "StreamClosed",
            IngestError::NotPublisher => "NotPublisher",
            IngestError::BudgetExhausted => "BudgetExhausted",
            IngestError::SequenceUsed { .. } => "SequenceUsed",
            IngestError::SequenceGap { .. } => "SequenceGap",
            IngestError::QueueFull { .. } => "QueueFull",
        }
    }
}

/// Why a whole `concerto_submitEvents` call failed (no event of it was queued).
#[derive(Debug, thiserror::Error)]
pub(crate) enum SubmitError {
    /// More events than [`MAX_EVENTS_PER_CALL`].
    #[error("{got} events in one call; at most {max}")]
    TooManyEvents {
        /// Events in the call.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// The runtime API call failed.
    #[error("reading publisher states at the best block: {0}")]
    RuntimeApi(#[from] sp_api::ApiError),
    /// The queue could not be written.
    #[error("writing the ingestion queue: {0}")]
    Queue(#[from] std::io::Error),
}

/// A submitted event decoded without the runtime's payload bound (so that a long payload
/// is reported as such, not as undecodable).
type UnboundedEvent = SignedEvent<ConstU32<{ u32::MAX }>>;

/// Decodes a queued or submitted event (no trailing bytes).
pub(crate) fn decode_event(bytes: &[u8]) -> Option<UnboundedEvent> {
    codec::DecodeAll::decode_all(&mut &bytes[..]).ok()
}

/// The outcome of one submitted event.
pub(crate) type Outcome = Result<Admission, IngestError>;

struct Metrics {
    events: CounterVec<U64>,
    queue: Gauge<U64>,
    finalized: Counter<U64>,
    dropped: Counter<U64>,
}

impl Metrics {
    fn register(registry: &Registry) -> Result<Metrics, PrometheusError> {
        Ok(Metrics {
            events: register(
                CounterVec::new(
                    Opts::new(
                        "concerto_ingest_events_total",
                        "Events submitted to concerto_submitEvents, by outcome",
                    ),
                    &["outcome"],
                )?,
                registry,
            )?,
            queue: register(
                Gauge::new(
                    "concerto_ingest_queue_events",
                    "Accepted events not yet finalized on chain",
                )?,
                registry,
            )?,
            finalized: register(
                Counter::new(
                    "concerto_ingest_finalized_events_total",
                    "Queued events seen included in a finalized block",
                )?,
                registry,
            )?,
            dropped: register(
                Counter::new(
                    "concerto_ingest_dropped_events_total",
                    "Queued events dropped because their stream closed or key was removed",
                )?,
                registry,
            )?,
        })
    }
}

/// The ingestion path of one node (see the module docs).
pub(crate) struct Ingest<C> {
    client: Arc<C>,
    queue: Queue,
    genesis: [u8; 32],
    metrics: Option<Metrics>,
    pacer: Arc<pace::Pacer>,
    /// Where submitted signatures are verified: half the cores (at least one), so that a
    /// flood of submissions cannot take the cores block production needs.
    verifier: rayon::ThreadPool,
}

impl<C> std::fmt::Debug for Ingest<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest")
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

/// Why the ingestion path could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    /// The queue's database could not be opened.
    #[error(
        "opening the ingestion queue at {path}: {source} (is another node using this base path?)"
    )]
    Queue {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The metrics could not be registered.
    #[error("registering the ingestion metrics: {0}")]
    Metrics(#[from] PrometheusError),
    /// The signature verification threads could not be started.
    #[error("starting the ingestion's signature verification threads: {0}")]
    Verifier(#[from] rayon::ThreadPoolBuildError),
}

impl<C> Ingest<C>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block> + 'static,
    C: Send + Sync,
    C::Api: IngestApi<Block>,
{
    /// Opens the queue at `path` and registers the metrics.
    pub(crate) fn start(
        client: Arc<C>,
        path: &Path,
        registry: Option<&Registry>,
    ) -> Result<Arc<Ingest<C>>, StartError> {
        let queue = Queue::open(path, QUEUE_CAPACITY).map_err(|source| StartError::Queue {
            path: path.display().to_string(),
            source,
        })?;
        let metrics = registry.map(Metrics::register).transpose()?;
        let max = <<Runtime as pallet_topics::Config>::MaxEventsPerBlock as Get<u32>>::get();
        let pacer = Arc::new(pace::Pacer::new(PACE_START, max as usize, registry)?);
        let genesis = client.info().genesis_hash.0;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let verifier = rayon::ThreadPoolBuilder::new()
            .num_threads((cores / 2).max(1))
            .thread_name(|i| format!("concerto-verify-{i}"))
            .build()?;
        let ingest = Ingest {
            client,
            queue,
            genesis,
            metrics,
            pacer,
            verifier,
        };
        let held = ingest.queue.len();
        if held > 0 {
            log::info!(target: LOG_TARGET, "🎼 ingestion queue: {held} accepted events not yet finalized, offering them again");
        }
        ingest.set_queue_gauge();
        Ok(Arc::new(ingest))
    }

    fn set_queue_gauge(&self) {
        if let Some(m) = &self.metrics {
            m.queue.set(self.queue.len() as u64);
        }
    }

    /// Checks and queues submitted events (see the module docs); one outcome per event.
    pub(crate) fn submit(&self, events: Vec<Vec<u8>>) -> Result<Vec<Outcome>, SubmitError> {
        if events.len() > MAX_EVENTS_PER_CALL {
            return Err(SubmitError::TooManyEvents {
                got: events.len(),
                max: MAX_EVENTS_PER_CALL,
            });
        }
        // 1. Decode and bound the payload.
        let max = <MaxPayloadLen as Get<u32>>::get();
        let decoded: Vec<Result<UnboundedEvent, IngestError>> = events
            .iter()
            .map(|bytes| {
                let event = decode_event(bytes).ok_or(IngestError::Undecodable)?;
                if event.payload.len() > max as usize {
                    return Err(IngestError::PayloadTooLong {
                        len: event.payload.len(),
                        max,
                    });
                }
                Ok(event)
            })
            .collect();
        // 2. Signatures, all at once.
        let verified = self.verify(&decoded);
        // 3. Streams and keys at the best block.
        let mut keys: Vec<Key> = decoded
            .iter()
            .filter_map(|e| e.as_ref().ok().map(|e| (e.stream, e.publisher)))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let best = self.client.info().best_hash;
        let states = self
            .client
            .runtime_api()
            .publisher_states(best, keys.clone())?;
        // What each stream's budget still pays for beyond the events queued here: an
        // owner cannot fill the queue with more events than its stream can pay for.
        let mut streams: Vec<StreamId> = keys.iter().map(|(stream, _)| *stream).collect();
        streams.dedup();
        let affordable = self
            .client
            .runtime_api()
            .affordable_events(best, streams.clone())?;
        let mut room: BTreeMap<StreamId, u64> = streams
            .iter()
            .zip(affordable)
            .zip(self.queue.unpaid_on(&streams))
            .map(|((stream, pays), unpaid)| (*stream, pays.saturating_sub(unpaid)))
            .collect();
        let states: BTreeMap<Key, PublisherState> = keys.into_iter().zip(states).collect();
        let mut chain_next = BTreeMap::new();
        let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(events.len());
        let mut checked = Vec::new();
        for ((event, ok), bytes) in decoded.into_iter().zip(verified).zip(events) {
            let state_of = |e: &UnboundedEvent| states.get(&(e.stream, e.publisher)).copied();
            let refusal = match &event {
                Err(e) => Some(e.clone()),
                Ok(_) if !ok => Some(IngestError::BadSignature),
                Ok(e) => match state_of(e) {
                    Some(PublisherState::Open { next_sequence }) => match room.get_mut(&e.stream) {
                        Some(left) if *left > 0 => {
                            *left -= 1;
                            chain_next.insert((e.stream, e.publisher), next_sequence);
                            None
                        }
                        _ => Some(IngestError::BudgetExhausted),
                    },
                    Some(PublisherState::StreamClosed) => Some(IngestError::StreamClosed),
                    Some(PublisherState::NotPublisher) => Some(IngestError::NotPublisher),
                    Some(PublisherState::BudgetExhausted { .. }) => {
                        Some(IngestError::BudgetExhausted)
                    }
                    Some(PublisherState::UnknownStream) | None => Some(IngestError::UnknownStream),
                },
            };
            match (refusal, event) {
                (Some(why), _) => outcomes.push(Some(Err(why))),
                (None, Ok(e)) => {
                    outcomes.push(None);
                    checked.push(Checked {
                        key: (e.stream, e.publisher),
                        sequence: e.sequence,
                        bytes,
                    });
                }
                (None, Err(why)) => outcomes.push(Some(Err(why))),
            }
        }
        // 4. Sequence numbers, and the write to disk.
        let mut admitted = self.queue.admit(checked, &chain_next)?.into_iter();
        let outcomes: Vec<Outcome> = outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| admitted.next().unwrap_or(Err(IngestError::Undecodable))))
            .collect();
        if let Some(m) = &self.metrics {
            for o in &outcomes {
                let label = match o {
                    Ok(Admission::Accepted) => "accepted",
                    Ok(Admission::Duplicate) => "duplicate",
                    Err(e) => e.name(),
                };
                m.events.with_label_values(&[label]).inc();
            }
        }
        self.set_queue_gauge();
        Ok(outcomes)
    }

    /// Whether `publisher` may publish on `stream` at the best block and, if so, the
    /// sequence number its next event must carry here: the chain's, or past the events
    /// of the key this node has queued and the chain not yet included.
    pub(crate) fn publisher_state(
        &self,
        stream: pallet_topics::StreamId,
        publisher: pallet_topics::PublisherKey,
    ) -> Result<PublisherState, sp_api::ApiError> {
        let best = self.client.info().best_hash;
        let key = (stream, publisher);
        let state = self
            .client
            .runtime_api()
            .publisher_states(best, vec![key])?
            .pop()
            .unwrap_or(PublisherState::UnknownStream);
        Ok(match state {
            PublisherState::Open { next_sequence } => PublisherState::Open {
                next_sequence: self.queue.next_sequence(&key, next_sequence),
            },
            PublisherState::BudgetExhausted { next_sequence } => PublisherState::BudgetExhausted {
                next_sequence: self.queue.next_sequence(&key, next_sequence),
            },
            other => other,
        })
    }

    /// Whether each decoded event's signature verifies (false for undecodable ones).
    fn verify(&self, decoded: &[Result<UnboundedEvent, IngestError>]) -> Vec<bool> {
        let genesis = polkadot_sdk::sp_core::H256(self.genesis);
        let checks = decoded.iter().map(|event| match event {
            Ok(e) => SignatureCheck::new(
                &genesis,
                e.stream,
                &e.publisher,
                e.sequence,
                &e.payload,
                &e.signature,
            ),
            Err(_) => SignatureCheck::Checked(false),
        });
        self.verifier
            .install(|| SignatureCheck::each(checks, |sr| verify::sr25519_each(&sr)))
    }

    /// The inherent data for a block this node authors: the queued events not yet in a
    /// best block, oldest first, at most what the [`pace::Pacer`] allows.
    pub(crate) fn inherent_data(&self) -> IngestInherentData {
        let events = self.queue.pending(self.pacer.cap());
        self.pacer.offer(events.len());
        IngestInherentData(events)
    }

    /// The pacer of the blocks this node authors (its proposer factory reports to it).
    pub(crate) fn pacer(&self) -> Arc<pace::Pacer> {
        self.pacer.clone()
    }

    fn publisher_states(
        &self,
        at: <Block as sp_runtime::traits::Block>::Hash,
    ) -> Option<(Vec<Key>, Vec<PublisherState>)> {
        let keys = self.queue.keys();
        if keys.is_empty() {
            return None;
        }
        match self.client.runtime_api().publisher_states(at, keys.clone()) {
            Ok(states) => Some((keys, states)),
            Err(e) => {
                log::warn!(target: LOG_TARGET, "reading publisher states at {at}: {e}");
                None
            }
        }
    }

    /// Follows best and finalized blocks (runs until the node stops).
    pub(crate) async fn follow_chain(self: Arc<Self>) {
        /// Closes the queue when the follower's task ends or is dropped (node shutdown).
        struct CloseOnDrop<'a>(&'a Queue);
        impl Drop for CloseOnDrop<'_> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let _close = CloseOnDrop(&self.queue);
        let mut imports = self.client.import_notification_stream();
        let mut finality = self.client.finality_notification_stream();
        loop {
            futures::select! {
                n = imports.next() => {
                    let Some(n) = n else { return };
                    if n.is_new_best {
                        if let Some((keys, states)) = self.publisher_states(n.hash) {
                            self.queue.note_best(&keys, &states);
                        }
                    }
                }
                n = finality.next() => {
                    let Some(n) = n else { return };
                    let Some((keys, states)) = self.publisher_states(n.hash) else { continue };
                    match self.queue.note_finalized(&keys, &states) {
                        Ok((included, dropped)) => {
                            if let Some(m) = &self.metrics {
                                m.finalized.inc_by(included as u64);
                                m.dropped.inc_by(dropped as u64);
                            }
                            self.set_queue_gauge();
                        }
                        Err(e) => log::error!(
                            target: LOG_TARGET,
                            "removing finalized events from the ingestion queue: {e}; they are \
                             offered again and the chain refuses them as used"
                        ),
                    }
                }
            }
        }
    }
}

/// The queued events offered to one block (`pallet_topics::bulk::INHERENT_IDENTIFIER`).
#[derive(Debug)]
pub(crate) struct IngestInherentData(Vec<Vec<u8>>);

const INHERENT_IDENTIFIER: InherentIdentifier = pallet_topics::bulk::INHERENT_IDENTIFIER;

#[async_trait::async_trait]
impl sp_inherents::InherentDataProvider for IngestInherentData {
    async fn provide_inherent_data(
        &self,
        data: &mut InherentData,
    ) -> Result<(), sp_inherents::Error> {
        if self.0.is_empty() {
            return Ok(());
        }
        data.put_data(INHERENT_IDENTIFIER, &self.0)
    }

    async fn try_handle_error(
        &self,
        identifier: &InherentIdentifier,
        _error: &[u8],
    ) -> Option<Result<(), sp_inherents::Error>> {
        // The pallet's `check_inherent` accepts every `ingest`: the dispatch checks it.
        (*identifier == INHERENT_IDENTIFIER).then_some(Ok(()))
    }
}
