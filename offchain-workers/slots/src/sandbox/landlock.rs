//! Landlock through the `landlock` crate, at one pinned ABI.
//!
//! The pinned ABI and what it covers are documented on [`LANDLOCK_ABI_VERSION`].

use std::path::Path;

use landlock::{
    make_bitflags, Access, AccessFs, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetStatus, ABI,
};

use super::SandboxError;

/// The Landlock ABI every ruleset of this crate handles ([`LANDLOCK_ABI_VERSION`]).
pub(crate) const LANDLOCK_ABI: ABI = ABI::V3;

/// The one Landlock ABI this crate uses, as carried in [`super::SandboxMode::landlock`]:
/// ABI 3 (Linux 6.2), the newest the `landlock` 0.3 crate knows.
///
/// It handles every filesystem right: execute, write, read and truncate files, read
/// directories, remove directories and files, make character and block devices,
/// directories, regular files, sockets, FIFOs and symlinks (ABI 1), link or rename a file
/// into another directory (`REFER`, ABI 2) and `truncate` (ABI 3). A ruleset that handles
/// all of them and grants none leaves a process no filesystem access at all: it can open
/// nothing, create nothing and truncate nothing, whatever its uid. The job child gets
/// exactly that; the worker gets read access (`READ_FILE`, `READ_DIR`) beneath the
/// template cache directory and nothing else.
///
/// Later ABIs are not used: TCP bind/connect (ABI 4) is covered by seccomp, which refuses
/// every socket; ioctl on devices (ABI 5) needs a device descriptor, which the job child
/// cannot open; scoping of abstract unix sockets (no sockets at all) and of signals
/// (ABI 6) is replaced by the job child's seccomp signal filter (only signals to itself).
///
/// Older kernels are refused, not served best-effort: the worker's probe reports Landlock
/// as missing unless the kernel enforces ABI 3 *fully* (a ruleset of ABI 1 or 2 would
/// leave `truncate(2)`, or linking across directories, open without saying so), so
/// [`crate::SlotPool::new`] refuses to start unless `allow_insecure`. An insecure pool
/// then applies no Landlock at all, and every ruleset is requested with the `landlock`
/// crate's `CompatLevel::HardRequirement`, so a restriction either holds completely or
/// fails the job (or the worker's handshake) with a sandbox-setup fault.
pub const LANDLOCK_ABI_VERSION: u32 = 3;

/// A ruleset handling every right of [`LANDLOCK_ABI`], refusing to be weaker.
fn ruleset() -> Result<RulesetCreated, SandboxError> {
    Ok(Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(LANDLOCK_ABI))?
        .create()?)
}

fn enforce(ruleset: RulesetCreated) -> Result<(), SandboxError> {
    // `restrict_self` sets PR_SET_NO_NEW_PRIVS first.
    let status = ruleset.restrict_self()?;
    if status.ruleset != RulesetStatus::FullyEnforced {
        return Err(SandboxError::LandlockNotEnforced(status.ruleset));
    }
    Ok(())
}

/// The job child: no filesystem access at all.
pub(crate) fn restrict_job_child() -> Result<(), SandboxError> {
    enforce(ruleset()?)
}

/// The worker: reading files and listing directories beneath `readable` (the template
/// cache), nothing else.
pub(crate) fn restrict_worker(readable: Option<&Path>) -> Result<(), SandboxError> {
    let mut ruleset = ruleset()?;
    if let Some(dir) = readable {
        let read = make_bitflags!(AccessFs::{ReadFile | ReadDir});
        ruleset = ruleset.add_rule(PathBeneath::new(PathFd::new(dir)?, read))?;
    }
    enforce(ruleset)
}

/// What a best-effort ruleset of [`LANDLOCK_ABI`] achieves on this kernel (restricts the
/// calling process: probe children only).
pub(crate) fn probe_restrict() -> Result<RulesetStatus, SandboxError> {
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(LANDLOCK_ABI))?
        .create()?
        .restrict_self()?;
    Ok(status.ruleset)
}
