//! Storage invariants, checked by `try_state` and after every unit test.

use crate::{pallet::*, types::*};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
    ensure,
    traits::{fungible::InspectHold, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use polkadot_sdk::*;
use sp_runtime::{
    traits::{Hash, Saturating, Zero},
    TryRuntimeError,
};

impl<T: Config> Pallet<T> {
    /// Checks every storage invariant of the pallet.
    pub fn do_try_state() -> Result<(), TryRuntimeError> {
        Self::check_streams()?;
        Self::check_templates()?;
        Self::check_topics()?;
        Self::check_topic_deposits()?;
        Self::check_budgets()?;
        Self::check_batches()?;
        Self::check_validators()?;
        Ok(())
    }

    fn check_streams() -> Result<(), TryRuntimeError> {
        let next = NextStreamId::<T>::get();
        for (id, stream) in Streams::<T>::iter() {
            ensure!(id < next, "stream id at or above NextStreamId");
            let mut keys = stream.publishers.to_vec();
            keys.sort();
            keys.dedup();
            ensure!(
                keys.len() == stream.publishers.len(),
                "duplicate publisher key"
            );
        }
        for (stream, access) in StreamReaders::<T>::iter() {
            ensure!(
                Streams::<T>::contains_key(stream),
                "StreamReaders of an unknown stream"
            );
            ensure!(
                access != StreamAccess::OwnerOnly,
                "OwnerOnly is stored as no entry"
            );
        }
        for (stream, topics) in StreamTopics::<T>::iter() {
            ensure!(
                Streams::<T>::contains_key(stream),
                "StreamTopics of an unknown stream"
            );
            for topic in topics {
                let t = Topics::<T>::get(topic).ok_or("StreamTopics names an unknown topic")?;
                ensure!(
                    t.streams.contains(&stream),
                    "topic does not list a stream that feeds it"
                );
                ensure!(!t.is_retired(), "StreamTopics names a retired topic");
            }
        }
        Ok(())
    }

    fn check_templates() -> Result<(), TryRuntimeError> {
        let mut users: BTreeMap<T::Hash, u32> = BTreeMap::new();
        for (_, t) in Topics::<T>::iter() {
            if !t.is_retired() {
                *users.entry(t.template).or_default() += 1;
            }
        }
        let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
        for (hash, info) in Templates::<T>::iter() {
            let code = TemplateCode::<T>::get(hash).ok_or("template without code")?;
            ensure!(
                code.len() as u32 == info.code_len,
                "template code length mismatch"
            );
            ensure!(
                T::Hashing::hash(&code) == hash,
                "template code does not match its hash"
            );
            ensure!(
                users.get(&hash).copied().unwrap_or(0) == info.users,
                "template user count mismatch"
            );
            let e = held.entry(info.owner.clone()).or_insert_with(Zero::zero);
            *e = e.saturating_add(info.deposit);
        }
        ensure!(
            TemplateCode::<T>::iter_keys().all(Templates::<T>::contains_key),
            "code without template"
        );
        for (_, t) in Topics::<T>::iter() {
            if !t.is_retired() {
                ensure!(
                    Templates::<T>::contains_key(t.template),
                    "topic uses a missing template"
                );
            }
        }
        let reason = HoldReason::TemplateDeposit.into();
        for (owner, total) in held {
            ensure!(
                T::Currency::balance_on_hold(&reason, &owner) == total,
                "held template deposit differs from the sum of the owner's deposits"
            );
        }
        Ok(())
    }

    /// Every topic not retired holds `TopicDeposits` and counts in `TopicsOwned`; the
    /// `TopicDeposit` hold of each account is the sum of its topics' deposits.
    fn check_topic_deposits() -> Result<(), TryRuntimeError> {
        let mut owned: BTreeMap<T::AccountId, (u32, BalanceOf<T>)> = BTreeMap::new();
        for (id, t) in Topics::<T>::iter() {
            let deposit = TopicDeposits::<T>::get(id);
            if t.is_retired() {
                ensure!(deposit.is_none(), "a retired topic still holds a deposit");
                continue;
            }
            let deposit = deposit.ok_or("a topic not retired holds no deposit")?;
            let e = owned.entry(t.owner).or_insert((0, Zero::zero()));
            e.0 += 1;
            e.1 = e.1.saturating_add(deposit);
        }
        ensure!(
            TopicDeposits::<T>::iter_keys().all(Topics::<T>::contains_key),
            "deposit of an unknown topic"
        );
        let reason = HoldReason::TopicDeposit.into();
        for (who, count) in TopicsOwned::<T>::iter() {
            let (topics, deposits) = owned.remove(&who).unwrap_or((0, Zero::zero()));
            ensure!(
                count == topics,
                "TopicsOwned differs from the account's topics"
            );
            ensure!(
                count <= T::MaxTopicsPerAccount::get(),
                "an account owns more than MaxTopicsPerAccount topics"
            );
            ensure!(
                T::Currency::balance_on_hold(&reason, &who) == deposits,
                "held topic deposit differs from the sum of the owner's topic deposits"
            );
        }
        ensure!(
            owned.is_empty(),
            "an account's topics are not counted in TopicsOwned"
        );
        Ok(())
    }

    /// Budgets belong to open streams and to topics not retired, and each account's
    /// `StreamBudget` and `TopicBudget` holds are the sums of its streams' and topics'
    /// budgets.
    fn check_budgets() -> Result<(), TryRuntimeError> {
        let mut streams: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
        for (id, budget) in StreamBudgets::<T>::iter() {
            let s = Streams::<T>::get(id).ok_or("budget of an unknown stream")?;
            ensure!(
                s.status == StreamStatus::Open,
                "a closed stream keeps a budget"
            );
            ensure!(!budget.is_zero(), "an empty budget is stored");
            let e = streams.entry(s.owner).or_insert_with(Zero::zero);
            *e = e.saturating_add(budget);
        }
        let mut topics: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
        for (id, budget) in TopicBudgets::<T>::iter() {
            let t = Topics::<T>::get(id).ok_or("budget of an unknown topic")?;
            ensure!(!t.is_retired(), "a retired topic keeps a budget");
            ensure!(!budget.is_zero(), "an empty budget is stored");
            let e = topics.entry(t.owner).or_insert_with(Zero::zero);
            *e = e.saturating_add(budget);
        }
        for (reason, sums) in [
            (HoldReason::StreamBudget, streams),
            (HoldReason::TopicBudget, topics),
        ] {
            let reason = reason.into();
            for (who, total) in sums {
                ensure!(
                    T::Currency::balance_on_hold(&reason, &who) == total,
                    "a held budget differs from the sum of the owner's budgets"
                );
            }
        }
        Ok(())
    }

    fn check_topics() -> Result<(), TryRuntimeError> {
        let next = NextTopicId::<T>::get();
        let now = frame_system::Pallet::<T>::block_number();
        let mut open = 0u32;
        for (id, t) in Topics::<T>::iter() {
            ensure!(id < next, "topic id at or above NextTopicId");
            ensure!(
                t.window > 0 && t.window <= T::MaxWindow::get(),
                "topic window out of bounds"
            );
            for stream in t.streams.iter() {
                ensure!(
                    t.is_retired() || StreamTopics::<T>::get(stream).contains(&id),
                    "stream does not list its topic"
                );
            }
            match t.open_window {
                Some((first, last)) => {
                    open += 1;
                    ensure!(first <= last, "window ends before it starts");
                    ensure!(last >= now, "open window ended in the past");
                    let w = BlockNumberFor::<T>::from(t.window);
                    ensure!(
                        last.saturating_sub(first) < w,
                        "window longer than the topic's"
                    );
                    ensure!(
                        SealSchedule::<T>::get(last).contains(&id),
                        "open window not scheduled"
                    );
                }
                None => ensure!(
                    OpenBatch::<T>::decode_len(id).is_none(),
                    "events held by a closed window"
                ),
            }
        }
        ensure!(
            open == OpenTopicCount::<T>::get(),
            "OpenTopicCount mismatch"
        );
        let scheduled: u32 = SealSchedule::<T>::iter_values()
            .map(|v| v.len() as u32)
            .sum();
        ensure!(
            scheduled == open,
            "every open topic is scheduled exactly once"
        );
        Ok(())
    }

    fn check_batches() -> Result<(), TryRuntimeError> {
        let now = frame_system::Pallet::<T>::block_number();
        for (topic, batch, info) in Batches::<T>::iter() {
            let t = Topics::<T>::get(topic).ok_or("batch of an unknown topic")?;
            ensure!(batch < t.next_batch, "batch number not yet used");
            let events = BatchEvents::<T>::get(topic, batch);
            ensure!(
                events.len() as u32 == info.event_count,
                "batch event count mismatch"
            );
            ensure!(
                Self::commitment(&events) == info.commitment,
                "batch commitment mismatch"
            );
            ensure!(info.deadline >= now, "batch kept past its deadline");
            ensure!(
                Deadlines::<T>::get(info.deadline).contains(&(topic, batch)),
                "batch not in Deadlines"
            );
            let key = (topic, batch);
            let attested = Attestations::<T>::iter_prefix(key).count() as u32;
            let votes: u32 = Candidates::<T>::iter_prefix_values(key)
                .map(|c| c.votes)
                .sum();
            ensure!(attested == votes, "attestations and candidate votes differ");
            if let Some(digest) = info.finalized {
                ensure!(
                    Candidates::<T>::contains_key(key, digest),
                    "finalized digest has no candidate"
                );
            }
        }
        for (topic, outputs) in Outputs::<T>::iter() {
            ensure!(
                Topics::<T>::contains_key(topic),
                "outputs of an unknown topic"
            );
            ensure!(
                outputs.windows(2).all(|w| w[0].batch < w[1].batch),
                "outputs not in batch order"
            );
        }
        for (topic, (batch, root)) in TopicState::<T>::iter() {
            let t = Topics::<T>::get(topic).ok_or("state of an unknown topic")?;
            ensure!(
                t.mode == TopicMode::Stateful,
                "state kept for a stateless topic"
            );
            ensure!(batch < t.next_batch, "state of a batch not yet sealed");
            if let Some(last) = Outputs::<T>::get(topic).last() {
                ensure!(
                    last.batch == batch && last.result.state_root == root,
                    "state is not the last output's"
                );
            }
        }
        Ok(())
    }

    fn check_validators() -> Result<(), TryRuntimeError> {
        let mut keys = SessionValidators::<T>::get().into_inner();
        let len = keys.len();
        keys.sort();
        keys.dedup();
        ensure!(
            keys.len() == len,
            "a conc key appears twice in SessionValidators"
        );
        Ok(())
    }
}
