//! Numeric facts of the Cartesi machine v0.19 layout that the core relies on.
//!
//! Every number here comes from `docs/cartesi-v0.19.md` (section in brackets); the crate
//! docs list every numeric assumption of the crate and where it is defined. Assumptions
//! made by the whole core:
//! - addresses and registers are `u64`; all arithmetic on guest values wraps (mod 2^64);
//! - memory is little-endian, pages are 4 KiB (`PAGE_SIZE`), the TLB has 3×256 slots;
//! - one inner-loop step costs exactly one `mcycle`; `mtime = mcycle / RTC_FREQ_DIV`;
//! - physical addresses fit in 56 bits; the PMA array has exactly `PMA_MAX` entries.

/// log2 of the page size.
pub const PAGE_LOG2: u32 = 12;
/// Page size in bytes.
pub const PAGE_SIZE: u64 = 1 << PAGE_LOG2;
/// Mask of the offset bits inside a page.
pub const PAGE_OFFSET_MASK: u64 = PAGE_SIZE - 1;

/// Cycles per `mtime` tick and interval between tick checks (docs/cartesi-v0.19.md §3.1).
pub const RTC_FREQ_DIV: u64 = 8192;

/// Number of PMA slots (docs/cartesi-v0.19.md §1.1).
pub const PMA_MAX: usize = 32;

/// Physical memory map (docs/cartesi-v0.19.md §1.1).
pub mod addr {
    /// Shadow state page.
    pub const SHADOW_STATE: u64 = 0x0;
    /// Length of the shadow state range.
    pub const SHADOW_STATE_LEN: u64 = 0x1000;
    /// Shadow PMA array page.
    pub const SHADOW_PMAS: u64 = 0x1_0000;
    /// Length of the shadow PMA range.
    pub const SHADOW_PMAS_LEN: u64 = 0x1000;
    /// Shadow TLB.
    pub const SHADOW_TLB: u64 = 0x2_0000;
    /// Length of the shadow TLB range.
    pub const SHADOW_TLB_LEN: u64 = 0x6000;
    /// uarch shadow state + RAM subtree (Merkle only, docs/cartesi-v0.19.md §6.3).
    pub const UARCH: u64 = 0x40_0000;
    /// log2 size of the uarch subtree.
    pub const UARCH_LOG2: u32 = 22;
    /// CLINT.
    pub const CLINT: u64 = 0x0200_0000;
    /// CLINT length.
    pub const CLINT_LEN: u64 = 0xC_0000;
    /// HTIF.
    pub const HTIF: u64 = 0x4000_8000;
    /// HTIF length.
    pub const HTIF_LEN: u64 = 0x1000;
    /// PLIC.
    pub const PLIC: u64 = 0x4010_0000;
    /// PLIC length.
    pub const PLIC_LEN: u64 = 0x40_0000;
    /// CMIO rx buffer (host → guest, guest read-only).
    pub const CMIO_RX: u64 = 0x6000_0000;
    /// CMIO tx buffer (guest → host).
    pub const CMIO_TX: u64 = 0x6080_0000;
    /// Length of each CMIO buffer (2 MiB).
    pub const CMIO_LEN: u64 = 0x20_0000;
    /// DTB.
    pub const DTB: u64 = 0x7FF0_0000;
    /// DTB length (1 MiB).
    pub const DTB_LEN: u64 = 0x10_0000;
    /// RAM start (also the reset pc).
    pub const RAM: u64 = 0x8000_0000;
    /// Default start of flash drive 0.
    pub const FLASH0: u64 = 0x0080_0000_0000_0000;
    /// Default spacing between flash drives.
    pub const FLASH_STRIDE: u64 = 0x0010_0000_0000_0000;
    /// Maximum number of flash drives.
    pub const FLASH_MAX: usize = 8;
    /// Highest representable physical address + 1 (56 bits).
    pub const PHYS_LIMIT: u64 = 1 << 56;
}

/// Flag bits of a shadow PMA `istart` word (docs/cartesi-v0.19.md §1.2).
pub mod pma_flags {
    /// Memory range.
    pub const M: u64 = 1 << 0;
    /// Device (IO) range.
    pub const IO: u64 = 1 << 1;
    /// Empty sentinel.
    pub const E: u64 = 1 << 2;
    /// Readable.
    pub const R: u64 = 1 << 3;
    /// Writable.
    pub const W: u64 = 1 << 4;
    /// Executable.
    pub const X: u64 = 1 << 5;
    /// Idempotent reads.
    pub const IR: u64 = 1 << 6;
    /// Idempotent writes.
    pub const IW: u64 = 1 << 7;
    /// Shift of the device id field.
    pub const DID_SHIFT: u32 = 8;
    /// Device ids.
    pub mod did {
        /// Memory.
        pub const MEMORY: u64 = 0;
        /// Shadow state.
        pub const SHADOW_STATE: u64 = 1;
        /// Shadow PMAs.
        pub const SHADOW_PMAS: u64 = 2;
        /// Flash drive.
        pub const FLASH: u64 = 3;
        /// CLINT.
        pub const CLINT: u64 = 4;
        /// HTIF.
        pub const HTIF: u64 = 5;
        /// Shadow TLB.
        pub const SHADOW_TLB: u64 = 6;
        /// CMIO rx buffer.
        pub const CMIO_RX: u64 = 7;
        /// CMIO tx buffer.
        pub const CMIO_TX: u64 = 8;
        /// PLIC.
        pub const PLIC: u64 = 10;
    }
}

/// Register slots of the shadow state page (docs/cartesi-v0.19.md §2): slot `i` lives at byte
/// offset `8·i`.
pub mod reg {
    /// x0 (x`i` is slot `X0 + i`).
    pub const X0: usize = 0;
    /// f0 (f`i` is slot `F0 + i`).
    pub const F0: usize = 32;
    /// pc.
    pub const PC: usize = 64;
    /// fcsr.
    pub const FCSR: usize = 65;
    /// mvendorid.
    pub const MVENDORID: usize = 66;
    /// marchid.
    pub const MARCHID: usize = 67;
    /// mimpid.
    pub const MIMPID: usize = 68;
    /// mcycle.
    pub const MCYCLE: usize = 69;
    /// icycleinstret (minstret = mcycle − icycleinstret).
    pub const ICYCLEINSTRET: usize = 70;
    /// mstatus.
    pub const MSTATUS: usize = 71;
    /// mtvec.
    pub const MTVEC: usize = 72;
    /// mscratch.
    pub const MSCRATCH: usize = 73;
    /// mepc.
    pub const MEPC: usize = 74;
    /// mcause.
    pub const MCAUSE: usize = 75;
    /// mtval.
    pub const MTVAL: usize = 76;
    /// misa.
    pub const MISA: usize = 77;
    /// mie.
    pub const MIE: usize = 78;
    /// mip.
    pub const MIP: usize = 79;
    /// medeleg.
    pub const MEDELEG: usize = 80;
    /// mideleg.
    pub const MIDELEG: usize = 81;
    /// mcounteren.
    pub const MCOUNTEREN: usize = 82;
    /// menvcfg.
    pub const MENVCFG: usize = 83;
    /// stvec.
    pub const STVEC: usize = 84;
    /// sscratch.
    pub const SSCRATCH: usize = 85;
    /// sepc.
    pub const SEPC: usize = 86;
    /// The slots that always hold an even address (pc and the trap vectors and return
    /// addresses): the guest can never make them odd, and the fetch path relies on it.
    pub const EVEN: [usize; 5] = [PC, MEPC, SEPC, MTVEC, STVEC];
    /// scause.
    pub const SCAUSE: usize = 87;
    /// stval.
    pub const STVAL: usize = 88;
    /// satp.
    pub const SATP: usize = 89;
    /// scounteren.
    pub const SCOUNTEREN: usize = 90;
    /// senvcfg.
    pub const SENVCFG: usize = 91;
    /// LR/SC reservation address (all-ones = none).
    pub const ILRSC: usize = 92;
    /// Current privilege (0 U, 1 S, 3 M).
    pub const IPRV: usize = 93;
    /// Automatic-yield flag.
    pub const IFLAGS_X: usize = 94;
    /// Manual-yield flag.
    pub const IFLAGS_Y: usize = 95;
    /// Halt flag.
    pub const IFLAGS_H: usize = 96;
    /// Unreproducible flag (always 0 here).
    pub const IUNREP: usize = 97;
    /// CLINT mtimecmp.
    pub const CLINT_MTIMECMP: usize = 98;
    /// PLIC pending interrupts.
    pub const PLIC_GIRQPEND: usize = 99;
    /// PLIC served interrupts.
    pub const PLIC_GIRQSRVD: usize = 100;
    /// HTIF tohost.
    pub const HTIF_TOHOST: usize = 101;
    /// HTIF fromhost.
    pub const HTIF_FROMHOST: usize = 102;
    /// HTIF ihalt mask.
    pub const HTIF_IHALT: usize = 103;
    /// HTIF iconsole mask.
    pub const HTIF_ICONSOLE: usize = 104;
    /// HTIF iyield mask.
    pub const HTIF_IYIELD: usize = 105;
    /// Number of slots.
    pub const COUNT: usize = 106;

    /// Byte offset of a slot inside the shadow state page.
    pub const fn offset(slot: usize) -> u64 {
        (slot as u64) * 8
    }
}

/// Reset values (docs/cartesi-v0.19.md §2).
pub mod reset {
    /// mvendorid ("cartesi ").
    pub const MVENDORID: u64 = 0x6361_7274_6573_6920;
    /// marchid.
    pub const MARCHID: u64 = 19;
    /// mimpid.
    pub const MIMPID: u64 = 19;
    /// mstatus (UXL = SXL = 2).
    pub const MSTATUS: u64 = 0x0000_000A_0000_0000;
    /// misa (MXL=2; A C D F I M S U).
    pub const MISA: u64 = 0x8000_0000_0014_112D;
    /// a1 at reset: DTB address.
    pub const A1: u64 = super::addr::DTB;
}

/// Privilege levels.
pub mod prv {
    /// User.
    pub const U: u64 = 0;
    /// Supervisor.
    pub const S: u64 = 1;
    /// Machine.
    pub const M: u64 = 3;
}

/// mstatus bits and masks (docs/cartesi-v0.19.md §7.6, §7.7).
pub mod mstatus {
    /// SIE.
    pub const SIE: u64 = 1 << 1;
    /// MIE.
    pub const MIE: u64 = 1 << 3;
    /// SPIE.
    pub const SPIE: u64 = 1 << 5;
    /// MPIE.
    pub const MPIE: u64 = 1 << 7;
    /// SPP.
    pub const SPP: u64 = 1 << 8;
    /// MPP shift.
    pub const MPP_SHIFT: u32 = 11;
    /// MPP mask.
    pub const MPP: u64 = 3 << MPP_SHIFT;
    /// FS shift.
    pub const FS_SHIFT: u32 = 13;
    /// FS mask.
    pub const FS: u64 = 3 << FS_SHIFT;
    /// MPRV.
    pub const MPRV: u64 = 1 << 17;
    /// SUM.
    pub const SUM: u64 = 1 << 18;
    /// MXR.
    pub const MXR: u64 = 1 << 19;
    /// TVM.
    pub const TVM: u64 = 1 << 20;
    /// TW.
    pub const TW: u64 = 1 << 21;
    /// TSR.
    pub const TSR: u64 = 1 << 22;
    /// SD.
    pub const SD: u64 = 1 << 63;
    /// Bits a guest write to mstatus may change.
    pub const WRITE_MASK: u64 = 0x7E_79AA;
    /// Bits visible on mstatus reads.
    pub const READ_MASK: u64 = 0x8000_003F_007E_7FEA;
    /// Bits visible on sstatus reads.
    pub const SSTATUS_READ_MASK: u64 = 0x8000_0003_000D_E762;
    /// Bits a guest write to sstatus may change.
    pub const SSTATUS_WRITE_MASK: u64 = 0x000C_6122;
}

/// Interrupt numbers as mip/mie bits.
pub mod irq {
    /// Supervisor software.
    pub const SSIP: u64 = 1 << 1;
    /// Machine software.
    pub const MSIP: u64 = 1 << 3;
    /// Supervisor timer.
    pub const STIP: u64 = 1 << 5;
    /// Machine timer.
    pub const MTIP: u64 = 1 << 7;
    /// Supervisor external.
    pub const SEIP: u64 = 1 << 9;
    /// Machine external.
    pub const MEIP: u64 = 1 << 11;
    /// mie writable bits.
    pub const MIE_WRITE_MASK: u64 = 0xAAA;
    /// mip/mideleg writable bits.
    pub const S_MASK: u64 = 0x222;
    /// Priority order, highest first (docs/cartesi-v0.19.md §7.8): interrupt numbers.
    pub const PRIORITY: [u64; 6] = [11, 3, 7, 9, 1, 5];
}

/// Exception causes.
pub mod cause {
    /// Instruction access fault.
    pub const FETCH_ACCESS: u64 = 1;
    /// Illegal instruction.
    pub const ILLEGAL: u64 = 2;
    /// Breakpoint.
    pub const BREAKPOINT: u64 = 3;
    /// Load address misaligned.
    pub const LOAD_MISALIGNED: u64 = 4;
    /// Load access fault.
    pub const LOAD_ACCESS: u64 = 5;
    /// Store/AMO address misaligned.
    pub const STORE_MISALIGNED: u64 = 6;
    /// Store/AMO access fault.
    pub const STORE_ACCESS: u64 = 7;
    /// Environment call from U.
    pub const ECALL_U: u64 = 8;
    /// Instruction page fault.
    pub const FETCH_PAGE: u64 = 12;
    /// Load page fault.
    pub const LOAD_PAGE: u64 = 13;
    /// Store/AMO page fault.
    pub const STORE_PAGE: u64 = 15;
    /// Interrupt flag in mcause.
    pub const INTERRUPT: u64 = 1 << 63;
}

/// satp fields (docs/cartesi-v0.19.md §7.7).
pub mod satp {
    /// MODE shift.
    pub const MODE_SHIFT: u32 = 60;
    /// Bare.
    pub const MODE_BARE: u64 = 0;
    /// Sv39.
    pub const MODE_SV39: u64 = 8;
    /// Sv48.
    pub const MODE_SV48: u64 = 9;
    /// Bits kept on a write (PPN and MODE; ASID is not implemented).
    pub const WRITE_MASK: u64 = 0xF000_0FFF_FFFF_FFFF;
    /// PPN mask.
    pub const PPN_MASK: u64 = 0x0000_0FFF_FFFF_FFFF;
}

/// HTIF devices, commands and fromhost acknowledgements (docs/cartesi-v0.19.md §4).
pub mod htif {
    /// Halt device.
    pub const DEV_HALT: u64 = 0;
    /// Console device.
    pub const DEV_CONSOLE: u64 = 1;
    /// Yield device.
    pub const DEV_YIELD: u64 = 2;
    /// Console putchar command.
    pub const CMD_PUTCHAR: u64 = 1;
    /// Automatic yield command.
    pub const CMD_YIELD_AUTOMATIC: u64 = 0;
    /// Manual yield command.
    pub const CMD_YIELD_MANUAL: u64 = 1;
    /// iconsole putchar bit.
    pub const ICONSOLE_PUTCHAR: u64 = 1 << 1;
    /// iyield automatic bit.
    pub const IYIELD_AUTOMATIC: u64 = 1 << 0;
    /// iyield manual bit.
    pub const IYIELD_MANUAL: u64 = 1 << 1;
    /// Register offsets.
    pub const TOHOST: u64 = 0x00;
    /// fromhost offset.
    pub const FROMHOST: u64 = 0x08;
    /// ihalt offset.
    pub const IHALT: u64 = 0x10;
    /// iconsole offset.
    pub const ICONSOLE: u64 = 0x18;
    /// iyield offset.
    pub const IYIELD: u64 = 0x20;
}

/// CMIO reason codes (docs/cartesi-v0.19.md §5.2).
pub mod cmio {
    /// Automatic yield: progress.
    pub const AUTOMATIC_PROGRESS: u16 = 1;
    /// Automatic yield: tx output.
    pub const AUTOMATIC_TX_OUTPUT: u16 = 2;
    /// Automatic yield: tx report.
    pub const AUTOMATIC_TX_REPORT: u16 = 4;
    /// Manual yield: rx accepted.
    pub const MANUAL_RX_ACCEPTED: u16 = 1;
    /// Manual yield: rx rejected.
    pub const MANUAL_RX_REJECTED: u16 = 2;
    /// Manual yield: tx exception.
    pub const MANUAL_TX_EXCEPTION: u16 = 4;
    /// Host response: advance state.
    pub const RESPONSE_ADVANCE_STATE: u16 = 0;
    /// Host response: inspect state.
    pub const RESPONSE_INSPECT_STATE: u16 = 1;
}

/// Shadow TLB layout (docs/cartesi-v0.19.md §6.6).
pub mod tlb {
    /// Number of tables (code, read, write).
    pub const TABLES: usize = 3;
    /// Slots per table.
    pub const SLOTS: usize = 256;
    /// Code table.
    pub const CODE: usize = 0;
    /// Read table.
    pub const READ: usize = 1;
    /// Write table.
    pub const WRITE: usize = 2;
    /// Empty slot marker for vaddr/paddr pages.
    pub const INVALID_PAGE: u64 = u64::MAX;
    /// Offset of the cold part inside the TLB image.
    pub const COLD_OFFSET: usize = 0x3000;
    /// Image size.
    pub const IMAGE_SIZE: usize = 0x6000;
}

/// uarch subtree hash in reset state (docs/cartesi-v0.19.md §6.3).
pub const UARCH_PRISTINE_HASH: [u8; 32] = [
    0x1b, 0xbf, 0x39, 0xb2, 0xc4, 0x32, 0x4c, 0x9c, 0x88, 0x62, 0xb8, 0xe5, 0x55, 0x0f, 0xe3, 0x5b,
    0x06, 0xeb, 0xcc, 0xb0, 0xdc, 0xd2, 0xc3, 0xf1, 0x14, 0xcc, 0x14, 0x11, 0x81, 0x3c, 0xa5, 0xfc,
];
