//! The offchain worker, against a scripted slots backend (the real slots run in the node's
//! end-to-end tests): finality gating, the job it builds, the signed attestation it
//! submits, never attesting twice, resubmission, host faults and verdict mapping.

use crate::mock::Topics;
use crate::mock::*;
use crate::offchain::{RESUBMIT_AFTER, RETRY_AFTER};
use crate::{pallet::*, types::*};
use codec::{Decode, Encode};
use concerto_primitives::{GuestFault, OutputsPayload, Rejection, Stage};
use concerto_slots_interface::{
    BatchHeader, BatchJob, BatchOutcome, BatchState, Hash32, HostFault, PastBatch, SlotsBackend,
    SlotsError, SlotsExt,
};
use frame_support::assert_ok;
use polkadot_sdk::*;
use sp_core::offchain::{
    testing::{TestOffchainExt, TestTransactionPoolExt},
    OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};
use sp_runtime::testing::UintAuthorityId;
use std::sync::{Arc, Mutex};

/// A slots backend that records what it was asked and answers from a script.
#[derive(Default)]
struct Scripted {
    templates: Mutex<Vec<Hash32>>,
    jobs: Mutex<Vec<BatchJob>>,
    finalized: Mutex<u32>,
    answers: Mutex<Vec<Result<BatchOutcome, SlotsError>>>,
    states: Mutex<Vec<Hash32>>,
}

impl SlotsBackend for Scripted {
    fn has_template(&self, hash: &Hash32) -> bool {
        self.templates.lock().unwrap().contains(hash)
    }
    fn add_template(&self, code: &[u8]) -> Result<Hash32, SlotsError> {
        let hash = sp_io::hashing::blake2_256(code);
        self.templates.lock().unwrap().push(hash);
        Ok(hash)
    }
    fn execute_batch(&self, job: BatchJob) -> Result<BatchOutcome, SlotsError> {
        self.jobs.lock().unwrap().push(job);
        let mut answers = self.answers.lock().unwrap();
        if answers.is_empty() {
            Ok(outcome(None, vec![]))
        } else {
            answers.remove(0)
        }
    }
    fn finalized_number(&self) -> u32 {
        *self.finalized.lock().unwrap()
    }
    fn has_state(&self, _topic: u32, root: &Hash32) -> bool {
        self.states.lock().unwrap().contains(root)
    }
}

fn outcome(rejection: Option<Rejection>, rejected_inputs: Vec<u32>) -> BatchOutcome {
    BatchOutcome {
        rejection,
        rejected_inputs,
        outputs: OutputsPayload::Inline(vec![b"ok".to_vec()].encode()),
        output_count: 1,
        outputs_root: [1; 32],
        start_root: [2; 32],
        state_root: [3; 32],
        cycles: 42,
    }
}

/// Runs `test` with offchain, pool and slots extensions; the keystore holds validator 1.
fn ocw_test(test: impl FnOnce(&Scripted, &dyn Fn() -> Vec<Vec<u8>>)) {
    let (offchain, _state) = TestOffchainExt::new();
    let (pool, pool_state) = TestTransactionPoolExt::new();
    let slots = Arc::new(Scripted::default());
    let mut ext = test_ext();
    ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
    ext.register_extension(OffchainDbExt::new(offchain));
    ext.register_extension(TransactionPoolExt::new(pool));
    ext.register_extension(SlotsExt(slots.clone()));
    UintAuthorityId::set_all_keys(vec![UintAuthorityId(1)]);
    let submitted = move || pool_state.read().transactions.clone();
    ext.execute_with(|| {
        System::set_block_number(1);
        ValidatorSet::set((1..=4).map(UintAuthorityId).collect());
        test(&slots, &submitted);
        Topics::do_try_state().expect("storage invariants hold");
    });
}

/// The `attest` call inside a submitted transaction.
fn attest_of(xt: &[u8]) -> RuntimeCall {
    let xt =
        frame_system::mocking::MockUncheckedExtrinsic::<Test>::decode(&mut &xt[..]).expect("xt");
    xt.function
}

/// Topic 0 (window 1) with batch 0 sealed in block 1 (two events).
fn sealed() -> <Test as frame_system::Config>::Hash {
    let publisher = Publisher::sr(1);
    let template = setup_topic(&publisher, 1);
    assert_ok!(submit(publish_call(publisher.event(0, 0, b"a"))).unwrap());
    assert_ok!(submit(publish_call(publisher.event(0, 1, b"b"))).unwrap());
    run_to_block(2);
    assert!(Batches::<Test>::contains_key(0, 0));
    template
}

#[test]
fn attests_a_sealed_batch_at_once_and_resubmits_the_same_attestation() {
    ocw_test(|slots, submitted| {
        let template = sealed();
        // Sealed in block 1, not finalized: it runs at once (the attestation names the
        // batch's commitment, so a reorg cannot make it count for other events).
        Topics::offchain_worker_run(2);
        let jobs = slots.jobs.lock().unwrap().clone();
        assert_eq!(jobs.len(), 1);
        let job = &jobs[0];
        let info = Batches::<Test>::get(0, 0).unwrap();
        assert_eq!(job.template, template.0);
        assert_eq!(
            job.event_hashes,
            BatchEvents::<Test>::get(0, 0).into_inner()
        );
        assert_eq!(job.event_hashes.len(), 2);
        assert_eq!(job.commitment, info.commitment);
        assert_eq!(job.header.topic_id, 0);
        assert_eq!(job.header.batch_number, 0);
        assert_eq!(job.header.window, (1, 1));
        assert_eq!(job.header.config, b"cfg".to_vec());
        assert_eq!(job.limits, MACHINE);
        assert_eq!(job.max_inline_outputs, 16);
        assert_eq!(*slots.templates.lock().unwrap(), vec![template.0]);

        let txs = submitted();
        assert_eq!(txs.len(), 1);
        let call = attest_of(&txs[0]);
        let RuntimeCall::Topics(crate::Call::attest { attestation, .. }) = &call else {
            panic!("not an attest call: {call:?}");
        };
        assert_eq!(attestation.validator, UintAuthorityId(1));
        assert_eq!(attestation.result.verdict, Verdict::Accepted);
        assert_eq!(attestation.result.cycles, 42);
        assert_eq!(attestation.result.state_root, [3; 32]);
        // The chain accepts it (signature, membership, batch open).
        assert_ok!(submit(call.clone()).unwrap());

        // Later blocks do not run or sign it again...
        Topics::offchain_worker_run(3);
        assert_eq!(slots.jobs.lock().unwrap().len(), 1);
        assert_eq!(submitted().len(), 1);
    });
}

#[test]
fn an_unconfirmed_attestation_is_resubmitted_unchanged() {
    ocw_test(|slots, submitted| {
        sealed();
        *slots.finalized.lock().unwrap() = 1;
        Topics::offchain_worker_run(2);
        Topics::offchain_worker_run(u64::from(2 + RESUBMIT_AFTER - 1));
        assert_eq!(submitted().len(), 1);
        // Still awaited (the first was never included): the same bytes go out again,
        // without running the batch a second time.
        Topics::offchain_worker_run(u64::from(2 + RESUBMIT_AFTER));
        let txs = submitted();
        assert_eq!(txs.len(), 2);
        assert_eq!(txs[0], txs[1]);
        assert_eq!(slots.jobs.lock().unwrap().len(), 1);
    });
}

#[test]
fn host_faults_are_never_attested_and_are_retried() {
    ocw_test(|slots, submitted| {
        sealed();
        *slots.finalized.lock().unwrap() = 1;
        slots
            .answers
            .lock()
            .unwrap()
            .push(Err(SlotsError::Host(HostFault::Worker)));
        Topics::offchain_worker_run(2);
        assert_eq!(slots.jobs.lock().unwrap().len(), 1);
        assert!(submitted().is_empty());
        Topics::offchain_worker_run(u64::from(2 + RETRY_AFTER - 1));
        assert_eq!(slots.jobs.lock().unwrap().len(), 1);
        Topics::offchain_worker_run(u64::from(2 + RETRY_AFTER));
        assert_eq!(slots.jobs.lock().unwrap().len(), 2);
        assert_eq!(submitted().len(), 1);
    });
}

#[test]
fn guest_faults_and_rejected_inputs_are_rejected_verdicts() {
    for answer in [
        outcome(
            Some(Rejection {
                stage: Stage::Input(0),
                fault: GuestFault::CycleLimitPerInput { limit: 1000 },
            }),
            vec![],
        ),
        outcome(None, vec![2]),
    ] {
        ocw_test(|slots, submitted| {
            sealed();
            *slots.finalized.lock().unwrap() = 1;
            slots.answers.lock().unwrap().push(Ok(answer.clone()));
            Topics::offchain_worker_run(2);
            let txs = submitted();
            let RuntimeCall::Topics(crate::Call::attest { attestation, .. }) = attest_of(&txs[0])
            else {
                panic!("not an attest call");
            };
            assert_eq!(attestation.result.verdict, Verdict::Rejected);
        });
    }
}

#[test]
fn an_unreadable_local_record_is_never_overwritten_by_a_new_run() {
    ocw_test(|slots, submitted| {
        sealed();
        *slots.finalized.lock().unwrap() = 1;
        let key = Topics::local_record_key(&UintAuthorityId(1), 0, 0, &sealed_commitment(0, 0));
        // Not a `LocalRecord` (variant 9 does not exist).
        sp_io::offchain::local_storage_set(
            sp_core::offchain::StorageKind::PERSISTENT,
            &key,
            &[9, 1, 2, 3],
        );
        for block in [
            2,
            2 + u64::from(RESUBMIT_AFTER),
            2 + u64::from(RETRY_AFTER) * 10,
        ] {
            Topics::offchain_worker_run(block);
        }
        assert!(slots.jobs.lock().unwrap().is_empty(), "no run");
        assert!(submitted().is_empty(), "nothing signed or submitted");
        assert_eq!(
            sp_io::offchain::local_storage_get(sp_core::offchain::StorageKind::PERSISTENT, &key),
            Some(vec![9, 1, 2, 3]),
            "the record is left as it was"
        );
    });
}

#[test]
fn without_slots_or_keys_the_worker_does_nothing() {
    ocw_test(|slots, submitted| {
        sealed();
        *slots.finalized.lock().unwrap() = 1;
        // Validator 9 is not in the set.
        UintAuthorityId::set_all_keys(vec![UintAuthorityId(9)]);
        Topics::offchain_worker_run(2);
        assert!(slots.jobs.lock().unwrap().is_empty());
        assert!(submitted().is_empty());
    });
    // No slots extension at all (a node that does not run them).
    new_test_ext(|| {
        sealed();
        Topics::offchain_worker_run(2);
    });
}

#[test]
fn stateful_jobs_start_from_the_chain_state_with_history_only_when_the_node_lacks_it() {
    use super::stateful::{step, two_sealed_batches};
    ocw_test(|slots, _| {
        two_sealed_batches();
        let info0 = Batches::<Test>::get(0, 0).unwrap();
        Topics::run_batch(0, 0, &info0).expect("runs");
        let job = |i: usize| slots.jobs.lock().unwrap()[i].state.clone();
        assert_eq!(
            job(0),
            BatchState::Stateful {
                from: None,
                history: vec![]
            },
            "the first batch starts from a fresh machine"
        );
        for v in 1..=3 {
            assert_ok!(submit(attest_result_call(v, 0, 0, step([0; 32], 10))).unwrap());
        }
        let info1 = Batches::<Test>::get(0, 1).unwrap();
        Topics::run_batch(0, 1, &info1).expect("runs");
        let past = PastBatch {
            header: BatchHeader {
                topic_id: 0,
                batch_number: 0,
                window: (info0.window.0 as u32, info0.window.1 as u32),
                config: vec![],
            },
            event_hashes: BatchEvents::<Test>::get(0, 0).into_inner(),
            commitment: info0.commitment,
            start_root: [0; 32],
            state_root: [10; 32],
        };
        assert_eq!(
            job(1),
            BatchState::Stateful {
                from: Some([10; 32]),
                history: vec![past]
            },
            "a node without the state gets the batches to replay"
        );
        slots.states.lock().unwrap().push([10; 32]);
        Topics::run_batch(0, 1, &info1).expect("runs");
        assert_eq!(
            job(2),
            BatchState::Stateful {
                from: Some([10; 32]),
                history: vec![]
            }
        );
    });
}
