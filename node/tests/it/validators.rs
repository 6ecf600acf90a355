//! `--chain local` has four validators; this test runs three of them (Alice, Bob,
//! Charlie), each with its own rocksdb, libp2p and slots, and leaves Dave offline: one
//! voter down is what four GRANDPA voters tolerate, so blocks (Dave's slots stay empty),
//! finality and outputs must all go on. Each offchain worker runs the median template
//! over the sealed batch independently; the default quorum (more than two thirds of 4,
//! i.e. 3) needs all three running validators' signed results to match, so a finalized
//! output shows they computed the same outputs and machine state hashes.
//!
//! A fifth node, Eve, is a plain full node (no keys, not a validator). It receives the
//! validators' attestations over the `/concerto/attestations/1` gossip and serves the
//! quorum certificate on `concerto_subscribeCertified` before GRANDPA finalizes the
//! output's block; the certificate verifies against the chain's validator set with
//! `concerto_certificate::verify_certificate` and agrees with the finalized output.

use crate::common::{
    chain::Chain,
    concerto::{finalized_output, inline_outputs, median_topic, publish, ticks, Publisher, WAIT},
    heavy, last_lines,
    ws::Ws,
    Node,
};
use codec::Decode;
use concerto_certificate::{verify_certificate, Certificate, ValidatorSet};
use concerto_primitives::price::{MedianConfig, MedianOutput};
use jsonrpsee_core::rpc_params;
use pallet_topics::Verdict;
use serde_json::{json, Value};
use std::time::Duration;

fn hex_bytes(v: &Value) -> Vec<u8> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("a hex string, not {v}"));
    hex::decode(s.trim_start_matches("0x")).expect("hex")
}

/// The value of a Prometheus counter without labels of its own (0 if absent).
fn counter(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with([' ', '{']))
        })
        .find_map(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or(0)
}

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
    let eve = Node::start(&[
        "--chain",
        "local",
        "--tmp",
        "--node-key",
        &key(5),
        "--bootnodes",
        &boot,
    ]);

    let mut chain = Chain::connect(&alice);
    let publishers = [Publisher::new(21), Publisher::new(22)];
    let config = MedianConfig {
        max_age_ms: 60_000,
        min_publishers: 2,
    };
    let (stream, topic_id) = median_topic(&mut chain, &publishers, config, 2);

    // Eve subscribes to the topic's certificates and finalized outputs before anything
    // is published (once her best block has the topic).
    eve.wait_for(WAIT, |n| {
        n.rpc::<Value>("concerto_topic", rpc_params![topic_id]).ok()
    })
    .unwrap_or_else(|| panic!("eve never saw topic {topic_id}; log:\n{}", eve.log()));
    let mut ws = Ws::connect(&eve);
    ws.subscribe("concerto_subscribeCertified", json!([topic_id]))
        .expect("subscribed to certificates");
    ws.subscribe("concerto_subscribeOutputs", json!([topic_id, null]))
        .expect("subscribed to outputs");

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

    // Eve: the certificate first, then the GRANDPA-finalized output, in agreement.
    let cert = ws.notification("concerto_certifiedResult", WAIT);
    let output = ws.notification("concerto_finalizedOutput", WAIT);
    assert_eq!((&cert["batch"], &output["batch"]), (&json!(0), &json!(0)));
    for field in [
        "startRoot",
        "outputsRoot",
        "stateRoot",
        "outputsHash",
        "outputs",
        "cycles",
        "verdict",
    ] {
        assert_eq!(cert[field], output[field], "{field}: {cert} vs {output}");
    }
    assert_eq!(hex_bytes(&cert["outputsRoot"]), view.outputs_root);
    let signers: Vec<Value> = cert["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["validator"].clone())
        .collect();
    assert_eq!(signers.len(), 3, "Alice, Bob and Charlie: {cert}");
    assert_eq!(
        output["attesters"],
        json!(signers),
        "the chain's quorum is the certificate's"
    );
    let certificate =
        Certificate::decode(&mut &hex_bytes(&cert["encoded"])[..]).expect("SCALE certificate");
    let set = ValidatorSet {
        genesis: chain.genesis.0,
        validators: Chain::connect(&eve).runtime_api("TopicsApi_validators", ()),
    };
    assert_eq!(set.validators.len(), 4);
    assert_eq!(verify_certificate(&certificate, &set, 3), Ok(()));
    // Below the quorum it is refused.
    let mut short = certificate.clone();
    short.signatures.pop();
    assert!(verify_certificate(&short, &set, 3).is_err());
    // Eve got each validator's attestation by gossip (a node gossips only attestations of
    // its own keys, and Eve has none, so these came from the validators).
    let metrics = eve.metrics().expect("eve's metrics");
    let gossiped = counter(&metrics, "concerto_certify_gossip_messages_total");
    let certified = counter(&metrics, "concerto_certify_certificates_total");
    assert!(
        gossiped >= 3 && certified >= 1,
        "gossip {gossiped}, certificates {certified}:\n{metrics}"
    );
    let when = |log: &str, needle: &str| {
        log.lines()
            .find(|l| l.contains(needle))
            .and_then(|l| l.get(..19))
            .map(str::to_owned)
    };
    let eve_log = eve.log();
    eprintln!(
        "eve: certificate at {:?}, block #{finalized_at} (attestations included) imported at {:?}",
        when(&eve_log, &format!("certified topic {topic_id} batch 0")),
        when(&eve_log, &format!("Imported #{finalized_at} ")),
    );

    // Each validator ran the job in its own slot.
    for (name, node) in [("alice", &alice), ("bob", &bob), ("charlie", &charlie)] {
        assert!(
            node.log().contains(&format!("🎼 topic {topic_id} batch 0")),
            "{name} did not run the batch; log:\n{}",
            node.log()
        );
    }
    drop(ws);
    for (name, node) in [
        ("eve", eve),
        ("charlie", charlie),
        ("bob", bob),
        ("alice", alice),
    ] {
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
