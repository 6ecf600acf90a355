//! Machine state of the direct backend: registers in shadow-state order, PMAs, sparse
//! copy-on-write memory, the emulated (hashed) TLB and host-side caches.

mod direct;
mod image;
pub mod memory;
pub mod pma;
mod tlb;

use alloc::vec::Vec;

use crate::constants::{reg, reset, tlb as tlbc, PAGE_SIZE, PMA_MAX};
pub(crate) use direct::HostCache;
use memory::{MemRange, Page};
use pma::Pma;
pub use tlb::Tlb;

/// Everything the interpreter mutates, laid out for the direct backend.
#[derive(Clone)]
pub struct Core {
    /// Shadow-state slots (docs/cartesi-v0.19.md §2): `regs[i]` is the u64 at offset `8·i`
    /// of page 0x0.
    pub regs: [u64; reg::COUNT],
    /// PMA list (docs/cartesi-v0.19.md §1.1).
    pub pmas: [Pma; PMA_MAX],
    /// Memory ranges referenced by `PmaKind::Memory`.
    pub mems: Vec<MemRange>,
    /// Emulated TLB (docs/cartesi-v0.19.md §6.6).
    pub tlb: Tlb,
    /// Console bytes written by the guest and not yet taken by the host.
    pub console: Vec<u8>,
    pub(crate) host: HostCache,
}

/// A summary (pc, privilege, mcycle, range count): the full state is megabytes.
impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("pc", &self.regs[reg::PC])
            .field("iprv", &self.regs[reg::IPRV])
            .field("mcycle", &self.regs[reg::MCYCLE])
            .field("memory_ranges", &self.mems.len())
            .finish_non_exhaustive()
    }
}

impl Core {
    /// A core with reset registers, the given PMAs and zeroed memory ranges.
    pub fn new(pmas: [Pma; PMA_MAX], mems: Vec<MemRange>) -> Core {
        let mut regs = [0u64; reg::COUNT];
        regs[reg::X0 + 11] = reset::A1;
        regs[reg::PC] = crate::constants::addr::RAM;
        regs[reg::MVENDORID] = reset::MVENDORID;
        regs[reg::MARCHID] = reset::MARCHID;
        regs[reg::MIMPID] = reset::MIMPID;
        regs[reg::MSTATUS] = reset::MSTATUS;
        regs[reg::MISA] = reset::MISA;
        regs[reg::ILRSC] = u64::MAX;
        regs[reg::IPRV] = crate::constants::prv::M;
        regs[reg::HTIF_IHALT] = 1;
        regs[reg::HTIF_ICONSOLE] = crate::constants::htif::ICONSOLE_PUTCHAR;
        regs[reg::HTIF_IYIELD] = 3;
        Core {
            regs,
            pmas,
            mems,
            tlb: Tlb::new(),
            console: Vec::new(),
            host: HostCache::new(),
        }
    }

    /// The shadow state page synthesised from the registers (docs/cartesi-v0.19.md §2).
    pub fn shadow_state_page(&self) -> Page {
        let mut page = [0u8; PAGE_SIZE as usize];
        for (i, v) in self.regs.iter().enumerate() {
            page[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        page
    }

    /// The 0x6000-byte shadow TLB image (docs/cartesi-v0.19.md §6.6).
    pub fn shadow_tlb_image(&self) -> Vec<u8> {
        let mut img = alloc::vec![0u8; tlbc::IMAGE_SIZE];
        for t in 0..tlbc::TABLES {
            for s in 0..tlbc::SLOTS {
                let hot = t * 0x1000 + s * 16;
                img[hot..hot + 8].copy_from_slice(&self.tlb.vpage[t][s].to_le_bytes());
                let cold = tlbc::COLD_OFFSET + hot;
                img[cold..cold + 8].copy_from_slice(&self.tlb.ppage[t][s].to_le_bytes());
                img[cold + 8..cold + 16].copy_from_slice(&self.tlb.pma[t][s].to_le_bytes());
            }
        }
        img
    }

    /// Memory range index for a PMA index, if it is a memory range.
    pub fn mem_index(&self, pma_index: usize) -> Option<usize> {
        match self.pmas.get(pma_index)?.kind {
            pma::PmaKind::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// Drops every cached host pointer (they are re-resolved lazily).
    pub(crate) fn reset_host_cache(&mut self) {
        self.host = HostCache::new();
    }
}
