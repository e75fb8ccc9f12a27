//! Number parsing and formatting that reproduces Redis's `util.c` byte for
//! byte.
//!
//! | Redis                                   | here                            |
//! |-----------------------------------------|---------------------------------|
//! | `string2ll`                             | [`parse_i64`]                   |
//! | `string2ull`                            | [`parse_u64`]                   |
//! | `parseScanCursorOrReply` (7.2, strtoul) | [`parse_scan_cursor`]           |
//! | `string2d` (`getDoubleFromObject`)      | [`parse_f64`]                   |
//! | `string2ld` (`getLongDoubleFromObject`) | [`LongDouble::parse`]           |
//! | `ld2string(.., LD_STR_HUMAN)`           | [`LongDouble::write_human`]     |
//! | `d2string` / `addReplyDouble` (7.2)     | [`format_double`]               |
//! | `ll2string` / `ull2string`              | [`write_i64`] / [`write_u64`]   |
//!
//! Redis computes `INCRBYFLOAT` / `HINCRBYFLOAT` in C `long double`, which on
//! x86-64 is the x87 80-bit extended format (64-bit significand). Its replies
//! show that precision (`INCRBYFLOAT k 1000.3` on a missing key replies
//! `1000.29999999999999999`), so an `f64` cannot reproduce them. [`LongDouble`]
//! is a small exact software model of that format (correctly rounded parsing
//! like glibc's `strtold`, round-to-nearest-even addition like the FPU, and
//! exact `%.17Lf` printing like glibc's `printf`); use it for those commands.
//! [`format_incrbyfloat`] is only a best-effort approximation for callers
//! that already hold an `f64`.
//!
//! Everything here is panic-free for any input and allocates nothing beyond
//! pushing to the caller's `out` buffer (scratch space lives on the stack).

use std::cmp::Ordering;
use std::fmt::Write as _;

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

/// Redis `string2ll`: strict decimal `i64`.
///
/// Accepts an optional `-` followed by digits with no leading zero (`"0"`
/// itself is fine). Rejects: empty input, `+`, spaces anywhere, leading
/// zeros (`"01"`, `"00"`), `"-0"`, a lone `-`, anything longer than 20
/// bytes, and values outside `i64`.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if neg {
        if v > 1 << 63 {
            None
        } else {
            Some(0i64.wrapping_sub_unsigned(v))
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Redis `string2ull` (used e.g. for stream IDs).
///
/// The input is treated as a C string (it ends at the first NUL byte). If it
/// is a valid [`parse_i64`] number it must not be negative; otherwise it goes
/// through `strtoull` rules, which are looser: leading whitespace, a `+`,
/// leading zeros and even a `-` are accepted (`"-0"` is 0, `" -5"` wraps to
/// `2^64 - 5`, `"-18446744073709551615"` is 1), but trailing bytes, an empty
/// string and values above `u64::MAX` are rejected.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    let s = c_string(s);
    if let Some(v) = parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let r = strtoull(s);
    if s.is_empty() || r.end != s.len() || r.overflow {
        return None;
    }
    Some(r.value)
}

/// SCAN-family cursor parsing as in Redis 7.0 and 7.2
/// (`parseScanCursorOrReply`: `strtoul` plus a few checks).
///
/// The argument is treated as a C string (it ends at the first NUL byte).
/// Rejects a leading whitespace byte, trailing bytes and values above
/// `u64::MAX`. Surprisingly, accepts the empty string (as 0), a `+`, leading
/// zeros and a `-` (which negates modulo 2^64: `"-1"` is `u64::MAX`).
pub fn parse_scan_cursor(s: &[u8]) -> Option<u64> {
    let s = c_string(s);
    if s.first().is_some_and(|&b| is_c_space(b)) {
        return None;
    }
    let r = strtoull(s);
    // With no digits at all strtoul stops at the very start, which is only
    // the terminating NUL when the string is empty.
    if r.end != s.len() || r.overflow {
        return None;
    }
    Some(r.value)
}

/// The part of `s` before its first NUL byte.
fn c_string(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// `isspace()` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

struct StrtoullResult {
    value: u64,
    /// Index just after the last byte consumed (0 when nothing was parsed).
    end: usize,
    overflow: bool,
}

/// glibc `strtoull(s, &end, 10)`.
fn strtoull(s: &[u8]) -> StrtoullResult {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if let Some(&c @ (b'+' | b'-')) = s.get(i) {
        neg = c == b'-';
        i += 1;
    }
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(&b) = s.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return StrtoullResult {
            value: 0,
            end: 0,
            overflow: false,
        };
    }
    if overflow {
        value = u64::MAX;
    } else if neg {
        value = value.wrapping_neg();
    }
    StrtoullResult {
        value,
        end: i,
        overflow,
    }
}

/// "00", "01", ..., "99".
const DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends the decimal form of `v` (like Redis `ull2string`).
pub fn write_u64(mut v: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends the decimal form of `v` (like Redis `ll2string`).
pub fn write_i64(v: i64, out: &mut Vec<u8>) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(v.unsigned_abs(), out);
}

/// Number of bytes [`write_i64`] produces for `v` (digits plus sign).
pub fn i64_len(v: i64) -> usize {
    usize::from(v < 0) + u64_len(v.unsigned_abs())
}

/// Number of decimal digits of `v`.
fn u64_len(v: u64) -> usize {
    let mut len = 1;
    let mut p: u64 = 10;
    while len < 20 && v >= p {
        len += 1;
        p = p.wrapping_mul(10);
    }
    len
}

// ---------------------------------------------------------------------------
// Floating point parsing
// ---------------------------------------------------------------------------

/// Redis `string2d` (what `getDoubleFromObject` uses: ZADD scores, ZRANGE
/// bounds, timeouts, ...): C `strtod` with extra checks.
///
/// Accepts everything `strtod` does as long as it spans the whole input:
/// decimal (`1`, `-1.5`, `.5`, `5.`, `1e10`, `1E+5`), hexadecimal
/// (`0x10`, `0x1.8p1`), `inf`/`infinity` in any case with an optional sign.
/// Rejects: empty input, leading or trailing whitespace or other bytes
/// (including NUL), NaN in any spelling, results that overflow to
/// infinity (`1e400`) and non-zero inputs that underflow to zero
/// (`1e-400`). Subnormal results (`4e-320`) are accepted. `-0` gives -0.0.
/// The result is correctly rounded, like glibc.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    let (neg, num) = scan_float(s)?;
    let magnitude = match num {
        Scanned::Inf => f64::INFINITY,
        Scanned::Nan => return None,
        Scanned::Dec { mant, .. } => {
            // std's parser is correctly rounded like glibc's strtod and
            // accepts every decimal form scan_float lets through.
            let v: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
            let nonzero = mant.iter().any(|b| (b'1'..=b'9').contains(b));
            if v.is_infinite() || (v == 0.0 && nonzero) {
                return None; // strtod's ERANGE (overflow / underflow to 0)
            }
            return Some(v);
        }
        Scanned::Hex { mant, exp } => rounded_to_f64(round_parts(hex_parts(mant, exp), &F64))?,
    };
    Some(if neg { -magnitude } else { magnitude })
}

fn rounded_to_f64(r: Rounded) -> Option<f64> {
    match r {
        Rounded::Zero => Some(0.0),
        Rounded::Underflow | Rounded::Overflow => None,
        Rounded::Finite { mant, lsb } => {
            let bits = if mant >= 1 << 52 {
                // lsb is within [-1074, 971], so the biased exponent is 1..=2046.
                let biased = (i64::from(lsb) + 1075) as u64;
                (biased << 52) | (mant & ((1 << 52) - 1))
            } else {
                mant // subnormal: lsb == -1074
            };
            Some(f64::from_bits(bits))
        }
    }
}

/// A number recognised by [`scan_float`]; mantissas borrow the input.
enum Scanned<'a> {
    Inf,
    Nan,
    /// Decimal digits with at most one `.`, times 10^exp.
    Dec {
        mant: &'a [u8],
        exp: i64,
    },
    /// Hex digits with at most one `.`, times 2^exp.
    Hex {
        mant: &'a [u8],
        exp: i64,
    },
}

/// Exponents are clamped to this magnitude while parsing; anything larger
/// already overflows or underflows every format.
const EXP_CLAMP: i64 = 1 << 40;

/// Recognises the whole of `s` as a C `strtod`/`strtold` number (C locale,
/// no surrounding whitespace). Returns the sign and the number, or None if
/// `strtod` would not consume all of `s`.
fn scan_float(s: &[u8]) -> Option<(bool, Scanned<'_>)> {
    let (neg, rest) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Some((neg, Scanned::Inf));
    }
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"nan") {
        // "nan" or "nan(chars)": NaN either way, and every caller rejects
        // NaN, so the exact syntax does not matter.
        return Some((neg, Scanned::Nan));
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        // Without at least one hex digit strtod only consumes the "0".
        let body = &rest[2..];
        let (mant_len, ndigits) = scan_digits(body, |b| b.is_ascii_hexdigit());
        if ndigits == 0 {
            return None;
        }
        let (mant, tail) = body.split_at(mant_len);
        let exp = scan_exponent(tail, b'p')?;
        return Some((neg, Scanned::Hex { mant, exp }));
    }
    let (mant_len, ndigits) = scan_digits(rest, |b| b.is_ascii_digit());
    if ndigits == 0 {
        return None;
    }
    let (mant, tail) = rest.split_at(mant_len);
    let exp = scan_exponent(tail, b'e')?;
    Some((neg, Scanned::Dec { mant, exp }))
}

/// Length of the leading `digits [. digits]` run of `s` and how many digits
/// it holds.
fn scan_digits(s: &[u8], is_digit: impl Fn(u8) -> bool) -> (usize, usize) {
    let mut i = 0;
    let mut n = 0;
    let mut seen_point = false;
    while let Some(&b) = s.get(i) {
        if is_digit(b) {
            n += 1;
        } else if b == b'.' && !seen_point {
            seen_point = true;
        } else {
            break;
        }
        i += 1;
    }
    (i, n)
}

/// Parses what follows the mantissa: nothing, or `<marker>[+-]digits`
/// (marker in either case). Returns the clamped exponent, or None if `tail`
/// is anything else (strtod would stop before it).
fn scan_exponent(tail: &[u8], marker: u8) -> Option<i64> {
    let Some((&m, rest)) = tail.split_first() else {
        return Some(0);
    };
    if (m | 0x20) != marker {
        return None;
    }
    let (neg, digits) = match rest.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, rest),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = (v * 10 + i64::from(b - b'0')).min(EXP_CLAMP);
    }
    Some(if neg { -v } else { v })
}

/// Parameters of a binary floating point format.
struct Format {
    /// Significand bits, including the leading one.
    bits: u32,
    /// Exponent of the least significant significand bit for subnormals.
    min_lsb: i64,
    /// Exponent of the least significant significand bit of the largest
    /// finite value.
    max_lsb: i64,
    /// Decimal exponents (of the leading digit) beyond these surely
    /// overflow / underflow.
    max_sci: i64,
    min_sci: i64,
    /// Significant decimal digits kept when parsing; extra ones are replaced
    /// by a single trailing 1, which rounds identically as long as this is
    /// above the longest exact decimal form of any halfway point.
    max_digits: usize,
}

/// IEEE 754 binary64. Halfway points need at most 767 significant digits.
const F64: Format = Format {
    bits: 53,
    min_lsb: -1074,
    max_lsb: 971,
    max_sci: 308,
    min_sci: -324,
    max_digits: 800,
};

/// x87 80-bit extended precision (C `long double` on x86-64). Input is
/// limited to 5119 bytes by `string2ld`, so digits are never dropped.
const X87: Format = Format {
    bits: 64,
    min_lsb: -16445,
    max_lsb: 16320,
    max_sci: 4932,
    min_sci: -4951,
    max_digits: LD_MAX_INPUT,
};

/// An exact value `q * 2^lsb`, plus `sticky` when the true value is slightly
/// larger (only ever set when `q` has at least two bits more than the
/// target format, so that the sticky part lies below the rounding bit).
enum Parts {
    Zero,
    /// Non-zero but certainly below half the smallest subnormal.
    Tiny,
    /// Certainly above the largest finite value.
    Huge,
    Value {
        q: u128,
        lsb: i64,
        sticky: bool,
    },
}

enum Rounded {
    /// The input was zero.
    Zero,
    /// A non-zero input rounded to zero (strtod's ERANGE + 0).
    Underflow,
    /// strtod's ERANGE + HUGE_VAL.
    Overflow,
    /// `mant * 2^lsb`; `mant` has `bits` bits, or fewer with `lsb == min_lsb`.
    Finite { mant: u64, lsb: i32 },
}

fn round_parts(p: Parts, fmt: &Format) -> Rounded {
    match p {
        Parts::Zero => Rounded::Zero,
        Parts::Tiny => Rounded::Underflow,
        Parts::Huge => Rounded::Overflow,
        Parts::Value { q, lsb, sticky } => round_to(q, lsb, sticky, fmt),
    }
}

/// Rounds `q * 2^lsb` (+ sticky) to the nearest value of `fmt`, ties to even.
fn round_to(q: u128, lsb: i64, sticky: bool, fmt: &Format) -> Rounded {
    if q == 0 {
        return if sticky {
            Rounded::Underflow
        } else {
            Rounded::Zero
        };
    }
    let bit_len = i64::from(128 - q.leading_zeros());
    let top = lsb + bit_len - 1;
    let mut target = (top - (i64::from(fmt.bits) - 1)).max(fmt.min_lsb);
    let shift = target - lsb;
    let mut mant: u128 = if shift <= 0 {
        // Fits exactly: -shift <= bits - bit_len < 64.
        q << (-shift) as u32
    } else if shift > 128 {
        0 // q < 2^128 <= half an ulp
    } else {
        let shift = shift as u32;
        let kept = q.checked_shr(shift).unwrap_or(0);
        let rem = if shift == 128 {
            q
        } else {
            q & ((1u128 << shift) - 1)
        };
        let half = 1u128 << (shift - 1);
        let up = rem > half || (rem == half && (sticky || kept & 1 == 1));
        kept + u128::from(up)
    };
    if mant >> fmt.bits != 0 {
        mant >>= 1;
        target += 1;
    }
    if mant == 0 {
        return Rounded::Underflow;
    }
    if target > fmt.max_lsb {
        return Rounded::Overflow;
    }
    Rounded::Finite {
        mant: mant as u64,
        lsb: target as i32,
    }
}

/// Exact decimal-to-binary conversion of `mant * 10^exp10`.
fn decimal_parts(mant: &[u8], exp10: i64, fmt: &Format) -> Parts {
    // Locate the decimal point and the first/last non-zero digits.
    let mut point = None;
    let mut ndigits: usize = 0;
    let mut first_nz = None;
    let mut last_nz = 0;
    for &b in mant {
        if b == b'.' {
            point = Some(ndigits);
            continue;
        }
        if b != b'0' {
            first_nz.get_or_insert(ndigits);
            last_nz = ndigits;
        }
        ndigits += 1;
    }
    let Some(first_nz) = first_nz else {
        return Parts::Zero;
    };
    let point = point.unwrap_or(ndigits);
    // Decimal exponent of the leading significant digit. Lengths are far
    // below 2^40 (they fit in memory) and exp10 is clamped, so no overflow.
    let sci = point as i64 - first_nz as i64 - 1 + exp10;
    if sci > fmt.max_sci {
        return Parts::Huge;
    }
    if sci < fmt.min_sci {
        return Parts::Tiny;
    }
    let significant = last_nz - first_nz + 1;
    if significant <= 19
        && let Some(p) = small_decimal_parts(mant, first_nz, significant, sci)
    {
        return p;
    }
    let take = significant.min(fmt.max_digits);

    let mut num = Big::zero();
    let mut chunk: u32 = 0;
    let mut chunk_len = 0;
    let mut idx = 0;
    for &b in mant {
        if b == b'.' {
            continue;
        }
        if idx >= first_nz && idx < first_nz + take {
            chunk = chunk * 10 + u32::from(b - b'0');
            chunk_len += 1;
            if chunk_len == 9 {
                num.mul_add_small(1_000_000_000, chunk);
                chunk = 0;
                chunk_len = 0;
            }
        }
        idx += 1;
        if idx >= first_nz + take {
            break;
        }
    }
    if chunk_len > 0 {
        num.mul_add_small(POW10_U32[chunk_len], chunk);
    }
    let mut e10 = sci - (take as i64 - 1);
    if take < significant {
        // Dropped digits are non-zero (the last one is): stand in for them
        // with a single 1 one place further.
        num.mul_add_small(10, 1);
        e10 -= 1;
    }

    if e10 >= 0 {
        num.mul_pow10(e10 as u64);
        let bits = num.bit_len();
        if bits <= 128 {
            return Parts::Value {
                q: num.bits_from(0),
                lsb: 0,
                sticky: false,
            };
        }
        let shift = bits - 128;
        return Parts::Value {
            q: num.bits_from(shift),
            lsb: shift as i64,
            sticky: num.low_bits_nonzero(shift),
        };
    }
    let mut den = Big::from_u64(1);
    den.mul_pow10(e10.unsigned_abs());
    // Scale so that the quotient has 126 or 127 bits.
    let s = den.bit_len() as i64 - num.bit_len() as i64 + 126;
    if s >= 0 {
        num.shl(s as usize);
    } else {
        den.shl(s.unsigned_abs() as usize);
    }
    let q = num.div_rem_u128(&den);
    Parts::Value {
        q,
        lsb: -s,
        sticky: !num.is_zero(),
    }
}

/// Fast path of [`decimal_parts`] for at most 19 significant digits and a
/// small exponent, with 128-bit arithmetic only.
fn small_decimal_parts(
    mant: &[u8],
    first_nz: usize,
    significant: usize,
    sci: i64,
) -> Option<Parts> {
    let mut d: u64 = 0;
    for &b in mant
        .iter()
        .filter(|&&b| b != b'.')
        .skip(first_nz)
        .take(significant)
    {
        d = d * 10 + u64::from(b - b'0');
    }
    let e10 = sci - (significant as i64 - 1);
    if (0..=19).contains(&e10) {
        // d < 10^19 and 10^e10 <= 10^19: the product is below 2^127.
        let q = u128::from(d) * u128::from(10u64.pow(e10 as u32));
        return Some(Parts::Value {
            q,
            lsb: 0,
            sticky: false,
        });
    }
    if (-18..0).contains(&e10) {
        // Put d's top bit at bit 127; the divisor is below 2^60, so the
        // quotient keeps at least 67 bits.
        let shift = 64 + d.leading_zeros();
        let num = u128::from(d) << shift;
        let den = u128::from(10u64.pow(e10.unsigned_abs() as u32));
        return Some(Parts::Value {
            q: num / den,
            lsb: -i64::from(shift),
            sticky: !num.is_multiple_of(den),
        });
    }
    None
}

/// Exact conversion of hex digits `mant` (with an optional `.`) times 2^exp2.
fn hex_parts(mant: &[u8], exp2: i64) -> Parts {
    let mut q: u128 = 0;
    let mut kept = 0; // significant hex digits stored in q (at most 32)
    let mut sticky = false;
    let mut digits_before_point = None;
    let mut ndigits: i64 = 0;
    let mut last_kept_idx: i64 = 0;
    for &b in mant {
        if b == b'.' {
            digits_before_point = Some(ndigits);
            continue;
        }
        let d = hex_value(b);
        if kept == 0 && d == 0 {
            ndigits += 1;
            continue;
        }
        if kept < 32 {
            q = (q << 4) | u128::from(d);
            kept += 1;
            last_kept_idx = ndigits;
        } else if d != 0 {
            sticky = true;
        }
        ndigits += 1;
    }
    if kept == 0 {
        return Parts::Zero;
    }
    let point = digits_before_point.unwrap_or(ndigits);
    // Weight of the last kept digit is 16^(point - 1 - last_kept_idx).
    let lsb = (4 * (point - 1 - last_kept_idx) + exp2).clamp(-4 * EXP_CLAMP, 4 * EXP_CLAMP);
    if lsb > 20_000 {
        return Parts::Huge;
    }
    if lsb < -20_000 - 128 {
        return Parts::Tiny;
    }
    Parts::Value { q, lsb, sticky }
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

const POW10_U32: [u32; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

// ---------------------------------------------------------------------------
// x87 long double model
// ---------------------------------------------------------------------------

/// `string2ld` rejects inputs of `MAX_LONG_DOUBLE_CHARS` (5 * 1024) bytes or
/// more.
const LD_MAX_INPUT: usize = 5 * 1024 - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Finite,
    Infinite,
    Nan,
}

/// An exact model of the x86-64 C `long double` (x87 80-bit extended:
/// 64-bit significand, exponent range of 2^-16445 ..= ~1.19e4932), which
/// Redis uses for `INCRBYFLOAT` and `HINCRBYFLOAT`.
///
/// Typical use, mirroring `incrbyfloatCommand`:
///
/// ```text
/// let cur = LongDouble::parse(current_bytes).ok_or(NOT_A_FLOAT)?;   // or LongDouble::from_i64
/// let incr = LongDouble::parse(arg).ok_or(NOT_A_FLOAT)?;
/// let sum = cur + incr;
/// if !sum.is_finite() { return Err("ERR increment would produce NaN or Infinity") }
/// sum.write_human(&mut new_value);   // store it and reply with it
/// ```
///
/// Equality is structural: `-0` and `+0` differ, NaN equals NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    neg: bool,
    class: Class,
    /// For finite values: value = mant * 2^exp, with either mant >= 2^63 or
    /// exp == -16445 (subnormal or zero).
    mant: u64,
    exp: i32,
}

impl LongDouble {
    const MIN_LSB: i32 = -16445;

    fn zero(neg: bool) -> Self {
        LongDouble {
            neg,
            class: Class::Finite,
            mant: 0,
            exp: Self::MIN_LSB,
        }
    }

    fn special(neg: bool, class: Class) -> Self {
        LongDouble {
            neg,
            class,
            mant: 0,
            exp: 0,
        }
    }

    fn from_rounded(neg: bool, r: Rounded) -> Self {
        match r {
            Rounded::Zero | Rounded::Underflow => Self::zero(neg),
            Rounded::Overflow => Self::special(neg, Class::Infinite),
            Rounded::Finite { mant, lsb } => LongDouble {
                neg,
                class: Class::Finite,
                mant,
                exp: lsb,
            },
        }
    }

    /// Redis `string2ld`: glibc `strtold` over the whole input, correctly
    /// rounded to the x87 format.
    ///
    /// Same syntax and rejections as [`parse_f64`] (hex, `inf`, no
    /// whitespace, no NaN, overflow and underflow-to-zero rejected), but with
    /// the much wider `long double` range (`1e4000` is fine), and inputs of
    /// 5120 bytes or more are rejected.
    pub fn parse(s: &[u8]) -> Option<Self> {
        if s.is_empty() || s.len() > LD_MAX_INPUT {
            return None;
        }
        let (neg, num) = scan_float(s)?;
        let r = match num {
            Scanned::Inf => return Some(Self::special(neg, Class::Infinite)),
            Scanned::Nan => return None,
            Scanned::Dec { mant, exp } => round_parts(decimal_parts(mant, exp, &X87), &X87),
            Scanned::Hex { mant, exp } => round_parts(hex_parts(mant, exp), &X87),
        };
        match r {
            Rounded::Underflow | Rounded::Overflow => None,
            r => Some(Self::from_rounded(neg, r)),
        }
    }

    /// The exact value of `v` (what `getLongDoubleFromObject` does for an
    /// integer-encoded string).
    pub fn from_i64(v: i64) -> Self {
        Self::from_rounded(
            v < 0,
            round_to(u128::from(v.unsigned_abs()), 0, false, &X87),
        )
    }

    /// The exact value of `v` (every `f64` is representable).
    pub fn from_f64(v: f64) -> Self {
        let neg = v.is_sign_negative();
        if v.is_nan() {
            return Self::special(neg, Class::Nan);
        }
        if v.is_infinite() {
            return Self::special(neg, Class::Infinite);
        }
        let bits = v.to_bits();
        let frac = bits & ((1 << 52) - 1);
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let (m, e) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), biased - 1075)
        };
        Self::from_rounded(neg, round_to(u128::from(m), e, false, &X87))
    }

    /// True unless infinite or NaN.
    pub fn is_finite(self) -> bool {
        self.class == Class::Finite
    }

    /// Redis `ld2string(.., LD_STR_HUMAN)`, as used for the `INCRBYFLOAT`
    /// and `HINCRBYFLOAT` results: glibc `"%.17Lf"` (exact value rounded
    /// half-to-even at 17 decimals), then trailing zeros and a trailing `.`
    /// removed, and `-0` turned into `0`. Infinities print as `inf` / `-inf`
    /// and NaN as `nan`.
    pub fn write_human(self, out: &mut Vec<u8>) {
        match self.class {
            Class::Nan => return out.extend_from_slice(b"nan"),
            Class::Infinite => {
                return out.extend_from_slice(if self.neg { b"-inf" } else { b"inf" });
            }
            Class::Finite => {}
        }
        if self.exp >= 0 {
            if self.mant == 0 {
                out.push(b'0');
                return;
            }
            // An integer, possibly huge: no fractional digits survive.
            if self.neg {
                out.push(b'-');
            }
            let mut big = Big::from_u64(self.mant);
            big.shl(self.exp as usize);
            big.write_decimal(out);
            return;
        }
        // value * 10^17 = mant * 10^17 / 2^shift, rounded half to even.
        const SCALE: u64 = 100_000_000_000_000_000;
        let n = u128::from(self.mant) * u128::from(SCALE); // < 2^121
        let shift = self.exp.unsigned_abs();
        let scaled = if shift > 127 {
            0 // n < 2^121 is below half of 2^shift
        } else {
            let kept = n >> shift;
            let rem = n & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            kept + u128::from(rem > half || (rem == half && kept & 1 == 1))
        };
        if scaled == 0 {
            out.push(b'0'); // "-0.000..." becomes "0" too
            return;
        }
        if self.neg {
            out.push(b'-');
        }
        // The value is below 2^64, so the integer part fits a u64.
        let int = (scaled / u128::from(SCALE)) as u64;
        let mut frac = (scaled % u128::from(SCALE)) as u64;
        write_u64(int, out);
        if frac != 0 {
            let mut digits = [b'0'; 17];
            for d in digits.iter_mut().rev() {
                *d = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            let used = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
            out.push(b'.');
            out.extend_from_slice(&digits[..used]);
        }
    }
}

/// IEEE addition rounded to nearest-even in the x87 format, as the FPU does
/// for `long double` (overflow gives an infinity, `inf + -inf` NaN, `x + -x`
/// is +0).
impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    fn add(self, other: Self) -> Self {
        match (self.class, other.class) {
            (Class::Nan, _) | (_, Class::Nan) => return LongDouble::special(false, Class::Nan),
            (Class::Infinite, Class::Infinite) if self.neg != other.neg => {
                return LongDouble::special(false, Class::Nan);
            }
            (Class::Infinite, _) => return self,
            (_, Class::Infinite) => return other,
            _ => {}
        }
        if self.mant == 0 && other.mant == 0 {
            return LongDouble::zero(self.neg && other.neg);
        }
        if self.mant == 0 {
            return other;
        }
        if other.mant == 0 {
            return self;
        }
        let (x, y) = if self.exp >= other.exp {
            (self, other)
        } else {
            (other, self)
        };
        // Work with 62 guard bits; bits of y shifted out beyond them are
        // folded into a sticky lowest bit, which rounds identically.
        let gap = i64::from(x.exp) - i64::from(y.exp);
        let xs = u128::from(x.mant) << 62;
        let ys = if gap <= 62 {
            u128::from(y.mant) << (62 - gap)
        } else {
            let sh = gap - 62;
            let (kept, lost) = if sh >= 64 {
                (0, true)
            } else {
                (y.mant >> sh, y.mant & ((1u64 << sh) - 1) != 0)
            };
            u128::from(kept) | u128::from(lost)
        };
        let (neg, mag) = if x.neg == y.neg {
            (x.neg, xs + ys)
        } else if xs >= ys {
            (x.neg, xs - ys)
        } else {
            (y.neg, ys - xs)
        };
        if mag == 0 {
            return LongDouble::zero(false);
        }
        LongDouble::from_rounded(neg, round_to(mag, i64::from(x.exp) - 62, false, &X87))
    }
}

/// Formats an `f64` the way Redis formats an `INCRBYFLOAT` result
/// (`ld2string` with `LD_STR_HUMAN`, i.e. `%.17Lf` of a `long double`,
/// trailing zeros trimmed), as well as an `f64` allows.
///
/// Rule: take the shortest decimal string that round-trips to `v`, read it
/// as a `long double` (as Redis would read that string back) and print that
/// with [`LongDouble::write_human`]. This reproduces Redis exactly whenever
/// Redis's `long double` result is the value nearest to that decimal: e.g.
/// `20.5`, `3000`, `0.1`, `1.1`, `100000000000000000`, and also
/// `1000.3 -> "1000.29999999999999999"` or
/// `123456.789 -> "123456.78900000000000148"`.
///
/// It cannot match when the `f64` arithmetic itself lost precision that the
/// `long double` kept: `0.1 + 0.2` is `0.30000000000000004` in `f64` (Redis
/// prints `0.3`), `1.23456789012345678` has more digits than an `f64`
/// holds (Redis echoes all 18). Use [`LongDouble`] for exact results.
pub fn format_incrbyfloat(v: f64, out: &mut Vec<u8>) {
    if !v.is_finite() {
        LongDouble::from_f64(v).write_human(out);
        return;
    }
    let mut buf = StackBuf::new();
    // `{:e}` prints the shortest round-trip digits, e.g. "1.5e-7".
    let ld = match write!(buf, "{v:e}") {
        Ok(()) => LongDouble::parse(buf.as_bytes()),
        Err(_) => None,
    };
    ld.unwrap_or_else(|| LongDouble::from_f64(v))
        .write_human(out);
}

/// A fixed-size `fmt::Write` sink.
struct StackBuf {
    buf: [u8; 64],
    len: usize,
}

impl StackBuf {
    fn new() -> Self {
        StackBuf {
            buf: [0; 64],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Double formatting (Redis 7.2 d2string / fpconv_dtoa)
// ---------------------------------------------------------------------------

/// Formats a double exactly like Redis 7.2's `d2string()`, which is what
/// `addReplyDouble` sends (RESP2 bulk string and RESP3 `,` double alike) for
/// ZSCORE, ZINCRBY, ZADD INCR, WITHSCORES, GEO distances, etc.
///
/// Rules, in order:
///
/// 1. NaN is `nan`; infinities are `inf` / `-inf`; zeros are `0` and `-0`.
/// 2. An integral value with magnitude at most 2^62 prints as an integer
///    (`double2ll` + `ll2string`): `3`, `-5`, `100000000000000000`.
/// 3. Anything else goes through `fpconv_dtoa`: Grisu2 digit generation
///    (the shortest round-trip digits in the vast majority of cases, but
///    Grisu2 is not always shortest, so it is reproduced exactly here rather
///    than using Rust's shortest formatting), then with `digits * 10^K`
///    and `E = K + ndigits - 1` (decimal exponent of the first digit):
///    * `K >= 0` and `|E| < ndigits + 7`: the digits followed by `K` zeros
///      (`9223372036854776000`);
///    * `K < 0` and (`K > -7` or `|E| < 4`): plain decimal
///      (`1.5`, `0.1`, `0.00001`, `0.30000000000000004`, `1234.5678`);
///    * otherwise scientific: `d[.ddd]e<sign><exponent without padding>`
///      (`1e+20`, `1.5e-7`, `1.23456789e-4`, `1e+100`, `5e-324`).
///
/// Note this differs from Redis <= 7.0, which used `"%.17g"`.
pub fn format_double(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(b"nan");
    } else if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
    } else if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
    } else if v.abs() <= 4_611_686_018_427_387_904.0 && v.trunc() == v {
        write_i64(v as i64, out);
    } else {
        if v.is_sign_negative() {
            out.push(b'-');
        }
        let mut digits = [0u8; 24];
        let (n, k) = grisu2(v.abs(), &mut digits);
        emit_digits(&digits[..n], k, v.is_sign_negative(), out);
    }
}

/// A 64-bit "do-it-yourself" float: f * 2^e.
#[derive(Clone, Copy)]
struct Fp {
    f: u64,
    e: i32,
}

const FP_HIDDEN_BIT: u64 = 1 << 52;
const FP_FRAC_MASK: u64 = FP_HIDDEN_BIT - 1;

/// Round-to-nearest 64-bit normalized approximations of 10^k for
/// k = -348, -340, ..., 340 (as (f, e) with 10^k ~= f * 2^e). Generated with
/// exact rational arithmetic; `cached_powers_are_exactly_rounded` re-derives
/// every entry.
const CACHED_POW10_FIRST: i32 = -348;
const CACHED_POW10_STEP: i32 = 8;
const CACHED_POW10: [(u64, i32); 87] = [
    (0xfa8fd5a0081c0288, -1220),
    (0xbaaee17fa23ebf76, -1193),
    (0x8b16fb203055ac76, -1166),
    (0xcf42894a5dce35ea, -1140),
    (0x9a6bb0aa55653b2d, -1113),
    (0xe61acf033d1a45df, -1087),
    (0xab70fe17c79ac6ca, -1060),
    (0xff77b1fcbebcdc4f, -1034),
    (0xbe5691ef416bd60c, -1007),
    (0x8dd01fad907ffc3c, -980),
    (0xd3515c2831559a83, -954),
    (0x9d71ac8fada6c9b5, -927),
    (0xea9c227723ee8bcb, -901),
    (0xaecc49914078536d, -874),
    (0x823c12795db6ce57, -847),
    (0xc21094364dfb5637, -821),
    (0x9096ea6f3848984f, -794),
    (0xd77485cb25823ac7, -768),
    (0xa086cfcd97bf97f4, -741),
    (0xef340a98172aace5, -715),
    (0xb23867fb2a35b28e, -688),
    (0x84c8d4dfd2c63f3b, -661),
    (0xc5dd44271ad3cdba, -635),
    (0x936b9fcebb25c996, -608),
    (0xdbac6c247d62a584, -582),
    (0xa3ab66580d5fdaf6, -555),
    (0xf3e2f893dec3f126, -529),
    (0xb5b5ada8aaff80b8, -502),
    (0x87625f056c7c4a8b, -475),
    (0xc9bcff6034c13053, -449),
    (0x964e858c91ba2655, -422),
    (0xdff9772470297ebd, -396),
    (0xa6dfbd9fb8e5b88f, -369),
    (0xf8a95fcf88747d94, -343),
    (0xb94470938fa89bcf, -316),
    (0x8a08f0f8bf0f156b, -289),
    (0xcdb02555653131b6, -263),
    (0x993fe2c6d07b7fac, -236),
    (0xe45c10c42a2b3b06, -210),
    (0xaa242499697392d3, -183),
    (0xfd87b5f28300ca0e, -157),
    (0xbce5086492111aeb, -130),
    (0x8cbccc096f5088cc, -103),
    (0xd1b71758e219652c, -77),
    (0x9c40000000000000, -50),
    (0xe8d4a51000000000, -24),
    (0xad78ebc5ac620000, 3),
    (0x813f3978f8940984, 30),
    (0xc097ce7bc90715b3, 56),
    (0x8f7e32ce7bea5c70, 83),
    (0xd5d238a4abe98068, 109),
    (0x9f4f2726179a2245, 136),
    (0xed63a231d4c4fb27, 162),
    (0xb0de65388cc8ada8, 189),
    (0x83c7088e1aab65db, 216),
    (0xc45d1df942711d9a, 242),
    (0x924d692ca61be758, 269),
    (0xda01ee641a708dea, 295),
    (0xa26da3999aef774a, 322),
    (0xf209787bb47d6b85, 348),
    (0xb454e4a179dd1877, 375),
    (0x865b86925b9bc5c2, 402),
    (0xc83553c5c8965d3d, 428),
    (0x952ab45cfa97a0b3, 455),
    (0xde469fbd99a05fe3, 481),
    (0xa59bc234db398c25, 508),
    (0xf6c69a72a3989f5c, 534),
    (0xb7dcbf5354e9bece, 561),
    (0x88fcf317f22241e2, 588),
    (0xcc20ce9bd35c78a5, 614),
    (0x98165af37b2153df, 641),
    (0xe2a0b5dc971f303a, 667),
    (0xa8d9d1535ce3b396, 694),
    (0xfb9b7cd9a4a7443c, 720),
    (0xbb764c4ca7a44410, 747),
    (0x8bab8eefb6409c1a, 774),
    (0xd01fef10a657842c, 800),
    (0x9b10a4e5e9913129, 827),
    (0xe7109bfba19c0c9d, 853),
    (0xac2820d9623bf429, 880),
    (0x80444b5e7aa7cf85, 907),
    (0xbf21e44003acdd2d, 933),
    (0x8e679c2f5e44ff8f, 960),
    (0xd433179d9c8cb841, 986),
    (0x9e19db92b4e31ba9, 1013),
    (0xeb96bf6ebadf77d9, 1039),
    (0xaf87023b9bf0ee6b, 1066),
];

/// Picks the cached power of ten that brings a product with binary exponent
/// `exp` into the window [-60, -32]; returns it and its decimal exponent.
/// Follows the search order of the reference implementation (start from an
/// estimate, then step), since that choice affects the generated digits.
fn cached_pow10(exp: i32) -> (Fp, i32) {
    const ONE_LOG_TEN: f64 = 0.301_029_995_663_981_14;
    let approx = (f64::from(-(exp + 87)) * ONE_LOG_TEN) as i32;
    let mut idx = (approx - CACHED_POW10_FIRST) / CACHED_POW10_STEP;
    let last = CACHED_POW10.len() as i32 - 1;
    // The window is 28 wide and entries are ~26.6 binary orders apart, so a
    // few steps always suffice; the bound only guards against surprises.
    for _ in 0..CACHED_POW10.len() {
        idx = idx.clamp(0, last);
        let (f, e) = CACHED_POW10[idx as usize];
        let current = exp + e + 64;
        if current < -60 && idx < last {
            idx += 1;
        } else if current > -32 && idx > 0 {
            idx -= 1;
        } else {
            return (Fp { f, e }, CACHED_POW10_FIRST + idx * CACHED_POW10_STEP);
        }
    }
    let (f, e) = CACHED_POW10[idx.clamp(0, last) as usize];
    (Fp { f, e }, CACHED_POW10_FIRST + idx * CACHED_POW10_STEP)
}

/// 64x64 multiplication keeping the upper half, rounded half up.
fn fp_mul(a: Fp, b: Fp) -> Fp {
    let p = u128::from(a.f) * u128::from(b.f) + (1u128 << 63);
    Fp {
        f: (p >> 64) as u64,
        e: a.e + b.e + 64,
    }
}

/// Grisu2 digit generation for a positive finite non-zero `v`, with the
/// exact arithmetic of the fpconv library Redis 7.2 bundles. Returns the
/// number of digits written and K such that v ~= digits * 10^K.
fn grisu2(v: f64, digits: &mut [u8; 24]) -> (usize, i32) {
    let bits = v.to_bits();
    let frac = bits & FP_FRAC_MASK;
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let w = if biased != 0 {
        Fp {
            f: frac + FP_HIDDEN_BIT,
            e: biased - 1075,
        }
    } else {
        Fp { f: frac, e: -1074 }
    };
    if w.f == 0 {
        digits[0] = b'0';
        return (1, 0);
    }

    // Boundaries m+ and m- (halfway to the neighbours), on a common exponent
    // with m+ normalized to 64 bits.
    let mut upper = Fp {
        f: (w.f << 1) + 1,
        e: w.e - 1,
    };
    while upper.f & (FP_HIDDEN_BIT << 1) == 0 {
        upper.f <<= 1;
        upper.e -= 1;
    }
    upper.f <<= 10;
    upper.e -= 10;
    let lower_shift = if w.f == FP_HIDDEN_BIT { 2 } else { 1 };
    let mut lower = Fp {
        f: (w.f << lower_shift) - 1,
        e: w.e - lower_shift,
    };
    lower.f <<= (lower.e - upper.e).clamp(0, 63);
    lower.e = upper.e;

    let mut wn = w;
    while wn.f & FP_HIDDEN_BIT == 0 {
        wn.f <<= 1;
        wn.e -= 1;
    }
    wn.f <<= 11;
    wn.e -= 11;

    let (cached, k) = cached_pow10(upper.e);
    let wn = fp_mul(wn, cached);
    let mut upper = fp_mul(upper, cached);
    let mut lower = fp_mul(lower, cached);
    lower.f = lower.f.wrapping_add(1);
    upper.f = upper.f.wrapping_sub(1);

    let mut kk = -k;
    let n = generate_digits(wn, upper, lower, digits, &mut kk);
    (n, kk)
}

fn generate_digits(w: Fp, upper: Fp, lower: Fp, digits: &mut [u8; 24], k: &mut i32) -> usize {
    let wfrac = upper.f.wrapping_sub(w.f);
    let mut delta = upper.f.wrapping_sub(lower.f);
    // upper.e is in [-60, -32] thanks to the cached power.
    let shift = upper.e.unsigned_abs().clamp(1, 63);
    let one = 1u64 << shift;
    let mut part1 = upper.f >> shift;
    let mut part2 = upper.f & (one - 1);
    let mut n = 0;
    fn push(digits: &mut [u8; 24], n: &mut usize, d: u64) {
        if (d != 0 || *n != 0) && *n < digits.len() {
            digits[*n] = b'0' + d as u8;
            *n += 1;
        }
    }

    // Integral part, divisors 10^9 down to 10^0.
    let mut kappa: i32 = 10;
    let mut div: u64 = 1_000_000_000;
    while kappa > 0 {
        let digit = part1 / div;
        push(digits, &mut n, digit);
        part1 -= digit * div;
        kappa -= 1;
        let rest = (part1 << shift).wrapping_add(part2);
        if rest <= delta {
            *k += kappa;
            round_last_digit(&mut digits[..n], delta, rest, div << shift, wfrac);
            return n;
        }
        div /= 10;
    }

    // Fractional part.
    let mut unit: u64 = 10;
    loop {
        part2 = part2.wrapping_mul(10);
        delta = delta.wrapping_mul(10);
        kappa -= 1;
        push(digits, &mut n, part2 >> shift);
        part2 &= one - 1;
        if part2 < delta || n >= digits.len() {
            *k += kappa;
            round_last_digit(
                &mut digits[..n],
                delta,
                part2,
                one,
                wfrac.wrapping_mul(unit),
            );
            return n;
        }
        unit = unit.wrapping_mul(10);
    }
}

/// Grisu2's final adjustment: move the last digit down while that gets
/// closer to the exact value and stays inside the rounding interval.
fn round_last_digit(digits: &mut [u8], delta: u64, mut rem: u64, kappa: u64, frac: u64) {
    let Some(last) = digits.last_mut() else {
        return;
    };
    while rem < frac
        && delta.wrapping_sub(rem) >= kappa
        && (rem.wrapping_add(kappa) < frac
            || frac.wrapping_sub(rem) > rem.wrapping_add(kappa).wrapping_sub(frac))
    {
        *last = last.wrapping_sub(1);
        rem = rem.wrapping_add(kappa);
    }
}

/// fpconv's layout rules for `digits * 10^k` (see [`format_double`]).
fn emit_digits(digits: &[u8], k: i32, neg: bool, out: &mut Vec<u8>) {
    let n = digits.len() as i32;
    let mut exp = (k + n - 1).abs();

    if k >= 0 && exp < n + 7 {
        out.extend_from_slice(digits);
        out.resize(out.len() + k as usize, b'0');
        return;
    }
    if k < 0 && (k > -7 || exp < 4) {
        let offset = n - k.abs();
        if offset <= 0 {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + offset.unsigned_abs() as usize, b'0');
            out.extend_from_slice(digits);
        } else {
            let (int, frac) = digits.split_at(offset as usize);
            out.extend_from_slice(int);
            out.push(b'.');
            out.extend_from_slice(frac);
        }
        return;
    }
    let nd = n.min(18 - i32::from(neg)).max(1);
    let shown = &digits[..nd as usize];
    out.push(shown[0]);
    if nd > 1 {
        out.push(b'.');
        out.extend_from_slice(&shown[1..]);
    }
    out.push(b'e');
    out.push(if k + nd - 1 < 0 { b'-' } else { b'+' });
    let mut cent = 0;
    if exp > 99 {
        cent = exp / 100;
        out.push(b'0' + cent as u8);
        exp -= cent * 100;
    }
    if exp > 9 {
        let dec = exp / 10;
        out.push(b'0' + dec as u8);
        exp -= dec * 10;
    } else if cent != 0 {
        out.push(b'0');
    }
    out.push(b'0' + (exp % 10) as u8);
}

// ---------------------------------------------------------------------------
// Fixed-capacity big unsigned integers (stack only)
// ---------------------------------------------------------------------------

/// Enough 32-bit limbs for the largest intermediate: parsing 5119 digits
/// scaled against 10^10070 (~33.6k bits) for `long double`.
const BIG_LIMBS: usize = 1100;

#[derive(Clone)]
struct Big {
    len: usize,
    limbs: [u32; BIG_LIMBS],
}

impl Big {
    fn zero() -> Self {
        Big {
            len: 0,
            limbs: [0; BIG_LIMBS],
        }
    }

    fn from_u64(v: u64) -> Self {
        let mut b = Self::zero();
        b.limbs[0] = v as u32;
        b.limbs[1] = (v >> 32) as u32;
        b.len = 2;
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.len > 0 && self.limbs[self.len - 1] == 0 {
            self.len -= 1;
        }
    }

    fn is_zero(&self) -> bool {
        self.len == 0
    }

    /// self = self * m + add. (Capacity is sized so that it never runs out;
    /// if it did, the excess would be dropped rather than panicking.)
    fn mul_add_small(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.limbs[..self.len] {
            let t = u64::from(*limb) * u64::from(m) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry != 0 && self.len < BIG_LIMBS {
            self.limbs[self.len] = carry as u32;
            self.len += 1;
        }
    }

    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 9 && !self.is_zero() {
            self.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        if n > 0 && n < 9 {
            self.mul_add_small(POW10_U32[n as usize], 0);
        }
    }

    fn bit_len(&self) -> usize {
        match self.len {
            0 => 0,
            n => (n - 1) * 32 + (32 - self.limbs[n - 1].leading_zeros() as usize),
        }
    }

    fn shl(&mut self, bits: usize) {
        if self.len == 0 {
            return;
        }
        let words = bits / 32;
        let b = (bits % 32) as u32;
        let new_len = (self.len + words + 1).min(BIG_LIMBS);
        for i in (0..new_len).rev() {
            let src = |j: usize| -> u32 {
                match j.checked_sub(words) {
                    Some(k) if k < self.len => self.limbs[k],
                    _ => 0,
                }
            };
            let hi = src(i);
            let lo = if i == 0 { 0 } else { src(i - 1) };
            self.limbs[i] = if b == 0 {
                hi
            } else {
                (hi << b) | (lo >> (32 - b))
            };
        }
        self.len = new_len;
        self.trim();
    }

    fn shr1(&mut self) {
        for i in 0..self.len {
            let next = if i + 1 < self.len {
                self.limbs[i + 1]
            } else {
                0
            };
            self.limbs[i] = (self.limbs[i] >> 1) | (next << 31);
        }
        self.trim();
    }

    fn cmp_big(&self, other: &Big) -> Ordering {
        if self.len != other.len {
            return self.len.cmp(&other.len);
        }
        for i in (0..self.len).rev() {
            match self.limbs[i].cmp(&other.limbs[i]) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    }

    /// self -= other; requires self >= other.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0u64;
        for i in 0..self.len {
            let o = if i < other.len { other.limbs[i] } else { 0 };
            let t = u64::from(self.limbs[i])
                .wrapping_sub(u64::from(o))
                .wrapping_sub(borrow);
            self.limbs[i] = t as u32;
            borrow = (t >> 63) & 1;
        }
        self.trim();
    }

    /// Whether any of the lowest `n` bits is set.
    fn low_bits_nonzero(&self, n: usize) -> bool {
        let words = (n / 32).min(self.len);
        if self.limbs[..words].iter().any(|&l| l != 0) {
            return true;
        }
        let b = n % 32;
        b != 0 && words < self.len && self.limbs[words] & ((1u32 << b) - 1) != 0
    }

    /// (self >> shift) truncated to 128 bits.
    fn bits_from(&self, shift: usize) -> u128 {
        let w = shift / 32;
        let b = (shift % 32) as i32;
        let mut r = 0u128;
        for j in 0..5usize {
            let Some(&limb) = self.limbs[..self.len].get(w + j) else {
                break;
            };
            let sh = 32 * j as i32 - b;
            if sh < 0 {
                r |= u128::from(limb >> (-sh) as u32);
            } else if sh < 128 {
                r |= u128::from(limb) << sh as u32;
            }
        }
        r
    }

    /// Replaces self by self % den and returns self / den, which the caller
    /// guarantees is below 2^128.
    fn div_rem_u128(&mut self, den: &Big) -> u128 {
        if den.is_zero() {
            return 0;
        }
        let mut d = den.clone();
        d.shl(127);
        let mut q = 0u128;
        for i in (0..128).rev() {
            if self.cmp_big(&d) != Ordering::Less {
                self.sub_assign(&d);
                q |= 1u128 << i;
            }
            d.shr1();
        }
        q
    }

    /// self /= d, returning the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for i in (0..self.len).rev() {
            let cur = (rem << 32) | u64::from(self.limbs[i]);
            self.limbs[i] = (cur / u64::from(d)) as u32;
            rem = cur % u64::from(d);
        }
        self.trim();
        rem as u32
    }

    /// Appends the decimal form (consumes the value).
    fn write_decimal(&mut self, out: &mut Vec<u8>) {
        // 2^16384 has 4933 digits: 549 chunks of 9.
        let mut chunks = [0u32; 560];
        let mut n = 0;
        while !self.is_zero() && n < chunks.len() {
            chunks[n] = self.div_small(1_000_000_000);
            n += 1;
        }
        if n == 0 {
            out.push(b'0');
            return;
        }
        write_u64(u64::from(chunks[n - 1]), out);
        for &c in chunks[..n - 1].iter().rev() {
            let mut buf = [b'0'; 9];
            let mut c = c;
            for d in buf.iter_mut().rev() {
                *d = b'0' + (c % 10) as u8;
                c /= 10;
            }
            out.extend_from_slice(&buf);
        }
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision, clippy::approx_constant)]
mod tests {
    use super::*;

    fn s_i64(v: i64) -> String {
        let mut out = Vec::new();
        write_i64(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn s_double(v: f64) -> String {
        let mut out = Vec::new();
        format_double(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn s_incr(v: f64) -> String {
        let mut out = Vec::new();
        format_incrbyfloat(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn s_ld(v: LongDouble) -> String {
        let mut out = Vec::new();
        v.write_human(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// Emulates `SET k cur; INCRBYFLOAT k incr`.
    fn incrbyfloat(cur: &[u8], incr: &[u8]) -> Result<String, &'static str> {
        let cur = LongDouble::parse(cur).ok_or("not a valid float")?;
        let incr = LongDouble::parse(incr).ok_or("not a valid float")?;
        let sum = cur + incr;
        if !sum.is_finite() {
            return Err("would produce NaN or Infinity");
        }
        Ok(s_ld(sum))
    }

    #[test]
    fn parse_i64_matches_redis() {
        // verified against redis-server 7.0 (INCRBY k <arg>, and SET k <arg>; INCR k)
        let ok: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"-1", -1),
            (b"1", 1),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
            (b"1234567890", 1234567890),
        ];
        for (s, v) in ok {
            assert_eq!(parse_i64(s), Some(*v), "{:?}", String::from_utf8_lossy(s));
        }
        let bad: &[&[u8]] = &[
            b"+1",
            b"01",
            b"-0",
            b"-",
            b"",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"00",
            b"1e3",
            b"0x10",
            b"-01",
            b"1\x00",
            b"12345678901234567890",
            b"--1",
            b"0000000000000000000001",
            b"\t1",
            b"1.0",
            b"-00",
        ];
        for s in bad {
            assert_eq!(parse_i64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn parse_u64_matches_redis() {
        // verified against redis-server 7.0: stream IDs go through string2ull
        // (XRANGE s <ms>-0 + and XRANGE s 0-<seq> +).
        let ok: &[(&[u8], u64)] = &[
            (b"+5", 5),
            (b" 5", 5),
            (b"\t5", 5),
            (b"007", 7),
            (b"18446744073709551615", u64::MAX),
            (b"5\x00x", 5),
            (b"-0", 0),
            (b"-18446744073709551615", 1),
            (b" -5", 5u64.wrapping_neg()),
            (b"+0", 0),
            (b"0", 0),
            (b"9223372036854775807", i64::MAX as u64),
        ];
        for (s, v) in ok {
            assert_eq!(parse_u64(s), Some(*v), "{:?}", String::from_utf8_lossy(s));
        }
        let bad: &[&[u8]] = &[
            b"18446744073709551616",
            b"",
            b"5 ",
            b" ",
            b"+",
            b"0x10",
            b"99999999999999999999",
            b"-5",
            b"-18446744073709551616",
            b"1x",
            b"-9223372036854775808",
        ];
        for s in bad {
            assert_eq!(parse_u64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn parse_scan_cursor_matches_redis() {
        // verified against redis-server 7.0 (SCAN <cursor>); 7.2 uses the
        // same strtoul-based code.
        let ok: &[(&[u8], u64)] = &[
            (b"", 0),
            (b"-1", u64::MAX),
            (b"+0", 0),
            (b"00", 0),
            (b"-0", 0),
            (b"0", 0),
            (b"18446744073709551615", u64::MAX),
            (b"17\x00junk", 17),
        ];
        for (s, v) in ok {
            assert_eq!(
                parse_scan_cursor(s),
                Some(*v),
                "{:?}",
                String::from_utf8_lossy(s)
            );
        }
        let bad: &[&[u8]] = &[b" 0", b"18446744073709551616", b"0 ", b"x", b"-", b"1.5"];
        for s in bad {
            assert_eq!(
                parse_scan_cursor(s),
                None,
                "{:?}",
                String::from_utf8_lossy(s)
            );
        }
    }

    #[test]
    fn parse_f64_matches_redis() {
        // verified against redis-server 7.0 (ZADD z <arg> m; ZSCORE z m)
        let ok: &[(&[u8], f64)] = &[
            (b"0x10", 16.0),
            (b"0X1p4", 16.0),
            (b"0x1.8p1", 3.0),
            (b"0x.8", 0.5),
            (b"inf", f64::INFINITY),
            (b"+inf", f64::INFINITY),
            (b"-inf", f64::NEG_INFINITY),
            (b"Infinity", f64::INFINITY),
            (b"INF", f64::INFINITY),
            (b"4e-320", 3.999955468730732e-320),
            (b"3e-324", 4.9406564584124654e-324),
            (b"+0", 0.0),
            (b".5", 0.5),
            (b"5.", 5.0),
            (b"1e+5", 100000.0),
            (b"1E5", 100000.0),
            (b"1.5e-3", 0.0015),
            (b"0e-999999", 0.0),
            (b"+.5e1", 5.0),
            (b"0x1P-1074", 4.9406564584124654e-324),
            (b"0x1.8p-1075", 4.9406564584124654e-324),
            (b"00012", 12.0),
            (b"1e0000000000000000000000001", 10.0),
            (b"0x1.fffffffffffffp1023", f64::MAX),
            (b"1.7976931348623158e308", f64::MAX),
            (b"1.", 1.0),
        ];
        for (s, v) in ok {
            assert_eq!(
                parse_f64(s).map(f64::to_bits),
                Some(v.to_bits()),
                "{:?}",
                String::from_utf8_lossy(s)
            );
        }
        let neg_zero = parse_f64(b"-0").unwrap();
        assert!(neg_zero == 0.0 && neg_zero.is_sign_negative());
        let bad: &[&[u8]] = &[
            b"0x",
            b"0x1p",
            b"infin",
            b"nan",
            b"NaN",
            b"nan(123)",
            b"-nan",
            b" 1",
            b"1 ",
            b"",
            b"1e400",
            b"-1e400",
            b"1e-400",
            b"2e-324",
            b".",
            b"1e",
            b"1e+",
            b"1\x00",
            b"0x1p-1075",
            b"1_0",
            b"0.000000000000000000000000000000000000000000000000000000001e999999999999999",
            b"+-1",
            b"0x1.fffffffffffff8p1023",
            b"1.7976931348623159e308",
        ];
        for s in bad {
            assert_eq!(parse_f64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn parse_f64_agrees_with_std_on_decimals() {
        // Rust's parser is correctly rounded too; compare on random decimal
        // strings, including very long ones and ones near the limits.
        let mut rng = Rng(0xDEAD_BEEF);
        for i in 0..20_000 {
            let mut s = String::new();
            if rng.next().is_multiple_of(2) {
                s.push('-');
            }
            let ndigits = 1 + (rng.next() % if i % 50 == 0 { 1200 } else { 22 }) as usize;
            let point = (rng.next() % (ndigits as u64 + 1)) as usize;
            for j in 0..ndigits {
                if j == point {
                    s.push('.');
                }
                s.push((b'0' + (rng.next() % 10) as u8) as char);
            }
            let exp = if i % 2 == 0 {
                (rng.next() % 700) as i64 - 350
            } else {
                (rng.next() % 50) as i64 - 25
            };
            s.push_str(&format!("e{exp}"));
            let std = s.parse::<f64>().unwrap();
            let mantissa = s.split('e').next().unwrap_or("");
            let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
            let std_ok = std.is_finite() && !(std == 0.0 && nonzero);
            let ours = parse_f64(s.as_bytes());
            let (neg, num) = scan_float(s.as_bytes()).unwrap();
            let Scanned::Dec { mant, exp } = num else {
                panic!("{s}")
            };
            let slow = rounded_to_f64(round_parts(decimal_parts(mant, exp, &F64), &F64))
                .map(|v| if neg { -v } else { v });
            assert_eq!(slow.map(f64::to_bits), ours.map(f64::to_bits), "{s}");
            if std_ok {
                assert_eq!(ours.map(f64::to_bits), Some(std.to_bits()), "{s}");
            } else {
                assert_eq!(ours, None, "{s}");
            }
        }
    }

    #[test]
    fn incrbyfloat_matches_redis() {
        // verified against redis-server 7.0 on x86-64: SET k <cur>; INCRBYFLOAT k <incr>
        let cases: &[(&str, &str, &str)] = &[
            ("0", "0.1", "0.1"),
            ("0.1", "0.2", "0.3"),
            ("10", "10.5", "20.5"),
            ("0", "3.0e3", "3000"),
            ("0", "5.0e3", "5000"),
            ("0", "-5", "-5"),
            ("0", "1e17", "100000000000000000"),
            ("0", "1.23456789012345678", "1.23456789012345678"),
            ("0", "1000.3", "1000.29999999999999999"),
            ("1000.1", "0.2", "1000.29999999999999999"),
            ("10.50", "0.1", "10.6"),
            ("0", "1e20", "100000000000000000000"),
            ("0", "1e30", "1000000000000000000024696061952"),
            ("0", "1e-5", "0.00001"),
            ("0", "1e-17", "0.00000000000000001"),
            ("0", "1e-18", "0"),
            ("0", "0x10", "16"),
            ("0", "123456.789", "123456.78900000000000148"),
            ("0", "3.14159", "3.14159"),
            ("1.5", "1.5", "3"),
            ("17179869184", "1.5", "17179869185.5"),
            ("17179869184", "17179869184", "34359738368"),
            ("0", "-0", "0"),
            ("0", "-0.0", "0"),
            ("0", "+5", "5"),
            ("0", ".5", "0.5"),
            ("0", "5.", "5"),
            ("0", "1e-400", "0"),
            ("0", "1e-4940", "0"),
            ("0", "0x1p-3", "0.125"),
            ("0", "1.1", "1.1"),
            ("1.1", "1.1", "2.2"),
            ("2.2", "1.1", "3.3"),
            ("0", "100.1", "100.1"),
            ("0", "99999.99", "99999.99000000000000199"),
            ("1", "-1.1", "-0.1"),
            ("5.0e3", "2.0e2", "5200"),
            ("0", "0.000000000000000005", "0"),
            ("0", "0.000000000000000015", "0.00000000000000002"),
            ("0", "0.000000000000000025", "0.00000000000000002"),
            ("0", "-0.000000000000000001", "0"),
            ("0", "3.814697265625e-6", "0.00000381469726562"),
            ("0", "0x1p-16445", "0"),
            ("0", "3e-4951", "0"),
            ("0", "18446744073709551616", "18446744073709551616"),
            ("0", "9007199254740993", "9007199254740993"),
            ("0", "0.1e1", "1"),
            ("-1", "1", "0"),
            ("1", "-1", "0"),
            ("-0.5", "0.5", "0"),
            ("0.024390243902439025", "-0.024390243902439025", "0"),
            ("1e-20", "1", "1"),
            ("2.5", "2.5", "5"),
            ("100", "-99.99", "0.01"),
            ("9223372036854775807", "1", "9223372036854775808"),
            ("-9223372036854775808", "-1", "-9223372036854775809"),
            ("3", "0.0000000000000000049999", "3"),
            // HINCRBYFLOAT h f 0.1 then 1000, starting from 10.5
            ("10.5", "0.1", "10.6"),
            ("10.6", "1000", "1010.59999999999999998"),
        ];
        for (cur, incr, want) in cases {
            assert_eq!(
                incrbyfloat(cur.as_bytes(), incr.as_bytes()).as_deref(),
                Ok(*want),
                "{cur} + {incr}"
            );
        }
        let errors: &[(&str, &str, &str)] = &[
            ("0", "inf", "would produce NaN or Infinity"),
            ("0", "infinity", "would produce NaN or Infinity"),
            ("0", "-INF", "would produce NaN or Infinity"),
            ("0", "+inf", "would produce NaN or Infinity"),
            ("inf", "1", "would produce NaN or Infinity"),
            ("1e4932", "1e4932", "would produce NaN or Infinity"),
            ("0", "nan", "not a valid float"),
            ("0", " 1", "not a valid float"),
            ("0", "1 ", "not a valid float"),
            ("0", "1e5000", "not a valid float"),
            ("0", "1.2e4932", "not a valid float"),
            ("0", "1e-5000", "not a valid float"),
            ("0", "1.5e-4951", "not a valid float"),
            ("0", "", "not a valid float"),
        ];
        for (cur, incr, want) in errors {
            assert_eq!(
                incrbyfloat(cur.as_bytes(), incr.as_bytes()),
                Err(*want),
                "{cur} + {incr}"
            );
        }
    }

    #[test]
    fn incrbyfloat_huge_values_match_redis() {
        // verified against redis-server 7.0: length, head and tail of the
        // reply to SET k 0; INCRBYFLOAT k <incr>
        let cases: &[(&str, usize, &str, &str)] = &[
            (
                "1e4000",
                4000,
                "999999999999999999996546387309",
                "272729951206648276349901340672",
            ),
            (
                "-1e4932",
                4934,
                "-10000000000000000000060189493",
                "163141086538418113791886622720",
            ),
            (
                "1.18973149535723176e4932",
                4933,
                "118973149535723175999061691246",
                "522479834276486185889994637312",
            ),
        ];
        for (incr, len, head, tail) in cases {
            let got = incrbyfloat(b"0", incr.as_bytes()).unwrap();
            assert_eq!(got.len(), *len, "{incr}");
            assert!(got.starts_with(head) && got.ends_with(tail), "{incr}");
        }
    }

    #[test]
    fn long_double_input_length_limit() {
        // verified against redis-server 7.0: 5119 bytes are accepted (as the
        // increment and as the stored value), 5120 are not.
        let ones = |zeros: usize| {
            let mut v = vec![b'0'; zeros];
            v.push(b'1');
            v
        };
        assert_eq!(incrbyfloat(b"0", &ones(5118)).as_deref(), Ok("1"));
        assert_eq!(incrbyfloat(&ones(5118), b"0").as_deref(), Ok("1"));
        assert!(incrbyfloat(b"0", &ones(5119)).is_err());
        assert!(incrbyfloat(&ones(5119), b"0").is_err());
        let mut third = b"0.".to_vec();
        third.resize(5119, b'3');
        assert_eq!(
            incrbyfloat(b"0", &third).as_deref(),
            Ok("0.33333333333333333")
        );
    }

    #[test]
    fn long_double_integers_and_zeros() {
        assert_eq!(s_ld(LongDouble::from_i64(0)), "0");
        assert_eq!(s_ld(LongDouble::from_i64(i64::MIN)), "-9223372036854775808");
        assert_eq!(s_ld(LongDouble::from_i64(i64::MAX)), "9223372036854775807");
        let sum = LongDouble::from_i64(i64::MAX) + LongDouble::from_i64(1);
        assert_eq!(s_ld(sum), "9223372036854775808");
        let neg_zero = LongDouble::parse(b"-0").unwrap();
        let z = neg_zero + neg_zero;
        assert_eq!(z, neg_zero);
        assert_eq!(s_ld(z), "0");
        assert_eq!(s_ld(LongDouble::from_f64(0.1)), "0.10000000000000001");
        assert_eq!(s_ld(LongDouble::from_f64(1000.3)), "1000.29999999999995453");
        assert_eq!(s_ld(LongDouble::from_f64(f64::NEG_INFINITY)), "-inf");
        let inf = LongDouble::parse(b"inf").unwrap();
        assert!(!(inf + LongDouble::parse(b"-inf").unwrap()).is_finite());
        assert_eq!(s_ld(LongDouble::from_f64(f64::NAN)), "nan");
    }

    #[test]
    fn format_incrbyfloat_from_f64() {
        // The expected strings are Redis's replies (verified against
        // redis-server 7.0) for INCRBYFLOAT on 0 with the same literal.
        let cases: &[(f64, &str)] = &[
            (20.5, "20.5"),
            (3000.0, "3000"),
            (-5.0, "-5"),
            (1e17, "100000000000000000"),
            (1000.3, "1000.29999999999999999"),
            (10.6, "10.6"),
            (1e20, "100000000000000000000"),
            (1e30, "1000000000000000000024696061952"),
            (1e-5, "0.00001"),
            (1e-17, "0.00000000000000001"),
            (1e-18, "0"),
            (123456.789, "123456.78900000000000148"),
            (3.14159, "3.14159"),
            (17179869185.5, "17179869185.5"),
            (-0.0, "0"),
            (-0.1, "-0.1"),
            (99999.99, "99999.99000000000000199"),
            (0.3, "0.3"),
            (1.1, "1.1"),
            (3.3, "3.3"),
            (0.01, "0.01"),
        ];
        for (v, want) in cases {
            assert_eq!(s_incr(*v), *want, "{v:e}");
        }
        // Known, documented mismatches: f64 arithmetic or precision loses
        // what the long double kept (Redis: "0.3", "1.23456789012345678").
        assert_eq!(s_incr(0.1 + 0.2), "0.30000000000000004");
        #[allow(clippy::excessive_precision)]
        let v = 1.23456789012345678;
        assert_eq!(s_incr(v), "1.2345678901234567");
        assert_eq!(s_incr(f64::INFINITY), "inf");
    }

    #[test]
    fn format_double_redis_7_2() {
        // Expected strings were checked against Redis 7.2's d2string()
        // (util.c + deps/fpconv) compiled standalone, on these values and on
        // 3 million random doubles.
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (1e-5, "0.00001"),
            (123456789012345678.0, "123456789012345680"),
            (3.0, "3"),
            (-3.0, "-3"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "nan"),
            (5e-324, "5e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (f64::MAX, "1.7976931348623157e+308"),
            (-f64::MAX, "-1.7976931348623157e+308"),
            (4611686018427387904.0, "4611686018427387904"),
            (-4611686018427387904.0, "-4611686018427387904"),
            (4611686018427389000.0, "4611686018427389000"),
            (9223372036854775808.0, "9223372036854776000"),
            (1e17, "100000000000000000"),
            (1e18, "1000000000000000000"),
            (1e19, "1e+19"),
            (1e22, "1e+22"),
            // Grisu2 is not always shortest: this is 1e23.
            (1e23, "99999999999999990000000"),
            (0.3, "0.3"),
            (0.1 + 0.2, "0.30000000000000004"),
            (2.0 / 3.0, "0.6666666666666666"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000123456789, "1.23456789e-4"),
            (1.234e-5, "1.234e-5"),
            (12345678.9, "12345678.9"),
            (1e-6, "0.000001"),
            (1e-4, "0.0001"),
            (-46508.2, "-46508.2"),
            (-5891577370000000.0, "-5891577370000000"),
            (-5.674664918136216e+64, "-5.674664918136216e+64"),
            (1e100, "1e+100"),
            (1.5e300, "1.5e+300"),
            (1e-100, "1e-100"),
            (2.5, "2.5"),
            (-0.5, "-0.5"),
            (1234.5678, "1234.5678"),
        ];
        for (v, want) in cases {
            assert_eq!(s_double(*v), *want, "{v:e}");
        }
    }

    #[test]
    fn format_double_round_trips() {
        let mut rng = Rng(7);
        for _ in 0..100_000 {
            let v = f64::from_bits(rng.next());
            let s = s_double(v);
            if v.is_nan() {
                assert_eq!(s, "nan");
                continue;
            }
            assert_eq!(
                parse_f64(s.as_bytes()).map(f64::to_bits),
                Some(v.to_bits()),
                "{s}"
            );
        }
    }

    #[test]
    fn integers_format() {
        let cases: &[(i64, &str)] = &[
            (0, "0"),
            (7, "7"),
            (-7, "-7"),
            (10, "10"),
            (99, "99"),
            (100, "100"),
            (-100, "-100"),
            (123456789, "123456789"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
        ];
        for (v, want) in cases {
            assert_eq!(s_i64(*v), *want);
            assert_eq!(i64_len(*v), want.len());
            assert_eq!(parse_i64(want.as_bytes()), Some(*v));
        }
        let mut out = Vec::new();
        write_u64(u64::MAX, &mut out);
        assert_eq!(out, b"18446744073709551615");
        let mut rng = Rng(99);
        for _ in 0..10_000 {
            let v = (rng.next() >> (rng.next() % 64)) as i64;
            for v in [v, v.wrapping_neg()] {
                let s = s_i64(v);
                assert_eq!(s, v.to_string());
                assert_eq!(i64_len(v), s.len());
            }
        }
    }

    #[test]
    fn cached_powers_are_exactly_rounded() {
        for (i, &(f, e)) in CACHED_POW10.iter().enumerate() {
            let k = CACHED_POW10_FIRST + i as i32 * CACHED_POW10_STEP;
            let (want_f, want_e) = if k >= 0 {
                let mut n = Big::from_u64(1);
                n.mul_pow10(k as u64);
                let bits = n.bit_len();
                if bits <= 64 {
                    ((n.bits_from(0) as u64) << (64 - bits), bits as i32 - 64)
                } else {
                    let shift = bits - 64;
                    let top = n.bits_from(shift - 1);
                    (((top >> 1) + (top & 1)) as u64, shift as i32)
                }
            } else {
                // 2^s / 10^-k with a 65-bit quotient, then round.
                let mut den = Big::from_u64(1);
                den.mul_pow10(k.unsigned_abs().into());
                let s = den.bit_len() + 64;
                let mut num = Big::from_u64(1);
                num.shl(s);
                let q = num.div_rem_u128(&den);
                let extra = 128 - q.leading_zeros() as usize - 64;
                let rounded = (q >> extra) + ((q >> (extra - 1)) & 1);
                (rounded as u64, extra as i32 - s as i32)
            };
            assert_eq!((f, e), (want_f, want_e), "10^{k}");
        }
    }

    use crate::test_rng::Rng;

    #[test]
    fn fuzz_never_panics() {
        let mut rng = Rng(0x1234_5678);
        let alphabet = b"0123456789.eEpPxX+-infatyINFATY() \x00\xff";
        for i in 0..30_000 {
            let len = (rng.next() % if i % 100 == 0 { 300 } else { 24 }) as usize;
            let s: Vec<u8> = (0..len)
                .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = parse_i64(&s);
            let _ = parse_u64(&s);
            let _ = parse_scan_cursor(&s);
            let _ = parse_f64(&s);
            if let Some(v) = LongDouble::parse(&s) {
                let mut out = Vec::new();
                (v + v).write_human(&mut out);
            }
            let mut out = Vec::new();
            let v = f64::from_bits(rng.next());
            format_double(v, &mut out);
            format_incrbyfloat(v, &mut out);
        }
    }

    #[test]
    fn extreme_inputs() {
        // Huge exponents and very long inputs stay fast and panic-free.
        assert_eq!(parse_f64(b"1e99999999999999999999999999999"), None);
        assert_eq!(parse_f64(b"1e-99999999999999999999999999999"), None);
        assert_eq!(parse_f64(b"0e99999999999999999999999999999"), Some(0.0));
        assert_eq!(parse_f64(b"0x1p99999999999999999999999"), None);
        assert_eq!(parse_f64(b"0x0p99999999999999999999999"), Some(0.0));
        let mut long = b"0.".to_vec();
        long.resize(100_000, b'0');
        long.extend_from_slice(b"1e100000");
        assert_eq!(parse_f64(&long), Some(10.0));
        let mut long = vec![b'9'; 200_000];
        long.extend_from_slice(b"e-199999");
        assert_eq!(parse_f64(&long), Some(10.0));
        assert_eq!(
            LongDouble::parse(b"0x1.ffffffffffffffffffffffffffffffffffffffp16383"),
            None
        );
        let max = LongDouble::parse(b"0x1.fffffffffffffffep16383").unwrap();
        assert!(max.is_finite());
        assert!(!(max + max).is_finite());
        let tiny = LongDouble::parse(b"0x1p-16445").unwrap();
        assert_eq!(s_ld(tiny + tiny), "0");
        assert_eq!(LongDouble::parse(b"0x1p-16446"), None);
    }
}
