//! Integer arithmetic: RV64I OP/OP-IMM/OP-32/OP-IMM-32 and the M extension.
//!
//! Each helper returns the value for rd, or `None` for an illegal encoding.

use super::decode::{funct3, funct7, imm_i};

/// OP-IMM (opcode 0x13).
#[inline(always)]
pub(crate) fn op_imm(insn: u32, a: u64) -> Option<u64> {
    let imm = imm_i(insn);
    let shamt = (insn >> 20) & 63;
    Some(match funct3(insn) {
        0 => a.wrapping_add(imm),
        1 if insn >> 26 == 0 => a << shamt,
        2 => ((a as i64) < (imm as i64)) as u64,
        3 => (a < imm) as u64,
        4 => a ^ imm,
        5 if insn >> 26 == 0 => a >> shamt,
        5 if insn >> 26 == 0x10 => ((a as i64) >> shamt) as u64,
        6 => a | imm,
        7 => a & imm,
        _ => return None,
    })
}

/// OP-IMM-32 (opcode 0x1B).
#[inline(always)]
pub(crate) fn op_imm32(insn: u32, a: u64) -> Option<u64> {
    let shamt = (insn >> 20) & 31;
    let r = match (funct3(insn), funct7(insn)) {
        (0, _) => (a as i32).wrapping_add(imm_i(insn) as i32),
        (1, 0) => (a as i32) << shamt,
        (5, 0) => ((a as u32) >> shamt) as i32,
        (5, 0x20) => (a as i32) >> shamt,
        _ => return None,
    };
    Some(r as i64 as u64)
}

/// OP (opcode 0x33), including M.
#[inline(always)]
pub(crate) fn op(insn: u32, a: u64, b: u64) -> Option<u64> {
    let sh = (b & 63) as u32;
    Some(match (funct7(insn), funct3(insn)) {
        (0, 0) => a.wrapping_add(b),
        (0x20, 0) => a.wrapping_sub(b),
        (0, 1) => a << sh,
        (0, 2) => ((a as i64) < (b as i64)) as u64,
        (0, 3) => (a < b) as u64,
        (0, 4) => a ^ b,
        (0, 5) => a >> sh,
        (0x20, 5) => ((a as i64) >> sh) as u64,
        (0, 6) => a | b,
        (0, 7) => a & b,
        (1, f3) => muldiv(f3, a, b),
        _ => return None,
    })
}

#[inline(always)]
fn muldiv(f3: u32, a: u64, b: u64) -> u64 {
    match f3 {
        0 => a.wrapping_mul(b),
        1 => (((a as i64 as i128) * (b as i64 as i128)) >> 64) as u64,
        2 => (((a as i64 as i128) * (b as i128)) >> 64) as u64,
        3 => (((a as u128) * (b as u128)) >> 64) as u64,
        4 => {
            if b == 0 {
                u64::MAX
            } else {
                (a as i64).wrapping_div(b as i64) as u64
            }
        }
        5 => a.checked_div(b).unwrap_or(u64::MAX),
        6 => {
            if b == 0 {
                a
            } else {
                (a as i64).wrapping_rem(b as i64) as u64
            }
        }
        _ => a.checked_rem(b).unwrap_or(a),
    }
}

/// OP-32 (opcode 0x3B), including M.
#[inline(always)]
pub(crate) fn op32(insn: u32, a: u64, b: u64) -> Option<u64> {
    let (x, y) = (a as i32, b as i32);
    let sh = (b & 31) as u32;
    let r: i32 = match (funct7(insn), funct3(insn)) {
        (0, 0) => x.wrapping_add(y),
        (0x20, 0) => x.wrapping_sub(y),
        (0, 1) => x << sh,
        (0, 5) => ((x as u32) >> sh) as i32,
        (0x20, 5) => x >> sh,
        (1, 0) => x.wrapping_mul(y),
        (1, 4) => {
            if y == 0 {
                -1
            } else {
                x.wrapping_div(y)
            }
        }
        (1, 5) => (x as u32).checked_div(y as u32).unwrap_or(u32::MAX) as i32,
        (1, 6) => {
            if y == 0 {
                x
            } else {
                x.wrapping_rem(y)
            }
        }
        (1, 7) => (x as u32).checked_rem(y as u32).unwrap_or(x as u32) as i32,
        _ => return None,
    };
    Some(r as i64 as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(f7: u32, f3: u32, op_: u32) -> u32 {
        (f7 << 25) | (2 << 20) | (1 << 15) | (f3 << 12) | (3 << 7) | op_
    }

    #[test]
    fn division_corner_cases() {
        let min = i64::MIN as u64;
        assert_eq!(op(r(1, 4, 0x33), 5, 0), Some(u64::MAX));
        assert_eq!(op(r(1, 4, 0x33), min, u64::MAX), Some(min));
        assert_eq!(op(r(1, 6, 0x33), min, u64::MAX), Some(0));
        assert_eq!(op(r(1, 7, 0x33), 7, 0), Some(7));
        assert_eq!(op32(r(1, 5, 0x3B), 7, 0), Some(u64::MAX));
        assert_eq!(
            op32(r(1, 7, 0x3B), 0x8000_0000, 0),
            Some(0xFFFF_FFFF_8000_0000)
        );
        assert_eq!(
            op32(r(1, 4, 0x3B), 0x8000_0000, u64::MAX),
            Some(0xFFFF_FFFF_8000_0000)
        );
    }

    #[test]
    fn mulh_variants() {
        assert_eq!(op(r(1, 1, 0x33), u64::MAX, u64::MAX), Some(0));
        assert_eq!(op(r(1, 2, 0x33), u64::MAX, u64::MAX), Some(u64::MAX));
        assert_eq!(op(r(1, 3, 0x33), u64::MAX, u64::MAX), Some(u64::MAX - 1));
    }
}
