//! Windows, batch sealing and the commitment.

use super::topic_events;
use crate::mock::Topics;
use crate::{mock::*, pallet::*, Event};
use frame_support::{assert_ok, traits::Hooks};
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
        assert_ok!(Topics::set_stream_access(
            RuntimeOrigin::signed(ALICE),
            0,
            crate::StreamAccess::Anyone
        ));
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

#[test]
fn every_accepted_event_is_in_exactly_one_sealed_batch() {
    use crate::types::{BatchNumber, Hash32, StreamId, TopicId};
    use frame_support::BoundedVec;
    use std::collections::BTreeMap;

    new_test_ext(|| {
        let (p1, p2) = (Publisher::sr(1), Publisher::sr(2));
        // Topic 0 reads stream 0 (window 1); topic 1 reads streams 0 and 1 (window 3);
        // topic 2 reads stream 1 (window 2).
        let hash = setup_topic(&p1, 1);
        let alice = RuntimeOrigin::signed(ALICE);
        assert_ok!(Topics::register_stream(alice.clone(), Default::default()));
        assert_ok!(Topics::add_publisher(alice.clone(), 1, p2.key()));
        for (streams, window) in [(vec![0, 1], 3), (vec![1], 2)] {
            assert_ok!(Topics::register_topic(
                alice.clone(),
                BoundedVec::truncate_from(streams),
                hash,
                Default::default(),
                window,
                None,
                crate::TopicMode::Stateless,
            ));
        }
        let reads = |topic: TopicId, stream: StreamId| match topic {
            0 => stream == 0,
            1 => true,
            _ => stream == 1,
        };
        let mut sealed: BTreeMap<(TopicId, BatchNumber), Vec<Hash32>> = BTreeMap::new();
        let collect = |sealed: &mut BTreeMap<_, _>| {
            for (t, b) in Batches::<Test>::iter_keys() {
                sealed
                    .entry((t, b))
                    .or_insert_with(|| BatchEvents::<Test>::get(t, b).into_inner());
            }
        };
        let mut next = [0u64, 0];
        let mut refused = 0;
        for block in 1..=12u64 {
            for (i, (publisher, stream)) in [(&p1, 0), (&p2, 1)].into_iter().enumerate() {
                let event = publisher.event(stream, next[i], &block.to_le_bytes()[..2]);
                match submit(publish_call(event)) {
                    Ok(Ok(())) => next[i] += 1,
                    // Topic 1's window fills up (4 events per batch): refused, not lost.
                    Err(_) => refused += 1,
                    Ok(Err(e)) => panic!("authorized but not dispatched: {e:?}"),
                }
            }
            run_to_block(block + 1);
            collect(&mut sealed);
        }
        for block in 14..=16 {
            run_to_block(block);
            collect(&mut sealed);
        }
        assert!(refused > 0, "the test exercises full windows");
        let accepted: Vec<(StreamId, Hash32)> = super::topic_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::EventPublished {
                    stream, event_hash, ..
                } => Some((stream, event_hash)),
                _ => None,
            })
            .collect();
        assert_eq!(accepted.len() as u64, next[0] + next[1]);
        for topic in 0..3 {
            let mine: Vec<Hash32> = accepted
                .iter()
                .filter(|(s, _)| reads(topic, *s))
                .map(|(_, h)| *h)
                .collect();
            let mut in_batches: Vec<Hash32> = sealed
                .iter()
                .filter(|((t, _), _)| *t == topic)
                .flat_map(|(_, events)| events.iter().copied())
                .collect();
            assert_eq!(
                in_batches.len(),
                mine.len(),
                "topic {topic}: no event lost or doubled"
            );
            in_batches.sort();
            let mut expected = mine.clone();
            expected.sort();
            assert_eq!(in_batches, expected, "topic {topic}: the same events");
        }
    });
}

#[test]
fn a_failed_deadline_reservation_keeps_the_events_in_the_open_batch() {
    test_ext().execute_with(|| {
        System::set_block_number(1);
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 1);
        assert_ok!(submit(publish_call(publisher.event(0, 0, b"a"))).unwrap());
        let held = OpenBatch::<Test>::get(0).into_inner();
        assert_eq!(held.len(), 1);
        // The batch sealed at block 1 gets the deadline 1 + 5: make that entry full.
        let full =
            <<Test as crate::Config>::MaxOpenTopics as frame_support::traits::Get<u32>>::get()
                as usize;
        Deadlines::<Test>::insert(
            6,
            frame_support::BoundedVec::truncate_from(vec![(9, 0); full]),
        );
        let sealing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Topics::on_finalize(1);
        }));
        assert!(
            sealing.is_err(),
            "the cannot-happen branch is defended (`defensive!` panics in debug builds)"
        );
        assert_eq!(
            OpenBatch::<Test>::get(0).into_inner(),
            held,
            "the events were not taken"
        );
        assert!(Batches::<Test>::get(0, 0).is_none());
    });
}
