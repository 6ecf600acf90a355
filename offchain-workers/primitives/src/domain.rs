//! Domain tags: the byte strings that keep each kind of signed message, pool tag and
//! offchain-storage key apart from every other. Each is used in exactly one role; a
//! message signed for one role can never be taken for another.

/// Prefix of the message a publisher signs for an event:
/// SCALE `(EVENT_SIGNING, genesis hash, stream, publisher, sequence, blake2_256(payload))`.
pub const EVENT_SIGNING: &[u8] = b"concerto/event/v1";

/// Prefix of the message a validator signs for an attestation:
/// SCALE `(ATTESTATION_SIGNING, genesis hash, attestation)`.
pub const ATTESTATION_SIGNING: &[u8] = b"concerto/attest/v1";

/// Prefix of the transaction-pool tag of an event: SCALE `(EVENT_POOL_TAG, stream,
/// publisher, sequence)`, so the pool orders a publisher's events by sequence number.
pub const EVENT_POOL_TAG: &[u8] = b"concerto/event";

/// Prefix of the offchain-storage key (PERSISTENT kind) under which the chain indexes an
/// event's SCALE-encoded [`crate::EventEnvelope`]; the key is this prefix followed by the
/// 32-byte event hash, BLAKE2b-256 of the envelope (so the key is fork-safe: same key,
/// same content).
pub const EVENT_OFFCHAIN_PREFIX: &[u8] = b"concerto/event/";

/// Prefix of the offchain worker's own records in PERSISTENT offchain storage (one per
/// validator key, topic and batch: what it claimed, signed and submitted).
pub const ATTESTATION_RECORD_PREFIX: &[u8] = b"concerto/ocw/attest/";

/// The offchain-storage key of an event's envelope: [`EVENT_OFFCHAIN_PREFIX`] followed by
/// the event hash.
pub fn event_offchain_key(event_hash: &crate::Hash32) -> alloc::vec::Vec<u8> {
    [EVENT_OFFCHAIN_PREFIX, &event_hash[..]].concat()
}
