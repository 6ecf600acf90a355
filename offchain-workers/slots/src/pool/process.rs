//! One worker process as the pool sees it: spawn, handshake, request/response with a
//! backstop, kill on drop.

use std::ffi::OsString;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Result, SlotError};
use crate::protocol::{
    read_frame, write_frame, DeadlineReader, Hello, Request, Response, PROTOCOL_VERSION,
};

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
}

impl WorkerProcess {
    /// Starts `command` with an empty environment and does the handshake.
    pub(crate) fn spawn(
        command: &WorkerCommand,
        hello: &Hello,
        timeout: Duration,
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
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SlotError::Protocol("worker pipes missing".into()));
        };
        let pid = child.id();
        let mut worker = WorkerProcess {
            child,
            stdin,
            stdout,
            pid,
        };
        match worker.call(&Request::Hello(hello.clone()), timeout)? {
            Response::Ready { version, .. } if version == PROTOCOL_VERSION => Ok(worker),
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
    pub(crate) fn call(&mut self, request: &Request, timeout: Duration) -> Result<Response> {
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
        let _ = self.child.wait();
    }
}
