//! Scripting end to end: BUSY / SCRIPT KILL / FUNCTION KILL / SHUTDOWN
//! NOSAVE over sockets, function libraries through RDB files both ways
//! with a real redis-server, and the scripts real client code runs
//! (redis-rs `Script::invoke`, a redlock release, a sliding-window rate
//! limiter, a BullMQ-style job script using cmsgpack).

mod common;

use common::{RawConn, start_ember, start_redis, temp_dir};
use std::time::{Duration, Instant};

fn client(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .and_then(|c| c.get_connection())
        .expect("connect")
}

const BUSY: &[u8] =
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";

/// Sends PING until the server answers BUSY (the script passed the
/// threshold), within a generous deadline.
fn wait_busy(c: &mut RawConn) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = c.cmd(&["PING"]);
        if r == BUSY {
            return;
        }
        assert_eq!(r, b"+PONG\r\n");
        assert!(Instant::now() < deadline, "the script never became busy");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn busy_script_is_killed_and_the_server_keeps_serving() {
    let srv = start_ember(&["--busy-reply-threshold", "100"]);
    let mut a = srv.connect();
    let mut b = srv.connect();
    a.send(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"]);
    wait_busy(&mut b);
    // Writes are refused too, and so is a plain SHUTDOWN.
    assert_eq!(b.cmd(&["SET", "k", "v"]), BUSY);
    assert_eq!(b.cmd(&["SHUTDOWN"]), BUSY);
    // A connection opened while the script runs is accepted and answered.
    let mut c = srv.connect();
    assert_eq!(c.cmd(&["GET", "k"]), BUSY);
    assert_eq!(c.cmd(&["FUNCTION", "KILL"]), BUSY);
    assert_eq!(c.cmd(&["SCRIPT", "KILL"]), b"+OK\r\n");
    let r = a.read_reply().expect("the script's caller gets a reply");
    assert_eq!(
        r,
        b"-ERR Script killed by user with SCRIPT KILL... script: 3fcf51a9b854b8f66cb8685600b0d7df968f4398, on @user_script:1.\r\n"
    );
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(c.cmd(&["SET", "k", "v"]), b"+OK\r\n");
    assert_eq!(a.cmd(&["GET", "k"]), b"$1\r\nv\r\n");
    assert_eq!(
        a.cmd(&["SCRIPT", "KILL"]),
        b"-NOTBUSY No scripts in execution right now.\r\n"
    );
    // pcall cannot catch the kill.
    a.send(&[
        "EVAL",
        "while true do pcall(function() while true do end end) end",
        "0",
    ]);
    wait_busy(&mut b);
    assert_eq!(b.cmd(&["SCRIPT", "KILL"]), b"+OK\r\n");
    let r = a.read_reply().unwrap();
    assert!(r.starts_with(b"-ERR Script killed by user with SCRIPT KILL..."));
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn busy_function_is_killed_with_function_kill() {
    let srv = start_ember(&["--busy-reply-threshold", "100"]);
    let mut a = srv.connect();
    let mut b = srv.connect();
    let lib = "#!lua name=spin\nredis.register_function('spin', function() while true do end end)";
    assert_eq!(a.cmd(&["FUNCTION", "LOAD", lib]), b"$4\r\nspin\r\n");
    a.send(&["FCALL", "spin", "0"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = b.cmd(&["PING"]);
        if r.starts_with(b"-BUSY") {
            assert_eq!(
                r,
                b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the function never became busy");
        std::thread::sleep(Duration::from_millis(20));
    }
    let stats = b.cmd(&["FUNCTION", "STATS"]);
    assert!(
        stats.windows(4).any(|w| w == b"spin"),
        "FUNCTION STATS names the running function: {}",
        String::from_utf8_lossy(&stats)
    );
    assert_eq!(
        b.cmd(&["SCRIPT", "KILL"]),
        b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
    );
    assert_eq!(b.cmd(&["FUNCTION", "KILL"]), b"+OK\r\n");
    let r = a.read_reply().unwrap();
    assert!(
        r.starts_with(b"-ERR Script killed by user with SCRIPT KILL..."),
        "{}",
        String::from_utf8_lossy(&r)
    );
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn a_script_that_wrote_is_unkillable_but_shutdown_nosave_works() {
    let mut srv = start_ember(&["--busy-reply-threshold", "100"]);
    let mut a = srv.connect();
    let mut b = srv.connect();
    a.send(&["EVAL", "redis.call('set','x','y') while true do end", "0"]);
    wait_busy(&mut b);
    let r = b.cmd(&["SCRIPT", "KILL"]);
    assert!(r.starts_with(b"-UNKILLABLE Sorry the script already executed write commands"));
    b.send(&["SHUTDOWN", "NOSAVE"]);
    assert!(
        srv.wait_exit(Duration::from_secs(20)).is_some(),
        "SHUTDOWN NOSAVE stops a busy server"
    );
}

#[test]
fn functions_survive_rdb_files_both_ways() {
    require_redis!();
    // ember writes, redis reads.
    let dir = temp_dir("ember-fn-rdb");
    let d = dir.to_string_lossy().into_owned();
    let ember = start_ember(&["--dir", &d, "--dbfilename", "fn.rdb"]);
    let mut e = ember.connect();
    let lib = "#!lua name=elib\nredis.register_function{function_name='twice', callback=function(k, a) return a[1] .. a[1] end, flags={'no-writes'}, description='doubles'}";
    assert_eq!(e.cmd(&["FUNCTION", "LOAD", lib]), b"$4\r\nelib\r\n");
    assert_eq!(e.cmd(&["SET", "k", "v"]), b"+OK\r\n");
    assert_eq!(e.cmd(&["SAVE"]), b"+OK\r\n");
    drop(ember);
    let redis = start_redis(&["--dir", &d, "--dbfilename", "fn.rdb"]).unwrap();
    let mut r = redis.connect();
    assert_eq!(r.cmd(&["FCALL_RO", "twice", "0", "ab"]), b"$4\r\nabab\r\n");
    assert_eq!(r.cmd(&["GET", "k"]), b"$1\r\nv\r\n");
    // redis writes, ember reads.
    let lib2 = "#!lua name=rlib\nredis.register_function('incrby2', function(k) return redis.call('incrby', k[1], 2) end)";
    assert_eq!(r.cmd(&["FUNCTION", "LOAD", lib2]), b"$4\r\nrlib\r\n");
    assert_eq!(r.cmd(&["SAVE"]), b"+OK\r\n");
    drop(redis);
    let ember = start_ember(&["--dir", &d, "--dbfilename", "fn.rdb"]);
    let mut e = ember.connect();
    assert_eq!(e.cmd(&["FCALL", "incrby2", "1", "n"]), b":2\r\n");
    assert_eq!(e.cmd(&["FCALL_RO", "twice", "0", "x"]), b"$2\r\nxx\r\n");
    let list = e.cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "elib"]);
    assert!(list.windows(7).any(|w| w == b"doubles"));
    drop(ember);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_rs_script_invoke_loads_on_noscript() {
    let srv = start_ember(&[]);
    let mut con = client(srv.port);
    let script = redis::Script::new("return redis.call('incrby', KEYS[1], ARGV[1])");
    // The first invoke gets NOSCRIPT from EVALSHA, loads, and retries.
    let v: i64 = script.key("counter").arg(5).invoke(&mut con).unwrap();
    assert_eq!(v, 5);
    let v: i64 = script.key("counter").arg(5).invoke(&mut con).unwrap();
    assert_eq!(v, 10);
    let exists: Vec<bool> = redis::cmd("SCRIPT")
        .arg("EXISTS")
        .arg(script.get_hash())
        .query(&mut con)
        .unwrap();
    assert_eq!(exists, vec![true]);
}

#[test]
fn redlock_release_deletes_only_its_own_lock() {
    let srv = start_ember(&[]);
    let mut con = client(srv.port);
    let release = redis::Script::new(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
    );
    let ok: Option<String> = redis::cmd("SET")
        .arg("lock")
        .arg("token-1")
        .arg("NX")
        .arg("PX")
        .arg(30000)
        .query(&mut con)
        .unwrap();
    assert_eq!(ok.as_deref(), Some("OK"));
    let again: Option<String> = redis::cmd("SET")
        .arg("lock")
        .arg("token-2")
        .arg("NX")
        .arg("PX")
        .arg(30000)
        .query(&mut con)
        .unwrap();
    assert_eq!(again, None);
    let n: i64 = release.key("lock").arg("token-2").invoke(&mut con).unwrap();
    assert_eq!(n, 0, "another owner's token does not release the lock");
    let n: i64 = release.key("lock").arg("token-1").invoke(&mut con).unwrap();
    assert_eq!(n, 1);
    let exists: i64 = redis::cmd("EXISTS").arg("lock").query(&mut con).unwrap();
    assert_eq!(exists, 0);
}

#[test]
fn sliding_window_rate_limiter() {
    let srv = start_ember(&[]);
    let mut con = client(srv.port);
    // Allows `limit` calls per `window` ms: a sorted set of call times.
    let limiter = redis::Script::new(
        r#"
        local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        redis.call('zremrangebyscore', key, '-inf', now - window)
        local used = redis.call('zcard', key)
        if used < limit then
            redis.call('zadd', key, now, ARGV[4])
            redis.call('pexpire', key, window)
            return {1, limit - used - 1}
        end
        return {0, 0}
        "#,
    );
    let mut allowed = 0;
    for i in 0..8 {
        let r: (i64, i64) = limiter
            .key("rl:user1")
            .arg(1000 + i)
            .arg(100)
            .arg(5)
            .arg(format!("req-{i}"))
            .invoke(&mut con)
            .unwrap();
        allowed += r.0;
    }
    assert_eq!(allowed, 5, "five calls fit in the window");
    // Later, the window slid past the first calls.
    let r: (i64, i64) = limiter
        .key("rl:user1")
        .arg(1200)
        .arg(100)
        .arg(5)
        .arg("late")
        .invoke(&mut con)
        .unwrap();
    assert_eq!(r, (1, 4));
    let ttl: i64 = redis::cmd("PTTL").arg("rl:user1").query(&mut con).unwrap();
    assert!(ttl > 0 && ttl <= 100);
}

#[test]
fn bullmq_style_job_script_with_cmsgpack() {
    let srv = start_ember(&[]);
    let mut con = client(srv.port);
    // Like BullMQ's addJob: options arrive msgpack-packed, the job goes into
    // a hash and its id onto the wait list; the result is msgpack too.
    let add_job = redis::Script::new(
        r#"
        local opts = cmsgpack.unpack(ARGV[2])
        local id = redis.call('incr', KEYS[1] .. ':id')
        local jobKey = KEYS[1] .. ':' .. id
        redis.call('hset', jobKey, 'name', opts.name, 'data', ARGV[1], 'attempts', opts.attempts,
            'timestamp', opts.timestamp)
        if opts.lifo then
            redis.call('rpush', KEYS[1] .. ':wait', id)
        else
            redis.call('lpush', KEYS[1] .. ':wait', id)
        end
        return cmsgpack.pack({id = id, key = jobKey, queued = redis.call('llen', KEYS[1] .. ':wait')})
        "#,
    );
    // {name="email", attempts=3, timestamp=1700000000000, lifo=false}
    let mut opts = vec![0x84];
    opts.extend_from_slice(b"\xa4name\xa5email");
    opts.extend_from_slice(b"\xa8attempts\x03");
    opts.extend_from_slice(b"\xa9timestamp\xcf");
    opts.extend_from_slice(&1_700_000_000_000u64.to_be_bytes());
    opts.extend_from_slice(b"\xa4lifo\xc2");
    for expected_id in 1..=2u8 {
        let packed: Vec<u8> = add_job
            .key("bull:mail")
            .arg("{\"to\":\"a@b.c\"}")
            .arg(opts.as_slice())
            .invoke(&mut con)
            .unwrap();
        assert_eq!(packed[0], 0x83, "a map of three entries");
        let has = |needle: &[u8]| packed.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"\xa2id"));
        assert!(has(&[0xa2, b'i', b'd', expected_id]));
        assert!(has(format!("bull:mail:{expected_id}").as_bytes()));
    }
    let name: String = redis::cmd("HGET")
        .arg("bull:mail:2")
        .arg("name")
        .query(&mut con)
        .unwrap();
    assert_eq!(name, "email");
    let ts: String = redis::cmd("HGET")
        .arg("bull:mail:1")
        .arg("timestamp")
        .query(&mut con)
        .unwrap();
    assert_eq!(ts, "1700000000000");
    let wait: Vec<String> = redis::cmd("LRANGE")
        .arg("bull:mail:wait")
        .arg(0)
        .arg(-1)
        .query(&mut con)
        .unwrap();
    assert_eq!(wait, vec!["2", "1"]);
}
