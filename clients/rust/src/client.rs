//! The JSON-RPC client of one node (HTTP), and the typed answers of Concerto's methods.

use crate::{Error, SignedEvent};
use codec::Encode;
use jsonrpsee_core::{client::ClientT, params::ArrayParams, rpc_params, DeserializeOwned};
use jsonrpsee_http_client::HttpClient;
use pallet_topics::PublisherKey;
use polkadot_sdk::sp_core::{Bytes, H256};
use serde::Deserialize;
use std::time::Duration;

/// A client of one node's JSON-RPC (HTTP for calls; WebSocket on the same port for
/// subscriptions).
#[derive(Debug, Clone)]
pub struct Client {
    http: HttpClient,
    url: String,
    genesis: H256,
}

/// The name of a refusal (`concerto_submitEvents`' `error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RefusalKind {
    /// Not a SCALE `SignedEvent`.
    Undecodable,
    /// The payload is longer than the chain's limit.
    PayloadTooLong,
    /// The signature does not verify over the signing message.
    BadSignature,
    /// No such stream.
    UnknownStream,
    /// The stream is closed.
    StreamClosed,
    /// The key is not a publisher of the stream.
    NotPublisher,
    /// The stream's ingestion budget does not pay for the event (its owner funds it).
    BudgetExhausted,
    /// The sequence number was used by another event.
    SequenceUsed,
    /// The sequence number skips ahead.
    SequenceGap,
    /// The node's queue is full (retry).
    QueueFull,
    /// A name this client does not know (a newer node).
    #[serde(other)]
    Unknown,
}

/// A refused event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refusal {
    /// Its name.
    #[serde(rename = "error")]
    pub kind: RefusalKind,
    /// What it means and what to do.
    pub message: String,
    /// The next sequence number, for `SequenceUsed` / `SequenceGap`.
    #[serde(default)]
    pub expected: Option<u64>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

/// An event the node took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Queued now (durably).
    Accepted,
    /// The very same event was accepted before.
    Duplicate,
}

/// One event's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum Answer {
    /// Queued now.
    Accepted,
    /// Accepted before.
    Duplicate,
    /// Refused.
    Rejected(Refusal),
}

impl Answer {
    /// The admission, or the refusal.
    pub fn into_result(self) -> Result<Admission, Refusal> {
        match self {
            Answer::Accepted => Ok(Admission::Accepted),
            Answer::Duplicate => Ok(Admission::Duplicate),
            Answer::Rejected(r) => Err(r),
        }
    }
}

/// A finalized output as the node's index serves it (`concerto_output`,
/// `concerto_subscribeOutputs`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputJson {
    /// The topic.
    pub topic: u32,
    /// The batch.
    pub batch: u64,
    /// Machine root hash before the batch.
    pub start_root: H256,
    /// Outputs Merkle root.
    pub outputs_root: H256,
    /// Machine root hash after the batch.
    pub state_root: H256,
    /// BLAKE2b-256 of the outputs payload.
    pub outputs_hash: H256,
    /// The outputs payload (SCALE `Vec<Vec<u8>>`) when inline.
    pub outputs: Option<Bytes>,
    /// Cycles used.
    pub cycles: u64,
    /// `Accepted` or `Rejected`.
    #[serde(deserialize_with = "verdict")]
    pub verdict: pallet_topics::Verdict,
    /// The block that finalized it.
    pub block_number: u32,
    /// Its hash.
    pub block_hash: H256,
}

impl OutputJson {
    /// The outputs, when inline and well-formed.
    pub fn inline_outputs(&self) -> Option<Vec<Vec<u8>>> {
        let bytes = self.outputs.as_ref()?;
        codec::DecodeAll::decode_all(&mut &bytes[..]).ok()
    }
}

fn verdict<'de, D: serde::Deserializer<'de>>(d: D) -> Result<pallet_topics::Verdict, D::Error> {
    match String::deserialize(d)?.as_str() {
        "Accepted" => Ok(pallet_topics::Verdict::Accepted),
        "Rejected" => Ok(pallet_topics::Verdict::Rejected),
        other => Err(serde::de::Error::unknown_variant(
            other,
            &["Accepted", "Rejected"],
        )),
    }
}

/// Why a key may not publish on a stream (`concerto_nextSequence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CannotPublish {
    /// No such stream.
    UnknownStream,
    /// The stream is closed.
    StreamClosed,
    /// The key is not a publisher of the stream.
    NotPublisher,
    /// The stream's ingestion budget is exhausted; `next` is the sequence number to use
    /// once its owner funds it.
    BudgetExhausted {
        /// The next sequence number.
        next: u64,
    },
}

#[derive(Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
enum KeyState {
    Open { next: u64 },
    UnknownStream,
    StreamClosed,
    NotPublisher,
    BudgetExhausted { next: u64 },
}

impl Client {
    /// Connects to a node's RPC endpoint (`http://host:port`) and reads its genesis hash.
    /// Must be called inside a tokio runtime.
    pub async fn connect(url: &str) -> Result<Client, Error> {
        let http = HttpClient::builder()
            .request_timeout(Duration::from_secs(120))
            .max_request_size(64 << 20)
            .max_response_size(256 << 20)
            .build(url)
            .map_err(|source| Error::Rpc {
                method: "connect",
                source,
            })?;
        let mut client = Client {
            http,
            url: url.to_string(),
            genesis: H256::zero(),
        };
        client.genesis = client.call("chain_getBlockHash", rpc_params![0]).await?;
        Ok(client)
    }

    /// The chain's genesis hash (every signature is bound to it).
    pub fn genesis(&self) -> H256 {
        self.genesis
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One JSON-RPC call.
    pub async fn call<R: DeserializeOwned>(
        &self,
        method: &'static str,
        params: ArrayParams,
    ) -> Result<R, Error> {
        self.http
            .request(method, params)
            .await
            .map_err(|source| Error::Rpc { method, source })
    }

    /// `concerto_submitEvents` with already encoded events: one answer per event.
    pub async fn submit_encoded(&self, events: Vec<Bytes>) -> Result<Vec<Answer>, Error> {
        let n = events.len();
        let answers: Vec<Answer> = self
            .call("concerto_submitEvents", rpc_params![events])
            .await?;
        if answers.len() != n {
            return Err(Error::Answer {
                method: "concerto_submitEvents",
                reason: format!("{} answers for {n} events", answers.len()),
            });
        }
        Ok(answers)
    }

    /// `concerto_submitEvents`: one answer per event, in order.
    pub async fn submit_events(&self, events: &[SignedEvent]) -> Result<Vec<Answer>, Error> {
        self.submit_encoded(events.iter().map(|e| Bytes(e.encode())).collect())
            .await
    }

    /// The sequence number `key`'s next event on `stream` must carry on this node
    /// (`concerto_nextSequence`: past the events it accepted and the chain has not
    /// included yet); [`Error::CannotPublish`] if the key may not publish there.
    pub async fn next_sequence(&self, stream: u32, key: PublisherKey) -> Result<u64, Error> {
        let state: KeyState = self
            .call(
                "concerto_nextSequence",
                rpc_params![stream, Bytes(key.encode())],
            )
            .await?;
        let why = match state {
            KeyState::Open { next } => return Ok(next),
            KeyState::UnknownStream => CannotPublish::UnknownStream,
            KeyState::StreamClosed => CannotPublish::StreamClosed,
            KeyState::NotPublisher => CannotPublish::NotPublisher,
            KeyState::BudgetExhausted { next } => CannotPublish::BudgetExhausted { next },
        };
        Err(Error::CannotPublish { stream, why })
    }

    /// One finalized output from the node's index, `None` if not (yet) indexed.
    pub async fn output(&self, topic: u32, batch: u64) -> Result<Option<OutputJson>, Error> {
        self.call("concerto_output", rpc_params![topic, batch])
            .await
    }

    /// Up to `limit` (≤ 256) outputs of `topic` from `from_batch`, in batch order.
    pub async fn outputs(
        &self,
        topic: u32,
        from_batch: u64,
        limit: u32,
    ) -> Result<Vec<OutputJson>, Error> {
        self.call("concerto_outputs", rpc_params![topic, from_batch, limit])
            .await
    }
}
