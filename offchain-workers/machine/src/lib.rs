//! # concerto-machine
//!
//! A deterministic RV64IMAC (+Zicsr, Zifencei; M/S/U privilege) machine that follows the
//! Cartesi machine v0.19 layout, yield protocol and Keccak-256 Merkle state hashing.
//!
//! The core is `no_std` + `alloc` so a pallet can later verify single steps; the `std`
//! feature adds host conveniences and the `cli` feature the `concerto-machine` binary.
//!
//! The v0.19 facts behind every number below are in `docs/cartesi-v0.19.md` (cited as
//! `§n`); that page names the Cartesi source file of each fact.
//!
//! ## Numeric assumptions
//!
//! Where each one is defined, and the section it comes from:
//!
//! - **Word size.** XLEN = 64: registers, addresses and CSRs are `u64`, and guest
//!   arithmetic wraps mod 2^64. Every register, CSR and device register lives in a
//!   shadow-state slot (`constants::reg`, `reg::COUNT` = 106 slots, 0x350 bytes; §2).
//! - **Byte order.** Guest memory, the shadow pages and the TLB image are little-endian
//!   (`state::memory`, `state::direct`, `state::Core::shadow_state_page`); host byte order
//!   never matters.
//! - **Pages.** 4 KiB: `constants::PAGE_LOG2` = 12, `PAGE_SIZE`, `PAGE_OFFSET_MASK`
//!   (§1.1), used for PMA alignment, the TLB and memory storage. The Merkle module has its
//!   own copy, `merkle::LOG2_PAGE_SIZE` = 12 / `merkle::PAGE_SIZE`.
//! - **Merkle tree.** Keccak-256 with the original Keccak padding (`merkle::keccak256`);
//!   leaves are 32-byte words (`merkle::LOG2_WORD_SIZE` = 5), hashes are stored from the
//!   page level up (levels 12 to 64, `merkle/tree.rs` `LEVELS` = 53), the root covers the
//!   whole 2^64-byte space (`merkle::LOG2_ROOT_SIZE` = 64), pristine hashes for log2 5 to
//!   64 are a compile-time table (`merkle/pristine.rs`), range hashes and proofs accept
//!   log2 sizes 5 to 64 (§6.1, §6.5). The uarch subtree (`addr::UARCH`,
//!   `addr::UARCH_LOG2` = 22) is the constant `UARCH_PRISTINE_HASH` (§6.3). libcmt's
//!   outputs tree has height 63 (`merkle::OUTPUTS_TREE_HEIGHT`) and 32 zero bytes as its
//!   empty leaf (§5.5). Single-block Keccak inputs (≤ 136 bytes, `merkle/keccak.rs`
//!   `RATE_LANES` = 17) take a fast path with the same result.
//! - **Address map** (`constants::addr`, §1.1): shadow state `0x0` (4 KiB), shadow PMAs
//!   `0x1_0000` (4 KiB), shadow TLB `0x2_0000` (`0x6000`), uarch `0x40_0000` (2^22, hashed
//!   only), CLINT `0x0200_0000` (`0xC_0000`), HTIF `0x4000_8000` (4 KiB), PLIC
//!   `0x4010_0000` (`0x40_0000`), CMIO rx `0x6000_0000` and tx `0x6080_0000`, DTB
//!   `0x7FF0_0000` (1 MiB), RAM `0x8000_0000` (the reset pc), flash drive i at
//!   `FLASH0 + i·FLASH_STRIDE` = `0x0080_0000_0000_0000 + i·2^52` by default, at most
//!   `FLASH_MAX` = 8. Every range must be page aligned and end below `PHYS_LIMIT` = 2^56
//!   (`machine::Machine::new`). The PMA list has exactly `PMA_MAX` = 32 entries, in the
//!   order of `state::pma::build_pmas`, with `istart` flag bits in `constants::pma_flags`
//!   (§1.1, §1.2). `dtb.rs` keeps its own copies of the addresses it writes into the
//!   device tree, so the blob stays frozen.
//! - **CMIO** (§5): rx and tx are 2 MiB each (`addr::CMIO_LEN`); a response is zero-padded
//!   to 2^max(5, ⌈log2 len⌉) bytes (`Machine::send_cmio_response`); reason codes are
//!   `constants::cmio`. HTIF fields are `dev` bits 63–56, `cmd` 55–48, `reason` 47–32 and
//!   a 32-bit `data` (`devices/htif.rs`, `Machine::receive_cmio_request`); register
//!   offsets and commands are `constants::htif` (§4).
//! - **Time.** `mtime` = `time` = `mcycle / RTC_FREQ_DIV` with `constants::RTC_FREQ_DIV` =
//!   8192, which is also the interval between timer/interrupt checks (§3.1, §3.2); the run
//!   loop needs it to be a power of two (`interp/mod.rs`). CLINT offsets msip `0x0`,
//!   mtimecmp `0x4000`, mtime `0xBFF8` (`devices/clint.rs`, §7.11); a tick check sets
//!   MTIP when `mtimecmp·8192` (wrapping) is non-zero and ≤ mcycle (`interp/mod.rs`, §3.2).
//! - **TLB** (`constants::tlb`, `state::Tlb`, §6.6): 3 tables (code, read, write) × 256
//!   direct-mapped slots, slot = `(vaddr >> 12) & 255`; the hashed image is `0x6000`
//!   bytes, 16-byte slots, the cold half at `0x3000`; an empty slot holds all-ones pages
//!   and PMA index 32. A flush resets only the virtual page.
//! - **Cycles and limits** (§3): one inner-loop step (retired instruction, exception or
//!   failed fetch) costs exactly one `mcycle`; taking an interrupt costs none but adds one
//!   to `icycleinstret`, and `minstret = mcycle − icycleinstret`. `Machine::run(end)`
//!   takes an absolute target: it fails if `end < mcycle` and never runs past `end`
//!   (`interp::run`, `interp::step` = `run(mcycle + 1)`). mcycle is assumed never to wrap.
//! - **Privilege and translation** (§7): modes U = 0, S = 1, M = 3 (`constants::prv`);
//!   satp modes Bare, Sv39, Sv48 only (`constants::satp`), 44-bit PPNs and 9-bit VPNs
//!   (`interp/mmu.rs`); memory accesses are naturally aligned 1, 2, 4 or 8 bytes
//!   (`interp::StateAccess::read_memory`), misaligned ones trap (§7.1).
//! - **Fetch cache** (§6.7): a fetch-cache hit needs pc's page offset ≤ 4093
//!   (`state/direct.rs`). The predecoded blocks (host-side only, never hashed, kept by a
//!   `Machine` across its runs) are 2 to 256, of at most 32 instructions each
//!   (`interp/predecode.rs`).
//! - **Host side.** Memory ranges are sparse but keep one pointer slot per 4 KiB page of
//!   their length (`state::memory::MemRange`), so host memory grows with configured
//!   lengths; `Machine::read_memory` reads at most 2^32 bytes per call; the generated
//!   DTB's bootargs are at most 4096 bytes (`dtb::BOOTARGS_MAX_LEN`). Only ordered maps
//!   are used, and the AVX-512 page hashing gives the scalar results, so nothing depends
//!   on the host.
//!
//! Module ownership while the crate is being built (one owner per file set):
//! - `constants`, `state`, `interp`, `devices`, `machine`, `error`: the interpreter core.
//! - `merkle`: Keccak-256, pristine hashes, the sparse state tree, proofs, outputs tree.
//! - `dtb`: the generated flattened device tree, byte-identical to Cartesi v0.19's.
//! - `elf`: ELF64 RISC-V program loading.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod constants;
pub mod devices;
pub mod dtb;
pub mod elf;
pub mod error;
pub mod interp;
pub mod machine;
pub mod merkle;
pub mod snapshot;
pub mod state;

pub use error::{Error, Result};
pub use interp::BreakReason;
pub use machine::{CmioRequest, FlashDrive, Machine, MachineConfig};
pub use snapshot::{snapshot_root, SnapshotError, SNAPSHOT_VERSION};
