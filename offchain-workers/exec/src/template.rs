//! Template ELF bytes and their content hash.

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use concerto_primitives::Hash32;

/// BLAKE2b with a 256-bit digest: Substrate's `blake2_256`, `b2sum -l 256`, the hash the
/// chain names templates, events and outputs payloads by.
pub fn blake2_256(bytes: &[u8]) -> Hash32 {
    let mut hasher = Blake2b::<U32>::new();
    hasher.update(bytes);
    hasher.finalize().into()
}

/// Template ELF bytes together with their BLAKE2b-256 content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    hash: Hash32,
    elf: Vec<u8>,
}

impl Template {
    /// Wraps ELF bytes, hashing them.
    pub fn new(elf: Vec<u8>) -> Template {
        Template {
            hash: blake2_256(&elf),
            elf,
        }
    }

    /// The BLAKE2b-256 content hash.
    pub fn hash(&self) -> Hash32 {
        self.hash
    }

    /// The ELF bytes.
    pub fn elf(&self) -> &[u8] {
        &self.elf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake2_256_matches_b2sum() {
        // `printf abc | b2sum -l 256`
        assert_eq!(
            blake2_256(b"abc"),
            [
                0xbd, 0xdd, 0x81, 0x3c, 0x63, 0x42, 0x39, 0x72, 0x31, 0x71, 0xef, 0x3f, 0xee, 0x98,
                0x57, 0x9b, 0x94, 0x96, 0x4e, 0x3b, 0xb1, 0xcb, 0x3e, 0x42, 0x72, 0x62, 0xc8, 0xc0,
                0x68, 0xd5, 0x23, 0x19
            ]
        );
    }
}
