//! A shutdown that waits for lagging replicas (Redis 7's
//! `shutdown-timeout`). SHUTDOWN without NOW, or SIGTERM/SIGINT, with
//! replicas that have not acknowledged the whole stream: writes are paused,
//! the replicas are asked for an ACK, the SHUTDOWN clients are parked, and
//! the loop checks every turn whether all replicas caught up or the timeout
//! passed. Then the persistence step runs (final save, AOF fsync): success
//! ends the process, failure cancels the shutdown and the parked clients get
//! `Errors trying to SHUTDOWN`. SHUTDOWN ABORT cancels it too.

use super::{Server, Shutdown, now_ms};
use crate::client::Client;
use crate::server::blocking::{self, TimeoutReply};
use tracing::{info, warn};

/// A shutdown waiting for replicas (`Server::shutdown_wait`).
#[derive(Debug, Clone)]
pub struct Pending {
    /// Unix ms after which the shutdown goes on anyway.
    pub deadline: i64,
    /// SHUTDOWN SAVE (`Some(true)`), NOSAVE (`Some(false)`) or neither.
    pub save: Option<bool>,
    pub force: bool,
}

/// How an attempt to shut down went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The process exits at the end of this loop turn.
    Exit,
    /// Waiting for replicas (or a shutdown was already waiting).
    Waiting,
    /// The persistence step failed: the server goes on.
    Failed,
}

/// Every replica acknowledged the whole stream (or there is none).
fn replicas_in_sync(srv: &Server) -> bool {
    let offset = srv.repl.offset;
    super::repl::each_replica(srv, None)
        .iter()
        .all(|c| c.repl.as_ref().is_some_and(|r| r.ack_offset == offset))
}

/// Starts a shutdown (Redis prepareForShutdown). `now` (SHUTDOWN NOW)
/// or `shutdown-timeout 0` skip the wait for replicas.
pub fn begin(srv: &mut Server, save: Option<bool>, force: bool, now: bool) -> Outcome {
    if srv.shutdown_wait.is_some() {
        return Outcome::Waiting;
    }
    let timeout_s = srv.config.get_int("shutdown-timeout").unwrap_or(10);
    if !now && timeout_s != 0 && !replicas_in_sync(srv) {
        let ms = i64::try_from(timeout_s)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        srv.shutdown_wait = Some(Pending {
            deadline: now_ms().saturating_add(ms),
            save,
            force,
        });
        // A pause in force keeps the stream (and its offset) still.
        if srv.pause.mode().is_none() {
            srv.repl.get_ack = true;
        }
        super::pause::set_shutdown(srv, true);
        info!("Waiting for replicas before shutting down.");
        return Outcome::Waiting;
    }
    finish(srv, save, force)
}

/// A waiting shutdown goes on once every replica caught up or its
/// deadline passed. Runs every loop turn.
pub fn check(srv: &mut Server, now: i64) {
    let Some(p) = srv.shutdown_wait.as_ref() else {
        return;
    };
    if now >= p.deadline || replicas_in_sync(srv) {
        let p = p.clone();
        finish(srv, p.save, p.force);
    }
}

/// Logs the replicas' state, then runs the persistence step (Redis
/// finishShutdown).
fn finish(srv: &mut Server, save: Option<bool>, force: bool) -> Outcome {
    let offset = srv.repl.offset;
    let now_s = now_ms() / 1000;
    let replicas = super::repl::each_replica(srv, None);
    let mut lagging = 0;
    for c in &replicas {
        let Some(r) = c.repl.as_ref() else { continue };
        if r.ack_offset == offset {
            continue;
        }
        lagging += 1;
        let (ip, port) = super::repl::replica_addr(srv, c);
        let online = r.state == super::repl::SyncState::Online;
        warn!(
            "Lagging replica {ip}:{port} reported offset {} behind master, lag={}, state={}.",
            offset.saturating_sub(r.ack_offset),
            if online { now_s - r.ack_ms / 1000 } else { 0 },
            r.state.info_word()
        );
    }
    if !replicas.is_empty() {
        info!(
            "{} of {} replicas are in sync when shutting down.",
            replicas.len() - lagging,
            replicas.len()
        );
    }
    if crate::persist::prepare_shutdown(srv, save, force) {
        srv.shutdown = Some(Shutdown::Graceful);
        return Outcome::Exit;
    }
    warn!("Errors trying to shut down the server. Check the logs for more information.");
    cancel(srv);
    Outcome::Failed
}

/// Parks the client of a SHUTDOWN that waits for replicas.
pub fn park(ctx: &mut crate::cmd::Ctx, argv: &[&[u8]]) {
    ctx.block(
        argv,
        &[],
        0,
        blocking::BlockType::List,
        TimeoutReply::Shutdown,
    );
}

/// SHUTDOWN ABORT: false when no shutdown was waiting.
pub fn abort(srv: &mut Server) -> bool {
    if srv.shutdown_wait.is_none() {
        return false;
    }
    cancel(srv);
    info!("Shutdown manually aborted.");
    true
}

/// Ends a waiting shutdown: writes resume and every parked SHUTDOWN
/// client gets its error (Redis cancelShutdown).
fn cancel(srv: &mut Server) {
    srv.shutdown_wait = None;
    super::signals::clear_shutdown_request();
    let parked: Vec<usize> = srv
        .clients
        .iter()
        .filter(|(_, c)| c.as_deref().is_some_and(parked_in_shutdown))
        .map(|(t, _)| t)
        .collect();
    for tok in parked {
        let Some(mut c) = srv.clients.get_mut(tok).and_then(Option::take) else {
            continue;
        };
        c.reply.error(crate::error::SHUTDOWN_FAILED);
        blocking::unblock(srv, &mut c);
        srv.clients[tok] = Some(c);
    }
    super::pause::set_shutdown(srv, false);
}

fn parked_in_shutdown(c: &Client) -> bool {
    c.blocked
        .as_ref()
        .is_some_and(|b| b.timeout_reply == TimeoutReply::Shutdown)
}

/// INFO's `shutdown_in_milliseconds`, while a shutdown waits.
pub fn remaining_ms(srv: &Server) -> Option<i64> {
    srv.shutdown_wait
        .as_ref()
        .map(|p| (p.deadline - now_ms()).max(0))
}
