//! SORT and SORT_RO (Redis 7.2 semantics and replies): sorting the elements
//! of a list, set or sorted set numerically or bytewise (ALPHA), by their
//! own value or by weights read from other keys (BY), with LIMIT, GET
//! patterns and STORE.
//!
//! Follows Redis's sortCommandGeneric step by step: options are parsed
//! first (a syntax error beats WRONGTYPE), `BY` with a pattern lacking `*`
//! skips sorting (lists and sorted sets then keep their own order, honoring
//! DESC and LIMIT; a set keeps its iteration order, unless STOREd or
//! sorted from a script, when it is sorted ALPHA for determinism), ties in numeric order are broken by
//! comparing the elements' bytes, and a sorted set is converted to its big
//! encoding as Redis's zsetConvert does. ALPHA compares bytes (Redis's
//! strcoll under the C locale).

use super::{Cmd, Ctx, flags::*};
use crate::db::Keyspace;
use crate::db::notify::{GENERIC, LIST};
use crate::error;
use crate::types::Value;
use crate::types::list::ListValue;
use crate::util::num;
use std::cmp::Ordering;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("sort", -2, WRITE | DENYOOM, sort).keys(1, 1, 1),
    Cmd::new("sort_ro", -2, READONLY, sort_ro).keys(1, 1, 1),
];

const SCORE_ERROR: &str = "ERR One or more scores can't be converted into double";

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
/// [ALPHA] [STORE destination]
fn sort(ctx: &mut Ctx, argv: &[&[u8]]) {
    sort_generic(ctx, argv, false);
}

/// SORT_RO: SORT without STORE.
fn sort_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    sort_generic(ctx, argv, true);
}

/// A C string's view of an argument: the bytes before the first NUL.
fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}

/// True if option word `arg` is `name` (lower case), as Redis's strcasecmp
/// sees it: ASCII case-insensitive, up to the first NUL.
fn opt_is(arg: &[u8], name: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(name.as_bytes())
}

/// The parsed options.
struct Opts<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    by: Option<&'a [u8]>,
    dontsort: bool,
    gets: Vec<&'a [u8]>,
    store: Option<&'a [u8]>,
}

/// Parses the options from argv[2]; replies with the error and returns None
/// on a bad one.
fn parse<'a>(ctx: &mut Ctx, argv: &[&'a [u8]], readonly: bool) -> Option<Opts<'a>> {
    let mut o = Opts {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        by: None,
        dontsort: false,
        gets: Vec::new(),
        store: None,
    };
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv[j];
        if opt_is(a, "asc") {
            o.desc = false;
        } else if opt_is(a, "desc") {
            o.desc = true;
        } else if opt_is(a, "alpha") {
            o.alpha = true;
        } else if opt_is(a, "limit") && left >= 2 {
            o.limit_start = super::arg_i64(ctx, argv[j + 1])?;
            o.limit_count = super::arg_i64(ctx, argv[j + 2])?;
            j += 2;
        } else if !readonly && opt_is(a, "store") && left >= 1 {
            o.store = Some(argv[j + 1]);
            j += 1;
        } else if opt_is(a, "by") && left >= 1 {
            o.by = Some(argv[j + 1]);
            // Without a `*` there is nothing to look up: don't sort.
            if !c_str(argv[j + 1]).contains(&b'*') {
                o.dontsort = true;
            } else if !crate::acl::full_key_access(ctx.srv, ctx.c) {
                ctx.c.reply.error(error::SORT_BY_NOPERM);
                return None;
            }
            j += 1;
        } else if opt_is(a, "get") && left >= 1 {
            if !crate::acl::full_key_access(ctx.srv, ctx.c) {
                ctx.c.reply.error(error::SORT_GET_NOPERM);
                return None;
            }
            o.gets.push(argv[j + 1]);
            j += 1;
        } else {
            ctx.c.reply.error(error::SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// Redis's lookupKeyByPattern: `#` is the element itself; otherwise the
/// first `*` is replaced by the element to name a string key, or, with a
/// `->field` suffix, a hash field. None when the pattern has no `*`, the
/// key is missing or holds another type, or the field is missing.
fn lookup_by_pattern(
    ks: &mut Keyspace,
    db: usize,
    now: i64,
    pat: &[u8],
    subst: &[u8],
) -> Option<Vec<u8>> {
    let cpat = c_str(pat);
    if cpat == b"#" {
        return Some(subst.to_vec());
    }
    let star = cpat.iter().position(|&c| c == b'*')?;
    // A hash dereference: "->" after the `*`, followed by a non-empty field.
    let arrow = cpat[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < cpat.len());
    let (postfix_end, field) = match arrow {
        Some(f) => (f, Some(&pat[f + 2..])),
        None => (pat.len(), None),
    };
    let mut key = Vec::with_capacity(star + subst.len() + postfix_end - star - 1);
    key.extend_from_slice(&pat[..star]);
    key.extend_from_slice(subst);
    key.extend_from_slice(&pat[star + 1..postfix_end]);
    match (ks.lookup_read(db, &key, now)?, field) {
        (Value::Hash(h), Some(f)) => h.get(f).map(|v| v.to_vec()),
        (Value::Str(s), None) => Some(s.to_vec()),
        _ => None,
    }
}

/// A weight as SORT reads it: C `strtod` over the whole C string (leading
/// whitespace allowed, an empty string is 0), refusing NaN and results out
/// of range (glibc's ERANGE, which subnormal results raise too).
fn parse_score(b: &[u8]) -> Option<f64> {
    let s = c_str(b);
    let skip = s
        .iter()
        .take_while(|&&c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let t = &s[skip..];
    if t.is_empty() {
        // Nothing converted: `end` stays at the start of the string.
        return if s.is_empty() { Some(0.0) } else { None };
    }
    let v = num::parse_f64(t)?;
    if v != 0.0 && v.abs() < f64::MIN_POSITIVE {
        return None;
    }
    Some(v)
}

/// One element being sorted and its sort key.
struct Item {
    obj: Vec<u8>,
    score: f64,
    /// ALPHA with BY: the looked-up value, None when missing.
    cmp: Option<Vec<u8>>,
}

impl Item {
    fn new(obj: Vec<u8>) -> Item {
        Item {
            obj,
            score: 0.0,
            cmp: None,
        }
    }
}

/// Redis's sortCompare.
fn compare(a: &Item, b: &Item, alpha: bool, by: bool, desc: bool) -> Ordering {
    let c = if !alpha {
        match a.score.partial_cmp(&b.score) {
            Some(Ordering::Equal) | None => a.obj.cmp(&b.obj),
            Some(o) => o,
        }
    } else if by {
        match (&a.cmp, &b.cmp) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y),
        }
    } else {
        a.obj.cmp(&b.obj)
    };
    if desc { c.reverse() } else { c }
}

fn sort_generic(ctx: &mut Ctx, argv: &[&[u8]], readonly: bool) {
    let Some(mut o) = parse(ctx, argv, readonly) else {
        return;
    };
    let (db, now) = (ctx.c.db, ctx.now);
    let key = argv[1];
    let ks = &mut ctx.srv.ks;

    enum Kind {
        List,
        Set,
        ZSet,
    }
    let kind = match ks.lookup_read(db, key, now) {
        None | Some(Value::List(_)) => Kind::List,
        Some(Value::Set(_)) => Kind::Set,
        Some(Value::ZSet(_)) => Kind::ZSet,
        Some(_) => return ctx.c.reply.error(error::WRONGTYPE),
    };
    // Sorting a set without sorting: STORE, or a call from a script, sorts
    // it ALPHA so the result does not depend on the set's internal order.
    let in_script = ctx.srv.scripts.run.is_some();
    if o.dontsort && matches!(kind, Kind::Set) && (o.store.is_some() || in_script) {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    // Redis converts a sorted set to its big encoding for SORT.
    if let Some(Value::ZSet(z)) = ks.dbs[db].main.get_mut(key) {
        z.to_skiplist();
    }
    let value = ks.get_live(db, key);
    let vlen = match value {
        Some(Value::List(l)) => l.len(),
        Some(Value::Set(s)) => s.len(),
        Some(Value::ZSet(z)) => z.len(),
        _ => 0,
    } as i64;

    // LIMIT sanity checking, clamped to the value's size.
    let mut start = o.limit_start.clamp(0, vlen);
    let count = o.limit_count.clamp(-1, vlen);
    let mut end = if count < 0 { vlen } else { start + count - 1 };
    if start >= vlen {
        start = vlen - 1;
        end = vlen - 2;
    }
    if end >= vlen {
        end = vlen - 1;
    }

    // Load the elements. Lists and sorted sets that are not sorted load
    // just the requested range, in their own order (reversed by DESC).
    let mut items: Vec<Item> = Vec::new();
    let direct = o.dontsort && !matches!(kind, Kind::Set);
    match value {
        Some(Value::List(l)) if direct => {
            let n = (end - start + 1).max(0) as usize;
            if n > 0 {
                let from = if o.desc { vlen - start - 1 } else { start } as usize;
                items.reserve_exact(n);
                for e in l.iter_at(from, o.desc).take(n) {
                    let mut b = Vec::with_capacity(e.text_len());
                    e.write_text(&mut b);
                    items.push(Item::new(b));
                }
            }
            end -= start;
            start = 0;
        }
        Some(Value::List(l)) => {
            items.reserve_exact(l.len());
            for e in l.iter() {
                let mut b = Vec::with_capacity(e.text_len());
                e.write_text(&mut b);
                items.push(Item::new(b));
            }
        }
        Some(Value::Set(s)) => {
            items.reserve_exact(s.len());
            items.extend(s.iter().map(|m| Item::new(m.to_vec())));
        }
        Some(Value::ZSet(z)) if direct => {
            let n = (end - start + 1).max(0) as usize;
            let len = z.len();
            let s = start.max(0) as usize;
            let (lo, hi) = if o.desc {
                (len.saturating_sub(s + n), len.saturating_sub(s))
            } else {
                (s, s + n)
            };
            items.reserve_exact(n);
            z.for_each_in(lo, hi, o.desc, |m, _| items.push(Item::new(m.to_vec())));
            end -= start;
            start = 0;
        }
        Some(Value::ZSet(z)) => {
            items.reserve_exact(z.len());
            z.for_each(|m, _| items.push(Item::new(m.to_vec())));
        }
        _ => {}
    }

    // Weights, then the sort itself.
    let mut score_error = false;
    if !o.dontsort {
        for it in items.iter_mut() {
            let byval = match o.by {
                Some(pat) => match lookup_by_pattern(ks, db, now, pat, &it.obj) {
                    Some(v) => v,
                    None => continue,
                },
                None => {
                    if !o.alpha {
                        match parse_score(&it.obj) {
                            Some(s) => it.score = s,
                            None => score_error = true,
                        }
                    }
                    continue;
                }
            };
            if o.alpha {
                it.cmp = Some(byval);
            } else {
                match parse_score(&byval) {
                    Some(s) => it.score = s,
                    None => score_error = true,
                }
            }
        }
        if !score_error {
            let (alpha, by, desc) = (o.alpha, o.by.is_some(), o.desc);
            items.sort_by(|a, b| compare(a, b, alpha, by, desc));
        }
    }
    if score_error {
        return ctx.c.reply.error(SCORE_ERROR);
    }

    let range = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &items[..0]
    };
    let outputlen = if o.gets.is_empty() {
        range.len()
    } else {
        o.gets.len() * range.len()
    };

    let Some(dst) = o.store else {
        let reply = &mut ctx.c.reply;
        reply.array(outputlen);
        for it in range {
            if o.gets.is_empty() {
                reply.bulk(&it.obj);
            }
            for pat in &o.gets {
                match lookup_by_pattern(ks, db, now, pat, &it.obj) {
                    Some(v) => reply.bulk(&v),
                    None => reply.null(),
                }
            }
        }
        return;
    };

    // STORE: the result as a list (missing GET values as empty strings).
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(outputlen);
    for it in range {
        if o.gets.is_empty() {
            out.push(it.obj.clone());
        }
        for pat in &o.gets {
            out.push(lookup_by_pattern(ks, db, now, pat, &it.obj).unwrap_or_default());
        }
    }
    if outputlen > 0 {
        let refs: Vec<&[u8]> = out.iter().map(|v| v.as_slice()).collect();
        let mut l = ListValue::with_capacity_for(&refs);
        l.push_all(&refs, false, ctx.srv.config.list_max_listpack_size);
        ks.set(db, dst, Value::List(Box::new(l)), false);
        ks.notify(LIST, "sortstore", db, dst);
        // set counted one change; Redis counts one per stored element.
        ks.dirty += outputlen as u64 - 1;
    } else if ks.delete(db, dst) {
        ks.notify(GENERIC, "del", db, dst);
    }
    ctx.c.reply.int(outputlen as i64);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    fn h() -> Harness {
        Harness::new()
    }

    #[test]
    fn numeric_and_alpha() {
        let mut h = h();
        h.run(&["RPUSH", "l", "3", "10", "1", "2"]);
        assert_eq!(
            h.run(&["SORT", "l"]),
            "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"
        );
        assert_eq!(
            h.run(&["SORT", "l", "ALPHA", "DESC", "LIMIT", "1", "2"]),
            "*2\r\n$1\r\n2\r\n$2\r\n10\r\n"
        );
        h.run(&["RPUSH", "bad", "a", "1"]);
        assert_eq!(
            h.run(&["SORT", "bad"]),
            "-ERR One or more scores can't be converted into double\r\n"
        );
        assert_eq!(h.run(&["SORT", "l", "FOO"]), "-ERR syntax error\r\n");
        assert_eq!(
            h.run(&["SORT_RO", "l", "STORE", "d"]),
            "-ERR syntax error\r\n"
        );
        h.run(&["SET", "s", "x"]);
        assert!(h.run(&["SORT", "s"]).starts_with("-WRONGTYPE"));
        assert_eq!(h.run(&["SORT", "missing"]), "*0\r\n");
    }

    #[test]
    fn by_get_store() {
        let mut h = h();
        h.run(&["SADD", "s", "a", "b", "c"]);
        h.run(&["SET", "w_a", "3"]);
        h.run(&["HSET", "h_b", "f", "1"]);
        h.run(&["SET", "v_a", "va"]);
        assert_eq!(
            h.run(&["SORT", "s", "BY", "w_*", "GET", "#", "GET", "v_*"]),
            "*6\r\n$1\r\nb\r\n$-1\r\n$1\r\nc\r\n$-1\r\n$1\r\na\r\n$2\r\nva\r\n"
        );
        assert_eq!(
            h.run(&["SORT", "s", "BY", "h_*->f", "ALPHA", "GET", "h_*->f"]),
            "*3\r\n$-1\r\n$-1\r\n$1\r\n1\r\n"
        );
        assert_eq!(
            h.run(&["SORT", "s", "BY", "nosort", "STORE", "d", "GET", "v_*"]),
            ":3\r\n"
        );
        assert_eq!(
            h.run(&["LRANGE", "d", "0", "-1"]),
            "*3\r\n$2\r\nva\r\n$0\r\n\r\n$0\r\n\r\n"
        );
        assert_eq!(h.run(&["SORT", "nothing", "STORE", "d"]), ":0\r\n");
        assert_eq!(h.run(&["EXISTS", "d"]), ":0\r\n");
    }

    #[test]
    fn nosort_keeps_order_and_limits() {
        let mut h = h();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
        assert_eq!(
            h.run(&["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"]),
            "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
        );
        assert_eq!(h.run(&["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n");
        h.run(&["RPUSH", "l", "x", "y", "z"]);
        assert_eq!(
            h.run(&[
                "SORT",
                "l",
                "BY",
                "nosort",
                "DESC",
                "LIMIT",
                "-5",
                "99999999999"
            ]),
            "*3\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\nx\r\n"
        );
        assert_eq!(
            h.run(&["SORT", "l", "BY", "nosort", "LIMIT", "5", "1"]),
            "*0\r\n"
        );
    }
}
