#!/usr/bin/env bash
# Builds the pallet-contracts contracts (contracts/, their own cargo workspace) in release
# for wasm32v1-none, keeps only their `deploy` and `call` exports (what pallet-contracts
# accepts), and prints, per contract:
#   CONTRACT <name> <Wasm path> <size in bytes>
#
# Usage: scripts/build-contracts.sh
#   CARGO_TARGET_DIR   where cargo builds (default: contracts/target)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/contracts/target}"

# .cargo/config.toml (target, linker arguments) is found from the working directory.
cd "$root/contracts"
rustup target list --installed 2>/dev/null | grep -qx wasm32v1-none \
    || rustup target add wasm32v1-none >&2
unset CARGO_ENCODED_RUSTFLAGS RUSTFLAGS
CARGO_TARGET_DIR="$target_dir" cargo build --release --locked >&2

out="$target_dir/wasm32v1-none/release"
for name in settlement; do
    built="$out/concerto_${name}.wasm"
    wasm="$out/$name.contract.wasm"
    python3 "$root/scripts/wasm-contract-exports.py" "$built" "$wasm"
    echo "CONTRACT $name $wasm $(stat -c %s "$wasm")"
done
