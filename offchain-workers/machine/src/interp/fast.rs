//! The hot path of the inner loop: instructions that can complete without touching any
//! state besides the integer registers and host-cached memory pages.
//!
//! [`exec`] runs a predecoded instruction ([`super::predecode`]) and either completes it
//! and returns the next pc (the caller keeps pc and mcycle in locals and does *not*
//! store them per instruction), or returns `None`
//! having changed nothing, in which case the caller synchronises pc/mcycle into the state
//! and runs the full architectural path ([`super::execute::execute`]) on the same
//! instruction. Every case handled here has exactly the effect the full path would have:
//! it only writes rd and produces the next pc; loads and stores only complete on a
//! host-pointer TLB hit of a naturally aligned access (exactly when the full path would
//! take the same `fast_read`/`fast_write` branch). Everything that can trap, touch CSRs,
//! devices, the TLB or the fetch cache goes to the slow path.

use super::predecode::{Entry, Op};
use super::{alu, StateAccess};

/// Load through the host-pointer cache only (misaligned or miss: slow path).
#[inline(always)]
fn ld<S: StateAccess, const L: u32>(s: &S, vaddr: u64) -> Option<u64> {
    if vaddr & ((1 << L) - 1) != 0 {
        return None;
    }
    s.fast_read::<L>(vaddr)
}

/// Store through the host-pointer cache only (misaligned or miss: slow path).
#[inline(always)]
fn st<S: StateAccess, const L: u32>(s: &mut S, vaddr: u64, value: u64) -> Option<()> {
    if vaddr & ((1 << L) - 1) != 0 || !s.fast_write::<L>(vaddr, value) {
        return None;
    }
    Some(())
}

/// A taken branch: the target, behind an empty `asm!` that keeps LLVM from turning the
/// branch into a conditional move. A guest branch then becomes a host branch, which
/// the CPU predicts, instead of a data dependency of the next pc on the operand loads.
#[inline(always)]
fn taken(target: u64) -> Option<u64> {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    // SAFETY: an empty instruction sequence: touches no register, memory or flag.
    unsafe {
        core::arch::asm!("", options(nomem, nostack, preserves_flags));
    }
    Some(target)
}

/// Executes the predecoded instruction `e` (fetched at `pc`, `LEN` bytes long) if it is on
/// the fast path; see the module docs.
#[inline(always)]
pub(super) fn exec<S: StateAccess, const LEN: u64>(s: &mut S, pc: u64, e: &Entry) -> Option<u64> {
    let next = pc.wrapping_add(LEN);
    let a = s.x(e.rs1 as u32);
    let imm = e.imm as i64 as u64;
    let b = || s.x(e.rs2 as u32);
    let v = match e.op {
        Op::Slow => return None,
        Op::Addi => a.wrapping_add(imm),
        Op::Slti => ((a as i64) < (imm as i64)) as u64,
        Op::Sltiu => (a < imm) as u64,
        Op::Xori => a ^ imm,
        Op::Ori => a | imm,
        Op::Andi => a & imm,
        Op::Slli => a << imm,
        Op::Srli => a >> imm,
        Op::Srai => ((a as i64) >> imm) as u64,
        Op::Add => a.wrapping_add(b()),
        Op::Sub => a.wrapping_sub(b()),
        Op::Sll => a << (b() & 63),
        Op::Slt => ((a as i64) < (b() as i64)) as u64,
        Op::Sltu => (a < b()) as u64,
        Op::Xor => a ^ b(),
        Op::Srl => a >> (b() & 63),
        Op::Sra => ((a as i64) >> (b() & 63)) as u64,
        Op::Or => a | b(),
        Op::And => a & b(),
        Op::MulDiv => alu::op(e.insn(), a, b())?,
        Op::Addiw => (a as i32).wrapping_add(imm as i32) as i64 as u64,
        Op::ShiftImmW => alu::op_imm32(e.insn(), a)?,
        Op::Addw => (a as i32).wrapping_add(b() as i32) as i64 as u64,
        Op::Subw => (a as i32).wrapping_sub(b() as i32) as i64 as u64,
        Op::AluW => alu::op32(e.insn(), a, b())?,
        Op::Lui => imm,
        Op::Auipc => pc.wrapping_add(imm),
        Op::Jal => {
            s.set_x(e.rd as u32, next);
            return Some(pc.wrapping_add(imm));
        }
        Op::Jalr => {
            s.set_x(e.rd as u32, next);
            return Some(a.wrapping_add(imm) & !1);
        }
        Op::Beq => {
            return if a == b() {
                taken(pc.wrapping_add(imm))
            } else {
                Some(next)
            }
        }
        Op::Bne => {
            return if a != b() {
                taken(pc.wrapping_add(imm))
            } else {
                Some(next)
            }
        }
        Op::Blt => {
            return if (a as i64) < (b() as i64) {
                taken(pc.wrapping_add(imm))
            } else {
                Some(next)
            }
        }
        Op::Bge => {
            return if (a as i64) >= (b() as i64) {
                taken(pc.wrapping_add(imm))
            } else {
                Some(next)
            }
        }
        Op::Bltu => {
            return if a < b() {
                taken(pc.wrapping_add(imm))
            } else {
                Some(next)
            }
        }
        Op::Bgeu => {
            return if a >= b() {
                taken(pc.wrapping_add(imm))
            } else {
                Some(next)
            }
        }
        Op::Lb => ld::<S, 0>(s, a.wrapping_add(imm))? as i8 as i64 as u64,
        Op::Lh => ld::<S, 1>(s, a.wrapping_add(imm))? as i16 as i64 as u64,
        Op::Lw => ld::<S, 2>(s, a.wrapping_add(imm))? as i32 as i64 as u64,
        Op::Ld => ld::<S, 3>(s, a.wrapping_add(imm))?,
        Op::Lbu => ld::<S, 0>(s, a.wrapping_add(imm))?,
        Op::Lhu => ld::<S, 1>(s, a.wrapping_add(imm))?,
        Op::Lwu => ld::<S, 2>(s, a.wrapping_add(imm))?,
        Op::Sb => return st::<S, 0>(s, a.wrapping_add(imm), b()).map(|()| next),
        Op::Sh => return st::<S, 1>(s, a.wrapping_add(imm), b()).map(|()| next),
        Op::Sw => return st::<S, 2>(s, a.wrapping_add(imm), b()).map(|()| next),
        Op::Sd => return st::<S, 3>(s, a.wrapping_add(imm), b()).map(|()| next),
        Op::Fence => return Some(next),
    };
    s.set_x(e.rd as u32, v);
    Some(next)
}
