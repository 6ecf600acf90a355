#!/usr/bin/env bash
# Builds every Concerto machine template (offchain-workers/templates, its own cargo
# workspace) in release for riscv64imac-unknown-none-elf and prints, per template:
#   <name> <ELF path> <size in bytes> blake2b-256:<hex>
# The content hash is BLAKE2b with a 256-bit digest (`b2sum -l 256`, the same function as
# Substrate's blake2_256), the hash the chain stores templates by.
#
# Usage: scripts/build-templates.sh
#   CARGO_TARGET_DIR   where cargo builds (default: offchain-workers/templates/target)
# The last lines of stdout are machine-readable: `TEMPLATE <name> <path> <size> <hash>`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
templates="$root/offchain-workers/templates"
target_dir="${CARGO_TARGET_DIR:-$templates/target}"

# .cargo/config.toml (target triple, linker script) is found from the working directory.
cd "$templates"
rustup target list --installed 2>/dev/null | grep -qx riscv64imac-unknown-none-elf \
    || rustup target add riscv64imac-unknown-none-elf >&2
# Reproducible bytes (the content hash must not depend on where the sources live):
# strip local paths from panic locations. RUSTFLAGS replaces the config's rustflags, so
# the linker script argument is repeated here.
unset CARGO_ENCODED_RUSTFLAGS
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
sysroot="$(rustc --print sysroot)"
export RUSTFLAGS="-C link-arg=-Tlink.x --remap-path-prefix=$sysroot=/sysroot --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$templates=/templates --remap-path-prefix=$root=/concerto"
CARGO_TARGET_DIR="$target_dir" cargo build --release --locked --bins >&2

out="$target_dir/riscv64imac-unknown-none-elf/release"
# hostile (node end-to-end tests) and sdk-probe (harness tests) are test templates, listed last.
for name in eth-verifier median price-feed hostile sdk-probe; do
    elf="$out/$name"
    size=$(stat -c %s "$elf")
    hash=$(b2sum -l 256 "$elf" | cut -d' ' -f1)
    echo "TEMPLATE $name $elf $size blake2b-256:$hash"
done
