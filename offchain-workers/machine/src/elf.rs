//! ELF64 little-endian RISC-V program parsing.
//!
//! [`parse`] validates the identification bytes, class, data encoding, machine
//! (`EM_RISCV` = 243) and type (`ET_EXEC`), then collects every `PT_LOAD` segment with
//! its file bytes. Segments are placed at their *physical* address (`p_paddr`), as the
//! Cartesi tools do; the caller writes them into RAM or flash and zero-fills the tail
//! (`mem_size` beyond `data.len()`). Nothing here touches a machine.
//!
//! Hand-written on purpose rather than built on an ELF crate: what this parser accepts and
//! which bytes it places where decides the initial machine state, hence its root hash.
//! Consensus needs that behaviour frozen (the same file gives the same bytes and hashes on
//! every validator, forever), and a library upgrade could change it silently.

use alloc::vec::Vec;

use crate::constants::{addr, reg};
use crate::machine::Machine;

/// ELF magic bytes at the start of every ELF file.
const ELF_MAGIC: [u8; 4] = [0x7F, b'E', b'L', b'F'];
/// `EI_CLASS` value for 64-bit objects.
const ELFCLASS64: u8 = 2;
/// `EI_DATA` value for little-endian objects.
const ELFDATA2LSB: u8 = 1;
/// `EI_VERSION` / `e_version` value of the only ELF version.
const EV_CURRENT: u8 = 1;
/// `e_type` of an executable file.
const ET_EXEC: u16 = 2;
/// `e_machine` of RISC-V.
pub const EM_RISCV: u16 = 243;
/// `p_type` of a loadable segment.
const PT_LOAD: u32 = 1;
/// Size of the ELF64 file header.
const EHDR_SIZE: usize = 64;
/// Size of one ELF64 program header.
const PHDR_SIZE: usize = 56;

/// Why a byte string is not a loadable RV64 program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// The file is shorter than an ELF header or lacks the `\x7fELF` magic.
    #[error("not an ELF file")]
    NotElf,
    /// `EI_CLASS` is not ELFCLASS64.
    #[error("not a 64-bit ELF file (EI_CLASS = {0})")]
    Not64Bit(u8),
    /// `EI_DATA` is not little-endian.
    #[error("not a little-endian ELF file (EI_DATA = {0})")]
    NotLittleEndian(u8),
    /// The ELF version is not 1.
    #[error("unsupported ELF version {0}")]
    BadVersion(u32),
    /// `e_machine` is not RISC-V.
    #[error("not a RISC-V ELF file (e_machine = {0}, expected 243)")]
    NotRiscv(u16),
    /// `e_type` is not ET_EXEC (relocatable objects and PIE are not supported).
    #[error("not an executable ELF file (e_type = {0}, expected 2 = ET_EXEC)")]
    NotExecutable(u16),
    /// The program header table entry size is not 56 bytes.
    #[error("unexpected program header size {0} (expected 56)")]
    BadProgramHeaderSize(u16),
    /// The program header table does not fit in the file.
    #[error("truncated ELF file: program headers at {offset:#x} (+{count}×56) exceed file size {file_size}")]
    Truncated {
        /// Offset of the program header table.
        offset: u64,
        /// Number of program headers.
        count: u16,
        /// Size of the file in bytes.
        file_size: usize,
    },
    /// A loadable segment's file bytes lie outside the file.
    #[error(
        "segment {index} file bytes {offset:#x}+{file_size:#x} lie outside the file ({len} bytes)"
    )]
    SegmentOutOfFile {
        /// Index of the program header.
        index: usize,
        /// `p_offset`.
        offset: u64,
        /// `p_filesz`.
        file_size: u64,
        /// File length.
        len: usize,
    },
    /// A loadable segment's file size exceeds its memory size.
    #[error("segment {index} has p_filesz {file_size:#x} larger than p_memsz {mem_size:#x}")]
    FileSizeExceedsMemSize {
        /// Index of the program header.
        index: usize,
        /// `p_filesz`.
        file_size: u64,
        /// `p_memsz`.
        mem_size: u64,
    },
    /// A loadable segment's address range wraps around the 64-bit address space.
    #[error("segment {index} at {paddr:#x}+{mem_size:#x} wraps around the address space")]
    SegmentWraps {
        /// Index of the program header.
        index: usize,
        /// `p_paddr`.
        paddr: u64,
        /// `p_memsz`.
        mem_size: u64,
    },
    /// The file has no loadable segment.
    #[error("ELF file has no loadable (PT_LOAD) segment")]
    NoLoadableSegment,
    /// A segment starts in RAM but does not end there.
    #[error("program too large for RAM of {ram_length} bytes: segment at {start:#x}..{end:#x}; pass --ram-length")]
    TooLargeForRam {
        /// RAM length of the machine.
        ram_length: u64,
        /// Segment start.
        start: u64,
        /// Segment end (exclusive).
        end: u64,
    },
    /// A segment lies outside RAM and every flash drive.
    #[error("segment at {start:#x}..{end:#x} is outside RAM (0x80000000, {ram_length} bytes) and the flash drives")]
    OutsideMemory {
        /// RAM length of the machine.
        ram_length: u64,
        /// Segment start.
        start: u64,
        /// Segment end (exclusive).
        end: u64,
    },
    /// The entry point is not inside RAM.
    #[error("entry point {0:#x} is not mapped in RAM (the machine boots at 0x80000000)")]
    EntryUnmapped(u64),
    /// The entry point is odd: no instruction can start there (RV64C instructions are
    /// 2-byte aligned, and the machine refuses to set such a `pc`).
    #[error("entry point {0:#x} is not 2-byte aligned")]
    EntryMisaligned(u64),
}

/// One `PT_LOAD` segment: file bytes to copy and the total size it occupies in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Physical load address (`p_paddr`): where the bytes go in the machine.
    pub paddr: u64,
    /// Virtual address (`p_vaddr`), informative only.
    pub vaddr: u64,
    /// The segment's file bytes (`p_filesz` of them).
    pub data: Vec<u8>,
    /// Bytes occupied in memory (`p_memsz` ≥ `data.len()`); the rest is zero (`.bss`).
    pub mem_size: u64,
}

impl Segment {
    /// One past the last byte the segment occupies (`paddr + mem_size`).
    pub fn end(&self) -> u64 {
        self.paddr.saturating_add(self.mem_size)
    }
}

/// A parsed executable: entry point and loadable segments in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfImage {
    /// `e_entry`: the address of the first instruction.
    pub entry: u64,
    /// Every `PT_LOAD` segment with a non-zero memory size.
    pub segments: Vec<Segment>,
}

impl ElfImage {
    /// Checks that every segment fits in RAM (`0x8000_0000`, `ram_length` bytes) or in
    /// one of the `flash` ranges (start, length), and that the entry point is in RAM and
    /// 2-byte aligned: what passes here, [`ElfImage::load_into`] loads.
    pub fn check_placement(&self, ram_length: u64, flash: &[(u64, u64)]) -> Result<(), ElfError> {
        let ram_end = addr::RAM.saturating_add(ram_length);
        let in_ram = |a: u64| (addr::RAM..ram_end).contains(&a);
        if !in_ram(self.entry) {
            return Err(ElfError::EntryUnmapped(self.entry));
        }
        if !self.entry.is_multiple_of(2) {
            return Err(ElfError::EntryMisaligned(self.entry));
        }
        for seg in &self.segments {
            let (start, end) = (seg.paddr, seg.end());
            // Anything above the RAM start and below the flash drives would fit in a
            // larger RAM: report it as too large rather than unmapped.
            if (addr::RAM..addr::FLASH0).contains(&start) {
                if end > ram_end {
                    return Err(ElfError::TooLargeForRam {
                        ram_length,
                        start,
                        end,
                    });
                }
                continue;
            }
            let in_flash = flash
                .iter()
                .any(|&(f, len)| start >= f && end <= f.saturating_add(len));
            if !in_flash {
                return Err(ElfError::OutsideMemory {
                    ram_length,
                    start,
                    end,
                });
            }
        }
        Ok(())
    }

    /// Copies every segment's file bytes into a freshly built machine (whose memory is
    /// zero, so `.bss` needs no writes) and, when the entry point is not the RAM start,
    /// points `pc` at it. Call [`ElfImage::check_placement`] first for clear errors.
    pub fn load_into(&self, machine: &mut Machine) -> crate::error::Result<()> {
        for seg in &self.segments {
            machine.write_memory(seg.paddr, &seg.data)?;
        }
        if self.entry != addr::RAM {
            machine.write_reg(reg::PC, self.entry)?;
        }
        Ok(())
    }
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(w)
}

/// Parses an ELF64 little-endian RISC-V executable into its entry point and segments.
pub fn parse(bytes: &[u8]) -> Result<ElfImage, ElfError> {
    if bytes.len() < EHDR_SIZE || bytes[0..4] != ELF_MAGIC {
        return Err(ElfError::NotElf);
    }
    if bytes[4] != ELFCLASS64 {
        return Err(ElfError::Not64Bit(bytes[4]));
    }
    if bytes[5] != ELFDATA2LSB {
        return Err(ElfError::NotLittleEndian(bytes[5]));
    }
    if bytes[6] != EV_CURRENT {
        return Err(ElfError::BadVersion(u32::from(bytes[6])));
    }
    let e_type = u16_at(bytes, 16);
    let e_machine = u16_at(bytes, 18);
    let e_version = u32_at(bytes, 20);
    if e_machine != EM_RISCV {
        return Err(ElfError::NotRiscv(e_machine));
    }
    if e_version != u32::from(EV_CURRENT) {
        return Err(ElfError::BadVersion(e_version));
    }
    if e_type != ET_EXEC {
        return Err(ElfError::NotExecutable(e_type));
    }
    let entry = u64_at(bytes, 24);
    let ph_off = u64_at(bytes, 32);
    let ph_entsize = u16_at(bytes, 54);
    let ph_num = u16_at(bytes, 56);
    if ph_num != 0 && usize::from(ph_entsize) != PHDR_SIZE {
        return Err(ElfError::BadProgramHeaderSize(ph_entsize));
    }
    let table_len = (ph_num as u64) * PHDR_SIZE as u64;
    let table_fits = ph_off
        .checked_add(table_len)
        .is_some_and(|end| end <= bytes.len() as u64);
    if !table_fits {
        return Err(ElfError::Truncated {
            offset: ph_off,
            count: ph_num,
            file_size: bytes.len(),
        });
    }
    let mut segments = Vec::new();
    for index in 0..usize::from(ph_num) {
        // In bounds: checked against the table end above.
        let h = ph_off as usize + index * PHDR_SIZE;
        if u32_at(bytes, h) != PT_LOAD {
            continue;
        }
        let offset = u64_at(bytes, h + 8);
        let vaddr = u64_at(bytes, h + 16);
        let paddr = u64_at(bytes, h + 24);
        let file_size = u64_at(bytes, h + 32);
        let mem_size = u64_at(bytes, h + 40);
        if file_size > mem_size {
            return Err(ElfError::FileSizeExceedsMemSize {
                index,
                file_size,
                mem_size,
            });
        }
        if mem_size == 0 {
            continue;
        }
        if paddr.checked_add(mem_size).is_none() {
            return Err(ElfError::SegmentWraps {
                index,
                paddr,
                mem_size,
            });
        }
        let data = offset
            .checked_add(file_size)
            .filter(|end| *end <= bytes.len() as u64)
            .map(|end| bytes[offset as usize..end as usize].to_vec())
            .ok_or(ElfError::SegmentOutOfFile {
                index,
                offset,
                file_size,
                len: bytes.len(),
            })?;
        segments.push(Segment {
            paddr,
            vaddr,
            data,
            mem_size,
        });
    }
    if segments.is_empty() {
        return Err(ElfError::NoLoadableSegment);
    }
    Ok(ElfImage { entry, segments })
}

#[cfg(test)]
mod tests;
