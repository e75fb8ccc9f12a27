//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, INFO, CONFIG, SHUTDOWN,
//! DEBUG.

use super::{Cmd, Ctx, flags::*};
use crate::server::Shutdown;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("dbsize", 1, READONLY | FAST, dbsize),
    Cmd::new("flushall", -1, WRITE, flushall),
    Cmd::new("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY, shutdown),
];

/// DBSIZE
fn dbsize(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.srv.ks.dbs[ctx.c.db].len();
    ctx.c.reply.int(n as i64);
}

/// FLUSHALL [ASYNC|SYNC]
fn flushall(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.srv.ks.flush_all();
    ctx.c.reply.ok();
}

/// SHUTDOWN [NOSAVE|SAVE]
fn shutdown(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.srv.shutdown = Some(Shutdown::Graceful);
}
