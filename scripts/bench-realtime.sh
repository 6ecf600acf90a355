#!/usr/bin/env bash
# The real-time bench: builds the optimized node and load generator, starts a fresh chain
# itself, drives `concerto-loadgen` against it and prints its figures; the last two lines
# are
#   ingest: <N> events/s accepted, <N> sealed, <N> lost, verify ceiling <N>/s, <P>% of ceiling
#   latency: p50 <ms> ms, p95 <ms> ms, final p50 <ms> ms
#
# Usage: scripts/bench-realtime.sh [--validators 1|4] [--seconds N] [--rate EVENTS_PER_S]
#   and any further loadgen flags after `--` (see `concerto-loadgen --help`).
#   --validators 1 (default): the dev chain, Alice alone; default rate 12,000 events/s.
#   --validators 4: the `local` chain, Alice, Bob, Charlie and Dave as four processes on
#     this machine (own base path, libp2p and slots each, all booting from Alice); every
#     event is submitted to all four nodes; default rate 2,000 events/s.
# Not part of CI (minutes of load on every core).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}"

seconds=60
rate=""
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
case "$validators" in
    1) names=(alice); chain=dev; rate="${rate:-12000}" ;;
    4) names=(alice bob charlie dave); chain=local; rate="${rate:-2000}" ;;
    *) echo "bench-realtime: --validators takes 1 (the dev chain) or 4 (the local chain), not $validators" >&2; exit 2 ;;
esac

bash scripts/build-release.sh
median="$(bash scripts/build-templates.sh | awk '$1 == "TEMPLATE" && $2 == "median" { print $3 }')"
[ -f "$median" ] || { echo "bench-realtime: the median template did not build" >&2; exit 1; }
node="$CARGO_TARGET_DIR/release/concerto-node"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
rpc() { # rpc PORT METHOD [PARAMS_JSON]
    curl -sf -H 'Content-Type: application/json' \
        -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":${3:-[]}}" \
        "http://127.0.0.1:$1"
}
wait_until() { # wait_until SECONDS WHAT COMMAND...
    local limit="$1" what="$2"
    shift 2
    for _ in $(seq 1 "$limit"); do
        "$@" && return 0
        sleep 1
    done
    echo "bench-realtime: $what within $limit s; node logs in $work (kept)" >&2
    trap - EXIT
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    exit 1
}

rpcs=()
boot=()
for i in "${!names[@]}"; do
    name="${names[$i]}"
    port="$(free_port)"
    p2p="$(free_port)"
    args=(--base-path "$work/$name" --rpc-port "$port" --port "$p2p"
        --rpc-max-request-size 64 --rpc-max-response-size 64
        --prometheus-port 0 --no-telemetry --no-mdns)
    if [ "$chain" = dev ]; then
        args+=(--dev)
    else
        # A validator of a non-dev chain needs a network key; a fixed one per name.
        args+=(--chain local "--$name" --node-key "$(printf '%064x' $(( i + 1 )))" "${boot[@]}")
    fi
    echo "bench-realtime: starting $name ($chain chain, optimized node; RPC 127.0.0.1:$port, log $work/$name.log)"
    "$node" "${args[@]}" >"$work/$name.log" 2>&1 &
    pids+=($!)
    rpcs+=("http://127.0.0.1:$port")
    if [ "$i" = 0 ] && [ "$chain" != dev ]; then
        wait_until 120 "alice did not answer system_localPeerId" rpc "$port" system_localPeerId
        peer="$(rpc "$port" system_localPeerId | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')"
        boot=(--bootnodes "/ip4/127.0.0.1/tcp/$p2p/p2p/$peer")
    fi
done
first_port="${rpcs[0]##*:}"
has_blocks() { rpc "$first_port" chain_getHeader | grep -q '"number":"0x[1-9a-f]'; }
wait_until 120 "no block was produced" has_blocks
if [ "$chain" != dev ]; then
    finalizes() {
        local head
        head="$(rpc "$first_port" chain_getFinalizedHead | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')"
        rpc "$first_port" chain_getHeader "[\"$head\"]" | grep -q '"number":"0x[1-9a-f]'
    }
    wait_until 180 "the ${#names[@]} validators did not finalize a block" finalizes
fi
echo "bench-realtime: ${#names[@]} validator(s) up; $seconds s at up to $rate events/s"
"$CARGO_TARGET_DIR/release/concerto-loadgen" --rpc "${rpcs[@]}" --template "$median" \
    --seconds "$seconds" --rate "$rate" "${extra[@]}"
