//! redis.conf text (start-up files, CONFIG REWRITE input). `include`
//! lines are skipped: they would read arbitrary paths from the fuzzer.
#![no_main]

mod common;

use ember::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lower = text.to_ascii_lowercase();
    // Paths and side effects: files, log targets, the working directory.
    if [
        "include",
        "logfile",
        "dir",
        "syslog",
        "unixsocket",
        "pidfile",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        return;
    }
    let mut cfg = Config::default();
    let _ = cfg.load_str(text, "fuzz");
});
