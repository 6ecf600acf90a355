#!/usr/bin/env bash
# Regenerates pallets/topics/src/weights.rs and pallets/validator-set/src/weights.rs from
# the pallets' benchmarks, run by the
# optimized node (release profile, --features runtime-benchmarks; this script builds it,
# the same build scripts/bench-realtime.sh uses) in the runtime's wasm. Weights from a
# debug node are meaningless: its host functions (hashing, signatures, storage) run
# unoptimized. STEPS and REPEAT may be overridden from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
STEPS="${STEPS:-20}"
REPEAT="${REPEAT:-10}"
echo "bench-weights: building the optimized concerto-node with runtime-benchmarks (~40 min on a cold cache)"
bash scripts/build-release.sh
WBUILD="$CARGO_TARGET_DIR/release/wbuild/concerto-runtime"
RUNTIME="$WBUILD/concerto_runtime.compact.compressed.wasm"
[ -f "$RUNTIME" ] || RUNTIME="$WBUILD/concerto_runtime.wasm"
# PALLETS may name a subset, e.g. PALLETS=validator-set.
for pallet in ${PALLETS:-topics validator-set}; do
    name="pallet_${pallet//-/_}"
    echo "bench-weights: running $name benchmarks in $RUNTIME (steps $STEPS, repeat $REPEAT)"
    "$CARGO_TARGET_DIR/release/concerto-node" benchmark pallet \
        --runtime "$RUNTIME" \
        --genesis-builder runtime \
        --pallet "$name" --extrinsic '*' \
        --steps "$STEPS" --repeat "$REPEAT" \
        --wasm-execution compiled \
        --heap-pages 4096 \
        --template scripts/weight-template.hbs \
        --output "pallets/$pallet/src/weights.rs"
    echo "bench-weights: wrote pallets/$pallet/src/weights.rs"
done
# The base block and extrinsic weights: empty blocks, and blocks full of `System::remark`s
# signed by Alice, on the dev genesis. The generated files name sp_core/sp_weights, which
# the runtime reaches through the polkadot-sdk umbrella; then rustfmt (the repo's style).
echo "bench-weights: running benchmark overhead (base block and extrinsic weights)"
"$CARGO_TARGET_DIR/release/concerto-node" benchmark overhead \
    --chain dev --wasm-execution compiled \
    --weight-path runtime/src/weights
for f in runtime/src/weights/block_weights.rs runtime/src/weights/extrinsic_weights.rs; do
    sed -i -e 's/^use sp_core::parameter_types;/use polkadot_sdk::frame_support::parameter_types;/' \
        -e 's/^use sp_weights::{constants::WEIGHT_REF_TIME_PER_NANOS, Weight};/use polkadot_sdk::frame_support::weights::{constants::WEIGHT_REF_TIME_PER_NANOS, Weight};/' \
        -e 's/^\tuse sp_weights::constants;/\tuse polkadot_sdk::frame_support::weights::constants;/' "$f"
    rustfmt --edition 2021 "$f"
done
echo "bench-weights: wrote runtime/src/weights/block_weights.rs and extrinsic_weights.rs"
