//! Batch: windows and sealing. Each active topic has one open window; the event hashes
//! published into it collect in `OpenBatch`, and at the window's last block
//! (`on_finalize`) the pallet seals them into a batch with a commitment and an
//! attestation deadline, then opens the next window.

use crate::{pallet::*, types::*, WeightInfo};
use frame_support::{defensive, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use polkadot_sdk::*;
use sp_runtime::{
    traits::{One, Saturating},
    DispatchResult,
};

impl<T: Config> Pallet<T> {
    /// The commitment of a batch: `c = [0; 32]`, then `c = blake2_256(c ++ h)` for every
    /// event hash `h` in block order (`concerto_primitives::batch_commitment`).
    pub fn commitment(event_hashes: &[Hash32]) -> Hash32 {
        concerto_primitives::batch_commitment(event_hashes, sp_io::hashing::blake2_256)
    }

    /// The sealing work `n` more events add to the windows they go to: charged by the
    /// extrinsics that ingest them, since a window may close in the very block they
    /// arrive in. The `e` slope of `on_finalize_seal` is measured with `MaxOpenTopics`
    /// windows of `e` events each, so one event in one window costs that slope divided by
    /// `MaxOpenTopics`; an event goes to at most `MaxTopicsPerStream` windows.
    pub fn seal_share(n: u32) -> Weight {
        let all_windows = T::WeightInfo::on_finalize_seal(1, n)
            .saturating_sub(T::WeightInfo::on_finalize_seal(1, 0));
        all_windows.saturating_mul(u64::from(T::MaxTopicsPerStream::get()))
            / u64::from(T::MaxOpenTopics::get().max(1))
    }

    /// Opens a window for `topic` starting at `start` and schedules its sealing.
    pub(crate) fn open_window(
        topic: TopicId,
        t: &mut TopicOf<T>,
        start: BlockNumberFor<T>,
    ) -> DispatchResult {
        let open = OpenTopicCount::<T>::get();
        ensure!(
            open < T::MaxOpenTopics::get(),
            Error::<T>::TooManyOpenTopics
        );
        let end = start
            .saturating_add(BlockNumberFor::<T>::from(t.window))
            .saturating_sub(One::one());
        // Cannot overflow: each open topic is in exactly one schedule entry and there are
        // fewer than `MaxOpenTopics` of them (checked above).
        SealSchedule::<T>::try_mutate(end, |due| due.try_push(topic))
            .map_err(|_| Error::<T>::TooManyOpenTopics)?;
        OpenTopicCount::<T>::put(open.saturating_add(1));
        t.open_window = Some((start, end));
        Ok(())
    }

    /// Seals every window ending at `now` (called from `on_finalize`). Empty windows are
    /// not sealed (no batch number is used); the next window opens if the topic is active.
    pub(crate) fn seal_due(now: BlockNumberFor<T>) {
        for topic in SealSchedule::<T>::take(now) {
            let Some(mut t) = Topics::<T>::get(topic) else {
                defensive!("a scheduled topic is registered");
                continue;
            };
            let Some(window) = t.open_window.take() else {
                defensive!("a scheduled topic has an open window");
                continue;
            };
            OpenTopicCount::<T>::mutate(|n| *n = n.saturating_sub(1));
            if OpenBatch::<T>::decode_len(topic).unwrap_or(0) > 0 {
                Self::seal(topic, &mut t, window, now);
            }
            match t.status {
                TopicStatus::Active => {
                    if Self::open_window(topic, &mut t, now.saturating_add(One::one())).is_err() {
                        defensive!("this topic's own open-window slot was just given back");
                        t.status = TopicStatus::Paused;
                        Self::deposit_event(Event::TopicStatusChanged {
                            topic,
                            status: t.status,
                        });
                    }
                }
                TopicStatus::Paused => {}
                TopicStatus::Closed => Self::retire_topic(topic, &t),
            }
            Topics::<T>::insert(topic, t);
        }
    }

    /// Seals the topic's open batch. The deadline slot is reserved before the events are
    /// taken, so an event that was accepted is never dropped: should the reservation ever
    /// fail, the events stay in `OpenBatch` and go into the topic's next batch.
    fn seal(
        topic: TopicId,
        t: &mut TopicOf<T>,
        window: (BlockNumberFor<T>, BlockNumberFor<T>),
        now: BlockNumberFor<T>,
    ) {
        let batch = t.next_batch;
        let deadline = now.saturating_add(T::AttestationPeriod::get());
        if Deadlines::<T>::try_mutate(deadline, |due| due.try_push((topic, batch))).is_err() {
            defensive!(
                "at most MaxOpenTopics windows close per block and their batches share one \
                 deadline; the events stay in the open batch"
            );
            return;
        }
        let events = OpenBatch::<T>::take(topic);
        let commitment = Self::commitment(&events);
        let event_count = events.len() as u32;
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
}
