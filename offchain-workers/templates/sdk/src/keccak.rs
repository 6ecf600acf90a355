//! Keccak-256 (the original Keccak padding `0x01 … 0x80`, as Ethereum uses it): thin
//! wrappers so templates need not depend on the hashing crates themselves.
//! [`keccak256`] and [`keccak256_pair`] are `concerto-outputs-tree`'s (the `tiny-keccak`
//! permutation under a sponge that absorbs whole lanes, the cheapest in the guest);
//! [`Keccak256`] is `tiny-keccak`'s incremental hasher and [`keccak_f1600`] its
//! permutation.

pub use concerto_outputs_tree::{keccak256, keccak256_pair};

/// The Keccak-f\[1600\] permutation on 25 lanes (lane (x, y) at index x + 5y).
pub fn keccak_f1600(state: &mut [u64; 25]) {
    tiny_keccak::keccakf(state);
}

/// Incremental Keccak-256.
#[derive(Clone)]
pub struct Keccak256(tiny_keccak::Keccak);

impl core::fmt::Debug for Keccak256 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // tiny-keccak's state has no `Debug`; the sponge's bytes are not worth printing.
        f.write_str("Keccak256 { .. }")
    }
}

impl Default for Keccak256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Keccak256 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Keccak256(tiny_keccak::Keccak::v256())
    }

    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        tiny_keccak::Hasher::update(&mut self.0, data);
    }

    /// Pads and returns the 32-byte digest.
    pub fn finalize(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        tiny_keccak::Hasher::finalize(self.0, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use hex::encode as hex;

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(
            hex(keccak256(b"hello")),
            "1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8"
        );
        // Every length around the rate boundary agrees with one-shot vs split absorption.
        let data: alloc::vec::Vec<u8> = (0..600u32).map(|i| (i * 7) as u8).collect();
        for n in [135, 136, 137, 271, 272, 273, 600] {
            let mut h = Keccak256::new();
            h.update(&data[..n / 3]);
            h.update(&data[n / 3..n]);
            assert_eq!(h.finalize(), keccak256(&data[..n]));
        }
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(keccak256_pair(&a, &b), keccak256(&[a, b].concat()));
    }
}
