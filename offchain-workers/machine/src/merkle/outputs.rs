//! libcmt's outputs Merkle tree (docs/cartesi-v0.19.md §5.5): an append-only tree of height 63 whose
//! leaves are `keccak256(output)` in emission order and whose empty leaf is 32 zero bytes.
//!
//! The tree itself is `concerto-outputs-tree`, shared with the guest SDK so that host and
//! guest build it with the same code; [`OutputsTree`] wraps it only to report a full tree
//! as this module's [`ProofError::OutputsTreeFull`].

use super::{Hash, ProofError};

/// Height of the outputs tree: it holds up to 2^63 leaves.
pub const OUTPUTS_TREE_HEIGHT: u32 = concerto_outputs_tree::HEIGHT;

/// The outputs Merkle tree as libcmt builds it inside the guest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputsTree(concerto_outputs_tree::OutputsTree);

impl OutputsTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self(concerto_outputs_tree::OutputsTree::new())
    }

    /// Appends `keccak256(output)` as the next leaf and returns its index.
    pub fn push(&mut self, output: &[u8]) -> Result<u64, ProofError> {
        self.0.push(output).map_err(full)
    }

    /// Appends an already hashed leaf and returns its index.
    pub fn push_leaf(&mut self, leaf: Hash) -> Result<u64, ProofError> {
        self.0.push_leaf(leaf).map_err(full)
    }

    /// Number of leaves appended so far.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Whether no leaf was appended.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Root hash of the tree (empty leaves = 32 zero bytes).
    pub fn root(&self) -> Hash {
        self.0.root()
    }
}

fn full(error: concerto_outputs_tree::Error) -> ProofError {
    match error {
        concerto_outputs_tree::Error::Full => ProofError::OutputsTreeFull,
    }
}

#[cfg(test)]
mod tests {
    use super::super::keccak::keccak256_const;
    use concerto_outputs_tree::EMPTY_SUBTREES;

    /// The shared crate's precomputed empty-subtree roots against this crate's `const fn`
    /// Keccak (an implementation independent of `tiny-keccak`).
    #[test]
    fn shared_empty_table_matches_const_keccak() {
        let mut expected = [0u8; 32];
        for (height, hash) in EMPTY_SUBTREES.iter().enumerate() {
            assert_eq!(*hash, expected, "height {height}");
            expected = keccak256_const(&expected, Some(&expected));
        }
        assert_eq!(
            EMPTY_SUBTREES.len(),
            super::OUTPUTS_TREE_HEIGHT as usize + 1
        );
    }

    #[test]
    fn empty_table_level_one_matches_facts() {
        let expected = "ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5";
        assert_eq!(hex::encode(EMPTY_SUBTREES[1]), expected);
    }
}
