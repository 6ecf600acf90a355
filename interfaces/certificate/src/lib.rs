//! # concerto-certificate
//!
//! A *quorum certificate* says that enough of the current validators computed the same
//! result for a sealed batch: the result, and each validator's sr25519 signature of its
//! attestation. Validators broadcast their [`SignedAttestation`]s as soon as they compute
//! them (the node's `/concerto/attestations/1` gossip); any node that has seen a quorum of
//! matching ones serves the [`Certificate`] before the chain has included them, and
//! anyone holding the validator set can check it with [`verify_certificate`].
//!
//! A certificate is what the chain would finalize: the pallet counts the same signed
//! attestations towards the same quorum. What it does not show is that the chain has
//! included them yet (a certified result is final once its `OutputFinalized` block is
//! GRANDPA-final), nor which validators are current: the verifier supplies the set.
//!
//! `no_std` + `alloc`, free of Substrate: SCALE, `concerto-primitives` and schnorrkel.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use concerto_primitives::{Attestation, AttestationResult, BatchNumber, Hash32, TopicId};

/// A validator's attestation key (`conc`, sr25519 public key).
pub type ValidatorKey = [u8; 32];
/// An sr25519 signature.
pub type Signature = [u8; 64];
/// An attestation as it travels off chain: any validator key, outputs as a plain vector.
pub type OffchainAttestation = Attestation<ValidatorKey, Vec<u8>>;

/// The signing context of Substrate's sr25519 (`sp_core::sr25519`), which the runtime's
/// `conc` keys sign with.
const SIGNING_CONTEXT: &[u8] = b"substrate";

/// The gossip message: an attestation and its validator's signature, exactly what the
/// validator's `topics.attest` transaction carries.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedAttestation {
    /// What the validator attests.
    pub attestation: OffchainAttestation,
    /// Its signature over [`OffchainAttestation::signing_message`].
    pub signature: Signature,
}

impl SignedAttestation {
    /// Whether the signature is the attestation's validator's, on the chain with
    /// `genesis`.
    pub fn verify(&self, genesis: &Hash32) -> bool {
        sr25519_verify(
            &self.attestation.validator,
            &self.attestation.signing_message(genesis),
            &self.signature,
        )
    }
}

/// A quorum of validators' signatures over the same result for one sealed batch.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Certificate {
    /// The topic.
    pub topic: TopicId,
    /// The batch.
    pub batch: BatchNumber,
    /// The sealed batch's commitment (over its event hashes, in order).
    pub commitment: Hash32,
    /// The result every signer attested.
    pub result: AttestationResult<Vec<u8>>,
    /// Each signer's key and signature, in key order.
    pub signatures: Vec<(ValidatorKey, Signature)>,
}

impl Certificate {
    /// The attestation a signer `validator` of this certificate signed: the certificate's
    /// batch and result under its key.
    pub fn attestation_of(&self, validator: ValidatorKey) -> OffchainAttestation {
        Attestation {
            topic: self.topic,
            batch: self.batch,
            commitment: self.commitment,
            validator,
            result: self.result.clone(),
        }
    }

    /// The certificate of `attestations`: their shared batch and result, with every
    /// signature. `None` if they are empty or do not all attest the same batch,
    /// commitment and result. Signatures are not checked here ([`verify_certificate`]).
    pub fn of(attestations: &[SignedAttestation]) -> Option<Certificate> {
        let first = &attestations.first()?.attestation;
        let same = |a: &OffchainAttestation| {
            a.topic == first.topic
                && a.batch == first.batch
                && a.commitment == first.commitment
                && a.result == first.result
        };
        if !attestations.iter().all(|s| same(&s.attestation)) {
            return None;
        }
        let mut signatures: Vec<_> = attestations
            .iter()
            .map(|s| (s.attestation.validator, s.signature))
            .collect();
        signatures.sort_unstable_by_key(|(key, _)| *key);
        Some(Certificate {
            topic: first.topic,
            batch: first.batch,
            commitment: first.commitment,
            result: first.result.clone(),
            signatures,
        })
    }
}

/// The validators a certificate is checked against: the chain's genesis hash (every
/// signature is bound to it) and the current validators' `conc` keys.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ValidatorSet {
    /// The chain's genesis hash.
    pub genesis: Hash32,
    /// The current validators' attestation keys.
    pub validators: Vec<ValidatorKey>,
}

impl ValidatorSet {
    /// The quorum a topic needs with this set: its explicit quorum, or more than two
    /// thirds (the chain's rule, [`concerto_primitives::effective_quorum`]).
    pub fn quorum(&self, explicit: Option<u32>) -> u32 {
        concerto_primitives::effective_quorum(explicit, self.validators.len() as u32)
    }
}

/// Why a certificate is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// A signer is not in the validator set.
    #[error("signer {0:02x?} is not a current validator")]
    NotValidator(ValidatorKey),
    /// A signature does not verify over the certificate's result.
    #[error("the signature of validator {0:02x?} does not verify over this result")]
    BadSignature(ValidatorKey),
    /// A validator appears twice.
    #[error("validator {0:02x?} signed the certificate twice")]
    DuplicateSigner(ValidatorKey),
    /// Fewer distinct validators signed than the quorum.
    #[error("{signers} validators signed, the quorum is {quorum}")]
    BelowQuorum {
        /// Distinct valid signers.
        signers: u32,
        /// The quorum required.
        quorum: u32,
    },
}

/// Checks a certificate against the validator set and the topic's quorum (as
/// [`ValidatorSet::quorum`] or the chain's `concerto_topic` gives it): every signer is a
/// distinct current validator, every signature verifies over the attestation it makes
/// with the certificate's result, and there are at least `quorum` of them (at least one).
pub fn verify_certificate(
    certificate: &Certificate,
    set: &ValidatorSet,
    quorum: u32,
) -> Result<(), CertificateError> {
    let mut seen: Vec<ValidatorKey> = Vec::with_capacity(certificate.signatures.len());
    for (validator, signature) in &certificate.signatures {
        if !set.validators.contains(validator) {
            return Err(CertificateError::NotValidator(*validator));
        }
        if seen.contains(validator) {
            return Err(CertificateError::DuplicateSigner(*validator));
        }
        let message = certificate
            .attestation_of(*validator)
            .signing_message(&set.genesis);
        if !sr25519_verify(validator, &message, signature) {
            return Err(CertificateError::BadSignature(*validator));
        }
        seen.push(*validator);
    }
    let signers = seen.len() as u32;
    let quorum = quorum.max(1);
    if signers < quorum {
        return Err(CertificateError::BelowQuorum { signers, quorum });
    }
    Ok(())
}

/// sr25519 verification as `sp_core::sr25519::Pair::verify` does it.
fn sr25519_verify(key: &ValidatorKey, message: &[u8], signature: &Signature) -> bool {
    let (Ok(key), Ok(signature)) = (
        schnorrkel::PublicKey::from_bytes(key),
        schnorrkel::Signature::from_bytes(signature),
    ) else {
        return false;
    };
    key.verify_simple(SIGNING_CONTEXT, message, &signature)
        .is_ok()
}
