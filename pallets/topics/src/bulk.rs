//! Bulk ingestion: the node-side path for real-time load. A node's ingestion RPC checks
//! events natively (decoding, size, signature, permission, sequence) and keeps them in
//! its durable queue; when the node authors a block it hands the queued events to the
//! runtime as inherent data ([`INHERENT_IDENTIFIER`]), and [`Pallet::create_ingest`]
//! picks, against the parent state, the ones that may go into this block: every check of
//! `publish`, in queue order, within `MaxEventsPerBlock`, the open windows' room and
//! `MaxIngestWeight`. The result is one mandatory `ingest` inherent per block.
//!
//! Whoever imports the block re-runs every check in `ingest`, signatures included
//! (through `concerto-verify-interface`: batch verification on all cores, cached where
//! the node verified the signature already). A block whose `ingest` carries one bad event
//! is invalid as a whole, so no bad event enters a batch and every validator computes over
//! the same ordered events.

use crate::{pallet::*, types::*, WeightInfo};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use codec::DecodeAll;
use frame_support::{ensure, pallet_macros::pallet_section, pallet_prelude::*};
use polkadot_sdk::*;
use sp_inherents::InherentIdentifier;
use sp_runtime::{
    traits::{Saturating, Zero},
    DispatchResult,
};

/// The inherent data of bulk ingestion: SCALE `Vec<Vec<u8>>`, each entry the SCALE
/// encoding of one `SignedEvent`, in the node's queue order.
pub const INHERENT_IDENTIFIER: InherentIdentifier = *b"concevts";

impl<T: Config> Pallet<T> {
    /// The `ingest` call for this block from the node's queued events (see the module
    /// docs), or `None` when none of them may go in.
    pub fn create_ingest(queued: Vec<Vec<u8>>) -> Option<Call<T>> {
        let max = T::MaxEventsPerBlock::get() as usize;
        let budget = T::MaxIngestWeight::get();
        // Decodable and not yet on chain; at most twice the block's room is considered.
        let candidates: Vec<SignedEventOf<T>> = queued
            .iter()
            .filter_map(|bytes| SignedEventOf::<T>::decode_all(&mut &bytes[..]).ok())
            .filter(|e| e.sequence >= NextSequence::<T>::get(e.stream, e.publisher))
            .take(max.saturating_mul(2))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let good = if Self::signatures_verify(candidates.iter()) {
            alloc::vec![true; candidates.len()]
        } else {
            Self::signatures_each(&candidates)
        };
        let mut next: BTreeMap<(StreamId, PublisherKey), u64> = BTreeMap::new();
        let mut added: BTreeMap<TopicId, u32> = BTreeMap::new();
        let mut committed: BTreeMap<StreamId, BalanceOf<T>> = BTreeMap::new();
        let mut payload_bytes: u64 = 0;
        let mut selected = Vec::new();
        for (event, ok) in candidates.into_iter().zip(good) {
            if selected.len() >= max {
                break;
            }
            if !ok {
                continue;
            }
            let key = (event.stream, event.publisher);
            let expected = next
                .get(&key)
                .copied()
                .unwrap_or_else(|| NextSequence::<T>::get(key.0, key.1));
            let spent = committed.get(&event.stream).copied().unwrap_or_default();
            let fee = Self::event_fee(event.payload.len());
            if Self::check_event_permission(&event, expected, false).is_err()
                || Self::check_capacity(event.stream, |t| added.get(&t).copied().unwrap_or(0))
                    .is_err()
                || Self::check_budget(event.stream, spent, fee).is_err()
            {
                continue;
            }
            let n = selected.len() as u64 + 1;
            let bytes = payload_bytes.saturating_add(event.payload.len() as u64);
            let mean = bytes.div_ceil(n) as u32;
            let streams = committed.len() as u32 + u32::from(spent.is_zero());
            let weight = T::WeightInfo::ingest(n as u32, mean)
                .saturating_add(Self::seal_share(n as u32))
                .saturating_add(Self::streams_share(streams));
            if weight.any_gt(budget) {
                break;
            }
            payload_bytes = bytes;
            committed.insert(event.stream, spent.saturating_add(fee));
            for topic in Self::collecting_topics(event.stream) {
                *added.entry(topic).or_default() += 1;
            }
            next.insert(key, event.sequence.saturating_add(1));
            selected.push(event);
        }
        if selected.is_empty() {
            return None;
        }
        Some(Call::ingest {
            events: BoundedVec::truncate_from(selected),
        })
    }

    /// The number of distinct streams among `events`.
    pub fn distinct_streams(events: &[SignedEventOf<T>]) -> u32 {
        let mut streams: Vec<StreamId> = events.iter().map(|e| e.stream).collect();
        streams.sort_unstable();
        streams.dedup();
        streams.len() as u32
    }

    /// The weight of the streams of a call beyond the first one (each is read, and its
    /// budget charged, once): the `ingest` and `publish_batch` benchmarks put every event
    /// on one stream; `ingest_streams` puts each on its own.
    pub fn streams_share(streams: u32) -> Weight {
        if streams <= 1 {
            return Weight::zero();
        }
        T::WeightInfo::ingest_streams(streams).saturating_sub(T::WeightInfo::ingest_streams(1))
    }

    /// Dispatch of the `ingest` inherent: at most once per block; every signature must
    /// verify and every event must pass the checks of `publish`, or the block is invalid.
    pub(crate) fn do_ingest(events: &[SignedEventOf<T>]) -> DispatchResult {
        ensure!(!IngestedInBlock::<T>::get(), Error::<T>::IngestedTwice);
        IngestedInBlock::<T>::put(true);
        ensure!(
            Self::signatures_verify(events.iter()),
            Error::<T>::BadSignature
        );
        Self::ingest_events(events)
    }
}

/// The `ingest` inherent (a section of the `#[pallet]` module in `lib.rs`).
#[pallet_section]
mod inherent {
    #[pallet::inherent]
    impl<T: Config> ProvideInherent for Pallet<T> {
        type Call = Call<T>;
        type Error = sp_inherents::MakeFatalError<()>;
        const INHERENT_IDENTIFIER: sp_inherents::InherentIdentifier = bulk::INHERENT_IDENTIFIER;

        fn create_inherent(data: &sp_inherents::InherentData) -> Option<Self::Call> {
            let queued: alloc::vec::Vec<alloc::vec::Vec<u8>> =
                data.get_data(&bulk::INHERENT_IDENTIFIER).ok().flatten()?;
            Pallet::<T>::create_ingest(queued)
        }

        fn is_inherent(call: &Self::Call) -> bool {
            matches!(call, Call::ingest { .. })
        }
    }
}
