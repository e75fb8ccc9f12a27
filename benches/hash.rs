//! Benchmarks for hashes: HSET and HGET through the command dispatcher (what
//! a client pays per command, minus the network) for both encodings, with
//! SET as the baseline for the dispatch and keyspace cost.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ember::testing::Harness;

const OPS: usize = 10_000;

fn bench_hset(c: &mut Criterion) {
    let mut g = c.benchmark_group("hset");
    g.sample_size(20);
    g.throughput(Throughput::Elements(OPS as u64));

    // redis-benchmark's SET and HSET tests without -r: one key, one field,
    // the same 3-byte value every time.
    g.bench_function("baseline_set_same_key", |b| {
        let mut h = Harness::new();
        b.iter(|| {
            for _ in 0..OPS {
                black_box(h.run_bytes(&[b"SET", b"key:000000000000", b"xxx"]));
            }
        })
    });
    g.bench_function("same_field_listpack", |b| {
        let mut h = Harness::new();
        b.iter(|| {
            for _ in 0..OPS {
                black_box(h.run_bytes(&[b"HSET", b"myhash", b"element:000000000000", b"xxx"]));
            }
        })
    });

    // Ten fields, updating the last one (a walk over the whole listpack).
    g.bench_function("tenth_field_listpack", |b| {
        let mut h = Harness::new();
        for i in 0..10 {
            h.run(&["HSET", "myhash", &format!("field:{i}"), "value"]);
        }
        b.iter(|| {
            for _ in 0..OPS {
                black_box(h.run_bytes(&[b"HSET", b"myhash", b"field:9", b"xxx"]));
            }
        })
    });

    // redis-benchmark -r: distinct fields into one big hash (hashtable).
    let fields: Vec<Vec<u8>> = (0..OPS)
        .map(|i| format!("element:{i:012}").into_bytes())
        .collect();
    g.bench_function("new_fields_hashtable", |b| {
        b.iter_batched(
            Harness::new,
            |mut h| {
                for f in &fields {
                    black_box(h.run_bytes(&[b"HSET", b"myhash", f, b"xxx"]));
                }
                h
            },
            BatchSize::LargeInput,
        )
    });

    // New keys of ten short pairs each (the memory acceptance load).
    let keys: Vec<Vec<u8>> = (0..OPS).map(|i| format!("hash:{i}").into_bytes()).collect();
    let pairs: Vec<Vec<u8>> = (0..10)
        .flat_map(|j| {
            [
                format!("field{j}").into_bytes(),
                format!("value{j}").into_bytes(),
            ]
        })
        .collect();
    g.bench_function("new_keys_10_pairs", |b| {
        b.iter_batched(
            Harness::new,
            |mut h| {
                for k in &keys {
                    let mut argv: Vec<&[u8]> = vec![b"HSET", k];
                    argv.extend(pairs.iter().map(Vec::as_slice));
                    black_box(h.run_bytes(&argv));
                }
                h
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bench_hget(c: &mut Criterion) {
    let mut g = c.benchmark_group("hget");
    g.sample_size(20);
    g.throughput(Throughput::Elements(OPS as u64));
    let mut h = Harness::new();
    for j in 0..10 {
        h.run(&["HSET", "small", &format!("field{j}"), &format!("value{j}")]);
    }
    h.srv.config.hash_max_listpack_entries = 0;
    for j in 0..1000 {
        h.run(&["HSET", "big", &format!("field{j}"), &format!("value{j}")]);
    }
    for (name, key) in [("listpack_10", "small"), ("hashtable_1000", "big")] {
        g.bench_function(name, |b| {
            b.iter(|| {
                for _ in 0..OPS {
                    black_box(h.run_bytes(&[b"HGET", key.as_bytes(), b"field7"]));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_hset, bench_hget);
criterion_main!(benches);
