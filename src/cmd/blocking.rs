//! Blocking list and sorted-set commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
//! BLMPOP (and, with sorted sets, BZPOPMIN, BZPOPMAX, BZMPOP). Each first
//! tries its non-blocking form; when that finds nothing it parks the client
//! with `Ctx::block`, and the loop re-runs it when a write makes one of its
//! keys ready. Inside MULTI (EXEC) they never block: they answer as on
//! timeout. WAIT and WAITAOF park the same way, but are answered by
//! `server::repl` when replicas acknowledge or the AOF fsyncs.

use super::lists::{self, Env, MoveErr};
use super::{Cmd, Ctx, flags::*};
use crate::db::notify;
use crate::error;
use crate::server::blocking::{BlockType, TimeoutReply};
use crate::types::Value;
use crate::util::num::{self, LongDouble};

const BLOCKING_WRITE: u32 = WRITE | BLOCKING;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("blpop", -3, BLOCKING_WRITE, blpop).keys(1, -2, 1),
    Cmd::new("brpop", -3, BLOCKING_WRITE, brpop).keys(1, -2, 1),
    Cmd::new("blmove", 6, BLOCKING_WRITE | DENYOOM, blmove).keys(1, 2, 1),
    Cmd::new("brpoplpush", 4, BLOCKING_WRITE | DENYOOM, brpoplpush).keys(1, 2, 1),
    Cmd::new("blmpop", -5, BLOCKING_WRITE, blmpop),
    Cmd::new("bzpopmin", -3, BLOCKING_WRITE | FAST, bzpopmin).keys(1, -2, 1),
    Cmd::new("bzpopmax", -3, BLOCKING_WRITE | FAST, bzpopmax).keys(1, -2, 1),
    Cmd::new("bzmpop", -5, BLOCKING_WRITE, bzmpop),
    Cmd::new("wait", 3, NOSCRIPT, wait),
    Cmd::new("waitaof", 4, BLOCKING, waitaof),
];

/// Parses a blocking timeout in seconds into milliseconds (0 = forever),
/// with Redis 7.2's errors (getTimeoutFromObjectOrReply): the text is read
/// as a C `long double` (so `1e400` is a number, only too big), scaled to
/// ms and rounded up; `now` is the command's clock, since the deadline
/// `now + ms` must fit an i64.
///
/// Redis 7.0 differs for timeouts past i64::MAX ms (`inf`, `1e400`): its
/// conversion overflowed and it answered "timeout is negative"; 7.2 says
/// "timeout is out of range".
pub fn parse_timeout(arg: &[u8], now: i64) -> Result<i64, &'static str> {
    let ld = LongDouble::parse(arg).ok_or(error::TIMEOUT_NOT_FLOAT)?;
    let secs = match num::parse_f64(arg) {
        Some(v) => v,
        // A long double but beyond an f64's range, either way: only which
        // way matters here.
        None => {
            let mut text = Vec::new();
            ld.write_human(&mut text);
            let tiny = text == b"0";
            match (tiny, arg.first() == Some(&b'-')) {
                (true, false) => f64::MIN_POSITIVE,
                (true, true) => -0.0,
                (false, false) => f64::INFINITY,
                (false, true) => f64::NEG_INFINITY,
            }
        }
    };
    let ms = secs * 1000.0;
    if ms > i64::MAX as f64 {
        return Err(error::TIMEOUT_OUT_OF_RANGE);
    }
    // ceil: 0.0001 s waits 1 ms rather than forever; -0.0001 s is -0 ms,
    // which is 0: forever.
    let ms = ms.ceil();
    if ms < 0.0 {
        return Err(error::TIMEOUT_IS_NEGATIVE);
    }
    let ms = ms as i64;
    if ms > 0 && ms > i64::MAX - now.max(0) {
        return Err(error::TIMEOUT_OUT_OF_RANGE);
    }
    Ok(ms)
}

/// True when a blocking command must answer now instead of parking
/// (inside EXEC, like Redis's CLIENT_DENY_BLOCKING).
fn may_not_block(ctx: &Ctx) -> bool {
    ctx.c.in_exec
}

/// WAIT numreplicas timeout: the number of replicas that acknowledged
/// the stream up to this client's last write (Redis's `woff`; a client
/// that wrote nothing waits for nothing). When fewer than asked have,
/// the client is parked
/// (the loop sends `REPLCONF GETACK *` before sleeping) until enough ACKs
/// arrive or the timeout in milliseconds passes (0: forever), as Redis.
fn wait(ctx: &mut Ctx, argv: &[&[u8]]) {
    if ctx.srv.replica.active() {
        return ctx.c.reply.error(error::WAIT_ON_REPLICA);
    }
    let Some(wanted) = super::arg_i64(ctx, argv[1]) else {
        return;
    };
    let timeout = match parse_timeout_ms(argv[2], ctx.now) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    let offset = ctx.c.repl_woff;
    let acked = crate::server::repl::count_acks(ctx.srv, offset);
    if wanted <= acked || may_not_block(ctx) {
        return ctx.c.reply.int(acked);
    }
    wait_for_acks(ctx, argv, timeout, TimeoutReply::Acks(offset));
}

/// WAITAOF numlocal numreplicas timeout (Redis 7.2): waits until this
/// client's last write (its replication offset, as WAIT uses) is fsynced
/// to the local AOF (numlocal 1) and to the AOF of at least numreplicas
/// replicas (their `REPLCONF ACK ... FACK`), or the timeout in
/// milliseconds passes (0: forever). Replies [local 0/1, replicas]. Does
/// not block inside MULTI or a script. The local count moves in
/// before_sleep, when an fsync (`always`, or the `everysec` thread) has
/// covered the offset; `appendfsync no` never does.
fn waitaof(ctx: &mut Ctx, argv: &[&[u8]]) {
    use crate::server::repl;
    // Redis checks the arguments first, then the role.
    let Some(local) = super::arg_i64(ctx, argv[1]) else {
        return;
    };
    if !(0..=1).contains(&local) {
        return ctx.c.reply.error(error::NOT_0_OR_1);
    }
    let Some(replicas) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    if replicas < 0 {
        return ctx.c.reply.error(error::NOT_POSITIVE);
    }
    let timeout = match parse_timeout_ms(argv[3], ctx.now) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    if ctx.srv.replica.active() {
        return ctx.c.reply.error(error::WAITAOF_ON_REPLICA);
    }
    if local > 0 && ctx.srv.aof.state == crate::persist::aof::State::Off {
        return ctx.c.reply.error(error::WAITAOF_NO_AOF);
    }
    let offset = ctx.c.repl_woff;
    let done = repl::count_aof_acks(ctx.srv, offset) >= replicas
        && repl::local_fsynced(ctx.srv, offset) >= local;
    if done || may_not_block(ctx) {
        return repl::aof_acks_reply(ctx.srv, &mut ctx.c.reply, offset);
    }
    wait_for_acks(ctx, argv, timeout, TimeoutReply::AofAcks(offset));
}

/// Parks a WAIT / WAITAOF client among the replication waiters and asks
/// the replicas for an ACK before sleeping (one GETACK per turn).
fn wait_for_acks(ctx: &mut Ctx, argv: &[&[u8]], timeout: i64, reply: TimeoutReply) {
    ctx.block(argv, &[], timeout, BlockType::List, reply);
    if !ctx.c.reprocessing {
        crate::server::repl::prune_waiters(ctx.srv);
        ctx.srv.repl.waiters.push(ctx.c.token);
        ctx.srv.repl.get_ack = true;
    }
}

/// Parses a timeout in milliseconds (WAIT, WAITAOF) with Redis 7.2's
/// errors (getTimeoutFromObjectOrReply for milliseconds): an integer, not
/// negative, and the deadline `now + ms` must fit an i64. (Redis 7.0 had
/// no range check and waited forever past it.)
pub fn parse_timeout_ms(arg: &[u8], now: i64) -> Result<i64, &'static str> {
    let ms = num::parse_i64(arg).ok_or(error::TIMEOUT_NOT_INT)?;
    if ms < 0 {
        return Err(error::TIMEOUT_IS_NEGATIVE);
    }
    if ms > 0 && ms > i64::MAX - now.max(0) {
        return Err(error::TIMEOUT_OUT_OF_RANGE);
    }
    Ok(ms)
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
    let timeout = match parse_timeout(argv[argv.len() - 1], ctx.now) {
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
        let ev = if left { "lpop" } else { "rpop" };
        ctx.srv.ks.notify(notify::LIST, ev, db, key);
        // Served now or later, it is replayed as the pop it did.
        ctx.propagate_as(&[if left { b"LPOP" } else { b"RPOP" }, key]);
        if empty {
            ctx.srv.ks.delete(db, key);
            ctx.srv.ks.notify(notify::GENERIC, "del", db, key);
        } else {
            ctx.srv.ks.signal_modified(db, key);
        }
        return;
    }
    if may_not_block(ctx) {
        return ctx.c.reply.null_array();
    }
    ctx.block(
        argv,
        keys,
        timeout,
        BlockType::List,
        TimeoutReply::NullArray,
    );
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
fn blmove(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Redis checks the directions before the timeout.
    let (Some(from_left), Some(to_left)) = (lists::parse_side(argv[3]), lists::parse_side(argv[4]))
    else {
        return ctx.c.reply.error(error::SYNTAX);
    };
    let timeout = match parse_timeout(argv[5], ctx.now) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    blocking_move(ctx, argv, from_left, to_left, timeout);
}

/// BRPOPLPUSH source destination timeout
fn brpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    let timeout = match parse_timeout(argv[3], ctx.now) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    blocking_move(ctx, argv, false, true, timeout);
}

/// LMOVE from argv[1] to argv[2] if the source exists, else parks on it.
fn blocking_move(ctx: &mut Ctx, argv: &[&[u8]], from_left: bool, to_left: bool, timeout: i64) {
    let env = Env::of(ctx);
    match lists::move_element(&mut ctx.srv.ks, env, argv[1], argv[2], from_left, to_left) {
        Ok(v) => {
            lists::reply_elem(&mut ctx.c.reply, v.as_elem());
            // BLMOVE as LMOVE with its direction words (served after
            // blocking: Redis's lower-case ones), BRPOPLPUSH as RPOPLPUSH.
            let side = |left: bool| -> &'static [u8] { if left { b"left" } else { b"right" } };
            if argv.len() == 6 && ctx.c.reprocessing {
                ctx.propagate_as(&[b"LMOVE", argv[1], argv[2], side(from_left), side(to_left)]);
            } else if argv.len() == 6 {
                ctx.propagate_as(&[b"LMOVE", argv[1], argv[2], argv[3], argv[4]]);
            } else {
                ctx.propagate_as(&[b"RPOPLPUSH", argv[1], argv[2]]);
            }
        }
        Err(MoveErr::WrongType) => ctx.c.reply.error(error::WRONGTYPE),
        Err(MoveErr::NoSource) if may_not_block(ctx) => ctx.c.reply.null(),
        // On timeout Redis answers every list waiter with a null array,
        // BLMOVE included (in EXEC it answers a null bulk, as LMOVE would).
        Err(MoveErr::NoSource) => ctx.block(
            argv,
            &argv[1..2],
            timeout,
            BlockType::List,
            TimeoutReply::NullArray,
        ),
    }
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn blmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Redis checks numkeys, the direction and COUNT before the timeout.
    let a = match lists::parse_mpop(&argv[2..]) {
        Ok(a) => a,
        Err(e) => return ctx.c.reply.error(e),
    };
    let timeout = match parse_timeout(argv[1], ctx.now) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    if lists::mpop(ctx, &a) {
        return;
    }
    if may_not_block(ctx) {
        return ctx.c.reply.null_array();
    }
    ctx.block(
        argv,
        a.keys,
        timeout,
        BlockType::List,
        TimeoutReply::NullArray,
    );
}

// ---------------------------------------------------------------------------
// Sorted sets

/// BZPOPMIN key [key ...] timeout
fn bzpopmin(ctx: &mut Ctx, argv: &[&[u8]]) {
    bzpop(ctx, argv, b"zpopmin");
}

/// BZPOPMAX key [key ...] timeout
fn bzpopmax(ctx: &mut Ctx, argv: &[&[u8]]) {
    bzpop(ctx, argv, b"zpopmax");
}

/// Pops from the first non-empty sorted set among the keys and replies
/// `[key, member, score]`: ZPOPMIN/ZPOPMAX's `[member, score]` with the key
/// in front.
fn bzpop(ctx: &mut Ctx, argv: &[&[u8]], pop: &'static [u8]) {
    let timeout = match parse_timeout(argv[argv.len() - 1], ctx.now) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    let keys = &argv[1..argv.len() - 1];
    let db = ctx.c.db;
    for &key in keys {
        match ctx.srv.ks.lookup_write(db, key, ctx.now) {
            None => continue,
            Some(Value::ZSet(z)) if z.is_empty() => continue,
            Some(Value::ZSet(_)) => {}
            Some(_) => return ctx.c.reply.error(error::WRONGTYPE),
        }
        let Some(cmd) = super::table().lookup(pop) else {
            return ctx.c.reply.error(&error::unknown_command(&[pop]));
        };
        let mark = ctx.c.reply.buf.len();
        (cmd.handler)(ctx, &[pop, key]);
        // Replace the `*2` header of [member, score] with `*3` + the key.
        let popped = ctx.c.reply.buf.split_off(mark);
        let body = popped
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(&popped[..], |i| &popped[i + 2..]);
        ctx.c.reply.array(3);
        ctx.c.reply.bulk(key);
        ctx.c.reply.buf.extend_from_slice(body);
        let word: &[u8] = if pop == b"zpopmin" {
            b"ZPOPMIN"
        } else {
            b"ZPOPMAX"
        };
        ctx.propagate_as(&[word, key]);
        return;
    }
    if may_not_block(ctx) {
        return ctx.c.reply.null_array();
    }
    ctx.block(
        argv,
        keys,
        timeout,
        BlockType::ZSet,
        TimeoutReply::NullArray,
    );
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: ZMPOP with a
/// timeout. ZMPOP validates the arguments; its null reply means nothing was
/// there, and is taken back before parking.
fn bzmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Redis checks numkeys, MIN|MAX and COUNT before the timeout.
    if let Err(e) = lists::parse_mpop_words(&argv[2..], "min", "max") {
        return ctx.c.reply.error(e);
    }
    let timeout = match parse_timeout(argv[1], ctx.now) {
        Ok(t) => t,
        Err(e) => return ctx.c.reply.error(e),
    };
    let Some(cmd) = super::table().lookup(b"zmpop") else {
        return ctx.c.reply.error(&error::unknown_command(&[b"zmpop"]));
    };
    let mut args: Vec<&[u8]> = Vec::with_capacity(argv.len() - 1);
    args.push(b"zmpop");
    args.extend_from_slice(&argv[2..]);
    let mark = ctx.c.reply.buf.len();
    (cmd.handler)(ctx, &args);
    let nothing: &[u8] = if ctx.c.reply.resp3 {
        b"_\r\n"
    } else {
        b"*-1\r\n"
    };
    if &ctx.c.reply.buf[mark..] != nothing {
        return;
    }
    ctx.c.reply.buf.truncate(mark);
    if may_not_block(ctx) {
        return ctx.c.reply.null_array();
    }
    let numkeys = num::parse_i64(argv[2]).unwrap_or(0).max(0) as usize;
    let keys = &argv[3..(3 + numkeys).min(argv.len())];
    ctx.block(
        argv,
        keys,
        timeout,
        BlockType::ZSet,
        TimeoutReply::NullArray,
    );
}
