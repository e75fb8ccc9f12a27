//! Incremental request parser: multibulk (`*N\r\n$len\r\n...`) and inline
//! commands. A call either yields one whole command (argument slices borrowed
//! from the query buffer, no copies) and the bytes it used, asks for more
//! input, or reports a protocol error worded exactly as Redis words it.
//!
//! On `Incomplete` the caller keeps the bytes and calls again once more have
//! arrived, with the same `ParseState`: a multibulk resumes after its last
//! complete argument, and `Incomplete::need` says how many bytes must be
//! buffered before another attempt can succeed, so neither many arguments
//! nor a large bulk arriving over many reads are re-scanned on every read.

/// Longest inline request, and longest `*`/`$` header line, Redis accepts
/// (`PROTO_INLINE_MAX_SIZE` in Redis's server.h).
pub const INLINE_MAX: usize = 64 * 1024;
/// Before AUTH, Redis caps multibulk counts at 10 and bulks at 16 KiB.
pub const UNAUTH_MAX_MULTIBULK: i64 = 10;
pub const UNAUTH_MAX_BULK: i64 = 16 * 1024;
/// Redis rejects multibulk counts above INT_MAX.
pub const MAX_MULTIBULK: i64 = i32::MAX as i64;
/// Never reserve argv room for more than this many arguments up front; the
/// vector grows as arguments actually arrive.
const ARGV_PREALLOC_MAX: usize = 1024;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `proto-max-bulk-len`
    pub max_bulk: u64,
    /// false until the client authenticated when a password is required.
    pub authenticated: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// One command is in argv; `consumed` bytes of the buffer were used.
    /// An empty argv means an empty command (blank inline line, `*0`):
    /// consume and ignore it, with no reply.
    Complete { consumed: usize },
    /// Not enough bytes yet. `need` is the buffer length at which trying
    /// again can make progress.
    Incomplete { need: usize },
}

/// A protocol error. The message is the text after `-ERR `; the caller
/// replies with it and closes the connection once the reply is written.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct ParseError(pub String);

impl ParseError {
    fn new(s: &str) -> Self {
        ParseError(s.to_string())
    }
}

/// Parse one command from the start of `buf` into `argv` (cleared first).
///
/// A whole, well-formed multibulk (what every client library sends) takes
/// `fast_multibulk`, inlined into the caller; everything else (inline
/// commands, frames split across reads, protocol errors) the general
/// parser, kept out of line.
#[inline(always)]
pub fn parse_command<'a>(
    buf: &'a mut [u8],
    argv: &mut Vec<&'a [u8]>,
    lim: &Limits,
    state: &mut ParseState,
) -> Result<Parsed, ParseError> {
    argv.clear();
    if buf.first() == Some(&b'*') {
        let buf: &'a [u8] = buf;
        if state.count == 0
            && let Some(consumed) = fast_multibulk(buf, argv, lim)
        {
            return Ok(Parsed::Complete { consumed });
        }
        argv.clear();
        return reset_on_error(parse_multibulk(buf, argv, lim, state), state);
    }
    if buf.is_empty() {
        return Ok(Parsed::Incomplete { need: 1 });
    }
    reset_on_error(parse_inline(buf, argv, &mut state.spans), state)
}

/// A protocol error ends the multibulk in progress.
fn reset_on_error(
    r: Result<Parsed, ParseError>,
    state: &mut ParseState,
) -> Result<Parsed, ParseError> {
    if r.is_err() {
        state.reset();
    }
    r
}

/// Span-list capacity kept between commands (see `ParseState::reset`).
const SPANS_KEEP: usize = 1024;

/// Where an incomplete multibulk stopped, so the next attempt resumes there
/// instead of re-parsing every argument already seen (a command with a
/// million arguments arriving over hundreds of reads stays O(n)). Offsets
/// are relative to the command's first byte, so they survive the query
/// buffer moving its contents.
#[derive(Debug, Default)]
pub struct ParseState {
    /// Argument count of the multibulk in progress; 0 when none.
    count: i64,
    /// Offset of the next unparsed argument header.
    pos: usize,
    /// (start, end) of every complete argument so far.
    spans: Vec<(usize, usize)>,
}

impl ParseState {
    /// True while a multibulk is partly parsed (more of it must arrive).
    pub fn in_progress(&self) -> bool {
        self.count != 0
    }

    fn reset(&mut self) {
        self.count = 0;
        self.pos = 0;
        // One command with many thousands of arguments must not pin its
        // span list for the life of the connection.
        if self.spans.capacity() > SPANS_KEEP {
            self.spans = Vec::new();
        } else {
            self.spans.clear();
        }
    }
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let hay = buf.get(from..)?;
    let mut i = 0;
    while let Some(off) = hay[i..].iter().position(|&b| b == b'\r') {
        let at = i + off;
        if at + 1 < hay.len() {
            if hay[at + 1] == b'\n' {
                return Some(from + at);
            }
            i = at + 1;
        } else {
            return None;
        }
    }
    None
}

/// Redis's string2ll applied to a header number: strict decimal.
fn header_number(s: &[u8]) -> Option<i64> {
    crate::util::num::parse_i64(s)
}

/// Longest header number the fast path reads: 9 digits cannot overflow and
/// cover every count and bulk length up to 999,999,999.
const FAST_DIGITS: usize = 9;

/// Reads a positive header number (no sign, no leading zero, at most
/// `FAST_DIGITS` digits) followed by CRLF at `buf[at..]`. Returns the number
/// and the offset after the CRLF, or None for anything else (a zero, too
/// many digits, a malformed or incomplete line), which the general parser
/// then handles (and words the error of).
#[inline(always)]
fn fast_number(buf: &[u8], at: usize) -> Option<(usize, usize)> {
    let digits = buf.get(at..)?;
    let first = digits.first()?.wrapping_sub(b'0');
    if first == 0 || first > 9 {
        return None;
    }
    let mut n = first as usize;
    let mut i = 1;
    loop {
        let d = digits.get(i)?.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i == FAST_DIGITS {
            return None;
        }
        n = n * 10 + d as usize;
        i += 1;
    }
    if digits.get(i..i + 2)? != b"\r\n" {
        return None;
    }
    Some((n, at + i + 2))
}

/// The fast path for the common case: a whole multibulk already in the
/// buffer, with well-formed headers inside every limit. Fills `argv` and
/// returns the bytes used, or None (leaving `argv` in any state) when the
/// frame is incomplete or anything about it is unusual; the general parser
/// then starts over and either resumes later or words the error. It never
/// accepts what the general parser would reject: counts and lengths are
/// checked against the same limits, and `$0` and `*0` go the general way.
#[inline]
pub fn fast_multibulk<'a>(buf: &'a [u8], argv: &mut Vec<&'a [u8]>, lim: &Limits) -> Option<usize> {
    let (count, mut pos) = fast_number(buf, 1)?;
    if !lim.authenticated && count as i64 > UNAUTH_MAX_MULTIBULK {
        return None;
    }
    let max_bulk = if lim.authenticated {
        lim.max_bulk
    } else {
        lim.max_bulk.min(UNAUTH_MAX_BULK as u64)
    };
    // An announced count alone reserves little: the loop stops at the end
    // of the buffer.
    argv.reserve(count.min(ARGV_PREALLOC_MAX));
    for _ in 0..count {
        if *buf.get(pos)? != b'$' {
            return None;
        }
        let (len, start) = fast_number(buf, pos + 1)?;
        if len as u64 > max_bulk {
            return None;
        }
        let end = start + len;
        // Redis skips the two bytes after the payload without checking them.
        if buf.len() < end + 2 {
            return None;
        }
        argv.push(&buf[start..end]);
        pos = end + 2;
    }
    Some(pos)
}

#[inline(never)]
fn parse_multibulk<'a>(
    buf: &'a [u8],
    argv: &mut Vec<&'a [u8]>,
    lim: &Limits,
    state: &mut ParseState,
) -> Result<Parsed, ParseError> {
    let (count, mut pos) = if state.count > 0 {
        (state.count, state.pos)
    } else {
        let Some(eol) = find_crlf(buf, 1) else {
            if buf.len() > INLINE_MAX {
                return Err(ParseError::new(
                    "Protocol error: too big mbulk count string",
                ));
            }
            return Ok(Parsed::Incomplete {
                need: buf.len() + 1,
            });
        };
        let count = match header_number(&buf[1..eol]) {
            Some(n) if n <= MAX_MULTIBULK => n,
            _ => return Err(ParseError::new("Protocol error: invalid multibulk length")),
        };
        if !lim.authenticated && count > UNAUTH_MAX_MULTIBULK {
            return Err(ParseError::new(
                "Protocol error: unauthenticated multibulk length",
            ));
        }
        if count <= 0 {
            return Ok(Parsed::Complete { consumed: eol + 2 });
        }
        (count, eol + 2)
    };
    let spans = &mut state.spans;
    while (spans.len() as i64) < count {
        // (resume position, bytes needed) when this argument is not all
        // here yet.
        let stop = if pos >= buf.len() {
            Some((pos, pos + 1))
        } else {
            match find_crlf(buf, pos) {
                None => {
                    if buf.len() - pos > INLINE_MAX {
                        return Err(ParseError::new("Protocol error: too big bulk count string"));
                    }
                    Some((pos, buf.len() + 1))
                }
                Some(eol) => {
                    if buf[pos] != b'$' {
                        return Err(ParseError(format!(
                            "Protocol error: expected '$', got '{}'",
                            char::from(buf[pos])
                        )));
                    }
                    let len = match header_number(&buf[pos + 1..eol]) {
                        Some(n) if n >= 0 && (n as u64) <= lim.max_bulk => n,
                        _ => return Err(ParseError::new("Protocol error: invalid bulk length")),
                    };
                    if !lim.authenticated && len > UNAUTH_MAX_BULK {
                        return Err(ParseError::new(
                            "Protocol error: unauthenticated bulk length",
                        ));
                    }
                    let start = eol + 2;
                    // len <= proto-max-bulk-len, which is itself bounded.
                    let end = start + len as usize;
                    if buf.len() < end + 2 {
                        Some((pos, end + 2))
                    } else {
                        // Redis does not check the two bytes after the
                        // payload; it skips them.
                        spans.push((start, end));
                        pos = end + 2;
                        None
                    }
                }
            }
        };
        if let Some((resume, need)) = stop {
            state.count = count;
            state.pos = resume;
            return Ok(Parsed::Incomplete { need });
        }
    }
    argv.reserve(spans.len().min(ARGV_PREALLOC_MAX));
    argv.extend(spans.iter().map(|&(a, b)| &buf[a..b]));
    state.reset();
    Ok(Parsed::Complete { consumed: pos })
}

#[inline(never)]
fn parse_inline<'a>(
    buf: &'a mut [u8],
    argv: &mut Vec<&'a [u8]>,
    spans: &mut Vec<(usize, usize)>,
) -> Result<Parsed, ParseError> {
    // Redis finds the newline with strchr(), which stops at a NUL byte: a
    // NUL before the newline hides it and the request keeps growing.
    let nl = match buf.iter().position(|&b| b == b'\n' || b == 0) {
        Some(i) if buf[i] == b'\n' => i,
        _ => {
            if buf.len() > INLINE_MAX {
                return Err(ParseError::new("Protocol error: too big inline request"));
            }
            return Ok(Parsed::Incomplete {
                need: buf.len() + 1,
            });
        }
    };
    let mut end = nl;
    if end > 0 && buf[end - 1] == b'\r' {
        end -= 1;
    }
    // Quoted words are unescaped in place: the decoded form is never longer
    // than the escaped one, so arguments still borrow from the query buffer.
    // The spans vector is the parse state's (empty between commands), so
    // an inline command allocates nothing once it has grown.
    spans.clear();
    let balanced = split_in_place(&mut buf[..end], spans);
    let buf: &'a [u8] = buf;
    if balanced {
        argv.extend(spans.iter().map(|&(s, e)| &buf[s..e]));
    }
    spans.clear();
    if !balanced {
        return Err(ParseError::new(
            "Protocol error: unbalanced quotes in request",
        ));
    }
    Ok(Parsed::Complete { consumed: nl + 1 })
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// C's isspace(): what sdssplitargs skips between words and requires after
/// a closing quote.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Splits a line into words with Redis's sdssplitargs rules, decoding quoted
/// words in place. Returns false on unbalanced quotes.
pub fn split_in_place(line: &mut [u8], spans: &mut Vec<(usize, usize)>) -> bool {
    let n = line.len();
    let mut r = 0;
    loop {
        while r < n && is_c_space(line[r]) {
            r += 1;
        }
        if r >= n {
            return true;
        }
        let start = r;
        let mut w = r;
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if r >= n {
                    return false;
                }
                let c = line[r];
                if c == b'\\'
                    && r + 3 < n
                    && line[r + 1] == b'x'
                    && let (Some(h), Some(l)) = (hex_val(line[r + 2]), hex_val(line[r + 3]))
                {
                    line[w] = h * 16 + l;
                    w += 1;
                    r += 4;
                } else if c == b'\\' && r + 1 < n {
                    line[w] = match line[r + 1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    };
                    w += 1;
                    r += 2;
                } else if c == b'"' {
                    // The closing quote must be followed by a space or the end.
                    if r + 1 < n && !is_c_space(line[r + 1]) {
                        return false;
                    }
                    r += 1;
                    break;
                } else {
                    line[w] = c;
                    w += 1;
                    r += 1;
                }
            } else if in_sq {
                if r >= n {
                    return false;
                }
                let c = line[r];
                if c == b'\\' && r + 1 < n && line[r + 1] == b'\'' {
                    line[w] = b'\'';
                    w += 1;
                    r += 2;
                } else if c == b'\'' {
                    if r + 1 < n && !is_c_space(line[r + 1]) {
                        return false;
                    }
                    r += 1;
                    break;
                } else {
                    line[w] = c;
                    w += 1;
                    r += 1;
                }
            } else {
                if r >= n {
                    break;
                }
                match line[r] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        r += 1;
                        break;
                    }
                    b'"' => {
                        in_dq = true;
                        r += 1;
                    }
                    b'\'' => {
                        in_sq = true;
                        r += 1;
                    }
                    c => {
                        line[w] = c;
                        w += 1;
                        r += 1;
                    }
                }
            }
        }
        spans.push((start, w));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: Limits = Limits {
        max_bulk: 512 * 1024 * 1024,
        authenticated: true,
    };

    fn parse(input: &[u8]) -> Result<(Parsed, Vec<Vec<u8>>), ParseError> {
        let mut buf = input.to_vec();
        let mut argv = Vec::new();
        let r = parse_command(&mut buf, &mut argv, &LIM, &mut ParseState::default())?;
        Ok((r, argv.iter().map(|a| a.to_vec()).collect()))
    }

    fn args(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    fn err(input: &[u8]) -> String {
        parse(input).unwrap_err().0
    }

    /// A command with thousands of arguments split across reads does not
    /// leave its span list allocated once it is complete.
    #[test]
    fn big_split_command_releases_its_spans() {
        let mut whole = b"*5000\r\n".to_vec();
        for _ in 0..5000 {
            whole.extend_from_slice(b"$1\r\nx\r\n");
        }
        let mut state = ParseState::default();
        let mut first = whole[..whole.len() / 2].to_vec();
        let mut argv = Vec::new();
        let r = parse_command(&mut first, &mut argv, &LIM, &mut state).unwrap();
        assert!(matches!(r, Parsed::Incomplete { .. }));
        assert!(state.spans.capacity() > SPANS_KEEP);
        let mut argv = Vec::new();
        let r = parse_command(&mut whole, &mut argv, &LIM, &mut state).unwrap();
        assert!(matches!(r, Parsed::Complete { .. }));
        assert_eq!(argv.len(), 5000);
        drop(argv);
        let mut next = b"*1\r\n$4\r\nPING\r\n".to_vec();
        let mut argv = Vec::new();
        parse_command(&mut next, &mut argv, &LIM, &mut state).unwrap();
        assert!(state.spans.capacity() <= SPANS_KEEP);
    }

    #[test]
    fn multibulk_complete() {
        let (r, a) = parse(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nrest").unwrap();
        assert_eq!(r, Parsed::Complete { consumed: 20 });
        assert_eq!(a, args(&["GET", "k"]));
    }

    #[test]
    fn multibulk_binary_and_empty() {
        let (r, a) = parse(b"*2\r\n$0\r\n\r\n$2\r\n\r\n\r\n").unwrap();
        assert_eq!(r, Parsed::Complete { consumed: 18 });
        assert_eq!(a, vec![b"".to_vec(), b"\r\n".to_vec()]);
    }

    #[test]
    fn incomplete_at_every_cut() {
        let full = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        for cut in 0..full.len() {
            match parse(&full[..cut]).unwrap().0 {
                Parsed::Incomplete { need } => assert!(need > cut, "cut {cut} need {need}"),
                other => panic!("cut {cut}: {other:?}"),
            }
        }
        assert_eq!(
            parse(full).unwrap().0,
            Parsed::Complete {
                consumed: full.len()
            }
        );
    }

    #[test]
    fn resumes_where_it_stopped() {
        // A 1000-argument command fed 7 bytes at a time: every attempt before
        // the end is Incomplete, and the parser never goes back before the
        // last complete argument.
        let args: Vec<Vec<u8>> = (0..1000).map(|i| format!("arg{i}").into_bytes()).collect();
        let mut full = format!("*{}\r\n", args.len()).into_bytes();
        for a in &args {
            full.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            full.extend_from_slice(a);
            full.extend_from_slice(b"\r\n");
        }
        let mut state = ParseState::default();
        let mut last_pos = 0;
        let mut got = None;
        for cut in (7..=full.len()).step_by(7).chain([full.len()]) {
            let mut buf = full[..cut].to_vec();
            let mut argv = Vec::new();
            match parse_command(&mut buf, &mut argv, &LIM, &mut state).unwrap() {
                Parsed::Incomplete { .. } => {
                    assert!(state.pos >= last_pos);
                    last_pos = state.pos;
                }
                Parsed::Complete { consumed } => {
                    assert_eq!(consumed, full.len());
                    got = Some(argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
                    break;
                }
            }
        }
        assert_eq!(got, Some(args));
        assert_eq!(state.count, 0, "state is reset after a complete command");
        assert!(last_pos > full.len() / 2);
    }

    #[test]
    fn need_hint_skips_to_end_of_bulk() {
        let (r, _) = parse(b"*1\r\n$100\r\nabc").unwrap();
        assert_eq!(r, Parsed::Incomplete { need: 10 + 100 + 2 });
    }

    #[test]
    fn empty_and_negative_multibulk() {
        assert_eq!(
            parse(b"*0\r\n").unwrap(),
            (Parsed::Complete { consumed: 4 }, vec![])
        );
        assert_eq!(
            parse(b"*-1\r\n").unwrap(),
            (Parsed::Complete { consumed: 5 }, vec![])
        );
    }

    #[test]
    fn protocol_errors_match_redis() {
        assert_eq!(err(b"*abc\r\n"), "Protocol error: invalid multibulk length");
        assert_eq!(
            err(b"*3000000000\r\n"),
            "Protocol error: invalid multibulk length"
        );
        assert_eq!(
            err(b"*1\r\nfoo\r\n"),
            "Protocol error: expected '$', got 'f'"
        );
        assert_eq!(err(b"*1\r\n$-1\r\n"), "Protocol error: invalid bulk length");
        assert_eq!(err(b"*1\r\n$x\r\n"), "Protocol error: invalid bulk length");
        assert_eq!(
            err(b"*1\r\n$536870913\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(
            err(b"SET a \"b\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        let mut long = vec![b'a'; INLINE_MAX + 1];
        assert_eq!(err(&long), "Protocol error: too big inline request");
        long[0] = b'*';
        assert_eq!(err(&long), "Protocol error: too big mbulk count string");
        let mut bulk = b"*1\r\n$".to_vec();
        bulk.extend(std::iter::repeat_n(b'1', INLINE_MAX + 1));
        assert_eq!(err(&bulk), "Protocol error: too big bulk count string");
    }

    #[test]
    fn unauthenticated_limits() {
        let lim = Limits {
            max_bulk: 1 << 29,
            authenticated: false,
        };
        let mut argv = Vec::new();
        let mut b = b"*11\r\n".to_vec();
        assert_eq!(
            parse_command(&mut b, &mut argv, &lim, &mut ParseState::default())
                .unwrap_err()
                .0,
            "Protocol error: unauthenticated multibulk length"
        );
        let mut b = b"*1\r\n$16385\r\n".to_vec();
        assert_eq!(
            parse_command(&mut b, &mut argv, &lim, &mut ParseState::default())
                .unwrap_err()
                .0,
            "Protocol error: unauthenticated bulk length"
        );
    }

    #[test]
    fn inline_commands() {
        let (r, a) = parse(b"SET  k  v\r\nnext").unwrap();
        assert_eq!(r, Parsed::Complete { consumed: 11 });
        assert_eq!(a, args(&["SET", "k", "v"]));
        let (_, a) = parse(b"PING\n").unwrap();
        assert_eq!(a, args(&["PING"]));
        let (r, a) = parse(b"\r\n").unwrap();
        assert_eq!((r, a.len()), (Parsed::Complete { consumed: 2 }, 0));
        let (_, a) = parse(b"set \"a b\\x41\\n\" 'c\\'d'\r\n").unwrap();
        assert_eq!(a, args(&["set", "a bA\n", "c'd"]));
        assert_eq!(
            parse(b"set \"a\"b\r\n").unwrap_err().0,
            "Protocol error: unbalanced quotes in request"
        );
        assert!(matches!(
            parse(b"PING").unwrap().0,
            Parsed::Incomplete { .. }
        ));
    }

    /// The general parser alone, from a fresh state (what `parse_command`
    /// did before the fast path existed).
    fn general(input: &[u8], lim: &Limits) -> Result<(Parsed, Vec<Vec<u8>>), ParseError> {
        let mut argv = Vec::new();
        let mut state = ParseState::default();
        let r = parse_multibulk(input, &mut argv, lim, &mut state);
        if r.is_err() {
            state.reset();
        }
        r.map(|p| (p, argv.iter().map(|a| a.to_vec()).collect()))
    }

    fn both(input: &[u8], lim: &Limits) -> Result<(Parsed, Vec<Vec<u8>>), ParseError> {
        let mut buf = input.to_vec();
        let mut argv = Vec::new();
        let r = parse_command(&mut buf, &mut argv, lim, &mut ParseState::default())
            .map(|p| (p, argv.iter().map(|a| a.to_vec()).collect()));
        assert_eq!(
            r,
            general(input, lim),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        r
    }

    #[test]
    fn fast_path_agrees_with_general_parser() {
        let unauth = Limits {
            max_bulk: 100,
            authenticated: false,
        };
        let cases: &[&[u8]] = &[
            b"*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n*1\r\n",
            b"*1\r\n$0\r\n\r\n",
            b"*01\r\n$1\r\nx\r\n",
            b"*1\r\n$01\r\nx\r\n",
            b"*1\r\n$+1\r\nx\r\n",
            b"*1\r\n$1 \r\nx\r\n",
            b"*1\r\n$1\rxx\r\n",
            b"*1\r\n$1\r\nxYZ",
            b"*2\r\n$1\r\nx\r\n",
            b"*999999999\r\n$1\r\nx\r\n",
            b"*1000000000\r\n$1\r\nx\r\n",
            b"*1\r\n$999999999\r\nx\r\n",
            b"*1\r\n$1000000000\r\nx\r\n",
            b"*1\r\n$536870913\r\nx\r\n",
            b"*11\r\n",
            b"*1\r\n$101\r\nx\r\n",
            b"*1\r\n$100\r\nx\r\n",
            b"*2\r\n$1\r\nx\r\n:1\r\n",
            b"*0\r\n",
            b"*-1\r\n",
        ];
        for &lim in &[LIM, unauth] {
            for case in cases {
                for cut in 1..=case.len() {
                    let _ = both(&case[..cut], &lim);
                }
            }
        }
        let (r, a) = both(cases[0], &LIM).unwrap();
        assert_eq!(r, Parsed::Complete { consumed: 45 });
        // ... and the common frame does take the fast path.
        let mut v = Vec::new();
        assert_eq!(fast_multibulk(cases[0], &mut v, &LIM), Some(45));
        assert_eq!(fast_multibulk(b"*1\r\n$0\r\n\r\n", &mut v, &LIM), None);
        assert_eq!(a, args(&["SET", "key:__rand_int__", "xxx"]));
        // Random frames made of well-formed and broken pieces.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let n = next() % 5;
            let mut f = format!("*{}\r\n", n).into_bytes();
            for _ in 0..n {
                let len = next() % 12;
                let header = match next() % 16 {
                    0 => format!("${len} \r\n"),
                    1 => format!("$0{len}\r\n"),
                    2 => format!(":{len}\r\n"),
                    _ => format!("${len}\r\n"),
                };
                f.extend_from_slice(header.as_bytes());
                f.extend((0..len).map(|i| b"ab\r\n$*"[(i as usize + n as usize) % 6]));
                f.extend_from_slice(b"\r\n");
            }
            let cut = (next() as usize) % (f.len() + 1);
            for lim in [&LIM, &unauth] {
                let _ = both(&f, lim);
                if cut > 0 {
                    let _ = both(&f[..cut], lim);
                }
            }
        }
    }

    #[test]
    fn fast_number_cases() {
        let n = |s: &[u8]| fast_number(s, 0);
        assert_eq!(n(b"1\r\n"), Some((1, 3)));
        assert_eq!(n(b"9\r\nx"), Some((9, 3)));
        assert_eq!(n(b"10\r\n"), Some((10, 4)));
        assert_eq!(n(b"99\r\nx"), Some((99, 4)));
        assert_eq!(n(b"100\r\n"), Some((100, 5)));
        assert_eq!(n(b"123456789\r\n"), Some((123_456_789, 11)));
        for bad in [
            &b"0\r\n"[..],
            b"00\r\n",
            b"01\r\n",
            b"1\r",
            b"1\rx\n",
            b"12\r",
            b"1a\r\n",
            b":1\r\n",
            b"-1\r\n",
            b"1234567890\r\n",
            b"",
        ] {
            assert_eq!(n(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(fast_number(b"$12\r\n", 1), Some((12, 5)));
    }

    #[test]
    fn inline_reuses_state_spans() {
        let mut state = ParseState::default();
        let mut argv = Vec::new();
        let mut b = b"SET a b\r\n".to_vec();
        parse_command(&mut b, &mut argv, &LIM, &mut state).unwrap();
        assert_eq!(argv.len(), 3);
        assert!(state.spans.is_empty());
        let mut b = b"SET \"a\r\n".to_vec();
        assert!(parse_command(&mut b, &mut argv, &LIM, &mut state).is_err());
        assert!(state.spans.is_empty());
    }

    #[test]
    fn random_input_never_panics() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let alphabet = b"*$\r\n0123456789-abc \"'\\x";
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let mut buf: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            let mut argv = Vec::new();
            let _ = parse_command(&mut buf, &mut argv, &LIM, &mut ParseState::default());
        }
    }
}
