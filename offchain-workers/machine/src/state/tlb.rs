//! The emulated TLB: 3 tables × 256 direct-mapped slots, hashed as part of the state.

use crate::constants::{
    tlb::{INVALID_PAGE, SLOTS, TABLES},
    PMA_MAX,
};

/// Emulated TLB contents (docs/cartesi-v0.19.md §6.6). Row `t` is table `t` (code, read, write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlb {
    /// Virtual page bases (hot part); all-ones = invalid.
    pub vpage: [[u64; SLOTS]; TABLES],
    /// Physical page bases (cold part; stale after flushes).
    pub ppage: [[u64; SLOTS]; TABLES],
    /// PMA indices (cold part; stale after flushes).
    pub pma: [[u64; SLOTS]; TABLES],
}

impl Tlb {
    /// Reset state: every page all-ones, every PMA index 32.
    pub fn new() -> Tlb {
        Tlb {
            vpage: [[INVALID_PAGE; SLOTS]; TABLES],
            ppage: [[INVALID_PAGE; SLOTS]; TABLES],
            pma: [[PMA_MAX as u64; SLOTS]; TABLES],
        }
    }
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb::new()
    }
}
