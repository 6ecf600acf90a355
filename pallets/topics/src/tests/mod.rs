//! Unit tests, by topic. Every test ends with `do_try_state()` (see `mock::new_test_ext`).

mod attest;
mod ingestion;
mod registry;
mod sealing;

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
