//! What a stateful topic pays per batch over a stateless one, on the real `price-feed`
//! template (128 MiB machine) after 40 windows of 3 assets × 5 publishers:
//!
//! - `stateless_fresh`: the batch in a fresh machine (load the ELF, boot, run), as a
//!   stateless topic runs every batch;
//! - `stateful_resume`: the batch from the previous state (restore the snapshot, checking
//!   its root; run; hash; snapshot the next state), as a stateful topic runs it;
//! - `restore` (rehashing every page against the recorded root) and `snapshot` (writing
//!   the bytes of a hashed machine; hashing the pages a batch dirtied is part of its run)
//!   on their own.
//!
//! Prints the state's size in bytes.
#![allow(missing_docs)]

use codec::Encode;
use concerto_exec::{execute, execute_stateful, NextState, StartState, Template};
use concerto_machine::Machine;
use concerto_primitives::price::{PriceFeedConfig, PriceTick};
use concerto_primitives::{batch_inputs, codec, BatchHeader, EventEnvelope, Input};
use concerto_template_harness::{read_elf, template_elf, MachineLimits};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;

/// Window `n`: every publisher ticks every asset.
fn window(n: u64) -> Vec<Vec<u8>> {
    let config = PriceFeedConfig {
        max_age_ms: 30_000,
        min_publishers: 3,
        twap_windows: 8,
        ema_alpha_ppm: 200_000,
        max_assets: 16,
    };
    let events = (0..5u8).flat_map(|publisher| {
        (0..3u32).map(move |asset| EventEnvelope {
            stream_id: 1,
            publisher: [publisher; 32],
            sequence: n * 3 + u64::from(asset),
            block_number: n as u32 * 4,
            payload: PriceTick {
                asset_id: asset,
                price: u128::from(asset + 1) * 1_000_000 + u128::from(publisher) * 17 + n as u128,
                observed_at: 1_700_000_000_000 + n * 2_000,
            }
            .encode(),
        })
    });
    let header = BatchHeader {
        topic_id: 1,
        batch_number: n,
        window: (n as u32 * 4, n as u32 * 4 + 3),
        config: config.encode(),
    };
    batch_inputs(header, events.collect::<Vec<_>>())
        .iter()
        .map(Input::to_bytes)
        .collect()
}

fn stateful_batch(c: &mut Criterion) {
    let elf = read_elf(&template_elf("price-feed").expect("the template builds")).expect("ELF");
    let template = Template::new(elf);
    let limits = MachineLimits::sdk_default();
    let mut state: Option<Vec<u8>> = None;
    for n in 0..40 {
        let start = state
            .as_deref()
            .map_or(StartState::Fresh, StartState::Snapshot);
        let run = execute_stateful(&template, limits, start, &window(n)).expect("runs");
        assert_eq!(run.result.rejection, None);
        let NextState::Snapshot(bytes) = run.next else {
            panic!("no next state")
        };
        state = Some(bytes);
    }
    let state = state.expect("a state");
    let inputs = window(40);
    println!(
        "price-feed state after 40 windows: {} bytes; one window is {} inputs",
        state.len(),
        inputs.len()
    );

    let mut group = c.benchmark_group("price_feed_batch");
    group.sample_size(20);
    group.bench_function("stateless_fresh", |b| {
        b.iter(|| execute(&template, limits, black_box(&inputs)).expect("runs"))
    });
    group.bench_function("stateful_resume", |b| {
        b.iter(|| {
            execute_stateful(
                &template,
                limits,
                StartState::Snapshot(black_box(&state)),
                &inputs,
            )
            .expect("runs")
        })
    });
    group.bench_function("restore", |b| {
        b.iter(|| Machine::restore(black_box(&state), limits.ram_size).expect("restores"))
    });
    group.bench_function("snapshot", |b| {
        b.iter_batched(
            || Machine::restore(&state, limits.ram_size).expect("restores"),
            |mut machine| machine.snapshot(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, stateful_batch);
criterion_main!(benches);
