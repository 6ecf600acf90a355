//! `concerto-loadgen`: drives Concerto's real-time path and audits it.
//!
//! 1. **Setup** (as Alice, on the first node): `--streams` streams, `--publishers` keys
//!    spread over them, the median template (`--template`), and `--topics` topics with a
//!    1-block window, topic `t` over the streams `s` with `s % topics == t`.
//! 2. **Ceiling**: sr25519 verifications per second on all cores, natively (what the box
//!    could verify if it did nothing else).
//! 3. **Load**: every event is signed before the clock starts; then `--lanes` concurrent
//!    lanes (each owns some publishers, so sequence numbers stay in order) send
//!    `concerto_submitEvents` calls of `--call-size` events to every `--rpc` node at up to
//!    `--rate` events/s for `--seconds`. An event counts as accepted when a node accepted
//!    it (or reported it a duplicate of an accepted one).
//! 4. **Audit**: once every accepted event is on chain and every batch is settled, it walks
//!    the blocks: every accepted event must be in exactly one block and, through its
//!    topic's `BatchSealed` (whose commitment it recomputes from the events' hashes), in
//!    exactly one sealed batch, and that batch must be finalized (`OutputFinalized`).
//!    Latency: from sending a call to the first time a node's best block was one holding
//!    the `OutputFinalized` of the first event's batch, and to that block's finality;
//!    with `--certified <ws-url>`, also to the batch's quorum certificate at that node
//!    (`concerto_subscribeCertified`).
//!
//! The last two lines are the figures: `ingest: …` and `latency: …`.

mod rpc;

use clap::Parser;
use codec::Encode;
use concerto_client::{Answer, Feed, PublisherPair, Subscription};
use concerto_primitives::price::{LabelledTick, MedianConfig, PriceTick};
use concerto_runtime::{RuntimeCall, RuntimeEvent};
use pallet_topics::{
    Call as TopicsCall, Event as TopicsEvent, MachineLimits, PublisherKey, TopicMode,
};
use polkadot_sdk::{
    sp_core::{sr25519, Bytes, Pair, H256},
    sp_io::hashing::blake2_256,
    sp_runtime::{
        traits::{BlakeTwo256, Hash},
        BoundedVec,
    },
};
use rpc::Node;
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

#[derive(Debug, Parser)]
#[command(about = "Load generator and auditor for Concerto's real-time path")]
struct Args {
    /// JSON-RPC (HTTP) endpoints of the nodes; every event goes to each of them. The first
    /// one is used for setup and reads.
    #[arg(long = "rpc", required = true, num_args = 1..)]
    rpc: Vec<String>,
    /// The median template's ELF (built by scripts/build-templates.sh).
    #[arg(long)]
    template: std::path::PathBuf,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Offered events per second (all lanes together).
    #[arg(long, default_value_t = 12_000)]
    rate: u64,
    /// Streams.
    #[arg(long, default_value_t = 4)]
    streams: u32,
    /// Publisher keys (spread over the streams).
    #[arg(long, default_value_t = 8)]
    publishers: u32,
    /// Topics (1-block windows).
    #[arg(long, default_value_t = 2)]
    topics: u32,
    /// Payload bytes per event (a price tick and a source label; at least 40).
    #[arg(long, default_value_t = 128)]
    payload: usize,
    /// Events per concerto_submitEvents call.
    #[arg(long, default_value_t = 500)]
    call_size: usize,
    /// Concurrent lanes (each sends its calls in order).
    #[arg(long, default_value_t = 4)]
    lanes: u32,
    /// Seconds to wait after the load for inclusion and finalization.
    #[arg(long, default_value_t = 180)]
    settle: u64,
    /// A node's WebSocket endpoint (e.g. a plain full node's) to subscribe to quorum
    /// certificates on (`concerto_subscribeCertified`, every topic): adds the latency from
    /// sending to the certificate at that node.
    #[arg(long)]
    certified: Option<String>,
}

/// Why the run failed.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Rpc(#[from] rpc::RpcError),
    #[error("client: {0}")]
    Client(#[from] jsonrpsee_core::ClientError),
    #[error("reading the template {path}: {source}")]
    Template {
        path: String,
        source: std::io::Error,
    },
    #[error("setup: {0}")]
    Setup(String),
    #[error("the certificate subscription: {0}")]
    Certified(#[from] concerto_client::Error),
    #[error("{0}")]
    Args(String),
}

/// (stream, publisher, sequence): one event's identity.
type EventId = (u32, PublisherKey, u64);

struct Lane {
    calls: Vec<Vec<(EventId, Bytes)>>,
}

#[derive(Default)]
struct Tally {
    accepted: BTreeSet<EventId>,
    rejected: BTreeMap<String, u64>,
    /// (send time, first event of the call).
    probes: Vec<(Instant, EventId)>,
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = runtime.block_on(run(args)) {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Error> {
    if args.payload < 40 || args.payload > 64 * 1024 {
        return Err(Error::Args(
            "--payload must be 40 to 65,536 bytes (the chain's MaxPayloadLen)".into(),
        ));
    }
    let mut nodes: Vec<Node> = Vec::with_capacity(args.rpc.len());
    for url in &args.rpc {
        nodes.push(Node::connect(url).await?);
    }
    let main = nodes[0].clone();
    let genesis = main.genesis();
    let publishers: Vec<PublisherPair> = (0..args.publishers)
        .map(|i| {
            let seed = blake2_256(&(b"concerto/loadgen", i).encode());
            PublisherPair::Sr25519(Box::new(sr25519::Pair::from_seed(&seed)))
        })
        .collect();
    let (streams, topics) = setup(&main, genesis, &args, &publishers).await?;
    println!("setup: streams {streams:?}, topics {topics:?}");

    let ceiling = verify_ceiling(Duration::from_secs(3));
    println!("ceiling: {ceiling:.0} sr25519 verifications/s natively on all cores");

    let total = (args.rate * args.seconds) as usize;
    let started_sign = Instant::now();
    let lanes = presign(&args, genesis, &publishers, &streams, total);
    println!(
        "signed {total} events in {:.1} s ({} lanes, {} events per call)",
        started_sign.elapsed().as_secs_f64(),
        args.lanes,
        args.call_size
    );

    let heads = Arc::new(Mutex::new(Heads::default()));
    let watcher = tokio::spawn(watch_heads(main.clone(), heads.clone()));
    let certified = Arc::new(Mutex::new(BTreeMap::new()));
    let cert_watcher = match &args.certified {
        Some(url) => Some(tokio::spawn(
            watch_certificates(url.clone(), topics.clone(), certified.clone()).await?,
        )),
        None => None,
    };
    let tally = Arc::new(Mutex::new(Tally::default()));
    let first_block = main.best_header().await?.number;
    let start = Instant::now();
    let per_lane_rate = args.rate as f64 / f64::from(args.lanes);
    let mut tasks = Vec::new();
    for lane in lanes {
        tasks.push(tokio::spawn(send_lane(
            lane,
            nodes.clone(),
            tally.clone(),
            start,
            per_lane_rate,
            args.call_size,
        )));
    }
    let progress = tokio::spawn(report_progress(tally.clone(), start));
    for t in tasks {
        t.await
            .map_err(|e| Error::Setup(format!("lane task: {e}")))??;
    }
    let load_secs = start.elapsed().as_secs_f64();
    progress.abort();
    let (accepted, rejected, probes) = {
        let t = tally.lock().unwrap_or_else(|p| p.into_inner());
        (t.accepted.clone(), t.rejected.clone(), t.probes.clone())
    };
    println!(
        "load: {} accepted in {load_secs:.1} s, rejected {rejected:?}",
        accepted.len()
    );

    let audit = audit(&main, &args, first_block, &accepted, &topics, &streams).await?;
    watcher.abort();
    if let Some(w) = cert_watcher {
        w.abort();
    }
    let heads = heads.lock().unwrap_or_else(|p| p.into_inner());
    let certified = certified.lock().unwrap_or_else(|p| p.into_inner());

    let rate = accepted.len() as f64 / load_secs;
    let (mut best_ms, mut final_ms, mut cert_ms) = (Vec::new(), Vec::new(), Vec::new());
    for (sent, id) in &probes {
        if let Some(at) = audit.batch_of.get(id).and_then(|b| certified.get(b)) {
            cert_ms.push(at.saturating_duration_since(*sent).as_millis() as u64);
        }
        let Some(block) = audit.finalized_in.get(id) else {
            continue;
        };
        if let Some(seen) = heads.best_seen.get(block) {
            best_ms.push(seen.saturating_duration_since(*sent).as_millis() as u64);
        }
        if let Some(seen) = heads.final_seen(*block) {
            final_ms.push(seen.saturating_duration_since(*sent).as_millis() as u64);
        }
    }
    println!(
        "audit: {} blocks, {} batches sealed, {} finalized, {} doubled, {} latency samples",
        audit.blocks,
        audit.batches,
        audit.finalized_batches,
        audit.doubled,
        best_ms.len()
    );
    if let Some(url) = &args.certified {
        // How much earlier the certificate was there than the best block holding the
        // output (negative: later).
        let mut lead_ms: Vec<i64> = certified
            .iter()
            .filter_map(|(batch, at)| {
                let seen = heads.best_seen.get(audit.output_block.get(batch)?)?;
                Some(if seen >= at {
                    seen.duration_since(*at).as_millis() as i64
                } else {
                    -(at.duration_since(*seen).as_millis() as i64)
                })
            })
            .collect();
        lead_ms.sort_unstable();
        let ahead = lead_ms.iter().filter(|l| **l > 0).count();
        println!(
            "certified: {ahead} of {} certificates came before the best block holding their OutputFinalized; lead p50 {} ms",
            lead_ms.len(),
            lead_ms.get(lead_ms.len() / 2).map_or("n/a".to_string(), |l| l.to_string()),
        );
        println!(
            "certified: p50 {} ms, p95 {} ms from sending to the quorum certificate at {url} ({} certificates, {} samples)",
            percentile(&mut cert_ms, 50),
            percentile(&mut cert_ms, 95),
            certified.len(),
            cert_ms.len()
        );
    }
    println!(
        "ingest: {:.0} events/s accepted, {} sealed, {} lost, verify ceiling {:.0}/s, {:.1}% of ceiling",
        rate,
        audit.sealed,
        audit.lost,
        ceiling,
        100.0 * rate / ceiling
    );
    println!(
        "latency: p50 {} ms, p95 {} ms, final p50 {} ms",
        percentile(&mut best_ms, 50),
        percentile(&mut best_ms, 95),
        percentile(&mut final_ms, 50)
    );
    if audit.lost > 0 || audit.doubled > 0 {
        std::process::exit(2);
    }
    Ok(())
}

fn percentile(v: &mut [u64], p: usize) -> String {
    if v.is_empty() {
        return "n/a".into();
    }
    v.sort_unstable();
    let i = ((v.len() - 1) * p).div_ceil(100);
    v[i.min(v.len() - 1)].to_string()
}

/// Registers streams, publishers, the template and the topics; returns their ids.
async fn setup(
    node: &Node,
    genesis: H256,
    args: &Args,
    publishers: &[PublisherPair],
) -> Result<(Vec<u32>, Vec<u32>), Error> {
    let code = std::fs::read(&args.template).map_err(|source| Error::Template {
        path: args.template.display().to_string(),
        source,
    })?;
    let template = BlakeTwo256::hash(&code);
    let next_stream: u32 = storage_u32(node, b"NextStreamId").await?;
    let next_topic: u32 = storage_u32(node, b"NextTopicId").await?;
    let streams: Vec<u32> = (0..args.streams).map(|i| next_stream + i).collect();
    let topics: Vec<u32> = (0..args.topics).map(|i| next_topic + i).collect();
    let topic_call = |c: TopicsCall<concerto_runtime::Runtime>| RuntimeCall::Topics(c);
    let mut calls = Vec::new();
    for _ in &streams {
        calls.push(topic_call(TopicsCall::register_stream {
            metadata: BoundedVec::truncate_from(b"loadgen".to_vec()),
        }));
    }
    for (i, p) in publishers.iter().enumerate() {
        calls.push(topic_call(TopicsCall::add_publisher {
            stream: streams[i % streams.len()],
            publisher: p.key(),
        }));
    }
    // Streams pay for their events and topics for their cycles: plenty for any run.
    let budget = 10_000 * concerto_runtime::UNIT;
    for &stream in &streams {
        calls.push(topic_call(TopicsCall::fund_stream {
            stream,
            amount: budget,
        }));
    }
    calls.push(topic_call(TopicsCall::upload_template {
        code: BoundedVec::truncate_from(code),
        machine: MachineLimits {
            ram_size: 128 << 20,
            max_cycles_per_input: 2_000_000_000,
            max_cycles_per_batch: 8_000_000_000,
            max_output_bytes: 64 << 10,
        },
    }));
    let config = MedianConfig {
        max_age_ms: u64::MAX / 4,
        min_publishers: 1,
    };
    for (t, _) in topics.iter().enumerate() {
        let over: Vec<u32> = streams
            .iter()
            .enumerate()
            .filter(|(s, _)| *s as u32 % args.topics == t as u32)
            .map(|(_, id)| *id)
            .collect();
        calls.push(topic_call(TopicsCall::register_topic {
            streams: BoundedVec::truncate_from(over),
            template,
            config: BoundedVec::truncate_from(config.encode()),
            window: 1,
            quorum: None,
            mode: TopicMode::Stateless,
        }));
        calls.push(topic_call(TopicsCall::fund_topic {
            topic: topics[t],
            amount: budget,
        }));
    }
    let from = node.best_header().await?.number;
    node.submit_as_alice(genesis, calls).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while storage_u32(node, b"NextTopicId").await? < next_topic + args.topics {
        if Instant::now() > deadline {
            let to = node.best_header().await?.number;
            let mut failed = Vec::new();
            for n in from..=to {
                let Some(hash) = node.block_hash(n).await? else {
                    continue;
                };
                for e in node.events(hash).await? {
                    if let RuntimeEvent::System(
                        polkadot_sdk::frame_system::Event::ExtrinsicFailed {
                            dispatch_error, ..
                        },
                    ) = e
                    {
                        failed.push(format!("block {n}: {dispatch_error:?}"));
                    }
                }
            }
            return Err(Error::Setup(format!(
                "the registry calls did not all succeed within 120 s (failed: {failed:?}); \
                 start a fresh chain (a template can be uploaded once)"
            )));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // One more block, so the pool's and the RPC's view include the registrations.
    let at = node.best_header().await?.number;
    while node.best_header().await?.number <= at + 1 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok((streams, topics))
}

async fn storage_u32(node: &Node, item: &[u8]) -> Result<u32, Error> {
    use codec::Decode;
    use jsonrpsee_core::rpc_params;
    let mut key = polkadot_sdk::sp_io::hashing::twox_128(b"Topics").to_vec();
    key.extend(polkadot_sdk::sp_io::hashing::twox_128(item));
    let raw: Option<Bytes> = node
        .call("state_getStorage", rpc_params![Bytes(key)])
        .await?;
    Ok(raw
        .map(|r| u32::decode(&mut &r[..]).unwrap_or(0))
        .unwrap_or(0))
}

/// Native sr25519 verifications per second on all cores.
fn verify_ceiling(duration: Duration) -> f64 {
    let pair = sr25519::Pair::from_seed(&[7; 32]);
    let message = [9u8; 131];
    let signature = pair.sign(&message);
    let public = pair.public();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    let count: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < duration {
                        for _ in 0..64 {
                            assert!(sr25519::Pair::verify(&signature, message, &public));
                        }
                        n += 64;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    count as f64 / start.elapsed().as_secs_f64()
}

/// Signs `total` events round-robin over the publishers, grouped into lanes and calls.
fn presign(
    args: &Args,
    genesis: H256,
    publishers: &[PublisherPair],
    streams: &[u32],
    total: usize,
) -> Vec<Lane> {
    let p = publishers.len();
    // A SCALE (PriceTick, Vec<u8>) of exactly `args.payload` bytes (28 for the tick, the
    // label's compact length, the label).
    let mut label_len = args.payload.saturating_sub(28 + 1);
    let size = |len: usize| {
        LabelledTick {
            tick: PriceTick {
                asset_id: 0,
                price: 0,
                observed_at: 0,
            },
            source: vec![0; len],
        }
        .encoded_size()
    };
    while label_len > 0 && size(label_len) > args.payload {
        label_len -= 1;
    }
    // Event k: publisher k % p, its (k / p)-th event.
    let sign = |k: usize| -> (EventId, Bytes) {
        let who = k % p;
        let sequence = (k / p) as u64;
        let stream = streams[who % streams.len()];
        let tick = PriceTick {
            asset_id: (k % 4) as u32,
            price: 1_000_000 + (k as u128 * 7919) % 10_000,
            observed_at: 1_700_000_000_000 + k as u64,
        };
        let payload = LabelledTick {
            tick,
            source: vec![b'x'; label_len],
        }
        .payload();
        let event =
            concerto_client::sign_event(genesis, &publishers[who], stream, sequence, payload)
                .expect("payloads are sized under MaxPayloadLen by --payload's check");
        ((stream, event.publisher, sequence), Bytes(event.encode()))
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = total.div_ceil(threads).max(1);
    let signed: Vec<(EventId, Bytes)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let sign = &sign;
                s.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(total))
                        .map(sign)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let lanes = args.lanes.max(1) as usize;
    let mut per_lane: Vec<Vec<(EventId, Bytes)>> = vec![Vec::new(); lanes];
    for (k, e) in signed.into_iter().enumerate() {
        per_lane[(k % p) % lanes].push(e);
    }
    per_lane
        .into_iter()
        .map(|events| Lane {
            calls: events
                .chunks(args.call_size.max(1))
                .map(<[_]>::to_vec)
                .collect(),
        })
        .collect()
}

/// Sends a lane's calls in order, paced to `rate` events/s, to every node.
async fn send_lane(
    lane: Lane,
    nodes: Vec<Node>,
    tally: Arc<Mutex<Tally>>,
    start: Instant,
    rate: f64,
    call_size: usize,
) -> Result<(), Error> {
    for (j, call) in lane.calls.into_iter().enumerate() {
        let due = start + Duration::from_secs_f64(j as f64 * call_size as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let sent = Instant::now();
        let bytes: Vec<Bytes> = call.iter().map(|(_, b)| b.clone()).collect();
        let answers = futures_join(nodes.iter().cloned().map(|n| {
            let bytes = bytes.clone();
            async move { n.submit_events(bytes).await }
        }))
        .await;
        let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
        t.probes.push((sent, call[0].0));
        for (i, (id, _)) in call.iter().enumerate() {
            let mut ok = false;
            let mut why = None;
            for answer in &answers {
                match answer.as_ref().map(|list| list.get(i)) {
                    Ok(Some(Answer::Accepted | Answer::Duplicate)) => ok = true,
                    Ok(Some(Answer::Rejected(r))) => why = Some(format!("{:?}", r.kind)),
                    Ok(None) => why = Some("no answer".to_string()),
                    Err(e) => why = Some(format!("call failed: {e}")),
                }
            }
            if ok {
                t.accepted.insert(*id);
            } else {
                *t.rejected.entry(why.unwrap_or_default()).or_default() += 1;
            }
        }
    }
    Ok(())
}

async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        if let Ok(v) = h.await {
            out.push(v);
        }
    }
    out
}

async fn report_progress(tally: Arc<Mutex<Tally>>, start: Instant) {
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let (accepted, rejected) = {
            let t = tally.lock().unwrap_or_else(|p| p.into_inner());
            (t.accepted.len(), t.rejected.values().sum::<u64>())
        };
        let secs = start.elapsed().as_secs_f64();
        println!(
            "load: {secs:.0} s, {accepted} accepted ({:.0}/s), {rejected} rejected",
            accepted as f64 / secs
        );
    }
}

#[derive(Default)]
struct Heads {
    /// Block number → when a best head with that number was first seen.
    best_seen: BTreeMap<u32, Instant>,
    /// (finalized number, when first seen), increasing.
    finalized: Vec<(u32, Instant)>,
}

impl Heads {
    fn final_seen(&self, block: u32) -> Option<Instant> {
        self.finalized
            .iter()
            .find(|(n, _)| *n >= block)
            .map(|(_, at)| *at)
    }
}

/// Subscribes to every topic's certificates at `url` (WebSocket JSON-RPC) and returns the
/// task that records when each (topic, batch) was first certified.
async fn watch_certificates(
    url: String,
    topics: Vec<u32>,
    seen: Arc<Mutex<BTreeMap<(u32, u64), Instant>>>,
) -> Result<impl std::future::Future<Output = ()>, Error> {
    let mut subscriptions = Vec::with_capacity(topics.len());
    for topic in topics {
        match Subscription::open(&url, Feed::Certified { topic }).await {
            Ok(subscription) => subscriptions.push(subscription),
            Err(e @ concerto_client::Error::Subscription { .. }) => {
                println!("certified: subscription refused: {e}")
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(async move {
        let watchers = subscriptions.into_iter().map(|mut subscription| {
            let seen = seen.clone();
            async move {
                while let Ok(certificate) = subscription.next::<serde_json::Value>().await {
                    let (Some(topic), Some(batch)) =
                        (certificate["topic"].as_u64(), certificate["batch"].as_u64())
                    else {
                        continue;
                    };
                    let now = Instant::now();
                    seen.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .entry((topic as u32, batch))
                        .or_insert(now);
                }
            }
        });
        futures::future::join_all(watchers).await;
    })
}

async fn watch_heads(node: Node, heads: Arc<Mutex<Heads>>) {
    let mut tick = 0u64;
    loop {
        if let Ok(h) = node.best_header().await {
            let now = Instant::now();
            let mut heads = heads.lock().unwrap_or_else(|p| p.into_inner());
            heads.best_seen.entry(h.number).or_insert(now);
        }
        if tick.is_multiple_of(2) {
            if let Ok(n) = node.finalized_number().await {
                let now = Instant::now();
                let mut heads = heads.lock().unwrap_or_else(|p| p.into_inner());
                if heads.finalized.last().is_none_or(|(last, _)| n > *last) {
                    heads.finalized.push((n, now));
                }
            }
        }
        tick += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

struct Audit {
    blocks: u32,
    batches: usize,
    finalized_batches: usize,
    sealed: usize,
    lost: usize,
    doubled: usize,
    /// Event → the block holding its batch's `OutputFinalized`.
    finalized_in: BTreeMap<EventId, u32>,
    /// Event → its (topic, batch).
    batch_of: BTreeMap<EventId, (u32, u64)>,
    /// (topic, batch) → the block holding its `OutputFinalized`.
    output_block: BTreeMap<(u32, u64), u32>,
}

/// A `BatchSealed`: first and last block of the window, event count, commitment.
#[derive(Debug, Clone, Copy)]
struct Sealed {
    first: u32,
    last: u32,
    count: u32,
    commitment: [u8; 32],
}

#[derive(Default)]
struct Scan {
    /// Event → (block, event hash), and how often it was included.
    included: BTreeMap<EventId, (u32, [u8; 32], u32)>,
    /// Block → (stream, event hash) of its events, in block order.
    block_events: BTreeMap<u32, Vec<(u32, [u8; 32])>>,
    /// (topic, batch) → what `BatchSealed` said.
    sealed: BTreeMap<(u32, u64), Sealed>,
    /// (topic, batch) → block of its `OutputFinalized`.
    finalized: BTreeMap<(u32, u64), u32>,
    expired: BTreeSet<(u32, u64)>,
    next: u32,
}

impl Scan {
    async fn extend(&mut self, node: &Node, to: u32) -> Result<(), Error> {
        while self.next <= to {
            let n = self.next;
            let Some(hash) = node.block_hash(n).await? else {
                break;
            };
            for e in node.events(hash).await? {
                let RuntimeEvent::Topics(e) = e else { continue };
                match e {
                    TopicsEvent::EventPublished {
                        stream,
                        publisher,
                        sequence,
                        event_hash,
                    } => {
                        let entry = self
                            .included
                            .entry((stream, publisher, sequence))
                            .or_insert((n, event_hash, 0));
                        entry.2 += 1;
                        self.block_events
                            .entry(n)
                            .or_default()
                            .push((stream, event_hash));
                    }
                    TopicsEvent::BatchSealed {
                        topic,
                        batch,
                        first_block,
                        last_block,
                        event_count,
                        commitment,
                    } => {
                        self.sealed.insert(
                            (topic, batch),
                            Sealed {
                                first: first_block,
                                last: last_block,
                                count: event_count,
                                commitment,
                            },
                        );
                    }
                    TopicsEvent::OutputFinalized { topic, batch, .. } => {
                        self.finalized.insert((topic, batch), n);
                    }
                    TopicsEvent::BatchExpired { topic, batch } => {
                        self.expired.insert((topic, batch));
                    }
                    _ => {}
                }
            }
            self.next += 1;
        }
        Ok(())
    }

    fn settled(&self) -> bool {
        self.sealed
            .keys()
            .all(|k| self.finalized.contains_key(k) || self.expired.contains(k))
    }
}

/// Waits for inclusion and settlement, then checks every accepted event (module docs).
async fn audit(
    node: &Node,
    args: &Args,
    first_block: u32,
    accepted: &BTreeSet<EventId>,
    topics: &[u32],
    streams: &[u32],
) -> Result<Audit, Error> {
    let mut scan = Scan {
        next: first_block,
        ..Default::default()
    };
    let deadline = Instant::now() + Duration::from_secs(args.settle);
    loop {
        let best = node.best_header().await?.number;
        scan.extend(node, best).await?;
        let all_in = accepted.iter().all(|id| scan.included.contains_key(id));
        if all_in && scan.settled() {
            break;
        }
        if Instant::now() > deadline {
            println!(
                "audit: gave up waiting after {} s: {} accepted events not on chain, {} batches unsettled",
                args.settle,
                accepted.iter().filter(|id| !scan.included.contains_key(id)).count(),
                scan.sealed
                    .keys()
                    .filter(|k| !scan.finalized.contains_key(k) && !scan.expired.contains(k))
                    .count()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Which topic each stream feeds (topic t over streams s with s % topics == t).
    let topic_of = |stream: u32| -> Option<u32> {
        let s = streams.iter().position(|x| *x == stream)?;
        topics.get(s % topics.len()).copied()
    };
    // Recompute each batch's commitment from the events in its blocks.
    let mut batch_of_block: BTreeMap<(u32, u32), (u64, bool)> = BTreeMap::new();
    for (
        (topic, batch),
        Sealed {
            first,
            last,
            count,
            commitment,
        },
    ) in &scan.sealed
    {
        let hashes: Vec<[u8; 32]> = (*first..=*last)
            .filter_map(|block| scan.block_events.get(&block))
            .flatten()
            .filter(|(stream, _)| topic_of(*stream) == Some(*topic))
            .map(|(_, h)| *h)
            .collect();
        let ok = hashes.len() == *count as usize
            && concerto_primitives::batch_commitment(&hashes, blake2_256) == *commitment;
        if !ok {
            println!(
                "audit: topic {topic} batch {batch}: the commitment does not match the {} events in blocks {first}..={last} ({count} listed)",
                hashes.len(),
            );
        }
        for block in *first..=*last {
            batch_of_block.insert((*topic, block), (*batch, ok));
        }
    }
    let mut lost = 0;
    let mut sealed = 0;
    let mut doubled = 0;
    let mut finalized_in = BTreeMap::new();
    let mut batch_of = BTreeMap::new();
    for id in accepted {
        let Some((block, _, times)) = scan.included.get(id) else {
            lost += 1;
            continue;
        };
        if *times > 1 {
            doubled += 1;
        }
        let Some(topic) = topic_of(id.0) else {
            lost += 1;
            continue;
        };
        match batch_of_block.get(&(topic, *block)) {
            Some((batch, true)) => {
                sealed += 1;
                batch_of.insert(*id, (topic, *batch));
                match scan.finalized.get(&(topic, *batch)) {
                    Some(f) => {
                        finalized_in.insert(*id, *f);
                    }
                    None => lost += 1,
                }
            }
            _ => lost += 1,
        }
    }
    Ok(Audit {
        blocks: scan.next.saturating_sub(first_block),
        batches: scan.sealed.len(),
        finalized_batches: scan.finalized.len(),
        sealed,
        lost,
        doubled,
        finalized_in,
        batch_of,
        output_block: scan.finalized.clone(),
    })
}
