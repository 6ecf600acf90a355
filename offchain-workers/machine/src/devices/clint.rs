//! CLINT (docs/cartesi-v0.19.md §7.11): msip (32-bit), mtimecmp (64-bit), mtime (64-bit read-only).

use crate::constants::{irq, reg, RTC_FREQ_DIV};
use crate::interp::{Flow, StateAccess};

const MSIP0: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xBFF8;

pub(super) fn read<S: StateAccess>(s: &mut S, offset: u64, log2: u32) -> Option<u64> {
    match (offset, log2) {
        (MSIP0, 2) => Some((s.reg(reg::MIP) & irq::MSIP) >> 3),
        (MTIMECMP, 3) => Some(s.reg(reg::CLINT_MTIMECMP)),
        (MTIME, 3) => Some(s.reg(reg::MCYCLE) / RTC_FREQ_DIV),
        _ => None,
    }
}

pub(super) fn write<S: StateAccess>(s: &mut S, offset: u64, log2: u32, value: u64) -> Option<Flow> {
    match (offset, log2) {
        (MSIP0, 2) => {
            let mip = s.reg(reg::MIP);
            if value & 1 != 0 {
                s.set_reg(reg::MIP, mip | irq::MSIP);
                Some(Flow::ServeInterrupts)
            } else {
                s.set_reg(reg::MIP, mip & !irq::MSIP);
                Some(Flow::Next)
            }
        }
        (MTIMECMP, 3) => {
            s.set_reg(reg::CLINT_MTIMECMP, value);
            let mip = s.reg(reg::MIP);
            s.set_reg(reg::MIP, mip & !irq::MTIP);
            Some(Flow::Next)
        }
        _ => None,
    }
}
