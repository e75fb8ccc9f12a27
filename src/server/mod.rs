//! The server: shared state (config, keyspace, client table, stats) and the
//! event loop that drives it. Knows no individual command: input is parsed
//! and handed to `cmd::call`.

pub mod blocking;
pub mod busy;
pub mod cmdclock;
pub mod daemon;
pub mod event_loop;
pub mod failover;
pub mod listener;
pub mod logging;
pub mod observe;
pub mod pause;
pub mod propagate;
pub mod repl;
pub mod replica;
pub mod shutdown;
pub mod signals;
pub mod tracking;

use crate::client::Client;
use crate::config::Config;
use crate::db::Keyspace;
use slab::Slab;

pub use event_loop::EventLoop;

/// Server-wide counters for INFO.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub total_connections_received: u64,
    pub total_commands_processed: u64,
    pub rejected_calls: u64,
    pub rejected_connections: u64,
    pub total_net_input_bytes: u64,
    pub total_net_output_bytes: u64,
    /// The part of the network traffic that is replication (Redis 7
    /// counts it apart from total_net_*_bytes).
    pub total_net_repl_input_bytes: u64,
    pub total_net_repl_output_bytes: u64,
    pub total_error_replies: u64,
    pub unexpected_error_replies: u64,
    pub client_query_buffer_limit_disconnections: u64,
    pub client_output_buffer_limit_disconnections: u64,
    /// Ring of (unix ms, total commands) samples for instantaneous_ops_per_sec.
    pub ops_samples: Vec<(i64, u64)>,
    /// Socket reads and reply writes done by the event loop (INFO
    /// total_reads_processed / total_writes_processed).
    pub total_reads_processed: u64,
    pub total_writes_processed: u64,
    /// Failed AUTH / HELLO AUTH attempts (INFO acl_access_denied_auth).
    pub acl_access_denied_auth: u64,
    /// Event loop turns and their busy time in microseconds, and the part of
    /// that time spent running commands (INFO eventloop_*).
    pub eventloop_cycles: u64,
    pub eventloop_duration_sum: u64,
    pub eventloop_duration_cmd_sum: u64,
    /// Pauses the event loop took to batch arrivals under load (ember's
    /// own INFO field; see `event-loop-coalesce-us`).
    pub eventloop_coalesced_pauses: u64,
    /// Ring of cron samples for the instantaneous kbps and event loop metrics.
    pub cron_samples: Vec<CronSample>,
}

/// One cron sample of the cumulative counters behind INFO's instantaneous
/// metrics (see `Stats::sample_cron`).
#[derive(Debug, Default, Clone, Copy)]
pub struct CronSample {
    pub ms: i64,
    pub net_in: u64,
    pub net_out: u64,
    pub repl_in: u64,
    pub repl_out: u64,
    pub el_cycles: u64,
    pub el_usec: u64,
}

/// Samples kept for the instantaneous ops/sec metric (Redis STATS_METRIC_SAMPLES).
const OPS_SAMPLES: usize = 16;

impl Stats {
    /// Records a sample (cron, every 100 ms like Redis).
    pub fn sample_ops(&mut self, now: i64) {
        if self.ops_samples.len() == OPS_SAMPLES {
            self.ops_samples.remove(0);
        }
        self.ops_samples.push((now, self.total_commands_processed));
    }

    pub fn instantaneous_ops_per_sec(&self) -> u64 {
        match (self.ops_samples.first(), self.ops_samples.last()) {
            (Some(&(t0, c0)), Some(&(t1, c1))) if t1 > t0 => (c1 - c0) * 1000 / (t1 - t0) as u64,
            _ => 0,
        }
    }
}

/// How a SHUTDOWN was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// SIGTERM / SIGINT / SHUTDOWN.
    Graceful,
}

pub struct Server {
    pub config: Config,
    pub ks: Keyspace,
    /// The client table. The entry of the client whose input is being
    /// processed is temporarily `None` (the client is lent to the handler).
    pub clients: Slab<Option<Box<Client>>>,
    pub stats: Stats,
    pub next_client_id: u64,
    /// Unix ms and monotonic instant of start-up.
    pub start_ms: i64,
    pub start: std::time::Instant,
    pub run_id: String,
    /// Set by SHUTDOWN or a signal; the loop exits at the end of its turn.
    pub shutdown: Option<Shutdown>,
    /// A shutdown waiting for lagging replicas (`shutdown-timeout`).
    pub shutdown_wait: Option<shutdown::Pending>,
    /// Clients with reply bytes to write in before_sleep.
    pub pending_writes: Vec<usize>,
    /// CLIENT TRACKING: tracked keys, BCAST prefixes, tracking clients.
    pub tracking: tracking::Tracking,
    /// Clients to close at the next before_sleep (CLIENT KILL of another
    /// client); the client itself is marked `close_asap`.
    pub to_close: Vec<usize>,
    /// Clients parked by blocking commands.
    pub blocking: blocking::Blocking,
    /// CLIENT PAUSE: the pause in force and the clients it holds.
    pub pause: pause::Pause,
    /// Pub/sub channel and pattern registries.
    pub pubsub: crate::pubsub::PubSub,
    /// `client-output-buffer-limit` pubsub class (hard, soft, soft seconds),
    /// refreshed from the config at start and on CONFIG SET.
    pub pubsub_obuf_limit: (u64, u64, u64),
    /// Number of cron runs, for "every N ms" tasks.
    pub cronloops: u64,
    /// DEBUG PAUSE-CRON 1: the periodic cron does nothing (tests).
    pub pause_cron: bool,
    /// TCP port actually listened on (config port may be 0 = OS-assigned).
    pub bound_port: u16,
    /// Per-command call counters (INFO commandstats).
    pub cmd_stats: CommandStats,
    /// Error replies by error code (INFO errorstats).
    pub error_stats: ErrorStats,
    /// Highest memory use seen, in bytes (INFO used_memory_peak).
    pub mem_peak: u64,
    /// Memory in use right after start-up, in bytes (INFO used_memory_startup).
    pub mem_startup: u64,
    /// Replication ID (INFO master_replid), random per start like Redis's.
    pub replid: String,
    /// Listeners CONFIG SET `port`/`bind` already bound (so a refusal is its
    /// error reply, as in Redis); the event loop swaps them in for the old
    /// ones before it next sleeps.
    pub new_listeners: Option<Vec<listener::Listener>>,
    /// RDB persistence state (last save, background child, load stats).
    pub persist: crate::persist::PersistState,
    /// Slow log, latency events and histograms, MONITOR clients.
    pub observe: observe::Observe,
    /// Commands to propagate (deterministic forms) and their consumer, the AOF.
    pub prop: propagate::Propagation,
    /// Attached replicas, the replication stream's offset and backlog.
    pub repl: repl::Master,
    /// The link to our master when ember is a replica (REPLICAOF).
    pub replica: replica::Replica,
    /// FAILOVER's progress (master side).
    pub failover: failover::Failover,
    pub aof: crate::persist::aof::Aof,
    /// ACL users, the permission gate's state and the ACL LOG.
    pub acl: crate::acl::Acl,
    /// The Lua interpreter, script cache and function libraries.
    pub scripts: crate::script::Scripting,
    /// Listener and registry handles for accepting while a script is busy.
    pub busy_io: Option<busy::BusyIo>,
    /// MIGRATE's cached connections to its targets.
    pub migrate: crate::cmd::migrate::SocketCache,
}

impl Server {
    pub fn new(config: Config) -> Self {
        cmdclock::init();
        let mut ks = Keyspace::new(config.databases);
        ks.evict = crate::db::evict::EvictConfig::from_config(&config);
        ks.events
            .set_flags(crate::db::notify::configured_classes(&config)); // notify
        let pubsub_obuf_limit = config.client_output_buffer_limits()[2];
        let repl = repl::Master::new(&config);
        let replica = replica::Replica::from_config(&config);
        let mut srv = Server {
            config,
            ks,
            clients: Slab::new(),
            stats: Stats::default(),
            next_client_id: 1,
            start_ms: now_ms(),
            start: std::time::Instant::now(),
            run_id: random_hex40(),
            shutdown: None,
            shutdown_wait: None,
            pending_writes: Vec::new(),
            tracking: tracking::Tracking::default(),
            to_close: Vec::new(),
            blocking: blocking::Blocking::default(),
            pause: pause::Pause::default(),
            failover: failover::Failover::default(),
            pubsub: crate::pubsub::PubSub::default(),
            pubsub_obuf_limit,
            cronloops: 0,
            pause_cron: false,
            bound_port: 0,
            cmd_stats: CommandStats::default(),
            error_stats: ErrorStats::default(),
            mem_peak: 0,
            mem_startup: used_memory(),
            replid: random_hex40(),
            new_listeners: None,
            persist: crate::persist::PersistState::new(),
            observe: observe::Observe::default(),
            prop: propagate::Propagation::default(),
            repl,
            replica,
            aof: crate::persist::aof::Aof::default(),
            acl: crate::acl::Acl::new(),
            scripts: crate::script::Scripting::new(),
            busy_io: None,
            migrate: Default::default(),
        };
        srv.acl.set_requirepass(srv.config.requirepass.as_deref());
        replica::init(&mut srv);
        srv
    }

    /// Connected clients, including the one currently lent to a handler
    /// and a replica's master client, but not replicas (INFO
    /// connected_clients, as Redis counts).
    pub fn connected_clients(&self) -> usize {
        self.clients.len() - self.repl.replicas.len()
            + usize::from(replica::master_client(self).is_some())
    }

    /// Every connected client except the one being served.
    pub fn other_clients(&self) -> impl Iterator<Item = &Client> {
        self.clients.iter().filter_map(|(_, c)| c.as_deref())
    }

    pub fn other_clients_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.clients
            .iter_mut()
            .filter_map(|(_, c)| c.as_deref_mut())
    }

    pub fn uptime_secs(&self) -> u64 {
        self.start.elapsed().as_secs()
    }
}

/// Reads a clock as (seconds, nanoseconds).
#[inline]
fn clock(id: libc::clockid_t) -> (i64, i64) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes one timespec through the pointer,
    // which points to a live, writable local.
    unsafe { libc::clock_gettime(id, &mut ts) };
    // time_t and c_long are i64 here but narrower on some targets.
    #[allow(clippy::unnecessary_cast)]
    (ts.tv_sec as i64, ts.tv_nsec as i64)
}

/// Wall-clock unix time in milliseconds (0 before 1970). Read once per
/// socket read, so it is one clock call and integer arithmetic rather than
/// `SystemTime` + `duration_since` + a u128 division.
#[inline]
pub fn now_ms() -> i64 {
    let (s, ns) = clock(libc::CLOCK_REALTIME);
    if s < 0 {
        0
    } else {
        s.saturating_mul(1000).saturating_add(ns / 1_000_000)
    }
}

/// Monotonic clock reading in nanoseconds (CLOCK_MONOTONIC), for timing
/// commands: one clock call and integer arithmetic, cheaper than
/// `Instant::now()` plus `elapsed().as_micros()` (which subtracts two
/// timespecs with overflow checks and divides a u128).
#[inline]
pub fn mono_ns() -> u64 {
    let (s, ns) = clock(libc::CLOCK_MONOTONIC);
    (s as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ns as u64)
}

/// Wall-clock unix time in microseconds.
pub fn now_us() -> i64 {
    let (s, ns) = clock(libc::CLOCK_REALTIME);
    if s < 0 {
        0
    } else {
        s.saturating_mul(1_000_000).saturating_add(ns / 1000)
    }
}

/// 40 hex characters for run_id, from the OS's randomness when available.
fn random_hex40() -> String {
    let mut bytes = [0u8; 20];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !filled {
        let mut x = now_us() as u64 ^ ((std::process::id() as u64) << 20) | 1;
        for b in &mut bytes {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------
// INFO bookkeeping: command and error statistics, instantaneous metrics,
// memory figures.

use crate::cmd::Cmd;
use std::collections::BTreeMap;

/// Counters of one command (one INFO commandstats line).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CmdStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

/// Per-command counters, indexed by the command table's dense row index
/// (`CommandTable::index_of`; subcommands have rows of their own), so
/// counting a call is an index, not a hash lookup.
#[derive(Default)]
pub struct CommandStats {
    rows: Vec<CmdStat>,
}

impl CommandStats {
    /// The counters of a row; None for a row outside the command table.
    #[inline]
    fn entry(&mut self, cmd: &'static Cmd) -> Option<&mut CmdStat> {
        self.entry_at(crate::cmd::table().index_of(cmd)?)
    }

    /// The counters of the row with dense index `i` (`CommandTable::index_of`).
    fn entry_at(&mut self, i: usize) -> Option<&mut CmdStat> {
        if i >= self.rows.len() {
            self.grow(crate::cmd::table().rows());
        }
        self.rows.get_mut(i)
    }

    /// First use after start-up or a reset: one counter per table row.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, rows: usize) {
        self.rows.resize(rows, CmdStat::default());
    }

    /// (full name such as "config|get", counters) for every command used
    /// since start-up or the last reset, sorted by name.
    pub fn snapshot(&self) -> Vec<(String, CmdStat)> {
        let table = crate::cmd::table();
        let mut v: Vec<(String, CmdStat)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, st)| **st != CmdStat::default())
            .filter_map(|(i, st)| Some((table.fullname(table.row(i)?.0).to_string(), *st)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    pub fn clear(&mut self) {
        self.rows.clear();
    }
}

/// Distinct error codes tracked at most (Redis ERROR_STATS_NUMBER); codes
/// only come from ember's own error texts, so this is a safety cap.
const MAX_ERROR_CODES: usize = 128;

/// Error replies by code ("ERR", "WRONGTYPE", ...), in code order like
/// Redis's radix tree.
#[derive(Debug, Default, Clone)]
pub struct ErrorStats {
    pub counts: BTreeMap<String, u64>,
}

impl ErrorStats {
    /// Counts one error reply. `msg` is the reply text after `-` (or a whole
    /// `-...\r\n` frame's text): the code is the word before the first space
    /// within the first 32 bytes of the reply, else "ERR" (Redis's rule).
    pub fn count(&mut self, msg: &[u8]) {
        let head = &msg[..msg.len().min(31)];
        let code = match head.iter().position(|&b| b == b' ') {
            Some(sp) => String::from_utf8_lossy(&head[..sp]).into_owned(),
            None => "ERR".to_string(),
        };
        if let Some(n) = self.counts.get_mut(&code) {
            *n += 1;
        } else if self.counts.len() < MAX_ERROR_CODES {
            self.counts.insert(code, 1);
        }
    }
}

impl Stats {
    /// Records the cumulative counters behind the instantaneous kbps and
    /// event loop metrics (cron, next to `sample_ops`).
    pub fn sample_cron(&mut self, now: i64) {
        if self.cron_samples.len() == OPS_SAMPLES {
            self.cron_samples.remove(0);
        }
        self.cron_samples.push(CronSample {
            ms: now,
            net_in: self.total_net_input_bytes,
            net_out: self.total_net_output_bytes,
            repl_in: self.total_net_repl_input_bytes,
            repl_out: self.total_net_repl_output_bytes,
            el_cycles: self.eventloop_cycles,
            el_usec: self.eventloop_duration_sum,
        });
    }

    /// First and last cron samples, when they span some time.
    fn cron_window(&self) -> Option<(&CronSample, &CronSample)> {
        match (self.cron_samples.first(), self.cron_samples.last()) {
            (Some(a), Some(b)) if b.ms > a.ms => Some((a, b)),
            _ => None,
        }
    }

    /// (input, output) network rates in KiB/s over the sample window:
    /// client traffic, or replication traffic when `repl`.
    pub fn instantaneous_kbps(&self, repl: bool) -> (f64, f64) {
        match self.cron_window() {
            Some((a, b)) => {
                let secs = (b.ms - a.ms) as f64 / 1000.0;
                let rate = |x: u64, y: u64| y.saturating_sub(x) as f64 / secs / 1024.0;
                if repl {
                    (rate(a.repl_in, b.repl_in), rate(a.repl_out, b.repl_out))
                } else {
                    (rate(a.net_in, b.net_in), rate(a.net_out, b.net_out))
                }
            }
            None => (0.0, 0.0),
        }
    }

    /// (event loop cycles per second, average busy microseconds per cycle)
    /// over the sample window.
    pub fn instantaneous_eventloop(&self) -> (u64, u64) {
        match self.cron_window() {
            Some((a, b)) => {
                let cycles = b.el_cycles.saturating_sub(a.el_cycles);
                let usec = b.el_usec.saturating_sub(a.el_usec);
                let per_sec = cycles * 1000 / (b.ms - a.ms) as u64;
                (per_sec, usec.checked_div(cycles).unwrap_or(0))
            }
            None => (0, 0),
        }
    }

    /// Accounts one event loop turn that kept the thread busy for `usec`.
    pub fn record_eventloop_cycle(&mut self, usec: u64) {
        self.eventloop_cycles += 1;
        self.eventloop_duration_sum += usec;
    }
}

impl Server {
    /// Accounts one command whose handler ran (called by `cmd::call` after
    /// the handler, before any CLIENT REPLY truncation): `usec` is the time
    /// the handler took and `reply` the bytes it appended. A reply starting
    /// with `-` is a failed call and counts in the error statistics.
    /// The row determines its container, so `_parent` is not needed here.
    pub fn record_call(
        &mut self,
        cmd: &'static Cmd,
        _parent: Option<&'static Cmd>,
        usec: u64,
        reply: &[u8],
    ) {
        self.record_call_row(crate::cmd::table().index_of(cmd), usec, reply);
    }

    /// `record_call` for a row whose dense index the caller already has.
    pub fn record_call_row(&mut self, row: Option<usize>, usec: u64, reply: &[u8]) {
        self.record_run(row, usec, reply, true);
    }

    /// A blocked command re-run because a key it waits on changed: its
    /// time and outcome count, but not as another call (Redis counts a
    /// blocked command once, when it first runs).
    pub fn record_rerun_row(&mut self, row: Option<usize>, usec: u64, reply: &[u8]) {
        self.record_run(row, usec, reply, false);
    }

    fn record_run(&mut self, row: Option<usize>, usec: u64, reply: &[u8], new_call: bool) {
        let failed = reply.first() == Some(&b'-');
        if let Some(st) = row.and_then(|i| self.cmd_stats.entry_at(i)) {
            st.calls += u64::from(new_call);
            st.usec += usec;
            st.failed_calls += u64::from(failed);
        }
        self.stats.eventloop_duration_cmd_sum += usec;
        // A script's error that a command inside it already counted.
        let counted = std::mem::take(&mut self.scripts.error_counted);
        if failed && !counted {
            let text = &reply[1..];
            let end = text.iter().position(|&b| b == b'\r').unwrap_or(text.len());
            self.record_error(&text[..end]);
        }
    }

    /// Accounts a command refused before its handler ran (arity, NOAUTH,
    /// ...) with error text `msg`; `cmd` is the refused row when there is
    /// one (not for unknown commands or subcommands, as in Redis).
    pub fn record_rejected(
        &mut self,
        cmd: Option<&'static Cmd>,
        _parent: Option<&'static Cmd>,
        msg: &str,
    ) {
        if let Some(st) = cmd.and_then(|cmd| self.cmd_stats.entry(cmd)) {
            st.rejected_calls += 1;
        }
        self.record_error(msg.as_bytes());
    }

    /// A blocked command that ends with error `msg` (CLIENT UNBLOCK ...
    /// ERROR): one failed call of `cmd` and one error reply.
    pub fn record_failed_while_blocked(&mut self, cmd: Option<&'static Cmd>, msg: &[u8]) {
        if let Some(st) = cmd.and_then(|cmd| self.cmd_stats.entry(cmd)) {
            st.failed_calls += 1;
        }
        self.record_error(msg);
    }

    /// Counts one error reply (INFO total_error_replies and errorstats).
    pub fn record_error(&mut self, msg: &[u8]) {
        self.stats.total_error_replies += 1;
        self.error_stats.count(msg);
    }

    /// Reads the memory in use and raises the recorded peak; returns the
    /// current figure (cron calls this so INFO's peak sees spikes between
    /// INFO calls).
    pub fn update_memory_peak(&mut self) -> u64 {
        let used = used_memory();
        self.mem_peak = self.mem_peak.max(used);
        used
    }
}

/// Memory in use, in bytes (INFO used_memory): the live heap bytes counted
/// by the global allocator (`crate::alloc`). Where that allocator is not
/// installed (unit tests) the count is 0 and the resident set size stands in.
pub fn used_memory() -> u64 {
    match crate::alloc::used_memory() {
        0 => rss_memory(),
        n => n as u64,
    }
}

/// The process's resident set size in bytes, from /proc/self/statm (0
/// where /proc is missing).
pub fn rss_memory() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_ascii_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * page_size()
}

/// The system page size in bytes.
pub fn page_size() -> u64 {
    // SAFETY: sysconf only reads a system constant; it has no memory-safety
    // preconditions and cannot fail for _SC_PAGESIZE on supported systems.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as u64 } else { 4096 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_ns_is_monotonic_and_in_nanoseconds() {
        let outer = std::time::Instant::now();
        let a = mono_ns();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = mono_ns();
        let outer = outer.elapsed().as_nanos() as u64;
        // Same clock as Instant: the inner interval lies within the outer.
        assert!(b - a >= 20_000_000);
        assert!(b - a <= outer, "{} > {outer}", b - a);
    }

    #[test]
    fn wall_clock_agrees_with_system_time() {
        let unix = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64
        };
        let before = unix(std::time::SystemTime::now());
        let (ms, us) = (now_ms(), now_us());
        let after = unix(std::time::SystemTime::now());
        assert!(
            before / 1000 <= ms && ms <= after / 1000,
            "{before} {ms} {after}"
        );
        assert!(before <= us && us <= after, "{before} {us} {after}");
    }
}
