//! The pool with real worker processes: the same result as in-process execution (test
//! guest and the real median template), guest faults stay verdicts, the CPU-time and
//! wall-clock backstops are host faults after which the pool keeps working, dead workers
//! are replaced, cached templates are rehashed.
#![allow(missing_docs)]

mod support;

use std::time::{Duration, Instant};

use codec::Encode;
use concerto_primitives::price::{MedianConfig, PriceTick};
use concerto_primitives::{BatchHeader, EventEnvelope, Input};
use concerto_slots::exec::execute;
use concerto_slots::hooks::TestHook;
use concerto_slots::{
    ExecConfig, GuestFault, Job, SlotError, TemplateCache, TemplateSource, Verdict, WorkerFault,
};
use support::{commands_guest, inputs, pool, real_template};

fn config() -> ExecConfig {
    ExecConfig {
        ram_size: 16 << 20,
        max_cycles_per_input: 1_000_000,
        max_cycles_per_batch: 50_000_000,
        max_output_bytes: 4096,
    }
}

fn guest_job(list: &[&[u8]]) -> Job {
    Job {
        template: TemplateSource::Inline(commands_guest().elf().to_vec()),
        config: config(),
        inputs: inputs(list),
    }
}

fn median_batch() -> Vec<Input> {
    let mut batch = vec![Input::Header(BatchHeader {
        topic_id: 2,
        batch_number: 1,
        window: (1, 3),
        config: MedianConfig {
            max_age_ms: 60_000,
            min_publishers: 2,
        }
        .encode(),
    })];
    for p in 0..6u8 {
        let tick = PriceTick {
            asset_id: 1,
            price: 1_000 + u128::from(p) * 7,
            observed_at: 5_000,
        };
        batch.push(Input::Event(EventEnvelope {
            stream_id: 3,
            publisher: [p; 32],
            sequence: 1,
            block_number: 2,
            payload: tick.encode(),
        }));
    }
    batch.push(Input::End { batch_number: 1 });
    batch
}

#[test]
fn pool_matches_in_process_execution() {
    let pool = pool(2, |_| {});
    let job = guest_job(&[b"a", b"p\x01", b"r", b"x"]);
    let local = execute(&commands_guest(), job.config, &job.inputs).unwrap();
    assert_eq!(local.fault(), Some(&GuestFault::Exception("boom".into())));
    assert_eq!(pool.execute(job).unwrap(), local);

    let median = real_template("median");
    let job = Job::new(
        TemplateSource::Inline(median.elf().to_vec()),
        ExecConfig::sdk_default(),
        &median_batch(),
    );
    let local = execute(&median, job.config, &job.inputs).unwrap();
    assert_eq!(local.verdict, Verdict::Accepted);
    assert_eq!(local.outputs.len(), 1);
    assert_eq!(pool.execute(job).unwrap(), local);
}

#[test]
fn cycle_limit_is_a_verdict_through_the_pool() {
    let pool = pool(1, |_| {});
    let r = pool.execute(guest_job(&[b"a", b"l"])).unwrap();
    assert_eq!(
        r.fault(),
        Some(&GuestFault::CycleLimitPerInput { limit: 1_000_000 })
    );
}

#[test]
fn cpu_time_backstop_is_a_host_fault_and_the_pool_recovers() {
    let pool = pool(1, |c| {
        c.max_cpu_time = Duration::from_secs(1);
        c.cpu_floor = Duration::ZERO;
    });
    let mut job = guest_job(&[b"a", b"l"]);
    job.config.max_cycles_per_input = u64::MAX / 4;
    job.config.max_cycles_per_batch = u64::MAX;
    let start = Instant::now();
    let err = pool.execute(job).unwrap_err();
    assert!(
        matches!(
            err,
            SlotError::Worker(WorkerFault::CpuTimeExceeded { secs: 1, .. })
        ),
        "{err:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    // The same worker serves the next job.
    let pids = pool.worker_pids();
    assert_eq!(
        pool.execute(guest_job(&[b"a"])).unwrap().verdict,
        Verdict::Accepted
    );
    assert_eq!(pool.worker_pids(), pids);
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
    let err = pool
        .run_test_hook(TestHook::Sleep(60_000), limits)
        .unwrap_err();
    assert!(
        matches!(
            err,
            SlotError::Worker(WorkerFault::WallClockTimeout { millis: 300 })
        ),
        "{err:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(
        pool.run_test_hook(TestHook::Sleep(1), limits).unwrap(),
        "ok"
    );
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
        p.run_test_hook(TestHook::Sleep(20_000), limits)
    });
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: killing the worker process this test started.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    let err = job.join().unwrap().unwrap_err();
    assert!(matches!(err, SlotError::WorkerDied(_)), "{err:?}");
    assert_eq!(
        pool.execute(guest_job(&[b"a"])).unwrap().verdict,
        Verdict::Accepted
    );
    let respawned = pool.worker_pids()[0];
    assert_ne!(respawned, pid);
    // Killed while idle: replaced before the next job, which succeeds.
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(respawned as i32, libc::SIGKILL) }, 0);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        pool.execute(guest_job(&[b"a"])).unwrap().verdict,
        Verdict::Accepted
    );
    assert_ne!(pool.worker_pids()[0], respawned);
}

#[test]
fn cached_templates_are_rehashed() {
    let dir =
        std::env::temp_dir().join(format!("concerto-slots-pool-cache-{}", std::process::id()));
    let cache = TemplateCache::open(&dir).unwrap();
    let hash = cache.insert(commands_guest().elf()).unwrap();
    let pool = pool(1, |c| c.cache_dir = Some(dir.clone()));
    let mut job = guest_job(&[b"a"]);
    job.template = TemplateSource::Cached(hash);
    let r = pool.execute(job.clone()).unwrap();
    assert_eq!(
        (r.verdict.clone(), r.template_hash),
        (Verdict::Accepted, hash)
    );
    std::fs::write(cache.path_of(&hash), b"tampered").unwrap();
    let err = pool.execute(job.clone()).unwrap_err();
    assert!(
        matches!(err, SlotError::Worker(WorkerFault::TemplateCorrupt { .. })),
        "{err:?}"
    );
    std::fs::remove_file(cache.path_of(&hash)).unwrap();
    let err = pool.execute(job).unwrap_err();
    assert!(
        matches!(err, SlotError::Worker(WorkerFault::TemplateNotCached(h)) if h == hash),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn slots_run_jobs_concurrently_and_limits_follow_the_config() {
    let pool = std::sync::Arc::new(pool(2, |_| {}));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let p = pool.clone();
            std::thread::spawn(move || p.execute(guest_job(&[b"a", b"p\x01"])).unwrap())
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    assert!(pool.worker_pids().len() <= 2);

    let limits = pool.config().child_limits(&config(), 10).unwrap();
    // 11 × 10⁶ cycles at 50 MIPS → 1 s, + 1 s for 16 MiB of RAM, + the 2 s floor.
    assert_eq!(
        (limits.cpu_secs, limits.wall_millis, limits.address_space),
        (4, 17_000, (16 << 20) + (1 << 30))
    );
    let mut big = config();
    big.ram_size = 64 << 30;
    assert!(matches!(
        pool.execute(Job {
            config: big,
            ..guest_job(&[])
        }),
        Err(SlotError::InvalidJob(_))
    ));
}
