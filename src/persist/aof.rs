//! The append only file, in Redis 7's multi-part layout: `appenddirname`
//! (inside `dir`) holds a manifest, one base file (an RDB snapshot when
//! `aof-use-rdb-preamble yes`, else RESP commands) and incremental files
//! of RESP commands. This module owns the writer (the buffer filled by
//! propagation, flushed and fsynced in before_sleep by the `appendfsync`
//! policy, and the replication offset its fsyncs reached: WAITAOF's local
//! count, a replica's FACK), the rewrite (BGREWRITEAOF and the automatic one, in a forked
//! child), turning the AOF on and off at run time, and opening the files
//! at start-up. Loading lives in `aof_load.rs`, the manifest format in
//! `manifest.rs`.
//!
//! Wiring: `cmd::execute` hands finished commands to [`feed_ready`]
//! (which also feeds the replication stream, `server::repl`);
//! before_sleep calls [`flush`] before writing any reply (so with
//! `appendfsync always` a reply never leaves before its write is on
//! disk); cron calls [`cron`]; CONFIG SET appendonly calls [`start`] /
//! [`stop`]; start-up calls [`open_on_start`] after loading.

use super::manifest::{Entry, Kind, Manifest};
use crate::config::Config;
use crate::server::{Server, now_ms};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;
use tracing::{info, warn};

/// Whether the AOF is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    Off,
    On,
    /// Turned on at run time: writes go to a temporary incr file until the
    /// first rewrite made the base (Redis AOF_WAIT_REWRITE).
    WaitRewrite,
}

/// `appendfsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    Always,
    EverySec,
    No,
}

/// A running rewrite child.
#[derive(Debug, Clone)]
pub struct RewriteChild {
    pub pid: i32,
    pub start_unix: i64,
    pub started: Instant,
}

/// The fsync thread of `appendfsync everysec` (Redis's bio job): it gets
/// a duplicate of the incr file's descriptor and the replication offset
/// the file holds up to, fsyncs it, and on success raises `fsynced` (the
/// Aof's `fsynced_pending`) to that offset, so the event loop never waits
/// for the disk. A forked child never talks to it.
#[derive(Debug)]
struct FsyncWorker {
    tx: mpsc::Sender<(File, u64)>,
    pending: Arc<AtomicUsize>,
    failed: Arc<AtomicBool>,
}

impl FsyncWorker {
    fn spawn(fsynced: Arc<AtomicU64>) -> io::Result<FsyncWorker> {
        let (tx, rx) = mpsc::channel::<(File, u64)>();
        let pending = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicBool::new(false));
        let (p, fl) = (pending.clone(), failed.clone());
        std::thread::Builder::new()
            .name("aof-fsync".into())
            .spawn(move || {
                while let Ok((f, offset)) = rx.recv() {
                    let ok = f.sync_data().is_ok();
                    fl.store(!ok, Ordering::Relaxed);
                    if ok {
                        fsynced.fetch_max(offset, Ordering::AcqRel);
                    }
                    p.fetch_sub(1, Ordering::AcqRel);
                }
            })?;
        Ok(FsyncWorker {
            tx,
            pending,
            failed,
        })
    }

    /// Fsyncs in flight.
    fn busy(&self) -> bool {
        self.pending.load(Ordering::Acquire) > 0
    }
}

/// AOF state (`Server::aof`).
#[derive(Debug)]
pub struct Aof {
    pub state: State,
    /// Commands not yet written (Redis aof_buf).
    pub buf: Vec<u8>,
    /// Database the file's last SELECT chose (None: emit one first).
    selected_db: Option<usize>,
    /// `aof-timestamp-enabled`, and the unix second of the last `#TS:`
    /// annotation written.
    pub timestamps: bool,
    last_timestamp: i64,
    /// `appendfsync`, read when the AOF opens and on CONFIG SET.
    pub fsync: Fsync,
    /// The incr file being appended to.
    file: Option<File>,
    pub manifest: Manifest,
    /// Bytes of base + incr files (INFO aof_current_size) and that figure
    /// after the last rewrite (aof_base_size, the auto-rewrite base).
    pub current_size: u64,
    pub base_size: u64,
    /// Length of the incr file being appended to.
    incr_len: u64,
    /// `current_size` when the last fsync was started, and when (unix ms).
    synced_size: u64,
    last_fsync_ms: i64,
    worker: Option<FsyncWorker>,
    pub last_write_ok: bool,
    /// The OS error of the last failed write or fsync, as strerror words.
    pub last_write_err: String,
    pub delayed_fsync: u64,
    pub child: Option<RewriteChild>,
    pub rewrite_scheduled: bool,
    pub rewrites: u64,
    pub rewrites_consecutive_failures: u64,
    /// Unix seconds of the last failed rewrite (automatic ones back off).
    last_failure_unix: i64,
    pub last_rewrite_ok: bool,
    pub last_rewrite_time_sec: i64,
    /// The replication offset known to be fsynced to the AOF (Redis
    /// `fsynced_reploff`, what WAITAOF's local count and a replica's
    /// `REPLCONF ACK ... FACK` report): None while the AOF is off (Redis
    /// -1), 0 until the first rewrite of an AOF turned on at run time is
    /// done; moved from `fsynced_pending` in before_sleep.
    pub fsynced_reploff: Option<u64>,
    /// The largest offset an fsync covered (Redis
    /// `fsynced_reploff_pending`): raised by the loop after an `always`
    /// fsync and by the fsync thread after an `everysec` one.
    fsynced_pending: Arc<AtomicU64>,
    /// DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write of a
    /// non-empty buffer (a testing hook, 0: off).
    pub flush_sleep_us: u64,
    /// The rewrite back-off was announced in the log for this wait.
    limit_logged: bool,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            state: State::Off,
            buf: Vec::new(),
            selected_db: None,
            timestamps: false,
            last_timestamp: 0,
            fsync: Fsync::EverySec,
            file: None,
            manifest: Manifest::default(),
            current_size: 0,
            base_size: 0,
            incr_len: 0,
            synced_size: 0,
            last_fsync_ms: 0,
            worker: None,
            last_write_ok: true,
            last_write_err: String::new(),
            delayed_fsync: 0,
            child: None,
            rewrite_scheduled: false,
            rewrites: 0,
            rewrites_consecutive_failures: 0,
            last_failure_unix: 0,
            last_rewrite_ok: true,
            last_rewrite_time_sec: -1,
            fsynced_reploff: None,
            fsynced_pending: Arc::new(AtomicU64::new(0)),
            flush_sleep_us: 0,
            limit_logged: false,
        }
    }
}

impl Aof {
    /// Waits for the fsyncs in flight (Redis bioDrainWorker), so none of
    /// them raises `fsynced_pending` after it is set anew.
    fn drain_fsyncs(&self) {
        if let Some(w) = self.worker.as_ref() {
            while w.busy() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    }
}

/// The word expiry deletions are propagated with (DEL, or UNLINK when
/// `lazyfree-lazy-expire` is on, as Redis 7.0 chooses).
pub fn expiry_del_word(cfg: &Config) -> &'static [u8] {
    if cfg.get_bool("lazyfree-lazy-expire") == Some(true) {
        b"UNLINK"
    } else {
        b"DEL"
    }
}

/// `appendfsync`.
pub fn fsync_policy(cfg: &Config) -> Fsync {
    match cfg.value_of("appendfsync").as_deref() {
        Some("always") => Fsync::Always,
        Some("no") => Fsync::No,
        _ => Fsync::EverySec,
    }
}

fn cfg_str(cfg: &Config, name: &str, default: &str) -> String {
    cfg.value_of(name).unwrap_or_else(|| default.to_string())
}

/// `appendfilename`.
pub fn file_name(cfg: &Config) -> String {
    cfg_str(cfg, "appendfilename", "appendonly.aof")
}

/// `dir`/`appenddirname`.
pub fn dir_path(cfg: &Config) -> PathBuf {
    Path::new(&cfg.dir).join(cfg_str(cfg, "appenddirname", "appendonlydir"))
}

fn manifest_name(cfg: &Config) -> String {
    format!("{}.manifest", file_name(cfg))
}

/// Where the manifest lives.
pub fn manifest_path(cfg: &Config) -> PathBuf {
    dir_path(cfg).join(manifest_name(cfg))
}

fn temp_incr_name(cfg: &Config) -> String {
    format!("temp-{}.incr", file_name(cfg))
}

fn rewrite_temp_path(cfg: &Config, pid: i32) -> PathBuf {
    Path::new(&cfg.dir).join(format!("temp-rewriteaof-bg-{pid}.aof"))
}

/// `aof-timestamp-enabled`.
pub fn timestamps_enabled(cfg: &Config) -> bool {
    cfg.get_bool("aof-timestamp-enabled").unwrap_or(false)
}

fn preamble(cfg: &Config) -> bool {
    cfg.get_bool("aof-use-rdb-preamble").unwrap_or(true)
}

// ---------------------------------------------------------------------------
// Feeding and flushing
// ---------------------------------------------------------------------------

pub use crate::server::propagate::encode_command;

/// Takes the commands propagation finished and appends them to the AOF
/// buffer, with a SELECT when the database changes (Redis
/// feedAppendOnlyFile).
pub fn feed_ready(srv: &mut Server) {
    let Server {
        prop, aof, repl, ..
    } = srv;
    let to_replicas = repl.feeding();
    // Without a stream to measure, each command still moves the offset by
    // one (Redis 7.2), so WAITAOF can tell a client's writes from what is
    // fsynced. A replica's offset is its master's stream.
    let count_alone = !to_replicas && !repl.proxying;
    // Waiting for the first base, only what follows the rewrite's fork
    // belongs in the (temporary) incr file: the snapshot has the rest.
    let on = match aof.state {
        State::Off => false,
        State::On => true,
        State::WaitRewrite => aof.child.is_some(),
    };
    let now = if on && aof.timestamps {
        now_ms() / 1000
    } else {
        0
    };
    prop.drain_ready(|db, resp, repl_only| {
        if to_replicas {
            repl.feed(db, resp);
        } else if count_alone {
            repl.offset += 1;
        }
        if !on || repl_only {
            return;
        }
        // `#TS:<unix seconds>` before the first command of each second
        // (Redis's annotation; loaders skip `#` lines).
        if now > aof.last_timestamp {
            aof.last_timestamp = now;
            aof.buf
                .extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
        }
        if db != crate::server::propagate::ANY_DB && aof.selected_db != Some(db) {
            let d = db.to_string();
            encode_command(&mut aof.buf, &[b"SELECT".as_slice(), d.as_bytes()]);
            aof.selected_db = Some(db);
        }
        aof.buf.extend_from_slice(resp);
    });
    if to_replicas {
        crate::server::repl::distribute(srv);
    }
}

/// Propagates the deletions of the active expiry cycle, each on its own.
pub fn propagate_expired(srv: &mut Server) {
    if srv.ks.expired_log.is_empty() {
        return;
    }
    let del = expiry_del_word(&srv.config);
    for (db, key) in std::mem::take(&mut srv.ks.expired_log) {
        srv.prop.push_alone(db, &[del, &key]);
    }
    feed_ready(srv);
}

/// Writes the buffer to the incr file and fsyncs by `appendfsync` (Redis
/// flushAppendOnlyFile). Runs first in before_sleep. With `always` a
/// failed write or fsync stops the server: replies that promise
/// durability must not leave. Then publishes the fsynced replication
/// offset and answers the WAITAOF (and WAIT) clients now satisfied, as
/// Redis's before-sleep does.
pub fn flush(srv: &mut Server) {
    write_and_sync(srv);
    publish_fsynced(srv);
}

/// Moves the offset the fsyncs reached into `fsynced_reploff` (only once
/// the AOF is on: during the first rewrite of an AOF turned on at run
/// time the data is not all on disk yet), tells the master link when it
/// moved, and serves the clients blocked in WAIT / WAITAOF.
fn publish_fsynced(srv: &mut Server) {
    if srv.aof.state == State::On
        && let Some(prev) = srv.aof.fsynced_reploff
    {
        let now = srv.aof.fsynced_pending.load(Ordering::Acquire);
        if now != prev {
            srv.aof.fsynced_reploff = Some(now);
            crate::server::replica::fsynced_moved(srv);
        }
    }
    if !srv.repl.waiters.is_empty() {
        crate::server::repl::serve_waiters(srv);
    }
}

fn write_and_sync(srv: &mut Server) {
    if srv.aof.state == State::Off {
        return;
    }
    // Everything propagated so far is in the buffer: once it is written
    // and fsynced, the file holds the stream up to here.
    let offset = srv.repl.offset;
    let policy = srv.aof.fsync;
    let skip_fsync =
        srv.aof.child.is_some() && srv.config.get_bool("no-appendfsync-on-rewrite") == Some(true);
    let aof = &mut srv.aof;
    if !aof.buf.is_empty() {
        let Some(f) = aof.file.as_mut() else {
            return;
        };
        if aof.flush_sleep_us > 0 {
            std::thread::sleep(std::time::Duration::from_micros(aof.flush_sleep_us));
        }
        match f.write_all(&aof.buf) {
            Ok(()) => {
                aof.current_size += aof.buf.len() as u64;
                aof.incr_len += aof.buf.len() as u64;
                if !aof.last_write_ok {
                    warn!("AOF write error looks solved, Redis can write again.");
                }
                aof.last_write_ok = true;
                aof.buf.clear();
                if aof.buf.capacity() > 4 << 20 {
                    aof.buf.shrink_to(64 << 10);
                }
            }
            Err(e) => {
                if policy == Fsync::Always {
                    warn!(
                        "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting... ({e})"
                    );
                    std::process::exit(1);
                }
                if aof.last_write_ok {
                    warn!("Error writing to the AOF file: {e}");
                }
                aof.last_write_ok = false;
                aof.last_write_err = os_words(&e);
                // A partial write may have landed: later commands would
                // be appended after a cut one. Put the file back to its
                // last whole command.
                let _ = f.set_len(aof.incr_len);
                return;
            }
        }
    }
    if skip_fsync {
        return;
    }
    let unsynced = aof.current_size > aof.synced_size;
    match policy {
        Fsync::Always if unsynced => {
            if let Some(f) = aof.file.as_ref()
                && let Err(e) = f.sync_data()
            {
                warn!(
                    "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {e}. Exiting..."
                );
                std::process::exit(1);
            }
            aof.synced_size = aof.current_size;
            aof.last_fsync_ms = now_ms();
            aof.fsynced_pending.fetch_max(offset, Ordering::AcqRel);
        }
        Fsync::EverySec if unsynced => {
            let now = now_ms();
            if now - aof.last_fsync_ms < 1000 {
                return;
            }
            if aof.worker.is_none() {
                aof.worker = FsyncWorker::spawn(aof.fsynced_pending.clone()).ok();
            }
            let (Some(w), Some(f)) = (aof.worker.as_ref(), aof.file.as_ref()) else {
                return;
            };
            if w.failed.swap(false, Ordering::Relaxed) {
                warn!("Error fsyncing the AOF file in the background");
                aof.last_write_ok = false;
                aof.last_write_err = "Input/output error".into();
            }
            if w.pending.load(Ordering::Acquire) > 0 {
                // The disk is slower than one fsync a second.
                aof.delayed_fsync += 1;
                return;
            }
            if let Ok(dup) = f.try_clone() {
                w.pending.fetch_add(1, Ordering::AcqRel);
                if let Err(mpsc::SendError((dup, _))) = w.tx.send((dup, offset)) {
                    w.pending.fetch_sub(1, Ordering::AcqRel);
                    if dup.sync_data().is_ok() {
                        aof.fsynced_pending.fetch_max(offset, Ordering::AcqRel);
                    }
                }
                aof.synced_size = aof.current_size;
                aof.last_fsync_ms = now;
            }
        }
        // Nothing written since the last fsync, and none in flight (or
        // failed): the file holds everything up to here on disk. This also
        // covers offsets that moved without adding to the file (Redis
        // does the same). `no` never knows what the OS wrote.
        Fsync::Always | Fsync::EverySec => {
            let idle = aof
                .worker
                .as_ref()
                .is_none_or(|w| !w.busy() && !w.failed.load(Ordering::Relaxed));
            if idle && aof.buf.is_empty() {
                aof.fsynced_pending.fetch_max(offset, Ordering::AcqRel);
            }
        }
        Fsync::No => {}
    }
}

/// An OS error as strerror(3) words ("No space left on device"), without
/// Rust's " (os error N)" suffix.
fn os_words(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Fsyncs the incr file now (shutdown, switching files), after a
/// [`flush`]: when the buffer was written, the file then holds the stream
/// up to `offset` on disk.
pub(super) fn fsync_now(aof: &mut Aof, offset: u64) {
    if let Some(f) = aof.file.as_ref()
        && f.sync_data().is_ok()
        && aof.buf.is_empty()
    {
        aof.fsynced_pending.fetch_max(offset, Ordering::AcqRel);
    }
    aof.synced_size = aof.current_size;
}

// ---------------------------------------------------------------------------
// Files and the manifest
// ---------------------------------------------------------------------------

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn fsync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes the manifest through a temp file and renames it into place, so
/// the manifest on disk is always a whole old one or a whole new one.
pub fn persist_manifest(cfg: &Config, m: &Manifest) -> io::Result<()> {
    let dir = dir_path(cfg);
    let tmp = dir.join(format!("temp-{}", manifest_name(cfg)));
    let r = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(m.to_text().as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, manifest_path(cfg))?;
        fsync_dir(&dir);
        Ok(())
    })();
    if let Err(e) = &r {
        warn!(
            "Can't persist the AOF manifest file {}: {e}",
            manifest_name(cfg)
        );
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

fn ensure_dir(cfg: &Config) -> io::Result<()> {
    let dir = dir_path(cfg);
    match std::fs::create_dir(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => {
            warn!(
                "Can't open or create append-only dir {}: {e}",
                dir.display()
            );
            Err(e)
        }
    }
}

fn new_base_name(cfg: &Config, m: &mut Manifest) -> String {
    m.base_seq += 1;
    let ext = if preamble(cfg) { "rdb" } else { "aof" };
    format!("{}.{}.base.{ext}", file_name(cfg), m.base_seq)
}

fn new_incr_entry(cfg: &Config, m: &mut Manifest) -> Entry {
    m.incr_seq += 1;
    Entry {
        name: format!("{}.{}.incr.aof", file_name(cfg), m.incr_seq),
        seq: m.incr_seq,
        kind: Kind::Incr,
    }
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Total bytes of the base and incr files the manifest lists.
fn manifest_size(cfg: &Config, m: &Manifest) -> u64 {
    let dir = dir_path(cfg);
    m.base
        .iter()
        .chain(&m.incrs)
        .map(|e| file_len(&dir.join(&e.name)))
        .sum()
}

/// Writes the whole dataset to `path` as an AOF base: an RDB when
/// `aof-use-rdb-preamble yes`, else RESP commands. Fsynced.
fn write_base(srv: &Server, path: &Path) -> io::Result<()> {
    let mut f = File::create(path)?;
    if preamble(&srv.config) {
        let mut opts = super::save_opts(srv);
        opts.aof_base = true;
        super::rdb::write_rdb(&srv.ks, &mut f, &opts)?;
    } else {
        if timestamps_enabled(&srv.config) {
            let ts = format!("#TS:{}\r\n", now_ms() / 1000);
            f.write_all(ts.as_bytes())?;
        }
        write_resp_dataset(srv, &mut f)?;
    }
    f.sync_all()
}

/// Items per RPUSH/SADD/ZADD/HMSET of a RESP rewrite (Redis
/// AOF_REWRITE_ITEMS_PER_CMD).
const ITEMS_PER_CMD: usize = 64;

/// The dataset as RESP commands (a base without RDB preamble).
fn write_resp_dataset(srv: &Server, out: &mut impl Write) -> io::Result<()> {
    use crate::types::Value;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let key_save_delay = super::config_i32(srv, "rdb-key-save-delay");
    // Function libraries first (Redis's rewriteFunctions).
    for code in srv.scripts.library_codes() {
        encode_command(&mut buf, &[b"FUNCTION".as_slice(), b"LOAD", &code]);
    }
    for (db, d) in srv.ks.dbs.iter().enumerate() {
        if d.main.is_empty() {
            continue;
        }
        let dbs = db.to_string();
        encode_command(&mut buf, &[b"SELECT".as_slice(), dbs.as_bytes()]);
        for (key, val) in d.main.iter() {
            if key_save_delay != 0 {
                super::debug_delay(key_save_delay);
            }
            let mut batch: Vec<Vec<u8>> = Vec::new();
            let emit = |buf: &mut Vec<u8>, cmd: &[u8], batch: &mut Vec<Vec<u8>>, force: bool| {
                if batch.len() >= ITEMS_PER_CMD || (force && !batch.is_empty()) {
                    let mut argv: Vec<&[u8]> = vec![cmd, key];
                    argv.extend(batch.iter().map(|a| a.as_slice()));
                    encode_command(buf, &argv);
                    batch.clear();
                }
            };
            match val {
                Value::Str(s) => {
                    let v = s.with_bytes(|b| b.to_vec());
                    encode_command(&mut buf, &[b"SET".as_slice(), key, &v]);
                }
                Value::List(l) => {
                    for e in l.iter() {
                        batch.push(match e {
                            crate::types::list::Elem::Int(v) => v.to_string().into_bytes(),
                            crate::types::list::Elem::Str(b) => b.to_vec(),
                        });
                        emit(&mut buf, b"RPUSH", &mut batch, false);
                    }
                    emit(&mut buf, b"RPUSH", &mut batch, true);
                }
                Value::Set(s) => {
                    for m in s.iter() {
                        batch.push(m.with_bytes(|b| b.to_vec()));
                        emit(&mut buf, b"SADD", &mut batch, false);
                    }
                    emit(&mut buf, b"SADD", &mut batch, true);
                }
                Value::ZSet(z) => {
                    let mut pairs = Vec::new();
                    z.for_each(|m, score| {
                        let mut sc = Vec::new();
                        crate::util::num::format_double(score, &mut sc);
                        pairs.push((sc, m.to_vec()));
                    });
                    for (sc, m) in pairs {
                        batch.push(sc);
                        batch.push(m);
                        if batch.len() >= 2 * ITEMS_PER_CMD {
                            emit(&mut buf, b"ZADD", &mut batch, true);
                        }
                    }
                    emit(&mut buf, b"ZADD", &mut batch, true);
                }
                Value::Hash(h) => {
                    let mut pairs = Vec::new();
                    h.for_each(|f, v| pairs.push((f.to_vec(), v.with_bytes(|b| b.to_vec()))));
                    for (f, v) in pairs {
                        batch.push(f);
                        batch.push(v);
                        if batch.len() >= 2 * ITEMS_PER_CMD {
                            emit(&mut buf, b"HMSET", &mut batch, true);
                        }
                    }
                    emit(&mut buf, b"HMSET", &mut batch, true);
                }
                Value::Stream(st) => rewrite_stream(&mut buf, key, st),
            }
            if let Some(&when) = d.expires.get(key) {
                let w = when.to_string();
                encode_command(&mut buf, &[b"PEXPIREAT".as_slice(), key, w.as_bytes()]);
            }
            if buf.len() >= 1 << 20 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)
}

/// A stream as the commands that rebuild it (Redis rewriteStreamObject):
/// its entries, its counters with XSETID, each group with XGROUP CREATE,
/// each pending entry with a forced XCLAIM keeping its delivery time and
/// count, and consumers without pending entries with CREATECONSUMER.
fn rewrite_stream(buf: &mut Vec<u8>, key: &[u8], st: &crate::types::stream::StreamValue) {
    use crate::types::stream::StreamId;
    let id_text = |id: StreamId| id.to_bytes();
    if st.is_empty() {
        // An empty stream still exists: create it with one entry trimmed
        // away at once; XSETID below restores its real counters.
        encode_command(
            buf,
            &[b"XADD".as_slice(), key, b"MAXLEN", b"0", b"0-1", b"x", b"y"],
        );
    } else {
        for (id, fields) in st.range(StreamId::ZERO, StreamId::MAX) {
            let id = id_text(id);
            let mut argv: Vec<&[u8]> = vec![b"XADD", key, &id];
            argv.extend(fields.items());
            encode_command(buf, &argv);
        }
    }
    let (last, added, maxdel) = (
        id_text(st.last_id),
        st.entries_added.to_string(),
        id_text(st.max_deleted_id),
    );
    encode_command(
        buf,
        &[
            b"XSETID".as_slice(),
            key,
            &last,
            b"ENTRIESADDED",
            added.as_bytes(),
            b"MAXDELETEDID",
            &maxdel,
        ],
    );
    for (name, g) in &st.groups {
        let (glast, read) = (id_text(g.last_id), g.entries_read.to_string());
        encode_command(
            buf,
            &[
                b"XGROUP".as_slice(),
                b"CREATE",
                key,
                name,
                &glast,
                b"ENTRIESREAD",
                read.as_bytes(),
            ],
        );
        for (id, p) in &g.pel {
            let (id, time, count) = (
                id_text(*id),
                p.delivery_time.to_string(),
                p.delivery_count.to_string(),
            );
            encode_command(
                buf,
                &[
                    b"XCLAIM".as_slice(),
                    key,
                    name,
                    &p.consumer,
                    b"0",
                    &id,
                    b"TIME",
                    time.as_bytes(),
                    b"RETRYCOUNT",
                    count.as_bytes(),
                    b"JUSTID",
                    b"FORCE",
                ],
            );
        }
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                encode_command(
                    buf,
                    &[b"XGROUP".as_slice(), b"CREATECONSUMER", key, name, cname],
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Start-up, turning on and off
// ---------------------------------------------------------------------------

/// After loading at start-up with `appendonly yes` (Redis
/// aofOpenIfNeededOnServerStart): with no AOF at all, writes a base of the
/// (empty) dataset; opens the last incr file or creates one; persists the
/// manifest. An error means the server must not start.
pub fn open_on_start(srv: &mut Server) -> Result<(), String> {
    let cfg = &srv.config;
    ensure_dir(cfg).map_err(|e| format!("Can't create the AOF directory: {e}"))?;
    let dir = dir_path(cfg);
    let mut m = srv.aof.manifest.clone();
    if m.base.is_none() && m.incrs.is_empty() {
        let name = new_base_name(cfg, &mut m);
        write_base(srv, &dir.join(&name))
            .map_err(|e| format!("Can't create the AOF base file {name}: {e}"))?;
        info!("Creating AOF base file {name} on server start");
        m.base = Some(Entry {
            name,
            seq: m.base_seq,
            kind: Kind::Base,
        });
    }
    let cfg = &srv.config;
    let entry = match m.incrs.last() {
        Some(e) => e.clone(),
        None => {
            let e = new_incr_entry(cfg, &mut m);
            info!("Creating AOF incr file {} on server start", e.name);
            m.incrs.push(e.clone());
            e
        }
    };
    let file = open_append(&dir.join(&entry.name))
        .map_err(|e| format!("Can't open the append-only file {}: {e}", entry.name))?;
    let incr_len = file.metadata().map_or(0, |m| m.len());
    persist_manifest(cfg, &m).map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
    fsync_dir(&dir);
    let size = manifest_size(cfg, &m);
    let aof = &mut srv.aof;
    aof.manifest = m;
    aof.file = Some(file);
    aof.incr_len = incr_len;
    aof.state = State::On;
    aof.selected_db = None;
    aof.current_size = size;
    aof.synced_size = size;
    aof.base_size = size;
    aof.last_fsync_ms = now_ms();
    aof.fsynced_reploff = Some(0);
    srv.prop.enabled = true;
    srv.aof.timestamps = timestamps_enabled(&srv.config);
    srv.aof.fsync = fsync_policy(&srv.config);
    srv.ks.log_expired = true;
    Ok(())
}

/// CONFIG SET appendonly yes (Redis startAppendOnly): writes go to a
/// temporary incr file and a rewrite makes the base; when another child
/// runs, or inside EXEC (`in_exec`: no fork mid-transaction), the rewrite
/// is scheduled.
pub fn start(srv: &mut Server, in_exec: bool) -> Result<(), String> {
    if srv.aof.state != State::Off {
        return Ok(());
    }
    ensure_dir(&srv.config).map_err(|e| format!("ERR {e}"))?;
    if srv.aof.manifest == Manifest::default()
        && let Ok(text) = std::fs::read(manifest_path(&srv.config))
        && let Ok(m) = Manifest::parse(&text)
    {
        // Turned on again: sequence numbers continue from the files there.
        srv.aof.manifest = m;
    }
    srv.aof.state = State::WaitRewrite;
    srv.prop.enabled = true;
    srv.aof.timestamps = timestamps_enabled(&srv.config);
    srv.aof.fsync = fsync_policy(&srv.config);
    srv.ks.log_expired = true;
    if srv.persist.child.is_some() {
        srv.aof.rewrite_scheduled = true;
        warn!(
            "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible."
        );
        return Ok(());
    }
    if in_exec {
        srv.aof.rewrite_scheduled = true;
        warn!(
            "AOF was enabled during a transaction. An AOF background was scheduled to start when possible."
        );
        return Ok(());
    }
    if let Err(e) = rewrite_background(srv) {
        stop_writing(srv);
        warn!(
            "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error."
        );
        return Err(format!("ERR {e}"));
    }
    Ok(())
}

/// CONFIG SET appendonly no (Redis stopAppendOnly): flush, fsync, close;
/// a running rewrite is killed.
pub fn stop(srv: &mut Server) {
    if srv.aof.state == State::Off {
        return;
    }
    flush(srv);
    fsync_now(&mut srv.aof, srv.repl.offset);
    if srv.aof.child.is_some() {
        warn!("Killing running AOF rewrite child");
        kill_child(srv);
    }
    stop_writing(srv);
}

fn stop_writing(srv: &mut Server) {
    let aof = &mut srv.aof;
    aof.file = None;
    aof.state = State::Off;
    aof.buf.clear();
    aof.selected_db = None;
    aof.rewrite_scheduled = false;
    aof.fsynced_reploff = None;
    aof.fsynced_pending.store(0, Ordering::Release);
    // Replicas may still want the stream.
    crate::server::repl::update_propagation(srv);
    if !srv.prop.enabled {
        srv.ks.expired_log.clear();
    }
}

/// SHUTDOWN: kill a rewrite, write and fsync what is buffered.
pub fn prepare_shutdown(srv: &mut Server) {
    if srv.aof.child.is_some() {
        warn!("There is a child rewriting the AOF. Killing it!");
        kill_child(srv);
    }
    if srv.aof.state != State::Off {
        info!("Calling fsync() on the AOF file.");
        flush(srv);
        fsync_now(&mut srv.aof, srv.repl.offset);
    }
}

// ---------------------------------------------------------------------------
// Rewrite
// ---------------------------------------------------------------------------

/// Whether any fork child (RDB save or AOF rewrite) runs.
pub fn child_running(srv: &Server) -> bool {
    srv.persist.child.is_some() || srv.aof.child.is_some()
}

/// Starts a rewrite in a forked child (Redis
/// rewriteAppendOnlyFileBackground): first the buffer is written and
/// fsynced and a new incr file opened (the old incr files then hold only
/// what the child's snapshot has), then the child writes the new base.
pub fn rewrite_background(srv: &mut Server) -> Result<i32, String> {
    if child_running(srv) {
        return Err("Background append only file rewriting already in progress".into());
    }
    ensure_dir(&srv.config).map_err(|e| e.to_string())?;
    flush(srv);
    fsync_now(&mut srv.aof, srv.repl.offset);
    open_new_incr(srv).map_err(|e| format!("Can't open new incr AOF: {e}"))?;
    if srv.aof.state == State::WaitRewrite {
        // The first base will hold everything up to here: that is the
        // fsynced offset once it is installed, or a later one an fsync of
        // the temporary incr file reaches. The old file's fsyncs finish
        // first, so none of them moves the new count (a replica that
        // changed masters counts another stream).
        srv.aof.drain_fsyncs();
        srv.aof
            .fsynced_pending
            .store(srv.repl.offset, Ordering::Release);
        srv.aof.fsynced_reploff = Some(0);
    }
    srv.aof.rewrites += 1;
    let started = Instant::now();
    // SAFETY: as for BGSAVE (persist::bgsave): the child only reads its
    // copy of `srv`, writes one file and leaves with `_exit`. The process's
    // other threads (the AOF fsync worker, lazyfree) hold no lock the
    // child uses; the child never sends to the fsync worker. Tested by
    // `rewrite_switches_manifest` below and tests/aof.rs.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => {
            let e = io::Error::last_os_error();
            srv.aof.last_rewrite_ok = false;
            srv.aof.rewrites_consecutive_failures += 1;
            srv.aof.last_failure_unix = now_ms() / 1000;
            warn!("Can't rewrite append only file in background: fork: {e}");
            Err(format!(
                "Can't rewrite append only file in background: fork: {e}"
            ))
        }
        0 => rewrite_child(srv),
        pid => {
            srv.persist.latest_fork_usec = started.elapsed().as_micros() as u64;
            srv.persist.total_forks += 1;
            info!("Background append only file rewriting started by pid {pid}");
            srv.aof.rewrite_scheduled = false;
            srv.aof.child = Some(RewriteChild {
                pid,
                start_unix: now_ms() / 1000,
                started,
            });
            super::set_resize_allowed(srv, false);
            Ok(pid)
        }
    }
}

/// Opens the incr file writes go to while a rewrite runs: a new numbered
/// one in the manifest when the AOF is on, a temporary one while waiting
/// for the first base (Redis openNewIncrAofForAppend).
fn open_new_incr(srv: &mut Server) -> io::Result<()> {
    let cfg = &srv.config;
    let dir = dir_path(cfg);
    match srv.aof.state {
        State::Off => Ok(()),
        State::WaitRewrite => {
            let name = temp_incr_name(cfg);
            let f = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(dir.join(&name))?;
            info!("Creating AOF incr file {name} on background rewrite");
            let aof = &mut srv.aof;
            aof.buf.clear();
            aof.file = Some(f);
            aof.incr_len = 0;
            aof.selected_db = None;
            aof.current_size = 0;
            aof.synced_size = 0;
            Ok(())
        }
        State::On => {
            let mut m = srv.aof.manifest.clone();
            let e = new_incr_entry(cfg, &mut m);
            let f = open_append(&dir.join(&e.name))?;
            m.incrs.push(e.clone());
            persist_manifest(cfg, &m)?;
            info!("Creating AOF incr file {} on background rewrite", e.name);
            let aof = &mut srv.aof;
            aof.manifest = m;
            aof.file = Some(f);
            aof.incr_len = 0;
            aof.selected_db = None;
            aof.synced_size = aof.current_size;
            Ok(())
        }
    }
}

/// The rewrite child: the dataset to `temp-rewriteaof-bg-<pid>.aof`.
fn rewrite_child(srv: &Server) -> ! {
    super::child_prelude();
    let tmp = rewrite_temp_path(&srv.config, std::process::id() as i32);
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match write_base(srv, &tmp) {
            Ok(()) => {
                info!(
                    "Successfully created the temporary AOF base file {}",
                    tmp.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                );
                true
            }
            Err(e) => {
                warn!("Error writing the temporary AOF base file: {e}");
                let _ = std::fs::remove_file(&tmp);
                false
            }
        }
    }))
    .unwrap_or(false);
    // SAFETY: `_exit` leaves without running the parent's destructors.
    unsafe { libc::_exit(if ok { 0 } else { 1 }) }
}

/// Reaps a finished rewrite child (waitpid WNOHANG) and installs its base.
fn reap_child(srv: &mut Server) {
    let Some(child) = srv.aof.child.clone() else {
        return;
    };
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid writes into a local; WNOHANG returns at once.
    let r = unsafe { libc::waitpid(child.pid, &mut status, libc::WNOHANG) };
    if r == 0 {
        return;
    }
    let ok = r == child.pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if r == child.pid && libc::WIFSIGNALED(status) {
        warn!(
            "Background AOF rewrite terminated by signal {}",
            libc::WTERMSIG(status)
        );
    }
    srv.aof.child = None;
    super::set_resize_allowed(srv, true);
    srv.aof.last_rewrite_time_sec = now_ms() / 1000 - child.start_unix;
    let tmp = rewrite_temp_path(&srv.config, child.pid);
    if ok {
        info!("Background AOF rewrite terminated with success");
        match install_rewrite(srv, &tmp) {
            Ok(()) => {
                info!("Background AOF rewrite finished successfully");
                srv.aof.last_rewrite_ok = true;
                srv.aof.rewrites_consecutive_failures = 0;
                return;
            }
            Err(e) => warn!("Error installing the rewritten AOF: {e}"),
        }
    } else {
        warn!("Background AOF rewrite failed");
    }
    let _ = std::fs::remove_file(&tmp);
    srv.aof.last_rewrite_ok = false;
    srv.aof.rewrites_consecutive_failures += 1;
    // The back-off counts from here too (it only did after failed forks).
    srv.aof.last_failure_unix = now_ms() / 1000;
    if srv.aof.state == State::WaitRewrite {
        // The writes kept for this attempt go with it: the next attempt
        // starts a fresh temporary incr file (Redis aofDelTempIncrAofFile).
        let name = temp_incr_name(&srv.config);
        info!("Removing the temp incr aof file {name} in the background");
        srv.aof.file = None;
        srv.aof.buf.clear();
        let _ = std::fs::remove_file(dir_path(&srv.config).join(&name));
        // Retried from cron, as Redis does.
        srv.aof.rewrite_scheduled = true;
    }
}

/// Deletes the history files the manifest lists and persists it without
/// them, unless `aof-disable-auto-gc yes` keeps them (Redis
/// aofDelHistoryFiles).
fn remove_history(cfg: &Config, m: &mut Manifest) {
    if m.history.is_empty() || cfg.get_bool("aof-disable-auto-gc") == Some(true) {
        return;
    }
    let dir = dir_path(cfg);
    for h in std::mem::take(&mut m.history) {
        info!("Removing the history file {} in the background", h.name);
        let _ = std::fs::remove_file(dir.join(&h.name));
    }
    if let Err(e) = persist_manifest(cfg, m) {
        warn!("Can't persist the AOF manifest after removing history files: {e}");
    }
}

/// CONFIG SET aof-disable-auto-gc no, DEBUG LOADAOF: history files go now.
pub fn remove_history_now(srv: &mut Server) {
    let mut m = std::mem::take(&mut srv.aof.manifest);
    remove_history(&srv.config, &mut m);
    srv.aof.manifest = m;
}

/// The parent's half of a finished rewrite (Redis
/// backgroundRewriteDoneHandler): rename the child's file to the next base
/// name, mark the old base and every incr file but the current one as
/// history, persist the manifest (atomically), then delete history.
fn install_rewrite(srv: &mut Server, tmp: &Path) -> io::Result<()> {
    let cfg = &srv.config;
    let dir = dir_path(cfg);
    let mut m = srv.aof.manifest.clone();
    let base_name = new_base_name(cfg, &mut m);
    std::fs::rename(tmp, dir.join(&base_name))?;
    info!(
        "Successfully renamed the temporary AOF base file {} into {base_name}",
        tmp.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    // History is listed newest first, as Redis lists it: the old base,
    // then the incr files it replaced, each put in front.
    if let Some(mut old) = m.base.take() {
        old.kind = Kind::History;
        m.history.insert(0, old);
    }
    m.base = Some(Entry {
        name: base_name.clone(),
        seq: m.base_seq,
        kind: Kind::Base,
    });
    let waiting = srv.aof.state == State::WaitRewrite;
    // Only an AOF being appended to keeps its current incr file: with the
    // AOF off every incr file is history (Redis
    // markRewrittenIncrAofAsHistory).
    let keep = if srv.aof.state == State::On { 1 } else { 0 };
    let cut = m.incrs.len().saturating_sub(keep);
    for mut e in m.incrs.drain(..cut) {
        e.kind = Kind::History;
        m.history.insert(0, e);
    }
    if waiting {
        let e = new_incr_entry(cfg, &mut m);
        std::fs::rename(dir.join(temp_incr_name(cfg)), dir.join(&e.name))?;
        info!(
            "Successfully renamed the temporary AOF incr file {} into {}",
            temp_incr_name(cfg),
            e.name
        );
        m.incrs.push(e);
    }
    if let Err(e) = persist_manifest(cfg, &m) {
        // Put the old layout back: the new base is not referenced.
        let _ = std::fs::remove_file(dir.join(&base_name));
        return Err(e);
    }
    remove_history(cfg, &mut m);
    let size = manifest_size(cfg, &m);
    let aof = &mut srv.aof;
    aof.manifest = m;
    aof.current_size = size;
    aof.base_size = size;
    if waiting {
        aof.state = State::On;
        aof.fsynced_reploff = Some(aof.fsynced_pending.load(Ordering::Acquire));
        info!("Background AOF rewrite finished successfully, the AOF is on");
        // A replica's master may be waiting for this (WAITAOF after a
        // full sync).
        crate::server::replica::fsynced_moved(srv);
    }
    Ok(())
}

/// Stops a running rewrite child and removes its temp file.
pub fn kill_child(srv: &mut Server) {
    let Some(child) = srv.aof.child.take() else {
        return;
    };
    let mut status: libc::c_int = 0;
    // SAFETY: `child.pid` is our own unreaped child; status is a local.
    unsafe {
        libc::kill(child.pid, libc::SIGUSR1);
        libc::waitpid(child.pid, &mut status, 0);
    }
    let _ = std::fs::remove_file(rewrite_temp_path(&srv.config, child.pid));
    super::set_resize_allowed(srv, true);
}

/// Cron: reap the child, run a scheduled rewrite, start an automatic one
/// when the AOF grew by `auto-aof-rewrite-percentage` over its size after
/// the last rewrite and is above `auto-aof-rewrite-min-size`; fsync
/// pending everysec data.
pub fn cron(srv: &mut Server) {
    if srv.aof.child.is_some() {
        reap_child(srv);
    }
    let limited = rewrite_limited(&srv.aof, now_ms() / 1000);
    if !child_running(srv) && srv.aof.rewrite_scheduled && !limited {
        let _ = rewrite_background(srv);
    }
    if srv.aof.state == State::On && !child_running(srv) {
        let perc = srv
            .config
            .get_int("auto-aof-rewrite-percentage")
            .unwrap_or(100);
        let min = srv
            .config
            .get_int("auto-aof-rewrite-min-size")
            .unwrap_or(64 << 20);
        let cur = srv.aof.current_size as i128;
        if perc > 0 && cur > min {
            let base = (srv.aof.base_size as i128).max(1);
            let growth = cur * 100 / base - 100;
            if growth >= perc && !limited {
                info!("Starting automatic rewriting of AOF on {growth}% growth");
                let _ = rewrite_background(srv);
            } else if growth >= perc && !srv.aof.limit_logged {
                // Said once per wait, in Redis's words.
                srv.aof.limit_logged = true;
                let extra = srv.aof.rewrites_consecutive_failures - BACKOFF_AFTER;
                let wait = (BACKOFF_FIRST_SECS << extra.min(6)).min(BACKOFF_MAX_SECS);
                warn!(
                    "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
                    wait / 60
                );
            }
        }
    }
    if !limited {
        srv.aof.limit_logged = false;
    }
    flush(srv);
}

/// Consecutive failed rewrites after which automatic ones wait (Redis
/// 7.0's threshold), the first wait and the longest, in seconds.
const BACKOFF_AFTER: u64 = 3;
const BACKOFF_FIRST_SECS: i64 = 60;
const BACKOFF_MAX_SECS: i64 = 3600;

/// Whether automatic (and scheduled) rewrites must wait after repeated
/// failures, so a full disk does not fork a child every cron tick. The
/// wait doubles per failure up to an hour; BGREWRITEAOF is never delayed.
fn rewrite_limited(aof: &Aof, now: i64) -> bool {
    let Some(extra) = aof.rewrites_consecutive_failures.checked_sub(BACKOFF_AFTER) else {
        return false;
    };
    let wait = (BACKOFF_FIRST_SECS << extra.min(6)).min(BACKOFF_MAX_SECS);
    now - aof.last_failure_unix < wait
}

/// (name, value) pairs of an INFO section.
pub type InfoFields = Vec<(&'static str, String)>;

/// INFO persistence AOF fields, in Redis 7.0's order: the first group is
/// always shown, the second only while the AOF is on.
pub fn info_fields(srv: &Server) -> (InfoFields, InfoFields) {
    let a = &srv.aof;
    let now = now_ms() / 1000;
    let status = |ok: bool| if ok { "ok" } else { "err" }.to_string();
    let first = vec![
        ("aof_enabled", u8::from(a.state != State::Off).to_string()),
        (
            "aof_rewrite_in_progress",
            u8::from(a.child.is_some()).to_string(),
        ),
        (
            "aof_rewrite_scheduled",
            u8::from(a.rewrite_scheduled).to_string(),
        ),
        (
            "aof_last_rewrite_time_sec",
            a.last_rewrite_time_sec.to_string(),
        ),
        (
            "aof_current_rewrite_time_sec",
            a.child
                .as_ref()
                .map_or(-1, |c| now - c.start_unix)
                .to_string(),
        ),
        ("aof_last_bgrewrite_status", status(a.last_rewrite_ok)),
        ("aof_rewrites", a.rewrites.to_string()),
        (
            "aof_rewrites_consecutive_failures",
            a.rewrites_consecutive_failures.to_string(),
        ),
        ("aof_last_write_status", status(a.last_write_ok)),
        ("aof_last_cow_size", "0".to_string()),
    ];
    let mut second = Vec::new();
    if a.state != State::Off {
        let pending = a
            .worker
            .as_ref()
            .map_or(0, |w| w.pending.load(Ordering::Relaxed));
        second = vec![
            ("aof_current_size", a.current_size.to_string()),
            ("aof_base_size", a.base_size.to_string()),
            (
                "aof_pending_rewrite",
                u8::from(a.rewrite_scheduled).to_string(),
            ),
            ("aof_buffer_length", a.buf.len().to_string()),
            ("aof_pending_bio_fsync", pending.to_string()),
            ("aof_delayed_fsync", a.delayed_fsync.to_string()),
        ];
    }
    (first, second)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    pub(crate) fn aof_harness(tag: &str) -> (Harness, PathBuf) {
        let dir = std::env::temp_dir().join(format!("ember-aof-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cfg = crate::config::Config::default();
        cfg.dir = dir.to_string_lossy().into_owned();
        cfg.save.clear();
        (Harness::with_config(cfg), dir)
    }

    fn incr_text(h: &Harness) -> String {
        let m = &h.srv.aof.manifest;
        let name = &m.incrs.last().unwrap().name;
        String::from_utf8_lossy(&std::fs::read(dir_path(&h.srv.config).join(name)).unwrap())
            .replace("\r\n", " ")
    }

    /// The buffer's commands, one line each ("SET k v").
    fn fed(h: &mut Harness) -> Vec<String> {
        let text = String::from_utf8_lossy(&std::mem::take(&mut h.srv.aof.buf)).into_owned();
        let mut out = Vec::new();
        for part in text.split('*').skip(1) {
            let words: Vec<&str> = part
                .split("\r\n")
                .skip(1)
                .filter(|w| !w.starts_with('$') && !w.is_empty())
                .collect();
            out.push(words.join(" "));
        }
        out
    }

    /// WAITAOF's local count: the replication offset the fsyncs reached,
    /// by `appendfsync`; without replicas each command moves the offset
    /// by one (Redis 7.2), so a client's writes stay distinguishable.
    #[test]
    fn fsynced_offset_follows_the_policy() {
        let (mut h, dir) = aof_harness("fsynced");
        open_on_start(&mut h.srv).unwrap();
        assert_eq!(h.srv.aof.fsynced_reploff, Some(0));
        h.srv.aof.fsync = Fsync::No;
        assert_eq!(h.run(&["SET", "a", "1"]), "+OK\r\n");
        assert_eq!(h.srv.repl.offset, 1);
        assert_eq!(h.c.repl_woff, 1);
        flush(&mut h.srv);
        assert_eq!(h.srv.aof.fsynced_reploff, Some(0));
        assert_eq!(local_count(&mut h), "*1\r\n*2\r\n:0\r\n:0\r\n");
        // A script answers for its caller's last write, without blocking.
        assert_eq!(
            h.run(&["EVAL", "return redis.call('waitaof', 1, 0, 0)", "0"]),
            "*2\r\n:0\r\n:0\r\n"
        );
        // A transaction is MULTI, its commands and EXEC.
        h.run(&["MULTI"]);
        h.run(&["SET", "a", "2"]);
        h.run(&["INCR", "n"]);
        h.run(&["EXEC"]);
        assert_eq!(h.srv.repl.offset, 5);
        assert_eq!(h.c.repl_woff, 5);
        // Reads move nothing.
        h.run(&["GET", "a"]);
        assert_eq!(h.c.repl_woff, 5);

        h.srv.aof.fsync = Fsync::Always;
        h.run(&["SET", "b", "1"]);
        flush(&mut h.srv);
        assert_eq!(h.srv.aof.fsynced_reploff, Some(6));
        assert_eq!(local_count(&mut h), "*1\r\n*2\r\n:1\r\n:0\r\n");

        h.srv.aof.fsync = Fsync::EverySec;
        h.run(&["SET", "c", "1"]);
        // The fsync thread covers it within a second (plus the turn).
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while h.srv.aof.fsynced_reploff != Some(7) {
            assert!(Instant::now() < deadline, "everysec never fsynced");
            std::thread::sleep(std::time::Duration::from_millis(20));
            flush(&mut h.srv);
        }

        // Off: no local count, and WAITAOF with numlocal is refused.
        stop(&mut h.srv);
        assert_eq!(h.srv.aof.fsynced_reploff, None);
        assert_eq!(
            h.run(&["WAITAOF", "1", "0", "0"]),
            "-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n"
        );
        assert_eq!(h.run(&["WAITAOF", "0", "0", "0"]), "*2\r\n:0\r\n:0\r\n");
        // No AOF and no replica: nothing is propagated, the offset stays.
        h.run(&["SET", "d", "1"]);
        assert_eq!(h.srv.repl.offset, 7);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// WAITAOF 1 0 0 inside a transaction, where it answers at once.
    fn local_count(h: &mut Harness) -> String {
        h.run(&["MULTI"]);
        h.run(&["WAITAOF", "1", "0", "0"]);
        h.run(&["EXEC"])
    }

    /// Turned on at run time, the count starts at 0 and takes the offset of
    /// the rewrite's fork (or an fsync's beyond it) once the base exists.
    #[test]
    fn fsynced_offset_after_turning_the_aof_on() {
        let (mut h, dir) = aof_harness("fsynced-on");
        start(&mut h.srv, false).unwrap();
        h.srv.aof.fsync = Fsync::Always;
        assert_eq!(h.srv.aof.fsynced_reploff, Some(0));
        h.run(&["SET", "a", "1"]);
        flush(&mut h.srv);
        // Not before the first base is in place.
        assert_eq!(h.srv.aof.fsynced_reploff, Some(0));
        wait_rewrite(&mut h);
        assert_eq!(h.srv.aof.state, State::On);
        assert_eq!(h.srv.aof.fsynced_reploff, Some(1));
        h.run(&["SET", "b", "1"]);
        flush(&mut h.srv);
        assert_eq!(h.srv.aof.fsynced_reploff, Some(2));
        stop(&mut h.srv);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Each command's deterministic form, as Redis 7.0 writes it (checked
    /// against a redis-server's incr file).
    #[test]
    fn deterministic_forms() {
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        h.srv.aof.state = State::On;
        h.srv.prop.enabled = true;
        h.srv.ks.log_expired = true;
        let cases: &[(&[&str], &[&str])] = &[
            (&["SET", "a", "1"], &["SELECT 0", "SET a 1"]),
            (&["SET", "b", "2", "EX", "100"], &["SET b 2 PXAT 1100000"]),
            (
                &["SET", "b", "2", "PXAT", "5000000", "GET"],
                &["SET b 2 PXAT 5000000"],
            ),
            (&["SET", "b", "3", "NX"], &[]),
            (
                &["SET", "b", "3", "XX", "get", "KEEPTTL"],
                &["SET b 3 XX KEEPTTL"],
            ),
            (
                &["SET", "b", "4", "XX", "PXAT", "5000001"],
                &["SET b 4 PXAT 5000001"],
            ),
            (
                &["SET", "e", "1", "PX", "100", "GET"],
                &["SET e 1 PXAT 1000100"],
            ),
            (&["SETEX", "c", "100", "x"], &["SET c x PXAT 1100000"]),
            (&["PSETEX", "d", "100", "x"], &["SET d x PXAT 1000100"]),
            (&["GETEX", "a", "EX", "100"], &["PEXPIREAT a 1100000"]),
            (&["GETEX", "a", "PERSIST"], &["PERSIST a"]),
            (&["GETEX", "a"], &[]),
            (&["EXPIRE", "b", "200", "NX"], &[]),
            (&["EXPIRE", "b", "200"], &["PEXPIREAT b 1200000"]),
            (&["EXPIRE", "b", "300", "GT"], &["PEXPIREAT b 1300000 GT"]),
            (&["EXPIRE", "b", "-1"], &["DEL b"]),
            (&["EXPIREAT", "d", "1"], &["DEL d"]),
            (&["INCRBYFLOAT", "f", "1.5"], &["SET f 1.5 KEEPTTL"]),
            (&["HINCRBYFLOAT", "h", "f", "2.5"], &["HSET h f 2.5"]),
            (&["GETSET", "g", "1"], &["SET g 1"]),
            (&["GETDEL", "g"], &["DEL g"]),
            (&["GET", "nothing"], &[]),
            (&["SADD", "s", "7"], &["SADD s 7"]),
            (&["SPOP", "s"], &["SREM s 7"]),
            (&["SADD", "s", "1", "2"], &["SADD s 1 2"]),
            (&["SPOP", "s", "5"], &["DEL s"]),
            (&["RPUSH", "l", "1", "2", "3", "4"], &["RPUSH l 1 2 3 4"]),
            (&["BLPOP", "l", "0"], &["LPOP l"]),
            (&["BRPOP", "l", "0"], &["RPOP l"]),
            (
                &["BLMOVE", "l", "l2", "left", "RIGHT", "0"],
                &["LMOVE l l2 left RIGHT"],
            ),
            (&["BRPOPLPUSH", "l", "l2", "0"], &["RPOPLPUSH l l2"]),
            (&["LMPOP", "1", "l2", "RIGHT", "COUNT", "5"], &["RPOP l2 2"]),
            (
                &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
                &["ZADD z 1 a 2 b 3 c"],
            ),
            (&["BZPOPMIN", "z", "0"], &["ZPOPMIN z"]),
            (&["BZPOPMAX", "z", "0"], &["ZPOPMAX z"]),
            (
                &["BZMPOP", "0", "1", "z", "MIN", "COUNT", "9"],
                &["ZPOPMIN z 1"],
            ),
            (&["SELECT", "3"], &[]),
            (&["MULTI"], &[]),
            (&["SET", "m", "1"], &[]),
            (&["INCR", "m"], &[]),
            (
                &["EXEC"],
                &["SELECT 3", "MULTI", "SET m 1", "INCR m", "EXEC"],
            ),
            (&["MULTI"], &[]),
            (&["SET", "m", "2"], &[]),
            (&["GET", "m"], &[]),
            (&["EXEC"], &["SET m 2"]),
            (&["SELECT", "0"], &[]),
            (&["FLUSHDB"], &["SELECT 0", "FLUSHDB"]),
            (&["FLUSHDB"], &["FLUSHDB"]),
        ];
        for (cmd, want) in cases {
            h.run(cmd);
            assert_eq!(fed(&mut h), *want, "{cmd:?}");
        }
        // SPOP with a count: one SREM per member, in one transaction.
        h.run(&["SADD", "p", "a", "b", "c", "d"]);
        fed(&mut h);
        h.run(&["SPOP", "p", "2"]);
        let got = fed(&mut h);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!((got[0].as_str(), got[3].as_str()), ("MULTI", "EXEC"));
        assert!(got[1].starts_with("SREM p ") && got[2].starts_with("SREM p "));
        // Lazy expiry: a DEL of its own before a read, first in a write.
        h.run(&["SET", "x", "1", "PX", "10"]);
        h.run(&["SET", "y", "1", "PX", "10"]);
        fed(&mut h);
        h.now = Some(2_000_000);
        h.run(&["GET", "x"]);
        assert_eq!(fed(&mut h), ["DEL x"]);
        h.run(&["APPEND", "y", "z"]);
        assert_eq!(fed(&mut h), ["MULTI", "DEL y", "APPEND y z", "EXEC"]);
        // RESTORE with a relative TTL replays with ABSTTL.
        let dump = crate::persist::rdb::dump_payload(
            &crate::types::Value::Str(crate::types::StrValue::from_bytes(b"v")),
            false,
            -2,
        )
        .unwrap();
        let argv: Vec<&[u8]> = vec![b"RESTORE", b"r", b"5000", &dump];
        h.run_bytes(&argv);
        let got = fed(&mut h);
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with("RESTORE r 2005000 ") && got[0].ends_with(" ABSTTL"),
            "{got:?}"
        );
    }

    #[test]
    fn aof_write_errors_refuse_writes() {
        let mut h = Harness::new();
        h.srv.aof.state = State::On;
        h.srv.aof.last_write_ok = false;
        h.srv.aof.last_write_err = os_words(&io::Error::from_raw_os_error(libc::ENOSPC));
        let want = "-MISCONF Errors writing to the AOF file: No space left on device\r\n";
        assert_eq!(h.run(&["SET", "k", "v"]), want);
        assert_eq!(h.run(&["PING"]), want);
        assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");
        h.srv.aof.last_write_ok = true;
        assert_eq!(h.run(&["SET", "k", "v"]), "+OK\r\n");
    }

    #[test]
    fn failed_rewrites_back_off() {
        let mut a = Aof::default();
        assert!(!rewrite_limited(&a, 1000));
        a.rewrites_consecutive_failures = 3;
        a.last_failure_unix = 1000;
        assert!(rewrite_limited(&a, 1059));
        assert!(!rewrite_limited(&a, 1060));
        a.rewrites_consecutive_failures = 40;
        assert!(rewrite_limited(&a, 1000 + 3599));
        assert!(!rewrite_limited(&a, 1000 + 3600));
    }

    #[test]
    fn config_set_reaches_the_writer() {
        let mut h = Harness::new();
        assert_eq!(h.srv.aof.fsync, Fsync::EverySec);
        h.run(&["CONFIG", "SET", "appendfsync", "always"]);
        assert_eq!(h.srv.aof.fsync, Fsync::Always);
        h.run(&[
            "CONFIG",
            "SET",
            "appendfsync",
            "no",
            "aof-timestamp-enabled",
            "yes",
        ]);
        assert_eq!(h.srv.aof.fsync, Fsync::No);
        assert!(h.srv.aof.timestamps);
    }

    #[test]
    fn timestamp_annotations() {
        let mut h = Harness::new();
        h.srv.aof.state = State::On;
        h.srv.aof.timestamps = true;
        h.srv.prop.enabled = true;
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "2"]);
        let text = String::from_utf8_lossy(&h.srv.aof.buf).into_owned();
        assert!(text.starts_with("#TS:"), "{text}");
        assert_eq!(text.matches("#TS:").count(), 1, "{text}");
        assert!(text.contains("\r\n*2\r\n$6\r\nSELECT"), "{text}");
    }

    #[test]
    fn debug_loadaof_reloads_the_same_data() {
        let (mut h, dir) = aof_harness("loadaof");
        h.srv.config.enable_debug_command = crate::config::YesLocalNo::Yes;
        open_on_start(&mut h.srv).unwrap();
        h.run(&["RPUSH", "l", "a", "b"]);
        h.run(&["SET", "n", "1"]);
        h.run(&["INCRBYFLOAT", "n", "0.5"]);
        flush(&mut h.srv);
        let size = h.srv.aof.current_size;
        assert_eq!(h.run(&["DEBUG", "LOADAOF"]), "+OK\r\n");
        assert_eq!(
            h.run(&["LRANGE", "l", "0", "-1"]),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
        );
        assert_eq!(h.run(&["GET", "n"]), "$3\r\n1.5\r\n");
        // Reloading logged nothing.
        flush(&mut h.srv);
        assert_eq!(h.srv.aof.current_size, size);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bgsave_and_bgrewriteaof_wait_for_each_other() {
        let (mut h, dir) = aof_harness("children");
        open_on_start(&mut h.srv).unwrap();
        h.run(&["SET", "k", "v"]);
        assert_eq!(
            h.run(&["BGREWRITEAOF"]),
            "+Background append only file rewriting started\r\n"
        );
        assert_eq!(
            h.run(&["BGREWRITEAOF"]),
            "-ERR Background append only file rewriting already in progress\r\n"
        );
        assert_eq!(
            h.run(&["BGSAVE"]),
            format!("-{}\r\n", crate::error::BGSAVE_AOF_REWRITING)
        );
        assert_eq!(
            h.run(&["BGSAVE", "SCHEDULE"]),
            "+Background saving scheduled\r\n"
        );
        wait_rewrite(&mut h);
        // The scheduled BGSAVE starts from cron; a rewrite asked for
        // meanwhile is scheduled in turn.
        crate::persist::cron(&mut h.srv, now_ms());
        assert!(h.srv.persist.child.is_some());
        assert_eq!(
            h.run(&["BGREWRITEAOF"]),
            "+Background append only file rewriting scheduled\r\n"
        );
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        while h.srv.persist.child.is_some() || h.srv.aof.rewrite_scheduled {
            assert!(Instant::now() < deadline);
            std::thread::sleep(std::time::Duration::from_millis(5));
            crate::persist::cron(&mut h.srv, now_ms());
        }
        wait_rewrite(&mut h);
        assert_eq!(h.srv.aof.rewrites, 2);
        assert!(dir.join("dump.rdb").is_file());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn automatic_rewrite_on_growth() {
        let (mut h, dir) = aof_harness("auto");
        h.srv
            .config
            .set(
                &[
                    (b"auto-aof-rewrite-min-size", b"1000"),
                    (b"auto-aof-rewrite-percentage", b"100"),
                ],
                true,
            )
            .unwrap();
        open_on_start(&mut h.srv).unwrap();
        let base = h.srv.aof.base_size;
        cron(&mut h.srv);
        assert!(h.srv.aof.child.is_none(), "no growth yet");
        // Grow past min-size and past twice the size after the last rewrite.
        let mut i = 0;
        while h.srv.aof.current_size <= (2 * base).max(1000) {
            h.run(&["SET", &format!("k{i}"), "some value"]);
            flush(&mut h.srv);
            i += 1;
        }
        cron(&mut h.srv);
        assert!(
            h.srv.aof.child.is_some(),
            "rewrite started at {} bytes",
            h.srv.aof.current_size
        );
        wait_rewrite(&mut h);
        assert!(h.srv.aof.last_rewrite_ok);
        assert_eq!(h.srv.aof.base_size, h.srv.aof.current_size);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn encodes_resp() {
        let mut out = Vec::new();
        encode_command(&mut out, &[&b"SET"[..], b"k", b""]);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }

    #[test]
    fn writes_select_commands_and_transactions() {
        let (mut h, dir) = aof_harness("feed");
        open_on_start(&mut h.srv).unwrap();
        assert!(
            dir.join("appendonlydir/appendonly.aof.1.base.rdb")
                .is_file()
        );
        h.run(&["SET", "a", "1"]);
        h.run(&["GET", "a"]);
        h.run(&["SELECT", "2"]);
        h.run(&["MULTI"]);
        h.run(&["SET", "b", "2"]);
        h.run(&["INCR", "b"]);
        h.run(&["EXEC"]);
        flush(&mut h.srv);
        assert_eq!(
            incr_text(&h),
            "*2 $6 SELECT $1 0 *3 $3 SET $1 a $1 1 *2 $6 SELECT $1 2 *1 $5 MULTI \
             *3 $3 SET $1 b $1 2 *2 $4 INCR $1 b *1 $4 EXEC "
        );
        let manifest = std::fs::read_to_string(manifest_path(&h.srv.config)).unwrap();
        assert_eq!(
            manifest,
            "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn wait_rewrite(h: &mut Harness) {
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        while h.srv.aof.child.is_some() {
            assert!(Instant::now() < deadline, "rewrite child not reaped");
            std::thread::sleep(std::time::Duration::from_millis(5));
            reap_child(&mut h.srv);
        }
    }

    /// CONFIG SET appendonly yes inside EXEC forks no rewrite in the middle
    /// of the transaction: the rewrite is scheduled, as in Redis.
    #[test]
    fn turning_on_inside_exec_schedules_the_rewrite() {
        let (mut h, dir) = aof_harness("on-in-exec");
        h.run(&["MULTI"]);
        h.run(&["SET", "a", "1"]);
        h.run(&["CONFIG", "SET", "appendonly", "yes"]);
        h.run(&["SET", "b", "1"]);
        h.run(&["EXEC"]);
        assert!(h.srv.aof.child.is_none());
        assert!(h.srv.aof.rewrite_scheduled);
        assert_eq!(h.srv.aof.state, State::WaitRewrite);
        stop(&mut h.srv);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn rewrite_switches_manifest() {
        let (mut h, dir) = aof_harness("rw");
        open_on_start(&mut h.srv).unwrap();
        h.run(&["SET", "a", "1"]);
        rewrite_background(&mut h.srv).unwrap();
        assert!(rewrite_background(&mut h.srv).is_err());
        h.run(&["SET", "b", "2"]);
        wait_rewrite(&mut h);
        assert!(h.srv.aof.last_rewrite_ok);
        let manifest = std::fs::read_to_string(manifest_path(&h.srv.config)).unwrap();
        assert_eq!(
            manifest,
            "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        let d = dir.join("appendonlydir");
        assert!(!d.join("appendonly.aof.1.incr.aof").exists());
        assert!(!d.join("appendonly.aof.1.base.rdb").exists());
        flush(&mut h.srv);
        assert!(incr_text(&h).contains("SET $1 b"));
        assert!(!incr_text(&h).contains("SET $1 a"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn turning_on_and_off_at_run_time() {
        let (mut h, dir) = aof_harness("onoff");
        h.run(&["SET", "before", "1"]);
        start(&mut h.srv, false).unwrap();
        assert_eq!(h.srv.aof.state, State::WaitRewrite);
        assert!(!crate::persist::prepare_shutdown(
            &mut h.srv,
            Some(false),
            false
        ));
        h.run(&["SET", "during", "2"]);
        wait_rewrite(&mut h);
        assert_eq!(h.srv.aof.state, State::On);
        let manifest = std::fs::read_to_string(manifest_path(&h.srv.config)).unwrap();
        assert_eq!(
            manifest,
            "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        flush(&mut h.srv);
        assert!(incr_text(&h).contains("during"));
        stop(&mut h.srv);
        assert_eq!(h.srv.aof.state, State::Off);
        h.run(&["SET", "after", "3"]);
        assert!(!h.srv.prop.has_ready());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn writes_before_the_first_rewrite_are_not_logged_twice() {
        let (mut h, dir) = aof_harness("sched");
        // Another child runs: the rewrite waits, writes meanwhile are only
        // in the dataset (and so in the coming snapshot).
        h.srv.persist.child = Some(crate::persist::ChildInfo {
            pid: -1,
            start_unix: 0,
            started: Instant::now(),
        });
        start(&mut h.srv, false).unwrap();
        assert!(h.srv.aof.rewrite_scheduled);
        h.run(&["INCR", "n"]);
        assert!(h.srv.aof.buf.is_empty());
        h.srv.persist.child = None;
        cron(&mut h.srv);
        h.run(&["INCR", "n"]);
        wait_rewrite(&mut h);
        flush(&mut h.srv);
        assert_eq!(incr_text(&h), "*2 $6 SELECT $1 0 *2 $4 INCR $1 n ");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn resp_base_without_preamble() {
        let (mut h, dir) = aof_harness("resp");
        h.srv
            .config
            .set(&[(b"aof-use-rdb-preamble", b"no")], true)
            .unwrap();
        h.run(&["SET", "s", "v"]);
        h.run(&["RPUSH", "l", "1", "x"]);
        h.run(&["SADD", "st", "m"]);
        h.run(&["ZADD", "z", "1.5", "m"]);
        h.run(&["HSET", "h", "f", "v"]);
        h.run(&["PEXPIREAT", "s", "99999999999999"]);
        let mut out = Vec::new();
        write_resp_dataset(&h.srv, &mut out).unwrap();
        let text = String::from_utf8_lossy(&out).replace("\r\n", " ");
        for want in [
            "SET $1 s $1 v",
            "RPUSH $1 l $1 1 $1 x",
            "SADD $2 st $1 m",
            "ZADD $1 z $3 1.5 $1 m",
            "HMSET $1 h $1 f $1 v",
            "PEXPIREAT $1 s $14 99999999999999",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
