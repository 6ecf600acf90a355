#!/usr/bin/env bash
# Runs the whole Concerto test suite: the README's test command and what CI runs.
set -euo pipefail
start=$(date +%s)
source "$(dirname "$0")/build.sh"

echo "test: running the tests"
cargo test --workspace -j "${CARGO_BUILD_JOBS:-$(nproc)}" -- --test-threads=2
echo "test: total $(( $(date +%s) - start )) s"
