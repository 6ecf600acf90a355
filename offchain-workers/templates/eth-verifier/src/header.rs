//! Block header decoding, Frontier through Prague. The header is an RLP list whose
//! length tells the fork (fields per the Yellow Paper §4.3 and the EIPs that appended
//! to it):
//!
//! | fields | fork | appended |
//! |---|---|---|
//! | 15 | Frontier … Berlin | parentHash … nonce |
//! | 16 | London | baseFeePerGas (EIP-1559) |
//! | 17 | Shanghai | withdrawalsRoot (EIP-4895) |
//! | 20 | Cancun | blobGasUsed, excessBlobGas (EIP-4844), parentBeaconBlockRoot (EIP-4788) |
//! | 21 | Prague | requestsHash (EIP-7685) |
//!
//! The block hash is keccak256 of the header's RLP exactly as given.

use crate::rlp::{self, Item, RlpError};
use concerto_template_sdk::keccak::keccak256;

/// Field indexes of the header list.
mod field {
    pub(crate) const PARENT_HASH: usize = 0;
    pub(crate) const OMMERS_HASH: usize = 1;
    pub(crate) const BENEFICIARY: usize = 2;
    pub(crate) const STATE_ROOT: usize = 3;
    pub(crate) const TRANSACTIONS_ROOT: usize = 4;
    pub(crate) const RECEIPTS_ROOT: usize = 5;
    pub(crate) const LOGS_BLOOM: usize = 6;
    pub(crate) const NUMBER: usize = 8;
    pub(crate) const MIX_HASH: usize = 13;
    pub(crate) const NONCE: usize = 14;
    pub(crate) const WITHDRAWALS_ROOT: usize = 16;
    pub(crate) const PARENT_BEACON_ROOT: usize = 19;
    pub(crate) const REQUESTS_HASH: usize = 20;
}

/// The header forms, by field count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fork {
    /// Frontier … Berlin (15 fields).
    Frontier,
    /// London … Paris (16 fields).
    London,
    /// Shanghai (17 fields).
    Shanghai,
    /// Cancun (20 fields).
    Cancun,
    /// Prague (21 fields).
    Prague,
}

/// Why a header was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Not a well-formed RLP list.
    Rlp(RlpError),
    /// A field count that no fork has.
    FieldCount(usize),
    /// A field with the wrong size or kind.
    Field(usize),
}

impl From<RlpError> for HeaderError {
    fn from(e: RlpError) -> Self {
        HeaderError::Rlp(e)
    }
}

/// What the verifier needs from a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// keccak256 of the RLP: the block hash.
    pub hash: [u8; 32],
    /// Block number.
    pub number: u64,
    /// Root of the receipts trie.
    pub receipts_root: [u8; 32],
    /// The form, from the field count.
    pub fork: Fork,
}

/// Decodes and checks a header: field count, every hash field 32 bytes, the beneficiary
/// 20, the bloom 256, the nonce 8, the number a canonical integer.
pub fn decode(header_rlp: &[u8]) -> Result<Header, HeaderError> {
    let fields = rlp::decode_list(header_rlp)?;
    let fork = match fields.len() {
        15 => Fork::Frontier,
        16 => Fork::London,
        17 => Fork::Shanghai,
        20 => Fork::Cancun,
        21 => Fork::Prague,
        n => return Err(HeaderError::FieldCount(n)),
    };
    let sized = |i: usize, n: usize| -> Result<(), HeaderError> {
        match fields[i] {
            Item::Bytes(b) if b.len() == n => Ok(()),
            _ => Err(HeaderError::Field(i)),
        }
    };
    for i in [
        field::PARENT_HASH,
        field::OMMERS_HASH,
        field::STATE_ROOT,
        field::TRANSACTIONS_ROOT,
        field::RECEIPTS_ROOT,
        field::MIX_HASH,
    ] {
        sized(i, 32)?;
    }
    sized(field::BENEFICIARY, 20)?;
    sized(field::LOGS_BLOOM, 256)?;
    sized(field::NONCE, 8)?;
    if fields.len() > field::WITHDRAWALS_ROOT {
        sized(field::WITHDRAWALS_ROOT, 32)?;
    }
    if fields.len() > field::PARENT_BEACON_ROOT {
        sized(field::PARENT_BEACON_ROOT, 32)?;
    }
    if fields.len() > field::REQUESTS_HASH {
        sized(field::REQUESTS_HASH, 32)?;
    }
    // Scalars (difficulty, gas, timestamp, base fee, blob gas) must be strings.
    for (i, f) in fields.iter().enumerate() {
        if matches!(f, Item::List(_)) {
            return Err(HeaderError::Field(i));
        }
    }
    let number = fields[field::NUMBER]
        .u64()
        .map_err(|_| HeaderError::Field(field::NUMBER))?;
    let receipts_root = fields[field::RECEIPTS_ROOT]
        .fixed::<32>()
        .map_err(|_| HeaderError::Field(field::RECEIPTS_ROOT))?;
    Ok(Header {
        hash: keccak256(header_rlp),
        number,
        receipts_root,
        fork,
    })
}
