//! Observability state kept by the server: the slow log, latency events
//! (LATENCY LATEST/HISTORY), per-command latency histograms (LATENCY
//! HISTOGRAM, INFO latencystats) and the clients in MONITOR mode.
//!
//! `after_call` is run by `cmd::execute` after every handler; `feed_monitors`
//! only when some client is monitoring. Rendering lives in `cmd::ops`.

use super::Server;
use crate::client::Client;
use crate::cmd::{Cmd, flags};
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;

/// Arguments kept per slow log entry (Redis SLOWLOG_ENTRY_MAX_ARGC).
pub const SLOWLOG_MAX_ARGC: usize = 32;
/// Bytes kept per argument (Redis SLOWLOG_ENTRY_MAX_STRING).
pub const SLOWLOG_MAX_STRING: usize = 128;
/// Samples kept per latency event (Redis LATENCY_TS_LEN).
pub const LATENCY_TS_LEN: usize = 160;
/// Histogram buckets: bucket `i` holds durations up to about 2^(10+i) ns,
/// from 1 µs to 1 s (Redis tracks 1 ns .. 1 s).
pub const HIST_BUCKETS: usize = 21;
/// Longest duration a histogram records, in ns (Redis: 1 s).
const HIST_MAX_NS: u64 = 1_000_000_000;
/// What the redacted arguments of AUTH and HELLO AUTH become.
pub const REDACTED: &[u8] = b"(redacted)";

/// One slow log entry.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    pub id: u64,
    /// Unix time in seconds when the command finished.
    pub time: i64,
    /// Handler duration in microseconds.
    pub usec: u64,
    /// The arguments, already capped (count and length) like Redis.
    pub argv: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

/// One latency sample: the worst latency seen in one second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LatencySample {
    /// Unix time in seconds.
    pub time: i64,
    /// Milliseconds.
    pub ms: u64,
}

/// The samples of one latency event, oldest first, and its all-time max.
#[derive(Debug, Clone, Default)]
pub struct LatencySeries {
    pub samples: VecDeque<LatencySample>,
    pub max: u64,
}

/// A per-command latency histogram on powers of two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Histogram {
    pub calls: u64,
    pub buckets: [u64; HIST_BUCKETS],
}

/// Highest duration in ns that bucket `i` holds: 2^k plus the rounding
/// slack of a two-significant-digit HDR histogram (2^(k-7) - 1), so the
/// reported bounds read like Redis's (1, 2, 4, 8, 16, 33, 66, ... µs).
pub fn bucket_upper_ns(i: usize) -> u64 {
    let k = 10 + i as u32;
    (1u64 << k) + (1u64 << (k - 7)) - 1
}

/// Lowest duration in ns that bucket `i` holds.
pub fn bucket_lower_ns(i: usize) -> u64 {
    if i == 0 {
        1
    } else {
        bucket_upper_ns(i - 1) + 1
    }
}

/// The bucket of a duration in microseconds.
pub fn bucket_of(usec: u64) -> usize {
    // Nearly every command takes under 2 µs: bucket 0, no arithmetic.
    if usec < 2 {
        return 0;
    }
    let ns = usec.saturating_mul(1000).clamp(1, HIST_MAX_NS);
    // Smallest k with 2^k >= ns, then one lower if the slack covers ns.
    let mut k = 64 - (ns - 1).leading_zeros();
    if k > 10 && ns <= bucket_upper_ns((k - 11) as usize) {
        k -= 1;
    }
    (k.max(10) as usize - 10).min(HIST_BUCKETS - 1)
}

impl Histogram {
    pub fn record(&mut self, usec: u64) {
        self.calls += 1;
        self.buckets[bucket_of(usec)] += 1;
    }

    /// (bucket upper bound in µs, cumulative count) for every non-empty
    /// bucket, as LATENCY HISTOGRAM lists them.
    pub fn cumulative(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut total = 0;
        for (i, &n) in self.buckets.iter().enumerate() {
            if n > 0 {
                total += n;
                out.push((bucket_upper_ns(i) / 1000, total));
            }
        }
        out
    }

    /// The duration in µs under which `pct` percent of the calls fall
    /// (the upper bound of the bucket reaching that share; 0 gives the
    /// lower bound of the first non-empty bucket).
    pub fn percentile(&self, pct: f64) -> f64 {
        if self.calls == 0 {
            return 0.0;
        }
        let first = self.buckets.iter().position(|&n| n > 0).unwrap_or(0);
        if pct <= 0.0 {
            return bucket_lower_ns(first) as f64 / 1000.0;
        }
        let want = ((pct.min(100.0) / 100.0) * self.calls as f64)
            .round()
            .max(1.0) as u64;
        let mut seen = 0;
        for (i, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= want {
                return bucket_upper_ns(i) as f64 / 1000.0;
            }
        }
        bucket_upper_ns(HIST_BUCKETS - 1) as f64 / 1000.0
    }
}

/// Everything the observability commands read.
#[derive(Default)]
pub struct Observe {
    /// Newest entry first.
    pub slowlog: VecDeque<SlowEntry>,
    pub slowlog_next_id: u64,
    /// Latency events by name ("command", "fast-command").
    pub events: BTreeMap<String, LatencySeries>,
    /// Histograms by the command table's dense row index (like
    /// CommandStats); a histogram with no calls is absent.
    hist: Vec<Histogram>,
    /// Slab tokens of the clients in MONITOR mode, in the order they started.
    pub monitors: Vec<usize>,
}

impl Observe {
    /// Counts one call in the command's histogram (a row outside the
    /// command table has none). The row determines its container, so
    /// `_parent` is not needed here.
    #[inline]
    pub fn record_histogram(&mut self, row: Option<usize>, usec: u64) {
        let Some(i) = row else {
            return;
        };
        if i >= self.hist.len() {
            self.grow(crate::cmd::table().rows());
        }
        if let Some(h) = self.hist.get_mut(i) {
            h.record(usec);
        }
    }

    /// First use after start-up or a reset: one histogram per table row.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, rows: usize) {
        self.hist.resize(rows, Histogram::default());
    }

    /// The histogram of a command row, if it ran since the last reset.
    pub fn histogram(&self, cmd: &'static Cmd) -> Option<&Histogram> {
        let i = crate::cmd::table().index_of(cmd)?;
        self.hist.get(i).filter(|h| h.calls > 0)
    }

    /// (full name, histogram) for every command with calls, sorted by name.
    pub fn histograms(&self) -> Vec<(String, Histogram)> {
        let table = crate::cmd::table();
        let mut v: Vec<(String, Histogram)> = self
            .hist
            .iter()
            .enumerate()
            .filter(|(_, h)| h.calls > 0)
            .filter_map(|(i, h)| Some((table.fullname(table.row(i)?.0).to_string(), *h)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// CONFIG RESETSTAT: forgets every histogram.
    pub fn reset_histograms(&mut self) {
        self.hist.clear();
    }

    /// Adds a latency sample (Redis latencyAddSample): a sample in the same
    /// second as the last one only raises it.
    pub fn add_latency_sample(&mut self, event: &str, now_secs: i64, ms: u64) {
        let series = match self.events.get_mut(event) {
            Some(s) => s,
            None => self.events.entry(event.to_string()).or_default(),
        };
        series.max = series.max.max(ms);
        if let Some(last) = series.samples.back_mut()
            && last.time == now_secs
        {
            last.ms = last.ms.max(ms);
            return;
        }
        if series.samples.len() == LATENCY_TS_LEN {
            series.samples.pop_front();
        }
        series
            .samples
            .push_back(LatencySample { time: now_secs, ms });
    }

    /// Adds a slow log entry and trims the log to `max_len`.
    pub fn push_slowlog(&mut self, mut entry: SlowEntry, max_len: u64) {
        entry.id = self.slowlog_next_id;
        self.slowlog_next_id += 1;
        self.slowlog.push_front(entry);
        self.trim_slowlog(max_len);
    }

    pub fn trim_slowlog(&mut self, max_len: u64) {
        let max = usize::try_from(max_len).unwrap_or(usize::MAX);
        self.slowlog.truncate(max);
    }

    pub fn is_monitor(&self, token: usize) -> bool {
        self.monitors.contains(&token)
    }

    /// Takes a client out of MONITOR mode (RESET, disconnect).
    pub fn remove_monitor(&mut self, token: usize) {
        self.monitors.retain(|&t| t != token);
    }
}

/// Which arguments of a command line are secrets: AUTH's arguments, the
/// two after HELLO's AUTH token, MIGRATE's AUTH/AUTH2 values, everything
/// after ACL SETUSER (the user name and rules, even when refused) and the
/// values of sensitive configs in CONFIG SET (masterauth, requirepass...):
/// Redis shows them as "(redacted)".
pub fn redacted(argv: &[&[u8]], i: usize) -> bool {
    let Some(name) = argv.first() else {
        return false;
    };
    if name.eq_ignore_ascii_case(b"auth") {
        return i > 0;
    }
    let sub_is = |word: &[u8]| argv.get(1).is_some_and(|s| s.eq_ignore_ascii_case(word));
    if name.eq_ignore_ascii_case(b"acl") && sub_is(b"setuser") {
        return i >= 2;
    }
    if name.eq_ignore_ascii_case(b"config") && sub_is(b"set") {
        // CONFIG SET name value [name value ...]: values at 3, 5, ...
        return i >= 3 && i % 2 == 1 && crate::config::Config::is_sensitive(argv[i - 1]);
    }
    if name.eq_ignore_ascii_case(b"migrate") {
        return crate::cmd::migrate::redacted_arg(argv, i);
    }
    if name.eq_ignore_ascii_case(b"hello") {
        // HELLO [protover [AUTH user pass] [SETNAME name]]
        let mut j = 2;
        while j < argv.len() {
            if argv[j].eq_ignore_ascii_case(b"auth") {
                if i == j + 1 || i == j + 2 {
                    return true;
                }
                j += 3;
            } else if argv[j].eq_ignore_ascii_case(b"setname") {
                j += 2;
            } else {
                j += 1;
            }
        }
    }
    false
}

/// The slow log's copy of the arguments: at most 32 (the last one saying how
/// many more there were), each cut at 128 bytes.
pub fn slowlog_argv(argv: &[&[u8]]) -> Vec<Vec<u8>> {
    let shown = argv.len().min(SLOWLOG_MAX_ARGC);
    let mut out = Vec::with_capacity(shown);
    for (i, arg) in argv.iter().take(shown).enumerate() {
        if i == SLOWLOG_MAX_ARGC - 1 && argv.len() > SLOWLOG_MAX_ARGC {
            let more = argv.len() - (SLOWLOG_MAX_ARGC - 1);
            out.push(format!("... ({more} more arguments)").into_bytes());
            break;
        }
        if redacted(argv, i) {
            out.push(REDACTED.to_vec());
        } else if arg.len() > SLOWLOG_MAX_STRING {
            let mut a = arg[..SLOWLOG_MAX_STRING].to_vec();
            let _ = write!(
                Bytes(&mut a),
                "... ({} more bytes)",
                arg.len() - SLOWLOG_MAX_STRING
            );
            out.push(a);
        } else {
            out.push(arg.to_vec());
        }
    }
    out
}

/// `fmt::Write` into a byte vector.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Bookkeeping after a handler ran: latency histogram, latency event and
/// slow log (Redis call()). Skipped for a command that left its client
/// parked: it is accounted when it is served. `now_ms` is the command's
/// clock snapshot.
pub fn after_call(
    srv: &mut Server,
    c: &Client,
    cmd: &'static Cmd,
    row: Option<usize>,
    argv: &[&[u8]],
    usec: u64,
    now_ms: i64,
) {
    if c.blocked.is_some() && (!c.reprocessing || c.still_blocked) {
        return;
    }
    let cfg = &srv.config;
    if cfg.latency_tracking {
        srv.observe.record_histogram(row, usec);
    }
    let threshold = srv.config.latency_monitor_threshold;
    if threshold > 0 && threshold.checked_mul(1000).is_some_and(|t| usec >= t) {
        latency_event(srv, cmd, usec, now_ms);
    }
    let slower_than = srv.config.slowlog_log_slower_than;
    if slower_than >= 0 && usec >= slower_than as u64 && !cmd.has(flags::SKIP_SLOWLOG) {
        slowlog_push(srv, c, argv, usec, now_ms);
    }
}

/// A command at or over latency-monitor-threshold: a "command" or
/// "fast-command" latency sample. Out of line: rare, and keeping it apart
/// keeps `after_call` small.
#[cold]
#[inline(never)]
fn latency_event(srv: &mut Server, cmd: &'static Cmd, usec: u64, now_ms: i64) {
    let event = if cmd.has(flags::FAST) {
        "fast-command"
    } else {
        "command"
    };
    srv.observe
        .add_latency_sample(event, now_ms / 1000, usec / 1000);
}

/// A command at or over slowlog-log-slower-than: a slow log entry.
#[cold]
#[inline(never)]
fn slowlog_push(srv: &mut Server, c: &Client, argv: &[&[u8]], usec: u64, now_ms: i64) {
    let entry = SlowEntry {
        id: 0,
        time: now_ms / 1000,
        usec,
        argv: slowlog_argv(argv),
        addr: c.addr.clone(),
        name: c.name.clone(),
    };
    let max_len = srv.config.slowlog_max_len;
    srv.observe.push_slowlog(entry, max_len);
}

/// Appends Redis's quoted form of `s` (sdscatrepr): printable ASCII as is,
/// `"` and `\` escaped, \n \r \t \a \b, anything else as \xHH.
pub fn quote_arg(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'\\' | b'"' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'x',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 15) as usize],
                ]);
            }
        }
    }
    out.push(b'"');
}

/// The MONITOR line for a command (without the leading `+`):
/// `1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`.
pub fn monitor_line(now_us: i64, db: usize, who: &str, argv: &[&[u8]]) -> Vec<u8> {
    let mut line = Vec::with_capacity(64 + argv.iter().map(|a| a.len() + 3).sum::<usize>());
    let _ = write!(
        Bytes(&mut line),
        "{}.{:06} [{db} {who}]",
        now_us.div_euclid(1_000_000),
        now_us.rem_euclid(1_000_000)
    );
    for (i, arg) in argv.iter().enumerate() {
        line.push(b' ');
        if redacted(argv, i) {
            quote_arg(&mut line, REDACTED);
        } else {
            quote_arg(&mut line, arg);
        }
    }
    line
}

/// Sends a command that ran to every MONITOR client (Redis
/// replicationFeedMonitors, called after the command like Redis 7). ADMIN
/// and SKIP_MONITOR commands are not shown, nor re-runs of a blocked
/// command that was shown when it first ran.
pub fn feed_monitors(srv: &mut Server, c: &mut Client, cmd: &'static Cmd, argv: &[&[u8]]) {
    if cmd.flags & (flags::SKIP_MONITOR | flags::ADMIN) != 0 || c.reprocessing {
        return;
    }
    feed_monitors_now(srv, c, argv);
}

/// Sends `argv` to every MONITOR client whatever the command's flags:
/// EVAL and FCALL (SKIP_MONITOR) show themselves this way before the
/// commands their script runs, as in Redis.
pub fn feed_monitors_now(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let who = if c.conn.is_unix() {
        format!("unix:{}", srv.config.unixsocket)
    } else {
        c.addr.clone()
    };
    let mut frame = vec![b'+'];
    frame.extend_from_slice(&monitor_line(super::now_us(), c.db, &who, argv));
    // A simple string cannot hold a line break; arguments are escaped, so
    // only the framing adds one.
    frame.extend_from_slice(b"\r\n");
    let (hard, soft, soft_secs) = srv.config.client_output_buffer_limits()[1];
    let now = super::now_ms();
    for tok in srv.observe.monitors.clone() {
        let is_me = tok == c.token;
        let m: &mut Client = if is_me {
            &mut *c
        } else {
            match srv.clients.get_mut(tok).and_then(|s| s.as_deref_mut()) {
                Some(m) => m,
                None => continue,
            }
        };
        if m.close_asap {
            continue;
        }
        m.reply.buf.extend_from_slice(&frame);
        // Monitors are limited like replicas (the `replica` output buffer
        // class), as in Redis.
        if over_output_limit(m, (hard, soft, soft_secs), now) {
            tracing::warn!(
                "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                m.id,
                m.addr
            );
            m.close_asap = true;
            srv.stats.client_output_buffer_limit_disconnections += 1;
            if !is_me {
                srv.to_close.push(tok);
            }
            continue;
        }
        if !is_me && !m.write_queued {
            m.write_queued = true;
            srv.pending_writes.push(tok);
        }
    }
}

/// Whether client `m`'s unsent output (its reply backlog plus what it
/// holds as a syncing replica) is past the (hard, soft, soft seconds)
/// limit of its class at `now`; tracks how long it has been over soft.
pub fn over_output_limit(
    m: &mut Client,
    (hard, soft, soft_secs): (u64, u64, u64),
    now: i64,
) -> bool {
    let backlog = (m.pending_reply_bytes() + m.repl_held_bytes()) as u64;
    let over_hard = hard > 0 && backlog > hard;
    let over_soft = soft > 0 && backlog > soft;
    if over_soft && !over_hard {
        if m.obuf_soft_since == 0 {
            m.obuf_soft_since = now;
        } else if now - m.obuf_soft_since > soft_secs as i64 * 1000 {
            return true;
        }
    } else if !over_soft {
        m.obuf_soft_since = 0;
    }
    over_hard
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_match_redis_bounds() {
        let labels: Vec<u64> = (0..HIST_BUCKETS)
            .map(|i| bucket_upper_ns(i) / 1000)
            .collect();
        assert_eq!(&labels[..8], &[1, 2, 4, 8, 16, 33, 66, 132]);
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(2), 1);
        assert_eq!(bucket_of(3), 2);
        assert_eq!(bucket_of(8), 3);
        assert_eq!(bucket_of(9), 4);
        assert_eq!(bucket_of(33), 5);
        assert_eq!(bucket_of(34), 6);
        assert_eq!(bucket_of(u64::MAX), HIST_BUCKETS - 1);
        let mut h = Histogram::default();
        for u in [1, 1, 3, 40] {
            h.record(u);
        }
        assert_eq!(h.cumulative(), vec![(1, 2), (4, 3), (66, 4)]);
        assert_eq!(format!("{:.3}", h.percentile(50.0)), "1.031");
        assert_eq!(format!("{:.3}", h.percentile(99.0)), "66.047");
        assert_eq!(format!("{:.3}", h.percentile(0.0)), "0.001");
    }

    #[test]
    fn quoting_like_sdscatrepr() {
        let mut out = Vec::new();
        quote_arg(&mut out, b"a\nb\r\t\x07\x08\x01\xff\"\\ z");
        assert_eq!(out, br#""a\nb\r\t\a\b\x01\xff\"\\ z""#.to_vec());
        let line = monitor_line(
            1_339_518_083_107_412,
            3,
            "127.0.0.1:60866",
            &[b"keys", b"*"],
        );
        assert_eq!(
            line,
            br#"1339518083.107412 [3 127.0.0.1:60866] "keys" "*""#.to_vec()
        );
        let line = monitor_line(
            5,
            0,
            "lua",
            &[b"hello", b"3", b"AUTH", b"u", b"p", b"SETNAME", b"n"],
        );
        assert_eq!(
            line,
            br#"0.000005 [0 lua] "hello" "3" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n""#
                .to_vec()
        );
    }

    #[test]
    fn slowlog_argument_caps() {
        let long = vec![b'x'; 200];
        let args: Vec<&[u8]> = vec![b"set", b"k", &long];
        let v = slowlog_argv(&args);
        assert_eq!(v[2].len(), 128 + "... (72 more bytes)".len());
        assert!(v[2].ends_with(b"x... (72 more bytes)"));
        let many: Vec<Vec<u8>> = (0..33).map(|i| i.to_string().into_bytes()).collect();
        let refs: Vec<&[u8]> = many.iter().map(|a| a.as_slice()).collect();
        let v = slowlog_argv(&refs);
        assert_eq!(v.len(), 32);
        assert_eq!(v[31], b"... (2 more arguments)".to_vec());
        let refs32 = &refs[..32];
        assert_eq!(slowlog_argv(refs32)[31], b"31".to_vec());
        assert_eq!(
            slowlog_argv(&[b"AUTH", b"u", b"p"]),
            vec![b"AUTH".to_vec(), REDACTED.to_vec(), REDACTED.to_vec()]
        );
    }
}
