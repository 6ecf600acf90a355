//! The sandbox of concerto-slots probed from inside real workers and job children, one
//! test binary, over this crate's `concerto-slot-test-worker` (the only worker that
//! serves [`concerto_slots_sandbox_tests::TestHook`]).
#![allow(missing_docs)]

#[path = "../../../tests/support/mod.rs"]
mod support;

mod descriptors;
mod pool;
mod sandbox;
mod worker;

use concerto_slots::{ChildLimits, SlotConfig, SlotPool, WorkerCommand};

/// The worker with the test hooks.
pub(crate) fn worker_command() -> WorkerCommand {
    WorkerCommand::new(env!("CARGO_BIN_EXE_concerto-slot-test-worker"))
}

/// A pool with `slots` slots over the test worker; `tweak` adjusts the config.
pub(crate) fn pool(slots: usize, tweak: impl FnOnce(&mut SlotConfig)) -> SlotPool {
    support::pool_with(worker_command(), slots, tweak)
}

/// Generous limits for probes.
pub(crate) const LIMITS: ChildLimits = ChildLimits {
    cpu_secs: 10,
    wall_millis: 20_000,
    address_space: 512 << 20,
};

pub(crate) fn eacces() -> String {
    format!("errno {}", libc::EACCES)
}
