//! What a run of a template over a batch decides.
//!
//! A *guest fault* is the template's fault: every honest node that runs the same
//! template, limits and inputs sees the same one. It ends the run and makes the batch
//! [`Verdict::Rejected`]; it is never an error of the node. (Host faults, the node's own
//! problems, are errors of the execution layer and are never attested.)

use alloc::string::String;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;

/// A deterministic fault of the guest.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum GuestFault {
    /// The template bytes are not a loadable RV64 ELF for the configured RAM.
    #[codec(index = 0)]
    InvalidElf(String),
    /// The machine limits are invalid (e.g. RAM not a multiple of 4 KiB).
    #[codec(index = 1)]
    InvalidLimits(String),
    /// One input (or the boot) used up `max_cycles_per_input`.
    #[codec(index = 2)]
    CycleLimitPerInput {
        /// The limit.
        limit: u64,
    },
    /// The whole batch (boot included) used up `max_cycles_per_batch`.
    #[codec(index = 3)]
    CycleLimitPerBatch {
        /// The limit.
        limit: u64,
    },
    /// The template raised a tx-exception (e.g. a panic) with this message.
    #[codec(index = 4)]
    Exception(String),
    /// The template halted instead of yielding.
    #[codec(index = 5)]
    Halted {
        /// The HTIF exit code.
        exit_code: u32,
    },
    /// An output or report is longer than `max_output_bytes`.
    #[codec(index = 6)]
    OutputTooLarge {
        /// Its length.
        len: u64,
        /// The limit.
        max: u32,
    },
    /// Outputs and reports of the batch exceed [`crate::MAX_EMITTED_BYTES_PER_BATCH`].
    #[codec(index = 7)]
    EmittedTooMuch {
        /// The limit.
        max: u64,
    },
    /// An input does not fit the 2 MiB rx buffer.
    #[codec(index = 8)]
    InputTooLarge {
        /// Its length.
        len: u64,
    },
    /// The template broke the CMIO protocol (unknown manual yield, rx-accepted without a
    /// 32-byte root, yield data longer than the tx buffer, a first yield that is not an
    /// accept of the empty outputs root).
    #[codec(index = 9)]
    Protocol(String),
    /// The outputs root the template reported differs from the host's.
    #[codec(index = 10)]
    OutputsRootMismatch,
}

impl GuestFault {
    /// A short stable name of the fault's kind (for logs and metrics labels).
    pub fn kind(&self) -> &'static str {
        match self {
            GuestFault::InvalidElf(_) => "invalid_elf",
            GuestFault::InvalidLimits(_) => "invalid_limits",
            GuestFault::CycleLimitPerInput { .. } => "cycle_limit_per_input",
            GuestFault::CycleLimitPerBatch { .. } => "cycle_limit_per_batch",
            GuestFault::Exception(_) => "exception",
            GuestFault::Halted { .. } => "halted",
            GuestFault::OutputTooLarge { .. } => "output_too_large",
            GuestFault::EmittedTooMuch { .. } => "emitted_too_much",
            GuestFault::InputTooLarge { .. } => "input_too_large",
            GuestFault::Protocol(_) => "protocol",
            GuestFault::OutputsRootMismatch => "outputs_root_mismatch",
        }
    }
}

impl fmt::Display for GuestFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestFault::InvalidElf(why) => write!(f, "invalid template ELF: {why}"),
            GuestFault::InvalidLimits(why) => write!(f, "invalid machine limits: {why}"),
            GuestFault::CycleLimitPerInput { limit } => {
                write!(f, "cycle limit per input ({limit}) reached")
            }
            GuestFault::CycleLimitPerBatch { limit } => {
                write!(f, "cycle limit per batch ({limit}) reached")
            }
            GuestFault::Exception(msg) => write!(f, "template exception: {msg}"),
            GuestFault::Halted { exit_code } => {
                write!(f, "template halted with exit code {exit_code}")
            }
            GuestFault::OutputTooLarge { len, max } => {
                write!(f, "output of {len} bytes exceeds max_output_bytes ({max})")
            }
            GuestFault::EmittedTooMuch { max } => {
                write!(f, "outputs and reports exceed {max} bytes per batch")
            }
            GuestFault::InputTooLarge { len } => {
                write!(f, "input of {len} bytes does not fit the rx buffer")
            }
            GuestFault::Protocol(what) => write!(f, "CMIO protocol violation: {what}"),
            GuestFault::OutputsRootMismatch => {
                f.write_str("the template's outputs root differs from the host's")
            }
        }
    }
}

/// Where in the run a guest fault happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Stage {
    /// Loading the ELF into a fresh machine.
    Load,
    /// Running to the first manual yield.
    Boot,
    /// Handling input number `n` (0-based, among the batch's inputs: 0 is the header).
    Input(u32),
}

/// The guest fault that ended a run, and where.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Rejection {
    /// Where.
    pub stage: Stage,
    /// What.
    pub fault: GuestFault,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stage {
            Stage::Load => write!(f, "at load: {}", self.fault),
            Stage::Boot => write!(f, "at boot: {}", self.fault),
            Stage::Input(n) => write!(f, "at input {n}: {}", self.fault),
        }
    }
}

/// The verdict validators attest for a batch.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen,
)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub enum Verdict {
    /// The template answered every input within its limits and accepted all of them.
    #[codec(index = 0)]
    Accepted,
    /// A guest fault ended the run, or the template rejected an input.
    #[codec(index = 1)]
    Rejected,
}

impl Verdict {
    /// The verdict of a run: `Accepted` only when no guest fault ended it and the
    /// template accepted every input (`rejected_inputs` is empty). The outputs of the
    /// accepted inputs are attested either way.
    pub fn of(rejection: Option<&Rejection>, rejected_inputs: &[u32]) -> Verdict {
        if rejection.is_none() && rejected_inputs.is_empty() {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_needs_no_fault_and_no_rejected_input() {
        let fault = Rejection {
            stage: Stage::Input(3),
            fault: GuestFault::OutputsRootMismatch,
        };
        assert_eq!(Verdict::of(None, &[]), Verdict::Accepted);
        assert_eq!(Verdict::of(None, &[2]), Verdict::Rejected);
        assert_eq!(Verdict::of(Some(&fault), &[]), Verdict::Rejected);
        assert_eq!(
            fault.to_string(),
            "at input 3: the template's outputs root differs from the host's"
        );
    }

    #[test]
    fn verdict_encoding_is_stable() {
        assert_eq!(Verdict::Accepted.encode(), [0]);
        assert_eq!(Verdict::Rejected.encode(), [1]);
    }
}
