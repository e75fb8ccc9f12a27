//! Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS,
//! BITOP, BITFIELD and BITFIELD_RO. Bit 0 is the most significant bit of the
//! first byte, as in Redis; strings grow with zero bytes when a write goes
//! past their end. Offsets are capped by `proto-max-bulk-len` before any
//! allocation.

use super::{Cmd, Ctx, flags::*};
use crate::db::notify::STRING;
use crate::error;
use crate::types::{StrValue, Value};
use crate::util::num::parse_i64;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("setbit", 4, WRITE | DENYOOM, setbit).keys(1, 1, 1),
    Cmd::new("getbit", 3, READONLY | FAST, getbit).keys(1, 1, 1),
    Cmd::new("bitcount", -2, READONLY, bitcount).keys(1, 1, 1),
    Cmd::new("bitpos", -3, READONLY, bitpos).keys(1, 1, 1),
    Cmd::new("bitop", -4, WRITE | DENYOOM, bitop).keys(2, -1, 1),
    Cmd::new("bitfield", -2, WRITE | DENYOOM, bitfield).keys(1, 1, 1),
    Cmd::new("bitfield_ro", -2, READONLY | FAST, bitfield_ro).keys(1, 1, 1),
];

const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BIT_VALUE: &str = "ERR bit is not an integer or out of range";
const BITPOS_BIT: &str = "ERR The bit argument must be 1 or 0.";
const BITOP_NOT: &str = "ERR BITOP NOT must be called with a single source key.";
const BITFIELD_TYPE: &str = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
const BITFIELD_OVERFLOW: &str = "ERR Invalid OVERFLOW type specified";
const BITFIELD_RO_GET: &str = "ERR BITFIELD_RO only supports the GET subcommand";

/// A bit offset argument: a non-negative integer (with `#` allowed, the
/// index of a `width`-bit field) whose byte fits `proto-max-bulk-len`.
fn parse_offset(ctx: &Ctx, arg: &[u8], hash_width: Option<u32>) -> Option<u64> {
    let (digits, mul) = match (arg.first(), hash_width) {
        (Some(b'#'), Some(w)) => (&arg[1..], w as i64),
        _ => (arg, 1),
    };
    let v = parse_i64(digits)?.checked_mul(mul)?;
    let max = ctx.srv.config.proto_max_bulk_len;
    (v >= 0 && (v as u64 >> 3) < max).then_some(v as u64)
}

/// Runs `f` on the bytes of the string at `key` in place (no copy: GETBIT
/// on a 512 MB bitmap stays O(1)): Ok(None) when missing, Err on a wrong
/// type (after replying).
fn read_with<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>, ()> {
    let db = ctx.c.db;
    match ctx.srv.ks.lookup_read(db, key, ctx.now) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.with_bytes(f))),
        Some(_) => {
            ctx.c.reply.error(error::WRONGTYPE);
            Err(())
        }
    }
}

/// Runs `f` on the string at `key`, created or grown with zero bytes to at
/// least `min_len`; `f` and the result also say whether the key was
/// created or grown. Err on a wrong type (after replying). The caller runs
/// the write epilogue when something changed.
fn with_bytes_mut<R>(
    ctx: &mut Ctx,
    key: &[u8],
    min_len: usize,
    f: impl FnOnce(&mut Vec<u8>, bool) -> R,
) -> Result<(R, bool), ()> {
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    match ks.lookup_write(db, key, ctx.now) {
        None => {
            let mut buf = vec![0u8; min_len];
            let r = f(&mut buf, true);
            ks.set(db, key, Value::Str(StrValue::Raw(buf)), false);
            Ok((r, true))
        }
        Some(Value::Str(s)) => {
            let buf = s.make_raw();
            let grew = buf.len() < min_len;
            if grew {
                buf.resize(min_len, 0);
            }
            Ok((f(buf, grew), grew))
        }
        Some(_) => {
            ctx.c.reply.error(error::WRONGTYPE);
            Err(())
        }
    }
}

/// The write epilogue after `changes` modifications of `key`: WATCH and
/// blocked-client signals, the keyspace event, and the change counter set
/// to `dirty_before + changes` (creating the key inside the command must
/// not count twice).
pub(super) fn wrote(
    ctx: &mut Ctx,
    key: &[u8],
    event: &'static str,
    dirty_before: u64,
    changes: u64,
) {
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    ks.signal_modified(db, key);
    ks.notify(STRING, event, db, key);
    ks.dirty = dirty_before + changes;
}

fn bit_at(b: &[u8], bit: u64) -> u8 {
    b.get((bit >> 3) as usize)
        .map_or(0, |byte| (byte >> (7 - (bit & 7))) & 1)
}

/// SETBIT key offset value
fn setbit(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(off) = parse_offset(ctx, argv[2], None) else {
        return ctx.c.reply.error(BIT_OFFSET);
    };
    let on = match argv[3] {
        b"0" => false,
        b"1" => true,
        _ => return ctx.c.reply.error(BIT_VALUE),
    };
    let key = argv[1];
    let byte = (off >> 3) as usize;
    let dirty = ctx.srv.ks.dirty;
    let Ok((old, grew)) = with_bytes_mut(ctx, key, byte + 1, |b, _| {
        let mask = 1u8 << (7 - (off & 7));
        let old = (b[byte] & mask != 0) as i64;
        if on {
            b[byte] |= mask;
        } else {
            b[byte] &= !mask;
        }
        old
    }) else {
        return;
    };
    // Setting a bit to the value it has changes nothing (unless the string
    // had to be created or grown for it).
    if grew || (old == 1) != on {
        wrote(ctx, key, "setbit", dirty, 1);
    } else {
        ctx.srv.ks.dirty = dirty;
    }
    ctx.c.reply.int(old);
}

/// GETBIT key offset
fn getbit(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(off) = parse_offset(ctx, argv[2], None) else {
        return ctx.c.reply.error(BIT_OFFSET);
    };
    if let Ok(bit) = read_with(ctx, argv[1], |b| bit_at(b, off)) {
        ctx.c.reply.int(bit.unwrap_or(0) as i64);
    }
}

/// A BITCOUNT/BITPOS range after Redis's normalisation: byte indexes
/// `start..=end` of the string plus masks of the bits to ignore in the first
/// and last byte (BIT unit). None when the range is empty.
struct Range {
    start: usize,
    end: usize,
    first_mask: u8,
    last_mask: u8,
}

fn normalise(mut start: i64, mut end: i64, len: usize, bit_unit: bool) -> Option<Range> {
    let total = if bit_unit {
        (len as i64).saturating_mul(8)
    } else {
        len as i64
    };
    if start < 0 {
        start = start.saturating_add(total);
    }
    if end < 0 {
        end = end.saturating_add(total);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    if bit_unit {
        first_mask = !(0xFFu8 >> (start & 7));
        last_mask = (1u8 << (7 - (end & 7))).wrapping_sub(1);
        start >>= 3;
        end >>= 3;
    }
    Some(Range {
        start: start as usize,
        end: end as usize,
        first_mask,
        last_mask,
    })
}

/// Parses `start end [BYTE|BIT]` (BITCOUNT) or `start [end [BYTE|BIT]]`
/// (BITPOS): (start, end if given, BIT unit). Replies and returns None on
/// an error.
fn parse_range(
    ctx: &mut Ctx,
    args: &[&[u8]],
    end_optional: bool,
) -> Option<(i64, Option<i64>, bool)> {
    if args.is_empty() {
        return Some((0, None, false));
    }
    if args.len() > 3 || (args.len() == 1 && !end_optional) {
        ctx.c.reply.error(error::SYNTAX);
        return None;
    }
    let start = super::arg_i64(ctx, args[0])?;
    let end = match args.get(1) {
        Some(a) => Some(super::arg_i64(ctx, a)?),
        None => None,
    };
    let bit = match args.get(2) {
        None => false,
        Some(u) if u.eq_ignore_ascii_case(b"byte") => false,
        Some(u) if u.eq_ignore_ascii_case(b"bit") => true,
        Some(_) => {
            ctx.c.reply.error(error::SYNTAX);
            return None;
        }
    };
    Some((start, end, bit))
}

/// BITCOUNT key [start end [BYTE|BIT]]
fn bitcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    // 7.2 checks the arguments before looking the key up.
    let Some((start, end, bit_unit)) = parse_range(ctx, &argv[2..], false) else {
        return;
    };
    let end = end.unwrap_or(-1);
    let counted = read_with(ctx, argv[1], |b| {
        // Both ends from the tail with start past end: an empty range even
        // when clamping both to the string's start would meet (Redis).
        if start < 0 && end < 0 && start > end {
            return 0;
        }
        match normalise(start, end, b.len(), bit_unit) {
            None => 0,
            Some(r) => {
                let bytes = &b[r.start..=r.end];
                let mut n: u64 = bytes.iter().map(|x| x.count_ones() as u64).sum();
                n -= (bytes[0] & r.first_mask).count_ones() as u64;
                n -= (bytes[bytes.len() - 1] & r.last_mask).count_ones() as u64;
                n
            }
        }
    });
    let Ok(n) = counted else {
        return;
    };
    let n = n.unwrap_or(0);
    ctx.c.reply.int(n as i64);
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
fn bitpos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(want) = super::arg_i64(ctx, argv[2]) else {
        return;
    };
    if want != 0 && want != 1 {
        return ctx.c.reply.error(BITPOS_BIT);
    }
    let Some((start, end, bit_unit)) = parse_range(ctx, &argv[3..], true) else {
        return;
    };
    let found = read_with(ctx, argv[1], |b| bitpos_in(b, want, start, end, bit_unit));
    let pos = match found {
        Err(()) => return,
        Ok(None) => {
            if want == 1 {
                -1
            } else {
                0
            }
        }
        Ok(Some(p)) => p,
    };
    ctx.c.reply.int(pos);
}

/// BITPOS's answer for an existing string `b`.
fn bitpos_in(b: &[u8], want: i64, start: i64, end: Option<i64>, bit_unit: bool) -> i64 {
    let end_given = end.is_some();
    let Some(r) = normalise(start, end.unwrap_or(-1), b.len(), bit_unit) else {
        return -1;
    };
    let bytes = &b[r.start..=r.end];
    let last = bytes.len() - 1;
    // Bits outside the range read as the opposite of what is looked for.
    let masked = |i: usize| -> u8 {
        let x = bytes[i];
        let mut mask = 0u8;
        if i == 0 {
            mask |= r.first_mask;
        }
        if i == last {
            mask |= r.last_mask;
        }
        if want == 1 { x & !mask } else { x | mask }
    };
    let found = (0..bytes.len()).find_map(|i| {
        let x = masked(i);
        let hit = if want == 1 { x } else { !x };
        (hit != 0).then(|| i as i64 * 8 + hit.leading_zeros() as i64)
    });
    match found {
        Some(p) => p + r.start as i64 * 8,
        // No clear bit in range: without an explicit end the string counts
        // as padded with zeros, so the first bit past it.
        None if want == 0 && !end_given => (r.end as i64 + 1) * 8,
        None => -1,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
fn bitop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let op = match argv[1].to_ascii_lowercase().as_slice() {
        b"and" => BitOp::And,
        b"or" => BitOp::Or,
        b"xor" => BitOp::Xor,
        b"not" => BitOp::Not,
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    let (dest, srcs) = (argv[2], &argv[3..]);
    if op == BitOp::Not && srcs.len() != 1 {
        return ctx.c.reply.error(BITOP_NOT);
    }
    // First the lookups (lazy expiry, type check, hit/miss counts, as
    // Redis does once per source) and the result's length; then the bytes
    // are combined straight from the stored strings, so no source is copied.
    let mut len = 0;
    let mut present = Vec::with_capacity(srcs.len());
    for k in srcs {
        match read_with(ctx, k, <[u8]>::len) {
            Err(()) => return,
            Ok(n) => {
                len = len.max(n.unwrap_or(0));
                present.push(n.is_some());
            }
        }
    }
    let mut out = vec![0u8; len];
    let main = &ctx.srv.ks.dbs[ctx.c.db].main;
    for (i, k) in srcs.iter().enumerate() {
        let stored = if present[i] { main.get(k) } else { None };
        let first = i == 0;
        match stored {
            Some(Value::Str(s)) => s.with_bytes(|src| combine_into(&mut out, src, op, first)),
            _ => combine_into(&mut out, &[], op, first),
        }
    }
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    let dirty = ks.dirty;
    let changed = if len > 0 {
        ks.set(db, dest, Value::Str(StrValue::Raw(out)), false);
        ks.notify(STRING, "set", db, dest);
        true
    } else if ks.delete(db, dest) {
        ks.notify(crate::db::notify::GENERIC, "del", db, dest);
        true
    } else {
        false
    };
    ks.dirty = dirty + changed as u64;
    ctx.c.reply.int(len as i64);
}

/// Folds one BITOP source into `out` (zero-padded to `out`'s length, as
/// Redis treats shorter strings); `first` starts the fold from it.
fn combine_into(out: &mut [u8], src: &[u8], op: BitOp, first: bool) {
    let padded = src.iter().copied().chain(std::iter::repeat(0));
    for (o, b) in out.iter_mut().zip(padded) {
        *o = match (op, first) {
            (BitOp::Not, _) => !b,
            (_, true) => b,
            (BitOp::And, false) => *o & b,
            (BitOp::Or, false) => *o | b,
            (BitOp::Xor, false) => *o ^ b,
        };
    }
}

/// A BITFIELD integer type: signed or unsigned, 1-64 / 1-63 bits.
#[derive(Clone, Copy)]
struct FieldType {
    signed: bool,
    bits: u32,
}

impl FieldType {
    fn parse(arg: &[u8]) -> Option<FieldType> {
        let signed = match arg.first()? {
            b'i' | b'I' => true,
            b'u' | b'U' => false,
            _ => return None,
        };
        let bits = parse_i64(&arg[1..])?;
        let max = if signed { 64 } else { 63 };
        (1..=max).contains(&bits).then_some(FieldType {
            signed,
            bits: bits as u32,
        })
    }

    fn min(self) -> i128 {
        if self.signed {
            -(1i128 << (self.bits - 1))
        } else {
            0
        }
    }

    fn max(self) -> i128 {
        if self.signed {
            (1i128 << (self.bits - 1)) - 1
        } else {
            (1i128 << self.bits) - 1
        }
    }

    /// Reads the field at bit `off` of `b` (missing bytes read as zero).
    fn get(self, b: &[u8], off: u64) -> i64 {
        let mut raw: u64 = 0;
        for i in 0..self.bits as u64 {
            raw = (raw << 1) | bit_at(b, off + i) as u64;
        }
        if self.signed && self.bits < 64 && raw >> (self.bits - 1) & 1 == 1 {
            raw |= u64::MAX << self.bits;
        }
        raw as i64
    }

    /// Writes the low `bits` of `v` at bit `off` (the buffer is long enough).
    fn set(self, b: &mut [u8], off: u64, v: i64) {
        let v = v as u64;
        for i in 0..self.bits as u64 {
            let bit = (v >> (self.bits as u64 - 1 - i)) & 1;
            let pos = off + i;
            let (byte, mask) = ((pos >> 3) as usize, 1u8 << (7 - (pos & 7)));
            if bit == 1 {
                b[byte] |= mask;
            } else {
                b[byte] &= !mask;
            }
        }
    }

    /// Fits `v` into the type under `overflow`: None when FAIL refuses it.
    fn fit(self, v: i128, overflow: Overflow) -> Option<i64> {
        if (self.min()..=self.max()).contains(&v) {
            return Some(v as i64);
        }
        match overflow {
            Overflow::Fail => None,
            Overflow::Sat => Some(if v < self.min() {
                self.min()
            } else {
                self.max()
            } as i64),
            Overflow::Wrap => {
                let m = 1i128 << self.bits;
                let mut w = v.rem_euclid(m);
                if self.signed && w > self.max() {
                    w -= m;
                }
                Some(w as i64)
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

enum FieldOp {
    Get(FieldType, u64),
    Set(FieldType, u64, i64, Overflow),
    Incr(FieldType, u64, i64, Overflow),
}

/// Parses BITFIELD's operations; replies and returns None on an error.
fn parse_field_ops(ctx: &mut Ctx, args: &[&[u8]], read_only: bool) -> Option<Vec<FieldOp>> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut i = 0;
    while i < args.len() {
        let sub = args[i].to_ascii_lowercase();
        let need = match sub.as_slice() {
            b"get" => 2,
            b"set" | b"incrby" => 3,
            b"overflow" => 1,
            _ => 0,
        };
        if need == 0 || i + need >= args.len() {
            ctx.c.reply.error(error::SYNTAX);
            return None;
        }
        if sub == b"overflow" {
            overflow = match args[i + 1].to_ascii_lowercase().as_slice() {
                b"wrap" => Overflow::Wrap,
                b"sat" => Overflow::Sat,
                b"fail" => Overflow::Fail,
                _ => {
                    ctx.c.reply.error(BITFIELD_OVERFLOW);
                    return None;
                }
            };
            i += 2;
            continue;
        }
        let Some(ty) = FieldType::parse(args[i + 1]) else {
            ctx.c.reply.error(BITFIELD_TYPE);
            return None;
        };
        let Some(off) = parse_offset(ctx, args[i + 2], Some(ty.bits)) else {
            ctx.c.reply.error(BIT_OFFSET);
            return None;
        };
        if sub == b"get" {
            ops.push(FieldOp::Get(ty, off));
            i += 3;
            continue;
        }
        if read_only {
            ctx.c.reply.error(BITFIELD_RO_GET);
            return None;
        }
        let v = super::arg_i64(ctx, args[i + 3])?;
        ops.push(if sub == b"set" {
            FieldOp::Set(ty, off, v, overflow)
        } else {
            FieldOp::Incr(ty, off, v, overflow)
        });
        i += 4;
    }
    Some(ops)
}

/// BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL]
/// SET type offset value | INCRBY type offset increment ...]
fn bitfield(ctx: &mut Ctx, argv: &[&[u8]]) {
    bitfield_generic(ctx, argv, false);
}

/// BITFIELD_RO key [GET type offset ...]
fn bitfield_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    bitfield_generic(ctx, argv, true);
}

fn bitfield_generic(ctx: &mut Ctx, argv: &[&[u8]], read_only: bool) {
    let Some(ops) = parse_field_ops(ctx, &argv[2..], read_only) else {
        return;
    };
    let key = argv[1];
    let writes = ops.iter().any(|o| !matches!(o, FieldOp::Get(..)));
    let mut out: Vec<Option<i64>> = Vec::with_capacity(ops.len());
    if !writes {
        let read = |b: &[u8]| -> Vec<Option<i64>> {
            ops.iter()
                .filter_map(|op| match op {
                    FieldOp::Get(ty, off) => Some(Some(ty.get(b, *off))),
                    _ => None,
                })
                .collect()
        };
        match read_with(ctx, key, read) {
            Err(()) => return,
            Ok(Some(v)) => out = v,
            Ok(None) => out = read(&[]),
        }
    } else {
        // The string grows to the furthest field any operation touches, as
        // in Redis (even if every write then fails under OVERFLOW FAIL).
        let need = ops
            .iter()
            .map(|o| match o {
                FieldOp::Get(..) => 0,
                FieldOp::Set(t, off, ..) | FieldOp::Incr(t, off, ..) => {
                    ((off + t.bits as u64 - 1) >> 3) as usize + 1
                }
            })
            .max()
            .unwrap_or(0);
        let dirty = ctx.srv.ks.dirty;
        // A write counts as a change when it alters the field, or every
        // write does when the string was created or grown (Redis).
        let Ok((changes, _)) = with_bytes_mut(ctx, key, need, |b, grew| {
            let mut changes = 0u64;
            for op in &ops {
                match *op {
                    FieldOp::Get(ty, off) => out.push(Some(ty.get(b, off))),
                    FieldOp::Set(ty, off, v, ovf) => match ty.fit(v as i128, ovf) {
                        Some(v) => {
                            let old = ty.get(b, off);
                            out.push(Some(old));
                            ty.set(b, off, v);
                            changes += u64::from(grew || old != ty.get(b, off));
                        }
                        None => out.push(None),
                    },
                    FieldOp::Incr(ty, off, by, ovf) => {
                        let old = ty.get(b, off) as i128;
                        match ty.fit(old + by as i128, ovf) {
                            Some(v) => {
                                ty.set(b, off, v);
                                out.push(Some(v));
                                changes += u64::from(grew || old != v as i128);
                            }
                            None => out.push(None),
                        }
                    }
                }
            }
            changes
        }) else {
            return;
        };
        if changes > 0 {
            wrote(ctx, key, "setbit", dirty, changes);
        } else {
            ctx.srv.ks.dirty = dirty;
        }
    }
    let r = &mut ctx.c.reply;
    r.array(out.len());
    for v in out {
        match v {
            Some(v) => r.int(v),
            None => r.null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    #[test]
    fn field_types_read_write_and_fit() {
        let t = FieldType::parse(b"i8").unwrap();
        let mut b = vec![0u8; 2];
        t.set(&mut b, 4, -2);
        assert_eq!(b, [0x0F, 0xE0]);
        assert_eq!(t.get(&b, 4), -2);
        assert_eq!(t.fit(130, Overflow::Wrap), Some(-126));
        assert_eq!(t.fit(130, Overflow::Sat), Some(127));
        assert_eq!(t.fit(-130, Overflow::Sat), Some(-128));
        assert_eq!(t.fit(130, Overflow::Fail), None);
        let u = FieldType::parse(b"u63").unwrap();
        assert_eq!(u.max(), (1i128 << 63) - 1);
        assert!(FieldType::parse(b"u64").is_none());
        assert!(FieldType::parse(b"i0").is_none());
        assert_eq!(
            FieldType::parse(b"i64").unwrap().fit(-1, Overflow::Fail),
            Some(-1)
        );
    }

    #[test]
    fn bitfield_counts_changes_like_redis() {
        let mut h = Harness::new();
        let step = |h: &mut Harness, args: &[&str]| {
            let before = h.srv.ks.dirty;
            h.run(args);
            h.srv.ks.dirty - before
        };
        // Creating the key counts every write.
        assert_eq!(step(&mut h, &["BITFIELD", "k", "SET", "u8", "0", "0"]), 1);
        // Same value, same length: nothing changed.
        assert_eq!(step(&mut h, &["BITFIELD", "k", "SET", "u8", "0", "0"]), 0);
        assert_eq!(
            step(&mut h, &["BITFIELD", "k", "INCRBY", "u8", "0", "0"]),
            0
        );
        assert_eq!(step(&mut h, &["BITFIELD", "k", "SET", "i5", "0", "1"]), 1);
        assert_eq!(
            step(&mut h, &["BITFIELD", "k", "INCRBY", "i5", "0", "1"]),
            1
        );
        // Growing the string counts each write, changed or not.
        let grow = [
            "BITFIELD", "k", "SET", "u8", "0", "16", "SET", "u8", "8", "0",
        ];
        assert_eq!(step(&mut h, &grow), 2);
        assert_eq!(step(&mut h, &["SETBIT", "k", "0", "0"]), 0);
        // A failed write changes nothing.
        let fail = [
            "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300",
        ];
        assert_eq!(step(&mut h, &fail), 0);
    }

    #[test]
    fn bitcount_tail_range_past_its_end_is_empty() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "xxxx"]);
        assert_eq!(h.run(&["BITCOUNT", "str", "-6", "-7"]), ":0\r\n");
        assert_eq!(h.run(&["BITCOUNT", "str", "-6", "-15", "BIT"]), ":0\r\n");
        assert_eq!(h.run(&["BITCOUNT", "str", "-6", "-4"]), ":4\r\n");
    }

    #[test]
    fn huge_offsets_are_refused_before_allocating() {
        let mut h = Harness::new();
        h.srv.config.proto_max_bulk_len = 1024;
        assert_eq!(
            h.run(&["SETBIT", "k", "8192", "1"]),
            format!("-{BIT_OFFSET}\r\n")
        );
        assert_eq!(h.run(&["SETBIT", "k", "8191", "1"]), ":0\r\n");
        assert_eq!(h.run(&["STRLEN", "k"]), ":1024\r\n");
        assert_eq!(
            h.run(&["BITFIELD", "k", "SET", "u8", "#1024", "1"]),
            format!("-{BIT_OFFSET}\r\n")
        );
        assert_eq!(
            h.run(&["BITFIELD", "k", "GET", "u8", "#-1"]),
            format!("-{BIT_OFFSET}\r\n")
        );
    }
}
