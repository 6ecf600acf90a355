//! Subscriptions over WebSocket (the node serves them on its RPC port).

use crate::{Client, Error};
use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio_tungstenite::{connect_async, tungstenite::Message, MaybeTlsStream, WebSocketStream};

/// What to subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// `concerto_subscribeOutputs`: a topic's finalized outputs ([`crate::OutputJson`]),
    /// from `from_batch` (the indexed ones first) or from now.
    Outputs {
        /// The topic.
        topic: u32,
        /// The first batch, or `None` for live outputs only.
        from_batch: Option<u64>,
    },
    /// `concerto_subscribeCertified`: a topic's quorum certificates (JSON objects with
    /// `topic`, `batch`, the result, `signatures`, `quorum`, `validators`, `encoded`).
    Certified {
        /// The topic.
        topic: u32,
    },
}

impl Feed {
    fn method(self) -> &'static str {
        match self {
            Feed::Outputs { .. } => "concerto_subscribeOutputs",
            Feed::Certified { .. } => "concerto_subscribeCertified",
        }
    }

    fn notification(self) -> &'static str {
        match self {
            Feed::Outputs { .. } => "concerto_finalizedOutput",
            Feed::Certified { .. } => "concerto_certifiedResult",
        }
    }

    fn params(self) -> Value {
        match self {
            Feed::Outputs {
                topic,
                from_batch: Some(b),
            } => json!([topic, b]),
            Feed::Outputs { topic, .. } | Feed::Certified { topic } => json!([topic]),
        }
    }
}

/// An open subscription: [`Subscription::next`] yields its items in order.
#[derive(Debug)]
pub struct Subscription {
    ws: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    url: String,
    feed: Feed,
}

impl Client {
    /// Opens a WebSocket to the node (the same port, `ws://` for `http://`) and subscribes.
    pub async fn subscribe(&self, feed: Feed) -> Result<Subscription, Error> {
        Subscription::open(&self.url().replacen("http", "ws", 1), feed).await
    }
}

impl Subscription {
    /// Opens a WebSocket to `url` (`ws://host:port`, any node's RPC port) and subscribes.
    pub async fn open(url: &str, feed: Feed) -> Result<Subscription, Error> {
        let failed = |reason: String| Error::WebSocket {
            url: url.to_string(),
            reason,
        };
        let (mut ws, _) = connect_async(url)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let request =
            json!({"jsonrpc": "2.0", "id": 1, "method": feed.method(), "params": feed.params()});
        ws.send(Message::text(request.to_string()))
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut subscription = Subscription {
            ws,
            url: url.to_string(),
            feed,
        };
        let answer = subscription.message().await?;
        if let Some(error) = answer.get("error") {
            return Err(Error::Subscription {
                method: feed.method(),
                reason: error.to_string(),
            });
        }
        Ok(subscription)
    }

    async fn message(&mut self) -> Result<Value, Error> {
        loop {
            let message = self.ws.next().await.ok_or_else(|| Error::WebSocket {
                url: self.url.clone(),
                reason: "closed by the node".into(),
            })?;
            let message = message.map_err(|e| Error::WebSocket {
                url: self.url.clone(),
                reason: e.to_string(),
            })?;
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).map_err(|e| Error::Answer {
                    method: self.feed.method(),
                    reason: e.to_string(),
                });
            }
        }
    }

    /// The next item (an [`crate::OutputJson`] for outputs; a certificate as `T`).
    pub async fn next<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        loop {
            let mut message = self.message().await?;
            if message["method"] != self.feed.notification() {
                continue;
            }
            let item = message["params"]["result"].take();
            return serde_json::from_value(item).map_err(|e| Error::Answer {
                method: self.feed.method(),
                reason: e.to_string(),
            });
        }
    }
}
