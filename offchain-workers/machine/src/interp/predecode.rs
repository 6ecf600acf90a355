//! Predecoded instructions: a per-run memo of `decode(raw instruction bits)`.
//!
//! [`DecodeCache`] is direct mapped on pc and tagged with the *raw 32 bits fetched*
//! (for a compressed instruction: its parcel and the next one). An entry is only used
//! when its tag equals the bits just fetched, and its contents are a pure function of
//! those bits, so the cache never needs invalidation: self-modifying code, copy-on-write
//! page changes, host writes, privilege or address-space changes simply fetch different
//! bits (a tag miss, re-decoded) or the same bits (which decode the same). It holds no
//! architectural state and is not hashed. The zeroed entry is the valid decoding of raw
//! 0 (an illegal instruction, [`Op::Slow`]), so a fresh cache needs no tag sentinel.

use alloc::vec::Vec;

use super::decode::{funct7, imm_b, imm_i, imm_j, imm_s, imm_u, rd, rs1, rs2};
use super::execute::*;
use super::{alu, compressed};

/// Operation of a predecoded instruction (fast path only; everything else is `Slow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Op {
    /// Not on the fast path (SYSTEM, AMO, illegal, …): run the full path.
    Slow = 0,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    /// OP with funct7 = 1 (M extension), through `alu::op`.
    MulDiv,
    Addiw,
    /// OP-IMM-32 shifts, through `alu::op_imm32`.
    ShiftImmW,
    Addw,
    Subw,
    /// Other OP-32 (shifts, M), through `alu::op32`.
    AluW,
    /// `imm` holds the final value (LUI) or the offset (AUIPC).
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Sb,
    Sh,
    Sw,
    Sd,
    /// FENCE / FENCE.I: pc advances only.
    Fence,
}

/// One predecoded instruction (12 bytes). Its length is not stored: the caller branches
/// on the raw bits so that the next pc never waits for this entry to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Entry {
    /// The raw fetched bits this entry was decoded from.
    pub(crate) tag: u32,
    /// Sign-extended immediate (offset, shamt or LUI value, depending on `op`).
    pub(crate) imm: i32,
    pub(crate) op: Op,
    pub(crate) rd: u8,
    pub(crate) rs1: u8,
    pub(crate) rs2: u8,
}

impl Entry {
    /// The decoding of raw 0 (illegal): what a zeroed entry holds.
    pub(crate) const EMPTY: Entry = Entry {
        tag: 0,
        imm: 0,
        op: Op::Slow,
        rd: 0,
        rs1: 0,
        rs2: 0,
    };

    /// The 32-bit instruction this entry was decoded from (expanded when compressed);
    /// only called for entries whose `op` is not `Slow`, so the expansion exists.
    #[inline]
    pub(crate) fn insn(&self) -> u32 {
        if self.tag & 3 == 3 {
            self.tag
        } else {
            compressed::expand_fast(self.tag as u16).unwrap_or(0)
        }
    }
}

/// Direct-mapped predecode cache (power-of-two size).
pub(crate) struct DecodeCache {
    entries: Vec<Entry>,
    mask: usize,
}

impl DecodeCache {
    /// A cache sized for a run of about `cycles` instructions (16..=2048 entries).
    pub(crate) fn for_run(cycles: u64) -> DecodeCache {
        let n = cycles.clamp(16, 2048).next_power_of_two() as usize;
        DecodeCache {
            entries: alloc::vec![Entry::EMPTY; n],
            mask: n - 1,
        }
    }

    /// The entry for `raw` fetched at `pc`, decoding it on a tag miss.
    #[inline(always)]
    pub(crate) fn get(&mut self, pc: u64, raw: u32) -> &Entry {
        let i = (pc >> 1) as usize & self.mask;
        debug_assert!(i < self.entries.len());
        // SAFETY: `entries.len()` is a power of two and `mask == entries.len() - 1`
        // (both set only in `for_run`), so `i <= mask < entries.len()`.
        let e = unsafe { self.entries.get_unchecked_mut(i) };
        if e.tag != raw {
            *e = decode(raw);
        }
        e
    }
}

/// Decodes `raw` (the 4 bytes fetched at pc) into an entry.
#[inline(never)]
pub(crate) fn decode(raw: u32) -> Entry {
    let insn = if raw & 3 == 3 {
        raw
    } else {
        match compressed::expand_fast(raw as u16) {
            Some(v) => v,
            None => {
                return Entry {
                    tag: raw,
                    ..Entry::EMPTY
                }
            }
        }
    };
    let f7 = funct7(insn);
    let shamt = ((insn >> 20) & 63) as i32;
    let (op, imm) = match key(insn) {
        K_OP_IMM_0 => (Op::Addi, imm_i(insn)),
        K_OP_IMM_2 => (Op::Slti, imm_i(insn)),
        K_OP_IMM_3 => (Op::Sltiu, imm_i(insn)),
        K_OP_IMM_4 => (Op::Xori, imm_i(insn)),
        K_OP_IMM_6 => (Op::Ori, imm_i(insn)),
        K_OP_IMM_7 => (Op::Andi, imm_i(insn)),
        K_OP_IMM_1 if insn >> 26 == 0 => (Op::Slli, shamt as u64),
        K_OP_IMM_5 if insn >> 26 == 0 => (Op::Srli, shamt as u64),
        K_OP_IMM_5 if insn >> 26 == 0x10 => (Op::Srai, shamt as u64),
        K_OP_0 if f7 == 0 => (Op::Add, 0),
        K_OP_0 if f7 == 0x20 => (Op::Sub, 0),
        K_OP_1 if f7 == 0 => (Op::Sll, 0),
        K_OP_2 if f7 == 0 => (Op::Slt, 0),
        K_OP_3 if f7 == 0 => (Op::Sltu, 0),
        K_OP_4 if f7 == 0 => (Op::Xor, 0),
        K_OP_5 if f7 == 0 => (Op::Srl, 0),
        K_OP_5 if f7 == 0x20 => (Op::Sra, 0),
        K_OP_6 if f7 == 0 => (Op::Or, 0),
        K_OP_7 if f7 == 0 => (Op::And, 0),
        K_OP_0 | K_OP_1 | K_OP_2 | K_OP_3 | K_OP_4 | K_OP_5 | K_OP_6 | K_OP_7 if f7 == 1 => {
            (Op::MulDiv, 0)
        }
        K_OP_IMM_32_0 => (Op::Addiw, imm_i(insn)),
        K_OP_IMM_32_1 | K_OP_IMM_32_5 if alu::op_imm32(insn, 0).is_some() => (Op::ShiftImmW, 0),
        K_OP_32_0 if f7 == 0 => (Op::Addw, 0),
        K_OP_32_0 if f7 == 0x20 => (Op::Subw, 0),
        K_OP_32_0 | K_OP_32_1 | K_OP_32_2 | K_OP_32_3 | K_OP_32_4 | K_OP_32_5 | K_OP_32_6
        | K_OP_32_7
            if alu::op32(insn, 0, 1).is_some() =>
        {
            (Op::AluW, 0)
        }
        K_LUI_0 | K_LUI_1 | K_LUI_2 | K_LUI_3 | K_LUI_4 | K_LUI_5 | K_LUI_6 | K_LUI_7 => {
            (Op::Lui, imm_u(insn))
        }
        K_AUIPC_0 | K_AUIPC_1 | K_AUIPC_2 | K_AUIPC_3 | K_AUIPC_4 | K_AUIPC_5 | K_AUIPC_6
        | K_AUIPC_7 => (Op::Auipc, imm_u(insn)),
        K_JAL_0 | K_JAL_1 | K_JAL_2 | K_JAL_3 | K_JAL_4 | K_JAL_5 | K_JAL_6 | K_JAL_7 => {
            (Op::Jal, imm_j(insn))
        }
        K_JALR_0 => (Op::Jalr, imm_i(insn)),
        K_BRANCH_0 => (Op::Beq, imm_b(insn)),
        K_BRANCH_1 => (Op::Bne, imm_b(insn)),
        K_BRANCH_4 => (Op::Blt, imm_b(insn)),
        K_BRANCH_5 => (Op::Bge, imm_b(insn)),
        K_BRANCH_6 => (Op::Bltu, imm_b(insn)),
        K_BRANCH_7 => (Op::Bgeu, imm_b(insn)),
        K_LOAD_0 => (Op::Lb, imm_i(insn)),
        K_LOAD_1 => (Op::Lh, imm_i(insn)),
        K_LOAD_2 => (Op::Lw, imm_i(insn)),
        K_LOAD_3 => (Op::Ld, imm_i(insn)),
        K_LOAD_4 => (Op::Lbu, imm_i(insn)),
        K_LOAD_5 => (Op::Lhu, imm_i(insn)),
        K_LOAD_6 => (Op::Lwu, imm_i(insn)),
        K_STORE_0 => (Op::Sb, imm_s(insn)),
        K_STORE_1 => (Op::Sh, imm_s(insn)),
        K_STORE_2 => (Op::Sw, imm_s(insn)),
        K_STORE_3 => (Op::Sd, imm_s(insn)),
        K_MISC_MEM_0 | K_MISC_MEM_1 => (Op::Fence, 0),
        _ => (Op::Slow, 0),
    };
    Entry {
        tag: raw,
        imm: imm as i32,
        op,
        rd: rd(insn) as u8,
        rs1: rs1(insn) as u8,
        rs2: rs2(insn) as u8,
    }
}
