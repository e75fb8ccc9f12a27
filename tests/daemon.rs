//! Daemon behaviour of the ember-server binary: `daemonize yes` with a pid
//! file, pid file removal on SIGTERM, `supervised systemd|auto|upstart`
//! readiness and stop notifications over a test NOTIFY_SOCKET, and an
//! unwritable pid file that only logs a warning.
//!
//! Every process started here is stopped by pid (never by name): children
//! through their `Child` handle, a detached daemon through the pid in its
//! pid file ([`Daemon`]'s drop).

mod common;

use common::{RawConn, free_port, start_ember, temp_dir};
use std::io::{ErrorKind, Read};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ember-server");
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends `sig` to `pid`.
fn signal(pid: i32, sig: libc::c_int) -> bool {
    // SAFETY: kill(2) takes no pointers; `pid` is a process this test started
    // (checked alive by the caller where it matters), never 0 or -1.
    assert!(pid > 1, "refusing to signal pid {pid}");
    unsafe { libc::kill(pid, sig) == 0 }
}

/// Process state letter from /proc/<pid>/stat (R, S, T, Z, ...).
fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ...": the state follows the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.trim_start().chars().next()
}

/// True while `pid` exists and is not a zombie (a detached daemon is reaped
/// by init, which in a container may be slow or absent).
fn alive(pid: i32) -> bool {
    signal(pid, 0) && proc_state(pid) != Some('Z')
}

/// Polls `f` until it returns Some or `timeout` passes.
fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A server started as our child (no daemonizing): killed and reaped on
/// drop, and its directory removed.
struct Child2 {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Child2 {
    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        wait_for(timeout, || self.child.try_wait().ok().flatten())
    }
}

impl Drop for Child2 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The standard arguments: port, loopback only, no persistence, `dir`.
fn base_args(port: u16, dir: &Path) -> Vec<String> {
    [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        &dir.to_string_lossy(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A command for the server binary with the supervision variables of the
/// environment the tests run in removed (`env` then sets the test's own).
fn command(args: &[String], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("NOTIFY_SOCKET")
        .env_remove("UPSTART_JOB")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Starts the server as a child logging to `<dir>/server.log`.
fn spawn(dir: PathBuf, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Child2 {
    let mut args = base_args(port, &dir);
    args.extend(extra.iter().map(|s| s.to_string()));
    let log = std::fs::File::create(dir.join("server.log")).expect("create log");
    let log2 = log.try_clone().expect("clone log");
    let child = command(&args, env)
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log2))
        .spawn()
        .expect("spawn ember-server");
    Child2 { child, dir, port }
}

/// A test notification socket: a datagram socket bound in `dir`.
fn notify_socket(dir: &Path) -> (UnixDatagram, PathBuf) {
    let path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&path).expect("bind notify socket");
    sock.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    (sock, path)
}

fn recv(sock: &UnixDatagram, what: &str, server: &Child2) -> String {
    let mut buf = [0u8; 512];
    match sock.recv(&mut buf) {
        Ok(n) => String::from_utf8_lossy(&buf[..n]).into_owned(),
        Err(e) => panic!("no notification ({what}): {e}; log:\n{}", server.log()),
    }
}

fn ping(port: u16) -> Vec<u8> {
    let mut c = RawConn::connect(port).expect("connect");
    c.cmd(&["PING"])
}

/// Reads a pipe to its end on a helper thread; None if it stays open for
/// `timeout` (someone still holds its write end).
fn read_to_eof(mut r: impl Read + Send + 'static, timeout: Duration) -> Option<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = r.read_to_end(&mut out);
        let _ = tx.send(out);
    });
    rx.recv_timeout(timeout).ok()
}

/// A server started with `daemonize yes` (plus `extra`), logging to
/// `logfile` with its pid file in `dir`.
struct Daemon {
    pid: i32,
    port: u16,
    dir: PathBuf,
    pidfile: PathBuf,
    logfile: PathBuf,
    launcher_pid: i32,
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.logfile).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if alive(self.pid) {
            signal(self.pid, libc::SIGKILL);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Launches a daemonizing server: checks that the launching process exits
/// 0 at once with nothing printed and its output pipes released, then waits
/// for the pid file. Retries on another port if the daemon cannot bind.
fn launch_daemon(extra: &[&str], env: &[(&str, &str)]) -> Daemon {
    for attempt in 0..3 {
        let dir = temp_dir("ember-daemon");
        let port = free_port();
        let pidfile = dir.join("ember.pid");
        let logfile = dir.join("ember.log");
        let mut args = base_args(port, &dir);
        args.push("--daemonize".to_string());
        args.push("yes".to_string());
        args.push("--pidfile".to_string());
        args.push(pidfile.to_string_lossy().into_owned());
        args.push("--logfile".to_string());
        args.push(logfile.to_string_lossy().into_owned());
        args.extend(extra.iter().map(|s| s.to_string()));
        let started = Instant::now();
        let mut launcher = command(&args, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ember-server");
        let launcher_pid = launcher.id() as i32;
        let status = wait_for(TIMEOUT, || launcher.try_wait().ok().flatten());
        let Some(status) = status else {
            let _ = launcher.kill();
            let _ = launcher.wait();
            panic!("the launching process did not exit");
        };
        assert_eq!(status.code(), Some(0), "launcher exit status");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "launcher took {:?}",
            started.elapsed()
        );
        // The daemon holds neither end of the launcher's stdout / stderr,
        // which therefore reach end of file, with nothing written to them.
        let out = read_to_eof(launcher.stdout.take().expect("stdout"), TIMEOUT)
            .expect("the daemon keeps the launcher's stdout open");
        let err = read_to_eof(launcher.stderr.take().expect("stderr"), TIMEOUT)
            .expect("the daemon keeps the launcher's stderr open");
        assert_eq!(String::from_utf8_lossy(&out), "");
        assert_eq!(String::from_utf8_lossy(&err), "");

        let log = || std::fs::read_to_string(&logfile).unwrap_or_default();
        let content = wait_for(TIMEOUT, || {
            std::fs::read_to_string(&pidfile)
                .ok()
                .filter(|s| s.ends_with('\n'))
                .or_else(|| log().contains("Address already in use").then(String::new))
        });
        let content = content.unwrap_or_else(|| panic!("no pid file; log:\n{}", log()));
        if content.is_empty() && attempt < 2 {
            // Another process took the port between free_port and bind.
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        let pid: i32 = content
            .trim_end()
            .parse()
            .unwrap_or_else(|_| panic!("pid file holds {content:?}"));
        assert_eq!(content, format!("{pid}\n"));
        return Daemon {
            pid,
            port,
            dir,
            pidfile,
            logfile,
            launcher_pid,
        };
    }
    unreachable!("the last attempt returns or panics")
}

/// SIGTERM to the daemon; waits until it is gone.
fn stop_daemon(d: &Daemon) {
    assert!(signal(d.pid, libc::SIGTERM));
    assert!(
        wait_for(TIMEOUT, || (!alive(d.pid)).then_some(())).is_some(),
        "daemon still running after SIGTERM; log:\n{}",
        d.log()
    );
}

#[test]
fn daemonize_pidfile_and_sigterm() {
    let d = launch_daemon(&[], &[]);
    let pid = d.pid;
    assert_ne!(pid, d.launcher_pid, "the daemon is a new process");
    assert!(alive(pid), "daemon {pid} running");
    assert_eq!(ping(d.port), b"+PONG\r\n", "log:\n{}", d.log());

    // Detached: a session of its own, of which it is not the leader (so it
    // can never get a controlling terminal), standard streams on /dev/null.
    // SAFETY: getsid(2) takes no pointers.
    let (sid, our_sid) = unsafe { (libc::getsid(pid), libc::getsid(0)) };
    assert!(sid > 0);
    assert_ne!(sid, our_sid, "daemon left our session");
    assert_ne!(sid, pid, "daemon is not a session leader");
    for fd in 0..3 {
        let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).expect("readlink");
        assert_eq!(target, Path::new("/dev/null"), "fd {fd}");
    }

    stop_daemon(&d);
    assert!(!d.pidfile.exists(), "pid file removed on exit");
    let log = d.log();
    assert!(log.contains("Removing the pid file."), "log:\n{log}");
    assert!(log.contains(&format!("pid={pid}")), "log:\n{log}");
}

#[test]
fn unreachable_notify_socket_leaves_daemonize_in_force() {
    // `supervised systemd` whose socket nobody listens on: Redis logs the
    // sd_notify error (a negative errno), is not supervised, so `daemonize
    // yes` applies, and keeps trying (and warning) at READY and STOPPING.
    let missing = std::env::temp_dir().join(format!("ember-no-notify-{}", std::process::id()));
    let missing = missing.to_string_lossy().into_owned();
    let d = launch_daemon(&["--supervised", "systemd"], &[("NOTIFY_SOCKET", &missing)]);
    assert_ne!(d.pid, d.launcher_pid, "daemonized");
    assert_eq!(ping(d.port), b"+PONG\r\n");
    stop_daemon(&d);
    let log = d.log();
    let errors = log
        .matches("# systemd supervision error: sd_notify: -2")
        .count();
    // STATUS=Redis is loading..., STATUS=Ready..., READY=1, STOPPING=1.
    assert_eq!(errors, 4, "log:\n{log}");
    assert!(!log.contains("Supervised by systemd"), "log:\n{log}");
}

#[test]
fn pidfile_without_daemonize_is_written_and_removed() {
    let tmp = temp_dir("ember-pidfile");
    let pidfile = tmp.join("fg.pid");
    let mut s = start_ember(&["--pidfile", &pidfile.to_string_lossy()]);
    let content = wait_for(TIMEOUT, || std::fs::read_to_string(&pidfile).ok());
    assert_eq!(content, Some(format!("{}\n", s.pid())));
    assert_eq!(
        s.connect().cmd(&["CONFIG", "GET", "pidfile"]),
        format!(
            "*2\r\n$7\r\npidfile\r\n${}\r\n{}\r\n",
            pidfile.to_string_lossy().len(),
            pidfile.to_string_lossy()
        )
        .as_bytes()
    );
    assert!(signal(s.pid() as i32, libc::SIGTERM));
    let status = s.wait_exit(TIMEOUT).expect("exited after SIGTERM");
    assert_eq!(status.code(), Some(0), "log:\n{}", s.log());
    assert!(!pidfile.exists(), "pid file removed; log:\n{}", s.log());
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn pidfile_removed_after_shutdown_command() {
    let tmp = temp_dir("ember-pidfile-shutdown");
    let pidfile = tmp.join("sd.pid");
    let mut s = start_ember(&["--pidfile", &pidfile.to_string_lossy()]);
    assert!(wait_for(TIMEOUT, || pidfile.exists().then_some(())).is_some());
    let mut c = s.connect();
    c.send(&["SHUTDOWN"]);
    let status = s.wait_exit(TIMEOUT).expect("exited after SHUTDOWN");
    assert_eq!(status.code(), Some(0), "log:\n{}", s.log());
    assert!(!pidfile.exists(), "pid file removed; log:\n{}", s.log());
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn unwritable_pidfile_logs_a_warning_and_serves() {
    let tmp = temp_dir("ember-badpid");
    let pidfile = tmp.join("no-such-dir").join("ember.pid");
    let s = start_ember(&["--pidfile", &pidfile.to_string_lossy()]);
    assert_eq!(s.connect().cmd(&["PING"]), b"+PONG\r\n");
    assert!(
        s.log()
            .contains("# Failed to write PID file: No such file or directory"),
        "log:\n{}",
        s.log()
    );
    assert!(!pidfile.exists());
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Starts a server whose readiness is reported to a fresh notify socket;
/// retries on another port when the first message is not from a server that
/// came up (the port was taken). Returns the server, the socket, and the
/// notifications received up to and including READY=1.
fn start_notified(
    tag: &str,
    extra: &[&str],
    notify_value: impl Fn(&Path) -> (UnixDatagram, String),
) -> (Child2, UnixDatagram, Vec<String>) {
    for attempt in 0..3 {
        let dir = temp_dir(tag);
        let port = free_port();
        let (sock, value) = notify_value(&dir);
        let mut s = spawn(dir, port, extra, &[("NOTIFY_SOCKET", &value)]);
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let mut got = Vec::new();
        let deadline = Instant::now() + TIMEOUT;
        let mut buf = [0u8; 512];
        loop {
            match sock.recv(&mut buf) {
                Ok(n) => {
                    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
                    if msg == "READY=1\n" {
                        // READY=1 only once the port accepts connections.
                        assert_eq!(
                            ping(port),
                            b"+PONG\r\n",
                            "port serves at READY=1; log:\n{}",
                            s.log()
                        );
                        got.push(msg);
                        sock.set_read_timeout(Some(TIMEOUT)).expect("timeout");
                        return (s, sock, got);
                    }
                    got.push(msg);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("notify socket: {e}"),
            }
            if let Ok(Some(status)) = s.child.try_wait() {
                // Exited before READY=1 (port taken?): try another port.
                assert!(attempt < 2, "server exited ({status}); log:\n{}", s.log());
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no READY=1 (got {got:?}); log:\n{}",
                s.log()
            );
        }
    }
    panic!("server never became ready");
}

fn path_socket(dir: &Path) -> (UnixDatagram, String) {
    let (sock, path) = notify_socket(dir);
    (sock, path.to_string_lossy().into_owned())
}

#[test]
fn supervised_systemd_notifies_ready_and_stopping() {
    let (mut s, sock, got) = start_notified(
        "ember-systemd",
        &["--supervised", "systemd", "--daemonize", "no"],
        path_socket,
    );
    assert_eq!(
        got,
        [
            "STATUS=Redis is loading...\n",
            "STATUS=Ready to accept connections\n",
            "READY=1\n"
        ],
        "log:\n{}",
        s.log()
    );
    assert!(
        s.log().contains(
            "* Supervised by systemd. Please make sure you set appropriate values for \
             TimeoutStartSec and TimeoutStopSec in your service unit."
        ),
        "log:\n{}",
        s.log()
    );
    assert!(signal(s.pid(), libc::SIGTERM));
    assert_eq!(recv(&sock, "STOPPING=1", &s), "STOPPING=1\n");
    let status = s.wait_exit(TIMEOUT).expect("exited after SIGTERM");
    assert_eq!(status.code(), Some(0), "log:\n{}", s.log());
}

#[test]
fn supervised_auto_with_abstract_notify_socket() {
    static N: AtomicUsize = AtomicUsize::new(0);
    let abstract_socket = |_dir: &Path| {
        use std::os::linux::net::SocketAddrExt;
        let name = format!(
            "ember-test-notify-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
            .expect("abstract address");
        let sock = UnixDatagram::bind_addr(&addr).expect("bind abstract socket");
        sock.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        (sock, format!("@{name}"))
    };
    let (mut s, sock, got) = start_notified(
        "ember-systemd-auto",
        &["--supervised", "auto"],
        abstract_socket,
    );
    assert_eq!(got.last().map(String::as_str), Some("READY=1\n"));
    assert_eq!(got[0], "STATUS=Redis is loading...\n");
    let mut c = RawConn::connect(s.port).expect("connect");
    c.send(&["SHUTDOWN"]);
    assert_eq!(recv(&sock, "STOPPING=1", &s), "STOPPING=1\n");
    let status = s.wait_exit(TIMEOUT).expect("exited after SHUTDOWN");
    assert_eq!(status.code(), Some(0), "log:\n{}", s.log());
}

#[test]
fn daemonize_is_ignored_under_systemd() {
    let tmp = temp_dir("ember-systemd-pid");
    let pidfile = tmp.join("sd.pid");
    let pidfile_s = pidfile.to_string_lossy().into_owned();
    let (mut s, sock, _) = start_notified(
        "ember-systemd-daemonize",
        &[
            "--supervised",
            "systemd",
            "--daemonize",
            "yes",
            "--pidfile",
            &pidfile_s,
        ],
        path_socket,
    );
    // Still our child (it did not fork away), and the pid file says so.
    assert!(s.child.try_wait().expect("try_wait").is_none(), "no fork");
    assert_eq!(
        std::fs::read_to_string(&pidfile).ok(),
        Some(format!("{}\n", s.pid()))
    );
    assert!(signal(s.pid(), libc::SIGTERM));
    assert_eq!(recv(&sock, "STOPPING=1", &s), "STOPPING=1\n");
    assert_eq!(s.wait_exit(TIMEOUT).and_then(|st| st.code()), Some(0));
    assert!(!pidfile.exists());
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn supervised_systemd_without_notify_socket_warns_and_serves() {
    let dir = temp_dir("ember-systemd-missing");
    let sock = dir.join("ember.sock");
    let sock_s = sock.to_string_lossy().into_owned();
    let s = spawn(
        dir,
        free_port(),
        &["--supervised", "systemd", "--unixsocket", &sock_s],
        &[],
    );
    // The unix socket is private to this server: served means ours is up.
    let mut c = wait_for(TIMEOUT, || RawConn::connect_unix(&sock).ok())
        .unwrap_or_else(|| panic!("not serving; log:\n{}", s.log()));
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    assert!(
        s.log()
            .contains("# systemd supervision error: NOTIFY_SOCKET not found!"),
        "log:\n{}",
        s.log()
    );
}

#[test]
fn supervised_upstart_stops_until_continued() {
    let dir = temp_dir("ember-upstart");
    let sock = dir.join("ember.sock");
    let sock_s = sock.to_string_lossy().into_owned();
    let mut s = spawn(
        dir,
        free_port(),
        &["--supervised", "upstart", "--unixsocket", &sock_s],
        &[("UPSTART_JOB", "ember-test")],
    );
    let pid = s.pid();
    // The process stops itself to tell upstart it is up.
    assert!(
        wait_for(TIMEOUT, || (proc_state(pid) == Some('T')).then_some(())).is_some(),
        "not stopped (state {:?}); log:\n{}",
        proc_state(pid),
        s.log()
    );
    assert!(signal(pid, libc::SIGCONT));
    let mut c = wait_for(TIMEOUT, || RawConn::connect_unix(&sock).ok())
        .unwrap_or_else(|| panic!("not serving; log:\n{}", s.log()));
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    assert!(
        s.log()
            .contains("* supervised by upstart, will stop to signal readiness."),
        "log:\n{}",
        s.log()
    );
    assert!(signal(pid, libc::SIGTERM));
    assert_eq!(s.wait_exit(TIMEOUT).and_then(|st| st.code()), Some(0));
}

#[test]
fn supervised_upstart_without_upstart_job_warns_and_serves() {
    let dir = temp_dir("ember-upstart-missing");
    let sock = dir.join("ember.sock");
    let sock_s = sock.to_string_lossy().into_owned();
    let s = spawn(
        dir,
        free_port(),
        &["--supervised", "upstart", "--unixsocket", &sock_s],
        &[],
    );
    let mut c = wait_for(TIMEOUT, || RawConn::connect_unix(&sock).ok())
        .unwrap_or_else(|| panic!("not serving; log:\n{}", s.log()));
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    assert!(
        s.log()
            .contains("# upstart supervision requested, but UPSTART_JOB not found!"),
        "log:\n{}",
        s.log()
    );
}

/// `always-show-logo yes` prints the banner with the port and pid that log
/// watchers (Redis's own test harness) wait for; without it one line says
/// the mode and port, as Redis logs when not on a terminal.
#[test]
fn startup_banner_follows_always_show_logo() {
    let port = free_port();
    let s = spawn(
        temp_dir("ember-banner"),
        port,
        &["--always-show-logo", "yes"],
        &[],
    );
    assert!(wait_for(TIMEOUT, || RawConn::connect(port).ok()).is_some());
    let log = s.log();
    assert!(log.contains(&format!(" PID: {}\n", s.pid())), "log:\n{log}");
    assert!(log.contains(&format!(" Port: {port}\n")), "log:\n{log}");
    assert!(!log.contains("Running mode="), "log:\n{log}");

    let port = free_port();
    let s = spawn(temp_dir("ember-nobanner"), port, &[], &[]);
    assert!(wait_for(TIMEOUT, || RawConn::connect(port).ok()).is_some());
    let log = s.log();
    assert!(
        log.contains(&format!("Running mode=standalone, port={port}.\n")),
        "log:\n{log}"
    );
    assert!(!log.contains(" PID: "), "log:\n{log}");
}
