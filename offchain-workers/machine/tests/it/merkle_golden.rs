//! Golden vectors: the Merkle hashing must match the independent Python reference
//! (`tests/golden/merkle_reference.py`, committed output `tests/golden/vectors.json`) and
//! the constants of `docs/cartesi-v0.19.md` (§6.1, §5.5).

use std::collections::BTreeMap;

use concerto_machine::merkle::{
    hash_range, keccak256, pristine_hash, Hash, MerkleTree, OutputsTree, ProofError, PAGE_SIZE,
};
use serde_json::Value;

const VECTORS: &str = include_str!("../golden/vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("vectors.json is valid JSON")
}

fn bytes(digits: &str) -> Vec<u8> {
    hex::decode(digits).expect("even number of hex digits")
}

fn hash(digits: &str) -> Hash {
    bytes(digits).try_into().expect("32-byte hash")
}

fn str_of(v: &Value) -> &str {
    v.as_str().expect("string")
}

fn address(v: &Value) -> u64 {
    u64::from_str_radix(str_of(v).trim_start_matches("0x"), 16).expect("hex address")
}

fn log2(v: &Value) -> u32 {
    u32::try_from(v.as_u64().expect("log2 size")).expect("small")
}

/// The pages of an image described by `writes`, and a tree fed with them and `constants`.
fn build(image: &Value) -> (BTreeMap<u64, [u8; PAGE_SIZE]>, MerkleTree) {
    let mut pages: BTreeMap<u64, [u8; PAGE_SIZE]> = BTreeMap::new();
    for write in image["writes"].as_array().expect("writes") {
        let start = address(&write["address"]);
        for (i, byte) in bytes(str_of(&write["data"])).into_iter().enumerate() {
            let a = start + i as u64;
            pages.entry(a & !0xfff).or_insert([0; PAGE_SIZE])[(a & 0xfff) as usize] = byte;
        }
    }
    let mut tree = MerkleTree::new();
    for constant in image["constants"].as_array().expect("constants") {
        let h = hash(str_of(&constant["hash"]));
        tree.set_subtree_hash(
            address(&constant["address"]),
            log2(&constant["log2_size"]),
            h,
        )
        .expect("valid");
    }
    for (page_address, page) in &pages {
        tree.update_page(*page_address, page);
    }
    (pages, tree)
}

#[test]
fn fact_sheet_constants() {
    let facts = [
        (
            5,
            "290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563",
        ),
        (
            6,
            "633dc4d7da7256660a892f8f1604a44b5432649cc8ec5cb3ced4c4e6ac94dd1d",
        ),
        (
            7,
            "890740a8eb06ce9be422cb8da5cdafc2b58c0a5e24036c578de2a433c828ff7d",
        ),
        (
            12,
            "292c23a9aa1d8bea7e2435e555a4a60e379a5a35f3f452bae60121073fb6eead",
        ),
        (
            16,
            "3d04cffd8b46a874edf5cfae63077de85f849a660426697b06a829c70dd1409c",
        ),
        (
            21,
            "776a31db34a1a0a7caaf862cffdfff1789297ffadc380bd3d39281d340abd3ad",
        ),
        (
            64,
            "31d0f66ab43019856780cb246cfd37b0c190d17111d5c016f19ba715ee622dc5",
        ),
    ];
    for (log2_size, expected) in facts {
        assert_eq!(pristine_hash(log2_size), hash(expected), "P{log2_size}");
    }
    assert_eq!(MerkleTree::new().root_hash(), hash(facts[6].1));
    assert_eq!(keccak256(&[0u8; 32]), hash(facts[0].1));

    let mut outputs = OutputsTree::new();
    assert_eq!(
        outputs.root(),
        hash("0a162946e56158bac0673e6dd3bdfdc1e4a0e7744a120fdb640050c8d7abe1c6")
    );
    outputs.push(b"hello").expect("room");
    assert_eq!(
        outputs.root(),
        hash("670c5332b66dc0d192188efa99826ce9dc7b1b1dc7628e8d080ea1a34a13fcb8")
    );
}

#[test]
fn pristine_hashes_match_reference() {
    let v = vectors();
    let table = v["pristine"].as_object().expect("pristine");
    assert_eq!(table.len(), 60);
    for (log2_size, expected) in table {
        let log2_size: u32 = log2_size.parse().expect("log2 key");
        assert_eq!(
            pristine_hash(log2_size),
            hash(str_of(expected)),
            "P{log2_size}"
        );
    }
}

#[test]
fn image_roots_and_nodes_match_reference() {
    let v = vectors();
    for (name, image) in v["images"].as_object().expect("images") {
        let (pages, mut tree) = build(image);
        assert_eq!(
            tree.root_hash(),
            hash(str_of(&image["root"])),
            "root of {name}"
        );
        for node in image["nodes"].as_array().expect("nodes") {
            let (a, l) = (address(&node["address"]), log2(&node["log2_size"]));
            let got = tree
                .range_hash(a, l, |page| pages.get(&page))
                .expect("range hash");
            assert_eq!(got, hash(str_of(&node["hash"])), "{name}: node {a:#x}/{l}");
        }
    }
}

#[test]
fn proofs_match_reference() {
    let v = vectors();
    for expected in v["proofs"].as_array().expect("proofs") {
        let (pages, mut tree) = build(&v["images"][str_of(&expected["image"])]);
        let (a, l) = (address(&expected["address"]), log2(&expected["log2_size"]));
        let proof = tree.proof(a, l, |page| pages.get(&page)).expect("proof");
        assert_eq!(proof.target_address, a);
        assert_eq!(proof.log2_target_size, l);
        assert_eq!(proof.log2_root_size, 64);
        assert_eq!(
            proof.target_hash,
            hash(str_of(&expected["target_hash"])),
            "target {a:#x}/{l}"
        );
        assert_eq!(
            proof.root_hash,
            hash(str_of(&expected["root"])),
            "root {a:#x}/{l}"
        );
        let siblings: Vec<Hash> = expected["siblings"]
            .as_array()
            .expect("siblings")
            .iter()
            .map(|s| hash(str_of(s)))
            .collect();
        assert_eq!(proof.sibling_hashes, siblings, "siblings {a:#x}/{l}");
        assert!(proof.verify());
    }
}

#[test]
fn range_hashes_match_reference() {
    let v = vectors();
    for range in v["ranges"].as_array().expect("ranges") {
        let data = bytes(str_of(&range["data"]));
        let l = log2(&range["log2_size"]);
        assert_eq!(
            hash_range(&data, l),
            hash(str_of(&range["hash"])),
            "{} at log2 {l}",
            range["name"]
        );
    }
}

#[test]
fn outputs_roots_match_reference() {
    let v = vectors();
    for (name, case) in v["outputs"].as_object().expect("outputs") {
        let mut tree = OutputsTree::new();
        for output in case["outputs"].as_array().expect("list") {
            tree.push(&bytes(str_of(output))).expect("room");
        }
        assert_eq!(tree.root(), hash(str_of(&case["root"])), "outputs {name}");
    }
}

#[test]
fn ranges_inside_a_constant_subtree_are_refused() {
    let mut tree = MerkleTree::new();
    tree.set_subtree_hash(0x40_0000, 22, [7; 32])
        .expect("valid");
    assert_eq!(tree.node_hash(0x40_0000, 22), Ok([7; 32]));
    assert!(matches!(
        tree.node_hash(0x40_0000, 21),
        Err(ProofError::InsideConstantSubtree { .. })
    ));
    assert!(matches!(
        tree.proof(0x40_1000, 5, |_| None::<[u8; PAGE_SIZE]>),
        Err(ProofError::InsideConstantSubtree { .. })
    ));
    // Pages written inside the constant subtree do not change the root.
    let before = tree.root_hash();
    tree.update_page(0x40_1000, &[1; PAGE_SIZE]);
    assert_eq!(tree.root_hash(), before);
}

#[test]
fn invalid_queries_are_errors() {
    let mut tree = MerkleTree::new();
    assert!(matches!(
        tree.node_hash(0x1000, 11),
        Err(ProofError::InvalidLog2Size { .. })
    ));
    assert!(matches!(
        tree.node_hash(0x1000, 13),
        Err(ProofError::Misaligned { .. })
    ));
    assert!(matches!(
        tree.node_hash(1, 64),
        Err(ProofError::Misaligned { .. })
    ));
    assert!(matches!(
        tree.set_subtree_hash(0, 65, [0; 32]),
        Err(ProofError::InvalidLog2Size { .. })
    ));
    assert!(matches!(
        tree.proof(0x10, 4, |_| None::<[u8; PAGE_SIZE]>),
        Err(ProofError::InvalidLog2Size { .. })
    ));
    assert!(matches!(
        tree.proof(0x20, 5, |_| Some([0u8; 10])),
        Err(ProofError::BadPageLength { .. })
    ));
    assert!(matches!(
        tree.proof(0x0, 5, |_| Some([1u8; PAGE_SIZE])),
        Err(ProofError::PageMismatch { .. })
    ));
}
