//! The one trait through which the interpreter touches machine state.
//!
//! The interpreter (`step`/`run`) is generic over [`StateAccess`] and monomorphised per
//! backend. The direct backend ([`crate::state::Core`]) adds host-pointer fast paths; a
//! recording or replaying backend can leave the `fast_*` methods at their defaults (no
//! fast path) and observe every architectural access through the required methods.

use crate::state::pma::Pma;

/// One slot of the emulated TLB (docs/cartesi-v0.19.md §6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlbSlot {
    /// Virtual page base (all-ones = invalid).
    pub vaddr_page: u64,
    /// Physical page base (kept stale after a flush).
    pub paddr_page: u64,
    /// PMA index of the physical page (kept stale after a flush).
    pub pma_index: u64,
}

/// Architectural state access used by the interpreter.
pub trait StateAccess {
    /// Reads a shadow-state slot (see [`crate::constants::reg`]).
    fn reg(&self, slot: usize) -> u64;
    /// Writes a shadow-state slot.
    fn set_reg(&mut self, slot: usize, value: u64);

    /// Reads integer register `i` (x0 reads 0).
    #[inline(always)]
    fn x(&self, i: u32) -> u64 {
        self.reg(i as usize)
    }
    /// Writes integer register `i` (writes to x0 are dropped).
    #[inline(always)]
    fn set_x(&mut self, i: u32, value: u64) {
        if i != 0 {
            self.set_reg(i as usize, value);
        }
    }

    /// Writes integer register `i`, which the caller knows is not x0.
    #[inline(always)]
    fn set_x_nonzero(&mut self, i: u32, value: u64) {
        self.set_x(i, value);
    }

    /// PMA entry `index` (0..32).
    fn pma(&self, index: usize) -> Pma;
    /// PMA lookup for an access of `size` bytes at `paddr` (docs/cartesi-v0.19.md §1.3 step 4).
    fn find_pma(&self, paddr: u64, size: u64) -> usize;

    /// Reads a TLB slot.
    fn tlb_slot(&self, table: usize, slot: usize) -> TlbSlot;
    /// Replaces a TLB slot (fill).
    fn set_tlb_slot(&mut self, table: usize, slot: usize, value: TlbSlot);
    /// Flushes a TLB table: every `vaddr_page` becomes all-ones, cold fields stay.
    fn flush_tlb(&mut self, table: usize);
    /// Called when a TLB slot hit on the slow path (lets a backend cache host pointers).
    #[inline(always)]
    fn tlb_hit(&mut self, _table: usize, _slot: usize) {}

    /// Reads `1 << log2` bytes (naturally aligned) of a memory range, zero-extended.
    fn read_memory(&mut self, pma_index: usize, paddr: u64, log2: u32) -> u64;
    /// Writes `1 << log2` bytes (naturally aligned) into a memory range.
    fn write_memory(&mut self, pma_index: usize, paddr: u64, log2: u32, value: u64);

    /// HTIF console output byte.
    fn putchar(&mut self, byte: u8);

    /// Fast load on a TLB hit (read table). `None` = take the architectural slow path,
    /// and always `None` for an access that is not naturally aligned.
    #[inline(always)]
    fn fast_read<const L: u32>(&self, _vaddr: u64) -> Option<u64> {
        None
    }
    /// Fast store on a TLB hit (write table): the host address written, so that the
    /// caller can tell whether it wrote over code it has decoded. `None` = take the slow
    /// path, and always `None` for an access that is not naturally aligned.
    #[inline(always)]
    fn fast_write<const L: u32>(&mut self, _vaddr: u64, _value: u64) -> Option<*const u8> {
        None
    }

    /// Fetch through the per-run fetch cache (docs/cartesi-v0.19.md §6.7): returns 4 instruction
    /// bytes when the cache holds pc's page and pc's page offset ≤ 4093, without consulting the
    /// TLB.
    fn fetch_cached(&mut self, pc: u64) -> Option<u32>;
    /// The hit case of [`StateAccess::fetch_cached`] alone (no refresh of dropped host
    /// pointers): the host copy of pc's page (4096 readable bytes) when the fetch cache
    /// holds pc's page and pc's page offset is at most 4093, i.e. exactly when
    /// `fetch_cached` would read pc's bytes from that page. The pointer stays valid, and
    /// its bytes stay those of the page, until the next call of a method other than
    /// [`StateAccess::x`], [`StateAccess::set_x`], [`StateAccess::set_x_nonzero`],
    /// [`StateAccess::fast_read`] and [`StateAccess::fast_write`]. The default (never hits) is always correct: the caller
    /// then calls `fetch_cached`.
    #[inline(always)]
    fn fetch_page(&self, _pc: u64) -> Option<*const u8> {
        None
    }
    /// Points the fetch cache at a virtual page and its physical page.
    fn fetch_cache_set(&mut self, vaddr_page: u64, paddr_page: u64, pma_index: usize);
    /// Invalidates the fetch cache.
    fn fetch_cache_invalidate(&mut self);
    /// Called at the start of every `run`.
    fn begin_run(&mut self) {
        self.fetch_cache_invalidate();
    }
}
