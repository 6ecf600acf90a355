//! SYSTEM and MISC-MEM: ECALL, EBREAK, MRET, SRET, WFI, SFENCE.VMA, CSR dispatch,
//! FENCE and FENCE.I (docs/cartesi-v0.19.md §7.3, §7.4).

use super::decode::funct3;
use super::trap::set_priv;
use super::{csr, Exception, Exec, Flow, StateAccess};
use crate::constants::{cause, mstatus as ms, prv, reg, tlb};

const ECALL: u32 = 0x0000_0073;
const EBREAK: u32 = 0x0010_0073;
const SRET: u32 = 0x1020_0073;
const MRET: u32 = 0x3020_0073;
const WFI: u32 = 0x1050_0073;

/// SYSTEM (opcode 0x73).
pub(crate) fn execute<S: StateAccess>(s: &mut S, insn: u32, pc: u64, next_pc: u64) -> Exec {
    let f3 = funct3(insn);
    if f3 != 0 {
        if f3 == 4 {
            return Err(Exception::illegal(insn));
        }
        return csr::execute(s, insn, next_pc);
    }
    let p = s.reg(reg::IPRV);
    let st = s.reg(reg::MSTATUS);
    match insn {
        ECALL => Err(Exception {
            cause: cause::ECALL_U + p,
            tval: 0,
        }),
        EBREAK => Err(Exception {
            cause: cause::BREAKPOINT,
            tval: pc,
        }),
        MRET => {
            if p < prv::M {
                return Err(Exception::illegal(insn));
            }
            let mpp = (st & ms::MPP) >> ms::MPP_SHIFT;
            let mut n = (st & !ms::MIE) | if st & ms::MPIE != 0 { ms::MIE } else { 0 };
            n |= ms::MPIE;
            n &= !ms::MPP;
            if mpp < prv::M {
                n &= !ms::MPRV;
            }
            s.set_reg(reg::MSTATUS, n);
            set_priv(s, mpp);
            let epc = s.reg(reg::MEPC);
            s.set_reg(reg::PC, epc);
            Ok(Flow::ServeInterrupts)
        }
        SRET => {
            if p == prv::U || (p == prv::S && st & ms::TSR != 0) {
                return Err(Exception::illegal(insn));
            }
            let spp = (st & ms::SPP) >> 8;
            let mut n = (st & !ms::SIE) | if st & ms::SPIE != 0 { ms::SIE } else { 0 };
            n |= ms::SPIE;
            n &= !ms::SPP;
            n &= !ms::MPRV;
            s.set_reg(reg::MSTATUS, n);
            set_priv(s, spp);
            let epc = s.reg(reg::SEPC);
            s.set_reg(reg::PC, epc);
            Ok(Flow::ServeInterrupts)
        }
        WFI => {
            if p == prv::U || (p == prv::S && st & ms::TW != 0) {
                return Err(Exception::illegal(insn));
            }
            s.set_reg(reg::PC, next_pc);
            Ok(Flow::Next)
        }
        _ if insn & 0xFE00_7FFF == 0x1200_0073 => {
            if p == prv::U || (p == prv::S && st & ms::TVM != 0) {
                return Err(Exception::illegal(insn));
            }
            for t in 0..tlb::TABLES {
                s.flush_tlb(t);
            }
            s.set_reg(reg::PC, next_pc);
            Ok(Flow::FlushFetch)
        }
        _ => Err(Exception::illegal(insn)),
    }
}
