//! Running as a service the way redis-server does: `daemonize yes` (detach
//! from the terminal), `pidfile`, and `supervised upstart|systemd|auto`
//! (readiness and stop notifications; systemd's `sd_notify` datagram
//! protocol over `NOTIFY_SOCKET` is implemented here, without libsystemd).
//!
//! Start-up order, driven by main.rs as in Redis's `main()`:
//! 1. configuration parsed, chdir to `dir`, logging set up;
//! 2. [`detect_supervision`]: for systemd logs the timeout advice and sends
//!    `STATUS=Redis is loading...`; for upstart stops the process (SIGSTOP),
//!    which is how upstart learns the service is up;
//! 3. [`daemonize`] when `daemonize yes` and no supervisor was found;
//! 4. listeners bound (`EventLoop::new`), then [`create_pidfile`];
//! 5. data loaded, then [`notify_ready`] (`STATUS=Ready to accept
//!    connections`, `READY=1`);
//! 6. at shutdown [`notify_stopping`] (`STOPPING=1`) and [`remove_pidfile`];
//!    both act once, and [`ExitGuard`] calls them when dropped.
//!
//! The outcome lives in process-wide state (one server per process), so the
//! event loop's shutdown path and INFO ([`supervised_name`]) can reach it
//! without plumbing.

use crate::config::Config;
use crate::config::parse::strerror;
use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use tracing::{debug, info, warn};

/// The pid file used with `daemonize yes` when `pidfile` is not set (Redis's
/// CONFIG_DEFAULT_PID_FILE).
pub const DEFAULT_PIDFILE: &str = "/var/run/redis.pid";

/// Values of the `supervised` directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupervisedMode {
    No,
    Upstart,
    Systemd,
    Auto,
}

impl SupervisedMode {
    /// The configured mode (`supervised` directive).
    pub fn from_config(cfg: &Config) -> Self {
        match cfg.value_of("supervised").as_deref() {
            Some("upstart") => SupervisedMode::Upstart,
            Some("systemd") => SupervisedMode::Systemd,
            Some("auto") => SupervisedMode::Auto,
            _ => SupervisedMode::No,
        }
    }

    /// `auto` resolved against the environment like Redis: `UPSTART_JOB`
    /// set means upstart, else `NOTIFY_SOCKET` set means systemd, else none.
    /// Other modes are returned unchanged.
    pub fn resolve(self, upstart_job: bool, notify_socket: bool) -> Self {
        match self {
            SupervisedMode::Auto if upstart_job => SupervisedMode::Upstart,
            SupervisedMode::Auto if notify_socket => SupervisedMode::Systemd,
            SupervisedMode::Auto => SupervisedMode::No,
            m => m,
        }
    }
}

/// Who supervises the process, once detection is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supervisor {
    None,
    Upstart,
    Systemd,
}

impl Supervisor {
    /// The INFO `process_supervised` value.
    pub fn name(self) -> &'static str {
        match self {
            Supervisor::None => "no",
            Supervisor::Upstart => "upstart",
            Supervisor::Systemd => "systemd",
        }
    }
}

/// Process-wide daemon state.
struct State {
    /// Result of [`detect_supervision`].
    supervisor: Supervisor,
    /// Whether systemd notifications are attempted: `supervised systemd`,
    /// or `auto` that found NOTIFY_SOCKET and reached it (Redis keeps the
    /// configured mode, so an explicit `systemd` keeps trying and warning).
    systemd: bool,
    /// Absolute path of the pid file this process wrote.
    pidfile: Option<PathBuf>,
    /// STOPPING=1 already sent (cleared by READY=1).
    stopping_sent: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    supervisor: Supervisor::None,
    systemd: false,
    pidfile: None,
    stopping_sent: false,
});

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// INFO's `process_supervised`: "no", "upstart" or "systemd".
pub fn supervised_name() -> &'static str {
    state().supervisor.name()
}

// ---------------------------------------------------------------------------
// sd_notify

/// Where systemd listens for notifications: the `NOTIFY_SOCKET` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotifyAddr {
    /// A socket file (absolute path).
    Path(PathBuf),
    /// A Linux abstract socket, written `@name` (the name without the `@`).
    Abstract(Vec<u8>),
}

impl NotifyAddr {
    /// Parses a `NOTIFY_SOCKET` value the way sd_notify does: an absolute
    /// path, or `@name` for an abstract socket. Anything else is None.
    pub fn parse(value: &OsStr) -> Option<NotifyAddr> {
        let b = value.as_bytes();
        match b.first() {
            Some(b'/') => Some(NotifyAddr::Path(PathBuf::from(value))),
            Some(b'@') if b.len() > 1 => Some(NotifyAddr::Abstract(b[1..].to_vec())),
            _ => None,
        }
    }

    /// Sends one datagram holding `msg` from a fresh unbound socket.
    pub fn send(&self, msg: &str) -> io::Result<()> {
        let sock = UnixDatagram::unbound()?;
        let sent = match self {
            NotifyAddr::Path(p) => sock.send_to(msg.as_bytes(), p)?,
            NotifyAddr::Abstract(name) => send_abstract(&sock, name, msg.as_bytes())?,
        };
        if sent == msg.len() {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(libc::EMSGSIZE))
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn send_abstract(sock: &UnixDatagram, name: &[u8], msg: &[u8]) -> io::Result<usize> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    sock.send_to_addr(msg, &addr)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn send_abstract(_sock: &UnixDatagram, _name: &[u8], _msg: &[u8]) -> io::Result<usize> {
    Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
}

/// sd_notify(0, msg): Ok(false) when `NOTIFY_SOCKET` is not set, Ok(true)
/// once the datagram is sent.
pub fn sd_notify(msg: &str) -> io::Result<bool> {
    let Some(value) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(false);
    };
    let addr =
        NotifyAddr::parse(&value).ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
    addr.send(msg).map(|()| true)
}

/// Sends a notification and logs a failure like Redis does with
/// libsystemd's return codes (a negative errno). Returns whether it was sent.
fn communicate_systemd(msg: &str) -> bool {
    match sd_notify(msg) {
        Ok(true) => true,
        Ok(false) => {
            warn!("systemd supervision error: NOTIFY_SOCKET not found!");
            false
        }
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(libc::EINVAL);
            warn!("systemd supervision error: sd_notify: {}", -errno);
            false
        }
    }
}

// ---------------------------------------------------------------------------
// Supervision

/// Finds out who supervises the process, as Redis does before daemonizing.
/// For systemd, sends `STATUS=Redis is loading...` and logs the timeout
/// advice; for upstart, stops the process with SIGSTOP (upstart's `expect
/// stop` readiness protocol) until it gets SIGCONT. Returns the supervisor
/// found; `daemonize yes` is ignored when there is one. With `supervised
/// systemd` the later notifications are attempted (and their failures
/// logged) even when this first one failed, as in Redis; with `auto` they
/// are not.
pub fn detect_supervision(cfg: &Config) -> Supervisor {
    let configured = SupervisedMode::from_config(cfg);
    let upstart_job = std::env::var_os("UPSTART_JOB").is_some();
    let notify_socket = std::env::var_os("NOTIFY_SOCKET").is_some();
    let mode = configured.resolve(upstart_job, notify_socket);
    if configured == SupervisedMode::Auto {
        match mode {
            SupervisedMode::Upstart => debug!("Upstart supervision detected."),
            SupervisedMode::Systemd => debug!("Systemd supervision detected."),
            _ => {}
        }
    }
    let supervisor = match mode {
        SupervisedMode::Upstart => supervised_upstart(),
        SupervisedMode::Systemd => {
            // Redis 7 logs the advice only once systemd was reached; a
            // failure (already logged) leaves the process unsupervised, so
            // `daemonize yes` applies.
            let sent = communicate_systemd("STATUS=Redis is loading...\n");
            state().systemd = sent || configured == SupervisedMode::Systemd;
            if sent {
                info!(
                    "Supervised by systemd. Please make sure you set appropriate values for \
                     TimeoutStartSec and TimeoutStopSec in your service unit."
                );
                Supervisor::Systemd
            } else {
                Supervisor::None
            }
        }
        _ => Supervisor::None,
    };
    state().supervisor = supervisor;
    supervisor
}

/// Upstart's `expect stop`: the job is ready when the process stops itself.
/// (Redis also unsets UPSTART_JOB so that programs it would exec do not see
/// it; ember execs nothing, so the environment is left alone.)
fn supervised_upstart() -> Supervisor {
    if std::env::var_os("UPSTART_JOB").is_none() {
        warn!("upstart supervision requested, but UPSTART_JOB not found!");
        return Supervisor::None;
    }
    info!("supervised by upstart, will stop to signal readiness.");
    // SAFETY: raise(3) only sends a signal to the calling process. SIGSTOP
    // cannot be caught, so no handler runs; the process simply pauses until
    // upstart (or anyone) sends SIGCONT. Covered by tests/daemon.rs
    // `supervised_upstart_stops_until_continued`.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
    Supervisor::Upstart
}

/// Whether the process has exactly one thread (per /proc; true where /proc
/// is not available, since ember starts no thread before the event loop).
fn single_threaded() -> bool {
    thread_count().is_none_or(|n| n == 1)
}

/// Number of threads of this process, from /proc/self/status.
fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

// ---------------------------------------------------------------------------
// Daemonizing

/// Detaches from the terminal: fork (the launching process exits 0), setsid,
/// fork again so the daemon is not a session leader and can never acquire a
/// controlling terminal, then standard input, output and error go to
/// /dev/null (log lines then reach only `logfile`; with `logfile ""` they
/// are lost, as with Redis). Returns in the daemon; an error if the process
/// has more than one thread (fork would copy only the caller) or a fork or
/// setsid failed.
pub fn daemonize() -> io::Result<()> {
    if !single_threaded() {
        return Err(io::Error::other(
            "can't daemonize: the process already has several threads",
        ));
    }
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    fork_and_exit_parent()?;
    // SAFETY: setsid(2) takes no pointers and only changes this process's
    // session and process group; it fails (EPERM) only for a group leader,
    // which a freshly forked child is not. Covered by tests/daemon.rs
    // `daemonize_pidfile_and_sigterm` (the daemon runs in its own session).
    if unsafe { libc::setsid() } == -1 {
        return Err(io::Error::last_os_error());
    }
    fork_and_exit_parent()?;
    redirect_stdio_to_dev_null()
}

/// fork(2); the parent exits 0 at once, the child returns.
fn fork_and_exit_parent() -> io::Result<()> {
    // SAFETY: the process is single-threaded (checked by `daemonize`), so
    // the child gets a consistent copy of the whole address space: no lock
    // can be held by a thread that does not exist in the child. Standard
    // output was flushed before, so no buffered text is written twice.
    // Covered by tests/daemon.rs `daemonize_pidfile_and_sigterm`.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(()),
        // SAFETY: _exit(2) ends the parent at once without running atexit
        // handlers or destructors, which belong to the child now.
        _ => unsafe { libc::_exit(0) },
    }
}

/// Points file descriptors 0, 1 and 2 at /dev/null.
fn redirect_stdio_to_dev_null() -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    for target in [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: dup2(2) on two open descriptors: `null` is owned by this
        // function and stays open for the call, and 0/1/2 are the standard
        // streams, which no Rust object owns (std's Stdin/Stdout/Stderr
        // only refer to them by number). The copy does not inherit
        // close-on-exec, as standard streams should not. Covered by
        // tests/daemon.rs `daemonize_pidfile_and_sigterm` (reads
        // /proc/<pid>/fd/{0,1,2}).
        if unsafe { libc::dup2(null.as_raw_fd(), target) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Pid file

/// The pid file to write, if any (Redis: when daemonized or when `pidfile`
/// is set; daemonized without one uses [`DEFAULT_PIDFILE`]).
pub fn pidfile_path(configured: &str, background: bool) -> Option<&str> {
    match (configured.is_empty(), background) {
        (false, _) => Some(configured),
        (true, true) => Some(DEFAULT_PIDFILE),
        (true, false) => None,
    }
}

/// Writes the pid file (pid and a newline), once the listeners are up. A
/// relative path is relative to `dir` (the working directory), like Redis.
/// With `daemonize yes` and no `pidfile`, the default path is stored in the
/// config, so CONFIG GET pidfile shows it as Redis does. Failure is only
/// logged ("Failed to write PID file: ..."); the server runs on.
pub fn create_pidfile(cfg: &mut Config, background: bool) {
    let Some(path) = pidfile_path(&cfg.pidfile, background).map(str::to_string) else {
        return;
    };
    cfg.pidfile = path.clone();
    let abs = std::env::current_dir()
        .map(|d| d.join(&path))
        .unwrap_or_else(|_| PathBuf::from(&path));
    match write_pid(&abs) {
        Ok(()) => state().pidfile = Some(abs),
        Err(e) => warn!("Failed to write PID file: {}", strerror(&e)),
    }
}

fn write_pid(path: &Path) -> io::Result<()> {
    std::fs::write(path, format!("{}\n", std::process::id()))
}

/// Removes the pid file this process wrote, once (Redis does it when it is
/// about to exit, logging "Removing the pid file.").
pub fn remove_pidfile() {
    let Some(path) = state().pidfile.take() else {
        return;
    };
    info!("Removing the pid file.");
    if let Err(e) = std::fs::remove_file(&path)
        && e.kind() != io::ErrorKind::NotFound
    {
        warn!(
            "Can't remove the pid file {}: {}",
            path.display(),
            strerror(&e)
        );
    }
}

// ---------------------------------------------------------------------------
// Readiness and stop notifications

fn systemd_notifications() -> bool {
    state().systemd
}

/// Tells systemd the server is ready: data loaded, listeners up. Sends
/// `STATUS=Ready to accept connections` then `READY=1`, like Redis.
pub fn notify_ready() {
    if !systemd_notifications() {
        return;
    }
    state().stopping_sent = false;
    communicate_systemd("STATUS=Ready to accept connections\n");
    communicate_systemd("READY=1\n");
}

/// Tells systemd the server is shutting down (`STOPPING=1`), once. Redis
/// sends it as soon as a shutdown starts, before saving.
pub fn notify_stopping() {
    {
        let mut st = state();
        if !st.systemd || st.stopping_sent {
            return;
        }
        st.stopping_sent = true;
    }
    communicate_systemd("STOPPING=1\n");
}

/// Sends a free-form status line (`STATUS=<text>`) to systemd, e.g.
/// "Saving the final RDB snapshot" during shutdown.
pub fn notify_status(text: &str) {
    if systemd_notifications() {
        communicate_systemd(&format!("STATUS={text}\n"));
    }
}

/// Runs the exit-time duties when dropped: `STOPPING=1` (if the shutdown
/// path has not sent it) and pid file removal. main.rs drops it after the
/// event loop returns, before `process::exit`.
#[must_use = "the pid file is removed when the guard is dropped"]
pub struct ExitGuard(());

impl ExitGuard {
    pub fn new() -> Self {
        ExitGuard(())
    }
}

impl Default for ExitGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        notify_stopping();
        remove_pidfile();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn auto_mode_resolution() {
        use SupervisedMode::*;
        assert_eq!(Auto.resolve(true, true), Upstart);
        assert_eq!(Auto.resolve(false, true), Systemd);
        assert_eq!(Auto.resolve(false, false), No);
        assert_eq!(Systemd.resolve(false, false), Systemd);
        assert_eq!(Upstart.resolve(false, true), Upstart);
        assert_eq!(No.resolve(true, true), No);
    }

    #[test]
    fn mode_from_config() {
        let mut cfg = Config::default();
        assert_eq!(SupervisedMode::from_config(&cfg), SupervisedMode::No);
        for (v, m) in [
            ("systemd", SupervisedMode::Systemd),
            ("upstart", SupervisedMode::Upstart),
            ("auto", SupervisedMode::Auto),
            ("no", SupervisedMode::No),
        ] {
            cfg.load_str(&format!("supervised {v}"), "test").unwrap();
            assert_eq!(SupervisedMode::from_config(&cfg), m);
        }
    }

    #[test]
    fn supervisor_names() {
        assert_eq!(Supervisor::None.name(), "no");
        assert_eq!(Supervisor::Upstart.name(), "upstart");
        assert_eq!(Supervisor::Systemd.name(), "systemd");
    }

    #[test]
    fn notify_addr_parsing() {
        assert_eq!(
            NotifyAddr::parse(OsStr::new("/run/systemd/notify")),
            Some(NotifyAddr::Path(PathBuf::from("/run/systemd/notify")))
        );
        assert_eq!(
            NotifyAddr::parse(OsStr::new("@abc/def")),
            Some(NotifyAddr::Abstract(b"abc/def".to_vec()))
        );
        assert_eq!(NotifyAddr::parse(OsStr::new("")), None);
        assert_eq!(NotifyAddr::parse(OsStr::new("@")), None);
        assert_eq!(NotifyAddr::parse(OsStr::new("relative/sock")), None);
        assert_eq!(NotifyAddr::parse(OsStr::new("vsock:2:1")), None);
    }

    fn recv(sock: &UnixDatagram) -> String {
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 256];
        let n = sock.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn notify_to_path_socket() {
        let dir = std::env::temp_dir().join(format!("ember-notify-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        NotifyAddr::Path(path.clone()).send("READY=1\n").unwrap();
        assert_eq!(recv(&sock), "READY=1\n");
        drop(sock);
        // Nobody listening any more: the error carries an errno.
        let err = NotifyAddr::Path(path).send("READY=1\n").unwrap_err();
        assert!(err.raw_os_error().is_some(), "{err:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn notify_to_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("ember-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let sock = UnixDatagram::bind_addr(&addr).unwrap();
        let target = NotifyAddr::parse(OsStr::new(&format!("@{name}"))).unwrap();
        target.send("STOPPING=1\n").unwrap();
        assert_eq!(recv(&sock), "STOPPING=1\n");
    }

    #[test]
    fn pidfile_choice() {
        assert_eq!(pidfile_path("", false), None);
        assert_eq!(pidfile_path("", true), Some("/var/run/redis.pid"));
        assert_eq!(pidfile_path("/tmp/x.pid", false), Some("/tmp/x.pid"));
        assert_eq!(pidfile_path("x.pid", true), Some("x.pid"));
    }

    #[test]
    fn daemonize_refuses_with_several_threads() {
        // Only meaningful where the thread count is known and above one (the
        // test harness runs tests on worker threads); never fork the harness.
        let other = std::thread::spawn(|| std::thread::sleep(Duration::from_millis(500)));
        if thread_count().is_some_and(|n| n > 1) {
            let err = daemonize().unwrap_err();
            assert!(err.to_string().contains("several threads"), "{err}");
        }
        other.join().unwrap();
    }

    #[test]
    fn thread_count_reads_proc() {
        // The test harness runs tests on several threads; at least this one.
        if let Some(n) = thread_count() {
            assert!(n >= 1);
        }
    }
}
