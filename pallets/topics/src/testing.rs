//! For tests, benchmarks and tools: the smallest RV64 executable ELF files
//! `upload_template` accepts (one loadable segment at the RAM start), for when only the
//! chain's checks matter and the template is never run.

use alloc::vec::Vec;

/// Bytes of the ELF header and the one program header before the code.
pub const ELF_OVERHEAD: u32 = 64 + 56;

/// The RAM start, where the machine boots.
const RAM_START: u64 = 0x8000_0000;

/// An ELF64 little-endian RISC-V executable of exactly `len` bytes (at least
/// [`ELF_OVERHEAD`] + 1) whose one segment, `len - ELF_OVERHEAD` bytes filled with
/// `fill`, is loaded at the RAM start, which is also its entry point.
pub fn program(len: u32, fill: u8) -> Vec<u8> {
    let code = u64::from(len.max(ELF_OVERHEAD + 1) - ELF_OVERHEAD);
    let mut elf = Vec::with_capacity(len as usize);
    // e_ident: magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, padding.
    elf.extend_from_slice(&[0x7F, b'E', b'L', b'F', 2, 1, 1]);
    elf.resize(16, 0);
    elf.extend_from_slice(&2u16.to_le_bytes()); // e_type: ET_EXEC
    elf.extend_from_slice(&243u16.to_le_bytes()); // e_machine: EM_RISCV
    elf.extend_from_slice(&1u32.to_le_bytes()); // e_version
    elf.extend_from_slice(&RAM_START.to_le_bytes()); // e_entry
    elf.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    elf.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    elf.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for half in [64u16, 56, 1, 0, 0, 0] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        elf.extend_from_slice(&half.to_le_bytes());
    }
    elf.extend_from_slice(&1u32.to_le_bytes()); // p_type: PT_LOAD
    elf.extend_from_slice(&5u32.to_le_bytes()); // p_flags: R + X
    for word in [
        u64::from(ELF_OVERHEAD), // p_offset
        RAM_START,               // p_vaddr
        RAM_START,               // p_paddr
        code,                    // p_filesz
        code,                    // p_memsz
        4096,                    // p_align
    ] {
        elf.extend_from_slice(&word.to_le_bytes());
    }
    elf.resize(elf.len() + code as usize, fill);
    elf
}
