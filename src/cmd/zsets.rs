//! Sorted set commands (Redis 7.2 semantics and replies, RESP2 and RESP3).
//!
//! The typed work (adding, ranges, pops, sampling, scans) lives in
//! `crate::types::zset`; handlers parse arguments in Redis's order (so the
//! same bad command gets the same error), look the key up, call the typed
//! operation and render the result. Option words are compared like Redis's
//! `strcasecmp` on C strings: case-insensitively, up to the first NUL.

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
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

// Error texts of this family (kept here until they are appended to
// src/error.rs).
const XX_AND_NX: &str = "ERR XX and NX options at the same time are not compatible";
const GT_LT_NX: &str = "ERR GT, LT, and/or NX options at the same time are not compatible";
const INCR_SINGLE_PAIR: &str = "ERR INCR option supports a single increment-element pair";
const SCORE_NAN: &str = "ERR resulting score is not a number (NaN)";
const MIN_MAX_NOT_FLOAT: &str = "ERR min or max is not a float";
const MIN_MAX_NOT_LEX: &str = "ERR min or max not valid string range item";
const LIMIT_NEEDS_BY: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
const WITHSCORES_BYLEX: &str = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
const WEIGHT_NOT_FLOAT: &str = "ERR weight value is not a float";
const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";
const NUMKEYS_NOT_POSITIVE: &str = "ERR numkeys should be greater than 0";
const COUNT_NOT_POSITIVE: &str = "ERR count should be greater than 0";
const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
const OUT_OF_RANGE: &str = "ERR value is out of range";
const RANDMEMBER_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

fn at_least_one_key(fullname: &str) -> String {
    format!("ERR at least 1 input key is needed for '{fullname}' command")
}

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

fn limits(ctx: &Ctx) -> Limits {
    Limits::from_config(&ctx.srv.config)
}

/// The sorted set at `key` for reading: Ok(None) when missing, Err when the
/// key holds another type (lazy expiry and hit/miss stats included).
fn read_z<'k>(ks: &'k mut Keyspace, db: usize, key: &[u8], now: i64) -> Result<Option<&'k ZSetValue>, ()> {
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
/// goes when the set is empty.
fn after_write(ks: &mut Keyspace, db: usize, key: &[u8], now_empty: bool) {
    if now_empty {
        ks.delete(db, key);
    } else {
        ks.signal_modified(db, key);
    }
}

/// Stores `elems` (sorted, unique members) at `dst` as a Z*STORE result
/// and replies with its size; an empty result deletes `dst`.
fn store_result(ctx: &mut Ctx, dst: &[u8], elems: Vec<Elem>) {
    let db = ctx.c.db;
    if elems.is_empty() {
        ctx.srv.ks.delete(db, dst);
        ctx.c.reply.int(0);
        return;
    }
    let n = elems.len();
    let z = ZSetValue::from_sorted(elems, &limits(ctx));
    ctx.srv.ks.set(db, dst, Value::ZSet(Box::new(z)), false);
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

/// Parses a "long" argument for a positive-or-zero count
/// (`getPositiveLongFromObjectOrReply`).
fn positive_long(arg: &[u8], msg: Option<&'static str>) -> Result<i64, &'static str> {
    match parse_i64(arg) {
        Some(v) if v >= 0 => Ok(v),
        Some(_) => Err(msg.unwrap_or(MUST_BE_POSITIVE)),
        None => Err(msg.unwrap_or(error::NOT_INTEGER)),
    }
}

// ---------------------------------------------------------------------------
// ZADD / ZINCRBY
// ---------------------------------------------------------------------------

/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
fn zadd(ctx: &mut Ctx, argv: &[&[u8]]) {
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
    if rest == 0 || rest % 2 != 0 {
        ctx.c.reply.error(error::SYNTAX);
        return;
    }
    let pairs = rest / 2;
    if f.nx && f.xx {
        ctx.c.reply.error(XX_AND_NX);
        return;
    }
    if (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt) {
        ctx.c.reply.error(GT_LT_NX);
        return;
    }
    if f.incr && pairs > 1 {
        ctx.c.reply.error(INCR_SINGLE_PAIR);
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
        Some(z) if !z.is_empty() => ctx.srv.ks.set(db, key, Value::ZSet(Box::new(z)), false),
        Some(_) => {}
        None if changed => ctx.srv.ks.signal_modified(db, key),
        None => {}
    }
    let out = &mut ctx.c.reply;
    if nan {
        out.error(SCORE_NAN);
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
        after_write(&mut ctx.srv.ks, db, key, empty);
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
        return ctx.c.reply.error(MIN_MAX_NOT_FLOAT);
    };
    count_in(ctx, argv[1], &RangeSpec::Score(r));
}

/// ZLEXCOUNT key min max
fn zlexcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(r) = LexRange::parse(argv[2], argv[3]) else {
        return ctx.c.reply.error(MIN_MAX_NOT_LEX);
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
    zrange_generic(ctx, &argv[1..], Some(argv[1]), RangeType::Auto, Direction::Auto);
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
        return ctx.c.reply.error(LIMIT_NEEDS_BY);
    }
    if withscores && rtype == RangeType::Lex {
        return ctx.c.reply.error(WITHSCORES_BYLEX);
    }
    if rev && rtype != RangeType::Rank {
        // The range is given as max, min.
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let spec = match rtype {
        RangeType::Score => match ScoreRange::parse(argv[minidx], argv[maxidx]) {
            Some(r) => Some(RangeSpec::Score(r)),
            None => return ctx.c.reply.error(MIN_MAX_NOT_FLOAT),
        },
        RangeType::Lex => match LexRange::parse(argv[minidx], argv[maxidx]) {
            Some(r) => Some(RangeSpec::Lex(r)),
            None => return ctx.c.reply.error(MIN_MAX_NOT_LEX),
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
        None => ctx.c.reply.error(MIN_MAX_NOT_FLOAT),
    }
}

/// ZREMRANGEBYLEX key min max
fn zremrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    match LexRange::parse(argv[2], argv[3]) {
        Some(r) => zremrange(ctx, argv[1], Ok(RangeSpec::Lex(r))),
        None => ctx.c.reply.error(MIN_MAX_NOT_LEX),
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
        after_write(&mut ctx.srv.ks, db, key, empty);
    }
    ctx.c.reply.int(deleted as i64);
}

// ---------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------

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
        Some(a) => match positive_long(a, None) {
            Ok(c) => Some(c as usize),
            Err(e) => return ctx.c.reply.error(e),
        },
    };
    let (db, now, key) = (ctx.c.db, ctx.now, argv[1]);
    let z = match write_z(&mut ctx.srv.ks, db, key, now) {
        Ok(Some(z)) => z,
        Ok(None) => return ctx.c.reply.array(0),
        Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    if count == Some(0) {
        return ctx.c.reply.array(0);
    }
    let popped = z.pop(max, count.unwrap_or(1));
    let empty = z.is_empty();
    after_write(&mut ctx.srv.ks, db, key, empty);
    // RESP3 nests the pairs when a count was given.
    let nested = ctx.c.reply.resp3 && count.is_some();
    let out = &mut ctx.c.reply;
    let mut tmp = Vec::new();
    out.array(if nested { popped.len() } else { popped.len() * 2 });
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
        _ => return ctx.c.reply.error(NUMKEYS_NOT_POSITIVE),
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
                _ => return ctx.c.reply.error(COUNT_NOT_POSITIVE),
            }
            j += 2;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }
    let count = count.unwrap_or(1);
    let (db, now) = (ctx.c.db, ctx.now);
    for key in &argv[2..where_idx] {
        let z = match write_z(&mut ctx.srv.ks, db, key, now) {
            Ok(Some(z)) => z,
            Ok(None) => continue,
            Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
        };
        let popped = z.pop(max, count);
        let empty = z.is_empty();
        after_write(&mut ctx.srv.ks, db, key, empty);
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
        Some(i64::MIN) => return ctx.c.reply.error(RANDMEMBER_RANGE),
        Some(l) => l,
        None => return ctx.c.reply.error(error::NOT_INTEGER),
    };
    let withscores = match argv.get(3) {
        _ if argv.len() > 4 => return ctx.c.reply.error(error::SYNTAX),
        None => false,
        Some(a) if opt_is(a, "withscores") => {
            if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
                return ctx.c.reply.error(OUT_OF_RANGE);
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
        return ctx.c.reply.error(&at_least_one_key(&name));
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
                    None => return ctx.c.reply.error(WEIGHT_NOT_FLOAT),
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
            match positive_long(argv[j + 1], Some(LIMIT_NEGATIVE)) {
                Ok(l) => limit = l as usize,
                Err(e) => return ctx.c.reply.error(e),
            }
            j += 2;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }

    let main = &ctx.srv.ks.dbs[db].main;
    let mut srcs: Vec<(Src, f64)> = keys
        .iter()
        .zip(&weights)
        .map(|(k, &w)| {
            let s = match main.get(k) {
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
            member: m.into_owned().into_boxed_slice(),
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
