//! Attestations, quorum finalization, deadlines and faults.

use super::custom;
use super::topic_events;
use crate::mock::Topics;
use crate::{mock::*, pallet::*, types::*, Error, Event};
use frame_support::{assert_ok, BoundedVec};
use polkadot_sdk::*;
use sp_runtime::{
    testing::{TestSignature, UintAuthorityId},
    transaction_validity::InvalidTransaction,
};

/// Topic 0 with one sealed batch (0) at block 2, deadline 7.
fn sealed_batch() {
    let publisher = Publisher::sr(1);
    setup_topic(&publisher, 1);
    assert_ok!(submit(publish_call(publisher.event(0, 0, b"a"))).unwrap());
    run_to_block(2);
    assert!(Batches::<Test>::contains_key(0, 0));
}

#[test]
fn quorum_finalizes_the_output() {
    new_test_ext(|| {
        sealed_batch();
        assert_eq!(
            Topics::api_awaiting_attestation(&UintAuthorityId(1)),
            vec![(0, 0)]
        );
        assert_ok!(submit(attest_call(1, 0, 0, 7)).unwrap());
        assert_ok!(submit(attest_call(2, 0, 0, 7)).unwrap());
        assert!(Batches::<Test>::get(0, 0).unwrap().finalized.is_none());
        assert!(Topics::api_awaiting_attestation(&UintAuthorityId(1)).is_empty());
        // 3 of 4 is more than two thirds.
        assert_ok!(submit(attest_call(3, 0, 0, 7)).unwrap());
        let r = result(7);
        assert_eq!(
            Batches::<Test>::get(0, 0).unwrap().finalized,
            Some(r.digest(sp_io::hashing::blake2_256))
        );
        assert!(topic_events().contains(&Event::OutputFinalized {
            topic: 0,
            batch: 0,
            outputs_root: r.outputs_root,
            state_root: r.state_root,
            verdict: Verdict::Accepted,
        }));
        let outputs = Topics::api_latest_outputs(0);
        assert_eq!(outputs.len(), 1);
        assert_eq!(outputs[0].outputs, Some(vec![7; 4]));
        // Validator 4 attests differently after finalization; it is recorded at the deadline.
        assert_ok!(submit(attest_call(4, 0, 0, 8)).unwrap());
        run_to_block(7);
        assert!(!Batches::<Test>::contains_key(0, 0));
        assert_eq!(Faults::<Test>::get(UintAuthorityId(4)).unwrap().deviated, 1);
        assert!(Faults::<Test>::get(UintAuthorityId(1)).is_none());
        assert!(topic_events().contains(&Event::ValidatorsFaulted {
            topic: 0,
            batch: 0,
            missed: vec![],
            deviated: vec![UintAuthorityId(4)],
        }));
        assert_eq!(Attestations::<Test>::iter().count(), 0);
        assert_eq!(Candidates::<Test>::iter().count(), 0);
        assert_eq!(Outputs::<Test>::get(0).len(), 1);
    });
}

#[test]
fn no_quorum_expires_and_records_absentees() {
    new_test_ext(|| {
        sealed_batch();
        assert_ok!(submit(attest_call(1, 0, 0, 1)).unwrap());
        assert_ok!(submit(attest_call(2, 0, 0, 2)).unwrap());
        run_to_block(7);
        let events = topic_events();
        assert!(events.contains(&Event::BatchExpired { topic: 0, batch: 0 }));
        assert!(events.contains(&Event::ValidatorsFaulted {
            topic: 0,
            batch: 0,
            missed: vec![UintAuthorityId(3), UintAuthorityId(4)],
            deviated: vec![],
        }));
        assert_eq!(
            Faults::<Test>::get(UintAuthorityId(3)).unwrap(),
            FaultRecord {
                missed: 1,
                deviated: 0,
                last: (0, 0)
            }
        );
        assert!(Outputs::<Test>::get(0).is_empty());
        let missed = concerto_primitives::ValidatorFault::Missed { topic: 0, batch: 0 };
        assert_eq!(
            ReportedFaults::get(),
            vec![(UintAuthorityId(3), missed), (UintAuthorityId(4), missed)],
            "every fault goes to the runtime's fault handler"
        );
        // Too late now.
        assert_eq!(
            submit(attest_call(3, 0, 0, 1)),
            Err(custom(Error::<Test>::BatchNotSealed).into())
        );
    });
}

#[test]
fn hostile_attestations_are_rejected() {
    new_test_ext(|| {
        sealed_batch();
        // Not a validator.
        assert_eq!(
            submit(attest_call(9, 0, 0, 1)),
            Err(custom(Error::<Test>::NotValidator).into())
        );
        // Unsealed batch, unknown topic.
        assert_eq!(
            submit(attest_call(1, 0, 1, 1)),
            Err(custom(Error::<Test>::BatchNotSealed).into())
        );
        assert_eq!(
            submit(attest_call(1, 5, 0, 1)),
            Err(custom(Error::<Test>::BatchNotSealed).into())
        );
        // Signed by another validator's key.
        let crate::Call::attest { attestation, .. } = (match attest_call(1, 0, 0, 1) {
            RuntimeCall::Topics(c) => c,
            _ => unreachable!(),
        }) else {
            unreachable!()
        };
        let message = Topics::attestation_signing_message(&attestation);
        let forged = TestSignature(2, message);
        let call = RuntimeCall::Topics(crate::Call::attest {
            attestation: attestation.clone(),
            signature: forged,
        });
        assert_eq!(submit(call), Err(InvalidTransaction::BadProof.into()));
        // Signature over another batch's attestation.
        let other = Attestation {
            batch: 1,
            ..attestation.clone()
        };
        let wrong = TestSignature(1, Topics::attestation_signing_message(&other));
        let call = RuntimeCall::Topics(crate::Call::attest {
            attestation,
            signature: wrong,
        });
        assert_eq!(submit(call), Err(InvalidTransaction::BadProof.into()));
        // Double attestation.
        assert_ok!(submit(attest_call(1, 0, 0, 1)).unwrap());
        assert_eq!(
            submit(attest_call(1, 0, 0, 2)),
            Err(InvalidTransaction::Stale.into())
        );
        assert_eq!(
            Topics::do_attest(Attestation {
                topic: 0,
                batch: 0,
                commitment: sealed_commitment(0, 0),
                validator: UintAuthorityId(1),
                result: result(1)
            }),
            Err(Error::<Test>::AlreadyAttested.into())
        );
        // Not through the authorization.
        let crate::Call::attest {
            attestation,
            signature,
        } = (match attest_call(2, 0, 0, 1) {
            RuntimeCall::Topics(c) => c,
            _ => unreachable!(),
        })
        else {
            unreachable!()
        };
        assert!(Topics::attest(RuntimeOrigin::signed(ALICE), attestation, signature).is_err());
    });
}

#[test]
fn a_removed_validator_can_no_longer_attest() {
    new_test_ext(|| {
        sealed_batch();
        ValidatorSet::set(vec![
            UintAuthorityId(1),
            UintAuthorityId(2),
            UintAuthorityId(3),
        ]);
        assert_eq!(
            submit(attest_call(4, 0, 0, 1)),
            Err(custom(Error::<Test>::NotValidator).into())
        );
        assert!(Topics::api_awaiting_attestation(&UintAuthorityId(4)).is_empty());
    });
}

#[test]
fn explicit_quorum_and_output_history_bound() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        let hash = setup_topic(&publisher, 1);
        assert_ok!(Topics::set_topic_status(
            RuntimeOrigin::signed(ALICE),
            0,
            TopicStatus::Closed
        ));
        assert_ok!(Topics::register_topic(
            RuntimeOrigin::signed(ALICE),
            BoundedVec::truncate_from(vec![0]),
            hash,
            Default::default(),
            1,
            Some(4),
            TopicMode::Stateless,
        ));
        assert_ok!(Topics::fund_topic(RuntimeOrigin::signed(ALICE), 1, 100));
        for batch in 0..3u64 {
            assert_ok!(submit(publish_call(publisher.event(0, batch, b"e"))).unwrap());
            let now = System::block_number();
            run_to_block(now + 1);
            for v in 1..=3 {
                assert_ok!(submit(attest_call(v, 1, batch, batch as u8)).unwrap());
            }
            assert!(Batches::<Test>::get(1, batch).unwrap().finalized.is_none());
            assert_ok!(submit(attest_call(4, 1, batch, batch as u8)).unwrap());
            assert!(Batches::<Test>::get(1, batch).unwrap().finalized.is_some());
        }
        let kept: Vec<_> = Outputs::<Test>::get(1).iter().map(|o| o.batch).collect();
        assert_eq!(kept, vec![1, 2]);
    });
}
