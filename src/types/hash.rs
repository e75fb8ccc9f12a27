//! The hash value. Small hashes are one packed byte buffer of alternating
//! field and value entries (OBJECT ENCODING "listpack"); once a threshold is
//! passed they move, for good, to a [`Dict`] ("hashtable"), as in Redis.
//!
//! # Packed format
//!
//! Entries follow each other with no padding: field, value, field, value...
//! Each starts with one header byte:
//!
//! | header           | entry                                                |
//! |------------------|------------------------------------------------------|
//! | `00LLLLLL`       | a string of L (0..=63) bytes, which follow           |
//! | `01VVVVVV`       | the integer V (0..=63); nothing follows              |
//! | `10RRPPPP`       | the first P (1..=15) bytes of the previous text of   |
//! |                  | the same kind, then the R (0..=3) bytes that follow  |
//! | `11000NNN`       | an integer in the N+1 little-endian bytes that follow|
//! | `11001000` P S   | like `10RRPPPP` with P (1..=63) and S (0..=62) bytes |
//! | `11110000`       | a string: LEB128 length, then the bytes              |
//!
//! Integers are stored for canonical decimal text only (Redis's `string2ll`
//! rules), so turning one back into text gives exactly the bytes written.
//!
//! Prefix sharing ("front coding") is between a field and the field before
//! it, and between a value and the value before it, when both texts are at
//! most 63 bytes: hashes are often `name1 value1 name2 value2...` or hold
//! neighbouring numbers, and `field7` after `field6` takes 2 bytes instead
//! of 7. The encoder writes each entry in whichever of its possible forms
//! is shortest. A walk rebuilds shared texts in a 63-byte scratch array per
//! kind; texts stored whole are read in place.
//!
//! The buffer is allocated to its exact length (no spare capacity: a hash
//! is usually written once and read many times) and the entry count sits
//! next to it, so `HashValue` is 24 bytes and one small hash costs the box
//! plus one allocation of about its payload.

use crate::db::dict::Dict;
use crate::types::string::format_i64;
use crate::util::num;
use std::fmt;

/// Longest string with its length in the header byte.
const SHORT_MAX: usize = 63;
/// Longest text that can share a prefix with its neighbours.
const SHARE_MAX: usize = 63;
/// Limits of the one-byte front-coded header.
const FRONT_SHARED_MAX: usize = 15;
const FRONT_REST_MAX: usize = 3;
const TAG_SHORT: u8 = 0x00;
const TAG_TINY_INT: u8 = 0x40;
const TAG_FRONT: u8 = 0x80;
const TAG_INT: u8 = 0xC0;
const TAG_FRONT_WIDE: u8 = 0xC8;
const TAG_LONG: u8 = 0xF0;
/// Redis refuses to grow a listpack past 1 GB (`lpSafeToAdd`); a hash that
/// would converts to a table instead.
const PACKED_SAFETY_SIZE: usize = 1 << 30;
/// Values up to this many bytes live inside the table entry.
const INLINE_VALUE: usize = 22;
/// Redis's HRANDFIELD_SUB_STRATEGY_MUL: below `count * 3 > size` a
/// random-removal pass is cheaper than drawing distinct fields.
const SUB_STRATEGY_MUL: usize = 3;

/// The encoding thresholds (`hash-max-listpack-entries`,
/// `hash-max-listpack-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Limits {
    /// From the config values (negative counts as 0).
    pub fn new(max_entries: i64, max_value: i64) -> Self {
        Limits {
            max_entries: usize::try_from(max_entries).unwrap_or(0),
            max_value: usize::try_from(max_value).unwrap_or(0),
        }
    }
}

impl Default for Limits {
    /// Redis's defaults (512 entries, 64 bytes).
    fn default() -> Self {
        Limits {
            max_entries: 512,
            max_value: 64,
        }
    }
}

/// A stored value (or field) as read: bytes, an integer stored as one, or
/// a short text rebuilt from its shared prefix (copied out of the packed
/// buffer, at most 63 bytes).
#[derive(Debug, Clone, Copy)]
pub enum FieldVal<'a> {
    Bytes(&'a [u8]),
    Int(i64),
    Small { len: u8, data: [u8; SHARE_MAX] },
}

impl FieldVal<'_> {
    /// Calls `f` with the text; integers are formatted on the stack.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            FieldVal::Bytes(b) => f(b),
            FieldVal::Int(v) => f(format_i64(*v, &mut [0u8; 20])),
            FieldVal::Small { len, data } => f(&data[..usize::from(*len)]),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            FieldVal::Bytes(b) => b.len(),
            FieldVal::Int(v) => num::i64_len(*v),
            FieldVal::Small { len, .. } => usize::from(*len),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    /// The value as an integer (Redis `string2ll` on its text).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            FieldVal::Int(v) => Some(*v),
            other => other.with_bytes(num::parse_i64),
        }
    }
}

impl PartialEq for FieldVal<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FieldVal::Int(a), FieldVal::Int(b)) => a == b,
            _ => self.with_bytes(|a| other.with_bytes(|b| a == b)),
        }
    }
}

// ---------------------------------------------------------------------------
// Packed entries
// ---------------------------------------------------------------------------

/// The integer a field or value is stored as, if its text is canonical.
fn canonical_int(b: &[u8]) -> Option<i64> {
    num::parse_i64(b)
}

/// `t` if the next entry of its kind may share a prefix with it.
fn shareable_text(t: &[u8]) -> Option<&[u8]> {
    (t.len() <= SHARE_MAX).then_some(t)
}

/// One decoded entry.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Str(&'a [u8]),
    Int(i64),
    /// Shared prefix length and the bytes after it.
    Front(usize, &'a [u8]),
}

/// Reads a LEB128 length at `pos`; returns it and the position after it.
fn read_varint(buf: &[u8], mut pos: usize) -> (usize, usize) {
    let mut v = 0usize;
    let mut shift = 0;
    loop {
        let b = buf[pos];
        pos += 1;
        if shift < usize::BITS {
            v |= usize::from(b & 0x7F) << shift;
        }
        if b & 0x80 == 0 {
            return (v, pos);
        }
        shift += 7;
    }
}

/// Decodes the entry at `pos`; returns it and the position of the next.
#[inline(always)]
fn decode(buf: &[u8], pos: usize) -> (Entry<'_>, usize) {
    let h = buf[pos];
    let p = pos + 1;
    match h >> 6 {
        0 => {
            let end = p + usize::from(h & 0x3F);
            (Entry::Str(&buf[p..end]), end)
        }
        1 => (Entry::Int(i64::from(h & 0x3F)), p),
        2 => {
            let end = p + usize::from((h >> 4) & 3);
            (Entry::Front(usize::from(h & 0x0F), &buf[p..end]), end)
        }
        _ if h == TAG_LONG => {
            let (len, start) = read_varint(buf, p);
            (Entry::Str(&buf[start..start + len]), start + len)
        }
        _ if h == TAG_FRONT_WIDE => {
            let end = p + 2 + usize::from(buf[p + 1]);
            (Entry::Front(usize::from(buf[p]), &buf[p + 2..end]), end)
        }
        _ => {
            let n = usize::from(h & 7) + 1;
            let mut le = [0u8; 8];
            le[..n].copy_from_slice(&buf[p..p + n]);
            // Sign-extend from the top stored byte.
            let shift = 64 - 8 * n as u32;
            let v = (i64::from_le_bytes(le) << shift) >> shift;
            (Entry::Int(v), p + n)
        }
    }
}

/// The position after the entry at `pos` (a cheaper `decode`).
#[inline]
fn skip(buf: &[u8], pos: usize) -> usize {
    let h = buf[pos];
    let p = pos + 1;
    match h >> 6 {
        0 => p + usize::from(h & 0x3F),
        1 => p,
        2 => p + usize::from((h >> 4) & 3),
        _ if h == TAG_LONG => {
            let (len, start) = read_varint(buf, p);
            start + len
        }
        _ if h == TAG_FRONT_WIDE => p + 2 + usize::from(buf[p + 1]),
        _ => p + usize::from(h & 7) + 1,
    }
}

/// The header bytes of an entry to write; its data (if any) follows them.
struct Head {
    b: [u8; 11],
    n: u8,
}

impl Head {
    fn one(b0: u8) -> Head {
        let mut b = [0u8; 11];
        b[0] = b0;
        Head { b, n: 1 }
    }

    fn bytes(&self) -> &[u8] {
        &self.b[..usize::from(self.n)]
    }

    fn string(len: usize) -> Head {
        if len <= SHORT_MAX {
            return Head::one(TAG_SHORT | len as u8);
        }
        let mut h = Head::one(TAG_LONG);
        let mut v = len;
        loop {
            let byte = (v & 0x7F) as u8;
            v >>= 7;
            h.b[usize::from(h.n)] = if v == 0 { byte } else { byte | 0x80 };
            h.n += 1;
            if v == 0 {
                return h;
            }
        }
    }

    fn int(v: i64) -> Head {
        if (0..=63).contains(&v) {
            return Head::one(TAG_TINY_INT | v as u8);
        }
        // Fewest bytes that sign-extend back to v.
        let n = (1..=8usize)
            .find(|&n| {
                let shift = 64 - 8 * n as u32;
                (v << shift) >> shift == v
            })
            .unwrap_or(8);
        let mut h = Head::one(TAG_INT | (n as u8 - 1));
        h.b[1..=n].copy_from_slice(&v.to_le_bytes()[..n]);
        h.n = n as u8 + 1;
        h
    }

    fn front(shared: usize, rest: usize) -> Head {
        if shared <= FRONT_SHARED_MAX && rest <= FRONT_REST_MAX {
            return Head::one(TAG_FRONT | (rest as u8) << 4 | shared as u8);
        }
        let mut h = Head::one(TAG_FRONT_WIDE);
        h.b[1] = shared as u8;
        h.b[2] = rest as u8;
        h.n = 3;
        h
    }
}

/// How to write the text `t` after an entry of the same kind whose text is
/// `prev` (when that one can be shared from): header and data bytes.
fn entry_for<'t>(t: &'t [u8], prev: Option<&[u8]>) -> (Head, &'t [u8]) {
    let whole = match canonical_int(t) {
        Some(i) => (Head::int(i), &[][..]),
        None => (Head::string(t.len()), t),
    };
    if t.len() <= SHARE_MAX
        && let Some(prev) = prev
    {
        let shared = prev.iter().zip(t).take_while(|(a, b)| a == b).count();
        if shared > 0 {
            let front = Head::front(shared, t.len() - shared);
            if front.n as usize + t.len() - shared < whole.0.n as usize + whole.1.len() {
                return (front, &t[shared..]);
            }
        }
    }
    whole
}

/// Replaces `buf[start..end]` by the concatenation of `parts`, growing the
/// allocation by exactly what is needed.
fn splice(buf: &mut Vec<u8>, start: usize, end: usize, parts: &[&[u8]]) {
    let new_len: usize = parts.iter().map(|p| p.len()).sum();
    let old_len = end - start;
    let total = buf.len();
    if new_len > old_len {
        let grow = new_len - old_len;
        buf.reserve_exact(grow);
        buf.resize(total + grow, 0);
        buf.copy_within(end..total, end + grow);
    } else if new_len < old_len {
        let shrink = old_len - new_len;
        buf.copy_within(end..total, end - shrink);
        buf.truncate(total - shrink);
    }
    let mut at = start;
    for p in parts {
        buf[at..at + p.len()].copy_from_slice(p);
        at += p.len();
    }
}

/// `dst.copy_from_slice(src)` without a libc call for the 0 to 3 bytes a
/// front-coded entry usually adds.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    match (dst, src) {
        ([], []) => {}
        ([a], [x]) => *a = *x,
        ([a, b], [x, y]) => (*a, *b) = (*x, *y),
        ([a, b, c], [x, y, z]) => (*a, *b, *c) = (*x, *y, *z),
        (dst, src) => dst.copy_from_slice(src),
    }
}

/// A front-coded text rebuilt on the stack.
#[derive(Clone, Copy)]
struct Small {
    data: [u8; SHARE_MAX],
    len: u8,
}

impl Small {
    /// A copy of `t` (at most SHARE_MAX bytes; longer input is cut).
    fn new(t: &[u8]) -> Small {
        let len = t.len().min(SHARE_MAX);
        let mut data = [0u8; SHARE_MAX];
        data[..len].copy_from_slice(&t[..len]);
        Small {
            data,
            len: len as u8,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.data[..usize::from(self.len)]
    }
}

/// If the entry at `pos` is front-coded against `prev`, its full text and
/// the position after it.
fn rebuild_front(buf: &[u8], pos: usize, prev: &[u8]) -> Option<(Small, usize)> {
    let (Entry::Front(shared, rest), end) = decode(buf, pos) else {
        return None;
    };
    let mut s = Small {
        data: [0; SHARE_MAX],
        len: 0,
    };
    let shared = shared.min(prev.len());
    let len = (shared + rest.len()).min(SHARE_MAX);
    s.data[..shared].copy_from_slice(&prev[..shared]);
    copy_short(&mut s.data[shared..len], &rest[..len - shared]);
    s.len = len as u8;
    Some((s, end))
}

/// An entry to write back at `start..end`: header plus data.
struct Rewrite {
    start: usize,
    end: usize,
    head: Head,
    data: Small,
}

/// Re-encodes the front-coded `text` (which sat at `start..end`) against
/// `prev`.
fn rewrite(start: usize, end: usize, text: Small, prev: Option<Small>) -> Rewrite {
    let (head, data) = entry_for(text.bytes(), prev.as_ref().map(Small::bytes));
    Rewrite {
        start,
        end,
        head,
        data: Small::new(data),
    }
}

fn apply(buf: &mut Vec<u8>, r: &Rewrite) {
    splice(buf, r.start, r.end, &[r.head.bytes(), r.data.bytes()]);
}

const FIELD: usize = 0;
const VALUE: usize = 1;

/// The text of the last field (or value) passed during a walk.
#[derive(Clone, Copy)]
enum Cur {
    None,
    /// A string stored whole: start and length in the buffer.
    Slice(usize, usize),
    /// A front-coded text, rebuilt in the scratch array of its kind.
    Scratch(usize),
    Int(i64),
}

/// Walks the pairs of a packed buffer, rebuilding front-coded texts.
struct Walker<'a> {
    buf: &'a [u8],
    pos: usize,
    cur: [Cur; 2],
    scratch: [[u8; SHARE_MAX]; 2],
}

impl<'a> Walker<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Walker {
            buf,
            pos: 0,
            cur: [Cur::None; 2],
            scratch: [[0; SHARE_MAX]; 2],
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Reads the entry at the current position as the next of `kind`.
    #[inline]
    fn step(&mut self, kind: usize) {
        let (e, next) = decode(self.buf, self.pos);
        self.cur[kind] = match e {
            Entry::Str(s) => Cur::Slice(next - s.len(), s.len()),
            Entry::Int(v) => Cur::Int(v),
            Entry::Front(shared, rest) => {
                // The encoder shares only from texts of at most SHARE_MAX
                // bytes and builds only texts of at most SHARE_MAX bytes;
                // the clamps keep a broken invariant from panicking.
                let shared = shared.min(SHARE_MAX);
                let scratch = &mut self.scratch[kind];
                match self.cur[kind] {
                    Cur::Slice(start, len) => {
                        let n = shared.min(len);
                        scratch[..n].copy_from_slice(&self.buf[start..start + n]);
                    }
                    Cur::Int(v) => {
                        let mut digits = [0u8; 20];
                        let text = format_i64(v, &mut digits);
                        let n = shared.min(text.len());
                        scratch[..n].copy_from_slice(&text[..n]);
                    }
                    // Already in place.
                    Cur::Scratch(_) | Cur::None => {}
                }
                let end = (shared + rest.len()).min(SHARE_MAX);
                copy_short(&mut scratch[shared..end], &rest[..end - shared]);
                Cur::Scratch(end)
            }
        };
        self.pos = next;
    }

    /// Moves over the next pair; false at the end.
    #[inline]
    fn next_pair(&mut self) -> bool {
        if self.at_end() {
            return false;
        }
        self.step(FIELD);
        self.step(VALUE);
        true
    }

    /// The current text of `kind`.
    fn text(&self, kind: usize) -> FieldVal<'_> {
        match self.cur[kind] {
            Cur::Slice(start, len) => FieldVal::Bytes(&self.buf[start..start + len]),
            Cur::Scratch(len) => FieldVal::Bytes(&self.scratch[kind][..len]),
            Cur::Int(v) => FieldVal::Int(v),
            Cur::None => FieldVal::Bytes(b""),
        }
    }

    /// Calls `f` with the current pair.
    fn with_pair<R>(&self, f: impl FnOnce(&[u8], FieldVal<'_>) -> R) -> R {
        let v = self.text(VALUE);
        match self.text(FIELD) {
            FieldVal::Int(i) => f(format_i64(i, &mut [0u8; 20]), v),
            other => other.with_bytes(|k| f(k, v)),
        }
    }
}

/// `a == b`, checking the length and the last byte before calling memcmp:
/// neighbouring fields mostly differ at the end (`field1`, `field2`).
#[inline(always)]
fn same_text(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.last() == b.last() && a == b
}

/// The packed ("listpack") form.
#[derive(Clone, Default)]
struct Packed {
    buf: Box<[u8]>,
    /// Number of pairs.
    n: u32,
}

/// No position (before the first entry of a kind).
const NONE: usize = usize::MAX;

/// Bytes `a` and `b` have in common at their start.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// True if the header byte `h` starts a front-coded entry.
#[inline(always)]
fn is_front(h: u8) -> bool {
    h >> 6 == 2 || h == TAG_FRONT_WIDE
}

/// A field search that rebuilds no text. It keeps how many leading bytes
/// the current field shares with the query (the classic front-coding
/// trick: a front-coded field sharing fewer bytes with its predecessor
/// than the predecessor shares with the query cannot match, nor can one
/// sharing more), and where each kind's current chain of front-coded
/// entries starts, so a text is rebuilt only when asked for.
#[derive(Clone, Copy)]
struct Finder<'a> {
    buf: &'a [u8],
    /// The next entry.
    pos: usize,
    /// Per kind: the last entry passed, and the last one stored whole (the
    /// start of the chain the last entry belongs to).
    last: [usize; 2],
    base: [usize; 2],
    /// Leading bytes the last field shares with the query, if computed.
    lcp: Option<usize>,
}

impl<'a> Finder<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Finder {
            buf,
            pos: 0,
            last: [NONE; 2],
            base: [NONE; 2],
            lcp: None,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Steps over the value entry at the current position.
    #[inline(always)]
    fn skip_value(&mut self) {
        let p = self.pos;
        if !is_front(self.buf[p]) {
            self.base[VALUE] = p;
        }
        self.last[VALUE] = p;
        self.pos = skip(self.buf, p);
    }

    /// Steps over the field entry at the current position; true if it is
    /// `q` (`qi`: `q` as a stored integer).
    #[inline(always)]
    fn field_matches(&mut self, q: &[u8], qi: Option<i64>) -> bool {
        let p = self.pos;
        let (e, next) = decode(self.buf, p);
        let hit = match e {
            Entry::Str(s) => {
                self.base[FIELD] = p;
                self.lcp = None;
                same_text(s, q)
            }
            Entry::Int(v) => {
                self.base[FIELD] = p;
                self.lcp = None;
                qi == Some(v)
            }
            Entry::Front(shared, rest) => {
                let before = match self.lcp {
                    Some(l) => l,
                    None => self.whole_lcp(q),
                };
                let (lcp, hit) = if shared != before {
                    (shared.min(before), false)
                } else {
                    let c = common_prefix(rest, &q[shared..]);
                    (shared + c, c == rest.len() && shared + c == q.len())
                };
                self.lcp = Some(lcp);
                hit
            }
        };
        self.last[FIELD] = p;
        self.pos = next;
        hit
    }

    /// Leading bytes the last field, stored whole, shares with `q`.
    #[cold]
    fn whole_lcp(&self, q: &[u8]) -> usize {
        match self.last[FIELD] {
            NONE => 0,
            p => match decode(self.buf, p).0 {
                Entry::Str(s) => common_prefix(s, q),
                Entry::Int(v) => common_prefix(format_i64(v, &mut [0u8; 20]), q),
                Entry::Front(..) => 0,
            },
        }
    }

    /// The text of the last entry of `kind`, rebuilt if front-coded.
    fn text(&self, kind: usize) -> Option<FieldVal<'a>> {
        let (base, last) = (self.base[kind], self.last[kind]);
        if last == NONE || base == NONE {
            return None;
        }
        let whole = match decode(self.buf, base).0 {
            Entry::Str(s) => FieldVal::Bytes(s),
            Entry::Int(v) => FieldVal::Int(v),
            Entry::Front(_, rest) => FieldVal::Bytes(rest),
        };
        if base == last {
            return Some(whole);
        }
        // Replay the chain: every other entry from the base on.
        let mut t = whole.with_bytes(Small::new);
        let mut p = base;
        while p < last {
            p = skip(self.buf, skip(self.buf, p));
            if let Entry::Front(shared, rest) = decode(self.buf, p).0 {
                let shared = shared.min(usize::from(t.len));
                let len = (shared + rest.len()).min(SHARE_MAX);
                copy_short(&mut t.data[shared..len], &rest[..len - shared]);
                t.len = len as u8;
            }
        }
        Some(FieldVal::Small {
            len: t.len,
            data: t.data,
        })
    }

    /// A copy of the text of the last entry of `kind`, if the next entry
    /// of that kind may share it.
    fn shareable(&self, kind: usize) -> Option<Small> {
        match self.text(kind)? {
            FieldVal::Bytes(b) if b.len() > SHARE_MAX => None,
            t => Some(t.with_bytes(Small::new)),
        }
    }
}

/// Finds `f`: Ok with the search states just before and just after its
/// field entry, or Err with the state past the last pair.
fn find_field<'a>(buf: &'a [u8], f: &[u8]) -> Result<(Finder<'a>, Finder<'a>), Finder<'a>> {
    let qi = canonical_int(f);
    let mut w = Finder::new(buf);
    while !w.at_end() {
        let before = w;
        if w.field_matches(f, qi) {
            return Ok((before, w));
        }
        w.skip_value();
    }
    Err(w)
}

/// Sets `f` to `v` in the buffer; true if the field is new.
fn set_in(buf: &mut Vec<u8>, f: &[u8], v: &[u8]) -> bool {
    let w = match find_field(buf, f) {
        Ok((_, w)) => w,
        Err(w) => {
            // Append after the last pair, sharing from its texts.
            let (pf, pv) = (w.shareable(FIELD), w.shareable(VALUE));
            let (fh, fd) = entry_for(f, pf.as_ref().map(Small::bytes));
            let (vh, vd) = entry_for(v, pv.as_ref().map(Small::bytes));
            let end = buf.len();
            splice(buf, end, end, &[fh.bytes(), fd, vh.bytes(), vd]);
            return true;
        }
    };
    // The new value is written against the value before it; the next
    // value, if it was written against the old one, is written again.
    let vstart = w.pos;
    let vend = skip(buf, vstart);
    let mut next = None;
    if vend < buf.len() {
        let at = skip(buf, vend);
        if is_front(buf[at]) {
            let mut old = w;
            old.skip_value();
            if let Some(t) = old.shareable(VALUE)
                && let Some((text, end)) = rebuild_front(buf, at, t.bytes())
            {
                next = Some(rewrite(at, end, text, shareable_text(v).map(Small::new)));
            }
        }
    }
    let before = w.shareable(VALUE);
    let (vh, vd) = entry_for(v, before.as_ref().map(Small::bytes));
    if let Some(r) = &next {
        apply(buf, r);
    }
    splice(buf, vstart, vend, &[vh.bytes(), vd]);
    false
}

/// Removes `f` from the buffer; true if it was there.
fn remove_in(buf: &mut Vec<u8>, f: &[u8]) -> bool {
    let Ok((before, mut w)) = find_field(buf, f) else {
        return false;
    };
    let start = before.pos;
    w.skip_value();
    let end = w.pos;
    // The next pair's texts may be written against the ones going away:
    // write them again against the pair before.
    let mut fixes: [Option<Rewrite>; 2] = [None, None];
    if end < buf.len() {
        let fpos = end;
        let vpos = skip(buf, fpos);
        for (kind, at) in [(FIELD, fpos), (VALUE, vpos)] {
            if !is_front(buf[at]) {
                continue;
            }
            let gone = match kind {
                FIELD => Some(Small::new(f)),
                _ => w.shareable(VALUE),
            };
            if let Some(t) = gone
                && let Some((text, e)) = rebuild_front(buf, at, t.bytes())
            {
                fixes[kind] = Some(rewrite(at, e, text, before.shareable(kind)));
            }
        }
    }
    // Later positions first, so earlier ones stay valid.
    for r in fixes.iter().rev().flatten() {
        apply(buf, r);
    }
    splice(buf, start, end, &[]);
    true
}

impl Packed {
    /// Runs `f` on the buffer as a Vec, then stores it back at its exact
    /// length.
    fn edit<R>(&mut self, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut v = std::mem::take(&mut self.buf).into_vec();
        let r = f(&mut v);
        self.buf = v.into_boxed_slice();
        r
    }

    fn get(&self, q: &[u8]) -> Option<FieldVal<'_>> {
        let (_, mut w) = find_field(&self.buf, q).ok()?;
        w.skip_value();
        w.text(VALUE)
    }

    fn contains(&self, q: &[u8]) -> bool {
        find_field(&self.buf, q).is_ok()
    }

    /// Sets `f` to `v`; true if the field is new.
    fn set(&mut self, f: &[u8], v: &[u8]) -> bool {
        let created = self.edit(|b| set_in(b, f, v));
        self.n += u32::from(created);
        created
    }

    /// Removes `f`; true if it was there.
    fn remove(&mut self, f: &[u8]) -> bool {
        let gone = self.edit(|b| remove_in(b, f));
        self.n -= u32::from(gone);
        gone
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], FieldVal<'_>)) {
        let mut w = Walker::new(&self.buf);
        while w.next_pair() {
            w.with_pair(&mut f);
        }
    }
}

// ---------------------------------------------------------------------------
// Table values
// ---------------------------------------------------------------------------

/// A value in the table form: short ones inside the dict entry.
#[derive(Clone)]
enum TableVal {
    Inline { len: u8, data: [u8; INLINE_VALUE] },
    Heap(Box<[u8]>),
}

impl TableVal {
    fn new(b: &[u8]) -> Self {
        if b.len() <= INLINE_VALUE {
            let mut data = [0u8; INLINE_VALUE];
            data[..b.len()].copy_from_slice(b);
            TableVal::Inline {
                len: b.len() as u8,
                data,
            }
        } else {
            TableVal::Heap(b.into())
        }
    }

    fn from_val(v: FieldVal<'_>) -> Self {
        v.with_bytes(TableVal::new)
    }

    fn bytes(&self) -> &[u8] {
        match self {
            TableVal::Inline { len, data } => &data[..usize::from(*len)],
            TableVal::Heap(b) => b,
        }
    }
}

type Table = Dict<TableVal>;

// ---------------------------------------------------------------------------
// HashValue
// ---------------------------------------------------------------------------

enum Repr {
    Packed(Packed),
    Table(Box<Table>),
}

/// A hash: field -> value, both binary strings.
pub struct HashValue {
    repr: Repr,
}

impl Default for HashValue {
    fn default() -> Self {
        Self::new()
    }
}

/// A small xorshift generator for sampling (seeded by the caller).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

impl HashValue {
    /// An empty hash in the packed form (allocates nothing).
    pub fn new() -> Self {
        HashValue {
            repr: Repr::Packed(Packed::default()),
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self.repr {
            Repr::Packed(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    pub fn is_packed(&self) -> bool {
        matches!(self.repr, Repr::Packed(_))
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.n as usize,
            Repr::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<FieldVal<'_>> {
        match &self.repr {
            Repr::Packed(p) => p.get(field),
            Repr::Table(t) => t.get(field).map(|v| FieldVal::Bytes(v.bytes())),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.repr {
            Repr::Packed(p) => p.contains(field),
            Repr::Table(t) => t.contains_key(field),
        }
    }

    /// Moves to the table form (no-op if already there).
    pub fn convert_to_table(&mut self) {
        let Repr::Packed(p) = &self.repr else {
            return;
        };
        let mut t = Table::new();
        p.for_each(|f, v| {
            t.insert(f, TableVal::from_val(v));
        });
        self.repr = Repr::Table(Box::new(t));
    }

    /// Before writing the field/value arguments `args` (Redis
    /// `hashTypeTryConversion`): converts to the table form when there are
    /// more pairs than `max_entries` (even if some repeat, as Redis 7.2
    /// does), when an argument is longer than `max_value`, or when the
    /// packed form would pass 1 GB.
    pub fn prepare_for(&mut self, args: &[&[u8]], lim: &Limits) {
        let Repr::Packed(p) = &self.repr else {
            return;
        };
        if args.len() / 2 > lim.max_entries {
            return self.convert_to_table();
        }
        let mut sum = 0usize;
        for a in args {
            if a.len() > lim.max_value {
                return self.convert_to_table();
            }
            sum = sum.saturating_add(a.len());
        }
        if p.buf.len().saturating_add(sum) > PACKED_SAFETY_SIZE {
            self.convert_to_table();
        }
    }

    /// Sets `field` to `value` (Redis `hashTypeSet`); true if the field is
    /// new. Converts to the table form first when either is longer than
    /// `max_value`, and after when the hash has more than `max_entries`.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: &Limits) -> bool {
        if let Repr::Packed(p) = &mut self.repr {
            if field.len() <= lim.max_value && value.len() <= lim.max_value {
                let created = p.set(field, value);
                if p.n as usize > lim.max_entries {
                    self.convert_to_table();
                }
                return created;
            }
            self.convert_to_table();
        }
        match &mut self.repr {
            Repr::Table(t) => t.insert(field, TableVal::new(value)).is_none(),
            Repr::Packed(_) => false,
        }
    }

    /// HSET's work: [`HashValue::prepare_for`] the `field value ...`
    /// arguments, then [`HashValue::set`] each pair; returns how many
    /// fields are new. The packed buffer is reallocated once for the batch.
    pub fn set_pairs(&mut self, pairs: &[&[u8]], lim: &Limits) -> usize {
        self.prepare_for(pairs, lim);
        let mut created = 0;
        let mut done = 0;
        if let Repr::Packed(p) = &mut self.repr {
            let n = &mut p.n;
            let mut owned = std::mem::take(&mut p.buf).into_vec();
            let buf = &mut owned;
            {
                // Room for the whole batch (a string entry costs at most its
                // length plus 2 bytes up to 63 bytes, plus 11 beyond).
                // (One pair grows the buffer once anyway, exactly.)
                if pairs.len() > 2 {
                    let room: usize = pairs.iter().map(|a| a.len() + 11).sum();
                    buf.reserve(room.min(PACKED_SAFETY_SIZE));
                }
                for pair in pairs.chunks_exact(2) {
                    if *n as usize >= lim.max_entries
                        || pair[0].len() > lim.max_value
                        || pair[1].len() > lim.max_value
                    {
                        // Past a threshold: the generic path converts.
                        break;
                    }
                    if set_in(buf, pair[0], pair[1]) {
                        *n += 1;
                        created += 1;
                    }
                    done += 2;
                }
            }
            p.buf = owned.into_boxed_slice();
        }
        for pair in pairs[done..].chunks_exact(2) {
            created += usize::from(self.set(pair[0], pair[1], lim));
        }
        created
    }

    /// Removes `field`; true if it was there. Never converts back to the
    /// packed form (Redis does not either).
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Packed(p) => p.remove(field),
            Repr::Table(t) => {
                let gone = t.remove(field).is_some();
                if gone {
                    t.shrink_if_needed();
                }
                gone
            }
        }
    }

    /// Calls `f` for every pair: in insertion order for the packed form,
    /// in table order for the table form.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], FieldVal<'_>)) {
        match &self.repr {
            Repr::Packed(p) => p.for_each(f),
            Repr::Table(t) => {
                for (k, v) in t.iter() {
                    f(k, FieldVal::Bytes(v.bytes()));
                }
            }
        }
    }

    /// One HSCAN step from `cursor` (Redis 7.2 `scanGenericCommand`): the
    /// packed form returns every pair and cursor 0; the table form visits
    /// buckets until `count` pairs were looked at (or `10 * count` buckets
    /// were visited). Returns the next cursor.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], FieldVal<'_>)) -> u64 {
        match &self.repr {
            Repr::Packed(p) => {
                p.for_each(f);
                0
            }
            Repr::Table(t) => {
                let mut cursor = cursor;
                let mut sampled = 0usize;
                let mut buckets_left = count.saturating_mul(10);
                loop {
                    cursor = t.scan(cursor, |k, v| {
                        sampled += 1;
                        f(k, FieldVal::Bytes(v.bytes()));
                    });
                    if cursor == 0 || buckets_left == 0 || sampled >= count {
                        return cursor;
                    }
                    buckets_left -= 1;
                }
            }
        }
    }

    /// One random pair (HRANDFIELD without a count), or None when empty.
    pub fn random_pair<R>(
        &self,
        rng: &mut Rng,
        f: impl FnOnce(&[u8], FieldVal<'_>) -> R,
    ) -> Option<R> {
        match &self.repr {
            Repr::Packed(p) => {
                if p.n == 0 {
                    return None;
                }
                let want = rng.below(p.n as usize);
                let mut w = Walker::new(&p.buf);
                for _ in 0..=want {
                    if !w.next_pair() {
                        return None;
                    }
                }
                Some(w.with_pair(f))
            }
            Repr::Table(t) => {
                let (k, v) = t.fair_random_entry(&mut || rng.next_u64())?;
                Some(f(k, FieldVal::Bytes(v.bytes())))
            }
        }
    }

    /// How many pairs [`HashValue::random_pairs`] returns for these
    /// arguments (the reply's length).
    pub fn random_pairs_len(&self, count: u64, unique: bool) -> u64 {
        let size = self.len() as u64;
        if size == 0 || count == 0 {
            0
        } else if !unique || count == 1 {
            count
        } else {
            count.min(size)
        }
    }

    /// HRANDFIELD with a count (Redis `hrandfieldWithCountCommand`): calls
    /// `f` once per returned pair, [`HashValue::random_pairs_len`] times.
    /// Without `unique`, `count` independent picks (repeats possible).
    /// With it, `min(count, len)` distinct fields: the whole hash when
    /// `count >= len`, otherwise a random subset, in stored order for the
    /// packed form and in random order for the table form. Allocates
    /// nothing proportional to `count` beyond the hash's own size.
    pub fn random_pairs(
        &self,
        count: u64,
        unique: bool,
        rng: &mut Rng,
        mut f: impl FnMut(&[u8], FieldVal<'_>),
    ) {
        let size = self.len();
        if size == 0 || count == 0 {
            return;
        }
        // Case 1: repeats allowed, or a single pick.
        if !unique || count == 1 {
            match &self.repr {
                Repr::Table(t) => {
                    for _ in 0..count {
                        if let Some((k, v)) = t.fair_random_entry(&mut || rng.next_u64()) {
                            f(k, FieldVal::Bytes(v.bytes()));
                        }
                    }
                }
                Repr::Packed(_) if count == 1 => {
                    self.random_pair(rng, f);
                }
                Repr::Packed(p) => {
                    let flat = Flat::of(p);
                    for _ in 0..count {
                        let (k, v) = flat.pair(rng.below(flat.len()));
                        f(k, v);
                    }
                }
            }
            return;
        }
        // Case 2: the whole hash.
        if count >= size as u64 {
            self.for_each(f);
            return;
        }
        let count = count as usize;
        match &self.repr {
            // Case 2.5: a random subset kept in stored order (selection
            // sampling: each pair is taken with probability needed/left).
            Repr::Packed(p) => {
                let mut needed = count;
                let mut left = size;
                let mut w = Walker::new(&p.buf);
                while needed > 0 && w.next_pair() {
                    if rng.below(left) < needed {
                        needed -= 1;
                        w.with_pair(&mut f);
                    }
                    left -= 1;
                }
            }
            // Case 3: most of the hash: `count` distinct pairs by a partial
            // shuffle of all of them.
            Repr::Table(t) if count * SUB_STRATEGY_MUL > size => {
                let mut all: Vec<(&[u8], &TableVal)> = t.iter().collect();
                for i in 0..count {
                    let j = i + rng.below(all.len() - i);
                    all.swap(i, j);
                    let (k, v) = all[i];
                    f(k, FieldVal::Bytes(v.bytes()));
                }
            }
            // Case 4: a small part of a big hash: draw until `count`
            // distinct fields came up.
            Repr::Table(t) => {
                let mut seen: std::collections::HashSet<&[u8], ahash::RandomState> =
                    std::collections::HashSet::with_capacity_and_hasher(
                        count,
                        ahash::RandomState::new(),
                    );
                while seen.len() < count {
                    let Some((k, v)) = t.fair_random_entry(&mut || rng.next_u64()) else {
                        break;
                    };
                    if seen.insert(k) {
                        f(k, FieldVal::Bytes(v.bytes()));
                    }
                }
            }
        }
    }

    /// Bytes of the packed buffer (None for the table form); for tests and
    /// memory accounting.
    pub fn packed_bytes(&self) -> Option<usize> {
        match &self.repr {
            Repr::Packed(p) => Some(p.buf.len()),
            Repr::Table(_) => None,
        }
    }
}

/// The pairs of a packed hash copied out for random access (HRANDFIELD
/// with repeats): one byte arena and the offsets of each field and value.
struct Flat {
    text: Vec<u8>,
    /// Per pair: field start, value start (= field end), value end.
    spans: Vec<(u32, u32, u32)>,
    /// Values stored as integers (kept as such to reply without text).
    ints: Vec<Option<i64>>,
}

impl Flat {
    fn of(p: &Packed) -> Flat {
        let mut flat = Flat {
            text: Vec::with_capacity(p.buf.len() * 2),
            spans: Vec::with_capacity(p.n as usize),
            ints: Vec::with_capacity(p.n as usize),
        };
        p.for_each(|k, v| {
            let a = flat.text.len() as u32;
            flat.text.extend_from_slice(k);
            let b = flat.text.len() as u32;
            let int = match v {
                FieldVal::Int(i) => Some(i),
                other => {
                    other.with_bytes(|b| flat.text.extend_from_slice(b));
                    None
                }
            };
            flat.spans.push((a, b, flat.text.len() as u32));
            flat.ints.push(int);
        });
        flat
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn pair(&self, i: usize) -> (&[u8], FieldVal<'_>) {
        let (a, b, c) = self.spans[i];
        let k = &self.text[a as usize..b as usize];
        let v = match self.ints[i] {
            Some(v) => FieldVal::Int(v),
            None => FieldVal::Bytes(&self.text[b as usize..c as usize]),
        };
        (k, v)
    }
}

impl Clone for HashValue {
    fn clone(&self) -> Self {
        let repr = match &self.repr {
            Repr::Packed(p) => Repr::Packed(p.clone()),
            Repr::Table(t) => {
                let mut copy = Table::new();
                for (k, v) in t.iter() {
                    copy.insert(k, v.clone());
                }
                Repr::Table(Box::new(copy))
            }
        };
        HashValue { repr }
    }
}

impl PartialEq for HashValue {
    /// Same pairs, whatever the encodings and order.
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut same = true;
        self.for_each(|k, v| {
            if same && other.get(k) != Some(v) {
                same = false;
            }
        });
        same
    }
}

impl fmt::Debug for HashValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        self.for_each(|k, v| {
            m.entry(
                &String::from_utf8_lossy(k),
                &String::from_utf8_lossy(&v.to_vec()),
            );
        });
        m.finish()?;
        write!(f, " ({})", self.encoding_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim(entries: usize, value: usize) -> Limits {
        Limits {
            max_entries: entries,
            max_value: value,
        }
    }

    fn pairs(h: &HashValue) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut v = Vec::new();
        h.for_each(|k, val| v.push((k.to_vec(), val.to_vec())));
        v
    }

    fn get(h: &HashValue, f: &[u8]) -> Option<Vec<u8>> {
        h.get(f).map(|v| v.to_vec())
    }

    #[test]
    fn value_is_small() {
        // The box Redis-style keyspaces hold: one malloc chunk of 32 bytes.
        assert!(std::mem::size_of::<HashValue>() <= 24);
        assert!(std::mem::size_of::<TableVal>() <= 24);
    }

    #[test]
    fn entries_round_trip() {
        let long = vec![b'x'; 300];
        let huge = vec![b'y'; 20_000];
        let texts: Vec<&[u8]> = vec![
            b"",
            b"0",
            b"63",
            b"64",
            b"-1",
            b"127",
            b"128",
            b"-129",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"9223372036854775808",
            b"007",
            b"-0",
            b"+1",
            b" 1",
            b"1.5",
            b"a",
            &[b'z'; 63],
            &[b'z'; 64],
            &long,
            &huge,
            b"\x00\xff binary \r\n",
        ];
        let mut h = HashValue::new();
        let l = lim(1000, usize::MAX);
        for (i, t) in texts.iter().enumerate() {
            assert!(h.set(t, texts[texts.len() - 1 - i], &l));
        }
        assert!(h.is_packed());
        assert_eq!(h.len(), texts.len());
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(get(&h, t).as_deref(), Some(texts[texts.len() - 1 - i]));
        }
        let order: Vec<Vec<u8>> = pairs(&h).into_iter().map(|(k, _)| k).collect();
        let want: Vec<Vec<u8>> = texts.iter().map(|t| t.to_vec()).collect();
        assert_eq!(order, want);
        // Integers are stored as integers, and come back as the same text.
        let mut h = HashValue::new();
        h.set(b"a", b"-1", &l);
        h.set(b"b", b"-0", &l);
        assert!(matches!(h.get(b"a"), Some(FieldVal::Int(-1))));
        // "-0" is text, here written as "-" shared with "-1" plus "0".
        assert_eq!(get(&h, b"b"), Some(b"-0".to_vec()));
        assert_eq!(h.packed_bytes(), Some(2 + 2 + 2 + 2));
    }

    #[test]
    fn shared_prefixes_are_compact() {
        let mut h = HashValue::new();
        let l = Limits::default();
        for j in 0..10 {
            h.set(
                format!("field{j}").as_bytes(),
                format!("value{j}").as_bytes(),
                &l,
            );
        }
        // First pair whole (7 + 7), then 2 + 2 bytes per pair.
        assert_eq!(h.packed_bytes(), Some(14 + 9 * 4));
        for j in 0..10 {
            assert_eq!(
                get(&h, format!("field{j}").as_bytes()),
                Some(format!("value{j}").into_bytes())
            );
        }
        // Removing a field the next one shares from rewrites the next one.
        assert!(h.remove(b"field0"));
        assert!(h.remove(b"field5"));
        assert_eq!(get(&h, b"field1"), Some(b"value1".to_vec()));
        assert_eq!(get(&h, b"field6"), Some(b"value6".to_vec()));
        assert_eq!(h.len(), 8);
        // Updating a value the next one shares from rewrites the next one.
        h.set(b"field3", b"other", &l);
        assert_eq!(get(&h, b"field4"), Some(b"value4".to_vec()));
        assert_eq!(get(&h, b"field3"), Some(b"other".to_vec()));
        h.set(b"field3", b"12345", &l);
        assert_eq!(get(&h, b"field4"), Some(b"value4".to_vec()));
        assert_eq!(get(&h, b"field3"), Some(b"12345".to_vec()));
    }

    #[test]
    fn converts_past_entry_count() {
        let l = lim(3, 64);
        let mut h = HashValue::new();
        for f in [b"a", b"b", b"c"] {
            h.set(f, b"v", &l);
        }
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"a", b"w", &l);
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"d", b"v", &l);
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(h.len(), 4);
        assert_eq!(get(&h, b"a"), Some(b"w".to_vec()));
        // Never back.
        for f in [b"a", b"b", b"c"] {
            h.remove(f);
        }
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(pairs(&h), vec![(b"d".to_vec(), b"v".to_vec())]);
    }

    #[test]
    fn converts_past_value_length() {
        let l = lim(128, 4);
        let mut h = HashValue::new();
        h.set(b"abcd", b"1234", &l);
        assert!(h.is_packed());
        h.set(b"abcde", b"1", &l);
        assert!(!h.is_packed());
        let mut h = HashValue::new();
        h.set(b"a", b"12345", &l);
        assert!(!h.is_packed());
        // HSET checks every argument before writing anything.
        let mut h = HashValue::new();
        assert_eq!(h.set_pairs(&[b"a", b"1", b"b", b"12345"], &l), 2);
        assert!(!h.is_packed());
    }

    #[test]
    fn more_pairs_than_entries_converts_first() {
        // Redis 7.2 converts when an HSET carries more pairs than
        // hash-max-listpack-entries, even when they repeat.
        let l = lim(2, 64);
        let mut h = HashValue::new();
        assert_eq!(h.set_pairs(&[b"a", b"1", b"a", b"2", b"a", b"3"], &l), 1);
        assert!(!h.is_packed());
        assert_eq!(get(&h, b"a"), Some(b"3".to_vec()));
        let mut h = HashValue::new();
        assert_eq!(h.set_pairs(&[b"a", b"1", b"b", b"2"], &l), 2);
        assert!(h.is_packed());
        // A batch that passes the limit midway converts after that insert.
        assert_eq!(h.set_pairs(&[b"c", b"3", b"a", b"9"], &l), 1);
        assert!(!h.is_packed());
        assert_eq!(h.len(), 3);
        assert_eq!(get(&h, b"a"), Some(b"9".to_vec()));
    }

    #[test]
    fn zero_limits() {
        let mut h = HashValue::new();
        h.set(b"", b"", &lim(128, 0));
        assert!(h.is_packed());
        h.set(b"a", b"", &lim(128, 0));
        assert!(!h.is_packed());
        let mut h = HashValue::new();
        h.set(b"a", b"b", &lim(0, 64));
        assert!(!h.is_packed());
    }

    #[test]
    fn equality_ignores_encoding() {
        let mut a = HashValue::new();
        let mut b = HashValue::new();
        for i in 0..5 {
            a.set(format!("f{i}").as_bytes(), b"v", &Limits::default());
            b.set(format!("f{}", 4 - i).as_bytes(), b"v", &lim(1, 64));
        }
        assert!(a.is_packed() && !b.is_packed());
        assert_eq!(a, b);
        assert_eq!(a.clone(), b.clone());
        b.set(b"f0", b"w", &Limits::default());
        assert_ne!(a, b);
    }

    /// Fields and values drawn to exercise every entry kind: shared
    /// prefixes, integers, empty and long strings.
    fn text(rng: &mut Rng) -> Vec<u8> {
        match rng.below(15) {
            13 => b"abcdefgh"[..rng.below(9)].to_vec(),
            14 => b"abcdxyzw"[..rng.below(9)].to_vec(),
            10 => (100_000 + rng.below(30)).to_string().into_bytes(),
            11 => format!("a_rather_long_shared_prefix_{}", rng.below(30)).into_bytes(),
            12 => format!("-{}", rng.below(1000)).into_bytes(),
            0 => rng.below(200).to_string().into_bytes(),
            1 => (rng.next_u64() as i64).to_string().into_bytes(),
            2 => Vec::new(),
            3 => vec![b'L'; 60 + rng.below(10)],
            4 => format!("0{}", rng.below(5)).into_bytes(),
            5 => format!("prefix:{}", rng.below(3)).into_bytes(),
            _ => format!("field:{}:{}", rng.below(4), rng.below(4)).into_bytes(),
        }
    }

    #[test]
    fn random_operations_match_a_model() {
        for seed in 1..=300u64 {
            let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let l = lim(4 + rng.below(40), 20 + rng.below(60));
            let mut h = HashValue::new();
            // Insertion-ordered model (the packed form keeps that order).
            let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            for step in 0..200 {
                let f = text(&mut rng);
                match rng.below(10) {
                    0..=4 => {
                        let v = text(&mut rng);
                        let created = h.set(&f, &v, &l);
                        match model.iter_mut().find(|(k, _)| *k == f) {
                            Some(slot) => {
                                assert!(!created);
                                slot.1 = v;
                            }
                            None => {
                                assert!(created);
                                model.push((f, v));
                            }
                        }
                    }
                    5 => {
                        let mut args = vec![f.clone(), text(&mut rng)];
                        args.push(text(&mut rng));
                        args.push(text(&mut rng));
                        let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                        let mut new = 0;
                        for p in args.chunks(2) {
                            match model.iter_mut().find(|(k, _)| *k == p[0]) {
                                Some(slot) => slot.1 = p[1].clone(),
                                None => {
                                    new += 1;
                                    model.push((p[0].clone(), p[1].clone()));
                                }
                            }
                        }
                        assert_eq!(h.set_pairs(&refs, &l), new);
                    }
                    6..=8 => {
                        let gone = h.remove(&f);
                        let pos = model.iter().position(|(k, _)| *k == f);
                        assert_eq!(gone, pos.is_some());
                        if let Some(p) = pos {
                            model.remove(p);
                        }
                    }
                    _ => {
                        let want = model.iter().find(|(k, _)| *k == f).map(|(_, v)| v.clone());
                        assert_eq!(get(&h, &f), want);
                        assert_eq!(h.contains(&f), want.is_some());
                    }
                }
                assert_eq!(h.len(), model.len(), "seed {seed} step {step}");
                let mut got = pairs(&h);
                if h.is_packed() {
                    assert_eq!(got, model, "seed {seed} step {step}");
                    let limits_hold = model.len() <= l.max_entries
                        && model
                            .iter()
                            .all(|(k, v)| k.len() <= l.max_value && v.len() <= l.max_value);
                    assert!(limits_hold, "seed {seed} step {step}: packed past a limit");
                } else {
                    let mut want = model.clone();
                    got.sort();
                    want.sort();
                    assert_eq!(got, want, "seed {seed} step {step}");
                }
                for (k, v) in &model {
                    assert_eq!(get(&h, k).as_ref(), Some(v), "seed {seed} step {step}");
                }
            }
        }
    }

    #[test]
    fn random_pairs_cases() {
        let mut rng = Rng::new(7);
        for packed in [true, false] {
            let l = if packed {
                Limits::default()
            } else {
                lim(0, 64)
            };
            let mut h = HashValue::new();
            for i in 0..20 {
                h.set(format!("f{i}").as_bytes(), format!("v{i}").as_bytes(), &l);
            }
            assert_eq!(h.is_packed(), packed);
            for (count, unique) in [
                (0, true),
                (1, true),
                (5, true),
                (10, true),
                (19, true),
                (20, true),
                (50, true),
                (7, false),
                (100, false),
            ] {
                let mut got = Vec::new();
                h.random_pairs(count, unique, &mut rng, |k, v| {
                    let n: usize = std::str::from_utf8(&k[1..]).unwrap().parse().unwrap();
                    assert_eq!(v.to_vec(), format!("v{n}").into_bytes());
                    got.push(n);
                });
                assert_eq!(got.len() as u64, h.random_pairs_len(count, unique));
                if unique {
                    let mut d = got.clone();
                    d.sort();
                    d.dedup();
                    assert_eq!(d.len(), got.len(), "distinct for count {count}");
                    if packed && count > 1 {
                        assert!(got.windows(2).all(|w| w[0] < w[1]), "stored order");
                    }
                }
            }
            assert!(h.random_pair(&mut rng, |k, _| k.to_vec()).is_some());
        }
        let empty = HashValue::new();
        assert_eq!(empty.random_pairs_len(5, false), 0);
        assert!(empty.random_pair(&mut rng, |_, _| ()).is_none());
    }

    #[test]
    fn scan_packed_returns_everything() {
        let mut h = HashValue::new();
        for i in 0..30 {
            h.set(format!("k{i}").as_bytes(), b"v", &Limits::default());
        }
        let mut n = 0;
        assert_eq!(h.scan(0, 1, |_, _| n += 1), 0);
        assert_eq!(n, 30);
    }

    #[test]
    fn scan_table_covers_everything() {
        let mut h = HashValue::new();
        let l = lim(0, 64);
        for i in 0..1000 {
            h.set(format!("k{i}").as_bytes(), b"v", &l);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        loop {
            cursor = h.scan(cursor, 10, |k, _| {
                seen.insert(k.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 1000);
    }
}
