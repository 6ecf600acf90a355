//! Host-side helpers of the harness tests: RLP, a Merkle-Patricia-Trie builder, and the
//! mainnet block loader.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod eth;
pub mod mpt;
pub mod rlp;
