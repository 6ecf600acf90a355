//! Serving finalized outputs on the real node: a WebSocket subscriber that subscribed
//! before publishing receives each output as its block is finalized, with the same
//! fields `concerto_output` serves; history pages and its limits; unknown topics get
//! their named error; after a restart the index still holds the outputs and a
//! subscription with `fromBatch` replays them first.

use crate::common::{
    chain::Chain,
    concerto::{finalized_output, median_topic, publish, ticks, Publisher, WAIT},
    ws::Ws,
    Node,
};
use concerto_primitives::price::MedianConfig;
use jsonrpsee_core::rpc_params;
use serde_json::{json, Value};
use std::time::Duration;

/// Subscribes to a topic's finalized outputs.
fn subscribe(ws: &mut Ws, topic: u32, from_batch: Option<u64>) -> Result<Value, Value> {
    ws.subscribe("concerto_subscribeOutputs", json!([topic, from_batch]))
}

/// The next pushed output.
fn output(ws: &mut Ws) -> Value {
    ws.notification("concerto_finalizedOutput", WAIT)
}

fn error_code(e: jsonrpsee_core::client::Error) -> Option<i32> {
    match e {
        jsonrpsee_core::client::Error::Call(e) => Some(e.code()),
        _ => None,
    }
}

#[test]
fn outputs_are_pushed_served_paged_and_kept_across_a_restart() {
    let base = std::env::temp_dir().join(format!("concerto-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let base_arg = base.display().to_string();
    let args = ["--dev", "--base-path", base_arg.as_str()];
    let node = Node::start(&args);
    let mut chain = Chain::connect(&node);
    let publishers = [Publisher::new(51), Publisher::new(52)];
    let config = MedianConfig {
        max_age_ms: u64::MAX / 4,
        min_publishers: 2,
    };
    let (stream, topic) = median_topic(&mut chain, &publishers, config, 1);

    let mut ws = Ws::connect(&node);
    let unknown = subscribe(&mut ws, topic + 100, None).expect_err("an unknown topic");
    assert_eq!(unknown["code"], 4001, "{unknown}");
    subscribe(&mut ws, topic, None).expect("subscribed");

    let [a, b] = &publishers;
    publish(&chain, ticks(&chain, stream, 3, &[(a, 100), (b, 300)]));
    let pushed = output(&mut ws);
    assert_eq!(pushed["topic"], topic);
    assert_eq!(pushed["batch"], 0);
    assert_eq!(pushed["verdict"], "Accepted");
    let (finalized_at, _, view) = finalized_output(&chain, topic, 0, WAIT);
    assert_eq!(pushed["blockNumber"], finalized_at);
    assert_eq!(
        pushed["outputsRoot"],
        format!("0x{}", hex::encode(view.outputs_root))
    );
    assert_eq!(
        pushed["startRoot"],
        format!("0x{}", hex::encode(view.start_root))
    );
    // The dev chain's one validator made the quorum; the window is the sealed batch's.
    assert_eq!(
        pushed["attesters"].as_array().map(Vec::len),
        Some(1),
        "{pushed}"
    );
    let window = pushed["window"].as_array().expect("a window");
    assert!(window[0].as_u64() <= window[1].as_u64(), "{pushed}");
    // Its block is final by the time it is pushed, and the hash is that block's.
    let hash: String = node
        .call("chain_getBlockHash", rpc_params![finalized_at])
        .expect("block hash");
    assert_eq!(pushed["blockHash"], hash);
    assert!(node.finalized_number().is_some_and(|f| f >= finalized_at));

    // A second batch, pushed too; history serves both, in order, paged.
    let later = |p: &Publisher, price: u128| {
        let tick = concerto_primitives::price::PriceTick {
            asset_id: 3,
            price,
            observed_at: 1_700_000_001_000,
        };
        p.event(&chain, stream, 1, &codec::Encode::encode(&tick))
    };
    publish(&chain, vec![later(a, 200), later(b, 400)]);
    let second = output(&mut ws);
    assert_eq!(second["batch"], 1);
    let served: Value = node
        .call("concerto_output", rpc_params![topic, 0])
        .expect("concerto_output");
    assert_eq!(served, pushed);
    let page: Vec<Value> = node
        .call("concerto_outputs", rpc_params![topic, 0, 10])
        .expect("concerto_outputs");
    assert_eq!(page, vec![pushed.clone(), second.clone()]);
    let page: Vec<Value> = node
        .call("concerto_outputs", rpc_params![topic, 1, 1])
        .expect("concerto_outputs");
    assert_eq!(page, vec![second.clone()]);
    let none: Option<Value> = node
        .call("concerto_output", rpc_params![topic, 99])
        .expect("concerto_output");
    assert_eq!(none, None);
    let too_many = node
        .rpc::<Value>("concerto_outputs", rpc_params![topic, 0, 257])
        .expect_err("a page over the limit");
    assert_eq!(error_code(too_many), Some(4002));
    let unknown = node
        .rpc::<Value>("concerto_output", rpc_params![topic + 100, 0])
        .expect_err("an unknown topic");
    assert_eq!(error_code(unknown), Some(4001));
    // The batch's events as the machine saw them: both ticks, in block order, each
    // envelope hashing to the event hash.
    let events: Value = node
        .call("concerto_batchEvents", rpc_params![topic, 1])
        .expect("concerto_batchEvents");
    let list = events["events"].as_array().expect("events");
    assert_eq!(list.len(), 2, "{events}");
    for (e, p) in list.iter().zip([a, b]) {
        assert_eq!(e["stream"], stream);
        assert_eq!(e["sequence"], 1);
        let expected = later(p, if std::ptr::eq(p, a) { 200 } else { 400 });
        assert_eq!(
            e["payload"],
            format!("0x{}", hex::encode(&expected.payload[..]))
        );
        let envelope = hex::decode(
            e["envelope"]
                .as_str()
                .expect("hex")
                .trim_start_matches("0x"),
        )
        .expect("envelope hex");
        assert_eq!(
            e["hash"],
            format!(
                "0x{}",
                hex::encode(polkadot_sdk::sp_io::hashing::blake2_256(&envelope))
            )
        );
    }
    let t: Value = node
        .call("concerto_topic", rpc_params![topic])
        .expect("concerto_topic");
    assert_eq!(t["streams"], json!([stream]));
    assert_eq!(t["window"], 1);
    assert_eq!(t["status"], "Active");
    let metrics = node.metrics().expect("the Prometheus page");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("concerto_index_outputs_total") && l.ends_with(" 2")),
        "the index metrics do not count both outputs:\n{metrics}"
    );
    drop(ws);

    // After a restart the index still has both, and a subscription from batch 0
    // replays them before anything new. Restarted with a retention of 3 blocks, the
    // events are pruned and the error says so; the outputs stay.
    assert!(node.stop(Duration::from_secs(60)), "the node did not stop");
    let node = Node::start(&[&args[..], &["--event-retention", "3"]].concat());
    let restarted = node
        .wait_for(WAIT, |n| {
            n.rpc::<Option<Value>>("concerto_output", rpc_params![topic, 1])
                .ok()
                .flatten()
        })
        .unwrap_or_else(|| panic!("batch 1 not served after a restart; log:\n{}", node.log()));
    assert_eq!(restarted, second);
    let mut ws = Ws::connect(&node);
    subscribe(&mut ws, topic, Some(0)).expect("subscribed");
    assert_eq!(output(&mut ws), pushed);
    assert_eq!(output(&mut ws), second);
    drop(ws);
    let pruned = node
        .wait_for(WAIT, |n| {
            match n.rpc::<Value>("concerto_batchEvents", rpc_params![topic, 1]) {
                Err(e) => error_code(e),
                Ok(_) => None,
            }
        })
        .unwrap_or_else(|| panic!("batch 1's events were not pruned; log:\n{}", node.log()));
    assert_eq!(pruned, 4004);
    let kept: Option<Value> = node
        .call("concerto_output", rpc_params![topic, 1])
        .expect("concerto_output");
    assert_eq!(kept, Some(second));
    assert!(node.stop(Duration::from_secs(60)), "the node did not stop");
    let _ = std::fs::remove_dir_all(&base);
}
