//! The worker process: reads requests on stdin, runs each job in a forked, sandboxed
//! child, enforces the wall-clock backstop, and answers on stdout (see
//! [`crate::protocol`]).
//!
//! The worker must be single-threaded (it forks, and the child allocates): call
//! [`run_worker`] first thing in `main`, or in the node's hidden subcommand before any
//! runtime or thread starts.

use std::ffi::OsStr;
use std::io::Write;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

use codec::{Decode, Encode};

use crate::cache::{Template, TemplateCache};
use crate::error::{Result, SlotError, WorkerFault};
use crate::exec::{self, JobResult};
use crate::protocol::{
    read_frame, write_frame, DeadlineReader, Hello, Job, Request, Response, TemplateSource,
    PROTOCOL_VERSION,
};
use crate::sandbox::{self, errno, ChildLimits, SandboxMode};

/// Serves the worker protocol on stdin/stdout until stdin closes, then exits the process
/// (status 0; 1 after a protocol or I/O error, which is printed to stderr).
pub fn run_worker() -> ! {
    let code = match serve() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("concerto-slot-worker: {e}");
            1
        }
    };
    std::process::exit(code)
}

struct Worker {
    sandbox: SandboxMode,
    cache: Option<TemplateCache>,
}

fn serve() -> Result<()> {
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
    let hello: Hello = match read_frame::<Request>(&mut stdin)? {
        Some(Request::Hello(hello)) => hello,
        Some(_) => {
            return Err(SlotError::Protocol(
                "the first request must be Hello".into(),
            ))
        }
        None => return Ok(()),
    };
    if hello.version != PROTOCOL_VERSION {
        return Err(SlotError::Protocol(format!(
            "protocol version {} requested, this worker speaks {PROTOCOL_VERSION}",
            hello.version
        )));
    }
    let worker = Worker {
        sandbox: hello.sandbox,
        cache: hello
            .cache_dir
            .map(|dir| TemplateCache::open(OsStr::from_bytes(&dir)))
            .transpose()?,
    };
    write_frame(
        &mut stdout,
        &Response::Ready {
            version: PROTOCOL_VERSION,
            pid: std::process::id(),
        },
    )?;
    while let Some(request) = read_frame::<Request>(&mut stdin)? {
        let response = match request {
            Request::Hello(_) => return Err(SlotError::Protocol("Hello sent twice".into())),
            Request::Execute { job, limits } => Response::Executed(worker.execute(job, &limits)),
            #[cfg(feature = "test-hooks")]
            Request::TestHook { hook, limits } => Response::Hook(
                in_child(worker.sandbox, &limits, || {
                    crate::hooks::run(&hook).encode()
                })
                .and_then(|bytes| decode::<String>(&bytes)),
            ),
        };
        write_frame(&mut stdout, &response)?;
    }
    Ok(())
}

fn decode<T: Decode>(bytes: &[u8]) -> std::result::Result<T, WorkerFault> {
    concerto_primitives::decode_all(bytes).map_err(|e| WorkerFault::BadChildResult(e.to_string()))
}

impl Worker {
    fn execute(
        &self,
        job: Job,
        limits: &ChildLimits,
    ) -> std::result::Result<JobResult, WorkerFault> {
        let template = match job.template {
            TemplateSource::Inline(elf) => Template::new(elf),
            TemplateSource::Cached(hash) => match &self.cache {
                Some(cache) => cache.load(&hash)?,
                None => return Err(WorkerFault::TemplateNotCached(hash)),
            },
        };
        let bytes = in_child(self.sandbox, limits, || {
            exec::execute(&template, job.config, &job.inputs)
                .map_err(|e| WorkerFault::Internal(e.to_string()))
                .encode()
        })?;
        decode::<std::result::Result<JobResult, WorkerFault>>(&bytes)?
    }
}

/// Forks a child that enters the sandbox and runs `work`, and returns the bytes `work`
/// produced, or the host fault that stopped it.
fn in_child(
    mode: SandboxMode,
    limits: &ChildLimits,
    work: impl FnOnce() -> Vec<u8>,
) -> std::result::Result<Vec<u8>, WorkerFault> {
    let internal = |what: &str| WorkerFault::Internal(format!("{what} failed (errno {})", errno()));
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors we then own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(internal("pipe2"));
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the worker is single-threaded (checked in `serve`), so the child may
    // allocate and run ordinary Rust code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(internal("fork"));
    }
    if pid == 0 {
        drop(read_end);
        child_main(mode, limits, write_end, work)
    }
    drop(write_end);
    let started = Instant::now();
    let wall = Duration::from_millis(limits.wall_millis);
    let mut reader = DeadlineReader::new(read_end.as_fd(), started + wall);
    let report = read_frame::<std::result::Result<Vec<u8>, WorkerFault>>(&mut reader);
    let timed_out =
        matches!(&report, Err(SlotError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut);
    if timed_out {
        // SAFETY: our own child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let (status, cpu) = reap(pid, started + wall + Duration::from_secs(1))?;
    if timed_out {
        return Err(WorkerFault::WallClockTimeout {
            millis: limits.wall_millis,
        });
    }
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        return Err(match signal {
            libc::SIGXCPU => WorkerFault::CpuTimeExceeded {
                secs: limits.cpu_secs,
                signal,
            },
            libc::SIGKILL if cpu >= Duration::from_secs(limits.cpu_secs) => {
                WorkerFault::CpuTimeExceeded {
                    secs: limits.cpu_secs,
                    signal,
                }
            }
            libc::SIGSYS => WorkerFault::SandboxViolation,
            signal => WorkerFault::ChildSignaled(signal),
        });
    }
    let code = libc::WEXITSTATUS(status);
    if code != 0 {
        return Err(WorkerFault::ChildExited(code));
    }
    match report {
        Ok(Some(report)) => report,
        Ok(None) => Err(WorkerFault::BadChildResult("no result".into())),
        Err(e) => Err(WorkerFault::BadChildResult(e.to_string())),
    }
}

/// Waits for the child (killing it at `deadline`); returns its status and CPU time.
fn reap(pid: libc::pid_t, deadline: Instant) -> std::result::Result<(i32, Duration), WorkerFault> {
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value to be overwritten.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waiting for our own child with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if r < 0 && errno() != libc::EINTR {
            return Err(WorkerFault::Internal(format!(
                "wait4 failed (errno {})",
                errno()
            )));
        }
        if Instant::now() >= deadline {
            // SAFETY: our own child; it closed its pipe but did not exit.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok((status, tv(usage.ru_utime) + tv(usage.ru_stime)))
}

/// The job child: enter the sandbox, run `work`, send the frame, `_exit`.
fn child_main(
    mode: SandboxMode,
    limits: &ChildLimits,
    out: OwnedFd,
    work: impl FnOnce() -> Vec<u8>,
) -> ! {
    let keep = std::os::fd::AsRawFd::as_raw_fd(&out);
    let report: std::result::Result<Vec<u8>, WorkerFault> = match sandbox::enter(mode, limits, keep)
    {
        Err(e) => Err(WorkerFault::SandboxSetup(e)),
        Ok(()) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
            .map_err(|_| WorkerFault::Internal("the job panicked".into())),
    };
    let mut file = std::fs::File::from(out);
    let code = match write_frame(&mut file, &report) {
        Ok(()) => 0,
        Err(_) => 3,
    };
    let _ = file.flush();
    // SAFETY: leave without running the worker's destructors or atexit handlers.
    unsafe { libc::_exit(code) }
}
