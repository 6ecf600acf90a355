//! The validator set the session pallet reports.

use crate::mock::Topics;
use crate::{mock::*, pallet::*, SessionValidatorKeys};
use frame_support::traits::{Get, OneSessionHandler};
use polkadot_sdk::*;
use sp_runtime::testing::UintAuthorityId;

#[test]
fn genesis_and_new_sessions_store_the_conc_keys() {
    new_test_ext(|| {
        let accounts = [1u64, 2, 3];
        let keys = |ids: &[u64]| -> Vec<(&u64, UintAuthorityId)> {
            accounts
                .iter()
                .zip(ids.iter().map(|i| UintAuthorityId(*i)))
                .collect()
        };
        Topics::on_genesis_session(keys(&[11, 12, 13]).into_iter());
        assert_eq!(
            SessionValidatorKeys::<Test>::get(),
            vec![
                UintAuthorityId(11),
                UintAuthorityId(12),
                UintAuthorityId(13)
            ]
        );
        // A rotated key counts even when the set itself did not change.
        Topics::on_new_session(
            false,
            keys(&[11, 22, 13]).into_iter(),
            keys(&[]).into_iter(),
        );
        assert_eq!(
            SessionValidators::<Test>::get().into_inner()[1],
            UintAuthorityId(22)
        );
    });
}

#[test]
fn keys_beyond_max_validators_are_dropped() {
    new_test_ext(|| {
        // MaxValidators is 8 in the mock.
        Topics::note_validators((1..=10).map(UintAuthorityId));
        assert_eq!(SessionValidators::<Test>::get().len(), 8);
        assert_eq!(
            SessionValidators::<Test>::get().last(),
            Some(&UintAuthorityId(8))
        );
    });
}
