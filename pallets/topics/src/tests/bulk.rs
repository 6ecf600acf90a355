//! Bulk ingestion (`ingest` inherent) and the attestation's binding to the batch
//! commitment (reorg safety).

use super::topic_events;
use crate::mock::Topics;
use crate::{bulk::INHERENT_IDENTIFIER, mock::*, pallet::*, types::*, Call, Error, Event};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, inherent::ProvideInherent};
use polkadot_sdk::*;
use sp_inherents::InherentData;
use sp_runtime::testing::UintAuthorityId;

/// The inherent data a node hands over for `events` (its queue, SCALE each).
fn data(events: &[crate::SignedEventOf<Test>]) -> InherentData {
    let mut data = InherentData::new();
    let raw: Vec<Vec<u8>> = events.iter().map(|e| e.encode()).collect();
    data.put_data(INHERENT_IDENTIFIER, &raw).unwrap();
    data
}

/// The events an `ingest` call carries.
fn carried(call: Option<Call<Test>>) -> Vec<(StreamId, u64)> {
    match call {
        Some(Call::ingest { events }) => events.iter().map(|e| (e.stream, e.sequence)).collect(),
        None => Vec::new(),
        Some(other) => panic!("not an ingest call: {other:?}"),
    }
}

fn dispatch(call: Call<Test>) -> sp_runtime::DispatchResult {
    use sp_runtime::traits::Dispatchable;
    RuntimeCall::Topics(call)
        .dispatch(RuntimeOrigin::none())
        .map(|_| ())
        .map_err(|e| e.error)
}

#[test]
fn create_inherent_keeps_only_what_may_go_into_this_block() {
    new_test_ext(|| {
        let p = Publisher::sr(1);
        setup_topic(&p, 5);
        let stranger = Publisher::sr(9);
        let mut forged = p.event(0, 2, b"c");
        forged.payload = frame_support::BoundedVec::truncate_from(b"forged".to_vec());
        let queued = vec![
            p.event(0, 0, b"a"),
            stranger.event(0, 0, b"not a publisher"),
            p.event(0, 5, b"gap"),
            p.event(0, 1, b"b"),
            forged,
            p.event(0, 2, b"c"),
            p.event(0, 3, b"d"),
            p.event(1, 0, b"unknown stream"),
        ];
        let mut raw: Vec<Vec<u8>> = queued.iter().map(|e| e.encode()).collect();
        raw.insert(1, vec![0xff, 0x00]); // undecodable
        let mut inherent = InherentData::new();
        inherent.put_data(INHERENT_IDENTIFIER, &raw).unwrap();
        let call = Topics::create_inherent(&inherent);
        // MaxEventsPerBlock is 3 (and at most twice that many candidates are looked at):
        // sequences 0, 1, 2; the stranger, the gap and the forged 2 are skipped.
        assert_eq!(carried(call.clone()), vec![(0, 0), (0, 1), (0, 2)]);
        assert!(Topics::is_inherent(call.as_ref().unwrap()));
        assert_ok!(dispatch(call.unwrap()));
        assert_eq!(NextSequence::<Test>::get(0, p.key()), 3);
        assert_eq!(OpenBatch::<Test>::get(0).len(), 3);
        // Once in a block, the same events are not offered again.
        run_to_block(2);
        assert_eq!(
            carried(Topics::create_inherent(&data(&queued))),
            vec![(0, 3)]
        );
        // Nothing to add: no inherent at all.
        assert!(Topics::create_inherent(&data(&queued[..2])).is_none());
        assert!(Topics::create_inherent(&InherentData::new()).is_none());
    });
}

#[test]
fn create_inherent_leaves_events_for_a_full_window_to_the_next_one() {
    new_test_ext(|| {
        let p = Publisher::sr(1);
        setup_topic(&p, 5);
        // MaxEventsPerBatch is 4: three already held, room for one more.
        for s in 0..3 {
            assert_ok!(submit(publish_call(p.event(0, s, b"x"))).unwrap());
        }
        run_to_block(2);
        let queued: Vec<_> = (3..6).map(|s| p.event(0, s, b"y")).collect();
        assert_eq!(
            carried(Topics::create_inherent(&data(&queued))),
            vec![(0, 3)]
        );
    });
}

#[test]
fn a_block_with_a_bad_event_or_a_second_ingest_is_invalid() {
    new_test_ext(|| {
        let p = Publisher::sr(1);
        setup_topic(&p, 5);
        let mut bad = p.event(0, 1, b"b");
        bad.payload = frame_support::BoundedVec::truncate_from(b"tampered".to_vec());
        let call = |events: Vec<crate::SignedEventOf<Test>>| Call::<Test>::ingest {
            events: frame_support::BoundedVec::truncate_from(events),
        };
        // An author that skips the checks: the whole call fails, nothing is ingested.
        assert_noop!(
            dispatch(call(vec![p.event(0, 0, b"a"), bad])),
            Error::<Test>::BadSignature
        );
        assert_noop!(
            dispatch(call(vec![p.event(0, 1, b"gap")])),
            Error::<Test>::SequenceGap
        );
        assert_ok!(dispatch(call(vec![p.event(0, 0, b"a")])));
        assert_noop!(
            dispatch(call(vec![p.event(0, 1, b"b")])),
            Error::<Test>::IngestedTwice
        );
        // Replayed in a later block.
        run_to_block(2);
        assert_noop!(
            dispatch(call(vec![p.event(0, 0, b"a")])),
            Error::<Test>::SequenceUsed
        );
        assert_ok!(dispatch(call(vec![p.event(0, 1, b"b")])));
        assert!(topic_events()
            .iter()
            .any(|e| matches!(e, Event::EventPublished { sequence: 1, .. })));
    });
}

#[test]
fn an_attestation_counts_only_for_the_batch_it_was_computed_over() {
    // Two forks seal batch 0 of topic 0 over different events (a reorg): an attestation
    // computed on one fork is refused on the other, and accepted where it belongs.
    let fork = |payload: &'static [u8]| {
        let mut commitment = [0; 32];
        let mut attestation = None;
        new_test_ext(|| {
            let p = Publisher::sr(1);
            setup_topic(&p, 1);
            assert_ok!(submit(publish_call(p.event(0, 0, payload))).unwrap());
            run_to_block(2);
            commitment = sealed_commitment(0, 0);
            let crate::mock::RuntimeCall::Topics(call) = attest_call(1, 0, 0, 1) else {
                unreachable!()
            };
            attestation = Some(call);
        });
        (commitment, attestation.unwrap())
    };
    let (a, attest_a) = fork(b"fork A");
    let (b, attest_b) = fork(b"fork B");
    assert_ne!(a, b);
    new_test_ext(|| {
        let p = Publisher::sr(1);
        setup_topic(&p, 1);
        assert_ok!(submit(publish_call(p.event(0, 0, b"fork B"))).unwrap());
        run_to_block(2);
        assert_eq!(
            submit(RuntimeCall::Topics(attest_a.clone())),
            Err(super::custom(Error::<Test>::CommitmentMismatch).into())
        );
        let crate::Call::attest { attestation, .. } = attest_a.clone() else {
            unreachable!()
        };
        assert_noop!(
            Topics::do_attest(attestation),
            Error::<Test>::CommitmentMismatch
        );
        assert_ok!(submit(RuntimeCall::Topics(attest_b)).unwrap());
        assert!(Attestations::<Test>::contains_key(
            (0, 0),
            UintAuthorityId(1)
        ));
    });
}
