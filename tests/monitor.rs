//! MONITOR over real sockets: a monitoring client sees the commands other
//! clients run, in Redis's line format (`+<secs>.<usecs> [<db> <addr>]
//! "arg" ...`), its own commands too, and not ADMIN commands, rejected
//! commands or AUTH secrets. Each scenario runs against ember and, when
//! redis-server is installed, against a real redis-server too.

mod common;

use common::*;

/// Checks one monitor line: `+<secs>.<6 digits> [<db> 127.0.0.1:<port>] <args>\r\n`
/// with `args` exactly as given; returns the client address.
fn check_line(frame: &[u8], db: usize, args: &str) -> String {
    let text = String::from_utf8_lossy(frame).into_owned();
    let body = text
        .strip_prefix('+')
        .and_then(|t| t.strip_suffix("\r\n"))
        .unwrap_or_else(|| panic!("not a status line: {text:?}"));
    let (stamp, rest) = body.split_once(' ').expect("timestamp");
    let (secs, usecs) = stamp.split_once('.').expect("dot in timestamp");
    assert!(
        !secs.is_empty() && secs.bytes().all(|b| b.is_ascii_digit()),
        "{text:?}"
    );
    assert!(
        usecs.len() == 6 && usecs.bytes().all(|b| b.is_ascii_digit()),
        "{text:?}"
    );
    let rest = rest.strip_prefix('[').expect("[");
    let (who, cmd) = rest.split_once("] ").expect("]");
    let (got_db, addr) = who.split_once(' ').expect("db and addr");
    assert_eq!(got_db, db.to_string(), "{text:?}");
    let (ip, port) = addr.rsplit_once(':').expect("ip:port");
    assert_eq!(ip, "127.0.0.1", "{text:?}");
    assert!(port.parse::<u16>().is_ok(), "{text:?}");
    assert_eq!(cmd, args, "{text:?}");
    addr.to_string()
}

fn next_line(m: &mut RawConn) -> Vec<u8> {
    m.read_reply().expect("a monitor line")
}

fn scenario_monitor_format(s: &ServerProc) {
    let mut m = s.connect();
    let mut o = s.connect();
    assert_eq!(m.cmd(&["MONITOR"]), b"+OK\r\n");
    assert_eq!(
        o.cmd(&["SET", "k", "a\nb\r\t\x07\x08\x01\"\\ z"]),
        b"+OK\r\n"
    );
    let addr = check_line(
        &next_line(&mut m),
        0,
        r#""SET" "k" "a\nb\r\t\a\b\x01\"\\ z""#,
    );
    assert_eq!(o.cmd(&[&b"SET"[..], b"bin", b"\xff\xc3\xa9"]), b"+OK\r\n");
    check_line(&next_line(&mut m), 0, r#""SET" "bin" "\xff\xc3\xa9""#);
    assert_eq!(o.cmd(&["SELECT", "3"]), b"+OK\r\n");
    check_line(&next_line(&mut m), 3, r#""SELECT" "3""#);
    // Rejected commands and ADMIN commands are not shown; AUTH arguments
    // are redacted.
    o.cmd(&["GET"]);
    o.cmd(&["NOSUCHCOMMAND", "x"]);
    o.cmd(&["CONFIG", "GET", "maxclients"]);
    o.cmd(&["SLOWLOG", "LEN"]);
    o.cmd(&["AUTH", "secret"]);
    check_line(&next_line(&mut m), 3, r#""AUTH" "(redacted)""#);
    o.cmd(&["HELLO", "2", "AUTH", "default", "pw"]);
    check_line(
        &next_line(&mut m),
        3,
        r#""HELLO" "2" "AUTH" "(redacted)" "(redacted)""#,
    );
    // MULTI/EXEC: the queued commands when EXEC runs them, then EXEC.
    o.cmd(&["MULTI"]);
    check_line(&next_line(&mut m), 3, r#""MULTI""#);
    o.cmd(&["INCR", "n"]);
    o.cmd(&["EXEC"]);
    check_line(&next_line(&mut m), 3, r#""INCR" "n""#);
    check_line(&next_line(&mut m), 3, r#""EXEC""#);
    // The monitor's own commands: keyspace commands refused, others shown
    // after their reply.
    assert_eq!(
        m.cmd(&["GET", "k"]),
        b"-ERR Replica can't interact with the keyspace\r\n"
    );
    assert_eq!(m.cmd(&["PING"]), b"+PONG\r\n");
    let own = check_line(&next_line(&mut m), 0, r#""PING""#);
    assert_ne!(own, addr);
    // A second MONITOR gets no reply; the next command's reply comes next.
    m.send(&["MONITOR"]);
    assert_eq!(m.cmd(&["ECHO", "x"]), b"$1\r\nx\r\n");
    check_line(&next_line(&mut m), 0, r#""ECHO" "x""#);
    // RESET leaves MONITOR mode.
    assert_eq!(m.cmd(&["RESET"]), b"+RESET\r\n");
    assert_eq!(o.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(m.cmd(&["GET", "nosuch"]), b"$-1\r\n");
}
on_both!(
    scenario_monitor_format,
    monitor_format_ember,
    monitor_format_redis
);

fn scenario_monitor_scripts(s: &ServerProc) {
    let mut m = s.connect();
    let mut o = s.connect();
    assert_eq!(m.cmd(&["MONITOR"]), b"+OK\r\n");
    // EVAL shows first, then each command its script runs, as "lua".
    let script = "redis.call('set','a','b') return redis.call('get','a')";
    assert_eq!(o.cmd(&["EVAL", script, "0"]), b"$1\r\nb\r\n");
    check_line(&next_line(&mut m), 0, &format!(r#""EVAL" "{script}" "0""#));
    for want in [r#""set" "a" "b""#, r#""get" "a""#] {
        let line = String::from_utf8(next_line(&mut m)).unwrap();
        assert!(line.ends_with(&format!(" [0 lua] {want}\r\n")), "{line:?}");
    }
}
on_both!(
    scenario_monitor_scripts,
    monitor_scripts_ember,
    monitor_scripts_redis
);

fn scenario_monitor_disconnect(s: &ServerProc) {
    let mut m = s.connect();
    assert_eq!(m.cmd(&["MONITOR"]), b"+OK\r\n");
    drop(m);
    let mut o = s.connect();
    for _ in 0..3 {
        assert_eq!(o.cmd(&["SET", "a", "b"]), b"+OK\r\n");
    }
    let mut m2 = s.connect();
    assert_eq!(m2.cmd(&["MONITOR"]), b"+OK\r\n");
    assert_eq!(o.cmd(&["GET", "a"]), b"$1\r\nb\r\n");
    check_line(&next_line(&mut m2), 0, r#""GET" "a""#);
}
on_both!(
    scenario_monitor_disconnect,
    monitor_disconnect_ember,
    monitor_disconnect_redis
);
