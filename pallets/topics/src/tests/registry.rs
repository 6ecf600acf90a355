//! Streams, templates and topics.

use super::topic_events;
use crate::mock::Topics;
use crate::testing::program;
use crate::{mock::*, pallet::*, types::*, Error, Event};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold, BoundedVec};
use polkadot_sdk::*;
use sp_runtime::{testing::UintAuthorityId, traits::Hash};

fn meta() -> BoundedVec<u8, <Test as crate::Config>::MaxMetadataLen> {
    BoundedVec::truncate_from(b"meta".to_vec())
}

#[test]
fn streams_register_change_and_close() {
    new_test_ext(|| {
        let alice = RuntimeOrigin::signed(ALICE);
        assert_ok!(Topics::register_stream(alice.clone(), meta()));
        assert_ok!(Topics::register_stream(RuntimeOrigin::signed(BOB), meta()));
        assert_eq!(NextStreamId::<Test>::get(), 2);
        let keys = [
            Publisher::sr(1).key(),
            Publisher::ed(2).key(),
            Publisher::eth(3).key(),
        ];
        for k in keys {
            assert_ok!(Topics::add_publisher(alice.clone(), 0, k));
        }
        assert_noop!(
            Topics::add_publisher(alice.clone(), 0, keys[0]),
            Error::<Test>::PublisherExists
        );
        assert_noop!(
            Topics::add_publisher(alice.clone(), 0, Publisher::sr(9).key()),
            Error::<Test>::TooManyPublishers
        );
        assert_noop!(
            Topics::add_publisher(RuntimeOrigin::signed(BOB), 0, keys[0]),
            Error::<Test>::NotOwner
        );
        assert_noop!(
            Topics::add_publisher(alice.clone(), 7, keys[0]),
            Error::<Test>::UnknownStream
        );
        assert_ok!(Topics::remove_publisher(alice.clone(), 0, keys[1]));
        assert_noop!(
            Topics::remove_publisher(alice.clone(), 0, keys[1]),
            Error::<Test>::NotPublisher
        );
        assert_noop!(
            Topics::remove_publisher(RuntimeOrigin::signed(BOB), 0, keys[0]),
            Error::<Test>::NotOwner
        );
        assert_noop!(
            Topics::close_stream(RuntimeOrigin::signed(BOB), 0),
            Error::<Test>::NotOwner
        );
        assert_ok!(Topics::close_stream(alice.clone(), 0));
        assert_noop!(
            Topics::close_stream(alice.clone(), 0),
            Error::<Test>::StreamClosed
        );
        assert_noop!(
            Topics::add_publisher(alice, 0, keys[1]),
            Error::<Test>::StreamClosed
        );
        assert_eq!(
            Streams::<Test>::get(0).unwrap().status,
            StreamStatus::Closed
        );
        let events = topic_events();
        assert_eq!(
            events[0],
            Event::StreamRegistered {
                stream: 0,
                owner: ALICE
            }
        );
        assert_eq!(events.last(), Some(&Event::StreamClosed { stream: 0 }));
    });
}

#[test]
fn templates_hold_and_release_deposit() {
    new_test_ext(|| {
        let alice = RuntimeOrigin::signed(ALICE);
        let code: BoundedVec<u8, _> = BoundedVec::truncate_from(program(150, 1));
        let hash = <Test as frame_system::Config>::Hashing::hash(&code);
        assert_ok!(Topics::upload_template(
            alice.clone(),
            code.clone(),
            MACHINE
        ));
        let reason = RuntimeHoldReason::Topics(HoldReason::TemplateDeposit);
        assert_eq!(Balances::balance_on_hold(&reason, &ALICE), 250);
        assert_eq!(Templates::<Test>::get(hash).unwrap().code_len, 150);
        assert_eq!(TemplateCode::<Test>::get(hash).unwrap(), code);
        assert_noop!(
            Topics::upload_template(alice.clone(), code.clone(), MACHINE),
            Error::<Test>::TemplateExists
        );
        assert_noop!(
            Topics::upload_template(alice.clone(), BoundedVec::new(), MACHINE),
            Error::<Test>::EmptyTemplate
        );
        let bad = MachineLimits {
            max_cycles_per_batch: 1,
            ..MACHINE
        };
        assert_noop!(
            Topics::upload_template(
                alice.clone(),
                BoundedVec::truncate_from(program(150, 2)),
                bad
            ),
            Error::<Test>::InvalidMachineLimits
        );
        assert!(Topics::upload_template(
            RuntimeOrigin::signed(POOR),
            BoundedVec::truncate_from(program(150, 3)),
            MACHINE
        )
        .is_err());
        assert_noop!(
            Topics::remove_template(RuntimeOrigin::signed(BOB), hash),
            Error::<Test>::NotOwner
        );
        assert_ok!(Topics::remove_template(alice.clone(), hash));
        assert_eq!(Balances::balance_on_hold(&reason, &ALICE), 0);
        assert_noop!(
            Topics::remove_template(alice, hash),
            Error::<Test>::UnknownTemplate
        );
        assert_eq!(
            topic_events().last(),
            Some(&Event::TemplateRemoved {
                template: hash,
                owner: ALICE,
                deposit: 250
            })
        );
    });
}

#[test]
fn oversized_template_does_not_decode() {
    new_test_ext(|| {
        let too_big = vec![0u8; 1025];
        assert!(
            BoundedVec::<u8, <Test as crate::Config>::MaxTemplateSize>::try_from(too_big).is_err()
        );
    });
}

#[test]
fn topics_register_and_use_templates() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        let hash = setup_topic(&publisher, 3);
        let topic = topic(0);
        assert_eq!(topic.open_window, Some((1, 3)));
        assert_eq!(topic.status, TopicStatus::Active);
        assert_eq!(StreamTopics::<Test>::get(0).to_vec(), vec![0]);
        assert_eq!(Templates::<Test>::get(hash).unwrap().users, 1);
        assert_noop!(
            Topics::remove_template(RuntimeOrigin::signed(ALICE), hash),
            Error::<Test>::TemplateInUse
        );
        assert_eq!(Topics::api_topic(0).unwrap().quorum, 3);
    });
}

fn register(
    streams: Vec<StreamId>,
    template: <Test as frame_system::Config>::Hash,
    window: u32,
    quorum: Option<u32>,
) -> sp_runtime::DispatchResult {
    Topics::register_topic(
        RuntimeOrigin::signed(ALICE),
        BoundedVec::truncate_from(streams),
        template,
        BoundedVec::new(),
        window,
        quorum,
        TopicMode::Stateful,
    )
}

#[test]
fn a_stateful_topic_needs_a_template_within_the_stateful_ram_bound() {
    new_test_ext(|| {
        setup_topic(&Publisher::sr(1), 1);
        let code = BoundedVec::truncate_from(program(128, 0x13));
        let big = MachineLimits {
            ram_size: 4 << 20,
            ..MACHINE
        };
        assert_ok!(Topics::upload_template(
            RuntimeOrigin::signed(ALICE),
            code.clone(),
            big
        ));
        let hash = <Test as frame_system::Config>::Hashing::hash(&code);
        // 4 MiB is within `MaxRamSize` but above `MaxStatefulRamSize` (2 MiB).
        assert_noop!(
            register(vec![0], hash, 1, None),
            Error::<Test>::StatefulRamTooLarge
        );
        assert_ok!(Topics::register_topic(
            RuntimeOrigin::signed(ALICE),
            BoundedVec::truncate_from(vec![0]),
            hash,
            BoundedVec::new(),
            1,
            None,
            TopicMode::Stateless,
        ));
    });
}

#[test]
fn topic_registration_errors() {
    new_test_ext(|| {
        let hash = setup_topic(&Publisher::sr(1), 1);
        assert_noop!(
            register(vec![], hash, 1, None),
            Error::<Test>::InvalidStreams
        );
        assert_noop!(
            register(vec![0, 0], hash, 1, None),
            Error::<Test>::InvalidStreams
        );
        assert_noop!(
            register(vec![5], hash, 1, None),
            Error::<Test>::UnknownStream
        );
        assert_noop!(
            register(vec![0], hash, 0, None),
            Error::<Test>::InvalidWindow
        );
        assert_noop!(
            register(vec![0], hash, 11, None),
            Error::<Test>::InvalidWindow
        );
        assert_noop!(
            register(vec![0], hash, 1, Some(2)),
            Error::<Test>::InvalidQuorum
        );
        // Four validators: a quorum of 5 (or 9) can never be met.
        assert_noop!(
            register(vec![0], hash, 1, Some(5)),
            Error::<Test>::QuorumUnreachable
        );
        assert_noop!(
            register(vec![0], hash, 1, Some(9)),
            Error::<Test>::QuorumUnreachable
        );
        assert_noop!(
            register(vec![0], Default::default(), 1, None),
            Error::<Test>::UnknownTemplate
        );
        assert_ok!(register(vec![0], hash, 2, Some(3)));
        // Stream 0 feeds two topics now (MaxTopicsPerStream).
        assert_noop!(
            register(vec![0], hash, 1, None),
            Error::<Test>::TooManyTopicsForStream
        );
        assert_ok!(Topics::register_stream(
            RuntimeOrigin::signed(ALICE),
            meta()
        ));
        assert_ok!(register(vec![1], hash, 1, None));
        // Alice owns three topics (MaxTopicsPerAccount) while the chain has room for four.
        assert_ok!(Topics::register_stream(
            RuntimeOrigin::signed(ALICE),
            meta()
        ));
        assert_noop!(
            register(vec![2], hash, 1, None),
            Error::<Test>::TooManyTopicsForAccount
        );
        // Bob takes the fourth open-topic place (MaxOpenTopics) on his own stream.
        let bob = RuntimeOrigin::signed(BOB);
        assert_ok!(Topics::register_stream(bob.clone(), meta()));
        let bobs = |stream| {
            Topics::register_topic(
                bob.clone(),
                BoundedVec::truncate_from(vec![stream]),
                hash,
                BoundedVec::new(),
                1,
                None,
                TopicMode::Stateless,
            )
        };
        assert_ok!(bobs(3));
        assert_noop!(bobs(3), Error::<Test>::TooManyOpenTopics);
        assert_ok!(Topics::close_stream(RuntimeOrigin::signed(ALICE), 2));
        assert_noop!(
            register(vec![2], hash, 1, None),
            Error::<Test>::StreamClosed
        );
    });
}

#[test]
fn topic_status_changes() {
    new_test_ext(|| {
        let hash = setup_topic(&Publisher::sr(1), 2);
        let alice = RuntimeOrigin::signed(ALICE);
        assert_noop!(
            Topics::set_topic_status(RuntimeOrigin::signed(BOB), 0, TopicStatus::Paused),
            Error::<Test>::NotOwner
        );
        assert_noop!(
            Topics::set_topic_status(alice.clone(), 0, TopicStatus::Active),
            Error::<Test>::StatusUnchanged
        );
        assert_noop!(
            Topics::set_topic_status(alice.clone(), 4, TopicStatus::Active),
            Error::<Test>::UnknownTopic
        );
        assert_ok!(Topics::set_topic_status(
            alice.clone(),
            0,
            TopicStatus::Paused
        ));
        // The open window still ends and is sealed; no new one opens.
        run_to_block(3);
        assert_eq!(topic(0).open_window, None);
        assert_eq!(OpenTopicCount::<Test>::get(), 0);
        assert_ok!(Topics::set_topic_status(
            alice.clone(),
            0,
            TopicStatus::Active
        ));
        assert_eq!(topic(0).open_window, Some((3, 4)));
        assert_ok!(Topics::set_topic_status(
            alice.clone(),
            0,
            TopicStatus::Closed
        ));
        assert_eq!(Templates::<Test>::get(hash).unwrap().users, 1);
        run_to_block(5);
        assert_eq!(Templates::<Test>::get(hash).unwrap().users, 0);
        assert_noop!(
            Topics::set_topic_status(alice.clone(), 0, TopicStatus::Active),
            Error::<Test>::TopicClosed
        );
        assert_ok!(Topics::remove_template(alice, hash));
        assert_eq!(
            topic_events().last(),
            Some(&Event::TemplateRemoved {
                template: hash,
                owner: ALICE,
                deposit: 260
            })
        );
    });
}

#[test]
fn closing_a_paused_topic_releases_its_template_at_once() {
    new_test_ext(|| {
        let hash = setup_topic(&Publisher::sr(1), 1);
        let alice = RuntimeOrigin::signed(ALICE);
        assert_ok!(Topics::set_topic_status(
            alice.clone(),
            0,
            TopicStatus::Paused
        ));
        run_to_block(2);
        assert_ok!(Topics::set_topic_status(alice, 0, TopicStatus::Closed));
        assert_eq!(Templates::<Test>::get(hash).unwrap().users, 0);
    });
}

#[test]
fn a_topic_whose_quorum_the_validator_set_can_no_longer_meet_is_paused() {
    new_test_ext(|| {
        let hash = setup_topic(&Publisher::sr(1), 1);
        // `strict` needs all four validators; `default` has the default quorum.
        let strict = NextTopicId::<Test>::get();
        assert_ok!(register(vec![0], hash, 2, Some(4)));
        let default = strict + 1;
        assert_ok!(Topics::register_stream(
            RuntimeOrigin::signed(ALICE),
            meta()
        ));
        assert_ok!(register(vec![1], hash, 2, None));
        // The set shrinks to three.
        let three: Vec<_> = (1..=3).map(UintAuthorityId).collect();
        ValidatorSet::set(three.clone());
        Topics::note_validators(three.into_iter());
        assert_eq!(topic(strict).status, TopicStatus::Paused);
        assert_eq!(topic(default).status, TopicStatus::Active);
        System::assert_has_event(
            Event::<Test>::TopicQuorumUnreachable {
                topic: strict,
                quorum: 4,
                validators: 3,
            }
            .into(),
        );
        System::assert_has_event(
            Event::<Test>::TopicStatusChanged {
                topic: strict,
                status: TopicStatus::Paused,
            }
            .into(),
        );
        // Resuming is refused until the set is large enough again.
        assert_noop!(
            Topics::set_topic_status(RuntimeOrigin::signed(ALICE), strict, TopicStatus::Active),
            Error::<Test>::QuorumUnreachable
        );
        let four: Vec<_> = (1..=4).map(UintAuthorityId).collect();
        ValidatorSet::set(four.clone());
        Topics::note_validators(four.into_iter());
        // An unfunded topic cannot resume either.
        assert_noop!(
            Topics::set_topic_status(RuntimeOrigin::signed(ALICE), strict, TopicStatus::Active),
            Error::<Test>::TopicBudgetExhausted
        );
        assert_ok!(Topics::fund_topic(RuntimeOrigin::signed(ALICE), strict, 10));
        assert_ok!(Topics::set_topic_status(
            RuntimeOrigin::signed(ALICE),
            strict,
            TopicStatus::Active
        ));
        assert_eq!(topic(strict).status, TopicStatus::Active);
    });
}

/// Issue 19, case 1: a template the validators' machines could not run (here 2^40 bytes of
/// RAM, above the chain's `MaxRamSize`) is refused at upload, with a named error, as is
/// every other limit beyond the bounds and every ELF the machine would refuse.
#[test]
fn templates_beyond_the_bounds_or_not_loadable_are_refused_by_name() {
    new_test_ext(|| {
        let alice = RuntimeOrigin::signed(ALICE);
        let upload = |code: Vec<u8>, machine: MachineLimits| {
            Topics::upload_template(alice.clone(), BoundedVec::truncate_from(code), machine)
        };
        let with = |change: fn(&mut MachineLimits)| {
            let mut m = MACHINE;
            change(&mut m);
            m
        };
        let code = program(200, 7);
        for (machine, error) in [
            (
                with(|m| m.ram_size = 1 << 40),
                Error::<Test>::RamSizeAboveBound,
            ),
            (
                with(|m| m.ram_size = (4 << 20) + 4096),
                Error::<Test>::RamSizeAboveBound,
            ),
            (
                with(|m| m.ram_size = 5000),
                Error::<Test>::InvalidMachineLimits,
            ),
            (
                with(|m| m.max_output_bytes = 0),
                Error::<Test>::InvalidMachineLimits,
            ),
            (
                with(|m| m.max_cycles_per_batch = 1_000_001),
                Error::<Test>::CycleBudgetAboveBound,
            ),
            (
                with(|m| m.max_output_bytes = (2 << 20) + 1),
                Error::<Test>::OutputLimitAboveBound,
            ),
        ] {
            assert_noop!(upload(code.clone(), machine), error);
        }
        // The bounds themselves are allowed.
        let bounds = Topics::machine_bounds();
        assert_eq!(bounds.max_ram_size, 4 << 20);
        assert_eq!(bounds.max_inputs_per_batch, 4 + 2);
        assert_ok!(upload(
            code.clone(),
            with(|m| {
                m.ram_size = 4 << 20;
                m.max_cycles_per_batch = 1_000_000;
            })
        ));

        // ELF defects, each patched into an otherwise good program.
        let patched = |at: usize, bytes: &[u8]| {
            let mut c = program(200, 8);
            c[at..at + bytes.len()].copy_from_slice(bytes);
            c
        };
        let ram_end = 0x8000_0000u64 + MACHINE.ram_size;
        for (code, error) in [
            (vec![0x13; 200], Error::<Test>::TemplateNotElf),
            (
                patched(18, &62u16.to_le_bytes()),
                Error::<Test>::TemplateNotRiscv64Executable,
            ),
            (
                patched(4, &[1]),
                Error::<Test>::TemplateNotRiscv64Executable,
            ),
            (
                patched(16, &3u16.to_le_bytes()),
                Error::<Test>::TemplateNotRiscv64Executable,
            ),
            (
                patched(32, &4000u64.to_le_bytes()),
                Error::<Test>::TemplateMalformed,
            ),
            (
                patched(64 + 32, &4000u64.to_le_bytes()),
                Error::<Test>::TemplateMalformed,
            ),
            (
                patched(64, &2u32.to_le_bytes()),
                Error::<Test>::TemplateMalformed,
            ),
            (
                patched(24, &0x1000u64.to_le_bytes()),
                Error::<Test>::TemplateEntryOutsideRam,
            ),
            (
                patched(24, &0x8000_0001u64.to_le_bytes()),
                Error::<Test>::TemplateEntryMisaligned,
            ),
            (
                patched(64 + 24, &(ram_end - 8).to_le_bytes()),
                Error::<Test>::TemplateExceedsRam,
            ),
            (
                patched(64 + 24, &0x1000u64.to_le_bytes()),
                Error::<Test>::TemplateSegmentOutsideRam,
            ),
        ] {
            assert_noop!(upload(code, MACHINE), error);
        }
        // A program that needs more RAM is accepted with more RAM.
        let big = patched(64 + 24, &(ram_end - 8).to_le_bytes());
        assert_ok!(upload(big, with(|m| m.ram_size = 2 << 20)));
    });
}

/// Issue 19, case 2: a stranger's topics no longer take a stream's places; a stream is
/// read only by its owner's topics unless she opens it to named accounts or to anyone.
#[test]
fn streams_feed_only_topics_their_owner_consented_to() {
    new_test_ext(|| {
        let hash = setup_topic(&Publisher::sr(1), 1);
        let by = |who: u64| {
            Topics::register_topic(
                RuntimeOrigin::signed(who),
                BoundedVec::truncate_from(vec![0]),
                hash,
                BoundedVec::new(),
                1,
                None,
                TopicMode::Stateless,
            )
        };
        const CAROL: u64 = 3;
        assert_noop!(by(BOB), Error::<Test>::StreamAccessDenied);
        assert_noop!(
            Topics::set_stream_access(RuntimeOrigin::signed(BOB), 0, StreamAccess::Anyone),
            Error::<Test>::NotOwner
        );
        let bob_only = StreamAccess::Accounts(BoundedVec::truncate_from(vec![BOB]));
        assert_ok!(Topics::set_stream_access(
            RuntimeOrigin::signed(ALICE),
            0,
            bob_only.clone()
        ));
        assert_eq!(
            topic_events().last(),
            Some(&Event::StreamAccessChanged {
                stream: 0,
                access: bob_only
            })
        );
        assert_noop!(by(CAROL), Error::<Test>::StreamAccessDenied);
        assert_ok!(by(BOB));
        assert_eq!(StreamTopics::<Test>::get(0).to_vec(), vec![0, 1]);
        // Back to the owner only: Bob's topic keeps reading, but no new one may start,
        // and the entry is gone from storage.
        assert_ok!(Topics::set_stream_access(
            RuntimeOrigin::signed(ALICE),
            0,
            StreamAccess::OwnerOnly
        ));
        assert!(!StreamReaders::<Test>::contains_key(0));
        assert_ok!(Topics::set_topic_status(
            RuntimeOrigin::signed(BOB),
            1,
            TopicStatus::Closed
        ));
        run_to_block(2);
        assert_eq!(StreamTopics::<Test>::get(0).to_vec(), vec![0]);
        assert_noop!(by(BOB), Error::<Test>::StreamAccessDenied);
        assert_ok!(Topics::set_stream_access(
            RuntimeOrigin::signed(ALICE),
            0,
            StreamAccess::Anyone
        ));
        assert_ok!(by(CAROL));
    });
}

/// Issue 19, case 2: a topic holds `TopicDeposit` while registered; closing it releases
/// the deposit and its places (its streams', its owner's) once the last window is sealed.
#[test]
fn topics_hold_a_deposit_until_retired() {
    new_test_ext(|| {
        let hash = setup_topic(&Publisher::sr(1), 2);
        let reason = RuntimeHoldReason::Topics(HoldReason::TopicDeposit);
        assert_eq!(Balances::balance_on_hold(&reason, &ALICE), 500);
        assert_eq!(TopicsOwned::<Test>::get(ALICE), 1);
        assert!(topic_events().contains(&Event::TopicRegistered {
            topic: 0,
            owner: ALICE,
            template: hash,
            deposit: 500
        }));
        assert_ok!(Topics::set_topic_status(
            RuntimeOrigin::signed(ALICE),
            0,
            TopicStatus::Closed
        ));
        // The open window (blocks 1-2) is still sealed: the deposit stays until then.
        assert_eq!(Balances::balance_on_hold(&reason, &ALICE), 500);
        run_to_block(3);
        assert_eq!(Balances::balance_on_hold(&reason, &ALICE), 0);
        assert_eq!(TopicsOwned::<Test>::get(ALICE), 0);
        assert!(StreamTopics::<Test>::get(0).is_empty());
        assert!(TopicDeposits::<Test>::get(0).is_none());
        // An account that cannot pay the deposit cannot register.
        assert_ok!(Topics::set_stream_access(
            RuntimeOrigin::signed(ALICE),
            0,
            StreamAccess::Anyone
        ));
        assert!(Topics::register_topic(
            RuntimeOrigin::signed(POOR),
            BoundedVec::truncate_from(vec![0]),
            hash,
            BoundedVec::new(),
            1,
            None,
            TopicMode::Stateless,
        )
        .is_err());
        assert_eq!(NextTopicId::<Test>::get(), 1);
    });
}
