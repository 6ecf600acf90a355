//! The outputs payload an attestation carries for a batch.
//!
//! The payload is the SCALE encoding of the batch's outputs (`Vec<Vec<u8>>`, the outputs
//! of accepted inputs in order). Attestations carry it inline when it is short enough,
//! otherwise only its BLAKE2b-256 hash; both forms of the same outputs have the same
//! [`OutputsPayload::hash`], which is what validators agree on.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};

use crate::{verdict::Verdict, BatchNumber, Hash32};

/// A batch's outputs payload, inline or by hash. `B` is the byte container: `Vec<u8>` on
/// the host, a bounded vector on chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub enum OutputsPayload<B> {
    /// The outputs payload itself.
    #[codec(index = 0)]
    Inline(B),
    /// BLAKE2b-256 of the outputs payload.
    #[codec(index = 1)]
    Hash(Hash32),
}

impl<B: AsRef<[u8]>> OutputsPayload<B> {
    /// BLAKE2b-256 of the payload: the same for both forms of the same outputs.
    pub fn hash(&self, blake2_256: impl Fn(&[u8]) -> Hash32) -> Hash32 {
        match self {
            OutputsPayload::Inline(bytes) => blake2_256(bytes.as_ref()),
            OutputsPayload::Hash(hash) => *hash,
        }
    }
}

impl OutputsPayload<Vec<u8>> {
    /// The payload of `outputs`: inline when its encoding is at most `max_inline` bytes,
    /// otherwise its hash.
    pub fn of(
        outputs: &[Vec<u8>],
        max_inline: u32,
        blake2_256: impl Fn(&[u8]) -> Hash32,
    ) -> OutputsPayload<Vec<u8>> {
        let encoded = outputs.encode();
        if encoded.len() <= max_inline as usize {
            OutputsPayload::Inline(encoded)
        } else {
            OutputsPayload::Hash(blake2_256(&encoded))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fake_hash;
    use alloc::vec;

    #[test]
    fn both_forms_hash_alike() {
        let outputs = vec![vec![1u8, 2, 3], vec![4]];
        let inline = OutputsPayload::of(&outputs, 1024, fake_hash);
        let hashed = OutputsPayload::of(&outputs, 2, fake_hash);
        assert!(matches!(inline, OutputsPayload::Inline(_)));
        assert!(matches!(hashed, OutputsPayload::Hash(_)));
        assert_eq!(inline.hash(fake_hash), hashed.hash(fake_hash));
        assert_eq!(inline, OutputsPayload::Inline(outputs.encode()));
    }

    #[test]
    fn the_bound_is_inclusive() {
        let outputs = vec![vec![7u8; 10]];
        let len = outputs.encode().len() as u32;
        assert!(matches!(
            OutputsPayload::of(&outputs, len, fake_hash),
            OutputsPayload::Inline(_)
        ));
        assert!(matches!(
            OutputsPayload::of(&outputs, len - 1, fake_hash),
            OutputsPayload::Hash(_)
        ));
    }
}

/// A finalized output as readers get it: the runtime API (`TopicsApi_latest_outputs`),
/// the contracts chain extension and the node's RPC all serve this one type.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub struct OutputView<BlockNumber> {
    /// The batch.
    pub batch: BatchNumber,
    /// Machine root hash before the batch.
    pub start_root: Hash32,
    /// Outputs Merkle root.
    pub outputs_root: Hash32,
    /// Machine root hash after the batch.
    pub state_root: Hash32,
    /// BLAKE2b-256 of the outputs payload.
    pub outputs_hash: Hash32,
    /// The outputs payload (SCALE `Vec<Vec<u8>>`), if the attesters sent it inline.
    pub outputs: Option<Vec<u8>>,
    /// Cycles used.
    pub cycles: u64,
    /// Verdict.
    pub verdict: Verdict,
    /// Block of finalization.
    pub finalized_at: BlockNumber,
}

impl<BlockNumber> OutputView<BlockNumber> {
    /// The outputs, when inline and well-formed (`None` for an output served by hash).
    pub fn inline_outputs(&self) -> Option<Vec<Vec<u8>>> {
        let bytes = self.outputs.as_ref()?;
        codec::DecodeAll::decode_all(&mut &bytes[..]).ok()
    }
}
