//! The append only file end to end: ember's AOF directory checked by
//! `redis-check-aof` and loaded by `redis-server` with the same data, a
//! Redis-written directory loaded by ember, crash tests (SIGKILL while a
//! client writes with `appendfsync always` / `everysec`, SIGKILL during a
//! rewrite), truncated and corrupt files, and turning the AOF on at run
//! time. Key spaces are compared key by key (type, content, absolute
//! expiry) with `common::snapshot`.

mod common;

use common::snapshot::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A far-future absolute expiry (ms).
const FAR: &str = "4102444800000";

/// Writes touching every type in small and big encodings, with expiries
/// and the commands whose AOF form is rewritten (relative TTLs, float
/// increments, random and blocking pops, transactions).
fn workload(part: u8) -> Vec<(usize, Args)> {
    let mut out = Vec::new();
    let mut push = |db: usize, parts: Vec<String>| {
        out.push((db, parts.into_iter().map(String::into_bytes).collect()));
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let p = part.to_string();
    push(0, s(&["SET", &format!("str{p}"), "hello"]));
    push(0, s(&["SET", &format!("int{p}"), "12345"]));
    push(0, s(&["SET", &format!("big{p}"), &"x".repeat(3000)]));
    push(0, s(&["SET", &format!("ex{p}"), "v", "EX", "100000"]));
    push(0, s(&["SETEX", &format!("setex{p}"), "100000", "v"]));
    push(0, s(&["PSETEX", &format!("psetex{p}"), "100000000", "v"]));
    push(0, s(&["SET", &format!("pxat{p}"), "v", "PXAT", FAR]));
    push(0, s(&["INCRBYFLOAT", &format!("fl{p}"), "1.1"]));
    push(0, s(&["INCRBYFLOAT", &format!("fl{p}"), "2.25"]));
    push(0, s(&["APPEND", &format!("str{p}"), " world"]));
    push(0, s(&["GETEX", &format!("str{p}"), "PX", "90000000"]));
    let mut list = vec!["RPUSH".to_string(), format!("list{p}")];
    list.extend((0..20).map(|i| i.to_string()));
    push(0, list);
    let mut biglist = vec!["RPUSH".to_string(), format!("biglist{p}")];
    biglist.extend((0..300).map(|i| format!("{i}-{}", "y".repeat(80))));
    push(0, biglist);
    push(0, s(&["LPOP", &format!("list{p}")]));
    push(0, s(&["BLPOP", &format!("list{p}"), "0"]));
    push(0, s(&["BRPOP", &format!("list{p}"), "0"]));
    push(
        0,
        s(&["LMPOP", "1", &format!("biglist{p}"), "LEFT", "COUNT", "3"]),
    );
    push(
        0,
        s(&[
            "BLMOVE",
            &format!("list{p}"),
            &format!("list2{p}"),
            "LEFT",
            "RIGHT",
            "0",
        ]),
    );
    push(0, s(&["SADD", &format!("iset{p}"), "1", "2", "3", "-7"]));
    push(
        0,
        s(&["SADD", &format!("sset{p}"), "a", "b", "c", "d", "e"]),
    );
    let mut bigset = vec!["SADD".to_string(), format!("bigset{p}")];
    bigset.extend((0..700).map(|i| format!("m{i}")));
    push(0, bigset);
    push(0, s(&["SPOP", &format!("sset{p}")]));
    push(0, s(&["SPOP", &format!("bigset{p}"), "20"]));
    push(0, s(&["SPOP", &format!("iset{p}"), "2"]));
    push(
        0,
        s(&[
            "ZADD",
            &format!("z{p}"),
            "1",
            "a",
            "2.5",
            "b",
            "-3",
            "c",
            "10",
            "d",
        ]),
    );
    let mut bigz = vec!["ZADD".to_string(), format!("bigz{p}")];
    for i in 0..200 {
        bigz.push(format!("{}.5", i * 3));
        bigz.push(format!("member-{i}-{}", "z".repeat(70)));
    }
    push(0, bigz);
    push(0, s(&["ZINCRBY", &format!("z{p}"), "0.25", "a"]));
    push(0, s(&["BZPOPMIN", &format!("z{p}"), "0"]));
    push(
        0,
        s(&["ZMPOP", "1", &format!("bigz{p}"), "MAX", "COUNT", "4"]),
    );
    push(0, s(&["HSET", &format!("h{p}"), "f1", "v1", "f2", "22"]));
    let mut bigh = vec!["HSET".to_string(), format!("bigh{p}")];
    for i in 0..600 {
        bigh.push(format!("field{i}"));
        bigh.push(format!("value{i}"));
    }
    push(0, bigh);
    push(0, s(&["HINCRBYFLOAT", &format!("h{p}"), "fl", "0.5"]));
    push(0, s(&["HINCRBY", &format!("h{p}"), "f2", "3"]));
    push(0, s(&["EXPIRE", &format!("h{p}"), "500000"]));
    push(0, s(&["PEXPIREAT", &format!("biglist{p}"), FAR]));
    push(0, s(&["EXPIRE", &format!("int{p}"), "-5"]));
    push(
        0,
        s(&["MSET", &format!("m1{p}"), "1", &format!("m2{p}"), "2"]),
    );
    push(0, s(&["RENAME", &format!("m1{p}"), &format!("m3{p}")]));
    push(0, s(&["GETDEL", &format!("m2{p}")]));
    push(3, s(&["SET", &format!("db3{p}"), "x", "EX", "50000"]));
    push(3, s(&["HSET", &format!("db3h{p}"), "a", "b"]));
    push(5, s(&["MULTI"]));
    push(5, s(&["SET", &format!("tx{p}"), "1"]));
    push(5, s(&["INCRBY", &format!("tx{p}"), "41"]));
    push(5, s(&["EXEC"]));
    out
}

fn info_field(c: &mut RawConn, section: &str, name: &str) -> String {
    let text =
        String::from_utf8_lossy(&bulk(&c.cmd(&["INFO", section])).unwrap_or_default()).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Waits until no rewrite is running or scheduled.
fn wait_rewrite(c: &mut RawConn) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(c, "persistence", "aof_rewrite_in_progress") != "0"
        || info_field(c, "persistence", "aof_rewrite_scheduled") != "0"
    {
        assert!(Instant::now() < deadline, "rewrite did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts ember with its data in `dir` and the AOF on.
fn ember_in(dir: &Path, extra: &[&str]) -> ServerProc {
    let d = dir.to_string_lossy().into_owned();
    let mut args = vec![
        "--dir",
        &d,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
    ];
    args.extend_from_slice(extra);
    start_ember(&args)
}

/// Runs ember on `dir` expecting it to refuse to start: it must exit with
/// status 1 (not a panic) within a few seconds. Returns its output.
fn ember_refuses(dir: &Path, extra: &[&str]) -> String {
    let port = free_port().to_string();
    let d = dir.to_string_lossy().into_owned();
    let log = dir.join("refused.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ember-server"))
        .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
        .args(["--dir", &d, "--appendonly", "yes"])
        .args(extra)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("spawn ember-server");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ember started on a damaged AOF in {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap_or_default()
}

/// The last incr file of the manifest.
fn last_incr(dir: &Path) -> PathBuf {
    let m = manifest(dir);
    let name = m
        .lines()
        .rfind(|l| l.ends_with("type i"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no incr file in manifest: {m}"))
        .to_string();
    dir.join("appendonlydir").join(name)
}

fn redis_check_aof(dir: &Path) {
    let Some(prog) = find_on_path("redis-check-aof") else {
        assert!(!in_ci(), "redis-check-aof not found on PATH, and CI=true");
        eprintln!("SKIPPED redis-check-aof: not found on PATH (install redis-tools)");
        return;
    };
    let out = Command::new(prog)
        .arg(dir.join("appendonlydir/appendonly.aof.manifest"))
        .output()
        .expect("run redis-check-aof");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "redis-check-aof refused:\n{text}");
    assert!(
        text.contains("All AOF files and manifest are valid"),
        "{text}"
    );
}

/// Waits until a just-started server has loaded (answers without -LOADING).
fn ready(mut c: RawConn) -> RawConn {
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.cmd(&["PING"]).starts_with(b"-LOADING") {
        assert!(Instant::now() < deadline, "still loading");
        std::thread::sleep(Duration::from_millis(10));
    }
    c
}

fn ember_round_trip(preamble: &str) {
    let dir = temp_dir("ember-aof-rt");
    let want = {
        let srv = ember_in(&dir, &["--aof-use-rdb-preamble", preamble]);
        let mut c = srv.connect();
        apply(&mut c, &workload(1));
        assert_eq!(
            c.cmd(&["BGREWRITEAOF"]),
            b"+Background append only file rewriting started\r\n"
        );
        wait_rewrite(&mut c);
        apply(&mut c, &workload(2));
        let incr = std::fs::read(last_incr(&dir)).unwrap();
        let text = String::from_utf8_lossy(&incr);
        // The transaction is one MULTI/EXEC block; relative TTLs are absolute.
        assert!(
            text.contains("*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$3\r\ntx2"),
            "{text}"
        );
        assert!(!text.contains("SETEX") && !text.contains("BLPOP") && !text.contains("SPOP"));
        let snap = snapshot(&mut c, 16);
        drop(srv); // SIGKILL
        snap
    };
    let base = if preamble == "yes" { "rdb" } else { "aof" };
    assert!(
        manifest(&dir).starts_with(&format!("file appendonly.aof.2.base.{base} seq 2 type b\n")),
        "{}",
        manifest(&dir)
    );
    loads_everywhere(&dir, &want);
    let _ = std::fs::remove_dir_all(&dir);
}

/// ember's AOF dir passes redis-check-aof, and ember and redis-server both
/// load it into `want`.
fn loads_everywhere(dir: &Path, want: &Snapshot) {
    redis_check_aof(dir);
    {
        let srv = ember_in(dir, &[]);
        let mut c = ready(srv.connect());
        assert_same(want, &snapshot(&mut c, 16), "ember reloading its AOF");
    }
    if redis_or_skip("ember_aof_loads_in_redis") {
        let d = dir.to_string_lossy().into_owned();
        let srv = start_redis(&["--dir", &d, "--appendonly", "yes"]).unwrap();
        let mut c = ready(srv.connect());
        assert_same(want, &snapshot(&mut c, 16), "redis loading ember's AOF");
    }
}

#[test]
fn ember_aof_with_rdb_preamble_is_valid_for_redis() {
    ember_round_trip("yes");
}

#[test]
fn ember_aof_without_preamble_is_valid_for_redis() {
    ember_round_trip("no");
}

#[test]
fn redis_aof_loads_in_ember() {
    require_redis!();
    for preamble in ["yes", "no"] {
        let dir = temp_dir("ember-aof-from-redis");
        let d = dir.to_string_lossy().into_owned();
        let want = {
            let srv = start_redis(&[
                "--dir",
                &d,
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--aof-use-rdb-preamble",
                preamble,
            ])
            .unwrap();
            let mut c = srv.connect();
            apply(&mut c, &workload(1));
            c.cmd(&["BGREWRITEAOF"]);
            wait_rewrite(&mut c);
            apply(&mut c, &workload(2));
            snapshot(&mut c, 16)
        };
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        assert_same(&want, &snapshot(&mut c, 16), "ember loading redis's AOF");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

use common::rng::Rng;

/// A generator seeded from the clock: each run kills at other points.
fn seeded() -> Rng {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    Rng(t)
}

/// Sends SETs one at a time until the connection breaks; returns, for each
/// acknowledged write, its index and when its reply arrived.
fn write_until_killed(c: &mut RawConn, tag: &str) -> Vec<(u64, Instant)> {
    let mut acked = Vec::new();
    for i in 0.. {
        c.send(&["SET", &format!("{tag}:{i}"), &i.to_string()]);
        match c.read_reply() {
            Ok(r) if r == b"+OK\r\n" => acked.push((i, Instant::now())),
            Ok(r) => panic!("unexpected reply {}", String::from_utf8_lossy(&r)),
            Err(_) => break,
        }
    }
    acked
}

fn kill_after(pid: u32, after: Duration) -> std::thread::JoinHandle<Instant> {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        // SAFETY: a plain kill(2) of the server process this test started.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        Instant::now()
    })
}

/// The keys `tag:i` (i in `idx`) that are missing or wrong after a restart.
fn missing(c: &mut RawConn, tag: &str, idx: &[u64]) -> Vec<u64> {
    let mut out = Vec::new();
    for chunk in idx.chunks(500) {
        let mut args = vec!["MGET".to_string()];
        args.extend(chunk.iter().map(|i| format!("{tag}:{i}")));
        let vals = bulks(&c.cmd(&args));
        for (i, v) in chunk.iter().zip(vals) {
            if v != i.to_string().into_bytes() {
                out.push(*i);
            }
        }
    }
    out
}

#[test]
fn sigkill_with_appendfsync_always_loses_no_acknowledged_write() {
    let dir = temp_dir("ember-aof-crash");
    let mut rng = seeded();
    let mut total = 0;
    for round in 0..5 {
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        // Earlier rounds survived this restart too.
        let n = c.cmd(&["DBSIZE"]);
        assert_eq!(n, format!(":{total}\r\n").into_bytes(), "round {round}");
        let killer = kill_after(srv.pid(), Duration::from_millis(100 + rng.below(400)));
        let tag = format!("r{round}");
        let acked = write_until_killed(&mut c, &tag);
        killer.join().unwrap();
        drop(srv);
        assert!(!acked.is_empty());
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        let idx: Vec<u64> = acked.iter().map(|a| a.0).collect();
        assert_eq!(
            missing(&mut c, &tag, &idx),
            Vec::<u64>::new(),
            "round {round}"
        );
        // At most the one write in flight at the kill landed unacknowledged.
        let size = c.cmd(&["DBSIZE"]);
        let size: usize = String::from_utf8_lossy(&size[1..size.len() - 2])
            .parse()
            .unwrap();
        assert!(size - total == acked.len() || size - total == acked.len() + 1);
        total = size;
        eprintln!(
            "round {round}: {} acknowledged writes all present",
            acked.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigkill_with_appendfsync_everysec_loses_at_most_about_a_second() {
    let dir = temp_dir("ember-aof-everysec");
    let srv = ember_in(&dir, &["--appendfsync", "everysec"]);
    let mut c = ready(srv.connect());
    let killer = kill_after(srv.pid(), Duration::from_millis(2500));
    let acked = write_until_killed(&mut c, "e");
    let killed_at = killer.join().unwrap();
    drop(srv);
    let srv = ember_in(&dir, &["--appendfsync", "everysec"]);
    let mut c = ready(srv.connect());
    let idx: Vec<u64> = acked.iter().map(|a| a.0).collect();
    let lost = missing(&mut c, "e", &idx);
    for i in &lost {
        let age = killed_at.duration_since(acked[*i as usize].1);
        assert!(
            age < Duration::from_millis(2000),
            "write {i} acknowledged {age:?} before the kill was lost"
        );
    }
    eprintln!("{} writes, {} lost", acked.len(), lost.len());
    let _ = std::fs::remove_dir_all(&dir);
}

fn fill(c: &mut RawConn, n: usize) {
    let value = "v".repeat(100);
    let mut pipe = Vec::new();
    for i in 0..n {
        pipe.extend(encode_command(&["SET", &format!("key:{i}"), &value]));
    }
    c.send_raw(&pipe);
    for _ in 0..n {
        assert_eq!(c.read_reply().unwrap(), b"+OK\r\n");
    }
}

#[test]
fn sigkill_during_rewrite_leaves_previous_files_loadable() {
    const KEYS: usize = 60_000;
    // The rewrite child is killed; the server goes on and is killed later.
    let dir = temp_dir("ember-aof-kill-child");
    {
        let srv = ember_in(&dir, &["--appendfsync", "everysec"]);
        let mut c = srv.connect();
        fill(&mut c, KEYS);
        let before = manifest(&dir);
        assert_eq!(
            c.cmd(&["BGREWRITEAOF"]),
            b"+Background append only file rewriting started\r\n"
        );
        for k in children_of(srv.pid()) {
            // SAFETY: a plain kill(2) of our server's child process.
            unsafe { libc::kill(k, libc::SIGKILL) };
        }
        wait_rewrite(&mut c);
        assert_eq!(c.cmd(&["SET", "after", "1"]), b"+OK\r\n");
        let status = info_field(&mut c, "persistence", "aof_last_bgrewrite_status");
        eprintln!("rewrite status after killing the child: {status}");
        if status == "err" {
            // The new incr file was added; the base stayed.
            assert!(manifest(&dir).starts_with(before.lines().next().unwrap()));
        }
        std::thread::sleep(Duration::from_millis(1200));
    }
    {
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        assert_eq!(
            c.cmd(&["DBSIZE"]),
            format!(":{}\r\n", KEYS + 1).into_bytes()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The server itself is killed while its child rewrites.
    let dir = temp_dir("ember-aof-kill-parent");
    {
        let srv = ember_in(&dir, &[]);
        let mut c = srv.connect();
        fill(&mut c, KEYS);
        c.cmd(&["BGREWRITEAOF"]);
        assert_eq!(c.cmd(&["SET", "after", "1"]), b"+OK\r\n");
        let kids = children_of(srv.pid());
        drop(srv);
        // Let an orphaned child finish writing its temp file.
        let deadline = Instant::now() + Duration::from_secs(20);
        while kids
            .iter()
            .any(|k| Path::new(&format!("/proc/{k}")).exists())
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    {
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        assert_eq!(
            c.cmd(&["DBSIZE"]),
            format!(":{}\r\n", KEYS + 1).into_bytes()
        );
        assert_eq!(c.cmd(&["GET", "after"]), b"$1\r\n1\r\n");
    }
    redis_check_aof(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An AOF dir holding `SET a 1`, `SET b 2`, `SET c 3` in its incr file;
/// returns the incr file and the offset where `SET c` starts.
fn three_writes(dir: &Path) -> (PathBuf, usize) {
    let srv = ember_in(dir, &[]);
    let mut c = srv.connect();
    for (k, v) in [("a", "1"), ("b", "2"), ("c", "3")] {
        assert_eq!(c.cmd(&["SET", k, v]), b"+OK\r\n");
    }
    drop(srv);
    let incr = last_incr(dir);
    let data = std::fs::read(&incr).unwrap();
    let c_at = data
        .windows(5)
        .position(|w| w == b"$1\r\nc")
        .expect("SET c in the incr file")
        - b"*3\r\n$3\r\nSET\r\n".len();
    (incr, c_at)
}

#[test]
fn truncated_aof_loads_only_with_aof_load_truncated() {
    let dir = temp_dir("ember-aof-trunc");
    let (incr, c_at) = three_writes(&dir);
    let full = std::fs::read(&incr).unwrap();
    let cut = &full[..full.len() - 4];
    std::fs::write(&incr, cut).unwrap();
    let log = ember_refuses(&dir, &["--aof-load-truncated", "no"]);
    assert!(log.contains("Unexpected end of file"), "{log}");
    assert_eq!(std::fs::read(&incr).unwrap(), cut, "file changed");
    {
        let srv = ember_in(&dir, &["--aof-load-truncated", "yes"]);
        let mut c = ready(srv.connect());
        assert_eq!(
            c.cmd(&["MGET", "a", "b", "c"]),
            b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
        );
        assert!(srv.log().contains("Truncating the AOF"), "{}", srv.log());
        assert_eq!(std::fs::metadata(&incr).unwrap().len() as usize, c_at);
        // Writes after the repair follow the last whole command.
        assert_eq!(c.cmd(&["SET", "d", "4"]), b"+OK\r\n");
    }
    let srv = ember_in(&dir, &[]);
    let mut c = ready(srv.connect());
    assert_eq!(c.cmd(&["MGET", "a", "d"]), b"*2\r\n$1\r\n1\r\n$1\r\n4\r\n");
    drop(srv);
    redis_check_aof(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_aof_is_refused_and_left_untouched() {
    let dir = temp_dir("ember-aof-corrupt");
    let (incr, c_at) = three_writes(&dir);
    let mut data = std::fs::read(&incr).unwrap();
    // Damage the middle: the second command's argument count.
    let b_at = data.windows(5).position(|w| w == b"$1\r\nb").unwrap() - 13;
    assert_eq!(data[b_at], b'*');
    data[b_at + 1] = b'x';
    std::fs::write(&incr, &data).unwrap();
    let log = ember_refuses(&dir, &["--aof-load-truncated", "yes"]);
    assert!(log.contains("Bad file format"), "{log}");
    assert_eq!(std::fs::read(&incr).unwrap(), data, "file changed");
    // A manifest naming a file that is not there is refused too.
    std::fs::write(&incr, &data[..c_at]).unwrap();
    let m = dir.join("appendonlydir/appendonly.aof.manifest");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replace("1.incr", "9.incr")).unwrap();
    let log = ember_refuses(&dir, &[]);
    assert!(log.contains("doesn't exist"), "{log}");
    std::fs::write(&m, "file x seq 1 type q\n").unwrap();
    let log = ember_refuses(&dir, &[]);
    assert!(log.contains("manifest"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_set_appendonly_and_legacy_files() {
    let dir = temp_dir("ember-aof-config");
    let d = dir.to_string_lossy().into_owned();
    {
        let srv = start_ember(&["--dir", &d]);
        let mut c = srv.connect();
        assert_eq!(c.cmd(&["SET", "before", "1"]), b"+OK\r\n");
        assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), b"+OK\r\n");
        assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "1");
        assert_eq!(c.cmd(&["SET", "during", "2"]), b"+OK\r\n");
        wait_rewrite(&mut c);
        assert_eq!(c.cmd(&["SET", "on", "3"]), b"+OK\r\n");
        assert_eq!(info_field(&mut c, "persistence", "aof_rewrites"), "1");
        assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "no"]), b"+OK\r\n");
        assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "0");
        assert_eq!(c.cmd(&["SET", "off", "4"]), b"+OK\r\n");
    }
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    redis_check_aof(&dir);
    {
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        assert_eq!(
            c.cmd(&["MGET", "before", "during", "on", "off"]),
            b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    // A legacy single-file AOF (RESP) is loaded and moved into the dir.
    let dir = temp_dir("ember-aof-legacy");
    let mut legacy = encode_command(&["SELECT", "0"]);
    legacy.extend(encode_command(&["SET", "k", "v"]));
    legacy.extend(encode_command(&["RPUSH", "l", "a", "b"]));
    std::fs::write(dir.join("appendonly.aof"), &legacy).unwrap();
    {
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        assert_eq!(c.cmd(&["GET", "k"]), b"$1\r\nv\r\n");
        assert_eq!(c.cmd(&["LLEN", "l"]), b":2\r\n");
        assert_eq!(c.cmd(&["SET", "k2", "v2"]), b"+OK\r\n");
    }
    assert!(!dir.join("appendonly.aof").exists());
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    redis_check_aof(&dir);
    let srv = ember_in(&dir, &[]);
    let mut c = ready(srv.connect());
    assert_eq!(
        c.cmd(&["MGET", "k", "k2"]),
        b"*2\r\n$1\r\nv\r\n$2\r\nv2\r\n"
    );
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clients_get_loading_while_the_aof_loads() {
    let dir = temp_dir("ember-aof-loading");
    // A legacy AOF big enough to take a while to replay.
    let mut data = Vec::with_capacity(64 << 20);
    for i in 0..300_000 {
        data.extend(encode_command(&["SET", &format!("key:{i}"), "value"]));
    }
    std::fs::write(dir.join("appendonly.aof"), &data).unwrap();
    let srv = ember_in(&dir, &[]);
    let mut c = srv.connect();
    let first = c.cmd(&["GET", "key:1"]);
    let loading = info_field(&mut c, "persistence", "loading");
    eprintln!("first reply: {}", String::from_utf8_lossy(&first));
    eprintln!("INFO loading:{loading}");
    if first.starts_with(b"-") {
        assert_eq!(
            first,
            b"-LOADING Redis is loading the dataset in memory\r\n"
        );
    } else {
        // Loading finished before the first command arrived (fast machine).
        assert_eq!(first, b"$5\r\nvalue\r\n");
        assert_eq!(loading, "0");
    }
    let mut c = ready(c);
    assert_eq!(info_field(&mut c, "persistence", "loading"), "0");
    assert_eq!(c.cmd(&["DBSIZE"]), b":300000\r\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timestamp_annotations_are_accepted_by_redis() {
    let dir = temp_dir("ember-aof-ts");
    let want = {
        let srv = ember_in(&dir, &["--aof-timestamp-enabled", "yes"]);
        let mut c = srv.connect();
        apply(&mut c, &workload(1));
        let snap = snapshot(&mut c, 16);
        drop(srv);
        snap
    };
    let incr = std::fs::read(last_incr(&dir)).unwrap();
    assert!(
        incr.starts_with(b"#TS:"),
        "{}",
        String::from_utf8_lossy(&incr[..40])
    );
    loads_everywhere(&dir, &want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clients_get_loading_while_an_rdb_loads() {
    const KEYS: usize = 400_000;
    let dir = temp_dir("ember-rdb-loading");
    let mut cfg = ember::config::Config::default();
    cfg.dir = dir.to_string_lossy().into_owned();
    cfg.save.clear();
    let mut h = ember::testing::Harness::with_config(cfg);
    for i in 0..KEYS {
        h.run(&["SET", &format!("key:{i}"), "value"]);
    }
    let rdb = dir.join("dump.rdb");
    ember::persist::save(&h.srv, &rdb).unwrap();
    drop(h);
    // The same snapshot as the RDB preamble of a legacy AOF.
    std::fs::copy(&rdb, dir.join("appendonly.aof")).unwrap();
    let d = dir.to_string_lossy().into_owned();
    for aof in ["no", "yes"] {
        let srv = start_ember(&["--dir", &d, "--appendonly", aof]);
        let mut c = srv.connect();
        let first = c.cmd(&["GET", "key:1"]);
        eprintln!(
            "appendonly {aof}: first reply {}",
            String::from_utf8_lossy(&first)
        );
        assert!(
            first == b"-LOADING Redis is loading the dataset in memory\r\n"
                || first == b"$5\r\nvalue\r\n",
            "{}",
            String::from_utf8_lossy(&first)
        );
        let mut c = ready(c);
        assert_eq!(c.cmd(&["DBSIZE"]), format!(":{KEYS}\r\n").into_bytes());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the same deterministic writes (no TTLs, no randomness) on a
/// server with the AOF on, including pops served after blocking, and
/// returns its incr file.
fn logged_by(srv: &ServerProc, dir: &Path) -> Vec<u8> {
    let mut c = srv.connect();
    let mut waiter = srv.connect();
    let run = |c: &mut RawConn, parts: &[&str]| {
        let r = c.cmd(parts);
        assert!(
            !r.starts_with(b"-"),
            "{parts:?}: {}",
            String::from_utf8_lossy(&r)
        );
    };
    run(&mut c, &["SET", "s", "1"]);
    run(&mut c, &["INCRBYFLOAT", "f", "1.5"]);
    run(&mut c, &["HINCRBYFLOAT", "h", "x", "2.25"]);
    run(&mut c, &["GETSET", "s", "2"]);
    run(&mut c, &["GETDEL", "s"]);
    run(&mut c, &["EXPIRE", "f", "-1"]);
    run(&mut c, &["SADD", "one", "m"]);
    run(&mut c, &["SPOP", "one"]);
    run(&mut c, &["SADD", "two", "a", "b"]);
    run(&mut c, &["SPOP", "two", "5"]);
    // Absolute expiries are deterministic too.
    run(&mut c, &["SET", "e1", "v", "EXAT", "4102444800"]);
    run(&mut c, &["SET", "e2", "v", "PXAT", FAR, "GET"]);
    run(&mut c, &["SET", "e3", "v", "NX", "PXAT", FAR]);
    run(&mut c, &["SET", "e3", "w", "XX", "GET"]);
    run(&mut c, &["SET", "e3", "x", "get", "KEEPTTL"]);
    run(&mut c, &["GETEX", "e1", "EXAT", "4102444801"]);
    run(&mut c, &["GETEX", "e2", "PXAT", FAR]);
    run(&mut c, &["EXPIREAT", "e1", "4102444802", "GT"]);
    run(&mut c, &["PEXPIREAT", "e2", FAR, "NX"]);
    run(&mut c, &["PERSIST", "e2"]);
    run(&mut c, &["PERSIST", "e2"]);
    run(&mut c, &["SETNX", "e2", "x"]);
    run(&mut c, &["MSETNX", "n1", "1", "n2", "2"]);
    run(&mut c, &["APPEND", "n1", "0"]);
    run(&mut c, &["SETRANGE", "n1", "5", "x"]);
    run(&mut c, &["INCR", "n2"]);
    run(&mut c, &["DECRBY", "n2", "7"]);
    run(&mut c, &["RENAME", "n1", "n3"]);
    run(&mut c, &["RENAMENX", "n3", "n2"]);
    run(&mut c, &["COPY", "n3", "n4"]);
    run(&mut c, &["MOVE", "n4", "2"]);
    run(&mut c, &["DEL", "n3", "nothing", "n2"]);
    run(&mut c, &["UNLINK", "e1"]);
    run(&mut c, &["RPUSH", "L", "a", "b", "c", "b"]);
    run(&mut c, &["LPUSHX", "L", "z"]);
    run(&mut c, &["LINSERT", "L", "BEFORE", "c", "y"]);
    run(&mut c, &["LSET", "L", "0", "w"]);
    run(&mut c, &["LREM", "L", "0", "b"]);
    run(&mut c, &["LTRIM", "L", "0", "1"]);
    run(&mut c, &["SADD", "S", "1", "2", "3"]);
    run(&mut c, &["SREM", "S", "9"]);
    run(&mut c, &["SMOVE", "S", "S2", "1"]);
    run(&mut c, &["SINTERSTORE", "S3", "S", "S"]);
    run(&mut c, &["SORT", "S", "STORE", "SL"]);
    run(&mut c, &["ZADD", "Z", "1", "a", "2", "b", "3", "c"]);
    run(&mut c, &["ZADD", "Z", "INCR", "5", "a"]);
    run(&mut c, &["ZINCRBY", "Z", "1.5", "b"]);
    run(&mut c, &["ZREM", "Z", "c", "none"]);
    run(&mut c, &["ZUNIONSTORE", "Z2", "2", "Z", "Z"]);
    run(&mut c, &["ZREMRANGEBYSCORE", "Z2", "0", "5"]);
    run(&mut c, &["HSET", "H", "a", "1", "b", "2"]);
    run(&mut c, &["HSETNX", "H", "a", "9"]);
    run(&mut c, &["HINCRBY", "H", "a", "4"]);
    run(&mut c, &["HDEL", "H", "b", "zz"]);
    let dump = c.cmd(&["DUMP", "H"]);
    let payload = bulk(&dump).unwrap();
    let r = c.cmd(&[&b"RESTORE"[..], b"H2", b"0", &payload]);
    assert_eq!(r, b"+OK\r\n");
    let r = c.cmd(&[&b"RESTORE"[..], b"H3", FAR.as_bytes(), &payload, b"ABSTTL"]);
    assert_eq!(r, b"+OK\r\n");
    run(&mut c, &["FLUSHDB"]);
    // Pops served now and after blocking.
    for (block, push) in [
        (&["BLPOP", "l", "0"][..], &["RPUSH", "l", "a", "b"][..]),
        (&["BRPOP", "l", "0"][..], &["RPUSH", "l", "c", "c2"][..]),
        (
            &["BLMOVE", "l", "l2", "left", "RIGHT", "0"][..],
            &["RPUSH", "l", "d", "d2"][..],
        ),
        (
            &["BRPOPLPUSH", "l", "l2", "0"][..],
            &["RPUSH", "l", "e", "e2"][..],
        ),
        (
            &["BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "5"][..],
            &["RPUSH", "l", "1", "2", "3", "4", "5", "6", "7"][..],
        ),
        (
            &["BZPOPMIN", "z", "0"][..],
            &["ZADD", "z", "1", "a", "2", "b"][..],
        ),
        (
            &["BZPOPMAX", "z", "0"][..],
            &["ZADD", "z", "3", "c", "4", "c2"][..],
        ),
        (
            &["BZMPOP", "0", "1", "z", "MIN", "COUNT", "3"][..],
            &[
                "ZADD", "z", "5", "d", "6", "e", "7", "f", "8", "g", "9", "h",
            ][..],
        ),
    ] {
        waiter.send(block);
        // Let the waiter park before the push serves it.
        let deadline = Instant::now() + Duration::from_secs(5);
        while info_field(&mut c, "clients", "blocked_clients") != "1" {
            assert!(Instant::now() < deadline, "{block:?} did not block");
            std::thread::sleep(Duration::from_millis(5));
        }
        run(&mut c, push);
        let r = waiter.read_reply().unwrap();
        assert!(!r.starts_with(b"-") && !r.starts_with(b"*-1"), "{block:?}");
        run(&mut waiter, block);
    }
    run(&mut c, &["LMPOP", "1", "l2", "LEFT", "COUNT", "2"]);
    run(&mut c, &["ZADD", "z", "5", "e", "6", "f"]);
    run(&mut c, &["ZMPOP", "1", "z", "MAX", "COUNT", "9"]);
    run(&mut c, &["SELECT", "3"]);
    run(&mut c, &["MULTI"]);
    run(&mut c, &["SET", "t", "1"]);
    run(&mut c, &["INCR", "t"]);
    run(&mut c, &["SELECT", "4"]);
    run(&mut c, &["SET", "u", "1"]);
    run(&mut c, &["EXEC"]);
    run(&mut c, &["MULTI"]);
    run(&mut c, &["GET", "u"]);
    run(&mut c, &["SET", "u", "2"]);
    run(&mut c, &["EXEC"]);
    run(&mut c, &["SWAPDB", "3", "5"]);
    run(&mut c, &["FLUSHALL"]);
    std::fs::read(last_incr(dir)).unwrap()
}

#[test]
fn aof_content_matches_redis_byte_for_byte() {
    require_redis!();
    let dir = temp_dir("ember-aof-bytes-e");
    let d = dir.to_string_lossy().into_owned();
    let args = ["--dir", d.as_str(), "--appendonly", "yes"];
    let ember = {
        let srv = start_ember(&args);
        logged_by(&srv, &dir)
    };
    let rdir = temp_dir("ember-aof-bytes-r");
    let rd = rdir.to_string_lossy().into_owned();
    let rargs = ["--dir", rd.as_str(), "--appendonly", "yes"];
    let redis = {
        let srv = start_redis(&rargs).unwrap();
        logged_by(&srv, &rdir)
    };
    assert_eq!(
        String::from_utf8_lossy(&ember),
        String::from_utf8_lossy(&redis)
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&rdir);
}

/// Stream writes whose logged form must differ from the command: `*` IDs,
/// approximate trims, consumer-group reads and claims.
fn stream_workload(part: u8) -> Vec<(usize, Args)> {
    let mut out = Vec::new();
    let cmd = |parts: &[&str]| -> Args { parts.iter().map(|p| p.as_bytes().to_vec()).collect() };
    if part == 1 {
        for i in 0..300 {
            let v = i.to_string();
            out.push((
                0,
                cmd(&["XADD", "s", "MAXLEN", "~", "200", "*", "f", &v, "g", "x"]),
            ));
        }
        out.push((0, cmd(&["XADD", "s2", "5-*", "a", "1"])));
        out.push((0, cmd(&["XADD", "s2", "5-*", "a", "2"])));
        out.push((0, cmd(&["XGROUP", "CREATE", "s", "g1", "0"])));
        out.push((0, cmd(&["XGROUP", "CREATE", "s", "g2", "$", "MKSTREAM"])));
        out.push((0, cmd(&["XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"])));
        out.push((
            0,
            cmd(&[
                "XREADGROUP",
                "GROUP",
                "g1",
                "alice",
                "COUNT",
                "10",
                "STREAMS",
                "s",
                ">",
            ]),
        ));
        out.push((
            0,
            cmd(&[
                "XREADGROUP",
                "GROUP",
                "g1",
                "bob",
                "COUNT",
                "5",
                "NOACK",
                "STREAMS",
                "s",
                ">",
            ]),
        ));
    } else {
        out.push((
            0,
            cmd(&[
                "XREADGROUP",
                "GROUP",
                "g1",
                "carol",
                "COUNT",
                "3",
                "STREAMS",
                "s",
                ">",
            ]),
        ));
        out.push((
            0,
            cmd(&["XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "s", "0"]),
        ));
        out.push((
            0,
            cmd(&["XAUTOCLAIM", "s", "g1", "dave", "0", "0", "COUNT", "2"]),
        ));
        out.push((0, cmd(&["XGROUP", "CREATECONSUMER", "s", "g2", "erin"])));
        out.push((0, cmd(&["XTRIM", "s", "MAXLEN", "~", "150"])));
        out.push((0, cmd(&["XADD", "s", "*", "late", "1"])));
        out.push((0, cmd(&["XACK", "s", "g1", "0-1"])));
    }
    out
}

#[test]
fn streams_replay_the_same_from_the_aof() {
    let dir = temp_dir("ember-aof-streams");
    let want = {
        let srv = ember_in(&dir, &["--aof-use-rdb-preamble", "no"]);
        let mut c = srv.connect();
        apply(&mut c, &stream_workload(1));
        assert_eq!(
            c.cmd(&["BGREWRITEAOF"]),
            b"+Background append only file rewriting started\r\n"
        );
        wait_rewrite(&mut c);
        // XCLAIM of an entry that part 2's reads deliver, by ID.
        let first = c.cmd(&["XRANGE", "s", "-", "+", "COUNT", "1"]);
        let text = String::from_utf8_lossy(&first).into_owned();
        let id = text.split("\r\n").nth(3).unwrap_or("0-1").to_string();
        apply(&mut c, &stream_workload(2));
        c.cmd(&["XCLAIM", "s", "g1", "frank", "0", &id, "RETRYCOUNT", "7"]);
        let incr = String::from_utf8_lossy(&std::fs::read(last_incr(&dir)).unwrap()).into_owned();
        assert!(
            !incr.contains("XREADGROUP") && !incr.contains("XAUTOCLAIM"),
            "{incr}"
        );
        assert!(
            !incr.contains("$1\r\n*\r\n") && !incr.contains("$1\r\n~\r\n"),
            "{incr}"
        );
        let snap = snapshot(&mut c, 16);
        drop(srv);
        snap
    };
    loads_everywhere(&dir, &want);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Scripts reach the AOF as their effects (one command alone, several in
/// MULTI/EXEC, never the EVAL itself), and function libraries survive a
/// rewrite and a restart, with and without the RDB preamble.
#[test]
fn scripts_log_their_effects_and_functions_survive_rewrites() {
    for preamble in ["yes", "no"] {
        let dir = temp_dir("ember-aof-scripts");
        {
            let srv = ember_in(&dir, &["--aof-use-rdb-preamble", preamble]);
            let mut c = srv.connect();
            let lib = "#!lua name=lib\nredis.register_function('setk', function(k, a) return redis.call('SET', k[1], a[1]) end)";
            assert_eq!(c.cmd(&["FUNCTION", "LOAD", lib]), b"$3\r\nlib\r\n");
            assert_eq!(
                c.cmd(&[
                    "EVAL",
                    "redis.call('SET','a','1') redis.call('INCR','b') return 1",
                    "0"
                ]),
                b":1\r\n"
            );
            c.cmd(&["EVAL", "redis.call('SET','c','x')", "0"]);
            let incr =
                String::from_utf8_lossy(&std::fs::read(last_incr(&dir)).unwrap()).into_owned();
            assert!(!incr.to_ascii_lowercase().contains("eval"), "{incr}");
            assert!(
                incr.contains("MULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\nb\r\n*1\r\n$4\r\nEXEC"),
                "{incr}"
            );
            assert_eq!(
                c.cmd(&["BGREWRITEAOF"]),
                b"+Background append only file rewriting started\r\n"
            );
            wait_rewrite(&mut c);
            assert_eq!(c.cmd(&["FCALL", "setk", "1", "d", "4"]), b"+OK\r\n");
        }
        let srv = ember_in(&dir, &[]);
        let mut c = ready(srv.connect());
        assert_eq!(
            c.cmd(&["MGET", "a", "b", "c", "d"]),
            b"*4\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n4\r\n"
        );
        assert_eq!(
            c.cmd(&["FCALL", "setk", "1", "e", "5"]),
            b"+OK\r\n",
            "preamble {preamble}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Lazy expiry by SCAN and RANDOMKEY reaches the AOF as plain DELs, one
/// per key, not as a transaction (Redis 7: they touch arbitrary keys, like
/// active expiry); a command run inside EXEC keeps its transaction.
#[test]
fn scan_and_randomkey_expiries_are_not_wrapped() {
    let dir = temp_dir("ember-aof-scan-expire");
    let srv = ember_in(&dir, &[]);
    let mut c = srv.connect();
    let del = |k: &str| format!("*2\r\n$3\r\nDEL\r\n${}\r\n{k}\r\n", k.len());
    expect(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"], b"+OK\r\n");
    for cmd in [&["SCAN", "0"][..], &["RANDOMKEY"][..]] {
        expect(&mut c, &["FLUSHALL"], b"+OK\r\n");
        expect(&mut c, &["SET", "foo1", "bar", "PX", "1"], b"+OK\r\n");
        expect(&mut c, &["SET", "foo2", "bar", "PX", "1"], b"+OK\r\n");
        std::thread::sleep(Duration::from_millis(5));
        c.cmd(cmd);
        let incr = std::fs::read(last_incr(&dir)).unwrap();
        let text = String::from_utf8_lossy(&incr);
        let tail = &text[text.rfind("FLUSHALL").unwrap_or(0)..];
        assert!(
            tail.contains(&del("foo1")) && tail.contains(&del("foo2")),
            "{text}"
        );
        assert!(!tail.contains("MULTI"), "{cmd:?} wrapped: {text}");
    }
    // Inside a transaction the expiries stay in it.
    expect(&mut c, &["SET", "foo3", "bar", "PX", "1"], b"+OK\r\n");
    std::thread::sleep(Duration::from_millis(5));
    expect(&mut c, &["MULTI"], b"+OK\r\n");
    expect(&mut c, &["SCAN", "0"], b"+QUEUED\r\n");
    expect(&mut c, &["SET", "x", "1"], b"+QUEUED\r\n");
    c.cmd(&["EXEC"]);
    let incr = std::fs::read(last_incr(&dir)).unwrap();
    let text = String::from_utf8_lossy(&incr);
    let tail = &text[text.rfind("foo3\r\n$3\r\nbar").unwrap_or(0)..];
    assert!(
        tail.contains(&format!("MULTI\r\n{}", del("foo3"))),
        "{text}"
    );
}

/// The manifest as Redis keeps it across rewrites: history newest first
/// (kept with aof-disable-auto-gc), every incr file becomes history when
/// a rewrite runs with the AOF off, and DEBUG LOADAOF adopts the manifest
/// on disk, so the next incr file after turning the AOF on again is 1.
#[test]
fn manifest_history_and_sequence_numbers_follow_redis() {
    let dir = temp_dir("aof-manifest-history");
    let s = ember_in(&dir, &["--aof-use-rdb-preamble", "yes"]);
    let mut c = ready(s.connect());
    c.cmd_line("SET a 1");
    c.cmd_line("CONFIG SET aof-disable-auto-gc yes");
    for _ in 0..2 {
        assert!(c.cmd_line("BGREWRITEAOF").starts_with(b"+"));
        wait_rewrite(&mut c);
    }
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.3.base.rdb seq 3 type b\n\
         file appendonly.aof.2.incr.aof seq 2 type h\n\
         file appendonly.aof.2.base.rdb seq 2 type h\n\
         file appendonly.aof.1.incr.aof seq 1 type h\n\
         file appendonly.aof.1.base.rdb seq 1 type h\n\
         file appendonly.aof.3.incr.aof seq 3 type i\n"
    );
    // Turning the garbage collection back on removes the history at once.
    c.cmd_line("CONFIG SET aof-disable-auto-gc no");
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.3.base.rdb seq 3 type b\n\
         file appendonly.aof.3.incr.aof seq 3 type i\n"
    );
    assert!(!dir.join("appendonlydir/appendonly.aof.1.base.rdb").exists());
    c.cmd_line("CONFIG SET appendonly no");
    assert!(c.cmd_line("BGREWRITEAOF").starts_with(b"+"));
    wait_rewrite(&mut c);
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.4.base.rdb seq 4 type b\n"
    );
    assert_eq!(c.cmd_line("DEBUG LOADAOF"), b"+OK\r\n");
    assert_eq!(c.cmd_line("GET a"), b"$1\r\n1\r\n");
    c.cmd_line("CONFIG SET appendonly yes");
    wait_rewrite(&mut c);
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.5.base.rdb seq 5 type b\n\
         file appendonly.aof.1.incr.aof seq 1 type i\n"
    );
}

/// Start-up refusals name the problem in Redis's words (log watchers and
/// Redis's own tests match them), and the reason is the last log line.
#[test]
fn manifest_errors_use_redis_words() {
    let cases: [(&str, &str); 4] = [
        ("", "Found an empty AOF manifest"),
        (
            "file appendonly.aof.1.base.aof seq 1 type b\n\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
            "Invalid AOF manifest file format",
        ),
        (
            "file appendonly.aof.1.base.aof seq 1 type x\n",
            "Unknown AOF file type",
        ),
        (
            "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
            "The append log file appendonly.aof.1.base.aof doesn't exist: No such file or directory",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let dir = temp_dir(&format!("aof-manifest-words-{i}"));
        std::fs::create_dir_all(dir.join("appendonlydir")).unwrap();
        std::fs::write(dir.join("appendonlydir/appendonly.aof.manifest"), text).unwrap();
        let out = ember_refuses(&dir, &[]);
        let last = out.lines().last().unwrap_or_default();
        assert!(last.contains(want), "case {i}: last line {last:?}\n{out}");
    }
}

/// An upgrade from a single-file AOF that Redis interrupted after writing
/// the manifest (naming the old file) but before moving the file into the
/// directory is carried on.
#[test]
fn interrupted_upgrade_from_a_single_file_aof_goes_on() {
    let dir = temp_dir("aof-interrupted-upgrade");
    std::fs::create_dir_all(dir.join("appendonlydir")).unwrap();
    std::fs::write(
        dir.join("appendonlydir/appendonly.aof.manifest"),
        "file appendonly.aof seq 1 type b\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("appendonly.aof"),
        encode_command(&["SET", "k1", "v1"]),
    )
    .unwrap();
    let s = ember_in(&dir, &[]);
    let mut c = ready(s.connect());
    assert_eq!(c.cmd_line("GET k1"), b"$2\r\nv1\r\n");
    assert!(!dir.join("appendonly.aof").exists());
    assert!(dir.join("appendonlydir/appendonly.aof").exists());
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof seq 1 type b\n\
         file appendonly.aof.1.incr.aof seq 1 type i\n"
    );
}

/// Writes an AOF directory by hand: the manifest and one incr file.
fn write_incr_only_aof(dir: &Path, file: &[u8]) {
    std::fs::create_dir_all(dir.join("appendonlydir")).unwrap();
    std::fs::write(
        dir.join("appendonlydir/appendonly.aof.manifest"),
        "file appendonly.aof.1.incr.aof seq 1 type i\n",
    )
    .unwrap();
    std::fs::write(dir.join("appendonlydir/appendonly.aof.1.incr.aof"), file).unwrap();
}

/// A script in the AOF that writes runs on a read-only replica (the file
/// is obeyed like a master), and clients served while a slow script in
/// the file runs under DEBUG LOADAOF get -LOADING, not -BUSY.
#[test]
fn aof_scripts_run_as_the_file_says() {
    let dir = temp_dir("aof-scripts");
    let mut file = encode_command(&["SELECT", "9"]);
    file.extend(encode_command(&[
        "EVAL",
        "redis.call('set',KEYS[1],'100')",
        "1",
        "foo",
    ]));
    file.extend(encode_command(&[
        "EVAL",
        "redis.call('incr',KEYS[1])",
        "1",
        "foo",
    ]));
    write_incr_only_aof(&dir, &file);
    let s = ember_in(
        &dir,
        &[
            "--replicaof",
            "127.0.0.1",
            "1",
            "--replica-read-only",
            "yes",
        ],
    );
    let mut c = ready(s.connect());
    c.cmd_line("SELECT 9");
    assert_eq!(c.cmd_line("GET foo"), b"$3\r\n101\r\n");
    drop(s);

    // Scripts are propagated as their effects: a slow one in the file is
    // written by hand, as Redis's own test does.
    let dir = temp_dir("aof-slow-script");
    let slow =
        "redis.call('set',KEYS[1],'y'); for i=1,1500000 do redis.call('ping') end return 'ok'";
    let mut file = encode_command(&["SELECT", "9"]);
    file.extend(encode_command(&["EVAL", slow, "1", "x"]));
    write_incr_only_aof(&dir, &file);
    let s = ember_in(&dir, &["--lua-time-limit", "10"]);
    let mut c = s.connect();
    c.timeout = Duration::from_secs(120);
    let mut c = ready(c);
    let mut loader = s.connect();
    loader.timeout = Duration::from_secs(120);
    loader.send(&["DEBUG", "LOADAOF"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = c.cmd_line("PING");
        if r.starts_with(b"-LOADING") {
            break;
        }
        assert!(!r.starts_with(b"-BUSY"), "{r:?}");
        assert!(Instant::now() < deadline, "never saw -LOADING: {r:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(loader.read_reply().unwrap(), b"+OK\r\n");
    c.cmd_line("SELECT 9");
    assert_eq!(c.cmd_line("GET x"), b"$1\r\ny\r\n");
}

/// The pid of a forked child of `pid` (Linux: /proc/<pid>/task/*/children).
fn child_of(pid: u32) -> Option<i32> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    tasks.filter_map(Result::ok).find_map(|t| {
        std::fs::read_to_string(t.path().join("children"))
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// A first rewrite (AOF turned on at run time) that fails takes its
/// temporary incr file with it, logged in Redis's words, and is retried.
#[test]
fn failed_first_rewrite_removes_its_temp_incr_file() {
    let dir = temp_dir("aof-temp-incr");
    let d = dir.to_string_lossy().into_owned();
    let s = start_ember(&["--dir", &d, "--save", ""]);
    let mut c = s.connect();
    c.cmd_line("SET k v");
    c.cmd_line("CONFIG SET rdb-key-save-delay 10000000");
    assert_eq!(c.cmd_line("CONFIG SET appendonly yes"), b"+OK\r\n");
    assert_eq!(
        info_field(&mut c, "persistence", "aof_rewrite_in_progress"),
        "1"
    );
    let temp = dir.join("appendonlydir/temp-appendonly.aof.incr");
    assert!(temp.exists());
    let child = child_of(s.pid()).expect("rewrite child");
    // SAFETY: plain kill(2) on the rewrite child the server forked.
    assert_eq!(unsafe { libc::kill(child, libc::SIGKILL) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !s
        .log()
        .contains("Removing the temp incr aof file temp-appendonly.aof.incr")
    {
        assert!(Instant::now() < deadline, "{}", s.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    c.cmd_line("CONFIG SET rdb-key-save-delay 0");
    wait_rewrite(&mut c);
    assert!(!temp.exists());
    assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "1");
}

/// Rewrites whose child dies hold automatic rewrites back after the third
/// failure (it only counted failed forks), said once in Redis's words.
#[test]
fn failed_rewrite_children_trigger_the_back_off() {
    let dir = temp_dir("aof-backoff");
    let s = ember_in(&dir, &[]);
    let mut c = ready(s.connect());
    c.cmd_line("SET k v");
    c.cmd_line("CONFIG SET rdb-key-save-delay 10000000");
    for _ in 0..3 {
        assert!(c.cmd_line("BGREWRITEAOF").starts_with(b"+"));
        let deadline = Instant::now() + Duration::from_secs(10);
        let child = loop {
            if let Some(p) = child_of(s.pid()) {
                break p;
            }
            assert!(Instant::now() < deadline, "no rewrite child");
            std::thread::sleep(Duration::from_millis(10));
        };
        // SAFETY: plain kill(2) on the rewrite child the server forked.
        assert_eq!(unsafe { libc::kill(child, libc::SIGKILL) }, 0);
        wait_rewrite(&mut c);
    }
    c.cmd_line("CONFIG SET auto-aof-rewrite-percentage 1");
    c.cmd_line("CONFIG SET auto-aof-rewrite-min-size 1kb");
    c.cmd(&["SET", "x", &"x".repeat(4096)]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s.log().contains("triggered the limit") {
        assert!(Instant::now() < deadline, "{}", s.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        info_field(&mut c, "persistence", "aof_rewrite_in_progress"),
        "0"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.log().matches("triggered the limit").count(), 1);
}
