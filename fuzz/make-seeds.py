#!/usr/bin/env python3
"""Writes the hand-made starting inputs of each fuzz target into corpus/<target>/seed-*.

The committed corpus grew from these by fuzzing (scripts/fuzz.sh with FUZZ_MERGE=1);
rerun this only to start a corpus again. SCALE is encoded by hand here so the seeds do
not come from the code under test.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
RAM = 0x8000_0000


def compact(n):
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return struct.pack("<H", (n << 2) | 1)
    if n < 1 << 30:
        return struct.pack("<I", (n << 2) | 2)
    raise ValueError(n)


def vec(b):
    return compact(len(b)) + b


def seq(items):
    return compact(len(items)) + b"".join(items)


def u32(n):
    return struct.pack("<I", n)


def u64(n):
    return struct.pack("<Q", n)


def u128(n):
    return n.to_bytes(16, "little")


def option(b):
    return b"\x00" if b is None else b"\x01" + b


def elf(segments, entry=RAM):
    """An ELF64 LE RISC-V executable; segments: (paddr, code bytes, mem size)."""
    phoff = 64
    data_at = phoff + 56 * len(segments)
    head = bytes([0x7F]) + b"ELF" + bytes([2, 1, 1]) + bytes(9)
    head += struct.pack("<HHIQQQIHHHHHH", 2, 243, 1, entry, phoff, 0, 0, 64, 56,
                        len(segments), 0, 0, 0)
    phdrs, body, offset = b"", b"", data_at
    for paddr, code, mem in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, 7, offset, paddr, paddr, len(code), mem, 4096)
        body += code
        offset += len(code)
    return head + phdrs + body


def insns(*words):
    return b"".join(struct.pack("<I", w) for w in words)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# elf_load: loops, traps, memory traffic, an HTIF write, .bss, a second segment, an
# entry point past the RAM start.
LOOP = insns(0x0000006F)  # j .
ECALL = insns(0x00000073)
ILLEGAL = insns(0x00000000)
# lui a0,0x80001; li a1,42; sd a1,0(a0); ld a2,0(a0); addi a1,a1,-1; bnez a1,-12; ebreak
MEM = insns(0x80001537, 0x02A00593, 0x00B53023, 0x00053603, 0xFFF58593, 0xFE059AE3, 0x00100073)
# lui a0,0x40008 (HTIF tohost); li a1,1; slli a1,a1,56; sd a1,0(a0); j .
HTIF = insns(0x40008537, 0x00100593, 0x03859593, 0x00B53023, 0x0000006F)
write("elf_load", "loop", elf([(RAM, LOOP, 4)]))
write("elf_load", "ecall", elf([(RAM, ECALL, 4)]))
write("elf_load", "illegal", elf([(RAM, ILLEGAL, 4)]))
write("elf_load", "memory", elf([(RAM, MEM, len(MEM))]))
write("elf_load", "htif", elf([(RAM, HTIF, len(HTIF))]))
write("elf_load", "bss", elf([(RAM, LOOP, 0x2000), (RAM + 0x4000, b"\x01\x02", 0x8000)]))
write("elf_load", "entry", elf([(RAM, ILLEGAL + LOOP, 8)], entry=RAM + 4))

# input_decode: each Input with the templates' payloads and configurations.
header = u32(1) + u64(2) + u32(10) + u32(19)
median_config = u64(60_000) + u32(2)
verifier_config = u32(2) + u32(7)
tick = u32(3) + u128(500_000_000) + u64(1_700_000_000_000)
envelope = u32(7) + bytes([3] * 32) + u64(9) + u32(100)
claim = vec(bytes([0xF9, 0x02, 0x00]) + bytes(16)) + u32(0) + seq([vec(b"\xC0" * 3)]) + u32(1)
write("input_decode", "header-median", b"\x00" + header + vec(median_config))
write("input_decode", "header-verifier", b"\x00" + header + vec(verifier_config))
write("input_decode", "event-tick", b"\x01" + envelope + vec(tick))
write("input_decode", "event-labelled", b"\x01" + envelope + vec(tick + vec(b"binance")))
write("input_decode", "event-observation", b"\x01" + envelope + vec(b"\x00" + u64(19_000_000) + bytes([0xAA] * 32)))
write("input_decode", "event-claim", b"\x01" + envelope + vec(b"\x01" + claim))
write("input_decode", "end", b"\x02" + u64(2))
# AttestationResult<Vec<u8>>: roots, inline outputs, cycles, verdict (accepted).
result = bytes([1] * 32) + bytes([2] * 32) + bytes([3] * 32) + b"\x00" + vec(seq([vec(b"out")])) + u64(477_747) + b"\x00"
write("input_decode", "attestation-result", result)

# certificate_decode: a gossip message and a certificate (signatures are not valid).
attestation = u32(0) + u64(5) + bytes([4] * 32) + bytes([5] * 32) + result
write("certificate_decode", "signed-attestation", attestation + bytes([6] * 64))
write("certificate_decode", "certificate",
      u32(0) + u64(5) + bytes([4] * 32) + result + seq([bytes([5] * 32) + bytes([6] * 64)] * 2))

# slot_frames: a conversation each way (u32 LE length, then the SCALE value).
def frame(b):
    return u32(len(b)) + b


limits = u64(1 << 20) + u64(20_000) + u64(50_000) + u32(4096)
child = u64(10) + u64(20_000) + u64(1 << 30)
hello = b"\x00" + u32(3) + b"\x01" + option(u32(4)) + option(vec(b"/var/cache/concerto"))
# The job's state: 0 stateless, 1 fresh, 2 a snapshot (its bytes).
job_inline = b"\x00" + vec(elf([(RAM, LOOP, 4)])) + limits + seq([vec(b"\x02" + u64(0))]) \
    + b"\x00"
job_cached = b"\x01" + bytes([8] * 32) + limits + seq([]) + b"\x02" + vec(b"CONCSNAP")
write("slot_frames", "requests", frame(b"\x02") + frame(hello)
      + frame(b"\x01" + job_inline + child) + frame(b"\x01" + job_cached + child))
report = b"\x01" + option(None) + option(u32(4)) + option(None)
job_result = option(None) + seq([vec(b"out")]) + seq([]) + seq([u32(1)]) \
    + bytes([1] * 32) + bytes([2] * 32) + bytes([3] * 32) + u64(1000) + bytes([9] * 32)
# JobDone: the result and the next state (none, or a snapshot's bytes).
done = job_result + option(vec(b"CONCSNAP"))
write("slot_frames", "responses", frame(b"\x02" + report) + frame(b"\x00" + u32(3) + u32(4242))
      + frame(b"\x01\x00" + done) + frame(b"\x01\x01" + b"\x00" + u64(20_000))
      + frame(b"\x03" + b"\x05" + vec(b"landlock refused")))
write("slot_frames", "child-answer", frame(b"\x00" + vec(b"\x00" + done)) + frame(b"\x01\x02"))
