//! The list value, with Redis 7.2's two encodings and its conversion rules.
//!
//! * **listpack** — a small list is one packed buffer of entries ([`Pack`]),
//!   in a single allocation.
//! * **quicklist** — a big list is a deque of packed nodes ([`Quick`]), each
//!   bounded by `list-max-listpack-size` (positive: entries per node;
//!   -1..-5: 4/8/16/32/64 KB per node). Both ends are cheap; an insert,
//!   replace or delete in the middle touches one node.
//!
//! Entries use a listpack-style format (our own code): an integer when the
//! element's text is a canonical `i64` (Redis `string2ll` rules), else the
//! bytes, each followed by a back-length so a node can be walked both ways.
//! Every entry takes exactly as many bytes as in a Redis listpack, so the
//! byte counts that decide conversions and node splits are Redis's own:
//! a list converts to a quicklist when a push would take it past the limit,
//! and back to a listpack once it is a single node within half the limit,
//! exactly when Redis 7.2 does (so OBJECT ENCODING agrees).
//!
//! A node keeps free room at both ends (a gap before the first entry, spare
//! capacity after the last), so pushes and pops at either end move no data.

use crate::util::num;
use std::collections::VecDeque;
use std::fmt;

// ---------------------------------------------------------------------------
// Limits (Redis's quicklist sizing rules)
// ---------------------------------------------------------------------------

/// Node byte limits for `list-max-listpack-size` -1..-5 (below -5: 64 KB).
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Byte cap of a multi-entry node when the fill counts entries.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// The per-entry overhead assumed when checking whether one more fits.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// A Redis listpack's header (total bytes, entry count) plus its end byte:
/// every size limit counts them, so node sizes here include them too.
const LP_OVERHEAD: usize = 7;
/// Largest fill a quicklist keeps (Redis stores it in 15 bits + sign).
const FILL_MAX: i64 = (1 << 15) - 1;
/// Buffers double up to this size, then grow by an eighth at a time.
const SOFT_MAX: usize = SIZE_SAFETY_LIMIT + HDR;

/// The fill value as Redis's `int` config holds it.
fn clamp_fill(fill: i64) -> i64 {
    fill.clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// A node's limits under `fill`: (max bytes, max entries); `usize::MAX`
/// where there is none (Redis's quicklistNodeLimit).
fn node_limit(fill: i64) -> (usize, usize) {
    let fill = clamp_fill(fill);
    if fill >= 0 {
        (usize::MAX, if fill == 0 { 1 } else { fill as usize })
    } else {
        let level = (fill.unsigned_abs() - 1).min(SIZE_LEVELS.len() as u64 - 1);
        (SIZE_LEVELS[level as usize], usize::MAX)
    }
}

/// True if a node of `bytes` bytes and `count` entries is over the limit
/// (Redis's quicklistNodeExceedsLimit).
fn exceeds_limit(fill: i64, bytes: usize, count: usize) -> bool {
    let (max_bytes, max_count) = node_limit(fill);
    if max_bytes != usize::MAX {
        bytes > max_bytes
    } else {
        bytes > SIZE_SAFETY_LIMIT || count > max_count
    }
}

/// The default size from which an element gets a quicklist node of its own
/// (Redis's packed_threshold, 1 GB).
const DEFAULT_PACKED_THRESHOLD: usize = 1 << 30;
/// DEBUG QUICKLIST-PACKED-THRESHOLD refuses sizes above 4 GB less 1 MB.
const MAX_PACKED_THRESHOLD: u64 = (1 << 32) - (1 << 20);

thread_local! {
    /// Elements of at least this many bytes live alone in a quicklist node
    /// (Redis's "plain" nodes): never packed with others, never merged. One
    /// setting for the whole data set, like Redis's global; per thread so
    /// the event loop (which owns every list) sees one value and tests
    /// running side by side cannot disturb each other.
    static PACKED_THRESHOLD: std::cell::Cell<usize> =
        const { std::cell::Cell::new(DEFAULT_PACKED_THRESHOLD) };
}

/// DEBUG QUICKLIST-PACKED-THRESHOLD: sets the size from which an element
/// gets a node of its own; 0 restores the default. False (and no change)
/// for sizes of 4 GB less 1 MB and up.
pub fn set_packed_threshold(bytes: u64) -> bool {
    if bytes > MAX_PACKED_THRESHOLD {
        return false;
    }
    let t = if bytes == 0 {
        DEFAULT_PACKED_THRESHOLD
    } else {
        bytes as usize
    };
    PACKED_THRESHOLD.with(|c| c.set(t));
    true
}

/// True if an element of `text_len` bytes gets a node of its own.
#[inline]
fn is_large(text_len: usize) -> bool {
    text_len >= PACKED_THRESHOLD.with(|c| c.get())
}

/// True if `node` holds one large element, which nothing may join.
fn is_plain(node: &Pack) -> bool {
    node.count() == 1 && is_large(node.get(node.start()).text_len())
}

/// True if an element of `text_len` bytes may go into `node` rather than a
/// new node (Redis's _quicklistNodeAllowInsert: an estimate, not the exact
/// encoded size). A large element, or a node holding one, never shares.
fn allow_insert(node: &Pack, fill: i64, text_len: usize) -> bool {
    if is_large(text_len) || is_plain(node) {
        return false;
    }
    let bytes = node.lp_bytes() + text_len + SIZE_ESTIMATE_OVERHEAD;
    !exceeds_limit(fill, bytes, node.count() + 1)
}

/// True if two adjacent nodes may become one (Redis's
/// _quicklistNodeAllowMerge: the merged size is exact). A node holding one
/// large element is never merged.
fn allow_merge(a: &Pack, b: &Pack, fill: i64) -> bool {
    if is_plain(a) || is_plain(b) {
        return false;
    }
    let bytes = a.lp_bytes() + b.lp_bytes() - LP_OVERHEAD;
    !exceeds_limit(fill, bytes, a.count() + b.count())
}

/// Free room a node made by a push starts with: a quarter of its size
/// limit, so a filling node reallocates at most twice.
fn initial_room(fill: i64) -> usize {
    node_limit(fill).0.min(SIZE_SAFETY_LIMIT) / 4
}

// ---------------------------------------------------------------------------
// Elements and their packed encoding
// ---------------------------------------------------------------------------

/// One element, as stored: an integer when its text is a canonical decimal
/// `i64`, else its bytes. Two elements are equal exactly when their texts
/// are, since every canonical integer text is stored as an integer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Elem<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl fmt::Debug for Elem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Elem::Int(v) => write!(f, "{v}"),
            Elem::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s)),
        }
    }
}

impl<'a> Elem<'a> {
    /// How the element with text `b` is stored (listpack rules).
    #[inline]
    pub fn from_bytes(b: &'a [u8]) -> Elem<'a> {
        if b.len() <= 20
            && let Some(v) = num::parse_i64(b)
        {
            Elem::Int(v)
        } else {
            Elem::Str(b)
        }
    }

    /// Length of the element's text.
    #[inline]
    pub fn text_len(&self) -> usize {
        match self {
            Elem::Int(v) => num::i64_len(*v),
            Elem::Str(s) => s.len(),
        }
    }

    /// Appends the element's text.
    pub fn write_text(&self, out: &mut Vec<u8>) {
        match self {
            Elem::Int(v) => num::write_i64(*v, out),
            Elem::Str(s) => out.extend_from_slice(s),
        }
    }

    pub fn to_owned_elem(&self) -> OwnedElem {
        match *self {
            Elem::Int(v) => OwnedElem::Int(v),
            Elem::Str(s) => OwnedElem::Str(s.to_vec()),
        }
    }

    /// Encoded length without the back-length.
    #[inline]
    fn enc_len(&self) -> usize {
        match *self {
            Elem::Int(v) => int_enc_len(v),
            Elem::Str(s) => str_hdr_len(s.len()) + s.len(),
        }
    }
}

/// An element taken out of a list.
#[derive(Clone, PartialEq, Eq)]
pub enum OwnedElem {
    Int(i64),
    Str(Vec<u8>),
}

impl fmt::Debug for OwnedElem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_elem().fmt(f)
    }
}

impl OwnedElem {
    pub fn as_elem(&self) -> Elem<'_> {
        match self {
            OwnedElem::Int(v) => Elem::Int(*v),
            OwnedElem::Str(s) => Elem::Str(s),
        }
    }
}

#[inline]
fn int_enc_len(v: i64) -> usize {
    if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if i16::try_from(v).is_ok() {
        3
    } else if (-(1 << 23)..(1 << 23)).contains(&v) {
        4
    } else if i32::try_from(v).is_ok() {
        5
    } else {
        9
    }
}

#[inline]
fn str_hdr_len(len: usize) -> usize {
    if len < 64 {
        1
    } else if len < 4096 {
        2
    } else {
        5
    }
}

/// Bytes of the back-length that follows an entry of encoded length `l`.
#[inline]
fn backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

/// Total bytes of the entry for `e`.
#[inline]
fn entry_size(e: &Elem) -> usize {
    let l = e.enc_len();
    l + backlen_size(l)
}

/// Writes the entry for `e` into `dst` (exactly `entry_size(e)` bytes).
fn write_entry(e: &Elem, dst: &mut [u8]) {
    let l = match *e {
        Elem::Int(v) => write_int(v, dst),
        Elem::Str(s) => {
            let h = write_str_hdr(s.len(), dst);
            dst[h..h + s.len()].copy_from_slice(s);
            h + s.len()
        }
    };
    write_backlen(l, &mut dst[l..]);
}

/// Appends the entry for `e` to `buf`.
#[inline]
fn append_entry(e: &Elem, buf: &mut Vec<u8>) {
    let mut tmp = [0u8; 16];
    match *e {
        Elem::Int(v) => {
            let l = write_int(v, &mut tmp);
            let b = backlen_size(l);
            write_backlen(l, &mut tmp[l..l + b]);
            buf.extend_from_slice(&tmp[..l + b]);
        }
        Elem::Str(s) => {
            let h = write_str_hdr(s.len(), &mut tmp);
            buf.extend_from_slice(&tmp[..h]);
            buf.extend_from_slice(s);
            let l = h + s.len();
            let b = backlen_size(l);
            write_backlen(l, &mut tmp[..b]);
            buf.extend_from_slice(&tmp[..b]);
        }
    }
}

/// Writes an integer's encoding; returns its length.
fn write_int(v: i64, dst: &mut [u8]) -> usize {
    match int_enc_len(v) {
        1 => {
            dst[0] = v as u8;
            1
        }
        2 => {
            let u = (v as u16) & 0x1FFF;
            dst[0] = 0xC0 | (u >> 8) as u8;
            dst[1] = u as u8;
            2
        }
        3 => {
            dst[0] = 0xF1;
            dst[1..3].copy_from_slice(&(v as i16).to_le_bytes());
            3
        }
        4 => {
            dst[0] = 0xF2;
            dst[1..4].copy_from_slice(&(v as i32).to_le_bytes()[..3]);
            4
        }
        5 => {
            dst[0] = 0xF3;
            dst[1..5].copy_from_slice(&(v as i32).to_le_bytes());
            5
        }
        _ => {
            dst[0] = 0xF4;
            dst[1..9].copy_from_slice(&v.to_le_bytes());
            9
        }
    }
}

/// Writes a string header; returns its length.
fn write_str_hdr(len: usize, dst: &mut [u8]) -> usize {
    if len < 64 {
        dst[0] = 0x80 | len as u8;
        1
    } else if len < 4096 {
        dst[0] = 0xE0 | (len >> 8) as u8;
        dst[1] = len as u8;
        2
    } else {
        dst[0] = 0xF0;
        dst[1..5].copy_from_slice(&(len as u32).to_le_bytes());
        5
    }
}

/// Writes the back-length of an entry of encoded length `l` into `dst`
/// (exactly `backlen_size(l)` bytes), 7 bits a byte, lowest bits in the
/// last byte; every byte but the first has its high bit set, so a reader
/// walking backwards knows when to stop.
#[inline]
fn write_backlen(l: usize, dst: &mut [u8]) {
    let k = dst.len();
    for (i, slot) in dst.iter_mut().rev().enumerate() {
        let more = if i + 1 < k { 0x80 } else { 0 };
        *slot = ((l >> (7 * i)) & 0x7F) as u8 | more;
    }
}

/// Decodes the entry at `p`: the element and its encoded length (without
/// the back-length).
#[inline]
fn decode(buf: &[u8], p: usize) -> (Elem<'_>, usize) {
    let b = buf[p];
    if b < 0x80 {
        return (Elem::Int(i64::from(b)), 1);
    }
    if b & 0xC0 == 0x80 {
        let n = usize::from(b & 0x3F);
        return (Elem::Str(&buf[p + 1..p + 1 + n]), 1 + n);
    }
    if b & 0xE0 == 0xC0 {
        let u = (u16::from(b & 0x1F) << 8) | u16::from(buf[p + 1]);
        return (Elem::Int(i64::from(((u << 3) as i16) >> 3)), 2);
    }
    if b & 0xF0 == 0xE0 {
        let n = (usize::from(b & 0x0F) << 8) | usize::from(buf[p + 1]);
        return (Elem::Str(&buf[p + 2..p + 2 + n]), 2 + n);
    }
    match b {
        0xF0 => {
            let n = u32::from_le_bytes([buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4]]) as usize;
            (Elem::Str(&buf[p + 5..p + 5 + n]), 5 + n)
        }
        0xF1 => (
            Elem::Int(i64::from(i16::from_le_bytes([buf[p + 1], buf[p + 2]]))),
            3,
        ),
        0xF2 => {
            let u = i32::from_le_bytes([0, buf[p + 1], buf[p + 2], buf[p + 3]]);
            (Elem::Int(i64::from(u >> 8)), 4)
        }
        0xF3 => (
            Elem::Int(i64::from(i32::from_le_bytes([
                buf[p + 1],
                buf[p + 2],
                buf[p + 3],
                buf[p + 4],
            ]))),
            5,
        ),
        _ => {
            let mut b8 = [0u8; 8];
            b8.copy_from_slice(&buf[p + 1..p + 9]);
            (Elem::Int(i64::from_le_bytes(b8)), 9)
        }
    }
}

/// Encoded length (without back-length) of the entry at `p`, from its
/// header alone.
#[inline]
fn enc_len_at(buf: &[u8], p: usize) -> usize {
    let b = buf[p];
    if b < 0x80 {
        1
    } else if b & 0xC0 == 0x80 {
        1 + usize::from(b & 0x3F)
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        2 + ((usize::from(b & 0x0F) << 8) | usize::from(buf[p + 1]))
    } else {
        match b {
            0xF0 => {
                5 + u32::from_le_bytes([buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4]]) as usize
            }
            0xF1 => 3,
            0xF2 => 4,
            0xF3 => 5,
            _ => 9,
        }
    }
}

// ---------------------------------------------------------------------------
// Pack: one packed buffer of entries
// ---------------------------------------------------------------------------

/// Header bytes of a [`Pack`] buffer: entry count and data offset (u32 each).
const HDR: usize = 8;

/// A packed run of entries: a listpack, or one quicklist node.
///
/// Layout of `buf`: `[count u32][start u32][free gap][entries][spare]`,
/// entries spanning `buf[start..]`; spare room is the Vec's capacity.
/// Keeping the count and start in the buffer keeps the struct one `Vec`.
#[derive(Clone)]
struct Pack {
    buf: Vec<u8>,
}

impl Pack {
    /// An empty pack with `front` bytes of gap and room for `back` more.
    fn with_room(front: usize, back: usize) -> Pack {
        let mut buf = Vec::with_capacity(HDR + front + back);
        buf.resize(HDR + front, 0);
        let mut p = Pack { buf };
        p.set_start(HDR + front);
        p
    }

    #[inline]
    fn rd32(&self, at: usize) -> usize {
        u32::from_le_bytes([
            self.buf[at],
            self.buf[at + 1],
            self.buf[at + 2],
            self.buf[at + 3],
        ]) as usize
    }

    #[inline]
    fn count(&self) -> usize {
        self.rd32(0)
    }

    #[inline]
    fn set_count(&mut self, n: usize) {
        self.buf[0..4].copy_from_slice(&(n as u32).to_le_bytes());
    }

    /// Offset of the first entry.
    #[inline]
    fn start(&self) -> usize {
        self.rd32(4)
    }

    #[inline]
    fn set_start(&mut self, s: usize) {
        self.buf[4..8].copy_from_slice(&(s as u32).to_le_bytes());
    }

    /// Offset just past the last entry.
    #[inline]
    fn end(&self) -> usize {
        self.buf.len()
    }

    #[inline]
    fn data_len(&self) -> usize {
        self.end() - self.start()
    }

    /// The size this node has as a Redis listpack.
    #[inline]
    fn lp_bytes(&self) -> usize {
        self.data_len() + LP_OVERHEAD
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// Offset of the entry after the one at `p`.
    #[inline]
    fn next_off(&self, p: usize) -> usize {
        let l = enc_len_at(&self.buf, p);
        p + l + backlen_size(l)
    }

    /// Offset of the entry that ends at `p` (`p` > start).
    #[inline]
    fn prev_off(&self, p: usize) -> usize {
        let mut q = p - 1;
        let mut b = self.buf[q];
        let mut l = usize::from(b & 0x7F);
        let mut shift = 7;
        while b & 0x80 != 0 {
            q -= 1;
            b = self.buf[q];
            l |= usize::from(b & 0x7F) << shift;
            shift += 7;
        }
        q - l
    }

    #[inline]
    fn get(&self, p: usize) -> Elem<'_> {
        decode(&self.buf, p).0
    }

    /// Offset of entry `idx` (< count), walking from the nearer end.
    fn seek(&self, idx: usize) -> usize {
        let n = self.count();
        if idx <= n / 2 {
            let mut p = self.start();
            for _ in 0..idx {
                p = self.next_off(p);
            }
            p
        } else {
            let mut p = self.end();
            for _ in idx..n {
                p = self.prev_off(p);
            }
            p
        }
    }

    /// Rebuilds the buffer with `front` bytes of gap and room for `back`
    /// more bytes after the data.
    fn rebuild(&mut self, front: usize, back: usize) {
        let start = self.start();
        let data = self.buf.len() - start;
        let mut buf = Vec::with_capacity(HDR + front + data + back);
        buf.extend_from_slice(&self.buf[..HDR]);
        buf.resize(HDR + front, 0);
        buf.extend_from_slice(&self.buf[start..]);
        self.buf = buf;
        self.set_start(HDR + front);
    }

    /// Room to grow by when `need` more bytes do not fit: the data size up
    /// to SOFT_MAX, then an eighth.
    fn growth(&self, need: usize) -> usize {
        let used = self.buf.len();
        let extra = if used < SOFT_MAX {
            used.min(SOFT_MAX - used)
        } else {
            used / 8
        };
        need.max(extra)
    }

    /// Makes sure `need` bytes fit after the data.
    #[inline]
    fn reserve_back(&mut self, need: usize) {
        if self.buf.capacity() - self.buf.len() < need {
            let more = self.growth(need);
            self.buf.reserve_exact(more);
        }
    }

    /// Makes sure `need` bytes fit in the gap before the data.
    #[inline]
    fn reserve_front(&mut self, need: usize) {
        if self.start() - HDR < need {
            let spare = self.buf.capacity() - self.buf.len();
            let front = self.growth(need);
            self.rebuild(front, spare);
        }
    }

    /// Gives back most of the memory of a buffer that is mostly empty.
    fn compact(&mut self) {
        let used = HDR + self.data_len();
        if self.buf.capacity() > 64 && self.buf.capacity() > 2 * used + 32 {
            self.rebuild(0, 0);
        }
    }

    fn push_back(&mut self, e: &Elem) {
        self.reserve_back(entry_size(e));
        append_entry(e, &mut self.buf);
        self.set_count(self.count() + 1);
    }

    fn push_front(&mut self, e: &Elem) {
        let size = entry_size(e);
        self.reserve_front(size);
        let start = self.start() - size;
        write_entry(e, &mut self.buf[start..start + size]);
        self.set_start(start);
        self.set_count(self.count() + 1);
    }

    /// Removes the first entry (there must be one).
    fn drop_front(&mut self) {
        let next = self.next_off(self.start());
        self.set_start(next);
        self.set_count(self.count() - 1);
    }

    /// Removes the last entry (there must be one).
    fn drop_back(&mut self) {
        let last = self.prev_off(self.end());
        self.buf.truncate(last);
        self.set_count(self.count() - 1);
    }

    /// Inserts `e` before the entry at `p` (`p` == end appends), moving
    /// whichever side of `p` is shorter.
    fn insert_at(&mut self, p: usize, e: &Elem) {
        let size = entry_size(e);
        let (start, end) = (self.start(), self.end());
        if p - start <= end - p && start - HDR >= size {
            self.buf.copy_within(start..p, start - size);
            write_entry(e, &mut self.buf[p - size..p]);
            self.set_start(start - size);
        } else {
            self.reserve_back(size);
            self.buf.resize(end + size, 0);
            self.buf.copy_within(p..end, p + size);
            write_entry(e, &mut self.buf[p..p + size]);
        }
        self.set_count(self.count() + 1);
    }

    /// Removes the `n` entries spanning `a..b`, moving whichever side is
    /// shorter. Returns where the entry that followed them now starts.
    fn delete_span(&mut self, a: usize, b: usize, n: usize) -> usize {
        let (start, end) = (self.start(), self.end());
        let gone = b - a;
        self.set_count(self.count() - n);
        if a - start < end - b {
            self.buf.copy_within(start..a, start + gone);
            self.set_start(start + gone);
            b
        } else {
            self.buf.copy_within(b..end, a);
            self.buf.truncate(end - gone);
            a
        }
    }

    /// Replaces the entry at `p` by `e`.
    fn replace_at(&mut self, p: usize, e: &Elem) {
        let old = self.next_off(p) - p;
        if entry_size(e) == old {
            write_entry(e, &mut self.buf[p..p + old]);
        } else {
            let at = self.delete_span(p, p + old, 1);
            self.insert_at(at, e);
        }
    }

    /// Drops the first `front` and the last `back` entries (together at
    /// most `count`).
    fn trim(&mut self, front: usize, back: usize) {
        if front > 0 {
            let mut p = self.start();
            for _ in 0..front {
                p = self.next_off(p);
            }
            self.set_start(p);
        }
        if back > 0 {
            let mut p = self.end();
            for _ in 0..back {
                p = self.prev_off(p);
            }
            self.buf.truncate(p);
        }
        self.set_count(self.count() - front - back);
    }

    /// Splits off the entries from index `idx` on into a new pack.
    fn split_back(&mut self, idx: usize) -> Pack {
        let n = self.count();
        let p = if idx == n { self.end() } else { self.seek(idx) };
        let mut tail = Pack::with_room(0, self.end() - p);
        tail.buf.extend_from_slice(&self.buf[p..]);
        tail.set_count(n - idx);
        self.buf.truncate(p);
        self.set_count(idx);
        tail
    }

    /// Splits off the entries before index `idx` into a new pack.
    fn split_front(&mut self, idx: usize) -> Pack {
        let p = if idx == self.count() {
            self.end()
        } else {
            self.seek(idx)
        };
        let start = self.start();
        let mut head = Pack::with_room(0, p - start);
        head.buf.extend_from_slice(&self.buf[start..p]);
        head.set_count(idx);
        self.set_start(p);
        self.set_count(self.count() - idx);
        head
    }

    /// Appends every entry of `other`.
    fn append_pack(&mut self, other: &Pack) {
        self.reserve_back(other.data_len());
        self.buf.extend_from_slice(&other.buf[other.start()..]);
        self.set_count(self.count() + other.count());
    }

    /// Prepends every entry of `other`.
    fn prepend_pack(&mut self, other: &Pack) {
        let n = other.data_len();
        self.reserve_front(n);
        let start = self.start() - n;
        self.buf[start..start + n].copy_from_slice(&other.buf[other.start()..]);
        self.set_start(start);
        self.set_count(self.count() + other.count());
    }

    /// Index and offset of the first entry equal to `target`.
    fn find(&self, target: &Elem) -> Option<(usize, usize)> {
        let mut p = self.start();
        let end = self.end();
        let mut i = 0;
        while p < end {
            let (e, l) = decode(&self.buf, p);
            if e == *target {
                return Some((i, p));
            }
            p += l + backlen_size(l);
            i += 1;
        }
        None
    }

    /// Removes entries equal to `target`, at most `limit` of them (0: all),
    /// scanning from the back if `rev`. Returns how many went.
    fn remove_matching(&mut self, target: &Elem, limit: usize, rev: bool) -> usize {
        // Entries to delete, as (offset, size), found first; then one pass
        // closes the holes.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let full = |spans: &Vec<(usize, usize)>| limit != 0 && spans.len() == limit;
        if rev {
            let (start, mut p) = (self.start(), self.end());
            while p > start && !full(&spans) {
                let q = self.prev_off(p);
                if self.get(q) == *target {
                    spans.push((q, p - q));
                }
                p = q;
            }
            spans.reverse();
        } else {
            let (mut p, end) = (self.start(), self.end());
            while p < end && !full(&spans) {
                let q = self.next_off(p);
                if self.get(p) == *target {
                    spans.push((p, q - p));
                }
                p = q;
            }
        }
        let Some(&(first, _)) = spans.first() else {
            return 0;
        };
        let end = self.end();
        let mut w = first;
        for (i, &(off, size)) in spans.iter().enumerate() {
            let keep_from = off + size;
            let keep_to = spans.get(i + 1).map_or(end, |s| s.0);
            self.buf.copy_within(keep_from..keep_to, w);
            w += keep_to - keep_from;
        }
        self.buf.truncate(w);
        self.set_count(self.count() - spans.len());
        spans.len()
    }
}

// ---------------------------------------------------------------------------
// Quick: a deque of packed nodes
// ---------------------------------------------------------------------------

/// The big-list form: nodes in order, none empty.
#[derive(Clone)]
struct Quick {
    nodes: VecDeque<Pack>,
    /// Total entries.
    count: usize,
    /// The node fill, fixed when the quicklist was made (as in Redis).
    fill: i64,
}

impl Quick {
    fn new(fill: i64) -> Quick {
        Quick {
            nodes: VecDeque::new(),
            count: 0,
            fill: clamp_fill(fill).clamp(-5, FILL_MAX),
        }
    }

    fn push_front(&mut self, e: &Elem) {
        let fill = self.fill;
        match self.nodes.front_mut() {
            Some(head) if allow_insert(head, fill, e.text_len()) => head.push_front(e),
            _ => {
                let mut node = Pack::with_room(initial_room(fill).max(entry_size(e)), 0);
                node.push_front(e);
                self.nodes.push_front(node);
            }
        }
        self.count += 1;
    }

    fn push_back(&mut self, e: &Elem) {
        let fill = self.fill;
        match self.nodes.back_mut() {
            Some(tail) if allow_insert(tail, fill, e.text_len()) => tail.push_back(e),
            _ => {
                let mut node = Pack::with_room(0, initial_room(fill).max(entry_size(e)));
                node.push_back(e);
                self.nodes.push_back(node);
            }
        }
        self.count += 1;
    }

    /// The node holding list index `idx` (< count) and the index within it,
    /// walking from the nearer end.
    fn locate(&self, idx: usize) -> (usize, usize) {
        if idx <= (self.count - 1) / 2 {
            let mut acc = 0;
            for (i, n) in self.nodes.iter().enumerate() {
                if acc + n.count() > idx {
                    return (i, idx - acc);
                }
                acc += n.count();
            }
        } else {
            let mut acc = self.count;
            for (i, n) in self.nodes.iter().enumerate().rev() {
                acc -= n.count();
                if acc <= idx {
                    return (i, idx - acc);
                }
            }
        }
        // Unreachable while the counts are consistent.
        (self.nodes.len() - 1, 0)
    }

    /// Inserts `e` before (or after) entry `ei` at offset `off` of node
    /// `ni`, the way Redis's _quicklistInsert places it: into that node if
    /// it has room, else into the neighbour at that end, else a new node,
    /// else by splitting the node (and merging what fits afterwards).
    fn insert(&mut self, ni: usize, ei: usize, off: usize, e: &Elem, after: bool) {
        let fill = self.fill;
        let sz = e.text_len();
        let node = &self.nodes[ni];
        let full = !allow_insert(node, fill, sz);
        let at_tail = after && ei + 1 == node.count();
        let at_head = !after && ei == 0;
        let avail_next = at_tail
            && self
                .nodes
                .get(ni + 1)
                .is_some_and(|n| allow_insert(n, fill, sz));
        let avail_prev = at_head
            && ni > 0
            && self
                .nodes
                .get(ni - 1)
                .is_some_and(|n| allow_insert(n, fill, sz));
        self.count += 1;
        if is_large(sz) && !at_tail && !at_head {
            // A large element in the middle of a node splits it and sits
            // alone between the halves, with nothing merged back.
            let mut alone = Pack::with_room(0, entry_size(e));
            alone.push_back(e);
            if after {
                let tail = self.nodes[ni].split_back(ei + 1);
                self.nodes.insert(ni + 1, alone);
                self.nodes.insert(ni + 2, tail);
            } else {
                let head = self.nodes[ni].split_front(ei);
                self.nodes.insert(ni, head);
                self.nodes.insert(ni + 1, alone);
            }
        } else if !full {
            let node = &mut self.nodes[ni];
            let at = if after { node.next_off(off) } else { off };
            node.insert_at(at, e);
        } else if at_tail && avail_next {
            self.nodes[ni + 1].push_front(e);
        } else if at_head && avail_prev {
            self.nodes[ni - 1].push_back(e);
        } else if at_tail || at_head {
            let mut node = Pack::with_room(0, entry_size(e));
            node.push_back(e);
            self.nodes.insert(if after { ni + 1 } else { ni }, node);
        } else if after {
            let mut tail = self.nodes[ni].split_back(ei + 1);
            tail.push_front(e);
            self.nodes.insert(ni + 1, tail);
            self.merge_around(ni);
        } else {
            let mut head = self.nodes[ni].split_front(ei);
            head.push_back(e);
            self.nodes.insert(ni, head);
            self.merge_around(ni + 1);
        }
    }

    /// Merges node `i + 1` into node `i`.
    fn merge(&mut self, i: usize) {
        let Some(b) = self.nodes.remove(i + 1) else {
            return;
        };
        let a = &mut self.nodes[i];
        if a.data_len() >= b.data_len() {
            a.append_pack(&b);
        } else {
            let mut b = b;
            b.prepend_pack(a);
            *a = b;
        }
    }

    fn can_merge(&self, i: usize) -> bool {
        match (self.nodes.get(i), self.nodes.get(i + 1)) {
            (Some(a), Some(b)) => allow_merge(a, b, self.fill),
            _ => false,
        }
    }

    /// After a split next to node `c`, merges neighbours that fit together,
    /// in Redis's order (_quicklistMergeNodes): the two before `c`, the two
    /// after it, `c` with the one before, the result with the one after.
    fn merge_around(&mut self, mut c: usize) {
        if c >= 2 && self.can_merge(c - 2) {
            self.merge(c - 2);
            c -= 1;
        }
        if self.can_merge(c + 1) {
            self.merge(c + 1);
        }
        let target = if c >= 1 && self.can_merge(c - 1) {
            self.merge(c - 1);
            c - 1
        } else {
            c
        };
        if self.can_merge(target) {
            self.merge(target);
        }
    }

    /// Drops the first `front` and last `back` entries, and any node left
    /// empty.
    fn trim(&mut self, mut front: usize, mut back: usize) {
        self.count -= front + back;
        while front > 0 {
            let Some(head) = self.nodes.front_mut() else {
                break;
            };
            let n = head.count();
            if n <= front {
                self.nodes.pop_front();
                front -= n;
            } else {
                head.trim(front, 0);
                front = 0;
            }
        }
        while back > 0 {
            let Some(tail) = self.nodes.back_mut() else {
                break;
            };
            let n = tail.count();
            if n <= back {
                self.nodes.pop_back();
                back -= n;
            } else {
                tail.trim(0, back);
                back = 0;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// ListValue
// ---------------------------------------------------------------------------

#[derive(Clone)]
enum Repr {
    Pack(Pack),
    Quick(Box<Quick>),
}

/// A list value (see the module docs for its encodings).
///
/// Operations come in two kinds, as in Redis: primitive edits (push, pop,
/// insert, ...) that never change the encoding, and the two conversion
/// checks, [`ListValue::grow_check`] (before adding) and
/// [`ListValue::shrink_check`] (after removing), which commands call where
/// Redis 7.2 calls listTypeTryConversion.
#[derive(Clone)]
pub struct ListValue {
    repr: Repr,
}

impl Default for ListValue {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for ListValue {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for ListValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.encoding_name())?;
        f.debug_list().entries(self.iter()).finish()
    }
}

impl ListValue {
    /// An empty listpack-encoded list.
    pub fn new() -> Self {
        ListValue {
            repr: Repr::Pack(Pack::with_room(0, 0)),
        }
    }

    /// A new list sized for the `elems` about to be pushed into it.
    pub fn with_capacity_for(elems: &[&[u8]]) -> Self {
        let bytes: usize = elems.iter().map(|e| entry_size(&Elem::from_bytes(e))).sum();
        ListValue {
            repr: Repr::Pack(Pack::with_room(0, bytes.min(SOFT_MAX))),
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Quick(_) => "quicklist",
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.count(),
            Repr::Quick(q) => q.count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_quicklist(&self) -> bool {
        matches!(self.repr, Repr::Quick(_))
    }

    /// Converts a listpack to a quicklist if adding `add_count` elements of
    /// `add_bytes` text bytes in total would take it past the limit for
    /// `fill` (the current `list-max-listpack-size`). Redis's
    /// listTypeTryConversionAppend: called before the elements go in.
    pub fn grow_check(&mut self, fill: i64, add_bytes: usize, add_count: usize) {
        let Repr::Pack(p) = &mut self.repr else {
            return;
        };
        if !exceeds_limit(
            fill,
            p.lp_bytes().saturating_add(add_bytes),
            p.count().saturating_add(add_count),
        ) {
            return;
        }
        let mut q = Quick::new(fill);
        if !p.is_empty() {
            q.count = p.count();
            q.nodes
                .push_back(std::mem::replace(p, Pack::with_room(0, 0)));
        }
        self.repr = Repr::Quick(Box::new(q));
    }

    /// Converts a quicklist back to a listpack if it is one node within half
    /// the limit for `fill` (Redis's listTypeTryConversion when shrinking),
    /// and trims spare memory. Called after elements were removed.
    pub fn shrink_check(&mut self, fill: i64) {
        match &mut self.repr {
            Repr::Pack(p) => p.compact(),
            Repr::Quick(q) => {
                if q.nodes.len() != 1 {
                    return;
                }
                let (max_bytes, max_count) = node_limit(fill);
                let node = &q.nodes[0];
                if node.lp_bytes() > max_bytes / 2 || q.count > max_count / 2 {
                    return;
                }
                if let Some(mut p) = q.nodes.pop_front() {
                    p.compact();
                    self.repr = Repr::Pack(p);
                }
            }
        }
    }

    /// Pushes one element at the head (`left`) or tail. No conversion.
    #[inline]
    pub fn push(&mut self, e: &Elem, left: bool) {
        match &mut self.repr {
            Repr::Pack(p) if left => p.push_front(e),
            Repr::Pack(p) => p.push_back(e),
            Repr::Quick(q) if left => q.push_front(e),
            Repr::Quick(q) => q.push_back(e),
        }
    }

    /// LPUSH/RPUSH: the conversion check for all of `elems`, then each is
    /// pushed in turn (so LPUSH reverses them).
    pub fn push_all(&mut self, elems: &[&[u8]], left: bool, fill: i64) {
        let bytes = elems.iter().map(|e| e.len()).sum();
        self.grow_check(fill, bytes, elems.len());
        for e in elems {
            self.push(&Elem::from_bytes(e), left);
        }
    }

    /// Calls `f` with the head (`left`) or tail element, then removes it.
    /// None if the list is empty. No conversion.
    #[inline]
    pub fn pop_with<R>(&mut self, left: bool, f: impl FnOnce(Elem<'_>) -> R) -> Option<R> {
        match &mut self.repr {
            Repr::Pack(p) => {
                if p.is_empty() {
                    return None;
                }
                let r = if left {
                    f(p.get(p.start()))
                } else {
                    f(p.get(p.prev_off(p.end())))
                };
                if left {
                    p.drop_front();
                } else {
                    p.drop_back();
                }
                Some(r)
            }
            Repr::Quick(q) => {
                let node = if left {
                    q.nodes.front_mut()?
                } else {
                    q.nodes.back_mut()?
                };
                let r = if left {
                    f(node.get(node.start()))
                } else {
                    f(node.get(node.prev_off(node.end())))
                };
                if left {
                    node.drop_front();
                } else {
                    node.drop_back();
                }
                if node.is_empty() {
                    if left {
                        q.nodes.pop_front();
                    } else {
                        q.nodes.pop_back();
                    }
                }
                q.count -= 1;
                Some(r)
            }
        }
    }

    /// Removes and returns the head (`left`) or tail element.
    pub fn pop(&mut self, left: bool) -> Option<OwnedElem> {
        self.pop_with(left, |e| e.to_owned_elem())
    }

    /// Resolves a possibly negative index to a position, if in range.
    pub fn resolve_index(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let i = if index < 0 {
            index.checked_add(len)?
        } else {
            index
        };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// Node and offset of position `idx` (< len).
    fn position(&self, idx: usize) -> (usize, usize) {
        match &self.repr {
            Repr::Pack(p) => (0, p.seek(idx)),
            Repr::Quick(q) => {
                let (ni, ei) = q.locate(idx);
                (ni, q.nodes[ni].seek(ei))
            }
        }
    }

    fn node(&self, i: usize) -> &Pack {
        match &self.repr {
            Repr::Pack(p) => p,
            Repr::Quick(q) => &q.nodes[i],
        }
    }

    /// The element at `index` (negative counts from the tail).
    pub fn get(&self, index: i64) -> Option<Elem<'_>> {
        let idx = self.resolve_index(index)?;
        let (ni, off) = self.position(idx);
        Some(self.node(ni).get(off))
    }

    /// Replaces the element at `index`; false if out of range. The node is
    /// edited in place whatever its size (as Redis 7.2's LSET), except that
    /// an element of at least the packed threshold put into a node shared
    /// with others splits it and takes a node of its own. No conversion.
    pub fn set(&mut self, index: i64, e: &Elem) -> bool {
        let Some(idx) = self.resolve_index(index) else {
            return false;
        };
        let (ni, off) = self.position(idx);
        match &mut self.repr {
            Repr::Pack(p) => p.replace_at(off, e),
            Repr::Quick(q) if is_large(e.text_len()) && q.nodes[ni].count() > 1 => {
                let (_, ei) = q.locate(idx);
                let tail = q.nodes[ni].split_back(ei + 1);
                q.nodes[ni].drop_back();
                let mut alone = Pack::with_room(0, entry_size(e));
                alone.push_back(e);
                let at = if q.nodes[ni].is_empty() {
                    q.nodes[ni] = alone;
                    ni + 1
                } else {
                    q.nodes.insert(ni + 1, alone);
                    ni + 2
                };
                if !tail.is_empty() {
                    q.nodes.insert(at, tail);
                }
            }
            Repr::Quick(q) => q.nodes[ni].replace_at(off, e),
        }
        true
    }

    /// Inserts `e` before (or `after`) the first element equal to `pivot`;
    /// false if there is none. No conversion.
    pub fn insert(&mut self, pivot: &Elem, e: &Elem, after: bool) -> bool {
        match &mut self.repr {
            Repr::Pack(p) => {
                let Some((_, off)) = p.find(pivot) else {
                    return false;
                };
                let at = if after { p.next_off(off) } else { off };
                p.insert_at(at, e);
                true
            }
            Repr::Quick(q) => {
                let found = q
                    .nodes
                    .iter()
                    .enumerate()
                    .find_map(|(ni, n)| n.find(pivot).map(|(ei, off)| (ni, ei, off)));
                let Some((ni, ei, off)) = found else {
                    return false;
                };
                q.insert(ni, ei, off, e, after);
                true
            }
        }
    }

    /// Removes elements equal to `target`: the first `count` from the head
    /// (count > 0), the last `-count` from the tail (count < 0), or all of
    /// them (0). Returns how many went. No conversion.
    pub fn remove(&mut self, target: &Elem, count: i64) -> usize {
        let rev = count < 0;
        let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        match &mut self.repr {
            Repr::Pack(p) => p.remove_matching(target, limit, rev),
            Repr::Quick(q) => {
                let mut removed = 0;
                let n = q.nodes.len();
                for k in 0..n {
                    let i = if rev { n - 1 - k } else { k };
                    let left = if limit == 0 { 0 } else { limit - removed };
                    removed += q.nodes[i].remove_matching(target, left, rev);
                    if limit != 0 && removed == limit {
                        break;
                    }
                }
                q.nodes.retain(|n| !n.is_empty());
                q.count -= removed;
                removed
            }
        }
    }

    /// Drops the first `front` and the last `back` elements (LTRIM, and
    /// pops with a count). Together they must not exceed the length. No
    /// conversion.
    pub fn trim(&mut self, front: usize, back: usize) {
        match &mut self.repr {
            Repr::Pack(p) => p.trim(front, back),
            Repr::Quick(q) => q.trim(front, back),
        }
    }

    /// Iterates over every element, head to tail.
    pub fn iter(&self) -> Iter<'_> {
        if self.is_empty() {
            return Iter {
                nodes: self.node_slices(),
                node: 0,
                off: 0,
                left: 0,
                rev: false,
            };
        }
        self.iter_at(0, false)
    }

    /// Iterates from position `idx` (< len) toward the tail, or toward the
    /// head if `rev`.
    pub fn iter_at(&self, idx: usize, rev: bool) -> Iter<'_> {
        let len = self.len();
        if idx >= len {
            return Iter {
                nodes: self.node_slices(),
                node: 0,
                off: 0,
                left: 0,
                rev,
            };
        }
        let (ni, off) = self.position(idx);
        let (off, left) = if rev {
            (self.node(ni).next_off(off), idx + 1)
        } else {
            (off, len - idx)
        };
        Iter {
            nodes: self.node_slices(),
            node: ni,
            off,
            left,
            rev,
        }
    }

    fn node_slices(&self) -> (&[Pack], &[Pack]) {
        match &self.repr {
            Repr::Pack(p) => (std::slice::from_ref(p), &[]),
            Repr::Quick(q) => q.nodes.as_slices(),
        }
    }
}

/// An iterator over list elements from a position, in either direction.
pub struct Iter<'a> {
    nodes: (&'a [Pack], &'a [Pack]),
    node: usize,
    /// Forward: offset of the next entry; reverse: offset just past it.
    off: usize,
    left: usize,
    rev: bool,
}

impl<'a> Iter<'a> {
    #[inline]
    fn node_at(&self, i: usize) -> &'a Pack {
        let (a, b) = self.nodes;
        if i < a.len() { &a[i] } else { &b[i - a.len()] }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut node = self.node_at(self.node);
        if self.rev {
            if self.off == node.start() {
                self.node -= 1;
                node = self.node_at(self.node);
                self.off = node.end();
            }
            let p = node.prev_off(self.off);
            self.off = p;
            Some(decode(&node.buf, p).0)
        } else {
            if self.off == node.end() {
                self.node += 1;
                node = self.node_at(self.node);
                self.off = node.start();
            }
            let (e, l) = decode(&node.buf, self.off);
            self.off += l + backlen_size(l);
            Some(e)
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn e(s: &str) -> Elem<'_> {
        Elem::from_bytes(s.as_bytes())
    }

    fn text(el: Elem) -> String {
        let mut v = Vec::new();
        el.write_text(&mut v);
        String::from_utf8(v).unwrap()
    }

    fn items(l: &ListValue) -> Vec<String> {
        l.iter().map(text).collect()
    }

    /// Walks every node both ways and checks counts, offsets and the
    /// quicklist invariants.
    fn check(l: &ListValue) {
        let check_pack = |p: &Pack| {
            let mut fwd = Vec::new();
            let mut off = p.start();
            while off < p.end() {
                fwd.push(off);
                off = p.next_off(off);
            }
            assert_eq!(off, p.end(), "entries overrun the buffer");
            let mut back = Vec::new();
            let mut off = p.end();
            while off > p.start() {
                off = p.prev_off(off);
                back.push(off);
            }
            back.reverse();
            assert_eq!(fwd, back, "forward and backward walks disagree");
            assert_eq!(fwd.len(), p.count(), "stored count");
            assert!(p.start() >= HDR);
        };
        match &l.repr {
            Repr::Pack(p) => check_pack(p),
            Repr::Quick(q) => {
                let mut total = 0;
                for n in &q.nodes {
                    check_pack(n);
                    assert!(!n.is_empty(), "empty quicklist node");
                    total += n.count();
                }
                assert_eq!(total, q.count);
            }
        }
        assert_eq!(l.iter().count(), l.len());
        let rev: Vec<String> = if l.is_empty() {
            vec![]
        } else {
            l.iter_at(l.len() - 1, true).map(text).collect()
        };
        let mut fwd = items(l);
        fwd.reverse();
        assert_eq!(rev, fwd);
    }

    fn node_sizes(l: &ListValue) -> Vec<(usize, usize)> {
        match &l.repr {
            Repr::Pack(p) => vec![(p.count(), p.lp_bytes())],
            Repr::Quick(q) => q.nodes.iter().map(|n| (n.count(), n.lp_bytes())).collect(),
        }
    }

    #[test]
    fn entry_sizes_match_listpack() {
        // Recorded with DEBUG OBJECT (ql_uncompressed_size) on Redis for a
        // one-node list of exactly these elements: 229 bytes.
        let x63 = "x".repeat(63);
        let x64 = "x".repeat(64);
        let elems = [
            "a",
            "1",
            "127",
            "128",
            "-1",
            "4095",
            "4096",
            "-4096",
            "-4097",
            "32767",
            "32768",
            "-32768",
            "-32769",
            "8388607",
            "8388608",
            "2147483647",
            "2147483648",
            "-9223372036854775808",
            "-0",
            "01",
            &x63,
            &x64,
        ];
        let mut l = ListValue::new();
        for s in elems {
            l.push(&e(s), false);
        }
        assert_eq!(node_sizes(&l), vec![(22, 229)]);
        assert_eq!(items(&l), elems);
        check(&l);
        // Long strings: 2-byte and 5-byte headers, 2- and 3-byte backlens.
        for n in [127, 128, 4095, 4096, 16382, 16383, 70000] {
            let s = "y".repeat(n);
            let el = e(&s);
            let l = el.enc_len();
            let want = if n < 64 {
                1 + n
            } else if n < 4096 {
                2 + n
            } else {
                5 + n
            };
            assert_eq!(l, want);
            let mut buf = vec![0u8; entry_size(&el)];
            write_entry(&el, &mut buf);
            assert_eq!(decode(&buf, 0), (el, l));
            assert_eq!(enc_len_at(&buf, 0), l);
            let p = Pack {
                buf: {
                    let mut b = vec![0u8; HDR];
                    b.extend_from_slice(&buf);
                    b
                },
            };
            assert_eq!(p.prev_off(p.buf.len()), HDR);
        }
    }

    #[test]
    fn integers_round_trip() {
        let vals = [
            0,
            1,
            127,
            128,
            -1,
            -4096,
            4095,
            -4097,
            4096,
            i16::MIN as i64,
            i16::MAX as i64,
            -(1 << 23),
            (1 << 23) - 1,
            1 << 23,
            i32::MIN as i64,
            i32::MAX as i64,
            i64::MIN,
            i64::MAX,
        ];
        for v in vals {
            let el = Elem::Int(v);
            let mut buf = vec![0u8; entry_size(&el)];
            write_entry(&el, &mut buf);
            assert_eq!(decode(&buf, 0).0, el, "{v}");
            let mut app = Vec::new();
            append_entry(&el, &mut app);
            assert_eq!(app, buf);
            assert_eq!(e(&v.to_string()), el);
        }
        // Non-canonical integer texts stay strings.
        for s in ["-0", "01", "+1", " 1", "1 ", "9223372036854775808", ""] {
            assert_eq!(e(s), Elem::Str(s.as_bytes()), "{s:?}");
        }
    }

    #[test]
    fn converts_at_the_size_limit_and_back_at_half() {
        let fill = -2; // 8 KB nodes
        let mut l = ListValue::new();
        let v = "v".repeat(100); // 103 bytes per entry
        // 7 + 79 * 103 = 8144; one more 100-byte text: 8244 > 8192.
        for _ in 0..79 {
            l.push_all(&[v.as_bytes()], false, fill);
        }
        assert_eq!(l.encoding_name(), "listpack");
        assert_eq!(node_sizes(&l), vec![(79, 8144)]);
        // The check counts text bytes, not encoded ones: 8144 + 48 = 8192
        // still fits.
        l.push_all(&[&[b'w'; 48][..]], false, fill);
        assert_eq!(l.encoding_name(), "listpack");
        l.pop(false);
        l.push_all(&[&[b'w'; 49][..]], false, fill);
        assert_eq!(l.encoding_name(), "quicklist");
        // The old listpack is the first node; the pushed element did not
        // fit it (8144 + 49 + 8 > 8192) so it started a second one.
        assert_eq!(node_sizes(&l), vec![(79, 8144), (1, 58)]);
        check(&l);
        // Back to a listpack only as one node of at most 4096 bytes.
        l.pop(false);
        l.shrink_check(fill);
        assert_eq!(l.encoding_name(), "quicklist");
        // 7 + 40 * 103 = 4127 is over half the limit, 7 + 39 * 103 = 4024 not.
        while l.len() > 40 {
            l.pop(true);
            l.shrink_check(fill);
            assert_eq!(l.encoding_name(), "quicklist");
        }
        l.pop(true);
        l.shrink_check(fill);
        assert_eq!(l.encoding_name(), "listpack");
        assert_eq!(node_sizes(&l), vec![(39, 7 + 39 * 103)]);
        check(&l);
    }

    #[test]
    fn count_fill_limits_entries() {
        let fill = 4;
        let mut l = ListValue::new();
        l.push_all(&[b"a", b"b", b"c", b"d"], false, fill);
        assert_eq!(l.encoding_name(), "listpack");
        l.push_all(&[b"e"], false, fill);
        assert_eq!(l.encoding_name(), "quicklist");
        for x in ["f", "g", "h", "i"] {
            l.push(&e(x), false);
        }
        assert_eq!(
            node_sizes(&l).iter().map(|n| n.0).collect::<Vec<_>>(),
            vec![4, 4, 1]
        );
        // Half of 4 is 2: a single node of 2 converts back, of 3 does not.
        l.trim(0, 6);
        assert_eq!(
            node_sizes(&l).iter().map(|n| n.0).collect::<Vec<_>>(),
            vec![3]
        );
        l.shrink_check(fill);
        assert_eq!(l.encoding_name(), "quicklist");
        l.trim(0, 1);
        l.shrink_check(fill);
        assert_eq!(l.encoding_name(), "listpack");
        assert_eq!(items(&l), ["a", "b"]);
        // A count-based fill still caps a node at 8 KB.
        let big = "z".repeat(5000);
        let mut l = ListValue::new();
        l.push_all(&[big.as_bytes()], false, 100);
        assert_eq!(l.encoding_name(), "listpack");
        l.push_all(&[big.as_bytes()], false, 100);
        assert_eq!(l.encoding_name(), "quicklist");
        assert_eq!(node_sizes(&l).len(), 2);
        // Fill 0 means one entry per node.
        let mut l = ListValue::new();
        l.push_all(&[b"a"], false, 0);
        assert_eq!(l.encoding_name(), "listpack");
        l.push_all(&[b"b"], false, 0);
        assert_eq!(node_sizes(&l), vec![(1, 10), (1, 10)]);
        l.pop(true);
        l.shrink_check(0);
        assert_eq!(l.encoding_name(), "quicklist");
    }

    #[test]
    fn fill_levels() {
        assert_eq!(node_limit(-1), (4096, usize::MAX));
        assert_eq!(node_limit(-5), (65536, usize::MAX));
        assert_eq!(node_limit(-100), (65536, usize::MAX));
        assert_eq!(node_limit(i64::MIN), (65536, usize::MAX));
        assert_eq!(node_limit(0), (usize::MAX, 1));
        assert_eq!(node_limit(7), (usize::MAX, 7));
        assert_eq!(Quick::new(100_000).fill, FILL_MAX);
        assert_eq!(Quick::new(-9).fill, -5);
    }

    /// Builds a quicklist of the given node contents directly.
    fn quick(nodes: &[&[&str]], fill: i64) -> ListValue {
        let mut q = Quick::new(fill);
        for n in nodes {
            let mut p = Pack::with_room(0, 0);
            for x in *n {
                p.push_back(&e(x));
            }
            q.count += p.count();
            q.nodes.push_back(p);
        }
        ListValue {
            repr: Repr::Quick(Box::new(q)),
        }
    }

    fn counts(l: &ListValue) -> Vec<usize> {
        node_sizes(l).iter().map(|n| n.0).collect()
    }

    #[test]
    fn large_elements_get_nodes_of_their_own() {
        assert!(!set_packed_threshold(MAX_PACKED_THRESHOLD + 1));
        assert!(set_packed_threshold(4));
        // Pushes: "bigger" never shares a node, small ones still pack.
        let mut l = quick(&[], 8);
        for x in ["a", "b", "bigger", "c", "d"] {
            l.push(&e(x), false);
        }
        assert_eq!(counts(&l), [2, 1, 2]);
        l.push(&e("huge"), true);
        l.push(&e("z"), true);
        assert_eq!(counts(&l), [1, 1, 2, 1, 2]);
        // An insert in the middle of a node splits it around the element.
        let mut l = quick(&[&["a", "b", "c"]], 8);
        assert!(l.insert(&e("b"), &e("large"), true));
        assert_eq!(counts(&l), [2, 1, 1]);
        assert!(l.insert(&e("b"), &e("wider"), false));
        assert_eq!(counts(&l), [1, 1, 1, 1, 1]);
        assert_eq!(items(&l), ["a", "wider", "b", "large", "c"]);
        // Small elements go beside, not into, a large element's node.
        assert!(l.insert(&e("large"), &e("y"), true));
        assert_eq!(items(&l), ["a", "wider", "b", "large", "y", "c"]);
        assert_eq!(counts(&l), [1, 1, 1, 1, 2]);
        check(&l);
        // LSET of a large element splits a shared node around it, at
        // either end or in the middle; a small one is replaced in place.
        let mut l = quick(&[&["a", "b", "c"], &["d", "e"]], 8);
        assert!(l.set(1, &e("middle")));
        assert_eq!(counts(&l), [1, 1, 1, 2]);
        assert!(l.set(3, &e("first")));
        assert_eq!(counts(&l), [1, 1, 1, 1, 1]);
        assert!(l.set(-1, &e("last!")));
        assert!(l.set(1, &e("m")));
        assert_eq!(items(&l), ["a", "m", "c", "first", "last!"]);
        assert_eq!(counts(&l), [1, 1, 1, 1, 1]);
        check(&l);
        // 0 restores the default: everything packs again.
        assert!(set_packed_threshold(0));
        let mut l = quick(&[], 8);
        for x in ["a", "bigger", "c"] {
            l.push(&e(x), false);
        }
        assert_eq!(counts(&l), [3]);
    }

    #[test]
    fn quicklist_insert_follows_redis() {
        // Room in the node: goes in place.
        let mut l = quick(&[&["a", "b"], &["c", "d"]], 3);
        assert!(l.insert(&e("a"), &e("x"), true));
        assert_eq!(counts(&l), [3, 2]);
        assert_eq!(items(&l), ["a", "x", "b", "c", "d"]);
        // Full node, after its last entry, next node has room: next's head.
        assert!(l.insert(&e("b"), &e("y"), true));
        assert_eq!(counts(&l), [3, 3]);
        assert_eq!(items(&l), ["a", "x", "b", "y", "c", "d"]);
        // Full node, before its first entry, no previous node: new node.
        assert!(l.insert(&e("a"), &e("z"), false));
        assert_eq!(counts(&l), [1, 3, 3]);
        // Before the head of a full node whose previous has room: its tail.
        assert!(l.insert(&e("a"), &e("w"), false));
        assert_eq!(counts(&l), [2, 3, 3]);
        assert_eq!(items(&l), ["z", "w", "a", "x", "b", "y", "c", "d"]);
        // After the tail of the last node when it is full: new node.
        assert!(l.insert(&e("d"), &e("v"), true));
        assert_eq!(counts(&l), [2, 3, 3, 1]);
        check(&l);

        // Full node, in the middle: split, then merge what fits.
        let mut l = quick(&[&["a"], &["b", "c", "d", "e"], &["f"]], 4);
        assert!(l.insert(&e("c"), &e("x"), true));
        // Split [b c] | [d e], x prepended to the second part: [x d e];
        // merges: (prev_prev, prev) none; next [x d e] + next_next [f] = 4
        // fits; center [b c] + prev [a] = 3 fits; then [a b c] + [x d e f]
        // = 7 does not.
        assert_eq!(counts(&l), [3, 4]);
        assert_eq!(items(&l), ["a", "b", "c", "x", "d", "e", "f"]);
        check(&l);

        let mut l = quick(&[&["a", "b", "c"], &["d", "e", "f", "g"], &["h"]], 4);
        assert!(l.insert(&e("f"), &e("x"), false));
        // Split before f: [d e] + x -> [d e x], center [f g]; prev_prev [a b
        // c] + prev [d e x] = 6 > 4; next [h] has no next; center [f g] +
        // prev [d e x] = 5 > 4; center + next [h] = 3 fits.
        assert_eq!(counts(&l), [3, 3, 3]);
        assert_eq!(items(&l), ["a", "b", "c", "d", "e", "x", "f", "g", "h"]);
        check(&l);
    }

    #[test]
    fn remove_and_trim_drop_empty_nodes() {
        let mut l = quick(&[&["a", "b"], &["b", "b"], &["c", "b"]], 2);
        assert_eq!(l.remove(&e("b"), 2), 2);
        assert_eq!(counts(&l), [1, 1, 2]);
        assert_eq!(l.remove(&e("b"), -1), 1);
        assert_eq!(counts(&l), [1, 1, 1]);
        assert_eq!(l.remove(&e("b"), 0), 1);
        assert_eq!(counts(&l), [1, 1]);
        assert_eq!(items(&l), ["a", "c"]);
        check(&l);
        let mut l = quick(&[&["1", "2"], &["3", "4"], &["5", "6"]], 2);
        l.trim(3, 2);
        assert_eq!(counts(&l), [1]);
        assert_eq!(items(&l), ["4"]);
        check(&l);
    }

    use crate::test_rng::Rng;

    fn random_elem(r: &mut Rng) -> Vec<u8> {
        match r.below(6) {
            0 => r.below(300).to_string().into_bytes(),
            1 => (r.next() as i64).to_string().into_bytes(),
            2 => vec![b'a' + r.below(3) as u8],
            3 => vec![b'k'; r.below(200) as usize],
            4 => vec![b'q'; 4000 + r.below(5000) as usize],
            _ => format!("-{}", r.below(70000)).into_bytes(),
        }
    }

    #[test]
    fn random_operations_match_a_model() {
        for (seed, fill) in [
            (1u64, 3i64),
            (2, 1),
            (3, -1),
            (4, 5),
            (5, -2),
            (6, 0),
            (7, -5),
        ] {
            let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut l = ListValue::new();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            let mut lset_done = false;
            for step in 0..3000 {
                let op = r.below(12);
                match op {
                    0 | 1 => {
                        let n = 1 + r.below(4) as usize;
                        let els: Vec<Vec<u8>> = (0..n).map(|_| random_elem(&mut r)).collect();
                        let refs: Vec<&[u8]> = els.iter().map(|v| v.as_slice()).collect();
                        let left = op == 0;
                        l.push_all(&refs, left, fill);
                        for x in els {
                            if left {
                                m.push_front(x);
                            } else {
                                m.push_back(x);
                            }
                        }
                    }
                    2 | 3 => {
                        let left = op == 2;
                        let got = l.pop(left);
                        let want = if left { m.pop_front() } else { m.pop_back() };
                        assert_eq!(got.map(|o| text(o.as_elem()).into_bytes()), want);
                        l.shrink_check(fill);
                    }
                    4 => {
                        let idx = r.below(m.len() as u64 + 2) as i64 - 1;
                        let x = random_elem(&mut r);
                        l.grow_check(fill, x.len(), 1);
                        let ok = l.set(idx, &Elem::from_bytes(&x));
                        lset_done |= ok;
                        let want = l.resolve_index(idx).is_some();
                        assert_eq!(ok, want);
                        if ok {
                            let i = if idx < 0 { m.len() as i64 + idx } else { idx };
                            m[i as usize] = x;
                        }
                        l.shrink_check(fill);
                    }
                    5 | 6 => {
                        let pivot = random_elem(&mut r);
                        let x = random_elem(&mut r);
                        let after = op == 5;
                        l.grow_check(fill, x.len(), 1);
                        let ok = l.insert(&Elem::from_bytes(&pivot), &Elem::from_bytes(&x), after);
                        let pos = m.iter().position(|v| *v == pivot);
                        assert_eq!(ok, pos.is_some());
                        if let Some(p) = pos {
                            m.insert(if after { p + 1 } else { p }, x);
                        }
                    }
                    7 => {
                        let target = random_elem(&mut r);
                        let count = r.below(5) as i64 - 2;
                        let got = l.remove(&Elem::from_bytes(&target), count);
                        let mut want = 0;
                        let limit = count.unsigned_abs() as usize;
                        if count >= 0 {
                            let mut i = 0;
                            while i < m.len() {
                                if m[i] == target && (limit == 0 || want < limit) {
                                    m.remove(i);
                                    want += 1;
                                } else {
                                    i += 1;
                                }
                            }
                        } else {
                            let mut i = m.len();
                            while i > 0 && want < limit {
                                i -= 1;
                                if m[i] == target {
                                    m.remove(i);
                                    want += 1;
                                }
                            }
                        }
                        assert_eq!(got, want);
                        l.shrink_check(fill);
                    }
                    8 => {
                        let len = m.len();
                        let front = r.below(len as u64 / 4 + 1) as usize;
                        let back = r.below((len - front) as u64 / 4 + 1) as usize;
                        l.trim(front, back);
                        m.drain(..front);
                        m.truncate(m.len() - back);
                        l.shrink_check(fill);
                    }
                    9 => {
                        if !m.is_empty() {
                            let idx = r.below(m.len() as u64) as usize;
                            let rev = r.below(2) == 0;
                            let got: Vec<String> = l.iter_at(idx, rev).take(5).map(text).collect();
                            let picked: Vec<&Vec<u8>> = if rev {
                                m.iter().take(idx + 1).rev().take(5).collect()
                            } else {
                                m.iter().skip(idx).take(5).collect()
                            };
                            let want: Vec<String> = picked
                                .into_iter()
                                .map(|v| String::from_utf8(v.clone()).unwrap())
                                .collect();
                            assert_eq!(got, want);
                            let g = l.get(idx as i64).map(text);
                            assert_eq!(g.unwrap().into_bytes(), m[idx]);
                        }
                    }
                    10 => {
                        // Rotate like RPOPLPUSH on one key.
                        if let Some(v) = l.pop(false) {
                            l.grow_check(fill, v.as_elem().text_len(), 1);
                            l.push(&v.as_elem(), true);
                            l.shrink_check(fill);
                            let x = m.pop_back().unwrap();
                            m.push_front(x);
                        }
                    }
                    _ => {
                        let c = l.clone();
                        assert_eq!(c, l);
                    }
                }
                assert_eq!(l.len(), m.len(), "seed {seed} step {step} op {op}");
                if step % 7 == 0 || l.len() < 20 {
                    check(&l);
                    let got: Vec<Vec<u8>> = l.iter().map(|x| text(x).into_bytes()).collect();
                    assert_eq!(got, Vec::from(m.clone()), "seed {seed} step {step} op {op}");
                }
                if l.is_empty() {
                    l = ListValue::new();
                }
                // Quicklist nodes stay within the limit unless one entry
                // alone is bigger, or LSET grew one in place.
                if l.is_quicklist() && !lset_done && fill < 0 {
                    let (max, _) = node_limit(fill);
                    for (c, b) in node_sizes(&l) {
                        assert!(c == 1 || b <= max + 16, "node of {c} entries, {b} bytes");
                    }
                }
            }
        }
    }
}
