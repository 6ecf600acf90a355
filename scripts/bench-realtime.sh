#!/usr/bin/env bash
# The real-time bench: builds the optimized node and load generator, starts a fresh chain
# itself, drives `concerto-loadgen` against it and prints its figures; the last two lines
# are
#   ingest: <N> events/s accepted, <N> sealed, <N> lost, verify ceiling <N>/s, <P>% of ceiling
#   latency: p50 <ms> ms, p95 <ms> ms, final p50 <ms> ms
# With 4 validators a fifth node, Eve, a plain full node, joins: the loadgen subscribes to
# quorum certificates there (a `certified: …` line before those two), and after the run
# its output index's size is printed (`index: …`, the last line).
#
# Usage: scripts/bench-realtime.sh [--validators 1|4] [--seconds N] [--rate EVENTS_PER_S]
#   and any further loadgen flags after `--` (see `concerto-loadgen --help`).
#   --validators 1 (default): the dev chain, Alice alone; default rate 12,000 events/s.
#   --validators 4: the `local` chain, Alice, Bob, Charlie and Dave as four processes on
#     this machine (own base path, libp2p and slots each, all booting from Alice); every
#     event is submitted to all four nodes; default rate 2,000 events/s; plus Eve.
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
        --prometheus-port 0 --no-telemetry --no-mdns --detailed-log-output)
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
certified=()
if [ "$chain" != dev ]; then
    # Eve: a plain full node (no keys); certificates reach it only by gossip.
    eve_port="$(free_port)"
    eve_metrics="$(free_port)"
    echo "bench-realtime: starting eve (plain full node; RPC 127.0.0.1:$eve_port, log $work/eve.log)"
    "$node" --base-path "$work/eve" --chain local --rpc-port "$eve_port" --port "$(free_port)" \
        --prometheus-port "$eve_metrics" --no-telemetry --no-mdns --detailed-log-output \
        --node-key "$(printf '%064x' 5)" "${boot[@]}" >"$work/eve.log" 2>&1 &
    pids+=($!)
    certified=(--certified "ws://127.0.0.1:$eve_port")
fi
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
    --seconds "$seconds" --rate "$rate" "${certified[@]}" "${extra[@]}"
if [ "$chain" != dev ]; then
    # From the attestation that completed each quorum being computed at its validator
    # (the slot's "🎼 topic T batch B:" line) to eve's certificate ("🎼 certified ...");
    # all five processes log with millisecond timestamps on this one clock.
    python3 - "$work" <<'PY'
import datetime, re, sys
work = sys.argv[1]
stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})")
def when(line):
    m = stamp.match(line)
    return datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f") if m else None
computed = {}
for name in ["alice", "bob", "charlie", "dave"]:
    for line in open(f"{work}/{name}.log", errors="replace"):
        m = re.search(r"🎼 topic (\d+) batch (\d+): \d+ events", line)
        if m and when(line):
            computed.setdefault((int(m[1]), int(m[2])), []).append(when(line))
deltas = []
for line in open(f"{work}/eve.log", errors="replace"):
    m = re.search(r"🎼 certified topic (\d+) batch (\d+): (\d+) of", line)
    times = sorted(computed.get((int(m[1]), int(m[2])), [])) if m else []
    if m and when(line) and len(times) >= int(m[3]):
        deltas.append((when(line) - times[int(m[3]) - 1]).total_seconds() * 1000)
deltas.sort()
if deltas:
    print(f"certificate: p50 {deltas[len(deltas) // 2]:.0f} ms, p95 {deltas[int(len(deltas) * 0.95)]:.0f} ms "
          f"from the quorum-completing attestation computed at its validator to the certificate at eve ({len(deltas)} batches)")
else:
    print("certificate: no certified batch matched in the logs")
PY
    outputs="$(curl -sf "http://127.0.0.1:$eve_metrics/metrics" | awk '$1 ~ /^concerto_index_outputs_total/ { print $2 }')"
    # Data files only (tables and write-ahead log), not RocksDB's own LOG, OPTIONS, MANIFEST.
    bytes="$(find "$work"/eve/chains/*/concerto-index -type f \( -name '*.sst' -o -name '[0-9]*.log' \) -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
    python3 -c 'import sys; o, b = int(float(sys.argv[1] or 0)), int(sys.argv[2]); print(f"index: {o} outputs with their batch events in {b} bytes of data files at eve ({b * 1000 // max(o, 1)} bytes per 1,000 outputs)")' "$outputs" "$bytes"
fi
