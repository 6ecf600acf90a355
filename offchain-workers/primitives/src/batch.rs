//! The commitment a sealed batch carries.

use crate::Hash32;

/// A sealed batch's commitment: the hash chain over its event hashes in block order,
/// `c₀ = [0; 32]`, `cᵢ = H(cᵢ₋₁ ‖ hᵢ)` with `H` = BLAKE2b-256. The chain stores it in the
/// batch record and every validator recomputes it from the envelopes it holds; the
/// hasher is a parameter so the runtime uses its host function and the node its own.
pub fn batch_commitment<'a>(
    event_hashes: impl IntoIterator<Item = &'a Hash32>,
    blake2_256: impl Fn(&[u8]) -> Hash32,
) -> Hash32 {
    event_hashes.into_iter().fold([0u8; 32], |c, h| {
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(&c);
        buf[32..].copy_from_slice(h);
        blake2_256(&buf)
    })
}
