//! A host-side Merkle-Patricia-Trie builder (Yellow Paper appendix D): builds the whole
//! trie from (key, value) pairs, gives its root and the proof (hashed nodes from the root
//! down) for a key.

use super::rlp::{encode_bytes, encode_list};
use concerto_machine::merkle::keccak256;

enum Node {
    Leaf(Vec<u8>, Vec<u8>),
    Extension(Vec<u8>, Box<Node>),
    Branch(Vec<Option<Node>>),
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 15]).collect()
}

fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 2 } else { 0 } + (path.len() % 2) as u8;
    let mut out = Vec::new();
    let rest = if path.len() % 2 == 1 {
        out.push(flag << 4 | path[0]);
        &path[1..]
    } else {
        out.push(flag << 4);
        path
    };
    out.extend(rest.chunks(2).map(|c| c[0] << 4 | c[1]));
    out
}

/// Entries sorted by key nibbles; no key is a prefix of another (true for rlp(index)).
fn build(entries: &[(Vec<u8>, Vec<u8>)], depth: usize) -> Node {
    if entries.len() == 1 {
        return Node::Leaf(entries[0].0[depth..].to_vec(), entries[0].1.clone());
    }
    let first = &entries[0].0;
    let common = (depth..first.len())
        .take_while(|&i| entries.iter().all(|(k, _)| k.get(i) == Some(&first[i])))
        .count();
    if common > 0 {
        return Node::Extension(
            first[depth..depth + common].to_vec(),
            Box::new(build(entries, depth + common)),
        );
    }
    let mut children: Vec<Option<Node>> = (0..16).map(|_| None).collect();
    for nibble in 0..16u8 {
        let group: Vec<_> = entries
            .iter()
            .filter(|(k, _)| k[depth] == nibble)
            .cloned()
            .collect();
        if !group.is_empty() {
            children[nibble as usize] = Some(build(&group, depth + 1));
        }
    }
    Node::Branch(children)
}

fn encode(node: &Node) -> Vec<u8> {
    match node {
        Node::Leaf(path, value) => {
            encode_list(&[encode_bytes(&hex_prefix(path, true)), encode_bytes(value)])
        }
        Node::Extension(path, child) => {
            encode_list(&[encode_bytes(&hex_prefix(path, false)), reference(child)])
        }
        Node::Branch(children) => {
            let mut items: Vec<Vec<u8>> = children
                .iter()
                .map(|c| c.as_ref().map_or(vec![0x80], reference))
                .collect();
            items.push(vec![0x80]);
            encode_list(&items)
        }
    }
}

/// How a parent refers to a child: inline below 32 bytes, else by keccak.
fn reference(node: &Node) -> Vec<u8> {
    let enc = encode(node);
    if enc.len() < 32 {
        enc
    } else {
        encode_bytes(&keccak256(&enc))
    }
}

/// A built trie.
pub struct Trie {
    root: Node,
}

impl Trie {
    /// Builds the trie of `(key, value)` pairs.
    pub fn new(pairs: &[(Vec<u8>, Vec<u8>)]) -> Trie {
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> =
            pairs.iter().map(|(k, v)| (nibbles(k), v.clone())).collect();
        entries.sort();
        Trie {
            root: build(&entries, 0),
        }
    }

    /// keccak of the root node.
    pub fn root(&self) -> [u8; 32] {
        keccak256(&encode(&self.root))
    }

    /// The hashed nodes on the path to `key`, root first.
    pub fn proof(&self, key: &[u8]) -> Vec<Vec<u8>> {
        let path = nibbles(key);
        let mut proof = Vec::new();
        let mut node = &self.root;
        let mut pos = 0;
        loop {
            let enc = encode(node);
            if proof.is_empty() || enc.len() >= 32 {
                proof.push(enc);
            }
            node = match node {
                Node::Leaf(..) => return proof,
                Node::Extension(p, child) => {
                    pos += p.len();
                    child
                }
                Node::Branch(children) => {
                    let n = path[pos] as usize;
                    pos += 1;
                    children[n].as_ref().expect("key in trie")
                }
            };
        }
    }
}
