//! Replication, ember as the replica: a real `redis-server` master (or
//! another ember) feeds an ember started with `--replicaof` or told
//! REPLICAOF at run time. The replica must load the snapshot (both the
//! disk `$<len>` and the diskless `$EOF:` forms), follow the stream
//! (databases, transactions, expiry, values larger than one read), refuse
//! writes with Redis's exact errors, answer ROLE / INFO like a Redis
//! replica, continue after a dropped link with `+CONTINUE`, acknowledge
//! for WAIT, and refuse a damaged snapshot without touching its data.
//! Tests that need redis-server are skipped with a notice when it is
//! absent (and fail in CI).

mod common;

use common::repl::*;
use common::snapshot::*;
use common::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// Databases compared.
const DBS: usize = 6;

/// INFO replication's field names, in order.
fn info_names(c: &mut RawConn) -> Vec<String> {
    let text = String::from_utf8(bulk(&c.cmd(&["INFO", "replication"])).unwrap_or_default())
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
        .collect()
}

/// INFO replication for comparing two replicas: without the replication
/// IDs, and with the fields that count seconds
/// (master_last_io_seconds_ago, master_link_down_since_seconds...)
/// reduced to their presence: two replicas start their links at slightly
/// different times, and on a loaded machine a second boundary between
/// them keeps such values one apart for good.
fn comparable_info(c: &mut RawConn) -> Vec<String> {
    String::from_utf8_lossy(&c.cmd(&["INFO", "replication"]))
        .lines()
        .filter(|l| !l.starts_with("master_replid") && !l.starts_with('$'))
        .map(|l| match l.split_once(':') {
            Some((k, _)) if k.contains("seconds") => format!("{k}:<seconds>"),
            _ => l.to_string(),
        })
        .collect()
}

fn link_up(c: &mut RawConn) -> bool {
    info_field(c, "replication", "master_link_status").as_deref() == Some("up")
}

/// Keys of every type in several databases, some with a TTL, some values
/// larger than one read of the replica (64 KiB) so the snapshot spans
/// many reads.
fn dataset() -> Vec<(usize, Args)> {
    let big = vec![b'v'; 300_000];
    let mut d = vec![
        (0, a(&[b"SET", b"str", b"hello"])),
        (0, a(&[b"SET", b"big", &big])),
        (0, a(&[b"SET", b"ttl", b"v", b"PX", b"900000"])),
        (0, a(&[b"RPUSH", b"list", b"a", b"b", b"c"])),
        (0, a(&[b"HSET", b"hash", b"f1", b"v1", b"f2", b"2"])),
        (0, a(&[b"SADD", b"set", b"x", b"y", b"z"])),
        (0, a(&[b"ZADD", b"zset", b"1.5", b"a", b"-2", b"b"])),
        (0, a(&[b"XADD", b"stream", b"1-1", b"f", b"v"])),
        (3, a(&[b"SET", b"other", b"db3"])),
    ];
    for i in 0..2000 {
        let n = format!("{i}-{}", "x".repeat(40));
        d.push((5, a(&[b"HSET", b"bighash", n.as_bytes(), n.as_bytes()])));
    }
    d
}

/// The stream after the sync: other databases, a transaction, expiry
/// changes, a value larger than one read.
fn writes(m: &mut RawConn) {
    let huge = "w".repeat(1_000_000);
    for line in [
        "SET counter 10",
        "EXPIRE str 1000",
        "INCRBYFLOAT counter 1.25",
        "SELECT 4",
        "SET in4 v",
        "RPUSH l4 1 2 3",
        "SELECT 3",
        "FLUSHDB",
        "SET after_flush 1",
        "SELECT 0",
        "HDEL hash f1",
    ] {
        let reply = m.cmd_line(line);
        assert_ne!(reply.first(), Some(&b'-'), "{line}: {reply:?}");
    }
    m.cmd(&["SET", "huge", &huge]);
    for line in ["MULTI", "INCR counter2", "SADD set w", "DEL list"] {
        m.cmd_line(line);
    }
    let exec = m.cmd_line("EXEC");
    assert!(exec.starts_with(b"*3"), "{exec:?}");
}

fn start_ember_replica_of(port: u16) -> ServerProc {
    let port = port.to_string();
    start_ember(&["--replicaof", "127.0.0.1", &port])
}

/// A redis-server master started with `extra`, holding the data set.
fn redis_master(extra: &[&str]) -> (ServerProc, RawConn) {
    let master = start_redis(extra).expect("redis-server");
    let mut m = master.connect();
    apply(&mut m, &dataset());
    (master, m)
}

/// A redis-server master holding the data set (diskless transfers start
/// at once) and an ember replica whose link is up, with a connection to
/// each.
fn redis_master_ember_replica() -> (ServerProc, RawConn, ServerProc, RawConn) {
    let (master, m) = redis_master(&["--repl-diskless-sync-delay", "0"]);
    let replica = start_ember_replica_of(master.port);
    let mut r = replica.connect();
    eventually("link up", || link_up(&mut r));
    (master, m, replica, r)
}

/// The replica loaded the master's data (its log names the transfer's
/// form, `how`), then follows the stream.
fn follows(m: &mut RawConn, r: &mut RawConn, replica: &ServerProc, how: &str) {
    converge(m, r, DBS, "after the full sync");
    assert!(replica.log().contains(how), "{how}:\n{}", replica.log());
    writes(m);
    converge(m, r, DBS, "after the stream");
}

#[test]
fn ember_follows_a_redis_master_diskless() {
    require_redis!();
    // Redis 7 streams the snapshot without a file by default
    // (`$EOF:<mark>`).
    let (_master, mut m, replica, mut r) = redis_master_ember_replica();
    follows(&mut m, &mut r, &replica, "with EOF");
    // The offsets agree once the replica caught up.
    eventually("offsets equal", || {
        info_field(&mut m, "replication", "master_repl_offset")
            == info_field(&mut r, "replication", "slave_repl_offset")
    });
    // The snapshot was kept as the replica's dump file, as Redis does.
    assert!(replica.dir.join("dump.rdb").exists());
}

#[test]
fn ember_follows_a_redis_master_from_disk_via_replicaof() {
    require_redis!();
    let (master, mut m) = redis_master(&["--repl-diskless-sync", "no"]);
    // The old data goes to the lazy-free thread. The master's values are
    // not bound by the replica's own proto-max-bulk-len (writes() sends
    // one of 1,000,000 bytes; the smallest limit is 1 MiB, so add more).
    let replica = start_ember(&["--replica-lazy-flush", "yes", "--proto-max-bulk-len", "1mb"]);
    let mut r = replica.connect();
    for i in 0..200 {
        r.cmd(&["SET", &format!("mine{i}"), "goes away"]);
    }
    let port = master.port.to_string();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    assert_eq!(
        r.cmd(&["SLAVEOF", "127.0.0.1", &port]),
        b"+OK Already connected to specified master\r\n"
    );
    eventually("link up", || link_up(&mut r));
    follows(&mut m, &mut r, &replica, "bytes from master to disk");
    let bigger = "b".repeat(1_500_000);
    assert_eq!(m.cmd(&["SET", "bigger", &bigger]), b"+OK\r\n");
    converge(
        &mut m,
        &mut r,
        DBS,
        "a value above the replica's proto-max-bulk-len",
    );
    eventually("old data freed lazily", || {
        info_field(&mut r, "memory", "lazyfreed_objects").as_deref() == Some("200")
    });
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "replicaof"]),
        format!(
            "*2\r\n$9\r\nreplicaof\r\n${}\r\n127.0.0.1 {port}\r\n",
            10 + port.len()
        )
        .as_bytes()
    );
}

/// Commands whose replies a replica and Redis's replica must agree on.
const REPLICA_REPLIES: &[&str] = &[
    "SET x 1",
    "INCR counter",
    "GET str",
    "EVAL \"return redis.call('set','k','v')\" 0",
    "EVAL \"return redis.pcall('set','k','v')\" 0",
    "EVAL \"return redis.call('get','str')\" 0",
    "WAIT 0 0",
    "MULTI",
    "SET a b",
    "EXEC",
    "MULTI",
    "GET str",
    "EXEC",
    "REPLICAOF 127.0.0.1 abc",
    "REPLICAOF 127.0.0.1 70000",
    "REPLICAOF 127.0.0.1 -1",
    "REPLICAOF no",
    "SLAVEOF no one extra",
    "CONFIG SET replica-read-only no",
    "SET writable yes",
    "GET writable",
    "CONFIG SET replica-read-only yes",
    "SET writable again",
];

/// A redis-server master with two replicas: a redis-server and an ember,
/// both linked up.
struct Replicas {
    _master: ServerProc,
    m: RawConn,
    _redis: ServerProc,
    rr: RawConn,
    _ember: ServerProc,
    er: RawConn,
}

impl Replicas {
    fn start() -> Self {
        Self::start_after(|_| {})
    }

    /// `prepare` runs on the master before the replicas start.
    fn start_after(prepare: impl FnOnce(&mut RawConn)) -> Self {
        let master = start_redis(&["--repl-diskless-sync-delay", "0"]).expect("redis-server");
        let mut m = master.connect();
        prepare(&mut m);
        let port = master.port.to_string();
        let redis = start_redis(&["--replicaof", "127.0.0.1", &port]).expect("redis-server");
        let ember = start_ember_replica_of(master.port);
        let mut rr = redis.connect();
        let mut er = ember.connect();
        eventually("links up", || link_up(&mut rr) && link_up(&mut er));
        Replicas {
            _master: master,
            m,
            _redis: redis,
            rr,
            _ember: ember,
            er,
        }
    }
}

/// Sends each command line to both replicas: the replies must be equal.
fn same_replies(rr: &mut RawConn, er: &mut RawConn, lines: &[&str]) {
    for line in lines {
        let want = rr.cmd_line(line);
        let got = er.cmd_line(line);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "{line}"
        );
    }
}

#[test]
fn replica_errors_and_info_match_a_redis_replica() {
    require_redis!();
    let mut t = Replicas::start();
    t.m.cmd(&["SET", "str", "hello"]);
    t.m.cmd(&["SET", "counter", "1"]);
    let (rr, er) = (&mut t.rr, &mut t.er);
    eventually("data replicated", || {
        rr.cmd(&["GET", "counter"]) == b"$1\r\n1\r\n"
            && er.cmd(&["GET", "counter"]) == b"$1\r\n1\r\n"
    });
    same_replies(rr, er, REPLICA_REPLIES);
    // ROLE: slave, host, port, state, offset (retried: a PING from the
    // master may land between the two).
    eventually("the same ROLE", || rr.cmd(&["ROLE"]) == er.cmd(&["ROLE"]));
    // INFO replication: the same fields in the same order, and the same
    // values for those that do not depend on timing or history.
    assert_eq!(info_names(er), info_names(rr));
    // The master client counts as a connected client.
    assert_eq!(
        info_field(er, "clients", "connected_clients"),
        info_field(rr, "clients", "connected_clients")
    );
    const SAME: &[&str] = &[
        "role",
        "master_host",
        "master_port",
        "master_link_status",
        "master_sync_in_progress",
        "slave_read_repl_offset",
        "slave_repl_offset",
        "slave_priority",
        "slave_read_only",
        "replica_announced",
        "connected_slaves",
        "master_replid",
        "master_replid2",
        "master_repl_offset",
        "second_repl_offset",
        "repl_backlog_active",
        "repl_backlog_size",
    ];
    let fields = |c: &mut RawConn| {
        SAME.iter()
            .map(|name| (*name, info_field(c, "replication", name)))
            .collect::<Vec<_>>()
    };
    // A PING from the master may land between the two INFOs: retry.
    let deadline = Instant::now() + CONVERGE;
    loop {
        let (want, got) = (fields(rr), fields(er));
        if want == got || Instant::now() > deadline {
            assert_eq!(got, want);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn replica_hides_expired_keys_without_deleting_them() {
    require_redis!();
    let mut t = Replicas::start();
    let (m, rr, er) = (&mut t.m, &mut t.rr, &mut t.er);
    // The master keeps the key (no active expiry, nobody reads it there),
    // so no DEL reaches the replicas.
    assert_eq!(m.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), b"+OK\r\n");
    m.cmd(&["SET", "short", "v", "PX", "300"]);
    // PFCOUNT looks its key up for writing (it caches the count), yet a
    // replica must not delete the expired sketch either.
    m.cmd(&["PFADD", "hll", "a", "b", "c"]);
    m.cmd(&["PEXPIRE", "hll", "300"]);
    m.cmd(&["SET", "marker", "1"]);
    eventually("marker replicated", || {
        er.cmd(&["GET", "marker"]) == b"$1\r\n1\r\n" && rr.cmd(&["GET", "marker"]) == b"$1\r\n1\r\n"
    });
    std::thread::sleep(Duration::from_millis(600));
    same_replies(
        rr,
        er,
        &[
            "GET short",
            "EXISTS short",
            "TTL short",
            "DBSIZE",
            "GET short",
            "DBSIZE",
            "PFCOUNT hll",
            "DBSIZE",
        ],
    );
    // The master's deletion removes it for good.
    m.cmd(&["GET", "short"]);
    m.cmd(&["GET", "hll"]);
    eventually("deleted on the replica", || {
        er.cmd(&["DBSIZE"]) == b":1\r\n"
    });
}

/// A writable replica (`replica-read-only no`) expires the keys its own
/// clients gave a TTL, as Redis does, while the master's keys wait for the
/// master's DEL; FLUSHALL forgets them; REPLICAOF NO ONE hands every key
/// to the normal active expiry.
#[test]
fn writable_replica_expires_its_own_keys_with_a_ttl() {
    require_redis!();
    let mut t = Replicas::start();
    let (m, rr, er) = (&mut t.m, &mut t.rr, &mut t.er);
    assert_eq!(m.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), b"+OK\r\n");
    m.cmd(&["SET", "from-master", "v", "PX", "100"]);
    m.cmd(&["SET", "marker", "1"]);
    eventually("marker replicated", || {
        er.cmd(&["GET", "marker"]) == b"$1\r\n1\r\n" && rr.cmd(&["GET", "marker"]) == b"$1\r\n1\r\n"
    });
    let local: &[&str] = &[
        "CONFIG SET replica-read-only no",
        "SET local v PX 100",
        "SET kept v EX 1000",
        "HSET h f v",
        "PEXPIRE h 100",
        "SELECT 3",
        "SET other-db v PX 100",
        "SET persisted v PX 100",
        "PERSIST persisted",
        "SELECT 0",
    ];
    same_replies(rr, er, local);
    let expired = |c: &mut RawConn| info_field(c, "stats", "expired_keys");
    eventually("local keys expired on both", || {
        expired(rr).as_deref() == Some("3") && expired(er).as_deref() == Some("3")
    });
    // The master's key is hidden, not deleted; the replicas' own keys are
    // gone; the rest stays.
    same_replies(
        rr,
        er,
        &[
            "DBSIZE",
            "EXISTS from-master",
            "EXISTS local kept h",
            "SELECT 3",
            "DBSIZE",
            "EXISTS persisted",
            "SELECT 0",
        ],
    );
    // Nothing to expire after FLUSHALL: a key given a TTL before it and
    // written again without one stays.
    same_replies(
        rr,
        er,
        &["SET again v PX 100", "FLUSHALL", "SET again v", "DBSIZE"],
    );
    std::thread::sleep(Duration::from_millis(400));
    same_replies(rr, er, &["EXISTS again", "DBSIZE"]);
    assert_eq!(expired(er).as_deref(), Some("3"));
}

/// CLIENT PAUSE on a replica holds its master's stream as it holds any
/// client (Redis postpones the master client): WRITE stops at the first
/// write, whose offset is then not acknowledged; reads and the rest of the
/// stream go on when the pause ends.
#[test]
fn client_pause_holds_the_masters_stream() {
    require_redis!();
    let mut t = Replicas::start();
    let (m, rr, er) = (&mut t.m, &mut t.rr, &mut t.er);
    m.cmd(&["SET", "k", "1"]);
    eventually("k replicated", || {
        er.cmd(&["GET", "k"]) == b"$1\r\n1\r\n" && rr.cmd(&["GET", "k"]) == b"$1\r\n1\r\n"
    });
    let offset = |c: &mut RawConn| info_field(c, "replication", "slave_repl_offset");
    for c in [&mut *rr, &mut *er] {
        assert_eq!(c.cmd(&["CLIENT", "PAUSE", "60000", "WRITE"]), b"+OK\r\n");
    }
    let (before_r, before_e) = (offset(rr), offset(er));
    m.cmd(&["SET", "k", "2"]);
    m.cmd(&["INCR", "n"]);
    std::thread::sleep(Duration::from_millis(400));
    same_replies(rr, er, &["GET k", "GET n", "DBSIZE"]);
    assert_eq!(
        er.cmd(&["GET", "k"]),
        b"$1\r\n1\r\n",
        "held during the pause"
    );
    assert_eq!(offset(rr), before_r, "redis acknowledged nothing held");
    assert_eq!(offset(er), before_e, "ember acknowledged nothing held");
    for c in [&mut *rr, &mut *er] {
        assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    }
    eventually("the held stream applied", || {
        er.cmd(&["GET", "n"]) == b"$1\r\n1\r\n" && rr.cmd(&["GET", "n"]) == b"$1\r\n1\r\n"
    });
    same_replies(rr, er, &["GET k", "GET n", "DBSIZE"]);
    eventually("the same offset", || offset(rr) == offset(er));
    // A pause that runs out releases the stream too.
    for c in [&mut *rr, &mut *er] {
        assert_eq!(c.cmd(&["CLIENT", "PAUSE", "300", "WRITE"]), b"+OK\r\n");
    }
    m.cmd(&["SET", "k", "3"]);
    eventually("released when the pause ran out", || {
        er.cmd(&["GET", "k"]) == b"$1\r\n3\r\n" && rr.cmd(&["GET", "k"]) == b"$1\r\n3\r\n"
    });
}

#[test]
fn replica_loads_keys_whose_ttl_passed_from_the_snapshot() {
    require_redis!();
    // Expired on the master before the sync, still in its snapshot.
    let mut t = Replicas::start_after(|m| {
        assert_eq!(m.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), b"+OK\r\n");
        m.cmd(&["SET", "gone", "v", "PX", "100"]);
        m.cmd(&["SET", "kept", "v"]);
        std::thread::sleep(Duration::from_millis(300));
    });
    same_replies(
        &mut t.rr,
        &mut t.er,
        &["DBSIZE", "GET gone", "EXISTS gone", "GET kept"],
    );
}

#[test]
fn dropped_link_continues_and_wait_counts_acks() {
    require_redis!();
    let (master, mut m, replica, mut r) = redis_master_ember_replica();
    // WAIT on the master counts ember's acknowledgement of the write.
    m.cmd(&["SET", "acked", "1"]);
    assert_eq!(m.cmd(&["WAIT", "1", "10000"]), b":1\r\n");
    let partial = |m: &mut RawConn| {
        info_field(m, "stats", "sync_partial_ok")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = partial(&mut m);
    let killed = m.cmd(&["CLIENT", "KILL", "TYPE", "replica"]);
    assert_eq!(killed, b":1\r\n");
    // Written while the link is down: comes from the master's backlog.
    m.cmd(&["SET", "while_down", "1"]);
    m.cmd_line("SELECT 2");
    m.cmd(&["SET", "db2", "x"]);
    m.cmd_line("SELECT 0");
    eventually("partial resync", || partial(&mut m) > before);
    eventually("link up again", || link_up(&mut r));
    converge(&mut m, &mut r, DBS, "after the partial resync");
    assert!(
        replica.log().contains("partial resynchronization"),
        "{}",
        replica.log()
    );
    assert_syncs(&mut m, 1, 1);
    // The master client shows in CLIENT LIST with flag M.
    let list = String::from_utf8_lossy(&r.cmd(&["CLIENT", "LIST", "TYPE", "master"])).into_owned();
    assert!(
        list.contains(&format!("addr=127.0.0.1:{} ", master.port)) && list.contains(" flags=M "),
        "{list}"
    );
    assert_eq!(list.matches("id=").count(), 1, "{list}");
    // Killing the master client on the replica side: same continuation.
    let before = partial(&mut m);
    assert_eq!(r.cmd(&["CLIENT", "KILL", "TYPE", "master"]), b":1\r\n");
    m.cmd(&["SET", "after_kill", "1"]);
    eventually("partial resync after CLIENT KILL TYPE master", || {
        partial(&mut m) > before
    });
    converge(&mut m, &mut r, DBS, "after killing the master client");
    assert_syncs(&mut m, 1, 2);
    // HELLO tells clients they talk to a replica.
    let hello = String::from_utf8_lossy(&r.cmd(&["HELLO", "2"])).into_owned();
    assert!(hello.contains("role\r\n$7\r\nreplica\r\n"), "{hello}");
}

#[test]
fn ember_master_ember_replica_chain_and_promotion() {
    let master = start_ember(&[]);
    let mut m = master.connect();
    apply(&mut m, &dataset());
    let replica = start_ember_replica_of(master.port);
    let mut r = replica.connect();
    eventually("link up", || link_up(&mut r));
    converge(&mut m, &mut r, DBS, "replica after the full sync");
    // A replica of the replica: the stream is forwarded as received,
    // including the database the master's stream was in.
    m.cmd_line("SELECT 4");
    m.cmd(&["SET", "before_chain", "1"]);
    m.cmd_line("SELECT 0");
    let sub = start_ember_replica_of(replica.port);
    let mut s = sub.connect();
    eventually("sub link up", || link_up(&mut s));
    writes(&mut m);
    m.cmd_line("SELECT 4");
    m.cmd(&["SET", "after_chain", "1"]);
    m.cmd_line("SELECT 0");
    converge(&mut m, &mut r, DBS, "replica after the stream");
    converge(&mut m, &mut s, DBS, "sub-replica after the stream");
    let acked = m.cmd(&["WAIT", "1", "4000"]);
    assert_eq!(
        acked,
        b":1\r\n",
        "{}\n{}\n{}",
        String::from_utf8_lossy(&m.cmd(&["INFO", "replication"])),
        String::from_utf8_lossy(&r.cmd(&["INFO", "replication"])),
        replica.log()
    );

    // Promotion keeps the data, accepts writes, and the sub-replica
    // continues from the old history instead of loading a snapshot.
    assert_eq!(r.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    assert_eq!(
        info_field(&mut r, "replication", "role").as_deref(),
        Some("master")
    );
    assert_eq!(
        info_field(&mut r, "replication", "master_replid2"),
        info_field(&mut m, "replication", "master_replid")
    );
    converge(&mut m, &mut r, DBS, "data kept by the promoted replica");
    assert_eq!(r.cmd(&["SET", "promoted", "1"]), b"+OK\r\n");
    eventually("sub follows the promoted one", || {
        s.cmd(&["GET", "promoted"]) == b"$1\r\n1\r\n"
    });
    assert_syncs(&mut r, 1, 1);
    assert_eq!(r.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
}

/// Reads one handshake command from a fake master's client socket.
fn read_until(s: &mut std::net::TcpStream, end: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    let deadline = Instant::now() + CONVERGE;
    while !got.ends_with(end) {
        assert!(
            Instant::now() < deadline,
            "fake master: no {end:?} in {got:?}"
        );
        match s.read(&mut b) {
            Ok(0) => panic!("replica closed the link: {got:?}"),
            Ok(_) => got.push(b[0]),
            Err(e) => panic!("fake master read: {e}"),
        }
    }
    got
}

/// Accepts the replica and answers its handshake up to `+FULLRESYNC`.
fn fake_master_handshake(l: &TcpListener) -> std::net::TcpStream {
    let (mut s, _) = l.accept().expect("replica connects");
    s.set_read_timeout(Some(CONVERGE)).unwrap();
    read_until(&mut s, b"PING\r\n");
    s.write_all(b"+PONG\r\n").unwrap();
    read_until(&mut s, b"psync2\r\n");
    s.write_all(b"+OK\r\n+OK\r\n").unwrap();
    // PSYNC <id> <offset>: the header line and two bulk strings.
    read_until(&mut s, b"PSYNC\r\n");
    for _ in 0..4 {
        read_until(&mut s, b"\r\n");
    }
    s.write_all(format!("+FULLRESYNC {} 0\r\n", "a".repeat(40)).as_bytes())
        .unwrap();
    s
}

#[test]
fn damaged_snapshot_is_refused_and_the_link_retried() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let replica = start_ember(&[]);
    let mut r = replica.connect();
    r.cmd(&["SET", "kept", "1"]);
    let p = port.to_string();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &p]), b"+OK\r\n");

    // A whole payload that is not an RDB file.
    let mut s = fake_master_handshake(&l);
    let junk = b"REDIS0010this is not a snapshot at all";
    s.write_all(format!("${}\r\n", junk.len()).as_bytes())
        .unwrap();
    s.write_all(junk).unwrap();
    // The replica gives up on this link and comes back.
    let mut s2 = fake_master_handshake(&l);
    drop(s);
    assert_eq!(r.cmd(&["GET", "kept"]), b"$1\r\n1\r\n");
    assert!(
        replica
            .log()
            .contains("failed trying to load the MASTER synchronization DB"),
        "{}",
        replica.log()
    );

    // A payload cut short by the master going away.
    s2.write_all(b"$100000\r\nREDIS0010").unwrap();
    drop(s2);
    let s3 = fake_master_handshake(&l);
    assert_eq!(r.cmd(&["GET", "kept"]), b"$1\r\n1\r\n");
    assert_eq!(
        info_field(&mut r, "replication", "master_link_status").as_deref(),
        Some("down")
    );
    drop(s3);
    // No temporary snapshot is left behind.
    eventually("temp files removed", || {
        std::fs::read_dir(&replica.dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .all(|e| !e.file_name().to_string_lossy().starts_with("temp-"))
            })
            .unwrap_or(true)
    });
    assert_eq!(r.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["SET", "kept", "2"]), b"+OK\r\n");
}

#[test]
fn replica_authenticates_with_masterauth_and_masteruser() {
    require_redis!();
    let master = start_redis(&["--requirepass", "secret", "--repl-diskless-sync-delay", "0"])
        .expect("redis-server");
    let mut m = master.connect();
    assert_eq!(m.cmd(&["AUTH", "secret"]), b"+OK\r\n");
    m.cmd(&["ACL", "SETUSER", "repl", "on", ">replpass", "+@all", "~*"]);
    m.cmd(&["SET", "k", "v"]);
    let port = master.port.to_string();

    // No password: the master refuses PSYNC and the link stays down.
    let without = start_ember(&["--replicaof", "127.0.0.1", &port]);
    let mut w = without.connect();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!link_up(&mut w));
    assert_eq!(w.cmd(&["GET", "k"]), b"$-1\r\n");

    let with_pass = start_ember(&["--replicaof", "127.0.0.1", &port, "--masterauth", "secret"]);
    let mut p = with_pass.connect();
    eventually("link up with masterauth", || link_up(&mut p));
    let with_user = start_ember(&[
        "--replicaof",
        "127.0.0.1",
        &port,
        "--masteruser",
        "repl",
        "--masterauth",
        "replpass",
    ]);
    let mut u = with_user.connect();
    eventually("link up with masteruser", || link_up(&mut u));
    m.cmd(&["SET", "k2", "v2"]);
    for r in [&mut p, &mut u] {
        converge(&mut m, r, DBS, "authenticated replica");
    }
    // What the replicas told the master about themselves.
    let announced = start_ember(&[
        "--replicaof",
        "127.0.0.1",
        &port,
        "--masterauth",
        "secret",
        "--replica-announce-ip",
        "10.1.2.3",
        "--replica-announce-port",
        "7777",
    ]);
    let mut a = announced.connect();
    eventually("announced replica linked", || link_up(&mut a));
    let info = String::from_utf8_lossy(&m.cmd(&["INFO", "replication"])).into_owned();
    assert!(
        info.contains(&format!("ip=127.0.0.1,port={},", with_pass.port)),
        "{info}"
    );
    assert!(info.contains("ip=10.1.2.3,port=7777,"), "{info}");
    // A wrong password is reported and retried, not fatal.
    let wrong = start_ember(&["--replicaof", "127.0.0.1", &port, "--masterauth", "nope"]);
    eventually("AUTH failure logged", || {
        wrong.log().contains("Unable to AUTH to MASTER: -WRONGPASS")
    });
}

#[test]
fn replica_with_aof_keeps_the_synced_data_in_its_aof() {
    require_redis!();
    let (master, mut m) = redis_master(&["--repl-diskless-sync-delay", "0"]);
    let port = master.port.to_string();
    let replica = start_ember(&["--appendonly", "yes", "--replicaof", "127.0.0.1", &port]);
    let mut r = replica.connect();
    eventually("link up", || link_up(&mut r));
    writes(&mut m);
    converge(&mut m, &mut r, DBS, "replica with AOF");
    eventually("AOF rewritten after the sync", || {
        info_field(&mut r, "persistence", "aof_rewrite_in_progress").as_deref() == Some("0")
            && info_field(&mut r, "persistence", "aof_rewrite_scheduled").as_deref() == Some("0")
            && info_field(&mut r, "persistence", "aof_rewrites")
                .is_some_and(|n| n.parse::<u64>().unwrap_or(0) >= 1)
    });
    // Another ember started on a copy of the replica's AOF has the data.
    let copy = temp_dir("ember-replica-aof");
    let from = replica.dir.join("appendonlydir");
    std::fs::create_dir_all(copy.join("appendonlydir")).unwrap();
    for e in std::fs::read_dir(&from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), copy.join("appendonlydir").join(e.file_name())).unwrap();
    }
    let dir = copy.to_string_lossy().into_owned();
    let restarted = start_ember(&["--appendonly", "yes", "--dir", &dir]);
    let mut c = loaded(restarted.connect());
    converge(&mut m, &mut c, DBS, "ember loaded from the replica's AOF");
    drop(restarted);
    let _ = std::fs::remove_dir_all(&copy);
}

/// Clients blocked in BLPOP and WAIT when the server becomes a replica
/// get `-UNBLOCKED` and are closed (the master here is a port nobody
/// listens on: the link stays down).
fn replicaof_unblocks_blocked_clients(s: &ServerProc) {
    let mut blpop = s.connect();
    let mut wait = s.connect();
    let mut admin = s.connect();
    blpop.send(&["BLPOP", "l", "0"]);
    wait.send(&["WAIT", "5", "0"]);
    // Both are parked once CLIENT LIST shows them blocked.
    eventually("clients blocked", || {
        let list = String::from_utf8_lossy(&admin.cmd(&["CLIENT", "LIST"])).into_owned();
        list.matches("flags=b").count() == 2
    });
    let port = free_port().to_string();
    assert_eq!(admin.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    for c in [&mut blpop, &mut wait] {
        expect_reply(
            c,
            b"-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n",
        );
        c.expect_close(Duration::from_secs(5))
            .expect("closed after the error");
    }
    assert_eq!(admin.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
}

on_both!(
    replicaof_unblocks_blocked_clients,
    replicaof_unblocks_blocked_clients_ember,
    replicaof_unblocks_blocked_clients_redis
);

/// A fake master streams a snapshot made by another ember, then commands
/// a real master would not send but a replica must run as the master
/// client: a script that writes (not refused as READONLY), a transaction,
/// a SELECT; GETACK is answered with the offset of what came before it.
#[test]
fn fake_master_stream_runs_as_the_master_client() {
    let source = start_ember(&[]);
    let mut sc = source.connect();
    sc.cmd(&["SET", "from_snapshot", "1"]);
    assert_eq!(sc.cmd(&["SAVE"]), b"+OK\r\n");
    let rdb = std::fs::read(source.dir.join("dump.rdb")).expect("dump.rdb");

    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let replica = start_ember(&[]);
    let mut r = replica.connect();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    let mut s = fake_master_handshake(&l);
    s.write_all(format!("${}\r\n", rdb.len()).as_bytes())
        .unwrap();
    s.write_all(&rdb).unwrap();
    // The replica acknowledges the snapshot at the offset of FULLRESYNC.
    let ack = read_until(&mut s, b"\r\n$1\r\n0\r\n");
    assert!(String::from_utf8_lossy(&ack).contains("ACK"), "{ack:?}");
    let stream = [
        encode_command(&["EVAL", "redis.call('set','by_script','1')", "0"]),
        encode_command(&["MULTI"]),
        encode_command(&["SET", "in_tx", "1"]),
        encode_command(&["INCR", "n"]),
        encode_command(&["EXEC"]),
        encode_command(&["SELECT", "2"]),
        encode_command(&["SET", "in_db2", "1"]),
    ]
    .concat();
    s.write_all(&stream).unwrap();
    s.write_all(&encode_command(&["REPLCONF", "GETACK", "*"]))
        .unwrap();
    let want = stream.len().to_string();
    let ack = read_until(&mut s, format!("${}\r\n{want}\r\n", want.len()).as_bytes());
    assert!(String::from_utf8_lossy(&ack).contains("ACK"), "{ack:?}");
    for (db, key) in [
        ("0", "from_snapshot"),
        ("0", "by_script"),
        ("0", "in_tx"),
        ("0", "n"),
        ("2", "in_db2"),
    ] {
        r.cmd(&["SELECT", db]);
        assert_eq!(r.cmd(&["GET", key]), b"$1\r\n1\r\n", "{key}");
    }
    r.cmd(&["SELECT", "0"]);
    let offset = (stream.len() + encode_command(&["REPLCONF", "GETACK", "*"]).len()).to_string();
    assert_eq!(
        info_field(&mut r, "replication", "slave_repl_offset").as_deref(),
        Some(offset.as_str())
    );
    // The script still cannot write when a client runs it.
    assert!(
        r.cmd(&["EVAL", "return redis.call('set','x','1')", "0"])
            .starts_with(b"-READONLY")
    );
}

/// A replica restarted on its own dump.rdb (which records the master's
/// replication ID and its offset) continues with `+CONTINUE`.
#[test]
fn restarted_replica_continues_from_its_rdb() {
    require_redis!();
    let (master, mut m, replica, mut r) = redis_master_ember_replica();
    converge(&mut m, &mut r, DBS, "before the restart");
    m.cmd_line("SELECT 4");
    m.cmd(&["SET", "stream_in_db4", "1"]);
    converge(&mut m, &mut r, DBS, "stream in db 4");
    assert_eq!(r.cmd(&["SAVE"]), b"+OK\r\n");
    let copy = temp_dir("ember-replica-restart");
    std::fs::copy(replica.dir.join("dump.rdb"), copy.join("dump.rdb")).unwrap();
    drop(r);
    drop(replica);
    // Written while the replica is away: comes from the backlog, in the
    // database the stream was in when the file was saved.
    m.cmd(&["SET", "while_away", "1"]);
    let port = master.port.to_string();
    let dir = copy.to_string_lossy().into_owned();
    let restarted = start_ember(&["--dir", &dir, "--replicaof", "127.0.0.1", &port]);
    let mut r = loaded(restarted.connect());
    eventually("link up", || link_up(&mut r));
    converge(&mut m, &mut r, DBS, "after the restart");
    assert_syncs(&mut m, 1, 1);
    drop(restarted);
    let _ = std::fs::remove_dir_all(&copy);
}

/// Accepts the replica's next connection and reads its PING.
fn fake_master_accept(l: &TcpListener) -> std::net::TcpStream {
    let (mut s, _) = l.accept().expect("replica connects");
    s.set_read_timeout(Some(CONVERGE)).unwrap();
    read_until(&mut s, b"PING\r\n");
    s
}

/// Malformed replies and streams from a master end the link with a log
/// line and a retry; the replica keeps serving and never panics.
#[test]
fn malformed_master_input_is_survived() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let replica = start_ember(&[]);
    let mut r = replica.connect();
    r.cmd(&["SET", "kept", "1"]);
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    // Errors during the handshake.
    let cases: &[&[u8]] = &[
        b"-ERR not a master\r\n",
        b"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC short 1\r\n",
        b"+PONG\r\n+OK\r\n+OK\r\n-ERR unknown command\r\n",
        b"+PONG\r\n+OK\r\n+OK\r\n+CONTINUEX\r\n",
    ];
    for case in cases {
        let mut s = fake_master_accept(&l);
        s.write_all(case).unwrap();
        drop(s);
        assert_eq!(r.cmd(&["GET", "kept"]), b"$1\r\n1\r\n");
    }
    // A line far too long.
    let mut s = fake_master_accept(&l);
    s.write_all(&vec![b'+'; 100_000]).unwrap();
    drop(s);
    // Bad snapshot headers, then bad streams after a good snapshot.
    let source = start_ember(&[]);
    let mut sc = source.connect();
    sc.cmd(&["SET", "snap", "1"]);
    sc.cmd(&["SAVE"]);
    let rdb = std::fs::read(source.dir.join("dump.rdb")).unwrap();
    for header in [
        &b"$-5\r\n"[..],
        b"$abc\r\n",
        b"$EOF:tooshort\r\n",
        b"*1\r\n",
    ] {
        let mut s = fake_master_handshake(&l);
        s.write_all(header).unwrap();
        drop(s);
    }
    for stream in [
        &b"*abc\r\n"[..],
        b"*1\r\n$99999999999999\r\n",
        b"*2\r\n$3\r\nGET\r\n",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$7\r\nNOTACMD\r\n*1\r\n$3\r\nSET\r\n",
    ] {
        let mut s = fake_master_handshake(&l);
        s.write_all(format!("${}\r\n", rdb.len()).as_bytes())
            .unwrap();
        s.write_all(&rdb).unwrap();
        read_until(&mut s, b"ACK");
        s.write_all(stream).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        drop(s);
        assert_eq!(r.cmd(&["GET", "snap"]), b"$1\r\n1\r\n");
    }
    // Unknown commands and wrong arities in a stream are skipped.
    assert_eq!(r.cmd(&["GET", "k"]), b"$1\r\nv\r\n");
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
    let log = replica.log();
    assert!(log.contains("error reply to PING"), "{log}");
    assert!(
        log.contains("protocol error in the master's stream"),
        "{log}"
    );
    assert!(
        log.contains("unknown command 'NOTACMD', with args beginning with: ' after processing the command '<unknown>'"),
        "{log}"
    );
}

/// A replica whose master does not answer: ROLE and INFO replication as
/// a Redis replica shows them (IDs aside).
#[test]
fn replica_of_an_absent_master_reports_like_redis() {
    require_redis!();
    let redis = start_redis(&[]).expect("redis-server");
    let ember = start_ember(&[]);
    let (mut rr, mut er) = (redis.connect(), ember.connect());
    let dead = free_port().to_string();
    for c in [&mut rr, &mut er] {
        assert_eq!(c.cmd(&["REPLICAOF", "127.0.0.1", &dead]), b"+OK\r\n");
    }
    eventually("same INFO and ROLE", || {
        comparable_info(&mut rr) == comparable_info(&mut er)
            && rr.cmd(&["ROLE"]) == er.cmd(&["ROLE"])
    });
}

/// INFO replication and ROLE while a snapshot is being received (before
/// its `$` line, then part way through it), compared with a redis-server
/// replica fed the same bytes by a fake master.
#[test]
fn replica_during_the_transfer_reports_like_redis() {
    require_redis!();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let redis = start_redis(&[]).expect("redis-server");
    let ember = start_ember(&[]);
    let mut replicas = [redis.connect(), ember.connect()];
    let mut links = Vec::new();
    for c in &mut replicas {
        assert_eq!(c.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
        links.push(fake_master_handshake(&l));
    }
    let same = |replicas: &mut [RawConn; 2]| {
        let view = |c: &mut RawConn| (comparable_info(c), c.cmd(&["ROLE"]));
        let [a, b] = replicas;
        view(a) == view(b)
    };
    let info =
        |c: &mut RawConn| String::from_utf8_lossy(&c.cmd(&["INFO", "replication"])).into_owned();
    // Once both took the FULLRESYNC, they show the same.
    eventually("same view before the $ line", || {
        replicas
            .iter_mut()
            .all(|c| info(c).contains("master_sync_total_bytes:-1\r\n"))
            && same(&mut replicas)
    });
    let before = info(&mut replicas[1]);
    assert!(before.contains("master_sync_perc:-0.00\r\n"), "{before}");
    for s in &mut links {
        s.write_all(b"$1000\r\nREDIS0010").unwrap();
    }
    // Once both have read the 9 bytes, they show the same.
    eventually("same view during the transfer", || {
        replicas
            .iter_mut()
            .all(|c| info(c).contains("master_sync_read_bytes:9\r\n"))
            && same(&mut replicas)
    });
    let during = info(&mut replicas[1]);
    assert!(during.contains("master_sync_perc:0.90\r\n"), "{during}");
}

/// `repl-timeout`: a master that stops answering (during the handshake,
/// and once the stream flows) is given up on and connected to again.
#[test]
fn silent_master_times_out_and_is_retried() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let replica = start_ember(&["--repl-timeout", "1"]);
    let mut r = replica.connect();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    // Never answers PING.
    let silent = fake_master_accept(&l);
    let started = Instant::now();
    let mut s = fake_master_handshake(&l);
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(silent);
    assert!(replica.log().contains("timeout connecting to the master"));
    // A snapshot, then silence: no PING within repl-timeout ends the link.
    let source = start_ember(&[]);
    source.connect().cmd(&["SAVE"]);
    let rdb = std::fs::read(source.dir.join("dump.rdb")).unwrap();
    s.write_all(format!("${}\r\n", rdb.len()).as_bytes())
        .unwrap();
    s.write_all(&rdb).unwrap();
    eventually("link up", || link_up(&mut r));
    let _next = fake_master_accept(&l);
    assert!(replica.log().contains("no data nor PING received"));
    assert!(!link_up(&mut r));
}

/// With `replica-serve-stale-data no`, an EXEC whose queued commands do
/// not all serve stale data is refused once the server became a replica
/// with its link down after they were queued, as an EXECABORT naming
/// MASTERDOWN; a transaction of stale-serving commands still runs.
fn stale_replica_refuses_exec_of_queued_reads(s: &ServerProc) {
    let mut c = s.connect();
    let mut admin = s.connect();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "replica-serve-stale-data", "no"]),
        b"+OK\r\n"
    );
    let port = free_port().to_string();
    for queued in [["GET", "k"], ["PING", "x"]] {
        assert_eq!(c.cmd(&["MULTI"]), b"+OK\r\n");
        assert_eq!(c.cmd(&queued), b"+QUEUED\r\n");
        assert_eq!(admin.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
        assert_eq!(
            c.cmd(&["EXEC"]),
            &b"-EXECABORT Transaction discarded because of: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"[..]
        );
        // The transaction is gone.
        assert_eq!(c.cmd(&["EXEC"]), b"-ERR EXEC without MULTI\r\n");
        assert_eq!(admin.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    }
    assert_eq!(admin.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    assert_eq!(c.cmd(&["MULTI"]), b"+OK\r\n");
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "replica-serve-stale-data"]),
        b"+QUEUED\r\n"
    );
    assert_eq!(
        c.cmd(&["EXEC"]),
        &b"*1\r\n*2\r\n$24\r\nreplica-serve-stale-data\r\n$2\r\nno\r\n"[..]
    );
    assert_eq!(admin.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
}

on_both!(
    stale_replica_refuses_exec_of_queued_reads,
    stale_replica_refuses_exec_of_queued_reads_ember,
    stale_replica_refuses_exec_of_queued_reads_redis
);

/// PUBLISH and SPUBLISH reach a replica's subscribers (Redis propagates
/// them to replicas), but not the AOF: a message is not data.
#[test]
fn publish_reaches_replica_subscribers_but_not_the_aof() {
    let dir = temp_dir("publish_repl");
    let d = dir.to_string_lossy().into_owned();
    let master = start_ember(&["--appendonly", "yes", "--dir", &d]);
    let mut m = master.connect();
    let replica = start_ember_replica_of(master.port);
    let mut r = replica.connect();
    eventually("link up", || link_up(&mut r));
    let mut sub = replica.connect();
    sub.cmd(&["SUBSCRIBE", "news"]);
    let mut ssub = replica.connect();
    ssub.cmd(&["SSUBSCRIBE", "shard"]);
    assert_eq!(m.cmd(&["PUBLISH", "news", "hello"]), b":0\r\n");
    assert_eq!(m.cmd(&["SPUBLISH", "shard", "hi"]), b":0\r\n");
    expect_reply(
        &mut sub,
        b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
    );
    expect_reply(
        &mut ssub,
        b"*3\r\n$8\r\nsmessage\r\n$5\r\nshard\r\n$2\r\nhi\r\n",
    );
    let mut aof = Vec::new();
    for e in std::fs::read_dir(dir.join("appendonlydir")).unwrap() {
        aof.extend(std::fs::read(e.unwrap().path()).unwrap());
    }
    assert!(
        !aof.windows(7).any(|w| w.eq_ignore_ascii_case(b"publish")),
        "{}",
        String::from_utf8_lossy(&aof)
    );
    drop(replica);
    drop(master);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A command of the master's stream the replica cannot run (here one
/// DEBUG REPLICATE put there) is logged as the error Redis would send its
/// master, and the stream goes on.
#[test]
fn unknown_command_in_the_stream_is_logged_as_critical() {
    let master = start_ember(&[]);
    let mut m = master.connect();
    let replica = start_ember_replica_of(master.port);
    let mut r = replica.connect();
    eventually("link up", || link_up(&mut r));
    assert_eq!(m.cmd_line("DEBUG REPLICATE fake-command-1 a"), b"+OK\r\n");
    assert_eq!(m.cmd_line("DEBUG REPLICATE SET"), b"+OK\r\n");
    m.cmd_line("SET after 1");
    eventually("the stream goes on", || {
        r.cmd_line("GET after") == b"$1\r\n1\r\n"
    });
    let log = replica.log();
    assert!(
        log.contains(
            "== CRITICAL == This replica is sending an error to its master: \
             'ERR unknown command 'fake-command-1', with args beginning with: 'a' ' \
             after processing the command '<unknown>'"
        ),
        "{log}"
    );
    assert!(
        log.contains(
            "'ERR wrong number of arguments for 'set' command' after processing the command 'set'"
        ),
        "{log}"
    );
    // DEBUG REPLICATE ran nothing on the master itself.
    assert_eq!(m.cmd_line("DBSIZE"), b":1\r\n");
}

/// A master that answers PSYNC late (delaying a diskless transfer) sends
/// newlines meanwhile: they keep the handshake alive past `repl-timeout`;
/// once they stop, the replica gives up with Redis's log line.
#[test]
fn handshake_times_out_only_when_the_master_goes_quiet() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let replica = start_ember(&["--repl-timeout", "2"]);
    let mut r = replica.connect();
    assert_eq!(r.cmd(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    let (mut s, _) = l.accept().expect("replica connects");
    s.set_read_timeout(Some(CONVERGE)).unwrap();
    read_until(&mut s, b"PING\r\n");
    s.write_all(b"+PONG\r\n").unwrap();
    read_until(&mut s, b"psync2\r\n");
    s.write_all(b"+OK\r\n+OK\r\n").unwrap();
    read_until(&mut s, b"PSYNC\r\n");
    for _ in 0..4 {
        read_until(&mut s, b"\r\n");
    }
    // 4 seconds of keep-alive newlines, twice the timeout.
    for _ in 0..10 {
        s.write_all(b"\n").unwrap();
        std::thread::sleep(Duration::from_millis(400));
    }
    assert!(
        !replica.log().contains("Timeout connecting to the MASTER"),
        "{}",
        replica.log()
    );
    eventually("the quiet master timed out", || {
        replica
            .log()
            .contains("Timeout connecting to the MASTER...")
    });
    drop(s);
}
