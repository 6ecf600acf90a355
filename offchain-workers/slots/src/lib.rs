//! # concerto-slots
//!
//! Isolated execution slots for Concerto templates, in three layers after Polkadot's PVF
//! execute workers:
//!
//! 1. [`pool::SlotPool`] (host side): N slots, each a reusable worker process, started
//!    from a configurable [`pool::WorkerCommand`] (the node re-executes itself; tests use
//!    the bundled `concerto-slot-worker` binary). The pool asks its first worker to probe
//!    the sandbox: the node process never forks;
//! 2. [`worker::run_worker`] (the worker process): after the handshake it enters its own
//!    [`sandbox`] (Landlock: read access to the template cache only; seccomp: no network,
//!    no exec), then reads jobs from stdin as length-prefixed SCALE frames ([`protocol`]),
//!    forks one child per job, enforces the wall-clock backstop and answers on stdout;
//! 3. the job child: enters the job [`sandbox`] (cleared environment, every inherited
//!    descriptor closed, RLIMIT_AS / RLIMIT_CPU, Landlock with no filesystem access, seccomp
//!    filters against network, exec, new processes and signals to other processes) and
//!    runs `concerto_exec::execute`.
//!
//! Guest faults (cycle limits, exceptions, oversized outputs, protocol violations, a bad
//! ELF) are deterministic rejections inside `Ok(JobResult)`; host faults (a dead worker,
//! a backstop or CPU-time kill, a failed sandbox, a bad frame) are [`SlotError`]s and
//! must never be attested. The execution loop itself is `concerto-exec`, which the
//! template harness also runs in process. The pool counts both in Prometheus
//! [`metrics`] and logs worker life cycles and host faults under [`LOG_TARGET`].
//!
//! Test probes are not part of this crate: the worker's request handling is generic over
//! a [`worker::WorkerHook`] type, the node's worker uses [`worker::NoHooks`] (which cannot
//! be decoded), and the probes live in the test-only `concerto-slots-sandbox-tests` crate
//! with a worker binary of their own.
//!
//! Stateful topics (starting from a previous machine state) are not supported yet: the
//! machine has no snapshot/restore.

pub mod cache;
mod error;
pub mod metrics;
pub mod pool;
pub mod protocol;
pub mod sandbox;
pub mod worker;

pub use cache::{blake2_256, Template, TemplateCache};
pub use concerto_exec::{JobResult, Session};
pub use error::{Result, SlotError, WorkerFault};
pub use pool::{probe_sandbox, Shortfall, SlotConfig, SlotPool, WorkerCommand};
pub use protocol::{Job, JobDone, JobState, TemplateSource};
pub use sandbox::{ChildLimits, SandboxFeature, SandboxMode, SandboxReport, LANDLOCK_ABI_VERSION};

/// The `log` target of this crate (worker spawn, retire and replacement; host faults).
pub const LOG_TARGET: &str = "concerto::slots";
