//! Trap entry (docs/cartesi-v0.19.md §7.5), privilege changes and interrupt selection (§7.8).

use super::{Exception, StateAccess};
use crate::constants::{cause, irq, mstatus as ms, prv, reg, tlb};

/// Changes the privilege level; a real change flushes every TLB table and drops the LR/SC
/// reservation (docs/cartesi-v0.19.md §6.6, §7.2).
pub(crate) fn set_priv<S: StateAccess>(s: &mut S, new: u64) {
    if s.reg(reg::IPRV) != new {
        for t in 0..tlb::TABLES {
            s.flush_tlb(t);
        }
        s.set_reg(reg::ILRSC, u64::MAX);
        s.set_reg(reg::IPRV, new);
    }
}

/// Enters a trap for `mcause` (bit 63 set for interrupts), with `epc` and `tval`.
pub(crate) fn enter<S: StateAccess>(s: &mut S, mcause: u64, tval: u64, epc: u64) {
    let cur = s.reg(reg::IPRV);
    let code = mcause & 63;
    let deleg_reg = if mcause & cause::INTERRUPT != 0 {
        reg::MIDELEG
    } else {
        reg::MEDELEG
    };
    let delegated = cur <= prv::S && (s.reg(deleg_reg) >> code) & 1 != 0;
    let mut st = s.reg(reg::MSTATUS);
    if delegated {
        s.set_reg(reg::SCAUSE, mcause);
        s.set_reg(reg::SEPC, epc);
        s.set_reg(reg::STVAL, tval);
        st = (st & !ms::SPIE) | if st & ms::SIE != 0 { ms::SPIE } else { 0 };
        st = (st & !ms::SPP) | if cur != prv::U { ms::SPP } else { 0 };
        st &= !ms::SIE;
        s.set_reg(reg::MSTATUS, st);
        set_priv(s, prv::S);
        let v = s.reg(reg::STVEC);
        s.set_reg(reg::PC, v);
    } else {
        s.set_reg(reg::MCAUSE, mcause);
        s.set_reg(reg::MEPC, epc);
        s.set_reg(reg::MTVAL, tval);
        st = (st & !ms::MPIE) | if st & ms::MIE != 0 { ms::MPIE } else { 0 };
        st = (st & !ms::MPP) | (cur << ms::MPP_SHIFT);
        st &= !ms::MIE;
        s.set_reg(reg::MSTATUS, st);
        set_priv(s, prv::M);
        let v = s.reg(reg::MTVEC);
        s.set_reg(reg::PC, v);
    }
    let c = s.reg(reg::ICYCLEINSTRET);
    s.set_reg(reg::ICYCLEINSTRET, c.wrapping_add(1));
}

/// Raises a synchronous exception for the instruction at `pc`.
#[inline(never)]
pub(crate) fn raise_exception<S: StateAccess>(s: &mut S, e: Exception, pc: u64) {
    enter(s, e.cause, e.tval, pc);
}

/// The highest-priority pending and enabled interrupt number, if any (docs/cartesi-v0.19.md §7.8).
pub(crate) fn pending_interrupt<S: StateAccess>(s: &S) -> Option<u64> {
    let pending = s.reg(reg::MIP) & s.reg(reg::MIE);
    if pending == 0 {
        return None;
    }
    let st = s.reg(reg::MSTATUS);
    let mideleg = s.reg(reg::MIDELEG);
    let enabled = match s.reg(reg::IPRV) {
        prv::M => {
            if st & ms::MIE != 0 {
                pending & !mideleg
            } else {
                0
            }
        }
        prv::S => {
            if st & ms::SIE != 0 {
                pending
            } else {
                pending & !mideleg
            }
        }
        _ => pending,
    };
    if enabled == 0 {
        return None;
    }
    irq::PRIORITY
        .iter()
        .copied()
        .find(|&n| (enabled >> n) & 1 != 0)
}

/// Takes the highest-priority pending interrupt, if any (costs no mcycle).
#[inline]
pub(crate) fn serve_interrupts<S: StateAccess>(s: &mut S) {
    if let Some(n) = pending_interrupt(s) {
        let pc = s.reg(reg::PC);
        enter(s, cause::INTERRUPT | n, 0, pc);
    }
}
