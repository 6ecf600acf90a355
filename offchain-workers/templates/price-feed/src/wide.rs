//! Exact integer arithmetic for weighted means of `u128` prices: a 192-bit accumulator of
//! `price × weight` products (weights are `u64`), divided back by a `u64`. No floating
//! point, no rounding but the final floor, and no overflow for any `u128` price.

/// An unsigned 192-bit integer, three 64-bit limbs, least significant first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct U192([u64; 3]);

impl U192 {
    /// Zero.
    pub const ZERO: U192 = U192([0; 3]);

    /// `x × y`, exact (at most 192 bits).
    pub fn mul(x: u128, y: u64) -> U192 {
        let y = u128::from(y);
        let lo = (x as u64 as u128) * y;
        let hi = (x >> 64) * y;
        let mid = (lo >> 64) + (hi as u64 as u128);
        U192([lo as u64, mid as u64, ((mid >> 64) + (hi >> 64)) as u64])
    }

    /// `self + other`, or `None` past 2^192.
    pub fn checked_add(self, other: U192) -> Option<U192> {
        let mut out = [0u64; 3];
        let mut carry = 0u128;
        for (i, limb) in out.iter_mut().enumerate() {
            let sum = u128::from(self.0[i]) + u128::from(other.0[i]) + carry;
            *limb = sum as u64;
            carry = sum >> 64;
        }
        (carry == 0).then_some(U192(out))
    }

    /// `floor(self / d)` when it fits in a `u128` and `d` is not zero.
    pub fn checked_div(self, d: u64) -> Option<u128> {
        if d == 0 {
            return None;
        }
        let d = u128::from(d);
        let mut quotient = [0u64; 3];
        let mut rem = 0u128;
        for i in (0..3).rev() {
            // rem < d < 2^64, so the running value fits in 128 bits.
            let cur = (rem << 64) | u128::from(self.0[i]);
            quotient[i] = (cur / d) as u64;
            rem = cur % d;
        }
        (quotient[2] == 0).then(|| (u128::from(quotient[1]) << 64) | u128::from(quotient[0]))
    }
}

/// `floor(x × num / den)` for `num ≤ den`, exact (the result never exceeds `x`). `None`
/// when `den` is zero or `num > den`.
pub fn scale(x: u128, num: u64, den: u64) -> Option<u128> {
    if num > den {
        return None;
    }
    U192::mul(x, num).checked_div(den)
}

/// The mean of `values` weighted by their `u64` weights, rounded down. `None` when the
/// weights sum to zero (or past 2^64).
pub fn weighted_mean(values: impl IntoIterator<Item = (u128, u64)>) -> Option<u128> {
    let mut sum = U192::ZERO;
    let mut weights = 0u64;
    for (value, weight) in values {
        sum = sum.checked_add(U192::mul(value, weight))?;
        weights = weights.checked_add(weight)?;
    }
    sum.checked_div(weights)
}
