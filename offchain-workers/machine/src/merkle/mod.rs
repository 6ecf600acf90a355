//! Keccak-256 Merkle hashing as the Cartesi machine v0.19 does it.
//!
//! - [`keccak256`], [`keccak256_pair`]: Ethereum Keccak-256 (padding byte `0x01`).
//! - [`pristine_hash`], [`hash_range`]: hashes of all-zero ranges and of ranges given by
//!   their bytes.
//! - [`MerkleTree`]: the sparse state tree over the 2^64-byte address space
//!   (docs/cartesi-v0.19.md §6): 32-byte leaves hashed with Keccak, 4 KiB pages, inner
//!   node = `keccak(left ‖ right)`, untouched space pristine, only dirty paths rehashed.
//! - [`Proof`], [`verify_proof`]: inclusion proofs of any aligned power-of-two range.
//! - [`OutputsTree`]: libcmt's append-only outputs tree (docs/cartesi-v0.19.md §5.5), height 63,
//!   whose empty leaf is 32 zero bytes rather than a hash; a thin wrapper of
//!   `concerto-outputs-tree`, the crate the guest SDK builds it with too.
//!
//! Hand-written on purpose rather than built on a Merkle-tree crate: the state root is what
//! validators agree on, so consensus needs frozen behaviour (the same state gives the same
//! hashes on every validator, forever), and a library upgrade could change leaf hashing,
//! padding or proof layout. The only code from outside this crate is Keccak-256 itself
//! (`tiny-keccak`: a fixed standard function, which the tests pin to an in-crate `const fn`
//! implementation and to golden vectors) and the workspace's own `concerto-outputs-tree`.
//!
//! Everything is `no_std` + `alloc`; ordered maps only, so results never depend on the host.
//! With `std` on x86-64 hosts that have AVX-512F, page hashing runs eight Keccak
//! permutations at once, and [`MerkleTree::update_pages`] spreads large batches over the
//! cores; both give exactly the scalar results (integer-only code, checked by tests).

mod keccak;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod keccak_x8;
mod outputs;
mod page_hash;
mod pristine;
mod proof;
mod tree;

pub use keccak::{keccak256, keccak256_pair, keccak256_word};
pub use outputs::{OutputsTree, OUTPUTS_TREE_HEIGHT};
pub use pristine::{hash_range, pristine_hash};
pub use proof::{verify_proof, Proof};
pub use tree::MerkleTree;

/// A Keccak-256 digest.
pub type Hash = [u8; 32];

/// log2 of the size of the whole hashed address space.
pub const LOG2_ROOT_SIZE: u32 = 64;
/// log2 of the page size: the granularity at which the tree stores hashes.
pub const LOG2_PAGE_SIZE: u32 = 12;
/// log2 of the leaf (word) size.
pub const LOG2_WORD_SIZE: u32 = 5;
/// Size in bytes of a page.
pub const PAGE_SIZE: usize = 1 << LOG2_PAGE_SIZE;

/// Why a Merkle query could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The log2 size is outside the range the query supports.
    #[error("log2 size {log2_size} outside {min}..={max}")]
    InvalidLog2Size {
        /// The requested log2 size.
        log2_size: u32,
        /// Smallest accepted log2 size.
        min: u32,
        /// Largest accepted log2 size.
        max: u32,
    },
    /// The address is not aligned to the range size.
    #[error("address {address:#x} not aligned to 2^{log2_size}")]
    Misaligned {
        /// The requested address.
        address: u64,
        /// The requested log2 size.
        log2_size: u32,
    },
    /// The range lies strictly inside a subtree whose hash was set as a constant, so the
    /// hashes below that subtree are unknown.
    #[error("range {address:#x}/2^{log2_size} lies inside a constant subtree")]
    InsideConstantSubtree {
        /// The requested address.
        address: u64,
        /// The requested log2 size.
        log2_size: u32,
    },
    /// The page bytes supplied for a sub-page query do not hash to the tree's page hash
    /// (the tree was not updated after the page changed, or the wrong page was supplied).
    #[error("bytes supplied for page {page_address:#x} do not match the tree")]
    PageMismatch {
        /// Address of the page.
        page_address: u64,
    },
    /// The page bytes supplied for a sub-page query are not exactly one page long.
    #[error("page {page_address:#x} supplied with {length} bytes instead of 4096")]
    BadPageLength {
        /// Address of the page.
        page_address: u64,
        /// Length of the supplied bytes.
        length: usize,
    },
    /// The outputs tree already holds 2^63 leaves.
    #[error("outputs tree is full")]
    OutputsTreeFull,
}

/// Mask of the offset bits of a `2^log2_size`-aligned range (all ones for 64).
#[inline]
pub(crate) fn offset_mask(log2_size: u32) -> u64 {
    1u64.checked_shl(log2_size)
        .map_or(u64::MAX, |size| size - 1)
}

/// Index at level `log2_size` of the node containing `address` (0 at the root).
#[inline]
pub(crate) fn node_index(address: u64, log2_size: u32) -> u64 {
    address.checked_shr(log2_size).unwrap_or(0)
}

/// Checks `min <= log2_size <= 64` and that `address` is aligned to `2^log2_size`.
pub(crate) fn check_range(address: u64, log2_size: u32, min: u32) -> Result<(), ProofError> {
    if !(min..=LOG2_ROOT_SIZE).contains(&log2_size) {
        return Err(ProofError::InvalidLog2Size {
            log2_size,
            min,
            max: LOG2_ROOT_SIZE,
        });
    }
    if address & offset_mask(log2_size) != 0 {
        return Err(ProofError::Misaligned { address, log2_size });
    }
    Ok(())
}
