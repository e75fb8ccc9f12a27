//! FAILOVER (Redis 6.2+): a coordinated hand-over of the master role to one
//! of our replicas, both sides of it.
//!
//! The master side: FAILOVER pauses writes (the pause's failover purpose,
//! `pause::set_failover`, which CLIENT UNPAUSE does not end) and waits
//! (`waiting-for-sync`) until the target replica, or any replica when
//! none was named, acknowledged our whole stream. Then ember turns itself
//! into a replica of it (`failover-in-progress`) and asks it to continue
//! our history with `PSYNC <replid> <offset> FAILOVER`; the target
//! promotes itself on that request and answers `+CONTINUE`. Once it
//! accepted (or, in an edge case, answered `+FULLRESYNC`) the failover is
//! over and the pause ends; a refusal or a link that fails first reverts
//! ember to a master (with a new history, as REPLICAOF NO ONE gives) and
//! ends the pause. A TIMEOUT that passes while waiting aborts, or with
//! FORCE fails over to the target anyway. The progress is checked before
//! sleeping ([`before_sleep`]), as Redis does.
//!
//! The replica side ([`psync_request`]): a PSYNC that carries FAILOVER and
//! names our own replication ID makes us a master (REPLICAOF NO ONE, so
//! the old history stays continuable as `master_replid2`) before the
//! PSYNC is answered, which then continues the old master's stream.
//!
//! Knows no command syntax: `cmd::failover` parses FAILOVER.

use super::Server;
use crate::client::Client;
use crate::server::repl::{self, SyncState};

/// Where a failover is (INFO `master_failover_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    #[default]
    None,
    /// Writes are paused; waiting for the target to catch up.
    WaitForSync,
    /// We are a replica of the target, asking it to take over.
    InProgress,
}

/// The failover state (`Server::failover`).
#[derive(Debug, Default)]
pub struct Failover {
    pub stage: Stage,
    /// The replica to hand over to (TO host port, or the first one found
    /// caught up).
    target: Option<(String, i64)>,
    force: bool,
    /// TIMEOUT's end (unix ms).
    end_ms: Option<i64>,
    /// The link to the target failed or was refused while it ran (found
    /// inside the link's own code): reverted before sleeping.
    failed: Option<String>,
}

impl Failover {
    /// Whether a failover runs (either stage).
    pub fn active(&self) -> bool {
        self.stage != Stage::None
    }

    /// INFO's `master_failover_state`.
    pub fn state_word(&self) -> &'static str {
        match self.stage {
            Stage::None => "no-failover",
            Stage::WaitForSync => "waiting-for-sync",
            Stage::InProgress => "failover-in-progress",
        }
    }
}

/// Why a FAILOVER cannot start (Redis's replies, in its order of checks).
pub fn check_start(
    srv: &Server,
    lent: &Client,
    target: Option<(&[u8], i64)>,
    force: bool,
    timeout: i64,
) -> Result<(), &'static str> {
    if srv.failover.active() {
        return Err("ERR FAILOVER already in progress.");
    }
    if srv.replica.active() {
        return Err("ERR FAILOVER is not valid when server is a replica.");
    }
    if !srv.repl.active() {
        return Err("ERR FAILOVER requires connected replicas.");
    }
    if force && (timeout == 0 || target.is_none()) {
        return Err(
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.",
        );
    }
    if let Some((host, port)) = target {
        let host = String::from_utf8_lossy(host);
        match find_replica(srv, Some(lent), &host, port) {
            None => return Err("ERR FAILOVER target HOST and PORT is not a replica."),
            Some((state, _)) if state != SyncState::Online => {
                return Err("ERR FAILOVER target replica is not online.");
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The replica whose address (announced or peer IP, and listening port)
/// is `host`:`port`: its state and acknowledged offset.
fn find_replica(
    srv: &Server,
    lent: Option<&Client>,
    host: &str,
    port: i64,
) -> Option<(SyncState, u64)> {
    repl::each_replica(srv, lent).into_iter().find_map(|c| {
        let (ip, p) = repl::replica_addr(srv, c);
        let r = c.repl.as_ref()?;
        (ip.eq_ignore_ascii_case(host) && p == port).then_some((r.state, r.ack_offset))
    })
}

/// Starts a failover [`check_start`] allowed: writes pause until it ends.
pub fn start(srv: &mut Server, target: Option<(&[u8], i64)>, force: bool, timeout: i64, now: i64) {
    let target = target.map(|(h, p)| (String::from_utf8_lossy(h).into_owned(), p));
    match &target {
        Some((h, p)) => tracing::info!("FAILOVER requested to {h}:{p}."),
        None => tracing::info!("FAILOVER requested to any replica."),
    }
    srv.failover = Failover {
        stage: Stage::WaitForSync,
        target,
        force,
        end_ms: (timeout > 0).then(|| now.saturating_add(timeout)),
        failed: None,
    };
    super::pause::set_failover(srv, true);
}

/// The failover is over (done or aborted): writes resume.
fn clear(srv: &mut Server) {
    srv.failover = Failover::default();
    super::pause::set_failover(srv, false);
}

/// FAILOVER ABORT, a timeout, or a refusal: a failover that already made
/// us a replica makes us a master again.
pub fn abort(srv: &mut Server, why: &str) {
    if !srv.failover.active() {
        return;
    }
    match &srv.failover.target {
        Some((h, p)) => tracing::info!("FAILOVER to {h}:{p} aborted: {why}"),
        None => tracing::info!("FAILOVER to any replica aborted: {why}"),
    }
    if srv.failover.stage == Stage::InProgress {
        super::replica::unset_master(srv);
    }
    clear(srv);
}

/// Our PSYNC to the target carries FAILOVER while this is true.
pub fn asking_target(srv: &Server) -> bool {
    srv.failover.stage == Stage::InProgress
}

/// The target answered our PSYNC with `+CONTINUE` or `+FULLRESYNC`: it
/// took over and we are its replica.
pub fn target_accepted(srv: &mut Server) {
    if srv.failover.stage == Stage::InProgress {
        clear(srv);
    }
}

/// The link to the target failed or the target refused our PSYNC (seen
/// inside the link's code, which holds the link): reverted before
/// sleeping.
pub fn target_failed(srv: &mut Server, why: &str) {
    if srv.failover.stage == Stage::InProgress && srv.failover.failed.is_none() {
        // The abort logs Redis's one line with the reason Redis gives; the
        // link's own reason is worth a line of its own.
        tracing::warn!("The failover target did not take over: {why}");
        srv.failover.failed = Some("Failover target rejected psync request".into());
    }
}

/// Before sleeping (Redis updateFailoverStatus): a refused hand-over is
/// reverted; while waiting, a passed TIMEOUT aborts (or with FORCE hands
/// over anyway) and a target that acknowledged our whole stream gets the
/// master role.
pub fn before_sleep(srv: &mut Server, now: i64) {
    if let Some(why) = srv.failover.failed.take() {
        return abort(srv, &why);
    }
    if srv.failover.stage != Stage::WaitForSync {
        return;
    }
    if srv.failover.end_ms.is_some_and(|end| end <= now) {
        if srv.failover.force {
            if let Some((h, p)) = &srv.failover.target {
                tracing::info!("FAILOVER to {h}:{p} time out exceeded, failing over.");
            }
            return hand_over(srv);
        }
        return abort(srv, "Replica never caught up before timeout");
    }
    let offset = srv.repl.offset;
    let caught_up = match &srv.failover.target {
        Some((h, p)) => find_replica(srv, None, h, *p).is_some_and(|(_, ack)| ack == offset),
        None => {
            let found = repl::each_replica(srv, None).into_iter().find_map(|c| {
                let r = c.repl.as_ref()?;
                (r.state == SyncState::Online && r.ack_offset == offset)
                    .then(|| repl::replica_addr(srv, c))
            });
            srv.failover.target = found;
            srv.failover.target.is_some()
        }
    };
    if caught_up {
        if let Some((h, p)) = &srv.failover.target {
            tracing::info!("Failover target {h}:{p} is synced, failing over.");
        }
        hand_over(srv);
    }
}

/// Becomes a replica of the target; the PSYNC it sends asks it to take
/// over.
fn hand_over(srv: &mut Server) {
    let Some((host, port)) = srv.failover.target.clone() else {
        return abort(srv, "no target replica");
    };
    let Ok(port) = u16::try_from(port) else {
        return abort(srv, "the target's port is out of range");
    };
    srv.failover.stage = Stage::InProgress;
    super::replica::set_master(srv, host, port);
}

/// The replica side of `PSYNC <replid> <offset> FAILOVER` (only the
/// fourth argument is looked at, as Redis does): Err is the reply that
/// refuses the PSYNC. A replica whose replication ID the request names is
/// promoted before the PSYNC is served; a master refuses it; no replica
/// may sync while our own failover runs.
pub fn psync_request(srv: &mut Server, c: &Client, argv: &[&[u8]]) -> Result<(), &'static str> {
    if argv.len() > 3 && argv[3].eq_ignore_ascii_case(b"failover") {
        tracing::warn!(
            "Failover request received for replid {}.",
            String::from_utf8_lossy(argv[1])
        );
        if !srv.replica.active() {
            return Err("ERR PSYNC FAILOVER can't be sent to a master.");
        }
        if !argv[1].eq_ignore_ascii_case(srv.replid.as_bytes()) {
            return Err("ERR PSYNC FAILOVER replid must match my replid.");
        }
        super::replica::unset_master(srv);
        tracing::info!("MASTER MODE enabled (failover request from '{}')", c.addr);
    }
    if srv.failover.active() {
        return Err(crate::error::NOMASTERLINK_FAILOVER);
    }
    Ok(())
}
