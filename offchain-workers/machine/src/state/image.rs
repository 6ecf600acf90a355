//! The hashed "image" of the address space (docs/cartesi-v0.19.md §6.2): what each page contributes
//! to the Merkle tree and to host `read_memory`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::memory::{Page, ZERO_PAGE};
use super::pma::PmaKind;
use super::Core;
use crate::constants::{addr, PAGE_LOG2, PAGE_OFFSET_MASK, PAGE_SIZE};

impl Core {
    /// The memory range (memory index) containing the page at `page_addr`, if any.
    pub fn mem_range_of_page(&self, page_addr: u64) -> Option<usize> {
        self.pmas.iter().find_map(|p| match p.kind {
            PmaKind::Memory(m) if p.contains(page_addr, PAGE_SIZE) => Some(m),
            _ => None,
        })
    }

    /// Contents of the page at `page_addr` as hashed: memory bytes, the synthesised shadow
    /// state and TLB pages, zero for devices and unmapped space.
    pub fn page_image(&self, page_addr: u64) -> Page {
        let page_addr = page_addr & !PAGE_OFFSET_MASK;
        if page_addr == addr::SHADOW_STATE {
            return self.shadow_state_page();
        }
        if (addr::SHADOW_TLB..addr::SHADOW_TLB + addr::SHADOW_TLB_LEN).contains(&page_addr) {
            let img = self.shadow_tlb_image();
            let off = (page_addr - addr::SHADOW_TLB) as usize;
            let mut page = [0u8; PAGE_SIZE as usize];
            page.copy_from_slice(&img[off..off + PAGE_SIZE as usize]);
            return page;
        }
        match self.mem_range_of_page(page_addr) {
            Some(m) => {
                let r = &self.mems[m];
                *r.page_bytes(((page_addr - r.start) >> PAGE_LOG2) as usize)
            }
            None => ZERO_PAGE,
        }
    }

    /// Every page that may be non-zero: synthesised shadow state and TLB pages, then every
    /// present memory page (shadow PMAs, DTB, RAM, flash, CMIO), as (address, bytes).
    pub fn pages_for_hashing(&self) -> Vec<(u64, Arc<Page>)> {
        let mut out = Vec::new();
        out.push((addr::SHADOW_STATE, Arc::new(self.shadow_state_page())));
        let img = self.shadow_tlb_image();
        for (k, chunk) in img.chunks_exact(PAGE_SIZE as usize).enumerate() {
            let mut page = [0u8; PAGE_SIZE as usize];
            page.copy_from_slice(chunk);
            out.push((addr::SHADOW_TLB + (k as u64) * PAGE_SIZE, Arc::new(page)));
        }
        for r in &self.mems {
            for (i, p) in r.present_pages() {
                out.push((r.start + ((i as u64) << PAGE_LOG2), p.clone()));
            }
        }
        out.sort_by_key(|(a, _)| *a);
        out
    }
}
