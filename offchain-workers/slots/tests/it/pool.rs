//! The pool with real worker processes: the same result as in-process execution (test
//! guest and the real median template), guest faults stay verdicts, the CPU-time
//! backstop is a host fault after which the pool keeps working, cached templates are
//! rehashed. (The wall-clock backstop and dead workers are tested with the test hooks in
//! concerto-slots-sandbox-tests.)

use std::time::{Duration, Instant};

use codec::Encode;
use concerto_exec::execute;
use concerto_primitives::price::{MedianConfig, PriceTick};
use concerto_primitives::{batch_inputs, BatchHeader, EventEnvelope, Input};
use concerto_primitives::{GuestFault, MachineLimits};
use concerto_slots::{Job, JobState, SlotError, TemplateCache, TemplateSource, WorkerFault};

use crate::pool;
use crate::support::{commands_guest, inputs, real_template};

pub(crate) fn config() -> MachineLimits {
    MachineLimits {
        ram_size: 16 << 20,
        max_cycles_per_input: 1_000_000,
        max_cycles_per_batch: 50_000_000,
        max_output_bytes: 4096,
    }
}

pub(crate) fn guest_job(list: &[&[u8]]) -> Job {
    Job {
        template: TemplateSource::Inline(commands_guest().elf().to_vec()),
        limits: config(),
        inputs: inputs(list),
        state: JobState::Stateless,
    }
}

fn median_batch() -> Vec<Input> {
    let header = BatchHeader {
        topic_id: 2,
        batch_number: 1,
        window: (1, 3),
        config: MedianConfig {
            max_age_ms: 60_000,
            min_publishers: 2,
        }
        .encode(),
    };
    let events = (0..6u8).map(|p| EventEnvelope {
        stream_id: 3,
        publisher: [p; 32],
        sequence: 1,
        block_number: 2,
        payload: PriceTick {
            asset_id: 1,
            price: 1_000 + u128::from(p) * 7,
            observed_at: 5_000,
        }
        .encode(),
    });
    batch_inputs(header, events)
}

#[test]
fn pool_matches_in_process_execution() {
    let pool = pool(2, |_| {});
    let job = guest_job(&[b"a", b"p\x01", b"r", b"x"]);
    let local = execute(&commands_guest(), job.limits, &job.inputs).unwrap();
    assert_eq!(local.fault(), Some(&GuestFault::Exception("boom".into())));
    assert_eq!(pool.execute(job).unwrap(), local);

    let median = real_template("median");
    let job = Job::new(
        TemplateSource::Inline(median.elf().to_vec()),
        MachineLimits::sdk_default(),
        &median_batch(),
    );
    let local = execute(&median, job.limits, &job.inputs).unwrap();
    assert_eq!(local.rejection, None);
    assert_eq!(local.outputs.len(), 1);
    assert_eq!(pool.execute(job).unwrap(), local);
}

#[test]
fn stateful_jobs_carry_the_machine_state_through_the_worker() {
    let pool = pool(1, |_| {});
    let job = |list: &[&[u8]], state| Job {
        state,
        ..guest_job(list)
    };
    let first = pool
        .execute_job(job(&[b"a", b"o\x01"], JobState::Fresh))
        .unwrap();
    let s1 = first
        .next_state
        .clone()
        .expect("the state after the first batch");
    assert_eq!(
        concerto_machine::snapshot_root(&s1).unwrap(),
        first.result.final_root_hash
    );
    let local = concerto_exec::execute_stateful(
        &commands_guest(),
        config(),
        concerto_exec::StartState::Snapshot(&s1),
        &inputs(&[b"a", b"p\x02"]),
    )
    .unwrap();
    let second = pool
        .execute_job(job(&[b"a", b"p\x02"], JobState::Snapshot(s1.clone())))
        .unwrap();
    assert_eq!(second.result, local.result);
    assert_eq!(second.result.start_root_hash, first.result.final_root_hash);
    // A faulted batch leaves no new state; a corrupt start state is a named host fault.
    let faulted = pool
        .execute_job(job(&[b"x"], JobState::Snapshot(s1.clone())))
        .unwrap();
    assert_eq!(faulted.next_state, None);
    assert_eq!(faulted.result.final_root_hash, first.result.final_root_hash);
    let mut corrupt = s1;
    corrupt.truncate(64);
    assert!(matches!(
        pool.execute_job(job(&[b"a"], JobState::Snapshot(corrupt))),
        Err(SlotError::Worker(WorkerFault::BadStartState(_)))
    ));
    // The stateless answer carries no state.
    assert_eq!(
        pool.execute_job(guest_job(&[b"a"])).unwrap().next_state,
        None
    );
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
    job.limits.max_cycles_per_input = u64::MAX / 4;
    job.limits.max_cycles_per_batch = u64::MAX;
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
    assert_eq!(pool.execute(guest_job(&[b"a"])).unwrap().rejection, None);
    assert_eq!(pool.worker_pids(), pids);
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
    assert_eq!((r.rejection.clone(), r.template_hash), (None, hash));
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
            limits: big,
            ..guest_job(&[])
        }),
        Err(SlotError::InvalidJob(_))
    ));
}

#[test]
fn a_node_honours_the_chain_bounds_only_with_the_ram_and_cpu_time_they_need() {
    use concerto_primitives::MachineBounds;
    use concerto_slots::{Shortfall, SlotConfig, WorkerCommand};
    let bounds = MachineBounds {
        max_ram_size: 1 << 30,
        max_cycles_per_batch: 10_000_000_000,
        max_output_bytes: 2 << 20,
        max_inputs_per_batch: 16_386,
        max_input_bytes: 65_600,
        reference_mips: 200,
    };
    let mut node = SlotConfig::new(WorkerCommand::new("/nonexistent"));
    // The defaults: 4 GiB of RAM; 10¹⁰ cycles at 20 M/s = 500 s, + 32 s for 1 GiB, + 2 s.
    assert_eq!(node.honours(&bounds), Ok(()));
    node.max_cpu_time = Duration::from_secs(533);
    assert_eq!(
        node.honours(&bounds),
        Err(Shortfall::CpuTime {
            cycles: 10_000_000_000,
            assumed_mips: 20,
            needed: 534,
            node: 533
        })
    );
    node.max_cpu_time = Duration::from_secs(534);
    assert_eq!(node.honours(&bounds), Ok(()));
    node.max_ram_size = 512 << 20;
    let refused = node.honours(&bounds).unwrap_err();
    assert_eq!(
        refused,
        Shortfall::RamSize {
            chain: 1 << 30,
            node: 512 << 20
        }
    );
    assert!(refused.to_string().starts_with("ram_size: "), "{refused}");
}
