//! Receipt decoding, consensus form (what the receipts trie stores):
//! - legacy (type 0): `rlp([statusOrPostState, cumulativeGasUsed, logsBloom, logs])`;
//! - typed (EIP-2718): `type ‖ rlp([...same four fields...])` for 1 (EIP-2930 access
//!   lists), 2 (EIP-1559), 3 (EIP-4844 blobs) and 4 (EIP-7702 set-code).
//!
//! The first field is a 32-byte post-state root before Byzantium (EIP-658 made it the
//! status: empty for failure, 0x01 for success). A log is `[address, [topics], data]`.

use alloc::vec::Vec;

use crate::rlp::{self, RlpError};

/// Why a receipt was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptError {
    /// Malformed RLP.
    Rlp(RlpError),
    /// A transaction type this verifier does not know (not 0–4).
    UnknownType(u8),
    /// The receipt list does not have four fields, or a field has the wrong shape.
    Shape,
}

impl From<RlpError> for ReceiptError {
    fn from(e: RlpError) -> Self {
        ReceiptError::Rlp(e)
    }
}

/// Outcome recorded in the receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Byzantium and later: the transaction succeeded.
    Success,
    /// Byzantium and later: the transaction failed (reverted); it has no logs.
    Failure,
    /// Before Byzantium: the post-transaction state root.
    PostState([u8; 32]),
}

/// One log, borrowing from the receipt bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log<'a> {
    /// The emitting contract.
    pub address: [u8; 20],
    /// Topics (at most 4).
    pub topics: Vec<[u8; 32]>,
    /// Data.
    pub data: &'a [u8],
}

/// A decoded receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt<'a> {
    /// Transaction type (0 legacy).
    pub tx_type: u8,
    /// Status or post-state.
    pub outcome: Outcome,
    /// Cumulative gas used in the block up to and including this transaction.
    pub cumulative_gas_used: u64,
    /// The logs, in order.
    pub logs: Vec<Log<'a>>,
}

/// Decodes a receipt from its consensus encoding.
pub fn decode(bytes: &[u8]) -> Result<Receipt<'_>, ReceiptError> {
    let (tx_type, body) = match bytes.first() {
        Some(&t) if t >= 0xc0 => (0, bytes),
        Some(&t @ 1..=4) => (t, &bytes[1..]),
        Some(&t) => return Err(ReceiptError::UnknownType(t)),
        None => return Err(ReceiptError::Rlp(RlpError::Truncated)),
    };
    let fields = rlp::decode_list(body)?;
    let [status, gas, bloom, logs] = fields[..] else {
        return Err(ReceiptError::Shape);
    };
    let outcome = match status.bytes()? {
        [] => Outcome::Failure,
        [1] => Outcome::Success,
        b if b.len() == 32 => Outcome::PostState(status.fixed()?),
        _ => return Err(ReceiptError::Shape),
    };
    let cumulative_gas_used = gas.u64()?;
    if bloom.bytes()?.len() != 256 {
        return Err(ReceiptError::Shape);
    }
    let mut out = Vec::new();
    for log in rlp::list_items(logs.list()?)? {
        let [address, topics, data] = rlp::list_items(log.list()?)?[..] else {
            return Err(ReceiptError::Shape);
        };
        let topics = rlp::list_items(topics.list()?)?
            .into_iter()
            .map(|t| t.fixed::<32>())
            .collect::<Result<Vec<_>, _>>()?;
        if topics.len() > 4 {
            return Err(ReceiptError::Shape);
        }
        out.push(Log {
            address: address.fixed()?,
            topics,
            data: data.bytes()?,
        });
    }
    Ok(Receipt {
        tx_type,
        outcome,
        cumulative_gas_used,
        logs: out,
    })
}
