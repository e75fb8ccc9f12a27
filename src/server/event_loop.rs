//! The event loop: one `mio::Poll` on one thread. Each turn: before_sleep
//! (write pending replies), poll, then for each event accept or read once and
//! run every complete command in the query buffer; cron runs `hz` times a
//! second. Syscall discipline: one read per readable event (a short read
//! means the socket is drained), one write per client per turn, interest
//! registered once at accept.

use super::blocking::{self, BlockType};
use super::listener::{self, Listener};
use super::{Server, cmdclock, now_ms, pause, signals};
use crate::client::{Client, Conn};
use crate::cmd;
use crate::cmd::connection::protected_mode_denied;
use crate::config::Config;
use crate::error;
use crate::resp::{Limits, Parsed, fast_multibulk, parse_command};
use crate::types::Value;
use mio::{Events, Interest, Poll, Token};
use std::io;
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// Tokens at or above this value are listeners; below are slab keys.
const LISTENER_BASE: usize = usize::MAX / 2;
// The master link's token sits right below them (see `dispatch_events`).
const _: () = assert!(super::replica::TOKEN == LISTENER_BASE - 1);
/// Events fetched per poll.
const EVENTS_CAPACITY: usize = 1024;
/// Share of a cron period the active expiry cycle may use (Redis: 25%).
const EXPIRE_CYCLE_PERCENT: u32 = 25;
/// But never more than this in one go: a mass expiry must not stall
/// clients (Redis's slow cycle can take 25 ms at hz 10).
const EXPIRE_SLICE_MAX: Duration = Duration::from_millis(2);
/// While expired keys are left over, before-sleep runs cycles of this
/// length at most once per `EXPIRE_FAST_EVERY` (Redis's fast cycle).
const EXPIRE_FAST_SLICE: Duration = Duration::from_millis(1);
const EXPIRE_FAST_EVERY: Duration = Duration::from_millis(2);
/// Time cron may spend on incremental rehashing per tick (Redis: 1 ms).
const REHASH_BUDGET: Duration = Duration::from_millis(1);
/// Commands of a pipelined batch parsed, prefetched and run together.
const BATCH: usize = 16;
/// Clients looked at per cron tick for idle timeouts, at least (Redis
/// CLIENTS_CRON_MIN_ITERATIONS).
const CLIENTS_CRON_MIN: usize = 5;

pub struct EventLoop {
    poll: Poll,
    events: Events,
    listeners: Vec<Listener>,
    pub srv: Server,
    /// Clients whose last read filled the buffer: read again next turn.
    read_again: Vec<usize>,
    /// How many events the last poll returned (see `wait_for_events`).
    last_turn_events: usize,
    /// Distinct clients heard from per millisecond (see `wait_for_events`).
    activity: Activity,
    /// The last expiry cycle stopped on its time limit (see `expire_step`).
    expire_backlog: bool,
    last_expire: Instant,
    /// Reused list of (token, readable, writable) from the last poll.
    ready: Vec<(usize, bool, bool)>,
    /// Reused argument vector (always empty between commands).
    argv_store: Vec<&'static [u8]>,
    next_cron: Instant,
    /// Rotating position for the incremental client timeout check.
    clients_cron_pos: usize,
}

/// Argument-vector capacity kept between commands; a bigger one (a command
/// with many thousands of arguments) is freed rather than kept for good.
const ARGV_KEEP: usize = 1024;

/// Reuses a vector's allocation for slices of another lifetime. The vector
/// is emptied first, so no reference survives the change of lifetime.
fn recycle<'b>(mut v: Vec<&[u8]>) -> Vec<&'b [u8]> {
    if v.capacity() > ARGV_KEEP {
        return Vec::new();
    }
    v.clear();
    v.into_iter().map(|_| &[][..]).collect()
}

impl EventLoop {
    /// Binds every listener the config asks for.
    pub fn new(config: Config) -> io::Result<Self> {
        let poll = Poll::new()?;
        let mut srv = Server::new(config);
        let listeners = listener::bind_all(&srv.config)?;
        for (i, l) in listeners.iter().enumerate() {
            l.register(poll.registry(), Token(LISTENER_BASE + i))?;
            if let Some(p) = l.tcp_port() {
                srv.bound_port = p;
            }
        }
        srv.busy_io = super::busy::BusyIo::new(&poll, &listeners);
        Ok(EventLoop {
            poll,
            events: Events::with_capacity(EVENTS_CAPACITY),
            listeners,
            srv,
            read_again: Vec::new(),
            last_turn_events: 0,
            activity: Activity::default(),
            expire_backlog: false,
            last_expire: Instant::now(),
            ready: Vec::new(),
            argv_store: Vec::new(),
            next_cron: Instant::now(),
            clients_cron_pos: 0,
        })
    }

    pub fn local_port(&self) -> u16 {
        self.srv.bound_port
    }

    /// One active expiry cycle of at most `slice`; notes whether it ran out
    /// of time with expired keys left, for the fast cycles in before-sleep.
    fn expire_step(&mut self, now: i64, slice: Duration) {
        let capped = self.srv.ks.stats.expired_time_cap_reached_count;
        let started = Instant::now();
        self.srv.ks.active_expire_cycle(now, slice);
        // A cycle at or over latency-monitor-threshold is an "expire-cycle"
        // latency event, as in Redis.
        let ms = started.elapsed().as_millis() as u64;
        let threshold = self.srv.config.latency_monitor_threshold;
        if threshold > 0 && ms >= threshold {
            self.srv
                .observe
                .add_latency_sample("expire-cycle", now / 1000, ms);
        }
        // A writable replica's own keys with a TTL (nothing otherwise).
        self.srv.ks.expire_replica_keys(now);
        self.expire_backlog = self.srv.ks.stats.expired_time_cap_reached_count != capped;
        self.last_expire = Instant::now();
        crate::persist::aof::propagate_expired(&mut self.srv);
    }

    /// Waits for events up to `timeout`.
    ///
    /// While many clients are sending (`COALESCE_MIN_CLIENTS` heard from in
    /// the current or last millisecond) and the last turn had events, it
    /// first checks without sleeping; if nothing is waiting it pauses for
    /// `event-loop-coalesce-us` without watching the sockets, then looks
    /// again, and only then blocks. The requests that arrived during the
    /// pause are read as one batch, where blocking would have had each first
    /// arrival wake the thread. At depth 1 most of a request's cost is in the
    /// kernel, and waking a thread that sleeps in `epoll_wait` is paid by
    /// the client whose write triggers it (on a virtual machine that
    /// includes an inter-processor interrupt to a halted vCPU); with enough
    /// clients queueing work the pause costs them nothing. A few clients, or
    /// a pipelined load that keeps requests waiting, never pause.
    /// docs/performance.md has the measurements.
    fn wait_for_events(&mut self, timeout: Duration) -> io::Result<()> {
        let nap = Duration::from_micros(self.srv.config.event_loop_coalesce_us);
        if self.last_turn_events >= COALESCE_MIN_EVENTS
            && self.activity.clients() >= COALESCE_MIN_CLIENTS
            && !nap.is_zero()
            && timeout > nap
        {
            self.poll.poll(&mut self.events, Some(Duration::ZERO))?;
            if self.events.is_empty() {
                let start = Instant::now();
                self.srv.stats.eventloop_coalesced_pauses += 1;
                std::thread::sleep(nap);
                self.poll.poll(&mut self.events, Some(Duration::ZERO))?;
                if self.events.is_empty() {
                    let rest = timeout.saturating_sub(start.elapsed());
                    self.poll.poll(&mut self.events, Some(rest))?;
                }
            }
        } else {
            self.poll.poll(&mut self.events, Some(timeout))?;
        }
        self.last_turn_events = self.events.iter().count();
        Ok(())
    }

    /// Runs until shutdown; returns the process exit code.
    pub fn run(&mut self) -> i32 {
        info!("Ready to accept connections");
        // When the current turn's work began (after its poll returned).
        let mut turn_started = None;
        loop {
            self.before_sleep();
            // INFO's eventloop_cycles and eventloop_duration_sum: a turn
            // runs from the end of one poll to the end of before-sleep.
            if let Some(t) = turn_started.take() {
                self.srv
                    .stats
                    .record_eventloop_cycle(cmdclock::elapsed_us(t));
            }
            // A shutdown waiting for replicas goes on once they caught up
            // or its time is up.
            super::shutdown::check(&mut self.srv, now_ms());
            if self.srv.shutdown.is_some() {
                return self.finish_shutdown();
            }
            if signals::shutdown_requested() && self.srv.shutdown_wait.is_none() {
                // SHUTDOWN ran its persistence step in the command; a signal
                // runs it here (Redis prepareForShutdown), maybe waiting for
                // replicas first.
                signals::clear_shutdown_request();
                if super::shutdown::begin(&mut self.srv, None, false, false)
                    == super::shutdown::Outcome::Exit
                {
                    return self.finish_shutdown();
                }
            }
            // Clients unblocked in before-sleep (WAITAOF after an fsync)
            // run their buffered input without waiting for an event.
            let mut timeout = if self.read_again.is_empty()
                && !self.srv.replica.read_pending
                && self.srv.blocking.unblocked.is_empty()
            {
                self.next_cron.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            // Wake up for the earliest blocked-client deadline too.
            // It has passed once the clock is beyond it (see `expired`).
            // And for the end of a CLIENT PAUSE (it too ends once the
            // clock is beyond it).
            let deadlines = [self.srv.blocking.next_deadline(), self.srv.pause.deadline()];
            for deadline in deadlines.into_iter().flatten() {
                let ms = (deadline + 1 - now_ms()).max(0) as u64;
                timeout = timeout.min(Duration::from_millis(ms));
            }
            if let Err(e) = self.wait_for_events(timeout)
                && e.kind() != io::ErrorKind::Interrupted
            {
                warn!("poll failed: {e}");
                return 1;
            }
            turn_started = Some(cmdclock::start());
            // A pause that ended releases its clients before any new input
            // runs, so they keep their place in line.
            if self.srv.pause.deadline().is_some_and(|end| end < now_ms()) {
                pause::check_deadline(&mut self.srv, now_ms());
                self.process_unblocked();
            }
            let again = std::mem::take(&mut self.read_again);
            for tok in again {
                self.read_client(tok);
            }
            self.dispatch_events();
            // The master link stopped reading with input left (a turn's
            // budget): go on with it between clients' turns.
            if self.srv.replica.read_pending {
                self.master_event();
            }
            self.handle_blocked_timeouts();
            // Input that clients unblocked this turn (served, timed out,
            // CLIENT UNBLOCK) buffered while parked: like Redis's
            // processUnblockedClients in beforeSleep.
            self.process_unblocked();
            if Instant::now() >= self.next_cron {
                self.cron();
                let period = Duration::from_millis(1000 / self.srv.config.hz.max(1) as u64);
                self.next_cron = Instant::now() + period;
            }
        }
    }

    /// Accepts, reads and writes for every event of the last poll.
    fn dispatch_events(&mut self) {
        let mut ready = std::mem::take(&mut self.ready);
        ready.extend(self.events.iter().map(|ev| {
            (
                ev.token().0,
                ev.is_readable() || ev.is_read_closed() || ev.is_error(),
                ev.is_writable(),
            )
        }));
        for &(tok, readable, writable) in &ready {
            // Listeners, and just below them our master's link: one
            // comparison for client tokens, as before.
            if tok >= super::replica::TOKEN {
                if tok == super::replica::TOKEN {
                    self.master_event();
                } else {
                    self.accept(tok - LISTENER_BASE);
                }
                continue;
            }
            if readable {
                self.read_client(tok);
            }
            // A client with a reply queued for before_sleep is written
            // there, with every other reply of this turn: epoll reports
            // WRITABLE alongside READABLE on almost every event, and
            // writing each reply as soon as it exists spreads them out,
            // so the peer wakes once per reply instead of once per batch.
            // Only a socket that drained after a partial write is
            // written from here.
            if writable
                && self
                    .srv
                    .clients
                    .get(tok)
                    .is_some_and(|c| c.as_ref().is_some_and(|c| !c.write_queued))
            {
                self.write_client(tok);
            }
        }
        ready.clear();
        self.ready = ready;
    }

    /// Loads the data at start-up (`persist::load_at_startup_with`) while
    /// answering clients: every so often the loader lets one loop turn run,
    /// in which commands without the LOADING flag get `-LOADING` (Redis's
    /// processEventsWhileBlocked). The real server state is swapped into
    /// the loop for that turn and back out for the loader.
    pub fn load_data(&mut self) -> Result<(), String> {
        self.with_pump(crate::persist::load_at_startup_with)
    }

    /// Runs a load `f` on the server while its `pump` argument lets loop
    /// turns run: the real server state is swapped into the loop for each
    /// turn and back out for the loader.
    fn with_pump<R>(&mut self, f: impl FnOnce(&mut Server, &mut dyn FnMut(&mut Server)) -> R) -> R {
        let placeholder = Server::new(self.srv.config.clone());
        let mut srv = std::mem::replace(&mut self.srv, placeholder);
        let r = f(&mut srv, &mut |s: &mut Server| {
            std::mem::swap(&mut self.srv, s);
            if self
                .poll
                .poll(&mut self.events, Some(Duration::ZERO))
                .is_ok()
            {
                self.dispatch_events();
            }
            self.before_sleep();
            std::mem::swap(&mut self.srv, s);
        });
        self.srv = srv;
        r
    }

    fn accept(&mut self, li: usize) {
        loop {
            let (conn, addr, laddr) = match self.listeners[li].accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!("Accepting client connection: {e}");
                    return;
                }
            };
            self.add_client(conn, addr, laddr);
        }
    }

    /// Input from (or room toward) our master, when ember is a replica:
    /// its stream may wake clients blocked on keys.
    fn master_event(&mut self) {
        let now = now_ms();
        super::replica::on_event(&mut self.srv, now);
        // A snapshot received whole: loaded while clients get -LOADING.
        if self.srv.replica.load_ready {
            self.with_pump(super::replica::load_received);
        }
        if !self.srv.ks.blocked.ready.is_empty() {
            self.serve_ready_keys(now);
        }
    }

    fn add_client(&mut self, conn: Conn, addr: String, laddr: String) {
        add_client(&mut self.srv, self.poll.registry(), conn, addr, laddr);
    }

    /// One read, then every complete command in the buffer.
    fn read_client(&mut self, tok: usize) {
        self.srv.stats.total_reads_processed += 1;
        let Some(mut c) = self.srv.clients.get_mut(tok).and_then(Option::take) else {
            return;
        };
        let room = c.query.room();
        let room_len = room.len();
        match c.conn.read(room) {
            Ok(0) => return self.free_client(c),
            Ok(n) => {
                c.query.end += n;
                c.net_in += n as u64;
                if c.is_replica() {
                    self.srv.stats.total_net_repl_input_bytes += n as u64;
                } else {
                    self.srv.stats.total_net_input_bytes += n as u64;
                }
                if n == room_len {
                    self.read_again.push(tok);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.srv.clients[tok] = Some(c);
                return;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                self.read_again.push(tok);
                self.srv.clients[tok] = Some(c);
                return;
            }
            Err(_) => return self.free_client(c),
        }
        let now = now_ms();
        if c.last_interaction_ms != now {
            self.activity.saw_client(now);
        }
        c.last_interaction_ms = now;
        if c.query.pending() as u64 > self.srv.config.client_query_buffer_limit {
            warn!(
                "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
                c.id,
                c.addr,
                c.query.pending()
            );
            self.srv.stats.client_query_buffer_limit_disconnections += 1;
            return self.free_client(c);
        }
        self.process_input(&mut c, now);
        self.after_commands(c);
    }

    /// Parses and runs every complete command in the client's query buffer.
    fn process_input(&mut self, c: &mut Client, now: i64) {
        // A parked client runs nothing until it is unblocked.
        if c.blocked.is_some() {
            return;
        }
        // A client CLIENT PAUSE held runs its held command first once the
        // pause released it (it may be held again by a newer pause).
        if c.held.is_some() {
            if self.srv.pause.is_held(c.token) {
                return;
            }
            let held = c.held.take().unwrap_or_default();
            let args: Vec<&[u8]> = held.iter().map(Vec::as_slice).collect();
            cmd::call(&mut self.srv, c, &args, now);
            if !self.srv.ks.blocked.ready.is_empty() {
                self.serve_ready_keys(now);
            }
            if c.blocked.is_some() || c.held.is_some() {
                return;
            }
        }
        if c.query.pending() < c.query.need {
            return;
        }
        c.query.need = 0;
        let mut data = std::mem::take(&mut c.query.data);
        let (start, end) = (c.query.start, c.query.end);
        let mut pos = start;
        while pos < end && !c.close_after_reply && !c.close_asap {
            let lim = Limits {
                max_bulk: self.srv.config.proto_max_bulk_len,
                authenticated: c.authenticated,
            };
            // Whole, well-formed frames (nearly all input) run in batches.
            if !c.query.parse.in_progress() {
                let (ran, stop) = self.run_batch(c, &data[pos..end], &lim, now);
                pos += ran;
                if stop {
                    break;
                }
                if ran > 0 {
                    continue;
                }
            }
            // The general parser: inline commands, frames split across
            // reads, anything unusual, and the wording of protocol errors.
            let mut argv = recycle(std::mem::take(&mut self.argv_store));
            match parse_command(&mut data[pos..end], &mut argv, &lim, &mut c.query.parse) {
                Ok(Parsed::Complete { consumed }) => {
                    pos += consumed;
                    if !argv.is_empty() && self.run_parsed(c, &argv, now) {
                        self.argv_store = recycle(argv);
                        break;
                    }
                }
                Ok(Parsed::Incomplete { need }) => {
                    c.query.need = need;
                    self.argv_store = recycle(argv);
                    break;
                }
                Err(e) => {
                    c.reply.error(&format!("ERR {}", e.0));
                    c.close_after_reply = true;
                    tracing::debug!(
                        "Protocol error ({}) from client: id={} addr={}",
                        e.0,
                        c.id,
                        c.addr
                    );
                }
            }
            self.argv_store = recycle(argv);
        }
        c.query.data = data;
        c.query.consume(pos - start);
    }

    /// Runs up to `BATCH` whole multibulk frames from the start of `buf`
    /// that the parser's fast path accepts; returns the bytes they used and
    /// whether the client stopped running input (blocked or held by a
    /// pause). With more than one frame (pipelining) the dict buckets and
    /// then the entries of their keys are requested from memory before the
    /// first runs, so the cache misses of the batch overlap instead of each
    /// command waiting for its own: the keys of a pipeline are usually
    /// unrelated. 0 bytes means the first frame needs the general parser.
    fn run_batch(&mut self, c: &mut Client, buf: &[u8], lim: &Limits, now: i64) -> (usize, bool) {
        let mut argv = recycle(std::mem::take(&mut self.argv_store));
        let Some(first) = fast_multibulk(buf, &mut argv, lim) else {
            argv.clear();
            self.argv_store = recycle(argv);
            return (0, false);
        };
        if first == buf.len() {
            // A single command (no pipelining): nothing to overlap.
            let stop = self.run_parsed(c, &argv, now);
            self.argv_store = recycle(argv);
            return (first, stop);
        }
        // (end of the frame's arguments in `argv`, the frame's bytes)
        let mut frames = [(0usize, 0usize); BATCH];
        frames[0] = (argv.len(), first);
        let mut n = 1;
        let mut at = first;
        while n < BATCH && at < buf.len() {
            let Some(len) = fast_multibulk(&buf[at..], &mut argv, lim) else {
                break;
            };
            frames[n] = (argv.len(), len);
            n += 1;
            at += len;
        }
        // A frame the fast path gave up on may have left arguments behind.
        argv.truncate(frames[n - 1].0);
        self.prefetch_keys(c.db, &argv, &frames[..n]);
        let (authenticated, max_bulk) = (lim.authenticated, lim.max_bulk);
        let (mut ran, mut stop, mut from) = (0, false, 0);
        for &(to, len) in &frames[..n] {
            let args = &argv[from..to];
            from = to;
            ran += len;
            if self.run_parsed(c, args, now) {
                stop = true;
                break;
            }
            // The frames after one that changed the parser's limits (AUTH,
            // RESET, CONFIG SET proto-max-bulk-len) are parsed again.
            if c.close_after_reply
                || c.close_asap
                || c.authenticated != authenticated
                || self.srv.config.proto_max_bulk_len != max_bulk
            {
                break;
            }
        }
        self.argv_store = recycle(argv);
        (ran, stop)
    }

    /// Runs one parsed command; true when the client now waits (blocked on
    /// keys or held by CLIENT PAUSE) and runs no further input.
    #[inline]
    fn run_parsed(&mut self, c: &mut Client, argv: &[&[u8]], now: i64) -> bool {
        cmd::call(&mut self.srv, c, argv, now);
        if !self.srv.ks.blocked.ready.is_empty() {
            self.serve_ready_keys(now);
        }
        c.blocked.is_some() || c.held.is_some()
    }

    /// Requests from memory the dict buckets of the batch's keys (their
    /// second arguments), then the first entries of those buckets; the
    /// hashing of the later keys gives the buckets time to arrive.
    fn prefetch_keys(&self, db: usize, argv: &[&[u8]], frames: &[(usize, usize)]) {
        let Some(dict) = self.srv.ks.dbs.get(db).map(|d| &d.main) else {
            return;
        };
        if dict.is_empty() {
            return;
        }
        let mut hashes = [0u64; BATCH];
        let mut n = 0;
        let mut from = 0;
        for &(to, _) in frames {
            if to - from >= 2 {
                hashes[n] = dict.prefetch_bucket(argv[from + 1]);
                n += 1;
            }
            from = to;
        }
        for &hash in &hashes[..n] {
            dict.prefetch_entry(hash);
        }
    }

    /// Re-runs the commands of clients blocked on keys that writes made
    /// ready, oldest waiter first (Redis handleClientsBlockedOnKeys). A
    /// served client may push to other keys (BLMOVE), so this loops until no
    /// key is ready.
    fn serve_ready_keys(&mut self, now: i64) {
        // The command that made the keys ready may have run for a while
        // (DEBUG SLEEP in a transaction): waiters see the clock as it is
        // now, so a key that expired meanwhile does not serve them.
        let now = now.max(now_ms());
        while !self.srv.ks.blocked.ready.is_empty() {
            let ready = std::mem::take(&mut self.srv.ks.blocked.ready);
            for (db, key) in ready {
                for tok in self.srv.blocking.waiters(db, &key) {
                    let vtype = match self.srv.ks.dbs[db].main.get(&key) {
                        Some(Value::List(_)) => Some(BlockType::List),
                        Some(Value::ZSet(_)) => Some(BlockType::ZSet),
                        Some(Value::Stream(_)) => Some(BlockType::Stream),
                        _ => None,
                    };
                    // The client running the current command is lent out
                    // (its slot is None): it cannot be waiting here.
                    let Some(mut c) = self.srv.clients.get_mut(tok).and_then(Option::take) else {
                        continue;
                    };
                    let Some(argv) = c
                        .blocked
                        .as_ref()
                        .filter(|b| Some(b.btype) == vtype || b.btype == BlockType::StreamGroup)
                        .map(|b| b.argv.clone())
                    else {
                        self.srv.clients[tok] = Some(c);
                        continue;
                    };
                    let args: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                    c.reprocessing = true;
                    c.still_blocked = false;
                    cmd::call(&mut self.srv, &mut c, &args, now);
                    c.reprocessing = false;
                    if !c.still_blocked {
                        blocking::unblock(&mut self.srv, &mut c);
                    }
                    self.srv.clients[tok] = Some(c);
                }
            }
        }
    }

    /// Answers blocked clients whose deadline passed.
    fn handle_blocked_timeouts(&mut self) {
        if self
            .srv
            .blocking
            .next_deadline()
            .is_none_or(|d| d >= now_ms())
        {
            return;
        }
        for tok in self.srv.blocking.expired(now_ms()) {
            if let Some(Some(c)) = self.srv.clients.get_mut(tok).map(Option::take) {
                let mut c = c;
                blocking::unblock_timeout(&mut self.srv, &mut c);
                self.srv.clients[tok] = Some(c);
            }
        }
    }

    /// Runs the input that unblocked clients buffered while parked.
    fn process_unblocked(&mut self) {
        while !self.srv.blocking.unblocked.is_empty() {
            for tok in std::mem::take(&mut self.srv.blocking.unblocked) {
                let Some(mut c) = self.srv.clients.get_mut(tok).and_then(Option::take) else {
                    continue;
                };
                let now = now_ms();
                self.process_input(&mut c, now);
                self.after_commands(c);
            }
        }
    }

    /// Puts a served client back, queueing its reply or closing it.
    fn after_commands(&mut self, mut c: Box<Client>) {
        if c.close_asap {
            return self.free_client(c);
        }
        if c.has_pending_reply() {
            if !c.write_queued {
                c.write_queued = true;
                self.srv.pending_writes.push(c.token);
            }
        } else if c.close_after_reply {
            return self.free_client(c);
        }
        let tok = c.token;
        self.srv.clients[tok] = Some(c);
    }

    fn write_client(&mut self, tok: usize) {
        // No reply leaves before the writes it acknowledges reach the AOF.
        if !self.srv.aof.buf.is_empty() {
            crate::persist::aof::flush(&mut self.srv);
        }
        let Some(Some(c)) = self.srv.clients.get_mut(tok) else {
            return;
        };
        if super::repl::sending_rdb(c) {
            return self.write_rdb(tok);
        }
        if !c.has_pending_reply() {
            return;
        }
        let before = c.net_out;
        self.srv.stats.total_writes_processed += 1;
        let res = c.flush();
        if c.is_replica() {
            self.srv.stats.total_net_repl_output_bytes += c.net_out - before;
        } else {
            self.srv.stats.total_net_output_bytes += c.net_out - before;
        }
        match res {
            Ok(true) if c.close_after_reply => self.close_token(tok),
            Ok(_) => {}
            Err(_) => self.close_token(tok),
        }
    }

    /// A replica receiving its snapshot: file chunks as the socket drains.
    fn write_rdb(&mut self, tok: usize) {
        let Some(Some(c)) = self.srv.clients.get_mut(tok) else {
            return;
        };
        let before = c.net_out;
        self.srv.stats.total_writes_processed += 1;
        let res = super::repl::send_rdb(c, now_ms());
        self.srv.stats.total_net_repl_output_bytes += c.net_out - before;
        match res {
            Ok(true) => self.close_token(tok),
            Ok(false) => {}
            Err(e) => {
                warn!("Error sending the RDB to a replica: {e}");
                self.close_token(tok)
            }
        }
    }

    fn close_token(&mut self, tok: usize) {
        if let Some(Some(c)) = self.srv.clients.get_mut(tok).map(Option::take) {
            self.free_client(c);
        }
    }

    fn free_client(&mut self, mut c: Box<Client>) {
        cmd::multi::unwatch_all(&mut self.srv, &mut c);
        blocking::forget(&mut self.srv, &mut c);
        pause::forget(&mut self.srv, &mut c);
        cmd::pubsub::unsubscribe_all(&mut self.srv, &mut c);
        super::tracking::disable(&mut self.srv, &mut c);
        self.srv.observe.remove_monitor(c.token);
        super::repl::forget(&mut self.srv, &c);
        if let Some(src) = c.conn.source() {
            let _ = self.poll.registry().deregister(src);
        }
        if self.srv.clients.contains(c.token) {
            self.srv.clients.remove(c.token);
        }
    }

    /// Writes the AOF, then every pending reply (Redis beforeSleep's
    /// flushAppendOnlyFile, then handleClientsWithPendingWrites).
    fn before_sleep(&mut self) {
        if let Some(fresh) = self.srv.new_listeners.take() {
            self.swap_listeners(fresh);
        }
        // A mass expiry is worked off in short slices between turns.
        if self.expire_backlog && self.last_expire.elapsed() >= EXPIRE_FAST_EVERY {
            let now = now_ms();
            self.expire_step(now, EXPIRE_FAST_SLICE);
            if !self.srv.ks.events.pending.is_empty() {
                cmd::pubsub::publish_keyspace_events(&mut self.srv, None, now);
            }
        }
        // CLIENT TRACKING BCAST batches join this turn's replies.
        if !self.srv.ks.invalidations.is_empty() || self.srv.tracking.total_prefixes() > 0 {
            super::tracking::process_changes(&mut self.srv, None, now_ms());
            super::tracking::before_sleep(&mut self.srv, now_ms());
        }
        super::repl::before_sleep(&mut self.srv);
        if self.srv.failover.active() {
            super::failover::before_sleep(&mut self.srv, now_ms());
        }
        crate::persist::aof::flush(&mut self.srv);
        let pending = std::mem::take(&mut self.srv.pending_writes);
        for &tok in &pending {
            if let Some(Some(c)) = self.srv.clients.get_mut(tok) {
                c.write_queued = false;
                if c.close_asap {
                    self.close_token(tok);
                    continue;
                }
            }
            self.write_client(tok);
        }
        // Reuse the list's allocation.
        let mut pending = pending;
        pending.clear();
        if self.srv.pending_writes.is_empty() {
            self.srv.pending_writes = pending;
        }
        // Clients another client's command asked to close (CLIENT KILL).
        // A slot freed and reused since then holds a client not marked.
        for tok in std::mem::take(&mut self.srv.to_close) {
            if let Some(Some(c)) = self.srv.clients.get(tok)
                && c.close_asap
            {
                self.close_token(tok);
            }
        }
    }

    /// Periodic work, `hz` times a second (Redis serverCron).
    fn cron(&mut self) {
        if self.srv.pause_cron {
            return;
        }
        let now = now_ms();
        let hz = self.srv.config.hz.max(1);
        self.srv.cronloops += 1;
        let period_us = 1_000_000 / hz as u64;
        // Eviction a command's time budget left unfinished goes on here.
        self.srv.ks.clock_ms = now;
        let maxmemory = self.srv.config.maxmemory;
        let skip = super::repl::memory_not_counted(&self.srv);
        self.srv
            .ks
            .perform_evictions(maxmemory, &|_| cmd::memory_for_eviction(skip));
        let slice = Duration::from_micros(period_us * EXPIRE_CYCLE_PERCENT as u64 / 100)
            .min(EXPIRE_SLICE_MAX);
        self.expire_step(now, slice);
        if !self.srv.ks.events.pending.is_empty() {
            // notify: `expired` events of the active expiry cycle.
            cmd::pubsub::publish_keyspace_events(&mut self.srv, None, now);
        }
        self.srv.ks.cron_rehash(REHASH_BUDGET);
        super::tracking::cron(&mut self.srv, now);
        self.srv.stats.sample_ops(now);
        crate::persist::cron(&mut self.srv, now);
        super::repl::cron(&mut self.srv, now);
        super::replica::cron(&mut self.srv, self.poll.registry(), now);
        cmd::migrate::cron(&mut self.srv, now);
        self.srv.stats.sample_cron(now);
        self.srv.update_memory_peak();
        self.clients_cron(now, hz);
    }

    /// CONFIG SET port/bind bound `fresh` (TCP and the Unix socket, at the
    /// same path); the old listeners are dropped here. New listeners are
    /// bound before the old ones close, so changing `bind` while keeping the
    /// port fails (address in use) and keeps the old listeners.
    fn swap_listeners(&mut self, fresh: Vec<Listener>) {
        for (i, l) in self.listeners.iter().enumerate() {
            let _ = l.deregister(self.poll.registry(), Token(LISTENER_BASE + i));
        }
        self.listeners = fresh;
        self.srv.busy_io = super::busy::BusyIo::new(&self.poll, &self.listeners);
        for (i, l) in self.listeners.iter().enumerate() {
            if let Err(e) = l.register(self.poll.registry(), Token(LISTENER_BASE + i)) {
                warn!("Registering a listener failed: {e}");
            }
            if let Some(p) = l.tcp_port() {
                self.srv.bound_port = p;
            }
        }
    }

    /// Idle timeouts and buffer trimming, checking a slice of the clients per
    /// tick so every client is visited about once a second.
    fn clients_cron(&mut self, now: i64, hz: u32) {
        let timeout_ms = self.srv.config.timeout as i64 * 1000;
        let cap = self.srv.clients.capacity();
        if cap == 0 {
            return;
        }
        let per_tick = (self.srv.clients.len() / hz as usize).max(CLIENTS_CRON_MIN);
        let mut idle = Vec::new();
        for _ in 0..per_tick.min(cap) {
            self.clients_cron_pos = (self.clients_cron_pos + 1) % cap;
            let tok = self.clients_cron_pos;
            if let Some(Some(c)) = self.srv.clients.get_mut(tok) {
                // Blocked and subscribed clients wait legitimately (Redis
                // exempts them from the idle timeout too).
                // Replicas answer to `repl-timeout` instead; held (paused)
                // clients wait legitimately too.
                let waiting = c.blocked.is_some()
                    || c.held.is_some()
                    || c.subscription_count() > 0
                    || c.is_replica();
                if timeout_ms > 0 && !waiting && now - c.last_interaction_ms > timeout_ms {
                    idle.push(tok);
                } else {
                    c.shrink_idle_buffers(now);
                }
            }
        }
        for tok in idle {
            tracing::debug!("Closing idle client");
            self.close_token(tok);
        }
    }

    /// Graceful stop: flush what we can, remove the socket file, exit 0.
    fn finish_shutdown(&mut self) -> i32 {
        warn!("User requested shutdown...");
        super::daemon::notify_stopping();
        self.before_sleep();
        if !self.srv.config.unixsocket.is_empty() {
            let _ = std::fs::remove_file(&self.srv.config.unixsocket);
        }
        super::daemon::remove_pidfile();
        warn!("Redis is now ready to exit, bye bye...");
        0
    }
}

/// The fewest events in a turn after which the loop may coalesce (a turn
/// woken only by its timer never pauses).
const COALESCE_MIN_EVENTS: usize = 1;
/// The fewest distinct clients heard from in a millisecond for the loop to
/// coalesce: below it clients wait on the server's latency rather than
/// queue work, and a pause would only slow them (16 clients were still
/// latency-bound on the test machine, 24 no longer; docs/performance.md).
const COALESCE_MIN_CLIENTS: u32 = 32;

/// Counts the distinct clients that sent data in each millisecond.
#[derive(Debug, Default)]
struct Activity {
    ms: i64,
    this_ms: u32,
    last_ms: u32,
}

impl Activity {
    /// A client sent data at `now` for the first time in that millisecond.
    fn saw_client(&mut self, now: i64) {
        if now != self.ms {
            // A gap of more than a millisecond means none were active.
            self.last_ms = if now == self.ms + 1 { self.this_ms } else { 0 };
            self.this_ms = 0;
            self.ms = now;
        }
        self.this_ms += 1;
    }

    /// Clients active in the current or the last whole millisecond.
    fn clients(&self) -> u32 {
        self.this_ms.max(self.last_ms)
    }
}

/// Registers an accepted connection as a new client (or refuses it:
/// maxclients, protected mode). Also used while a script is busy.
pub(super) fn add_client(
    srv: &mut Server,
    registry: &mio::Registry,
    mut conn: Conn,
    addr: String,
    laddr: String,
) {
    if srv.clients.len() as u64 >= srv.config.maxclients {
        // Best effort, like Redis: one write of the error, then close.
        let _ = conn.write(format!("-{}\r\n", error::MAX_CLIENTS).as_bytes());
        srv.stats.rejected_connections += 1;
        return;
    }
    if protected_mode_denied(srv, &conn, &addr) {
        let _ = conn.write(format!("-{}\r\n", error::PROTECTED_MODE_DENIED).as_bytes());
        srv.stats.rejected_connections += 1;
        srv.next_client_id += 1;
        return;
    }
    srv.stats.total_connections_received += 1;
    if let Conn::Tcp(s) = &conn {
        listener::tune_tcp(s, srv.config.tcp_keepalive);
    }
    let entry = srv.clients.vacant_entry();
    let tok = entry.key();
    if let Some(src) = conn.source()
        && let Err(e) = registry.register(src, Token(tok), Interest::READABLE | Interest::WRITABLE)
    {
        warn!("Error registering fd event for the new client: {e}");
        return;
    }
    let id = srv.next_client_id;
    srv.next_client_id += 1;
    let mut c = Client::new(id, tok, conn, addr, laddr, now_ms());
    c.authenticated = !srv.acl.auth_required();
    entry.insert(Some(Box::new(c)));
}

#[cfg(test)]
mod tests {
    use super::Activity;

    #[test]
    fn activity_counts_clients_per_millisecond() {
        let mut a = Activity::default();
        assert_eq!(a.clients(), 0);
        for _ in 0..3 {
            a.saw_client(100);
        }
        assert_eq!(a.clients(), 3);
        // The next millisecond keeps the last one's count until it is busier.
        a.saw_client(101);
        assert_eq!(a.clients(), 3);
        for _ in 0..4 {
            a.saw_client(101);
        }
        assert_eq!(a.clients(), 5);
        // After a silent millisecond nothing carries over.
        a.saw_client(103);
        assert_eq!(a.clients(), 1);
    }
}
