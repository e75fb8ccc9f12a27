//! Parser, command lookup and reply encoding microbenchmarks.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use ember::resp::{Limits, ReplyBuf, parse_command};

const LIM: Limits = Limits {
    max_bulk: 512 * 1024 * 1024,
    authenticated: true,
};

/// Reuses a vector's allocation for slices of another lifetime, as the
/// event loop does with its argument vector.
fn recycle<'b>(mut v: Vec<&[u8]>) -> Vec<&'b [u8]> {
    v.clear();
    v.into_iter().map(|_| &[][..]).collect()
}

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
    // What the server does per request: the client's parse state and the
    // argument vector are reused, so nothing allocates.
    for (name, frame) in [
        (
            "parse_bench_set_reused",
            &b"*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n"[..],
        ),
        (
            "parse_bench_get_reused",
            &b"*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n"[..],
        ),
    ] {
        c.bench_function(name, |b| {
            let mut buf = frame.to_vec();
            let mut state = ember::resp::ParseState::default();
            let mut store: Vec<&'static [u8]> = Vec::with_capacity(8);
            b.iter(|| {
                let mut v = recycle(std::mem::take(&mut store));
                let r = parse_command(black_box(&mut buf), &mut v, &LIM, &mut state);
                let n = v.len();
                store = recycle(v);
                black_box((r.is_ok(), n))
            })
        });
    }
    // A frame split across two reads: the general parser and its resume.
    let split = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n".to_vec();
    c.bench_function("parse_split_frame_resume", |b| {
        let mut state = ember::resp::ParseState::default();
        b.iter(|| {
            let mut first = split[..20].to_vec();
            let mut argv = Vec::new();
            let r1 = parse_command(&mut first, &mut argv, &LIM, &mut state);
            let mut whole = split.clone();
            let mut argv = Vec::new();
            let r2 = parse_command(&mut whole, &mut argv, &LIM, &mut state);
            black_box((r1.is_ok(), r2.is_ok(), argv.len()))
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
    c.bench_function("command_lookup_upper_set", |b| {
        b.iter(|| black_box(t.lookup(black_box(b"SET"))).is_some())
    });
    c.bench_function("command_lookup_long_name", |b| {
        b.iter(|| black_box(t.lookup(black_box(b"ZRANGEBYSCORE"))).is_some())
    });
    c.bench_function("command_lookup_unknown", |b| {
        b.iter(|| black_box(t.lookup(black_box(b"NOSUCHCMD"))).is_some())
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
