//! Random instruction words through the interpreter (the cargo-fuzz target's body,
//! driven by proptest so it runs with `cargo test`): it must never panic.

use proptest::prelude::*;

use crate::fuzz_input;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_words_never_panic(data in proptest::collection::vec(any::<u8>(), 3..512)) {
        fuzz_input::run(&data);
    }

    /// Mostly valid encodings: random words with a real major opcode in the low bits.
    #[test]
    fn opcode_shaped_words_never_panic(
        words in proptest::collection::vec(any::<u32>(), 1..128),
        options in any::<u8>(),
    ) {
        const OPCODES: [u32; 12] = [0x03, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x2f, 0x33, 0x37, 0x3b, 0x63, 0x73];
        let mut data = vec![options, 0xff, 0x0f];
        for w in words {
            let op = OPCODES[(w % 12) as usize];
            data.extend_from_slice(&((w & !0x7f) | op).to_le_bytes());
        }
        fuzz_input::run(&data);
    }
}
