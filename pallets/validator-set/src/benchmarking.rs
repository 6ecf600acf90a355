//! Benchmarks (v2) for every call, for slashing (`punish`, called by pallet-topics' deadline
//! judging) and for planning a session (`plan_session`, called by pallet-session).

use crate::{pallet::*, BenchmarkHelper, Call, Config, SessionFaultCount};
use alloc::vec::Vec;
use concerto_primitives::ValidatorFault;
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, EnsureOrigin, Get},
    BoundedVec,
};
use frame_system::RawOrigin;
use polkadot_sdk::*;
use sp_runtime::traits::{Bounded, Saturating};

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
    T::Currency: Mutate<T::AccountId>,
{
    let who: T::AccountId = account(name, index, 0);
    let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
    who
}

/// `v` bonded validators with session keys, installed as the set.
fn install<T: Config>(v: u32) -> Vec<T::AccountId>
where
    T::Currency: Mutate<T::AccountId>,
{
    let validators: Vec<T::AccountId> = (0..v)
        .map(|i| {
            let who = funded::<T>("validator", i);
            T::BenchmarkHelper::register_keys(&who);
            Pallet::<T>::hold_bond(&who, T::MinBond::get()).expect("funded");
            who
        })
        .collect();
    Validators::<T>::put(BoundedVec::<_, T::MaxValidators>::truncate_from(
        validators.clone(),
    ));
    validators
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn bond() {
        let who = funded::<T>("candidate", 0);
        let amount = T::MinBond::get();
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), amount);
        assert_eq!(Bonds::<T>::get(&who), Some(amount));
    }

    /// A removed validator whose last session has ended.
    #[benchmark]
    fn unbond() {
        let who = funded::<T>("candidate", 0);
        Pallet::<T>::hold_bond(&who, T::MinBond::get()).expect("funded");
        Leaving::<T>::insert(&who, 2);
        CurrentSession::<T>::put(2);
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()));
        assert!(Bonds::<T>::get(&who).is_none());
    }

    /// Into a set of `v` validators.
    #[benchmark]
    fn add_validator(v: Linear<1, { T::MaxValidators::get() - 1 }>) -> Result<(), BenchmarkError> {
        install::<T>(v);
        let who = funded::<T>("candidate", 0);
        T::BenchmarkHelper::register_keys(&who);
        Pallet::<T>::hold_bond(&who, T::MinBond::get()).expect("funded");
        let origin =
            T::ManageOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, who.clone());
        assert!(Pallet::<T>::is_validator(&who));
        Ok(())
    }

    /// The last of a set of `v` validators.
    #[benchmark]
    fn remove_validator(
        v: Linear<{ T::MinValidators::get() + 1 }, { T::MaxValidators::get() }>,
    ) -> Result<(), BenchmarkError> {
        let set = install::<T>(v);
        let who = set.last().expect("v >= 1").clone();
        let origin =
            T::ManageOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, who.clone());
        assert!(!Pallet::<T>::is_validator(&who));
        Ok(())
    }

    #[benchmark]
    fn set_session_length() -> Result<(), BenchmarkError> {
        let origin =
            T::ManageOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
        let blocks = T::MinSessionLength::get().saturating_mul(2u32.into());
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, blocks);
        assert_eq!(SessionLength::<T>::get(), blocks);
        Ok(())
    }

    /// A deviation slashed from a bonded validator that already has faults.
    #[benchmark]
    fn punish() {
        let set = install::<T>(1);
        let who = set[0].clone();
        SessionFaults::<T>::insert(
            &who,
            SessionFaultCount {
                missed: 1,
                deviated: 1,
            },
        );
        let fault = ValidatorFault::Deviated { topic: 0, batch: 0 };
        #[block]
        {
            Pallet::<T>::punish(&who, fault);
        }
        assert_eq!(SessionFaults::<T>::get(&who).map(|c| c.deviated), Some(2));
    }

    /// Planning a session for `v` validators that all reached `MaxMissesPerSession`: each
    /// is removed until the set is at `MinValidators`.
    #[benchmark]
    fn plan_session(v: Linear<{ T::MinValidators::get() }, { T::MaxValidators::get() }>) {
        let set = install::<T>(v);
        let max = T::MaxMissesPerSession::get();
        for who in set.iter() {
            SessionFaults::<T>::insert(
                who,
                SessionFaultCount {
                    missed: max,
                    deviated: 0,
                },
            );
        }
        let planned;
        #[block]
        {
            planned = Pallet::<T>::plan_session(2);
        }
        let left = planned.map(|s| s.len() as u32).unwrap_or(v);
        assert_eq!(left, T::MinValidators::get());
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
