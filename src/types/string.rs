//! The string value: integers kept as integers, short strings inline in the
//! value itself, longer ones on the heap. Mirrors Redis's int / embstr / raw
//! encodings closely enough that OBJECT ENCODING reports the same names.

use crate::util::num;

/// Bytes kept inside the value with no heap allocation.
pub const INLINE_CAP: usize = 30;
/// Redis keeps strings up to this length as "embstr" (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
pub const EMBSTR_LIMIT: usize = 44;
/// Largest string value Redis allows (`proto-max-bulk-len` default, and
/// the hard cap checked by SETRANGE/APPEND: 512 MB).
pub const MAX_STRING: usize = 512 * 1024 * 1024;

#[derive(Clone, PartialEq)]
pub enum StrValue {
    /// A canonical decimal integer ("int").
    Int(i64),
    /// Up to INLINE_CAP bytes stored in place ("embstr").
    Inline { len: u8, data: [u8; INLINE_CAP] },
    /// A string written whole, up to EMBSTR_LIMIT bytes ("embstr").
    Emb(Box<[u8]>),
    /// A string that is long or was modified in place (APPEND, SETRANGE),
    /// with spare capacity for further appends ("raw").
    Raw(Vec<u8>),
}

impl std::fmt::Debug for StrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StrValue::Int(v) => write!(f, "Int({v})"),
            other => write!(f, "{:?}", String::from_utf8_lossy(&other.to_vec())),
        }
    }
}

impl StrValue {
    /// The encoding Redis's `tryObjectEncoding` would pick for these bytes.
    pub fn from_bytes(b: &[u8]) -> StrValue {
        if b.len() <= 20
            && let Some(v) = num::parse_i64(b)
        {
            return StrValue::Int(v);
        }
        Self::from_bytes_no_int(b)
    }

    /// Like `from_bytes` but never integer-encoded.
    pub fn from_bytes_no_int(b: &[u8]) -> StrValue {
        if b.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..b.len()].copy_from_slice(b);
            StrValue::Inline {
                len: b.len() as u8,
                data,
            }
        } else if b.len() <= EMBSTR_LIMIT {
            StrValue::Emb(b.into())
        } else {
            StrValue::Raw(b.to_vec())
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            StrValue::Int(_) => "int",
            StrValue::Inline { .. } | StrValue::Emb(_) => "embstr",
            StrValue::Raw(_) => "raw",
        }
    }

    /// Calls `f` with the value's bytes; integers are formatted on the stack.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            StrValue::Int(v) => {
                let mut tmp = [0u8; 20];
                f(format_i64(*v, &mut tmp))
            }
            StrValue::Inline { len, data } => f(&data[..*len as usize]),
            StrValue::Emb(b) => f(b),
            StrValue::Raw(v) => f(v),
        }
    }

    /// The bytes, borrowed when stored as bytes.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            StrValue::Int(_) => None,
            StrValue::Inline { len, data } => Some(&data[..*len as usize]),
            StrValue::Emb(b) => Some(b),
            StrValue::Raw(v) => Some(v),
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    pub fn len(&self) -> usize {
        match self {
            StrValue::Int(v) => num::i64_len(*v),
            other => other.as_bytes().map_or(0, |b| b.len()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as an integer if it is one (Redis getLongLongFromObject).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            StrValue::Int(v) => Some(*v),
            other => other.as_bytes().and_then(num::parse_i64),
        }
    }

    /// Converts to the raw, growable form and returns its buffer (APPEND,
    /// SETRANGE). Like Redis's dbUnshareStringValue, the result reports "raw".
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, StrValue::Raw(_)) {
            let v = self.to_vec();
            *self = StrValue::Raw(v);
        }
        match self {
            StrValue::Raw(v) => v,
            _ => unreachable!("converted to Raw just above"),
        }
    }
}

/// Decimal digits of `v` written at the end of `buf` (20 bytes fit i64::MIN).
pub fn format_i64(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(StrValue::from_bytes(b"123").encoding_name(), "int");
        assert_eq!(StrValue::from_bytes(b"-0").encoding_name(), "embstr");
        assert_eq!(StrValue::from_bytes(b"007").encoding_name(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'a'; 44]).encoding_name(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'a'; 45]).encoding_name(), "raw");
        assert_eq!(
            StrValue::from_bytes(b"99999999999999999999").encoding_name(),
            "embstr"
        );
    }

    #[test]
    fn bytes_round_trip() {
        for s in [
            &b""[..],
            b"x",
            b"-12",
            b"hello world",
            &[7u8; 40],
            &[9u8; 100],
        ] {
            let v = StrValue::from_bytes(s);
            assert_eq!(v.to_vec(), s);
            assert_eq!(v.len(), s.len());
        }
    }

    #[test]
    fn format_extremes() {
        let mut b = [0u8; 20];
        assert_eq!(format_i64(i64::MIN, &mut b), b"-9223372036854775808");
        assert_eq!(format_i64(0, &mut b), b"0");
        assert_eq!(format_i64(i64::MAX, &mut b), b"9223372036854775807");
    }

    #[test]
    fn make_raw_keeps_content() {
        let mut v = StrValue::from_bytes(b"42");
        v.make_raw().extend_from_slice(b"x");
        assert_eq!(v.to_vec(), b"42x");
        assert_eq!(v.encoding_name(), "raw");
    }
}
