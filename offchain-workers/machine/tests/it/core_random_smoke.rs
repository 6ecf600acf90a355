//! Random instruction words must never panic the interpreter (a quick smoke test; the
//! cargo-fuzz target lives elsewhere).
#![allow(missing_docs)]

use crate::core_util::RAM;
use concerto_machine::constants::reg;
use concerto_machine::{Machine, MachineConfig};

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

#[test]
fn random_words_never_panic() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..300 {
        let mut img = vec![0u8; 0x2000];
        for chunk in img.chunks_mut(8) {
            chunk.copy_from_slice(&xorshift(&mut seed).to_le_bytes());
        }
        // Bias towards valid opcodes: force the low 2 bits of some words to 11.
        if round % 2 == 0 {
            for w in img.chunks_mut(4) {
                w[0] |= 3;
            }
        }
        let mut cfg = MachineConfig::new(0x1_0000);
        cfg.ram_image = Some(img);
        let mut m = Machine::new(cfg).unwrap();
        m.write_reg(reg::MTVEC, RAM + 0x100).unwrap();
        m.write_reg(
            reg::SATP,
            if round % 3 == 0 {
                (8 << 60) | 0x80001
            } else {
                0
            },
        )
        .unwrap();
        let _ = m.run(20_000).unwrap();
        let _ = m.root_hash();
        let mut c = m.clone();
        let _ = c.run(40_000).unwrap();
    }
}
