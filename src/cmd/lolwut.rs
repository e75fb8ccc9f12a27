//! LOLWUT [VERSION version [number ...]]: a small piece of generated text
//! art followed by the line `Redis ver. <version>`, the version ember
//! reports as redis_version. Like Redis 7, a plain LOLWUT (and any version
//! without a picture) prints only that line; versions 5 and 6 draw one of
//! ember's own pictures, sized by the numbers after the version and capped
//! so that the reply stays small. Read-only, no keyspace access.

use super::{Cmd, Ctx, flags::*};

pub static COMMANDS: &[Cmd] = &[Cmd::new("lolwut", -1, READONLY | FAST, lolwut)];

/// Widest picture drawn, in characters, whatever the arguments ask.
const MAX_COLS: i64 = 200;
/// Tallest picture drawn, in lines (with MAX_COLS: a reply under 21 KB).
const MAX_ROWS: i64 = 100;

/// How many numbers after the version each picture reads (Redis's version 5
/// reads three and version 6 two; a non-number among them is an error,
/// anything after them is ignored).
fn size_args(version: Option<i64>) -> usize {
    match version {
        Some(5) => 3,
        Some(6) => 2,
        _ => 0,
    }
}

/// LOLWUT [VERSION version [number ...]]
///
/// * VERSION 5 [cols [rows [seed]]]: a maze of diagonal walls (default
///   64 x 16; the seed picks another maze).
/// * VERSION 6 [cols [rows]]: a city skyline at night (default 64 x 16).
/// * Anything else: just the version line.
fn lolwut(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut version = None;
    if argv.len() >= 3 && argv[1].eq_ignore_ascii_case(b"version") {
        let Some(v) = super::arg_i64(ctx, argv[2]) else {
            return;
        };
        version = Some(v);
    }
    let mut nums: [Option<i64>; 3] = [None; 3];
    for (slot, arg) in nums
        .iter_mut()
        .zip(argv.iter().skip(3).take(size_args(version)))
    {
        let Some(n) = super::arg_i64(ctx, arg) else {
            return;
        };
        *slot = Some(n);
    }
    let cols = nums[0].unwrap_or(64).clamp(1, MAX_COLS) as usize;
    let rows = nums[1].unwrap_or(16).clamp(1, MAX_ROWS) as usize;
    let mut out = match version {
        Some(5) => maze(cols, rows, nums[2].unwrap_or(0) as u64),
        Some(6) => skyline(cols, rows),
        _ => Vec::new(),
    };
    out.extend_from_slice(b"Redis ver. ");
    out.extend_from_slice(crate::REDIS_COMPAT_VERSION.as_bytes());
    out.push(b'\n');
    ctx.c.reply.verbatim(&out, b"txt");
}

/// A well-mixed 64-bit value for a cell (SplitMix64's finaliser), so that
/// pictures are the same on every call and every machine.
fn cell_hash(x: usize, y: usize, seed: u64) -> u64 {
    let mut z = (x as u64) << 32 ^ (y as u64) ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Appends the picture's lines, a blank line and its caption.
fn finish(grid: Vec<Vec<u8>>, caption: &str) -> Vec<u8> {
    let width = grid.first().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(grid.len() * (width + 1) + caption.len() + 2);
    for line in grid {
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(caption.as_bytes());
    out.push(b'\n');
    out
}

/// Every cell is a wall running one way or the other; together they make
/// a maze with paths and dead ends.
fn maze(cols: usize, rows: usize, seed: u64) -> Vec<u8> {
    let grid = (0..rows)
        .map(|y| {
            (0..cols)
                .map(|x| {
                    if cell_hash(x, y, seed) & 1 == 0 {
                        b'/'
                    } else {
                        b'\\'
                    }
                })
                .collect()
        })
        .collect();
    finish(grid, "ember: a maze of diagonal walls.")
}

/// Buildings of random widths and heights standing on the bottom line,
/// with lit and dark windows, under a sky with a few stars.
fn skyline(cols: usize, rows: usize) -> Vec<u8> {
    let mut grid = vec![vec![b' '; cols]; rows];
    for (y, line) in grid.iter_mut().enumerate() {
        for (x, cell) in line.iter_mut().enumerate() {
            if cell_hash(x, y, 6).is_multiple_of(23) {
                *cell = b'.';
            }
        }
    }
    // The bottom line is the street; buildings stand on it.
    let street = rows - 1;
    grid[street].fill(b'=');
    let mut x0 = 0;
    let mut n = 0;
    while x0 < cols {
        let h = cell_hash(n, 0, 60);
        n += 1;
        let width = 3 + (h % 6) as usize;
        // A roof line plus at least one floor, never above the top line.
        let height = 2 + ((h >> 8) as usize % (rows * 3 / 4).max(1));
        let top = street.saturating_sub(height);
        let x1 = (x0 + width).min(cols);
        for (y, line) in grid.iter_mut().enumerate().take(street).skip(top) {
            for (x, cell) in line.iter_mut().enumerate().take(x1).skip(x0) {
                *cell = if y == top {
                    b'_'
                } else if x == x0 || x + 1 == x0 + width {
                    b'|'
                } else if (x - x0) % 2 == 1 && (street - y).is_multiple_of(2) {
                    if cell_hash(x, y, 66).is_multiple_of(3) {
                        b'#'
                    } else {
                        b'o'
                    }
                } else {
                    b' '
                };
            }
        }
        // Sometimes an empty lot between two buildings.
        x0 += width + ((h >> 20) & 1) as usize;
    }
    finish(grid, "ember: a city that never sleeps.")
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    fn version_line() -> String {
        format!("Redis ver. {}\n", crate::REDIS_COMPAT_VERSION)
    }

    /// The text of a bulk reply.
    fn body(reply: &str) -> &str {
        let start = reply.find("\r\n").map_or(0, |i| i + 2);
        reply[start..].strip_suffix("\r\n").unwrap_or("")
    }

    #[test]
    fn plain_and_unknown_versions_print_only_the_version() {
        let mut h = Harness::new();
        let line = version_line();
        let want = format!("${}\r\n{line}\r\n", line.len());
        for args in [
            &["LOLWUT"][..],
            &["lolwut", "version"],
            &["LOLWUT", "VERSION", "7"],
            &["LOLWUT", "VERSION", "-1", "x"],
            &["LOLWUT", "foo", "bar"],
        ] {
            assert_eq!(h.run(args), want, "{args:?}");
        }
        assert_eq!(
            h.run(&["LOLWUT", "VERSION", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
    }

    #[test]
    fn pictures_end_with_the_version_and_respect_their_size() {
        let mut h = Harness::new();
        let maze = h.run(&["LOLWUT", "VERSION", "5", "10", "3"]);
        let text = body(&maze);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3 + 3, "{text}");
        assert!(
            lines[..3]
                .iter()
                .all(|l| l.len() == 10 && l.bytes().all(|b| b == b'/' || b == b'\\'))
        );
        assert!(text.ends_with(&version_line()));
        // Same arguments, same picture; another seed, another maze.
        assert_eq!(h.run(&["LOLWUT", "VERSION", "5", "10", "3"]), maze);
        assert_ne!(h.run(&["LOLWUT", "VERSION", "5", "10", "3", "1"]), maze);
        let city = h.run(&["LOLWUT", "VERSION", "6", "30", "8"]);
        let text = body(&city);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8 + 3, "{text}");
        assert_eq!(lines[7], "=".repeat(30));
        assert!(text.ends_with(&version_line()));
        // Extra numbers are ignored; a non-number among the read ones is not.
        assert_eq!(h.run(&["LOLWUT", "VERSION", "6", "30", "8", "x"]), city);
        assert_eq!(
            h.run(&["LOLWUT", "VERSION", "6", "30", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
    }

    #[test]
    fn sizes_are_capped_and_tiny_sizes_work() {
        let mut h = Harness::new();
        for v in ["5", "6"] {
            for (c, r) in [("0", "0"), ("-5", "1"), ("1", "2"), ("1000000", "1000000")] {
                let reply = h.run(&["LOLWUT", "VERSION", v, c, r, "-9223372036854775808"]);
                assert!(reply.len() < 22_000, "{v} {c} {r}: {}", reply.len());
                assert!(body(&reply).ends_with(&version_line()), "{v} {c} {r}");
            }
        }
        h.run(&["HELLO", "3"]);
        let verbatim = h.run(&["LOLWUT"]);
        let line = version_line();
        assert_eq!(verbatim, format!("={}\r\ntxt:{line}\r\n", line.len() + 4));
    }
}
