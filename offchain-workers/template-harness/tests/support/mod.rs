//! Host-side helpers of the harness tests: the mainnet block loader, with RLP from
//! `alloy-rlp` and the receipts trie from `alloy-trie` (libraries independent of the
//! template's own decoder and trie verifier, so the tests cross-check them).
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod eth;
pub mod trie;
