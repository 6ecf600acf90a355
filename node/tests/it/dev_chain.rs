//! Starts the real node on a temporary dev chain and checks that it produces and
//! finalizes blocks, serves JSON-RPC and Prometheus metrics, and stops cleanly.

use crate::common::Node;
use jsonrpsee_core::rpc_params;
use std::time::Duration;

#[test]
fn dev_chain_produces_and_finalizes_blocks() {
    let node = Node::start(&["--dev", "--tmp"]);

    let best = node.wait_for(Duration::from_secs(180), |n| {
        n.best_number().filter(|b| *b >= 3)
    });
    assert!(
        best.is_some(),
        "no 3 blocks within 180 s; node log:\n{}",
        node.log()
    );

    let fin = node.wait_for(Duration::from_secs(120), |n| {
        n.finalized_number().filter(|f| *f >= 1)
    });
    assert!(
        fin.is_some(),
        "nothing finalized within 120 s; node log:\n{}",
        node.log()
    );

    // The runtime reports itself over RPC.
    let version: serde_json::Value = node
        .rpc("state_getRuntimeVersion", rpc_params![])
        .expect("rpc answers");
    assert_eq!(version["specName"], "concerto", "{version}");

    // The database is rocksdb, as the node promises.
    assert!(
        node.log().contains("Database: RocksDb"),
        "node does not say it uses rocksdb; log:\n{}",
        node.log()
    );

    // Prometheus exposes block height metrics.
    let metrics = node.metrics().expect("metrics served");
    assert!(
        metrics.contains("substrate_block_height"),
        "no block height metric"
    );

    assert!(
        node.stop(Duration::from_secs(60)),
        "node did not exit cleanly on SIGTERM"
    );
}
