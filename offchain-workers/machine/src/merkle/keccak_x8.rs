//! Eight Keccak-256 single-block hashes at once with AVX-512 (x86-64 hosts, `std` only).
//!
//! Lane `i` of the Keccak state is one 512-bit register holding lane `i` of eight
//! independent states, so the permutation is the textbook θ/ρ/π/χ/ι on vectors: XOR3 and
//! χ are single `vpternlogq` instructions and the ρ rotations `vprolvq`. Integer-only,
//! hence bit-identical to the scalar path (checked by tests against it).
//!
//! Callers must check [`available`] before calling [`hash8`].

use core::arch::x86_64::{
    __m512i, _mm512_rolv_epi64, _mm512_set1_epi64, _mm512_set_epi64, _mm512_setzero_si512,
    _mm512_ternarylogic_epi64, _mm512_xor_si512,
};

use super::Hash;

/// ρ offsets indexed by lane `x + 5y`.
const RHO: [u64; 25] = [
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

/// Destination lane of π for source lane `x + 5y`: `y + 5 ((2x + 3y) mod 5)`.
const PI: [usize; 25] = {
    let mut table = [0usize; 25];
    let mut lane = 0;
    while lane < 25 {
        let (x, y) = (lane % 5, lane / 5);
        table[lane] = y + 5 * ((2 * x + 3 * y) % 5);
        lane += 1;
    }
    table
};

/// `vpternlogq` truth tables: `a ^ b ^ c` and χ's `a ^ (!b & c)`.
const XOR3: i32 = 0x96;
const CHI: i32 = 0xD2;

/// Whether the running CPU supports the AVX-512 path (cached by `std`).
#[inline]
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx512f")
}

/// Keccak-256 of eight messages of `words` 64-bit little-endian lanes each (`words` < 17):
/// `messages[j][..words]` is message `j`.
///
/// # Safety
/// The CPU must support AVX-512F ([`available`]).
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn hash8(messages: &[[u64; 8]; 8], words: usize) -> [Hash; 8] {
    let mut a = [_mm512_setzero_si512(); 25];
    for (lane, slot) in a.iter_mut().enumerate().take(words) {
        let m = |j: usize| messages[j][lane] as i64;
        *slot = _mm512_set_epi64(m(7), m(6), m(5), m(4), m(3), m(2), m(1), m(0));
    }
    a[words] = _mm512_xor_si512(a[words], _mm512_set1_epi64(0x01));
    a[16] = _mm512_xor_si512(a[16], _mm512_set1_epi64((0x80u64 << 56) as i64));
    permute(&mut a);
    let mut out = [[0u8; 32]; 8];
    for (lane, vector) in a.iter().take(4).enumerate() {
        // SAFETY: __m512i and [u64; 8] have the same size and every bit pattern is valid.
        let words: [u64; 8] = unsafe { core::mem::transmute::<__m512i, [u64; 8]>(*vector) };
        for (hash, word) in out.iter_mut().zip(words) {
            hash[lane * 8..lane * 8 + 8].copy_from_slice(&word.to_le_bytes());
        }
    }
    out
}

#[target_feature(enable = "avx512f")]
fn permute(a: &mut [__m512i; 25]) {
    let rho: [__m512i; 25] = core::array::from_fn(|lane| _mm512_set1_epi64(RHO[lane] as i64));
    let one = _mm512_set1_epi64(1);
    for &round_constant in &super::keccak::ROUND_CONSTANTS {
        // θ
        let c: [__m512i; 5] = core::array::from_fn(|x| {
            let c = _mm512_ternarylogic_epi64::<XOR3>(a[x], a[x + 5], a[x + 10]);
            _mm512_ternarylogic_epi64::<XOR3>(c, a[x + 15], a[x + 20])
        });
        for x in 0..5 {
            let d = _mm512_xor_si512(c[(x + 4) % 5], _mm512_rolv_epi64(c[(x + 1) % 5], one));
            for y in 0..5 {
                a[x + 5 * y] = _mm512_xor_si512(a[x + 5 * y], d);
            }
        }
        // ρ and π
        let mut b = [_mm512_setzero_si512(); 25];
        for lane in 0..25 {
            b[PI[lane]] = _mm512_rolv_epi64(a[lane], rho[lane]);
        }
        // χ
        for row in (0..25).step_by(5) {
            for x in 0..5 {
                a[row + x] = _mm512_ternarylogic_epi64::<CHI>(
                    b[row + x],
                    b[row + (x + 1) % 5],
                    b[row + (x + 2) % 5],
                );
            }
        }
        // ι
        a[0] = _mm512_xor_si512(a[0], _mm512_set1_epi64(round_constant as i64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::keccak256;

    #[test]
    fn eight_way_matches_scalar() {
        if !available() {
            return;
        }
        for words in [4usize, 8] {
            let messages: [[u64; 8]; 8] = core::array::from_fn(|j| {
                core::array::from_fn(|i| {
                    (j as u64 + 1)
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        .rotate_left(i as u32 * 7)
                })
            });
            // SAFETY: AVX-512F support was checked above.
            let hashes = unsafe { hash8(&messages, words) };
            for (message, hash) in messages.iter().zip(hashes) {
                let bytes: alloc::vec::Vec<u8> = message[..words]
                    .iter()
                    .flat_map(|w| w.to_le_bytes())
                    .collect();
                assert_eq!(hash, keccak256(&bytes));
            }
        }
    }
}
