//! Sv39/Sv48 address translation (docs/cartesi-v0.19.md §7.10). A and D are set by hardware.

use super::StateAccess;
use crate::constants::{mstatus as ms, prv, reg, satp, PAGE_LOG2};
use crate::state::pma::PmaKind;

/// Kind of access being translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Load (or LR, or the read half of an AMO).
    Read,
    /// Store (or SC, or the write half of an AMO).
    Write,
    /// Instruction fetch.
    Fetch,
}

const PTE_V: u64 = 1 << 0;
const PTE_R: u64 = 1 << 1;
const PTE_W: u64 = 1 << 2;
const PTE_X: u64 = 1 << 3;
const PTE_U: u64 = 1 << 4;
const PTE_A: u64 = 1 << 6;
const PTE_D: u64 = 1 << 7;
const PTE_PPN_MASK: u64 = (1 << 44) - 1;

/// Translates `vaddr`; `None` means a page fault (the caller picks the cause).
pub(crate) fn translate<S: StateAccess>(s: &mut S, vaddr: u64, access: Access) -> Option<u64> {
    let st = s.reg(reg::MSTATUS);
    let mut p = s.reg(reg::IPRV);
    if access != Access::Fetch && st & ms::MPRV != 0 {
        p = (st & ms::MPP) >> ms::MPP_SHIFT;
    }
    if p == prv::M {
        return Some(vaddr);
    }
    let satp_v = s.reg(reg::SATP);
    let levels: u32 = match satp_v >> satp::MODE_SHIFT {
        satp::MODE_SV39 => 3,
        satp::MODE_SV48 => 4,
        _ => return Some(vaddr),
    };
    let va_bits = PAGE_LOG2 + 9 * levels;
    let shift = 64 - va_bits;
    if (((vaddr << shift) as i64) >> shift) as u64 != vaddr {
        return None;
    }
    let mut table = (satp_v & satp::PPN_MASK) << PAGE_LOG2;
    for level in (0..levels).rev() {
        let vpn = (vaddr >> (PAGE_LOG2 + 9 * level)) & 0x1FF;
        let pte_addr = table.wrapping_add(vpn * 8);
        let idx = s.find_pma(pte_addr, 8);
        let pma = s.pma(idx);
        if !matches!(pma.kind, PmaKind::Memory(_)) || !pma.readable() {
            return None;
        }
        let pte = s.read_memory(idx, pte_addr, 3);
        if pte & PTE_V == 0 || (pte & PTE_R == 0 && pte & PTE_W != 0) || pte >> 54 != 0 {
            return None;
        }
        let ppn = (pte >> 10) & PTE_PPN_MASK;
        if pte & (PTE_R | PTE_X) == 0 {
            table = ppn << PAGE_LOG2;
            continue;
        }
        // Leaf: permissions.
        let user_page = pte & PTE_U != 0;
        let ok = match access {
            Access::Fetch => pte & PTE_X != 0 && if p == prv::U { user_page } else { !user_page },
            Access::Read | Access::Write => {
                let perm = if access == Access::Read {
                    pte & PTE_R != 0 || (st & ms::MXR != 0 && pte & PTE_X != 0)
                } else {
                    pte & PTE_W != 0
                };
                perm && if p == prv::U {
                    user_page
                } else {
                    !user_page || st & ms::SUM != 0
                }
            }
        };
        if !ok {
            return None;
        }
        let page_bits = PAGE_LOG2 + 9 * level;
        if level > 0 && ppn & ((1u64 << (9 * level)) - 1) != 0 {
            return None;
        }
        let updated = pte | PTE_A | if access == Access::Write { PTE_D } else { 0 };
        if updated != pte && pma.writable() {
            s.write_memory(idx, pte_addr, 3, updated);
        }
        let mask = (1u64 << page_bits) - 1;
        return Some(((ppn << PAGE_LOG2) & !mask) | (vaddr & mask));
    }
    None
}
