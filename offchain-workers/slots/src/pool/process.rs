//! One worker process as the pool sees it: spawn, probe, handshake, request/response with
//! a backstop, kill on drop.

use std::ffi::OsString;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use codec::Encode;
use prometheus::IntCounter;

use crate::error::{Result, SlotError};
use crate::metrics::Metrics;
use crate::protocol::{
    read_frame, write_frame, DeadlineReader, Hello, Request, Response, PROTOCOL_VERSION,
};
use crate::sandbox::SandboxReport;
use crate::LOG_TARGET;

/// How to start a worker: the node re-executes its own binary with a hidden subcommand;
/// tests and standalone setups use the crate's `concerto-slot-worker` binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl WorkerCommand {
    /// `program` without arguments.
    pub fn new(program: impl Into<PathBuf>) -> WorkerCommand {
        WorkerCommand {
            program: program.into(),
            args: Vec::new(),
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> WorkerCommand {
        self.args.push(arg.into());
        self
    }
}

/// A running worker.
pub(crate) struct WorkerProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    pid: u32,
    retired: Option<IntCounter>,
}

impl WorkerProcess {
    /// Starts `command` with an empty environment (no handshake yet).
    pub(crate) fn start(
        command: &WorkerCommand,
        metrics: Option<&Metrics>,
    ) -> Result<WorkerProcess> {
        let spawn_error = |source| SlotError::Spawn {
            program: command.program.display().to_string(),
            source,
        };
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(spawn_error)?;
        let pid = child.id();
        if let Some(metrics) = metrics {
            metrics.workers_spawned.inc();
        }
        log::debug!(target: LOG_TARGET, "started slot worker pid {pid}");
        let retired = metrics.map(|m| m.workers_retired.clone());
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            if let Some(retired) = retired {
                retired.inc();
            }
            return Err(SlotError::Protocol("worker pipes missing".into()));
        };
        Ok(WorkerProcess {
            child,
            stdin,
            stdout,
            pid,
            retired,
        })
    }

    /// Starts `command` and does the handshake.
    pub(crate) fn spawn(
        command: &WorkerCommand,
        hello: &Hello,
        timeout: Duration,
        metrics: Option<&Metrics>,
    ) -> Result<WorkerProcess> {
        let mut worker = WorkerProcess::start(command, metrics)?;
        worker.handshake(hello, timeout)?;
        Ok(worker)
    }

    /// Asks the (not yet greeted) worker to probe the sandbox features of this kernel.
    pub(crate) fn probe(&mut self, timeout: Duration) -> Result<SandboxReport> {
        match self.call(&Request::<crate::worker::NoHooks>::Probe, timeout)? {
            Response::Probed(report) => Ok(report),
            other => Err(SlotError::Protocol(format!(
                "unexpected probe answer {other:?}"
            ))),
        }
    }

    /// The handshake: the worker enters its sandbox and is then ready for jobs.
    pub(crate) fn handshake(&mut self, hello: &Hello, timeout: Duration) -> Result<()> {
        let request = Request::<crate::worker::NoHooks>::Hello(hello.clone());
        match self.call(&request, timeout)? {
            Response::Ready { version, .. } if version == PROTOCOL_VERSION => Ok(()),
            Response::Refused(fault) => Err(fault.into()),
            other => Err(SlotError::Protocol(format!(
                "unexpected handshake answer {other:?}"
            ))),
        }
    }

    /// The worker's pid.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// False once the process has exited.
    pub(crate) fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `request` and waits up to `timeout` for the answer. On any error the worker
    /// is unusable (it has been killed when it did not answer); drop it.
    pub(crate) fn call(&mut self, request: &impl Encode, timeout: Duration) -> Result<Response> {
        let deadline = Instant::now() + timeout;
        if let Err(e) = write_frame(&mut self.stdin, request) {
            return Err(self.died(e));
        }
        let mut reader = DeadlineReader::new(self.stdout.as_fd(), deadline);
        match read_frame::<Response>(&mut reader) {
            Ok(Some(response)) => Ok(response),
            Ok(None) => Err(self.died(SlotError::Protocol("end of stream".into()))),
            Err(SlotError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
                let _ = self.child.kill();
                Err(SlotError::WorkerUnresponsive {
                    millis: timeout.as_millis() as u64,
                })
            }
            Err(e) => Err(self.died(e)),
        }
    }

    /// Turns a pipe failure into [`SlotError::WorkerDied`] with the exit status.
    fn died(&mut self, cause: SlotError) -> SlotError {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => SlotError::WorkerDied(format!("pid {} {status} ({cause})", self.pid)),
            Err(_) => SlotError::WorkerDied(format!("pid {} ({cause})", self.pid)),
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        // Closing stdin lets an idle worker exit by itself; kill covers a busy one. Its job
        // child (PR_SET_PDEATHSIG) dies with it.
        let _ = self.child.kill();
        let status = self.child.wait();
        if let Some(retired) = &self.retired {
            retired.inc();
        }
        match status {
            Ok(status) => {
                log::debug!(target: LOG_TARGET, "slot worker pid {} retired ({status})", self.pid)
            }
            Err(e) => log::debug!(target: LOG_TARGET, "slot worker pid {} retired ({e})", self.pid),
        }
    }
}
