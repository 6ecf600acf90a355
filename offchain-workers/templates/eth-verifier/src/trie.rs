//! Merkle-Patricia-Trie proof verification (Yellow Paper appendix D).
//!
//! Nodes are RLP lists: a branch has 17 items (16 children by nibble, then a value), an
//! extension or leaf has 2 (`hex-prefix(path)`, child or value). Hex-prefix: the high
//! nibble of the first byte holds flags — bit 1 (value 2) set for a leaf, bit 0 (value 1)
//! set when the path has an odd number of nibbles, in which case the low nibble of that
//! first byte is the path's first nibble. A child reference is the keccak256 of the
//! child's RLP when that RLP is at least 32 bytes, else the child's RLP inlined.
//! The root is always referenced by hash.

use alloc::vec::Vec;

use crate::rlp::{self, Item, RlpError};
use concerto_template_sdk::keccak::keccak256;

/// Why a proof was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// The proof has no nodes.
    Empty,
    /// Proof node `index` does not hash to the reference its parent (or the root) gives.
    HashMismatch {
        /// Which proof node.
        index: usize,
    },
    /// The path needs a node after the last one given.
    MissingNode,
    /// Node `index` is not a valid trie node.
    BadNode {
        /// Which proof node.
        index: usize,
        /// The RLP problem, if that was it.
        rlp: Option<RlpError>,
    },
    /// The trie has no value at the key (proof of absence).
    KeyNotFound,
    /// Nodes were left over after the value was found.
    UnusedNodes(usize),
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

/// Decodes a hex-prefix path: (is_leaf, nibbles).
fn hex_prefix(encoded: &[u8]) -> Option<(bool, Vec<u8>)> {
    let (&first, rest) = encoded.split_first()?;
    let flags = first >> 4;
    if flags > 3 {
        return None;
    }
    let leaf = flags & 2 != 0;
    let mut path = Vec::with_capacity(rest.len() * 2 + 1);
    if flags & 1 != 0 {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return None;
    }
    path.extend(nibbles(rest));
    Some((leaf, path))
}

/// Where the walk goes next.
enum Next<'a> {
    /// A child referenced by hash: the next proof node must hash to it.
    Hash([u8; 32]),
    /// A child inlined in its parent (its RLP, < 32 bytes).
    Inline(&'a [u8]),
    /// The value at the key.
    Value(&'a [u8]),
}

fn reference<'a>(item: Item<'a>, raw: &'a [u8]) -> Result<Option<Next<'a>>, ()> {
    match item {
        Item::Bytes([]) => Ok(None),
        Item::Bytes(h) if h.len() == 32 => Ok(Some(Next::Hash(h.try_into().map_err(|_| ())?))),
        Item::List(_) if raw.len() < 32 => Ok(Some(Next::Inline(raw))),
        _ => Err(()),
    }
}

/// Verifies that `proof` proves the value at `key` under `root` and returns that value.
pub fn verify<'a>(
    root: &[u8; 32],
    key: &[u8],
    proof: &'a [Vec<u8>],
) -> Result<&'a [u8], ProofError> {
    if proof.is_empty() {
        return Err(ProofError::Empty);
    }
    let path = nibbles(key);
    let mut pos = 0; // nibbles of the key consumed
    let mut used = 0; // proof nodes consumed
    let mut next = Next::Hash(*root);
    loop {
        let node: &'a [u8] = match next {
            Next::Value(v) => {
                if used != proof.len() {
                    return Err(ProofError::UnusedNodes(proof.len() - used));
                }
                return Ok(v);
            }
            Next::Hash(h) => {
                let node = proof.get(used).ok_or(ProofError::MissingNode)?;
                if keccak256(node) != h {
                    return Err(ProofError::HashMismatch { index: used });
                }
                used += 1;
                node
            }
            Next::Inline(raw) => raw,
        };
        let index = used.saturating_sub(1);
        let bad = |rlp: Option<RlpError>| ProofError::BadNode { index, rlp };
        let items = rlp::decode_list(node).map_err(|e| bad(Some(e)))?;
        // Raw encodings of the items, for inline children.
        let mut raws = Vec::with_capacity(items.len());
        let mut payload = rlp::decode(node)
            .and_then(Item::list)
            .map_err(|e| bad(Some(e)))?;
        while !payload.is_empty() {
            let (_, raw, rest) = rlp::split_raw(payload).map_err(|e| bad(Some(e)))?;
            raws.push(raw);
            payload = rest;
        }
        next = match items.len() {
            17 => {
                if pos == path.len() {
                    match items[16].bytes().map_err(|e| bad(Some(e)))? {
                        [] => return Err(ProofError::KeyNotFound),
                        v => Next::Value(v),
                    }
                } else {
                    let nibble = usize::from(path[pos]);
                    pos += 1;
                    match reference(items[nibble], raws[nibble]).map_err(|_| bad(None))? {
                        Some(n) => n,
                        None => return Err(ProofError::KeyNotFound),
                    }
                }
            }
            2 => {
                let encoded = items[0].bytes().map_err(|e| bad(Some(e)))?;
                let (leaf, segment) = hex_prefix(encoded).ok_or(bad(None))?;
                if leaf {
                    if path[pos..] != segment[..] {
                        return Err(ProofError::KeyNotFound);
                    }
                    pos = path.len();
                    Next::Value(items[1].bytes().map_err(|e| bad(Some(e)))?)
                } else {
                    if segment.is_empty() || !path[pos..].starts_with(&segment) {
                        return Err(if segment.is_empty() {
                            bad(None)
                        } else {
                            ProofError::KeyNotFound
                        });
                    }
                    pos += segment.len();
                    match reference(items[1], raws[1]).map_err(|_| bad(None))? {
                        Some(n) => n,
                        None => return Err(bad(None)),
                    }
                }
            }
            _ => return Err(bad(None)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_prefix_forms() {
        assert_eq!(hex_prefix(&[0x20, 0x01]), Some((true, alloc::vec![0, 1])));
        assert_eq!(
            hex_prefix(&[0x31, 0x23]),
            Some((true, alloc::vec![1, 2, 3]))
        );
        assert_eq!(hex_prefix(&[0x00, 0x80]), Some((false, alloc::vec![8, 0])));
        assert_eq!(hex_prefix(&[0x1f]), Some((false, alloc::vec![0xf])));
        assert_eq!(hex_prefix(&[0x05]), None);
        assert_eq!(hex_prefix(&[0x40]), None);
    }

    #[test]
    fn single_leaf_trie() {
        // The trie with one entry {rlp(0) => "v"}: root node = [hp(leaf, 8 0), "v"].
        let node = alloc::vec![0xc4, 0x82, 0x20, 0x80, b'v'];
        let root = keccak256(&node);
        let proof = alloc::vec![node];
        assert_eq!(verify(&root, &[0x80], &proof), Ok(&b"v"[..]));
        assert_eq!(verify(&root, &[0x01], &proof), Err(ProofError::KeyNotFound));
        assert_eq!(
            verify(&[0; 32], &[0x80], &proof),
            Err(ProofError::HashMismatch { index: 0 })
        );
    }
}
