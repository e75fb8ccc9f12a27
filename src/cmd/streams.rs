//! Stream commands: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XREAD,
//! XREADGROUP, XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID.
//! Argument checks follow Redis 7.2's order so the same bad command gets the
//! same error; the value itself lives in `types::stream`.

use super::{Cmd, Ctx, flags::*};
use crate::db::{Keyspace, notify};
use crate::error;
use crate::resp::reply::ReplyBuf;
use crate::server::blocking::{BlockType, TimeoutReply};
use crate::types::Value;
use crate::types::stream::{
    Consumer, ENTRIES_READ_UNKNOWN, Fields, Group, LISTPACK_MAX_SIZE, NodeLimits, Pending,
    StreamId, StreamValue, Trim,
};
use crate::util::num;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("xadd", -5, WRITE | DENYOOM | FAST, xadd).keys(1, 1, 1),
    Cmd::new("xlen", 2, READONLY | FAST, xlen).keys(1, 1, 1),
    Cmd::new("xrange", -4, READONLY, xrange).keys(1, 1, 1),
    Cmd::new("xrevrange", -4, READONLY, xrevrange).keys(1, 1, 1),
    Cmd::new("xdel", -3, WRITE | FAST, xdel).keys(1, 1, 1),
    Cmd::new("xtrim", -4, WRITE, xtrim).keys(1, 1, 1),
    Cmd::new("xread", -4, READONLY | BLOCKING, xread),
    Cmd::new("xreadgroup", -7, WRITE | BLOCKING, xreadgroup),
    Cmd::new("xack", -4, WRITE | FAST, xack).keys(1, 1, 1),
    Cmd::new("xpending", -3, READONLY, xpending).keys(1, 1, 1),
    Cmd::new("xclaim", -6, WRITE | FAST, xclaim).keys(1, 1, 1),
    Cmd::new("xautoclaim", -6, WRITE | FAST, xautoclaim).keys(1, 1, 1),
    Cmd::new("xsetid", -3, WRITE | DENYOOM | FAST, xsetid).keys(1, 1, 1),
    Cmd::container("xgroup", XGROUP_SUBS),
    Cmd::container("xinfo", XINFO_SUBS),
];

static XGROUP_SUBS: &[Cmd] = &[
    Cmd::new("create", -5, WRITE | DENYOOM, xgroup_create).keys(2, 2, 1),
    Cmd::new("setid", -5, WRITE, xgroup_setid).keys(2, 2, 1),
    Cmd::new("destroy", 4, WRITE, xgroup_destroy).keys(2, 2, 1),
    Cmd::new("createconsumer", 5, WRITE | DENYOOM, xgroup_createconsumer).keys(2, 2, 1),
    Cmd::new("delconsumer", 5, WRITE, xgroup_delconsumer).keys(2, 2, 1),
    Cmd::new("help", 2, LOADING | STALE, xgroup_help),
];

static XINFO_SUBS: &[Cmd] = &[
    Cmd::new("consumers", 4, READONLY, xinfo_consumers).keys(2, 2, 1),
    Cmd::new("groups", 3, READONLY, xinfo_groups).keys(2, 2, 1),
    Cmd::new("stream", -3, READONLY, xinfo_stream).keys(2, 2, 1),
    Cmd::new("help", 2, LOADING | STALE, xinfo_help),
];

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";
const ID_TOO_SMALL: &str =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
const ID_ZERO: &str = "ERR The ID specified in XADD must be greater than 0-0";
const EXHAUSTED: &str =
    "ERR The stream has exhausted the last possible ID, unable to add more items";
const TOO_LARGE: &str = "ERR Elements are too large to be stored";
const BAD_START: &str = "ERR invalid start ID for the interval";
const BAD_END: &str = "ERR invalid end ID for the interval";
const TIMEOUT_NOT_INTEGER: &str = "ERR timeout is not an integer or out of range";

// ---------------------------------------------------------------------------
// IDs

/// Redis's string2ull: a strict decimal, or else whatever C's strtoull
/// accepts in full (leading spaces, a sign, leading zeros; a minus wraps).
fn string2ull(b: &[u8]) -> Option<u64> {
    if let Some(v) = num::parse_i64(b) {
        return u64::try_from(v).ok();
    }
    let mut i = b
        .iter()
        .take_while(|c| b" \t\n\x0b\x0c\r".contains(c))
        .count();
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = b.get(i..)?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// How an ID argument may be written.
#[derive(Clone, Copy, PartialEq)]
enum IdForm {
    /// `-` and `+` allowed (ranges, XGROUP SETID).
    Loose,
    /// `-` and `+` refused.
    Strict,
    /// Strict, plus XADD's `ms-*`.
    Add,
}

/// Parses an ID (Redis's streamGenericParseIDOrReply). Returns the ID and
/// whether the sequence was given (false only for `ms-*`).
fn parse_id(b: &[u8], missing_seq: u64, form: IdForm) -> Option<(StreamId, bool)> {
    // Redis copies the argument into a C string: it ends at a NUL.
    if b.len() > 127 {
        return None;
    }
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    if form != IdForm::Loose && (b == b"-" || b == b"+") {
        return None;
    }
    if b == b"-" {
        return Some((StreamId::ZERO, true));
    }
    if b == b"+" {
        return Some((StreamId::MAX, true));
    }
    match b.iter().position(|&c| c == b'-') {
        Some(i) => {
            let ms = string2ull(&b[..i])?;
            let rest = &b[i + 1..];
            if form == IdForm::Add && rest == b"*" {
                return Some((StreamId::new(ms, 0), false));
            }
            Some((StreamId::new(ms, string2ull(rest)?), true))
        }
        None => Some((StreamId::new(string2ull(b)?, missing_seq), true)),
    }
}

fn strict_id(b: &[u8]) -> Option<StreamId> {
    parse_id(b, 0, IdForm::Strict).map(|(id, _)| id)
}

/// A range bound: `(` makes it exclusive (strict ID after it).
fn interval_id(b: &[u8], missing_seq: u64) -> Option<(StreamId, bool)> {
    if b.len() > 1 && b[0] == b'(' {
        return parse_id(&b[1..], missing_seq, IdForm::Strict).map(|(id, _)| (id, true));
    }
    parse_id(b, missing_seq, IdForm::Loose).map(|(id, _)| (id, false))
}

/// Start of a range, with `(` moving it up one.
fn range_start(b: &[u8]) -> Result<StreamId, &'static str> {
    match interval_id(b, 0) {
        None => Err(INVALID_ID),
        Some((id, false)) => Ok(id),
        Some((id, true)) => id.incr().ok_or(BAD_START),
    }
}

/// End of a range, with `(` moving it down one.
fn range_end(b: &[u8]) -> Result<StreamId, &'static str> {
    match interval_id(b, u64::MAX) {
        None => Err(INVALID_ID),
        Some((id, false)) => Ok(id),
        Some((id, true)) => id.decr().ok_or(BAD_END),
    }
}

// ---------------------------------------------------------------------------
// Replies

fn reply_id(out: &mut ReplyBuf, id: StreamId) {
    out.bulk(&id.to_bytes());
}

fn reply_entry(out: &mut ReplyBuf, id: StreamId, f: Fields) {
    out.array(2);
    reply_id(out, id);
    out.array(f.items().count());
    for item in f.items() {
        out.bulk(item);
    }
}

/// The entry `id` as `[id, fields]`, or a null when it is gone.
fn reply_entry_or_null(out: &mut ReplyBuf, s: &StreamValue, id: StreamId) {
    match s.get(id) {
        Some(f) => reply_entry(out, id, f),
        None => out.null(),
    }
}

/// Redis's no-such-group error naming key and group.
fn nogroup(key: &[u8], group: &[u8]) -> String {
    format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        error::c_str_arg(key),
        error::c_str_arg(group)
    )
}

fn nogroup_for_key(group: &[u8], key: &[u8]) -> String {
    format!(
        "NOGROUP No such consumer group '{}' for key name '{}'",
        String::from_utf8_lossy(group),
        String::from_utf8_lossy(key)
    )
}

// ---------------------------------------------------------------------------
// Keyspace access

/// The stream at `key` for reading: Ok(None) when missing, Err on a value
/// of another type.
fn read<'a>(
    ks: &'a mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'a StreamValue>, &'static str> {
    match ks.lookup_read(db, key, now) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// The stream at `key` for writing.
fn write<'a>(
    ks: &'a mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'a mut StreamValue>, &'static str> {
    match ks.lookup_write(db, key, now) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(error::WRONGTYPE),
    }
}

fn node_limits(ctx: &Ctx) -> NodeLimits {
    let cfg = &ctx.srv.config;
    let d = NodeLimits::default();
    NodeLimits {
        max_bytes: cfg
            .get_int("stream-node-max-bytes")
            .and_then(|v| usize::try_from(v).ok())
            .unwrap_or(d.max_bytes),
        max_entries: cfg
            .get_int("stream-node-max-entries")
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(d.max_entries),
    }
}

// ---------------------------------------------------------------------------
// Propagation: the deterministic forms written to the AOF (Redis's
// streamPropagateXCLAIM / streamPropagateGroupID /
// streamPropagateConsumerCreation and the XADD/XTRIM argument rewrites).

/// Commands that redo what a stream command did.
#[derive(Default)]
struct Effects(Vec<Vec<Vec<u8>>>);

impl Effects {
    fn push(&mut self, parts: &[&[u8]]) {
        self.0.push(parts.iter().map(|p| p.to_vec()).collect());
    }

    /// `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID
    /// LASTID last`: sets a pending entry exactly as it is now.
    fn claim(&mut self, key: &[u8], group: &[u8], id: StreamId, p: &Pending, last: StreamId) {
        let (id, t, n, last) = (
            id.to_bytes(),
            p.delivery_time.to_string(),
            p.delivery_count.to_string(),
            last.to_bytes(),
        );
        self.push(&[
            b"XCLAIM",
            key,
            group,
            &p.consumer,
            b"0",
            &id,
            b"TIME",
            t.as_bytes(),
            b"RETRYCOUNT",
            n.as_bytes(),
            b"FORCE",
            b"JUSTID",
            b"LASTID",
            &last,
        ]);
    }

    /// `XGROUP SETID key group last ENTRIESREAD n`.
    fn group_id(&mut self, key: &[u8], group: &[u8], g: &Group) {
        let (last, read) = (g.last_id.to_bytes(), g.entries_read.to_string());
        self.push(&[
            b"XGROUP",
            b"SETID",
            key,
            group,
            &last,
            b"ENTRIESREAD",
            read.as_bytes(),
        ]);
    }

    /// Propagates the collected commands in place of the running one.
    fn apply(self, ctx: &mut Ctx) {
        if self.0.is_empty() {
            return ctx.propagate_none();
        }
        for cmd in &self.0 {
            let refs: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
            ctx.propagate_as(&refs);
        }
    }
}

/// The XADD/XTRIM command line to log: the generated ID instead of `*` or
/// `ms-*`, and an approximate trim (`~`, LIMIT) as the exact trim it came
/// to, so that replaying it leaves the same entries.
fn deterministic_add_trim(
    argv: &[&[u8]],
    xadd: bool,
    id: Option<StreamId>,
    s: &StreamValue,
    approx: bool,
) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = argv[..2].iter().map(|a| a.to_vec()).collect();
    let mut i = 2;
    while i < argv.len() {
        let opt = argv[i];
        let more = argv.len() - 1 - i;
        if (opt.eq_ignore_ascii_case(b"maxlen") || opt.eq_ignore_ascii_case(b"minid")) && more > 0 {
            out.push(opt.to_vec());
            let next = argv[i + 1];
            if more >= 2 && (next == b"~" || next == b"=") {
                out.push(if approx { b"=".to_vec() } else { next.to_vec() });
                i += 1;
            }
            i += 1;
            out.push(if !approx {
                argv[i].to_vec()
            } else if opt.eq_ignore_ascii_case(b"maxlen") {
                s.len().to_string().into_bytes()
            } else {
                s.first().map_or(StreamId::MAX, |(f, _)| f).to_bytes()
            });
        } else if opt.eq_ignore_ascii_case(b"limit") && more > 0 {
            if !approx {
                out.push(opt.to_vec());
                out.push(argv[i + 1].to_vec());
            }
            i += 1;
        } else if xadd && opt.eq_ignore_ascii_case(b"nomkstream") && opt != b"*" {
            out.push(opt.to_vec());
        } else if xadd {
            // The ID, then the fields as given.
            out.push(id.map_or_else(|| opt.to_vec(), StreamId::to_bytes));
            out.extend(argv[i + 1..].iter().map(|a| a.to_vec()));
            break;
        } else {
            out.push(opt.to_vec());
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------
// XADD / XTRIM arguments

struct AddTrimArgs {
    trim: Option<Trim>,
    approx: bool,
    limit: u64,
    nomkstream: bool,
    /// The explicit ID and whether its sequence was given.
    id: Option<(StreamId, bool)>,
    /// Index of the first field (XADD).
    next: usize,
}

/// Parses XADD's options up to the ID, or XTRIM's (Redis's
/// streamParseAddOrTrimArgsOrReply).
fn parse_add_trim(argv: &[&[u8]], xadd: bool, max_entries: u64) -> Result<AddTrimArgs, String> {
    let mut a = AddTrimArgs {
        trim: None,
        approx: false,
        limit: 0,
        nomkstream: false,
        id: None,
        next: argv.len() + 1,
    };
    let mut limit_given = false;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = argv[i];
        if xadd && opt == b"*" {
            a.next = i + 1;
            break;
        } else if (opt.eq_ignore_ascii_case(b"maxlen") || opt.eq_ignore_ascii_case(b"minid"))
            && more > 0
        {
            if a.trim.is_some() {
                return Err(
                    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
                        .into(),
                );
            }
            a.approx = false;
            let next = argv[i + 1];
            if more >= 2 && next == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let val = argv[i + 1];
            if opt.eq_ignore_ascii_case(b"maxlen") {
                let n = num::parse_i64(val).ok_or(error::NOT_INTEGER)?;
                if n < 0 {
                    return Err("ERR The MAXLEN argument must be >= 0.".into());
                }
                a.trim = Some(Trim::MaxLen(n as u64));
            } else {
                a.trim = Some(Trim::MinId(strict_id(val).ok_or(INVALID_ID)?));
            }
            i += 1;
        } else if opt.eq_ignore_ascii_case(b"limit") && more > 0 {
            let n = num::parse_i64(argv[i + 1]).ok_or(error::NOT_INTEGER)?;
            if n < 0 {
                return Err("ERR The LIMIT argument must be >= 0.".into());
            }
            a.limit = n as u64;
            limit_given = true;
            i += 1;
        } else if xadd && opt.eq_ignore_ascii_case(b"nomkstream") {
            a.nomkstream = true;
        } else if xadd {
            a.id = Some(parse_id(opt, 0, IdForm::Add).ok_or(INVALID_ID)?);
            a.next = i + 1;
            break;
        } else {
            return Err(error::SYNTAX.into());
        }
        i += 1;
    }
    if a.limit > 0 && a.trim.is_none() {
        return Err(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy".into(),
        );
    }
    if !xadd && a.trim.is_none() {
        return Err("ERR syntax error, XTRIM must be called with a trimming strategy".into());
    }
    if limit_given {
        if !a.approx {
            return Err(
                "ERR syntax error, LIMIT cannot be used without the special ~ option".into(),
            );
        }
    } else if a.approx {
        // Redis's default cap for approximate trimming.
        a.limit = max_entries.saturating_mul(100);
        if a.limit == 0 || a.limit > 1_000_000 {
            a.limit = 10_000;
        }
    } else {
        a.limit = 0;
    }
    Ok(a)
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]]
/// *|id field value [field value ...]
fn xadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lim = node_limits(ctx);
    let a = match parse_add_trim(argv, true, lim.max_entries) {
        Ok(a) => a,
        Err(e) => return ctx.c.reply.error(&e),
    };
    let left = argv.len().saturating_sub(a.next);
    if a.next > argv.len() || left < 2 || left % 2 == 1 {
        return ctx.c.reply.error(&error::wrong_arity("xadd"));
    }
    if let Some((id, true)) = a.id
        && id.is_zero()
    {
        return ctx.c.reply.error(ID_ZERO);
    }
    let items = &argv[a.next..];
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let mut fresh = None;
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(Some(s)) => s,
        Ok(None) if a.nomkstream => return ctx.c.reply.null(),
        Ok(None) => fresh.insert(Box::new(StreamValue::new())),
    };
    if s.last_id == StreamId::MAX {
        return ctx.c.reply.error(EXHAUSTED);
    }
    let total: usize = items.iter().map(|i| i.len()).sum();
    if total > LISTPACK_MAX_SIZE {
        return ctx.c.reply.error(TOO_LARGE);
    }
    let id = match a.id {
        None => {
            let ms = now.max(0) as u64;
            if ms > s.last_id.ms {
                StreamId::new(ms, 0)
            } else {
                match s.last_id.incr() {
                    Some(id) => id,
                    None => return ctx.c.reply.error(EXHAUSTED),
                }
            }
        }
        Some((want, false)) => {
            if want.ms == s.last_id.ms {
                match s.last_id.seq.checked_add(1) {
                    Some(seq) => StreamId::new(want.ms, seq),
                    None => return ctx.c.reply.error(ID_TOO_SMALL),
                }
            } else {
                want
            }
        }
        Some((want, true)) => want,
    };
    if id <= s.last_id {
        return ctx.c.reply.error(ID_TOO_SMALL);
    }
    s.append(id, items, lim);
    let trimmed = match a.trim {
        Some(t) => s.trim(t, a.approx, a.limit),
        None => 0,
    };
    let logged = deterministic_add_trim(argv, true, Some(id), s, a.approx);
    reply_id(&mut ctx.c.reply, id);
    let refs: Vec<&[u8]> = logged.iter().map(|a| a.as_slice()).collect();
    ctx.propagate_as(&refs);
    let ks = &mut ctx.srv.ks;
    match fresh {
        Some(s) => ks.set(db, key, Value::Stream(s), true),
        None => ks.signal_modified(db, key),
    }
    ks.notify(notify::STREAM, "xadd", db, key);
    if trimmed > 0 {
        ks.notify(notify::STREAM, "xtrim", db, key);
    }
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
fn xtrim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lim = node_limits(ctx);
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    // The arguments are checked before the key, as in Redis: a syntax
    // error wins over a missing key or one of another type.
    let a = match parse_add_trim(argv, false, lim.max_entries) {
        Ok(a) => a,
        Err(e) => return ctx.c.reply.error(&e),
    };
    let Some(t) = a.trim else {
        return ctx.c.reply.error(error::SYNTAX);
    };
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(None) => return ctx.c.reply.int(0),
        Ok(Some(s)) => s,
    };
    let n = s.trim(t, a.approx, a.limit);
    if a.approx {
        let logged = deterministic_add_trim(argv, false, None, s, true);
        let refs: Vec<&[u8]> = logged.iter().map(|a| a.as_slice()).collect();
        ctx.propagate_as(&refs);
    }
    if n > 0 {
        ctx.srv.ks.signal_modified(db, key);
        ctx.srv.ks.notify(notify::STREAM, "xtrim", db, key);
    }
    ctx.c.reply.int(n as i64);
}

/// XLEN key
fn xlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    match read(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(e) => ctx.c.reply.error(e),
        Ok(s) => ctx.c.reply.int(s.map_or(0, |s| s.len() as i64)),
    }
}

/// XRANGE key start end [COUNT count]
fn xrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_generic(ctx, argv, false);
}

/// XREVRANGE key end start [COUNT count]
fn xrevrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_generic(ctx, argv, true);
}

fn range_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) {
    let (sa, ea) = if rev {
        (argv[3], argv[2])
    } else {
        (argv[2], argv[3])
    };
    let start = match range_start(sa) {
        Ok(id) => id,
        Err(e) => return ctx.c.reply.error(e),
    };
    let end = match range_end(ea) {
        Ok(id) => id,
        Err(e) => return ctx.c.reply.error(e),
    };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if argv[j].eq_ignore_ascii_case(b"count") && j + 1 < argv.len() {
            match num::parse_i64(argv[j + 1]) {
                Some(n) => count = n.max(0),
                None => return ctx.c.reply.error(error::NOT_INTEGER),
            }
            j += 2;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }
    let s = match read(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(None) => return ctx.c.reply.array(0),
        Ok(Some(s)) => s,
    };
    if count == 0 {
        return ctx.c.reply.null_array();
    }
    let limit = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    let out = &mut ctx.c.reply;
    let picked: Vec<(StreamId, Fields)> = if rev {
        s.range(start, end).rev().take(limit).collect()
    } else {
        s.range(start, end).take(limit).collect()
    };
    out.array(picked.len());
    for (id, f) in picked {
        reply_entry(out, id, f);
    }
}

/// XDEL key id [id ...]
fn xdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(None) => return ctx.c.reply.int(0),
        Ok(Some(s)) => s,
    };
    let mut ids = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        match strict_id(a) {
            Some(id) => ids.push(id),
            None => return ctx.c.reply.error(INVALID_ID),
        }
    }
    let deleted = ids.into_iter().filter(|id| s.delete(*id)).count();
    if deleted > 0 {
        ctx.srv.ks.signal_modified(db, key);
        ctx.srv.ks.notify(notify::STREAM, "xdel", db, key);
    }
    ctx.c.reply.int(deleted as i64);
}

/// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
fn xsetid(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(id) = strict_id(argv[2]) else {
        return ctx.c.reply.error(INVALID_ID);
    };
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::ZERO;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if argv[i].eq_ignore_ascii_case(b"entriesadded") && more > 0 {
            match num::parse_i64(argv[i + 1]) {
                None => return ctx.c.reply.error(error::NOT_INTEGER),
                Some(n) if n < 0 => {
                    return ctx.c.reply.error("ERR entries_added must be positive");
                }
                Some(n) => entries_added = n,
            }
            i += 2;
        } else if argv[i].eq_ignore_ascii_case(b"maxdeletedid") && more > 0 {
            match strict_id(argv[i + 1]) {
                None => return ctx.c.reply.error(INVALID_ID),
                Some(m) => {
                    if id < m {
                        return ctx.c.reply.error(
                            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                        );
                    }
                    max_xdel = m;
                }
            }
            i += 2;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(None) => return ctx.c.reply.error(error::NO_SUCH_KEY),
        Ok(Some(s)) => s,
    };
    if id < s.max_deleted_id {
        return ctx
            .c
            .reply
            .error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
    }
    if let Some((last, _)) = s.last() {
        if id < last {
            return ctx.c.reply.error(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            );
        }
        if entries_added != -1 && (s.len() as i64) > entries_added {
            return ctx.c.reply.error(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            );
        }
    }
    s.last_id = id;
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    ctx.srv.ks.signal_modified(db, key);
    ctx.srv.ks.notify(notify::STREAM, "xsetid", db, key);
    ctx.c.reply.ok();
}

// ---------------------------------------------------------------------------
// XREAD / XREADGROUP

/// Whether a blocking read must answer now (inside EXEC).
fn may_not_block(ctx: &Ctx) -> bool {
    ctx.c.in_exec
}

/// XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]
fn xread(ctx: &mut Ctx, argv: &[&[u8]]) {
    read_generic(ctx, argv, false);
}

/// XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK]
/// STREAMS key [key ...] id [id ...]
fn xreadgroup(ctx: &mut Ctx, argv: &[&[u8]]) {
    read_generic(ctx, argv, true);
}

/// What a stream read asks for, parsed.
struct ReadArgs<'a> {
    timeout: Option<i64>,
    count: usize,
    noack: bool,
    group: Option<(&'a [u8], &'a [u8])>,
    keys: &'a [&'a [u8]],
    id_args: &'a [&'a [u8]],
}

fn parse_read<'a>(
    ctx: &mut Ctx,
    argv: &'a [&'a [u8]],
    group: bool,
) -> Result<ReadArgs<'a>, String> {
    let mut a = ReadArgs {
        timeout: None,
        count: 0,
        noack: false,
        group: None,
        keys: &[],
        id_args: &[],
    };
    let mut streams_at = 0;
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let o = argv[i];
        if o.eq_ignore_ascii_case(b"block") && more > 0 {
            i += 1;
            let ms = match num::parse_i64(argv[i]) {
                Some(v) => v,
                None => return Err(TIMEOUT_NOT_INTEGER.into()),
            };
            if ms < 0 {
                return Err(error::TIMEOUT_IS_NEGATIVE.into());
            }
            if ms > 0 && ms > i64::MAX - ctx.now.max(0) {
                return Err(error::TIMEOUT_OUT_OF_RANGE.into());
            }
            a.timeout = Some(ms);
        } else if o.eq_ignore_ascii_case(b"count") && more > 0 {
            i += 1;
            let n = num::parse_i64(argv[i]).ok_or(error::NOT_INTEGER)?;
            a.count = n.max(0) as usize;
        } else if o.eq_ignore_ascii_case(b"streams") && more > 0 {
            streams_at = i + 1;
            let n = argv.len() - streams_at;
            if !n.is_multiple_of(2) {
                let sym = if group { '>' } else { '$' };
                return Err(format!(
                    "ERR Unbalanced {} list of streams: for each stream key an ID or '{sym}' must be specified.",
                    String::from_utf8_lossy(argv[0])
                ));
            }
            a.keys = &argv[streams_at..streams_at + n / 2];
            a.id_args = &argv[streams_at + n / 2..];
            break;
        } else if o.eq_ignore_ascii_case(b"group") && more >= 2 {
            if !group {
                return Err(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
                        .into(),
                );
            }
            a.group = Some((argv[i + 1], argv[i + 2]));
            i += 2;
        } else if o.eq_ignore_ascii_case(b"noack") {
            if !group {
                return Err(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
                        .into(),
                );
            }
            a.noack = true;
        } else {
            return Err(error::SYNTAX.into());
        }
        i += 1;
    }
    if streams_at == 0 {
        return Err(error::SYNTAX.into());
    }
    if group && a.group.is_none() {
        return Err("ERR Missing GROUP option for XREADGROUP".into());
    }
    Ok(a)
}

/// The ID a read starts after: `>` (new entries for the group) is MAX.
const NEW_ENTRIES: StreamId = StreamId::MAX;

fn read_generic(ctx: &mut Ctx, argv: &[&[u8]], is_group: bool) {
    let a = match parse_read(ctx, argv, is_group) {
        Ok(a) => a,
        Err(e) => return ctx.c.reply.error(&e),
    };
    let (db, now) = (ctx.c.db, ctx.now);
    // A parked XREADGROUP whose stream was deleted or replaced ends with
    // an error (Redis 7.0 and 7.2 alike).
    if is_group && ctx.c.reprocessing {
        for &key in a.keys {
            if !matches!(ctx.srv.ks.lookup_read(db, key, now), Some(Value::Stream(_))) {
                return ctx
                    .c
                    .reply
                    .error("UNBLOCKED the stream key no longer exists");
            }
        }
    }
    // Resolve the IDs (and check keys and groups) before serving anything.
    let mut ids = Vec::with_capacity(a.keys.len());
    for (&key, &arg) in a.keys.iter().zip(a.id_args) {
        let s = match read(&mut ctx.srv.ks, db, key, now) {
            Err(e) => return ctx.c.reply.error(e),
            Ok(s) => s,
        };
        if let Some((g, _)) = a.group
            && s.is_none_or(|s| !s.groups.contains_key(g))
        {
            if ctx.c.reprocessing {
                // The group went away (XGROUP DESTROY) while we waited.
                return ctx.c.reply.error(error::NOGROUP_WHILE_BLOCKED);
            }
            let msg = format!(
                "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                error::c_str_arg(key),
                error::c_str_arg(g)
            );
            return ctx.c.reply.error(&msg);
        }
        if arg == b"$" {
            if is_group {
                return ctx.c.reply.error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
            }
            ids.push(s.map_or(StreamId::ZERO, |s| s.last_id));
            continue;
        }
        if arg == b">" {
            if !is_group {
                return ctx.c.reply.error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
            }
            ids.push(NEW_ENTRIES);
            continue;
        }
        match strict_id(arg) {
            Some(id) => ids.push(id),
            None => return ctx.c.reply.error(INVALID_ID),
        }
    }
    // Serve what is there now.
    let mut effects = Effects::default();
    let resp3 = ctx.c.reply.resp3;
    let mut body = ReplyBuf::new();
    body.resp3 = resp3;
    let mut served = 0usize;
    for (i, &key) in a.keys.iter().enumerate() {
        let Ok(Some(s)) = write(&mut ctx.srv.ks, db, key, now) else {
            continue;
        };
        let mut gt = ids[i];
        match a.group {
            Some((g, cname)) => {
                let history = gt != NEW_ENTRIES;
                let serve = if history {
                    true
                } else {
                    let last = s.groups.get(g).map_or(StreamId::ZERO, |g| g.last_id);
                    match s.last() {
                        Some((max, _)) if max > last => {
                            gt = last;
                            true
                        }
                        _ => false,
                    }
                };
                // Redis 7.0 creates (and refreshes) the consumer only
                // when it serves it.
                if !serve {
                    continue;
                }
                let created = ensure_consumer(s, g, cname, now);
                if let Some(c) = s.groups.get_mut(g).and_then(|g| g.consumers.get_mut(cname)) {
                    c.seen_time = now;
                }
                served += 1;
                if !resp3 {
                    body.array(2);
                }
                body.bulk(key);
                let start = gt.incr().unwrap_or(StreamId::MAX);
                let before = s.groups.get(g).map(|g| (g.last_id, g.entries_read));
                let delivered = if history {
                    serve_history(&mut body, s, g, cname, start, a.count, now)
                } else {
                    serve_new(&mut body, s, g, cname, start, a.count, a.noack, now)
                };
                if let Some(grp) = s.groups.get(g) {
                    if created && delivered.is_empty() {
                        effects.push(&[b"XGROUP", b"CREATECONSUMER", key, g, cname]);
                    }
                    for id in delivered {
                        if let Some(p) = grp.pel.get(&id) {
                            effects.claim(key, g, id, p, grp.last_id);
                        }
                    }
                    if before != Some((grp.last_id, grp.entries_read)) {
                        effects.group_id(key, g, grp);
                    }
                }
                ctx.srv.ks.signal_modified(db, key);
                if created {
                    ctx.srv
                        .ks
                        .notify(notify::STREAM, "xgroup-createconsumer", db, key);
                }
            }
            None => {
                let Some((max, _)) = s.last() else {
                    continue;
                };
                if max <= gt {
                    continue;
                }
                served += 1;
                if !resp3 {
                    body.array(2);
                }
                body.bulk(key);
                let start = gt.incr().unwrap_or(StreamId::MAX);
                let limit = if a.count == 0 { usize::MAX } else { a.count };
                let picked: Vec<_> = s.range(start, StreamId::MAX).take(limit).collect();
                body.array(picked.len());
                for (id, f) in picked {
                    reply_entry(&mut body, id, f);
                }
            }
        }
    }
    if served > 0 {
        if resp3 {
            ctx.c.reply.map(served);
        } else {
            ctx.c.reply.array(served);
        }
        ctx.c.reply.buf.extend_from_slice(&body.buf);
        if is_group {
            effects.apply(ctx);
        }
        return;
    }
    let Some(timeout) = a.timeout else {
        return ctx.c.reply.null_array();
    };
    if may_not_block(ctx) {
        return ctx.c.reply.null_array();
    }
    // Park. `$` becomes the ID it stood for now, so that entries added
    // while waiting are the ones served.
    let mut parked: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
    let ids_at = argv.len() - a.id_args.len();
    for (i, id) in ids.iter().enumerate() {
        if a.id_args[i] == b"$" {
            parked[ids_at + i] = id.to_bytes();
        }
    }
    let parked_refs: Vec<&[u8]> = parked.iter().map(|v| v.as_slice()).collect();
    let btype = if is_group {
        BlockType::StreamGroup
    } else {
        BlockType::Stream
    };
    ctx.block(
        &parked_refs,
        a.keys,
        timeout,
        btype,
        TimeoutReply::NullArray,
    );
}

/// Creates consumer `cname` in group `g` if missing; true when created.
fn ensure_consumer(s: &mut StreamValue, g: &[u8], cname: &[u8], now: i64) -> bool {
    let Some(grp) = s.groups.get_mut(g) else {
        return false;
    };
    if grp.consumers.contains_key(cname) {
        return false;
    }
    grp.consumers.insert(cname.to_vec(), Consumer::new(now));
    true
}

/// XREADGROUP with `>`: new entries after `start`, added to the PEL unless
/// NOACK, moving the group's last-delivered ID.
#[allow(clippy::too_many_arguments)]
fn serve_new(
    out: &mut ReplyBuf,
    s: &mut StreamValue,
    g: &[u8],
    cname: &[u8],
    start: StreamId,
    count: usize,
    noack: bool,
    now: i64,
) -> Vec<StreamId> {
    let limit = if count == 0 { usize::MAX } else { count };
    // Render in one pass over the nodes, then record the deliveries.
    let entries: Vec<_> = s.range(start, StreamId::MAX).take(limit).collect();
    out.array(entries.len());
    let picked: Vec<StreamId> = entries
        .into_iter()
        .map(|(id, f)| {
            reply_entry(out, id, f);
            id
        })
        .collect();
    for &id in &picked {
        s.advance_group(g, id);
        if noack {
            continue;
        }
        let Some(grp) = s.groups.get_mut(g) else {
            continue;
        };
        if let Some(old) = grp.pel.get(&id).map(|p| p.consumer.clone())
            && let Some(c) = grp.consumers.get_mut(&old)
        {
            c.pel.remove(&id);
        }
        grp.pel.insert(
            id,
            Pending {
                delivery_time: now,
                delivery_count: 1,
                consumer: cname.to_vec(),
            },
        );
        if let Some(c) = grp.consumers.get_mut(cname) {
            c.pel.insert(id);
        }
    }
    if !picked.is_empty()
        && let Some(c) = s.groups.get_mut(g).and_then(|g| g.consumers.get_mut(cname))
    {
        c.active_time = now;
    }
    if noack { Vec::new() } else { picked }
}

/// XREADGROUP with an ID: the consumer's own pending entries from `start`;
/// deleted entries show as `[id, nil]`.
fn serve_history(
    out: &mut ReplyBuf,
    s: &mut StreamValue,
    g: &[u8],
    cname: &[u8],
    start: StreamId,
    count: usize,
    now: i64,
) -> Vec<StreamId> {
    let limit = if count == 0 { usize::MAX } else { count };
    let ids: Vec<StreamId> = s
        .groups
        .get(g)
        .and_then(|g| g.consumers.get(cname))
        .map(|c| c.pel.range(start..).take(limit).copied().collect())
        .unwrap_or_default();
    let mut delivered = Vec::with_capacity(ids.len());
    out.array(ids.len());
    for &id in &ids {
        match s.get(id) {
            Some(f) => {
                reply_entry(out, id, f);
                if let Some(p) = s.groups.get_mut(g).and_then(|g| g.pel.get_mut(&id)) {
                    p.delivery_time = now;
                    p.delivery_count += 1;
                    delivered.push(id);
                }
            }
            None => {
                out.array(2);
                reply_id(out, id);
                out.null_array();
            }
        }
    }
    if !ids.is_empty()
        && let Some(c) = s.groups.get_mut(g).and_then(|g| g.consumers.get_mut(cname))
    {
        c.active_time = now;
    }
    delivered
}

// ---------------------------------------------------------------------------
// XGROUP

/// Parses `[MKSTREAM] [ENTRIESREAD n]` (CREATE) or `[ENTRIESREAD n]`
/// (SETID) from argv[5..].
fn parse_group_opts(ctx: &mut Ctx, argv: &[&[u8]], allow_mkstream: bool) -> Option<(bool, i64)> {
    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_UNKNOWN;
    let mut i = 5;
    while i < argv.len() {
        if allow_mkstream && argv[i].eq_ignore_ascii_case(b"mkstream") {
            mkstream = true;
            i += 1;
        } else if argv[i].eq_ignore_ascii_case(b"entriesread") && i + 1 < argv.len() {
            let n = super::arg_i64(ctx, argv[i + 1])?;
            if n < 0 && n != ENTRIES_READ_UNKNOWN {
                ctx.c
                    .reply
                    .error("ERR value for ENTRIESREAD must be positive or -1");
                return None;
            }
            entries_read = n;
            i += 2;
        } else {
            ctx.c
                .reply
                .error(&error::unknown_subcommand_or_arity(argv[1], "xgroup"));
            return None;
        }
    }
    Some((mkstream, entries_read))
}

const XGROUP_NEEDS_KEY: &str = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";

/// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
fn xgroup_create(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some((mkstream, entries_read)) = parse_group_opts(ctx, argv, true) else {
        return;
    };
    let (db, key, now, name) = (ctx.c.db, argv[2], ctx.now, argv[3]);
    let exists = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(s) => s.is_some(),
    };
    if !exists && !mkstream {
        return ctx.c.reply.error(XGROUP_NEEDS_KEY);
    }
    let id = if argv[4] == b"$" {
        match write(&mut ctx.srv.ks, db, key, now) {
            Ok(Some(s)) => s.last_id,
            _ => StreamId::ZERO,
        }
    } else {
        match strict_id(argv[4]) {
            Some(id) => id,
            None => return ctx.c.reply.error(INVALID_ID),
        }
    };
    if !exists {
        let s = Box::new(StreamValue::new());
        ctx.srv.ks.set(db, key, Value::Stream(s), true);
    }
    let Ok(Some(s)) = write(&mut ctx.srv.ks, db, key, now) else {
        return ctx.c.reply.error(XGROUP_NEEDS_KEY);
    };
    if s.groups.contains_key(name) {
        return ctx
            .c
            .reply
            .error("BUSYGROUP Consumer Group name already exists");
    }
    s.groups.insert(name.to_vec(), Group::new(id, entries_read));
    ctx.srv.ks.signal_modified(db, key);
    ctx.srv.ks.notify(notify::STREAM, "xgroup-create", db, key);
    ctx.c.reply.ok();
}

/// The stream and group named by argv[2] and argv[3], replying with
/// Redis's errors when either is missing.
fn existing_group<'a>(ctx: &'a mut Ctx, argv: &[&[u8]]) -> Option<&'a mut StreamValue> {
    let (db, key, now) = (ctx.c.db, argv[2], ctx.now);
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => {
            ctx.c.reply.error(e);
            return None;
        }
        Ok(None) => {
            ctx.c.reply.error(XGROUP_NEEDS_KEY);
            return None;
        }
        Ok(Some(s)) => s,
    };
    if !s.groups.contains_key(argv[3]) {
        ctx.c.reply.error(&nogroup_for_key(argv[3], key));
        return None;
    }
    Some(s)
}

/// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
fn xgroup_setid(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some((_, entries_read)) = parse_group_opts(ctx, argv, false) else {
        return;
    };
    if argv.len() != 5 && argv.len() != 7 {
        return ctx
            .c
            .reply
            .error(&error::unknown_subcommand_or_arity(argv[1], "xgroup"));
    }
    let (db, key) = (ctx.c.db, argv[2]);
    let idarg = argv[4];
    let Some(s) = existing_group(ctx, argv) else {
        return;
    };
    let id = if idarg == b"$" {
        s.last_id
    } else {
        match parse_id(idarg, 0, IdForm::Loose) {
            Some((id, _)) => id,
            None => return ctx.c.reply.error(INVALID_ID),
        }
    };
    if let Some(g) = s.groups.get_mut(argv[3]) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    ctx.srv.ks.signal_modified(db, key);
    ctx.srv.ks.notify(notify::STREAM, "xgroup-setid", db, key);
    ctx.c.reply.ok();
}

/// XGROUP DESTROY key group
fn xgroup_destroy(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key, now) = (ctx.c.db, argv[2], ctx.now);
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(None) => return ctx.c.reply.error(XGROUP_NEEDS_KEY),
        Ok(Some(s)) => s,
    };
    if s.groups.remove(argv[3]).is_none() {
        return ctx.c.reply.int(0);
    }
    // The write epilogue also wakes XREADGROUP waiters, who then find
    // their group gone.
    ctx.srv.ks.signal_modified(db, key);
    ctx.srv.ks.notify(notify::STREAM, "xgroup-destroy", db, key);
    ctx.c.reply.int(1);
}

/// XGROUP CREATECONSUMER key group consumer
fn xgroup_createconsumer(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key, now) = (ctx.c.db, argv[2], ctx.now);
    let Some(s) = existing_group(ctx, argv) else {
        return;
    };
    let created = ensure_consumer(s, argv[3], argv[4], now);
    if created {
        ctx.srv.ks.signal_modified(db, key);
        ctx.srv
            .ks
            .notify(notify::STREAM, "xgroup-createconsumer", db, key);
    }
    ctx.c.reply.int(i64::from(created));
}

/// XGROUP DELCONSUMER key group consumer
fn xgroup_delconsumer(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key) = (ctx.c.db, argv[2]);
    let Some(s) = existing_group(ctx, argv) else {
        return;
    };
    let removed = s
        .groups
        .get_mut(argv[3])
        .and_then(|g| g.remove_consumer(argv[4]));
    if let Some(_n) = removed {
        ctx.srv.ks.signal_modified(db, key);
        ctx.srv
            .ks
            .notify(notify::STREAM, "xgroup-delconsumer", db, key);
    }
    ctx.c.reply.int(removed.unwrap_or(0) as i64);
}

/// XGROUP HELP
fn xgroup_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.c.reply.status_lines(LINES);
}

// ---------------------------------------------------------------------------
// XACK, XPENDING, XCLAIM, XAUTOCLAIM

/// XACK key group id [id ...]
fn xack(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(s) => s,
    };
    let Some(g) = s.and_then(|s| s.groups.get_mut(argv[2])) else {
        return ctx.c.reply.int(0);
    };
    let mut ids = Vec::with_capacity(argv.len() - 3);
    for a in &argv[3..] {
        match strict_id(a) {
            Some(id) => ids.push(id),
            None => return ctx.c.reply.error(INVALID_ID),
        }
    }
    let acked = ids.into_iter().filter(|id| g.ack(*id)).count();
    if acked > 0 {
        ctx.srv.ks.signal_modified(db, key);
    }
    ctx.c.reply.int(acked as i64);
}

/// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
fn xpending(ctx: &mut Ctx, argv: &[&[u8]]) {
    let summary = argv.len() == 3;
    if argv.len() != 3 && !(6..=9).contains(&argv.len()) {
        return ctx.c.reply.error(error::SYNTAX);
    }
    let mut minidle = 0i64;
    let mut start = StreamId::ZERO;
    let mut end = StreamId::MAX;
    let mut count = 0usize;
    let mut consumer: Option<&[u8]> = None;
    if !summary {
        let mut at = 3;
        if argv[3].eq_ignore_ascii_case(b"idle") {
            let Some(v) = super::arg_i64(ctx, argv[4]) else {
                return;
            };
            minidle = v;
            if argv.len() < 8 {
                return ctx.c.reply.error(error::SYNTAX);
            }
            at += 2;
        }
        let Some(c) = argv.get(at + 2) else {
            return ctx.c.reply.error(error::SYNTAX);
        };
        let Some(c) = super::arg_i64(ctx, c) else {
            return;
        };
        count = c.max(0) as usize;
        start = match range_start(argv[at]) {
            Ok(id) => id,
            Err(e) => return ctx.c.reply.error(e),
        };
        end = match argv.get(at + 1).map(|a| range_end(a)) {
            Some(Ok(id)) => id,
            Some(Err(e)) => return ctx.c.reply.error(e),
            None => return ctx.c.reply.error(error::SYNTAX),
        };
        consumer = argv.get(at + 3).copied();
        if argv.len() > at + 4 {
            return ctx.c.reply.error(error::SYNTAX);
        }
    }
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let s = match read(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(s) => s,
    };
    let Some(g) = s.and_then(|s| s.groups.get(argv[2])) else {
        return ctx.c.reply.error(&nogroup(key, argv[2]));
    };
    let out = &mut ctx.c.reply;
    if summary {
        out.array(4);
        out.int(g.pel.len() as i64);
        match (g.pel.first_key_value(), g.pel.last_key_value()) {
            (Some((first, _)), Some((last, _))) => {
                reply_id(out, *first);
                reply_id(out, *last);
                let busy: Vec<_> = g
                    .consumers
                    .iter()
                    .filter(|(_, c)| !c.pel.is_empty())
                    .collect();
                out.array(busy.len());
                for (name, c) in busy {
                    out.array(2);
                    out.bulk(name);
                    out.bulk_i64(c.pel.len() as i64);
                }
            }
            _ => {
                out.null();
                out.null();
                out.null_array();
            }
        }
        return;
    }
    let ids: Box<dyn Iterator<Item = StreamId>> = match consumer {
        Some(name) => match g.consumers.get(name) {
            None => return out.array(0),
            Some(c) => Box::new(c.pel.range(start..).copied()),
        },
        None => Box::new(g.pel.range(start..).map(|(id, _)| *id)),
    };
    let mut rows = Vec::new();
    for id in ids {
        if rows.len() >= count || id > end {
            break;
        }
        let Some(p) = g.pel.get(&id) else {
            continue;
        };
        if minidle > 0 && now - p.delivery_time < minidle {
            continue;
        }
        rows.push((id, p));
    }
    out.array(rows.len());
    for (id, p) in rows {
        out.array(4);
        reply_id(out, id);
        out.bulk(&p.consumer);
        out.int((now - p.delivery_time).max(0));
        out.int(p.delivery_count as i64);
    }
}

/// Parses an integer option of XCLAIM/XAUTOCLAIM with its own error text.
fn int_or(ctx: &mut Ctx, arg: &[u8], msg: &str) -> Option<i64> {
    let v = num::parse_i64(arg);
    if v.is_none() {
        ctx.c.reply.error(&format!("ERR {msg}"));
    }
    v
}

/// Moves the pending entry `id` of group `g` to consumer `cname`.
fn claim_one(g: &mut Group, id: StreamId, cname: &[u8], time: i64, count: Option<u64>) {
    let Some(p) = g.pel.get_mut(&id) else {
        return;
    };
    let old = std::mem::replace(&mut p.consumer, cname.to_vec());
    p.delivery_time = time;
    if let Some(n) = count {
        p.delivery_count = n;
    }
    if old != cname
        && let Some(c) = g.consumers.get_mut(&old)
    {
        c.pel.remove(&id);
    }
    if let Some(c) = g.consumers.get_mut(cname) {
        c.pel.insert(id);
    }
}

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms]
/// [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID]
/// [LASTID lastid]
fn xclaim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    match read(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(s) if s.is_none_or(|s| !s.groups.contains_key(argv[2])) => {
            return ctx.c.reply.error(&nogroup(key, argv[2]));
        }
        Ok(_) => {}
    }
    let Some(minidle) = int_or(ctx, argv[4], "Invalid min-idle-time argument for XCLAIM") else {
        return;
    };
    let minidle = minidle.max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match strict_id(argv[j]) {
            Some(id) => ids.push(id),
            None => break,
        }
        j += 1;
    }
    let (mut force, mut justid) = (false, false);
    let mut retry: i64 = -1;
    let mut delivery: i64 = -1;
    let mut last_id = StreamId::ZERO;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = argv[j];
        if opt.eq_ignore_ascii_case(b"force") {
            force = true;
        } else if opt.eq_ignore_ascii_case(b"justid") {
            justid = true;
        } else if opt.eq_ignore_ascii_case(b"idle") && more > 0 {
            j += 1;
            let Some(v) = int_or(ctx, argv[j], "Invalid IDLE option argument for XCLAIM") else {
                return;
            };
            delivery = now.wrapping_sub(v);
        } else if opt.eq_ignore_ascii_case(b"time") && more > 0 {
            j += 1;
            let Some(v) = int_or(ctx, argv[j], "Invalid TIME option argument for XCLAIM") else {
                return;
            };
            delivery = v;
        } else if opt.eq_ignore_ascii_case(b"retrycount") && more > 0 {
            j += 1;
            let Some(v) = int_or(
                ctx,
                argv[j],
                "Invalid RETRYCOUNT option argument for XCLAIM",
            ) else {
                return;
            };
            retry = v;
        } else if opt.eq_ignore_ascii_case(b"lastid") && more > 0 {
            j += 1;
            match strict_id(argv[j]) {
                Some(id) => last_id = id,
                None => return ctx.c.reply.error(INVALID_ID),
            }
        } else {
            let msg = format!(
                "ERR Unrecognized XCLAIM option '{}'",
                String::from_utf8_lossy(opt)
            );
            return ctx.c.reply.error(&msg);
        }
        j += 1;
    }
    if delivery == -1 || delivery < 0 || delivery > now {
        delivery = now;
    }
    let Ok(Some(s)) = write(&mut ctx.srv.ks, db, key, now) else {
        return ctx.c.reply.error(&nogroup(key, argv[2]));
    };
    let cname = argv[3];
    let mut changed = false;
    let mut created = false;
    let mut claimed: Vec<StreamId> = Vec::new();
    let present: Vec<bool> = ids.iter().map(|id| s.get(*id).is_some()).collect();
    let Some(g) = s.groups.get_mut(argv[2]) else {
        return ctx.c.reply.error(&nogroup(key, argv[2]));
    };
    let mut effects = Effects::default();
    let last_moved = last_id > g.last_id;
    if last_moved {
        g.last_id = last_id;
        changed = true;
    }
    for (k, &id) in ids.iter().enumerate() {
        if !present[k] {
            if g.ack(id) {
                changed = true;
                let idb = id.to_bytes();
                effects.push(&[b"XACK", key, argv[2], &idb]);
            }
            continue;
        }
        let fresh = !g.pel.contains_key(&id);
        if fresh {
            if !force {
                continue;
            }
            g.pel.insert(
                id,
                // As Redis creates it: delivered once, owner set below.
                Pending {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: Vec::new(),
                },
            );
        }
        let Some(p) = g.pel.get(&id) else {
            continue;
        };
        if !fresh && minidle > 0 && now - p.delivery_time < minidle {
            continue;
        }
        let count = if retry >= 0 {
            Some(retry as u64)
        } else if !justid {
            Some(p.delivery_count + 1)
        } else {
            None
        };
        if !g.consumers.contains_key(cname) {
            g.consumers.insert(cname.to_vec(), Consumer::new(now));
            created = true;
        }
        claim_one(g, id, cname, delivery, count);
        claimed.push(id);
        changed = true;
    }
    if let Some(c) = g.consumers.get_mut(cname) {
        c.seen_time = now;
        if !claimed.is_empty() {
            c.active_time = now;
        }
    }
    for &id in &claimed {
        if let Some(p) = g.pel.get(&id) {
            effects.claim(key, argv[2], id, p, g.last_id);
        }
    }
    if claimed.is_empty() {
        if created {
            effects.push(&[b"XGROUP", b"CREATECONSUMER", key, argv[2], cname]);
        }
        if last_moved {
            effects.group_id(key, argv[2], g);
        }
    }
    let out = &mut ctx.c.reply;
    out.array(claimed.len());
    for &id in &claimed {
        if justid {
            reply_id(out, id);
        } else {
            reply_entry_or_null(out, s, id);
        }
    }
    if created {
        ctx.srv
            .ks
            .notify(notify::STREAM, "xgroup-createconsumer", db, key);
    }
    if changed || created {
        ctx.srv.ks.signal_modified(db, key);
    }
    effects.apply(ctx);
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
fn xautoclaim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(minidle) = int_or(
        ctx,
        argv[4],
        "Invalid min-idle-time argument for XAUTOCLAIM",
    ) else {
        return;
    };
    let minidle = minidle.max(0);
    let start = match range_start(argv[5]) {
        Ok(id) => id,
        Err(e) => return ctx.c.reply.error(e),
    };
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if argv[j].eq_ignore_ascii_case(b"count") && more > 0 {
            // Redis caps COUNT so that COUNT * 10 attempts cannot overflow.
            let max = i64::MAX / 16;
            match num::parse_i64(argv[j + 1]) {
                Some(n) if (1..=max).contains(&n) => count = n,
                Some(_) => return ctx.c.reply.error("ERR COUNT must be > 0"),
                None => return ctx.c.reply.error(error::NOT_INTEGER),
            }
            j += 1;
        } else if argv[j].eq_ignore_ascii_case(b"justid") {
            justid = true;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
        j += 1;
    }
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    let s = match write(&mut ctx.srv.ks, db, key, now) {
        Err(e) => return ctx.c.reply.error(e),
        Ok(s) => s,
    };
    let Some(s) = s.filter(|s| s.groups.contains_key(argv[2])) else {
        return ctx.c.reply.error(&nogroup(key, argv[2]));
    };
    let cname = argv[3];
    // At most COUNT * 10 entries are examined, plus one for the cursor.
    let window = usize::try_from(count.saturating_mul(10).saturating_add(1)).unwrap_or(usize::MAX);
    let pending: Vec<StreamId> = s
        .groups
        .get(argv[2])
        .map(|g| {
            g.pel
                .range(start..)
                .take(window)
                .map(|(id, _)| *id)
                .collect()
        })
        .unwrap_or_default();
    let present: Vec<bool> = pending.iter().map(|id| s.get(*id).is_some()).collect();
    let Some(g) = s.groups.get_mut(argv[2]) else {
        return ctx.c.reply.error(&nogroup(key, argv[2]));
    };
    let mut effects = Effects::default();
    let mut attempts = count.saturating_mul(10);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut created = false;
    let mut next = 0usize;
    while next < pending.len() && attempts > 0 && count > 0 {
        attempts -= 1;
        let id = pending[next];
        next += 1;
        if !present[next - 1] {
            g.ack(id);
            let idb = id.to_bytes();
            effects.push(&[b"XACK", key, argv[2], &idb]);
            deleted.push(id);
            count -= 1;
            continue;
        }
        let Some(p) = g.pel.get(&id) else {
            continue;
        };
        if minidle > 0 && now - p.delivery_time < minidle {
            continue;
        }
        let n = if justid {
            None
        } else {
            Some(p.delivery_count + 1)
        };
        if !g.consumers.contains_key(cname) {
            g.consumers.insert(cname.to_vec(), Consumer::new(now));
            created = true;
        }
        claim_one(g, id, cname, now, n);
        claimed.push(id);
        count -= 1;
    }
    let cursor = pending.get(next).copied().unwrap_or(StreamId::ZERO);
    for &id in &claimed {
        if let Some(p) = g.pel.get(&id) {
            effects.claim(key, argv[2], id, p, g.last_id);
        }
    }
    if claimed.is_empty() && created {
        effects.push(&[b"XGROUP", b"CREATECONSUMER", key, argv[2], cname]);
    }
    if let Some(c) = g.consumers.get_mut(cname) {
        c.seen_time = now;
        if !claimed.is_empty() {
            c.active_time = now;
        }
    }
    let out = &mut ctx.c.reply;
    out.array(3);
    reply_id(out, cursor);
    out.array(claimed.len());
    for &id in &claimed {
        if justid {
            reply_id(out, id);
        } else {
            reply_entry_or_null(out, s, id);
        }
    }
    out.array(deleted.len());
    for &id in &deleted {
        reply_id(out, id);
    }
    if created {
        ctx.srv
            .ks
            .notify(notify::STREAM, "xgroup-createconsumer", db, key);
    }
    if created || !claimed.is_empty() || !deleted.is_empty() {
        ctx.srv.ks.signal_modified(db, key);
    }
    effects.apply(ctx);
}

// ---------------------------------------------------------------------------
// XINFO

/// The stream for XINFO: "no such key" when missing.
/// Borrows the keyspace and the reply buffer apart, so the stream is
/// rendered in place.
fn info_stream<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<(&'a StreamValue, &'a mut ReplyBuf)> {
    let (db, now) = (ctx.c.db, ctx.now);
    let out = &mut ctx.c.reply;
    match read(&mut ctx.srv.ks, db, key, now) {
        Err(e) => {
            out.error(e);
            None
        }
        Ok(None) => {
            out.error(error::NO_SUCH_KEY);
            None
        }
        Ok(Some(s)) => Some((s, out)),
    }
}

/// XINFO CONSUMERS key group
fn xinfo_consumers(ctx: &mut Ctx, argv: &[&[u8]]) {
    let now = ctx.now;
    let Some((s, out)) = info_stream(ctx, argv[2]) else {
        return;
    };
    let Some(g) = s.groups.get(argv[3]) else {
        return out.error(&nogroup_for_key(argv[3], argv[2]));
    };
    out.array(g.consumers.len());
    for (name, c) in &g.consumers {
        out.map(4);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"pending");
        out.int(c.pel.len() as i64);
        out.bulk(b"idle");
        out.int((now - c.seen_time).max(0));
        out.bulk(b"inactive");
        out.int(if c.active_time == -1 {
            -1
        } else {
            (now - c.active_time).max(0)
        });
    }
}

/// `entries-read` and `lag`: integers, or nulls when unknown.
fn reply_read_and_lag(out: &mut ReplyBuf, s: &StreamValue, g: &Group) {
    out.bulk(b"entries-read");
    if g.entries_read == ENTRIES_READ_UNKNOWN {
        out.null();
    } else {
        out.int(g.entries_read);
    }
    out.bulk(b"lag");
    match s.lag(g) {
        Some(l) => out.int(l),
        None => out.null(),
    }
}

/// XINFO GROUPS key
fn xinfo_groups(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some((s, out)) = info_stream(ctx, argv[2]) else {
        return;
    };
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        out.map(6);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"consumers");
        out.int(g.consumers.len() as i64);
        out.bulk(b"pending");
        out.int(g.pel.len() as i64);
        out.bulk(b"last-delivered-id");
        reply_id(out, g.last_id);
        reply_read_and_lag(out, s, g);
    }
}

/// XINFO STREAM key [FULL [COUNT count]]
fn xinfo_stream(ctx: &mut Ctx, argv: &[&[u8]]) {
    let extra = &argv[3..];
    let Some((s, out)) = info_stream(ctx, argv[2]) else {
        return;
    };
    let well_formed = match extra.len() {
        0 => true,
        1 => extra[0].eq_ignore_ascii_case(b"full"),
        3 => extra[0].eq_ignore_ascii_case(b"full") && extra[1].eq_ignore_ascii_case(b"count"),
        _ => false,
    };
    if !well_formed {
        return out.error(&error::unknown_subcommand_or_arity(argv[1], "xinfo"));
    }
    let mut count: i64 = 10;
    if extra.len() == 3 {
        match num::parse_i64(extra[2]) {
            Some(n) => count = if n < 0 { 10 } else { n },
            None => return out.error(error::NOT_INTEGER),
        }
    }
    let full = !extra.is_empty();
    let limit = if count == 0 {
        usize::MAX
    } else {
        count as usize
    };
    out.map(if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.len() as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.node_count() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(s.radix_tree_nodes() as i64);
    out.bulk(b"last-generated-id");
    reply_id(out, s.last_id);
    out.bulk(b"max-deleted-entry-id");
    reply_id(out, s.max_deleted_id);
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    reply_id(out, s.first_id);
    if !full {
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        out.bulk(b"first-entry");
        match s.first() {
            Some((id, f)) => reply_entry(out, id, f),
            None => out.null(),
        }
        out.bulk(b"last-entry");
        match s.last() {
            Some((id, f)) => reply_entry(out, id, f),
            None => out.null(),
        }
        return;
    }
    out.bulk(b"entries");
    let picked: Vec<_> = s.range(StreamId::ZERO, StreamId::MAX).take(limit).collect();
    out.array(picked.len());
    for (id, f) in picked {
        reply_entry(out, id, f);
    }
    out.bulk(b"groups");
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        out.map(7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        reply_id(out, g.last_id);
        reply_read_and_lag(out, s, g);
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        let pel: Vec<_> = g.pel.iter().take(limit).collect();
        out.array(pel.len());
        for (id, p) in pel {
            out.array(4);
            reply_id(out, *id);
            out.bulk(&p.consumer);
            out.int(p.delivery_time);
            out.int(p.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array(g.consumers.len());
        for (cname, c) in &g.consumers {
            out.map(5);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time);
            out.bulk(b"active-time");
            out.int(c.active_time);
            out.bulk(b"pel-count");
            out.int(c.pel.len() as i64);
            out.bulk(b"pending");
            let own: Vec<_> = c.pel.iter().take(limit).collect();
            out.array(own.len());
            for id in own {
                let (t, n) = g
                    .pel
                    .get(id)
                    .map_or((0, 0), |p| (p.delivery_time, p.delivery_count));
                out.array(3);
                reply_id(out, *id);
                out.int(t);
                out.int(n as i64);
            }
        }
    }
}

/// XINFO HELP
fn xinfo_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.c.reply.status_lines(LINES);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    fn at(h: &mut Harness, ms: i64) {
        h.now = Some(ms);
    }

    #[test]
    fn auto_ids_follow_the_clock_and_never_go_back() {
        let mut h = Harness::new();
        at(&mut h, 1000);
        assert_eq!(h.run(&["XADD", "s", "*", "f", "v"]), "$6\r\n1000-0\r\n");
        assert_eq!(h.run(&["XADD", "s", "*", "f", "v"]), "$6\r\n1000-1\r\n");
        at(&mut h, 900);
        assert_eq!(h.run(&["XADD", "s", "*", "f", "v"]), "$6\r\n1000-2\r\n");
        assert_eq!(
            h.run(&["XADD", "s", "1000-*", "f", "v"]),
            "$6\r\n1000-3\r\n"
        );
        assert_eq!(
            h.run(&["XADD", "s", "2000-*", "f", "v"]),
            "$6\r\n2000-0\r\n"
        );
    }

    #[test]
    fn pending_times_counts_and_claims() {
        let mut h = Harness::new();
        at(&mut h, 10_000);
        h.run(&["XADD", "s", "1-1", "a", "1"]);
        h.run(&["XADD", "s", "2-1", "b", "2"]);
        h.run(&["XADD", "s", "3-1", "c", "3"]);
        h.run(&["XGROUP", "CREATE", "s", "g", "0"]);
        h.run(&["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"]);
        at(&mut h, 10_250);
        let one = |id: &str, who: &str, idle: i64, n: i64| {
            format!(
                "*4\r\n${}\r\n{id}\r\n${}\r\n{who}\r\n:{idle}\r\n:{n}\r\n",
                id.len(),
                who.len()
            )
        };
        assert_eq!(
            h.run(&["XPENDING", "s", "g", "-", "+", "1"]),
            format!("*1\r\n{}", one("1-1", "alice", 250, 1))
        );
        // Re-reading history counts a delivery.
        h.run(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "1",
            "STREAMS",
            "s",
            "0",
        ]);
        assert_eq!(
            h.run(&["XPENDING", "s", "g", "-", "(2-1", "5"]),
            format!("*1\r\n{}", one("1-1", "alice", 0, 2))
        );
        // IDLE filters; XCLAIM moves what is idle enough and bumps counts.
        assert_eq!(
            h.run(&["XPENDING", "s", "g", "IDLE", "200", "-", "+", "5"]),
            format!(
                "*2\r\n{}{}",
                one("2-1", "alice", 250, 1),
                one("3-1", "alice", 250, 1)
            )
        );
        assert_eq!(
            h.run(&["XCLAIM", "s", "g", "bob", "200", "1-1", "2-1", "JUSTID"]),
            "*1\r\n$3\r\n2-1\r\n"
        );
        assert_eq!(
            h.run(&[
                "XCLAIM",
                "s",
                "g",
                "bob",
                "0",
                "3-1",
                "IDLE",
                "40",
                "RETRYCOUNT",
                "9",
                "JUSTID"
            ]),
            "*1\r\n$3\r\n3-1\r\n"
        );
        assert_eq!(
            h.run(&["XPENDING", "s", "g", "-", "+", "5", "bob"]),
            format!(
                "*2\r\n{}{}",
                one("2-1", "bob", 0, 1),
                one("3-1", "bob", 40, 9)
            )
        );
        // FORCE makes a pending entry delivered once (+1 without JUSTID).
        h.run(&["XACK", "s", "g", "1-1"]);
        h.run(&["XCLAIM", "s", "g", "carol", "0", "1-1", "FORCE"]);
        assert_eq!(
            h.run(&["XPENDING", "s", "g", "1-1", "1-1", "1"]),
            format!("*1\r\n{}", one("1-1", "carol", 0, 2))
        );
        // XINFO CONSUMERS: idle since the last attempt, inactive since the
        // last success (7.2).
        at(&mut h, 10_300);
        h.run(&["XGROUP", "CREATECONSUMER", "s", "g", "dave"]);
        at(&mut h, 10_400);
        let info = h.run(&["XINFO", "CONSUMERS", "s", "g"]);
        assert!(
            info.contains("$4\r\ndave\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n:100\r\n$8\r\ninactive\r\n:-1\r\n"),
            "{info}"
        );
        assert!(
            info.contains("$3\r\nbob\r\n$7\r\npending\r\n:2\r\n$4\r\nidle\r\n:150\r\n$8\r\ninactive\r\n:150\r\n"),
            "{info}"
        );
        // XAUTOCLAIM: cursor, claimed entries, deleted IDs dropped.
        h.run(&["XDEL", "s", "2-1"]);
        assert_eq!(
            h.run(&[
                "XAUTOCLAIM",
                "s",
                "g",
                "erin",
                "100",
                "0",
                "COUNT",
                "2",
                "JUSTID"
            ]),
            "*3\r\n$3\r\n3-1\r\n*1\r\n$3\r\n1-1\r\n*1\r\n$3\r\n2-1\r\n"
        );
        assert_eq!(h.run(&["XPENDING", "s", "g"]).matches("erin").count(), 1);
    }
}
