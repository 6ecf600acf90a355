//! The receipts trie of a block, built host-side by `alloy-trie` (a Merkle-Patricia trie
//! implementation independent of the template's verifier): its root and, for any
//! transaction index, the proof the verifier checks.

use alloy_trie::proof::{ProofNodes, ProofRetainer};
use alloy_trie::{HashBuilder, Nibbles};

/// The trie key of transaction `index`: `rlp(index)`.
pub fn index_key(index: usize) -> Vec<u8> {
    alloy_rlp::encode(index as u64)
}

/// A built receipts trie, with the nodes on the path of every key retained.
pub struct ReceiptsTrie {
    root: [u8; 32],
    nodes: ProofNodes,
    values: Vec<Vec<u8>>,
}

impl ReceiptsTrie {
    /// The trie holding `values[i]` (consensus-encoded receipts) under `rlp(i)`.
    pub fn new(values: &[Vec<u8>]) -> ReceiptsTrie {
        let mut leaves: Vec<(Nibbles, &[u8])> = values
            .iter()
            .enumerate()
            .map(|(i, value)| (Nibbles::unpack(index_key(i)), &value[..]))
            .collect();
        leaves.sort_by_key(|(key, _)| *key); // the builder takes keys in order
        let retainer = ProofRetainer::new(leaves.iter().map(|(key, _)| *key).collect());
        let mut builder = HashBuilder::default().with_proof_retainer(retainer);
        for (key, value) in &leaves {
            builder.add_leaf(*key, value);
        }
        ReceiptsTrie {
            root: builder.root().0,
            nodes: builder.take_proof_nodes(),
            values: values.to_vec(),
        }
    }

    /// keccak of the root node.
    pub fn root(&self) -> [u8; 32] {
        self.root
    }

    /// The proof of transaction `index`: the hashed nodes on its path, root first (nodes
    /// under 32 bytes are inlined in their parent, so they are not listed). Checked with
    /// `alloy_trie::proof::verify_proof` before it is returned.
    pub fn proof(&self, index: usize) -> Vec<Vec<u8>> {
        let key = Nibbles::unpack(index_key(index));
        let nodes: Vec<_> = self
            .nodes
            .matching_nodes_sorted(&key)
            .into_iter()
            .filter(|(path, node)| path.is_empty() || node.len() >= 32)
            .map(|(_, node)| node)
            .collect();
        alloy_trie::proof::verify_proof(
            self.root.into(),
            key,
            Some(self.values[index].clone()),
            &nodes,
        )
        .expect("alloy-trie verifies its own proof");
        nodes.into_iter().map(|node| node.to_vec()).collect()
    }
}
