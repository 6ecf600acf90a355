//! Instruction fetch (docs/cartesi-v0.19.md §7.9) with the per-run fetch cache (§6.7).

use super::mmu::{translate, Access};
use super::{Exception, StateAccess, TlbSlot};
use crate::constants::{cause, tlb, PAGE_LOG2, PAGE_OFFSET_MASK};
use crate::state::pma::PmaKind;

/// Fetches the instruction at `pc` when [`StateAccess::fetch_cached`] missed: 4 bytes
/// (the upper half is the next parcel for a compressed instruction), or 2/2+2 bytes at
/// page offset 0xFFE; translates through the code TLB (filling it) and refills the cache.
#[inline(never)]
pub(super) fn fetch_slow<S: StateAccess>(s: &mut S, pc: u64) -> Result<u32, Exception> {
    let (pma, paddr) = translate_code(s, pc)?;
    s.fetch_cache_set(pc & !PAGE_OFFSET_MASK, paddr & !PAGE_OFFSET_MASK, pma);
    if pc & PAGE_OFFSET_MASK != PAGE_OFFSET_MASK - 1 {
        return Ok(s.read_memory(pma, paddr, 2) as u32);
    }
    let lo = s.read_memory(pma, paddr, 1) as u32;
    if lo & 3 != 3 {
        return Ok(lo);
    }
    let (pma2, paddr2) = translate_code(s, pc.wrapping_add(2))?;
    let hi = s.read_memory(pma2, paddr2, 1) as u32;
    Ok(lo | (hi << 16))
}

/// Translates a fetch address through the code TLB (filling it on a miss).
fn translate_code<S: StateAccess>(s: &mut S, vaddr: u64) -> Result<(usize, u64), Exception> {
    let slot = ((vaddr >> PAGE_LOG2) & (tlb::SLOTS as u64 - 1)) as usize;
    let vpage = vaddr & !PAGE_OFFSET_MASK;
    let e = s.tlb_slot(tlb::CODE, slot);
    if e.vaddr_page == vpage {
        s.tlb_hit(tlb::CODE, slot);
        return Ok((
            e.pma_index as usize,
            e.paddr_page | (vaddr & PAGE_OFFSET_MASK),
        ));
    }
    let paddr = translate(s, vaddr, Access::Fetch).ok_or(Exception {
        cause: cause::FETCH_PAGE,
        tval: vaddr,
    })?;
    let idx = s.find_pma(paddr, 2);
    let p = s.pma(idx);
    if !matches!(p.kind, PmaKind::Memory(_)) || !p.executable() {
        return Err(Exception {
            cause: cause::FETCH_ACCESS,
            tval: vaddr,
        });
    }
    s.set_tlb_slot(
        tlb::CODE,
        slot,
        TlbSlot {
            vaddr_page: vpage,
            paddr_page: paddr & !PAGE_OFFSET_MASK,
            pma_index: idx as u64,
        },
    );
    Ok((idx, paddr))
}
