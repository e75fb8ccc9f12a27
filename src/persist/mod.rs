//! Persistence: RDB snapshots in Redis's format. Foreground saves (SAVE,
//! SHUTDOWN), background saves in a forked child (BGSAVE, save points from
//! cron), loading at start-up, and the state INFO persistence reports.
//!
//! A snapshot is written to `temp-<pid>.rdb` in `dir`, fsynced, renamed over
//! `dbfilename` and the directory fsynced, so `dbfilename` is always either
//! the previous complete file or the new complete one.
//!
//! Wiring (done by the event loop / main):
//! * start-up: [`load_at_startup`] after the listeners are bound, exit(1)
//!   on error;
//! * every cron tick: [`cron`] (reaps the child, runs save points and
//!   scheduled BGSAVEs);
//! * SHUTDOWN / SIGTERM: [`prepare_shutdown`] before exiting;
//! * command gate: [`write_denial`] (stop-writes-on-bgsave-error, AOF
//!   write errors).

pub mod aof;
pub mod aof_load;
pub mod digest;
pub mod diskless;
pub mod lzf;
pub mod manifest;
pub mod packed;
pub mod rdb;

use crate::db::Keyspace;
use crate::server::{Server, now_ms};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tracing::{info, warn};

pub use rdb::{LoadStats, SaveStats};

/// Seconds to wait after a failed BGSAVE before a save point tries again
/// (Redis CONFIG_BGSAVE_RETRY_DELAY).
const BGSAVE_RETRY_DELAY: i64 = 5;

/// The background saving child.
#[derive(Debug, Clone)]
pub struct ChildInfo {
    pub pid: i32,
    /// Unix seconds when it was forked.
    pub start_unix: i64,
    pub started: Instant,
}

/// Persistence state the server keeps (`Server::persist`).
#[derive(Debug, Clone)]
pub struct PersistState {
    /// Unix seconds of the last successful save (LASTSAVE); start-up time
    /// until then, as in Redis.
    pub lastsave: i64,
    /// Outcome of the last background save (or successful foreground
    /// save): INFO rdb_last_bgsave_status, stop-writes-on-bgsave-error.
    pub lastbgsave_ok: bool,
    /// Unix seconds of the last BGSAVE attempt.
    pub lastbgsave_try: i64,
    /// `ks.dirty` when the running BGSAVE forked.
    pub dirty_before_bgsave: u64,
    pub child: Option<ChildInfo>,
    /// BGSAVE SCHEDULE asked for a save once no child is running.
    pub bgsave_scheduled: bool,
    /// Saves started (INFO rdb_saves).
    pub rdb_saves: u64,
    /// Duration of the last background save in seconds (-1: none yet).
    pub last_bgsave_time_sec: i64,
    /// Microseconds the last fork took (INFO latest_fork_usec).
    pub latest_fork_usec: u64,
    pub total_forks: u64,
    /// True while a file is being loaded.
    pub loading: bool,
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
    /// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE payloads and RDB files
    /// are taken without comparing their CRC64 (a testing hook).
    pub skip_checksum: bool,
}

impl Default for PersistState {
    fn default() -> Self {
        PersistState {
            lastsave: now_ms() / 1000,
            lastbgsave_ok: true,
            lastbgsave_try: 0,
            dirty_before_bgsave: 0,
            child: None,
            bgsave_scheduled: false,
            rdb_saves: 0,
            last_bgsave_time_sec: -1,
            latest_fork_usec: 0,
            total_forks: 0,
            loading: false,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            skip_checksum: false,
        }
    }
}

impl PersistState {
    pub fn new() -> Self {
        Self::default()
    }
}

/// `dir`/`dbfilename`.
pub fn rdb_path(cfg: &crate::config::Config) -> PathBuf {
    Path::new(&cfg.dir).join(&cfg.dbfilename)
}

fn save_opts(srv: &Server) -> rdb::SaveOpts {
    rdb::SaveOpts {
        compress: srv.config.get_bool("rdbcompression").unwrap_or(true),
        checksum: srv.config.get_bool("rdbchecksum").unwrap_or(true),
        list_fill: srv.config.list_max_listpack_size,
        ctime: now_ms() / 1000,
        used_mem: crate::server::used_memory(),
        aof_base: false,
        functions: srv.scripts.library_codes(),
        repl: crate::server::replica::stream_position(srv)
            .or_else(|| crate::server::repl::master_position(srv)),
        key_save_delay: config_i32(srv, "rdb-key-save-delay"),
    }
}

/// An integer directive that fits an `i32` (0 if unknown).
pub(crate) fn config_i32(srv: &Server, name: &str) -> i32 {
    srv.config
        .get_int(name)
        .and_then(|v| i32::try_from(v).ok())
        .unwrap_or(0)
}

/// The loading hooks of [`rdb::LoadOpts`] from the configuration:
/// (`key-load-delay`, `loading-process-events-interval-bytes`).
pub(crate) fn load_hooks(srv: &Server) -> (i32, u64) {
    let bytes = srv
        .config
        .get_int("loading-process-events-interval-bytes")
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(0);
    (config_i32(srv, "key-load-delay"), bytes)
}

/// Redis's debugDelay, behind `rdb-key-save-delay` and `key-load-delay`:
/// sleeps `usec` microseconds; a negative `-n` sleeps 1 microsecond on
/// one call in `n` on average (a sleep is never shorter than a context
/// switch, so tiny delays are spread out instead).
pub fn debug_delay(usec: i32) {
    let us = if usec < 0 {
        u64::from(delay_rand().is_multiple_of(u64::from(usec.unsigned_abs())))
    } else {
        u64::from(usec.unsigned_abs())
    };
    if us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(us));
    }
}

/// A cheap pseudo-random number for [`debug_delay`] (xorshift64*).
fn delay_rand() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let mut x = STATE.load(Ordering::Relaxed);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    STATE.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// Writes a snapshot of the whole keyspace to `path`: through
/// `temp-<pid>.rdb` in the same directory, fsynced, then renamed over
/// `path` and the directory fsynced. On error the temp file is removed and
/// `path` is untouched. Updates no state (see [`save_sync`]).
pub fn save(srv: &Server, path: &Path) -> io::Result<SaveStats> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp_name = format!("temp-{}.rdb", std::process::id());
    let tmp = dir.join(&tmp_name);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "Failed opening the temp RDB file {tmp_name} (in server root dir {}) for saving: {e}",
                    dir.display()
                ),
            )
        })?;
        let stats = rdb::write_rdb(&srv.ks, &mut f, &save_opts(srv))
            .map_err(|e| io::Error::new(e.kind(), format!("Write error saving DB on disk: {e}")))?;
        f.sync_all()
            .map_err(|e| io::Error::new(e.kind(), format!("Write error saving DB on disk: {e}")))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "Error moving temp DB file {tmp_name} on the final destination {name} (in server root dir {}): {e}",
                    dir.display()
                ),
            )
        })?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(stats)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes an RDB holding the function libraries and no keys to `path`
/// (for a replica that asked `REPLCONF rdb-filter-only functions`, as
/// `redis-cli --functions-rdb` does). Small: written in the foreground.
pub fn save_functions_only(srv: &Server, path: &Path) -> io::Result<()> {
    let empty = Keyspace::new(srv.config.databases);
    let mut f = File::create(path)?;
    rdb::write_rdb(&empty, &mut f, &save_opts(srv))?;
    f.sync_all()
}

/// A foreground save to `dir`/`dbfilename` (SAVE, SHUTDOWN, FLUSHALL):
/// on success the change counter is reset and LASTSAVE updated. Logs the
/// outcome; returns false on failure.
pub fn save_sync(srv: &mut Server) -> bool {
    let path = rdb_path(&srv.config);
    match save(srv, &path) {
        Ok(_) => {
            info!("DB saved on disk");
            srv.ks.dirty = 0;
            srv.persist.lastsave = now_ms() / 1000;
            srv.persist.lastbgsave_ok = true;
            true
        }
        Err(e) => {
            warn!("{e}");
            false
        }
    }
}

/// Forks a child that writes the snapshot (Redis rdbSaveBackground).
/// Errors when a child is already running or fork fails (logged, and the
/// failure recorded as a failed background save).
pub fn bgsave(srv: &mut Server) -> Result<i32, String> {
    if srv.persist.child.is_some() {
        return Err("Background save already in progress".into());
    }
    if srv.aof.child.is_some() {
        return Err("An AOF rewrite is in progress".into());
    }
    srv.persist.rdb_saves += 1;
    srv.persist.dirty_before_bgsave = srv.ks.dirty;
    srv.persist.lastbgsave_try = now_ms() / 1000;
    let started = Instant::now();
    // SAFETY: fork() has no memory-safety preconditions of its own. The
    // child runs `child_main`, which only reads the forked copy of `srv`,
    // allocates (glibc's malloc is fork-safe: fork takes its locks around
    // the call), writes one file and leaves with `_exit`, never returning
    // into the event loop or running destructors. The only other thread
    // the process may have (lazyfree) holds no lock the child uses.
    // Tested by tests/rdb.rs `bgsave_writes_snapshot_in_child`.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => {
            let e = io::Error::last_os_error();
            srv.persist.lastbgsave_ok = false;
            warn!("Can't save in background: fork: {e}");
            Err(format!("fork: {e}"))
        }
        0 => child_main(srv),
        pid => {
            info!("Background saving started by pid {pid}");
            Ok(record_fork(srv, pid, started))
        }
    }
}

/// The parent after forking the RDB child `pid`: INFO's fork numbers,
/// `persist.child`, no dict resizes while the pages are shared.
fn record_fork(srv: &mut Server, pid: i32, started: Instant) -> i32 {
    srv.persist.latest_fork_usec = started.elapsed().as_micros() as u64;
    srv.persist.total_forks += 1;
    srv.persist.child = Some(ChildInfo {
        pid,
        start_unix: now_ms() / 1000,
        started,
    });
    set_resize_allowed(srv, false);
    pid
}

/// The forked child: write the snapshot, exit 0 on success, 1 on failure.
fn child_main(srv: &Server) -> ! {
    child_prelude();
    let path = rdb_path(&srv.config);
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match save(srv, &path) {
        Ok(_) => {
            info!("DB saved on disk");
            true
        }
        Err(e) => {
            warn!("{e}");
            false
        }
    }))
    .unwrap_or(false);
    // SAFETY: `_exit` ends the child at once without running atexit
    // handlers or destructors that belong to the parent's state.
    unsafe { libc::_exit(if ok { 0 } else { 1 }) }
}

/// Forks a child that streams the snapshot to replica sockets
/// (`repl-diskless-sync yes`; Redis rdbSaveToSlavesSockets): nothing is
/// written to `dir`. Counts as the RDB child (`persist.child`: INFO
/// rdb_bgsave_in_progress, no BGSAVE or rewrite beside it), but its end
/// changes neither LASTSAVE nor the unsaved-changes count nor the last
/// save status. `timeout` drops a replica that takes nothing for that long.
/// Returns the child's pid and the pipe its report arrives on: the bytes it
/// sent, 8 bytes little-endian, written just before it exits.
pub fn save_to_sockets(
    srv: &mut Server,
    targets: Vec<diskless::Target>,
    mark: &[u8],
    timeout: std::time::Duration,
) -> Result<(i32, io::PipeReader), String> {
    if srv.persist.child.is_some() {
        return Err("Background save already in progress".into());
    }
    if srv.aof.child.is_some() {
        return Err("An AOF rewrite is in progress".into());
    }
    let (report_rx, report_tx) = io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let started = Instant::now();
    // SAFETY: as in `bgsave`: the child only reads its forked copy of
    // `srv`, writes to the replica sockets it kept and leaves with
    // `_exit`. Tested by tests/diskless.rs.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => {
            let e = io::Error::last_os_error();
            warn!("Can't save in background: fork: {e}");
            Err(format!("fork: {e}"))
        }
        0 => socket_child_main(srv, targets, mark, timeout, report_tx),
        pid => {
            // Only the child writes the report: EOF once it is gone.
            drop(report_tx);
            info!("Background RDB transfer started by pid {pid}");
            Ok((record_fork(srv, pid, started), report_rx))
        }
    }
}

/// The forked child of [`save_to_sockets`]: exit 0 when at least one
/// replica received the whole snapshot (the others were shut down).
fn socket_child_main(
    srv: &Server,
    targets: Vec<diskless::Target>,
    mark: &[u8],
    timeout: std::time::Duration,
    mut report: io::PipeWriter,
) -> ! {
    use std::io::Write;
    child_prelude_keeping(&targets.iter().map(|t| t.fd).collect::<Vec<_>>());
    let opts = save_opts(srv);
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        diskless::transfer(targets, mark, timeout, |out| {
            rdb::write_rdb(&srv.ks, out, &opts).map(|_| ())
        })
    }));
    let ok = match ok {
        Ok(Ok((_, sent))) => {
            let _ = report.write_all(&sent.to_le_bytes());
            true
        }
        Ok(Err(e)) => {
            warn!("Diskless rdb transfer failed: {e}");
            false
        }
        Err(_) => false,
    };
    // SAFETY: as in `child_main`.
    unsafe { libc::_exit(if ok { 0 } else { 1 }) }
}

/// What every fork child does first: default signal dispositions, no
/// inherited sockets.
fn child_prelude() {
    child_prelude_keeping(&[]);
}

/// [`child_prelude`], keeping the sockets in `keep` open.
fn child_prelude_keeping(keep: &[i32]) {
    // SAFETY: resetting signal dispositions to the default is always sound;
    // the child must die on SIGTERM/SIGINT/SIGUSR1 instead of running the
    // parent's flag-setting handlers it would never look at.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGUSR1, libc::SIG_DFL);
    }
    close_inherited_sockets(keep);
}

/// Closes every socket the child inherited (listeners and clients), so a
/// long save does not keep the port bound after the parent exits; `keep`
/// are the replica sockets a diskless transfer writes to.
fn close_inherited_sockets(keep: &[i32]) {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<i32> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd > 2 && !keep.contains(&fd))
        .collect();
    for fd in fds {
        // SAFETY: fstat writes into a zeroed stat buffer we own; close on a
        // socket descriptor of this (child) process affects only the
        // child's descriptor table: the parent keeps its own copies.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            if libc::fstat(fd, &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFSOCK {
                libc::close(fd);
            }
        }
    }
}

/// Stops dict resizes and access-clock updates while a child shares our
/// pages (copy-on-write).
fn set_resize_allowed(srv: &mut Server, allowed: bool) {
    srv.ks.fork_no_touch = !allowed;
    for db in &mut srv.ks.dbs {
        db.main.set_resize_allowed(allowed);
        db.expires.set_resize_allowed(allowed);
    }
}

/// Checks whether the background saving child ended (waitpid WNOHANG) and
/// records the outcome: on success the changes made before the fork stop
/// counting as unsaved and LASTSAVE moves; a failure sets
/// `rdb_last_bgsave_status:err`.
pub fn reap_children(srv: &mut Server) {
    let Some(child) = srv.persist.child.clone() else {
        return;
    };
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid writes the status into a local we own; WNOHANG makes
    // it return at once. Tested by tests/rdb.rs (BGSAVE, then LASTSAVE and
    // INFO persistence change once the child is reaped).
    let r = unsafe { libc::waitpid(child.pid, &mut status, libc::WNOHANG) };
    if r == 0 {
        return;
    }
    let (exitcode, bysignal) = if r == -1 {
        let e = io::Error::last_os_error();
        warn!(
            "waitpid() returned an error: {e}. child_type: RDB, child_pid = {}",
            child.pid
        );
        (1, 0)
    } else if libc::WIFEXITED(status) {
        (libc::WEXITSTATUS(status), 0)
    } else if libc::WIFSIGNALED(status) {
        (0, libc::WTERMSIG(status))
    } else {
        return;
    };
    child_done(srv, &child, exitcode, bysignal);
}

fn child_done(srv: &mut Server, child: &ChildInfo, exitcode: i32, bysignal: i32) {
    let now = now_ms() / 1000;
    if crate::server::repl::is_socket_child(srv, child.pid) {
        // A diskless transfer saved nothing: only its outcome is logged.
        if exitcode == 0 && bysignal == 0 {
            info!("Background RDB transfer terminated with success");
        } else if bysignal == 0 {
            warn!("Background transfer error");
        } else {
            warn!("Background transfer terminated by signal {bysignal}");
        }
    } else if exitcode == 0 && bysignal == 0 {
        info!("Background saving terminated with success");
        srv.ks.dirty = srv.ks.dirty.saturating_sub(srv.persist.dirty_before_bgsave);
        srv.persist.lastsave = now;
        srv.persist.lastbgsave_ok = true;
    } else if bysignal == 0 {
        warn!("Background saving error");
        srv.persist.lastbgsave_ok = false;
    } else {
        warn!("Background saving terminated by signal {bysignal}");
        remove_temp_file(srv, child.pid);
        // SIGUSR1 is how we stop a child on purpose: not an error.
        if bysignal != libc::SIGUSR1 {
            srv.persist.lastbgsave_ok = false;
        }
    }
    srv.persist.last_bgsave_time_sec = now - child.start_unix;
    srv.persist.child = None;
    set_resize_allowed(srv, true);
    crate::server::repl::bgsave_done(srv, child.pid, exitcode == 0 && bysignal == 0);
}

fn remove_temp_file(srv: &Server, pid: i32) {
    let tmp = Path::new(&srv.config.dir).join(format!("temp-{pid}.rdb"));
    let _ = std::fs::remove_file(tmp);
}

/// Stops a running background save (SIGUSR1), waits for the child and
/// removes its temp file (SHUTDOWN, FLUSHALL).
pub fn kill_child(srv: &mut Server) {
    let Some(child) = srv.persist.child.take() else {
        return;
    };
    let mut status: libc::c_int = 0;
    // SAFETY: kill and waitpid take plain integers and a status out-pointer
    // to a local; `child.pid` is our own child, not yet reaped (so its pid
    // cannot have been reused). Tested by tests/rdb.rs
    // `shutdown_kills_bgsave_child`.
    unsafe {
        libc::kill(child.pid, libc::SIGUSR1);
        libc::waitpid(child.pid, &mut status, 0);
    }
    remove_temp_file(srv, child.pid);
    srv.persist.last_bgsave_time_sec = now_ms() / 1000 - child.start_unix;
    set_resize_allowed(srv, true);
    // Replicas waiting for this snapshot reconnect and sync again.
    crate::server::repl::bgsave_done(srv, child.pid, false);
}

/// Persistence work for each cron tick (Redis serverCron): reap a finished
/// child; with none running, start a BGSAVE when a `save <seconds>
/// <changes>` point is reached (waiting BGSAVE_RETRY_DELAY after a failed
/// one), or when BGSAVE SCHEDULE asked for one.
pub fn cron(srv: &mut Server, now_ms: i64) {
    aof::cron(srv);
    if srv.persist.child.is_some() {
        reap_children(srv);
        return;
    }
    if srv.aof.child.is_some() {
        return;
    }
    let now = now_ms / 1000;
    let retry_ok =
        |p: &PersistState| now - p.lastbgsave_try > BGSAVE_RETRY_DELAY || p.lastbgsave_ok;
    for i in 0..srv.config.save.len() {
        let (secs, changes) = srv.config.save[i];
        if srv.ks.dirty >= changes
            && now - srv.persist.lastsave > secs as i64
            && retry_ok(&srv.persist)
        {
            info!("{changes} changes in {secs} seconds. Saving...");
            let _ = bgsave(srv);
            return;
        }
    }
    if srv.persist.bgsave_scheduled && retry_ok(&srv.persist) && bgsave(srv).is_ok() {
        srv.persist.bgsave_scheduled = false;
    }
}

/// Loads the RDB file at `path` into the (normally empty) keyspace. On
/// error the keyspace may hold part of the file: the caller must exit (at
/// start-up) or flush it.
pub fn load(srv: &mut Server, path: &Path) -> Result<LoadStats, String> {
    load_pumped(srv, path, &mut |_| {})
}

/// Decodes into the server's databases while `pump` may run event loop
/// turns: the databases are moved into a scratch keyspace for the decoder,
/// so the server the pump sees has empty ones (and answers -LOADING).
pub(crate) fn decode_pumped<I: rdb::Input>(
    srv: &mut Server,
    d: &mut rdb::Decoder<I>,
    opts: &rdb::LoadOpts,
    pump: &mut dyn FnMut(&mut Server),
) -> Result<LoadStats, rdb::LoadError> {
    let mut scratch = crate::db::Keyspace::new(srv.ks.dbs.len());
    std::mem::swap(&mut scratch.dbs, &mut srv.ks.dbs);
    let r = d.load_with(&mut scratch, opts, &mut || pump(srv));
    std::mem::swap(&mut scratch.dbs, &mut srv.ks.dbs);
    r
}

/// Opens the RDB file at `path` for decoding with `srv`'s checksum and
/// encoding settings.
fn open_rdb(
    srv: &Server,
    path: &Path,
) -> Result<(rdb::Decoder<rdb::FileInput<File>>, rdb::LoadOpts), String> {
    let f = File::open(path).map_err(|e| format!("Can't open {}: {e}", path.display()))?;
    let len = f
        .metadata()
        .map_err(|e| format!("Can't stat {}: {e}", path.display()))?
        .len();
    let opts = rdb::LoadOpts {
        keep_expired: srv.replica.active(),
        now_ms: now_ms(),
        verify_checksum: srv.config.get_bool("rdbchecksum").unwrap_or(true)
            && !srv.persist.skip_checksum,
        limits: rdb::TypeLimits::from_config(&srv.config),
        key_load_delay: load_hooks(srv).0,
        progress_bytes: load_hooks(srv).1,
    };
    Ok((rdb::Decoder::new(rdb::FileInput::new(f, len)), opts))
}

/// Registers the function libraries an RDB file (or an AOF's RDB base)
/// carried, once the whole file has been read.
pub(crate) fn install_functions(srv: &mut Server, st: &LoadStats) -> Result<(), String> {
    for code in &st.functions {
        srv.scripts
            .load_library(code, true)
            .map_err(|e| format!("failed loading a function library: {e}"))?;
    }
    Ok(())
}

/// [`load`] with the event loop's `pump` (start-up).
fn load_pumped(
    srv: &mut Server,
    path: &Path,
    pump: &mut dyn FnMut(&mut Server),
) -> Result<LoadStats, String> {
    let (mut d, opts) = open_rdb(srv, path)?;
    srv.persist.loading = true;
    let r = decode_pumped(srv, &mut d, &opts, pump);
    srv.persist.loading = false;
    if let Err(e) = &r {
        warn!(
            "Internal error in RDB reading offset {}: {}",
            e.offset, e.msg
        );
    }
    match r {
        Ok(st) => {
            install_functions(srv, &st)
                .map_err(|e| format!("Bad RDB file {}: {e}", path.display()))?;
            srv.persist.last_load_keys_loaded = st.keys_loaded;
            srv.persist.last_load_keys_expired = st.keys_expired;
            Ok(st)
        }
        Err(e) => Err(format!("Bad RDB file {}: {e}", path.display())),
    }
}

/// Reads the RDB file at `path` into `ks`, leaving the server's own
/// keyspace alone: DEBUG RELOAD loads into a fresh keyspace and swaps it
/// in only on success.
pub fn load_into(srv: &Server, path: &Path, ks: &mut Keyspace) -> Result<LoadStats, String> {
    let (mut d, opts) = open_rdb(srv, path)?;
    d.load(ks, &opts)
        .map_err(|e| format!("Bad RDB file {}: {e}", path.display()))
}

/// [`load_into`] calling `pump` now and then (a replica loading its
/// master's snapshot serves clients meanwhile, with `-LOADING` for most
/// commands: `persist.loading` is set for the duration).
pub fn load_into_pumped(
    srv: &mut Server,
    path: &Path,
    ks: &mut Keyspace,
    pump: &mut dyn FnMut(&mut Server),
) -> Result<LoadStats, String> {
    let (mut d, opts) = open_rdb(srv, path)?;
    srv.persist.loading = true;
    let r = d.load_with(ks, &opts, &mut || pump(srv));
    srv.persist.loading = false;
    r.map_err(|e| format!("Bad RDB file {}: {e}", path.display()))
}

/// Start-up: loads `dir`/`dbfilename` if it exists, logging like Redis.
/// An error means the server must not start (the file is left untouched).
pub fn load_at_startup(srv: &mut Server) -> Result<(), String> {
    load_at_startup_with(srv, &mut |_| {})
}

/// [`load_at_startup`] calling `pump` now and then while it loads (the
/// event loop answers clients with -LOADING from it).
pub fn load_at_startup_with(
    srv: &mut Server,
    pump: &mut dyn FnMut(&mut Server),
) -> Result<(), String> {
    if srv.config.appendonly {
        return aof_load::load_at_startup(srv, pump);
    }
    let path = rdb_path(&srv.config);
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("Can't access {}: {e}", path.display())),
        Ok(m) if !m.is_file() => return Err(format!("{} is not a regular file", path.display())),
        Ok(_) => {}
    }
    let start = Instant::now();
    // Ends with Redis's last words (log watchers look for them).
    let st = load_pumped(srv, &path, pump).map_err(|e| {
        format!("{e}. Refusing to start with a damaged data file (it was left untouched): repair it with a backup or move it away. Terminating server after rdb file reading failure.")
    })?;
    // A replica's own file tells where in its master's history it is.
    crate::server::replica::restore_position(srv, &st.aux);
    for (k, v) in &st.aux {
        match k.as_str() {
            "redis-ver" => info!("Loading RDB produced by version {v}"),
            "ctime" => {
                if let Ok(t) = v.parse::<i64>() {
                    info!("RDB age {} seconds", (now_ms() / 1000 - t).max(0));
                }
            }
            "used-mem" => {
                if let Ok(m) = v.parse::<u64>() {
                    info!(
                        "RDB memory usage when created {:.2} Mb",
                        m as f64 / (1024.0 * 1024.0)
                    );
                }
            }
            _ => {}
        }
    }
    if !st.checksummed && st.version >= 5 {
        warn!("RDB file was saved with checksum disabled: no check performed.");
    }
    if st.empty_keys_skipped > 0 {
        info!(
            "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
            st.keys_loaded, st.keys_expired, st.empty_keys_skipped
        );
    } else {
        info!(
            "Done loading RDB, keys loaded: {}, keys expired: {}.",
            st.keys_loaded, st.keys_expired
        );
    }
    info!(
        "DB loaded from disk: {:.3} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Redis's writeCommandsDeniedByDiskError: the MISCONF error write
/// commands (and PING) get while the last background save failed (see
/// [`writes_denied`]) or the AOF cannot be written.
#[inline]
pub fn write_denial(srv: &Server) -> Option<String> {
    // The usual case, tested first: no failed save, no failed AOF write.
    if srv.persist.lastbgsave_ok && srv.aof.last_write_ok {
        return None;
    }
    write_denial_slow(srv)
}

#[inline(never)]
fn write_denial_slow(srv: &Server) -> Option<String> {
    if writes_denied(srv) {
        return Some(crate::error::MISCONF.to_string());
    }
    if srv.aof.state != aof::State::Off && !srv.aof.last_write_ok {
        return Some(crate::error::misconf_aof(&srv.aof.last_write_err));
    }
    None
}

/// Redis's writeCommandsDeniedByDiskError for RDB: with save points set
/// and stop-writes-on-bgsave-error yes, the last background save failed.
/// Write commands (and PING) must then be refused with
/// `crate::error::MISCONF`.
pub fn writes_denied(srv: &Server) -> bool {
    !srv.persist.lastbgsave_ok
        && !srv.config.save.is_empty()
        && srv
            .config
            .get_bool("stop-writes-on-bgsave-error")
            .unwrap_or(true)
}

/// SHUTDOWN's persistence step (Redis prepareForShutdown): stop a running
/// BGSAVE child, then save when `save` says so (`Some(true)` SHUTDOWN
/// SAVE, `Some(false)` NOSAVE, `None`: when save points are configured).
/// Returns false when the save failed and `force` is not set: the server
/// must not exit.
pub fn prepare_shutdown(srv: &mut Server, save: Option<bool>, force: bool) -> bool {
    // The AOF was just turned on and its first base is being written:
    // stopping now would leave no AOF to start from (Redis refuses too).
    if srv.aof.state == aof::State::WaitRewrite && srv.aof.child.is_some() && !force {
        warn!("Writing initial AOF, can't exit.");
        return false;
    }
    aof::prepare_shutdown(srv);
    if srv.persist.child.is_some() {
        warn!("There is a child saving an .rdb. Killing it!");
        kill_child(srv);
    }
    let want = save.unwrap_or(!srv.config.save.is_empty());
    if want {
        info!("Saving the final RDB snapshot before exiting.");
        if !save_sync(srv) {
            if force {
                warn!("Error trying to save the DB. Exit anyway.");
            } else {
                warn!("Error trying to save the DB, can't exit.");
                return false;
            }
        }
    }
    true
}

/// The RDB fields of INFO persistence, in Redis's order, as (name, value).
pub fn info_fields(srv: &Server) -> Vec<(&'static str, String)> {
    let p = &srv.persist;
    let now = now_ms() / 1000;
    vec![
        ("loading", u8::from(p.loading).to_string()),
        ("rdb_changes_since_last_save", srv.ks.dirty.to_string()),
        (
            "rdb_bgsave_in_progress",
            u8::from(p.child.is_some()).to_string(),
        ),
        ("rdb_last_save_time", p.lastsave.to_string()),
        (
            "rdb_last_bgsave_status",
            if p.lastbgsave_ok { "ok" } else { "err" }.to_string(),
        ),
        (
            "rdb_last_bgsave_time_sec",
            p.last_bgsave_time_sec.to_string(),
        ),
        (
            "rdb_current_bgsave_time_sec",
            p.child
                .as_ref()
                .map_or(-1, |c| now - c.start_unix)
                .to_string(),
        ),
        ("rdb_saves", p.rdb_saves.to_string()),
        (
            "rdb_last_load_keys_expired",
            p.last_load_keys_expired.to_string(),
        ),
        (
            "rdb_last_load_keys_loaded",
            p.last_load_keys_loaded.to_string(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    fn harness(tag: &str) -> (Harness, PathBuf) {
        let dir = std::env::temp_dir().join(format!("ember-persist-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cfg = crate::config::Config::default();
        cfg.dir = dir.to_string_lossy().into_owned();
        (Harness::with_config(cfg), dir)
    }

    fn wait_reaped(h: &mut Harness) {
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        while h.srv.persist.child.is_some() {
            assert!(Instant::now() < deadline, "child not reaped");
            std::thread::sleep(std::time::Duration::from_millis(5));
            reap_children(&mut h.srv);
        }
    }

    /// fork, the child's save and `_exit`, waitpid and the bookkeeping.
    #[test]
    fn bgsave_forks_saves_and_is_reaped() {
        let (mut h, dir) = harness("bg");
        for i in 0..1000 {
            h.run(&["SET", &format!("k{i}"), &format!("v{i}")]);
        }
        h.srv.persist.lastsave = 0;
        let pid = bgsave(&mut h.srv).unwrap();
        assert!(pid > 0);
        assert_eq!(
            bgsave(&mut h.srv),
            Err("Background save already in progress".into())
        );
        // Writes made while the child runs stay counted as unsaved.
        h.run(&["SET", "during", "x"]);
        wait_reaped(&mut h);
        assert!(h.srv.persist.lastbgsave_ok);
        assert!(h.srv.persist.lastsave > 0);
        assert_eq!(h.srv.ks.dirty, 1);
        assert_eq!(h.srv.persist.rdb_saves, 1);
        assert!(!dir.join(format!("temp-{pid}.rdb")).exists());
        let (mut h2, _) = harness("bg-load");
        let st = load(&mut h2.srv, &dir.join("dump.rdb")).unwrap();
        assert_eq!(st.keys_loaded, 1000);
        assert_eq!(h2.run(&["GET", "k7"]), "$2\r\nv7\r\n");
        // A failing child (the target is a directory) is recorded.
        std::fs::remove_file(dir.join("dump.rdb")).unwrap();
        std::fs::create_dir(dir.join("dump.rdb")).unwrap();
        bgsave(&mut h.srv).unwrap();
        wait_reaped(&mut h);
        assert!(!h.srv.persist.lastbgsave_ok);
        assert!(!writes_denied(&h.srv) || !h.srv.config.save.is_empty());
        h.srv.config.save = vec![(3600, 1)];
        assert!(writes_denied(&h.srv));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(h2.srv.config.dir.clone());
    }

    #[test]
    fn kill_child_stops_it_and_cleans_up() {
        let (mut h, dir) = harness("kill");
        h.run(&["SET", "k", "v"]);
        let pid = bgsave(&mut h.srv).unwrap();
        kill_child(&mut h.srv);
        assert!(h.srv.persist.child.is_none());
        assert!(!dir.join(format!("temp-{pid}.rdb")).exists());
        // Killing on purpose is not a failed save.
        assert!(h.srv.persist.lastbgsave_ok);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn cron_runs_save_points_and_scheduled_saves() {
        let (mut h, dir) = harness("cron");
        h.srv.config.save = vec![(10, 2)];
        let now = now_ms();
        h.srv.persist.lastsave = now / 1000 - 20;
        h.run(&["SET", "a", "1"]);
        cron(&mut h.srv, now);
        assert!(h.srv.persist.child.is_none(), "1 change < 2");
        h.run(&["SET", "b", "2"]);
        cron(&mut h.srv, now);
        assert!(h.srv.persist.child.is_some());
        wait_reaped(&mut h);
        assert_eq!(h.srv.ks.dirty, 0);
        assert!(dir.join("dump.rdb").is_file());
        // BGSAVE SCHEDULE: started by the next cron without a child.
        h.srv.config.save.clear();
        h.srv.persist.bgsave_scheduled = true;
        cron(&mut h.srv, now_ms());
        assert!(!h.srv.persist.bgsave_scheduled);
        wait_reaped(&mut h);
        // After a failure, save points wait BGSAVE_RETRY_DELAY seconds.
        h.srv.persist.lastbgsave_ok = false;
        h.srv.persist.lastbgsave_try = now_ms() / 1000;
        h.srv.config.save = vec![(1, 0)];
        h.srv.persist.lastsave = 0;
        cron(&mut h.srv, now_ms());
        assert!(h.srv.persist.child.is_none());
        cron(&mut h.srv, now_ms() + 6000);
        assert!(h.srv.persist.child.is_some());
        wait_reaped(&mut h);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn prepare_shutdown_saves_or_refuses() {
        let (mut h, dir) = harness("shutdown");
        h.run(&["SET", "k", "v"]);
        h.srv.config.save.clear();
        assert!(prepare_shutdown(&mut h.srv, None, false));
        assert!(!dir.join("dump.rdb").exists());
        assert!(prepare_shutdown(&mut h.srv, Some(true), false));
        assert!(dir.join("dump.rdb").is_file());
        std::fs::remove_file(dir.join("dump.rdb")).unwrap();
        std::fs::create_dir(dir.join("dump.rdb")).unwrap();
        h.srv.config.save = vec![(3600, 1)];
        assert!(!prepare_shutdown(&mut h.srv, None, false));
        assert!(prepare_shutdown(&mut h.srv, None, true));
        assert!(prepare_shutdown(&mut h.srv, Some(false), false));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn load_at_startup_missing_file_is_fine() {
        let (mut h, dir) = harness("startup");
        assert_eq!(load_at_startup(&mut h.srv), Ok(()));
        std::fs::write(dir.join("dump.rdb"), b"REDIS0010\xff").unwrap();
        let e = load_at_startup(&mut h.srv).unwrap_err();
        assert!(e.contains("dump.rdb"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
