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

/// Starts a dev validator with `flags` and waits for it to exit; asserts that it failed,
/// and returns its log.
fn refusal(flags: &[&str]) -> String {
    let args: Vec<&str> = ["--dev", "--tmp"].iter().chain(flags).copied().collect();
    let mut node = Node::start(&args);
    let status = node.wait_exit(Duration::from_secs(120));
    let log = node.log();
    assert!(
        status.is_some_and(|s| !s.success()),
        "the node kept running or exited cleanly ({status:?}); log:\n{log}"
    );
    log
}

/// Issue 19: a validator whose slots cannot run what the chain allows (here 512 MiB of
/// guest RAM where the chain's `MachineBounds` allow templates 1 GiB) refuses to start,
/// naming the limit, instead of being faulted for batches it could not run.
#[test]
fn a_validator_that_cannot_honour_the_machine_bounds_refuses_to_start() {
    let log = refusal(&["--slot-max-ram", "512"]);
    assert!(
        log.contains("cannot honour the chain's machine bounds: ram_size")
            && log.contains("1073741824")
            && log.contains("--slot-max-ram"),
        "the refusal does not name the limit; log:\n{log}"
    );
    // The same node with too little CPU time for a batch at the cycle bound.
    let log = refusal(&["--slot-max-cpu", "60"]);
    assert!(
        log.contains("cannot honour the chain's machine bounds: cycles"),
        "the refusal does not name the limit; log:\n{log}"
    );
}
