//! What a run decides: per-input answers, guest faults and the job result.

use codec::{Decode, Encode};

use crate::cache::TemplateHash;

/// A deterministic fault of the guest (the template's fault): every honest node that runs
/// the same template, configuration and inputs sees the same one. It ends the run and
/// becomes a [`Verdict::Rejected`], never an error.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum GuestFault {
    /// The template bytes are not a loadable RV64 ELF for the configured RAM.
    #[error("invalid template ELF: {0}")]
    InvalidElf(String),
    /// The machine configuration is invalid (e.g. RAM not a multiple of 4 KiB).
    #[error("invalid machine configuration: {0}")]
    InvalidConfig(String),
    /// One input (or the boot) used up `max_cycles_per_input`.
    #[error("cycle limit per input ({limit}) reached")]
    CycleLimitPerInput {
        /// The limit.
        limit: u64,
    },
    /// The whole batch (boot included) used up `max_cycles_per_batch`.
    #[error("cycle limit per batch ({limit}) reached")]
    CycleLimitPerBatch {
        /// The limit.
        limit: u64,
    },
    /// The template raised a tx-exception (e.g. a panic) with this message.
    #[error("template exception: {0}")]
    Exception(String),
    /// The template halted instead of yielding.
    #[error("template halted with exit code {exit_code}")]
    Halted {
        /// The HTIF exit code.
        exit_code: u32,
    },
    /// An output or report is longer than `max_output_bytes`.
    #[error("output of {len} bytes exceeds max_output_bytes ({max})")]
    OutputTooLarge {
        /// Its length.
        len: u64,
        /// The limit.
        max: u32,
    },
    /// Outputs and reports of the batch exceed [`super::MAX_EMITTED_BYTES_PER_BATCH`].
    #[error("outputs and reports exceed {max} bytes per batch")]
    EmittedTooMuch {
        /// The limit.
        max: u64,
    },
    /// An input does not fit the 2 MiB rx buffer.
    #[error("input of {len} bytes does not fit the rx buffer")]
    InputTooLarge {
        /// Its length.
        len: u64,
    },
    /// The template broke the CMIO protocol (unknown manual yield, rx-accepted without a
    /// 32-byte root, yield data longer than the tx buffer, a first yield that is not an
    /// accept of the empty outputs root).
    #[error("CMIO protocol violation: {0}")]
    Protocol(String),
    /// The outputs root the template reported differs from the host's.
    #[error("the template's outputs root differs from the host's")]
    OutputsRootMismatch,
}

/// Where in the run a guest fault happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Stage {
    /// Loading the ELF into a fresh machine.
    Load,
    /// Running to the first manual yield.
    Boot,
    /// Handling input number `n` (0-based).
    Input(u32),
}

/// Why a batch was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Rejection {
    /// Where.
    pub stage: Stage,
    /// What.
    pub fault: GuestFault,
}

/// The deterministic outcome of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Verdict {
    /// Every input was answered (rx-accepted or rx-rejected) within the limits.
    Accepted,
    /// A guest fault ended the run.
    Rejected(Rejection),
}

/// How the template answered one input (or its boot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputVerdict {
    /// Manual yield rx-accepted (outputs kept).
    Accepted,
    /// Manual yield rx-rejected (outputs dropped, reports kept).
    Rejected,
    /// A guest fault; the session is over.
    Fault(GuestFault),
}

/// What one input produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputOutcome {
    /// The answer.
    pub verdict: InputVerdict,
    /// Outputs emitted while handling the input (dropped from the batch unless accepted).
    pub outputs: Vec<Vec<u8>>,
    /// Reports emitted while handling the input.
    pub reports: Vec<Vec<u8>>,
    /// Cycles spent on the input.
    pub cycles: u64,
    /// The outputs root the template put in tx[0..32] (accepted inputs only).
    pub outputs_root: Option<[u8; 32]>,
}

/// The result of a job: the verdict plus everything a validator attests or serves.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct JobResult {
    /// The verdict.
    pub verdict: Verdict,
    /// Outputs of accepted inputs, in order (on a rejection: those before the fault).
    pub outputs: Vec<Vec<u8>>,
    /// Every report, in order (including those of the faulting input).
    pub reports: Vec<Vec<u8>>,
    /// Indices of the inputs the template answered with rx-rejected.
    pub rejected_inputs: Vec<u32>,
    /// Root of the libcmt outputs tree over `outputs`.
    pub outputs_root: [u8; 32],
    /// Machine root hash after loading the template, before it ran (zero if the ELF
    /// could not be loaded).
    pub start_root_hash: [u8; 32],
    /// Machine root hash when the run ended (zero if the ELF could not be loaded).
    pub final_root_hash: [u8; 32],
    /// Cycles used, boot included.
    pub cycles: u64,
    /// BLAKE2b-256 of the template ELF.
    pub template_hash: TemplateHash,
}

impl JobResult {
    /// True when the verdict is [`Verdict::Accepted`].
    pub fn is_accepted(&self) -> bool {
        self.verdict == Verdict::Accepted
    }

    /// The guest fault, if the batch was rejected.
    pub fn fault(&self) -> Option<&GuestFault> {
        match &self.verdict {
            Verdict::Accepted => None,
            Verdict::Rejected(r) => Some(&r.fault),
        }
    }
}
