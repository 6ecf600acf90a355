//! The `#[pallet::authorize]` functions of the fee-less calls (`publish`,
//! `publish_batch`, `attest`): every check runs here so bad transactions never enter the
//! pool or a block. Cheap checks first, signatures last.
//!
//! Validity errors: a bad signature is `BadProof`; a used sequence number or a repeated
//! attestation is `Stale`; a full window is `ExhaustsResources`; a sequence gap inside a
//! block is `Future`; anything else is `Custom(i)` where `i` is the index of the matching
//! [`Error`] variant (e.g. `NotPublisher`, `NotValidator`, `BatchNotSealed`).

use crate::{pallet::*, types::*};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use codec::Encode;
use frame_support::pallet_prelude::*;
use polkadot_sdk::*;
use sp_runtime::{
    traits::Zero,
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidityError,
        TransactionValidityWithRefund, ValidTransaction,
    },
    RuntimeAppPublic,
};

/// How long (in blocks) an authorized transaction stays valid in the pool.
const LONGEVITY: u64 = 64;

impl<T: Config> From<Error<T>> for TransactionValidityError {
    fn from(error: Error<T>) -> Self {
        let invalid = match error {
            Error::BadSignature | Error::BadAttestationSignature => InvalidTransaction::BadProof,
            Error::SequenceUsed | Error::AlreadyAttested => InvalidTransaction::Stale,
            Error::SequenceGap => InvalidTransaction::Future,
            Error::BatchFull => InvalidTransaction::ExhaustsResources,
            other => {
                let index = other.encode().first().copied().unwrap_or(u8::MAX);
                InvalidTransaction::Custom(index)
            }
        };
        invalid.into()
    }
}

impl<T: Config> Pallet<T> {
    /// The message a validator signs for an attestation: SCALE encoding of
    /// `(ATTESTATION_SIGNING_DOMAIN, genesis hash, attestation)`.
    pub fn attestation_signing_message(attestation: &AttestationOf<T>) -> Vec<u8> {
        let genesis = frame_system::Pallet::<T>::block_hash(
            frame_system::pallet_prelude::BlockNumberFor::<T>::zero(),
        );
        attestation_signing_payload(&genesis, attestation)
    }

    fn event_tag(event: &SignedEventOf<T>, sequence: u64) -> Vec<u8> {
        (b"concerto/event", event.stream, event.publisher, sequence).encode()
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
        Self::check_event_signature(event)?;
        let mut valid = ValidTransaction::with_tag_prefix("ConcertoPublish")
            .priority(T::AuthorizedPriority::get())
            .and_provides(Self::event_tag(event, event.sequence))
            .longevity(LONGEVITY)
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
        let mut valid = ValidTransaction::with_tag_prefix("ConcertoPublish")
            .priority(T::AuthorizedPriority::get())
            .longevity(LONGEVITY)
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
        for event in events.iter() {
            Self::check_event_signature(event)?;
        }
        valid.build().map(|v| (v, Weight::zero()))
    }

    /// Checks an attestation but its signature: the batch is sealed and awaiting
    /// attestations, the validator is current and has not attested it yet, and for a
    /// stateful topic the batch is next in line and starts from the last finalized state.
    /// Returns the topic.
    pub(crate) fn check_attestation(
        attestation: &AttestationOf<T>,
    ) -> Result<TopicOf<T>, Error<T>> {
        let key = (attestation.topic, attestation.batch);
        ensure!(
            Batches::<T>::contains_key(key.0, key.1),
            Error::<T>::BatchNotSealed
        );
        ensure!(
            Self::is_validator(&attestation.validator),
            Error::<T>::NotValidator
        );
        ensure!(
            !Attestations::<T>::contains_key(key, &attestation.validator),
            Error::<T>::AlreadyAttested
        );
        let topic = Topics::<T>::get(key.0).ok_or(Error::<T>::UnknownTopic)?;
        if topic.mode == TopicMode::Stateful {
            ensure!(
                !Self::predecessor_pending(key.0, key.1),
                Error::<T>::PredecessorPending
            );
            if let Some((_, root)) = TopicState::<T>::get(key.0) {
                ensure!(
                    attestation.result.start_root == root,
                    Error::<T>::StateDiscontinuity
                );
            }
        }
        Ok(topic)
    }

    /// Whether the batch before `batch` of a topic is sealed and not finalized yet. Batch
    /// numbers are consecutive and all batches of a topic get the same attestation period,
    /// so when the direct predecessor is settled every earlier batch is settled too.
    pub(crate) fn predecessor_pending(topic: TopicId, batch: BatchNumber) -> bool {
        batch
            .checked_sub(1)
            .and_then(|previous| Batches::<T>::get(topic, previous))
            .is_some_and(|info| info.finalized.is_none())
    }

    /// Whether `who` is among the current validators taken into account.
    pub fn is_validator(who: &T::AttestationId) -> bool {
        T::Validators::get()
            .iter()
            .take(T::MaxValidators::get() as usize)
            .any(|v| v == who)
    }

    /// Authorization of `attest`.
    pub(crate) fn authorize_attest(
        _source: TransactionSource,
        attestation: &AttestationOf<T>,
        signature: &AttestationSignatureOf<T>,
    ) -> TransactionValidityWithRefund {
        Self::check_attestation(attestation)?;
        let message = Self::attestation_signing_message(attestation);
        if !attestation.validator.verify(&message, signature) {
            return Err(Error::<T>::BadAttestationSignature.into());
        }
        ValidTransaction::with_tag_prefix("ConcertoAttest")
            .priority(T::AuthorizedPriority::get())
            .and_provides((attestation.topic, attestation.batch, &attestation.validator).encode())
            .longevity(LONGEVITY)
            .propagate(true)
            .build()
            .map(|v| (v, Weight::zero()))
    }
}
