#!/usr/bin/env bash
# Regenerates pallets/topics/src/weights.rs from the pallet's benchmarks, run by the node
# in the runtime's wasm (the node must be built with --features runtime-benchmarks; this
# script builds it). STEPS and REPEAT may be overridden from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
STEPS="${STEPS:-20}"
REPEAT="${REPEAT:-10}"
echo "bench-weights: building concerto-node with runtime-benchmarks (long on a cold cache)"
# Same package selection as scripts/test.sh, so the shared target dir is reused.
cargo build --workspace --all-targets --features concerto-node/runtime-benchmarks
# Debug builds leave the plain wasm; release builds also write a compacted one.
WBUILD="$CARGO_TARGET_DIR/debug/wbuild/concerto-runtime"
RUNTIME="$WBUILD/concerto_runtime.compact.compressed.wasm"
[ -f "$RUNTIME" ] || RUNTIME="$WBUILD/concerto_runtime.wasm"
echo "bench-weights: running pallet_topics benchmarks in $RUNTIME (steps $STEPS, repeat $REPEAT)"
"$CARGO_TARGET_DIR/debug/concerto-node" benchmark pallet \
    --runtime "$RUNTIME" \
    --genesis-builder runtime \
    --pallet pallet_topics --extrinsic '*' \
    --steps "$STEPS" --repeat "$REPEAT" \
    --wasm-execution compiled \
    --heap-pages 4096 \
    --template scripts/weight-template.hbs \
    --output pallets/topics/src/weights.rs
echo "bench-weights: wrote pallets/topics/src/weights.rs"
