//! Benchmarks for sets: SADD through the command dispatcher (what a client
//! pays per command, minus the network) for each encoding, and membership
//! tests on the set value itself.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ember::testing::Harness;
use ember::types::set::{SetLimits, SetValue};

const KEYS: usize = 10_000;

fn bench_sadd(c: &mut Criterion) {
    let mut g = c.benchmark_group("sadd");
    g.sample_size(20);

    // New keys of ten small integers: intsets created and filled.
    let keys: Vec<Vec<u8>> = (0..KEYS).map(|i| format!("key:{i}").into_bytes()).collect();
    let ints: Vec<Vec<u8>> = (1..=10).map(|i: i32| i.to_string().into_bytes()).collect();
    g.throughput(Throughput::Elements(KEYS as u64));
    g.bench_function("new_intset_keys_10_members", |b| {
        b.iter_batched(
            Harness::new,
            |mut h| {
                for k in &keys {
                    let mut argv: Vec<&[u8]> = vec![b"SADD", k];
                    argv.extend(ints.iter().map(Vec::as_slice));
                    black_box(h.run_bytes(&argv));
                }
                h
            },
            BatchSize::LargeInput,
        )
    });

    // One member per command into one set, per encoding.
    for (name, members) in [
        (
            "intset",
            (0..500)
                .map(|i: i32| i.to_string().into_bytes())
                .collect::<Vec<_>>(),
        ),
        (
            "listpack",
            (0..120)
                .map(|i| format!("member:{i}").into_bytes())
                .collect(),
        ),
        (
            "hashtable",
            (0..KEYS)
                .map(|i| format!("member:{i}").into_bytes())
                .collect(),
        ),
    ] {
        g.throughput(Throughput::Elements(members.len() as u64));
        g.bench_function(format!("one_member_{name}"), |b| {
            b.iter_batched(
                Harness::new,
                |mut h| {
                    for m in &members {
                        black_box(h.run_bytes(&[b"SADD", b"s", m]));
                    }
                    h
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn bench_contains(c: &mut Criterion) {
    let lim = SetLimits::default();
    let mut g = c.benchmark_group("set_contains");
    for (name, members) in [
        (
            "intset_500",
            (0..500)
                .map(|i: i32| i.to_string().into_bytes())
                .collect::<Vec<_>>(),
        ),
        (
            "listpack_120",
            (0..120)
                .map(|i| format!("member:{i}").into_bytes())
                .collect(),
        ),
        (
            "hashtable_10k",
            (0..KEYS)
                .map(|i| format!("member:{i}").into_bytes())
                .collect(),
        ),
    ] {
        let mut s = SetValue::create(&members[0], members.len(), &lim);
        for m in &members {
            s.add(m, &lim);
        }
        g.throughput(Throughput::Elements(members.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| members.iter().filter(|m| s.contains(m)).count())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_sadd, bench_contains);
criterion_main!(benches);
