#!/usr/bin/env python3
"""Keeps only the `deploy` and `call` function exports of a Wasm module.

pallet-contracts refuses any other export, and rustc's wasm linker always exports the
globals `__heap_base` and `__data_end`. Usage: wasm-contract-exports.py IN OUT
"""
import sys

KEEP = {b"deploy", b"call"}
FUNC = 0x00
EXPORT_SECTION = 7


def leb(data, at):
    """Reads an unsigned LEB128 at `at`: (value, next offset)."""
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def uleb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def main(src, dst):
    data = open(src, "rb").read()
    if data[:8] != b"\0asm\x01\0\0\0":
        sys.exit(f"{src}: not a Wasm 1 module")
    out = bytearray(data[:8])
    at = 8
    kept = set()
    while at < len(data):
        section = data[at]
        size, body = leb(data, at + 1)
        end = body + size
        if section == EXPORT_SECTION:
            count, p = leb(data, body)
            exports = []
            for _ in range(count):
                length, p = leb(data, p)
                name = data[p:p + length]
                p += length
                kind = data[p]
                index, q = leb(data, p + 1)
                entry = data[p - length - len(uleb(length)):q]
                p = q
                if kind == FUNC and name in KEEP:
                    exports.append(entry)
                    kept.add(name)
            payload = uleb(len(exports)) + b"".join(exports)
            out += bytes([EXPORT_SECTION]) + uleb(len(payload)) + payload
        else:
            out += data[at:end]
        at = end
    if kept != KEEP:
        sys.exit(f"{src}: missing exports {sorted(n.decode() for n in KEEP - kept)}")
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
