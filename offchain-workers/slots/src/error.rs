//! Host faults: everything that can go wrong on the node's side of a slot.
//!
//! None of these is ever a verdict about a template. A guest fault (cycle limit,
//! exception, oversized output, ...) is a `rejection` inside an `Ok(JobResult)`; an
//! `Err(SlotError)` means "this node could not run the job" and must never be attested.

use codec::{Decode, Encode};

use concerto_primitives::Hash32;

use crate::sandbox::SandboxFeature;

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
    /// The child (or, during the handshake, the worker itself) could not enter its
    /// sandbox.
    #[error("sandbox setup failed: {0}")]
    SandboxSetup(String),
    /// The child wrote a result the worker could not decode.
    #[error("job child sent a malformed result: {0}")]
    BadChildResult(String),
    /// The job names a cached template that is not in the cache.
    #[error("template 0x{} is not in the template cache", hex::encode(.0))]
    TemplateNotCached(Hash32),
    /// A cached template's bytes do not hash to its name.
    #[error("template cache entry 0x{} is corrupt (hashes to 0x{})", hex::encode(.expected), hex::encode(.actual))]
    TemplateCorrupt {
        /// The hash the job asked for.
        expected: Hash32,
        /// The hash of the bytes on disk.
        actual: Hash32,
    },
    /// A stateful job's start state does not restore, or is not a machine waiting for
    /// an input (the node's state store handed over bad bytes).
    #[error("the job's start state is unusable: {0}")]
    BadStartState(String),
    /// Any other host-side failure inside the worker (I/O, fork, the machine API).
    #[error("worker: {0}")]
    Internal(String),
}

impl WorkerFault {
    /// A short stable name of the fault's kind (for logs and metrics labels).
    pub fn kind(&self) -> &'static str {
        match self {
            WorkerFault::WallClockTimeout { .. } => "wall_clock_timeout",
            WorkerFault::CpuTimeExceeded { .. } => "cpu_time_exceeded",
            WorkerFault::SandboxViolation => "sandbox_violation",
            WorkerFault::ChildSignaled(_) => "child_signaled",
            WorkerFault::ChildExited(_) => "child_exited",
            WorkerFault::SandboxSetup(_) => "sandbox_setup",
            WorkerFault::BadChildResult(_) => "bad_child_result",
            WorkerFault::TemplateNotCached(_) => "template_not_cached",
            WorkerFault::TemplateCorrupt { .. } => "template_corrupt",
            WorkerFault::BadStartState(_) => "bad_start_state",
            WorkerFault::Internal(_) => "worker_internal",
        }
    }
}

/// Errors of the slots crate (host faults only).
#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    /// A sandbox feature the pool requires is missing on this host (the worker's probe
    /// said so, or the configuration disabled it).
    #[error("{}; start with --insecure-slots to run without it", describe_missing(.missing))]
    SandboxUnavailable {
        /// Each missing feature with the reason.
        missing: Vec<(SandboxFeature, String)>,
    },
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
    /// The worker reported a host fault for the job (or refused the handshake).
    #[error(transparent)]
    Worker(#[from] WorkerFault),
    /// A frame on the worker protocol was malformed.
    #[error("worker protocol: {0}")]
    Protocol(String),
    /// The job cannot be run by this node (e.g. it asks for more RAM than allowed).
    #[error("invalid job: {0}")]
    InvalidJob(String),
    /// The execution loop failed on the host side (a host bug, not a verdict).
    #[error(transparent)]
    Exec(#[from] concerto_exec::ExecError),
    /// The template cache.
    #[error("template cache: {0}")]
    Cache(String),
    /// Creating or registering the pool's Prometheus metrics failed.
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    /// Any other I/O error.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl SlotError {
    /// A short stable name of the fault's kind (for logs and the `kind` label of the
    /// host-fault metric). A fault the worker reported is named by
    /// [`WorkerFault::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            SlotError::SandboxUnavailable { .. } => "sandbox_unavailable",
            SlotError::Spawn { .. } => "spawn",
            SlotError::WorkerDied(_) => "worker_died",
            SlotError::WorkerUnresponsive { .. } => "worker_unresponsive",
            SlotError::Worker(fault) => fault.kind(),
            SlotError::Protocol(_) => "protocol",
            SlotError::InvalidJob(_) => "invalid_job",
            SlotError::Exec(_) => "exec",
            SlotError::Cache(_) => "cache",
            SlotError::Metrics(_) => "metrics",
            SlotError::Io(_) => "io",
        }
    }
}

fn describe_missing(missing: &[(SandboxFeature, String)]) -> String {
    let reasons: Vec<String> = missing
        .iter()
        .map(|(feature, why)| format!("{} unavailable: {why}", feature.name()))
        .collect();
    reasons.join("; ")
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, SlotError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_stable_and_worker_faults_keep_their_own() {
        let err = SlotError::SandboxUnavailable {
            missing: vec![(SandboxFeature::Seccomp, "no filter".into())],
        };
        assert_eq!(err.kind(), "sandbox_unavailable");
        assert_eq!(
            err.to_string(),
            "seccomp unavailable: no filter; start with --insecure-slots to run without it"
        );
        assert_eq!(
            SlotError::Worker(WorkerFault::WallClockTimeout { millis: 1 }).kind(),
            "wall_clock_timeout"
        );
        assert_eq!(SlotError::WorkerDied("x".into()).kind(), "worker_died");
    }
}
