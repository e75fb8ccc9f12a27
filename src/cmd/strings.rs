//! String commands: GET, SET and friends (Redis 7.2 semantics and replies).
//!
//! Option words are matched the way Redis matches them: case-insensitively
//! and only up to the first NUL byte (Redis compares them as C strings, so
//! `NX\0junk` is accepted as `NX`).

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
use crate::db::notify::{GENERIC, STRING};
use crate::error;
use crate::resp::ReplyBuf;
use crate::types::{StrValue, Value};
use crate::util::num::{self, LongDouble};

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("get", 2, READONLY | FAST, get).keys(1, 1, 1),
    Cmd::new("set", -3, WRITE | DENYOOM, set).keys(1, 1, 1),
    Cmd::new("setnx", 3, WRITE | DENYOOM | FAST, setnx).keys(1, 1, 1),
    Cmd::new("setex", 4, WRITE | DENYOOM, setex).keys(1, 1, 1),
    Cmd::new("psetex", 4, WRITE | DENYOOM, psetex).keys(1, 1, 1),
    Cmd::new("mget", -2, READONLY | FAST, mget).keys(1, -1, 1),
    Cmd::new("mset", -3, WRITE | DENYOOM, mset).keys(1, -1, 2),
    Cmd::new("msetnx", -3, WRITE | DENYOOM, msetnx).keys(1, -1, 2),
    Cmd::new("getset", 3, WRITE | DENYOOM | FAST, getset).keys(1, 1, 1),
    Cmd::new("getdel", 2, WRITE | FAST, getdel).keys(1, 1, 1),
    Cmd::new("getex", -2, WRITE | FAST, getex).keys(1, 1, 1),
    Cmd::new("append", 3, WRITE | DENYOOM | FAST, append).keys(1, 1, 1),
    Cmd::new("strlen", 2, READONLY | FAST, strlen).keys(1, 1, 1),
    Cmd::new("incr", 2, WRITE | DENYOOM | FAST, incr).keys(1, 1, 1),
    Cmd::new("decr", 2, WRITE | DENYOOM | FAST, decr).keys(1, 1, 1),
    Cmd::new("incrby", 3, WRITE | DENYOOM | FAST, incrby).keys(1, 1, 1),
    Cmd::new("decrby", 3, WRITE | DENYOOM | FAST, decrby).keys(1, 1, 1),
    Cmd::new("incrbyfloat", 3, WRITE | DENYOOM | FAST, incrbyfloat).keys(1, 1, 1),
    Cmd::new("setrange", 4, WRITE | DENYOOM, setrange).keys(1, 1, 1),
    Cmd::new("getrange", 4, READONLY, getrange).keys(1, 1, 1),
    Cmd::new("substr", 4, READONLY, getrange).keys(1, 1, 1),
    Cmd::new("lcs", -3, READONLY, lcs).keys(1, 2, 1),
];

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// True if the option word `arg` is `name` (lower case), compared the way
/// Redis compares option words: ASCII case-insensitive, up to the first NUL.
fn opt_is(arg: &[u8], name: &str) -> bool {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg[..end].eq_ignore_ascii_case(name.as_bytes())
}

/// Appends a string value as a bulk reply (integers formatted in place).
fn reply_str(out: &mut ReplyBuf, s: &StrValue) {
    match s {
        StrValue::Int(v) => out.bulk_i64(*v),
        other => other.with_bytes(|b| out.bulk(b)),
    }
}

/// The string at `key` for a read-only command: Ok(None) when missing,
/// Err(()) when the key holds another type. Lazy expiry and hit/miss stats
/// as Redis's lookupKeyRead.
fn read_str<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k StrValue>, ()> {
    match ks.lookup_read(db, key, now) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        #[allow(unreachable_patterns)]
        Some(_) => Err(()),
    }
}

/// How an expire argument of SET / SETEX / PSETEX / GETEX is to be read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    /// EX: relative seconds.
    Ex,
    /// PX: relative milliseconds.
    Px,
    /// EXAT: absolute unix seconds.
    ExAt,
    /// PXAT: absolute unix milliseconds.
    PxAt,
}

impl Unit {
    fn from_opt(arg: &[u8]) -> Option<Unit> {
        if opt_is(arg, "ex") {
            Some(Unit::Ex)
        } else if opt_is(arg, "px") {
            Some(Unit::Px)
        } else if opt_is(arg, "exat") {
            Some(Unit::ExAt)
        } else if opt_is(arg, "pxat") {
            Some(Unit::PxAt)
        } else {
            None
        }
    }

    fn seconds(self) -> bool {
        matches!(self, Unit::Ex | Unit::ExAt)
    }

    fn relative(self) -> bool {
        matches!(self, Unit::Ex | Unit::Px)
    }
}

/// Why an expire argument was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExpireErr {
    /// Not an integer: "value is not an integer or out of range".
    NotInt,
    /// Zero, negative, or overflowing once converted to absolute ms:
    /// "invalid expire time in '<cmd>' command".
    Invalid,
}

/// Converts an expire argument to an absolute unix-ms time, with Redis's
/// checks: the number must be positive, must not overflow when converted
/// to milliseconds or when `now` is added to a relative time.
fn expire_at_ms(unit: Unit, arg: &[u8], now: i64) -> Result<i64, ExpireErr> {
    let v = num::parse_i64(arg).ok_or(ExpireErr::NotInt)?;
    if v <= 0 {
        return Err(ExpireErr::Invalid);
    }
    let ms = if unit.seconds() {
        v.checked_mul(1000).ok_or(ExpireErr::Invalid)?
    } else {
        v
    };
    let at = if unit.relative() {
        ms.checked_add(now).ok_or(ExpireErr::Invalid)?
    } else {
        ms
    };
    if at <= 0 {
        return Err(ExpireErr::Invalid);
    }
    Ok(at)
}

fn reply_expire_err(ctx: &mut Ctx, e: ExpireErr) {
    match e {
        ExpireErr::NotInt => ctx.c.reply.error(error::NOT_INTEGER),
        ExpireErr::Invalid => ctx.c.reply.error(&error::invalid_expire(ctx.cmd.name)),
    }
}

/// The options of SET and GETEX (Redis's extended string arguments).
#[derive(Default, Clone, Copy, Debug)]
struct ExtOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expire: Option<(Unit, &'a [u8])>,
}

/// Parses SET options (`for_set`) or GETEX options. None means a syntax
/// error. As in Redis, repeating an option is allowed (the last expire
/// wins) but conflicting ones are not: NX/XX, KEEPTTL or PERSIST with an
/// expire, two different expire units.
fn parse_ext<'a>(args: &[&'a [u8]], for_set: bool) -> Option<ExtOpts<'a>> {
    let mut o = ExtOpts::default();
    let mut i = 0;
    while i < args.len() {
        let opt = args[i];
        if for_set && opt_is(opt, "nx") && !o.xx {
            o.nx = true;
        } else if for_set && opt_is(opt, "xx") && !o.nx {
            o.xx = true;
        } else if for_set && opt_is(opt, "get") {
            o.get = true;
        } else if for_set && opt_is(opt, "keepttl") && o.expire.is_none() {
            o.keep_ttl = true;
        } else if !for_set && opt_is(opt, "persist") && o.expire.is_none() {
            o.persist = true;
        } else if let Some(unit) = Unit::from_opt(opt)
            && !o.keep_ttl
            && !o.persist
            && o.expire.is_none_or(|(u, _)| u == unit)
            && let Some(&next) = args.get(i + 1)
        {
            o.expire = Some((unit, next));
            i += 1;
        } else {
            return None;
        }
        i += 1;
    }
    Some(o)
}

// ---------------------------------------------------------------------------
// GET / SET family
// ---------------------------------------------------------------------------

/// GET key
fn get(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match ctx.srv.ks.lookup_read(ctx.c.db, argv[1], ctx.now) {
        None => out.null(),
        Some(Value::Str(s)) => reply_str(out, s),
        #[allow(unreachable_patterns)]
        Some(_) => out.error(error::WRONGTYPE),
    }
}

/// What a SET-like command did.
#[derive(Debug)]
struct SetDone {
    /// The value was stored (false: NX/XX condition not met).
    written: bool,
    /// The absolute expiry set with it (unix ms).
    expire_at: Option<i64>,
    /// With GET: the previous value (None if the key did not exist).
    old: Option<StrValue>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SetErr {
    Expire(ExpireErr),
    WrongType,
}

/// The one SET underneath SET, SETNX, SETEX and PSETEX (Redis's
/// setGenericCommand): validates the expire, reads the old value for GET,
/// checks NX/XX, stores the value and its TTL.
fn set_generic(
    ks: &mut Keyspace,
    db: usize,
    key: &[u8],
    val: &[u8],
    o: &ExtOpts,
    now: i64,
) -> Result<SetDone, SetErr> {
    let expire_at = match o.expire {
        Some((unit, arg)) => Some(expire_at_ms(unit, arg, now).map_err(SetErr::Expire)?),
        None => None,
    };
    let mut old = None;
    if o.get {
        old = read_str(ks, db, key, now)
            .map_err(|()| SetErr::WrongType)?
            .cloned();
    }
    if o.nx || o.xx {
        let found = ks.exists(db, key, now);
        if (o.nx && found) || (o.xx && !found) {
            return Ok(SetDone {
                written: false,
                expire_at: None,
                old,
            });
        }
    } else {
        // Like Redis's lookupKeyWrite: an expired key is gone before the
        // write, so KEEPTTL cannot inherit its stale TTL.
        ks.expire_now_if_needed(db, key, now);
    }
    let keep_ttl = o.keep_ttl || expire_at.is_some();
    ks.set(db, key, Value::Str(StrValue::from_bytes(val)), keep_ttl);
    ks.notify(STRING, "set", db, key);
    if let Some(at) = expire_at {
        ks.set_expire(db, key, at);
        ks.notify(GENERIC, "expire", db, key);
    }
    Ok(SetDone {
        written: true,
        expire_at,
        old,
    })
}

/// Runs set_generic and renders its result: `ok` / `abort` are the replies
/// for a stored / not stored value (SET: +OK / null, SETNX: 1 / 0); with
/// GET the old value is the reply.
fn set_and_reply(
    ctx: &mut Ctx,
    key: &[u8],
    val: &[u8],
    o: &ExtOpts,
    ok: fn(&mut ReplyBuf),
    abort: fn(&mut ReplyBuf),
) {
    let db = ctx.c.db;
    match set_generic(&mut ctx.srv.ks, db, key, val, o, ctx.now) {
        Ok(done) => {
            // Any expiry is replayed as the absolute millisecond it means,
            // conditions already decided (Redis 7.0: SET key value PXAT ms).
            if let Some(at) = done.expire_at {
                let at = at.to_string();
                ctx.propagate_as(&[b"SET", key, val, b"PXAT", at.as_bytes()]);
            }
            let out = &mut ctx.c.reply;
            if o.get {
                match &done.old {
                    Some(s) => reply_str(out, s),
                    None => out.null(),
                }
            } else if done.written {
                ok(out);
            } else {
                abort(out);
            }
        }
        Err(SetErr::Expire(e)) => reply_expire_err(ctx, e),
        Err(SetErr::WrongType) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
/// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
fn set(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(o) = parse_ext(&argv[3..], true) else {
        ctx.c.reply.error(error::SYNTAX);
        return;
    };
    set_and_reply(ctx, argv[1], argv[2], &o, ReplyBuf::ok, ReplyBuf::null);
    // Without an expiry, SET ... GET replays without its GET words.
    if o.get && o.expire.is_none() {
        let mut form: Vec<&[u8]> = argv[..3].to_vec();
        form.extend(argv[3..].iter().filter(|a| !opt_is(a, "get")));
        ctx.propagate_as(&form);
    }
}

/// SETNX key value
fn setnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    let o = ExtOpts {
        nx: true,
        ..Default::default()
    };
    set_and_reply(ctx, argv[1], argv[2], &o, |r| r.int(1), |r| r.int(0));
}

/// SETEX key seconds value
fn setex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let o = ExtOpts {
        expire: Some((Unit::Ex, argv[2])),
        ..Default::default()
    };
    set_and_reply(ctx, argv[1], argv[3], &o, ReplyBuf::ok, ReplyBuf::null);
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let o = ExtOpts {
        expire: Some((Unit::Px, argv[2])),
        ..Default::default()
    };
    set_and_reply(ctx, argv[1], argv[3], &o, ReplyBuf::ok, ReplyBuf::null);
}

/// MGET key [key ...]
fn mget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    ctx.c.reply.array(argv.len() - 1);
    for key in &argv[1..] {
        match ctx.srv.ks.lookup_read(db, key, ctx.now) {
            Some(Value::Str(s)) => reply_str(&mut ctx.c.reply, s),
            // Missing keys and keys of other types are both nil.
            _ => ctx.c.reply.null(),
        }
    }
}

/// MSET key value [key value ...]
fn mset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len().is_multiple_of(2) {
        ctx.c.reply.error(&error::wrong_arity(ctx.cmd.name));
        return;
    }
    mset_pairs(ctx, argv);
    ctx.c.reply.ok();
}

/// MSETNX key value [key value ...]
fn msetnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len().is_multiple_of(2) {
        ctx.c.reply.error(&error::wrong_arity(ctx.cmd.name));
        return;
    }
    let db = ctx.c.db;
    for pair in argv[1..].chunks_exact(2) {
        if ctx.srv.ks.exists(db, pair[0], ctx.now) {
            ctx.c.reply.int(0);
            return;
        }
    }
    mset_pairs(ctx, argv);
    ctx.c.reply.int(1);
}

/// Stores every key/value pair of MSET/MSETNX (later duplicates win).
fn mset_pairs(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    for pair in argv[1..].chunks_exact(2) {
        ctx.srv.ks.set(
            db,
            pair[0],
            Value::Str(StrValue::from_bytes(pair[1])),
            false,
        );
        ctx.srv.ks.notify(STRING, "set", db, pair[0]);
    }
}

/// GETSET key value
fn getset(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    match read_str(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(s)) => reply_str(&mut ctx.c.reply, s),
        Ok(None) => ctx.c.reply.null(),
        Err(()) => {
            ctx.c.reply.error(error::WRONGTYPE);
            return;
        }
    }
    // GETSET drops the TTL, like a plain SET (and replays as one).
    ctx.srv.ks.set(
        db,
        argv[1],
        Value::Str(StrValue::from_bytes(argv[2])),
        false,
    );
    ctx.srv.ks.notify(STRING, "set", db, argv[1]);
    ctx.propagate_as(&[b"SET", argv[1], argv[2]]);
}

/// GETDEL key
fn getdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    match read_str(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(s)) => reply_str(&mut ctx.c.reply, s),
        Ok(None) => {
            ctx.c.reply.null();
            return;
        }
        Err(()) => {
            ctx.c.reply.error(error::WRONGTYPE);
            return;
        }
    }
    ctx.srv.ks.delete(db, argv[1]);
    ctx.srv.ks.notify(GENERIC, "del", db, argv[1]);
    ctx.propagate_as(&[b"DEL", argv[1]]);
}

/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]
fn getex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(o) = parse_ext(&argv[2..], false) else {
        ctx.c.reply.error(error::SYNTAX);
        return;
    };
    let db = ctx.c.db;
    let key = argv[1];
    let now = ctx.now;
    // The key is looked up before the expire value is checked: a missing
    // key answers nil even for `EX abc`.
    let s = match read_str(&mut ctx.srv.ks, db, key, now) {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.c.reply.null();
            return;
        }
        Err(()) => {
            ctx.c.reply.error(error::WRONGTYPE);
            return;
        }
    };
    let mut expire = None;
    if let Some((unit, arg)) = o.expire {
        match expire_at_ms(unit, arg, now) {
            Ok(at) => expire = Some((unit, at)),
            Err(e) => {
                reply_expire_err(ctx, e);
                return;
            }
        }
    }
    reply_str(&mut ctx.c.reply, s);
    let ks = &mut ctx.srv.ks;
    // Replayed as the change it made: DEL, PEXPIREAT or PERSIST.
    match expire {
        // An absolute time already past deletes the key.
        Some((unit, at)) if !unit.relative() && at <= now && !ks.loading => {
            ks.delete(db, key);
            ks.notify(GENERIC, "del", db, key);
            let del = ctx.del_word();
            ctx.propagate_as(&[del, key]);
        }
        Some((_, at)) => {
            ks.set_expire(db, key, at);
            ks.signal_modified(db, key);
            ks.notify(GENERIC, "expire", db, key);
            let at = at.to_string();
            ctx.propagate_as(&[b"PEXPIREAT", key, at.as_bytes()]);
        }
        // PERSIST counts as a change only if there was a TTL.
        None if o.persist && ks.persist(db, key) => {
            ks.signal_modified(db, key);
            ks.notify(GENERIC, "persist", db, key);
            ctx.propagate_as(&[b"PERSIST", key]);
        }
        None => {}
    }
}

// ---------------------------------------------------------------------------
// APPEND / STRLEN / SETRANGE / GETRANGE
// ---------------------------------------------------------------------------

/// True if a string of `len + extra` bytes would exceed proto-max-bulk-len.
fn too_long(ctx: &Ctx, len: u64, extra: u64) -> bool {
    len.checked_add(extra)
        .is_none_or(|total| total > ctx.srv.config.proto_max_bulk_len)
}

/// APPEND key value
fn append(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    let (key, tail) = (argv[1], argv[2]);
    let max = ctx.srv.config.proto_max_bulk_len;
    let ks = &mut ctx.srv.ks;
    let total = match ks.lookup_write(db, key, ctx.now) {
        None => {
            // Even an empty value creates the key.
            ks.set(db, key, Value::Str(StrValue::from_bytes(tail)), false);
            tail.len()
        }
        Some(Value::Str(s)) => {
            if (s.len() as u64).saturating_add(tail.len() as u64) > max {
                ctx.c.reply.error(error::STRING_TOO_LONG);
                return;
            }
            let buf = s.make_raw();
            buf.extend_from_slice(tail);
            let n = buf.len();
            ks.signal_modified(db, key);
            n
        }
        #[allow(unreachable_patterns)]
        Some(_) => {
            ctx.c.reply.error(error::WRONGTYPE);
            return;
        }
    };
    ctx.srv.ks.notify(STRING, "append", db, key);
    ctx.c.reply.int(total as i64);
}

/// STRLEN key
fn strlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    match read_str(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(s)) => ctx.c.reply.int(s.len() as i64),
        Ok(None) => ctx.c.reply.int(0),
        Err(()) => ctx.c.reply.error(error::WRONGTYPE),
    }
}

/// SETRANGE key offset value
fn setrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (key, value) = (argv[1], argv[3]);
    let Some(offset) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    if offset < 0 {
        ctx.c.reply.error(error::OFFSET_OUT_OF_RANGE);
        return;
    }
    let db = ctx.c.db;
    // Checked before anything is allocated: offset + len must fit
    // proto-max-bulk-len.
    let over = too_long(ctx, offset as u64, value.len() as u64);
    let ks = &mut ctx.srv.ks;
    let total = match ks.lookup_write(db, key, ctx.now) {
        None => {
            if value.is_empty() {
                ctx.c.reply.int(0);
                return;
            }
            if over {
                ctx.c.reply.error(error::STRING_TOO_LONG);
                return;
            }
            let offset = offset as usize;
            let mut buf = vec![0u8; offset + value.len()];
            buf[offset..].copy_from_slice(value);
            let n = buf.len();
            // A string built by SETRANGE is "raw", as in Redis.
            ks.set(db, key, Value::Str(StrValue::Raw(buf)), false);
            n
        }
        Some(Value::Str(s)) => {
            if value.is_empty() {
                let n = s.len();
                ctx.c.reply.int(n as i64);
                return;
            }
            if over {
                ctx.c.reply.error(error::STRING_TOO_LONG);
                return;
            }
            let offset = offset as usize;
            let end = offset + value.len();
            let buf = s.make_raw();
            if buf.len() < end {
                buf.resize(end, 0);
            }
            buf[offset..end].copy_from_slice(value);
            let n = buf.len();
            ks.signal_modified(db, key);
            n
        }
        #[allow(unreachable_patterns)]
        Some(_) => {
            ctx.c.reply.error(error::WRONGTYPE);
            return;
        }
    };
    ctx.srv.ks.notify(STRING, "setrange", db, key);
    ctx.c.reply.int(total as i64);
}

/// The byte range GETRANGE returns for inclusive indexes `start..=end`
/// (negative ones count from the end) over a string of `len` bytes, with
/// Redis 7.2's clamping; None for an empty result. An `end` before the
/// start of the string clamps to 0, so `GETRANGE k 0 -100` returns the first
/// byte in 7.2 (Redis 8 returns "" there; 7.2 is the target).
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if len == 0 || start > end {
        return None;
    }
    Some((start as usize, end as usize + 1))
}

/// GETRANGE key start end (also SUBSTR key start end)
fn getrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(start) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    let Some(end) = super::arg_i64(ctx, argv[3]) else {
        return;
    };
    let db = ctx.c.db;
    let out = &mut ctx.c.reply;
    match read_str(&mut ctx.srv.ks, db, argv[1], ctx.now) {
        Ok(Some(s)) => s.with_bytes(|b| match clamp_range(start, end, b.len()) {
            Some((from, to)) => out.bulk(&b[from..to]),
            None => out.bulk(b""),
        }),
        Ok(None) => out.bulk(b""),
        Err(()) => out.error(error::WRONGTYPE),
    }
}

// ---------------------------------------------------------------------------
// INCR / DECR family
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum IncrErr {
    WrongType,
    NotInt,
    Overflow,
}

/// Adds `by` to the integer at `key` (missing keys count as 0) and returns
/// the new value. The TTL is kept; the value becomes int-encoded.
fn incr_generic(
    ks: &mut Keyspace,
    db: usize,
    key: &[u8],
    by: i64,
    now: i64,
) -> Result<i64, IncrErr> {
    match ks.lookup_write(db, key, now) {
        None => {
            ks.set(db, key, Value::Str(StrValue::Int(by)), false);
            Ok(by)
        }
        Some(Value::Str(s)) => {
            let cur = s.as_i64().ok_or(IncrErr::NotInt)?;
            let new = cur.checked_add(by).ok_or(IncrErr::Overflow)?;
            *s = StrValue::Int(new);
            ks.signal_modified(db, key);
            Ok(new)
        }
        #[allow(unreachable_patterns)]
        Some(_) => Err(IncrErr::WrongType),
    }
}

fn incr_and_reply(ctx: &mut Ctx, key: &[u8], by: i64) {
    let db = ctx.c.db;
    match incr_generic(&mut ctx.srv.ks, db, key, by, ctx.now) {
        Ok(v) => {
            ctx.c.reply.int(v);
            ctx.srv.ks.notify(STRING, "incrby", db, key);
        }
        Err(IncrErr::WrongType) => ctx.c.reply.error(error::WRONGTYPE),
        Err(IncrErr::NotInt) => ctx.c.reply.error(error::NOT_INTEGER),
        Err(IncrErr::Overflow) => ctx.c.reply.error(error::OVERFLOW),
    }
}

/// INCR key
fn incr(ctx: &mut Ctx, argv: &[&[u8]]) {
    incr_and_reply(ctx, argv[1], 1);
}

/// DECR key
fn decr(ctx: &mut Ctx, argv: &[&[u8]]) {
    incr_and_reply(ctx, argv[1], -1);
}

/// INCRBY key increment
fn incrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(by) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    incr_and_reply(ctx, argv[1], by);
}

/// DECRBY key decrement
fn decrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(by) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    // -i64::MIN does not exist.
    let Some(neg) = by.checked_neg() else {
        ctx.c.reply.error(error::DECR_OVERFLOW);
        return;
    };
    incr_and_reply(ctx, argv[1], neg);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FloatErr {
    WrongType,
    NotFloat,
    NanOrInf,
}

/// Adds `incr` to the number at `key` (missing keys count as 0) in x87
/// `long double` arithmetic, like Redis, and stores the result as a
/// string (never int-encoded). The TTL is kept. Returns the stored bytes.
fn incrbyfloat_generic(
    ks: &mut Keyspace,
    db: usize,
    key: &[u8],
    incr: &[u8],
    now: i64,
) -> Result<Vec<u8>, FloatErr> {
    let slot = ks.lookup_write(db, key, now);
    let cur = match &slot {
        None => LongDouble::from_i64(0),
        Some(Value::Str(StrValue::Int(v))) => LongDouble::from_i64(*v),
        Some(Value::Str(s)) => s
            .as_bytes()
            .and_then(LongDouble::parse)
            .ok_or(FloatErr::NotFloat)?,
        #[allow(unreachable_patterns)]
        Some(_) => return Err(FloatErr::WrongType),
    };
    let incr = LongDouble::parse(incr).ok_or(FloatErr::NotFloat)?;
    let sum = cur + incr;
    if !sum.is_finite() {
        return Err(FloatErr::NanOrInf);
    }
    let mut text = Vec::with_capacity(32);
    sum.write_human(&mut text);
    let val = StrValue::from_bytes_no_int(&text);
    match slot {
        Some(Value::Str(s)) => {
            *s = val;
            ks.signal_modified(db, key);
        }
        _ => ks.set(db, key, Value::Str(val), false),
    }
    Ok(text)
}

/// INCRBYFLOAT key increment
fn incrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    match incrbyfloat_generic(&mut ctx.srv.ks, db, argv[1], argv[2], ctx.now) {
        Ok(text) => {
            ctx.c.reply.bulk(&text);
            // Replayed as the value it produced, so float rounding on
            // another machine cannot drift (Redis: SET ... KEEPTTL).
            ctx.propagate_as(&[b"SET", argv[1], &text, b"KEEPTTL"]);
            ctx.srv.ks.notify(STRING, "incrbyfloat", db, argv[1]);
        }
        Err(FloatErr::WrongType) => ctx.c.reply.error(error::WRONGTYPE),
        Err(FloatErr::NotFloat) => ctx.c.reply.error(error::NOT_FLOAT),
        Err(FloatErr::NanOrInf) => ctx.c.reply.error(error::INCR_NAN_OR_INF),
    }
}

// ---------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------

/// Options of LCS.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
struct LcsOpts {
    len: bool,
    idx: bool,
    with_match_len: bool,
    min_match_len: u64,
}

/// One run of bytes common to both strings (inclusive ranges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LcsMatch {
    a: (usize, usize),
    b: (usize, usize),
}

impl LcsMatch {
    fn len(&self) -> usize {
        self.a.1 - self.a.0 + 1
    }
}

/// The result of LCS over two strings.
#[derive(Debug, Default, PartialEq, Eq)]
struct LcsResult {
    /// Length of the longest common subsequence.
    len: usize,
    /// The subsequence itself (only when asked for).
    seq: Vec<u8>,
    /// Matching runs from the end of the strings backwards, filtered by
    /// the minimum length (only when asked for).
    matches: Vec<LcsMatch>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LcsErr {
    TooLong,
    OverBulkLen,
    AllocFailed,
}

/// Dynamic-programming LCS. The table is (n+1)*(m+1) u32 cells and is
/// refused when it would take more than `max_bytes` (proto-max-bulk-len),
/// as Redis refuses it. The walk back from the end picks the same path
/// Redis does (on ties it drops a byte of `b`), so IDX reports the same
/// runs.
fn lcs_compute(
    a: &[u8],
    b: &[u8],
    want_seq: bool,
    want_idx: bool,
    min_len: u64,
    max_bytes: u64,
) -> Result<LcsResult, LcsErr> {
    const LIMIT: usize = u32::MAX as usize - 1;
    if a.len() >= LIMIT || b.len() >= LIMIT {
        return Err(LcsErr::TooLong);
    }
    let cols = b.len() + 1;
    let cells = (a.len() as u128 + 1) * (cols as u128);
    let bytes = cells * 4;
    if bytes > max_bytes as u128 {
        return Err(LcsErr::OverBulkLen);
    }
    let cells = usize::try_from(cells).map_err(|_| LcsErr::AllocFailed)?;
    let mut t: Vec<u32> = Vec::new();
    t.try_reserve_exact(cells)
        .map_err(|_| LcsErr::AllocFailed)?;
    t.resize(cells, 0);
    for i in 1..=a.len() {
        let (prev, cur) = t[(i - 1) * cols..(i + 1) * cols].split_at_mut(cols);
        let ai = a[i - 1];
        for j in 1..cols {
            cur[j] = if ai == b[j - 1] {
                prev[j - 1] + 1
            } else {
                prev[j].max(cur[j - 1])
            };
        }
    }
    let at = |i: usize, j: usize| t[i * cols + j];
    let total = at(a.len(), b.len()) as usize;
    let mut res = LcsResult {
        len: total,
        ..Default::default()
    };
    if !want_seq && !want_idx {
        return Ok(res);
    }
    if want_seq {
        res.seq = vec![0; total];
    }
    let mut filled = total;
    // The run being extended backwards, if any.
    let mut run: Option<LcsMatch> = None;
    let emit = |run: &mut Option<LcsMatch>, out: &mut Vec<LcsMatch>| {
        if let Some(m) = run.take()
            && want_idx
            && (min_len == 0 || m.len() as u64 >= min_len)
        {
            out.push(m);
        }
    };
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            if want_seq {
                filled -= 1;
                res.seq[filled] = a[i - 1];
            }
            let (ai, bj) = (i - 1, j - 1);
            match &mut run {
                None => {
                    run = Some(LcsMatch {
                        a: (ai, ai),
                        b: (bj, bj),
                    })
                }
                Some(m) if m.a.0 == i && m.b.0 == j => {
                    m.a.0 = ai;
                    m.b.0 = bj;
                }
                // A match not adjacent to the current run cannot follow a
                // match directly (a mismatch in between closes the run);
                // kept for completeness.
                Some(_) => emit(&mut run, &mut res.matches),
            }
            // A run touching the start of either string is complete.
            if run.is_some_and(|m| m.a.0 == 0 || m.b.0 == 0) {
                emit(&mut run, &mut res.matches);
            }
            i -= 1;
            j -= 1;
        } else {
            if at(i - 1, j) > at(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            emit(&mut run, &mut res.matches);
        }
    }
    Ok(res)
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
fn lcs(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.c.db;
    let (ka, kb) = (argv[1], argv[2]);
    let now = ctx.now;
    // Both keys are looked up (stats, lazy expiry) before any check.
    let a_ok = read_str(&mut ctx.srv.ks, db, ka, now).is_ok();
    let b_ok = read_str(&mut ctx.srv.ks, db, kb, now).is_ok();
    if !a_ok || !b_ok {
        ctx.c.reply.error(error::LCS_NOT_STRINGS);
        return;
    }
    let mut o = LcsOpts::default();
    let mut i = 3;
    while i < argv.len() {
        let opt = argv[i];
        if opt_is(opt, "idx") {
            o.idx = true;
        } else if opt_is(opt, "len") {
            o.len = true;
        } else if opt_is(opt, "withmatchlen") {
            o.with_match_len = true;
        } else if opt_is(opt, "minmatchlen") && i + 1 < argv.len() {
            let Some(v) = super::arg_i64(ctx, argv[i + 1]) else {
                return;
            };
            o.min_match_len = v.max(0) as u64;
            i += 1;
        } else {
            ctx.c.reply.error(error::SYNTAX);
            return;
        }
        i += 1;
    }
    if o.idx && o.len {
        ctx.c.reply.error(error::LCS_LEN_AND_IDX);
        return;
    }
    let max = ctx.srv.config.proto_max_bulk_len;
    let ks = &ctx.srv.ks;
    let sa = match ks.get_live(db, ka) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    };
    let sb = match ks.get_live(db, kb) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    };
    let with = |s: Option<&StrValue>, f: &mut dyn FnMut(&[u8])| match s {
        Some(s) => s.with_bytes(|b| f(b)),
        None => f(b""),
    };
    let mut result = Err(LcsErr::AllocFailed);
    with(sa, &mut |a| {
        with(sb, &mut |b| {
            result = lcs_compute(a, b, !o.idx && !o.len, o.idx, o.min_match_len, max);
        })
    });
    let out = &mut ctx.c.reply;
    let r = match result {
        Ok(r) => r,
        Err(LcsErr::TooLong) => return out.error(error::LCS_STRING_TOO_LONG),
        Err(LcsErr::OverBulkLen) => return out.error(error::LCS_OVER_BULK_LEN),
        Err(LcsErr::AllocFailed) => return out.error(error::LCS_ALLOC_FAILED),
    };
    if o.idx {
        out.map(2);
        out.bulk(b"matches");
        out.array(r.matches.len());
        for m in &r.matches {
            out.array(if o.with_match_len { 3 } else { 2 });
            for (from, to) in [m.a, m.b] {
                out.array(2);
                out.int(from as i64);
                out.int(to as i64);
            }
            if o.with_match_len {
                out.int(m.len() as i64);
            }
        }
        out.bulk(b"len");
        out.int(r.len as i64);
    } else if o.len {
        out.int(r.len as i64);
    } else {
        out.bulk(&r.seq);
    }
}

#[cfg(test)]
mod tests {
    //! Reply bytes below were recorded from a real redis-server (7.0, where
    //! it agrees with 7.2 for these commands), one fresh database per test,
    //! together with its keyspace_hits / keyspace_misses and the number of
    //! changes (rdb_changes_since_last_save) each sequence produced.

    use super::*;
    use crate::db::Ttl;
    use crate::testing::Harness;

    type Case<'a> = (&'a [&'a [u8]], &'a [u8]);

    fn h() -> Harness {
        Harness::new()
    }

    fn h3() -> Harness {
        let mut h = Harness::new();
        h.c.reply.resp3 = true;
        h
    }

    fn check(h: &mut Harness, cases: &[Case]) {
        for (i, (argv, want)) in cases.iter().enumerate() {
            let got = h.run_bytes(argv);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(want),
                "case {i}: {:?}",
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
            );
            assert_eq!(got, *want, "case {i} (raw bytes)");
        }
    }

    /// Keyspace hits and misses, and writes counted by the write epilogue.
    fn stats(h: &Harness, hits: u64, misses: u64, dirty: u64) {
        let s = &h.srv.ks.stats;
        assert_eq!(
            (s.keyspace_hits, s.keyspace_misses, h.srv.ks.dirty),
            (hits, misses, dirty),
            "(hits, misses, dirty)"
        );
    }

    #[test]
    fn get_set_basics() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"GET", b"missing"], b"$-1\r\n"),
                (&[b"SET", b"foo", b"bar"], b"+OK\r\n"),
                (&[b"GET", b"foo"], b"$3\r\nbar\r\n"),
                (&[b"get", b"foo"], b"$3\r\nbar\r\n"),
                (&[b"SET", b"foo", b"baz", b"GET"], b"$3\r\nbar\r\n"),
                (&[b"GET", b"foo"], b"$3\r\nbaz\r\n"),
                (&[b"SET", b"newkey", b"v", b"GET"], b"$-1\r\n"),
                (&[b"SET", b"foo", b"x", b"NX"], b"$-1\r\n"),
                (&[b"SET", b"foo", b"y", b"XX"], b"+OK\r\n"),
                (&[b"GET", b"foo"], b"$1\r\ny\r\n"),
                (&[b"SET", b"nx1", b"v", b"nx"], b"+OK\r\n"),
                (&[b"SET", b"xx1", b"v", b"XX"], b"$-1\r\n"),
                (&[b"GET", b"xx1"], b"$-1\r\n"),
                (&[b"SET", b"foo", b"q", b"NX", b"GET"], b"$1\r\ny\r\n"),
                (&[b"SET", b"foo", b"r", b"xx", b"get"], b"$1\r\ny\r\n"),
                (&[b"GET", b"foo"], b"$1\r\nr\r\n"),
                (&[b"SET", b"gx", b"v", b"GET", b"XX"], b"$-1\r\n"),
                (&[b"GET", b"gx"], b"$-1\r\n"),
                (&[b"SET", b"", b"empty"], b"+OK\r\n"),
                (&[b"GET", b""], b"$5\r\nempty\r\n"),
                (&[b"SET", b"ev", b""], b"+OK\r\n"),
                (&[b"GET", b"ev"], b"$0\r\n\r\n"),
                (&[b"SET", b"k", b"v", b"NX\x00junk"], b"+OK\r\n"),
                (&[b"SET", b"k", b"w", b"nX"], b"$-1\r\n"),
                (&[b"SET", b"k", b"w", b"GET", b"GET"], b"$1\r\nv\r\n"),
                (&[b"SET", b"k", b"x", b"KEEPTTL", b"KEEPTTL"], b"+OK\r\n"),
                (&[b"SET", b"k", b"y", b"XX", b"XX"], b"+OK\r\n"),
                (&[b"GET", b"k"], b"$1\r\ny\r\n"),
                (&[b"SET", b"int", b"12345"], b"+OK\r\n"),
                (&[b"GET", b"int"], b"$5\r\n12345\r\n"),
                (&[b"SET", b"int", b"-9223372036854775808"], b"+OK\r\n"),
                (&[b"GET", b"int"], b"$20\r\n-9223372036854775808\r\n"),
                (
                    &[b"SET", b"k", b"v", b"EX", b"10", b"EX", b"20"],
                    b"+OK\r\n",
                ),
                (
                    &[
                        b"SET",
                        b"k",
                        b"v",
                        b"EXAT",
                        b"4102444800",
                        b"EXAT",
                        b"4102444801",
                    ],
                    b"+OK\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PXAT", b"4102444800000", b"GET"],
                    b"$1\r\nv\r\n",
                ),
            ],
        );
        stats(&h, 15, 5, 17);
    }

    #[test]
    fn set_option_errors() {
        let mut h = h();
        check(
            &mut h,
            &[
                (
                    &[b"SET", b"k", b"v", b"NX", b"XX"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"XX", b"NX"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"10", b"PX", b"100"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"10", b"KEEPTTL"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"KEEPTTL", b"PX", b"10"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PX", b"100", b"EXAT", b"1"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EXAT", b"1", b"PXAT", b"1"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PXAT", b"1", b"EX", b"1"],
                    b"-ERR syntax error\r\n",
                ),
                (&[b"SET", b"k", b"v", b"PERSIST"], b"-ERR syntax error\r\n"),
                (&[b"SET", b"k", b"v", b"EX"], b"-ERR syntax error\r\n"),
                (&[b"SET", b"k", b"v", b"PX"], b"-ERR syntax error\r\n"),
                (&[b"SET", b"k", b"v", b"EXAT"], b"-ERR syntax error\r\n"),
                (&[b"SET", b"k", b"v", b"PXAT"], b"-ERR syntax error\r\n"),
                (&[b"SET", b"k", b"v", b"BOGUS"], b"-ERR syntax error\r\n"),
                (
                    &[b"SET", b"k", b"v", b"NX", b"BOGUS"],
                    b"-ERR syntax error\r\n",
                ),
                (&[b"SET", b"k", b"v", b"NXX"], b"-ERR syntax error\r\n"),
                (&[b"SET", b"k", b"v", b""], b"-ERR syntax error\r\n"),
                (
                    &[b"SET", b"k", b"v", b"EX", b"0"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PX", b"0"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EXAT", b"0"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PXAT", b"0"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"-1"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PX", b"-100"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"abc"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"1.5"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b""],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b" 10"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"+10"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"010"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"9223372036854775807"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PX", b"9223372036854775807"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"9223372036854775"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"9223372036854776"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PX", b"9223372036854775806"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EXAT", b"9223372036854775807"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EXAT", b"9223372036854776"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"99999999999999999999"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"-9223372036854775808"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"PX", b"0", b"GET"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"EX", b"abc", b"NX"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k", b"v", b"NX", b"EX", b"abc"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SET", b"k"],
                    b"-ERR wrong number of arguments for 'set' command\r\n",
                ),
                (
                    &[b"SET"],
                    b"-ERR wrong number of arguments for 'set' command\r\n",
                ),
                (
                    &[b"GET"],
                    b"-ERR wrong number of arguments for 'get' command\r\n",
                ),
                (
                    &[b"GET", b"a", b"b"],
                    b"-ERR wrong number of arguments for 'get' command\r\n",
                ),
                (&[b"GET", b"k"], b"$-1\r\n"),
            ],
        );
        stats(&h, 0, 1, 0);
    }

    #[test]
    fn set_expired_now() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"SET", b"t", b"v", b"EXAT", b"1"], b"+OK\r\n"),
                (&[b"GET", b"t"], b"$-1\r\n"),
                (&[b"SET", b"t", b"v", b"PXAT", b"1000"], b"+OK\r\n"),
                (&[b"SET", b"t", b"w", b"KEEPTTL"], b"+OK\r\n"),
                (&[b"GET", b"t"], b"$1\r\nw\r\n"),
                (&[b"SET", b"t", b"v", b"PXAT", b"1", b"GET"], b"$1\r\nw\r\n"),
                (&[b"SET", b"t", b"v", b"NX"], b"+OK\r\n"),
                (&[b"SET", b"t", b"v", b"EXAT", b"1"], b"+OK\r\n"),
                (&[b"SET", b"t", b"v", b"XX"], b"$-1\r\n"),
                (&[b"SET", b"t", b"v", b"EXAT", b"1"], b"+OK\r\n"),
                (&[b"SET", b"t", b"x", b"GET"], b"$-1\r\n"),
                (&[b"GETEX", b"t", b"EXAT", b"1"], b"$1\r\nx\r\n"),
                (&[b"GET", b"t"], b"$-1\r\n"),
            ],
        );
        stats(&h, 3, 3, 9);
    }

    #[test]
    fn setnx_setex_psetex() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"SETNX", b"sn", b"1"], b":1\r\n"),
                (&[b"SETNX", b"sn", b"2"], b":0\r\n"),
                (&[b"GET", b"sn"], b"$1\r\n1\r\n"),
                (
                    &[b"SETNX", b"sn"],
                    b"-ERR wrong number of arguments for 'setnx' command\r\n",
                ),
                (
                    &[b"SETNX", b"sn", b"1", b"2"],
                    b"-ERR wrong number of arguments for 'setnx' command\r\n",
                ),
                (&[b"SETEX", b"se", b"100", b"v"], b"+OK\r\n"),
                (&[b"GET", b"se"], b"$1\r\nv\r\n"),
                (
                    &[b"SETEX", b"se", b"0", b"v"],
                    b"-ERR invalid expire time in 'setex' command\r\n",
                ),
                (
                    &[b"SETEX", b"se", b"-5", b"v"],
                    b"-ERR invalid expire time in 'setex' command\r\n",
                ),
                (
                    &[b"SETEX", b"se", b"abc", b"v"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SETEX", b"se", b"1.0", b"v"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SETEX", b"se", b"9223372036854775807", b"v"],
                    b"-ERR invalid expire time in 'setex' command\r\n",
                ),
                (
                    &[b"SETEX", b"se", b"9223372036854775", b"v"],
                    b"-ERR invalid expire time in 'setex' command\r\n",
                ),
                (
                    &[b"SETEX", b"se", b"100"],
                    b"-ERR wrong number of arguments for 'setex' command\r\n",
                ),
                (&[b"PSETEX", b"pse", b"100000", b"v"], b"+OK\r\n"),
                (&[b"GET", b"pse"], b"$1\r\nv\r\n"),
                (
                    &[b"PSETEX", b"pse", b"0", b"v"],
                    b"-ERR invalid expire time in 'psetex' command\r\n",
                ),
                (
                    &[b"PSETEX", b"pse", b"-1", b"v"],
                    b"-ERR invalid expire time in 'psetex' command\r\n",
                ),
                (
                    &[b"PSETEX", b"pse", b"9223372036854775807", b"v"],
                    b"-ERR invalid expire time in 'psetex' command\r\n",
                ),
                (
                    &[b"PSETEX", b"pse", b"x", b"v"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"PSETEX", b"pse", b"100"],
                    b"-ERR wrong number of arguments for 'psetex' command\r\n",
                ),
                (&[b"SETEX", b"nx1", b"10", b"12"], b"+OK\r\n"),
                (&[b"GET", b"nx1"], b"$2\r\n12\r\n"),
            ],
        );
        stats(&h, 4, 0, 4);
    }

    #[test]
    fn mget_mset_msetnx() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"MSET", b"a", b"1", b"b", b"2", b"c", b"3"], b"+OK\r\n"),
                (
                    &[b"MGET", b"a", b"b", b"c", b"missing", b"a"],
                    b"*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n$1\r\n1\r\n",
                ),
                (&[b"MGET", b"missing"], b"*1\r\n$-1\r\n"),
                (
                    &[b"MSET", b"a"],
                    b"-ERR wrong number of arguments for 'mset' command\r\n",
                ),
                (
                    &[b"MSET", b"a", b"1", b"b"],
                    b"-ERR wrong number of arguments for 'mset' command\r\n",
                ),
                (
                    &[b"MSET"],
                    b"-ERR wrong number of arguments for 'mset' command\r\n",
                ),
                (
                    &[b"MGET"],
                    b"-ERR wrong number of arguments for 'mget' command\r\n",
                ),
                (&[b"MSET", b"a", b"10", b"a", b"20"], b"+OK\r\n"),
                (&[b"GET", b"a"], b"$2\r\n20\r\n"),
                (&[b"MSETNX", b"a", b"1", b"z", b"2"], b":0\r\n"),
                (&[b"GET", b"z"], b"$-1\r\n"),
                (&[b"MSETNX", b"y", b"1", b"z", b"2"], b":1\r\n"),
                (&[b"MGET", b"y", b"z"], b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
                (
                    &[b"MSETNX", b"y"],
                    b"-ERR wrong number of arguments for 'msetnx' command\r\n",
                ),
                (
                    &[b"MSETNX", b"q", b"1", b"r"],
                    b"-ERR wrong number of arguments for 'msetnx' command\r\n",
                ),
                (
                    &[b"MSETNX"],
                    b"-ERR wrong number of arguments for 'msetnx' command\r\n",
                ),
                (&[b"MSETNX", b"dup", b"1", b"dup", b"2"], b":1\r\n"),
                (&[b"GET", b"dup"], b"$1\r\n2\r\n"),
                (
                    &[b"MSETNX", b"n1", b"1", b"n2", b"2", b"dup", b"3"],
                    b":0\r\n",
                ),
                (
                    &[b"MGET", b"n1", b"n2", b"dup"],
                    b"*3\r\n$-1\r\n$-1\r\n$1\r\n2\r\n",
                ),
            ],
        );
        stats(&h, 9, 5, 9);
    }

    #[test]
    fn getset_getdel_getex() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"GETSET", b"gs", b"v1"], b"$-1\r\n"),
                (&[b"GETSET", b"gs", b"v2"], b"$2\r\nv1\r\n"),
                (&[b"GET", b"gs"], b"$2\r\nv2\r\n"),
                (
                    &[b"GETSET", b"gs"],
                    b"-ERR wrong number of arguments for 'getset' command\r\n",
                ),
                (&[b"GETDEL", b"gs"], b"$2\r\nv2\r\n"),
                (&[b"GETDEL", b"gs"], b"$-1\r\n"),
                (
                    &[b"GETDEL"],
                    b"-ERR wrong number of arguments for 'getdel' command\r\n",
                ),
                (
                    &[b"GETDEL", b"a", b"b"],
                    b"-ERR wrong number of arguments for 'getdel' command\r\n",
                ),
                (&[b"SET", b"gi", b"42"], b"+OK\r\n"),
                (&[b"GETSET", b"gi", b"43"], b"$2\r\n42\r\n"),
                (&[b"GETDEL", b"gi"], b"$2\r\n43\r\n"),
                (&[b"GETEX", b"missing"], b"$-1\r\n"),
                (&[b"GETEX", b"missing", b"EX", b"10"], b"$-1\r\n"),
                (&[b"GETEX", b"missing", b"EX", b"abc"], b"$-1\r\n"),
                (&[b"GETEX", b"missing", b"EX", b"0"], b"$-1\r\n"),
                (&[b"GETEX", b"missing", b"BOGUS"], b"-ERR syntax error\r\n"),
                (&[b"SET", b"ge", b"v"], b"+OK\r\n"),
                (&[b"GETEX", b"ge"], b"$1\r\nv\r\n"),
                (&[b"GETEX", b"ge", b"EX", b"100"], b"$1\r\nv\r\n"),
                (&[b"GETEX", b"ge", b"PERSIST"], b"$1\r\nv\r\n"),
                (&[b"GETEX", b"ge", b"PERSIST"], b"$1\r\nv\r\n"),
                (&[b"GETEX", b"ge", b"PX", b"100000"], b"$1\r\nv\r\n"),
                (&[b"GETEX", b"ge", b"EXAT", b"4102444800"], b"$1\r\nv\r\n"),
                (
                    &[b"GETEX", b"ge", b"PXAT", b"4102444800123"],
                    b"$1\r\nv\r\n",
                ),
                (&[b"GETEX", b"ge", b"ex", b"300"], b"$1\r\nv\r\n"),
                (
                    &[b"GETEX", b"ge", b"EX", b"100", b"PX", b"100"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"EX", b"100", b"PERSIST"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"PERSIST", b"EX", b"100"],
                    b"-ERR syntax error\r\n",
                ),
                (&[b"GETEX", b"ge", b"PERSIST", b"PERSIST"], b"$1\r\nv\r\n"),
                (&[b"GETEX", b"ge", b"EX", b"1", b"EX", b"2"], b"$1\r\nv\r\n"),
                (
                    &[b"GETEX", b"ge", b"EX", b"0"],
                    b"-ERR invalid expire time in 'getex' command\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"EX", b"-1"],
                    b"-ERR invalid expire time in 'getex' command\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"PX", b"0"],
                    b"-ERR invalid expire time in 'getex' command\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"EXAT", b"0"],
                    b"-ERR invalid expire time in 'getex' command\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"EX", b"abc"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"EX", b"9223372036854775807"],
                    b"-ERR invalid expire time in 'getex' command\r\n",
                ),
                (
                    &[b"GETEX", b"ge", b"PX", b"9223372036854775806"],
                    b"-ERR invalid expire time in 'getex' command\r\n",
                ),
                (&[b"GETEX", b"ge", b"EX"], b"-ERR syntax error\r\n"),
                (&[b"GETEX", b"ge", b"FOO"], b"-ERR syntax error\r\n"),
                (&[b"GETEX", b"ge", b"KEEPTTL"], b"-ERR syntax error\r\n"),
                (&[b"GETEX", b"ge", b"NX"], b"-ERR syntax error\r\n"),
                (&[b"GETEX", b"ge", b"GET"], b"-ERR syntax error\r\n"),
                (&[b"GETEX", b"ge", b"EXAT", b"1"], b"$1\r\nv\r\n"),
                (&[b"GET", b"ge"], b"$-1\r\n"),
                (&[b"GETEX", b"ge", b"PERSIST"], b"$-1\r\n"),
                (
                    &[b"GETEX"],
                    b"-ERR wrong number of arguments for 'getex' command\r\n",
                ),
                (&[b"SET", b"gn", b"7"], b"+OK\r\n"),
                (&[b"GETEX", b"gn", b"PXAT", b"1"], b"$1\r\n7\r\n"),
                (&[b"GETEX", b"gn"], b"$-1\r\n"),
            ],
        );
        stats(&h, 24, 9, 18);
    }

    #[test]
    fn append_strlen() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"APPEND", b"ap", b"hello"], b":5\r\n"),
                (&[b"APPEND", b"ap", b" world"], b":11\r\n"),
                (&[b"GET", b"ap"], b"$11\r\nhello world\r\n"),
                (&[b"STRLEN", b"ap"], b":11\r\n"),
                (&[b"STRLEN", b"missing"], b":0\r\n"),
                (&[b"APPEND", b"ap", b""], b":11\r\n"),
                (&[b"APPEND", b"apempty", b""], b":0\r\n"),
                (&[b"GET", b"apempty"], b"$0\r\n\r\n"),
                (&[b"STRLEN", b"apempty"], b":0\r\n"),
                (
                    &[b"APPEND", b"ap"],
                    b"-ERR wrong number of arguments for 'append' command\r\n",
                ),
                (
                    &[b"STRLEN"],
                    b"-ERR wrong number of arguments for 'strlen' command\r\n",
                ),
                (
                    &[b"STRLEN", b"a", b"b"],
                    b"-ERR wrong number of arguments for 'strlen' command\r\n",
                ),
                (&[b"SET", b"n", b"123"], b"+OK\r\n"),
                (&[b"STRLEN", b"n"], b":3\r\n"),
                (&[b"APPEND", b"n", b"4"], b":4\r\n"),
                (&[b"GET", b"n"], b"$4\r\n1234\r\n"),
                (&[b"INCR", b"n"], b":1235\r\n"),
                (&[b"SET", b"n", b"-12"], b"+OK\r\n"),
                (&[b"STRLEN", b"n"], b":3\r\n"),
                (&[b"SET", b"n", b"-9223372036854775808"], b"+OK\r\n"),
                (&[b"STRLEN", b"n"], b":20\r\n"),
                (&[b"APPEND", b"new", b"12"], b":2\r\n"),
                (&[b"INCR", b"new"], b":13\r\n"),
                (&[b"APPEND", b"bin", b"\x00\xff\r\n"], b":4\r\n"),
                (&[b"GET", b"bin"], b"$4\r\n\x00\xff\r\n\r\n"),
                (&[b"STRLEN", b"bin"], b":4\r\n"),
            ],
        );
        stats(&h, 10, 1, 12);
    }

    #[test]
    fn incr_decr() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"INCR", b"cnt"], b":1\r\n"),
                (&[b"INCR", b"cnt"], b":2\r\n"),
                (&[b"INCRBY", b"cnt", b"10"], b":12\r\n"),
                (&[b"DECR", b"cnt"], b":11\r\n"),
                (&[b"DECRBY", b"cnt", b"20"], b":-9\r\n"),
                (&[b"INCRBY", b"cnt", b"-5"], b":-14\r\n"),
                (&[b"DECRBY", b"cnt", b"-5"], b":-9\r\n"),
                (&[b"GET", b"cnt"], b"$2\r\n-9\r\n"),
                (&[b"INCRBY", b"cnt", b"0"], b":-9\r\n"),
                (&[b"DECR", b"newd"], b":-1\r\n"),
                (&[b"DECRBY", b"newd2", b"7"], b":-7\r\n"),
                (&[b"INCRBY", b"newi", b"-3"], b":-3\r\n"),
                (&[b"SET", b"big", b"9223372036854775807"], b"+OK\r\n"),
                (
                    &[b"INCR", b"big"],
                    b"-ERR increment or decrement would overflow\r\n",
                ),
                (
                    &[b"INCRBY", b"big", b"1"],
                    b"-ERR increment or decrement would overflow\r\n",
                ),
                (
                    &[b"DECRBY", b"big", b"-1"],
                    b"-ERR increment or decrement would overflow\r\n",
                ),
                (&[b"GET", b"big"], b"$19\r\n9223372036854775807\r\n"),
                (&[b"DECR", b"big"], b":9223372036854775806\r\n"),
                (&[b"SET", b"small", b"-9223372036854775808"], b"+OK\r\n"),
                (
                    &[b"DECR", b"small"],
                    b"-ERR increment or decrement would overflow\r\n",
                ),
                (
                    &[b"DECRBY", b"small", b"1"],
                    b"-ERR increment or decrement would overflow\r\n",
                ),
                (
                    &[b"INCRBY", b"small", b"-1"],
                    b"-ERR increment or decrement would overflow\r\n",
                ),
                (&[b"INCR", b"small"], b":-9223372036854775807\r\n"),
                (&[b"GET", b"small"], b"$20\r\n-9223372036854775807\r\n"),
                (&[b"INCRBY", b"small", b"9223372036854775807"], b":0\r\n"),
                (&[b"SET", b"small", b"-9223372036854775808"], b"+OK\r\n"),
                (
                    &[b"INCRBY", b"small", b"-9223372036854775808"],
                    b"-ERR increment or decrement would overflow\r\n",
                ),
                (
                    &[b"DECRBY", b"dx", b"-9223372036854775808"],
                    b"-ERR decrement would overflow\r\n",
                ),
                (
                    &[b"DECRBY", b"dx", b"9223372036854775807"],
                    b":-9223372036854775807\r\n",
                ),
                (
                    &[b"INCRBY", b"ix", b"9223372036854775808"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"ix", b"-9223372036854775809"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"ix", b"-9223372036854775808"],
                    b":-9223372036854775808\r\n",
                ),
                (&[b"SET", b"s", b" 1"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"1 "], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"+1"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"01"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"-0"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"12345678901234567890"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"00000000000000000001"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b""], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"1.0"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"0x10"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"1\x00"], b"+OK\r\n"),
                (
                    &[b"INCR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"s", b"abc"], b"+OK\r\n"),
                (
                    &[b"DECR", b"s"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"DECRBY", b"s", b"1"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"cnt", b"abc"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"cnt", b"1.5"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"cnt", b""],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"cnt", b" 1"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"cnt", b"+5"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCRBY", b"cnt", b"05"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"DECRBY", b"cnt", b"-0"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"DECRBY", b"cnt", b"x"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"INCR"],
                    b"-ERR wrong number of arguments for 'incr' command\r\n",
                ),
                (
                    &[b"INCR", b"a", b"b"],
                    b"-ERR wrong number of arguments for 'incr' command\r\n",
                ),
                (
                    &[b"DECR"],
                    b"-ERR wrong number of arguments for 'decr' command\r\n",
                ),
                (
                    &[b"INCRBY", b"a"],
                    b"-ERR wrong number of arguments for 'incrby' command\r\n",
                ),
                (
                    &[b"DECRBY", b"a"],
                    b"-ERR wrong number of arguments for 'decrby' command\r\n",
                ),
                (&[b"SET", b"ap", b"41"], b"+OK\r\n"),
                (&[b"APPEND", b"ap", b"0"], b":3\r\n"),
                (&[b"INCR", b"ap"], b":411\r\n"),
                (&[b"GET", b"ap"], b"$3\r\n411\r\n"),
                (&[b"SET", b"w", b"  "], b"+OK\r\n"),
                (
                    &[b"INCRBY", b"w", b"1"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
            ],
        );
        stats(&h, 4, 0, 35);
    }

    #[test]
    fn incrbyfloat_cases() {
        let mut h = h();
        check(&mut h, &[
            (&[b"INCRBYFLOAT", b"f", b"1.5"], b"$3\r\n1.5\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1e3"], b"$6\r\n1001.5\r\n"),
            (&[b"GET", b"f"], b"$6\r\n1001.5\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"-1001.5"], b"$1\r\n0\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"10"], b"$2\r\n10\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"2.5e1"], b"$2\r\n35\r\n"),
            (&[b"INCRBYFLOAT", b"f", b".5"], b"$4\r\n35.5\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"5."], b"$4\r\n40.5\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"-0.25"], b"$5\r\n40.25\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"inf"], b"-ERR increment would produce NaN or Infinity\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"-inf"], b"-ERR increment would produce NaN or Infinity\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"nan"], b"-ERR value is not a valid float\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"abc"], b"-ERR value is not a valid float\r\n"),
            (&[b"INCRBYFLOAT", b"f", b""], b"-ERR value is not a valid float\r\n"),
            (&[b"INCRBYFLOAT", b"f", b" 1"], b"-ERR value is not a valid float\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1 "], b"-ERR value is not a valid float\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1,5"], b"-ERR value is not a valid float\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1\x00"], b"-ERR value is not a valid float\r\n"),
            (&[b"GET", b"f"], b"$5\r\n40.25\r\n"),
            (&[b"SET", b"f", b"10.50"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"0"], b"$4\r\n10.5\r\n"),
            (&[b"SET", b"f", b"5.0e3"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"200"], b"$4\r\n5200\r\n"),
            (&[b"SET", b"f", b"notafloat"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1"], b"-ERR value is not a valid float\r\n"),
            (&[b"SET", b"f", b"inf"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1"], b"-ERR increment would produce NaN or Infinity\r\n"),
            (&[b"SET", b"f", b"7"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1"], b"$1\r\n8\r\n"),
            (&[b"INCR", b"f"], b":9\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"0.5"], b"$3\r\n9.5\r\n"),
            (&[b"INCR", b"f"], b"-ERR value is not an integer or out of range\r\n"),
            (&[b"INCRBYFLOAT", b"f"], b"-ERR wrong number of arguments for 'incrbyfloat' command\r\n"),
            (&[b"INCRBYFLOAT", b"f", b"1", b"2"], b"-ERR wrong number of arguments for 'incrbyfloat' command\r\n"),
            (&[b"INCRBYFLOAT", b"g", b"0.1"], b"$3\r\n0.1\r\n"),
            (&[b"INCRBYFLOAT", b"g", b"0.2"], b"$3\r\n0.3\r\n"),
            (&[b"INCRBYFLOAT", b"h", b"3.0e3"], b"$4\r\n3000\r\n"),
            (&[b"INCRBYFLOAT", b"h", b"-3000"], b"$1\r\n0\r\n"),
            (&[b"INCRBYFLOAT", b"h", b"-0.0"], b"$1\r\n0\r\n"),
            (&[b"SET", b"big", b"1e308"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"big", b"1e308"], b"$309\r\n199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096\r\n"),
            (&[b"INCRBYFLOAT", b"x", b"1e4933"], b"-ERR value is not a valid float\r\n"),
            (&[b"SET", b"i", b"-5"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"i", b"2"], b"$2\r\n-3\r\n"),
            (&[b"SET", b"m", b"9223372036854775807"], b"+OK\r\n"),
            (&[b"INCRBYFLOAT", b"m", b"1"], b"$19\r\n9223372036854775808\r\n"),
        ]);
        stats(&h, 2, 0, 29);
    }

    #[test]
    fn setrange_cases() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"SETRANGE", b"sr", b"0", b"hello"], b":5\r\n"),
                (&[b"SETRANGE", b"sr", b"6", b"world"], b":11\r\n"),
                (&[b"GET", b"sr"], b"$11\r\nhello\x00world\r\n"),
                (&[b"STRLEN", b"sr"], b":11\r\n"),
                (&[b"SETRANGE", b"sr", b"1", b"abc"], b":11\r\n"),
                (&[b"GET", b"sr"], b"$11\r\nhabco\x00world\r\n"),
                (&[b"SETRANGE", b"sr", b"11", b"!"], b":12\r\n"),
                (&[b"SETRANGE", b"sr", b"20", b"end"], b":23\r\n"),
                (
                    &[b"GET", b"sr"],
                    b"$23\r\nhabco\x00world!\x00\x00\x00\x00\x00\x00\x00\x00end\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr", b"-1", b"x"],
                    b"-ERR offset is out of range\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr", b"536870912", b"x"],
                    b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr", b"536870911", b"xx"],
                    b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr", b"9223372036854775807", b"x"],
                    b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
                ),
                (&[b"SETRANGE", b"sr", b"536870911", b""], b":23\r\n"),
                (&[b"SETRANGE", b"sr", b"5", b""], b":23\r\n"),
                (
                    &[b"GET", b"sr"],
                    b"$23\r\nhabco\x00world!\x00\x00\x00\x00\x00\x00\x00\x00end\r\n",
                ),
                (&[b"SETRANGE", b"srm", b"0", b""], b":0\r\n"),
                (&[b"SETRANGE", b"srm", b"5", b""], b":0\r\n"),
                (&[b"GET", b"srm"], b"$-1\r\n"),
                (
                    &[b"SETRANGE", b"srm", b"-1", b""],
                    b"-ERR offset is out of range\r\n",
                ),
                (&[b"SETRANGE", b"srm", b"536870912", b""], b":0\r\n"),
                (
                    &[b"SETRANGE", b"srm", b"536870912", b"x"],
                    b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
                ),
                (&[b"SETRANGE", b"srm", b"3", b"x"], b":4\r\n"),
                (&[b"GET", b"srm"], b"$4\r\n\x00\x00\x00x\r\n"),
                (
                    &[b"SETRANGE", b"sr", b"abc", b"x"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr", b"1.5", b"x"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr", b"", b"x"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr", b"9223372036854775808", b"x"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (&[b"SET", b"srn", b"12345"], b"+OK\r\n"),
                (&[b"SETRANGE", b"srn", b"1", b"x"], b":5\r\n"),
                (&[b"GET", b"srn"], b"$5\r\n1x345\r\n"),
                (&[b"SET", b"srn", b"12345"], b"+OK\r\n"),
                (&[b"SETRANGE", b"srn", b"5", b"6"], b":6\r\n"),
                (&[b"GET", b"srn"], b"$6\r\n123456\r\n"),
                (&[b"INCR", b"srn"], b":123457\r\n"),
                (
                    &[b"SETRANGE", b"sr", b"0"],
                    b"-ERR wrong number of arguments for 'setrange' command\r\n",
                ),
                (
                    &[b"SETRANGE", b"sr"],
                    b"-ERR wrong number of arguments for 'setrange' command\r\n",
                ),
            ],
        );
        stats(&h, 8, 1, 11);
    }

    #[test]
    fn getrange_cases() {
        let mut h = h();
        check(
            &mut h,
            &[
                (&[b"SET", b"gr", b"Hello World"], b"+OK\r\n"),
                (&[b"GETRANGE", b"gr", b"0", b"4"], b"$5\r\nHello\r\n"),
                (&[b"GETRANGE", b"gr", b"-5", b"-1"], b"$5\r\nWorld\r\n"),
                (
                    &[b"GETRANGE", b"gr", b"0", b"-1"],
                    b"$11\r\nHello World\r\n",
                ),
                (&[b"GETRANGE", b"gr", b"5", b"2"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"gr", b"100", b"200"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"gr", b"-100", b"3"], b"$4\r\nHell\r\n"),
                (
                    &[b"GETRANGE", b"gr", b"0", b"100"],
                    b"$11\r\nHello World\r\n",
                ),
                (&[b"GETRANGE", b"gr", b"-1", b"-5"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"gr", b"-1", b"0"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"gr", b"0", b"-100"], b"$1\r\nH\r\n"),
                (&[b"GETRANGE", b"gr", b"-100", b"-100"], b"$1\r\nH\r\n"),
                (&[b"GETRANGE", b"gr", b"-100", b"-50"], b"$1\r\nH\r\n"),
                (&[b"GETRANGE", b"gr", b"10", b"10"], b"$1\r\nd\r\n"),
                (&[b"GETRANGE", b"gr", b"11", b"11"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"gr", b"-1", b"-1"], b"$1\r\nd\r\n"),
                (&[b"GETRANGE", b"gr", b"0", b"0"], b"$1\r\nH\r\n"),
                (
                    &[
                        b"GETRANGE",
                        b"gr",
                        b"9223372036854775807",
                        b"9223372036854775807",
                    ],
                    b"$0\r\n\r\n",
                ),
                (
                    &[
                        b"GETRANGE",
                        b"gr",
                        b"-9223372036854775808",
                        b"9223372036854775807",
                    ],
                    b"$11\r\nHello World\r\n",
                ),
                (
                    &[
                        b"GETRANGE",
                        b"gr",
                        b"-9223372036854775808",
                        b"-9223372036854775808",
                    ],
                    b"$1\r\nH\r\n",
                ),
                (
                    &[b"GETRANGE", b"gr", b"3", b"-9223372036854775808"],
                    b"$0\r\n\r\n",
                ),
                (&[b"GETRANGE", b"missing", b"0", b"1"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"missing", b"0", b"-1"], b"$0\r\n\r\n"),
                (&[b"SET", b"ev", b""], b"+OK\r\n"),
                (&[b"GETRANGE", b"ev", b"0", b"-1"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"ev", b"-1", b"0"], b"$0\r\n\r\n"),
                (&[b"GETRANGE", b"ev", b"0", b"0"], b"$0\r\n\r\n"),
                (
                    &[b"GETRANGE", b"gr", b"a", b"b"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"GETRANGE", b"gr", b"0", b"b"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"GETRANGE", b"missing", b"x", b"0"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"GETRANGE", b"gr", b"0"],
                    b"-ERR wrong number of arguments for 'getrange' command\r\n",
                ),
                (
                    &[b"GETRANGE", b"gr", b"0", b"1", b"2"],
                    b"-ERR wrong number of arguments for 'getrange' command\r\n",
                ),
                (&[b"SUBSTR", b"gr", b"0", b"4"], b"$5\r\nHello\r\n"),
                (&[b"SUBSTR", b"gr", b"-3", b"-1"], b"$3\r\nrld\r\n"),
                (
                    &[b"SUBSTR", b"gr", b"0"],
                    b"-ERR wrong number of arguments for 'substr' command\r\n",
                ),
                (&[b"SET", b"grn", b"-12345"], b"+OK\r\n"),
                (&[b"GETRANGE", b"grn", b"1", b"2"], b"$2\r\n12\r\n"),
                (&[b"GETRANGE", b"grn", b"-2", b"-1"], b"$2\r\n45\r\n"),
                (&[b"GETRANGE", b"grn", b"0", b"-1"], b"$6\r\n-12345\r\n"),
            ],
        );
        stats(&h, 28, 2, 3);
    }

    #[test]
    fn lcs_resp2() {
        let mut h = h();
        check(&mut h, &[
            (&[b"MSET", b"lcs1", b"ohmytext", b"lcs2", b"mynewtext"], b"+OK\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2"], b"$6\r\nmytext\r\n"),
            (&[b"LCS", b"lcs2", b"lcs1"], b"$6\r\nmytext\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"LEN"], b":6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"len"], b":6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX", b"MINMATCHLEN", b"4"], b"*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX", b"MINMATCHLEN", b"4", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"WITHMATCHLEN", b"IDX", b"MINMATCHLEN", b"0"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX", b"MINMATCHLEN", b"-1"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"LEN", b"MINMATCHLEN", b"4"], b":6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"WITHMATCHLEN"], b"$6\r\nmytext\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"LEN", b"IDX"], b"-ERR If you want both the length and indexes, please just use IDX.\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX", b"LEN"], b"-ERR If you want both the length and indexes, please just use IDX.\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"MINMATCHLEN"], b"-ERR syntax error\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX", b"MINMATCHLEN", b"abc"], b"-ERR value is not an integer or out of range\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"BOGUS"], b"-ERR syntax error\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"idx\x00x", b"len"], b"-ERR If you want both the length and indexes, please just use IDX.\r\n"),
            (&[b"LCS", b"lcs1", b"missing"], b"$0\r\n\r\n"),
            (&[b"LCS", b"lcs1", b"missing", b"LEN"], b":0\r\n"),
            (&[b"LCS", b"lcs1", b"missing", b"IDX"], b"*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"),
            (&[b"LCS", b"missing", b"missing2"], b"$0\r\n\r\n"),
            (&[b"LCS", b"lcs1", b"lcs1"], b"$8\r\nohmytext\r\n"),
            (&[b"LCS", b"lcs1", b"lcs1", b"IDX", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n:8\r\n$3\r\nlen\r\n:8\r\n"),
            (&[b"MSET", b"lcs3", b"ABCBDAB", b"lcs4", b"BDCABA"], b"+OK\r\n"),
            (&[b"LCS", b"lcs3", b"lcs4"], b"$4\r\nBDAB\r\n"),
            (&[b"LCS", b"lcs3", b"lcs4", b"IDX", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:5\r\n:6\r\n*2\r\n:3\r\n:4\r\n:2\r\n*3\r\n*2\r\n:3\r\n:4\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:4\r\n"),
            (&[b"MSET", b"lcs5", b"a\x00b\xffc", b"lcs6", b"\x00\xff"], b"+OK\r\n"),
            (&[b"LCS", b"lcs5", b"lcs6"], b"$2\r\n\x00\xff\r\n"),
            (&[b"LCS", b"lcs5", b"lcs6", b"IDX"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:3\r\n:3\r\n*2\r\n:1\r\n:1\r\n*2\r\n*2\r\n:1\r\n:1\r\n*2\r\n:0\r\n:0\r\n$3\r\nlen\r\n:2\r\n"),
            (&[b"MSET", b"n1", b"1234512345", b"n2", b"54321"], b"+OK\r\n"),
            (&[b"LCS", b"n1", b"n2"], b"$2\r\n54\r\n"),
            (&[b"LCS", b"n1", b"n2", b"IDX", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:8\r\n:8\r\n*2\r\n:1\r\n:1\r\n:1\r\n*3\r\n*2\r\n:4\r\n:4\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:2\r\n"),
            (&[b"MSET", b"x1", b"abcabcabcxyzabc", b"x2", b"xxabcyyabczzxyz"], b"+OK\r\n"),
            (&[b"LCS", b"x1", b"x2", b"IDX", b"WITHMATCHLEN", b"MINMATCHLEN", b"2"], b"*4\r\n$7\r\nmatches\r\n*3\r\n*3\r\n*2\r\n:9\r\n:11\r\n*2\r\n:12\r\n:14\r\n:3\r\n*3\r\n*2\r\n:6\r\n:8\r\n*2\r\n:7\r\n:9\r\n:3\r\n*3\r\n*2\r\n:3\r\n:5\r\n*2\r\n:2\r\n:4\r\n:3\r\n$3\r\nlen\r\n:9\r\n"),
            (&[b"LCS", b"x2", b"x1", b"IDX"], b"*4\r\n$7\r\nmatches\r\n*3\r\n*2\r\n*2\r\n:12\r\n:14\r\n*2\r\n:9\r\n:11\r\n*2\r\n*2\r\n:7\r\n:9\r\n*2\r\n:3\r\n:5\r\n*2\r\n*2\r\n:2\r\n:4\r\n*2\r\n:0\r\n:2\r\n$3\r\nlen\r\n:9\r\n"),
            (&[b"LCS", b"x1", b"x2"], b"$9\r\nabcabcxyz\r\n"),
            (&[b"LCS", b"lcs1"], b"-ERR wrong number of arguments for 'lcs' command\r\n"),
            (&[b"LCS"], b"-ERR wrong number of arguments for 'lcs' command\r\n"),
        ]);
        stats(&h, 61, 5, 10);
    }

    #[test]
    fn lcs_resp3() {
        let mut h = h3();
        check(&mut h, &[
            (&[b"MSET", b"lcs1", b"ohmytext", b"lcs2", b"mynewtext"], b"+OK\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2"], b"$6\r\nmytext\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"LEN"], b":6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX"], b"%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"lcs1", b"lcs2", b"IDX", b"MINMATCHLEN", b"4", b"WITHMATCHLEN"], b"%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"),
            (&[b"LCS", b"missing", b"missing2", b"IDX"], b"%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"),
            (&[b"LCS", b"missing", b"missing2"], b"$0\r\n\r\n"),
        ]);
        stats(&h, 8, 4, 2);
    }

    #[test]
    fn resp3_nulls() {
        let mut h = h3();
        check(
            &mut h,
            &[
                (&[b"GET", b"missing"], b"_\r\n"),
                (&[b"SET", b"k", b"v", b"NX"], b"+OK\r\n"),
                (&[b"SET", b"k", b"v", b"NX"], b"_\r\n"),
                (&[b"SET", b"z", b"v", b"XX", b"GET"], b"_\r\n"),
                (&[b"MGET", b"k", b"missing"], b"*2\r\n$1\r\nv\r\n_\r\n"),
                (&[b"GETSET", b"n", b"1"], b"_\r\n"),
                (&[b"GETDEL", b"missing"], b"_\r\n"),
                (&[b"GETEX", b"missing"], b"_\r\n"),
                (&[b"SETNX", b"k", b"v"], b":0\r\n"),
                (&[b"SET", b"q", b"v", b"GET"], b"_\r\n"),
                (&[b"GETRANGE", b"missing", b"0", b"-1"], b"$0\r\n\r\n"),
                (&[b"INCRBYFLOAT", b"f", b"1.5"], b"$3\r\n1.5\r\n"),
            ],
        );
        stats(&h, 1, 8, 4);
    }

    #[test]
    fn binary_safety() {
        let mut h = h();
        check(&mut h, &[
            (&[b"SET", b"\x00bin\xff", b"val\x00ue\r\n"], b"+OK\r\n"),
            (&[b"GET", b"\x00bin\xff"], b"$8\r\nval\x00ue\r\n\r\n"),
            (&[b"STRLEN", b"\x00bin\xff"], b":8\r\n"),
            (&[b"APPEND", b"\x00bin\xff", b"\xff\xfe"], b":10\r\n"),
            (&[b"GET", b"\x00bin\xff"], b"$10\r\nval\x00ue\r\n\xff\xfe\r\n"),
            (&[b"GETRANGE", b"\x00bin\xff", b"3", b"5"], b"$3\r\n\x00ue\r\n"),
            (&[b"SET", b"key with\r\nnewline", b"$5\r\nhello"], b"+OK\r\n"),
            (&[b"GET", b"key with\r\nnewline"], b"$9\r\n$5\r\nhello\r\n"),
            (&[b"MGET", b"\x00bin\xff", b"key with\r\nnewline"], b"*2\r\n$10\r\nval\x00ue\r\n\xff\xfe\r\n$9\r\n$5\r\nhello\r\n"),
            (&[b"SETRANGE", b"\x00bin\xff", b"1", b"\x00\x00"], b":10\r\n"),
            (&[b"GET", b"\x00bin\xff"], b"$10\r\nv\x00\x00\x00ue\r\n\xff\xfe\r\n"),
            (&[b"GETDEL", b"\x00bin\xff"], b"$10\r\nv\x00\x00\x00ue\r\n\xff\xfe\r\n"),
            (&[b"SET", b"long", b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"], b"+OK\r\n"),
            (&[b"GET", b"long"], b"$100\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"),
            (&[b"APPEND", b"long", b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"], b":150\r\n"),
            (&[b"STRLEN", b"long"], b":150\r\n"),
            (&[b"GETRANGE", b"long", b"95", b"105"], b"$11\r\naaaaabbbbbb\r\n"),
        ]);
        stats(&h, 12, 0, 7);
    }

    #[test]
    fn wrong_type() {
        let mut h = h();
        // A list, inserted directly (RPUSH in the recording).
        h.srv.ks.set(0, b"list", Value::List(Box::default()), false);
        check(
            &mut h,
            &[
                (&[b"SET", b"s", b"str"], b"+OK\r\n"),
                (
                    &[b"GET", b"list"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"SET", b"list", b"v", b"GET"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"SET", b"list", b"v", b"NX", b"GET"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"SET", b"list", b"v", b"GET", b"PX", b"0"],
                    b"-ERR invalid expire time in 'set' command\r\n",
                ),
                (
                    &[b"SET", b"list", b"v", b"GET", b"BOGUS"],
                    b"-ERR syntax error\r\n",
                ),
                (
                    &[b"GETSET", b"list", b"v"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"GETDEL", b"list"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"GETEX", b"list"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"GETEX", b"list", b"PERSIST"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"GETEX", b"list", b"PX", b"0"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"GETEX", b"list", b"EX", b"abc"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (&[b"GETEX", b"list", b"BOGUS"], b"-ERR syntax error\r\n"),
                (
                    &[b"APPEND", b"list", b"x"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"STRLEN", b"list"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"INCR", b"list"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"DECR", b"list"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"INCRBY", b"list", b"1"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"INCRBY", b"list", b"x"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"DECRBY", b"list", b"1"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"DECRBY", b"list", b"-9223372036854775808"],
                    b"-ERR decrement would overflow\r\n",
                ),
                (
                    &[b"INCRBYFLOAT", b"list", b"1"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"INCRBYFLOAT", b"list", b"x"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"SETRANGE", b"list", b"0", b"x"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"SETRANGE", b"list", b"0", b""],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"SETRANGE", b"list", b"-1", b""],
                    b"-ERR offset is out of range\r\n",
                ),
                (
                    &[b"GETRANGE", b"list", b"0", b"-1"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"GETRANGE", b"list", b"a", b"0"],
                    b"-ERR value is not an integer or out of range\r\n",
                ),
                (
                    &[b"SUBSTR", b"list", b"0", b"-1"],
                    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                ),
                (
                    &[b"LCS", b"list", b"s"],
                    b"-ERR The specified keys must contain string values\r\n",
                ),
                (
                    &[b"LCS", b"s", b"list"],
                    b"-ERR The specified keys must contain string values\r\n",
                ),
                (
                    &[b"LCS", b"list", b"missing", b"BOGUS"],
                    b"-ERR The specified keys must contain string values\r\n",
                ),
                (
                    &[b"LCS", b"s", b"list", b"LEN", b"IDX"],
                    b"-ERR The specified keys must contain string values\r\n",
                ),
                (&[b"SETNX", b"list", b"v"], b":0\r\n"),
                (&[b"MSETNX", b"list", b"v", b"other", b"v"], b":0\r\n"),
                (
                    &[b"MGET", b"list", b"s", b"missing"],
                    b"*3\r\n$-1\r\n$3\r\nstr\r\n$-1\r\n",
                ),
            ],
        );
        assert_eq!(
            h.srv.ks.dbs[0].main.get(b"list").map(Value::type_name),
            Some("list")
        );
        assert!(h.srv.ks.dbs[0].main.get(b"other").is_none());
        check(
            &mut h,
            &[
                (&[b"SET", b"list", b"v", b"XX"], b"+OK\r\n"),
                (&[b"MSET", b"l2", b"x"], b"+OK\r\n"),
                (&[b"GET", b"l2"], b"$1\r\nx\r\n"),
            ],
        );
        assert_eq!(
            h.srv.ks.dbs[0].main.get(b"list").map(Value::type_name),
            Some("string")
        );
        stats(&h, 22, 2, 4);
    }

    // -----------------------------------------------------------------------
    // Hand-written: TTLs on a pinned clock, encodings, limits, algorithms.
    // -----------------------------------------------------------------------

    const NOW: i64 = 1_700_000_000_000;

    fn pinned() -> Harness {
        let mut h = Harness::new();
        h.now = Some(NOW);
        h
    }

    fn ttl(h: &mut Harness, key: &str) -> Ttl {
        h.srv.ks.ttl(0, key.as_bytes(), h.now.unwrap_or(NOW))
    }

    fn enc(h: &Harness, key: &str) -> &'static str {
        match h.srv.ks.dbs[0].main.get(key.as_bytes()) {
            Some(v) => v.encoding_name(),
            None => "none",
        }
    }

    #[test]
    fn set_expire_units() {
        let mut h = pinned();
        assert_eq!(h.run(&["SET", "k", "v", "EX", "100"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 100_000));
        assert_eq!(h.run(&["SET", "k", "v", "px", "1500"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 1500));
        assert_eq!(h.run(&["SET", "k", "v", "EXAT", "4102444800"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(4_102_444_800_000));
        assert_eq!(
            h.run(&["SET", "k", "v", "PXAT", "4102444800123"]),
            "+OK\r\n"
        );
        assert_eq!(ttl(&mut h, "k"), Ttl::At(4_102_444_800_123));
        // Repeating the same unit: the last one wins.
        assert_eq!(h.run(&["SET", "k", "v", "EX", "1", "EX", "2"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 2000));
        // NX/XX that do not write leave the TTL alone.
        assert_eq!(h.run(&["SET", "k", "w", "NX", "EX", "50"]), "$-1\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 2000));
        assert_eq!(h.run(&["SET", "k", "w", "XX", "PX", "50"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 50));
    }

    #[test]
    fn set_expire_overflow_edges() {
        let mut h = pinned();
        let max_px = (i64::MAX - NOW).to_string();
        let over_px = (i64::MAX - NOW + 1).to_string();
        assert_eq!(h.run(&["SET", "k", "v", "PX", &max_px]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(i64::MAX));
        let err = "-ERR invalid expire time in 'set' command\r\n";
        assert_eq!(h.run(&["SET", "k", "v", "PX", &over_px]), err);
        // Seconds must fit in ms: i64::MAX / 1000 is the largest EXAT.
        let max_s = (i64::MAX / 1000).to_string();
        let over_s = (i64::MAX / 1000 + 1).to_string();
        assert_eq!(h.run(&["SET", "k", "v", "EXAT", &max_s]), "+OK\r\n");
        assert_eq!(h.run(&["SET", "k", "v", "EXAT", &over_s]), err);
        let max_ex = ((i64::MAX - NOW) / 1000).to_string();
        let over_ex = ((i64::MAX - NOW) / 1000 + 1).to_string();
        assert_eq!(h.run(&["SET", "k", "v", "EX", &max_ex]), "+OK\r\n");
        assert_eq!(h.run(&["SET", "k", "v", "EX", &over_ex]), err);
        assert_eq!(
            h.run(&["SETEX", "k", &over_ex, "v"]),
            "-ERR invalid expire time in 'setex' command\r\n"
        );
        assert_eq!(
            h.run(&["PSETEX", "k", &over_px, "v"]),
            "-ERR invalid expire time in 'psetex' command\r\n"
        );
        assert_eq!(
            h.run(&["GETEX", "k", "PX", &over_px]),
            "-ERR invalid expire time in 'getex' command\r\n"
        );
        // Failed commands changed nothing.
        assert_eq!(h.run(&["GET", "k"]), "$1\r\nv\r\n");
        assert_eq!(
            ttl(&mut h, "k"),
            Ttl::At(NOW + (i64::MAX - NOW) / 1000 * 1000)
        );
    }

    #[test]
    fn ttl_kept_or_dropped_like_redis() {
        let mut h = pinned();
        let at = Ttl::At(NOW + 100_000);
        h.run(&["SET", "k", "1", "EX", "100"]);
        h.run(&["SET", "k", "2", "KEEPTTL"]);
        assert_eq!(ttl(&mut h, "k"), at);
        assert_eq!(h.run(&["SET", "k", "3", "KEEPTTL", "GET"]), "$1\r\n2\r\n");
        assert_eq!(ttl(&mut h, "k"), at);
        // Modifications in place keep the TTL.
        assert_eq!(h.run(&["INCR", "k"]), ":4\r\n");
        assert_eq!(h.run(&["DECRBY", "k", "2"]), ":2\r\n");
        assert_eq!(h.run(&["INCRBYFLOAT", "k", "0.5"]), "$3\r\n2.5\r\n");
        assert_eq!(h.run(&["APPEND", "k", "0"]), ":4\r\n");
        assert_eq!(h.run(&["SETRANGE", "k", "0", "9"]), ":4\r\n");
        assert_eq!(h.run(&["GETEX", "k"]), "$4\r\n9.50\r\n");
        assert_eq!(ttl(&mut h, "k"), at);
        // A plain SET drops it, and so do GETSET, MSET and MSETNX.
        h.run(&["SET", "k", "x"]);
        assert_eq!(ttl(&mut h, "k"), Ttl::Persistent);
        h.run(&["SET", "k", "x", "EX", "100"]);
        assert_eq!(h.run(&["GETSET", "k", "y"]), "$1\r\nx\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::Persistent);
        h.run(&["SET", "k", "x", "EX", "100"]);
        h.run(&["MSET", "k", "z"]);
        assert_eq!(ttl(&mut h, "k"), Ttl::Persistent);
        h.run(&["SET", "k", "x", "EX", "100"]);
        assert_eq!(h.run(&["SET", "k", "x", "GET"]), "$1\r\nx\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::Persistent);
    }

    #[test]
    fn setex_psetex_ttls() {
        let mut h = pinned();
        assert_eq!(h.run(&["SETEX", "a", "10", "v"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "a"), Ttl::At(NOW + 10_000));
        assert_eq!(h.run(&["PSETEX", "b", "10", "v"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "b"), Ttl::At(NOW + 10));
        // SETEX overwrites an existing TTL; SETNX never touches it.
        assert_eq!(h.run(&["SETEX", "b", "20", "w"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "b"), Ttl::At(NOW + 20_000));
        assert_eq!(h.run(&["SETNX", "c", "v"]), ":1\r\n");
        assert_eq!(ttl(&mut h, "c"), Ttl::Persistent);
    }

    #[test]
    fn getex_ttls() {
        let mut h = pinned();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["GETEX", "k", "EX", "5"]), "$1\r\nv\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 5000));
        assert_eq!(h.run(&["GETEX", "k"]), "$1\r\nv\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 5000));
        assert_eq!(h.run(&["GETEX", "k", "PX", "5"]), "$1\r\nv\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 5));
        assert_eq!(h.run(&["GETEX", "k", "EXAT", "4102444800"]), "$1\r\nv\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(4_102_444_800_000));
        assert_eq!(
            h.run(&["GETEX", "k", "PXAT", "4102444800001"]),
            "$1\r\nv\r\n"
        );
        assert_eq!(ttl(&mut h, "k"), Ttl::At(4_102_444_800_001));
        let dirty = h.srv.ks.dirty;
        assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), "$1\r\nv\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::Persistent);
        assert_eq!(h.srv.ks.dirty, dirty + 1);
        // PERSIST without a TTL is not a change.
        assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), "$1\r\nv\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 1);
        // An absolute time equal to now deletes the key (after replying).
        let now_ms = NOW.to_string();
        assert_eq!(h.run(&["GETEX", "k", "PXAT", &now_ms]), "$1\r\nv\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::Missing);
        assert_eq!(h.srv.ks.dirty, dirty + 2);
        // A relative one can never be in the past.
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["GETEX", "k", "PX", "1"]), "$1\r\nv\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::At(NOW + 1));
    }

    #[test]
    fn lazy_expiry_before_writes() {
        let mut h = pinned();
        h.run(&["SET", "k", "5", "PX", "100"]);
        h.now = Some(NOW + 100);
        // The expired key is gone: INCR starts from 0 with no TTL.
        assert_eq!(h.run(&["INCR", "k"]), ":1\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::Persistent);
        // KEEPTTL cannot revive an expired TTL.
        h.run(&["SET", "k", "v", "PX", "100"]);
        h.now = Some(NOW + 300);
        assert_eq!(h.run(&["SET", "k", "w", "KEEPTTL"]), "+OK\r\n");
        assert_eq!(ttl(&mut h, "k"), Ttl::Persistent);
        assert_eq!(h.run(&["GET", "k"]), "$1\r\nw\r\n");
        // NX sees an expired key as missing; XX does not find it.
        h.run(&["SET", "n", "v", "PX", "100"]);
        h.run(&["SET", "x", "v", "PX", "100"]);
        h.now = Some(NOW + 400);
        assert_eq!(h.run(&["SET", "n", "w", "NX"]), "+OK\r\n");
        assert_eq!(h.run(&["SET", "x", "w", "XX"]), "$-1\r\n");
        assert_eq!(h.run(&["MSETNX", "x", "1"]), ":1\r\n");
        // APPEND / SETRANGE / INCRBYFLOAT on an expired key start afresh.
        for cmd in [
            &["APPEND", "e", "ab"][..],
            &["SETRANGE", "e", "1", "ab"],
            &["INCRBYFLOAT", "e", "1.5"],
        ] {
            h.now = Some(NOW);
            h.run(&["SET", "e", "old", "PX", "10"]);
            h.now = Some(NOW + 10);
            h.run(cmd);
            assert_eq!(ttl(&mut h, "e"), Ttl::Persistent, "{cmd:?}");
        }
        assert_eq!(h.run(&["GET", "e"]), "$3\r\n1.5\r\n");
        assert!(h.srv.ks.stats.expired_keys >= 6);
    }

    #[test]
    fn encodings_after_writes() {
        let mut h = h();
        h.run(&["SET", "i", "123"]);
        assert_eq!(enc(&h, "i"), "int");
        h.run(&["SET", "s", "hello"]);
        assert_eq!(enc(&h, "s"), "embstr");
        h.run(&["APPEND", "s", ""]);
        assert_eq!(enc(&h, "s"), "raw");
        h.run(&["APPEND", "a", "12"]);
        assert_eq!(enc(&h, "a"), "int");
        h.run(&["APPEND", "a", "3"]);
        assert_eq!(enc(&h, "a"), "raw");
        h.run(&["INCR", "a"]);
        assert_eq!(enc(&h, "a"), "int");
        h.run(&["SETRANGE", "r", "0", "12"]);
        assert_eq!(enc(&h, "r"), "raw");
        h.run(&["INCRBYFLOAT", "f", "3"]);
        assert_eq!(enc(&h, "f"), "embstr");
        h.run(&["INCRBYFLOAT", "i", "0"]);
        assert_eq!(enc(&h, "i"), "embstr");
        h.run(&["MSET", "m", "77", "n", "x"]);
        assert_eq!((enc(&h, "m"), enc(&h, "n")), ("int", "embstr"));
        h.run(&["GETSET", "m", "word"]);
        assert_eq!(enc(&h, "m"), "embstr");
        let long = "x".repeat(45);
        h.run(&["SET", "l", &long]);
        assert_eq!(enc(&h, "l"), "raw");
    }

    #[test]
    fn length_limits_follow_proto_max_bulk_len() {
        let mut h = h();
        h.srv.config.proto_max_bulk_len = 1024;
        let too_long = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
        let s1000 = "a".repeat(1000);
        h.run(&["SET", "k", &s1000]);
        assert_eq!(h.run(&["APPEND", "k", &"b".repeat(24)]), ":1024\r\n");
        assert_eq!(h.run(&["APPEND", "k", "c"]), too_long);
        assert_eq!(h.run(&["APPEND", "k", ""]), ":1024\r\n");
        assert_eq!(h.run(&["SETRANGE", "k", "1023", "z"]), ":1024\r\n");
        assert_eq!(h.run(&["SETRANGE", "k", "1024", "z"]), too_long);
        assert_eq!(h.run(&["SETRANGE", "k", "1023", "zz"]), too_long);
        assert_eq!(h.run(&["SETRANGE", "new", "1023", "z"]), ":1024\r\n");
        assert_eq!(h.run(&["SETRANGE", "new2", "1024", "z"]), too_long);
        assert!(h.srv.ks.dbs[0].main.get(b"new2").is_none());
        // LCS: (n+1)*(m+1)*4 bytes of table must fit too. 15*16*4 = 960.
        h.run(&["SET", "a", &"a".repeat(14)]);
        h.run(&["SET", "b", &"a".repeat(15)]);
        assert_eq!(h.run(&["LCS", "a", "b", "LEN"]), ":14\r\n");
        h.run(&["SET", "a", &"a".repeat(16)]);
        let over =
            "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n";
        assert_eq!(h.run(&["LCS", "a", "b", "LEN"]), over);
        assert_eq!(h.run(&["LCS", "a", "b", "IDX"]), over);
        // Option errors are reported before the size check.
        assert_eq!(h.run(&["LCS", "a", "b", "BOGUS"]), "-ERR syntax error\r\n");
    }

    #[test]
    fn setrange_huge_offset_allocates_nothing() {
        let mut h = h();
        let too_long = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
        for off in ["536870912", "9223372036854775807", "9223372036854775000"] {
            assert_eq!(h.run(&["SETRANGE", "k", off, "x"]), too_long);
        }
        h.run(&["SET", "k", "v"]);
        assert_eq!(
            h.run(&["SETRANGE", "k", "9223372036854775807", "x"]),
            too_long
        );
        assert_eq!(h.run(&["GET", "k"]), "$1\r\nv\r\n");
    }

    #[test]
    fn clamp_range_rules() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 5)));
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 5)));
        assert_eq!(clamp_range(-1, -2, 5), None);
        assert_eq!(clamp_range(0, -100, 5), Some((0, 1)));
        assert_eq!(clamp_range(-100, -100, 5), Some((0, 1)));
        assert_eq!(clamp_range(3, 100, 5), Some((3, 5)));
        assert_eq!(clamp_range(5, 5, 5), None);
        assert_eq!(clamp_range(0, 0, 0), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 5), Some((0, 5)));
        assert_eq!(clamp_range(i64::MAX, i64::MAX, 5), None);
    }

    #[test]
    fn ext_options() {
        let p = |args: &[&str], set: bool| {
            let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
            parse_ext(&a, set).map(|o| {
                (
                    o.nx,
                    o.xx,
                    o.get,
                    o.keep_ttl,
                    o.persist,
                    o.expire.map(|(u, v)| (u, v.to_vec())),
                )
            })
        };
        assert_eq!(
            p(&[], true),
            Some((false, false, false, false, false, None))
        );
        assert_eq!(
            p(&["nx", "GeT", "px", "5"], true),
            Some((
                true,
                false,
                true,
                false,
                false,
                Some((Unit::Px, b"5".to_vec()))
            ))
        );
        assert_eq!(p(&["NX\0x"], true).map(|o| o.0), Some(true));
        assert_eq!(p(&["PERSIST"], true), None);
        assert_eq!(p(&["NX"], false), None);
        assert_eq!(p(&["KEEPTTL"], false), None);
        assert_eq!(p(&["PERSIST", "PERSIST"], false).map(|o| o.4), Some(true));
        assert_eq!(p(&["EX", "1", "PXAT", "2"], false), None);
        assert_eq!(p(&["EX"], false), None);
        assert_eq!(p(&["KEEPTTL", "EX", "1"], true), None);
        assert_eq!(p(&["EX", "1", "KEEPTTL"], true), None);
    }

    #[test]
    fn expire_conversion() {
        assert_eq!(expire_at_ms(Unit::Ex, b"2", 10), Ok(2010));
        assert_eq!(expire_at_ms(Unit::Px, b"2", 10), Ok(12));
        assert_eq!(expire_at_ms(Unit::ExAt, b"2", 10), Ok(2000));
        assert_eq!(expire_at_ms(Unit::PxAt, b"2", 10), Ok(2));
        assert_eq!(expire_at_ms(Unit::Px, b"0", 10), Err(ExpireErr::Invalid));
        assert_eq!(expire_at_ms(Unit::Px, b"x", 10), Err(ExpireErr::NotInt));
        assert_eq!(
            expire_at_ms(Unit::Px, b"9223372036854775807", 1),
            Err(ExpireErr::Invalid)
        );
        assert_eq!(
            expire_at_ms(Unit::Ex, b"9223372036854776", 0),
            Err(ExpireErr::Invalid)
        );
    }

    /// Plain O(n*m) LCS length, written independently of lcs_compute.
    fn lcs_len_reference(a: &[u8], b: &[u8]) -> usize {
        let mut prev = vec![0usize; b.len() + 1];
        for &x in a {
            let mut cur = vec![0usize; b.len() + 1];
            for (j, &y) in b.iter().enumerate() {
                cur[j + 1] = if x == y {
                    prev[j] + 1
                } else {
                    prev[j + 1].max(cur[j])
                };
            }
            prev = cur;
        }
        prev[b.len()]
    }

    fn is_subsequence(s: &[u8], of: &[u8]) -> bool {
        let mut it = of.iter();
        s.iter().all(|c| it.any(|x| x == c))
    }

    #[test]
    fn lcs_properties_on_random_strings() {
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let la = (rnd() % 20) as usize;
            let lb = (rnd() % 20) as usize;
            let alpha = 1 + rnd() % 4;
            let a: Vec<u8> = (0..la).map(|_| b'a' + (rnd() % alpha) as u8).collect();
            let b: Vec<u8> = (0..lb).map(|_| b'a' + (rnd() % alpha) as u8).collect();
            let r = lcs_compute(&a, &b, true, true, 0, u64::MAX).unwrap();
            let want = lcs_len_reference(&a, &b);
            assert_eq!(r.len, want);
            assert_eq!(r.seq.len(), want);
            assert!(is_subsequence(&r.seq, &a) && is_subsequence(&r.seq, &b));
            // The runs cover the whole subsequence, from the end backwards,
            // and each is the same bytes in both strings.
            let covered: usize = r.matches.iter().map(LcsMatch::len).sum();
            assert_eq!(covered, want);
            let mut joined = Vec::new();
            for m in r.matches.iter().rev() {
                assert_eq!(a[m.a.0..=m.a.1], b[m.b.0..=m.b.1]);
                joined.extend_from_slice(&a[m.a.0..=m.a.1]);
            }
            assert_eq!(joined, r.seq);
            for w in r.matches.windows(2) {
                assert!(w[0].a.0 > w[1].a.1 && w[0].b.0 > w[1].b.1);
            }
            // The minimum length only filters.
            let f = lcs_compute(&a, &b, false, true, 2, u64::MAX).unwrap();
            let kept: Vec<_> = r.matches.iter().filter(|m| m.len() >= 2).copied().collect();
            assert_eq!(f.matches, kept);
            assert!(f.seq.is_empty());
        }
    }

    #[test]
    fn lcs_limits() {
        assert_eq!(
            lcs_compute(b"abc", b"abc", true, false, 0, 63),
            Err(LcsErr::OverBulkLen)
        );
        assert_eq!(
            lcs_compute(b"abc", b"abc", true, false, 0, 64).map(|r| r.len),
            Ok(3)
        );
        assert_eq!(
            lcs_compute(b"", b"", true, true, 0, 4),
            Ok(LcsResult::default())
        );
    }
}
