//! `concerto_submitEvents`: many signed events per call, answered per event.
//!
//! Params: an array of hex strings, each the SCALE encoding of one
//! `pallet_topics::SignedEvent`. Result: an array of the same length, in order, each
//! `{"result":"accepted"}` (queued now, durable), `{"result":"duplicate"}` (this very
//! event was accepted before) or `{"result":"rejected","error":<name>,"message":<text>}`
//! (plus `"expected"`, the next sequence number, for `SequenceUsed`/`SequenceGap`). A
//! whole-call error (too many events, a failed runtime call, a failed disk write) is a
//! JSON-RPC error and queues nothing.
//!
//! `concerto_nextSequence(stream, publisher)` (`publisher`: hex SCALE `PublisherKey`)
//! answers `{"state":"open","next":N}`, the sequence number the key's next event must
//! carry on this node (past the events it accepted that the chain has not included), or
//! `{"state":"unknownStream" | "streamClosed" | "notPublisher"}`.

use super::{queue::Admission, Ingest, IngestError, Outcome, SubmitError};
use concerto_runtime::opaque::Block;
use jsonrpsee::{
    core::RpcResult,
    proc_macros::rpc,
    types::{error::ErrorObjectOwned, ErrorCode},
};
use pallet_topics::{
    runtime_api::{IngestApi, PublisherState},
    PublisherKey, StreamId,
};
use polkadot_sdk::{
    sc_client_api::{BlockchainEvents, HeaderBackend},
    sp_api::ProvideRuntimeApi,
    sp_core::Bytes,
};
use serde::Serialize;
use std::sync::Arc;

/// One event's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub(crate) enum SubmitAnswer {
    /// Queued now.
    Accepted,
    /// Accepted before.
    Duplicate,
    /// Refused.
    Rejected {
        /// The error's name (`IngestError` variant).
        error: &'static str,
        /// What it means and what to do.
        message: String,
        /// The next sequence number, for sequence errors.
        #[serde(skip_serializing_if = "Option::is_none")]
        expected: Option<u64>,
    },
}

impl From<Outcome> for SubmitAnswer {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Ok(Admission::Accepted) => SubmitAnswer::Accepted,
            Ok(Admission::Duplicate) => SubmitAnswer::Duplicate,
            Err(e) => SubmitAnswer::Rejected {
                error: e.name(),
                message: e.to_string(),
                expected: match e {
                    IngestError::SequenceUsed { expected }
                    | IngestError::SequenceGap { expected } => Some(expected),
                    _ => None,
                },
            },
        }
    }
}

/// A publisher's state on a stream, as `concerto_nextSequence` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub(crate) enum PublisherStateJson {
    /// The key may publish; its next event carries `next`.
    Open {
        /// The next sequence number.
        next: u64,
    },
    /// No stream with this id.
    UnknownStream,
    /// The stream is closed.
    StreamClosed,
    /// The key is not a publisher of the stream.
    NotPublisher,
    /// The stream's budget does not pay for one more event; `next` is the sequence number
    /// once it is funded.
    BudgetExhausted {
        /// The next sequence number.
        next: u64,
    },
}

impl From<PublisherState> for PublisherStateJson {
    fn from(state: PublisherState) -> Self {
        match state {
            PublisherState::Open { next_sequence } => PublisherStateJson::Open {
                next: next_sequence,
            },
            PublisherState::UnknownStream => PublisherStateJson::UnknownStream,
            PublisherState::StreamClosed => PublisherStateJson::StreamClosed,
            PublisherState::NotPublisher => PublisherStateJson::NotPublisher,
            PublisherState::BudgetExhausted { next_sequence } => {
                PublisherStateJson::BudgetExhausted {
                    next: next_sequence,
                }
            }
        }
    }
}

/// The ingestion RPC.
#[rpc(server, namespace = "concerto")]
pub(crate) trait IngestRpc {
    /// Check and queue signed events (see the module docs).
    #[method(name = "submitEvents", blocking)]
    fn submit_events(&self, events: Vec<Bytes>) -> RpcResult<Vec<SubmitAnswer>>;

    /// The next sequence number of `publisher` (SCALE `PublisherKey`) on `stream`.
    #[method(name = "nextSequence", blocking)]
    fn next_sequence(&self, stream: StreamId, publisher: Bytes) -> RpcResult<PublisherStateJson>;
}

/// Serves [`IngestRpcServer`] from a node's [`Ingest`].
#[derive(Debug)]
pub(crate) struct IngestRpcHandler<C>(pub Arc<Ingest<C>>);

impl<C> IngestRpcServer for IngestRpcHandler<C>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block> + 'static,
    C: Send + Sync,
    C::Api: IngestApi<Block>,
{
    fn submit_events(&self, events: Vec<Bytes>) -> RpcResult<Vec<SubmitAnswer>> {
        let events = events.into_iter().map(|b| b.0).collect();
        match self.0.submit(events) {
            Ok(outcomes) => Ok(outcomes.into_iter().map(SubmitAnswer::from).collect()),
            Err(e) => {
                let code = match e {
                    SubmitError::TooManyEvents { .. } => ErrorCode::InvalidParams,
                    SubmitError::RuntimeApi(_) | SubmitError::Queue(_) => ErrorCode::InternalError,
                };
                Err(ErrorObjectOwned::owned(
                    code.code(),
                    e.to_string(),
                    None::<()>,
                ))
            }
        }
    }

    fn next_sequence(&self, stream: StreamId, publisher: Bytes) -> RpcResult<PublisherStateJson> {
        let key: PublisherKey =
            codec::DecodeAll::decode_all(&mut &publisher.0[..]).map_err(|_| {
                ErrorObjectOwned::owned(
                    ErrorCode::InvalidParams.code(),
                    "publisher is not a SCALE-encoded PublisherKey",
                    None::<()>,
                )
            })?;
        self.0
            .publisher_state(stream, key)
            .map(PublisherStateJson::from)
            .map_err(|e| {
                ErrorObjectOwned::owned(
                    ErrorCode::InternalError.code(),
                    format!("reading the publisher's state at the best block: {e}"),
                    None::<()>,
                )
            })
    }
}
