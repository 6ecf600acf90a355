//! Zicsr: the CSR set of docs/cartesi-v0.19.md §7.6 with the WARL rules of §7.7.

use super::decode::{funct3, rd, rs1};
use super::{Exception, Exec, Flow, StateAccess};
use crate::constants::{irq, mstatus as ms, prv, reg, satp, tlb, RTC_FREQ_DIV};

fn fs_on<S: StateAccess>(s: &S) -> bool {
    s.reg(reg::MSTATUS) & ms::FS != 0
}

/// Counter access rule for cycle/time/instret (bit 0/1/2 of the counter-enable CSRs).
fn counter_ok<S: StateAccess>(s: &S, bit: u32) -> bool {
    let m = (s.reg(reg::MCOUNTEREN) >> bit) & 1 != 0;
    match s.reg(reg::IPRV) {
        prv::M => true,
        prv::S => m,
        _ => m && (s.reg(reg::SCOUNTEREN) >> bit) & 1 != 0,
    }
}

fn minstret<S: StateAccess>(s: &S) -> u64 {
    s.reg(reg::MCYCLE).wrapping_sub(s.reg(reg::ICYCLEINSTRET))
}

/// Reads a CSR; `None` = illegal (absent or a CSR-specific check failed).
pub(crate) fn read_csr<S: StateAccess>(s: &S, csr: u32) -> Option<u64> {
    let r = |slot| s.reg(slot);
    Some(match csr {
        0x001..=0x003 if !fs_on(s) => return None,
        0x001 => r(reg::FCSR) & 0x1F,
        0x002 => (r(reg::FCSR) >> 5) & 7,
        0x003 => r(reg::FCSR) & 0xFF,
        0xC00 if counter_ok(s, 0) => r(reg::MCYCLE),
        0xC01 if counter_ok(s, 1) => r(reg::MCYCLE) / RTC_FREQ_DIV,
        0xC02 if counter_ok(s, 2) => minstret(s),
        0x100 => r(reg::MSTATUS) & ms::SSTATUS_READ_MASK,
        0x104 => r(reg::MIE) & r(reg::MIDELEG),
        0x105 => r(reg::STVEC),
        0x106 => r(reg::SCOUNTEREN),
        0x10A => r(reg::SENVCFG) & 1,
        0x140 => r(reg::SSCRATCH),
        0x141 => r(reg::SEPC),
        0x142 => r(reg::SCAUSE),
        0x143 => r(reg::STVAL),
        0x144 => r(reg::MIP) & r(reg::MIDELEG),
        0x180 => {
            if r(reg::IPRV) == prv::S && r(reg::MSTATUS) & ms::TVM != 0 {
                return None;
            }
            r(reg::SATP)
        }
        0xF11 => r(reg::MVENDORID),
        0xF12 => r(reg::MARCHID),
        0xF13 => r(reg::MIMPID),
        0xF14 | 0xF15 => 0,
        0x300 => r(reg::MSTATUS) & ms::READ_MASK,
        0x301 => r(reg::MISA),
        0x302 => r(reg::MEDELEG),
        0x303 => r(reg::MIDELEG),
        0x304 => r(reg::MIE),
        0x305 => r(reg::MTVEC),
        0x306 => r(reg::MCOUNTEREN),
        0x30A => r(reg::MENVCFG) & 1,
        0x320 | 0x323..=0x33F => 0,
        0x340 => r(reg::MSCRATCH),
        0x341 => r(reg::MEPC),
        0x342 => r(reg::MCAUSE),
        0x343 => r(reg::MTVAL),
        0x344 => r(reg::MIP),
        0x7A0..=0x7A3 => 0,
        0xB00 => r(reg::MCYCLE),
        0xB02 => minstret(s),
        0xB03..=0xB1F => 0,
        _ => return None,
    })
}

/// Writes mstatus with the docs/cartesi-v0.19.md §7.7 rules; returns the flow (serve interrupts on
/// SIE/MIE changes) and performs the mstatus-driven TLB flushes (docs/cartesi-v0.19.md §6.6).
pub(crate) fn write_mstatus<S: StateAccess>(s: &mut S, val: u64) -> Flow {
    let old = s.reg(reg::MSTATUS);
    let mut v = val;
    if (v & ms::MPP) >> ms::MPP_SHIFT == 2 {
        v &= !ms::MPP;
    }
    let mut new = (old & !ms::WRITE_MASK) | (v & ms::WRITE_MASK);
    if new & ms::FS != 0 {
        new |= ms::FS | ms::SD;
    } else {
        new &= !ms::SD;
    }
    s.set_reg(reg::MSTATUS, new);
    let changed = old ^ new;
    if changed & ms::MXR != 0 {
        s.flush_tlb(tlb::READ);
    }
    if changed & (ms::SUM | ms::MPRV) != 0 || (new & ms::MPRV != 0 && changed & ms::MPP != 0) {
        s.flush_tlb(tlb::READ);
        s.flush_tlb(tlb::WRITE);
    }
    if changed & (ms::SIE | ms::MIE) != 0 {
        Flow::ServeInterrupts
    } else {
        Flow::Next
    }
}

fn write_satp<S: StateAccess>(s: &mut S, val: u64) -> Flow {
    let mode = val >> satp::MODE_SHIFT;
    if mode != satp::MODE_BARE && mode != satp::MODE_SV39 && mode != satp::MODE_SV48 {
        return Flow::Next;
    }
    let old = s.reg(reg::SATP);
    let new = val & satp::WRITE_MASK;
    s.set_reg(reg::SATP, new);
    if (old ^ new) >> satp::MODE_SHIFT != 0 {
        for t in 0..tlb::TABLES {
            s.flush_tlb(t);
        }
        Flow::FlushFetch
    } else {
        Flow::Next
    }
}

/// Writes a CSR; `None` = illegal.
pub(crate) fn write_csr<S: StateAccess>(s: &mut S, csr: u32, v: u64) -> Option<Flow> {
    let set = |s: &mut S, slot, value| {
        s.set_reg(slot, value);
        Flow::Next
    };
    Some(match csr {
        0x001..=0x003 if !fs_on(s) => return None,
        0x001 => {
            let f = s.reg(reg::FCSR);
            set(s, reg::FCSR, (f & !0x1F) | (v & 0x1F))
        }
        0x002 => {
            let f = s.reg(reg::FCSR);
            set(s, reg::FCSR, (f & 0x1F) | ((v & 7) << 5))
        }
        0x003 => set(s, reg::FCSR, v & 0xFF),
        0x100 => {
            let m = s.reg(reg::MSTATUS);
            write_mstatus(
                s,
                (m & !ms::SSTATUS_WRITE_MASK) | (v & ms::SSTATUS_WRITE_MASK),
            )
        }
        0x104 => {
            let (mie, d) = (s.reg(reg::MIE), s.reg(reg::MIDELEG));
            s.set_reg(reg::MIE, (mie & !d) | (v & d));
            Flow::ServeInterrupts
        }
        0x105 => set(s, reg::STVEC, v & !1),
        0x106 => set(s, reg::SCOUNTEREN, v & 7),
        0x10A => set(s, reg::SENVCFG, v & 1),
        0x140 => set(s, reg::SSCRATCH, v),
        0x141 => set(s, reg::SEPC, v & !1),
        0x142 => set(s, reg::SCAUSE, v),
        0x143 => set(s, reg::STVAL, v),
        0x144 => {
            let (mip, d) = (s.reg(reg::MIP), s.reg(reg::MIDELEG) & irq::S_MASK);
            s.set_reg(reg::MIP, (mip & !d) | (v & d));
            Flow::ServeInterrupts
        }
        0x180 => {
            if s.reg(reg::IPRV) == prv::S && s.reg(reg::MSTATUS) & ms::TVM != 0 {
                return None;
            }
            write_satp(s, v)
        }
        0x300 => write_mstatus(s, v),
        0x301 => Flow::Next,
        0x302 => set(s, reg::MEDELEG, v & 0xB3FF),
        0x303 => {
            s.set_reg(reg::MIDELEG, v & irq::S_MASK);
            Flow::ServeInterrupts
        }
        0x304 => {
            s.set_reg(reg::MIE, v & irq::MIE_WRITE_MASK);
            Flow::ServeInterrupts
        }
        0x305 => set(s, reg::MTVEC, v & !1),
        0x306 => set(s, reg::MCOUNTEREN, v & 7),
        0x30A => set(s, reg::MENVCFG, v & 1),
        0x320 | 0x323..=0x33F => Flow::Next,
        0x340 => set(s, reg::MSCRATCH, v),
        0x341 => set(s, reg::MEPC, v & !1),
        0x342 => set(s, reg::MCAUSE, v),
        0x343 => set(s, reg::MTVAL, v),
        0x344 => {
            let mip = s.reg(reg::MIP);
            s.set_reg(reg::MIP, (mip & !irq::S_MASK) | (v & irq::S_MASK));
            Flow::ServeInterrupts
        }
        0x7A0..=0x7A3 => Flow::Next,
        0xB02 => {
            let c = s.reg(reg::MCYCLE);
            set(s, reg::ICYCLEINSTRET, c.wrapping_add(1).wrapping_sub(v))
        }
        0xB03..=0xB1F => Flow::Next,
        _ => return None,
    })
}

/// Executes CSRRW/CSRRS/CSRRC and their immediate forms.
pub(crate) fn execute<S: StateAccess>(s: &mut S, insn: u32, next_pc: u64) -> Exec {
    let csr = insn >> 20;
    let f3 = funct3(insn);
    let rd = rd(insn);
    let rs1f = rs1(insn);
    let illegal = Exception::illegal(insn);
    let op = f3 & 3;
    let src = if f3 & 4 != 0 { rs1f as u64 } else { s.x(rs1f) };
    let priv_ok = ((csr >> 8) & 3) as u64 <= s.reg(reg::IPRV);
    let reads = !(op == 1 && rd == 0);
    let old = if reads {
        if !priv_ok {
            return Err(illegal);
        }
        read_csr(s, csr).ok_or(illegal)?
    } else {
        0
    };
    let writes = op == 1 || rs1f != 0;
    let mut flow = Flow::Next;
    if writes {
        if csr >> 10 == 3 || !priv_ok {
            return Err(illegal);
        }
        let val = match op {
            1 => src,
            2 => old | src,
            _ => old & !src,
        };
        flow = write_csr(s, csr, val).ok_or(illegal)?;
    }
    if reads {
        s.set_x(rd, old);
    }
    s.set_reg(reg::PC, next_pc);
    Ok(flow)
}
