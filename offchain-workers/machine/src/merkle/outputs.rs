//! libcmt's outputs Merkle tree (facts §5.5): an append-only tree of height 63 whose
//! leaves are `keccak256(output)` in emission order and whose empty leaf is 32 zero bytes.
//!
//! Only the frontier is kept: for each level, the hash of the last complete left subtree
//! still waiting for its right sibling. A push and a root both cost at most 63 Keccak calls.

use super::keccak::{keccak256, keccak256_const, keccak256_pair};
use super::{Hash, ProofError};

/// Height of the outputs tree: it holds up to 2^63 leaves.
pub const OUTPUTS_TREE_HEIGHT: u32 = 63;

const HEIGHT: usize = OUTPUTS_TREE_HEIGHT as usize;

/// `EMPTY[k]`: root of an empty subtree of height `k` (`EMPTY[0]` = 32 zero bytes).
const EMPTY: [Hash; HEIGHT + 1] = empty_table();

const fn empty_table() -> [Hash; HEIGHT + 1] {
    let mut table = [[0u8; 32]; HEIGHT + 1];
    let mut height = 1;
    while height <= HEIGHT {
        table[height] = keccak256_const(&table[height - 1], Some(&table[height - 1]));
        height += 1;
    }
    table
}

/// The outputs Merkle tree as libcmt builds it inside the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputsTree {
    /// `frontier[k]`: hash of the complete height-`k` subtree at even index
    /// `(len >> k) - 1` when bit `k` of `len` is set (unused otherwise); `frontier[63]` is
    /// the root once the tree is full.
    frontier: [Hash; HEIGHT + 1],
    /// Number of leaves appended.
    len: u64,
}

impl Default for OutputsTree {
    fn default() -> Self {
        Self::new()
    }
}

impl OutputsTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self {
            frontier: [[0u8; 32]; HEIGHT + 1],
            len: 0,
        }
    }

    /// Appends `keccak256(output)` as the next leaf and returns its index.
    pub fn push(&mut self, output: &[u8]) -> Result<u64, ProofError> {
        self.push_leaf(keccak256(output))
    }

    /// Appends an already hashed leaf and returns its index.
    pub fn push_leaf(&mut self, leaf: Hash) -> Result<u64, ProofError> {
        let index = self.len;
        if index >> HEIGHT != 0 {
            return Err(ProofError::OutputsTreeFull);
        }
        let mut hash = leaf;
        for height in 0..=HEIGHT {
            if (index >> height) & 1 == 0 {
                // Left child: park it until its right sibling completes.
                self.frontier[height] = hash;
                break;
            }
            hash = keccak256_pair(&self.frontier[height], &hash);
        }
        self.len = index + 1;
        Ok(index)
    }

    /// Number of leaves appended so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no leaf was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Root hash of the tree (empty leaves = 32 zero bytes).
    pub fn root(&self) -> Hash {
        if self.len >> HEIGHT != 0 {
            return self.frontier[HEIGHT]; // full: the last push folded up to the root
        }
        // Walk up from the first empty leaf: at each height the node on that path is either
        // a right child (left sibling complete, in the frontier) or a left child (right
        // sibling empty).
        let mut hash = EMPTY[0];
        for height in 0..HEIGHT {
            hash = if (self.len >> height) & 1 == 1 {
                keccak256_pair(&self.frontier[height], &hash)
            } else if hash == EMPTY[height] {
                EMPTY[height + 1]
            } else {
                keccak256_pair(&hash, &EMPTY[height])
            };
        }
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_table_level_one_matches_facts() {
        let expected = "ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5";
        let hex: alloc::string::String =
            EMPTY[1].iter().map(|b| alloc::format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }
}
