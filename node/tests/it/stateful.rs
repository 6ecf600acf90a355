//! A stateful topic on a real four-validator network (`--chain local`, each validator with
//! its own base path): the `price-feed` template keeps a TWAP and an EMA in machine memory
//! across 52 consecutive batches, each starting from the state the previous finalized
//! batch left (the validators' state stores).
//!
//! - Every finalized output equals a host-side model of the median, TWAP and EMA, and
//!   each batch starts from the root the one before it left.
//! - Dave is killed (SIGKILL) after batch 19 and restarted on his base path while
//!   the others finalize on: he lacks the chain's state, so he rebuilds it by replaying the
//!   batches he missed from the newest state his store kept (not from the first batch),
//!   and attests again.
//! - Every attestation of every batch carries the same result: the validators agree batch
//!   after batch, and nobody is judged to have deviated.

use crate::common::{
    chain::Chain,
    concerto::{
        as_alice, fund_topics, open_stream, publish, register_stream, stream_registered, template,
        ticks_at, topic_registered, upload, Publisher, SDK_MACHINE, WAIT,
    },
    heavy,
    net::{conc, Net, ALICE, DAVE},
    Node,
};
use codec::{Decode, Encode};
use concerto_primitives::price::{PriceFeedConfig, PriceFeedOutput};
use concerto_runtime::RuntimeEvent;
use concerto_template_harness::PriceFeedModel;
use jsonrpsee_core::rpc_params;
use pallet_topics::{Call as TopicsCall, Event as TopicsEvent, TopicMode};
use polkadot_sdk::sp_runtime::BoundedVec;
use serde_json::Value;
use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

const BATCHES: u64 = 52;
const ASSETS: u32 = 3;
const PUBLISHERS: u8 = 5;
/// Blocks per window.
const WINDOW: u32 = 3;
/// Dave is killed before this batch's events are published...
const DOWN_AT: u64 = 20;
/// ...and restarted before this one's.
const UP_AT: u64 = 24;

fn config() -> PriceFeedConfig {
    PriceFeedConfig {
        max_age_ms: 600_000,
        min_publishers: 3,
        twap_windows: 8,
        ema_alpha_ppm: 250_000,
        max_assets: 16,
    }
}

/// Registers a stream with `publishers`, uploads `price-feed` and registers a stateful
/// topic over the stream; returns (stream, topic).
fn price_feed_topic(chain: &mut Chain<'_>, publishers: &[Publisher]) -> (u32, u32) {
    let stream = as_alice(chain, vec![register_stream()], stream_registered);
    let (upload_call, hash) = upload(template("price-feed"), SDK_MACHINE);
    let mut calls = open_stream(stream, &publishers.iter().collect::<Vec<_>>());
    calls.push(upload_call);
    calls.push(TopicsCall::register_topic {
        streams: BoundedVec::truncate_from(vec![stream]),
        template: hash,
        config: BoundedVec::truncate_from(config().encode()),
        window: WINDOW,
        quorum: None,
        mode: TopicMode::Stateful,
    });
    let topic = as_alice(chain, calls, topic_registered);
    fund_topics(chain, &[topic]);
    (stream, topic)
}

/// Batch `n`'s prices: every publisher quotes every asset, except that asset 2 has only
/// two publishers in every seventh batch (held back: `min_publishers` is 3).
fn quotes(n: u64) -> BTreeMap<u32, Vec<(u8, u128)>> {
    let mut quotes: BTreeMap<u32, Vec<(u8, u128)>> = BTreeMap::new();
    for asset in 0..ASSETS {
        for p in 0..PUBLISHERS {
            if asset == 2 && n % 7 == 3 && p >= 2 {
                continue;
            }
            let wiggle = (n * 7919 + u64::from(p) * 104_729 + u64::from(asset) * 31) % 5_000;
            let price = u128::from(asset + 1) * 1_000_000 + u128::from(wiggle);
            quotes.entry(asset).or_default().push((p, price));
        }
    }
    quotes
}

/// The topic's next batch number at the best block.
fn next_batch(node: &Node, topic: u32) -> u64 {
    node.call::<Value>("concerto_topic", rpc_params![topic])
        .ok()
        .and_then(|t| t["nextBatch"].as_u64())
        .unwrap_or(0)
}

fn hex_field(v: &Value, field: &str) -> Vec<u8> {
    let s = v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}"));
    hex::decode(s.trim_start_matches("0x")).expect("hex")
}

/// Until `f` holds, or panics after `timeout` with `what` and the node's log.
fn until<T>(node: &Node, timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(
            start.elapsed() < timeout,
            "{what}: not within {timeout:?}; log:\n{}",
            crate::common::last_lines(&node.log(), 60)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_stateful_price_feed_runs_fifty_batches_on_four_validators_through_a_restart() {
    let _heavy = heavy();
    let mut net = Net::new("stateful");
    for i in 0..4 {
        net.start(i, &[]);
    }
    let alice = net.nodes[ALICE].take().expect("alice");
    let mut chain = Chain::connect(&alice);
    let publishers: Vec<Publisher> = (0..PUBLISHERS).map(|p| Publisher::new(60 + p)).collect();
    let (stream, topic) = price_feed_topic(&mut chain, &publishers);
    let mut model = PriceFeedModel::new(config());
    let mut expected = BTreeMap::new();
    let mut sequences = [0u64; PUBLISHERS as usize];
    let started = Instant::now();
    for n in 0..BATCHES {
        if n == DOWN_AT {
            net.kill(DAVE);
        }
        if n == UP_AT {
            net.start(DAVE, &[]);
            // Let Dave sync before more batches pile up (he can replay at most the 16
            // the chain still lists).
            let target = alice.best_number().expect("alice's best");
            let dave = net.node(DAVE);
            until(dave, WAIT, "dave catching up", || {
                dave.best_number().filter(|b| *b >= target)
            });
        }
        let mut events = Vec::new();
        let mut ticked: BTreeMap<u32, Vec<u128>> = BTreeMap::new();
        for (asset, list) in quotes(n) {
            for &(p, price) in &list {
                // Each publisher's sequence numbers follow on without gaps.
                let sequence = &mut sequences[usize::from(p)];
                let publisher = &publishers[usize::from(p)];
                events.extend(ticks_at(
                    &chain,
                    stream,
                    asset,
                    *sequence,
                    &[(publisher, price)],
                ));
                *sequence += 1;
            }
            ticked.insert(asset, list.iter().map(|(_, price)| *price).collect());
        }
        publish(&chain, events);
        // One batch per publication: the next waits until this window is sealed.
        until(&alice, WAIT, &format!("batch {n} sealed"), || {
            (next_batch(&alice, topic) > n).then_some(())
        });
        expected.insert(n, model.window(n, &ticked));
    }
    let sealed_in = started.elapsed();

    // Every batch finalized, with the model's outputs, each from the state the last left.
    let served: Vec<Value> = until(&alice, WAIT, "every batch finalized and indexed", || {
        let page: Vec<Value> = alice
            .call("concerto_outputs", rpc_params![topic, 0, 256])
            .ok()?;
        (page.len() as u64 == BATCHES).then_some(page)
    });
    let mut previous_state: Option<Vec<u8>> = None;
    for (n, output) in served.iter().enumerate() {
        let n = n as u64;
        assert_eq!(output["batch"], n);
        assert_eq!(output["verdict"], "Accepted", "batch {n}: {output}");
        let payload = hex_field(output, "outputs");
        let outputs: Vec<PriceFeedOutput> = Vec::<Vec<u8>>::decode(&mut &payload[..])
            .expect("SCALE Vec<Vec<u8>>")
            .iter()
            .map(|o| PriceFeedOutput::decode(&mut &o[..]).expect("a PriceFeedOutput"))
            .collect();
        assert_eq!(outputs, expected[&n], "batch {n}");
        if let Some(previous) = &previous_state {
            assert_eq!(
                &hex_field(output, "startRoot"),
                previous,
                "batch {n} starts where batch {} ended",
                n - 1
            );
        }
        previous_state = Some(hex_field(output, "stateRoot"));
    }
    let held_back = expected
        .values()
        .flatten()
        .filter(|o| o.held_back.is_some())
        .count();
    assert!(held_back >= 7, "asset 2 is held back every seventh batch");

    // Every attestation of a batch is the same result; Dave attests again after his
    // restart (from replayed state), and nobody deviated.
    let finalized = alice.finalized_number().expect("finalized");
    let mut digests: BTreeMap<u64, BTreeSet<[u8; 32]>> = BTreeMap::new();
    let mut dave_attested = BTreeSet::new();
    let mut deviations = Vec::new();
    for block in 1..=finalized {
        let hash = chain.block_hash(block).expect("a finalized block");
        for e in chain.events(hash) {
            match e {
                RuntimeEvent::Topics(TopicsEvent::Attested {
                    topic: t,
                    batch,
                    validator,
                    digest,
                }) if t == topic => {
                    digests.entry(batch).or_default().insert(digest);
                    if validator == conc(DAVE) {
                        dave_attested.insert(batch);
                    }
                }
                RuntimeEvent::Topics(TopicsEvent::ValidatorsFaulted {
                    topic: t,
                    batch,
                    deviated,
                    ..
                }) if t == topic && !deviated.is_empty() => deviations.push((batch, deviated)),
                _ => {}
            }
        }
    }
    for (batch, set) in &digests {
        assert_eq!(set.len(), 1, "batch {batch}: attestations disagree");
    }
    assert!(deviations.is_empty(), "deviations judged: {deviations:?}");
    let after_restart = dave_attested.range(UP_AT..).count();
    assert!(
        after_restart >= 10,
        "dave attested only {after_restart} batches after his restart: {dave_attested:?}; \
         his log:\n{}",
        crate::common::last_lines(&net.node(DAVE).log(), 60)
    );
    assert!(dave_attested.range(..DOWN_AT).count() >= 10);
    // He rebuilt the state by replaying batches from the newest one his store kept.
    let dave_log = net.node(DAVE).log();
    let replay = dave_log
        .lines()
        .find(|l| l.contains(&format!("topic {topic}: rebuilding state")))
        .unwrap_or_else(|| {
            panic!(
                "dave never replayed; his log:\n{}",
                crate::common::last_lines(&dave_log, 60)
            )
        });
    let from: u64 = replay
        .rsplit("from batch ")
        .next()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("the replay line names its first batch: {replay}"));
    assert!(
        from > 0 && from <= DOWN_AT,
        "the replay starts from a stored state, not the first batch: {replay}"
    );
    let store = net
        .base_path(ALICE)
        .join("chains/concerto_local/concerto-state");
    let on_disk: u64 = std::fs::read_dir(&store)
        .unwrap_or_else(|e| panic!("alice's state store at {}: {e}", store.display()))
        .filter_map(|f| f.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    let metrics = alice.metrics().unwrap_or_default();
    let snapshot_bytes = metrics
        .lines()
        .find(|l| l.starts_with("concerto_state_last_snapshot_bytes"))
        .unwrap_or("concerto_state_last_snapshot_bytes (missing)");
    assert!(
        metrics.contains("concerto_state_pruned_total"),
        "the state store's metrics are exported"
    );
    eprintln!(
        "stateful: {BATCHES} batches sealed in {:.1} s; alice's state store {on_disk} bytes \
         on disk ({snapshot_bytes}); dave: {replay}",
        sealed_in.as_secs_f64()
    );
    net.nodes[ALICE] = Some(alice);
}
