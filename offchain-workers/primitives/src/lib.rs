//! # concerto-primitives
//!
//! The one definition of every concept that crosses a boundary in Concerto: the runtime
//! (pallet-topics), the node (its slots host functions), the execution crates and the
//! RISC-V templates all use these types and functions, so a format or a rule cannot drift
//! between two copies. Everything is SCALE-encoded, `no_std` + `alloc`, and free of
//! Substrate so the guests can depend on it; type information for the runtime's metadata
//! comes with the `scale-info` feature.
//!
//! Along the data flow (publish → batch → execute → attest):
//! - [`domain`]: the byte tags that separate what publishers and validators sign, and the
//!   offchain-storage keys of events;
//! - [`input`]: what a template receives, [`Input::Header`], the events, [`Input::End`],
//!   built in that order by [`batch_inputs`];
//! - [`batch`]: the commitment a sealed batch carries over its event hashes;
//! - [`limits`]: a template's machine limits, fixed on chain ([`MachineLimits`]);
//! - [`verdict`]: guest faults, where they happened, and the verdict validators attest;
//! - [`outputs`]: the outputs payload an attestation carries, inline or by hash;
//! - [`attestation`]: what a validator attests about a batch and the message it signs.
//!
//! Template-specific payloads and outputs live in [`eth`] (Ethereum event verifier) and
//! [`price`] (median price aggregator).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod attestation;
pub mod batch;
pub mod chain_extension;
pub mod domain;
pub mod eth;
pub mod input;
pub mod limits;
pub mod outputs;
pub mod price;
pub mod verdict;

pub use attestation::{effective_quorum, Attestation, AttestationResult, ValidatorFault};
pub use batch::batch_commitment;
pub use codec;
pub use input::{batch_inputs, BatchHeader, EventEnvelope, Input};
pub use limits::{LimitViolation, MachineBounds, MachineLimits, MAX_EMITTED_BYTES_PER_BATCH};
pub use outputs::{OutputView, OutputsPayload};
pub use verdict::{GuestFault, Rejection, Stage, Verdict};

/// A 32-byte hash: event hashes, commitments, template content hashes (BLAKE2b-256) and
/// Merkle roots (Keccak-256).
pub type Hash32 = [u8; 32];

/// How a publisher is named in the [`EventEnvelope`] a template receives: its 32-byte
/// public key (sr25519, ed25519), or its 20-byte Ethereum address left-padded with zeros.
pub type PublisherId = [u8; 32];

/// Identifies a topic (assigned in registration order, from 0).
pub type TopicId = u32;

/// Batch number within a topic (0, 1, 2, ...).
pub type BatchNumber = u64;

#[cfg(test)]
mod test_support {
    use crate::Hash32;

    /// A stand-in hasher for the tests: not BLAKE2b, but deterministic and injective
    /// enough to tell payloads apart.
    pub(crate) fn fake_hash(bytes: &[u8]) -> Hash32 {
        let mut h = [0u8; 32];
        for (i, b) in bytes.iter().enumerate() {
            h[i % 32] = h[i % 32].wrapping_mul(31).wrapping_add(*b);
        }
        h[31] = bytes.len() as u8;
        h
    }
}
