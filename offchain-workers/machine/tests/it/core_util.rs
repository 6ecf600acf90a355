//! Tiny RV64 instruction encoders for the core tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use concerto_machine::{Machine, MachineConfig};

pub const RAM: u64 = 0x8000_0000;

pub fn r(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}
pub fn i(imm: i32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    (((imm as u32) & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}
pub fn s(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23
}
pub fn b(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 12) & 1) << 31)
        | (((imm >> 5) & 0x3F) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | (((imm >> 1) & 0xF) << 8)
        | (((imm >> 11) & 1) << 7)
        | 0x63
}
pub fn jal(rd: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3FF) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xFF) << 12)
        | (rd << 7)
        | 0x6F
}
pub fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 0, rd, 0x13)
}
pub fn add(rd: u32, rs1: u32, rs2: u32) -> u32 {
    r(0, rs2, rs1, 0, rd, 0x33)
}
pub fn lui(rd: u32, imm20: u32) -> u32 {
    (imm20 << 12) | (rd << 7) | 0x37
}
pub fn ld(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 3, rd, 0x03)
}
pub fn lw(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 2, rd, 0x03)
}
pub fn sd(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s(imm, rs2, rs1, 3)
}
pub fn sw(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s(imm, rs2, rs1, 2)
}
pub fn bne(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 1)
}
pub fn csrrw(rd: u32, csr: u32, rs1: u32) -> u32 {
    (csr << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x73
}
pub fn csrrs(rd: u32, csr: u32, rs1: u32) -> u32 {
    (csr << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x73
}
pub fn csrrsi(rd: u32, csr: u32, uimm: u32) -> u32 {
    (csr << 20) | (uimm << 15) | (6 << 12) | (rd << 7) | 0x73
}
pub fn csrr(rd: u32, csr: u32) -> u32 {
    csrrs(rd, csr, 0)
}
pub fn lr_d(rd: u32, rs1: u32) -> u32 {
    r(0x02 << 2, 0, rs1, 3, rd, 0x2F)
}
pub fn lr_w(rd: u32, rs1: u32) -> u32 {
    r(0x02 << 2, 0, rs1, 2, rd, 0x2F)
}
pub fn sc_d(rd: u32, rs2: u32, rs1: u32) -> u32 {
    r(0x03 << 2, rs2, rs1, 3, rd, 0x2F)
}
pub fn amoadd_d(rd: u32, rs2: u32, rs1: u32) -> u32 {
    r(0, rs2, rs1, 3, rd, 0x2F)
}
pub const ECALL: u32 = 0x73;
pub const MRET: u32 = 0x3020_0073;
pub const NOP: u32 = 0x13;
/// `j .`
pub const SPIN: u32 = 0x6F;

/// Loads a 64-bit constant into `rd` using only `rd` (lui/addi/slli sequence via x0-free
/// construction): for small programs we only need 32-bit sign-extended values.
pub fn li32(rd: u32, v: i32) -> Vec<u32> {
    let lo = (v << 20) >> 20;
    let hi = ((v as i64 - lo as i64) >> 12) as u32 & 0xFFFFF;
    let mut out = Vec::new();
    if hi != 0 {
        out.push(lui(rd, hi));
        out.push(addi(rd, rd, lo));
    } else {
        out.push(addi(rd, 0, lo));
    }
    out
}

/// The HTIF halt sequence with exit code 0 using t5/t6: li t6,1; lui t5,0x40008; sd t6,0(t5).
pub fn halt() -> Vec<u32> {
    vec![addi(31, 0, 1), lui(30, 0x40008), sd(31, 30, 0), SPIN]
}

pub fn bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

pub fn machine_with(words: &[u32], ram: u64) -> Machine {
    let mut cfg = MachineConfig::new(ram);
    cfg.ram_image = Some(bytes(words));
    Machine::new(cfg).expect("machine")
}

pub fn auipc(rd: u32, imm20: u32) -> u32 {
    (imm20 << 12) | (rd << 7) | 0x17
}
pub fn slli(rd: u32, rs1: u32, sh: u32) -> u32 {
    i(sh as i32, rs1, 1, rd, 0x13)
}
pub fn or(rd: u32, rs1: u32, rs2: u32) -> u32 {
    r(0, rs2, rs1, 6, rd, 0x33)
}
pub fn blt(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 4)
}
/// Pads `prog` with nops up to byte offset `off`.
pub fn pad_to(prog: &mut Vec<u32>, off: usize) {
    assert!(prog.len() * 4 <= off, "program overruns offset {off:#x}");
    while prog.len() * 4 < off {
        prog.push(NOP);
    }
}
/// Prologue: mtvec = RAM + handler_off (uses t0).
pub fn set_mtvec(handler_off: i32) -> Vec<u32> {
    vec![auipc(5, 0), addi(5, 5, handler_off), csrrw(0, 0x305, 5)]
}
