//! The real mainnet blocks of `../shared/data/eth/` (format in its README): header RLP,
//! body, and receipts in the network form `rlp([[txType, status, cumulativeGasUsed,
//! logs], ...])` without blooms, rebuilt here into the consensus form the receipts trie
//! stores.

use std::path::PathBuf;

use super::trie::ReceiptsTrie;
use alloy_rlp::{Bytes, Rlp, RlpDecodable, RlpEncodable};
use concerto_machine::merkle::keccak256;

/// One log, decoded host-side: `rlp([address, topics, data])`.
#[derive(Clone, Debug, RlpEncodable, RlpDecodable)]
pub struct HostLog {
    pub address: [u8; 20],
    pub topics: Vec<[u8; 32]>,
    pub data: Bytes,
}

/// A receipt in the network form of the data set: `rlp([txType, status,
/// cumulativeGasUsed, logs])`.
#[derive(RlpDecodable)]
struct NetworkReceipt {
    tx_type: u8,
    success: bool,
    cumulative_gas_used: u64,
    logs: Vec<HostLog>,
}

/// A receipt in the consensus form the trie stores (after its type byte, if any):
/// `rlp([status, cumulativeGasUsed, logsBloom, logs])`.
#[derive(RlpEncodable)]
struct ConsensusReceipt {
    success: bool,
    cumulative_gas_used: u64,
    bloom: [u8; 256],
    logs: Vec<HostLog>,
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
    pub trie: ReceiptsTrie,
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
    hex::decode(s).expect("hex")
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
    // Header fields 0..=4 (parentHash … transactionsRoot), receiptsRoot, logsBloom,
    // difficulty, number: the rest varies by fork and is not needed.
    let mut header = Rlp::new(&header_rlp).expect("header is a list");
    for _ in 0..5 {
        header.get_next::<Bytes>().expect("header field");
    }
    let receipts_root: [u8; 32] = header.get_next().expect("receiptsRoot").expect("field 5");
    header.get_next::<Bytes>().expect("logsBloom");
    header.get_next::<Bytes>().expect("difficulty");
    let block_number: u64 = header.get_next().expect("number").expect("field 8");

    let network: Vec<NetworkReceipt> =
        alloy_rlp::decode_exact(field("receipts")).expect("receipts list");
    let receipts: Vec<HostReceipt> = network
        .into_iter()
        .map(|r| HostReceipt::new(r.tx_type, r.success, r.cumulative_gas_used, r.logs))
        .collect();
    let consensus: Vec<Vec<u8>> = receipts.iter().map(|r| r.consensus.clone()).collect();
    Block {
        number: block_number,
        hash: keccak256(&header_rlp),
        header_rlp,
        receipts_root,
        receipts,
        trie: ReceiptsTrie::new(&consensus),
    }
}

impl HostReceipt {
    /// A receipt and its consensus encoding.
    pub fn new(tx_type: u8, success: bool, cumulative_gas_used: u64, logs: Vec<HostLog>) -> Self {
        let body = ConsensusReceipt {
            success,
            cumulative_gas_used,
            bloom: bloom(&logs),
            logs: logs.clone(),
        };
        let mut consensus = if tx_type == 0 {
            Vec::new()
        } else {
            vec![tx_type]
        };
        consensus.extend(alloy_rlp::encode(&body));
        HostReceipt {
            tx_type,
            success,
            logs,
            consensus,
        }
    }
}

/// A Frontier-form header (15 fields), the form the verifier takes for any block.
#[derive(RlpEncodable)]
struct FrontierHeader {
    parent_hash: [u8; 32],
    ommers_hash: [u8; 32],
    beneficiary: [u8; 20],
    state_root: [u8; 32],
    transactions_root: [u8; 32],
    receipts_root: [u8; 32],
    logs_bloom: [u8; 256],
    difficulty: u64,
    number: u64,
    gas_limit: u64,
    gas_used: u64,
    timestamp: u64,
    extra_data: Bytes,
    mix_hash: [u8; 32],
    nonce: [u8; 8],
}

/// A block made up for tests where the mainnet data set is absent: `receipts` (EIP-1559
/// receipts with these logs) in a real receipts trie under a well-formed header, so the
/// verifier checks it exactly as it checks a mainnet block.
pub fn synthetic(number: u64, receipts: Vec<Vec<HostLog>>) -> Block {
    let mut gas = 0;
    let receipts: Vec<HostReceipt> = receipts
        .into_iter()
        .map(|logs| {
            gas += 21_000;
            HostReceipt::new(2, true, gas, logs)
        })
        .collect();
    let consensus: Vec<Vec<u8>> = receipts.iter().map(|r| r.consensus.clone()).collect();
    let trie = ReceiptsTrie::new(&consensus);
    let receipts_root = trie.root();
    let all_logs: Vec<HostLog> = receipts.iter().flat_map(|r| r.logs.clone()).collect();
    let header = FrontierHeader {
        parent_hash: [0x11; 32],
        ommers_hash: [0x22; 32],
        beneficiary: [0x33; 20],
        state_root: [0x44; 32],
        transactions_root: [0x55; 32],
        receipts_root,
        logs_bloom: bloom(&all_logs),
        difficulty: 0,
        number,
        gas_limit: 30_000_000,
        gas_used: gas,
        timestamp: 1_700_000_000,
        extra_data: Bytes::from_static(b"concerto test"),
        mix_hash: [0x66; 32],
        nonce: [0; 8],
    };
    let header_rlp = alloy_rlp::encode(&header);
    Block {
        number,
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
        LogData::Inline(l.data.to_vec())
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
