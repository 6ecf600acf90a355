//! RV64C: expansion of 16-bit instructions into their 32-bit equivalents
//! (docs/cartesi-v0.19.md §7.9).
//!
//! Reserved encodings and every floating-point form return `None` (illegal instruction,
//! tval = the 16-bit value). Hints expand to instructions writing x0 (no-ops).

const fn r_type(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}

const fn i_type(imm: i32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    (((imm as u32) & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}

const fn s_type(imm: i32, rs2: u32, rs1: u32, f3: u32, op: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | op
}

const fn b_type(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 12) & 1) << 31)
        | (((imm >> 5) & 0x3F) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | (((imm >> 1) & 0xF) << 8)
        | (((imm >> 11) & 1) << 7)
        | 0x63
}

const fn j_type(imm: i32, rd: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3FF) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xFF) << 12)
        | (rd << 7)
        | 0x6F
}

#[inline(always)]
const fn bit(c: u32, b: u32) -> u32 {
    (c >> b) & 1
}

#[inline(always)]
const fn bits(c: u32, hi: u32, lo: u32) -> u32 {
    (c >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Sign-extends the low `n` bits of `v`.
#[inline(always)]
const fn sext(v: u32, n: u32) -> i32 {
    ((v << (32 - n)) as i32) >> (32 - n)
}

/// Expands a 16-bit instruction; `None` = illegal.
pub(crate) const fn expand(c16: u16) -> Option<u32> {
    let c = c16 as u32;
    let f3 = c >> 13;
    let rdp = bits(c, 4, 2) + 8;
    let rs1p = bits(c, 9, 7) + 8;
    let rd = bits(c, 11, 7);
    let rs2 = bits(c, 6, 2);
    let imm6 = sext((bit(c, 12) << 5) | bits(c, 6, 2), 6);
    match (c & 3, f3) {
        (0, 0) => {
            let imm = (bits(c, 12, 11) << 4)
                | (bits(c, 10, 7) << 6)
                | (bit(c, 6) << 2)
                | (bit(c, 5) << 3);
            if imm == 0 {
                return None;
            }
            Some(i_type(imm as i32, 2, 0, rdp, 0x13))
        }
        (0, 2) => {
            let imm = (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
            Some(i_type(imm as i32, rs1p, 2, rdp, 0x03))
        }
        (0, 3) => {
            let imm = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
            Some(i_type(imm as i32, rs1p, 3, rdp, 0x03))
        }
        (0, 6) => {
            let imm = (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
            Some(s_type(imm as i32, rdp, rs1p, 2, 0x23))
        }
        (0, 7) => {
            let imm = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
            Some(s_type(imm as i32, rdp, rs1p, 3, 0x23))
        }
        (1, 0) => Some(i_type(imm6, rd, 0, rd, 0x13)),
        (1, 1) => {
            if rd == 0 {
                return None;
            }
            Some(i_type(imm6, rd, 0, rd, 0x1B))
        }
        (1, 2) => Some(i_type(imm6, 0, 0, rd, 0x13)),
        (1, 3) => {
            if rd == 2 {
                let imm = (bit(c, 12) << 9)
                    | (bit(c, 6) << 4)
                    | (bit(c, 5) << 6)
                    | (bits(c, 4, 3) << 7)
                    | (bit(c, 2) << 5);
                if imm == 0 {
                    return None;
                }
                Some(i_type(sext(imm, 10), 2, 0, 2, 0x13))
            } else {
                if imm6 == 0 {
                    return None;
                }
                Some(((imm6 as u32) << 12) | (rd << 7) | 0x37)
            }
        }
        (1, 4) => {
            let shamt = (bit(c, 12) << 5) | bits(c, 6, 2);
            match bits(c, 11, 10) {
                0 => Some(i_type(shamt as i32, rs1p, 5, rs1p, 0x13)),
                1 => Some(i_type((0x400 | shamt) as i32, rs1p, 5, rs1p, 0x13)),
                2 => Some(i_type(imm6, rs1p, 7, rs1p, 0x13)),
                _ => {
                    let rs2p = rdp;
                    match (bit(c, 12), bits(c, 6, 5)) {
                        (0, 0) => Some(r_type(0x20, rs2p, rs1p, 0, rs1p, 0x33)),
                        (0, 1) => Some(r_type(0, rs2p, rs1p, 4, rs1p, 0x33)),
                        (0, 2) => Some(r_type(0, rs2p, rs1p, 6, rs1p, 0x33)),
                        (0, 3) => Some(r_type(0, rs2p, rs1p, 7, rs1p, 0x33)),
                        (1, 0) => Some(r_type(0x20, rs2p, rs1p, 0, rs1p, 0x3B)),
                        (1, 1) => Some(r_type(0, rs2p, rs1p, 0, rs1p, 0x3B)),
                        _ => None,
                    }
                }
            }
        }
        (1, 5) => {
            let imm = (bit(c, 12) << 11)
                | (bit(c, 11) << 4)
                | (bits(c, 10, 9) << 8)
                | (bit(c, 8) << 10)
                | (bit(c, 7) << 6)
                | (bit(c, 6) << 7)
                | (bits(c, 5, 3) << 1)
                | (bit(c, 2) << 5);
            Some(j_type(sext(imm, 12), 0))
        }
        (1, 6) | (1, 7) => {
            let imm = (bit(c, 12) << 8)
                | (bits(c, 11, 10) << 3)
                | (bits(c, 6, 5) << 6)
                | (bits(c, 4, 3) << 1)
                | (bit(c, 2) << 5);
            Some(b_type(sext(imm, 9), 0, rs1p, f3 - 6))
        }
        (2, 0) => {
            let shamt = (bit(c, 12) << 5) | bits(c, 6, 2);
            Some(i_type(shamt as i32, rd, 1, rd, 0x13))
        }
        (2, 2) => {
            if rd == 0 {
                return None;
            }
            let imm = (bit(c, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
            Some(i_type(imm as i32, 2, 2, rd, 0x03))
        }
        (2, 3) => {
            if rd == 0 {
                return None;
            }
            let imm = (bit(c, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6);
            Some(i_type(imm as i32, 2, 3, rd, 0x03))
        }
        (2, 4) => match (bit(c, 12), rd, rs2) {
            (0, 0, 0) => None,
            (0, _, 0) => Some(i_type(0, rd, 0, 0, 0x67)),
            (0, _, _) => Some(r_type(0, rs2, 0, 0, rd, 0x33)),
            (_, 0, 0) => Some(0x0010_0073),
            (_, _, 0) => Some(i_type(0, rd, 0, 1, 0x67)),
            _ => Some(r_type(0, rs2, rd, 0, rd, 0x33)),
        },
        (2, 6) => {
            let imm = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
            Some(s_type(imm as i32, rs2, 2, 2, 0x23))
        }
        (2, 7) => {
            let imm = (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6);
            Some(s_type(imm as i32, rs2, 2, 3, 0x23))
        }
        _ => None,
    }
}

/// Expansion of every 16-bit value, built at compile time (0 = illegal: every valid
/// expansion has its low two bits set). Entries of quadrant 3 are never used.
#[allow(long_running_const_eval)]
static TABLE: [u32; 1 << 16] = build_table();

const fn build_table() -> [u32; 1 << 16] {
    let mut t = [0u32; 1 << 16];
    let mut i = 0;
    while i < t.len() {
        if i & 3 != 3 {
            t[i] = match expand(i as u16) {
                Some(v) => v,
                None => 0,
            };
        }
        i += 1;
    }
    t
}

/// [`expand`] through the precomputed table (same results).
#[inline(always)]
pub(crate) fn expand_fast(c16: u16) -> Option<u32> {
    match TABLE[c16 as usize] {
        0 => None,
        v => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::{expand, expand_fast};

    #[test]
    fn table_matches_expand() {
        for c in 0..=u16::MAX {
            if c & 3 != 3 {
                assert_eq!(expand_fast(c), expand(c), "{c:#06x}");
            }
        }
    }

    #[test]
    fn known_expansions() {
        // c.li a0, 1 (0x4505) -> addi a0, x0, 1
        assert_eq!(expand(0x4505), Some(0x0010_0513));
        // c.addi sp, -16 (0x1141) -> addi sp, sp, -16
        assert_eq!(expand(0x1141), Some(0xFF01_0113));
        // c.j . (0xA001) -> jal x0, 0
        assert_eq!(expand(0xA001), Some(0x0000_006F));
        // c.ebreak
        assert_eq!(expand(0x9002), Some(0x0010_0073));
        // c.sd a0, 8(a1) (0xE588) -> sd a0, 8(a1)
        assert_eq!(expand(0xE588), Some(0x00A5_B423));
        // c.ld a0, 8(a1) (0x6588) -> ld a0, 8(a1)
        assert_eq!(expand(0x6588), Some(0x0085_B503));
        // c.addi16sp sp, -32 (0x7179 is addi16sp -48) -> addi sp, sp, -48
        assert_eq!(expand(0x7179), Some(0xFD01_0113));
        // c.beqz a0, +8 (0xC501) -> beq a0, x0, 8
        assert_eq!(expand(0xC501), Some(0x0005_0463));
        // reserved: all-zero, c.addi16sp 0, c.jr x0, c.lwsp x0
        assert_eq!(expand(0x0000), None);
        assert_eq!(expand(0x6101), None);
        assert_eq!(expand(0x8002), None);
        assert_eq!(expand(0x4002), None);
        // c.fld is illegal here
        assert_eq!(expand(0x2000 | 0x0400), None);
    }
}
