//! The offchain worker: on a validator, runs every sealed batch it still has to attest in
//! one of the node's execution slots (host functions of `concerto-slots-interface`), signs
//! the result with the local `conc` key and submits `attest` as an authorized transaction.
//!
//! - **Best chain, bound to the events.** A batch is run as soon as the block that sealed
//!   it is imported as the new best block, without waiting for finality. The attestation
//!   names the batch's commitment, and the chain counts it only for a sealed batch with
//!   that commitment: if a reorg re-seals the batch number over other events, the old
//!   attestation is refused (`CommitmentMismatch`) and the worker runs the new batch.
//! - **Never twice.** Before running, the worker claims the batch in PERSISTENT offchain
//!   storage (`concerto/ocw/attest/ ++ SCALE(validator, topic, batch, commitment)`),
//!   compare-and-set,
//!   so the offchain workers of later blocks skip it while a job runs. The signed
//!   attestation is recorded *before* it is submitted; if it is still awaited
//!   `RESUBMIT_AFTER` blocks later (dropped from the pool, node restarted), the same signed
//!   attestation is submitted again: a validator signs at most one result per batch.
//! - **Recovery.** A claim left by a crashed run expires after `CLAIM_EXPIRY_MS`; a host
//!   fault (worker died, missing event, timeout) is never attested and is retried after
//!   `RETRY_AFTER` blocks.
//! - **Verdict.** `concerto_primitives::Verdict::of`: a batch is `Accepted` when the
//!   template answered every input without a fault and accepted all of them; a guest fault
//!   or any explicitly rejected input makes it `Rejected` (outputs of the accepted inputs
//!   are still attested).
//! - **Unreadable records.** A local record that does not decode (a newer or corrupt
//!   format) is never overwritten by a new run: the batch is skipped with an error log, so
//!   a validator cannot sign a second, different result for a batch it may have signed.
//! - **Stateful topics.** A stateful topic's batch starts from the machine state whose root
//!   is the chain's `TopicState` (its last finalized batch's `state_root`); the node keeps
//!   those states in its state store. When [`slots::has_state`] says the node lacks it
//!   (a new node, pruned, crashed, or offline while others finalized), the job also carries
//!   the topic's recent finalized batches ([`MAX_REPLAY_BATCHES`] at most, while their
//!   events are still on chain) so the node can rebuild the state by replaying them; the
//!   node never runs a batch from any other state (`SlotsError::MissingState`).

use crate::{pallet::*, types::*, LOG_TARGET};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use concerto_primitives::domain;
use concerto_slots_interface::{slots, BatchHeader, BatchJob, BatchState, PastBatch, SlotsError};
use frame_support::{traits::Get, BoundedVec};
use frame_system::{offchain::SubmitTransaction, pallet_prelude::BlockNumberFor};
use polkadot_sdk::*;
use sp_runtime::{
    offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
    traits::UniqueSaturatedInto,
    RuntimeAppPublic,
};

/// Prefix of this worker's records in PERSISTENT offchain storage.
pub const RECORD_PREFIX: &[u8] = domain::ATTESTATION_RECORD_PREFIX;
/// Blocks after which a recorded attestation that the chain still awaits is resubmitted.
pub const RESUBMIT_AFTER: u32 = 10;
/// Blocks after which a batch that failed with a host fault is tried again.
pub const RETRY_AFTER: u32 = 5;
/// Most finalized batches a stateful job carries for the node to replay.
pub const MAX_REPLAY_BATCHES: usize = 16;
/// Age after which a claim is considered left by a crashed run (longer than the slots'
/// largest wall-clock backstop: 600 s CPU × 3 + slack).
pub const CLAIM_EXPIRY_MS: u64 = 35 * 60 * 1000;

/// What this node recorded about one (validator, topic, batch).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum LocalRecord<A, S> {
    /// A run claimed the batch at this time (unix ms).
    Running {
        /// When.
        since_ms: u64,
    },
    /// The run failed with a host fault; retry at this block.
    Failed {
        /// The block from which to retry.
        retry_at: u32,
    },
    /// The signed attestation, last submitted at block `at`.
    Submitted {
        /// Block of the last submission.
        at: u32,
        /// The attestation.
        attestation: A,
        /// Its signature.
        signature: S,
    },
}

type RecordOf<T> = LocalRecord<AttestationOf<T>, AttestationSignatureOf<T>>;

/// Why the worker did not attest a batch this time (it retries later). Never a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffchainError {
    /// The topic was removed from storage.
    TopicGone,
    /// The topic's template record is gone.
    TemplateGone,
    /// The template's code is gone.
    TemplateCodeGone,
    /// Template hashes of this runtime are not 32 bytes.
    TemplateHashLength,
    /// The node cached the template code under another hash than the chain's.
    TemplateHashMismatch,
    /// The node's slots could not run the batch.
    Slots(SlotsError),
    /// The inline outputs are longer than `MaxOutputLen` (the node broke its contract).
    InlineOutputsTooLong,
    /// The keystore could not sign with the validator's `conc` key.
    CannotSign,
}

impl<T: Config> Pallet<T> {
    /// The offchain worker's entry point (see the module docs).
    pub fn offchain_worker_run(now: BlockNumberFor<T>) {
        if !slots::available() {
            return;
        }
        let local: Vec<T::AttestationId> = T::AttestationId::all()
            .into_iter()
            .filter(Self::is_validator)
            .collect();
        if local.is_empty() {
            return;
        }
        let now: u32 = now.unique_saturated_into();
        for validator in &local {
            for (topic, batch) in Self::api_awaiting_attestation(validator) {
                let Some(info) = Batches::<T>::get(topic, batch) else {
                    continue;
                };
                Self::attest_batch(validator, topic, batch, &info, now);
            }
        }
    }

    /// The record key of (validator, topic, batch, commitment).
    pub fn local_record_key(
        validator: &T::AttestationId,
        topic: TopicId,
        batch: BatchNumber,
        commitment: &Hash32,
    ) -> Vec<u8> {
        let mut key = RECORD_PREFIX.to_vec();
        (validator, topic, batch, commitment).encode_to(&mut key);
        key
    }

    fn attest_batch(
        validator: &T::AttestationId,
        topic: TopicId,
        batch: BatchNumber,
        info: &BatchInfo<BlockNumberFor<T>>,
        now: u32,
    ) {
        let key = Self::local_record_key(validator, topic, batch, &info.commitment);
        let record = StorageValueRef::persistent(&key);
        let now_ms = sp_io::offchain::timestamp().unix_millis();
        let claimed =
            record.mutate(
                |old: Result<Option<RecordOf<T>>, StorageRetrievalError>| match old {
                    // Never overwrite what cannot be read: it may hold a signed attestation.
                    Err(StorageRetrievalError::Undecodable) => Err(Skip::Unreadable),
                    Ok(Some(LocalRecord::Running { since_ms }))
                        if now_ms.saturating_sub(since_ms) < CLAIM_EXPIRY_MS =>
                    {
                        Err(Skip::NotDue)
                    }
                    Ok(Some(LocalRecord::Failed { retry_at })) if now < retry_at => {
                        Err(Skip::NotDue)
                    }
                    Ok(Some(LocalRecord::Submitted {
                        at,
                        attestation,
                        signature,
                    })) => {
                        if now.saturating_sub(at) < RESUBMIT_AFTER {
                            return Err(Skip::NotDue);
                        }
                        Ok(LocalRecord::Submitted {
                            at: now,
                            attestation,
                            signature,
                        })
                    }
                    // No record, an expired claim, or a failure due for a retry.
                    Ok(None)
                    | Ok(Some(LocalRecord::Running { .. }))
                    | Ok(Some(LocalRecord::Failed { .. })) => {
                        Ok(LocalRecord::Running { since_ms: now_ms })
                    }
                },
            );
        let (attestation, signature) = match claimed {
            Ok(LocalRecord::Submitted {
                attestation,
                signature,
                ..
            }) => {
                log::info!(
                    target: LOG_TARGET,
                    "topic {topic} batch {batch}: attestation still awaited, resubmitting it"
                );
                (attestation, signature)
            }
            Ok(_) => match Self::sign_batch(validator, topic, batch, info) {
                Ok(signed) => {
                    record.set(&RecordOf::<T>::Submitted {
                        at: now,
                        attestation: signed.0.clone(),
                        signature: signed.1.clone(),
                    });
                    signed
                }
                Err(why) => {
                    log::warn!(
                        target: LOG_TARGET,
                        "topic {topic} batch {batch}: not attested: {why:?}; retrying in \
                         {RETRY_AFTER} blocks"
                    );
                    record.set(&RecordOf::<T>::Failed {
                        retry_at: now.saturating_add(RETRY_AFTER),
                    });
                    return;
                }
            },
            Err(MutateStorageError::ValueFunctionFailed(Skip::Unreadable)) => {
                log::error!(
                    target: LOG_TARGET,
                    "topic {topic} batch {batch}: the local attestation record does not \
                     decode; not running the batch, so no second result can be signed"
                );
                return;
            }
            // Another run holds the batch, or it is not due again yet.
            Err(MutateStorageError::ValueFunctionFailed(Skip::NotDue))
            | Err(MutateStorageError::ConcurrentModification(_)) => return,
        };
        let call = Call::<T>::attest {
            attestation,
            signature,
        };
        let xt = T::create_authorized_transaction(call.into());
        if SubmitTransaction::<T, Call<T>>::submit_transaction(xt).is_err() {
            log::warn!(
                target: LOG_TARGET,
                "topic {topic} batch {batch}: the pool refused the attestation; it is \
                 resubmitted after {RESUBMIT_AFTER} blocks if still awaited"
            );
        }
    }

    /// Runs the batch and signs what it computed.
    fn sign_batch(
        validator: &T::AttestationId,
        topic: TopicId,
        batch: BatchNumber,
        info: &BatchInfo<BlockNumberFor<T>>,
    ) -> Result<(AttestationOf<T>, AttestationSignatureOf<T>), OffchainError> {
        let result = Self::run_batch(topic, batch, info)?;
        let attestation = Attestation {
            topic,
            batch,
            commitment: info.commitment,
            validator: validator.clone(),
            result,
        };
        let message = Self::attestation_signing_message(&attestation);
        let signature = validator.sign(&message).ok_or(OffchainError::CannotSign)?;
        Ok((attestation, signature))
    }

    /// Builds the job for a sealed batch, runs it in a slot and maps the outcome to what
    /// the chain attests.
    pub fn run_batch(
        topic: TopicId,
        batch: BatchNumber,
        info: &BatchInfo<BlockNumberFor<T>>,
    ) -> Result<AttestationResult<T::MaxOutputLen>, OffchainError> {
        let t = Topics::<T>::get(topic).ok_or(OffchainError::TopicGone)?;
        let template = Templates::<T>::get(t.template).ok_or(OffchainError::TemplateGone)?;
        let hash: Hash32 = t
            .template
            .as_ref()
            .try_into()
            .map_err(|_| OffchainError::TemplateHashLength)?;
        if !slots::has_template(&hash) {
            let code = TemplateCode::<T>::get(t.template).ok_or(OffchainError::TemplateCodeGone)?;
            let cached = slots::add_template(&code).map_err(OffchainError::Slots)?;
            if cached != hash {
                return Err(OffchainError::TemplateHashMismatch);
            }
        }
        let state = match t.mode {
            TopicMode::Stateless => BatchState::Stateless,
            TopicMode::Stateful => {
                let from = TopicState::<T>::get(topic).map(|(_, root)| root);
                let history = match from {
                    Some(root) if !slots::has_state(topic, &root) => {
                        Self::replay_history(topic, &t.config, root)
                    }
                    _ => Vec::new(),
                };
                BatchState::Stateful { from, history }
            }
        };
        let job = BatchJob {
            template: hash,
            limits: template.machine,
            header: Self::batch_header(topic, batch, info, &t.config),
            event_hashes: BatchEvents::<T>::get(topic, batch).into_inner(),
            commitment: info.commitment,
            max_inline_outputs: T::MaxOutputLen::get(),
            state,
        };
        let outcome = slots::execute_batch(job).map_err(OffchainError::Slots)?;
        let verdict = outcome.verdict();
        let outputs = match outcome.outputs {
            concerto_primitives::OutputsPayload::Inline(bytes) => OutputsPayload::Inline(
                BoundedVec::try_from(bytes).map_err(|_| OffchainError::InlineOutputsTooLong)?,
            ),
            concerto_primitives::OutputsPayload::Hash(hash) => OutputsPayload::Hash(hash),
        };
        Ok(AttestationResult {
            start_root: outcome.start_root,
            outputs_root: outcome.outputs_root,
            state_root: outcome.state_root,
            outputs,
            cycles: outcome.cycles,
            verdict,
        })
    }
}

impl<T: Config> Pallet<T> {
    /// The header (first input) of a sealed batch.
    fn batch_header(
        topic: TopicId,
        batch: BatchNumber,
        info: &BatchInfo<BlockNumberFor<T>>,
        config: &[u8],
    ) -> BatchHeader {
        BatchHeader {
            topic_id: topic,
            batch_number: batch,
            window: (
                info.window.0.unique_saturated_into(),
                info.window.1.unique_saturated_into(),
            ),
            config: config.to_vec(),
        }
    }

    /// The finalized batches that lead to the state `root` of a stateful topic, oldest
    /// first: walking back from its newest finalized output while each one's state root is
    /// the one wanted and its events are still on chain, until a start state the node
    /// holds, or [`MAX_REPLAY_BATCHES`].
    fn replay_history(topic: TopicId, config: &[u8], root: Hash32) -> Vec<PastBatch> {
        let mut history = Vec::new();
        let mut want = root;
        for output in Outputs::<T>::get(topic).iter().rev() {
            if output.result.state_root != want || history.len() == MAX_REPLAY_BATCHES {
                break;
            }
            let Some(info) = Batches::<T>::get(topic, output.batch) else {
                break;
            };
            history.push(PastBatch {
                header: Self::batch_header(topic, output.batch, &info, config),
                event_hashes: BatchEvents::<T>::get(topic, output.batch).into_inner(),
                commitment: info.commitment,
                start_root: output.result.start_root,
                state_root: output.result.state_root,
            });
            want = output.result.start_root;
            if slots::has_state(topic, &want) {
                break;
            }
        }
        history.reverse();
        history
    }
}

/// Why a run was not claimed.
enum Skip {
    /// Another run holds the batch, or it is not due again yet.
    NotDue,
    /// The record does not decode.
    Unreadable,
}
