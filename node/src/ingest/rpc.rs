//! `concerto_submitEvents`: many signed events per call, answered per event.
//!
//! Params: an array of hex strings, each the SCALE encoding of one
//! `pallet_topics::SignedEvent`. Result: an array of the same length, in order, each
//! `{"result":"accepted"}` (queued now, durable), `{"result":"duplicate"}` (this very
//! event was accepted before) or `{"result":"rejected","error":<name>,"message":<text>}`
//! (plus `"expected"`, the next sequence number, for `SequenceUsed`/`SequenceGap`). A
//! whole-call error (too many events, a failed runtime call, a failed disk write) is a
//! JSON-RPC error and queues nothing.

use super::{queue::Admission, Ingest, IngestError, Outcome, SubmitError};
use concerto_runtime::opaque::Block;
use jsonrpsee::{
    core::RpcResult,
    proc_macros::rpc,
    types::{error::ErrorObjectOwned, ErrorCode},
};
use pallet_topics::runtime_api::IngestApi;
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

/// The ingestion RPC.
#[rpc(server, namespace = "concerto")]
pub(crate) trait IngestRpc {
    /// Check and queue signed events (see the module docs).
    #[method(name = "submitEvents", blocking)]
    fn submit_events(&self, events: Vec<Bytes>) -> RpcResult<Vec<SubmitAnswer>>;
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
}
