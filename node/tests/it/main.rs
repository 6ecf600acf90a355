//! The node's integration tests, in one test binary: linking a test binary against the
//! node's dependency tree takes minutes, so every former `tests/*.rs` file is a module
//! here. Each test starts real `concerto-node` processes (their own free ports and
//! `--tmp` base paths, see `common`), so tests of all modules run concurrently; the two
//! that load the machine most (`e2e`'s hostile templates, `validators`) hold
//! `common::heavy()` so that they never overlap.
//!
//! Run one module with a name filter, e.g. `cargo test --workspace --test it -- e2e::`.
//! The benchmark `latency` is `#[ignore]`d: `scripts/bench-e2e.sh` runs it by name.

mod common;
/// The harness tests' host-side Ethereum helpers (mainnet data, receipts tries,
/// synthetic blocks).
#[path = "../../../offchain-workers/template-harness/tests/support/mod.rs"]
mod harness_support;

mod client;
mod contracts;
mod dev_chain;
mod e2e;
mod eth_success;
mod faults;
mod ingest;
mod latency;
mod load;
mod serve;
mod stateful;
mod topics;
mod validator_set;
mod validators;
