//! The crate's error type: host-side failures only. Guest faults are never errors; they
//! are architectural traps handled inside the interpreter.

use alloc::string::String;

/// Host-side errors of the machine API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The machine configuration is invalid.
    #[error("invalid machine configuration: {0}")]
    InvalidConfig(String),
    /// `run` was asked to stop before the current mcycle.
    #[error("mcycle_end {mcycle_end} is smaller than the current mcycle {mcycle}")]
    McycleEndInPast {
        /// Requested end.
        mcycle_end: u64,
        /// Current mcycle.
        mcycle: u64,
    },
    /// A host memory access does not fit the memory map.
    #[error("invalid memory access at {address:#x} (length {length:#x}): {reason}")]
    InvalidMemoryAccess {
        /// Start address.
        address: u64,
        /// Length in bytes.
        length: u64,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A register index is out of range or read-only.
    #[error("invalid register slot {0}")]
    InvalidRegister(usize),
    /// A CMIO operation was attempted in the wrong machine state.
    #[error("CMIO: {0}")]
    Cmio(&'static str),
    /// An ELF or program image could not be loaded.
    #[error("program load failed: {0}")]
    Load(String),
    /// A Merkle-tree query (hash or proof of a range) was invalid.
    #[error("invalid Merkle query: {0}")]
    Merkle(#[from] crate::merkle::ProofError),
}

/// Result alias of the crate.
pub type Result<T> = core::result::Result<T, Error>;
