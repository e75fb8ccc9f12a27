//! The sorted set value: a small packed form ("listpack") and a big form
//! ("skiplist", the name Redis reports) made of a member -> score hash table
//! plus an order-statistic B+tree over (score, member).
//!
//! # Encodings
//!
//! * **listpack** — one `Vec<u8>` holding the entry count (LEB128) and
//!   then the entries sorted by (score, member). An entry is the member length
//!   (LEB128), the member bytes and the score: one byte for an integer in
//!   0..=239, a tag plus 1-7 bytes for other integers up to 2^53 (zigzag,
//!   little endian), a tag plus 8 bytes for any other double. Ten members of
//!   eight bytes with small integer scores take 101 bytes (Redis: 127). The
//!   vector is kept exactly sized, like Redis reallocating its listpack on
//!   every change. Used while the set has at most `zset-max-listpack-entries`
//!   members, none longer than `zset-max-listpack-value`.
//! * **skiplist** — [`Dict<f64>`] (member -> score, with Redis's SCAN
//!   cursor guarantees and fair random picks) plus [`OrderIndex`], a B+tree
//!   whose inner nodes keep the element count of every child, so rank, select
//!   by rank and "how many elements come before this bound" are O(log n).
//!   Leaves hold up to 64 `(score, member)` pairs of 32 bytes (members up
//!   to 22 bytes inline, see [`Member`]), inner nodes up to 64 children with
//!   copied separator keys.
//!
//! As in Redis 7.2, a listpack whose score is a negative zero stores 0
//! (7.2 stores integral scores as listpack integers), a new set starts as a
//! skiplist when the command adds more pairs than the entry limit or its
//! first member is too long, and the Z*STORE / ZRANGESTORE results are
//! listpacks whenever they fit.
//!
//! # Why a counted B+tree rather than a skiplist
//!
//! `cargo bench --bench zset` compares [`OrderIndex`] with a reference
//! skiplist built the way Redis builds its own (random levels with spans,
//! p = 1/4, 32 levels, backward links, the first four levels inline in the
//! node), both holding `(f64, Box<[u8]>)` with random scores. Nanoseconds
//! per operation (criterion medians over batches of 1000; release build on
//! a shared 2-core machine, so read the ratios rather than the absolutes):
//!
//! | operation                 | 10k: tree / skiplist | 100k: tree / skiplist | 1M: tree / skiplist |
//! |---------------------------|----------------------|-----------------------|---------------------|
//! | insert (random score)     |  186 /  535          |  333 /  991           |  711 / 4370         |
//! | delete                    |  216 /  515          |  381 / 1179           |  718 / 4225         |
//! | rank of a member          |  202 /  376          |  350 / 1110           |  658 / 4477         |
//! | range by score (10 items) |  369 /  375          |  522 / 1083           |  907 / 4672         |
//!
//! The tree is 3-6x faster once the set outgrows the caches: a search
//! touches about three nodes whose keys are contiguous, where the skiplist
//! chases a pointer (a likely cache miss) per step. It also allocates less:
//! 32 bytes of leaf per element in a set built in order (leaves stay full)
//! and about 46 at the 70% fill of random inserts, short members included,
//! against a 48-64 byte node plus the member for a skiplist. One million
//! 20-byte members take 93 resident bytes each inserted in order and 108 in
//! random order, dict included (Redis 7.0: 133 either way).

use crate::db::dict::Dict;
use crate::util::glob::glob_match;
use std::cmp::Ordering;
use std::fmt;

// ---------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------

/// The two encoding thresholds (`zset-max-listpack-entries` and
/// `zset-max-listpack-value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Limits {
    pub fn from_config(cfg: &crate::config::Config) -> Limits {
        Limits {
            max_entries: usize::try_from(cfg.zset_max_listpack_entries).unwrap_or(0),
            max_value: usize::try_from(cfg.zset_max_listpack_value).unwrap_or(0),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 128,
            max_value: 64,
        }
    }
}

/// Redis refuses to grow a listpack past 1 GB (`lpSafeToAdd`).
const LISTPACK_SAFETY_SIZE: usize = 1 << 30;

/// The (score, member) order of a sorted set. Scores are never NaN.
#[inline]
fn order(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    if s1 < s2 {
        Ordering::Less
    } else if s1 > s2 {
        Ordering::Greater
    } else {
        m1.cmp(m2)
    }
}

// ---------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------

/// A score interval: `min`/`max` with their exclusive flags (`(1.5`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    /// Parses ZRANGEBYSCORE-style bounds like Redis's `zslParseRange`: an
    /// optional `(`, then C `strtod` over the argument as a C string (so
    /// leading whitespace, an empty string, overflow to infinity and hex
    /// are accepted; trailing bytes and NaN are not).
    pub fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let (min, minex) = parse_score_bound(min)?;
        let (max, maxex) = parse_score_bound(max)?;
        Some(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// True for ranges that can hold nothing (min > max, or a point with an
    /// exclusive end).
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.split_first() {
        Some((b'(', rest)) => Some((strtod_whole(rest)?, true)),
        _ => Some((strtod_whole(arg)?, false)),
    }
}

/// `strtod(s, &end)` followed by `*end == '\0'` and `!isnan`, with `s` read
/// as a C string (cut at its first NUL).
pub fn strtod_whole(arg: &[u8]) -> Option<f64> {
    let s = match arg.iter().position(|&b| b == 0) {
        Some(n) => &arg[..n],
        None => arg,
    };
    let skip = s.iter().take_while(|&&b| is_c_space(b)).count();
    let t = &s[skip..];
    if t.is_empty() {
        // strtod converts nothing and leaves `end` at the start: fine when
        // that is the terminating NUL, an error when it is whitespace.
        return if s.is_empty() { Some(0.0) } else { None };
    }
    if let Some(v) = crate::util::num::parse_f64(t) {
        return Some(v);
    }
    // parse_f64 refuses what overflows or underflows; strtod returns
    // +-HUGE_VAL or 0 for those and Redis does not look at errno here.
    // Rust's decimal syntax is the same as strtod's and rounds the same way.
    let v: f64 = std::str::from_utf8(t).ok()?.parse().ok()?;
    if v.is_nan() { None } else { Some(v) }
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// One end of a lexicographic range: `-`, `+`, `[member` or `(member`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    Incl(&'a [u8]),
    Excl(&'a [u8]),
}

impl<'a> LexBound<'a> {
    /// Parses one item like `zslParseLexRangeItem` (`+` and `-` must be
    /// alone, up to a NUL byte, as Redis compares them as C strings).
    pub fn parse(arg: &'a [u8]) -> Option<LexBound<'a>> {
        let alone = matches!(arg.get(1), None | Some(0));
        match arg.first()? {
            b'+' if alone => Some(LexBound::Max),
            b'-' if alone => Some(LexBound::Min),
            b'(' => Some(LexBound::Excl(&arg[1..])),
            b'[' => Some(LexBound::Incl(&arg[1..])),
            _ => None,
        }
    }

    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Incl(_))
    }
}

/// Redis's `sdscmplex` between a value (or bound) and a bound.
fn cmp_lex(a: &LexBound, b: &LexBound) -> Ordering {
    use LexBound::*;
    match (a, b) {
        (Min, Min) | (Max, Max) => Ordering::Equal,
        (Min, _) | (_, Max) => Ordering::Less,
        (Max, _) | (_, Min) => Ordering::Greater,
        (Incl(x) | Excl(x), Incl(y) | Excl(y)) => x.cmp(y),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LexRange<'a> {
    pub min: LexBound<'a>,
    pub max: LexBound<'a>,
}

impl<'a> LexRange<'a> {
    pub fn parse(min: &'a [u8], max: &'a [u8]) -> Option<LexRange<'a>> {
        Some(LexRange {
            min: LexBound::parse(min)?,
            max: LexBound::parse(max)?,
        })
    }

    pub fn gte_min(&self, v: &[u8]) -> bool {
        let c = cmp_lex(&LexBound::Incl(v), &self.min);
        if self.min.exclusive() {
            c.is_gt()
        } else {
            c.is_ge()
        }
    }

    pub fn lte_max(&self, v: &[u8]) -> bool {
        let c = cmp_lex(&LexBound::Incl(v), &self.max);
        if self.max.exclusive() {
            c.is_lt()
        } else {
            c.is_le()
        }
    }

    pub fn is_empty(&self) -> bool {
        let c = cmp_lex(&self.min, &self.max);
        c.is_gt() || (c.is_eq() && (self.min.exclusive() || self.max.exclusive()))
    }
}

/// What ZRANGE-like commands select by: scores or members.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RangeSpec<'a> {
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

impl RangeSpec<'_> {
    fn gte_min(&self, score: f64, member: &[u8]) -> bool {
        match self {
            RangeSpec::Score(r) => r.gte_min(score),
            RangeSpec::Lex(r) => r.gte_min(member),
        }
    }

    fn lte_max(&self, score: f64, member: &[u8]) -> bool {
        match self {
            RangeSpec::Score(r) => r.lte_max(score),
            RangeSpec::Lex(r) => r.lte_max(member),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            RangeSpec::Score(r) => r.is_empty(),
            RangeSpec::Lex(r) => r.is_empty(),
        }
    }
}

/// Clamps ZRANGE-style rank arguments (negative counts from the end) to a
/// forward interval `[lo, hi)` of a set of `len` elements; `rev` reads them
/// from the highest score. None when the range is empty.
pub fn rank_interval(len: usize, start: i64, end: i64, rev: bool) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 {
        start.saturating_add(llen)
    } else {
        start
    };
    let mut end = if end < 0 {
        end.saturating_add(llen)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    let (start, end) = (start as usize, end as usize);
    Some(if rev {
        (len - 1 - end, len - start)
    } else {
        (start, end + 1)
    })
}

// ---------------------------------------------------------------------------
// Listpack
// ---------------------------------------------------------------------------

/// Entries of a listpack decoded at once, for the range operations (on the
/// stack up to this many).
const STACK_ENTRIES: usize = 128;

/// Score encodings: tags below this are the integer itself.
const SMALL_INT_LIMIT: u8 = 0xF0;
/// `0xF0 + n` (n = 1..=7): an n-byte zigzag integer follows.
const TAG_INT: u8 = 0xF0;
/// An IEEE double follows (8 bytes, little endian).
const TAG_F64: u8 = 0xF8;
/// Integral scores up to this magnitude are stored as integers.
const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0; // 2^53

/// The packed form. See the module docs for the layout. An empty vector
/// means an empty set.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Listpack {
    buf: Vec<u8>,
}

/// One decoded listpack entry: where it is and what it holds.
#[derive(Clone, Copy, Debug)]
struct LpEntry<'a> {
    at: usize,
    end: usize,
    member: &'a [u8],
    score: f64,
}

fn encode_varint(mut v: usize, out: &mut [u8; 10]) -> usize {
    let mut n = 0;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out[n] = byte;
            return n + 1;
        }
        out[n] = byte | 0x80;
        n += 1;
    }
}

/// Encodes a score; `-0.0` becomes the integer 0 (what Redis 7.2's listpack
/// stores for it).
fn encode_score(score: f64, out: &mut [u8; 9]) -> usize {
    if score.trunc() == score && score.abs() <= MAX_EXACT_INT {
        let v = score as i64;
        if (0..i64::from(SMALL_INT_LIMIT)).contains(&v) {
            out[0] = v as u8;
            return 1;
        }
        let z = ((v << 1) ^ (v >> 63)) as u64;
        let n = (8 - (z.leading_zeros() / 8) as usize).max(1);
        out[0] = TAG_INT + n as u8;
        out[1..=n].copy_from_slice(&z.to_le_bytes()[..n]);
        1 + n
    } else {
        out[0] = TAG_F64;
        out[1..9].copy_from_slice(&score.to_le_bytes());
        9
    }
}

impl Listpack {
    pub fn len(&self) -> usize {
        let mut n = 0usize;
        for (i, &b) in self.buf.iter().enumerate().take(5) {
            n |= usize::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                break;
            }
        }
        n
    }

    /// Bytes taken by the entry count at the front (1 below 128 entries).
    fn header_len(&self) -> usize {
        self.buf.iter().take_while(|&&b| b & 0x80 != 0).count() + usize::from(!self.buf.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes used by the packed data.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Rewrites the entry count (the header may change size).
    fn set_len(&mut self, n: usize) {
        if n == 0 {
            self.buf = Vec::new();
            return;
        }
        let mut tmp = [0u8; 10];
        let nl = encode_varint(n, &mut tmp);
        let old = self.header_len();
        if nl > old {
            self.buf.reserve_exact(nl - old);
        }
        self.buf.splice(0..old, tmp[..nl].iter().copied());
        if nl < old {
            self.buf.shrink_to_fit();
        }
    }

    /// Decodes the entry starting at byte `at` (which must be an entry
    /// start: the buffer is only ever written by this type).
    #[inline]
    fn decode(&self, at: usize) -> LpEntry<'_> {
        let b = &self.buf;
        let mut p = at;
        let mut mlen = 0usize;
        let mut shift = 0;
        loop {
            let byte = b[p];
            p += 1;
            mlen |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let member = &b[p..p + mlen];
        p += mlen;
        let tag = b[p];
        p += 1;
        let score = if tag < SMALL_INT_LIMIT {
            f64::from(tag)
        } else if tag == TAG_F64 {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&b[p..p + 8]);
            p += 8;
            f64::from_le_bytes(raw)
        } else {
            let n = usize::from(tag - TAG_INT);
            let mut raw = [0u8; 8];
            raw[..n].copy_from_slice(&b[p..p + n]);
            p += n;
            let z = u64::from_le_bytes(raw);
            (((z >> 1) as i64) ^ -((z & 1) as i64)) as f64
        };
        LpEntry {
            at,
            end: p,
            member,
            score,
        }
    }

    fn iter(&self) -> LpIter<'_> {
        LpIter {
            lp: self,
            pos: self.header_len(),
            left: self.len(),
        }
    }

    /// Decodes every entry into a slice (on the stack for small sets) and
    /// hands it to `f`.
    fn with_entries<'a, R>(&'a self, f: impl FnOnce(&[LpEntry<'a>]) -> R) -> R {
        let n = self.len();
        if n <= STACK_ENTRIES {
            let blank = LpEntry {
                at: 0,
                end: 0,
                member: &[],
                score: 0.0,
            };
            let mut arr = [blank; STACK_ENTRIES];
            for (slot, e) in arr.iter_mut().zip(self.iter()) {
                *slot = e;
            }
            f(&arr[..n])
        } else {
            let v: Vec<LpEntry<'a>> = self.iter().collect();
            f(&v)
        }
    }

    fn find(&self, member: &[u8]) -> Option<LpEntry<'_>> {
        self.iter().find(|e| e.member == member)
    }

    /// Inserts a member known to be absent at its place in the order.
    fn insert(&mut self, score: f64, member: &[u8]) {
        let pos = self
            .iter()
            .find(|e| order(e.score, e.member, score, member).is_gt())
            .map_or(self.buf.len().max(1), |e| e.at);
        let mut lenbuf = [0u8; 10];
        let nl = encode_varint(member.len(), &mut lenbuf);
        let mut scorebuf = [0u8; 9];
        let ns = encode_score(score, &mut scorebuf);
        let total = nl + member.len() + ns;
        let n = self.len();
        if self.buf.is_empty() {
            self.buf.reserve_exact(1 + total);
            self.buf.push(0);
        } else {
            self.buf.reserve_exact(total);
        }
        let old = self.buf.len();
        self.buf.resize(old + total, 0);
        self.buf.copy_within(pos..old, pos + total);
        let dst = &mut self.buf[pos..pos + total];
        dst[..nl].copy_from_slice(&lenbuf[..nl]);
        dst[nl..nl + member.len()].copy_from_slice(member);
        dst[nl + member.len()..].copy_from_slice(&scorebuf[..ns]);
        self.set_len(n + 1);
    }

    /// Appends an entry that sorts after every present one.
    fn push_sorted(&mut self, score: f64, member: &[u8]) {
        let mut lenbuf = [0u8; 10];
        let nl = encode_varint(member.len(), &mut lenbuf);
        let mut scorebuf = [0u8; 9];
        let ns = encode_score(score, &mut scorebuf);
        let n = self.len();
        if self.buf.is_empty() {
            self.buf.push(0);
        }
        self.buf.extend_from_slice(&lenbuf[..nl]);
        self.buf.extend_from_slice(member);
        self.buf.extend_from_slice(&scorebuf[..ns]);
        self.set_len(n + 1);
    }

    /// Removes the bytes `[at, end)` holding `count` entries.
    fn remove_bytes(&mut self, at: usize, end: usize, count: usize) {
        let n = self.len() - count;
        if n == 0 {
            self.buf = Vec::new();
            return;
        }
        self.buf.drain(at..end);
        self.buf.shrink_to_fit();
        self.set_len(n);
    }

    /// Byte offset of the entry of rank `rank` (the end of the data for
    /// `rank == len`).
    fn offset_of(&self, rank: usize) -> usize {
        self.iter()
            .nth(rank)
            .map_or(self.buf.len().max(1), |e| e.at)
    }
}

impl fmt::Debug for Listpack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|e| (String::from_utf8_lossy(e.member), e.score)),
            )
            .finish()
    }
}

struct LpIter<'a> {
    lp: &'a Listpack,
    pos: usize,
    left: usize,
}

impl<'a> Iterator for LpIter<'a> {
    type Item = LpEntry<'a>;

    #[inline]
    fn next(&mut self) -> Option<LpEntry<'a>> {
        if self.left == 0 {
            return None;
        }
        let e = self.lp.decode(self.pos);
        self.pos = e.end;
        self.left -= 1;
        Some(e)
    }
}

// ---------------------------------------------------------------------------
// Order index: a counted B+tree over (score, member)
// ---------------------------------------------------------------------------

const LEAF_MAX: usize = 64;
const LEAF_MIN: usize = LEAF_MAX / 4;
const INNER_MAX: usize = 64;
const INNER_MIN: usize = INNER_MAX / 4;
/// Fill of the nodes made by [`OrderIndex::from_sorted`].
const BULK_FILL: usize = LEAF_MAX * 3 / 4;

/// One element of a sorted set.
#[derive(Clone, Debug, PartialEq)]
pub struct Elem {
    pub score: f64,
    pub member: Member,
}

/// Members up to this many bytes are stored inside the element.
const MEMBER_INLINE: usize = 22;

/// A member's bytes: inside the element when short (most members are),
/// else in their own allocation. Finding an element compares members in
/// the tree's nodes (the one found, and any with the same score); an
/// inline member sits in the node's own cache lines where a boxed one is a
/// pointer away, usually a cache miss in a big set. It also saves the
/// separate allocation: 24 bytes for a member of up to 22 bytes, against
/// 16 for the box plus the allocation's own size class.
#[derive(Clone)]
pub enum Member {
    Inline { len: u8, bytes: [u8; MEMBER_INLINE] },
    Heap(Box<[u8]>),
}

const _: () = assert!(std::mem::size_of::<Member>() == 24);

impl Member {
    /// Bytes held in a separate allocation (0 when inline).
    pub fn heap_len(&self) -> usize {
        match self {
            Member::Inline { .. } => 0,
            Member::Heap(b) => b.len(),
        }
    }
}

impl std::ops::Deref for Member {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Member::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Member::Heap(b) => b,
        }
    }
}

impl From<&[u8]> for Member {
    fn from(m: &[u8]) -> Member {
        if m.len() <= MEMBER_INLINE {
            let mut bytes = [0; MEMBER_INLINE];
            bytes[..m.len()].copy_from_slice(m);
            Member::Inline {
                len: m.len() as u8,
                bytes,
            }
        } else {
            Member::Heap(m.into())
        }
    }
}

impl From<Vec<u8>> for Member {
    fn from(m: Vec<u8>) -> Member {
        if m.len() <= MEMBER_INLINE {
            Member::from(&m[..])
        } else {
            Member::Heap(m.into_boxed_slice())
        }
    }
}

impl From<Box<[u8]>> for Member {
    fn from(m: Box<[u8]>) -> Member {
        if m.len() <= MEMBER_INLINE {
            Member::from(&m[..])
        } else {
            Member::Heap(m)
        }
    }
}

impl PartialEq for Member {
    fn eq(&self, other: &Member) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

impl Elem {
    #[inline]
    fn cmp_key(&self, score: f64, member: &[u8]) -> Ordering {
        order(self.score, &self.member, score, member)
    }
}

#[derive(Clone)]
enum Node {
    Leaf(Vec<Elem>),
    Inner(Box<Inner>),
}

/// `seps[j]` separates `kids[j]` and `kids[j + 1]`: every element of
/// `kids[j]` sorts before it and every element of `kids[j + 1]` at or after
/// it (it may be stale, i.e. no longer an element). `counts[j]` is the
/// number of elements under `kids[j]`.
#[derive(Clone)]
struct Inner {
    seps: Vec<Elem>,
    counts: Vec<usize>,
    kids: Vec<Node>,
}

/// How [`remove_rec`] finds the element to remove.
#[derive(Clone, Copy)]
enum Locate<'a> {
    Key(f64, &'a [u8]),
    Rank(usize),
}

impl Node {
    fn width(&self) -> usize {
        match self {
            Node::Leaf(v) => v.len(),
            Node::Inner(n) => n.kids.len(),
        }
    }

    fn min_width(&self) -> usize {
        match self {
            Node::Leaf(_) => LEAF_MIN,
            Node::Inner(_) => INNER_MIN,
        }
    }

    fn max_width(&self) -> usize {
        match self {
            Node::Leaf(_) => LEAF_MAX,
            Node::Inner(_) => INNER_MAX,
        }
    }
}

/// A node that split off to the right of its sibling.
struct Split {
    sep: Elem,
    node: Node,
    count: usize,
}

fn insert_rec(node: &mut Node, e: Elem) -> Option<Split> {
    match node {
        Node::Leaf(v) => {
            let pos = v.partition_point(|x| x.cmp_key(e.score, &e.member).is_lt());
            if v.len() < LEAF_MAX {
                v.insert(pos, e);
                return None;
            }
            // A full leaf splits before the insert, so no leaf's vector
            // grows past LEAF_MAX (capacities stay powers of two, at most
            // 64 x 32 bytes: exactly a 2 KiB size class). It splits in
            // half, except that an insert past either end (a run of
            // ascending or descending scores, as when a set is built in
            // order) leaves the old leaf full and starts a new one: halving
            // would leave every leaf of such a set half empty for good. A
            // leaf may so start with one element (removals still merge
            // leaves below LEAF_MIN).
            let mid = match pos {
                0 => 0,
                p if p == v.len() => p,
                _ => v.len() / 2,
            };
            let mut right = Vec::new();
            right.extend(v.drain(mid..));
            if pos < mid || mid == 0 {
                v.insert(pos, e);
            } else {
                right.insert(pos - mid, e);
            }
            let sep = right[0].clone();
            let count = right.len();
            Some(Split {
                sep,
                node: Node::Leaf(right),
                count,
            })
        }
        Node::Inner(n) => {
            let i = n
                .seps
                .partition_point(|s| s.cmp_key(e.score, &e.member).is_le());
            n.counts[i] += 1;
            let sp = insert_rec(&mut n.kids[i], e)?;
            n.counts[i] -= sp.count;
            n.seps.insert(i, sp.sep);
            n.counts.insert(i + 1, sp.count);
            n.kids.insert(i + 1, sp.node);
            if n.kids.len() <= INNER_MAX {
                return None;
            }
            let mid = n.kids.len() / 2;
            let kids = n.kids.split_off(mid);
            let counts = n.counts.split_off(mid);
            let mut seps = n.seps.split_off(mid - 1);
            let sep = seps.remove(0);
            let count = counts.iter().sum();
            Some(Split {
                sep,
                node: Node::Inner(Box::new(Inner { seps, counts, kids })),
                count,
            })
        }
    }
}

fn remove_rec(node: &mut Node, loc: Locate) -> Option<Elem> {
    match node {
        Node::Leaf(v) => {
            let pos = match loc {
                Locate::Key(s, m) => v.binary_search_by(|x| x.cmp_key(s, m)).ok()?,
                Locate::Rank(r) if r < v.len() => r,
                Locate::Rank(_) => return None,
            };
            Some(v.remove(pos))
        }
        Node::Inner(n) => {
            let (i, sub) = match loc {
                Locate::Key(s, m) => (n.seps.partition_point(|x| x.cmp_key(s, m).is_le()), loc),
                Locate::Rank(mut r) => {
                    let mut i = 0;
                    while i < n.counts.len() && r >= n.counts[i] {
                        r -= n.counts[i];
                        i += 1;
                    }
                    if i == n.kids.len() {
                        return None;
                    }
                    (i, Locate::Rank(r))
                }
            };
            let e = remove_rec(&mut n.kids[i], sub)?;
            n.counts[i] -= 1;
            if n.kids[i].width() < n.kids[i].min_width() {
                n.fix_underflow(i);
            }
            Some(e)
        }
    }
}

impl Inner {
    /// Child `i` fell below its minimum width: merge it with a sibling, or
    /// even the two out when together they are too many for one node.
    fn fix_underflow(&mut self, i: usize) {
        if self.kids.len() < 2 {
            return;
        }
        let l = if i + 1 < self.kids.len() { i } else { i - 1 };
        let r = l + 1;
        let total = self.kids[l].width() + self.kids[r].width();
        if total <= self.kids[l].max_width() {
            let right = self.kids.remove(r);
            let sep = self.seps.remove(l);
            let rc = self.counts.remove(r);
            self.counts[l] += rc;
            match (&mut self.kids[l], right) {
                (Node::Leaf(a), Node::Leaf(mut b)) => a.append(&mut b),
                (Node::Inner(a), Node::Inner(b)) => {
                    let b = *b;
                    a.seps.push(sep);
                    a.seps.extend(b.seps);
                    a.counts.extend(b.counts);
                    a.kids.extend(b.kids);
                }
                _ => unreachable!("siblings are at the same depth"),
            }
            return;
        }
        let target = total / 2;
        let (left_half, right_half) = self.kids.split_at_mut(r);
        let sep = &mut self.seps[l];
        let moved: isize = match (&mut left_half[l], &mut right_half[0]) {
            (Node::Leaf(a), Node::Leaf(b)) => {
                let moved = if a.len() < target {
                    let k = target - a.len();
                    a.extend(b.drain(..k));
                    k as isize
                } else {
                    let k = a.len() - target;
                    let from = a.len() - k;
                    b.splice(0..0, a.drain(from..));
                    -(k as isize)
                };
                *sep = b[0].clone();
                moved
            }
            (Node::Inner(a), Node::Inner(b)) => {
                let mut moved = 0isize;
                while a.kids.len() < target {
                    let s = std::mem::replace(sep, b.seps.remove(0));
                    a.seps.push(s);
                    let c = b.counts.remove(0);
                    a.counts.push(c);
                    a.kids.push(b.kids.remove(0));
                    moved += c as isize;
                }
                while a.kids.len() > target {
                    let (Some(s), Some(c), Some(k)) = (a.seps.pop(), a.counts.pop(), a.kids.pop())
                    else {
                        break;
                    };
                    b.seps.insert(0, std::mem::replace(sep, s));
                    b.counts.insert(0, c);
                    b.kids.insert(0, k);
                    moved -= c as isize;
                }
                moved
            }
            _ => unreachable!("siblings are at the same depth"),
        };
        self.counts[l] = self.counts[l].wrapping_add_signed(moved);
        self.counts[r] = self.counts[r].wrapping_add_signed(-moved);
    }
}

fn visit<'a, F: FnMut(&'a Elem)>(node: &'a Node, lo: usize, hi: usize, rev: bool, f: &mut F) {
    match node {
        Node::Leaf(v) => {
            let s = &v[lo..hi];
            if rev {
                s.iter().rev().for_each(f);
            } else {
                s.iter().for_each(f);
            }
        }
        Node::Inner(n) => {
            if rev {
                let mut b: usize = n.counts.iter().sum();
                for k in (0..n.kids.len()).rev() {
                    let a = b - n.counts[k];
                    if a < hi && b > lo {
                        visit(&n.kids[k], lo.max(a) - a, hi.min(b) - a, rev, f);
                    }
                    if a <= lo {
                        break;
                    }
                    b = a;
                }
            } else {
                let mut a = 0;
                for (k, &c) in n.counts.iter().enumerate() {
                    let b = a + c;
                    if a < hi && b > lo {
                        visit(&n.kids[k], lo.max(a) - a, hi.min(b) - a, rev, f);
                    }
                    if b >= hi {
                        break;
                    }
                    a = b;
                }
            }
        }
    }
}

fn drain_into(node: Node, out: &mut Vec<Elem>) {
    match node {
        Node::Leaf(v) => out.extend(v),
        Node::Inner(n) => {
            for k in n.kids {
                drain_into(k, out);
            }
        }
    }
}

/// An order-statistic B+tree of [`Elem`]s, sorted by (score, member), no
/// two with the same member (the caller keeps members unique).
#[derive(Clone)]
pub struct OrderIndex {
    root: Node,
    len: usize,
}

impl Default for OrderIndex {
    fn default() -> Self {
        OrderIndex {
            root: Node::Leaf(Vec::new()),
            len: 0,
        }
    }
}

impl fmt::Debug for OrderIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderIndex")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl OrderIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an element whose member is not present.
    pub fn insert(&mut self, e: Elem) {
        if let Some(sp) = insert_rec(&mut self.root, e) {
            let left_count = self.len + 1 - sp.count;
            let old = std::mem::replace(&mut self.root, Node::Leaf(Vec::new()));
            self.root = Node::Inner(Box::new(Inner {
                seps: vec![sp.sep],
                counts: vec![left_count, sp.count],
                kids: vec![old, sp.node],
            }));
        }
        self.len += 1;
    }

    fn after_remove(&mut self, r: Option<Elem>) -> Option<Elem> {
        let e = r?;
        self.len -= 1;
        if let Node::Inner(n) = &mut self.root
            && n.kids.len() == 1
            && let Some(only) = n.kids.pop()
        {
            self.root = only;
        }
        Some(e)
    }

    /// Removes the element `(score, member)`, returning it.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> Option<Elem> {
        let r = remove_rec(&mut self.root, Locate::Key(score, member));
        self.after_remove(r)
    }

    /// Removes the element of 0-based rank `rank`.
    pub fn remove_at(&mut self, rank: usize) -> Option<Elem> {
        let r = remove_rec(&mut self.root, Locate::Rank(rank));
        self.after_remove(r)
    }

    /// Changes the score of an element, in place when it keeps its
    /// position (an interior slot of its leaf), else by moving it. The
    /// element is searched for once: a move removes it by the rank that
    /// search found, which walks the same, now cached, path by counts and
    /// compares no keys.
    pub fn update(&mut self, old: f64, member: &[u8], new: f64) -> bool {
        let mut node = &mut self.root;
        let mut rank = 0;
        loop {
            match node {
                Node::Inner(n) => {
                    let i = n.seps.partition_point(|x| x.cmp_key(old, member).is_le());
                    rank += n.counts[..i].iter().sum::<usize>();
                    node = &mut n.kids[i];
                }
                Node::Leaf(v) => {
                    let Ok(pos) = v.binary_search_by(|x| x.cmp_key(old, member)) else {
                        return false;
                    };
                    if pos > 0
                        && pos + 1 < v.len()
                        && v[pos - 1].cmp_key(new, member).is_lt()
                        && v[pos + 1].cmp_key(new, member).is_gt()
                    {
                        v[pos].score = new;
                        return true;
                    }
                    rank += pos;
                    break;
                }
            }
        }
        match self.remove_at(rank) {
            Some(mut e) => {
                e.score = new;
                self.insert(e);
                true
            }
            None => false,
        }
    }

    /// 0-based rank of `(score, member)`, if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let mut node = &self.root;
        let mut acc = 0;
        loop {
            match node {
                Node::Inner(n) => {
                    let i = n.seps.partition_point(|x| x.cmp_key(score, member).is_le());
                    acc += n.counts[..i].iter().sum::<usize>();
                    node = &n.kids[i];
                }
                Node::Leaf(v) => {
                    return v
                        .binary_search_by(|x| x.cmp_key(score, member))
                        .ok()
                        .map(|p| acc + p);
                }
            }
        }
    }

    /// The element of 0-based rank `rank`.
    pub fn get(&self, mut rank: usize) -> Option<&Elem> {
        let mut node = &self.root;
        loop {
            match node {
                Node::Inner(n) => {
                    let mut i = 0;
                    while i < n.counts.len() && rank >= n.counts[i] {
                        rank -= n.counts[i];
                        i += 1;
                    }
                    node = n.kids.get(i)?;
                }
                Node::Leaf(v) => return v.get(rank),
            }
        }
    }

    /// How many elements satisfy `before`, which must hold for a prefix of
    /// the order (true, then false). Separators are evaluated like
    /// elements: they are points of the same order.
    pub fn count_before(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut node = &self.root;
        let mut acc = 0;
        loop {
            match node {
                Node::Inner(n) => {
                    let i = n.seps.partition_point(|s| before(s.score, &s.member));
                    acc += n.counts[..i].iter().sum::<usize>();
                    node = &n.kids[i];
                }
                Node::Leaf(v) => return acc + v.partition_point(|e| before(e.score, &e.member)),
            }
        }
    }

    /// Calls `f` for the elements of ranks `[lo, hi)`, from `hi - 1` down
    /// when `rev`.
    pub fn for_range<'a>(&'a self, lo: usize, hi: usize, rev: bool, mut f: impl FnMut(&'a Elem)) {
        let hi = hi.min(self.len);
        if lo < hi {
            visit(&self.root, lo, hi, rev, &mut f);
        }
    }

    /// Heap bytes of the nodes, separators and members.
    pub fn heap_bytes(&self) -> usize {
        fn walk(node: &Node) -> usize {
            let elems = |v: &[Elem], cap: usize| {
                cap * std::mem::size_of::<Elem>()
                    + v.iter().map(|e| e.member.heap_len()).sum::<usize>()
            };
            match node {
                Node::Leaf(v) => elems(v, v.capacity()),
                Node::Inner(n) => {
                    std::mem::size_of::<Inner>()
                        + elems(&n.seps, n.seps.capacity())
                        + n.counts.capacity() * std::mem::size_of::<usize>()
                        + n.kids.capacity() * std::mem::size_of::<Node>()
                        + n.kids.iter().map(walk).sum::<usize>()
                }
            }
        }
        walk(&self.root)
    }

    /// Every element, in order, consuming the tree.
    pub fn into_sorted(self) -> Vec<Elem> {
        let mut out = Vec::with_capacity(self.len);
        drain_into(self.root, &mut out);
        out
    }

    /// Builds a tree from elements already in order, with unique members.
    pub fn from_sorted(elems: Vec<Elem>) -> OrderIndex {
        let len = elems.len();
        if len <= LEAF_MAX {
            return OrderIndex {
                root: Node::Leaf(elems),
                len,
            };
        }
        // Leaves of about BULK_FILL elements, sizes spread evenly.
        let nleaves = len.div_ceil(BULK_FILL);
        let mut level: Vec<(Node, usize, Option<Elem>)> = Vec::with_capacity(nleaves);
        let mut it = elems.into_iter();
        for k in 0..nleaves {
            let size = len / nleaves + usize::from(k < len % nleaves);
            let mut leaf = Vec::with_capacity(LEAF_MAX);
            leaf.extend(it.by_ref().take(size));
            let first = (k > 0).then(|| leaf[0].clone());
            level.push((Node::Leaf(leaf), size, first));
        }
        while level.len() > 1 {
            let groups = if level.len() <= INNER_MAX {
                1
            } else {
                level.len().div_ceil(BULK_FILL)
            };
            let total = level.len();
            let mut next = Vec::with_capacity(groups);
            let mut it = level.into_iter();
            for g in 0..groups {
                let size = total / groups + usize::from(g < total % groups);
                let mut seps = Vec::with_capacity(size);
                let mut counts = Vec::with_capacity(size);
                let mut kids = Vec::with_capacity(size);
                let mut first = None;
                for (j, (node, count, f)) in it.by_ref().take(size).enumerate() {
                    if j == 0 {
                        first = f;
                    } else if let Some(s) = f {
                        seps.push(s);
                    }
                    counts.push(count);
                    kids.push(node);
                }
                let count = counts.iter().sum();
                next.push((
                    Node::Inner(Box::new(Inner { seps, counts, kids })),
                    count,
                    first,
                ));
            }
            level = next;
        }
        let root = level.pop().map_or(Node::Leaf(Vec::new()), |(n, _, _)| n);
        OrderIndex { root, len }
    }

    /// Checks every structural invariant (tests).
    #[cfg(test)]
    fn check(&self) {
        fn walk(node: &Node, is_root: bool, depth: usize, depths: &mut Vec<usize>) -> usize {
            match node {
                Node::Leaf(v) => {
                    assert!(is_root || !v.is_empty(), "empty leaf");
                    assert!(v.len() <= LEAF_MAX);
                    for w in v.windows(2) {
                        assert!(w[0].cmp_key(w[1].score, &w[1].member).is_lt());
                    }
                    depths.push(depth);
                    v.len()
                }
                Node::Inner(n) => {
                    assert!(n.kids.len() >= if is_root { 2 } else { INNER_MIN });
                    assert!(n.kids.len() <= INNER_MAX);
                    assert_eq!(n.seps.len() + 1, n.kids.len());
                    assert_eq!(n.counts.len(), n.kids.len());
                    let mut total = 0;
                    for (k, kid) in n.kids.iter().enumerate() {
                        let c = walk(kid, false, depth + 1, depths);
                        assert_eq!(c, n.counts[k]);
                        total += c;
                        let mut elems = Vec::new();
                        drain_into(kid.clone(), &mut elems);
                        if k > 0 {
                            let s = &n.seps[k - 1];
                            assert!(elems.iter().all(|e| e.cmp_key(s.score, &s.member).is_ge()));
                        }
                        if k < n.seps.len() {
                            let s = &n.seps[k];
                            assert!(elems.iter().all(|e| e.cmp_key(s.score, &s.member).is_lt()));
                        }
                    }
                    total
                }
            }
        }
        let mut depths = Vec::new();
        let n = walk(&self.root, true, 0, &mut depths);
        assert_eq!(n, self.len);
        assert!(depths.windows(2).all(|w| w[0] == w[1]), "unbalanced");
    }
}

// ---------------------------------------------------------------------------
// The big form
// ---------------------------------------------------------------------------

/// The "skiplist" encoding: member -> score plus the order index. Both hold
/// exactly the same members.
pub struct BigZSet {
    dict: Dict<f64>,
    tree: OrderIndex,
}

impl BigZSet {
    fn new() -> Self {
        BigZSet {
            dict: Dict::new(),
            tree: OrderIndex::new(),
        }
    }

    /// From elements in order with unique members.
    fn from_sorted(elems: Vec<Elem>) -> Self {
        let mut dict = Dict::new();
        for e in &elems {
            dict.insert(&e.member, e.score);
        }
        BigZSet {
            dict,
            tree: OrderIndex::from_sorted(elems),
        }
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        match self.dict.remove(member) {
            Some(score) => {
                self.tree.remove(score, member);
                true
            }
            None => false,
        }
    }

    fn remove_at(&mut self, rank: usize) -> Option<Elem> {
        let e = self.tree.remove_at(rank)?;
        self.dict.remove(&e.member);
        Some(e)
    }
}

impl Clone for BigZSet {
    fn clone(&self) -> Self {
        let mut dict = Dict::new();
        self.tree.for_range(0, self.tree.len(), false, |e| {
            dict.insert(&e.member, e.score);
        });
        BigZSet {
            dict,
            tree: self.tree.clone(),
        }
    }
}

// ---------------------------------------------------------------------------
// ZSetValue
// ---------------------------------------------------------------------------

/// A sorted set in one of its two encodings.
#[derive(Clone)]
pub enum ZSetValue {
    Listpack(Listpack),
    Skiplist(Box<BigZSet>),
}

impl Default for ZSetValue {
    fn default() -> Self {
        ZSetValue::Listpack(Listpack::default())
    }
}

impl fmt::Debug for ZSetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        self.for_each(|m, s| {
            list.entry(&(String::from_utf8_lossy(m), s));
        });
        list.finish()?;
        write!(f, " ({})", self.encoding_name())
    }
}

/// Equal when both hold the same members with the same scores, in the same
/// encoding.
impl PartialEq for ZSetValue {
    fn eq(&self, other: &Self) -> bool {
        if self.encoding_name() != other.encoding_name() || self.len() != other.len() {
            return false;
        }
        let mut a = Vec::with_capacity(self.len());
        self.for_each(|m, s| a.push((m.to_vec(), s.to_bits())));
        let mut i = 0;
        let mut same = true;
        other.for_each(|m, s| {
            same &= a
                .get(i)
                .is_some_and(|(am, asc)| am == m && *asc == s.to_bits());
            i += 1;
        });
        same
    }
}

/// ZADD's options, as `zsetAdd` takes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    pub incr: bool,
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
}

/// What one `add` did. The f64 is the member's score afterwards (what
/// ZADD INCR and ZINCRBY reply).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddOutcome {
    /// The member was new.
    Added(f64),
    /// The member's score changed.
    Updated(f64),
    /// The member was there with that score already.
    Unchanged(f64),
    /// Skipped because of NX, XX, GT or LT.
    Skipped,
    /// The increment produced NaN (`inf + -inf`); nothing changed.
    Nan,
}

/// One ZSCAN page.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanPage {
    pub cursor: u64,
    pub items: Vec<(Vec<u8>, f64)>,
    /// True when the scores come from the hash table, which Redis 7.2
    /// prints with `%.17g` ([`format_g17`]); listpack scores print like
    /// ZSCORE.
    pub from_dict: bool,
}

impl ZSetValue {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set in the big encoding.
    pub fn new_skiplist() -> Self {
        ZSetValue::Skiplist(Box::new(BigZSet::new()))
    }

    /// The encoding a command about to add `size_hint` pairs, the first with
    /// a member of `first_len` bytes, creates (Redis 7.2 `zsetTypeCreate`).
    pub fn for_add(size_hint: usize, first_len: usize, lim: &Limits) -> Self {
        if size_hint <= lim.max_entries && first_len <= lim.max_value {
            Self::new()
        } else {
            Self::new_skiplist()
        }
    }

    /// Converts a listpack to the big form when a command is about to add
    /// more pairs than the entry limit (Redis 7.2 `zsetTypeMaybeConvert`).
    pub fn maybe_convert(&mut self, size_hint: usize, lim: &Limits) {
        if size_hint > lim.max_entries {
            self.to_skiplist();
        }
    }

    /// A set holding `elems` (sorted by (score, member), unique members),
    /// packed when it fits the limits (Redis's
    /// `zsetConvertToListpackIfNeeded` on Z*STORE results).
    pub fn from_sorted(elems: Vec<Elem>, lim: &Limits) -> Self {
        let mut maxlen = 0;
        let mut total = 0usize;
        for e in &elems {
            maxlen = maxlen.max(e.member.len());
            total = total.saturating_add(e.member.len());
        }
        if elems.len() <= lim.max_entries
            && maxlen <= lim.max_value
            && total <= LISTPACK_SAFETY_SIZE
        {
            let mut lp = Listpack::default();
            let bytes: usize = 3 + elems.iter().map(|e| e.member.len() + 14).sum::<usize>();
            lp.buf.reserve_exact(bytes.min(LISTPACK_SAFETY_SIZE));
            for e in &elems {
                lp.push_sorted(e.score, &e.member);
            }
            lp.buf.shrink_to_fit();
            ZSetValue::Listpack(lp)
        } else {
            ZSetValue::Skiplist(Box::new(BigZSet::from_sorted(elems)))
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSetValue::Listpack(_) => "listpack",
            ZSetValue::Skiplist(_) => "skiplist",
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ZSetValue::Listpack(lp) => lp.len(),
            ZSetValue::Skiplist(b) => b.tree.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_listpack(&self) -> bool {
        matches!(self, ZSetValue::Listpack(_))
    }

    /// Converts to the big encoding (no-op if already there).
    pub fn to_skiplist(&mut self) {
        if let ZSetValue::Listpack(lp) = self {
            let elems: Vec<Elem> = lp
                .iter()
                .map(|e| Elem {
                    score: e.score,
                    member: e.member.into(),
                })
                .collect();
            *self = ZSetValue::Skiplist(Box::new(BigZSet::from_sorted(elems)));
        }
    }

    /// Heap bytes held by the value (not counting its own box): the packed
    /// buffer, or the hash table, the tree nodes and the member copies.
    pub fn heap_bytes(&self) -> usize {
        match self {
            ZSetValue::Listpack(lp) => lp.buf.capacity(),
            ZSetValue::Skiplist(b) => {
                let keys: usize = b.dict.keys().map(<[u8]>::len).sum();
                std::mem::size_of::<BigZSet>()
                    + b.dict.memory_overhead()
                    + keys
                    + b.tree.heap_bytes()
            }
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSetValue::Listpack(lp) => lp.find(member).map(|e| e.score),
            ZSetValue::Skiplist(b) => b.dict.get(member).copied(),
        }
    }

    /// Adds or updates one member (Redis `zsetAdd`), converting to the big
    /// encoding first when the member would not fit the listpack.
    pub fn add(&mut self, score: f64, member: &[u8], f: AddFlags, lim: &Limits) -> AddOutcome {
        if score.is_nan() {
            return AddOutcome::Nan;
        }
        if let ZSetValue::Listpack(lp) = self {
            if let Some(e) = lp.find(member) {
                let (cur, at, end) = (e.score, e.at, e.end);
                let new = match existing_update(cur, score, f) {
                    Ok(new) => new,
                    Err(outcome) => return outcome,
                };
                if new == cur {
                    return AddOutcome::Unchanged(new);
                }
                lp.remove_bytes(at, end, 1);
                lp.insert(new, member);
                return AddOutcome::Updated(new);
            }
            if f.xx {
                return AddOutcome::Skipped;
            }
            if lp.len() < lim.max_entries
                && member.len() <= lim.max_value
                && lp.bytes() + member.len() + 24 <= LISTPACK_SAFETY_SIZE
            {
                lp.insert(score, member);
                return AddOutcome::Added(score);
            }
            self.to_skiplist();
        }
        let ZSetValue::Skiplist(b) = self else {
            return AddOutcome::Skipped;
        };
        match b.dict.get_mut(member) {
            Some(slot) => {
                let cur = *slot;
                let new = match existing_update(cur, score, f) {
                    Ok(new) => new,
                    Err(outcome) => return outcome,
                };
                if new == cur {
                    return AddOutcome::Unchanged(new);
                }
                *slot = new;
                b.tree.update(cur, member, new);
                AddOutcome::Updated(new)
            }
            None if f.xx => AddOutcome::Skipped,
            None => {
                b.dict.insert(member, score);
                b.tree.insert(Elem {
                    score,
                    member: member.into(),
                });
                AddOutcome::Added(score)
            }
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSetValue::Listpack(lp) => match lp.find(member) {
                Some(e) => {
                    let (at, end) = (e.at, e.end);
                    lp.remove_bytes(at, end, 1);
                    true
                }
                None => false,
            },
            ZSetValue::Skiplist(b) => b.remove(member),
        }
    }

    /// The 0-based rank of `member` (from the highest score when `rev`) and
    /// its score.
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<(usize, f64)> {
        let (r, score) = match self {
            ZSetValue::Listpack(lp) => lp
                .iter()
                .enumerate()
                .find(|(_, e)| e.member == member)
                .map(|(i, e)| (i, e.score))?,
            ZSetValue::Skiplist(b) => {
                let score = *b.dict.get(member)?;
                (b.tree.rank(score, member)?, score)
            }
        };
        Some((if rev { self.len() - 1 - r } else { r }, score))
    }

    /// The forward rank interval `[lo, hi)` a BYSCORE / BYLEX range with
    /// LIMIT `offset count` (negative count: no limit) selects, read from
    /// the top when `rev`. Listpacks are walked the way Redis walks them,
    /// which matters only for lex ranges over members whose scores differ
    /// (an unspecified case Redis still answers deterministically there).
    pub fn select(&self, spec: &RangeSpec, offset: i64, limit: i64, rev: bool) -> (usize, usize) {
        let len = self.len();
        if offset < 0 || (offset > 0 && offset as u64 >= len as u64) || len == 0 || spec.is_empty()
        {
            return (0, 0);
        }
        let offset = offset as usize;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        match self {
            ZSetValue::Listpack(lp) => {
                lp.with_entries(|es| lp_select(es, spec, offset, limit, rev))
            }
            ZSetValue::Skiplist(b) => {
                let lo = b.tree.count_before(|s, m| !spec.gte_min(s, m));
                let hi = b.tree.count_before(|s, m| spec.lte_max(s, m)).max(lo);
                if hi - lo <= offset {
                    return (0, 0);
                }
                if rev {
                    let top = hi - offset;
                    (top.saturating_sub(limit).max(lo), top)
                } else {
                    let start = lo + offset;
                    (start, start.saturating_add(limit).min(hi))
                }
            }
        }
    }

    /// Calls `f(member, score)` for the elements of ranks `[lo, hi)`, from
    /// the last one down when `rev`.
    pub fn for_each_in<'a>(
        &'a self,
        lo: usize,
        hi: usize,
        rev: bool,
        mut f: impl FnMut(&'a [u8], f64),
    ) {
        let hi = hi.min(self.len());
        if lo >= hi {
            return;
        }
        match self {
            ZSetValue::Listpack(lp) => {
                if rev {
                    lp.with_entries(|es| {
                        es[lo..hi].iter().rev().for_each(|e| f(e.member, e.score))
                    });
                } else {
                    lp.iter()
                        .skip(lo)
                        .take(hi - lo)
                        .for_each(|e| f(e.member, e.score));
                }
            }
            ZSetValue::Skiplist(b) => b.tree.for_range(lo, hi, rev, |e| f(&e.member, e.score)),
        }
    }

    /// Every element in order.
    pub fn for_each<'a>(&'a self, f: impl FnMut(&'a [u8], f64)) {
        self.for_each_in(0, self.len(), false, f);
    }

    /// Copies of the elements of ranks `[lo, hi)`, in order.
    pub fn elems_in(&self, lo: usize, hi: usize) -> Vec<Elem> {
        let mut out = Vec::with_capacity(hi.saturating_sub(lo).min(self.len()));
        self.for_each_in(lo, hi, false, |m, s| {
            out.push(Elem {
                score: s,
                member: m.into(),
            })
        });
        out
    }

    /// Removes the elements of ranks `[lo, hi)`; returns how many went.
    pub fn remove_range(&mut self, lo: usize, hi: usize) -> usize {
        let hi = hi.min(self.len());
        if lo >= hi {
            return 0;
        }
        let n = hi - lo;
        match self {
            ZSetValue::Listpack(lp) => {
                let at = lp.offset_of(lo);
                let end = lp.offset_of(hi);
                lp.remove_bytes(at, end, n);
            }
            ZSetValue::Skiplist(b) => {
                if n > 64 && n > b.tree.len() / 4 {
                    // Cheaper to rebuild the tree around what stays.
                    let tree = std::mem::take(&mut b.tree);
                    let mut all = tree.into_sorted();
                    let tail = all.split_off(hi);
                    for e in all.drain(lo..) {
                        b.dict.remove(&e.member);
                    }
                    all.extend(tail);
                    b.tree = OrderIndex::from_sorted(all);
                } else {
                    for _ in 0..n {
                        b.remove_at(lo);
                    }
                }
            }
        }
        n
    }

    /// Removes and returns up to `count` elements from the lowest scores
    /// (or the highest when `max`), in pop order. The typed pop that
    /// ZPOPMIN / ZPOPMAX / ZMPOP (and a future blocking layer) use.
    pub fn pop(&mut self, max: bool, count: usize) -> Vec<(Vec<u8>, f64)> {
        let n = count.min(self.len());
        let mut out = Vec::with_capacity(n);
        if n == 0 {
            return out;
        }
        let len = self.len();
        let (lo, hi) = if max { (len - n, len) } else { (0, n) };
        self.for_each_in(lo, hi, max, |m, s| out.push((m.to_vec(), s)));
        self.remove_range(lo, hi);
        out
    }

    /// The element of rank `rank`, copied.
    pub fn get(&self, rank: usize) -> Option<(Vec<u8>, f64)> {
        let mut out = None;
        self.for_each_in(rank, rank + 1, false, |m, s| out = Some((m.to_vec(), s)));
        out
    }

    /// Calls `f` for `count` elements picked at random with repetition
    /// (ZRANDMEMBER with a negative count), stopping early when `f` returns
    /// false.
    pub fn random_with_repeats(
        &self,
        count: u64,
        rng: &mut impl FnMut() -> u64,
        mut f: impl FnMut(&[u8], f64) -> bool,
    ) {
        let len = self.len();
        if len == 0 {
            return;
        }
        match self {
            ZSetValue::Listpack(lp) => lp.with_entries(|es| {
                for _ in 0..count {
                    let e = &es[(rng() % len as u64) as usize];
                    if !f(e.member, e.score) {
                        break;
                    }
                }
            }),
            ZSetValue::Skiplist(b) => {
                for _ in 0..count {
                    let Some((m, s)) = b.dict.fair_random_entry(rng) else {
                        break;
                    };
                    if !f(m, *s) {
                        break;
                    }
                }
            }
        }
    }

    /// `count` distinct elements picked at random (`0 < count < len`), in
    /// the order Redis 7.2 emits them: listpack order for listpacks, no
    /// particular order otherwise.
    pub fn random_distinct(
        &self,
        count: usize,
        rng: &mut impl FnMut() -> u64,
    ) -> Vec<(Vec<u8>, f64)> {
        let len = self.len();
        let count = count.min(len);
        let mut out = Vec::with_capacity(count);
        match self {
            ZSetValue::Listpack(lp) => {
                // Selection sampling: every subset of `count` is equally likely.
                let mut need = count as u64;
                for (i, e) in lp.iter().enumerate() {
                    if need == 0 {
                        break;
                    }
                    let left = (len - i) as u64;
                    if rng() % left < need {
                        out.push((e.member.to_vec(), e.score));
                        need -= 1;
                    }
                }
            }
            ZSetValue::Skiplist(b) => {
                if count * 3 > len {
                    // Copy everything and drop random elements.
                    let mut all = Vec::with_capacity(len);
                    b.tree
                        .for_range(0, len, true, |e| all.push((e.member.to_vec(), e.score)));
                    while all.len() > count {
                        let i = (rng() % all.len() as u64) as usize;
                        all.swap_remove(i);
                    }
                    out = all;
                } else {
                    let mut seen = std::collections::HashSet::with_capacity(count);
                    while out.len() < count {
                        let Some((m, s)) = b.dict.fair_random_entry(rng) else {
                            break;
                        };
                        if seen.insert(m) {
                            out.push((m.to_vec(), *s));
                        }
                    }
                }
            }
        }
        out
    }

    /// One ZSCAN step: a listpack returns everything at once (cursor 0);
    /// the hash table is walked from `cursor` like Redis's SCAN (until about
    /// `count` reply items or `10 * count` buckets).
    pub fn scan(&self, cursor: u64, count: usize, pattern: Option<&[u8]>) -> ScanPage {
        let keep = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m, false));
        match self {
            ZSetValue::Listpack(lp) => ScanPage {
                cursor: 0,
                items: lp
                    .iter()
                    .filter(|e| keep(e.member))
                    .map(|e| (e.member.to_vec(), e.score))
                    .collect(),
                from_dict: false,
            },
            ZSetValue::Skiplist(b) => {
                let mut items = Vec::new();
                let mut cursor = cursor;
                let mut budget = count.saturating_mul(10);
                loop {
                    cursor = b.dict.scan(cursor, |m, s| {
                        if keep(m) {
                            items.push((m.to_vec(), *s));
                        }
                    });
                    if cursor == 0 || budget == 0 || items.len() * 2 >= count {
                        break;
                    }
                    budget -= 1;
                }
                ScanPage {
                    cursor,
                    items,
                    from_dict: true,
                }
            }
        }
    }
}

/// The score an existing member gets (Err: what to report instead), as in
/// `zsetAdd`.
fn existing_update(cur: f64, score: f64, f: AddFlags) -> Result<f64, AddOutcome> {
    if f.nx {
        return Err(AddOutcome::Skipped);
    }
    let new = if f.incr { cur + score } else { score };
    if new.is_nan() {
        return Err(AddOutcome::Nan);
    }
    if (f.lt && new >= cur) || (f.gt && new <= cur) {
        return Err(AddOutcome::Skipped);
    }
    Ok(new)
}

/// The range walk of Redis's listpack code (`zzlFirstInRange` /
/// `zzlLastInRange` and their lex twins, then the offset and limit steps).
fn lp_select(
    es: &[LpEntry],
    spec: &RangeSpec,
    offset: usize,
    limit: usize,
    rev: bool,
) -> (usize, usize) {
    let (Some(first), Some(last)) = (es.first(), es.last()) else {
        return (0, 0);
    };
    if !spec.gte_min(last.score, last.member) || !spec.lte_max(first.score, first.member) {
        return (0, 0);
    }
    if !rev {
        let Some(start) = es.iter().position(|e| spec.gte_min(e.score, e.member)) else {
            return (0, 0);
        };
        if !spec.lte_max(es[start].score, es[start].member) {
            return (0, 0);
        }
        let start = start.saturating_add(offset).min(es.len());
        let mut end = start;
        while end < es.len() && end - start < limit && spec.lte_max(es[end].score, es[end].member) {
            end += 1;
        }
        (start, end)
    } else {
        let Some(top) = es.iter().rposition(|e| spec.lte_max(e.score, e.member)) else {
            return (0, 0);
        };
        if !spec.gte_min(es[top].score, es[top].member) || offset > top {
            return (0, 0);
        }
        let top = top + 1 - offset;
        let mut low = top;
        while low > 0 && top - low < limit && spec.gte_min(es[low - 1].score, es[low - 1].member) {
            low -= 1;
        }
        (low, top)
    }
}

/// `%.17g` as glibc prints a double (what Redis 7.2's ZSCAN shows for
/// scores held in the hash table: `ld2string(.., LD_STR_AUTO)`).
pub fn format_g17(v: f64, out: &mut Vec<u8>) {
    use std::io::Write as _;
    if v.is_nan() {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    // 17 significant digits, correctly rounded: d.dddddddddddddddde<exp>.
    let sci = format!("{v:.16e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    if neg {
        out.push(b'-');
    }
    if (-4..17).contains(&exp) {
        // Fixed notation with 16 - exp decimals, trailing zeros removed.
        let mut s = Vec::with_capacity(40);
        if exp >= 0 {
            let int_len = exp as usize + 1;
            s.extend_from_slice(&digits[..int_len]);
            s.push(b'.');
            s.extend_from_slice(&digits[int_len..]);
        } else {
            s.extend_from_slice(b"0.");
            s.extend(std::iter::repeat_n(b'0', (-exp - 1) as usize));
            s.extend_from_slice(&digits);
        }
        while s.last() == Some(&b'0') {
            s.pop();
        }
        if s.last() == Some(&b'.') {
            s.pop();
        }
        out.extend_from_slice(&s);
    } else {
        let mut d = digits.as_slice();
        while d.len() > 1 && d.last() == Some(&b'0') {
            d = &d[..d.len() - 1];
        }
        out.push(d[0]);
        if d.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&d[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    use crate::test_rng::Rng;

    #[test]
    fn members_inline_up_to_the_limit_and_box_beyond_it() {
        for len in [
            0,
            1,
            MEMBER_INLINE - 1,
            MEMBER_INLINE,
            MEMBER_INLINE + 1,
            300,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for m in [
                Member::from(&bytes[..]),
                Member::from(bytes.clone()),
                Member::from(bytes.clone().into_boxed_slice()),
            ] {
                assert_eq!(&*m, &bytes[..]);
                assert_eq!(m.heap_len(), if len > MEMBER_INLINE { len } else { 0 });
                assert_eq!(m, Member::from(&bytes[..]));
            }
        }
        assert_ne!(Member::from(&b"ab"[..]), Member::from(&b"abc"[..]));
    }

    fn el(score: f64, m: &str) -> Elem {
        Elem {
            score,
            member: m.as_bytes().into(),
        }
    }

    fn lim(entries: usize, value: usize) -> Limits {
        Limits {
            max_entries: entries,
            max_value: value,
        }
    }

    fn all(z: &ZSetValue) -> Vec<(String, f64)> {
        let mut v = Vec::new();
        z.for_each(|m, s| v.push((String::from_utf8_lossy(m).into_owned(), s)));
        v
    }

    #[test]
    fn score_encoding_round_trips() {
        let cases = [
            0.0,
            1.0,
            239.0,
            240.0,
            -1.0,
            -240.0,
            1e15,
            -1e15,
            9007199254740992.0,
            -9007199254740992.0,
            9007199254740994.0,
            1.5,
            -0.25,
            1e300,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1700000000000.0,
        ];
        for &v in &cases {
            let mut lp = Listpack::default();
            lp.insert(v, b"m");
            assert_eq!(
                lp.find(b"m").map(|e| e.score.to_bits()),
                Some(v.to_bits()),
                "{v}"
            );
        }
        let mut buf = [0u8; 9];
        assert_eq!(encode_score(7.0, &mut buf), 1);
        assert_eq!(encode_score(-7.0, &mut buf), 2);
        assert_eq!(encode_score(1700000000000.0, &mut buf), 7);
        assert_eq!(encode_score(0.5, &mut buf), 9);
        // -0 is stored as the integer 0, like Redis 7.2's listpack.
        let mut lp = Listpack::default();
        lp.insert(-0.0, b"z");
        let s = lp.find(b"z").map(|e| e.score);
        assert!(s == Some(0.0) && s.is_some_and(|v| v.is_sign_positive()));
    }

    #[test]
    fn listpack_is_lean() {
        let mut z = ZSetValue::new();
        for i in 1..=10 {
            z.add(
                i as f64,
                format!("member:{i}").as_bytes(),
                AddFlags::default(),
                &Limits::default(),
            );
        }
        let ZSetValue::Listpack(lp) = &z else {
            panic!()
        };
        assert_eq!(lp.bytes(), 1 + 10 * 10 + 1); // "member:10" is 9 bytes
        assert_eq!(lp.buf.capacity(), lp.buf.len());
        assert_eq!(std::mem::size_of::<ZSetValue>(), 24);
    }

    #[test]
    fn listpack_count_header_grows_and_shrinks() {
        let l = lim(100_000, 64);
        let mut z = ZSetValue::new();
        for i in 0..300 {
            z.add(
                i as f64,
                format!("m{i}").as_bytes(),
                AddFlags::default(),
                &l,
            );
            assert_eq!(z.len(), i + 1);
        }
        assert!(z.is_listpack());
        assert_eq!(z.rank(b"m299", false), Some((299, 299.0)));
        z.remove_range(100, 290);
        assert_eq!(z.len(), 110);
        let ZSetValue::Listpack(lp) = &z else {
            panic!()
        };
        assert_eq!(lp.header_len(), 1);
        assert_eq!(lp.buf.capacity(), lp.buf.len());
        let got: Vec<f64> = lp.iter().map(|e| e.score).collect();
        let want: Vec<f64> = (0..100).chain(290..300).map(|i| i as f64).collect();
        assert_eq!(got, want);
        // The count itself, across the varint size steps.
        let mut lp = Listpack::default();
        lp.insert(1.0, b"x");
        for (n, h) in [
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (5, 1),
            (1 << 28, 5),
        ] {
            lp.set_len(n);
            assert_eq!((lp.len(), lp.header_len()), (n, h));
            assert_eq!(lp.buf.len(), h + 3);
            assert_eq!(lp.decode(h).member, b"x");
        }
    }

    #[test]
    fn heap_bytes_grow_with_the_set() {
        let small = ZSetValue::from_sorted(vec![el(1.0, "a"), el(2.0, "b")], &Limits::default());
        assert_eq!(small.heap_bytes(), 1 + 2 * 3);
        let elems: Vec<Elem> = (0..1000)
            .map(|i| el(i as f64, &format!("m{i:04}")))
            .collect();
        let big = ZSetValue::from_sorted(elems, &Limits::default());
        let per = big.heap_bytes() / 1000;
        assert!((40..200).contains(&per), "{per} bytes per element");
    }

    #[test]
    fn listpack_order_and_removal() {
        let mut lp = Listpack::default();
        for (s, m) in [(2.0, "b"), (1.0, "z"), (2.0, "a"), (-1.0, "x"), (2.0, "c")] {
            lp.insert(s, m.as_bytes());
        }
        let got: Vec<_> = lp.iter().map(|e| (e.member.to_vec(), e.score)).collect();
        let want: Vec<(Vec<u8>, f64)> =
            [("x", -1.0), ("z", 1.0), ("a", 2.0), ("b", 2.0), ("c", 2.0)]
                .iter()
                .map(|(m, s)| (m.as_bytes().to_vec(), *s))
                .collect();
        assert_eq!(got, want);
        let (at, end) = (lp.offset_of(1), lp.offset_of(3));
        lp.remove_bytes(at, end, 2);
        assert_eq!(lp.len(), 3);
        assert_eq!(
            lp.iter().map(|e| e.member.to_vec()).collect::<Vec<_>>(),
            [b"x".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        let (at, end) = (lp.offset_of(0), lp.offset_of(3));
        lp.remove_bytes(at, end, 3);
        assert!(lp.is_empty() && lp.buf.is_empty());
    }

    #[test]
    fn conversion_at_the_thresholds() {
        let l = lim(3, 4);
        let mut z = ZSetValue::new();
        for m in ["a", "b", "c"] {
            assert_eq!(
                z.add(1.0, m.as_bytes(), AddFlags::default(), &l),
                AddOutcome::Added(1.0)
            );
        }
        assert_eq!(z.encoding_name(), "listpack");
        z.add(1.0, b"d", AddFlags::default(), &l);
        assert_eq!(z.encoding_name(), "skiplist");
        assert_eq!(all(&z).len(), 4);
        // A long member converts even a small set.
        let mut z = ZSetValue::new();
        z.add(1.0, b"abcd", AddFlags::default(), &l);
        assert!(z.is_listpack());
        z.add(1.0, b"abcde", AddFlags::default(), &l);
        assert!(!z.is_listpack());
        // Updating an existing member never converts.
        let mut z = ZSetValue::new();
        for m in ["a", "b", "c"] {
            z.add(1.0, m.as_bytes(), AddFlags::default(), &l);
        }
        z.add(5.0, b"a", AddFlags::default(), &l);
        assert!(z.is_listpack());
        // Creation and the size hint (Redis 7.2 zsetTypeCreate / MaybeConvert).
        assert!(ZSetValue::for_add(3, 4, &l).is_listpack());
        assert!(!ZSetValue::for_add(4, 1, &l).is_listpack());
        assert!(!ZSetValue::for_add(1, 5, &l).is_listpack());
        assert!(!ZSetValue::for_add(1, 0, &lim(0, 4)).is_listpack());
        z.maybe_convert(3, &l);
        assert!(z.is_listpack());
        z.maybe_convert(4, &l);
        assert!(!z.is_listpack());
        // Removing never converts back...
        z.remove_range(0, 3);
        assert_eq!(z.len(), 0);
        assert!(!z.is_listpack());
        // ...but a STORE result does when it fits.
        let fit = vec![el(1.0, "a"), el(2.0, "abcd")];
        assert!(ZSetValue::from_sorted(fit.clone(), &l).is_listpack());
        assert!(!ZSetValue::from_sorted(fit, &lim(1, 4)).is_listpack());
        assert!(!ZSetValue::from_sorted(vec![el(1.0, "abcde")], &l).is_listpack());
        // Both forms compare equal only to the same encoding.
        let a = ZSetValue::from_sorted(vec![el(1.0, "a")], &l);
        let mut b = a.clone();
        assert_eq!(a, b);
        b.to_skiplist();
        assert_ne!(a, b);
        assert_eq!(all(&a), all(&b));
    }

    #[test]
    fn add_flags_like_zsetadd() {
        let l = Limits::default();
        for big in [false, true] {
            let mut z = ZSetValue::new();
            if big {
                z.to_skiplist();
            }
            let f = |incr, nx, xx, gt, lt| AddFlags {
                incr,
                nx,
                xx,
                gt,
                lt,
            };
            assert_eq!(
                z.add(1.0, b"a", f(false, false, true, false, false), &l),
                AddOutcome::Skipped
            );
            assert_eq!(
                z.add(1.0, b"a", f(false, true, false, false, false), &l),
                AddOutcome::Added(1.0)
            );
            assert_eq!(
                z.add(2.0, b"a", f(false, true, false, false, false), &l),
                AddOutcome::Skipped
            );
            assert_eq!(
                z.add(1.0, b"a", AddFlags::default(), &l),
                AddOutcome::Unchanged(1.0)
            );
            assert_eq!(
                z.add(0.5, b"a", f(false, false, false, true, false), &l),
                AddOutcome::Skipped
            );
            assert_eq!(
                z.add(3.0, b"a", f(false, false, false, true, false), &l),
                AddOutcome::Updated(3.0)
            );
            assert_eq!(
                z.add(3.0, b"a", f(false, false, false, false, true), &l),
                AddOutcome::Skipped
            );
            assert_eq!(
                z.add(2.0, b"a", f(true, false, false, false, false), &l),
                AddOutcome::Updated(5.0)
            );
            assert_eq!(
                z.add(-1.0, b"a", f(true, false, false, true, false), &l),
                AddOutcome::Skipped
            );
            assert_eq!(
                z.add(f64::INFINITY, b"a", AddFlags::default(), &l),
                AddOutcome::Updated(f64::INFINITY)
            );
            assert_eq!(
                z.add(
                    f64::NEG_INFINITY,
                    b"a",
                    f(true, false, false, false, false),
                    &l
                ),
                AddOutcome::Nan
            );
            assert_eq!(
                z.add(f64::NAN, b"b", AddFlags::default(), &l),
                AddOutcome::Nan
            );
            assert_eq!(z.score(b"a"), Some(f64::INFINITY));
            assert_eq!(z.len(), 1);
            assert_eq!(z.is_listpack(), !big);
        }
    }

    #[test]
    fn score_range_parsing_follows_strtod() {
        let p = |a: &str, b: &str| ScoreRange::parse(a.as_bytes(), b.as_bytes());
        let r = p("(1.5", "+inf").unwrap();
        assert!(r.minex && !r.maxex && r.min == 1.5 && r.max == f64::INFINITY);
        assert_eq!(
            p("", "(").map(|r| (r.min, r.max, r.maxex)),
            Some((0.0, 0.0, true))
        );
        assert_eq!(p(" 1", "\t2").map(|r| (r.min, r.max)), Some((1.0, 2.0)));
        assert_eq!(
            p("1e400", "-1e400").map(|r| (r.min, r.max)),
            Some((f64::INFINITY, f64::NEG_INFINITY))
        );
        assert_eq!(
            p("1e-400", "0x10").map(|r| (r.min, r.max)),
            Some((0.0, 16.0))
        );
        assert_eq!(p("1\0junk", "2").map(|r| r.min), Some(1.0));
        for bad in ["1 ", " ", "nan", "(nan", "abc", "1e", "((1", "--1"] {
            assert!(p(bad, "1").is_none(), "{bad:?}");
        }
        assert!(p("-infinity", "INF").is_some());
        assert!(
            ScoreRange {
                min: 1.0,
                max: 1.0,
                minex: true,
                maxex: false
            }
            .is_empty()
        );
        assert!(
            !ScoreRange {
                min: 1.0,
                max: 1.0,
                minex: false,
                maxex: false
            }
            .is_empty()
        );
    }

    #[test]
    fn lex_ranges_like_sdscmplex() {
        fn p<'a>(a: &'a str, b: &'a str) -> Option<LexRange<'a>> {
            LexRange::parse(a.as_bytes(), b.as_bytes())
        }
        assert!(p("a", "b").is_none());
        assert!(p("", "+").is_none());
        assert!(p("+x", "+").is_none());
        assert!(p("+\0x", "+").is_some());
        assert!(p("-", "+").is_some_and(|r| !r.is_empty()));
        for empty in [
            ("-", "-"),
            ("+", "+"),
            ("+", "-"),
            ("[b", "[a"),
            ("(a", "[a"),
            ("[a", "-"),
            ("+", "[a"),
        ] {
            assert!(p(empty.0, empty.1).unwrap().is_empty(), "{empty:?}");
        }
        let r = p("[b", "(d").unwrap();
        assert!(!r.gte_min(b"a") && r.gte_min(b"b") && r.lte_max(b"c") && !r.lte_max(b"d"));
        let r = p("(", "[").unwrap();
        assert!(r.gte_min(b"a") && !r.gte_min(b"") && !r.lte_max(b"a") && r.lte_max(b""));
    }

    #[test]
    fn rank_interval_clamps_like_redis() {
        assert_eq!(rank_interval(5, 0, -1, false), Some((0, 5)));
        assert_eq!(rank_interval(5, 0, 0, true), Some((4, 5)));
        assert_eq!(rank_interval(5, 1, 2, true), Some((2, 4)));
        assert_eq!(rank_interval(5, -100, 100, false), Some((0, 5)));
        assert_eq!(rank_interval(5, 3, 2, false), None);
        assert_eq!(rank_interval(5, 5, 9, false), None);
        assert_eq!(rank_interval(5, -1, -2, false), None);
        assert_eq!(rank_interval(5, i64::MIN, i64::MAX, false), Some((0, 5)));
        assert_eq!(rank_interval(0, 0, -1, false), None);
    }

    #[test]
    fn g17_matches_printf() {
        let f = |v: f64| {
            let mut o = Vec::new();
            format_g17(v, &mut o);
            String::from_utf8(o).unwrap()
        };
        assert_eq!(f(1.1), "1.1000000000000001");
        assert_eq!(f(0.1), "0.10000000000000001");
        assert_eq!(f(3.0), "3");
        assert_eq!(f(-2.5), "-2.5");
        assert_eq!(f(1e20), "1e+20");
        assert_eq!(f(1e16), "10000000000000000");
        assert_eq!(f(1e17), "1e+17");
        assert_eq!(f(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1.0000000000000001e-05");
        assert_eq!(f(5e-324), "4.9406564584124654e-324");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(f64::NEG_INFINITY), "-inf");
        assert_eq!(f(1.7976931348623157e308), "1.7976931348623157e+308");
    }

    #[test]
    fn sets_built_in_order_keep_their_leaves_full() {
        for descending in [false, true] {
            let mut t = OrderIndex::new();
            let n = 10_000usize;
            for i in 0..n {
                let score = if descending { (n - i) as f64 } else { i as f64 };
                t.insert(el(score, &format!("element:{i:012}")));
            }
            t.check();
            // 32-byte elements in full 64-slot leaves, plus the inner nodes.
            let per = t.heap_bytes() as f64 / n as f64;
            assert!(
                per < 40.0,
                "{per} bytes per element (descending: {descending})"
            );
            // Removals from the front, the back and the middle keep it valid.
            for k in 0..n / 2 {
                let rank = match k % 3 {
                    0 => 0,
                    1 => t.len() - 1,
                    _ => t.len() / 2,
                };
                assert!(t.remove_at(rank).is_some());
                if k % 499 == 0 {
                    t.check();
                }
            }
            t.check();
            assert_eq!(t.len(), n - n / 2);
        }
    }

    #[test]
    fn tree_against_a_model() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut t = OrderIndex::new();
        let mut model: BTreeSet<(u64, Vec<u8>)> = BTreeSet::new();
        let key = |s: f64| {
            // Order-preserving map of non-negative scores to u64.
            s.to_bits()
        };
        for round in 0..30_000u32 {
            let op = rng.below(10);
            let score = rng.below(500) as f64;
            // Half the members are too long to be stored inline.
            let m = match rng.below(3000) {
                n if n % 2 == 0 => format!("m{n}"),
                n => format!("a-member-longer-than-the-inline-bytes-{n}"),
            }
            .into_bytes();
            let present = model.iter().find(|(_, mm)| *mm == m).cloned();
            if op < 6 {
                if present.is_none() {
                    t.insert(Elem {
                        score,
                        member: m.clone().into(),
                    });
                    model.insert((key(score), m));
                }
            } else if op < 8 {
                if let Some((s, mm)) = present {
                    let e = t.remove(f64::from_bits(s), &mm).expect("present");
                    assert_eq!(&*e.member, &mm[..]);
                    model.remove(&(s, mm));
                }
            } else if op < 9 {
                if let Some((s, mm)) = present {
                    assert!(t.update(f64::from_bits(s), &mm, score));
                    model.remove(&(s, mm.clone()));
                    model.insert((key(score), mm));
                }
            } else if !model.is_empty() {
                let r = rng.below(model.len() as u64) as usize;
                let (s, mm) = model.iter().nth(r).cloned().unwrap();
                let e = t.remove_at(r).unwrap();
                assert_eq!((e.score.to_bits(), e.member.to_vec()), (s, mm.clone()));
                model.remove(&(s, mm));
            }
            assert_eq!(t.len(), model.len());
            if round % 997 == 0 {
                t.check();
                let got: Vec<_> = t
                    .clone()
                    .into_sorted()
                    .into_iter()
                    .map(|e| (e.score.to_bits(), e.member.to_vec()))
                    .collect();
                let want: Vec<_> = model.iter().cloned().collect();
                assert_eq!(got, want);
                for (i, (s, mm)) in model.iter().enumerate().step_by(37) {
                    assert_eq!(t.rank(f64::from_bits(*s), mm), Some(i));
                    assert_eq!(t.get(i).map(|e| e.member.to_vec()), Some(mm.clone()));
                }
                let bound = rng.below(500) as f64;
                let want = model
                    .iter()
                    .filter(|(s, _)| f64::from_bits(*s) < bound)
                    .count();
                assert_eq!(t.count_before(|s, _| s < bound), want);
                let (lo, hi) = (
                    rng.below(model.len() as u64 + 1) as usize,
                    rng.below(model.len() as u64 + 1) as usize,
                );
                let mut fwd = Vec::new();
                t.for_range(lo, hi, false, |e| fwd.push(e.member.to_vec()));
                let mut rev = Vec::new();
                t.for_range(lo, hi, true, |e| rev.push(e.member.to_vec()));
                let want: Vec<_> = model
                    .iter()
                    .skip(lo)
                    .take(hi.saturating_sub(lo))
                    .map(|(_, m)| m.clone())
                    .collect();
                assert_eq!(fwd, want);
                rev.reverse();
                assert_eq!(rev, want);
            }
        }
        t.check();
    }

    #[test]
    fn bulk_build_at_every_size() {
        for n in [
            0usize,
            1,
            63,
            64,
            65,
            100,
            48 * 64,
            48 * 64 + 1,
            10_000,
            200_000,
        ] {
            let elems: Vec<Elem> = (0..n).map(|i| el(i as f64, &format!("{i:08}"))).collect();
            let t = OrderIndex::from_sorted(elems);
            t.check();
            assert_eq!(t.len(), n);
            if n > 0 {
                assert_eq!(
                    t.rank((n - 1) as f64, format!("{:08}", n - 1).as_bytes()),
                    Some(n - 1)
                );
            }
        }
    }

    #[test]
    fn deleting_ranges_rebuilds_correctly() {
        let l = lim(0, 64);
        for (n, lo, hi) in [
            (1000, 0, 1000),
            (1000, 10, 900),
            (1000, 500, 520),
            (300, 0, 1),
            (300, 299, 300),
        ] {
            let elems: Vec<Elem> = (0..n).map(|i| el(i as f64, &format!("m{i}"))).collect();
            let mut z = ZSetValue::from_sorted(elems, &l);
            assert_eq!(z.remove_range(lo, hi), hi - lo);
            assert_eq!(z.len(), n - (hi - lo));
            let ZSetValue::Skiplist(b) = &z else { panic!() };
            b.tree.check();
            assert_eq!(b.dict.len(), b.tree.len());
            for i in 0..n {
                let m = format!("m{i}");
                assert_eq!(z.score(m.as_bytes()).is_some(), i < lo || i >= hi, "{m}");
            }
        }
    }

    /// Random operations on both encodings against a BTreeMap model, with
    /// thresholds small enough that sets convert back and forth.
    #[test]
    fn property_random_operations() {
        let l = lim(6, 5);
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..300 {
            let mut z = ZSetValue::new();
            let mut model: HashMap<Vec<u8>, f64> = HashMap::new();
            for _ in 0..60 {
                let mlen = 1 + rng.below(6) as usize;
                let m: Vec<u8> = (0..mlen).map(|_| b'a' + rng.below(3) as u8).collect();
                let score = [0.0, 1.0, -1.0, 2.5, f64::INFINITY, -0.5][rng.below(6) as usize];
                match rng.below(8) {
                    0..=3 => {
                        let f = AddFlags {
                            incr: rng.below(4) == 0,
                            ..AddFlags::default()
                        };
                        let out = z.add(score, &m, f, &l);
                        let old = model.get(&m).copied();
                        let new = match old {
                            Some(o) if f.incr => o + score,
                            _ => score,
                        };
                        if new.is_nan() {
                            assert_eq!(out, AddOutcome::Nan);
                        } else {
                            // -0 reads back as 0 from a listpack.
                            model.insert(m.clone(), new);
                        }
                    }
                    4 => {
                        assert_eq!(z.remove(&m), model.remove(&m).is_some());
                    }
                    5 => {
                        let n = rng.below(3) as usize;
                        let max = rng.below(2) == 0;
                        let popped = z.pop(max, n);
                        let mut sorted: Vec<(Vec<u8>, f64)> =
                            model.iter().map(|(k, v)| (k.clone(), *v)).collect();
                        sorted.sort_by(|a, b| order(a.1, &a.0, b.1, &b.0));
                        if max {
                            sorted.reverse();
                        }
                        sorted.truncate(n);
                        assert_eq!(
                            popped.iter().map(|p| &p.0).collect::<Vec<_>>(),
                            sorted.iter().map(|p| &p.0).collect::<Vec<_>>()
                        );
                        for (k, _) in &popped {
                            model.remove(k);
                        }
                    }
                    6 => {
                        let r = ScoreRange {
                            min: -1.0,
                            max: 1.0,
                            minex: rng.below(2) == 0,
                            maxex: false,
                        };
                        let (lo, hi) = z.select(&RangeSpec::Score(r), 0, -1, false);
                        let want = model
                            .values()
                            .filter(|&&s| r.gte_min(s) && r.lte_max(s))
                            .count();
                        assert_eq!(hi - lo, want);
                        let removed = z.remove_range(lo, hi);
                        assert_eq!(removed, want);
                        model.retain(|_, s| !(r.gte_min(*s) && r.lte_max(*s)));
                    }
                    _ => {
                        let want = model.get(&m).map(|s| {
                            let mut v: Vec<(&Vec<u8>, &f64)> = model.iter().collect();
                            v.sort_by(|a, b| order(*a.1, a.0, *b.1, b.0));
                            (v.iter().position(|(k, _)| **k == m).unwrap(), *s)
                        });
                        let got = z.rank(&m, false);
                        assert_eq!(got.map(|g| g.0), want.map(|w| w.0));
                    }
                }
                assert_eq!(z.len(), model.len());
                let mut want: Vec<(Vec<u8>, f64)> =
                    model.iter().map(|(k, v)| (k.clone(), *v)).collect();
                want.sort_by(|a, b| order(a.1, &a.0, b.1, &b.0));
                let mut got = Vec::new();
                z.for_each(|m, s| got.push((m.to_vec(), s)));
                assert_eq!(got, want);
                if z.is_empty() {
                    // Emptied sets are deleted by the commands; start afresh.
                    z = ZSetValue::new();
                }
                if let ZSetValue::Skiplist(b) = &z {
                    assert_eq!(b.dict.len(), b.tree.len());
                } else {
                    assert!(z.len() <= l.max_entries);
                }
            }
        }
    }

    #[test]
    fn lex_select_on_both_encodings() {
        let members = ["a", "b", "c", "d", "e"];
        let elems: Vec<Elem> = members.iter().map(|m| el(0.0, m)).collect();
        let small = ZSetValue::from_sorted(elems.clone(), &Limits::default());
        let big = ZSetValue::from_sorted(elems, &lim(0, 64));
        type Case<'a> = (&'a str, &'a str, i64, i64, bool, (usize, usize));
        let cases: &[Case] = &[
            ("-", "+", 0, -1, false, (0, 5)),
            ("[b", "(d", 0, -1, false, (1, 3)),
            ("[b", "(d", 0, -1, true, (1, 3)),
            ("-", "+", 1, 2, false, (1, 3)),
            ("-", "+", 1, 2, true, (2, 4)),
            ("(e", "+", 0, -1, false, (0, 0)),
            ("-", "(a", 0, -1, false, (0, 0)),
            ("[c", "[c", 0, -1, false, (2, 3)),
            ("-", "+", 4, -1, true, (0, 1)),
            ("-", "+", 5, -1, true, (0, 0)),
            ("-", "+", 0, 0, false, (0, 0)),
        ];
        for &(a, b, off, lmt, rev, want) in cases {
            let spec = RangeSpec::Lex(LexRange::parse(a.as_bytes(), b.as_bytes()).unwrap());
            let got_small = small.select(&spec, off, lmt, rev);
            let got_big = big.select(&spec, off, lmt, rev);
            let norm = |r: (usize, usize)| if r.0 == r.1 { (0, 0) } else { r };
            assert_eq!(norm(got_small), want, "listpack {a} {b} {off} {lmt} {rev}");
            assert_eq!(norm(got_big), want, "skiplist {a} {b} {off} {lmt} {rev}");
        }
    }

    #[test]
    fn scan_and_random() {
        let elems: Vec<Elem> = (0..500).map(|i| el(i as f64, &format!("m{i}"))).collect();
        let big = ZSetValue::from_sorted(elems, &Limits::default());
        let mut seen = BTreeMap::new();
        let mut cursor = 0;
        loop {
            let page = big.scan(cursor, 10, None);
            assert!(page.from_dict);
            for (m, s) in page.items {
                seen.insert(m, s);
            }
            cursor = page.cursor;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 500);
        let page = big.scan(0, 100_000, Some(b"m4?"));
        assert_eq!(page.items.len(), 10);
        let mut rng = Rng(7);
        let mut r = || rng.next();
        for count in [1, 10, 200, 499] {
            let picked = big.random_distinct(count, &mut r);
            let uniq: BTreeSet<_> = picked.iter().map(|p| p.0.clone()).collect();
            assert_eq!(uniq.len(), count);
        }
        let small = ZSetValue::from_sorted(
            (0..20).map(|i| el(i as f64, &format!("m{i:02}"))).collect(),
            &Limits::default(),
        );
        let picked = small.random_distinct(7, &mut r);
        assert_eq!(picked.len(), 7);
        assert!(picked.windows(2).all(|w| w[0].1 < w[1].1), "listpack order");
        let mut n = 0;
        small.random_with_repeats(50, &mut r, |_, _| {
            n += 1;
            true
        });
        assert_eq!(n, 50);
    }
}
