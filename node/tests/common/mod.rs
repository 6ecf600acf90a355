//! Helpers to run the real `concerto-node` binary in tests and talk to it over JSON-RPC.
#![allow(dead_code)]

pub(crate) mod chain;
pub(crate) mod concerto;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// A free TCP port on loopback (bind to 0 and release).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind loopback")
        .local_addr()
        .expect("addr")
        .port()
}

/// A running node process; killed on drop if a test fails half-way.
pub(crate) struct Node {
    child: Option<Child>,
    /// JSON-RPC port on 127.0.0.1.
    pub rpc_port: u16,
    /// Prometheus port on 127.0.0.1.
    pub prometheus_port: u16,
    /// libp2p port on 127.0.0.1.
    pub p2p_port: u16,
    log: Arc<Mutex<String>>,
}

impl Node {
    /// Starts `concerto-node` with `args` plus loopback ports for RPC, p2p and Prometheus.
    pub(crate) fn start(args: &[&str]) -> Node {
        let rpc_port = free_port();
        let prometheus_port = free_port();
        let p2p_port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_concerto-node"))
            .args(args)
            .args(["--rpc-port", &rpc_port.to_string()])
            .args(["--prometheus-port", &prometheus_port.to_string()])
            .args(["--port", &p2p_port.to_string()])
            .args(["--no-telemetry", "--no-mdns"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("concerto-node starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr piped");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        Node {
            child: Some(child),
            rpc_port,
            prometheus_port,
            p2p_port,
            log,
        }
    }

    /// Everything the node wrote to stderr so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// One JSON-RPC call over HTTP; `None` while the server is not up.
    pub(crate) fn rpc(&self, method: &str, params: &str) -> Option<serde_json::Value> {
        let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
        let text = http(self.rpc_port, "POST", "/", Some(&body))?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        Some(v)
    }

    /// Polls `f` until it returns `Some` or `timeout` passes.
    pub(crate) fn wait_for<T>(
        &self,
        timeout: Duration,
        mut f: impl FnMut(&Node) -> Option<T>,
    ) -> Option<T> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(v) = f(self) {
                return Some(v);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        None
    }

    /// The best block number.
    pub(crate) fn best_number(&self) -> Option<u64> {
        let v = self.rpc("chain_getHeader", "[]")?;
        hex_u64(v["result"]["number"].as_str()?)
    }

    /// The finalized block number.
    pub(crate) fn finalized_number(&self) -> Option<u64> {
        let head = self.rpc("chain_getFinalizedHead", "[]")?;
        let hash = head["result"].as_str()?.to_string();
        let v = self.rpc("chain_getHeader", &format!(r#"["{hash}"]"#))?;
        hex_u64(v["result"]["number"].as_str()?)
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status success.
    pub(crate) fn stop(self, timeout: Duration) -> bool {
        self.stop_logged(timeout).0
    }

    /// As [`Node::stop`], also returning everything the node logged, shutdown included.
    pub(crate) fn stop_logged(mut self, timeout: Duration) -> (bool, String) {
        let Some(mut child) = self.child.take() else {
            return (false, self.log());
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let start = Instant::now();
        let mut clean = false;
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = child.try_wait() {
                clean = status.success();
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Let the reader thread drain what the node wrote last.
        std::thread::sleep(Duration::from_millis(200));
        (clean, self.log())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Parses a `0x`-prefixed hex number.
pub(crate) fn hex_u64(s: &str) -> Option<u64> {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

/// A minimal HTTP/1.1 request to 127.0.0.1:`port`; returns the body.
pub(crate) fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let (head, rest) = out.split_once("\r\n\r\n")?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        Some(dechunk(rest))
    } else {
        Some(rest.to_string())
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
