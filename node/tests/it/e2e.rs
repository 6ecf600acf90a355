//! End to end on the real node (`--dev --tmp`): validators' offchain workers run sealed
//! batches in sandboxed slots and attest; the chain finalizes what they computed.
//!
//! - The median price template over three publishers finalizes the expected median.
//! - Hostile templates (infinite loop, illegal instruction, memory bomb, output flood)
//!   finalize as rejected verdicts while the node keeps producing blocks.

use crate::common::{
    chain::Chain,
    concerto::{
        as_alice, finalized_output, fund_topics, inline_outputs, median_topic, open_stream,
        publish, register_stream, stream_registered, template, ticks, topic, topic_registered,
        upload, Publisher, SDK_MACHINE, WAIT,
    },
    heavy, Node,
};
use concerto_primitives::price::{MedianConfig, MedianOutput};
use pallet_topics::{MachineLimits, Verdict};
use std::time::Duration;

#[test]
fn median_topic_finalizes_the_median_computed_in_a_slot() {
    let node = Node::start(&["--dev", "--tmp"]);
    let mut chain = Chain::connect(&node);
    let publishers = [Publisher::new(1), Publisher::new(2), Publisher::new(3)];

    let config = MedianConfig {
        max_age_ms: 60_000,
        min_publishers: 2,
    };
    let (stream, topic_id) = median_topic(&mut chain, &publishers, config, 2);

    let [a, b, c] = &publishers;
    let events = ticks(&chain, stream, 1, &[(a, 100), (b, 102), (c, 250)]);
    publish(&chain, events);

    let (_, verdict, view) = finalized_output(&chain, topic_id, 0, WAIT);
    assert_eq!(verdict, Verdict::Accepted, "log:\n{}", node.log());
    let outputs = inline_outputs(&view);
    assert_eq!(outputs.len(), 1);
    let out: MedianOutput = codec::Decode::decode(&mut &outputs[0][..]).expect("MedianOutput");
    assert_eq!(
        out,
        MedianOutput {
            batch_number: 0,
            asset_id: 1,
            median: 102,
            min: 100,
            max: 250,
            publishers: 3,
            reference_time: 1_700_000_000_000,
        }
    );
    assert!(view.cycles > 0);
    assert!(
        node.log().contains("🎼 topic 0 batch 0"),
        "the slot's job line is missing; log:\n{}",
        node.log()
    );
    assert!(
        node.stop(Duration::from_secs(30)),
        "node did not stop cleanly"
    );
}

#[test]
fn hostile_templates_finalize_as_rejected_while_blocks_continue() {
    let _heavy = heavy();
    let node = Node::start(&["--dev", "--tmp"]);
    let mut chain = Chain::connect(&node);
    let publisher = Publisher::new(9);

    let stream = as_alice(&mut chain, vec![register_stream()], stream_registered);
    // One slot runs the four jobs in turn, and all must be attested within the
    // attestation period (100 blocks of 1 s): a budget of 3·10⁸ cycles per input keeps each job to
    // seconds even when another test shares the cores (the illegal instruction traps on
    // every cycle, the slowest case). The memory bomb fails after ~5·10⁷ cycles.
    let limits = MachineLimits {
        max_cycles_per_input: 300_000_000,
        max_cycles_per_batch: 1_200_000_000,
        ..SDK_MACHINE
    };
    let (upload_call, hostile) = upload(template("hostile"), limits);
    let modes: [&[u8]; 4] = [b"loop", b"illegal", b"memory-bomb", b"output-flood"];
    let mut calls = open_stream(stream, &[&publisher]);
    calls.push(upload_call);
    calls.extend(
        modes
            .iter()
            .map(|m| topic(vec![stream], hostile, m.to_vec(), 1)),
    );
    // A fresh chain: topics 0..=3, one per mode, in order.
    as_alice(&mut chain, calls, |e| {
        topic_registered(e).filter(|&t| t == 3)
    });
    fund_topics(&mut chain, &[0, 1, 2, 3]);

    // One event wakes all four topics (they share the stream).
    publish(&chain, vec![publisher.event(&chain, stream, 0, b"go")]);
    let before = node.best_number().expect("best block");
    for (i, mode) in modes.iter().enumerate() {
        let topic_id = i as u32;
        let (_, verdict, view) = finalized_output(&chain, topic_id, 0, WAIT);
        assert_eq!(
            verdict,
            Verdict::Rejected,
            "{} finalized as {verdict:?}",
            String::from_utf8_lossy(mode)
        );
        assert!(view.cycles > 0);
    }
    // Blocks kept coming while the slots ran the hostile jobs.
    let after = node.best_number().expect("best block");
    assert!(after > before + 2, "blocks stalled: {before} -> {after}");
    let log = node.log();
    let faults: Vec<&str> = log.lines().filter(|l| l.contains("🎼 topic")).collect();
    eprintln!("slot jobs:\n{}", faults.join("\n"));
    assert!(
        faults.iter().any(|l| l.contains("cycle limit")),
        "the infinite loop should end at the cycle limit"
    );
    assert!(
        faults.iter().any(|l| l.contains("memory allocation")),
        "the memory bomb should end in an allocation failure"
    );
    assert!(
        node.stop(Duration::from_secs(30)),
        "node did not stop cleanly"
    );
}
