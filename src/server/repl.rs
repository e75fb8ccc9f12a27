//! The master side of replication: replicas attached with SYNC/PSYNC, the
//! snapshot they start from and the write stream that follows it.
//!
//! A replica asks for a full resync; ember answers `+FULLRESYNC <replid>
//! <offset>` (PSYNC only) when a background save for it forks, buffers the
//! stream produced after the fork for that replica, sends the RDB file as
//! `$<len>\r\n<bytes>` in chunks read from disk as the socket drains
//! (`send_rdb`, never the whole file in memory), then the buffered stream,
//! then the live stream. The stream is what propagation hands the AOF
//! (`persist::aof::feed_ready` calls [`Master::feed`] and [`distribute`]),
//! with a SELECT whenever the database changes, plus periodic PINGs and
//! `REPLCONF GETACK *` for WAIT and WAITAOF. `master_repl_offset` counts
//! the stream's bytes (and, with the AOF on but no stream, one per
//! command: Redis 7.2); the backlog keeps its last `repl-backlog-size`
//! bytes so a replica that reconnects with the same replication ID and an
//! offset still in it continues (`+CONTINUE`) instead of loading a new
//! snapshot. Replicas' ACKs (and FACKs, their fsynced AOF offset) answer
//! the clients blocked in WAIT / WAITAOF ([`serve_waiters`]).
//!
//! Knows no command: `cmd::replication` parses SYNC, PSYNC, REPLCONF.

use super::Server;
use crate::client::Client;
use crate::server::propagate::{ANY_DB, encode_command};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};

/// Bytes of the RDB file read per step of a transfer (Redis sends 16 KB
/// per write; a larger chunk means fewer reads for the same memory bound).
const RDB_CHUNK: usize = 64 * 1024;
/// How often (ms) waiting replicas get a keep-alive newline and the
/// replication cron runs its checks (Redis's replicationCron runs once a
/// second).
const CRON_PERIOD_MS: i64 = 1000;

/// Where a replica is in its synchronisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Sent REPLCONF but no SYNC/PSYNC yet: an ordinary client.
    Handshake,
    /// Waiting for a background save to fork (another child is running).
    WaitBgsaveStart,
    /// The save for it runs; the stream since the fork is buffered.
    WaitBgsaveEnd,
    /// The RDB file is being sent.
    SendBulk,
    /// Receiving the live stream.
    Online,
}

impl SyncState {
    /// The `state=` word of INFO replication.
    pub(crate) fn info_word(self) -> &'static str {
        match self {
            SyncState::Handshake | SyncState::WaitBgsaveStart | SyncState::WaitBgsaveEnd => {
                "wait_bgsave"
            }
            SyncState::SendBulk => "send_bulk",
            SyncState::Online => "online",
        }
    }
}

/// An RDB file being sent to a replica.
#[derive(Debug)]
struct Transfer {
    file: File,
    left: u64,
}

/// Replication state of one connection (`Client::repl`).
#[derive(Debug)]
pub struct ReplicaState {
    pub state: SyncState,
    /// REPLCONF listening-port / ip-address.
    pub listening_port: i64,
    pub announced_ip: Option<String>,
    /// The offset the replica last acknowledged, and when (unix ms).
    pub ack_offset: u64,
    pub ack_ms: i64,
    /// The offset it last said is fsynced to its AOF (`REPLCONF ACK
    /// <offset> FACK <aof offset>`, Redis `repl_aof_off`; 0 from replicas
    /// that send no FACK, such as Redis before 7.2).
    pub aof_ack_offset: u64,
    /// Asked with PSYNC (gets `+FULLRESYNC`, sends ACKs), not old SYNC.
    pub psync: bool,
    /// REPLCONF rdb-only 1: only the snapshot is wanted (redis-cli --rdb).
    pub rdb_only: bool,
    /// REPLCONF rdb-filter-only functions: a snapshot without keys.
    pub functions_only: bool,
    /// REPLCONF capa eof: reads a diskless (`$EOF:`) transfer.
    pub capa_eof: bool,
    /// When it asked for a full sync (unix ms): `repl-diskless-sync-delay`
    /// counts from the first of the waiting replicas.
    wait_since: i64,
    /// Its snapshot is being written to its socket by the diskless child:
    /// the parent writes nothing to it meanwhile.
    diskless: bool,
    /// Received a diskless snapshot: online, but the held stream waits for
    /// its first REPLCONF ACK (it is still loading until then).
    stream_on_ack: bool,
    /// `master_repl_offset` at the fork of its snapshot.
    sync_offset: u64,
    /// The stream produced since that fork, held until the RDB is sent.
    held: Vec<u8>,
    transfer: Option<Transfer>,
}

impl ReplicaState {
    pub fn new() -> Self {
        ReplicaState {
            state: SyncState::Handshake,
            listening_port: 0,
            announced_ip: None,
            ack_offset: 0,
            ack_ms: 0,
            aof_ack_offset: 0,
            psync: false,
            rdb_only: false,
            functions_only: false,
            capa_eof: false,
            wait_since: 0,
            diskless: false,
            stream_on_ack: false,
            sync_offset: 0,
            held: Vec::new(),
            transfer: None,
        }
    }
}

impl Default for ReplicaState {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// Attached as a replica (SYNC/PSYNC ran): CLIENT LIST flag `S`.
    pub fn is_replica(&self) -> bool {
        self.repl
            .as_ref()
            .is_some_and(|r| r.state != SyncState::Handshake)
    }

    /// Bytes held for this replica beyond its reply buffer.
    pub fn repl_held_bytes(&self) -> usize {
        self.repl.as_ref().map_or(0, |r| r.held.len())
    }
}

/// The directives replication reads on every write, kept here so the
/// hot path does no registry lookup (`refresh_config` after CONFIG SET).
#[derive(Debug, Default, Clone, Copy)]
pub struct ReplConfig {
    /// (min-replicas-to-write, min-replicas-max-lag) when both are set.
    min_replicas: Option<(i64, i64)>,
    backlog_size: usize,
    /// The `replica` class of client-output-buffer-limit.
    obuf_limit: (u64, u64, u64),
}

impl ReplConfig {
    pub fn from_config(cfg: &crate::config::Config) -> Self {
        let min = cfg.get_int("min-replicas-to-write").unwrap_or(0);
        let lag = cfg.get_int("min-replicas-max-lag").unwrap_or(10);
        ReplConfig {
            min_replicas: (min > 0 && lag > 0).then_some((min as i64, lag as i64)),
            backlog_size: cfg
                .get_int("repl-backlog-size")
                .and_then(|v| usize::try_from(v).ok())
                .unwrap_or(1 << 20)
                .max(1),
            obuf_limit: cfg.client_output_buffer_limits()[1],
        }
    }
}

/// CONFIG SET changed a directive in [`ReplConfig`].
pub fn refresh_config(srv: &mut Server) {
    srv.repl.cfg = ReplConfig::from_config(&srv.config);
}

/// The master's replication state (`Server::repl`).
#[derive(Debug, Default)]
pub struct Master {
    pub cfg: ReplConfig,
    /// master_repl_offset: bytes of stream produced since start.
    pub offset: u64,
    /// The last `repl-backlog-size` bytes of the stream; None until the
    /// first replica attaches (Redis creates it then too).
    backlog: Option<VecDeque<u8>>,
    /// Tokens of attached replicas, in attach order.
    pub replicas: Vec<usize>,
    /// The database the stream last selected.
    selected_db: Option<usize>,
    /// Stream produced by the current command, not yet distributed.
    out: Vec<u8>,
    /// The background save forked for replicas.
    bgsave_pid: Option<i32>,
    /// The diskless transfer child (`repl-diskless-sync yes`) and the
    /// pipe it reports the bytes it sent on.
    socket_pid: Option<i32>,
    socket_report: Option<io::PipeReader>,
    last_cron_ms: i64,
    /// When the last replica detached (for `repl-backlog-ttl`).
    idle_since: i64,
    last_ping_ms: i64,
    /// Clients blocked in WAIT.
    pub waiters: Vec<usize>,
    /// A WAIT asked for acknowledgements: send GETACK before sleeping.
    pub get_ack: bool,
    /// INFO stats sync_full, sync_partial_ok, sync_partial_err.
    pub sync_full: u64,
    pub sync_partial_ok: u64,
    pub sync_partial_err: u64,
    /// The previous history's ID and the first offset it does not cover
    /// (INFO master_replid2 / second_repl_offset): a replica promoted with
    /// REPLICAOF NO ONE still continues its own replicas of that history.
    pub replid2: Option<(String, u64)>,
    /// Set while ember is itself a replica (`server::replica`): the stream
    /// is the master's, proxied verbatim ([`proxy`]), so commands run here
    /// feed only the AOF and no PINGs of our own are added.
    pub proxying: bool,
}

impl Master {
    pub fn new(cfg: &crate::config::Config) -> Self {
        Master {
            cfg: ReplConfig::from_config(cfg),
            ..Default::default()
        }
    }

    /// Whether some replica is attached.
    pub fn active(&self) -> bool {
        !self.replicas.is_empty()
    }

    /// Whether the stream is produced: while the backlog exists, also
    /// with no replica attached, so one that reconnects can continue.
    pub fn feeding(&self) -> bool {
        self.backlog.is_some() && !self.proxying
    }

    /// Starts a new history at `offset` (a replica that loaded its
    /// master's snapshot): an empty backlog, no previous ID, and the next
    /// stream after a promotion starts with a SELECT.
    pub fn restart_history(&mut self, offset: u64) {
        self.offset = offset;
        self.backlog = Some(VecDeque::new());
        // A new backlog keeps its `repl-backlog-ttl` from now.
        self.idle_since = super::now_ms();
        self.selected_db = None;
        self.replid2 = None;
    }

    /// The stream must start with a SELECT again (a promoted replica: its
    /// replicas' selected database is the old master's).
    pub fn forget_selected_db(&mut self) {
        self.selected_db = None;
    }

    /// INFO's master_replid2 and second_repl_offset.
    pub fn replid2_info(&self) -> (&str, i64) {
        match &self.replid2 {
            Some((id, off)) => (id, *off as i64),
            None => ("0000000000000000000000000000000000000000", -1),
        }
    }

    /// Adds one propagated command in `db` to the stream (SELECT first when
    /// the database changes).
    pub fn feed(&mut self, db: usize, resp: &[u8]) {
        if db != ANY_DB && self.selected_db != Some(db) {
            let d = db.to_string();
            encode_command(&mut self.out, &[b"SELECT".as_slice(), d.as_bytes()]);
            self.selected_db = Some(db);
        }
        self.out.extend_from_slice(resp);
    }

    /// (first byte offset, bytes held) of the backlog, or None.
    pub fn backlog_span(&self) -> Option<(u64, u64)> {
        self.backlog.as_ref().map(|b| {
            let len = b.len() as u64;
            (self.offset + 1 - len, len)
        })
    }

    fn append_backlog(&mut self, data: &[u8], cap: usize) {
        if let Some(b) = self.backlog.as_mut() {
            b.extend(data.iter().copied());
            if b.len() > cap {
                let excess = b.len() - cap;
                b.drain(..excess);
            }
        }
    }
}

/// Whether propagation must record commands: the AOF or a replica wants
/// them.
pub fn update_propagation(srv: &mut Server) {
    let on = srv.aof.state != crate::persist::aof::State::Off || srv.repl.feeding();
    srv.prop.enabled = on;
    srv.ks.log_expired = on;
}

/// The attached replicas not lent to a handler. Walks the whole client
/// table: for the rare paths (cron, a save ending), not the write stream.
fn replicas_mut<'a>(
    clients: &'a mut slab::Slab<Option<Box<Client>>>,
    tokens: &'a [usize],
) -> impl Iterator<Item = &'a mut Client> {
    clients
        .iter_mut()
        .filter(move |(t, _)| tokens.contains(t))
        .filter_map(|(_, c)| c.as_deref_mut())
        .filter(|c| c.repl.is_some())
}

/// Outputs of a walk over the replicas: clients to write, to close.
struct Queues<'a> {
    writes: &'a mut Vec<usize>,
    close: &'a mut Vec<usize>,
}

/// Runs `f` on every attached replica not lent to a handler (rare paths).
fn for_each_replica(srv: &mut Server, mut f: impl FnMut(&mut Client, &mut Queues)) {
    let Server {
        clients,
        repl,
        pending_writes,
        to_close,
        ..
    } = srv;
    let mut q = Queues {
        writes: pending_writes,
        close: to_close,
    };
    for c in replicas_mut(clients, &repl.replicas) {
        f(c, &mut q);
    }
}

/// Queues a client's reply for before_sleep.
fn queue_write(pending: &mut Vec<usize>, c: &mut Client) {
    if !c.write_queued {
        c.write_queued = true;
        pending.push(c.token);
    }
}

/// Closes a replica from outside its own command.
fn drop_replica(to_close: &mut Vec<usize>, c: &mut Client, why: &str) {
    tracing::warn!("Connection with replica {} lost: {why}", c.addr);
    c.close_asap = true;
    to_close.push(c.token);
}

/// Hands the stream the last commands produced to every replica: online
/// ones get it in their reply buffer, syncing ones hold it until their
/// snapshot is sent. Replicas over the `replica` output buffer limit are
/// closed.
pub fn distribute(srv: &mut Server) {
    if srv.repl.out.is_empty() {
        return;
    }
    let out = std::mem::take(&mut srv.repl.out);
    let cap = srv.repl.cfg.backlog_size;
    srv.repl.offset += out.len() as u64;
    srv.repl.append_backlog(&out, cap);
    let limits = srv.repl.cfg.obuf_limit;
    let now = super::now_ms();
    let Server {
        clients,
        repl,
        pending_writes,
        to_close,
        stats,
        ..
    } = srv;
    for &tok in &repl.replicas {
        // A replica running a command of its own is lent out: it does not
        // write, so nothing it causes is missed here.
        let Some(Some(c)) = clients.get_mut(tok) else {
            continue;
        };
        let Some(r) = c.repl.as_mut() else {
            continue;
        };
        match r.state {
            SyncState::Handshake | SyncState::WaitBgsaveStart => continue,
            SyncState::WaitBgsaveEnd | SyncState::SendBulk => r.held.extend_from_slice(&out),
            SyncState::Online if r.stream_on_ack => r.held.extend_from_slice(&out),
            SyncState::Online => {
                if r.rdb_only {
                    continue;
                }
                c.reply.buf.extend_from_slice(&out);
                queue_write(pending_writes, c);
            }
        }
        if !c.close_asap && super::observe::over_output_limit(c, limits, now) {
            tracing::warn!(
                "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                c.id,
                c.addr
            );
            stats.client_output_buffer_limit_disconnections += 1;
            drop_replica(to_close, c, "output buffer limit");
        }
    }
    let mut out = out;
    out.clear();
    srv.repl.out = out;
}

/// Adds bytes of the master's stream, as received, to the backlog and
/// every replica's stream (ember as a replica: chained replication).
pub fn proxy(srv: &mut Server, bytes: &[u8]) {
    srv.repl.out.extend_from_slice(bytes);
    distribute(srv);
}

/// Closes every attached replica (our history changed: they must sync
/// again, from scratch or from the backlog).
pub fn disconnect_replicas(srv: &mut Server, why: &str) {
    for_each_replica(srv, |c, q| drop_replica(q.close, c, why));
}

/// Feeds a command that belongs to no database (PING, REPLCONF GETACK)
/// straight into the stream.
pub(crate) fn feed_alone(srv: &mut Server, argv: &[&[u8]]) {
    let mut resp = Vec::new();
    encode_command(&mut resp, argv);
    srv.repl.feed(ANY_DB, &resp);
    distribute(srv);
}

/// SYNC / PSYNC from client `c` (lent to the handler): a full resync,
/// or a continuation when the replica's history is still in the backlog.
pub fn sync(srv: &mut Server, c: &mut Client, psync: Option<(&[u8], &[u8])>) {
    if let Some((replid, offset)) = psync {
        if try_continue(srv, c, replid, offset) {
            srv.repl.sync_partial_ok += 1;
            return;
        }
        if replid != b"?" {
            srv.repl.sync_partial_err += 1;
        }
    }
    srv.repl.sync_full += 1;
    let r = c.repl.get_or_insert_with(Default::default);
    r.state = SyncState::WaitBgsaveStart;
    r.psync = psync.is_some();
    r.ack_ms = super::now_ms();
    r.wait_since = r.ack_ms;
    if srv.repl.backlog.is_none() {
        // A new history starts: new ID, as Redis does when it creates the
        // backlog for its first replica.
        srv.replid = super::random_hex40();
        srv.repl.backlog = Some(VecDeque::new());
    }
    attach(srv, c);
    tracing::info!("Replica {} asks for synchronization", replica_name(srv, c));
    if c.repl.as_ref().is_some_and(|r| r.functions_only) {
        return send_functions_only(srv, c);
    }
    // A save already forked for other replicas serves this one too: it
    // starts from the same point with a copy of what they hold.
    if srv.repl.bgsave_pid.is_some() {
        let peer = srv
            .repl
            .replicas
            .iter()
            .filter_map(|&t| srv.clients.get(t)?.as_deref()?.repl.as_deref())
            .find(|p| p.state == SyncState::WaitBgsaveEnd)
            .map(|p| (p.sync_offset, p.held.clone()));
        if let Some((offset, held)) = peer
            && let Some(r) = c.repl.as_mut()
        {
            r.held = held;
            full_resync(&srv.replid, c, offset);
            tracing::info!("Waiting for end of BGSAVE for SYNC");
            return;
        }
    }
    if srv.repl.socket_pid.is_some() {
        // Its sockets were handed to the child at the fork.
        tracing::info!("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
        return;
    }
    start_bgsave(srv, Some(c));
}

/// A snapshot of the function libraries alone, written at once and sent
/// from an unlinked file; the link is closed after it (no stream).
fn send_functions_only(srv: &mut Server, c: &mut Client) {
    let path = std::path::Path::new(&srv.config.dir).join(format!("temp-functions-{}.rdb", c.id));
    let opened = crate::persist::save_functions_only(srv, &path)
        .and_then(|()| File::open(&path))
        .and_then(|f| Ok((f.metadata()?.len(), f)));
    let _ = std::fs::remove_file(&path);
    let (len, file) = match opened {
        Ok(x) => x,
        Err(e) => {
            c.reply
                .error(&format!("Failed to write the functions snapshot: {e}"));
            c.close_after_reply = true;
            return;
        }
    };
    full_resync(&srv.replid, c, srv.repl.offset);
    c.reply
        .buf
        .extend_from_slice(format!("${len}\r\n").as_bytes());
    if let Some(r) = c.repl.as_mut() {
        r.rdb_only = true;
        r.state = SyncState::SendBulk;
        r.transfer = Some(Transfer { file, left: len });
    }
}

/// PSYNC <replid> <offset> with our ID and an offset the backlog still
/// holds: `+CONTINUE`, then the missing part of the stream.
fn try_continue(srv: &mut Server, c: &mut Client, replid: &[u8], offset: &[u8]) -> bool {
    let Some(want) = crate::util::num::parse_i64(offset) else {
        return false;
    };
    let Some((first, len)) = srv.repl.backlog_span() else {
        return false;
    };
    // The current history, or the previous one up to where it ended (a
    // promoted replica's replicas continue with it).
    let known = replid == srv.replid.as_bytes()
        || srv
            .repl
            .replid2
            .as_ref()
            .is_some_and(|(id, end)| replid == id.as_bytes() && want as u64 <= *end);
    if !known || want < first as i64 || want as u64 > first + len {
        return false;
    }
    let skip = (want as u64 - first) as usize;
    let Some(backlog) = srv.repl.backlog.as_ref() else {
        return false;
    };
    c.reply
        .buf
        .extend_from_slice(format!("+CONTINUE {}\r\n", srv.replid).as_bytes());
    let (a, b) = backlog.as_slices();
    if skip < a.len() {
        c.reply.buf.extend_from_slice(&a[skip..]);
        c.reply.buf.extend_from_slice(b);
    } else {
        c.reply.buf.extend_from_slice(&b[skip - a.len()..]);
    }
    let r = c.repl.get_or_insert_with(Default::default);
    r.state = SyncState::Online;
    r.psync = true;
    r.ack_ms = super::now_ms();
    r.ack_offset = want as u64 - 1;
    attach(srv, c);
    tracing::info!(
        "Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting from offset {want}.",
        replica_name(srv, c),
        first + len - want as u64
    );
    true
}

/// Adds `c` to the replicas: the stream is produced from now on, and
/// its socket follows `repl-disable-tcp-nodelay`.
fn attach(srv: &mut Server, c: &mut Client) {
    srv.repl.replicas.push(c.token);
    update_propagation(srv);
    if srv.config.get_bool("repl-disable-tcp-nodelay") == Some(true)
        && let crate::client::Conn::Tcp(s) = &c.conn
    {
        let _ = s.set_nodelay(false);
    }
}

/// "ip:port" of a replica for log lines.
fn replica_name(srv: &Server, c: &Client) -> String {
    let (ip, port) = replica_addr(srv, c);
    format!("{ip}:{port}")
}

/// Marks `c` as fed from the snapshot forked at `offset`.
fn full_resync(replid: &str, c: &mut Client, offset: u64) {
    let Some(r) = c.repl.as_mut() else {
        return;
    };
    r.state = SyncState::WaitBgsaveEnd;
    r.sync_offset = offset;
    if r.psync {
        c.reply
            .buf
            .extend_from_slice(format!("+FULLRESYNC {replid} {offset}\r\n").as_bytes());
    }
}

/// How the replicas waiting for a snapshot get it.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A BGSAVE to `dir`, then the file.
    Disk,
    /// A child writing to their sockets (`repl-diskless-sync yes` and
    /// every one of them announced `capa eof`).
    Sockets,
    /// Diskless, but `repl-diskless-sync-delay` still waits for more.
    Delay,
}

/// The replicas waiting for a save to fork (`lent` included when it is
/// one), not being closed.
fn waiting_replicas<'a>(srv: &'a Server, lent: Option<&'a Client>) -> Vec<&'a Client> {
    each_replica(srv, lent)
        .into_iter()
        .filter(|c| !c.close_after_reply && !c.close_asap)
        .filter(|c| {
            c.repl
                .as_ref()
                .is_some_and(|r| r.state == SyncState::WaitBgsaveStart)
        })
        .collect()
}

/// The socket a diskless child can write to (not an in-process client).
fn raw_fd(c: &Client) -> Option<std::os::fd::RawFd> {
    use std::os::fd::AsRawFd;
    match &c.conn {
        crate::client::Conn::Tcp(s) => Some(s.as_raw_fd()),
        crate::client::Conn::Unix(s) => Some(s.as_raw_fd()),
        crate::client::Conn::Fake => None,
    }
}

/// Disk or sockets for the replicas waiting now (Redis decides from the
/// capabilities all of them share), and whether the delay still runs.
fn choose_target(srv: &Server, lent: Option<&Client>, now: i64) -> Target {
    if srv.config.get_bool("repl-diskless-sync") != Some(true) {
        return Target::Disk;
    }
    let waiting = waiting_replicas(srv, lent);
    let all_eof = waiting
        .iter()
        .all(|c| c.repl.as_ref().is_some_and(|r| r.capa_eof) && raw_fd(c).is_some());
    if !all_eof {
        return Target::Disk;
    }
    let delay = srv
        .config
        .get_int("repl-diskless-sync-delay")
        .unwrap_or(5)
        .max(0) as i64;
    let max = srv
        .config
        .get_int("repl-diskless-sync-max-replicas")
        .unwrap_or(0);
    let oldest = waiting
        .iter()
        .filter_map(|c| c.repl.as_ref().map(|r| r.wait_since))
        .min()
        .unwrap_or(now);
    let enough = max > 0 && waiting.len() as u64 >= max as u64;
    if delay == 0 || now - oldest >= delay.saturating_mul(1000) || enough {
        Target::Sockets
    } else {
        Target::Delay
    }
}

/// Forks a save for the replicas waiting for one, unless a child runs
/// (they wait for the next chance: cron) or a diskless delay runs.
/// `lent` is a replica currently lent to its command handler (SYNC/PSYNC:
/// the log says why it waits).
fn start_bgsave(srv: &mut Server, lent: Option<&mut Client>) {
    let from_sync = lent.is_some();
    if srv.persist.child.is_some() || crate::persist::aof::child_running(srv) {
        if from_sync {
            tracing::info!("Waiting for next BGSAVE for SYNC");
        }
        return;
    }
    match choose_target(srv, lent.as_deref(), super::now_ms()) {
        Target::Disk => start_disk_save(srv, lent),
        Target::Sockets => start_socket_save(srv, lent),
        Target::Delay => {
            if from_sync {
                tracing::info!("Delay next BGSAVE for diskless SYNC");
            }
        }
    }
}

/// Answers the waiting replicas once a save forked for them (`Ok`: marks
/// them as fed from the snapshot at `offset`, `diskless` when the child
/// writes it to their sockets), or failed to (an error, then closed).
fn after_fork(
    srv: &mut Server,
    lent: Option<&mut Client>,
    result: &Result<i32, String>,
    offset: u64,
    diskless: bool,
) {
    let Server {
        clients,
        repl,
        replid,
        pending_writes,
        ..
    } = srv;
    let lent_token = lent.as_deref().map(|c| c.token);
    let mut waiting: Vec<&mut Client> = replicas_mut(clients, &repl.replicas).collect();
    if let Some(c) = lent {
        waiting.push(c);
    }
    for c in waiting {
        let closing = c.close_after_reply || c.close_asap;
        if closing || c.repl.as_ref().map(|r| r.state) != Some(SyncState::WaitBgsaveStart) {
            continue;
        }
        match result {
            Ok(_) if diskless => {
                // The child sends what the reply buffer held, the
                // +FULLRESYNC line and the snapshot itself.
                c.reply.buf.clear();
                c.sent = 0;
                if let Some(r) = c.repl.as_mut() {
                    r.state = SyncState::WaitBgsaveEnd;
                    r.sync_offset = offset;
                    r.diskless = true;
                }
                continue;
            }
            Ok(_) => full_resync(replid, c, offset),
            Err(e) => {
                // Closed once the error is written; not waited for again.
                c.reply
                    .error(&format!("BGSAVE failed, replication can't continue: {e}"));
                c.close_after_reply = true;
            }
        }
        if lent_token != Some(c.token) {
            queue_write(pending_writes, c);
        }
    }
}

/// A BGSAVE to disk for the waiting replicas; the file is sent when it ends.
fn start_disk_save(srv: &mut Server, lent: Option<&mut Client>) {
    // The snapshot has no selected database: the stream after it must
    // start with a SELECT.
    srv.repl.selected_db = None;
    let result = crate::persist::bgsave(srv);
    let offset = srv.repl.offset;
    if let Ok(pid) = result {
        tracing::info!("Starting BGSAVE for SYNC with target: disk");
        srv.repl.bgsave_pid = Some(pid);
    }
    after_fork(srv, lent, &result, offset, false);
}

/// A diskless transfer: a child writes `$EOF:<mark>\r\n<rdb><mark>` to
/// every waiting replica's socket (`persist::diskless`).
fn start_socket_save(srv: &mut Server, lent: Option<&mut Client>) {
    let offset = srv.repl.offset;
    let mark = super::random_hex40();
    let targets: Vec<crate::persist::diskless::Target> = waiting_replicas(srv, lent.as_deref())
        .into_iter()
        .filter_map(|c| {
            let fd = raw_fd(c)?;
            let r = c.repl.as_ref()?;
            let mut preamble = c.reply.buf.get(c.sent..).unwrap_or_default().to_vec();
            if r.psync {
                preamble.extend_from_slice(
                    format!("+FULLRESYNC {} {offset}\r\n", srv.replid).as_bytes(),
                );
            }
            preamble.extend_from_slice(format!("$EOF:{mark}\r\n").as_bytes());
            Some(crate::persist::diskless::Target {
                fd,
                name: replica_name(srv, c),
                preamble,
            })
        })
        .collect();
    if targets.is_empty() {
        return;
    }
    let timeout = srv.config.get_int("repl-timeout").unwrap_or(60).max(1) as u64;
    tracing::info!("Starting BGSAVE for SYNC with target: replicas sockets");
    srv.repl.selected_db = None;
    let result = crate::persist::save_to_sockets(
        srv,
        targets,
        mark.as_bytes(),
        std::time::Duration::from_secs(timeout),
    );
    let result = result.map(|(pid, report)| {
        srv.repl.socket_pid = Some(pid);
        srv.repl.socket_report = Some(report);
        pid
    });
    after_fork(srv, lent, &result, offset, true);
}

/// A master's stream position for its snapshots (RDB aux fields
/// repl-stream-db, repl-id, repl-offset), as Redis writes it into every
/// RDB while a backlog exists: the stream's database (0 when none is
/// selected), our replication ID and `master_repl_offset`.
pub fn master_position(srv: &Server) -> Option<(usize, String, u64)> {
    if srv.repl.backlog.is_none() || srv.replica.active() {
        return None;
    }
    let db = srv.repl.selected_db.unwrap_or(0);
    Some((db, srv.replid.clone(), srv.repl.offset))
}

/// Whether `pid` is the diskless transfer child (its end is not a save).
pub fn is_socket_child(srv: &Server, pid: i32) -> bool {
    srv.repl.socket_pid == Some(pid)
}

/// The background save `pid` ended (`ok`: it wrote the file): replicas
/// waiting for it start receiving the file, or are closed if it failed.
pub fn bgsave_done(srv: &mut Server, pid: i32, ok: bool) {
    if srv.repl.socket_pid == Some(pid) {
        return socket_save_done(srv, ok);
    }
    if srv.repl.bgsave_pid != Some(pid) {
        return;
    }
    srv.repl.bgsave_pid = None;
    let path = crate::persist::rdb_path(&srv.config);
    for_each_replica(srv, |c, q| {
        if c.repl.as_ref().map(|r| r.state) != Some(SyncState::WaitBgsaveEnd) {
            return;
        }
        let opened = if ok {
            File::open(&path).and_then(|f| {
                let len = f.metadata()?.len();
                Ok((f, len))
            })
        } else {
            Err(io::Error::other("background save failed"))
        };
        match opened {
            Ok((file, len)) => {
                c.reply
                    .buf
                    .extend_from_slice(format!("${len}\r\n").as_bytes());
                if let Some(r) = c.repl.as_mut() {
                    r.state = SyncState::SendBulk;
                    r.transfer = Some(Transfer { file, left: len });
                }
                queue_write(q.writes, c);
            }
            Err(e) => drop_replica(q.close, c, &format!("SYNC failed: {e}")),
        }
    });
    // Replicas that arrived while another child ran.
    if waiting_start(srv) {
        start_bgsave(srv, None);
    }
}

/// The diskless child ended: its replicas are online and get the stream
/// after their first ACK (or are closed if it failed; they retry).
fn socket_save_done(srv: &mut Server, ok: bool) {
    srv.repl.socket_pid = None;
    // The child has exited: its report is complete (or absent).
    if let Some(mut report) = srv.repl.socket_report.take() {
        let mut sent = [0u8; 8];
        if report.read_exact(&mut sent).is_ok() {
            srv.stats.total_net_repl_output_bytes += u64::from_le_bytes(sent);
        }
    }
    let now = super::now_ms();
    let names: Vec<(usize, String)> = each_replica(srv, None)
        .iter()
        .map(|c| (c.token, replica_name(srv, c)))
        .collect();
    for_each_replica(srv, |c, q| {
        let Some(r) = c.repl.as_mut() else {
            return;
        };
        if !std::mem::take(&mut r.diskless) {
            return;
        }
        let name = names
            .iter()
            .find(|(t, _)| *t == c.token)
            .map_or("?", |(_, n)| n.as_str());
        if !ok {
            tracing::warn!("SYNC failed. BGSAVE child returned an error");
            return drop_replica(q.close, c, "diskless transfer failed");
        }
        tracing::info!(
            "Streamed RDB transfer with replica {name} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming"
        );
        r.state = SyncState::Online;
        r.ack_ms = now;
        if r.rdb_only {
            // It wanted the snapshot alone: nothing follows.
            r.held = Vec::new();
            c.close_asap = true;
            q.close.push(c.token);
            return;
        }
        r.stream_on_ack = true;
        tracing::info!("Synchronization with replica {name} succeeded");
    });
    if waiting_start(srv) {
        start_bgsave(srv, None);
    }
}

fn waiting_start(srv: &Server) -> bool {
    srv.repl.replicas.iter().any(|&t| {
        srv.clients
            .get(t)
            .and_then(|c| c.as_deref())
            .filter(|c| !c.close_after_reply && !c.close_asap)
            .and_then(|c| c.repl.as_ref())
            .is_some_and(|r| r.state == SyncState::WaitBgsaveStart)
    })
}

/// Whether the client is sending a snapshot (the loop writes it with
/// [`send_rdb`] instead of its plain reply path).
pub fn sending_rdb(c: &Client) -> bool {
    c.repl
        .as_ref()
        .is_some_and(|r| r.transfer.is_some() || r.diskless || r.stream_on_ack)
}

/// Writes as much of the snapshot as the socket takes, one chunk of the
/// file at a time through the reply buffer; after the last byte, the held
/// stream follows and the replica is online. Ok(true): a replica that only
/// wanted the snapshot is done and may be closed.
pub fn send_rdb(c: &mut Client, now: i64) -> io::Result<bool> {
    // The diskless child owns the socket, or the replica is still loading
    // what it sent: nothing of ours goes out meanwhile.
    if c.repl
        .as_ref()
        .is_some_and(|r| r.diskless || r.stream_on_ack)
    {
        return Ok(false);
    }
    loop {
        if c.has_pending_reply() && !c.flush()? {
            return Ok(false);
        }
        let Some(r) = c.repl.as_mut() else {
            return Ok(false);
        };
        let Some(t) = r.transfer.as_mut() else {
            return Ok(r.rdb_only);
        };
        if t.left == 0 {
            r.transfer = None;
            r.state = SyncState::Online;
            r.ack_ms = now;
            tracing::info!("Synchronization with replica {} succeeded", c.addr);
            if r.rdb_only {
                r.held = Vec::new();
                c.close_after_reply = true;
                continue;
            }
            let held = std::mem::take(&mut r.held);
            c.reply.buf.extend_from_slice(&held);
            continue;
        }
        let n = (t.left as usize).min(RDB_CHUNK);
        let start = c.reply.buf.len();
        c.reply.buf.resize(start + n, 0);
        let got = match t.file.read(&mut c.reply.buf[start..]) {
            Ok(0) => Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            Ok(got) => Ok(got),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        };
        let got = match got {
            Ok(g) => g,
            Err(e) => {
                c.reply.buf.truncate(start);
                return Err(e);
            }
        };
        c.reply.buf.truncate(start + got);
        t.left -= got as u64;
    }
}

/// A replica's `ip` and `port` as INFO and ROLE show them.
pub fn replica_addr(_srv: &Server, c: &Client) -> (String, i64) {
    let r = c.repl.as_deref();
    let ip = match r.and_then(|r| r.announced_ip.clone()) {
        Some(ip) => ip,
        None => match c.addr.rsplit_once(':') {
            Some((ip, _)) => ip.trim_start_matches('[').trim_end_matches(']').to_string(),
            None => c.addr.clone(),
        },
    };
    (ip, r.map_or(0, |r| r.listening_port))
}

/// Every attached replica (the lent one included when it is one).
pub fn each_replica<'a>(srv: &'a Server, lent: Option<&'a Client>) -> Vec<&'a Client> {
    srv.repl
        .replicas
        .iter()
        .filter_map(|&t| match srv.clients.get(t) {
            Some(Some(c)) => Some(&**c),
            Some(None) => lent.filter(|l| l.token == t),
            None => None,
        })
        .collect()
}

/// A replica disconnects: forget it. The stream goes on into the
/// backlog until `repl-backlog-ttl` frees it.
pub fn forget(srv: &mut Server, c: &Client) {
    if !c.is_replica() {
        return;
    }
    srv.repl.replicas.retain(|&t| t != c.token);
    if c.repl.as_ref().is_some_and(|r| r.diskless) {
        stop_diskless_transfer(srv, c);
    }
    if srv.repl.replicas.is_empty() {
        srv.repl.idle_since = super::now_ms();
    }
    tracing::info!("Connection with replica {} lost.", replica_name(srv, c));
    update_propagation(srv);
}

/// A replica in a diskless transfer is freed: the child holds its own
/// copy of the socket, so the connection is shut down for it to stop
/// writing there; the child is killed if no replica is left for it.
fn stop_diskless_transfer(srv: &mut Server, c: &Client) {
    match &c.conn {
        crate::client::Conn::Tcp(s) => {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        crate::client::Conn::Unix(s) => {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        crate::client::Conn::Fake => {}
    }
    let others = each_replica(srv, None)
        .iter()
        .any(|o| o.repl.as_ref().is_some_and(|r| r.diskless));
    if !others && srv.repl.socket_pid.is_some() {
        tracing::warn!("Diskless rdb transfer, last replica dropped, killing fork child.");
        crate::persist::kill_child(srv);
    }
}

/// Online replicas whose last ACK is at most `max_lag` seconds old
/// (INFO min_slaves_good_slaves).
fn good_replicas(srv: &Server, lent: Option<&Client>, max_lag: i64) -> i64 {
    let now = super::now_ms();
    each_replica(srv, lent)
        .iter()
        .filter(|c| {
            c.repl
                .as_ref()
                .is_some_and(|r| r.state == SyncState::Online && (now - r.ack_ms) / 1000 <= max_lag)
        })
        .count() as i64
}

/// Whether `min-replicas-to-write` refuses writes now (NOREPLICAS). One
/// field test when the directive is off (every command checks it).
pub fn too_few_good_replicas(srv: &Server) -> bool {
    match srv.repl.cfg.min_replicas {
        Some((min, lag)) => good_replicas(srv, None, lag) < min,
        None => false,
    }
}

/// INFO's min_slaves_good_slaves, shown when min-replicas-to-write is on.
pub fn info_good_replicas(srv: &Server, lent: Option<&Client>) -> Option<i64> {
    srv.repl
        .cfg
        .min_replicas
        .map(|(_, lag)| good_replicas(srv, lent, lag))
}

/// Online replicas whose acknowledged offset (`ack_offset`, or with
/// `aof` the fsynced `aof_ack_offset`) reached `offset`.
fn count_replicas(srv: &Server, offset: u64, aof: bool) -> i64 {
    each_replica(srv, None)
        .iter()
        .filter(|c| {
            c.repl.as_ref().is_some_and(|r| {
                let acked = if aof { r.aof_ack_offset } else { r.ack_offset };
                r.state == SyncState::Online && acked >= offset
            })
        })
        .count() as i64
}

/// Replicas that acknowledged `offset` or more (WAIT).
pub fn count_acks(srv: &Server, offset: u64) -> i64 {
    count_replicas(srv, offset, false)
}

/// Replicas that said `offset` or more is fsynced to their AOF (WAITAOF).
pub fn count_aof_acks(srv: &Server, offset: u64) -> i64 {
    count_replicas(srv, offset, true)
}

/// 1 when our own AOF has `offset` fsynced, else 0 (also with the AOF
/// off): WAITAOF's local count.
pub fn local_fsynced(srv: &Server, offset: u64) -> i64 {
    i64::from(srv.aof.fsynced_reploff.is_some_and(|f| f >= offset))
}

/// WAITAOF's reply: [local fsynced (0/1), replicas that fsynced].
pub fn aof_acks_reply(srv: &Server, out: &mut crate::resp::ReplyBuf, offset: u64) {
    out.array(2);
    out.int(local_fsynced(srv, offset));
    out.int(count_aof_acks(srv, offset));
}

/// REPLCONF ACK from replica `c`, with the FACK offset when it sent one.
pub fn ack(srv: &mut Server, c: &mut Client, offset: u64, fack: Option<u64>, now: i64) {
    if !c.is_replica() {
        return;
    }
    if let Some(r) = c.repl.as_mut() {
        r.ack_offset = r.ack_offset.max(offset);
        if let Some(f) = fack {
            r.aof_ack_offset = r.aof_ack_offset.max(f);
        }
        r.ack_ms = now;
        if std::mem::take(&mut r.stream_on_ack) {
            // Loaded the diskless snapshot: the stream since its fork
            // follows (Redis repl_start_cmd_stream_on_ack).
            let held = std::mem::take(&mut r.held);
            c.reply.buf.extend_from_slice(&held);
        }
    }
    if !srv.repl.waiters.is_empty() {
        serve_waiters(srv);
    }
}

/// Forgets WAIT / WAITAOF registrations of clients no longer waiting
/// (answered by their timeout, unblocked, gone), so the list stays as
/// long as the number of clients blocked in them.
pub fn prune_waiters(srv: &mut Server) {
    use super::blocking::TimeoutReply;
    let Server { repl, clients, .. } = srv;
    repl.waiters.retain(|&t| {
        clients
            .get(t)
            .and_then(|c| c.as_deref())
            .and_then(|c| c.blocked.as_ref())
            .is_some_and(|b| {
                matches!(
                    b.timeout_reply,
                    TimeoutReply::Acks(_) | TimeoutReply::AofAcks(_)
                )
            })
    });
}

/// What a blocked WAIT or WAITAOF waits for.
enum Wanted {
    /// WAIT numreplicas.
    Acks { offset: u64, replicas: i64 },
    /// WAITAOF numlocal numreplicas.
    AofAcks {
        offset: u64,
        local: i64,
        replicas: i64,
    },
}

fn wanted_of(c: &Client) -> Option<Wanted> {
    use super::blocking::TimeoutReply;
    let b = c.blocked.as_ref()?;
    let num = |i: usize| {
        b.argv
            .get(i)
            .and_then(|a| crate::util::num::parse_i64(a))
            .unwrap_or(0)
    };
    match b.timeout_reply {
        TimeoutReply::Acks(offset) => Some(Wanted::Acks {
            offset,
            replicas: num(1),
        }),
        TimeoutReply::AofAcks(offset) => Some(Wanted::AofAcks {
            offset,
            local: num(1),
            replicas: num(2),
        }),
        _ => None,
    }
}

/// Answers the WAIT and WAITAOF clients whose wait is over: enough
/// replicas acknowledged (fsynced, for WAITAOF) and, for WAITAOF, the
/// local AOF fsynced their offset. A WAITAOF wanting a local fsync gets
/// its error once the AOF was turned off (Redis
/// processClientsWaitingReplicas). Runs on every ACK and before sleeping.
pub fn serve_waiters(srv: &mut Server) {
    let waiters = std::mem::take(&mut srv.repl.waiters);
    let mut still = Vec::new();
    for tok in waiters {
        let Some(mut c) = srv.clients.get_mut(tok).and_then(Option::take) else {
            continue;
        };
        match wanted_of(&c) {
            Some(Wanted::Acks { offset, replicas }) => {
                let acked = count_acks(srv, offset);
                if acked >= replicas {
                    c.reply.int(acked);
                    super::blocking::unblock(srv, &mut c);
                } else {
                    still.push(tok);
                }
            }
            Some(Wanted::AofAcks {
                offset,
                local,
                replicas,
            }) => {
                if local > 0 && srv.aof.state == crate::persist::aof::State::Off {
                    c.reply.error(crate::error::WAITAOF_NO_AOF);
                    super::blocking::unblock(srv, &mut c);
                } else if count_aof_acks(srv, offset) >= replicas
                    && local_fsynced(srv, offset) >= local
                {
                    aof_acks_reply(srv, &mut c.reply, offset);
                    super::blocking::unblock(srv, &mut c);
                } else {
                    still.push(tok);
                }
            }
            None => {}
        }
        srv.clients[tok] = Some(c);
    }
    srv.repl.waiters.extend(still);
}

/// Before sleeping: one `REPLCONF GETACK *` for all the WAITs of the turn.
pub fn before_sleep(srv: &mut Server) {
    if std::mem::take(&mut srv.repl.get_ack) && srv.repl.active() {
        feed_alone(srv, &[b"REPLCONF", b"GETACK", b"*"]);
    }
}

/// Replication's share of the server cron: start saves for waiting
/// replicas, keep-alive newlines while they wait, PINGs every
/// `repl-ping-replica-period`, and closing replicas silent for longer
/// than `repl-timeout`.
pub fn cron(srv: &mut Server, now: i64) {
    if !srv.repl.active() {
        if !srv.repl.proxying {
            free_idle_backlog(srv, now);
        }
        return;
    }
    if now - srv.repl.last_cron_ms < CRON_PERIOD_MS {
        return;
    }
    srv.repl.last_cron_ms = now;
    let period = srv
        .config
        .get_int("repl-ping-replica-period")
        .unwrap_or(10)
        .max(1) as i64
        * 1000;
    // The first PING comes a full period after replicas first attach, not
    // at once: Redis pings on a fixed beat from start-up, so a replica that
    // has just synced (or a test that raised the period before syncing)
    // sees no PING right away.
    if srv.repl.last_ping_ms == 0 {
        srv.repl.last_ping_ms = now;
    }
    // A replica's replicas get its master's PINGs (proxied).
    // Nor while a FAILOVER waits for a replica to reach our offset.
    if now - srv.repl.last_ping_ms >= period && !srv.repl.proxying && !srv.failover.active() {
        srv.repl.last_ping_ms = now;
        feed_alone(srv, &[b"PING"]);
    }
    let timeout = srv.config.get_int("repl-timeout").unwrap_or(60).max(1) as i64 * 1000;
    for_each_replica(srv, |c, q| {
        let Some(r) = c.repl.as_ref() else {
            return;
        };
        match r.state {
            SyncState::WaitBgsaveStart | SyncState::WaitBgsaveEnd if !r.diskless => {
                // Keeps the replica's read timeout from firing while the
                // snapshot is produced (it skips newlines before the
                // payload).
                c.reply.buf.push(b'\n');
                queue_write(q.writes, c);
            }
            SyncState::Online if r.psync && !r.rdb_only && now - r.ack_ms > timeout => {
                drop_replica(q.close, c, "timeout");
            }
            _ => {}
        }
    });
    if waiting_start(srv) {
        start_bgsave(srv, None);
    }
}

/// Frees the backlog once no replica has been attached for
/// `repl-backlog-ttl` seconds (0: keep it); the history it held ends, so
/// the replication ID changes, as in Redis.
fn free_idle_backlog(srv: &mut Server, now: i64) {
    if srv.repl.backlog.is_none() {
        return;
    }
    let ttl = srv.config.get_int("repl-backlog-ttl").unwrap_or(3600);
    if ttl <= 0 || now - srv.repl.idle_since < ttl.saturating_mul(1000) as i64 {
        return;
    }
    srv.repl.backlog = None;
    srv.replid = super::random_hex40();
    update_propagation(srv);
    tracing::info!("Replication backlog freed after {ttl} seconds without connected replicas.");
}

/// (backlog, replicas' buffers) in bytes: INFO memory's
/// mem_replication_backlog and mem_clients_slaves.
pub fn memory(srv: &Server, lent: Option<&Client>) -> (u64, u64) {
    if !srv.repl.feeding() {
        return (0, 0);
    }
    let backlog = srv.repl.backlog.as_ref().map_or(0, |b| b.capacity());
    let buffers: usize = each_replica(srv, lent)
        .iter()
        .map(|c| c.reply.buf.capacity() + c.repl.as_ref().map_or(0, |r| r.held.capacity()))
        .sum();
    (backlog as u64, buffers as u64)
}

/// Bytes replication holds that do not count toward `maxmemory` (Redis
/// freeMemoryGetNotCountedMemory): the backlog, and what waits in
/// replicas' reply and held buffers.
pub fn memory_not_counted(srv: &Server) -> u64 {
    let (backlog, buffers) = memory(srv, None);
    backlog + buffers
}

/// The `slaveN:` lines and counters of INFO replication.
pub fn info_lines(srv: &Server, lent: Option<&Client>, now: i64) -> Vec<String> {
    each_replica(srv, lent)
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let r = c.repl.as_ref()?;
            let (ip, port) = replica_addr(srv, c);
            // Redis shows a lag only once the replica is online.
            let lag = match r.state {
                SyncState::Online => (now - r.ack_ms).max(0) / 1000,
                _ => 0,
            };
            Some(format!(
                "slave{i}:ip={ip},port={port},state={},offset={},lag={lag}",
                r.state.info_word(),
                r.ack_offset,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_selects_on_db_change_and_backlog_keeps_the_tail() {
        let mut m = Master {
            backlog: Some(VecDeque::new()),
            ..Default::default()
        };
        m.feed(0, b"A");
        m.feed(0, b"B");
        m.feed(ANY_DB, b"C");
        m.feed(2, b"D");
        assert_eq!(
            m.out,
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\nABC*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\nD"
        );
        let out = std::mem::take(&mut m.out);
        m.offset += out.len() as u64;
        m.append_backlog(&out, 10);
        let (first, len) = m.backlog_span().unwrap();
        assert_eq!(len, 10);
        assert_eq!(first, m.offset - 9);
        let tail: Vec<u8> = m.backlog.as_ref().unwrap().iter().copied().collect();
        assert_eq!(tail, &out[out.len() - 10..]);
    }
}
