//! Property (issue 15): whatever the mix of honest, deviating (colluding on one wrong
//! result) and silent validators, with fewer than a third faulty a batch finalizes the
//! honest result and no other, in any order of arrival, and its deadline records exactly
//! the faulty validators: the deviating ones as deviated, the silent ones as missed.

use crate::{mock::*, pallet::*};
use frame_support::assert_ok;
use polkadot_sdk::*;
use proptest::prelude::*;
use sp_runtime::testing::UintAuthorityId;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Honest,
    Deviating,
    Silent,
}

/// 4 to 8 validators (the mock's `MaxValidators`), fewer than a third of them faulty,
/// roles assigned at random, and the order in which the attestations arrive.
fn cases() -> impl Strategy<Value = (Vec<Role>, Vec<usize>)> {
    (4usize..=8)
        .prop_flat_map(|n| (Just(n), 0..=(n - 1) / 3))
        .prop_flat_map(|(n, faulty)| (Just(n), Just(faulty), 0..=faulty))
        .prop_flat_map(|(n, faulty, deviating)| {
            let mut roles = vec![Role::Honest; n - faulty];
            roles.extend(vec![Role::Deviating; deviating]);
            roles.extend(vec![Role::Silent; faulty - deviating]);
            (
                Just(roles).prop_shuffle(),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fewer_than_a_third_faulty_finalize_only_the_honest_result((roles, order) in cases()) {
        new_test_ext(|| {
            let n = roles.len() as u64;
            ValidatorSet::set((1..=n).map(UintAuthorityId).collect());
            let publisher = Publisher::sr(1);
            setup_topic(&publisher, 1);
            assert_ok!(submit(publish_call(publisher.event(0, 0, b"a"))).unwrap());
            run_to_block(2);
            let honest = result(1).digest(sp_io::hashing::blake2_256);
            for &i in &order {
                let seed = match roles[i] {
                    Role::Honest => 1,
                    Role::Deviating => 2,
                    Role::Silent => continue,
                };
                assert_ok!(submit(attest_call(i as u64 + 1, 0, 0, seed)).unwrap());
                let finalized = Batches::<Test>::get(0, 0).and_then(|b| b.finalized);
                assert!(
                    finalized.is_none() || finalized == Some(honest),
                    "{roles:?} in order {order:?}: another result was finalized"
                );
            }
            assert_eq!(
                Batches::<Test>::get(0, 0).and_then(|b| b.finalized),
                Some(honest),
                "{roles:?}: the honest result was not finalized"
            );
            // The deadline (sealed at block 1, 5 blocks of attestations) judges everyone.
            run_to_block(7);
            for (i, role) in roles.iter().enumerate() {
                let record = Faults::<Test>::get(UintAuthorityId(i as u64 + 1));
                let (missed, deviated) = record.map_or((0, 0), |r| (r.missed, r.deviated));
                let expected = match role {
                    Role::Honest => (0, 0),
                    Role::Deviating => (0, 1),
                    Role::Silent => (1, 0),
                };
                assert_eq!((missed, deviated), expected, "validator {}: {role:?}", i + 1);
            }
        });
    }
}
