//! The public machine: configuration, construction, `run`, host memory/register access,
//! the CMIO host protocol (docs/cartesi-v0.19.md §5.3, §5.4) and Merkle hashing (§6).

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::constants::{
    addr, htif, reg, PAGE_LOG2, PAGE_OFFSET_MASK, PAGE_SIZE, PMA_MAX, UARCH_PRISTINE_HASH,
};
use crate::dtb::{DtbConfig, FlashDriveDtb};
use crate::error::{Error, Result};
use crate::interp::{self, BreakReason};
use crate::merkle::{Hash, MerkleTree, Proof};
use crate::state::memory::{MemRange, Page};
use crate::state::pma::{build_pmas, shadow_pmas_page, Pma, PmaLayout};
use crate::state::Core;

/// One flash drive of the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlashDrive {
    /// Start address (default 0x0080_0000_0000_0000 + i·0x0010_0000_0000_0000).
    pub start: Option<u64>,
    /// Length in bytes (default: the image length); a multiple of 4096.
    pub length: Option<u64>,
    /// Initial contents (shorter than `length` is zero-padded).
    pub image: Option<Vec<u8>>,
}

/// Machine configuration (the subset of Cartesi's config that matters here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineConfig {
    /// RAM length: non-zero multiple of 4096.
    pub ram_length: u64,
    /// Image copied to the start of RAM (not longer than `ram_length`).
    pub ram_image: Option<Vec<u8>>,
    /// Up to 8 flash drives.
    pub flash_drives: Vec<FlashDrive>,
    /// DTB image; when `None`, the v0.19 device tree is generated.
    pub dtb_image: Option<Vec<u8>>,
    /// Kernel command line of the generated DTB (`None` = v0.19 default).
    pub bootargs: Option<String>,
    /// HTIF manual yields enabled (default true).
    pub yield_manual: bool,
    /// HTIF automatic yields enabled (default true).
    pub yield_automatic: bool,
    /// Initial CMIO rx buffer contents.
    pub cmio_rx_image: Option<Vec<u8>>,
    /// Initial CMIO tx buffer contents.
    pub cmio_tx_image: Option<Vec<u8>>,
}

impl MachineConfig {
    /// Defaults with the given RAM length.
    pub fn new(ram_length: u64) -> MachineConfig {
        MachineConfig {
            ram_length,
            ram_image: None,
            flash_drives: Vec::new(),
            dtb_image: None,
            bootargs: None,
            yield_manual: true,
            yield_automatic: true,
            cmio_rx_image: None,
            cmio_tx_image: None,
        }
    }
}

/// A request the guest made with a yield (docs/cartesi-v0.19.md §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmioRequest {
    /// HTIF yield command: 0 automatic, 1 manual.
    pub cmd: u8,
    /// Reason code (docs/cartesi-v0.19.md §5.2).
    pub reason: u16,
    /// Payload: the first `tohost.data` bytes of tx (or the 4 LE bytes of the progress
    /// value for an automatic progress yield).
    pub data: Vec<u8>,
}

/// A Cartesi v0.19-compatible RISC-V machine. `Clone` is cheap (copy-on-write pages).
#[derive(Clone)]
pub struct Machine {
    core: Core,
    layout: PmaLayout,
    tree: MerkleTree,
    /// Last shadow state page and TLB image given to the tree (skip rehashing if equal).
    hashed_shadow: Option<(Arc<Page>, Arc<Vec<u8>>)>,
    /// Predecoded blocks kept from run to run (host-side only, never hashed).
    blocks: interp::BlockCache,
}

/// A summary of the core (see its `Debug`); the Merkle tree is left out.
impl core::fmt::Debug for Machine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Machine")
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
}

fn invalid(msg: &str) -> Error {
    Error::InvalidConfig(msg.to_string())
}

pub(crate) fn check_range(start: u64, length: u64, what: &str) -> Result<()> {
    if length == 0 || length & PAGE_OFFSET_MASK != 0 || start & PAGE_OFFSET_MASK != 0 {
        return Err(invalid(&alloc::format!(
            "{what}: start and length must be non-zero page multiples"
        )));
    }
    match start.checked_add(length - 1) {
        Some(end) if end < addr::PHYS_LIMIT => Ok(()),
        _ => Err(invalid(&alloc::format!(
            "{what}: range does not fit in 56 bits"
        ))),
    }
}

/// The PMA list, its layout and the (all-zero) memory ranges of a machine with RAM of
/// `ram_length` and the `flash` ranges (start, length), each already checked with
/// [`check_range`]; fails if two ranges overlap.
pub(crate) fn memory_layout(
    ram_length: u64,
    flash: &[(u64, u64)],
) -> Result<([Pma; PMA_MAX], PmaLayout, Vec<MemRange>)> {
    let (pmas, layout, specs) = build_pmas(ram_length, flash);
    // No two ranges may overlap.
    let real: Vec<_> = pmas.iter().filter(|p| p.length != 0).collect();
    for (i, a) in real.iter().enumerate() {
        for b in &real[i + 1..] {
            if a.start < b.start + b.length && b.start < a.start + a.length {
                return Err(invalid("memory ranges overlap"));
            }
        }
    }
    let mems = specs
        .iter()
        .map(|s| MemRange::new(s.start, s.length))
        .collect();
    Ok((pmas, layout, mems))
}

impl Machine {
    /// Builds a machine in the reset state of docs/cartesi-v0.19.md §8.
    pub fn new(config: MachineConfig) -> Result<Machine> {
        check_range(addr::RAM, config.ram_length, "ram")?;
        if config
            .ram_image
            .as_ref()
            .is_some_and(|i| i.len() as u64 > config.ram_length)
        {
            return Err(invalid("ram image is longer than ram_length"));
        }
        if config.flash_drives.len() > addr::FLASH_MAX {
            return Err(invalid("at most 8 flash drives"));
        }
        let mut flash = Vec::new();
        for (i, d) in config.flash_drives.iter().enumerate() {
            let start = d
                .start
                .unwrap_or(addr::FLASH0 + (i as u64) * addr::FLASH_STRIDE);
            let image_len = d.image.as_ref().map_or(0, |v| v.len() as u64);
            let length = d.length.unwrap_or(image_len);
            check_range(start, length, "flash drive")?;
            if image_len > length {
                return Err(invalid("flash drive image is longer than its length"));
            }
            flash.push((start, length));
        }
        let (pmas, layout, mut mems) = memory_layout(config.ram_length, &flash)?;
        if let Some(img) = &config.ram_image {
            mems[0].write(0, img);
        }
        let dtb = match &config.dtb_image {
            Some(img) => {
                if img.len() as u64 > addr::DTB_LEN {
                    return Err(invalid("dtb image larger than 1 MiB"));
                }
                img.clone()
            }
            None => {
                let mut cfg = DtbConfig::new(config.ram_length);
                cfg.flash_drives = flash
                    .iter()
                    .map(|&(start, length)| FlashDriveDtb { start, length })
                    .collect();
                if let Some(b) = &config.bootargs {
                    cfg.bootargs = b.clone();
                }
                cfg.yield_manual = config.yield_manual;
                cfg.yield_automatic = config.yield_automatic;
                crate::dtb::try_generate(&cfg).map_err(|e| invalid(&e.to_string()))?
            }
        };
        mems[1].write(0, &dtb);
        for (i, d) in config.flash_drives.iter().enumerate() {
            if let Some(img) = &d.image {
                mems[2 + i].write(0, img);
            }
        }
        for (img, idx, what) in [
            (&config.cmio_tx_image, layout.tx, "tx"),
            (&config.cmio_rx_image, layout.rx, "rx"),
        ] {
            if let Some(img) = img {
                if img.len() as u64 > addr::CMIO_LEN {
                    return Err(invalid(&alloc::format!(
                        "cmio {what} image larger than 2 MiB"
                    )));
                }
                mems[idx].write(0, img);
            }
        }
        let spm = mems.len() - 1;
        mems[spm].write(0, &shadow_pmas_page(&pmas));
        for m in &mut mems {
            m.mark_all_present_dirty();
        }
        let mut core = Core::new(pmas, mems);
        core.regs[reg::HTIF_IYIELD] = (if config.yield_automatic {
            htif::IYIELD_AUTOMATIC
        } else {
            0
        }) | (if config.yield_manual {
            htif::IYIELD_MANUAL
        } else {
            0
        });
        Machine::from_core(core, layout)
    }

    /// A machine over `core` with a fresh Merkle tree (a new machine's, or restored state
    /// from [`crate::snapshot`]): every present page must be marked dirty, so the next
    /// hash builds the tree from them.
    pub(crate) fn from_core(core: Core, layout: PmaLayout) -> Result<Machine> {
        let mut tree = MerkleTree::new();
        tree.set_subtree_hash(addr::UARCH, addr::UARCH_LOG2, UARCH_PRISTINE_HASH)?;
        Ok(Machine {
            core,
            layout,
            tree,
            hashed_shadow: None,
            blocks: interp::BlockCache::new(),
        })
    }

    /// Runs until `mcycle_end`, a halt or a yield (docs/cartesi-v0.19.md §3.2). Fails if
    /// `mcycle_end < mcycle`.
    pub fn run(&mut self, mcycle_end: u64) -> Result<BreakReason> {
        let mcycle = self.mcycle();
        if mcycle_end < mcycle {
            return Err(Error::McycleEndInPast { mcycle_end, mcycle });
        }
        Ok(interp::run_cached(
            &mut self.core,
            &mut self.blocks,
            mcycle_end,
        ))
    }

    /// The direct-backend state (registers, PMAs, memory, TLB).
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// Reads a shadow-state slot (see [`crate::constants::reg`]; offset = 8·slot).
    pub fn read_reg(&self, slot: usize) -> Result<u64> {
        self.core
            .regs
            .get(slot)
            .copied()
            .ok_or(Error::InvalidRegister(slot))
    }

    /// Writes a shadow-state slot. x0 and the constant id slots cannot be written, and
    /// pc, mepc, sepc, mtvec and stvec must be even (the guest can never make them odd and
    /// the fetch path relies on it).
    pub fn write_reg(&mut self, slot: usize, value: u64) -> Result<()> {
        if slot >= reg::COUNT || slot == reg::X0 || (reg::MVENDORID..=reg::MIMPID).contains(&slot) {
            return Err(Error::InvalidRegister(slot));
        }
        if value & 1 != 0 && reg::EVEN.contains(&slot) {
            return Err(Error::InvalidRegister(slot));
        }
        self.core.regs[slot] = value;
        Ok(())
    }

    /// Integer register `i` (0..32).
    pub fn x(&self, i: usize) -> u64 {
        self.core.regs[i & 31]
    }

    /// Current pc.
    pub fn pc(&self) -> u64 {
        self.core.regs[reg::PC]
    }

    /// Current mcycle.
    pub fn mcycle(&self) -> u64 {
        self.core.regs[reg::MCYCLE]
    }

    /// Halt flag.
    pub fn iflags_h(&self) -> bool {
        self.core.regs[reg::IFLAGS_H] != 0
    }

    /// Manual-yield flag.
    pub fn iflags_y(&self) -> bool {
        self.core.regs[reg::IFLAGS_Y] != 0
    }

    /// Automatic-yield flag.
    pub fn iflags_x(&self) -> bool {
        self.core.regs[reg::IFLAGS_X] != 0
    }

    /// HTIF tohost.
    pub fn tohost(&self) -> u64 {
        self.core.regs[reg::HTIF_TOHOST]
    }

    /// HTIF fromhost.
    pub fn fromhost(&self) -> u64 {
        self.core.regs[reg::HTIF_FROMHOST]
    }

    /// Halt payload (`tohost.data >> 1`) when halted.
    pub fn exit_code(&self) -> Option<u32> {
        self.iflags_h()
            .then(|| ((self.tohost() & 0xFFFF_FFFF) >> 1) as u32)
    }

    /// Takes the console bytes the guest wrote since the last call.
    pub fn take_console_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.core.console)
    }

    /// Reads `len` bytes of the hashed image (docs/cartesi-v0.19.md §6.2) starting at `address`:
    /// memory ranges, the synthesised shadow state/TLB, zeros for devices and unmapped space.
    pub fn read_memory(&self, address: u64, len: u64) -> Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        if address.checked_add(len - 1).is_none() || len > (1 << 32) {
            return Err(Error::InvalidMemoryAccess {
                address,
                length: len,
                reason: "range too large",
            });
        }
        let mut out = Vec::with_capacity(len as usize);
        let mut a = address;
        let end = address + (len - 1);
        loop {
            let page_addr = a & !PAGE_OFFSET_MASK;
            let off = (a - page_addr) as usize;
            let last = core::cmp::min(end, page_addr + PAGE_OFFSET_MASK);
            let n = (last - a) as usize + 1;
            match self.core.mem_range_of_page(page_addr) {
                Some(m) => {
                    let r = &self.core.mems[m];
                    let page = r.page_bytes(((page_addr - r.start) >> PAGE_LOG2) as usize);
                    out.extend_from_slice(&page[off..off + n]);
                }
                None => out.extend_from_slice(&self.core.page_image(page_addr)[off..off + n]),
            }
            if last == end {
                return Ok(out);
            }
            a = last + 1;
        }
    }

    /// Writes bytes into one memory range (RAM, DTB, flash drive or CMIO buffer).
    pub fn write_memory(&mut self, address: u64, data: &[u8]) -> Result<()> {
        let len = data.len() as u64;
        if len == 0 {
            return Ok(());
        }
        let spm = self.layout.shadow_pmas;
        let target = self
            .core
            .pmas
            .iter()
            .enumerate()
            .find_map(|(i, p)| match p.kind {
                crate::state::pma::PmaKind::Memory(m) if i != spm && p.contains(address, len) => {
                    Some(m)
                }
                _ => None,
            });
        let Some(m) = target else {
            return Err(Error::InvalidMemoryAccess {
                address,
                length: len,
                reason: "not entirely inside one writable memory range",
            });
        };
        let start = self.core.mems[m].start;
        self.core.mems[m].write(address - start, data);
        Ok(())
    }

    /// Decodes the pending yield (docs/cartesi-v0.19.md §5.3). Fails unless the machine yielded.
    pub fn receive_cmio_request(&self) -> Result<CmioRequest> {
        if !self.iflags_x() && !self.iflags_y() {
            return Err(Error::Cmio("machine is not yielded"));
        }
        let t = self.tohost();
        let cmd = ((t >> 48) & 0xFF) as u8;
        let reason = ((t >> 32) & 0xFFFF) as u16;
        let length = t & 0xFFFF_FFFF;
        let data = if cmd as u64 == htif::CMD_YIELD_AUTOMATIC
            && reason == crate::constants::cmio::AUTOMATIC_PROGRESS
        {
            (length as u32).to_le_bytes().to_vec()
        } else {
            if length > addr::CMIO_LEN {
                return Err(Error::Cmio("yield data length exceeds the tx buffer"));
            }
            self.read_memory(addr::CMIO_TX, length)?
        };
        Ok(CmioRequest { cmd, reason, data })
    }

    /// Answers a manual yield (docs/cartesi-v0.19.md §5.4): writes `data` at rx (zero-padded to
    /// 2^max(5, ceil(log2 len)) bytes; older bytes beyond stay), sets
    /// fromhost = reason << 32 | len and clears the manual-yield flag.
    pub fn send_cmio_response(&mut self, reason: u16, data: &[u8]) -> Result<()> {
        if !self.iflags_y() {
            return Err(Error::Cmio("iflags.Y is not set"));
        }
        let len = data.len() as u64;
        if len > 0 {
            let log2 = core::cmp::max(5, 64 - (len - 1).leading_zeros());
            let write_len = 1u64 << log2;
            if write_len > addr::CMIO_LEN {
                return Err(Error::Cmio("response larger than the rx buffer"));
            }
            let mut buf = data.to_vec();
            buf.resize(write_len as usize, 0);
            let rx = self.layout.rx;
            let m = self.core.mem_index(rx).ok_or(Error::Cmio("no rx buffer"))?;
            self.core.mems[m].write(0, &buf);
        }
        self.core.regs[reg::HTIF_FROMHOST] = ((reason as u64) << 32) | (len & 0xFFFF_FFFF);
        self.core.regs[reg::IFLAGS_Y] = 0;
        Ok(())
    }

    /// The shadow state page (docs/cartesi-v0.19.md §2).
    pub fn shadow_state_page(&self) -> Page {
        self.core.shadow_state_page()
    }

    /// The 0x6000-byte shadow TLB image (docs/cartesi-v0.19.md §6.6).
    pub fn shadow_tlb_image(&self) -> Vec<u8> {
        self.core.shadow_tlb_image()
    }

    /// Every page that may be non-zero, as (address, bytes), in address order.
    pub fn pages_for_hashing(&self) -> Vec<(u64, Arc<Page>)> {
        self.core.pages_for_hashing()
    }

    /// Brings the internal Merkle tree up to date and returns the addresses of the pages
    /// that changed since the previous call (memory pages written, plus the synthesised
    /// shadow state/TLB pages when they changed).
    pub fn take_dirty_pages(&mut self) -> Vec<u64> {
        let mut changed = Vec::new();
        for r in &mut self.core.mems {
            for i in r.take_dirty() {
                let a = r.start + ((i as u64) << PAGE_LOG2);
                match r.page(i) {
                    Some(p) => self.tree.update_page(a, p),
                    None => self.tree.clear_page(a),
                }
                changed.push(a);
            }
        }
        let state = Arc::new(self.core.shadow_state_page());
        let tlb = Arc::new(self.core.shadow_tlb_image());
        let (old_state, old_tlb) = match &self.hashed_shadow {
            Some((s, t)) => (Some(s.clone()), Some(t.clone())),
            None => (None, None),
        };
        if old_state.as_deref() != Some(&*state) {
            self.tree.update_page(addr::SHADOW_STATE, &state);
            changed.push(addr::SHADOW_STATE);
        }
        for k in 0..(addr::SHADOW_TLB_LEN / PAGE_SIZE) as usize {
            let range = k * PAGE_SIZE as usize..(k + 1) * PAGE_SIZE as usize;
            if old_tlb
                .as_ref()
                .is_some_and(|o| o[range.clone()] == tlb[range.clone()])
            {
                continue;
            }
            let mut page = [0u8; PAGE_SIZE as usize];
            page.copy_from_slice(&tlb[range]);
            let a = addr::SHADOW_TLB + (k as u64) * PAGE_SIZE;
            self.tree.update_page(a, &page);
            changed.push(a);
        }
        self.hashed_shadow = Some((state, tlb));
        changed.sort_unstable();
        changed
    }

    /// The Merkle root hash of the whole state (docs/cartesi-v0.19.md §6), rehashing only dirty
    /// pages.
    pub fn root_hash(&mut self) -> Hash {
        self.take_dirty_pages();
        self.tree.root_hash()
    }

    /// Merkle hash of the aligned range `address / 2^log2_size` (5 ≤ log2 ≤ 64).
    pub fn range_hash(&mut self, address: u64, log2_size: u32) -> Result<Hash> {
        self.take_dirty_pages();
        let core = &self.core;
        Ok(self
            .tree
            .range_hash(address, log2_size, |pa| Some(core.page_image(pa)))?)
    }

    /// Inclusion proof of the aligned range `address / 2^log2_size` (Cartesi `get_proof`).
    pub fn proof(&mut self, address: u64, log2_size: u32) -> Result<Proof> {
        self.take_dirty_pages();
        let core = &self.core;
        Ok(self
            .tree
            .proof(address, log2_size, |pa| Some(core.page_image(pa)))?)
    }
}
