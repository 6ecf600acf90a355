//! # concerto-template-harness
//!
//! Runs a Concerto machine template (a RISC-V ELF built by `scripts/build-templates.sh`)
//! over a list of SCALE [`Input`]s inside [`concerto_machine::Machine`], the way the node
//! will: boot to the first manual yield, then answer each manual yield with the next input
//! as an advance-state request, collecting automatic tx-output/tx-report yields, until the
//! inputs run out or the template raises a tx-exception. The loop itself is
//! `concerto_slots::exec`, the same code the node's isolated slots run.
//!
//! Where the ELFs come from ([`template_elf`]):
//! - `CONCERTO_TEMPLATES_DIR=<dir>`: prebuilt, `<dir>/<name>` (nothing is built);
//! - otherwise the harness runs `scripts/build-templates.sh` once per process, with
//!   `CARGO_TARGET_DIR` = `CONCERTO_TEMPLATES_TARGET_DIR` or
//!   `offchain-workers/templates/target`.

mod build;

use concerto_machine::Machine;
pub use concerto_primitives::Input;
pub use concerto_slots::exec::{ExecConfig, GuestFault};
use concerto_slots::exec::{InputOutcome, InputVerdict, Load, Session};
use concerto_slots::SlotError;

pub use build::{template_elf, TEMPLATE_NAMES};

/// RAM the templates are linked for (the SDK's `RAM_LENGTH`, `sdk/link.x`).
pub const RAM_LENGTH: u64 = ExecConfig::sdk_default().ram_size;

/// Default cycle budget for one input.
pub const DEFAULT_CYCLES_PER_INPUT: u64 = ExecConfig::sdk_default().max_cycles_per_input;

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
    /// The execution layer failed on the host side.
    #[error("slots: {0}")]
    Slot(#[from] SlotError),
    /// The template did not yield within its cycle budget, halted, or broke the protocol
    /// (any guest fault but an exception, which is a [`Verdict`]).
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

    /// An exception becomes [`Verdict::Exception`]; any other guest fault an error.
    fn from_outcome(outcome: InputOutcome) -> Result<InputResult> {
        let (verdict, exception) = match outcome.verdict {
            InputVerdict::Accepted => (Verdict::Accepted, None),
            InputVerdict::Rejected => (Verdict::Rejected, None),
            InputVerdict::Fault(GuestFault::Exception(msg)) => (Verdict::Exception, Some(msg)),
            InputVerdict::Fault(fault) => return Err(Error::Protocol(fault.to_string())),
        };
        Ok(InputResult {
            verdict,
            outputs: outcome.outputs,
            reports: outcome.reports,
            exception,
            cycles: outcome.cycles,
            outputs_root: outcome.outputs_root,
        })
    }
}

/// A template loaded in a machine, booted to its first manual yield (a thin wrapper over
/// [`concerto_slots::exec::Session`], the node's own execution loop).
pub struct Runner {
    session: Session,
    /// Cycles spent booting.
    pub boot_cycles: u64,
}

/// Reads an ELF from disk.
pub fn read_elf(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Build(format!("reading {}: {e}", path.display())))
}

impl Runner {
    /// Loads `elf_bytes` in a fresh machine with the SDK's configuration
    /// ([`ExecConfig::sdk_default`]: [`RAM_LENGTH`] of RAM, [`DEFAULT_CYCLES_PER_INPUT`])
    /// and runs it to its first manual yield (which must be rx-accepted with the empty
    /// outputs root).
    pub fn new(elf_bytes: &[u8]) -> Result<Runner> {
        Runner::with_config(elf_bytes, ExecConfig::sdk_default())
    }

    /// Like [`Runner::new`] with another machine configuration.
    pub fn with_config(elf_bytes: &[u8], config: ExecConfig) -> Result<Runner> {
        let mut session = match Session::load(elf_bytes, config)? {
            Load::Ready(session) => session,
            Load::Invalid(fault) => return Err(Error::Elf(fault.to_string())),
        };
        let boot = InputResult::from_outcome(session.boot()?)?;
        if boot.verdict != Verdict::Accepted {
            return Err(Error::Protocol(format!(
                "boot ended with {:?} / {:?}",
                boot.verdict, boot.exception
            )));
        }
        Ok(Runner {
            session,
            boot_cycles: boot.cycles,
        })
    }

    /// The machine (e.g. for its root hash).
    pub fn machine_mut(&mut self) -> &mut Machine {
        self.session.machine_mut()
    }

    /// Sends one input (advance-state) and runs to the template's verdict.
    pub fn feed(&mut self, input: &Input) -> Result<InputResult> {
        self.feed_raw(&input.to_bytes())
    }

    /// Sends raw bytes as an advance-state request.
    pub fn feed_raw(&mut self, bytes: &[u8]) -> Result<InputResult> {
        if self.session.is_faulted() {
            return Err(Error::Protocol(
                "the template raised an exception earlier".into(),
            ));
        }
        InputResult::from_outcome(self.session.feed(bytes)?)
    }

    /// The outputs root over every output of accepted inputs so far (host-computed; equal
    /// to the guest's, which [`Runner::feed`] checks).
    pub fn outputs_root(&self) -> [u8; 32] {
        self.session.outputs_root()
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
