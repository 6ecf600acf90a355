//! The values pallet-topics keeps on chain and takes in its calls.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use concerto_primitives::domain;
use concerto_verify_interface::Sr25519Check;
use frame_support::{
    pallet_prelude::*, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use polkadot_sdk::*;
use scale_info::TypeInfo;
use sp_core::{ed25519, sr25519};

/// Identifies a stream (assigned in registration order, from 0).
pub type StreamId = u32;
pub use concerto_primitives::{
    BatchNumber, Hash32, MachineBounds, MachineLimits, TopicId, Verdict,
};

/// The message a publisher signs for an event: SCALE of `(domain::EVENT_SIGNING, genesis
/// hash, stream, publisher, sequence, blake2_256(payload))`. Pure, so publishers and
/// tools compute it off chain with the chain's genesis hash.
pub fn event_signing_payload<G: Encode>(
    genesis: &G,
    stream: StreamId,
    publisher: &PublisherKey,
    sequence: u64,
    payload: &[u8],
) -> alloc::vec::Vec<u8> {
    (
        domain::EVENT_SIGNING,
        genesis,
        stream,
        publisher,
        sequence,
        sp_io::hashing::blake2_256(payload),
    )
        .encode()
}

/// How one event's publisher signature is checked. sr25519 signatures (the common case)
/// are collected and verified together by the `concerto-verify-interface` host function
/// (batch verification on all cores); other schemes are checked on the spot. The node's
/// ingestion RPC and the pallet split events the same way through this type, so both
/// answer alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// An sr25519 signature, to verify in a batch with others.
    Sr25519(Sr25519Check),
    /// A signature of another scheme (or none that could be checked), already answered.
    Checked(bool),
}

impl SignatureCheck {
    /// The check of `signature` by `publisher` over an event's signing message
    /// ([`event_signing_payload`] with `genesis`).
    pub fn new<G: Encode>(
        genesis: &G,
        stream: StreamId,
        publisher: &PublisherKey,
        sequence: u64,
        payload: &[u8],
        signature: &PublisherSignature,
    ) -> Self {
        let message = event_signing_payload(genesis, stream, publisher, sequence, payload);
        match (publisher, signature) {
            (PublisherKey::Sr25519(public), PublisherSignature::Sr25519(signature)) => {
                SignatureCheck::Sr25519(Sr25519Check {
                    public: *public,
                    signature: *signature,
                    message,
                })
            }
            (key, signature) => SignatureCheck::Checked(key.verify(&message, signature)),
        }
    }

    /// Whether every check verifies: the other schemes' answers first, then all sr25519
    /// signatures in one call of `all`.
    pub fn all(
        checks: impl IntoIterator<Item = SignatureCheck>,
        all: impl FnOnce(alloc::vec::Vec<Sr25519Check>) -> bool,
    ) -> bool {
        let mut sr = alloc::vec::Vec::new();
        for check in checks {
            match check {
                SignatureCheck::Sr25519(c) => sr.push(c),
                SignatureCheck::Checked(false) => return false,
                SignatureCheck::Checked(true) => {}
            }
        }
        sr.is_empty() || all(sr)
    }

    /// Whether each check verifies, in order: all sr25519 signatures are answered by one
    /// call of `each` (which returns one answer per check it is given, in order).
    pub fn each(
        checks: impl IntoIterator<Item = SignatureCheck>,
        each: impl FnOnce(alloc::vec::Vec<Sr25519Check>) -> alloc::vec::Vec<bool>,
    ) -> alloc::vec::Vec<bool> {
        let mut sr = alloc::vec::Vec::new();
        let answers: alloc::vec::Vec<Option<bool>> = checks
            .into_iter()
            .map(|check| match check {
                SignatureCheck::Sr25519(c) => {
                    sr.push(c);
                    None
                }
                SignatureCheck::Checked(ok) => Some(ok),
            })
            .collect();
        let mut sr_answers = if sr.is_empty() {
            alloc::vec::Vec::new()
        } else {
            each(sr)
        }
        .into_iter();
        answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| sr_answers.next().unwrap_or(false)))
            .collect()
    }
}

pub use concerto_primitives::attestation::signing_payload as attestation_signing_payload;

/// What the generic fields of the stored types need (for the `*NoBound` derives).
pub trait Field: Clone + PartialEq + Eq + core::fmt::Debug {}
impl<X: Clone + PartialEq + Eq + core::fmt::Debug> Field for X {}

/// A key allowed to publish on a stream.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Debug,
)]
pub enum PublisherKey {
    /// An sr25519 public key.
    #[codec(index = 0)]
    Sr25519([u8; 32]),
    /// An ed25519 public key.
    #[codec(index = 1)]
    Ed25519([u8; 32]),
    /// An Ethereum address (secp256k1 ECDSA; the message is signed as keccak-256 of it).
    #[codec(index = 2)]
    Ethereum([u8; 20]),
}

impl PublisherKey {
    /// The 32 bytes that name this publisher in the `EventEnvelope` given to templates:
    /// the public key for sr25519/ed25519, the address left-padded with 12 zero bytes for
    /// Ethereum keys.
    pub fn envelope_id(&self) -> [u8; 32] {
        match self {
            PublisherKey::Sr25519(k) | PublisherKey::Ed25519(k) => *k,
            PublisherKey::Ethereum(a) => {
                let mut id = [0u8; 32];
                id[12..].copy_from_slice(a);
                id
            }
        }
    }

    /// Whether `signature` by this key is valid over `message`. A signature of another
    /// scheme than the key's is never valid.
    pub fn verify(&self, message: &[u8], signature: &PublisherSignature) -> bool {
        match (self, signature) {
            (PublisherKey::Sr25519(k), PublisherSignature::Sr25519(s)) => {
                sp_io::crypto::sr25519_verify(
                    &sr25519::Signature::from_raw(*s),
                    message,
                    &sr25519::Public::from_raw(*k),
                )
            }
            (PublisherKey::Ed25519(k), PublisherSignature::Ed25519(s)) => {
                sp_io::crypto::ed25519_verify(
                    &ed25519::Signature::from_raw(*s),
                    message,
                    &ed25519::Public::from_raw(*k),
                )
            }
            (PublisherKey::Ethereum(address), PublisherSignature::Ethereum(s)) => {
                let digest = sp_io::hashing::keccak_256(message);
                match sp_io::crypto::secp256k1_ecdsa_recover(s, &digest) {
                    Ok(public) => sp_io::hashing::keccak_256(&public)[12..] == address[..],
                    Err(_) => false,
                }
            }
            _ => false,
        }
    }
}

/// A publisher's signature over an event's signing message.
#[derive(
    Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum PublisherSignature {
    /// An sr25519 signature.
    #[codec(index = 0)]
    Sr25519([u8; 64]),
    /// An ed25519 signature.
    #[codec(index = 1)]
    Ed25519([u8; 64]),
    /// A recoverable secp256k1 signature (r, s, v) over keccak-256 of the message.
    #[codec(index = 2)]
    Ethereum([u8; 65]),
}

/// An event as a publisher submits it.
#[derive(
    CloneNoBound,
    PartialEqNoBound,
    EqNoBound,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    DebugNoBound,
)]
#[scale_info(skip_type_params(MaxPayload))]
pub struct SignedEvent<MaxPayload: Get<u32>> {
    /// The stream the event is published on.
    pub stream: StreamId,
    /// The key that signed it; must be one of the stream's publishers.
    pub publisher: PublisherKey,
    /// The publisher's next sequence number on this stream (0, 1, 2, ... without gaps).
    pub sequence: u64,
    /// The opaque payload.
    pub payload: BoundedVec<u8, MaxPayload>,
    /// The publisher's signature over [`event_signing_message`](crate::Pallet::event_signing_message).
    pub signature: PublisherSignature,
}

/// Whether a stream still accepts events.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Debug,
)]
pub enum StreamStatus {
    /// Accepts events from its publishers.
    Open,
    /// Closed for good by its owner.
    Closed,
}

/// A registered stream.
#[derive(
    CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxMetadata, MaxPublishers))]
pub struct Stream<AccountId: Field, MaxMetadata: Get<u32>, MaxPublishers: Get<u32>> {
    /// The only account that may change the stream.
    pub owner: AccountId,
    /// Free-form description (e.g. a URL or a JSON document), bounded.
    pub metadata: BoundedVec<u8, MaxMetadata>,
    /// The keys allowed to publish.
    pub publishers: BoundedVec<PublisherKey, MaxPublishers>,
    /// Open or closed.
    pub status: StreamStatus,
}

/// Whose topics may read a stream: the stream owner's consent, set with
/// `set_stream_access`. A stream with no entry in `StreamAccessOf` is `OwnerOnly`.
#[derive(
    CloneNoBound,
    PartialEqNoBound,
    EqNoBound,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    DebugNoBound,
)]
#[scale_info(skip_type_params(MaxReaders))]
pub enum StreamAccess<AccountId: Field, MaxReaders: Get<u32>> {
    /// Only topics the stream's owner registers (the default).
    #[codec(index = 0)]
    OwnerOnly,
    /// Topics of any account.
    #[codec(index = 1)]
    Anyone,
    /// Topics of the owner and of these accounts.
    #[codec(index = 2)]
    Accounts(BoundedVec<AccountId, MaxReaders>),
}

impl<AccountId: Field, MaxReaders: Get<u32>> StreamAccess<AccountId, MaxReaders> {
    /// Whether a topic owned by `who` may read a stream owned by `owner` under this access.
    pub fn allows(&self, owner: &AccountId, who: &AccountId) -> bool {
        who == owner
            || match self {
                StreamAccess::OwnerOnly => false,
                StreamAccess::Anyone => true,
                StreamAccess::Accounts(accounts) => accounts.contains(who),
            }
    }
}

/// An uploaded template (its code is in `TemplateCode` under the same hash).
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct TemplateInfo<AccountId, Balance> {
    /// Who uploaded it and holds the deposit.
    pub owner: AccountId,
    /// The deposit held from `owner`, released on removal.
    pub deposit: Balance,
    /// Code length in bytes.
    pub code_len: u32,
    /// Machine limits, fixed for the template's lifetime.
    pub machine: MachineLimits,
    /// Topics using it (a template can be removed only when this is 0).
    pub users: u32,
}

/// Whether a topic keeps state from one batch to the next.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Debug,
)]
pub enum TopicMode {
    /// Every batch starts from the template's initial machine.
    Stateless,
    /// Every batch starts from the machine state the previous finalized batch left.
    Stateful,
}

/// The lifecycle state of a topic.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Debug,
)]
pub enum TopicStatus {
    /// Collects events and seals a batch at the end of every window.
    Active,
    /// The current window is still sealed; no new window opens until resumed.
    Paused,
    /// Like paused, for good.
    Closed,
}

/// A registered topic.
#[derive(
    CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxStreams, MaxConfig))]
pub struct Topic<
    AccountId: Field,
    Hash: Field,
    BlockNumber: Field,
    MaxStreams: Get<u32>,
    MaxConfig: Get<u32>,
> {
    /// The only account that may change the topic.
    pub owner: AccountId,
    /// The source streams.
    pub streams: BoundedVec<StreamId, MaxStreams>,
    /// The template's content hash.
    pub template: Hash,
    /// The template configuration input (`BatchHeader::config`).
    pub config: BoundedVec<u8, MaxConfig>,
    /// Batching window in blocks (1 = every block).
    pub window: u32,
    /// Explicit quorum; `None` means more than two thirds of the validators.
    pub quorum: Option<u32>,
    /// Stateless or stateful.
    pub mode: TopicMode,
    /// Active, paused or closed.
    pub status: TopicStatus,
    /// The next batch number to seal.
    pub next_batch: BatchNumber,
    /// The open window (first block, last block), if the topic is collecting events.
    pub open_window: Option<(BlockNumber, BlockNumber)>,
}

impl<
        AccountId: Field,
        Hash: Field,
        BlockNumber: Field,
        MaxStreams: Get<u32>,
        MaxConfig: Get<u32>,
    > Topic<AccountId, Hash, BlockNumber, MaxStreams, MaxConfig>
{
    /// Closed with its last window sealed: the topic holds no deposit, no place on its
    /// streams or in its owner's count, and no longer uses its template.
    pub fn is_retired(&self) -> bool {
        self.status == TopicStatus::Closed && self.open_window.is_none()
    }
}

/// A sealed batch, kept until its attestation deadline.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct BatchInfo<BlockNumber> {
    /// First and last block of the window (inclusive).
    pub window: (BlockNumber, BlockNumber),
    /// Number of events.
    pub event_count: u32,
    /// Hash chain over the event hashes in block order (see `Pallet::commitment`).
    pub commitment: Hash32,
    /// The block after which attestations are no longer taken; absentees are recorded then.
    pub deadline: BlockNumber,
    /// The digest of the finalized result, once a quorum agreed.
    pub finalized: Option<Hash32>,
}

/// A batch's outputs payload as the chain keeps it: inline (at most `MaxOutput` bytes) or
/// by hash (see [`concerto_primitives::OutputsPayload`]).
pub type OutputsPayload<MaxOutput> = concerto_primitives::OutputsPayload<BoundedVec<u8, MaxOutput>>;

/// What a validator computed for a batch, as the chain keeps it (the outputs payload
/// bounded by `MaxOutput`; see [`concerto_primitives::AttestationResult`]).
pub type AttestationResult<MaxOutput> =
    concerto_primitives::AttestationResult<BoundedVec<u8, MaxOutput>>;

/// A validator's signed statement about a sealed batch, as the chain takes it (see
/// [`concerto_primitives::Attestation`]).
pub type Attestation<ValidatorId, MaxOutput> =
    concerto_primitives::Attestation<ValidatorId, BoundedVec<u8, MaxOutput>>;

/// One distinct result attested for a batch, with its votes.
#[derive(
    CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxOutput))]
pub struct Candidate<MaxOutput: Get<u32>> {
    /// The result (as its first attester sent it).
    pub result: AttestationResult<MaxOutput>,
    /// How many validators attested it.
    pub votes: u32,
}

/// A finalized batch output (the latest `MaxOutputsPerTopic` per topic stay on chain).
#[derive(
    CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxOutput))]
pub struct FinalizedOutput<BlockNumber: Field, MaxOutput: Get<u32>> {
    /// The batch.
    pub batch: BatchNumber,
    /// The agreed result.
    pub result: AttestationResult<MaxOutput>,
    /// The block in which the quorum was reached.
    pub finalized_at: BlockNumber,
}

/// A validator's recorded faults, for later slashing.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct FaultRecord {
    /// Batches it did not attest before their deadline.
    pub missed: u32,
    /// Batches it attested differently from the finalized result.
    pub deviated: u32,
    /// The last batch a fault was recorded for.
    pub last: (TopicId, BatchNumber),
}
