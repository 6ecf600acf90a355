//! The real mainnet blocks of `../shared/data/eth/` (format in its README): header RLP,
//! body, and receipts in the network form `rlp([[txType, status, cumulativeGasUsed,
//! logs], ...])` without blooms, rebuilt here into the consensus form the receipts trie
//! stores.

use std::path::PathBuf;

use super::mpt::Trie;
use super::rlp::{decode, encode, encode_bytes, encode_list, encode_uint};
use concerto_machine::merkle::keccak256;

/// One log, decoded host-side.
#[derive(Clone, Debug)]
pub struct HostLog {
    pub address: [u8; 20],
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
}

/// One receipt, decoded host-side.
#[derive(Clone, Debug)]
pub struct HostReceipt {
    pub tx_type: u8,
    pub success: bool,
    pub logs: Vec<HostLog>,
    /// `[type ‖] rlp([status, cumulativeGasUsed, bloom, logs])`.
    pub consensus: Vec<u8>,
}

/// A block of the data set.
pub struct Block {
    pub number: u64,
    pub header_rlp: Vec<u8>,
    pub hash: [u8; 32],
    pub receipts_root: [u8; 32],
    pub receipts: Vec<HostReceipt>,
    pub trie: Trie,
}

/// `<repo>/../shared/data/eth` (found from the running crate's directory upwards, so the
/// node's tests can use this module too), or `None` (with a loud message) when absent.
pub fn data_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(
        &*std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    );
    let found = manifest
        .ancestors()
        .map(|dir| dir.join("shared/data/eth"))
        .find(|dir| dir.is_dir());
    if found.is_none() {
        eprintln!(
            "\n!!!!!!!! SKIPPING: mainnet block data (shared/data/eth) not found above {} !!!!!!!!\n",
            manifest.display()
        );
    }
    found
}

fn hex(s: &str) -> Vec<u8> {
    let s = s.trim().trim_matches('"').trim_start_matches("0x");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The 2048-bit bloom of logs (Yellow Paper §4.3.1, M3:2048): for the address and each
/// topic, three 11-bit indexes from the first three byte pairs of its keccak.
pub fn bloom(logs: &[HostLog]) -> [u8; 256] {
    let mut bloom = [0u8; 256];
    let mut add = |x: &[u8]| {
        let h = keccak256(x);
        for i in 0..3 {
            let bit = (usize::from(h[2 * i]) << 8 | usize::from(h[2 * i + 1])) & 2047;
            bloom[255 - bit / 8] |= 1 << (bit % 8);
        }
    };
    for log in logs {
        add(&log.address);
        for t in &log.topics {
            add(t);
        }
    }
    bloom
}

/// Loads `block-data-<number>.yaml`.
pub fn load(dir: &std::path::Path, number: u64) -> Block {
    let text =
        std::fs::read_to_string(dir.join(format!("block-data-{number}.yaml"))).expect("read yaml");
    let field = |name: &str| {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .expect(name);
        hex(&line[name.len() + 1..])
    };
    let header_rlp = field("header");
    let header = decode(&header_rlp);
    let fields = header.list();
    let receipts_root: [u8; 32] = fields[5].bytes().try_into().unwrap();
    let mut receipts = Vec::new();
    for r in decode(&field("receipts")).list() {
        let [tx_type, status, gas, logs] = r.list() else {
            panic!("receipt shape")
        };
        let tx_type = tx_type.uint() as u8;
        let host_logs: Vec<HostLog> = logs
            .list()
            .iter()
            .map(|l| HostLog {
                address: l.list()[0].bytes().try_into().unwrap(),
                topics: l.list()[1]
                    .list()
                    .iter()
                    .map(|t| t.bytes().try_into().unwrap())
                    .collect(),
                data: l.list()[2].bytes().to_vec(),
            })
            .collect();
        let body = encode_list(&[
            encode(status),
            encode(gas),
            encode_bytes(&bloom(&host_logs)),
            encode(logs),
        ]);
        let mut consensus = if tx_type == 0 {
            Vec::new()
        } else {
            vec![tx_type]
        };
        consensus.extend(body);
        receipts.push(HostReceipt {
            tx_type,
            success: status.uint() == 1,
            logs: host_logs,
            consensus,
        });
    }
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = receipts
        .iter()
        .enumerate()
        .map(|(i, r)| (encode_uint(i as u64), r.consensus.clone()))
        .collect();
    let trie = Trie::new(&pairs);
    Block {
        number: fields[8].uint(),
        hash: keccak256(&header_rlp),
        header_rlp,
        receipts_root,
        receipts,
        trie,
    }
}

/// What the verifier must output for log `log` of transaction `tx` of `block`.
pub fn verified_log(block: &Block, tx: usize, log: u32) -> concerto_primitives::eth::VerifiedLog {
    use concerto_primitives::eth::{LogData, VerifiedLog, MAX_INLINE_LOG_DATA};
    let l = &block.receipts[tx].logs[log as usize];
    let data = if l.data.len() > MAX_INLINE_LOG_DATA {
        LogData::Hashed {
            hash: keccak256(&l.data),
            len: l.data.len() as u32,
        }
    } else {
        LogData::Inline(l.data.clone())
    };
    VerifiedLog {
        block_number: block.number,
        block_hash: block.hash,
        tx_index: tx as u32,
        log_index: log,
        address: l.address,
        topics: l.topics.clone(),
        data,
    }
}
