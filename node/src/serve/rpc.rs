//! Concerto's serving JSON-RPC: finalized outputs from the node's index, live and as
//! history, and topics.
//!
//! - `concerto_subscribeOutputs(topic, fromBatch?)` → notifications `concerto_finalizedOutput`
//!   (unsubscribe: `concerto_unsubscribeOutputs`): each output of `topic` as its block is
//!   GRANDPA-finalized; with `fromBatch`, the indexed ones from that batch first, so a
//!   reconnecting client misses nothing. Subscriptions per connection are limited by the
//!   node's `--rpc-max-subscriptions-per-connection`.
//! - `concerto_output(topic, batch)` → one output, or `null` if not (yet) indexed.
//! - `concerto_outputs(topic, fromBatch, limit)` → up to `limit` (≤ [`MAX_PAGE`]) outputs
//!   in batch order from `fromBatch`; page on with the last batch + 1.
//! - `concerto_batchEvents(topic, batch)` → the events of a finalized batch as they went
//!   into the machine (each envelope's fields and its SCALE bytes, whose blake2-256 is the
//!   event hash the batch commitment is built from), so anyone can replay it; `null` if
//!   the batch's output is not indexed.
//! - `concerto_topic(topic)` → the topic at the best block: template, streams, window,
//!   quorum, mode, status, next batch.
//!
//! Errors are JSON-RPC errors with a named code: [`UNKNOWN_TOPIC`], [`LIMIT_EXCEEDED`],
//! [`INDEX_FAILED`], [`EVENTS_PRUNED`], [`EVENTS_MISSING`].

use super::{BatchEvents, Index, IndexClient, IndexedOutput, TopicsClient};
use concerto_runtime::{opaque::Block, AccountId};
use jsonrpsee::{
    core::{RpcResult, SubscriptionResult},
    proc_macros::rpc,
    types::error::ErrorObjectOwned,
    PendingSubscriptionSink, SubscriptionMessage,
};
use pallet_topics::{runtime_api::TopicsApi, BatchNumber, TopicId};
use polkadot_sdk::{sc_client_api::Backend, sp_core::H256};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// The most outputs one `concerto_outputs` call returns.
pub(crate) const MAX_PAGE: u32 = 256;
/// Error code: no topic with this id at the best block.
pub(crate) const UNKNOWN_TOPIC: i32 = 4001;
/// Error code: a page larger than [`MAX_PAGE`].
pub(crate) const LIMIT_EXCEEDED: i32 = 4002;
/// Error code: the index's database or the runtime call failed (see the message).
pub(crate) const INDEX_FAILED: i32 = 4003;
/// Error code: the batch's events are older than the node's `--event-retention`.
pub(crate) const EVENTS_PRUNED: i32 = 4004;
/// Error code: this node never held the batch's events.
pub(crate) const EVENTS_MISSING: i32 = 4005;

pub(crate) fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// What validators computed for a batch, as the RPC serves it (part of an output and of
/// a certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResultJson {
    /// Machine root hash before the batch (hex).
    start_root: String,
    /// Merkle root of the outputs (hex).
    outputs_root: String,
    /// Machine root hash after the batch (hex).
    state_root: String,
    /// blake2-256 of the SCALE outputs payload (hex).
    outputs_hash: String,
    /// The SCALE `Vec<Vec<u8>>` outputs (hex), when sent inline (≤ 4 KiB); else null.
    outputs: Option<String>,
    cycles: u64,
    /// `Accepted` or `Rejected`.
    verdict: String,
}

impl From<&pallet_topics::runtime_api::OutputView<u32>> for ResultJson {
    fn from(v: &pallet_topics::runtime_api::OutputView<u32>) -> Self {
        ResultJson {
            start_root: hex0x(&v.start_root),
            outputs_root: hex0x(&v.outputs_root),
            state_root: hex0x(&v.state_root),
            outputs_hash: hex0x(&v.outputs_hash),
            outputs: v.outputs.as_deref().map(hex0x),
            cycles: v.cycles,
            verdict: format!("{:?}", v.verdict),
        }
    }
}

impl From<&concerto_primitives::AttestationResult<Vec<u8>>> for ResultJson {
    fn from(r: &concerto_primitives::AttestationResult<Vec<u8>>) -> Self {
        use concerto_primitives::OutputsPayload;
        ResultJson {
            start_root: hex0x(&r.start_root),
            outputs_root: hex0x(&r.outputs_root),
            state_root: hex0x(&r.state_root),
            outputs_hash: hex0x(&r.outputs.hash(polkadot_sdk::sp_io::hashing::blake2_256)),
            outputs: match &r.outputs {
                OutputsPayload::Inline(bytes) => Some(hex0x(bytes)),
                OutputsPayload::Hash(_) => None,
            },
            cycles: r.cycles,
            verdict: format!("{:?}", r.verdict),
        }
    }
}

/// An output as the RPC serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutputJson {
    topic: TopicId,
    batch: BatchNumber,
    /// The batch's window, first and last block (null if the chain no longer held it).
    window: Option<(u32, u32)>,
    /// Roots, outputs, cycles and verdict.
    #[serde(flatten)]
    result: ResultJson,
    /// The block whose `OutputFinalized` announced it (GRANDPA-finalized).
    block_number: u32,
    block_hash: String,
    /// The validators whose matching attestations made the quorum (`conc` keys, hex).
    attesters: Vec<String>,
}

impl From<&IndexedOutput> for OutputJson {
    fn from(o: &IndexedOutput) -> Self {
        OutputJson {
            topic: o.topic,
            batch: o.output.batch,
            window: o.window,
            result: ResultJson::from(&o.output),
            block_number: o.output.finalized_at,
            block_hash: hex0x(o.block_hash.as_bytes()),
            attesters: o.attesters.iter().map(|k| hex0x(k)).collect(),
        }
    }
}

/// One event of a batch as the RPC serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventJson {
    stream: u32,
    /// The publisher's 32-byte id in the envelope (hex).
    publisher: String,
    sequence: u64,
    /// The block that included it.
    block_number: u32,
    /// The payload (hex).
    payload: String,
    /// The SCALE `EventEnvelope` the machine read (hex).
    envelope: String,
    /// blake2-256 of `envelope` (hex).
    hash: String,
}

/// A batch's events as the RPC serves them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BatchEventsJson {
    topic: TopicId,
    batch: BatchNumber,
    events: Vec<EventJson>,
}

fn event_json(envelope: &[u8]) -> Result<EventJson, ErrorObjectOwned> {
    let e = <concerto_primitives::EventEnvelope as codec::Decode>::decode(&mut &envelope[..])
        .map_err(failed)?;
    Ok(EventJson {
        stream: e.stream_id,
        publisher: hex0x(&e.publisher),
        sequence: e.sequence,
        block_number: e.block_number,
        payload: hex0x(&e.payload),
        envelope: hex0x(envelope),
        hash: hex0x(&polkadot_sdk::sp_io::hashing::blake2_256(envelope)),
    })
}

/// A topic as the RPC serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopicJson {
    topic: TopicId,
    /// The owner (SS58, generic prefix 42).
    owner: String,
    streams: Vec<u32>,
    /// The template's content hash (hex).
    template: String,
    /// The template configuration (hex).
    config: String,
    window: u32,
    quorum: u32,
    /// `Stateless` or `Stateful`.
    mode: String,
    /// `Active`, `Paused` or `Closed`.
    status: String,
    next_batch: BatchNumber,
}

/// The serving RPC.
#[rpc(server, namespace = "concerto")]
pub(crate) trait ServeRpc {
    /// One indexed output (see the module docs).
    #[method(name = "output", blocking)]
    fn output(&self, topic: TopicId, batch: BatchNumber) -> RpcResult<Option<OutputJson>>;

    /// A page of indexed outputs (see the module docs).
    #[method(name = "outputs", blocking)]
    fn outputs(
        &self,
        topic: TopicId,
        from_batch: BatchNumber,
        limit: u32,
    ) -> RpcResult<Vec<OutputJson>>;

    /// The events of a finalized batch (see the module docs).
    #[method(name = "batchEvents", blocking)]
    fn batch_events(
        &self,
        topic: TopicId,
        batch: BatchNumber,
    ) -> RpcResult<Option<BatchEventsJson>>;

    /// A topic at the best block.
    #[method(name = "topic", blocking)]
    fn topic(&self, topic: TopicId) -> RpcResult<TopicJson>;

    /// Finalized outputs of a topic as they land (see the module docs).
    #[subscription(name = "subscribeOutputs" => "finalizedOutput", unsubscribe = "unsubscribeOutputs", item = OutputJson)]
    async fn subscribe_outputs(
        &self,
        topic: TopicId,
        from_batch: Option<BatchNumber>,
    ) -> SubscriptionResult;
}

/// Serves [`ServeRpcServer`] from the node's [`Index`].
pub(crate) struct ServeRpcHandler<C, B: Backend<Block>>(pub Arc<Index<C, B>>);

pub(crate) fn failed(e: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INDEX_FAILED, e.to_string(), None::<()>)
}

/// The topic at the best block, or the named [`UNKNOWN_TOPIC`] error.
pub(crate) fn topic_view<C: TopicsClient>(
    client: &C,
    topic: TopicId,
) -> Result<pallet_topics::runtime_api::TopicView<AccountId, H256, u32>, ErrorObjectOwned> {
    let best = client.info().best_hash;
    client
        .runtime_api()
        .topic(best, topic)
        .map_err(failed)?
        .ok_or_else(|| {
            ErrorObjectOwned::owned(
                UNKNOWN_TOPIC,
                format!("UnknownTopic: no topic {topic} at the best block"),
                None::<()>,
            )
        })
}

impl<C: IndexClient<B>, B: Backend<Block> + 'static> ServeRpcHandler<C, B> {
    fn topic_view(
        &self,
        topic: TopicId,
    ) -> Result<pallet_topics::runtime_api::TopicView<AccountId, H256, u32>, ErrorObjectOwned> {
        topic_view(&*self.0.client, topic)
    }
}

#[jsonrpsee::core::async_trait]
impl<C: IndexClient<B>, B: Backend<Block> + 'static> ServeRpcServer for ServeRpcHandler<C, B> {
    fn output(&self, topic: TopicId, batch: BatchNumber) -> RpcResult<Option<OutputJson>> {
        self.topic_view(topic)?;
        Ok(self
            .0
            .output(topic, batch)
            .map_err(failed)?
            .as_ref()
            .map(OutputJson::from))
    }

    fn outputs(
        &self,
        topic: TopicId,
        from_batch: BatchNumber,
        limit: u32,
    ) -> RpcResult<Vec<OutputJson>> {
        if limit > MAX_PAGE {
            return Err(ErrorObjectOwned::owned(
                LIMIT_EXCEEDED,
                format!("LimitExceeded: a page holds at most {MAX_PAGE} outputs, not {limit}"),
                None::<()>,
            ));
        }
        self.topic_view(topic)?;
        Ok(self
            .0
            .outputs(topic, from_batch, limit as usize)
            .map_err(failed)?
            .iter()
            .map(OutputJson::from)
            .collect())
    }

    fn batch_events(
        &self,
        topic: TopicId,
        batch: BatchNumber,
    ) -> RpcResult<Option<BatchEventsJson>> {
        self.topic_view(topic)?;
        match self.0.batch_events(topic, batch).map_err(failed)? {
            None => Ok(None),
            Some(BatchEvents::Held(envelopes)) => Ok(Some(BatchEventsJson {
                topic,
                batch,
                events: envelopes
                    .iter()
                    .map(|e| event_json(e))
                    .collect::<Result<_, _>>()?,
            })),
            Some(BatchEvents::Pruned {
                finalized_at,
                retention,
            }) => Err(ErrorObjectOwned::owned(
                EVENTS_PRUNED,
                format!(
                    "EventsPruned: topic {topic} batch {batch} was finalized at block \
                     {finalized_at}; this node keeps events for {retention} blocks \
                     (--event-retention); its output is still served"
                ),
                None::<()>,
            )),
            Some(BatchEvents::Missing) => Err(ErrorObjectOwned::owned(
                EVENTS_MISSING,
                format!(
                    "EventsMissing: this node did not hold the events of topic {topic} \
                     batch {batch} when it was finalized; ask a node that ran then"
                ),
                None::<()>,
            )),
        }
    }

    fn topic(&self, topic: TopicId) -> RpcResult<TopicJson> {
        use polkadot_sdk::sp_core::crypto::Ss58Codec;
        let t = self.topic_view(topic)?;
        Ok(TopicJson {
            topic,
            owner: t.owner.to_ss58check(),
            streams: t.streams,
            template: hex0x(t.template.as_bytes()),
            config: hex0x(&t.config),
            window: t.window,
            quorum: t.quorum,
            mode: format!("{:?}", t.mode),
            status: format!("{:?}", t.status),
            next_batch: t.next_batch,
        })
    }

    async fn subscribe_outputs(
        &self,
        pending: PendingSubscriptionSink,
        topic: TopicId,
        from_batch: Option<BatchNumber>,
    ) -> SubscriptionResult {
        if let Err(e) = self.topic_view(topic) {
            pending.reject(e).await;
            return Ok(());
        }
        // Listen first, then replay (all indexed outputs from `from_batch`, in one scan):
        // an output indexed in between comes twice and the second copy is skipped by
        // batch number.
        let mut live = self.0.subscribe();
        let replay = match from_batch {
            Some(from) => match self.0.outputs(topic, from, usize::MAX) {
                Ok(all) => all,
                Err(e) => {
                    pending.reject(failed(e)).await;
                    return Ok(());
                }
            },
            None => Vec::new(),
        };
        let sink = pending.accept().await?;
        let replayed: std::collections::BTreeSet<BatchNumber> =
            replay.iter().map(|o| o.output.batch).collect();
        for o in &replay {
            sink.send(SubscriptionMessage::from_json(&OutputJson::from(o))?)
                .await?;
        }
        loop {
            tokio::select! {
                _ = sink.closed() => return Ok(()),
                next = live.recv() => match next {
                    // Batches may finalize out of order; each is indexed once, so only
                    // the replayed ones can come twice.
                    Ok(o) if o.topic == topic && !replayed.contains(&o.output.batch) => {
                        sink.send(SubscriptionMessage::from_json(&OutputJson::from(&o))?).await?;
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        return Err(format!(
                            "Lagged: this subscriber fell {missed} outputs behind; resubscribe with fromBatch to replay them"
                        ).into());
                    }
                    Err(RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
}
