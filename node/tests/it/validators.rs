//! `--chain local` has four validators; this test runs three of them (Alice, Bob,
//! Charlie), each with its own rocksdb, libp2p and slots, and leaves Dave offline: one
//! voter down is what four GRANDPA voters tolerate, so blocks (Dave's slots stay empty),
//! finality and outputs must all go on. Each offchain worker runs the median template
//! over the sealed batch independently; the default quorum (more than two thirds of 4,
//! i.e. 3) needs all three running validators' signed results to match, so a finalized
//! output shows they computed the same outputs and machine state hashes.

use crate::common::{
    chain::Chain,
    concerto::{finalized_output, inline_outputs, median_topic, publish, ticks, Publisher, WAIT},
    heavy, last_lines, Node,
};
use concerto_primitives::price::{MedianConfig, MedianOutput};
use jsonrpsee_core::rpc_params;
use pallet_topics::Verdict;
use std::time::Duration;

#[test]
fn three_of_four_validators_agree_on_the_output() {
    let _heavy = heavy();
    // Validators of a non-dev chain must be given a network key.
    let key = |n: u8| format!("{n:064x}");
    let alice = Node::start(&[
        "--chain",
        "local",
        "--alice",
        "--tmp",
        "--node-key",
        &key(1),
    ]);
    let peer = alice
        .wait_for(Duration::from_secs(180), |n| {
            n.rpc::<String>("system_localPeerId", rpc_params![]).ok()
        })
        .unwrap_or_else(|| panic!("alice did not start; log:\n{}", alice.log()));
    let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", alice.p2p_port);
    let peer_of = |name: &str, n: u8| {
        let k = key(n);
        Node::start(&[
            "--chain",
            "local",
            name,
            "--tmp",
            "--node-key",
            &k,
            "--bootnodes",
            &boot,
        ])
    };
    let bob = peer_of("--bob", 2);
    let charlie = peer_of("--charlie", 3);

    let mut chain = Chain::connect(&alice);
    let publishers = [Publisher::new(21), Publisher::new(22)];
    let config = MedianConfig {
        max_age_ms: 60_000,
        min_publishers: 2,
    };
    let (stream, topic_id) = median_topic(&mut chain, &publishers, config, 2);

    // Published through Bob's node; read back from Charlie's, with Dave offline.
    let via_bob = Chain::connect(&bob);
    let [a, b] = &publishers;
    let events = ticks(&via_bob, stream, 7, &[(a, 500), (b, 700)]);
    publish(&via_bob, events);

    let via_charlie = Chain::connect(&charlie);
    let (finalized_at, verdict, view) = finalized_output(&via_charlie, topic_id, 0, WAIT);
    assert_eq!(verdict, Verdict::Accepted);
    // GRANDPA finalizes the block holding the output with three of its four voters.
    charlie
        .wait_for(WAIT, |n| {
            n.finalized_number().filter(|f| *f >= finalized_at)
        })
        .unwrap_or_else(|| {
            panic!(
                "block {finalized_at} was not GRANDPA-finalized with Dave offline; log:\n{}",
                charlie.log()
            )
        });
    let out: MedianOutput =
        codec::Decode::decode(&mut &inline_outputs(&view)[0][..]).expect("MedianOutput");
    assert_eq!(
        (out.median, out.min, out.max, out.publishers),
        (600, 500, 700, 2)
    );
    // Each validator ran the job in its own slot.
    for (name, node) in [("alice", &alice), ("bob", &bob), ("charlie", &charlie)] {
        assert!(
            node.log().contains(&format!("🎼 topic {topic_id} batch 0")),
            "{name} did not run the batch; log:\n{}",
            node.log()
        );
    }
    for (name, node) in [("charlie", charlie), ("bob", bob), ("alice", alice)] {
        let (clean, log) = node.stop_logged(Duration::from_secs(60));
        // A known teardown race outside Concerto: while a networked node shuts down, an
        // essential task (the pool's background task) ends and RocksDB aborts on a mutex
        // destroyed under it ("pthread lock: Invalid argument"), after every result was
        // checked. Seen in about one multi-node run in five; the clean single-node
        // SIGTERM exit is asserted by `dev_chain`. Any other unclean stop fails here.
        let teardown_race =
            log.contains("pthread lock: Invalid argument") && log.contains("Shutting down service");
        if !clean && teardown_race {
            eprintln!("{name}: RocksDB aborted during shutdown (known teardown race)");
            continue;
        }
        assert!(
            clean,
            "{name} did not stop cleanly; its last lines:\n{}",
            last_lines(&log, 25)
        );
    }
}
