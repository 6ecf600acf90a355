//! The offchain worker: on a validator, runs every sealed batch it still has to attest in
//! one of the node's execution slots (host functions of `concerto-slots-interface`), signs
//! the result with the local `conc` key and submits `attest` as an authorized transaction.
//!
//! - **Finalized only.** A batch is run once the block that sealed it (the last block of
//!   its window) is finalized, so a validator never attests a batch a reorg could change.
//! - **Never twice.** Before running, the worker claims the batch in PERSISTENT offchain
//!   storage (`concerto/ocw/attest/ ++ SCALE(validator, topic, batch)`), compare-and-set,
//!   so the offchain workers of later blocks skip it while a job runs. The signed
//!   attestation is recorded *before* it is submitted; if it is still awaited
//!   `RESUBMIT_AFTER` blocks later (dropped from the pool, node restarted), the same signed
//!   attestation is submitted again: a validator signs at most one result per batch.
//! - **Recovery.** A claim left by a crashed run expires after `CLAIM_EXPIRY_MS`; a host
//!   fault (worker died, missing event, timeout) is never attested and is retried after
//!   `RETRY_AFTER` blocks.
//! - **Verdict.** A batch is `Accepted` when the template answered every input without a
//!   fault and accepted all of them; a guest fault or any explicitly rejected input makes
//!   it `Rejected` (outputs of the accepted inputs are still attested).
//! - **Stateful topics** need the machine state the previous batch left; this node has no
//!   machine snapshots yet, so it runs only a stateful topic's first batch.

use crate::{pallet::*, types::*, LOG_TARGET};
use alloc::{format, string::String, vec::Vec};
use codec::{Decode, Encode};
use concerto_slots_interface::{slots, BatchHeader, BatchJob, MachineSpec, OutputsData};
use frame_support::{traits::Get, BoundedVec};
use frame_system::{offchain::SubmitTransaction, pallet_prelude::BlockNumberFor};
use polkadot_sdk::*;
use sp_runtime::{
    offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
    traits::UniqueSaturatedInto,
    RuntimeAppPublic,
};

/// Prefix of this worker's records in PERSISTENT offchain storage.
pub const RECORD_PREFIX: &[u8] = b"concerto/ocw/attest/";
/// Blocks after which a recorded attestation that the chain still awaits is resubmitted.
pub const RESUBMIT_AFTER: u32 = 10;
/// Blocks after which a batch that failed with a host fault is tried again.
pub const RETRY_AFTER: u32 = 5;
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
        let finalized = slots::finalized_number();
        for validator in &local {
            for (topic, batch) in Self::api_awaiting_attestation(validator) {
                let Some(info) = Batches::<T>::get(topic, batch) else {
                    continue;
                };
                let sealed_at: u32 = info.window.1.unique_saturated_into();
                if sealed_at > finalized {
                    continue;
                }
                Self::attest_batch(validator, topic, batch, &info, now);
            }
        }
    }

    /// The record key of (validator, topic, batch).
    pub fn local_record_key(
        validator: &T::AttestationId,
        topic: TopicId,
        batch: BatchNumber,
    ) -> Vec<u8> {
        let mut key = RECORD_PREFIX.to_vec();
        (validator, topic, batch).encode_to(&mut key);
        key
    }

    fn attest_batch(
        validator: &T::AttestationId,
        topic: TopicId,
        batch: BatchNumber,
        info: &BatchInfo<BlockNumberFor<T>>,
        now: u32,
    ) {
        let key = Self::local_record_key(validator, topic, batch);
        let record = StorageValueRef::persistent(&key);
        let now_ms = sp_io::offchain::timestamp().unix_millis();
        let claimed =
            record.mutate(
                |old: Result<Option<RecordOf<T>>, StorageRetrievalError>| match old {
                    Ok(Some(LocalRecord::Running { since_ms }))
                        if now_ms.saturating_sub(since_ms) < CLAIM_EXPIRY_MS =>
                    {
                        Err(())
                    }
                    Ok(Some(LocalRecord::Failed { retry_at })) if now < retry_at => Err(()),
                    Ok(Some(LocalRecord::Submitted {
                        at,
                        attestation,
                        signature,
                    })) => {
                        if now.saturating_sub(at) < RESUBMIT_AFTER {
                            return Err(());
                        }
                        Ok(LocalRecord::Submitted {
                            at: now,
                            attestation,
                            signature,
                        })
                    }
                    _ => Ok(LocalRecord::Running { since_ms: now_ms }),
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
                        "topic {topic} batch {batch}: not attested: {why}; retrying in \
                         {RETRY_AFTER} blocks"
                    );
                    record.set(&RecordOf::<T>::Failed {
                        retry_at: now.saturating_add(RETRY_AFTER),
                    });
                    return;
                }
            },
            // Another run holds the batch, or it is not due again yet.
            Err(MutateStorageError::ValueFunctionFailed(()))
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
    ) -> Result<(AttestationOf<T>, AttestationSignatureOf<T>), String> {
        let result = Self::run_batch(topic, batch, info)?;
        let attestation = Attestation {
            topic,
            batch,
            validator: validator.clone(),
            result,
        };
        let message = Self::attestation_signing_message(&attestation);
        let signature = validator
            .sign(&message)
            .ok_or_else(|| String::from("the keystore could not sign with the conc key"))?;
        Ok((attestation, signature))
    }

    /// Builds the job for a sealed batch, runs it in a slot and maps the outcome to what
    /// the chain attests.
    pub fn run_batch(
        topic: TopicId,
        batch: BatchNumber,
        info: &BatchInfo<BlockNumberFor<T>>,
    ) -> Result<AttestationResult<T::MaxOutputLen>, String> {
        let t = Topics::<T>::get(topic).ok_or("the topic is gone")?;
        if t.mode == TopicMode::Stateful && TopicState::<T>::contains_key(topic) {
            return Err(format!(
                "stateful topic {topic}: resuming from the previous batch's machine state \
                 needs machine snapshots, which this node does not have yet"
            ));
        }
        let template = Templates::<T>::get(t.template).ok_or("the template is gone")?;
        let hash: [u8; 32] = t
            .template
            .as_ref()
            .try_into()
            .map_err(|_| "template hashes must be 32 bytes")?;
        if !slots::has_template(&hash) {
            let code = TemplateCode::<T>::get(t.template).ok_or("the template code is gone")?;
            let cached = slots::add_template(&code).map_err(|e| format!("{e}"))?;
            if cached != hash {
                return Err("the template code does not hash to its on-chain hash".into());
            }
        }
        let machine = template.machine;
        let job = BatchJob {
            template: hash,
            machine: MachineSpec {
                ram_size: machine.ram_size,
                max_cycles_per_input: machine.max_cycles_per_input,
                max_cycles_per_batch: machine.max_cycles_per_batch,
                max_output_bytes: machine.max_output_bytes,
            },
            header: BatchHeader {
                topic_id: topic,
                batch_number: batch,
                window: (
                    info.window.0.unique_saturated_into(),
                    info.window.1.unique_saturated_into(),
                ),
                config: t.config.into_inner(),
            },
            event_hashes: BatchEvents::<T>::get(topic, batch).into_inner(),
            commitment: info.commitment,
            max_inline_outputs: T::MaxOutputLen::get(),
        };
        let outcome = slots::execute_batch(job).map_err(|e| format!("{e}"))?;
        let verdict = if outcome.is_clean() {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        };
        let outputs = match outcome.outputs {
            OutputsData::Inline(bytes) => OutputsPayload::Inline(
                BoundedVec::try_from(bytes).map_err(|_| "inline outputs over MaxOutputLen")?,
            ),
            OutputsData::Hash(hash) => OutputsPayload::Hash(hash),
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
