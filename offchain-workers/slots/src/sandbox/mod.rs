//! The job child's sandbox: cleared environment, closed descriptors, resource limits
//! (address space, CPU time, no core files, few descriptors), Landlock (no filesystem,
//! no TCP, no signals outside) and a seccomp filter (no network, no exec, no new
//! processes). [`probe_sandbox`] tries the real thing in a throwaway child at pool start.

mod landlock;
mod seccomp;

use codec::{Decode, Encode};

pub(crate) use seccomp::errno;

extern "C" {
    /// glibc and musl: empties the environment (not exported by the `libc` crate).
    fn clearenv() -> libc::c_int;
}

/// What the child enters (decided by the pool from the probe and its policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SandboxMode {
    /// Install the seccomp filter.
    pub seccomp: bool,
    /// Apply Landlock with this ABI.
    pub landlock: Option<u32>,
}

/// Host limits of one job's child, computed by the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ChildLimits {
    /// RLIMIT_CPU soft limit in seconds (SIGXCPU; the hard limit is one second later).
    pub cpu_secs: u64,
    /// Wall-clock backstop in milliseconds (the worker kills the child).
    pub wall_millis: u64,
    /// RLIMIT_AS in bytes.
    pub address_space: u64,
}

/// A sandbox feature the pool may require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxFeature {
    /// The seccomp filter.
    Seccomp,
    /// Landlock.
    Landlock,
}

/// What [`probe_sandbox`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxReport {
    /// The filter installed in a test child and `socket(2)` then failed with `EACCES`.
    pub seccomp: bool,
    /// Why not, when `seccomp` is false.
    pub seccomp_error: Option<String>,
    /// The Landlock ABI, when a test child restricted itself and could then not open `/`.
    pub landlock: Option<u32>,
    /// Why not, when `landlock` is `None`.
    pub landlock_error: Option<String>,
}

impl SandboxReport {
    /// The features that are missing, with the reason, as `(feature, reason)`.
    pub fn missing(&self) -> Vec<(SandboxFeature, String)> {
        let mut missing = Vec::new();
        if !self.seccomp {
            let why = self.seccomp_error.clone().unwrap_or_default();
            missing.push((SandboxFeature::Seccomp, why));
        }
        if self.landlock.is_none() {
            let why = self.landlock_error.clone().unwrap_or_default();
            missing.push((SandboxFeature::Landlock, why));
        }
        missing
    }

    /// Marks `feature` as missing (for tests of the refusal path and for operators who
    /// want to turn a feature off).
    pub fn without(mut self, feature: SandboxFeature) -> SandboxReport {
        match feature {
            SandboxFeature::Seccomp => {
                self.seccomp = false;
                self.seccomp_error = Some("disabled by configuration".into());
            }
            SandboxFeature::Landlock => {
                self.landlock = None;
                self.landlock_error = Some("disabled by configuration".into());
            }
        }
        self
    }

    /// The mode that applies everything available.
    pub fn mode(&self) -> SandboxMode {
        SandboxMode {
            seccomp: self.seccomp,
            landlock: self.landlock,
        }
    }
}

/// Runs `test` in a forked child (raw syscalls only) and returns its exit code.
fn in_probe_child(test: impl FnOnce() -> i32) -> Result<i32, String> {
    // SAFETY: fork; the child runs only async-signal-safe raw syscalls and `_exit`.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork failed (errno {})", errno()));
    }
    if pid == 0 {
        let code = test();
        // SAFETY: leave the child without running the parent's destructors or atexit.
        unsafe { libc::_exit(code) }
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    if unsafe { libc::waitpid(pid, &mut status, 0) } != pid {
        return Err(format!("waitpid failed (errno {})", errno()));
    }
    if libc::WIFEXITED(status) {
        Ok(libc::WEXITSTATUS(status))
    } else {
        Err(format!("probe child died (status {status:#x})"))
    }
}

fn probe_seccomp() -> Result<(), String> {
    let filter = seccomp::filter().ok_or("no filter for this architecture")?;
    let code = in_probe_child(|| {
        if filter.install().is_err() {
            return 2;
        }
        // SAFETY: a raw syscall that must be refused.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
        match (fd, errno()) {
            (-1, libc::EACCES) => 0,
            _ => 3,
        }
    })?;
    match code {
        0 => Ok(()),
        2 => Err("the kernel refused the filter (CONFIG_SECCOMP_FILTER off?)".into()),
        _ => Err("socket(2) still worked under the filter".into()),
    }
}

fn probe_landlock() -> Result<u32, String> {
    let abi = landlock::abi().map_err(|e| match e {
        libc::ENOSYS => "not built into this kernel (ENOSYS)".to_string(),
        libc::EOPNOTSUPP => "disabled at boot (add `landlock` to the lsm= kernel parameter)".into(),
        e => format!("version query failed (errno {e})"),
    })?;
    let code = in_probe_child(|| {
        if landlock::restrict_self(abi).is_err() {
            return 2;
        }
        let root = c"/".as_ptr();
        // SAFETY: a raw open that must be refused.
        let fd = unsafe { libc::open(root, libc::O_RDONLY | libc::O_DIRECTORY) };
        match (fd, errno()) {
            (-1, libc::EACCES) => 0,
            _ => 3,
        }
    })?;
    match code {
        0 => Ok(abi),
        2 => Err(format!("restricting a process failed (ABI {abi})")),
        _ => Err(format!(
            "opening / still worked under the ruleset (ABI {abi})"
        )),
    }
}

/// Probes what this kernel supports by entering each feature in a throwaway child.
pub fn probe_sandbox() -> SandboxReport {
    let (seccomp, seccomp_error) = match probe_seccomp() {
        Ok(()) => (true, None),
        Err(e) => (false, Some(e)),
    };
    let (landlock, landlock_error) = match probe_landlock() {
        Ok(abi) => (Some(abi), None),
        Err(e) => (None, Some(e)),
    };
    SandboxReport {
        seccomp,
        seccomp_error,
        landlock,
        landlock_error,
    }
}

fn set_limit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> Result<(), String> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit with a valid struct.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(format!("setrlimit({resource}) failed (errno {})", errno()));
    }
    Ok(())
}

/// Enters the sandbox in a freshly forked job child of the single-threaded worker:
/// dies with the worker, clears the environment, closes every descriptor but stderr and
/// `keep_fd`, sets the limits, then Landlock and seccomp as `mode` says.
pub(crate) fn enter(mode: SandboxMode, limits: &ChildLimits, keep_fd: i32) -> Result<(), String> {
    // SAFETY: plain syscalls and libc calls on our own process; the process has one
    // thread, so clearenv cannot race with another reader of the environment.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
            return Err(format!("PR_SET_PDEATHSIG failed (errno {})", errno()));
        }
        if libc::getppid() == 1 {
            return Err("the worker is gone".into());
        }
        clearenv();
        libc::close(0);
        libc::close(1);
        for fd in 3..1024 {
            if fd != keep_fd {
                libc::close(fd);
            }
        }
    }
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    set_limit(libc::RLIMIT_NOFILE, 64, 64)?;
    set_limit(libc::RLIMIT_AS, limits.address_space, limits.address_space)?;
    set_limit(
        libc::RLIMIT_CPU,
        limits.cpu_secs,
        limits.cpu_secs.saturating_add(1),
    )?;
    if let Some(abi) = mode.landlock {
        landlock::restrict_self(abi)
            .map_err(|e| format!("landlock (ABI {abi}) failed (errno {e})"))?;
    }
    if mode.seccomp {
        let filter = seccomp::filter().ok_or("no seccomp filter for this architecture")?;
        filter
            .install()
            .map_err(|e| format!("installing the seccomp filter failed (errno {e})"))?;
    }
    Ok(())
}
