//! Log output in Redis's line format, `pid:M 28 Nov 2026 05:55:23.123 * text`,
//! through `tracing`. Level chars as Redis: `.` debug, `-` verbose,
//! `*` notice, `#` warning. Mapping: debug=TRACE, verbose=DEBUG,
//! notice=INFO, warning=WARN/ERROR.

use crate::config::LogLevel;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

struct RedisFormat;

/// The current `loglevel` as a verbosity rank (0 = nothing, 1 = warning,
/// 2 = notice, 3 = verbose, 4 = debug). Events above it are dropped by the
/// formatter, so CONFIG SET loglevel takes effect at once.
static VERBOSITY: AtomicU8 = AtomicU8::new(2);

fn rank(level: LogLevel) -> u8 {
    match level {
        LogLevel::Nothing => 0,
        LogLevel::Warning => 1,
        LogLevel::Notice => 2,
        LogLevel::Verbose => 3,
        LogLevel::Debug => 4,
    }
}

/// Applies a new `loglevel` (start-up and CONFIG SET).
pub fn set_level(level: LogLevel) {
    VERBOSITY.store(rank(level), Ordering::Relaxed);
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `28 Nov 2026 05:55:23.123` (UTC).
pub fn format_time(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let ms = unix_ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{d:02} {} {y} {:02}:{:02}:{:02}.{ms:03}",
        MONTHS[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The role letter of log lines: `M` for a master, `S` for a replica.
static ROLE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(b'M');

/// Sets the role letter of the log lines that follow (`replica`: `S`).
pub fn set_replica_role(replica: bool) {
    ROLE.store(if replica { b'S' } else { b'M' }, Ordering::Relaxed);
}

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let (c, needed) = match *event.metadata().level() {
            Level::TRACE => ('.', 4),
            Level::DEBUG => ('-', 3),
            Level::INFO => ('*', 2),
            _ => ('#', 1),
        };
        if needed > VERBOSITY.load(Ordering::Relaxed) {
            return Ok(());
        }
        write!(
            w,
            "{}:{} {} {} ",
            std::process::id(),
            ROLE.load(Ordering::Relaxed) as char,
            format_time(super::now_ms()),
            c
        )?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// Installs the global subscriber. `logfile` empty = stdout. Returns an
/// error text if the log file cannot be opened.
pub fn init(level: LogLevel, logfile: &str) -> Result<(), String> {
    set_level(level);
    // Every level reaches the formatter, which filters by VERBOSITY, so the
    // level can change at run time.
    let builder = tracing_subscriber::fmt()
        .with_max_level(Level::TRACE)
        .with_ansi(false)
        .event_format(RedisFormat);
    let res = if logfile.is_empty() {
        builder.with_writer(std::io::stdout).try_init()
    } else {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)
            .map_err(|e| format!("Can't open the log file: {e}"))?;
        builder.with_writer(std::sync::Mutex::new(f)).try_init()
    };
    // A second init (tests starting several servers in one process) is fine.
    let _ = res;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format() {
        assert_eq!(format_time(0), "01 Jan 1970 00:00:00.000");
        assert_eq!(format_time(1_795_845_323_123), "28 Nov 2026 05:55:23.123");
    }
}
