//! The sandbox probe runs in a spawned worker (the test process does not fork to probe)
//! and explains every missing feature. What the sandbox denies is tested from inside
//! workers and job children in concerto-slots-sandbox-tests.

use concerto_slots::{probe_sandbox, LANDLOCK_ABI_VERSION};

use crate::{pool, worker_command};

#[test]
fn probe_reports_this_kernel() {
    let report = probe_sandbox(&worker_command()).unwrap();
    eprintln!("sandbox probe: {report:?}");
    // A kernel without a feature must say why.
    assert_eq!(report.seccomp, report.seccomp_error.is_none());
    assert_eq!(report.landlock.is_some(), report.landlock_error.is_none());
    // Landlock is on only at the pinned ABI.
    assert!(report
        .landlock
        .is_none_or(|abi| abi == LANDLOCK_ABI_VERSION));
    // The pool's first worker probes the same.
    let pool = pool(1, |c| c.allow_insecure = true);
    assert_eq!(pool.sandbox_report(), &report);
    assert_eq!(pool.sandbox_mode(), report.mode());
}
