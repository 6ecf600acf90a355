//! Publisher keys and signed events, as pallet-topics checks them.

use crate::Error;
use pallet_topics::{event_signing_payload, PublisherKey, PublisherSignature};
use polkadot_sdk::{
    sp_core::{ecdsa, ed25519, sr25519, Get, Pair, H256},
    sp_io::{crypto::secp256k1_ecdsa_recover, hashing::keccak_256},
    sp_runtime::BoundedVec,
};

/// The chain's signed event type.
pub type SignedEvent =
    pallet_topics::SignedEvent<<concerto_runtime::Runtime as pallet_topics::Config>::MaxPayloadLen>;

/// A publisher key scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// sr25519 (the message is signed as it is).
    Sr25519,
    /// ed25519 (the message is signed as it is).
    Ed25519,
    /// secp256k1 with an Ethereum address (keccak-256 of the message is signed).
    Ethereum,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Sr25519 => "sr25519",
            Scheme::Ed25519 => "ed25519",
            Scheme::Ethereum => "Ethereum",
        }
    }
}

/// A publisher's key pair.
#[derive(Clone)]
pub enum PublisherPair {
    /// sr25519.
    Sr25519(Box<sr25519::Pair>),
    /// ed25519.
    Ed25519(Box<ed25519::Pair>),
    /// secp256k1, published under its Ethereum address.
    Ethereum(Box<ecdsa::Pair>, [u8; 20]),
}

impl std::fmt::Debug for PublisherPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublisherPair({:?})", self.key())
    }
}

impl PublisherPair {
    /// A pair from a secret URI (`//Name`, a mnemonic, or a hex seed).
    pub fn from_uri(scheme: Scheme, uri: &str) -> Result<PublisherPair, Error> {
        let bad = |e: polkadot_sdk::sp_core::crypto::SecretStringError| Error::Key {
            scheme: scheme.name(),
            reason: format!("{e:?}"),
        };
        Ok(match scheme {
            Scheme::Sr25519 => PublisherPair::Sr25519(Box::new(
                sr25519::Pair::from_string(uri, None).map_err(bad)?,
            )),
            Scheme::Ed25519 => PublisherPair::Ed25519(Box::new(
                ed25519::Pair::from_string(uri, None).map_err(bad)?,
            )),
            Scheme::Ethereum => {
                let pair = ecdsa::Pair::from_string(uri, None).map_err(bad)?;
                // The address is keccak-256 of the uncompressed key, last 20 bytes; the key
                // is recovered from a signature, as the chain recovers it.
                let digest = [0u8; 32];
                let full = secp256k1_ecdsa_recover(&pair.sign_prehashed(&digest).0, &digest)
                    .map_err(|_| Error::Key {
                        scheme: scheme.name(),
                        reason: "its own signature does not recover its key".into(),
                    })?;
                let mut address = [0u8; 20];
                address.copy_from_slice(&keccak_256(&full)[12..]);
                PublisherPair::Ethereum(Box::new(pair), address)
            }
        })
    }

    /// The key as streams list it (`topics.add_publisher`): the public key, or the
    /// Ethereum address (keccak-256 of the uncompressed public key, last 20 bytes).
    pub fn key(&self) -> PublisherKey {
        match self {
            PublisherPair::Sr25519(p) => PublisherKey::Sr25519(p.public().0),
            PublisherPair::Ed25519(p) => PublisherKey::Ed25519(p.public().0),
            PublisherPair::Ethereum(_, address) => PublisherKey::Ethereum(*address),
        }
    }

    /// The signature of `message` as the chain checks it.
    pub fn sign(&self, message: &[u8]) -> PublisherSignature {
        match self {
            PublisherPair::Sr25519(p) => PublisherSignature::Sr25519(p.sign(message).0),
            PublisherPair::Ed25519(p) => PublisherSignature::Ed25519(p.sign(message).0),
            PublisherPair::Ethereum(p, _) => {
                PublisherSignature::Ethereum(p.sign_prehashed(&keccak_256(message)).0)
            }
        }
    }
}

/// Signs an event on `stream` with `sequence` for the chain of `genesis`: the signature
/// over SCALE `("concerto/event/v1", genesis, stream, key, sequence, blake2_256(payload))`.
pub fn sign_event(
    genesis: H256,
    pair: &PublisherPair,
    stream: u32,
    sequence: u64,
    payload: Vec<u8>,
) -> Result<SignedEvent, Error> {
    let len = payload.len();
    let max =
        <<concerto_runtime::Runtime as pallet_topics::Config>::MaxPayloadLen as Get<u32>>::get();
    let payload: BoundedVec<u8, _> = payload
        .try_into()
        .map_err(|_| Error::PayloadTooLong { len, max })?;
    let publisher = pair.key();
    let message = event_signing_payload(&genesis, stream, &publisher, sequence, &payload);
    Ok(SignedEvent {
        stream,
        publisher,
        sequence,
        payload,
        signature: pair.sign(&message),
    })
}
