//! End-to-end tests over real sockets: a real client library (the `redis`
//! crate) over TCP and the Unix socket, signals, limits, and a stream of
//! random and truncated RESP that must never take the server down.

mod common;

use common::*;
use redis::Commands;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn client_tcp(s: &ServerProc) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{}/", s.port))
        .and_then(|c| c.get_connection())
        .expect("connect over TCP")
}

#[test]
fn redis_crate_over_tcp() {
    let s = start_ember(&[]);
    let mut con = client_tcp(&s);
    let _: () = con.set("greeting", "hello").unwrap();
    let v: String = con.get("greeting").unwrap();
    assert_eq!(v, "hello");
    let n: i64 = con.incr("counter", 5).unwrap();
    assert_eq!(n, 5);
    let missing: Option<String> = con.get("nope").unwrap();
    assert_eq!(missing, None);
    // A pipeline of 1000 commands in one write.
    let mut p = redis::pipe();
    for i in 0..1000 {
        p.set(format!("k{i}"), i).ignore();
    }
    p.get("k999");
    let (last,): (i64,) = p.query(&mut con).unwrap();
    assert_eq!(last, 999);
    let size: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(size, 1002);
    // Errors come back as errors and the connection stays usable.
    let err = redis::cmd("NOSUCHCOMMAND")
        .query::<()>(&mut con)
        .unwrap_err();
    assert!(err.to_string().contains("unknown command"), "{err}");
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn redis_crate_over_unix_socket() {
    let s = start_ember(&[]);
    let path = s.unix.clone().expect("unix socket");
    let mut con = redis::Client::open(format!("redis+unix://{}", path.display()))
        .and_then(|c| c.get_connection())
        .expect("connect over unix socket");
    let _: () = con.set("u", "over unix").unwrap();
    let v: String = con.get("u").unwrap();
    assert_eq!(v, "over unix");
    // The same keyspace is visible over TCP.
    let mut tcp = client_tcp(&s);
    let v: String = tcp.get("u").unwrap();
    assert_eq!(v, "over unix");
}

#[test]
fn sigterm_exits_cleanly() {
    let mut s = start_ember(&[]);
    let sock = s.unix.clone().expect("unix socket");
    let mut c = s.connect();
    assert_eq!(c.cmd(&["SET", "a", "b"]), b"+OK\r\n");
    // SAFETY: plain kill(2) on the child's pid, which we own and which has
    // not been waited for yet.
    let rc = unsafe { libc::kill(s.pid() as i32, libc::SIGTERM) };
    assert_eq!(rc, 0);
    let status = s
        .wait_exit(Duration::from_secs(5))
        .expect("exited after SIGTERM");
    assert_eq!(status.code(), Some(0), "log:\n{}", s.log());
    assert!(!sock.exists(), "unix socket file removed on shutdown");
    assert!(s.log().contains("ready to exit"), "log:\n{}", s.log());
}

#[test]
fn large_values_pipelined() {
    let s = start_ember(&[]);
    let mut c = s.connect();
    let big: Vec<u8> = (0..(1 << 20)).map(|i| (i % 251) as u8).collect();
    for i in 0..20 {
        c.send(&[&b"SET"[..], format!("big{i}").as_bytes(), &big]);
    }
    for _ in 0..20 {
        assert_eq!(c.read_reply().unwrap(), b"+OK\r\n");
    }
    let reply = c.cmd(&[&b"GET"[..], b"big7"]);
    let mut expect = format!("${}\r\n", big.len()).into_bytes();
    expect.extend_from_slice(&big);
    expect.extend_from_slice(b"\r\n");
    assert!(reply == expect, "GET big7 returned {} bytes", reply.len());
}

#[test]
fn command_sent_one_byte_at_a_time() {
    let s = start_ember(&[]);
    let mut t = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    t.set_nodelay(true).unwrap();
    for b in b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" {
        t.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_micros(200));
    }
    t.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    let want = b"+OK\r\n$5\r\nhello\r\n";
    let mut buf = [0u8; 64];
    while got.len() < want.len() {
        let n = t.read(&mut buf).unwrap();
        assert!(n > 0, "server closed");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, want);
}

#[test]
fn protocol_error_replies_then_closes() {
    let s = start_ember(&[]);
    let mut c = s.connect();
    c.send_raw(b"*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n");
    assert_eq!(c.read_reply().unwrap(), b"+PONG\r\n");
    assert_eq!(
        c.read_reply().unwrap(),
        b"-ERR Protocol error: invalid multibulk length\r\n"
    );
    c.expect_close(Duration::from_secs(5)).unwrap();
    // Other clients are unaffected.
    assert_eq!(s.connect().cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn maxclients_refuses_extra_connections() {
    let s = start_ember(&["--maxclients", "2"]);
    // The start-up readiness probes may still hold slots for a moment.
    let served = || {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut c = s.connect();
            if c.cmd(&["PING"]) == b"+PONG\r\n" {
                return c;
            }
            assert!(Instant::now() < deadline, "never served");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let a = served();
    let _b = served();
    let mut c = s.connect();
    c.send_raw(b"PING\r\n");
    assert_eq!(
        c.read_reply().unwrap(),
        b"-ERR max number of clients reached\r\n"
    );
    c.expect_close(Duration::from_secs(5)).unwrap();
    drop(a);
    drop(c);
    // Once a slot frees up, a new client is served.
    served();
}

#[test]
fn query_buffer_limit_closes_client() {
    let s = start_ember(&["--client-query-buffer-limit", "1mb"]);
    let mut c = s.connect();
    // A 4 MB bulk is within proto-max-bulk-len but over the query buffer limit.
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n");
    let chunk = vec![b'x'; 64 * 1024];
    let mut closed = false;
    for _ in 0..64 {
        if c.try_send_raw(&chunk).is_err() {
            closed = true;
            break;
        }
    }
    if !closed {
        closed = c.expect_close(Duration::from_secs(5)).is_ok();
    }
    assert!(
        closed,
        "client over client-query-buffer-limit must be closed"
    );
    assert_eq!(s.connect().cmd(&["EXISTS", "k"]), b":0\r\n");
}

#[test]
fn idle_clients_time_out() {
    let s = start_ember(&["--timeout", "1"]);
    let mut c = s.connect();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    c.expect_close(Duration::from_secs(5)).unwrap();
}

use common::rng::Rng;

fn random_frame(r: &mut Rng) -> Vec<u8> {
    let cmds: &[&[&str]] = &[
        &["SET", "k", "v"],
        &["GET", "k"],
        &["INCR", "n"],
        &["SETRANGE", "k", "5", "x"],
        &["EXPIRE", "k", "100"],
        &["DEL", "k", "n"],
        &["PING"],
    ];
    let pick = cmds[r.below(cmds.len() as u64) as usize];
    let valid = encode_command(pick);
    match r.below(6) {
        // Truncated valid command.
        0 => valid[..r.below(valid.len() as u64) as usize].to_vec(),
        // One byte flipped.
        1 => {
            let mut v = valid.clone();
            let i = r.below(v.len() as u64) as usize;
            v[i] ^= 1 << r.below(8);
            v
        }
        // Random bytes drawn from protocol-ish characters.
        2 => {
            let alphabet = b"*$:+-\r\n0123456789abc \"'\\x\x00\xff";
            (0..r.below(64))
                .map(|_| alphabet[r.below(alphabet.len() as u64) as usize])
                .collect()
        }
        // Huge or negative lengths.
        3 => {
            let n = [
                "-1",
                "-9223372036854775808",
                "9223372036854775807",
                "99999999999",
                "2147483648",
                "1048577",
                "",
            ][r.below(7) as usize];
            if r.below(2) == 0 {
                format!("*{n}\r\n").into_bytes()
            } else {
                format!("*1\r\n${n}\r\n").into_bytes()
            }
        }
        // Fully random bytes.
        4 => (0..r.below(128)).map(|_| r.next() as u8).collect(),
        _ => valid,
    }
}

#[test]
fn random_and_truncated_input_never_kills_the_server() {
    let mut s = start_ember(&[]);
    let mut r = Rng(0x1234_4321_abcd_dcb1);
    for round in 0..300 {
        let mut t = match TcpStream::connect(("127.0.0.1", s.port)) {
            Ok(t) => t,
            Err(e) => panic!("round {round}: connect failed: {e}\n{}", s.log()),
        };
        for _ in 0..r.below(8) + 1 {
            let frame = random_frame(&mut r);
            if t.write_all(&frame).is_err() {
                break;
            }
        }
        // Half the time, close abruptly without reading.
        if r.below(2) == 0 {
            t.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
            let mut sink = [0u8; 4096];
            let _ = t.read(&mut sink);
        }
        drop(t);
        assert!(s.is_running(), "server died at round {round}:\n{}", s.log());
    }
    let mut c = s.connect();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    assert!(s.is_running());
}

/// Connects to `port` on 127.0.0.1 from the source address 127.0.0.2, which
/// Redis 7 does not count as local.
fn connect_from_127_0_0_2(port: u16) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(
        &"127.0.0.2:0"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into(),
    )
    .unwrap();
    s.connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    let t: TcpStream = s.into();
    t.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    t
}

fn read_all(mut t: TcpStream) -> String {
    let mut out = Vec::new();
    let _ = t.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn protected_mode_denies_non_local_clients() {
    let s = start_ember(&[]);
    let mut t = connect_from_127_0_0_2(s.port);
    let _ = t.write_all(b"PING\r\n");
    let reply = read_all(t);
    assert!(
        reply.starts_with("-DENIED Redis is running in protected mode"),
        "{reply:?}"
    );
    // Loopback and the Unix socket are still served.
    assert_eq!(s.connect().cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(s.connect_unix().cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn protected_mode_serves_non_local_clients_after_auth() {
    let s = start_ember(&["--requirepass", "secret"]);
    let mut t = connect_from_127_0_0_2(s.port);
    t.write_all(b"PING\r\nAUTH secret\r\nPING\r\n").unwrap();
    let mut got = Vec::new();
    let want = b"-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n";
    let mut buf = [0u8; 256];
    while got.len() < want.len() {
        let n = t.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(want));
}

/// The switches of the PROTECTED commands (`enable-module-command local`,
/// `enable-debug-command no`): checked right after the arity, before
/// authentication and before MULTI queuing; `local` lets loopback clients
/// through, where MODULE LOAD fails as for a file that cannot be loaded.
/// Returns (local transcript, 127.0.0.2 transcript).
fn protected_switches(s: &ServerProc) -> (String, String) {
    const LOCAL: &[u8] = b"AUTH secret\r\n\
        MODULE LOAD /nonexistent/module.so\r\n\
        MODULE LOADEX /nonexistent/module.so CONFIG a b ARGS c\r\n\
        MODULE UNLOAD nosuch\r\n\
        MODULE LIST\r\n\
        MULTI\r\nDEBUG SLEEP 0\r\nPING\r\nEXEC\r\nQUIT\r\n";
    const REMOTE: &[u8] = b"MODULE LOAD /nonexistent/module.so\r\n\
        MODULE UNLOAD nosuch\r\nDEBUG SLEEP 0\r\nMODULE LIST\r\nAUTH secret\r\n\
        MULTI\r\nMODULE LOAD x\r\nEXEC\r\nQUIT\r\n";
    let mut local = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    local
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    local.write_all(LOCAL).unwrap();
    let mut remote = connect_from_127_0_0_2(s.port);
    remote.write_all(REMOTE).unwrap();
    (read_all(local), read_all(remote))
}

const PROTECTED_ARGS: &[&str] = &[
    "--enable-module-command",
    "local",
    "--enable-debug-command",
    "no",
    "--requirepass",
    "secret",
];
const MODULE_DENIED: &str = "-ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";
const DEBUG_DENIED: &str = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";

fn check_protected_switches(s: &ServerProc) {
    let (local, remote) = protected_switches(s);
    let failed = "-ERR Error loading the extension. Please check the server logs.\r\n";
    let want_local = format!(
        "+OK\r\n{failed}{failed}-ERR Error unloading module: no such module with that name\r\n\
         *0\r\n+OK\r\n{DEBUG_DENIED}+QUEUED\r\n\
         -EXECABORT Transaction discarded because of previous errors.\r\n+OK\r\n"
    );
    assert_eq!(local, want_local);
    let want_remote = format!(
        "{MODULE_DENIED}{MODULE_DENIED}{DEBUG_DENIED}-NOAUTH Authentication required.\r\n\
         +OK\r\n+OK\r\n{MODULE_DENIED}\
         -EXECABORT Transaction discarded because of previous errors.\r\n+OK\r\n"
    );
    assert_eq!(remote, want_remote);
}

#[test]
fn protected_commands_switches_ember() {
    let mut args = vec!["--protected-mode", "no"];
    args.extend_from_slice(PROTECTED_ARGS);
    check_protected_switches(&start_ember(&args));
}

#[test]
fn protected_commands_switches_redis() {
    if !redis_or_skip("protected_commands_switches_redis") {
        return;
    }
    let mut args = vec!["--protected-mode", "no"];
    args.extend_from_slice(PROTECTED_ARGS);
    check_protected_switches(&start_redis(&args).expect("redis-server is on PATH"));
}

#[test]
fn watch_is_invalidated_by_another_connection() {
    let s = start_ember(&[]);
    let mut a = s.connect();
    let mut b = s.connect();
    assert_eq!(a.cmd(&["SET", "balance", "10"]), b"+OK\r\n");
    assert_eq!(a.cmd(&["WATCH", "balance"]), b"+OK\r\n");
    assert_eq!(b.cmd(&["INCRBY", "balance", "5"]), b":15\r\n");
    assert_eq!(a.cmd(&["MULTI"]), b"+OK\r\n");
    assert_eq!(a.cmd(&["DECRBY", "balance", "10"]), b"+QUEUED\r\n");
    assert_eq!(a.cmd(&["EXEC"]), b"*-1\r\n");
    assert_eq!(a.cmd(&["GET", "balance"]), b"$2\r\n15\r\n");
    // Untouched watch: the transaction runs, and its commands are not
    // interleaved with the other connection's pipeline.
    assert_eq!(a.cmd(&["WATCH", "balance"]), b"+OK\r\n");
    assert_eq!(a.cmd(&["MULTI"]), b"+OK\r\n");
    for _ in 0..100 {
        assert_eq!(a.cmd(&["INCR", "balance"]), b"+QUEUED\r\n");
    }
    a.send(&["EXEC"]);
    let reply = a.read_reply().unwrap();
    assert!(reply.starts_with(b"*100\r\n:16\r\n"), "{}", escape(&reply));
    assert_eq!(b.cmd(&["GET", "balance"]), b"$3\r\n115\r\n");
    // A client that disconnects while watching leaves nothing behind.
    let mut c = s.connect();
    assert_eq!(c.cmd(&["WATCH", "balance"]), b"+OK\r\n");
    drop(c);
    assert_eq!(b.cmd(&["SET", "balance", "0"]), b"+OK\r\n");
}

#[test]
fn pubsub_fans_out_across_connections() {
    let s = start_ember(&[]);
    let mut subs: Vec<RawConn> = (0..20).map(|_| s.connect()).collect();
    for (i, c) in subs.iter_mut().enumerate() {
        if i % 2 == 0 {
            assert_eq!(
                c.cmd(&["SUBSCRIBE", "news"]),
                b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
            );
        } else {
            assert_eq!(
                c.cmd(&["PSUBSCRIBE", "n*"]),
                b"*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n"
            );
        }
    }
    let mut publisher = s.connect();
    for n in 0..50 {
        let msg = format!("m{n}");
        assert_eq!(publisher.cmd(&["PUBLISH", "news", &msg]), b":20\r\n");
    }
    for (i, c) in subs.iter_mut().enumerate() {
        for n in 0..50 {
            let got = c.read_reply().unwrap();
            let want = if i % 2 == 0 {
                format!(
                    "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n${}\r\nm{n}\r\n",
                    format!("m{n}").len()
                )
            } else {
                format!(
                    "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n${}\r\nm{n}\r\n",
                    format!("m{n}").len()
                )
            };
            assert_eq!(
                escape(&got),
                escape(want.as_bytes()),
                "subscriber {i} message {n}"
            );
        }
    }
    assert_eq!(
        publisher.cmd(&["PUBSUB", "NUMSUB", "news"]),
        b"*2\r\n$4\r\nnews\r\n:10\r\n"
    );
    // Disconnected subscribers leave the registries.
    subs.clear();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let n = publisher.cmd(&["PUBLISH", "news", "x"]);
        if n == b":0\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "subscribers never went away");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn slow_subscriber_is_cut_off_at_the_output_limit() {
    let s = start_ember(&["--client-output-buffer-limit", "pubsub 1mb 512kb 60"]);
    // A subscriber that never reads.
    let mut slow = s.connect();
    assert_eq!(
        slow.cmd(&["SUBSCRIBE", "firehose"]),
        b"*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n"
    );
    let mut publisher = s.connect();
    let payload = vec![b'p'; 64 * 1024];
    let mut delivered_after_cut = false;
    for _ in 0..400 {
        let r = publisher.cmd(&[&b"PUBLISH"[..], b"firehose", &payload]);
        if r == b":0\r\n" {
            delivered_after_cut = true;
            break;
        }
        assert_eq!(r, b":1\r\n");
    }
    assert!(
        delivered_after_cut,
        "the slow subscriber was never disconnected"
    );
    // Everyone else is still served.
    assert_eq!(publisher.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(s.connect().cmd(&["SET", "k", "v"]), b"+OK\r\n");
    assert!(
        s.log().contains("overcoming of output buffer limits"),
        "{}",
        s.log()
    );
}

/// Arguments that hit parsing edges: numbers at the limits, floats, option
/// keywords, patterns, binary junk.
const FUZZ_ARGS: &[&str] = &[
    "k",
    "k2",
    "h",
    "l",
    "s",
    "z",
    "0",
    "1",
    "-1",
    "2",
    "10",
    "-100",
    "100000000000",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1.5",
    "-0",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "1e400",
    "(1",
    "[a",
    "(a",
    "-",
    "+",
    "*",
    "?",
    "[",
    "\\",
    "",
    "NX",
    "XX",
    "GT",
    "LT",
    "CH",
    "INCR",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "KEEPTTL",
    "GET",
    "PERSIST",
    "COUNT",
    "MATCH",
    "TYPE",
    "LIMIT",
    "WITHSCORES",
    "WITHSCORE",
    "WITHVALUES",
    "BYSCORE",
    "BYLEX",
    "REV",
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "RANK",
    "MAXLEN",
    "LEN",
    "IDX",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "WEIGHTS",
    "AGGREGATE",
    "SUM",
    "MIN",
    "MAX",
    "REPLACE",
    "DB",
    "ASYNC",
    "SYNC",
    "ID",
    "ABSTTL",
    "IDLETIME",
    "FREQ",
    "\u{0}\u{ff}",
];

/// Commands that would end the test rather than test the server: they stop
/// it, block forever, cut the connection or change its settings.
const FUZZ_SKIP: &[&str] = &[
    "shutdown",
    "debug",
    "quit",
    "monitor",
    "config",
    "client",
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "blpop",
    "brpop",
    "blmove",
    "brpoplpush",
    "blmpop",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
    "save",
    "bgsave",
    "bgrewriteaof",
    "hello",
    "auth",
    "sync",
    "psync",
    "replicaof",
    "slaveof",
    "failover",
    "restore",
    "multi",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
];

#[test]
fn random_commands_never_panic() {
    let mut s = start_ember(&[]);
    let mut c = s.connect();
    let list = c.cmd(&["COMMAND", "LIST"]);
    let names: Vec<String> = split_aggregate(&list)
        .expect("COMMAND LIST array")
        .1
        .iter()
        .filter_map(|f| {
            let t = String::from_utf8_lossy(f).into_owned();
            let name = t.split("\r\n").nth(1)?.to_string();
            (!FUZZ_SKIP.contains(&name.as_str())).then_some(name)
        })
        .collect();
    assert!(names.len() > 50, "COMMAND LIST gave {} names", names.len());
    let mut r = Rng(0x1234_4321_abcd_dcb1);
    // Seed some values of each type so commands meet real data.
    for seed in [
        &["SET", "k", "12"][..],
        &["RPUSH", "l", "a", "b", "c"],
        &["HSET", "h", "f", "v"],
        &["SADD", "s", "1", "2"],
        &["ZADD", "z", "1", "a", "2", "b"],
    ] {
        c.cmd(seed);
    }
    for round in 0..20_000 {
        let name = &names[r.below(names.len() as u64) as usize];
        let mut args: Vec<&str> = vec![name];
        for _ in 0..r.below(9) {
            args.push(FUZZ_ARGS[r.below(FUZZ_ARGS.len() as u64) as usize]);
        }
        c.send(&args);
        if let Err(e) = c.read_reply() {
            panic!(
                "round {round}: {:?} got no reply ({e}); server running: {}\n{}",
                args,
                s.is_running(),
                s.log()
            );
        }
        if round % 500 == 0 {
            for seed in [
                &["SET", "k", "12"][..],
                &["RPUSH", "l", "a", "b"],
                &["ZADD", "z", "1", "a"],
            ] {
                c.cmd(seed);
            }
        }
    }
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    assert!(s.is_running());
}

#[test]
fn config_set_loglevel_takes_effect_at_once() {
    let mut s = start_ember(&[]);
    let mut c = s.connect();
    assert_eq!(c.cmd(&["CONFIG", "SET", "loglevel", "warning"]), b"+OK\r\n");
    // SHUTDOWN logs at warning level ("User requested shutdown...") and at
    // notice level (nothing here once the level is warning).
    assert_eq!(c.cmd(&["CONFIG", "SET", "loglevel", "nothing"]), b"+OK\r\n");
    c.send(&["SHUTDOWN", "NOSAVE"]);
    let _ = c.expect_close(Duration::from_secs(5));
    s.wait_exit(Duration::from_secs(5)).expect("exited");
    assert!(!s.log().contains("User requested shutdown"), "{}", s.log());
    assert!(
        s.log().contains("Ready to accept connections"),
        "{}",
        s.log()
    );
}

fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[test]
fn announced_huge_bulks_do_not_allocate_up_front() {
    let s = start_ember(&[]);
    // 20 clients each announce a ~512 MB value and send a few bytes of it.
    let mut conns: Vec<RawConn> = (0..20).map(|_| s.connect()).collect();
    for c in &mut conns {
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\n");
    }
    // The next read of each client happens with the huge bulk pending.
    std::thread::sleep(Duration::from_millis(100));
    for c in &mut conns {
        c.send_raw(b"some bytes of the value");
    }
    std::thread::sleep(Duration::from_millis(100));
    // Everyone else is still served, and memory stays small.
    assert_eq!(s.connect().cmd(&["PING"]), b"+PONG\r\n");
    let rss = rss_bytes(s.pid());
    assert!(
        rss < 200 << 20,
        "RSS {rss} bytes after 20 announced 512 MB bulks"
    );
}

/// Runs `CLIENTS` connections in lock step, `ROUNDS` request pairs each,
/// checking every reply, and returns the server's
/// `eventloop_coalesced_pauses` afterwards.
fn lock_step_load(s: &ServerProc, batch: usize) -> u64 {
    const CLIENTS: usize = 48;
    const ROUNDS: usize = 300;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let mut c = s.connect();
            std::thread::spawn(move || {
                let key = format!("k{batch}:{i}");
                for n in 1..=ROUNDS {
                    c.send(&["INCR", "total"]);
                    c.send(&["APPEND", key.as_str(), "x"]);
                    assert!(c.read_reply().unwrap().starts_with(b":"));
                    assert_eq!(c.read_reply().unwrap(), format!(":{n}\r\n").as_bytes());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut c = s.connect();
    let total = ((batch + 1) * CLIENTS * ROUNDS).to_string();
    assert_eq!(
        c.cmd(&["GET", "total"]),
        format!("${}\r\n{total}\r\n", total.len()).as_bytes()
    );
    let info = String::from_utf8(c.cmd(&["INFO", "stats"])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("eventloop_coalesced_pauses:"))
        .expect("INFO stats shows eventloop_coalesced_pauses")
        .trim()
        .parse()
        .unwrap()
}

/// Many clients at once in lock step make the event loop pause to batch
/// their requests (`event-loop-coalesce-us`): every request is still
/// answered, in order, and the pauses show in INFO. With the pause off the
/// same load never pauses.
#[test]
fn many_clients_are_served_while_the_loop_coalesces() {
    let s = start_ember(&["--event-loop-coalesce-us", "10"]);
    // Whether 32 clients land in one millisecond depends on the machine's
    // load (and a debug build's speed): repeat until it happens.
    let mut batch = 0;
    while lock_step_load(&s, batch) == 0 {
        batch += 1;
        assert!(
            batch < 20,
            "the loop never paused under 48 lock-step clients"
        );
    }
    let s = start_ember(&["--event-loop-coalesce-us", "0"]);
    for batch in 0..2 {
        assert_eq!(lock_step_load(&s, batch), 0);
    }
}

/// CLIENT LIST / KILL TYPE pubsub select subscribed clients (RESP2 and
/// RESP3 alike), TYPE normal the others.
fn client_type_pubsub(s: &ServerProc) {
    let mut admin = s.connect();
    let mut sub2 = s.connect();
    sub2.send(&["SUBSCRIBE", "ch"]);
    sub2.read_reply().unwrap();
    let mut sub3 = s.connect();
    sub3.cmd(&["HELLO", "3"]);
    sub3.send(&["PSUBSCRIBE", "p*"]);
    sub3.read_reply().unwrap();
    let list = String::from_utf8(admin.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"])).unwrap();
    assert_eq!(list.matches("cmd=").count(), 2, "{list}");
    let normal = String::from_utf8(admin.cmd(&["CLIENT", "LIST", "TYPE", "normal"])).unwrap();
    assert_eq!(normal.matches("cmd=").count(), 1, "{normal}");
    assert!(normal.contains("cmd=client|list"), "{normal}");
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]), b":2\r\n");
    assert_eq!(admin.cmd(&["PING"]), b"+PONG\r\n");
}

on_both!(
    client_type_pubsub,
    client_type_pubsub_ember,
    client_type_pubsub_redis
);

/// INFO stats counts event loop turns and their busy time, as Redis 7.2
/// does: each request a client waits for takes at least one turn.
#[test]
fn info_counts_event_loop_cycles() {
    let s = start_ember(&[]);
    let mut c = s.connect();
    let stats = |c: &mut RawConn| -> std::collections::HashMap<String, u64> {
        let info = String::from_utf8(c.cmd(&["INFO", "stats"])).unwrap();
        info.lines()
            .filter_map(|l| l.trim().split_once(':'))
            .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
            .collect()
    };
    let before = stats(&mut c)["eventloop_cycles"];
    for i in 0..50 {
        assert_eq!(c.cmd(&["SET", "k", &i.to_string()]), b"+OK\r\n");
    }
    let after = stats(&mut c);
    let cycles = after["eventloop_cycles"];
    assert!(
        cycles >= before + 50,
        "{before} -> {cycles} cycles for 50 requests"
    );
    // The turns' busy time covers the commands run in them (both counted
    // up to the turn before the INFO that reports them).
    assert!(after["eventloop_duration_sum"] >= after["eventloop_duration_cmd_sum"]);
}

/// An active expiry cycle that takes latency-monitor-threshold or more is
/// an "expire-cycle" latency event (a cycle over 200k due keys spends its
/// whole time budget, well over 1 ms).
#[test]
fn slow_expire_cycle_is_a_latency_event() {
    let s = start_ember(&[]);
    let mut c = s.connect();
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "1"]),
        b"+OK\r\n"
    );
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let fill = "for i = 1, 200000 do redis.call('set', 'k' .. i, 'v', 'px', 1) end";
    assert_eq!(c.cmd(&["EVAL", fill, "0"]), b"$-1\r\n");
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let latest = String::from_utf8_lossy(&c.cmd(&["LATENCY", "LATEST"])).into_owned();
        if latest.contains("expire-cycle") {
            break;
        }
        assert!(Instant::now() < deadline, "no expire-cycle event: {latest}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
