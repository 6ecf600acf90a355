#!/usr/bin/env bash
# Installs the prerequisites and builds everything the tests and scripts run: the whole
# workspace with its tests and binaries. Always this selection: building a subset (e.g.
# `-p concerto-node`) unifies features differently and rebuilds most dependencies.
# Sourced by test.sh, eth-success.sh and bench-e2e.sh; uses CARGO_TARGET_DIR (default
# $HOME/.cache/concerto-target) so every checkout shares one build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-never}"

bash scripts/setup.sh
build_start=$(date +%s)
echo "build: the workspace, tests and binaries (target dir $CARGO_TARGET_DIR; a cold build takes a while)"
cargo build --workspace --tests --bins -j "${CARGO_BUILD_JOBS:-$(nproc)}"
echo "build: took $(( $(date +%s) - build_start )) s"
