//! Helpers to run the real `concerto-node` binary in tests and talk to it: JSON-RPC with
//! jsonrpsee's HTTP client and the Prometheus page with hyper-util's client, both driven
//! from the synchronous tests on one shared tokio runtime.
//!
//! Tests of all modules run concurrently in this one binary, so every node gets ports no
//! other node of the process was given (see [`free_ports`]) and its own base path
//! (every test passes `--tmp`, a fresh temporary directory per node).

pub(crate) mod chain;
pub(crate) mod concerto;
pub(crate) mod net;
pub(crate) mod ws;

use concerto_runtime::Header;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use jsonrpsee_core::{
    client::{ClientT, Error as RpcError},
    params::ArrayParams,
    rpc_params, DeserializeOwned,
};
use jsonrpsee_http_client::{types::ErrorObjectOwned, HttpClient};
use polkadot_sdk::sp_core::H256;
use std::{
    collections::BTreeSet,
    future::Future,
    io::{BufRead, BufReader},
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

/// How long one RPC or HTTP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The runtime the clients run on; the tests block on it from their own threads.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("it-rpc")
        .enable_all()
        .build()
        .expect("tokio runtime")
});

/// Runs `f` to completion on [`RUNTIME`].
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    RUNTIME.block_on(f)
}

/// Held by the tests that load the machine most (several nodes, or long guest runs):
/// the suite runs two tests at a time, and two of these together on 2 cores slow each
/// other's slot jobs past their waits. A test that panics poisons nothing that matters.
pub(crate) fn heavy() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `N` distinct free TCP ports on loopback, none handed out before in this process: each
/// is bound to port 0 and released only after all `N` are picked, and the process keeps
/// a record so that nodes started concurrently by other tests never share a port.
pub(crate) fn free_ports<const N: usize>() -> [u16; N] {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN.lock().unwrap_or_else(PoisonError::into_inner);
    let mut held = Vec::with_capacity(N);
    let mut ports = [0; N];
    for port in &mut ports {
        *port = loop {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
            let p = listener.local_addr().expect("addr").port();
            held.push(listener);
            if given.insert(p) {
                break p;
            }
        };
    }
    ports
}

/// A running node process; killed on drop if a test fails half-way.
pub(crate) struct Node {
    child: Option<Child>,
    /// Prometheus port on 127.0.0.1.
    pub(crate) prometheus_port: u16,
    /// libp2p port on 127.0.0.1.
    pub(crate) p2p_port: u16,
    /// JSON-RPC port (HTTP and WebSocket) on 127.0.0.1.
    pub(crate) rpc_port: u16,
    client: HttpClient,
    log: Arc<Mutex<String>>,
}

impl Node {
    /// Starts `concerto-node` with `args` plus loopback ports for RPC (a JSON-RPC client
    /// of it is kept), p2p and Prometheus.
    pub(crate) fn start(args: &[&str]) -> Node {
        let [rpc_port, prometheus_port, p2p_port] = free_ports();
        // The debug node the suite builds, or another build (e.g. the optimized one, for
        // the ignored figure tests) named by CONCERTO_NODE_BIN.
        let binary = std::env::var_os("CONCERTO_NODE_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_concerto-node").into());
        let mut child = Command::new(binary)
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
        let client = {
            let _runtime = RUNTIME.enter();
            HttpClient::builder()
                .request_timeout(REQUEST_TIMEOUT)
                .build(format!("http://127.0.0.1:{rpc_port}"))
                .expect("JSON-RPC client")
        };
        Node {
            child: Some(child),
            prometheus_port,
            p2p_port,
            rpc_port,
            client,
            log,
        }
    }

    /// CPU time (user + system) the node process has used so far, from `/proc`.
    pub(crate) fn cpu_time(&self) -> Option<Duration> {
        let pid = self.child.as_ref()?.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name (which may hold spaces) close with ')'.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // The kernel's USER_HZ is 100 on Linux.
        Some(Duration::from_millis(ticks * 10))
    }

    /// The node's process id, while it runs.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Everything the node wrote to stderr so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// One JSON-RPC call; `Err` while the server is not up, or with the node's JSON-RPC
    /// error (e.g. why the pool refused a transaction).
    pub(crate) fn rpc<R: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
    ) -> Result<R, RpcError> {
        block_on(self.client.request(method, params))
    }

    /// As [`Node::rpc`] for a node that is up: panics if it does not answer; `Err` is its
    /// JSON-RPC error.
    pub(crate) fn call<R: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
    ) -> Result<R, ErrorObjectOwned> {
        match self.rpc(method, params) {
            Ok(r) => Ok(r),
            Err(RpcError::Call(e)) => Err(e),
            Err(e) => panic!(
                "{method}: the node does not answer: {e}; log:\n{}",
                self.log()
            ),
        }
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
        let header: Header = self.rpc("chain_getHeader", rpc_params![]).ok()?;
        Some(header.number.into())
    }

    /// The finalized block number.
    pub(crate) fn finalized_number(&self) -> Option<u64> {
        let hash: H256 = self.rpc("chain_getFinalizedHead", rpc_params![]).ok()?;
        let header: Option<Header> = self.rpc("chain_getHeader", rpc_params![hash]).ok()?;
        Some(header?.number.into())
    }

    /// The node's Prometheus page (`/metrics`), `None` while it is not served.
    pub(crate) fn metrics(&self) -> Option<String> {
        http_get(self.prometheus_port, "/metrics")
    }

    /// Kills the node with SIGKILL (`kill -9`: no shutdown code runs) and waits for it.
    pub(crate) fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits up to `timeout` for the node to exit by itself; its exit status, if it did.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                // Let the reader thread drain what the node wrote last.
                std::thread::sleep(Duration::from_millis(200));
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
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
        // A failing test shows the log of the node it reports on; this shows the others'.
        if std::thread::panicking() && self.child.is_some() {
            eprintln!(
                "--- node with p2p port {} (killed: its test failed), last lines:\n{}",
                self.p2p_port,
                last_lines(&self.log(), 40)
            );
        }
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The last `n` lines of `log`.
pub(crate) fn last_lines(log: &str, n: usize) -> String {
    let tail: Vec<&str> = log.lines().rev().take(n).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// A plain HTTP GET of `path` on 127.0.0.1:`port` (hyper-util's client, which the node's
/// dependency tree already builds); the body of a success response, `None` otherwise.
fn http_get(port: u16, path: &str) -> Option<String> {
    let uri: hyper::Uri = format!("http://127.0.0.1:{port}{path}").parse().ok()?;
    block_on(async {
        let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let get = async {
            let response = client.get(uri).await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            let body = response.into_body().collect().await.ok()?.to_bytes();
            String::from_utf8(body.to_vec()).ok()
        };
        tokio::time::timeout(REQUEST_TIMEOUT, get).await.ok()?
    })
}
