//! Replication, ember as the master: a real `redis-server --replicaof`
//! loads ember's snapshot and follows its write stream until both key
//! spaces are equal; the stream ember sends is compared byte for byte
//! with the one Redis sends for the same commands; `redis-cli --rdb`
//! fetches a snapshot `redis-check-rdb` accepts; WAIT counts real
//! acknowledgements; a replica going away leaves ember healthy. Tests
//! that need redis-server are skipped with a notice when it is absent
//! (and fail in CI).

mod common;

use common::repl::*;
use common::snapshot::*;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Databases compared (the data uses 0, 3 and 5).
const DBS: usize = 6;

/// Keys of every type and encoding, with and without expiry, in several
/// databases.
fn dataset() -> Vec<(usize, Args)> {
    let mut d = vec![
        (0, a(&[b"SET", b"str", b"hello"])),
        (0, a(&[b"SET", b"int", b"12345"])),
        (0, a(&[b"SET", b"ttl", b"v", b"PX", b"900000"])),
        (0, a(&[b"RPUSH", b"list", b"a", b"b", b"c"])),
        (0, a(&[b"HSET", b"hash", b"f1", b"v1", b"f2", b"2"])),
        (0, a(&[b"SADD", b"iset", b"1", b"2", b"3"])),
        (0, a(&[b"SADD", b"sset", b"x", b"y", b"z"])),
        (0, a(&[b"ZADD", b"zset", b"1.5", b"a", b"-2", b"b"])),
        (0, a(&[b"XADD", b"stream", b"1-1", b"f", b"v"])),
        (0, a(&[b"XGROUP", b"CREATE", b"stream", b"g", b"0"])),
        (3, a(&[b"SET", b"other", b"db3"])),
    ];
    // Big encodings.
    for i in 0..300 {
        let n = i.to_string();
        let n = n.as_bytes();
        d.push((0, a(&[b"RPUSH", b"biglist", n])));
        d.push((0, a(&[b"HSET", b"bighash", n, n])));
        d.push((0, a(&[b"SADD", b"bigset", n])));
        d.push((0, a(&[b"ZADD", b"bigzset", n, n])));
    }
    d
}

fn start_replica_of(port: u16) -> ServerProc {
    let port = port.to_string();
    let r = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
    let mut rc = r.connect();
    eventually("master_link_status:up", || {
        info_field(&mut rc, "replication", "master_link_status").as_deref() == Some("up")
    });
    r
}

/// ember with the data set and a redis-server replica that loaded it,
/// with a connection to each.
fn synced_pair() -> (ServerProc, RawConn, ServerProc, RawConn) {
    let ember = start_ember(&[]);
    let mut m = ember.connect();
    apply(&mut m, &dataset());
    let replica = start_replica_of(ember.port);
    let mut r = replica.connect();
    converge(&mut m, &mut r, DBS, "after the full sync");
    (ember, m, replica, r)
}

#[test]
fn redis_replica_follows_ember() {
    require_redis!();
    let (ember, mut m, replica, mut r) = synced_pair();

    // The write stream: deterministic forms, several databases,
    // transactions and scripts.
    for line in [
        "SET counter 10",
        "EXPIRE str 1000",
        "INCRBYFLOAT counter 1.25",
        "SPOP sset",
        "SPOP bigset 3",
        "EVAL \"redis.call('set','lua',ARGV[1]); return redis.call('incr','counter2')\" 0 x",
        "LMOVE list list LEFT RIGHT",
        "HINCRBYFLOAT hash f2 0.5",
        "ZINCRBY zset 2 a",
        "XADD stream * k v",
        "XREADGROUP GROUP g c1 COUNT 1 STREAMS stream >",
        "SELECT 5",
        "SET in5 v",
        "RPUSH l5 1 2 3",
        "SELECT 3",
        "FLUSHDB",
        "SET after_flush 1",
        "SELECT 0",
        "GETEX int PX 500000",
        "SET gone x PX 1",
    ] {
        let reply = m.cmd_line(line);
        assert_ne!(reply.first(), Some(&b'-'), "{line}: {reply:?}");
    }
    m.cmd_line("MULTI");
    m.cmd_line("INCR counter2");
    m.cmd_line("SADD sset w");
    m.cmd_line("DEL list");
    assert!(m.cmd_line("EXEC").starts_with(b"*3"));
    std::thread::sleep(Duration::from_millis(20));
    // Lazy expiry of `gone` is propagated as a DEL.
    assert_eq!(m.cmd_line("GET gone"), b"$-1\r\n");
    converge(&mut m, &mut r, DBS, "after live writes");
    assert_eq!(r.cmd_line("EXISTS gone"), b":0\r\n");

    // WAIT counts the replica's acknowledgement.
    assert_eq!(m.cmd_line("WAIT 1 5000"), b":1\r\n");
    assert_eq!(m.cmd_line("WAIT 2 100"), b":1\r\n");

    // The replica is shown as one, and not counted as a client.
    let list = String::from_utf8(bulk(&m.cmd_line("CLIENT LIST")).unwrap()).unwrap();
    assert_eq!(list.matches("flags=S").count(), 1, "{list}");
    assert_eq!(
        info_field(&mut m, "clients", "connected_clients").as_deref(),
        Some("1")
    );
    assert_eq!(
        info_field(&mut m, "replication", "connected_slaves").as_deref(),
        Some("1")
    );
    let slave0 = info_field(&mut m, "replication", "slave0").unwrap();
    assert!(
        slave0.starts_with(&format!(
            "ip=127.0.0.1,port={},state=online,offset=",
            replica.port
        )),
        "{slave0}"
    );
    let repl_out: u64 = info_field(&mut m, "stats", "total_net_repl_output_bytes")
        .unwrap()
        .parse()
        .unwrap();
    assert!(repl_out > 0);
    let backlog_mem: u64 = info_field(&mut m, "memory", "mem_replication_backlog")
        .unwrap()
        .parse()
        .unwrap();
    assert!(backlog_mem > 0);
    let offset: u64 = info_field(&mut m, "replication", "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(offset > 0);
    let role = m.cmd_line("ROLE");
    let (_, parts) = split_aggregate(&role).unwrap();
    assert_eq!(bulk(&parts[0]).unwrap(), b"master");
    let (_, replicas) = split_aggregate(&parts[2]).unwrap();
    assert_eq!(replicas.len(), 1);
    assert_eq!(
        bulk(&split_aggregate(&replicas[0]).unwrap().1[1]).unwrap(),
        replica.port.to_string().as_bytes()
    );

    // min-replicas-to-write counts the replica as good.
    assert_eq!(m.cmd_line("CONFIG SET min-replicas-to-write 1"), b"+OK\r\n");
    assert_eq!(m.cmd_line("SET guarded 1"), b"+OK\r\n");
    assert_eq!(
        info_field(&mut m, "replication", "min_slaves_good_slaves").as_deref(),
        Some("1")
    );

    // The replica going away leaves ember healthy.
    drop(r);
    drop(replica);
    eventually("connected_slaves:0", || {
        info_field(&mut m, "replication", "connected_slaves").as_deref() == Some("0")
    });
    assert_eq!(
        m.cmd_line("SET guarded 2"),
        b"-NOREPLICAS Not enough good replicas to write.\r\n"
    );
    assert_eq!(m.cmd_line("CONFIG SET min-replicas-to-write 0"), b"+OK\r\n");
    assert_eq!(m.cmd_line("SET still ok"), b"+OK\r\n");
    assert_eq!(m.cmd_line("WAIT 1 50"), b":0\r\n");
    assert!(ember_is_healthy(&ember));
}

fn ember_is_healthy(ember: &ServerProc) -> bool {
    ember.connect().cmd_line("PING") == b"+PONG\r\n"
}

/// A replica killed while ember writes, then a new one: the new one
/// syncs in full and matches.
#[test]
fn second_replica_after_the_first_dies() {
    require_redis!();
    let ember = start_ember(&[]);
    let mut m = ember.connect();
    apply(&mut m, &dataset());
    let first = start_replica_of(ember.port);
    drop(first);
    for i in 0..200 {
        m.cmd(&["SET", &format!("k{i}"), "v"]);
    }
    let second = start_replica_of(ember.port);
    let mut r = second.connect();
    m.cmd_line("SET last 1");
    converge(&mut m, &mut r, DBS, "second replica");
    eventually("one replica", || {
        info_field(&mut m, "replication", "connected_slaves").as_deref() == Some("1")
    });
}

/// Reads from a raw replication link until `n` bytes have arrived.
fn read_exact_timeout(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).expect("replication link read");
    buf
}

/// Does the replica's handshake on `port` and reads the snapshot; returns
/// the link, the +FULLRESYNC line and the RDB bytes.
fn handshake(port: u16) -> (TcpStream, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    for cmd in [
        &["PING"][..],
        &["REPLCONF", "listening-port", "4321"],
        &["REPLCONF", "capa", "psync2"],
    ] {
        s.write_all(&encode_command(cmd)).unwrap();
        let line = read_line(&mut s);
        assert!(line == "+PONG" || line == "+OK", "{line}");
    }
    s.write_all(&encode_command(&["PSYNC", "?", "-1"])).unwrap();
    let full = read_line(&mut s);
    let header = read_line(&mut s);
    let len: usize = header
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("payload header {header:?}"));
    let rdb = read_exact_timeout(&mut s, len);
    (s, full, rdb)
}

/// The handshake and the stream, byte for byte against Redis: the same
/// commands produce the same replication stream.
#[test]
fn stream_matches_redis_byte_for_byte() {
    require_redis!();
    let ember = start_ember(&[]);
    let redis = start_redis(&[]).unwrap();
    let mut streams = Vec::new();
    for port in [ember.port, redis.port] {
        let mut c = RawConn::connect(port).unwrap();
        c.cmd_line("SET before 1");
        let (mut link, full, rdb) = handshake(port);
        let words: Vec<&str> = full.split(' ').collect();
        assert_eq!(words.len(), 3, "{full}");
        assert_eq!(words[0], "+FULLRESYNC");
        assert_eq!(words[1].len(), 40);
        assert_eq!(words[2], "0", "{full}");
        assert!(rdb.starts_with(b"REDIS"), "{:?}", &rdb[..rdb.len().min(9)]);
        for line in [
            "SET a 1",
            "GET a",
            "DEL missing",
            "SELECT 2",
            "RPUSH l x y",
            "INCRBYFLOAT f 1.5",
            "SELECT 0",
            "MULTI",
            "INCR a",
            "SET b 2",
            "EXEC",
            "FLUSHALL",
        ] {
            c.cmd_line(line);
        }
        let stream = drain(&mut link, Duration::from_millis(700));
        // WAIT counts up to the caller's own last write: a fresh client
        // that wrote nothing is satisfied by the online replica at once,
        // the writer is not (no ACK yet).
        let mut fresh = RawConn::connect(port).unwrap();
        let waits = [fresh.cmd_line("WAIT 1 100"), c.cmd_line("WAIT 1 100")];
        // Acknowledge everything: WAIT sees it.
        let offset = info_field(&mut c, "replication", "master_repl_offset").unwrap();
        link.write_all(&encode_command(&["REPLCONF", "ACK", &offset]))
            .unwrap();
        eventually("the ACK", || {
            info_field(&mut c, "replication", "slave0")
                .is_some_and(|s| s.contains(&format!("offset={offset},")))
        });
        let mut sent = String::new();
        for row in [
            "connected_slaves",
            "master_repl_offset",
            "repl_backlog_active",
            "repl_backlog_first_byte_offset",
            "repl_backlog_histlen",
        ] {
            sent.push_str(&format!(
                "{row}:{}\n",
                info_field(&mut c, "replication", row).unwrap()
            ));
        }
        // The periodic PING may fall in the window on either side.
        let stream = String::from_utf8_lossy(&stream).replace("*1\r\n$4\r\nPING\r\n", "");
        streams.push((stream, sent.replace(&offset, "N"), waits));
    }
    for needle in ["SELECT", "KEEPTTL", "MULTI", "EXEC", "FLUSHALL"] {
        assert!(streams[0].0.contains(needle), "{needle}: {}", streams[0].0);
    }
    assert!(!streams[0].0.contains("missing"), "{}", streams[0].0);
    assert_eq!(streams[0].0, streams[1].0, "stream: ember vs redis");
    assert_eq!(streams[0].1, streams[1].1, "INFO: ember vs redis");
    assert_eq!(streams[0].2, streams[1].2, "WAIT: ember vs redis");
    assert_eq!(streams[0].2, [b":1\r\n".to_vec(), b":0\r\n".to_vec()]);
}

/// `redis-cli --rdb` fetches a snapshot that redis-check-rdb accepts.
#[test]
fn redis_cli_rdb_fetches_a_valid_snapshot() {
    require_redis!();
    let (Some(cli), Some(check)) = (find_on_path("redis-cli"), find_on_path("redis-check-rdb"))
    else {
        skip_notice(&current_test_name());
        return;
    };
    let ember = start_ember(&[]);
    let mut m = ember.connect();
    apply(&mut m, &dataset());
    let out = ember.dir.join("fetched.rdb");
    let status = std::process::Command::new(&cli)
        .args(["-p", &ember.port.to_string(), "--rdb"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let checked = std::process::Command::new(&check)
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{text}");
    assert!(text.contains("RDB looks OK"), "{text}");
    eventually("the snapshot client gone", || {
        info_field(&mut m, "replication", "connected_slaves").as_deref() == Some("0")
    });
    // --functions-rdb: the libraries and no keys.
    let lib = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)";
    assert_eq!(m.cmd(&["FUNCTION", "LOAD", lib]), b"$5\r\nmylib\r\n");
    let fout = ember.dir.join("functions.rdb");
    let status = std::process::Command::new(&cli)
        .args(["-p", &ember.port.to_string(), "--functions-rdb"])
        .arg(&fout)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let checked = std::process::Command::new(&check)
        .arg(&fout)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&checked.stdout);
    assert!(
        text.contains("RDB looks OK") && text.contains("0 keys read"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&std::fs::read(&fout).unwrap()).contains("mylib"));
    assert!(ember_is_healthy(&ember));
}

/// Two replicas attach while writes keep coming during their snapshot
/// (held stream, a shared save): both end with ember's exact data
/// (DEBUG DIGEST, which ember computes as Redis does).
#[test]
fn writes_during_the_sync_reach_every_replica() {
    require_redis!();
    let ember = start_ember(&[]);
    let mut m = ember.connect();
    assert_eq!(m.cmd_line("DEBUG POPULATE 100000 key 100"), b"+OK\r\n");
    let port = ember.port.to_string();
    let r1 = start_redis(&["--replicaof", "127.0.0.1", &port]).unwrap();
    let r2 = start_redis(&["--replicaof", "127.0.0.1", &port]).unwrap();
    let mut seen_syncing = false;
    let mut i = 0u64;
    let deadline = Instant::now() + CONVERGE;
    loop {
        m.cmd(&["SET", &format!("during:{i}"), &i.to_string()]);
        m.cmd(&["INCR", "count"]);
        m.cmd(&["SELECT", &(i % 3).to_string()]);
        i += 1;
        let info = String::from_utf8(bulk(&m.cmd_line("INFO replication")).unwrap()).unwrap();
        seen_syncing |= info.contains("state=wait_bgsave") || info.contains("state=send_bulk");
        if info.matches("state=online").count() == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "replicas never online: {info}");
    }
    m.cmd_line("SELECT 0");
    for j in 0..100 {
        m.cmd(&["RPUSH", "after", &j.to_string()]);
    }
    assert!(seen_syncing, "no write happened while the replicas synced");
    // Hashing 100,000 keys takes a debug build more than a second, and
    // several seconds on a loaded machine.
    m.timeout = Duration::from_secs(60);
    let want = m.cmd_line("DEBUG DIGEST");
    for r in [&r1, &r2] {
        let mut rc = r.connect();
        eventually("the replica's digest", || {
            rc.cmd_line("DEBUG DIGEST") == want
        });
    }
    assert_eq!(m.cmd_line("WAIT 2 5000"), b":2\r\n");
}

/// A replica whose link drops reconnects with PSYNC <id> <offset> and
/// continues from the backlog (`+CONTINUE`) instead of a new snapshot.
#[test]
fn dropped_link_continues_from_the_backlog() {
    require_redis!();
    let (_ember, mut m, _replica, mut r) = synced_pair();
    assert_eq!(m.cmd_line("CLIENT KILL TYPE replica"), b":1\r\n");
    m.cmd_line("SET while_down 1");
    m.cmd_line("HSET hash f3 v3");
    eventually("the replica back online", || {
        info_field(&mut m, "replication", "slave0").is_some_and(|s| s.contains("state=online"))
    });
    converge(&mut m, &mut r, DBS, "after the partial resync");
    assert_syncs(&mut m, 1, 1);
}

/// A master restarted on its own dump.rdb keeps the history the file was
/// saved in as its secondary ID (Redis 7 does the same), so a replica that
/// was in sync continues with `+CONTINUE` instead of a full sync.
#[test]
fn restarted_master_lets_its_replica_continue() {
    require_redis!();
    let (ember, mut m, _replica, mut r) = synced_pair();
    m.cmd_line("SET before_restart 1");
    converge(&mut m, &mut r, DBS, "before the restart");
    let old_id = info_field(&mut m, "replication", "master_replid").expect("master_replid");
    let copy = temp_dir("ember-master-restart");
    // Keep a copy of the snapshot: the server's directory goes with its
    // ServerProc.
    assert_eq!(m.cmd_line("SAVE"), b"+OK\r\n");
    std::fs::copy(ember.dir.join("dump.rdb"), copy.join("dump.rdb")).unwrap();
    drop(m);
    drop(ember);
    let dir = copy.to_string_lossy().into_owned();
    let restarted = start_ember(&["--dir", &dir]);
    let mut m = restarted.connect();
    eventually("the data loaded", || {
        m.cmd_line("GET before_restart") == b"$1\r\n1\r\n"
    });
    assert_eq!(
        info_field(&mut m, "replication", "master_replid2").as_deref(),
        Some(old_id.as_str())
    );
    let port = restarted.port.to_string();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    m.cmd_line("SET after_restart 1");
    eventually("the replica online", || {
        info_field(&mut m, "replication", "slave0").is_some_and(|s| s.contains("state=online"))
    });
    converge(&mut m, &mut r, DBS, "after the restart");
    assert_syncs(&mut m, 0, 1);
    drop(restarted);
    let _ = std::fs::remove_dir_all(&copy);
}

/// A replica that stops reading is closed once its backlog passes the
/// `replica` class of client-output-buffer-limit; ember stays healthy.
#[test]
fn stalled_replica_hits_the_replica_output_limit() {
    let ember = start_ember(&["--client-output-buffer-limit", "replica 256kb 0 0"]);
    let mut m = ember.connect();
    let (link, _, _) = handshake(ember.port);
    eventually("the stalled replica online", || {
        info_field(&mut m, "replication", "slave0").is_some_and(|s| s.contains("state=online"))
    });
    let value = "x".repeat(64 * 1024);
    let mut dropped = false;
    for i in 0..2000 {
        m.cmd(&["SET", &format!("big{}", i % 10), &value]);
        if i % 50 == 49
            && info_field(&mut m, "replication", "connected_slaves").as_deref() == Some("0")
        {
            dropped = true;
            break;
        }
    }
    assert!(dropped, "a replica that never reads was kept");
    assert_ne!(
        info_field(&mut m, "stats", "client_output_buffer_limit_disconnections").as_deref(),
        Some("0")
    );
    drop(link);
    assert!(ember_is_healthy(&ember));
}

/// A replica arriving while a BGSAVE of the user's runs waits for it to
/// end, then gets a snapshot of its own.
#[test]
fn replica_waits_for_a_running_bgsave() {
    let ember = start_ember(&[]);
    let mut m = ember.connect();
    // A debug build on a loaded machine can take seconds here.
    m.timeout = Duration::from_secs(60);
    assert_eq!(m.cmd_line("DEBUG POPULATE 300000 key 100"), b"+OK\r\n");
    assert!(
        m.cmd_line("BGSAVE")
            .starts_with(b"+Background saving started")
    );
    let (_link, full, rdb) = handshake(ember.port);
    assert!(full.starts_with("+FULLRESYNC "), "{full}");
    assert!(rdb.starts_with(b"REDIS"));
    let log = ember.log();
    assert!(log.contains("Waiting for next BGSAVE for SYNC"), "{log}");
    assert_eq!(log.matches("Background saving started").count(), 2, "{log}");
}

/// A replica that has just synced gets no PING before a full
/// `repl-ping-replica-period` has passed, as with Redis (whose PINGs keep a
/// fixed beat): the first thing on the stream after a write is its SELECT.
#[test]
fn no_ping_right_after_the_sync() {
    let ember = start_ember(&["--repl-diskless-sync", "no"]);
    let mut c = RawConn::connect(ember.port).unwrap();
    c.cmd_line("CONFIG SET repl-ping-replica-period 3600");
    let (mut link, _full, _rdb) = handshake(ember.port);
    // More than one replication cron tick (1 s).
    std::thread::sleep(Duration::from_millis(1300));
    c.cmd_line("SET foo bar");
    let stream = drain(&mut link, Duration::from_millis(300));
    assert!(
        stream.starts_with(b"*2\r\n$6\r\nSELECT\r\n"),
        "{}",
        String::from_utf8_lossy(&stream)
    );
    assert!(!stream.windows(4).any(|w| w == b"PING"));
}

/// INFO's shutdown_in_milliseconds as a number, while a shutdown waits.
fn shutdown_wait_ms(c: &mut RawConn) -> Option<i64> {
    info_field(c, "server", "shutdown_in_milliseconds").and_then(|v| v.parse().ok())
}

/// SHUTDOWN with a replica that has not acknowledged the whole stream
/// waits for it (Redis 7's shutdown-timeout): the client is parked and
/// counted as blocked, INFO shows the time left, SHUTDOWN ABORT ends the
/// wait with the parked client's error; once the replica acknowledges
/// everything the server exits, logging how many replicas were in sync.
#[test]
fn shutdown_waits_for_a_lagging_replica() {
    let mut ember = start_ember(&["--save", ""]);
    let mut m = ember.connect();
    let (mut link, _full, _rdb) = handshake(ember.port);
    m.cmd_line("SET k 1");
    let mut waiter = ember.connect();
    waiter.send(&["SHUTDOWN"]);
    eventually("the shutdown waits", || {
        shutdown_wait_ms(&mut m).is_some_and(|ms| ms > 0)
    });
    assert_eq!(
        info_field(&mut m, "clients", "blocked_clients").as_deref(),
        Some("1")
    );
    assert_eq!(m.cmd_line("SHUTDOWN ABORT"), b"+OK\r\n");
    assert_eq!(
        waiter.read_reply().unwrap(),
        b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    );
    assert_eq!(
        m.cmd_line("SHUTDOWN ABORT"),
        b"-ERR No shutdown in progress.\r\n"
    );
    assert_eq!(shutdown_wait_ms(&mut m), None);
    assert!(ember.log().contains("Shutdown manually aborted."));
    // Writes run again once the wait is over.
    assert_eq!(m.cmd_line("SET k 2"), b"+OK\r\n");

    waiter.send(&["SHUTDOWN"]);
    eventually("the shutdown waits again", || {
        shutdown_wait_ms(&mut m).is_some()
    });
    let offset = info_field(&mut m, "replication", "master_repl_offset").unwrap();
    link.write_all(&encode_command(&["REPLCONF", "ACK", &offset]))
        .unwrap();
    let status = ember
        .wait_exit(Duration::from_secs(20))
        .expect("exited once the replica caught up");
    assert_eq!(status.code(), Some(0));
    let log = ember.log();
    assert!(
        log.contains("1 of 1 replicas are in sync when shutting down."),
        "{log}"
    );
    assert!(!log.contains("Lagging replica"), "{log}");
}

/// SIGTERM with a replica that never acknowledges: after
/// `shutdown-timeout` the server exits anyway and names the lagging
/// replica. `SHUTDOWN NOW` never waits.
#[test]
fn shutdown_gives_up_on_a_silent_replica() {
    let mut ember = start_ember(&["--save", "", "--shutdown-timeout", "1"]);
    let mut m = ember.connect();
    let (_link, _full, _rdb) = handshake(ember.port);
    m.cmd_line("SET k 1");
    let started = Instant::now();
    // SAFETY: plain kill(2) on the child's pid, which we own and which has
    // not been waited for yet.
    assert_eq!(unsafe { libc::kill(ember.pid() as i32, libc::SIGTERM) }, 0);
    let status = ember
        .wait_exit(Duration::from_secs(20))
        .expect("exited after the timeout");
    assert_eq!(status.code(), Some(0));
    assert!(started.elapsed() >= Duration::from_millis(900));
    let log = ember.log();
    assert!(
        log.contains("Waiting for replicas before shutting down."),
        "{log}"
    );
    assert!(
        log.contains("Lagging replica 127.0.0.1:4321 reported offset"),
        "{log}"
    );
    assert!(log.contains("0 of 1 replicas are in sync"), "{log}");

    let mut ember = start_ember(&["--save", ""]);
    let mut m = ember.connect();
    let (_link, _full, _rdb) = handshake(ember.port);
    m.cmd_line("SET k 1");
    m.send(&["SHUTDOWN", "NOW"]);
    let status = ember
        .wait_exit(Duration::from_secs(10))
        .expect("SHUTDOWN NOW exits at once");
    assert_eq!(status.code(), Some(0));
}
