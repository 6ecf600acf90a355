//! Snapshots: the whole state of a machine as bytes, and the machine back from them.
//!
//! [`Machine::snapshot`] writes, and [`Machine::restore`] reads, format version
//! [`SNAPSHOT_VERSION`] (all integers little-endian):
//!
//! | field | bytes |
//! |---|---|
//! | magic [`SNAPSHOT_MAGIC`] | 8 |
//! | version | u32 |
//! | root hash of the state | 32 |
//! | RAM length | u64 |
//! | flash drive count `n` (at most 8), then `n` × (start u64, length u64) | 1 + 16·n |
//! | the shadow-state slots, [`reg::COUNT`] of them | 8 each |
//! | TLB: count, then (table u8, slot u16, vpage u64, ppage u64, pma u64) for every slot that differs from the reset TLB, in (table, slot) order | 4 + 27 each |
//! | per memory range (RAM, DTB, the flash drives, tx, rx, shadow PMAs, in that order): page count u32, then (page index u32, 4096 bytes) for every page that is not all zero, in increasing order | 4 + 4100 each |
//!
//! Pristine (all-zero) pages are left out, so a snapshot grows with the pages a program
//! touched, not with the machine's RAM; compression is left to the store (the node keeps
//! snapshots in RocksDB, which compresses). The layout (the PMAs and the ranges'
//! positions) is rebuilt from the RAM length and the flash drives, as
//! [`Machine::new`] builds it. The root hash makes a snapshot self-checking: restoring
//! rehashes every page and fails with [`SnapshotError::RootMismatch`] on any difference,
//! so a corrupt or tampered snapshot is refused, never run. A caller that must resume a
//! particular state compares [`Machine::root_hash`] of the result (or
//! [`snapshot_root`]) with the root it expects.
//!
//! Restoring gives the machine that was snapshotted: the same root hash, and the same
//! behaviour from then on. Only hashed state is kept, so every byte of a snapshot is
//! covered by the root or by the structure around it: host-side caches start empty, and
//! console output the host has not taken yet ([`Machine::take_console_output`]) is not
//! part of a snapshot. The shadow PMA page must describe the layout rebuilt from the
//! RAM length and flash drives ([`SnapshotError::LayoutMismatch`]), so those fields
//! cannot change without the root noticing.

use alloc::vec::Vec;

use crate::constants::{addr, prv, reg, reset, tlb as tlbc, PAGE_LOG2, PAGE_SIZE, PMA_MAX};
use crate::machine::{check_range, memory_layout, Machine};
use crate::merkle::Hash;
use crate::state::memory::Page;
use crate::state::pma::{shadow_pmas_page, PmaKind};
use crate::state::{Core, Tlb};

/// The first eight bytes of every snapshot.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"CONCSNAP";

/// The format version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Why bytes are not a snapshot this build can restore.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes do not start with [`SNAPSHOT_MAGIC`].
    #[error("not a Concerto machine snapshot (no CONCSNAP magic)")]
    BadMagic,
    /// A version this build does not read.
    #[error("snapshot format version {0}; this build reads version {SNAPSHOT_VERSION}")]
    UnsupportedVersion(u32),
    /// The bytes end inside a field.
    #[error("truncated snapshot: {field} needs {needed} bytes at offset {offset}")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Where it starts.
        offset: usize,
        /// How many bytes it needs.
        needed: usize,
    },
    /// Bytes follow the last memory range.
    #[error("{0} bytes after the end of the snapshot")]
    TrailingBytes(usize),
    /// The RAM length or a flash drive cannot make a machine.
    #[error("the snapshot's memory layout is invalid: {0}")]
    Layout(crate::Error),
    /// The snapshot asks for more RAM and flash than the caller allows.
    #[error("the snapshot's RAM and flash drives take {memory} bytes; at most {max} are allowed")]
    TooLarge {
        /// RAM plus flash drive lengths in the snapshot.
        memory: u64,
        /// The caller's bound.
        max: u64,
    },
    /// More flash drives than a machine has.
    #[error("{0} flash drives; a machine has at most 8")]
    TooManyFlashDrives(u8),
    /// The shadow PMA page does not describe the layout of the RAM length and flash
    /// drives the snapshot names.
    #[error("the snapshot's shadow PMA page does not describe its RAM and flash drives")]
    LayoutMismatch,
    /// A shadow-state slot holds a value no machine can reach.
    #[error("shadow-state slot {slot} holds {value:#x}, which no machine can reach")]
    BadRegister {
        /// The slot ([`reg`]).
        slot: usize,
        /// Its value.
        value: u64,
    },
    /// A TLB entry is out of place or points outside memory.
    #[error("TLB table {table} slot {slot}: {reason}")]
    BadTlbEntry {
        /// Table (0 code, 1 read, 2 write).
        table: u8,
        /// Slot.
        slot: u16,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A page index is beyond its range or out of order.
    #[error("memory range {range}: page {index} is beyond its {pages} pages or out of order")]
    BadPageIndex {
        /// The range (RAM is 0).
        range: usize,
        /// The page index.
        index: u32,
        /// Pages in the range.
        pages: usize,
    },
    /// The restored state does not hash to the root the snapshot names.
    #[error("the restored state hashes to 0x{}, the snapshot names 0x{}", hex32(.actual), hex32(.expected))]
    RootMismatch {
        /// The root in the snapshot.
        expected: Hash,
        /// The root of the restored state.
        actual: Hash,
    },
}

fn hex32(h: &Hash) -> alloc::string::String {
    h.iter().map(|b| alloc::format!("{b:02x}")).collect()
}

/// The root hash a snapshot names (checked by [`Machine::restore`]), without restoring it.
pub fn snapshot_root(bytes: &[u8]) -> Result<Hash, SnapshotError> {
    let mut r = Reader { bytes, at: 0 };
    read_header(&mut r)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], SnapshotError> {
        let truncated = SnapshotError::Truncated {
            field,
            offset: self.at,
            needed: n,
        };
        let end = self.at.checked_add(n).ok_or(truncated.clone())?;
        let out = self.bytes.get(self.at..end).ok_or(truncated)?;
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], SnapshotError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, SnapshotError> {
        Ok(self.array::<1>(field)?[0])
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, SnapshotError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }
}

fn read_header(r: &mut Reader<'_>) -> Result<Hash, SnapshotError> {
    if r.bytes.get(..SNAPSHOT_MAGIC.len()) != Some(&SNAPSHOT_MAGIC[..]) {
        return Err(SnapshotError::BadMagic);
    }
    r.at = SNAPSHOT_MAGIC.len();
    let version = r.u32("version")?;
    if version != SNAPSHOT_VERSION {
        return Err(SnapshotError::UnsupportedVersion(version));
    }
    r.array("root hash")
}

/// Whether the interpreter can run from `regs`: the invariants [`Machine::write_reg`]
/// keeps, and a privilege level that exists.
fn check_registers(regs: &[u64; reg::COUNT]) -> Result<(), SnapshotError> {
    let fixed = [
        (reg::X0, 0),
        (reg::MVENDORID, reset::MVENDORID),
        (reg::MARCHID, reset::MARCHID),
        (reg::MIMPID, reset::MIMPID),
    ];
    for (slot, value) in fixed {
        if regs[slot] != value {
            return Err(SnapshotError::BadRegister {
                slot,
                value: regs[slot],
            });
        }
    }
    for slot in reg::EVEN {
        if regs[slot] & 1 != 0 {
            return Err(SnapshotError::BadRegister {
                slot,
                value: regs[slot],
            });
        }
    }
    if ![prv::U, prv::S, prv::M].contains(&regs[reg::IPRV]) {
        return Err(SnapshotError::BadRegister {
            slot: reg::IPRV,
            value: regs[reg::IPRV],
        });
    }
    Ok(())
}

/// Whether TLB slot `(t, s)` of `tlb` can be used by the interpreter: a valid entry maps
/// a page-aligned virtual page to a page inside a memory range.
fn check_tlb_entry(core: &Core, tlb: &Tlb, t: usize, s: usize) -> Result<(), SnapshotError> {
    let bad = |reason| SnapshotError::BadTlbEntry {
        table: t as u8,
        slot: s as u16,
        reason,
    };
    let vpage = tlb.vpage[t][s];
    if vpage == tlbc::INVALID_PAGE {
        // Stale cold fields of an empty slot are hashed but never used.
        return Ok(());
    }
    let ppage = tlb.ppage[t][s];
    if !vpage.is_multiple_of(PAGE_SIZE) || !ppage.is_multiple_of(PAGE_SIZE) {
        return Err(bad("a page that is not 4 KiB aligned"));
    }
    let pma = usize::try_from(tlb.pma[t][s]).unwrap_or(PMA_MAX);
    let inside = pma < PMA_MAX
        && matches!(core.pmas[pma].kind, PmaKind::Memory(_))
        && core.pmas[pma].contains(ppage, PAGE_SIZE);
    if !inside {
        return Err(bad("a physical page outside the memory range it names"));
    }
    Ok(())
}

impl Machine {
    /// The whole state as bytes (format: the [module docs](crate::snapshot)). Takes
    /// `&mut self` because it brings the Merkle tree up to date for the root it records.
    pub fn snapshot(&mut self) -> Vec<u8> {
        let root = self.root_hash();
        let core = self.core();
        let mems = &core.mems;
        // RAM, DTB, the flash drives, tx, rx, shadow PMAs (crate::state::pma::build_pmas).
        let flash = &mems[2..mems.len() - 3];
        let present: usize = mems.iter().map(|m| m.present_pages().count()).sum();
        let mut out = Vec::with_capacity(256 + reg::COUNT * 8 + present * (4 + PAGE_SIZE as usize));
        out.extend_from_slice(&SNAPSHOT_MAGIC);
        out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        out.extend_from_slice(&root);
        out.extend_from_slice(&mems[0].length.to_le_bytes());
        out.push(flash.len() as u8);
        for f in flash {
            out.extend_from_slice(&f.start.to_le_bytes());
            out.extend_from_slice(&f.length.to_le_bytes());
        }
        for v in &core.regs {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let pristine = Tlb::new();
        let changed: Vec<(usize, usize)> = (0..tlbc::TABLES)
            .flat_map(|t| (0..tlbc::SLOTS).map(move |s| (t, s)))
            .filter(|&(t, s)| {
                core.tlb.vpage[t][s] != pristine.vpage[t][s]
                    || core.tlb.ppage[t][s] != pristine.ppage[t][s]
                    || core.tlb.pma[t][s] != pristine.pma[t][s]
            })
            .collect();
        out.extend_from_slice(&(changed.len() as u32).to_le_bytes());
        for (t, s) in changed {
            out.push(t as u8);
            out.extend_from_slice(&(s as u16).to_le_bytes());
            for v in [
                core.tlb.vpage[t][s],
                core.tlb.ppage[t][s],
                core.tlb.pma[t][s],
            ] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        for m in mems {
            let pages: Vec<_> = m
                .present_pages()
                .filter(|(_, p)| p.iter().any(|&b| b != 0))
                .collect();
            out.extend_from_slice(&(pages.len() as u32).to_le_bytes());
            for (i, p) in pages {
                out.extend_from_slice(&(i as u32).to_le_bytes());
                out.extend_from_slice(&p[..]);
            }
        }
        out
    }

    /// The machine a [`Machine::snapshot`] recorded. Every field is checked as it is
    /// read, then every page is rehashed and the root compared with the snapshot's: bytes
    /// that are not a whole, intact snapshot are refused with a [`SnapshotError`].
    ///
    /// `max_memory` bounds the RAM plus flash drives the snapshot may ask for (the host
    /// keeps a pointer slot per page of them, allocated before any page is read): pass
    /// the RAM size the template was configured with.
    pub fn restore(bytes: &[u8], max_memory: u64) -> Result<Machine, SnapshotError> {
        let mut r = Reader { bytes, at: 0 };
        let expected = read_header(&mut r)?;
        let ram_length = r.u64("RAM length")?;
        check_range(addr::RAM, ram_length, "ram").map_err(SnapshotError::Layout)?;
        let mut memory = ram_length;
        let flash_count = r.u8("flash drive count")?;
        if usize::from(flash_count) > addr::FLASH_MAX {
            return Err(SnapshotError::TooManyFlashDrives(flash_count));
        }
        let mut flash = Vec::with_capacity(usize::from(flash_count));
        for _ in 0..flash_count {
            let start = r.u64("flash drive start")?;
            let length = r.u64("flash drive length")?;
            check_range(start, length, "flash drive").map_err(SnapshotError::Layout)?;
            memory = memory.saturating_add(length);
            flash.push((start, length));
        }
        if memory > max_memory {
            return Err(SnapshotError::TooLarge {
                memory,
                max: max_memory,
            });
        }
        let (pmas, layout, mut mems) =
            memory_layout(ram_length, &flash).map_err(SnapshotError::Layout)?;
        let mut regs = [0u64; reg::COUNT];
        for v in regs.iter_mut() {
            *v = r.u64("shadow-state slot")?;
        }
        check_registers(&regs)?;
        let mut core = Core::new(pmas, Vec::new());
        core.regs = regs;
        let mut tlb = Tlb::new();
        let entries = r.u32("TLB entry count")?;
        let mut last: Option<(u8, u16)> = None;
        for _ in 0..entries {
            let t = r.u8("TLB table")?;
            let s = r.u16("TLB slot")?;
            let bad = |reason| SnapshotError::BadTlbEntry {
                table: t,
                slot: s,
                reason,
            };
            if usize::from(t) >= tlbc::TABLES || usize::from(s) >= tlbc::SLOTS {
                return Err(bad("no such slot"));
            }
            if last.is_some_and(|l| l >= (t, s)) {
                return Err(bad("out of order or repeated"));
            }
            last = Some((t, s));
            let (t, s) = (usize::from(t), usize::from(s));
            tlb.vpage[t][s] = r.u64("TLB vpage")?;
            tlb.ppage[t][s] = r.u64("TLB ppage")?;
            tlb.pma[t][s] = r.u64("TLB pma")?;
            check_tlb_entry(&core, &tlb, t, s)?;
        }
        core.tlb = tlb;
        for (range, m) in mems.iter_mut().enumerate() {
            let count = r.u32("page count")?;
            let pages = m.page_count();
            let mut next = 0u64;
            for _ in 0..count {
                let index = r.u32("page index")?;
                if u64::from(index) < next || index as usize >= pages {
                    return Err(SnapshotError::BadPageIndex {
                        range,
                        index,
                        pages,
                    });
                }
                next = u64::from(index) + 1;
                let page: &[u8] = r.take(PAGE_SIZE as usize, "page bytes")?;
                m.write(u64::from(index) << PAGE_LOG2, page);
            }
            m.mark_all_present_dirty();
        }
        if r.at != bytes.len() {
            return Err(SnapshotError::TrailingBytes(bytes.len() - r.at));
        }
        let described = shadow_pmas_page(&core.pmas);
        let mut recorded = alloc::vec![0u8; described.len()];
        if let Some(spm) = mems.last() {
            spm.read(0, &mut recorded);
        }
        if recorded[..] != described[..] {
            return Err(SnapshotError::LayoutMismatch);
        }
        core.mems = mems;
        let mut machine = Machine::from_core(core, layout).map_err(SnapshotError::Layout)?;
        let actual = machine.root_hash();
        if actual != expected {
            return Err(SnapshotError::RootMismatch { expected, actual });
        }
        Ok(machine)
    }
}

/// Statically: a page is what a snapshot stores per present page.
const _: () = assert!(core::mem::size_of::<Page>() == PAGE_SIZE as usize);

#[cfg(test)]
mod tests;
