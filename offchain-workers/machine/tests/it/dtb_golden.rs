//! Golden tests for the generated device tree: the Merkle hash of the 1 MiB DTB range must
//! equal the value measured on Cartesi machine-emulator v0.19.0 (docs/cartesi-v0.19.md
//! §6.4), and blobs must be well-formed FDTs.

use concerto_machine::dtb::{self, DtbConfig, FlashDriveDtb};
use tiny_keccak::{Hasher, Keccak};

/// Ethereum Keccak-256.
fn keccak(parts: &[&[u8]]) -> [u8; 32] {
    let mut k = Keccak::v256();
    for p in parts {
        k.update(p);
    }
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

/// Merkle node hash of `bytes` (a power-of-two length ≥ 32): leaves are keccak of each
/// 32-byte word, inner nodes keccak(left ‖ right).
fn range_hash(bytes: &[u8]) -> [u8; 32] {
    assert!(bytes.len().is_power_of_two() && bytes.len() >= 32);
    let mut level: Vec<[u8; 32]> = bytes.chunks(32).map(|w| keccak(&[w])).collect();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| keccak(&[&p[0], &p[1]])).collect();
    }
    level[0]
}

/// The full 1 MiB DTB range image for `cfg`.
fn dtb_range(cfg: &DtbConfig) -> Vec<u8> {
    let blob = dtb::generate(cfg);
    let mut range = vec![0u8; dtb::DTB_LENGTH as usize];
    range[..blob.len()].copy_from_slice(&blob);
    range
}

#[test]
fn golden_default_ram_64k() {
    let cfg = DtbConfig::new(0x1_0000);
    assert_eq!(dtb::generate(&cfg).len(), 5984);
    assert_eq!(
        hex::encode(range_hash(&dtb_range(&cfg))),
        "3f71fc2b58ec3fdc8d90f7a3a5de13972e9da04c637d2aae6741fa408b7247b7"
    );
}

#[test]
fn golden_default_ram_32m() {
    let cfg = DtbConfig::new(0x200_0000);
    assert_eq!(
        hex::encode(range_hash(&dtb_range(&cfg))),
        "b5ea09b6ba8ecba82c624e51de55cada9496c1065f74f691153735d90a03da24"
    );
}

/// Reads a big-endian u32 at `off`.
fn be32(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes(b[off..off + 4].try_into().unwrap())
}

/// A parsed structure-block item.
#[derive(Debug, PartialEq)]
enum Item {
    Begin(String),
    End,
    Prop(String, Vec<u8>),
}

/// Tiny FDT reader: validates the header and walks the structure block.
fn parse(blob: &[u8]) -> Vec<Item> {
    assert_eq!(be32(blob, 0), 0xD00D_FEED, "magic");
    let total = be32(blob, 4) as usize;
    let off_struct = be32(blob, 8) as usize;
    let off_strings = be32(blob, 12) as usize;
    let off_rsv = be32(blob, 16) as usize;
    assert_eq!(total, blob.len());
    assert_eq!(be32(blob, 20), 17, "version");
    assert_eq!(be32(blob, 24), 16, "last compatible version");
    assert_eq!(be32(blob, 28), 0, "boot cpu");
    let size_strings = be32(blob, 32) as usize;
    let size_struct = be32(blob, 36) as usize;
    assert_eq!(off_struct, 40);
    assert_eq!(off_strings % 8, 0);
    assert_eq!(off_rsv % 8, 0);
    assert!(off_struct + size_struct <= off_strings);
    assert!(off_strings + size_strings <= off_rsv);
    assert_eq!(off_rsv + 16, total);
    assert!(
        blob[off_rsv..off_rsv + 16].iter().all(|&b| b == 0),
        "empty reservation map"
    );
    let strings = &blob[off_strings..off_strings + size_strings];
    let cstr = |bytes: &[u8]| -> String {
        let end = bytes.iter().position(|&b| b == 0).expect("NUL terminator");
        String::from_utf8(bytes[..end].to_vec()).unwrap()
    };
    let s = &blob[off_struct..off_struct + size_struct];
    let mut items = Vec::new();
    let mut pos = 0;
    let mut depth = 0i32;
    loop {
        let tok = be32(s, pos);
        pos += 4;
        match tok {
            1 => {
                let name = cstr(&s[pos..]);
                pos += (name.len() + 1 + 3) & !3;
                depth += 1;
                items.push(Item::Begin(name));
            }
            2 => {
                depth -= 1;
                assert!(depth >= 0);
                items.push(Item::End);
            }
            3 => {
                let len = be32(s, pos) as usize;
                let nameoff = be32(s, pos + 4) as usize;
                pos += 8;
                let value = s[pos..pos + len].to_vec();
                pos += (len + 3) & !3;
                items.push(Item::Prop(cstr(&strings[nameoff..]), value));
            }
            9 => break,
            t => panic!("unexpected token {t} at {pos}"),
        }
    }
    assert_eq!(pos, size_struct, "FDT_END is the last token");
    assert_eq!(depth, 0);
    items
}

#[test]
fn flash_drive_fdt_is_well_formed() {
    let mut cfg = DtbConfig::new(0x800_0000);
    cfg.flash_drives.push(FlashDriveDtb {
        start: 0x0080_0000_0000_0000,
        length: 0x40_0000,
    });
    cfg.flash_drives.push(FlashDriveDtb {
        start: 0x0090_0000_0000_0000,
        length: 0x1000,
    });
    cfg.init = "echo hi".into();
    cfg.entrypoint = "/bin/app".into();
    let blob = dtb::generate(&cfg);
    let items = parse(&blob);

    let find = |node: &str| {
        items
            .iter()
            .position(|i| *i == Item::Begin(node.into()))
            .unwrap()
    };
    let p0 = find("pmem@80000000000000");
    assert_eq!(
        items[p0 + 1],
        Item::Prop("compatible".into(), b"pmem-region\0".to_vec())
    );
    let mut reg = Vec::new();
    for v in [0x0080_0000_0000_0000u64, 0x40_0000] {
        reg.extend_from_slice(&v.to_be_bytes());
    }
    assert_eq!(items[p0 + 2], Item::Prop("reg".into(), reg));
    assert_eq!(items[p0 + 3], Item::Prop("volatile".into(), Vec::new()));
    assert_eq!(items[p0 + 4], Item::End);
    assert!(find("pmem@90000000000000") > p0);
    assert!(find("cmio") > find("pmem@90000000000000"));
    assert!(items.contains(&Item::Prop("init".into(), b"echo hi".to_vec())));
    assert!(items.contains(&Item::Prop("entrypoint".into(), b"/bin/app".to_vec())));
    assert!(items.contains(&Item::Prop("rng-seed".into(), dtb::RNG_SEED.to_vec())));
    assert!(items.contains(&Item::Prop("riscv,isa".into(), b"rv64acdfimsu\0".to_vec())));
    let mut mem = Vec::new();
    for v in [0x8000_0000u64, 0x800_0000] {
        mem.extend_from_slice(&v.to_be_bytes());
    }
    let m = find("memory@80000000");
    assert_eq!(items[m + 2], Item::Prop("reg".into(), mem));

    // The default (flash-less) tree parses too, and both yield flags are present.
    let items = parse(&dtb::generate(&DtbConfig::new(0x1_0000)));
    let y = items
        .iter()
        .position(|i| *i == Item::Begin("yield".into()))
        .unwrap();
    assert_eq!(items[y + 2], Item::Prop("manual".into(), Vec::new()));
    assert_eq!(items[y + 3], Item::Prop("automatic".into(), Vec::new()));
}

#[test]
fn yield_node_absent_without_yields() {
    let mut cfg = DtbConfig::new(0x1_0000);
    cfg.yield_manual = false;
    cfg.yield_automatic = false;
    let items = parse(&dtb::generate(&cfg));
    assert!(!items.contains(&Item::Begin("yield".into())));
}
