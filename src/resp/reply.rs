//! Reply encoder: appends RESP2 or RESP3 frames to a reusable byte buffer.
//! Each method picks the right wire form for the client's protocol, so
//! command code says what it means (a map, a null, a double) once.

use crate::util::num;

/// A client's pending reply bytes plus the protocol it speaks.
#[derive(Debug, Default)]
pub struct ReplyBuf {
    pub buf: Vec<u8>,
    pub resp3: bool,
}

impl ReplyBuf {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    fn header(&mut self, tag: u8, n: i64) {
        self.buf.push(tag);
        num::write_i64(n, &mut self.buf);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A status reply. `s` must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.simple_bytes(s.as_bytes());
    }

    pub fn simple_bytes(&mut self, s: &[u8]) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error reply: `msg` is the full text after `-`, e.g. "ERR syntax error"
    /// or "WRONGTYPE ...". CR and LF are replaced by spaces as Redis does.
    pub fn error(&mut self, msg: &str) {
        self.buf.push(b'-');
        // As Redis's addReplyErrorFormat: CR and LF at either end are
        // dropped, inside they become spaces (an argument echoed in the
        // message must not end the line).
        let msg = msg.trim_matches(['\r', '\n']);
        self.buf.extend(
            msg.bytes()
                .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn int(&mut self, v: i64) {
        self.header(b':', v);
    }

    pub fn bulk(&mut self, s: &[u8]) {
        // Most bulk replies are short: a one- or two-digit length header
        // is written as one fixed-size store, with no digit loop.
        let len = s.len();
        self.buf.reserve(len + 8);
        if len < 10 {
            self.buf
                .extend_from_slice(&[b'$', b'0' + len as u8, b'\r', b'\n']);
        } else if len < 100 {
            let (t, u) = ((len / 10) as u8, (len % 10) as u8);
            self.buf
                .extend_from_slice(&[b'$', b'0' + t, b'0' + u, b'\r', b'\n']);
        } else {
            self.header(b'$', len as i64);
        }
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn bulk_str(&mut self, s: &str) {
        self.bulk(s.as_bytes());
    }

    /// An integer sent as a bulk string (e.g. GET of an int-encoded value).
    pub fn bulk_i64(&mut self, v: i64) {
        self.header(b'$', num::i64_len(v) as i64);
        num::write_i64(v, &mut self.buf);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2.
    pub fn map(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'%', n as i64);
        } else {
            self.header(b'*', 2 * n as i64);
        }
    }

    /// A set: `~n` in RESP3, an array in RESP2.
    pub fn set(&mut self, n: usize) {
        self.header(if self.resp3 { b'~' } else { b'*' }, n as i64);
    }

    /// A push frame: `>n` in RESP3, an array in RESP2.
    pub fn push(&mut self, n: usize) {
        self.header(if self.resp3 { b'>' } else { b'*' }, n as i64);
    }

    /// An attribute map of n pairs ahead of a reply: `|n` in RESP3; RESP2
    /// has no such frame, so nothing is written there.
    pub fn attribute(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'|', n as i64);
        }
    }

    /// A double: `,v` in RESP3, a bulk string in RESP2.
    pub fn double(&mut self, v: f64) {
        let mut tmp = Vec::with_capacity(32);
        num::format_double(v, &mut tmp);
        if self.resp3 {
            self.buf.push(b',');
            self.buf.extend_from_slice(&tmp);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(&tmp);
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, v: bool) {
        if self.resp3 {
            self.buf
                .extend_from_slice(if v { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(v as i64);
        }
    }

    /// Verbatim text (`=n\r\ntxt:...`) in RESP3, a bulk string in RESP2.
    pub fn verbatim(&mut self, s: &[u8], format: &[u8; 3]) {
        if self.resp3 {
            self.header(b'=', s.len() as i64 + 4);
            self.buf.extend_from_slice(format);
            self.buf.push(b':');
            self.buf.extend_from_slice(s);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s);
        }
    }

    /// A big number: `(digits` in RESP3, a bulk string in RESP2.
    pub fn big_number(&mut self, digits: &[u8]) {
        if self.resp3 {
            self.buf.push(b'(');
            self.buf.extend_from_slice(digits);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(digits);
        }
    }

    /// An array of status lines: the shape of every HELP reply.
    pub fn status_lines(&mut self, lines: &[&str]) {
        self.array(lines.len());
        for l in lines {
            self.simple(l);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_header_for_every_length_form() {
        for len in [0usize, 1, 9, 10, 11, 42, 99, 100, 101, 999, 1000, 65_536] {
            let payload = vec![b'x'; len];
            let mut r = ReplyBuf::new();
            r.bulk(&payload);
            let mut want = format!("${len}\r\n").into_bytes();
            want.extend_from_slice(&payload);
            want.extend_from_slice(b"\r\n");
            assert_eq!(r.buf, want, "len {len}");
        }
    }

    fn both(f: impl Fn(&mut ReplyBuf)) -> (String, String) {
        let mut a = ReplyBuf::new();
        f(&mut a);
        let mut b = ReplyBuf {
            resp3: true,
            ..Default::default()
        };
        f(&mut b);
        (
            String::from_utf8_lossy(&a.buf).into_owned(),
            String::from_utf8_lossy(&b.buf).into_owned(),
        )
    }

    #[test]
    fn shapes_per_protocol() {
        assert_eq!(both(|r| r.null()), ("$-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(|r| r.null_array()), ("*-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(|r| r.map(2)), ("*4\r\n".into(), "%2\r\n".into()));
        assert_eq!(both(|r| r.set(3)), ("*3\r\n".into(), "~3\r\n".into()));
        assert_eq!(both(|r| r.push(3)), ("*3\r\n".into(), ">3\r\n".into()));
        assert_eq!(
            both(|r| r.boolean(true)),
            (":1\r\n".into(), "#t\r\n".into())
        );
        assert_eq!(
            both(|r| r.double(1.5)),
            ("$3\r\n1.5\r\n".into(), ",1.5\r\n".into())
        );
        assert_eq!(
            both(|r| r.verbatim(b"hi", b"txt")),
            ("$2\r\nhi\r\n".into(), "=6\r\ntxt:hi\r\n".into())
        );
        assert_eq!(
            both(|r| r.big_number(b"123")),
            ("$3\r\n123\r\n".into(), "(123\r\n".into())
        );
    }

    #[test]
    fn scalars() {
        let mut r = ReplyBuf::new();
        r.ok();
        r.int(-42);
        r.bulk(b"a\r\nb");
        r.bulk_i64(i64::MIN);
        r.error("ERR bad\r\nthing");
        assert_eq!(
            r.buf,
            b"+OK\r\n:-42\r\n$4\r\na\r\nb\r\n$20\r\n-9223372036854775808\r\n-ERR bad  thing\r\n"
        );
    }
}
