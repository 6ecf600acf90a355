//! Metering (issue 19): stream owners pay for ingestion from a prepaid budget, topic owners
//! for execution by attested cycles; an exhausted budget refuses events or pauses the topic.

use super::topic_events;
use crate::mock::Topics;
use crate::{mock::*, pallet::*, types::*, Error, Event};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use polkadot_sdk::*;
use sp_runtime::transaction_validity::InvalidTransaction;

fn held(reason: HoldReason) -> u64 {
    Balances::balance_on_hold(&RuntimeHoldReason::Topics(reason), &ALICE)
}

/// Burns `amount` of Alice's `reason` hold (a budget's record is set alongside).
fn burn(reason: HoldReason, amount: u64) {
    <Balances as frame_support::traits::fungible::MutateHold<u64>>::burn_held(
        &RuntimeHoldReason::Topics(reason),
        &ALICE,
        amount,
        frame_support::traits::tokens::Precision::Exact,
        frame_support::traits::tokens::Fortitude::Force,
    )
    .unwrap();
}

#[test]
fn stream_owners_pay_per_event_and_byte_and_an_exhausted_budget_refuses_events() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 1);
        assert_eq!(held(HoldReason::StreamBudget), STREAM_BUDGET);
        assert_eq!(Topics::event_fee(10), 2 + 10);
        let issuance = Balances::total_issuance();
        // Three events of 10 bytes: 36 taken from the budget and burned.
        for sequence in 0..3 {
            assert_ok!(submit(publish_call(publisher.event(0, sequence, &[7; 10]))).unwrap());
        }
        assert_eq!(StreamBudgets::<Test>::get(0), Some(STREAM_BUDGET - 36));
        assert_eq!(held(HoldReason::StreamBudget), STREAM_BUDGET - 36);
        assert_eq!(Balances::total_issuance(), issuance - 36);
        // (The next block: the mock's batches hold at most four events.)
        run_to_block(2);

        // Leave 13: one 10-byte event (12) fits, the next does not.
        let left = STREAM_BUDGET - 36;
        StreamBudgets::<Test>::insert(0, 13);
        burn(HoldReason::StreamBudget, left - 13);
        assert_ok!(submit(publish_call(publisher.event(0, 3, &[7; 10]))).unwrap());
        assert!(topic_events().contains(&Event::StreamBudgetExhausted {
            stream: 0,
            budget: 1
        }));
        assert_eq!(
            submit(publish_call(publisher.event(0, 4, &[7; 10]))),
            Err(InvalidTransaction::Payment.into())
        );
        // The node's API says so, with the sequence number to use once funded.
        assert_eq!(
            Topics::api_publisher_states(vec![(0, publisher.key())]),
            vec![crate::runtime_api::PublisherState::BudgetExhausted { next_sequence: 4 }]
        );
        // The block author leaves the unaffordable event out of its `ingest` inherent.
        let queued = vec![publisher.event(0, 4, &[7; 10]).encode()];
        assert!(Topics::create_ingest(queued.clone()).is_none());

        // Funding again lets it in.
        assert_noop!(
            Topics::fund_stream(RuntimeOrigin::signed(ALICE), 0, 0),
            Error::<Test>::ZeroFunding
        );
        assert_noop!(
            Topics::fund_stream(RuntimeOrigin::signed(BOB), 0, 50),
            Error::<Test>::NotOwner
        );
        assert_ok!(Topics::fund_stream(RuntimeOrigin::signed(ALICE), 0, 50));
        assert_eq!(
            topic_events().last(),
            Some(&Event::StreamFunded {
                stream: 0,
                amount: 50,
                budget: 51
            })
        );
        assert!(Topics::create_ingest(queued).is_some());
        assert_ok!(submit(publish_call(publisher.event(0, 4, &[7; 10]))).unwrap());

        // Closing the stream gives back what is left.
        assert_ok!(Topics::close_stream(RuntimeOrigin::signed(ALICE), 0));
        assert_eq!(held(HoldReason::StreamBudget), 0);
        assert_eq!(StreamBudgets::<Test>::get(0), None);
    });
}

#[test]
fn topic_owners_pay_for_attested_cycles_and_an_exhausted_budget_pauses_the_topic() {
    new_test_ext(|| {
        let publisher = Publisher::sr(1);
        setup_topic(&publisher, 1);
        // Leave 4 in the topic's budget: a batch of 100 cycles costs 3 (per million, up).
        let alice = RuntimeOrigin::signed(ALICE);
        assert_eq!(Topics::execution_fee(100), 3);
        assert_eq!(Topics::execution_fee(2_000_001), 9);
        TopicBudgets::<Test>::insert(0, 4);
        burn(HoldReason::TopicBudget, TOPIC_BUDGET - 4);
        let finalize = |batch: u64| {
            assert_ok!(submit(publish_call(publisher.event(0, batch, b"e"))).unwrap());
            run_to_block(System::block_number() + 1);
            for v in 1..=3 {
                assert_ok!(submit(attest_call(v, 0, batch, 1)).unwrap());
            }
            assert!(Batches::<Test>::get(0, batch).unwrap().finalized.is_some());
        };
        finalize(0);
        assert!(topic_events().contains(&Event::ExecutionCharged {
            topic: 0,
            batch: 0,
            cycles: 100,
            fee: 3
        }));
        assert_eq!(TopicBudgets::<Test>::get(0), Some(1));
        assert_eq!(topic(0).status, TopicStatus::Active);
        finalize(1);
        // 1 of 3 paid: the topic is paused.
        assert!(topic_events().contains(&Event::TopicBudgetExhausted {
            topic: 0,
            batch: 1,
            fee: 3,
            paid: 1
        }));
        assert_eq!(topic(0).status, TopicStatus::Paused);
        assert_eq!(TopicBudgets::<Test>::get(0), None);
        assert_eq!(held(HoldReason::TopicBudget), 0);
        assert_noop!(
            Topics::set_topic_status(alice.clone(), 0, TopicStatus::Active),
            Error::<Test>::TopicBudgetExhausted
        );
        assert_noop!(
            Topics::fund_topic(RuntimeOrigin::signed(BOB), 0, 9),
            Error::<Test>::NotOwner
        );
        assert_ok!(Topics::fund_topic(alice.clone(), 0, 9));
        assert_ok!(Topics::set_topic_status(
            alice.clone(),
            0,
            TopicStatus::Active
        ));
        // Closing it (once its window is sealed) gives back what is left.
        assert_ok!(Topics::set_topic_status(alice, 0, TopicStatus::Closed));
        run_to_block(System::block_number() + 2);
        assert_eq!(held(HoldReason::TopicBudget), 0);
        assert_eq!(TopicBudgets::<Test>::get(0), None);
    });
}
