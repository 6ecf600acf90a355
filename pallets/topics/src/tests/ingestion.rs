//! `publish` and `publish_batch`: authorization, hostile input, offchain indexing.

use super::custom;
use super::topic_events;
use crate::mock::Topics;
use crate::{mock::*, pallet::*, types::*, Call, Error, Event};
use codec::{Decode, Encode};
use concerto_primitives::EventEnvelope;
use frame_support::{assert_ok, traits::Authorize, BoundedVec};
use polkadot_sdk::*;
use sp_runtime::transaction_validity::{InvalidTransaction, TransactionSource};

#[test]
fn publish_accepts_every_key_scheme() {
    new_test_ext(|| {
        let sr = Publisher::sr(1);
        setup_topic(&sr, 5);
        let (ed, eth) = (Publisher::ed(2), Publisher::eth(3));
        assert_ok!(Topics::add_publisher(
            RuntimeOrigin::signed(ALICE),
            0,
            ed.key()
        ));
        assert_ok!(Topics::add_publisher(
            RuntimeOrigin::signed(ALICE),
            0,
            eth.key()
        ));
        for p in [&sr, &ed, &eth] {
            assert_ok!(submit(publish_call(p.event(0, 0, b"x"))).unwrap());
            assert_eq!(NextSequence::<Test>::get(0, p.key()), 1);
        }
        assert_eq!(OpenBatch::<Test>::get(0).len(), 3);
        let Some(Event::EventPublished {
            stream: 0,
            sequence: 0,
            event_hash,
            ..
        }) = topic_events().pop()
        else {
            panic!("no EventPublished")
        };
        let expected = EventEnvelope {
            stream_id: 0,
            publisher: eth.key().envelope_id(),
            sequence: 0,
            block_number: 1,
            payload: b"x".to_vec(),
        };
        assert_eq!(event_hash, sp_io::hashing::blake2_256(&expected.encode()));
        assert_eq!(OpenBatch::<Test>::get(0)[2], event_hash);
    });
}

#[test]
fn payload_goes_to_offchain_storage() {
    let mut ext = test_ext();
    let publisher = Publisher::sr(1);
    let mut event_hash = [0u8; 32];
    ext.execute_with(|| {
        System::set_block_number(1);
        setup_topic(&publisher, 2);
        assert_ok!(submit(publish_call(publisher.event(0, 0, b"payload"))).unwrap());
        event_hash = OpenBatch::<Test>::get(0)[0];
        Topics::do_try_state().unwrap();
    });
    ext.persist_offchain_overlay();
    let key = Topics::event_offchain_key(&event_hash);
    let stored = ext.offchain_db().get(&key).expect("envelope indexed");
    let envelope = EventEnvelope::decode(&mut &stored[..]).unwrap();
    assert_eq!(envelope.payload, b"payload".to_vec());
    assert_eq!(sp_io::hashing::blake2_256(&stored), event_hash);
}

#[test]
fn bad_signature_and_wrong_publisher_are_rejected() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 5);
        // Signed by someone else, claiming to be the publisher.
        let mut forged = Publisher::sr(2).event(0, 0, b"x");
        forged.publisher = publisher.key();
        assert_eq!(
            submit(publish_call(forged)),
            Err(InvalidTransaction::BadProof.into())
        );
        // Payload changed after signing.
        let mut tampered = publisher.event(0, 0, b"x");
        tampered.payload = BoundedVec::truncate_from(b"y".to_vec());
        assert_eq!(
            submit(publish_call(tampered)),
            Err(InvalidTransaction::BadProof.into())
        );
        // A signature of another scheme.
        let mut mixed = publisher.event(0, 0, b"x");
        mixed.signature = PublisherSignature::Ed25519([0; 64]);
        assert_eq!(
            submit(publish_call(mixed)),
            Err(InvalidTransaction::BadProof.into())
        );
        // A valid signature from a key that is not a publisher of the stream.
        let stranger = Publisher::ed(5).event(0, 0, b"x");
        assert_eq!(
            submit(publish_call(stranger)),
            Err(custom(Error::<Test>::NotPublisher).into())
        );
        // Unknown and closed streams.
        assert_eq!(
            submit(publish_call(publisher.event(3, 0, b"x"))),
            Err(custom(Error::<Test>::UnknownStream).into())
        );
        assert_ok!(Topics::close_stream(RuntimeOrigin::signed(ALICE), 0));
        assert_eq!(
            submit(publish_call(publisher.event(0, 0, b"x"))),
            Err(custom(Error::<Test>::StreamClosed).into())
        );
        assert_eq!(NextSequence::<Test>::get(0, publisher.key()), 0);
    });
}

#[test]
fn replayed_and_out_of_order_sequences_are_rejected() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 5);
        let first = publisher.event(0, 0, b"a");
        assert_ok!(submit(publish_call(first.clone())).unwrap());
        // Replay of the same signed event.
        assert_eq!(
            submit(publish_call(first)),
            Err(InvalidTransaction::Stale.into())
        );
        // A gap: waits in the pool for its predecessor, never valid inside a block.
        let ahead = publisher.event(0, 2, b"c");
        let (valid, _) = publish_call(ahead.clone())
            .authorize(TransactionSource::External)
            .unwrap()
            .unwrap();
        assert_eq!(valid.requires.len(), 1);
        assert_eq!(
            submit_from(TransactionSource::InBlock, publish_call(ahead.clone())),
            Err(InvalidTransaction::Future.into())
        );
        // Had it been dispatched anyway, the call itself refuses the gap.
        assert_eq!(
            Topics::ingest_event(&ahead),
            Err(Error::<Test>::SequenceGap.into())
        );
        assert_ok!(submit_from(
            TransactionSource::InBlock,
            publish_call(publisher.event(0, 1, b"b"))
        )
        .unwrap());
        assert_ok!(submit_from(TransactionSource::InBlock, publish_call(ahead)).unwrap());
        assert_eq!(
            Topics::ingest_event(&publisher.event(0, 1, b"b")),
            Err(Error::<Test>::SequenceUsed.into())
        );
    });
}

#[test]
fn removed_publisher_cannot_replay_after_re_adding() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 5);
        let event = publisher.event(0, 0, b"a");
        assert_ok!(submit(publish_call(event.clone())).unwrap());
        assert_ok!(Topics::remove_publisher(
            RuntimeOrigin::signed(ALICE),
            0,
            publisher.key()
        ));
        assert_eq!(
            submit(publish_call(publisher.event(0, 1, b"b"))),
            Err(custom(Error::<Test>::NotPublisher).into())
        );
        assert_ok!(Topics::add_publisher(
            RuntimeOrigin::signed(ALICE),
            0,
            publisher.key()
        ));
        assert_eq!(
            submit(publish_call(event)),
            Err(InvalidTransaction::Stale.into())
        );
    });
}

#[test]
fn oversized_payload_cannot_be_submitted() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 5);
        let big = vec![0u8; 17];
        assert!(
            BoundedVec::<u8, <Test as crate::Config>::MaxPayloadLen>::try_from(big.clone())
                .is_err()
        );
        // A hand-built call with 17 payload bytes does not decode.
        let mut encoded = publish_call(publisher.event(0, 0, &[0u8; 16])).encode();
        let at = encoded
            .windows(17)
            .position(|w| w[0] == 16 << 2 && w[1..].iter().all(|b| *b == 0))
            .unwrap();
        encoded[at] = 17 << 2;
        encoded.insert(at + 1, 0);
        assert!(RuntimeCall::decode(&mut &encoded[..]).is_err());
    });
}

#[test]
fn full_window_rejects_events() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 5);
        for seq in 0..4 {
            assert_ok!(submit(publish_call(publisher.event(0, seq, b"e"))).unwrap());
        }
        assert_eq!(
            submit(publish_call(publisher.event(0, 4, b"e"))),
            Err(InvalidTransaction::ExhaustsResources.into())
        );
    });
}

fn batch_call(events: Vec<crate::SignedEventOf<Test>>) -> RuntimeCall {
    RuntimeCall::Topics(Call::publish_batch {
        events: BoundedVec::truncate_from(events),
    })
}

#[test]
fn publish_batch_checks_every_event() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 5);
        let other = Publisher::ed(2);
        assert_ok!(Topics::add_publisher(
            RuntimeOrigin::signed(ALICE),
            0,
            other.key()
        ));
        let events = vec![
            publisher.event(0, 0, b"a"),
            other.event(0, 0, b"b"),
            publisher.event(0, 1, b"c"),
        ];
        assert_ok!(submit(batch_call(events)).unwrap());
        assert_eq!(OpenBatch::<Test>::get(0).len(), 3);
        assert_eq!(NextSequence::<Test>::get(0, publisher.key()), 2);
        // Empty, duplicated inside the call, gap inside the call, one bad signature.
        assert_eq!(
            submit(batch_call(vec![])),
            Err(InvalidTransaction::Call.into())
        );
        let dup = vec![publisher.event(0, 2, b"d"), publisher.event(0, 2, b"d")];
        assert_eq!(
            submit(batch_call(dup)),
            Err(InvalidTransaction::Stale.into())
        );
        let gap = vec![publisher.event(0, 2, b"d"), publisher.event(0, 4, b"d")];
        assert_eq!(
            submit(batch_call(gap)),
            Err(InvalidTransaction::Future.into())
        );
        let mut forged = publisher.event(0, 2, b"d");
        forged.signature = PublisherSignature::Sr25519([1; 64]);
        assert_eq!(
            submit(batch_call(vec![forged])),
            Err(InvalidTransaction::BadProof.into())
        );
        // Room for one more event only (MaxEventsPerBatch = 4).
        let two = vec![publisher.event(0, 2, b"d"), publisher.event(0, 3, b"e")];
        assert_eq!(
            submit(batch_call(two)),
            Err(InvalidTransaction::ExhaustsResources.into())
        );
        assert_eq!(NextSequence::<Test>::get(0, publisher.key()), 2);
    });
}

#[test]
fn publish_requires_authorized_origin() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 5);
        let event = publisher.event(0, 0, b"a");
        assert!(Topics::publish(RuntimeOrigin::signed(ALICE), event.clone()).is_err());
        assert!(Topics::publish(RuntimeOrigin::none(), event).is_err());
    });
}

#[test]
fn signature_checks_answer_each_event_in_order_across_schemes() {
    new_test_ext(|| {
        let (sr, ed, eth) = (Publisher::sr(1), Publisher::ed(2), Publisher::eth(3));
        let mut events = vec![
            sr.event(0, 0, b"a"),
            ed.event(0, 0, b"b"),
            sr.event(0, 1, b"c"),
            eth.event(0, 0, b"d"),
            sr.event(0, 2, b"e"),
        ];
        assert!(Topics::signatures_verify(events.iter()));
        assert_eq!(Topics::signatures_each(&events), vec![true; 5]);
        // A bad sr25519 signature and a bad ed25519 one: each answered at its place.
        events[2].payload = BoundedVec::truncate_from(b"changed".to_vec());
        events[1].sequence = 9;
        assert!(!Topics::signatures_verify(events.iter()));
        assert!(!Topics::signatures_verify(events[1..2].iter()));
        assert!(Topics::signatures_verify(events[3..].iter()));
        assert_eq!(
            Topics::signatures_each(&events),
            vec![true, false, false, true, true]
        );
        // A signature of another scheme than the key's never verifies.
        events[0].signature = PublisherSignature::Ed25519([0; 64]);
        assert_eq!(Topics::signatures_each(&events[..1]), vec![false]);
        assert!(Topics::signatures_verify(std::iter::empty()));
    });
}
