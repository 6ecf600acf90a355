#!/usr/bin/env bash
# Installs what a fresh Debian machine needs to build and test Concerto. Idempotent:
# quick when everything is already there.
set -euo pipefail

need_apt=()
for pkg in protobuf-compiler clang libclang-dev gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf mold; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing apt packages: ${need_apt[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null 2>&1; then
    echo "setup: rustup is required (https://rustup.rs); install it and re-run" >&2
    exit 1
fi
installed_targets=$(rustup target list --installed)
for t in wasm32-unknown-unknown wasm32v1-none riscv64imac-unknown-none-elf; do
    grep -qx "$t" <<<"$installed_targets" || { echo "setup: adding rust target $t"; rustup target add "$t"; }
done
rustup component list --installed | grep -q '^rust-src' || { echo "setup: adding rust-src"; rustup component add rust-src; }
# The JavaScript client (clients/js, an npm workspace) and its tests: Node.js >= 20 and the
# locked npm packages at the repository root.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup: Node.js >= 20 with npm is required (https://nodejs.org); install it and re-run" >&2
    exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "setup: Node.js $(node --version) is too old; the client needs >= 20" >&2
    exit 1
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$root/node_modules/.package-lock.json" ] \
    || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    echo "setup: installing npm packages (npm ci)"
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: ok"
