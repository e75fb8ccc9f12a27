//! Low-level text handling for configuration: redis.conf line splitting and quoting, number / memory /
//! yes-no / octal / float parsing with Redis's exact acceptance rules, value rendering, and path globbing
//! for `include`.

use std::path::{Path, PathBuf};

/// Whitespace as C's `isspace` sees it in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Splits one configuration line into arguments the way redis-server does
/// (sdssplitargs; the same splitter as inline requests, `resp::parse`).
///
/// Outside quotes, arguments are separated by blanks. A double-quoted section understands `\n`, `\r`,
/// `\t`, `\b`, `\a`, `\xHH` and a backslash before any other character (which stands for that
/// character); a single-quoted section only understands `\'`. A quote may start in the middle of an
/// argument, but a closing quote must be followed by a blank or the end of the line. Returns `None`
/// for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut buf = line.to_vec();
    let mut spans = Vec::new();
    if !crate::resp::parse::split_in_place(&mut buf, &mut spans) {
        return None;
    }
    Some(spans.iter().map(|&(a, b)| buf[a..b].to_vec()).collect())
}

/// Renders bytes as a double-quoted, escaped string that [`split_args`] reads back unchanged.
pub fn repr(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// Strict integer parsing (no blanks, no `+`, no leading zeros, no `-0`), as Redis parses
/// integer configuration values: Redis's string2ll.
pub fn parse_strict_i64(s: &[u8]) -> Option<i64> {
    crate::util::num::parse_i64(s)
}

/// C `strtol`-like parsing that must consume the whole string: leading blanks and a sign are allowed,
/// an empty string reads as 0, overflow saturates. `radix` is 8 or 10.
pub fn parse_c_long(s: &[u8], radix: u32) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    while i < s.len() {
        let d = match (s[i] as char).to_digit(radix) {
            Some(d) => d,
            None => break,
        };
        v = (v * i128::from(radix) + i128::from(d)).min(i128::from(u64::MAX));
        i += 1;
    }
    if i == start || i != s.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    Some(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// Parses a memory amount: digits optionally followed by `b`, `k`, `kb`, `m`, `mb`, `g` or `gb`
/// (any case; `k` = 1000, `kb` = 1024 and so on). An empty number reads as 0. Negative values and
/// anything else are rejected.
pub fn parse_memory(s: &[u8]) -> Option<u64> {
    let digits_end = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(digits_end);
    let unit = unit.to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if num.len() > 127 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in num {
        // Saturates like strtoull on overflow.
        v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    Some(v.wrapping_mul(mul))
}

/// Renders a byte count the way CONFIG REWRITE writes it: the largest of gb / mb / kb that divides it.
pub fn format_memory(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    const GB: u64 = 1024 * 1024 * 1024;
    if bytes != 0 && bytes.is_multiple_of(GB) {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes.is_multiple_of(MB) {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes.is_multiple_of(KB) {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

/// `yes` / `no`, any case.
pub fn parse_yes_no(s: &[u8]) -> Option<bool> {
    if s.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// A floating point number as `strtod` reads it when the whole string must be consumed
/// (leading blanks allowed); NaN is rejected.
pub fn parse_double(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    let t = text.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
    if t.is_empty() {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if body.starts_with("nan") {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    if v.is_nan() { None } else { Some(v) }
}

/// `%f` followed by trimming of trailing zeros (and a trailing dot), as Redis prints percentiles.
pub fn format_double(v: f64) -> String {
    let s = format!("{v:.6}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The text of an OS error without Rust's " (os error N)" suffix, i.e. what `strerror` prints.
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(pos) => s[..pos].to_string(),
        None => s,
    }
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Expands a path whose components may hold glob patterns (`*`, `?`, `[...]`) into the matching
/// existing paths, sorted, like glob(3): entries whose names start with a dot only match a pattern
/// that starts with a dot. A path without pattern characters is returned as is (existing or not).
pub fn expand_glob(path: &Path) -> Vec<PathBuf> {
    let text = path.to_string_lossy();
    if !has_glob_chars(&text) {
        return vec![path.to_path_buf()];
    }
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    for comp in path.components() {
        let part = comp.as_os_str().to_string_lossy().into_owned();
        let mut next = Vec::new();
        if has_glob_chars(&part) {
            for base in &current {
                let dir = if base.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    base.clone()
                };
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut names: Vec<String> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| !name.starts_with('.') || part.starts_with('.'))
                    .filter(|name| {
                        crate::util::glob::glob_match(part.as_bytes(), name.as_bytes(), false)
                    })
                    .collect();
                names.sort();
                next.extend(names.into_iter().map(|name| base.join(name)));
            }
        } else {
            next = current.iter().map(|b| b.join(&part)).collect();
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    current.retain(|p| p.exists());
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<Vec<String>> {
        split_args(s.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn splitting_plain_and_quoted() {
        assert_eq!(
            split("  a  b\tc "),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split("save \"\""), Some(vec!["save".into(), String::new()]));
        assert_eq!(
            split(r#"x "a\nb\r\t\\\"\x41\x4a""#),
            Some(vec!["x".into(), "a\nb\r\t\\\"AJ".into()])
        );
        assert_eq!(split(r#""\b\a""#), Some(vec!["\u{8}\u{7}".into()]));
        // An unknown escape stands for the character itself; a bad \x escape reads as "x".
        assert_eq!(split(r#""\q\xZZ""#), Some(vec!["qxZZ".into()]));
        assert_eq!(
            split(r"'it\'s' 'a\nb'"),
            Some(vec!["it's".into(), "a\\nb".into()])
        );
        // Quotes may start mid-argument.
        assert_eq!(split(r#"ab"c d"e"#), None);
        assert_eq!(
            split(r#"ab"c d" e"#),
            Some(vec!["abc d".into(), "e".into()])
        );
    }

    #[test]
    fn splitting_unbalanced() {
        assert_eq!(split("dir \"abc"), None);
        assert_eq!(split("dir \"abc\"x"), None);
        assert_eq!(split("dir 'abc'x"), None);
        assert_eq!(split("dir 'ab\\'c"), None);
        assert_eq!(split("dir 'abc"), None);
        assert_eq!(split("dir \"abc\\\""), None);
    }

    #[test]
    fn repr_round_trip() {
        let raw = b"a \"b\"\\\n\r\t\x07\x08\x01\xff";
        let r = repr(raw);
        assert_eq!(r, "\"a \\\"b\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff\"");
        assert_eq!(split_args(r.as_bytes()), Some(vec![raw.to_vec()]));
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_strict_i64(b"0"), Some(0));
        assert_eq!(parse_strict_i64(b"-12"), Some(-12));
        assert_eq!(parse_strict_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_strict_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "05",
            "+5",
            " 5",
            "5 ",
            "-0",
            "abc",
            "9223372036854775808",
            "1.0",
            "-",
        ] {
            assert_eq!(parse_strict_i64(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn c_long() {
        assert_eq!(parse_c_long(b"", 10), Some(0));
        assert_eq!(parse_c_long(b" 5", 10), Some(5));
        assert_eq!(parse_c_long(b"-0", 10), Some(0));
        assert_eq!(parse_c_long(b"+7", 10), Some(7));
        assert_eq!(parse_c_long(b"5 ", 10), None);
        assert_eq!(parse_c_long(b" ", 10), None);
        assert_eq!(parse_c_long(b"x", 10), None);
        assert_eq!(parse_c_long(b"777", 8), Some(511));
        assert_eq!(parse_c_long(b"999", 8), None);
    }

    #[test]
    fn memory_units() {
        let cases: &[(&str, Option<u64>)] = &[
            ("100", Some(100)),
            ("10b", Some(10)),
            ("10B", Some(10)),
            ("1k", Some(1000)),
            ("1K", Some(1000)),
            ("1kb", Some(1024)),
            ("1Kb", Some(1024)),
            ("1m", Some(1_000_000)),
            ("1mb", Some(1 << 20)),
            ("1MB", Some(1 << 20)),
            ("1g", Some(1_000_000_000)),
            ("1gb", Some(1 << 30)),
            ("1GB", Some(1 << 30)),
            ("", Some(0)),
            ("010", Some(10)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", Some(u64::MAX)),
            ("1.5gb", None),
            (" 10", None),
            ("10 ", None),
            ("+10", None),
            ("-1", None),
            ("-0", None),
            ("0x10", None),
            ("1tb", None),
            ("5%", None),
            ("10zz", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_memory(text.as_bytes()), *want, "{text}");
        }
        assert_eq!(format_memory(0), "0");
        assert_eq!(format_memory(1537), "1537");
        assert_eq!(format_memory(1000), "1000");
        assert_eq!(format_memory(2048), "2kb");
        assert_eq!(format_memory(64 << 20), "64mb");
        assert_eq!(format_memory(2 << 30), "2gb");
    }

    #[test]
    fn doubles() {
        assert_eq!(parse_double(b"99.9"), Some(99.9));
        assert_eq!(parse_double(b" 5"), Some(5.0));
        assert_eq!(parse_double(b"1e1"), Some(10.0));
        assert_eq!(parse_double(b"nan"), None);
        assert_eq!(parse_double(b"5x"), None);
        assert_eq!(parse_double(b""), None);
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(100.0), "100");
        assert_eq!(format_double(99.999), "99.999");
        assert_eq!(format_double(0.0), "0");
    }

    #[test]
    fn yes_no() {
        assert_eq!(parse_yes_no(b"YES"), Some(true));
        assert_eq!(parse_yes_no(b"no"), Some(false));
        assert_eq!(parse_yes_no(b"1"), None);
        assert_eq!(parse_yes_no(b""), None);
    }

    #[test]
    fn strerror_text() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(strerror(&e), "No such file or directory");
    }
}
