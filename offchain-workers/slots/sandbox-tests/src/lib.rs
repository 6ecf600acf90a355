//! Test hooks for `concerto-slots`: probes that run inside a real worker process (after it
//! entered its own sandbox) or inside a sandboxed job child, served only by this crate's
//! `concerto-slot-test-worker` binary.
//!
//! This crate is test-only (`publish = false`) and no other crate depends on it, so the
//! node's `concerto-slots` has no hook code: its worker serves
//! `concerto_slots::worker::NoHooks`, which decodes from nothing. The integration tests in
//! `tests/it` start pools over `concerto-slot-test-worker` and send these hooks with
//! `SlotPool::run_hook`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use codec::{Decode, Encode};
use concerto_slots::worker::{HookContext, WorkerHook};
use concerto_slots::WorkerFault;

/// What a probe does. Every probe but [`TestHook::InWorker`] and
/// [`TestHook::Descriptors`] runs in a sandboxed job child; each answers a short
/// description of what happened.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum TestHook {
    /// `socket(AF_INET, SOCK_STREAM)`; answers `ok` or `errno N`.
    OpenSocket,
    /// `open(path, O_RDONLY)`; answers `ok` or `errno N`.
    OpenFile(Vec<u8>),
    /// `execve("/bin/true")` (the filter kills the process).
    Exec,
    /// `fork()` through `clone` without `CLONE_THREAD` (the job filter kills the child;
    /// in the worker, the copy exits at once and is reaped); answers `ok` or `errno N`.
    Fork,
    /// Spawns and joins a thread; answers `ok`.
    Thread,
    /// Tries to allocate and touch this many bytes; answers `ok` or `refused`.
    Allocate(u64),
    /// Sleeps (no CPU) for this many milliseconds; answers `ok`.
    Sleep(u64),
    /// Burns CPU forever.
    Spin,
    /// Reports the number of environment variables, e.g. `env 0`.
    CountEnv,
    /// `kill(target, 0)` (a signal-permission check that delivers nothing), where the
    /// target is the parent (`getppid()`), the process itself, or every process (`-1`);
    /// answers `ok` or `errno N`.
    Signal(SignalTarget),
    /// In the worker: duplicates stderr to this descriptor number (raising the soft
    /// `RLIMIT_NOFILE` if needed); then, in a job child, lists the open descriptors below
    /// `max(4096, fd + 1)`, e.g. `open 2 4`; the worker closes the duplicate afterwards.
    Descriptors(i32),
    /// Runs the inner probe in the worker process itself (in the worker's own sandbox)
    /// instead of in a job child.
    InWorker(Box<TestHook>),
}

/// Whom [`TestHook::Signal`] signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum SignalTarget {
    /// The parent process (for a job child: the worker; for the worker: the test).
    Parent,
    /// The process itself.
    Itself,
    /// Every process the caller may signal (`kill(-1, ..)`).
    Everyone,
}

impl WorkerHook for TestHook {
    type Output = String;

    fn serve(self, ctx: &HookContext<'_>) -> Result<String, WorkerFault> {
        match self {
            TestHook::InWorker(probe) => Ok(run(&probe)),
            TestHook::Descriptors(fd) => descriptors(ctx, fd),
            probe => ctx.in_child(move || run(&probe)),
        }
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn outcome(r: libc::c_long) -> String {
    if r < 0 {
        format!("errno {}", errno())
    } else {
        "ok".into()
    }
}

/// Runs `hook` where it is called and describes what happened.
fn run(hook: &TestHook) -> String {
    match hook {
        TestHook::OpenSocket => {
            // SAFETY: plain syscall.
            let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
            if fd >= 0 {
                // SAFETY: our own new descriptor.
                unsafe { libc::close(fd) };
            }
            outcome(fd.into())
        }
        TestHook::OpenFile(path) => match std::fs::File::open(OsStr::from_bytes(path)) {
            Ok(_) => "ok".into(),
            Err(e) => format!("errno {}", e.raw_os_error().unwrap_or(0)),
        },
        TestHook::Exec => {
            let prog = c"/bin/true";
            let argv = [prog.as_ptr(), std::ptr::null()];
            let envp = [std::ptr::null()];
            // SAFETY: NUL-terminated program and null-terminated argv/envp.
            let r = unsafe { libc::execve(prog.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
            outcome(r.into())
        }
        TestHook::Fork => {
            // SAFETY: raw clone with only SIGCHLD (a fork); a copy that got through exits.
            let r = unsafe { libc::syscall(libc::SYS_clone, libc::SIGCHLD, 0, 0, 0, 0) };
            if r == 0 {
                // SAFETY: leave the forked copy at once.
                unsafe { libc::_exit(0) }
            }
            if r > 0 {
                let mut status = 0;
                // SAFETY: reaping the copy we just made.
                unsafe { libc::waitpid(r as libc::pid_t, &mut status, 0) };
            }
            outcome(r)
        }
        TestHook::Thread => match std::thread::spawn(|| 7).join() {
            Ok(7) => "ok".into(),
            _ => "thread failed".into(),
        },
        TestHook::Allocate(bytes) => {
            let mut v: Vec<u8> = Vec::new();
            match v.try_reserve_exact(*bytes as usize) {
                Ok(()) => {
                    v.resize(*bytes as usize, 1);
                    format!(
                        "ok {}",
                        v.iter().step_by(4096).map(|&b| u64::from(b)).sum::<u64>()
                    )
                }
                Err(_) => "refused".into(),
            }
        }
        TestHook::Sleep(millis) => {
            std::thread::sleep(Duration::from_millis(*millis));
            "ok".into()
        }
        TestHook::Spin => {
            let mut x = 0u64;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        TestHook::CountEnv => format!("env {}", std::env::vars_os().count()),
        TestHook::Signal(target) => {
            let pid = match target {
                SignalTarget::Parent => std::os::unix::process::parent_id() as libc::pid_t,
                SignalTarget::Itself => std::process::id() as libc::pid_t,
                SignalTarget::Everyone => -1,
            };
            // SAFETY: signal 0 only checks permission; nothing is delivered.
            let r = unsafe { libc::kill(pid, 0) };
            outcome(r.into())
        }
        TestHook::Descriptors(_) => "descriptors runs in the worker and a child".into(),
        TestHook::InWorker(_) => "nested in-worker probes are not supported".into(),
    }
}

/// [`TestHook::Descriptors`]: a high descriptor in the worker must not reach the child.
fn descriptors(ctx: &HookContext<'_>, fd: i32) -> Result<String, WorkerFault> {
    let internal = |what: &str| WorkerFault::Internal(format!("{what} failed (errno {})", errno()));
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: reading and raising our own limit with a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(internal("getrlimit"));
        }
        let wanted = fd as libc::rlim_t + 1;
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(internal("setrlimit"));
            }
        }
        if libc::dup2(2, fd) != fd {
            return Err(internal("dup2"));
        }
    }
    let scan = fd.saturating_add(1).max(4096);
    let listed = ctx.in_child(move || {
        let is_open = |fd| {
            // SAFETY: F_GETFD only reads the descriptor flags.
            unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
        };
        let open: Vec<String> = (0..scan)
            .filter(|&fd| is_open(fd))
            .map(|fd| fd.to_string())
            .collect();
        format!("open {}", open.join(" "))
    });
    // SAFETY: the duplicate made above; nothing else uses it.
    unsafe { libc::close(fd) };
    listed
}
