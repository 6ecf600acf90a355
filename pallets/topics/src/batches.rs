//! Sealing windows into batches, taking attestations, finalizing on quorum and judging
//! validators at each batch's deadline.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use polkadot_sdk::*;
use sp_runtime::{
    traits::{One, Saturating},
    DispatchResult,
};

impl<T: Config> Pallet<T> {
    /// Seals every window ending at `now` (called from `on_finalize`). Empty windows are
    /// not sealed (no batch number is used); the next window opens if the topic is active.
    pub(crate) fn seal_due(now: BlockNumberFor<T>) {
        for topic in SealSchedule::<T>::take(now) {
            let Some(mut t) = Topics::<T>::get(topic) else {
                continue;
            };
            let Some((first, last)) = t.open_window.take() else {
                continue;
            };
            OpenTopicCount::<T>::mutate(|n| *n = n.saturating_sub(1));
            let events = OpenBatch::<T>::take(topic);
            if !events.is_empty() {
                Self::seal(topic, &mut t, (first, last), events, now);
            }
            match t.status {
                TopicStatus::Active => {
                    // Cannot fail: this topic's own open slot was just given back.
                    if Self::open_window(topic, &mut t, now.saturating_add(One::one())).is_err() {
                        t.status = TopicStatus::Paused;
                        Self::deposit_event(Event::TopicStatusChanged {
                            topic,
                            status: t.status,
                        });
                    }
                }
                TopicStatus::Paused => {}
                TopicStatus::Closed => Self::release_template_use(&t.template),
            }
            Topics::<T>::insert(topic, t);
        }
    }

    fn seal(
        topic: TopicId,
        t: &mut TopicOf<T>,
        window: (BlockNumberFor<T>, BlockNumberFor<T>),
        events: BoundedVec<Hash32, T::MaxEventsPerBatch>,
        now: BlockNumberFor<T>,
    ) {
        let batch = t.next_batch;
        let commitment = Self::commitment(&events);
        let event_count = events.len() as u32;
        let deadline = now.saturating_add(T::AttestationPeriod::get());
        // Cannot overflow: at most `MaxOpenTopics` windows close per block and they all
        // get the same deadline.
        if Deadlines::<T>::try_mutate(deadline, |due| due.try_push((topic, batch))).is_err() {
            return;
        }
        t.next_batch = batch.saturating_add(1);
        Batches::<T>::insert(
            topic,
            batch,
            BatchInfo {
                window,
                event_count,
                commitment,
                deadline,
                finalized: None,
            },
        );
        BatchEvents::<T>::insert(topic, batch, events);
        Self::deposit_event(Event::BatchSealed {
            topic,
            batch,
            first_block: window.0,
            last_block: window.1,
            event_count,
            commitment,
        });
    }

    /// Records an authorized attestation and finalizes the output on quorum.
    pub(crate) fn do_attest(attestation: AttestationOf<T>) -> DispatchResult {
        let topic = Self::check_attestation(&attestation)?;
        let key = (attestation.topic, attestation.batch);
        let mut info = Batches::<T>::get(key.0, key.1).ok_or(Error::<T>::BatchNotSealed)?;
        let digest = attestation.result.digest();
        Attestations::<T>::insert(key, &attestation.validator, digest);
        let votes = Candidates::<T>::mutate(key, digest, |candidate| {
            let c = candidate.get_or_insert_with(|| Candidate {
                result: attestation.result.clone(),
                votes: 0,
            });
            c.votes = c.votes.saturating_add(1);
            c.votes
        });
        Self::deposit_event(Event::Attested {
            topic: key.0,
            batch: key.1,
            validator: attestation.validator,
            digest,
        });
        let quorum = Self::effective_quorum(topic.quorum, Self::validator_count());
        if info.finalized.is_none() && votes >= quorum {
            info.finalized = Some(digest);
            Batches::<T>::insert(key.0, key.1, info);
            let result = attestation.result;
            if topic.mode == TopicMode::Stateful {
                TopicState::<T>::insert(key.0, (key.1, result.state_root));
            }
            Self::deposit_event(Event::OutputFinalized {
                topic: key.0,
                batch: key.1,
                outputs_root: result.outputs_root,
                state_root: result.state_root,
                verdict: result.verdict,
            });
            let output = FinalizedOutput {
                batch: key.1,
                result,
                finalized_at: frame_system::Pallet::<T>::block_number(),
            };
            Outputs::<T>::mutate(key.0, |outputs| {
                if outputs.is_full() {
                    outputs.remove(0);
                }
                // Cannot fail: room was made above.
                let _ = outputs.try_push(output);
            });
        }
        Ok(())
    }

    /// Closes every batch whose deadline is `now` (called from `on_initialize`): records
    /// missing and deviating validators, emits `BatchExpired` for batches without a
    /// quorum, and drops the batch's attestation state. Returns how many were judged.
    pub(crate) fn judge_deadlines(now: BlockNumberFor<T>) -> u32 {
        let due = Deadlines::<T>::take(now);
        let validators: Vec<T::AttestationId> = T::Validators::get()
            .into_iter()
            .take(T::MaxValidators::get() as usize)
            .collect();
        for (topic, batch) in due.iter().copied() {
            let Some(info) = Batches::<T>::take(topic, batch) else {
                continue;
            };
            let key = (topic, batch);
            let mut missed = Vec::new();
            let mut deviated = Vec::new();
            for v in validators.iter() {
                match (Attestations::<T>::get(key, v), info.finalized) {
                    (None, _) => missed.push(v.clone()),
                    (Some(d), Some(f)) if d != f => deviated.push(v.clone()),
                    _ => {}
                }
            }
            for v in missed.iter() {
                Self::record_fault(v, key, true);
            }
            for v in deviated.iter() {
                Self::record_fault(v, key, false);
            }
            if info.finalized.is_none() {
                Self::deposit_event(Event::BatchExpired { topic, batch });
            }
            if !missed.is_empty() || !deviated.is_empty() {
                Self::deposit_event(Event::ValidatorsFaulted {
                    topic,
                    batch,
                    missed,
                    deviated,
                });
            }
            let limit = T::MaxValidators::get();
            let _ = Attestations::<T>::clear_prefix(key, limit, None);
            let _ = Candidates::<T>::clear_prefix(key, limit, None);
            BatchEvents::<T>::remove(topic, batch);
        }
        due.len() as u32
    }

    fn record_fault(validator: &T::AttestationId, at: (TopicId, BatchNumber), missed: bool) {
        Faults::<T>::mutate(validator, |record| {
            let r = record.get_or_insert_with(Default::default);
            if missed {
                r.missed = r.missed.saturating_add(1);
            } else {
                r.deviated = r.deviated.saturating_add(1);
            }
            r.last = at;
        });
    }
}
