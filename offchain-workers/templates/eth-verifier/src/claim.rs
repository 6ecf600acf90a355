//! Verifying one claim, independently of relayer confirmations: header → receiptsRoot →
//! receipt at key rlp(txIndex) → log at logIndex.

use core::fmt;

use concerto_primitives::eth::{LogData, ReceiptClaim, VerifiedLog, MAX_INLINE_LOG_DATA};
use concerto_template_sdk::keccak::keccak256;

use crate::header::{self, HeaderError};
use crate::receipt::{self, Outcome, ReceiptError};
use crate::rlp;
use crate::trie::{self, ProofError};

/// Why a claim was refused (the report text is this value's `Display`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimError {
    /// The header could not be decoded.
    Header(HeaderError),
    /// The receipt proof does not hold under the header's receiptsRoot.
    Proof(ProofError),
    /// The proven receipt could not be decoded.
    Receipt(ReceiptError),
    /// The transaction failed, so its receipt has no logs.
    TransactionFailed,
    /// The receipt has fewer logs than the index asks for.
    LogIndexOutOfRange {
        /// Logs in the receipt.
        logs: usize,
    },
    /// The block hash lacks confirmations.
    Unconfirmed {
        /// Distinct relayers that observed this (number, hash) in the batch.
        confirmations: usize,
        /// Required.
        required: u32,
    },
}

fn hex(bytes: &[u8]) -> alloc::string::String {
    alloc::format!("0x{}", hex::encode(bytes))
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::Header(HeaderError::Rlp(e)) => write!(f, "header is not valid RLP ({e:?})"),
            ClaimError::Header(HeaderError::FieldCount(n)) => {
                write!(f, "header has {n} fields; known forms have 15, 16, 17, 20 or 21")
            }
            ClaimError::Header(HeaderError::Field(i)) => write!(f, "header field {i} has the wrong size or kind"),
            ClaimError::Proof(ProofError::Empty) => write!(f, "receipt proof is empty"),
            ClaimError::Proof(ProofError::HashMismatch { index: 0 }) => {
                write!(f, "receipt proof node 0 does not hash to the header's receiptsRoot")
            }
            ClaimError::Proof(ProofError::HashMismatch { index }) => {
                write!(f, "receipt proof node {index} does not hash to the reference in node {}", index - 1)
            }
            ClaimError::Proof(ProofError::MissingNode) => write!(f, "receipt proof ends before reaching the receipt"),
            ClaimError::Proof(ProofError::BadNode { index, rlp }) => {
                write!(f, "receipt proof node {index} is not a valid trie node")?;
                match rlp {
                    Some(e) => write!(f, " ({e:?})"),
                    None => Ok(()),
                }
            }
            ClaimError::Proof(ProofError::KeyNotFound) => {
                write!(f, "the receipts trie has no receipt at this transaction index")
            }
            ClaimError::Proof(ProofError::UnusedNodes(n)) => write!(f, "receipt proof has {n} unused trailing nodes"),
            ClaimError::Receipt(ReceiptError::UnknownType(t)) => write!(f, "receipt has unknown transaction type {t}"),
            ClaimError::Receipt(ReceiptError::Rlp(e)) => write!(f, "receipt is not valid RLP ({e:?})"),
            ClaimError::Receipt(ReceiptError::Shape) => write!(f, "receipt fields have the wrong shape"),
            ClaimError::TransactionFailed => write!(f, "the transaction failed (status 0): its receipt has no logs"),
            ClaimError::LogIndexOutOfRange { logs } => write!(f, "log index out of range: the receipt has {logs} logs"),
            ClaimError::Unconfirmed { confirmations, required } => write!(
                f,
                "block hash not confirmed: {confirmations} distinct relayers observed it in this batch, {required} required"
            ),
        }
    }
}

/// Verifies everything about `claim` except the relayer confirmations of its block hash,
/// returning the output it would produce.
pub fn verify(claim: &ReceiptClaim) -> Result<VerifiedLog, ClaimError> {
    let header = header::decode(&claim.header_rlp).map_err(ClaimError::Header)?;
    let key = rlp::encode_u64(u64::from(claim.tx_index));
    let bytes =
        trie::verify(&header.receipts_root, &key, &claim.proof).map_err(ClaimError::Proof)?;
    let receipt = receipt::decode(bytes).map_err(ClaimError::Receipt)?;
    let log = match receipt.logs.get(claim.log_index as usize) {
        Some(log) => log,
        None if receipt.outcome == Outcome::Failure => return Err(ClaimError::TransactionFailed),
        None => {
            return Err(ClaimError::LogIndexOutOfRange {
                logs: receipt.logs.len(),
            })
        }
    };
    let data = if log.data.len() > MAX_INLINE_LOG_DATA {
        LogData::Hashed {
            hash: keccak256(log.data),
            len: log.data.len() as u32,
        }
    } else {
        LogData::Inline(log.data.to_vec())
    };
    Ok(VerifiedLog {
        block_number: header.number,
        block_hash: header.hash,
        tx_index: claim.tx_index,
        log_index: claim.log_index,
        address: log.address,
        topics: log.topics.to_vec(),
        data,
    })
}

/// `0x…` hex of bytes (used in reports).
pub fn to_hex(bytes: &[u8]) -> alloc::string::String {
    hex(bytes)
}
