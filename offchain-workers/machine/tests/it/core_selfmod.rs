//! Self-modifying code must be seen at once by the next fetch, whatever the interpreter
//! caches (fetch-cache host pointer, predecoded instructions): 32-bit and compressed
//! patches of instructions that already ran or are about to run, patches of a page shared with a clone
//! (copy on write) and host writes between runs; continuous, chunked and cloned runs
//! agree on registers, mcycle and root hash.
#![allow(missing_docs)]

use crate::core_util::*;
use concerto_machine::{BreakReason, Machine};

const A3: u32 = 13;
const A4: u32 = 14;
const A5: u32 = 15;
const A6: u32 = 16;
const A1: u32 = 11;
const A2: u32 = 12;

fn sh(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s(imm, rs2, rs1, 1)
}

/// Loop of 3 iterations; each runs the instruction at offset 16, accumulates a4 into a3,
/// then patches offset 16 with a2. Iteration 1 sees `addi a4, x0, 1`, the rest see the
/// patch `addi a4, x0, 5`: a3 = 1 + 5 + 5 = 11 (a stale decode would give 3).
fn program_32() -> Vec<u32> {
    let mut p = vec![auipc(A1, 0), addi(A3, 0, 0)];
    p.extend([lui(A2, 0x00500), addi(A2, A2, 0x713)]); // a2 = addi a4, x0, 5
    assert_eq!(p.len(), 4);
    p.extend([
        addi(A4, 0, 1),   // 16: patched
        add(A3, A3, A4),  // 20
        sw(A2, A1, 16),   // 24
        addi(A5, A5, 1),  // 28
        addi(A6, 0, 3),   // 32
        blt(A5, A6, -20), // 36 -> 16
    ]);
    p.extend(halt());
    p
}

/// The same with compressed instructions: offset 16 holds `c.li a4, 1; c.addi a4, 0`
/// (hint); each iteration patches the *second* parcel into `c.addi a4, 4` first, then
/// the first parcel into `c.li a4, 5`. Iteration 1: a4 = 1 + 0; 2 and 3: 5 + 4.
/// a3 = 1 + 9 + 9 = 19.
fn program_16() -> Vec<u32> {
    const C_LI_A4_1: u32 = 0x4705;
    const C_LI_A4_5: u32 = 0x4715;
    const C_ADDI_A4_0: u32 = 0x0701;
    const C_ADDI_A4_4: u32 = 0x0711;
    // a1 = base, t2 = c.li a4, 5, a2 = c.addi a4, 4 (a3 starts at 0).
    let mut p = vec![
        auipc(A1, 0),
        lui(7, 0x4),
        addi(7, 7, (C_LI_A4_5 & 0xFFF) as i32),
    ];
    p.push(addi(A2, 0, C_ADDI_A4_4 as i32));
    assert_eq!(p.len(), 4);
    p.extend([
        C_LI_A4_1 | (C_ADDI_A4_0 << 16), // 16: two compressed instructions
        add(A3, A3, A4),                 // 20
        sh(A2, A1, 18),                  // 24: patch the second parcel
        sh(7, A1, 16),                   // 28: patch the first parcel
        addi(A5, A5, 1),                 // 32
        addi(A6, 0, 3),                  // 36
        blt(A5, A6, -24),                // 40 -> 16
    ]);
    p.extend(halt());
    p
}

/// A store patches an instruction further on in the same straight-line run, which then
/// runs in the same pass; a second store restores it. Each of 3 iterations sees the
/// patch `addi a4, x0, 5`: a3 = 15 (running the decode from before the store gives 3).
fn program_forward() -> Vec<u32> {
    const A7: u32 = 17;
    let mut p = vec![auipc(A1, 0), addi(A3, 0, 0)];
    p.extend([lui(A2, 0x00500), addi(A2, A2, 0x713)]); // a2 = addi a4, x0, 5
    p.extend([lui(A7, 0x00100), addi(A7, A7, 0x713)]); // a7 = addi a4, x0, 1
    assert_eq!(p.len(), 6);
    p.extend([
        sw(A2, A1, 36),   // 24: patch offset 36
        addi(A5, A5, 1),  // 28
        addi(A6, 0, 3),   // 32
        addi(A4, 0, 1),   // 36: patched just before it runs
        add(A3, A3, A4),  // 40
        sw(A7, A1, 36),   // 44: restore it
        blt(A5, A6, -24), // 48 -> 24
    ]);
    p.extend(halt());
    p
}

fn run_to_halt(m: &mut Machine, step: u64) {
    let mut end = m.mcycle();
    loop {
        end = end.saturating_add(step);
        if m.run(end).unwrap() == BreakReason::Halted {
            return;
        }
    }
}

fn check(words: &[u32], expected_a3: u64) {
    let mut whole = machine_with(words, 1 << 20);
    run_to_halt(&mut whole, u64::MAX);
    assert_eq!(whole.x(A3 as usize), expected_a3);
    let want = (whole.mcycle(), whole.root_hash());
    for step in [1u64, 2, 3, 5, 9] {
        let mut m = machine_with(words, 1 << 20);
        run_to_halt(&mut m, step);
        assert_eq!(m.x(A3 as usize), expected_a3, "step {step}");
        assert_eq!((m.mcycle(), m.root_hash()), want, "step {step}");
    }
    // Clones share the code page: each one's patch copies it (copy on write) and must
    // not leak into the other; both finish like the continuous run.
    for split in [3u64, 9, 14, 20] {
        let mut a = machine_with(words, 1 << 20);
        a.run(split).unwrap();
        let mut b = a.clone();
        run_to_halt(&mut a, u64::MAX);
        run_to_halt(&mut b, u64::MAX);
        assert_eq!(a.x(A3 as usize), expected_a3, "split {split}");
        assert_eq!((a.mcycle(), a.root_hash()), want, "split {split}");
        assert_eq!((b.mcycle(), b.root_hash()), want, "split {split}");
    }
}

#[test]
fn patched_32bit_instruction_is_refetched() {
    check(&program_32(), 11);
}

#[test]
fn patched_compressed_parcels_are_refetched() {
    check(&program_16(), 19);
}

#[test]
fn instruction_patched_ahead_in_the_same_run_is_refetched() {
    check(&program_forward(), 15);
}

#[test]
fn host_write_between_runs_is_seen() {
    // A loop `addi a3, a3, 1; j -4` runs for a while (decoded, cached), then the host
    // rewrites the addi into `addi a3, a3, 100` and the next run must use it.
    let words = [addi(A3, A3, 1), jal(0, -4)];
    let mut m = machine_with(&words, 1 << 20);
    m.run(1000).unwrap();
    assert_eq!(m.x(A3 as usize), 500);
    m.write_memory(RAM, &addi(A3, A3, 100).to_le_bytes())
        .unwrap();
    m.run(1002).unwrap();
    assert_eq!(m.x(A3 as usize), 600);
}
