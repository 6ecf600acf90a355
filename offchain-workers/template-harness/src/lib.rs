//! # concerto-template-harness
//!
//! Runs a Concerto machine template (a RISC-V ELF built by `scripts/build-templates.sh`)
//! over a list of SCALE [`Input`]s inside [`concerto_machine::Machine`], the way the node
//! will: boot to the first manual yield, then answer each manual yield with the next input
//! as an advance-state request, collecting automatic tx-output/tx-report yields, until the
//! inputs run out or the template raises a tx-exception.
//!
//! Where the ELFs come from ([`template_elf`]):
//! - `CONCERTO_TEMPLATES_DIR=<dir>`: prebuilt, `<dir>/<name>` (nothing is built);
//! - otherwise the harness runs `scripts/build-templates.sh` once per process, with
//!   `CARGO_TARGET_DIR` = `CONCERTO_TEMPLATES_TARGET_DIR` or
//!   `offchain-workers/templates/target`.

mod build;

use concerto_machine::constants::cmio;
use concerto_machine::elf;
use concerto_machine::merkle::OutputsTree;
use concerto_machine::{BreakReason, Machine, MachineConfig};
pub use concerto_primitives::Input;

pub use build::{template_elf, TEMPLATE_NAMES};

/// RAM the templates are linked for (the SDK's `RAM_LENGTH`, `sdk/link.x`).
pub const RAM_LENGTH: u64 = 128 << 20;

/// Default cycle budget for one input.
pub const DEFAULT_CYCLES_PER_INPUT: u64 = 2_000_000_000;

/// Harness failures (host-side problems, not template verdicts).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Building or finding a template failed.
    #[error("template build: {0}")]
    Build(String),
    /// The ELF could not be loaded.
    #[error("ELF: {0}")]
    Elf(String),
    /// The machine refused an operation.
    #[error("machine: {0}")]
    Machine(#[from] concerto_machine::Error),
    /// The template did not yield within its cycle budget, halted, or broke the protocol.
    #[error("template misbehaved: {0}")]
    Protocol(String),
    /// I/O.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Harness result.
pub type Result<T> = std::result::Result<T, Error>;

/// How the template answered one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Manual yield rx-accepted.
    Accepted,
    /// Manual yield rx-rejected.
    Rejected,
    /// Manual yield tx-exception (a panic); the machine cannot go on.
    Exception,
}

/// What one input produced.
#[derive(Clone, Debug)]
pub struct InputResult {
    /// The template's verdict.
    pub verdict: Verdict,
    /// Outputs emitted while handling it.
    pub outputs: Vec<Vec<u8>>,
    /// Reports emitted while handling it (UTF-8 text for the shipped templates).
    pub reports: Vec<Vec<u8>>,
    /// The exception message when the verdict is [`Verdict::Exception`].
    pub exception: Option<String>,
    /// Cycles spent on this input (from the response to the next manual yield).
    pub cycles: u64,
    /// The outputs root the template put in tx[0..32] (accepted inputs only).
    pub outputs_root: Option<[u8; 32]>,
}

impl InputResult {
    /// The reports as (lossy) UTF-8 strings.
    pub fn report_texts(&self) -> Vec<String> {
        self.reports
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

/// A template loaded in a machine, booted to its first manual yield.
pub struct Runner {
    machine: Machine,
    /// Cycle budget per input.
    pub cycles_per_input: u64,
    /// Outputs of accepted inputs, host-side (to check the guest's outputs root).
    tree: OutputsTree,
    /// Cycles spent booting.
    pub boot_cycles: u64,
    dead: bool,
}

/// Reads an ELF from disk.
pub fn read_elf(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Build(format!("reading {}: {e}", path.display())))
}

impl Runner {
    /// Loads `elf_bytes` in a fresh machine with [`RAM_LENGTH`] of RAM and runs it to its
    /// first manual yield (which must be rx-accepted with the empty outputs root).
    pub fn new(elf_bytes: &[u8]) -> Result<Runner> {
        let image = elf::parse(elf_bytes).map_err(|e| Error::Elf(e.to_string()))?;
        image
            .check_placement(RAM_LENGTH, &[])
            .map_err(|e| Error::Elf(e.to_string()))?;
        let mut machine = Machine::new(MachineConfig::new(RAM_LENGTH))?;
        image.load_into(&mut machine)?;
        let mut runner = Runner {
            machine,
            cycles_per_input: DEFAULT_CYCLES_PER_INPUT,
            tree: OutputsTree::new(),
            boot_cycles: 0,
            dead: false,
        };
        let first = runner.run_to_manual_yield()?;
        if first.verdict != Verdict::Accepted || first.outputs_root != Some(runner.tree.root()) {
            return Err(Error::Protocol(format!(
                "boot ended with {:?} / {:?}",
                first.verdict, first.exception
            )));
        }
        runner.boot_cycles = first.cycles;
        Ok(runner)
    }

    /// The machine (e.g. for its root hash).
    pub fn machine_mut(&mut self) -> &mut Machine {
        &mut self.machine
    }

    /// Sends one input (advance-state) and runs to the template's verdict.
    pub fn feed(&mut self, input: &Input) -> Result<InputResult> {
        self.feed_raw(&input.to_bytes())
    }

    /// Sends raw bytes as an advance-state request.
    pub fn feed_raw(&mut self, bytes: &[u8]) -> Result<InputResult> {
        if self.dead {
            return Err(Error::Protocol(
                "the template raised an exception earlier".into(),
            ));
        }
        self.machine
            .send_cmio_response(cmio::RESPONSE_ADVANCE_STATE, bytes)?;
        let result = self.run_to_manual_yield()?;
        match result.verdict {
            Verdict::Accepted => {
                for o in &result.outputs {
                    self.tree
                        .push(o)
                        .map_err(|e| Error::Protocol(format!("outputs tree: {e:?}")))?;
                }
                if result.outputs_root != Some(self.tree.root()) {
                    return Err(Error::Protocol(
                        "the guest's outputs root differs from the host's".into(),
                    ));
                }
            }
            Verdict::Rejected => {}
            Verdict::Exception => self.dead = true,
        }
        Ok(result)
    }

    fn run_to_manual_yield(&mut self) -> Result<InputResult> {
        let start = self.machine.mcycle();
        let limit = start.saturating_add(self.cycles_per_input);
        let mut outputs = Vec::new();
        let mut reports = Vec::new();
        loop {
            let reason = self.machine.run(limit)?;
            match reason {
                BreakReason::YieldedAutomatically => {
                    let req = self.machine.receive_cmio_request()?;
                    match req.reason {
                        cmio::AUTOMATIC_TX_OUTPUT => outputs.push(req.data),
                        cmio::AUTOMATIC_TX_REPORT => reports.push(req.data),
                        _ => {}
                    }
                }
                BreakReason::YieldedManually => {
                    let req = self.machine.receive_cmio_request()?;
                    let cycles = self.machine.mcycle() - start;
                    let (verdict, exception, outputs_root) = match req.reason {
                        cmio::MANUAL_RX_ACCEPTED => {
                            let root: [u8; 32] = req.data.as_slice().try_into().map_err(|_| {
                                Error::Protocol(format!(
                                    "rx-accepted with {} bytes, not 32",
                                    req.data.len()
                                ))
                            })?;
                            (Verdict::Accepted, None, Some(root))
                        }
                        cmio::MANUAL_RX_REJECTED => (Verdict::Rejected, None, None),
                        cmio::MANUAL_TX_EXCEPTION => (
                            Verdict::Exception,
                            Some(String::from_utf8_lossy(&req.data).into_owned()),
                            None,
                        ),
                        other => {
                            return Err(Error::Protocol(format!(
                                "unknown manual yield reason {other}"
                            )))
                        }
                    };
                    return Ok(InputResult {
                        verdict,
                        outputs,
                        reports,
                        exception,
                        cycles,
                        outputs_root,
                    });
                }
                other => {
                    return Err(Error::Protocol(format!(
                        "run stopped with {other:?} at mcycle {}",
                        self.machine.mcycle()
                    )))
                }
            }
        }
    }

    /// The outputs root over every output of accepted inputs so far (host-computed; equal
    /// to the guest's, which [`Runner::feed`] checks).
    pub fn outputs_root(&self) -> [u8; 32] {
        self.tree.root()
    }
}

/// The whole run of a template over inputs.
#[derive(Clone, Debug)]
pub struct TemplateRun {
    /// One result per input, in order (shorter than the inputs after an exception).
    pub results: Vec<InputResult>,
    /// Outputs of accepted inputs, in order.
    pub outputs: Vec<Vec<u8>>,
    /// Every report, in order.
    pub reports: Vec<String>,
    /// The exception message, if the template panicked.
    pub exception: Option<String>,
    /// Total cycles, boot included.
    pub cycles: u64,
    /// The final outputs root.
    pub outputs_root: [u8; 32],
}

/// Runs the template in `elf_bytes` over `inputs`.
pub fn run_template(elf_bytes: &[u8], inputs: &[Input]) -> Result<TemplateRun> {
    let mut runner = Runner::new(elf_bytes)?;
    let mut run = TemplateRun {
        results: Vec::new(),
        outputs: Vec::new(),
        reports: Vec::new(),
        exception: None,
        cycles: runner.boot_cycles,
        outputs_root: runner.outputs_root(),
    };
    for input in inputs {
        let r = runner.feed(input)?;
        run.cycles += r.cycles;
        if r.verdict == Verdict::Accepted {
            run.outputs.extend(r.outputs.iter().cloned());
        }
        run.reports.extend(r.report_texts());
        let stop = r.verdict == Verdict::Exception;
        run.exception = r.exception.clone();
        run.results.push(r);
        if stop {
            break;
        }
    }
    run.outputs_root = runner.outputs_root();
    Ok(run)
}
