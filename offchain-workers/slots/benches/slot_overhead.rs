//! Slot overhead per batch, for an empty batch of the real `median` template (load ELF,
//! hash, boot to the first yield, root hashes):
//! - `in_process`: `concerto_exec::execute` in this process — the work itself;
//! - `warm_inline` / `warm_cached`: a job on a warm worker (frame the job, fork the child,
//!   enter the sandbox, hash the ELF or load it from the cache, run, send the result);
//!   the difference to `in_process` is the slot overhead;
//! - `cold_pool`: spawn a worker, let it probe the sandbox, handshake (the worker enters
//!   its own sandbox), run one job.
#![allow(missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use concerto_exec::execute;
use concerto_primitives::MachineLimits;
use concerto_slots::{
    Job, JobState, SlotConfig, SlotPool, TemplateCache, TemplateSource, WorkerCommand,
};
use criterion::{criterion_group, criterion_main, Criterion};

fn pool(slots: usize, tweak: impl FnOnce(&mut SlotConfig)) -> SlotPool {
    let worker = WorkerCommand::new(env!("CARGO_BIN_EXE_concerto-slot-worker"));
    support::pool_with(worker, slots, tweak)
}

fn bench(c: &mut Criterion) {
    let template = support::real_template("median");
    let config = MachineLimits::sdk_default();
    let inline = Job {
        template: TemplateSource::Inline(template.elf().to_vec()),
        limits: config,
        inputs: Vec::new(),
        state: JobState::Stateless,
    };
    let dir = std::env::temp_dir().join(format!("concerto-slots-bench-{}", std::process::id()));
    let hash = TemplateCache::open(&dir)
        .unwrap()
        .insert(template.elf())
        .unwrap();
    let cached = Job {
        template: TemplateSource::Cached(hash),
        ..inline.clone()
    };

    let mut group = c.benchmark_group("slot_empty_batch");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    group.bench_function("in_process", |b| {
        b.iter(|| execute(&template, config, &[]).unwrap())
    });
    let warm = pool(1, |c| c.cache_dir = Some(dir.clone()));
    warm.warm_up().unwrap();
    group.bench_function("warm_inline", |b| {
        b.iter(|| warm.execute(inline.clone()).unwrap())
    });
    group.bench_function("warm_cached", |b| {
        b.iter(|| warm.execute(cached.clone()).unwrap())
    });
    drop(warm);
    group.bench_function("cold_pool", |b| {
        b.iter(|| pool(1, |_| {}).execute(inline.clone()).unwrap())
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
