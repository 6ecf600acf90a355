//! The sandbox from inside a real job child (through the test hooks): network, files,
//! exec, fork and signals to other processes are denied, threads work, the environment
//! is empty, the memory cap holds; the pool refuses to start without a feature unless
//! told to run insecurely.

use concerto_slots::{
    probe_sandbox, ChildLimits, SandboxFeature, SlotError, SlotPool, WorkerFault,
};
use concerto_slots_sandbox_tests::{SignalTarget, TestHook};

use crate::{eacces, pool, support, worker_command, LIMITS};

#[test]
fn network_files_exec_and_fork_are_denied() {
    // Whatever this kernel has is applied and checked; a missing feature is reported
    // (the refusal path is `missing_features_refuse_the_pool_unless_insecure`).
    let pool = pool(1, |c| c.allow_insecure = true);
    let mode = pool.sandbox_mode();
    if mode.seccomp {
        assert_eq!(
            pool.run_hook(TestHook::OpenSocket, LIMITS).unwrap(),
            eacces()
        );
        for hook in [TestHook::Exec, TestHook::Fork] {
            let err = pool.run_hook(hook.clone(), LIMITS).unwrap_err();
            assert!(
                matches!(err, SlotError::Worker(WorkerFault::SandboxViolation)),
                "{hook:?}: {err:?}"
            );
        }
    } else {
        eprintln!("seccomp missing on this host: network/exec/fork checks skipped");
    }
    if mode.landlock.is_some() {
        for path in ["/etc/hostname", "/proc/self/status", "/"] {
            let r = pool
                .run_hook(TestHook::OpenFile(path.into()), LIMITS)
                .unwrap();
            assert_eq!(r, eacces(), "{path}");
        }
    } else {
        eprintln!("landlock missing on this host: filesystem checks skipped");
    }
    assert_eq!(pool.run_hook(TestHook::Thread, LIMITS).unwrap(), "ok");
    assert_eq!(pool.run_hook(TestHook::CountEnv, LIMITS).unwrap(), "env 0");
}

#[test]
fn memory_cap_holds() {
    let pool = pool(1, |_| {});
    let r = pool.run_hook(TestHook::Allocate(64 << 20), LIMITS).unwrap();
    assert!(r.starts_with("ok"), "{r}");
    assert_eq!(
        pool.run_hook(TestHook::Allocate(1 << 30), LIMITS).unwrap(),
        "refused"
    );
    // The cap follows the job: 16 MiB of RAM + the margin.
    let limits = pool
        .config()
        .child_limits(
            &concerto_primitives::MachineLimits {
                ram_size: 16 << 20,
                ..concerto_primitives::MachineLimits::sdk_default()
            },
            0,
        )
        .unwrap();
    assert_eq!(limits.address_space, (16 << 20) + (1 << 30));
    assert_eq!(
        pool.run_hook(TestHook::Allocate(2 << 30), limits).unwrap(),
        "refused"
    );
}

#[test]
fn cpu_limit_kills_a_spinning_child() {
    let pool = pool(1, |_| {});
    let limits = ChildLimits {
        cpu_secs: 1,
        ..LIMITS
    };
    let err = pool.run_hook(TestHook::Spin, limits).unwrap_err();
    assert!(
        matches!(
            err,
            SlotError::Worker(WorkerFault::CpuTimeExceeded { secs: 1, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn missing_features_refuse_the_pool_unless_insecure() {
    for feature in [SandboxFeature::Seccomp, SandboxFeature::Landlock] {
        let mut config = concerto_slots::SlotConfig::new(worker_command());
        config.disabled_features = vec![feature];
        let err = SlotPool::new(config.clone()).expect_err("refused");
        let msg = err.to_string();
        let name = if feature == SandboxFeature::Seccomp {
            "seccomp"
        } else {
            "landlock"
        };
        assert!(msg.starts_with(&format!("{name} unavailable: ")), "{msg}");
        assert!(
            msg.ends_with("; start with --insecure-slots to run without it"),
            "{msg}"
        );

        config.allow_insecure = true;
        config.slots = 1;
        let pool = SlotPool::new(config).expect("insecure pool");
        let job = concerto_slots::Job {
            template: concerto_slots::TemplateSource::Inline(
                support::commands_guest().elf().to_vec(),
            ),
            limits: concerto_primitives::MachineLimits {
                ram_size: 16 << 20,
                ..concerto_primitives::MachineLimits::sdk_default()
            },
            inputs: vec![b"a".to_vec()],
            state: concerto_slots::JobState::Stateless,
        };
        assert_eq!(pool.execute(job).unwrap().rejection, None);
        // The disabled feature is really off; the other one is on when the host has it.
        let probe = probe_sandbox(&worker_command()).unwrap();
        let socket = pool.run_hook(TestHook::OpenSocket, LIMITS).unwrap();
        let file = pool
            .run_hook(TestHook::OpenFile(b"/etc/hostname".to_vec()), LIMITS)
            .unwrap();
        let denied = |on: bool| if on { eacces() } else { "ok".to_string() };
        match feature {
            SandboxFeature::Seccomp => assert_eq!(
                (socket, file),
                ("ok".into(), denied(probe.landlock.is_some()))
            ),
            SandboxFeature::Landlock => {
                assert_eq!((socket, file), (denied(probe.seccomp), "ok".into()))
            }
        }
    }
}

#[test]
fn signals_reach_only_the_child_itself() {
    let pool = pool(1, |c| c.allow_insecure = true);
    if !pool.sandbox_mode().seccomp {
        eprintln!("seccomp missing on this host: signal checks skipped");
        return;
    }
    let eperm = format!("errno {}", libc::EPERM);
    let signal = |target| pool.run_hook(TestHook::Signal(target), LIMITS).unwrap();
    assert_eq!(signal(SignalTarget::Itself), "ok");
    assert_eq!(signal(SignalTarget::Parent), eperm);
    assert_eq!(signal(SignalTarget::Everyone), eperm);
}
