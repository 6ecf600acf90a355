//! Roots of empty subtrees of the outputs tree.

use crate::{Hash, HEIGHT};

/// `EMPTY_SUBTREES[k]`: root of an empty subtree of height `k`; `EMPTY_SUBTREES[0]` is
/// the empty leaf (32 zero bytes) and `EMPTY_SUBTREES[k + 1] = keccak256(E[k] ‖ E[k])`.
/// `EMPTY_SUBTREES[63]` is the root of the empty outputs tree.
///
/// Precomputed so that neither the host nor the guest hashes it at run time; the
/// crate's tests recompute every entry with Keccak-256.
pub const EMPTY_SUBTREES: [Hash; HEIGHT as usize + 1] = [
    hex("0000000000000000000000000000000000000000000000000000000000000000"), // 0
    hex("ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"), // 1
    hex("b4c11951957c6f8f642c4af61cd6b24640fec6dc7fc607ee8206a99e92410d30"), // 2
    hex("21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85"), // 3
    hex("e58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344"), // 4
    hex("0eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d"), // 5
    hex("887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968"), // 6
    hex("ffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83"), // 7
    hex("9867cc5f7f196b93bae1e27e6320742445d290f2263827498b54fec539f756af"), // 8
    hex("cefad4e508c098b9a7e1d8feb19955fb02ba9675585078710969d3440f5054e0"), // 9
    hex("f9dc3e7fe016e050eff260334f18a5d4fe391d82092319f5964f2e2eb7c1c3a5"), // 10
    hex("f8b13a49e282f609c317a833fb8d976d11517c571d1221a265d25af778ecf892"), // 11
    hex("3490c6ceeb450aecdc82e28293031d10c7d73bf85e57bf041a97360aa2c5d99c"), // 12
    hex("c1df82d9c4b87413eae2ef048f94b4d3554cea73d92b0f7af96e0271c691e2bb"), // 13
    hex("5c67add7c6caf302256adedf7ab114da0acfe870d449a3a489f781d659e8becc"), // 14
    hex("da7bce9f4e8618b6bd2f4132ce798cdc7a60e7e1460a7299e3c6342a579626d2"), // 15
    hex("2733e50f526ec2fa19a22b31e8ed50f23cd1fdf94c9154ed3a7609a2f1ff981f"), // 16
    hex("e1d3b5c807b281e4683cc6d6315cf95b9ade8641defcb32372f1c126e398ef7a"), // 17
    hex("5a2dce0a8a7f68bb74560f8f71837c2c2ebbcbf7fffb42ae1896f13f7c7479a0"), // 18
    hex("b46a28b6f55540f89444f63de0378e3d121be09e06cc9ded1c20e65876d36aa0"), // 19
    hex("c65e9645644786b620e2dd2ad648ddfcbf4a7e5b1a3a4ecfe7f64667a3f0b7e2"), // 20
    hex("f4418588ed35a2458cffeb39b93d26f18d2ab13bdce6aee58e7b99359ec2dfd9"), // 21
    hex("5a9c16dc00d6ef18b7933a6f8dc65ccb55667138776f7dea101070dc8796e377"), // 22
    hex("4df84f40ae0c8229d0d6069e5c8f39a7c299677a09d367fc7b05e3bc380ee652"), // 23
    hex("cdc72595f74c7b1043d0e1ffbab734648c838dfb0527d971b602bc216c9619ef"), // 24
    hex("0abf5ac974a1ed57f4050aa510dd9c74f508277b39d7973bb2dfccc5eeb0618d"), // 25
    hex("b8cd74046ff337f0a7bf2c8e03e10f642c1886798d71806ab1e888d9e5ee87d0"), // 26
    hex("838c5655cb21c6cb83313b5a631175dff4963772cce9108188b34ac87c81c41e"), // 27
    hex("662ee4dd2dd7b2bc707961b1e646c4047669dcb6584f0d8d770daf5d7e7deb2e"), // 28
    hex("388ab20e2573d171a88108e79d820e98f26c0b84aa8b2f4aa4968dbb818ea322"), // 29
    hex("93237c50ba75ee485f4c22adf2f741400bdf8d6a9cc7df7ecae576221665d735"), // 30
    hex("8448818bb4ae4562849e949e17ac16e0be16688e156b5cf15e098c627c0056a9"), // 31
    hex("27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757"), // 32
    hex("bf558bebd2ceec7f3c5dce04a4782f88c2c6036ae78ee206d0bc5289d20461a2"), // 33
    hex("e21908c2968c0699040a6fd866a577a99a9d2ec88745c815fd4a472c789244da"), // 34
    hex("ae824d72ddc272aab68a8c3022e36f10454437c1886f3ff9927b64f232df414f"), // 35
    hex("27e429a4bef3083bc31a671d046ea5c1f5b8c3094d72868d9dfdc12c7334ac5f"), // 36
    hex("743cc5c365a9a6a15c1f240ac25880c7a9d1de290696cb766074a1d83d927816"), // 37
    hex("4adcf616c3bfabf63999a01966c998b7bb572774035a63ead49da73b5987f347"), // 38
    hex("75786645d0c5dd7c04a2f8a75dcae085213652f5bce3ea8b9b9bedd1cab3c5e9"), // 39
    hex("b88b152c9b8a7b79637d35911848b0c41e7cc7cca2ab4fe9a15f9c38bb4bb939"), // 40
    hex("0c4e2d8ce834ffd7a6cd85d7113d4521abb857774845c4291e6f6d010d97e318"), // 41
    hex("5bc799d83e3bb31501b3da786680df30fbc18eb41cbce611e8c0e9c72f69571c"), // 42
    hex("a10d3ef857d04d9c03ead7c6317d797a090fa1271ad9c7addfbcb412e9643d4f"), // 43
    hex("b33b1809c42623f474055fa9400a2027a7a885c8dfa4efe20666b4ee27d7529c"), // 44
    hex("134d7f28d53f175f6bf4b62faa2110d5b76f0f770c15e628181c1fcc18f970a9"), // 45
    hex("c34d24b2fc8c50ca9c07a7156ef4e5ff4bdf002eda0b11c1d359d0b59a546807"), // 46
    hex("04dbb9db631457879b27e0dfdbe50158fd9cf9b4cf77605c4ac4c95bd65fc9f6"), // 47
    hex("f9295a686647cb999090819cda700820c282c613cedcd218540bbc6f37b01c65"), // 48
    hex("67c4a1ea624f092a3a5cca2d6f0f0db231972fce627f0ecca0dee60f17551c5f"), // 49
    hex("8fdaeb5ab560b2ceb781cdb339361a0fbee1b9dffad59115138c8d6a70dda9cc"), // 50
    hex("c1bf0bbdd7fee15764845db875f6432559ff8dbc9055324431bc34e5b93d15da"), // 51
    hex("307317849eccd90c0c7b98870b9317c15a5959dcfb84c76dcc908c4fe6ba9212"), // 52
    hex("6339bf06e458f6646df5e83ba7c3d35bc263b3222c8e9040068847749ca8e8f9"), // 53
    hex("5045e4342aeb521eb3a5587ec268ed3aa6faf32b62b0bc41a9d549521f406fc3"), // 54
    hex("08601d83cdd34b5f7b8df63e7b9a16519d35473d0b89c317beed3d3d9424b253"), // 55
    hex("84e35c5d92171376cae5c86300822d729cd3a8479583bef09527027dba5f1126"), // 56
    hex("3c5cbbeb3834b7a5c1cba9aa5fee0c95ec3f17a33ec3d8047fff799187f5ae20"), // 57
    hex("40bbe913c226c34c9fbe4389dd728984257a816892b3cae3e43191dd291f0eb5"), // 58
    hex("14af5385bcbb1e4738bbae8106046e6e2fca42875aa5c000c582587742bcc748"), // 59
    hex("72f29656803c2f4be177b1b8dd2a5137892b080b022100fde4e96d93ef8c96ff"), // 60
    hex("d06f27061c734d7825b46865d00aa900e5cc3a3672080e527171e1171aa5038a"), // 61
    hex("28203985b5f2d87709171678169739f957d2745f4bfa5cc91e2b4bd9bf483b40"), // 62
    hex("0a162946e56158bac0673e6dd3bdfdc1e4a0e7744a120fdb640050c8d7abe1c6"), // 63
];

/// Decodes 64 lowercase hex digits (compile time only: a `const fn`, which the `hex`
/// crate's decoders are not).
const fn hex(digits: &str) -> Hash {
    let digits = digits.as_bytes();
    assert!(digits.len() == 64, "a hash is 64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(digits[2 * i]) << 4 | nibble(digits[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => panic!("not a lowercase hex digit"),
    }
}
