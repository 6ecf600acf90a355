//! The frontier tree against a straightforward reference: every level of the full tree
//! built from the leaves, padded with empty subtrees hashed on the spot.
#![allow(missing_docs)]

use concerto_outputs_tree::{keccak256, Hash, OutputsTree, EMPTY_SUBTREES, HEIGHT};
use proptest::prelude::*;
use tiny_keccak::{Hasher, Keccak};

/// keccak256(left ‖ right) through tiny-keccak's sponge.
fn node(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Keccak::v256();
    hasher.update(left);
    hasher.update(right);
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

/// Root of the height-63 tree over `leaves`, level by level.
fn reference_root(leaves: &[Hash]) -> Hash {
    let mut level: Vec<Hash> = leaves.to_vec();
    let mut empty = [0u8; 32];
    for _ in 0..HEIGHT {
        if level.is_empty() {
            level.push(empty);
        }
        if level.len() % 2 == 1 {
            level.push(empty);
        }
        level = level
            .chunks(2)
            .map(|pair| node(&pair[0], &pair[1]))
            .collect();
        empty = node(&empty, &empty);
    }
    assert_eq!(level.len(), 1);
    level[0]
}

#[test]
fn empty_tree_root_is_the_empty_subtree_of_height_63() {
    assert_eq!(OutputsTree::new().root(), reference_root(&[]));
    assert_eq!(OutputsTree::new().root(), EMPTY_SUBTREES[HEIGHT as usize]);
}

#[test]
fn every_count_up_to_130_matches() {
    let mut tree = OutputsTree::new();
    let mut leaves = Vec::new();
    for i in 0..130u32 {
        let output = i.to_le_bytes();
        assert_eq!(tree.push(&output), Ok(u64::from(i)));
        leaves.push(keccak256(&output));
        assert_eq!(
            tree.root(),
            reference_root(&leaves),
            "{} leaves",
            leaves.len()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn frontier_root_equals_reference_root(
        outputs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..100), 0..300),
    ) {
        let mut tree = OutputsTree::new();
        for output in &outputs {
            tree.push(output).expect("room");
        }
        prop_assert_eq!(tree.len(), outputs.len() as u64);
        prop_assert_eq!(tree.is_empty(), outputs.is_empty());
        let leaves: Vec<Hash> = outputs.iter().map(|o| keccak256(o)).collect();
        prop_assert_eq!(tree.root(), reference_root(&leaves));
    }

    #[test]
    fn leaves_and_outputs_build_the_same_tree(leaves in prop::collection::vec(any::<[u8; 32]>(), 0..100)) {
        let mut tree = OutputsTree::new();
        for (i, leaf) in leaves.iter().enumerate() {
            prop_assert_eq!(tree.push_leaf(*leaf), Ok(i as u64));
        }
        prop_assert_eq!(tree.root(), reference_root(&leaves));
    }
}
