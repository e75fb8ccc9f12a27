//! GEO commands over sorted sets whose scores are 52-bit geohashes
//! (`util/geohash.rs`): GEOADD, GEOPOS, GEODIST, GEOHASH, GEORADIUS,
//! GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH, GEOSEARCHSTORE.
//! Searches scan the same nine boxes as Redis in the same order, so even
//! unsorted replies come back in Redis's order.

use super::{Cmd, Ctx, flags::*};
use crate::db::notify::{GENERIC, ZSET};
use crate::error;
use crate::types::Value;
use crate::types::zset::{Elem, RangeSpec, ScoreRange, ZSetValue};
use crate::util::geohash::{self, LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN, Shape, ShapeKind};
use crate::util::num::parse_f64;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("geoadd", -5, WRITE | DENYOOM, geoadd).keys(1, 1, 1),
    Cmd::new("geopos", -2, READONLY, geopos).keys(1, 1, 1),
    Cmd::new("geodist", -4, READONLY, geodist).keys(1, 1, 1),
    Cmd::new("geohash", -2, READONLY, geohash_cmd).keys(1, 1, 1),
    Cmd::new("georadius", -6, WRITE | DENYOOM, georadius).keys(1, 1, 1),
    Cmd::new("georadius_ro", -6, READONLY, georadius_ro).keys(1, 1, 1),
    Cmd::new("georadiusbymember", -5, WRITE | DENYOOM, georadiusbymember).keys(1, 1, 1),
    Cmd::new("georadiusbymember_ro", -5, READONLY, georadiusbymember_ro).keys(1, 1, 1),
    Cmd::new("geosearch", -7, READONLY, geosearch).keys(1, 1, 1),
    Cmd::new("geosearchstore", -8, WRITE | DENYOOM, geosearchstore).keys(1, 2, 1),
];

const BAD_UNIT: &str = "ERR unsupported unit provided. please use M, KM, FT, MI";
const NO_MEMBER: &str = "ERR could not decode requested zset member";

/// Parses a float argument, replying `msg` (or the generic float error).
fn float(ctx: &mut Ctx, arg: &[u8], msg: &str) -> Option<f64> {
    let v = parse_f64(arg);
    if v.is_none() {
        ctx.c.reply.error(msg);
    }
    v
}

/// `longitude latitude`, range-checked like Redis.
fn lon_lat(ctx: &mut Ctx, args: &[&[u8]]) -> Option<[f64; 2]> {
    let lon = float(ctx, args[0], error::NOT_FLOAT)?;
    let lat = float(ctx, args[1], error::NOT_FLOAT)?;
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        let msg = format!("ERR invalid longitude,latitude pair {lon:.6},{lat:.6}");
        ctx.c.reply.error(&msg);
        return None;
    }
    Some([lon, lat])
}

/// Meters per unit, or None after replying.
fn unit(ctx: &mut Ctx, arg: &[u8]) -> Option<f64> {
    let v = match arg.to_ascii_lowercase().as_slice() {
        b"m" => 1.0,
        b"km" => 1000.0,
        b"ft" => 0.3048,
        b"mi" => 1609.34,
        _ => {
            ctx.c.reply.error(BAD_UNIT);
            return None;
        }
    };
    Some(v)
}

/// `radius unit`: (radius, meters per unit).
fn radius(ctx: &mut Ctx, args: &[&[u8]]) -> Option<(f64, f64)> {
    let r = float(ctx, args[0], "ERR need numeric radius")?;
    if r < 0.0 {
        ctx.c.reply.error("ERR radius cannot be negative");
        return None;
    }
    Some((r, unit(ctx, args[1])?))
}

/// Writes a coordinate the way Redis's addReplyHumanLongDouble does: 17
/// decimals with trailing zeros cut; a double in RESP3.
fn reply_coord(ctx: &mut Ctx, v: f64) {
    let mut s = format!("{v:.17}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".into();
    }
    let r = &mut ctx.c.reply;
    if r.resp3 {
        r.buf.push(b',');
        r.buf.extend_from_slice(s.as_bytes());
        r.buf.extend_from_slice(b"\r\n");
    } else {
        r.bulk(s.as_bytes());
    }
}

/// A distance with four decimals, as a bulk string in both protocols.
fn reply_distance(ctx: &mut Ctx, d: f64) {
    ctx.c.reply.bulk(format!("{d:.4}").as_bytes());
}

/// The sorted set at `key` for reading: Ok(None) when missing, Err after
/// replying WRONGTYPE.
fn zset<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a ZSetValue>, ()> {
    let db = ctx.c.db;
    match super::zsets::read_z(&mut ctx.srv.ks, db, key, ctx.now) {
        Ok(z) => Ok(z),
        Err(()) => {
            ctx.c.reply.error(error::WRONGTYPE);
            Err(())
        }
    }
}

/// GEOADD key [NX|XX] [CH] longitude latitude member [...]: a ZADD with
/// the points' geohashes as scores.
fn geoadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (mut nx, mut xx, mut first) = (false, false, 2);
    while let Some(a) = argv.get(first) {
        match a.to_ascii_lowercase().as_slice() {
            b"nx" => nx = true,
            b"xx" => xx = true,
            b"ch" => {}
            _ => break,
        }
        first += 1;
    }
    if !(argv.len() - first).is_multiple_of(3) || (nx && xx) {
        return ctx.c.reply.error(error::SYNTAX);
    }
    let mut scores = Vec::with_capacity((argv.len() - first) / 3);
    for t in argv[first..].chunks(3) {
        let Some([lon, lat]) = lon_lat(ctx, t) else {
            return;
        };
        let score = geohash::point_to_score(lon, lat).unwrap_or(0.0);
        scores.push((score as u64).to_string().into_bytes());
    }
    let mut zargs: Vec<&[u8]> = Vec::with_capacity(first + scores.len() * 2);
    zargs.push(b"zadd");
    zargs.extend_from_slice(&argv[1..first]);
    for (t, s) in argv[first..].chunks(3).zip(&scores) {
        zargs.push(s);
        zargs.push(t[2]);
    }
    super::zsets::zadd(ctx, &zargs);
}

/// GEOPOS key member [member ...]
fn geopos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Ok(z) = zset(ctx, argv[1]) else {
        return;
    };
    let points: Vec<Option<[f64; 2]>> = argv[2..]
        .iter()
        .map(|m| z.and_then(|z| z.score(m)).map(geohash::score_to_point))
        .collect();
    ctx.c.reply.array(points.len());
    for p in points {
        match p {
            Some([lon, lat]) => {
                ctx.c.reply.array(2);
                reply_coord(ctx, lon);
                reply_coord(ctx, lat);
            }
            None => ctx.c.reply.null_array(),
        }
    }
}

/// GEODIST key member1 member2 [M|KM|FT|MI]
fn geodist(ctx: &mut Ctx, argv: &[&[u8]]) {
    let per_unit = match argv.len() {
        4 => 1.0,
        5 => match unit(ctx, argv[4]) {
            Some(u) => u,
            None => return,
        },
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    let Ok(z) = zset(ctx, argv[1]) else {
        return;
    };
    let pair = z.and_then(|z| Some((z.score(argv[2])?, z.score(argv[3])?)));
    match pair {
        None => ctx.c.reply.null(),
        Some((a, b)) => {
            let [x1, y1] = geohash::score_to_point(a);
            let [x2, y2] = geohash::score_to_point(b);
            reply_distance(ctx, geohash::distance(x1, y1, x2, y2) / per_unit);
        }
    }
}

/// GEOHASH key [member ...]
fn geohash_cmd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Ok(z) = zset(ctx, argv[1]) else {
        return;
    };
    let hashes: Vec<Option<[u8; 11]>> = argv[2..]
        .iter()
        .map(|m| {
            z.and_then(|z| z.score(m))
                .map(geohash::score_to_geohash_string)
        })
        .collect();
    ctx.c.reply.array(hashes.len());
    for h in hashes {
        match h {
            Some(h) => ctx.c.reply.bulk(&h),
            None => ctx.c.reply.null(),
        }
    }
}

/// Which search command is running (Redis's flags for georadiusGeneric).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Search {
    Radius { ro: bool },
    ByMember { ro: bool },
    Geosearch,
    GeosearchStore,
}

impl Search {
    fn is_geosearch(self) -> bool {
        matches!(self, Search::Geosearch | Search::GeosearchStore)
    }

    fn store_allowed(self) -> bool {
        matches!(
            self,
            Search::Radius { ro: false } | Search::ByMember { ro: false }
        )
    }
}

fn georadius(ctx: &mut Ctx, argv: &[&[u8]]) {
    search(ctx, argv, Search::Radius { ro: false });
}

fn georadius_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    search(ctx, argv, Search::Radius { ro: true });
}

fn georadiusbymember(ctx: &mut Ctx, argv: &[&[u8]]) {
    search(ctx, argv, Search::ByMember { ro: false });
}

fn georadiusbymember_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    search(ctx, argv, Search::ByMember { ro: true });
}

fn geosearch(ctx: &mut Ctx, argv: &[&[u8]]) {
    search(ctx, argv, Search::Geosearch);
}

fn geosearchstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    search(ctx, argv, Search::GeosearchStore);
}

/// One point found by a search.
struct Found {
    member: Vec<u8>,
    score: f64,
    point: [f64; 2],
    dist: f64,
}

#[derive(Default)]
struct SearchOpts {
    withdist: bool,
    withhash: bool,
    withcoord: bool,
    any: bool,
    /// Some(true) ASC, Some(false) DESC.
    sort: Option<bool>,
    count: usize,
    store: Option<Vec<u8>>,
    storedist: bool,
}

/// GEORADIUS / GEORADIUSBYMEMBER / GEOSEARCH / GEOSEARCHSTORE, Redis's
/// georadiusGeneric: the source key is looked up first, then the centre
/// and shape, then the options, then the scan of the nine boxes.
fn search(ctx: &mut Ctx, argv: &[&[u8]], kind: Search) {
    let src = if kind == Search::GeosearchStore {
        argv[2]
    } else {
        argv[1]
    };
    let exists = match zset(ctx, src) {
        Err(()) => return,
        Ok(z) => z.is_some(),
    };
    let mut center: Option<[f64; 2]> = None;
    let mut shape_kind: Option<(ShapeKind, f64)> = None;
    let mut o = SearchOpts::default();
    let base = match kind {
        Search::Radius { .. } => {
            let Some(c) = lon_lat(ctx, &argv[2..4]) else {
                return;
            };
            let Some((r, conv)) = radius(ctx, &argv[4..6]) else {
                return;
            };
            center = Some(c);
            shape_kind = Some((ShapeKind::Radius(r), conv));
            6
        }
        Search::ByMember { .. } => {
            if exists {
                let Some(c) = member_point(ctx, src, argv[2]) else {
                    return ctx.c.reply.error(NO_MEMBER);
                };
                let Some((r, conv)) = radius(ctx, &argv[3..5]) else {
                    return;
                };
                center = Some(c);
                shape_kind = Some((ShapeKind::Radius(r), conv));
            }
            5
        }
        Search::Geosearch => 2,
        Search::GeosearchStore => {
            o.store = Some(argv[1].to_vec());
            3
        }
    };
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let rest = &argv[base..];
    let mut i = 0;
    while i < rest.len() {
        let a = rest[i].to_ascii_lowercase();
        let left = rest.len() - i - 1;
        match a.as_slice() {
            b"withdist" => o.withdist = true,
            b"withhash" => o.withhash = true,
            b"withcoord" => o.withcoord = true,
            b"any" => o.any = true,
            b"asc" => o.sort = Some(true),
            b"desc" => o.sort = Some(false),
            b"count" if left >= 1 => {
                let Some(n) = super::arg_i64(ctx, rest[i + 1]) else {
                    return;
                };
                if n <= 0 {
                    return ctx.c.reply.error("ERR COUNT must be > 0");
                }
                o.count = n as usize;
                i += 1;
            }
            b"store" | b"storedist" if left >= 1 && kind.store_allowed() => {
                o.store = Some(rest[i + 1].to_vec());
                o.storedist = a == b"storedist";
                i += 1;
            }
            b"storedist" if kind == Search::GeosearchStore => o.storedist = true,
            b"frommember" if left >= 1 && kind.is_geosearch() && !fromloc => {
                if exists {
                    let Some(c) = member_point(ctx, src, rest[i + 1]) else {
                        return ctx.c.reply.error(NO_MEMBER);
                    };
                    center = Some(c);
                }
                frommember = true;
                i += 1;
            }
            b"fromlonlat" if left >= 2 && kind.is_geosearch() && !frommember => {
                let Some(c) = lon_lat(ctx, &rest[i + 1..i + 3]) else {
                    return;
                };
                center = Some(c);
                fromloc = true;
                i += 2;
            }
            b"byradius" if left >= 2 && kind.is_geosearch() && !bybox => {
                let Some((r, conv)) = radius(ctx, &rest[i + 1..i + 3]) else {
                    return;
                };
                shape_kind = Some((ShapeKind::Radius(r), conv));
                byradius = true;
                i += 2;
            }
            b"bybox" if left >= 3 && kind.is_geosearch() && !byradius => {
                let Some(w) = float(ctx, rest[i + 1], "ERR need numeric width") else {
                    return;
                };
                let Some(h) = float(ctx, rest[i + 2], "ERR need numeric height") else {
                    return;
                };
                if w < 0.0 || h < 0.0 {
                    return ctx.c.reply.error("ERR height or width cannot be negative");
                }
                let Some(conv) = unit(ctx, rest[i + 3]) else {
                    return;
                };
                shape_kind = Some((
                    ShapeKind::Box {
                        width: w,
                        height: h,
                    },
                    conv,
                ));
                bybox = true;
                i += 3;
            }
            _ => return ctx.c.reply.error(error::SYNTAX),
        }
        i += 1;
    }
    if o.store.is_some() && (o.withdist || o.withhash || o.withcoord) {
        let who = if kind == Search::GeosearchStore {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        let msg =
            format!("ERR {who} is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
        return ctx.c.reply.error(&msg);
    }
    let name = String::from_utf8_lossy(argv[0]).into_owned();
    if kind.is_geosearch() && !(frommember || fromloc) {
        let msg =
            format!("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}");
        return ctx.c.reply.error(&msg);
    }
    if kind.is_geosearch() && !(byradius || bybox) {
        let msg = format!("ERR exactly one of BYRADIUS and BYBOX can be specified for {name}");
        return ctx.c.reply.error(&msg);
    }
    if o.any && o.count == 0 {
        return ctx
            .c
            .reply
            .error("ERR the ANY argument requires COUNT argument");
    }
    let (Some(center), Some((kind_shape, conversion)), true) = (center, shape_kind, exists) else {
        // Missing source: an empty reply, or an emptied destination.
        return match o.store {
            Some(dst) => {
                let db = ctx.c.db;
                if ctx.srv.ks.delete(db, &dst) {
                    ctx.srv.ks.notify(GENERIC, "del", db, &dst);
                }
                ctx.c.reply.int(0);
            }
            None => ctx.c.reply.array(0),
        };
    };
    if o.count != 0 && o.sort.is_none() && !o.any {
        o.sort = Some(true);
    }
    let shape = Shape {
        center,
        kind: kind_shape,
        conversion,
    };
    let mut found = scan(ctx, src, &shape, if o.any { o.count } else { 0 });
    if let Some(asc) = o.sort {
        found.sort_by(|a, b| {
            let ord = a
                .dist
                .partial_cmp(&b.dist)
                .unwrap_or(std::cmp::Ordering::Equal);
            if asc { ord } else { ord.reverse() }
        });
    }
    if o.count != 0 {
        found.truncate(o.count);
    }
    for f in &mut found {
        f.dist /= conversion;
    }
    match o.store {
        None => reply_found(ctx, &found, &o),
        Some(dst) => store_found(ctx, &dst, found, o.storedist, kind.is_geosearch()),
    }
}

/// The point stored for `member` in the sorted set at `key`.
fn member_point(ctx: &mut Ctx, key: &[u8], member: &[u8]) -> Option<[f64; 2]> {
    let db = ctx.c.db;
    let z = ctx.srv.ks.get_live(db, key)?;
    match z {
        Value::ZSet(z) => z.score(member).map(geohash::score_to_point),
        _ => None,
    }
}

/// Scans the nine boxes around the shape for members inside it, stopping
/// at `limit` finds (0: no limit), in Redis's order.
fn scan(ctx: &mut Ctx, key: &[u8], shape: &Shape, limit: usize) -> Vec<Found> {
    let db = ctx.c.db;
    let Some(Value::ZSet(z)) = ctx.srv.ks.get_live(db, key) else {
        return Vec::new();
    };
    let boxes = geohash::search_boxes(shape);
    let mut out: Vec<Found> = Vec::new();
    let mut last: Option<usize> = None;
    for (i, b) in boxes.iter().enumerate() {
        if b.is_zero() {
            continue;
        }
        // Huge radii can make neighbours repeat the box just scanned.
        if let Some(l) = last
            && l > 0
            && boxes[l] == *b
        {
            continue;
        }
        if limit != 0 && out.len() >= limit {
            break;
        }
        let (min, max) = b.score_range();
        let spec = RangeSpec::Score(ScoreRange {
            min,
            max,
            minex: false,
            maxex: true,
        });
        let (lo, hi) = z.select(&spec, 0, -1, false);
        let mut full = false;
        z.for_each_in(lo, hi, false, |m, score| {
            if full {
                return;
            }
            let point = geohash::score_to_point(score);
            if let Some(dist) = shape.contains(point) {
                out.push(Found {
                    member: m.to_vec(),
                    score,
                    point,
                    dist,
                });
            }
            full = limit != 0 && out.len() >= limit;
        });
        last = Some(i);
    }
    out
}

fn reply_found(ctx: &mut Ctx, found: &[Found], o: &SearchOpts) {
    let extra = o.withdist as usize + o.withhash as usize + o.withcoord as usize;
    ctx.c.reply.array(found.len());
    for f in found {
        if extra > 0 {
            ctx.c.reply.array(extra + 1);
        }
        ctx.c.reply.bulk(&f.member);
        if o.withdist {
            reply_distance(ctx, f.dist);
        }
        if o.withhash {
            ctx.c.reply.int(f.score as i64);
        }
        if o.withcoord {
            ctx.c.reply.array(2);
            reply_coord(ctx, f.point[0]);
            reply_coord(ctx, f.point[1]);
        }
    }
}

/// STORE / STOREDIST / GEOSEARCHSTORE: the results as a sorted set scored
/// by geohash or by distance; an empty result deletes the destination.
fn store_found(ctx: &mut Ctx, dst: &[u8], found: Vec<Found>, by_dist: bool, geosearch: bool) {
    let db = ctx.c.db;
    let n = found.len();
    let ks = &mut ctx.srv.ks;
    if n == 0 {
        if ks.delete(db, dst) {
            ks.notify(GENERIC, "del", db, dst);
        }
        return ctx.c.reply.int(0);
    }
    let dirty = ks.dirty;
    let mut elems: Vec<Elem> = found
        .into_iter()
        .map(|f| Elem {
            score: if by_dist { f.dist } else { f.score },
            member: f.member.into(),
        })
        .collect();
    elems.sort_by(|a, b| {
        a.score
            .partial_cmp(&b.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.member.cmp(&b.member))
    });
    let z = ZSetValue::from_sorted(elems, &super::zsets::limits(ctx));
    let ks = &mut ctx.srv.ks;
    ks.set(db, dst, Value::ZSet(z), false);
    let event = if geosearch {
        "geosearchstore"
    } else {
        "georadiusstore"
    };
    ks.notify(ZSET, event, db, dst);
    ks.dirty = dirty + n as u64;
    ctx.c.reply.int(n as i64);
}
