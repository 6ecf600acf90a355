//! Snapshot and restore of a 64 MiB RAM machine with 10, 1,000 and 16,384 dirty (non-zero)
//! RAM pages: the cost a stateful topic pays per batch to keep its machine state and to
//! resume from it (restore includes rehashing every page to check the root). Prints each
//! snapshot's size in bytes.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use concerto_machine::{Machine, MachineConfig};

const RAM_START: u64 = 0x8000_0000;
const RAM_LENGTH: u64 = 64 << 20;
const PAGE: u64 = 4096;

/// A 64 MiB machine with `pages` RAM pages written with non-zero bytes, hashed once (as a
/// machine is after the batch it ran).
fn machine(pages: u64) -> Machine {
    let mut m = Machine::new(MachineConfig::new(RAM_LENGTH)).expect("machine");
    let stride = (RAM_LENGTH / PAGE) / pages;
    for p in 0..pages {
        let bytes: Vec<u8> = (0..PAGE).map(|i| ((i + p * 7) as u8) | 1).collect();
        m.write_memory(RAM_START + p * stride * PAGE, &bytes)
            .expect("write");
    }
    m.root_hash();
    m
}

fn snapshots(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot_64MiB");
    group.sample_size(10);
    for pages in [10u64, 1_000, 16_384] {
        let mut m = machine(pages);
        let bytes = m.snapshot();
        println!(
            "snapshot of a 64 MiB machine with {pages} dirty pages: {} bytes",
            bytes.len()
        );
        group.bench_function(format!("snapshot_{pages}_pages"), |b| {
            b.iter(|| black_box(m.snapshot()))
        });
        group.bench_function(format!("restore_{pages}_pages"), |b| {
            b.iter(|| black_box(Machine::restore(&bytes, RAM_LENGTH).expect("restore")))
        });
    }
    group.finish();
}

criterion_group!(benches, snapshots);
criterion_main!(benches);
