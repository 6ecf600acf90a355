//! # concerto-primitives
//!
//! The byte formats shared by the Concerto node and the machine templates it runs.
//! Everything is SCALE-encoded (`parity-scale-codec`), `no_std` + `alloc`, and free of
//! Substrate so the RISC-V guests can depend on it.
//!
//! ## What a template receives
//! For every sealed batch of a topic the node feeds the template, one CMIO input each
//! (advance-state requests, in this order):
//! 1. [`Input::Header`] with the [`BatchHeader`] (topic, batch number, window, and the
//!    topic's template configuration bytes);
//! 2. one [`Input::Event`] per event of the window, in chain order, each an
//!    [`EventEnvelope`] (stream, publisher, sequence, block, payload);
//! 3. [`Input::End`], closing the batch: aggregating templates emit their per-batch
//!    outputs here.
//!
//! Template-specific payloads and outputs live in [`eth`] (Ethereum event verifier) and
//! [`price`] (median price aggregator).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};

pub mod eth;
pub mod price;

pub use codec;

/// A publisher's account key (an sr25519/ed25519 public key, or an account id).
pub type PublisherKey = [u8; 32];

/// One event of a stream, as the chain ordered it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EventEnvelope {
    /// The stream the event was published on.
    pub stream_id: u32,
    /// The publisher that signed it (checked by the chain against the stream's keys).
    pub publisher: PublisherKey,
    /// The publisher's sequence number on this stream (strictly increasing).
    pub sequence: u64,
    /// The Concerto block that included the event.
    pub block_number: u32,
    /// The opaque payload; its format is the template's business.
    pub payload: Vec<u8>,
}

/// Given once per batch, before its events.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchHeader {
    /// The topic the batch belongs to.
    pub topic_id: u32,
    /// Batch number within the topic (0, 1, 2, ...).
    pub batch_number: u64,
    /// The batching window: first and last Concerto block (inclusive).
    pub window: (u32, u32),
    /// The template's configuration input, fixed per topic (e.g. the SCALE encoding of
    /// [`eth::VerifierConfig`] or [`price::MedianConfig`]).
    pub config: Vec<u8>,
}

/// One CMIO input given to a template (the SCALE encoding is the rx payload).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Input {
    /// A batch starts.
    #[codec(index = 0)]
    Header(BatchHeader),
    /// One event of the current batch.
    #[codec(index = 1)]
    Event(EventEnvelope),
    /// The current batch is complete.
    #[codec(index = 2)]
    End {
        /// The batch that ends (the same as the last header's).
        batch_number: u64,
    },
}

impl Input {
    /// SCALE-encodes the input (what the node writes into the rx buffer).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decodes an rx payload; the whole buffer must be consumed.
    pub fn from_bytes(mut bytes: &[u8]) -> Result<Input, codec::Error> {
        let input = Input::decode(&mut bytes)?;
        if !bytes.is_empty() {
            return Err("trailing bytes after input".into());
        }
        Ok(input)
    }
}

/// Decodes a whole SCALE value from `bytes`, refusing trailing bytes.
pub fn decode_all<T: Decode>(mut bytes: &[u8]) -> Result<T, codec::Error> {
    let value = T::decode(&mut bytes)?;
    if !bytes.is_empty() {
        return Err("trailing bytes".into());
    }
    Ok(value)
}

/// Prefix of the offchain-storage key (PERSISTENT kind) under which the chain indexes an
/// event's SCALE-encoded [`EventEnvelope`]; the key is this prefix followed by the 32-byte
/// event hash, BLAKE2b-256 of the envelope (so the key is fork-safe: same key, same
/// content).
pub const EVENT_OFFCHAIN_PREFIX: &[u8] = b"concerto/event/";

/// A sealed batch's commitment: the hash chain over its event hashes in block order,
/// `c₀ = [0; 32]`, `cᵢ = H(cᵢ₋₁ ‖ hᵢ)` with `H` = BLAKE2b-256. The chain stores it in the
/// batch record and every validator recomputes it from the envelopes it holds; the
/// hasher is a parameter so the runtime uses its host function and the node its own.
pub fn batch_commitment<'a>(
    event_hashes: impl IntoIterator<Item = &'a [u8; 32]>,
    blake2_256: impl Fn(&[u8]) -> [u8; 32],
) -> [u8; 32] {
    event_hashes.into_iter().fold([0u8; 32], |c, h| {
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(&c);
        buf[32..].copy_from_slice(h);
        blake2_256(&buf)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn event() -> EventEnvelope {
        EventEnvelope {
            stream_id: 7,
            publisher: [3; 32],
            sequence: 9,
            block_number: 100,
            payload: vec![1, 2, 3],
        }
    }

    #[test]
    fn input_round_trips() {
        let inputs = [
            Input::Header(BatchHeader {
                topic_id: 1,
                batch_number: 2,
                window: (10, 19),
                config: vec![5],
            }),
            Input::Event(event()),
            Input::End { batch_number: 2 },
        ];
        for input in inputs {
            assert_eq!(Input::from_bytes(&input.to_bytes()).unwrap(), input);
        }
    }

    #[test]
    fn envelope_layout_is_stable() {
        // u32 LE, 32-byte key, u64 LE, u32 LE, compact length + bytes; variant index 1 first.
        let bytes = Input::Event(event()).to_bytes();
        assert_eq!(bytes[0], 1);
        assert_eq!(&bytes[1..5], &7u32.to_le_bytes());
        assert_eq!(&bytes[5..37], &[3; 32]);
        assert_eq!(&bytes[37..45], &9u64.to_le_bytes());
        assert_eq!(&bytes[45..49], &100u32.to_le_bytes());
        assert_eq!(&bytes[49..], &[12, 1, 2, 3]);
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = Input::End { batch_number: 1 }.to_bytes();
        bytes.push(0);
        assert!(Input::from_bytes(&bytes).is_err());
        assert!(decode_all::<u32>(&[1, 0, 0, 0, 0]).is_err());
    }
}
