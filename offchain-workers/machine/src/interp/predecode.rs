//! Predecoded basic blocks: a memo of `decode(raw instruction bits)` that a machine keeps
//! across its runs.
//!
//! [`BlockCache`] is direct mapped on the pc a block starts at. A [`Block`] holds up to
//! [`BLOCK_MAX`] consecutive instructions of one virtual page, decoded from the bytes of
//! the page the fetch cache points at (docs/cartesi-v0.19.md §6.7); it ends after a
//! branch, a jump or an instruction that is not on the fast path, and before the page
//! offset 4094 where v0.19's fetch cache stops hitting. A block keeps a copy of the bytes
//! it was decoded from, and it is only run when the page holds those bytes: they are
//! compared when the block is entered, and a store the block itself makes that may
//! touch them ends the block there (`fast::Step::Overlap`), so the next instruction is
//! looked up, and compared, afresh. An entry's contents, and the layout of the block,
//! are a pure function of those bytes, so the cache never needs invalidation:
//! self-modifying code, copy-on-write page changes, host writes, privilege or
//! address-space changes simply show different bytes (the block is decoded again) or
//! the same bytes (which decode the same). It holds no architectural state and is not
//! hashed.

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
    /// FENCE / FENCE.I, and the instructions above that only write rd when rd is x0
    /// (HINTs): pc advances only.
    Fence,
}

/// An integer register number. An enum, so that the compiler knows a loaded number is
/// below 32 and indexes the register file without masking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[rustfmt::skip]
pub(crate) enum Reg {
    X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
    X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30, X31,
}

impl Reg {
    #[rustfmt::skip]
    const ALL: [Reg; 32] = [
        Reg::X0, Reg::X1, Reg::X2, Reg::X3, Reg::X4, Reg::X5, Reg::X6, Reg::X7,
        Reg::X8, Reg::X9, Reg::X10, Reg::X11, Reg::X12, Reg::X13, Reg::X14, Reg::X15,
        Reg::X16, Reg::X17, Reg::X18, Reg::X19, Reg::X20, Reg::X21, Reg::X22, Reg::X23,
        Reg::X24, Reg::X25, Reg::X26, Reg::X27, Reg::X28, Reg::X29, Reg::X30, Reg::X31,
    ];

    /// The register numbered by the low 5 bits of `i`.
    fn of(i: u32) -> Reg {
        Reg::ALL[(i & 31) as usize]
    }

    /// Its number.
    #[inline(always)]
    pub(crate) fn n(self) -> u32 {
        self as u32
    }
}

/// One predecoded instruction (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Entry {
    /// The raw fetched bits this entry was decoded from.
    pub(crate) tag: u32,
    /// Sign-extended immediate (offset, shamt or LUI value, depending on `op`).
    pub(crate) imm: i32,
    pub(crate) op: Op,
    /// Never x0 when `op` writes rd (other than for jumps): those decode as `Fence`
    /// (a HINT) or `Slow` (a load, which may still trap).
    pub(crate) rd: Reg,
    pub(crate) rs1: Reg,
    pub(crate) rs2: Reg,
    /// Offset of the instruction in its page.
    pub(crate) off: u16,
    /// Length in bytes (2 or 4).
    pub(crate) len: u8,
}

impl Entry {
    /// The decoding of raw 0 (illegal): what a zeroed entry holds.
    pub(crate) const EMPTY: Entry = Entry {
        tag: 0,
        imm: 0,
        op: Op::Slow,
        rd: Reg::X0,
        rs1: Reg::X0,
        rs2: Reg::X0,
        off: 0,
        len: 0,
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

/// Most instructions in one block.
pub(crate) const BLOCK_MAX: usize = 32;

/// A pc no block starts at (pcs are even).
const NO_PC: u64 = u64::MAX;

/// Page offsets at which v0.19's fetch cache hits (docs/cartesi-v0.19.md §6.7).
const FETCH_LIMIT: u16 = crate::constants::PAGE_OFFSET_MASK as u16 - 1;

/// Up to [`BLOCK_MAX`] predecoded instructions that follow each other in one page.
#[derive(Clone, Copy)]
pub(crate) struct Block {
    /// The pc of the first entry ([`NO_PC`]: empty slot).
    pub(crate) pc: u64,
    /// Number of entries (1..=BLOCK_MAX once built).
    pub(crate) n: usize,
    /// Bytes the entries were decoded from (`span` of them are used).
    bytes: [u8; BLOCK_MAX * 4],
    /// Length of the instructions' bytes: from pc to the end of the last entry.
    pub(crate) span: usize,
    pub(crate) entries: [Entry; BLOCK_MAX],
}

impl Block {
    const EMPTY: Block = Block {
        pc: NO_PC,
        n: 0,
        bytes: [0; BLOCK_MAX * 4],
        span: 0,
        entries: [Entry::EMPTY; BLOCK_MAX],
    };

    /// Whether the `span` bytes at `mem` are still those the block was decoded from.
    ///
    /// # Safety
    /// `mem .. mem + span` is readable.
    #[inline(always)]
    unsafe fn same_bytes(&self, mem: *const u8) -> bool {
        let copy = self.bytes.as_ptr();
        let span = self.span;
        // SAFETY: every offset read below lies in `0 .. span` of both `mem`
        // (the caller's contract) and `bytes` (`span <= bytes.len()`); spans are even
        // and at least 2.
        unsafe {
            let r64 = |p: *const u8, k: usize| core::ptr::read_unaligned(p.add(k) as *const u64);
            let r32 = |p: *const u8, k: usize| core::ptr::read_unaligned(p.add(k) as *const u32);
            if span >= 8 {
                let mut diff = r64(mem, span - 8) ^ r64(copy, span - 8);
                let mut k = 0;
                while k + 8 < span {
                    diff |= r64(mem, k) ^ r64(copy, k);
                    k += 8;
                }
                diff == 0
            } else if span >= 4 {
                (r32(mem, 0) ^ r32(copy, 0)) | (r32(mem, span - 4) ^ r32(copy, span - 4)) == 0
            } else {
                core::ptr::read_unaligned(mem as *const u16)
                    == core::ptr::read_unaligned(copy as *const u16)
            }
        }
    }

    /// Decodes the block starting at `pc` from `page`, the host copy of pc's page.
    ///
    /// # Safety
    /// `page` points at 4096 readable bytes.
    #[inline(never)]
    unsafe fn build(&mut self, pc: u64, page: *const u8) {
        let mut off = (pc & crate::constants::PAGE_OFFSET_MASK) as u16;
        let mut n = 0;
        while n < BLOCK_MAX && off < FETCH_LIMIT {
            // SAFETY: `off <= 4092` (pcs are even), so the 4 bytes lie inside the page.
            let raw = unsafe { read_raw(page, off) };
            let mut e = decode(raw);
            e.off = off;
            e.len = if raw & 3 == 3 { 4 } else { 2 };
            self.entries[n] = e;
            n += 1;
            if ends_block(e.op) {
                break;
            }
            off += e.len as u16;
        }
        let start = (pc & crate::constants::PAGE_OFFSET_MASK) as usize;
        let last = self.entries[n - 1];
        self.span = last.off as usize + last.len as usize - start;
        // SAFETY: the span ends at most at the page end (an entry starts at or below
        // 4092 and a 4-byte one there ends at 4096) and `span <= BLOCK_MAX * 4`.
        unsafe {
            core::ptr::copy_nonoverlapping(page.add(start), self.bytes.as_mut_ptr(), self.span)
        };
        self.pc = pc;
        self.n = n;
    }
}

/// The raw 32 bits at `off` of `page`.
///
/// # Safety
/// `page` points at 4096 readable bytes and `off <= 4092`.
#[inline(always)]
pub(crate) unsafe fn read_raw(page: *const u8, off: u16) -> u32 {
    // SAFETY: the caller's contract.
    u32::from_le_bytes(unsafe {
        core::ptr::read_unaligned(page.add(off as usize) as *const [u8; 4])
    })
}

/// Whether an instruction with operation `op` ends its block.
fn ends_block(op: Op) -> bool {
    matches!(
        op,
        Op::Slow | Op::Jal | Op::Jalr | Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu
    )
}

/// Direct-mapped cache of predecoded blocks (power-of-two size). A block is a pure
/// function of the bytes it is checked against, so one cache may serve any number of
/// runs of one machine; a clone starts empty.
pub(crate) struct BlockCache {
    blocks: Vec<Block>,
    mask: usize,
}

impl Clone for BlockCache {
    fn clone(&self) -> Self {
        BlockCache::new()
    }
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache::new()
    }
}

impl BlockCache {
    /// An empty cache (it allocates on its first run).
    pub(crate) const fn new() -> BlockCache {
        BlockCache {
            blocks: Vec::new(),
            mask: 0,
        }
    }

    /// Makes room for a run of about `cycles` instructions: 2 to 256 blocks, so that a
    /// short run (a step, a run to the next yield) does not fill a large table.
    pub(crate) fn prepare(&mut self, cycles: u64) {
        let n = (cycles / 8).clamp(2, 256).next_power_of_two() as usize;
        if self.blocks.len() < n {
            self.blocks = alloc::vec![Block::EMPTY; n];
            self.mask = n - 1;
        }
    }

    /// The block starting at `pc`, whose page's host copy is `page`, decoded again when
    /// the slot holds another pc or when the bytes it was decoded from changed.
    ///
    /// # Safety
    /// `page` points at the 4096 readable bytes of pc's page, and pc's page offset is
    /// below 4094.
    #[inline(always)]
    pub(crate) unsafe fn get(&mut self, pc: u64, page: *const u8) -> &mut Block {
        let i = (pc >> 1) as usize & self.mask;
        debug_assert!(i < self.blocks.len());
        // SAFETY: `blocks.len()` is a power of two and `mask == blocks.len() - 1` (both
        // set only in `prepare`, which every run calls before its first `get`), so
        // `i <= mask < blocks.len()`.
        let b = unsafe { self.blocks.get_unchecked_mut(i) };
        let start = (pc & crate::constants::PAGE_OFFSET_MASK) as usize;
        // SAFETY: a block built at pc spans at most to its page's end (`build`).
        if b.pc != pc || !unsafe { b.same_bytes(page.add(start)) } {
            // SAFETY: the caller's contract.
            unsafe { b.build(pc, page) };
        }
        b
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
    let op = if rd(insn) != 0 {
        op
    } else {
        match op {
            Op::Lb | Op::Lh | Op::Lw | Op::Ld | Op::Lbu | Op::Lhu | Op::Lwu => Op::Slow,
            _ if ends_block(op) => op,
            Op::Sb | Op::Sh | Op::Sw | Op::Sd | Op::Fence => op,
            _ => Op::Fence,
        }
    };
    Entry {
        tag: raw,
        imm: imm as i32,
        op,
        rd: Reg::of(rd(insn)),
        rs1: Reg::of(rs1(insn)),
        rs2: Reg::of(rs2(insn)),
        ..Entry::EMPTY
    }
}
