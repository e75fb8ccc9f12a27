//! Freeing big values off the event loop. Dropping a ten-million-member set
//! takes long enough to stall every client, so a value whose free effort is
//! above `LAZYFREE_THRESHOLD` (Redis's number) is handed to one background
//! thread instead, whatever command removed it: DEL, UNLINK, an overwrite,
//! an expiry. Small values, the vast majority, are dropped in place: a
//! channel send costs more than freeing them.
//!
//! Owns the free thread and the INFO counters `lazyfree_pending_objects`
//! and `lazyfreed_objects`. The thread only ever drops what it is sent; a
//! forked child (BGSAVE) never sends to it, so the child does not depend on
//! a thread it did not inherit.

use super::Db;
use crate::types::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};

/// Values (or databases) whose free effort is at most this are dropped
/// inline (Redis LAZYFREE_THRESHOLD).
pub const LAZYFREE_THRESHOLD: usize = 64;

/// Objects handed to the free thread and not yet dropped.
static PENDING: AtomicU64 = AtomicU64::new(0);
/// Objects the free thread has dropped since start (or CONFIG RESETSTAT).
static FREED: AtomicU64 = AtomicU64::new(0);
/// Purges done for [`purge_later`] (never reset).
static PURGES: AtomicU64 = AtomicU64::new(0);
/// Jobs ever handed to the free thread (never reset).
static SENT: AtomicU64 = AtomicU64::new(0);

/// Something to drop on the free thread (a value or detached databases).
type Job = Box<dyn Send>;
/// The free thread's inbox: jobs with the object count they stand for.
type Inbox = Mutex<Sender<(Job, u64)>>;

fn sender() -> Option<&'static Inbox> {
    static TX: OnceLock<Option<Inbox>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = channel::<(Job, u64)>();
        let spawned = std::thread::Builder::new()
            .name("ember-lazyfree".into())
            .spawn(move || {
                lower_priority();
                for (job, n) in rx {
                    drop(job);
                    PENDING.fetch_sub(n, Ordering::Relaxed);
                    FREED.fetch_add(n, Ordering::Relaxed);
                }
            });
        match spawned {
            Ok(_) => Some(Mutex::new(tx)),
            Err(e) => {
                tracing::warn!("Can't start the lazyfree thread, freeing inline: {e}");
                None
            }
        }
    })
    .as_ref()
}

/// Makes the calling thread (the free thread) the nicest there is (nice
/// 19): freeing a huge value must not take the CPU from the event loop.
/// When both want one core (a server pinned to a CPU, or a busy machine),
/// the loop preempts it at once and it gets the time the loop leaves; on
/// an idle core it runs at full speed. Linux's nice value is per thread;
/// elsewhere the thread keeps the process's priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority only reads its
        // arguments, and a failure (not allowed, ...) is harmless.
        unsafe {
            let tid = libc::gettid();
            if libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19) != 0 {
                tracing::debug!("could not lower the free thread's priority");
            }
        }
    }
}

/// Returns the allocator's dirty pages to the OS (`alloc::purge`) on the
/// free thread, after the jobs queued before it, or here when there is no
/// free thread. After a mass expiry the purge that follows the shrink of
/// the emptied key table took ~10 ms of `madvise`, a stall of every client
/// when run on the loop.
pub fn purge_later() {
    struct Purge;
    impl Drop for Purge {
        fn drop(&mut self) {
            crate::alloc::purge();
            PURGES.fetch_add(1, Ordering::Relaxed);
        }
    }
    send(Box::new(Purge), 0);
}

/// Sends a job to the free thread; drops it here when there is none.
fn send(job: Job, n: u64) {
    let Some(tx) = sender() else {
        return drop(job);
    };
    PENDING.fetch_add(n, Ordering::Relaxed);
    SENT.fetch_add(1, Ordering::Relaxed);
    let unsent = match tx.lock() {
        Ok(tx) => tx.send((job, n)).err().map(|e| e.0.0),
        Err(_) => Some(job),
    };
    if let Some(job) = unsent {
        PENDING.fetch_sub(n, Ordering::Relaxed);
        drop(job);
    }
}

/// How much work dropping `v` is, in Redis's units: one for a string or a
/// packed encoding (a single allocation), else about one per element.
pub fn free_effort(v: &Value) -> usize {
    // Strings first: every overwrite of a string comes through here.
    if let Value::Str(_) = v {
        return 1;
    }
    if matches!(v.encoding_name(), "listpack" | "intset") {
        return 1;
    }
    match v {
        Value::Str(_) => 1,
        Value::List(l) => l.len(),
        Value::Hash(h) => h.len(),
        Value::Set(s) => s.len(),
        Value::ZSet(z) => z.len(),
        Value::Stream(s) => s.free_effort(),
    }
}

/// Drops a value removed from the keyspace: big ones on the free thread.
pub fn free_value(v: Value) {
    if free_effort(&v) > LAZYFREE_THRESHOLD {
        send(Box::new(v), 1);
    } else {
        drop(v);
    }
}

/// Drops whole databases (FLUSHALL/FLUSHDB ASYNC) on the free thread,
/// counting `keys` objects.
pub fn free_dbs(dbs: Vec<Db>, keys: u64) {
    send(Box::new(dbs), keys);
}

/// INFO lazyfree_pending_objects.
pub fn pending() -> u64 {
    PENDING.load(Ordering::Relaxed)
}

/// INFO lazyfreed_objects.
pub fn freed() -> u64 {
    FREED.load(Ordering::Relaxed)
}

/// CONFIG RESETSTAT.
pub fn reset_stats() {
    FREED.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::set::SetValue;
    use crate::types::string::StrValue;

    fn wait_idle() {
        for _ in 0..500 {
            if pending() == 0 {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        panic!("free thread did not drain");
    }

    #[test]
    fn big_values_go_to_the_free_thread_small_ones_do_not() {
        assert_eq!(free_effort(&Value::Str(StrValue::from_bytes(b"x"))), 1);
        let lim = crate::types::set::SetLimits::default();
        let mut big = SetValue::default();
        for i in 0..1000 {
            big.add(format!("m{i}").as_bytes(), &lim);
        }
        let v = Value::Set(big);
        assert!(free_effort(&v) > LAZYFREE_THRESHOLD);
        // Other tests reset FREED (CONFIG RESETSTAT), so count sends.
        let before = SENT.load(Ordering::Relaxed);
        free_value(v);
        assert!(SENT.load(Ordering::Relaxed) > before);
        wait_idle();
    }

    /// The free thread runs at nice 19 (Linux: field 19 of its
    /// /proc/self/task/TID/stat).
    #[cfg(target_os = "linux")]
    #[test]
    fn the_free_thread_is_the_nicest() {
        assert!(sender().is_some());
        let nice = (0..500).find_map(|_| {
            let found = std::fs::read_dir("/proc/self/task").ok()?.find_map(|t| {
                let stat = std::fs::read_to_string(t.ok()?.path().join("stat")).ok()?;
                let (comm, rest) = stat.split_once(") ")?;
                comm.ends_with("(ember-lazyfree")
                    .then(|| rest.split_whitespace().nth(16)?.parse::<i32>().ok())?
            });
            if found != Some(19) {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            found.filter(|&n| n == 19)
        });
        assert_eq!(nice, Some(19));
    }

    #[test]
    fn purge_later_runs_on_the_free_thread() {
        let before = PURGES.load(Ordering::Relaxed);
        purge_later();
        let done = (0..1000).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(2));
            PURGES.load(Ordering::Relaxed) > before
        });
        assert!(done, "the purge never ran");
    }
}
