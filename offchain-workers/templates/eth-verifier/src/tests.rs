//! Native tests of the verifier's decoding that the mainnet blocks do not reach: header
//! forms before London, receipt types 4 and pre-Byzantium, inline trie nodes, and
//! robustness (no panic on any input: a panic would stop the template for good).

use alloc::vec;
use alloc::vec::Vec;

use crate::header::{self, Fork, HeaderError};
use crate::receipt::{self, Outcome, ReceiptError};
use crate::trie::{self, ProofError};
use concerto_template_sdk::keccak::keccak256;
use proptest::prelude::*;

fn prefix(offset: u8, len: usize) -> Vec<u8> {
    if len < 56 {
        return vec![offset + len as u8];
    }
    let be = (len as u64).to_be_bytes();
    let skip = be.iter().take_while(|&&b| b == 0).count();
    let mut out = vec![offset + 55 + (8 - skip) as u8];
    out.extend_from_slice(&be[skip..]);
    out
}

fn rlp_bytes(b: &[u8]) -> Vec<u8> {
    if b.len() == 1 && b[0] < 0x80 {
        return b.to_vec();
    }
    [prefix(0x80, b.len()), b.to_vec()].concat()
}

fn rlp_list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload = items.concat();
    [prefix(0xc0, payload.len()), payload].concat()
}

fn header_with(fields: usize) -> Vec<u8> {
    header_with_root(fields, [7; 32])
}

fn header_with_root(fields: usize, receipts_root: [u8; 32]) -> Vec<u8> {
    let sizes = [
        32, 32, 20, 32, 32, 32, 256, 1, 2, 2, 2, 2, 0, 32, 8, 1, 32, 1, 1, 32, 32,
    ];
    let items: Vec<Vec<u8>> = sizes[..fields]
        .iter()
        .enumerate()
        .map(|(i, &n)| match i {
            5 => rlp_bytes(&receipts_root),
            8 => vec![0x82, 0x12, 0x34],
            _ => rlp_bytes(&vec![7u8; n]),
        })
        .collect();
    rlp_list(&items)
}

#[test]
fn every_header_form_decodes() {
    for (n, fork) in [
        (15, Fork::Frontier),
        (16, Fork::London),
        (17, Fork::Shanghai),
        (20, Fork::Cancun),
        (21, Fork::Prague),
    ] {
        let rlp = header_with(n);
        let h = header::decode(&rlp).unwrap();
        assert_eq!(
            (h.fork, h.number, h.receipts_root, h.hash),
            (fork, 0x1234, [7; 32], keccak256(&rlp))
        );
    }
    for n in [14, 18, 19, 22] {
        let items: Vec<Vec<u8>> = (0..n).map(|_| rlp_bytes(&[1])).collect();
        assert_eq!(
            header::decode(&rlp_list(&items)),
            Err(HeaderError::FieldCount(n))
        );
    }
}

fn log(address: u8, topics: usize, data: &[u8]) -> Vec<u8> {
    let topics: Vec<Vec<u8>> = (0..topics).map(|i| rlp_bytes(&[i as u8; 32])).collect();
    rlp_list(&[
        rlp_bytes(&[address; 20]),
        rlp_list(&topics),
        rlp_bytes(data),
    ])
}

#[test]
fn every_receipt_type_decodes() {
    let body = rlp_list(&[
        rlp_bytes(&[1]),
        rlp_bytes(&[0x52, 0x08]),
        rlp_bytes(&[0; 256]),
        rlp_list(&[log(9, 2, b"hi")]),
    ]);
    for t in 0..=4u8 {
        let bytes = if t == 0 {
            body.clone()
        } else {
            [vec![t], body.clone()].concat()
        };
        let r = receipt::decode(&bytes).unwrap();
        assert_eq!(
            (r.tx_type, r.outcome, r.cumulative_gas_used, r.logs.len()),
            (t, Outcome::Success, 0x5208, 1)
        );
        assert_eq!(
            (r.logs[0].address, r.logs[0].topics.len(), r.logs[0].data),
            ([9; 20], 2, &b"hi"[..])
        );
    }
    assert_eq!(
        receipt::decode(&[vec![5], body.clone()].concat()),
        Err(ReceiptError::UnknownType(5))
    );
    // Pre-Byzantium: a post-state root instead of the status.
    let old = rlp_list(&[
        rlp_bytes(&[3; 32]),
        rlp_bytes(&[1]),
        rlp_bytes(&[0; 256]),
        rlp_list(&[]),
    ]);
    assert_eq!(
        receipt::decode(&old).unwrap().outcome,
        Outcome::PostState([3; 32])
    );
}

#[test]
fn inline_nodes_are_followed() {
    // {rlp(0)=0x80: "a", rlp(1)=0x01: "b"}: both leaves are < 32 bytes, inlined in the root branch.
    let leaf_b = rlp_list(&[rlp_bytes(&[0x31]), rlp_bytes(b"b")]);
    let leaf_a = rlp_list(&[rlp_bytes(&[0x30]), rlp_bytes(b"a")]);
    let mut items: Vec<Vec<u8>> = (0..17).map(|_| vec![0x80]).collect();
    items[0] = leaf_b;
    items[8] = leaf_a;
    let root_node = rlp_list(&items);
    let root = keccak256(&root_node);
    let proof = vec![root_node];
    assert_eq!(trie::verify(&root, &[0x80], &proof), Ok(&b"a"[..]));
    assert_eq!(trie::verify(&root, &[0x01], &proof), Ok(&b"b"[..]));
    assert_eq!(
        trie::verify(&root, &[0x02], &proof),
        Err(ProofError::KeyNotFound)
    );
    assert_eq!(
        trie::verify(&root, &[0x05], &proof),
        Err(ProofError::KeyNotFound)
    );
}

#[test]
fn large_log_data_is_output_as_its_hash() {
    use concerto_primitives::eth::{LogData, ReceiptClaim};
    let data = vec![0x5a; 2000];
    let log = rlp_list(&[rlp_bytes(&[1; 20]), rlp_list(&[]), rlp_bytes(&data)]);
    let body = rlp_list(&[
        rlp_bytes(&[1]),
        rlp_bytes(&[0x52, 0x08]),
        rlp_bytes(&[0; 256]),
        rlp_list(&[log]),
    ]);
    let receipt = [vec![2], body].concat();
    // The only key rlp(0) = 0x80 → nibbles 8, 0 → leaf path hex-prefix 0x20 0x80.
    let leaf = rlp_list(&[rlp_bytes(&[0x20, 0x80]), rlp_bytes(&receipt)]);
    let header = header_with_root(21, keccak256(&leaf));
    let claim = ReceiptClaim {
        header_rlp: header,
        tx_index: 0,
        proof: vec![leaf],
        log_index: 0,
    };
    let out = crate::claim::verify(&claim).unwrap();
    assert_eq!(
        out.data,
        LogData::Hashed {
            hash: keccak256(&data),
            len: 2000
        }
    );
    assert_eq!(out.address, [1; 20]);
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = crate::rlp::decode(&bytes);
        let _ = header::decode(&bytes);
        let _ = receipt::decode(&bytes);
        let _ = trie::verify(&keccak256(&bytes), &[0x80], core::slice::from_ref(&bytes));
    }

    #[test]
    fn mutated_inline_proofs_never_panic(flip in 0usize..60, bit in 0u8..8, key in any::<u8>()) {
        let mut items: Vec<Vec<u8>> = (0..17).map(|_| vec![0x80]).collect();
        items[0] = rlp_list(&[rlp_bytes(&[0x31]), rlp_bytes(b"b")]);
        items[8] = rlp_list(&[rlp_bytes(&[0x30]), rlp_bytes(b"a")]);
        let mut node = rlp_list(&items);
        let at = flip % node.len();
        node[at] ^= 1 << bit;
        let _ = trie::verify(&keccak256(&node), &[key], &[node.clone()]);
    }
}
