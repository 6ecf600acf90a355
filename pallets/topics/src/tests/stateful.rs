//! Stateful topics: batches are attested in order, each starting from the state the last
//! finalized batch left.

use super::custom;
use crate::mock::Topics;
use crate::{mock::*, pallet::*, types::*, Error};
use frame_support::{assert_ok, traits::ConstU32, BoundedVec};
use polkadot_sdk::*;
use sp_runtime::{testing::UintAuthorityId, traits::Hash};

/// Stream 0 with `publisher`, a template and stateful topic 0 (window 1, quorum 3 of 4).
fn stateful_topic(publisher: &Publisher) {
    let origin = RuntimeOrigin::signed(ALICE);
    assert_ok!(Topics::register_stream(
        origin.clone(),
        BoundedVec::truncate_from(b"s".to_vec())
    ));
    assert_ok!(Topics::add_publisher(origin.clone(), 0, publisher.key()));
    assert_ok!(Topics::fund_stream(origin.clone(), 0, STREAM_BUDGET));
    let code = BoundedVec::truncate_from(crate::testing::program(128, 0x13));
    assert_ok!(Topics::upload_template(
        origin.clone(),
        code.clone(),
        MACHINE
    ));
    let hash = <Test as frame_system::Config>::Hashing::hash(&code);
    assert_ok!(Topics::register_topic(
        origin,
        BoundedVec::truncate_from(vec![0]),
        hash,
        Default::default(),
        1,
        None,
        TopicMode::Stateful,
    ));
    assert_ok!(Topics::fund_topic(
        RuntimeOrigin::signed(ALICE),
        0,
        TOPIC_BUDGET
    ));
}

/// Publishes one event per block until batches 0 and 1 are sealed.
pub(super) fn two_sealed_batches() {
    let publisher = Publisher::sr(1);
    stateful_topic(&publisher);
    for sequence in 0..2 {
        assert_ok!(submit(publish_call(publisher.event(0, sequence, b"x"))).unwrap());
        run_to_block(System::block_number() + 1);
    }
    assert!(Batches::<Test>::contains_key(0, 1));
}

/// A result starting at `start` and ending at `[end; 32]`.
pub(super) fn step(start: Hash32, end: u8) -> AttestationResult<ConstU32<16>> {
    AttestationResult {
        start_root: start,
        state_root: [end; 32],
        ..result(end)
    }
}

#[test]
fn batches_are_attested_in_order_from_the_last_state() {
    new_test_ext(|| {
        two_sealed_batches();
        // Batch 1 waits for batch 0.
        assert_eq!(
            Topics::api_awaiting_attestation(&UintAuthorityId(1)),
            vec![(0, 0)]
        );
        assert_eq!(
            submit(attest_result_call(1, 0, 1, step([0; 32], 20))),
            Err(custom(Error::<Test>::PredecessorPending).into())
        );
        for v in 1..=3 {
            assert_ok!(submit(attest_result_call(v, 0, 0, step([0; 32], 10))).unwrap());
        }
        assert_eq!(TopicState::<Test>::get(0), Some((0, [10; 32])));
        assert_eq!(
            Topics::api_topic(0).unwrap().last_state,
            Some((0, [10; 32]))
        );
        assert_eq!(
            Topics::api_awaiting_attestation(&UintAuthorityId(1)),
            vec![(0, 1)]
        );
        // Validator 4 never attested batch 0; once it is finalized it is no longer due
        // (the state moved past its start), only batch 1 is.
        assert_eq!(
            Topics::api_awaiting_attestation(&UintAuthorityId(4)),
            vec![(0, 1)]
        );
        // Batch 1 must start where batch 0 ended.
        assert_eq!(
            submit(attest_result_call(1, 0, 1, step([0; 32], 20))),
            Err(custom(Error::<Test>::StateDiscontinuity).into())
        );
        for v in 1..=3 {
            assert_ok!(submit(attest_result_call(v, 0, 1, step([10; 32], 20))).unwrap());
        }
        assert_eq!(TopicState::<Test>::get(0), Some((1, [20; 32])));
    });
}

#[test]
fn an_expired_batch_is_skipped_and_the_state_stays() {
    new_test_ext(|| {
        two_sealed_batches();
        // Batch 0 only gets two of the three votes it needs and expires at its deadline.
        for v in 1..=2 {
            assert_ok!(submit(attest_result_call(v, 0, 0, step([0; 32], 10))).unwrap());
        }
        let deadline = Batches::<Test>::get(0, 0).unwrap().deadline;
        run_to_block(deadline);
        assert!(!Batches::<Test>::contains_key(0, 0));
        assert_eq!(TopicState::<Test>::get(0), None);
        // Batch 1 is attestable now, from the template's initial state.
        for v in 1..=3 {
            assert_ok!(submit(attest_result_call(v, 0, 1, step([0; 32], 20))).unwrap());
        }
        assert_eq!(TopicState::<Test>::get(0), Some((1, [20; 32])));
    });
}

#[test]
fn stateless_topics_keep_no_state_and_take_any_order() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 1);
        for sequence in 0..2 {
            assert_ok!(submit(publish_call(publisher.event(0, sequence, b"x"))).unwrap());
            run_to_block(System::block_number() + 1);
        }
        for v in 1..=3 {
            assert_ok!(submit(attest_call(v, 0, 1, 5)).unwrap());
        }
        assert!(Batches::<Test>::get(0, 1).unwrap().finalized.is_some());
        assert_eq!(TopicState::<Test>::get(0), None);
    });
}
