//! Generic key commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, KEYS,
//! SCAN, RANDOMKEY, the EXPIRE and TTL families, PERSIST, TOUCH, COPY, MOVE,
//! SWAPDB and OBJECT.
//!
//! Lookups follow Redis's accounting: commands that read (EXISTS, TYPE, TTL,
//! TOUCH, OBJECT, COPY's source) count keyspace hits and misses, commands that
//! write do not; all of them expire a stale key lazily first. KEYS only skips
//! stale keys (it deletes nothing while walking the dict), SCAN deletes the
//! stale keys it met after it has finished walking.

use super::{Cmd, Ctx, flags::*};
use crate::db::evict;
use crate::db::notify::{GENERIC, NEW};
use crate::error;
use crate::types::{StrValue, Value};
use crate::util::glob::glob_match;
use crate::util::num::{parse_i64, parse_scan_cursor};
use std::borrow::Cow;

/// An error reply text (static or formatted).
type Fail = Cow<'static, str>;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("del", -2, WRITE, del).keys(1, -1, 1),
    Cmd::new("unlink", -2, WRITE | FAST, unlink).keys(1, -1, 1),
    Cmd::new("exists", -2, READONLY | FAST, exists).keys(1, -1, 1),
    Cmd::new("type", 2, READONLY | FAST, type_cmd).keys(1, 1, 1),
    Cmd::new("rename", 3, WRITE, rename).keys(1, 2, 1),
    Cmd::new("renamenx", 3, WRITE | FAST, renamenx).keys(1, 2, 1),
    Cmd::new("keys", 2, READONLY, keys),
    Cmd::new("scan", -2, READONLY | TOUCHES_ARBITRARY_KEYS, scan),
    Cmd::new("randomkey", 1, READONLY | TOUCHES_ARBITRARY_KEYS, randomkey),
    Cmd::new("expire", -3, WRITE | FAST, expire).keys(1, 1, 1),
    Cmd::new("pexpire", -3, WRITE | FAST, pexpire).keys(1, 1, 1),
    Cmd::new("expireat", -3, WRITE | FAST, expireat).keys(1, 1, 1),
    Cmd::new("pexpireat", -3, WRITE | FAST, pexpireat).keys(1, 1, 1),
    Cmd::new("ttl", 2, READONLY | FAST, ttl).keys(1, 1, 1),
    Cmd::new("pttl", 2, READONLY | FAST, pttl).keys(1, 1, 1),
    Cmd::new("expiretime", 2, READONLY | FAST, expiretime).keys(1, 1, 1),
    Cmd::new("pexpiretime", 2, READONLY | FAST, pexpiretime).keys(1, 1, 1),
    Cmd::new("persist", 2, WRITE | FAST, persist).keys(1, 1, 1),
    Cmd::new("touch", -2, READONLY | FAST, touch).keys(1, -1, 1),
    Cmd::new("copy", -3, WRITE | DENYOOM, copy).keys(1, 2, 1),
    Cmd::new("move", 3, WRITE | FAST, move_cmd).keys(1, 1, 1),
    Cmd::new("swapdb", 3, WRITE | FAST, swapdb),
    Cmd::container("object", OBJECT_SUBS),
];

static OBJECT_SUBS: &[Cmd] = &[
    Cmd::new("encoding", 3, READONLY, object_encoding).keys(2, 2, 1),
    Cmd::new("freq", 3, READONLY, object_freq).keys(2, 2, 1),
    Cmd::new("help", 2, LOADING | STALE, object_help),
    Cmd::new("idletime", 3, READONLY, object_idletime).keys(2, 2, 1),
    Cmd::new("refcount", 3, READONLY, object_refcount).keys(2, 2, 1),
];

// ---- DEL / UNLINK / EXISTS / TYPE / TOUCH ----------------------------------------------

/// DEL key [key ...]
fn del(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = delete_keys(ctx, &argv[1..]);
    ctx.c.reply.int(n);
}

/// UNLINK key [key ...]
///
/// Values are freed in place: no value type is expensive enough to free yet
/// to be worth a background thread.
fn unlink(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = delete_keys(ctx, &argv[1..]);
    ctx.c.reply.int(n);
}

/// Deletes each key (a key named twice counts once); returns how many
/// existed. A stale key counts as missing.
fn delete_keys(ctx: &mut Ctx, keys: &[&[u8]]) -> i64 {
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    let mut n = 0;
    for k in keys {
        ks.expire_now_if_needed(db, k, ctx.now);
        if ks.delete(db, k) {
            n += 1;
            ks.notify(GENERIC, "del", db, k);
        }
    }
    n
}

/// EXISTS key [key ...]
fn exists(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = count_live(ctx, &argv[1..], false);
    ctx.c.reply.int(n);
}

/// TOUCH key [key ...]
///
/// Updates each key's access clock (or LFU counter), and counts.
fn touch(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = count_live(ctx, &argv[1..], true);
    ctx.c.reply.int(n);
}

/// How many of `keys` exist, counting repeats, with read accounting;
/// `touch` says whether the lookups update access clocks.
fn count_live(ctx: &mut Ctx, keys: &[&[u8]], touch: bool) -> i64 {
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    let mut n = 0;
    for k in keys {
        let found = if touch {
            ks.lookup_read(db, k, ctx.now).is_some()
        } else {
            ks.lookup_read_notouch(db, k, ctx.now).is_some()
        };
        n += i64::from(found);
    }
    n
}

/// TYPE key
fn type_cmd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let name = ctx
        .srv
        .ks
        .lookup_read_notouch(ctx.c.db, argv[1], ctx.now)
        .map_or("none", Value::type_name);
    ctx.c.reply.simple(name);
}

// ---- RENAME / RENAMENX -------------------------------------------------------------------

/// RENAME key newkey
fn rename(ctx: &mut Ctx, argv: &[&[u8]]) {
    match rename_generic(ctx, argv[1], argv[2], false) {
        Ok(_) => ctx.c.reply.ok(),
        Err(e) => ctx.c.reply.error(&e),
    }
}

/// RENAMENX key newkey
fn renamenx(ctx: &mut Ctx, argv: &[&[u8]]) {
    match rename_generic(ctx, argv[1], argv[2], true) {
        Ok(done) => ctx.c.reply.int(i64::from(done)),
        Err(e) => ctx.c.reply.error(&e),
    }
}

/// Renames `src` to `dst`, keeping the source's TTL and dropping whatever
/// `dst` held. Ok(false) when nothing moved: the names are equal, or (with
/// `nx`) `dst` exists.
fn rename_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], nx: bool) -> Result<bool, Fail> {
    let (db, now) = (ctx.c.db, ctx.now);
    let ks = &mut ctx.srv.ks;
    if !ks.exists(db, src, now) {
        return Err(error::NO_SUCH_KEY.into());
    }
    if src == dst {
        return Ok(false);
    }
    let dst_existed = ks.exists(db, dst, now);
    if dst_existed && nx {
        return Ok(false);
    }
    let done = ks.rename(db, src, dst);
    if done {
        // Redis deletes the old destination and adds the key anew.
        if dst_existed {
            ks.notify(NEW, "new", db, dst);
        }
        ks.notify(GENERIC, "rename_from", db, src);
        ks.notify(GENERIC, "rename_to", db, dst);
    }
    Ok(done)
}

// ---- KEYS / SCAN / RANDOMKEY ------------------------------------------------------------

/// KEYS pattern
fn keys(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, now) = (ctx.c.db, ctx.now);
    let pattern = argv[1];
    // "*" also lists the empty key, which the matcher itself does not.
    let all = pattern == b"*";
    let ks = &ctx.srv.ks;
    let found: Vec<&[u8]> = ks.dbs[db]
        .main
        .keys()
        .filter(|k| (all || glob_match(pattern, k, false)) && !ks.is_expired(db, k, now))
        .collect();
    let out = &mut ctx.c.reply;
    out.array(found.len());
    for k in found {
        out.bulk(k);
    }
}

/// SCAN's options.
struct ScanArgs<'a> {
    cursor: u64,
    count: usize,
    pattern: Option<&'a [u8]>,
    type_name: Option<&'a [u8]>,
}

/// Parses `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`; later
/// repeats of an option win.
fn parse_scan_args<'a>(argv: &[&'a [u8]]) -> Result<ScanArgs<'a>, Fail> {
    let cursor = parse_scan_cursor(argv[1]).ok_or(error::INVALID_CURSOR)?;
    let mut args = ScanArgs {
        cursor,
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut rest = &argv[2..];
    while let [opt, value, tail @ ..] = rest {
        if opt.eq_ignore_ascii_case(b"count") {
            let n = parse_i64(value).ok_or(error::NOT_INTEGER)?;
            if n < 1 {
                return Err(error::SYNTAX.into());
            }
            args.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if opt.eq_ignore_ascii_case(b"match") {
            // "*" matches everything (including the empty key): no filter.
            args.pattern = (*value != b"*").then_some(*value);
        } else if opt.eq_ignore_ascii_case(b"type") {
            // An unknown type name is not an error in 7.2 (it is from 8.0
            // on): it simply matches no key.
            args.type_name = Some(*value);
        } else {
            return Err(error::SYNTAX.into());
        }
        rest = tail;
    }
    if rest.is_empty() {
        Ok(args)
    } else {
        Err(error::SYNTAX.into())
    }
}

/// One SCAN call's result.
struct ScanPage {
    cursor: u64,
    keys: Vec<Vec<u8>>,
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
fn scan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let page = parse_scan_args(argv).map(|args| scan_db(ctx, &args));
    let out = &mut ctx.c.reply;
    match page {
        Ok(page) => {
            out.array(2);
            out.bulk(page.cursor.to_string().as_bytes());
            out.array(page.keys.len());
            for k in &page.keys {
                out.bulk(k);
            }
        }
        Err(e) => out.error(&e),
    }
}

/// Walks the selected database from `args.cursor` until COUNT keys were
/// looked at (or 10 * COUNT buckets, for sparse tables), keeps the keys
/// matching the pattern, then drops those of another type and the stale
/// ones (deleting them, as Redis's SCAN does).
fn scan_db(ctx: &mut Ctx, args: &ScanArgs) -> ScanPage {
    let (db, now) = (ctx.c.db, ctx.now);
    let ks = &mut ctx.srv.ks;
    let mut keys = Vec::new();
    let mut cursor = args.cursor;
    let mut sampled = 0usize;
    let mut buckets_left = args.count.saturating_mul(10);
    let main = &ks.dbs[db].main;
    loop {
        cursor = main.scan(cursor, |k, _| {
            sampled += 1;
            if args.pattern.is_none_or(|p| glob_match(p, k, false)) {
                keys.push(k.to_vec());
            }
        });
        if cursor == 0 || buckets_left == 0 || sampled >= args.count {
            break;
        }
        buckets_left -= 1;
    }
    keys.retain(|k| match args.type_name {
        // Redis 7.2 checks the type with a read lookup (stats and lazy
        // expiry included).
        Some(t) => ks
            .lookup_read(db, k, now)
            .is_some_and(|v| v.type_name().as_bytes().eq_ignore_ascii_case(t)),
        None => !ks.expire_if_needed(db, k, now),
    });
    ScanPage { cursor, keys }
}

/// RANDOMKEY
fn randomkey(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    // Like a Redis master, keep drawing (and deleting stale keys) until a
    // live key turns up or the database is empty: each failed
    // `random_key` call has deleted the stale keys it drew.
    let key = loop {
        match ks.random_key(db, ctx.now) {
            Some(k) => break Some(k),
            None if ks.dbs[db].is_empty() => break None,
            None => {}
        }
    };
    match key {
        Some(k) => ctx.c.reply.bulk(&k),
        None => ctx.c.reply.null(),
    }
}

// ---- EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT ---------------------------------------------

/// EXPIRE key seconds [NX | XX | GT | LT]
fn expire(ctx: &mut Ctx, argv: &[&[u8]]) {
    let base = ctx.now;
    reply_expire(ctx, argv, base, Unit::Seconds);
}

/// PEXPIRE key milliseconds [NX | XX | GT | LT]
fn pexpire(ctx: &mut Ctx, argv: &[&[u8]]) {
    let base = ctx.now;
    reply_expire(ctx, argv, base, Unit::Millis);
}

/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
fn expireat(ctx: &mut Ctx, argv: &[&[u8]]) {
    reply_expire(ctx, argv, 0, Unit::Seconds);
}

/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
fn pexpireat(ctx: &mut Ctx, argv: &[&[u8]]) {
    reply_expire(ctx, argv, 0, Unit::Millis);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Millis,
}

/// The EXPIRE conditions.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn reply_expire(ctx: &mut Ctx, argv: &[&[u8]], base: i64, unit: Unit) {
    match expire_generic(ctx, argv, base, unit) {
        Ok(set) => ctx.c.reply.int(i64::from(set)),
        Err(e) => ctx.c.reply.error(&e),
    }
}

fn parse_expire_flags(opts: &[&[u8]]) -> Result<ExpireFlags, Fail> {
    let mut f = ExpireFlags::default();
    for opt in opts {
        let flag = if opt.eq_ignore_ascii_case(b"nx") {
            &mut f.nx
        } else if opt.eq_ignore_ascii_case(b"xx") {
            &mut f.xx
        } else if opt.eq_ignore_ascii_case(b"gt") {
            &mut f.gt
        } else if opt.eq_ignore_ascii_case(b"lt") {
            &mut f.lt
        } else {
            return Err(error::unsupported_option(opt).into());
        };
        *flag = true;
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(error::EXPIRE_NX_AND_OTHERS.into());
    }
    if f.gt && f.lt {
        return Err(error::EXPIRE_GT_AND_LT.into());
    }
    Ok(f)
}

/// Sets the expiry of argv[1] to argv[2] (in `unit`) after `base` (ms; 0
/// for the absolute variants). Ok(true) when the TTL was set or, being in
/// the past, the key was deleted; Ok(false) for a missing key or an unmet
/// condition. A key without TTL counts as an infinite TTL for GT and LT.
fn expire_generic(ctx: &mut Ctx, argv: &[&[u8]], base: i64, unit: Unit) -> Result<bool, Fail> {
    let flags = parse_expire_flags(&argv[3..])?;
    let n = parse_i64(argv[2]).ok_or(error::NOT_INTEGER)?;
    let when = match unit {
        Unit::Seconds => n.checked_mul(1000),
        Unit::Millis => Some(n),
    }
    .and_then(|ms| ms.checked_add(base))
    .ok_or_else(|| error::invalid_expire(ctx.cmd.name))?;

    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let ks = &mut ctx.srv.ks;
    if !ks.exists(db, key, now) {
        return Ok(false);
    }
    let current = ks.get_expire(db, key);
    let refused = match current {
        Some(cur) => flags.nx || (flags.gt && when <= cur) || (flags.lt && when >= cur),
        None => flags.xx || flags.gt,
    };
    if refused {
        return Ok(false);
    }
    // Replayed as an absolute PEXPIREAT (with its condition words), or as
    // the deletion an expiry in the past is.
    if when <= now && !ks.loading {
        ks.delete(db, key);
        ks.notify(GENERIC, "del", db, key);
        let del = if ctx.srv.config.get_bool("lazyfree-lazy-expire") == Some(true) {
            &b"UNLINK"[..]
        } else {
            b"DEL"
        };
        ctx.propagate_as(&[del, key]);
    } else {
        ks.set_expire(db, key, when);
        ks.signal_modified(db, key);
        ks.notify(GENERIC, "expire", db, key);
        let at = when.to_string();
        let mut form: Vec<&[u8]> = vec![b"PEXPIREAT", key, at.as_bytes()];
        form.extend_from_slice(&argv[3..]);
        ctx.propagate_as(&form);
    }
    Ok(true)
}

// ---- TTL / PTTL / EXPIRETIME / PEXPIRETIME / PERSIST ---------------------------------

/// TTL key
fn ttl(ctx: &mut Ctx, argv: &[&[u8]]) {
    let v = ttl_generic(ctx, argv[1], Unit::Seconds, false);
    ctx.c.reply.int(v);
}

/// PTTL key
fn pttl(ctx: &mut Ctx, argv: &[&[u8]]) {
    let v = ttl_generic(ctx, argv[1], Unit::Millis, false);
    ctx.c.reply.int(v);
}

/// EXPIRETIME key
fn expiretime(ctx: &mut Ctx, argv: &[&[u8]]) {
    let v = ttl_generic(ctx, argv[1], Unit::Seconds, true);
    ctx.c.reply.int(v);
}

/// PEXPIRETIME key
fn pexpiretime(ctx: &mut Ctx, argv: &[&[u8]]) {
    let v = ttl_generic(ctx, argv[1], Unit::Millis, true);
    ctx.c.reply.int(v);
}

/// -2 for a missing key, -1 for a key without TTL, else the remaining time
/// (or, `absolute`, the expiry time) in `unit`. Seconds are rounded to the
/// nearest like Redis: (ms + 500) / 1000.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], unit: Unit, absolute: bool) -> i64 {
    let (db, now) = (ctx.c.db, ctx.now);
    let ks = &mut ctx.srv.ks;
    // Asking for the TTL is no access: the idle time stays (Redis NOTOUCH).
    if ks.lookup_read_notouch(db, key, now).is_none() {
        return -2;
    }
    let Some(when) = ks.get_expire(db, key) else {
        return -1;
    };
    let ms = if absolute {
        when
    } else {
        when.saturating_sub(now)
    }
    .max(0);
    match unit {
        Unit::Millis => ms,
        // Wider arithmetic: an expiry near i64::MAX rounds up, as in Redis.
        Unit::Seconds => ((i128::from(ms) + 500) / 1000) as i64,
    }
}

/// PERSIST key
fn persist(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let ks = &mut ctx.srv.ks;
    let done = ks.exists(db, key, now) && ks.persist(db, key);
    if done {
        ks.signal_modified(db, key);
        ks.notify(GENERIC, "persist", db, key);
    }
    ctx.c.reply.int(i64::from(done));
}

// ---- COPY / MOVE / SWAPDB -------------------------------------------------------------------

/// A DB index argument as Redis's getIntFromObjectOrReply reads it: an
/// integer, then within i32. `invalid` replaces both errors when given.
fn parse_db_arg(arg: &[u8], invalid: Option<&'static str>) -> Result<i32, Fail> {
    let n = parse_i64(arg).ok_or(invalid.unwrap_or(error::NOT_INTEGER))?;
    i32::try_from(n).map_err(|_| invalid.unwrap_or(error::NOT_I32).into())
}

/// `id` as a database index of this server.
fn db_index(ctx: &Ctx, id: i32) -> Result<usize, Fail> {
    usize::try_from(id)
        .ok()
        .filter(|&i| i < ctx.srv.ks.dbs.len())
        .ok_or(error::DB_INDEX_OUT_OF_RANGE.into())
}

/// COPY source destination [DB destination-db] [REPLACE]
fn copy(ctx: &mut Ctx, argv: &[&[u8]]) {
    match copy_generic(ctx, argv) {
        Ok(done) => ctx.c.reply.int(i64::from(done)),
        Err(e) => ctx.c.reply.error(&e),
    }
}

/// Copies the value and TTL of argv[1] to argv[2] (in the DB option's
/// database). Ok(false) when the source is missing or the destination exists
/// without REPLACE.
fn copy_generic(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<bool, Fail> {
    let (src_db, now) = (ctx.c.db, ctx.now);
    let (src, dst) = (argv[1], argv[2]);
    let mut dst_db = src_db;
    let mut replace = false;
    let mut rest = &argv[3..];
    while let [opt, tail @ ..] = rest {
        rest = tail;
        if opt.eq_ignore_ascii_case(b"replace") {
            replace = true;
            continue;
        }
        match rest {
            [id, tail @ ..] if opt.eq_ignore_ascii_case(b"db") => {
                dst_db = db_index(ctx, parse_db_arg(id, None)?)?;
                rest = tail;
            }
            _ => return Err(error::SYNTAX.into()),
        }
    }
    if src_db == dst_db && src == dst {
        return Err(error::SAME_OBJECT.into());
    }
    let ks = &mut ctx.srv.ks;
    if ks.lookup_read(src_db, src, now).is_none() {
        return Ok(false);
    }
    let dst_existed = ks.exists(dst_db, dst, now);
    if dst_existed && !replace {
        return Ok(false);
    }
    let Some(val) = ks.dbs[src_db].main.get(src).cloned() else {
        return Ok(false);
    };
    let expire = ks.get_expire(src_db, src);
    ks.set_with_expire(dst_db, dst, val, expire);
    // REPLACE deletes the old destination and adds the copy anew.
    if dst_existed {
        ks.notify(NEW, "new", dst_db, dst);
    }
    ks.notify(GENERIC, "copy_to", dst_db, dst);
    Ok(true)
}

/// MOVE key db
fn move_cmd(ctx: &mut Ctx, argv: &[&[u8]]) {
    match move_generic(ctx, argv[1], argv[2]) {
        Ok(done) => ctx.c.reply.int(i64::from(done)),
        Err(e) => ctx.c.reply.error(&e),
    }
}

/// Moves `key` with its TTL to database `db_arg`. Ok(false) when the key is
/// missing here or already exists there.
fn move_generic(ctx: &mut Ctx, key: &[u8], db_arg: &[u8]) -> Result<bool, Fail> {
    let (src, now) = (ctx.c.db, ctx.now);
    let dst = db_index(ctx, parse_db_arg(db_arg, None)?)?;
    if dst == src {
        return Err(error::SAME_OBJECT.into());
    }
    let ks = &mut ctx.srv.ks;
    if !ks.exists(src, key, now) || ks.exists(dst, key, now) {
        return Ok(false);
    }
    let done = ks.move_key(src, dst, key);
    if done {
        ks.notify(GENERIC, "move_from", src, key);
        ks.notify(GENERIC, "move_to", dst, key);
    }
    Ok(done)
}

/// SWAPDB index1 index2
fn swapdb(ctx: &mut Ctx, argv: &[&[u8]]) {
    let ids = parse_db_arg(argv[1], Some(error::INVALID_FIRST_DB_INDEX)).and_then(|a| {
        let b = parse_db_arg(argv[2], Some(error::INVALID_SECOND_DB_INDEX))?;
        Ok((db_index(ctx, a)?, db_index(ctx, b)?))
    });
    match ids {
        Ok((a, b)) => {
            ctx.srv.ks.swap_dbs(a, b);
            ctx.c.reply.ok();
        }
        Err(e) => ctx.c.reply.error(&e),
    }
}

// ---- OBJECT -----------------------------------------------------------------------------------

/// Redis shares the integer objects 0..=9999 (OBJ_SHARED_INTEGERS) and
/// reports their refcount as INT_MAX (OBJ_SHARED_REFCOUNT).
const SHARED_INTEGERS: i64 = 10_000;
const SHARED_REFCOUNT: i64 = i32::MAX as i64;
/// Whether the maxmemory policy is an LFU one (allkeys-lfu, volatile-lfu).
fn lfu_policy(ctx: &Ctx) -> bool {
    ctx.srv.ks.evict.policy.is_lfu()
}

/// Whether Redis would store small integers as shared objects: not with a
/// maxmemory limit under an LRU or LFU policy (they need a per-object
/// clock). Redis decides when the value is created; this looks at the
/// configuration at the time of the query.
fn shares_integers(ctx: &Ctx) -> bool {
    let policy = &ctx.srv.config.maxmemory_policy;
    ctx.srv.config.maxmemory == 0 || !(policy.ends_with("-lru") || policy.ends_with("-lfu"))
}

/// OBJECT ENCODING key
fn object_encoding(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match ctx.srv.ks.lookup_object(ctx.c.db, argv[2], ctx.now) {
        Some(v) => out.bulk_str(v.encoding_name()),
        None => out.null(),
    }
}

/// OBJECT REFCOUNT key
///
/// Values are never shared, so this is 1, except for the small integers
/// Redis would have stored as shared objects. (Redis gives a COPY of such an
/// integer a private object with refcount 1; here the copy reports the
/// shared count too.)
fn object_refcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let shared = shares_integers(ctx);
    let out = &mut ctx.c.reply;
    match ctx.srv.ks.lookup_object(ctx.c.db, argv[2], ctx.now) {
        Some(Value::Str(StrValue::Int(i))) if shared && (0..SHARED_INTEGERS).contains(i) => {
            out.int(SHARED_REFCOUNT)
        }
        Some(_) => out.int(1),
        None => out.null(),
    }
}

/// OBJECT IDLETIME key
///
/// Seconds since the key was last accessed (the LRU clock in its entry).
/// Under an LFU policy the clock is not kept and Redis refuses, as here.
fn object_idletime(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lfu = lfu_policy(ctx);
    let (db, now) = (ctx.c.db, ctx.now);
    let ks = &mut ctx.srv.ks;
    let out = &mut ctx.c.reply;
    if ks.lookup_object(db, argv[2], now).is_none() {
        return out.null();
    }
    match ks.key_meta(db, argv[2]) {
        Some(_) if lfu => out.error(error::IDLETIME_UNDER_LFU),
        Some(meta) => out.int((evict::idle_ms(meta, now) / 1000) as i64),
        None => out.null(),
    }
}

/// OBJECT FREQ key
///
/// The key's logarithmic access counter, decayed to now. Refused unless the
/// maxmemory policy is an LFU one, like Redis.
fn object_freq(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lfu = lfu_policy(ctx);
    let (db, now) = (ctx.c.db, ctx.now);
    let ks = &mut ctx.srv.ks;
    let decay = ks.evict.lfu_decay_time;
    let out = &mut ctx.c.reply;
    if ks.lookup_object(db, argv[2], now).is_none() {
        return out.null();
    }
    match ks.key_meta(db, argv[2]) {
        Some(meta) if lfu => out.int(i64::from(evict::lfu_counter(meta, now, decay))),
        Some(_) => out.error(error::FREQ_NEEDS_LFU),
        None => out.null(),
    }
}

/// OBJECT HELP (our own words; Redis's line count).
fn object_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const HELP: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Reply with the name of the in-memory representation of the value",
        "    stored at <key> (listpack, hashtable, intset, embstr...).",
        "FREQ <key>",
        "    Reply with the logarithmic access counter of <key>; only with an LFU",
        "    maxmemory-policy.",
        "IDLETIME <key>",
        "    Reply with roughly how many seconds passed since <key> was last read",
        "    or written; not with an LFU maxmemory-policy.",
        "REFCOUNT <key>",
        "    Reply with how many references the value stored at <key> has",
        "    (always 1 here, values are not shared).",
        "HELP",
        "    Print this help.",
    ];
    ctx.c.reply.status_lines(HELP);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;
    use std::collections::HashSet;

    /// Unix ms the tests pin the clock to.
    const NOW: i64 = 1_700_000_000_000;

    fn harness() -> Harness {
        let mut h = Harness::new();
        h.now = Some(NOW);
        h
    }

    /// Runs each command, asserting its exact reply.
    fn check(h: &mut Harness, cases: &[(&[&str], &str)]) {
        for (argv, want) in cases {
            assert_eq!(h.run(argv), *want, "{argv:?}");
        }
    }

    fn arity(name: &str) -> String {
        format!("-ERR wrong number of arguments for '{name}' command\r\n")
    }

    /// The keys of a SCAN reply (panics on anything else).
    fn parse_scan(reply: &[u8]) -> (u64, Vec<Vec<u8>>) {
        fn line(b: &[u8], pos: &mut usize) -> Vec<u8> {
            let end = *pos + b[*pos..].windows(2).position(|w| w == b"\r\n").unwrap();
            let l = b[*pos..end].to_vec();
            *pos = end + 2;
            l
        }
        fn bulk(b: &[u8], pos: &mut usize) -> Vec<u8> {
            let hdr = line(b, pos);
            assert_eq!(hdr[0], b'$');
            let n: usize = std::str::from_utf8(&hdr[1..]).unwrap().parse().unwrap();
            let v = b[*pos..*pos + n].to_vec();
            *pos += n + 2;
            v
        }
        let mut pos = 0;
        assert_eq!(line(reply, &mut pos), b"*2");
        let cursor = String::from_utf8(bulk(reply, &mut pos))
            .unwrap()
            .parse()
            .unwrap();
        let n_line = line(reply, &mut pos);
        assert_eq!(n_line[0], b'*');
        let n: usize = std::str::from_utf8(&n_line[1..]).unwrap().parse().unwrap();
        let keys = (0..n).map(|_| bulk(reply, &mut pos)).collect();
        assert_eq!(pos, reply.len());
        (cursor, keys)
    }

    fn scan_call(h: &mut Harness, cursor: u64, extra: &[&str]) -> (u64, Vec<Vec<u8>>) {
        let c = cursor.to_string();
        let mut argv = vec!["SCAN", c.as_str()];
        argv.extend_from_slice(extra);
        let reply = h.run_bytes(&argv.iter().map(|s| s.as_bytes()).collect::<Vec<_>>());
        parse_scan(&reply)
    }

    /// A whole SCAN iteration; returns the distinct keys seen.
    fn scan_all(h: &mut Harness, extra: &[&str]) -> HashSet<Vec<u8>> {
        let mut seen = HashSet::new();
        let mut cursor = 0;
        loop {
            let (next, keys) = scan_call(h, cursor, extra);
            seen.extend(keys);
            if next == 0 {
                return seen;
            }
            cursor = next;
        }
    }

    #[test]
    fn del_and_unlink() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["DEL", "nothing"], ":0\r\n"),
                (&["SET", "a", "1"], "+OK\r\n"),
                (&["SET", "b", "2"], "+OK\r\n"),
                (&["SET", "c", "3"], "+OK\r\n"),
                (&["DEL", "a", "a", "b", "nothing"], ":2\r\n"),
                (&["EXISTS", "a", "b"], ":0\r\n"),
                (&["unlink", "c", "c"], ":1\r\n"),
                (&["UNLINK", "c"], ":0\r\n"),
                (&["DEL"], &arity("del")),
                (&["UNLINK"], &arity("unlink")),
            ],
        );
        assert!(h.srv.ks.dbs[0].is_empty());
        // A binary key.
        assert_eq!(h.run_bytes(&[b"SET", b"\x00\xff", b"v"]), b"+OK\r\n");
        assert_eq!(h.run_bytes(&[b"DEL", b"\x00\xff"]), b":1\r\n");
    }

    #[test]
    fn del_of_a_stale_key_counts_zero() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["SET", "k", "v"], "+OK\r\n"),
                (&["PEXPIRE", "k", "10"], ":1\r\n"),
            ],
        );
        h.now = Some(NOW + 10);
        assert_eq!(h.run(&["DEL", "k"]), ":0\r\n");
        assert_eq!(h.srv.ks.stats.expired_keys, 1);
        assert!(h.srv.ks.dbs[0].is_empty());
    }

    #[test]
    fn del_runs_the_write_epilogue_per_deleted_key() {
        let mut h = harness();
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "1"]);
        let dirty = h.srv.ks.dirty;
        assert_eq!(h.run(&["DEL", "a", "b", "c"]), ":2\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 2);
    }

    #[test]
    fn exists_counts_repeats_and_stats() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["EXISTS", "nothing"], ":0\r\n"),
                (&["SET", "a", "1"], "+OK\r\n"),
                (&["SET", "b", "1"], "+OK\r\n"),
                (&["EXISTS", "a"], ":1\r\n"),
                (&["EXISTS", "a", "a", "a"], ":3\r\n"),
                (&["EXISTS", "a", "b", "nothing", "b"], ":3\r\n"),
                (&["EXISTS"], &arity("exists")),
            ],
        );
        // Hits: a, a a a, a b b = 7; misses: nothing twice.
        assert_eq!(h.srv.ks.stats.keyspace_hits, 7);
        assert_eq!(h.srv.ks.stats.keyspace_misses, 2);
    }

    #[test]
    fn type_of_keys() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["TYPE", "nothing"], "+none\r\n"),
                (&["SET", "a", "1"], "+OK\r\n"),
                (&["TYPE", "a"], "+string\r\n"),
                (&["SET", "b", "hello"], "+OK\r\n"),
                (&["type", "b"], "+string\r\n"),
                (&["TYPE"], &arity("type")),
                (&["TYPE", "a", "b"], &arity("type")),
                (&["PEXPIRE", "a", "5"], ":1\r\n"),
            ],
        );
        h.now = Some(NOW + 5);
        assert_eq!(h.run(&["TYPE", "a"]), "+none\r\n");
        h.c.reply.resp3 = true;
        assert_eq!(h.run(&["TYPE", "b"]), "+string\r\n");
    }

    #[test]
    fn rename_moves_value_and_ttl() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["SET", "src", "hello"], "+OK\r\n"),
                (&["RENAME", "src", "dst"], "+OK\r\n"),
                (&["GET", "src"], "$-1\r\n"),
                (&["GET", "dst"], "$5\r\nhello\r\n"),
                (&["RENAME", "nothing", "dst"], "-ERR no such key\r\n"),
                (&["RENAME", "nothing", "nothing"], "-ERR no such key\r\n"),
                (&["RENAME", "dst", "dst"], "+OK\r\n"),
                (&["GET", "dst"], "$5\r\nhello\r\n"),
                // Overwrite: the destination's TTL goes, the source's comes.
                (&["SET", "other", "x"], "+OK\r\n"),
                (&["PEXPIRE", "other", "5000"], ":1\r\n"),
                (&["RENAME", "dst", "other"], "+OK\r\n"),
                (&["GET", "other"], "$5\r\nhello\r\n"),
                (&["TTL", "other"], ":-1\r\n"),
                (&["EXISTS", "dst"], ":0\r\n"),
                (&["PEXPIRE", "other", "100000"], ":1\r\n"),
                (&["RENAME", "other", "third"], "+OK\r\n"),
                (&["PTTL", "third"], ":100000\r\n"),
                (&["RENAME", "a"], &arity("rename")),
                (&["RENAME", "a", "b", "c"], &arity("rename")),
            ],
        );
        // Binary names.
        assert_eq!(
            h.run_bytes(&[b"RENAME", b"third", b"\x00x\r\n"]),
            b"+OK\r\n"
        );
        assert_eq!(h.run_bytes(&[b"GET", b"\x00x\r\n"]), b"$5\r\nhello\r\n");
    }

    #[test]
    fn rename_of_a_stale_key_is_no_such_key() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        h.run(&["PEXPIRE", "k", "1"]);
        h.run(&["SET", "d", "v"]);
        h.run(&["PEXPIRE", "d", "1"]);
        h.now = Some(NOW + 1);
        assert_eq!(h.run(&["RENAME", "k", "x"]), "-ERR no such key\r\n");
        assert_eq!(h.run(&["RENAME", "k", "k"]), "-ERR no such key\r\n");
        assert_eq!(h.run(&["RENAMENX", "k", "x"]), "-ERR no such key\r\n");
        h.run(&["SET", "k", "v"]);
        // A stale destination does not block RENAMENX.
        assert_eq!(h.run(&["RENAMENX", "k", "d"]), ":1\r\n");
        assert_eq!(h.run(&["TTL", "d"]), ":-1\r\n");
    }

    #[test]
    fn rename_signals_both_keys() {
        let mut h = harness();
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "2"]);
        let dirty = h.srv.ks.dirty;
        assert_eq!(h.run(&["RENAME", "a", "b"]), "+OK\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 2);
        assert_eq!(h.run(&["RENAME", "b", "b"]), "+OK\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 2);
        assert_eq!(h.srv.ks.dbs[0].len(), 1);
        assert_eq!(h.srv.ks.expires_len(0), 0);
    }

    #[test]
    fn renamenx_only_into_free_names() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["SET", "other", "x"], "+OK\r\n"),
                (&["RENAMENX", "other", "other"], ":0\r\n"),
                (&["RENAMENX", "nothing", "x"], "-ERR no such key\r\n"),
                (&["SET", "y", "1"], "+OK\r\n"),
                (&["RENAMENX", "other", "y"], ":0\r\n"),
                (&["GET", "y"], "$1\r\n1\r\n"),
                (&["PEXPIRE", "other", "7000"], ":1\r\n"),
                (&["RENAMENX", "other", "z"], ":1\r\n"),
                (&["GET", "z"], "$1\r\nx\r\n"),
                (&["PTTL", "z"], ":7000\r\n"),
                (&["EXISTS", "other"], ":0\r\n"),
                (&["RENAMENX", "a"], &arity("renamenx")),
            ],
        );
    }

    #[test]
    fn keys_patterns() {
        let mut h = harness();
        assert_eq!(h.run(&["KEYS", "*"]), "*0\r\n");
        for k in [
            "hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "foo", "foobar", "", "[x]",
        ] {
            h.run(&["SET", k, "1"]);
        }
        let keys = |h: &mut Harness, p: &str| -> HashSet<String> {
            let r = h.run(&["KEYS", p]);
            let mut lines = r.split("\r\n");
            let n: usize = lines.next().unwrap()[1..].parse().unwrap();
            let v: Vec<String> = lines.skip(1).step_by(2).take(n).map(String::from).collect();
            assert_eq!(v.len(), n);
            v.into_iter().collect()
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<HashSet<_>>();
        assert_eq!(keys(&mut h, "*").len(), 10, "'*' lists the empty key");
        assert_eq!(
            keys(&mut h, "**").len(),
            9,
            "the matcher skips the empty key"
        );
        assert_eq!(
            keys(&mut h, "h?llo"),
            s(&["hello", "hallo", "hxllo", "h*llo"])
        );
        assert_eq!(keys(&mut h, "h[ae]llo"), s(&["hello", "hallo"]));
        assert_eq!(keys(&mut h, "h[^e]llo"), s(&["hallo", "hxllo", "h*llo"]));
        assert_eq!(keys(&mut h, "h\\*llo"), s(&["h*llo"]));
        assert_eq!(keys(&mut h, "foo*"), s(&["foo", "foobar"]));
        assert_eq!(keys(&mut h, "\\[x\\]"), s(&["[x]"]));
        assert_eq!(keys(&mut h, ""), s(&[""]));
        assert_eq!(keys(&mut h, "nomatch*"), s(&[]));
        assert_eq!(h.run(&["KEYS", "foobar"]), "*1\r\n$6\r\nfoobar\r\n");
        check(
            &mut h,
            &[
                (&["KEYS"], &arity("keys")),
                (&["KEYS", "a", "b"], &arity("keys")),
            ],
        );
    }

    #[test]
    fn keys_skips_stale_keys_without_deleting() {
        let mut h = harness();
        for i in 0..200 {
            let k = format!("k{i}");
            h.run(&["SET", &k, "v"]);
            if i % 2 == 0 {
                h.run(&["PEXPIRE", &k, "10"]);
            }
        }
        h.now = Some(NOW + 10);
        let r = h.run(&["KEYS", "*"]);
        assert!(r.starts_with("*100\r\n"), "{r}");
        assert!(!r.contains("$2\r\nk0\r\n"));
        assert!(r.contains("$2\r\nk1\r\n"));
        // Nothing was deleted; the stale keys go on access.
        assert_eq!(h.srv.ks.dbs[0].len(), 200);
        assert_eq!(h.srv.ks.stats.expired_keys, 0);
        assert_eq!(h.run(&["KEYS", "k1?"]).split("\r\n").next(), Some("*5"));
    }

    #[test]
    fn scan_empty_and_single() {
        let mut h = harness();
        let empty = "*2\r\n$1\r\n0\r\n*0\r\n";
        check(
            &mut h,
            &[
                (&["SCAN", "0"], empty),
                (&["SCAN", "0", "MATCH", "*"], empty),
                (&["SCAN", "12345"], empty),
                (&["SET", "single", "v"], "+OK\r\n"),
                (&["SCAN", "0"], "*2\r\n$1\r\n0\r\n*1\r\n$6\r\nsingle\r\n"),
                (
                    &["SCAN", "0", "TYPE", "string"],
                    "*2\r\n$1\r\n0\r\n*1\r\n$6\r\nsingle\r\n",
                ),
                (
                    &["SCAN", "0", "type", "STRING"],
                    "*2\r\n$1\r\n0\r\n*1\r\n$6\r\nsingle\r\n",
                ),
                (&["SCAN", "0", "TYPE", "hash"], empty),
                (&["SCAN", "0", "TYPE", "nosuchtype"], empty),
                (
                    &["SCAN", "0", "MATCH", "s*"],
                    "*2\r\n$1\r\n0\r\n*1\r\n$6\r\nsingle\r\n",
                ),
                (&["SCAN", "0", "MATCH", "x*"], empty),
            ],
        );
        h.c.reply.resp3 = true;
        assert_eq!(h.run(&["SCAN", "0", "MATCH", "x*"]), empty);
    }

    #[test]
    fn scan_argument_errors() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        let one = "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n";
        check(
            &mut h,
            &[
                (&["SCAN", "abc"], "-ERR invalid cursor\r\n"),
                (&["SCAN", "1.5"], "-ERR invalid cursor\r\n"),
                (&["SCAN", " 0"], "-ERR invalid cursor\r\n"),
                (&["SCAN", "0 "], "-ERR invalid cursor\r\n"),
                (&["SCAN", "18446744073709551616"], "-ERR invalid cursor\r\n"),
                (&["SCAN", "-"], "-ERR invalid cursor\r\n"),
                (&["SCAN", "abc", "COUNT", "0"], "-ERR invalid cursor\r\n"),
                // strtoul's leniency, as in Redis.
                (&["SCAN", ""], one),
                (&["SCAN", "+0"], one),
                (&["SCAN", "-0"], one),
                (&["SCAN", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
                (&["SCAN", "0", "COUNT", "-1"], "-ERR syntax error\r\n"),
                (
                    &["SCAN", "0", "COUNT", "abc"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &["SCAN", "0", "COUNT", "abc", "BOGUS"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &["SCAN", "0", "BOGUS", "x", "COUNT", "abc"],
                    "-ERR syntax error\r\n",
                ),
                (&["SCAN", "0", "COUNT"], "-ERR syntax error\r\n"),
                (&["SCAN", "0", "MATCH"], "-ERR syntax error\r\n"),
                (&["SCAN", "0", "TYPE"], "-ERR syntax error\r\n"),
                (&["SCAN", "0", "BOGUS", "x"], "-ERR syntax error\r\n"),
                (&["SCAN", "0", "MATCH", "*", "x"], "-ERR syntax error\r\n"),
                (&["SCAN", "0", "COUNT", "9223372036854775807"], one),
                (
                    &["SCAN", "0", "count", "5", "match", "x*", "MATCH", "k"],
                    one,
                ),
                (&["SCAN"], &arity("scan")),
            ],
        );
        assert_eq!(h.run_bytes(&[b"SCAN", b"0\x00junk"]), one.as_bytes());
    }

    #[test]
    fn scan_iterates_everything_with_filters() {
        let mut h = harness();
        let mut all = HashSet::new();
        for i in 0..1000 {
            let k = format!("key:{i}");
            h.run(&["SET", &k, "v"]);
            all.insert(k.into_bytes());
        }
        h.run(&["SET", "", "empty"]);
        all.insert(Vec::new());
        assert_eq!(scan_all(&mut h, &[]), all);
        assert_eq!(scan_all(&mut h, &["COUNT", "1"]), all);
        assert_eq!(scan_all(&mut h, &["COUNT", "100", "MATCH", "*"]), all);
        let nines: HashSet<Vec<u8>> = all.iter().filter(|k| k.ends_with(b"9")).cloned().collect();
        assert_eq!(scan_all(&mut h, &["MATCH", "*9"]), nines);
        assert_eq!(scan_all(&mut h, &["TYPE", "list"]), HashSet::new());
        // One call with a big COUNT covers the table.
        let (cursor, keys) = scan_call(&mut h, 0, &["COUNT", "5000"]);
        assert_eq!(cursor, 0);
        assert_eq!(keys.len(), 1001);
        // COUNT bounds the keys looked at (whole buckets, so a few more).
        let (cursor, keys) = scan_call(&mut h, 0, &["COUNT", "20"]);
        assert_ne!(cursor, 0);
        assert!((20..40).contains(&keys.len()), "{}", keys.len());
    }

    #[test]
    fn scan_drops_and_deletes_stale_keys() {
        let mut h = harness();
        for i in 0..100 {
            let k = format!("k{i}");
            h.run(&["SET", &k, "v"]);
            if i < 50 {
                h.run(&["PEXPIRE", &k, "1"]);
            }
        }
        h.now = Some(NOW + 1);
        let live: HashSet<Vec<u8>> = (50..100).map(|i| format!("k{i}").into_bytes()).collect();
        assert_eq!(scan_all(&mut h, &[]), live);
        assert_eq!(h.srv.ks.dbs[0].len(), 50);
        assert_eq!(h.srv.ks.stats.expired_keys, 50);
        assert_eq!(h.srv.ks.stats.keyspace_hits, 0);
    }

    #[test]
    fn scan_type_filter_counts_reads() {
        // Redis 7.2 checks the type with a read lookup.
        let mut h = harness();
        for i in 0..10 {
            h.run(&["SET", &format!("k{i}"), "v"]);
        }
        h.run(&["PEXPIRE", "k0", "1"]);
        h.now = Some(NOW + 1);
        let (_, keys) = scan_call(&mut h, 0, &["TYPE", "string", "COUNT", "100"]);
        assert_eq!(keys.len(), 9);
        assert_eq!(h.srv.ks.stats.keyspace_hits, 9);
        assert_eq!(h.srv.ks.stats.keyspace_misses, 1);
        assert_eq!(h.srv.ks.stats.expired_keys, 1);
    }

    #[test]
    fn scan_returns_every_key_while_the_table_grows() {
        let mut h = harness();
        let mut before = HashSet::new();
        for i in 0..1000 {
            let k = format!("old:{i}");
            h.run(&["SET", &k, "v"]);
            before.insert(k.into_bytes());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut next_new = 0;
        let mut calls = 0;
        loop {
            let (next, keys) = scan_call(&mut h, cursor, &["COUNT", "10"]);
            seen.extend(keys);
            calls += 1;
            if next == 0 {
                break;
            }
            cursor = next;
            // Thousands of inserts between calls: the table grows and
            // rehashes several times under the iteration. (Inserting
            // faster than the scan advances forever would never end.)
            for _ in 0..if next_new < 5000 { 100 } else { 0 } {
                let k = format!("new:{next_new}");
                h.srv.ks.set(
                    0,
                    k.as_bytes(),
                    crate::types::Value::Str(crate::types::StrValue::from_bytes(b"v")),
                    false,
                );
                next_new += 1;
            }
        }
        assert!(next_new >= 5000, "only {next_new} inserts in {calls} calls");
        let missing: Vec<_> = before.difference(&seen).collect();
        assert!(
            missing.is_empty(),
            "{} pre-existing keys missed",
            missing.len()
        );
    }

    #[test]
    fn scan_returns_every_key_while_the_table_shrinks() {
        let mut h = harness();
        for i in 0..5000 {
            h.run(&["SET", &format!("k{i}"), "v"]);
        }
        // Keys 0..500 stay; the others are deleted during the iteration.
        let keep: HashSet<Vec<u8>> = (0..500).map(|i| format!("k{i}").into_bytes()).collect();
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut next_del = 500;
        loop {
            let (next, keys) = scan_call(&mut h, cursor, &["COUNT", "10"]);
            seen.extend(keys);
            if next == 0 {
                break;
            }
            cursor = next;
            for _ in 0..200 {
                if next_del < 5000 {
                    h.srv.ks.delete(0, format!("k{next_del}").as_bytes());
                    next_del += 1;
                }
            }
            h.srv.ks.cron_rehash(std::time::Duration::from_millis(1));
        }
        assert!(keep.is_subset(&seen));
    }

    #[test]
    fn scan_returns_every_live_key_under_active_expiry() {
        let mut h = harness();
        let mut live = HashSet::new();
        for i in 0..4000 {
            let k = format!("k{i}");
            h.run(&["SET", &k, "v"]);
            if i % 2 == 0 {
                h.run(&["PEXPIRE", &k, "5"]);
            } else {
                live.insert(k.into_bytes());
            }
        }
        h.now = Some(NOW + 5);
        let mut seen = HashSet::new();
        let mut cursor = 0;
        loop {
            let (next, keys) = scan_call(&mut h, cursor, &["COUNT", "10"]);
            seen.extend(keys);
            if next == 0 {
                break;
            }
            cursor = next;
            h.srv
                .ks
                .active_expire_cycle(NOW + 5, std::time::Duration::from_millis(1));
            h.srv.ks.cron_rehash(std::time::Duration::from_millis(1));
        }
        assert_eq!(seen, live);
    }

    #[test]
    fn randomkey_replies() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["RANDOMKEY"], "$-1\r\n"),
                (&["SET", "only", "one"], "+OK\r\n"),
                (&["RANDOMKEY"], "$4\r\nonly\r\n"),
                (&["RANDOMKEY", "x"], &arity("randomkey")),
            ],
        );
        h.run(&["DEL", "only"]);
        h.c.reply.resp3 = true;
        assert_eq!(h.run(&["RANDOMKEY"]), "_\r\n");
    }

    #[test]
    fn randomkey_finds_the_live_key_among_many_stale_ones() {
        let mut h = harness();
        for i in 0..1000 {
            let k = format!("k{i}");
            h.run(&["SET", &k, "v"]);
            h.run(&["PEXPIRE", &k, "1"]);
        }
        h.run(&["SET", "live", "v"]);
        h.now = Some(NOW + 1);
        assert_eq!(h.run(&["RANDOMKEY"]), "$4\r\nlive\r\n");
        h.run(&["PEXPIRE", "live", "1"]);
        h.now = Some(NOW + 2);
        assert_eq!(h.run(&["RANDOMKEY"]), "$-1\r\n");
        assert!(h.srv.ks.dbs[0].is_empty());
    }

    #[test]
    fn expire_variants_set_the_same_deadline() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        let secs = (NOW / 1000 + 100).to_string();
        let ms = (NOW + 100_000).to_string();
        for argv in [
            vec!["EXPIRE", "k", "100"],
            vec!["PEXPIRE", "k", "100000"],
            vec!["EXPIREAT", "k", secs.as_str()],
            vec!["PEXPIREAT", "k", ms.as_str()],
        ] {
            h.run(&["PERSIST", "k"]);
            assert_eq!(h.run(&argv), ":1\r\n", "{argv:?}");
            assert_eq!(
                h.run(&["PEXPIRETIME", "k"]),
                format!(":{}\r\n", NOW + 100_000)
            );
            assert_eq!(h.run(&["TTL", "k"]), ":100\r\n");
        }
        check(
            &mut h,
            &[
                (&["EXPIRE", "missing", "100"], ":0\r\n"),
                (&["PEXPIRE", "missing", "100"], ":0\r\n"),
                (&["EXPIREAT", "missing", "100"], ":0\r\n"),
                (&["PEXPIREAT", "missing", "100"], ":0\r\n"),
                (&["EXPIRE", "k"], &arity("expire")),
                (&["PEXPIRE", "k"], &arity("pexpire")),
                (&["EXPIREAT", "k"], &arity("expireat")),
                (&["PEXPIREAT"], &arity("pexpireat")),
            ],
        );
    }

    #[test]
    fn expire_signals_once() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        let dirty = h.srv.ks.dirty;
        h.run(&["EXPIRE", "k", "100"]);
        assert_eq!(h.srv.ks.dirty, dirty + 1);
        h.run(&["EXPIRE", "k", "100", "NX"]);
        assert_eq!(h.srv.ks.dirty, dirty + 1);
        h.run(&["EXPIRE", "k", "-1"]);
        assert_eq!(h.srv.ks.dirty, dirty + 2);
        h.run(&["SET", "k", "v"]);
        let dirty = h.srv.ks.dirty;
        h.run(&["PERSIST", "k"]);
        assert_eq!(h.srv.ks.dirty, dirty);
        h.run(&["EXPIRE", "k", "100"]);
        h.run(&["PERSIST", "k"]);
        assert_eq!(h.srv.ks.dirty, dirty + 2);
    }

    #[test]
    fn expire_conditions() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["SET", "k", "v"], "+OK\r\n"),
                // No TTL: XX fails, GT fails (infinite), LT succeeds.
                (&["EXPIRE", "k", "100", "XX"], ":0\r\n"),
                (&["EXPIRE", "k", "100", "GT"], ":0\r\n"),
                (&["EXPIRE", "k", "100", "LT"], ":1\r\n"),
                (&["TTL", "k"], ":100\r\n"),
                (&["PERSIST", "k"], ":1\r\n"),
                (&["EXPIRE", "k", "100", "NX"], ":1\r\n"),
                (&["EXPIRE", "k", "200", "NX"], ":0\r\n"),
                (&["TTL", "k"], ":100\r\n"),
                (&["EXPIRE", "k", "200", "XX"], ":1\r\n"),
                (&["TTL", "k"], ":200\r\n"),
                (&["EXPIRE", "k", "100", "GT"], ":0\r\n"),
                (&["EXPIRE", "k", "200", "GT"], ":0\r\n"),
                (&["EXPIRE", "k", "300", "GT"], ":1\r\n"),
                (&["TTL", "k"], ":300\r\n"),
                (&["EXPIRE", "k", "400", "LT"], ":0\r\n"),
                (&["EXPIRE", "k", "300", "LT"], ":0\r\n"),
                (&["EXPIRE", "k", "50", "lt"], ":1\r\n"),
                (&["TTL", "k"], ":50\r\n"),
                (&["EXPIRE", "k", "100", "XX", "GT"], ":1\r\n"),
                (&["EXPIRE", "k", "10", "xx", "lt"], ":1\r\n"),
                (&["TTL", "k"], ":10\r\n"),
                (&["EXPIRE", "k", "5", "NX", "NX"], ":0\r\n"),
                (&["EXPIRE", "k", "5", "GT", "GT"], ":0\r\n"),
                (&["PEXPIRE", "k", "1000000", "GT"], ":1\r\n"),
                (&["TTL", "k"], ":1000\r\n"),
                (&["EXPIRE", "missing", "100", "XX"], ":0\r\n"),
                (&["EXPIRE", "missing", "100", "NX"], ":0\r\n"),
                (&["EXPIRE", "missing", "100", "LT"], ":0\r\n"),
            ],
        );
        let at = (NOW / 1000 + 5000).to_string();
        check(
            &mut h,
            &[
                (&["EXPIREAT", "k", &at, "GT"], ":1\r\n"),
                (&["EXPIREAT", "k", &at, "GT"], ":0\r\n"),
                (&["EXPIREAT", "k", &at, "NX"], ":0\r\n"),
                (&["EXPIRETIME", "k"], &format!(":{at}\r\n")),
            ],
        );
    }

    #[test]
    fn expire_option_errors() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        let nx = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
        let gtlt = "-ERR GT and LT options at the same time are not compatible\r\n";
        check(
            &mut h,
            &[
                (&["EXPIRE", "k", "100", "NX", "XX"], nx),
                (&["EXPIRE", "k", "100", "NX", "GT"], nx),
                (&["EXPIRE", "k", "100", "lt", "nx"], nx),
                (&["EXPIRE", "k", "100", "GT", "LT"], gtlt),
                (&["EXPIRE", "missing", "100", "GT", "LT"], gtlt),
                (
                    &["EXPIRE", "k", "100", "BOGUS"],
                    "-ERR Unsupported option BOGUS\r\n",
                ),
                // Options are checked before the number.
                (
                    &["EXPIRE", "k", "abc", "BOGUS"],
                    "-ERR Unsupported option BOGUS\r\n",
                ),
                (
                    &["PEXPIREAT", "k", "100", "NX", "x"],
                    "-ERR Unsupported option x\r\n",
                ),
                (&["TTL", "k"], ":-1\r\n"),
            ],
        );
        assert_eq!(
            h.run_bytes(&[b"EXPIRE", b"k", b"10", b"x\x00y"]),
            b"-ERR Unsupported option x\r\n"
        );
    }

    #[test]
    fn expire_number_errors_and_extremes() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        let nan = "-ERR value is not an integer or out of range\r\n";
        let inv = |c: &str| format!("-ERR invalid expire time in '{c}' command\r\n");
        check(
            &mut h,
            &[
                (&["EXPIRE", "k", "abc"], nan),
                (&["EXPIRE", "k", "1.5"], nan),
                (&["EXPIRE", "k", ""], nan),
                (&["EXPIRE", "k", " 1"], nan),
                (&["EXPIRE", "k", "99999999999999999999"], nan),
                (&["EXPIRE", "k", "9223372036854775807"], &inv("expire")),
                (&["EXPIRE", "k", "9223372036854776"], &inv("expire")),
                (&["EXPIRE", "k", "-9223372036854776"], &inv("expire")),
                (&["EXPIRE", "k", "-9223372036854775808"], &inv("expire")),
                (&["pexpire", "k", "9223372036854775807"], &inv("pexpire")),
                (&["EXPIREAT", "k", "9223372036854775807"], &inv("expireat")),
                (&["EXPIREAT", "k", "9223372036854776"], &inv("expireat")),
                (&["TTL", "k"], ":-1\r\n"),
                // Largest accepted values.
                (&["EXPIREAT", "k", "9223372036854775"], ":1\r\n"),
                (&["PEXPIRETIME", "k"], ":9223372036854775000\r\n"),
                (&["PEXPIREAT", "k", "9223372036854775807"], ":1\r\n"),
                (&["PEXPIRETIME", "k"], ":9223372036854775807\r\n"),
                (&["EXPIRETIME", "k"], ":9223372036854776\r\n"),
                (&["PTTL", "k"], &format!(":{}\r\n", i64::MAX - NOW)),
            ],
        );
        let near_max = (i64::MAX - NOW).to_string();
        check(
            &mut h,
            &[
                (&["PEXPIRE", "k", &near_max], ":1\r\n"),
                (&["PEXPIRETIME", "k"], ":9223372036854775807\r\n"),
                (
                    &["PEXPIRE", "k", &(i64::MAX - NOW + 1).to_string()],
                    &inv("pexpire"),
                ),
            ],
        );
    }

    #[test]
    fn expire_in_the_past_deletes() {
        let mut h = harness();
        let now_s = (NOW / 1000).to_string();
        let now_ms = NOW.to_string();
        for argv in [
            vec!["EXPIRE", "k", "0"],
            vec!["EXPIRE", "k", "-1"],
            vec!["EXPIRE", "k", "-9223372036854775"],
            vec!["PEXPIRE", "k", "0"],
            vec!["PEXPIRE", "k", "-9223372036854775808"],
            vec!["EXPIREAT", "k", "1"],
            vec!["EXPIREAT", "k", now_s.as_str()],
            vec!["EXPIREAT", "k", "-9223372036854775"],
            vec!["PEXPIREAT", "k", "0"],
            vec!["PEXPIREAT", "k", now_ms.as_str()],
            vec!["PEXPIREAT", "k", "-9223372036854775808"],
            vec!["EXPIRE", "k", "-5", "LT"],
            vec!["EXPIRE", "k", "-5", "XX"],
        ] {
            h.run(&["SET", "k", "v"]);
            h.run(&["EXPIRE", "k", "100"]);
            assert_eq!(h.run(&argv), ":1\r\n", "{argv:?}");
            assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n", "{argv:?}");
        }
        // A refused condition leaves the key alone.
        h.run(&["SET", "k", "v"]);
        h.run(&["EXPIRE", "k", "100"]);
        assert_eq!(h.run(&["EXPIRE", "k", "-5", "GT"]), ":0\r\n");
        assert_eq!(h.run(&["EXISTS", "k"]), ":1\r\n");
        // One millisecond ahead is still in the future.
        assert_eq!(h.run(&["PEXPIRE", "k", "1"]), ":1\r\n");
        assert_eq!(h.run(&["PTTL", "k"]), ":1\r\n");
        // The past-deadline delete is not an expiry in the stats.
        assert_eq!(h.srv.ks.stats.expired_keys, 0);
    }

    #[test]
    fn ttl_family() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["TTL", "nothing"], ":-2\r\n"),
                (&["PTTL", "nothing"], ":-2\r\n"),
                (&["EXPIRETIME", "nothing"], ":-2\r\n"),
                (&["PEXPIRETIME", "nothing"], ":-2\r\n"),
                (&["SET", "k", "v"], "+OK\r\n"),
                (&["TTL", "k"], ":-1\r\n"),
                (&["PTTL", "k"], ":-1\r\n"),
                (&["EXPIRETIME", "k"], ":-1\r\n"),
                (&["PEXPIRETIME", "k"], ":-1\r\n"),
                // Seconds round to the nearest.
                (&["PEXPIRE", "k", "1499"], ":1\r\n"),
                (&["TTL", "k"], ":1\r\n"),
                (&["PEXPIRE", "k", "1500"], ":1\r\n"),
                (&["TTL", "k"], ":2\r\n"),
                (&["PEXPIRE", "k", "499"], ":1\r\n"),
                (&["TTL", "k"], ":0\r\n"),
                (&["PTTL", "k"], ":499\r\n"),
                (&["PEXPIREAT", "k", "4102444800600"], ":1\r\n"),
                (&["EXPIRETIME", "k"], ":4102444801\r\n"),
                (&["PEXPIREAT", "k", "4102444800123"], ":1\r\n"),
                (&["EXPIRETIME", "k"], ":4102444800\r\n"),
                (&["PEXPIRETIME", "k"], ":4102444800123\r\n"),
                (&["TTL"], &arity("ttl")),
                (&["TTL", "a", "b"], &arity("ttl")),
                (&["PTTL"], &arity("pttl")),
                (&["EXPIRETIME"], &arity("expiretime")),
                (&["PEXPIRETIME", "a", "b"], &arity("pexpiretime")),
            ],
        );
        h.run(&["PEXPIRE", "k", "100"]);
        h.now = Some(NOW + 99);
        assert_eq!(h.run(&["PTTL", "k"]), ":1\r\n");
        h.now = Some(NOW + 100);
        assert_eq!(h.run(&["PTTL", "k"]), ":-2\r\n");
        assert_eq!(h.srv.ks.stats.expired_keys, 1);
    }

    #[test]
    fn ttl_counts_reads() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        h.run(&["TTL", "k"]);
        h.run(&["PTTL", "missing"]);
        assert_eq!(h.srv.ks.stats.keyspace_hits, 1);
        assert_eq!(h.srv.ks.stats.keyspace_misses, 1);
    }

    #[test]
    fn persist_removes_the_ttl() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["PERSIST", "nothing"], ":0\r\n"),
                (&["SET", "k", "v"], "+OK\r\n"),
                (&["PERSIST", "k"], ":0\r\n"),
                (&["EXPIRE", "k", "100"], ":1\r\n"),
                (&["PERSIST", "k"], ":1\r\n"),
                (&["PERSIST", "k"], ":0\r\n"),
                (&["TTL", "k"], ":-1\r\n"),
                (&["PERSIST"], &arity("persist")),
                (&["PERSIST", "a", "b"], &arity("persist")),
                (&["PEXPIRE", "k", "10"], ":1\r\n"),
            ],
        );
        h.now = Some(NOW + 10);
        assert_eq!(h.run(&["PERSIST", "k"]), ":0\r\n");
        assert_eq!(h.srv.ks.dbs[0].len(), 0);
    }

    #[test]
    fn touch_counts_live_keys() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["TOUCH", "nothing"], ":0\r\n"),
                (&["SET", "t1", "a"], "+OK\r\n"),
                (&["SET", "t2", "b"], "+OK\r\n"),
                (&["TOUCH", "t1", "t2", "missing", "t1"], ":3\r\n"),
                (&["TOUCH"], &arity("touch")),
                (&["PEXPIRE", "t1", "1"], ":1\r\n"),
            ],
        );
        h.now = Some(NOW + 1);
        assert_eq!(h.run(&["TOUCH", "t1", "t2"]), ":1\r\n");
    }

    #[test]
    fn copy_within_and_across_dbs() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["SET", "cs", "value"], "+OK\r\n"),
                (&["COPY", "cs", "cd"], ":1\r\n"),
                (&["GET", "cd"], "$5\r\nvalue\r\n"),
                (&["COPY", "cs", "cd"], ":0\r\n"),
                (&["SET", "cs", "other"], "+OK\r\n"),
                (&["COPY", "cs", "cd", "REPLACE"], ":1\r\n"),
                (&["GET", "cd"], "$5\r\nother\r\n"),
                (&["COPY", "missing", "cd"], ":0\r\n"),
                (&["COPY", "missing", "cd", "REPLACE"], ":0\r\n"),
                (&["GET", "cd"], "$5\r\nother\r\n"),
                (
                    &["COPY", "cs", "cs"],
                    "-ERR source and destination objects are the same\r\n",
                ),
                (
                    &["COPY", "cs", "cs", "REPLACE"],
                    "-ERR source and destination objects are the same\r\n",
                ),
                (
                    &["COPY", "missing", "missing", "DB", "0"],
                    "-ERR source and destination objects are the same\r\n",
                ),
                (&["COPY", "cs", "cs", "DB", "1"], ":1\r\n"),
                (&["COPY", "cs", "cd", "db", "1"], ":1\r\n"),
                (&["COPY", "cs", "cd", "DB", "1"], ":0\r\n"),
                (&["COPY", "cs", "cd", "DB", "1", "REPLACE"], ":1\r\n"),
                (
                    &["COPY", "cs", "cd", "replace", "DB", "1", "DB", "2"],
                    ":1\r\n",
                ),
                (&["SELECT", "1"], "+OK\r\n"),
                (&["GET", "cs"], "$5\r\nother\r\n"),
                (&["GET", "cd"], "$5\r\nother\r\n"),
                (&["SELECT", "2"], "+OK\r\n"),
                (&["GET", "cd"], "$5\r\nother\r\n"),
                (&["SELECT", "0"], "+OK\r\n"),
            ],
        );
    }

    #[test]
    fn copy_ttl_and_errors() {
        let mut h = harness();
        let oor = "-ERR DB index is out of range\r\n";
        let nan = "-ERR value is not an integer or out of range\r\n";
        let not32 = "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";
        check(
            &mut h,
            &[
                (&["SET", "src", "v"], "+OK\r\n"),
                (&["PEXPIRE", "src", "100000"], ":1\r\n"),
                (&["COPY", "src", "dst"], ":1\r\n"),
                (&["PTTL", "dst"], ":100000\r\n"),
                // REPLACE over a key with a TTL, from a key without.
                (&["SET", "plain", "p"], "+OK\r\n"),
                (&["COPY", "plain", "dst", "REPLACE"], ":1\r\n"),
                (&["TTL", "dst"], ":-1\r\n"),
                (&["COPY", "src", "dst", "DB", "16"], oor),
                (&["COPY", "src", "dst", "DB", "-1"], oor),
                (&["COPY", "missing", "dst", "DB", "16"], oor),
                (&["COPY", "src", "dst", "DB", "abc"], nan),
                (&["COPY", "src", "dst", "DB", "2147483648"], not32),
                (&["COPY", "src", "dst", "DB", "-2147483649"], not32),
                (&["COPY", "src", "dst", "DB"], "-ERR syntax error\r\n"),
                (
                    &["COPY", "src", "dst", "DB", "1", "DB"],
                    "-ERR syntax error\r\n",
                ),
                (&["COPY", "src", "dst", "BOGUS"], "-ERR syntax error\r\n"),
                (&["COPY", "src", "dst", "REPLACE", "REPLACE"], ":1\r\n"),
                (&["COPY", "src"], &arity("copy")),
                (&["COPY"], &arity("copy")),
            ],
        );
        // The copy is independent of the source.
        h.run(&["SET", "raw", "abc"]);
        h.run(&["COPY", "raw", "raw2"]);
        h.run(&["APPEND", "raw", "def"]);
        assert_eq!(h.run(&["GET", "raw2"]), "$3\r\nabc\r\n");
        // A stale source is missing.
        h.run(&["PEXPIRE", "src", "1"]);
        h.now = Some(NOW + 1);
        assert_eq!(h.run(&["COPY", "src", "x"]), ":0\r\n");
    }

    #[test]
    fn move_between_dbs() {
        let mut h = harness();
        let oor = "-ERR DB index is out of range\r\n";
        let same = "-ERR source and destination objects are the same\r\n";
        check(
            &mut h,
            &[
                (&["SET", "mv", "1"], "+OK\r\n"),
                (&["MOVE", "mv", "1"], ":1\r\n"),
                (&["EXISTS", "mv"], ":0\r\n"),
                (&["MOVE", "mv", "1"], ":0\r\n"),
                (&["SELECT", "1"], "+OK\r\n"),
                (&["GET", "mv"], "$1\r\n1\r\n"),
                (&["MOVE", "mv", "1"], same),
                (&["SELECT", "0"], "+OK\r\n"),
                (&["SET", "mv", "here"], "+OK\r\n"),
                (&["MOVE", "mv", "1"], ":0\r\n"),
                (&["GET", "mv"], "$4\r\nhere\r\n"),
                (&["MOVE", "mv", "0"], same),
                (&["MOVE", "missing", "0"], same),
                (&["MOVE", "mv", "16"], oor),
                (&["MOVE", "mv", "-1"], oor),
                (&["MOVE", "missing", "16"], oor),
                (
                    &["MOVE", "mv", "abc"],
                    "-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &["MOVE", "mv", "2147483648"],
                    "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
                ),
                (&["MOVE", "missing", "1"], ":0\r\n"),
                (&["MOVE", "mv"], &arity("move")),
                (&["MOVE", "mv", "1", "2"], &arity("move")),
                (&["SET", "mvttl", "v"], "+OK\r\n"),
                (&["PEXPIRE", "mvttl", "100000"], ":1\r\n"),
                (&["MOVE", "mvttl", "2"], ":1\r\n"),
                (&["SELECT", "2"], "+OK\r\n"),
                (&["PTTL", "mvttl"], ":100000\r\n"),
            ],
        );
        assert_eq!(h.srv.ks.expires_len(0), 0);
        // A stale key in the target does not block the move.
        h.run(&["PEXPIRE", "mvttl", "1"]);
        h.run(&["SELECT", "0"]);
        h.run(&["SET", "mvttl", "fresh"]);
        h.now = Some(NOW + 1);
        assert_eq!(h.run(&["MOVE", "mvttl", "2"]), ":1\r\n");
        h.run(&["SELECT", "2"]);
        assert_eq!(h.run(&["GET", "mvttl"]), "$5\r\nfresh\r\n");
        assert_eq!(h.run(&["TTL", "mvttl"]), ":-1\r\n");
    }

    #[test]
    fn move_signals_both_dbs() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        let dirty = h.srv.ks.dirty;
        h.run(&["MOVE", "k", "3"]);
        assert_eq!(h.srv.ks.dirty, dirty + 2);
    }

    #[test]
    fn swapdb_swaps_data_and_ttls() {
        let mut h = harness();
        let oor = "-ERR DB index is out of range\r\n";
        check(
            &mut h,
            &[
                (&["SET", "in0", "zero"], "+OK\r\n"),
                (&["PEXPIRE", "in0", "5000"], ":1\r\n"),
                (&["SELECT", "1"], "+OK\r\n"),
                (&["SET", "in1", "one"], "+OK\r\n"),
                (&["SWAPDB", "0", "1"], "+OK\r\n"),
                (&["KEYS", "*"], "*1\r\n$3\r\nin0\r\n"),
                (&["PTTL", "in0"], ":5000\r\n"),
                (&["SELECT", "0"], "+OK\r\n"),
                (&["KEYS", "*"], "*1\r\n$3\r\nin1\r\n"),
                (&["SWAPDB", "0", "0"], "+OK\r\n"),
                (&["DBSIZE"], ":1\r\n"),
                (&["SWAPDB", "0", "16"], oor),
                (&["SWAPDB", "16", "0"], oor),
                (&["SWAPDB", "-1", "0"], oor),
                (&["SWAPDB", "abc", "0"], "-ERR invalid first DB index\r\n"),
                (&["SWAPDB", "abc", "abc"], "-ERR invalid first DB index\r\n"),
                (&["SWAPDB", "0", "abc"], "-ERR invalid second DB index\r\n"),
                (&["SWAPDB", "16", "abc"], "-ERR invalid second DB index\r\n"),
                (
                    &["SWAPDB", "2147483648", "0"],
                    "-ERR invalid first DB index\r\n",
                ),
                (
                    &["SWAPDB", "0", "-2147483649"],
                    "-ERR invalid second DB index\r\n",
                ),
                (&["SWAPDB", "0"], &arity("swapdb")),
                (&["SWAPDB"], &arity("swapdb")),
            ],
        );
        let dirty = h.srv.ks.dirty;
        h.run(&["SWAPDB", "3", "3"]);
        assert_eq!(h.srv.ks.dirty, dirty + 1);
    }

    #[test]
    fn swapdb_and_watch() {
        let mut h = harness();
        let exec_ok = "*1\r\n+PONG\r\n";
        check(
            &mut h,
            &[
                (&["SET", "k", "v"], "+OK\r\n"),
                // Swapping a database with itself touches nothing.
                (&["WATCH", "k"], "+OK\r\n"),
                (&["SWAPDB", "0", "0"], "+OK\r\n"),
                (&["MULTI"], "+OK\r\n"),
                (&["PING"], "+QUEUED\r\n"),
                (&["EXEC"], exec_ok),
                // A watched key that exists on either side is touched.
                (&["WATCH", "k"], "+OK\r\n"),
                (&["SWAPDB", "0", "1"], "+OK\r\n"),
                (&["MULTI"], "+OK\r\n"),
                (&["PING"], "+QUEUED\r\n"),
                (&["EXEC"], "*-1\r\n"),
                (&["SWAPDB", "0", "1"], "+OK\r\n"),
                // A watched key missing on both sides is not.
                (&["WATCH", "nothing"], "+OK\r\n"),
                (&["SWAPDB", "0", "1"], "+OK\r\n"),
                (&["MULTI"], "+OK\r\n"),
                (&["PING"], "+QUEUED\r\n"),
                (&["EXEC"], exec_ok),
            ],
        );
    }

    #[test]
    fn writes_touch_watched_keys() {
        let mut h = harness();
        let cases: &[&[&str]] = &[
            &["EXPIRE", "k", "100"],
            &["PERSIST", "k"],
            &["RENAME", "k", "k2"],
            &["RENAME", "k2", "k"],
            &["MOVE", "k", "1"],
            &["COPY", "k", "k"],
            &["DEL", "k"],
        ];
        h.run(&["SET", "k", "v"]);
        h.run(&["SET", "k2", "v"]);
        h.run(&["EXPIRE", "k", "50"]);
        for argv in cases {
            h.run(&["SELECT", "1"]);
            h.run(&["SET", "k", "v"]);
            h.run(&["MOVE", "k", "0"]);
            h.run(&["SELECT", "0"]);
            h.run(&["WATCH", "k", "k2"]);
            let r = h.run(argv);
            h.run(&["MULTI"]);
            h.run(&["PING"]);
            let want = if r.starts_with('-') || r == ":0\r\n" {
                "*1\r\n+PONG\r\n"
            } else {
                "*-1\r\n"
            };
            assert_eq!(h.run(&["EXEC"]), want, "{argv:?} replied {r}");
        }
    }

    #[test]
    fn object_encoding_and_refcount() {
        let mut h = harness();
        let e44 = "a".repeat(44);
        let r45 = "a".repeat(45);
        check(
            &mut h,
            &[
                (&["SET", "int", "123"], "+OK\r\n"),
                (&["OBJECT", "ENCODING", "int"], "$3\r\nint\r\n"),
                (&["SET", "short", "hello"], "+OK\r\n"),
                (&["object", "encoding", "short"], "$6\r\nembstr\r\n"),
                (&["SET", "e44", &e44], "+OK\r\n"),
                (&["OBJECT", "ENCODING", "e44"], "$6\r\nembstr\r\n"),
                (&["SET", "r45", &r45], "+OK\r\n"),
                (&["OBJECT", "ENCODING", "r45"], "$3\r\nraw\r\n"),
                (&["OBJECT", "ENCODING", "missing"], "$-1\r\n"),
                (&["OBJECT", "REFCOUNT", "int"], ":2147483647\r\n"),
                (&["SET", "ix", "0"], "+OK\r\n"),
                (&["OBJECT", "REFCOUNT", "ix"], ":2147483647\r\n"),
                (&["SET", "ix", "9999"], "+OK\r\n"),
                (&["OBJECT", "REFCOUNT", "ix"], ":2147483647\r\n"),
                (&["SET", "ix", "10000"], "+OK\r\n"),
                (&["OBJECT", "REFCOUNT", "ix"], ":1\r\n"),
                (&["SET", "ix", "-1"], "+OK\r\n"),
                (&["OBJECT", "REFCOUNT", "ix"], ":1\r\n"),
                (&["OBJECT", "REFCOUNT", "short"], ":1\r\n"),
                (&["OBJECT", "REFCOUNT", "r45"], ":1\r\n"),
                (&["OBJECT", "REFCOUNT", "missing"], "$-1\r\n"),
            ],
        );
        h.c.reply.resp3 = true;
        assert_eq!(h.run(&["OBJECT", "ENCODING", "missing"]), "_\r\n");
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "missing"]), "_\r\n");
        // With an LRU limit Redis does not share integers.
        h.srv.config.maxmemory = 1 << 30;
        h.srv.config.maxmemory_policy = "allkeys-lru".into();
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "int"]), ":1\r\n");
        h.srv.config.maxmemory_policy = "allkeys-random".into();
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "int"]), ":2147483647\r\n");
    }

    #[test]
    fn object_idletime_and_freq() {
        let mut h = harness();
        let freq_err = "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. \
                        Please note that when switching between policies at runtime LRU and LFU \
                        data will take some time to adjust.\r\n";
        let idle_err = "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please \
                        note that when switching between policies at runtime LRU and LFU data \
                        will take some time to adjust.\r\n";
        check(
            &mut h,
            &[
                (&["SET", "k", "v"], "+OK\r\n"),
                (&["OBJECT", "IDLETIME", "k"], ":0\r\n"),
                (&["OBJECT", "IDLETIME", "missing"], "$-1\r\n"),
                (&["OBJECT", "FREQ", "k"], freq_err),
                (&["OBJECT", "FREQ", "missing"], "$-1\r\n"),
            ],
        );
        // The idle time counts from the last access; reads and writes touch,
        // TYPE, EXISTS, TTL and OBJECT do not, TOUCH does.
        h.now = Some(NOW + 10_000);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "k"]), ":10\r\n");
        h.run(&["GET", "k"]);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "k"]), ":0\r\n");
        h.now = Some(NOW + 15_000);
        h.run(&["TYPE", "k"]);
        h.run(&["EXISTS", "k"]);
        h.run(&["TTL", "k"]);
        h.run(&["PTTL", "k"]);
        h.run(&["EXPIRETIME", "k"]);
        h.run(&["OBJECT", "ENCODING", "k"]);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "k"]), ":5\r\n");
        h.run(&["APPEND", "k", "w"]);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "k"]), ":0\r\n");
        h.now = Some(NOW + 20_000);
        h.run(&["TOUCH", "k"]);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "k"]), ":0\r\n");
        h.run(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
        check(
            &mut h,
            &[
                (&["SET", "n", "v"], "+OK\r\n"),
                (&["OBJECT", "IDLETIME", "n"], idle_err),
                (&["OBJECT", "IDLETIME", "missing"], "$-1\r\n"),
                (&["OBJECT", "FREQ", "n"], ":5\r\n"),
                (&["OBJECT", "FREQ", "missing"], "$-1\r\n"),
            ],
        );
        // Frequent access raises the counter (logarithmically).
        for _ in 0..200 {
            h.run(&["GET", "n"]);
        }
        let freq = h.run(&["OBJECT", "FREQ", "n"]);
        let freq: i64 = freq[1..freq.len() - 2].parse().unwrap();
        assert!((7..=20).contains(&freq), "{freq}");
        // Overwriting keeps the counter, as in Redis.
        h.run(&["SET", "n", "w"]);
        let after = h.run(&["OBJECT", "FREQ", "n"]);
        let after: i64 = after[1..after.len() - 2].parse().unwrap();
        assert!(after >= freq, "{after} < {freq}");
    }

    #[test]
    fn object_lookups_expire_and_count() {
        let mut h = harness();
        h.run(&["SET", "k", "v"]);
        h.run(&["PEXPIRE", "k", "1"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$6\r\nembstr\r\n");
        h.now = Some(NOW + 1);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$-1\r\n");
        assert_eq!(h.srv.ks.stats.keyspace_hits, 1);
        assert_eq!(h.srv.ks.stats.keyspace_misses, 1);
        assert_eq!(h.srv.ks.stats.expired_keys, 1);
    }

    #[test]
    fn object_raises_no_keymiss_event_where_type_does() {
        let mut h = harness();
        h.run(&["HELLO", "3"]);
        h.run(&["CONFIG", "SET", "notify-keyspace-events", "Em"]);
        h.run(&["SUBSCRIBE", "__keyevent@0__:keymiss"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "nosuch"]), "_\r\n");
        assert_eq!(h.run(&["OBJECT", "FREQ", "nosuch"]), "_\r\n");
        let t = h.run(&["TYPE", "nosuch"]);
        assert!(t.starts_with("+none\r\n>3") && t.contains("keymiss"), "{t}");
        assert_eq!(h.srv.ks.stats.keyspace_misses, 3);
    }

    #[test]
    fn object_help_and_container_errors() {
        let mut h = harness();
        let help = h.run(&["OBJECT", "HELP"]);
        assert!(help.starts_with(
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n\
             +ENCODING <key>\r\n"
        ));
        assert!(help.ends_with("+HELP\r\n+    Print this help.\r\n"));
        assert_eq!(help.matches("\r\n").count(), 16);
        assert_eq!(h.run(&["object", "help"]), help);
        h.c.reply.resp3 = true;
        assert_eq!(h.run(&["OBJECT", "HELP"]), help);
        check(
            &mut h,
            &[
                (&["OBJECT"], &arity("object")),
                (&["OBJECT", "HELP", "extra"], &arity("object|help")),
                (&["OBJECT", "ENCODING"], &arity("object|encoding")),
                (&["OBJECT", "ENCODING", "a", "b"], &arity("object|encoding")),
                (&["OBJECT", "REFCOUNT"], &arity("object|refcount")),
                (&["OBJECT", "IDLETIME"], &arity("object|idletime")),
                (&["OBJECT", "FREQ"], &arity("object|freq")),
                (
                    &["OBJECT", "BOGUS", "a"],
                    "-ERR unknown subcommand 'BOGUS'. Try OBJECT HELP.\r\n",
                ),
            ],
        );
    }

    #[test]
    fn commands_in_other_dbs_stay_there() {
        let mut h = harness();
        check(
            &mut h,
            &[
                (&["SELECT", "5"], "+OK\r\n"),
                (&["SET", "k", "v"], "+OK\r\n"),
                (&["EXPIRE", "k", "100"], ":1\r\n"),
                (&["RENAME", "k", "k2"], "+OK\r\n"),
                (&["KEYS", "*"], "*1\r\n$2\r\nk2\r\n"),
                (&["SCAN", "0"], "*2\r\n$1\r\n0\r\n*1\r\n$2\r\nk2\r\n"),
                (&["RANDOMKEY"], "$2\r\nk2\r\n"),
                (&["SELECT", "0"], "+OK\r\n"),
                (&["KEYS", "*"], "*0\r\n"),
                (&["TTL", "k2"], ":-2\r\n"),
                (&["RANDOMKEY"], "$-1\r\n"),
            ],
        );
        assert_eq!(h.srv.ks.dbs[5].len(), 1);
        assert_eq!(h.srv.ks.expires_len(5), 1);
    }

    #[test]
    fn command_table_rows() {
        use crate::cmd::{flags::*, table};
        let t = table();
        let row = |n: &str| t.lookup(n.as_bytes()).unwrap();
        assert_eq!(row("del").flags, WRITE);
        assert_eq!(row("UNLINK").flags, WRITE | FAST);
        assert_eq!(row("copy").flags, WRITE | DENYOOM);
        assert_eq!(row("keys").flags, READONLY);
        assert_eq!(row("rename").key_indexes(3), vec![1, 2]);
        assert_eq!(row("exists").key_indexes(4), vec![1, 2, 3]);
        assert_eq!(row("scan").key_indexes(2), Vec::<usize>::new());
        let obj = row("object");
        assert_eq!(obj.find_sub(b"ENCODING").unwrap().key_indexes(3), vec![2]);
        assert_eq!(obj.find_sub(b"help").unwrap().flags, LOADING | STALE);
    }
}
