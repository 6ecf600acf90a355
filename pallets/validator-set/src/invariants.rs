//! Storage invariants, checked by `try_state` and after every unit test.

use crate::pallet::*;
use alloc::collections::BTreeSet;
use frame_support::{ensure, traits::Get};
use polkadot_sdk::*;
use sp_runtime::{traits::Zero, TryRuntimeError};

impl<T: Config> Pallet<T> {
    /// Checks the bonds and the validator set:
    /// - every recorded bond is positive and is exactly what the account holds under
    ///   `HoldReason::Bond`;
    /// - the set has no duplicates and at least `MinValidators` members (or none, before
    ///   genesis names any);
    /// - a leaving account is not in the set;
    /// - faults are recorded for at most twice `MaxValidators` accounts;
    /// - the session length is at least `MinSessionLength`.
    pub fn do_try_state() -> Result<(), TryRuntimeError> {
        for (who, bond) in Bonds::<T>::iter() {
            ensure!(!bond.is_zero(), "a recorded bond is positive");
            ensure!(
                Self::held(&who) == bond,
                "a recorded bond is what the account holds for it"
            );
        }
        let set = Validators::<T>::get();
        let distinct: BTreeSet<&T::AccountId> = set.iter().collect();
        ensure!(distinct.len() == set.len(), "validators are listed once");
        ensure!(
            set.is_empty() || set.len() as u32 >= T::MinValidators::get(),
            "at least MinValidators validators"
        );
        for (who, _) in Leaving::<T>::iter() {
            ensure!(!set.contains(&who), "a leaving account is not in the set");
        }
        ensure!(
            SessionFaults::<T>::iter_keys().count() as u32 <= T::MaxValidators::get() * 2,
            "faults are reported for validators only"
        );
        ensure!(
            SessionLength::<T>::get() >= T::MinSessionLength::get(),
            "the session length is at least MinSessionLength"
        );
        Ok(())
    }
}
