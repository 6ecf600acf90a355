//! `concerto_submitEvents` on the real node: every bad-event kind is refused with its
//! named error and never reaches the chain; accepted events are included exactly once,
//! also when the node is killed (`kill -9`) right after accepting them;
//! `concerto_nextSequence` counts the accepted ones.

use crate::common::{
    chain::Chain,
    concerto::{as_alice, median_topic, Event, Publisher, WAIT},
    Node,
};
use codec::Encode;
use concerto_primitives::price::{LabelledTick, MedianConfig, PriceTick};
use concerto_runtime::RuntimeEvent;
use jsonrpsee_core::rpc_params;
use pallet_topics::{
    runtime_api::PublisherState, Call as TopicsCall, Event as TopicsEvent, PublisherKey,
};
use polkadot_sdk::{sp_core::Bytes, sp_runtime::BoundedVec};
use std::{collections::BTreeMap, time::Duration};

fn tick(i: u64) -> Vec<u8> {
    LabelledTick {
        tick: PriceTick {
            asset_id: 1,
            price: 1_000 + u128::from(i),
            observed_at: 1_700_000_000_000 + i,
        },
        source: b"venue-a".to_vec(),
    }
    .payload()
}

/// Submits events; the answers' `result` and (for rejections) `error`.
fn submit(node: &Node, events: &[Vec<u8>]) -> Vec<(String, Option<String>)> {
    let params: Vec<Bytes> = events.iter().cloned().map(Bytes).collect();
    let answers: Vec<serde_json::Value> = node
        .call("concerto_submitEvents", rpc_params![params])
        .expect("concerto_submitEvents answers");
    answers
        .into_iter()
        .map(|a| {
            (
                a["result"].as_str().unwrap_or_default().to_string(),
                a["error"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn next_sequence(chain: &Chain<'_>, stream: u32, key: PublisherKey) -> Option<u64> {
    let states: Vec<PublisherState> =
        chain.runtime_api("IngestApi_publisher_states", vec![(stream, key)]);
    match states.first() {
        Some(PublisherState::Open { next_sequence }) => Some(*next_sequence),
        _ => None,
    }
}

/// `concerto_nextSequence` of `key` on `stream`.
fn node_next(node: &Node, stream: u32, key: PublisherKey) -> serde_json::Value {
    node.call(
        "concerto_nextSequence",
        rpc_params![stream, Bytes(key.encode())],
    )
    .expect("concerto_nextSequence answers")
}

/// How often each sequence number of `stream` appears in `EventPublished`, blocks 1..=best.
fn published(chain: &Chain<'_>, stream: u32) -> BTreeMap<u64, u32> {
    let mut seen = BTreeMap::new();
    let best = chain.node().best_number().expect("best block");
    for n in 1..=best {
        let Some(hash) = chain.block_hash(n) else {
            continue;
        };
        for e in chain.events(hash) {
            if let RuntimeEvent::Topics(TopicsEvent::EventPublished {
                stream: s,
                sequence,
                ..
            }) = e
            {
                if s == stream {
                    *seen.entry(sequence).or_default() += 1;
                }
            }
        }
    }
    seen
}

#[test]
fn submitted_events_are_checked_queued_durably_and_included_once() {
    let base = std::env::temp_dir().join(format!("concerto-ingest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let base_arg = base.display().to_string();
    let args = ["--dev", "--base-path", base_arg.as_str()];
    let node = Node::start(&args);
    let mut chain = Chain::connect(&node);
    let p = Publisher::new(41);
    let config = MedianConfig {
        max_age_ms: u64::MAX / 4,
        min_publishers: 1,
    };
    let (stream, _topic) = median_topic(&mut chain, std::slice::from_ref(&p), config, 1);
    // A second stream of the same publisher, closed.
    let closed = stream + 1;
    let unfunded = stream + 2;
    let tight = stream + 3;
    use polkadot_sdk::sp_core::Get;
    type Fees = concerto_runtime::Runtime;
    let event_fee = <<Fees as pallet_topics::Config>::EventFee as Get<u128>>::get();
    let byte_fee = <<Fees as pallet_topics::Config>::EventByteFee as Get<u128>>::get();
    as_alice(
        &mut chain,
        vec![
            TopicsCall::register_stream {
                metadata: BoundedVec::truncate_from(b"closed".to_vec()),
            },
            TopicsCall::add_publisher {
                stream: closed,
                publisher: p.key(),
            },
            TopicsCall::close_stream { stream: closed },
            // A third stream of the same publisher, never funded.
            TopicsCall::register_stream {
                metadata: BoundedVec::truncate_from(b"unfunded".to_vec()),
            },
            TopicsCall::add_publisher {
                stream: unfunded,
                publisher: p.key(),
            },
            // A fourth whose budget pays for three events (on chain, bytes included).
            TopicsCall::register_stream {
                metadata: BoundedVec::truncate_from(b"tight".to_vec()),
            },
            TopicsCall::add_publisher {
                stream: tight,
                publisher: p.key(),
            },
            TopicsCall::fund_stream {
                stream: tight,
                amount: 3 * (event_fee + byte_fee * tick(0).len() as u128),
            },
        ],
        |e| match e {
            RuntimeEvent::Topics(TopicsEvent::StreamFunded { stream, .. }) if *stream == tight => {
                Some(*stream)
            }
            _ => None,
        },
    );

    let enc = |e: &Event| e.encode();
    let good: Vec<Vec<u8>> = (0..20)
        .map(|i| enc(&p.event(&chain, stream, i, &tick(i))))
        .collect();
    assert!(
        submit(&node, &good).iter().all(|(r, _)| r == "accepted"),
        "good events refused"
    );

    let stranger = Publisher::new(42);
    let mut bad_signature = p.event(&chain, stream, 20, &tick(20));
    bad_signature.payload = BoundedVec::truncate_from(tick(999));
    // A payload one byte over MaxPayloadLen (64 KiB): encoded without the runtime's bound.
    let too_long = pallet_topics::SignedEvent::<polkadot_sdk::sp_core::ConstU32<{ u32::MAX }>> {
        stream,
        publisher: p.key(),
        sequence: 20,
        payload: BoundedVec::truncate_from(vec![1u8; 64 * 1024 + 1]),
        signature: pallet_topics::PublisherSignature::Sr25519([0; 64]),
    }
    .encode();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("Undecodable", vec![1, 2, 3]),
        ("PayloadTooLong", too_long),
        ("BadSignature", bad_signature.encode()),
        (
            "UnknownStream",
            enc(&p.event(&chain, stream + 50, 0, &tick(0))),
        ),
        (
            "NotPublisher",
            enc(&stranger.event(&chain, stream, 0, &tick(0))),
        ),
        ("StreamClosed", enc(&p.event(&chain, closed, 0, &tick(0)))),
        (
            "BudgetExhausted",
            enc(&p.event(&chain, unfunded, 0, &tick(0))),
        ),
        ("SequenceUsed", enc(&p.event(&chain, stream, 3, &tick(333)))),
        ("SequenceGap", enc(&p.event(&chain, stream, 25, &tick(25)))),
    ];
    let answers = submit(
        &node,
        &cases.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>(),
    );
    for ((kind, _), (result, error)) in cases.iter().zip(&answers) {
        assert_eq!(result, "rejected", "{kind}: {answers:?}");
        assert_eq!(error.as_deref(), Some(*kind), "{answers:?}");
    }
    // The very same event again is a duplicate, not an error.
    assert_eq!(submit(&node, &good[..1])[0].0, "duplicate");
    // A stream's queued events never outnumber what its budget pays for.
    let five: Vec<Vec<u8>> = (0..5)
        .map(|i| enc(&p.event(&chain, tight, i, &tick(i))))
        .collect();
    let answers = submit(&node, &five);
    let results: Vec<(&str, Option<&str>)> = answers
        .iter()
        .map(|(r, e)| (r.as_str(), e.as_deref()))
        .collect();
    assert_eq!(
        results,
        [
            ("accepted", None),
            ("accepted", None),
            ("accepted", None),
            ("rejected", Some("BudgetExhausted")),
            ("rejected", Some("BudgetExhausted")),
        ]
    );

    // Included, then more accepted and the node killed before its next block.
    assert!(
        node.wait_for(WAIT, |_| (next_sequence(&chain, stream, p.key())
            == Some(20))
        .then_some(()))
            .is_some(),
        "the 20 accepted events were not included; log:\n{}",
        node.log()
    );
    let more: Vec<Vec<u8>> = (20..60)
        .map(|i| enc(&p.event(&chain, stream, i, &tick(i))))
        .collect();
    assert!(submit(&node, &more).iter().all(|(r, _)| r == "accepted"));
    // The node's next sequence number counts what it accepted, included or not; a key
    // that may not publish gets its state by name.
    assert_eq!(
        node_next(&node, stream, p.key()),
        serde_json::json!({"state": "open", "next": 60})
    );
    assert_eq!(
        node_next(&node, closed, p.key()),
        serde_json::json!({"state": "streamClosed"})
    );
    assert_eq!(
        node_next(&node, stream, stranger.key()),
        serde_json::json!({"state": "notPublisher"})
    );
    assert_eq!(
        node_next(&node, unfunded, p.key()),
        serde_json::json!({"state": "budgetExhausted", "next": 0})
    );
    node.kill();

    let node = Node::start(&args);
    let chain = Chain::connect(&node);
    assert!(
        node.wait_for(WAIT, |_| (next_sequence(&chain, stream, p.key())
            == Some(60))
        .then_some(()))
            .is_some(),
        "events accepted before kill -9 were lost; log:\n{}",
        node.log()
    );
    let seen = published(&chain, stream);
    assert_eq!(seen.len(), 60, "{seen:?}");
    assert!(
        seen.values().all(|n| *n == 1),
        "an event was included twice: {seen:?}"
    );
    // Nothing refused reached the chain.
    assert!(published(&chain, closed).is_empty());
    // The queue empties once the events are final.
    let drained = node.wait_for(WAIT, |n| {
        let metrics = n.metrics()?;
        metrics
            .lines()
            .any(|l| l.starts_with("concerto_ingest_queue_events") && l.ends_with(" 0"))
            .then_some(())
    });
    assert!(drained.is_some(), "the ingestion queue did not drain");
    assert!(node.stop(Duration::from_secs(60)));
    let _ = std::fs::remove_dir_all(&base);
}
