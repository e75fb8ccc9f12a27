//! MIGRATE: moves keys to another server by sending it RESTORE commands, as
//! a standalone Redis 7.2 does, plus the cache of connections to targets
//! (Redis's `migrate_cached_sockets`) and its idle expiry, run from cron.
//!
//! The transfer is synchronous: the loop thread connects, writes and reads
//! with blocking sockets bounded by the command's timeout (milliseconds of
//! idleness per read or write), exactly as Redis blocks its own loop for
//! MIGRATE. Nothing else here does I/O; the keyspace side is lookups, DUMP
//! payloads (`persist::rdb::dump_payload`) and deletions of what the target
//! acknowledged.

use super::{Cmd, Ctx, flags::*};
use crate::error;
use crate::persist::rdb;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

pub static COMMANDS: &[Cmd] = &[Cmd::new("migrate", -6, WRITE, migrate).keys(3, 3, 1)];

/// Connections kept at most; a new one past this drops the least recently
/// used (Redis: MIGRATE_SOCKET_CACHE_ITEMS, dropping a random one).
const CACHE_ITEMS: usize = 64;
/// A cached connection idle for longer than this is closed by cron (Redis:
/// MIGRATE_SOCKET_CACHE_TTL, 10 seconds).
const CACHE_TTL_MS: i64 = 10_000;
/// The timeout used when the argument is zero or negative, in ms (Redis).
const DEFAULT_TIMEOUT_MS: i64 = 1000;
/// Redis reads each reply line into a 1024-byte buffer: at most 1023 bytes
/// make one line, and the rest of a longer line is read as the next one.
const LINE_MAX: usize = 1023;
/// Redis writes the command stream in chunks of this size, each with the
/// full timeout.
const WRITE_CHUNK: usize = 64 * 1024;
/// Bytes asked of the socket per read while looking for a reply line.
const READ_CHUNK: usize = 4096;

const KEYS_NEED_EMPTY_KEY: &str =
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
const IOERR_CONNECT: &str = "IOERR error or timeout connecting to the client";
const IOERR_WRITE: &str = "IOERR error or timeout writing to target instance";
/// Redis's wording ("reading to"), kept as is.
const IOERR_READ: &str = "IOERR error or timeout reading to target instance";
const TARGET_ERROR_PREFIX: &[u8] = b"ERR Target instance replied with error: ";

/// One cached connection to a target.
struct Cached {
    stream: TcpStream,
    /// Bytes read past the last reply line consumed (a target that sent more
    /// than was asked); the next MIGRATE reads them first, as Redis, which
    /// reads byte by byte, would find them still in the socket.
    pending: Vec<u8>,
    /// The database the connection has SELECTed, -1 when unknown (a new
    /// connection, or after the target replied with an error). As in
    /// Redis, MIGRATE to database -1 then sends no SELECT at all.
    last_dbid: i64,
    last_use_ms: i64,
}

/// Open connections to MIGRATE targets, by "host:port" as given.
#[derive(Default)]
pub struct SocketCache {
    conns: HashMap<Vec<u8>, Cached>,
}

impl SocketCache {
    /// Number of cached connections (INFO `migrate_cached_sockets`).
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    /// Closes the connections idle for longer than the cache TTL.
    pub fn close_idle(&mut self, now_ms: i64) {
        if self.conns.is_empty() {
            return;
        }
        self.conns
            .retain(|_, c| now_ms.saturating_sub(c.last_use_ms) <= CACHE_TTL_MS);
    }

    /// Puts a connection (back) into the cache, dropping the least recently
    /// used one when full.
    fn put(&mut self, name: Vec<u8>, conn: Cached) {
        if self.conns.len() >= CACHE_ITEMS
            && !self.conns.contains_key(&name)
            && let Some(oldest) = self
                .conns
                .iter()
                .min_by_key(|(_, c)| c.last_use_ms)
                .map(|(k, _)| k.clone())
        {
            self.conns.remove(&oldest);
        }
        self.conns.insert(name, conn);
    }
}

/// Cron: closes cached connections idle for more than 10 seconds.
pub fn cron(srv: &mut crate::server::Server, now_ms: i64) {
    srv.migrate.close_idle(now_ms);
}

/// The parsed options of one MIGRATE call.
struct Opts<'a> {
    copy: bool,
    replace: bool,
    username: Option<&'a [u8]>,
    password: Option<&'a [u8]>,
    /// Index of the first key argument and how many keys there are.
    first_key: usize,
    num_keys: usize,
}

/// Parses the options after the timeout the way Redis does: left to right,
/// KEYS taking every remaining argument.
fn parse_opts<'a>(argv: &[&'a [u8]]) -> Result<Opts<'a>, &'static str> {
    let mut o = Opts {
        copy: false,
        replace: false,
        username: None,
        password: None,
        first_key: 3,
        num_keys: 1,
    };
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let a = argv[j];
        if a.eq_ignore_ascii_case(b"copy") {
            o.copy = true;
        } else if a.eq_ignore_ascii_case(b"replace") {
            o.replace = true;
        } else if a.eq_ignore_ascii_case(b"auth") {
            if more < 1 {
                return Err(error::SYNTAX);
            }
            o.password = Some(argv[j + 1]);
            j += 1;
        } else if a.eq_ignore_ascii_case(b"auth2") {
            if more < 2 {
                return Err(error::SYNTAX);
            }
            o.username = Some(argv[j + 1]);
            o.password = Some(argv[j + 2]);
            j += 2;
        } else if a.eq_ignore_ascii_case(b"keys") {
            if !argv[3].is_empty() {
                return Err(KEYS_NEED_EMPTY_KEY);
            }
            o.first_key = j + 1;
            o.num_keys = more;
            break;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// Which arguments of a MIGRATE line are secrets (AUTH's password, AUTH2's
/// username and password), for the slow log and MONITOR. Like Redis, only
/// the ones the option parser reached are hidden.
pub fn redacted_arg(argv: &[&[u8]], i: usize) -> bool {
    let mut j = 6;
    while j < argv.len() && j < i {
        let more = argv.len() - 1 - j;
        let a = argv[j];
        if a.eq_ignore_ascii_case(b"copy") || a.eq_ignore_ascii_case(b"replace") {
            j += 1;
        } else if a.eq_ignore_ascii_case(b"auth") && more >= 1 {
            if i == j + 1 {
                return true;
            }
            j += 2;
        } else if a.eq_ignore_ascii_case(b"auth2") && more >= 2 {
            if i == j + 1 || i == j + 2 {
                return true;
            }
            j += 3;
        } else {
            return false;
        }
    }
    false
}

/// The key arguments of a MIGRATE line when its key specs cannot say
/// (Redis's migrateGetKeys): the key argument, or with KEYS (found past
/// the options, skipping AUTH's and AUTH2's values) every argument after
/// it, none when the key argument is not empty then. Every key is read,
/// and deleted.
pub fn getkeys(argv: &[&[u8]]) -> Vec<(usize, &'static str)> {
    const FLAGS: &str = "RW access delete";
    let (mut first, mut num) = (3usize, 1usize);
    let mut i = 6;
    while i < argv.len() {
        let a = argv[i];
        if a.eq_ignore_ascii_case(b"keys") {
            if argv.get(3).is_some_and(|k| !k.is_empty()) {
                return Vec::new();
            }
            first = i + 1;
            num = argv.len() - first;
            break;
        }
        if a.eq_ignore_ascii_case(b"auth") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"auth2") {
            i += 2;
        }
        i += 1;
    }
    (first..first + num)
        .filter(|&p| p < argv.len())
        .map(|p| (p, FLAGS))
        .collect()
}

/// C `atoi` as Redis applies it to the port: leading blanks, a sign,
/// digits up to the first other byte; 0 when there are none.
fn atoi(s: &[u8]) -> i64 {
    let mut it = s
        .iter()
        .copied()
        .skip_while(|b| b.is_ascii_whitespace())
        .peekable();
    let neg = match it.peek() {
        Some(b'-') => {
            it.next();
            true
        }
        Some(b'+') => {
            it.next();
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    for b in it.take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    // A C int: the value wraps to 32 bits.
    let v = if neg { v.wrapping_neg() } else { v };
    i64::from(v as i32)
}

/// Why a connection could not be made.
enum ConnectError {
    /// The address did not resolve or the connection failed at once (Redis:
    /// "connecting to the client").
    Address,
    /// The connection attempt failed or timed out. Redis connects without
    /// blocking and only meets this when writing, so it reports it as a
    /// write error (retried unless it was a timeout).
    Io { timed_out: bool },
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A fresh connection to `host:port`, with Redis's resolution of the port
/// (atoi; a negative one never resolves, one past 65535 wraps).
fn connect(host: &[u8], port: &[u8], timeout: Duration) -> Result<TcpStream, ConnectError> {
    let port = atoi(port);
    if port < 0 {
        return Err(ConnectError::Address);
    }
    let host = std::str::from_utf8(host).map_err(|_| ConnectError::Address)?;
    if host.is_empty() {
        return Err(ConnectError::Address);
    }
    let addrs: Vec<_> = (host, (port & 0xffff) as u16)
        .to_socket_addrs()
        .map_err(|_| ConnectError::Address)?
        .collect();
    let mut last = ConnectError::Address;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => {
                // Failures a non-blocking connect reports at once.
                const ENETUNREACH: i32 = 101;
                const EADDRNOTAVAIL: i32 = 99;
                const EAFNOSUPPORT: i32 = 97;
                last = match e.raw_os_error() {
                    Some(ENETUNREACH | EADDRNOTAVAIL | EAFNOSUPPORT) => ConnectError::Address,
                    _ => ConnectError::Io {
                        timed_out: timed_out(&e),
                    },
                };
            }
        }
    }
    Err(last)
}

/// How one attempt at the transfer ended when it did not finish the
/// command: a socket error, which Redis retries once on a new connection
/// unless it was a timeout or some key was already acknowledged.
struct SocketError {
    writing: bool,
    retryable: bool,
}

impl SocketError {
    fn read(e: &LineError) -> SocketError {
        SocketError {
            writing: false,
            retryable: !matches!(e, LineError::TimedOut),
        }
    }
}

enum LineError {
    TimedOut,
    /// End of stream, an I/O error, or an empty line (Redis's reader
    /// returns 0 for "\n", which MIGRATE takes as a failure).
    Failed,
}

/// Reads one reply line the way Redis's syncReadLine does: up to the
/// newline (a trailing CR dropped) or 1023 bytes, whichever comes first.
/// Buffered reads; what is read past the line stays in `pending`.
fn read_line(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Result<Vec<u8>, LineError> {
    loop {
        let window = pending.len().min(LINE_MAX + 1);
        if let Some(nl) = pending[..window].iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = pending.drain(..=nl).collect();
            line.pop();
            if line.is_empty() {
                return Err(LineError::Failed);
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(line);
        }
        if pending.len() >= LINE_MAX {
            return Ok(pending.drain(..LINE_MAX).collect());
        }
        let mut chunk = [0u8; READ_CHUNK];
        match stream.read(&mut chunk) {
            Ok(0) => return Err(LineError::Failed),
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if timed_out(&e) => return Err(LineError::TimedOut),
            Err(_) => return Err(LineError::Failed),
        }
    }
}

fn write_stream(stream: &mut TcpStream, bufs: &[&[u8]]) -> Result<(), SocketError> {
    for buf in bufs {
        for chunk in buf.chunks(WRITE_CHUNK) {
            stream.write_all(chunk).map_err(|e| SocketError {
                writing: true,
                retryable: !timed_out(&e),
            })?;
        }
    }
    Ok(())
}

/// Appends one command in RESP to `out`.
fn push_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.push(b'*');
    out.extend_from_slice(args.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
/// [AUTH password | AUTH2 username password] [KEYS key [key ...]]
///
/// Sends each existing key to the target as RESTORE (with its remaining
/// TTL, and REPLACE if given), preceded by AUTH and, unless the cached
/// connection already has it selected, SELECT. Keys the target accepted
/// are deleted here unless COPY, and the deletion propagates as one DEL.
/// Replies +OK, +NOKEY when none of the keys exists, the target's first
/// error as "ERR Target instance replied with error: ...", or -IOERR.
fn migrate(ctx: &mut Ctx, argv: &[&[u8]]) {
    let opts = match parse_opts(argv) {
        Ok(o) => o,
        Err(msg) => return ctx.c.reply.error(msg),
    };
    let Some(timeout) = super::arg_i64(ctx, argv[5]) else {
        return;
    };
    let Some(dbid) = super::arg_i64(ctx, argv[4]) else {
        return;
    };
    let timeout = if timeout <= 0 {
        DEFAULT_TIMEOUT_MS
    } else {
        timeout
    };
    let timeout = Duration::from_millis(timeout as u64);
    let (db, now) = (ctx.c.db, ctx.now);
    let keys = argv
        .get(opts.first_key..opts.first_key + opts.num_keys)
        .unwrap_or_default();
    // The keys present, serialized as RESTORE commands (Redis builds these
    // per attempt; they do not change between attempts).
    let compress = ctx.srv.config.get_bool("rdbcompression").unwrap_or(true);
    let fill = ctx.srv.config.list_max_listpack_size;
    let mut found: Vec<&[u8]> = Vec::new();
    for &k in keys {
        if ctx.srv.ks.lookup_read(db, k, now).is_some() {
            found.push(k);
        }
    }
    if found.is_empty() {
        return ctx.c.reply.simple("NOKEY");
    }
    let mut sent: Vec<&[u8]> = Vec::with_capacity(found.len());
    let mut restores = Vec::new();
    for &k in &found {
        // Redis skips a key that expired since the lookup and sends at
        // least 1 ms for one that expires now.
        let ttl = match ctx
            .srv
            .ks
            .get_expire(db, k)
            .map(|at| at.saturating_sub(now))
        {
            Some(left) if left < 0 => continue,
            Some(left) => left.max(1),
            None => 0,
        };
        let Some(v) = ctx.srv.ks.get_live(db, k) else {
            continue;
        };
        let payload = match rdb::dump_payload(v, compress, fill) {
            Ok(p) => p,
            Err(e) => return ctx.c.reply.error(&format!("ERR {e}")),
        };
        let ttl = ttl.to_string();
        let mut args: Vec<&[u8]> = vec![b"RESTORE", k, ttl.as_bytes(), &payload];
        if opts.replace {
            args.push(b"REPLACE");
        }
        push_command(&mut restores, &args);
        sent.push(k);
    }
    let mut name = argv[1].to_vec();
    name.push(b':');
    name.extend_from_slice(argv[2]);
    let mut may_retry = true;
    loop {
        match attempt(ctx, argv, &opts, &name, dbid, timeout, &sent, &restores) {
            Ok(()) => return,
            Err(e) => {
                if may_retry && e.retryable {
                    may_retry = false;
                    continue;
                }
                let msg = if e.writing { IOERR_WRITE } else { IOERR_READ };
                return ctx.c.reply.error(msg);
            }
        }
    }
}

/// One try at the transfer over a cached or new connection. Ok when the
/// command has replied; Err for a socket error before anything was
/// acknowledged, which the caller may retry.
#[allow(clippy::too_many_arguments)]
fn attempt(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    opts: &Opts,
    name: &[u8],
    dbid: i64,
    timeout: Duration,
    sent: &[&[u8]],
    restores: &[u8],
) -> Result<(), SocketError> {
    let now = ctx.now;
    let mut conn = match ctx.srv.migrate.conns.remove(name) {
        Some(c) => c,
        None => match connect(argv[1], argv[2], timeout) {
            Ok(stream) => Cached {
                stream,
                pending: Vec::new(),
                last_dbid: -1,
                last_use_ms: now,
            },
            Err(ConnectError::Address) => {
                ctx.c.reply.error(IOERR_CONNECT);
                return Ok(());
            }
            Err(ConnectError::Io { timed_out }) => {
                return Err(SocketError {
                    writing: true,
                    retryable: !timed_out,
                });
            }
        },
    };
    conn.last_use_ms = now;
    let _ = conn.stream.set_read_timeout(Some(timeout));
    let _ = conn.stream.set_write_timeout(Some(timeout));
    let mut prefix = Vec::new();
    if let Some(pass) = opts.password {
        match opts.username {
            Some(user) => push_command(&mut prefix, &[b"AUTH", user, pass]),
            None => push_command(&mut prefix, &[b"AUTH", pass]),
        }
    }
    let select = conn.last_dbid != dbid;
    if select {
        push_command(&mut prefix, &[b"SELECT", dbid.to_string().as_bytes()]);
    }
    write_stream(&mut conn.stream, &[&prefix, restores])?;
    let auth_reply = match opts.password {
        Some(_) => Some(
            read_line(&mut conn.stream, &mut conn.pending).map_err(|e| SocketError::read(&e))?,
        ),
        None => None,
    };
    let select_reply = if select {
        Some(read_line(&mut conn.stream, &mut conn.pending).map_err(|e| SocketError::read(&e))?)
    } else {
        None
    };
    let is_err = |r: &Option<Vec<u8>>| r.as_ref().is_some_and(|l| l.first() == Some(&b'-'));
    let mut error_from_target = false;
    let mut socket_error: Option<LineError> = None;
    let mut deleted: Vec<&[u8]> = Vec::new();
    let db = ctx.c.db;
    let mut read = 0;
    for &key in sent {
        let line = match read_line(&mut conn.stream, &mut conn.pending) {
            Ok(l) => l,
            Err(e) => {
                socket_error = Some(e);
                break;
            }
        };
        read += 1;
        let failed = if is_err(&auth_reply) {
            auth_reply.as_deref()
        } else if is_err(&select_reply) {
            select_reply.as_deref()
        } else if line.first() == Some(&b'-') {
            Some(line.as_slice())
        } else {
            None
        };
        match failed {
            Some(err) if !error_from_target => {
                conn.last_dbid = -1;
                error_from_target = true;
                reply_target_error(ctx, err);
            }
            Some(_) => {}
            None if !opts.copy => {
                let ks = &mut ctx.srv.ks;
                if !ks.delete(db, key) {
                    // A key named twice: Redis counts the second deletion
                    // as a change too.
                    ks.signal_modified(db, key);
                }
                ks.notify(crate::db::notify::GENERIC, "del", db, key);
                deleted.push(key);
            }
            None => {}
        }
    }
    if let Some(e) = &socket_error
        && !error_from_target
        && read == 0
        && !matches!(e, LineError::TimedOut)
    {
        // Nothing acknowledged: the caller may retry on a new connection.
        return Err(SocketError::read(e));
    }
    if !deleted.is_empty() {
        let mut del: Vec<&[u8]> = Vec::with_capacity(deleted.len() + 1);
        del.push(b"DEL");
        del.extend_from_slice(&deleted);
        ctx.propagate_as(&del);
    }
    if let Some(e) = socket_error {
        // The connection is dropped here (not put back).
        if !error_from_target {
            return Err(SocketError {
                retryable: false,
                ..SocketError::read(&e)
            });
        }
        return Ok(());
    }
    if !error_from_target {
        conn.last_dbid = dbid;
        ctx.c.reply.ok();
    }
    ctx.srv.migrate.put(name.to_vec(), conn);
    Ok(())
}

/// "-ERR Target instance replied with error: <the target's line without
/// its '-'>", the text cut at a NUL byte (Redis formats it as a C string)
/// and CR/LF turned into spaces.
fn reply_target_error(ctx: &mut Ctx, line: &[u8]) {
    let text = line.get(1..).unwrap_or_default();
    let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())];
    let mut end = text.len();
    while end > 0 && matches!(text[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    let buf = &mut ctx.c.reply.buf;
    buf.push(b'-');
    buf.extend_from_slice(TARGET_ERROR_PREFIX);
    buf.extend(
        text[..end]
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
    buf.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    /// A fake target: accepts `conns` connections in turn; on each, reads
    /// until `expect_cmds` RESP commands arrived (counted by their '*'
    /// headers at line starts, good enough for these payloads), then writes
    /// `reply` and keeps the socket open until the peer closes it. Returns
    /// the port and, from the thread, everything it received per connection.
    fn fake_target(
        conns: usize,
        expect_cmds: usize,
        reply: &'static [u8],
    ) -> (u16, JoinHandle<Vec<Vec<u8>>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = std::thread::spawn(move || {
            let mut got = Vec::new();
            for _ in 0..conns {
                let (mut s, _) = l.accept().unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while count_commands(&buf) < expect_cmds {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = s.write_all(reply);
                // Wait for the peer to close (or a timeout).
                while let Ok(n) = s.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                }
                got.push(buf);
            }
            got
        });
        (port, h)
    }

    fn count_commands(buf: &[u8]) -> usize {
        buf.split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"*"))
            .count()
    }

    fn migrate(h: &mut Harness, port: u16, rest: &[&str]) -> String {
        let port = port.to_string();
        let mut argv = vec!["MIGRATE", "127.0.0.1", port.as_str()];
        argv.extend_from_slice(rest);
        h.run(&argv)
    }

    #[test]
    fn sends_select_and_restore_with_the_remaining_ttl() {
        let (port, t) = fake_target(1, 3, b"+OK\r\n+OK\r\n+OK\r\n");
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "2", "PXAT", "1005000"]);
        let r = migrate(
            &mut h,
            port,
            &["", "5", "2000", "REPLACE", "KEYS", "a", "b"],
        );
        assert_eq!(r, "+OK\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
        assert_eq!(h.srv.migrate.len(), 1);
        h.srv.migrate.close_idle(i64::MAX);
        let got = t.join().unwrap();
        let text = String::from_utf8_lossy(&got[0]).into_owned();
        assert!(text.starts_with(
            "*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n*5\r\n$7\r\nRESTORE\r\n$1\r\na\r\n$1\r\n0\r\n"
        ));
        assert!(text.contains("$1\r\nb\r\n$4\r\n5000\r\n"), "{text:?}");
        assert!(text.ends_with("$7\r\nREPLACE\r\n"));
    }

    #[test]
    fn auth_precedes_select_and_its_error_fails_every_key() {
        // The target refuses AUTH but takes the RESTORE: Redis still counts
        // the key as refused and keeps it.
        let (port, t) = fake_target(1, 3, b"-WRONGPASS nope\r\n+OK\r\n+OK\r\n");
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        let r = migrate(&mut h, port, &["a", "0", "2000", "AUTH2", "u", "p"]);
        assert_eq!(
            r,
            "-ERR Target instance replied with error: WRONGPASS nope\r\n"
        );
        assert_eq!(h.run(&["EXISTS", "a"]), ":1\r\n");
        h.srv.migrate.close_idle(i64::MAX);
        let got = t.join().unwrap();
        assert!(
            got[0].starts_with(b"*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$1\r\np\r\n*2\r\n$6\r\nSELECT")
        );
    }

    #[test]
    fn a_cached_connection_skips_select_and_expires_when_idle() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut chunk = [0u8; 4096];
            let mut all = Vec::new();
            // First MIGRATE: SELECT + RESTORE; second: RESTORE only.
            for replies in [&b"+OK\r\n+OK\r\n"[..], b"+OK\r\n"] {
                let want = replies.len() / 5;
                let mut buf = Vec::new();
                while count_commands(&buf) < want {
                    let n = s.read(&mut chunk).unwrap();
                    assert!(n > 0);
                    buf.extend_from_slice(&chunk[..n]);
                }
                s.write_all(replies).unwrap();
                all.push(buf);
            }
            let n = s.read(&mut chunk).unwrap_or(0);
            (all, n)
        });
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        h.run(&["SET", "a", "1"]);
        assert_eq!(
            migrate(&mut h, port, &["a", "0", "2000", "COPY"]),
            "+OK\r\n"
        );
        h.now = Some(1_005_000);
        assert_eq!(
            migrate(&mut h, port, &["a", "0", "2000", "COPY"]),
            "+OK\r\n"
        );
        assert_eq!(h.srv.migrate.len(), 1);
        h.srv.migrate.close_idle(1_005_000 + CACHE_TTL_MS);
        assert_eq!(h.srv.migrate.len(), 1);
        h.srv.migrate.close_idle(1_005_000 + CACHE_TTL_MS + 1);
        assert_eq!(h.srv.migrate.len(), 0);
        let (all, eof) = t.join().unwrap();
        assert!(all[0].starts_with(b"*2\r\n$6\r\nSELECT"));
        assert!(all[1].starts_with(b"*4\r\n$7\r\nRESTORE"));
        assert_eq!(eof, 0);
    }

    #[test]
    fn odd_target_replies_never_panic() {
        // A reply line longer than 1023 bytes is cut there, as Redis cuts
        // it; CR inside becomes a space; a NUL ends the text.
        let mut long = b"-ERR ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 3000));
        long.extend_from_slice(b"\r\n");
        let long: &'static [u8] = Box::leak(long.into_boxed_slice());
        for (reply, want) in [
            (
                &b"+OK\r\n-BUSYKEY a\rb\r\n"[..],
                "-ERR Target instance replied with error: BUSYKEY a b\r\n".to_string(),
            ),
            (
                b"+OK\r\n-E\0hidden\r\n",
                "-ERR Target instance replied with error: E\r\n".to_string(),
            ),
            (b"+OK\r\n$3\r\nfoo\r\n", "+OK\r\n".to_string()),
            (
                long,
                format!("-ERR Target instance replied with error: {}\r\n", {
                    let mut s = "ERR ".to_string();
                    s.push_str(&"x".repeat(LINE_MAX - 5));
                    s
                }),
            ),
        ] {
            let (port, t) = fake_target(1, 2, reply);
            let mut h = Harness::new();
            h.run(&["SET", "a", "1"]);
            let r = migrate(&mut h, port, &["a", "0", "2000", "COPY"]);
            assert_eq!(r, want);
            h.srv.migrate.close_idle(i64::MAX);
            t.join().unwrap();
        }
    }

    #[test]
    fn a_target_that_hangs_up_is_retried_once() {
        // Both connections are closed without a reply: one retry on a new
        // connection, then the read error, and the key stays.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let closer = std::thread::spawn(move || {
            for _ in 0..2 {
                // Take the request (so the write side completes), then
                // hang up without a word.
                let (mut s, _) = l.accept().unwrap();
                let mut chunk = [0u8; 4096];
                let _ = s.read(&mut chunk);
                drop(s);
            }
        });
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        let r = migrate(&mut h, port, &["a", "0", "2000"]);
        assert_eq!(r, "-IOERR error or timeout reading to target instance\r\n");
        assert_eq!(h.run(&["EXISTS", "a"]), ":1\r\n");
        assert_eq!(h.srv.migrate.len(), 0);
        closer.join().unwrap();
    }

    #[test]
    fn options_and_errors() {
        let mut h = Harness::new();
        let cases: &[(&[&str], &str)] = &[
            (
                &["k", "0", "1", "KEYS", "a"],
                "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n",
            ),
            (&["k", "0", "1", "AUTH"], "-ERR syntax error\r\n"),
            (&["k", "0", "1", "AUTH2", "u"], "-ERR syntax error\r\n"),
            (&["k", "0", "1", "COPY", "bogus"], "-ERR syntax error\r\n"),
            (
                &["k", "x", "1"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &["k", "0", "1.5"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (&["k", "0", "1"], "+NOKEY\r\n"),
            (&["", "0", "1", "KEYS"], "+NOKEY\r\n"),
            (
                &["", "0", "1", "AUTH", "KEYS", "KEYS", "nope"],
                "+NOKEY\r\n",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(migrate(&mut h, 1, args), *want, "{args:?}");
        }
        assert_eq!(
            h.run(&["MIGRATE", "h", "1", "k", "0"]),
            "-ERR wrong number of arguments for 'migrate' command\r\n"
        );
        h.run(&["SET", "k", "v"]);
        // A closed port (bound then released), with the largest timeout.
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        for timeout in ["9223372036854775807", "0", "-3"] {
            let r = migrate(&mut h, closed, &["k", "0", timeout]);
            assert_eq!(
                r, "-IOERR error or timeout writing to target instance\r\n",
                "{timeout}"
            );
        }
        assert_eq!(
            h.run(&["MIGRATE", "", "1", "k", "0", "100"]),
            "-IOERR error or timeout connecting to the client\r\n"
        );
        assert_eq!(
            h.run(&["MIGRATE", "127.0.0.1", "-5", "k", "0", "100"]),
            "-IOERR error or timeout connecting to the client\r\n"
        );
        assert_eq!(
            h.run(&["MIGRATE", "127.0.0.1\u{0}", "1", "k", "0", "100"]),
            "-IOERR error or timeout connecting to the client\r\n"
        );
    }

    #[test]
    fn port_is_read_like_atoi() {
        assert_eq!(atoi(b"6379"), 6379);
        assert_eq!(atoi(b"  12abc"), 12);
        assert_eq!(atoi(b"+7"), 7);
        assert_eq!(atoi(b"-1"), -1);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"4294967297"), 1);
        assert_eq!(atoi(&[b'9'; 400]), i64::from(i64::MAX as i32));
    }

    #[test]
    fn getkeys_walks_options_like_redis() {
        let argv =
            |s: &[&'static str]| -> Vec<&'static [u8]> { s.iter().map(|a| a.as_bytes()).collect() };
        let pos = |s: &[&'static str]| -> Vec<usize> {
            getkeys(&argv(s)).into_iter().map(|(p, _)| p).collect()
        };
        assert_eq!(pos(&["migrate", "h", "1", "k", "0", "5"]), vec![3]);
        assert_eq!(
            pos(&["migrate", "h", "1", "", "0", "5", "KEYS", "a", "b"]),
            vec![7, 8]
        );
        assert_eq!(
            pos(&["migrate", "h", "1", "k", "0", "5", "KEYS", "a"]),
            Vec::<usize>::new()
        );
        assert_eq!(
            pos(&[
                "migrate", "h", "1", "", "0", "5", "AUTH", "KEYS", "KEYS", "a"
            ]),
            vec![9]
        );
        assert_eq!(
            pos(&[
                "migrate", "h", "1", "", "0", "5", "AUTH2", "KEYS", "KEYS", "KEYS", "a"
            ]),
            vec![10]
        );
        assert_eq!(
            pos(&["migrate", "h", "1", "", "0", "5", "KEYS"]),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn secrets_are_the_values_the_parser_reached() {
        let argv: Vec<&[u8]> = [
            "migrate", "h", "1", "k", "0", "5", "COPY", "AUTH", "pw", "AUTH2", "u", "p", "KEYS",
            "AUTH",
        ]
        .iter()
        .map(|a| a.as_bytes())
        .collect();
        let hidden: Vec<usize> = (0..argv.len())
            .filter(|&i| redacted_arg(&argv, i))
            .collect();
        assert_eq!(hidden, vec![8, 10, 11]);
        let short: Vec<&[u8]> = vec![b"migrate", b"h", b"1", b"k", b"0", b"5", b"AUTH2", b"u"];
        assert!((0..short.len()).all(|i| !redacted_arg(&short, i)));
    }
}
