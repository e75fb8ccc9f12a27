//! CLIENT TRACKING across connections: invalidations reach the reading
//! client when another one writes, through a RESP2 REDIRECT as pub/sub
//! messages, as BCAST batches per event-loop turn, and report a broken
//! redirect. Each scenario runs on ember and, when installed, on a real
//! redis-server with the same expected bytes.

mod common;

use common::*;
use std::time::Duration;

fn expect(c: &mut RawConn, args: &[&str], want: &str) {
    let got = c.cmd(args);
    assert_eq!(escape(&got), escape(want.as_bytes()), "{args:?}");
}

/// Reads one more frame (a push, or the reply that follows one).
fn expect_push(c: &mut RawConn, want: &str) {
    let got = c.read_reply().unwrap_or_else(|e| panic!("no push: {e}"));
    assert_eq!(escape(&got), escape(want.as_bytes()));
}

/// Runs `args` and expects, first, an invalidation of one of `keys`.
fn expect_invalidation_of_one(c: &mut RawConn, args: &[&str], keys: [&str; 2]) {
    let got = c.cmd(args);
    assert!(
        keys.iter().any(|k| got == invalidate(&[k]).as_bytes()),
        "{}",
        escape(&got)
    );
}

fn invalidate(keys: &[&str]) -> String {
    let mut s = format!(">2\r\n$10\r\ninvalidate\r\n*{}\r\n", keys.len());
    for k in keys {
        s.push_str(&format!("${}\r\n{k}\r\n", k.len()));
    }
    s
}

fn other_client_writes(s: &ServerProc) {
    let (mut a, mut b) = (s.connect(), s.connect());
    a.cmd(&["HELLO", "3"]);
    expect(&mut a, &["CLIENT", "TRACKING", "on"], "+OK\r\n");
    expect(&mut a, &["GET", "k"], "_\r\n");
    expect(&mut b, &["SET", "k", "v"], "+OK\r\n");
    // The push is already queued when PING's reply comes.
    expect(&mut a, &["PING"], &invalidate(&["k"]));
    expect_push(&mut a, "+PONG\r\n");
    // Forgotten until read again: a second write sends nothing.
    expect(&mut b, &["SET", "k", "w"], "+OK\r\n");
    expect(&mut a, &["PING"], "+PONG\r\n");
    expect(&mut b, &["FLUSHALL"], "+OK\r\n");
    expect(&mut a, &["PING"], ">2\r\n$10\r\ninvalidate\r\n_\r\n");
    expect_push(&mut a, "+PONG\r\n");
}
on_both!(
    other_client_writes,
    other_client_writes_ember,
    other_client_writes_redis
);

fn resp2_redirect(s: &ServerProc) {
    let (mut sub, mut t, mut w) = (s.connect(), s.connect(), s.connect());
    let id = String::from_utf8_lossy(&sub.cmd(&["CLIENT", "ID"]))
        .trim()
        .trim_start_matches(':')
        .to_string();
    sub.cmd(&["SUBSCRIBE", "__redis__:invalidate"]);
    expect(
        &mut t,
        &["CLIENT", "TRACKING", "on", "REDIRECT", &id],
        "+OK\r\n",
    );
    expect(&mut t, &["CLIENT", "GETREDIR"], &format!(":{id}\r\n"));
    expect(&mut t, &["GET", "r"], "$-1\r\n");
    expect(&mut w, &["SET", "r", "1"], "+OK\r\n");
    expect_push(
        &mut sub,
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nr\r\n",
    );
    expect(&mut w, &["FLUSHDB"], "+OK\r\n");
    expect_push(
        &mut sub,
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n",
    );
    // The redirect target goes away: the tracking client is flagged.
    drop(sub);
    std::thread::sleep(Duration::from_millis(100));
    expect(&mut t, &["GET", "r"], "$-1\r\n");
    expect(&mut w, &["SET", "r", "2"], "+OK\r\n");
    let info = String::from_utf8_lossy(&t.cmd(&["CLIENT", "TRACKINGINFO"])).into_owned();
    assert!(info.contains("broken_redirect"), "{info}");
}
on_both!(resp2_redirect, resp2_redirect_ember, resp2_redirect_redis);

fn bcast_batches(s: &ServerProc) {
    let (mut a, mut b) = (s.connect(), s.connect());
    a.cmd(&["HELLO", "3"]);
    expect(
        &mut a,
        &[
            "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p:", "NOLOOP",
        ],
        "+OK\r\n",
    );
    // One pipelined batch from b: one message, keys in order, deduplicated.
    let mut batch = Vec::new();
    for k in ["p:2", "p:1", "z", "p:2"] {
        batch.extend(encode_command(&["SET", k, "x"]));
    }
    b.send_raw(&batch);
    for _ in 0..4 {
        b.read_reply().unwrap();
    }
    expect(&mut a, &["PING"], &invalidate(&["p:1", "p:2"]));
    expect_push(&mut a, "+PONG\r\n");
    // NOLOOP: a's own change under its prefix sends nothing to a.
    expect(&mut a, &["SET", "p:3", "x"], "+OK\r\n");
    expect(&mut a, &["PING"], "+PONG\r\n");
}
on_both!(bcast_batches, bcast_batches_ember, bcast_batches_redis);

/// BCAST with NOLOOP skips a key only when the client's own change was
/// the last one of the turn: the client sets a key with a 1 ms TTL in a
/// transaction that outlives it, and the expiry that follows in the same
/// turn is still announced.
fn bcast_noloop_still_sees_a_later_expiry(s: &ServerProc) {
    let mut a = s.connect();
    a.cmd(&["HELLO", "3"]);
    expect(
        &mut a,
        &[
            "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "mk", "NOLOOP",
        ],
        "+OK\r\n",
    );
    expect(&mut a, &["MULTI"], "+OK\r\n");
    expect(&mut a, &["SET", "mk", "v", "PX", "1"], "+QUEUED\r\n");
    expect(&mut a, &["DEBUG", "SLEEP", "0.1"], "+QUEUED\r\n");
    expect(&mut a, &["EXEC"], "*2\r\n+OK\r\n+OK\r\n");
    std::thread::sleep(Duration::from_millis(500));
    expect(&mut a, &["PING"], &invalidate(&["mk"]));
    expect_push(&mut a, "+PONG\r\n");
}
on_both!(
    bcast_noloop_still_sees_a_later_expiry,
    bcast_noloop_still_sees_a_later_expiry_ember,
    bcast_noloop_still_sees_a_later_expiry_redis
);

/// A script tracks its declared keys for a tracking caller only when it
/// runs a read-only command, EVAL_RO included; a script that only writes
/// or pings tracks nothing.
fn scripts_track_their_keys_when_they_read(s: &ServerProc) {
    let (mut r, mut w) = (s.connect(), s.connect());
    r.cmd(&["HELLO", "3"]);
    expect(&mut r, &["CLIENT", "TRACKING", "on"], "+OK\r\n");
    let runs = [
        ("EVAL", "redis.call('set','k3','bar')", false),
        ("EVAL", "redis.call('get','k3')", true),
        ("EVAL_RO", "redis.call('ping')", false),
        ("EVAL_RO", "redis.call('get','k1')", true),
    ];
    for (how, body, tracks) in runs {
        expect(&mut r, &[how, body, "2", "k1", "k2"], "_\r\n");
        expect(
            &mut w,
            &["MSET", "k2", "2", "k1", "2", "k3", "1"],
            "+OK\r\n",
        );
        if tracks {
            expect(&mut r, &["PING"], &invalidate(&["k2"]));
            expect_push(&mut r, &invalidate(&["k1"]));
            expect_push(&mut r, "+PONG\r\n");
        } else {
            expect(&mut r, &["PING"], "+PONG\r\n");
        }
    }
}
on_both!(
    scripts_track_their_keys_when_they_read,
    scripts_track_their_keys_when_they_read_ember,
    scripts_track_their_keys_when_they_read_redis
);

/// A key evicted by the memory gate before a command runs is announced
/// before that command's reply, to the command's own client too (it is not
/// executing yet, as Redis sees it).
fn eviction_before_a_command_is_announced_before_its_reply(s: &ServerProc) {
    let mut c = s.connect();
    c.cmd(&["HELLO", "3"]);
    expect(&mut c, &["CLIENT", "TRACKING", "on"], "+OK\r\n");
    let info = String::from_utf8_lossy(&c.cmd(&["INFO", "memory"])).into_owned();
    let field = |name: &str| -> u64 {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let limit = field("used_memory") - field("mem_not_counted_for_evict") + 100 * 1024;
    expect(
        &mut c,
        &["CONFIG", "SET", "maxmemory-policy", "volatile-random"],
        "+OK\r\n",
    );
    expect(&mut c, &["SETEX", "volatile-key", "10000", "x"], "+OK\r\n");
    expect(&mut c, &["GET", "volatile-key"], "$1\r\nx\r\n");
    expect(
        &mut c,
        &["CONFIG", "SET", "maxmemory", &limit.to_string()],
        "+OK\r\n",
    );
    // One write: both commands run in the same event-loop turn.
    let mut batch = encode_command(&["SETBIT", "big-key", "1600000", "0"]);
    batch.extend(encode_command(&["GETBIT", "big-key", "0"]));
    c.send_raw(&batch);
    expect_push(&mut c, ":0\r\n");
    expect_push(&mut c, &invalidate(&["volatile-key"]));
    expect_push(&mut c, ":0\r\n");
    expect(&mut c, &["CONFIG", "SET", "maxmemory", "0"], "+OK\r\n");
}
on_both!(
    eviction_before_a_command_is_announced_before_its_reply,
    eviction_before_a_command_is_announced_before_its_reply_ember,
    eviction_before_a_command_is_announced_before_its_reply_redis
);

/// Lowering tracking-table-max-keys on an idle server still trims the
/// table (from the cron), invalidating the keys it forgets.
fn lowered_table_limit_applies_while_idle(s: &ServerProc) {
    let (mut r, mut admin) = (s.connect(), s.connect());
    r.cmd(&["HELLO", "3"]);
    expect(&mut r, &["CLIENT", "TRACKING", "on"], "+OK\r\n");
    expect(&mut r, &["MSET", "key1", "1", "key2", "2"], "+OK\r\n");
    r.cmd(&["MGET", "key1", "key2"]);
    expect(
        &mut admin,
        &["CONFIG", "SET", "tracking-table-max-keys", "1"],
        "+OK\r\n",
    );
    std::thread::sleep(Duration::from_millis(500));
    expect_invalidation_of_one(&mut r, &["PING"], ["key1", "key2"]);
    expect_push(&mut r, "+PONG\r\n");
    expect(
        &mut admin,
        &["CONFIG", "SET", "tracking-table-max-keys", "0"],
        "+OK\r\n",
    );
}
on_both!(
    lowered_table_limit_applies_while_idle,
    lowered_table_limit_applies_while_idle_ember,
    lowered_table_limit_applies_while_idle_redis
);

/// The table limit is applied before each command: keys it forgets are
/// announced before the command's own reply, even a +QUEUED (the cron is
/// paused so only the command path can trim).
fn table_limit_applies_before_the_next_command(s: &ServerProc) {
    let (mut r, mut admin) = (s.connect(), s.connect());
    expect(&mut admin, &["DEBUG", "PAUSE-CRON", "1"], "+OK\r\n");
    expect(
        &mut admin,
        &["CONFIG", "SET", "tracking-table-max-keys", "2"],
        "+OK\r\n",
    );
    r.cmd(&["HELLO", "3"]);
    expect(&mut r, &["CLIENT", "TRACKING", "on"], "+OK\r\n");
    expect(&mut r, &["MGET", "1{t}", "2{t}"], "*2\r\n_\r\n_\r\n");
    expect(&mut r, &["MULTI"], "+OK\r\n");
    expect(
        &mut admin,
        &["CONFIG", "SET", "tracking-table-max-keys", "1"],
        "+OK\r\n",
    );
    expect_invalidation_of_one(&mut r, &["PING"], ["1{t}", "2{t}"]);
    expect_push(&mut r, "+QUEUED\r\n");
    expect(&mut r, &["EXEC"], "*1\r\n+PONG\r\n");
    expect(&mut admin, &["DEBUG", "PAUSE-CRON", "0"], "+OK\r\n");
    expect(
        &mut admin,
        &["CONFIG", "SET", "tracking-table-max-keys", "0"],
        "+OK\r\n",
    );
}
on_both!(
    table_limit_applies_before_the_next_command,
    table_limit_applies_before_the_next_command_ember,
    table_limit_applies_before_the_next_command_redis
);
