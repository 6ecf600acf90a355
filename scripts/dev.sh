#!/usr/bin/env bash
# Builds the node (if needed) and starts a single-validator dev chain on ws://127.0.0.1:9944.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
bash scripts/setup.sh
echo "dev: building concerto-node (a cold build takes a while on small machines)"
# The same selection as scripts/test.sh: features unify alike, so either reuses the
# other's build (`-p concerto-node` alone would rebuild most dependencies).
cargo build --workspace --all-targets
exec "$CARGO_TARGET_DIR/debug/concerto-node" --dev --rpc-cors=all "$@"
