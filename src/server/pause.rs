//! CLIENT PAUSE: the pause in force (mode and end time) and the clients held
//! by it, oldest first. A held client's command was parsed and passed every
//! gate; it waits here (argv copied into `Client::held`) with the rest of its
//! input still in its query buffer, and runs again through `cmd::call` when
//! the pause ends, so a pause started meanwhile can hold it again. While a
//! pause is in force the keyspace is kept static (`Keyspace::paused`: no
//! active or lazy expiry deletes, no eviction), as Redis does so replicas
//! stay consistent. A FAILOVER holds writes with a pause of its own
//! ([`set_failover`], no end time, untouched by CLIENT UNPAUSE). Knows no
//! command beyond the flags that decide what WRITE mode holds.

use crate::client::Client;
use crate::cmd::{Cmd, flags};
use crate::server::Server;
use std::collections::VecDeque;

/// What a pause holds. A later pause keeps the wider mode (ALL > WRITE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseMode {
    /// Commands that may write or replicate (and EXEC of such a queue).
    Write,
    /// Every command.
    All,
}

#[derive(Debug, Default)]
pub struct Pause {
    /// The pause in force: its mode and end (unix ms; it ends once the
    /// clock is past it).
    state: Option<(PauseMode, i64)>,
    /// Held client tokens in arrival order.
    held: VecDeque<usize>,
    /// A FAILOVER pauses writes until it ends (Redis's failover purpose):
    /// a pause of its own, which CLIENT UNPAUSE does not end.
    failover: bool,
    /// A shutdown waiting for replicas holds writes the same way.
    shutdown: bool,
}

impl Pause {
    /// The mode in force, if any.
    pub fn mode(&self) -> Option<PauseMode> {
        let failover = (self.failover || self.shutdown).then_some(PauseMode::Write);
        self.state.map(|(m, _)| m).max(failover)
    }

    /// When the CLIENT PAUSE in force ends (unix ms).
    pub fn deadline(&self) -> Option<i64> {
        self.state.map(|(_, end)| end)
    }

    /// Whether the client with this token is held (not yet released).
    pub fn is_held(&self, token: usize) -> bool {
        self.held.contains(&token)
    }

    /// Clients held right now (INFO counts them as blocked, as Redis does).
    pub fn held_count(&self) -> usize {
        self.held.len()
    }
}

/// Starts or extends a pause (CLIENT PAUSE): a pause already in force keeps
/// the later of the two end times and the wider of the two modes. Run from
/// inside EXEC (`in_exec`), the dataset is frozen only when the transaction
/// ends (`transaction_done`): the writes queued after the pause then still
/// delete expired keys they meet, as any write does.
pub fn start(srv: &mut Server, mode: PauseMode, end: i64, in_exec: bool) {
    let next = match srv.pause.state {
        Some((m, e)) => (m.max(mode), e.max(end)),
        None => (mode, end),
    };
    srv.pause.state = Some(next);
    if !in_exec {
        srv.ks.paused = true;
    }
}

/// A transaction ended: a pause it started now freezes the dataset.
pub fn transaction_done(srv: &mut Server) {
    if srv.pause.state.is_some() {
        srv.ks.paused = true;
    }
}

/// Ends the pause (CLIENT UNPAUSE, or its end time passed): every held
/// client is handed to the loop, oldest first, to run its command and the
/// input buffered behind it.
pub fn end(srv: &mut Server) {
    srv.pause.state = None;
    release(srv);
}

/// A FAILOVER starts (`on`) or ends: writes are held while it runs.
pub fn set_failover(srv: &mut Server, on: bool) {
    srv.pause.failover = on;
    if on {
        srv.ks.paused = true;
    } else if srv.pause.state.is_none() {
        release(srv);
    }
}

/// A shutdown starts waiting for replicas (`on`) or is cancelled: writes
/// are held meanwhile (Redis's PAUSE_DURING_SHUTDOWN).
pub fn set_shutdown(srv: &mut Server, on: bool) {
    srv.pause.shutdown = on;
    if on {
        srv.ks.paused = true;
    } else if srv.pause.state.is_none() && !srv.pause.failover {
        release(srv);
    }
}

/// No pause is in force any more (or only the failover's, which holds the
/// released clients' writes again): the held clients run again.
fn release(srv: &mut Server) {
    // A replica's data set stays static: its master expires keys.
    srv.ks.paused = srv.replica.active() || srv.pause.failover || srv.pause.shutdown;
    let held = std::mem::take(&mut srv.pause.held);
    srv.blocking.unblocked.extend(held);
    // The master's stream, if the pause stopped it, goes on next turn.
    if srv.replica.held_by_pause {
        srv.replica.read_pending = true;
    }
}

/// Ends the pause if its end time has passed at `now` (strictly before, as
/// for blocking timeouts, so a pause never ends early).
pub fn check_deadline(srv: &mut Server, now: i64) {
    if srv.pause.deadline().is_some_and(|end| end < now) {
        end(srv);
    }
}

/// True when the pause in force holds this command (Redis: ALL holds
/// everything; WRITE holds what may write or replicate, judged for scripts
/// by their declared flags and for EXEC by its queue).
pub fn holds(srv: &Server, c: &Client, cmd: &'static Cmd, argv: &[&[u8]]) -> bool {
    match srv.pause.mode() {
        None => false,
        Some(PauseMode::All) => true,
        Some(PauseMode::Write) => {
            if may_write(srv, cmd, argv) {
                return true;
            }
            cmd.name == "exec"
                && c.multi.as_ref().is_some_and(|m| {
                    m.queue.iter().any(|q| {
                        let q: Vec<&[u8]> = q.iter().map(Vec::as_slice).collect();
                        crate::cmd::resolve(&q).is_some_and(|(qc, _)| may_write(srv, qc, &q))
                    })
                })
        }
    }
}

/// Whether a command may write or replicate, with scripts judged by their
/// shebang or function flags.
fn may_write(srv: &Server, cmd: &'static Cmd, argv: &[&[u8]]) -> bool {
    let f = crate::cmd::scripting::effective_flags(srv, cmd, argv);
    f & (flags::WRITE | flags::MAY_REPLICATE) != 0
}

/// Holds client `c`'s command `argv` until the pause ends.
pub fn hold(srv: &mut Server, c: &mut Client, fullname: &'static str, argv: &[&[u8]]) {
    c.held = Some(argv.iter().map(|a| a.to_vec()).collect());
    c.last_cmd = fullname;
    srv.pause.held.push_back(c.token);
}

/// Drops a disconnecting client from the held list.
pub fn forget(srv: &mut Server, c: &mut Client) {
    if c.held.take().is_some() {
        srv.pause.held.retain(|&t| t != c.token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn later_pause_keeps_the_later_end_and_wider_mode() {
        let mut h = Harness::new();
        start(&mut h.srv, PauseMode::Write, NOW + 600, false);
        start(&mut h.srv, PauseMode::All, NOW + 100, false);
        assert_eq!(h.srv.pause.mode(), Some(PauseMode::All));
        assert_eq!(h.srv.pause.deadline(), Some(NOW + 600));
        start(&mut h.srv, PauseMode::Write, NOW + 900, false);
        assert_eq!(h.srv.pause.mode(), Some(PauseMode::All));
        assert_eq!(h.srv.pause.deadline(), Some(NOW + 900));
        assert!(h.srv.ks.paused);
        check_deadline(&mut h.srv, NOW + 900);
        assert!(h.srv.pause.mode().is_some(), "ends only once past its end");
        check_deadline(&mut h.srv, NOW + 901);
        assert_eq!(h.srv.pause.mode(), None);
        assert!(!h.srv.ks.paused);
    }

    #[test]
    fn write_mode_holds_writes_and_may_replicate_commands() {
        let mut h = Harness::new();
        h.now = Some(NOW);
        assert_eq!(h.run(&["CLIENT", "PAUSE", "1000", "WRITE"]), "+OK\r\n");
        assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");
        assert_eq!(h.run(&["EVAL_RO", "return 1", "0"]), ":1\r\n");
        assert_eq!(
            h.run(&["EVAL", "#!lua flags=no-writes\nreturn 2", "0"]),
            ":2\r\n"
        );
        // Errors found before the pause gate still answer at once.
        assert_eq!(
            h.run(&["SET", "k"]),
            "-ERR wrong number of arguments for 'set' command\r\n"
        );
        for held in [
            &["SET", "k", "v"][..],
            &["PUBLISH", "ch", "m"],
            &["PFCOUNT", "h"],
            &["EVAL", "return 1", "0"],
            &["EVAL", "#!lua\nreturn 1", "0"],
            &["FCALL", "f", "0"],
        ] {
            assert_eq!(h.run(held), "", "{held:?} answered");
            assert_eq!(h.c.held.as_ref().map(Vec::len), Some(held.len()));
            assert!(h.c.flags_string().contains('b'));
            assert_eq!(h.srv.pause.held_count(), 1);
            forget(&mut h.srv, &mut h.c);
            assert_eq!(h.srv.pause.held_count(), 0);
        }
        assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), "+OK\r\n");
        assert_eq!(h.run(&["SET", "k", "v"]), "+OK\r\n");
    }

    #[test]
    fn a_failover_pause_outlives_client_pause_and_unpause() {
        let mut h = Harness::new();
        h.now = Some(NOW);
        set_failover(&mut h.srv, true);
        assert_eq!(h.srv.pause.mode(), Some(PauseMode::Write));
        assert_eq!(h.srv.pause.deadline(), None, "no end time of its own");
        assert!(h.srv.ks.paused);
        assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");
        // A CLIENT PAUSE ALL on top widens the mode; its end (or CLIENT
        // UNPAUSE) leaves the failover's WRITE pause.
        start(&mut h.srv, PauseMode::All, NOW + 100, false);
        assert_eq!(h.srv.pause.mode(), Some(PauseMode::All));
        assert_eq!(h.run(&["GET", "k"]), "");
        forget(&mut h.srv, &mut h.c);
        end(&mut h.srv);
        assert_eq!(h.srv.pause.mode(), Some(PauseMode::Write));
        assert!(h.srv.ks.paused);
        assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");
        assert_eq!(h.run(&["SET", "k", "v"]), "");
        assert!(h.srv.pause.is_held(h.c.token));
        // The failover ending releases what it held.
        set_failover(&mut h.srv, false);
        assert_eq!(h.srv.pause.mode(), None);
        assert!(!h.srv.ks.paused);
        assert_eq!(h.srv.blocking.unblocked, vec![h.c.token]);
    }

    #[test]
    fn exec_is_held_only_when_its_queue_may_write() {
        let mut h = Harness::new();
        h.now = Some(NOW);
        h.run(&["MULTI"]);
        h.run(&["GET", "k"]);
        start(&mut h.srv, PauseMode::Write, NOW + 1000, false);
        assert_eq!(h.run(&["EXEC"]), "*1\r\n$-1\r\n");
        end(&mut h.srv);
        h.run(&["MULTI"]);
        h.run(&["SET", "k", "v"]);
        start(&mut h.srv, PauseMode::Write, NOW + 1000, false);
        assert_eq!(h.run(&["EXEC"]), "");
        assert!(h.c.held.is_some());
        // The pause ending hands the client to the loop.
        end(&mut h.srv);
        assert_eq!(h.srv.blocking.unblocked, vec![h.c.token]);
        assert!(!h.srv.pause.is_held(h.c.token));
    }

    #[test]
    fn a_transaction_that_pauses_runs_on_a_live_keyspace() {
        let mut h = Harness::new();
        h.now = Some(NOW);
        h.run(&["SET", "k", "old", "PX", "100"]);
        h.run(&["SET", "n", "5", "PX", "100"]);
        h.now = Some(NOW + 200);
        h.run(&["MULTI"]);
        h.run(&["CLIENT", "PAUSE", "1000", "WRITE"]);
        h.run(&["SETNX", "k", "new"]);
        h.run(&["INCR", "n"]);
        assert_eq!(h.run(&["EXEC"]), "*3\r\n+OK\r\n:1\r\n:1\r\n");
        assert!(h.srv.ks.paused, "frozen once the transaction ended");
        assert_eq!(h.run(&["GET", "k"]), "$3\r\nnew\r\n");
        assert_eq!(h.run(&["TTL", "k"]), ":-1\r\n");
        assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), "+OK\r\n");
    }

    #[test]
    fn all_mode_holds_everything_and_arguments_are_checked() {
        let mut h = Harness::new();
        h.now = Some(NOW);
        for (args, reply) in [
            (
                &["CLIENT", "PAUSE", "-1"][..],
                "-ERR timeout is negative\r\n",
            ),
            (
                &["CLIENT", "PAUSE", "x"],
                "-ERR timeout is not an integer or out of range\r\n",
            ),
            (
                &["CLIENT", "PAUSE", "-1", "x"],
                "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n",
            ),
            (
                &["CLIENT", "PAUSE", "9223372036854775807"],
                "-ERR timeout is out of range\r\n",
            ),
            (
                &["CLIENT", "PAUSE", "1", "ALL", "x"],
                "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n",
            ),
        ] {
            assert_eq!(h.run(args), reply, "{args:?}");
        }
        assert_eq!(h.srv.pause.mode(), None);
        assert_eq!(h.run(&["CLIENT", "PAUSE", "50"]), "+OK\r\n");
        assert_eq!(h.srv.pause.deadline(), Some(NOW + 50));
        assert_eq!(h.run(&["PING"]), "");
        assert_eq!(h.c.last_cmd, "ping");
    }
}
