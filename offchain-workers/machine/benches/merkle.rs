//! Merkle hashing benchmarks: a 64 MiB RAM machine hashed from scratch (all pages non-zero,
//! and all pages zero), the incremental re-hash after touching 10 pages, one page hash, and
//! the outputs tree.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;

use concerto_machine::merkle::{keccak256_pair, MerkleTree, OutputsTree, PAGE_SIZE};

const RAM_START: u64 = 0x8000_0000;
const RAM_PAGES: u64 = (64 << 20) / PAGE_SIZE as u64;

/// A page with no zero byte whose contents depend on `seed`.
fn page(seed: u64) -> [u8; PAGE_SIZE] {
    core::array::from_fn(|i| {
        ((i as u64)
            .wrapping_mul(31)
            .wrapping_add(seed.wrapping_mul(17)) as u8)
            | 1
    })
}

fn full_tree() -> MerkleTree {
    let mut tree = MerkleTree::new();
    for p in 0..RAM_PAGES {
        tree.update_page(RAM_START + p * PAGE_SIZE as u64, &page(p));
    }
    tree.root_hash();
    tree
}

fn state_tree(c: &mut Criterion) {
    let pages: Vec<[u8; PAGE_SIZE]> = (0..RAM_PAGES).map(page).collect();
    let mut group = c.benchmark_group("state_tree");
    group.sample_size(10);
    group.bench_function("root_64MiB_nonzero_from_scratch", |b| {
        b.iter(|| {
            let mut tree = MerkleTree::new();
            for (p, bytes) in (0..).zip(&pages) {
                tree.update_page(RAM_START + p * PAGE_SIZE as u64, bytes);
            }
            black_box(tree.root_hash())
        })
    });
    group.bench_function("root_64MiB_nonzero_from_scratch_batched", |b| {
        b.iter(|| {
            let mut tree = MerkleTree::new();
            tree.update_pages(
                (0..)
                    .zip(&pages)
                    .map(|(p, bytes)| (RAM_START + p * PAGE_SIZE as u64, bytes)),
            );
            black_box(tree.root_hash())
        })
    });
    let zero = [0u8; PAGE_SIZE];
    group.bench_function("root_64MiB_zero_from_scratch", |b| {
        b.iter(|| {
            let mut tree = MerkleTree::new();
            for p in 0..RAM_PAGES {
                tree.update_page(RAM_START + p * PAGE_SIZE as u64, &zero);
            }
            black_box(tree.root_hash())
        })
    });
    group.finish();

    let base = full_tree();
    let touched: Vec<[u8; PAGE_SIZE]> = (0..10).map(|i| page(1_000_000 + i)).collect();
    c.bench_function("state_tree/rehash_after_10_dirty_pages", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |tree| {
                for (i, bytes) in (0..).zip(&touched) {
                    tree.update_page(RAM_START + i * 1531 * PAGE_SIZE as u64, bytes);
                }
                black_box(tree.root_hash())
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("state_tree/clone_64MiB_tree", |b| {
        b.iter(|| black_box(base.clone()))
    });
    let one = page(42);
    c.bench_function("state_tree/update_one_page", |b| {
        let mut tree = MerkleTree::new();
        b.iter(|| tree.update_page(RAM_START, black_box(&one)))
    });
}

fn keccak(c: &mut Criterion) {
    let (a, b) = ([1u8; 32], [2u8; 32]);
    c.bench_function("keccak/keccak256_pair", |bench| {
        bench.iter(|| keccak256_pair(black_box(&a), black_box(&b)))
    });
}

fn outputs_tree(c: &mut Criterion) {
    let output = [0xabu8; 100];
    let mut tree = OutputsTree::new();
    for _ in 0..1000 {
        tree.push(&output).expect("room");
    }
    c.bench_function("outputs_tree/push_100_bytes", |b| {
        b.iter_batched_ref(
            || tree.clone(),
            |t| t.push(black_box(&output)),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("outputs_tree/root_1000_leaves", |b| {
        b.iter(|| black_box(tree.root()))
    });
}

criterion_group!(benches, keccak, state_tree, outputs_tree);
criterion_main!(benches);
