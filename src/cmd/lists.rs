//! List commands (Redis 7.2 semantics and replies): pushes and pops at both
//! ends, index access, LINSERT / LSET / LREM / LTRIM, LPOS, LMOVE and
//! RPOPLPUSH, LMPOP. The blocking variants (src/cmd/blocking.rs) reuse the
//! typed pieces here: [`parse_side`], [`parse_mpop`] / [`mpop`],
//! [`move_element`], [`reply_elem`].
//!
//! Encoding conversions happen where Redis 7.2 calls
//! listTypeTryConversion: [`ListValue::grow_check`] before adding elements
//! (even when the add then fails, as in LINSERT with a missing pivot or
//! LSET out of range) and [`ListValue::shrink_check`] after removing some.
//!
//! Option words are matched as Redis matches them: ASCII case-insensitive,
//! up to the first NUL byte.

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
use crate::db::notify::{GENERIC, LIST};
use crate::error;
use crate::resp::ReplyBuf;
use crate::types::Value;
use crate::types::list::{Elem, ListValue, OwnedElem};
use crate::util::num;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("lpush", -3, WRITE | DENYOOM | FAST, lpush).keys(1, 1, 1),
    Cmd::new("rpush", -3, WRITE | DENYOOM | FAST, rpush).keys(1, 1, 1),
    Cmd::new("lpushx", -3, WRITE | DENYOOM | FAST, lpushx).keys(1, 1, 1),
    Cmd::new("rpushx", -3, WRITE | DENYOOM | FAST, rpushx).keys(1, 1, 1),
    Cmd::new("lpop", -2, WRITE | FAST, lpop).keys(1, 1, 1),
    Cmd::new("rpop", -2, WRITE | FAST, rpop).keys(1, 1, 1),
    Cmd::new("llen", 2, READONLY | FAST, llen).keys(1, 1, 1),
    Cmd::new("lrange", 4, READONLY, lrange).keys(1, 1, 1),
    Cmd::new("lindex", 3, READONLY, lindex).keys(1, 1, 1),
    Cmd::new("lset", 4, WRITE | DENYOOM, lset).keys(1, 1, 1),
    Cmd::new("linsert", 5, WRITE | DENYOOM, linsert).keys(1, 1, 1),
    Cmd::new("lrem", 4, WRITE, lrem).keys(1, 1, 1),
    Cmd::new("ltrim", 4, WRITE, ltrim).keys(1, 1, 1),
    Cmd::new("lpos", -3, READONLY, lpos).keys(1, 1, 1),
    Cmd::new("lmove", 5, WRITE | DENYOOM, lmove).keys(1, 2, 1),
    Cmd::new("rpoplpush", 3, WRITE | DENYOOM, rpoplpush).keys(1, 2, 1),
    // Keys follow numkeys (Redis: movablekeys, legacy range 0 0 0).
    Cmd::new("lmpop", -4, WRITE, lmpop),
];

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// Where a list command runs: the database, the command's clock and the
/// current `list-max-listpack-size`.
#[derive(Debug, Clone, Copy)]
pub struct Env {
    pub db: usize,
    pub now: i64,
    pub fill: i64,
}

impl Env {
    pub fn of(ctx: &Ctx) -> Env {
        Env {
            db: ctx.c.db,
            now: ctx.now,
            fill: ctx.srv.config.list_max_listpack_size,
        }
    }
}

/// True if the option word `arg` is `name` (lower case): ASCII
/// case-insensitive, up to the first NUL (Redis's strcasecmp on sds).
fn opt_is(arg: &[u8], name: &str) -> bool {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg[..end].eq_ignore_ascii_case(name.as_bytes())
}

/// LEFT / RIGHT (LMOVE, LMPOP, BLMOVE): Some(true) for LEFT (the head).
pub fn parse_side(arg: &[u8]) -> Option<bool> {
    if opt_is(arg, "left") {
        Some(true)
    } else if opt_is(arg, "right") {
        Some(false)
    } else {
        None
    }
}

/// One element as a bulk string.
#[inline]
pub fn reply_elem(out: &mut ReplyBuf, e: Elem) {
    match e {
        Elem::Int(v) => out.bulk_i64(v),
        Elem::Str(s) => out.bulk(s),
    }
}

/// `n` elements from position `from` (toward the head if `rev`), as an
/// array, written straight from the packed nodes.
fn reply_range(out: &mut ReplyBuf, l: &ListValue, from: usize, n: usize, rev: bool) {
    out.array(n);
    out.buf.reserve(n * 8);
    for e in l.iter_at(from, rev).take(n) {
        reply_elem(out, e);
    }
}

/// The write epilogue after changing the list at `key`: deletes the key if
/// the list is now empty, signals the change once and counts `dirty`
/// changes (Redis counts one per element pushed or removed).
fn finish(ks: &mut Keyspace, db: usize, key: &[u8], empty: bool, dirty: u64) {
    if empty {
        ks.delete(db, key);
        ks.notify(GENERIC, "del", db, key);
    } else {
        ks.signal_modified(db, key);
    }
    // Both paths above counted exactly one change.
    ks.dirty = ks.dirty - 1 + dirty;
}

/// The list at `key` for a command that writes: Ok(None) when missing,
/// Err(()) for another type. Lazy expiry, no hit/miss stats.
fn write_list<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k mut ListValue>, ()> {
    match ks.lookup_write(db, key, now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(()),
    }
}

/// The list at `key` for a read-only command (hit/miss stats counted).
fn read_list<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k ListValue>, ()> {
    match ks.lookup_read(db, key, now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(()),
    }
}

/// Redis's range clamping for LRANGE and friends: inclusive `start..=end`,
/// negative indexes from the tail. Some((first position, count)), or None
/// when the range is empty.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    let end = end.min(len - 1);
    Some((start as usize, (end - start + 1) as usize))
}

// ---------------------------------------------------------------------------
// Pushes
// ---------------------------------------------------------------------------

/// Pushes `elems` at the head (`left`) or tail of the list at `key`,
/// creating it unless `xx` (the X variants). Returns the new length (0 for
/// a missing key with `xx`); Err for another type.
fn push_generic(
    ks: &mut Keyspace,
    env: Env,
    key: &[u8],
    elems: &[&[u8]],
    left: bool,
    xx: bool,
) -> Result<usize, ()> {
    let Env { db, now, fill } = env;
    let n = elems.len() as u64;
    match write_list(ks, db, key, now)? {
        Some(l) => {
            l.push_all(elems, left, fill);
            let len = l.len();
            ks.notify(LIST, if left { "lpush" } else { "rpush" }, db, key);
            finish(ks, db, key, false, n);
            Ok(len)
        }
        None if xx => Ok(0),
        None => {
            let mut l = ListValue::with_capacity_for(elems);
            l.push_all(elems, left, fill);
            let len = l.len();
            ks.set(db, key, Value::List(Box::new(l)), false);
            ks.notify(LIST, if left { "lpush" } else { "rpush" }, db, key);
            ks.dirty = ks.dirty - 1 + n;
            Ok(len)
        }
    }
}

fn push_and_reply(ctx: &mut Ctx, argv: &[&[u8]], left: bool, xx: bool) {
    let env = Env::of(ctx);
    match push_generic(&mut ctx.srv.ks, env, argv[1], &argv[2..], left, xx) {
        Ok(len) => ctx.c.reply.int(len as i64),
        Err(()) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// LPUSH key element [element ...]
fn lpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_and_reply(ctx, argv, true, false);
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_and_reply(ctx, argv, false, false);
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_and_reply(ctx, argv, true, true);
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_and_reply(ctx, argv, false, true);
}

// ---------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------

/// Replies with up to `count` elements popped from the head (`left`) or
/// tail of `l` (from the tail they come in pop order, last first), removes
/// them, and returns how many went. Redis's listPopRange... without the
/// keyspace epilogue, for LPOP/RPOP with a count, LMPOP and a future BLMPOP.
pub fn pop_range(
    out: &mut ReplyBuf,
    l: &mut ListValue,
    left: bool,
    count: usize,
    fill: i64,
) -> usize {
    let len = l.len();
    let n = count.min(len);
    if n == 0 {
        out.array(0);
        return 0;
    }
    if left {
        reply_range(out, l, 0, n, false);
        l.trim(n, 0);
    } else {
        reply_range(out, l, len - 1, n, true);
        l.trim(0, n);
    }
    if !l.is_empty() {
        l.shrink_check(fill);
    }
    n
}

/// LPOP / RPOP key [count]
fn pop_generic(ctx: &mut Ctx, argv: &[&[u8]], left: bool) {
    if argv.len() > 3 {
        ctx.c.reply.error(&error::wrong_arity(ctx.cmd.name));
        return;
    }
    let count = match argv.get(2) {
        None => None,
        Some(arg) => match num::parse_i64(arg) {
            Some(v) if v >= 0 => Some(v as u64),
            _ => {
                ctx.c.reply.error(error::NOT_POSITIVE);
                return;
            }
        },
    };
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    let key = argv[1];
    let ks = &mut ctx.srv.ks;
    let out = &mut ctx.c.reply;
    let l = match write_list(ks, db, key, ctx.now) {
        Ok(Some(l)) => l,
        Ok(None) if count.is_some() => return out.null_array(),
        Ok(None) => return out.null(),
        Err(()) => return out.error(error::WRONGTYPE),
    };
    let removed = match count {
        None => {
            l.pop_with(left, |e| reply_elem(out, e));
            if !l.is_empty() {
                l.shrink_check(fill);
            }
            1
        }
        Some(0) => return out.array(0),
        Some(c) => pop_range(out, l, left, usize::try_from(c).unwrap_or(usize::MAX), fill),
    };
    let empty = l.is_empty();
    ks.notify(LIST, if left { "lpop" } else { "rpop" }, db, key);
    finish(ks, db, key, empty, removed as u64);
}

/// LPOP key [count]
fn lpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop_generic(ctx, argv, true);
}

/// RPOP key [count]
fn rpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop_generic(ctx, argv, false);
}

/// The arguments of LMPOP / BLMPOP from `numkeys` on.
#[derive(Debug, Clone, Copy)]
pub struct MpopArgs<'a, 'b> {
    pub keys: &'a [&'b [u8]],
    /// Pop from the head (LEFT) or the tail (RIGHT).
    pub left: bool,
    /// COUNT (1 when not given).
    pub count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` (`args` starts
/// at numkeys) with Redis's checks in Redis's order.
pub fn parse_mpop<'a, 'b>(args: &'a [&'b [u8]]) -> Result<MpopArgs<'a, 'b>, &'static str> {
    parse_mpop_words(args, "left", "right")
}

/// [`parse_mpop`] with other words for the two ends (ZMPOP / BZMPOP: "min"
/// and "max"); `left` is true for the first word.
pub fn parse_mpop_words<'a, 'b>(
    args: &'a [&'b [u8]],
    first: &str,
    second: &str,
) -> Result<MpopArgs<'a, 'b>, &'static str> {
    let numkeys = match args.first().and_then(|a| num::parse_i64(a)) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(error::NUMKEYS_NOT_POSITIVE),
    };
    // The side comes right after the keys.
    let side_idx = match numkeys.checked_add(1).and_then(|i| usize::try_from(i).ok()) {
        Some(i) if i < args.len() => i,
        _ => return Err(error::SYNTAX),
    };
    let left = if opt_is(args[side_idx], first) {
        true
    } else if opt_is(args[side_idx], second) {
        false
    } else {
        return Err(error::SYNTAX);
    };
    let mut count = None;
    let mut j = side_idx + 1;
    while j < args.len() {
        if count.is_none() && opt_is(args[j], "count") && j + 1 < args.len() {
            j += 1;
            match num::parse_i64(args[j]) {
                Some(c) if c >= 1 => count = Some(c as u64),
                _ => return Err(error::LMPOP_COUNT_NOT_POSITIVE),
            }
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(MpopArgs {
        keys: &args[1..side_idx],
        left,
        count: usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX),
    })
}

/// Pops up to `a.count` elements from the first non-empty list among
/// `a.keys` and replies `[key, [elements]]`. Returns false, without
/// replying, when every key is missing; true once it replied (with the
/// elements, or WRONGTYPE for a key of another type met first). Shared by
/// LMPOP and BLMPOP.
pub fn mpop(ctx: &mut Ctx, a: &MpopArgs) -> bool {
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    for &key in a.keys {
        let ks = &mut ctx.srv.ks;
        let out = &mut ctx.c.reply;
        let l = match write_list(ks, db, key, ctx.now) {
            Ok(Some(l)) if !l.is_empty() => l,
            Ok(_) => continue,
            Err(()) => {
                out.error(error::WRONGTYPE);
                return true;
            }
        };
        out.array(2);
        out.bulk(key);
        let removed = pop_range(out, l, a.left, a.count, fill);
        let empty = l.is_empty();
        ks.notify(LIST, if a.left { "lpop" } else { "rpop" }, db, key);
        finish(ks, db, key, empty, removed as u64);
        // LMPOP and BLMPOP replay as the pop they did, with its count.
        let n = removed.to_string();
        ctx.propagate_as(&[if a.left { b"LPOP" } else { b"RPOP" }, key, n.as_bytes()]);
        return true;
    }
    false
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    match parse_mpop(&argv[1..]) {
        Ok(a) => {
            if !mpop(ctx, &a) {
                ctx.c.reply.null_array();
            }
        }
        Err(e) => ctx.c.reply.error(e),
    }
}

// ---------------------------------------------------------------------------
// LMOVE / RPOPLPUSH
// ---------------------------------------------------------------------------

/// Why LMOVE did not move anything.
#[derive(Debug, PartialEq, Eq)]
pub enum MoveErr {
    /// The source does not exist.
    NoSource,
    WrongType,
}

/// Pops from the head (`from_left`) or tail of `src` and pushes onto the
/// head (`to_left`) or tail of `dst` (created if missing; may be `src`
/// itself, which rotates it). Returns the moved element. Redis's
/// lmoveGenericCommand without the reply; a future BLMOVE can call it.
pub fn move_element(
    ks: &mut Keyspace,
    env: Env,
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
) -> Result<OwnedElem, MoveErr> {
    let Env { db, now, fill } = env;
    let src_quick = match write_list(ks, db, src, now) {
        Ok(Some(l)) => l.is_quicklist(),
        Ok(None) => return Err(MoveErr::NoSource),
        Err(()) => return Err(MoveErr::WrongType),
    };
    if write_list(ks, db, dst, now).is_err() {
        return Err(MoveErr::WrongType);
    }
    let Some(Value::List(l)) = ks.dbs[db].main.get_mut(src) else {
        return Err(MoveErr::NoSource);
    };
    let Some(v) = l.pop(from_left) else {
        return Err(MoveErr::NoSource);
    };
    // The size check counts the element's text, except for an integer
    // popped from a quicklist: Redis holds that one as an int object, whose
    // length the check skips.
    let add_bytes = match v {
        OwnedElem::Int(_) if src_quick => 0,
        _ => v.as_elem().text_len(),
    };
    match ks.dbs[db].main.get_mut(dst) {
        Some(Value::List(d)) => {
            d.grow_check(fill, add_bytes, 1);
            d.push(&v.as_elem(), to_left);
            ks.signal_modified(db, dst);
        }
        _ => {
            let mut d = ListValue::new();
            d.grow_check(fill, add_bytes, 1);
            d.push(&v.as_elem(), to_left);
            ks.set(db, dst, Value::List(Box::new(d)), false);
        }
    }
    ks.notify(LIST, if to_left { "lpush" } else { "rpush" }, db, dst);
    // The source's epilogue: the push above counted the one change.
    let empty = match ks.dbs[db].main.get_mut(src) {
        Some(Value::List(l)) if l.is_empty() => true,
        Some(Value::List(l)) => {
            l.shrink_check(fill);
            false
        }
        _ => false,
    };
    ks.notify(LIST, if from_left { "lpop" } else { "rpop" }, db, src);
    finish(ks, db, src, empty, 0);
    Ok(v)
}

fn move_and_reply(ctx: &mut Ctx, src: &[u8], dst: &[u8], from_left: bool, to_left: bool) {
    let env = Env::of(ctx);
    match move_element(&mut ctx.srv.ks, env, src, dst, from_left, to_left) {
        Ok(v) => reply_elem(&mut ctx.c.reply, v.as_elem()),
        Err(MoveErr::NoSource) => ctx.c.reply.null(),
        Err(MoveErr::WrongType) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Some(from_left), Some(to_left)) = (parse_side(argv[3]), parse_side(argv[4])) else {
        return ctx.c.reply.error(error::SYNTAX);
    };
    move_and_reply(ctx, argv[1], argv[2], from_left, to_left);
}

/// RPOPLPUSH source destination
fn rpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    move_and_reply(ctx, argv[1], argv[2], false, true);
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

/// LLEN key
fn llen(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    match read_list(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(l)) => ctx.c.reply.int(l.len() as i64),
        Ok(None) => ctx.c.reply.int(0),
        Err(()) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// LRANGE key start stop
fn lrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(start) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    let Some(end) = super::arg_i64(ctx, argv[3]) else {
        return;
    };
    let db = ctx.c.db;
    let out = &mut ctx.c.reply;
    match read_list(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(l)) => match clamp_range(start, end, l.len()) {
            Some((from, n)) => reply_range(out, l, from, n, false),
            None => out.array(0),
        },
        Ok(None) => out.array(0),
        Err(()) => out.error(error::WRONGTYPE),
    }
}

/// LINDEX key index
fn lindex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    // The key is looked up before the index is parsed: a missing key
    // answers nil even for a bad index.
    let l = match read_list(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(l)) => l,
        Ok(None) => return ctx.c.reply.null(),
        Err(()) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    let Some(index) = num::parse_i64(argv[2]) else {
        return ctx.c.reply.error(error::NOT_INTEGER);
    };
    match l.get(index) {
        Some(e) => reply_elem(&mut ctx.c.reply, e),
        None => ctx.c.reply.null(),
    }
}

/// What LPOS looks for.
#[derive(Debug, Clone, Copy)]
struct PosOpts {
    /// Which match to start from: 1 the first, -1 the first from the tail.
    rank: i64,
    /// COUNT: None when not given; 0 for every match.
    count: Option<u64>,
    /// MAXLEN: elements to compare at most (0: all).
    maxlen: u64,
}

fn parse_pos_opts(args: &[&[u8]]) -> Result<PosOpts, &'static str> {
    let mut o = PosOpts {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut j = 0;
    while j < args.len() {
        let opt = args[j];
        let Some(&val) = args.get(j + 1) else {
            return Err(error::SYNTAX);
        };
        if opt_is(opt, "rank") {
            o.rank = match num::parse_i64(val) {
                None => return Err(error::NOT_INTEGER),
                // Redis 7.2 refuses LONG_MIN, whose negation overflows
                // (7.0 took it as a huge negative rank).
                Some(i64::MIN) => return Err(error::NOT_IN_LONG_RANGE),
                Some(0) => return Err(error::LPOS_RANK_ZERO),
                Some(r) => r,
            };
        } else if opt_is(opt, "count") {
            match num::parse_i64(val) {
                Some(c) if c >= 0 => o.count = Some(c as u64),
                _ => return Err(error::LPOS_COUNT_NEGATIVE),
            }
        } else if opt_is(opt, "maxlen") {
            match num::parse_i64(val) {
                Some(m) if m >= 0 => o.maxlen = m as u64,
                _ => return Err(error::LPOS_MAXLEN_NEGATIVE),
            }
        } else {
            return Err(error::SYNTAX);
        }
        j += 2;
    }
    Ok(o)
}

/// The positions LPOS reports for `target` in `l`, in scan order: at most
/// one without COUNT.
fn find_positions(l: &ListValue, target: &Elem, o: &PosOpts) -> Vec<usize> {
    let len = l.len();
    let rev = o.rank < 0;
    let rank = o.rank.unsigned_abs();
    let mut found = Vec::new();
    if len == 0 {
        return found;
    }
    let iter = if rev {
        l.iter_at(len - 1, true)
    } else {
        l.iter_at(0, false)
    };
    let mut matches: u64 = 0;
    for (i, e) in iter.enumerate() {
        if o.maxlen != 0 && i as u64 >= o.maxlen {
            break;
        }
        if e != *target {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(if rev { len - 1 - i } else { i });
        match o.count {
            None => break,
            Some(c) if c != 0 && matches - rank + 1 >= c => break,
            Some(_) => {}
        }
    }
    found
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let o = match parse_pos_opts(&argv[3..]) {
        Ok(o) => o,
        Err(e) => return ctx.c.reply.error(e),
    };
    let db = ctx.c.db;
    let out = &mut ctx.c.reply;
    let l = match read_list(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(l)) => l,
        Ok(None) if o.count.is_some() => return out.array(0),
        Ok(None) => return out.null(),
        Err(()) => return out.error(error::WRONGTYPE),
    };
    let found = find_positions(l, &Elem::from_bytes(argv[2]), &o);
    if o.count.is_some() {
        out.array(found.len());
        for p in found {
            out.int(p as i64);
        }
    } else {
        match found.first() {
            Some(&p) => out.int(p as i64),
            None => out.null(),
        }
    }
}

// ---------------------------------------------------------------------------
// Edits in place
// ---------------------------------------------------------------------------

/// LSET key index element
fn lset(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    let key = argv[1];
    let ks = &mut ctx.srv.ks;
    let out = &mut ctx.c.reply;
    let l = match write_list(ks, db, key, ctx.now) {
        Ok(Some(l)) => l,
        Ok(None) => return out.error(error::NO_SUCH_KEY),
        Err(()) => return out.error(error::WRONGTYPE),
    };
    let Some(index) = num::parse_i64(argv[2]) else {
        return out.error(error::NOT_INTEGER);
    };
    // As in Redis, the size check runs before the index is known to be in
    // range.
    l.grow_check(fill, argv[3].len(), 1);
    if !l.set(index, &Elem::from_bytes(argv[3])) {
        return out.error(error::INDEX_OUT_OF_RANGE);
    }
    l.shrink_check(fill);
    out.ok();
    ks.notify(LIST, "lset", db, key);
    finish(ks, db, key, false, 1);
}

/// LINSERT key BEFORE|AFTER pivot element
fn linsert(ctx: &mut Ctx, argv: &[&[u8]]) {
    let after = if opt_is(argv[2], "after") {
        true
    } else if opt_is(argv[2], "before") {
        false
    } else {
        return ctx.c.reply.error(error::SYNTAX);
    };
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    let key = argv[1];
    let ks = &mut ctx.srv.ks;
    let out = &mut ctx.c.reply;
    let l = match write_list(ks, db, key, ctx.now) {
        Ok(Some(l)) => l,
        Ok(None) => return out.int(0),
        Err(()) => return out.error(error::WRONGTYPE),
    };
    // Converted (if needed) before the pivot is looked for, as in Redis.
    l.grow_check(fill, argv[4].len(), 1);
    if !l.insert(
        &Elem::from_bytes(argv[3]),
        &Elem::from_bytes(argv[4]),
        after,
    ) {
        return out.int(-1);
    }
    out.int(l.len() as i64);
    ks.notify(LIST, "linsert", db, key);
    finish(ks, db, key, false, 1);
}

/// LREM key count element
fn lrem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(count) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    let key = argv[1];
    let ks = &mut ctx.srv.ks;
    let out = &mut ctx.c.reply;
    let l = match write_list(ks, db, key, ctx.now) {
        Ok(Some(l)) => l,
        Ok(None) => return out.int(0),
        Err(()) => return out.error(error::WRONGTYPE),
    };
    let removed = l.remove(&Elem::from_bytes(argv[3]), count);
    out.int(removed as i64);
    if removed > 0 {
        let empty = l.is_empty();
        if !empty {
            l.shrink_check(fill);
        }
        ks.notify(LIST, "lrem", db, key);
        finish(ks, db, key, empty, removed as u64);
    }
}

/// LTRIM key start stop
fn ltrim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(start) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    let Some(end) = super::arg_i64(ctx, argv[3]) else {
        return;
    };
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    let key = argv[1];
    let ks = &mut ctx.srv.ks;
    let out = &mut ctx.c.reply;
    let l = match write_list(ks, db, key, ctx.now) {
        Ok(Some(l)) => l,
        Ok(None) => return out.ok(),
        Err(()) => return out.error(error::WRONGTYPE),
    };
    let len = l.len();
    let (front, back) = match clamp_range(start, end, len) {
        Some((from, n)) => (from, len - from - n),
        None => (len, 0),
    };
    l.trim(front, back);
    let empty = l.is_empty();
    if !empty {
        l.shrink_check(fill);
    }
    out.ok();
    // Redis signals the key even when nothing was trimmed.
    ks.notify(LIST, "ltrim", db, key);
    finish(ks, db, key, empty, (front + back) as u64);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;
    use std::collections::VecDeque;

    const WRONGTYPE: &str =
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    const SYNTAX: &str = "-ERR syntax error\r\n";
    const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
    const NOT_POSITIVE: &str = "-ERR value is out of range, must be positive\r\n";
    const OK: &str = "+OK\r\n";
    const NIL: &str = "$-1\r\n";
    const NIL_ARR: &str = "*-1\r\n";
    const EMPTY: &str = "*0\r\n";

    fn check(h: &mut Harness, cases: &[(&[&str], &str)]) {
        for (argv, want) in cases {
            assert_eq!(h.run(argv), *want, "{argv:?}");
        }
    }

    fn bulk(s: &str) -> String {
        format!("${}\r\n{s}\r\n", s.len())
    }

    fn arr(items: &[&str]) -> String {
        let mut s = format!("*{}\r\n", items.len());
        for i in items {
            s.push_str(&bulk(i));
        }
        s
    }

    fn int(n: i64) -> String {
        format!(":{n}\r\n")
    }

    fn arity(name: &str) -> String {
        format!("-ERR wrong number of arguments for '{name}' command\r\n")
    }

    fn enc(h: &mut Harness, key: &str) -> String {
        h.run(&["OBJECT", "ENCODING", key])
    }

    const LISTPACK: &str = "$8\r\nlistpack\r\n";
    const QUICKLIST: &str = "$9\r\nquicklist\r\n";

    #[test]
    fn pushes() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["LPUSH", "l", "a"], ":1\r\n"),
                (&["LPUSH", "l", "b", "c"], ":3\r\n"),
                (&["RPUSH", "l", "d", "e"], ":5\r\n"),
                (
                    &["LRANGE", "l", "0", "-1"],
                    &arr(&["c", "b", "a", "d", "e"]),
                ),
                (&["LPUSHX", "nokey", "a"], ":0\r\n"),
                (&["RPUSHX", "nokey", "a", "b"], ":0\r\n"),
                (&["EXISTS", "nokey"], ":0\r\n"),
                (&["LPUSHX", "l", "x", "y"], ":7\r\n"),
                (&["RPUSHX", "l", "z"], ":8\r\n"),
                (
                    &["LRANGE", "l", "0", "-1"],
                    &arr(&["y", "x", "c", "b", "a", "d", "e", "z"]),
                ),
                (&["LPUSH", "l"], &arity("lpush")),
                (&["RPUSH", "l"], &arity("rpush")),
                (&["LPUSHX", "l"], &arity("lpushx")),
                (&["RPUSHX", "l"], &arity("rpushx")),
                (&["SET", "s", "v"], OK),
                (&["LPUSH", "s", "a"], WRONGTYPE),
                (&["RPUSH", "s", "a"], WRONGTYPE),
                (&["LPUSHX", "s", "a"], WRONGTYPE),
                (&["RPUSHX", "s", "a"], WRONGTYPE),
                (&["GET", "s"], &bulk("v")),
            ],
        );
        assert_eq!(enc(&mut h, "l"), LISTPACK);
        // Elements come back byte for byte, integers in canonical form.
        let elems: &[&[u8]] = &[
            b"0",
            b"-0",
            b"01",
            b"\x00\xff",
            b"",
            b"9223372036854775808",
            b"-9223372036854775808",
        ];
        let mut argv: Vec<&[u8]> = vec![b"RPUSH", b"bin"];
        argv.extend_from_slice(elems);
        assert_eq!(h.run_bytes(&argv), b":7\r\n");
        let mut want = b"*7\r\n".to_vec();
        for e in elems {
            want.extend_from_slice(format!("${}\r\n", e.len()).as_bytes());
            want.extend_from_slice(e);
            want.extend_from_slice(b"\r\n");
        }
        assert_eq!(h.run_bytes(&[b"LRANGE", b"bin", b"0", b"-1"]), want);
    }

    #[test]
    fn pops() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["RPUSH", "p", "a", "b", "c", "d", "e"], ":5\r\n"),
                (&["LPOP", "p"], &bulk("a")),
                (&["RPOP", "p"], &bulk("e")),
                (&["LPOP", "p", "0"], EMPTY),
                (&["RPOP", "p", "2"], &arr(&["d", "c"])),
                (&["LPOP", "p", "9223372036854775807"], &arr(&["b"])),
                (&["EXISTS", "p"], ":0\r\n"),
                (&["LPOP", "p"], NIL),
                (&["RPOP", "p"], NIL),
                (&["LPOP", "p", "0"], NIL_ARR),
                (&["RPOP", "p", "5"], NIL_ARR),
                (&["LPOP", "p", "-1"], NOT_POSITIVE),
                (&["LPOP", "p", "x"], NOT_POSITIVE),
                (&["RPOP", "p", "9223372036854775808"], NOT_POSITIVE),
                (&["LPOP", "p", "1", "2"], &arity("lpop")),
                (&["RPOP"], &arity("rpop")),
                (&["SET", "s", "v"], OK),
                (&["LPOP", "s"], WRONGTYPE),
                (&["RPOP", "s", "0"], WRONGTYPE),
                // The count is parsed before the key is looked at.
                (&["LPOP", "s", "-1"], NOT_POSITIVE),
            ],
        );
    }

    #[test]
    fn reads() {
        let mut h = Harness::new();
        h.run(&[
            "RPUSH", "r", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        ]);
        check(
            &mut h,
            &[
                (&["LLEN", "r"], ":10\r\n"),
                (&["LLEN", "nokey"], ":0\r\n"),
                (&["LRANGE", "r", "0", "2"], &arr(&["0", "1", "2"])),
                (&["LRANGE", "r", "-2", "-1"], &arr(&["8", "9"])),
                (&["LRANGE", "r", "-100", "0"], &arr(&["0"])),
                (&["LRANGE", "r", "8", "100"], &arr(&["8", "9"])),
                (&["LRANGE", "r", "3", "2"], EMPTY),
                (&["LRANGE", "r", "10", "20"], EMPTY),
                (&["LRANGE", "r", "0", "-11"], EMPTY),
                (
                    &["LRANGE", "r", "-9223372036854775808", "-10"],
                    &arr(&["0"]),
                ),
                (
                    &["LRANGE", "r", "9223372036854775807", "9223372036854775807"],
                    EMPTY,
                ),
                (&["LRANGE", "r", "a", "1"], NOT_INT),
                (&["LRANGE", "nokey", "0", "-1"], EMPTY),
                (&["LRANGE", "nokey", "x", "-1"], NOT_INT),
                (&["LINDEX", "r", "0"], &bulk("0")),
                (&["LINDEX", "r", "-1"], &bulk("9")),
                (&["LINDEX", "r", "-10"], &bulk("0")),
                (&["LINDEX", "r", "-11"], NIL),
                (&["LINDEX", "r", "10"], NIL),
                (&["LINDEX", "r", "-9223372036854775808"], NIL),
                (&["LINDEX", "r", "x"], NOT_INT),
                // A missing key answers nil before the index is parsed.
                (&["LINDEX", "nokey", "x"], NIL),
                (&["SET", "s", "v"], OK),
                (&["LLEN", "s"], WRONGTYPE),
                (&["LRANGE", "s", "0", "1"], WRONGTYPE),
                (&["LRANGE", "s", "x", "1"], NOT_INT),
                (&["LINDEX", "s", "0"], WRONGTYPE),
                (&["LINDEX", "s", "x"], WRONGTYPE),
                (&["LLEN"], &arity("llen")),
                (&["LRANGE", "r", "0"], &arity("lrange")),
                (&["LINDEX", "r"], &arity("lindex")),
            ],
        );
    }

    #[test]
    fn lset_linsert() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "s", "a", "b", "c", "b"]);
        check(
            &mut h,
            &[
                (&["LSET", "s", "0", "x"], OK),
                (&["LSET", "s", "-1", "12"], OK),
                (&["LSET", "s", "4", "x"], "-ERR index out of range\r\n"),
                (&["LSET", "s", "-5", "x"], "-ERR index out of range\r\n"),
                (&["LSET", "s", "i", "x"], NOT_INT),
                (&["LSET", "nokey", "0", "x"], "-ERR no such key\r\n"),
                (&["LSET", "nokey", "i", "x"], "-ERR no such key\r\n"),
                (&["LRANGE", "s", "0", "-1"], &arr(&["x", "b", "c", "12"])),
                (&["LINSERT", "s", "BEFORE", "b", "p"], ":5\r\n"),
                (&["LINSERT", "s", "after", "12", "q"], ":6\r\n"),
                (&["LINSERT", "s", "AFTER", "nothere", "q"], ":-1\r\n"),
                (&["LINSERT", "s", "MIDDLE", "b", "q"], SYNTAX),
                (&["LINSERT", "nokey", "BEFORE", "b", "q"], ":0\r\n"),
                (&["LINSERT", "nokey", "MIDDLE", "b", "q"], SYNTAX),
                (&["LINSERT", "s", "BEFORE", "012", "q"], ":-1\r\n"),
                (
                    &["LRANGE", "s", "0", "-1"],
                    &arr(&["x", "p", "b", "c", "12", "q"]),
                ),
                (&["SET", "str", "v"], OK),
                (&["LSET", "str", "0", "x"], WRONGTYPE),
                (&["LINSERT", "str", "BEFORE", "a", "b"], WRONGTYPE),
                (&["LSET", "s", "0"], &arity("lset")),
                (&["LINSERT", "s", "BEFORE", "a"], &arity("linsert")),
            ],
        );
    }

    #[test]
    fn lrem_ltrim() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "r", "a", "b", "a", "c", "a", "b", "a"]);
        check(
            &mut h,
            &[
                (&["LREM", "r", "2", "a"], ":2\r\n"),
                (
                    &["LRANGE", "r", "0", "-1"],
                    &arr(&["b", "c", "a", "b", "a"]),
                ),
                (&["LREM", "r", "-1", "b"], ":1\r\n"),
                (&["LRANGE", "r", "0", "-1"], &arr(&["b", "c", "a", "a"])),
                (&["LREM", "r", "0", "zz"], ":0\r\n"),
                (&["LREM", "r", "0", "a"], ":2\r\n"),
                (&["LREM", "r", "-9223372036854775808", "b"], ":1\r\n"),
                (&["LREM", "r", "9223372036854775807", "c"], ":1\r\n"),
                (&["EXISTS", "r"], ":0\r\n"),
                (&["LREM", "r", "0", "a"], ":0\r\n"),
                (&["LREM", "r", "x", "a"], NOT_INT),
                (&["RPUSH", "t", "0", "1", "2", "3", "4", "5"], ":6\r\n"),
                (&["LTRIM", "t", "1", "-2"], OK),
                (&["LRANGE", "t", "0", "-1"], &arr(&["1", "2", "3", "4"])),
                (&["LTRIM", "t", "-2", "100"], OK),
                (&["LRANGE", "t", "0", "-1"], &arr(&["3", "4"])),
                (&["LTRIM", "t", "1", "0"], OK),
                (&["EXISTS", "t"], ":0\r\n"),
                (&["LTRIM", "t", "0", "1"], OK),
                (&["LTRIM", "t", "x", "1"], NOT_INT),
                (&["SET", "s", "v"], OK),
                (&["LREM", "s", "0", "a"], WRONGTYPE),
                (&["LTRIM", "s", "0", "1"], WRONGTYPE),
                (&["LREM", "s", "0"], &arity("lrem")),
                (&["LTRIM", "s", "0"], &arity("ltrim")),
            ],
        );
    }

    #[test]
    fn lpos() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "p", "a", "b", "c", "1", "2", "3", "c", "c"]);
        check(
            &mut h,
            &[
                (&["LPOS", "p", "c"], ":2\r\n"),
                (&["LPOS", "p", "zz"], NIL),
                (&["LPOS", "p", "01"], NIL),
                (&["LPOS", "p", "1"], ":3\r\n"),
                (&["LPOS", "p", "c", "RANK", "2"], ":6\r\n"),
                (&["LPOS", "p", "c", "RANK", "-1"], ":7\r\n"),
                (&["LPOS", "p", "c", "RANK", "-4"], NIL),
                (
                    &["LPOS", "p", "c", "COUNT", "0"],
                    "*3\r\n:2\r\n:6\r\n:7\r\n",
                ),
                (
                    &["LPOS", "p", "c", "COUNT", "2", "RANK", "-1"],
                    "*2\r\n:7\r\n:6\r\n",
                ),
                (
                    &["LPOS", "p", "c", "COUNT", "0", "MAXLEN", "7"],
                    "*2\r\n:2\r\n:6\r\n",
                ),
                (&["LPOS", "p", "c", "RANK", "-1", "MAXLEN", "1"], ":7\r\n"),
                (&["LPOS", "p", "c", "RANK", "-2", "MAXLEN", "1"], NIL),
                (&["LPOS", "p", "zz", "COUNT", "1"], EMPTY),
                (&["LPOS", "p", "c", "rank", "1", "RANK", "3"], ":7\r\n"),
                (
                    &["LPOS", "p", "c", "RANK", "0"],
                    "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
                ),
                (&["LPOS", "p", "c", "RANK", "x"], NOT_INT),
                (
                    &["LPOS", "p", "c", "RANK", "-9223372036854775808"],
                    "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
                ),
                (
                    &["LPOS", "p", "c", "COUNT", "-1"],
                    "-ERR COUNT can't be negative\r\n",
                ),
                (
                    &["LPOS", "p", "c", "COUNT", "x"],
                    "-ERR COUNT can't be negative\r\n",
                ),
                (
                    &["LPOS", "p", "c", "MAXLEN", "-1"],
                    "-ERR MAXLEN can't be negative\r\n",
                ),
                (&["LPOS", "p", "c", "RANK"], SYNTAX),
                (&["LPOS", "p", "c", "FOO", "1"], SYNTAX),
                (&["LPOS", "nokey", "c"], NIL),
                (&["LPOS", "nokey", "c", "COUNT", "0"], EMPTY),
                (
                    &["LPOS", "nokey", "c", "RANK", "0"],
                    "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
                ),
                (&["SET", "s", "v"], OK),
                (&["LPOS", "s", "c"], WRONGTYPE),
                (&["LPOS", "s"], &arity("lpos")),
            ],
        );
        // Option words stop at a NUL byte, like Redis's strcasecmp.
        assert_eq!(
            h.run_bytes(&[b"LPOS", b"p", b"c", b"RANK\x00x", b"2"]),
            b":6\r\n"
        );
    }

    #[test]
    fn lmove_rpoplpush() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "src", "a", "b", "c"]);
        check(
            &mut h,
            &[
                (&["LMOVE", "src", "dst", "LEFT", "RIGHT"], &bulk("a")),
                (&["LMOVE", "src", "dst", "right", "left"], &bulk("c")),
                (&["LRANGE", "dst", "0", "-1"], &arr(&["c", "a"])),
                (&["RPOPLPUSH", "src", "dst"], &bulk("b")),
                (&["EXISTS", "src"], ":0\r\n"),
                (&["LRANGE", "dst", "0", "-1"], &arr(&["b", "c", "a"])),
                (&["LMOVE", "dst", "dst", "LEFT", "RIGHT"], &bulk("b")),
                (&["RPOPLPUSH", "dst", "dst"], &bulk("b")),
                (&["LRANGE", "dst", "0", "-1"], &arr(&["b", "c", "a"])),
                (&["LMOVE", "nokey", "dst", "LEFT", "LEFT"], NIL),
                (&["RPOPLPUSH", "nokey", "dst"], NIL),
                (&["LMOVE", "dst", "x", "UP", "LEFT"], SYNTAX),
                (&["LMOVE", "nokey", "x", "LEFT", "DOWN"], SYNTAX),
                (&["SET", "s", "v"], OK),
                (&["LMOVE", "s", "dst", "LEFT", "LEFT"], WRONGTYPE),
                (&["LMOVE", "dst", "s", "LEFT", "LEFT"], WRONGTYPE),
                (&["LMOVE", "nokey", "s", "LEFT", "LEFT"], NIL),
                (&["RPOPLPUSH", "dst", "s"], WRONGTYPE),
                (&["LRANGE", "dst", "0", "-1"], &arr(&["b", "c", "a"])),
                (&["LMOVE", "a", "b", "LEFT"], &arity("lmove")),
                (&["RPOPLPUSH", "a"], &arity("rpoplpush")),
            ],
        );
    }

    #[test]
    fn lmpop() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "a", "1", "2", "3"]);
        h.run(&["RPUSH", "b", "x", "y"]);
        check(
            &mut h,
            &[
                (
                    &["LMPOP", "2", "nokey", "a", "LEFT"],
                    "*2\r\n$1\r\na\r\n*1\r\n$1\r\n1\r\n",
                ),
                (
                    &["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5"],
                    "*2\r\n$1\r\na\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n",
                ),
                (
                    &[
                        "LMPOP",
                        "2",
                        "a",
                        "b",
                        "left",
                        "count",
                        "9223372036854775807",
                    ],
                    "*2\r\n$1\r\nb\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
                ),
                (&["LMPOP", "2", "a", "b", "LEFT"], NIL_ARR),
                (
                    &["LMPOP", "0", "a", "LEFT"],
                    "-ERR numkeys should be greater than 0\r\n",
                ),
                (
                    &["LMPOP", "x", "a", "LEFT"],
                    "-ERR numkeys should be greater than 0\r\n",
                ),
                (&["LMPOP", "9223372036854775807", "a", "LEFT"], SYNTAX),
                (&["LMPOP", "2", "a", "LEFT"], SYNTAX),
                (&["LMPOP", "1", "a", "UP"], SYNTAX),
                (
                    &["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
                    "-ERR count should be greater than 0\r\n",
                ),
                (&["LMPOP", "1", "a", "LEFT", "COUNT"], SYNTAX),
                (
                    &["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"],
                    SYNTAX,
                ),
                (&["SET", "s", "v"], OK),
                (&["RPUSH", "a", "1"], ":1\r\n"),
                (&["LMPOP", "2", "s", "a", "LEFT"], WRONGTYPE),
                (
                    &["LMPOP", "2", "a", "s", "LEFT"],
                    "*2\r\n$1\r\na\r\n*1\r\n$1\r\n1\r\n",
                ),
                (&["LMPOP", "1", "a"], &arity("lmpop")),
            ],
        );
    }

    #[test]
    fn resp3_shapes() {
        let mut h = Harness::new();
        h.c.reply.resp3 = true;
        h.run(&["RPUSH", "l", "a", "b", "c"]);
        check(
            &mut h,
            &[
                (&["LPOP", "nokey"], "_\r\n"),
                (&["LPOP", "nokey", "1"], "_\r\n"),
                (&["LPOP", "l", "0"], EMPTY),
                (&["LPOP", "l", "1"], &arr(&["a"])),
                (&["LINDEX", "l", "9"], "_\r\n"),
                (&["LPOS", "l", "zz"], "_\r\n"),
                (&["LPOS", "nokey", "zz", "COUNT", "0"], EMPTY),
                (&["LMOVE", "nokey", "l", "LEFT", "LEFT"], "_\r\n"),
                (&["LMPOP", "1", "nokey", "LEFT"], "_\r\n"),
                (
                    &["LMPOP", "1", "l", "LEFT"],
                    "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nb\r\n",
                ),
                (&["LRANGE", "l", "0", "-1"], &arr(&["c"])),
            ],
        );
    }

    #[test]
    fn dirty_counts_like_redis() {
        let mut h = Harness::new();
        let dirty = |h: &Harness| h.srv.ks.dirty;
        let d0 = dirty(&h);
        h.run(&["RPUSH", "l", "a", "b", "c", "d"]);
        assert_eq!(dirty(&h) - d0, 4);
        let d = dirty(&h);
        h.run(&["LPOP", "l", "3"]);
        assert_eq!(dirty(&h) - d, 3);
        let d = dirty(&h);
        h.run(&["LMOVE", "l", "m", "LEFT", "LEFT"]);
        assert_eq!(dirty(&h) - d, 1);
        let d = dirty(&h);
        h.run(&["LINSERT", "m", "BEFORE", "nothere", "x"]);
        h.run(&["LREM", "m", "0", "nothere"]);
        h.run(&["LSET", "m", "5", "x"]);
        assert_eq!(dirty(&h), d);
        h.run(&["RPUSH", "m", "x", "y", "x"]);
        let d = dirty(&h);
        h.run(&["LREM", "m", "0", "x"]);
        assert_eq!(dirty(&h) - d, 2);
        let d = dirty(&h);
        h.run(&["LTRIM", "m", "0", "-1"]);
        assert_eq!(dirty(&h), d);
        h.run(&["LTRIM", "m", "1", "-1"]);
        assert_eq!(dirty(&h) - d, 1);
    }

    #[test]
    fn encodings_follow_the_config() {
        let mut h = Harness::new();
        h.srv.config.list_max_listpack_size = 4;
        h.run(&["RPUSH", "c", "1", "2", "3", "4"]);
        assert_eq!(enc(&mut h, "c"), LISTPACK);
        h.run(&["RPUSH", "c", "5"]);
        assert_eq!(enc(&mut h, "c"), QUICKLIST);
        // Back at half the count: [1 2 3] stays, [1 2] converts.
        h.run(&["RPOP", "c", "2"]);
        assert_eq!(enc(&mut h, "c"), QUICKLIST);
        h.run(&["RPOP", "c"]);
        assert_eq!(enc(&mut h, "c"), LISTPACK);
        // LINSERT and LSET convert before looking, even when they fail.
        h.run(&["RPUSH", "c", "3", "4"]);
        assert_eq!(
            h.run(&["LINSERT", "c", "BEFORE", "nothere", "x"]),
            ":-1\r\n"
        );
        assert_eq!(enc(&mut h, "c"), QUICKLIST);
        h.run(&["RPUSH", "d", "1", "2", "3", "4"]);
        assert_eq!(
            h.run(&["LSET", "d", "9", "x"]),
            "-ERR index out of range\r\n"
        );
        assert_eq!(enc(&mut h, "d"), QUICKLIST);
        // A destination is checked like a push.
        h.run(&["RPUSH", "e", "1", "2", "3", "4"]);
        h.run(&["RPUSH", "f", "x"]);
        h.run(&["RPOPLPUSH", "f", "e"]);
        assert_eq!(enc(&mut h, "e"), QUICKLIST);
        // Default -2: 8 KB.
        h.srv.config.list_max_listpack_size = -2;
        let big = "x".repeat(8000);
        h.run(&["RPUSH", "g", &big]);
        h.run(&["RPUSH", "g", &"y".repeat(178)]);
        assert_eq!(enc(&mut h, "g"), LISTPACK);
        h.run(&["RPUSH", "g", "z"]);
        assert_eq!(enc(&mut h, "g"), QUICKLIST);
        h.run(&["RPOP", "g"]);
        h.run(&["LPOP", "g"]);
        assert_eq!(enc(&mut h, "g"), LISTPACK);
        assert_eq!(h.run(&["LLEN", "g"]), ":1\r\n");
    }

    use crate::test_rng::Rng;

    /// An index for a list of `len`, often out of range either way.
    fn index(r: &mut Rng, len: usize) -> i64 {
        let span = len as i64 + 3;
        r.below(2 * span as u64) as i64 - span
    }

    fn random_elem(r: &mut Rng) -> String {
        match r.below(5) {
            0 => r.below(20).to_string(),
            1 => (r.next() as i64).to_string(),
            2 => ["a", "b", "-0", "01", ""][r.below(5) as usize].to_string(),
            3 => "k".repeat(r.below(80) as usize),
            _ => "q".repeat(1000 + r.below(3000) as usize),
        }
    }

    fn model_range(m: &VecDeque<String>, start: i64, end: i64) -> Vec<String> {
        let len = m.len() as i64;
        let s = if start < 0 { len + start } else { start }.max(0);
        let e = if end < 0 { len + end } else { end }.min(len - 1);
        if s > e || s >= len {
            return vec![];
        }
        m.iter()
            .skip(s as usize)
            .take((e - s + 1) as usize)
            .cloned()
            .collect()
    }

    fn reply_of(items: &[String]) -> String {
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        arr(&refs)
    }

    /// Random command sequences against a VecDeque, at fills small enough
    /// that lists keep converting between listpack and quicklist.
    #[test]
    fn random_commands_match_a_model() {
        for (seed, fill) in [
            (1u64, 3i64),
            (2, 1),
            (3, -1),
            (4, 5),
            (5, 0),
            (6, -2),
            (7, 2),
        ] {
            let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut h = Harness::new();
            h.srv.config.list_max_listpack_size = fill;
            let mut m: VecDeque<String> = VecDeque::new();
            for step in 0..2500 {
                let op = r.below(14);
                let ctx = format!("seed {seed} fill {fill} step {step} op {op}");
                match op {
                    0 | 1 => {
                        let els: Vec<String> =
                            (0..1 + r.below(5)).map(|_| random_elem(&mut r)).collect();
                        let left = op == 0;
                        let mut argv = vec![if left { "LPUSH" } else { "RPUSH" }, "k"];
                        argv.extend(els.iter().map(String::as_str));
                        for e in els.iter() {
                            if left {
                                m.push_front(e.clone());
                            } else {
                                m.push_back(e.clone());
                            }
                        }
                        assert_eq!(h.run(&argv), int(m.len() as i64), "{ctx}");
                        if fill > 0 && m.len() > fill as usize {
                            assert_eq!(enc(&mut h, "k"), QUICKLIST, "{ctx}");
                        }
                    }
                    2 | 3 => {
                        let left = op == 2;
                        let name = if left { "LPOP" } else { "RPOP" };
                        if r.below(2) == 0 {
                            let want = if left { m.pop_front() } else { m.pop_back() };
                            let want = want.map_or(NIL.to_string(), |v| bulk(&v));
                            assert_eq!(h.run(&[name, "k"]), want, "{ctx}");
                        } else {
                            let n = r.below(6) as usize;
                            let c = n.to_string();
                            let want = if m.is_empty() {
                                NIL_ARR.to_string()
                            } else {
                                let got: Vec<String> = (0..n.min(m.len()))
                                    .filter_map(|_| if left { m.pop_front() } else { m.pop_back() })
                                    .collect();
                                reply_of(&got)
                            };
                            assert_eq!(h.run(&[name, "k", &c]), want, "{ctx}");
                        }
                    }
                    4 => {
                        let idx = index(&mut r, m.len());
                        let v = random_elem(&mut r);
                        let i = if idx < 0 { m.len() as i64 + idx } else { idx };
                        let want = if m.is_empty() {
                            "-ERR no such key\r\n"
                        } else if (0..m.len() as i64).contains(&i) {
                            m[i as usize] = v.clone();
                            OK
                        } else {
                            "-ERR index out of range\r\n"
                        };
                        assert_eq!(h.run(&["LSET", "k", &idx.to_string(), &v]), want, "{ctx}");
                    }
                    5 => {
                        let pivot = random_elem(&mut r);
                        let v = random_elem(&mut r);
                        let after = r.below(2) == 0;
                        let want = if m.is_empty() {
                            0
                        } else {
                            match m.iter().position(|x| *x == pivot) {
                                Some(p) => {
                                    m.insert(if after { p + 1 } else { p }, v.clone());
                                    m.len() as i64
                                }
                                None => -1,
                            }
                        };
                        let w = if after { "AFTER" } else { "BEFORE" };
                        assert_eq!(h.run(&["LINSERT", "k", w, &pivot, &v]), int(want), "{ctx}");
                    }
                    6 => {
                        let target = random_elem(&mut r);
                        let count = r.below(7) as i64 - 3;
                        let limit = count.unsigned_abs() as usize;
                        let mut removed = 0;
                        if count >= 0 {
                            let mut i = 0;
                            while i < m.len() {
                                if m[i] == target && (limit == 0 || removed < limit) {
                                    m.remove(i);
                                    removed += 1;
                                } else {
                                    i += 1;
                                }
                            }
                        } else {
                            let mut i = m.len();
                            while i > 0 && removed < limit {
                                i -= 1;
                                if m[i] == target {
                                    m.remove(i);
                                    removed += 1;
                                }
                            }
                        }
                        let got = h.run(&["LREM", "k", &count.to_string(), &target]);
                        assert_eq!(got, int(removed as i64), "{ctx}");
                    }
                    7 => {
                        let (s, e) = (index(&mut r, m.len()), index(&mut r, m.len()));
                        let kept = model_range(&m, s, e);
                        assert_eq!(
                            h.run(&["LTRIM", "k", &s.to_string(), &e.to_string()]),
                            OK,
                            "{ctx}"
                        );
                        m = kept.into();
                    }
                    8 => {
                        let (s, e) = (index(&mut r, m.len()), index(&mut r, m.len()));
                        let want = reply_of(&model_range(&m, s, e));
                        assert_eq!(
                            h.run(&["LRANGE", "k", &s.to_string(), &e.to_string()]),
                            want,
                            "{ctx}"
                        );
                    }
                    9 => {
                        let idx = index(&mut r, m.len());
                        let i = if idx < 0 { m.len() as i64 + idx } else { idx };
                        let want = if (0..m.len() as i64).contains(&i) {
                            bulk(&m[i as usize])
                        } else {
                            NIL.to_string()
                        };
                        assert_eq!(h.run(&["LINDEX", "k", &idx.to_string()]), want, "{ctx}");
                    }
                    10 => {
                        // Rotate with LMOVE, or move to a second list and back.
                        let (from_left, to_left) = (r.below(2) == 0, r.below(2) == 0);
                        let side = |l: bool| if l { "LEFT" } else { "RIGHT" };
                        let want = if from_left {
                            m.pop_front()
                        } else {
                            m.pop_back()
                        };
                        let got = h.run(&["LMOVE", "k", "k", side(from_left), side(to_left)]);
                        match want {
                            Some(v) => {
                                assert_eq!(got, bulk(&v), "{ctx}");
                                if to_left {
                                    m.push_front(v);
                                } else {
                                    m.push_back(v);
                                }
                            }
                            None => assert_eq!(got, NIL, "{ctx}"),
                        }
                    }
                    11 => {
                        let target = random_elem(&mut r);
                        let rank = if r.below(2) == 0 { 1 } else { -1 };
                        let found: Vec<String> = if rank > 0 {
                            m.iter()
                                .enumerate()
                                .filter(|(_, x)| **x == target)
                                .map(|(i, _)| i.to_string())
                                .collect()
                        } else {
                            m.iter()
                                .enumerate()
                                .rev()
                                .filter(|(_, x)| **x == target)
                                .map(|(i, _)| i.to_string())
                                .collect()
                        };
                        let mut want = format!("*{}\r\n", found.len());
                        for f in &found {
                            want.push_str(&format!(":{f}\r\n"));
                        }
                        let got = h.run(&[
                            "LPOS",
                            "k",
                            &target,
                            "RANK",
                            &rank.to_string(),
                            "COUNT",
                            "0",
                        ]);
                        assert_eq!(got, want, "{ctx}");
                    }
                    12 => {
                        let n = 1 + r.below(4) as usize;
                        let want = if m.is_empty() {
                            NIL_ARR.to_string()
                        } else {
                            let got: Vec<String> =
                                (0..n.min(m.len())).filter_map(|_| m.pop_back()).collect();
                            format!("*2\r\n$1\r\nk\r\n{}", reply_of(&got))
                        };
                        let got =
                            h.run(&["LMPOP", "2", "nokey", "k", "RIGHT", "COUNT", &n.to_string()]);
                        assert_eq!(got, want, "{ctx}");
                    }
                    _ => {
                        assert_eq!(h.run(&["LLEN", "k"]), int(m.len() as i64), "{ctx}");
                        let want = reply_of(&m.iter().cloned().collect::<Vec<_>>());
                        assert_eq!(h.run(&["LRANGE", "k", "0", "-1"]), want, "{ctx}");
                    }
                }
                let exists = h.run(&["EXISTS", "k"]);
                assert_eq!(exists, int(i64::from(!m.is_empty())), "{ctx}");
                if fill > 0 && enc(&mut h, "k") == LISTPACK {
                    assert!(m.len() <= fill as usize, "{ctx}: listpack of {}", m.len());
                }
            }
        }
    }
}
