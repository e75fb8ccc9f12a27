//! MIGRATE end to end: ember to ember, ember to redis-server, redis-server
//! to ember (ember's RESTORE takes the payload Redis sends) and, as the
//! reference, redis-server to redis-server. One scenario (COPY, REPLACE,
//! KEYS with missing keys, TTLs, target databases, AUTH and AUTH2, the
//! BUSYKEY relay, syntax errors, unreachable and silent targets, ACL key
//! permissions) runs for each pair; its replies must be the same bytes
//! whichever servers play the source and the target.

mod common;

use common::*;
use std::net::TcpListener;
use std::time::{Duration, Instant};

const HOST: &str = "127.0.0.1";

/// The targets a scenario migrates to: a plain one, one with
/// `requirepass sekret`, and one whose default user needs a password and
/// that has a user `mig` with password `pw`.
struct Targets {
    plain: ServerProc,
    pass: ServerProc,
    acl: ServerProc,
}

fn start(redis: bool, extra: &[&str]) -> ServerProc {
    if redis {
        start_redis(extra).expect("redis-server is on PATH")
    } else {
        start_ember(extra)
    }
}

fn targets(redis: bool) -> Targets {
    let acl = start(redis, &[]);
    let mut c = acl.connect();
    expect(
        &mut c,
        &["ACL", "SETUSER", "mig", "on", ">pw", "~*", "+@all"],
        b"+OK\r\n",
    );
    expect(
        &mut c,
        &["CONFIG", "SET", "requirepass", "other"],
        b"+OK\r\n",
    );
    Targets {
        plain: start(redis, &[]),
        pass: start(redis, &["--requirepass", "sekret"]),
        acl,
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    free_port()
}

/// A target that accepts connections and never answers (kept open while
/// the returned listener lives; accepted sockets are held by the thread).
fn silent_target() -> (u16, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind((HOST, 0)).unwrap();
    let port = l.local_addr().unwrap().port();
    l.set_nonblocking(true).unwrap();
    let h = std::thread::spawn(move || {
        let mut held = Vec::new();
        let end = Instant::now() + Duration::from_secs(2);
        while Instant::now() < end {
            match l.accept() {
                Ok((s, _)) => held.push(s),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    (port, h)
}

/// Sends a command, records (command, reply) and returns the reply.
fn step(log: &mut Vec<(String, Vec<u8>)>, c: &mut RawConn, args: &[&str]) -> Vec<u8> {
    let r = c.cmd(args);
    log.push((args.join(" "), r.clone()));
    r
}

fn migrate_args<'a>(port: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["MIGRATE", HOST, port];
    v.extend_from_slice(rest);
    v
}

const OK: &[u8] = b"+OK\r\n";
const NOPERM: &[u8] =
    b"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n";
const NOKEY: &[u8] = b"+NOKEY\r\n";
const BUSYKEY: &[u8] =
    b"-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n";

/// The scenario: every reply is recorded (and the decisive ones asserted).
fn scenario(src: &ServerProc, t: &Targets) -> Vec<(String, Vec<u8>)> {
    let mut log = Vec::new();
    let mut s = src.connect();
    let mut d = t.plain.connect();
    let p = t.plain.port.to_string();
    let p = p.as_str();
    let m = |rest: &[&'static str]| migrate_args(p, rest);

    // One key moves; a second try finds nothing.
    step(&mut log, &mut s, &["SET", "k1", "v1"]);
    assert_eq!(step(&mut log, &mut s, &m(&["k1", "0", "500"])), OK);
    assert_eq!(step(&mut log, &mut s, &["EXISTS", "k1"]), b":0\r\n");
    assert_eq!(step(&mut log, &mut d, &["GET", "k1"]), b"$2\r\nv1\r\n");
    assert_eq!(step(&mut log, &mut s, &m(&["k1", "0", "500"])), NOKEY);

    // KEYS with a missing key; the TTL travels.
    step(&mut log, &mut s, &["SET", "k2", "v2", "PX", "100000"]);
    step(&mut log, &mut s, &["RPUSH", "l", "a", "b", "c"]);
    step(&mut log, &mut s, &["HSET", "h", "f", "v"]);
    let r = step(
        &mut log,
        &mut s,
        &m(&["", "0", "500", "KEYS", "k2", "nope", "l", "h"]),
    );
    assert_eq!(r, OK);
    assert_eq!(step(&mut log, &mut s, &["DBSIZE"]), b":0\r\n");
    let pttl = d.cmd_str(&["PTTL", "k2"]);
    let ms: i64 = pttl.trim_start_matches(':').trim().parse().unwrap();
    assert!((90_000..=100_000).contains(&ms), "PTTL {pttl}");
    step(&mut log, &mut d, &["LRANGE", "l", "0", "-1"]);
    step(&mut log, &mut d, &["HGETALL", "h"]);
    step(&mut log, &mut d, &["TTL", "l"]);
    assert_eq!(
        step(&mut log, &mut s, &m(&["", "0", "500", "KEYS", "nope"])),
        NOKEY
    );
    assert_eq!(step(&mut log, &mut s, &m(&["", "0", "500", "KEYS"])), NOKEY);

    // The target holds the key: BUSYKEY is relayed, the key stays; REPLACE
    // and COPY overwrite it there and keep it here.
    step(&mut log, &mut s, &["SET", "k1", "new"]);
    assert_eq!(step(&mut log, &mut s, &m(&["k1", "0", "500"])), BUSYKEY);
    assert_eq!(step(&mut log, &mut s, &["EXISTS", "k1"]), b":1\r\n");
    let r = step(&mut log, &mut s, &m(&["k1", "0", "500", "REPLACE", "COPY"]));
    assert_eq!(r, OK);
    assert_eq!(step(&mut log, &mut s, &["GET", "k1"]), b"$3\r\nnew\r\n");
    assert_eq!(step(&mut log, &mut d, &["GET", "k1"]), b"$3\r\nnew\r\n");

    // Several keys, one refused: the accepted one is deleted here.
    step(&mut log, &mut s, &["MSET", "a", "1", "b", "2"]);
    step(&mut log, &mut d, &["SET", "b", "x"]);
    let r = step(&mut log, &mut s, &m(&["", "0", "500", "KEYS", "a", "b"]));
    assert_eq!(r, BUSYKEY);
    assert_eq!(step(&mut log, &mut s, &["EXISTS", "a", "b"]), b":1\r\n");
    step(&mut log, &mut d, &["MGET", "a", "b"]);

    // Another database of the target, then one out of range.
    assert_eq!(step(&mut log, &mut s, &m(&["k1", "3", "500", "COPY"])), OK);
    step(&mut log, &mut d, &["SELECT", "3"]);
    assert_eq!(step(&mut log, &mut d, &["GET", "k1"]), b"$3\r\nnew\r\n");
    step(&mut log, &mut s, &m(&["k1", "99", "500", "COPY"]));
    // After an error the cached connection's database is "unknown", which
    // Redis writes as -1: MIGRATE to database -1 then sends no SELECT and
    // lands in the database selected before (3), where k1 exists.
    step(&mut log, &mut s, &m(&["k1", "-1", "500", "COPY"]));
    step(&mut log, &mut s, &m(&["k1", "0", "500", "COPY", "REPLACE"]));

    // Authentication.
    let pp = t.pass.port.to_string();
    let mp = |rest: &[&'static str]| migrate_args(pp.as_str(), rest);
    step(&mut log, &mut s, &mp(&["k1", "0", "500", "COPY"]));
    step(
        &mut log,
        &mut s,
        &mp(&["k1", "0", "500", "COPY", "AUTH", "bad"]),
    );
    let r = step(
        &mut log,
        &mut s,
        &mp(&["k1", "0", "500", "COPY", "AUTH", "sekret"]),
    );
    assert_eq!(r, OK);
    let ap = t.acl.port.to_string();
    let ma = |rest: &[&'static str]| migrate_args(ap.as_str(), rest);
    let r = step(
        &mut log,
        &mut s,
        &ma(&["k1", "0", "500", "COPY", "AUTH2", "mig", "pw"]),
    );
    assert_eq!(r, OK);
    step(
        &mut log,
        &mut s,
        &ma(&["k1", "0", "500", "COPY", "AUTH2", "mig", "bad"]),
    );
    step(
        &mut log,
        &mut s,
        &ma(&["k1", "0", "500", "COPY", "REPLACE", "AUTH", "other"]),
    );

    // Argument errors (checked before any key or connection).
    for bad in [
        &["k1", "0", "500", "KEYS", "a"][..],
        &["k1", "0", "500", "AUTH"],
        &["k1", "0", "500", "AUTH2", "u"],
        &["k1", "0", "500", "foo"],
        &["nokey", "0", "500", "foo"],
        &["k1", "x", "500"],
        &["k1", "0", "x"],
        &["nokey", "x", "500"],
        &["k1", "0"],
    ] {
        step(&mut log, &mut s, &m(bad));
    }

    // Unreachable targets: a closed port, a name that does not resolve, a
    // target that never answers.
    let cp = closed_port().to_string();
    let r = step(
        &mut log,
        &mut s,
        &migrate_args(cp.as_str(), &["k1", "0", "200", "COPY"]),
    );
    assert_eq!(r, b"-IOERR error or timeout writing to target instance\r\n");
    let r = step(
        &mut log,
        &mut s,
        &[
            "MIGRATE",
            "no-such-host.invalid",
            p,
            "k1",
            "0",
            "200",
            "COPY",
        ],
    );
    assert_eq!(r, b"-IOERR error or timeout connecting to the client\r\n");
    let (sp, h) = silent_target();
    let sp = sp.to_string();
    let started = Instant::now();
    let r = step(
        &mut log,
        &mut s,
        &migrate_args(sp.as_str(), &["k1", "0", "200", "COPY"]),
    );
    assert_eq!(r, b"-IOERR error or timeout reading to target instance\r\n");
    assert!(started.elapsed() < Duration::from_secs(3));
    h.join().unwrap();
    assert_eq!(step(&mut log, &mut s, &["EXISTS", "k1"]), b":1\r\n");

    // ACL key permissions: every key MIGRATE names is read and deleted.
    step(
        &mut log,
        &mut s,
        &["ACL", "SETUSER", "lim", "on", "nopass", "~a*", "+@all"],
    );
    step(&mut log, &mut s, &["SET", "a2", "x"]);
    let mut lim = src.connect();
    step(&mut log, &mut lim, &["AUTH", "lim", "x"]);
    for denied in [
        &["", "0", "500", "KEYS", "a2", "b"][..],
        &["b", "0", "500"],
        &["", "0", "500"],
    ] {
        assert_eq!(step(&mut log, &mut lim, &m(denied)), NOPERM, "{denied:?}");
    }
    // AUTH's value is not the KEYS keyword: a2 is the only key, allowed
    // (the plain target then refuses the AUTH).
    let r = step(
        &mut log,
        &mut lim,
        &m(&["", "0", "500", "AUTH", "KEYS", "KEYS", "a2"]),
    );
    assert!(r.starts_with(b"-ERR Target instance replied with error: "));
    log
}

fn transcript(src_redis: bool, dst_redis: bool) -> Vec<(String, Vec<u8>)> {
    let src = start(src_redis, &[]);
    let t = targets(dst_redis);
    scenario(&src, &t)
}

/// Asserts two transcripts are the same, naming the first difference.
fn same(what: &str, got: &[(String, Vec<u8>)], want: &[(String, Vec<u8>)]) {
    // The command lines name each run's own ports: only replies compare.
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            escape(&g.1),
            escape(&w.1),
            "{what}: replies differ for {}",
            g.0
        );
    }
    assert_eq!(got.len(), want.len());
}

#[test]
fn ember_to_ember() {
    let log = transcript(false, false);
    assert!(log.len() > 50);
}

#[test]
fn ember_and_redis_in_every_role_reply_alike() {
    require_redis!();
    let reference = transcript(true, true);
    same("ember -> redis", &transcript(false, true), &reference);
    same("redis -> ember", &transcript(true, false), &reference);
    same("ember -> ember", &transcript(false, false), &reference);
}

/// Every type, in small and big encodings, moved by ember and by Redis
/// into the other and back: the key spaces end up the same.
fn every_type(src: &ServerProc, dst: &ServerProc) -> Vec<u8> {
    let mut s = src.connect();
    let big: Vec<String> = (0..300)
        .map(|i| format!("{i}-{}", "v".repeat(40)))
        .collect();
    let mut cmds: Vec<Vec<String>> = vec![
        vec!["SET".into(), "str".into(), "hello".into()],
        vec!["SET".into(), "int".into(), "12345".into()],
        vec!["HSET".into(), "hash".into(), "f".into(), "v".into()],
        vec!["SADD".into(), "set".into(), "1".into(), "2".into()],
        vec!["SADD".into(), "sset".into(), "x".into(), "y".into()],
        vec!["ZADD".into(), "zset".into(), "1.5".into(), "m".into()],
        vec![
            "XADD".into(),
            "stream".into(),
            "1-1".into(),
            "f".into(),
            "v".into(),
        ],
        vec!["PFADD".into(), "hll".into(), "a".into(), "b".into()],
    ];
    let mut l = vec!["RPUSH".to_string(), "biglist".into()];
    l.extend(big.iter().cloned());
    cmds.push(l);
    let mut h = vec!["HSET".to_string(), "bighash".into()];
    for (i, v) in big.iter().enumerate() {
        h.push(format!("f{i}"));
        h.push(v.clone());
    }
    cmds.push(h);
    for c in &cmds {
        let r = s.cmd(c);
        assert!(!r.starts_with(b"-"), "{c:?}: {}", escape(&r));
    }
    let port = dst.port.to_string();
    let keys = [
        "str", "int", "hash", "set", "sset", "zset", "stream", "hll", "biglist", "bighash",
    ];
    let mut args = vec!["MIGRATE", HOST, port.as_str(), "", "0", "2000", "KEYS"];
    args.extend(keys);
    assert_eq!(s.cmd(&args), OK);
    let mut d = dst.connect();
    let mut out = Vec::new();
    for k in keys {
        out.extend(d.cmd(&["TYPE", k]));
    }
    out.extend(d.cmd(&["MGET", "str", "int"]));
    out.extend(d.cmd(&["HGETALL", "hash"]));
    out.extend(d.cmd(&["SMISMEMBER", "set", "1", "2", "3"]));
    out.extend(d.cmd(&["SMISMEMBER", "sset", "x", "y", "z"]));
    out.extend(d.cmd(&["LLEN", "biglist"]));
    out.extend(d.cmd(&["HLEN", "bighash"]));
    out.extend(d.cmd(&["LRANGE", "biglist", "295", "-1"]));
    out.extend(d.cmd(&["HGET", "bighash", "f299"]));
    out.extend(d.cmd(&["XRANGE", "stream", "-", "+"]));
    out.extend(d.cmd(&["PFCOUNT", "hll"]));
    out.extend(d.cmd(&["ZSCORE", "zset", "m"]));
    out
}

#[test]
fn every_type_crosses_in_both_directions() {
    require_redis!();
    let want = every_type(&start(true, &[]), &start(true, &[]));
    assert_eq!(
        escape(&every_type(&start(false, &[]), &start(true, &[]))),
        escape(&want)
    );
    assert_eq!(
        escape(&every_type(&start(true, &[]), &start(false, &[]))),
        escape(&want)
    );
}

/// The AOF gets one DEL of the keys the target took, nothing for COPY or
/// when the target refused everything.
fn aof_scenario(src: &ServerProc, dst: &ServerProc) -> String {
    let mut s = src.connect();
    let mut d = dst.connect();
    let port = dst.port.to_string();
    let p = port.as_str();
    expect(&mut s, &["MSET", "a", "1", "b", "2", "c", "3"], OK);
    expect(&mut d, &["SET", "c", "busy"], OK);
    let r = s.cmd(&["MIGRATE", HOST, p, "", "0", "2000", "KEYS", "a", "b", "c"]);
    assert_eq!(r, BUSYKEY);
    expect(&mut s, &["SET", "k", "v"], OK);
    expect(&mut s, &["MIGRATE", HOST, p, "k", "0", "2000", "COPY"], OK);
    assert_eq!(s.cmd(&["MIGRATE", HOST, p, "c", "0", "2000"]), BUSYKEY);
    expect(&mut s, &["SET", "end", "1"], OK);
    // The write reaches the file within a second (everysec).
    let dir = src.dir.join("appendonlydir");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = aof_text(&dir);
        if text.contains("end") || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn aof_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    files.sort();
    for f in files {
        if f.to_string_lossy().ends_with(".incr.aof") {
            out.push_str(&String::from_utf8_lossy(
                &std::fs::read(&f).unwrap_or_default(),
            ));
        }
    }
    out
}

fn check_aof(text: &str) {
    let del = "*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n";
    assert_eq!(text.matches(del).count(), 1, "{text:?}");
    assert_eq!(text.matches("DEL").count(), 1, "{text:?}");
    assert!(!text.to_ascii_lowercase().contains("migrate"), "{text:?}");
}

#[test]
fn ember_propagates_one_del_of_the_moved_keys() {
    let src = start_ember(&["--appendonly", "yes"]);
    check_aof(&aof_scenario(&src, &start_ember(&[])));
}

#[test]
fn redis_propagates_one_del_of_the_moved_keys() {
    require_redis!();
    let src = start_redis(&["--appendonly", "yes"]).unwrap();
    check_aof(&aof_scenario(&src, &start_redis(&[]).unwrap()));
}

/// The connection to a target is kept (INFO migrate_cached_sockets), and
/// the slow log hides AUTH/AUTH2 values.
fn cache_and_redaction(src: &ServerProc) {
    let dst = start_ember(&["--requirepass", "pw"]);
    let mut s = src.connect();
    let port = dst.port.to_string();
    expect(&mut s, &["SET", "k", "v"], OK);
    expect(
        &mut s,
        &["CONFIG", "SET", "slowlog-log-slower-than", "0"],
        OK,
    );
    let m = migrate_args(port.as_str(), &["k", "0", "2000", "COPY", "REPLACE"]);
    let auth: Vec<&str> = m.iter().copied().chain(["AUTH", "pw"]).collect();
    expect(&mut s, &auth, OK);
    let info = s.cmd_str(&["INFO", "stats"]);
    assert!(info.contains("migrate_cached_sockets:1\r\n"), "{info}");
    let auth2: Vec<&str> = m
        .iter()
        .copied()
        .chain(["AUTH2", "default", "pw"])
        .collect();
    expect(&mut s, &auth2, OK);
    // The two MIGRATEs and the INFO between them.
    let log = s.cmd(&["SLOWLOG", "GET", "3"]);
    let text = String::from_utf8_lossy(&log);
    assert_eq!(text.matches("(redacted)").count(), 3, "{text}");
    assert!(!text.contains("\r\npw\r\n"), "{text}");
    assert!(!text.contains("default"), "{text}");
    // The same target again: the cached connection is reused.
    expect(&mut s, &auth, OK);
    let info = s.cmd_str(&["INFO", "stats"]);
    assert!(info.contains("migrate_cached_sockets:1\r\n"), "{info}");
    // The target going away: the cached connection fails once and MIGRATE
    // reconnects (here to nothing: the write error).
    drop(dst);
    let r = s.cmd(&auth);
    assert_eq!(r, b"-IOERR error or timeout writing to target instance\r\n");
    let info = s.cmd_str(&["INFO", "stats"]);
    assert!(info.contains("migrate_cached_sockets:0\r\n"), "{info}");
}

on_both!(
    cache_and_redaction,
    cache_and_redaction_ember,
    cache_and_redaction_redis
);

/// A cached connection the target closed (its client timeout) is replaced
/// transparently.
fn reconnects_after_target_timeout(src: &ServerProc) {
    let dst = start_ember(&["--timeout", "1"]);
    let mut s = src.connect();
    let port = dst.port.to_string();
    let m = migrate_args(port.as_str(), &["k", "0", "2000", "COPY", "REPLACE"]);
    expect(&mut s, &["SET", "k", "v"], OK);
    expect(&mut s, &m, OK);
    // ember closes idle clients from its cron: wait past the timeout.
    std::thread::sleep(Duration::from_millis(2500));
    expect(&mut s, &m, OK);
    let mut d = dst.connect();
    expect(&mut d, &["GET", "k"], b"$1\r\nv\r\n");
}

on_both!(
    reconnects_after_target_timeout,
    reconnects_after_target_timeout_ember,
    reconnects_after_target_timeout_redis
);

#[test]
fn command_info_and_getkeys_match_redis() {
    require_redis!();
    let e = start_ember(&[]);
    let r = start_redis(&[]).unwrap();
    let (mut ec, mut rc) = (e.connect(), r.connect());
    for line in [
        &["COMMAND", "INFO", "migrate"][..],
        &["COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5"],
        &[
            "COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b",
        ],
        &[
            "COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5", "KEYS", "a",
        ],
        &[
            "COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "KEYS",
        ],
        &[
            "COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "AUTH", "KEYS", "KEYS", "a",
        ],
        &[
            "COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "AUTH2", "KEYS", "x", "KEYS",
            "a",
        ],
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "MIGRATE",
            "h",
            "1",
            "",
            "0",
            "5",
            "COPY",
            "KEYS",
            "a",
            "b",
        ],
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "MIGRATE",
            "h",
            "1",
            "k",
            "0",
            "5",
            "COPY",
        ],
    ] {
        assert_eq!(escape(&ec.cmd(line)), escape(&rc.cmd(line)), "{line:?}");
    }
    // COMMAND DOCS: the same tree; the summary, complexity and history
    // texts are our own words.
    let strip = |b: Vec<u8>| -> Vec<String> {
        let text = String::from_utf8_lossy(&b).into_owned();
        let lines: Vec<&str> = text.split("\r\n").collect();
        let mut out = Vec::new();
        let mut skip_next = false;
        for (i, l) in lines.iter().enumerate() {
            if skip_next {
                skip_next = false;
                out.push("<text>".to_string());
                continue;
            }
            let is_text_field = matches!(*l, "summary" | "complexity")
                && lines
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.starts_with('$'));
            skip_next = is_text_field;
            out.push(l.to_string());
        }
        out
    };
    let (ed, rd) = (
        ec.cmd(&["COMMAND", "DOCS", "migrate"]),
        rc.cmd(&["COMMAND", "DOCS", "migrate"]),
    );
    let (ed, rd) = (strip(ed), strip(rd));
    // History entries are (version, text): compare the versions.
    let versions = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|l| {
                l.len() <= 6 && l.contains('.') && l.chars().all(|c| c.is_ascii_digit() || c == '.')
            })
            .cloned()
            .collect()
    };
    assert_eq!(versions(&ed), versions(&rd));
    let args_of = |v: &[String]| -> Vec<String> {
        let at = v.iter().position(|l| l == "arguments").unwrap();
        v[at..]
            .iter()
            .filter(|l| !l.starts_with('$'))
            .cloned()
            .collect()
    };
    assert_eq!(args_of(&ed), args_of(&rd));
}
