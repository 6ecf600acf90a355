//! The Ethereum event verifier's formats: relayer observations and claims (event
//! payloads), its configuration, and the verified-log output.

use alloc::vec::Vec;
use codec::{Decode, Encode};

/// A 32-byte Keccak-256 hash.
pub type H256 = [u8; 32];

/// Logs whose data is longer than this many bytes are output as `keccak256(data)`.
pub const MAX_INLINE_LOG_DATA: usize = 1024;

/// The verifier's configuration (the SCALE bytes of [`crate::BatchHeader::config`]).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct VerifierConfig {
    /// `k`: distinct relayers of the batch that must have observed a block hash before a
    /// claim about that block is accepted. Must be at least 1.
    pub min_confirmations: u32,
    /// Only [`EthPayload::Observation`]s published on this stream count as relayer
    /// confirmations; every publisher of that stream is a relayer.
    pub relayer_stream_id: u32,
}

/// "Log `log_index` of the receipt of transaction `tx_index` in this block exists".
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ReceiptClaim {
    /// The block header, RLP-encoded exactly as hashed (keccak of it is the block hash).
    pub header_rlp: Vec<u8>,
    /// Index of the transaction in the block.
    pub tx_index: u32,
    /// The receipts-trie proof: the RLP nodes from the root (whose keccak is the header's
    /// receiptsRoot) down to the leaf holding the receipt, hashed nodes only (nodes shorter
    /// than 32 bytes are inlined in their parent).
    pub proof: Vec<Vec<u8>>,
    /// Index of the log within the receipt.
    pub log_index: u32,
}

/// The payload of an event given to the verifier.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum EthPayload {
    /// A relayer read this (number, hash) from an Ethereum RPC endpoint.
    #[codec(index = 0)]
    Observation {
        /// Block number.
        block_number: u64,
        /// Block hash.
        block_hash: H256,
    },
    /// A claim to verify.
    #[codec(index = 1)]
    Claim(ReceiptClaim),
}

/// The log's data, inline or hashed when longer than [`MAX_INLINE_LOG_DATA`].
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum LogData {
    /// The data itself.
    #[codec(index = 0)]
    Inline(Vec<u8>),
    /// `keccak256(data)` and the data length.
    #[codec(index = 1)]
    Hashed {
        /// keccak256 of the data.
        hash: H256,
        /// Length of the data in bytes.
        len: u32,
    },
}

/// The verifier's output for one verified claim.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct VerifiedLog {
    /// Block number (from the header).
    pub block_number: u64,
    /// Block hash (keccak of the header), confirmed by at least `k` relayers.
    pub block_hash: H256,
    /// Transaction index.
    pub tx_index: u32,
    /// Log index within the receipt.
    pub log_index: u32,
    /// The contract that emitted the log.
    pub address: [u8; 20],
    /// The log's topics (0 to 4).
    pub topics: Vec<H256>,
    /// The log's data.
    pub data: LogData,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use codec::DecodeAll;

    #[test]
    fn payloads_round_trip() {
        let claim = EthPayload::Claim(ReceiptClaim {
            header_rlp: vec![0xc0],
            tx_index: 3,
            proof: vec![vec![1, 2], vec![3]],
            log_index: 1,
        });
        let obs = EthPayload::Observation {
            block_number: 5,
            block_hash: [9; 32],
        };
        for p in [claim, obs] {
            assert_eq!(EthPayload::decode_all(&mut &p.encode()[..]).unwrap(), p);
        }
        let out = VerifiedLog {
            block_number: 1,
            block_hash: [1; 32],
            tx_index: 2,
            log_index: 3,
            address: [4; 20],
            topics: vec![[5; 32]],
            data: LogData::Hashed {
                hash: [6; 32],
                len: 2000,
            },
        };
        assert_eq!(
            VerifiedLog::decode_all(&mut &out.encode()[..]).unwrap(),
            out
        );
    }
}
