//! The RV64IMAC + Zicsr + Zifencei interpreter (M/S/U, Sv39/Sv48), generic over
//! [`StateAccess`].
//!
//! Files by instruction class: [`decode`] (field extraction), `alu` (I/M arithmetic),
//! `mem` (loads/stores), `amo` (A), `compressed` (C expansion), `csr`, `system`
//! (ecall/ebreak/xret/wfi/fence/sfence), `trap` (trap entry, interrupts), `mmu`
//! (Sv39/Sv48), `fetch` (instruction fetch and the fetch cache of docs/cartesi-v0.19.md
//! §6.7), `execute` (dispatch: the full architectural path), `predecode` (the cache of
//! predecoded blocks, checked against the bytes they came from) and `fast` (the hot path
//! that completes plain instructions with pc and mcycle in locals).
//!
//! F and D: `misa` reports them (as v0.19 does) and `fflags`/`frm`/`fcsr` exist with the
//! `mstatus.FS ≠ Off` check, but every F/D instruction (including C.FLD/C.FSD/C.FLDSP/
//! C.FSDSP) currently raises an illegal-instruction exception. This matches v0.19 only
//! while `mstatus.FS` is Off (the reset value); soft-float may come later.

pub mod access;
mod alu;
mod amo;
mod compressed;
mod csr;
pub mod decode;
mod execute;
mod fast;
mod fetch;
mod mem;
mod mmu;
mod predecode;
mod system;
mod trap;

pub use access::{StateAccess, TlbSlot};
pub(crate) use predecode::BlockCache;

use crate::constants::{irq, reg, PAGE_OFFSET_MASK, RTC_FREQ_DIV};
use fast::Step;

/// A synchronous exception raised by an instruction (a guest fault, never a host error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exception {
    /// mcause value (without the interrupt bit).
    pub cause: u64,
    /// mtval/stval value.
    pub tval: u64,
}

impl Exception {
    /// Illegal instruction with the instruction bits as tval.
    #[inline]
    pub fn illegal(insn: u32) -> Exception {
        Exception {
            cause: crate::constants::cause::ILLEGAL,
            tval: insn as u64,
        }
    }
}

/// How an instruction that did not raise an exception wants the loop to continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Plain success.
    Next,
    /// Success, but the fetch cache must be invalidated (satp mode change, SFENCE.VMA).
    FlushFetch,
    /// Success; check interrupts before the next instruction (docs/cartesi-v0.19.md §7.8).
    ServeInterrupts,
    /// Halt or yield: leave `run`.
    Stop,
    /// The instruction raised an exception and the trap was already entered.
    Raised,
}

/// Result of executing one instruction.
pub type Exec = Result<Flow, Exception>;

/// Why `run` returned (numbers as in the C API `cm_break_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BreakReason {
    /// `iflags_H` is set.
    Halted = 1,
    /// `iflags_Y` is set.
    YieldedManually = 2,
    /// `iflags_X` is set.
    YieldedAutomatically = 3,
    /// Soft yield (never produced: the runtime option is off).
    YieldedSoftly = 4,
    /// `mcycle` reached the requested end.
    ReachedTargetMcycle = 5,
}

impl BreakReason {
    /// The C API number.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Runs until `mcycle_end`, a halt or a yield (docs/cartesi-v0.19.md §3.2). The caller has checked
/// `mcycle_end >= mcycle`.
pub fn run<S: StateAccess>(s: &mut S, mcycle_end: u64) -> BreakReason {
    run_cached(s, &mut BlockCache::new(), mcycle_end)
}

/// [`run`] with a block cache that outlives the run (see [`BlockCache`]).
pub(crate) fn run_cached<S: StateAccess>(
    s: &mut S,
    blocks: &mut BlockCache,
    mcycle_end: u64,
) -> BreakReason {
    if s.reg(reg::IFLAGS_H) != 0 {
        return BreakReason::Halted;
    }
    if s.reg(reg::IFLAGS_Y) != 0 {
        return BreakReason::YieldedManually;
    }
    if s.reg(reg::MCYCLE) >= mcycle_end {
        return BreakReason::ReachedTargetMcycle;
    }
    s.set_reg(reg::IFLAGS_X, 0);
    s.begin_run();
    blocks.prepare(mcycle_end - s.reg(reg::MCYCLE));
    run_loop(s, blocks, mcycle_end);
    if s.reg(reg::IFLAGS_H) != 0 {
        BreakReason::Halted
    } else if s.reg(reg::IFLAGS_Y) != 0 {
        BreakReason::YieldedManually
    } else if s.reg(reg::IFLAGS_X) != 0 {
        BreakReason::YieldedAutomatically
    } else {
        BreakReason::ReachedTargetMcycle
    }
}

/// Executes one inner-loop step (= `run(mcycle + 1)`).
pub fn step<S: StateAccess>(s: &mut S) -> BreakReason {
    let end = s.reg(reg::MCYCLE).wrapping_add(1);
    run(s, end)
}

fn run_loop<S: StateAccess>(s: &mut S, cache: &mut BlockCache, mcycle_end: u64) {
    loop {
        let mcycle = s.reg(reg::MCYCLE);
        if mcycle >= mcycle_end {
            return;
        }
        // RTC_FREQ_DIV is a power of two.
        if mcycle & (RTC_FREQ_DIV - 1) == 0 {
            let cmp = s.reg(reg::CLINT_MTIMECMP).wrapping_mul(RTC_FREQ_DIV);
            if cmp != 0 && cmp <= mcycle {
                let mip = s.reg(reg::MIP);
                s.set_reg(reg::MIP, mip | irq::MTIP);
            }
        }
        trap::serve_interrupts(s);
        let tick_end =
            mcycle + core::cmp::min(mcycle_end - mcycle, RTC_FREQ_DIV - mcycle % RTC_FREQ_DIV);
        if inner_loop(s, cache, mcycle, tick_end) {
            return;
        }
    }
}

/// Runs instructions until `tick_end`; returns `true` on halt/yield.
///
/// pc and mcycle live in locals while instructions take the fast path (fetch-cache hit,
/// a block predecoded through `cache`, each entry run by [`fast::exec`]: no trap, no
/// CSR/device/TLB access)
/// and are written to the state before anything else runs (the full path, which may
/// read them) and on exit, so the
/// state seen by every other piece of code is exactly what the per-instruction loop
/// would have produced: during an instruction mcycle is its pre-increment value, after
/// a fetch exception it is already incremented (as in v0.19).
#[inline(never)]
fn inner_loop<S: StateAccess>(
    s: &mut S,
    cache: &mut BlockCache,
    mut mcycle: u64,
    tick_end: u64,
) -> bool {
    let mut pc = s.reg(reg::PC);
    let stopped = 'outer: loop {
        if mcycle >= tick_end {
            break false;
        }
        let insn = match s.fetch_page(pc) {
            Some(page) => {
                // SAFETY: `fetch_page` returned the host copy of pc's page, and pc's page
                // offset is below 4094 (that is when it hits).
                let b = unsafe { cache.get(pc, page) };
                let vbase = pc & !PAGE_OFFSET_MASK;
                let code = (page as usize + (pc & PAGE_OFFSET_MASK) as usize, b.span);
                let slow = 'block: loop {
                    // mcycle and the interrupt checks stay exact: at most the instructions
                    // left before `tick_end` run, and none of them can raise an interrupt.
                    // Fast instructions never move the fetch cache off this page, and every
                    // entry's offset is below 4094, so each of their fetches would hit it
                    // and read the bytes the block was decoded from (compared on entry;
                    // a store of the block's own that may change them ends the block).
                    let limit = core::cmp::min(b.n as u64, tick_end - mcycle) as usize;
                    // SAFETY: `1 <= limit <= b.n <= BLOCK_MAX`.
                    let entries = unsafe { b.entries.get_unchecked(..limit) };
                    let mut end = None;
                    for e in entries {
                        let step = fast::exec(s, vbase, e, code);
                        if step != Step::Next {
                            end = Some((e, step));
                            break;
                        }
                    }
                    let (e, step) = end.unwrap_or((&entries[limit - 1], Step::Next));
                    // SAFETY: `e` is an element of `entries`.
                    let i = unsafe { (e as *const predecode::Entry).offset_from(entries.as_ptr()) }
                        as u64;
                    let epc = vbase | e.off as u64;
                    match step {
                        Step::Slow => {
                            mcycle += i;
                            pc = epc;
                            // SAFETY: `page` is still valid (only fast paths ran) and
                            // `e.off <= 4092`.
                            break 'block unsafe { predecode::read_raw(page, e.off) };
                        }
                        Step::Jump(target) => {
                            mcycle += i + 1;
                            pc = target;
                            // A loop within the block: its bytes are unchanged (no store of
                            // this pass touched them), so run it again.
                            if target == b.pc && mcycle < tick_end {
                                continue 'block;
                            }
                        }
                        Step::Next | Step::Overlap => {
                            mcycle += i + 1;
                            pc = epc.wrapping_add(e.len as u64);
                        }
                    }
                    continue 'outer;
                };
                s.set_reg(reg::PC, pc);
                s.set_reg(reg::MCYCLE, mcycle);
                slow
            }
            None => {
                s.set_reg(reg::PC, pc);
                s.set_reg(reg::MCYCLE, mcycle);
                match s
                    .fetch_cached(pc)
                    .ok_or(())
                    .or_else(|()| fetch::fetch_slow(s, pc))
                {
                    Ok(insn) => insn,
                    Err(e) => {
                        mcycle += 1;
                        s.set_reg(reg::MCYCLE, mcycle);
                        trap::raise_exception(s, e, pc);
                        s.fetch_cache_invalidate();
                        pc = s.reg(reg::PC);
                        continue;
                    }
                }
            }
        };
        let flow = execute::execute(s, pc, insn);
        mcycle += 1;
        pc = s.reg(reg::PC);
        if flow == Flow::Next {
            continue;
        }
        s.fetch_cache_invalidate();
        match flow {
            Flow::ServeInterrupts => break false,
            Flow::Stop => break true,
            _ => {}
        }
    };
    s.set_reg(reg::PC, pc);
    s.set_reg(reg::MCYCLE, mcycle);
    stopped
}
