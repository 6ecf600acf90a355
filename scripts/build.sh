#!/usr/bin/env bash
# Installs the prerequisites and builds everything the tests and scripts run: the whole
# workspace with all its targets (libraries, binaries, tests, benches). Always this
# selection: building a subset (e.g. `-p concerto-node`) unifies features differently and
# rebuilds most dependencies.
#
# The build is also the lint gate: .cargo/config.toml makes clippy-driver the compiler of
# the workspace's own crates, so rustc and clippy lints (workspace lints, clippy.toml)
# come out of this one build; with CONCERTO_DENY_WARNINGS=1 (set by test.sh in CI) any
# warning fails it.
#
# Sourced by test.sh, eth-success.sh and bench-e2e.sh; uses CARGO_TARGET_DIR (default
# $HOME/.cache/concerto-target) so every checkout shares one build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-never}"

bash scripts/setup.sh
build_start=$(date +%s)
echo "build: the workspace, all targets (target dir $CARGO_TARGET_DIR; a cold build takes ~45 min on 2 cores)"
cargo build --workspace --all-targets --keep-going -j "${CARGO_BUILD_JOBS:-$(nproc)}" \
    --message-format=json-diagnostic-rendered-ansi | python3 scripts/warnings-gate.py
echo "build: took $(( $(date +%s) - build_start )) s"
