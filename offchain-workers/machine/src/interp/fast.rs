//! The hot path of the inner loop: instructions that can complete without touching any
//! state besides the integer registers and host-cached memory pages.
//!
//! [`exec`] runs a predecoded instruction (an entry of a [`super::predecode`] block) and
//! either completes it (the caller keeps pc and mcycle in locals and does *not* store
//! them per instruction), or returns [`Step::Slow`] having changed nothing, in which
//! case the caller synchronises pc/mcycle into the state and runs the full architectural
//! path ([`super::execute::execute`]) on the same
//! instruction. Every case handled here has exactly the effect the full path would have:
//! it only writes rd and produces the next pc; loads and stores only complete on a
//! host-pointer TLB hit of a naturally aligned access (exactly when the full path would
//! take the same `fast_read`/`fast_write` branch). Everything that can trap, touch CSRs,
//! devices, the TLB or the fetch cache goes to the slow path.

use super::predecode::{Entry, Op};
use super::{alu, StateAccess};

/// What [`exec`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Completed; the next instruction follows it.
    Next,
    /// Completed a store whose bytes may overlap `[lo, lo + span)` of the host page the
    /// block was decoded from (the caller's range): the rest of the block may be stale.
    Overlap,
    /// Completed a jump or branch to this pc.
    Jump(u64),
    /// Not on the fast path: nothing changed, run the full path.
    Slow,
}

/// Load through the host-pointer cache only (a miss or a misaligned access, which the
/// backend refuses: slow path).
#[inline(always)]
fn ld<S: StateAccess, const L: u32>(s: &S, vaddr: u64) -> Option<u64> {
    s.fast_read::<L>(vaddr)
}

/// Store through the host-pointer cache only (a miss or a misaligned access: slow path,
/// as in [`ld`]); tells whether the bytes written may overlap the host range `code`
/// (start, length).
#[inline(always)]
fn st<S: StateAccess, const L: u32>(
    s: &mut S,
    vaddr: u64,
    value: u64,
    code: (usize, usize),
) -> Step {
    match s.fast_write::<L>(vaddr, value) {
        None => Step::Slow,
        // Conservative: any store within 7 bytes before the range counts.
        Some(p) if (p as usize).wrapping_add(7).wrapping_sub(code.0) < code.1 + 7 => Step::Overlap,
        Some(_) => Step::Next,
    }
}

/// A taken branch: the target, behind an empty `asm!` that keeps LLVM from turning the
/// branch into a conditional move. A guest branch then becomes a host branch, which
/// the CPU predicts, instead of a data dependency of the next pc on the operand loads.
#[inline(always)]
fn taken(target: u64) -> Step {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    // SAFETY: an empty instruction sequence: touches no register, memory or flag.
    unsafe {
        core::arch::asm!("", options(nomem, nostack, preserves_flags));
    }
    Step::Jump(target)
}

/// Executes the predecoded instruction `e`, fetched from the virtual page `vbase`, if it
/// is on the fast path (see the module docs). `code` is the host byte range the
/// caller's block was decoded from.
#[inline(always)]
pub(super) fn exec<S: StateAccess>(s: &mut S, vbase: u64, e: &Entry, code: (usize, usize)) -> Step {
    let pc = || vbase | e.off as u64;
    let next = || pc().wrapping_add(e.len as u64);
    let a = s.x(e.rs1.n());
    let imm = e.imm as i64 as u64;
    let b = || s.x(e.rs2.n());
    let branch = |cond: bool| {
        if cond {
            taken(pc().wrapping_add(imm))
        } else {
            Step::Jump(next())
        }
    };
    // The value of an instruction that can leave the fast path.
    macro_rules! or_slow {
        ($v:expr) => {
            match $v {
                Some(v) => v,
                None => return Step::Slow,
            }
        };
    }
    let v = match e.op {
        Op::Slow => return Step::Slow,
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
        Op::MulDiv => or_slow!(alu::op(e.insn(), a, b())),
        Op::Addiw => (a as i32).wrapping_add(imm as i32) as i64 as u64,
        Op::ShiftImmW => or_slow!(alu::op_imm32(e.insn(), a)),
        Op::Addw => (a as i32).wrapping_add(b() as i32) as i64 as u64,
        Op::Subw => (a as i32).wrapping_sub(b() as i32) as i64 as u64,
        Op::AluW => or_slow!(alu::op32(e.insn(), a, b())),
        Op::Lui => imm,
        Op::Auipc => pc().wrapping_add(imm),
        Op::Jal => {
            s.set_x(e.rd.n(), next());
            return Step::Jump(pc().wrapping_add(imm));
        }
        Op::Jalr => {
            s.set_x(e.rd.n(), next());
            return Step::Jump(a.wrapping_add(imm) & !1);
        }
        Op::Beq => return branch(a == b()),
        Op::Bne => return branch(a != b()),
        Op::Blt => return branch((a as i64) < (b() as i64)),
        Op::Bge => return branch((a as i64) >= (b() as i64)),
        Op::Bltu => return branch(a < b()),
        Op::Bgeu => return branch(a >= b()),
        Op::Lb => or_slow!(ld::<S, 0>(s, a.wrapping_add(imm))) as i8 as i64 as u64,
        Op::Lh => or_slow!(ld::<S, 1>(s, a.wrapping_add(imm))) as i16 as i64 as u64,
        Op::Lw => or_slow!(ld::<S, 2>(s, a.wrapping_add(imm))) as i32 as i64 as u64,
        Op::Ld => or_slow!(ld::<S, 3>(s, a.wrapping_add(imm))),
        Op::Lbu => or_slow!(ld::<S, 0>(s, a.wrapping_add(imm))),
        Op::Lhu => or_slow!(ld::<S, 1>(s, a.wrapping_add(imm))),
        Op::Lwu => or_slow!(ld::<S, 2>(s, a.wrapping_add(imm))),
        Op::Sb => return st::<S, 0>(s, a.wrapping_add(imm), b(), code),
        Op::Sh => return st::<S, 1>(s, a.wrapping_add(imm), b(), code),
        Op::Sw => return st::<S, 2>(s, a.wrapping_add(imm), b(), code),
        Op::Sd => return st::<S, 3>(s, a.wrapping_add(imm), b(), code),
        Op::Fence => return Step::Next,
    };
    s.set_x_nonzero(e.rd.n(), v);
    Step::Next
}
