//! Redis glob-style pattern matching with the exact semantics of Redis's
//! `stringmatchlen()` (util.c), binary safe.
//!
//! Supported syntax:
//!
//! * `*` matches any sequence of bytes, `?` matches exactly one byte.
//! * `[...]` matches one byte from a set; `[^...]` negates the set. Inside a
//!   set, `\x` is the literal byte `x`, `a-z` is an inclusive range, and a
//!   range given backwards (`z-a`) is swapped.
//! * `\x` outside a set is the literal byte `x`; a lone trailing `\` is a
//!   literal backslash.
//!
//! Redis quirks reproduced on purpose (all verified against redis-server 7.0):
//!
//! * An empty string is matched only by the empty pattern: `*` does *not*
//!   match `""`. (`KEYS *` and `SCAN` without `MATCH *` still list an empty
//!   key because those commands special-case the pattern `*` and never call
//!   the matcher; callers must do the same.)
//! * A set that is not closed by `]` runs to the end of the pattern: `[abc`
//!   is the set `{a, b, c}`, `[` matches nothing and `[^` matches any byte.
//!   `[]` is an empty set and `[^]` matches any byte, so `]` can only be put
//!   in a set escaped (`[\]]`).
//! * A range is recognised whenever a byte is followed by `-` and at least
//!   one more byte, even if that byte is `]` or `\`: `[a-]` is the range
//!   `]`..=`a`, not `{a, -}`.
//! * Range bounds and the tested byte are compared as C `char`, which is
//!   signed on x86-64: bytes >= 0x80 sort *below* ASCII, so `[a-\xff]`
//!   covers `\xff` and every byte from 0x00 to `a`, but not `b` or `\x80`.
//! * With `nocase`, only ASCII letters fold. A range is swapped *before* both
//!   bounds are lowered, so `[Z-a]` matches nothing in nocase mode, and an
//!   escaped byte inside a set (`[\Y]`) is compared case-sensitively, while
//!   an escaped byte outside a set (`\Y`) folds.
//! * Redis 7 gives up (no match) once its recursion reaches a nesting depth
//!   of 1000 star groups: a pattern with more than 1000 `*` groups that are
//!   each followed by something else never matches.
//!
//! The implementation is iterative (it only ever backtracks to the most
//! recent `*`), so it runs in O(pattern * string) time in the worst case and
//! uses no recursion and no allocation.

/// Redis stops matching once a pattern needs more nested star groups than this.
const MAX_STAR_NESTING: usize = 1000;

/// Returns true if `string` matches the glob `pattern`, exactly like Redis's
/// `stringmatchlen(pattern, patternLen, string, stringLen, nocase)`.
///
/// Never panics, whatever the input.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    let plen = pattern.len();
    let slen = string.len();
    let mut p = 0;
    let mut s = 0;
    // Backtracking point: (pattern index just after the most recent star
    // group, string index where the rest of the pattern was last tried).
    let mut backtrack: Option<(usize, usize)> = None;
    let mut star_groups = 0;

    while s < slen {
        if p < plen && pattern[p] == b'*' {
            while p < plen && pattern[p] == b'*' {
                p += 1;
            }
            if p == plen {
                // A trailing star swallows whatever is left.
                return true;
            }
            // Every star group met here lies beyond the previous one (we only
            // ever backtrack to the latest), so this counts nesting depth.
            star_groups += 1;
            if star_groups > MAX_STAR_NESTING {
                return false;
            }
            backtrack = Some((p, s));
            continue;
        }
        if p < plen {
            let (matched, next) = match_one(pattern, p, string[s], nocase);
            if matched {
                p = next;
                s += 1;
                continue;
            }
        }
        // Mismatch, or pattern exhausted with input left: let the latest star
        // absorb one more byte and retry the rest of the pattern after it.
        match backtrack {
            Some((star_p, star_s)) => {
                backtrack = Some((star_p, star_s + 1));
                p = star_p;
                s = star_s + 1;
            }
            None => return false,
        }
    }
    // Input exhausted: only stars may remain in the pattern.
    while p < plen && pattern[p] == b'*' {
        p += 1;
    }
    p == plen
}

/// Matches the single non-star pattern element starting at `pattern[p]`
/// (requires `p < pattern.len()`) against byte `c`. Returns whether it
/// matched and the index of the next pattern element.
fn match_one(pattern: &[u8], p: usize, c: u8, nocase: bool) -> (bool, usize) {
    match pattern[p] {
        b'?' => (true, p + 1),
        b'[' => match_class(pattern, p + 1, c, nocase),
        b'\\' if pattern.len() - p >= 2 => (bytes_eq(pattern[p + 1], c, nocase), p + 2),
        lit => (bytes_eq(lit, c, nocase), p + 1),
    }
}

/// Evaluates the set whose body starts at `pattern[p]` (just after `[`).
/// Returns whether `c` is accepted and the index just after the set.
fn match_class(pattern: &[u8], mut p: usize, c: u8, nocase: bool) -> (bool, usize) {
    let plen = pattern.len();
    let negate = p < plen && pattern[p] == b'^';
    if negate {
        p += 1;
    }
    let mut matched = false;
    while p < plen {
        let b = pattern[p];
        let left = plen - p;
        if b == b'\\' && left >= 2 {
            // Escapes inside a set compare exactly, even in nocase mode.
            matched |= pattern[p + 1] == c;
            p += 2;
        } else if b == b']' {
            p += 1;
            break;
        } else if left >= 3 && pattern[p + 1] == b'-' {
            matched |= in_range(b, pattern[p + 2], c, nocase);
            p += 3;
        } else {
            matched |= bytes_eq(b, c, nocase);
            p += 1;
        }
    }
    (matched != negate, p)
}

/// Range test with C semantics: signed `char` values, bounds swapped if given
/// backwards, then (in nocase mode) all three values lowered.
fn in_range(start: u8, end: u8, c: u8, nocase: bool) -> bool {
    let mut lo = signed_char(start);
    let mut hi = signed_char(end);
    let mut v = signed_char(c);
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    if nocase {
        lo = c_tolower(lo);
        hi = c_tolower(hi);
        v = c_tolower(v);
    }
    lo <= v && v <= hi
}

/// A byte as the C `char` it is on x86-64 (signed).
fn signed_char(b: u8) -> i32 {
    i32::from(b as i8)
}

/// `tolower()` in the C locale: only ASCII upper-case letters change.
fn c_tolower(v: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&v) {
        v + 32
    } else {
        v
    }
}

fn bytes_eq(a: u8, b: u8, nocase: bool) -> bool {
    a == b || (nocase && a.eq_ignore_ascii_case(&b))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn m(p: &[u8], s: &[u8]) -> bool {
        glob_match(p, s, false)
    }

    #[test]
    fn basics() {
        assert!(m(b"", b""));
        assert!(!m(b"", b"a"));
        assert!(m(b"a", b"a"));
        assert!(!m(b"a", b"b"));
        assert!(m(b"*", b"anything"));
        assert!(m(b"h?llo", b"hello"));
        assert!(m(b"h?llo", b"hallo"));
        assert!(!m(b"h?llo", b"hllo"));
        assert!(m(b"h*llo", b"hllo"));
        assert!(m(b"h*llo", b"heeeello"));
        assert!(m(b"h[ae]llo", b"hello"));
        assert!(!m(b"h[ae]llo", b"hillo"));
        assert!(m(b"h[^e]llo", b"hallo"));
        assert!(!m(b"h[^e]llo", b"hello"));
        assert!(m(b"h[a-b]llo", b"hbllo"));
        assert!(!m(b"h[a-b]llo", b"hcllo"));
        assert!(m(b"*a*b*c*", b"xxaxxbxxcxx"));
        assert!(!m(b"*a*b*c*", b"xxaxxcxxbxx"));
        assert!(m(b"a*b", b"ab"));
        assert!(m(b"a*b", b"aXXbYYb"));
        assert!(!m(b"a*b", b"aXXbYYc"));
        assert!(m(b"*ab", b"aab"));
        assert!(!m(b"*a?", b"xa"));
        assert!(m(b"user:*:name", b"user:1000:name"));
        assert!(m(b"\x00*\xff", b"\x00\x01\x02\xff"));
    }

    #[test]
    fn empty_string_only_matches_empty_pattern() {
        // verified against redis-server 7.0: with an empty key present,
        // `KEYS **` and `SCAN 0 MATCH **` do not return it (`KEYS *` does,
        // because KEYS special-cases `*`).
        assert!(!m(b"*", b""));
        assert!(!m(b"**", b""));
        assert!(!m(b"?", b""));
        assert!(!m(b"[^]", b""));
        assert!(m(b"", b""));
    }

    /// verified against redis-server 7.0 with `KEYS <pattern>` on a database
    /// holding exactly the keys in `KEYS` below (the empty key excluded, as
    /// `KEYS *` special-cases it).
    const KEYS: &[&[u8]] = &[
        b"a", b"b", b"-", b"]", b"^", b"\\", b"[", b"A", b"z", b"_", b"`", b"ab", b"a[", b"*",
        b"?", b"\x80", b"\xff", b"Z", b"a]",
    ];

    #[test]
    fn tricky_patterns_match_redis() {
        let single_all: &[&[u8]] = &[
            b"*", b"-", b"?", b"A", b"Z", b"[", b"\\", b"]", b"^", b"_", b"`", b"a", b"b", b"z",
            b"\x80", b"\xff",
        ];
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"[a-]", &[b"]", b"^", b"_", b"`", b"a"]),
            (b"[]]", &[]),
            (
                b"[^a]",
                &[
                    b"*", b"-", b"?", b"A", b"Z", b"[", b"\\", b"]", b"^", b"_", b"`", b"b", b"z",
                    b"\x80", b"\xff",
                ],
            ),
            (b"[\\]]", &[b"]"]),
            (b"[z-a]", &[b"a", b"b", b"z"]),
            (b"\\*", &[b"*"]),
            (b"[", &[]),
            (b"a[", &[]),
            (b"*[", &[]),
            (b"[^]", single_all),
            (b"[-a]", &[b"-", b"a"]),
            (b"[^", single_all),
            (b"[a", &[b"a"]),
            (b"[a-", &[b"-", b"a"]),
            (b"[a-\\]", &[b"\\", b"]", b"^", b"_", b"`", b"a"]),
            (b"\\", &[b"\\"]),
            (b"a\\", &[]),
            (b"[\\", &[b"\\"]),
            (b"[a\\", &[b"\\", b"a"]),
            (
                b"**",
                &[
                    b"*", b"-", b"?", b"A", b"Z", b"[", b"\\", b"]", b"^", b"_", b"`", b"a", b"a[",
                    b"a]", b"ab", b"b", b"z", b"\x80", b"\xff",
                ],
            ),
            (b"?", single_all),
            (b"[]", &[]),
            (b"[^]]", &[b"a]"]),
            (b"[Z-a]", &[b"Z", b"[", b"\\", b"]", b"^", b"_", b"`", b"a"]),
            (b"[\\a-z]", &[b"-", b"a", b"z"]),
            (
                b"[a-\xff]",
                &[
                    b"*", b"-", b"?", b"A", b"Z", b"[", b"\\", b"]", b"^", b"_", b"`", b"a",
                    b"\xff",
                ],
            ),
            (b"[\x80-\xff]", &[b"\x80", b"\xff"]),
            (
                b"[\x00-\x7f]",
                &[
                    b"*", b"-", b"?", b"A", b"Z", b"[", b"\\", b"]", b"^", b"_", b"`", b"a", b"b",
                    b"z",
                ],
            ),
            (b"[]-a]", &[]),
            (b"[!a]", &[b"a"]),
            (b"[a-z-]", &[b"-", b"a", b"b", b"z"]),
            (b"[---]", &[b"-"]),
            (
                b"[^^]",
                &[
                    b"*", b"-", b"?", b"A", b"Z", b"[", b"\\", b"]", b"_", b"`", b"a", b"b", b"z",
                    b"\x80", b"\xff",
                ],
            ),
            (b"a*", &[b"a", b"a[", b"a]", b"ab"]),
            (b"*]", &[b"]", b"a]"]),
            (b"\\[", &[b"["]),
            (b"[[]", &[b"["]),
            (b"[\\\\]", &[b"\\"]),
            (b"[-]", &[b"-"]),
            (b"[a-a]", &[b"a"]),
            (
                b"[^-]",
                &[
                    b"*", b"?", b"A", b"Z", b"[", b"\\", b"]", b"^", b"_", b"`", b"a", b"b", b"z",
                    b"\x80", b"\xff",
                ],
            ),
        ];
        for (pattern, expected) in cases {
            let mut got: Vec<&[u8]> = KEYS.iter().copied().filter(|k| m(pattern, k)).collect();
            got.sort();
            let mut want = expected.to_vec();
            want.sort();
            assert_eq!(got, want, "pattern {:?}", String::from_utf8_lossy(pattern));
        }
    }

    #[test]
    fn nocase_matches_redis() {
        // verified against redis-server 7.0 with `CONFIG GET <pattern>`
        // (config names are matched with nocase = 1).
        let name = b"maxmemory";
        let cases: &[(&[u8], bool)] = &[
            (b"maxmemor[X-Z]", true),
            (b"maxmemor[Z-a]", false),
            (b"maxmemor[a-Z]", false),
            (b"MAXMEMOR[Y]", true),
            (b"maxmemor[^Y]", false),
            (b"maxmemor[y-y]", true),
            (b"maxmemor[Y-Y]", true),
            (b"maxmemor[A-z]", true),
            (b"maxmemor\\Y*", true),
            (b"maxmemor\\y*", true),
            (b"maxmemor[\\Y]*", false),
            (b"maxmemor[\\y]*", true),
            (b"maxmemor\\Y?", false),
            (b"maxmemor[^\\Y]*", true),
        ];
        for (pattern, want) in cases {
            assert_eq!(
                glob_match(pattern, name, true),
                *want,
                "pattern {:?}",
                String::from_utf8_lossy(pattern)
            );
        }
        assert!(glob_match(b"MAXMEMORY", name, true));
        assert!(!glob_match(b"MAXMEMORY", name, false));
    }

    #[test]
    fn star_nesting_limit() {
        // verified against redis-server 7.0 (with the nesting guard): key is
        // 1100 `a`s; `*a` repeated 1000 times matches, 1001 times does not,
        // with or without a trailing `*`.
        let key = vec![b'a'; 1100];
        for (n, want) in [(999, true), (1000, true), (1001, false), (1002, false)] {
            let p = b"*a".repeat(n);
            assert_eq!(m(&p, &key), want, "n = {n}");
            let mut p2 = p.clone();
            p2.push(b'*');
            assert_eq!(m(&p2, &key), want, "n = {n} + trailing star");
        }
        // Consecutive stars collapse into one group.
        let p = b"**a".repeat(1000);
        assert!(m(&p, &key));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let s = vec![b'a'; 20_000];
        let mut p = b"a*".repeat(500);
        p.push(b'b');
        let t = std::time::Instant::now();
        assert!(!m(&p, &s));
        let p = b"*a".repeat(900);
        assert!(m(&p, &s));
        let mut p = b"*?".repeat(900);
        p.extend_from_slice(b"[b]");
        assert!(!m(&p, &s));
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
    }

    /// Straightforward recursive matcher for patterns without `[`.
    fn reference(p: &[u8], s: &[u8]) -> bool {
        if s.is_empty() {
            return p.is_empty();
        }
        fn go(p: &[u8], s: &[u8]) -> bool {
            match p.first() {
                None => s.is_empty(),
                Some(b'*') => (0..=s.len()).any(|i| go(&p[1..], &s[i..])),
                Some(b'?') => !s.is_empty() && go(&p[1..], &s[1..]),
                Some(b'\\') if p.len() >= 2 => s.first() == Some(&p[1]) && go(&p[2..], &s[1..]),
                Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
            }
        }
        go(p, s)
    }

    use crate::test_rng::Rng;

    /// Up to `max_len` bytes drawn from `from`.
    fn pick(rng: &mut Rng, from: &[u8], max_len: u64) -> Vec<u8> {
        let len = rng.below(max_len + 1);
        (0..len)
            .map(|_| from[rng.below_usize(from.len())])
            .collect()
    }

    #[test]
    fn fuzz_never_panics() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let alphabet = b"ab*?[]^-\\\xff";
        for _ in 0..50_000 {
            let p = pick(&mut rng, alphabet, 10);
            let s = pick(&mut rng, alphabet, 8);
            let _ = glob_match(&p, &s, false);
            let _ = glob_match(&p, &s, true);
        }
    }

    #[test]
    fn fuzz_against_reference_without_classes() {
        let mut rng = Rng(12345);
        let pat_alphabet = b"aAb*?\\";
        let str_alphabet = b"aAb*?\\";
        for _ in 0..50_000 {
            let p = pick(&mut rng, pat_alphabet, 9);
            let s = pick(&mut rng, str_alphabet, 9);
            assert_eq!(
                glob_match(&p, &s, false),
                reference(&p, &s),
                "pattern {:?} string {:?}",
                String::from_utf8_lossy(&p),
                String::from_utf8_lossy(&s)
            );
            // nocase == matching the lowered pattern (escapes included:
            // outside a set they fold too) against the lowered string.
            assert_eq!(
                glob_match(&p, &s, true),
                reference(&p.to_ascii_lowercase(), &s.to_ascii_lowercase()),
            );
        }
    }
}
