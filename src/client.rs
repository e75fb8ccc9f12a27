//! One connection: its socket, query buffer, pending reply, protocol version,
//! selected database, name and flags. Knows no command.

use crate::resp::ReplyBuf;
use std::collections::HashSet;
use std::io::{self, Read, Write};

/// Bytes read per `read` call (Redis PROTO_IOBUF_LEN).
pub const READ_CHUNK: usize = 16 * 1024;
/// A reply buffer larger than this is released by the clients cron once the
/// client has been quiet for a while (`shrink_idle_buffers`), so one big
/// reply does not pin memory for the life of the connection, while a busy
/// client (a subscriber under a steady stream) keeps its buffer instead of
/// reallocating and faulting it in again on every loop turn.
const REPLY_KEEP_CAPACITY: usize = 64 * 1024;
/// Quiet time after which large buffers are released (Redis shrinks query
/// buffers of clients idle for 2 seconds).
const BUFFER_IDLE_MS: i64 = 2000;
/// Most room made ahead of a large bulk in one step: a client announcing a
/// 512 MB argument gets its buffer grown as the bytes arrive (doubling), not
/// 512 MB up front for bytes it may never send.
const PREALLOC_MAX: usize = 1024 * 1024;
/// A query buffer larger than this is shrunk once it empties.
const QUERY_KEEP_CAPACITY: usize = 64 * 1024;

pub enum Conn {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
    /// No socket: in-process clients (tests, future script callers).
    Fake,
}

impl Conn {
    pub fn source(&mut self) -> Option<&mut dyn mio::event::Source> {
        match self {
            Conn::Tcp(s) => Some(s),
            Conn::Unix(s) => Some(s),
            Conn::Fake => None,
        }
    }

    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
            Conn::Fake => Ok(0),
        }
    }

    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            Conn::Unix(s) => s.write(buf),
            Conn::Fake => Ok(buf.len()),
        }
    }

    pub fn is_unix(&self) -> bool {
        matches!(self, Conn::Unix(_))
    }

    /// The file descriptor (CLIENT LIST `fd=`); -1 for fake clients.
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match self {
            Conn::Tcp(s) => s.as_raw_fd(),
            Conn::Unix(s) => s.as_raw_fd(),
            Conn::Fake => -1,
        }
    }
}

/// A query buffer that is always fully initialised: bytes `start..end` are
/// unparsed input, `end..data.len()` is room for the next read.
#[derive(Default)]
pub struct QueryBuf {
    pub data: Vec<u8>,
    pub start: usize,
    pub end: usize,
    /// Buffered length at which parsing can make progress again.
    pub need: usize,
    /// Where an incomplete multibulk's parsing resumes.
    pub parse: crate::resp::ParseState,
}

impl QueryBuf {
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// Makes at least READ_CHUNK bytes of room after `end` (more when a
    /// known large bulk is still arriving, so it lands in few reads), moving
    /// unparsed bytes to the front first. Returns the room.
    pub fn room(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.data.len() > QUERY_KEEP_CAPACITY && self.need <= READ_CHUNK {
                self.data = Vec::new();
            }
        }
        let want = READ_CHUNK.max(
            self.need
                .saturating_sub(self.pending())
                .min(PREALLOC_MAX.max(self.pending())),
        );
        if self.data.len() - self.end < want {
            if self.start > 0 {
                self.data.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.data.len() - self.end < want {
                self.data.resize(self.end + want, 0);
            }
        }
        &mut self.data[self.end..]
    }

    pub fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }
}

/// A transaction being queued (between MULTI and EXEC/DISCARD).
#[derive(Debug, Default)]
pub struct MultiState {
    /// Queued commands, arguments owned (the query buffer moves on).
    pub queue: Vec<Vec<Vec<u8>>>,
    /// A command was rejected while queuing: EXEC answers EXECABORT.
    pub errored: bool,
    /// Bytes held by the queue (CLIENT LIST `multi-mem`).
    pub mem: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyMode {
    #[default]
    On,
    Off,
    /// Skip the reply of the next command only.
    SkipNext,
    /// Skip this command's reply (set from SkipNext when a command starts).
    Skip,
}

pub struct Client {
    pub id: u64,
    /// Slab key, also the mio token.
    pub token: usize,
    pub conn: Conn,
    pub query: QueryBuf,
    pub reply: ReplyBuf,
    /// Bytes of `reply.buf` already written to the socket.
    pub sent: usize,
    pub db: usize,
    pub name: Vec<u8>,
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
    pub authenticated: bool,
    pub reply_mode: ReplyMode,
    pub no_evict: bool,
    pub no_touch: bool,
    /// Close once the pending reply is written (QUIT, protocol error, KILL).
    pub close_after_reply: bool,
    /// Close now, discarding any pending reply.
    pub close_asap: bool,
    /// Already queued in the server's pending-write list.
    pub write_queued: bool,
    pub addr: String,
    pub laddr: String,
    pub created_ms: i64,
    pub last_interaction_ms: i64,
    /// Name of the last command run (CLIENT LIST `cmd=`).
    pub last_cmd: &'static str,
    /// Set between MULTI and EXEC/DISCARD.
    pub multi: Option<Box<MultiState>>,
    /// Keys this client WATCHes: (db, key).
    pub watched: Vec<(usize, Vec<u8>)>,
    /// Set by MONITOR (CLIENT LIST flag `O`).
    pub monitor: bool,
    /// Set while parked by a blocking command.
    pub blocked: Option<Box<crate::server::blocking::BlockState>>,
    /// True while the loop re-runs this blocked client's command; a
    /// command that blocks again then only sets `still_blocked`.
    pub reprocessing: bool,
    pub still_blocked: bool,
    /// The command CLIENT PAUSE holds (see `server/pause.rs`); the input
    /// after it stays in the query buffer.
    pub held: Option<Vec<Vec<u8>>>,
    /// Pub/sub subscriptions: channels, patterns, shard channels.
    pub subs: HashSet<Vec<u8>, ahash::RandomState>,
    pub psubs: HashSet<Vec<u8>, ahash::RandomState>,
    pub ssubs: HashSet<Vec<u8>, ahash::RandomState>,
    /// When the reply backlog first went over the soft output buffer limit
    /// (unix ms), 0 when under it.
    pub obuf_soft_since: i64,
    /// True while EXEC runs this client's queued commands (blocking
    /// commands then behave as non-blocking).
    pub in_exec: bool,
    /// Total bytes read from and written to this client.
    pub net_in: u64,
    pub net_out: u64,
    /// CLIENT TRACKING options while tracking is on.
    pub tracking: Option<Box<crate::server::tracking::ClientTracking>>,
    /// The ACL user this connection runs as ("default" until AUTH).
    pub user: Vec<u8>,
    /// Replication state once the connection sent REPLCONF or SYNC/PSYNC.
    pub repl: Option<Box<crate::server::repl::ReplicaState>>,
    /// `master_repl_offset` after this client's last command that added
    /// to the replication stream: what WAIT waits for.
    pub repl_woff: u64,
}

impl Client {
    pub fn new(id: u64, token: usize, conn: Conn, addr: String, laddr: String, now: i64) -> Self {
        Client {
            id,
            token,
            conn,
            query: QueryBuf::default(),
            reply: ReplyBuf::new(),
            sent: 0,
            db: 0,
            name: Vec::new(),
            lib_name: Vec::new(),
            lib_ver: Vec::new(),
            authenticated: false,
            user: b"default".to_vec(),
            reply_mode: ReplyMode::On,
            no_evict: false,
            no_touch: false,
            close_after_reply: false,
            close_asap: false,
            write_queued: false,
            addr,
            laddr,
            created_ms: now,
            last_interaction_ms: now,
            last_cmd: "NULL",
            multi: None,
            watched: Vec::new(),
            in_exec: false,
            monitor: false,
            blocked: None,
            reprocessing: false,
            held: None,
            still_blocked: false,
            subs: HashSet::default(),
            psubs: HashSet::default(),
            ssubs: HashSet::default(),
            tracking: None,
            obuf_soft_since: 0,
            net_in: 0,
            net_out: 0,
            repl: None,
            repl_woff: 0,
        }
    }

    /// Channel plus pattern subscriptions (what (UN)SUBSCRIBE replies count).
    pub fn subscription_count(&self) -> usize {
        self.subs.len() + self.psubs.len()
    }

    /// In RESP2, a client with any subscription may only run the pub/sub
    /// commands, PING, QUIT and RESET.
    pub fn in_subscribed_context(&self) -> bool {
        !self.reply.resp3 && (self.subscription_count() > 0 || !self.ssubs.is_empty())
    }

    /// Releases large, empty buffers of a client quiet since `now -
    /// BUFFER_IDLE_MS` (clients cron).
    pub fn shrink_idle_buffers(&mut self, now: i64) {
        if now - self.last_interaction_ms < BUFFER_IDLE_MS {
            return;
        }
        if self.reply.buf.is_empty() && self.reply.buf.capacity() > REPLY_KEEP_CAPACITY {
            self.reply.buf = Vec::new();
        }
        if self.query.pending() == 0 && self.query.data.len() > QUERY_KEEP_CAPACITY {
            self.query = QueryBuf::default();
        }
    }

    pub fn has_pending_reply(&self) -> bool {
        self.sent < self.reply.buf.len()
    }

    /// One `write` of the pending reply. Ok(true) = everything written.
    pub fn flush(&mut self) -> io::Result<bool> {
        while self.sent < self.reply.buf.len() {
            match self.conn.write(&self.reply.buf[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.sent += n;
                    self.net_out += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        self.sent = 0;
        self.reply.buf.clear();
        Ok(true)
    }

    /// RESET: puts the connection back in the state of a new one (Redis
    /// clearClientConnectionState): database 0, RESP2, no name, CLIENT REPLY
    /// ON, no-evict and no-touch off, and not authenticated when a password
    /// is required. lib-name/lib-ver stay: they still describe the library
    /// behind the connection. A CLIENT REPLY SKIP that applies to the
    /// running command (RESET itself) still applies to it.
    /// Future per-connection state (MULTI, subscriptions) is cleared here too.
    pub fn reset_connection_state(&mut self, password_required: bool) {
        self.db = 0;
        self.reply.resp3 = false;
        self.authenticated = !password_required;
        self.user = b"default".to_vec();
        self.name = Vec::new();
        self.no_evict = false;
        self.no_touch = false;
        if matches!(self.reply_mode, ReplyMode::Off | ReplyMode::SkipNext) {
            self.reply_mode = ReplyMode::On;
        }
    }

    /// Bytes of reply not yet written (CLIENT LIST `omem`-like).
    pub fn pending_reply_bytes(&self) -> usize {
        self.reply.buf.len() - self.sent
    }

    /// The `flags=` letters of CLIENT LIST, in Redis's order.
    pub fn flags_string(&self) -> String {
        let mut f = String::new();
        if self.monitor {
            f.push('O');
        } else if self.is_replica() {
            f.push('S');
        }
        if self.subscription_count() > 0 || !self.ssubs.is_empty() {
            f.push('P');
        }
        if self.multi.is_some() {
            f.push('x');
        }
        if self.blocked.is_some() || self.held.is_some() {
            f.push('b');
        }
        if let Some(t) = &self.tracking {
            f.push('t');
            if t.broken_redirect {
                f.push('R');
            }
            if t.bcast {
                f.push('B');
            }
        }
        if self.close_after_reply {
            f.push('c');
        }
        if self.close_asap {
            f.push('A');
        }
        if self.conn.is_unix() {
            f.push('U');
        }
        if self.no_evict {
            f.push('e');
        }
        if self.no_touch {
            f.push('T');
        }
        if f.is_empty() {
            f.push('N');
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_buf_compacts_and_grows() {
        let mut q = QueryBuf::default();
        let room = q.room();
        assert!(room.len() >= READ_CHUNK);
        room[..5].copy_from_slice(b"hello");
        q.end += 5;
        q.consume(2);
        assert_eq!(&q.data[q.start..q.end], b"llo");
        q.need = 100_000;
        let room_len = q.room().len();
        assert!(room_len >= 100_000 - 3);
        // An announced huge bulk does not allocate its size up front.
        q.need = 512 * 1024 * 1024;
        assert!(q.room().len() <= 2 * PREALLOC_MAX);
        assert_eq!(&q.data[q.start..q.end], b"llo");
        q.consume(3);
        assert_eq!(q.pending(), 0);
    }
}
