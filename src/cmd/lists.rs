//! List commands (Redis 7.2 semantics and replies): pushes and pops at both
//! ends, index access, LINSERT / LSET / LREM / LTRIM, LPOS, LMOVE and
//! RPOPLPUSH, LMPOP. The blocking variants live elsewhere; they can reuse
//! the typed pieces here (`pop_range`, `move_element`) and in
//! `crate::types::list`.
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
    fn of(ctx: &Ctx) -> Env {
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

/// LEFT / RIGHT (LMOVE, LMPOP): Some(true) for LEFT (the head).
fn parse_side(arg: &[u8]) -> Option<bool> {
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
fn reply_elem(out: &mut ReplyBuf, e: Elem) {
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
            finish(ks, db, key, false, n);
            Ok(len)
        }
        None if xx => Ok(0),
        None => {
            let mut l = ListValue::with_capacity_for(elems);
            l.push_all(elems, left, fill);
            let len = l.len();
            ks.set(db, key, Value::List(Box::new(l)), false);
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
pub fn pop_range(out: &mut ReplyBuf, l: &mut ListValue, left: bool, count: usize, fill: i64) -> usize {
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

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let numkeys = match num::parse_i64(argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return ctx.c.reply.error(error::NUMKEYS_NOT_POSITIVE),
    };
    // The side comes right after the keys.
    let side_idx = match numkeys.checked_add(2).and_then(|i| usize::try_from(i).ok()) {
        Some(i) if i < argv.len() => i,
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    let Some(left) = parse_side(argv[side_idx]) else {
        return ctx.c.reply.error(error::SYNTAX);
    };
    let mut count = None;
    let mut j = side_idx + 1;
    while j < argv.len() {
        if count.is_none() && opt_is(argv[j], "count") && j + 1 < argv.len() {
            j += 1;
            match num::parse_i64(argv[j]) {
                Some(c) if c >= 1 => count = Some(c as u64),
                _ => return ctx.c.reply.error(error::LMPOP_COUNT_NOT_POSITIVE),
            }
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
        j += 1;
    }
    let count = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    let (db, fill) = (ctx.c.db, ctx.srv.config.list_max_listpack_size);
    for &key in &argv[2..side_idx] {
        let ks = &mut ctx.srv.ks;
        let out = &mut ctx.c.reply;
        let l = match write_list(ks, db, key, ctx.now) {
            Ok(Some(l)) if !l.is_empty() => l,
            Ok(_) => continue,
            Err(()) => return out.error(error::WRONGTYPE),
        };
        out.array(2);
        out.bulk(key);
        let removed = pop_range(out, l, left, count, fill);
        let empty = l.is_empty();
        finish(ks, db, key, empty, removed as u64);
        return;
    }
    ctx.c.reply.null_array();
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
    // The source's epilogue: the push above counted the one change.
    let empty = match ks.dbs[db].main.get_mut(src) {
        Some(Value::List(l)) if l.is_empty() => true,
        Some(Value::List(l)) => {
            l.shrink_check(fill);
            false
        }
        _ => false,
    };
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
    let iter = if rev { l.iter_at(len - 1, true) } else { l.iter_at(0, false) };
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
    if !l.insert(&Elem::from_bytes(argv[3]), &Elem::from_bytes(argv[4]), after) {
        return out.int(-1);
    }
    out.int(l.len() as i64);
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
    finish(ks, db, key, empty, (front + back) as u64);
}
