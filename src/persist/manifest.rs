//! The AOF manifest of Redis 7's multi-part layout: which base, history
//! and incremental files make up the append only file, one line each:
//!
//! ```text
//! file appendonly.aof.1.base.rdb seq 1 type b
//! file appendonly.aof.1.incr.aof seq 1 type i
//! ```
//!
//! The line format is Redis's (key/value pairs, names quoted when they
//! need it, `#` comment lines ignored on read). Knows no server state.

use std::fmt::Write as _;

/// Longest manifest line read (Redis's limit, AOF_MANIFEST_MAX_LINE).
const MAX_LINE: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Base,
    History,
    Incr,
}

impl Kind {
    fn letter(self) -> char {
        match self {
            Kind::Base => 'b',
            Kind::History => 'h',
            Kind::Incr => 'i',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub seq: u64,
    pub kind: Kind,
}

impl Entry {
    /// The entry's manifest line, without the newline.
    fn line(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "file {} seq {} type {}",
            quote(&self.name),
            self.seq,
            self.kind.letter()
        );
        out
    }
}

/// The files of one AOF, in load order (base, then incrs by seq).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<Entry>,
    pub history: Vec<Entry>,
    pub incrs: Vec<Entry>,
    /// Highest base / incr sequence numbers used so far.
    pub base_seq: u64,
    pub incr_seq: u64,
}

impl Manifest {
    /// The manifest text, as Redis writes it: base, history, incrs.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in self.base.iter().chain(&self.history).chain(&self.incrs) {
            out.push_str(&e.line());
            out.push('\n');
        }
        out
    }

    /// Parses a manifest. Errors name the problem and the line.
    pub fn parse(text: &[u8]) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        // As Redis: an empty file, a blank line and an unknown type are
        // errors (the message starts with Redis's words).
        if text.is_empty() {
            return Err("Found an empty AOF manifest".into());
        }
        let body = text.strip_suffix(b"\n").unwrap_or(text);
        for (n, raw) in body.split(|&b| b == b'\n').enumerate() {
            let line_no = n + 1;
            if raw.len() > MAX_LINE {
                return Err(format!(
                    "The AOF manifest file contains too long line ({line_no})"
                ));
            }
            if raw.first() == Some(&b'#') {
                continue;
            }
            let line = trim(raw);
            if line.is_empty() {
                return Err(format!(
                    "Invalid AOF manifest file format (line {line_no} is blank)"
                ));
            }
            let words = split_args(line).ok_or_else(|| {
                format!("Invalid AOF manifest file format (line {line_no}: unbalanced quotes)")
            })?;
            if words.len() % 2 != 0 {
                return Err(format!("Invalid AOF manifest file format (line {line_no})"));
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for kv in words.chunks_exact(2) {
                match kv[0].as_slice() {
                    // Not UTF-8: refused below rather than renamed (a lossy
                    // conversion would open another file than the listed one).
                    b"file" => name = Some(String::from_utf8(kv[1].clone()).map_err(|_| ())),
                    b"seq" => {
                        seq = std::str::from_utf8(&kv[1])
                            .ok()
                            .and_then(|s| s.parse::<u64>().ok())
                    }
                    b"type" => {
                        kind = match kv[1].as_slice() {
                            b"b" => Some(Ok(Kind::Base)),
                            b"h" => Some(Ok(Kind::History)),
                            b"i" => Some(Ok(Kind::Incr)),
                            _ => Some(Err(())),
                        }
                    }
                    // Unknown keys are skipped, for forward compatibility.
                    _ => {}
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err(format!(
                    "Invalid AOF manifest file format (line {line_no}: needs file, seq and a type b, h or i)"
                ));
            };
            let Ok(kind) = kind else {
                return Err(format!(
                    "Unknown AOF file type (line {line_no}: the type must be b, h or i)"
                ));
            };
            let Ok(name) = name else {
                return Err(format!(
                    "Invalid AOF file name (not UTF-8) in the manifest (line {line_no})"
                ));
            };
            if name.is_empty() || name.contains('/') {
                return Err(format!(
                    "Invalid AOF file name '{name}' in the manifest (line {line_no})"
                ));
            }
            let e = Entry { name, seq, kind };
            // The line this entry is written back as must be readable too:
            // quoting can make a name up to four times longer.
            if e.line().len() > MAX_LINE {
                return Err(format!(
                    "The AOF manifest file contains too long line ({line_no})"
                ));
            }
            match kind {
                Kind::Base => {
                    if m.base.is_some() {
                        return Err(
                            "Found duplicate base file information in the AOF manifest".into()
                        );
                    }
                    m.base_seq = seq;
                    m.base = Some(e);
                }
                Kind::History => m.history.push(e),
                Kind::Incr => {
                    if seq <= m.incr_seq {
                        return Err(format!(
                            "Found a non-monotonic sequence number {seq} in the AOF manifest (line {line_no})"
                        ));
                    }
                    m.incr_seq = seq;
                    m.incrs.push(e);
                }
            }
        }
        Ok(m)
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s
        && first.is_ascii_whitespace()
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && last.is_ascii_whitespace()
    {
        s = rest;
    }
    s
}

/// A file name as a manifest word: bare when it is plain, else in double
/// quotes with escapes (Redis uses the same repr rules).
fn quote(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\'' && b != b'\\');
    if plain {
        return name.to_string();
    }
    let mut out = String::from("\"");
    for b in name.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    out
}

/// Splits a line into words: bare words, "double quoted" with escapes,
/// 'single quoted'. None for unbalanced quotes.
fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut w = Vec::new();
        match line[i] {
            b'"' => {
                i += 1;
                loop {
                    let &b = line.get(i)?;
                    i += 1;
                    match b {
                        b'"' => break,
                        b'\\' => {
                            let &e = line.get(i)?;
                            i += 1;
                            match e {
                                b'n' => w.push(b'\n'),
                                b'r' => w.push(b'\r'),
                                b't' => w.push(b'\t'),
                                b'x' => {
                                    let hex = line.get(i..i + 2)?;
                                    let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16)
                                        .ok()?;
                                    w.push(v);
                                    i += 2;
                                }
                                other => w.push(other),
                            }
                        }
                        other => w.push(other),
                    }
                }
            }
            b'\'' => {
                i += 1;
                loop {
                    let &b = line.get(i)?;
                    i += 1;
                    if b == b'\'' {
                        break;
                    }
                    w.push(b);
                }
            }
            _ => {
                while i < line.len() && !line[i].is_ascii_whitespace() {
                    w.push(line[i]);
                    i += 1;
                }
            }
        }
        out.push(w);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_redis_lines() {
        let text = "file appendonly.aof.2.base.rdb seq 2 type b\n\
                    file appendonly.aof.1.incr.aof seq 1 type h\n\
                    file appendonly.aof.2.incr.aof seq 2 type i\n\
                    file appendonly.aof.3.incr.aof seq 3 type i\n";
        let m = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(m.base.as_ref().unwrap().name, "appendonly.aof.2.base.rdb");
        assert_eq!(m.incrs.len(), 2);
        assert_eq!(m.incr_seq, 3);
        assert_eq!(m.base_seq, 2);
        assert_eq!(m.to_text(), text);
    }

    #[test]
    fn quoted_names_comments_and_errors() {
        let m = Manifest {
            base: Some(Entry {
                name: "my file\".aof".into(),
                seq: 1,
                kind: Kind::Base,
            }),
            ..Default::default()
        };
        let text = m.to_text();
        assert_eq!(text, "file \"my file\\\".aof\" seq 1 type b\n");
        assert_eq!(Manifest::parse(text.as_bytes()).unwrap().base, m.base);
        let ok = Manifest::parse(b"# comment\nfile 'a b' seq 7 type i\r\n").unwrap();
        assert_eq!(ok.incrs[0].name, "a b");
        for bad in [
            &b"file a seq 1\n"[..],
            b"file a seq x type b\n",
            b"file a seq 1 type z\n",
            b"file \"a seq 1 type b\n",
            b"file a seq 1 type b\nfile b seq 2 type b\n",
            b"file a seq 2 type i\nfile b seq 1 type i\n",
            b"file ../x seq 1 type b\n",
            // Redis refuses an empty manifest and blank lines.
            b"",
            b"file a seq 1 type b\n\n",
            b"\nfile a seq 1 type b\n",
        ] {
            assert!(
                Manifest::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(Manifest::parse(&[b'#'; 2000]).is_err());
        // The messages start with Redis's words (log watchers match them).
        let msg = |t: &[u8]| Manifest::parse(t).unwrap_err();
        assert!(msg(b"file a seq 1 type z\n").starts_with("Unknown AOF file type"));
        assert!(msg(b"").starts_with("Found an empty AOF manifest"));
        assert!(msg(b"\n").starts_with("Invalid AOF manifest file format"));
        let long = [b'x'; 1500];
        assert!(msg(&long).starts_with("The AOF manifest file contains too long line"));
        // Found by fuzz/ (aof target): names that quoting makes longer
        // than a line may be. Accepted, they were written back as a
        // manifest the next start refused.
        let mut long = b"file appendonly.aof.1.base.rdb seq 1 type b\nfile \"".to_vec();
        long.extend_from_slice(&[1u8; 300]);
        long.extend_from_slice(b"\" seq 1 type i\n");
        assert_eq!(
            Manifest::parse(&long).unwrap_err(),
            "The AOF manifest file contains too long line (2)"
        );
        let mut wide = b"file ".to_vec();
        wide.extend_from_slice(&[0xC3, 0xA9].repeat(150));
        wide.extend_from_slice(b" seq 1 type i\n");
        assert!(Manifest::parse(&wide).is_err());
        // Invalid UTF-8 is refused, not renamed.
        let bad = b"file a\xffb seq 1 type i\n";
        assert_eq!(
            Manifest::parse(bad).unwrap_err(),
            "Invalid AOF file name (not UTF-8) in the manifest (line 1)"
        );
        // Whatever parses writes back as a manifest that parses the same.
        let ok =
            Manifest::parse(b"file \"a b\\x01\" seq 3 type i\nfile 'c' seq 1 type b\n").unwrap();
        assert_eq!(Manifest::parse(ok.to_text().as_bytes()).unwrap(), ok);
        // Random damage: an error or a manifest, never a panic.
        let good = b"file \"a b\\x41\" seq 1 type b\nfile c seq 2 type i\n";
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut d = good.to_vec();
            let at = (x % d.len() as u64) as usize;
            d[at] = (x >> 40) as u8;
            d.truncate(at + (x >> 20) as usize % (d.len() - at + 1));
            let _ = Manifest::parse(&d);
        }
    }
}
