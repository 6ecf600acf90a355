//! Attest and finalize: validators' signed attestations of what they computed for a sealed
//! batch (authorized, fee-less), finalization when matching attestations reach the
//! topic's quorum, and judging validators at each batch's deadline.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::Encode;
use concerto_primitives::ValidatorFault;
use frame_support::{defensive, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use polkadot_sdk::*;
use sp_runtime::{
    traits::{Saturating, Zero},
    transaction_validity::{TransactionSource, TransactionValidityWithRefund, ValidTransaction},
    DispatchResult, RuntimeAppPublic, SaturatedConversion,
};

/// What the runtime does with a validator's fault (pallet-validator-set slashes its bond).
pub trait HandleFault<Id> {
    /// `validator` committed `fault`.
    fn handle(validator: &Id, fault: ValidatorFault);
    /// The most one `handle` call weighs.
    fn weight() -> Weight;
}

impl<Id> HandleFault<Id> for () {
    fn handle(_: &Id, _: ValidatorFault) {}
    fn weight() -> Weight {
        Weight::zero()
    }
}

impl<T: Config> Pallet<T> {
    /// The validators whose attestations count: the first `MaxValidators` of
    /// `Config::Validators`. Every rule about the validator set goes through this.
    pub fn validators() -> Vec<T::AttestationId> {
        let mut validators = T::Validators::get();
        validators.truncate(T::MaxValidators::get() as usize);
        validators
    }

    /// The number of validators whose attestations count.
    pub fn validator_count() -> u32 {
        Self::validators().len() as u32
    }

    /// Whether `who` is among the validators whose attestations count.
    pub fn is_validator(who: &T::AttestationId) -> bool {
        Self::validators().contains(who)
    }

    /// The quorum a topic needs with `validators` validators: the explicit one, or more
    /// than two thirds.
    pub fn effective_quorum(quorum: Option<u32>, validators: u32) -> u32 {
        concerto_primitives::effective_quorum(quorum, validators)
    }

    /// The message a validator signs for an attestation: SCALE encoding of
    /// `(domain::ATTESTATION_SIGNING, genesis hash, attestation)`.
    pub fn attestation_signing_message(attestation: &AttestationOf<T>) -> Vec<u8> {
        attestation_signing_payload(&Self::genesis(), attestation)
    }

    /// Checks an attestation but its signature: the batch is sealed and awaiting
    /// attestations, with the commitment the attestation names, the validator is current
    /// and has not attested it yet, and for a
    /// stateful topic the batch is next in line and starts from the last finalized state.
    /// Returns the topic.
    pub(crate) fn check_attestation(
        attestation: &AttestationOf<T>,
    ) -> Result<TopicOf<T>, Error<T>> {
        let key = (attestation.topic, attestation.batch);
        let info = Batches::<T>::get(key.0, key.1).ok_or(Error::<T>::BatchNotSealed)?;
        ensure!(
            info.commitment == attestation.commitment,
            Error::<T>::CommitmentMismatch
        );
        ensure!(
            Self::is_validator(&attestation.validator),
            Error::<T>::NotValidator
        );
        ensure!(
            !Attestations::<T>::contains_key(key, &attestation.validator),
            Error::<T>::AlreadyAttested
        );
        let topic = Topics::<T>::get(key.0).ok_or(Error::<T>::UnknownTopic)?;
        if topic.mode == TopicMode::Stateful {
            ensure!(
                !Self::predecessor_pending(key.0, key.1),
                Error::<T>::PredecessorPending
            );
            if let Some((_, root)) = TopicState::<T>::get(key.0) {
                ensure!(
                    attestation.result.start_root == root,
                    Error::<T>::StateDiscontinuity
                );
            }
        }
        Ok(topic)
    }

    /// Whether the batch before `batch` of a topic is sealed and not finalized yet. Batch
    /// numbers are consecutive and all batches of a topic get the same attestation period,
    /// so when the direct predecessor is settled every earlier batch is settled too.
    pub(crate) fn predecessor_pending(topic: TopicId, batch: BatchNumber) -> bool {
        batch
            .checked_sub(1)
            .and_then(|previous| Batches::<T>::get(topic, previous))
            .is_some_and(|info| info.finalized.is_none())
    }

    /// Authorization of `attest`: every check of [`Self::check_attestation`], then the
    /// signature. Validity errors as for `publish` (see the `From<Error<T>>` impl).
    pub(crate) fn authorize_attest(
        _source: TransactionSource,
        attestation: &AttestationOf<T>,
        signature: &AttestationSignatureOf<T>,
    ) -> TransactionValidityWithRefund {
        Self::check_attestation(attestation)?;
        let message = Self::attestation_signing_message(attestation);
        if !attestation.validator.verify(&message, signature) {
            return Err(Error::<T>::BadAttestationSignature.into());
        }
        ValidTransaction::with_tag_prefix("ConcertoAttest")
            .priority(T::AuthorizedPriority::get())
            .and_provides((attestation.topic, attestation.batch, &attestation.validator).encode())
            .longevity(crate::AUTHORIZED_LONGEVITY)
            .propagate(true)
            .build()
            .map(|v| (v, Weight::zero()))
    }

    /// Records an authorized attestation and finalizes the output on quorum.
    pub(crate) fn do_attest(attestation: AttestationOf<T>) -> DispatchResult {
        let topic = Self::check_attestation(&attestation)?;
        let key = (attestation.topic, attestation.batch);
        let mut info = Batches::<T>::get(key.0, key.1).ok_or(Error::<T>::BatchNotSealed)?;
        let digest = attestation.result.digest(sp_io::hashing::blake2_256);
        Attestations::<T>::insert(key, &attestation.validator, digest);
        let votes = Candidates::<T>::mutate(key, digest, |candidate| {
            let c = candidate.get_or_insert_with(|| Candidate {
                result: attestation.result.clone(),
                votes: 0,
            });
            c.votes = c.votes.saturating_add(1);
            c.votes
        });
        Self::deposit_event(Event::Attested {
            topic: key.0,
            batch: key.1,
            validator: attestation.validator,
            digest,
        });
        let quorum = Self::effective_quorum(topic.quorum, Self::validator_count());
        if info.finalized.is_none() && votes >= quorum {
            info.finalized = Some(digest);
            Batches::<T>::insert(key.0, key.1, info);
            let result = attestation.result;
            if topic.mode == TopicMode::Stateful {
                TopicState::<T>::insert(key.0, (key.1, result.state_root));
            }
            Self::charge_execution(key.0, key.1, topic, result.cycles);
            Self::deposit_event(Event::OutputFinalized {
                topic: key.0,
                batch: key.1,
                outputs_root: result.outputs_root,
                state_root: result.state_root,
                verdict: result.verdict,
            });
            let output = FinalizedOutput {
                batch: key.1,
                result,
                finalized_at: frame_system::Pallet::<T>::block_number(),
            };
            Outputs::<T>::mutate(key.0, |outputs| {
                if outputs.is_full() {
                    outputs.remove(0);
                }
                if outputs.try_push(output).is_err() {
                    defensive!("room for the new output was made above");
                }
            });
        }
        Ok(())
    }

    /// What a finalized batch of `cycles` cycles takes from its topic's budget: `CycleFee`
    /// per million cycles, rounded up.
    pub fn execution_fee(cycles: u64) -> BalanceOf<T> {
        let millions: BalanceOf<T> = cycles.div_ceil(1_000_000).saturated_into();
        T::CycleFee::get().saturating_mul(millions)
    }

    /// Charges a finalized batch to its topic's budget (burned from the owner's hold). A
    /// budget that does not cover it gives what it has, and the topic is paused (its open
    /// window is still sealed) with `TopicBudgetExhausted`.
    fn charge_execution(topic: TopicId, batch: BatchNumber, mut t: TopicOf<T>, cycles: u64) {
        let fee = Self::execution_fee(cycles);
        let budget = TopicBudgets::<T>::get(topic).unwrap_or_default();
        let paid = fee.min(budget);
        if !paid.is_zero() && Self::burn_held(HoldReason::TopicBudget, &t.owner, paid).is_err() {
            defensive!("a topic's budget is held from its owner");
        }
        let left = budget.saturating_sub(paid);
        // An empty budget is no entry.
        TopicBudgets::<T>::set(topic, Some(left).filter(|l| !l.is_zero()));
        Self::deposit_event(Event::ExecutionCharged {
            topic,
            batch,
            cycles,
            fee: paid,
        });
        if paid < fee || left.is_zero() {
            Self::deposit_event(Event::TopicBudgetExhausted {
                topic,
                batch,
                fee,
                paid,
            });
            if t.status == TopicStatus::Active {
                t.status = TopicStatus::Paused;
                Topics::<T>::insert(topic, t);
                Self::deposit_event(Event::TopicStatusChanged {
                    topic,
                    status: TopicStatus::Paused,
                });
            }
        }
    }

    /// Closes every batch whose deadline is `now` (called from `on_initialize`): records
    /// missing and deviating validators (and reports them to `Config::FaultHandler`),
    /// emits `BatchExpired` for batches without a quorum, and drops the batch's
    /// attestation state. Returns how many batches were judged and how many faults found.
    pub(crate) fn judge_deadlines(now: BlockNumberFor<T>) -> (u32, u32) {
        let due = Deadlines::<T>::take(now);
        let validators = Self::validators();
        let mut faults = 0u32;
        for (topic, batch) in due.iter().copied() {
            let Some(info) = Batches::<T>::take(topic, batch) else {
                defensive!("a batch with a deadline is sealed");
                continue;
            };
            let key = (topic, batch);
            let mut missed = Vec::new();
            let mut deviated = Vec::new();
            for v in validators.iter() {
                match (Attestations::<T>::get(key, v), info.finalized) {
                    (None, _) => missed.push(v.clone()),
                    (Some(d), Some(f)) if d != f => deviated.push(v.clone()),
                    _ => {}
                }
            }
            for v in missed.iter() {
                Self::record_fault(v, ValidatorFault::Missed { topic, batch });
            }
            for v in deviated.iter() {
                Self::record_fault(v, ValidatorFault::Deviated { topic, batch });
            }
            faults = faults.saturating_add((missed.len() + deviated.len()) as u32);
            if info.finalized.is_none() {
                Self::deposit_event(Event::BatchExpired { topic, batch });
            }
            if !missed.is_empty() || !deviated.is_empty() {
                Self::deposit_event(Event::ValidatorsFaulted {
                    topic,
                    batch,
                    missed,
                    deviated,
                });
            }
            // Every attester and every distinct result is a validator's: at most
            // `MaxValidators` entries each, unless the validator set rotated during the
            // attestation period, which can leave a few behind (logged, never read again:
            // attesting needs the batch in `Batches`).
            let limit = T::MaxValidators::get();
            let attestations = Attestations::<T>::clear_prefix(key, limit, None);
            let candidates = Candidates::<T>::clear_prefix(key, limit, None);
            if attestations.maybe_cursor.is_some() || candidates.maybe_cursor.is_some() {
                log::warn!(
                    target: crate::LOG_TARGET,
                    "topic {topic} batch {batch}: more than MaxValidators attestations; \
                     some entries were left in storage"
                );
            }
            BatchEvents::<T>::remove(topic, batch);
        }
        (due.len() as u32, faults)
    }

    fn record_fault(validator: &T::AttestationId, fault: ValidatorFault) {
        Faults::<T>::mutate(validator, |record| {
            let r = record.get_or_insert_with(Default::default);
            match fault {
                ValidatorFault::Missed { .. } => r.missed = r.missed.saturating_add(1),
                ValidatorFault::Deviated { .. } => r.deviated = r.deviated.saturating_add(1),
            }
            r.last = fault.batch();
        });
        T::FaultHandler::handle(validator, fault);
    }
}
