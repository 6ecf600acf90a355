#!/usr/bin/env bash
# Runs the whole Concerto test suite: the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-never}"
jobs="${CARGO_BUILD_JOBS:-$(nproc)}"

bash scripts/setup.sh

start=$(date +%s)
echo "test: building the workspace (target dir $CARGO_TARGET_DIR; a cold build takes a while)"
cargo build --workspace --tests --bins -j "$jobs"
echo "test: build took $(( $(date +%s) - start )) s"

echo "test: running the tests"
cargo test --workspace -j "$jobs" -- --test-threads=2
echo "test: total $(( $(date +%s) - start )) s"
