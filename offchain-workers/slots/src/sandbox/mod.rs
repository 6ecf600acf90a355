//! The sandboxes: the worker's own (entered once, after the handshake) and the job
//! child's (entered after every `fork`).
//!
//! - The **job child**: dies with the worker, cleared environment, every inherited
//!   descriptor closed but stderr and its result pipe (`close_range(2)`), resource limits
//!   (address space, CPU time, no core files, few descriptors), Landlock with no
//!   filesystem access at all ([`LANDLOCK_ABI_VERSION`]) and the job child's seccomp
//!   filters (no network: `EACCES`; exec, ptrace, new processes, mounts, namespaces,
//!   kernel modules, bpf, io_uring, ...: killed; `clone3`: `ENOSYS`; signals to other
//!   processes: `EPERM`).
//! - The **worker**: Landlock with read access beneath the template cache directory and
//!   nothing else, and seccomp without network, exec or the other fatal syscalls; it can
//!   still fork its job children.
//!
//! What the kernel supports is found by the worker's probe ([`crate::pool::probe_sandbox`]
//! asks a spawned worker, which tries each feature in a throwaway child of its own): the
//! node process never forks.

mod landlock;
mod seccomp;

use std::os::fd::RawFd;
use std::path::Path;

use codec::{Decode, Encode};
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

pub use self::landlock::LANDLOCK_ABI_VERSION;
pub(crate) use seccomp::{Filters, Profile};

/// What the worker and every job child enter (decided by the pool from the worker's probe
/// and its policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SandboxMode {
    /// Install the seccomp filters.
    pub seccomp: bool,
    /// Apply Landlock with this ABI (always [`LANDLOCK_ABI_VERSION`] when set; a worker
    /// refuses any other).
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum SandboxFeature {
    /// The seccomp filters.
    Seccomp,
    /// Landlock.
    Landlock,
}

impl SandboxFeature {
    /// The feature's name in messages (`seccomp`, `landlock`).
    pub fn name(self) -> &'static str {
        match self {
            SandboxFeature::Seccomp => "seccomp",
            SandboxFeature::Landlock => "landlock",
        }
    }
}

/// What a worker's probe found (travels over the worker protocol).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SandboxReport {
    /// The job child's filters installed in a test child and `socket(2)` then failed with
    /// `EACCES`.
    pub seccomp: bool,
    /// Why not, when `seccomp` is false.
    pub seccomp_error: Option<String>,
    /// [`LANDLOCK_ABI_VERSION`], when a test child restricted itself with that ABI fully
    /// enforced and could then not open `/`.
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

/// Why a process could not enter its sandbox (inside the worker; it reaches the pool as
/// [`crate::WorkerFault::SandboxSetup`]).
#[derive(Debug, thiserror::Error)]
pub(crate) enum SandboxError {
    /// `seccompiler` could not compile or install a filter.
    #[error("seccomp: {0}")]
    Seccomp(#[from] seccompiler::Error),
    /// `seccompiler` refused a rule.
    #[error("seccomp rule: {0}")]
    SeccompRule(#[from] seccompiler::BackendError),
    /// The Landlock ruleset could not be built or applied.
    #[error("landlock: {0}")]
    Landlock(#[from] ::landlock::RulesetError),
    /// The directory a Landlock rule names could not be opened.
    #[error("landlock: {0}")]
    LandlockPath(#[from] ::landlock::PathFdError),
    /// The kernel did not fully enforce the ruleset.
    #[error("landlock ABI {LANDLOCK_ABI_VERSION} is not fully enforced by this kernel ({0:?})")]
    LandlockNotEnforced(::landlock::RulesetStatus),
    /// The mode asks for a Landlock ABI this worker does not implement.
    #[error("landlock ABI {0} requested, this worker implements {LANDLOCK_ABI_VERSION}")]
    LandlockAbi(u32),
    /// A system call failed.
    #[error("{what} failed: {source}")]
    Sys {
        /// The call.
        what: &'static str,
        /// Its errno.
        source: nix::Error,
    },
    /// The job child's parent is no longer the worker that forked it.
    #[error("the worker is gone")]
    WorkerGone,
}

fn sys(what: &'static str) -> impl FnOnce(nix::Error) -> SandboxError {
    move |source| SandboxError::Sys { what, source }
}

fn check_abi(mode: SandboxMode) -> Result<bool, SandboxError> {
    match mode.landlock {
        None => Ok(false),
        Some(LANDLOCK_ABI_VERSION) => Ok(true),
        Some(other) => Err(SandboxError::LandlockAbi(other)),
    }
}

/// The worker restricts itself (after the handshake, before serving any job): Landlock
/// read-only access beneath `cache_dir` and nothing else, then the worker's seccomp
/// profile, as far as `mode` says.
pub(crate) fn restrict_worker(
    mode: SandboxMode,
    cache_dir: Option<&Path>,
) -> Result<(), SandboxError> {
    if check_abi(mode)? {
        landlock::restrict_worker(cache_dir)?;
    }
    if mode.seccomp {
        seccomp::filters(Profile::Worker)?.install()?;
    }
    Ok(())
}

/// Closes every descriptor of the calling process but stderr and `keep` (which must be
/// above 2) with `close_range(2)`: also the ones above any limit, and whatever the worker
/// had open when it forked.
fn close_inherited(keep: RawFd) -> Result<(), SandboxError> {
    let keep = u32::try_from(keep)
        .ok()
        .filter(|&fd| fd > 2)
        .ok_or(SandboxError::Sys {
            what: "keeping the result pipe",
            source: nix::Error::EBADF,
        })?;
    close_range(0, 1)?;
    if keep > 3 {
        close_range(3, keep - 1)?;
    }
    close_range(keep + 1, u32::MAX)
}

/// `close_range(first, last, 0)`; on kernels before 5.9 (no `close_range`), one `close`
/// per descriptor up to the hard `RLIMIT_NOFILE`.
fn close_range(first: u32, last: u32) -> Result<(), SandboxError> {
    // SAFETY: close_range(2) takes no pointers and only closes descriptors. It runs in the
    // job child between `fork` and its exit, and the child never returns into the
    // worker's code: the owners of the closed descriptors (the worker's stdin/stdout and
    // whatever its frames held at the fork) are never used or dropped in this process
    // again, so no Rust object uses a closed (or reused) descriptor.
    let r = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) };
    if r == 0 {
        return Ok(());
    }
    let errno = nix::Error::last();
    if errno != nix::Error::ENOSYS {
        return Err(sys("close_range")(errno));
    }
    let (_, hard) = nix::sys::resource::getrlimit(Resource::RLIMIT_NOFILE)
        .map_err(sys("getrlimit(RLIMIT_NOFILE)"))?;
    let end = hard.min(u64::from(last).saturating_add(1)).min(1 << 20);
    for fd in u64::from(first)..end {
        // SAFETY: as above; closing a descriptor that is not open is harmless (EBADF).
        unsafe { libc::close(fd as libc::c_int) };
    }
    Ok(())
}

fn clear_environment() {
    // The child is single-threaded (forked from the single-threaded worker), so nothing
    // reads the environment concurrently.
    for (key, _) in std::env::vars_os() {
        std::env::remove_var(key);
    }
}

/// Enters the sandbox in a freshly forked job child of the single-threaded worker
/// `worker`: dies with the worker, clears the environment, closes every descriptor but
/// stderr and `keep_fd`, sets the limits, then Landlock and seccomp (`filters`, compiled
/// by the worker, and the child's own signal filter) as `mode` says.
pub(crate) fn enter_job_child(
    mode: SandboxMode,
    limits: &ChildLimits,
    keep_fd: RawFd,
    worker: Pid,
    filters: Option<&Filters>,
) -> Result<(), SandboxError> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(sys("PR_SET_PDEATHSIG"))?;
    if nix::unistd::getppid() != worker {
        return Err(SandboxError::WorkerGone);
    }
    clear_environment();
    close_inherited(keep_fd)?;
    let limit = |resource, soft, hard, what| setrlimit(resource, soft, hard).map_err(sys(what));
    limit(Resource::RLIMIT_CORE, 0, 0, "setrlimit(RLIMIT_CORE)")?;
    limit(Resource::RLIMIT_NOFILE, 64, 64, "setrlimit(RLIMIT_NOFILE)")?;
    limit(
        Resource::RLIMIT_AS,
        limits.address_space,
        limits.address_space,
        "setrlimit(RLIMIT_AS)",
    )?;
    limit(
        Resource::RLIMIT_CPU,
        limits.cpu_secs,
        limits.cpu_secs.saturating_add(1),
        "setrlimit(RLIMIT_CPU)",
    )?;
    if check_abi(mode)? {
        landlock::restrict_job_child()?;
    }
    if mode.seccomp {
        let signals = seccomp::signals(std::process::id())?;
        match filters {
            Some(filters) => filters.install()?,
            None => seccomp::filters(Profile::JobChild)?.install()?,
        }
        seccomp::install(&signals)?;
    }
    Ok(())
}

/// Compiles the job child's filters (the worker does this once, before forking).
pub(crate) fn job_filters() -> Result<Filters, SandboxError> {
    seccomp::filters(Profile::JobChild)
}

/// Runs `test` in a forked child of this (single-threaded) process and returns its exit
/// code.
fn in_probe_child(test: impl FnOnce() -> i32) -> Result<i32, String> {
    // SAFETY: only the single-threaded worker probes (checked before its handshake), so
    // the child may allocate and run ordinary Rust code; it leaves with `exit`.
    match unsafe { fork() } {
        Err(e) => Err(format!("fork failed: {e}")),
        Ok(ForkResult::Child) => std::process::exit(test()),
        Ok(ForkResult::Parent { child }) => loop {
            match waitpid(child, None) {
                Ok(WaitStatus::Exited(_, code)) => return Ok(code),
                Ok(status) => return Err(format!("probe child ended with {status:?}")),
                Err(nix::Error::EINTR) => continue,
                Err(e) => return Err(format!("waitpid failed: {e}")),
            }
        },
    }
}

fn probe_seccomp() -> Result<(), String> {
    let filters = job_filters().map_err(|e| format!("no filter for this host: {e}"))?;
    let code = in_probe_child(|| {
        let signals = match seccomp::signals(std::process::id()) {
            Ok(signals) => signals,
            Err(_) => return 2,
        };
        if filters.install().is_err() || seccomp::install(&signals).is_err() {
            return 2;
        }
        match std::net::UdpSocket::bind(("127.0.0.1", 0)) {
            Err(e) if e.raw_os_error() == Some(libc::EACCES) => 0,
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
    use ::landlock::RulesetStatus;
    let code = in_probe_child(|| match landlock::probe_restrict() {
        Ok(RulesetStatus::FullyEnforced) => match std::fs::File::open("/") {
            Err(e) if e.raw_os_error() == Some(libc::EACCES) => 0,
            _ => 5,
        },
        Ok(RulesetStatus::PartiallyEnforced) => 3,
        Ok(RulesetStatus::NotEnforced) => 2,
        Err(_) => 4,
    })?;
    let abi = LANDLOCK_ABI_VERSION;
    match code {
        0 => Ok(abi),
        2 => Err(
            "not supported by this kernel (not built in, or missing from the lsm= \
                  kernel parameter)"
                .into(),
        ),
        3 => Err(format!(
            "this kernel's Landlock is older than ABI {abi} (Linux 6.2): it would leave \
             truncate(2) or cross-directory links unrestricted"
        )),
        4 => Err(format!("restricting a process failed (ABI {abi})")),
        _ => Err(format!(
            "opening / still worked under the ruleset (ABI {abi})"
        )),
    }
}

/// Probes what this kernel supports by entering each feature in a throwaway child of the
/// calling process. Only the worker calls this (before its handshake): it forks.
pub(crate) fn probe_sandbox() -> SandboxReport {
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
