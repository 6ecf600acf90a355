//! # concerto-template-harness
//!
//! Runs a Concerto machine template (a RISC-V ELF built by `scripts/build-templates.sh`)
//! over a list of SCALE [`Input`]s inside [`concerto_machine::Machine`], the way the node
//! will: boot to the first manual yield, then answer each manual yield with the next input
//! as an advance-state request, collecting automatic tx-output/tx-report yields, until the
//! inputs run out or the template raises a tx-exception. The loop itself is
//! `concerto-exec`, the same code the node's isolated slots run.
//!
//! Where the ELFs come from ([`template_elf`]):
//! - `CONCERTO_TEMPLATES_DIR=<dir>`: prebuilt, `<dir>/<name>` (nothing is built);
//! - otherwise the harness runs `scripts/build-templates.sh` once per process, with
//!   `CARGO_TARGET_DIR` = `CONCERTO_TEMPLATES_TARGET_DIR` or
//!   `offchain-workers/templates/target`.

mod build;
mod model;

pub use concerto_exec::InputVerdict;
use concerto_exec::{ExecError, InputOutcome, Load, Session};
use concerto_machine::Machine;
pub use concerto_primitives::{GuestFault, Input, MachineLimits};

pub use build::{template_elf, TEMPLATE_NAMES};
pub use model::PriceFeedModel;

/// RAM the templates are linked for (the SDK's `RAM_LENGTH`, `sdk/link.x`).
pub const RAM_LENGTH: u64 = MachineLimits::sdk_default().ram_size;

/// Default cycle budget for one input.
pub const DEFAULT_CYCLES_PER_INPUT: u64 = MachineLimits::sdk_default().max_cycles_per_input;

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
    /// The execution loop failed on the host side.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The template did not yield within its cycle budget, halted, or broke the protocol
    /// (any guest fault but an exception, which is an [`InputVerdict::Fault`] answer).
    #[error("template misbehaved: {0}")]
    Protocol(String),
    /// I/O.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Harness result.
pub type Result<T> = std::result::Result<T, Error>;

/// What one input produced: the execution loop's own [`InputOutcome`]. Through the
/// harness its verdict is accepted, rejected, or (the only guest fault the harness returns
/// as an answer) [`GuestFault::Exception`].
pub type InputResult = InputOutcome;

/// An exception stays an answer; any other guest fault is an error.
fn answer(outcome: InputOutcome) -> Result<InputResult> {
    match &outcome.verdict {
        InputVerdict::Fault(GuestFault::Exception(_))
        | InputVerdict::Accepted
        | InputVerdict::Rejected => Ok(outcome),
        InputVerdict::Fault(fault) => Err(Error::Protocol(fault.to_string())),
    }
}

/// A template loaded in a machine, booted to its first manual yield (a thin wrapper over
/// [`concerto_exec::Session`], the node's own execution loop).
pub struct Runner {
    session: Session,
    /// Cycles spent booting.
    pub boot_cycles: u64,
}

// By hand: the session (a whole machine) is not worth printing.
impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("boot_cycles", &self.boot_cycles)
            .finish_non_exhaustive()
    }
}

/// Reads an ELF from disk.
pub fn read_elf(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Build(format!("reading {}: {e}", path.display())))
}

impl Runner {
    /// Loads `elf_bytes` in a fresh machine with the SDK's configuration
    /// ([`MachineLimits::sdk_default`]: [`RAM_LENGTH`] of RAM, [`DEFAULT_CYCLES_PER_INPUT`])
    /// and runs it to its first manual yield (which must be rx-accepted with the empty
    /// outputs root).
    pub fn new(elf_bytes: &[u8]) -> Result<Runner> {
        Runner::with_limits(elf_bytes, MachineLimits::sdk_default())
    }

    /// Like [`Runner::new`] with other machine limits.
    pub fn with_limits(elf_bytes: &[u8], limits: MachineLimits) -> Result<Runner> {
        let mut session = match Session::load(elf_bytes, limits)? {
            Load::Ready(session) => session,
            Load::Invalid(fault) => return Err(Error::Elf(fault.to_string())),
        };
        let boot = answer(session.boot()?)?;
        if boot.verdict != InputVerdict::Accepted {
            return Err(Error::Protocol(format!(
                "boot ended with {:?}",
                boot.verdict
            )));
        }
        Ok(Runner {
            session,
            boot_cycles: boot.cycles,
        })
    }

    /// Carries on with a machine an earlier runner left waiting for its next input (e.g.
    /// restored from a snapshot): a stateful template's next batch.
    pub fn resume(machine: Machine, limits: MachineLimits) -> Runner {
        Runner {
            session: Session::resume(machine, limits),
            boot_cycles: 0,
        }
    }

    /// The machine, to snapshot or resume it.
    pub fn into_machine(self) -> Machine {
        self.session.into_machine()
    }

    /// Cycles used since the load (boot included) or the resume.
    pub fn cycles(&self) -> u64 {
        self.session.cycles()
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
        answer(self.session.feed(bytes)?)
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
        if r.verdict == InputVerdict::Accepted {
            run.outputs.extend(r.outputs.iter().cloned());
        }
        run.reports.extend(r.report_texts());
        run.exception = r.exception().map(str::to_owned);
        let stop = run.exception.is_some();
        run.results.push(r);
        if stop {
            break;
        }
    }
    run.outputs_root = runner.outputs_root();
    Ok(run)
}
