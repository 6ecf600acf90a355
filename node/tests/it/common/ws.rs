//! A WebSocket JSON-RPC connection to a node, for subscriptions (driven from the
//! synchronous tests on the shared runtime, like the HTTP client).

use super::{block_on, Node};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::{connect_async, tungstenite::Message, MaybeTlsStream, WebSocketStream};

/// A WebSocket JSON-RPC connection to a node.
pub(crate) struct Ws {
    stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    next_id: u64,
}

impl Ws {
    /// Connects to the node's RPC port.
    pub(crate) fn connect(node: &Node) -> Ws {
        let url = format!("ws://127.0.0.1:{}", node.rpc_port);
        let (stream, _) = block_on(connect_async(url)).expect("WebSocket connects");
        Ws { stream, next_id: 1 }
    }

    /// Sends a request without waiting for its answer (its id is the count of requests
    /// sent before it, plus one).
    pub(crate) fn send(&mut self, method: &str, params: Value) {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        block_on(self.stream.send(Message::text(request.to_string()))).expect("request sent");
    }

    /// The next JSON message, within `timeout`.
    pub(crate) fn next(&mut self, timeout: Duration) -> Value {
        block_on(async {
            loop {
                let msg = tokio::time::timeout(timeout, self.stream.next())
                    .await
                    .expect("a message within the timeout")
                    .expect("the connection is open")
                    .expect("a WebSocket message");
                if let Message::Text(text) = msg {
                    return serde_json::from_str(text.as_str()).expect("JSON");
                }
            }
        })
    }

    /// Subscribes with `method`; the subscription id, or the error object. Call it while
    /// no notification can arrive yet (the answer is the next message).
    pub(crate) fn subscribe(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.send(method, params);
        let answer = self.next(Duration::from_secs(30));
        match answer.get("result") {
            Some(id) => Ok(id.clone()),
            None => Err(answer["error"].clone()),
        }
    }

    /// The next notification, which must be a `method` one: its result.
    pub(crate) fn notification(&mut self, method: &str, timeout: Duration) -> Value {
        let n = self.next(timeout);
        assert_eq!(n["method"], method, "{n}");
        n["params"]["result"].clone()
    }
}
