//! The worker process: reads requests on stdin, runs each job in a forked, sandboxed
//! child, enforces the wall-clock backstop, and answers on stdout (see
//! [`crate::protocol`]).
//!
//! The worker must be single-threaded (it forks, and the child allocates): call
//! [`run_worker`] first thing in `main`, or in the node's hidden subcommand before any
//! runtime or thread starts. It answers a probe request with what this kernel's sandbox
//! supports, and after the handshake enters its own sandbox (Landlock: read access to the
//! template cache only; seccomp: no network, no exec) before it serves any job.
//!
//! The request handling is generic over a [`WorkerHook`] type: [`run_worker`] uses
//! [`NoHooks`], so the node's worker has no hook code and cannot decode a hook request.
//! Test crates build their own worker binary with [`run_worker_with`] and a hook type of
//! their own, which runs probes inside the worker and inside sandboxed job children.

use std::ffi::OsStr;
use std::fmt::Debug;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, Instant};

use codec::{Decode, DecodeAll, Encode};
use concerto_exec::{ExecError, NextState, StartState};
use concerto_primitives::MachineLimits;
use nix::fcntl::OFlag;
use nix::sys::resource::{getrusage, UsageWho};
use nix::sys::signal::{kill, Signal};
use nix::sys::time::TimeValLike;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

use crate::cache::{Template, TemplateCache};
use crate::error::{Result, SlotError, WorkerFault};
pub use crate::protocol::NoHooks;
use crate::protocol::{
    read_frame, write_frame, DeadlineReader, Hello, Job, JobDone, JobState, Request, Response,
    TemplateSource, PROTOCOL_VERSION,
};
use crate::sandbox::{self, ChildLimits, Filters, SandboxMode};

/// Extra requests a worker serves: test probes run inside the worker (after it entered
/// its sandbox) or inside a sandboxed job child. Only test workers have a real hook type;
/// the node's uses [`NoHooks`].
pub trait WorkerHook: Encode + Decode + Debug {
    /// What the hook answers.
    type Output: Encode + Decode;

    /// Runs the hook in the worker; `ctx` runs code in a sandboxed job child.
    fn serve(self, ctx: &HookContext<'_>) -> std::result::Result<Self::Output, WorkerFault>;
}

impl WorkerHook for NoHooks {
    type Output = NoHooks;

    fn serve(self, _ctx: &HookContext<'_>) -> std::result::Result<NoHooks, WorkerFault> {
        match self {}
    }
}

/// What a [`WorkerHook`] can use inside the worker.
pub struct HookContext<'a> {
    worker: &'a Worker,
    limits: ChildLimits,
}

impl std::fmt::Debug for HookContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookContext")
            .field("sandbox", &self.worker.sandbox)
            .field("cache_dir", &self.cache_dir())
            .field("limits", &self.limits)
            .finish()
    }
}

impl HookContext<'_> {
    /// Forks a job child that enters the job sandbox (with the request's limits), runs
    /// `work` there and returns its result, or the host fault that stopped it (exactly as
    /// for a job: wall-clock, CPU time, a seccomp kill, ...).
    pub fn in_child<T: Encode + Decode>(
        &self,
        work: impl FnOnce() -> T,
    ) -> std::result::Result<T, WorkerFault> {
        let bytes = self.worker.in_child(&self.limits, || work().encode())?;
        decode(&bytes)
    }

    /// The sandbox the worker and its job children are in.
    pub fn sandbox_mode(&self) -> SandboxMode {
        self.worker.sandbox
    }

    /// The template cache directory, if the pool has one.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.worker.cache.as_ref().map(TemplateCache::dir)
    }

    /// The limits the request carried.
    pub fn limits(&self) -> &ChildLimits {
        &self.limits
    }
}

/// Serves the worker protocol on stdin/stdout until stdin closes, then exits the process
/// (status 0; 1 after a protocol or I/O error, which is printed to stderr). Serves no
/// hooks.
pub fn run_worker() -> ! {
    run_worker_with::<NoHooks>()
}

/// [`run_worker`] for a worker that also serves the hooks `H` (test workers only).
pub fn run_worker_with<H: WorkerHook>() -> ! {
    let code = match serve::<H>() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("concerto-slot-worker: {e}");
            1
        }
    };
    std::process::exit(code)
}

/// The worker's state after the handshake.
struct Worker {
    sandbox: SandboxMode,
    cache: Option<TemplateCache>,
    /// The job child's seccomp filters, compiled once.
    filters: Option<Filters>,
    pid: Pid,
}

fn serve<H: WorkerHook>() -> Result<()> {
    let threads = std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(1);
    if threads > 1 {
        return Err(SlotError::Protocol(format!(
            "the worker must be single-threaded, found {threads} threads"
        )));
    }
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let hello = loop {
        match read_frame::<Request<H>>(&mut stdin)? {
            Some(Request::Probe) => {
                write_frame(&mut stdout, &Response::Probed(sandbox::probe_sandbox()))?
            }
            Some(Request::Hello(hello)) => break hello,
            Some(_) => {
                return Err(SlotError::Protocol(
                    "the first request must be Probe or Hello".into(),
                ))
            }
            None => return Ok(()),
        }
    };
    if hello.version != PROTOCOL_VERSION {
        return Err(SlotError::Protocol(format!(
            "protocol version {} requested, this worker speaks {PROTOCOL_VERSION}",
            hello.version
        )));
    }
    let worker = match Worker::enter(hello) {
        Ok(worker) => worker,
        Err(fault) => {
            write_frame(&mut stdout, &Response::Refused(fault.clone()))?;
            return Err(fault.into());
        }
    };
    write_frame(
        &mut stdout,
        &Response::Ready {
            version: PROTOCOL_VERSION,
            pid: std::process::id(),
        },
    )?;
    while let Some(request) = read_frame::<Request<H>>(&mut stdin)? {
        let response = match request {
            Request::Hello(_) => return Err(SlotError::Protocol("Hello sent twice".into())),
            Request::Probe => {
                return Err(SlotError::Protocol(
                    "Probe after Hello (the worker is sandboxed)".into(),
                ))
            }
            Request::Execute { job, limits } => Response::Executed(worker.execute(job, &limits)),
            Request::Hook { hook, limits } => {
                let ctx = HookContext {
                    worker: &worker,
                    limits,
                };
                Response::Hook(hook.serve(&ctx).map(|output| output.encode()))
            }
        };
        write_frame(&mut stdout, &response)?;
    }
    Ok(())
}

fn decode<T: Decode>(bytes: &[u8]) -> std::result::Result<T, WorkerFault> {
    T::decode_all(&mut &bytes[..]).map_err(|e| WorkerFault::BadChildResult(e.to_string()))
}

fn internal(what: &str) -> impl FnOnce(nix::Error) -> WorkerFault + '_ {
    move |e| WorkerFault::Internal(format!("{what} failed: {e}"))
}

fn cpu_time_of_children() -> std::result::Result<Duration, WorkerFault> {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(internal("getrusage"))?;
    let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    Ok(Duration::from_micros(micros.max(0) as u64))
}

impl Worker {
    /// Opens the cache, compiles the job filters and enters the worker's own sandbox.
    fn enter(hello: Hello) -> std::result::Result<Worker, WorkerFault> {
        let cache = hello
            .cache_dir
            .map(|dir| TemplateCache::open(OsStr::from_bytes(&dir)))
            .transpose()
            .map_err(|e| WorkerFault::Internal(e.to_string()))?;
        let setup = |e: sandbox::SandboxError| WorkerFault::SandboxSetup(e.to_string());
        let filters = if hello.sandbox.seccomp {
            Some(sandbox::job_filters().map_err(setup)?)
        } else {
            None
        };
        sandbox::restrict_worker(hello.sandbox, cache.as_ref().map(TemplateCache::dir))
            .map_err(|e| WorkerFault::SandboxSetup(format!("worker: {e}")))?;
        Ok(Worker {
            sandbox: hello.sandbox,
            cache,
            filters,
            pid: nix::unistd::getpid(),
        })
    }

    fn execute(&self, job: Job, limits: &ChildLimits) -> std::result::Result<JobDone, WorkerFault> {
        let Job {
            template,
            limits: machine,
            inputs,
            state,
        } = job;
        let template = match template {
            TemplateSource::Inline(elf) => Template::new(elf),
            TemplateSource::Cached(hash) => match &self.cache {
                Some(cache) => cache.load(&hash)?,
                None => return Err(WorkerFault::TemplateNotCached(hash)),
            },
        };
        let bytes = self.in_child(limits, || {
            run_job(&template, machine, &inputs, &state).encode()
        })?;
        decode::<std::result::Result<JobDone, WorkerFault>>(&bytes)?
    }

    /// Forks a child that enters the sandbox and runs `work`, and returns the bytes
    /// `work` produced, or the host fault that stopped it.
    fn in_child(
        &self,
        limits: &ChildLimits,
        work: impl FnOnce() -> Vec<u8>,
    ) -> std::result::Result<Vec<u8>, WorkerFault> {
        let (read_end, write_end) =
            nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(internal("pipe2"))?;
        let cpu_before = cpu_time_of_children()?;
        // SAFETY: the worker is single-threaded (checked in `serve`), so the child may
        // allocate and run ordinary Rust code; it never returns from `child_main`.
        let child = match unsafe { fork() }.map_err(internal("fork"))? {
            ForkResult::Child => {
                drop(read_end);
                self.child_main(limits, write_end, work)
            }
            ForkResult::Parent { child } => child,
        };
        drop(write_end);
        let started = Instant::now();
        let wall = Duration::from_millis(limits.wall_millis);
        let mut reader = DeadlineReader::new(read_end.as_fd(), started + wall);
        let report = read_frame::<std::result::Result<Vec<u8>, WorkerFault>>(&mut reader);
        let timed_out =
            matches!(&report, Err(SlotError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut);
        if timed_out {
            let _ = kill(child, Signal::SIGKILL);
        }
        let status = reap(child, started + wall + Duration::from_secs(1))?;
        let cpu = cpu_time_of_children()?.saturating_sub(cpu_before);
        if timed_out {
            return Err(WorkerFault::WallClockTimeout {
                millis: limits.wall_millis,
            });
        }
        match status {
            WaitStatus::Signaled(_, signal, _) => {
                let number = signal as i32;
                return Err(match signal {
                    Signal::SIGXCPU => WorkerFault::CpuTimeExceeded {
                        secs: limits.cpu_secs,
                        signal: number,
                    },
                    Signal::SIGKILL if cpu >= Duration::from_secs(limits.cpu_secs) => {
                        WorkerFault::CpuTimeExceeded {
                            secs: limits.cpu_secs,
                            signal: number,
                        }
                    }
                    Signal::SIGSYS => WorkerFault::SandboxViolation,
                    _ => WorkerFault::ChildSignaled(number),
                });
            }
            WaitStatus::Exited(_, 0) => {}
            WaitStatus::Exited(_, code) => return Err(WorkerFault::ChildExited(code)),
            other => {
                return Err(WorkerFault::Internal(format!(
                    "unexpected child status {other:?}"
                )))
            }
        }
        match report {
            Ok(Some(report)) => report,
            Ok(None) => Err(WorkerFault::BadChildResult("no result".into())),
            Err(e) => Err(WorkerFault::BadChildResult(e.to_string())),
        }
    }

    /// The job child: enter the sandbox, run `work`, send the frame, exit.
    fn child_main(&self, limits: &ChildLimits, out: OwnedFd, work: impl FnOnce() -> Vec<u8>) -> ! {
        let entered = sandbox::enter_job_child(
            self.sandbox,
            limits,
            out.as_raw_fd(),
            self.pid,
            self.filters.as_ref(),
        );
        let report: std::result::Result<Vec<u8>, WorkerFault> = match entered {
            Err(e) => Err(WorkerFault::SandboxSetup(e.to_string())),
            Ok(()) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map_err(|_| WorkerFault::Internal("the job panicked".into())),
        };
        let mut file = std::fs::File::from(out);
        let code = match write_frame(&mut file, &report) {
            Ok(()) => 0,
            Err(_) => 3,
        };
        let _ = file.flush();
        // Leaves without unwinding into the worker's frames (their destructors would
        // touch state the child shares with its parent, e.g. the worker's pipes).
        std::process::exit(code)
    }
}

/// Runs a job in the job child (stateless, or from its start state).
fn run_job(
    template: &Template,
    machine: MachineLimits,
    inputs: &[Vec<u8>],
    state: &JobState,
) -> std::result::Result<JobDone, WorkerFault> {
    let start = match state {
        JobState::Stateless => {
            return concerto_exec::execute(template, machine, inputs)
                .map(|result| JobDone {
                    result,
                    next_state: None,
                })
                .map_err(|e| WorkerFault::Internal(e.to_string()));
        }
        JobState::Fresh => StartState::Fresh,
        JobState::Snapshot(bytes) => StartState::Snapshot(bytes),
    };
    match concerto_exec::execute_stateful(template, machine, start, inputs) {
        Ok(run) => Ok(JobDone {
            result: run.result,
            next_state: match run.next {
                NextState::Snapshot(bytes) => Some(bytes),
                NextState::Unchanged => None,
            },
        }),
        Err(e @ (ExecError::Snapshot(_) | ExecError::NotResumable)) => {
            Err(WorkerFault::BadStartState(e.to_string()))
        }
        Err(e) => Err(WorkerFault::Internal(e.to_string())),
    }
}

/// Waits for the child (killing it at `deadline`) and returns how it ended.
fn reap(child: Pid, deadline: Instant) -> std::result::Result<WaitStatus, WorkerFault> {
    loop {
        match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => {}
            Ok(status @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => return Ok(status),
            // Stopped/continued: not an end; keep waiting. (A child killed by a signal nix
            // has no name for, e.g. a real-time one, comes back as an error: a host fault.)
            Ok(_) | Err(nix::Error::EINTR) => {}
            Err(e) => return Err(internal("waitpid")(e)),
        }
        if Instant::now() >= deadline {
            // Our own child; it closed its pipe but did not exit.
            let _ = kill(child, Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}
