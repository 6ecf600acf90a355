//! Property tests of the Merkle module: proofs verify and break on any change; incremental
//! roots equal from-scratch roots; clones are independent; the outputs tree's frontier
//! root equals a naive full-tree root.

use std::collections::BTreeMap;

use concerto_machine::merkle::{
    hash_range, keccak256, keccak256_pair, verify_proof, Hash, MerkleTree, OutputsTree, PAGE_SIZE,
};
use proptest::prelude::*;

type Pages = BTreeMap<u64, [u8; PAGE_SIZE]>;

/// Page addresses that stress the tree's edges, plus arbitrary ones.
fn page_address() -> impl Strategy<Value = u64> {
    prop_oneof![
        prop::sample::select(vec![
            0x0,
            0x1000,
            0x2_0000,
            0x6000_0000,
            0x8000_0000,
            0x8000_1000,
            0x8000_3000,
            0x8000_0000_0000_0000,
            0xFFFF_FFFF_FFFF_F000,
        ]),
        any::<u64>().prop_map(|a| a & !0xfff),
    ]
}

/// A page: either sparse edits of a zero page, or a fill byte with edits.
fn page_contents() -> impl Strategy<Value = [u8; PAGE_SIZE]> {
    (
        any::<u8>(),
        any::<bool>(),
        prop::collection::vec((0usize..PAGE_SIZE, any::<u8>()), 0..24),
    )
        .prop_map(|(fill, filled, edits)| {
            let mut page = [if filled { fill } else { 0 }; PAGE_SIZE];
            for (offset, byte) in edits {
                page[offset] = byte;
            }
            page
        })
}

fn image() -> impl Strategy<Value = Pages> {
    prop::collection::btree_map(page_address(), page_contents(), 0..6)
}

fn tree_of(pages: &Pages) -> MerkleTree {
    let mut tree = MerkleTree::new();
    for (address, page) in pages {
        tree.update_page(*address, page);
    }
    tree
}

/// A target range: an address near one of the image's pages (or anywhere), aligned down.
fn target(pages: &Pages, pick: usize, offset: u64, log2_size: u32) -> (u64, u32) {
    let base = pages
        .keys()
        .nth(pick % (pages.len() + 1))
        .copied()
        .unwrap_or(offset);
    let address =
        (base | (offset & 0xfff)) & !(1u64.checked_shl(log2_size).map_or(u64::MAX, |s| s - 1));
    (address, log2_size)
}

fn flip(hash: &mut Hash, bit: usize) {
    hash[bit / 8 % 32] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn proofs_verify_and_break_on_tampering(
        pages in image(), pick in any::<usize>(), offset in any::<u64>(), log2_size in 5u32..=64,
        bit in 0usize..256, which in any::<prop::sample::Index>(),
    ) {
        let mut tree = tree_of(&pages);
        let (address, log2_size) = target(&pages, pick, offset, log2_size);
        let proof = tree.proof(address, log2_size, |page| pages.get(&page)).expect("proof");
        prop_assert!(proof.verify() && verify_proof(&proof));
        prop_assert_eq!(proof.root_hash, tree.root_hash());
        prop_assert_eq!(proof.sibling_hashes.len(), (64 - log2_size) as usize);

        let mut bad = proof.clone();
        flip(&mut bad.target_hash, bit);
        prop_assert!(!bad.verify());
        let mut bad = proof.clone();
        flip(&mut bad.root_hash, bit);
        prop_assert!(!bad.verify());
        if !proof.sibling_hashes.is_empty() {
            let mut bad = proof.clone();
            let i = which.index(bad.sibling_hashes.len());
            flip(&mut bad.sibling_hashes[i], bit);
            prop_assert!(!bad.verify());
        }

        // Change one byte inside the target: the target hash changes and the old proof
        // no longer verifies with it.
        let byte_address = address | (offset & (1u64.checked_shl(log2_size).map_or(u64::MAX, |s| s - 1)) & 0xfff);
        let page_address = byte_address & !0xfff;
        let mut page = pages.get(&page_address).copied().unwrap_or([0; PAGE_SIZE]);
        page[(byte_address & 0xfff) as usize] ^= 1 << (bit % 8);
        if log2_size <= 12 {
            let start = (address & 0xfff) as usize;
            let old = pages.get(&page_address).copied().unwrap_or([0; PAGE_SIZE]);
            prop_assert!(proof.verify_data(&old[start..start + (1 << log2_size)]));
            prop_assert!(!proof.verify_data(&page[start..start + (1 << log2_size)]));
        }
        let mut changed = tree.clone();
        changed.update_page(page_address, &page);
        let mut bad = proof.clone();
        bad.target_hash = changed.range_hash(address, log2_size, |_| Some(page)).expect("hash");
        prop_assert_ne!(bad.target_hash, proof.target_hash);
        prop_assert!(!bad.verify());
    }

    #[test]
    fn incremental_root_equals_from_scratch(
        updates in prop::collection::vec((page_address(), page_contents(), any::<bool>()), 1..24),
        checkpoints in prop::collection::vec(any::<bool>(), 24),
    ) {
        let mut tree = MerkleTree::new();
        let mut pages = Pages::new();
        for (i, (address, page, clear)) in updates.into_iter().enumerate() {
            if clear {
                tree.clear_page(address);
                pages.remove(&address);
            } else {
                tree.update_page(address, &page);
                pages.insert(address, page);
            }
            if checkpoints[i] {
                tree.root_hash();
            }
        }
        prop_assert_eq!(tree.root_hash(), tree_of(&pages).root_hash());
    }

    #[test]
    fn low_image_root_equals_hash_range(pages in prop::collection::btree_map(0u64..16, page_contents(), 0..6)) {
        let mut image = vec![0u8; 16 * PAGE_SIZE];
        let mut tree = MerkleTree::new();
        for (index, page) in &pages {
            let start = *index as usize * PAGE_SIZE;
            image[start..start + PAGE_SIZE].copy_from_slice(page);
            tree.update_page(index * PAGE_SIZE as u64, page);
        }
        prop_assert_eq!(tree.root_hash(), hash_range(&image, 64));
        prop_assert_eq!(tree.node_hash(0, 16).expect("node"), hash_range(&image, 16));
    }

    #[test]
    fn clones_are_independent(base in image(), extra in image()) {
        let mut original = tree_of(&base);
        let root = original.root_hash();
        let mut copy = original.clone();
        for (address, page) in &extra {
            copy.update_page(*address, page);
        }
        let copy_root = copy.root_hash();
        prop_assert_eq!(original.root_hash(), root);
        let mut merged = base.clone();
        merged.extend(extra.iter().map(|(a, p)| (*a, *p)));
        prop_assert_eq!(copy_root, tree_of(&merged).root_hash());
    }

    #[test]
    fn outputs_frontier_root_equals_naive_root(outputs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..80), 0..40)) {
        let mut tree = OutputsTree::new();
        for output in &outputs {
            tree.push(output).expect("room");
        }
        prop_assert_eq!(tree.len(), outputs.len() as u64);
        let leaves: Vec<Hash> = outputs.iter().map(|o| keccak256(o)).collect();
        prop_assert_eq!(tree.root(), naive_outputs_root(&leaves));
    }
}

#[test]
fn batched_page_updates_equal_single_updates() {
    // Large enough to be hashed on several threads with the `std` feature.
    let pages: Vec<(u64, [u8; PAGE_SIZE])> = (0..300u64)
        .map(|i| {
            let mut page = [0u8; PAGE_SIZE];
            if i % 3 != 0 {
                page[(i as usize * 37) % PAGE_SIZE] = i as u8 | 1;
                page[PAGE_SIZE - 1] = 0x5a;
            }
            (0x8000_0000 + (i * i) * PAGE_SIZE as u64, page)
        })
        .collect();
    let mut single = MerkleTree::new();
    for (address, page) in &pages {
        single.update_page(*address, page);
    }
    let mut batched = MerkleTree::new();
    batched.update_pages(pages.iter().map(|(address, page)| (*address, page)));
    assert_eq!(batched.root_hash(), single.root_hash());
}

/// Root of the height-63 outputs tree computed level by level (empty leaf = 0^32).
fn naive_outputs_root(leaves: &[Hash]) -> Hash {
    let mut level: Vec<Hash> = leaves.to_vec();
    let mut empty = [0u8; 32];
    for _ in 0..63 {
        if level.len() % 2 == 1 {
            level.push(empty);
        }
        level = level
            .chunks(2)
            .map(|pair| keccak256_pair(&pair[0], &pair[1]))
            .collect();
        empty = keccak256_pair(&empty, &empty);
    }
    level.first().copied().unwrap_or(empty)
}
