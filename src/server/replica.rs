//! The replica side of replication: the link to a master (`replicaof`,
//! REPLICAOF / SLAVEOF), lived entirely inside the event loop.
//!
//! The link is a state machine driven by socket events and the cron:
//! a non-blocking connect, then a handshake whose replies are read line by
//! line (PING, AUTH with `masteruser`/`masterauth`, REPLCONF listening-port,
//! ip-address and capabilities, PSYNC), then either a full resynchronisation
//! (the snapshot streamed into a temporary file, `$<len>` or the diskless
//! `$EOF:<mark>` form, loaded into a fresh keyspace that replaces the data
//! only once it loaded whole) or a continuation (`+CONTINUE`), and finally
//! the master's command stream. The stream runs through the command
//! handlers as the master client: no replies, no gates, expired keys
//! visible (the master sends the deletions), and each command's bytes are
//! forwarded verbatim to our own replicas and backlog (`repl::proxy`), so
//! `master_repl_offset` is the processed offset. `REPLCONF ACK <offset>`
//! goes back once a second and on `REPLCONF GETACK`, with `FACK <offset>`
//! (what our AOF has fsynced) while the AOF is on, as Redis 7.2 sends.
//!
//! A dropped link keeps the master's ID and our offset, so the next
//! connection (once a second from the cron) asks to continue. Nothing here
//! blocks the loop: the link reads a bounded amount per turn, and a
//! received snapshot is loaded by the event loop with its pump
//! ([`load_received`]), clients getting `-LOADING` meanwhile.
//!
//! Owns no command: `cmd::replication` parses REPLICAOF; ROLE and INFO ask
//! [`role_reply`] and [`info_fields`].

use super::{Server, now_ms};
use crate::client::{Client, Conn};
use crate::cmd;
use crate::config::Value;
use crate::resp::{Limits, ParseState, Parsed, parse_command};
use crate::server::propagate::encode_command;
use crate::server::{pause, repl};
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use tracing::{info, warn};

/// The event loop token of the master link: just below the listeners'
/// tokens (`usize::MAX / 2` and up), far above any client table key.
pub const TOKEN: usize = usize::MAX / 2 - 1;
/// Bytes read from the master per read call.
const READ_CHUNK: usize = 64 * 1024;
/// Reads from the master per event loop turn at most (4 MiB): a snapshot
/// or a burst of stream arriving faster than it is handled does not keep
/// the loop from its clients; the rest is read on the next turn
/// (`Replica::read_pending`).
const READS_PER_TURN: usize = 64;
/// Longest reply line accepted during the handshake (a `+FULLRESYNC`
/// line is about 60 bytes; anything this long is not a Redis master).
const MAX_LINE: usize = 16 * 1024;
/// Longest argument accepted in the master's stream (256 TiB: no limit in
/// practice, as Redis sets none for its master).
const MASTER_MAX_BULK: u64 = 1 << 48;
/// Length of the end mark of a diskless transfer (`$EOF:<mark>`), Redis's
/// RDB_EOF_MARK_SIZE.
const EOF_MARK_LEN: usize = 40;
/// How often (ms) the replica acknowledges its offset and checks timeouts
/// (Redis's replicationCron runs once a second).
const CRON_PERIOD_MS: i64 = 1000;

/// Where the link is (ROLE's state word in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting to connect ("connect"): the cron tries once a second.
    Connect,
    /// The TCP connect is in progress ("connecting").
    Connecting,
    /// Replies to the handshake are awaited, in order ("handshake").
    Handshake,
    /// Receiving the snapshot ("sync").
    Transfer,
    /// Receiving the command stream ("connected").
    Connected,
}

/// A reply the handshake waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Pong,
    Auth,
    Port,
    Ip,
    Capa,
    Psync,
}

/// The snapshot being received.
struct Transfer {
    path: PathBuf,
    file: Option<File>,
    /// None until the `$` line arrived.
    size: Option<Size>,
    read: u64,
    /// The master's ID and offset from `+FULLRESYNC`.
    replid: String,
    offset: u64,
    /// The last bytes written, to find a diskless transfer's end mark.
    tail: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Size {
    Len(u64),
    Eof(Vec<u8>),
}

/// The link to the master (`Replica::link`).
pub struct Link {
    pub host: String,
    pub port: u16,
    state: State,
    sock: Option<TcpStream>,
    /// Bytes received and not yet used (reply lines, stream commands).
    input: Vec<u8>,
    parse: ParseState,
    /// Bytes waiting to be written to the master.
    out: Vec<u8>,
    /// The read buffer, kept between events.
    rbuf: Vec<u8>,
    steps: VecDeque<Step>,
    transfer: Option<Transfer>,
    /// A snapshot received whole, waiting for the event loop to load it.
    received: Option<Transfer>,
    /// The master client, while the stream flows (Redis's server.master).
    master: Option<Box<Client>>,
    /// The master client's database, kept across a dropped link: a
    /// continued stream does not select it again.
    master_db: usize,
    /// Stream bytes of the transaction being received: forwarded and
    /// counted once EXEC ran, so a link dropped inside one continues from
    /// before its MULTI (as Redis counts).
    in_multi: Vec<u8>,
    /// Unix ms of the last byte received, and of the last state change
    /// (handshake and transfer timeouts).
    last_io_ms: i64,
    since_ms: i64,
    /// When the link last went down (0: never up since REPLICAOF).
    down_since_ms: i64,
    /// Connection attempts made (picks the address to try).
    attempts: usize,
    last_ack_ms: i64,
    /// The master asked for an ACK (GETACK, for WAIT / WAITAOF) while our
    /// AOF had not fsynced everything acknowledged: an ACK follows as soon
    /// as the fsync catches up, not only at the next second's one.
    fack_owed: bool,
}

impl Link {
    fn new(host: String, port: u16) -> Self {
        Link {
            host,
            port,
            state: State::Connect,
            sock: None,
            input: Vec::new(),
            parse: ParseState::default(),
            out: Vec::new(),
            rbuf: Vec::new(),
            steps: VecDeque::new(),
            transfer: None,
            received: None,
            master: None,
            master_db: 0,
            in_multi: Vec::new(),
            last_io_ms: 0,
            since_ms: 0,
            down_since_ms: 0,
            attempts: 0,
            last_ack_ms: 0,
            fack_owed: false,
        }
    }

    /// ROLE's state word.
    fn state_word(&self) -> &'static str {
        match self.state {
            State::Connect => "connect",
            State::Connecting => "connecting",
            State::Handshake => "handshake",
            State::Transfer => "sync",
            State::Connected => "connected",
        }
    }
}

/// The replica's state (`Server::replica`).
#[derive(Default)]
pub struct Replica {
    /// Some while ember replicates from a master (taken out while the
    /// link's own code runs).
    pub link: Option<Box<Link>>,
    /// ember replicates from a master (`replicaof` set).
    enabled: bool,
    /// Whether `call` must look at [`deny`]: a replica refuses writes
    /// (`replica-read-only`) or everything stale (`replica-serve-stale-data
    /// no`). One field test on the hot path when ember is a master.
    pub gate: bool,
    /// Our replication ID and offset describe a history a master may let
    /// us continue (PSYNC <id> <offset+1> instead of `PSYNC ? -1`).
    can_continue: bool,
    /// The last turn stopped reading the master link before it was
    /// drained: the loop must call [`on_event`] again without waiting.
    pub read_pending: bool,
    /// The master's stream stopped at a command a CLIENT PAUSE holds (as
    /// Redis postpones its master client): the rest waits in the link's
    /// input, the offset stays put, and [`crate::server::pause::end`] asks
    /// for it to run again.
    pub held_by_pause: bool,
    /// A received snapshot waits for [`load_received`].
    pub load_ready: bool,
    /// [`load_received`] runs: the link's events wait.
    loading: bool,
    last_cron_ms: i64,
}

/// `replicaof` as configured: (host, port) or None.
fn configured_master(cfg: &crate::config::Config) -> Option<(String, u16)> {
    let (idx, _) = crate::config::registry::lookup(b"replicaof")?;
    match cfg.read(idx) {
        Value::ReplicaOf(r) => r,
        _ => None,
    }
}

/// Records the master in the config, so CONFIG GET / REWRITE show it.
fn store_master(cfg: &mut crate::config::Config, master: Option<(String, u16)>) {
    if let Some((idx, _)) = crate::config::registry::lookup(b"replicaof") {
        cfg.write(idx, Value::ReplicaOf(master));
    }
}

/// A string directive ("" when unset).
fn config_str(cfg: &crate::config::Config, name: &str) -> String {
    cfg.value_of(name).unwrap_or_default()
}

impl Replica {
    /// The start-up state: a link waiting to connect when `replicaof` is
    /// set (the cron connects once the data is loaded).
    pub fn from_config(cfg: &crate::config::Config) -> Self {
        let mut r = Replica::default();
        if let Some((host, port)) = configured_master(cfg) {
            r.link = Some(Box::new(Link::new(host, port)));
        }
        r.enabled = r.link.is_some();
        r.gate = r.enabled && gate_needed(cfg);
        r
    }

    /// Whether ember is a replica (`replicaof` set).
    pub fn active(&self) -> bool {
        self.enabled
    }
}

/// Whether a replica must check commands: it is read-only or does not
/// serve stale data.
fn gate_needed(cfg: &crate::config::Config) -> bool {
    cfg.get_bool("replica-read-only") != Some(false)
        || cfg.get_bool("replica-serve-stale-data") == Some(false)
}

/// Start-up: a configured replica's dataset is static for its clients
/// (no expiry, no eviction) and the stream is proxied.
pub fn init(srv: &mut Server) {
    if srv.replica.active() {
        become_replica_state(srv);
    }
}

/// CONFIG SET replica-read-only / replica-serve-stale-data.
pub fn refresh_config(srv: &mut Server) {
    srv.replica.gate = srv.replica.active() && gate_needed(&srv.config);
    // A writable replica expires the keys its own clients give a TTL.
    srv.ks.replica_ttls.active =
        srv.replica.active() && srv.config.get_bool("replica-read-only") == Some(false);
}

/// The switches every replica has on: keys are hidden, not deleted, once
/// their TTL passes (the master sends the deletions), nothing is evicted
/// or actively expired, and commands run here feed no stream of ours.
fn become_replica_state(srv: &mut Server) {
    srv.ks.paused = true;
    srv.repl.proxying = true;
    super::logging::set_replica_role(true);
    repl::update_propagation(srv);
    refresh_config(srv);
}

/// The write gate of a replica (called from `cmd::call` when
/// `srv.replica.gate`): the error a normal client's command gets, if any.
/// `writes`: the command writes (or is an EXEC of a queue that does).
pub fn deny(srv: &Server, serves_stale: bool, writes: bool) -> Option<&'static str> {
    if !srv.replica.active() {
        return None;
    }
    if writes && srv.config.get_bool("replica-read-only") != Some(false) {
        return Some(crate::error::READONLY_REPLICA);
    }
    if !serves_stale && running_stale(srv) {
        return Some(crate::error::MASTERDOWN);
    }
    None
}

/// A replica whose link to its master is down while
/// `replica-serve-stale-data` is no: only STALE commands (and scripts
/// declaring `allow-stale`) may run.
pub fn running_stale(srv: &Server) -> bool {
    srv.replica.active()
        && !srv
            .replica
            .link
            .as_ref()
            .is_some_and(|l| l.state == State::Connected)
        && srv.config.get_bool("replica-serve-stale-data") == Some(false)
}

/// REPLICAOF host port. Returns false when already replicating from that
/// master (no operation).
pub fn set_master(srv: &mut Server, host: String, port: u16) -> bool {
    if let Some(l) = srv.replica.link.as_ref()
        && l.host.eq_ignore_ascii_case(&host)
        && l.port == port
    {
        info!(
            "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed."
        );
        return false;
    }
    let was_master = !srv.replica.active();
    if let Some(mut old) = srv.replica.link.take() {
        close_link(srv, &mut old);
    }
    unblock_all_clients(srv);
    if was_master {
        // Our own history may be what the new master continues (it was
        // our replica): ask to continue it.
        srv.replica.can_continue = true;
        become_replica_state(srv);
    }
    store_master(&mut srv.config, Some((host.clone(), port)));
    info!("Connecting to MASTER {host}:{port}");
    srv.replica.link = Some(Box::new(Link::new(host, port)));
    srv.replica.enabled = true;
    refresh_config(srv);
    true
}

/// Clients blocked in a command (BLPOP, WAIT...) get `-UNBLOCKED` and are
/// closed once it is written: the data they waited on is now the new
/// master's (Redis's disconnectAllBlockedClients). Clients CLIENT PAUSE
/// holds are not blocked in a command and stay.
fn unblock_all_clients(srv: &mut Server) {
    let blocked: Vec<usize> = srv
        .clients
        .iter()
        .filter(|(_, c)| c.as_ref().is_some_and(|c| c.blocked.is_some()))
        .map(|(tok, _)| tok)
        .collect();
    for tok in blocked {
        let Some(mut c) = srv.clients.get_mut(tok).and_then(Option::take) else {
            continue;
        };
        c.reply.error(crate::error::UNBLOCKED_REPLICA);
        super::blocking::unblock(srv, &mut c);
        c.close_after_reply = true;
        if !c.write_queued {
            c.write_queued = true;
            srv.pending_writes.push(tok);
        }
        srv.clients[tok] = Some(c);
    }
    repl::prune_waiters(srv);
}

/// REPLICAOF NO ONE: stop replicating, keep the data, and start a new
/// history whose predecessor our replicas may still continue.
pub fn unset_master(srv: &mut Server) {
    let Some(mut link) = srv.replica.link.take() else {
        return;
    };
    close_link(srv, &mut link);
    srv.replica.enabled = false;
    store_master(&mut srv.config, None);
    let old = std::mem::replace(&mut srv.replid, super::random_hex40());
    let end = srv.repl.offset + 1;
    warn!(
        "Setting secondary replication ID to {old}, valid up to offset: {end}. New replication ID is {}",
        srv.replid
    );
    srv.repl.replid2 = Some((old, end));
    srv.repl.forget_selected_db();
    srv.repl.proxying = false;
    super::logging::set_replica_role(false);
    srv.replica.can_continue = false;
    srv.replica.gate = false;
    // A master expires every key itself.
    srv.ks.replica_ttls.active = false;
    srv.ks.replica_ttls.clear();
    srv.ks.paused = srv.pause.mode().is_some();
    repl::update_propagation(srv);
    // They learn the new ID when they reconnect, and continue.
    repl::disconnect_replicas(srv, "replication ID changed");
}

/// Closes the socket and any transfer; a link that had a master client
/// keeps its position for the next PSYNC.
fn close_link(srv: &mut Server, link: &mut Link) {
    link.sock = None;
    for t in [link.transfer.take(), link.received.take()]
        .into_iter()
        .flatten()
    {
        let _ = std::fs::remove_file(&t.path);
    }
    if let Some(m) = link.master.take() {
        link.master_db = m.db;
        srv.replica.can_continue = true;
    }
    link.input.clear();
    link.parse = ParseState::default();
    link.out.clear();
    link.steps.clear();
    link.in_multi.clear();
}

/// The link failed or was lost: back to waiting for the cron's next
/// connect.
fn drop_link(srv: &mut Server, link: &mut Link, why: &str) {
    if link.state == State::Connected {
        warn!("Connection with master lost: {why}");
        info!("Caching the disconnected master state.");
        link.down_since_ms = now_ms();
    } else {
        warn!(
            "Replication with MASTER {}:{} failed: {why}",
            link.host, link.port
        );
    }
    close_link(srv, link);
    link.state = State::Connect;
    srv.replica.held_by_pause = false;
    // A FAILOVER whose target did not take over is reverted.
    super::failover::target_failed(srv, why);
}

/// Replication's part of the cron: connect, time out, acknowledge.
pub fn cron(srv: &mut Server, registry: &Registry, now: i64) {
    let Some(mut link) = srv.replica.link.take() else {
        return;
    };
    // A REPLICAOF connects at the next tick; the rest runs once a second.
    if link.state == State::Connect
        && (now - srv.replica.last_cron_ms >= CRON_PERIOD_MS || link.since_ms == 0)
    {
        connect(srv, &mut link, registry, now);
    }
    if now - srv.replica.last_cron_ms >= CRON_PERIOD_MS {
        srv.replica.last_cron_ms = now;
        let timeout = srv.config.get_int("repl-timeout").unwrap_or(60).max(1) as i64 * 1000;
        // Redis's log lines come first (its test suite looks for them).
        // A handshake is alive while the master sends anything (the
        // newlines of a master delaying its diskless transfer).
        match link.state {
            State::Connecting | State::Handshake
                if now - link.since_ms.max(link.last_io_ms) > timeout =>
            {
                warn!("Timeout connecting to the MASTER...");
                drop_link(srv, &mut link, "timeout connecting to the master");
            }
            State::Transfer if now - link.last_io_ms > timeout => {
                warn!(
                    "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."
                );
                drop_link(
                    srv,
                    &mut link,
                    "timeout receiving the snapshot (raise repl-timeout if it persists)",
                );
            }
            State::Connected if now - link.last_io_ms > timeout => {
                warn!("MASTER timeout: no data nor PING received...");
                drop_link(srv, &mut link, "timeout, no data nor PING received");
            }
            State::Connected => send_ack(srv, &mut link, now),
            _ => {}
        }
    }
    if let Err(why) = flush(&mut link) {
        drop_link(srv, &mut link, &why);
    }
    srv.replica.link = Some(link);
}

/// Starts the non-blocking connect.
fn connect(srv: &mut Server, link: &mut Link, registry: &Registry, now: i64) {
    link.since_ms = now;
    // A name with several addresses (localhost: ::1 and 127.0.0.1) is
    // tried one address per attempt, in turn.
    let addrs: Vec<std::net::SocketAddr> = match (link.host.as_str(), link.port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            warn!("Unable to connect to MASTER: {e}");
            return;
        }
    };
    let addr = addrs.get(link.attempts % addrs.len().max(1)).copied();
    link.attempts = link.attempts.wrapping_add(1);
    let Some(addr) = addr else {
        warn!("Unable to connect to MASTER: no address for {}", link.host);
        return;
    };
    info!("MASTER <-> REPLICA sync started");
    let source = srv.config.value_of("bind-source-addr").unwrap_or_default();
    let mut sock = match super::listener::connect_from(addr, &source) {
        Ok(s) => s,
        Err(e) => {
            warn!("Unable to connect to MASTER: {e}");
            return;
        }
    };
    if let Err(e) = registry.register(
        &mut sock,
        Token(TOKEN),
        Interest::READABLE | Interest::WRITABLE,
    ) {
        warn!("Unable to watch the connection to MASTER: {e}");
        return;
    }
    link.sock = Some(sock);
    link.state = State::Connecting;
    link.last_io_ms = now;
    let _ = srv;
}

/// A socket event on the master link.
pub fn on_event(srv: &mut Server, now: i64) {
    // During the load the link waits; `load_received` asks for a read
    // afterwards.
    if srv.replica.loading || srv.replica.load_ready {
        return;
    }
    let Some(mut link) = srv.replica.link.take() else {
        return;
    };
    srv.replica.read_pending = false;
    match handle_event(srv, &mut link, now) {
        Ok(pending) => srv.replica.read_pending = pending,
        Err(why) => drop_link(srv, &mut link, &why),
    }
    // A REPLICAOF NO ONE cannot run meanwhile (commands run elsewhere),
    // but keep whatever the handlers installed if something did.
    if srv.replica.link.is_none() {
        srv.replica.link = Some(link);
    }
}

/// Ok(true): input is left to read on the next turn.
fn handle_event(srv: &mut Server, link: &mut Link, now: i64) -> Result<bool, String> {
    if link.state == State::Connecting {
        let Some(sock) = link.sock.as_ref() else {
            return Ok(false);
        };
        if let Ok(Some(e)) | Err(e) = sock.take_error() {
            return Err(format!("error connecting: {e}"));
        }
        match sock.peer_addr() {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotConnected => return Ok(false),
            Err(e) => return Err(format!("error connecting: {e}")),
        }
        info!("Non blocking connect for SYNC fired the event.");
        super::listener::tune_tcp(sock, srv.config.tcp_keepalive);
        link.state = State::Handshake;
        link.since_ms = now;
        link.steps = VecDeque::from([Step::Pong]);
        send(link, &[b"PING"]);
    }
    // A pause that held the stream ended, or a snapshot just loaded with
    // stream bytes behind it in the same reads: what is buffered runs
    // first (the socket may have nothing new to read).
    let held = std::mem::take(&mut srv.replica.held_by_pause);
    if link.state == State::Connected && (held || !link.input.is_empty()) {
        process(srv, link, now)?;
    }
    flush(link)?;
    let pending = read_some(srv, link, now)?;
    flush(link)?;
    Ok(pending)
}

/// Queues a command for the master.
fn send(link: &mut Link, argv: &[&[u8]]) {
    encode_command(&mut link.out, argv);
}

/// Writes what the socket takes.
fn flush(link: &mut Link) -> Result<(), String> {
    let Some(sock) = link.sock.as_mut() else {
        return Ok(());
    };
    while !link.out.is_empty() {
        match sock.write(&link.out) {
            Ok(0) => return Err("connection closed writing to the master".into()),
            Ok(n) => {
                link.out.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("error writing to the master: {e}")),
        }
    }
    Ok(())
}

/// Reads until the socket is drained (WouldBlock) or `READS_PER_TURN`
/// reads were made (Ok(true): more may be waiting), handling the bytes as
/// they come.
fn read_some(srv: &mut Server, link: &mut Link, now: i64) -> Result<bool, String> {
    let mut buf = std::mem::take(&mut link.rbuf);
    buf.resize(READ_CHUNK, 0);
    let r = read_into(srv, link, now, &mut buf);
    link.rbuf = buf;
    r
}

fn read_into(srv: &mut Server, link: &mut Link, now: i64, buf: &mut [u8]) -> Result<bool, String> {
    for _ in 0..READS_PER_TURN {
        let Some(sock) = link.sock.as_mut() else {
            return Ok(false);
        };
        if matches!(link.state, State::Connect | State::Connecting) {
            return Ok(false);
        }
        let n = match sock.read(buf) {
            Ok(0) => return Err("connection closed by the master".into()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("error reading from the master: {e}")),
        };
        link.last_io_ms = now;
        srv.stats.total_net_repl_input_bytes += n as u64;
        link.input.extend_from_slice(&buf[..n]);
        // Read on to WouldBlock even after a short read: a master that
        // closed right after its last bytes is only seen that way.
        process(srv, link, now)?;
        // A snapshot to load first: reading goes on after it.
        if srv.replica.load_ready {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Uses the received bytes as far as the state allows.
fn process(srv: &mut Server, link: &mut Link, now: i64) -> Result<(), String> {
    loop {
        let before = (link.state, link.input.len());
        match link.state {
            State::Connect | State::Connecting => return Ok(()),
            State::Handshake => {
                let Some(line) = take_line(&mut link.input)? else {
                    return Ok(());
                };
                handshake_reply(srv, link, &line, now)?;
            }
            State::Transfer => receive_snapshot(srv, link)?,
            State::Connected => return apply_stream(srv, link, now),
        }
        if (link.state, link.input.len()) == before {
            return Ok(());
        }
    }
}

/// One `\n`-terminated line from the front of `input` (without CR LF).
fn take_line(input: &mut Vec<u8>) -> Result<Option<String>, String> {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let mut line: Vec<u8> = input.drain(..=i).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            Ok(Some(String::from_utf8_lossy(&line).into_owned()))
        }
        None if input.len() > MAX_LINE => Err("reply line from the master too long".into()),
        None => Ok(None),
    }
}

/// Handles one reply of the handshake.
fn handshake_reply(srv: &mut Server, link: &mut Link, line: &str, now: i64) -> Result<(), String> {
    let Some(step) = link.steps.front().copied() else {
        return Err(format!("unexpected reply from the master: '{line}'"));
    };
    // The master may send newlines to keep the link alive before it
    // answers PSYNC.
    if line.is_empty() && step == Step::Psync {
        return Ok(());
    }
    link.steps.pop_front();
    let err = line.starts_with('-');
    match step {
        Step::Pong => {
            // An error about authentication means the master is alive;
            // AUTH follows.
            if err
                && !line.starts_with("-NOAUTH")
                && !line.starts_with("-NOPERM")
                && !line.starts_with("-ERR operation not permitted")
            {
                return Err(format!("error reply to PING from master: '{line}'"));
            }
            info!("Master replied to PING, replication can continue...");
            send_handshake(srv, link);
        }
        Step::Auth if err => return Err(format!("Unable to AUTH to MASTER: {line}")),
        Step::Port | Step::Ip | Step::Capa if err => {
            info!("(Non critical) Master does not understand REPLCONF: {line}");
        }
        Step::Psync => return psync_reply(srv, link, line, now),
        _ => {}
    }
    if link.steps.is_empty() {
        send_psync(srv, link);
    }
    Ok(())
}

/// AUTH (when configured), REPLCONF listening-port, ip-address and
/// capabilities, sent together; their replies are read in order.
fn send_handshake(srv: &mut Server, link: &mut Link) {
    let pass = config_str(&srv.config, "masterauth");
    let user = config_str(&srv.config, "masteruser");
    if !pass.is_empty() {
        if user.is_empty() {
            send(link, &[b"AUTH", pass.as_bytes()]);
        } else {
            send(link, &[b"AUTH", user.as_bytes(), pass.as_bytes()]);
        }
        link.steps.push_back(Step::Auth);
    }
    let port = match srv.config.get_int("replica-announce-port").unwrap_or(0) {
        0 => i128::from(srv.bound_port),
        p => p,
    }
    .to_string();
    send(link, &[b"REPLCONF", b"listening-port", port.as_bytes()]);
    link.steps.push_back(Step::Port);
    let ip = config_str(&srv.config, "replica-announce-ip");
    if !ip.is_empty() {
        send(link, &[b"REPLCONF", b"ip-address", ip.as_bytes()]);
        link.steps.push_back(Step::Ip);
    }
    send(link, &[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]);
    link.steps.push_back(Step::Capa);
}

/// PSYNC with our history when a master may continue it, else `? -1`.
fn send_psync(srv: &mut Server, link: &mut Link) {
    if srv.replica.can_continue {
        let offset = (srv.repl.offset + 1).to_string();
        info!(
            "Trying a partial resynchronization (request {}:{offset}).",
            srv.replid
        );
        let id = srv.replid.clone();
        let mut argv: Vec<&[u8]> = vec![b"PSYNC", id.as_bytes(), offset.as_bytes()];
        // Our FAILOVER asks the target to take over (Redis sends it so).
        if super::failover::asking_target(srv) {
            argv.push(b"FAILOVER");
        }
        send(link, &argv);
    } else {
        info!("Partial resynchronization not possible (no cached master)");
        send(link, &[b"PSYNC", b"?", b"-1"]);
    }
    link.steps.push_back(Step::Psync);
}

/// `+FULLRESYNC <id> <offset>`, `+CONTINUE [<id>]`, or an error.
fn psync_reply(srv: &mut Server, link: &mut Link, line: &str, now: i64) -> Result<(), String> {
    if let Some(rest) = line.strip_prefix("+FULLRESYNC") {
        let mut words = rest.split_ascii_whitespace();
        let (Some(id), Some(offset)) = (words.next(), words.next()) else {
            return Err(format!("bad FULLRESYNC reply from master: '{line}'"));
        };
        let Ok(offset) = offset.parse::<u64>() else {
            return Err(format!("bad FULLRESYNC reply from master: '{line}'"));
        };
        if id.len() != 40 {
            return Err(format!("bad FULLRESYNC reply from master: '{line}'"));
        }
        info!("Full resync from master: {id}:{offset}");
        let name = format!("temp-{}.{}.rdb", now / 1000, std::process::id());
        link.transfer = Some(Transfer {
            path: std::path::Path::new(&srv.config.dir).join(name),
            file: None,
            size: None,
            read: 0,
            replid: id.to_string(),
            offset,
            tail: Vec::new(),
        });
        link.state = State::Transfer;
        link.since_ms = now;
        super::failover::target_accepted(srv);
        return Ok(());
    }
    if let Some(rest) = line.strip_prefix("+CONTINUE") {
        let id = rest.trim();
        info!("Successful partial resynchronization with master.");
        if !id.is_empty() && id != srv.replid {
            // The master's history has a new ID: ours becomes the
            // previous one, valid up to where we are.
            let old = std::mem::replace(&mut srv.replid, id.to_string());
            srv.repl.replid2 = Some((old, srv.repl.offset + 1));
            info!("Master replication ID changed to {id}");
            repl::disconnect_replicas(srv, "master replication ID changed");
        }
        super::failover::target_accepted(srv);
        start_stream(srv, link, now);
        info!("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        return Ok(());
    }
    if line.starts_with("-NOMASTERLINK") || line.starts_with("-LOADING") {
        return Err(format!("master is not ready yet, retrying later: {line}"));
    }
    Err(format!("unexpected reply to PSYNC from master: {line}"))
}

/// Receives the `$` line and the snapshot's bytes into the temp file;
/// once it is whole, loads it.
fn receive_snapshot(srv: &mut Server, link: &mut Link) -> Result<(), String> {
    // Received whole: the rest waits for the load.
    if link.received.is_some() {
        return Ok(());
    }
    let Some(t) = link.transfer.as_mut() else {
        return Err("no transfer in progress".into());
    };
    let size = match t.size.clone() {
        Some(s) => s,
        None => {
            let Some(line) = take_line(&mut link.input)? else {
                return Ok(());
            };
            // Newlines keep the link alive while the master prepares.
            if line.is_empty() {
                return Ok(());
            }
            let Some(spec) = line.strip_prefix('$') else {
                return Err(format!(
                    "bad protocol from MASTER, the first byte is not '$': '{line}'"
                ));
            };
            let size = match spec.strip_prefix("EOF:") {
                Some(mark) if mark.len() == EOF_MARK_LEN => Size::Eof(mark.as_bytes().to_vec()),
                Some(_) => return Err(format!("bad EOF mark from MASTER: '{line}'")),
                None => Size::Len(
                    spec.parse::<u64>()
                        .map_err(|_| format!("bad snapshot length from MASTER: '{line}'"))?,
                ),
            };
            match &size {
                Size::Len(n) => {
                    info!("MASTER <-> REPLICA sync: receiving {n} bytes from master to disk")
                }
                Size::Eof(_) => info!(
                    "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"
                ),
            }
            let file = File::create(&t.path)
                .map_err(|e| format!("opening the temp file {}: {e}", t.path.display()))?;
            t.file = Some(file);
            t.size = Some(size.clone());
            size
        }
    };
    let Some(file) = t.file.as_mut() else {
        return Err("no temp file".into());
    };
    let (take, done) = match &size {
        Size::Len(n) => {
            let take = (n - t.read).min(link.input.len() as u64) as usize;
            (take, t.read + take as u64 == *n)
        }
        Size::Eof(mark) => match find_mark(&t.tail, &link.input, mark) {
            // The mark ends inside what arrived: keep what follows it.
            Some(end) => (end, true),
            None => (link.input.len(), false),
        },
    };
    file.write_all(&link.input[..take])
        .map_err(|e| format!("writing the snapshot to {}: {e}", t.path.display()))?;
    t.read += take as u64;
    if let Size::Eof(_) = size {
        t.tail.extend_from_slice(&link.input[..take]);
        let keep = t.tail.len().saturating_sub(EOF_MARK_LEN);
        t.tail.drain(..keep);
    }
    link.input.drain(..take);
    if !done {
        return Ok(());
    }
    if let Size::Eof(_) = size {
        // The mark is not part of the snapshot.
        let len = t.read.saturating_sub(EOF_MARK_LEN as u64);
        file.set_len(len)
            .map_err(|e| format!("truncating the snapshot: {e}"))?;
    }
    file.sync_all()
        .map_err(|e| format!("syncing the snapshot: {e}"))?;
    // The event loop loads it, answering clients meanwhile
    // ([`load_received`]); what follows it waits in `input`.
    link.received = link.transfer.take();
    srv.replica.load_ready = true;
    Ok(())
}

/// Where the end mark ends in `input` (an index into it), searching the
/// bytes written before (`tail`) and after.
fn find_mark(tail: &[u8], input: &[u8], mark: &[u8]) -> Option<usize> {
    let head = &input[..input.len().min(EOF_MARK_LEN)];
    let mut joined = tail.to_vec();
    joined.extend_from_slice(head);
    // A mark straddling what was written and what arrived.
    if let Some(p) = joined.windows(EOF_MARK_LEN).position(|w| w == mark) {
        let end = p + EOF_MARK_LEN;
        if end > tail.len() {
            return Some(end - tail.len());
        }
    }
    input
        .windows(EOF_MARK_LEN)
        .position(|w| w == mark)
        .map(|p| p + EOF_MARK_LEN)
}

/// Loads the snapshot the link received into a fresh keyspace and, once
/// it loaded whole, makes it the data set (a damaged one changes nothing:
/// the link is dropped and retried). The event loop calls this with its
/// `pump`, which serves clients every so often during the load: commands
/// without the LOADING flag get `-LOADING`, as on a Redis replica.
pub fn load_received(srv: &mut Server, pump: &mut dyn FnMut(&mut Server)) {
    srv.replica.load_ready = false;
    let Some(t) = srv.replica.link.as_mut().and_then(|l| l.received.take()) else {
        return;
    };
    info!("MASTER <-> REPLICA sync: Loading DB in memory");
    let mut fresh = crate::db::Keyspace::new(srv.ks.dbs.len());
    srv.replica.loading = true;
    let loaded = crate::persist::load_into_pumped(srv, &t.path, &mut fresh, pump);
    srv.replica.loading = false;
    let Some(mut link) = srv.replica.link.take() else {
        let _ = std::fs::remove_file(&t.path);
        return;
    };
    let now = now_ms();
    match loaded {
        Ok(st) => install_snapshot(srv, &mut link, t, fresh, st, now),
        Err(e) => {
            let _ = std::fs::remove_file(&t.path);
            let why = format!(
                "failed trying to load the MASTER synchronization DB, the data set was left as it was: {e}"
            );
            drop_link(srv, &mut link, &why);
        }
    }
    if let Err(why) = flush(&mut link) {
        drop_link(srv, &mut link, &why);
    }
    srv.replica.link = Some(link);
    // The stream that arrived meanwhile is read on the next turn.
    srv.replica.read_pending = true;
}

/// Makes a loaded snapshot the data set and starts the stream.
fn install_snapshot(
    srv: &mut Server,
    link: &mut Link,
    t: Transfer,
    fresh: crate::db::Keyspace,
    st: crate::persist::LoadStats,
    now: i64,
) {
    // The AOF restarts from a rewrite of the new data (Redis stops it
    // before loading and starts it again after).
    let aof_on = srv.aof.state != crate::persist::aof::State::Off;
    if aof_on {
        crate::persist::aof::stop(srv);
    }
    info!("MASTER <-> REPLICA sync: Flushing old data");
    // `replica-lazy-flush yes`: the old data is freed on the lazy-free
    // thread instead of stalling the loop.
    let lazy = srv.config.get_bool("replica-lazy-flush") == Some(true);
    let n = srv.ks.dbs.len();
    cmd::server::empty_dbs(srv, 0..n, lazy);
    for (i, db) in fresh.dbs.into_iter().enumerate() {
        if let Some(slot) = srv.ks.dbs.get_mut(i) {
            *slot = db;
        }
    }
    srv.scripts.flush_functions();
    if let Err(e) = crate::persist::install_functions(srv, &st) {
        warn!("MASTER <-> REPLICA sync: {e}");
    }
    srv.persist.last_load_keys_loaded = st.keys_loaded;
    srv.persist.last_load_keys_expired = st.keys_expired;
    info!(
        "Done loading RDB, keys loaded: {}, keys expired: {}.",
        st.keys_loaded, st.keys_expired
    );
    let target = crate::persist::rdb_path(&srv.config);
    if let Err(e) = std::fs::rename(&t.path, &target) {
        warn!(
            "Failed trying to rename the temp DB into {} in MASTER <-> REPLICA synchronization: {e}",
            target.display()
        );
        let _ = std::fs::remove_file(&t.path);
    }
    // Our replicas followed the old history: they sync again.
    repl::disconnect_replicas(srv, "new snapshot from the master");
    srv.replid = t.replid;
    srv.repl.restart_history(t.offset);
    // After the new offset is ours: the AOF's fsynced offset starts from
    // it (the rewrite's fork point), not from the old master's stream.
    if aof_on && let Err(e) = crate::persist::aof::start(srv, false) {
        warn!("Failed enabling the AOF after successful master synchronization: {e}");
    }
    link.master_db = st
        .aux
        .iter()
        .find(|(k, _)| k == "repl-stream-db")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .filter(|&db| db < srv.ks.dbs.len())
        .unwrap_or(0);
    start_stream(srv, link, now);
    info!("MASTER <-> REPLICA sync: Finished with success");
    // A diskless master starts the stream once this arrives.
    send_ack(srv, link, now);
}

/// The link is up: the master client is created and the stream flows.
fn start_stream(srv: &mut Server, link: &mut Link, now: i64) {
    let id = srv.next_client_id;
    srv.next_client_id += 1;
    // CLIENT LIST shows the link's addresses, as Redis does.
    let sock = link.sock.as_ref();
    let addr = sock
        .and_then(|s| s.peer_addr().ok())
        .map_or_else(|| format!("{}:{}", link.host, link.port), |a| a.to_string());
    let laddr = sock
        .and_then(|s| s.local_addr().ok())
        .map_or_else(String::new, |a| a.to_string());
    let mut c = Client::new(id, usize::MAX, Conn::Fake, addr, laddr, now);
    c.authenticated = true;
    // Not a user: ACL rules do not apply to it (see `run_as_master`).
    c.user = b"(superuser)".to_vec();
    c.db = link.master_db;
    link.master = Some(Box::new(c));
    link.state = State::Connected;
    link.since_ms = now;
    link.last_io_ms = now;
    link.down_since_ms = 0;
    link.parse = ParseState::default();
    srv.replica.can_continue = true;
}

/// `REPLCONF ACK <processed offset>`, with `FACK <fsynced offset>` while
/// our AOF is on (Redis 7.2 replicationSendAck; masters before 7.2 read
/// only the offset and ignore the rest).
fn send_ack(srv: &mut Server, link: &mut Link, now: i64) {
    let offset = srv.repl.offset;
    let off = offset.to_string();
    match srv.aof.fsynced_reploff {
        Some(fsynced) => {
            let f = fsynced.to_string();
            send(
                link,
                &[b"REPLCONF", b"ACK", off.as_bytes(), b"FACK", f.as_bytes()],
            );
            link.fack_owed = fsynced < offset;
        }
        None => {
            send(link, &[b"REPLCONF", b"ACK", off.as_bytes()]);
            link.fack_owed = false;
        }
    }
    link.last_ack_ms = now;
}

/// Our AOF fsynced further (before_sleep): when the master asked for an
/// ACK our fsyncs had not caught up with, it gets another now, so its
/// WAITAOF clients need not wait for the once-a-second ACK. (Redis
/// replicas answer only GETACK and the second's ACK; an extra ACK is
/// harmless to any master.)
pub fn fsynced_moved(srv: &mut Server) {
    let owed = srv
        .replica
        .link
        .as_ref()
        .is_some_and(|l| l.fack_owed && l.state == State::Connected);
    if !owed {
        return;
    }
    let Some(mut link) = srv.replica.link.take() else {
        return;
    };
    send_ack(srv, &mut link, now_ms());
    if let Err(why) = flush(&mut link) {
        drop_link(srv, &mut link, &why);
    }
    srv.replica.link = Some(link);
}

/// Runs every whole command of the stream as the master client.
fn apply_stream(srv: &mut Server, link: &mut Link, now: i64) -> Result<(), String> {
    let Some(mut master) = link.master.take() else {
        return Ok(());
    };
    master.last_interaction_ms = now;
    let mut data = std::mem::take(&mut link.input);
    // The master is trusted as Redis trusts it: no `proto-max-bulk-len`
    // (its own may be larger), only a bound far beyond any real value
    // that keeps the parser's offset arithmetic small. Nothing is
    // allocated ahead of the bytes actually received.
    let lim = Limits {
        max_bulk: MASTER_MAX_BULK,
        authenticated: true,
    };
    let mut pos = 0;
    let mut result = Ok(());
    while pos < data.len() {
        let mut argv: Vec<&[u8]> = Vec::new();
        let consumed = match parse_command(&mut data[pos..], &mut argv, &lim, &mut link.parse) {
            Ok(Parsed::Complete { consumed }) => consumed,
            Ok(Parsed::Incomplete { .. }) => break,
            Err(e) => {
                result = Err(format!("protocol error in the master's stream: {}", e.0));
                break;
            }
        };
        // CLIENT PAUSE holds the master's commands like any client's
        // (ALL: every command, GETACK included; WRITE: those that may
        // write), and with them everything behind them in the stream.
        if srv.pause.mode().is_some()
            && !argv.is_empty()
            && cmd::resolve(&argv)
                .is_some_and(|(command, _)| pause::holds(srv, &master, command, &argv))
        {
            srv.replica.held_by_pause = true;
            break;
        }
        let getack = argv.len() >= 2
            && argv[0].eq_ignore_ascii_case(b"replconf")
            && argv[1].eq_ignore_ascii_case(b"getack");
        if getack {
            // The offset before this command, as Redis acknowledges.
            send_ack(srv, link, now);
        } else if !argv.is_empty() {
            run_as_master(srv, &mut master, &argv, now);
        }
        drop(argv);
        let bytes = &data[pos..pos + consumed];
        pos += consumed;
        // Inside a transaction the offset moves only at EXEC.
        if master.multi.is_some() {
            link.in_multi.extend_from_slice(bytes);
        } else if link.in_multi.is_empty() {
            repl::proxy(srv, bytes);
        } else {
            let mut block = std::mem::take(&mut link.in_multi);
            block.extend_from_slice(bytes);
            repl::proxy(srv, &block);
        }
    }
    data.drain(..pos);
    link.input = data;
    link.master = Some(master);
    result
}

/// Runs one command of the master's stream: no ACL, memory or read-only
/// gate (the master already decided), no reply, and keys past their TTL
/// still there (Redis's master client sees them until the master's DEL).
fn run_as_master(srv: &mut Server, c: &mut Client, argv: &[&[u8]], now: i64) {
    // A command refused before it runs is the error Redis would send its
    // master, logged the same way (the divergence is worth a look).
    let Some((command, parent)) = cmd::resolve(argv) else {
        critical_error(&crate::error::unknown_command(argv), "<unknown>");
        return;
    };
    if !command.arity_ok(argv.len()) {
        let name = cmd::table().fullname(command);
        critical_error(&crate::error::wrong_arity(name), name);
        return;
    }
    // Blocking commands never block (as inside EXEC).
    c.in_exec = true;
    if c.multi.is_some() && !command.has(cmd::flags::MULTI_CONTROL) {
        cmd::multi::queue(c, argv);
        return;
    }
    let saved = (
        srv.ks.loading,
        srv.ks.paused,
        srv.acl.restricted,
        srv.replica.gate,
        srv.ks.replica_ttls.active,
    );
    srv.ks.loading = true;
    srv.ks.paused = false;
    // The master expires its own keys (and sends the DELs).
    srv.ks.replica_ttls.active = false;
    // The master client is not bound by any user's ACL rules, and a
    // script it runs may write (the script gate asks `replica.gate`).
    srv.acl.restricted = false;
    srv.replica.gate = false;
    cmd::execute(srv, c, command, parent, argv, now);
    (
        srv.ks.loading,
        srv.ks.paused,
        srv.acl.restricted,
        srv.replica.gate,
        srv.ks.replica_ttls.active,
    ) = saved;
    if c.reply.buf.first() == Some(&b'-') {
        let text = String::from_utf8_lossy(&c.reply.buf);
        critical_error(text.trim_end(), &String::from_utf8_lossy(argv[0]));
    }
    c.reply.buf.clear();
}

/// Logs an error a command of the master's stream produced (Redis logs
/// every error a replica would send its master).
fn critical_error(text: &str, command: &str) {
    warn!(
        "== CRITICAL == This replica is sending an error to its master: '{text}' after processing the command '{command}'"
    );
}

// ---------------------------------------------------------------------------
// ROLE and INFO

/// ROLE on a replica: [slave, host, port, state, offset].
pub fn role_reply(srv: &Server, r: &mut crate::resp::ReplyBuf) -> bool {
    let Some(link) = srv.replica.link.as_ref() else {
        return false;
    };
    r.array(5);
    r.bulk(b"slave");
    r.bulk(link.host.as_bytes());
    r.int(i64::from(link.port));
    r.bulk(link.state_word().as_bytes());
    r.int(if link.master.is_some() {
        srv.repl.offset as i64
    } else {
        -1
    });
    true
}

/// Whole seconds from `then` to `now` (unix ms) counted as Redis counts
/// them: the difference of the two unix times in seconds.
fn secs_since(now: i64, then: i64) -> i64 {
    (now / 1000 - then / 1000).max(0)
}

/// The replica's fields of INFO replication, after `role:slave` (None for
/// a master).
pub fn info_fields(srv: &Server, now: i64) -> Option<Vec<(&'static str, String)>> {
    let link = srv.replica.link.as_ref()?;
    let mut f: Vec<(&'static str, String)> = Vec::new();
    let up = link.state == State::Connected;
    f.push(("master_host", link.host.clone()));
    f.push(("master_port", link.port.to_string()));
    f.push(("master_link_status", if up { "up" } else { "down" }.into()));
    let io = if link.master.is_some() {
        secs_since(now, link.last_io_ms)
    } else {
        -1
    };
    f.push(("master_last_io_seconds_ago", io.to_string()));
    let syncing = link.state == State::Transfer;
    f.push(("master_sync_in_progress", u8::from(syncing).to_string()));
    let (read, processed) = if link.master.is_some() || srv.replica.can_continue {
        let pending = (link.input.len() + link.in_multi.len()) as u64;
        (srv.repl.offset + pending, srv.repl.offset)
    } else {
        (1, 1)
    };
    f.push(("slave_read_repl_offset", read.to_string()));
    f.push(("slave_repl_offset", processed.to_string()));
    if syncing && let Some(t) = link.transfer.as_ref().or(link.received.as_ref()) {
        // Redis's repl_transfer_size: -1 until the `$` line, 0 for a
        // diskless (`$EOF:`) transfer, and the percentage follows from it.
        let total: i64 = match t.size {
            Some(Size::Len(n)) => n as i64,
            Some(Size::Eof(_)) => 0,
            None => -1,
        };
        let perc = if total != 0 {
            t.read as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        f.push(("master_sync_total_bytes", total.to_string()));
        f.push(("master_sync_read_bytes", t.read.to_string()));
        f.push((
            "master_sync_left_bytes",
            (total - t.read as i64).to_string(),
        ));
        f.push(("master_sync_perc", format!("{perc:.2}")));
        f.push((
            "master_sync_last_io_seconds_ago",
            secs_since(now, link.last_io_ms).to_string(),
        ));
    }
    if !up {
        let down = if link.down_since_ms > 0 {
            secs_since(now, link.down_since_ms)
        } else {
            -1
        };
        f.push(("master_link_down_since_seconds", down.to_string()));
    }
    let prio = srv.config.get_int("replica-priority").unwrap_or(100);
    f.push(("slave_priority", prio.to_string()));
    let ro = srv.config.get_bool("replica-read-only") != Some(false);
    f.push(("slave_read_only", u8::from(ro).to_string()));
    let announced = srv.config.get_bool("replica-announced") != Some(false);
    f.push(("replica_announced", u8::from(announced).to_string()));
    Some(f)
}

/// The master client, while the stream flows (CLIENT KILL matches it).
pub fn master_client(srv: &Server) -> Option<&Client> {
    srv.replica.link.as_ref()?.master.as_deref()
}

/// The master link's file descriptor (CLIENT LIST `fd=`), -1 without one.
pub fn master_fd(srv: &Server) -> i32 {
    use std::os::fd::AsRawFd;
    srv.replica
        .link
        .as_ref()
        .and_then(|l| l.sock.as_ref())
        .map_or(-1, |s| s.as_raw_fd())
}

/// CLIENT KILL of the master client: the link drops and the cron
/// reconnects, asking to continue.
pub fn kill_master_link(srv: &mut Server) {
    if let Some(mut link) = srv.replica.link.take() {
        drop_link(srv, &mut link, "killed by CLIENT KILL");
        srv.replica.link = Some(link);
    }
}

/// (master client's database, replication ID, processed offset) while the
/// stream flows: what a snapshot taken now carries for our own replicas.
pub fn stream_position(srv: &Server) -> Option<(usize, String, u64)> {
    let link = srv.replica.link.as_ref()?;
    let db = match link.master.as_ref() {
        Some(m) => m.db,
        // Down, but our data is still where the master's history was.
        None if srv.replica.can_continue => link.master_db,
        None => return None,
    };
    Some((db, srv.replid.clone(), srv.repl.offset))
}

/// Start-up of a replica: an RDB file it saved itself carries the
/// master's replication ID and our offset (`repl-id`, `repl-offset`,
/// `repl-stream-db`), so the first PSYNC may continue instead of loading
/// a new snapshot (as a restarted Redis replica does).
pub fn restore_position(srv: &mut Server, aux: &[(String, String)]) {
    let get = |name: &str| aux.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if !srv.replica.active() {
        return restore_master_position(srv, &get);
    }
    let (Some(id), Some(offset)) = (get("repl-id"), get("repl-offset")) else {
        return;
    };
    let Ok(offset) = offset.parse::<u64>() else {
        return;
    };
    if id.len() != 40 {
        return;
    }
    let db = get("repl-stream-db")
        .and_then(|d| d.parse::<usize>().ok())
        .filter(|&d| d < srv.ks.dbs.len())
        .unwrap_or(0);
    srv.replid = id.to_string();
    srv.repl.restart_history(offset);
    srv.replica.can_continue = true;
    if let Some(link) = srv.replica.link.as_mut() {
        link.master_db = db;
    }
    info!("Restored the replication position {id}:{offset} from the RDB file");
}

/// A master restarting on its own RDB file (Redis 7 does the same): the
/// history the file was saved in becomes the secondary ID, valid up to the
/// offset it was saved at, and the stream goes on from that offset with an
/// empty backlog, so replicas that were in sync continue (`+CONTINUE`)
/// instead of loading the whole data set again. Our own ID stays the new
/// random one. A file without a stream database (`repl-stream-db`) does
/// not qualify, as in Redis.
fn restore_master_position<'a>(srv: &mut Server, get: &dyn Fn(&str) -> Option<&'a str>) {
    let (Some(id), Some(offset), Some(_db)) = (
        get("repl-id"),
        get("repl-offset").and_then(|o| o.parse::<u64>().ok()),
        get("repl-stream-db").and_then(|d| d.parse::<usize>().ok()),
    ) else {
        return;
    };
    if id.len() != 40 || id == srv.replid {
        return;
    }
    srv.repl.restart_history(offset);
    srv.repl.replid2 = Some((id.to_string(), offset + 1));
    repl::update_propagation(srv);
    info!("Restored the replication history {id}:{offset} from the RDB file as the secondary ID");
}

/// Whether a replica's own replicas may sync now (Redis answers
/// -NOMASTERLINK until the link to the master is up).
pub fn can_serve_sync(srv: &Server) -> bool {
    srv.replica
        .link
        .as_ref()
        .is_none_or(|l| l.state == State::Connected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_taken_whole() {
        let mut input = b"+PONG\r\n+OK\r\npartial".to_vec();
        assert_eq!(take_line(&mut input).unwrap().as_deref(), Some("+PONG"));
        assert_eq!(take_line(&mut input).unwrap().as_deref(), Some("+OK"));
        assert_eq!(take_line(&mut input).unwrap(), None);
        assert_eq!(input, b"partial");
        let mut long = vec![b'x'; MAX_LINE + 1];
        assert!(take_line(&mut long).is_err());
    }

    #[test]
    fn eof_mark_is_found_across_chunks() {
        let mark = [b'm'; EOF_MARK_LEN];
        let mut first = b"payload".to_vec();
        first.extend_from_slice(&mark[..10]);
        // Not there yet.
        assert_eq!(find_mark(b"", &first, &mark), None);
        let second = [&mark[10..], b"*1\r\n$4\r\nPING\r\n"].concat();
        // The mark ends 30 bytes into the second chunk.
        assert_eq!(find_mark(&first, &second, &mark), Some(30));
        let whole = [b"abc".as_slice(), &mark, b"rest"].concat();
        assert_eq!(find_mark(b"", &whole, &mark), Some(3 + EOF_MARK_LEN));
    }
}
