//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, LASTSAVE, ROLE, INFO,
//! the CONFIG container (GET, SET, RESETSTAT, REWRITE, HELP), SHUTDOWN and
//! DEBUG (HELP, OBJECT, SET-ACTIVE-EXPIRE, SLEEP, PAUSE-CRON).
//!
//! Persistence is not implemented yet: LASTSAVE and INFO report the start-up
//! time as the last save, FLUSHALL does not write an RDB file, and SHUTDOWN
//! exits without saving (see `shutdown`).

use super::{Cmd, Ctx, flags::*};
use crate::client::{Client, Conn};
use crate::db::watch::KeyFate;
use crate::db::{Db, lazyfree};
use crate::error;
use crate::server::{CmdStat, Server, now_ms, now_us};
use crate::types::{StrValue, Value};
use std::fmt::Write as _;
use tracing::{info, warn};

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("dbsize", 1, READONLY | FAST, dbsize),
    Cmd::new("flushdb", -1, WRITE, flushdb),
    Cmd::new("flushall", -1, WRITE, flushall),
    Cmd::new("time", 1, LOADING | STALE | FAST, time),
    Cmd::new("lastsave", 1, LOADING | STALE | FAST, lastsave),
    Cmd::new(
        "role",
        1,
        NOSCRIPT | LOADING | STALE | FAST | SENTINEL,
        role,
    ),
    Cmd::new("info", -1, LOADING | STALE | SENTINEL, info),
    Cmd::container("config", CONFIG_SUBS),
    Cmd::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY,
        shutdown,
    ),
    Cmd::new(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE | PROTECTED,
        debug,
    ),
];

/// Flags Redis gives CONFIG GET, SET, RESETSTAT and REWRITE.
const CONFIG: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

static CONFIG_SUBS: &[Cmd] = &[
    Cmd::new("get", -3, CONFIG, config_get),
    Cmd::new("set", -4, CONFIG, config_set),
    Cmd::new("resetstat", 2, CONFIG, config_resetstat),
    Cmd::new("rewrite", 2, CONFIG, config_rewrite),
    Cmd::new("help", 2, LOADING | STALE, config_help),
];

/// Whether the client is on a loopback or Unix socket connection (for
/// `enable-debug-command local` and `enable-protected-configs local`), as
/// Redis's connIsLocal decides: 127.0.0.1, ::1 or a Unix socket. In-process
/// clients are judged by their address like TCP ones.
pub fn is_local_client(c: &Client) -> bool {
    if matches!(c.conn, Conn::Unix(_)) {
        return true;
    }
    let ip = c
        .addr
        .rsplit_once(':')
        .map_or(c.addr.as_str(), |(ip, _)| ip);
    ip == "127.0.0.1" || ip == "::1"
}

// ---------------------------------------------------------------------------
// DBSIZE, FLUSHDB, FLUSHALL

/// DBSIZE
fn dbsize(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.srv.ks.dbs[ctx.c.db].len();
    ctx.c.reply.int(n as i64);
}

/// The flush mode for FLUSHDB / FLUSHALL arguments: Some(true) for ASYNC,
/// Some(false) for SYNC; without an argument `lazyfree-lazy-user-flush`
/// decides. Replies a syntax error and returns None otherwise.
fn flush_mode(ctx: &mut Ctx, argv: &[&[u8]]) -> Option<bool> {
    match argv {
        [_] => Some(
            ctx.srv
                .config
                .get_bool("lazyfree-lazy-user-flush")
                .unwrap_or(false),
        ),
        [_, a] if a.eq_ignore_ascii_case(b"sync") => Some(false),
        [_, a] if a.eq_ignore_ascii_case(b"async") => Some(true),
        _ => {
            ctx.c.reply.error(error::SYNTAX);
            None
        }
    }
}

/// Empties the databases `dbs` and returns the number of keys removed. With
/// `lazy`, the old tables are detached (the keyspace gets fresh empty ones at
/// once) and dropped on a background thread, so flushing millions of keys
/// does not stall the event loop.
pub(crate) fn empty_dbs(srv: &mut Server, dbs: std::ops::Range<usize>, lazy: bool) -> usize {
    let ks = &mut srv.ks;
    // Emptying every database (FLUSHALL, a replica's full sync) leaves no
    // key for a writable replica to expire.
    if dbs.len() == ks.dbs.len() {
        ks.replica_ttls.clear();
    }
    let removed: usize = ks.dbs[dbs.clone()].iter().map(Db::len).sum();
    if !lazy || removed <= lazyfree::LAZYFREE_THRESHOLD {
        for i in dbs {
            ks.flush_db(i);
        }
        return removed;
    }
    ks.invalidations.flushed();
    let old: Vec<Db> = dbs
        .map(|i| {
            // WATCHers of flushed keys and XREADGROUP waiters must see
            // them gone (flush_db does the same on the synchronous path).
            let main = &ks.dbs[i].main;
            ks.watches
                .touch_db(i, |k| KeyFate::flushed(main.contains_key(k)));
            ks.blocked.touch_db(i);
            std::mem::take(&mut ks.dbs[i])
        })
        .collect();
    lazyfree::free_dbs(old, removed as u64);
    removed
}

/// FLUSHDB [ASYNC|SYNC]
fn flushdb(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(lazy) = flush_mode(ctx, argv) else {
        return;
    };
    let db = ctx.c.db;
    let removed = empty_dbs(ctx.srv, db..db + 1, lazy);
    ctx.srv.ks.dirty += removed as u64;
    // Replicated and logged even when the database was empty (Redis).
    ctx.force_propagate();
    ctx.c.reply.ok();
}

/// FLUSHALL [ASYNC|SYNC]
///
/// Counts the removed keys as changes, like Redis 7.2 (6.x added one more).
/// With save points configured the empty data set is saved at once (which
/// resets the change counter), as in Redis.
fn flushall(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(lazy) = flush_mode(ctx, argv) else {
        return;
    };
    let n = ctx.srv.ks.dbs.len();
    let removed = empty_dbs(ctx.srv, 0..n, lazy);
    ctx.srv.ks.dirty += removed as u64;
    // Like Redis: a running snapshot is now stale, and with save points the
    // empty data set is saved at once.
    crate::persist::kill_child(ctx.srv);
    if !ctx.srv.config.save.is_empty() {
        crate::persist::save_sync(ctx.srv);
    }
    // Logged even though the save may have reset the change counter.
    ctx.force_propagate();
    ctx.c.reply.ok();
}

// ---------------------------------------------------------------------------
// TIME, LASTSAVE, ROLE

/// TIME: [unix seconds, microseconds] as bulk strings.
fn time(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let us = now_us();
    let r = &mut ctx.c.reply;
    r.array(2);
    r.bulk_i64(us.div_euclid(1_000_000));
    r.bulk_i64(us.rem_euclid(1_000_000));
}

/// LASTSAVE: the unix time of the last successful save (start-up time
/// until the first one, like Redis).
fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.int(ctx.srv.persist.lastsave);
}

/// ROLE: [master, offset, [[ip, port, offset]...]] or, on a replica,
/// [slave, host, port, state, offset].
fn role(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if crate::server::replica::role_reply(ctx.srv, &mut ctx.c.reply) {
        return;
    }
    let replicas: Vec<(String, i64, u64)> =
        crate::server::repl::each_replica(ctx.srv, Some(&*ctx.c))
            .into_iter()
            .filter(|c| {
                c.repl
                    .as_ref()
                    .is_some_and(|r| r.state == crate::server::repl::SyncState::Online)
            })
            .map(|c| {
                let (ip, port) = crate::server::repl::replica_addr(ctx.srv, c);
                (ip, port, c.repl.as_ref().map_or(0, |r| r.ack_offset))
            })
            .collect();
    let r = &mut ctx.c.reply;
    r.array(3);
    r.bulk(b"master");
    r.int(ctx.srv.repl.offset as i64);
    r.array(replicas.len());
    for (ip, port, offset) in replicas {
        r.array(3);
        r.bulk(ip.as_bytes());
        r.bulk(port.to_string().as_bytes());
        r.bulk(offset.to_string().as_bytes());
    }
}

// ---------------------------------------------------------------------------
// INFO

/// INFO sections in output order, with their titles.
const SECTIONS: &[(&str, &str)] = &[
    ("server", "Server"),
    ("clients", "Clients"),
    ("memory", "Memory"),
    ("persistence", "Persistence"),
    ("stats", "Stats"),
    ("replication", "Replication"),
    ("cpu", "CPU"),
    ("modules", "Modules"),
    ("commandstats", "Commandstats"),
    ("errorstats", "Errorstats"),
    ("latencystats", "Latencystats"),
    ("cluster", "Cluster"),
    ("keyspace", "Keyspace"),
];

/// Sections left out of `default` (and of INFO without arguments).
const NOT_DEFAULT: &[&str] = &["commandstats", "latencystats"];

/// The sections asked for, as a bit per SECTIONS entry. Unknown names are
/// ignored (they select nothing, like Redis).
fn info_selection(args: &[&[u8]]) -> u32 {
    let all = (1u32 << SECTIONS.len()) - 1;
    let default = SECTIONS
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| !NOT_DEFAULT.contains(name))
        .fold(0, |m, (i, _)| m | 1 << i);
    if args.is_empty() {
        return default;
    }
    let mut sel = 0;
    for a in args {
        if a.eq_ignore_ascii_case(b"default") {
            sel |= default;
        } else if a.eq_ignore_ascii_case(b"all") || a.eq_ignore_ascii_case(b"everything") {
            // No module-generated sections exist, so both mean every section.
            sel |= all;
        } else if let Some(i) = SECTIONS
            .iter()
            .position(|(name, _)| a.eq_ignore_ascii_case(name.as_bytes()))
        {
            sel |= 1 << i;
        }
    }
    sel
}

/// INFO [section ...]
///
/// Sections in Redis's order, each `# Title` then `field:value` lines, a
/// blank line between sections; a bulk string in RESP2 and a verbatim `txt`
/// string in RESP3. The field names and order are Redis 7.2's.
fn info(ctx: &mut Ctx, argv: &[&[u8]]) {
    let text = info_text(ctx.srv, ctx.c, info_selection(&argv[1..]));
    ctx.c.reply.verbatim(text.as_bytes(), b"txt");
}

/// Renders the selected INFO sections.
pub fn info_text(srv: &mut Server, c: &Client, sel: u32) -> String {
    let mut out = String::with_capacity(4096);
    let mut first = true;
    for (i, (name, title)) in SECTIONS.iter().enumerate() {
        if sel & (1 << i) == 0 {
            continue;
        }
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        out.push_str("# ");
        out.push_str(title);
        out.push_str("\r\n");
        match *name {
            "server" => info_server(srv, &mut out),
            "clients" => info_clients(srv, c, &mut out),
            "memory" => info_memory(srv, c, &mut out),
            "persistence" => info_persistence(srv, &mut out),
            "stats" => info_stats(srv, &mut out),
            "replication" => info_replication(srv, c, &mut out),
            "cpu" => info_cpu(&mut out),
            "commandstats" => info_commandstats(srv, &mut out),
            "errorstats" => info_errorstats(srv, &mut out),
            "cluster" => out.push_str("cluster_enabled:0\r\n"),
            "keyspace" => info_keyspace(srv, &mut out),
            "latencystats" => super::ops::info_latencystats(srv, &mut out),
            // No modules: the section is only its title.
            _ => {}
        }
    }
    out
}

/// Appends `name:value\r\n`.
fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

/// Redis's bytesToHuman: 1023B, 1.00K, 1.50M, ... with two decimals.
fn bytes_human(n: u64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut scale = 1024f64;
    for unit in UNITS {
        if (n as f64) < scale * 1024.0 {
            return format!("{:.2}{unit}", n as f64 / scale);
        }
        scale *= 1024.0;
    }
    format!("{n}B")
}

/// `sysname release machine` from uname(2), computed once.
fn os_name() -> &'static str {
    static OS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OS.get_or_init(|| {
        // SAFETY: utsname is a plain C struct of byte arrays, for which all
        // zeroes is a valid value.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: `u` is a valid, writable utsname; uname only writes
        // NUL-terminated strings into its fixed-size fields.
        if unsafe { libc::uname(&mut u) } != 0 {
            return std::env::consts::OS.to_string();
        }
        let s = |f: &[libc::c_char]| {
            let bytes: Vec<u8> = f
                .iter()
                .take_while(|&&b| b != 0)
                .map(|&b| b as u8)
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        format!("{} {} {}", s(&u.sysname), s(&u.release), s(&u.machine))
    })
}

/// A build id for INFO: a hash of the version, stable for a given build.
fn build_id() -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in crate::VERSION
        .bytes()
        .chain(crate::REDIS_COMPAT_VERSION.bytes())
    {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn info_server(srv: &Server, out: &mut String) {
    let cfg = &srv.config;
    let uptime = srv.uptime_secs();
    field(out, "redis_version", crate::REDIS_COMPAT_VERSION);
    field(out, "ember_version", crate::VERSION);
    field(out, "redis_git_sha1", "00000000");
    field(out, "redis_git_dirty", 0);
    field(out, "redis_build_id", build_id());
    field(out, "redis_mode", "standalone");
    field(out, "os", os_name());
    field(out, "arch_bits", usize::BITS);
    field(out, "monotonic_clock", crate::server::cmdclock::describe());
    let api = if cfg!(any(target_os = "linux", target_os = "android")) {
        "epoll"
    } else {
        "kqueue"
    };
    field(out, "multiplexing_api", api);
    field(out, "atomicvar_api", "c11-builtin");
    field(out, "gcc_version", "0.0.0");
    field(out, "process_id", std::process::id());
    field(
        out,
        "process_supervised",
        crate::server::daemon::supervised_name(),
    );
    field(out, "run_id", &srv.run_id);
    field(out, "tcp_port", cfg.port);
    field(out, "server_time_usec", now_us());
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86_400);
    field(out, "hz", cfg.hz);
    field(out, "configured_hz", cfg.hz);
    field(out, "lru_clock", crate::db::evict::lru_clock(now_ms()));
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    field(out, "executable", exe);
    let conf = cfg
        .config_file
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    field(out, "config_file", conf);
    field(out, "io_threads_active", 0);
    if let Some(ms) = crate::server::shutdown::remaining_ms(srv) {
        field(out, "shutdown_in_milliseconds", ms);
    }
    // Redis 7.2 lists its listeners, numbered by connection type: 0 = TCP,
    // 1 = Unix socket.
    if cfg.port != 0 {
        out.push_str("listener0:name=tcp");
        for b in &cfg.bind {
            let _ = write!(out, ",bind={b}");
        }
        let _ = write!(out, ",port={}\r\n", cfg.port);
    }
    if !cfg.unixsocket.is_empty() {
        let _ = write!(out, "listener1:name=unix,bind={}\r\n", cfg.unixsocket);
    }
}

/// Every connected client, the calling one included.
fn all_clients<'a>(srv: &'a Server, c: &'a Client) -> impl Iterator<Item = &'a Client> {
    srv.other_clients().chain(std::iter::once(c))
}

fn info_clients(srv: &Server, c: &Client, out: &mut String) {
    let (max_in, max_out) = all_clients(srv, c).fold((0, 0), |(i, o), cl| {
        (i.max(cl.query.data.len()), o.max(cl.reply.buf.capacity()))
    });
    field(out, "connected_clients", srv.connected_clients());
    field(out, "cluster_connections", 0);
    field(out, "maxclients", srv.config.maxclients);
    field(out, "client_recent_max_input_buffer", max_in);
    field(out, "client_recent_max_output_buffer", max_out);
    // Keys someone is blocked on, and blocked clients with a deadline.
    let mut keys: Vec<&(usize, Vec<u8>)> = Vec::new();
    let mut with_timeout = 0;
    for b in all_clients(srv, c).filter_map(|cl| cl.blocked.as_deref()) {
        keys.extend(&b.keys);
        with_timeout += usize::from(b.deadline != 0);
    }
    keys.sort_unstable();
    keys.dedup();
    // Clients CLIENT PAUSE holds count as blocked (without a timeout), as
    // in Redis.
    let blocked = srv.blocking.blocked_clients + srv.pause.held_count();
    field(out, "blocked_clients", blocked);
    field(out, "tracking_clients", srv.tracking.clients);
    field(out, "clients_in_timeout_table", with_timeout);
    field(out, "total_blocking_keys", keys.len());
    // Only stream and module commands wait for a key's deletion.
    field(out, "total_blocking_keys_on_nokey", 0);
}

/// Total physical memory in bytes, from /proc/meminfo (0 if unknown).
fn total_system_memory() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/meminfo") else {
        return 0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// jemalloc's allocated / active / resident bytes; where its statistics are
/// unavailable, the used and resident sizes stand in (as a libc build of
/// Redis reports).
pub fn allocator_figures(used: u64, rss: u64) -> AllocatorFigures {
    match crate::alloc::allocator_stats() {
        Some(s) => AllocatorFigures {
            allocated: s.allocated as u64,
            active: s.active as u64,
            resident: s.resident as u64,
        },
        None => AllocatorFigures {
            allocated: used,
            active: rss,
            resident: rss,
        },
    }
}

/// See [`allocator_figures`].
pub struct AllocatorFigures {
    pub allocated: u64,
    pub active: u64,
    pub resident: u64,
}

/// Percentage `a / b` as Redis prints it ("12.34%"), guarding b = 0.
fn percent(a: u64, b: u64) -> String {
    format!("{:.2}%", a as f64 * 100.0 / b.max(1) as f64)
}

/// The memory section. `used_memory` is the counting allocator's figure of
/// live heap bytes (jemalloc size classes) and `used_memory_rss` the
/// resident set size; the allocator_* figures are jemalloc's own statistics
/// and the ratios derive from them as in Redis. The overhead is the
/// start-up footprint plus the hash tables and client buffers, and the
/// dataset is the rest.
fn info_memory(srv: &mut Server, c: &Client, out: &mut String) {
    let used = srv.update_memory_peak();
    let rss = crate::server::rss_memory();
    let peak = srv.mem_peak;
    let startup = srv.mem_startup;
    let clients_mem: u64 = all_clients(srv, c)
        .filter(|cl| !cl.is_replica())
        .map(|cl| (cl.query.data.len() + cl.reply.buf.capacity()) as u64)
        .sum();
    let (backlog, replica_bufs) = crate::server::repl::memory(srv, Some(c));
    let tables: u64 = srv
        .ks
        .dbs
        .iter()
        .map(|d| (d.main.memory_overhead() + d.expires.memory_overhead()) as u64)
        .sum();
    let overhead = (startup + tables + clients_mem + backlog + replica_bufs).min(used);
    let dataset = used - overhead;
    let net = if used > startup { used - startup } else { 1 };
    let frag = format!("{:.2}", rss as f64 / used.max(1) as f64);
    let frag_bytes = rss as i64 - used as i64;
    let a = allocator_figures(used, rss);
    let maxmemory = srv.config.maxmemory;
    field(out, "used_memory", used);
    field(out, "used_memory_human", bytes_human(used));
    field(out, "used_memory_rss", rss);
    field(out, "used_memory_rss_human", bytes_human(rss));
    field(out, "used_memory_peak", peak);
    field(out, "used_memory_peak_human", bytes_human(peak));
    field(out, "used_memory_peak_perc", percent(used, peak));
    field(out, "used_memory_overhead", overhead);
    field(out, "used_memory_startup", startup);
    field(out, "used_memory_dataset", dataset);
    field(out, "used_memory_dataset_perc", percent(dataset, net));
    field(out, "allocator_allocated", a.allocated);
    field(out, "allocator_active", a.active);
    field(out, "allocator_resident", a.resident);
    let total = total_system_memory();
    field(out, "total_system_memory", total);
    field(out, "total_system_memory_human", bytes_human(total));
    let sm = srv.scripts.memory_info();
    field(out, "used_memory_lua", sm.vm);
    field(out, "used_memory_vm_eval", sm.vm);
    field(out, "used_memory_lua_human", bytes_human(sm.vm));
    field(out, "used_memory_scripts_eval", sm.eval_scripts);
    field(out, "number_of_cached_scripts", sm.cached_scripts);
    field(out, "number_of_functions", sm.functions);
    field(out, "number_of_libraries", sm.libraries);
    field(out, "used_memory_vm_functions", 0);
    field(out, "used_memory_vm_total", sm.vm);
    field(out, "used_memory_vm_total_human", bytes_human(sm.vm));
    field(out, "used_memory_functions", sm.function_bytes);
    let scripts = sm.eval_scripts + sm.function_bytes;
    field(out, "used_memory_scripts", scripts);
    field(out, "used_memory_scripts_human", bytes_human(scripts));
    field(out, "maxmemory", maxmemory);
    field(out, "maxmemory_human", bytes_human(maxmemory));
    field(out, "maxmemory_policy", &srv.config.maxmemory_policy);
    let ratio = |x: u64, y: u64| format!("{:.2}", x as f64 / y.max(1) as f64);
    let diff = |x: u64, y: u64| x as i64 - y as i64;
    field(out, "allocator_frag_ratio", ratio(a.active, a.allocated));
    field(out, "allocator_frag_bytes", diff(a.active, a.allocated));
    field(out, "allocator_rss_ratio", ratio(a.resident, a.active));
    field(out, "allocator_rss_bytes", diff(a.resident, a.active));
    field(out, "rss_overhead_ratio", ratio(rss, a.resident));
    field(out, "rss_overhead_bytes", diff(rss, a.resident));
    field(out, "mem_fragmentation_ratio", &frag);
    field(out, "mem_fragmentation_bytes", frag_bytes);
    field(out, "mem_not_counted_for_evict", backlog + replica_bufs);
    field(out, "mem_replication_backlog", backlog);
    field(out, "mem_total_replication_buffers", backlog + replica_bufs);
    field(out, "mem_clients_slaves", replica_bufs);
    field(out, "mem_clients_normal", clients_mem);
    field(out, "mem_cluster_links", 0);
    field(out, "mem_aof_buffer", 0);
    field(out, "mem_allocator", crate::alloc::ALLOCATOR_NAME);
    field(out, "active_defrag_running", 0);
    field(out, "lazyfree_pending_objects", lazyfree::pending());
    field(out, "lazyfreed_objects", lazyfree::freed());
}

/// The persistence section: RDB and AOF fields from the persist module.
fn info_persistence(srv: &Server, out: &mut String) {
    let rdb = crate::persist::info_fields(srv);
    let rdb_field = |out: &mut String, name: &str, default: &str| {
        let v = rdb
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(default, |(_, v)| v.as_str());
        field(out, name, v);
    };
    rdb_field(out, "loading", "0");
    field(out, "async_loading", 0);
    field(out, "current_cow_peak", 0);
    field(out, "current_cow_size", 0);
    field(out, "current_cow_size_age", 0);
    field(out, "current_fork_perc", "0.00");
    field(out, "current_save_keys_processed", 0);
    field(out, "current_save_keys_total", 0);
    for (name, default) in [
        ("rdb_changes_since_last_save", "0"),
        ("rdb_bgsave_in_progress", "0"),
        ("rdb_last_save_time", "0"),
        ("rdb_last_bgsave_status", "ok"),
        ("rdb_last_bgsave_time_sec", "-1"),
        ("rdb_current_bgsave_time_sec", "-1"),
        ("rdb_saves", "0"),
        ("rdb_last_cow_size", "0"),
        ("rdb_last_load_keys_expired", "0"),
        ("rdb_last_load_keys_loaded", "0"),
    ] {
        rdb_field(out, name, default);
    }
    let (aof_first, aof_on) = crate::persist::aof::info_fields(srv);
    for (name, v) in &aof_first {
        field(out, name, v);
    }
    field(out, "module_fork_in_progress", 0);
    field(out, "module_fork_last_cow_size", 0);
    for (name, v) in &aof_on {
        field(out, name, v);
    }
}

fn info_stats(srv: &Server, out: &mut String) {
    let st = &srv.stats;
    let ks = &srv.ks.stats;
    let (kbps_in, kbps_out) = st.instantaneous_kbps(false);
    let (repl_kbps_in, repl_kbps_out) = st.instantaneous_kbps(true);
    let (el_per_sec, el_usec) = st.instantaneous_eventloop();
    field(
        out,
        "total_connections_received",
        st.total_connections_received,
    );
    field(out, "total_commands_processed", st.total_commands_processed);
    field(
        out,
        "instantaneous_ops_per_sec",
        st.instantaneous_ops_per_sec(),
    );
    field(out, "total_net_input_bytes", st.total_net_input_bytes);
    field(out, "total_net_output_bytes", st.total_net_output_bytes);
    field(
        out,
        "total_net_repl_input_bytes",
        st.total_net_repl_input_bytes,
    );
    field(
        out,
        "total_net_repl_output_bytes",
        st.total_net_repl_output_bytes,
    );
    field(out, "instantaneous_input_kbps", format!("{kbps_in:.2}"));
    field(out, "instantaneous_output_kbps", format!("{kbps_out:.2}"));
    field(
        out,
        "instantaneous_input_repl_kbps",
        format!("{repl_kbps_in:.2}"),
    );
    field(
        out,
        "instantaneous_output_repl_kbps",
        format!("{repl_kbps_out:.2}"),
    );
    field(out, "rejected_connections", st.rejected_connections);
    field(out, "sync_full", srv.repl.sync_full);
    field(out, "sync_partial_ok", srv.repl.sync_partial_ok);
    field(out, "sync_partial_err", srv.repl.sync_partial_err);
    field(out, "expired_keys", ks.expired_keys);
    field(out, "expired_stale_perc", "0.00");
    field(
        out,
        "expired_time_cap_reached_count",
        ks.expired_time_cap_reached_count,
    );
    field(
        out,
        "expire_cycle_cpu_milliseconds",
        ks.expire_cycle_cpu_usec / 1000,
    );
    field(out, "evicted_keys", srv.ks.stats.evicted_keys);
    field(out, "evicted_clients", 0);
    field(out, "total_eviction_exceeded_time", 0);
    field(out, "current_eviction_exceeded_time", 0);
    field(out, "keyspace_hits", ks.keyspace_hits);
    field(out, "keyspace_misses", ks.keyspace_misses);
    field(out, "pubsub_channels", srv.pubsub.channels.len());
    field(out, "pubsub_patterns", srv.pubsub.patterns.len());
    field(out, "pubsubshard_channels", srv.pubsub.shard_channels.len());
    field(out, "latest_fork_usec", srv.persist.latest_fork_usec);
    field(out, "total_forks", srv.persist.total_forks);
    field(out, "migrate_cached_sockets", srv.migrate.len());
    field(out, "slave_expires_tracked_keys", 0);
    field(out, "active_defrag_hits", 0);
    field(out, "active_defrag_misses", 0);
    field(out, "active_defrag_key_hits", 0);
    field(out, "active_defrag_key_misses", 0);
    field(out, "total_active_defrag_time", 0);
    field(out, "current_active_defrag_time", 0);
    field(out, "tracking_total_keys", srv.tracking.total_keys());
    field(out, "tracking_total_items", srv.tracking.total_items());
    field(
        out,
        "tracking_total_prefixes",
        srv.tracking.total_prefixes(),
    );
    field(out, "unexpected_error_replies", st.unexpected_error_replies);
    field(out, "total_error_replies", st.total_error_replies);
    field(out, "dump_payload_sanitizations", 0);
    field(out, "total_reads_processed", st.total_reads_processed);
    field(out, "total_writes_processed", st.total_writes_processed);
    field(out, "io_threaded_reads_processed", 0);
    field(out, "io_threaded_writes_processed", 0);
    // Redis 7.4 adds client_query_buffer_limit_disconnections here; 7.2
    // does not have it.
    field(out, "reply_buffer_shrinks", 0);
    field(out, "reply_buffer_expands", 0);
    field(out, "eventloop_cycles", st.eventloop_cycles);
    field(out, "eventloop_duration_sum", st.eventloop_duration_sum);
    field(
        out,
        "eventloop_duration_cmd_sum",
        st.eventloop_duration_cmd_sum,
    );
    field(out, "instantaneous_eventloop_cycles_per_sec", el_per_sec);
    field(out, "instantaneous_eventloop_duration_usec", el_usec);
    field(out, "acl_access_denied_auth", st.acl_access_denied_auth);
    field(out, "acl_access_denied_cmd", srv.acl.denied_cmd);
    field(out, "acl_access_denied_key", srv.acl.denied_key);
    field(out, "acl_access_denied_channel", srv.acl.denied_channel);
    // ember's own, after Redis's fields so their order stays Redis's.
    field(
        out,
        "eventloop_coalesced_pauses",
        st.eventloop_coalesced_pauses,
    );
}

fn info_replication(srv: &Server, c: &Client, out: &mut String) {
    let backlog = srv
        .config
        .get_int("repl-backlog-size")
        .unwrap_or(1024 * 1024);
    let now = crate::server::now_ms();
    let slaves = crate::server::repl::info_lines(srv, Some(c), now);
    match crate::server::replica::info_fields(srv, now) {
        Some(fields) => {
            field(out, "role", "slave");
            for (name, value) in fields {
                field(out, name, value);
            }
        }
        None => field(out, "role", "master"),
    }
    field(out, "connected_slaves", slaves.len());
    if let Some(good) = crate::server::repl::info_good_replicas(srv, Some(c)) {
        field(out, "min_slaves_good_slaves", good);
    }
    for line in &slaves {
        out.push_str(line);
        out.push_str("\r\n");
    }
    field(out, "master_failover_state", srv.failover.state_word());
    field(out, "master_replid", &srv.replid);
    let (replid2, second_offset) = srv.repl.replid2_info();
    field(out, "master_replid2", replid2);
    field(out, "master_repl_offset", srv.repl.offset);
    field(out, "second_repl_offset", second_offset);
    let (active, first, histlen) = match srv.repl.backlog_span() {
        Some((first, len)) => (1, first, len),
        None => (0, 0, 0),
    };
    field(out, "repl_backlog_active", active);
    field(out, "repl_backlog_size", backlog);
    field(out, "repl_backlog_first_byte_offset", first);
    field(out, "repl_backlog_histlen", histlen);
}

/// (system, user) CPU time of `who` as Redis prints it: seconds.micros.
fn cpu_times(who: libc::c_int) -> (String, String) {
    // SAFETY: rusage is a plain C struct of integers, for which all zeroes
    // is a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage; getrusage only writes into it.
    if unsafe { libc::getrusage(who, &mut ru) } != 0 {
        return ("0.000000".into(), "0.000000".into());
    }
    let fmt = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (fmt(ru.ru_stime), fmt(ru.ru_utime))
}

fn info_cpu(out: &mut String) {
    let (sys, user) = cpu_times(libc::RUSAGE_SELF);
    let (csys, cuser) = cpu_times(libc::RUSAGE_CHILDREN);
    field(out, "used_cpu_sys", sys);
    field(out, "used_cpu_user", user);
    field(out, "used_cpu_sys_children", csys);
    field(out, "used_cpu_user_children", cuser);
    // Commands run on the event loop thread, so this thread is the main one.
    #[cfg(target_os = "linux")]
    {
        let (tsys, tuser) = cpu_times(libc::RUSAGE_THREAD);
        field(out, "used_cpu_sys_main_thread", tsys);
        field(out, "used_cpu_user_main_thread", tuser);
    }
}

fn info_commandstats(srv: &Server, out: &mut String) {
    for (name, st) in srv.cmd_stats.snapshot() {
        let CmdStat {
            calls,
            usec,
            rejected_calls,
            failed_calls,
        } = st;
        if calls == 0 && rejected_calls == 0 && failed_calls == 0 {
            continue;
        }
        let per_call = if calls == 0 {
            0.0
        } else {
            usec as f64 / calls as f64
        };
        let _ = write!(
            out,
            "cmdstat_{name}:calls={calls},usec={usec},usec_per_call={per_call:.2},\
             rejected_calls={rejected_calls},failed_calls={failed_calls}\r\n"
        );
    }
}

fn info_errorstats(srv: &Server, out: &mut String) {
    for (code, n) in &srv.error_stats.counts {
        let _ = write!(out, "errorstat_{code}:count={n}\r\n");
    }
}

fn info_keyspace(srv: &Server, out: &mut String) {
    for (i, db) in srv.ks.dbs.iter().enumerate() {
        let keys = db.len();
        let expires = db.expires.len();
        if keys > 0 || expires > 0 {
            let _ = write!(
                out,
                "db{i}:keys={keys},expires={expires},avg_ttl={}\r\n",
                db.avg_ttl
            );
        }
    }
}

// ---------------------------------------------------------------------------
// CONFIG

/// CONFIG GET parameter [parameter ...]: a map of name to value (a flat
/// array in RESP2).
fn config_get(ctx: &mut Ctx, argv: &[&[u8]]) {
    let pairs = ctx.srv.config.get(&argv[2..]);
    let r = &mut ctx.c.reply;
    r.map(pairs.len());
    for (name, value) in &pairs {
        r.bulk(name.as_bytes());
        r.bulk(value.as_bytes());
    }
}

/// CONFIG SET parameter value [parameter value ...]: all or nothing, then
/// the side effects of the values the server does not re-read by itself.
fn config_set(ctx: &mut Ctx, argv: &[&[u8]]) {
    let local = is_local_client(ctx.c);
    let old_dir = ctx.srv.config.dir.clone();
    // Arity (at least one pair) was checked by dispatch; an incomplete last
    // pair is a syntax error in Redis.
    if !argv.len().is_multiple_of(2) {
        return ctx.c.reply.error(error::SYNTAX);
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..].chunks_exact(2).map(|p| (p[0], p[1])).collect();
    // Every value this command sets, as it was: a refused bind puts them
    // all back (Redis rolls the whole CONFIG SET back on an apply error).
    let names: Vec<&[u8]> = pairs.iter().map(|p| p.0).collect();
    let old_values = ctx.srv.config.get(&names);
    let changed = match ctx.srv.config.set(&pairs, local) {
        Ok(changed) => changed,
        Err(e) => return ctx.c.reply.error(&e),
    };
    // Listeners first: binding is the apply step that can fail for reasons
    // the values could not show.
    if let Err(e) = rebind_if_changed(ctx.srv, &changed, &old_values) {
        return ctx.c.reply.error(&e);
    }
    if let Err(e) = apply_config_changes(ctx.srv, &changed, &old_dir, ctx.c.in_exec) {
        return ctx.c.reply.error(&e);
    }
    ctx.c.reply.ok();
}

/// CONFIG SET port/bind binds the new listeners before replying, so a port
/// in use or an address that cannot be bound is the command's error (with
/// Redis's texts) and `old` (every value the command set) and the
/// listeners stay; the event loop swaps the fresh listeners in before it
/// next sleeps.
fn rebind_if_changed(
    srv: &mut Server,
    changed: &[&str],
    old: &[(String, String)],
) -> Result<(), String> {
    let Some(&name) = changed.iter().find(|n| matches!(**n, "port" | "bind")) else {
        return Ok(());
    };
    match crate::server::listener::bind_all(&srv.config) {
        Ok(fresh) => {
            srv.new_listeners = Some(fresh);
            Ok(())
        }
        Err(e) => {
            warn!("Failed to bind after CONFIG SET {name}: {e}");
            let back: Vec<(&[u8], &[u8])> = old
                .iter()
                .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
                .collect();
            let _ = srv.config.set(&back, true);
            let why = if name == "port" {
                "Unable to listen on this port. Check server logs."
            } else {
                "Failed to bind to specified addresses."
            };
            Err(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
            ))
        }
    }
}

/// Applies what changed directives need beyond the stored value. `hz`,
/// `timeout`, `maxclients`, `requirepass`, `protected-mode`, the memory
/// limits and the buffer limits are read where they are used, so they take
/// effect by themselves. `databases` and the socket files are immutable.
fn apply_config_changes(
    srv: &mut Server,
    changed: &[&str],
    old_dir: &str,
    in_exec: bool,
) -> Result<(), String> {
    for &name in changed {
        match name {
            "dir" => {
                if let Err(e) = std::env::set_current_dir(&srv.config.dir) {
                    // Put the old value back so config and process agree.
                    let _ = srv.config.set(&[(b"dir", old_dir.as_bytes())], true);
                    return Err(format!(
                        "ERR CONFIG SET failed (possibly related to argument 'dir') - {e}"
                    ));
                }
            }
            "requirepass" => srv.acl.set_requirepass(srv.config.requirepass.as_deref()),
            "loglevel" => crate::server::logging::set_level(srv.config.loglevel),
            "replica-read-only" | "replica-serve-stale-data" => {
                crate::server::replica::refresh_config(srv)
            }
            "min-replicas-to-write" | "min-replicas-max-lag" | "repl-backlog-size" => {
                crate::server::repl::refresh_config(srv)
            }
            "client-output-buffer-limit" => {
                crate::server::repl::refresh_config(srv);
                srv.pubsub_obuf_limit = srv.config.client_output_buffer_limits()[2];
            }
            "maxmemory-policy"
            | "maxmemory-samples"
            | "maxmemory-eviction-tenacity"
            | "lfu-log-factor"
            | "lfu-decay-time" => {
                srv.ks.evict = crate::db::evict::EvictConfig::from_config(&srv.config);
            }
            "notify-keyspace-events" => srv
                .ks
                .events
                .set_flags(crate::db::notify::configured_classes(&srv.config)),
            "maxmemory" => {
                let used = crate::server::used_memory();
                let max = srv.config.maxmemory;
                if max != 0 && max < used {
                    warn!(
                        "WARNING: the new maxmemory value set via CONFIG SET ({max}) is smaller \
                         than the current memory usage ({used}). This will result in key eviction \
                         and/or the inability to accept new write commands depending on the \
                         maxmemory-policy."
                    );
                }
                // Start freeing at once, as Redis does, within the usual budget.
                let skip = crate::server::repl::memory_not_counted(srv);
                srv.ks
                    .perform_evictions(max, &|_| super::memory_for_eviction(skip));
            }
            "appendonly" if srv.config.appendonly => {
                if let Err(e) = crate::persist::aof::start(srv, in_exec) {
                    srv.config.appendonly = false;
                    return Err(e);
                }
            }
            "appendonly" => crate::persist::aof::stop(srv),
            "appendfsync" => srv.aof.fsync = crate::persist::aof::fsync_policy(&srv.config),
            "aof-timestamp-enabled" => {
                srv.aof.timestamps = crate::persist::aof::timestamps_enabled(&srv.config);
            }
            "aof-disable-auto-gc" => crate::persist::aof::remove_history_now(srv),
            _ => {}
        }
    }
    Ok(())
}

/// CONFIG RESETSTAT: zeroes the INFO counters (stats, keyspace hits and
/// misses, command and error statistics, the memory peak).
fn config_resetstat(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let srv = &mut *ctx.srv;
    srv.stats = Default::default();
    srv.acl.reset_stats();
    srv.ks.stats = Default::default();
    srv.cmd_stats.clear();
    srv.observe.reset_histograms();
    srv.error_stats = Default::default();
    srv.mem_peak = 0;
    lazyfree::reset_stats();
    ctx.c.reply.ok();
}

/// CONFIG REWRITE
fn config_rewrite(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.srv.config.users = crate::acl::config_user_lines(ctx.srv);
    match ctx.srv.config.rewrite() {
        Ok(()) => {
            info!("CONFIG REWRITE executed with success.");
            ctx.c.reply.ok();
        }
        Err(e) => {
            warn!("CONFIG REWRITE failed: {e}");
            ctx.c.reply.error(&e);
        }
    }
}

/// Replies a help text as an array of status lines.
fn reply_help(ctx: &mut Ctx, lines: &[&str]) {
    ctx.c.reply.status_lines(lines);
}

/// CONFIG HELP (our own words; Redis's line count).
fn config_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    reply_help(
        ctx,
        &[
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Reply with every directive whose name matches the glob <pattern>, and its value.",
            "SET <directive> <value>",
            "    Change one or more directives at once; all of them or none.",
            "RESETSTAT",
            "    Zero the counters INFO reports.",
            "REWRITE",
            "    Write the running configuration back to the config file.",
            "HELP",
            "    Print this help.",
        ],
    );
}

// ---------------------------------------------------------------------------
// SHUTDOWN

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
///
/// On success nothing is replied: the connection closes and the event loop
/// exits at the end of its turn. There is no replica to wait for, so NOW
/// changes nothing, and no shutdown is ever in progress for ABORT to cancel.
///
/// Like Redis it saves first when save points are configured (unless
/// NOSAVE) or when SAVE is given, and refuses to exit when that save fails
/// ("Errors trying to SHUTDOWN") unless FORCE asks to exit anyway.
fn shutdown(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (mut nosave, mut save, mut now, mut force, mut abort) = (false, false, false, false, false);
    for a in &argv[1..] {
        let flag = match a.to_ascii_lowercase().as_slice() {
            b"nosave" => &mut nosave,
            b"save" => &mut save,
            b"now" => &mut now,
            b"force" => &mut force,
            b"abort" => &mut abort,
            _ => return ctx.c.reply.error(error::SYNTAX),
        };
        *flag = true;
    }
    if (abort && (nosave || save || now || force)) || (nosave && save) {
        return ctx.c.reply.error(error::SYNTAX);
    }
    if abort {
        if crate::server::shutdown::abort(ctx.srv) {
            return ctx.c.reply.ok();
        }
        return ctx.c.reply.error(error::NO_SHUTDOWN_IN_PROGRESS);
    }
    if !now && ctx.c.in_exec {
        return ctx.c.reply.error(error::SHUTDOWN_DENY_BLOCKING);
    }
    // While a script is busy only SHUTDOWN NOSAVE may stop the server.
    if !nosave && ctx.srv.scripts.run.as_ref().is_some_and(|r| r.busy) {
        return ctx.c.reply.error(error::BUSY_SCRIPT);
    }
    let save_flag = if save {
        Some(true)
    } else if nosave {
        Some(false)
    } else {
        None
    };
    use crate::server::shutdown::{self, Outcome};
    match shutdown::begin(ctx.srv, save_flag, force, now) {
        Outcome::Exit => {
            // Run nothing more from this connection (Redis exits inside
            // the command); replies to earlier pipelined commands are
            // still written.
            ctx.c.close_after_reply = true;
        }
        // Answered when the shutdown fails or is aborted.
        Outcome::Waiting => shutdown::park(ctx, argv),
        Outcome::Failed => ctx.c.reply.error(error::SHUTDOWN_FAILED),
    }
}

// ---------------------------------------------------------------------------
// DEBUG

/// DEBUG subcommand [argument ...], allowed by `enable-debug-command`
/// (the PROTECTED gate in `call` checks it).
fn debug(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = argv[1];
    let is = |name: &str| sub.eq_ignore_ascii_case(name.as_bytes());
    match argv.len() {
        2 if is("help") => debug_help(ctx),
        2 if is("loadaof") => {
            crate::persist::aof_load::debug_loadaof(ctx.srv);
            ctx.c.reply.ok();
        }
        3 if is("object") => debug_object(ctx, argv[2]),
        3 if is("set-disable-deny-scripts") => {
            ctx.srv.scripts.allow_noscript = c_atoi_nonzero(argv[2]);
            ctx.c.reply.ok();
        }
        2 if is("config-rewrite-force-all") => {
            ctx.srv.config.users = crate::acl::config_user_lines(ctx.srv);
            match ctx.srv.config.rewrite_with(true) {
                Ok(()) => ctx.c.reply.ok(),
                Err(e) => ctx.c.reply.error(&e),
            }
        }
        3 if is("set-active-expire") => {
            ctx.srv.ks.active_expire_enabled = c_atoi_nonzero(argv[2]);
            ctx.c.reply.ok();
        }
        3 if is("sleep") => {
            debug_sleep(c_strtod(argv[2]));
            ctx.c.reply.ok();
        }
        3 if is("pause-cron") => {
            ctx.srv.pause_cron = c_atoi_nonzero(argv[2]);
            ctx.c.reply.ok();
        }
        2 if is("digest") => super::debug::digest(ctx),
        _ if is("digest-value") => super::debug::digest_value(ctx, &argv[2..]),
        3..=5 if is("populate") => super::debug::populate(ctx, &argv[2..]),
        _ if is("reload") => super::debug::reload(ctx, &argv[2..]),
        3 if is("protocol") => super::debug::protocol(ctx, argv[2]),
        3 if is("quicklist-packed-threshold") => super::debug::packed_threshold(ctx, argv[2]),
        3 if is("aof-flush-sleep") => super::debug::aof_flush_sleep(ctx, argv[2]),
        3 if is("set-skip-checksum-validation") => {
            ctx.srv.persist.skip_checksum = c_atoi_nonzero(argv[2]);
            ctx.c.reply.ok();
        }
        _ if is("replicate") => super::debug::replicate(ctx, &argv[1..]),
        3 if is("log") => {
            tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(argv[2]));
            ctx.c.reply.ok();
        }
        // The text goes out as the error line as it is, with no ERR code.
        3 if is("error") => ctx.c.reply.error(&String::from_utf8_lossy(argv[2])),
        _ => ctx
            .c
            .reply
            .error(&error::unknown_subcommand_or_arity(sub, "debug")),
    }
}

/// DEBUG HELP
fn debug_help(ctx: &mut Ctx) {
    reply_help(
        ctx,
        &[
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "AOF-FLUSH-SLEEP <microsec>",
            "    Sleep <microsec> before each write of the AOF buffer to the file.",
            "DIGEST",
            "    Reply with a fingerprint (40 hex digits) of every key, value and TTL.",
            "CONFIG-REWRITE-FORCE-ALL",
            "    Like CONFIG REWRITE, but also write the directives at their defaults.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Reply with the fingerprint of each named key's value.",
            "ERROR <string>",
            "    Reply with <string> as an error.",
            "LOADAOF",
            "    Write out and fsync the AOF, then rebuild the data set from its files.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "OBJECT <key>",
            "    Show low-level details of the value stored at <key>.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Add string keys <prefix>:0 .. <prefix>:<count-1> (prefix 'key') holding",
            "    value:<n>, cut or zero-padded to <size> bytes; existing keys are kept.",
            "PROTOCOL <type>",
            "    Reply with a sample of a RESP type: string, integer, double, bignum,",
            "    null, array, set, map, attrib, push, verbatim, true or false.",
            "QUICKLIST-PACKED-THRESHOLD <size>",
            "    Give list elements of at least <size> (default 1GB, at most 4GB; 0 restores",
            "    the default) a quicklist node of their own.",
            "REPLICATE <command> [<arg> ...]",
            "    Send <command> to the replicas only (in their current database).",
            "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
            "    Save the RDB file, then replace the data with what it holds. NOSAVE:",
            "    skip the save. NOFLUSH: add to the data instead (a key on both sides is",
            "    an error unless MERGE lets the file's copy win).",
            "PAUSE-CRON <0|1>",
            "    Stop (1) or resume (0) the periodic cron work.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Switch the background expiry of keys with a TTL off (0) or on (1).",
            "SET-DISABLE-DENY-SCRIPTS <0|1>",
            "    Let scripts call commands normally refused to them (1), or not (0).",
            "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
            "    Take RESTORE payloads and RDB files without checking their CRC64 (1).",
            "SLEEP <seconds>",
            "    Block the server for <seconds>; fractions such as 0.5 are allowed.",
            "HELP",
            "    Print this help.",
        ],
    );
}

/// DEBUG OBJECT key: `Value at:<address> refcount:N encoding:E
/// serializedlength:N lru:N lru_seconds_idle:N`. Like Redis it looks the
/// key up without lazy expiry or hit/miss accounting. `lru` is the key's
/// raw 24-bit clock (or LFU word) and the idle time is derived from it;
/// serializedlength is a string's RDB size without LZF compression (exact
/// with `rdbcompression no` or for strings of 20 bytes or less).
fn debug_object(ctx: &mut Ctx, key: &[u8]) {
    let shared_ints = {
        let cfg = &ctx.srv.config;
        let p = &cfg.maxmemory_policy;
        cfg.maxmemory == 0 || !(p.ends_with("-lru") || p.ends_with("-lfu"))
    };
    let Some(entry) = ctx.srv.ks.dbs[ctx.c.db].main.entry(key) else {
        return ctx.c.reply.error(error::NO_SUCH_KEY);
    };
    let (v, meta) = (entry.value(), entry.meta());
    let refcount = match v {
        // Redis shares the integers 0..10000 (refcount INT_MAX).
        Value::Str(StrValue::Int(i)) if shared_ints && (0..10_000).contains(i) => i32::MAX as i64,
        _ => 1,
    };
    // There is no RDB serializer for the aggregate types yet: their size is
    // reported as 0 (and lists lack Redis's ql_* quicklist details).
    let serialized = match v {
        Value::Str(s) => rdb_string_len(s),
        _ => 0,
    };
    let line = format!(
        "Value at:{:p} refcount:{refcount} encoding:{} serializedlength:{serialized} lru:{meta} \
         lru_seconds_idle:{}",
        v,
        v.encoding_name(),
        crate::db::evict::idle_ms(meta, ctx.now) / 1000,
    );
    ctx.c.reply.simple(&line);
}

/// Bytes of an RDB length prefix for `n`.
fn rdb_len_size(n: u64) -> u64 {
    match n {
        0..64 => 1,
        64..16384 => 2,
        16384..=0xFFFF_FFFF => 5,
        _ => 9,
    }
}

/// RDB size of an integer saved as a string object: the 8/16/32-bit special
/// encodings, else its decimal digits.
fn rdb_int_len(i: i64) -> u64 {
    if i8::try_from(i).is_ok() {
        2
    } else if i16::try_from(i).is_ok() {
        3
    } else if i32::try_from(i).is_ok() {
        5
    } else {
        let digits = i.to_string().len() as u64;
        rdb_len_size(digits) + digits
    }
}

/// RDB size of a string value without compression.
fn rdb_string_len(s: &StrValue) -> u64 {
    if let StrValue::Int(i) = s {
        return rdb_int_len(*i);
    }
    s.with_bytes(|b| {
        // Short strings holding a canonical 32-bit integer are saved as one.
        if b.len() <= 11
            && let Some(i) = crate::util::num::parse_i64(b)
            && i32::try_from(i).is_ok()
        {
            return rdb_int_len(i);
        }
        rdb_len_size(b.len() as u64) + b.len() as u64
    })
}

/// C's `atoi(s) != 0`: optional leading whitespace and sign, then the digits
/// up to the first non-digit ("abc" is 0, "2x" is 2).
fn c_atoi_nonzero(s: &[u8]) -> bool {
    let s = trim_c_space(s);
    let s = match s.first() {
        Some(b'+' | b'-') => &s[1..],
        _ => s,
    };
    s.iter()
        .take_while(|b| b.is_ascii_digit())
        .any(|&b| b != b'0')
}

/// Skips the characters C's isspace accepts.
fn trim_c_space(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    &s[n..]
}

/// C's `strtod(s, NULL)` for decimal input: the longest numeric prefix
/// (sign, digits, fraction, exponent), 0 when there is none. Hexadecimal,
/// infinity and NaN forms read as 0 (they cannot make a valid sleep anyway).
fn c_strtod(s: &[u8]) -> f64 {
    let s = trim_c_space(s);
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut end = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let int_digits = digits(end);
    end += int_digits;
    let mut frac_digits = 0;
    if s.get(end) == Some(&b'.') {
        frac_digits = digits(end + 1);
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return 0.0;
    }
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(s.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_digits = digits(e);
        if exp_digits > 0 {
            end = e + exp_digits;
        }
    }
    std::str::from_utf8(&s[..end])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0)
}

/// DEBUG SLEEP: blocks the event loop thread for `secs` seconds, which is
/// the point of the command. Like Redis (which converts to whole
/// microseconds), negative, non-finite or out-of-range values do not sleep.
fn debug_sleep(secs: f64) {
    let us = secs * 1e6;
    if us.is_finite() && us >= 1.0 && us < i64::MAX as f64 {
        std::thread::sleep(std::time::Duration::from_micros(us as u64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::YesLocalNo;
    use crate::testing::Harness;

    /// The field lines of INFO's reply text (bulk header and CRLFs removed).
    fn info_lines(h: &mut Harness, args: &[&str]) -> Vec<String> {
        let mut argv = vec!["INFO"];
        argv.extend_from_slice(args);
        let reply = h.run(&argv);
        let body = reply.split_once("\r\n").map_or("", |x| x.1);
        let text = body.strip_suffix("\r\n").unwrap_or(body);
        text.strip_suffix("\r\n")
            .unwrap_or(text)
            .split("\r\n")
            .map(str::to_string)
            .collect()
    }

    fn info_field(h: &mut Harness, section: &str, name: &str) -> String {
        let prefix = format!("{name}:");
        info_lines(h, &[section])
            .into_iter()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
            .unwrap_or_else(|| panic!("no field {name} in INFO {section}"))
    }

    #[test]
    fn dbsize_counts_the_selected_db() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
        h.run(&["MSET", "a", "1", "b", "2"]);
        assert_eq!(h.run(&["DBSIZE"]), ":2\r\n");
        h.run(&["SELECT", "1"]);
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
        assert_eq!(
            h.run(&["DBSIZE", "x"]),
            "-ERR wrong number of arguments for 'dbsize' command\r\n"
        );
    }

    #[test]
    fn flushdb_and_flushall() {
        let mut h = Harness::new();
        h.run(&["MSET", "a", "1", "b", "2", "c", "3"]);
        h.run(&["SELECT", "1"]);
        h.run(&["SET", "x", "1"]);
        let dirty = h.srv.ks.dirty;
        assert_eq!(h.run(&["FLUSHDB"]), "+OK\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 1);
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
        h.run(&["SELECT", "0"]);
        assert_eq!(h.run(&["DBSIZE"]), ":3\r\n");
        h.run(&["SELECT", "2"]);
        h.run(&["SET", "y", "1"]);
        assert_eq!(h.run(&["FLUSHALL"]), "+OK\r\n");
        // One change per removed key (Redis 7.2), after SET y's own.
        assert_eq!(h.srv.ks.dirty, dirty + 1 + 1 + 4);
        assert!(h.srv.ks.dbs.iter().all(|d| d.is_empty()));
        assert_eq!(h.run(&["FLUSHALL"]), "+OK\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 6);
        for cmd in ["FLUSHDB", "FLUSHALL"] {
            assert_eq!(h.run(&[cmd, "sync"]), "+OK\r\n");
            assert_eq!(h.run(&[cmd, "ASYNC"]), "+OK\r\n");
            assert_eq!(h.run(&[cmd, "x"]), "-ERR syntax error\r\n");
            assert_eq!(h.run(&[cmd, "sync", "async"]), "-ERR syntax error\r\n");
            assert_eq!(h.run(&[cmd, "async", "async"]), "-ERR syntax error\r\n");
        }
    }

    #[test]
    fn async_flush_frees_in_the_background() {
        let mut h = Harness::new();
        for db in 0..2 {
            h.run(&["SELECT", &db.to_string()]);
            for i in 0..1000 {
                h.run(&["SET", &format!("k{i}"), "v"]);
            }
            h.run(&["EXPIRE", "k1", "100"]);
        }
        h.run(&["SELECT", "0"]);
        assert_eq!(h.run(&["FLUSHDB", "ASYNC"]), "+OK\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
        assert_eq!(h.srv.ks.expires_len(0), 0);
        assert_eq!(h.srv.ks.dbs[1].len(), 1000);
        // The fresh tables are usable at once.
        assert_eq!(h.run(&["SET", "k1", "v"]), "+OK\r\n");
        assert_eq!(h.run(&["FLUSHALL", "ASYNC"]), "+OK\r\n");
        assert!(
            h.srv
                .ks
                .dbs
                .iter()
                .all(|d| d.is_empty() && d.expires.is_empty())
        );
        // lazyfree-lazy-user-flush makes the default asynchronous.
        h.srv
            .config
            .set(&[(b"lazyfree-lazy-user-flush", b"yes")], true)
            .expect("config set");
        for i in 0..100 {
            h.run(&["SET", &format!("k{i}"), "v"]);
        }
        assert_eq!(h.run(&["FLUSHALL"]), "+OK\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
    }

    #[test]
    fn time_lastsave_role() {
        let mut h = Harness::new();
        let r = h.run(&["TIME"]);
        let parts: Vec<&str> = r.split("\r\n").collect();
        assert_eq!(parts[0], "*2");
        let secs: i64 = parts[2].parse().expect("secs");
        let us: i64 = parts[4].parse().expect("usecs");
        assert!((secs - now_ms() / 1000).abs() <= 1);
        assert!((0..1_000_000).contains(&us));
        assert_eq!(parts[1], format!("${}", parts[2].len()));
        assert_eq!(
            h.run(&["TIME", "x"]),
            "-ERR wrong number of arguments for 'time' command\r\n"
        );
        assert_eq!(
            h.run(&["LASTSAVE"]),
            format!(":{}\r\n", h.srv.start_ms / 1000)
        );
        assert_eq!(h.run(&["ROLE"]), "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
        h.run(&["HELLO", "3"]);
        assert_eq!(h.run(&["ROLE"]), "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
        assert_eq!(
            h.run(&["ROLE", "x"]),
            "-ERR wrong number of arguments for 'role' command\r\n"
        );
    }

    #[test]
    fn info_sections_and_framing() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["INFO", "nosuch"]), "$0\r\n\r\n");
        assert_eq!(h.run(&["INFO", "keyspace"]), "$12\r\n# Keyspace\r\n\r\n");
        assert_eq!(h.run(&["INFO", "KeySpace"]), "$12\r\n# Keyspace\r\n\r\n");
        assert_eq!(h.run(&["INFO", "modules"]), "$11\r\n# Modules\r\n\r\n");
        assert_eq!(
            h.run(&["INFO", "cluster", "keyspace", "nosuch", "cluster"]),
            "$44\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n\r\n"
        );
        // Order is Redis's whatever the argument order.
        assert_eq!(
            h.run(&["INFO", "keyspace", "cluster"]),
            h.run(&["INFO", "cluster", "keyspace"])
        );
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "1"]);
        h.run(&["EXPIRE", "b", "100"]);
        h.run(&["SELECT", "3"]);
        h.run(&["SET", "c", "1"]);
        assert_eq!(
            h.run(&["INFO", "keyspace"]),
            "$76\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n\r\n"
        );
        // RESP3: a verbatim string.
        h.run(&["HELLO", "3"]);
        assert_eq!(
            h.run(&["INFO", "cluster"]),
            "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"
        );
        assert_eq!(h.run(&["INFO", "nosuch"]), "=4\r\ntxt:\r\n");
    }

    fn titles(lines: &[String]) -> Vec<&str> {
        lines.iter().filter_map(|l| l.strip_prefix("# ")).collect()
    }

    #[test]
    fn info_default_all_everything() {
        let mut h = Harness::new();
        let default = [
            "Server",
            "Clients",
            "Memory",
            "Persistence",
            "Stats",
            "Replication",
            "CPU",
            "Modules",
            "Errorstats",
            "Cluster",
            "Keyspace",
        ];
        let all = [
            "Server",
            "Clients",
            "Memory",
            "Persistence",
            "Stats",
            "Replication",
            "CPU",
            "Modules",
            "Commandstats",
            "Errorstats",
            "Latencystats",
            "Cluster",
            "Keyspace",
        ];
        assert_eq!(titles(&info_lines(&mut h, &[])), default);
        assert_eq!(titles(&info_lines(&mut h, &["default"])), default);
        assert_eq!(titles(&info_lines(&mut h, &["ALL"])), all);
        assert_eq!(titles(&info_lines(&mut h, &["everything"])), all);
        assert_eq!(
            titles(&info_lines(&mut h, &["default", "commandstats"])),
            [&default[..8], &["Commandstats"], &default[8..]].concat()
        );
        // Sections are separated by exactly one blank line and every other
        // line is `name:value`.
        let lines = info_lines(&mut h, &["everything"]);
        for (i, l) in lines.iter().enumerate() {
            if l.is_empty() {
                assert!(lines[i + 1].starts_with("# "), "blank line before {l:?}");
            } else if !l.starts_with("# ") {
                assert!(l.contains(':'), "bad line {l:?}");
            }
        }
    }

    #[test]
    fn info_field_order_matches_redis_7_2() {
        let mut h = Harness::new();
        let names = |h: &mut Harness, s: &str| -> Vec<String> {
            info_lines(h, &[s])
                .iter()
                .skip(1)
                .filter_map(|l| l.split_once(':').map(|x| x.0.to_string()))
                .collect()
        };
        assert_eq!(
            names(&mut h, "server"),
            [
                "redis_version",
                "ember_version",
                "redis_git_sha1",
                "redis_git_dirty",
                "redis_build_id",
                "redis_mode",
                "os",
                "arch_bits",
                "monotonic_clock",
                "multiplexing_api",
                "atomicvar_api",
                "gcc_version",
                "process_id",
                "process_supervised",
                "run_id",
                "tcp_port",
                "server_time_usec",
                "uptime_in_seconds",
                "uptime_in_days",
                "hz",
                "configured_hz",
                "lru_clock",
                "executable",
                "config_file",
                "io_threads_active",
                "listener0",
            ]
        );
        assert_eq!(
            names(&mut h, "clients"),
            [
                "connected_clients",
                "cluster_connections",
                "maxclients",
                "client_recent_max_input_buffer",
                "client_recent_max_output_buffer",
                "blocked_clients",
                "tracking_clients",
                "clients_in_timeout_table",
                "total_blocking_keys",
                "total_blocking_keys_on_nokey",
            ]
        );
        let mem = names(&mut h, "memory");
        assert_eq!(mem.len(), 51);
        assert_eq!(mem[0], "used_memory");
        assert_eq!(mem[31], "maxmemory_policy");
        assert_eq!(mem[47], "mem_allocator");
        assert_eq!(mem[50], "lazyfreed_objects");
        let pers = names(&mut h, "persistence");
        assert_eq!(pers.len(), 30);
        assert_eq!(pers[8], "rdb_changes_since_last_save");
        assert_eq!(pers[18], "aof_enabled");
        let stats = names(&mut h, "stats");
        assert_eq!(stats.len(), 60);
        assert_eq!(stats[0], "total_connections_received");
        assert_eq!(stats[23], "keyspace_hits");
        assert_eq!(stats[48], "reply_buffer_shrinks");
        assert_eq!(stats[58], "acl_access_denied_channel");
        assert_eq!(stats[59], "eventloop_coalesced_pauses", "ember's own, last");
        assert_eq!(names(&mut h, "replication").len(), 11);
        let cpu = names(&mut h, "cpu");
        assert_eq!(
            &cpu[..4],
            [
                "used_cpu_sys",
                "used_cpu_user",
                "used_cpu_sys_children",
                "used_cpu_user_children"
            ]
        );
    }

    #[test]
    fn info_values() {
        let mut h = Harness::new();
        assert_eq!(
            info_field(&mut h, "server", "redis_version"),
            crate::REDIS_COMPAT_VERSION
        );
        assert_eq!(
            info_field(&mut h, "server", "ember_version"),
            crate::VERSION
        );
        assert_eq!(info_field(&mut h, "server", "run_id"), h.srv.run_id);
        assert_eq!(info_field(&mut h, "server", "tcp_port"), "6379");
        assert_eq!(
            info_field(&mut h, "server", "listener0"),
            "name=tcp,bind=*,bind=-::*,port=6379"
        );
        assert_eq!(info_field(&mut h, "server", "hz"), "10");
        assert_eq!(
            info_field(&mut h, "server", "process_id"),
            std::process::id().to_string()
        );
        assert_eq!(info_field(&mut h, "server", "os").split(' ').count(), 3);
        assert_eq!(info_field(&mut h, "clients", "connected_clients"), "1");
        assert_eq!(info_field(&mut h, "clients", "maxclients"), "10000");
        let used: u64 = info_field(&mut h, "memory", "used_memory")
            .parse()
            .expect("num");
        assert!(used > 0);
        let peak: u64 = info_field(&mut h, "memory", "used_memory_peak")
            .parse()
            .expect("num");
        assert!(peak >= used);
        assert_eq!(info_field(&mut h, "memory", "maxmemory_human"), "0B");
        assert_eq!(
            info_field(&mut h, "memory", "maxmemory_policy"),
            "noeviction"
        );
        assert_eq!(
            info_field(&mut h, "memory", "mem_allocator"),
            "jemalloc-5.3.0"
        );
        assert_eq!(info_field(&mut h, "replication", "role"), "master");
        let replid = info_field(&mut h, "replication", "master_replid");
        assert_eq!(replid.len(), 40);
        assert!(replid.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(replid, h.srv.run_id);
        let sys = info_field(&mut h, "cpu", "used_cpu_sys");
        assert_eq!(sys.split_once('.').map(|x| x.1.len()), Some(6));
        assert_eq!(
            info_field(&mut h, "persistence", "rdb_changes_since_last_save"),
            "0"
        );
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "1"]);
        assert_eq!(
            info_field(&mut h, "persistence", "rdb_changes_since_last_save"),
            "2"
        );
        assert_eq!(
            info_field(&mut h, "persistence", "rdb_last_save_time"),
            (h.srv.start_ms / 1000).to_string()
        );
        h.run(&["GET", "a"]);
        h.run(&["GET", "nosuch"]);
        assert_eq!(info_field(&mut h, "stats", "keyspace_hits"), "1");
        assert_eq!(info_field(&mut h, "stats", "keyspace_misses"), "1");
        h.srv.config.maxmemory = 3 * 1024 * 1024 / 2;
        assert_eq!(info_field(&mut h, "memory", "maxmemory_human"), "1.50M");
        h.srv.config.unixsocket = "/tmp/e.sock".into();
        assert_eq!(
            info_field(&mut h, "server", "listener1"),
            "name=unix,bind=/tmp/e.sock"
        );
    }

    #[test]
    fn info_pubsub_and_blocking() {
        use crate::server::blocking::{BlockState, BlockType, TimeoutReply};
        let mut h = Harness::new();
        // RESP3, so INFO may run while subscribed.
        h.run(&["HELLO", "3"]);
        h.run(&["SUBSCRIBE", "a", "b"]);
        h.run(&["PSUBSCRIBE", "p*"]);
        assert_eq!(info_field(&mut h, "stats", "pubsub_channels"), "2");
        assert_eq!(info_field(&mut h, "stats", "pubsub_patterns"), "1");
        assert_eq!(info_field(&mut h, "stats", "pubsubshard_channels"), "0");
        let mut h = Harness::new();
        h.c.blocked = Some(Box::new(BlockState {
            argv: Vec::new(),
            keys: vec![
                (0, b"k1".to_vec()),
                (0, b"k2".to_vec()),
                (1, b"k1".to_vec()),
            ],
            deadline: 5,
            btype: BlockType::List,
            timeout_reply: TimeoutReply::NullArray,
        }));
        assert_eq!(info_field(&mut h, "clients", "total_blocking_keys"), "3");
        assert_eq!(
            info_field(&mut h, "clients", "clients_in_timeout_table"),
            "1"
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(bytes_human(0), "0B");
        assert_eq!(bytes_human(1023), "1023B");
        assert_eq!(bytes_human(1024), "1.00K");
        assert_eq!(bytes_human(1152), "1.12K");
        assert_eq!(bytes_human(1024 * 1024 - 1), "1024.00K");
        assert_eq!(bytes_human(1024 * 1024), "1.00M");
        assert_eq!(bytes_human(25_276_510_208), "23.54G");
        assert_eq!(bytes_human(1 << 40), "1.00T");
        assert_eq!(bytes_human(1 << 50), "1.00P");
        assert_eq!(bytes_human(1 << 60), format!("{}B", 1u64 << 60));
    }

    #[test]
    fn commandstats_and_errorstats() {
        let mut h = Harness::new();
        // Feed the counters directly, as cmd::call does.
        let get = crate::cmd::table().lookup(b"get").expect("get");
        let config = crate::cmd::table().lookup(b"config").expect("config");
        let config_get = config.find_sub(b"get").expect("config get");
        h.srv.record_call(get, None, 10, b"$1\r\nv\r\n");
        h.srv
            .record_call(get, None, 5, b"-WRONGTYPE Operation against a key\r\n");
        h.srv.record_call(config_get, Some(config), 7, b"*0\r\n");
        h.srv.record_rejected(
            Some(get),
            None,
            "ERR wrong number of arguments for 'get' command",
        );
        h.srv.record_rejected(None, None, "ERR unknown command 'x'");
        h.srv.record_error(b"NOERRCODEHERE");
        let lines = info_lines(&mut h, &["commandstats"]);
        assert!(
            lines.contains(
                &"cmdstat_get:calls=2,usec=15,usec_per_call=7.50,rejected_calls=1,failed_calls=1"
                    .to_string()
            )
        );
        assert!(lines.contains(&"cmdstat_config|get:calls=1,usec=7,usec_per_call=7.00,rejected_calls=0,failed_calls=0".to_string()));
        assert_eq!(
            info_lines(&mut h, &["errorstats"]),
            [
                "# Errorstats",
                "errorstat_ERR:count=3",
                "errorstat_WRONGTYPE:count=1"
            ]
        );
        assert_eq!(info_field(&mut h, "stats", "total_error_replies"), "4");
        // The INFO calls themselves are accounted too (cmd::call records
        // every command), so the sum is at least the 22 fed above.
        let cmd_sum: u64 = info_field(&mut h, "stats", "eventloop_duration_cmd_sum")
            .parse()
            .unwrap();
        assert!(cmd_sum >= 22, "{cmd_sum}");
        assert_eq!(h.run(&["CONFIG", "RESETSTAT"]), "+OK\r\n");
        // Like Redis, RESETSTAT's own call is counted after the reset.
        let lines = info_lines(&mut h, &["commandstats"]);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].starts_with("cmdstat_config|resetstat:calls=1,"));
        assert_eq!(info_lines(&mut h, &["errorstats"]), ["# Errorstats"]);
        assert_eq!(info_field(&mut h, "stats", "total_error_replies"), "0");
    }

    #[test]
    fn resetstat_zeroes_counters() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["GET", "a"]);
        h.run(&["GET", "b"]);
        h.srv.ks.stats.expired_keys = 5;
        h.srv.stats.total_connections_received = 9;
        h.srv.stats.total_net_input_bytes = 100;
        assert_eq!(h.run(&["CONFIG", "RESETSTAT"]), "+OK\r\n");
        assert_eq!(h.srv.ks.stats.keyspace_hits, 0);
        assert_eq!(h.srv.ks.stats.keyspace_misses, 0);
        assert_eq!(h.srv.ks.stats.expired_keys, 0);
        assert_eq!(h.srv.stats.total_connections_received, 0);
        assert_eq!(h.srv.stats.total_net_input_bytes, 0);
        // The data and the change counter stay.
        assert_eq!(h.run(&["DBSIZE"]), ":1\r\n");
        assert_eq!(h.srv.ks.dirty, 1);
        assert_eq!(
            h.run(&["CONFIG", "RESETSTAT", "x"]),
            "-ERR wrong number of arguments for 'config|resetstat' command\r\n"
        );
    }

    #[test]
    fn config_get_and_set() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CONFIG", "GET", "hz"]),
            "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n"
        );
        assert_eq!(h.run(&["CONFIG", "GET", "nosuch"]), "*0\r\n");
        assert_eq!(
            h.run(&["CONFIG", "GET"]),
            "-ERR wrong number of arguments for 'config|get' command\r\n"
        );
        assert_eq!(h.run(&["CONFIG", "SET", "hz", "20"]), "+OK\r\n");
        assert_eq!(h.srv.config.hz, 20);
        h.run(&["HELLO", "3"]);
        assert_eq!(
            h.run(&["CONFIG", "GET", "hz"]),
            "%1\r\n$2\r\nhz\r\n$2\r\n20\r\n"
        );
        assert_eq!(h.run(&["CONFIG", "GET", "nosuch"]), "%0\r\n");
        assert_eq!(
            h.run(&["CONFIG", "SET", "hz"]),
            "-ERR wrong number of arguments for 'config|set' command\r\n"
        );
        assert_eq!(
            h.run(&["CONFIG", "SET", "hz", "10", "maxmemory"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(h.srv.config.hz, 20);
        assert_eq!(
            h.run(&["CONFIG", "SET", "hz", "11", "maxmemory", "0"]),
            "+OK\r\n"
        );
        assert_eq!(h.srv.config.hz, 11);
        assert_eq!(
            h.run(&["CONFIG", "SET", "nosuch", "1"]),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"
        );
        assert_eq!(
            h.run(&["CONFIG", "SET", "databases", "20"]),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"
        );
        // New listeners are bound before the reply and left for the event
        // loop; a port in use or a bad address is the error and changes
        // nothing.
        let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let busy_port = busy.local_addr().expect("addr").port().to_string();
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let free_port = free.local_addr().expect("addr").port().to_string();
        drop(free);
        assert_eq!(
            h.run(&["CONFIG", "SET", "port", &free_port, "bind", "127.0.0.1"]),
            "+OK\r\n"
        );
        assert!(h.srv.new_listeners.take().is_some());
        let hz_before = h.run(&["CONFIG", "GET", "hz"]);
        assert_eq!(
            h.run(&[
                "CONFIG",
                "SET",
                "maxmemory",
                "12345",
                "port",
                &busy_port,
                "hz",
                "7"
            ]),
            "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n"
        );
        assert_eq!(h.srv.config.maxmemory, 0);
        assert_eq!(h.run(&["CONFIG", "GET", "hz"]), hz_before);
        assert!(h.srv.new_listeners.is_none());
        assert!(!h.run(&["CONFIG", "GET", "port"]).contains(&busy_port));
        assert_eq!(
            h.run(&["CONFIG", "SET", "bind", "999.999.999.999"]),
            "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n"
        );
        assert!(h.run(&["CONFIG", "GET", "bind"]).contains("127.0.0.1"));
        drop(busy);
        assert_eq!(h.run(&["CONFIG", "SET", "port", &busy_port]), "+OK\r\n");
        assert_eq!(h.srv.new_listeners.as_ref().map(Vec::len), Some(1));
        assert_eq!(
            h.run(&["CONFIG", "BOGUS"]),
            "-ERR unknown subcommand 'BOGUS'. Try CONFIG HELP.\r\n"
        );
        assert_eq!(
            h.run(&["CONFIG"]),
            "-ERR wrong number of arguments for 'config' command\r\n"
        );
    }

    #[test]
    fn config_set_dir_changes_directory() {
        // Tests share the process's working directory, so this one only
        // "changes" it to where it already is: the stored value moves from
        // "/" back to the current directory and the chdir must succeed.
        let mut h = Harness::new();
        h.srv.config.enable_protected_configs = YesLocalNo::Yes;
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .expect("cwd");
        h.srv.config.dir = "/".into();
        let r = h.run(&["CONFIG", "SET", "dir", cwd.to_str().expect("utf8")]);
        assert_eq!(r, "+OK\r\n");
        assert_eq!(h.srv.config.dir, cwd.to_string_lossy());
        assert_eq!(std::env::current_dir().expect("cwd"), cwd);
        // dir is protected by default.
        let mut h = Harness::new();
        let r = h.run(&["CONFIG", "SET", "dir", "/"]);
        assert_eq!(
            r,
            "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"
        );
    }

    #[test]
    fn config_rewrite_and_help() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CONFIG", "REWRITE"]),
            "-ERR The server is running without a config file\r\n"
        );
        assert_eq!(
            h.run(&["CONFIG", "REWRITE", "x"]),
            "-ERR wrong number of arguments for 'config|rewrite' command\r\n"
        );
        let help = h.run(&["config", "help"]);
        assert!(help.starts_with(
            "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
        ));
        assert!(help.ends_with("+HELP\r\n+    Print this help.\r\n"));
        assert_eq!(
            h.run(&["CONFIG", "HELP", "x"]),
            "-ERR wrong number of arguments for 'config|help' command\r\n"
        );
        // With a config file, REWRITE writes it.
        let dir = std::env::temp_dir().join(format!("ember-rewrite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("e.conf");
        std::fs::write(&path, "hz 10\n").expect("write");
        h.srv.config.config_file = Some(path.clone());
        h.run(&["CONFIG", "SET", "hz", "33"]);
        assert_eq!(h.run(&["CONFIG", "REWRITE"]), "+OK\r\n");
        let text = std::fs::read_to_string(&path).expect("read");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(text.contains("hz 33"), "{text}");
    }

    #[test]
    fn shutdown_options() {
        let mut h = Harness::new();
        for args in [
            &["SHUTDOWN", "x"][..],
            &["SHUTDOWN", "NOSAVE", "SAVE"],
            &["SHUTDOWN", "save", "nosave"],
            &["SHUTDOWN", "ABORT", "NOW"],
            &["SHUTDOWN", "NOSAVE", "ABORT"],
            &["SHUTDOWN", "abort", "force"],
        ] {
            assert_eq!(h.run(args), "-ERR syntax error\r\n", "{args:?}");
        }
        assert_eq!(
            h.run(&["SHUTDOWN", "ABORT"]),
            "-ERR No shutdown in progress.\r\n"
        );
        // An explicit SAVE that cannot write its file fails the shutdown.
        h.srv.config.dir = "/nonexistent/ember-test-dir".into();
        assert_eq!(
            h.run(&["SHUTDOWN", "SAVE"]),
            "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
        );
        assert_eq!(h.srv.shutdown, None);
        assert!(!h.c.close_after_reply);
        let dir = std::env::temp_dir().join(format!("ember-shutdown-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Success: no reply, the connection closes and the server stops.
        for args in [
            &["SHUTDOWN"][..],
            &["SHUTDOWN", "NOSAVE"],
            &["shutdown", "nosave", "now", "force"],
            &["SHUTDOWN", "SAVE", "FORCE"],
        ] {
            let mut h = Harness::new();
            h.srv.config.save = vec![(3600, 1)];
            h.srv.config.dir = dir.to_string_lossy().into_owned();
            assert_eq!(h.run(args), "", "{args:?}");
            assert_eq!(h.srv.shutdown, Some(crate::server::Shutdown::Graceful));
            assert!(h.c.close_after_reply);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn debug_gate() {
        let mut h = Harness::new();
        assert_eq!(h.srv.config.enable_debug_command, YesLocalNo::No);
        let denied = format!("-{}\r\n", error::DEBUG_NOT_ALLOWED);
        assert_eq!(h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), denied);
        assert!(h.srv.ks.active_expire_enabled);
        assert_eq!(
            h.run(&["DEBUG"]),
            "-ERR wrong number of arguments for 'debug' command\r\n"
        );
        h.srv.config.enable_debug_command = YesLocalNo::Local;
        assert_eq!(h.run(&["DEBUG", "SLEEP", "0"]), "+OK\r\n");
        h.c.addr = "::1:5000".into();
        assert_eq!(h.run(&["DEBUG", "SLEEP", "0"]), "+OK\r\n");
        h.c.addr = "10.1.2.3:5000".into();
        assert_eq!(h.run(&["DEBUG", "SLEEP", "0"]), denied);
        h.srv.config.enable_debug_command = YesLocalNo::Yes;
        assert_eq!(h.run(&["DEBUG", "SLEEP", "0"]), "+OK\r\n");
    }

    fn debug_harness() -> Harness {
        let mut h = Harness::new();
        h.srv.config.enable_debug_command = YesLocalNo::Yes;
        h
    }

    #[test]
    fn debug_subcommands() {
        let mut h = debug_harness();
        assert_eq!(h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
        assert!(!h.srv.ks.active_expire_enabled);
        assert_eq!(h.run(&["DEBUG", "PAUSE-CRON", "1"]), "+OK\r\n");
        assert!(h.srv.pause_cron);
        assert_eq!(h.run(&["DEBUG", "PAUSE-CRON", "0"]), "+OK\r\n");
        assert!(!h.srv.pause_cron);
        assert_eq!(h.run(&["debug", "set-active-expire", "2"]), "+OK\r\n");
        assert!(h.srv.ks.active_expire_enabled);
        assert_eq!(h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "abc"]), "+OK\r\n");
        assert!(!h.srv.ks.active_expire_enabled);
        assert_eq!(h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", " -1x"]), "+OK\r\n");
        assert!(h.srv.ks.active_expire_enabled);
        assert_eq!(
            h.run(&["DEBUG", "SET-ACTIVE-EXPIRE"]),
            "-ERR unknown subcommand or wrong number of arguments for 'SET-ACTIVE-EXPIRE'. Try DEBUG HELP.\r\n"
        );
        assert_eq!(
            h.run(&["DEBUG", "set-active-expire", "1", "2"]),
            "-ERR unknown subcommand or wrong number of arguments for 'set-active-expire'. Try DEBUG HELP.\r\n"
        );
        assert_eq!(
            h.run(&["DEBUG", "nosuch"]),
            "-ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.\r\n"
        );
        assert_eq!(
            h.run_bytes(&[b"DEBUG", b"a\x00b"]),
            b"-ERR unknown subcommand or wrong number of arguments for 'a'. Try DEBUG HELP.\r\n"
        );
        let long = "x".repeat(300);
        assert_eq!(
            h.run(&["DEBUG", &long]),
            format!(
                "-ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.\r\n",
                "x".repeat(128)
            )
        );
        let help = h.run(&["DEBUG", "HELP"]);
        assert!(help.starts_with("*44\r\n+DEBUG <subcommand>"));
        assert!(help.ends_with("+HELP\r\n+    Print this help.\r\n"));
        assert_eq!(
            h.run(&["DEBUG", "HELP", "x"]),
            "-ERR unknown subcommand or wrong number of arguments for 'HELP'. Try DEBUG HELP.\r\n"
        );
    }

    #[test]
    fn debug_sleep_blocks() {
        let mut h = debug_harness();
        let t = std::time::Instant::now();
        assert_eq!(h.run(&["DEBUG", "SLEEP", "0.05"]), "+OK\r\n");
        assert!(t.elapsed() >= std::time::Duration::from_millis(50));
        let t = std::time::Instant::now();
        for arg in ["0", "abc", "-1", "inf", "nan", "1e400", "", "."] {
            assert_eq!(h.run(&["DEBUG", "SLEEP", arg]), "+OK\r\n", "{arg}");
        }
        assert!(t.elapsed() < std::time::Duration::from_millis(50));
        assert_eq!(
            h.run(&["DEBUG", "SLEEP"]),
            "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n"
        );
    }

    #[test]
    fn strtod_prefix() {
        assert_eq!(c_strtod(b"1.5"), 1.5);
        assert_eq!(c_strtod(b"  2x"), 2.0);
        assert_eq!(c_strtod(b".5"), 0.5);
        assert_eq!(c_strtod(b"5."), 5.0);
        assert_eq!(c_strtod(b"-3"), -3.0);
        assert_eq!(c_strtod(b"1e3"), 1000.0);
        assert_eq!(c_strtod(b"1e"), 1.0);
        assert_eq!(c_strtod(b"1e+"), 1.0);
        assert_eq!(c_strtod(b"2E-1s"), 0.2);
        assert_eq!(c_strtod(b"+"), 0.0);
        assert_eq!(c_strtod(b"abc"), 0.0);
        assert_eq!(c_strtod(b"\xff"), 0.0);
    }

    #[test]
    fn debug_object() {
        let mut h = debug_harness();
        h.now = Some(1_700_000_000_000);
        h.run(&["SET", "s", "hello"]);
        h.run(&["SET", "n", "123"]);
        h.run(&["SET", "big", "12345678901"]);
        h.run(&["SET", "neg", "-40000"]);
        h.run(&["SET", "raw", &"a".repeat(80)]);
        h.run(&["APPEND", "app", "77"]);
        let lru = (1_700_000_000i64 & 0xFF_FFFF).to_string();
        let check = |h: &mut Harness, key: &str, want: &str| {
            let r = h.run(&["DEBUG", "OBJECT", key]);
            assert!(r.starts_with("+Value at:0x"), "{r}");
            let rest = r.split_once(" refcount:").map(|x| x.1).unwrap_or("");
            assert_eq!(
                format!("refcount:{rest}"),
                format!("{want} lru:{lru} lru_seconds_idle:0\r\n"),
                "{key}"
            );
        };
        check(&mut h, "s", "refcount:1 encoding:embstr serializedlength:6");
        check(
            &mut h,
            "n",
            "refcount:2147483647 encoding:int serializedlength:2",
        );
        check(&mut h, "big", "refcount:1 encoding:int serializedlength:12");
        check(&mut h, "neg", "refcount:1 encoding:int serializedlength:5");
        check(&mut h, "raw", "refcount:1 encoding:raw serializedlength:82");
        check(
            &mut h,
            "app",
            "refcount:2147483647 encoding:int serializedlength:2",
        );
        assert_eq!(h.run(&["DEBUG", "OBJECT", "nokey"]), "-ERR no such key\r\n");
        assert_eq!(
            h.run(&["DEBUG", "OBJECT"]),
            "-ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG HELP.\r\n"
        );
        // No lazy expiry, no keyspace stats.
        h.run(&["PEXPIRE", "s", "10"]);
        h.now = Some(1_700_000_001_000);
        let hits = h.srv.ks.stats.keyspace_hits;
        let r = h.run(&["DEBUG", "OBJECT", "s"]);
        assert!(r.starts_with("+Value at:"));
        // The key's own clock: written a second ago (PEXPIRE looked it up
        // at the same time as SET).
        assert!(
            r.ends_with(&format!(" lru:{lru} lru_seconds_idle:1\r\n")),
            "{r}"
        );
        assert_eq!(h.srv.ks.stats.keyspace_hits, hits);
        // Under an LRU policy with a limit, integers are not shared.
        h.srv.config.maxmemory = 1 << 30;
        h.srv.config.maxmemory_policy = "allkeys-lru".into();
        assert!(h.run(&["DEBUG", "OBJECT", "n"]).contains(" refcount:1 "));
    }

    #[test]
    fn rdb_lengths() {
        assert_eq!(rdb_string_len(&StrValue::Int(0)), 2);
        assert_eq!(rdb_string_len(&StrValue::Int(-128)), 2);
        assert_eq!(rdb_string_len(&StrValue::Int(128)), 3);
        assert_eq!(rdb_string_len(&StrValue::Int(70_000)), 5);
        assert_eq!(rdb_string_len(&StrValue::Int(i64::MIN)), 21);
        assert_eq!(rdb_string_len(&StrValue::from_bytes_no_int(b"42")), 2);
        assert_eq!(rdb_string_len(&StrValue::from_bytes_no_int(b"042")), 4);
        assert_eq!(rdb_string_len(&StrValue::from_bytes(&[b'x'; 100])), 102);
        assert_eq!(rdb_string_len(&StrValue::from_bytes(&[b'x'; 20000])), 20005);
    }
}
