//! The A extension: LR/SC (docs/cartesi-v0.19.md §7.2) and AMOs (§7.1: AMOs report store-type
//! exceptions).

use super::decode::{funct3, rd, rs1, rs2};
use super::mem::{self, AMO_CAUSES};
use super::{Exception, Exec, Flow, StateAccess};
use crate::constants::{cause, reg};

/// Executes an AMO-opcode (0x2F) instruction.
pub(crate) fn execute<S: StateAccess>(s: &mut S, insn: u32, next_pc: u64) -> Exec {
    match funct3(insn) {
        2 => amo::<S, 2>(s, insn, next_pc),
        3 => amo::<S, 3>(s, insn, next_pc),
        _ => Err(Exception::illegal(insn)),
    }
}

#[inline(always)]
fn sext<const L: u32>(v: u64) -> u64 {
    if L == 2 {
        v as i32 as i64 as u64
    } else {
        v
    }
}

fn amo<S: StateAccess, const L: u32>(s: &mut S, insn: u32, next_pc: u64) -> Exec {
    let vaddr = s.x(rs1(insn));
    let src = sext::<L>(s.x(rs2(insn)));
    let rd = rd(insn);
    let f5 = insn >> 27;
    let flow = match f5 {
        0x02 => {
            if rs2(insn) != 0 {
                return Err(Exception::illegal(insn));
            }
            let v = mem::load::<S, L>(s, vaddr)?;
            s.set_reg(reg::ILRSC, vaddr);
            s.set_x(rd, sext::<L>(v));
            Flow::Next
        }
        0x03 => {
            let flow = if s.reg(reg::ILRSC) == vaddr {
                let f = mem::store::<S, L>(s, vaddr, src)?;
                s.set_x(rd, 0);
                f
            } else {
                s.set_x(rd, 1);
                Flow::Next
            };
            s.set_reg(reg::ILRSC, u64::MAX);
            flow
        }
        0x00 | 0x01 | 0x04 | 0x08 | 0x0C | 0x10 | 0x14 | 0x18 | 0x1C => {
            if vaddr & ((1 << L) - 1) != 0 {
                return Err(Exception {
                    cause: cause::STORE_MISALIGNED,
                    tval: vaddr,
                });
            }
            let old = sext::<L>(mem::read::<S, L>(s, vaddr, AMO_CAUSES)?);
            let (ou, su) = if L == 2 {
                (old as u32 as u64, src as u32 as u64)
            } else {
                (old, src)
            };
            let new = match f5 {
                0x00 => old.wrapping_add(src),
                0x01 => src,
                0x04 => old ^ src,
                0x08 => old | src,
                0x0C => old & src,
                0x10 => core::cmp::min(old as i64, src as i64) as u64,
                0x14 => core::cmp::max(old as i64, src as i64) as u64,
                0x18 => core::cmp::min(ou, su),
                _ => core::cmp::max(ou, su),
            };
            let f = mem::write::<S, L>(s, vaddr, new)?;
            s.set_x(rd, old);
            f
        }
        _ => return Err(Exception::illegal(insn)),
    };
    s.set_reg(reg::PC, next_pc);
    Ok(flow)
}
