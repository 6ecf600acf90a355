//! Host faults: everything that can go wrong on the node's side of a slot.
//!
//! None of these is ever a verdict about a template. A guest fault (cycle limit,
//! exception, oversized output, ...) is a [`crate::exec::Verdict::Rejected`] inside an
//! `Ok(JobResult)`; an `Err(SlotError)` means "this node could not run the job" and must
//! never be attested.

use codec::{Decode, Encode};

use crate::cache::TemplateHash;

/// A host fault the worker reports about one job (travels over the worker protocol).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum WorkerFault {
    /// The worker killed the child after the wall-clock backstop.
    #[error("job killed by the wall-clock backstop after {millis} ms")]
    WallClockTimeout {
        /// The backstop that fired, in milliseconds.
        millis: u64,
    },
    /// The child hit its CPU-time limit (RLIMIT_CPU: SIGXCPU, or SIGKILL at the hard limit).
    #[error("job exceeded its CPU-time limit of {secs} s (signal {signal})")]
    CpuTimeExceeded {
        /// The soft limit, in seconds.
        secs: u64,
        /// The signal that ended the child.
        signal: i32,
    },
    /// The child made a syscall the seccomp filter kills for (SIGSYS).
    #[error("job killed by the sandbox: forbidden syscall")]
    SandboxViolation,
    /// The child died from a signal (e.g. SIGABRT after an allocation failure under the
    /// memory cap).
    #[error("job child died from signal {0}")]
    ChildSignaled(i32),
    /// The child exited without a result.
    #[error("job child exited with status {0} and no result")]
    ChildExited(i32),
    /// The child could not enter its sandbox.
    #[error("sandbox setup failed in the job child: {0}")]
    SandboxSetup(String),
    /// The child wrote a result the worker could not decode.
    #[error("job child sent a malformed result: {0}")]
    BadChildResult(String),
    /// The job names a cached template that is not in the cache.
    #[error("template 0x{} is not in the template cache", crate::cache::hex(.0))]
    TemplateNotCached(TemplateHash),
    /// A cached template's bytes do not hash to its name.
    #[error("template cache entry 0x{} is corrupt (hashes to 0x{})", crate::cache::hex(.expected), crate::cache::hex(.actual))]
    TemplateCorrupt {
        /// The hash the job asked for.
        expected: TemplateHash,
        /// The hash of the bytes on disk.
        actual: TemplateHash,
    },
    /// Any other host-side failure inside the worker (I/O, fork, the machine API).
    #[error("worker: {0}")]
    Internal(String),
}

/// Errors of the slots crate (host faults only).
#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    /// The sandbox the pool requires is missing on this host.
    #[error("{0}")]
    SandboxUnavailable(String),
    /// Spawning or talking to a worker process failed.
    #[error("spawning the slot worker `{program}`: {source}")]
    Spawn {
        /// The worker program.
        program: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The worker process died or closed its pipes (it is respawned for the next job).
    #[error("slot worker died: {0}")]
    WorkerDied(String),
    /// The worker did not answer within the pool's backstop (it was killed).
    #[error("slot worker did not answer within {millis} ms and was killed")]
    WorkerUnresponsive {
        /// The pool-side backstop, in milliseconds.
        millis: u64,
    },
    /// The worker reported a host fault for the job.
    #[error(transparent)]
    Worker(#[from] WorkerFault),
    /// A frame on the worker protocol was malformed.
    #[error("worker protocol: {0}")]
    Protocol(String),
    /// The job cannot be run by this node (e.g. it asks for more RAM than allowed).
    #[error("invalid job: {0}")]
    InvalidJob(String),
    /// The machine API refused an operation the host made (a host bug, not a verdict).
    #[error("machine: {0}")]
    Machine(#[from] concerto_machine::Error),
    /// A session was driven out of order: booted twice, fed before its boot, or fed
    /// after a guest fault ended it.
    #[error("the session is not running (not booted, or ended by a guest fault)")]
    SessionNotRunning,
    /// The template cache.
    #[error("template cache: {0}")]
    Cache(String),
    /// Any other I/O error.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, SlotError>;
