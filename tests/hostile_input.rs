//! Seeded mutation tests for the decoders that take bytes from clients and
//! files: DUMP payloads (RESTORE), RESP frames and AOF command streams.
//! Valid inputs (made by ember, and by Redis 7.0 in `fuzz/seeds/restore`)
//! are damaged with bit flips, truncation, length-field edits, splices,
//! insertions and deletions; every decoder must return (no panic), allocate
//! in proportion to its input, and either refuse or give a result that
//! holds up: a restored value dumps and restores to itself, a command
//! stream parses the same whole and in pieces. The coverage-guided
//! versions of these checks live in `fuzz/` (see docs/development.md).
//!
//! Its own test binary, so the allocation-tracking allocator below sees
//! only these tests.

#[path = "common/resp_stream.rs"]
mod resp_stream;
// The shared generator; not every helper of it is used here.
#[path = "../src/test_rng.rs"]
#[allow(dead_code)]
mod rng;

use ember::persist::aof_load::{CmdReader, Stop};
use ember::persist::rdb::{self, TypeLimits};
use ember::resp::Limits;
use ember::testing::Harness;
use ember::types::Value;
use resp_stream::{End, parse_stream};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

// ---------------------------------------------------------------------------
// Allocation tracking: the largest single request made by this thread.

struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|m| m.set(m.get().max(size)));
}

// SAFETY: forwards every call to System unchanged; `note` only updates a
// const-initialised thread-local Cell (no allocation, no drop).
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note(l.size());
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        note(new);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Runs `f` and returns its result with the largest allocation it made.
fn largest_alloc<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|m| m.set(0));
    let r = f();
    (r, LARGEST.with(|m| m.get()))
}

/// What a decoder may allocate at once for `len` input bytes: LZF expands
/// at most 88x; everything else is linear with a small factor.
fn alloc_bound(len: usize) -> usize {
    (1 << 20) + 100 * len
}

#[test]
fn the_tracker_sees_allocations() {
    let (v, largest) = largest_alloc(|| Vec::<u8>::with_capacity(3 << 20));
    assert_eq!(v.capacity(), 3 << 20);
    assert!(largest >= 3 << 20, "{largest}");
    let ((), largest) = largest_alloc(|| ());
    assert_eq!(largest, 0);
}

// ---------------------------------------------------------------------------
// Deterministic damage.

use rng::Rng;

/// Length-field encodings that lie: RDB lengths (6-bit, 14-bit, 32-bit,
/// 64-bit, the encoded-string marker) and RESP counts.
const RDB_LENGTHS: &[&[u8]] = &[
    &[0x3F],
    &[0x7F, 0xFF],
    &[0x80, 0xFF, 0xFF, 0xFF, 0xFF],
    &[0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
    &[0x81, 0, 0, 0, 1, 0, 0, 0, 0],
    &[0xC3],
    &[0xFF, 0xFF, 0xFF, 0xFF],
];
const RESP_NUMBERS: &[&[u8]] = &[
    b"0",
    b"-1",
    b"-2",
    b"1",
    b"2147483648",
    b"9223372036854775807",
    b"99999999999999999999",
    b"536870913",
    b"",
    b"+3",
    b"3x",
];

/// One to three damaging edits of `base` (splicing in part of `other`).
fn mutate(rng: &mut Rng, base: &[u8], other: &[u8], numbers: &[&[u8]], resp: bool) -> Vec<u8> {
    let mut b = base.to_vec();
    for _ in 0..1 + rng.below_usize(3) {
        if b.is_empty() {
            b.push(rng.next() as u8);
        }
        let at = rng.below_usize(b.len());
        match rng.below_usize(7) {
            0 => b[at] ^= 1 << rng.below_usize(8),
            1 => b[at] = rng.next() as u8,
            2 => b.truncate(at),
            3 => {
                let n = numbers[rng.below_usize(numbers.len())];
                if resp {
                    // Replace the number after a '*' or '$'.
                    let marks: Vec<usize> = (0..b.len())
                        .filter(|&i| b[i] == b'*' || b[i] == b'$')
                        .collect();
                    if let Some(&m) = marks.get(rng.below_usize(marks.len())) {
                        let end = (m + 1..b.len()).find(|&i| b[i] == b'\r').unwrap_or(b.len());
                        b.splice(m + 1..end, n.iter().copied());
                    }
                } else {
                    let end = (at + n.len()).min(b.len());
                    b.splice(at..end, n.iter().copied());
                }
            }
            4 => {
                let from = rng.below_usize(other.len());
                b.truncate(at);
                b.extend_from_slice(&other[from..]);
            }
            5 => {
                let n = 1 + rng.below_usize(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(at..at, bytes);
            }
            _ => {
                let end = (at + 1 + rng.below_usize(16)).min(b.len());
                b.drain(at..end);
            }
        }
    }
    b
}

// ---------------------------------------------------------------------------
// DUMP / RESTORE

/// The bulk payload of a `$N\r\n...\r\n` reply.
fn bulk(reply: &[u8]) -> Vec<u8> {
    let nl = reply.iter().position(|&b| b == b'\n').expect("header");
    let n: usize = std::str::from_utf8(&reply[1..nl - 1])
        .unwrap()
        .parse()
        .unwrap();
    reply[nl + 1..nl + 1 + n].to_vec()
}

/// DUMP payloads of every type in every encoding ember writes.
fn ember_payloads() -> Vec<Vec<u8>> {
    let mut h = Harness::new();
    let long = "abcdefgh".repeat(40);
    let many: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    let scores: Vec<String> = (0..200)
        .flat_map(|i| [format!("{i}.5"), format!("m{i}")])
        .collect();
    let mut cmds: Vec<Vec<&str>> = vec![
        vec!["SET", "s", "hello"],
        vec!["SET", "n", "-70000"],
        vec!["SET", "long", &long],
        vec!["RPUSH", "l", "a", "1", "-2", "300", &long],
        vec!["SADD", "si", "1", "2", "-3", "5000000000"],
        vec!["SADD", "ss", "x", "y", "z"],
        vec!["ZADD", "z", "1.5", "m", "2", "n", "-inf", "o"],
        vec!["HSET", "h", "f", "v", "g", "12"],
        vec!["HSET", "hl", "f", &long],
        vec!["XADD", "x", "1-1", "f", "v", "g", "12"],
        vec!["XADD", "x", "1-2", "f", "w", "g", "-5"],
        vec!["XADD", "x", "2-0", "other", &long],
        vec!["XGROUP", "CREATE", "x", "grp", "0"],
        vec![
            "XREADGROUP",
            "GROUP",
            "grp",
            "c1",
            "COUNT",
            "2",
            "STREAMS",
            "x",
            ">",
        ],
    ];
    let mut big_list = vec!["RPUSH", "bl"];
    big_list.extend(many.iter().map(String::as_str));
    let mut big_set = vec!["SADD", "bs"];
    big_set.extend(many.iter().map(String::as_str));
    let mut big_zset = vec!["ZADD", "bz"];
    big_zset.extend(scores.iter().map(String::as_str));
    let mut big_hash = vec!["HSET", "bh"];
    big_hash.extend(scores.iter().map(String::as_str));
    cmds.extend([big_list, big_set, big_zset, big_hash]);
    for c in &cmds {
        let r = h.run(c);
        assert!(!r.starts_with('-'), "{c:?}: {r}");
    }
    let keys = [
        "s", "n", "long", "l", "si", "ss", "z", "h", "hl", "x", "bl", "bs", "bz", "bh",
    ];
    keys.iter()
        .map(|k| bulk(&h.run_bytes(&[b"DUMP", k.as_bytes()])))
        .collect()
}

/// Payload bodies from Redis 7.0 (fuzz/seeds/restore, made by
/// fuzz/make_seeds.py): the footer is already cut off.
fn redis_bodies() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/restore");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| std::fs::read(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// A payload around `body`: version 10 and a correct checksum.
fn with_footer(body: &[u8]) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&rdb::RDB_VERSION.to_le_bytes());
    let crc = rdb::crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

#[test]
fn damaged_dump_payloads_error_or_round_trip() {
    let lim = TypeLimits::default();
    let mut bodies: Vec<Vec<u8>> = ember_payloads()
        .iter()
        .map(|p| {
            rdb::verify_payload(p, false)
                .expect("ember's payload verifies")
                .to_vec()
        })
        .collect();
    // Redis's bodies include FUNCTION DUMP output, which is not a value.
    bodies.extend(
        redis_bodies()
            .into_iter()
            .filter(|b| rdb::restore_value(b, &lim).is_ok()),
    );
    assert!(
        bodies.len() >= 20,
        "seed payloads missing: {}",
        bodies.len()
    );
    let mut h = Harness::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut refused) = (0, 0);
    for round in 0..15000 {
        let base = &bodies[round % bodies.len()];
        let other = &bodies[rng.below_usize(bodies.len())];
        let body = mutate(&mut rng, base, other, RDB_LENGTHS, false);
        let (r, largest) = largest_alloc(|| rdb::restore_value(&body, &lim));
        assert!(
            largest <= alloc_bound(body.len()),
            "{largest} bytes allocated at once for a {}-byte body {body:02x?}",
            body.len()
        );
        let decoded = r.is_ok();
        match r {
            Ok(v) => {
                ok += 1;
                let p = rdb::dump_payload(&v, true, -2).unwrap();
                let again =
                    rdb::restore_value(rdb::verify_payload(&p, false).unwrap(), &lim).unwrap();
                // A stream node keeps the byte size of the listpack it was
                // read from (a non-canonical one differs): compare dumps.
                if matches!(v, Value::Stream(_)) {
                    let p2 = rdb::dump_payload(&again, true, -2).unwrap();
                    assert!(p2 == p, "stream round trip changed {body:02x?}");
                } else {
                    assert!(again == v, "round trip changed {body:02x?}");
                }
            }
            Err(_) => refused += 1,
        }
        // Through the command: the exact replies Redis gives.
        if round % 8 == 0 {
            let payload = with_footer(&body);
            let reply = h.run_bytes(&[b"RESTORE", b"k", b"0", &payload, b"REPLACE"]);
            let want: &[u8] = if decoded {
                b"+OK\r\n"
            } else {
                b"-ERR Bad data format\r\n"
            };
            assert_eq!(reply, want, "{body:02x?}");
            let mut bad = payload.clone();
            let last = bad.len() - 1;
            bad[last] ^= 0x40;
            let reply = h.run_bytes(&[b"RESTORE", b"k2", b"0", &bad]);
            assert_eq!(
                reply,
                b"-ERR DUMP payload version or checksum are wrong\r\n"
            );
        }
    }
    // Both outcomes were exercised (the mutations are not all fatal).
    assert!(ok > 100 && refused > 1000, "ok {ok}, refused {refused}");
}

#[test]
fn declared_counts_do_not_allocate() {
    let lim = TypeLimits::default();
    // Each type byte followed by a count of 2^62 and nothing else, then a
    // string with a 4 GB length, an LZF string claiming 4 GB, and a
    // quicklist node whose listpack header claims 4 GB.
    let mut bodies: Vec<Vec<u8>> = (0u8..=21)
        .map(|t| vec![t, 0x81, 0x40, 0, 0, 0, 0, 0, 0, 0, 1])
        .collect();
    bodies.push(vec![rdb::T_STRING, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, b'a']);
    bodies.push(vec![
        rdb::T_STRING,
        0xC3,
        0x02,
        0x80,
        0xFF,
        0xFF,
        0xFF,
        0xFF,
        1,
        b'a',
    ]);
    bodies.push(vec![
        rdb::T_LIST_QUICKLIST_2,
        1,
        2,
        8,
        0xFF,
        0xFF,
        0xFF,
        0xFF,
        0xFF,
        0xFF,
        0,
        0xFF,
    ]);
    for body in bodies {
        let (r, largest) = largest_alloc(|| rdb::restore_value(&body, &lim));
        assert!(r.is_err(), "{body:02x?} decoded");
        assert!(largest < 1 << 16, "{largest} bytes for {body:02x?}");
    }
}

// ---------------------------------------------------------------------------
// RESP

fn multibulk(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn damaged_resp_frames_parse_the_same_whole_and_in_pieces() {
    let long = vec![b'v'; 300];
    let frames: Vec<Vec<u8>> = vec![
        multibulk(&[b"SET", b"key", b"value"]),
        [multibulk(&[b"PING"]), multibulk(&[b"GET", b"k"])].concat(),
        multibulk(&[b"RPUSH", b"l", &long, b"", b"x"]),
        b"SET a \"b c\\x41\" 'd'\r\nPING\r\n".to_vec(),
        b"\r\n\r\nECHO hi\n".to_vec(),
        [
            multibulk(&[b"MSET", b"a", b"1", b"b", b"2"]),
            b"PING\r\n".to_vec(),
        ]
        .concat(),
    ];
    let limits = [
        Limits {
            max_bulk: 512 << 20,
            authenticated: true,
        },
        Limits {
            max_bulk: 16,
            authenticated: true,
        },
        Limits {
            max_bulk: 512 << 20,
            authenticated: false,
        },
    ];
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let (mut parsed, mut errors) = (0, 0);
    for round in 0..6000 {
        let base = &frames[round % frames.len()];
        let other = &frames[rng.below_usize(frames.len())];
        let data = mutate(&mut rng, base, other, RESP_NUMBERS, true);
        let lim = &limits[round % limits.len()];
        let (whole, largest) = largest_alloc(|| parse_stream(&data, data.len().max(1), lim));
        assert!(
            largest <= alloc_bound(data.len()),
            "{largest} bytes for {data:02x?}"
        );
        for chunk in [1, 3, 7] {
            let split = parse_stream(&data, chunk, lim);
            assert_eq!(split, whole, "chunk {chunk}: {data:02x?}");
        }
        parsed += whole.0.len();
        errors += usize::from(matches!(whole.1, End::Error(_)));
    }
    assert!(
        parsed > 1000 && errors > 100,
        "parsed {parsed}, errors {errors}"
    );
}

// ---------------------------------------------------------------------------
// AOF

fn read_commands(data: &[u8]) -> (Vec<Vec<Vec<u8>>>, Result<(), Stop>) {
    let mut rd = CmdReader::new(data, 0);
    let mut cmds = Vec::new();
    loop {
        match rd.next_command() {
            Ok(Some(argv)) => cmds.push(argv),
            Ok(None) => return (cmds, Ok(())),
            Err(e) => return (cmds, Err(e)),
        }
    }
}

#[test]
fn damaged_aof_tails_cut_back_to_whole_commands() {
    let file = [
        b"#TS:1700000000\r\n".to_vec(),
        multibulk(&[b"SELECT", b"0"]),
        multibulk(&[b"SET", b"k", b"v"]),
        multibulk(&[b"MULTI"]),
        multibulk(&[b"INCR", b"n"]),
        multibulk(&[b"EXEC"]),
        multibulk(&[b"RPUSH", b"l", &[b'x'; 100]]),
    ]
    .concat();
    let mut rng = Rng(0xA076_1D64_78BD_642F);
    let mut truncated = 0;
    for round in 0..4000 {
        let data = mutate(&mut rng, &file, &file, RESP_NUMBERS, true);
        let ((cmds, end), largest) = largest_alloc(|| read_commands(&data));
        assert!(
            largest <= alloc_bound(data.len()),
            "{largest} bytes for {data:02x?}"
        );
        if let Err(Stop::Truncated { valid }) = end {
            // What aof-load-truncated keeps reads back cleanly, whole.
            truncated += 1;
            let (again, end) = read_commands(&data[..valid as usize]);
            assert_eq!(end, Ok(()), "round {round}: {data:02x?}");
            assert_eq!(again, cmds, "round {round}: {data:02x?}");
        }
    }
    assert!(truncated > 100, "{truncated}");
}
