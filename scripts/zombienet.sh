#!/usr/bin/env bash
# Runs the zombienet network tests (zombienet/local.zndsl): four validators from the
# local chain spec on this machine (native provider), checked for blocks, finality, a
# topic's output finalized by their quorum, and their metrics.
#   - the node: $CONCERTO_NODE, else the debug build (built by scripts/build.sh);
#   - the chain spec: generated from that node (scripts/gen-chain-specs.sh);
#   - the median template: built from offchain-workers/templates;
#   - the CLI: @zombienet/cli from the repository's locked npm packages (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"
export CONCERTO_NODE="${CONCERTO_NODE:-$CARGO_TARGET_DIR/debug/concerto-node}"
[ -x "$CONCERTO_NODE" ] || { echo "zombienet: $CONCERTO_NODE is missing: run bash scripts/build.sh first" >&2; exit 1; }
[ -x node_modules/.bin/zombienet ] || { echo "zombienet: the CLI is missing: run bash scripts/setup.sh" >&2; exit 1; }
NODE="$CONCERTO_NODE" bash scripts/gen-chain-specs.sh >/dev/null
median=$(CARGO_TARGET_DIR="${CONCERTO_TEMPLATES_TARGET_DIR:-$PWD/offchain-workers/templates/target}" bash scripts/build-templates.sh | awk '$1 == "TEMPLATE" && $2 == "median" { print $3 }')
[ -n "$median" ] || { echo "zombienet: the median template did not build" >&2; exit 1; }
export CONCERTO_MEDIAN_ELF="$median"
# Zombienet's own working directory (the nodes' base paths and logs), removed on success.
work="$(mktemp -d "${TMPDIR:-/tmp}/concerto-zombienet.XXXXXX")"
echo "zombienet: 4 validators from chain-specs/local-raw.json, node $CONCERTO_NODE, logs in $work"
if node_modules/.bin/zombienet test zombienet/local.zndsl --provider native --dir "$work" --force; then
    rm -rf "$work"
else
    status=$?
    echo "zombienet: failed; the nodes' logs are in $work" >&2
    exit "$status"
fi
