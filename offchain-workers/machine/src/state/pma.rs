//! Physical memory attributes: the 32-entry PMA list of docs/cartesi-v0.19.md §1.1 and its shadow
//! page (§1.2).

use crate::constants::{addr, pma_flags, pma_flags::did, PAGE_SIZE, PMA_MAX};

/// Device drivers behind device (IO) ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Register shadow (not guest accessible).
    ShadowState,
    /// Shadow TLB (not guest accessible).
    ShadowTlb,
    /// Host-target interface.
    Htif,
    /// Core-local interruptor.
    Clint,
    /// Platform-level interrupt controller.
    Plic,
}

/// What a PMA entry maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmaKind {
    /// Memory backed by pages; the value indexes the memory-range list.
    Memory(usize),
    /// A device.
    Device(Device),
    /// Empty sentinel (terminates lookups).
    Empty,
}

/// One PMA entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pma {
    /// First physical address.
    pub start: u64,
    /// Length in bytes (0 for sentinels).
    pub length: u64,
    /// Flag bits of `istart` (M, IO, E, R, W, X, IR, IW, DID).
    pub flags: u64,
    /// What the range maps.
    pub kind: PmaKind,
}

impl Pma {
    /// The empty sentinel.
    pub const SENTINEL: Pma = Pma {
        start: 0,
        length: 0,
        flags: pma_flags::E,
        kind: PmaKind::Empty,
    };

    /// Builds a memory range entry.
    pub fn memory(start: u64, length: u64, rwx: u64, device_id: u64, mem_index: usize) -> Pma {
        Pma {
            start,
            length,
            flags: pma_flags::M
                | rwx
                | pma_flags::IR
                | pma_flags::IW
                | (device_id << pma_flags::DID_SHIFT),
            kind: PmaKind::Memory(mem_index),
        }
    }

    /// Builds a device range entry.
    pub fn device(start: u64, length: u64, rwx: u64, device_id: u64, device: Device) -> Pma {
        Pma {
            start,
            length,
            flags: pma_flags::IO | rwx | (device_id << pma_flags::DID_SHIFT),
            kind: PmaKind::Device(device),
        }
    }

    /// The `istart` word of the shadow PMA array.
    pub fn istart(&self) -> u64 {
        self.start | self.flags
    }

    /// Readable by the guest.
    #[inline(always)]
    pub fn readable(&self) -> bool {
        self.flags & pma_flags::R != 0
    }

    /// Writable by the guest.
    #[inline(always)]
    pub fn writable(&self) -> bool {
        self.flags & pma_flags::W != 0
    }

    /// Executable by the guest.
    #[inline(always)]
    pub fn executable(&self) -> bool {
        self.flags & pma_flags::X != 0
    }

    /// Whether `paddr..paddr+size` lies inside the range (the docs/cartesi-v0.19.md §1.3 test).
    #[inline(always)]
    pub fn contains(&self, paddr: u64, size: u64) -> bool {
        paddr >= self.start && self.length >= size && paddr - self.start <= self.length - size
    }
}

/// Finds the PMA index for an access (docs/cartesi-v0.19.md §1.3 step 4): the first entry
/// containing the access; a sentinel ends the search and is returned (meaning unmapped).
pub fn find_pma(pmas: &[Pma; PMA_MAX], paddr: u64, size: u64) -> usize {
    for (i, p) in pmas.iter().enumerate() {
        if p.length == 0 || p.contains(paddr, size) {
            return i;
        }
    }
    PMA_MAX - 1
}

/// Where each fixed range landed in the PMA list.
#[derive(Debug, Clone, Copy)]
pub struct PmaLayout {
    /// Number of flash drives.
    pub flash_count: usize,
    /// Index of the tx buffer.
    pub tx: usize,
    /// Index of the rx buffer.
    pub rx: usize,
    /// Index of the shadow PMA range.
    pub shadow_pmas: usize,
}

/// Memory ranges in memory-index order, to be created by the caller.
#[derive(Debug, Clone, Copy)]
pub struct MemSpec {
    /// Start.
    pub start: u64,
    /// Length.
    pub length: u64,
}

/// Builds the PMA list of docs/cartesi-v0.19.md §1.1 for RAM of `ram_length` and the given flash
/// ranges. Returns the list, the layout and the memory ranges (memory index = position).
pub fn build_pmas(
    ram_length: u64,
    flash: &[(u64, u64)],
) -> ([Pma; PMA_MAX], PmaLayout, alloc::vec::Vec<MemSpec>) {
    use pma_flags::{R, W, X};
    let mut list = alloc::vec::Vec::new();
    let mut mems = alloc::vec::Vec::new();
    let mut add_mem = |list: &mut alloc::vec::Vec<Pma>, start, length, rwx, did| {
        let idx = mems.len();
        mems.push(MemSpec { start, length });
        list.push(Pma::memory(start, length, rwx, did, idx));
    };
    add_mem(&mut list, addr::RAM, ram_length, R | W | X, did::MEMORY);
    add_mem(&mut list, addr::DTB, addr::DTB_LEN, R | W | X, did::MEMORY);
    for &(start, length) in flash {
        add_mem(&mut list, start, length, R | W, did::FLASH);
    }
    let tx = list.len();
    add_mem(
        &mut list,
        addr::CMIO_TX,
        addr::CMIO_LEN,
        R | W,
        did::CMIO_TX,
    );
    let rx = list.len();
    add_mem(&mut list, addr::CMIO_RX, addr::CMIO_LEN, R, did::CMIO_RX);
    list.push(Pma::device(
        addr::HTIF,
        addr::HTIF_LEN,
        R | W,
        did::HTIF,
        Device::Htif,
    ));
    list.push(Pma::device(
        addr::CLINT,
        addr::CLINT_LEN,
        R | W,
        did::CLINT,
        Device::Clint,
    ));
    list.push(Pma::device(
        addr::PLIC,
        addr::PLIC_LEN,
        R | W,
        did::PLIC,
        Device::Plic,
    ));
    list.push(Pma::device(
        addr::SHADOW_TLB,
        addr::SHADOW_TLB_LEN,
        0,
        did::SHADOW_TLB,
        Device::ShadowTlb,
    ));
    list.push(Pma::device(
        addr::SHADOW_STATE,
        addr::SHADOW_STATE_LEN,
        0,
        did::SHADOW_STATE,
        Device::ShadowState,
    ));
    let shadow_pmas = list.len();
    // The shadow PMA range is a read-only memory range without IR/IW (istart 0x1_0209).
    let idx = mems.len();
    mems.push(MemSpec {
        start: addr::SHADOW_PMAS,
        length: addr::SHADOW_PMAS_LEN,
    });
    list.push(Pma {
        start: addr::SHADOW_PMAS,
        length: addr::SHADOW_PMAS_LEN,
        flags: pma_flags::M | R | (did::SHADOW_PMAS << pma_flags::DID_SHIFT),
        kind: PmaKind::Memory(idx),
    });
    let mut pmas = [Pma::SENTINEL; PMA_MAX];
    for (slot, p) in pmas.iter_mut().zip(list) {
        *slot = p;
    }
    (
        pmas,
        PmaLayout {
            flash_count: flash.len(),
            tx,
            rx,
            shadow_pmas,
        },
        mems,
    )
}

/// The shadow PMA page: 32 × (istart, ilength), rest zero.
pub fn shadow_pmas_page(pmas: &[Pma; PMA_MAX]) -> [u8; PAGE_SIZE as usize] {
    let mut page = [0u8; PAGE_SIZE as usize];
    for (i, p) in pmas.iter().enumerate() {
        page[i * 16..i * 16 + 8].copy_from_slice(&p.istart().to_le_bytes());
        page[i * 16 + 8..i * 16 + 16].copy_from_slice(&p.length.to_le_bytes());
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn istart_words_match_measured_values() {
        let (pmas, layout, _) = build_pmas(0x1_0000, &[(addr::FLASH0, 0x1000)]);
        assert_eq!(pmas[0].istart(), 0x8000_00F9);
        assert_eq!(pmas[1].istart(), 0x7FF0_00F9);
        assert_eq!(pmas[2].istart(), 0x0080_0000_0000_03D9);
        assert_eq!(pmas[layout.tx].istart(), 0x6080_08D9);
        assert_eq!(pmas[layout.rx].istart(), 0x6000_07C9);
        assert_eq!(pmas[5].istart(), 0x4000_851A);
        assert_eq!(pmas[6].istart(), 0x0200_041A);
        assert_eq!(pmas[7].istart(), 0x4010_0A1A);
        assert_eq!(pmas[8].istart(), 0x2_0602);
        assert_eq!(pmas[9].istart(), 0x102);
        assert_eq!(pmas[10].istart(), 0x1_0209);
        assert_eq!(pmas[11].istart(), 0x4);
        assert_eq!(pmas[11].length, 0);
    }
}
