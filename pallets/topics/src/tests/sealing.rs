//! Windows, batch sealing and the commitment.

use super::topic_events;
use crate::mock::Topics;
use crate::{mock::*, pallet::*, Event};
use frame_support::assert_ok;
use polkadot_sdk::*;

#[test]
fn windows_seal_with_a_hash_chain_commitment() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 2);
        assert_ok!(submit(publish_call(publisher.event(0, 0, b"a"))).unwrap());
        run_to_block(2);
        assert_ok!(submit(publish_call(publisher.event(0, 1, b"b"))).unwrap());
        let hashes = OpenBatch::<Test>::get(0).into_inner();
        run_to_block(3);
        let batch = Batches::<Test>::get(0, 0).expect("sealed");
        assert_eq!(batch.window, (1, 2));
        assert_eq!(batch.event_count, 2);
        assert_eq!(batch.deadline, 7);
        let chained = {
            let step =
                |c: [u8; 32], h: &[u8; 32]| sp_io::hashing::blake2_256(&[&c[..], &h[..]].concat());
            step(step([0; 32], &hashes[0]), &hashes[1])
        };
        assert_eq!(batch.commitment, chained);
        assert_eq!(Topics::commitment(&hashes), chained);
        assert_eq!(BatchEvents::<Test>::get(0, 0).into_inner(), hashes);
        assert!(topic_events().contains(&Event::BatchSealed {
            topic: 0,
            batch: 0,
            first_block: 1,
            last_block: 2,
            event_count: 2,
            commitment: chained,
        }));
        assert_eq!(topic(0).open_window, Some((3, 4)));
        assert_eq!(topic(0).next_batch, 1);
        assert!(OpenBatch::<Test>::get(0).is_empty());
    });
}

#[test]
fn empty_windows_are_not_sealed() {
    new_test_ext(|| {
        setup_topic(&Publisher::sr(1), 1);
        run_to_block(4);
        assert_eq!(Batches::<Test>::iter().count(), 0);
        assert_eq!(topic(0).next_batch, 0);
        assert_eq!(topic(0).open_window, Some((4, 4)));
    });
}

#[test]
fn one_event_feeds_every_topic_of_its_stream() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        let hash = setup_topic(&publisher, 1);
        assert_ok!(Topics::register_topic(
            RuntimeOrigin::signed(BOB),
            frame_support::BoundedVec::truncate_from(vec![0]),
            hash,
            Default::default(),
            3,
            None,
            crate::TopicMode::Stateless,
        ));
        assert_ok!(submit(publish_call(publisher.event(0, 0, b"a"))).unwrap());
        run_to_block(2);
        assert_eq!(Batches::<Test>::get(0, 0).unwrap().event_count, 1);
        assert_eq!(OpenBatch::<Test>::get(1).len(), 1);
        run_to_block(4);
        assert_eq!(
            Batches::<Test>::get(1, 0).unwrap().commitment,
            Batches::<Test>::get(0, 0).unwrap().commitment
        );
    });
}

#[test]
fn the_api_lists_batch_events_and_topics() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        let hash = setup_topic(&publisher, 1);
        assert_ok!(submit(publish_call(publisher.event(0, 0, b"a"))).unwrap());
        run_to_block(2);
        assert_eq!(BatchEvents::<Test>::get(0, 0).len(), 1);
        let view = Topics::api_topic(0).unwrap();
        assert_eq!((view.window, view.quorum, view.template), (1, 3, hash));
        assert_eq!(Topics::api_template(hash).unwrap().users, 1);
        assert!(Topics::api_topic(9).is_none());
    });
}
