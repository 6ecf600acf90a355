//! # concerto-machine
//!
//! A deterministic RV64IMAC (+Zicsr, Zifencei; M/S/U privilege) machine that follows the
//! Cartesi machine v0.19 layout, yield protocol and Keccak-256 Merkle state hashing.
//!
//! The core is `no_std` + `alloc` so a pallet can later verify single steps; the `std`
//! feature adds host conveniences and the `cli` feature the `concerto-machine` binary.
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
pub mod state;

pub use error::{Error, Result};
pub use interp::BreakReason;
pub use machine::{CmioRequest, FlashDrive, Machine, MachineConfig};
