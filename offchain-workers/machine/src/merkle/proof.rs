//! Merkle inclusion proofs in the shape of Cartesi's `get_proof`.

use alloc::vec::Vec;

use super::keccak::keccak256_pair;
use super::pristine::hash_range;
use super::{node_index, offset_mask, Hash, LOG2_ROOT_SIZE, LOG2_WORD_SIZE};

/// Proof that the aligned range `target_address / 2^log2_target_size` hashes to
/// `target_hash` in a tree whose root is `root_hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// Address of the target range (aligned to its size).
    pub target_address: u64,
    /// log2 of the target size, 5..=64.
    pub log2_target_size: u32,
    /// log2 of the root size (64 for the machine state tree).
    pub log2_root_size: u32,
    /// Merkle hash of the target range.
    pub target_hash: Hash,
    /// One sibling per level, from the target's own level up to level `log2_root_size - 1`
    /// (the order of Cartesi's JSON API: first = sibling of the target).
    pub sibling_hashes: Vec<Hash>,
    /// Root hash the proof leads to.
    pub root_hash: Hash,
}

impl Proof {
    /// Whether the siblings lead from `target_hash` to `root_hash` (and the sizes, the
    /// alignment and the number of siblings are consistent).
    pub fn verify(&self) -> bool {
        let target = self.log2_target_size;
        let root = self.log2_root_size;
        let shape_ok = (LOG2_WORD_SIZE..=LOG2_ROOT_SIZE).contains(&target)
            && (target..=LOG2_ROOT_SIZE).contains(&root)
            && self.target_address & offset_mask(target) == 0
            && node_index(self.target_address, root) == 0
            && self.sibling_hashes.len() == (root - target) as usize;
        shape_ok && self.computed_root() == self.root_hash
    }

    /// Whether `data` (exactly `2^log2_target_size` bytes) hashes to `target_hash` and the
    /// proof verifies.
    pub fn verify_data(&self, data: &[u8]) -> bool {
        let size_ok = 1u64
            .checked_shl(self.log2_target_size)
            .is_some_and(|size| size == data.len() as u64);
        size_ok && hash_range(data, self.log2_target_size) == self.target_hash && self.verify()
    }

    /// Root obtained by folding the siblings into the target hash.
    fn computed_root(&self) -> Hash {
        let mut hash = self.target_hash;
        for (level, sibling) in (self.log2_target_size..).zip(&self.sibling_hashes) {
            hash = if node_index(self.target_address, level) & 1 == 0 {
                keccak256_pair(&hash, sibling)
            } else {
                keccak256_pair(sibling, &hash)
            };
        }
        hash
    }
}

/// Whether `proof` verifies; see [`Proof::verify`].
pub fn verify_proof(proof: &Proof) -> bool {
    proof.verify()
}
