//! The clock that times commands (INFO commandstats, SLOWLOG, LATENCY,
//! latency histograms): microsecond durations, read twice per command.
//!
//! `clock_gettime` through the vDSO costs about 22 ns here; at depth 16 two
//! of them per command were 7-8% of a SET's whole server time. Where the
//! CPU's time-stamp counter ticks at a constant rate through sleep states
//! (`constant_tsc` and `nonstop_tsc`) and the kernel itself trusts it as its
//! clocksource (so it is synchronised across CPUs), a command is timed with
//! `rdtsc` instead (about 10 ns), converted with a rate measured against
//! `CLOCK_MONOTONIC` at start-up. This is Redis's optional
//! `USE_PROCESSOR_CLOCK` monotonic clock, and INFO reports it the same way
//! (`monotonic_clock:X86 TSC @ N ticks/us`). Anywhere else, or if
//! calibration looks wrong, commands are timed with `CLOCK_MONOTONIC`.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

/// Microseconds per tick as a 32.32 fixed-point factor; 0 while commands
/// are timed with `CLOCK_MONOTONIC` (readings are then nanoseconds).
static US_PER_TICK_FP: AtomicU64 = AtomicU64::new(0);
/// Measured ticks per microsecond, for INFO (0 when not in use).
static TICKS_PER_US: AtomicU64 = AtomicU64::new(0);
static INIT: Once = Once::new();

/// How long calibration compares the counter with the monotonic clock.
const CALIBRATION_NS: u64 = 2_000_000;

/// Chooses the clock and calibrates it; runs once per process, later calls
/// return at once.
pub fn init() {
    INIT.call_once(|| {
        if let Some(rate) = tsc_rate() {
            TICKS_PER_US.store(rate, Ordering::Relaxed);
            US_PER_TICK_FP.store((1u64 << 32) / rate, Ordering::Relaxed);
        }
    });
}

/// A reading to pass to [`elapsed_us`].
#[inline(always)]
pub fn start() -> u64 {
    if US_PER_TICK_FP.load(Ordering::Relaxed) != 0 {
        ticks()
    } else {
        super::mono_ns()
    }
}

/// Whole microseconds since `start` (0 if the clock seems to have gone
/// back, as a counter read on another CPU could be by a tick or two).
#[inline(always)]
pub fn elapsed_us(start: u64) -> u64 {
    let fp = US_PER_TICK_FP.load(Ordering::Relaxed);
    if fp != 0 {
        let ticks = self::ticks().saturating_sub(start);
        ((u128::from(ticks) * u128::from(fp)) >> 32) as u64
    } else {
        super::mono_ns().saturating_sub(start) / 1000
    }
}

/// INFO server's `monotonic_clock` line, worded as Redis words it.
pub fn describe() -> String {
    match TICKS_PER_US.load(Ordering::Relaxed) {
        0 => "POSIX clock_gettime".to_string(),
        rate => format!("X86 TSC @ {rate} ticks/us"),
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn ticks() -> u64 {
    // SAFETY: rdtsc exists on every x86-64 CPU and only reads the
    // time-stamp counter; it touches no memory (see the tests below).
    unsafe { std::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn ticks() -> u64 {
    super::mono_ns()
}

/// Ticks per microsecond when the counter can time commands, else None.
fn tsc_rate() -> Option<u64> {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        return None;
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let source =
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .ok()?;
    if !tsc_usable(&cpuinfo, &source) {
        return None;
    }
    let (t0, n0) = paired_reading();
    while super::mono_ns().saturating_sub(n0) < CALIBRATION_NS {
        std::hint::spin_loop();
    }
    let (t1, n1) = paired_reading();
    let rate = rate_from(t1.checked_sub(t0)?, n1.checked_sub(n0)?)?;
    Some(rate)
}

/// Whether the CPU flags promise a constant, always-running counter and
/// the kernel uses it as its clocksource.
fn tsc_usable(cpuinfo: &str, clocksource: &str) -> bool {
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default();
    let has = |f: &str| flags.split_whitespace().any(|w| w == f);
    has("constant_tsc") && has("nonstop_tsc") && clocksource.trim() == "tsc"
}

/// Ticks per microsecond from a calibration interval; None for rates no
/// real CPU has (below 100 MHz or above 100 GHz), which would mean the
/// readings cannot be trusted.
fn rate_from(ticks: u64, ns: u64) -> Option<u64> {
    if ns == 0 {
        return None;
    }
    let rate = (u128::from(ticks) * 1000 / u128::from(ns)) as u64;
    (100..=100_000).contains(&rate).then_some(rate)
}

/// A counter reading and the monotonic time it was taken at: the tightest
/// of a few brackets of two clock reads around it.
fn paired_reading() -> (u64, u64) {
    let mut best = (0, 0, u64::MAX);
    for _ in 0..5 {
        let before = super::mono_ns();
        let t = ticks();
        let after = super::mono_ns();
        let width = after.saturating_sub(before);
        if width < best.2 {
            best = (t, before + width / 2, width);
        }
    }
    (best.0, best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_timed_in_microseconds_by_either_clock() {
        init();
        let s = start();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let us = elapsed_us(s);
        assert!(
            (30_000..2_000_000).contains(&us),
            "{us} us for a 30 ms sleep"
        );
        assert_eq!(elapsed_us(start()) / 1000, 0);
        let d = describe();
        assert!(
            d == "POSIX clock_gettime" || d.starts_with("X86 TSC @ "),
            "{d}"
        );
    }

    #[test]
    fn the_counter_is_used_only_where_it_is_trustworthy() {
        let flags = "flags\t\t: fpu tsc constant_tsc rdtscp nonstop_tsc\n";
        assert!(tsc_usable(flags, "tsc\n"));
        assert!(!tsc_usable(flags, "kvm-clock\n"));
        assert!(!tsc_usable("flags\t\t: fpu tsc constant_tsc\n", "tsc\n"));
        assert!(!tsc_usable("flags\t\t: fpu tsc nonstop_tsc\n", "tsc\n"));
        assert!(!tsc_usable("", "tsc"));
        assert_eq!(rate_from(4_600_000, 2_000_000), Some(2300));
        assert_eq!(rate_from(1_000, 2_000_000), None);
        assert_eq!(rate_from(1, 0), None);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_counter_moves_forward_with_time() {
        let a = ticks();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(ticks() > a);
    }
}
