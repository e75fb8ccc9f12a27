//! The server: shared state (config, keyspace, client table, stats) and the
//! event loop that drives it. Knows no individual command: input is parsed
//! and handed to `cmd::call`.

pub mod event_loop;
pub mod listener;
pub mod logging;
pub mod signals;

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
    pub total_error_replies: u64,
    pub unexpected_error_replies: u64,
    pub client_query_buffer_limit_disconnections: u64,
    /// Ring of (unix ms, total commands) samples for instantaneous_ops_per_sec.
    pub ops_samples: Vec<(i64, u64)>,
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
    /// Clients with reply bytes to write in before_sleep.
    pub pending_writes: Vec<usize>,
    /// Clients to close at the next before_sleep (CLIENT KILL of another
    /// client); the client itself is marked `close_asap`.
    pub to_close: Vec<usize>,
    /// Number of cron runs, for "every N ms" tasks.
    pub cronloops: u64,
    /// TCP port actually listened on (config port may be 0 = OS-assigned).
    pub bound_port: u16,
}

impl Server {
    pub fn new(config: Config) -> Self {
        let ks = Keyspace::new(config.databases);
        Server {
            config,
            ks,
            clients: Slab::new(),
            stats: Stats::default(),
            next_client_id: 1,
            start_ms: now_ms(),
            start: std::time::Instant::now(),
            run_id: random_hex40(),
            shutdown: None,
            pending_writes: Vec::new(),
            to_close: Vec::new(),
            cronloops: 0,
            bound_port: 0,
        }
    }

    /// Connected clients, including the one currently lent to a handler.
    pub fn connected_clients(&self) -> usize {
        self.clients.len()
    }

    /// Every connected client except the one being served.
    pub fn other_clients(&self) -> impl Iterator<Item = &Client> {
        self.clients.iter().filter_map(|(_, c)| c.as_deref())
    }

    pub fn other_clients_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.clients.iter_mut().filter_map(|(_, c)| c.as_deref_mut())
    }

    pub fn uptime_secs(&self) -> u64 {
        self.start.elapsed().as_secs()
    }
}

/// Wall-clock unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Wall-clock unix time in microseconds.
pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
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
