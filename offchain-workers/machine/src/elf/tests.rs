//! Unit tests of ELF parsing and placement checks, on hand-built ELF bytes.

use super::*;
use alloc::vec;

/// One program header for [`build`].
struct Ph {
    kind: u32,
    paddr: u64,
    data: Vec<u8>,
    mem_size: u64,
}

/// Builds a minimal ELF64 LE RISC-V executable: header, program headers, then data.
fn build(entry: u64, phs: &[Ph]) -> Vec<u8> {
    let mut out = vec![0u8; EHDR_SIZE];
    out[0..4].copy_from_slice(&ELF_MAGIC);
    out[4] = ELFCLASS64;
    out[5] = ELFDATA2LSB;
    out[6] = EV_CURRENT;
    out[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
    out[18..20].copy_from_slice(&EM_RISCV.to_le_bytes());
    out[20..24].copy_from_slice(&1u32.to_le_bytes());
    out[24..32].copy_from_slice(&entry.to_le_bytes());
    out[32..40].copy_from_slice(&(EHDR_SIZE as u64).to_le_bytes());
    out[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
    out[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
    out[56..58].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    let mut data_off = (EHDR_SIZE + PHDR_SIZE * phs.len()) as u64;
    for ph in phs {
        let mut h = [0u8; PHDR_SIZE];
        h[0..4].copy_from_slice(&ph.kind.to_le_bytes());
        h[8..16].copy_from_slice(&data_off.to_le_bytes());
        h[16..24].copy_from_slice(&(ph.paddr | 0x1000_0000_0000).to_le_bytes());
        h[24..32].copy_from_slice(&ph.paddr.to_le_bytes());
        h[32..40].copy_from_slice(&(ph.data.len() as u64).to_le_bytes());
        h[40..48].copy_from_slice(&ph.mem_size.to_le_bytes());
        out.extend_from_slice(&h);
        data_off += ph.data.len() as u64;
    }
    for ph in phs {
        out.extend_from_slice(&ph.data);
    }
    out
}

fn sample() -> Vec<u8> {
    build(
        0x8000_0000,
        &[
            Ph {
                kind: PT_LOAD,
                paddr: 0x8000_0000,
                data: vec![0x13, 0, 0, 0],
                mem_size: 4,
            },
            Ph {
                kind: 4, /* PT_NOTE */
                paddr: 0,
                data: vec![9; 8],
                mem_size: 8,
            },
            Ph {
                kind: PT_LOAD,
                paddr: 0x8000_1000,
                data: vec![1, 2],
                mem_size: 0x100,
            },
        ],
    )
}

#[test]
fn parses_loadable_segments_by_paddr() {
    let img = parse(&sample()).unwrap();
    assert_eq!(img.entry, 0x8000_0000);
    assert_eq!(img.segments.len(), 2);
    assert_eq!(img.segments[0].paddr, 0x8000_0000);
    assert_eq!(img.segments[0].vaddr, 0x1000_8000_0000);
    assert_eq!(img.segments[0].data, vec![0x13, 0, 0, 0]);
    assert_eq!(img.segments[1].data, vec![1, 2]);
    assert_eq!(img.segments[1].mem_size, 0x100);
    assert_eq!(img.segments[1].end(), 0x8000_1100);
}

#[test]
fn rejects_bad_identification() {
    assert_eq!(parse(b"hello"), Err(ElfError::NotElf));
    assert_eq!(parse(&[0u8; 64]), Err(ElfError::NotElf));
    let mut b = sample();
    b[4] = 1;
    assert_eq!(parse(&b), Err(ElfError::Not64Bit(1)));
    let mut b = sample();
    b[5] = 2;
    assert_eq!(parse(&b), Err(ElfError::NotLittleEndian(2)));
    let mut b = sample();
    b[6] = 0;
    assert_eq!(parse(&b), Err(ElfError::BadVersion(0)));
    let mut b = sample();
    b[18..20].copy_from_slice(&62u16.to_le_bytes());
    assert_eq!(parse(&b), Err(ElfError::NotRiscv(62)));
    let mut b = sample();
    b[16..18].copy_from_slice(&3u16.to_le_bytes());
    assert_eq!(parse(&b), Err(ElfError::NotExecutable(3)));
    let mut b = sample();
    b[54..56].copy_from_slice(&32u16.to_le_bytes());
    assert_eq!(parse(&b), Err(ElfError::BadProgramHeaderSize(32)));
}

#[test]
fn rejects_truncated_files() {
    let b = sample();
    assert!(matches!(
        parse(&b[..100]),
        Err(ElfError::Truncated { count: 3, .. })
    ));
    let mut b = sample();
    b[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(parse(&b), Err(ElfError::Truncated { .. })));
    // Drop the last data byte: the second PT_LOAD no longer fits.
    let b = sample();
    let short = &b[..b.len() - 1];
    assert!(matches!(
        parse(short),
        Err(ElfError::SegmentOutOfFile { index: 2, .. })
    ));
}

#[test]
fn rejects_inconsistent_segments() {
    let b = build(
        0,
        &[Ph {
            kind: PT_LOAD,
            paddr: 0,
            data: vec![1; 8],
            mem_size: 4,
        }],
    );
    assert!(matches!(
        parse(&b),
        Err(ElfError::FileSizeExceedsMemSize { index: 0, .. })
    ));
    let b = build(
        0,
        &[Ph {
            kind: PT_LOAD,
            paddr: u64::MAX,
            data: vec![],
            mem_size: 2,
        }],
    );
    assert!(matches!(
        parse(&b),
        Err(ElfError::SegmentWraps { index: 0, .. })
    ));
    let b = build(
        0,
        &[Ph {
            kind: PT_LOAD,
            paddr: 0x10,
            data: vec![],
            mem_size: 0,
        }],
    );
    assert_eq!(parse(&b), Err(ElfError::NoLoadableSegment));
    let b = build(0, &[]);
    assert_eq!(parse(&b), Err(ElfError::NoLoadableSegment));
}

#[test]
fn placement_checks() {
    let img = parse(&sample()).unwrap();
    assert_eq!(img.check_placement(0x2000, &[]), Ok(()));
    assert_eq!(
        img.check_placement(0x1000, &[]),
        Err(ElfError::TooLargeForRam {
            ram_length: 0x1000,
            start: 0x8000_1000,
            end: 0x8000_1100
        })
    );
    let far = build(
        0x8000_0000,
        &[
            Ph {
                kind: PT_LOAD,
                paddr: 0x8000_0000,
                data: vec![1],
                mem_size: 1,
            },
            Ph {
                kind: PT_LOAD,
                paddr: 0x1000,
                data: vec![1],
                mem_size: 1,
            },
        ],
    );
    let img = parse(&far).unwrap();
    assert!(matches!(
        img.check_placement(0x1000, &[]),
        Err(ElfError::OutsideMemory { .. })
    ));
    assert_eq!(img.check_placement(0x1000, &[(0x1000, 0x1000)]), Ok(()));
    // The odd entry point was found by the elf_load fuzz target: it passed this check,
    // then failed in `load_into` (the machine refuses an odd pc).
    for (entry, error) in [
        (0x1000, ElfError::EntryUnmapped(0x1000)),
        (0x8000_00FF, ElfError::EntryMisaligned(0x8000_00FF)),
    ] {
        let img = ElfImage {
            entry,
            segments: vec![],
        };
        assert_eq!(img.check_placement(0x1000, &[]), Err(error));
    }
    let msg = alloc::format!(
        "{}",
        ElfError::TooLargeForRam {
            ram_length: 4096,
            start: 0x8000_0000,
            end: 0x8000_2000
        }
    );
    assert!(
        msg.contains("program too large for RAM of 4096 bytes"),
        "{msg}"
    );
}

#[test]
fn huge_offset_does_not_panic() {
    let mut b = sample();
    // p_offset of the first program header.
    let h = EHDR_SIZE + 8;
    b[h..h + 8].copy_from_slice(&(u64::MAX - 1).to_le_bytes());
    assert!(matches!(
        parse(&b),
        Err(ElfError::SegmentOutOfFile { index: 0, .. })
    ));
}
