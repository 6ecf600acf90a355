//! Benchmark (ignored by `cargo test`; run `scripts/bench-e2e.sh`): on a dev chain with
//! the median template and a one-block window,
//!
//! 1. **latency**: 120 events published one by one (every 500 ms), each timed from its
//!    submission to the block that finalized its batch's output (`OutputFinalized`, by
//!    that block's timestamp); p50 / p95 / max;
//! 2. **throughput**: 512 events sent at once (8 × `publish_batch` of 64), events per
//!    second from the first submission to inclusion (ingested) and to the last finalized
//!    output (executed and finalized);
//! 3. the slot jobs the node logged (per-batch time and cycles).

use crate::common::{
    chain::Chain,
    concerto::{median_topic, publish, Publisher},
    Node,
};
use codec::Encode;
use concerto_primitives::price::{MedianConfig, PriceTick};
use concerto_runtime::{RuntimeCall, RuntimeEvent};
use pallet_topics::{Call as TopicsCall, Event as TopicsEvent};
use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

const LATENCY_EVENTS: u64 = 120;
const THROUGHPUT_CALLS: u8 = 8;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

fn tick(i: u64) -> Vec<u8> {
    PriceTick {
        asset_id: 1,
        price: 1_000 + u128::from(i % 7),
        observed_at: 1_700_000_000_000 + i,
    }
    .encode()
}

/// What the chain recorded, walked block by block.
#[derive(Default)]
struct Timeline {
    /// (publisher, sequence) -> block that included the event.
    included: BTreeMap<([u8; 32], u64), u64>,
    /// batch -> (first block, last block) of its window.
    windows: BTreeMap<u64, (u64, u64)>,
    /// batch -> block timestamp (ms) of the block that finalized its output.
    finalized: BTreeMap<u64, u64>,
    /// block -> timestamp (ms).
    times: BTreeMap<u64, u64>,
}

impl Timeline {
    /// Walks blocks from `from` until `done` holds (or `timeout`).
    fn walk(
        &mut self,
        chain: &Chain<'_>,
        from: u64,
        timeout: Duration,
        done: impl Fn(&Timeline) -> bool,
    ) {
        let start = std::time::Instant::now();
        let mut n = from;
        while start.elapsed() < timeout && !done(self) {
            let Some(hash) = chain.block_hash(n) else {
                std::thread::sleep(Duration::from_millis(200));
                continue;
            };
            let time: u64 = chain
                .storage_value("Timestamp", "Now", hash)
                .expect("timestamp");
            self.times.insert(n, time);
            for e in chain.events(hash) {
                let RuntimeEvent::Topics(e) = e else { continue };
                match e {
                    TopicsEvent::EventPublished {
                        publisher: pallet_topics::PublisherKey::Sr25519(key),
                        sequence,
                        ..
                    } => {
                        self.included.insert((key, sequence), n);
                    }
                    TopicsEvent::BatchSealed {
                        batch,
                        first_block,
                        last_block,
                        ..
                    } => {
                        self.windows
                            .insert(batch, (u64::from(first_block), u64::from(last_block)));
                    }
                    TopicsEvent::OutputFinalized { batch, .. } => {
                        self.finalized.insert(batch, time);
                    }
                    _ => {}
                }
            }
            n += 1;
        }
    }

    /// The timestamp of the block that finalized the batch holding an event included in
    /// `block`.
    fn finalized_for(&self, block: u64) -> Option<u64> {
        let (batch, _) = self
            .windows
            .iter()
            .find(|(_, (first, last))| (*first..=*last).contains(&block))?;
        self.finalized.get(batch).copied()
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[test]
#[ignore = "benchmark: run scripts/bench-e2e.sh"]
fn publish_to_finalized_latency_and_throughput() {
    let node = Node::start(&["--dev", "--tmp"]);
    let mut chain = Chain::connect(&node);
    let publishers: Vec<Publisher> = (0..4 + THROUGHPUT_CALLS)
        .map(|i| Publisher::new(100 + i))
        .collect();
    let config = MedianConfig {
        max_age_ms: u64::MAX,
        min_publishers: 1,
    };
    let (stream, topic_id) = median_topic(&mut chain, &publishers, config, 1);
    let start_block = node.best_number().expect("best");

    // 1. Latency: one event every 500 ms, round-robin over 4 publishers.
    let mut sent = BTreeMap::new();
    for i in 0..LATENCY_EVENTS {
        let p = &publishers[(i % 4) as usize];
        let seq = i / 4;
        let call = RuntimeCall::Topics(TopicsCall::publish {
            event: p.event(&chain, stream, seq, &tick(i)),
        });
        sent.insert((p.raw(), seq), now_ms());
        chain
            .submit(&chain.authorized(call))
            .unwrap_or_else(|e| panic!("event {i} refused: {e}"));
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut timeline = Timeline::default();
    let keys: Vec<_> = sent.keys().copied().collect();
    timeline.walk(&chain, start_block, Duration::from_secs(300), |t| {
        keys.iter().all(|k| {
            t.included
                .get(k)
                .is_some_and(|b| t.finalized_for(*b).is_some())
        })
    });
    let mut latencies: Vec<u64> = sent
        .iter()
        .filter_map(|(k, at)| {
            let block = timeline.included.get(k)?;
            Some(timeline.finalized_for(*block)?.saturating_sub(*at))
        })
        .collect();
    latencies.sort_unstable();
    assert!(
        latencies.len() as u64 >= LATENCY_EVENTS,
        "only {} of {LATENCY_EVENTS} events reached a finalized output; log:\n{}",
        latencies.len(),
        node.log()
    );

    // 2. Throughput: 8 × 64 events at once, each call from its own publisher.
    let resume = node.best_number().expect("best");
    let first_sent = now_ms();
    let mut burst = Vec::new();
    for c in 0..THROUGHPUT_CALLS {
        let p = &publishers[4 + c as usize];
        let events = (0..64u64)
            .map(|seq| p.event(&chain, stream, seq, &tick(seq)))
            .collect::<Vec<_>>();
        burst.extend((0..64u64).map(|seq| (p.raw(), seq)));
        publish(&chain, events);
    }
    timeline.walk(&chain, resume, Duration::from_secs(600), |t| {
        burst.iter().all(|k| {
            t.included
                .get(k)
                .is_some_and(|b| t.finalized_for(*b).is_some())
        })
    });
    let included_at = burst
        .iter()
        .filter_map(|k| timeline.included.get(k).and_then(|b| timeline.times.get(b)))
        .max()
        .copied()
        .expect("burst included");
    let finalized_at = burst
        .iter()
        .filter_map(|k| {
            timeline
                .included
                .get(k)
                .and_then(|b| timeline.finalized_for(*b))
        })
        .max()
        .expect("burst finalized");
    let n = burst.len() as f64;
    let ingest_s = (included_at.saturating_sub(first_sent)) as f64 / 1e3;
    let final_s = (finalized_at.saturating_sub(first_sent)) as f64 / 1e3;

    // 3. The node's slot jobs.
    let log = node.log();
    let jobs: Vec<(f64, u64, u64)> = log
        .lines()
        .filter(|l| l.contains("🎼 topic"))
        .filter_map(|l| {
            let events = l.split(": ").nth(1)?.split(' ').next()?.parse().ok()?;
            let cycles = l
                .split(" cycles")
                .next()?
                .rsplit(' ')
                .next()?
                .parse()
                .ok()?;
            let ms = l
                .rsplit(" cycles, ")
                .next()?
                .split(" ms")
                .next()?
                .parse()
                .ok()?;
            Some((ms, events, cycles))
        })
        .collect();
    let job_ms: Vec<f64> = jobs.iter().map(|j| j.0).collect();
    let mean_ms = job_ms.iter().sum::<f64>() / job_ms.len().max(1) as f64;
    let max_job = jobs
        .iter()
        .cloned()
        .fold((0.0, 0, 0), |a, j| if j.1 > a.1 { j } else { a });

    println!("\n=== Concerto end-to-end figures (dev chain, 2 s blocks, window 1, median) ===");
    println!(
        "latency publish -> OutputFinalized block, {} events: p50 {} ms, p95 {} ms, max {} ms",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies.last().unwrap()
    );
    println!(
        "throughput, {} events sent at once: ingested in {ingest_s:.1} s ({:.0} events/s), \
         executed and finalized in {final_s:.1} s ({:.0} events/s)",
        burst.len(),
        n / ingest_s.max(0.001),
        n / final_s.max(0.001)
    );
    println!(
        "slot jobs: {} batches, mean {mean_ms:.1} ms per batch (load events + slot + machine); \
         largest batch {} events: {:.1} ms, {} cycles",
        jobs.len(),
        max_job.1,
        max_job.0,
        max_job.2
    );
    println!(
        "topic {topic_id}, stream {stream}; blocks {start_block}..{}",
        node.best_number().unwrap_or(0)
    );
    assert!(
        node.stop(Duration::from_secs(30)),
        "node did not stop cleanly"
    );
}
