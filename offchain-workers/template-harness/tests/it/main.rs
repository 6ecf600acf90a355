//! Integration tests of `concerto-template-harness`, in one test binary (one link instead
//! of one per file): each former `tests/*.rs` file is a module. Run one group with a name
//! filter, e.g. `cargo test -p concerto-template-harness --test it -- eth_mainnet::`.
//!
//! `tests/support/` holds the host-side helpers (the mainnet block loader, RLP from
//! `alloy-rlp`, receipts tries from `alloy-trie`); the node's tests include it too (with
//! `#[path]`).
#![allow(missing_docs)]

#[path = "../support/mod.rs"]
mod support;

mod eth_mainnet;
mod median_machine;
mod price_feed_machine;
mod sdk_probe;
