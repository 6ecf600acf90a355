//! The seccomp-BPF filters of the worker and of the job child, compiled by `seccompiler`.
//!
//! The policy is a deny list: the interpreter itself needs only memory, pipes, threads
//! and the clock, and everything not named here is allowed. `seccompiler` gives one
//! action per filter (the action for a matching rule; everything else is allowed), so
//! each class below is its own filter and the filters are stacked: the kernel runs all
//! of them and applies the strictest answer (kill before errno before allow). Every
//! `seccompiler` program starts with an architecture check that kills the process for a
//! foreign architecture (e.g. `int 0x80` on x86-64).
//!
//! | class | job child | worker | why |
//! |---|---|---|---|
//! | x32 ABI (x86-64) | kill | kill | same `AUDIT_ARCH` as x86-64, other syscall numbers: would bypass every rule |
//! | [`NETWORK`] | `EACCES` | `EACCES` | no network at all; an errno (not a kill) so a library probing for sockets fails cleanly |
//! | [`FATAL`] | kill | kill | exec, ptrace, other processes' memory, mounts, namespaces, kernel modules, bpf, io_uring, ...: no legitimate use, only escapes |
//! | `clone3` | `ENOSYS` | `ENOSYS` | its flags live in memory a classic BPF filter cannot read; libc then falls back to `clone` |
//! | `clone` without `CLONE_THREAD`, `fork`, `vfork` | kill | allowed | the worker forks one child per job; the child may start threads, never processes |
//! | signals to other processes | `EPERM` | allowed | the child may signal only itself (see [`signals`]) |
//!
//! Compiling allocates: the worker compiles the job child's filters once, at the
//! handshake, and the child only compiles its own small signal filter after `fork`
//! (the worker is single-threaded, so allocating there is fine).

use std::collections::BTreeMap;

use libc::c_long;
use seccompiler::{
    apply_filter, sock_filter, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp,
    SeccompCondition, SeccompFilter, SeccompRule, TargetArch,
};

use super::SandboxError;

/// Syscalls that fail with `EACCES`: every way to create, connect or use a socket.
/// (Without a socket the rest would fail anyway; naming them keeps the policy obvious.)
const NETWORK: &[c_long] = &[
    libc::SYS_socket,
    libc::SYS_socketpair,
    libc::SYS_connect,
    libc::SYS_bind,
    libc::SYS_listen,
    libc::SYS_accept,
    libc::SYS_accept4,
    libc::SYS_sendto,
    libc::SYS_recvfrom,
    libc::SYS_sendmsg,
    libc::SYS_recvmsg,
    libc::SYS_sendmmsg,
    libc::SYS_recvmmsg,
    libc::SYS_getsockopt,
    libc::SYS_setsockopt,
    libc::SYS_getsockname,
    libc::SYS_getpeername,
    libc::SYS_shutdown,
];

/// Syscalls that kill the process (SIGSYS): no job and no worker ever needs them, and
/// each is a known way out of a sandbox or into the kernel's larger attack surface.
const FATAL: &[c_long] = &[
    // Running another program.
    libc::SYS_execve,
    libc::SYS_execveat,
    // Reading or writing other processes (the worker, the node): ptrace, cross-process
    // memory access and stealing another process's descriptors.
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_pidfd_getfd,
    // Replacing or extending the kernel.
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    // Changing the filesystem view or the namespaces (escapes from Landlock's view).
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_open_by_handle_at,
    // Whole-system operations.
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_acct,
    // Large kernel attack surfaces with no use here.
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    // Changing the execution domain (e.g. READ_IMPLIES_EXEC).
    libc::SYS_personality,
];

/// Process creation the job child must not do (the worker may).
#[cfg(target_arch = "x86_64")]
const NEW_PROCESS: &[c_long] = &[libc::SYS_fork, libc::SYS_vfork];
#[cfg(not(target_arch = "x86_64"))]
const NEW_PROCESS: &[c_long] = &[];

/// Who a set of filters is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Profile {
    /// The worker process itself: it forks job children.
    Worker,
    /// A job child: threads only.
    JobChild,
}

/// Compiled filters, installed in order.
pub(crate) struct Filters(Vec<BpfProgram>);

fn arch() -> Result<TargetArch, SandboxError> {
    Ok(TargetArch::try_from(std::env::consts::ARCH)?)
}

/// One filter: `action` for the syscalls in `rules`, allow for the rest.
fn filter(
    rules: impl IntoIterator<Item = (c_long, Vec<SeccompRule>)>,
    action: SeccompAction,
) -> Result<BpfProgram, SandboxError> {
    let rules: BTreeMap<i64, Vec<SeccompRule>> = rules.into_iter().collect();
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, action, arch()?)?;
    Ok(filter.try_into()?)
}

fn unconditional(list: &[c_long]) -> impl Iterator<Item = (c_long, Vec<SeccompRule>)> + '_ {
    list.iter().map(|&nr| (nr, Vec::new()))
}

fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, SandboxError> {
    Ok(SeccompCondition::new(
        arg,
        SeccompCmpArgLen::Dword,
        op,
        value,
    )?)
}

/// On x86-64, kills any syscall with `__X32_SYSCALL_BIT` (the x32 ABI shares the x86-64
/// `AUDIT_ARCH`, so `seccompiler`'s architecture check lets it through, and its syscall
/// numbers match no rule). `seccompiler` cannot compare syscall-number ranges, so this is
/// the one hand-written program: load `nr`; `nr >= 0x4000_0000` → kill; else allow.
#[cfg(target_arch = "x86_64")]
fn x32_guard() -> BpfProgram {
    const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    let insn = |code, jt, jf, k| sock_filter { code, jt, jf, k };
    vec![
        insn(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
        insn(JGE_K, 0, 1, 0x4000_0000),
        insn(RET_K, 0, 0, u32::from(SeccompAction::KillProcess)),
        insn(RET_K, 0, 0, u32::from(SeccompAction::Allow)),
    ]
}

/// Compiles the filters for `profile` (the job child also installs [`signals`]).
pub(crate) fn filters(profile: Profile) -> Result<Filters, SandboxError> {
    let mut programs = Vec::new();
    #[cfg(target_arch = "x86_64")]
    programs.push(x32_guard());
    programs.push(filter(
        unconditional(NETWORK),
        SeccompAction::Errno(libc::EACCES as u32),
    )?);
    let mut fatal: Vec<(c_long, Vec<SeccompRule>)> = unconditional(FATAL).collect();
    if profile == Profile::JobChild {
        fatal.extend(unconditional(NEW_PROCESS));
        // `clone` is how threads start: allow it only with CLONE_THREAD (flags are
        // argument 0 on x86-64 and aarch64; CLONE_THREAD is in the low 32 bits).
        let thread = libc::CLONE_THREAD as u64;
        fatal.push((
            libc::SYS_clone,
            vec![SeccompRule::new(vec![condition(
                0,
                SeccompCmpOp::MaskedEq(thread),
                0,
            )?])?],
        ));
    }
    programs.push(filter(fatal, SeccompAction::KillProcess)?);
    programs.push(filter(
        unconditional(&[libc::SYS_clone3]),
        SeccompAction::Errno(libc::ENOSYS as u32),
    )?);
    Ok(Filters(programs))
}

/// The job child's signal filter, for its own pid `own_pid`: `kill`, `tgkill`,
/// `rt_sigqueueinfo` and `rt_tgsigqueueinfo` fail with `EPERM` unless their target
/// (argument 0) is the child itself (`abort()` and thread signals use `tgkill` on the
/// own process); `tkill` (no process in its arguments) and `pidfd_send_signal` always
/// fail. So the child can neither signal the worker or the node nor, with `kill(0)` or
/// `kill(-1)`, a process group or every process. This is what Landlock's signal scoping
/// (ABI 6) would give; the pinned Landlock ABI does not have it (see
/// [`super::landlock`]).
pub(crate) fn signals(own_pid: u32) -> Result<BpfProgram, SandboxError> {
    let not_self = || -> Result<Vec<SeccompRule>, SandboxError> {
        Ok(vec![SeccompRule::new(vec![condition(
            0,
            SeccompCmpOp::Ne,
            u64::from(own_pid),
        )?])?])
    };
    let rules = vec![
        (libc::SYS_kill, not_self()?),
        (libc::SYS_tgkill, not_self()?),
        (libc::SYS_rt_sigqueueinfo, not_self()?),
        (libc::SYS_rt_tgsigqueueinfo, not_self()?),
        (libc::SYS_tkill, Vec::new()),
        (libc::SYS_pidfd_send_signal, Vec::new()),
    ];
    filter(rules, SeccompAction::Errno(libc::EPERM as u32))
}

impl Filters {
    /// Installs the filters on the calling thread (`seccompiler` sets
    /// `PR_SET_NO_NEW_PRIVS` first). Filters are inherited by later threads and children.
    pub(crate) fn install(&self) -> Result<(), SandboxError> {
        for program in &self.0 {
            apply_filter(program)?;
        }
        Ok(())
    }
}

/// Installs one program on the calling thread.
pub(crate) fn install(program: &BpfProgram) -> Result<(), SandboxError> {
    Ok(apply_filter(program)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compile_for_both_profiles() {
        for profile in [Profile::Worker, Profile::JobChild] {
            let filters = filters(profile).unwrap();
            assert!(filters.0.iter().all(|p| !p.is_empty()));
        }
        assert!(!signals(42).unwrap().is_empty());
    }
}
