//! The examples measured on Cartesi v0.19 (docs/cartesi-v0.19.md §3.2, §6.5, §7).
#![allow(missing_docs)]

use crate::core_util::*;
use concerto_machine::constants::reg;
use concerto_machine::{BreakReason, Machine, MachineConfig};

const T0: u32 = 5;
const T1: u32 = 6;
const T2: u32 = 7;
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const A3: u32 = 13;

fn halt_program() -> Vec<u32> {
    vec![addi(T1, 0, 1), lui(T2, 0x40008), sd(T1, T2, 0), SPIN]
}

#[test]
fn halt_program_cycles() {
    let mut m = machine_with(&halt_program(), 0x1_0000);
    assert_eq!(m.run(2).unwrap(), BreakReason::ReachedTargetMcycle);
    assert_eq!(m.mcycle(), 2);
    assert_eq!(m.pc(), 0x8000_0008);
    assert_eq!(m.run(3).unwrap(), BreakReason::Halted);
    assert_eq!(m.mcycle(), 3);
    assert_eq!(m.pc(), 0x8000_000C);
    assert_eq!(m.tohost(), 1);
    assert_eq!(m.exit_code(), Some(0));
    assert_eq!(m.run(100).unwrap(), BreakReason::Halted);
    assert_eq!(m.mcycle(), 3);
    assert!(m.run(2).is_err());
    let mut fresh = machine_with(&halt_program(), 0x1_0000);
    assert_eq!(fresh.run(0).unwrap(), BreakReason::ReachedTargetMcycle);
    assert_eq!(BreakReason::Halted.code(), 1);
    assert_eq!(BreakReason::ReachedTargetMcycle.code(), 5);
}

#[test]
fn golden_root_hashes() {
    let mut m = Machine::new(MachineConfig::new(0x1_0000)).unwrap();
    assert_eq!(
        hex::encode(m.range_hash(0, 12).unwrap()),
        "cb8e6a698abf11c2b7a32f580637fb92b1c7f3bcf7d681d1995fe1fcf0d19897"
    );
    assert_eq!(
        hex::encode(m.range_hash(0x1_0000, 12).unwrap()),
        "9b18a49bfc8bb0876cf9bb5aae28b3d305365d53ff42864df79b1cacae4d6d86"
    );
    assert_eq!(
        hex::encode(m.range_hash(0x2_0000, 15).unwrap()),
        "c4da1e18b66d367d3752b485ec269c5b1db9a404f138aa054efb1941bcc21fec"
    );
    assert_eq!(
        hex::encode(m.range_hash(0x7FF0_0000, 20).unwrap()),
        "3f71fc2b58ec3fdc8d90f7a3a5de13972e9da04c637d2aae6741fa408b7247b7"
    );
    assert_eq!(
        hex::encode(m.root_hash()),
        "ac59606350959669da7188fb23dacd0de9fb4bbca052d624fd23b5dcf04ff98c"
    );

    let mut h = machine_with(&halt_program(), 0x1_0000);
    assert_eq!(
        hex::encode(h.root_hash()),
        "6dc4c98b5d7eb141dc1119da0e4f2bf1b2ae75646c71609d11754fa918232c32"
    );
    assert_eq!(h.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(
        hex::encode(h.root_hash()),
        "db33e1f40b03324b4866905e1927d6e176524f238b80c36d58527a71cf64ad53"
    );
    // An HTIF page stays pristine.
    assert_eq!(
        hex::encode(h.range_hash(0x4000_8000, 12).unwrap()),
        "292c23a9aa1d8bea7e2435e555a4a60e379a5a35f3f452bae60121073fb6eead"
    );

    let mut big = Machine::new(MachineConfig::new(32 << 20)).unwrap();
    assert_eq!(
        hex::encode(big.root_hash()),
        "01ea6b3d58a608c249738d97da82b7c1da3be1c6d96fd22a7be3a3e02f346904"
    );
}

#[test]
fn timer_interrupt_at_8192_and_minstret_lag() {
    let mut p = set_mtvec(0x100);
    p.extend([
        lui(T1, 0x2004),
        addi(T2, 0, 1),
        sd(T2, T1, 0), // mtimecmp = 1
        addi(T2, 0, 0x80),
        csrrs(0, 0x304, T2), // mie.MTIE
        csrrsi(0, 0x300, 8), // mstatus.MIE
    ]);
    let spin_off = p.len() as u64 * 4;
    p.push(SPIN);
    pad_to(&mut p, 0x100);
    p.extend([
        csrr(A0, 0xB00),
        csrr(A1, 0xB02),
        csrr(A2, 0x341),
        csrr(A3, 0x342),
    ]);
    p.extend(halt());
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(u64::MAX).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A0 as usize), 8192);
    assert_eq!(m.x(A1 as usize), 8192); // mcycle 8193 − 1 interrupt
    assert_eq!(m.x(A2 as usize), RAM + spin_off);
    assert_eq!(m.x(A3 as usize), (1 << 63) | 7);
    assert_eq!(m.read_reg(reg::ICYCLEINSTRET).unwrap(), 1);

    // Chunked runs give the same result.
    let mut c = machine_with(&p, 0x1_0000);
    let mut end = 0;
    while c.run(end).unwrap() != BreakReason::Halted {
        end += 1000;
    }
    assert_eq!(c.mcycle(), m.mcycle());
    assert_eq!(c.x(A0 as usize), 8192);
}

#[test]
fn pending_timer_taken_right_after_csrsi() {
    let mut p = set_mtvec(0x100);
    p.extend([
        lui(T1, 0x2004),
        addi(T2, 0, 1),
        sd(T2, T1, 0),
        addi(T2, 0, 0x80),
        csrrs(0, 0x304, T2),
    ]);
    p.extend(li32(28, 9000));
    let loop_off = p.len() as i32 * 4;
    p.push(csrr(29, 0xB00));
    p.push(blt(29, 28, loop_off - p.len() as i32 * 4));
    p.push(csrrsi(0, 0x300, 8));
    let after = p.len() as u64 * 4;
    p.push(SPIN);
    pad_to(&mut p, 0x100);
    p.extend([csrr(A0, 0xB00), csrr(A2, 0x341)]);
    p.extend(halt());
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(100_000).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A2 as usize), RAM + after);
    assert!(m.x(A0 as usize) >= 9000);
}

#[test]
fn mstatus_write_all_ones() {
    let mut p = vec![addi(T0, 0, -1), csrrw(0, 0x300, T0), csrr(A0, 0x300)];
    p.extend(halt());
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A0 as usize), 0x8000_000A_007E_79AA);
}

/// Runs `body` with mtvec pointing at a halting handler; returns (mcause, mtval, mepc).
fn trap_of(body: &[u32]) -> (u64, u64, u64) {
    let mut p = set_mtvec(0x200);
    p.extend_from_slice(body);
    p.push(SPIN);
    pad_to(&mut p, 0x200);
    p.extend(halt());
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(10_000).unwrap(), BreakReason::Halted);
    let r = |s| m.read_reg(s).unwrap();
    (r(reg::MCAUSE), r(reg::MTVAL), r(reg::MEPC))
}

#[test]
fn access_faults_and_misalignment() {
    // misaligned ld → 4
    let (c, v, _) = trap_of(&[auipc(T1, 0), addi(T1, T1, 0x401), ld(A0, T1, 0)]);
    assert_eq!((c, v), (4, RAM + 0xC + 0x401));
    // ld 0x1000 → 5
    let (c, v, _) = trap_of(&[lui(T1, 1), ld(A0, T1, 0)]);
    assert_eq!((c, v), (5, 0x1000));
    // ld 0 (shadow state) → 5
    assert_eq!(trap_of(&[ld(A0, 0, 0)]).0, 5);
    // ld 0x600000 (uarch RAM) → 5
    assert_eq!(trap_of(&[lui(T1, 0x600), ld(A0, T1, 0)]).0, 5);
    // sd to rx → 7
    let (c, v, _) = trap_of(&[lui(T1, 0x60000), sd(T1, T1, 0)]);
    assert_eq!((c, v), (7, 0x6000_0000));
    // HTIF lw tohost → 5, ld +0x28 → 5, sd ihalt → 7
    assert_eq!(trap_of(&[lui(T1, 0x40008), lw(A0, T1, 0)]).0, 5);
    assert_eq!(trap_of(&[lui(T1, 0x40008), ld(A0, T1, 0x28)]).0, 5);
    assert_eq!(trap_of(&[lui(T1, 0x40008), sd(T1, T1, 0x10)]).0, 7);
    // misaligned store → 6
    assert_eq!(trap_of(&[lui(T1, 0x60800), sd(T1, T1, 4)]).0, 6);
    // ld from shadow PMAs works
    let mut p = vec![lui(T1, 0x10), ld(A0, T1, 0), ld(A1, T1, 8)];
    p.extend(halt());
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(100).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A0 as usize), 0x8000_00F9);
    assert_eq!(m.x(A1 as usize), 0x1_0000);
    // ecall from M → 11, ebreak → 3 with tval = pc, illegal → 2 with bits
    assert_eq!(trap_of(&[ECALL]).0, 11);
    let (c, v, e) = trap_of(&[0x0010_0073]);
    assert_eq!((c, v), (3, e));
    let (c, v, _) = trap_of(&[0xFFFF_FFFF]);
    assert_eq!((c, v), (2, 0xFFFF_FFFF));
    // mcycle write is illegal
    assert_eq!(trap_of(&[csrrw(0, 0xB00, 0)]).0, 2);
    // pmpcfg0 does not exist
    assert_eq!(trap_of(&[csrrw(0, 0x3A0, 0)]).0, 2);
}

#[test]
fn fetch_straddling_end_of_ram_faults_on_second_half() {
    let mut cfg = MachineConfig::new(1 << 20);
    let mut img = vec![0u8; 1 << 20];
    // jump to RAM end − 2 where a 32-bit instruction's low half sits.
    let mut p = set_mtvec(0x200);
    p.extend(li32(T1, 0x000F_FFFE));
    p.push(add(T1, T1, T0)); // t0 = RAM + 0 from auipc... adjust below
    let prog = bytes(&p);
    img[..prog.len()].copy_from_slice(&prog);
    let h = bytes(&halt());
    img[0x200..0x200 + h.len()].copy_from_slice(&h);
    img[(1 << 20) - 2..].copy_from_slice(&0x0013u16.to_le_bytes());
    cfg.ram_image = Some(img);
    let mut m = Machine::new(cfg).unwrap();
    // t0 = RAM + 0x200 after set_mtvec; compute the target directly instead.
    m.write_reg(reg::PC, RAM + (1 << 20) - 2).unwrap();
    m.write_reg(reg::MTVEC, RAM + 0x200).unwrap();
    assert_eq!(m.run(100).unwrap(), BreakReason::Halted);
    assert_eq!(m.read_reg(reg::MCAUSE).unwrap(), 1);
    assert_eq!(m.read_reg(reg::MTVAL).unwrap(), 0x8010_0000);
    assert_eq!(m.read_reg(reg::MEPC).unwrap(), 0x800F_FFFE);
}
