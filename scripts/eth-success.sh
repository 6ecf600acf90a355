#!/usr/bin/env bash
# Concerto's success test, end to end on a fresh dev chain (the real node, --dev --tmp):
# a real Ethereum mainnet log (block 17034870 of ../shared/data/eth/) is published with
# its receipt proof, two relayer keys publish the block hash, the eth-verifier template
# runs in a sandboxed slot on the validator, and the output finalized on chain is the
# verified log; the same claim with a tampered receipt is finalized as rejected.
# Prints VERIFIED / REJECTED lines with the Concerto blocks and timings.
set -euo pipefail
source "$(dirname "$0")/build.sh"
echo "eth-success: starting a dev chain and running the verifier (about 1-2 minutes)"
log="$(mktemp)"
status=0
# The node's tests are one binary (`it`); the filter picks its eth_success module.
cargo test --workspace --test it -- eth_success:: --nocapture >"$log" 2>&1 || status=$?
grep -E "^(VERIFIED|REJECTED)|SKIPPING|^test result: .* [1-9][0-9]* passed" "$log" || true
if [ "$status" -eq 0 ]; then
    echo "eth-success: PASSED"
else
    tail -n 60 "$log"
    echo "eth-success: FAILED (full output: $log)"
    exit 1
fi
