//! Host-side failures of the execution loop (never verdicts).

use concerto_machine::BreakReason;

/// What can go wrong on the host's side of a run: the machine API refusing an operation
/// the host made, or the host driving a session out of order. A guest fault is never one
/// of these; it is a [`concerto_primitives::Rejection`] in an `Ok` result.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The machine refused an operation the host made (a host bug, not a verdict).
    #[error("machine: {0}")]
    Machine(#[from] concerto_machine::Error),
    /// A session was driven out of order: booted twice, fed before its boot, or fed
    /// after a guest fault ended it.
    #[error("the session is not running (not booted, or ended by a guest fault)")]
    SessionNotRunning,
    /// A stateful batch's start state does not restore (corrupt, truncated, or larger
    /// than the template's RAM).
    #[error("the start state does not restore: {0}")]
    Snapshot(#[from] concerto_machine::SnapshotError),
    /// A stateful batch's start state is not a machine waiting for its next input.
    #[error("the start state is not a machine waiting for an input (not resumable)")]
    NotResumable,
    /// The machine stopped for a reason the loop never asks for.
    #[error("unexpected machine break {0:?}")]
    UnexpectedBreak(BreakReason),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, ExecError>;
