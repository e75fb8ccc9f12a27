//! Blocking list and sorted-set commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
//! BLMPOP (and, with sorted sets, BZPOPMIN, BZPOPMAX, BZMPOP). Each first
//! tries its non-blocking form; when that finds nothing it parks the client
//! with `Ctx::block`, and the loop re-runs it when a write makes one of its
//! keys ready. Inside MULTI (EXEC) they never block: they answer as on
//! timeout.

use super::{Cmd, Ctx, flags::*, table};
use crate::error;
use crate::server::blocking::{BlockType, TimeoutReply};
use crate::types::Value;

const BLOCKING_WRITE: u32 = WRITE | BLOCKING;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("blpop", -3, BLOCKING_WRITE, blpop).keys(1, -2, 1),
    Cmd::new("brpop", -3, BLOCKING_WRITE, brpop).keys(1, -2, 1),
    Cmd::new("blmove", 6, BLOCKING_WRITE | DENYOOM, blmove).keys(1, 2, 1),
    Cmd::new("brpoplpush", 4, BLOCKING_WRITE | DENYOOM, brpoplpush).keys(1, 2, 1),
    Cmd::new("blmpop", -5, BLOCKING_WRITE, blmpop),
];

/// Parses a blocking timeout in seconds (float) into milliseconds, with
/// Redis 7.2's errors. 0 means forever.
pub fn parse_timeout(arg: &[u8]) -> Result<i64, &'static str> {
    let secs = crate::util::num::parse_f64(arg).ok_or(error::TIMEOUT_NOT_FLOAT)?;
    let ms = secs * 1000.0;
    if ms > i64::MAX as f64 {
        return Err(error::TIMEOUT_OUT_OF_RANGE);
    }
    let ms = ms.ceil();
    if ms < 0.0 {
        return Err(error::TIMEOUT_IS_NEGATIVE);
    }
    Ok(ms as i64)
}

/// True when a blocking command must answer now instead of parking
/// (inside EXEC, like Redis's CLIENT_DENY_BLOCKING).
fn may_not_block(ctx: &Ctx) -> bool {
    ctx.c.in_exec
}

/// BLPOP key [key ...] timeout
fn blpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    bpop(ctx, argv, true);
}

/// BRPOP key [key ...] timeout
fn brpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    bpop(ctx, argv, false);
}

fn bpop(ctx: &mut Ctx, argv: &[&[u8]], left: bool) {
    let timeout = match parse_timeout(argv[argv.len() - 1]) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    let keys = &argv[1..argv.len() - 1];
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    for &key in keys {
        let Some(v) = ctx.srv.ks.lookup_write(db, key, ctx.now) else {
            continue;
        };
        let Value::List(l) = v else {
            return ctx.c.reply.error(error::WRONGTYPE);
        };
        let Some(elem) = l.pop(left) else {
            continue;
        };
        let empty = l.is_empty();
        if !empty {
            l.shrink_check(fill);
        }
        let out = &mut ctx.c.reply;
        out.array(2);
        out.bulk(key);
        let mut text = Vec::new();
        elem.as_elem().write_text(&mut text);
        out.bulk(&text);
        if empty {
            ctx.srv.ks.delete(db, key);
        } else {
            ctx.srv.ks.signal_modified(db, key);
        }
        return;
    }
    if may_not_block(ctx) {
        return ctx.c.reply.null_array();
    }
    ctx.block(argv, keys, timeout, BlockType::List, TimeoutReply::NullArray);
}

/// Runs the non-blocking command `name` with `args` through the table and
/// reports whether it found nothing (it replied `nothing`, which is then
/// taken back). Errors and real replies stay.
fn try_nonblocking(ctx: &mut Ctx, name: &[u8], args: &[&[u8]], null_array: bool) -> bool {
    let Some(cmd) = table().lookup(name) else {
        ctx.c.reply.error(&error::unknown_command(args));
        return false;
    };
    let mark = ctx.c.reply.buf.len();
    (cmd.handler)(ctx, args);
    let produced = &ctx.c.reply.buf[mark..];
    let nothing: &[u8] = match (ctx.c.reply.resp3, null_array) {
        (true, _) => b"_\r\n",
        (false, true) => b"*-1\r\n",
        (false, false) => b"$-1\r\n",
    };
    if produced == nothing {
        ctx.c.reply.buf.truncate(mark);
        true
    } else {
        false
    }
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
fn blmove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let timeout = match parse_timeout(argv[5]) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    let args = [&b"lmove"[..], argv[1], argv[2], argv[3], argv[4]];
    blocking_move(ctx, argv, &args, timeout);
}

/// BRPOPLPUSH source destination timeout
fn brpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    let timeout = match parse_timeout(argv[3]) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    let args = [&b"lmove"[..], argv[1], argv[2], b"right", b"left"];
    blocking_move(ctx, argv, &args, timeout);
}

fn blocking_move(ctx: &mut Ctx, argv: &[&[u8]], lmove_args: &[&[u8]], timeout: i64) {
    if try_nonblocking(ctx, b"lmove", lmove_args, false) {
        if may_not_block(ctx) {
            return ctx.c.reply.null();
        }
        ctx.block(argv, &argv[1..2], timeout, BlockType::List, TimeoutReply::NullBulk);
    }
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn blmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let timeout = match parse_timeout(argv[1]) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    let mut args: Vec<&[u8]> = Vec::with_capacity(argv.len() - 1);
    args.push(b"lmpop");
    args.extend_from_slice(&argv[2..]);
    if try_nonblocking(ctx, b"lmpop", &args, true) {
        if may_not_block(ctx) {
            return ctx.c.reply.null_array();
        }
        // LMPOP validated numkeys, so the keys are argv[3..3 + numkeys].
        let numkeys = crate::util::num::parse_i64(argv[2]).unwrap_or(0).max(0) as usize;
        let keys = &argv[3..(3 + numkeys).min(argv.len())];
        ctx.block(argv, keys, timeout, BlockType::List, TimeoutReply::NullArray);
    }
}
