#!/usr/bin/env bash
# Generates chain-specs/ from the node as built (never committed; see chain-specs/README.md):
# dev and local, plain and raw.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
node="${NODE:-$CARGO_TARGET_DIR/debug/concerto-node}"
[ -x "$node" ] || cargo build --workspace --all-targets
for chain in dev local; do
    "$node" export-chain-spec --chain "$chain" > "chain-specs/$chain.json"
    "$node" export-chain-spec --chain "$chain" --raw > "chain-specs/$chain-raw.json"
    echo "chain-specs/$chain.json, chain-specs/$chain-raw.json"
done
