//! Hash commands: HSET, HGET and friends (Redis 7.2 semantics and replies).
//!
//! The encodings and their conversions live in `types::hash`; this file
//! parses arguments, looks keys up and renders replies. Option words are
//! matched as Redis matches them: case-insensitively, up to the first NUL.

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
use crate::db::notify;
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
    // Keyspace event: HMSET and HSETNX raise "hset", the others their name.
    let event = match ctx.cmd.name {
        "hmset" | "hsetnx" => "hset",
        name => name,
    };
    let ks = &mut ctx.srv.ks;
    match ks.lookup_write(db, key, ctx.now) {
        Some(Value::Hash(h)) => {
            let (r, changed) = f(h);
            let empty = h.is_empty();
            if changed {
                ks.notify(notify::HASH, event, db, key);
                if empty {
                    ks.delete(db, key);
                    ks.notify(notify::GENERIC, "del", db, key);
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
                ks.set(db, key, Value::Hash(h), false);
                ks.notify(notify::HASH, event, db, key);
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
        Ok(Ok(text)) => {
            ctx.c.reply.bulk(&text);
            // Replayed as the value it produced (Redis: HSET).
            ctx.propagate_as(&[b"HSET", argv[1], argv[2], &text]);
        }
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

#[cfg(test)]
mod tests {
    //! Reply bytes below were recorded from a real redis-server 7.0 (which
    //! agrees with 7.2 for these commands), one fresh database per group.

    use crate::testing::Harness;
    use std::collections::HashSet;

    type Case<'a> = (&'a [&'a str], &'a str);

    fn h3() -> Harness {
        let mut h = Harness::new();
        h.c.reply.resp3 = true;
        h
    }

    fn check(h: &mut Harness, cases: &[Case]) {
        for (i, (argv, want)) in cases.iter().enumerate() {
            assert_eq!(h.run(argv), *want, "case {i}: {argv:?}");
        }
    }

    // basics
    const BASICS: &[Case] = &[
        (&["HGET", "h", "f"], "$-1\r\n"),
        (&["HSET", "h", "f", "v"], ":1\r\n"),
        (&["HGET", "h", "f"], "$1\r\nv\r\n"),
        (&["HSET", "h", "f", "v2"], ":0\r\n"),
        (&["HGET", "h", "f"], "$2\r\nv2\r\n"),
        (&["HSET", "h", "a", "1", "b", "2", "c", "3"], ":3\r\n"),
        (&["HSET", "h", "a", "1", "b", "2", "c", "3"], ":0\r\n"),
        (&["HSET", "h", "a", "10", "new", "1"], ":1\r\n"),
        (
            &["HGETALL", "h"],
            "*10\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$3\r\nnew\r\n$1\r\n1\r\n",
        ),
        (&["HLEN", "h"], ":5\r\n"),
        (&["TYPE", "h"], "+hash\r\n"),
        (&["OBJECT", "ENCODING", "h"], "$8\r\nlistpack\r\n"),
        (&["hset", "h", "F", "V"], ":1\r\n"),
        (&["HgEt", "h", "F"], "$1\r\nV\r\n"),
        (&["HGET", "h", "missing"], "$-1\r\n"),
        (&["HGET", "nokey", "f"], "$-1\r\n"),
        (&["HSET", "h", "", "empty-field"], ":1\r\n"),
        (&["HGET", "h", ""], "$11\r\nempty-field\r\n"),
        (&["HSET", "h", "empty-value", ""], ":1\r\n"),
        (&["HGET", "h", "empty-value"], "$0\r\n\r\n"),
        (&["HSTRLEN", "h", "empty-value"], ":0\r\n"),
        (&["HMSET", "m", "a", "1", "b", "2"], "+OK\r\n"),
        (&["HMSET", "m", "a", "3", "c", "4"], "+OK\r\n"),
        (
            &["HGETALL", "m"],
            "*6\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n4\r\n",
        ),
        (&["HSETNX", "nx", "f", "v"], ":1\r\n"),
        (&["HSETNX", "nx", "f", "w"], ":0\r\n"),
        (&["HGET", "nx", "f"], "$1\r\nv\r\n"),
        (&["HSETNX", "nx", "g", "w"], ":1\r\n"),
        (
            &["HGETALL", "nx"],
            "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n",
        ),
    ];
    // arity
    const ARITY: &[Case] = &[
        (
            &["HSET"],
            "-ERR wrong number of arguments for 'hset' command\r\n",
        ),
        (
            &["HSET", "h"],
            "-ERR wrong number of arguments for 'hset' command\r\n",
        ),
        (
            &["HSET", "h", "f"],
            "-ERR wrong number of arguments for 'hset' command\r\n",
        ),
        (
            &["HSET", "h", "f", "v", "g"],
            "-ERR wrong number of arguments for 'hset' command\r\n",
        ),
        (
            &["HSET", "h", "f", "v", "g", "h", "i"],
            "-ERR wrong number of arguments for 'hset' command\r\n",
        ),
        (
            &["HMSET", "h", "f"],
            "-ERR wrong number of arguments for 'hmset' command\r\n",
        ),
        (
            &["HMSET", "h", "f", "v", "g"],
            "-ERR wrong number of arguments for 'hmset' command\r\n",
        ),
        (
            &["HGET", "h"],
            "-ERR wrong number of arguments for 'hget' command\r\n",
        ),
        (
            &["HGET", "h", "f", "extra"],
            "-ERR wrong number of arguments for 'hget' command\r\n",
        ),
        (
            &["HSETNX", "h", "f"],
            "-ERR wrong number of arguments for 'hsetnx' command\r\n",
        ),
        (
            &["HSETNX", "h", "f", "v", "x"],
            "-ERR wrong number of arguments for 'hsetnx' command\r\n",
        ),
        (
            &["HMGET", "h"],
            "-ERR wrong number of arguments for 'hmget' command\r\n",
        ),
        (
            &["HDEL", "h"],
            "-ERR wrong number of arguments for 'hdel' command\r\n",
        ),
        (
            &["HLEN"],
            "-ERR wrong number of arguments for 'hlen' command\r\n",
        ),
        (
            &["HLEN", "h", "extra"],
            "-ERR wrong number of arguments for 'hlen' command\r\n",
        ),
        (
            &["HSTRLEN", "h"],
            "-ERR wrong number of arguments for 'hstrlen' command\r\n",
        ),
        (
            &["HEXISTS", "h"],
            "-ERR wrong number of arguments for 'hexists' command\r\n",
        ),
        (
            &["HKEYS"],
            "-ERR wrong number of arguments for 'hkeys' command\r\n",
        ),
        (
            &["HVALS", "h", "x"],
            "-ERR wrong number of arguments for 'hvals' command\r\n",
        ),
        (
            &["HGETALL", "h", "x"],
            "-ERR wrong number of arguments for 'hgetall' command\r\n",
        ),
        (
            &["HINCRBY", "h", "f"],
            "-ERR wrong number of arguments for 'hincrby' command\r\n",
        ),
        (
            &["HINCRBYFLOAT", "h", "f"],
            "-ERR wrong number of arguments for 'hincrbyfloat' command\r\n",
        ),
        (
            &["HRANDFIELD"],
            "-ERR wrong number of arguments for 'hrandfield' command\r\n",
        ),
        (
            &["HSCAN", "h"],
            "-ERR wrong number of arguments for 'hscan' command\r\n",
        ),
        (&["EXISTS", "h"], ":0\r\n"),
    ];
    // hmget_hdel
    const HMGET_HDEL: &[Case] = &[
        (&["HSET", "h", "a", "1", "b", "2", "c", "3"], ":3\r\n"),
        (
            &["HMGET", "h", "a", "b", "nope", "c"],
            "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n",
        ),
        (&["HMGET", "nokey", "a", "b"], "*2\r\n$-1\r\n$-1\r\n"),
        (&["HMGET", "h", "nope"], "*1\r\n$-1\r\n"),
        (
            &["HMGET", "h", "a", "a", "a"],
            "*3\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n",
        ),
        (
            &[
                "HSET", "d", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5",
            ],
            ":5\r\n",
        ),
        (&["HDEL", "d", "a"], ":1\r\n"),
        (&["HDEL", "d", "a"], ":0\r\n"),
        (&["HDEL", "d", "nope"], ":0\r\n"),
        (&["HDEL", "d", "b", "c", "nope", "b"], ":2\r\n"),
        (
            &["HGETALL", "d"],
            "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n",
        ),
        (&["HDEL", "d", "d", "e"], ":2\r\n"),
        (&["EXISTS", "d"], ":0\r\n"),
        (&["HDEL", "d", "a"], ":0\r\n"),
        (&["HDEL", "nokey", "a"], ":0\r\n"),
        (&["HSET", "d2", "a", "1", "b", "2"], ":2\r\n"),
        (&["HDEL", "d2", "a", "b", "a"], ":2\r\n"),
        (&["EXISTS", "d2"], ":0\r\n"),
    ];
    // lengths
    const LENGTHS: &[Case] = &[
        (
            &[
                "HSET",
                "s",
                "int",
                "12345",
                "neg",
                "-987",
                "big",
                "9223372036854775807",
                "lead",
                "007",
                "txt",
                "hello",
            ],
            ":5\r\n",
        ),
        (&["HLEN", "s"], ":5\r\n"),
        (&["HLEN", "nokey"], ":0\r\n"),
        (&["HSTRLEN", "s", "int"], ":5\r\n"),
        (&["HSTRLEN", "s", "neg"], ":4\r\n"),
        (&["HSTRLEN", "s", "big"], ":19\r\n"),
        (&["HSTRLEN", "s", "lead"], ":3\r\n"),
        (&["HSTRLEN", "s", "txt"], ":5\r\n"),
        (&["HSTRLEN", "s", "nope"], ":0\r\n"),
        (&["HSTRLEN", "nokey", "a"], ":0\r\n"),
        (&["HEXISTS", "s", "int"], ":1\r\n"),
        (&["HEXISTS", "s", "nope"], ":0\r\n"),
        (&["HEXISTS", "nokey", "a"], ":0\r\n"),
        (
            &["HKEYS", "s"],
            "*5\r\n$3\r\nint\r\n$3\r\nneg\r\n$3\r\nbig\r\n$4\r\nlead\r\n$3\r\ntxt\r\n",
        ),
        (
            &["HVALS", "s"],
            "*5\r\n$5\r\n12345\r\n$4\r\n-987\r\n$19\r\n9223372036854775807\r\n$3\r\n007\r\n$5\r\nhello\r\n",
        ),
        (
            &["HGETALL", "s"],
            "*10\r\n$3\r\nint\r\n$5\r\n12345\r\n$3\r\nneg\r\n$4\r\n-987\r\n$3\r\nbig\r\n$19\r\n9223372036854775807\r\n$4\r\nlead\r\n$3\r\n007\r\n$3\r\ntxt\r\n$5\r\nhello\r\n",
        ),
        (&["HKEYS", "nokey"], "*0\r\n"),
        (&["HVALS", "nokey"], "*0\r\n"),
        (&["HGETALL", "nokey"], "*0\r\n"),
    ];
    // integers
    const INTEGERS: &[Case] = &[
        (
            &[
                "HSET", "n", "0", "zero", "1", "one", "-1", "minus", "63", "a", "64", "b", "127",
                "c", "128", "d", "-128", "e", "-129", "f", "32767", "g", "32768", "h",
            ],
            ":11\r\n",
        ),
        (
            &[
                "HSET",
                "n",
                "9223372036854775807",
                "max",
                "-9223372036854775808",
                "min",
                "9223372036854775808",
                "over",
            ],
            ":3\r\n",
        ),
        (
            &[
                "HSET", "n", "01", "lead", "+1", "plus", " 1", "space", "1 ", "trail", "-0",
                "mzero", "1.0", "float", "1e3", "exp",
            ],
            ":7\r\n",
        ),
        (
            &["HGETALL", "n"],
            "*42\r\n$1\r\n0\r\n$4\r\nzero\r\n$1\r\n1\r\n$3\r\none\r\n$2\r\n-1\r\n$5\r\nminus\r\n$2\r\n63\r\n$1\r\na\r\n$2\r\n64\r\n$1\r\nb\r\n$3\r\n127\r\n$1\r\nc\r\n$3\r\n128\r\n$1\r\nd\r\n$4\r\n-128\r\n$1\r\ne\r\n$4\r\n-129\r\n$1\r\nf\r\n$5\r\n32767\r\n$1\r\ng\r\n$5\r\n32768\r\n$1\r\nh\r\n$19\r\n9223372036854775807\r\n$3\r\nmax\r\n$20\r\n-9223372036854775808\r\n$3\r\nmin\r\n$19\r\n9223372036854775808\r\n$4\r\nover\r\n$2\r\n01\r\n$4\r\nlead\r\n$2\r\n+1\r\n$4\r\nplus\r\n$2\r\n 1\r\n$5\r\nspace\r\n$2\r\n1 \r\n$5\r\ntrail\r\n$2\r\n-0\r\n$5\r\nmzero\r\n$3\r\n1.0\r\n$5\r\nfloat\r\n$3\r\n1e3\r\n$3\r\nexp\r\n",
        ),
        (&["HGET", "n", "1"], "$3\r\none\r\n"),
        (&["HGET", "n", "01"], "$4\r\nlead\r\n"),
        (&["HGET", "n", "-0"], "$5\r\nmzero\r\n"),
        (&["HGET", "n", "9223372036854775808"], "$4\r\nover\r\n"),
        (
            &[
                "HSET",
                "nv",
                "a",
                "0",
                "b",
                "1",
                "c",
                "-1",
                "d",
                "100000",
                "e",
                "100001",
                "f",
                "100002",
                "g",
                "-100003",
                "h",
                "01",
                "i",
                "-0",
                "j",
                "18446744073709551616",
            ],
            ":10\r\n",
        ),
        (
            &["HGETALL", "nv"],
            "*20\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$2\r\n-1\r\n$1\r\nd\r\n$6\r\n100000\r\n$1\r\ne\r\n$6\r\n100001\r\n$1\r\nf\r\n$6\r\n100002\r\n$1\r\ng\r\n$7\r\n-100003\r\n$1\r\nh\r\n$2\r\n01\r\n$1\r\ni\r\n$2\r\n-0\r\n$1\r\nj\r\n$20\r\n18446744073709551616\r\n",
        ),
    ];
    // prefixes
    const PREFIXES: &[Case] = &[
        (
            &[
                "HSET", "p", "field0", "value0", "field1", "value1", "field2", "value2", "field3",
                "value3", "field4", "value4",
            ],
            ":5\r\n",
        ),
        (
            &[
                "HSET", "p", "field10", "value10", "field11", "value11", "fiel", "val", "f", "v",
                "", "",
            ],
            ":5\r\n",
        ),
        (
            &["HGETALL", "p"],
            "*20\r\n$6\r\nfield0\r\n$6\r\nvalue0\r\n$6\r\nfield1\r\n$6\r\nvalue1\r\n$6\r\nfield2\r\n$6\r\nvalue2\r\n$6\r\nfield3\r\n$6\r\nvalue3\r\n$6\r\nfield4\r\n$6\r\nvalue4\r\n$7\r\nfield10\r\n$7\r\nvalue10\r\n$7\r\nfield11\r\n$7\r\nvalue11\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (&["HDEL", "p", "field0"], ":1\r\n"),
        (
            &["HGETALL", "p"],
            "*18\r\n$6\r\nfield1\r\n$6\r\nvalue1\r\n$6\r\nfield2\r\n$6\r\nvalue2\r\n$6\r\nfield3\r\n$6\r\nvalue3\r\n$6\r\nfield4\r\n$6\r\nvalue4\r\n$7\r\nfield10\r\n$7\r\nvalue10\r\n$7\r\nfield11\r\n$7\r\nvalue11\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (&["HDEL", "p", "field2", "field3"], ":2\r\n"),
        (
            &["HGETALL", "p"],
            "*14\r\n$6\r\nfield1\r\n$6\r\nvalue1\r\n$6\r\nfield4\r\n$6\r\nvalue4\r\n$7\r\nfield10\r\n$7\r\nvalue10\r\n$7\r\nfield11\r\n$7\r\nvalue11\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (&["HSET", "p", "field1", "other"], ":0\r\n"),
        (
            &["HGETALL", "p"],
            "*14\r\n$6\r\nfield1\r\n$5\r\nother\r\n$6\r\nfield4\r\n$6\r\nvalue4\r\n$7\r\nfield10\r\n$7\r\nvalue10\r\n$7\r\nfield11\r\n$7\r\nvalue11\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (&["HSET", "p", "field1", "value1x"], ":0\r\n"),
        (
            &["HGETALL", "p"],
            "*14\r\n$6\r\nfield1\r\n$7\r\nvalue1x\r\n$6\r\nfield4\r\n$6\r\nvalue4\r\n$7\r\nfield10\r\n$7\r\nvalue10\r\n$7\r\nfield11\r\n$7\r\nvalue11\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (&["HSET", "p", "field4", "12345"], ":0\r\n"),
        (
            &["HGETALL", "p"],
            "*14\r\n$6\r\nfield1\r\n$7\r\nvalue1x\r\n$6\r\nfield4\r\n$5\r\n12345\r\n$7\r\nfield10\r\n$7\r\nvalue10\r\n$7\r\nfield11\r\n$7\r\nvalue11\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (&["HSET", "p", "field10", "12346"], ":0\r\n"),
        (
            &["HGETALL", "p"],
            "*14\r\n$6\r\nfield1\r\n$7\r\nvalue1x\r\n$6\r\nfield4\r\n$5\r\n12345\r\n$7\r\nfield10\r\n$5\r\n12346\r\n$7\r\nfield11\r\n$7\r\nvalue11\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (&["HDEL", "p", "field11"], ":1\r\n"),
        (
            &["HGETALL", "p"],
            "*12\r\n$6\r\nfield1\r\n$7\r\nvalue1x\r\n$6\r\nfield4\r\n$5\r\n12345\r\n$7\r\nfield10\r\n$5\r\n12346\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n",
        ),
        (
            &[
                "HSET",
                "p",
                "user:1000:name",
                "alice",
                "user:1000:email",
                "alice@example.com",
                "user:1000:age",
                "30",
            ],
            ":3\r\n",
        ),
        (
            &["HGETALL", "p"],
            "*18\r\n$6\r\nfield1\r\n$7\r\nvalue1x\r\n$6\r\nfield4\r\n$5\r\n12345\r\n$7\r\nfield10\r\n$5\r\n12346\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n$14\r\nuser:1000:name\r\n$5\r\nalice\r\n$15\r\nuser:1000:email\r\n$17\r\nalice@example.com\r\n$13\r\nuser:1000:age\r\n$2\r\n30\r\n",
        ),
        (&["HDEL", "p", "user:1000:name"], ":1\r\n"),
        (
            &["HGETALL", "p"],
            "*16\r\n$6\r\nfield1\r\n$7\r\nvalue1x\r\n$6\r\nfield4\r\n$5\r\n12345\r\n$7\r\nfield10\r\n$5\r\n12346\r\n$4\r\nfiel\r\n$3\r\nval\r\n$1\r\nf\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n$15\r\nuser:1000:email\r\n$17\r\nalice@example.com\r\n$13\r\nuser:1000:age\r\n$2\r\n30\r\n",
        ),
        (
            &[
                "HSET", "q", "100000", "a", "100001", "b", "100002", "c", "100010", "d", "99999",
                "e",
            ],
            ":5\r\n",
        ),
        (&["HDEL", "q", "100000", "100002"], ":2\r\n"),
        (
            &["HGETALL", "q"],
            "*6\r\n$6\r\n100001\r\n$1\r\nb\r\n$6\r\n100010\r\n$1\r\nd\r\n$5\r\n99999\r\n$1\r\ne\r\n",
        ),
        (
            &[
                "HSET", "q", "100001", "100001", "100010", "100011", "99999", "100011",
            ],
            ":0\r\n",
        ),
        (
            &["HGETALL", "q"],
            "*6\r\n$6\r\n100001\r\n$6\r\n100001\r\n$6\r\n100010\r\n$6\r\n100011\r\n$5\r\n99999\r\n$6\r\n100011\r\n",
        ),
    ];
    // hincrby
    const HINCRBY: &[Case] = &[
        (&["HINCRBY", "i", "f", "1"], ":1\r\n"),
        (&["HINCRBY", "i", "f", "1"], ":2\r\n"),
        (&["HINCRBY", "i", "f", "-5"], ":-3\r\n"),
        (&["HINCRBY", "i", "f", "0"], ":-3\r\n"),
        (&["HGET", "i", "f"], "$2\r\n-3\r\n"),
        (
            &["HINCRBY", "i", "g", "9223372036854775807"],
            ":9223372036854775807\r\n",
        ),
        (
            &["HINCRBY", "i", "g", "1"],
            "-ERR increment or decrement would overflow\r\n",
        ),
        (&["HINCRBY", "i", "g", "-9223372036854775807"], ":0\r\n"),
        (&["HINCRBY", "i", "g", "-1"], ":-1\r\n"),
        (&["HINCRBY", "i", "g", "-1"], ":-2\r\n"),
        (&["HINCRBY", "i", "g", "-1"], ":-3\r\n"),
        (&["HGET", "i", "g"], "$2\r\n-3\r\n"),
        (&["HSET", "i", "min", "-9223372036854775808"], ":1\r\n"),
        (
            &["HINCRBY", "i", "min", "-1"],
            "-ERR increment or decrement would overflow\r\n",
        ),
        (&["HINCRBY", "i", "min", "1"], ":-9223372036854775807\r\n"),
        (
            &[
                "HSET", "i", "text", "abc", "lead", "01", "space", " 1", "float", "1.5", "empty",
                "",
            ],
            ":5\r\n",
        ),
        (
            &["HINCRBY", "i", "text", "1"],
            "-ERR hash value is not an integer\r\n",
        ),
        (
            &["HINCRBY", "i", "lead", "1"],
            "-ERR hash value is not an integer\r\n",
        ),
        (
            &["HINCRBY", "i", "space", "1"],
            "-ERR hash value is not an integer\r\n",
        ),
        (
            &["HINCRBY", "i", "float", "1"],
            "-ERR hash value is not an integer\r\n",
        ),
        (
            &["HINCRBY", "i", "empty", "1"],
            "-ERR hash value is not an integer\r\n",
        ),
        (
            &["HINCRBY", "i", "f", "abc"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["HINCRBY", "i", "f", "1.5"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["HINCRBY", "i", "f", ""],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["HINCRBY", "i", "f", "9223372036854775808"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["HINCRBY", "nokey2", "f", "abc"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (&["EXISTS", "nokey2"], ":0\r\n"),
        (&["HINCRBY", "newi", "f", "10"], ":10\r\n"),
        (&["HGETALL", "newi"], "*2\r\n$1\r\nf\r\n$2\r\n10\r\n"),
        (
            &["HGETALL", "i"],
            "*16\r\n$1\r\nf\r\n$2\r\n-3\r\n$1\r\ng\r\n$2\r\n-3\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$4\r\ntext\r\n$3\r\nabc\r\n$4\r\nlead\r\n$2\r\n01\r\n$5\r\nspace\r\n$2\r\n 1\r\n$5\r\nfloat\r\n$3\r\n1.5\r\n$5\r\nempty\r\n$0\r\n\r\n",
        ),
    ];
    // hincrbyfloat
    const HINCRBYFLOAT: &[Case] = &[
        (&["HINCRBYFLOAT", "fl", "f", "1.5"], "$3\r\n1.5\r\n"),
        (&["HINCRBYFLOAT", "fl", "f", "1.5"], "$1\r\n3\r\n"),
        (&["HINCRBYFLOAT", "fl", "f", "-3"], "$1\r\n0\r\n"),
        (&["HINCRBYFLOAT", "fl", "f", "0.1"], "$3\r\n0.1\r\n"),
        (&["HINCRBYFLOAT", "fl", "f", "0.2"], "$3\r\n0.3\r\n"),
        (
            &["HINCRBYFLOAT", "fl", "f", "1e3"],
            "$22\r\n1000.29999999999999999\r\n",
        ),
        (
            &["HINCRBYFLOAT", "fl", "g", "1.23456789012345678"],
            "$19\r\n1.23456789012345678\r\n",
        ),
        (&["HINCRBYFLOAT", "fl", "h", "10"], "$2\r\n10\r\n"),
        (&["HINCRBYFLOAT", "fl", "h", "-10"], "$1\r\n0\r\n"),
        (
            &["HINCRBYFLOAT", "fl", "f", "abc"],
            "-ERR value is not a valid float\r\n",
        ),
        (
            &["HINCRBYFLOAT", "fl", "f", "inf"],
            "-ERR value is NaN or Infinity\r\n",
        ),
        (
            &["HINCRBYFLOAT", "fl", "f", "-inf"],
            "-ERR value is NaN or Infinity\r\n",
        ),
        (
            &["HINCRBYFLOAT", "fl", "f", "nan"],
            "-ERR value is not a valid float\r\n",
        ),
        (
            &["HINCRBYFLOAT", "fl", "f", ""],
            "-ERR value is not a valid float\r\n",
        ),
        (
            &["HINCRBYFLOAT", "fl", "f", " 1"],
            "-ERR value is not a valid float\r\n",
        ),
        (
            &["HSET", "fl", "int", "100", "text", "abc", "inf", "inf"],
            ":3\r\n",
        ),
        (&["HINCRBYFLOAT", "fl", "int", "0.5"], "$5\r\n100.5\r\n"),
        (
            &["HINCRBYFLOAT", "fl", "text", "1"],
            "-ERR hash value is not a float\r\n",
        ),
        (
            &["HINCRBYFLOAT", "fl", "inf", "1"],
            "-ERR increment would produce NaN or Infinity\r\n",
        ),
        (
            &["HGETALL", "fl"],
            "*12\r\n$1\r\nf\r\n$22\r\n1000.29999999999999999\r\n$1\r\ng\r\n$19\r\n1.23456789012345678\r\n$1\r\nh\r\n$1\r\n0\r\n$3\r\nint\r\n$5\r\n100.5\r\n$4\r\ntext\r\n$3\r\nabc\r\n$3\r\ninf\r\n$3\r\ninf\r\n",
        ),
        (
            &["HINCRBYFLOAT", "nokey3", "f", "abc"],
            "-ERR value is not a valid float\r\n",
        ),
        (&["EXISTS", "nokey3"], ":0\r\n"),
    ];
    // hrandfield_fixed
    const HRANDFIELD_FIXED: &[Case] = &[
        (&["HRANDFIELD", "nokey"], "$-1\r\n"),
        (&["HRANDFIELD", "nokey", "5"], "*0\r\n"),
        (&["HRANDFIELD", "nokey", "-5"], "*0\r\n"),
        (&["HRANDFIELD", "nokey", "0"], "*0\r\n"),
        (&["HRANDFIELD", "nokey", "5", "WITHVALUES"], "*0\r\n"),
        (
            &["HRANDFIELD", "nokey", "5", "bad"],
            "-ERR syntax error\r\n",
        ),
        (
            &["HRANDFIELD", "nokey", "x"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &[
                "HSET", "r", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5",
            ],
            ":5\r\n",
        ),
        (&["HRANDFIELD", "r", "0"], "*0\r\n"),
        (&["HRANDFIELD", "r", "0", "WITHVALUES"], "*0\r\n"),
        (
            &["HRANDFIELD", "r", "5"],
            "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
        ),
        (
            &["HRANDFIELD", "r", "6"],
            "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
        ),
        (
            &["HRANDFIELD", "r", "100", "WITHVALUES"],
            "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n",
        ),
        (
            &["HRANDFIELD", "r", "9223372036854775807"],
            "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
        ),
        (
            &["HRANDFIELD", "r", "x"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["HRANDFIELD", "r", "1.5"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["HRANDFIELD", "r", "1", "WITHVALUE"],
            "-ERR syntax error\r\n",
        ),
        (
            &["HRANDFIELD", "r", "1", "WITHVALUES", "extra"],
            "-ERR syntax error\r\n",
        ),
        (
            &["HRANDFIELD", "r", "-9223372036854775808"],
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
        ),
        (
            &["HRANDFIELD", "r", "-9223372036854775808", "WITHVALUES"],
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
        ),
        (
            &["HRANDFIELD", "r", "4611686018427387904", "WITHVALUES"],
            "-ERR value is out of range\r\n",
        ),
        (
            &["HRANDFIELD", "r", "-4611686018427387904", "WITHVALUES"],
            "-ERR value is out of range\r\n",
        ),
        (&["SET", "str", "v"], "+OK\r\n"),
        (
            &["HRANDFIELD", "str"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HRANDFIELD", "str", "0"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (&["HRANDFIELD", "str", "1", "bad"], "-ERR syntax error\r\n"),
        (
            &["HRANDFIELD", "str", "x"],
            "-ERR value is not an integer or out of range\r\n",
        ),
    ];
    // hscan_listpack
    const HSCAN_LISTPACK: &[Case] = &[
        (&["HSCAN", "nokey", "0"], "*2\r\n$1\r\n0\r\n*0\r\n"),
        (
            &["HSCAN", "nokey", "0", "COUNT", "0"],
            "*2\r\n$1\r\n0\r\n*0\r\n",
        ),
        (&["HSCAN", "nokey", "0", "BOGUS"], "*2\r\n$1\r\n0\r\n*0\r\n"),
        (&["HSCAN", "nokey", "x"], "-ERR invalid cursor\r\n"),
        (
            &[
                "HSET", "sc", "a", "1", "b", "2", "c", "3", "key1", "x", "key2", "y", "other", "z",
            ],
            ":6\r\n",
        ),
        (
            &["HSCAN", "sc", "0"],
            "*2\r\n$1\r\n0\r\n*12\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$4\r\nkey1\r\n$1\r\nx\r\n$4\r\nkey2\r\n$1\r\ny\r\n$5\r\nother\r\n$1\r\nz\r\n",
        ),
        (
            &["HSCAN", "sc", "0", "COUNT", "1"],
            "*2\r\n$1\r\n0\r\n*12\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$4\r\nkey1\r\n$1\r\nx\r\n$4\r\nkey2\r\n$1\r\ny\r\n$5\r\nother\r\n$1\r\nz\r\n",
        ),
        (
            &["HSCAN", "sc", "0", "MATCH", "key*"],
            "*2\r\n$1\r\n0\r\n*4\r\n$4\r\nkey1\r\n$1\r\nx\r\n$4\r\nkey2\r\n$1\r\ny\r\n",
        ),
        (
            &["HSCAN", "sc", "0", "match", "k*y?", "count", "100"],
            "*2\r\n$1\r\n0\r\n*4\r\n$4\r\nkey1\r\n$1\r\nx\r\n$4\r\nkey2\r\n$1\r\ny\r\n",
        ),
        (
            &["HSCAN", "sc", "0", "MATCH", "*"],
            "*2\r\n$1\r\n0\r\n*12\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$4\r\nkey1\r\n$1\r\nx\r\n$4\r\nkey2\r\n$1\r\ny\r\n$5\r\nother\r\n$1\r\nz\r\n",
        ),
        (
            &["HSCAN", "sc", "0", "MATCH", "nomatch*"],
            "*2\r\n$1\r\n0\r\n*0\r\n",
        ),
        (
            &["HSCAN", "sc", "123"],
            "*2\r\n$1\r\n0\r\n*12\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$4\r\nkey1\r\n$1\r\nx\r\n$4\r\nkey2\r\n$1\r\ny\r\n$5\r\nother\r\n$1\r\nz\r\n",
        ),
        (
            &["HSCAN", "sc", "-1"],
            "*2\r\n$1\r\n0\r\n*12\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$4\r\nkey1\r\n$1\r\nx\r\n$4\r\nkey2\r\n$1\r\ny\r\n$5\r\nother\r\n$1\r\nz\r\n",
        ),
        (
            &["HSCAN", "sc", "18446744073709551616"],
            "-ERR invalid cursor\r\n",
        ),
        (&["HSCAN", "sc", "abc"], "-ERR invalid cursor\r\n"),
        (&["HSCAN", "sc", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
        (
            &["HSCAN", "sc", "0", "COUNT", "-1"],
            "-ERR syntax error\r\n",
        ),
        (
            &["HSCAN", "sc", "0", "COUNT", "abc"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (&["HSCAN", "sc", "0", "COUNT"], "-ERR syntax error\r\n"),
        (&["HSCAN", "sc", "0", "MATCH"], "-ERR syntax error\r\n"),
        (
            &["HSCAN", "sc", "0", "TYPE", "string"],
            "-ERR syntax error\r\n",
        ),
        (&["HSCAN", "sc", "0", "NOVALUES"], "-ERR syntax error\r\n"),
        (&["SET", "str", "v"], "+OK\r\n"),
        (
            &["HSCAN", "str", "0"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (&["HSCAN", "str", "x"], "-ERR invalid cursor\r\n"),
        (
            &["HSCAN", "str", "0", "COUNT", "0"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
    ];
    // wrongtype
    const WRONGTYPE: &[Case] = &[
        (&["SET", "str", "v"], "+OK\r\n"),
        (
            &["HSET", "str", "f", "v"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HSET", "str", "f", "v", "g"],
            "-ERR wrong number of arguments for 'hset' command\r\n",
        ),
        (
            &["HSETNX", "str", "f", "v"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HMSET", "str", "f", "v"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HGET", "str", "f"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HMGET", "str", "f"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HDEL", "str", "f"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HLEN", "str"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HSTRLEN", "str", "f"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HEXISTS", "str", "f"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HKEYS", "str"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HVALS", "str"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HGETALL", "str"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HINCRBY", "str", "f", "1"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HINCRBY", "str", "f", "x"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["HINCRBYFLOAT", "str", "f", "1"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HINCRBYFLOAT", "str", "f", "x"],
            "-ERR value is not a valid float\r\n",
        ),
        (
            &["HRANDFIELD", "str", "1"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (
            &["HSCAN", "str", "0"],
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        (&["GET", "str"], "$1\r\nv\r\n"),
    ];
    // conversions
    const CONVERSIONS: &[Case] = &[
        (
            &["CONFIG", "SET", "hash-max-listpack-entries", "4"],
            "+OK\r\n",
        ),
        (
            &["HSET", "c4", "a", "1", "b", "2", "c", "3", "d", "4"],
            ":4\r\n",
        ),
        (&["OBJECT", "ENCODING", "c4"], "$8\r\nlistpack\r\n"),
        (&["HSET", "c4", "a", "10"], ":0\r\n"),
        (&["OBJECT", "ENCODING", "c4"], "$8\r\nlistpack\r\n"),
        (&["HSET", "c4", "e", "5"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "c4"], "$9\r\nhashtable\r\n"),
        (&["HLEN", "c4"], ":5\r\n"),
        (&["HGET", "c4", "a"], "$2\r\n10\r\n"),
        (
            &["HMGET", "c4", "a", "e", "nope"],
            "*3\r\n$2\r\n10\r\n$1\r\n5\r\n$-1\r\n",
        ),
        (&["HDEL", "c4", "a", "b", "c", "d"], ":4\r\n"),
        (&["OBJECT", "ENCODING", "c4"], "$9\r\nhashtable\r\n"),
        (&["HGETALL", "c4"], "*2\r\n$1\r\ne\r\n$1\r\n5\r\n"),
        (&["HDEL", "c4", "e"], ":1\r\n"),
        (&["EXISTS", "c4"], ":0\r\n"),
        (&["HSET", "c5", "a", "1", "b", "2", "c", "3"], ":3\r\n"),
        (&["HSETNX", "c5", "d", "4"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "c5"], "$8\r\nlistpack\r\n"),
        (&["HSETNX", "c5", "e", "5"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "c5"], "$9\r\nhashtable\r\n"),
        (
            &["HSET", "c6", "a", "1", "b", "2", "c", "3", "d", "4"],
            ":4\r\n",
        ),
        (&["HINCRBY", "c6", "e", "1"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "c6"], "$9\r\nhashtable\r\n"),
        (
            &["HSET", "c7", "a", "1", "b", "2", "c", "3", "d", "4"],
            ":4\r\n",
        ),
        (&["HINCRBYFLOAT", "c7", "e", "1.5"], "$3\r\n1.5\r\n"),
        (&["OBJECT", "ENCODING", "c7"], "$9\r\nhashtable\r\n"),
        (
            &["HSET", "c9", "a", "1", "b", "2", "c", "3", "d", "4"],
            ":4\r\n",
        ),
        (&["OBJECT", "ENCODING", "c9"], "$8\r\nlistpack\r\n"),
        (
            &["CONFIG", "SET", "hash-max-listpack-entries", "0"],
            "+OK\r\n",
        ),
        (&["HSET", "c10", "a", "1"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "c10"], "$9\r\nhashtable\r\n"),
        (
            &["CONFIG", "SET", "hash-max-listpack-entries", "128"],
            "+OK\r\n",
        ),
        (
            &["CONFIG", "SET", "hash-max-listpack-value", "8"],
            "+OK\r\n",
        ),
        (&["HSET", "v8", "f", "12345678"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v8"], "$8\r\nlistpack\r\n"),
        (&["HSET", "v8", "g", "123456789"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v8"], "$9\r\nhashtable\r\n"),
        (&["HSET", "v9", "12345678", "v"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v9"], "$8\r\nlistpack\r\n"),
        (&["HSET", "v9", "123456789", "v"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v9"], "$9\r\nhashtable\r\n"),
        (&["HSET", "v10", "a", "1", "b", "2"], ":2\r\n"),
        (&["HSETNX", "v10", "c", "123456789"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v10"], "$9\r\nhashtable\r\n"),
        (&["HSET", "v11", "a", "1"], ":1\r\n"),
        (&["HINCRBY", "v11", "abcdefghi", "1"], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v11"], "$9\r\nhashtable\r\n"),
        (&["HSET", "v12", "a", "1"], ":1\r\n"),
        (&["HINCRBY", "v12", "a", "123456789"], ":123456790\r\n"),
        (&["OBJECT", "ENCODING", "v12"], "$9\r\nhashtable\r\n"),
        (&["HSET", "v13", "a", "1"], ":1\r\n"),
        (
            &["HINCRBYFLOAT", "v13", "a", "0.123456789"],
            "$11\r\n1.123456789\r\n",
        ),
        (&["OBJECT", "ENCODING", "v13"], "$9\r\nhashtable\r\n"),
        (&["HGET", "v13", "a"], "$11\r\n1.123456789\r\n"),
        (&["HSET", "v14", "a", "1"], ":1\r\n"),
        (&["HSETNX", "v14", "a", "123456789"], ":0\r\n"),
        (&["OBJECT", "ENCODING", "v14"], "$8\r\nlistpack\r\n"),
        (
            &["CONFIG", "SET", "hash-max-listpack-value", "0"],
            "+OK\r\n",
        ),
        (&["HSET", "v15", "", ""], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v15"], "$8\r\nlistpack\r\n"),
        (&["HSET", "v15", "a", ""], ":1\r\n"),
        (&["OBJECT", "ENCODING", "v15"], "$9\r\nhashtable\r\n"),
        (
            &["CONFIG", "SET", "hash-max-listpack-value", "64"],
            "+OK\r\n",
        ),
    ];
    // resp3
    const RESP3: &[Case] = &[
        (&["HSET", "h", "a", "1", "b", "2", "c", "3"], ":3\r\n"),
        (
            &["HGETALL", "h"],
            "%3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
        ),
        (&["HGETALL", "nokey"], "%0\r\n"),
        (&["HKEYS", "nokey"], "*0\r\n"),
        (&["HVALS", "nokey"], "*0\r\n"),
        (&["HKEYS", "h"], "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (&["HVALS", "h"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (&["HGET", "h", "nope"], "_\r\n"),
        (&["HGET", "nokey", "f"], "_\r\n"),
        (&["HMGET", "h", "a", "nope"], "*2\r\n$1\r\n1\r\n_\r\n"),
        (&["HMGET", "nokey", "a", "b"], "*2\r\n_\r\n_\r\n"),
        (&["HRANDFIELD", "nokey"], "_\r\n"),
        (&["HRANDFIELD", "nokey", "3"], "*0\r\n"),
        (&["HRANDFIELD", "nokey", "3", "WITHVALUES"], "*0\r\n"),
        (
            &["HRANDFIELD", "h", "3", "WITHVALUES"],
            "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
        ),
        (
            &["HRANDFIELD", "h", "10", "WITHVALUES"],
            "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
        ),
        (&["HRANDFIELD", "h", "0", "WITHVALUES"], "*0\r\n"),
        (
            &["HRANDFIELD", "h", "10"],
            "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
        ),
        (
            &["HSCAN", "h", "0"],
            "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
        ),
        (&["HSCAN", "nokey", "0"], "*2\r\n$1\r\n0\r\n*0\r\n"),
        (&["HINCRBYFLOAT", "h", "new", "2.5"], "$3\r\n2.5\r\n"),
        (&["HINCRBY", "h", "newint", "2"], ":2\r\n"),
        (&["HEXISTS", "h", "a"], ":1\r\n"),
        (&["HLEN", "h"], ":5\r\n"),
        (&["HSTRLEN", "h", "a"], ":1\r\n"),
        (&["HSET", "h3", "a", "1"], ":1\r\n"),
        (&["HMSET", "h3", "b", "2"], "+OK\r\n"),
        (
            &["HGETALL", "h3"],
            "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
        ),
    ];

    #[test]
    fn basics() {
        check(&mut Harness::new(), BASICS);
    }

    #[test]
    fn arity() {
        check(&mut Harness::new(), ARITY);
    }

    #[test]
    fn hmget_hdel() {
        check(&mut Harness::new(), HMGET_HDEL);
    }

    #[test]
    fn lengths() {
        check(&mut Harness::new(), LENGTHS);
    }

    #[test]
    fn integers() {
        check(&mut Harness::new(), INTEGERS);
    }

    #[test]
    fn prefixes() {
        check(&mut Harness::new(), PREFIXES);
    }

    #[test]
    fn hincrby() {
        check(&mut Harness::new(), HINCRBY);
    }

    #[test]
    fn hincrbyfloat() {
        check(&mut Harness::new(), HINCRBYFLOAT);
    }

    #[test]
    fn hrandfield_fixed() {
        check(&mut Harness::new(), HRANDFIELD_FIXED);
    }

    #[test]
    fn hscan_listpack() {
        check(&mut Harness::new(), HSCAN_LISTPACK);
    }

    #[test]
    fn wrongtype() {
        check(&mut Harness::new(), WRONGTYPE);
    }

    #[test]
    fn conversions() {
        check(&mut Harness::new(), CONVERSIONS);
    }

    #[test]
    fn resp3() {
        check(&mut h3(), RESP3);
    }

    /// The bulk strings of a reply, in order (nested arrays flattened).
    fn bulks(reply: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut lines = reply.split("\r\n");
        while let Some(l) = lines.next() {
            if l.starts_with('$') {
                out.push(lines.next().unwrap_or("").to_string());
            }
        }
        out
    }

    /// HSET `key` f0 v0 f1 v1 ... (n pairs).
    fn fill(h: &mut Harness, key: &str, n: usize) {
        let mut argv = vec!["HSET".to_string(), key.to_string()];
        for i in 0..n {
            argv.push(format!("f{i}"));
            argv.push(format!("v{i}"));
        }
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        assert_eq!(h.run(&refs), format!(":{n}\r\n"));
    }

    fn value_of(field: &str) -> String {
        field.replacen('f', "v", 1)
    }

    #[test]
    fn hrandfield_shapes_and_cases() {
        for (n, enc) in [(5usize, "listpack"), (40, "hashtable"), (300, "hashtable")] {
            let mut h = Harness::new();
            h.srv.config.hash_max_listpack_entries = 16;
            fill(&mut h, "k", n);
            assert_eq!(
                h.run(&["OBJECT", "ENCODING", "k"]),
                format!("${}\r\n{enc}\r\n", enc.len())
            );
            assert!(h.run(&["HRANDFIELD", "k"]).starts_with('$'));
            // Distinct fields: one pick, subsets (Redis's cases 2.5, 3 and
            // 4) and the whole hash.
            for count in [1, 2, n / 2, n - 1, n, n + 10] {
                let want = count.min(n);
                let r = h.run(&["HRANDFIELD", "k", &count.to_string()]);
                assert!(r.starts_with(&format!("*{want}\r\n")), "{r}");
                let got = bulks(&r);
                assert_eq!(got.len(), want);
                assert_eq!(got.iter().collect::<HashSet<_>>().len(), want);
                let r = h.run(&["HRANDFIELD", "k", &count.to_string(), "WITHVALUES"]);
                assert!(r.starts_with(&format!("*{}\r\n", 2 * want)), "{r}");
                for p in bulks(&r).chunks(2) {
                    assert_eq!(p[1], value_of(&p[0]));
                }
            }
            // Repeats with a negative count; every field shows up.
            let r = h.run(&["HRANDFIELD", "k", "-3000"]);
            assert!(r.starts_with("*3000\r\n"));
            let got = bulks(&r);
            assert_eq!(got.len(), 3000);
            if n <= 40 {
                assert_eq!(got.iter().collect::<HashSet<_>>().len(), n);
            }
            let r = h.run(&["HRANDFIELD", "k", "-7", "WITHVALUES"]);
            assert!(r.starts_with("*14\r\n"));
            for p in bulks(&r).chunks(2) {
                assert_eq!(p[1], value_of(&p[0]));
            }
            // RESP3 nests each pair.
            h.c.reply.resp3 = true;
            let r = h.run(&["HRANDFIELD", "k", "-3", "WITHVALUES"]);
            assert!(r.starts_with("*3\r\n*2\r\n$"), "{r}");
            assert_eq!(r.matches("*2\r\n").count(), 3);
            let r = h.run(&["HRANDFIELD", "k", "2", "WITHVALUES"]);
            assert!(r.starts_with("*2\r\n*2\r\n$"), "{r}");
            let r = h.run(&["HRANDFIELD", "k", "1", "WITHVALUES"]);
            assert!(r.starts_with("*1\r\n*2\r\n$"), "{r}");
            let r = h.run(&["HRANDFIELD", "k", "-2"]);
            assert!(r.starts_with("*2\r\n$"), "{r}");
        }
    }

    #[test]
    fn hscan_hashtable_visits_everything() {
        let mut h = Harness::new();
        h.srv.config.hash_max_listpack_entries = 16;
        fill(&mut h, "k", 500);
        let mut seen = HashSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let r = h.run(&["HSCAN", "k", &cursor, "COUNT", "7"]);
            assert!(r.starts_with("*2\r\n$"), "{r}");
            let items = bulks(&r);
            cursor = items[0].clone();
            for p in items[1..].chunks(2) {
                assert_eq!(p[1], value_of(&p[0]));
                seen.insert(p[0].clone());
            }
            calls += 1;
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 500);
        assert!(calls > 20, "{calls} calls");
        // MATCH filters on fields; a big COUNT walks the whole table.
        let r = h.run(&["HSCAN", "k", "0", "COUNT", "100000", "MATCH", "f1*"]);
        let items = bulks(&r);
        assert_eq!(items[0], "0");
        assert_eq!(items.len(), 1 + 2 * 111);
        assert!(items[1..].chunks(2).all(|p| p[0].starts_with("f1")));
        // COUNT is looked at only after the key.
        assert_eq!(
            h.run(&["HSCAN", "k", "0", "COUNT", "0"]),
            "-ERR syntax error\r\n"
        );
    }

    #[test]
    fn hashtable_reads_and_writes() {
        let mut h = Harness::new();
        h.srv.config.hash_max_listpack_entries = 8;
        fill(&mut h, "k", 100);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$9\r\nhashtable\r\n");
        assert_eq!(h.run(&["HLEN", "k"]), ":100\r\n");
        assert_eq!(h.run(&["HGET", "k", "f42"]), "$3\r\nv42\r\n");
        assert_eq!(h.run(&["HSTRLEN", "k", "f42"]), ":3\r\n");
        assert_eq!(h.run(&["HEXISTS", "k", "f42"]), ":1\r\n");
        assert_eq!(h.run(&["HSET", "k", "f42", "x", "new", "y"]), ":1\r\n");
        assert_eq!(h.run(&["HINCRBY", "k", "n", "5"]), ":5\r\n");
        assert_eq!(h.run(&["HINCRBYFLOAT", "k", "n", "0.5"]), "$3\r\n5.5\r\n");
        assert_eq!(
            h.run(&["HINCRBY", "k", "n", "1"]),
            "-ERR hash value is not an integer\r\n"
        );
        let all = bulks(&h.run(&["HGETALL", "k"]));
        assert_eq!(all.len(), 2 * 102);
        let keys = bulks(&h.run(&["HKEYS", "k"]));
        let vals = bulks(&h.run(&["HVALS", "k"]));
        assert_eq!(keys.len(), 102);
        assert_eq!(vals.len(), 102);
        // Same order across HKEYS, HVALS and HGETALL.
        for (i, p) in all.chunks(2).enumerate() {
            assert_eq!((&p[0], &p[1]), (&keys[i], &vals[i]));
        }
        let mut argv = vec!["HDEL", "k"];
        let fields: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        argv.extend(fields.iter().map(String::as_str));
        assert_eq!(h.run(&argv), ":100\r\n");
        assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$9\r\nhashtable\r\n");
        assert_eq!(h.run(&["HDEL", "k", "new", "n"]), ":2\r\n");
        assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
    }

    #[test]
    fn stats_and_dirty_follow_redis() {
        let mut h = Harness::new();
        let dirty = |h: &Harness| h.srv.ks.dirty;
        let d0 = dirty(&h);
        let steps: &[(&[&str], u64)] = &[
            (&["HSET", "k", "a", "1", "b", "2", "a", "3"], 3),
            (&["HSETNX", "k", "a", "1"], 0),
            (&["HSETNX", "k", "c", "1"], 1),
            (&["HDEL", "k", "a", "nope", "b"], 2),
            (&["HINCRBY", "k", "c", "1"], 1),
            (&["HINCRBY", "k", "c", "x"], 0),
            (&["HINCRBYFLOAT", "k", "c", "1.5"], 1),
            (&["HDEL", "k", "c"], 1),
            (&["HDEL", "k", "c"], 0),
            (&["HMSET", "k", "a", "1", "b", "2"], 2),
        ];
        let mut want = d0;
        for (argv, n) in steps {
            h.run(argv);
            want += n;
            assert_eq!(dirty(&h), want, "{argv:?}");
        }
        let s = &h.srv.ks.stats;
        assert_eq!((s.keyspace_hits, s.keyspace_misses), (0, 0));
        for argv in [
            &["HGET", "k", "a"][..],
            &["HGET", "k", "zz"],
            &["HGET", "nokey", "a"],
            &["HLEN", "k"],
            &["HSCAN", "k", "0"],
            &["HRANDFIELD", "k"],
            &["HRANDFIELD", "nokey", "2"],
            &["HEXISTS", "k", "a"],
            &["HMGET", "nokey", "a"],
        ] {
            h.run(argv);
        }
        let s = &h.srv.ks.stats;
        assert_eq!((s.keyspace_hits, s.keyspace_misses), (6, 3));
    }

    #[test]
    fn binary_safe() {
        let mut h = Harness::new();
        let f: &[u8] = b"\x00\xff\x01";
        let v: &[u8] = b"\x00val\r\n\x00";
        assert_eq!(h.run_bytes(&[b"HSET", b"k", f, v, b"", b""]), b":2\r\n");
        assert_eq!(
            h.run_bytes(&[b"HGET", b"k", f]),
            b"$7\r\n\x00val\r\n\x00\r\n"
        );
        assert_eq!(
            h.run_bytes(&[b"HGETALL", b"k"]),
            b"*4\r\n$3\r\n\x00\xff\x01\r\n$7\r\n\x00val\r\n\x00\r\n$0\r\n\r\n$0\r\n\r\n"
        );
        assert_eq!(h.run_bytes(&[b"HDEL", b"k", b"\x00\xff"]), b":0\r\n");
        // Option words end at a NUL, as with Redis's strcasecmp.
        assert_eq!(
            h.run_bytes(&[b"HSCAN", b"k", b"0", b"COUNT\x00x", b"5", b"MATCH\x00", b"*"]),
            b"*2\r\n$1\r\n0\r\n*4\r\n$3\r\n\x00\xff\x01\r\n$7\r\n\x00val\r\n\x00\r\n$0\r\n\r\n$0\r\n\r\n"
        );
        assert!(
            h.run_bytes(&[b"HRANDFIELD", b"k", b"1", b"withvalues\x00!"])
                .starts_with(b"*2\r\n")
        );
    }

    #[test]
    fn expired_keys_are_gone() {
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        h.run(&["HSET", "k", "a", "1"]);
        h.run(&["PEXPIRE", "k", "100"]);
        assert_eq!(h.run(&["HGET", "k", "a"]), "$1\r\n1\r\n");
        h.now = Some(1_000_200);
        assert_eq!(h.run(&["HGET", "k", "a"]), "$-1\r\n");
        // A write recreates it without the old TTL.
        h.now = Some(1_000_000);
        h.run(&["HSET", "t", "a", "1"]);
        h.run(&["PEXPIRE", "t", "100"]);
        h.now = Some(1_000_200);
        assert_eq!(h.run(&["HSET", "t", "b", "2"]), ":1\r\n");
        assert_eq!(h.run(&["HGETALL", "t"]), "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
        assert_eq!(h.run(&["PTTL", "t"]), ":-1\r\n");
        // Writes keep the TTL of a live key.
        h.run(&["PEXPIRE", "t", "5000"]);
        h.run(&["HSET", "t", "c", "3"]);
        h.run(&["HDEL", "t", "b"]);
        h.run(&["HINCRBY", "t", "n", "1"]);
        assert_eq!(h.run(&["PTTL", "t"]), ":5000\r\n");
    }

    #[test]
    fn huge_negative_counts_stream() {
        let mut h = Harness::new();
        h.run(&["HSET", "k", "a", "1"]);
        let r = h.run(&["HRANDFIELD", "k", "-200000", "WITHVALUES"]);
        assert!(r.starts_with("*400000\r\n"));
        assert_eq!(
            r.len(),
            "*400000\r\n".len() + 200_000 * "$1\r\na\r\n$1\r\n1\r\n".len()
        );
    }

    #[test]
    fn more_pairs_than_entries_converts_first() {
        // Redis 7.2 (not 7.0) converts before writing when an HSET carries
        // more pairs than hash-max-listpack-entries, repeats included.
        let mut h = Harness::new();
        h.srv.config.hash_max_listpack_entries = 4;
        assert_eq!(
            h.run(&[
                "HSET", "k", "a", "1", "a", "2", "a", "3", "a", "4", "a", "5"
            ]),
            ":1\r\n"
        );
        assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$9\r\nhashtable\r\n");
        assert_eq!(h.run(&["HGETALL", "k"]), "*2\r\n$1\r\na\r\n$1\r\n5\r\n");
        assert_eq!(
            h.run(&["HSET", "j", "a", "1", "a", "2", "a", "3", "a", "4"]),
            ":1\r\n"
        );
        assert_eq!(h.run(&["OBJECT", "ENCODING", "j"]), "$8\r\nlistpack\r\n");
    }
}
