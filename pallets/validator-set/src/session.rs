//! The pallet as pallet-session's `SessionManager`, and the session length it reads.

use crate::{pallet::*, RemovalReason, SessionFaultCount, LOG_TARGET};
use alloc::{collections::BTreeMap, vec::Vec};
use core::marker::PhantomData;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use polkadot_sdk::*;
use sp_runtime::traits::One;
use sp_staking::SessionIndex;

/// `pallet_session::PeriodicSessions`' period: [`SessionLength`] (at least one block).
#[derive(frame_support::DebugNoBound)]
pub struct SessionLengthOf<T>(PhantomData<T>);

impl<T: Config> Get<BlockNumberFor<T>> for SessionLengthOf<T> {
    fn get() -> BlockNumberFor<T> {
        // Genesis and `set_session_length` keep it at least `MinSessionLength`; the period
        // is a divisor, so never hand out zero.
        SessionLength::<T>::get().max(One::one())
    }
}

impl<T: Config> Pallet<T> {
    /// Plans session `index`: removes the validators whose misses or deviations since the
    /// last planning reached `MaxMissesPerSession` or `MaxDeviationsPerSession`, or whose
    /// bond fell below `MinBond` (never below
    /// `MinValidators`), forgets those faults, and returns the new set if it changed.
    pub fn plan_session(index: SessionIndex) -> Option<Vec<T::AccountId>> {
        let mut set = Validators::<T>::get();
        let mut changed = SetChanged::<T>::take();
        let faults: BTreeMap<T::AccountId, SessionFaultCount> =
            SessionFaults::<T>::drain().collect();
        let min_bond = T::MinBond::get();
        let (max_missed, max_deviated) = (
            T::MaxMissesPerSession::get(),
            T::MaxDeviationsPerSession::get(),
        );
        let mut candidates: Vec<(T::AccountId, RemovalReason)> = Vec::new();
        for who in set.iter() {
            if faults
                .get(who)
                .is_some_and(|count| count.removes(max_missed, max_deviated))
            {
                candidates.push((who.clone(), RemovalReason::RepeatedFaults));
            } else if Bonds::<T>::get(who).unwrap_or_default() < min_bond {
                candidates.push((who.clone(), RemovalReason::BondBelowMinimum));
            }
        }
        for (who, reason) in candidates {
            if set.len() as u32 <= T::MinValidators::get() {
                log::warn!(
                    target: LOG_TARGET,
                    "session {index}: {who:?} would be removed ({reason:?}) but the set is at \
                     MinValidators"
                );
                Self::deposit_event(Event::RemovalDeferred { who, reason });
                continue;
            }
            set.retain(|v| *v != who);
            Leaving::<T>::insert(&who, index);
            changed = true;
            Self::deposit_event(Event::ValidatorRemoved { who, reason });
        }
        if !changed {
            return None;
        }
        Validators::<T>::put(&set);
        Self::deposit_event(Event::SetPlanned {
            session: index,
            validators: set.len() as u32,
        });
        Some(set.into_inner())
    }
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
    fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
        Self::plan_session(new_index)
    }

    /// The genesis sessions take pallet-session's genesis keys (the same accounts as this
    /// pallet's genesis validators), whichever pallet's genesis is built first.
    fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
        None
    }

    fn end_session(_end_index: SessionIndex) {}

    fn start_session(start_index: SessionIndex) {
        CurrentSession::<T>::put(start_index);
    }
}
