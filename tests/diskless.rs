//! Diskless full sync, ember as the master (`repl-diskless-sync yes`): a
//! forked child writes `$EOF:<mark>\r\n<rdb><mark>` to the sockets of
//! replicas that announced `capa eof`; they go online and receive the
//! stream after their first REPLCONF ACK. Real redis-server and ember
//! replicas load it; two replicas within the delay share one transfer;
//! a replica without `capa eof` (or `repl-diskless-sync no`) still gets
//! the snapshot saved to disk; a master whose `dir` cannot be written
//! still syncs its replicas.

mod common;

use common::repl::*;
use common::snapshot::*;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const DBS: usize = 4;

/// A small data set of several types in two databases.
fn dataset() -> Vec<(usize, Args)> {
    let mut d = vec![
        (0, a(&[b"SET", b"str", b"hello"])),
        (0, a(&[b"SET", b"ttl", b"v", b"PX", b"900000"])),
        (0, a(&[b"RPUSH", b"list", b"a", b"b", b"c"])),
        (0, a(&[b"HSET", b"hash", b"f1", b"v1", b"f2", b"2"])),
        (0, a(&[b"ZADD", b"zset", b"1.5", b"a", b"-2", b"b"])),
        (0, a(&[b"XADD", b"stream", b"1-1", b"f", b"v"])),
        (2, a(&[b"SET", b"other", b"db2"])),
    ];
    for i in 0..200 {
        let n = i.to_string();
        d.push((0, a(&[b"SADD", b"bigset", n.as_bytes()])));
        d.push((0, a(&[b"SET", format!("k{i}").as_bytes(), n.as_bytes()])));
    }
    d
}

/// An ember master with the data set, diskless with the given extra
/// directives.
fn master(extra: &[&str]) -> (ServerProc, RawConn) {
    let mut args = vec!["--repl-diskless-sync", "yes"];
    args.extend_from_slice(extra);
    let ember = start_ember(&args);
    let mut m = ember.connect();
    apply(&mut m, &dataset());
    (ember, m)
}

/// A redis-server replica of `master` whose link is up.
fn redis_replica(master: &ServerProc) -> (ServerProc, RawConn) {
    let port = master.port.to_string();
    let r = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
    let c = wait_link_up(&r);
    (r, c)
}

fn wait_link_up(r: &ServerProc) -> RawConn {
    let mut rc = r.connect();
    eventually("master_link_status:up", || {
        info_field(&mut rc, "replication", "master_link_status").as_deref() == Some("up")
    });
    rc
}

fn stat(m: &mut RawConn, section: &str, name: &str) -> u64 {
    info_field(m, section, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("INFO {section} {name}"))
}

/// The replica loaded the snapshot, and writes after the sync reach it
/// through the stream.
fn syncs_and_follows(m: &mut RawConn, r: &mut RawConn, what: &str) {
    converge(m, r, DBS, &format!("{what}: the snapshot"));
    m.cmd_line("SELECT 2");
    m.cmd_line("RPUSH after a b");
    m.cmd_line("SELECT 0");
    m.cmd_line("DEL str");
    m.cmd_line("INCR counter");
    converge(m, r, DBS, &format!("{what}: the stream"));
}

#[test]
fn redis_replica_loads_a_diskless_snapshot_and_follows() {
    require_redis!();
    let (ember, mut m) = master(&["--repl-diskless-sync-delay", "0"]);
    let (_replica, mut r) = redis_replica(&ember);
    syncs_and_follows(&mut m, &mut r, "the stream after a diskless sync");
    let log = ember.log();
    assert!(
        log.contains("Starting BGSAVE for SYNC with target: replicas sockets"),
        "{log}"
    );
    assert!(
        log.contains("Background RDB transfer terminated with success"),
        "{log}"
    );
    assert!(
        !ember.dir.join("dump.rdb").exists(),
        "a diskless sync wrote dump.rdb"
    );
    // A transfer is not a save.
    assert_eq!(stat(&mut m, "persistence", "rdb_saves"), 0);
    assert_eq!(stat(&mut m, "stats", "sync_full"), 1);
    assert!(
        info_field(&mut m, "replication", "slave0").is_some_and(|s| s.contains("state=online"))
    );
    assert_eq!(m.cmd_line("WAIT 1 5000"), b":1\r\n");
}

#[test]
fn ember_replica_loads_a_diskless_snapshot_and_follows() {
    let (ember, mut m) = master(&["--repl-diskless-sync-delay", "0"]);
    let port = ember.port.to_string();
    let replica = start_ember(&["--replicaof", "127.0.0.1", &port]);
    let mut r = wait_link_up(&replica);
    syncs_and_follows(&mut m, &mut r, "the stream after a diskless sync");
    assert!(ember.log().contains("target: replicas sockets"));
    let log = replica.log();
    assert!(
        log.contains("receiving streamed RDB from master with EOF"),
        "{log}"
    );
}

/// Two replicas arriving within the delay are served by one child.
#[test]
fn two_replicas_within_the_delay_share_one_transfer() {
    require_redis!();
    let (ember, mut m) = master(&["--repl-diskless-sync-delay", "3"]);
    let port = ember.port.to_string();
    let r1 = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
    let r2 = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
    let (mut c1, mut c2) = (wait_link_up(&r1), wait_link_up(&r2));
    converge(&mut m, &mut c2, DBS, "second replica");
    syncs_and_follows(&mut m, &mut c1, "first replica");
    converge(&mut m, &mut c2, DBS, "second replica's stream");
    let log = ember.log();
    assert!(log.contains("Delay next BGSAVE for diskless SYNC"), "{log}");
    assert_eq!(
        log.matches("Starting BGSAVE for SYNC with target: replicas sockets")
            .count(),
        1,
        "{log}"
    );
    assert_eq!(stat(&mut m, "stats", "sync_full"), 2);
    assert_eq!(stat(&mut m, "stats", "total_forks"), 1);
}

/// `repl-diskless-sync-max-replicas` starts the transfer before a long
/// delay ends.
#[test]
fn max_replicas_starts_the_transfer_early() {
    require_redis!();
    let (ember, mut m) = master(&[
        "--repl-diskless-sync-delay",
        "600",
        "--repl-diskless-sync-max-replicas",
        "2",
    ]);
    let port = ember.port.to_string();
    let r1 = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
    let r2 = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
    let (mut c1, mut c2) = (wait_link_up(&r1), wait_link_up(&r2));
    converge(&mut m, &mut c1, DBS, "first replica");
    converge(&mut m, &mut c2, DBS, "second replica");
    assert_eq!(stat(&mut m, "stats", "total_forks"), 1);
}

/// With `repl-diskless-sync no` a redis replica gets the disk snapshot.
#[test]
fn disk_path_when_diskless_sync_is_off() {
    require_redis!();
    let ember = start_ember(&["--repl-diskless-sync", "no"]);
    let mut m = ember.connect();
    apply(&mut m, &dataset());
    let (_replica, mut r) = redis_replica(&ember);
    syncs_and_follows(&mut m, &mut r, "the stream after a disk sync");
    let log = ember.log();
    assert!(
        log.contains("Starting BGSAVE for SYNC with target: disk"),
        "{log}"
    );
    assert!(!log.contains("replicas sockets"), "{log}");
    assert!(ember.dir.join("dump.rdb").exists());
}

/// A master whose `dir` cannot be written (a BGSAVE fails there) still
/// syncs replicas without the disk.
#[test]
fn unwritable_dir_still_syncs_diskless() {
    require_redis!();
    // Not even root creates files in /proc.
    let (ember, mut m) = master(&["--repl-diskless-sync-delay", "0", "--dir", "/proc"]);
    assert!(
        m.cmd_line("BGSAVE")
            .starts_with(b"+Background saving started")
    );
    eventually("the failed BGSAVE reaped", || {
        info_field(&mut m, "persistence", "rdb_last_bgsave_status").as_deref() == Some("err")
    });
    let (_replica, mut r) = redis_replica(&ember);
    syncs_and_follows(&mut m, &mut r, "the stream");
}

/// Connects as a replica and sends the handshake (`capa eof` or not),
/// then PSYNC ? -1; returns the link and the +FULLRESYNC line.
fn raw_replica(port: u16, eof: bool) -> (TcpStream, String) {
    let mut s = raw_psync(port, eof);
    let full = read_line(&mut s);
    assert!(full.starts_with("+FULLRESYNC "), "{full}");
    (s, full)
}

/// The handshake and PSYNC ? -1, without reading the answer.
fn raw_psync(port: u16, eof: bool) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let capa: &[&str] = if eof {
        &["REPLCONF", "capa", "eof", "capa", "psync2"]
    } else {
        &["REPLCONF", "capa", "psync2"]
    };
    for cmd in [&["PING"][..], &["REPLCONF", "listening-port", "4321"], capa] {
        s.write_all(&encode_command(cmd)).unwrap();
        let line = read_line(&mut s);
        assert!(line == "+PONG" || line == "+OK", "{line}");
    }
    s.write_all(&encode_command(&["PSYNC", "?", "-1"])).unwrap();
    s
}

/// The wire format, and the stream held until the first ACK.
#[test]
fn eof_framing_and_stream_after_the_first_ack() {
    let (ember, mut m) = master(&["--repl-diskless-sync-delay", "0"]);
    let (mut s, full) = raw_replica(ember.port, true);
    let replid = full.split(' ').nth(1).unwrap().to_string();
    let header = read_line(&mut s);
    let mark = header
        .strip_prefix("$EOF:")
        .unwrap_or_else(|| panic!("header {header:?}"))
        .as_bytes()
        .to_vec();
    assert_eq!(mark.len(), 40);
    // The payload ends with the mark; read until it shows up.
    let mut payload = Vec::new();
    let mut buf = [0u8; 8192];
    while !payload.ends_with(&mark) {
        let n = s.read(&mut buf).expect("payload");
        assert!(n > 0, "link closed in the payload");
        payload.extend_from_slice(&buf[..n]);
    }
    let rdb = &payload[..payload.len() - mark.len()];
    assert!(rdb.starts_with(b"REDIS"), "{:?}", &rdb[..rdb.len().min(16)]);
    // The same aux fields as Redis's snapshots for replicas.
    let has = |needle: &[u8]| rdb.windows(needle.len()).any(|w| w == needle);
    for field in [&b"repl-stream-db"[..], b"repl-id", b"repl-offset"] {
        assert!(has(field), "no {}", String::from_utf8_lossy(field));
    }
    assert!(has(replid.as_bytes()), "the snapshot lacks {replid}");
    // The held stream: nothing is sent before our ACK.
    eventually("the transfer reaped", || {
        info_field(&mut m, "persistence", "rdb_bgsave_in_progress").as_deref() == Some("0")
    });
    assert!(
        info_field(&mut m, "replication", "slave0").is_some_and(|s| s.contains("state=online"))
    );
    // The child's bytes count as replication output, as in Redis.
    let counted = stat(&mut m, "stats", "total_net_repl_output_bytes");
    assert!(
        counted >= (header.len() + 2 + payload.len()) as u64,
        "{counted} < {}",
        payload.len()
    );
    m.cmd_line("SET held 1");
    assert_eq!(drain(&mut s, Duration::from_millis(500)), b"");
    s.write_all(&encode_command(&["REPLCONF", "ACK", "0"]))
        .unwrap();
    let stream = drain(&mut s, Duration::from_millis(1500));
    let text = String::from_utf8_lossy(&stream);
    assert!(text.contains("SELECT") && text.contains("held"), "{text:?}");
}

/// A replica without `capa eof` gets `$<len>` from disk, even with
/// diskless sync on.
#[test]
fn replica_without_capa_eof_gets_the_disk_snapshot() {
    let (ember, _m) = master(&["--repl-diskless-sync-delay", "0"]);
    let (mut s, _full) = raw_replica(ember.port, false);
    read_disk_snapshot(&mut s);
    assert!(ember.log().contains("target: disk"));
}

/// Reads a `$<len>` snapshot from a link, checking it is an RDB.
fn read_disk_snapshot(s: &mut TcpStream) {
    let header = read_line(s);
    let len: usize = header
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("header {header:?}"));
    let mut rdb = vec![0u8; len];
    s.read_exact(&mut rdb).unwrap();
    assert!(rdb.starts_with(b"REDIS"));
}

/// Replicas waiting together get the disk snapshot as soon as one of them
/// lacks `capa eof` (Redis decides from the capabilities all share): the
/// one without it ends the diskless delay of the other.
#[test]
fn one_replica_without_capa_eof_sends_all_waiting_to_disk() {
    let (ember, _m) = master(&["--repl-diskless-sync-delay", "600"]);
    let mut eof = raw_psync(ember.port, true);
    eventually("the diskless delay", || {
        ember.log().contains("Delay next BGSAVE for diskless SYNC")
    });
    let mut plain = raw_psync(ember.port, false);
    for s in [&mut eof, &mut plain] {
        let full = read_line(s);
        assert!(full.starts_with("+FULLRESYNC "), "{full}");
        read_disk_snapshot(s);
    }
    let log = ember.log();
    assert_eq!(log.matches("target: disk").count(), 1, "{log}");
}

/// A replica that stops reading in the middle of a transfer is dropped
/// after `repl-timeout`; the other one of the same transfer completes.
#[test]
fn stalled_replica_is_dropped_and_the_other_completes() {
    require_redis!();
    let ember = start_ember(&[
        "--repl-diskless-sync-delay",
        "2",
        "--repl-timeout",
        "2",
        "--rdbcompression",
        "no",
    ]);
    let mut m = ember.connect();
    m.timeout = Duration::from_secs(60);
    // 30 MB: more than the socket buffers of the stalled link hold.
    assert_eq!(m.cmd_line("DEBUG POPULATE 30000 key 1000"), b"+OK\r\n");
    let (stalled, _full) = raw_replica(ember.port, true);
    let (_replica, mut r) = redis_replica(&ember);
    eventually("the replica's data", || {
        r.cmd_line("DBSIZE") == m.cmd_line("DBSIZE")
    });
    let log = ember.log();
    assert!(
        log.contains("Disconnecting timedout replica (streaming sync)"),
        "{log}"
    );
    assert!(
        log.contains("Background RDB transfer terminated with success"),
        "{log}"
    );
    drop(stalled);
    eventually("one replica left", || {
        info_field(&mut m, "replication", "connected_slaves").as_deref() == Some("1")
    });
}

/// A killed replica is not waited for; the child of a transfer nobody
/// receives any more is stopped and ember stays healthy.
#[test]
fn only_replica_gone_mid_transfer_stops_the_child() {
    let ember = start_ember(&["--repl-diskless-sync-delay", "0", "--rdbcompression", "no"]);
    let mut m = ember.connect();
    m.timeout = Duration::from_secs(60);
    // 30 MB: the transfer cannot end while nobody reads.
    assert_eq!(m.cmd_line("DEBUG POPULATE 30000 key 1000"), b"+OK\r\n");
    let (link, _full) = raw_replica(ember.port, true);
    // Stop reading, then make the master drop it.
    assert_eq!(m.cmd_line("CLIENT KILL TYPE replica"), b":1\r\n");
    drop(link);
    eventually("no child left", || {
        info_field(&mut m, "persistence", "rdb_bgsave_in_progress").as_deref() == Some("0")
    });
    assert_eq!(m.cmd_line("PING"), b"+PONG\r\n");
    assert_eq!(m.cmd_line("DBSIZE"), b":30000\r\n");
    let log = ember.log();
    assert!(
        log.contains("Diskless rdb transfer, last replica dropped, killing fork child."),
        "{log}"
    );
}

/// A transfer child that dies (killed here) fails its replicas cleanly:
/// they are closed, and a real replica of that transfer reconnects and
/// syncs with a new child.
#[test]
fn killed_child_fails_its_replicas_and_they_retry() {
    require_redis!();
    let ember = start_ember(&["--repl-diskless-sync-delay", "3", "--rdbcompression", "no"]);
    let mut m = ember.connect();
    m.timeout = Duration::from_secs(60);
    assert_eq!(m.cmd_line("DEBUG POPULATE 30000 key 1000"), b"+OK\r\n");
    let port = ember.port.to_string();
    let replica = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
    eventually("the replica waiting", || {
        ember.log().contains("Delay next BGSAVE for diskless SYNC")
    });
    // A replica that never reads holds the child in the middle of the
    // transfer (it goes at the pace of the slowest replica).
    let (mut stalled, _full) = raw_replica(ember.port, true);
    let marker = "Background RDB transfer started by pid ";
    let mut pid = String::new();
    eventually("the transfer child", || {
        let log = ember.log();
        pid = log
            .lines()
            .find_map(|l| l.split(marker).nth(1))
            .unwrap_or_default()
            .trim()
            .to_string();
        !pid.is_empty()
    });
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    // The stalled link is closed by the master.
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match stalled.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let mut r = wait_link_up(&replica);
    eventually("the replica's data", || {
        r.cmd_line("DBSIZE") == b":30000\r\n"
    });
    let log = ember.log();
    assert!(
        log.contains("Background transfer terminated by signal 9"),
        "{log}"
    );
    assert!(
        log.contains("SYNC failed. BGSAVE child returned an error"),
        "{log}"
    );
    assert!(stat(&mut m, "stats", "sync_full") >= 3);
    assert_eq!(m.cmd_line("PING"), b"+PONG\r\n");
}

/// The INFO fields a diskless transfer touches, on ember and on a real
/// Redis master in the same situation: during a transfer a replica that
/// does not read holds open, and once a replica read it all.
#[test]
fn info_during_and_after_a_transfer_matches_redis() {
    require_redis!();
    let args = [
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
        "--rdbcompression",
        "no",
    ];
    let fields = |m: &mut RawConn| -> Vec<String> {
        let mut out = Vec::new();
        for (section, name) in [
            ("persistence", "rdb_bgsave_in_progress"),
            ("persistence", "rdb_saves"),
            ("persistence", "rdb_last_bgsave_status"),
            ("replication", "connected_slaves"),
            ("replication", "slave0"),
            ("stats", "sync_full"),
        ] {
            let v = info_field(m, section, name).unwrap_or_default();
            out.push(format!("{name}:{v}"));
        }
        out
    };
    let mut seen = Vec::new();
    for server in [
        start_ember(&args),
        start_redis(&args).expect("redis-server"),
    ] {
        let mut m = server.connect();
        m.timeout = Duration::from_secs(60);
        assert_eq!(m.cmd_line("DEBUG POPULATE 30000 key 1000"), b"+OK\r\n");
        let (stalled, _full) = raw_replica(server.port, true);
        eventually("the transfer running", || {
            info_field(&mut m, "persistence", "rdb_bgsave_in_progress").as_deref() == Some("1")
        });
        std::thread::sleep(Duration::from_millis(1200));
        let during = fields(&mut m);
        drop(stalled);
        eventually("the transfer over", || {
            info_field(&mut m, "persistence", "rdb_bgsave_in_progress").as_deref() == Some("0")
                && info_field(&mut m, "replication", "connected_slaves").as_deref() == Some("0")
        });
        // A replica that reads the whole transfer: online afterwards.
        let (mut link, _full) = raw_replica(server.port, true);
        let header = read_line(&mut link);
        let mark = header.strip_prefix("$EOF:").unwrap().as_bytes().to_vec();
        let mut tail = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        while !tail.ends_with(&mark) {
            let n = link.read(&mut buf).unwrap();
            assert!(n > 0);
            tail.extend_from_slice(&buf[..n]);
            let keep = tail.len().saturating_sub(mark.len());
            tail.drain(..keep);
        }
        eventually("the transfer reaped", || {
            info_field(&mut m, "persistence", "rdb_bgsave_in_progress").as_deref() == Some("0")
        });
        let after = fields(&mut m);
        seen.push((during, after));
    }
    assert_eq!(seen[0], seen[1], "ember (left) and redis-server (right)");
}
