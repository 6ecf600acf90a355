//! What a run produces: per-input answers and the job result.

use codec::{Decode, Encode};
use concerto_primitives::{GuestFault, Hash32, Rejection, Verdict};

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

impl InputOutcome {
    /// The reports as (lossy) UTF-8 strings.
    pub fn report_texts(&self) -> Vec<String> {
        self.reports
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }

    /// The exception message, when the template raised one.
    pub fn exception(&self) -> Option<&str> {
        match &self.verdict {
            InputVerdict::Fault(GuestFault::Exception(msg)) => Some(msg),
            _ => None,
        }
    }
}

/// The result of a job: everything a validator attests or serves.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct JobResult {
    /// The guest fault that ended the run, if one did.
    pub rejection: Option<Rejection>,
    /// Outputs of accepted inputs, in order (on a fault: those before it).
    pub outputs: Vec<Vec<u8>>,
    /// Every report, in order (including those of the faulting input).
    pub reports: Vec<Vec<u8>>,
    /// Indices of the inputs the template answered with rx-rejected.
    pub rejected_inputs: Vec<u32>,
    /// Root of the libcmt outputs tree over `outputs`.
    pub outputs_root: Hash32,
    /// Machine root hash after loading the template, before it ran (zero if the ELF
    /// could not be loaded).
    pub start_root_hash: Hash32,
    /// Machine root hash when the run ended (zero if the ELF could not be loaded).
    pub final_root_hash: Hash32,
    /// Cycles used, boot included.
    pub cycles: u64,
    /// BLAKE2b-256 of the template ELF.
    pub template_hash: Hash32,
}

impl JobResult {
    /// The result of a run that has not started: no fault, outputs or cycles yet, the
    /// empty outputs root and zero machine roots.
    pub(crate) fn empty(template_hash: Hash32) -> JobResult {
        JobResult {
            rejection: None,
            outputs: Vec::new(),
            reports: Vec::new(),
            rejected_inputs: Vec::new(),
            outputs_root: concerto_machine::merkle::OutputsTree::new().root(),
            start_root_hash: [0; 32],
            final_root_hash: [0; 32],
            cycles: 0,
            template_hash,
        }
    }

    /// The verdict validators attest (see [`Verdict::of`]).
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.rejection.as_ref(), &self.rejected_inputs)
    }

    /// The guest fault that ended the run, if one did.
    pub fn fault(&self) -> Option<&GuestFault> {
        self.rejection.as_ref().map(|r| &r.fault)
    }
}
