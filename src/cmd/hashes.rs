//! Hash commands: HSET, HGET and friends (Redis 7.2 semantics and replies).
//!
//! The encodings and their conversions live in `types::hash`; this file
//! parses arguments, looks keys up and renders replies. Option words are
//! matched as Redis matches them: case-insensitively, up to the first NUL.

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
use crate::error;
use crate::resp::ReplyBuf;
use crate::types::Value;
use crate::types::hash::{FieldVal, HashValue, Limits, Rng};
use crate::types::string::format_i64;
use crate::util::glob::glob_match;
use crate::util::num::{self, LongDouble};

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("hset", -4, WRITE | DENYOOM | FAST, hset).keys(1, 1, 1),
    Cmd::new("hmset", -4, WRITE | DENYOOM | FAST, hset).keys(1, 1, 1),
    Cmd::new("hsetnx", 4, WRITE | DENYOOM | FAST, hsetnx).keys(1, 1, 1),
    Cmd::new("hget", 3, READONLY | FAST, hget).keys(1, 1, 1),
    Cmd::new("hmget", -3, READONLY | FAST, hmget).keys(1, 1, 1),
    Cmd::new("hdel", -3, WRITE | FAST, hdel).keys(1, 1, 1),
    Cmd::new("hlen", 2, READONLY | FAST, hlen).keys(1, 1, 1),
    Cmd::new("hstrlen", 3, READONLY | FAST, hstrlen).keys(1, 1, 1),
    Cmd::new("hexists", 3, READONLY | FAST, hexists).keys(1, 1, 1),
    Cmd::new("hkeys", 2, READONLY, hkeys).keys(1, 1, 1),
    Cmd::new("hvals", 2, READONLY, hvals).keys(1, 1, 1),
    Cmd::new("hgetall", 2, READONLY, hgetall).keys(1, 1, 1),
    Cmd::new("hincrby", 4, WRITE | DENYOOM | FAST, hincrby).keys(1, 1, 1),
    Cmd::new("hincrbyfloat", 4, WRITE | DENYOOM | FAST, hincrbyfloat).keys(1, 1, 1),
    Cmd::new("hrandfield", -2, READONLY, hrandfield).keys(1, 1, 1),
    Cmd::new("hscan", -3, READONLY, hscan).keys(1, 1, 1),
];

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// True if the option word `arg` is `name` (lower case), compared as Redis
/// compares option words (`strcasecmp`): case-insensitive, up to a NUL.
fn opt_is(arg: &[u8], name: &str) -> bool {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg[..end].eq_ignore_ascii_case(name.as_bytes())
}

/// The encoding thresholds from the config.
fn limits(ctx: &Ctx) -> Limits {
    let cfg = &ctx.srv.config;
    Limits::new(cfg.hash_max_listpack_entries, cfg.hash_max_listpack_value)
}

/// A stored value as a bulk reply (integers formatted in place).
fn reply_val(out: &mut ReplyBuf, v: FieldVal<'_>) {
    match v {
        FieldVal::Int(i) => out.bulk_i64(i),
        other => other.with_bytes(|b| out.bulk(b)),
    }
}

/// The key holds another type.
struct WrongType;

/// The hash at `key` for a read-only command: Ok(None) when missing. Lazy
/// expiry and hit/miss stats as Redis's lookupKeyRead.
fn read_hash<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k HashValue>, WrongType> {
    match ks.lookup_read(db, key, now) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(WrongType),
    }
}

/// Runs `f` on the hash at `key` for a write (Redis
/// hashTypeLookupWriteOrCreate): a missing key starts as an empty hash,
/// stored only if `f` reports a change. `f` returns its result and whether
/// it changed the hash; a change runs the write epilogue once (the caller
/// adds any further `dirty` Redis counts). A key left empty is deleted.
fn write_hash<R>(
    ctx: &mut Ctx,
    key: &[u8],
    f: impl FnOnce(&mut HashValue) -> (R, bool),
) -> Result<R, WrongType> {
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    match ks.lookup_write(db, key, ctx.now) {
        Some(Value::Hash(h)) => {
            let (r, changed) = f(h);
            let empty = h.is_empty();
            if changed {
                if empty {
                    ks.delete(db, key);
                } else {
                    ks.signal_modified(db, key);
                }
            }
            Ok(r)
        }
        Some(_) => Err(WrongType),
        None => {
            let mut h = HashValue::new();
            let (r, changed) = f(&mut h);
            if changed && !h.is_empty() {
                ks.set(db, key, Value::Hash(h.into()), false);
            }
            Ok(r)
        }
    }
}

/// Redis counts `n` changes where the write epilogue counted one.
fn add_dirty(ctx: &mut Ctx, n: usize) {
    ctx.srv.ks.dirty += (n as u64).saturating_sub(1);
}

// ---------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------

/// HSET key field value [field value ...]
/// HMSET key field value [field value ...]
fn hset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() % 2 == 1 {
        ctx.c.reply.error(&error::wrong_arity(ctx.cmd.name));
        return;
    }
    let lim = limits(ctx);
    let pairs = &argv[2..];
    let res = write_hash(ctx, argv[1], |h| (h.set_pairs(pairs, &lim) as i64, true));
    match res {
        Ok(created) => {
            add_dirty(ctx, pairs.len() / 2);
            if ctx.cmd.name == "hset" {
                ctx.c.reply.int(created);
            } else {
                ctx.c.reply.ok();
            }
        }
        Err(WrongType) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// HSETNX key field value
fn hsetnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lim = limits(ctx);
    let res = write_hash(ctx, argv[1], |h| {
        if h.contains(argv[2]) {
            return (0, false);
        }
        h.prepare_for(&argv[2..4], &lim);
        h.set(argv[2], argv[3], &lim);
        (1, true)
    });
    match res {
        Ok(n) => ctx.c.reply.int(n),
        Err(WrongType) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// HDEL key field [field ...]
fn hdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    let res = write_hash(ctx, argv[1], |h| {
        let mut deleted = 0usize;
        for f in &argv[2..] {
            if h.remove(f) {
                deleted += 1;
                if h.is_empty() {
                    break;
                }
            }
        }
        (deleted, deleted > 0)
    });
    match res {
        Ok(deleted) => {
            add_dirty(ctx, deleted);
            ctx.c.reply.int(deleted as i64);
        }
        Err(WrongType) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IncrErr {
    NotInt,
    NotFloat,
    Overflow,
    NanOrInf,
}

/// Adds `by` to the integer in `field` (missing counts as 0); returns the
/// new value.
fn hincrby_generic(h: &mut HashValue, field: &[u8], by: i64, lim: &Limits) -> Result<i64, IncrErr> {
    let cur = match h.get(field) {
        None => 0,
        Some(v) => v.as_i64().ok_or(IncrErr::NotInt)?,
    };
    let new = cur.checked_add(by).ok_or(IncrErr::Overflow)?;
    h.set(field, format_i64(new, &mut [0u8; 20]), lim);
    Ok(new)
}

/// Adds `by` to the number in `field` (missing counts as 0) in x87
/// `long double` arithmetic, like Redis; returns the stored text.
fn hincrbyfloat_generic(
    h: &mut HashValue,
    field: &[u8],
    by: LongDouble,
    lim: &Limits,
) -> Result<Vec<u8>, IncrErr> {
    let cur = match h.get(field) {
        None => LongDouble::from_i64(0),
        Some(FieldVal::Int(v)) => LongDouble::from_i64(v),
        Some(other) => other
            .with_bytes(LongDouble::parse)
            .ok_or(IncrErr::NotFloat)?,
    };
    let sum = cur + by;
    if !sum.is_finite() {
        return Err(IncrErr::NanOrInf);
    }
    let mut text = Vec::with_capacity(32);
    sum.write_human(&mut text);
    h.set(field, &text, lim);
    Ok(text)
}

fn reply_incr_err(out: &mut ReplyBuf, e: IncrErr) {
    out.error(match e {
        IncrErr::NotInt => error::HASH_VALUE_NOT_INTEGER,
        IncrErr::NotFloat => error::HASH_VALUE_NOT_FLOAT,
        IncrErr::Overflow => error::OVERFLOW,
        IncrErr::NanOrInf => error::INCR_NAN_OR_INF,
    });
}

/// HINCRBY key field increment
fn hincrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(by) = super::arg_i64(ctx, argv[3]) else {
        return;
    };
    let lim = limits(ctx);
    let res = write_hash(ctx, argv[1], |h| {
        let r = hincrby_generic(h, argv[2], by, &lim);
        let ok = r.is_ok();
        (r, ok)
    });
    match res {
        Ok(Ok(v)) => ctx.c.reply.int(v),
        Ok(Err(e)) => reply_incr_err(&mut ctx.c.reply, e),
        Err(WrongType) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// HINCRBYFLOAT key field increment
fn hincrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(by) = LongDouble::parse(argv[3]) else {
        ctx.c.reply.error(error::NOT_FLOAT);
        return;
    };
    if !by.is_finite() {
        ctx.c.reply.error(error::HASH_INCR_NAN_OR_INF);
        return;
    }
    let lim = limits(ctx);
    let res = write_hash(ctx, argv[1], |h| {
        let r = hincrbyfloat_generic(h, argv[2], by, &lim);
        let ok = r.is_ok();
        (r, ok)
    });
    match res {
        Ok(Ok(text)) => ctx.c.reply.bulk(&text),
        Ok(Err(e)) => reply_incr_err(&mut ctx.c.reply, e),
        Err(WrongType) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

/// HGET key field
fn hget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match read_hash(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(h) => match h.and_then(|h| h.get(argv[2])) {
            Some(v) => reply_val(out, v),
            None => out.null(),
        },
        Err(WrongType) => out.error(error::WRONGTYPE),
    }
}

/// HMGET key field [field ...]
fn hmget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match read_hash(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(h) => {
            out.array(argv.len() - 2);
            for f in &argv[2..] {
                match h.and_then(|h| h.get(f)) {
                    Some(v) => reply_val(out, v),
                    None => out.null(),
                }
            }
        }
        Err(WrongType) => out.error(error::WRONGTYPE),
    }
}

/// Replies with an integer computed from the hash (0 when missing).
fn reply_int_of(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(&HashValue) -> usize) {
    let out = &mut ctx.c.reply;
    match read_hash(&mut ctx.srv.ks, ctx.c.db, key, ctx.now) {
        Ok(h) => out.int(h.map_or(0, f) as i64),
        Err(WrongType) => out.error(error::WRONGTYPE),
    }
}

/// HLEN key
fn hlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    reply_int_of(ctx, argv[1], |h| h.len());
}

/// HSTRLEN key field
fn hstrlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    reply_int_of(ctx, argv[1], |h| h.get(argv[2]).map_or(0, |v| v.len()));
}

/// HEXISTS key field
fn hexists(ctx: &mut Ctx, argv: &[&[u8]]) {
    reply_int_of(ctx, argv[1], |h| usize::from(h.contains(argv[2])));
}

/// HKEYS / HVALS / HGETALL: fields, values or both (a map when both).
fn getall_generic(ctx: &mut Ctx, key: &[u8], fields: bool, values: bool) {
    let out = &mut ctx.c.reply;
    let h = match read_hash(&mut ctx.srv.ks, ctx.c.db, key, ctx.now) {
        Ok(h) => h,
        Err(WrongType) => return out.error(error::WRONGTYPE),
    };
    let n = h.map_or(0, |h| h.len());
    if fields && values {
        out.map(n);
    } else {
        out.array(n);
    }
    if let Some(h) = h {
        h.for_each(|k, v| {
            if fields {
                out.bulk(k);
            }
            if values {
                reply_val(out, v);
            }
        });
    }
}

/// HKEYS key
fn hkeys(ctx: &mut Ctx, argv: &[&[u8]]) {
    getall_generic(ctx, argv[1], true, false);
}

/// HVALS key
fn hvals(ctx: &mut Ctx, argv: &[&[u8]]) {
    getall_generic(ctx, argv[1], false, true);
}

/// HGETALL key
fn hgetall(ctx: &mut Ctx, argv: &[&[u8]]) {
    getall_generic(ctx, argv[1], true, true);
}

/// HRANDFIELD key [count [WITHVALUES]]
fn hrandfield(ctx: &mut Ctx, argv: &[&[u8]]) {
    let seed = ctx.srv.ks.random_u64();
    let mut rng = Rng::new(seed);
    if argv.len() >= 3 {
        // Redis: getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX).
        let Some(l) = num::parse_i64(argv[2]) else {
            ctx.c.reply.error(error::NOT_INTEGER);
            return;
        };
        if l == i64::MIN {
            ctx.c.reply.error(error::NOT_IN_LONG_RANGE);
            return;
        }
        let with_values = match argv.get(3) {
            None => false,
            Some(a) if argv.len() == 4 && opt_is(a, "withvalues") => true,
            Some(_) => {
                ctx.c.reply.error(error::SYNTAX);
                return;
            }
        };
        // The RESP2 reply has 2 * count elements.
        if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            ctx.c.reply.error(error::HASH_RANDFIELD_OUT_OF_RANGE);
            return;
        }
        let out = &mut ctx.c.reply;
        let h = match read_hash(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
            Ok(Some(h)) => h,
            Ok(None) => return out.array(0),
            Err(WrongType) => return out.error(error::WRONGTYPE),
        };
        let (count, unique) = (l.unsigned_abs(), l >= 0);
        let n = h.random_pairs_len(count, unique);
        let resp3 = out.resp3;
        if with_values && !resp3 {
            out.array(2 * n as usize);
        } else {
            out.array(n as usize);
        }
        h.random_pairs(count, unique, &mut rng, |k, v| {
            if with_values && resp3 {
                out.array(2);
            }
            out.bulk(k);
            if with_values {
                reply_val(out, v);
            }
        });
        return;
    }
    let out = &mut ctx.c.reply;
    match read_hash(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(Some(h)) => {
            if h.random_pair(&mut rng, |k, _| out.bulk(k)).is_none() {
                out.null();
            }
        }
        Ok(None) => out.null(),
        Err(WrongType) => out.error(error::WRONGTYPE),
    }
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
fn hscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    let Some(cursor) = num::parse_scan_cursor(argv[2]) else {
        return out.error(error::INVALID_CURSOR);
    };
    let h = match read_hash(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Ok(Some(h)) => h,
        Ok(None) => {
            out.array(2);
            out.bulk(b"0");
            return out.array(0);
        }
        Err(WrongType) => return out.error(error::WRONGTYPE),
    };
    // Options are parsed after the lookup, as Redis does.
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut rest = &argv[3..];
    while let [opt, value, tail @ ..] = rest {
        if opt_is(opt, "count") {
            let Some(n) = num::parse_i64(value) else {
                return out.error(error::NOT_INTEGER);
            };
            if n < 1 {
                return out.error(error::SYNTAX);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if opt_is(opt, "match") {
            // "*" matches everything: no filter.
            pattern = (*value != b"*").then_some(*value);
        } else {
            return out.error(error::SYNTAX);
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return out.error(error::SYNTAX);
    }
    // Render the elements aside: their number is known only at the end.
    let mut items = ReplyBuf {
        buf: Vec::new(),
        resp3: out.resp3,
    };
    let mut n = 0usize;
    let next = h.scan(cursor, count, |k, v| {
        if pattern.is_none_or(|p| glob_match(p, k, false)) {
            items.bulk(k);
            reply_val(&mut items, v);
            n += 2;
        }
    });
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(n);
    out.buf.extend_from_slice(&items.buf);
}
