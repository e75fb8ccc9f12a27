//! Benchmarks for the keyspace hash table (`ember::db::dict::Dict`).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ember::db::dict::Dict;

const N: usize = 100_000;

fn keys(prefix: &str, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("{prefix}:{i:08}").into_bytes())
        .collect()
}

/// A dict holding `keys`, with any rehash finished.
fn filled(keys: &[Vec<u8>]) -> Dict<u64> {
    let mut d = Dict::new();
    for (i, k) in keys.iter().enumerate() {
        d.insert(k, i as u64);
    }
    while d.rehash_step(1024) {}
    d
}

fn lookups(d: &Dict<u64>, keys: &[Vec<u8>]) -> u64 {
    keys.iter().map(|k| d.get(k).copied().unwrap_or(1)).sum()
}

fn bench_dict(c: &mut Criterion) {
    let present = keys("key", N);
    let absent = keys("missing", N);

    let mut g = c.benchmark_group("dict");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);

    g.bench_function("insert_100k", |b| {
        b.iter_batched(
            Dict::<u64>::new,
            |mut d| {
                for (i, k) in present.iter().enumerate() {
                    d.insert(k, i as u64);
                }
                d // dropped outside the timed section
            },
            BatchSize::LargeInput,
        )
    });

    g.bench_function("remove_100k", |b| {
        b.iter_batched(
            || filled(&present),
            |mut d| {
                for k in &present {
                    black_box(d.remove(k));
                }
                d
            },
            BatchSize::LargeInput,
        )
    });

    let d = filled(&present);
    g.sample_size(50);
    g.bench_function("lookup_hit_100k", |b| {
        b.iter(|| lookups(black_box(&d), &present))
    });
    g.bench_function("lookup_miss_100k", |b| {
        b.iter(|| lookups(black_box(&d), &absent))
    });
    drop(d);

    // 2^16 keys fill 2^16 buckets exactly; one more insert starts a rehash into 2^17.
    // Move half of the old table so hits are split between the two tables and misses
    // have to probe both.
    let rehash_keys = keys("key", (1 << 16) + 1);
    let mut d = filled(&rehash_keys[..1 << 16]);
    d.insert(&rehash_keys[1 << 16], 0);
    d.rehash_step(1 << 15);
    assert!(d.is_rehashing());
    g.throughput(Throughput::Elements(rehash_keys.len() as u64));
    g.bench_function("lookup_hit_rehashing_65k", |b| {
        b.iter(|| lookups(black_box(&d), &rehash_keys))
    });
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("lookup_miss_rehashing_100k", |b| {
        b.iter(|| lookups(black_box(&d), &absent))
    });
    g.finish();
}

criterion_group!(benches, bench_dict);
criterion_main!(benches);
