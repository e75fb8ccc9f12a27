//! RDB persistence against real Redis: ember's files loaded by
//! `redis-server` and checked by `redis-check-rdb`, Redis's files (small
//! encodings on and off, hand-made files in older encodings) loaded by
//! ember, DUMP/RESTORE both ways, and corrupt files refused without a panic.
//!
//! Data sets are built in-process (`ember::testing::Harness`) and saved or
//! loaded with `ember::persist`; the same commands run on a real Redis, and
//! the two are compared key by key (type, content, absolute expiry). Tests
//! that need redis-server skip with a notice when it is absent (and fail in
//! CI). Tests of the server binary's start-up loading first check that the
//! binary loads `dbfilename` at start-up and skip with a notice otherwise.

mod common;

use common::snapshot::*;
use common::*;
use ember::config::Config;
use ember::persist;
use ember::testing::Harness;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Data set
// ---------------------------------------------------------------------------

use common::rng::Rng;

/// A far-future absolute expiry (ms), the same for both servers.
const FAR: i64 = 4_102_444_800_000; // 2100-01-01

/// The commands that build the shared data set, as (db, command).
fn dataset() -> Vec<(usize, Args)> {
    let mut out: Vec<(usize, Args)> = Vec::new();
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let ints = [
        "0",
        "1",
        "-1",
        "127",
        "128",
        "-128",
        "-129",
        "255",
        "256",
        "32767",
        "32768",
        "-32768",
        "-32769",
        "2147483647",
        "2147483648",
        "-2147483648",
        "-2147483649",
        "12345678901",
        "9223372036854775807",
        "-9223372036854775808",
        "007",
        "-0",
        "+1",
        " 1",
        "1.5",
        "",
    ];
    for (i, v) in ints.iter().enumerate() {
        out.push((
            0,
            a(&[b"SET", format!("s:int:{i}").as_bytes(), v.as_bytes()]),
        ));
    }
    out.push((0, a(&[b"SET", b"s:21", &[b'a'; 21]])));
    out.push((0, a(&[b"SET", b"s:abc", "abc".repeat(1000).as_bytes()])));
    out.push((0, a(&[b"SET", b"s:rand50", &r.bytes(50)])));
    out.push((0, a(&[b"SET", b"s:rand1000", &r.bytes(1000)])));
    // Larger than the loader's 1 MB read buffer.
    out.push((0, a(&[b"SET", b"s:3mb", &r.bytes(3 << 20)])));
    out.push((0, a(&[b"SET", b"\x00bin\xff\r\n", b"binary key"])));
    out.push((0, a(&[b"SET", b"", b"empty key"])));
    out.push((0, a(&[b"SET", &[b'k'; 300], &[b'v'; 300]])));
    out.push((0, a(&[b"SET", b"12", b"int-looking key"])));
    for i in 0..5 {
        let k = format!("s:ttl:{i}");
        out.push((0, a(&[b"SET", k.as_bytes(), b"v"])));
        out.push((
            0,
            a(&[b"PEXPIREAT", k.as_bytes(), (FAR + i).to_string().as_bytes()]),
        ));
    }
    // Lists.
    out.push((
        0,
        a(&[b"RPUSH", b"l:small", b"a", b"1", b"-2", b"300", b"xyz"]),
    ));
    let mut big = vec![b"RPUSH".to_vec(), b"l:big".to_vec()];
    for i in 0..3000u64 {
        big.push(match i % 4 {
            0 => i.to_string().into_bytes(),
            1 => format!("elem-{i}").into_bytes(),
            2 => (r.next() as i64).to_string().into_bytes(),
            _ => {
                let n = (r.next() % 80) as usize;
                r.bytes(n)
            }
        });
    }
    out.push((0, big));
    out.push((
        0,
        a(&[
            b"RPUSH",
            b"l:huge",
            b"x",
            &[b'h'; 20000],
            b"y",
            &r.bytes(9000),
        ]),
    ));
    let mut ints = vec![b"RPUSH".to_vec(), b"l:ints".to_vec()];
    ints.extend((0..500).map(|i: i64| (i * 1000 - 250_000).to_string().into_bytes()));
    out.push((0, ints));
    // Sets.
    let mut s = vec![b"SADD".to_vec(), b"set:intset".to_vec()];
    s.extend((1..=100).map(|i: i64| i.to_string().into_bytes()));
    out.push((0, s));
    let mut s = vec![b"SADD".to_vec(), b"set:bigints".to_vec()];
    s.extend((0..1000).map(|i: i64| (i * 7).to_string().into_bytes()));
    out.push((0, s));
    out.push((
        0,
        a(&[
            b"SADD",
            b"set:wide",
            b"-9223372036854775808",
            b"9223372036854775807",
            b"-5",
            b"70000",
        ]),
    ));
    let mut s = vec![b"SADD".to_vec(), b"set:lp".to_vec()];
    s.extend((0..10).map(|i| format!("m{i}").into_bytes()));
    out.push((0, s));
    let mut s = vec![b"SADD".to_vec(), b"set:ht".to_vec()];
    s.extend((0..300).map(|i| format!("member-{i}-{}", r.next() % 1000).into_bytes()));
    out.push((0, s));
    // Sorted sets.
    out.push((
        0,
        a(&[
            b"ZADD",
            b"z:lp",
            b"1",
            b"one",
            b"1.5",
            b"x",
            b"-inf",
            b"low",
            b"inf",
            b"high",
            b"0",
            b"zero",
            b"0.1",
            b"tenth",
            b"1e-300",
            b"tiny",
            b"123456789012345678",
            b"bigint",
            b"-3",
            b"neg",
            b"3",
            b"three",
        ]),
    ));
    let mut z = vec![b"ZADD".to_vec(), b"z:big".to_vec()];
    for i in 0..300 {
        let score = (r.next() % 100_000) as f64 / 7.0 - 5000.0;
        z.push(format!("{score}").into_bytes());
        z.push(format!("zm-{i}").into_bytes());
    }
    out.push((0, z));
    out.push((0, a(&[b"ZADD", b"z:long", b"2", &[b'q'; 100]])));
    // Hashes.
    let mut h = vec![b"HSET".to_vec(), b"h:lp".to_vec()];
    for i in 0..10 {
        h.push(format!("f{i}").into_bytes());
        h.push(if i % 2 == 0 {
            (i * 1000).to_string().into_bytes()
        } else {
            format!("v{i}").into_bytes()
        });
    }
    out.push((0, h));
    let mut h = vec![b"HSET".to_vec(), b"h:ht".to_vec()];
    for i in 0..600 {
        h.push(format!("field-{i}").into_bytes());
        h.push(format!("value-{}", r.next() % 100_000).into_bytes());
    }
    out.push((0, h));
    out.push((
        0,
        a(&[b"HSET", b"h:longval", b"f", &[b'w'; 100], b"g", b"1"]),
    ));
    out.push((0, a(&[b"PEXPIREAT", b"h:lp", FAR.to_string().as_bytes()])));
    // Streams: several nodes (same and changing fields, integer-looking
    // values), deletions, groups with pending entries, an emptied stream.
    for i in 1..=230u64 {
        let id = format!("{}-{}", 1000 + i / 3, i % 3);
        let fields: Vec<Vec<u8>> = if i % 7 == 0 {
            vec![b"other".to_vec(), i.to_string().into_bytes()]
        } else {
            vec![
                b"name".to_vec(),
                format!("n{i}").into_bytes(),
                b"n".to_vec(),
                (i * 1000).to_string().into_bytes(),
            ]
        };
        let mut c = vec![b"XADD".to_vec(), b"x:big".to_vec(), id.into_bytes()];
        c.extend(fields);
        out.push((0, c));
    }
    out.push((0, a(&[b"XDEL", b"x:big", b"1001-0", b"1010-1", b"1076-2"])));
    out.push((0, a(&[b"XGROUP", b"CREATE", b"x:big", b"g1", b"0"])));
    out.push((0, a(&[b"XGROUP", b"CREATE", b"x:big", b"g2", b"$"])));
    out.push((
        0,
        a(&[
            b"XREADGROUP",
            b"GROUP",
            b"g1",
            b"alice",
            b"COUNT",
            b"5",
            b"STREAMS",
            b"x:big",
            b">",
        ]),
    ));
    out.push((
        0,
        a(&[
            b"XREADGROUP",
            b"GROUP",
            b"g1",
            b"bob",
            b"COUNT",
            b"3",
            b"STREAMS",
            b"x:big",
            b">",
        ]),
    ));
    out.push((0, a(&[b"XACK", b"x:big", b"g1", b"1001-1"])));
    out.push((
        0,
        a(&[b"XGROUP", b"CREATECONSUMER", b"x:big", b"g2", b"carol"]),
    ));
    out.push((0, a(&[b"XADD", b"x:small", b"5-1", b"f", &[b'v'; 100]])));
    out.push((0, a(&[b"XADD", b"x:small", b"5-2", b"f", b"-12345678901"])));
    out.push((
        0,
        a(&[
            b"XSETID",
            b"x:small",
            b"9-9",
            b"ENTRIESADDED",
            b"50",
            b"MAXDELETEDID",
            b"4-0",
        ]),
    ));
    out.push((0, a(&[b"XADD", b"x:empty", b"1-1", b"a", b"b"])));
    out.push((0, a(&[b"XDEL", b"x:empty", b"1-1"])));
    // Other databases.
    out.push((3, a(&[b"SET", b"db3:a", b"1"])));
    out.push((3, a(&[b"SET", b"db3:b", b"two"])));
    out.push((
        3,
        a(&[b"PEXPIREAT", b"db3:b", (FAR + 99).to_string().as_bytes()]),
    ));
    out.push((3, a(&[b"RPUSH", b"db3:l", b"p", b"q"])));
    out.push((15, a(&[b"SET", b"last", b"db"])));
    out
}

/// How many keys the data set creates.
fn dataset_keys() -> usize {
    let keys: std::collections::BTreeSet<(usize, Vec<u8>)> = dataset()
        .into_iter()
        // XGROUP and XREADGROUP name their key later on the line; it
        // already exists.
        .filter(|(_, c)| c[0] != b"XGROUP" && c[0] != b"XREADGROUP")
        .map(|(db, c)| (db, c[1].clone()))
        .collect();
    keys.len()
}

/// An in-process server whose `dir` is `dir`, with config directives
/// applied as config-file lines (so immutable ones like rdbchecksum work).
fn harness_in(dir: &Path, settings: &[(&str, &str)]) -> Harness {
    let mut cfg = Config::default();
    cfg.dir = dir.to_string_lossy().into_owned();
    for (k, v) in settings {
        cfg.load_str(&format!("{k} {v}"), "test")
            .unwrap_or_else(|e| panic!("{k} {v}: {}", e.message));
    }
    Harness::with_config(cfg)
}

/// Ember's data set, built in-process.
fn ember_with_dataset(dir: &Path, settings: &[(&str, &str)]) -> Harness {
    let mut h = harness_in(dir, settings);
    apply(&mut h, &dataset());
    h
}

fn redis_check_rdb(path: &Path) {
    let Some(tool) = find_on_path("redis-check-rdb") else {
        return;
    };
    let out = Command::new(tool)
        .arg(path)
        .output()
        .expect("run redis-check-rdb");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("RDB looks OK"),
        "redis-check-rdb rejected {}:\n{text}",
        path.display()
    );
}

fn load_into(dir: &Path, file: &Path, settings: &[(&str, &str)]) -> Harness {
    let mut h = harness_in(dir, settings);
    let st =
        persist::load(&mut h.srv, file).unwrap_or_else(|e| panic!("load {}: {e}", file.display()));
    assert!(st.keys_loaded > 0);
    h
}

/// Settings that turn Redis's small encodings off.
const PLAIN_ENCODINGS: &[(&str, &str)] = &[
    ("list-max-listpack-size", "1"),
    ("set-max-intset-entries", "0"),
    ("zset-max-listpack-entries", "0"),
    ("hash-max-listpack-entries", "0"),
];

fn as_args<'a>(settings: &'a [(&'a str, &'a str)]) -> Vec<String> {
    settings
        .iter()
        .flat_map(|(k, v)| [format!("--{k}"), v.to_string()])
        .collect()
}

// ---------------------------------------------------------------------------
// ember -> Redis
// ---------------------------------------------------------------------------

#[test]
fn ember_rdb_loads_in_redis() {
    require_redis!();
    for settings in [
        &[][..],
        &[("rdbcompression", "no")][..],
        &[("rdbchecksum", "no")][..],
        PLAIN_ENCODINGS,
    ] {
        let dir = temp_dir("ember-rdb-out");
        let mut h = ember_with_dataset(&dir, settings);
        let path = dir.join("dump.rdb");
        persist::save(&h.srv, &path).expect("save");
        redis_check_rdb(&path);
        let want = snapshot(&mut h, 16);
        assert_eq!(want.len(), dataset_keys());
        let d = dir.to_string_lossy().into_owned();
        let srv = start_redis(&["--dir", &d, "--dbfilename", "dump.rdb"]).unwrap();
        let mut conn = loaded(srv.connect());
        let got = snapshot(&mut conn, 16);
        assert_same(
            &want,
            &got,
            &format!("redis loading ember's file {settings:?}"),
        );
        drop(srv);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn checksum_off_writes_a_zero_footer() {
    let dir = temp_dir("ember-rdb-nocrc");
    let h = ember_with_dataset(&dir, &[("rdbchecksum", "no")]);
    let path = dir.join("dump.rdb");
    persist::save(&h.srv, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[bytes.len() - 8..], &[0u8; 8]);
    let h2 = ember_with_dataset(&dir, &[]);
    persist::save(&h2.srv, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    let crc = ember::persist::rdb::crc64(0, &bytes[..n - 8]);
    assert_eq!(&bytes[n - 8..], &crc.to_le_bytes());
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Redis -> ember
// ---------------------------------------------------------------------------

#[test]
fn redis_rdb_loads_in_ember() {
    require_redis!();
    for settings in [&[][..], PLAIN_ENCODINGS] {
        let args = as_args(settings);
        let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
        argv.extend_from_slice(&["--dbfilename", "redis.rdb"]);
        let srv = start_redis(&argv).unwrap();
        let mut conn = srv.connect();
        apply(&mut conn, &dataset());
        assert_eq!(conn.cmd(&["SAVE"]), b"+OK\r\n");
        let want = snapshot(&mut conn, 16);
        assert_eq!(want.len(), dataset_keys());
        let file = srv.dir.join("redis.rdb");
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(&bytes[..9], b"REDIS0010");
        for ember_settings in [&[][..], PLAIN_ENCODINGS] {
            let dir = temp_dir("ember-rdb-in");
            let mut h = load_into(&dir, &file, ember_settings);
            let got = snapshot(&mut h, 16);
            assert_same(
                &want,
                &got,
                &format!("ember loading Redis's file {settings:?}"),
            );
            // And ember's own save of it still matches.
            let path = dir.join("again.rdb");
            persist::save(&h.srv, &path).unwrap();
            redis_check_rdb(&path);
            let mut h2 = load_into(&dir, &path, &[]);
            assert_same(
                &want,
                &snapshot(&mut h2, 16),
                "ember reloading its own save",
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
        // The server binary loads it at start-up too.
        if startup_load_wired() {
            let dir = temp_dir("ember-rdb-in-bin");
            std::fs::copy(&file, dir.join("dump.rdb")).unwrap();
            let d = dir.to_string_lossy().into_owned();
            let ember = start_ember(&["--dir", &d]);
            let got = snapshot(&mut loaded(ember.connect()), 16);
            assert_same(&want, &got, "ember-server loading Redis's file");
            drop(ember);
            let _ = std::fs::remove_dir_all(&dir);
        }
        // The file was not modified by loading.
        assert_eq!(std::fs::read(&file).unwrap(), bytes);
    }
}

// ---------------------------------------------------------------------------
// DUMP / RESTORE
// ---------------------------------------------------------------------------

#[test]
fn dump_restore_both_ways() {
    require_redis!();
    let srv = start_redis(&[]).unwrap();
    let mut redis = srv.connect();
    let db0: Vec<(usize, Args)> = dataset().into_iter().filter(|(db, _)| *db == 0).collect();
    apply(&mut redis, &db0);
    let dir = temp_dir("ember-dump");
    let mut ember = ember_with_dataset(&dir, &[]);
    let strip_ttl = |mut s: Snapshot| {
        s.retain(|k, _| k.0 == 0);
        for v in s.values_mut() {
            v.expire = -1;
        }
        s
    };
    let want = strip_ttl(snapshot(&mut redis, 1));
    let keys: Vec<Vec<u8>> = want.keys().map(|k| k.1.clone()).collect();
    // Redis -> ember.
    let mut fresh = harness_in(&dir, &[]);
    for k in &keys {
        let p = bulk(&run(&mut redis, &[b"DUMP", k])).unwrap();
        let r = run(&mut fresh, &[b"RESTORE", k, b"0", &p]);
        assert_eq!(
            r,
            b"+OK\r\n",
            "RESTORE {:?} from Redis",
            String::from_utf8_lossy(k)
        );
    }
    assert_same(
        &want,
        &strip_ttl(snapshot(&mut fresh, 1)),
        "ember restoring Redis's DUMPs",
    );
    // ember -> Redis.
    let payloads: Vec<(Vec<u8>, Vec<u8>)> = keys
        .iter()
        .map(|k| (k.clone(), bulk(&run(&mut ember, &[b"DUMP", k])).unwrap()))
        .collect();
    assert_eq!(redis.cmd(&["FLUSHALL"]), b"+OK\r\n");
    for (k, p) in &payloads {
        let r = run(&mut redis, &[b"RESTORE", k, b"0", p]);
        assert_eq!(
            r,
            b"+OK\r\n",
            "Redis RESTORE of ember's DUMP of {:?}",
            String::from_utf8_lossy(k)
        );
    }
    assert_same(
        &want,
        &strip_ttl(snapshot(&mut redis, 1)),
        "Redis restoring ember's DUMPs",
    );
    // A payload Redis calls corrupt is refused by ember the same way.
    let mut bad = payloads[0].1.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(
        run(&mut redis, &[b"RESTORE", b"bad", b"0", &bad]),
        run(&mut fresh, &[b"RESTORE", b"bad", b"0", &bad])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Hand-made files in older (and newer) encodings
// ---------------------------------------------------------------------------

/// A minimal RDB writer for hand-made files (independent of ember's).
#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    fn len(&mut self, n: u64) -> &mut Self {
        if n < 64 {
            self.0.push(n as u8);
        } else if n < 16384 {
            self.0.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
        } else {
            self.0.push(0x80);
            self.0.extend_from_slice(&(n as u32).to_be_bytes());
        }
        self
    }
    fn s(&mut self, b: &[u8]) -> &mut Self {
        self.len(b.len() as u64).raw(b)
    }
    fn finish(&mut self) -> Vec<u8> {
        self.0.push(0xFF);
        let crc = ember::persist::rdb::crc64(0, &self.0);
        self.0.extend_from_slice(&crc.to_le_bytes());
        std::mem::take(&mut self.0)
    }
}

enum Z<'a> {
    S(&'a [u8]),
    I(i64),
}

/// A ziplist of the given entries.
fn ziplist(entries: &[Z]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0usize;
    let mut tail = 10;
    for e in entries {
        tail = 10 + body.len();
        let start = body.len();
        if prev < 254 {
            body.push(prev as u8);
        } else {
            body.push(0xFE);
            body.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        match e {
            Z::S(s) if s.len() < 64 => {
                body.push(s.len() as u8);
                body.extend_from_slice(s);
            }
            Z::S(s) if s.len() < 16384 => {
                body.extend_from_slice(&[0x40 | (s.len() >> 8) as u8, s.len() as u8]);
                body.extend_from_slice(s);
            }
            Z::S(s) => {
                body.push(0x80);
                body.extend_from_slice(&(s.len() as u32).to_be_bytes());
                body.extend_from_slice(s);
            }
            Z::I(v @ 0..=12) => body.push(0xF1 + *v as u8),
            Z::I(v) if i8::try_from(*v).is_ok() => body.extend_from_slice(&[0xFE, *v as u8]),
            Z::I(v) if i16::try_from(*v).is_ok() => {
                body.push(0xC0);
                body.extend_from_slice(&(*v as i16).to_le_bytes());
            }
            Z::I(v) if (-(1 << 23)..(1 << 23)).contains(v) => {
                body.push(0xF0);
                body.extend_from_slice(&(*v as i32).to_le_bytes()[..3]);
            }
            Z::I(v) if i32::try_from(*v).is_ok() => {
                body.push(0xD0);
                body.extend_from_slice(&(*v as i32).to_le_bytes());
            }
            Z::I(v) => {
                body.push(0xE0);
                body.extend_from_slice(&v.to_le_bytes());
            }
        }
        prev = body.len() - start;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((10 + body.len() + 1) as u32).to_le_bytes());
    out.extend_from_slice(&(tail as u32).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xFF);
    out
}

fn intset(width: usize, vals: &[i64]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(vals.len() as u32).to_le_bytes());
    for v in vals {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

/// An RDB version 9 file (Redis 5/6) using every pre-7 encoding.
fn old_format_file() -> Vec<u8> {
    let mut w = W::default();
    w.raw(b"REDIS0009");
    w.raw(&[0xFA]).s(b"redis-ver").s(b"6.2.14");
    w.raw(&[0xFA]).s(b"redis-bits").raw(&[0xC0, 64]);
    w.raw(&[0xFE, 0x00, 0xFB]).len(14).len(1);
    // Strings: int8/int16/int32 encodings, an LZF string, a plain one.
    w.raw(&[0x00]).s(b"i8").raw(&[0xC0, 0x85]);
    w.raw(&[0x00])
        .s(b"i16")
        .raw(&[0xC1])
        .raw(&(-1000i16).to_le_bytes());
    w.raw(&[0x00])
        .s(b"i32")
        .raw(&[0xC2])
        .raw(&123_456_789i32.to_le_bytes());
    // "aaaaaaaaaaaaaaaaaaaaaaaaa" (25 bytes): a literal then a reference.
    w.raw(&[0x00])
        .s(b"lzf")
        .raw(&[0xC3])
        .len(5)
        .len(25)
        .raw(&[0x00, b'a', 0xE0, 0x0F, 0x00]);
    // Seconds-resolution expiry, then LRU/LFU hints before a key.
    w.raw(&[0xFD]).raw(&2_000_000_000i32.to_le_bytes());
    w.raw(&[0xF8]).len(100);
    w.raw(&[0x00]).s(b"secs").s(b"expires in 2033");
    w.raw(&[0xF9, 5]);
    // Lists: plain, ziplist, quicklist of ziplists.
    w.raw(&[0x01])
        .s(b"list:plain")
        .len(3)
        .s(b"a")
        .raw(&[0xC0, 7])
        .s(b"c");
    let zl = ziplist(&[
        Z::S(b"x"),
        Z::I(5),
        Z::I(-100),
        Z::I(1000),
        Z::I(100_000),
        Z::I(1 << 40),
        Z::S(&[b'L'; 70]),
    ]);
    w.raw(&[10]).s(b"list:ziplist").s(&zl);
    let n1 = ziplist(&[Z::S(b"n1a"), Z::S(b"n1b")]);
    // The entry after the 300-byte one has a 5-byte prevlen.
    let n2 = ziplist(&[Z::I(12), Z::S(&[b'P'; 300]), Z::S(b"after")]);
    w.raw(&[14]).s(b"list:quicklist").len(2).s(&n1).s(&n2);
    // Sets: plain and intsets of each width.
    w.raw(&[0x02])
        .s(b"set:plain")
        .len(3)
        .s(b"p")
        .s(b"q")
        .raw(&[0xC0, 9]);
    w.raw(&[11]).s(b"set:is16").s(&intset(2, &[-3, 0, 500]));
    w.raw(&[11])
        .s(b"set:is32")
        .s(&intset(4, &[-70000, 1, 70000]));
    w.raw(&[11])
        .s(b"set:is64")
        .s(&intset(8, &[i64::MIN, 0, i64::MAX]));
    // Sorted sets: text scores (ZSET), binary (ZSET_2), ziplist.
    w.raw(&[0x03]).s(b"zset:text").len(4);
    w.s(b"a")
        .raw(&[3])
        .raw(b"1.5")
        .s(b"b")
        .raw(&[254])
        .s(b"c")
        .raw(&[255])
        .s(b"d")
        .raw(&[1, b'2']);
    w.raw(&[0x05])
        .s(b"zset:bin")
        .len(2)
        .s(b"m")
        .raw(&0.25f64.to_le_bytes())
        .s(b"n")
        .raw(&(-7.0f64).to_le_bytes());
    let zz = ziplist(&[
        Z::S(b"lo"),
        Z::I(-2),
        Z::S(b"mid"),
        Z::S(b"1.5"),
        Z::S(b"hi"),
        Z::I(10),
    ]);
    w.raw(&[12]).s(b"zset:ziplist").s(&zz);
    // Hashes: plain, zipmap, ziplist.
    w.raw(&[0x04])
        .s(b"hash:plain")
        .len(2)
        .s(b"f1")
        .s(b"v1")
        .s(b"f2")
        .raw(&[0xC0, 42]);
    let zm = [
        2, 1, b'a', 3, 0, b'x', b'y', b'z', 2, b'b', b'b', 1, 2, b'1', 0xAA, 0xBB, 0xFF,
    ];
    w.raw(&[9]).s(b"hash:zipmap").s(&zm);
    let hz = ziplist(&[Z::S(b"k1"), Z::S(b"v1"), Z::S(b"k2"), Z::I(77)]);
    w.raw(&[13]).s(b"hash:ziplist").s(&hz);
    w.finish()
}

#[test]
fn old_encodings_load_in_ember_and_redis() {
    let bytes = old_format_file();
    let dir = temp_dir("ember-rdb-old");
    std::fs::write(dir.join("dump.rdb"), &bytes).unwrap();
    let mut h = load_into(&dir, &dir.join("dump.rdb"), &[]);
    let got = snapshot(&mut h, 16);
    let s = |k: &str| {
        got.get(&(0usize, k.as_bytes().to_vec()))
            .unwrap_or_else(|| panic!("{k} missing"))
    };
    assert_eq!(s("i8").content, [b"-123".to_vec()]);
    assert_eq!(s("i16").content, [b"-1000".to_vec()]);
    assert_eq!(s("lzf").content, [vec![b'a'; 25]]);
    assert_eq!(s("secs").expire, 2_000_000_000_000);
    assert_eq!(
        s("list:plain").content,
        [b"a".to_vec(), b"7".to_vec(), b"c".to_vec()]
    );
    assert_eq!(s("list:ziplist").content.len(), 7);
    assert_eq!(
        s("list:ziplist").content[5],
        (1i64 << 40).to_string().into_bytes()
    );
    assert_eq!(s("list:quicklist").content[2], b"12");
    assert_eq!(s("set:is64").content.len(), 3);
    assert_eq!(
        s("zset:text").content,
        [&b"c"[..], b"-inf", b"a", b"1.5", b"d", b"2.0", b"b", b"inf"].map(|x| x.to_vec())
    );
    assert_eq!(
        s("hash:zipmap").content,
        [b"axyz".to_vec(), b"bb1".to_vec()]
    );
    assert_eq!(got.len(), 18);
    if !redis_or_skip("old_encodings_load_in_ember_and_redis (Redis half)") {
        return;
    }
    redis_check_rdb(&dir.join("dump.rdb"));
    let d = dir.to_string_lossy().into_owned();
    let srv = start_redis(&["--dir", &d]).unwrap();
    assert_same(
        &snapshot(&mut loaded(srv.connect()), 16),
        &got,
        "old encodings: ember vs Redis",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Redis 7.2 writes version 11 and listpack sets (type 20).
#[test]
fn version_11_listpack_set_loads() {
    let mut lp = Vec::new();
    // Listpack: "a", 5, "bb".
    let body = [0x81, b'a', 2, 5, 1, 0x82, b'b', b'b', 3];
    lp.extend_from_slice(&((6 + body.len() + 1) as u32).to_le_bytes());
    lp.extend_from_slice(&3u16.to_le_bytes());
    lp.extend_from_slice(&body);
    lp.push(0xFF);
    let mut w = W::default();
    w.raw(b"REDIS0011")
        .raw(&[0xFE, 0x00])
        .raw(&[20])
        .s(b"set")
        .s(&lp);
    let bytes = w.finish();
    let dir = temp_dir("ember-rdb-v11");
    let file = dir.join("dump.rdb");
    std::fs::write(&file, &bytes).unwrap();
    let mut h = load_into(&dir, &file, &[]);
    assert_eq!(
        h.run(&["SMEMBERS", "set"]).len(),
        "*3\r\n$1\r\na\r\n$1\r\n5\r\n$2\r\nbb\r\n".len()
    );
    assert_eq!(h.run(&["SISMEMBER", "set", "bb"]), ":1\r\n");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Corruption
// ---------------------------------------------------------------------------

/// A small valid file with a key of each type, a TTL, two databases and an
/// LZF string.
fn small_rdb(dir: &Path) -> Vec<u8> {
    let mut h = harness_in(dir, &[]);
    for cmd in [
        &["SET", "s", "hello"][..],
        &["SET", "n", "12345"],
        &["SET", "long", &"xyz".repeat(20)],
        &["RPUSH", "l", "a", "1", "b"],
        &["SADD", "si", "1", "2", "3"],
        &["SADD", "ss", "x", "y"],
        &["ZADD", "z", "1.5", "m", "2", "n"],
        &["HSET", "h", "f", "v"],
        &["PEXPIREAT", "s", "4102444800000"],
        &["SELECT", "2"],
        &["SET", "other", "db"],
    ] {
        let r = h.run(cmd);
        assert!(!r.starts_with('-'), "{cmd:?}: {r}");
    }
    let path = dir.join("small.rdb");
    persist::save(&h.srv, &path).unwrap();
    std::fs::read(&path).unwrap()
}

fn try_load(dir: &Path, bytes: &[u8], settings: &[(&str, &str)]) -> Result<u64, String> {
    let file = dir.join("probe.rdb");
    std::fs::write(&file, bytes).unwrap();
    let mut h = harness_in(dir, settings);
    let r = persist::load(&mut h.srv, &file).map(|st| st.keys_loaded);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "loading modified the file"
    );
    r
}

#[test]
fn truncated_files_are_refused_at_every_offset() {
    let dir = temp_dir("ember-rdb-trunc");
    let bytes = small_rdb(&dir);
    assert_eq!(try_load(&dir, &bytes, &[]), Ok(9));
    for cut in 0..bytes.len() {
        let r = try_load(&dir, &bytes[..cut], &[]);
        let e = r.expect_err(&format!("truncated at {cut} accepted"));
        assert!(e.contains("Bad RDB file"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flipped_bytes_are_refused() {
    let dir = temp_dir("ember-rdb-flip");
    let bytes = small_rdb(&dir);
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut b = bytes.clone();
            b[i] ^= mask;
            assert!(
                try_load(&dir, &b, &[]).is_err(),
                "flip {mask:#x} at {i} accepted"
            );
            // Without checksum verification a flip may load, but never panics.
            let _ = try_load(&dir, &b, &[("rdbchecksum", "no")]);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wrong_checksum_is_refused_unless_checks_are_off() {
    let dir = temp_dir("ember-rdb-crc");
    let mut bytes = small_rdb(&dir);
    let n = bytes.len();
    bytes[n - 3] ^= 0x10;
    let e = try_load(&dir, &bytes, &[]).unwrap_err();
    // Redis's words ("CRC error" is what its test suite looks for).
    assert!(e.contains("RDB CRC error: wrong RDB checksum"), "{e}");
    assert_eq!(try_load(&dir, &bytes, &[("rdbchecksum", "no")]), Ok(9));
    // A zero checksum means "saved without checksum": accepted.
    bytes[n - 8..].fill(0);
    assert_eq!(try_load(&dir, &bytes, &[]), Ok(9));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Files with lengths and values no sane writer produces.
fn absurd_files() -> Vec<(&'static str, Vec<u8>)> {
    let head = |w: &mut W| {
        w.raw(b"REDIS0010").raw(&[0xFE, 0x00]);
    };
    let mut out = Vec::new();
    let mut w = W::default();
    head(&mut w);
    w.raw(&[0x00])
        .s(b"k")
        .raw(&[0x81])
        .raw(&u64::MAX.to_be_bytes());
    out.push(("exceeds", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[0x00])
        .s(b"k")
        .raw(&[0x80])
        .raw(&u32::MAX.to_be_bytes())
        .raw(b"abc");
    out.push(("exceeds", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[0x01])
        .s(b"k")
        .raw(&[0x80])
        .raw(&u32::MAX.to_be_bytes());
    out.push(("exceeds", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[0x00])
        .s(b"k")
        .raw(&[0xC3])
        .len(3)
        .raw(&[0x80])
        .raw(&u32::MAX.to_be_bytes())
        .raw(&[0, b'a', b'b']);
    out.push(("LZF", w.finish()));
    let mut w = W::default();
    w.raw(b"REDIS0010").raw(&[0xFE]).len(1000);
    out.push(("databases", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[99]).s(b"k").s(b"v");
    out.push(("unknown RDB value type", w.finish()));
    let mut w = W::default();
    w.raw(b"REDIS0012").raw(&[0xFE, 0x00]);
    out.push(("version", w.finish()));
    let mut w = W::default();
    w.raw(b"RUBIS0010");
    out.push(("signature", w.finish()));
    let mut w = W::default();
    head(&mut w);
    // Module aux of module "ReJSON-RL" (id from its name, version 3).
    w.raw(&[0xF7, 0x81])
        .raw(&0x4CAD_8B7A_1E0A_9C03u64.to_be_bytes())
        .len(2)
        .len(2);
    out.push(("module", w.finish()));
    let mut w = W::default();
    head(&mut w);
    // Function libraries load (tests/scripting.rs); one that registers
    // nothing is refused, naming the function library.
    w.raw(&[0xF5]).s(b"#!lua name=lib\nreturn 1");
    out.push(("function", w.finish()));
    let mut w = W::default();
    head(&mut w);
    // A stream whose node key is not a 16-byte ID.
    w.raw(&[15]).s(b"stream").len(1).s(b"x").s(b"y");
    out.push(("not the size of a stream ID", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[0x00]).s(b"k").s(b"v").raw(&[0x00]).s(b"k").s(b"w");
    out.push(("duplicate key", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[0x05])
        .s(b"z")
        .len(1)
        .s(b"m")
        .raw(&f64::NAN.to_le_bytes());
    out.push(("NaN", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[11]).s(b"set").s(&intset(2, &[5, 3]));
    out.push(("intset", w.finish()));
    let mut w = W::default();
    head(&mut w);
    w.raw(&[18]).s(b"l").len(1).len(7).s(b"x");
    out.push(("container", w.finish()));
    out
}

#[test]
fn absurd_lengths_and_unsupported_content_are_refused() {
    let dir = temp_dir("ember-rdb-absurd");
    for (want, bytes) in absurd_files() {
        let e = try_load(&dir, &bytes, &[]).expect_err(want);
        assert!(e.contains(want), "expected {want:?} in: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn empty_aggregates_and_expired_keys_are_skipped() {
    let mut w = W::default();
    w.raw(b"REDIS0010").raw(&[0xFE, 0x00]);
    w.raw(&[0x02]).s(b"emptyset").len(0);
    w.raw(&[0xFC])
        .raw(&1000i64.to_le_bytes())
        .raw(&[0x00])
        .s(b"old")
        .s(b"v");
    w.raw(&[0x00]).s(b"live").s(b"v");
    let bytes = w.finish();
    let dir = temp_dir("ember-rdb-skip");
    let file = dir.join("dump.rdb");
    std::fs::write(&file, &bytes).unwrap();
    let mut h = harness_in(&dir, &[]);
    let st = persist::load(&mut h.srv, &file).unwrap();
    assert_eq!(
        (st.keys_loaded, st.keys_expired, st.empty_keys_skipped),
        (1, 1, 1)
    );
    assert_eq!(h.run(&["DBSIZE"]), ":1\r\n");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// The server binary
// ---------------------------------------------------------------------------

/// Whether ember-server loads `dbfilename` at start-up (the wiring in
/// main.rs). Probed once with a one-key file.
fn startup_load_wired() -> bool {
    static WIRED: OnceLock<bool> = OnceLock::new();
    *WIRED.get_or_init(|| {
        let dir = temp_dir("ember-rdb-probe");
        let mut w = W::default();
        w.raw(b"REDIS0010").raw(&[0xFE, 0x00, 0x00]).s(b"probe").s(b"1");
        std::fs::write(dir.join("dump.rdb"), w.finish()).unwrap();
        let d = dir.to_string_lossy().into_owned();
        let srv = start_ember(&["--dir", &d]);
        let wired = srv.connect().cmd(&["DBSIZE"]) == b":1\r\n";
        drop(srv);
        let _ = std::fs::remove_dir_all(&dir);
        if !wired {
            eprintln!("NOTICE: ember-server does not load dump.rdb at start-up yet (persist::load_at_startup not wired in main.rs): start-up tests skipped");
        }
        wired
    })
}

/// Runs ember-server on `dir` and expects it to refuse to start: returns
/// its output.
fn expect_refusal(dir: &Path) -> String {
    let port = free_port().to_string();
    let d = dir.to_string_lossy().into_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ember-server"))
        .args([
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--dir",
            &d,
            "--save",
            "",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ember-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ember-server started with a corrupt dump.rdb");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!status.success(), "exit status {status}: {text}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

#[test]
fn server_loads_at_startup_and_refuses_corrupt_files() {
    if !startup_load_wired() {
        return;
    }
    let dir = temp_dir("ember-rdb-start");
    let bytes = small_rdb(&dir);
    let file = dir.join("dump.rdb");
    std::fs::write(&file, &bytes).unwrap();
    let d = dir.to_string_lossy().into_owned();
    {
        let srv = start_ember(&["--dir", &d]);
        let mut c = loaded(srv.connect());
        assert_eq!(c.cmd(&["DBSIZE"]), b":8\r\n");
        assert_eq!(
            c.cmd(&["GET", "long"]),
            format!("$60\r\n{}\r\n", "xyz".repeat(20)).into_bytes()
        );
        assert_eq!(c.cmd(&["PEXPIRETIME", "s"]), b":4102444800000\r\n");
    }
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [
        0,
        5,
        9,
        20,
        bytes.len() / 2,
        bytes.len() - 9,
        bytes.len() - 1,
    ] {
        cases.push((format!("truncated at {cut}"), bytes[..cut].to_vec()));
    }
    let mut crc = bytes.clone();
    let n = crc.len();
    crc[n - 1] ^= 1;
    cases.push(("wrong checksum".into(), crc));
    let mut flip = bytes.clone();
    flip[40] ^= 0xFF;
    cases.push(("flipped byte".into(), flip));
    for (name, b) in absurd_files() {
        cases.push((name.to_string(), b));
    }
    for (name, b) in cases {
        std::fs::write(&file, &b).unwrap();
        let out = expect_refusal(&dir);
        assert!(out.contains("dump.rdb"), "{name}: {out}");
        // Redis's last words, which log watchers look for.
        assert!(
            out.trim_end()
                .ends_with("Terminating server after rdb file reading failure."),
            "{name}: {out}"
        );
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b,
            "{name}: the file was modified"
        );
        let stray: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("temp-"))
            })
            .collect();
        assert!(stray.is_empty(), "{name}: {stray:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn save_and_bgsave_in_the_server() {
    let dir = temp_dir("ember-rdb-bg");
    let d = dir.to_string_lossy().into_owned();
    let srv = start_ember(&["--dir", &d]);
    let mut c = srv.connect();
    let mut h = harness_in(&dir, &[]);
    let db0: Vec<(usize, Args)> = dataset().into_iter().filter(|(db, _)| *db == 0).collect();
    apply(&mut c, &db0);
    apply(&mut h, &db0);
    let want = snapshot(&mut h, 1);
    let file = dir.join("dump.rdb");
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    redis_check_rdb(&file);
    assert_same(
        &want,
        &snapshot(&mut load_into(&dir, &file, &[]), 1),
        "SAVE",
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(c.cmd(&["SET", "after", "save"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["BGSAVE"]), b"+Background saving started\r\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !file.exists() {
        assert!(Instant::now() < deadline, "BGSAVE wrote no file");
        std::thread::sleep(Duration::from_millis(10));
    }
    redis_check_rdb(&file);
    let mut loaded = load_into(&dir, &file, &[]);
    assert_eq!(loaded.run(&["GET", "after"]), "$4\r\nsave\r\n");
    // The server keeps serving while and after the child works.
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn killed_bgsave_child_leaves_a_loadable_file() {
    let dir = temp_dir("ember-rdb-kill");
    let d = dir.to_string_lossy().into_owned();
    let srv = start_ember(&["--dir", &d]);
    let mut c = srv.connect();
    assert_eq!(c.cmd(&["SET", "first", "1"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    let file = dir.join("dump.rdb");
    let before = std::fs::read(&file).unwrap();
    // Enough data that the child is still writing when it is killed.
    let value = "x".repeat(100);
    let mut pipe = Vec::new();
    for i in 0..50_000 {
        pipe.extend(encode_command(&["SET", &format!("key:{i}"), &value]));
    }
    c.send_raw(&pipe);
    for _ in 0..50_000 {
        assert_eq!(c.read_reply().unwrap(), b"+OK\r\n");
    }
    assert_eq!(c.cmd(&["BGSAVE"]), b"+Background saving started\r\n");
    let kids = children_of(srv.pid());
    for k in &kids {
        // SAFETY: a plain kill(2) of our server's child process.
        unsafe { libc::kill(*k, libc::SIGKILL) };
    }
    std::thread::sleep(Duration::from_millis(50));
    // dump.rdb is the previous snapshot, or (if the child finished first)
    // the complete new one: either way it loads.
    let after = std::fs::read(&file).unwrap();
    eprintln!("killed {kids:?}; dump.rdb unchanged: {}", after == before);
    let mut h = load_into(&dir, &file, &[]);
    if after == before {
        assert_eq!(h.run(&["DBSIZE"]), ":1\r\n");
    } else {
        assert_eq!(h.run(&["DBSIZE"]), ":50001\r\n");
    }
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_and_sigterm_save_when_save_points_are_set() {
    if !startup_load_wired() {
        return;
    }
    let dir = temp_dir("ember-rdb-shutdown");
    let d = dir.to_string_lossy().into_owned();
    let file = dir.join("dump.rdb");
    // SHUTDOWN with save points saves; the next start loads it.
    let mut srv = start_ember(&["--dir", &d, "--save", "3600 1"]);
    let mut c = srv.connect();
    assert_eq!(c.cmd(&["SET", "k", "v1"]), b"+OK\r\n");
    c.send(&["SHUTDOWN"]);
    assert!(srv.wait_exit(Duration::from_secs(10)).is_some());
    let srv = start_ember(&["--dir", &d]);
    assert_eq!(loaded(srv.connect()).cmd(&["GET", "k"]), b"$2\r\nv1\r\n");
    drop(srv);
    // SIGTERM too.
    let mut srv = start_ember(&["--dir", &d, "--save", "3600 1"]);
    assert_eq!(srv.connect().cmd(&["SET", "k", "v2"]), b"+OK\r\n");
    // SAFETY: a plain kill(2) of the server process we started.
    unsafe { libc::kill(srv.pid() as i32, libc::SIGTERM) };
    assert!(srv.wait_exit(Duration::from_secs(10)).is_some());
    let srv = start_ember(&["--dir", &d]);
    assert_eq!(loaded(srv.connect()).cmd(&["GET", "k"]), b"$2\r\nv2\r\n");
    drop(srv);
    // SHUTDOWN NOSAVE does not save; SHUTDOWN SAVE does without save points.
    let mut srv = start_ember(&["--dir", &d, "--save", "3600 1"]);
    let mut c = srv.connect();
    assert_eq!(c.cmd(&["SET", "k", "v3"]), b"+OK\r\n");
    c.send(&["SHUTDOWN", "NOSAVE"]);
    assert!(srv.wait_exit(Duration::from_secs(10)).is_some());
    assert_eq!(
        load_into(&dir, &file, &[]).run(&["GET", "k"]),
        "$2\r\nv2\r\n"
    );
    let mut srv = start_ember(&["--dir", &d]);
    let mut c = srv.connect();
    assert_eq!(c.cmd(&["SET", "k", "v4"]), b"+OK\r\n");
    c.send(&["SHUTDOWN", "SAVE"]);
    assert!(srv.wait_exit(Duration::from_secs(10)).is_some());
    assert_eq!(
        load_into(&dir, &file, &[]).run(&["GET", "k"]),
        "$2\r\nv4\r\n"
    );
    // A save that fails keeps the server running (without FORCE).
    std::fs::remove_file(&file).unwrap();
    let mut srv = start_ember(&["--dir", &d, "--save", "3600 1"]);
    // The server listens while it loads: block the save path only once
    // loading is over (a directory there would fail the load instead).
    let mut c = loaded(srv.connect());
    std::fs::create_dir(&file).unwrap();
    assert_eq!(c.cmd(&["SET", "k", "v5"]), b"+OK\r\n");
    assert_eq!(
        c.cmd(&["SHUTDOWN"]),
        b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    );
    assert!(srv.is_running());
    c.send(&["SHUTDOWN", "FORCE"]);
    assert!(srv.wait_exit(Duration::from_secs(10)).is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Redis's hidden test hooks: `rdb-key-save-delay` makes each key of a
/// snapshot take that many microseconds (a BGSAVE of 20 keys at 100 ms
/// each is still running after half a second), `key-load-delay` the same
/// for loading, during which clients get -LOADING and INFO says loading:1.
#[test]
fn key_save_and_load_delays_slow_snapshots_down() {
    let dir = temp_dir("test-hook-delays");
    let d = dir.to_string_lossy().into_owned();
    // Uncompressed, so that the file has more bytes than the event
    // interval below between any two keys.
    let s = start_ember(&["--dir", &d, "--save", "", "--rdbcompression", "no"]);
    let mut c = s.connect();
    // Values larger than the event interval below.
    assert_eq!(c.cmd_line("DEBUG POPULATE 20 key 2000"), b"+OK\r\n");
    assert_eq!(
        c.cmd_line("CONFIG SET rdb-key-save-delay 100000"),
        b"+OK\r\n"
    );
    assert!(
        c.cmd_line("BGSAVE")
            .starts_with(b"+Background saving started")
    );
    std::thread::sleep(Duration::from_millis(500));
    let info = String::from_utf8_lossy(&c.cmd_line("INFO persistence")).into_owned();
    assert!(info.contains("rdb_bgsave_in_progress:1"), "{info}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while String::from_utf8_lossy(&c.cmd_line("INFO persistence"))
        .contains("rdb_bgsave_in_progress:1")
    {
        assert!(Instant::now() < deadline, "BGSAVE never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(s);

    // 20 keys at 200 ms each: clients are answered meanwhile.
    let s = start_ember(&[
        "--dir",
        &d,
        "--save",
        "",
        "--key-load-delay",
        "200000",
        "--loading-process-events-interval-bytes",
        "1024",
    ]);
    let mut c = s.connect();
    let reply = c.cmd_line("GET key:1");
    assert!(reply.starts_with(b"-LOADING"), "{reply:?}");
    let info = String::from_utf8_lossy(&c.cmd_line("INFO persistence")).into_owned();
    assert!(info.contains("loading:1"), "{info}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.cmd_line("GET key:1").starts_with(b"-LOADING") {
        assert!(Instant::now() < deadline, "loading never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(c.cmd_line("DBSIZE"), b":20\r\n");
}

/// A RESTORE payload with a valid checksum but a damaged body is refused
/// with Redis's error and logged as a failed integrity check, as Redis
/// logs it (its corrupt-dump tests look for that line).
#[test]
fn damaged_restore_payload_is_logged() {
    let s = start_ember(&[]);
    let mut c = s.connect();
    // A string type byte, then a length of 5 with only 2 bytes behind it.
    let mut p = vec![0u8, 5, b'a', b'b', 10, 0];
    let crc = persist::rdb::crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    let reply = c.cmd(&[&b"RESTORE"[..], b"k", b"0", &p]);
    assert_eq!(reply, b"-ERR Bad data format\r\n".to_vec());
    let log = s.log();
    assert!(log.contains("integrity check failed"), "{log}");
    assert_eq!(c.cmd_line("PING"), b"+PONG\r\n");
}

/// A file with a damaged packed encoding names it as Redis does, both in
/// the internal error line and the refusal; empty keys are skipped with
/// Redis's log line.
#[test]
fn damaged_encodings_and_empty_keys_are_logged_like_redis() {
    let dir = temp_dir("ember-rdb-integrity-words");
    let file = dir.join("dump.rdb");
    let finish = |mut body: Vec<u8>| {
        body.push(0xFF);
        let crc = persist::rdb::crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        body
    };
    // A sorted set ziplist (type 12) whose blob is 5 bytes of nonsense.
    let mut b = b"REDIS0009\xFE\x00\x0C\x01z\x05abcde".to_vec();
    b = finish(b);
    std::fs::write(&file, &b).unwrap();
    let out = expect_refusal(&dir);
    assert_eq!(
        out.matches("Zset ziplist integrity check failed").count(),
        2,
        "{out}"
    );
    // An empty set (type 2, no members) is skipped, not loaded.
    let b = finish(b"REDIS0009\xFE\x00\x02\x05empty\x00\x00\x01k\x01v".to_vec());
    std::fs::write(&file, &b).unwrap();
    let d = dir.to_string_lossy().into_owned();
    let srv = start_ember(&["--dir", &d, "--save", ""]);
    let mut c = loaded(srv.connect());
    assert_eq!(c.cmd(&["DBSIZE"]), b":1\r\n");
    let log = srv.log();
    assert!(
        log.contains("rdbLoadObject skipping empty key: empty"),
        "{log}"
    );
    assert!(log.contains("empty keys skipped: 1"), "{log}");
}
