//! Unit tests: bonds, governance changes, slashing, planning and removal for faults.

use crate::{mock::*, pallet::*, Event as SetEvent, RemovalReason, SessionFaultCount};
use concerto_primitives::ValidatorFault;
use frame_support::{
    assert_noop, assert_ok,
    traits::{fungible::InspectHold, Get},
};
use frame_system::RawOrigin;
use pallet_session::SessionManager;
use polkadot_sdk::*;
use sp_runtime::DispatchError;

fn events() -> Vec<SetEvent<Test>> {
    System::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::ValidatorSet(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn held(who: u64) -> u64 {
    Balances::balance_on_hold(&crate::HoldReason::Bond.into(), &who)
}

const MISSED: ValidatorFault = ValidatorFault::Missed { topic: 0, batch: 7 };
const DEVIATED: ValidatorFault = ValidatorFault::Deviated { topic: 0, batch: 7 };

#[test]
fn genesis_holds_the_validators_bonds() {
    test(|| {
        assert_eq!(ValidatorSet::validators(), vec![1, 2, 3, 4]);
        for v in 1..=4 {
            assert_eq!(held(v), MIN_BOND);
            assert_eq!(Bonds::<Test>::get(v), Some(MIN_BOND));
        }
        assert_eq!(SessionLength::<Test>::get(), 10);
    });
}

#[test]
fn a_candidate_bonds_and_governance_adds_it_at_the_next_planned_session() {
    test(|| {
        assert_noop!(
            ValidatorSet::bond(RawOrigin::Signed(5).into(), 0),
            Error::<Test>::ZeroBond
        );
        assert_noop!(
            ValidatorSet::bond(RawOrigin::Signed(5).into(), 5_000),
            Error::<Test>::InsufficientBalance
        );
        assert_noop!(
            ValidatorSet::add_validator(RawOrigin::Root.into(), 5),
            Error::<Test>::BondBelowMinimum
        );
        assert_ok!(ValidatorSet::bond(RawOrigin::Signed(5).into(), 60));
        assert_ok!(ValidatorSet::bond(RawOrigin::Signed(5).into(), 40));
        assert_eq!(held(5), 100);
        assert_noop!(
            ValidatorSet::add_validator(RawOrigin::Signed(1).into(), 5),
            DispatchError::BadOrigin
        );
        Registered::set(vec![1, 2, 3, 4]);
        assert_noop!(
            ValidatorSet::add_validator(RawOrigin::Root.into(), 5),
            Error::<Test>::NoSessionKeys
        );
        Registered::set((1..=6).collect());
        assert_noop!(
            ValidatorSet::add_validator(RawOrigin::Root.into(), 1),
            Error::<Test>::AlreadyAValidator
        );
        // Nothing changed: pallet-session keeps its set.
        assert_eq!(ValidatorSet::new_session(2), None);
        assert_ok!(ValidatorSet::add_validator(RawOrigin::Root.into(), 5));
        assert_eq!(ValidatorSet::new_session(3), Some(vec![1, 2, 3, 4, 5]));
        assert_eq!(ValidatorSet::new_session(4), None);
        let ev = events();
        assert!(ev.contains(&SetEvent::Bonded {
            who: 5,
            amount: 40,
            total: 100
        }));
        assert!(ev.contains(&SetEvent::ValidatorAdded { who: 5 }));
        assert!(ev.contains(&SetEvent::SetPlanned {
            session: 3,
            validators: 5
        }));
    });
}

#[test]
fn the_set_is_bounded_both_ways() {
    test(|| {
        for who in [5, 6] {
            assert_ok!(ValidatorSet::bond(RawOrigin::Signed(who).into(), MIN_BOND));
            assert_ok!(ValidatorSet::add_validator(RawOrigin::Root.into(), who));
        }
        assert_ok!(ValidatorSet::bond(RawOrigin::Signed(7).into(), MIN_BOND));
        Registered::mutate(|r| r.push(7));
        assert_noop!(
            ValidatorSet::add_validator(RawOrigin::Root.into(), 7),
            Error::<Test>::TooManyValidators
        );
        for who in [6, 5, 4, 3] {
            assert_ok!(ValidatorSet::remove_validator(RawOrigin::Root.into(), who));
        }
        assert_noop!(
            ValidatorSet::remove_validator(RawOrigin::Root.into(), 2),
            Error::<Test>::TooFewValidators
        );
        assert_noop!(
            ValidatorSet::remove_validator(RawOrigin::Root.into(), 9),
            Error::<Test>::NotAValidator
        );
        assert_eq!(ValidatorSet::new_session(2), Some(vec![1, 2]));
    });
}

#[test]
fn a_removed_validator_unbonds_only_after_its_last_session() {
    test(|| {
        assert_noop!(
            ValidatorSet::unbond(RawOrigin::Signed(4).into()),
            Error::<Test>::StillAValidator
        );
        assert_noop!(
            ValidatorSet::unbond(RawOrigin::Signed(9).into()),
            Error::<Test>::NotBonded
        );
        // Removed during session 0: pallet-session asks for session 2's set next, and
        // session 1 (already queued) still has it.
        assert_ok!(ValidatorSet::remove_validator(RawOrigin::Root.into(), 4));
        assert_eq!(Leaving::<Test>::get(4), Some(2));
        ValidatorSet::start_session(1);
        assert_eq!(ValidatorSet::new_session(2), Some(vec![1, 2, 3]));
        assert_noop!(
            ValidatorSet::unbond(RawOrigin::Signed(4).into()),
            Error::<Test>::BondLocked
        );
        // Still slashable while it validates.
        ValidatorSet::punish(&4, MISSED);
        ValidatorSet::start_session(2);
        assert_ok!(ValidatorSet::unbond(RawOrigin::Signed(4).into()));
        assert_eq!(held(4), 0);
        assert_eq!(Balances::free_balance(4), 1_000 - MISS_SLASH);
        assert!(events().contains(&SetEvent::Unbonded {
            who: 4,
            amount: MIN_BOND - MISS_SLASH
        }));
    });
}

#[test]
fn faults_burn_the_configured_amounts_from_the_bond() {
    test(|| {
        let issuance = Balances::total_issuance();
        ValidatorSet::punish(&2, MISSED);
        ValidatorSet::punish(&3, DEVIATED);
        assert_eq!(held(2), MIN_BOND - MISS_SLASH);
        assert_eq!(held(3), MIN_BOND - DEVIATION_SLASH);
        assert_eq!(
            Balances::total_issuance(),
            issuance - MISS_SLASH - DEVIATION_SLASH,
            "slashed funds are burned"
        );
        // A bond that runs out is slashed what is left, then nothing.
        for _ in 0..4 {
            ValidatorSet::punish(&3, DEVIATED);
        }
        assert_eq!(held(3), 0);
        assert_eq!(Bonds::<Test>::get(3), None);
        let slashed: Vec<u64> = events()
            .into_iter()
            .filter_map(|e| match e {
                SetEvent::Slashed {
                    who: 3,
                    amount,
                    fault,
                } => {
                    assert_eq!(fault, DEVIATED);
                    Some(amount)
                }
                _ => None,
            })
            .collect();
        assert_eq!(slashed, vec![30, 30, 30, 10, 0]);
        assert_eq!(
            SessionFaults::<Test>::get(3),
            Some(SessionFaultCount {
                missed: 0,
                deviated: 5
            })
        );
    });
}

#[test]
fn repeated_faults_or_a_spent_bond_remove_a_validator_at_the_next_planning() {
    test(|| {
        for _ in 0..MAX_MISSES {
            ValidatorSet::punish(&2, MISSED);
        }
        // Accounts 1 and 3 bonded above the minimum, so their slashes leave them at least
        // `MinBond`: one misses a batch fewer than the limit, the other deviates twice.
        assert_ok!(ValidatorSet::bond(RawOrigin::Signed(1).into(), MIN_BOND));
        assert_ok!(ValidatorSet::bond(RawOrigin::Signed(3).into(), MIN_BOND));
        for _ in 0..(MAX_MISSES - 1) {
            ValidatorSet::punish(&1, MISSED);
        }
        for _ in 0..MAX_DEVIATIONS {
            ValidatorSet::punish(&3, DEVIATED);
        }
        // One deviation of 30 leaves account 4's 100 below the minimum.
        ValidatorSet::punish(&4, DEVIATED);
        assert_ok!(ValidatorSet::bond(RawOrigin::Signed(5).into(), MIN_BOND));
        assert_ok!(ValidatorSet::add_validator(RawOrigin::Root.into(), 5));
        assert_eq!(ValidatorSet::new_session(2), Some(vec![1, 5]));
        let ev = events();
        assert!(ev.contains(&SetEvent::ValidatorRemoved {
            who: 2,
            reason: RemovalReason::RepeatedFaults
        }));
        assert!(ev.contains(&SetEvent::ValidatorRemoved {
            who: 3,
            reason: RemovalReason::RepeatedFaults
        }));
        assert!(ev.contains(&SetEvent::ValidatorRemoved {
            who: 4,
            reason: RemovalReason::BondBelowMinimum
        }));
        assert_eq!(Leaving::<Test>::get(2), Some(2));
        // Faults are counted per planning: account 1's four are forgotten.
        assert_eq!(SessionFaults::<Test>::iter().count(), 0);
        ValidatorSet::punish(&1, MISSED);
        assert_eq!(ValidatorSet::new_session(3), None);
    });
}

#[test]
fn faults_never_shrink_the_set_below_the_minimum() {
    test(|| {
        for v in 1..=4 {
            for _ in 0..MAX_MISSES {
                ValidatorSet::punish(&v, MISSED);
            }
        }
        assert_eq!(ValidatorSet::new_session(2), Some(vec![3, 4]));
        let deferred = events()
            .into_iter()
            .filter(|e| matches!(e, SetEvent::RemovalDeferred { .. }))
            .count();
        assert_eq!(deferred, 2);
    });
}

#[test]
fn governance_sets_the_session_length() {
    test(|| {
        assert_noop!(
            ValidatorSet::set_session_length(RawOrigin::Root.into(), 4),
            Error::<Test>::SessionTooShort
        );
        assert_ok!(ValidatorSet::set_session_length(RawOrigin::Root.into(), 30));
        assert_eq!(<crate::SessionLengthOf<Test> as Get<u64>>::get(), 30);
        assert!(events().contains(&SetEvent::SessionLengthSet { blocks: 30 }));
    });
}

#[test]
fn the_invariants_catch_a_bond_that_is_not_held() {
    test(|| {
        Bonds::<Test>::insert(9, 50);
        assert!(ValidatorSet::do_try_state().is_err());
        Bonds::<Test>::remove(9);
    });
}
