//! Helpers of the replication tests (ember as master, ember as replica):
//! INFO fields, polling until a condition holds, and waiting until two
//! servers hold the same data.

use super::RawConn;
use super::snapshot::{assert_same, bulk, snapshot};
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long a replica may take to catch up (the machine is shared).
pub const CONVERGE: Duration = Duration::from_secs(30);

/// One field of an INFO section, if present.
pub fn info_field(c: &mut RawConn, section: &str, name: &str) -> Option<String> {
    let text = String::from_utf8(bulk(&c.cmd(&["INFO", section])).unwrap_or_default()).ok()?;
    let prefix = format!("{name}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
}

/// Polls `cond` until it holds, failing after `CONVERGE`.
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + CONVERGE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the replica holds exactly the master's data in the first
/// `dbs` databases, failing with the first difference after `CONVERGE`.
pub fn converge(master: &mut RawConn, replica: &mut RawConn, dbs: usize, what: &str) {
    let deadline = Instant::now() + CONVERGE;
    loop {
        let want = snapshot(master, dbs);
        let got = snapshot(replica, dbs);
        if want == got {
            return;
        }
        if Instant::now() >= deadline {
            assert_same(&want, &got, what);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The master's INFO stats `sync_full` and `sync_partial_ok` are `full`
/// and `partial`.
pub fn assert_syncs(master: &mut RawConn, full: u64, partial: u64) {
    let stat = |m: &mut RawConn, name: &str| {
        info_field(m, "stats", name).and_then(|v| v.parse::<u64>().ok())
    };
    assert_eq!(stat(master, "sync_full"), Some(full), "sync_full");
    assert_eq!(
        stat(master, "sync_partial_ok"),
        Some(partial),
        "sync_partial_ok"
    );
}

/// Reads one CRLF-terminated line from a raw replication link (newlines
/// sent as keep-alives before the payload header are skipped).
pub fn read_line(s: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        s.read_exact(&mut b).expect("replication link read");
        match b[0] {
            b'\n' if line.is_empty() => continue,
            b'\n' => break,
            b'\r' => {}
            c => line.push(c),
        }
    }
    String::from_utf8(line).unwrap()
}

/// Reads whatever a raw replication link delivers within `wait`.
pub fn drain(s: &mut TcpStream, wait: Duration) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + wait;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    out
}
