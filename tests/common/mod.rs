//! Shared helpers for ember's integration tests.
//!
//! * process management: [`start_ember`], [`start_redis`], [`ServerProc`];
//! * a raw RESP client that returns reply frames byte for byte: [`RawConn`];
//! * a redis-cli style tokenizer: [`split_args`], plus [`unescape`] / [`escape`];
//! * the "is redis-server installed" gate: [`redis_available`], [`redis_or_skip`]
//!   and the [`require_redis!`] macro.
#![allow(dead_code)]

pub mod repl;
/// The tests' deterministic generator, shared with the library's unit tests.
#[path = "../../src/test_rng.rs"]
pub mod rng;
pub mod snapshot;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to start accepting connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time [`RawConn::read_reply`] waits for one complete reply.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Ports, temp dirs, server processes
// ---------------------------------------------------------------------------

/// A TCP port that was free a moment ago (bind 127.0.0.1:0, read it, drop).
/// Never hands out the same port twice within one test process, so servers
/// started by tests running in parallel cannot race for the same port.
pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local_addr").port();
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
}

/// Creates a fresh, empty, uniquely named directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "{tag}-{}-{n}-{:x}",
        std::process::id(),
        nanos & 0xffff_ffff
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A running server process. Dropping it kills the process, waits for it and
/// removes its working directory.
pub struct ServerProc {
    pub port: u16,
    pub dir: PathBuf,
    pub unix: Option<PathBuf>,
    /// Human readable name ("ember-server", "redis-server").
    pub name: String,
    child: Child,
}

impl ServerProc {
    /// Opens a new TCP connection to the server (panics on failure).
    pub fn connect(&self) -> RawConn {
        RawConn::connect(self.port)
            .unwrap_or_else(|e| panic!("connect to {} on port {}: {e}", self.name, self.port))
    }

    /// Opens a new connection over the server's unix socket (panics on failure).
    pub fn connect_unix(&self) -> RawConn {
        let path = self.unix.as_ref().expect("server has no unix socket");
        RawConn::connect_unix(path)
            .unwrap_or_else(|e| panic!("connect to {} at {}: {e}", self.name, path.display()))
    }

    /// The server's captured stdout/stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the process to exit; its exit status, or
    /// None if it is still running.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `program` with the standard test arguments (random port, no
/// persistence, debug command enabled, unix socket `<dir>/<sock_name>`, bound
/// to 127.0.0.1) followed by `extra`, and waits until it accepts connections
/// on both the port and the unix socket. Retries with another port if the
/// process exits early (port taken).
pub fn start_server(program: &str, sock_name: &str, extra: &[&str]) -> Result<ServerProc, String> {
    let name = Path::new(program)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.to_string());
    let mut last_err = String::new();
    for _attempt in 0..3 {
        let port = free_port();
        let dir = temp_dir(&format!("ember-test-{name}"));
        let sock = dir.join(sock_name);
        let log_path = dir.join("server.log");
        let log = std::fs::File::create(&log_path).map_err(|e| format!("create log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| format!("clone log: {e}"))?;
        let port_s = port.to_string();
        let dir_s = dir.to_string_lossy().into_owned();
        let sock_s = sock.to_string_lossy().into_owned();
        let mut args: Vec<&str> = vec![
            "--port",
            &port_s,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            &dir_s,
            "--enable-debug-command",
            "yes",
            "--unixsocket",
            &sock_s,
            "--bind",
            "127.0.0.1",
        ];
        args.extend_from_slice(extra);
        let child = Command::new(program)
            .args(&args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2))
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(format!("cannot spawn {program}: {e}"));
            }
        };
        let mut server = ServerProc {
            port,
            dir,
            unix: Some(sock.clone()),
            name: name.clone(),
            child,
        };
        // Ready once both the TCP port and the unix socket accept connections.
        // The unix socket path is private to this server, so it proves that the
        // process listening on the port is ours and not another test's server
        // that grabbed the same port (in which case ours fails and exits).
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let tcp = TcpStream::connect(("127.0.0.1", port));
            let unix = UnixStream::connect(&sock);
            if let Ok(Some(status)) = server.child.try_wait() {
                last_err = format!(
                    "{name} exited ({status}) before accepting connections on port {port}; log:\n{}",
                    server.log()
                );
                break;
            }
            if tcp.is_ok() && unix.is_ok() {
                return Ok(server);
            }
            if Instant::now() >= deadline {
                let state = |r: io::Result<()>| match r {
                    Ok(()) => "accepts connections".to_string(),
                    Err(e) => format!("does not accept connections ({e})"),
                };
                return Err(format!(
                    "{name} not ready within {START_TIMEOUT:?}: TCP port {port} {}, unix socket {} {}; log:\n{}",
                    state(tcp.map(drop)),
                    sock.display(),
                    state(unix.map(drop)),
                    server.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    Err(last_err)
}

/// Starts ember (the binary under test). Panics if it does not come up.
pub fn start_ember(extra: &[&str]) -> ServerProc {
    start_server(env!("CARGO_BIN_EXE_ember-server"), "ember.sock", extra)
        .unwrap_or_else(|e| panic!("starting ember-server: {e}"))
}

/// Starts a real redis-server if one is on PATH (None if absent). Panics if it
/// is present but does not come up.
pub fn start_redis(extra: &[&str]) -> Option<ServerProc> {
    let program = find_on_path("redis-server")?;
    let program = program.to_string_lossy().into_owned();
    Some(
        start_server(&program, "redis.sock", extra)
            .unwrap_or_else(|e| panic!("starting redis-server: {e}")),
    )
}

/// Full path of an executable named `name` found on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// True if `redis-server` is on PATH.
pub fn redis_available() -> bool {
    find_on_path("redis-server").is_some()
}

/// True when running in CI (`CI=true`, or `CI=1`).
pub fn in_ci() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true") | Ok("1")
    )
}

/// Prints the standard skip notice for `test` to stderr. It is written to the
/// process's stderr directly, so libtest's output capture does not hide it.
pub fn skip_notice(test: &str) {
    let msg = format!(
        "SKIPPED {test}: redis-server not found on PATH (install redis-server to run the differential tests)\n"
    );
    let _ = io::stderr().write_all(msg.as_bytes());
}

/// Returns true if redis-server is available. Otherwise prints the skip
/// notice and returns false — or panics when running in CI, where a missing
/// redis-server is an error.
pub fn redis_or_skip(test: &str) -> bool {
    if redis_available() {
        return true;
    }
    if in_ci() {
        panic!(
            "{test}: redis-server not found on PATH, and CI=true: the differential tests must run in CI"
        );
    }
    skip_notice(test);
    false
}

/// Name of the current test (libtest names the test thread after the test).
pub fn current_test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string()
}

/// `require_redis!()` / `require_redis!("name")`: returns from the calling
/// test with a skip notice when redis-server is not installed (fails in CI).
#[macro_export]
macro_rules! require_redis {
    () => {
        if !$crate::common::redis_or_skip(&$crate::common::current_test_name()) {
            return;
        }
    };
    ($test:expr) => {
        if !$crate::common::redis_or_skip($test) {
            return;
        }
    };
}

// ---------------------------------------------------------------------------
// Raw RESP connection
// ---------------------------------------------------------------------------

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            Stream::Unix(s) => s.set_read_timeout(t),
        }
    }
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.write_all(buf),
            Stream::Unix(s) => s.write_all(buf),
        }
    }
    fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        }
    }
}

/// A client connection that speaks raw RESP and hands back each reply frame
/// exactly as the server sent it. Bytes that arrive beyond the current frame
/// stay buffered, so pipelined replies can be read one by one.
pub struct RawConn {
    stream: Stream,
    buf: Vec<u8>,
    /// Maximum time [`read_reply`](Self::read_reply) waits for a full frame.
    pub timeout: Duration,
    /// Set once a write failed or EOF was seen.
    pub closed: bool,
}

impl RawConn {
    fn from_stream(stream: Stream) -> RawConn {
        RawConn {
            stream,
            buf: Vec::new(),
            timeout: REPLY_TIMEOUT,
            closed: false,
        }
    }

    /// Connects over TCP to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> io::Result<RawConn> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_nodelay(true)?;
        Ok(Self::from_stream(Stream::Tcp(s)))
    }

    /// Connects over a unix domain socket.
    pub fn connect_unix(path: &Path) -> io::Result<RawConn> {
        let s = UnixStream::connect(path)?;
        Ok(Self::from_stream(Stream::Unix(s)))
    }

    /// Sends one command encoded as a RESP multibulk. Write errors are
    /// remembered in `closed` and surface on the next read.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send_raw(&encode_command(args));
    }

    /// Sends bytes exactly as given.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        if self.stream.write_all(bytes).is_err() {
            self.closed = true;
        }
    }

    /// Like `send_raw` but reports a failed write (peer closed).
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let r = self.stream.write_all(bytes);
        if r.is_err() {
            self.closed = true;
        }
        r
    }

    /// Half-closes the connection (no more writes from this side).
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown_write();
    }

    /// Reads exactly one complete RESP2/RESP3 reply frame and returns its raw
    /// bytes (an attribute frame is returned together with the reply it
    /// annotates). Errors on timeout, EOF or a malformed frame.
    pub fn read_reply(&mut self) -> Result<Vec<u8>, String> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match frame_len(&self.buf) {
                Ok(Some(n)) => return Ok(self.buf.drain(..n).collect()),
                Ok(None) => {}
                Err(e) => {
                    return Err(format!(
                        "malformed reply ({e}): {}",
                        escape_trunc(&self.buf, 300)
                    ));
                }
            }
            match self.fill(deadline)? {
                0 => {
                    self.closed = true;
                    return Err(if self.buf.is_empty() {
                        "connection closed (EOF) while waiting for a reply".to_string()
                    } else {
                        format!(
                            "connection closed (EOF) after partial reply {}",
                            escape_trunc(&self.buf, 300)
                        )
                    });
                }
                _ => continue,
            }
        }
    }

    /// Reads more bytes into the buffer; returns the count (0 on EOF).
    fn fill(&mut self, deadline: Instant) -> Result<usize, String> {
        let now = Instant::now();
        if now >= deadline {
            return Err(self.timeout_error());
        }
        let wait = (deadline - now).max(Duration::from_millis(1));
        self.stream
            .set_read_timeout(Some(wait))
            .map_err(|e| format!("set_read_timeout: {e}"))?;
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(self.timeout_error())
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => self.fill(deadline),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::BrokenPipe
                        | io::ErrorKind::ConnectionAborted
                ) =>
            {
                Ok(0)
            }
            Err(e) => Err(format!("read error: {e}")),
        }
    }

    fn timeout_error(&self) -> String {
        if self.buf.is_empty() {
            format!("timeout: no reply within {:?}", self.timeout)
        } else {
            format!(
                "timeout: incomplete reply after {:?}: {}",
                self.timeout,
                escape_trunc(&self.buf, 300)
            )
        }
    }

    /// Waits for the server to close the connection. Ok if EOF (or reset)
    /// arrives with no further data within `timeout`; Err describing what
    /// came instead otherwise.
    pub fn expect_close(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if !self.buf.is_empty() {
                let got = escape_trunc(&self.buf, 300);
                self.buf.clear();
                return Err(format!("expected the connection to close, got data {got}"));
            }
            match self.fill(deadline) {
                Ok(0) => {
                    self.closed = true;
                    return Ok(());
                }
                Ok(_) => continue,
                Err(e) => return Err(format!("expected the connection to close: {e}")),
            }
        }
    }

    /// Returns (and clears) any bytes already received but not consumed.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Sends a command and reads its reply; panics on a read error.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send(args);
        match self.read_reply() {
            Ok(r) => r,
            Err(e) => panic!("command {}: {e}", describe_command(args)),
        }
    }

    /// Like [`cmd`](Self::cmd) but takes a redis-cli style command line.
    pub fn cmd_line(&mut self, line: &str) -> Vec<u8> {
        let args = split_args(line.as_bytes())
            .unwrap_or_else(|e| panic!("bad command line {line:?}: {e}"));
        self.cmd(&args)
    }

    /// Sends a command and returns its reply as a (lossy) string.
    pub fn cmd_str<A: AsRef<[u8]>>(&mut self, args: &[A]) -> String {
        String::from_utf8_lossy(&self.cmd(args)).into_owned()
    }
}

/// Encodes a command as a RESP multibulk.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn describe_command<A: AsRef<[u8]>>(args: &[A]) -> String {
    args.iter()
        .map(|a| escape(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------
// RESP frame parsing
// ---------------------------------------------------------------------------

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

fn parse_len(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad length {}", escape(line)))
}

/// Length in bytes of the first complete RESP2/RESP3 frame in `b`:
/// `Ok(None)` if more bytes are needed, `Err` if the bytes are not RESP.
/// An attribute (`|`) frame counts together with the frame that follows it.
pub fn frame_len(b: &[u8]) -> Result<Option<usize>, String> {
    let Some(&t) = b.first() else {
        return Ok(None);
    };
    let Some(cr) = find_crlf(b) else {
        return Ok(None);
    };
    let line = &b[1..cr];
    let header = cr + 2;
    match t {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => Ok(Some(header)),
        b'$' | b'=' | b'!' => {
            let n = parse_len(line)?;
            if n < 0 {
                if t == b'$' && n == -1 {
                    return Ok(Some(header));
                }
                return Err(format!("bad blob length {n}"));
            }
            let end = header + n as usize + 2;
            if b.len() < end {
                return Ok(None);
            }
            if &b[end - 2..end] != b"\r\n" {
                return Err("blob not terminated by CRLF".to_string());
            }
            Ok(Some(end))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = parse_len(line)?;
            if n < 0 {
                if t == b'*' && n == -1 {
                    return Ok(Some(header));
                }
                return Err(format!("bad aggregate length {n}"));
            }
            let mut count = n as usize;
            if t == b'%' || t == b'|' {
                count *= 2;
            }
            if t == b'|' {
                count += 1; // the annotated reply itself
            }
            let mut pos = header;
            for _ in 0..count {
                match frame_len(&b[pos..])? {
                    Some(len) => pos += len,
                    None => return Ok(None),
                }
            }
            Ok(Some(pos))
        }
        other => Err(format!("unknown RESP type byte {}", escape(&[other]))),
    }
}

/// Splits a complete aggregate frame into (header, element frames). For maps
/// each key and value is its own element. Returns None for non-aggregates
/// and null arrays.
pub fn split_aggregate(frame: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let t = *frame.first()?;
    if !matches!(t, b'*' | b'~' | b'>' | b'%') {
        return None;
    }
    let cr = find_crlf(frame)?;
    let n = parse_len(&frame[1..cr]).ok()?;
    if n < 0 {
        return None;
    }
    let count = if t == b'%' {
        n as usize * 2
    } else {
        n as usize
    };
    let mut pos = cr + 2;
    let mut elems = Vec::with_capacity(count);
    for _ in 0..count {
        let len = frame_len(&frame[pos..]).ok()??;
        elems.push(frame[pos..pos + len].to_vec());
        pos += len;
    }
    Some((frame[..cr + 2].to_vec(), elems))
}

/// The RESP type byte and, for aggregates, the declared element count —
/// the "shape" used to compare nondeterministic replies.
pub fn reply_shape(frame: &[u8]) -> String {
    let Some(&t) = frame.first() else {
        return "<empty>".to_string();
    };
    if matches!(t, b'*' | b'~' | b'>' | b'%' | b'|')
        && let Some(cr) = find_crlf(frame)
    {
        return escape(&frame[..cr]);
    }
    escape(&[t])
}

/// Canonical form for order-insensitive comparison: the elements of every
/// aggregate (recursively, so `SCAN`'s nested key list is covered too) sorted
/// by their canonical bytes; map entries are kept as key+value pairs.
/// Non-aggregates are returned unchanged.
pub fn sorted_reply(frame: &[u8]) -> Vec<u8> {
    let Some((header, elems)) = split_aggregate(frame) else {
        return frame.to_vec();
    };
    let elems: Vec<Vec<u8>> = elems.iter().map(|e| sorted_reply(e)).collect();
    let mut items: Vec<Vec<u8>> = if frame[0] == b'%' {
        elems.chunks(2).map(|c| c.concat()).collect()
    } else {
        elems
    };
    items.sort();
    let mut out = header;
    for i in items {
        out.extend_from_slice(&i);
    }
    out
}

// ---------------------------------------------------------------------------
// Tokenizing and escaping
// ---------------------------------------------------------------------------

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c)
}

/// Splits a command line the way redis-cli (sdssplitargs) does: words are
/// separated by whitespace; "double quotes" understand \n \r \t \b \a \\ \"
/// and \xHH; 'single quotes' only understand \'. A closing quote must be
/// followed by whitespace or the end of the line.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return Ok(out);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return Err("unbalanced double quotes".to_string());
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && let (Some(h), Some(l)) = (hex_val(line[i + 2]), hex_val(line[i + 3]))
                {
                    cur.push(h * 16 + l);
                    i += 4;
                    continue;
                }
                if c == b'\\' && i + 1 < n {
                    cur.push(match line[i + 1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                } else if c == b'"' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return Err("closing quote must be followed by a space".to_string());
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                    i += 1;
                }
            } else if in_sq {
                if i >= n {
                    return Err("unbalanced single quotes".to_string());
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    cur.push(b'\'');
                    i += 2;
                } else if c == b'\'' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return Err("closing quote must be followed by a space".to_string());
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                    i += 1;
                }
            } else {
                if i >= n || is_space(line[i]) {
                    break;
                }
                match line[i] {
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => cur.push(c),
                }
                i += 1;
            }
        }
        out.push(cur);
    }
}

/// Decodes backslash escapes in a whole string (no quoting): \r \n \t \0
/// \\ \" \' \xHH; any other escaped character stands for itself.
pub fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let Some(&e) = b.get(i + 1) else {
            return Err("trailing backslash".to_string());
        };
        match e {
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'0' => out.push(0),
            b'x' => {
                let h = b.get(i + 2).copied().and_then(hex_val);
                let l = b.get(i + 3).copied().and_then(hex_val);
                match (h, l) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                    _ => return Err(format!("bad \\x escape in {s:?}")),
                }
            }
            other => out.push(other),
        }
        i += 2;
    }
    Ok(out)
}

/// Quotes bytes for humans: `"$3\r\nfoo\r\n"`.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for &c in b {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

/// [`escape`], cut after `max` input bytes.
pub fn escape_trunc(b: &[u8], max: usize) -> String {
    if b.len() <= max {
        escape(b)
    } else {
        format!("{}... ({} bytes)", escape(&b[..max]), b.len())
    }
}

// ---------------------------------------------------------------------------
// Reply assertions
// ---------------------------------------------------------------------------

/// Sends a command and asserts its exact reply.
pub fn expect(c: &mut RawConn, args: &[&str], want: &[u8]) {
    let got = c.cmd(args);
    assert_eq!(escape(&got), escape(want), "{args:?}");
}

/// Reads one reply and asserts it.
pub fn expect_reply(c: &mut RawConn, want: &[u8]) {
    let got = c
        .read_reply()
        .unwrap_or_else(|e| panic!("waiting for {}: {e}", escape(want)));
    assert_eq!(escape(&got), escape(want));
}

/// Asserts that no reply arrives on `c` within `ms` milliseconds.
pub fn expect_silence(c: &mut RawConn, ms: u64) {
    let saved = c.timeout;
    c.timeout = Duration::from_millis(ms);
    let r = c.read_reply();
    c.timeout = saved;
    match r {
        Err(e) if e.starts_with("timeout: no reply") => {}
        other => panic!("expected no reply yet, got {other:?}"),
    }
}

/// Generates `<ember>` and `<redis>` tests running `scenario` against each
/// server (the Redis one skips, or fails in CI, when redis-server is absent).
#[macro_export]
macro_rules! on_both {
    ($scenario:ident, $ember:ident, $redis:ident) => {
        #[test]
        fn $ember() {
            let s = start_ember(&[]);
            $scenario(&s);
        }

        #[test]
        fn $redis() {
            if !redis_or_skip(stringify!($redis)) {
                return;
            }
            let s = start_redis(&[]).expect("redis-server is on PATH");
            $scenario(&s);
        }
    };
}

/// The PIDs of a process's children (forked BGSAVE / rewrite children),
/// from /proc; empty where /proc is missing.
pub fn children_of(pid: u32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}
