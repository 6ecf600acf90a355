//! Publish: event ingestion. `publish` and `publish_batch` are authorized (fee-less)
//! transactions: every check runs in the authorization, cheap checks first, signatures
//! last, so a bad event never enters the pool or a block; dispatch re-checks the cheap
//! conditions and writes the envelope to offchain storage and the event hash into every
//! collecting topic's open window.

use crate::{pallet::*, types::*};
use alloc::{
    collections::btree_map::{BTreeMap, Entry},
    vec::Vec,
};
use codec::Encode;
use concerto_primitives::{domain, EventEnvelope};
use concerto_verify_interface::verify;
use frame_support::{ensure, pallet_prelude::*};
use polkadot_sdk::*;
use sp_runtime::{
    traits::{Saturating, Zero},
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidityWithRefund, ValidTransaction,
    },
    DispatchResult, SaturatedConversion,
};

impl<T: Config> Pallet<T> {
    /// The message a publisher signs for an event: SCALE encoding of
    /// `(domain::EVENT_SIGNING, genesis hash, stream, publisher, sequence, blake2_256(payload))`.
    pub fn event_signing_message(
        stream: StreamId,
        publisher: &PublisherKey,
        sequence: u64,
        payload: &[u8],
    ) -> Vec<u8> {
        event_signing_payload(&Self::genesis(), stream, publisher, sequence, payload)
    }

    /// The mean payload length of a `publish_batch` call, rounded up: the benchmarks
    /// measure `n` events of `p` bytes each, so this is the `p` that weighs the call.
    pub fn mean_payload_len(events: &[SignedEventOf<T>]) -> u32 {
        let total: u64 = events.iter().map(|e| e.payload.len() as u64).sum();
        let n = (events.len() as u64).max(1);
        total.div_ceil(n) as u32
    }

    /// The offchain-storage key (PERSISTENT kind) of an event's envelope
    /// (`concerto_primitives::domain::event_offchain_key`).
    pub fn event_offchain_key(event_hash: &Hash32) -> Vec<u8> {
        domain::event_offchain_key(event_hash)
    }

    /// What ingesting an event with a payload of `len` bytes takes from its stream's
    /// budget: `EventFee + EventByteFee * len`.
    pub fn event_fee(len: usize) -> BalanceOf<T> {
        T::EventByteFee::get()
            .saturating_mul((len as u32).into())
            .saturating_add(T::EventFee::get())
    }

    /// Whether `stream`'s budget pays `fee` on top of `committed` (what earlier events of
    /// the same call or block take).
    pub(crate) fn check_budget(
        stream: StreamId,
        committed: BalanceOf<T>,
        fee: BalanceOf<T>,
    ) -> Result<(), Error<T>> {
        let budget = StreamBudgets::<T>::get(stream).unwrap_or_default();
        ensure!(
            committed.saturating_add(fee) <= budget,
            Error::<T>::StreamBudgetExhausted
        );
        Ok(())
    }

    /// Takes `fee` from `stream`'s budget and burns it from the owner's hold. Emits
    /// `StreamBudgetExhausted` when what is left no longer pays for one event.
    fn charge_stream(stream: StreamId, owner: &T::AccountId, fee: BalanceOf<T>) -> DispatchResult {
        let budget = StreamBudgets::<T>::get(stream).unwrap_or_default();
        ensure!(fee <= budget, Error::<T>::StreamBudgetExhausted);
        Self::burn_held(HoldReason::StreamBudget, owner, fee)?;
        let left = budget.saturating_sub(fee);
        // An empty budget is no entry.
        StreamBudgets::<T>::set(stream, Some(left).filter(|l| !l.is_zero()));
        if left < T::EventFee::get() {
            Self::deposit_event(Event::StreamBudgetExhausted {
                stream,
                budget: left,
            });
        }
        Ok(())
    }

    fn event_tag(event: &SignedEventOf<T>, sequence: u64) -> Vec<u8> {
        (
            domain::EVENT_POOL_TAG,
            event.stream,
            event.publisher,
            sequence,
        )
            .encode()
    }

    /// Authorization of `publish`. In the pool, an event ahead of the publisher's next
    /// sequence number waits for its predecessor (`requires` tag); in a block it must be
    /// exactly the next one.
    pub(crate) fn authorize_publish(
        source: TransactionSource,
        event: &SignedEventOf<T>,
    ) -> TransactionValidityWithRefund {
        let expected = NextSequence::<T>::get(event.stream, event.publisher);
        let in_pool = source != TransactionSource::InBlock;
        Self::check_event_permission(event, expected, in_pool)?;
        Self::check_capacity(event.stream, |_| 0)?;
        Self::check_budget(
            event.stream,
            Zero::zero(),
            Self::event_fee(event.payload.len()),
        )?;
        Self::check_event_signature(event)?;
        let mut valid = ValidTransaction::with_tag_prefix("ConcertoPublish")
            .priority(T::AuthorizedPriority::get())
            .and_provides(Self::event_tag(event, event.sequence))
            .longevity(crate::AUTHORIZED_LONGEVITY)
            .propagate(true);
        if event.sequence > expected {
            valid = valid.and_requires(Self::event_tag(event, event.sequence.saturating_sub(1)));
        }
        valid.build().map(|v| (v, Weight::zero()))
    }

    /// Authorization of `publish_batch`: every event is checked as by `publish`, in order,
    /// with the sequence numbers and window room the earlier events of the call use.
    pub(crate) fn authorize_publish_batch(
        source: TransactionSource,
        events: &BoundedVec<SignedEventOf<T>, T::MaxEventsPerCall>,
    ) -> TransactionValidityWithRefund {
        ensure!(!events.is_empty(), InvalidTransaction::Call);
        let in_pool = source != TransactionSource::InBlock;
        let mut next: BTreeMap<(StreamId, PublisherKey), u64> = BTreeMap::new();
        let mut added: BTreeMap<TopicId, u32> = BTreeMap::new();
        let mut committed: BTreeMap<StreamId, BalanceOf<T>> = BTreeMap::new();
        let mut valid = ValidTransaction::with_tag_prefix("ConcertoPublish")
            .priority(T::AuthorizedPriority::get())
            .longevity(crate::AUTHORIZED_LONGEVITY)
            .propagate(true);
        for event in events.iter() {
            let key = (event.stream, event.publisher);
            let (expected, first) = match next.get(&key) {
                Some(n) => (*n, false),
                None => (NextSequence::<T>::get(key.0, key.1), true),
            };
            // Only the first event of a publisher in the call may wait for a predecessor.
            Self::check_event_permission(event, expected, in_pool && first)?;
            Self::check_capacity(event.stream, |topic| {
                added.get(&topic).copied().unwrap_or(0)
            })?;
            let spent = committed.entry(event.stream).or_insert_with(Zero::zero);
            let fee = Self::event_fee(event.payload.len());
            Self::check_budget(event.stream, *spent, fee)?;
            *spent = spent.saturating_add(fee);
            for topic in Self::collecting_topics(event.stream) {
                *added.entry(topic).or_default() += 1;
            }
            if first && event.sequence > expected {
                valid =
                    valid.and_requires(Self::event_tag(event, event.sequence.saturating_sub(1)));
            }
            valid = valid.and_provides(Self::event_tag(event, event.sequence));
            next.insert(key, event.sequence.saturating_add(1));
        }
        ensure!(
            Self::signatures_verify(events.iter()),
            Error::<T>::BadSignature
        );
        valid.build().map(|v| (v, Weight::zero()))
    }

    /// Checks everything about an event but its signature and batch capacity: the stream
    /// is open, the key may publish on it, and the sequence number is `expected` (or,
    /// with `allow_future`, later than it).
    pub(crate) fn check_event_permission(
        event: &SignedEventOf<T>,
        expected: u64,
        allow_future: bool,
    ) -> Result<(), Error<T>> {
        let stream = Streams::<T>::get(event.stream).ok_or(Error::<T>::UnknownStream)?;
        Self::check_permission_on(&stream, event, expected, allow_future)
    }

    /// [`Self::check_event_permission`] with the event's stream record at hand.
    fn check_permission_on(
        stream: &StreamOf<T>,
        event: &SignedEventOf<T>,
        expected: u64,
        allow_future: bool,
    ) -> Result<(), Error<T>> {
        ensure!(
            stream.status == StreamStatus::Open,
            Error::<T>::StreamClosed
        );
        ensure!(
            stream.publishers.contains(&event.publisher),
            Error::<T>::NotPublisher
        );
        ensure!(event.sequence >= expected, Error::<T>::SequenceUsed);
        ensure!(
            allow_future || event.sequence == expected,
            Error::<T>::SequenceGap
        );
        Ok(())
    }

    /// Whether the publisher's signature over the event verifies.
    pub(crate) fn check_event_signature(event: &SignedEventOf<T>) -> Result<(), Error<T>> {
        let message = Self::event_signing_message(
            event.stream,
            &event.publisher,
            event.sequence,
            &event.payload,
        );
        ensure!(
            event.publisher.verify(&message, &event.signature),
            Error::<T>::BadSignature
        );
        Ok(())
    }

    /// Whether every event's signature verifies ([`SignatureCheck::all`]; sr25519 ones in
    /// one batch through the node's cached host function).
    pub(crate) fn signatures_verify<'a>(
        events: impl Iterator<Item = &'a SignedEventOf<T>>,
    ) -> bool {
        let genesis = Self::genesis();
        SignatureCheck::all(
            events.map(|e| Self::signature_check(&genesis, e)),
            verify::sr25519_all,
        )
    }

    /// Whether each event's signature verifies, in order (the slow path after
    /// [`Self::signatures_verify`] said no).
    pub(crate) fn signatures_each(events: &[SignedEventOf<T>]) -> Vec<bool> {
        let genesis = Self::genesis();
        SignatureCheck::each(
            events.iter().map(|e| Self::signature_check(&genesis, e)),
            verify::sr25519_each,
        )
    }

    fn signature_check(genesis: &T::Hash, event: &SignedEventOf<T>) -> SignatureCheck {
        SignatureCheck::new(
            genesis,
            event.stream,
            &event.publisher,
            event.sequence,
            &event.payload,
            &event.signature,
        )
    }

    /// The chain's genesis hash (every signing message names it).
    pub(crate) fn genesis() -> T::Hash {
        frame_system::Pallet::<T>::block_hash(
            frame_system::pallet_prelude::BlockNumberFor::<T>::zero(),
        )
    }

    /// The topics with an open window that an event on `stream` goes to.
    pub(crate) fn collecting_topics(stream: StreamId) -> impl Iterator<Item = TopicId> {
        StreamTopics::<T>::get(stream)
            .into_iter()
            .filter(|topic| Topics::<T>::get(topic).is_some_and(|t| t.open_window.is_some()))
    }

    /// Whether each collecting topic of `stream` has room for `extra + 1` more events.
    pub(crate) fn check_capacity(
        stream: StreamId,
        mut extra: impl FnMut(TopicId) -> u32,
    ) -> Result<(), Error<T>> {
        for topic in Self::collecting_topics(stream) {
            let held = OpenBatch::<T>::decode_len(topic).unwrap_or(0) as u32;
            ensure!(
                held.saturating_add(extra(topic)) < T::MaxEventsPerBatch::get(),
                Error::<T>::BatchFull
            );
        }
        Ok(())
    }

    /// Accepts one authorized event (see [`Self::ingest_events`]).
    pub(crate) fn ingest_event(event: &SignedEventOf<T>) -> DispatchResult {
        Self::ingest_events(core::slice::from_ref(event))
    }

    /// Accepts authorized events, in order, all or nothing (the caller's dispatch is
    /// transactional): re-checks the cheap conditions (signatures were verified by the
    /// caller), writes each envelope to offchain storage and each event hash into every
    /// collecting topic's window. Stream records, collecting topics and sequence numbers
    /// are read once per call, and each window's room is checked once before its hashes
    /// are appended (without decoding the window). Each stream's budget is charged once
    /// for all its events of the call.
    pub(crate) fn ingest_events(events: &[SignedEventOf<T>]) -> DispatchResult {
        let block = frame_system::Pallet::<T>::block_number().saturated_into::<u32>();
        // Per stream: its record, its collecting topics and the fee of its events.
        type PerStream<T> = (StreamOf<T>, Vec<TopicId>, BalanceOf<T>);
        let mut streams: BTreeMap<StreamId, PerStream<T>> = BTreeMap::new();
        let mut next: BTreeMap<(StreamId, PublisherKey), u64> = BTreeMap::new();
        let mut added: BTreeMap<TopicId, Vec<Hash32>> = BTreeMap::new();
        for event in events {
            let (stream, topics, fee) = match streams.entry(event.stream) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(new) => {
                    let stream =
                        Streams::<T>::get(event.stream).ok_or(Error::<T>::UnknownStream)?;
                    let topics = Self::collecting_topics(event.stream).collect();
                    new.insert((stream, topics, Zero::zero()))
                }
            };
            *fee = fee.saturating_add(Self::event_fee(event.payload.len()));
            let key = (event.stream, event.publisher);
            let expected = match next.get(&key) {
                Some(n) => *n,
                None => NextSequence::<T>::get(key.0, key.1),
            };
            Self::check_permission_on(stream, event, expected, false)?;
            let envelope = EventEnvelope {
                stream_id: event.stream,
                publisher: event.publisher.envelope_id(),
                sequence: event.sequence,
                block_number: block,
                payload: event.payload.to_vec(),
            };
            let bytes = envelope.encode();
            let event_hash = sp_io::hashing::blake2_256(&bytes);
            for topic in topics.iter() {
                added.entry(*topic).or_default().push(event_hash);
            }
            sp_io::offchain_index::set(&Self::event_offchain_key(&event_hash), &bytes);
            next.insert(key, expected.saturating_add(1));
            Self::deposit_event(Event::EventPublished {
                stream: event.stream,
                publisher: event.publisher,
                sequence: event.sequence,
                event_hash,
            });
        }
        for (topic, hashes) in added {
            let held = OpenBatch::<T>::decode_len(topic).unwrap_or(0);
            ensure!(
                held.saturating_add(hashes.len()) <= T::MaxEventsPerBatch::get() as usize,
                Error::<T>::BatchFull
            );
            // Room checked above: plain appends keep the `BoundedVec` within its bound.
            let storage_key = OpenBatch::<T>::hashed_key_for(topic);
            for hash in hashes {
                sp_io::storage::append(&storage_key, hash.encode());
            }
        }
        for ((stream, publisher), n) in next {
            NextSequence::<T>::insert(stream, publisher, n);
        }
        for (id, (stream, _, fee)) in streams {
            Self::charge_stream(id, &stream.owner, fee)?;
        }
        Ok(())
    }
}
