//! `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]`: hands
//! the master role to a replica (Redis 6.2+). Parses the arguments as
//! Redis does (every syntax and number error before any state check) and
//! hands over to `server::failover`, which runs the failover.

use super::{Cmd, Ctx, flags::*};
use crate::error;
use crate::server::failover;

pub static COMMANDS: &[Cmd] = &[Cmd::new("failover", -1, ADMIN | NOSCRIPT | STALE, failover)];

fn failover(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() == 2 && argv[1].eq_ignore_ascii_case(b"abort") {
        if !ctx.srv.failover.active() {
            return ctx.c.reply.error("ERR No failover in progress.");
        }
        failover::abort(ctx.srv, "Failover manually aborted");
        return ctx.c.reply.ok();
    }
    let mut timeout = 0i64;
    let mut force = false;
    let mut target: Option<(&[u8], i64)> = None;
    let mut i = 1;
    while i < argv.len() {
        let word = argv[i];
        if word.eq_ignore_ascii_case(b"timeout") && i + 1 < argv.len() && timeout == 0 {
            let Some(ms) = super::arg_i64(ctx, argv[i + 1]) else {
                return;
            };
            if ms <= 0 {
                return ctx
                    .c
                    .reply
                    .error("ERR FAILOVER timeout must be greater than 0");
            }
            timeout = ms;
            i += 2;
        } else if word.eq_ignore_ascii_case(b"to") && i + 2 < argv.len() && target.is_none() {
            let Some(port) = super::arg_i64(ctx, argv[i + 2]) else {
                return;
            };
            target = Some((argv[i + 1], port));
            i += 3;
        } else if word.eq_ignore_ascii_case(b"force") && !force {
            force = true;
            i += 1;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }
    if let Err(e) = failover::check_start(ctx.srv, ctx.c, target, force, timeout) {
        return ctx.c.reply.error(e);
    }
    failover::start(ctx.srv, target, force, timeout, ctx.now);
    ctx.c.reply.ok();
}
