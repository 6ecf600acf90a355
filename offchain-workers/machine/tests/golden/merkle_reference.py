#!/usr/bin/env python3
"""Independent reference for concerto-machine's Merkle hashing (golden vectors).

Follows the Cartesi machine v0.19 rules of docs/cartesi-v0.19.md (§5.5 and §6) directly,
with Keccak-256 from pycryptodome (`pip install pycryptodome`), not tiny-keccak:

- state tree: 2^64-byte address space, leaf = keccak256(32 raw bytes),
  node = keccak256(left || right), all-zero ranges hash to the pristine chain;
- outputs tree (libcmt): height 63, leaf = keccak256(output), empty leaf = 32 zero bytes.

The memory image is a dict {page address: 4096 bytes}; nodes are computed by plain
recursion over the address space, descending only into ranges that contain a page.
Writes JSON to stdout:

    python3 tests/golden/merkle_reference.py > tests/golden/vectors.json
"""

import bisect
import json

from Crypto.Hash import keccak

PAGE = 4096
LOG2_PAGE = 12
LOG2_WORD = 5
LOG2_ROOT = 64
OUTPUTS_HEIGHT = 63


def keccak256(data: bytes) -> bytes:
    h = keccak.new(digest_bits=256)
    h.update(data)
    return h.digest()


# Pristine chain: P5 = keccak(0^32), P(n+1) = keccak(Pn || Pn).
PRISTINE = {LOG2_WORD: keccak256(bytes(32))}
for _log2 in range(LOG2_WORD + 1, LOG2_ROOT + 1):
    PRISTINE[_log2] = keccak256(PRISTINE[_log2 - 1] * 2)


def hash_bytes(data: bytes) -> bytes:
    """Merkle hash of an aligned range given all of its bytes (length a power of two >= 32)."""
    assert len(data) >= 32 and len(data) & (len(data) - 1) == 0
    if len(data) == 32:
        return keccak256(data)
    half = len(data) // 2
    return keccak256(hash_bytes(data[:half]) + hash_bytes(data[half:]))


def hash_range(data: bytes, log2_size: int) -> bytes:
    """Merkle hash of a 2^log2_size range holding `data` followed by zeros."""
    assert len(data) <= 1 << log2_size
    if not any(data):
        return PRISTINE[log2_size]
    if log2_size <= 16:
        return hash_bytes(data + bytes((1 << log2_size) - len(data)))
    half = 1 << (log2_size - 1)
    return keccak256(hash_range(data[:half], log2_size - 1) + hash_range(data[half:], log2_size - 1))


class Image:
    """A sparse 2^64-byte memory image."""

    def __init__(self, writes, constants=()):
        # constants: ((address, log2_size, hash), ...) nodes whose hash is fixed (uarch node).
        self.constants = {(a, l): h for a, l, h in constants}
        self.pages = {}
        for address, data in writes:
            for i, byte in enumerate(data):
                a = address + i
                page = self.pages.setdefault(a & ~(PAGE - 1), bytearray(PAGE))
                page[a % PAGE] = byte
        self.sorted = sorted(self.pages)

    def page(self, address: int) -> bytes:
        return bytes(self.pages.get(address, bytes(PAGE)))

    def has_pages_in(self, address: int, log2_size: int) -> bool:
        i = bisect.bisect_left(self.sorted, address)
        return i < len(self.sorted) and self.sorted[i] < address + (1 << log2_size)

    def node(self, address: int, log2_size: int) -> bytes:
        assert address % (1 << log2_size) == 0
        if (address, log2_size) in self.constants:
            return self.constants[(address, log2_size)]
        if log2_size <= LOG2_PAGE:
            page = self.page(address & ~(PAGE - 1))
            offset = address % PAGE
            return hash_bytes(page[offset:offset + (1 << log2_size)])
        if not self.has_pages_in(address, log2_size) and not any(
            a >> log2_size == address >> log2_size and l < log2_size for a, l in self.constants
        ):
            return PRISTINE[log2_size]
        half = 1 << (log2_size - 1)
        return keccak256(self.node(address, log2_size - 1) + self.node(address + half, log2_size - 1))

    def proof_siblings(self, address: int, log2_size: int):
        """Siblings from the target's level up to level 63 (Cartesi JSON order)."""
        return [self.node((address >> level ^ 1) << level, level) for level in range(log2_size, LOG2_ROOT)]


def outputs_root(outputs) -> bytes:
    """libcmt outputs root by recursion over the height-63 tree (empty leaf = 0^32)."""
    leaves = [keccak256(o) for o in outputs]
    empty = [bytes(32)]
    for _ in range(OUTPUTS_HEIGHT):
        empty.append(keccak256(empty[-1] * 2))

    def node(height: int, index: int) -> bytes:
        first = index << height
        if first >= len(leaves):
            return empty[height]
        if height == 0:
            return leaves[index]
        return keccak256(node(height - 1, 2 * index) + node(height - 1, 2 * index + 1))

    return node(OUTPUTS_HEIGHT, 0)


def hx(b: bytes) -> str:
    return b.hex()


def pattern(length: int, seed: int) -> bytes:
    """Deterministic non-trivial bytes (a small LCG), identical in the Rust tests' inputs."""
    out, x = bytearray(), seed
    for _ in range(length):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(x >> 16 & 0xFF)
    return bytes(out)


IMAGES = {
    "empty": [],
    "ram_page_of_ones": [(0x8000_0000, b"\x01" * PAGE)],
    "ram_word": [(0x8000_0000, bytes(range(1, 33)))],
    "cmio_rx_hello": [(0x6000_0000, b"hello world")],
    "mixed": [
        (0x0, (0x1234_5678_9ABC_DEF0).to_bytes(8, "little")),
        (0x6000_0000, b"hello world"),
        (0x8000_0000, b"\x01" * PAGE),
        (0x8000_2000, pattern(3 * PAGE + 100, 7)),
        (0x8000_0000_0000_0000, pattern(64, 11)),
        (0xFFFF_FFFF_FFFF_FFE0, b"\xff" * 32),
    ],
}

# docs/cartesi-v0.19.md §6.3: hash of the uarch node (0x40_0000, log2 22) in its reset state.
UARCH_NODE = (0x40_0000, 22, bytes.fromhex("1bbf39b2c4324c9c8862b8e5550fe35b06ebccb0dcd2c3f114cc1411813ca5fc"))
CONSTANTS = {"empty_with_uarch": [UARCH_NODE], "mixed_with_uarch": [UARCH_NODE]}
IMAGES["empty_with_uarch"] = []
IMAGES["mixed_with_uarch"] = IMAGES["mixed"]

QUERIES = [
    (0x0, 64), (0x0, 63), (0x0, 23), (0x40_0000, 22), (0x0, 12), (0x0, 5),
    (0x6000_0000, 5), (0x6000_0000, 12), (0x6000_0000, 21),
    (0x8000_0000, 5), (0x8000_0020, 5), (0x8000_0000, 6), (0x8000_0000, 12),
    (0x8000_0000, 13), (0x8000_2000, 13), (0x8000_0000, 14), (0x8000_0000, 25), (0x8000_0000, 31),
    (0x8000_0000_0000_0000, 63), (0xFFFF_FFFF_FFFF_F000, 12), (0xFFFF_FFFF_FFFF_FFE0, 5),
]

PROOFS = [
    ("mixed", 0x8000_0000, 5), ("mixed", 0x8000_2000, 12), ("mixed", 0x8000_0000, 25),
    ("mixed_with_uarch", 0x8000_3040, 6), ("mixed_with_uarch", 0x40_0000, 22),
]

RANGES = [
    ("hello", b"hello", 5), ("hello", b"hello", 6), ("hello", b"hello", 12), ("hello", b"hello", 21),
    ("ones_64", b"\x01" * 64, 6), ("pattern_page", pattern(PAGE, 3), 12),
    ("pattern_page", pattern(PAGE, 3), 13), ("pattern_page", pattern(PAGE, 3), 20),
    ("pattern_page", pattern(PAGE, 3), 64),
]

OUTPUTS = {
    "none": [],
    "one_hello": [b"hello"],
    "three": [b"hello", b"", bytes.fromhex("deadbeef") + pattern(100, 5)],
    "five": [pattern(n * 13, n) for n in range(5)],
}


def main():
    # Constants of docs/cartesi-v0.19.md §6.1 and §5.5 are checked before anything is written.
    assert hx(PRISTINE[5]) == "290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563"
    assert hx(PRISTINE[12]) == "292c23a9aa1d8bea7e2435e555a4a60e379a5a35f3f452bae60121073fb6eead"
    assert hx(PRISTINE[64]) == "31d0f66ab43019856780cb246cfd37b0c190d17111d5c016f19ba715ee622dc5"
    assert hx(outputs_root([])) == "0a162946e56158bac0673e6dd3bdfdc1e4a0e7744a120fdb640050c8d7abe1c6"
    assert hx(outputs_root([b"hello"])) == "670c5332b66dc0d192188efa99826ce9dc7b1b1dc7628e8d080ea1a34a13fcb8"

    images = {}
    for name, writes in IMAGES.items():
        constants = CONSTANTS.get(name, [])
        image = Image(writes, constants)
        images[name] = image
        images_json = {
            "writes": [{"address": hex(a), "data": hx(d)} for a, d in writes],
            "constants": [{"address": hex(a), "log2_size": l, "hash": hx(h)} for a, l, h in constants],
            "root": hx(image.node(0, LOG2_ROOT)),
            "nodes": [{"address": hex(a), "log2_size": l, "hash": hx(image.node(a, l))} for a, l in QUERIES],
        }
        images[name + "/json"] = images_json

    vectors = {
        "derivation": "tests/golden/merkle_reference.py (pycryptodome Keccak-256); see README.md",
        "pristine": {str(l): hx(PRISTINE[l]) for l in range(LOG2_WORD, LOG2_ROOT + 1)},
        "images": {n: images[n + "/json"] for n in IMAGES},
        "proofs": [
            {
                "image": name,
                "address": hex(a),
                "log2_size": l,
                "target_hash": hx(images[name].node(a, l)),
                "root": hx(images[name].node(0, LOG2_ROOT)),
                "siblings": [hx(s) for s in images[name].proof_siblings(a, l)],
            }
            for name, a, l in PROOFS
        ],
        "ranges": [{"name": n, "data": hx(d), "log2_size": l, "hash": hx(hash_range(d, l))} for n, d, l in RANGES],
        "outputs": {n: {"outputs": [hx(o) for o in outs], "root": hx(outputs_root(outs))} for n, outs in OUTPUTS.items()},
    }
    print(json.dumps(vectors, indent=1))


if __name__ == "__main__":
    main()
