//! sr25519 verification throughput on this machine: one signature at a time on one core
//! (what `sp_io::crypto::sr25519_verify` costs), and `sr25519_all` (batch verification
//! on all cores) cold and cached.
#![allow(missing_docs)]

use concerto_verify_interface::{native, Sr25519Check};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use polkadot_sdk::sp_core::{sr25519, Pair};

fn checks(n: usize) -> Vec<Sr25519Check> {
    let pairs: Vec<sr25519::Pair> = (0..8u8)
        .map(|i| sr25519::Pair::from_seed(&[i; 32]))
        .collect();
    (0..n)
        .map(|i| {
            let message = [i.to_le_bytes().as_slice(), &[7u8; 123]].concat();
            let pair = &pairs[i % pairs.len()];
            Sr25519Check {
                public: pair.public().0,
                signature: pair.sign(&message).0,
                message,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = 4096;
    let all = checks(n);
    let mut group = c.benchmark_group("sr25519");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("one_by_one_single_core", n), |b| {
        b.iter(|| assert!(all.iter().all(native::sr25519_one)))
    });
    group.bench_function(BenchmarkId::new("batch_all_cores_cold", n), |b| {
        b.iter(|| {
            native::clear_cache();
            assert!(native::sr25519_all(&all))
        })
    });
    group.bench_function(BenchmarkId::new("batch_all_cores_cached", n), |b| {
        assert!(native::sr25519_all(&all));
        b.iter(|| assert!(native::sr25519_all(&all)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
