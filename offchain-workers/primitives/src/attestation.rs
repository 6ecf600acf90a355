//! What a validator attests about a sealed batch, and the message it signs.
//!
//! The chain (pallet-topics) keeps these with a bounded outputs payload
//! (`B = BoundedVec<u8, MaxOutputLen>`); the node's gossip, its certificates and light
//! clients use `B = Vec<u8>`. Both encode alike, so a signature made over one verifies
//! over the other.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};

use crate::{domain, BatchNumber, Hash32, OutputsPayload, TopicId, Verdict};

/// What a validator computed for a batch. `B` is the outputs payload's byte container.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub struct AttestationResult<B> {
    /// The machine's root hash before the first input of the batch: the template's initial
    /// machine for stateless topics and for a stateful topic's first batch, otherwise the
    /// `state_root` of the topic's last finalized batch (checked on chain).
    pub start_root: Hash32,
    /// Merkle root of the outputs (keccak tree, as Cartesi's guest library builds it).
    pub outputs_root: Hash32,
    /// The machine's root hash after the batch.
    pub state_root: Hash32,
    /// The outputs payload or its hash.
    pub outputs: OutputsPayload<B>,
    /// Cycles used.
    pub cycles: u64,
    /// Accepted or rejected.
    pub verdict: Verdict,
}

impl<B: AsRef<[u8]>> AttestationResult<B> {
    /// What "matching" means: BLAKE2b-256 over equal roots, outputs hash, cycles and
    /// verdict (both forms of the outputs payload give the same digest).
    pub fn digest(&self, blake2_256: impl Fn(&[u8]) -> Hash32) -> Hash32 {
        let outputs_hash = self.outputs.hash(&blake2_256);
        (
            self.start_root,
            self.outputs_root,
            self.state_root,
            outputs_hash,
            self.cycles,
            self.verdict,
        )
            .using_encoded(blake2_256)
    }
}

/// A validator's statement about a sealed batch. `V` is its attestation (`conc`) key.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub struct Attestation<V, B> {
    /// The topic.
    pub topic: TopicId,
    /// The batch.
    pub batch: BatchNumber,
    /// The sealed batch's commitment the validator computed over: an attestation counts
    /// only for the batch with exactly these events, so after a reorg re-seals a batch
    /// number with other events, attestations of the old one are refused.
    pub commitment: Hash32,
    /// The attesting validator's `conc` key.
    pub validator: V,
    /// What it computed.
    pub result: AttestationResult<B>,
}

impl<V: Encode, B: Encode> Attestation<V, B> {
    /// The message the validator signs (sr25519, `substrate` context): SCALE of
    /// `(domain::ATTESTATION_SIGNING, genesis hash, attestation)`.
    pub fn signing_message(&self, genesis: &Hash32) -> alloc::vec::Vec<u8> {
        signing_payload(genesis, self)
    }
}

/// The message a validator signs for an attestation: SCALE of
/// `(domain::ATTESTATION_SIGNING, genesis hash, attestation)`, for any encoding of the
/// genesis hash and the attestation that matches [`Attestation`]'s.
pub fn signing_payload<G: Encode, A: Encode>(genesis: &G, attestation: &A) -> alloc::vec::Vec<u8> {
    (domain::ATTESTATION_SIGNING, genesis, attestation).encode()
}

/// The number of matching attestations a topic needs with `validators` validators: its
/// explicit quorum, or more than two thirds.
pub fn effective_quorum(explicit: Option<u32>, validators: u32) -> u32 {
    explicit.unwrap_or_else(|| validators.saturating_mul(2) / 3 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fake_hash;
    use alloc::vec;

    fn result(
        outputs: OutputsPayload<alloc::vec::Vec<u8>>,
    ) -> AttestationResult<alloc::vec::Vec<u8>> {
        AttestationResult {
            start_root: [1; 32],
            outputs_root: [2; 32],
            state_root: [3; 32],
            outputs,
            cycles: 7,
            verdict: Verdict::Accepted,
        }
    }

    #[test]
    fn inline_and_hashed_payloads_have_one_digest() {
        let payload = vec![9u8, 8, 7];
        let inline = result(OutputsPayload::Inline(payload.clone()));
        let hashed = result(OutputsPayload::Hash(fake_hash(&payload)));
        assert_eq!(inline.digest(fake_hash), hashed.digest(fake_hash));
        let mut other = inline.clone();
        other.cycles += 1;
        assert_ne!(inline.digest(fake_hash), other.digest(fake_hash));
    }

    #[test]
    fn the_signing_message_is_domain_genesis_then_the_attestation() {
        let attestation = Attestation {
            topic: 3,
            batch: 4,
            commitment: [5; 32],
            validator: [6u8; 32],
            result: result(OutputsPayload::Hash([0; 32])),
        };
        let genesis = [0xaa; 32];
        let message = attestation.signing_message(&genesis);
        let mut expected = domain::ATTESTATION_SIGNING.encode();
        expected.extend_from_slice(&genesis);
        expected.extend_from_slice(&attestation.encode());
        assert_eq!(message, expected);
    }

    #[test]
    fn quorum_is_more_than_two_thirds_unless_explicit() {
        assert_eq!(effective_quorum(None, 4), 3);
        assert_eq!(effective_quorum(None, 3), 3);
        assert_eq!(effective_quorum(None, 1), 1);
        assert_eq!(effective_quorum(None, 32), 22);
        assert_eq!(effective_quorum(Some(2), 4), 2);
    }
}

/// A fault the chain holds a validator to account for, judged at a batch's deadline.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen,
)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub enum ValidatorFault {
    /// It did not attest the batch before the deadline.
    Missed {
        /// The topic.
        topic: TopicId,
        /// The batch.
        batch: BatchNumber,
    },
    /// It attested a result other than the one the quorum finalized.
    Deviated {
        /// The topic.
        topic: TopicId,
        /// The batch.
        batch: BatchNumber,
    },
}

impl ValidatorFault {
    /// The topic and batch the fault was judged at.
    pub fn batch(&self) -> (TopicId, BatchNumber) {
        match *self {
            ValidatorFault::Missed { topic, batch } | ValidatorFault::Deviated { topic, batch } => {
                (topic, batch)
            }
        }
    }
}
