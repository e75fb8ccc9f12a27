//! Observability commands: SLOWLOG, LATENCY, MEMORY and MONITOR. The state
//! they read (slow log ring, latency events, histograms, monitor list) is
//! `Server::observe` (src/server/observe.rs), fed by `cmd::execute`.

use super::{Cmd, Ctx, flags::*};
use crate::error;
use crate::server::observe::{Histogram, LatencySeries};
use crate::types::{StrValue, Value};
use crate::util::num::{format_double, parse_i64};

pub static COMMANDS: &[Cmd] = &[
    Cmd::container("slowlog", SLOWLOG_SUBS),
    Cmd::container("latency", LATENCY_SUBS),
    Cmd::container("memory", MEMORY_SUBS),
    Cmd::new("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, monitor),
];

static SLOWLOG_SUBS: &[Cmd] = &[
    Cmd::new("get", -2, ADMIN | LOADING | STALE, slowlog_get),
    Cmd::new("len", 2, ADMIN | LOADING | STALE, slowlog_len),
    Cmd::new("reset", 2, ADMIN | LOADING | STALE, slowlog_reset),
    Cmd::new("help", 2, LOADING | STALE, slowlog_help),
];

const LAT: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

static LATENCY_SUBS: &[Cmd] = &[
    Cmd::new("latest", 2, LAT, latency_latest),
    Cmd::new("history", 3, LAT, latency_history),
    Cmd::new("reset", -2, LAT, latency_reset),
    Cmd::new("histogram", -2, LAT, latency_histogram),
    Cmd::new("graph", 3, LAT, latency_graph),
    Cmd::new("doctor", 2, LAT, latency_doctor),
    Cmd::new("help", 2, LOADING | STALE, latency_help),
];

static MEMORY_SUBS: &[Cmd] = &[
    Cmd::new("usage", -3, READONLY, memory_usage).keys(2, 2, 1),
    Cmd::new("stats", 2, 0, memory_stats),
    Cmd::new("doctor", 2, 0, memory_doctor),
    Cmd::new("malloc-stats", 2, 0, memory_malloc_stats),
    Cmd::new("purge", 2, 0, memory_purge),
    Cmd::new("help", 2, LOADING | STALE, memory_help),
];

fn help(ctx: &mut Ctx, lines: &[&str]) {
    ctx.c.reply.status_lines(lines);
}

// ---------------------------------------------------------------------------
// SLOWLOG

/// SLOWLOG GET [count]
///
/// The newest `count` entries (default 10, -1 = all), each
/// `[id, unix time, µs, [args], client addr, client name]`.
fn slowlog_get(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return ctx
            .c
            .reply
            .error(&error::unknown_subcommand_or_arity(argv[1], "slowlog"));
    }
    let len = ctx.srv.observe.slowlog.len();
    let count = match argv.get(2) {
        None => 10,
        Some(a) => match parse_i64(a) {
            Some(-1) => len,
            Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
            _ => return ctx.c.reply.error(error::SLOWLOG_BAD_COUNT),
        },
    };
    let out = &mut ctx.c.reply;
    let n = count.min(len);
    out.array(n);
    for e in ctx.srv.observe.slowlog.iter().take(n) {
        out.array(6);
        out.int(e.id as i64);
        out.int(e.time);
        out.int(e.usec as i64);
        out.array(e.argv.len());
        for a in &e.argv {
            out.bulk(a);
        }
        out.bulk(e.addr.as_bytes());
        out.bulk(&e.name);
    }
}

/// SLOWLOG LEN
fn slowlog_len(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.srv.observe.slowlog.len();
    ctx.c.reply.int(n as i64);
}

/// SLOWLOG RESET
fn slowlog_reset(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.srv.observe.slowlog.clear();
    ctx.c.reply.ok();
}

/// SLOWLOG HELP (our own words; Redis's line count).
fn slowlog_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    help(
        ctx,
        &[
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    Reply with the newest <count> slow commands (10 when omitted, -1",
            "    for all of them). Each entry holds: an id, the unix time,",
            "    the run time in microseconds, the arguments, the client's",
            "    address and the client's name.",
            "LEN",
            "    Reply with the number of entries in the slow log.",
            "RESET",
            "    Empty the slow log.",
            "HELP",
            "    Print this help.",
        ],
    );
}

// ---------------------------------------------------------------------------
// LATENCY

/// LATENCY LATEST
///
/// One `[event, unix time, latest ms, all-time max ms]` per event.
fn latency_latest(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    let events: Vec<(&String, &LatencySeries)> = ctx
        .srv
        .observe
        .events
        .iter()
        .filter(|(_, s)| !s.samples.is_empty())
        .collect();
    out.array(events.len());
    for (name, s) in events {
        let last = s.samples.back().copied().unwrap_or_default();
        out.array(4);
        out.bulk(name.as_bytes());
        out.int(last.time);
        out.int(last.ms as i64);
        out.int(s.max as i64);
    }
}

/// LATENCY HISTORY event
///
/// The event's `[unix time, ms]` samples, oldest first (empty for an
/// unknown event).
fn latency_history(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    let series = std::str::from_utf8(argv[2])
        .ok()
        .and_then(|e| ctx.srv.observe.events.get(e));
    let Some(s) = series else {
        return out.array(0);
    };
    out.array(s.samples.len());
    for sample in &s.samples {
        out.array(2);
        out.int(sample.time);
        out.int(sample.ms as i64);
    }
}

/// LATENCY RESET [event ...]
///
/// Forgets the named events (all without arguments); replies how many
/// existed.
fn latency_reset(ctx: &mut Ctx, argv: &[&[u8]]) {
    let events = &mut ctx.srv.observe.events;
    let n = if argv.len() == 2 {
        let n = events.len();
        events.clear();
        n
    } else {
        argv[2..]
            .iter()
            .filter(|e| {
                std::str::from_utf8(e)
                    .ok()
                    .and_then(|e| events.remove(e))
                    .is_some()
            })
            .count()
    };
    ctx.c.reply.int(n as i64);
}

/// Appends one command's histogram: a map of `calls` and `histogram_usec`
/// (bucket upper bound in µs -> cumulative calls).
fn reply_histogram(out: &mut crate::resp::ReplyBuf, name: &str, h: &Histogram) {
    out.bulk(name.as_bytes());
    out.map(2);
    out.bulk_str("calls");
    out.int(h.calls as i64);
    out.bulk_str("histogram_usec");
    let buckets = h.cumulative();
    out.map(buckets.len());
    for (bound, count) in buckets {
        out.int(bound as i64);
        out.int(count as i64);
    }
}

/// LATENCY HISTOGRAM [command ...]
///
/// A map from command name to its latency histogram, for the named commands
/// (a container name covers its subcommands; `config|get` names one) or,
/// without arguments, every command that ran. Unknown names and commands
/// without calls are left out.
fn latency_histogram(ctx: &mut Ctx, argv: &[&[u8]]) {
    let table = super::table();
    let mut picked: Vec<(String, Histogram)> = Vec::new();
    if argv.len() == 2 {
        picked = ctx.srv.observe.histograms();
    } else {
        for name in &argv[2..] {
            let (row, sub) = match name.iter().position(|&b| b == b'|') {
                Some(bar) => (table.lookup(&name[..bar]), Some(&name[bar + 1..])),
                None => (table.lookup(name), None),
            };
            let Some(row) = row else { continue };
            let rows: Vec<&'static Cmd> = match sub {
                Some(s) => row.find_sub(s).into_iter().collect(),
                None => std::iter::once(row).chain(row.subs.iter()).collect(),
            };
            for r in rows {
                if let Some(h) = ctx.srv.observe.histogram(r) {
                    picked.push((table.fullname(r).to_string(), *h));
                }
            }
        }
    }
    let out = &mut ctx.c.reply;
    out.map(picked.len());
    for (name, h) in &picked {
        reply_histogram(out, name, h);
    }
}

/// Height of the LATENCY GRAPH plot, in rows.
const GRAPH_ROWS: usize = 4;
/// Width of the LATENCY GRAPH rule.
const GRAPH_WIDTH: usize = 80;

/// "12s", "3m", "2h", "1d": how long ago a sample was, for graph labels.
fn ago_label(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// LATENCY GRAPH event
///
/// A text plot of the event's samples: a header with the high and low of
/// the samples and the all-time high, a rule, then one column per sample
/// (taller = slower) with how long ago it was written vertically below.
fn latency_graph(ctx: &mut Ctx, argv: &[&[u8]]) {
    let series = std::str::from_utf8(argv[2])
        .ok()
        .and_then(|e| ctx.srv.observe.events.get(e).map(|s| (e, s)));
    let Some((event, s)) = series.filter(|(_, s)| !s.samples.is_empty()) else {
        return ctx.c.reply.error(&error::latency_no_samples(argv[2]));
    };
    let high = s.samples.iter().map(|x| x.ms).max().unwrap_or(0);
    let low = s.samples.iter().map(|x| x.ms).min().unwrap_or(0);
    let mut text = format!(
        "{event} - high {high} ms, low {low} ms (all time high {} ms)\n{}\n",
        s.max,
        "-".repeat(GRAPH_WIDTH)
    );
    let now = ctx.now / 1000;
    // Level 1..=GRAPH_ROWS*2 per sample: two steps per row ('_' then '#').
    let steps = (GRAPH_ROWS * 2) as u64;
    let levels: Vec<u64> = s
        .samples
        .iter()
        .map(|x| {
            if high == low {
                1
            } else {
                1 + (x.ms - low) * (steps - 1) / (high - low)
            }
        })
        .collect();
    for row in (0..GRAPH_ROWS as u64).rev() {
        for &lv in &levels {
            let ch = if lv > row * 2 + 1 {
                '#'
            } else if lv > row * 2 {
                '_'
            } else {
                ' '
            };
            text.push(ch);
        }
        text.push('\n');
    }
    let labels: Vec<Vec<u8>> = s
        .samples
        .iter()
        .map(|x| ago_label(now - x.time).into_bytes())
        .collect();
    let depth = labels.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..depth {
        for l in &labels {
            text.push(l.get(i).map_or(' ', |&b| b as char));
        }
        text.push('\n');
    }
    ctx.c.reply.verbatim(text.as_bytes(), b"txt");
}

/// LATENCY DOCTOR
///
/// A short human-readable report on the latency events.
fn latency_doctor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let threshold = ctx.srv.config.latency_monitor_threshold;
    let mut text = String::new();
    if threshold == 0 {
        text.push_str(
            "Latency monitoring is off, so there is nothing to analyse. Turn it on with \
             \"CONFIG SET latency-monitor-threshold <milliseconds>\" and ask again later.\n",
        );
    } else if ctx.srv.observe.events.is_empty() {
        text.push_str(&format!(
            "No latency event above {threshold} ms has been recorded since the monitor was \
             turned on (or last reset). All is well.\n"
        ));
    } else {
        text.push_str("Latency events recorded:\n\n");
        for (i, (name, s)) in ctx.srv.observe.events.iter().enumerate() {
            let n = s.samples.len().max(1) as u64;
            let avg = s.samples.iter().map(|x| x.ms).sum::<u64>() / n;
            let _ = std::fmt::Write::write_fmt(
                &mut text,
                format_args!(
                    "{}. {name}: {} spikes, average {avg} ms, worst ever {} ms.\n",
                    i + 1,
                    s.samples.len(),
                    s.max
                ),
            );
        }
        text.push_str("\nSuggestions:\n\n");
        if ctx.srv.observe.events.contains_key("command")
            || ctx.srv.observe.events.contains_key("fast-command")
        {
            text.push_str(
                "- Slow commands were seen: SLOWLOG GET lists them with their arguments.\n\
                 - Commands over big values (KEYS, SMEMBERS, HGETALL, LRANGE 0 -1, DEL of \
                 large keys) block the server for their whole run; prefer SCAN-style \
                 iteration and smaller values.\n",
            );
        }
        let slower_than = ctx.srv.config.slowlog_log_slower_than;
        if slower_than < 0 || slower_than as u64 > threshold * 1000 {
            let _ = std::fmt::Write::write_fmt(
                &mut text,
                format_args!(
                    "- The slow log records fewer commands than the latency monitor sees: \
                     consider CONFIG SET slowlog-log-slower-than {}.\n",
                    threshold * 1000
                ),
            );
        }
    }
    ctx.c.reply.verbatim(text.as_bytes(), b"txt");
}

/// LATENCY HELP (our own words; Redis's line count).
fn latency_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    help(
        ctx,
        &[
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Reply with a report on the latency spikes seen, in plain words.",
            "GRAPH <event>",
            "    Reply with a text chart of the spikes recorded for <event>.",
            "HISTORY <event>",
            "    Reply with the (time, latency) samples recorded for <event>.",
            "LATEST",
            "    Reply with the newest sample of every event.",
            "RESET [<event> ...]",
            "    Forget the samples of the given events,",
            "    or of every event when none is named.",
            "HISTOGRAM [COMMAND ...]",
            "    Reply with per-command latency histograms (cumulative counts per bucket).",
            "    Without command names, the histograms of every command that ran.",
            "HELP",
            "    Print this help.",
        ],
    );
}

/// INFO latencystats body: `latency_percentiles_usec_<cmd>:p50=..,p99=..`
/// for every command with a histogram, percentiles from
/// `latency-tracking-info-percentiles`.
pub fn info_latencystats(srv: &crate::server::Server, out: &mut String) {
    let pcts: Vec<f64> = srv
        .config
        .value_of("latency-tracking-info-percentiles")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    for (name, h) in srv.observe.histograms() {
        out.push_str("latency_percentiles_usec_");
        out.push_str(&name);
        out.push(':');
        for (i, p) in pcts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let mut label = Vec::new();
            format_double(*p, &mut label);
            out.push('p');
            out.push_str(&String::from_utf8_lossy(&label));
            out.push_str(&format!("={:.3}", h.percentile(*p)));
        }
        out.push_str("\r\n");
    }
}

// ---------------------------------------------------------------------------
// MEMORY

/// What one heap allocation of `n` bytes costs, rounded up to the size
/// classes of a typical malloc (16-byte steps, then powers of two).
fn alloc_size(n: u64) -> u64 {
    if n == 0 {
        0
    } else if n <= 128 {
        n.div_ceil(16) * 16
    } else {
        n.next_power_of_two()
    }
}

/// A Redis-style object header (type, encoding, LRU, refcount, pointer).
const OBJ_HEADER: u64 = 16;
/// One hash table entry (key pointer, value pointer, next pointer).
const TABLE_ENTRY: u64 = 24;
/// Assumed average size of one element of an aggregate (member, field or
/// value) when it is not measured: a short string.
const ELEM_GUESS: u64 = 16;

/// The bytes a key and its value use: exact for the keyspace entry (one
/// allocation holding header, value and key, in its jemalloc size class,
/// plus its table slot) and for strings; estimated from the encoding and
/// element count for aggregates.
fn usage_estimate(key: &[u8], v: &Value) -> u64 {
    let entry = crate::db::dict::Entry::<Value>::alloc_size(key.len());
    let key_cost = (crate::alloc::size_class(entry) + std::mem::size_of::<usize>()) as u64;
    let n = |len: usize| len as u64;
    let value_cost = match v {
        Value::Str(s) => match s {
            StrValue::Int(_) | StrValue::Inline { .. } => 0,
            StrValue::Emb(b) => crate::alloc::size_class(b.len()) as u64,
            StrValue::Raw(b) => crate::alloc::size_class(b.capacity()) as u64,
        },
        Value::List(l) => match l.encoding_name() {
            "listpack" => OBJ_HEADER + alloc_size(7 + n(l.len()) * (ELEM_GUESS + 2)),
            // Quicklist: a node per 8 KB listpack.
            _ => {
                let bytes = n(l.len()) * (ELEM_GUESS + 2);
                let nodes = bytes.div_ceil(8192).max(1);
                OBJ_HEADER + 40 + nodes * (32 + alloc_size(8192.min(bytes)))
            }
        },
        Value::Hash(h) => aggregate_cost(h.encoding_name(), n(h.len()), 2),
        Value::Set(s) => match s.encoding_name() {
            "intset" => OBJ_HEADER + alloc_size(8 + n(s.len()) * 8),
            enc => aggregate_cost(enc, n(s.len()), 1),
        },
        Value::ZSet(z) => match z.encoding_name() {
            "skiplist" => {
                // Table entry + skip list node (score, backward, ~1.33 levels).
                let node = 8 + 8 + 8 + 16 * 4 / 3;
                OBJ_HEADER + 64 + n(z.len()) * (TABLE_ENTRY + node + alloc_size(ELEM_GUESS + 4))
            }
            enc => aggregate_cost(enc, n(z.len()), 2),
        },
        Value::Stream(st) => OBJ_HEADER + st.heap_bytes() as u64,
    };
    key_cost + value_cost
}

/// A listpack or hash table of `len` entries of `parts` strings each.
fn aggregate_cost(encoding: &str, len: u64, parts: u64) -> u64 {
    if encoding == "listpack" {
        OBJ_HEADER + alloc_size(7 + len * parts * (ELEM_GUESS + 2))
    } else {
        let buckets = len.next_power_of_two().max(4) * 8;
        OBJ_HEADER + 56 + buckets + len * (TABLE_ENTRY + parts * alloc_size(ELEM_GUESS + 4))
    }
}

/// MEMORY USAGE key [SAMPLES count]
///
/// An estimate of the bytes the key and its value use (nil for a missing
/// key). SAMPLES is checked like Redis but the estimate does not sample
/// elements: it assumes short ones.
fn memory_usage(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut i = 3;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"samples") && i + 1 < argv.len() {
            let Some(n) = parse_i64(argv[i + 1]) else {
                return ctx.c.reply.error(error::NOT_INTEGER);
            };
            if n < 0 {
                return ctx.c.reply.error(error::SYNTAX);
            }
            i += 2;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }
    let key = argv[2];
    match ctx.srv.ks.lookup_read_notouch(ctx.c.db, key, ctx.now) {
        Some(v) => {
            let n = usage_estimate(key, v);
            ctx.c.reply.int(n as i64);
        }
        None => ctx.c.reply.null(),
    }
}

/// MEMORY STATS
///
/// Redis's field list; allocator figures come from jemalloc's statistics,
/// and scripting caches are empty.
fn memory_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let srv = &mut *ctx.srv;
    let used = srv.update_memory_peak();
    let peak = srv.mem_peak;
    let startup = srv.mem_startup;
    let rss = crate::server::rss_memory();
    let a = super::server::allocator_figures(used, rss);
    let c = &*ctx.c;
    let clients: u64 = srv
        .other_clients()
        .chain(std::iter::once(c))
        .map(|cl| (cl.query.data.len() + cl.reply.buf.capacity()) as u64)
        .sum();
    let dbs: Vec<(usize, u64, u64)> = srv
        .ks
        .dbs
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.is_empty() || !d.expires.is_empty())
        .map(|(i, d)| {
            (
                i,
                d.main.memory_overhead() as u64,
                d.expires.memory_overhead() as u64,
            )
        })
        .collect();
    let tables: u64 = dbs.iter().map(|(_, m, e)| m + e).sum();
    let overhead = startup + clients + tables;
    let keys: u64 = srv.ks.dbs.iter().map(|d| d.len() as u64).sum();
    let net = used.saturating_sub(startup);
    let dataset = used.saturating_sub(overhead);
    let pct = |a: u64, b: u64| {
        if b == 0 {
            0.0
        } else {
            a as f64 * 100.0 / b as f64
        }
    };
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let out = &mut ctx.c.reply;
    out.map(27 + dbs.len());
    let int = |out: &mut crate::resp::ReplyBuf, k: &str, v: i64| {
        out.bulk_str(k);
        out.int(v);
    };
    let dbl = |out: &mut crate::resp::ReplyBuf, k: &str, v: f64| {
        out.bulk_str(k);
        out.double(v);
    };
    int(out, "peak.allocated", peak as i64);
    int(out, "total.allocated", used as i64);
    int(out, "startup.allocated", startup as i64);
    int(out, "replication.backlog", 0);
    int(out, "clients.slaves", 0);
    int(out, "clients.normal", clients as i64);
    int(out, "cluster.links", 0);
    int(out, "aof.buffer", 0);
    int(out, "lua.caches", 0);
    int(out, "functions.caches", 0);
    for (i, main, expires) in &dbs {
        out.bulk_str(&format!("db.{i}"));
        out.map(3);
        int(out, "overhead.hashtable.main", *main as i64);
        int(out, "overhead.hashtable.expires", *expires as i64);
        int(out, "overhead.hashtable.slot-to-keys", 0);
    }
    int(out, "overhead.total", overhead as i64);
    int(out, "keys.count", keys as i64);
    int(
        out,
        "keys.bytes-per-key",
        net.checked_div(keys).unwrap_or(0) as i64,
    );
    int(out, "dataset.bytes", dataset as i64);
    dbl(out, "dataset.percentage", pct(dataset, net));
    dbl(out, "peak.percentage", pct(used, peak));
    let diff = |x: u64, y: u64| x as i64 - y as i64;
    int(out, "allocator.allocated", a.allocated as i64);
    int(out, "allocator.active", a.active as i64);
    int(out, "allocator.resident", a.resident as i64);
    dbl(
        out,
        "allocator-fragmentation.ratio",
        ratio(a.active, a.allocated),
    );
    int(
        out,
        "allocator-fragmentation.bytes",
        diff(a.active, a.allocated),
    );
    dbl(out, "allocator-rss.ratio", ratio(a.resident, a.active));
    int(out, "allocator-rss.bytes", diff(a.resident, a.active));
    dbl(out, "rss-overhead.ratio", ratio(rss, a.resident));
    int(out, "rss-overhead.bytes", diff(rss, a.resident));
    dbl(out, "fragmentation", ratio(rss, used));
    int(out, "fragmentation.bytes", rss as i64 - used as i64);
}

/// Below this much memory in use, MEMORY DOCTOR has nothing to say (Redis
/// uses the same 5 MB floor).
const DOCTOR_MIN_BYTES: u64 = 5 * 1024 * 1024;

/// MEMORY DOCTOR
///
/// A short report on memory: fragmentation and peak versus current use.
fn memory_doctor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let used = ctx.srv.update_memory_peak();
    let peak = ctx.srv.mem_peak;
    let rss = crate::server::rss_memory();
    let mut text = String::new();
    if used < DOCTOR_MIN_BYTES {
        text.push_str(
            "This instance holds too little data for a memory diagnosis to mean anything. \
             Ask again once it stores a few megabytes.\n",
        );
    } else {
        let mut issues = Vec::new();
        if peak > used.saturating_mul(3) / 2 {
            issues.push(format!(
                "- Peak memory ({peak} bytes) is well above current use ({used} bytes): \
                 memory freed since the peak may not be returned to the system yet."
            ));
        }
        if rss > used.saturating_mul(14) / 10 && rss - used > 10 * 1024 * 1024 {
            issues.push(format!(
                "- The resident size ({rss} bytes) is much larger than the data ({used} \
                 bytes): memory is fragmented. Restarting the server compacts it."
            ));
        }
        if issues.is_empty() {
            text.push_str("No memory problem detected.\n");
        } else {
            text.push_str("Memory report:\n\n");
            for i in issues {
                text.push_str(&i);
                text.push('\n');
            }
        }
    }
    ctx.c.reply.verbatim(text.as_bytes(), b"txt");
}

/// MEMORY MALLOC-STATS
///
/// jemalloc's own statistics report.
fn memory_malloc_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let report = crate::alloc::stats_report();
    ctx.c.reply.bulk(report.as_bytes());
}

/// MEMORY PURGE
///
/// Returns the allocator's dirty pages to the system.
fn memory_purge(ctx: &mut Ctx, _argv: &[&[u8]]) {
    crate::alloc::purge();
    ctx.c.reply.ok();
}

/// MEMORY HELP (our own words; Redis's line count).
fn memory_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    help(
        ctx,
        &[
            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Reply with advice on the memory use seen, in plain words.",
            "MALLOC-STATS",
            "    Reply with the allocator's own statistics report.",
            "PURGE",
            "    Ask the allocator to hand unused pages back to the system.",
            "STATS",
            "    Reply with a breakdown of the server's memory use.",
            "USAGE <key> [SAMPLES <count>]",
            "    Reply with the bytes <key> and its value take. For aggregates,",
            "    <count> elements are sampled (5 when omitted, 0 for all of them).",
            "HELP",
            "    Print this help.",
        ],
    );
}

// ---------------------------------------------------------------------------
// MONITOR

/// MONITOR
///
/// Every command any client runs from now on is sent to this client as a
/// status line. A second MONITOR from a monitoring client gets no reply,
/// like Redis.
fn monitor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.srv.observe.is_monitor(ctx.c.token) {
        return;
    }
    ctx.srv.observe.monitors.push(ctx.c.token);
    ctx.c.monitor = true;
    ctx.c.reply.ok();
}

#[cfg(test)]
mod tests {
    use crate::server::observe::{LatencySample, SlowEntry};
    use crate::testing::Harness;

    const NOW: i64 = 1_700_000_000_123;

    fn harness() -> Harness {
        let mut h = Harness::new();
        h.now = Some(NOW);
        h
    }

    /// Replaces the duration of every slow log entry by 7 µs so replies are
    /// deterministic.
    fn pin_durations(h: &mut Harness) {
        for e in h.srv.observe.slowlog.iter_mut() {
            e.usec = 7;
        }
    }

    #[test]
    fn slowlog_errors_and_help() {
        let mut h = harness();
        assert_eq!(
            h.run(&["SLOWLOG"]),
            "-ERR wrong number of arguments for 'slowlog' command\r\n"
        );
        assert_eq!(
            h.run(&["SLOWLOG", "nosuch"]),
            "-ERR unknown subcommand 'nosuch'. Try SLOWLOG HELP.\r\n"
        );
        assert_eq!(
            h.run(&["SLOWLOG", "LEN", "x"]),
            "-ERR wrong number of arguments for 'slowlog|len' command\r\n"
        );
        assert_eq!(
            h.run(&["SLOWLOG", "RESET", "x"]),
            "-ERR wrong number of arguments for 'slowlog|reset' command\r\n"
        );
        for bad in ["-2", "abc", "99999999999999999999"] {
            assert_eq!(
                h.run(&["SLOWLOG", "GET", bad]),
                "-ERR count should be greater than or equal to -1\r\n"
            );
        }
        assert_eq!(
            h.run(&["SLOWLOG", "GET", "1", "2"]),
            "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n"
        );
        let help = h.run(&["SLOWLOG", "HELP"]);
        assert!(help.starts_with(
            "*12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
        ));
        assert!(help.ends_with("+HELP\r\n+    Print this help.\r\n"));
    }

    #[test]
    fn slowlog_records_entries() {
        let mut h = harness();
        // Default threshold (10 ms): a quick command is not logged.
        h.run(&["SET", "a", "b"]);
        assert_eq!(h.run(&["SLOWLOG", "LEN"]), ":0\r\n");
        h.run(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        h.run(&["SLOWLOG", "RESET"]);
        h.run(&["CLIENT", "SETNAME", "me"]);
        h.run(&["SET", "foo", "bar"]);
        assert_eq!(h.run(&["SLOWLOG", "LEN"]), ":3\r\n");
        pin_durations(&mut h);
        assert_eq!(
            h.run(&["SLOWLOG", "GET", "2"]),
            "*2\r\n\
             *6\r\n:4\r\n:1700000000\r\n:7\r\n*2\r\n$7\r\nSLOWLOG\r\n$3\r\nLEN\r\n\
             $11\r\n127.0.0.1:1\r\n$2\r\nme\r\n\
             *6\r\n:3\r\n:1700000000\r\n:7\r\n*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n\
             $11\r\n127.0.0.1:1\r\n$2\r\nme\r\n"
        );
        assert_eq!(h.run(&["SLOWLOG", "GET", "0"]), "*0\r\n");
        let all = h.run(&["SLOWLOG", "GET", "-1"]);
        assert!(all.starts_with("*6\r\n"), "{all}");
        // Max length trims on the next entry; a negative threshold stops
        // logging.
        h.run(&["CONFIG", "SET", "slowlog-max-len", "2"]);
        assert_eq!(h.run(&["SLOWLOG", "LEN"]), ":2\r\n");
        h.run(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]);
        h.run(&["SLOWLOG", "RESET"]);
        h.run(&["SET", "x", "y"]);
        assert_eq!(h.run(&["SLOWLOG", "LEN"]), ":0\r\n");
        assert_eq!(h.run(&["SLOWLOG", "GET"]), "*0\r\n");
    }

    #[test]
    fn slowlog_redacts_and_caps() {
        let mut h = harness();
        h.run(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        h.run(&["AUTH", "u", "p"]);
        let args: Vec<String> = (0..40).map(|i| i.to_string()).collect();
        let mut argv = vec!["RPUSH", "l"];
        argv.extend(args.iter().map(String::as_str));
        h.run(&argv);
        let e: &SlowEntry = &h.srv.observe.slowlog[0];
        assert_eq!(e.argv.len(), 32);
        assert_eq!(e.argv[31], b"... (11 more arguments)".to_vec());
        let e = &h.srv.observe.slowlog[1];
        assert_eq!(
            e.argv,
            vec![
                b"AUTH".to_vec(),
                b"(redacted)".to_vec(),
                b"(redacted)".to_vec()
            ]
        );
    }

    /// ACL SETUSER's user and rules (refused ones too) and sensitive CONFIG
    /// SET values are secrets in the slow log.
    #[test]
    fn slowlog_redacts_acl_setuser_and_sensitive_configs() {
        let mut h = harness();
        h.run(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        h.run(&["ACL", "SETUSER", "bad user", "+get"]);
        h.run(&["CONFIG", "SET", "maxmemory", "0", "masterauth", "s3cret"]);
        let shown = |h: &crate::testing::Harness, i: usize| {
            h.srv.observe.slowlog[i]
                .argv
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(shown(&h, 0), "CONFIG SET maxmemory 0 masterauth (redacted)");
        assert_eq!(shown(&h, 1), "ACL SETUSER (redacted) (redacted)");
    }

    #[test]
    fn latency_commands() {
        let mut h = harness();
        assert_eq!(h.run(&["LATENCY", "LATEST"]), "*0\r\n");
        assert_eq!(h.run(&["LATENCY", "HISTORY", "command"]), "*0\r\n");
        assert_eq!(h.run(&["LATENCY", "RESET"]), ":0\r\n");
        assert_eq!(
            h.run(&["LATENCY", "GRAPH", "command"]),
            "-ERR No samples available for event 'command'\r\n"
        );
        assert_eq!(
            h.run(&["LATENCY", "LATEST", "x"]),
            "-ERR wrong number of arguments for 'latency|latest' command\r\n"
        );
        assert_eq!(
            h.run(&["LATENCY", "nosuch"]),
            "-ERR unknown subcommand 'nosuch'. Try LATENCY HELP.\r\n"
        );
        assert!(h.run(&["LATENCY", "HELP"]).starts_with("*17\r\n"));
        // Samples: same second keeps the worst, a new second appends.
        let obs = &mut h.srv.observe;
        obs.add_latency_sample("command", 100, 20);
        obs.add_latency_sample("command", 100, 10);
        obs.add_latency_sample("command", 101, 5);
        assert_eq!(
            obs.events["command"]
                .samples
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![
                LatencySample { time: 100, ms: 20 },
                LatencySample { time: 101, ms: 5 }
            ]
        );
        assert_eq!(
            h.run(&["LATENCY", "LATEST"]),
            "*1\r\n*4\r\n$7\r\ncommand\r\n:101\r\n:5\r\n:20\r\n"
        );
        assert_eq!(
            h.run(&["LATENCY", "HISTORY", "command"]),
            "*2\r\n*2\r\n:100\r\n:20\r\n*2\r\n:101\r\n:5\r\n"
        );
        let graph = h.run(&["LATENCY", "GRAPH", "command"]);
        assert!(
            graph.contains("command - high 20 ms, low 5 ms (all time high 20 ms)\n"),
            "{graph}"
        );
        assert_eq!(
            h.run(&["LATENCY", "RESET", "command", "nosuch", "command"]),
            ":1\r\n"
        );
        assert_eq!(h.run(&["LATENCY", "LATEST"]), "*0\r\n");
        // The monitor: a threshold of 1 ms never sees a quick SET.
        h.run(&["CONFIG", "SET", "latency-monitor-threshold", "1"]);
        h.run(&["SET", "a", "b"]);
        assert!(h.srv.observe.events.is_empty());
    }

    #[test]
    fn latency_histogram_shapes() {
        let mut h = harness();
        h.run(&["CONFIG", "RESETSTAT"]);
        assert_eq!(h.run(&["LATENCY", "HISTOGRAM", "set"]), "*0\r\n");
        h.run(&["SET", "a", "b"]);
        h.run(&["CONFIG", "GET", "port"]);
        let set = h.run(&["LATENCY", "HISTOGRAM", "set", "nosuch"]);
        assert!(
            set.starts_with(
                "*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n*2\r\n:"
            ),
            "{set}"
        );
        let cfg = h.run(&["LATENCY", "HISTOGRAM", "config"]);
        // The container covers its subcommands that ran (RESETSTAT too).
        assert!(cfg.starts_with("*4\r\n"), "{cfg}");
        assert!(cfg.contains("$10\r\nconfig|get\r\n"), "{cfg}");
        assert!(cfg.contains("$16\r\nconfig|resetstat\r\n"), "{cfg}");
        let one = h.run(&["LATENCY", "HISTOGRAM", "config|get"]);
        assert!(one.starts_with("*2\r\n$10\r\nconfig|get\r\n"), "{one}");
        h.run(&["HELLO", "3"]);
        let r3 = h.run(&["LATENCY", "HISTOGRAM", "set"]);
        assert!(
            r3.starts_with(
                "%1\r\n$3\r\nset\r\n%2\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n%1\r\n:"
            ),
            "{r3}"
        );
        // INFO latencystats from the same histograms.
        let info = h.run(&["INFO", "latencystats"]);
        assert!(
            info.contains("\r\nlatency_percentiles_usec_set:p50="),
            "{info}"
        );
        assert!(info.contains(",p99=") && info.contains(",p99.9="), "{info}");
        h.run(&["CONFIG", "RESETSTAT"]);
        assert_eq!(h.run(&["LATENCY", "HISTOGRAM", "set"]), "%0\r\n");
    }

    #[test]
    fn memory_commands() {
        let mut h = harness();
        assert_eq!(h.run(&["MEMORY", "USAGE", "nosuch"]), "$-1\r\n");
        assert_eq!(
            h.run(&["MEMORY", "USAGE", "nosuch", "SAMPLES", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        for bad in [
            &["MEMORY", "USAGE", "k", "SAMPLES", "-1"][..],
            &["MEMORY", "USAGE", "k", "SAMPLES"],
            &["MEMORY", "USAGE", "k", "SAMPLESX", "5"],
            &["MEMORY", "USAGE", "k", "SAMPLES", "5", "x"],
        ] {
            assert_eq!(h.run(bad), "-ERR syntax error\r\n", "{bad:?}");
        }
        assert_eq!(
            h.run(&["MEMORY", "USAGE"]),
            "-ERR wrong number of arguments for 'memory|usage' command\r\n"
        );
        h.run(&["SET", "k", "v"]);
        h.run(&["SET", "n", "12345"]);
        h.run(&["SET", "big", &"x".repeat(1000)]);
        let usage = |h: &mut Harness, k: &str| -> u64 {
            let r = h.run(&["MEMORY", "USAGE", k, "SAMPLES", "0"]);
            r.trim_start_matches(':')
                .trim_end()
                .parse()
                .expect("integer")
        };
        let small = usage(&mut h, "k");
        let int = usage(&mut h, "n");
        let big = usage(&mut h, "big");
        assert!(small > 0 && int > 0 && big > 1000, "{small} {int} {big}");
        h.run(&["RPUSH", "l", "a", "b", "c"]);
        assert!(usage(&mut h, "l") > 0);
        assert_eq!(h.run(&["MEMORY", "PURGE"]), "+OK\r\n");
        let report = h.run(&["MEMORY", "MALLOC-STATS"]);
        assert!(report.contains("Begin jemalloc statistics"), "{report}");
        let stats = h.run(&["MEMORY", "STATS"]);
        assert!(
            stats.starts_with("*56\r\n$14\r\npeak.allocated\r\n:"),
            "{stats}"
        );
        assert!(stats.contains("$4\r\ndb.0\r\n*6\r\n$23\r\noverhead.hashtable.main\r\n"));
        assert!(h.run(&["MEMORY", "DOCTOR"]).starts_with('$'));
        assert!(h.run(&["MEMORY", "HELP"]).starts_with("*14\r\n"));
        h.run(&["HELLO", "3"]);
        assert_eq!(h.run(&["MEMORY", "USAGE", "nosuch"]), "_\r\n");
        assert!(h.run(&["MEMORY", "STATS"]).starts_with("%28\r\n"));
        assert!(h.run(&["MEMORY", "DOCTOR"]).starts_with('='));
    }

    #[test]
    fn monitor_registers_and_resets() {
        let mut h = harness();
        assert_eq!(h.run(&["MONITOR"]), "+OK\r\n");
        assert_eq!(h.srv.observe.monitors, vec![h.c.token]);
        // A second MONITOR is silent; the client sees its own commands.
        assert_eq!(h.run(&["MONITOR"]), "");
        assert_eq!(
            h.run(&["GET", "k"]),
            "-ERR Replica can't interact with the keyspace\r\n"
        );
        let ping = h.run(&["PING"]);
        assert!(ping.starts_with("+PONG\r\n+"), "{ping}");
        assert!(ping.ends_with(" [0 127.0.0.1:1] \"PING\"\r\n"), "{ping}");
        assert_eq!(h.run(&["RESET"]), "+RESET\r\n");
        assert!(h.srv.observe.monitors.is_empty());
        assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");
        assert_eq!(
            h.run(&["MONITOR", "x"]),
            "-ERR wrong number of arguments for 'monitor' command\r\n"
        );
    }
}
