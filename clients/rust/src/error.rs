//! The client's errors.

use crate::client::Refusal;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The JSON-RPC call failed (transport, or the node's JSON-RPC error).
    #[error("{method}: {source}")]
    Rpc {
        /// The method.
        method: &'static str,
        /// Why.
        source: jsonrpsee_core::ClientError,
    },
    /// The node's answer is not what the method answers.
    #[error("{method}: the node's answer does not decode: {reason}")]
    Answer {
        /// The method.
        method: &'static str,
        /// What did not fit.
        reason: String,
    },
    /// The node refused an event (see [`Refusal`]).
    #[error("event refused: {0}")]
    Refused(Refusal),
    /// The key may not publish on the stream.
    #[error("stream {stream}: the key may not publish ({why:?})")]
    CannotPublish {
        /// The stream.
        stream: u32,
        /// Why.
        why: crate::client::CannotPublish,
    },
    /// The secret URI does not make a key.
    #[error("the secret URI does not make a {scheme} key: {reason}")]
    Key {
        /// The scheme asked for.
        scheme: &'static str,
        /// Why.
        reason: String,
    },
    /// The payload is longer than the chain's `MaxPayloadLen`.
    #[error("payload of {len} bytes is longer than the chain's limit of {max} bytes")]
    PayloadTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: u32,
    },
    /// The WebSocket connection failed or closed.
    #[error("WebSocket {url}: {reason}")]
    WebSocket {
        /// The endpoint.
        url: String,
        /// Why.
        reason: String,
    },
    /// A subscription was refused.
    #[error("{method} refused: {reason}")]
    Subscription {
        /// The method.
        method: &'static str,
        /// The node's JSON-RPC error.
        reason: String,
    },
}

impl Error {
    /// Whether the same call may succeed when sent again: transport failures and a full
    /// ingestion queue.
    pub fn retryable(&self) -> bool {
        match self {
            Error::Rpc { source, .. } => !matches!(source, jsonrpsee_core::ClientError::Call(_)),
            Error::Refused(r) => r.kind == crate::RefusalKind::QueueFull,
            _ => false,
        }
    }
}
