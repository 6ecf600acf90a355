//! The validator set: the session pallet tells this pallet the `conc` keys of each new
//! validator set, and [`SessionValidatorKeys`] hands them to `Config::Validators`.

use crate::{pallet::*, types::*, LOG_TARGET};
use alloc::vec::Vec;
use core::marker::PhantomData;
use frame_support::traits::{Get, OneSessionHandler};
use polkadot_sdk::*;
use sp_runtime::BoundToRuntimeAppPublic;

/// `Config::Validators` for a runtime with pallet-session: the keys in [`SessionValidators`].
#[derive(frame_support::DebugNoBound)]
pub struct SessionValidatorKeys<T>(PhantomData<T>);

impl<T: Config> Get<Vec<T::AttestationId>> for SessionValidatorKeys<T> {
    fn get() -> Vec<T::AttestationId> {
        SessionValidators::<T>::get().into_inner()
    }
}

impl<T: Config> Pallet<T> {
    /// Stores the `conc` keys of the validator set. Keys beyond `MaxValidators` are dropped
    /// (with a log line): those validators cannot attest.
    pub fn note_validators(keys: impl Iterator<Item = T::AttestationId>) {
        let keys: Vec<_> = keys.collect();
        let limit = T::MaxValidators::get() as usize;
        if keys.len() > limit {
            log::warn!(
                target: LOG_TARGET,
                "{} validators but MaxValidators is {limit}: only the first {limit} may attest",
                keys.len(),
            );
        }
        let count = keys.len().min(limit) as u32;
        SessionValidators::<T>::put(frame_support::BoundedVec::truncate_from(keys));
        Self::pause_unreachable_topics(count);
    }

    /// Pauses every active topic whose explicit quorum is above `validators`, with an
    /// event each (see `Event::TopicQuorumUnreachable`). Active topics are the ones with an
    /// open window, at most `MaxOpenTopics`, all listed in `SealSchedule`.
    pub(crate) fn pause_unreachable_topics(validators: u32) {
        let scheduled: Vec<TopicId> = SealSchedule::<T>::iter_values().flatten().collect();
        for topic in scheduled {
            let Some(mut t) = Topics::<T>::get(topic) else {
                continue;
            };
            let Some(quorum) = t.quorum.filter(|q| *q > validators) else {
                continue;
            };
            if t.status != TopicStatus::Active {
                continue;
            }
            t.status = TopicStatus::Paused;
            Topics::<T>::insert(topic, t);
            Self::deposit_event(Event::TopicQuorumUnreachable {
                topic,
                quorum,
                validators,
            });
            Self::deposit_event(Event::TopicStatusChanged {
                topic,
                status: TopicStatus::Paused,
            });
        }
    }
}

impl<T: Config> BoundToRuntimeAppPublic for Pallet<T> {
    type Public = T::AttestationId;
}

impl<T: Config> OneSessionHandler<T::AccountId> for Pallet<T> {
    type Key = T::AttestationId;

    fn on_genesis_session<'a, I>(validators: I)
    where
        I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
    {
        Self::note_validators(validators.map(|(_, key)| key));
    }

    fn on_new_session<'a, I>(_changed: bool, validators: I, _queued_validators: I)
    where
        I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
    {
        // Always store: a validator may have rotated its key even if the set is unchanged.
        Self::note_validators(validators.map(|(_, key)| key));
    }

    fn on_disabled(_validator_index: u32) {}
}
