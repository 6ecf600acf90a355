//! # concerto-slots
//!
//! Isolated execution slots for Concerto templates, in three layers after Polkadot's PVF
//! execute workers:
//!
//! 1. [`pool::SlotPool`] (host side): N slots, each a reusable worker process, started
//!    from a configurable [`pool::WorkerCommand`] (the node re-executes itself; tests use
//!    the bundled `concerto-slot-worker` binary);
//! 2. [`worker::run_worker`] (the worker process): reads jobs from stdin as
//!    length-prefixed SCALE frames ([`protocol`]), forks one child per job, enforces the
//!    wall-clock backstop and answers on stdout;
//! 3. the job child: enters the [`sandbox`] (cleared environment, closed descriptors,
//!    RLIMIT_AS / RLIMIT_CPU, Landlock with no filesystem access, a seccomp filter
//!    against network, exec and new processes) and runs [`exec::execute`].
//!
//! Guest faults (cycle limits, exceptions, oversized outputs, protocol violations, a bad
//! ELF) are deterministic [`exec::Verdict::Rejected`] values inside `Ok`; host faults
//! (a dead worker, a backstop or CPU-time kill, a failed sandbox, a bad frame) are
//! [`SlotError`]s and must never be attested. [`exec`] is also the in-process
//! implementation the template harness uses.
//!
//! Stateful topics (starting from a previous machine state) are not supported yet: the
//! machine has no snapshot/restore.

pub mod cache;
mod error;
pub mod exec;
#[cfg(feature = "test-hooks")]
pub mod hooks;
pub mod pool;
pub mod protocol;
pub mod sandbox;
pub mod worker;

pub use cache::{blake2_256, Template, TemplateCache, TemplateHash};
pub use error::{Result, SlotError, WorkerFault};
pub use exec::{execute, ExecConfig, GuestFault, JobResult, Verdict};
pub use pool::{SlotConfig, SlotPool, WorkerCommand};
pub use protocol::{Job, TemplateSource};
pub use sandbox::{probe_sandbox, ChildLimits, SandboxFeature, SandboxMode, SandboxReport};
