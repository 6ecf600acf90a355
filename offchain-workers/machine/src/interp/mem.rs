//! Loads and stores (docs/cartesi-v0.19.md §1.3 access order, §7.1 alignment) and their execution.

use super::decode::{funct3, imm_s, rs1, rs2};
use super::mmu::{translate, Access};
use super::{Exception, Exec, Flow, StateAccess, TlbSlot};
use crate::constants::{cause, reg, tlb, PAGE_LOG2, PAGE_OFFSET_MASK};
use crate::devices;
use crate::state::pma::PmaKind;

/// Exception causes to report for a read (loads use 13/5, the read half of AMOs 15/7).
#[derive(Clone, Copy)]
pub(crate) struct ReadCauses {
    pub(crate) page: u64,
    pub(crate) access: u64,
}

pub(crate) const LOAD_CAUSES: ReadCauses = ReadCauses {
    page: cause::LOAD_PAGE,
    access: cause::LOAD_ACCESS,
};
pub(crate) const AMO_CAUSES: ReadCauses = ReadCauses {
    page: cause::STORE_PAGE,
    access: cause::STORE_ACCESS,
};

#[inline(always)]
fn tlb_slot_of(vaddr: u64) -> usize {
    ((vaddr >> PAGE_LOG2) & (tlb::SLOTS as u64 - 1)) as usize
}

/// Reads `1 << L` bytes at `vaddr` (zero-extended); alignment must already be checked.
#[inline(always)]
pub(crate) fn read<S: StateAccess, const L: u32>(
    s: &mut S,
    vaddr: u64,
    causes: ReadCauses,
) -> Result<u64, Exception> {
    if let Some(v) = s.fast_read::<L>(vaddr) {
        return Ok(v);
    }
    read_slow(s, vaddr, L, causes)
}

#[inline(never)]
fn read_slow<S: StateAccess>(
    s: &mut S,
    vaddr: u64,
    log2: u32,
    causes: ReadCauses,
) -> Result<u64, Exception> {
    let slot = tlb_slot_of(vaddr);
    let vpage = vaddr & !PAGE_OFFSET_MASK;
    let e = s.tlb_slot(tlb::READ, slot);
    if e.vaddr_page == vpage {
        s.tlb_hit(tlb::READ, slot);
        return Ok(s.read_memory(
            e.pma_index as usize,
            e.paddr_page | (vaddr & PAGE_OFFSET_MASK),
            log2,
        ));
    }
    let paddr = translate(s, vaddr, Access::Read).ok_or(Exception {
        cause: causes.page,
        tval: vaddr,
    })?;
    let idx = s.find_pma(paddr, 1 << log2);
    let p = s.pma(idx);
    let fault = Exception {
        cause: causes.access,
        tval: vaddr,
    };
    if !p.readable() {
        return Err(fault);
    }
    match p.kind {
        PmaKind::Memory(_) => {
            s.set_tlb_slot(
                tlb::READ,
                slot,
                TlbSlot {
                    vaddr_page: vpage,
                    paddr_page: paddr & !PAGE_OFFSET_MASK,
                    pma_index: idx as u64,
                },
            );
            Ok(s.read_memory(idx, paddr, log2))
        }
        PmaKind::Device(d) => devices::read(s, d, paddr - p.start, log2).ok_or(fault),
        PmaKind::Empty => Err(fault),
    }
}

/// Writes `1 << L` bytes at `vaddr`; alignment must already be checked.
#[inline(always)]
pub(crate) fn write<S: StateAccess, const L: u32>(s: &mut S, vaddr: u64, value: u64) -> Exec {
    if s.fast_write::<L>(vaddr, value).is_some() {
        return Ok(Flow::Next);
    }
    write_slow(s, vaddr, L, value)
}

#[inline(never)]
fn write_slow<S: StateAccess>(s: &mut S, vaddr: u64, log2: u32, value: u64) -> Exec {
    let slot = tlb_slot_of(vaddr);
    let vpage = vaddr & !PAGE_OFFSET_MASK;
    let e = s.tlb_slot(tlb::WRITE, slot);
    if e.vaddr_page == vpage {
        s.tlb_hit(tlb::WRITE, slot);
        s.write_memory(
            e.pma_index as usize,
            e.paddr_page | (vaddr & PAGE_OFFSET_MASK),
            log2,
            value,
        );
        return Ok(Flow::Next);
    }
    let paddr = translate(s, vaddr, Access::Write).ok_or(Exception {
        cause: cause::STORE_PAGE,
        tval: vaddr,
    })?;
    let idx = s.find_pma(paddr, 1 << log2);
    let p = s.pma(idx);
    let fault = Exception {
        cause: cause::STORE_ACCESS,
        tval: vaddr,
    };
    if !p.writable() {
        return Err(fault);
    }
    match p.kind {
        PmaKind::Memory(_) => {
            s.set_tlb_slot(
                tlb::WRITE,
                slot,
                TlbSlot {
                    vaddr_page: vpage,
                    paddr_page: paddr & !PAGE_OFFSET_MASK,
                    pma_index: idx as u64,
                },
            );
            s.write_memory(idx, paddr, log2, value);
            Ok(Flow::Next)
        }
        PmaKind::Device(d) => devices::write(s, d, paddr - p.start, log2, value).ok_or(fault),
        PmaKind::Empty => Err(fault),
    }
}

/// Load with the misalignment check (cause 4).
#[inline(always)]
pub(crate) fn load<S: StateAccess, const L: u32>(s: &mut S, vaddr: u64) -> Result<u64, Exception> {
    if vaddr & ((1 << L) - 1) != 0 {
        return Err(Exception {
            cause: cause::LOAD_MISALIGNED,
            tval: vaddr,
        });
    }
    read::<S, L>(s, vaddr, LOAD_CAUSES)
}

/// Store with the misalignment check (cause 6).
#[inline(always)]
pub(crate) fn store<S: StateAccess, const L: u32>(s: &mut S, vaddr: u64, value: u64) -> Exec {
    if vaddr & ((1 << L) - 1) != 0 {
        return Err(Exception {
            cause: cause::STORE_MISALIGNED,
            tval: vaddr,
        });
    }
    write::<S, L>(s, vaddr, value)
}

/// Executes a STORE-opcode instruction. The pc advances even when the store halts or
/// yields (the halting store is counted and pc moves past it, docs/cartesi-v0.19.md §3.1).
#[inline(always)]
pub(crate) fn exec_store<S: StateAccess>(s: &mut S, insn: u32, next_pc: u64) -> Exec {
    let vaddr = s.x(rs1(insn)).wrapping_add(imm_s(insn));
    let v = s.x(rs2(insn));
    let flow = match funct3(insn) {
        0 => store::<S, 0>(s, vaddr, v)?,
        1 => store::<S, 1>(s, vaddr, v)?,
        2 => store::<S, 2>(s, vaddr, v)?,
        3 => store::<S, 3>(s, vaddr, v)?,
        _ => return Err(Exception::illegal(insn)),
    };
    s.set_reg(reg::PC, next_pc);
    Ok(flow)
}
