//! Slot overhead per batch, for an empty batch of the real `median` template (load ELF,
//! hash, boot to the first yield, root hashes):
//! - `in_process`: `exec::execute` in this process — the work itself;
//! - `warm_inline` / `warm_cached`: a job on a warm worker (frame the job, fork the child,
//!   enter the sandbox, hash the ELF or load it from the cache, run, send the result);
//!   the difference to `in_process` is the slot overhead;
//! - `cold_pool`: probe the sandbox, spawn a worker, handshake, run one job.
#![allow(missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use concerto_slots::exec::execute;
use concerto_slots::{ExecConfig, Job, TemplateCache, TemplateSource};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let template = support::real_template("median");
    let config = ExecConfig::sdk_default();
    let inline = Job {
        template: TemplateSource::Inline(template.elf().to_vec()),
        config,
        inputs: Vec::new(),
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
    let pool = support::pool(1, |c| c.cache_dir = Some(dir.clone()));
    pool.warm_up().unwrap();
    group.bench_function("warm_inline", |b| {
        b.iter(|| pool.execute(inline.clone()).unwrap())
    });
    group.bench_function("warm_cached", |b| {
        b.iter(|| pool.execute(cached.clone()).unwrap())
    });
    drop(pool);
    group.bench_function("cold_pool", |b| {
        b.iter(|| support::pool(1, |_| {}).execute(inline.clone()).unwrap())
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
