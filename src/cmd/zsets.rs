//! Sorted set commands (Redis 7.2 semantics and replies, RESP2 and RESP3).
//!
//! The typed work (adding, ranges, pops, sampling, scans) lives in
//! `crate::types::zset`; handlers parse arguments in Redis's order (so the
//! same bad command gets the same error), look the key up, call the typed
//! operation and render the result. Option words are compared like Redis's
//! `strcasecmp` on C strings: case-insensitively, up to the first NUL.

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
use crate::db::notify::{GENERIC, ZSET};
use crate::error;
use crate::resp::ReplyBuf;
use crate::types::set::Member;
use crate::types::zset::{
    AddFlags, AddOutcome, Elem, LexRange, Limits, RangeSpec, ScoreRange, format_g17, rank_interval,
};
use crate::types::{SetValue, Value, ZSetValue};
use crate::util::num::{self, format_double, parse_f64, parse_i64};
use std::borrow::Cow;
use std::collections::HashMap;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("zadd", -4, WRITE | DENYOOM | FAST, zadd).keys(1, 1, 1),
    Cmd::new("zincrby", 4, WRITE | DENYOOM | FAST, zincrby).keys(1, 1, 1),
    Cmd::new("zrem", -3, WRITE | FAST, zrem).keys(1, 1, 1),
    Cmd::new("zcard", 2, READONLY | FAST, zcard).keys(1, 1, 1),
    Cmd::new("zcount", 4, READONLY | FAST, zcount).keys(1, 1, 1),
    Cmd::new("zlexcount", 4, READONLY | FAST, zlexcount).keys(1, 1, 1),
    Cmd::new("zscore", 3, READONLY | FAST, zscore).keys(1, 1, 1),
    Cmd::new("zmscore", -3, READONLY | FAST, zmscore).keys(1, 1, 1),
    // Redis 7.2 added WITHSCORE: the arity went from 3 to -3.
    Cmd::new("zrank", -3, READONLY | FAST, zrank).keys(1, 1, 1),
    Cmd::new("zrevrank", -3, READONLY | FAST, zrevrank).keys(1, 1, 1),
    Cmd::new("zrange", -4, READONLY, zrange).keys(1, 1, 1),
    Cmd::new("zrangestore", -5, WRITE | DENYOOM, zrangestore).keys(1, 2, 1),
    Cmd::new("zrevrange", -4, READONLY, zrevrange).keys(1, 1, 1),
    Cmd::new("zrangebyscore", -4, READONLY, zrangebyscore).keys(1, 1, 1),
    Cmd::new("zrevrangebyscore", -4, READONLY, zrevrangebyscore).keys(1, 1, 1),
    Cmd::new("zrangebylex", -4, READONLY, zrangebylex).keys(1, 1, 1),
    Cmd::new("zrevrangebylex", -4, READONLY, zrevrangebylex).keys(1, 1, 1),
    Cmd::new("zremrangebyrank", 4, WRITE, zremrangebyrank).keys(1, 1, 1),
    Cmd::new("zremrangebyscore", 4, WRITE, zremrangebyscore).keys(1, 1, 1),
    Cmd::new("zremrangebylex", 4, WRITE, zremrangebylex).keys(1, 1, 1),
    Cmd::new("zpopmin", -2, WRITE | FAST, zpopmin).keys(1, 1, 1),
    Cmd::new("zpopmax", -2, WRITE | FAST, zpopmax).keys(1, 1, 1),
    Cmd::new("zmpop", -4, WRITE, zmpop),
    Cmd::new("zrandmember", -2, READONLY, zrandmember).keys(1, 1, 1),
    Cmd::new("zinter", -3, READONLY, zinter),
    Cmd::new("zinterstore", -4, WRITE | DENYOOM, zinterstore).keys(1, 1, 1),
    Cmd::new("zintercard", -3, READONLY, zintercard),
    Cmd::new("zunion", -3, READONLY, zunion),
    Cmd::new("zunionstore", -4, WRITE | DENYOOM, zunionstore).keys(1, 1, 1),
    Cmd::new("zdiff", -3, READONLY, zdiff),
    Cmd::new("zdiffstore", -4, WRITE | DENYOOM, zdiffstore).keys(1, 1, 1),
    Cmd::new("zscan", -3, READONLY, zscan).keys(1, 1, 1),
];

/// ZRANDMEMBER with a huge negative count would build an endless reply:
/// past this many reply bytes the client is cut off, as Redis does when
/// an output buffer limit closes it mid-reply.
const MAX_RANDOM_REPLY: usize = 1 << 30;

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// Redis's `strcasecmp(arg, name)` with `name` lower case.
fn opt_is(arg: &[u8], name: &str) -> bool {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg[..end].eq_ignore_ascii_case(name.as_bytes())
}

pub(super) fn limits(ctx: &Ctx) -> Limits {
    Limits::from_config(&ctx.srv.config)
}

/// The sorted set at `key` for reading: Ok(None) when missing, Err when the
/// key holds another type (lazy expiry and hit/miss stats included).
pub(super) fn read_z<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k ZSetValue>, ()> {
    match ks.lookup_read(db, key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(()),
    }
}

/// The sorted set at `key` for writing (lazy expiry, no stats).
fn write_z<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k mut ZSetValue>, ()> {
    match ks.lookup_write(db, key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(()),
    }
}

/// The write epilogue after changing the set at `key` in place: the key
/// goes when the set is empty. Raises keyspace event `event` (and `del`).
fn after_write(ks: &mut Keyspace, db: usize, key: &[u8], now_empty: bool, event: &'static str) {
    ks.notify(ZSET, event, db, key);
    if now_empty {
        ks.delete(db, key);
        ks.notify(GENERIC, "del", db, key);
    } else {
        ks.signal_modified(db, key);
    }
}

/// Stores `elems` (sorted, unique members) at `dst` as a Z*STORE result
/// and replies with its size; an empty result deletes `dst`.
fn store_result(ctx: &mut Ctx, dst: &[u8], elems: Vec<Elem>) {
    let db = ctx.c.db;
    if elems.is_empty() {
        if ctx.srv.ks.delete(db, dst) {
            ctx.srv.ks.notify(GENERIC, "del", db, dst);
        }
        ctx.c.reply.int(0);
        return;
    }
    let n = elems.len();
    let z = ZSetValue::from_sorted(elems, &limits(ctx));
    ctx.srv.ks.set(db, dst, Value::ZSet(z), false);
    // The event is the command's name (zunionstore, zrangestore, ...).
    ctx.srv.ks.notify(ZSET, ctx.cmd.name, db, dst);
    ctx.c.reply.int(n as i64);
}

/// Appends a score the way `addReplyDouble` does (bulk string in RESP2,
/// double in RESP3); `tmp` is scratch space reused across calls.
fn reply_score(out: &mut ReplyBuf, tmp: &mut Vec<u8>, v: f64) {
    tmp.clear();
    format_double(v, tmp);
    if out.resp3 {
        out.buf.push(b',');
        out.buf.extend_from_slice(tmp);
        out.buf.extend_from_slice(b"\r\n");
    } else {
        out.bulk(tmp);
    }
}

/// Writes member/score results: a flat array in RESP2, an array of
/// [member, score] pairs in RESP3 (when `withscores`).
struct PairWriter {
    withscores: bool,
    tmp: Vec<u8>,
}

impl PairWriter {
    fn new(withscores: bool) -> Self {
        PairWriter {
            withscores,
            tmp: Vec::new(),
        }
    }

    fn header(&self, out: &mut ReplyBuf, n: usize) {
        if self.withscores && !out.resp3 {
            out.array(n * 2);
        } else {
            out.array(n);
        }
    }

    fn item(&mut self, out: &mut ReplyBuf, member: &[u8], score: f64) {
        if self.withscores && out.resp3 {
            out.array(2);
        }
        out.bulk(member);
        if self.withscores {
            reply_score(out, &mut self.tmp, score);
        }
    }
}

/// Parses a zero-or-positive "long" argument like
/// `getPositiveLongFromObjectOrReply`: a non-number gets the same error as
/// a negative number.
fn positive_long(arg: &[u8], msg: &'static str) -> Result<i64, &'static str> {
    match parse_i64(arg) {
        Some(v) if v >= 0 => Ok(v),
        _ => Err(msg),
    }
}

// ---------------------------------------------------------------------------
// ZADD / ZINCRBY
// ---------------------------------------------------------------------------

/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
pub(super) fn zadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    zadd_generic(ctx, argv, AddFlags::default());
}

/// ZINCRBY key increment member
fn zincrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    zadd_generic(
        ctx,
        argv,
        AddFlags {
            incr: true,
            ..AddFlags::default()
        },
    );
}

/// Scores parsed on the stack for up to this many pairs.
const STACK_PAIRS: usize = 16;

/// ZADD and ZINCRBY (Redis's zaddGenericCommand): options, then the
/// pairs, all scores validated before anything changes.
fn zadd_generic(ctx: &mut Ctx, argv: &[&[u8]], mut f: AddFlags) {
    let mut ch = false;
    let mut i = 2;
    while let Some(&opt) = argv.get(i) {
        if opt_is(opt, "nx") {
            f.nx = true;
        } else if opt_is(opt, "xx") {
            f.xx = true;
        } else if opt_is(opt, "ch") {
            ch = true;
        } else if opt_is(opt, "incr") {
            f.incr = true;
        } else if opt_is(opt, "gt") {
            f.gt = true;
        } else if opt_is(opt, "lt") {
            f.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let rest = argv.len() - i;
    if rest == 0 || !rest.is_multiple_of(2) {
        ctx.c.reply.error(error::SYNTAX);
        return;
    }
    let pairs = rest / 2;
    if f.nx && f.xx {
        ctx.c.reply.error(error::ZADD_XX_AND_NX);
        return;
    }
    if ((f.gt || f.lt) && f.nx) || (f.gt && f.lt) {
        ctx.c.reply.error(error::ZADD_GT_LT_NX);
        return;
    }
    if f.incr && pairs > 1 {
        ctx.c.reply.error(error::ZADD_INCR_SINGLE_PAIR);
        return;
    }
    let mut stack = [0f64; STACK_PAIRS];
    let mut heap = Vec::new();
    let scores: &mut [f64] = if pairs <= STACK_PAIRS {
        &mut stack[..pairs]
    } else {
        heap.resize(pairs, 0.0);
        &mut heap
    };
    for (j, slot) in scores.iter_mut().enumerate() {
        match parse_f64(argv[i + 2 * j]) {
            Some(v) => *slot = v,
            None => {
                ctx.c.reply.error(error::NOT_FLOAT);
                return;
            }
        }
    }

    let (db, now, key) = (ctx.c.db, ctx.now, argv[1]);
    let lim = limits(ctx);
    let mut created = None;
    let z = match write_z(&mut ctx.srv.ks, db, key, now) {
        Err(()) => {
            ctx.c.reply.error(error::WRONGTYPE);
            return;
        }
        Ok(Some(z)) => {
            z.maybe_convert(pairs, &lim);
            z
        }
        Ok(None) if f.xx => {
            // No key and XX: nothing to do.
            if f.incr {
                ctx.c.reply.null();
            } else {
                ctx.c.reply.int(0);
            }
            return;
        }
        Ok(None) => created.insert(ZSetValue::for_add(pairs, argv[i + 1].len(), &lim)),
    };

    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = 0.0;
    let mut nan = false;
    for (j, &score) in scores.iter().enumerate() {
        match z.add(score, argv[i + 2 * j + 1], f, &lim) {
            AddOutcome::Added(s) => {
                added += 1;
                processed += 1;
                last = s;
            }
            AddOutcome::Updated(s) => {
                updated += 1;
                processed += 1;
                last = s;
            }
            AddOutcome::Unchanged(s) => {
                processed += 1;
                last = s;
            }
            AddOutcome::Skipped => {}
            AddOutcome::Nan => {
                nan = true;
                break;
            }
        }
    }

    let changed = added + updated > 0;
    match created {
        Some(z) if !z.is_empty() => ctx.srv.ks.set(db, key, Value::ZSet(z), false),
        Some(_) => {}
        None if changed => ctx.srv.ks.signal_modified(db, key),
        None => {}
    }
    if changed {
        let ev = if f.incr { "zincr" } else { "zadd" };
        ctx.srv.ks.notify(ZSET, ev, db, key);
    }
    let out = &mut ctx.c.reply;
    if nan {
        out.error(error::SCORE_IS_NAN);
    } else if f.incr {
        if processed > 0 {
            out.double(last);
        } else {
            out.null();
        }
    } else {
        out.int(if ch { added + updated } else { added });
    }
}

/// ZREM key member [member ...]
fn zrem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, now, key) = (ctx.c.db, ctx.now, argv[1]);
    let z = match write_z(&mut ctx.srv.ks, db, key, now) {
        Ok(Some(z)) => z,
        Ok(None) => return ctx.c.reply.int(0),
        Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    let mut deleted = 0;
    for m in &argv[2..] {
        if z.remove(m) {
            deleted += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    let empty = z.is_empty();
    if deleted > 0 {
        after_write(&mut ctx.srv.ks, db, key, empty, "zrem");
    }
    ctx.c.reply.int(deleted);
}

// ---------------------------------------------------------------------------
// Reads of single members and counts
// ---------------------------------------------------------------------------

/// ZCARD key
fn zcard(ctx: &mut Ctx, argv: &[&[u8]]) {
    match read_z(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(z) => ctx.c.reply.int(z.map_or(0, |z| z.len() as i64)),
        Err(()) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// ZSCORE key member
fn zscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match read_z(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(z) => match z.and_then(|z| z.score(argv[2])) {
            Some(s) => out.double(s),
            None => out.null(),
        },
        Err(()) => out.error(error::WRONGTYPE),
    }
}

/// ZMSCORE key member [member ...]
fn zmscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match read_z(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(z) => {
            out.array(argv.len() - 2);
            let mut tmp = Vec::new();
            for m in &argv[2..] {
                match z.and_then(|z| z.score(m)) {
                    Some(s) => reply_score(out, &mut tmp, s),
                    None => out.null(),
                }
            }
        }
        Err(()) => out.error(error::WRONGTYPE),
    }
}

/// ZRANK key member [WITHSCORE]
fn zrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrank_generic(ctx, argv, false);
}

/// ZREVRANK key member [WITHSCORE]
fn zrevrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrank_generic(ctx, argv, true);
}

fn zrank_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) {
    if argv.len() > 4 {
        ctx.c.reply.error(&error::wrong_arity(ctx.cmd.name));
        return;
    }
    let withscore = match argv.get(3) {
        None => false,
        Some(a) if opt_is(a, "withscore") => true,
        Some(_) => return ctx.c.reply.error(error::SYNTAX),
    };
    let out = &mut ctx.c.reply;
    let found = match read_z(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(z) => z.and_then(|z| z.rank(argv[2], rev)),
        Err(()) => return out.error(error::WRONGTYPE),
    };
    match found {
        Some((rank, score)) => {
            if withscore {
                out.array(2);
            }
            out.int(rank as i64);
            if withscore {
                out.double(score);
            }
        }
        None if withscore => out.null_array(),
        None => out.null(),
    }
}

/// ZCOUNT key min max
fn zcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(r) = ScoreRange::parse(argv[2], argv[3]) else {
        return ctx.c.reply.error(error::MIN_MAX_NOT_FLOAT);
    };
    count_in(ctx, argv[1], &RangeSpec::Score(r));
}

/// ZLEXCOUNT key min max
fn zlexcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(r) = LexRange::parse(argv[2], argv[3]) else {
        return ctx.c.reply.error(error::MIN_MAX_NOT_LEX);
    };
    count_in(ctx, argv[1], &RangeSpec::Lex(r));
}

fn count_in(ctx: &mut Ctx, key: &[u8], spec: &RangeSpec) {
    match read_z(&mut ctx.srv.ks, ctx.c.db, key, ctx.now) {
        Ok(z) => {
            let n = z.map_or(0, |z| {
                let (lo, hi) = z.select(spec, 0, -1, false);
                hi - lo
            });
            ctx.c.reply.int(n as i64);
        }
        Err(()) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

// ---------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
fn zrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv, None, RangeType::Auto, Direction::Auto);
}

/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
fn zrangestore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(
        ctx,
        &argv[1..],
        Some(argv[1]),
        RangeType::Auto,
        Direction::Auto,
    );
}

/// ZREVRANGE key start stop [WITHSCORES]
fn zrevrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv, None, RangeType::Rank, Direction::Reverse);
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
fn zrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv, None, RangeType::Score, Direction::Forward);
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
fn zrevrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv, None, RangeType::Score, Direction::Reverse);
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
fn zrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv, None, RangeType::Lex, Direction::Forward);
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
fn zrevrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv, None, RangeType::Lex, Direction::Reverse);
}

/// Every ZRANGE form (Redis's zrangeGenericCommand). `argv[1]` is the
/// source key (for ZRANGESTORE the caller drops the destination first and
/// passes it as `store`).
fn zrange_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    store: Option<&[u8]>,
    mut rtype: RangeType,
    mut dir: Direction,
) {
    let key = argv[1];
    let (mut minidx, mut maxidx) = (2, 3);
    let mut withscores = false;
    let mut offset = 0i64;
    let mut limit = -1i64;
    let mut j = 4;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv[j];
        if store.is_none() && opt_is(a, "withscores") {
            withscores = true;
        } else if opt_is(a, "limit") && left >= 2 {
            match (parse_i64(argv[j + 1]), parse_i64(argv[j + 2])) {
                (Some(o), Some(l)) => {
                    offset = o;
                    limit = l;
                }
                _ => return ctx.c.reply.error(error::NOT_INTEGER),
            }
            j += 2;
        } else if dir == Direction::Auto && opt_is(a, "rev") {
            dir = Direction::Reverse;
        } else if rtype == RangeType::Auto && opt_is(a, "bylex") {
            rtype = RangeType::Lex;
        } else if rtype == RangeType::Auto && opt_is(a, "byscore") {
            rtype = RangeType::Score;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
        j += 1;
    }
    if rtype == RangeType::Auto {
        rtype = RangeType::Rank;
    }
    let rev = dir == Direction::Reverse;
    if limit != -1 && rtype == RangeType::Rank {
        return ctx.c.reply.error(error::ZRANGE_LIMIT_NEEDS_BY);
    }
    if withscores && rtype == RangeType::Lex {
        return ctx.c.reply.error(error::ZRANGE_WITHSCORES_BYLEX);
    }
    if rev && rtype != RangeType::Rank {
        // The range is given as max, min.
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let spec = match rtype {
        RangeType::Score => match ScoreRange::parse(argv[minidx], argv[maxidx]) {
            Some(r) => Some(RangeSpec::Score(r)),
            None => return ctx.c.reply.error(error::MIN_MAX_NOT_FLOAT),
        },
        RangeType::Lex => match LexRange::parse(argv[minidx], argv[maxidx]) {
            Some(r) => Some(RangeSpec::Lex(r)),
            None => return ctx.c.reply.error(error::MIN_MAX_NOT_LEX),
        },
        _ => None,
    };
    let ranks = match spec {
        Some(_) => None,
        None => match (parse_i64(argv[minidx]), parse_i64(argv[maxidx])) {
            (Some(s), Some(e)) => Some((s, e)),
            _ => return ctx.c.reply.error(error::NOT_INTEGER),
        },
    };

    let (db, now) = (ctx.c.db, ctx.now);
    let z = match read_z(&mut ctx.srv.ks, db, key, now) {
        Ok(z) => z,
        Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    let (lo, hi) = match (z, &spec, ranks) {
        (None, _, _) => (0, 0),
        (Some(z), Some(spec), _) => z.select(spec, offset, limit, rev),
        (Some(z), None, Some((s, e))) => rank_interval(z.len(), s, e, rev).unwrap_or((0, 0)),
        (Some(_), None, None) => (0, 0),
    };
    match (store, z) {
        (Some(dst), z) => {
            let elems = z.map(|z| z.elems_in(lo, hi)).unwrap_or_default();
            store_result(ctx, dst, elems);
        }
        (None, None) => ctx.c.reply.array(0),
        (None, Some(z)) => {
            let out = &mut ctx.c.reply;
            let mut w = PairWriter::new(withscores);
            w.header(out, hi - lo);
            z.for_each_in(lo, hi, rev, |m, s| w.item(out, m, s));
        }
    }
}

// ---------------------------------------------------------------------------
// ZREMRANGEBY*
// ---------------------------------------------------------------------------

/// ZREMRANGEBYRANK key start stop
fn zremrangebyrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    match (parse_i64(argv[2]), parse_i64(argv[3])) {
        (Some(s), Some(e)) => zremrange(ctx, argv[1], Err((s, e))),
        _ => ctx.c.reply.error(error::NOT_INTEGER),
    }
}

/// ZREMRANGEBYSCORE key min max
fn zremrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    match ScoreRange::parse(argv[2], argv[3]) {
        Some(r) => zremrange(ctx, argv[1], Ok(RangeSpec::Score(r))),
        None => ctx.c.reply.error(error::MIN_MAX_NOT_FLOAT),
    }
}

/// ZREMRANGEBYLEX key min max
fn zremrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    match LexRange::parse(argv[2], argv[3]) {
        Some(r) => zremrange(ctx, argv[1], Ok(RangeSpec::Lex(r))),
        None => ctx.c.reply.error(error::MIN_MAX_NOT_LEX),
    }
}

/// Removes a score/lex range (Ok) or a rank range (Err(start, stop)).
fn zremrange(ctx: &mut Ctx, key: &[u8], range: Result<RangeSpec, (i64, i64)>) {
    let (db, now) = (ctx.c.db, ctx.now);
    let z = match write_z(&mut ctx.srv.ks, db, key, now) {
        Ok(Some(z)) => z,
        Ok(None) => return ctx.c.reply.int(0),
        Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    let (lo, hi) = match range {
        Ok(spec) => z.select(&spec, 0, -1, false),
        Err((s, e)) => rank_interval(z.len(), s, e, false).unwrap_or((0, 0)),
    };
    let deleted = z.remove_range(lo, hi);
    let empty = z.is_empty();
    if deleted > 0 {
        // The event is the command's name (zremrangebyrank, ...).
        after_write(&mut ctx.srv.ks, db, key, empty, ctx.cmd.name);
    }
    ctx.c.reply.int(deleted as i64);
}

// ---------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------

/// Members and scores taken by a pop, in pop order.
pub type Popped = Vec<(Vec<u8>, f64)>;

/// Pops up to `count` elements from the sorted set at `key`, lowest
/// scores first (highest when `max`), deleting the key once it is empty and
/// running the write epilogue when something went. Ok(None): no such key;
/// Err(WRONGTYPE text): the key holds another type. The typed pop behind
/// ZPOPMIN, ZPOPMAX and ZMPOP, for the blocking variants (BZPOPMIN,
/// BZPOPMAX, BZMPOP) too.
pub fn pop_from_key(
    ks: &mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
    max: bool,
    count: usize,
) -> Result<Option<Popped>, &'static str> {
    let Some(z) = write_z(ks, db, key, now).map_err(|()| error::WRONGTYPE)? else {
        return Ok(None);
    };
    let popped = z.pop(max, count);
    if !popped.is_empty() {
        let empty = z.is_empty();
        after_write(ks, db, key, empty, if max { "zpopmax" } else { "zpopmin" });
    }
    Ok(Some(popped))
}

/// ZPOPMIN key [count]
fn zpopmin(ctx: &mut Ctx, argv: &[&[u8]]) {
    zpop_minmax(ctx, argv, false);
}

/// ZPOPMAX key [count]
fn zpopmax(ctx: &mut Ctx, argv: &[&[u8]]) {
    zpop_minmax(ctx, argv, true);
}

fn zpop_minmax(ctx: &mut Ctx, argv: &[&[u8]], max: bool) {
    if argv.len() > 3 {
        return ctx.c.reply.error(error::SYNTAX);
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match positive_long(a, error::NOT_POSITIVE) {
            Ok(c) => Some(c as usize),
            Err(e) => return ctx.c.reply.error(e),
        },
    };
    let (db, now, key) = (ctx.c.db, ctx.now, argv[1]);
    let popped = match pop_from_key(&mut ctx.srv.ks, db, key, now, max, count.unwrap_or(1)) {
        Ok(Some(p)) => p,
        Ok(None) => return ctx.c.reply.array(0),
        Err(e) => return ctx.c.reply.error(e),
    };
    // RESP3 nests the pairs when a count was given.
    let nested = ctx.c.reply.resp3 && count.is_some();
    let out = &mut ctx.c.reply;
    let mut tmp = Vec::new();
    out.array(if nested {
        popped.len()
    } else {
        popped.len() * 2
    });
    for (m, s) in &popped {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        reply_score(out, &mut tmp, *s);
    }
}

/// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
fn zmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let numkeys = match parse_i64(argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return ctx.c.reply.error(error::NUMKEYS_NOT_POSITIVE),
    };
    let where_idx = match numkeys.checked_add(2) {
        Some(w) if w < argv.len() as u64 => w as usize,
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    let max = if opt_is(argv[where_idx], "min") {
        false
    } else if opt_is(argv[where_idx], "max") {
        true
    } else {
        return ctx.c.reply.error(error::SYNTAX);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && opt_is(argv[j], "count") && j + 1 < argv.len() {
            match parse_i64(argv[j + 1]) {
                Some(c) if c >= 1 => count = Some(c as usize),
                _ => return ctx.c.reply.error(error::LMPOP_COUNT_NOT_POSITIVE),
            }
            j += 2;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }
    let count = count.unwrap_or(1);
    let (db, now) = (ctx.c.db, ctx.now);
    for key in &argv[2..where_idx] {
        let popped = match pop_from_key(&mut ctx.srv.ks, db, key, now, max, count) {
            Ok(Some(p)) => p,
            Ok(None) => continue,
            Err(e) => return ctx.c.reply.error(e),
        };
        let out = &mut ctx.c.reply;
        out.array(2);
        out.bulk(key);
        let mut w = PairWriter::new(true);
        out.array(popped.len());
        for (m, s) in &popped {
            out.array(2);
            out.bulk(m);
            reply_score(out, &mut w.tmp, *s);
        }
        // ZMPOP and BZMPOP replay as the pop they did, with its count.
        let n = popped.len().to_string();
        let word: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
        ctx.propagate_as(&[word, key, n.as_bytes()]);
        return;
    }
    ctx.c.reply.null_array();
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------

/// ZRANDMEMBER key [count [WITHSCORES]]
fn zrandmember(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() == 2 {
        let ks = &mut ctx.srv.ks;
        let mut seed = ks.random_u64();
        let z = match read_z(ks, ctx.c.db, argv[1], ctx.now) {
            Ok(Some(z)) => z,
            Ok(None) => return ctx.c.reply.null(),
            Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
        };
        let mut rng = move || xorshift(&mut seed);
        z.random_with_repeats(1, &mut rng, |m, _| {
            ctx.c.reply.bulk(m);
            false
        });
        return;
    }
    let l = match parse_i64(argv[2]) {
        Some(i64::MIN) => return ctx.c.reply.error(error::NOT_IN_LONG_RANGE),
        Some(l) => l,
        None => return ctx.c.reply.error(error::NOT_INTEGER),
    };
    let withscores = match argv.get(3) {
        _ if argv.len() > 4 => return ctx.c.reply.error(error::SYNTAX),
        None => false,
        Some(a) if opt_is(a, "withscores") => {
            if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
                return ctx.c.reply.error(error::VALUE_OUT_OF_RANGE);
            }
            true
        }
        Some(_) => return ctx.c.reply.error(error::SYNTAX),
    };
    let ks = &mut ctx.srv.ks;
    let mut seed = ks.random_u64();
    let mut rng = move || xorshift(&mut seed);
    let z = match read_z(ks, ctx.c.db, argv[1], ctx.now) {
        Ok(Some(z)) => z,
        Ok(None) => return ctx.c.reply.array(0),
        Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    let out = &mut ctx.c.reply;
    let mut w = PairWriter::new(withscores);
    let count = l.unsigned_abs();
    if count == 0 {
        return out.array(0);
    }
    let size = z.len();
    if l < 0 || count == 1 {
        // With repetitions (or a single pick): any order.
        w.header(out, count as usize);
        let mut cut = false;
        z.random_with_repeats(count, &mut rng, |m, s| {
            w.item(out, m, s);
            cut = out.len() > MAX_RANDOM_REPLY;
            !cut
        });
        if cut {
            ctx.c.close_asap = true;
        }
        return;
    }
    if count >= size as u64 {
        // The whole set, walked from the top like Redis's iterator.
        w.header(out, size);
        z.for_each_in(0, size, true, |m, s| w.item(out, m, s));
        return;
    }
    let picked = z.random_distinct(count as usize, &mut rng);
    w.header(out, picked.len());
    for (m, s) in &picked {
        w.item(out, m, *s);
    }
}

fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

// ---------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF and their STORE / CARD forms
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(target: &mut f64, val: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += val;
            // inf + -inf: Redis keeps 0 rather than NaN.
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// An input of the set operations: a sorted set, a plain set (every member
/// scores 1), or a missing key (empty).
#[derive(Clone, Copy)]
enum Src<'a> {
    Missing,
    Z(&'a ZSetValue),
    S(&'a SetValue),
}

impl<'a> Src<'a> {
    fn len(&self) -> usize {
        match self {
            Src::Missing => 0,
            Src::Z(z) => z.len(),
            Src::S(s) => s.len(),
        }
    }

    fn for_each(&self, mut f: impl FnMut(Cow<'a, [u8]>, f64)) {
        match self {
            Src::Missing => {}
            Src::Z(z) => z.for_each(|m, s| f(Cow::Borrowed(m), s)),
            Src::S(s) => {
                for m in s.iter() {
                    match m {
                        Member::Str(b) => f(Cow::Borrowed(b), 1.0),
                        Member::Int(_) => f(Cow::Owned(m.to_vec()), 1.0),
                    }
                }
            }
        }
    }

    fn score_of(&self, member: &[u8]) -> Option<f64> {
        match self {
            Src::Missing => None,
            Src::Z(z) => z.score(member),
            Src::S(s) => s.contains(member).then_some(1.0),
        }
    }
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
fn zunion(ctx: &mut Ctx, argv: &[&[u8]]) {
    zset_op(ctx, argv, None, 1, SetOp::Union, false);
}

/// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
fn zinter(ctx: &mut Ctx, argv: &[&[u8]]) {
    zset_op(ctx, argv, None, 1, SetOp::Inter, false);
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
fn zintercard(ctx: &mut Ctx, argv: &[&[u8]]) {
    zset_op(ctx, argv, None, 1, SetOp::Inter, true);
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
fn zdiff(ctx: &mut Ctx, argv: &[&[u8]]) {
    zset_op(ctx, argv, None, 1, SetOp::Diff, false);
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX]
fn zunionstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zset_op(ctx, argv, Some(argv[1]), 2, SetOp::Union, false);
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM | MIN | MAX]
fn zinterstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zset_op(ctx, argv, Some(argv[1]), 2, SetOp::Inter, false);
}

/// ZDIFFSTORE destination numkeys key [key ...]
fn zdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zset_op(ctx, argv, Some(argv[1]), 2, SetOp::Diff, false);
}

/// The generic set operation (Redis's zunionInterDiffGenericCommand).
fn zset_op(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    dst: Option<&[u8]>,
    numkeys_idx: usize,
    op: SetOp,
    card_only: bool,
) {
    let setnum = match parse_i64(argv[numkeys_idx]) {
        Some(n) => n,
        None => return ctx.c.reply.error(error::NOT_INTEGER),
    };
    if setnum < 1 {
        let name = ctx.fullname();
        return ctx.c.reply.error(&error::at_least_one_input_key(&name));
    }
    let first_key = numkeys_idx + 1;
    if setnum as u64 > (argv.len() - first_key) as u64 {
        return ctx.c.reply.error(error::SYNTAX);
    }
    let setnum = setnum as usize;
    let keys = &argv[first_key..first_key + setnum];
    let (db, now) = (ctx.c.db, ctx.now);
    // Lazy expiry, stats and type checks first; the values are borrowed
    // together afterwards.
    for key in keys {
        match ctx.srv.ks.lookup_read(db, key, now) {
            None | Some(Value::ZSet(_)) | Some(Value::Set(_)) => {}
            Some(_) => return ctx.c.reply.error(error::WRONGTYPE),
        }
    }

    let mut weights = vec![1.0f64; setnum];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = first_key + setnum;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let a = argv[j];
        if op != SetOp::Diff && !card_only && remaining > setnum && opt_is(a, "weights") {
            for (i, w) in weights.iter_mut().enumerate() {
                match parse_f64(argv[j + 1 + i]) {
                    Some(v) => *w = v,
                    None => return ctx.c.reply.error(error::WEIGHT_NOT_FLOAT),
                }
            }
            j += 1 + setnum;
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && opt_is(a, "aggregate") {
            let v = argv[j + 1];
            agg = if opt_is(v, "sum") {
                Aggregate::Sum
            } else if opt_is(v, "min") {
                Aggregate::Min
            } else if opt_is(v, "max") {
                Aggregate::Max
            } else {
                return ctx.c.reply.error(error::SYNTAX);
            };
            j += 2;
        } else if dst.is_none() && !card_only && opt_is(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && opt_is(a, "limit") {
            match positive_long(argv[j + 1], error::LIMIT_NEGATIVE) {
                Ok(l) => limit = l as usize,
                Err(e) => return ctx.c.reply.error(e),
            }
            j += 2;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }

    let ks = &ctx.srv.ks;
    let mut srcs: Vec<(Src, f64)> = keys
        .iter()
        .zip(&weights)
        .map(|(k, &w)| {
            let s = match ks.get_live(db, k) {
                Some(Value::ZSet(z)) => Src::Z(z),
                Some(Value::Set(s)) => Src::S(s),
                _ => Src::Missing,
            };
            (s, w)
        })
        .collect();
    if op != SetOp::Diff {
        // Smallest first (a stable sort keeps Redis's SUM order for ties).
        srcs.sort_by_key(|(s, _)| s.len());
    }

    let mut result: Vec<(f64, Cow<[u8]>)> = Vec::new();
    let mut card = 0usize;
    match op {
        SetOp::Inter => {
            let (first, w0) = srcs[0];
            first.for_each(|m, s| {
                if card_only && limit > 0 && card >= limit {
                    return;
                }
                let mut score = w0 * s;
                if score.is_nan() {
                    score = 0.0;
                }
                for (src, w) in &srcs[1..] {
                    match src.score_of(&m) {
                        Some(v) => aggregate(&mut score, v * w, agg),
                        None => return,
                    }
                }
                if card_only {
                    card += 1;
                } else {
                    result.push((score, m.into_owned().into()));
                }
            });
        }
        SetOp::Union => {
            let mut acc: HashMap<Cow<[u8]>, f64, ahash::RandomState> =
                HashMap::with_capacity_and_hasher(
                    srcs.last().map_or(0, |(s, _)| s.len()),
                    ahash::RandomState::new(),
                );
            for (src, w) in &srcs {
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(&*m) {
                        Some(t) => aggregate(t, score, agg),
                        None => {
                            acc.insert(m, score);
                        }
                    }
                });
            }
            result = acc.into_iter().map(|(m, s)| (s, m)).collect();
        }
        SetOp::Diff => {
            let (first, _) = srcs[0];
            first.for_each(|m, s| {
                if srcs[1..].iter().all(|(o, _)| o.score_of(&m).is_none()) {
                    result.push((s, m));
                }
            });
        }
    }
    if card_only {
        return ctx.c.reply.int(card as i64);
    }
    result.sort_unstable_by(|a, b| {
        a.0.partial_cmp(&b.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.1.cmp(&b.1))
    });
    let elems: Vec<Elem> = result
        .into_iter()
        .map(|(score, m)| Elem {
            score,
            member: m.into_owned().into(),
        })
        .collect();
    match dst {
        Some(dst) => store_result(ctx, dst, elems),
        None => {
            let out = &mut ctx.c.reply;
            let mut w = PairWriter::new(withscores);
            w.header(out, elems.len());
            for e in &elems {
                w.item(out, &e.member, e.score);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
fn zscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(cursor) = num::parse_scan_cursor(argv[2]) else {
        return ctx.c.reply.error(error::INVALID_CURSOR);
    };
    let z = match read_z(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(Some(z)) => z,
        Ok(None) => {
            ctx.c.reply.array(2);
            ctx.c.reply.bulk(b"0");
            ctx.c.reply.array(0);
            return;
        }
        Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    let mut count = 10usize;
    let mut pattern = None;
    let mut j = 3;
    while j < argv.len() {
        let left = argv.len() - j;
        if opt_is(argv[j], "count") && left >= 2 {
            match parse_i64(argv[j + 1]) {
                Some(c) if c >= 1 => count = usize::try_from(c).unwrap_or(usize::MAX),
                Some(_) => return ctx.c.reply.error(error::SYNTAX),
                None => return ctx.c.reply.error(error::NOT_INTEGER),
            }
        } else if opt_is(argv[j], "match") && left >= 2 {
            pattern = (argv[j + 1] != b"*").then_some(argv[j + 1]);
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
        j += 2;
    }
    let page = z.scan(cursor, count, pattern);
    let out = &mut ctx.c.reply;
    out.array(2);
    out.bulk(page.cursor.to_string().as_bytes());
    out.array(page.items.len() * 2);
    let mut tmp = Vec::with_capacity(32);
    for (m, s) in &page.items {
        out.bulk(m);
        tmp.clear();
        if page.from_dict {
            format_g17(*s, &mut tmp);
        } else {
            format_double(*s, &mut tmp);
        }
        out.bulk(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    /// Runs each command and compares its reply bytes.
    fn check(h: &mut Harness, cases: &[(&[&str], &str)]) {
        for (args, want) in cases {
            assert_eq!(h.run(args), *want, "{args:?}");
        }
    }

    fn enc(h: &mut Harness, key: &str) -> String {
        h.run(&["OBJECT", "ENCODING", key])
    }

    // The tables below were recorded from a real redis-server (7.0) over a
    // raw socket; behaviour where 7.2 differs is tested by hand further
    // down.

    #[test]
    fn zadd_and_options() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["ZADD", "z", "1", "a"], ":1\r\n"),
                (&["ZADD", "z", "2", "b", "3", "c"], ":2\r\n"),
                (&["ZADD", "z", "1", "a"], ":0\r\n"),
                (&["ZADD", "z", "5", "a"], ":0\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n5\r\n",
                ),
                (&["zadd", "z", "0", "", "-1", "with space"], ":2\r\n"),
                (&["ZADD", "z", "1", "dup", "2", "dup", "3", "dup"], ":1\r\n"),
                (&["ZSCORE", "z", "dup"], "$1\r\n3\r\n"),
                (&["ZADD", "z", "CH", "3", "dup", "4", "dup2"], ":1\r\n"),
                (
                    &["ZADD", "z", "CH", "5", "dup", "5", "dup2", "6", "new"],
                    ":3\r\n",
                ),
                (&["ZADD", "z", "NX", "10", "a", "3", "c2"], ":1\r\n"),
                (&["ZSCORE", "z", "a"], "$1\r\n5\r\n"),
                (&["ZADD", "z", "XX", "10", "a", "4", "d"], ":0\r\n"),
                (&["ZSCORE", "z", "a"], "$2\r\n10\r\n"),
                (&["ZSCORE", "z", "d"], "$-1\r\n"),
                (&["ZADD", "z", "XX", "CH", "11", "a", "12", "x"], ":1\r\n"),
                (&["ZADD", "z", "GT", "5", "a"], ":0\r\n"),
                (&["ZADD", "z", "GT", "CH", "20", "a"], ":1\r\n"),
                (&["ZADD", "z", "LT", "CH", "30", "a"], ":0\r\n"),
                (&["ZADD", "z", "LT", "CH", "1", "a"], ":1\r\n"),
                (&["ZADD", "z", "GT", "100", "brandnew"], ":1\r\n"),
                (&["ZADD", "z", "XX", "GT", "CH", "3", "b"], ":1\r\n"),
                (&["ZADD", "z", "XX", "LT", "CH", "1", "b"], ":1\r\n"),
                (&["ZADD", "z", "nx", "nx", "1", "q"], ":1\r\n"),
                (
                    &["ZADD", "z", "NX", "CH", "1", "a", "1", "n1", "1", "n2"],
                    ":2\r\n",
                ),
                (&["ZADD", "missing", "XX", "1", "a"], ":0\r\n"),
                (&["EXISTS", "missing"], ":0\r\n"),
                (&["ZADD", "missing", "XX", "INCR", "1", "a"], "$-1\r\n"),
                (&["EXISTS", "missing"], ":0\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*26\r\n$10\r\nwith space\r\n$2\r\n-1\r\n$0\r\n\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$2\r\nn1\r\n$1\r\n1\r\n$2\r\nn2\r\n$1\r\n1\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nc2\r\n$1\r\n3\r\n$3\r\ndup\r\n$1\r\n5\r\n$4\r\ndup2\r\n$1\r\n5\r\n$3\r\nnew\r\n$1\r\n6\r\n$8\r\nbrandnew\r\n$3\r\n100\r\n",
                ),
            ],
        );
    }

    #[test]
    fn zadd_incr_and_errors() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["ZADD", "z", "INCR", "1", "a"], "$1\r\n1\r\n"),
                (&["ZADD", "z", "INCR", "1.5", "a"], "$3\r\n2.5\r\n"),
                (&["ZADD", "z", "INCR", "-10", "a"], "$4\r\n-7.5\r\n"),
                (&["ZADD", "z", "INCR", "0", "a"], "$4\r\n-7.5\r\n"),
                (&["ZADD", "z", "NX", "INCR", "1", "a"], "$-1\r\n"),
                (&["ZADD", "z", "XX", "INCR", "1", "a"], "$4\r\n-6.5\r\n"),
                (&["ZADD", "z", "XX", "INCR", "1", "nope"], "$-1\r\n"),
                (&["ZADD", "z", "NX", "INCR", "7", "b"], "$1\r\n7\r\n"),
                (&["ZADD", "z", "GT", "INCR", "-1", "a"], "$-1\r\n"),
                (&["ZADD", "z", "GT", "INCR", "1", "a"], "$4\r\n-5.5\r\n"),
                (&["ZADD", "z", "LT", "INCR", "1", "a"], "$-1\r\n"),
                (&["ZADD", "z", "INCR", "inf", "c"], "$3\r\ninf\r\n"),
                (
                    &["ZADD", "z", "INCR", "-inf", "c"],
                    "-ERR resulting score is not a number (NaN)\r\n",
                ),
                (&["ZSCORE", "z", "c"], "$3\r\ninf\r\n"),
                (&["ZADD", "z", "CH", "INCR", "5", "d"], "$1\r\n5\r\n"),
                (
                    &["ZADD", "z", "1"],
                    "-ERR wrong number of arguments for 'zadd' command\r\n",
                ),
                (&["ZADD", "z", "1", "a", "2"], "-ERR syntax error\r\n"),
                (
                    &["ZADD", "z", "NX"],
                    "-ERR wrong number of arguments for 'zadd' command\r\n",
                ),
                (&["ZADD", "z", "1", "a", "NX"], "-ERR syntax error\r\n"),
                (
                    &["ZADD", "z", "NX", "XX", "1", "a"],
                    "-ERR XX and NX options at the same time are not compatible\r\n",
                ),
                (
                    &["ZADD", "z", "GT", "LT", "1", "a"],
                    "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
                ),
                (
                    &["ZADD", "z", "GT", "NX", "1", "a"],
                    "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
                ),
                (
                    &["ZADD", "z", "LT", "NX", "1", "a"],
                    "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
                ),
                (
                    &["ZADD", "z", "INCR", "1", "a", "2", "b"],
                    "-ERR INCR option supports a single increment-element pair\r\n",
                ),
                (
                    &["ZADD", "z", "INCR", "NX", "XX", "1", "a", "2", "b"],
                    "-ERR XX and NX options at the same time are not compatible\r\n",
                ),
                (
                    &["ZADD", "z", "abc", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "z", "1", "a", "abc", "b"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "z", "nan", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "z", "", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "z", " 1", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "z", "1 ", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "z", "1e400", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "z", "1e-400", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (&["ZADD", "z", "inFINity", "a"], ":0\r\n"),
                (&["ZADD", "z", "+inf", "b", "-INF", "c"], ":0\r\n"),
                (&["ZADD", "z", "0x10", "hex"], ":1\r\n"),
                (&["ZADD", "z", "1e3", "exp"], ":1\r\n"),
                (&["ZADD", "z", "-0", "negzero"], ":1\r\n"),
                (&["ZADD", "z", ".5", "half"], ":1\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*16\r\n$1\r\nc\r\n$4\r\n-inf\r\n$7\r\nnegzero\r\n$1\r\n0\r\n$4\r\nhalf\r\n$3\r\n0.5\r\n$1\r\nd\r\n$1\r\n5\r\n$3\r\nhex\r\n$2\r\n16\r\n$3\r\nexp\r\n$4\r\n1000\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\nb\r\n$3\r\ninf\r\n",
                ),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZADD", "str", "1", "a"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZADD", "str", "abc", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (
                    &["ZADD", "str", "NX", "XX", "1", "a"],
                    "-ERR XX and NX options at the same time are not compatible\r\n",
                ),
                (
                    &["ZADD", "str", "XX", "1", "a"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (&["GET", "str"], "$1\r\nx\r\n"),
            ],
        );
    }

    #[test]
    fn zincrby_and_zrem() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["ZINCRBY", "z", "1", "a"], "$1\r\n1\r\n"),
                (&["ZINCRBY", "z", "2.5", "a"], "$3\r\n3.5\r\n"),
                (&["ZINCRBY", "z", "-0.5", "a"], "$1\r\n3\r\n"),
                (&["ZINCRBY", "z", "inf", "a"], "$3\r\ninf\r\n"),
                (
                    &["ZINCRBY", "z", "-inf", "a"],
                    "-ERR resulting score is not a number (NaN)\r\n",
                ),
                (
                    &["ZINCRBY", "z", "abc", "a"],
                    "-ERR value is not a valid float\r\n",
                ),
                (&["ZINCRBY", "z", "nx", "1"], "-ERR syntax error\r\n"),
                (&["ZINCRBY", "z", "1e3", "b"], "$4\r\n1000\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*4\r\n$1\r\nb\r\n$4\r\n1000\r\n$1\r\na\r\n$3\r\ninf\r\n",
                ),
                (
                    &["ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d"],
                    ":4\r\n",
                ),
                (&["ZREM", "r", "a"], ":1\r\n"),
                (&["ZREM", "r", "a"], ":0\r\n"),
                (&["ZREM", "r", "x", "y"], ":0\r\n"),
                (&["ZREM", "r", "b", "x", "c", "b"], ":2\r\n"),
                (&["ZRANGE", "r", "0", "-1"], "*1\r\n$1\r\nd\r\n"),
                (&["ZREM", "r", "d"], ":1\r\n"),
                (&["EXISTS", "r"], ":0\r\n"),
                (&["ZREM", "missing", "a"], ":0\r\n"),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZREM", "str", "a"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZINCRBY", "str", "1", "a"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
            ],
        );
    }

    #[test]
    fn member_reads() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "-inf", "e",
                    ],
                    ":5\r\n",
                ),
                (&["ZCARD", "z"], ":5\r\n"),
                (&["ZCARD", "missing"], ":0\r\n"),
                (&["ZSCORE", "z", "a"], "$1\r\n1\r\n"),
                (&["ZSCORE", "z", "b"], "$3\r\n2.5\r\n"),
                (&["ZSCORE", "z", "d"], "$3\r\ninf\r\n"),
                (&["ZSCORE", "z", "e"], "$4\r\n-inf\r\n"),
                (&["ZSCORE", "z", "nope"], "$-1\r\n"),
                (&["ZSCORE", "missing", "a"], "$-1\r\n"),
                (
                    &["ZMSCORE", "z", "a", "b", "nope", "d", "e"],
                    "*5\r\n$1\r\n1\r\n$3\r\n2.5\r\n$-1\r\n$3\r\ninf\r\n$4\r\n-inf\r\n",
                ),
                (&["ZMSCORE", "missing", "a", "b"], "*2\r\n$-1\r\n$-1\r\n"),
                (&["ZRANK", "z", "e"], ":0\r\n"),
                (&["ZRANK", "z", "a"], ":2\r\n"),
                (&["ZREVRANK", "z", "d"], ":0\r\n"),
                (&["ZREVRANK", "z", "e"], ":4\r\n"),
                (&["ZRANK", "z", "nope"], "$-1\r\n"),
                (&["ZRANK", "missing", "a"], "$-1\r\n"),
                (
                    &["ZRANK", "z", "a", "b", "c"],
                    "-ERR wrong number of arguments for 'zrank' command\r\n",
                ),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZCARD", "str"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZSCORE", "str", "a"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZMSCORE", "str", "a"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZRANK", "str", "a"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
            ],
        );
    }

    #[test]
    fn counts() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
                    ],
                    ":5\r\n",
                ),
                (&["ZCOUNT", "z", "-inf", "+inf"], ":5\r\n"),
                (&["ZCOUNT", "z", "2", "4"], ":3\r\n"),
                (&["ZCOUNT", "z", "(2", "4"], ":2\r\n"),
                (&["ZCOUNT", "z", "2", "(4"], ":2\r\n"),
                (&["ZCOUNT", "z", "(2", "(3"], ":0\r\n"),
                (&["ZCOUNT", "z", "3", "3"], ":1\r\n"),
                (&["ZCOUNT", "z", "(3", "3"], ":0\r\n"),
                (&["ZCOUNT", "z", "4", "2"], ":0\r\n"),
                (&["ZCOUNT", "z", "", "3"], ":3\r\n"),
                (&["ZCOUNT", "z", " 2", "4"], ":3\r\n"),
                (&["ZCOUNT", "z", "-1e400", "1e400"], ":5\r\n"),
                (&["ZCOUNT", "z", "0x2", "0x4"], ":3\r\n"),
                (
                    &["ZCOUNT", "z", "abc", "1"],
                    "-ERR min or max is not a float\r\n",
                ),
                (
                    &["ZCOUNT", "z", "1 ", "2"],
                    "-ERR min or max is not a float\r\n",
                ),
                (
                    &["ZCOUNT", "z", "(nan", "1"],
                    "-ERR min or max is not a float\r\n",
                ),
                (
                    &["ZCOUNT", "z", "[1", "2"],
                    "-ERR min or max is not a float\r\n",
                ),
                (&["ZCOUNT", "missing", "0", "1"], ":0\r\n"),
                (
                    &[
                        "ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "",
                        "0", "aa",
                    ],
                    ":7\r\n",
                ),
                (&["ZLEXCOUNT", "lex", "-", "+"], ":7\r\n"),
                (&["ZLEXCOUNT", "lex", "+", "-"], ":0\r\n"),
                (&["ZLEXCOUNT", "lex", "-", "-"], ":0\r\n"),
                (&["ZLEXCOUNT", "lex", "[b", "[d"], ":3\r\n"),
                (&["ZLEXCOUNT", "lex", "(b", "[d"], ":2\r\n"),
                (&["ZLEXCOUNT", "lex", "[b", "(d"], ":2\r\n"),
                (&["ZLEXCOUNT", "lex", "(", "+"], ":6\r\n"),
                (&["ZLEXCOUNT", "lex", "[", "+"], ":7\r\n"),
                (&["ZLEXCOUNT", "lex", "-", "("], ":0\r\n"),
                (&["ZLEXCOUNT", "lex", "[c", "[c"], ":1\r\n"),
                (&["ZLEXCOUNT", "lex", "(c", "[c"], ":0\r\n"),
                (&["ZLEXCOUNT", "lex", "[d", "[b"], ":0\r\n"),
                (
                    &["ZLEXCOUNT", "lex", "a", "b"],
                    "-ERR min or max not valid string range item\r\n",
                ),
                (
                    &["ZLEXCOUNT", "lex", "", "+"],
                    "-ERR min or max not valid string range item\r\n",
                ),
                (
                    &["ZLEXCOUNT", "lex", "-a", "+"],
                    "-ERR min or max not valid string range item\r\n",
                ),
                (&["ZLEXCOUNT", "missing", "-", "+"], ":0\r\n"),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZCOUNT", "str", "0", "1"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZCOUNT", "str", "abc", "1"],
                    "-ERR min or max is not a float\r\n",
                ),
                (
                    &["ZLEXCOUNT", "str", "-", "+"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
            ],
        );
    }

    #[test]
    fn zrange_by_rank() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
                    ],
                    ":5\r\n",
                ),
                (
                    &["ZRANGE", "z", "0", "-1"],
                    "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
                ),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n",
                ),
                (&["ZRANGE", "z", "-1", "-1"], "*1\r\n$1\r\ne\r\n"),
                (
                    &["ZRANGE", "z", "1", "3"],
                    "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
                ),
                (&["ZRANGE", "z", "3", "1"], "*0\r\n"),
                (&["ZRANGE", "z", "5", "10"], "*0\r\n"),
                (
                    &["ZRANGE", "z", "-100", "100"],
                    "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
                ),
                (&["ZRANGE", "z", "0", "-100"], "*0\r\n"),
                (
                    &["ZRANGE", "z", "-9223372036854775808", "9223372036854775807"],
                    "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
                ),
                (
                    &["ZRANGE", "z", "0", "-1", "REV"],
                    "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n",
                ),
                (
                    &["ZRANGE", "z", "1", "-2", "rev", "withscores"],
                    "*6\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n",
                ),
                (
                    &["ZREVRANGE", "z", "0", "1", "WITHSCORES"],
                    "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n",
                ),
                (
                    &["ZREVRANGE", "z", "-2", "-1"],
                    "*2\r\n$1\r\nb\r\n$1\r\na\r\n",
                ),
                (&["ZRANGE", "missing", "0", "-1"], "*0\r\n"),
                (
                    &["ZRANGE", "z", "a", "1"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &["ZRANGE", "z", "1.5", "2"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
                    "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n",
                ),
                (
                    &["ZREVRANGE", "z", "0", "1", "REV"],
                    "-ERR syntax error\r\n",
                ),
                (&["ZRANGE", "z", "0", "1", "BOGUS"], "-ERR syntax error\r\n"),
                (
                    &["ZRANGE", "z", "0", "1", "LIMIT", "0"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZRANGE", "z", "0", "1", "LIMIT", "a", "b"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZRANGE", "str", "0", "-1"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZRANGE", "str", "a", "1"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
            ],
        );
    }

    #[test]
    fn zrange_by_score() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "5", "f",
                        "5", "g", "-inf", "ninf", "inf", "pinf",
                    ],
                    ":9\r\n",
                ),
                (
                    &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "WITHSCORES"],
                    "*18\r\n$4\r\nninf\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ng\r\n$1\r\n5\r\n$4\r\npinf\r\n$3\r\ninf\r\n",
                ),
                (
                    &["ZRANGE", "z", "(1", "5", "BYSCORE"],
                    "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n",
                ),
                (
                    &["ZRANGE", "z", "1", "(5", "BYSCORE", "WITHSCORES"],
                    "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n",
                ),
                (&["ZRANGE", "z", "(5", "5", "BYSCORE"], "*0\r\n"),
                (
                    &["ZRANGE", "z", "5", "1", "BYSCORE", "REV"],
                    "*7\r\n$1\r\ng\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n",
                ),
                (
                    &["ZRANGE", "z", "(5", "(1", "BYSCORE", "REV"],
                    "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n",
                ),
                (
                    &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "3"],
                    "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
                ),
                (
                    &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "-1"],
                    "*7\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n$4\r\npinf\r\n",
                ),
                (
                    &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "0"],
                    "*0\r\n",
                ),
                (
                    &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "3"],
                    "*0\r\n",
                ),
                (
                    &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "9", "3"],
                    "*0\r\n",
                ),
                (
                    &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "10", "3"],
                    "*0\r\n",
                ),
                (
                    &[
                        "ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2",
                    ],
                    "*2\r\n$1\r\ng\r\n$1\r\nf\r\n",
                ),
                (
                    &[
                        "ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "8", "5",
                    ],
                    "*1\r\n$4\r\nninf\r\n",
                ),
                (
                    &[
                        "ZRANGE",
                        "z",
                        "5",
                        "3",
                        "BYSCORE",
                        "REV",
                        "LIMIT",
                        "1",
                        "10",
                        "WITHSCORES",
                    ],
                    "*8\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n",
                ),
                (
                    &["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZRANGE", "z", "abc", "1", "BYSCORE"],
                    "-ERR min or max is not a float\r\n",
                ),
                (&["ZRANGE", "z", "", "", "BYSCORE"], "*0\r\n"),
                (
                    &["ZRANGEBYSCORE", "z", "2", "4", "WITHSCORES"],
                    "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n",
                ),
                (
                    &[
                        "ZRANGEBYSCORE",
                        "z",
                        "-inf",
                        "+inf",
                        "LIMIT",
                        "1",
                        "2",
                        "WITHSCORES",
                    ],
                    "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
                ),
                (
                    &["ZRANGEBYSCORE", "z", "2", "4", "REV"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZRANGEBYSCORE", "z", "x", "4"],
                    "-ERR min or max is not a float\r\n",
                ),
                (
                    &["ZREVRANGEBYSCORE", "z", "4", "2"],
                    "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n",
                ),
                (&["ZREVRANGEBYSCORE", "z", "2", "4"], "*0\r\n"),
                (
                    &[
                        "ZREVRANGEBYSCORE",
                        "z",
                        "+inf",
                        "-inf",
                        "LIMIT",
                        "2",
                        "3",
                        "WITHSCORES",
                    ],
                    "*6\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n",
                ),
                (
                    &["ZREVRANGEBYSCORE", "z", "5", "5", "LIMIT", "1", "1"],
                    "*1\r\n$1\r\nf\r\n",
                ),
                (&["ZRANGEBYSCORE", "missing", "-inf", "+inf"], "*0\r\n"),
            ],
        );
    }

    #[test]
    fn zrange_by_lex() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "lex", "0", "alpha", "0", "bar", "0", "cool", "0", "down", "0",
                        "elephant", "0", "foo", "0", "great", "0", "hill", "0", "omega", "0", "",
                        "0", "a",
                    ],
                    ":11\r\n",
                ),
                (
                    &["ZRANGE", "lex", "-", "+", "BYLEX"],
                    "*11\r\n$0\r\n\r\n$1\r\na\r\n$5\r\nalpha\r\n$3\r\nbar\r\n$4\r\ncool\r\n$4\r\ndown\r\n$8\r\nelephant\r\n$3\r\nfoo\r\n$5\r\ngreat\r\n$4\r\nhill\r\n$5\r\nomega\r\n",
                ),
                (
                    &["ZRANGE", "lex", "[bar", "[foo", "BYLEX"],
                    "*5\r\n$3\r\nbar\r\n$4\r\ncool\r\n$4\r\ndown\r\n$8\r\nelephant\r\n$3\r\nfoo\r\n",
                ),
                (
                    &["ZRANGE", "lex", "(bar", "(foo", "BYLEX"],
                    "*3\r\n$4\r\ncool\r\n$4\r\ndown\r\n$8\r\nelephant\r\n",
                ),
                (&["ZRANGE", "lex", "(cool", "[cool", "BYLEX"], "*0\r\n"),
                (
                    &["ZRANGE", "lex", "[foo", "[bar", "BYLEX", "REV"],
                    "*5\r\n$3\r\nfoo\r\n$8\r\nelephant\r\n$4\r\ndown\r\n$4\r\ncool\r\n$3\r\nbar\r\n",
                ),
                (
                    &["ZRANGE", "lex", "-", "+", "BYLEX", "LIMIT", "2", "3"],
                    "*3\r\n$5\r\nalpha\r\n$3\r\nbar\r\n$4\r\ncool\r\n",
                ),
                (
                    &["ZRANGE", "lex", "-", "+", "BYLEX", "LIMIT", "10", "5"],
                    "*1\r\n$5\r\nomega\r\n",
                ),
                (
                    &["ZRANGE", "lex", "+", "-", "BYLEX", "REV", "LIMIT", "2", "3"],
                    "*3\r\n$5\r\ngreat\r\n$3\r\nfoo\r\n$8\r\nelephant\r\n",
                ),
                (
                    &["ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"],
                    "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n",
                ),
                (
                    &["ZRANGE", "lex", "(", "+", "BYLEX"],
                    "*10\r\n$1\r\na\r\n$5\r\nalpha\r\n$3\r\nbar\r\n$4\r\ncool\r\n$4\r\ndown\r\n$8\r\nelephant\r\n$3\r\nfoo\r\n$5\r\ngreat\r\n$4\r\nhill\r\n$5\r\nomega\r\n",
                ),
                (
                    &["ZRANGE", "lex", "a", "b", "BYLEX"],
                    "-ERR min or max not valid string range item\r\n",
                ),
                (
                    &["ZRANGEBYLEX", "lex", "[aaa", "(g", "LIMIT", "1", "2"],
                    "*2\r\n$3\r\nbar\r\n$4\r\ncool\r\n",
                ),
                (
                    &["ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"],
                    "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n",
                ),
                (
                    &["ZRANGEBYLEX", "lex", "foo", "bar"],
                    "-ERR min or max not valid string range item\r\n",
                ),
                (
                    &["ZREVRANGEBYLEX", "lex", "+", "-"],
                    "*11\r\n$5\r\nomega\r\n$4\r\nhill\r\n$5\r\ngreat\r\n$3\r\nfoo\r\n$8\r\nelephant\r\n$4\r\ndown\r\n$4\r\ncool\r\n$3\r\nbar\r\n$5\r\nalpha\r\n$1\r\na\r\n$0\r\n\r\n",
                ),
                (
                    &["ZREVRANGEBYLEX", "lex", "[foo", "(bar"],
                    "*4\r\n$3\r\nfoo\r\n$8\r\nelephant\r\n$4\r\ndown\r\n$4\r\ncool\r\n",
                ),
                (
                    &["ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "1", "2"],
                    "*2\r\n$4\r\nhill\r\n$5\r\ngreat\r\n",
                ),
                (&["ZRANGEBYLEX", "missing", "-", "+"], "*0\r\n"),
                (
                    &["ZADD", "mixed", "1", "d", "2", "b", "3", "a", "4", "c"],
                    ":4\r\n",
                ),
                (
                    &["ZRANGEBYLEX", "mixed", "[b", "+"],
                    "*4\r\n$1\r\nd\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n",
                ),
                (&["ZRANGEBYLEX", "mixed", "-", "[b"], "*0\r\n"),
                (&["ZREVRANGEBYLEX", "mixed", "[c", "-"], "*0\r\n"),
                (&["ZREVRANGEBYLEX", "mixed", "+", "[b"], "*1\r\n$1\r\nc\r\n"),
                (&["ZLEXCOUNT", "mixed", "(a", "(d"], ":0\r\n"),
                (&["ZREMRANGEBYLEX", "mixed", "[c", "+"], ":4\r\n"),
                (&["ZRANGE", "mixed", "0", "-1"], "*0\r\n"),
            ],
        );
    }

    #[test]
    fn zrangestore() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
                    ],
                    ":5\r\n",
                ),
                (&["ZRANGESTORE", "dst", "z", "1", "2"], ":2\r\n"),
                (
                    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
                    "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
                ),
                (&["OBJECT", "ENCODING", "dst"], "$8\r\nlistpack\r\n"),
                (&["ZRANGESTORE", "dst", "z", "0", "1", "REV"], ":2\r\n"),
                (
                    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
                    "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n",
                ),
                (
                    &[
                        "ZRANGESTORE",
                        "dst",
                        "z",
                        "2",
                        "4",
                        "BYSCORE",
                        "LIMIT",
                        "1",
                        "1",
                    ],
                    ":1\r\n",
                ),
                (
                    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
                    "*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
                ),
                (
                    &[
                        "ZRANGESTORE",
                        "dst",
                        "z",
                        "+",
                        "-",
                        "BYLEX",
                        "REV",
                        "LIMIT",
                        "0",
                        "2",
                    ],
                    ":2\r\n",
                ),
                (
                    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
                    "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n",
                ),
                (&["ZRANGESTORE", "dst", "z", "10", "20"], ":0\r\n"),
                (&["EXISTS", "dst"], ":0\r\n"),
                (&["ZRANGESTORE", "dst", "z", "0", "-1"], ":5\r\n"),
                (&["ZRANGESTORE", "dst", "missing", "0", "-1"], ":0\r\n"),
                (&["EXISTS", "dst"], ":0\r\n"),
                (&["SET", "dst", "string"], "+OK\r\n"),
                (&["EXPIRE", "dst", "1000"], ":1\r\n"),
                (&["ZRANGESTORE", "dst", "z", "0", "0"], ":1\r\n"),
                (&["TYPE", "dst"], "+zset\r\n"),
                (&["TTL", "dst"], ":-1\r\n"),
                (
                    &["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZRANGESTORE", "dst", "z", "0", "-1", "LIMIT", "0", "1"],
                    "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n",
                ),
                (
                    &["ZRANGESTORE", "dst", "z", "a", "b", "BYSCORE"],
                    "-ERR min or max is not a float\r\n",
                ),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZRANGESTORE", "dst", "str", "0", "-1"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (&["ZRANGESTORE", "z", "z", "1", "2"], ":2\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
                ),
            ],
        );
    }

    #[test]
    fn zremrange() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f",
                        "7", "g",
                    ],
                    ":7\r\n",
                ),
                (&["ZREMRANGEBYRANK", "z", "0", "0"], ":1\r\n"),
                (&["ZREMRANGEBYRANK", "z", "-1", "-1"], ":1\r\n"),
                (&["ZREMRANGEBYRANK", "z", "10", "20"], ":0\r\n"),
                (&["ZREMRANGEBYRANK", "z", "3", "1"], ":0\r\n"),
                (&["ZREMRANGEBYRANK", "z", "1", "2"], ":2\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1"],
                    "*3\r\n$1\r\nb\r\n$1\r\ne\r\n$1\r\nf\r\n",
                ),
                (
                    &["ZREMRANGEBYRANK", "z", "a", "1"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (&["ZREMRANGEBYRANK", "z", "-100", "100"], ":3\r\n"),
                (&["EXISTS", "z"], ":0\r\n"),
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f",
                        "7", "g",
                    ],
                    ":7\r\n",
                ),
                (&["ZREMRANGEBYSCORE", "z", "2", "3"], ":2\r\n"),
                (&["ZREMRANGEBYSCORE", "z", "(4", "(6"], ":1\r\n"),
                (&["ZREMRANGEBYSCORE", "z", "5", "4"], ":0\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nf\r\n$1\r\n6\r\n$1\r\ng\r\n$1\r\n7\r\n",
                ),
                (
                    &["ZREMRANGEBYSCORE", "z", "abc", "1"],
                    "-ERR min or max is not a float\r\n",
                ),
                (&["ZREMRANGEBYSCORE", "z", "-inf", "+inf"], ":4\r\n"),
                (&["EXISTS", "z"], ":0\r\n"),
                (
                    &[
                        "ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
                    ],
                    ":5\r\n",
                ),
                (&["ZREMRANGEBYLEX", "z", "[b", "(d"], ":2\r\n"),
                (&["ZREMRANGEBYLEX", "z", "+", "-"], ":0\r\n"),
                (
                    &["ZRANGE", "z", "0", "-1"],
                    "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n",
                ),
                (
                    &["ZREMRANGEBYLEX", "z", "a", "b"],
                    "-ERR min or max not valid string range item\r\n",
                ),
                (&["ZREMRANGEBYLEX", "z", "-", "+"], ":3\r\n"),
                (&["EXISTS", "z"], ":0\r\n"),
                (&["ZREMRANGEBYLEX", "missing", "-", "+"], ":0\r\n"),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZREMRANGEBYRANK", "str", "0", "-1"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZREMRANGEBYSCORE", "str", "-inf", "+inf"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZREMRANGEBYLEX", "str", "-", "+"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
            ],
        );
    }

    #[test]
    fn pops() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
                    ],
                    ":5\r\n",
                ),
                (&["ZPOPMIN", "z"], "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
                (&["ZPOPMAX", "z"], "*2\r\n$1\r\ne\r\n$1\r\n5\r\n"),
                (
                    &["ZPOPMIN", "z", "2"],
                    "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
                ),
                (&["ZPOPMAX", "z", "0"], "*0\r\n"),
                (&["ZPOPMAX", "z", "100"], "*2\r\n$1\r\nd\r\n$1\r\n4\r\n"),
                (&["EXISTS", "z"], ":0\r\n"),
                (&["ZPOPMIN", "z"], "*0\r\n"),
                (&["ZPOPMAX", "missing", "0"], "*0\r\n"),
                (
                    &["ZPOPMIN", "z", "-1"],
                    "-ERR value is out of range, must be positive\r\n",
                ),
                (
                    &["ZPOPMIN", "z", "abc"],
                    "-ERR value is out of range, must be positive\r\n",
                ),
                (&["ZPOPMIN", "z", "1", "2"], "-ERR syntax error\r\n"),
                (&["ZADD", "z", "1", "a", "2", "b", "3", "c"], ":3\r\n"),
                (&["ZADD", "z2", "10", "x", "20", "y"], ":2\r\n"),
                (
                    &["ZMPOP", "1", "z", "MIN"],
                    "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
                ),
                (
                    &["ZMPOP", "1", "z", "MAX", "COUNT", "10"],
                    "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
                ),
                (
                    &["ZMPOP", "2", "z", "z2", "max", "count", "1"],
                    "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\ny\r\n$2\r\n20\r\n",
                ),
                (
                    &["ZMPOP", "3", "missing", "z", "z2", "MIN", "COUNT", "5"],
                    "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\nx\r\n$2\r\n10\r\n",
                ),
                (&["ZMPOP", "2", "z", "z2", "MIN"], "*-1\r\n"),
                (
                    &["ZMPOP", "1", "z", "MIN", "COUNT", "0"],
                    "-ERR count should be greater than 0\r\n",
                ),
                (
                    &["ZMPOP", "1", "z", "MIN", "COUNT", "abc"],
                    "-ERR count should be greater than 0\r\n",
                ),
                (
                    &["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"],
                    "-ERR syntax error\r\n",
                ),
                (&["ZMPOP", "1", "z", "BOTH"], "-ERR syntax error\r\n"),
                (
                    &["ZMPOP", "0", "z", "MIN"],
                    "-ERR numkeys should be greater than 0\r\n",
                ),
                (
                    &["ZMPOP", "abc", "z", "MIN"],
                    "-ERR numkeys should be greater than 0\r\n",
                ),
                (&["ZMPOP", "2", "z", "MIN"], "-ERR syntax error\r\n"),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZPOPMIN", "str"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZPOPMIN", "str", "0"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZMPOP", "1", "str", "MIN"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (&["ZADD", "z", "5", "e"], ":1\r\n"),
                (
                    &["ZMPOP", "2", "z", "str", "MIN"],
                    "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n",
                ),
                (
                    &["ZMPOP", "2", "str", "z", "MIN"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
            ],
        );
    }

    #[test]
    fn zrandmember() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
                    ],
                    ":5\r\n",
                ),
                (
                    &["ZRANDMEMBER", "z", "5"],
                    "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n",
                ),
                (
                    &["ZRANDMEMBER", "z", "10", "WITHSCORES"],
                    "*10\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n",
                ),
                (&["ZRANDMEMBER", "z", "0"], "*0\r\n"),
                (&["ZRANDMEMBER", "missing"], "$-1\r\n"),
                (&["ZRANDMEMBER", "missing", "5"], "*0\r\n"),
                (
                    &["ZRANDMEMBER", "z", "abc"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &["ZRANDMEMBER", "z", "1", "WITHSCORE"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZRANDMEMBER", "z", "1", "WITHSCORES", "x"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZRANDMEMBER", "z", "-9223372036854775808"],
                    "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
                ),
                (
                    &["ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"],
                    "-ERR value is out of range\r\n",
                ),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZRANDMEMBER", "str"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZRANDMEMBER", "str", "1"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
            ],
        );
    }

    #[test]
    fn set_operations() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["ZADD", "z1", "1", "a", "2", "b", "3", "c"], ":3\r\n"),
                (&["ZADD", "z2", "10", "b", "20", "c", "30", "d"], ":3\r\n"),
                (&["ZADD", "z3", "100", "c", "200", "e"], ":2\r\n"),
                (&["SADD", "s1", "a", "c", "x", "5"], ":4\r\n"),
                (&["SADD", "is", "1", "2", "3", "10"], ":4\r\n"),
                (
                    &["ZUNION", "3", "z1", "z2", "z3", "WITHSCORES"],
                    "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nd\r\n$2\r\n30\r\n$1\r\nc\r\n$3\r\n123\r\n$1\r\ne\r\n$3\r\n200\r\n",
                ),
                (
                    &["ZUNION", "2", "z1", "z2", "WEIGHTS", "2", "3", "WITHSCORES"],
                    "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$2\r\n34\r\n$1\r\nc\r\n$2\r\n66\r\n$1\r\nd\r\n$2\r\n90\r\n",
                ),
                (
                    &["ZUNION", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES"],
                    "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$2\r\n30\r\n",
                ),
                (
                    &[
                        "ZUNION",
                        "2",
                        "z1",
                        "z2",
                        "aggregate",
                        "max",
                        "weights",
                        "0",
                        "1",
                        "withscores",
                    ],
                    "*8\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n$1\r\nd\r\n$2\r\n30\r\n",
                ),
                (
                    &["ZUNION", "2", "z1", "s1", "WITHSCORES"],
                    "*10\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n4\r\n",
                ),
                (
                    &["ZUNION", "2", "z1", "missing"],
                    "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
                ),
                (
                    &["ZINTER", "2", "z1", "z2", "WITHSCORES"],
                    "*4\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n",
                ),
                (
                    &["ZINTER", "3", "z1", "z2", "z3", "WITHSCORES"],
                    "*2\r\n$1\r\nc\r\n$3\r\n123\r\n",
                ),
                (
                    &["ZINTER", "2", "z1", "z2", "AGGREGATE", "MAX", "WITHSCORES"],
                    "*4\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n",
                ),
                (
                    &["ZINTER", "2", "s1", "z1", "WEIGHTS", "5", "1", "WITHSCORES"],
                    "*4\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nc\r\n$1\r\n8\r\n",
                ),
                (
                    &["ZINTER", "2", "is", "is", "WITHSCORES"],
                    "*8\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n2\r\n",
                ),
                (&["ZINTERCARD", "2", "z1", "z2"], ":2\r\n"),
                (&["ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"], ":1\r\n"),
                (
                    &["ZINTERCARD", "2", "z1", "z2", "LIMIT", "-1"],
                    "-ERR LIMIT can't be negative\r\n",
                ),
                (
                    &["ZINTERCARD", "2", "z1", "z2", "WITHSCORES"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZDIFF", "3", "z1", "z2", "z3", "WITHSCORES"],
                    "*2\r\n$1\r\na\r\n$1\r\n1\r\n",
                ),
                (
                    &["ZDIFF", "2", "s1", "z1", "WITHSCORES"],
                    "*4\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n",
                ),
                (&["ZDIFF", "2", "z1", "z1"], "*0\r\n"),
                (
                    &["ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "1"],
                    "-ERR syntax error\r\n",
                ),
                (&["ZUNIONSTORE", "out", "2", "z1", "z2"], ":4\r\n"),
                (
                    &["ZRANGE", "out", "0", "-1", "WITHSCORES"],
                    "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n",
                ),
                (
                    &["ZINTERSTORE", "out", "2", "z1", "z3", "AGGREGATE", "MIN"],
                    ":1\r\n",
                ),
                (
                    &["ZRANGE", "out", "0", "-1", "WITHSCORES"],
                    "*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
                ),
                (&["ZDIFFSTORE", "out", "2", "z1", "z2"], ":1\r\n"),
                (
                    &["ZRANGE", "out", "0", "-1", "WITHSCORES"],
                    "*2\r\n$1\r\na\r\n$1\r\n1\r\n",
                ),
                (&["ZINTERSTORE", "out", "2", "z1", "missing"], ":0\r\n"),
                (&["EXISTS", "out"], ":0\r\n"),
                (
                    &["ZUNIONSTORE", "out", "2", "z1", "s1", "WITHSCORES"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZUNIONSTORE", "out", "0", "z1"],
                    "-ERR at least 1 input key is needed for 'zunionstore' command\r\n",
                ),
                (
                    &["ZINTERCARD", "0", "z1"],
                    "-ERR at least 1 input key is needed for 'zintercard' command\r\n",
                ),
                (&["ZUNION", "3", "z1", "z2"], "-ERR syntax error\r\n"),
                (
                    &["ZUNION", "2", "z1", "z2", "WEIGHTS", "1"],
                    "-ERR syntax error\r\n",
                ),
                (
                    &["ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "abc"],
                    "-ERR weight value is not a float\r\n",
                ),
                (
                    &["ZUNION", "2", "z1", "z2", "AGGREGATE", "AVG"],
                    "-ERR syntax error\r\n",
                ),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZUNION", "2", "z1", "str"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZUNION", "2", "str", "z1", "WEIGHTS", "abc"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &["ZINTERSTORE", "out", "2", "str", "z1"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (&["ZADD", "i1", "inf", "a", "-inf", "b", "1", "c"], ":3\r\n"),
                (&["ZADD", "i2", "-inf", "a", "inf", "b", "1", "c"], ":3\r\n"),
                (
                    &["ZUNION", "2", "i1", "i2", "WITHSCORES"],
                    "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n2\r\n",
                ),
                (
                    &["ZINTER", "2", "i1", "i2", "WEIGHTS", "1", "0", "WITHSCORES"],
                    "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n1\r\n",
                ),
                (
                    &[
                        "ZUNION",
                        "2",
                        "i1",
                        "i2",
                        "WEIGHTS",
                        "inf",
                        "-inf",
                        "WITHSCORES",
                    ],
                    "*6\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$3\r\ninf\r\n",
                ),
            ],
        );
    }

    #[test]
    fn zscan() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (
                    &[
                        "ZADD", "z", "1", "a", "2", "b", "1.5", "c", "-0.25", "d", "inf", "e",
                    ],
                    ":5\r\n",
                ),
                (
                    &["ZSCAN", "z", "0"],
                    "*2\r\n$1\r\n0\r\n*10\r\n$1\r\nd\r\n$5\r\n-0.25\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\ne\r\n$3\r\ninf\r\n",
                ),
                (
                    &["ZSCAN", "z", "0", "COUNT", "1"],
                    "*2\r\n$1\r\n0\r\n*10\r\n$1\r\nd\r\n$5\r\n-0.25\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\ne\r\n$3\r\ninf\r\n",
                ),
                (
                    &["ZSCAN", "z", "0", "MATCH", "[a-c]"],
                    "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n",
                ),
                (
                    &["ZSCAN", "z", "0", "match", "x*"],
                    "*2\r\n$1\r\n0\r\n*0\r\n",
                ),
                (&["ZSCAN", "z", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
                (
                    &["ZSCAN", "z", "0", "COUNT", "abc"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (&["ZSCAN", "z", "0", "MATCH"], "-ERR syntax error\r\n"),
                (
                    &["ZSCAN", "z", "0", "TYPE", "zset"],
                    "-ERR syntax error\r\n",
                ),
                (&["ZSCAN", "z", "abc"], "-ERR invalid cursor\r\n"),
                (&["ZSCAN", "missing", "0"], "*2\r\n$1\r\n0\r\n*0\r\n"),
                (
                    &["ZSCAN", "missing", "0", "COUNT", "0"],
                    "*2\r\n$1\r\n0\r\n*0\r\n",
                ),
                (&["SET", "str", "x"], "+OK\r\n"),
                (
                    &["ZSCAN", "str", "0"],
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
            ],
        );
    }

    #[test]
    fn resp3_shapes() {
        let mut h = Harness::new();
        h.run(&["HELLO", "3"]);
        check(
            &mut h,
            &[
                (&["ZADD", "z", "1", "a", "2.5", "b", "3", "c"], ":3\r\n"),
                (&["ZADD", "z", "INCR", "1", "a"], ",2\r\n"),
                (&["ZSCORE", "z", "a"], ",2\r\n"),
                (&["ZSCORE", "z", "nope"], "_\r\n"),
                (
                    &["ZMSCORE", "z", "a", "nope", "b"],
                    "*3\r\n,2\r\n_\r\n,2.5\r\n",
                ),
                (
                    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                    "*3\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,3\r\n",
                ),
                (&["ZRANGE", "missing", "0", "-1", "WITHSCORES"], "*0\r\n"),
                (
                    &[
                        "ZRANGEBYSCORE",
                        "z",
                        "-inf",
                        "+inf",
                        "WITHSCORES",
                        "LIMIT",
                        "1",
                        "5",
                    ],
                    "*2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,3\r\n",
                ),
                (
                    &["ZREVRANGE", "z", "0", "0", "WITHSCORES"],
                    "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n",
                ),
                (&["ZRANK", "z", "nope"], "_\r\n"),
                (
                    &["ZUNION", "1", "z", "WITHSCORES"],
                    "*3\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,3\r\n",
                ),
                (
                    &["ZDIFF", "1", "z"],
                    "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
                ),
                (
                    &["ZRANDMEMBER", "z", "10", "WITHSCORES"],
                    "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,2\r\n",
                ),
                (&["ZRANDMEMBER", "missing"], "_\r\n"),
                (
                    &["ZSCAN", "z", "0"],
                    "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$1\r\n3\r\n",
                ),
                (&["ZPOPMIN", "z"], "*2\r\n$1\r\na\r\n,2\r\n"),
                (&["ZPOPMAX", "z", "1"], "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
                (&["ZPOPMIN", "missing", "2"], "*0\r\n"),
                (&["ZADD", "z", "1", "a", "2", "b", "3", "c"], ":2\r\n"),
                (
                    &["ZPOPMIN", "z", "2"],
                    "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n",
                ),
                (
                    &["ZMPOP", "1", "z", "MAX"],
                    "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,3\r\n",
                ),
                (&["ZMPOP", "1", "missing", "MAX"], "_\r\n"),
                (&["ZADD", "z", "XX", "INCR", "1", "nope"], "_\r\n"),
            ],
        );
    }

    // ---- Redis 7.2 behaviour (hand-written) ------------------------------

    #[test]
    fn zrank_withscore() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2.5", "b", "-3", "c"]);
        check(
            &mut h,
            &[
                (&["ZRANK", "z", "a", "WITHSCORE"], "*2\r\n:1\r\n$1\r\n1\r\n"),
                (
                    &["ZREVRANK", "z", "b", "withscore"],
                    "*2\r\n:0\r\n$3\r\n2.5\r\n",
                ),
                (&["ZRANK", "z", "nope", "WITHSCORE"], "*-1\r\n"),
                (&["ZRANK", "missing", "a", "WITHSCORE"], "*-1\r\n"),
                (&["ZRANK", "missing", "a"], "$-1\r\n"),
                (&["ZRANK", "z", "a", "WITHSCORES"], "-ERR syntax error\r\n"),
                (
                    &["ZRANK", "z", "a", "WITHSCORE", "x"],
                    "-ERR wrong number of arguments for 'zrank' command\r\n",
                ),
                (
                    &["ZREVRANK", "z", "a", "WITHSCORE", "x"],
                    "-ERR wrong number of arguments for 'zrevrank' command\r\n",
                ),
            ],
        );
        h.run(&["HELLO", "3"]);
        check(
            &mut h,
            &[
                (&["ZRANK", "z", "b", "WITHSCORE"], "*2\r\n:2\r\n,2.5\r\n"),
                (&["ZRANK", "z", "nope", "WITHSCORE"], "_\r\n"),
                (&["ZRANK", "z", "nope"], "_\r\n"),
            ],
        );
    }

    #[test]
    fn scores_print_in_shortest_form() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["ZADD", "f", "0.1", "a"], ":1\r\n"),
                (&["ZSCORE", "f", "a"], "$3\r\n0.1\r\n"),
                (
                    &["ZINCRBY", "f", "0.2", "a"],
                    "$19\r\n0.30000000000000004\r\n",
                ),
                (
                    &["ZADD", "f", "1e-7", "tiny", "4611686018427387904", "p62"],
                    ":2\r\n",
                ),
                (&["ZSCORE", "f", "tiny"], "$4\r\n1e-7\r\n"),
                (&["ZSCORE", "f", "p62"], "$19\r\n4611686018427387904\r\n"),
                // Listpack ZSCAN prints the stored form, which is the same.
                (
                    &["ZSCAN", "f", "0", "MATCH", "[at]*"],
                    "*2\r\n$1\r\n0\r\n*4\r\n$4\r\ntiny\r\n$4\r\n1e-7\r\n$1\r\na\r\n$19\r\n0.30000000000000004\r\n",
                ),
            ],
        );
        // The hash table form prints %.17g in ZSCAN, like Redis.
        h.srv.config.zset_max_listpack_entries = 0;
        h.run(&["ZADD", "g", "0.1", "a"]);
        assert_eq!(
            h.run(&["ZSCAN", "g", "0"]),
            "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n"
        );
        assert_eq!(h.run(&["ZSCORE", "g", "a"]), "$3\r\n0.1\r\n");
    }

    #[test]
    fn negative_zero_is_zero_in_a_listpack_only() {
        let mut h = Harness::new();
        h.run(&["ZADD", "lp", "-0", "a"]);
        assert_eq!(h.run(&["ZSCORE", "lp", "a"]), "$1\r\n0\r\n");
        // ZADD INCR replies with the score it computed.
        assert_eq!(h.run(&["ZADD", "lp2", "INCR", "-0", "a"]), "$2\r\n-0\r\n");
        h.srv.config.zset_max_listpack_entries = 0;
        h.run(&["ZADD", "sl", "-0", "a"]);
        assert_eq!(h.run(&["ZSCORE", "sl", "a"]), "$2\r\n-0\r\n");
        assert_eq!(enc(&mut h, "sl"), "$8\r\nskiplist\r\n");
    }

    #[test]
    fn encodings_follow_redis_7_2() {
        let mut h = Harness::new();
        h.srv.config.zset_max_listpack_entries = 4;
        h.srv.config.zset_max_listpack_value = 8;
        let lp = "$8\r\nlistpack\r\n";
        let sl = "$8\r\nskiplist\r\n";
        h.run(&["ZADD", "e1", "1", "a", "2", "b", "3", "c", "4", "d"]);
        assert_eq!(enc(&mut h, "e1"), lp);
        h.run(&["ZADD", "e1", "5", "e"]);
        assert_eq!(enc(&mut h, "e1"), sl);
        // Removing never converts back.
        h.run(&["ZREM", "e1", "a", "b", "c", "d"]);
        assert_eq!(enc(&mut h, "e1"), sl);
        // Member length.
        h.run(&["ZADD", "e2", "1", "12345678"]);
        assert_eq!(enc(&mut h, "e2"), lp);
        h.run(&["ZADD", "e2", "1", "123456789"]);
        assert_eq!(enc(&mut h, "e2"), sl);
        h.run(&["ZADD", "e3", "1", "123456789"]);
        assert_eq!(enc(&mut h, "e3"), sl);
        // 7.2 sizes a new set by the pairs given, duplicates included...
        assert_eq!(
            h.run(&[
                "ZADD", "e4", "1", "a", "1", "a", "1", "a", "1", "a", "1", "a"
            ]),
            ":1\r\n"
        );
        assert_eq!(enc(&mut h, "e4"), sl);
        // ...and converts an existing listpack the same way, XX or not.
        h.run(&["ZADD", "e5", "1", "a"]);
        h.run(&[
            "ZADD", "e5", "XX", "1", "a", "1", "a", "1", "a", "1", "a", "1", "x",
        ]);
        assert_eq!(enc(&mut h, "e5"), sl);
        // Only the first member's length decides at creation.
        h.run(&["ZADD", "e6", "1", "a", "2", "123456789"]);
        assert_eq!(enc(&mut h, "e6"), sl);
        // STORE results are packed when they fit.
        h.run(&[
            "ZADD", "src", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ]);
        assert_eq!(enc(&mut h, "src"), sl);
        h.run(&["ZRANGESTORE", "out", "src", "0", "3"]);
        assert_eq!(enc(&mut h, "out"), lp);
        h.run(&["ZRANGESTORE", "out", "src", "0", "4"]);
        assert_eq!(enc(&mut h, "out"), sl);
        h.run(&["ZUNIONSTORE", "out", "1", "e1"]);
        assert_eq!(enc(&mut h, "out"), lp);
        h.run(&["ZINTERSTORE", "out", "2", "src", "src"]);
        assert_eq!(enc(&mut h, "out"), sl);
        h.run(&["ZDIFFSTORE", "out", "2", "src", "e1"]);
        assert_eq!(enc(&mut h, "out"), lp);
        h.run(&["ZRANGESTORE", "out", "e2", "0", "-1"]);
        assert_eq!(enc(&mut h, "out"), sl);
        // A zero entry limit means always a skiplist.
        h.srv.config.zset_max_listpack_entries = 0;
        h.run(&["ZADD", "e7", "1", "a"]);
        assert_eq!(enc(&mut h, "e7"), sl);
        h.run(&["ZUNIONSTORE", "out", "1", "e7"]);
        assert_eq!(enc(&mut h, "out"), sl);
    }

    #[test]
    fn both_encodings_answer_alike() {
        let script: &[&[&str]] = &[
            &["ZRANGE", "k", "0", "-1", "WITHSCORES"],
            &["ZRANGE", "k", "2", "5", "REV", "WITHSCORES"],
            &["ZRANGE", "k", "(1", "8", "BYSCORE", "LIMIT", "1", "3"],
            &[
                "ZRANGE",
                "k",
                "8",
                "(1",
                "BYSCORE",
                "REV",
                "LIMIT",
                "1",
                "3",
                "WITHSCORES",
            ],
            // Lex ranges agree while member order matches score order
            // (a..j score 1..10); with other scores the order is
            // unspecified and Redis's two encodings differ too.
            &["ZRANGE", "k", "[b", "(h", "BYLEX"],
            &["ZREMRANGEBYLEX", "k", "[h", "[i"],
            &["ZCOUNT", "k", "2", "6"],
            &["ZLEXCOUNT", "k", "-", "+"],
            &["ZRANK", "k", "e"],
            &["ZREVRANK", "k", "e"],
            &["ZMSCORE", "k", "a", "z", "j"],
            &["ZADD", "k", "GT", "CH", "100", "a", "0", "b"],
            &["ZINCRBY", "k", "2.5", "c"],
            &["ZREM", "k", "d", "nope"],
            &["ZREMRANGEBYSCORE", "k", "(5", "7"],
            &["ZREMRANGEBYRANK", "k", "0", "0"],
            &["ZPOPMIN", "k", "2"],
            &["ZPOPMAX", "k"],
            &["ZRANDMEMBER", "k", "100", "WITHSCORES"],
            &["ZUNION", "2", "k", "k", "WITHSCORES"],
            &["ZRANGE", "k", "0", "-1", "WITHSCORES"],
            &["ZCARD", "k"],
        ];
        let fill = [
            "ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f", "7", "g", "8",
            "h", "9", "i", "10", "j",
        ];
        let mut small = Harness::new();
        let mut big = Harness::new();
        big.srv.config.zset_max_listpack_entries = 1;
        small.run(&fill);
        big.run(&fill);
        assert_eq!(enc(&mut small, "k"), "$8\r\nlistpack\r\n");
        assert_eq!(enc(&mut big, "k"), "$8\r\nskiplist\r\n");
        for cmd in script {
            assert_eq!(small.run(cmd), big.run(cmd), "{cmd:?}");
        }
    }

    #[test]
    fn writes_signal_once_and_only_on_change() {
        let mut h = Harness::new();
        let dirty = |h: &mut Harness, cmd: &[&str]| {
            let before = h.srv.ks.dirty;
            h.run(cmd);
            h.srv.ks.dirty - before
        };
        assert_eq!(dirty(&mut h, &["ZADD", "z", "1", "a", "2", "b"]), 1);
        assert_eq!(dirty(&mut h, &["ZADD", "z", "1", "a"]), 0);
        assert_eq!(dirty(&mut h, &["ZADD", "z", "NX", "5", "a"]), 0);
        assert_eq!(dirty(&mut h, &["ZADD", "z", "3", "a", "3", "b"]), 1);
        assert_eq!(dirty(&mut h, &["ZINCRBY", "z", "0", "a"]), 0);
        assert_eq!(dirty(&mut h, &["ZREM", "z", "nope"]), 0);
        assert_eq!(dirty(&mut h, &["ZREM", "z", "a"]), 1);
        assert_eq!(dirty(&mut h, &["ZREMRANGEBYSCORE", "z", "100", "200"]), 0);
        assert_eq!(dirty(&mut h, &["ZPOPMIN", "z", "0"]), 0);
        assert_eq!(dirty(&mut h, &["ZPOPMIN", "z"]), 1);
        assert_eq!(h.run(&["EXISTS", "z"]), ":0\r\n");
        assert_eq!(dirty(&mut h, &["ZADD", "missing", "XX", "1", "a"]), 0);
        assert_eq!(dirty(&mut h, &["ZUNIONSTORE", "out", "1", "missing"]), 0);
        h.run(&["ZADD", "z", "1", "a"]);
        assert_eq!(dirty(&mut h, &["ZUNIONSTORE", "out", "1", "z"]), 1);
        assert_eq!(dirty(&mut h, &["ZINTERSTORE", "out", "1", "missing"]), 1);
        assert_eq!(h.run(&["EXISTS", "out"]), ":0\r\n");
        // A failed command changes nothing.
        h.run(&["SET", "s", "v"]);
        assert_eq!(dirty(&mut h, &["ZADD", "s", "1", "a"]), 0);
        assert_eq!(h.run(&["GET", "s"]), "$1\r\nv\r\n");
    }

    #[test]
    fn ttl_survives_changes_but_not_stores() {
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        h.run(&["ZADD", "z", "1", "a"]);
        h.run(&["PEXPIRE", "z", "5000"]);
        h.run(&["ZADD", "z", "2", "b"]);
        h.run(&["ZREM", "z", "a"]);
        assert_eq!(h.run(&["PTTL", "z"]), ":5000\r\n");
        h.run(&["ZUNIONSTORE", "z", "1", "z"]);
        assert_eq!(h.run(&["PTTL", "z"]), ":-1\r\n");
        // An expired key is gone for reads and writes alike.
        h.run(&["PEXPIRE", "z", "10"]);
        h.now = Some(1_000_010);
        assert_eq!(h.run(&["ZCARD", "z"]), ":0\r\n");
        assert_eq!(h.run(&["ZADD", "z", "XX", "1", "b"]), ":0\r\n");
        assert_eq!(h.run(&["EXISTS", "z"]), ":0\r\n");
    }

    #[test]
    fn random_replies_have_the_right_shape() {
        let mut h = Harness::new();
        let mut args = vec!["ZADD", "z"];
        let members: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
        let scores: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        for (m, s) in members.iter().zip(&scores) {
            args.push(s);
            args.push(m);
        }
        h.run(&args);
        h.run(&["ZADD", "small", "1", "a", "2", "b", "3", "c"]);
        for key in ["z", "small"] {
            let r = h.run(&["ZRANDMEMBER", key]);
            assert!(r.starts_with('$'), "{r}");
            for (count, ws, n) in [
                ("2", false, 2),
                ("-7", false, 7),
                ("-7", true, 14),
                ("2", true, 4),
            ] {
                let mut cmd = vec!["ZRANDMEMBER", key, count];
                if ws {
                    cmd.push("WITHSCORES");
                }
                let r = h.run(&cmd);
                assert!(r.starts_with(&format!("*{n}\r\n")), "{cmd:?} {r}");
            }
        }
        // Distinct picks are distinct, on both encodings and strategies.
        for count in ["5", "150", "299"] {
            let r = h.run(&["ZRANDMEMBER", "z", count]);
            let items: Vec<&str> = r.split("\r\n").filter(|l| l.starts_with('m')).collect();
            let uniq: std::collections::HashSet<_> = items.iter().collect();
            assert_eq!(items.len(), count.parse::<usize>().unwrap());
            assert_eq!(uniq.len(), items.len());
        }
        h.run(&["HELLO", "3"]);
        let r = h.run(&["ZRANDMEMBER", "z", "-2", "WITHSCORES"]);
        assert!(r.starts_with("*2\r\n*2\r\n$"), "{r}");
    }

    #[test]
    fn huge_counts_allocate_nothing_up_front() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b"]);
        let max = "9223372036854775807";
        assert_eq!(
            h.run(&["ZPOPMIN", "z", max]),
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        h.run(&["ZADD", "z", "1", "a", "2", "b"]);
        assert_eq!(
            h.run(&["ZRANDMEMBER", "z", max]),
            "*2\r\n$1\r\nb\r\n$1\r\na\r\n"
        );
        assert!(
            h.run(&["ZMPOP", max, "z", "MIN"])
                .starts_with("-ERR syntax error")
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", max]),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
        );
        assert_eq!(h.run(&["ZINTERCARD", "1", "z", "LIMIT", max]), ":2\r\n");
    }
}
