//! Landlock without a library: a ruleset that handles every filesystem right the kernel
//! knows (and, from ABI 4, TCP bind/connect; from ABI 6, abstract unix sockets and
//! signals outside the domain) and grants none, so the job child can open no file, make
//! no directory entry, connect nowhere and signal no process but its own.
//!
//! Rights per ABI (linux/landlock.h): ABI 1 has the 13 rights `EXECUTE`..`MAKE_SYM`
//! (bits 0–12), ABI 2 adds `REFER` (bit 13), ABI 3 `TRUNCATE` (14), ABI 5 `IOCTL_DEV` (15);
//! ABI 4 adds `handled_access_net` (`BIND_TCP` 1, `CONNECT_TCP` 2); ABI 6 adds `scoped`
//! (`ABSTRACT_UNIX_SOCKET` 1, `SIGNAL` 2).

use super::seccomp::errno;

const CREATE_RULESET_VERSION: u32 = 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

/// The Landlock ABI version the kernel offers, or the errno (`ENOSYS`: not built in;
/// `EOPNOTSUPP`: disabled at boot).
pub(crate) fn abi() -> Result<u32, i32> {
    // SAFETY: the documented version query: null attribute, size 0.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as u32)
    }
}

fn attr_for(abi: u32) -> (RulesetAttr, usize) {
    let fs = match abi {
        1 => (1 << 13) - 1,
        2 => (1 << 14) - 1,
        3 | 4 => (1 << 15) - 1,
        _ => (1 << 16) - 1,
    };
    let attr = RulesetAttr {
        handled_access_fs: fs,
        handled_access_net: if abi >= 4 { 0b11 } else { 0 },
        scoped: if abi >= 6 { 0b11 } else { 0 },
    };
    let size = match abi {
        1..=3 => 8,
        4 | 5 => 16,
        _ => 24,
    };
    (attr, size)
}

/// Restricts the calling thread (and its future threads) to no filesystem access at all,
/// using ABI `abi`. Requires `PR_SET_NO_NEW_PRIVS` (set here). Only raw syscalls: safe
/// between `fork` and `_exit`. Returns the errno on failure.
pub(crate) fn restrict_self(abi: u32) -> Result<(), i32> {
    let (attr, size) = attr_for(abi);
    // SAFETY: raw syscalls with a valid attribute of the size the ABI expects; the
    // ruleset fd is closed on every path.
    unsafe {
        let fd = libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            size,
            0u32,
        );
        if fd < 0 {
            return Err(errno());
        }
        let fd = fd as libc::c_int;
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            let e = errno();
            libc::close(fd);
            return Err(e);
        }
        let r = libc::syscall(libc::SYS_landlock_restrict_self, fd, 0u32);
        let e = errno();
        libc::close(fd);
        if r != 0 {
            return Err(e);
        }
    }
    Ok(())
}
