//! WAITAOF (Redis 7.2) end to end: the local count follows `appendfsync`
//! (always and everysec answer once the fsync covered the client's last
//! write, `no` never does), a blocked client is released by the fsync, by
//! the AOF being turned off (an error) or by REPLICAOF (-UNBLOCKED);
//! replicas count once their `REPLCONF ACK ... FACK` says the write is in
//! their AOF: an ember replica with the AOF on sends it, a redis-server
//! 7.0 replica does not (it is never counted), and a 7.0 master accepts
//! an ember replica's FACK. The installed redis-server is 7.0, which has
//! no WAITAOF: replies are checked against 7.2's, from its source and
//! test suite.

mod common;

use common::repl::*;
use common::*;
use std::time::{Duration, Instant};

/// WAITAOF's reply [local, replicas].
fn counts(local: i64, replicas: i64) -> Vec<u8> {
    format!("*2\r\n:{local}\r\n:{replicas}\r\n").into_bytes()
}

/// Runs `WAITAOF local replicas timeout`, asserts it answered
/// [want.0, want.1] and returns how long it took.
fn waitaof(c: &mut RawConn, args: [&str; 3], want: (i64, i64)) -> Duration {
    let start = Instant::now();
    let reply = c.cmd(&["WAITAOF", args[0], args[1], args[2]]);
    assert_eq!(escape(&reply), escape(&counts(want.0, want.1)), "{args:?}");
    start.elapsed()
}

fn link_up(c: &mut RawConn) -> bool {
    info_field(c, "replication", "master_link_status").as_deref() == Some("up")
}

/// The AOF is on and its first rewrite (if any) is done: the local count
/// is valid from then on.
fn aof_ready(c: &mut RawConn) -> bool {
    info_field(c, "persistence", "aof_enabled").as_deref() == Some("1")
        && info_field(c, "persistence", "aof_rewrite_in_progress").as_deref() == Some("0")
        && info_field(c, "persistence", "aof_rewrite_scheduled").as_deref() == Some("0")
}

/// Turns the AOF on at run time with `appendfsync always` and waits for
/// its first rewrite (the local count is valid from then on).
fn turn_aof_on(c: &mut RawConn) {
    c.cmd(&["CONFIG", "SET", "appendfsync", "always"]);
    expect(c, &["CONFIG", "SET", "appendonly", "yes"], b"+OK\r\n");
    eventually("first rewrite", || aof_ready(c));
}

/// The arguments of a replica of the server on `port` with the AOF on
/// and `appendfsync always`.
fn aof_replica_args(port: &str) -> [&str; 7] {
    [
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--replicaof",
        "127.0.0.1",
        port,
    ]
}

/// An ember replica of the server on `port` with the AOF on
/// (`appendfsync always`), once its link is up and the AOF rewritten after
/// the sync (its FACK counts from then on), and a connection to it.
fn aof_replica_of(port: u16) -> (ServerProc, RawConn) {
    let port = port.to_string();
    let replica = start_ember(&aof_replica_args(&port));
    let mut r = replica.connect();
    eventually("link up", || link_up(&mut r));
    eventually("replica AOF rewritten after the sync", || aof_ready(&mut r));
    (replica, r)
}

#[test]
fn waitaof_errors_are_redis_7_2s() {
    let s = start_ember(&[]);
    let mut c = s.connect();
    let no_aof =
        b"-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n";
    expect(&mut c, &["WAITAOF", "1", "0", "0"], no_aof);
    expect(&mut c, &["WAITAOF", "0", "0", "0"], &counts(0, 0));
    let errors: &[(&[&str], &str)] = &[
        (
            &["WAITAOF", "2", "0", "0"],
            "ERR value is out of range, value must between 0 and 1",
        ),
        (
            &["WAITAOF", "0", "-1", "0"],
            "ERR value is out of range, must be positive",
        ),
        (&["WAITAOF", "0", "0", "-1"], "ERR timeout is negative"),
        (
            &["WAITAOF", "0", "0", "x"],
            "ERR timeout is not an integer or out of range",
        ),
        (
            &["WAITAOF", "0", "0"],
            "ERR wrong number of arguments for 'waitaof' command",
        ),
    ];
    for (args, err) in errors {
        expect(&mut c, args, format!("-{err}\r\n").as_bytes());
    }
    // No replica: a wait for one times out with what there is.
    c.cmd(&["SET", "k", "v"]);
    let took = waitaof(&mut c, ["0", "1", "100"], (0, 0));
    assert!(took >= Duration::from_millis(100), "{took:?}");
    // On a replica (the link need not be up).
    let port = free_port().to_string();
    expect(&mut c, &["REPLICAOF", "127.0.0.1", &port], b"+OK\r\n");
    expect(
        &mut c,
        &["WAITAOF", "0", "0", "0"],
        b"-ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.\r\n",
    );
}

#[test]
fn waitaof_local_follows_appendfsync() {
    let s = start_ember(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut c = s.connect();
    eventually("AOF on", || aof_ready(&mut c));
    // always: fsynced before the reply of the write leaves.
    c.cmd(&["SET", "k", "1"]);
    let took = waitaof(&mut c, ["1", "0", "0"], (1, 0));
    eprintln!("WAITAOF 1 0 0, appendfsync always: {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // Each propagated command moves the offset by one without replicas
    // (Redis 7.2), so the client's offset is the latest.
    assert_eq!(
        info_field(&mut c, "replication", "master_repl_offset").as_deref(),
        Some("1")
    );

    // everysec: the fsync thread covers it within about a second.
    c.cmd(&["CONFIG", "SET", "appendfsync", "everysec"]);
    c.cmd(&["INCR", "n"]);
    let took = waitaof(&mut c, ["1", "0", "0"], (1, 0));
    eprintln!("WAITAOF 1 0 0, appendfsync everysec: {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // Input behind a released WAITAOF runs at once.
    c.cmd(&["INCR", "n"]);
    let start = Instant::now();
    c.send_raw(
        &[
            encode_command(&["WAITAOF", "1", "0", "0"]),
            encode_command(&["PING"]),
        ]
        .concat(),
    );
    expect_reply(&mut c, &counts(1, 0));
    expect_reply(&mut c, b"+PONG\r\n");
    assert!(start.elapsed() < Duration::from_secs(5));

    // no: the write is never known to be on disk.
    c.cmd(&["CONFIG", "SET", "appendfsync", "no"]);
    c.cmd(&["INCR", "n"]);
    let took = waitaof(&mut c, ["1", "0", "100"], (0, 0));
    assert!(took >= Duration::from_millis(100), "{took:?}");

    // A client blocked for the local fsync gets an error when the AOF is
    // turned off.
    let mut blocked = s.connect();
    blocked.cmd(&["INCR", "n"]);
    blocked.send(&["WAITAOF", "1", "0", "0"]);
    expect_silence(&mut blocked, 200);
    expect(&mut c, &["CONFIG", "SET", "appendonly", "no"], b"+OK\r\n");
    expect_reply(
        &mut blocked,
        b"-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n",
    );
    expect(&mut blocked, &["PING"], b"+PONG\r\n");

    // Turned on again at run time: counted once the rewrite made the base.
    turn_aof_on(&mut c);
    c.cmd(&["INCR", "n"]);
    waitaof(&mut c, ["1", "0", "5000"], (1, 0));

    // Inside MULTI it never blocks.
    c.cmd(&["CONFIG", "SET", "appendfsync", "no"]);
    c.cmd(&["INCR", "n"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["WAITAOF", "1", "1", "0"]);
    expect(&mut c, &["EXEC"], b"*1\r\n*2\r\n:0\r\n:0\r\n");
}

#[test]
fn waitaof_blocked_client_is_released_by_client_unblock_and_replicaof() {
    let s = start_ember(&["--appendonly", "yes", "--appendfsync", "no"]);
    let mut c = s.connect();
    let mut blocked = s.connect();
    let id = String::from_utf8_lossy(&blocked.cmd(&["CLIENT", "ID"]))
        .trim_start_matches(':')
        .trim()
        .to_string();
    blocked.cmd(&["INCR", "n"]);
    let park = |blocked: &mut RawConn, c: &mut RawConn| {
        blocked.send(&["WAITAOF", "1", "1", "0"]);
        eventually("client blocked", || {
            info_field(c, "clients", "blocked_clients").as_deref() == Some("1")
        });
    };
    // CLIENT UNBLOCK: the counts so far, as on a timeout (Redis 7.2
    // answers every blocked type that way), or the UNBLOCKED error.
    park(&mut blocked, &mut c);
    expect(&mut c, &["CLIENT", "UNBLOCK", &id], b":1\r\n");
    expect_reply(&mut blocked, &counts(0, 0));
    park(&mut blocked, &mut c);
    expect(&mut c, &["CLIENT", "UNBLOCK", &id, "ERROR"], b":1\r\n");
    expect_reply(
        &mut blocked,
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n",
    );
    // Turned into a replica: -UNBLOCKED, as every blocked client.
    park(&mut blocked, &mut c);
    let port = free_port().to_string();
    expect(&mut c, &["REPLICAOF", "127.0.0.1", &port], b"+OK\r\n");
    expect_reply(
        &mut blocked,
        b"-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n",
    );
    expect(&mut c, &["REPLICAOF", "NO", "ONE"], b"+OK\r\n");
}

#[test]
fn waitaof_counts_an_ember_replicas_fsync() {
    let master = start_ember(&[]);
    let mut m = master.connect();
    let (_replica, mut r) = aof_replica_of(master.port);
    m.cmd(&["SET", "k", "1"]);
    let took = waitaof(&mut m, ["0", "1", "5000"], (0, 1));
    eprintln!("WAITAOF 0 1, replica appendfsync always: {took:?}");
    // WAIT counts the replica too.
    expect(&mut m, &["WAIT", "1", "5000"], b":1\r\n");

    // everysec on the replica: its fsync thread, then its ACK.
    r.cmd(&["CONFIG", "SET", "appendfsync", "everysec"]);
    m.cmd(&["INCR", "n"]);
    let took = waitaof(&mut m, ["0", "1", "10000"], (0, 1));
    eprintln!("WAITAOF 0 1, replica appendfsync everysec: {took:?}");

    // no on the replica: applied (WAIT counts it) but never fsynced.
    r.cmd(&["CONFIG", "SET", "appendfsync", "no"]);
    m.cmd(&["INCR", "n"]);
    expect(&mut m, &["WAIT", "1", "5000"], b":1\r\n");
    let took = waitaof(&mut m, ["0", "1", "300"], (0, 0));
    assert!(took >= Duration::from_millis(300), "{took:?}");

    // Both sides: the master's AOF turned on, the replica back to always.
    r.cmd(&["CONFIG", "SET", "appendfsync", "always"]);
    turn_aof_on(&mut m);
    m.cmd(&["INCR", "n"]);
    waitaof(&mut m, ["1", "1", "10000"], (1, 1));

    // The replica's AOF off: it sends no FACK, its last one stays.
    r.cmd(&["CONFIG", "SET", "appendonly", "no"]);
    m.cmd(&["INCR", "n"]);
    waitaof(&mut m, ["1", "1", "300"], (1, 0));
    expect(&mut m, &["WAIT", "1", "5000"], b":1\r\n");
}

#[test]
fn waitaof_never_counts_a_redis_7_0_replica() {
    require_redis!();
    let master = start_ember(&[]);
    let mut m = master.connect();
    let port = master.port.to_string();
    let replica = start_redis(&aof_replica_args(&port)).expect("redis-server");
    let mut r = replica.connect();
    eventually("link up", || link_up(&mut r));
    m.cmd(&["SET", "k", "1"]);
    // It acknowledges the write (WAIT) but says nothing of its AOF.
    expect(&mut m, &["WAIT", "1", "5000"], b":1\r\n");
    let took = waitaof(&mut m, ["0", "1", "300"], (0, 0));
    assert!(took >= Duration::from_millis(300), "{took:?}");
}

#[test]
fn ember_replica_fack_is_accepted_by_a_redis_7_0_master() {
    require_redis!();
    let master = start_redis(&["--repl-diskless-sync-delay", "0"]).expect("redis-server");
    let mut m = master.connect();
    let (_replica, mut r) = aof_replica_of(master.port);
    for i in 0..50 {
        m.cmd(&["SET", &format!("k{i}"), "v"]);
    }
    // Every ACK carries FACK now; the master still reads its offset and
    // keeps the link (its WAIT counts the replica).
    expect(&mut m, &["WAIT", "1", "5000"], b":1\r\n");
    std::thread::sleep(Duration::from_millis(2500));
    m.cmd(&["SET", "last", "v"]);
    expect(&mut m, &["WAIT", "1", "5000"], b":1\r\n");
    let offset = info_field(&mut m, "replication", "master_repl_offset").unwrap();
    eventually(
        "the master's slave0 line shows the acknowledged offset",
        || {
            info_field(&mut m, "replication", "slave0").is_some_and(|l| {
                l.contains(&format!("offset={offset},")) && l.contains("state=online")
            })
        },
    );
    assert!(link_up(&mut r));
    expect(&mut r, &["GET", "last"], b"$1\r\nv\r\n");
}

/// A replica moved to a master whose stream is shorter counts its fsyncs
/// in the new master's offsets: the first rewrite after the sync starts
/// from the new offset, so no FACK left from the old stream says a write
/// of the new master is on disk.
#[test]
fn waitaof_replica_switching_masters_counts_the_new_stream() {
    let long = start_ember(&[]);
    let mut l = long.connect();
    let value = "v".repeat(1000);
    for i in 0..200 {
        l.cmd(&["SET", &format!("k{i}"), &value]);
    }
    let short = start_ember(&[]);
    let mut s = short.connect();
    let (_replica, mut r) = aof_replica_of(long.port);
    l.cmd(&["SET", "more", "1"]);
    waitaof(&mut l, ["0", "1", "5000"], (0, 1));

    // To the other master, with fsyncs off on the replica.
    r.cmd(&["CONFIG", "SET", "appendfsync", "no"]);
    let sport = short.port.to_string();
    expect(&mut r, &["REPLICAOF", "127.0.0.1", &sport], b"+OK\r\n");
    eventually("link up with the second master", || {
        link_up(&mut r)
            && info_field(&mut s, "replication", "connected_slaves").as_deref() == Some("1")
    });
    eventually("replica AOF ready again", || aof_ready(&mut r));
    s.cmd(&["SET", "x", "1"]);
    expect(&mut s, &["WAIT", "1", "5000"], b":1\r\n");
    waitaof(&mut s, ["0", "1", "300"], (0, 0));
    r.cmd(&["CONFIG", "SET", "appendfsync", "always"]);
    s.cmd(&["SET", "x", "2"]);
    waitaof(&mut s, ["0", "1", "5000"], (0, 1));

    // Promoted, it answers WAITAOF for its own writes.
    expect(&mut r, &["REPLICAOF", "NO", "ONE"], b"+OK\r\n");
    r.cmd(&["INCR", "n"]);
    waitaof(&mut r, ["1", "0", "0"], (1, 0));
}

/// A WAITAOF blocked on a master without replicas is released once a
/// replica attaches, loads the snapshot (which holds the write) and its
/// AOF's first rewrite is done: its FACK then covers the sync offset.
#[test]
fn waitaof_is_released_when_a_new_replica_finished_its_sync() {
    let master = start_ember(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut m = master.connect();
    eventually("master AOF on", || aof_ready(&mut m));
    let mut blocked = master.connect();
    blocked.cmd(&["INCR", "n"]);
    blocked.send(&["WAITAOF", "1", "1", "0"]);
    expect_silence(&mut blocked, 200);
    let start = Instant::now();
    let (_replica, _r) = aof_replica_of(master.port);
    expect_reply(&mut blocked, &counts(1, 1));
    eprintln!(
        "WAITAOF 1 1 released {:?} after the replica started",
        start.elapsed()
    );
}
