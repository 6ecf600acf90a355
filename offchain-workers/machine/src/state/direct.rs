//! The direct backend: [`StateAccess`] for [`Core`] with host-pointer fast paths.
//!
//! Host pointers are a pure cache beside the emulated TLB: `hot[t][s]` equals the
//! emulated `vpage[t][s]` only while `ptr[t][s]` points at the current backing page of
//! that slot. Invariants that keep the raw pointers sound:
//! - the cache is dropped at the start of every `run` and on `Clone` (so pages shared by
//!   a clone are never written through a stale pointer);
//! - write pointers are only created for uniquely owned pages (`page_for_write`);
//! - whenever a page's backing allocation changes (materialised or copied on write),
//!   every cached pointer to that physical page is dropped (`forget_host_page`).

use super::{pma, Core};
use crate::constants::{
    tlb::{INVALID_PAGE, READ, SLOTS, TABLES, WRITE},
    PAGE_LOG2, PAGE_OFFSET_MASK, PMA_MAX,
};
use crate::interp::access::{StateAccess, TlbSlot};

/// Host pointers cached beside the emulated TLB, plus the per-run fetch cache
/// (docs/cartesi-v0.19.md §6.7).
pub(crate) struct HostCache {
    hot: [[u64; SLOTS]; TABLES],
    ptr: [[*mut u8; SLOTS]; TABLES],
    /// Fetch cache: virtual page (INVALID_PAGE = empty), physical page and PMA.
    fc_vpage: u64,
    fc_ppage: u64,
    fc_pma: usize,
    /// Equals `fc_vpage` while `fc_ptr` is valid.
    fc_hot: u64,
    /// 0xFFE while `fc_hot` is valid, else 0: `pc - fc_hot < fc_lim` is the hit test.
    fc_lim: u64,
    fc_ptr: *const u8,
}

// SAFETY: the pointers refer to pages owned (through `Arc`s) by the same `Core`; they are
// only dereferenced through `&self`/`&mut self` methods of that `Core`, never shared by a
// clone (clones start with an empty cache), so moving the `Core` to another thread is fine.
unsafe impl Send for HostCache {}
// SAFETY: `&Core` only reads through the pointers (fast reads / fetches).
unsafe impl Sync for HostCache {}

impl HostCache {
    pub(crate) fn new() -> HostCache {
        HostCache {
            hot: [[INVALID_PAGE; SLOTS]; TABLES],
            ptr: [[core::ptr::null_mut(); SLOTS]; TABLES],
            fc_vpage: INVALID_PAGE,
            fc_ppage: INVALID_PAGE,
            fc_pma: PMA_MAX,
            fc_hot: INVALID_PAGE,
            fc_lim: 0,
            fc_ptr: core::ptr::null(),
        }
    }
}

impl Clone for HostCache {
    fn clone(&self) -> Self {
        HostCache::new()
    }
}

/// The page bits of an address plus the bits that must be zero in a naturally aligned
/// access of `1 << L` bytes.
#[inline(always)]
const fn aligned_page_mask<const L: u32>() -> u64 {
    !PAGE_OFFSET_MASK | ((1 << L) - 1)
}

#[inline(always)]
unsafe fn read_le<const L: u32>(p: *const u8) -> u64 {
    // SAFETY: the caller guarantees that `p .. p + (1 << L)` lies inside one live page.
    unsafe {
        match L {
            0 => *p as u64,
            1 => u16::from_le_bytes(core::ptr::read_unaligned(p as *const [u8; 2])) as u64,
            2 => u32::from_le_bytes(core::ptr::read_unaligned(p as *const [u8; 4])) as u64,
            _ => u64::from_le_bytes(core::ptr::read_unaligned(p as *const [u8; 8])),
        }
    }
}

#[inline(always)]
unsafe fn write_le<const L: u32>(p: *mut u8, v: u64) {
    // SAFETY: the caller guarantees that `p .. p + (1 << L)` lies inside one uniquely owned
    // page.
    unsafe {
        match L {
            0 => *p = v as u8,
            1 => core::ptr::write_unaligned(p as *mut [u8; 2], (v as u16).to_le_bytes()),
            2 => core::ptr::write_unaligned(p as *mut [u8; 4], (v as u32).to_le_bytes()),
            _ => core::ptr::write_unaligned(p as *mut [u8; 8], v.to_le_bytes()),
        }
    }
}

impl Core {
    /// Page index inside memory range `m` of `paddr`.
    #[inline]
    fn page_index(&self, m: usize, paddr: u64) -> usize {
        ((paddr - self.mems[m].start) >> PAGE_LOG2) as usize
    }

    /// Drops every cached host pointer to physical page `ppage`.
    fn forget_host_page(&mut self, ppage: u64) {
        for t in 0..TABLES {
            for s in 0..SLOTS {
                if self.host.hot[t][s] != INVALID_PAGE && self.tlb.ppage[t][s] == ppage {
                    self.host.hot[t][s] = INVALID_PAGE;
                }
            }
        }
        if self.host.fc_ppage == ppage {
            self.host.fc_hot = INVALID_PAGE;
            self.host.fc_lim = 0;
        }
    }

    /// Makes the page holding `paddr` writable (unique, present, dirty); returns its base.
    fn writable_page(&mut self, m: usize, paddr: u64) -> *mut u8 {
        let i = self.page_index(m, paddr);
        let (ptr, changed) = self.mems[m].page_for_write(i);
        if changed {
            self.forget_host_page(paddr & !PAGE_OFFSET_MASK);
        }
        ptr
    }

    /// Resolves the host pointer of TLB slot `(t, s)` from its cold fields.
    fn resolve_slot(&mut self, t: usize, s: usize) {
        let ppage = self.tlb.ppage[t][s];
        let Some(m) = self.mem_index(self.tlb.pma[t][s] as usize) else {
            self.host.hot[t][s] = INVALID_PAGE;
            return;
        };
        let ptr = if t == WRITE {
            self.writable_page(m, ppage)
        } else {
            let i = self.page_index(m, ppage);
            self.mems[m].page_ptr(i) as *mut u8
        };
        self.host.ptr[t][s] = ptr;
        self.host.hot[t][s] = self.tlb.vpage[t][s];
    }
}

impl Core {
    /// Fetch-cache slow path: the cache is semantically valid for pc's page but the host
    /// pointer was dropped (page copied on write): re-resolve it without touching the TLB.
    #[inline(never)]
    fn fetch_cached_refresh(&mut self, pc: u64) -> Option<u32> {
        if (pc ^ self.host.fc_vpage) < PAGE_OFFSET_MASK - 1 && self.host.fc_vpage != INVALID_PAGE {
            let (v, p, i) = (self.host.fc_vpage, self.host.fc_ppage, self.host.fc_pma);
            self.fetch_cache_set(v, p, i);
            if self.host.fc_lim != 0 {
                let off = pc.wrapping_sub(self.host.fc_hot);
                // SAFETY: as in `fetch_cached`.
                return Some(unsafe { read_le::<2>(self.host.fc_ptr.add(off as usize)) } as u32);
            }
        }
        None
    }
}

impl StateAccess for Core {
    #[inline(always)]
    fn reg(&self, slot: usize) -> u64 {
        self.regs[slot]
    }

    #[inline(always)]
    fn set_reg(&mut self, slot: usize, value: u64) {
        self.regs[slot] = value;
    }

    #[inline(always)]
    fn x(&self, i: u32) -> u64 {
        self.regs[(i & 31) as usize]
    }

    #[inline(always)]
    fn set_x(&mut self, i: u32, value: u64) {
        self.regs[(i & 31) as usize] = value;
        self.regs[0] = 0;
    }

    #[inline(always)]
    fn set_x_nonzero(&mut self, i: u32, value: u64) {
        debug_assert_ne!(i, 0);
        self.regs[(i & 31) as usize] = value;
    }

    #[inline]
    fn pma(&self, index: usize) -> pma::Pma {
        self.pmas[index]
    }

    #[inline]
    fn find_pma(&self, paddr: u64, size: u64) -> usize {
        pma::find_pma(&self.pmas, paddr, size)
    }

    #[inline]
    fn tlb_slot(&self, table: usize, slot: usize) -> TlbSlot {
        TlbSlot {
            vaddr_page: self.tlb.vpage[table][slot],
            paddr_page: self.tlb.ppage[table][slot],
            pma_index: self.tlb.pma[table][slot],
        }
    }

    fn set_tlb_slot(&mut self, table: usize, slot: usize, value: TlbSlot) {
        self.tlb.vpage[table][slot] = value.vaddr_page;
        self.tlb.ppage[table][slot] = value.paddr_page;
        self.tlb.pma[table][slot] = value.pma_index;
        self.host.hot[table][slot] = INVALID_PAGE;
        self.resolve_slot(table, slot);
    }

    fn flush_tlb(&mut self, table: usize) {
        self.tlb.vpage[table] = [INVALID_PAGE; SLOTS];
        self.host.hot[table] = [INVALID_PAGE; SLOTS];
    }

    #[inline]
    fn tlb_hit(&mut self, table: usize, slot: usize) {
        if self.host.hot[table][slot] != self.tlb.vpage[table][slot] {
            self.resolve_slot(table, slot);
        }
    }

    fn read_memory(&mut self, pma_index: usize, paddr: u64, log2: u32) -> u64 {
        let Some(m) = self.mem_index(pma_index) else {
            return 0;
        };
        let i = self.page_index(m, paddr);
        let off = (paddr & PAGE_OFFSET_MASK) as usize;
        let page = self.mems[m].page_bytes(i);
        let mut buf = [0u8; 8];
        let n = 1usize << log2;
        buf[..n].copy_from_slice(&page[off..off + n]);
        u64::from_le_bytes(buf)
    }

    fn write_memory(&mut self, pma_index: usize, paddr: u64, log2: u32, value: u64) {
        let Some(m) = self.mem_index(pma_index) else {
            return;
        };
        let base = self.writable_page(m, paddr);
        let off = (paddr & PAGE_OFFSET_MASK) as usize;
        let n = 1usize << log2;
        let bytes = value.to_le_bytes();
        // SAFETY: `base` is a uniquely owned 4096-byte page, accesses are naturally
        // aligned so `off + n <= 4096`.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), base.add(off), n) };
    }

    fn putchar(&mut self, byte: u8) {
        self.console.push(byte);
    }

    #[inline(always)]
    fn fast_read<const L: u32>(&self, vaddr: u64) -> Option<u64> {
        let s = ((vaddr >> PAGE_LOG2) & (SLOTS as u64 - 1)) as usize;
        // Hot entries are page aligned: a misaligned address keeps low bits and misses.
        if self.host.hot[READ][s] == vaddr & aligned_page_mask::<L>() {
            // SAFETY: hot entries point at live pages (module invariants); the access is
            // naturally aligned (checked with the page) so it stays inside the page.
            Some(unsafe {
                read_le::<L>(self.host.ptr[READ][s].add((vaddr & PAGE_OFFSET_MASK) as usize))
            })
        } else {
            None
        }
    }

    #[inline(always)]
    fn fast_write<const L: u32>(&mut self, vaddr: u64, value: u64) -> Option<*const u8> {
        let s = ((vaddr >> PAGE_LOG2) & (SLOTS as u64 - 1)) as usize;
        // As in `fast_read`: a misaligned address misses.
        if self.host.hot[WRITE][s] == vaddr & aligned_page_mask::<L>() {
            // SAFETY: hot write entries point at live, uniquely owned, dirty-marked pages;
            // the access is naturally aligned, so it stays inside the page.
            unsafe {
                let p = self.host.ptr[WRITE][s].add((vaddr & PAGE_OFFSET_MASK) as usize);
                write_le::<L>(p, value);
                Some(p as *const u8)
            }
        } else {
            None
        }
    }

    #[inline(always)]
    fn fetch_cached(&mut self, pc: u64) -> Option<u32> {
        match self.fetch_page(pc) {
            Some(page) => {
                // SAFETY: `fetch_page` returned pc's live page and pc's offset is at most
                // 4093 (so at most 4092: pcs are even): the 4-byte read stays inside it.
                let insn = unsafe { read_le::<2>(page.add((pc & PAGE_OFFSET_MASK) as usize)) };
                Some(insn as u32)
            }
            None => self.fetch_cached_refresh(pc),
        }
    }

    #[inline(always)]
    fn fetch_page(&self, pc: u64) -> Option<*const u8> {
        // `fc_lim != 0` only while `fc_ptr` points at the live page of `fc_ppage` and
        // `fc_hot` is page aligned; fast reads and writes never change a page's backing.
        (pc.wrapping_sub(self.host.fc_hot) < self.host.fc_lim).then_some(self.host.fc_ptr)
    }

    fn fetch_cache_set(&mut self, vaddr_page: u64, paddr_page: u64, pma_index: usize) {
        let Some(m) = self.mem_index(pma_index) else {
            self.fetch_cache_invalidate();
            return;
        };
        let i = self.page_index(m, paddr_page);
        self.host.fc_vpage = vaddr_page;
        self.host.fc_ppage = paddr_page;
        self.host.fc_pma = pma_index;
        self.host.fc_ptr = self.mems[m].page_ptr(i);
        self.host.fc_hot = vaddr_page;
        self.host.fc_lim = PAGE_OFFSET_MASK - 1;
    }

    #[inline]
    fn fetch_cache_invalidate(&mut self) {
        self.host.fc_vpage = INVALID_PAGE;
        self.host.fc_hot = INVALID_PAGE;
        self.host.fc_lim = 0;
        self.host.fc_ppage = INVALID_PAGE;
    }

    fn begin_run(&mut self) {
        self.reset_host_cache();
    }
}
