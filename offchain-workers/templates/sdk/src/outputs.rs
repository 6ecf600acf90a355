//! The outputs Merkle tree libcmt keeps in the guest (docs/cartesi-v0.19.md §5.5): leaves
//! `keccak256(output)` in emission order, empty leaf 32 zero bytes, node
//! `keccak256(left ‖ right)`, height 63. The tree is `concerto-outputs-tree`, the same
//! code the host machine checks the guest's roots with; this wrapper caches the root until
//! the next push, since the runtime sends it on every accepted input and most inputs emit
//! no output.

pub use concerto_outputs_tree::{Hash, EMPTY_SUBTREES, HEIGHT};

/// The append-only outputs tree, with its root cached.
#[derive(Clone, Debug, Default)]
pub struct OutputsTree {
    tree: concerto_outputs_tree::OutputsTree,
    /// The root, until the next push.
    root: Option<Hash>,
}

impl OutputsTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    /// True when no output was appended.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Appends `keccak256(output)`. Panics once the tree holds 2^63 leaves (the guest
    /// cannot emit that many).
    pub fn push(&mut self, output: &[u8]) {
        if let Err(e) = self.tree.push(output) {
            panic!("{e}");
        }
        self.root = None;
    }

    /// The root over all 2^63 leaves (missing ones are zero).
    pub fn root(&mut self) -> Hash {
        *self.root.get_or_insert_with(|| self.tree.root())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_roots() {
        // Values from docs/cartesi-v0.19.md §5.5.
        let mut t = OutputsTree::new();
        assert_eq!(t.root()[..4], [0x0a, 0x16, 0x29, 0x46]);
        t.push(b"hello");
        assert_eq!(t.root()[..4], [0x67, 0x0c, 0x53, 0x32]);
        assert_eq!(t.root()[..4], [0x67, 0x0c, 0x53, 0x32], "cached");
        t.push(b"hello");
        assert_ne!(
            t.root()[..4],
            [0x67, 0x0c, 0x53, 0x32],
            "cache dropped on push"
        );
        assert_eq!(t.len(), 2);
    }
}
