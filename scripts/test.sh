#!/usr/bin/env bash
# The whole Concerto test suite and CI gate: the README's test command, what CI runs.
#   1. formatting (cargo fmt --check, both workspaces);
#   2. the build of every target, which is also the lint gate (rustc + clippy lints through
#      clippy-driver; any warning fails, see scripts/build.sh);
#   3. the workspace's tests (unit, integration, real nodes);
#   4. the pallets' tests (pallet-topics, pallet-validator-set) with
#      `runtime-benchmarks,try-runtime` (benchmarks run as tests, `try_state` after every
#      test);
#   5. the templates and contracts workspaces: clippy and host tests of their pure logic;
#   6. rustdoc of the library crates without Substrate dependencies, warnings denied;
#   7. the JavaScript client's tests (node --test) against a real dev node, README
#      examples included;
#   8. zombienet: four validators (native provider) checked for blocks, finality, a
#      topic's output finalized by their quorum, and their metrics;
#   9. the fuzz targets (fuzz/): libFuzzer on the stable compiler, FUZZ_SECONDS (60) each
#      from the committed corpus; any crash fails.
# Each step prints its time; set CONCERTO_DENY_WARNINGS=0 to let warnings through.
set -euo pipefail
start=$(date +%s)
cd "$(dirname "$0")/.."
export CONCERTO_DENY_WARNINGS="${CONCERTO_DENY_WARNINGS:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
jobs="${CARGO_BUILD_JOBS:-$(nproc)}"
step_start=$start
step() {
    local now
    now=$(date +%s)
    echo "test: step took $(( now - step_start )) s"
    step_start=$now
    echo "test: $*"
}

step "1/9 formatting"
cargo fmt --all --check || { echo "test: run \`cargo fmt --all\` and commit the result" >&2; exit 1; }
for ws in offchain-workers/templates contracts fuzz; do
    cargo fmt --all --check --manifest-path "$ws/Cargo.toml" \
        || { echo "test: run \`cargo fmt --all\` in $ws" >&2; exit 1; }
done

step "2/9 build and lint gate"
source scripts/build.sh

step "3/9 the workspace's tests"
cargo test --workspace -j "$jobs" -- --test-threads=2

step "4/9 the pallets with runtime-benchmarks and try-runtime"
# Its own feature set, so its own build: linted by the same gate as the main build.
for pallet in pallet-topics pallet-validator-set; do
    cargo test -p "$pallet" --features runtime-benchmarks,try-runtime -j "$jobs" \
        --message-format=json-diagnostic-rendered-ansi | python3 scripts/warnings-gate.py
done

step "5/9 templates and contracts: clippy and host tests"
for ws in offchain-workers/templates contracts; do
    (
        cd "$ws"
        export CARGO_TARGET_DIR="$CARGO_TARGET_DIR/$(basename "$ws")-host"
        host=x86_64-unknown-linux-gnu
        cargo clippy --target "$host" --all-targets -j "$jobs" -- -D warnings
        cargo test --target "$host" -j "$jobs"
    )
done
# The contract as pallet-contracts runs it (wasm32v1-none) is linted too.
(cd contracts && cargo clippy --release -j "$jobs" -- -D warnings)

step "6/9 rustdoc of the library crates"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -j "$jobs" \
    -p concerto-primitives -p concerto-machine -p concerto-exec -p concerto-slots \
    -p concerto-template-harness -p concerto-outputs-tree

step "7/9 JavaScript client (clients/js) against a real dev node"
# scripts/setup.sh (run by the build step) installed the locked npm packages.
npm test --workspaces

step "8/9 zombienet: a four-validator network (zombienet/local.zndsl)"
bash scripts/zombienet.sh

step "9/9 fuzz targets (fuzz/), ${FUZZ_SECONDS:-60} s each"
bash scripts/fuzz.sh

step "done"
echo "test: total $(( $(date +%s) - start )) s"
