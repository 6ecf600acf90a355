//! Minimal PLIC (docs/cartesi-v0.19.md §7.11). Reproducible machines have no external interrupt
//! sources, so `girqpend` stays 0; the claim/complete logic is kept for completeness.

use crate::constants::{irq, reg};
use crate::interp::{Flow, StateAccess};

const PENDING: u64 = 0x1000;
const ENABLE: u64 = 0x2000;
const THRESHOLD: u64 = 0x20_0000;
const CLAIM: u64 = 0x20_0004;

fn update_mip<S: StateAccess>(s: &mut S) -> bool {
    let pending = s.reg(reg::PLIC_GIRQPEND) & !s.reg(reg::PLIC_GIRQSRVD);
    let mip = s.reg(reg::MIP);
    if pending != 0 {
        s.set_reg(reg::MIP, mip | irq::MEIP | irq::SEIP);
        true
    } else {
        s.set_reg(reg::MIP, mip & !(irq::MEIP | irq::SEIP));
        false
    }
}

pub(super) fn read<S: StateAccess>(s: &mut S, offset: u64, log2: u32) -> Option<u64> {
    if log2 != 2 {
        return None;
    }
    Some(match offset {
        0x4..=0x7C => 1,
        PENDING => (s.reg(reg::PLIC_GIRQPEND) & !s.reg(reg::PLIC_GIRQSRVD)) & 0xFFFF_FFFF,
        ENABLE => 0xFFFF_FFFE,
        THRESHOLD => 0,
        CLAIM => {
            let pending = s.reg(reg::PLIC_GIRQPEND) & !s.reg(reg::PLIC_GIRQSRVD) & 0xFFFF_FFFE;
            if pending == 0 {
                0
            } else {
                let id = 63 - pending.leading_zeros() as u64;
                let srvd = s.reg(reg::PLIC_GIRQSRVD);
                s.set_reg(reg::PLIC_GIRQSRVD, srvd | (1 << id));
                update_mip(s);
                id
            }
        }
        _ => 0,
    })
}

pub(super) fn write<S: StateAccess>(s: &mut S, offset: u64, log2: u32, value: u64) -> Option<Flow> {
    if log2 != 2 {
        return None;
    }
    if offset == CLAIM {
        let id = value & 31;
        let srvd = s.reg(reg::PLIC_GIRQSRVD);
        s.set_reg(reg::PLIC_GIRQSRVD, srvd & !(1 << id));
        let pend = s.reg(reg::PLIC_GIRQPEND);
        s.set_reg(reg::PLIC_GIRQPEND, pend & !(1 << id));
        if update_mip(s) {
            return Some(Flow::ServeInterrupts);
        }
    }
    Some(Flow::Next)
}
