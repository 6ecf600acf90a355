#!/usr/bin/env bash
# The real-time bench: builds the optimized node and load generator, starts a fresh dev
# chain (Alice alone, 1 s blocks), drives `concerto-loadgen` against it and prints its
# figures; the last two lines are
#   ingest: <N> events/s accepted, <N> sealed, <N> lost, verify ceiling <N>/s, <P>% of ceiling
#   latency: p50 <ms> ms, p95 <ms> ms, final p50 <ms> ms
#
# Usage: scripts/bench-realtime.sh [--seconds N] [--rate EVENTS_PER_S] [--validators 1]
#   and any further loadgen flags after `--` (see `concerto-loadgen --help`).
# Not part of CI (minutes of load on every core).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"

seconds=60
rate=12000
validators=1
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --validators) validators="$2"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "bench-realtime: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
if [ "$validators" != 1 ]; then
    echo "bench-realtime: --validators $validators is not supported yet: the 4-validator local network is issue 15's; run with --validators 1" >&2
    exit 2
fi

bash scripts/build-release.sh
median="$(bash scripts/build-templates.sh | awk '$1 == "TEMPLATE" && $2 == "median" { print $3 }')"
[ -f "$median" ] || { echo "bench-realtime: the median template did not build" >&2; exit 1; }

work="$(mktemp -d)"
node_pid=""
cleanup() {
    [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
echo "bench-realtime: starting the optimized dev node (RPC 127.0.0.1:$port, log $work/node.log)"
"$CARGO_TARGET_DIR/release/concerto-node" --dev --base-path "$work/base" --rpc-port "$port" \
    --rpc-max-request-size 64 --rpc-max-response-size 64 \
    --prometheus-port 0 --port 0 --no-telemetry --no-mdns >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do
    curl -sf -H 'Content-Type: application/json' \
        -d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' \
        "http://127.0.0.1:$port" | grep -q '"number":"0x[1-9a-f]' && break
    sleep 1
done
echo "bench-realtime: $seconds s at up to $rate events/s"
"$CARGO_TARGET_DIR/release/concerto-loadgen" --rpc "http://127.0.0.1:$port" --template "$median" \
    --seconds "$seconds" --rate "$rate" "${extra[@]}"
