#!/usr/bin/env bash
# Machine speed, side by side: this checkout's `concerto-machine` against a baseline
# build of an earlier commit, as whole-process figures.
#
#   scripts/bench-machine.sh [--baseline REV] [--pairs N] [--programs "tight alu mem keccak"]
#
# Builds both CLIs with the release profile (each in its own target dir under
# $HOME/.cache/concerto-machine-bench, so neither disturbs the workspace build), builds
# the guest programs of offchain-workers/machine/benches/programs with
# riscv64-unknown-elf-gcc at the sizes below, then runs each program N times with each
# binary in turn (current, baseline, current, ...). Both must agree on mcycle, exit code
# and root hash, run by run, or the script stops. For each program it prints
#   <program>: <MIPS> MIPS, <ratio>x baseline
# where MIPS is mcycle over the median wall time of the current binary, and the ratio is
# the median over the pairs of baseline time / current time.
#
# The default baseline, 400a205, is main before the block interpreter (issue 18).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

baseline=400a205
pairs=7
programs="tight alu mem keccak"
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) baseline=$2; shift 2 ;;
        --pairs) pairs=$2; shift 2 ;;
        --programs) programs=$2; shift 2 ;;
        *) echo "bench-machine: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
done

cache="$HOME/.cache/concerto-machine-bench"
mkdir -p "$cache"
build() { # build DIR TARGET_DIR
    (cd "$1" && CARGO_TARGET_DIR="$2" cargo build --quiet --release -p concerto-machine \
        --features cli --bin concerto-machine)
}

rev=$(git rev-parse --short "$baseline^{commit}" 2>/dev/null) || {
    echo "bench-machine: '$baseline' is not a commit of this repository; pass --baseline REV" >&2
    exit 2
}
echo "bench-machine: building the current CLI (release) and the baseline at $rev"
build "$root" "$cache/current"
current="$cache/current/release/concerto-machine"
old="$cache/baseline-$rev/release/concerto-machine"
if [ ! -x "$old" ]; then
    tree=$(mktemp -d)
    git worktree add --detach --quiet "$tree" "$rev"
    build "$tree" "$cache/baseline-$rev"
    git worktree remove --force "$tree"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$root/offchain-workers/machine/benches/programs"
asm="$root/offchain-workers/machine/tests/asm"
gcc_flags=(-march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -nostdlib
    -nostartfiles -static -ffreestanding -T "$asm/link.ld" -I "$asm")
cc() { riscv64-unknown-elf-gcc "${gcc_flags[@]}" "$@"; }
cc "$src/tight_loop.S" -DITERS=100000000 -o "$work/tight.elf"        # 200 M cycles
cc "$src/alu_loop.S" -DITERS='(10 << 24)' -o "$work/alu.elf"        # 1.34 G
cc "$src/mem_loop.S" -DPASSES=640 -o "$work/mem.elf"                # 336 M
cc -O2 "$src/start.S" "$src/keccak.c" -DROUNDS=2000 -o "$work/keccak.elf" # 584 M

# run BINARY PROGRAM -> "<seconds> <mcycle> <exit code> <root hash>"
run() {
    local t0 t1 out
    t0=$(date +%s%N)
    out=$("$1" run "$work/$2.elf" --ram-length 32Mi)
    t1=$(date +%s%N)
    echo "$(( t1 - t0 )) $(grep -oP 'mcycle: \K\d+' <<<"$out") \
$(grep -oP 'exit code: \K\d+' <<<"$out") $(grep -oP 'root hash: \K\w+' <<<"$out")"
}

for p in $programs; do
    [ -f "$work/$p.elf" ] || { echo "bench-machine: no program '$p' (tight alu mem keccak)" >&2; exit 2; }
    echo "bench-machine: $p, $pairs pairs" >&2
    python3 - "$p" "$pairs" 3< <(
        for _ in $(seq "$pairs"); do
            echo "$(run "$current" "$p") $(run "$old" "$p")"
        done
    ) <<'EOF'
import os, statistics, sys
name, pairs = sys.argv[1], int(sys.argv[2])
new_t, ratios, mcycle = [], [], None
with os.fdopen(3) as runs:
    for line in runs:
        tn, mn, en, hn, to, mo, eo, ho = line.split()
        if (mn, en, hn) != (mo, eo, ho):
            sys.exit(f"bench-machine: {name}: current and baseline disagree: "
                     f"mcycle {mn}/{mo}, exit code {en}/{eo}, root {hn}/{ho}")
        mcycle = int(mn)
        new_t.append(int(tn) / 1e9)
        ratios.append(int(to) / int(tn))
t = statistics.median(new_t)
print(f"{name}: {mcycle / t / 1e6:.0f} MIPS, {statistics.median(ratios):.2f}x baseline"
      f" ({mcycle / 1e6:.0f} M cycles; ratio min {min(ratios):.2f}, max {max(ratios):.2f})")
EOF
done
