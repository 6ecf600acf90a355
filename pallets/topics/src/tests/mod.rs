//! Unit tests, by topic. Every test ends with `do_try_state()` (see `mock::new_test_ext`).

mod attest;
mod bulk;
mod ingestion;
mod metering;
mod offchain;
mod quorum_props;
mod registry;
mod sealing;
mod session;
mod stateful;

use crate::mock::*;

/// The events this pallet emitted so far.
pub(crate) fn topic_events() -> Vec<crate::Event<Test>> {
    System::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Topics(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// The pool's error for a call refused with `error` by its authorization.
pub(crate) fn custom(
    error: crate::Error<Test>,
) -> polkadot_sdk::sp_runtime::transaction_validity::InvalidTransaction {
    use codec::Encode;
    polkadot_sdk::sp_runtime::transaction_validity::InvalidTransaction::Custom(error.encode()[0])
}
