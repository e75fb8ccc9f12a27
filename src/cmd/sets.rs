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
use crate::db::notify::{GENERIC, SET};
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
    match ks.get_live(db, key) {
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
        ctx.srv.ks.set(db, dst, Value::Set(set), false);
        // The event is the command's name (sinterstore, sunionstore, ...).
        ctx.srv.ks.notify(SET, ctx.cmd.name, db, dst);
    } else if ctx.srv.ks.delete(db, dst) {
        ctx.srv.ks.notify(GENERIC, "del", db, dst);
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
            ks.add(db, key, Value::Set(s));
            n
        }
    };
    if added > 0 {
        ks.notify(SET, "sadd", db, key);
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
    if removed > 0 {
        ks.notify(SET, "srem", db, key);
    }
    if emptied {
        ks.delete(db, key);
        ks.notify(GENERIC, "del", db, key);
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
        let mut seen =
            std::collections::HashSet::with_capacity_and_hasher(count, ahash::RandomState::new());
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
    let mut popped = None;
    let emptied = match write_set(ks, db, key, now) {
        Err(WrongType) => return ctx.c.reply.error(error::WRONGTYPE),
        Ok(None) => return ctx.c.reply.null(),
        Ok(Some(s)) => {
            match s.pop_random(&mut rng) {
                Some(m) => {
                    reply_member(&mut ctx.c.reply, m.as_member());
                    popped = Some(m.as_member().with_bytes(|b| b.to_vec()));
                }
                None => ctx.c.reply.null(),
            }
            s.is_empty()
        }
    };
    // Propagated as the SREM of what was drawn (Redis 7.0).
    if let Some(m) = popped {
        ctx.propagate_as(&[b"SREM", key, &m]);
    }
    let ks = &mut ctx.srv.ks;
    ks.notify(SET, "spop", db, key);
    if emptied {
        ks.delete(db, key);
        ks.notify(GENERIC, "del", db, key);
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
    let del = ctx.del_word();
    // The members drawn, for propagation as SREMs (Redis 7.0: one each).
    let mut popped: Option<Vec<Vec<u8>>> = ctx.srv.prop.enabled.then(Vec::new);
    let mut keep = |m: Member| {
        if let Some(p) = popped.as_mut() {
            p.push(m.with_bytes(|b| b.to_vec()));
        }
    };
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
        ks.notify(SET, "spop", db, key);
        ks.delete(db, key);
        ks.notify(GENERIC, "del", db, key);
        add_dirty(ks, size as usize);
        ctx.propagate_as(&[del, key]);
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
                keep(m);
            });
            s.retain_positions(|i| !gone[i]);
        } else {
            for _ in 0..count {
                if let Some(m) = s.pop_random(&mut rng) {
                    reply_member(&mut c.reply, m.as_member());
                    keep(m.as_member());
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
                let Some(m) = s.random_member(&mut rng).map(Member::owned) else {
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
            keep(m);
        }
        if let Some(set) = kept {
            *s = set;
        }
    }
    ks.notify(SET, "spop", db, key);
    ks.signal_modified(db, key);
    add_dirty(ks, count);
    for m in popped.unwrap_or_default() {
        ctx.propagate_as(&[b"SREM", key, &m]);
    }
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
    let emptied = s.is_empty();
    ks.notify(SET, "srem", db, src);
    if emptied {
        ks.delete(db, src);
        ks.notify(GENERIC, "del", db, src);
    } else {
        ks.signal_modified(db, src);
    }
    let added = match stored_set_mut(ks, db, dst) {
        Some(d) => d.add(m, &lim),
        None => {
            let mut d = SetValue::create(m, 1, &lim);
            d.add(m, &lim);
            ks.add(db, dst, Value::Set(d));
            true
        }
    };
    if added {
        ks.notify(SET, "sadd", db, dst);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;
    use std::collections::{BTreeSet, HashSet};

    const WRONGTYPE: &str =
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    const SYNTAX: &str = "-ERR syntax error\r\n";
    const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";

    fn check(h: &mut Harness, cases: &[(&[&str], &str)]) {
        for (argv, want) in cases {
            assert_eq!(h.run(argv), *want, "{argv:?}");
        }
    }

    fn bulks(tag: char, items: &[&str]) -> String {
        let mut s = format!("{tag}{}\r\n", items.len());
        for i in items {
            s.push_str(&format!("${}\r\n{i}\r\n", i.len()));
        }
        s
    }

    fn arr(items: &[&str]) -> String {
        bulks('*', items)
    }

    fn int(n: i64) -> String {
        format!(":{n}\r\n")
    }

    fn arity(name: &str) -> String {
        format!("-ERR wrong number of arguments for '{name}' command\r\n")
    }

    /// The bulk strings of an array reply, in order.
    fn elements(reply: &str) -> Vec<String> {
        let mut lines = reply.split("\r\n");
        let head = lines.next().unwrap_or("");
        assert!(head.starts_with('*') || head.starts_with('~'), "{reply}");
        let mut out = Vec::new();
        while let Some(l) = lines.next() {
            if l.starts_with('$') {
                out.push(lines.next().unwrap_or("").to_string());
            }
        }
        out
    }

    fn sorted(reply: &str) -> Vec<String> {
        let mut v = elements(reply);
        v.sort();
        v
    }

    fn svec(items: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    fn encoding(h: &mut Harness, key: &str) -> String {
        h.run(&["OBJECT", "ENCODING", key])
    }

    fn enc(e: &str) -> String {
        format!("${}\r\n{e}\r\n", e.len())
    }

    fn sadd(h: &mut Harness, key: &str, members: &[String]) {
        let mut argv: Vec<&str> = vec!["SADD", key];
        argv.extend(members.iter().map(String::as_str));
        h.run(&argv);
    }

    fn range(a: i64, b: i64) -> Vec<String> {
        (a..b).map(|i| i.to_string()).collect()
    }

    #[test]
    fn sadd_intset_in_order() {
        let mut h = Harness::new();
        check(
            &mut h,
            &[
                (&["SADD", "s", "3", "1", "2", "2"], &int(3)),
                (&["SADD", "s", "2", "4"], &int(1)),
                (&["SMEMBERS", "s"], &arr(&["1", "2", "3", "4"])),
                (&["SCARD", "s"], &int(4)),
                (&["TYPE", "s"], "+set\r\n"),
                (&["OBJECT", "ENCODING", "s"], &enc("intset")),
                (
                    &["SADD", "s", "-9223372036854775808", "9223372036854775807"],
                    &int(2),
                ),
                (
                    &["SMEMBERS", "s"],
                    &arr(&[
                        "-9223372036854775808",
                        "1",
                        "2",
                        "3",
                        "4",
                        "9223372036854775807",
                    ]),
                ),
                (&["SADD", "s"], &arity("sadd")),
            ],
        );
    }

    #[test]
    fn sadd_counts_changes_like_redis() {
        let mut h = Harness::new();
        let d0 = h.srv.ks.dirty;
        h.run(&["SADD", "s", "a", "b", "c", "a"]);
        assert_eq!(h.srv.ks.dirty - d0, 3);
        h.run(&["SADD", "s", "a"]);
        assert_eq!(h.srv.ks.dirty - d0, 3);
        h.run(&["SREM", "s", "a", "b", "x"]);
        assert_eq!(h.srv.ks.dirty - d0, 5);
        h.run(&["SREM", "s", "c"]);
        assert_eq!(h.srv.ks.dirty - d0, 6);
        assert_eq!(h.run(&["EXISTS", "s"]), int(0));
    }

    #[test]
    fn encodings_follow_redis_7_2() {
        let mut h = Harness::new();
        h.run(&["SADD", "i", "1", "2"]);
        assert_eq!(encoding(&mut h, "i"), enc("intset"));
        h.run(&["SADD", "i", "a"]);
        assert_eq!(encoding(&mut h, "i"), enc("listpack"));
        assert_eq!(h.run(&["SMEMBERS", "i"]), arr(&["1", "2", "a"]));
        // Not integers by string2ll: listpacks.
        for m in ["01", "-0", "+1", " 1", "1.0", "9223372036854775808", ""] {
            h.run(&["DEL", "n"]);
            h.run(&["SADD", "n", m]);
            assert_eq!(encoding(&mut h, "n"), enc("listpack"), "{m:?}");
        }
        // 512 integers: intset; the 513th: hashtable.
        sadd(&mut h, "big", &range(0, 512));
        assert_eq!(encoding(&mut h, "big"), enc("intset"));
        h.run(&["SADD", "big", "512"]);
        assert_eq!(encoding(&mut h, "big"), enc("hashtable"));
        // A new key with 513 integers starts as a hashtable.
        sadd(&mut h, "big2", &range(0, 513));
        assert_eq!(encoding(&mut h, "big2"), enc("hashtable"));
        // An SADD with more arguments than an intset holds converts first.
        h.run(&["SADD", "dup", "1"]);
        sadd(&mut h, "dup", &vec!["1".to_string(); 513]);
        assert_eq!(encoding(&mut h, "dup"), enc("hashtable"));
        // 127 integers + a string: listpack; 128 + a string: hashtable.
        sadd(&mut h, "c127", &range(0, 127));
        h.run(&["SADD", "c127", "x"]);
        assert_eq!(encoding(&mut h, "c127"), enc("listpack"));
        sadd(&mut h, "c128", &range(0, 128));
        h.run(&["SADD", "c128", "x"]);
        assert_eq!(encoding(&mut h, "c128"), enc("hashtable"));
        // Listpack limits: 128 entries, 64 bytes.
        let m: Vec<String> = (0..128).map(|i| format!("m{i}")).collect();
        sadd(&mut h, "lp", &m);
        assert_eq!(encoding(&mut h, "lp"), enc("listpack"));
        h.run(&["SADD", "lp", "m0"]);
        assert_eq!(encoding(&mut h, "lp"), enc("listpack"));
        h.run(&["SADD", "lp", "m128"]);
        assert_eq!(encoding(&mut h, "lp"), enc("hashtable"));
        h.run(&["SADD", "v", &"x".repeat(64)]);
        assert_eq!(encoding(&mut h, "v"), enc("listpack"));
        h.run(&["SADD", "v", &"y".repeat(65)]);
        assert_eq!(encoding(&mut h, "v"), enc("hashtable"));
        h.run(&["SADD", "v2", &"y".repeat(65)]);
        assert_eq!(encoding(&mut h, "v2"), enc("hashtable"));
        // The configuration is read at each command.
        h.srv.config.set_max_intset_entries = 4;
        h.run(&["SADD", "five", "1", "2", "3", "4", "5"]);
        assert_eq!(encoding(&mut h, "five"), enc("listpack"));
        h.run(&["SADD", "four", "1", "2", "3", "4"]);
        assert_eq!(encoding(&mut h, "four"), enc("intset"));
        h.run(&["SADD", "four", "5"]);
        assert_eq!(encoding(&mut h, "four"), enc("hashtable"));
    }

    #[test]
    fn srem_scard_sismember_smismember() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "1", "2", "3"]);
        h.run(&["SADD", "l", "a", "b"]);
        h.run(&["SET", "str", "v"]);
        check(
            &mut h,
            &[
                (&["SREM", "nokey", "a"], &int(0)),
                (&["SREM", "s", "4", "01"], &int(0)),
                (&["SREM", "s", "1", "1", "4"], &int(1)),
                (&["SMEMBERS", "s"], &arr(&["2", "3"])),
                (&["SREM", "s", "2", "3", "5"], &int(2)),
                (&["EXISTS", "s"], &int(0)),
                (&["SREM", "l", "a", "b", "c"], &int(2)),
                (&["EXISTS", "l"], &int(0)),
                (&["SADD", "s", "1", "2", "x"], &int(3)),
                (&["SCARD", "s"], &int(3)),
                (&["SCARD", "nokey"], &int(0)),
                (&["SISMEMBER", "s", "1"], &int(1)),
                (&["SISMEMBER", "s", "x"], &int(1)),
                (&["SISMEMBER", "s", "01"], &int(0)),
                (&["SISMEMBER", "nokey", "1"], &int(0)),
                (
                    &["SMISMEMBER", "s", "1", "y", "x"],
                    "*3\r\n:1\r\n:0\r\n:1\r\n",
                ),
                (&["SMISMEMBER", "nokey", "1", "2"], "*2\r\n:0\r\n:0\r\n"),
                (&["SREM", "str", "v"], WRONGTYPE),
                (&["SCARD", "str"], WRONGTYPE),
                (&["SISMEMBER", "str", "v"], WRONGTYPE),
                (&["SMISMEMBER", "str", "v"], WRONGTYPE),
                (&["SMEMBERS", "str"], WRONGTYPE),
                (&["SADD", "str", "v"], WRONGTYPE),
                (&["GET", "str"], "$1\r\nv\r\n"),
                (&["SMEMBERS", "nokey"], "*0\r\n"),
                (&["SREM", "s"], &arity("srem")),
                (&["SCARD"], &arity("scard")),
                (&["SISMEMBER", "s"], &arity("sismember")),
                (&["SMISMEMBER", "s"], &arity("smismember")),
                (&["SMEMBERS", "s", "t"], &arity("smembers")),
            ],
        );
    }

    #[test]
    fn binary_members() {
        let mut h = Harness::new();
        let argv: &[&[u8]] = &[b"SADD", b"b", b"a\0b", b"\xff", b"", b"a"];
        assert_eq!(h.run_bytes(argv), b":4\r\n");
        assert_eq!(h.run_bytes(&[b"SISMEMBER", b"b", b"a\0b"]), b":1\r\n");
        assert_eq!(h.run_bytes(&[b"SISMEMBER", b"b", b"a\0"]), b":0\r\n");
        assert_eq!(h.run_bytes(&[b"SISMEMBER", b"b", b""]), b":1\r\n");
        assert_eq!(
            h.run_bytes(&[b"SMEMBERS", b"b"]),
            b"*4\r\n$3\r\na\0b\r\n$1\r\n\xff\r\n$0\r\n\r\n$1\r\na\r\n"
        );
    }

    #[test]
    fn srandmember_forms() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "3", "1", "2"]);
        h.run(&["SADD", "l", "a", "b", "c", "d", "e"]);
        h.run(&["SET", "str", "v"]);
        check(
            &mut h,
            &[
                (&["SRANDMEMBER", "nokey"], "$-1\r\n"),
                (&["SRANDMEMBER", "nokey", "5"], "*0\r\n"),
                (&["SRANDMEMBER", "nokey", "-5"], "*0\r\n"),
                (&["SRANDMEMBER", "s", "0"], "*0\r\n"),
                (&["SRANDMEMBER", "str"], WRONGTYPE),
                (&["SRANDMEMBER", "str", "2"], WRONGTYPE),
                (&["SRANDMEMBER", "str", "x"], NOT_INT),
                (&["SRANDMEMBER", "s", "x"], NOT_INT),
                (&["SRANDMEMBER", "s", "-0"], NOT_INT),
                (&["SRANDMEMBER", "s", "9223372036854775808"], NOT_INT),
                (
                    &["SRANDMEMBER", "s", "-9223372036854775808"],
                    "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
                ),
                (&["SRANDMEMBER", "s", "1", "2"], SYNTAX),
                (&["SRANDMEMBER"], &arity("srandmember")),
                // The whole set, in the set's order.
                (&["SRANDMEMBER", "s", "3"], &arr(&["1", "2", "3"])),
                (
                    &["SRANDMEMBER", "s", "9223372036854775807"],
                    &arr(&["1", "2", "3"]),
                ),
            ],
        );
        let all: HashSet<&str> = ["1", "2", "3"].into_iter().collect();
        for _ in 0..20 {
            let one = h.run(&["SRANDMEMBER", "s"]);
            assert!(all.contains(one.split("\r\n").nth(1).unwrap_or("")));
            let two = elements(&h.run(&["SRANDMEMBER", "s", "2"]));
            assert_eq!(two.len(), 2);
            assert_ne!(two[0], two[1]);
            let many = elements(&h.run(&["SRANDMEMBER", "s", "-10"]));
            assert_eq!(many.len(), 10);
            assert!(many.iter().all(|m| all.contains(m.as_str())));
            let l = elements(&h.run(&["SRANDMEMBER", "l", "3"]));
            assert_eq!(l.iter().collect::<BTreeSet<_>>().len(), 3);
        }
        // Hashtables, in both sampling strategies.
        sadd(&mut h, "h", &range(0, 1000));
        for count in ["5", "100", "400", "999"] {
            let got = elements(&h.run(&["SRANDMEMBER", "h", count]));
            assert_eq!(got.len().to_string(), count);
            assert_eq!(got.iter().collect::<HashSet<_>>().len(), got.len());
        }
        assert_eq!(sorted(&h.run(&["SRANDMEMBER", "h", "5000"])).len(), 1000);
        assert_eq!(elements(&h.run(&["SRANDMEMBER", "h", "-5000"])).len(), 5000);
        // RESP3: arrays, and `_` for a missing key.
        h.c.reply.resp3 = true;
        check(
            &mut h,
            &[
                (&["SRANDMEMBER", "nokey"], "_\r\n"),
                (&["SRANDMEMBER", "nokey", "1"], "*0\r\n"),
                (&["SRANDMEMBER", "s", "5"], &arr(&["1", "2", "3"])),
            ],
        );
    }

    #[test]
    fn random_draws_stop_at_the_reply_limit() {
        let lim = SetLimits::default();
        let mut s = SetValue::new_intset();
        s.add(b"7", &lim);
        let mut rng = || 1u64;
        let mut out = ReplyBuf::new();
        assert!(reply_draws(&mut out, &s, 3, &mut rng, 1000));
        assert_eq!(out.buf, b"*3\r\n$1\r\n7\r\n$1\r\n7\r\n$1\r\n7\r\n");
        let mut out = ReplyBuf::new();
        assert!(!reply_draws(&mut out, &s, u64::MAX, &mut rng, 100));
        assert!(out.len() < 200);
    }

    #[test]
    fn spop_forms() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "v"]);
        h.run(&["SADD", "s", "1", "2", "3"]);
        check(
            &mut h,
            &[
                (&["SPOP", "nokey"], "$-1\r\n"),
                (&["SPOP", "nokey", "0"], "*0\r\n"),
                (&["SPOP", "nokey", "3"], "*0\r\n"),
                (&["SPOP", "str"], WRONGTYPE),
                (&["SPOP", "str", "1"], WRONGTYPE),
                (
                    &["SPOP", "str", "-1"],
                    "-ERR value is out of range, must be positive\r\n",
                ),
                (
                    &["SPOP", "s", "x"],
                    "-ERR value is out of range, must be positive\r\n",
                ),
                (&["SPOP", "s", "1", "2"], SYNTAX),
                (&["SPOP", "s", "0"], "*0\r\n"),
                (&["SPOP"], &arity("spop")),
                (&["SCARD", "s"], &int(3)),
                // Everything: in the order of a union (an intset: sorted).
                (&["SPOP", "s", "3"], &arr(&["1", "2", "3"])),
                (&["EXISTS", "s"], &int(0)),
                (&["SADD", "one", "x"], &int(1)),
                (&["SPOP", "one"], "$1\r\nx\r\n"),
                (&["EXISTS", "one"], &int(0)),
            ],
        );
        // A listpack with integers out of order: the union sorts them first.
        h.run(&["SADD", "u", "x", "2", "1"]);
        h.run(&["SREM", "u", "x"]);
        assert_eq!(h.run(&["SMEMBERS", "u"]), arr(&["2", "1"]));
        assert_eq!(h.run(&["SPOP", "u", "10"]), arr(&["1", "2"]));
        // Every strategy, every encoding: the popped and the rest partition the set.
        for (key, members) in [
            ("i", range(0, 10)),
            ("l", (0..50).map(|i| format!("e{i}")).collect()),
            ("h", (0..300).map(|i| format!("e{i}")).collect()),
            ("hi", range(0, 600)),
        ] {
            for count in [1usize, 3, members.len() / 2, members.len() - 2] {
                h.run(&["DEL", key]);
                sadd(&mut h, key, &members);
                let n = count.to_string();
                let popped = elements(&h.run(&["SPOP", key, &n]));
                assert_eq!(popped.len(), count);
                let rest = sorted(&h.run(&["SMEMBERS", key]));
                assert_eq!(rest.len(), members.len() - count);
                let mut all: Vec<String> = popped.iter().chain(&rest).cloned().collect();
                all.sort();
                all.dedup();
                assert_eq!(
                    all,
                    svec(&members.iter().map(String::as_str).collect::<Vec<_>>())
                );
            }
        }
        // Most of a hashtable popped: the rest is rebuilt as a listpack (7.2).
        sadd(&mut h, "p", &range(0, 600));
        h.run(&["SPOP", "p", "590"]);
        assert_eq!(encoding(&mut h, "p"), enc("listpack"));
        sadd(&mut h, "p2", &range(0, 500));
        h.run(&["SPOP", "p2", "450"]);
        assert_eq!(encoding(&mut h, "p2"), enc("intset"));
        assert_eq!(h.run(&["SCARD", "p2"]), int(50));
        // The dirty counter counts popped members.
        let d0 = h.srv.ks.dirty;
        h.run(&["SPOP", "p2", "3"]);
        assert_eq!(h.srv.ks.dirty - d0, 3);
        h.run(&["SPOP", "p2", "100"]);
        assert_eq!(h.srv.ks.dirty - d0, 50);
        h.c.reply.resp3 = true;
        h.run(&["SADD", "r", "1", "2", "3"]);
        check(
            &mut h,
            &[
                (&["SPOP", "nokey"], "_\r\n"),
                (&["SPOP", "nokey", "2"], "~0\r\n"),
                (&["SPOP", "r", "0"], "~0\r\n"),
                (&["SPOP", "r", "5"], &bulks('~', &["1", "2", "3"])),
            ],
        );
        h.run(&["SADD", "r", "1", "2", "3"]);
        assert!(h.run(&["SPOP", "r", "2"]).starts_with("~2\r\n"));
    }

    #[test]
    fn smove_paths() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "v"]);
        h.run(&["SADD", "a", "1", "2", "3"]);
        check(
            &mut h,
            &[
                (&["SMOVE", "nokey", "d", "1"], &int(0)),
                (&["SMOVE", "nokey", "str", "1"], &int(0)),
                (&["SMOVE", "str", "d", "1"], WRONGTYPE),
                (&["SMOVE", "a", "str", "1"], WRONGTYPE),
                (&["SMOVE", "a", "d", "9"], &int(0)),
                (&["EXISTS", "d"], &int(0)),
                (&["SMOVE", "a", "a", "1"], &int(1)),
                (&["SMOVE", "a", "a", "9"], &int(0)),
                (&["SMOVE", "a", "d", "1"], &int(1)),
                (&["SMEMBERS", "a"], &arr(&["2", "3"])),
                (&["SMEMBERS", "d"], &arr(&["1"])),
                (&["OBJECT", "ENCODING", "d"], &enc("intset")),
                (&["SMOVE", "a", "d", "2"], &int(1)),
                (&["SMOVE", "a", "d", "3"], &int(1)),
                (&["EXISTS", "a"], &int(0)),
                (&["SMEMBERS", "d"], &arr(&["1", "2", "3"])),
                (&["SADD", "b", "x", "1"], &int(2)),
                (&["SMOVE", "b", "d", "x"], &int(1)),
                (&["OBJECT", "ENCODING", "d"], &enc("listpack")),
                (&["SMEMBERS", "d"], &arr(&["1", "2", "3", "x"])),
                (&["SMOVE", "b", "d", "1"], &int(1)),
                (&["EXISTS", "b"], &int(0)),
                (&["SADD", "c", "y", "z"], &int(2)),
                (&["SMOVE", "c", "new", "y"], &int(1)),
                (&["OBJECT", "ENCODING", "new"], &enc("listpack")),
                (&["SMOVE", "a"], &arity("smove")),
            ],
        );
        // new = {y}, c = {z}.
        let d0 = h.srv.ks.dirty;
        h.run(&["SADD", "e", "y"]);
        h.run(&["SMOVE", "c", "e", "z"]);
        h.run(&["SMOVE", "new", "e", "y"]);
        h.run(&["SMOVE", "e", "new", "nope"]);
        // SADD 1, a real move 2, a move into a set that has the member 1.
        assert_eq!(h.srv.ks.dirty - d0, 1 + 2 + 1);
        assert_eq!(h.run(&["SMEMBERS", "e"]), arr(&["y", "z"]));
    }

    #[test]
    fn sinter_family() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "v"]);
        h.run(&["SADD", "a", "1", "2", "3", "4", "5"]);
        h.run(&["SADD", "b", "4", "5", "6", "7"]);
        h.run(&["SADD", "c", "5", "4", "x"]);
        check(
            &mut h,
            &[
                (&["SINTER", "a"], &arr(&["1", "2", "3", "4", "5"])),
                (&["SINTER", "a", "b"], &arr(&["4", "5"])),
                (&["SINTER", "a", "a"], &arr(&["1", "2", "3", "4", "5"])),
                (&["SINTER", "a", "nokey"], "*0\r\n"),
                (&["SINTER", "nokey", "str"], WRONGTYPE),
                (&["SINTER", "str", "nokey"], WRONGTYPE),
                // The smallest set leads: c's (listpack) order.
                (&["SINTER", "a", "b", "c"], &arr(&["4", "5"])),
                (&["SMEMBERS", "c"], &arr(&["4", "5", "x"])),
                (&["SINTERSTORE", "d", "a", "b"], &int(2)),
                (&["SMEMBERS", "d"], &arr(&["4", "5"])),
                (&["OBJECT", "ENCODING", "d"], &enc("intset")),
                // From a listpack, all integers: an intset in the end.
                (&["SINTERSTORE", "d", "c", "a"], &int(2)),
                (&["OBJECT", "ENCODING", "d"], &enc("intset")),
                (&["SMEMBERS", "d"], &arr(&["4", "5"])),
                (&["SINTERSTORE", "d", "c", "c"], &int(3)),
                (&["OBJECT", "ENCODING", "d"], &enc("listpack")),
                (&["SMEMBERS", "d"], &arr(&["4", "5", "x"])),
                (&["SINTERSTORE", "d", "a", "nokey"], &int(0)),
                (&["EXISTS", "d"], &int(0)),
                (&["SINTERSTORE", "d", "a", "str"], WRONGTYPE),
                (&["SINTERSTORE", "str", "a", "b"], &int(2)),
                (&["TYPE", "str"], "+set\r\n"),
                (&["SET", "str", "v", "EX", "100"], "+OK\r\n"),
                (&["SINTERSTORE", "str", "a", "b"], &int(2)),
                (&["TTL", "str"], &int(-1)),
                (&["SET", "str", "v"], "+OK\r\n"),
                (&["SINTERCARD", "1", "a"], &int(5)),
                (&["SINTERCARD", "2", "a", "b"], &int(2)),
                (&["SINTERCARD", "2", "a", "b", "LIMIT", "0"], &int(2)),
                (&["SINTERCARD", "2", "a", "b", "limit", "1"], &int(1)),
                (
                    &["SINTERCARD", "2", "a", "b", "LIMIT", "1", "LIMIT", "9"],
                    &int(2),
                ),
                (&["SINTERCARD", "2", "a", "nokey"], &int(0)),
                (&["SINTERCARD", "2", "a", "str"], WRONGTYPE),
                (
                    &["SINTERCARD", "0", "a"],
                    "-ERR numkeys should be greater than 0\r\n",
                ),
                (
                    &["SINTERCARD", "x", "a"],
                    "-ERR numkeys should be greater than 0\r\n",
                ),
                (
                    &["SINTERCARD", "2", "a"],
                    "-ERR Number of keys can't be greater than number of args\r\n",
                ),
                (
                    &["SINTERCARD", "9223372036854775807", "a"],
                    "-ERR Number of keys can't be greater than number of args\r\n",
                ),
                (&["SINTERCARD", "1", "a", "LIMIT"], SYNTAX),
                (&["SINTERCARD", "1", "a", "b"], SYNTAX),
                (
                    &["SINTERCARD", "1", "a", "LIMIT", "-1"],
                    "-ERR LIMIT can't be negative\r\n",
                ),
                (
                    &["SINTERCARD", "1", "a", "LIMIT", "x"],
                    "-ERR LIMIT can't be negative\r\n",
                ),
                (
                    &["SINTERCARD", "1", "str", "LIMIT", "-1"],
                    "-ERR LIMIT can't be negative\r\n",
                ),
                (&["SINTER"], &arity("sinter")),
                (&["SINTERSTORE", "d"], &arity("sinterstore")),
                (&["SINTERCARD", "1"], &arity("sintercard")),
            ],
        );
        // Hashtable inputs: a listpack result, or an intset if all integers.
        sadd(&mut h, "h1", &range(0, 600));
        sadd(&mut h, "h2", &range(300, 900));
        assert_eq!(h.run(&["SINTERSTORE", "d", "h1", "h2"]), int(300));
        assert_eq!(encoding(&mut h, "d"), enc("intset"));
        assert_eq!(h.run(&["SINTERSTORE", "d", "h1", "h1"]), int(600));
        assert_eq!(encoding(&mut h, "d"), enc("hashtable"));
        let mut hs = range(0, 200);
        hs.push("x".into());
        sadd(&mut h, "hs", &hs);
        assert_eq!(h.run(&["SINTERSTORE", "d", "hs", "h1"]), int(200));
        assert_eq!(encoding(&mut h, "d"), enc("intset"));
        assert_eq!(h.run(&["SINTERSTORE", "d", "hs", "hs"]), int(201));
        assert_eq!(encoding(&mut h, "d"), enc("hashtable"));
        h.c.reply.resp3 = true;
        check(
            &mut h,
            &[
                (&["SINTER", "a", "b"], &bulks('~', &["4", "5"])),
                (&["SINTER", "a", "nokey"], "~0\r\n"),
                (&["SMEMBERS", "nokey"], "~0\r\n"),
                (&["SMEMBERS", "a"], &bulks('~', &["1", "2", "3", "4", "5"])),
            ],
        );
    }

    #[test]
    fn sunion_sdiff_family() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "v"]);
        h.run(&["SADD", "a", "5", "1", "3"]);
        h.run(&["SADD", "b", "2", "3", "4"]);
        h.run(&["SADD", "c", "y", "1", "x"]);
        check(
            &mut h,
            &[
                (&["SUNION", "a"], &arr(&["1", "3", "5"])),
                (
                    &["SUNION", "a", "b", "nokey"],
                    &arr(&["1", "2", "3", "4", "5"]),
                ),
                (&["SUNION", "nokey"], "*0\r\n"),
                (&["SUNION", "a", "str"], WRONGTYPE),
                (&["SUNION", "nokey", "str"], WRONGTYPE),
                // Built from an empty intset: integers sorted until a string
                // turns it into a listpack, then in arrival order.
                (&["SUNION", "a", "c"], &arr(&["1", "3", "5", "y", "x"])),
                (&["SUNION", "c", "a"], &arr(&["y", "1", "x", "3", "5"])),
                (&["SUNIONSTORE", "d", "a", "b"], &int(5)),
                (&["OBJECT", "ENCODING", "d"], &enc("intset")),
                (&["SUNIONSTORE", "d", "a", "c"], &int(5)),
                (&["OBJECT", "ENCODING", "d"], &enc("listpack")),
                (&["SUNIONSTORE", "d", "nokey"], &int(0)),
                (&["EXISTS", "d"], &int(0)),
                (&["SUNIONSTORE", "d", "a", "str"], WRONGTYPE),
                (&["SUNIONSTORE", "a", "a", "b"], &int(5)),
                (&["SMEMBERS", "a"], &arr(&["1", "2", "3", "4", "5"])),
                (&["SDIFF", "a"], &arr(&["1", "2", "3", "4", "5"])),
                (&["SDIFF", "a", "b"], &arr(&["1", "5"])),
                (&["SDIFF", "a", "b", "c"], &arr(&["5"])),
                (&["SDIFF", "a", "nokey"], &arr(&["1", "2", "3", "4", "5"])),
                (&["SDIFF", "nokey", "a"], "*0\r\n"),
                (&["SDIFF", "a", "a"], "*0\r\n"),
                (&["SDIFF", "a", "b", "a"], "*0\r\n"),
                (&["SDIFF", "a", "str"], WRONGTYPE),
                (&["SDIFF", "c", "a"], &arr(&["y", "x"])),
                (&["SDIFFSTORE", "d", "a", "b"], &int(2)),
                (&["SMEMBERS", "d"], &arr(&["1", "5"])),
                (&["SDIFFSTORE", "d", "c", "a"], &int(2)),
                (&["OBJECT", "ENCODING", "d"], &enc("listpack")),
                (&["SDIFFSTORE", "d", "a", "a"], &int(0)),
                (&["EXISTS", "d"], &int(0)),
                (&["SDIFFSTORE", "str", "a", "b"], &int(2)),
                (&["TYPE", "str"], "+set\r\n"),
                (&["SUNION"], &arity("sunion")),
                (&["SUNIONSTORE", "d"], &arity("sunionstore")),
                (&["SDIFF"], &arity("sdiff")),
                (&["SDIFFSTORE", "d"], &arity("sdiffstore")),
            ],
        );
        // The algorithm decides the stored encoding: walking the first set
        // keeps only the survivors (a listpack here), copying it first grows
        // a hashtable that removals do not shrink back.
        let mut big = range(0, 300);
        big.push("x".into());
        sadd(&mut h, "big", &big);
        sadd(&mut h, "big2", &range(0, 290));
        assert_eq!(h.run(&["SDIFFSTORE", "d", "big", "big2"]), int(11));
        assert_eq!(encoding(&mut h, "d"), enc("listpack"));
        h.run(&["SADD", "t", "1"]);
        assert_eq!(
            h.run(&["SDIFFSTORE", "d", "big", "t", "t", "t", "t"]),
            int(300)
        );
        assert_eq!(encoding(&mut h, "d"), enc("hashtable"));
        h.c.reply.resp3 = true;
        check(
            &mut h,
            &[
                (&["SUNION", "nokey"], "~0\r\n"),
                (&["SDIFF", "t"], &bulks('~', &["1"])),
            ],
        );
    }

    #[test]
    fn sscan_forms() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "v"]);
        h.run(&["SADD", "s", "3", "1", "2", "10", "20"]);
        let scan = |cursor: &str, items: &[&str]| {
            format!("*2\r\n${}\r\n{cursor}\r\n{}", cursor.len(), arr(items))
        };
        check(
            &mut h,
            &[
                (&["SSCAN", "nokey", "0"], &scan("0", &[])),
                (&["SSCAN", "nokey", "x"], "-ERR invalid cursor\r\n"),
                (&["SSCAN", "nokey", "0", "COUNT", "0"], &scan("0", &[])),
                (&["SSCAN", "str", "0"], WRONGTYPE),
                (&["SSCAN", "str", "x"], "-ERR invalid cursor\r\n"),
                (&["SSCAN", "str", "0", "COUNT", "0"], WRONGTYPE),
                (
                    &["SSCAN", "s", "0"],
                    &scan("0", &["1", "2", "3", "10", "20"]),
                ),
                (
                    &["SSCAN", "s", "77"],
                    &scan("0", &["1", "2", "3", "10", "20"]),
                ),
                (
                    &["SSCAN", "s", "0", "MATCH", "1*"],
                    &scan("0", &["1", "10"]),
                ),
                (
                    &["SSCAN", "s", "0", "match", "*0", "count", "1"],
                    &scan("0", &["10", "20"]),
                ),
                (
                    &["SSCAN", "s", "0", "MATCH", "*"],
                    &scan("0", &["1", "2", "3", "10", "20"]),
                ),
                (
                    &["SSCAN", "s", "0", "COUNT", "1", "MATCH", "a", "MATCH", "2*"],
                    &scan("0", &["2", "20"]),
                ),
                (&["SSCAN", "s", "0", "COUNT", "0"], SYNTAX),
                (&["SSCAN", "s", "0", "COUNT", "-1"], SYNTAX),
                (&["SSCAN", "s", "0", "COUNT", "x"], NOT_INT),
                (&["SSCAN", "s", "0", "COUNT"], SYNTAX),
                (&["SSCAN", "s", "0", "TYPE", "set"], SYNTAX),
                // strtoul rules: "-1" wraps around.
                (
                    &["SSCAN", "s", "-1"],
                    &scan("0", &["1", "2", "3", "10", "20"]),
                ),
                (
                    &["SSCAN", "s", "18446744073709551616"],
                    "-ERR invalid cursor\r\n",
                ),
                (&["SSCAN", "s"], &arity("sscan")),
            ],
        );
        // A hashtable, page by page: every member at least once.
        let members: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
        sadd(&mut h, "h", &members);
        let mut seen = BTreeSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let reply = h.run(&["SSCAN", "h", &cursor, "COUNT", "20"]);
            let mut lines = reply.split("\r\n");
            cursor = lines.nth(2).unwrap_or("0").to_string();
            let rest: Vec<&str> = lines.collect();
            let page = elements(&rest.join("\r\n"));
            assert!(page.len() < 100);
            seen.extend(page);
            calls += 1;
            if cursor == "0" {
                break;
            }
        }
        assert!(calls > 10);
        assert_eq!(seen.len(), 1000);
        let all = h.run(&["SSCAN", "h", "0", "COUNT", "5000", "MATCH", "m99*"]);
        assert!(all.starts_with("*2\r\n$1\r\n0\r\n*11\r\n"), "{all}");
    }

    #[test]
    fn stale_keys_are_missing() {
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        h.run(&["SADD", "s", "1", "2"]);
        h.run(&["PEXPIRE", "s", "10"]);
        h.now = Some(1_000_020);
        check(
            &mut h,
            &[
                (&["SCARD", "s"], &int(0)),
                (&["SADD", "s", "3"], &int(1)),
                (&["SMEMBERS", "s"], &arr(&["3"])),
                (&["TTL", "s"], &int(-1)),
            ],
        );
    }

    /// Random command lines (good and bad arguments, small thresholds so
    /// every conversion happens): no panic, a reply every time, and each
    /// set's SCARD matches its SMEMBERS.
    #[test]
    fn random_commands_never_panic() {
        let mut h = Harness::new();
        h.srv.config.set_max_intset_entries = 5;
        h.srv.config.set_max_listpack_entries = 4;
        h.srv.config.set_max_listpack_value = 3;
        let cmds = [
            "SADD",
            "SREM",
            "SCARD",
            "SISMEMBER",
            "SMISMEMBER",
            "SMEMBERS",
            "SRANDMEMBER",
            "SPOP",
            "SMOVE",
            "SINTER",
            "SINTERCARD",
            "SINTERSTORE",
            "SUNION",
            "SUNIONSTORE",
            "SDIFF",
            "SDIFFSTORE",
            "SSCAN",
        ];
        let args = [
            "k1",
            "k2",
            "k3",
            "str",
            "0",
            "1",
            "2",
            "-1",
            "3",
            "7",
            "70000",
            "abcd",
            "a",
            "b",
            "LIMIT",
            "COUNT",
            "MATCH",
            "*",
            "-3",
            "9223372036854775807",
            "-9223372036854775808",
            "01",
            "",
        ];
        h.run(&["SET", "str", "v"]);
        let mut state = 12345u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..20_000 {
            let mut argv = vec![cmds[next(cmds.len())]];
            for _ in 0..next(6) {
                argv.push(args[next(args.len())]);
            }
            assert!(!h.run(&argv).is_empty(), "{argv:?}");
            for k in ["k1", "k2", "k3"] {
                let card = h.run(&["SCARD", k]);
                let n = elements(&h.run(&["SMEMBERS", k])).len();
                assert_eq!(card, int(n as i64), "{argv:?}");
            }
        }
    }
}
