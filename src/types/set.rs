//! The set value, in Redis 7.2's three encodings:
//!
//! * **intset** — every member is an integer (Redis `string2ll` rules): the
//!   integers sorted ascending, packed little-endian at one width (2, 4 or 8
//!   bytes, widened for all members when a bigger one arrives, never
//!   narrowed). Up to [`INLINE_BYTES`] bytes of them live inside the value
//!   itself (ten 16-bit integers: no allocation besides the value's box);
//!   beyond that, in one exact-size heap buffer.
//! * **listpack** — a small set of short strings: one exact-size heap buffer
//!   of entries in insertion order, each a LEB128 length then the bytes.
//! * **hashtable** — a [`Dict`] of members (incremental rehash, SSCAN cursor
//!   guarantees, random entries).
//!
//! Conversions happen exactly where Redis 7.2 converts (see `SetValue::add`
//! and the command code): never back to a smaller encoding, except where a
//! command builds a new set (SINTERSTORE, SPOP) and picks the encoding anew.

use crate::db::dict::Dict;
use crate::util::num;
use std::fmt;
use std::mem;

/// Bytes of packed integers kept inside the value before moving to the heap.
pub const INLINE_BYTES: usize = 21;
/// Redis caps the intset size at 1G entries whatever the configuration says.
const INTSET_HARD_MAX: usize = 1 << 30;
/// Redis refuses to grow a listpack past this many bytes (lpSafeToAdd).
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// The encoding thresholds (the `set-max-*` configuration), as sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLimits {
    /// set-max-intset-entries
    pub intset_entries: usize,
    /// set-max-listpack-entries
    pub listpack_entries: usize,
    /// set-max-listpack-value
    pub listpack_value: usize,
}

impl SetLimits {
    /// From the configuration's values (negative ones count as 0).
    pub fn new(intset_entries: i64, listpack_entries: i64, listpack_value: i64) -> SetLimits {
        let size = |v: i64| usize::try_from(v.max(0)).unwrap_or(usize::MAX);
        SetLimits {
            intset_entries: size(intset_entries),
            listpack_entries: size(listpack_entries),
            listpack_value: size(listpack_value),
        }
    }

    /// The most integers an intset may hold (Redis's intsetMaxEntries).
    fn intset_max(&self) -> usize {
        self.intset_entries.min(INTSET_HARD_MAX)
    }
}

impl Default for SetLimits {
    /// Redis's defaults: 512, 128, 64.
    fn default() -> Self {
        SetLimits::new(512, 128, 64)
    }
}

/// One member, borrowed from the set: an integer (intset) or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Member<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (integers formatted on the stack).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Int(v) => {
                let mut buf = [0u8; 20];
                f(crate::types::string::format_i64(v, &mut buf))
            }
            Member::Str(b) => f(b),
        }
    }

    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    /// An owned copy.
    pub fn owned(self) -> OwnedMember {
        match self {
            Member::Int(v) => OwnedMember::Int(v),
            Member::Str(b) => OwnedMember::Str(b.to_vec()),
        }
    }

    /// The member as an integer, if it is one (string2ll rules).
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Member::Int(v) => Some(v),
            Member::Str(b) => num::parse_i64(b),
        }
    }
}

/// A member taken out of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedMember {
    Int(i64),
    Str(Vec<u8>),
}

impl OwnedMember {
    pub fn as_member(&self) -> Member<'_> {
        match self {
            OwnedMember::Int(v) => Member::Int(*v),
            OwnedMember::Str(b) => Member::Str(b),
        }
    }
}

/// The encodings, as OBJECT ENCODING names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Intset,
    Listpack,
    Hashtable,
}

/// A set. See the module docs.
pub struct SetValue(Repr);

enum Repr {
    /// An intset of `len` integers of `width` bytes, stored in place.
    SmallInts {
        width: u8,
        len: u8,
        data: [u8; INLINE_BYTES],
    },
    /// An intset on the heap: `data.len() / width` integers.
    Ints {
        width: u8,
        data: Box<[u8]>,
    },
    /// A listpack of `len` entries.
    Pack {
        len: u32,
        data: Box<[u8]>,
    },
    Hash(Box<Dict<()>>),
}

/// A uniform random number in `0..n` (`n > 0`), by multiply-shift.
pub fn random_below(rng: &mut impl FnMut() -> u64, n: usize) -> usize {
    ((u128::from(rng()) * n as u128) >> 64) as usize
}

// ---- packed integers ---------------------------------------------------------------

/// The narrowest intset width (bytes) that holds `v`.
fn width_for(v: i64) -> usize {
    if i64::from(v as i16) == v {
        2
    } else if i64::from(v as i32) == v {
        4
    } else {
        8
    }
}

/// The `i`th integer of `width` bytes in `b`.
#[inline]
fn int_at(b: &[u8], width: usize, i: usize) -> i64 {
    let o = i * width;
    match width {
        2 => i64::from(i16::from_le_bytes([b[o], b[o + 1]])),
        4 => i64::from(i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])),
        _ => {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[o..o + 8]);
            i64::from_le_bytes(w)
        }
    }
}

/// Writes `v` as the `i`th integer of `width` bytes in `b`.
#[inline]
fn put_int(b: &mut [u8], width: usize, i: usize, v: i64) {
    let o = i * width;
    b[o..o + width].copy_from_slice(&v.to_le_bytes()[..width]);
}

/// Binary search of `v` among the `b.len() / width` sorted integers.
fn search_ints(b: &[u8], width: usize, v: i64) -> Result<usize, usize> {
    let (mut lo, mut hi) = (0, b.len() / width);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match int_at(b, width, mid).cmp(&v) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Ok(mid),
        }
    }
    Err(lo)
}

/// Fills `out` (room for n + 1 integers of `new_w`) with the integers of
/// `old` (width `old_w`) and `v` inserted at `pos`.
fn splice_int(old: &[u8], old_w: usize, out: &mut [u8], new_w: usize, pos: usize, v: i64) {
    let n = old.len() / old_w;
    if old_w == new_w {
        out[..pos * new_w].copy_from_slice(&old[..pos * old_w]);
        out[(pos + 1) * new_w..].copy_from_slice(&old[pos * old_w..]);
    } else {
        for i in 0..n {
            let at = if i < pos { i } else { i + 1 };
            put_int(out, new_w, at, int_at(old, old_w, i));
        }
    }
    put_int(out, new_w, pos, v);
}

/// Decimal digits of `v`, counting the minus sign (Redis's sdigits10).
fn digits10(v: i64) -> usize {
    num::i64_len(v)
}

/// Bytes Redis's listpack would need for `n` copies of the integer `v`
/// (lpEstimateBytesRepeatedInteger), for its 1 GB safety check.
fn lp_estimate_repeated_int(v: i64, n: usize) -> usize {
    let enc = if (0..=127).contains(&v) {
        1
    } else if (-4096..4096).contains(&v) {
        2
    } else if i64::from(v as i16) == v {
        3
    } else if (-(1 << 23)..(1 << 23)).contains(&v) {
        4
    } else if i64::from(v as i32) == v {
        5
    } else {
        9
    };
    n.saturating_mul(enc + 1)
}

// ---- listpack entries --------------------------------------------------------------

/// Bytes of the LEB128 length prefix of an `n`-byte entry.
fn varint_len(mut n: usize) -> usize {
    let mut k = 1;
    while n >= 0x80 {
        n >>= 7;
        k += 1;
    }
    k
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Splits the first entry off `b`: (entry bytes, total bytes it took).
#[inline]
fn next_entry(b: &[u8]) -> Option<(&[u8], usize)> {
    let mut n = 0usize;
    let mut shift = 0u32;
    let mut i = 0;
    loop {
        let byte = *b.get(i)?;
        i += 1;
        n |= usize::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let end = i.checked_add(n)?;
    Some((b.get(i..end)?, end))
}

/// Where `m` is in the listpack bytes: (start, end) of its entry.
fn pack_find(b: &[u8], m: &[u8]) -> Option<(usize, usize)> {
    let mut pos = 0;
    while let Some((e, used)) = next_entry(&b[pos..]) {
        if e == m {
            return Some((pos, pos + used));
        }
        pos += used;
    }
    None
}

/// The (start, end) of the `i`th entry.
fn pack_nth(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut pos = 0;
    for _ in 0..i {
        pos += next_entry(&b[pos..])?.1;
    }
    let used = next_entry(&b[pos..])?.1;
    Some((pos, pos + used))
}

/// Iterates the entries of listpack bytes.
fn pack_entries(mut b: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let (e, used) = next_entry(b)?;
        b = &b[used..];
        Some(e)
    })
}

/// Replaces `data` by a copy with `m` appended (one reallocation).
fn pack_append(data: &mut Box<[u8]>, m: &[u8]) {
    let mut v = Vec::from(mem::take(data));
    v.reserve_exact(varint_len(m.len()) + m.len());
    put_varint(&mut v, m.len());
    v.extend_from_slice(m);
    *data = v.into_boxed_slice();
}

/// Cuts bytes `start..end` out of a boxed buffer (shrinking it).
fn cut(data: &mut Box<[u8]>, start: usize, end: usize) {
    let mut v = Vec::from(mem::take(data));
    v.drain(start..end);
    *data = v.into_boxed_slice();
}

// ---- the set -------------------------------------------------------------------------

impl Default for SetValue {
    fn default() -> Self {
        SetValue::new_intset()
    }
}

impl SetValue {
    /// An empty intset.
    pub fn new_intset() -> SetValue {
        SetValue(Repr::SmallInts {
            width: 2,
            len: 0,
            data: [0; INLINE_BYTES],
        })
    }

    /// An empty listpack.
    pub fn new_listpack() -> SetValue {
        SetValue(Repr::Pack {
            len: 0,
            data: Box::default(),
        })
    }

    /// An empty hashtable.
    pub fn new_hashtable() -> SetValue {
        SetValue(Repr::Hash(Box::default()))
    }

    /// The empty set Redis's setTypeCreate would make for a first member
    /// `first` and about `size_hint` members: an intset if `first` is an
    /// integer and the hint fits an intset, else a listpack if the hint fits
    /// one, else a hashtable.
    pub fn create(first: &[u8], size_hint: usize, lim: &SetLimits) -> SetValue {
        if size_hint <= lim.intset_entries && num::parse_i64(first).is_some() {
            SetValue::new_intset()
        } else if size_hint <= lim.listpack_entries {
            SetValue::new_listpack()
        } else {
            SetValue::new_hashtable()
        }
    }

    pub fn encoding(&self) -> Encoding {
        match self.0 {
            Repr::SmallInts { .. } | Repr::Ints { .. } => Encoding::Intset,
            Repr::Pack { .. } => Encoding::Listpack,
            Repr::Hash(_) => Encoding::Hashtable,
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self.encoding() {
            Encoding::Intset => "intset",
            Encoding::Listpack => "listpack",
            Encoding::Hashtable => "hashtable",
        }
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::SmallInts { len, .. } => usize::from(*len),
            Repr::Ints { width, data } => data.len() / usize::from(*width),
            Repr::Pack { len, .. } => *len as usize,
            Repr::Hash(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The packed integers of an intset: (width, bytes).
    fn ints(&self) -> Option<(usize, &[u8])> {
        match &self.0 {
            Repr::SmallInts { width, len, data } => {
                let w = usize::from(*width);
                Some((w, &data[..usize::from(*len) * w]))
            }
            Repr::Ints { width, data } => Some((usize::from(*width), data)),
            _ => None,
        }
    }

    /// Heap bytes owned by the value beyond its own box (an estimate for
    /// the hashtable: its table and entries plus the member bytes).
    pub fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::SmallInts { .. } => 0,
            Repr::Ints { data, .. } | Repr::Pack { data, .. } => data.len(),
            Repr::Hash(d) => d.memory_overhead() + d.keys().map(<[u8]>::len).sum::<usize>(),
        }
    }

    // ---- membership ----------------------------------------------------------------

    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.0 {
            Repr::Pack { data, .. } => pack_find(data, m).is_some(),
            Repr::Hash(d) => d.contains_key(m),
            _ => num::parse_i64(m).is_some_and(|v| self.contains_int(v)),
        }
    }

    /// Membership of a member taken from another set.
    pub fn contains_member(&self, m: Member) -> bool {
        match (m, self.ints()) {
            (Member::Int(v), Some(_)) => self.contains_int(v),
            _ => m.with_bytes(|b| self.contains(b)),
        }
    }

    fn contains_int(&self, v: i64) -> bool {
        match self.ints() {
            Some((w, b)) => width_for(v) <= w && search_ints(b, w, v).is_ok(),
            None => {
                let mut buf = [0u8; 20];
                self.contains(crate::types::string::format_i64(v, &mut buf))
            }
        }
    }

    // ---- adding --------------------------------------------------------------------

    /// Redis's setTypeMaybeConvert: before adding about `size_hint` members
    /// (SADD's argument count), a listpack or intset that could not hold
    /// that many becomes a hashtable.
    pub fn maybe_convert(&mut self, size_hint: usize, lim: &SetLimits) {
        let too_big = match self.encoding() {
            Encoding::Listpack => size_hint > lim.listpack_entries,
            Encoding::Intset => size_hint > lim.intset_entries,
            Encoding::Hashtable => false,
        };
        if too_big {
            self.to_hashtable();
        }
    }

    /// Adds `m`; false if it was already a member. Converts like Redis 7.2:
    /// an intset grows past set-max-intset-entries into a hashtable; a
    /// non-integer turns an intset into a listpack when the result fits the
    /// listpack limits, else into a hashtable; a listpack that would pass
    /// its limits becomes a hashtable.
    pub fn add(&mut self, m: &[u8], lim: &SetLimits) -> bool {
        match &mut self.0 {
            Repr::Hash(d) => d.insert(m, ()).is_none(),
            Repr::Pack { len, data } => {
                if pack_find(data, m).is_some() {
                    return false;
                }
                if (*len as usize) < lim.listpack_entries
                    && m.len() <= lim.listpack_value
                    && data.len() + m.len() <= LISTPACK_MAX_SAFETY_SIZE
                {
                    pack_append(data, m);
                    *len += 1;
                } else {
                    self.to_hashtable();
                    self.hash_insert(m);
                }
                true
            }
            _ => match num::parse_i64(m) {
                Some(v) => self.add_int(v, lim),
                None => {
                    if self.intset_fits_listpack_with(m.len(), lim) {
                        self.to_listpack();
                    } else {
                        self.to_hashtable();
                    }
                    self.add(m, lim)
                }
            },
        }
    }

    /// Adds a member taken from another set (integers skip the parsing).
    pub fn add_member(&mut self, m: Member, lim: &SetLimits) -> bool {
        match m {
            Member::Int(v) if self.ints().is_some() => self.add_int(v, lim),
            _ => m.with_bytes(|b| self.add(b, lim)),
        }
    }

    /// Redis's test for turning an intset into a listpack when a string of
    /// `len` bytes arrives: room for one more entry, the string and the
    /// longest integer (as text) within set-max-listpack-value, and the
    /// estimated size under the listpack safety limit.
    fn intset_fits_listpack_with(&self, len: usize, lim: &SetLimits) -> bool {
        let Some((w, b)) = self.ints() else {
            return false;
        };
        let n = b.len() / w;
        let (mut longest, mut total) = (0, 0);
        if n > 0 {
            let (min, max) = (int_at(b, w, 0), int_at(b, w, n - 1));
            longest = digits10(min).max(digits10(max));
            total = lp_estimate_repeated_int(min, n).max(lp_estimate_repeated_int(max, n));
        }
        n < lim.listpack_entries
            && len <= lim.listpack_value
            && longest <= lim.listpack_value
            && total.saturating_add(len) <= LISTPACK_MAX_SAFETY_SIZE
    }

    /// Adds an integer to an intset (or, for other encodings, its text).
    fn add_int(&mut self, v: i64, lim: &SetLimits) -> bool {
        let Some((w, b)) = self.ints() else {
            let mut buf = [0u8; 20];
            return self.add(crate::types::string::format_i64(v, &mut buf), lim);
        };
        let n = b.len() / w;
        let (new_w, pos) = if width_for(v) > w {
            // Wider than every member: it goes first or last.
            (width_for(v), if v < 0 { 0 } else { n })
        } else {
            match search_ints(b, w, v) {
                Ok(_) => return false,
                Err(pos) => (w, pos),
            }
        };
        let total = (n + 1) * new_w;
        if new_w == w && matches!(self.0, Repr::Ints { .. }) {
            // Same width on the heap: grow in place (one reallocation).
            if let Repr::Ints { data, .. } = &mut self.0 {
                let mut buf = Vec::from(mem::take(data));
                buf.reserve_exact(w);
                buf.resize(total, 0);
                buf.copy_within(pos * w..n * w, (pos + 1) * w);
                put_int(&mut buf, w, pos, v);
                *data = buf.into_boxed_slice();
            }
        } else if total <= INLINE_BYTES {
            let mut out = [0u8; INLINE_BYTES];
            splice_int(b, w, &mut out[..total], new_w, pos, v);
            self.0 = Repr::SmallInts {
                width: new_w as u8,
                len: (n + 1) as u8,
                data: out,
            };
        } else {
            let mut out = vec![0u8; total].into_boxed_slice();
            splice_int(b, w, &mut out, new_w, pos, v);
            self.0 = Repr::Ints {
                width: new_w as u8,
                data: out,
            };
        }
        if n + 1 > lim.intset_max() {
            self.to_hashtable();
        }
        true
    }

    fn hash_insert(&mut self, m: &[u8]) -> bool {
        match &mut self.0 {
            Repr::Hash(d) => d.insert(m, ()).is_none(),
            _ => false,
        }
    }

    // ---- removing ------------------------------------------------------------------

    /// Removes `m`; false if it was not a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.0 {
            Repr::Pack { len, data } => match pack_find(data, m) {
                Some((start, end)) => {
                    cut(data, start, end);
                    *len -= 1;
                    true
                }
                None => false,
            },
            Repr::Hash(d) => {
                let removed = d.remove(m).is_some();
                if removed {
                    d.shrink_if_needed();
                }
                removed
            }
            _ => num::parse_i64(m).is_some_and(|v| self.remove_int(v)),
        }
    }

    /// Removes a member taken from another set.
    pub fn remove_member(&mut self, m: Member) -> bool {
        match m {
            Member::Int(v) if self.ints().is_some() => self.remove_int(v),
            _ => m.with_bytes(|b| self.remove(b)),
        }
    }

    fn remove_int(&mut self, v: i64) -> bool {
        let Some((w, b)) = self.ints() else {
            return false;
        };
        if width_for(v) > w {
            return false;
        }
        match search_ints(b, w, v) {
            Ok(pos) => {
                self.remove_int_at(pos);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes the `pos`th integer of an intset.
    fn remove_int_at(&mut self, pos: usize) {
        match &mut self.0 {
            Repr::SmallInts { width, len, data } => {
                let w = usize::from(*width);
                let n = usize::from(*len);
                data.copy_within((pos + 1) * w..n * w, pos * w);
                *len -= 1;
            }
            Repr::Ints { width, data } => {
                let w = usize::from(*width);
                let total = data.len() - w;
                if total <= INLINE_BYTES {
                    let mut out = [0u8; INLINE_BYTES];
                    out[..pos * w].copy_from_slice(&data[..pos * w]);
                    out[pos * w..total].copy_from_slice(&data[(pos + 1) * w..]);
                    self.0 = Repr::SmallInts {
                        width: w as u8,
                        len: (total / w) as u8,
                        data: out,
                    };
                } else {
                    cut(data, pos * w, (pos + 1) * w);
                }
            }
            _ => {}
        }
    }

    // ---- conversions -------------------------------------------------------------------

    /// Converts to a hashtable (no-op if it is one).
    pub fn to_hashtable(&mut self) {
        if matches!(self.0, Repr::Hash(_)) {
            return;
        }
        let mut d: Dict<()> = Dict::new();
        for m in self.iter() {
            m.with_bytes(|b| d.insert(b, ()));
        }
        self.0 = Repr::Hash(Box::new(d));
    }

    /// Converts to a listpack (no-op if it is one), whatever the limits.
    pub fn to_listpack(&mut self) {
        if matches!(self.0, Repr::Pack { .. }) {
            return;
        }
        let mut buf = Vec::new();
        for m in self.iter() {
            m.with_bytes(|b| {
                put_varint(&mut buf, b.len());
                buf.extend_from_slice(b);
            });
        }
        self.0 = Repr::Pack {
            len: self.len() as u32,
            data: buf.into_boxed_slice(),
        };
    }

    /// Redis's maybeConvertToIntset (SINTERSTORE's result when every member
    /// is an integer): becomes an intset unless that would hold more than
    /// set-max-intset-entries. The caller knows every member is an integer;
    /// if one is not, nothing changes.
    pub fn to_intset_if_fits(&mut self, lim: &SetLimits) {
        if self.encoding() == Encoding::Intset || self.len() > lim.intset_max() {
            return;
        }
        let mut out = SetValue::new_intset();
        let unlimited = SetLimits::new(i64::MAX, 0, 0);
        for m in self.iter() {
            match m.as_i64() {
                Some(v) => {
                    out.add_int(v, &unlimited);
                }
                None => return,
            }
        }
        *self = out;
    }

    // ---- iteration and sampling ------------------------------------------------------

    /// The members: intsets in ascending order, listpacks in insertion
    /// order, hashtables in table order.
    pub fn iter(&self) -> SetIter<'_> {
        SetIter(match &self.0 {
            Repr::Pack { data, .. } => IterRepr::Pack(data),
            Repr::Hash(d) => IterRepr::Hash(Box::new(d.keys())),
            _ => {
                let (w, b) = self.ints().unwrap_or((2, &[]));
                IterRepr::Ints { width: w, bytes: b }
            }
        })
    }

    /// A random member (None when empty).
    pub fn random_member(&self, rng: &mut impl FnMut() -> u64) -> Option<Member<'_>> {
        if self.is_empty() {
            return None;
        }
        match &self.0 {
            Repr::Pack { len, data } => {
                let i = random_below(rng, *len as usize);
                let (s, e) = pack_nth(data, i)?;
                next_entry(&data[s..e]).map(|(m, _)| Member::Str(m))
            }
            Repr::Hash(d) => d.fair_random_entry(rng).map(|(k, _)| Member::Str(k)),
            _ => {
                let (w, b) = self.ints()?;
                Some(Member::Int(int_at(b, w, random_below(rng, b.len() / w))))
            }
        }
    }

    /// Removes and returns a random member (None when empty).
    pub fn pop_random(&mut self, rng: &mut impl FnMut() -> u64) -> Option<OwnedMember> {
        if self.is_empty() {
            return None;
        }
        match &mut self.0 {
            Repr::Pack { len, data } => {
                let i = random_below(rng, *len as usize);
                let (s, e) = pack_nth(data, i)?;
                let m = next_entry(&data[s..e])?.0.to_vec();
                cut(data, s, e);
                *len -= 1;
                Some(OwnedMember::Str(m))
            }
            Repr::Hash(d) => {
                let key = d.fair_random_entry(rng)?.0.to_vec();
                d.remove(&key);
                d.shrink_if_needed();
                Some(OwnedMember::Str(key))
            }
            _ => {
                let (w, b) = self.ints()?;
                let pos = random_below(rng, b.len() / w);
                let v = int_at(b, w, pos);
                self.remove_int_at(pos);
                Some(OwnedMember::Int(v))
            }
        }
    }

    /// Picks `k` distinct positions out of `0..len()` uniformly, in
    /// ascending order (selection sampling), and calls `f` with each
    /// position and its member. Intsets and listpacks walk their members in
    /// order; a hashtable walks its table order. `k` is capped at len().
    pub fn sample_ordered(
        &self,
        k: usize,
        rng: &mut impl FnMut() -> u64,
        mut f: impl FnMut(usize, Member),
    ) {
        let n = self.len();
        let mut need = k.min(n);
        for (i, m) in self.iter().enumerate() {
            if need == 0 {
                break;
            }
            if random_below(rng, n - i) < need {
                f(i, m);
                need -= 1;
            }
        }
    }

    /// Keeps only the members whose position in iteration order passes
    /// `keep` (a listpack or intset is rebuilt in one pass).
    pub fn retain_positions(&mut self, mut keep: impl FnMut(usize) -> bool) {
        match &mut self.0 {
            Repr::Pack { len, data } => {
                let mut out = Vec::with_capacity(data.len());
                let mut kept = 0u32;
                for (i, e) in pack_entries(data).enumerate() {
                    if keep(i) {
                        put_varint(&mut out, e.len());
                        out.extend_from_slice(e);
                        kept += 1;
                    }
                }
                *data = out.into_boxed_slice();
                *len = kept;
            }
            Repr::Hash(d) => {
                let gone: Vec<Vec<u8>> = d
                    .keys()
                    .enumerate()
                    .filter(|&(i, _)| !keep(i))
                    .map(|(_, k)| k.to_vec())
                    .collect();
                for k in gone {
                    d.remove(&k);
                }
                d.shrink_if_needed();
            }
            _ => {
                let Some((w, b)) = self.ints() else {
                    return;
                };
                let mut out: Vec<u8> = Vec::with_capacity(b.len());
                for i in 0..b.len() / w {
                    if keep(i) {
                        out.extend_from_slice(&b[i * w..(i + 1) * w]);
                    }
                }
                self.0 = if out.len() <= INLINE_BYTES {
                    let mut data = [0u8; INLINE_BYTES];
                    data[..out.len()].copy_from_slice(&out);
                    Repr::SmallInts {
                        width: w as u8,
                        len: (out.len() / w) as u8,
                        data,
                    }
                } else {
                    Repr::Ints {
                        width: w as u8,
                        data: out.into_boxed_slice(),
                    }
                };
            }
        }
    }

    /// One SSCAN step over a hashtable: calls `f` for the members of the
    /// bucket(s) at `cursor` and returns the next cursor (0 when done). For
    /// the small encodings, every member and cursor 0.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(Member<'_>)) -> u64 {
        match &self.0 {
            Repr::Hash(d) => d.scan(cursor, |k, _| f(Member::Str(k))),
            _ => {
                self.iter().for_each(f);
                0
            }
        }
    }
}

/// Iterator over a set's members (see [`SetValue::iter`]).
pub struct SetIter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Ints { width: usize, bytes: &'a [u8] },
    Pack(&'a [u8]),
    Hash(Box<dyn Iterator<Item = &'a [u8]> + 'a>),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Member<'a>;

    #[inline]
    fn next(&mut self) -> Option<Member<'a>> {
        match &mut self.0 {
            IterRepr::Ints { width, bytes } => {
                if bytes.len() < *width {
                    return None;
                }
                let v = int_at(bytes, *width, 0);
                *bytes = &bytes[*width..];
                Some(Member::Int(v))
            }
            IterRepr::Pack(b) => {
                let (e, used) = next_entry(b)?;
                *b = &b[used..];
                Some(Member::Str(e))
            }
            IterRepr::Hash(it) => it.next().map(Member::Str),
        }
    }
}

impl Clone for SetValue {
    /// A copy in the same encoding (Redis's setTypeDup).
    fn clone(&self) -> Self {
        SetValue(match &self.0 {
            Repr::SmallInts { width, len, data } => Repr::SmallInts {
                width: *width,
                len: *len,
                data: *data,
            },
            Repr::Ints { width, data } => Repr::Ints {
                width: *width,
                data: data.clone(),
            },
            Repr::Pack { len, data } => Repr::Pack {
                len: *len,
                data: data.clone(),
            },
            Repr::Hash(d) => {
                let mut copy: Dict<()> = Dict::new();
                for k in d.keys() {
                    copy.insert(k, ());
                }
                Repr::Hash(Box::new(copy))
            }
        })
    }
}

impl PartialEq for SetValue {
    /// Same members (whatever the encodings).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|m| other.contains_member(m))
    }
}

impl fmt::Debug for SetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SetValue<{}>", self.encoding_name())?;
        f.debug_set()
            .entries(
                self.iter()
                    .map(|m| String::from_utf8_lossy(&m.to_vec()).into_owned()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use crate::test_rng::Rng;

    fn members(s: &SetValue) -> Vec<Vec<u8>> {
        s.iter().map(Member::to_vec).collect()
    }

    fn strs(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    fn set_of(lim: &SetLimits, items: &[&str]) -> SetValue {
        let mut s = SetValue::create(items[0].as_bytes(), items.len(), lim);
        for m in items {
            s.add(m.as_bytes(), lim);
        }
        s
    }

    #[test]
    fn the_value_is_three_words() {
        // Boxed as 24 bytes (a 32-byte malloc chunk) with ten 16-bit
        // integers in place.
        assert_eq!(mem::size_of::<SetValue>(), 24);
        assert_eq!(INLINE_BYTES / 2, 10);
    }

    #[test]
    fn intset_sorted_and_widened() {
        let lim = SetLimits::default();
        let mut s = SetValue::new_intset();
        for v in ["5", "-5", "3", "5", "0"] {
            s.add(v.as_bytes(), &lim);
        }
        assert_eq!(members(&s), strs(&["-5", "0", "3", "5"]));
        assert!(matches!(s.0, Repr::SmallInts { width: 2, .. }));
        // A wider positive goes last, a wider negative first.
        assert!(s.add(b"70000", &lim));
        assert!(matches!(s.0, Repr::SmallInts { width: 4, .. }));
        assert!(s.add(b"-9223372036854775808", &lim));
        assert!(matches!(s.0, Repr::Ints { width: 8, .. }));
        assert!(s.add(b"9223372036854775807", &lim));
        assert_eq!(
            members(&s),
            strs(&[
                "-9223372036854775808",
                "-5",
                "0",
                "3",
                "5",
                "70000",
                "9223372036854775807"
            ])
        );
        assert!(!s.add(b"70000", &lim));
        assert!(s.contains(b"-5") && s.contains(b"9223372036854775807"));
        assert!(!s.contains(b"4") && !s.contains(b"05") && !s.contains(b"x"));
        assert_eq!(s.encoding_name(), "intset");
        // Width never shrinks; removing keeps order.
        assert!(s.remove(b"9223372036854775807"));
        assert!(s.remove(b"-9223372036854775808"));
        assert!(!s.remove(b"-9223372036854775808"));
        assert!(!s.remove(b"abc"));
        assert_eq!(members(&s), strs(&["-5", "0", "3", "5", "70000"]));
        assert_eq!(s.len(), 5);
    }

    #[test]
    fn intset_moves_between_inline_and_heap() {
        let lim = SetLimits::default();
        let mut s = SetValue::new_intset();
        for v in 0..10i64 {
            s.add(v.to_string().as_bytes(), &lim);
        }
        assert!(matches!(s.0, Repr::SmallInts { len: 10, .. }));
        s.add(b"10", &lim);
        assert!(matches!(s.0, Repr::Ints { .. }));
        assert!(s.contains(b"10") && s.contains(b"0"));
        s.remove(b"0");
        assert!(matches!(s.0, Repr::SmallInts { len: 10, .. }));
        assert_eq!(
            members(&s),
            (1..=10)
                .map(|v: i32| v.to_string().into_bytes())
                .collect::<Vec<_>>()
        );
        // Out-of-width lookups never match.
        assert!(!s.contains(b"100000") && !s.remove(b"100000"));
    }

    #[test]
    fn create_picks_like_redis() {
        let lim = SetLimits::default();
        assert_eq!(SetValue::create(b"1", 1, &lim).encoding(), Encoding::Intset);
        assert_eq!(
            SetValue::create(b"1", 512, &lim).encoding(),
            Encoding::Intset
        );
        assert_eq!(
            SetValue::create(b"1", 513, &lim).encoding(),
            Encoding::Hashtable
        );
        assert_eq!(
            SetValue::create(b"01", 1, &lim).encoding(),
            Encoding::Listpack
        );
        assert_eq!(
            SetValue::create(b"a", 128, &lim).encoding(),
            Encoding::Listpack
        );
        assert_eq!(
            SetValue::create(b"a", 129, &lim).encoding(),
            Encoding::Hashtable
        );
        let small = SetLimits::new(4, 128, 64);
        // Too many integers for an intset but few enough for a listpack.
        assert_eq!(
            SetValue::create(b"1", 5, &small).encoding(),
            Encoding::Listpack
        );
        let none = SetLimits::new(0, 0, 64);
        assert_eq!(
            SetValue::create(b"1", 1, &none).encoding(),
            Encoding::Hashtable
        );
    }

    #[test]
    fn intset_conversions_at_the_thresholds() {
        let lim = SetLimits::new(4, 5, 8);
        // Past set-max-intset-entries: a hashtable (even if a listpack fits).
        let mut s = set_of(&lim, &["1", "2", "3", "4"]);
        assert_eq!(s.encoding(), Encoding::Intset);
        s.add(b"5", &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        assert_eq!(s.len(), 5);
        // A string with room in a listpack: a listpack, integers in order first.
        let mut s = set_of(&lim, &["3", "1", "2", "4"]);
        s.add(b"abc", &lim);
        assert_eq!(s.encoding(), Encoding::Listpack);
        assert_eq!(members(&s), strs(&["1", "2", "3", "4", "abc"]));
        // Listpack full (5 entries) after the conversion: a sixth goes to a hashtable.
        s.add(b"x", &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        // No room for one more entry: straight to a hashtable.
        let lim5 = SetLimits::new(10, 5, 8);
        let mut s = set_of(&lim5, &["1", "2", "3", "4", "5"]);
        s.add(b"a", &lim5);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        let mut s = set_of(&lim5, &["1", "2", "3", "4"]);
        s.add(b"a", &lim5);
        assert_eq!(s.encoding(), Encoding::Listpack);
        // The string or the longest integer (as text, sign included) too long.
        let mut s = set_of(&lim, &["1"]);
        s.add(b"12345678x", &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        let mut s = set_of(&lim, &["-1234567"]);
        s.add(b"a", &lim);
        assert_eq!(s.encoding(), Encoding::Listpack);
        let mut s = set_of(&lim, &["-12345678"]);
        s.add(b"a", &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        // An empty intset takes any short string into a listpack.
        let mut s = SetValue::new_intset();
        s.add(b"a", &lim);
        assert_eq!(s.encoding(), Encoding::Listpack);
    }

    #[test]
    fn listpack_conversions_at_the_thresholds() {
        let lim = SetLimits::new(512, 3, 4);
        let mut s = set_of(&lim, &["a", "bb", "ccc"]);
        assert_eq!(s.encoding(), Encoding::Listpack);
        assert!(!s.add(b"bb", &lim));
        assert_eq!(s.encoding(), Encoding::Listpack);
        s.add(b"d", &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        let mut s = set_of(&lim, &["a"]);
        s.add(b"dddd", &lim);
        assert_eq!(s.encoding(), Encoding::Listpack);
        s.add(b"eeeee", &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        // Integers added to a listpack stay there as text.
        let mut s = set_of(&lim, &["a"]);
        s.add(b"7", &lim);
        assert_eq!(s.encoding(), Encoding::Listpack);
        assert_eq!(members(&s), strs(&["a", "7"]));
        // Removal never converts back.
        let mut s = set_of(&lim, &["a", "b", "c", "d"]);
        for m in ["b", "c", "d"] {
            s.remove(m.as_bytes());
        }
        assert_eq!(s.encoding(), Encoding::Hashtable);
        assert_eq!(members(&s), strs(&["a"]));
    }

    #[test]
    fn maybe_convert_by_hint() {
        let lim = SetLimits::new(4, 6, 64);
        let mut s = set_of(&lim, &["1"]);
        s.maybe_convert(4, &lim);
        assert_eq!(s.encoding(), Encoding::Intset);
        s.maybe_convert(5, &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        let mut s = set_of(&lim, &["a"]);
        s.maybe_convert(6, &lim);
        assert_eq!(s.encoding(), Encoding::Listpack);
        s.maybe_convert(7, &lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        assert_eq!(members(&s), strs(&["a"]));
    }

    #[test]
    fn to_intset_if_fits() {
        let lim = SetLimits::new(3, 128, 64);
        let mut s = SetValue::new_listpack();
        for m in ["9", "-1", "4"] {
            s.add(m.as_bytes(), &lim);
        }
        s.to_intset_if_fits(&lim);
        assert_eq!(s.encoding(), Encoding::Intset);
        assert_eq!(members(&s), strs(&["-1", "4", "9"]));
        let mut s = SetValue::new_hashtable();
        for m in ["1", "2", "3", "4"] {
            s.add(m.as_bytes(), &lim);
        }
        s.to_intset_if_fits(&lim);
        assert_eq!(s.encoding(), Encoding::Hashtable);
        let mut s = SetValue::new_listpack();
        s.add(b"x", &lim);
        s.to_intset_if_fits(&lim);
        assert_eq!(s.encoding(), Encoding::Listpack);
    }

    #[test]
    fn random_pop_sample_retain() {
        let lim = SetLimits::default();
        let mut rng = Rng(7);
        let mut next = || rng.next();
        for items in [
            vec![
                "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
            ],
            vec!["a", "b", "c", "d", "e", "f"],
        ] {
            for enc in [false, true] {
                let mut s = set_of(&lim, &items);
                if enc {
                    s.to_hashtable();
                }
                let all: BTreeSet<Vec<u8>> = members(&s).into_iter().collect();
                for _ in 0..50 {
                    let m = s.random_member(&mut next).map(Member::to_vec);
                    assert!(all.contains(&m.unwrap_or_default()));
                }
                let mut picked = Vec::new();
                s.sample_ordered(4, &mut next, |i, m| picked.push((i, m.to_vec())));
                assert_eq!(picked.len(), 4);
                assert!(picked.windows(2).all(|w| w[0].0 < w[1].0));
                let order = members(&s);
                for (i, m) in &picked {
                    assert_eq!(&order[*i], m);
                }
                let before = s.len();
                let popped = s.pop_random(&mut next).map(|m| m.as_member().to_vec());
                let popped = popped.unwrap_or_default();
                assert!(all.contains(&popped) && !s.contains(&popped));
                assert_eq!(s.len(), before - 1);
                let order = members(&s);
                s.retain_positions(|i| i % 2 == 0);
                let kept: Vec<_> = order.iter().step_by(2).cloned().collect();
                let mut got = members(&s);
                got.sort();
                let mut want = kept;
                want.sort();
                assert_eq!(got, want);
            }
        }
        let mut empty = SetValue::new_intset();
        assert!(empty.random_member(&mut next).is_none());
        assert!(empty.pop_random(&mut next).is_none());
    }

    #[test]
    fn clone_keeps_the_encoding() {
        let lim = SetLimits::default();
        for items in [
            vec!["1", "2"],
            vec!["a", "1"],
            (0..200).map(|_| "x").collect(),
        ] {
            let mut s = set_of(&lim, &items);
            if items.len() > 2 {
                for i in 0..200 {
                    s.add(format!("m{i}").as_bytes(), &lim);
                }
            }
            let c = s.clone();
            assert_eq!(c.encoding(), s.encoding());
            assert_eq!(c, s);
        }
        let a = set_of(&lim, &["1", "2"]);
        let mut b = set_of(&lim, &["2", "1"]);
        b.to_hashtable();
        assert_eq!(a, b);
        b.add(b"3", &lim);
        assert_ne!(a, b);
    }

    #[test]
    fn scan_small_returns_everything() {
        let lim = SetLimits::default();
        let s = set_of(&lim, &["3", "1", "2"]);
        let mut seen = Vec::new();
        assert_eq!(s.scan(12345, |m| seen.push(m.to_vec())), 0);
        assert_eq!(seen, strs(&["1", "2", "3"]));
    }

    #[test]
    fn scan_hashtable_sees_every_member() {
        let lim = SetLimits::default();
        let mut s = SetValue::new_hashtable();
        for i in 0..1000 {
            s.add(format!("m{i}").as_bytes(), &lim);
        }
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        loop {
            cursor = s.scan(cursor, |m| {
                seen.insert(m.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 1000);
    }

    /// Random operations against a BTreeSet model at small thresholds, so
    /// that every conversion happens; checks the members, the count and the
    /// encoding invariants after each step.
    #[test]
    fn model_check() {
        let lim = SetLimits::new(8, 6, 4);
        let pool: Vec<Vec<u8>> = [
            "0",
            "1",
            "-1",
            "7",
            "300",
            "-40000",
            "70000",
            "5000000000",
            "-9223372036854775808",
            "9223372036854775807",
            "01",
            "-0",
            "a",
            "bb",
            "ccc",
            "dddd",
            "eeeee",
            "",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain((0..20).map(|i: i32| (i * 37 - 200).to_string().into_bytes()))
        .collect();
        let mut rng = Rng(42);
        for round in 0..300 {
            let mut s = SetValue::new_intset();
            let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
            let mut seed = Rng(round);
            let mut next = || seed.next();
            for _ in 0..60 {
                let before = s.encoding();
                let m = &pool[rng.below_usize(pool.len())];
                match rng.below_usize(10) {
                    0..=4 => assert_eq!(s.add(m, &lim), model.insert(m.clone())),
                    5..=6 => assert_eq!(s.remove(m), model.remove(m)),
                    7 => {
                        if let Some(p) = s.pop_random(&mut next) {
                            assert!(model.remove(&p.as_member().to_vec()));
                        }
                    }
                    8 => {
                        let mut other = SetValue::new_intset();
                        for x in &model {
                            other.add(x, &SetLimits::new(1 << 20, 1 << 20, 1 << 20));
                        }
                        assert_eq!(other, s);
                        other.to_intset_if_fits(&lim);
                        assert_eq!(other, s);
                    }
                    _ => assert_eq!(s.contains(m), model.contains(m)),
                }
                // Encodings only move forward.
                let rank = |e: Encoding| match e {
                    Encoding::Intset => 0,
                    Encoding::Listpack => 1,
                    Encoding::Hashtable => 2,
                };
                assert!(rank(s.encoding()) >= rank(before) || model.is_empty());
                assert_eq!(s.len(), model.len());
                let mut got = members(&s);
                match s.encoding() {
                    Encoding::Intset => {
                        assert!(s.len() <= lim.intset_entries);
                        let ints: Vec<i64> = s.iter().filter_map(Member::as_i64).collect();
                        assert_eq!(ints.len(), s.len());
                        assert!(ints.windows(2).all(|w| w[0] < w[1]));
                    }
                    Encoding::Listpack => {
                        assert!(s.len() <= lim.listpack_entries);
                        assert!(got.iter().all(|m| m.len() <= lim.listpack_value));
                    }
                    Encoding::Hashtable => {}
                }
                got.sort();
                assert_eq!(got, model.iter().cloned().collect::<Vec<_>>());
                for x in &model {
                    assert!(s.contains(x));
                }
            }
        }
    }
}
