//! Differential tests: every script in `tests/diff/*.txt` is sent, line by
//! line, to a fresh ember-server and to a fresh real redis-server, and the raw
//! reply bytes are compared.
//!
//! Script syntax (one item per line):
//!
//! * `# comment` and blank lines are ignored.
//! * `CMD arg ...` — a command, tokenized like redis-cli does ("double
//!   quotes" with \n \r \t \" \\ \xHH escapes, 'single quotes'); both replies
//!   must be byte for byte identical.
//! * `? CMD ...` — nondeterministic reply: only the RESP type byte (and for
//!   aggregates the element count) is compared.
//! * `~ CMD ...` — order-insensitive: the elements of aggregate replies are
//!   sorted (recursively, e.g. SCAN's key list) before comparing.
//! * `!sleep <ms>` — pause.
//! * `!raw <escaped bytes>` — send raw bytes (escapes \r \n \t \0 \\ \xHH),
//!   then read one reply from each server and compare (prefixes `?`/`~` work).
//! * `!send <escaped bytes>` — send raw bytes without reading a reply.
//! * `!send-repeat <n> <escaped bytes>` — send the bytes n times over (for
//!   oversized requests), without reading a reply.
//! * `!read` — read one more reply from each server and compare.
//! * `!noreply CMD ...` — send a command without reading a reply (CLIENT
//!   REPLY OFF/SKIP); a stray reply shows up as a mismatch on the next read.
//! * `!expect-close` — both servers must close the connection.
//! * `!reconnect` — open new connections to both servers.
//! * `!expect "<escaped reply>" CMD ...` — for Redis 7.2 behaviour: ember's
//!   reply must equal the given bytes; the reference redis is held to it too
//!   when it is 7.2 or newer (older ones are not checked).
//! * `@7.2 <line>` — run the line only when the reference redis-server is 7.2
//!   or newer (ember targets 7.2; an older reference skips it).
//!
//! Every script starts against two empty servers, on one connection each.
//!
//! Environment:
//! * `EMBER_DIFF_SELF=1` — replace ember by a second redis-server, to check
//!   the harness and the scripts themselves.
//! * `EMBER_DIFF_VERBOSE=1` — print every line with both replies.
//! * `CI=true` — a missing redis-server fails instead of skipping.

mod common;

use common::{
    RawConn, ServerProc, escape, escape_trunc, frame_len, reply_shape, sorted_reply, split_args,
    start_ember, start_redis, unescape,
};
use std::time::Duration;

/// A script is abandoned once ember times out on this many commands in a row
/// (each timeout costs `REPLY_TIMEOUT`).
const MAX_TIMEOUTS_IN_A_ROW: usize = 3;

/// The Redis version ember is a drop-in replacement for.
const TARGET_VERSION: (u32, u32) = (7, 2);

macro_rules! diff_test {
    ($name:ident, $file:literal) => {
        #[test]
        fn $name() {
            run_script(
                stringify!($name),
                $file,
                include_str!(concat!("diff/", $file)),
            );
        }
    };
}

diff_test!(strings, "strings.txt");
diff_test!(incrbyfloat, "incrbyfloat.txt");
diff_test!(keys, "keys.txt");
diff_test!(connection, "connection.txt");
diff_test!(protocol, "protocol.txt");
diff_test!(wrongtype, "wrongtype.txt");
diff_test!(lists, "lists.txt");
diff_test!(hashes, "hashes.txt");
diff_test!(sets, "sets.txt");
diff_test!(zsets, "zsets.txt");
diff_test!(multi, "multi.txt");
diff_test!(pubsub, "pubsub.txt");
diff_test!(blocking, "blocking.txt");
diff_test!(ops, "ops.txt");
diff_test!(persist, "persist.txt");
diff_test!(notify, "notify.txt");
diff_test!(sort, "sort.txt");
diff_test!(debug, "debug.txt");
diff_test!(test_hooks, "test_hooks.txt");
diff_test!(bits, "bits.txt");
diff_test!(hll, "hll.txt");
diff_test!(geo, "geo.txt");
diff_test!(tracking, "tracking.txt");
diff_test!(streams, "streams.txt");
diff_test!(streams_groups, "streams_groups.txt");
diff_test!(streams_nodes, "streams_nodes.txt");
diff_test!(streams_notify, "streams_notify.txt");
diff_test!(memory, "memory.txt");
diff_test!(acl, "acl.txt");
diff_test!(scripting, "scripting.txt");
diff_test!(scripting_libs, "scripting_libs.txt");
diff_test!(scripting_functions, "scripting_functions.txt");
diff_test!(pause, "pause.txt");
diff_test!(replication, "replication.txt");
diff_test!(cluster, "cluster.txt");
diff_test!(migrate, "migrate.txt");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Exact,
    Shape,
    Unordered,
}

/// One server under comparison.
struct Side {
    label: String,
    server: ServerProc,
    conn: RawConn,
    /// Redis version if this side is a real redis-server.
    redis_version: Option<(u32, u32)>,
}

impl Side {
    fn new(label: &str, server: ServerProc, is_redis: bool) -> Side {
        let mut conn = server.connect();
        let redis_version = if is_redis {
            Some(server_version(&mut conn))
        } else {
            None
        };
        Side {
            label: label.to_string(),
            server,
            conn,
            redis_version,
        }
    }

    fn reconnect(&mut self) -> Result<(), String> {
        self.conn = common::RawConn::connect(self.server.port).map_err(|e| {
            format!(
                "{} no longer accepts connections ({e}); last log lines:\n{}",
                self.label,
                tail(&self.server.log(), 30)
            )
        })?;
        Ok(())
    }

    /// True if this side is a redis-server older than the target version.
    fn is_old_redis(&self) -> bool {
        self.redis_version.is_some_and(|v| v < TARGET_VERSION)
    }
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Parses `redis_version:X.Y.Z` out of INFO SERVER.
fn server_version(conn: &mut RawConn) -> (u32, u32) {
    let info = conn.cmd_str(&["INFO", "SERVER"]);
    for line in info.split("\r\n") {
        if let Some(v) = line.strip_prefix("redis_version:") {
            let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            return (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        }
    }
    (0, 0)
}

fn parse_version(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

struct Mismatch {
    location: String,
    what: String,
    details: Vec<String>,
}

struct Runner<'a> {
    script: &'a str,
    redis: Side,
    ember: Side,
    mismatches: Vec<Mismatch>,
    checks: usize,
    skipped: usize,
    verbose: bool,
    timeouts_in_a_row: usize,
}

fn show(r: &Result<Vec<u8>, String>) -> String {
    match r {
        Ok(b) => escape_trunc(b, 2000),
        Err(e) => format!("<{e}>"),
    }
}

fn error_class(e: &str) -> &'static str {
    if e.starts_with("connection closed") {
        "eof"
    } else if e.starts_with("timeout") {
        "timeout"
    } else {
        "other"
    }
}

impl Runner<'_> {
    fn mismatch(&mut self, lineno: usize, what: &str, details: Vec<String>) {
        self.mismatches.push(Mismatch {
            location: format!("{}:{lineno}", self.script),
            what: what.to_string(),
            details,
        });
    }

    /// Reads one reply from each side and compares them.
    fn read_and_compare(&mut self, lineno: usize, what: &str, mode: Mode) -> Result<(), String> {
        let r = self.redis.conn.read_reply();
        let e = self.ember.conn.read_reply();
        self.checks += 1;
        if self.verbose {
            eprintln!(
                "{}:{lineno}: {what}\n    redis: {}\n    ember: {}",
                self.script,
                show(&r),
                show(&e)
            );
        }
        let same = match (&r, &e) {
            (Ok(a), Ok(b)) => match mode {
                Mode::Exact => a == b,
                Mode::Shape => reply_shape(a) == reply_shape(b),
                Mode::Unordered => sorted_reply(a) == sorted_reply(b),
            },
            (Err(a), Err(b)) => error_class(a) == error_class(b) && error_class(a) != "other",
            _ => false,
        };
        if !same {
            let mut details = vec![];
            match mode {
                Mode::Shape => details.push("(compared: reply type/length only)".to_string()),
                Mode::Unordered => details.push("(compared: elements in any order)".to_string()),
                Mode::Exact => {}
            }
            details.push(format!("redis: {}", show(&r)));
            details.push(format!("ember: {}", show(&e)));
            if r.is_err() {
                details.push(
                    "note: the reference redis-server failed on this line: the script is wrong"
                        .to_string(),
                );
            }
            self.mismatch(lineno, what, details);
        }
        if r.is_ok() && e.as_ref().is_err_and(|m| error_class(m) == "timeout") {
            self.timeouts_in_a_row += 1;
            if self.timeouts_in_a_row >= MAX_TIMEOUTS_IN_A_ROW {
                return Err(format!(
                    "{} did not answer {MAX_TIMEOUTS_IN_A_ROW} commands in a row; giving up",
                    self.ember.label
                ));
            }
        } else {
            self.timeouts_in_a_row = 0;
        }
        if r.is_err() || e.is_err() {
            // A failed read (timeout, or a connection closed by either server)
            // leaves the streams out of step: start over on fresh connections
            // to both servers so the rest of the script still means something.
            self.redis.reconnect()?;
            self.ember.reconnect()?;
        }
        Ok(())
    }

    fn expect_close(&mut self, lineno: usize) -> Result<(), String> {
        let r = self.redis.conn.expect_close(Duration::from_secs(3));
        let e = self.ember.conn.expect_close(Duration::from_secs(3));
        self.checks += 1;
        if self.verbose {
            eprintln!(
                "{}:{lineno}: !expect-close\n    redis: {:?}\n    ember: {:?}",
                self.script, r, e
            );
        }
        if r.is_err() || e.is_err() {
            let fmt = |x: &Result<(), String>| match x {
                Ok(()) => "closed the connection".to_string(),
                Err(m) => m.clone(),
            };
            let details = vec![format!("redis: {}", fmt(&r)), format!("ember: {}", fmt(&e))];
            self.mismatch(lineno, "!expect-close", details);
            self.redis.reconnect()?;
            self.ember.reconnect()?;
        }
        Ok(())
    }

    fn expect_literal(&mut self, lineno: usize, rest: &str) -> Result<(), String> {
        let mut args = split_args(rest.as_bytes())
            .map_err(|e| format!("{}:{lineno}: bad !expect line: {e}", self.script))?;
        if args.len() < 2 {
            return Err(format!(
                "{}:{lineno}: !expect needs a reply and a command",
                self.script
            ));
        }
        let expected = args.remove(0);
        self.redis.conn.send(&args);
        self.ember.conn.send(&args);
        let r = self.redis.conn.read_reply();
        let e = self.ember.conn.read_reply();
        self.checks += 1;
        let what = format!("!expect {rest}");
        if self.verbose {
            eprintln!(
                "{}:{lineno}: {what}\n    expected: {}\n    redis: {}\n    ember: {}",
                self.script,
                escape(&expected),
                show(&r),
                show(&e)
            );
        }
        let ok = |side: &Side, got: &Result<Vec<u8>, String>| {
            side.is_old_redis() || got.as_ref().is_ok_and(|g| *g == expected)
        };
        let (rok, eok) = (ok(&self.redis, &r), ok(&self.ember, &e));
        if !rok || !eok {
            let mut details = vec![format!("expected: {}", escape(&expected))];
            if !rok {
                details.push(format!("redis: {}", show(&r)));
                details
                    .push("note: the reference redis-server disagrees: the script is wrong".into());
            }
            if !eok {
                details.push(format!("ember: {}", show(&e)));
            }
            self.mismatch(lineno, &what, details);
        }
        if r.is_err() || e.is_err() {
            self.redis.reconnect()?;
            self.ember.reconnect()?;
        }
        Ok(())
    }

    /// Runs one script line. Err aborts the script (a server died or the
    /// script itself is malformed).
    fn run_line(&mut self, lineno: usize, raw_line: &str) -> Result<(), String> {
        let mut line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        if let Some(rest) = line.strip_prefix('@') {
            let (ver, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let min = parse_version(ver)
                .ok_or_else(|| format!("{}:{lineno}: bad version gate @{ver}", self.script))?;
            let too_old = |s: &Side| s.redis_version.is_some_and(|v| v < min);
            if too_old(&self.redis) || too_old(&self.ember) {
                self.skipped += 1;
                return Ok(());
            }
            line = rest.trim();
        }
        let mut mode = Mode::Exact;
        if let Some(rest) = line.strip_prefix('?') {
            mode = Mode::Shape;
            line = rest.trim_start();
        } else if let Some(rest) = line.strip_prefix('~') {
            mode = Mode::Unordered;
            line = rest.trim_start();
        }
        let script = self.script;
        let bad = |msg: String| format!("{script}:{lineno}: {msg}: {raw_line}");
        if let Some(directive) = line.strip_prefix('!') {
            let (name, rest) = directive
                .split_once(char::is_whitespace)
                .map(|(a, b)| (a, b.trim()))
                .unwrap_or((directive, ""));
            match name {
                "sleep" => {
                    let ms: u64 = rest.parse().map_err(|_| bad("bad !sleep".into()))?;
                    std::thread::sleep(Duration::from_millis(ms));
                }
                "raw" | "send" => {
                    let bytes = unescape(rest).map_err(bad)?;
                    self.redis.conn.send_raw(&bytes);
                    self.ember.conn.send_raw(&bytes);
                    if name == "raw" {
                        self.read_and_compare(lineno, line, mode)?;
                    }
                }
                "send-repeat" => {
                    let (n, bytes) = rest
                        .split_once(char::is_whitespace)
                        .ok_or_else(|| bad("!send-repeat needs a count and bytes".into()))?;
                    let n: usize = n.parse().map_err(|_| bad("bad repeat count".into()))?;
                    let bytes = unescape(bytes.trim_start()).map_err(bad)?.repeat(n);
                    self.redis.conn.send_raw(&bytes);
                    self.ember.conn.send_raw(&bytes);
                }
                "read" => self.read_and_compare(lineno, line, mode)?,
                "noreply" => {
                    let args = split_args(rest.as_bytes()).map_err(bad)?;
                    self.redis.conn.send(&args);
                    self.ember.conn.send(&args);
                }
                "expect-close" => self.expect_close(lineno)?,
                "reconnect" => {
                    self.redis.reconnect()?;
                    self.ember.reconnect()?;
                }
                "expect" => self.expect_literal(lineno, rest)?,
                _ => return Err(bad("unknown directive".into())),
            }
            return Ok(());
        }
        let args = split_args(line.as_bytes()).map_err(bad)?;
        if args.is_empty() {
            return Err(bad("empty command".into()));
        }
        self.redis.conn.send(&args);
        self.ember.conn.send(&args);
        self.read_and_compare(lineno, line, mode)
    }
}

fn run_script(test: &str, file: &str, text: &str) {
    require_redis!(test);
    let self_check = std::env::var("EMBER_DIFF_SELF").is_ok_and(|v| v == "1");
    let verbose = std::env::var("EMBER_DIFF_VERBOSE").is_ok_and(|v| v == "1");
    let redis_server = start_redis(&[]).expect("redis-server is on PATH");
    let redis = Side::new("redis-server", redis_server, true);
    let ember = if self_check {
        let second = start_redis(&[]).expect("redis-server is on PATH");
        Side::new("redis-server #2 (EMBER_DIFF_SELF=1)", second, true)
    } else {
        Side::new("ember-server", start_ember(&[]), false)
    };
    let mut runner = Runner {
        script: file,
        redis,
        ember,
        mismatches: Vec::new(),
        checks: 0,
        skipped: 0,
        verbose,
        timeouts_in_a_row: 0,
    };
    let mut aborted = None;
    for (i, line) in text.lines().enumerate() {
        if let Err(e) = runner.run_line(i + 1, line) {
            aborted = Some(e);
            break;
        }
    }
    if runner.skipped > 0 {
        eprintln!(
            "{test}: {} line(s) need redis-server >= {}.{} and were skipped (reference is {:?})",
            runner.skipped,
            TARGET_VERSION.0,
            TARGET_VERSION.1,
            runner.redis.redis_version.unwrap_or((0, 0))
        );
    }
    if runner.mismatches.is_empty() && aborted.is_none() {
        eprintln!("{test}: {} checks passed ({file})", runner.checks);
        return;
    }
    let mut report = format!(
        "\ndifferential test `{test}` (tests/diff/{file}): {} mismatch(es) in {} checks; reference {:?}, \
         compared against {}\n",
        runner.mismatches.len(),
        runner.checks,
        runner.redis.redis_version.unwrap_or((0, 0)),
        runner.ember.label,
    );
    for m in &runner.mismatches {
        report.push_str(&format!("\n{}: {}\n", m.location, m.what));
        for d in &m.details {
            report.push_str(&format!("    {d}\n"));
        }
    }
    if let Some(e) = aborted {
        report.push_str(&format!("\nSCRIPT ABORTED: {e}\n"));
    }
    if !runner.ember.server.is_running() {
        report.push_str(&format!(
            "\n{} is not running any more; last log lines:\n{}\n",
            runner.ember.label,
            tail(&runner.ember.server.log(), 30)
        ));
    }
    panic!("{report}");
}

/// The harness's own parsing helpers (runs without any server).
#[test]
fn harness_self_check() {
    let complete: &[&[u8]] = &[
        b"+OK\r\n",
        b"-ERR x\r\n",
        b":-5\r\n",
        b"$3\r\nfoo\r\n",
        b"$0\r\n\r\n",
        b"$-1\r\n",
        b"*-1\r\n",
        b"*0\r\n",
        b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n",
        b"_\r\n",
        b"#t\r\n",
        b",1.5\r\n",
        b"(12345678901234567890\r\n",
        b"=7\r\ntxt:abc\r\n",
        b"!3\r\nERR\r\n",
        b"%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n",
        b">2\r\n+message\r\n$1\r\nx\r\n",
        b"|1\r\n+key\r\n+val\r\n:7\r\n",
        b"$4\r\na\r\nb\r\n",
    ];
    for frame in complete {
        assert_eq!(frame_len(frame), Ok(Some(frame.len())), "{}", escape(frame));
        let mut pipelined = frame.to_vec();
        pipelined.extend_from_slice(b"+NEXT\r\n");
        assert_eq!(frame_len(&pipelined), Ok(Some(frame.len())));
        for cut in 0..frame.len() {
            assert_eq!(
                frame_len(&frame[..cut]),
                Ok(None),
                "{} cut at {cut}",
                escape(frame)
            );
        }
    }
    assert!(frame_len(b"?\r\n").is_err());
    assert!(frame_len(b"$3\r\nfooXY").is_err());
    assert!(frame_len(b"*x\r\n").is_err());

    assert_eq!(reply_shape(b"*2\r\n:1\r\n:2\r\n"), escape(b"*2"));
    assert_eq!(reply_shape(b"$3\r\nfoo\r\n"), escape(b"$"));
    assert_eq!(
        sorted_reply(b"*2\r\n$1\r\nb\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n"),
        b"*2\r\n$1\r\nb\r\n*2\r\n$1\r\ny\r\n$1\r\nz\r\n".to_vec()
    );
    assert_eq!(
        sorted_reply(b"%2\r\n+b\r\n:1\r\n+a\r\n:2\r\n"),
        b"%2\r\n+a\r\n:2\r\n+b\r\n:1\r\n".to_vec()
    );

    let args = |s: &str| split_args(s.as_bytes());
    assert_eq!(
        args(r#"SET "a b" 'c d' e"#),
        Ok(vec![
            b"SET".to_vec(),
            b"a b".to_vec(),
            b"c d".to_vec(),
            b"e".to_vec()
        ])
    );
    assert_eq!(
        args(r#""\x00\xff\r\n\t\"\\" 'it\'s' "" x"\x41""#),
        Ok(vec![
            b"\x00\xff\r\n\t\"\\".to_vec(),
            b"it's".to_vec(),
            b"".to_vec(),
            b"xA".to_vec()
        ])
    );
    assert_eq!(args("   "), Ok(vec![]));
    assert!(args(r#"GET "abc"#).is_err());
    assert!(args(r#"GET "a"b"#).is_err());
    assert!(args("GET 'abc").is_err());
    assert_eq!(unescape(r"*1\r\n\x00\\"), Ok(b"*1\r\n\x00\\".to_vec()));
    assert_eq!(escape(b"$3\r\nfoo\r\n\x00"), r#""$3\r\nfoo\r\n\x00""#);
}
