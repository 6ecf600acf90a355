//! The pool's backstops and worker replacement with real workers, driven through the
//! test hooks: the wall-clock backstop is a host fault, a worker killed mid-job is a host
//! fault and is replaced, as is one that died while idle.

use std::time::{Duration, Instant};

use concerto_primitives::MachineLimits;
use concerto_slots::{Job, JobState, SlotError, TemplateSource, WorkerFault};
use concerto_slots_sandbox_tests::TestHook;

use crate::pool;
use crate::support::{commands_guest, inputs};

fn config() -> MachineLimits {
    MachineLimits {
        ram_size: 16 << 20,
        max_cycles_per_input: 1_000_000,
        max_cycles_per_batch: 50_000_000,
        max_output_bytes: 4096,
    }
}

fn guest_job(list: &[&[u8]]) -> Job {
    Job {
        template: TemplateSource::Inline(commands_guest().elf().to_vec()),
        limits: config(),
        inputs: inputs(list),
        state: JobState::Stateless,
    }
}

#[test]
fn wall_clock_backstop_is_a_host_fault() {
    let pool = pool(1, |_| {});
    let limits = concerto_slots::ChildLimits {
        cpu_secs: 5,
        wall_millis: 300,
        address_space: 1 << 30,
    };
    let start = Instant::now();
    let err = pool.run_hook(TestHook::Sleep(60_000), limits).unwrap_err();
    assert!(
        matches!(
            err,
            SlotError::Worker(WorkerFault::WallClockTimeout { millis: 300 })
        ),
        "{err:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(pool.run_hook(TestHook::Sleep(1), limits).unwrap(), "ok");
}

#[test]
fn a_killed_worker_is_a_host_fault_and_is_replaced() {
    let pool = std::sync::Arc::new(pool(1, |_| {}));
    pool.warm_up().unwrap();
    let pid = pool.worker_pids()[0];
    // Kill it mid-job.
    let p = pool.clone();
    let job = std::thread::spawn(move || {
        let limits = concerto_slots::ChildLimits {
            cpu_secs: 30,
            wall_millis: 30_000,
            address_space: 1 << 30,
        };
        p.run_hook(TestHook::Sleep(20_000), limits)
    });
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: killing the worker process this test started.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    let err = job.join().unwrap().unwrap_err();
    assert!(matches!(err, SlotError::WorkerDied(_)), "{err:?}");
    assert_eq!(pool.execute(guest_job(&[b"a"])).unwrap().rejection, None);
    let respawned = pool.worker_pids()[0];
    assert_ne!(respawned, pid);
    // Killed while idle: replaced before the next job, which succeeds.
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(respawned as i32, libc::SIGKILL) }, 0);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(pool.execute(guest_job(&[b"a"])).unwrap().rejection, None);
    assert_ne!(pool.worker_pids()[0], respawned);
}
