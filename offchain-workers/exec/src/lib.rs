//! # concerto-exec
//!
//! Deterministic execution of a template over a batch, in process: the one
//! implementation of the CMIO host loop. The slots' sandboxed job child calls
//! [`execute`]; `concerto-template-harness` drives a [`Session`] input by input.
//!
//! The loop: load the ELF in a fresh machine with the template's
//! [`MachineLimits`](concerto_primitives::MachineLimits), run to the first manual yield
//! (which must be rx-accepted with the empty outputs root), then answer each manual yield
//! with the next input as an advance-state request, collecting automatic
//! tx-output/tx-report yields. Everything a guest can do wrong is a
//! [`GuestFault`](concerto_primitives::GuestFault) in the result; `Err` is reserved for
//! host-side failures ([`ExecError`]).
//!
//! This crate has no sandbox and starts no process: isolation is `concerto-slots`' job.

mod error;
mod outcome;
mod session;
mod template;

pub use error::{ExecError, Result};
pub use outcome::{InputOutcome, InputVerdict, JobResult};
pub use session::{execute, execute_stateful, Load, NextState, Session, StartState, StatefulRun};
pub use template::{blake2_256, Template};

/// Log target of this crate.
pub const LOG_TARGET: &str = "concerto::exec";
