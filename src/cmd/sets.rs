//! Set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS,
//! SRANDMEMBER, SPOP, SMOVE, SINTER, SINTERCARD, SINTERSTORE, SUNION,
//! SUNIONSTORE, SDIFF, SDIFFSTORE and SSCAN, with Redis 7.2's replies and
//! encoding choices (see `types::set` for the encodings).
//!
//! Result sets are built the way Redis 7.2 builds them, because that decides
//! both the encoding a STORE variant leaves and the order of the reply:
//! SUNION/SDIFF start from an empty intset and add members one by one
//! (intset members come out sorted, listpack ones in insertion order);
//! SINTERSTORE starts in the smallest input's encoding (a listpack for a
//! hashtable) and becomes an intset at the end when every member is an
//! integer.

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
use crate::error;
use crate::resp::ReplyBuf;
use crate::types::Value;
use crate::types::set::{Encoding, Member, OwnedMember, SetLimits, SetValue, random_below};
use crate::util::glob::glob_match;
use crate::util::num::{parse_i64, parse_scan_cursor};

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("sadd", -3, WRITE | DENYOOM | FAST, sadd).keys(1, 1, 1),
    Cmd::new("srem", -3, WRITE | FAST, srem).keys(1, 1, 1),
    Cmd::new("scard", 2, READONLY | FAST, scard).keys(1, 1, 1),
    Cmd::new("sismember", 3, READONLY | FAST, sismember).keys(1, 1, 1),
    Cmd::new("smismember", -3, READONLY | FAST, smismember).keys(1, 1, 1),
    Cmd::new("smembers", 2, READONLY, smembers).keys(1, 1, 1),
    Cmd::new("srandmember", -2, READONLY, srandmember).keys(1, 1, 1),
    Cmd::new("spop", -2, WRITE | FAST, spop).keys(1, 1, 1),
    Cmd::new("smove", 4, WRITE | FAST, smove).keys(1, 2, 1),
    Cmd::new("sinter", -2, READONLY, sinter).keys(1, -1, 1),
    // Keys found through numkeys (movablekeys): no legacy positions.
    Cmd::new("sintercard", -3, READONLY, sintercard),
    Cmd::new("sinterstore", -3, WRITE | DENYOOM, sinterstore).keys(1, -1, 1),
    Cmd::new("sunion", -2, READONLY, sunion).keys(1, -1, 1),
    Cmd::new("sunionstore", -3, WRITE | DENYOOM, sunionstore).keys(1, -1, 1),
    Cmd::new("sdiff", -2, READONLY, sdiff).keys(1, -1, 1),
    Cmd::new("sdiffstore", -3, WRITE | DENYOOM, sdiffstore).keys(1, -1, 1),
    Cmd::new("sscan", -3, READONLY, sscan).keys(1, 1, 1),
];

/// SPOP with a count pops by picking random members while more than
/// 1/SPOP_MOVE_STRATEGY_MUL of the set stays; otherwise it picks the members
/// that stay (Redis's SPOP_MOVE_STRATEGY_MUL).
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;
/// SRANDMEMBER with a positive count below size / 3 samples at random;
/// above, it removes random members from a copy (SRANDMEMBER_SUB_STRATEGY_MUL).
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;
/// A negative SRANDMEMBER count asks for that many members, repeats allowed:
/// the reply is as big as asked. Redis writes it until the client's output
/// buffer limit closes the connection (with no limit for normal clients, until
/// memory runs out); ember stops writing once the pending reply passes this
/// many bytes and closes the connection the same way.
const RANDOM_REPLY_LIMIT: usize = 512 << 20;

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The encoding thresholds from the configuration.
fn limits(ctx: &Ctx) -> SetLimits {
    let c = &ctx.srv.config;
    SetLimits::new(
        c.set_max_intset_entries,
        c.set_max_listpack_entries,
        c.set_max_listpack_value,
    )
}

/// True if the option word `arg` is `name` (lower case), compared as Redis
/// compares option words: ASCII case-insensitive, up to the first NUL.
fn opt_is(arg: &[u8], name: &str) -> bool {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg[..end].eq_ignore_ascii_case(name.as_bytes())
}

fn reply_member(out: &mut ReplyBuf, m: Member) {
    match m {
        Member::Int(v) => out.bulk_i64(v),
        Member::Str(b) => out.bulk(b),
    }
}

/// Replies with every member of `s` as a set (`~` in RESP3).
fn reply_set(out: &mut ReplyBuf, s: &SetValue) {
    out.set(s.len());
    for m in s.iter() {
        reply_member(out, m);
    }
}

/// A random-number source for one command, seeded from the keyspace's
/// generator (so it can run while a set in the keyspace is borrowed).
fn rng_for(ks: &mut Keyspace) -> impl FnMut() -> u64 + use<> {
    let mut state = ks.random_u64();
    move || {
        // SplitMix64.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A key holding something that is not a set.
struct WrongType;

/// The set at `key` for a command that reads (lazy expiry, hit/miss stats).
fn read_set<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k SetValue>, WrongType> {
    match ks.lookup_read(db, key, now) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(WrongType),
    }
}

/// The set at `key` for a command that writes (lazy expiry, no stats).
fn write_set<'k>(
    ks: &'k mut Keyspace,
    db: usize,
    key: &[u8],
    now: i64,
) -> Result<Option<&'k mut SetValue>, WrongType> {
    match ks.lookup_write(db, key, now) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(WrongType),
    }
}

/// The set stored at `key` right now (after a lookup did the lazy expiry).
fn stored_set<'k>(ks: &'k Keyspace, db: usize, key: &[u8]) -> Option<&'k SetValue> {
    match ks.dbs[db].main.get(key) {
        Some(Value::Set(s)) => Some(s),
        _ => None,
    }
}

fn stored_set_mut<'k>(ks: &'k mut Keyspace, db: usize, key: &[u8]) -> Option<&'k mut SetValue> {
    match ks.dbs[db].main.get_mut(key) {
        Some(Value::Set(s)) => Some(s),
        _ => None,
    }
}

/// Read lookups of every key in order, like Redis's loops over
/// lookupKeyRead: Err at the first key holding another type.
fn lookup_all(ks: &mut Keyspace, db: usize, keys: &[&[u8]], now: i64) -> Result<(), WrongType> {
    for k in keys {
        read_set(ks, db, k, now)?;
    }
    Ok(())
}

/// Stores a computed set at `dst` (replacing any value and TTL), or deletes
/// `dst` when the set is empty; replies with the set's size.
fn store_result(ctx: &mut Ctx, dst: &[u8], set: SetValue) {
    let db = ctx.c.db;
    let n = set.len();
    if n > 0 {
        ctx.srv.ks.set(db, dst, Value::Set(Box::new(set)), false);
    } else {
        ctx.srv.ks.delete(db, dst);
    }
    ctx.c.reply.int(n as i64);
}

/// Counts `n` changes for persistence where the write epilogue counted one.
fn add_dirty(ks: &mut Keyspace, n: usize) {
    ks.dirty += n.saturating_sub(1) as u64;
}

// ---------------------------------------------------------------------------
// SADD / SREM / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS
// ---------------------------------------------------------------------------

/// SADD key member [member ...]
fn sadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, now) = (ctx.c.db, ctx.now);
    let lim = limits(ctx);
    let (key, members) = (argv[1], &argv[2..]);
    let ks = &mut ctx.srv.ks;
    let added = match write_set(ks, db, key, now) {
        Err(WrongType) => return ctx.c.reply.error(error::WRONGTYPE),
        Ok(Some(s)) => {
            s.maybe_convert(members.len(), &lim);
            add_all(s, members, &lim)
        }
        Ok(None) => {
            let mut s = SetValue::create(members[0], members.len(), &lim);
            let n = add_all(&mut s, members, &lim);
            ks.dbs[db].main.insert(key, Value::Set(Box::new(s)));
            n
        }
    };
    if added > 0 {
        ks.signal_modified(db, key);
        add_dirty(ks, added);
    }
    ctx.c.reply.int(added as i64);
}

fn add_all(s: &mut SetValue, members: &[&[u8]], lim: &SetLimits) -> usize {
    members.iter().filter(|m| s.add(m, lim)).count()
}

/// SREM key member [member ...]
fn srem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, now) = (ctx.c.db, ctx.now);
    let key = argv[1];
    let ks = &mut ctx.srv.ks;
    let (removed, emptied) = match write_set(ks, db, key, now) {
        Err(WrongType) => return ctx.c.reply.error(error::WRONGTYPE),
        Ok(None) => (0, false),
        Ok(Some(s)) => {
            let mut n = 0;
            for m in &argv[2..] {
                if s.remove(m) {
                    n += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            (n, s.is_empty())
        }
    };
    if emptied {
        ks.delete(db, key);
    } else if removed > 0 {
        ks.signal_modified(db, key);
    }
    add_dirty(ks, removed);
    ctx.c.reply.int(removed as i64);
}

/// SCARD key
fn scard(ctx: &mut Ctx, argv: &[&[u8]]) {
    match read_set(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(WrongType) => ctx.c.reply.error(error::WRONGTYPE),
        Ok(s) => ctx.c.reply.int(s.map_or(0, |s| s.len() as i64)),
    }
}

/// SISMEMBER key member
fn sismember(ctx: &mut Ctx, argv: &[&[u8]]) {
    match read_set(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(WrongType) => ctx.c.reply.error(error::WRONGTYPE),
        Ok(s) => ctx
            .c
            .reply
            .int(i64::from(s.is_some_and(|s| s.contains(argv[2])))),
    }
}

/// SMISMEMBER key member [member ...]
fn smismember(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match read_set(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(WrongType) => out.error(error::WRONGTYPE),
        Ok(s) => {
            out.array(argv.len() - 2);
            for m in &argv[2..] {
                out.int(i64::from(s.is_some_and(|s| s.contains(m))));
            }
        }
    }
}

/// SMEMBERS key
fn smembers(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    match read_set(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(WrongType) => out.error(error::WRONGTYPE),
        Ok(None) => out.set(0),
        Ok(Some(s)) => reply_set(out, s),
    }
}

// ---------------------------------------------------------------------------
// SRANDMEMBER / SPOP
// ---------------------------------------------------------------------------

/// SRANDMEMBER key [count]
fn srandmember(ctx: &mut Ctx, argv: &[&[u8]]) {
    match argv.len() {
        2 => {}
        3 => return srandmember_count(ctx, argv),
        _ => return ctx.c.reply.error(error::SYNTAX),
    }
    let mut rng = rng_for(&mut ctx.srv.ks);
    let out = &mut ctx.c.reply;
    match read_set(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(WrongType) => out.error(error::WRONGTYPE),
        Ok(s) => match s.and_then(|s| s.random_member(&mut rng)) {
            Some(m) => reply_member(out, m),
            None => out.null(),
        },
    }
}

/// SRANDMEMBER key count: distinct members for a positive count (at most
/// the whole set), `-count` members with repeats for a negative one.
fn srandmember_count(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(l) = parse_i64(argv[2]) else {
        return ctx.c.reply.error(error::NOT_INTEGER);
    };
    if l == i64::MIN {
        return ctx.c.reply.error(error::NOT_IN_LONG_RANGE);
    }
    let (count, unique) = (l.unsigned_abs(), l >= 0);
    let mut rng = rng_for(&mut ctx.srv.ks);
    let c = &mut *ctx.c;
    let s = match read_set(&mut ctx.srv.ks, c.db, argv[1], ctx.now) {
        Err(WrongType) => return c.reply.error(error::WRONGTYPE),
        Ok(None) => return c.reply.array(0),
        Ok(Some(s)) => s,
    };
    let size = s.len() as u64;
    if count == 0 {
        return c.reply.array(0);
    }
    if !unique || count == 1 {
        // Repeats allowed: `count` independent draws.
        if !reply_draws(&mut c.reply, s, count, &mut rng, RANDOM_REPLY_LIMIT) {
            c.close_asap = true;
        }
        return;
    }
    if count >= size {
        // The whole set (as an array, not a set).
        c.reply.array(s.len());
        for m in s.iter() {
            reply_member(&mut c.reply, m);
        }
        return;
    }
    // From here count < size, so it fits a usize.
    let count = count as usize;
    c.reply.array(count);
    if s.encoding() != Encoding::Hashtable {
        // Small encodings: one ordered pass picking `count` positions.
        s.sample_ordered(count, &mut rng, |_, m| reply_member(&mut c.reply, m));
    } else if count as u64 * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        // Close to the whole set: shuffle the first `count` of all members.
        let mut all: Vec<Member> = s.iter().collect();
        for i in 0..count {
            let j = i + random_below(&mut rng, all.len() - i);
            all.swap(i, j);
            reply_member(&mut c.reply, all[i]);
        }
    } else {
        // Much smaller than the set: random draws until `count` distinct.
        let mut seen = std::collections::HashSet::with_capacity_and_hasher(
            count,
            ahash::RandomState::new(),
        );
        while seen.len() < count {
            let Some(m) = s.random_member(&mut rng) else {
                break;
            };
            if seen.insert(m) {
                reply_member(&mut c.reply, m);
            }
        }
    }
}

/// Replies with `count` random members of `s` (repeats allowed). Gives up
/// once the reply buffer passes `limit` bytes, returning false: the reply is
/// then incomplete and the connection must be closed.
fn reply_draws(
    out: &mut ReplyBuf,
    s: &SetValue,
    count: u64,
    rng: &mut impl FnMut() -> u64,
    limit: usize,
) -> bool {
    out.array(count.try_into().unwrap_or(usize::MAX));
    for _ in 0..count {
        let Some(m) = s.random_member(rng) else {
            break;
        };
        reply_member(out, m);
        if out.len() > limit {
            return false;
        }
    }
    true
}

/// SPOP key [count]
fn spop(ctx: &mut Ctx, argv: &[&[u8]]) {
    match argv.len() {
        2 => {}
        3 => return spop_count(ctx, argv),
        _ => return ctx.c.reply.error(error::SYNTAX),
    }
    let (db, now, key) = (ctx.c.db, ctx.now, argv[1]);
    let mut rng = rng_for(&mut ctx.srv.ks);
    let ks = &mut ctx.srv.ks;
    let emptied = match write_set(ks, db, key, now) {
        Err(WrongType) => return ctx.c.reply.error(error::WRONGTYPE),
        Ok(None) => return ctx.c.reply.null(),
        Ok(Some(s)) => {
            match s.pop_random(&mut rng) {
                Some(m) => reply_member(&mut ctx.c.reply, m.as_member()),
                None => ctx.c.reply.null(),
            }
            s.is_empty()
        }
    };
    if emptied {
        ks.delete(db, key);
    } else {
        ks.signal_modified(db, key);
    }
}

/// SPOP key count: up to `count` distinct members, removed.
fn spop_count(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(count) = parse_i64(argv[2]).and_then(|v| u64::try_from(v).ok()) else {
        return ctx.c.reply.error(error::NOT_POSITIVE);
    };
    let (db, now, key) = (ctx.c.db, ctx.now, argv[1]);
    let lim = limits(ctx);
    let mut rng = rng_for(&mut ctx.srv.ks);
    let ks = &mut ctx.srv.ks;
    let c = &mut *ctx.c;
    let s = match write_set(ks, db, key, now) {
        Err(WrongType) => return c.reply.error(error::WRONGTYPE),
        Ok(None) => return c.reply.set(0),
        Ok(Some(s)) => s,
    };
    if count == 0 {
        return c.reply.set(0);
    }
    let size = s.len() as u64;
    if count >= size {
        // Everything goes. Redis replies through SUNION of the one key (a
        // read lookup, hence a keyspace hit), which rebuilds the set from an
        // empty intset: that decides the order of the members.
        let all = union_of(&[Some(&*s)], &lim);
        reply_set(&mut c.reply, &all);
        ks.stats.keyspace_hits += 1;
        ks.delete(db, key);
        add_dirty(ks, size as usize);
        return;
    }
    // count < size, so both fit a usize.
    let (count, remaining) = (count as usize, (size - count) as usize);
    c.reply.set(count);
    if remaining as u64 * SPOP_MOVE_STRATEGY_MUL > count as u64 {
        // Few members go: pick them.
        if s.encoding() == Encoding::Listpack {
            let mut gone = vec![false; size as usize];
            s.sample_ordered(count, &mut rng, |i, m| {
                gone[i] = true;
                reply_member(&mut c.reply, m);
            });
            s.retain_positions(|i| !gone[i]);
        } else {
            for _ in 0..count {
                if let Some(m) = s.pop_random(&mut rng) {
                    reply_member(&mut c.reply, m.as_member());
                }
            }
        }
    } else {
        // Most members go: pick the ones that stay into a new set, reply
        // with what is left of the old one, and keep the new one.
        let mut kept: Option<SetValue> = None;
        if s.encoding() == Encoding::Listpack {
            let mut set = SetValue::new_listpack();
            let mut stays = vec![false; size as usize];
            s.sample_ordered(remaining, &mut rng, |i, m| {
                stays[i] = true;
                set.add_member(m, &lim);
            });
            s.retain_positions(|i| !stays[i]);
            kept = Some(set);
        } else {
            for _ in 0..remaining {
                let Some(m) = s.random_member(&mut rng).map(Member::to_owned) else {
                    break;
                };
                let set = kept.get_or_insert_with(|| match m {
                    OwnedMember::Int(_) => SetValue::new_intset(),
                    OwnedMember::Str(_) => SetValue::new_listpack(),
                });
                set.add_member(m.as_member(), &lim);
                s.remove_member(m.as_member());
            }
        }
        for m in s.iter() {
            reply_member(&mut c.reply, m);
        }
        if let Some(set) = kept {
            *s = set;
        }
    }
    ks.signal_modified(db, key);
    add_dirty(ks, count);
}

// ---------------------------------------------------------------------------
// SMOVE
// ---------------------------------------------------------------------------

/// What a write lookup found at a key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Missing,
    Set,
    Other,
}

fn found(ks: &mut Keyspace, db: usize, key: &[u8], now: i64) -> Found {
    match write_set(ks, db, key, now) {
        Ok(None) => Found::Missing,
        Ok(Some(_)) => Found::Set,
        Err(WrongType) => Found::Other,
    }
}

/// SMOVE source destination member
fn smove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, now) = (ctx.c.db, ctx.now);
    let (src, dst, m) = (argv[1], argv[2], argv[3]);
    let lim = limits(ctx);
    let ks = &mut ctx.srv.ks;
    let out = &mut ctx.c.reply;
    let src_found = found(ks, db, src, now);
    let dst_found = found(ks, db, dst, now);
    if src_found == Found::Missing {
        return out.int(0);
    }
    if src_found == Found::Other || dst_found == Found::Other {
        return out.error(error::WRONGTYPE);
    }
    if src == dst {
        let member = stored_set(ks, db, src).is_some_and(|s| s.contains(m));
        return out.int(i64::from(member));
    }
    let Some(s) = stored_set_mut(ks, db, src) else {
        return out.int(0);
    };
    if !s.remove(m) {
        return out.int(0);
    }
    if s.is_empty() {
        ks.delete(db, src);
    } else {
        ks.signal_modified(db, src);
    }
    let added = match stored_set_mut(ks, db, dst) {
        Some(d) => d.add(m, &lim),
        None => {
            let mut d = SetValue::create(m, 1, &lim);
            d.add(m, &lim);
            ks.dbs[db].main.insert(dst, Value::Set(Box::new(d)));
            true
        }
    };
    if added {
        ks.signal_modified(db, dst);
    }
    out.int(1);
}

// ---------------------------------------------------------------------------
// SINTER / SINTERCARD / SINTERSTORE
// ---------------------------------------------------------------------------

/// What an intersection produces.
enum InterOut {
    /// SINTER: the members, in the smallest set's order.
    Members,
    /// SINTERCARD: the count, stopping at the limit (0 = none).
    Count(usize),
    /// SINTERSTORE: the set.
    Store,
}

/// The result of an intersection.
enum Inter<'a> {
    Members(Vec<Member<'a>>),
    Count(usize),
    Set(SetValue),
}

/// Intersects `sets` (None = missing key = empty) as Redis's
/// sinterGenericCommand does: walks the smallest set and keeps the members
/// every other set has. A stored result starts in the smallest set's
/// encoding (a listpack for a hashtable) and becomes an intset at the end
/// when every member is an integer.
fn intersect<'a>(sets: &[Option<&'a SetValue>], what: InterOut, lim: &SetLimits) -> Inter<'a> {
    let mut sets: Vec<&SetValue> = match sets.iter().copied().collect::<Option<Vec<_>>>() {
        Some(v) => v,
        None => {
            return match what {
                InterOut::Members => Inter::Members(Vec::new()),
                InterOut::Count(_) => Inter::Count(0),
                InterOut::Store => Inter::Set(SetValue::new_intset()),
            };
        }
    };
    sets.sort_by_key(|s| s.len());
    let Some((&first, rest)) = sets.split_first() else {
        return Inter::Count(0);
    };
    let mut out = match (&what, first.encoding()) {
        (InterOut::Store, Encoding::Intset) => Some(SetValue::new_intset()),
        (InterOut::Store, _) => Some(SetValue::new_listpack()),
        _ => None,
    };
    let mut members = Vec::new();
    let mut count = 0usize;
    let mut only_integers = true;
    for m in first.iter() {
        let in_all = rest
            .iter()
            .all(|&s| std::ptr::eq(s, first) || s.contains_member(m));
        if !in_all {
            continue;
        }
        match (&what, &mut out) {
            (InterOut::Count(limit), _) => {
                count += 1;
                if *limit > 0 && count >= *limit {
                    break;
                }
            }
            (_, Some(set)) => {
                if let Member::Str(b) = m
                    && only_integers
                    && parse_i64(b).is_none()
                {
                    only_integers = false;
                }
                set.add_member(m, lim);
            }
            _ => members.push(m),
        }
    }
    match (what, out) {
        (InterOut::Count(_), _) => Inter::Count(count),
        (_, Some(mut set)) => {
            if only_integers {
                set.to_intset_if_fits(lim);
            }
            Inter::Set(set)
        }
        _ => Inter::Members(members),
    }
}

/// Looks up `keys` and intersects them; None after a WRONGTYPE reply.
fn sinter_generic(ctx: &mut Ctx, keys: &[&[u8]], what: InterOut, dst: Option<&[u8]>) {
    let (db, now) = (ctx.c.db, ctx.now);
    let lim = limits(ctx);
    let ks = &mut ctx.srv.ks;
    if lookup_all(ks, db, keys, now).is_err() {
        return ctx.c.reply.error(error::WRONGTYPE);
    }
    let sets: Vec<Option<&SetValue>> = keys.iter().map(|k| stored_set(ks, db, k)).collect();
    let out = &mut ctx.c.reply;
    let set = match intersect(&sets, what, &lim) {
        Inter::Members(members) => {
            out.set(members.len());
            for m in members {
                reply_member(out, m);
            }
            return;
        }
        Inter::Count(n) => return out.int(n as i64),
        Inter::Set(set) => set,
    };
    if let Some(dst) = dst {
        store_result(ctx, dst, set);
    }
}

/// SINTER key [key ...]
fn sinter(ctx: &mut Ctx, argv: &[&[u8]]) {
    sinter_generic(ctx, &argv[1..], InterOut::Members, None);
}

/// SINTERSTORE destination key [key ...]
fn sinterstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    sinter_generic(ctx, &argv[2..], InterOut::Store, Some(argv[1]));
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
fn sintercard(ctx: &mut Ctx, argv: &[&[u8]]) {
    let numkeys = match parse_i64(argv[1]) {
        Some(n) if n >= 1 => n,
        _ => return ctx.c.reply.error(error::NUMKEYS_NOT_POSITIVE),
    };
    let nargs = argv.len() - 2;
    let Some(numkeys) = usize::try_from(numkeys).ok().filter(|&n| n <= nargs) else {
        return ctx.c.reply.error(error::NUMKEYS_OVER_ARGS);
    };
    let mut limit = 0usize;
    let mut rest = &argv[2 + numkeys..];
    while let [opt, tail @ ..] = rest {
        match tail {
            [value, tail @ ..] if opt_is(opt, "limit") => {
                let Some(n) = parse_i64(value).filter(|&n| n >= 0) else {
                    return ctx.c.reply.error(error::LIMIT_NEGATIVE);
                };
                limit = usize::try_from(n).unwrap_or(usize::MAX);
                rest = tail;
            }
            _ => return ctx.c.reply.error(error::SYNTAX),
        }
    }
    sinter_generic(ctx, &argv[2..2 + numkeys], InterOut::Count(limit), None);
}

// ---------------------------------------------------------------------------
// SUNION / SUNIONSTORE / SDIFF / SDIFFSTORE
// ---------------------------------------------------------------------------

/// The union, built like Redis: an empty intset growing member by member.
fn union_of(sets: &[Option<&SetValue>], lim: &SetLimits) -> SetValue {
    let mut out = SetValue::new_intset();
    for s in sets.iter().flatten() {
        for m in s.iter() {
            out.add_member(m, lim);
        }
    }
    out
}

/// The difference sets[0] - sets[1..], with Redis's choice between its two
/// algorithms (it decides the result's encoding): walking the first set and
/// probing the others when that is cheaper (work counted as half the first
/// set's size per set), else copying the first set and removing the others.
fn diff_of(sets: &[Option<&SetValue>], lim: &SetLimits) -> SetValue {
    let mut out = SetValue::new_intset();
    let Some((Some(first), rest)) = sets.split_first() else {
        return out;
    };
    let first: &SetValue = first;
    if rest.iter().flatten().any(|&s| std::ptr::eq(s, first)) {
        // The first key repeated: nothing is left.
        return out;
    }
    let present = sets.iter().flatten().count() as u64;
    let algo_one = first.len() as u64 * present / 2;
    let algo_two: u64 = sets.iter().flatten().map(|s| s.len() as u64).sum();
    if algo_one <= algo_two {
        let mut others: Vec<&SetValue> = rest.iter().flatten().copied().collect();
        // Biggest first: a member is likelier to be found early.
        others.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for m in first.iter() {
            if !others.iter().any(|s| s.contains_member(m)) {
                out.add_member(m, lim);
            }
        }
    } else {
        for m in first.iter() {
            out.add_member(m, lim);
        }
        for s in rest.iter().flatten() {
            if out.is_empty() {
                break;
            }
            for m in s.iter() {
                out.remove_member(m);
            }
        }
    }
    out
}

/// SUNION / SDIFF and their STORE variants.
fn sunion_diff_generic(ctx: &mut Ctx, keys: &[&[u8]], dst: Option<&[u8]>, diff: bool) {
    let (db, now) = (ctx.c.db, ctx.now);
    let lim = limits(ctx);
    let ks = &mut ctx.srv.ks;
    if lookup_all(ks, db, keys, now).is_err() {
        return ctx.c.reply.error(error::WRONGTYPE);
    }
    let sets: Vec<Option<&SetValue>> = keys.iter().map(|k| stored_set(ks, db, k)).collect();
    let result = if diff {
        diff_of(&sets, &lim)
    } else {
        union_of(&sets, &lim)
    };
    match dst {
        Some(dst) => store_result(ctx, dst, result),
        None => reply_set(&mut ctx.c.reply, &result),
    }
}

/// SUNION key [key ...]
fn sunion(ctx: &mut Ctx, argv: &[&[u8]]) {
    sunion_diff_generic(ctx, &argv[1..], None, false);
}

/// SUNIONSTORE destination key [key ...]
fn sunionstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    sunion_diff_generic(ctx, &argv[2..], Some(argv[1]), false);
}

/// SDIFF key [key ...]
fn sdiff(ctx: &mut Ctx, argv: &[&[u8]]) {
    sunion_diff_generic(ctx, &argv[1..], None, true);
}

/// SDIFFSTORE destination key [key ...]
fn sdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    sunion_diff_generic(ctx, &argv[2..], Some(argv[1]), true);
}

// ---------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------

/// SSCAN key cursor [MATCH pattern] [COUNT count]
///
/// As in Redis, the cursor is checked first, then the key, then the options.
/// Intsets and listpacks return every member with cursor 0; a hashtable is
/// walked from `cursor` until COUNT members were looked at (or 10 * COUNT
/// buckets), then filtered by the pattern.
fn sscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let out = &mut ctx.c.reply;
    let Some(mut cursor) = parse_scan_cursor(argv[2]) else {
        return out.error(error::INVALID_CURSOR);
    };
    let s = match read_set(&mut ctx.srv.ks, ctx.c.db, argv[1], ctx.now) {
        Err(WrongType) => return out.error(error::WRONGTYPE),
        Ok(None) => {
            out.array(2);
            out.bulk(b"0");
            return out.array(0);
        }
        Ok(Some(s)) => s,
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut rest = &argv[3..];
    while let [opt, tail @ ..] = rest {
        match tail {
            [value, tail @ ..] if opt_is(opt, "count") => {
                let Some(n) = parse_i64(value) else {
                    return out.error(error::NOT_INTEGER);
                };
                if n < 1 {
                    return out.error(error::SYNTAX);
                }
                count = usize::try_from(n).unwrap_or(usize::MAX);
                rest = tail;
            }
            [value, tail @ ..] if opt_is(opt, "match") => {
                // "*" matches everything: no filtering.
                pattern = (*value != b"*").then_some(*value);
                rest = tail;
            }
            _ => return out.error(error::SYNTAX),
        }
    }
    // The matching members are encoded into `page` as they are met (a
    // hashtable's members cannot outlive one scan step).
    let mut page = ScanPage::default();
    if s.encoding() == Encoding::Hashtable {
        let mut buckets_left = count.saturating_mul(10);
        loop {
            cursor = s.scan(cursor, |m| page.visit(m, pattern));
            if cursor == 0 || buckets_left == 0 || page.seen >= count {
                break;
            }
            buckets_left -= 1;
        }
    } else {
        s.iter().for_each(|m| page.visit(m, pattern));
        cursor = 0;
    }
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(page.matched);
    out.buf.extend_from_slice(&page.out.buf);
}

/// The members an SSCAN call returns, encoded as bulk strings.
#[derive(Default)]
struct ScanPage {
    out: ReplyBuf,
    /// Members looked at, matching or not (what COUNT bounds).
    seen: usize,
    matched: usize,
}

impl ScanPage {
    fn visit(&mut self, m: Member, pattern: Option<&[u8]>) {
        self.seen += 1;
        m.with_bytes(|b| {
            if pattern.is_none_or(|p| glob_match(p, b, false)) {
                self.out.bulk(b);
                self.matched += 1;
            }
        });
    }
}
