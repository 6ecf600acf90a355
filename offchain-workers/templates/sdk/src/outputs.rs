//! The outputs Merkle tree libcmt keeps in the guest (facts sheet §5.5, from the format
//! of cartesi/machine-guest-tools `libcmt/src/merkle.c`): leaves `keccak256(output)` in
//! emission order, empty leaf 32 zero bytes, node `keccak256(left ‖ right)`, height 63.
//! Only the frontier is kept, so a push costs at most 63 hashes and the root 63; the
//! empty-subtree hashes are computed once, and the root is cached until the next push.

use crate::keccak::{keccak256, keccak256_pair};

/// Height of the tree (2^63 leaves).
pub const HEIGHT: usize = 63;

/// The append-only outputs tree.
#[derive(Clone)]
pub struct OutputsTree {
    /// `frontier[k]`: the complete left subtree of height k waiting for its sibling
    /// (meaningful when bit k of `len` is set).
    frontier: [[u8; 32]; HEIGHT],
    len: u64,
    /// `empty[k]`: root of an empty subtree of height k.
    empty: [[u8; 32]; HEIGHT],
    root: Option<[u8; 32]>,
}

impl Default for OutputsTree {
    fn default() -> Self {
        Self::new()
    }
}

impl OutputsTree {
    /// An empty tree.
    pub fn new() -> Self {
        let mut empty = [[0u8; 32]; HEIGHT];
        for k in 1..HEIGHT {
            empty[k] = keccak256_pair(&empty[k - 1], &empty[k - 1]);
        }
        OutputsTree {
            frontier: [[0; 32]; HEIGHT],
            len: 0,
            empty,
            root: None,
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when no output was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `keccak256(output)`.
    pub fn push(&mut self, output: &[u8]) {
        let mut node = keccak256(output);
        let mut k = 0;
        while self.len >> k & 1 == 1 {
            node = keccak256_pair(&self.frontier[k], &node);
            k += 1;
        }
        self.frontier[k] = node;
        self.len += 1;
        self.root = None;
    }

    /// The root over all 2^63 leaves (missing ones are zero).
    pub fn root(&mut self) -> [u8; 32] {
        if let Some(root) = self.root {
            return root;
        }
        let mut node = [0u8; 32]; // root of the (partial) subtree right of the frontier
        for k in 0..HEIGHT {
            node = if self.len >> k & 1 == 1 {
                keccak256_pair(&self.frontier[k], &node)
            } else {
                keccak256_pair(&node, &self.empty[k])
            };
        }
        self.root = Some(node);
        node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_roots() {
        // Values from the facts sheet §5.5.
        let mut t = OutputsTree::new();
        assert_eq!(t.root()[..4], [0x0a, 0x16, 0x29, 0x46]);
        let mut t = OutputsTree::new();
        t.push(b"hello");
        assert_eq!(t.root()[..4], [0x67, 0x0c, 0x53, 0x32]);
    }
}
