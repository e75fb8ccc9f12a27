//! Readers (and, for the formats ember writes, writers) of the packed
//! blobs RDB files embed: listpack, ziplist, zipmap and intset. Every
//! reader checks each header, length and offset against the blob before
//! using it and reports a malformed blob as an error, never a panic.

use crate::util::num;

/// One element of a packed blob: an integer or a byte string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Entry<'_> {
    /// Calls `f` with the element's text (integers formatted on the stack).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Entry::Int(v) => {
                let mut buf = [0u8; 20];
                f(crate::types::string::format_i64(v, &mut buf))
            }
            Entry::Str(b) => f(b),
        }
    }

    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    /// Length of the element's text.
    pub fn text_len(self) -> usize {
        match self {
            Entry::Int(v) => num::i64_len(v),
            Entry::Str(b) => b.len(),
        }
    }
}

type Res<T> = Result<T, &'static str>;

#[inline]
fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x))
}

/// Sign-extends the low `bits` bits of `v`.
#[inline]
fn sext(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

// ---------------------------------------------------------------------------
// Listpack
// ---------------------------------------------------------------------------

/// Header: total bytes (u32) and element count (u16).
const LP_HDR: usize = 6;
const LP_EOF: u8 = 0xFF;
/// The element count field saturates here (count unknown, walk to know).
const LP_COUNT_UNKNOWN: usize = 65535;

/// Bytes the back-length of an entry of `l` bytes takes (Redis's
/// thresholds, which its validation checks).
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

fn write_backlen(out: &mut Vec<u8>, l: usize) {
    let n = backlen_size(l);
    // Most significant 7-bit group first; every byte but the first has the
    // continuation bit, so the value can be read right to left.
    for k in (0..n).rev() {
        let group = ((l >> (7 * k)) & 127) as u8;
        out.push(if k == n - 1 { group } else { group | 128 });
    }
}

/// Decodes the back-length that ends at `end` (exclusive): (value, bytes).
fn read_backlen(blob: &[u8], end: usize) -> Res<(usize, usize)> {
    let mut v = 0usize;
    let mut n = 0usize;
    loop {
        if n >= 5 || n >= end {
            return Err("listpack back-length too long");
        }
        let b = blob[end - 1 - n];
        v |= usize::from(b & 127) << (7 * n);
        n += 1;
        if b & 128 == 0 {
            return Ok((v, n));
        }
    }
}

/// The entries of a listpack, validated as a whole first (header, end byte,
/// every entry's bounds and back-length, the count).
pub fn listpack_entries(blob: &[u8]) -> Res<Vec<Entry<'_>>> {
    if blob.len() < LP_HDR + 1 {
        return Err("listpack too short");
    }
    if le(&blob[0..4]) as usize != blob.len() {
        return Err("listpack total length mismatch");
    }
    if blob[blob.len() - 1] != LP_EOF {
        return Err("listpack without end byte");
    }
    let declared = le(&blob[4..6]) as usize;
    let mut out = Vec::with_capacity(declared.min(blob.len()));
    let mut p = LP_HDR;
    let last = blob.len() - 1;
    while p < last {
        let (entry, size) = lp_entry(&blob[p..last])?;
        let blen = backlen_size(size);
        let end = p + size + blen;
        if end > last {
            return Err("listpack entry past the end");
        }
        let (v, n) = read_backlen(blob, end)?;
        if v != size || n != blen {
            return Err("listpack back-length mismatch");
        }
        out.push(entry);
        p = end;
    }
    if declared != LP_COUNT_UNKNOWN && declared != out.len() {
        return Err("listpack element count mismatch");
    }
    Ok(out)
}

/// Decodes one entry at the start of `b` (which excludes the end byte):
/// the value and the entry's size without its back-length.
fn lp_entry(b: &[u8]) -> Res<(Entry<'_>, usize)> {
    let need = |n: usize| {
        if b.len() >= n {
            Ok(())
        } else {
            Err("listpack entry cut short")
        }
    };
    let h = b[0];
    let str_at = |hdr: usize, len: usize| -> Res<(Entry<'_>, usize)> {
        let end = hdr
            .checked_add(len)
            .ok_or("listpack string length overflow")?;
        let s = b.get(hdr..end).ok_or("listpack string past the end")?;
        Ok((Entry::Str(s), end))
    };
    match h {
        0x00..=0x7F => Ok((Entry::Int(i64::from(h)), 1)),
        0x80..=0xBF => str_at(1, usize::from(h & 0x3F)),
        0xC0..=0xDF => {
            need(2)?;
            let v = u64::from(h & 0x1F) << 8 | u64::from(b[1]);
            Ok((Entry::Int(sext(v, 13)), 2))
        }
        0xE0..=0xEF => {
            need(2)?;
            str_at(2, usize::from(h & 0x0F) << 8 | usize::from(b[1]))
        }
        0xF0 => {
            need(5)?;
            str_at(5, le(&b[1..5]) as usize)
        }
        0xF1 => {
            need(3)?;
            Ok((Entry::Int(sext(le(&b[1..3]), 16)), 3))
        }
        0xF2 => {
            need(4)?;
            Ok((Entry::Int(sext(le(&b[1..4]), 24)), 4))
        }
        0xF3 => {
            need(5)?;
            Ok((Entry::Int(sext(le(&b[1..5]), 32)), 5))
        }
        0xF4 => {
            need(9)?;
            Ok((Entry::Int(le(&b[1..9]) as i64), 9))
        }
        _ => Err("listpack entry with an invalid encoding"),
    }
}

/// Builds a listpack the way Redis encodes entries: text that is a
/// canonical integer is stored as an integer in the smallest form.
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ListpackWriter {
    pub fn new() -> Self {
        ListpackWriter {
            buf: vec![0; LP_HDR],
            count: 0,
        }
    }

    /// Bytes so far (including the header, excluding the end byte).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Appends `b`, as an integer when it is the canonical text of one.
    pub fn push_bytes(&mut self, b: &[u8]) {
        if b.len() <= 20
            && let Some(v) = num::parse_i64(b)
        {
            return self.push_int(v);
        }
        let start = self.buf.len();
        let n = b.len();
        if n < 64 {
            self.buf.push(0x80 | n as u8);
        } else if n < 4096 {
            self.buf.push(0xE0 | (n >> 8) as u8);
            self.buf.push(n as u8);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(b);
        let size = self.buf.len() - start;
        write_backlen(&mut self.buf, size);
        self.count += 1;
    }

    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u64) & 0x1FFF;
            self.buf.push(0xC0 | (u >> 8) as u8);
            self.buf.push(u as u8);
        } else if let Ok(x) = i16::try_from(v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&x.to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(x) = i32::try_from(v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&x.to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        let size = self.buf.len() - start;
        write_backlen(&mut self.buf, size);
        self.count += 1;
    }

    /// The finished blob.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(LP_EOF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(LP_COUNT_UNKNOWN) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

// ---------------------------------------------------------------------------
// Ziplist (RDB files written before Redis 7)
// ---------------------------------------------------------------------------

const ZL_HDR: usize = 10;
const ZL_END: u8 = 0xFF;

/// The entries of a ziplist, validated as a whole (header, tail offset,
/// every entry's bounds, previous-length fields, the count).
pub fn ziplist_entries(blob: &[u8]) -> Res<Vec<Entry<'_>>> {
    if blob.len() < ZL_HDR + 1 {
        return Err("ziplist too short");
    }
    if le(&blob[0..4]) as usize != blob.len() {
        return Err("ziplist total length mismatch");
    }
    let tail = le(&blob[4..8]) as usize;
    if tail > blob.len() - 1 {
        return Err("ziplist tail offset out of range");
    }
    if blob[blob.len() - 1] != ZL_END {
        return Err("ziplist without end byte");
    }
    let declared = le(&blob[8..10]) as usize;
    let last = blob.len() - 1;
    let mut out = Vec::with_capacity(declared.min(blob.len()));
    let mut p = ZL_HDR;
    let mut prev_size = 0usize;
    let mut last_entry = ZL_HDR;
    while p < last {
        let b = &blob[p..last];
        let (prevlen, plen) = match b[0] {
            0xFE => {
                let x = b.get(1..5).ok_or("ziplist prevlen cut short")?;
                (le(x) as usize, 5)
            }
            0xFF => return Err("ziplist entry with an invalid prevlen"),
            x => (usize::from(x), 1),
        };
        if prevlen != prev_size {
            return Err("ziplist prevlen mismatch");
        }
        let (entry, size) = zl_entry(b, plen)?;
        out.push(entry);
        last_entry = p;
        prev_size = size;
        p += size;
    }
    if !out.is_empty() && last_entry != tail || out.is_empty() && tail != ZL_HDR {
        return Err("ziplist tail offset mismatch");
    }
    if declared != 65535 && declared != out.len() {
        return Err("ziplist element count mismatch");
    }
    Ok(out)
}

/// Decodes the entry in `b` whose encoding starts at `plen`: the value and
/// the whole entry's size (prevlen included).
fn zl_entry(b: &[u8], plen: usize) -> Res<(Entry<'_>, usize)> {
    let e = *b.get(plen).ok_or("ziplist entry cut short")?;
    let get = |from: usize, n: usize| b.get(from..from + n).ok_or("ziplist entry cut short");
    let string = |hdr: usize, len: usize| -> Res<(Entry<'_>, usize)> {
        let start = plen + hdr;
        let end = start.checked_add(len).ok_or("ziplist length overflow")?;
        let s = b.get(start..end).ok_or("ziplist string past the end")?;
        Ok((Entry::Str(s), end))
    };
    match e >> 6 {
        0 => return string(1, usize::from(e & 0x3F)),
        1 => {
            let x = get(plen + 1, 1)?;
            return string(2, usize::from(e & 0x3F) << 8 | usize::from(x[0]));
        }
        2 if e == 0x80 => {
            let x = get(plen + 1, 4)?;
            return string(5, u32::from_be_bytes([x[0], x[1], x[2], x[3]]) as usize);
        }
        2 => return Err("ziplist entry with an invalid encoding"),
        _ => {}
    }
    let int = |n: usize, bits: u32| -> Res<(Entry<'_>, usize)> {
        let x = get(plen + 1, n)?;
        Ok((Entry::Int(sext(le(x), bits)), plen + 1 + n))
    };
    match e {
        0xC0 => int(2, 16),
        0xD0 => int(4, 32),
        0xE0 => int(8, 64),
        0xF0 => int(3, 24),
        0xFE => int(1, 8),
        0xF1..=0xFD => Ok((Entry::Int(i64::from(e & 0x0F) - 1), plen + 1)),
        _ => Err("ziplist entry with an invalid encoding"),
    }
}

// ---------------------------------------------------------------------------
// Zipmap (hashes in RDB files written before Redis 2.6)
// ---------------------------------------------------------------------------

/// The (field, value) pairs of a zipmap.
pub fn zipmap_pairs(blob: &[u8]) -> Res<Vec<(&[u8], &[u8])>> {
    if blob.len() < 2 {
        return Err("zipmap too short");
    }
    let mut p = 1usize;
    let mut out = Vec::new();
    let read_len = |p: &mut usize| -> Res<Option<usize>> {
        let b = *blob.get(*p).ok_or("zipmap cut short")?;
        *p += 1;
        match b {
            0xFF => Ok(None),
            0xFE => {
                let x = blob.get(*p..*p + 4).ok_or("zipmap cut short")?;
                *p += 4;
                Ok(Some(le(x) as usize))
            }
            n => Ok(Some(usize::from(n))),
        }
    };
    while let Some(klen) = read_len(&mut p)? {
        let key = blob.get(p..p + klen).ok_or("zipmap field past the end")?;
        p += klen;
        let vlen = read_len(&mut p)?.ok_or("zipmap field without value")?;
        let free = usize::from(*blob.get(p).ok_or("zipmap cut short")?);
        p += 1;
        let val = blob.get(p..p + vlen).ok_or("zipmap value past the end")?;
        p += vlen + free;
        out.push((key, val));
    }
    if p != blob.len() {
        return Err("zipmap end byte not at the end");
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Intset
// ---------------------------------------------------------------------------

/// The integers of an intset (width 2, 4 or 8; strictly ascending).
pub fn intset_values(blob: &[u8]) -> Res<Vec<i64>> {
    if blob.len() < 8 {
        return Err("intset too short");
    }
    let width = le(&blob[0..4]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err("intset with an invalid encoding");
    }
    let count = le(&blob[4..8]) as usize;
    if count == 0 {
        return Err("empty intset");
    }
    if count.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(blob.len()) {
        return Err("intset length mismatch");
    }
    let bits = (width * 8) as u32;
    let mut out = Vec::with_capacity(count);
    for chunk in blob[8..].chunks_exact(width) {
        let v = sext(le(chunk), bits);
        if out.last().is_some_and(|&p| p >= v) {
            return Err("intset not sorted or with duplicates");
        }
        out.push(v);
    }
    Ok(out)
}

/// An intset of `values` (ascending, unique), in the narrowest width.
pub fn intset_blob(values: &[i64]) -> Vec<u8> {
    let width: usize = if values.iter().all(|&v| i16::try_from(v).is_ok()) {
        2
    } else if values.iter().all(|&v| i32::try_from(v).is_ok()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + values.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for &v in values {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listpack_round_trip_every_encoding() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let items: Vec<&[u8]> = vec![
            b"0",
            b"127",
            b"128",
            b"-1",
            b"-4096",
            b"4095",
            b"4096",
            b"-32768",
            b"32767",
            b"40000",
            b"-8388608",
            b"8388607",
            b"8388608",
            b"2147483647",
            b"-2147483649",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"",
            b"hello",
            b"007",
            b"-0",
            &mid,
            &long,
        ];
        let mut w = ListpackWriter::new();
        for it in &items {
            w.push_bytes(it);
        }
        let blob = w.finish();
        let back = listpack_entries(&blob).unwrap();
        assert_eq!(back.len(), items.len());
        for (e, it) in back.iter().zip(&items) {
            assert_eq!(e.to_vec(), *it);
        }
        assert_eq!(back[0], Entry::Int(0));
        assert_eq!(back[17], Entry::Str(b""));
        assert_eq!(back[19], Entry::Str(b"007"));
    }

    /// A listpack as Redis 7 writes `RPUSH l a 1 -2 300` (bytes from
    /// `DUMP`).
    #[test]
    fn listpack_matches_redis_bytes() {
        let mut w = ListpackWriter::new();
        for it in [&b"a"[..], b"1", b"-2", b"300"] {
            w.push_bytes(it);
        }
        let blob = w.finish();
        assert_eq!(
            blob,
            [
                18, 0, 0, 0, 4, 0, 0x81, b'a', 2, 1, 1, 0xDF, 0xFE, 2, 0xC1, 0x2C, 2, 0xFF
            ]
        );
    }

    #[test]
    fn backlen_sizes_follow_redis() {
        for (l, n) in [
            (1, 1),
            (127, 1),
            (128, 2),
            (16382, 2),
            (16383, 3),
            (2_097_150, 3),
        ] {
            let mut v = vec![0u8; 10];
            write_backlen(&mut v, l);
            assert_eq!(v.len() - 10, n, "{l}");
            assert_eq!(read_backlen(&v, v.len()).unwrap(), (l, n));
        }
    }

    #[test]
    fn corrupt_listpacks_are_refused() {
        let mut w = ListpackWriter::new();
        for it in [&b"abc"[..], b"12345", b"xyz"] {
            w.push_bytes(it);
        }
        let blob = w.finish();
        for cut in 0..blob.len() {
            assert!(listpack_entries(&blob[..cut]).is_err());
        }
        for i in 0..blob.len() {
            for bit in 0..8 {
                let mut b = blob.clone();
                b[i] ^= 1 << bit;
                // Must not panic; most flips are caught.
                let _ = listpack_entries(&b);
            }
        }
        let mut b = blob.clone();
        b[4] = 2;
        assert_eq!(listpack_entries(&b), Err("listpack element count mismatch"));
    }

    fn ziplist(entries: &[&[u8]]) -> Vec<u8> {
        // A hand-built ziplist with string entries only (< 64 bytes).
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut tail = ZL_HDR;
        for e in entries {
            tail = ZL_HDR + body.len();
            let start = body.len();
            body.push(prev as u8);
            body.push(e.len() as u8);
            body.extend_from_slice(e);
            prev = body.len() - start;
        }
        let total = ZL_HDR + body.len() + 1;
        let mut out = Vec::new();
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(tail as u32).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(0xFF);
        out
    }

    #[test]
    fn ziplist_reads_strings_and_ints() {
        let blob = ziplist(&[b"ab", b"", b"xyz"]);
        let e = ziplist_entries(&blob).unwrap();
        assert_eq!(e, [Entry::Str(b"ab"), Entry::Str(b""), Entry::Str(b"xyz")]);
        // Integer encodings: imm 5, int8 -3, int16 1000, int24, int32, int64.
        let mut body = Vec::new();
        let mut entries: Vec<Vec<u8>> = vec![vec![0xF6]];
        entries.push(vec![0xFE, 0xFD]);
        entries.push([vec![0xC0], 1000i16.to_le_bytes().to_vec()].concat());
        entries.push([vec![0xF0], (-70000i32).to_le_bytes()[..3].to_vec()].concat());
        entries.push([vec![0xD0], 123456789i32.to_le_bytes().to_vec()].concat());
        entries.push([vec![0xE0], i64::MIN.to_le_bytes().to_vec()].concat());
        let mut prev = 0;
        let mut tail = 0;
        for e in &entries {
            tail = ZL_HDR + body.len();
            body.push(prev as u8);
            body.extend_from_slice(e);
            prev = e.len() + 1;
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&((ZL_HDR + body.len() + 1) as u32).to_le_bytes());
        blob.extend_from_slice(&(tail as u32).to_le_bytes());
        blob.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        blob.extend_from_slice(&body);
        blob.push(0xFF);
        let e = ziplist_entries(&blob).unwrap();
        assert_eq!(
            e,
            [
                Entry::Int(5),
                Entry::Int(-3),
                Entry::Int(1000),
                Entry::Int(-70000),
                Entry::Int(123456789),
                Entry::Int(i64::MIN)
            ]
        );
        for cut in 0..blob.len() {
            assert!(ziplist_entries(&blob[..cut]).is_err());
        }
        for i in 0..blob.len() {
            let mut b = blob.clone();
            b[i] ^= 0x40;
            let _ = ziplist_entries(&b);
        }
    }

    #[test]
    fn zipmap_pairs_read() {
        let blob = [
            2, 3, b'f', b'o', b'o', 3, 0, b'b', b'a', b'r', 1, b'k', 2, 1, b'v', b'w', b'#', 0xFF,
        ];
        assert_eq!(
            zipmap_pairs(&blob).unwrap(),
            [(&b"foo"[..], &b"bar"[..]), (b"k", b"vw")]
        );
        for cut in 0..blob.len() {
            assert!(zipmap_pairs(&blob[..cut]).is_err());
        }
    }

    #[test]
    fn intset_round_trip_and_checks() {
        for vals in [
            vec![-5i64, 0, 7],
            vec![1, 40000],
            vec![i64::MIN, 0, i64::MAX],
        ] {
            let blob = intset_blob(&vals);
            assert_eq!(intset_values(&blob).unwrap(), vals);
        }
        assert_eq!(intset_blob(&[1, 2])[0], 2);
        assert_eq!(intset_blob(&[1, 40000])[0], 4);
        let blob = intset_blob(&[3, 1]);
        assert!(intset_values(&blob).is_err());
        assert!(intset_values(&intset_blob(&[])).is_err());
        let mut b = intset_blob(&[1, 2, 3]);
        b.pop();
        assert!(intset_values(&b).is_err());
        b = intset_blob(&[1, 2, 3]);
        b[0] = 3;
        assert!(intset_values(&b).is_err());
    }
}
