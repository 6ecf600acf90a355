#!/usr/bin/env bash
# Builds the optimized binaries (release profile) the benchmarks run: concerto-node with
# `runtime-benchmarks` (so one build serves `benchmark pallet` and the real-time bench)
# and concerto-loadgen. Always this selection, so the release build in the shared target
# dir is reused; a cold build takes ~40 min on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
bash scripts/setup.sh
echo "build-release: concerto-node (runtime-benchmarks) and concerto-loadgen, release profile, in $CARGO_TARGET_DIR/release"
cargo build --release --workspace --bins --features concerto-node/runtime-benchmarks
