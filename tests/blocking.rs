//! Blocking list commands over real sockets: clients parked by BLPOP & co.,
//! woken by other clients' writes in FIFO order, timing out, disconnecting
//! and being released by CLIENT UNBLOCK.
//!
//! Every scenario asserts exact reply bytes. Each runs against ember and,
//! when redis-server is installed, against a real redis-server too (the
//! `*_redis` tests), so the expectations are Redis's own.

mod common;

use common::*;
use std::time::{Duration, Instant};

const NIL_ARRAY: &[u8] = b"*-1\r\n";

fn show(b: &[u8]) -> String {
    escape(b)
}

/// `*2 key value` as BLPOP answers.
fn kv(key: &str, val: &str) -> Vec<u8> {
    format!(
        "*2\r\n${}\r\n{key}\r\n${}\r\n{val}\r\n",
        key.len(),
        val.len()
    )
    .into_bytes()
}

fn bulk(s: &str) -> Vec<u8> {
    format!("${}\r\n{s}\r\n", s.len()).into_bytes()
}

fn int(n: i64) -> Vec<u8> {
    format!(":{n}\r\n").into_bytes()
}

/// A field of INFO's text.
fn info_field(admin: &mut RawConn, section: &str, name: &str) -> Option<String> {
    let text = admin.cmd_str(&["INFO", section]);
    text.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
}

fn blocked_clients(admin: &mut RawConn) -> u64 {
    info_field(admin, "clients", "blocked_clients")
        .and_then(|v| v.parse().ok())
        .unwrap_or(u64::MAX)
}

/// Waits until INFO reports exactly `n` blocked clients.
fn wait_blocked(admin: &mut RawConn, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = blocked_clients(admin);
        if got == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "blocked_clients stayed {got}, expected {n}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sends a blocking command from `c` and waits until the server reports
/// `then_blocked` blocked clients (so clients park in a known order).
fn park(c: &mut RawConn, admin: &mut RawConn, args: &[&str], then_blocked: u64) {
    c.send(args);
    wait_blocked(admin, then_blocked);
}

/// `redis_version` of INFO SERVER as (major, minor).
fn server_version(admin: &mut RawConn) -> (u32, u32) {
    let v = info_field(admin, "server", "redis_version").unwrap_or_default();
    let mut parts = v.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

fn client_id(c: &mut RawConn) -> String {
    let r = c.cmd_str(&["CLIENT", "ID"]);
    r.trim_start_matches(':').trim_end().to_string()
}

// ---------------------------------------------------------------------------
// FIFO fairness
// ---------------------------------------------------------------------------

fn fifo_order(s: &ServerProc) {
    let mut admin = s.connect();
    let mut waiters: Vec<RawConn> = (0..4).map(|_| s.connect()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        park(w, &mut admin, &["BLPOP", "q", "0"], i as u64 + 1);
    }
    // One element: only the oldest waiter gets it.
    expect(&mut admin, &["RPUSH", "q", "first"], &int(1));
    expect_reply(&mut waiters[0], &kv("q", "first"));
    wait_blocked(&mut admin, 3);
    expect_silence(&mut waiters[1], 50);
    // Three at once: the next three, in the order they blocked.
    expect(&mut admin, &["RPUSH", "q", "a", "b", "c"], &int(3));
    expect_reply(&mut waiters[1], &kv("q", "a"));
    expect_reply(&mut waiters[2], &kv("q", "b"));
    expect_reply(&mut waiters[3], &kv("q", "c"));
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["EXISTS", "q"], &int(0));
    // Waiters on several keys, served in arrival order per key.
    let [w0, w1, w2, w3] = &mut waiters[..] else {
        unreachable!()
    };
    park(w0, &mut admin, &["BRPOP", "x", "y", "0"], 1);
    park(w1, &mut admin, &["BLPOP", "y", "0"], 2);
    park(w2, &mut admin, &["BLPOP", "y", "x", "0"], 3);
    park(
        w3,
        &mut admin,
        &["BLMPOP", "0", "1", "y", "LEFT", "COUNT", "5"],
        4,
    );
    expect(
        &mut admin,
        &["RPUSH", "y", "1", "2", "3", "4", "5"],
        &int(5),
    );
    expect_reply(w0, &kv("y", "5"));
    expect_reply(w1, &kv("y", "1"));
    expect_reply(w2, &kv("y", "2"));
    expect_reply(w3, b"*2\r\n$1\r\ny\r\n*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    wait_blocked(&mut admin, 0);
}
on_both!(fifo_order, fifo_order_ember, fifo_order_redis);

/// A push served at once: a command pipelined after it sees the list
/// already emptied by the waiter.
fn served_before_next_command(s: &ServerProc) {
    let mut admin = s.connect();
    let mut w = s.connect();
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    let mut batch = encode_command(&["RPUSH", "k", "v"]);
    batch.extend(encode_command(&["LLEN", "k"]));
    admin.send_raw(&batch);
    expect_reply(&mut admin, &int(1));
    expect_reply(&mut admin, &int(0));
    expect_reply(&mut w, &kv("k", "v"));
}
on_both!(
    served_before_next_command,
    served_before_next_command_ember,
    served_before_next_command_redis
);

// ---------------------------------------------------------------------------
// What wakes a waiter
// ---------------------------------------------------------------------------

fn wakeups(s: &ServerProc) {
    let mut admin = s.connect();
    let mut w = s.connect();
    // LPUSH, RPUSH
    park(&mut w, &mut admin, &["BRPOP", "k", "0"], 1);
    expect(&mut admin, &["LPUSH", "k", "a", "b"], &int(2));
    expect_reply(&mut w, &kv("k", "a"));
    expect(&mut admin, &["LRANGE", "k", "0", "-1"], &bulk_array(&["b"]));
    expect(&mut admin, &["DEL", "k"], &int(1));
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    expect(&mut admin, &["RPUSH", "k", "c"], &int(1));
    expect_reply(&mut w, &kv("k", "c"));
    // LMOVE and RPOPLPUSH into the key
    expect(&mut admin, &["RPUSH", "src", "1", "2"], &int(2));
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    expect(
        &mut admin,
        &["LMOVE", "src", "k", "LEFT", "RIGHT"],
        &bulk("1"),
    );
    expect_reply(&mut w, &kv("k", "1"));
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    expect(&mut admin, &["RPOPLPUSH", "src", "k"], &bulk("2"));
    expect_reply(&mut w, &kv("k", "2"));
    // MULTI/EXEC: served after EXEC, with every queued write applied
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    expect(&mut admin, &["MULTI"], b"+OK\r\n");
    expect(&mut admin, &["RPUSH", "k", "x"], b"+QUEUED\r\n");
    expect(&mut admin, &["RPUSH", "k", "y"], b"+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], b"*2\r\n:1\r\n:2\r\n");
    expect_reply(&mut w, &kv("k", "x"));
    expect(&mut admin, &["LRANGE", "k", "0", "-1"], &bulk_array(&["y"]));
    expect(&mut admin, &["DEL", "k"], &int(1));
    // A transaction that leaves the key empty wakes nobody.
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    expect(&mut admin, &["MULTI"], b"+OK\r\n");
    expect(&mut admin, &["RPUSH", "k", "gone"], b"+QUEUED\r\n");
    expect(&mut admin, &["LPOP", "k"], b"+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], b"*2\r\n:1\r\n$4\r\ngone\r\n");
    expect_silence(&mut w, 50);
    assert_eq!(blocked_clients(&mut admin), 1);
    // Another type at the key does not serve it either; a list later does.
    expect(&mut admin, &["SET", "k", "str"], b"+OK\r\n");
    expect_silence(&mut w, 50);
    expect(&mut admin, &["DEL", "k"], &int(1));
    expect(&mut admin, &["RPUSH", "k", "z"], &int(1));
    expect_reply(&mut w, &kv("k", "z"));
    // Only the waiter's database counts.
    expect(&mut w, &["SELECT", "1"], b"+OK\r\n");
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    expect(&mut admin, &["RPUSH", "k", "db0"], &int(1));
    expect_silence(&mut w, 50);
    expect(&mut admin, &["SELECT", "1"], b"+OK\r\n");
    expect(&mut admin, &["RPUSH", "k", "db1"], &int(1));
    expect_reply(&mut w, &kv("k", "db1"));
    expect(&mut admin, &["SELECT", "0"], b"+OK\r\n");
    expect(
        &mut admin,
        &["LRANGE", "k", "0", "-1"],
        &bulk_array(&["db0"]),
    );
    // BLMOVE, BRPOPLPUSH and BLMPOP are woken the same way.
    expect(&mut admin, &["FLUSHALL"], b"+OK\r\n");
    expect(&mut w, &["SELECT", "0"], b"+OK\r\n");
    park(
        &mut w,
        &mut admin,
        &["BLMOVE", "s", "d", "RIGHT", "LEFT", "0"],
        1,
    );
    expect(&mut admin, &["RPUSH", "s", "m1", "m2"], &int(2));
    expect_reply(&mut w, &bulk("m2"));
    park(&mut w, &mut admin, &["BRPOPLPUSH", "none", "d", "0"], 1);
    expect(&mut admin, &["LPUSH", "none", "m3"], &int(1));
    expect_reply(&mut w, &bulk("m3"));
    expect(
        &mut admin,
        &["LRANGE", "d", "0", "-1"],
        &bulk_array(&["m3", "m2"]),
    );
    park(
        &mut w,
        &mut admin,
        &["BLMPOP", "0", "2", "e1", "e2", "RIGHT", "COUNT", "2"],
        1,
    );
    expect(&mut admin, &["RPUSH", "e2", "1", "2", "3"], &int(3));
    expect_reply(&mut w, b"*2\r\n$2\r\ne2\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
    // Woken by a key that is not the first listed: Redis 7.2 runs the
    // command again from the start, so it takes from the first non-empty
    // key (7.0 popped from the key that woke it).
    park(&mut w, &mut admin, &["BLPOP", "f1", "f2", "0"], 1);
    expect(&mut admin, &["MULTI"], b"+OK\r\n");
    expect(&mut admin, &["RPUSH", "f2", "two"], b"+QUEUED\r\n");
    expect(&mut admin, &["RPUSH", "f1", "one"], b"+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], b"*2\r\n:1\r\n:1\r\n");
    if server_version(&mut admin) >= (7, 2) {
        expect_reply(&mut w, &kv("f1", "one"));
    } else {
        expect_reply(&mut w, &kv("f2", "two"));
    }
    wait_blocked(&mut admin, 0);
}
on_both!(wakeups, wakeups_ember, wakeups_redis);

fn bulk_array(items: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", items.len()).into_bytes();
    for i in items {
        out.extend(bulk(i));
    }
    out
}

/// BLMOVE chains: a push to the first list travels along the waiters.
fn blmove_chain(s: &ServerProc) {
    let mut admin = s.connect();
    let mut a = s.connect();
    let mut b = s.connect();
    let mut c = s.connect();
    park(
        &mut a,
        &mut admin,
        &["BLMOVE", "l1", "l2", "LEFT", "LEFT", "0"],
        1,
    );
    park(&mut b, &mut admin, &["BRPOPLPUSH", "l2", "l3", "0"], 2);
    park(&mut c, &mut admin, &["BLPOP", "l3", "0"], 3);
    expect(&mut admin, &["RPUSH", "l1", "v"], &int(1));
    expect_reply(&mut a, &bulk("v"));
    expect_reply(&mut b, &bulk("v"));
    expect_reply(&mut c, &kv("l3", "v"));
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["EXISTS", "l1", "l2", "l3"], &int(0));
    // A waiter on the destination of a BLMOVE that is served at once.
    park(&mut c, &mut admin, &["BLPOP", "dst", "0"], 1);
    expect(&mut admin, &["RPUSH", "src", "w"], &int(1));
    expect(
        &mut a,
        &["BLMOVE", "src", "dst", "RIGHT", "RIGHT", "0"],
        &bulk("w"),
    );
    expect_reply(&mut c, &kv("dst", "w"));
    // Rotating a list onto itself wakes nobody else first.
    park(
        &mut a,
        &mut admin,
        &["BLMOVE", "rot", "rot", "LEFT", "RIGHT", "0"],
        1,
    );
    park(&mut b, &mut admin, &["BLPOP", "rot", "0"], 2);
    expect(&mut admin, &["RPUSH", "rot", "r1", "r2"], &int(2));
    expect_reply(&mut a, &bulk("r1"));
    expect_reply(&mut b, &kv("rot", "r2"));
    expect(
        &mut admin,
        &["LRANGE", "rot", "0", "-1"],
        &bulk_array(&["r1"]),
    );
    wait_blocked(&mut admin, 0);
}
on_both!(blmove_chain, blmove_chain_ember, blmove_chain_redis);

// ---------------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------------

fn timeouts(s: &ServerProc) {
    let mut admin = s.connect();
    let mut w = s.connect();
    for (args, want) in [
        (&["BLPOP", "none", "0.1"][..], NIL_ARRAY),
        (&["BRPOP", "none", "none2", "0.1"][..], NIL_ARRAY),
        (
            &["BLMOVE", "none", "d", "LEFT", "LEFT", "0.1"][..],
            NIL_ARRAY,
        ),
        (&["BRPOPLPUSH", "none", "d", "0.1"][..], NIL_ARRAY),
        (&["BLMPOP", "0.1", "1", "none", "LEFT"][..], NIL_ARRAY),
    ] {
        let t0 = Instant::now();
        w.send(args);
        expect_reply(&mut w, want);
        let ms = t0.elapsed().as_millis();
        assert!((100..300).contains(&ms), "{args:?} timed out after {ms} ms");
    }
    // Several waiters with different deadlines time out in deadline order.
    let mut slow = s.connect();
    let mut fast = s.connect();
    park(&mut slow, &mut admin, &["BLPOP", "t", "0.3"], 1);
    park(&mut fast, &mut admin, &["BLPOP", "t", "0.1"], 2);
    expect_reply(&mut fast, NIL_ARRAY);
    assert_eq!(blocked_clients(&mut admin), 1);
    expect_reply(&mut slow, NIL_ARRAY);
    wait_blocked(&mut admin, 0);
    // A waiter served before its deadline does not time out later.
    park(&mut w, &mut admin, &["BLPOP", "t", "0.2"], 1);
    expect(&mut admin, &["RPUSH", "t", "in-time"], &int(1));
    expect_reply(&mut w, &kv("t", "in-time"));
    expect_silence(&mut w, 300);
    expect(&mut w, &["PING"], b"+PONG\r\n");
    // RESP3: the timeout is a null.
    let hello = w.cmd(&["HELLO", "3"]);
    assert!(hello.starts_with(b"%"), "{}", show(&hello));
    expect(&mut w, &["BLPOP", "none", "0.05"], b"_\r\n");
    expect(
        &mut w,
        &["BLMOVE", "none", "d", "LEFT", "LEFT", "0.05"],
        b"_\r\n",
    );
}
on_both!(timeouts, timeouts_ember, timeouts_redis);

/// Redis 7.2: a deadline past the end of time is refused (7.0 waits
/// forever), so this one runs on ember only.
#[test]
fn timeout_past_the_end_of_time() {
    let s = start_ember(&[]);
    let mut c = s.connect();
    for t in ["9223372036854775", "9223372036854775807", "inf", "1e400"] {
        expect(
            &mut c,
            &["BLPOP", "k", t],
            b"-ERR timeout is out of range\r\n",
        );
    }
    // Far, but representable: it blocks.
    let mut admin = s.connect();
    park(&mut c, &mut admin, &["BLPOP", "k", "9223372036854"], 1);
    expect(&mut admin, &["RPUSH", "k", "v"], &int(1));
    expect_reply(&mut c, &kv("k", "v"));
}

// ---------------------------------------------------------------------------
// Leaving: disconnects and CLIENT UNBLOCK
// ---------------------------------------------------------------------------

fn disconnects(s: &ServerProc) {
    let mut admin = s.connect();
    {
        let mut w = s.connect();
        park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    }
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["RPUSH", "k", "kept"], &int(1));
    expect(&mut admin, &["LLEN", "k"], &int(1));
    expect(&mut admin, &["DEL", "k"], &int(1));
    // The first of two waiters leaves: the second one is served.
    let mut second = s.connect();
    {
        let mut first = s.connect();
        park(
            &mut first,
            &mut admin,
            &["BLMOVE", "k", "d", "LEFT", "LEFT", "10"],
            1,
        );
        park(&mut second, &mut admin, &["BLPOP", "k", "10"], 2);
    }
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "k", "v"], &int(1));
    expect_reply(&mut second, &kv("k", "v"));
    expect(&mut admin, &["EXISTS", "k", "d"], &int(0));
    // A waiter with pipelined input that disconnects.
    {
        let mut w = s.connect();
        let mut batch = encode_command(&["BLPOP", "k", "0"]);
        batch.extend(encode_command(&["RPUSH", "never", "x"]));
        w.send_raw(&batch);
        wait_blocked(&mut admin, 1);
    }
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["RPUSH", "k", "v"], &int(1));
    expect(&mut admin, &["EXISTS", "never"], &int(0));
    expect(&mut admin, &["PING"], b"+PONG\r\n");
}
on_both!(disconnects, disconnects_ember, disconnects_redis);

fn client_unblock(s: &ServerProc) {
    let mut admin = s.connect();
    expect(&mut admin, &["CONFIG", "RESETSTAT"], b"+OK\r\n");
    let mut w = s.connect();
    let id = client_id(&mut w);
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id], &int(0));
    park(&mut w, &mut admin, &["BLPOP", "k", "0"], 1);
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id], &int(1));
    expect_reply(&mut w, NIL_ARRAY);
    wait_blocked(&mut admin, 0);
    park(
        &mut w,
        &mut admin,
        &["BLMOVE", "k", "d", "LEFT", "LEFT", "0"],
        1,
    );
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id, "timeout"], &int(1));
    expect_reply(&mut w, NIL_ARRAY);
    park(&mut w, &mut admin, &["BLMPOP", "0", "1", "k", "LEFT"], 1);
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id, "ERROR"], &int(1));
    expect_reply(
        &mut w,
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n",
    );
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id, "ERROR"], &int(0));
    wait_blocked(&mut admin, 0);
    // The error counts as the blocked command's failed call and as an
    // error reply.
    let stats = String::from_utf8_lossy(&admin.cmd(&["INFO", "STATS"])).into_owned();
    assert!(stats.contains("total_error_replies:1\r\n"), "{stats}");
    let errs = String::from_utf8_lossy(&admin.cmd(&["INFO", "ERRORSTATS"])).into_owned();
    assert!(errs.contains("errorstat_UNBLOCKED:count=1\r\n"), "{errs}");
    let cmds = String::from_utf8_lossy(&admin.cmd(&["INFO", "COMMANDSTATS"])).into_owned();
    assert!(
        cmds.contains("cmdstat_blmpop:calls=1,")
            && cmds.contains("rejected_calls=0,failed_calls=1\r\n"),
        "{cmds}"
    );
    // The unblocked client is gone from the key's waiters.
    expect(&mut admin, &["RPUSH", "k", "v"], &int(1));
    expect(&mut admin, &["LLEN", "k"], &int(1));
    // Input pipelined behind the blocking command runs once it is released.
    let mut batch = encode_command(&["BLPOP", "none", "0"]);
    batch.extend(encode_command(&["PING"]));
    batch.extend(encode_command(&["RPUSH", "after", "x"]));
    w.send_raw(&batch);
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["EXISTS", "after"], &int(0));
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id], &int(1));
    expect_reply(&mut w, NIL_ARRAY);
    expect_reply(&mut w, b"+PONG\r\n");
    expect_reply(&mut w, &int(1));
    expect(
        &mut admin,
        &["CLIENT", "UNBLOCK", &id, "NOPE"],
        b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
    );
}
on_both!(client_unblock, client_unblock_ember, client_unblock_redis);

/// Commands pipelined behind a blocking command run once it is served (or
/// times out), in order, and not before.
fn pipelined_after_blocking(s: &ServerProc) {
    let mut admin = s.connect();
    let mut w = s.connect();
    let mut batch = encode_command(&["BLPOP", "k", "0"]);
    batch.extend(encode_command(&["PING"]));
    batch.extend(encode_command(&["RPUSH", "seen", "1"]));
    batch.extend(encode_command(&["BLPOP", "k2", "0"]));
    batch.extend(encode_command(&["GET", "x"]));
    w.send_raw(&batch);
    wait_blocked(&mut admin, 1);
    expect_silence(&mut w, 50);
    expect(&mut admin, &["EXISTS", "seen"], &int(0));
    expect(&mut admin, &["RPUSH", "k", "v"], &int(1));
    expect_reply(&mut w, &kv("k", "v"));
    expect_reply(&mut w, b"+PONG\r\n");
    expect_reply(&mut w, &int(1));
    // Blocked again by the second BLPOP.
    wait_blocked(&mut admin, 1);
    expect_silence(&mut w, 50);
    expect(&mut admin, &["SET", "x", "later"], b"+OK\r\n");
    expect(&mut admin, &["LPUSH", "k2", "w"], &int(1));
    expect_reply(&mut w, &kv("k2", "w"));
    expect_reply(&mut w, &bulk("later"));
    // Behind a timeout too.
    let mut batch = encode_command(&["BRPOP", "none", "0.05"]);
    batch.extend(encode_command(&["ECHO", "next"]));
    w.send_raw(&batch);
    expect_reply(&mut w, NIL_ARRAY);
    expect_reply(&mut w, &bulk("next"));
    wait_blocked(&mut admin, 0);
}
on_both!(
    pipelined_after_blocking,
    pipelined_after_blocking_ember,
    pipelined_after_blocking_redis
);

// ---------------------------------------------------------------------------
// INFO and bookkeeping
// ---------------------------------------------------------------------------

fn info_counts(s: &ServerProc) {
    let mut admin = s.connect();
    assert_eq!(blocked_clients(&mut admin), 0);
    let mut a = s.connect();
    let mut b = s.connect();
    let mut c = s.connect();
    park(&mut a, &mut admin, &["BLPOP", "k1", "k2", "0"], 1);
    park(&mut b, &mut admin, &["BLPOP", "k2", "1"], 2);
    park(
        &mut c,
        &mut admin,
        &["BLMOVE", "k3", "d", "LEFT", "LEFT", "0"],
        3,
    );
    let in_timeout = info_field(&mut admin, "clients", "clients_in_timeout_table");
    assert_eq!(in_timeout.as_deref(), Some("1"));
    expect(&mut admin, &["RPUSH", "k2", "x"], &int(1));
    expect_reply(&mut a, &kv("k2", "x"));
    wait_blocked(&mut admin, 2);
    expect(&mut admin, &["RPUSH", "k3", "y"], &int(1));
    expect_reply(&mut c, &bulk("y"));
    wait_blocked(&mut admin, 1);
    expect_reply(&mut b, NIL_ARRAY);
    wait_blocked(&mut admin, 0);
    let in_timeout = info_field(&mut admin, "clients", "clients_in_timeout_table");
    assert_eq!(in_timeout.as_deref(), Some("0"));
}
on_both!(info_counts, info_counts_ember, info_counts_redis);

/// A key named twice by one waiter (BLPOP k k) must not disturb another
/// waiter's registration of that key when the first leaves.
fn duplicate_keys(s: &ServerProc) {
    let mut admin = s.connect();
    let mut a = s.connect();
    let mut b = s.connect();
    park(&mut a, &mut admin, &["BLPOP", "k", "k", "0"], 1);
    park(&mut b, &mut admin, &["BLPOP", "k", "0"], 2);
    expect(&mut admin, &["RPUSH", "k", "first"], &int(1));
    expect_reply(&mut a, &kv("k", "first"));
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "k", "second"], &int(1));
    expect_reply(&mut b, &kv("k", "second"));
    wait_blocked(&mut admin, 0);
    // Same with a timeout and CLIENT UNBLOCK as the ways out.
    let id = client_id(&mut a);
    park(
        &mut a,
        &mut admin,
        &["BLMPOP", "0", "3", "k", "j", "k", "LEFT"],
        1,
    );
    park(&mut b, &mut admin, &["BRPOP", "k", "0"], 2);
    expect(&mut admin, &["CLIENT", "UNBLOCK", &id], &int(1));
    expect_reply(&mut a, NIL_ARRAY);
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["LPUSH", "k", "third"], &int(1));
    expect_reply(&mut b, &kv("k", "third"));
    wait_blocked(&mut admin, 0);
}
on_both!(duplicate_keys, duplicate_keys_ember, duplicate_keys_redis);

/// Ember only (Redis 7.2 adds the field): keys waited on.
#[test]
fn total_blocking_keys() {
    let s = start_ember(&[]);
    let mut admin = s.connect();
    let mut a = s.connect();
    let mut b = s.connect();
    park(&mut a, &mut admin, &["BLPOP", "k1", "k2", "k1", "0"], 1);
    park(&mut b, &mut admin, &["BLPOP", "k2", "k3", "0"], 2);
    let keys = info_field(&mut admin, "clients", "total_blocking_keys");
    assert_eq!(keys.as_deref(), Some("3"));
    drop(a);
    wait_blocked(&mut admin, 1);
    let keys = info_field(&mut admin, "clients", "total_blocking_keys");
    assert_eq!(keys.as_deref(), Some("2"));
    expect(&mut admin, &["RPUSH", "k3", "v"], &int(1));
    expect_reply(&mut b, &kv("k3", "v"));
    let keys = info_field(&mut admin, "clients", "total_blocking_keys");
    assert_eq!(keys.as_deref(), Some("0"));
}

/// Many waiters and pushes: every element reaches exactly one waiter, in
/// FIFO order, and the server stays consistent.
fn many_waiters(s: &ServerProc) {
    let mut admin = s.connect();
    let n = 30;
    let mut waiters: Vec<RawConn> = (0..n).map(|_| s.connect()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        let key = if i % 2 == 0 { "even" } else { "odd" };
        park(w, &mut admin, &["BLPOP", key, "shared", "0"], i as u64 + 1);
    }
    // `shared` wakes everyone in arrival order across both groups.
    let items: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
    let mut args = vec!["RPUSH", "shared"];
    args.extend(items.iter().map(String::as_str));
    expect(&mut admin, &args, &int(n as i64));
    for (i, w) in waiters.iter_mut().enumerate() {
        expect_reply(w, &kv("shared", &items[i]));
    }
    wait_blocked(&mut admin, 0);
    expect(&mut admin, &["EXISTS", "shared"], &int(0));
}
on_both!(many_waiters, many_waiters_ember, many_waiters_redis);

// ---------------------------------------------------------------------------
// Streams: XREAD and XREADGROUP with BLOCK
// ---------------------------------------------------------------------------

/// `[[key, [[id, [field, value]]]]]` as XREAD answers one new entry.
fn one_entry(key: &str, id: &str, field: &str, value: &str) -> Vec<u8> {
    let mut out = b"*1\r\n*2\r\n".to_vec();
    out.extend(bulk(key));
    out.extend_from_slice(b"*1\r\n*2\r\n");
    out.extend(bulk(id));
    out.extend_from_slice(b"*2\r\n");
    out.extend(bulk(field));
    out.extend(bulk(value));
    out
}

fn stream_waits(s: &ServerProc) {
    let mut admin = s.connect();
    let mut a = s.connect();
    let mut b = s.connect();
    // `$` on a missing key: entries added after the call are served, to
    // every XREAD waiter (reading does not consume).
    park(
        &mut a,
        &mut admin,
        &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
        1,
    );
    park(
        &mut b,
        &mut admin,
        &["XREAD", "BLOCK", "0", "STREAMS", "other", "s", "$", "$"],
        2,
    );
    expect_silence(&mut a, 50);
    expect(&mut admin, &["XADD", "s", "5-1", "f", "v"], &bulk("5-1"));
    expect_reply(&mut a, &one_entry("s", "5-1", "f", "v"));
    expect_reply(&mut b, &one_entry("s", "5-1", "f", "v"));
    wait_blocked(&mut admin, 0);
    // `$` means the last ID at the time of the call, not of the wakeup:
    // an XDEL wakes nobody, the next XADD is what is served.
    park(
        &mut a,
        &mut admin,
        &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
        1,
    );
    expect(&mut admin, &["XDEL", "s", "5-1"], &int(1));
    expect_silence(&mut a, 50);
    expect(&mut admin, &["XADD", "s", "6-1", "g", "w"], &bulk("6-1"));
    expect_reply(&mut a, &one_entry("s", "6-1", "g", "w"));
    // A timeout answers a null array.
    let t0 = Instant::now();
    expect(
        &mut a,
        &["XREAD", "BLOCK", "100", "STREAMS", "s", "$"],
        NIL_ARRAY,
    );
    assert!(t0.elapsed() >= Duration::from_millis(100));
    // Inside MULTI, BLOCK does not block.
    expect(&mut a, &["MULTI"], b"+OK\r\n");
    expect(
        &mut a,
        &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
        b"+QUEUED\r\n",
    );
    expect(&mut a, &["EXEC"], b"*1\r\n*-1\r\n");
}
on_both!(stream_waits, stream_waits_ember, stream_waits_redis);

fn stream_group_waits(s: &ServerProc) {
    let mut admin = s.connect();
    let mut a = s.connect();
    let mut b = s.connect();
    expect(
        &mut admin,
        &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"],
        b"+OK\r\n",
    );
    // Two consumers wait; each new entry goes to one of them, oldest first.
    let cmd = |c: &'static str| {
        [
            "XREADGROUP",
            "GROUP",
            "g",
            c,
            "BLOCK",
            "0",
            "STREAMS",
            "q",
            ">",
        ]
    };
    park(&mut a, &mut admin, &cmd("alice"), 1);
    park(&mut b, &mut admin, &cmd("bob"), 2);
    expect(&mut admin, &["XADD", "q", "1-1", "job", "1"], &bulk("1-1"));
    expect_reply(&mut a, &one_entry("q", "1-1", "job", "1"));
    expect_silence(&mut b, 50);
    expect(&mut admin, &["XADD", "q", "2-1", "job", "2"], &bulk("2-1"));
    expect_reply(&mut b, &one_entry("q", "2-1", "job", "2"));
    wait_blocked(&mut admin, 0);
    let pending = admin.cmd(&["XPENDING", "q", "g"]);
    assert_eq!(
        show(&pending),
        show(b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n")
    );
    // A history read never blocks.
    expect(
        &mut a,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "BLOCK",
            "0",
            "STREAMS",
            "q",
            "9",
        ],
        b"*1\r\n*2\r\n$1\r\nq\r\n*0\r\n",
    );
    // Destroying the group ends the wait with a NOGROUP error (Redis 7.0
    // and 7.2 word it differently).
    park(&mut a, &mut admin, &cmd("alice"), 1);
    expect(&mut admin, &["XGROUP", "DESTROY", "q", "g"], &int(1));
    let r = a.read_reply().unwrap();
    assert!(r.starts_with(b"-NOGROUP "), "{}", show(&r));
    // Deleting the key ends it with UNBLOCKED.
    expect(&mut admin, &["XGROUP", "CREATE", "q", "g", "$"], b"+OK\r\n");
    park(&mut a, &mut admin, &cmd("alice"), 1);
    expect(&mut admin, &["DEL", "q"], &int(1));
    expect_reply(&mut a, b"-UNBLOCKED the stream key no longer exists\r\n");
    // So does replacing it with another type.
    expect(
        &mut admin,
        &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"],
        b"+OK\r\n",
    );
    park(&mut a, &mut admin, &cmd("alice"), 1);
    expect(&mut admin, &["SET", "q", "x"], b"+OK\r\n");
    expect_reply(&mut a, b"-UNBLOCKED the stream key no longer exists\r\n");
    wait_blocked(&mut admin, 0);
    // And FLUSHALL, while a BLPOP waiter stays parked.
    let mut l = s.connect();
    expect(&mut admin, &["DEL", "q"], &int(1));
    expect(
        &mut admin,
        &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"],
        b"+OK\r\n",
    );
    park(&mut a, &mut admin, &cmd("alice"), 1);
    park(&mut l, &mut admin, &["BLPOP", "list", "0"], 2);
    expect(&mut admin, &["FLUSHALL"], b"+OK\r\n");
    expect_reply(&mut a, b"-UNBLOCKED the stream key no longer exists\r\n");
    wait_blocked(&mut admin, 1);
    expect(&mut admin, &["RPUSH", "list", "v"], &int(1));
    expect_reply(&mut l, &kv("list", "v"));
    // FLUSHALL ASYNC of enough keys to be freed in the background too.
    let names: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
    let mut mset = vec!["MSET"];
    for n in &names {
        mset.push(n);
        mset.push("v");
    }
    expect(&mut admin, &mset, b"+OK\r\n");
    expect(
        &mut admin,
        &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"],
        b"+OK\r\n",
    );
    park(&mut a, &mut admin, &cmd("alice"), 1);
    expect(&mut admin, &["FLUSHALL", "ASYNC"], b"+OK\r\n");
    expect_reply(&mut a, b"-UNBLOCKED the stream key no longer exists\r\n");
    // A timeout answers a null array (RESP3: null).
    expect(
        &mut admin,
        &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"],
        b"+OK\r\n",
    );
    expect(
        &mut a,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "BLOCK",
            "50",
            "STREAMS",
            "q",
            ">",
        ],
        NIL_ARRAY,
    );
    a.cmd(&["HELLO", "3"]);
    expect(
        &mut a,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "BLOCK",
            "50",
            "STREAMS",
            "q",
            ">",
        ],
        b"_\r\n",
    );
}
on_both!(
    stream_group_waits,
    stream_group_waits_ember,
    stream_group_waits_redis
);

// ---------------------------------------------------------------------------
// Command statistics of blocked commands
// ---------------------------------------------------------------------------

/// `calls=N,...,failed_calls=M` of INFO commandstats for `cmd`, as
/// (calls, failed_calls).
fn cmdstat(admin: &mut RawConn, cmd: &str) -> (u64, u64) {
    let line = info_field(admin, "commandstats", &format!("cmdstat_{cmd}")).unwrap_or_default();
    let field = |name: &str| {
        line.split(',')
            .find_map(|f| f.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("calls"), field("failed_calls"))
}

/// A command that blocks is one call however it ends (served, timed out,
/// failed because its consumer group went away), however often writes to
/// its keys woke it meanwhile: Redis counts it when it first runs.
fn blocked_calls_counted_once(s: &ServerProc) {
    let mut admin = s.connect();
    let mut a = s.connect();
    expect(&mut admin, &["CONFIG", "RESETSTAT"], b"+OK\r\n");
    park(&mut a, &mut admin, &["BLPOP", "l", "0"], 1);
    assert_eq!(cmdstat(&mut admin, "blpop"), (1, 0));
    expect(&mut admin, &["RPUSH", "l", "x"], &int(1));
    expect_reply(&mut a, &kv("l", "x"));
    // Woken by a write of the wrong type first: still one call.
    park(&mut a, &mut admin, &["BLPOP", "l", "0"], 1);
    expect(&mut admin, &["SET", "l", "s"], b"+OK\r\n");
    expect(&mut admin, &["DEL", "l"], &int(1));
    expect(&mut admin, &["RPUSH", "l", "y"], &int(1));
    expect_reply(&mut a, &kv("l", "y"));
    a.send(&["BLPOP", "l", "0.05"]);
    expect_reply(&mut a, NIL_ARRAY);
    assert_eq!(cmdstat(&mut admin, "blpop"), (3, 0));

    expect(
        &mut admin,
        &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
        b"+OK\r\n",
    );
    let group_read = [
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "s",
        ">",
    ];
    park(&mut a, &mut admin, &group_read, 1);
    expect(&mut admin, &["XGROUP", "DESTROY", "s", "g"], &int(1));
    expect_reply(
        &mut a,
        b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n",
    );
    assert_eq!(cmdstat(&mut admin, "xreadgroup"), (1, 1));
}
on_both!(
    blocked_calls_counted_once,
    blocked_calls_counted_once_ember,
    blocked_calls_counted_once_redis
);

/// A transaction that pushes to a waited-on key, gives it a short TTL and
/// then sleeps past it: the waiter must see the key as expired and stay
/// parked, not be served the element.
fn expired_before_the_waiter_runs(s: &ServerProc) {
    let mut admin = s.connect();
    let mut a = s.connect();
    // Only the waiter's own lookup may find the key expired.
    expect(&mut admin, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"], b"+OK\r\n");
    park(&mut a, &mut admin, &["BRPOP", "k", "0"], 1);
    expect(&mut admin, &["MULTI"], b"+OK\r\n");
    expect(&mut admin, &["RPUSH", "k", "hello"], b"+QUEUED\r\n");
    expect(&mut admin, &["PEXPIRE", "k", "100"], b"+QUEUED\r\n");
    expect(&mut admin, &["DEBUG", "SLEEP", "0.2"], b"+QUEUED\r\n");
    expect(&mut admin, &["EXEC"], b"*3\r\n:1\r\n:1\r\n+OK\r\n");
    expect_silence(&mut a, 100);
    assert_eq!(blocked_clients(&mut admin), 1);
    expect(&mut admin, &["EXISTS", "k"], &int(0));
    expect(&mut admin, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"], b"+OK\r\n");
}
on_both!(
    expired_before_the_waiter_runs,
    expired_before_the_waiter_runs_ember,
    expired_before_the_waiter_runs_redis
);
