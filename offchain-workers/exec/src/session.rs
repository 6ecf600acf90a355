//! The CMIO host loop: a template in a fresh machine, driven input by input.

use concerto_machine::constants::{addr, cmio};
use concerto_machine::elf;
use concerto_machine::merkle::OutputsTree;
use concerto_machine::{BreakReason, Machine, MachineConfig};
use concerto_primitives::{
    GuestFault, Input, MachineLimits, Rejection, Stage, MAX_EMITTED_BYTES_PER_BATCH,
};

use crate::error::{ExecError, Result};
use crate::outcome::{InputOutcome, InputVerdict, JobResult};
use crate::template::Template;

/// The result of [`Session::load`].
// A `Session` is large, but it is built once per job and moved straight out.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Load {
    /// The template is in a fresh machine, not yet booted.
    Ready(Session),
    /// The ELF or the configuration was refused (a deterministic guest fault).
    Invalid(GuestFault),
}

/// A template in a machine, driven input by input.
#[derive(Debug)]
pub struct Session {
    machine: Machine,
    config: MachineLimits,
    /// Host-side outputs tree over the outputs of accepted inputs.
    tree: OutputsTree,
    /// Bytes of outputs and reports emitted so far.
    emitted: u64,
    /// The machine's cycle counter when this session took it (0 after a load): the batch
    /// budget counts from here.
    base_mcycle: u64,
    booted: bool,
    faulted: bool,
}

impl Session {
    /// Loads `elf` into a fresh machine with `config.ram_size` of RAM.
    pub fn load(elf_bytes: &[u8], config: MachineLimits) -> Result<Load> {
        let image = match elf::parse(elf_bytes) {
            Ok(image) => image,
            Err(e) => return Ok(Load::Invalid(GuestFault::InvalidElf(e.to_string()))),
        };
        if let Err(e) = image.check_placement(config.ram_size, &[]) {
            return Ok(Load::Invalid(GuestFault::InvalidElf(e.to_string())));
        }
        let mut machine = match Machine::new(MachineConfig::new(config.ram_size)) {
            Ok(m) => m,
            Err(e) => return Ok(Load::Invalid(GuestFault::InvalidLimits(e.to_string()))),
        };
        if let Err(e) = image.load_into(&mut machine) {
            return Ok(Load::Invalid(GuestFault::InvalidElf(e.to_string())));
        }
        Ok(Load::Ready(Session {
            machine,
            config,
            tree: OutputsTree::new(),
            emitted: 0,
            base_mcycle: 0,
            booted: false,
            faulted: false,
        }))
    }

    /// Carries on with a machine that an earlier session left waiting for its next input
    /// (a stateful topic's machine after its previous batch, e.g. restored with
    /// [`Machine::restore`]): booted, with an empty outputs tree.
    pub fn resume(machine: Machine, config: MachineLimits) -> Session {
        Session {
            base_mcycle: machine.mcycle(),
            machine,
            config,
            tree: OutputsTree::new(),
            emitted: 0,
            booted: true,
            faulted: false,
        }
    }

    /// The machine, e.g. to snapshot it between batches ([`Machine::snapshot`]).
    pub fn into_machine(self) -> Machine {
        self.machine
    }

    /// The machine (e.g. for its root hash).
    pub fn machine_mut(&mut self) -> &mut Machine {
        &mut self.machine
    }

    /// The configuration.
    pub fn config(&self) -> &MachineLimits {
        &self.config
    }

    /// Cycles used since the load (or the resume).
    pub fn cycles(&self) -> u64 {
        self.machine.mcycle() - self.base_mcycle
    }

    /// True once a guest fault ended the session.
    pub fn is_faulted(&self) -> bool {
        self.faulted
    }

    /// The host-side outputs root over every output of accepted inputs so far (equal to
    /// the template's own: a difference is [`GuestFault::OutputsRootMismatch`]).
    pub fn outputs_root(&self) -> [u8; 32] {
        self.tree.root()
    }

    /// Runs the template to its first manual yield, which must be rx-accepted with the
    /// empty outputs root.
    pub fn boot(&mut self) -> Result<InputOutcome> {
        if self.faulted || self.booted {
            return Err(ExecError::SessionNotRunning);
        }
        self.booted = true;
        let mut outcome = self.run_to_manual_yield()?;
        if outcome.verdict == InputVerdict::Accepted
            && outcome.outputs_root != Some(self.tree.root())
        {
            outcome.verdict = InputVerdict::Fault(GuestFault::Protocol(
                "the first yield must accept with the empty outputs root".into(),
            ));
        } else if outcome.verdict == InputVerdict::Rejected {
            outcome.verdict =
                InputVerdict::Fault(GuestFault::Protocol("the first yield rejected".into()));
        }
        Ok(self.settle(outcome))
    }

    /// Sends `input` (its bytes, normally a SCALE `concerto_primitives::Input`) as an
    /// advance-state request and runs to the template's answer. Only after [`Self::boot`]
    /// and before a guest fault.
    pub fn feed(&mut self, input: &[u8]) -> Result<InputOutcome> {
        if self.faulted || !self.booted {
            return Err(ExecError::SessionNotRunning);
        }
        if input.len() as u64 > addr::CMIO_LEN {
            return Ok(self.settle(Self::fault(GuestFault::InputTooLarge {
                len: input.len() as u64,
            })));
        }
        // Each batch has its own outputs tree, as in the guest (the SDK's batch rule).
        if Input::starts_batch(input) {
            self.tree = OutputsTree::new();
        }
        self.machine
            .send_cmio_response(cmio::RESPONSE_ADVANCE_STATE, input)?;
        let mut outcome = self.run_to_manual_yield()?;
        if outcome.verdict == InputVerdict::Accepted {
            for o in &outcome.outputs {
                self.tree
                    .push(o)
                    .map_err(|e| ExecError::Machine(concerto_machine::Error::Merkle(e)))?;
            }
            if outcome.outputs_root != Some(self.tree.root()) {
                outcome.verdict = InputVerdict::Fault(GuestFault::OutputsRootMismatch);
            }
        }
        Ok(self.settle(outcome))
    }

    fn fault(fault: GuestFault) -> InputOutcome {
        InputOutcome {
            verdict: InputVerdict::Fault(fault),
            outputs: Vec::new(),
            reports: Vec::new(),
            cycles: 0,
            outputs_root: None,
        }
    }

    fn settle(&mut self, outcome: InputOutcome) -> InputOutcome {
        if let InputVerdict::Fault(_) = outcome.verdict {
            self.faulted = true;
        }
        outcome
    }

    /// Runs until the guest's next manual yield, within the per-input and per-batch
    /// cycle budgets.
    fn run_to_manual_yield(&mut self) -> Result<InputOutcome> {
        let start = self.machine.mcycle();
        let batch_end = self
            .base_mcycle
            .saturating_add(self.config.max_cycles_per_batch);
        let end = start
            .saturating_add(self.config.max_cycles_per_input)
            .min(batch_end)
            .max(start);
        let mut outcome = Self::fault(GuestFault::Protocol(String::new()));
        loop {
            let reason = self.machine.run(end)?;
            outcome.cycles = self.machine.mcycle() - start;
            let stop = match reason {
                BreakReason::YieldedAutomatically => match self.automatic_yield(&mut outcome) {
                    Ok(()) => continue,
                    Err(stop) => stop,
                },
                BreakReason::YieldedManually => match self.manual_yield(&mut outcome) {
                    Ok(()) => return Ok(outcome),
                    Err(stop) => stop,
                },
                BreakReason::Halted => Stop::Guest(GuestFault::Halted {
                    exit_code: self.machine.exit_code().unwrap_or(0),
                }),
                BreakReason::ReachedTargetMcycle if self.machine.mcycle() >= batch_end => {
                    Stop::Guest(GuestFault::CycleLimitPerBatch {
                        limit: self.config.max_cycles_per_batch,
                    })
                }
                BreakReason::ReachedTargetMcycle => Stop::Guest(GuestFault::CycleLimitPerInput {
                    limit: self.config.max_cycles_per_input,
                }),
                other => Stop::Host(ExecError::UnexpectedBreak(other)),
            };
            match stop {
                Stop::Guest(fault) => {
                    outcome.verdict = InputVerdict::Fault(fault);
                    return Ok(outcome);
                }
                Stop::Host(e) => return Err(e),
            }
        }
    }

    /// Reads the pending yield. The only CMIO error of a yielded machine is a tx length
    /// beyond the buffer, which the guest chose.
    fn request(&self) -> std::result::Result<concerto_machine::CmioRequest, Stop> {
        let yielded = self.machine.iflags_x() || self.machine.iflags_y();
        self.machine.receive_cmio_request().map_err(|e| match e {
            concerto_machine::Error::Cmio(msg) if yielded => {
                Stop::Guest(GuestFault::Protocol(msg.into()))
            }
            e => Stop::Host(e.into()),
        })
    }

    fn automatic_yield(&mut self, outcome: &mut InputOutcome) -> std::result::Result<(), Stop> {
        let req = self.request()?;
        let sink = match req.reason {
            cmio::AUTOMATIC_TX_OUTPUT => &mut outcome.outputs,
            cmio::AUTOMATIC_TX_REPORT => &mut outcome.reports,
            // Progress and unknown automatic yields carry nothing for the host.
            _ => return Ok(()),
        };
        let len = req.data.len() as u64;
        let max = self.config.max_output_bytes;
        if len > u64::from(max) {
            return Err(Stop::Guest(GuestFault::OutputTooLarge { len, max }));
        }
        self.emitted += len;
        if self.emitted > MAX_EMITTED_BYTES_PER_BATCH {
            return Err(Stop::Guest(GuestFault::EmittedTooMuch {
                max: MAX_EMITTED_BYTES_PER_BATCH,
            }));
        }
        sink.push(req.data);
        Ok(())
    }

    fn manual_yield(&mut self, outcome: &mut InputOutcome) -> std::result::Result<(), Stop> {
        let req = self.request()?;
        outcome.verdict = match req.reason {
            cmio::MANUAL_RX_ACCEPTED => {
                let root: [u8; 32] = req.data.as_slice().try_into().map_err(|_| {
                    Stop::Guest(GuestFault::Protocol(format!(
                        "rx-accepted with {} bytes, not 32",
                        req.data.len()
                    )))
                })?;
                outcome.outputs_root = Some(root);
                InputVerdict::Accepted
            }
            cmio::MANUAL_RX_REJECTED => InputVerdict::Rejected,
            cmio::MANUAL_TX_EXCEPTION => {
                let msg = String::from_utf8_lossy(&req.data).into_owned();
                return Err(Stop::Guest(GuestFault::Exception(msg)));
            }
            other => {
                let msg = format!("unknown manual yield reason {other}");
                return Err(Stop::Guest(GuestFault::Protocol(msg)));
            }
        };
        Ok(())
    }
}

/// Why the run loop stopped before the guest's verdict.
enum Stop {
    /// The guest's fault (becomes a verdict).
    Guest(GuestFault),
    /// A host-side failure (becomes an error).
    Host(ExecError),
}

/// Where a stateful run starts.
#[derive(Clone, Copy, Debug)]
pub enum StartState<'a> {
    /// The template in a fresh machine (a stateful topic's first batch).
    Fresh,
    /// A machine the previous batch left waiting for its next input, as
    /// [`Machine::snapshot`] wrote it.
    Snapshot(&'a [u8]),
}

/// What a stateful run leaves for the next batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextState {
    /// The batch faulted, so it is rolled back: the next batch starts from this batch's
    /// start state (the result's `final_root_hash` is its `start_root_hash`).
    Unchanged,
    /// The machine after the batch, as [`Machine::snapshot`] writes it.
    Snapshot(Vec<u8>),
}

/// A stateful run: the job result and the state the next batch starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatefulRun {
    /// As for a stateless run, except that a faulted batch reports its start root as its
    /// final root (see [`NextState::Unchanged`]).
    pub result: JobResult,
    /// The state for the next batch.
    pub next: NextState,
}

/// Runs `template` over `inputs` (each the bytes of one advance-state request) and
/// returns the verdict, outputs, reports, roots and cycles.
pub fn execute(
    template: &Template,
    config: MachineLimits,
    inputs: &[Vec<u8>],
) -> Result<JobResult> {
    let mut result = JobResult::empty(template.hash());
    match Session::load(template.elf(), config)? {
        Load::Ready(mut session) => {
            result.start_root_hash = session.machine_mut().root_hash();
            drive(&mut session, inputs, &mut result)?;
        }
        Load::Invalid(fault) => {
            result.rejection = Some(Rejection {
                stage: Stage::Load,
                fault,
            });
        }
    }
    Ok(result)
}

/// Runs one batch of a stateful topic from `start` and returns, beside the result, the
/// machine state the next batch starts from. A batch that ends in a guest fault is rolled
/// back (its machine state is dropped; the next batch starts where this one started), so
/// one bad batch cannot wedge a topic's state. A snapshot that does not restore, or that
/// is not waiting for an input, is a host error ([`ExecError::Snapshot`],
/// [`ExecError::NotResumable`]), never a verdict.
pub fn execute_stateful(
    template: &Template,
    config: MachineLimits,
    start: StartState<'_>,
    inputs: &[Vec<u8>],
) -> Result<StatefulRun> {
    let mut result = JobResult::empty(template.hash());
    let mut session = match start {
        StartState::Fresh => match Session::load(template.elf(), config)? {
            Load::Ready(session) => session,
            Load::Invalid(fault) => {
                result.rejection = Some(Rejection {
                    stage: Stage::Load,
                    fault,
                });
                return Ok(StatefulRun {
                    result,
                    next: NextState::Unchanged,
                });
            }
        },
        StartState::Snapshot(bytes) => {
            let machine = Machine::restore(bytes, config.ram_size)?;
            if !machine.iflags_y() {
                return Err(ExecError::NotResumable);
            }
            Session::resume(machine, config)
        }
    };
    result.start_root_hash = session.machine_mut().root_hash();
    drive(&mut session, inputs, &mut result)?;
    let next = if result.rejection.is_some() {
        result.final_root_hash = result.start_root_hash;
        NextState::Unchanged
    } else {
        NextState::Snapshot(session.into_machine().snapshot())
    };
    Ok(StatefulRun { result, next })
}

/// Boots `session` if it has not booted yet, feeds it `inputs` up to the first guest fault
/// and fills in `result`'s verdict, outputs, reports, outputs root, cycles and final root.
fn drive(session: &mut Session, inputs: &[Vec<u8>], result: &mut JobResult) -> Result<()> {
    let mut running = true;
    if !session.booted {
        running = record_step(session.boot()?, Stage::Boot, result);
    }
    for (i, bytes) in inputs.iter().enumerate() {
        if !running {
            break;
        }
        running = record_step(session.feed(bytes)?, Stage::Input(i as u32), result);
    }
    result.outputs_root = session.outputs_root();
    result.cycles = session.cycles();
    result.final_root_hash = session.machine_mut().root_hash();
    log::debug!(
        target: crate::LOG_TARGET,
        "{} input(s), {} output(s), {} cycles, {}",
        inputs.len(),
        result.outputs.len(),
        result.cycles,
        result
            .rejection
            .as_ref()
            .map_or_else(|| "no guest fault".to_string(), ToString::to_string)
    );
    Ok(())
}

/// Adds one step's answer to `result`; false when it was a guest fault (the run is over).
fn record_step(outcome: InputOutcome, stage: Stage, result: &mut JobResult) -> bool {
    result.reports.extend(outcome.reports);
    match outcome.verdict {
        InputVerdict::Accepted => result.outputs.extend(outcome.outputs),
        InputVerdict::Rejected => {
            if let Stage::Input(i) = stage {
                result.rejected_inputs.push(i);
            }
        }
        InputVerdict::Fault(fault) => {
            result.rejection = Some(Rejection { stage, fault });
            return false;
        }
    }
    true
}
