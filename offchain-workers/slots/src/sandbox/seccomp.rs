//! The job child's seccomp-BPF filter, assembled by hand (classic BPF over
//! `struct seccomp_data`: `nr` at offset 0, `arch` at 4, `args[i]` at 16 + 8·i).
//!
//! Policy (a deny list; the interpreter itself needs only memory, pipes and threads):
//! - a foreign architecture (or, on x86-64, the x32 ABI) kills the process;
//! - networking (`socket`, `connect`, `bind`, `sendto`, ...) fails with `EACCES`;
//! - process creation other than threads (`clone` without `CLONE_THREAD`, `fork`,
//!   `vfork`), `execve`, `ptrace`, cross-process memory access, mounts and namespaces,
//!   module and kexec loading, `bpf`, `perf_event_open`, `userfaultfd`, keyrings and
//!   io_uring kill the process (SIGSYS);
//! - `clone3` fails with `ENOSYS`, so libc falls back to `clone`, whose flags a classic
//!   BPF filter can inspect;
//! - everything else is allowed.

use libc::c_long;

#[repr(C)]
struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JSET_K: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ERRNO: u32 = 0x0005_0000;

const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARG0_LOW: u32 = 16; // little-endian: the low half of args[0]

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7; // AUDIT_ARCH_AARCH64

/// Syscalls that fail with `EACCES`.
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

/// Syscalls that kill the process.
const FATAL: &[c_long] = &[
    libc::SYS_execve,
    libc::SYS_execveat,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_open_by_handle_at,
    libc::SYS_personality,
    libc::SYS_acct,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_fork,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_vfork,
];

fn stmt(code: u16, k: u32) -> SockFilter {
    SockFilter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

/// The compiled filter, built before `fork` (the child must not allocate in a
/// multi-threaded parent) and installed in the child.
pub(crate) struct Filter(Vec<SockFilter>);

/// Builds the filter, or `None` on an architecture it does not know.
pub(crate) fn filter() -> Option<Filter> {
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        return None;
    }
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    {
        let mut p = vec![
            stmt(LD_W_ABS, OFFSET_ARCH),
            jump(JEQ_K, AUDIT_ARCH, 1, 0),
            stmt(RET_K, RET_KILL_PROCESS),
            stmt(LD_W_ABS, OFFSET_NR),
        ];
        #[cfg(target_arch = "x86_64")]
        {
            // x32 syscalls carry __X32_SYSCALL_BIT.
            p.push(jump(JGE_K, 0x4000_0000, 0, 1));
            p.push(stmt(RET_K, RET_KILL_PROCESS));
        }
        let rules = NETWORK
            .iter()
            .map(|&nr| (nr, RET_ERRNO | libc::EACCES as u32))
            .chain(FATAL.iter().map(|&nr| (nr, RET_KILL_PROCESS)))
            .chain([(libc::SYS_clone3, RET_ERRNO | libc::ENOSYS as u32)]);
        for (nr, action) in rules {
            p.push(jump(JEQ_K, nr as u32, 0, 1));
            p.push(stmt(RET_K, action));
        }
        // clone: only threads.
        p.push(jump(JEQ_K, libc::SYS_clone as u32, 0, 4));
        p.push(stmt(LD_W_ABS, OFFSET_ARG0_LOW));
        p.push(jump(JSET_K, libc::CLONE_THREAD as u32, 0, 1));
        p.push(stmt(RET_K, RET_ALLOW));
        p.push(stmt(RET_K, RET_KILL_PROCESS));
        p.push(stmt(RET_K, RET_ALLOW));
        Some(Filter(p))
    }
}

impl Filter {
    /// Installs the filter on the calling thread (after `PR_SET_NO_NEW_PRIVS`). Only raw
    /// syscalls: safe between `fork` and `_exit`. Returns the errno on failure.
    pub(crate) fn install(&self) -> Result<(), i32> {
        let prog = SockFprog {
            len: self.0.len() as u16,
            filter: self.0.as_ptr(),
        };
        // SAFETY: prctl and seccomp with valid arguments; `prog` points to `self.0`, which
        // outlives the call (the kernel copies the program).
        unsafe {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(errno());
            }
            let r = libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &prog as *const SockFprog,
            );
            if r != 0 {
                return Err(errno());
            }
        }
        Ok(())
    }
}

pub(crate) fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
