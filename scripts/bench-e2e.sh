#!/usr/bin/env bash
# End-to-end figures on a fresh dev chain: publish -> finalized-output latency (p50/p95
# over 120 events), throughput of 512 events sent at once (ingested, and executed +
# finalized), and the slot jobs' per-batch time. Then the slot-overhead microbenchmark
# (spawn + load + hash per job; criterion, concerto-slots' `slot_overhead`).
# Takes about 5 minutes after the build.
set -euo pipefail
source "$(dirname "$0")/build.sh"
echo "bench-e2e: dev chain run (publishing for about a minute, then waiting for outputs)"
# The node's tests are one binary (`it`); the filter picks its latency module (other
# crates' `it` binaries run nothing).
cargo test --workspace --test it -- latency:: --ignored --nocapture 2>&1 \
    | grep -vE "^\s*(Compiling|Finished|Running|warning)" | grep -E "===|latency|throughput|slot jobs|topic |panicked|test result"
echo "bench-e2e: slot overhead (criterion)"
cargo bench -p concerto-slots --bench slot_overhead 2>&1 | grep -E "^[a-z_/ ]+time:|^slot" || true
