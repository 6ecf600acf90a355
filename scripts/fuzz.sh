#!/usr/bin/env bash
# Fuzzes Concerto's decoders of hostile input (the targets in fuzz/fuzz_targets) with
# libFuzzer, on the stable compiler: the targets are built with the coverage
# instrumentation cargo-fuzz would add (SanitizerCoverage through rustc's -C flags; no
# nightly, no cargo-fuzz binary), then each runs for a bounded time from its corpus in
# fuzz/corpus/<target>.
#
#   scripts/fuzz.sh                 every target, FUZZ_SECONDS (default 60) each
#   scripts/fuzz.sh elf_load        one target
#   FUZZ_MERGE=1 scripts/fuzz.sh    afterwards, fold what the run found into the corpus
#                                   in the repository (libFuzzer's -merge=1 keeps only
#                                   inputs that add coverage)
#
# A crash, a failed assertion, a single allocation over 128 MiB (fuzz/src/lib.rs: no
# length read from the input may size one), more than 2 GiB resident or an input that
# runs over 10 s fails the script; libFuzzer writes the input to fuzz/artifacts/<target>/, and
# `<binary> <that file>` replays it. Prints executions per target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/concerto-target}/fuzz"
seconds="${FUZZ_SECONDS:-60}"
all=(elf_load input_decode certificate_decode snapshot_decode slot_frames)
targets=("${all[@]}")
[ $# -gt 0 ] && targets=("$@")
host=x86_64-unknown-linux-gnu

# The flags cargo-fuzz passes for `--sanitizer none`: edge coverage with inline 8-bit
# counters, the PC table and comparison tracing, and `cfg(fuzzing)`. RUSTFLAGS replaces
# the repository's link flags, so mold is named again.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Clink-arg=-fuse-ld=mold"
echo "fuzz: building ${targets[*]} (instrumented, release with debug assertions) in $CARGO_TARGET_DIR"
build_args=()
for t in "${targets[@]}"; do build_args+=(--bin "$t"); done
# Linted like the main build (clippy-driver compiles the fuzz crate; CONCERTO_DENY_WARNINGS=1
# in CI fails on any warning).
cargo build --manifest-path fuzz/Cargo.toml --release --locked --target "$host" "${build_args[@]}" \
    --message-format=json-diagnostic-rendered-ansi | python3 scripts/warnings-gate.py

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    corpus="fuzz/corpus/$t"
    mkdir -p "$corpus" "fuzz/artifacts/$t" "$work/$t"
    seeds=$(find "$corpus" -type f | wc -l)
    echo "fuzz: $t for ${seconds} s from ${seeds} corpus inputs"
    # New inputs go to a scratch directory (the first one named); the repository's corpus
    # is only read, unless FUZZ_MERGE asks for them below.
    if ! "$CARGO_TARGET_DIR/$host/release/$t" "$work/$t" "$corpus" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" \
        >"$work/$t.log" 2>&1; then
        tail -n 40 "$work/$t.log" >&2
        echo "fuzz: $t failed; the input is in fuzz/artifacts/$t/ (replay: $CARGO_TARGET_DIR/$host/release/$t <file>)" >&2
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
    found=$(find "$work/$t" -type f | wc -l)
    echo "fuzz: $t: ${execs:-?} executions in ${seconds} s, no crash; ${found} new inputs"
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
        "$CARGO_TARGET_DIR/$host/release/$t" -merge=1 -max_len=65536 "$corpus" "$work/$t" \
            >"$work/$t.merge.log" 2>&1
        echo "fuzz: $t: corpus now $(find "$corpus" -type f | wc -l) inputs"
    fi
done
