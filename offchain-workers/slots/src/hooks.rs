//! Test-only probes run inside the sandboxed job child (feature `test-hooks`).
//!
//! They exist so tests can check the sandbox from the inside with real processes. The
//! feature must never be enabled in the node: without it, [`TestHook`] and the request
//! that carries it do not exist, so no input can reach this code.

use std::time::Duration;

use codec::{Decode, Encode};

use crate::sandbox::errno;

/// What the child does.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum TestHook {
    /// `socket(AF_INET, SOCK_STREAM)`; answers `ok` or `errno N`.
    OpenSocket,
    /// `open(path, O_RDONLY)`; answers `ok` or `errno N`.
    OpenFile(Vec<u8>),
    /// `execve("/bin/true")` (the filter kills the child).
    Exec,
    /// `fork()` through `clone` without `CLONE_THREAD` (the filter kills the child).
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
}

fn outcome(r: libc::c_long) -> String {
    if r < 0 {
        format!("errno {}", errno())
    } else {
        "ok".into()
    }
}

/// Runs `hook` in the child and describes what happened.
pub(crate) fn run(hook: &TestHook) -> String {
    match hook {
        TestHook::OpenSocket => {
            // SAFETY: plain syscall.
            let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
            outcome(fd.into())
        }
        TestHook::OpenFile(path) => {
            let mut c = path.clone();
            c.push(0);
            // SAFETY: `c` is NUL-terminated.
            let fd = unsafe { libc::open(c.as_ptr().cast(), libc::O_RDONLY) };
            outcome(fd.into())
        }
        TestHook::Exec => {
            let prog = c"/bin/true";
            let argv = [prog.as_ptr(), std::ptr::null()];
            let envp = [std::ptr::null()];
            // SAFETY: NUL-terminated program and null-terminated argv/envp.
            let r = unsafe { libc::execve(prog.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
            outcome(r.into())
        }
        TestHook::Fork => {
            // SAFETY: raw clone with only SIGCHLD (a fork); a child that got through exits.
            let r = unsafe { libc::syscall(libc::SYS_clone, libc::SIGCHLD, 0, 0, 0, 0) };
            if r == 0 {
                // SAFETY: leave the forked copy at once.
                unsafe { libc::_exit(0) }
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
    }
}
