//! Parser, command lookup and reply encoding microbenchmarks.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use ember::resp::{Limits, ReplyBuf, parse_command};

const LIM: Limits = Limits {
    max_bulk: 512 * 1024 * 1024,
    authenticated: true,
};

fn parse(c: &mut Criterion) {
    let set = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000042\r\n$16\r\nvalue:0000000042\r\n".to_vec();
    c.bench_function("parse_set_multibulk", |b| {
        let mut buf = set.clone();
        b.iter(|| {
            let mut argv = Vec::with_capacity(8);
            let r = parse_command(
                black_box(&mut buf),
                &mut argv,
                &LIM,
                &mut ember::resp::ParseState::default(),
            );
            black_box((&r, argv.len()));
        })
    });
    let mut pipeline = Vec::new();
    for _ in 0..16 {
        pipeline.extend_from_slice(&set);
    }
    c.bench_function("parse_pipeline_16", |b| {
        let mut buf = pipeline.clone();
        b.iter(|| {
            let mut pos = 0;
            let mut n = 0;
            while pos < buf.len() {
                let mut argv = Vec::new();
                match parse_command(
                    &mut buf[pos..],
                    &mut argv,
                    &LIM,
                    &mut ember::resp::ParseState::default(),
                ) {
                    Ok(ember::resp::Parsed::Complete { consumed }) => {
                        pos += consumed;
                        n += argv.len();
                    }
                    _ => break,
                }
            }
            black_box(n)
        })
    });
    let inline = b"SET key:000000000042 value:0000000042\r\n".to_vec();
    c.bench_function("parse_inline", |b| {
        let mut buf = inline.clone();
        b.iter(|| {
            let mut argv = Vec::with_capacity(8);
            let r = parse_command(
                black_box(&mut buf),
                &mut argv,
                &LIM,
                &mut ember::resp::ParseState::default(),
            );
            black_box((&r, argv.len()));
        })
    });
}

fn lookup(c: &mut Criterion) {
    let t = ember::cmd::table();
    c.bench_function("command_lookup_mixed_case", |b| {
        b.iter(|| black_box(t.lookup(black_box(b"gEt"))).is_some())
    });
}

fn encode(c: &mut Criterion) {
    c.bench_function("reply_bulk_and_int", |b| {
        let mut r = ReplyBuf::new();
        b.iter(|| {
            r.buf.clear();
            r.bulk(black_box(b"value:0000000042"));
            r.int(black_box(123_456));
            r.bulk_i64(black_box(-42));
            black_box(r.buf.len())
        })
    });
}

criterion_group!(benches, parse, lookup, encode);
criterion_main!(benches);
