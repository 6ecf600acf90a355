//! The integration tests of concerto-slots, one binary (one link instead of one per file).
#![allow(missing_docs)]

#[path = "../support/mod.rs"]
mod support;

mod hooks;
mod metrics;
mod pool;
mod sandbox;

use concerto_slots::{SlotConfig, SlotPool, WorkerCommand};

/// The bundled worker (it serves no hooks).
pub(crate) fn worker_command() -> WorkerCommand {
    WorkerCommand::new(env!("CARGO_BIN_EXE_concerto-slot-worker"))
}

/// A pool with `slots` slots over the bundled worker; `tweak` adjusts the config.
pub(crate) fn pool(slots: usize, tweak: impl FnOnce(&mut SlotConfig)) -> SlotPool {
    support::pool_with(worker_command(), slots, tweak)
}
