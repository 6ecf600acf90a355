//! Instruction dispatch: one jump table on (major opcode, funct3).

use super::decode::{funct7, imm_b, imm_i, imm_j, imm_u, rd, rs1, rs2};
use super::{alu, amo, compressed, mem, system, trap, Exception, Flow, StateAccess};
use crate::constants::reg;

/// Executes the instruction `insn` fetched at `pc` (16-bit instructions in the low half).
/// Exceptions are raised (trap entry) before returning [`Flow::Raised`].
#[inline(always)]
pub(crate) fn execute<S: StateAccess>(s: &mut S, pc: u64, insn: u32) -> Flow {
    if insn & 3 == 3 {
        exec32(s, pc, insn, 4)
    } else {
        exec16(s, pc, insn & 0xFFFF)
    }
}

#[inline(never)]
fn exec16<S: StateAccess>(s: &mut S, pc: u64, c: u32) -> Flow {
    match compressed::expand(c as u16) {
        Some(e) => exec32(s, pc, e, 2),
        None => raise(s, pc, Exception::illegal(c)),
    }
}

/// Raises `e` for the instruction at `pc`.
#[cold]
#[inline(never)]
fn raise<S: StateAccess>(s: &mut S, pc: u64, e: Exception) -> Flow {
    trap::raise_exception(s, e, pc);
    Flow::Raised
}

/// Unwraps a `Result`, raising the exception and returning from `exec32` on `Err`.
macro_rules! tri {
    ($s:expr, $pc:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(ex) => return raise($s, $pc, ex),
        }
    };
}

/// Writes rd, advances pc.
#[inline(always)]
fn wr<S: StateAccess>(s: &mut S, insn: u32, value: u64, next_pc: u64) -> Flow {
    s.set_x(rd(insn), value);
    s.set_reg(reg::PC, next_pc);
    Flow::Next
}

#[inline(always)]
fn branch<S: StateAccess>(s: &mut S, pc: u64, insn: u32, taken: bool, next_pc: u64) -> Flow {
    let target = if taken {
        pc.wrapping_add(imm_b(insn))
    } else {
        next_pc
    };
    s.set_reg(reg::PC, target);
    Flow::Next
}

#[inline(always)]
fn illegal<S: StateAccess>(s: &mut S, pc: u64, insn: u32) -> Flow {
    raise(s, pc, Exception::illegal(insn))
}

/// Dispatch key: bits 6..2 of the opcode, funct3 above them (0..256).
#[inline(always)]
pub(super) fn key(insn: u32) -> u32 {
    ((insn >> 2) & 0x1F) | ((insn >> 7) & 0xE0)
}

// Dispatch keys: K_<opcode class>_<funct3> = (opcode >> 2) | funct3 << 5.
pub(super) const K_LOAD_0: u32 = 0;
pub(super) const K_MISC_MEM_0: u32 = 3;
pub(super) const K_OP_IMM_0: u32 = 4;
pub(super) const K_AUIPC_0: u32 = 5;
pub(super) const K_OP_IMM_32_0: u32 = 6;
pub(super) const K_STORE_0: u32 = 8;
pub(super) const K_OP_0: u32 = 12;
pub(super) const K_LUI_0: u32 = 13;
pub(super) const K_OP_32_0: u32 = 14;
pub(super) const K_BRANCH_0: u32 = 24;
pub(super) const K_JALR_0: u32 = 25;
pub(super) const K_JAL_0: u32 = 27;
pub(super) const K_SYSTEM_0: u32 = 28;
pub(super) const K_LOAD_1: u32 = 32;
pub(super) const K_MISC_MEM_1: u32 = 35;
pub(super) const K_OP_IMM_1: u32 = 36;
pub(super) const K_AUIPC_1: u32 = 37;
pub(super) const K_OP_IMM_32_1: u32 = 38;
pub(super) const K_STORE_1: u32 = 40;
pub(super) const K_OP_1: u32 = 44;
pub(super) const K_LUI_1: u32 = 45;
pub(super) const K_OP_32_1: u32 = 46;
pub(super) const K_BRANCH_1: u32 = 56;
pub(super) const K_JAL_1: u32 = 59;
pub(super) const K_SYSTEM_1: u32 = 60;
pub(super) const K_LOAD_2: u32 = 64;
pub(super) const K_OP_IMM_2: u32 = 68;
pub(super) const K_AUIPC_2: u32 = 69;
pub(super) const K_OP_IMM_32_2: u32 = 70;
pub(super) const K_STORE_2: u32 = 72;
pub(super) const K_AMO_2: u32 = 75;
pub(super) const K_OP_2: u32 = 76;
pub(super) const K_LUI_2: u32 = 77;
pub(super) const K_OP_32_2: u32 = 78;
pub(super) const K_JAL_2: u32 = 91;
pub(super) const K_SYSTEM_2: u32 = 92;
pub(super) const K_LOAD_3: u32 = 96;
pub(super) const K_OP_IMM_3: u32 = 100;
pub(super) const K_AUIPC_3: u32 = 101;
pub(super) const K_OP_IMM_32_3: u32 = 102;
pub(super) const K_STORE_3: u32 = 104;
pub(super) const K_AMO_3: u32 = 107;
pub(super) const K_OP_3: u32 = 108;
pub(super) const K_LUI_3: u32 = 109;
pub(super) const K_OP_32_3: u32 = 110;
pub(super) const K_JAL_3: u32 = 123;
pub(super) const K_SYSTEM_3: u32 = 124;
pub(super) const K_LOAD_4: u32 = 128;
pub(super) const K_OP_IMM_4: u32 = 132;
pub(super) const K_AUIPC_4: u32 = 133;
pub(super) const K_OP_IMM_32_4: u32 = 134;
pub(super) const K_OP_4: u32 = 140;
pub(super) const K_LUI_4: u32 = 141;
pub(super) const K_OP_32_4: u32 = 142;
pub(super) const K_BRANCH_4: u32 = 152;
pub(super) const K_JAL_4: u32 = 155;
pub(super) const K_SYSTEM_4: u32 = 156;
pub(super) const K_LOAD_5: u32 = 160;
pub(super) const K_OP_IMM_5: u32 = 164;
pub(super) const K_AUIPC_5: u32 = 165;
pub(super) const K_OP_IMM_32_5: u32 = 166;
pub(super) const K_OP_5: u32 = 172;
pub(super) const K_LUI_5: u32 = 173;
pub(super) const K_OP_32_5: u32 = 174;
pub(super) const K_BRANCH_5: u32 = 184;
pub(super) const K_JAL_5: u32 = 187;
pub(super) const K_SYSTEM_5: u32 = 188;
pub(super) const K_LOAD_6: u32 = 192;
pub(super) const K_OP_IMM_6: u32 = 196;
pub(super) const K_AUIPC_6: u32 = 197;
pub(super) const K_OP_IMM_32_6: u32 = 198;
pub(super) const K_OP_6: u32 = 204;
pub(super) const K_LUI_6: u32 = 205;
pub(super) const K_OP_32_6: u32 = 206;
pub(super) const K_BRANCH_6: u32 = 216;
pub(super) const K_JAL_6: u32 = 219;
pub(super) const K_SYSTEM_6: u32 = 220;
pub(super) const K_OP_IMM_7: u32 = 228;
pub(super) const K_AUIPC_7: u32 = 229;
pub(super) const K_OP_IMM_32_7: u32 = 230;
pub(super) const K_OP_7: u32 = 236;
pub(super) const K_LUI_7: u32 = 237;
pub(super) const K_OP_32_7: u32 = 238;
pub(super) const K_BRANCH_7: u32 = 248;
pub(super) const K_JAL_7: u32 = 251;
pub(super) const K_SYSTEM_7: u32 = 252;

#[inline(always)]
fn exec32<S: StateAccess>(s: &mut S, pc: u64, insn: u32, len: u64) -> Flow {
    let next_pc = pc.wrapping_add(len);
    let a = s.x(rs1(insn));
    match key(insn) {
        // OP-IMM
        K_OP_IMM_0 => wr(s, insn, a.wrapping_add(imm_i(insn)), next_pc),
        K_OP_IMM_2 => wr(s, insn, ((a as i64) < (imm_i(insn) as i64)) as u64, next_pc),
        K_OP_IMM_3 => wr(s, insn, (a < imm_i(insn)) as u64, next_pc),
        K_OP_IMM_4 => wr(s, insn, a ^ imm_i(insn), next_pc),
        K_OP_IMM_6 => wr(s, insn, a | imm_i(insn), next_pc),
        K_OP_IMM_7 => wr(s, insn, a & imm_i(insn), next_pc),
        K_OP_IMM_1 | K_OP_IMM_5 => match alu::op_imm(insn, a) {
            Some(v) => wr(s, insn, v, next_pc),
            None => illegal(s, pc, insn),
        },
        // OP (funct7 0 fast paths, everything else through alu::op)
        K_OP_0 if funct7(insn) == 0 => wr(s, insn, a.wrapping_add(s.x(rs2(insn))), next_pc),
        K_OP_0 if funct7(insn) == 0x20 => wr(s, insn, a.wrapping_sub(s.x(rs2(insn))), next_pc),
        K_OP_1 if funct7(insn) == 0 => wr(s, insn, a << (s.x(rs2(insn)) & 63), next_pc),
        K_OP_2 if funct7(insn) == 0 => wr(
            s,
            insn,
            ((a as i64) < (s.x(rs2(insn)) as i64)) as u64,
            next_pc,
        ),
        K_OP_3 if funct7(insn) == 0 => wr(s, insn, (a < s.x(rs2(insn))) as u64, next_pc),
        K_OP_4 if funct7(insn) == 0 => wr(s, insn, a ^ s.x(rs2(insn)), next_pc),
        K_OP_5 if funct7(insn) == 0 => wr(s, insn, a >> (s.x(rs2(insn)) & 63), next_pc),
        K_OP_6 if funct7(insn) == 0 => wr(s, insn, a | s.x(rs2(insn)), next_pc),
        K_OP_7 if funct7(insn) == 0 => wr(s, insn, a & s.x(rs2(insn)), next_pc),
        K_OP_0 | K_OP_1 | K_OP_2 | K_OP_3 | K_OP_4 | K_OP_5 | K_OP_6 | K_OP_7 => {
            match alu::op(insn, a, s.x(rs2(insn))) {
                Some(v) => wr(s, insn, v, next_pc),
                None => illegal(s, pc, insn),
            }
        }
        K_OP_IMM_32_0 | K_OP_IMM_32_1 | K_OP_IMM_32_2 | K_OP_IMM_32_3 | K_OP_IMM_32_4
        | K_OP_IMM_32_5 | K_OP_IMM_32_6 | K_OP_IMM_32_7 => match alu::op_imm32(insn, a) {
            Some(v) => wr(s, insn, v, next_pc),
            None => illegal(s, pc, insn),
        },
        K_OP_32_0 | K_OP_32_1 | K_OP_32_2 | K_OP_32_3 | K_OP_32_4 | K_OP_32_5 | K_OP_32_6
        | K_OP_32_7 => match alu::op32(insn, a, s.x(rs2(insn))) {
            Some(v) => wr(s, insn, v, next_pc),
            None => illegal(s, pc, insn),
        },
        K_LUI_0 | K_LUI_1 | K_LUI_2 | K_LUI_3 | K_LUI_4 | K_LUI_5 | K_LUI_6 | K_LUI_7 => {
            wr(s, insn, imm_u(insn), next_pc)
        }
        K_AUIPC_0 | K_AUIPC_1 | K_AUIPC_2 | K_AUIPC_3 | K_AUIPC_4 | K_AUIPC_5 | K_AUIPC_6
        | K_AUIPC_7 => wr(s, insn, pc.wrapping_add(imm_u(insn)), next_pc),
        K_JAL_0 | K_JAL_1 | K_JAL_2 | K_JAL_3 | K_JAL_4 | K_JAL_5 | K_JAL_6 | K_JAL_7 => {
            s.set_x(rd(insn), next_pc);
            s.set_reg(reg::PC, pc.wrapping_add(imm_j(insn)));
            Flow::Next
        }
        K_JALR_0 => {
            let target = a.wrapping_add(imm_i(insn)) & !1;
            s.set_x(rd(insn), next_pc);
            s.set_reg(reg::PC, target);
            Flow::Next
        }
        K_BRANCH_0 => branch(s, pc, insn, a == s.x(rs2(insn)), next_pc),
        K_BRANCH_1 => branch(s, pc, insn, a != s.x(rs2(insn)), next_pc),
        K_BRANCH_4 => branch(s, pc, insn, (a as i64) < (s.x(rs2(insn)) as i64), next_pc),
        K_BRANCH_5 => branch(s, pc, insn, (a as i64) >= (s.x(rs2(insn)) as i64), next_pc),
        K_BRANCH_6 => branch(s, pc, insn, a < s.x(rs2(insn)), next_pc),
        K_BRANCH_7 => branch(s, pc, insn, a >= s.x(rs2(insn)), next_pc),
        K_LOAD_0 => {
            let v = tri!(s, pc, mem::load::<S, 0>(s, a.wrapping_add(imm_i(insn))));
            wr(s, insn, v as i8 as i64 as u64, next_pc)
        }
        K_LOAD_1 => {
            let v = tri!(s, pc, mem::load::<S, 1>(s, a.wrapping_add(imm_i(insn))));
            wr(s, insn, v as i16 as i64 as u64, next_pc)
        }
        K_LOAD_2 => {
            let v = tri!(s, pc, mem::load::<S, 2>(s, a.wrapping_add(imm_i(insn))));
            wr(s, insn, v as i32 as i64 as u64, next_pc)
        }
        K_LOAD_3 => {
            let v = tri!(s, pc, mem::load::<S, 3>(s, a.wrapping_add(imm_i(insn))));
            wr(s, insn, v, next_pc)
        }
        K_LOAD_4 => {
            let v = tri!(s, pc, mem::load::<S, 0>(s, a.wrapping_add(imm_i(insn))));
            wr(s, insn, v, next_pc)
        }
        K_LOAD_5 => {
            let v = tri!(s, pc, mem::load::<S, 1>(s, a.wrapping_add(imm_i(insn))));
            wr(s, insn, v, next_pc)
        }
        K_LOAD_6 => {
            let v = tri!(s, pc, mem::load::<S, 2>(s, a.wrapping_add(imm_i(insn))));
            wr(s, insn, v, next_pc)
        }
        K_STORE_0 | K_STORE_1 | K_STORE_2 | K_STORE_3 => {
            tri!(s, pc, mem::exec_store(s, insn, next_pc))
        }
        K_MISC_MEM_0 | K_MISC_MEM_1 => {
            s.set_reg(reg::PC, next_pc);
            Flow::Next
        }
        K_SYSTEM_0 | K_SYSTEM_1 | K_SYSTEM_2 | K_SYSTEM_3 | K_SYSTEM_4 | K_SYSTEM_5
        | K_SYSTEM_6 | K_SYSTEM_7 => tri!(s, pc, system::execute(s, insn, pc, next_pc)),
        K_AMO_2 | K_AMO_3 => tri!(s, pc, amo::execute(s, insn, next_pc)),
        // Every other key (up to 255, so the jump table needs no range check).
        _ => illegal(s, pc, insn),
    }
}
