//! LZF, the byte-oriented LZ77 variant RDB files use for long strings.
//!
//! The stream is a sequence of commands, each starting with a control byte:
//!
//! * `000LLLLL`: a literal run of `L + 1` bytes (1..=32) follows;
//! * `LLLOOOOO [E] o`: a back reference of length `L + 2` (when `L` is 7 an
//!   extra byte `E` follows and the length is `9 + E`) to the bytes
//!   `((OOOOO << 8) | o) + 1` before the current output position.
//!
//! The compressor is our own greedy matcher over a 3-byte hash whose table
//! is sized to the input, so compressing many short strings costs no large
//! table initialisation. Any valid stream decodes with any LZF decoder, so
//! Redis reads what we write and we read what Redis writes.

/// Longest back reference distance (13 bits of offset, plus one).
const MAX_OFF: usize = 1 << 13;
/// Longest back reference: 2 + 7 in the control byte + 255 in the extra one.
const MAX_REF: usize = 2 + 7 + 255;
/// Longest literal run one control byte announces.
const MAX_LIT: usize = 32;
/// Largest hash table (entries) the compressor uses.
const MAX_HASH_BITS: u32 = 14;

/// Reusable compressor state (the hash table), so saving millions of
/// strings allocates it once.
#[derive(Default)]
pub struct Compressor {
    table: Vec<u32>,
}

#[inline]
fn hash3(b: &[u8], i: usize, bits: u32) -> usize {
    let v = u32::from(b[i]) << 16 | u32::from(b[i + 1]) << 8 | u32::from(b[i + 2]);
    (v.wrapping_mul(2_654_435_761) >> (32 - bits)) as usize
}

/// Appends literal runs for `lit` to `out`.
#[inline]
fn emit_literals(out: &mut Vec<u8>, lit: &[u8]) {
    for chunk in lit.chunks(MAX_LIT) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
}

impl Compressor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Compresses `input`, appending to `out`. Returns false (with `out`
    /// restored to its original length) when the result would take more
    /// than `max_out` bytes or the input is too short to compress.
    pub fn compress(&mut self, input: &[u8], out: &mut Vec<u8>, max_out: usize) -> bool {
        let start = out.len();
        let n = input.len();
        if n < 4 || max_out == 0 || n >= u32::MAX as usize {
            return false;
        }
        let bits = (usize::BITS - (n - 1).leading_zeros()).clamp(6, MAX_HASH_BITS);
        let size = 1usize << bits;
        self.table.clear();
        self.table.resize(size, 0);
        let limit = start + max_out;
        out.reserve(max_out.min(n + n / 32 + 8));
        let mut lit_start = 0usize;
        let mut i = 0usize;
        while i + 2 < n {
            let h = hash3(input, i, bits);
            let cand = self.table[h] as usize;
            self.table[h] = (i + 1) as u32;
            if cand != 0 {
                let r = cand - 1;
                let off = i - r - 1;
                if off < MAX_OFF && input[r..r + 3] == input[i..i + 3] {
                    let max_len = MAX_REF.min(n - i);
                    let mut len = 3;
                    while len < max_len && input[r + len] == input[i + len] {
                        len += 1;
                    }
                    emit_literals(out, &input[lit_start..i]);
                    let l = len - 2;
                    if l < 7 {
                        out.push(((l as u8) << 5) | (off >> 8) as u8);
                    } else {
                        out.push((7 << 5) | (off >> 8) as u8);
                        out.push((l - 7) as u8);
                    }
                    out.push(off as u8);
                    if out.len() > limit {
                        out.truncate(start);
                        return false;
                    }
                    // Index the positions inside the match too (better
                    // ratio on repetitive data), as far as a hash fits.
                    let end = i + len;
                    let mut j = i + 1;
                    while j < end && j + 2 < n {
                        let h = hash3(input, j, bits);
                        self.table[h] = (j + 1) as u32;
                        j += 1;
                    }
                    i = end;
                    lit_start = i;
                    continue;
                }
            }
            i += 1;
            if out.len() + (i - lit_start) + (i - lit_start) / MAX_LIT + 1 > limit {
                out.truncate(start);
                return false;
            }
        }
        emit_literals(out, &input[lit_start..]);
        if out.len() > limit {
            out.truncate(start);
            return false;
        }
        true
    }
}

/// Decompresses `input` into `out` (appended), which must come to exactly
/// `expected` bytes. Never reads or writes out of bounds, whatever the input.
pub fn decompress(input: &[u8], expected: usize, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let base = out.len();
    // Reserve what the input can plausibly produce; a claimed length beyond
    // that grows the buffer only as real output arrives.
    out.reserve(expected.min(input.len().saturating_mul(8).max(64)));
    let end = base + expected;
    let mut i = 0usize;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let lit = input
                .get(i..i + run)
                .ok_or("LZF literal run past the input")?;
            if out.len() + run > end {
                return Err("LZF data longer than announced");
            }
            out.extend_from_slice(lit);
            i += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(i).ok_or("LZF reference cut short")?);
                i += 1;
            }
            len += 2;
            let lo = usize::from(*input.get(i).ok_or("LZF reference cut short")?);
            i += 1;
            let back = ((ctrl & 0x1f) << 8 | lo) + 1;
            if back > out.len() - base {
                return Err("LZF back reference before the start");
            }
            if out.len() + len > end {
                return Err("LZF data longer than announced");
            }
            let from = out.len() - back;
            if back >= len {
                out.extend_from_within(from..from + len);
            } else {
                for k in 0..len {
                    let b = out[from + k];
                    out.push(b);
                }
            }
        }
    }
    if out.len() != end {
        return Err("LZF data shorter than announced");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) -> Option<usize> {
        let mut c = Compressor::new();
        let mut out = vec![0xAA];
        if !c.compress(data, &mut out, data.len()) {
            assert_eq!(out, [0xAA]);
            return None;
        }
        let mut back = Vec::new();
        decompress(&out[1..], data.len(), &mut back).unwrap();
        assert_eq!(back, data);
        Some(out.len() - 1)
    }

    #[test]
    fn compresses_repetitive_data() {
        let data = vec![b'a'; 1000];
        let n = round_trip(&data).unwrap();
        assert!(n < 30, "{n}");
        let text: Vec<u8> = b"hello world, hello world, hello world! "
            .iter()
            .cycle()
            .take(5000)
            .copied()
            .collect();
        assert!(round_trip(&text).unwrap() < 200);
    }

    #[test]
    fn incompressible_is_refused() {
        let mut x = 0x1234_5678_9abc_def1u64;
        let data: Vec<u8> = (0..500)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert_eq!(round_trip(&data), None);
        assert_eq!(round_trip(b"abc"), None);
    }

    #[test]
    fn many_shapes_round_trip() {
        let mut x = 7u64;
        for len in 4..600usize {
            let data: Vec<u8> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    if i % 7 < 4 { b'z' } else { (x >> 60) as u8 }
                })
                .collect();
            let mut c = Compressor::new();
            let mut out = Vec::new();
            if c.compress(&data, &mut out, len * 2) {
                let mut back = Vec::new();
                decompress(&out, len, &mut back).unwrap();
                assert_eq!(back, data, "len {len}");
            }
        }
    }

    #[test]
    fn decoder_rejects_garbage_without_panicking() {
        let mut x = 99u64;
        for _ in 0..5000 {
            let len = (x % 40) as usize;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (x >> 56) as u8
                })
                .collect();
            let mut out = Vec::new();
            let _ = decompress(&data, (x % 100) as usize, &mut out);
            assert!(out.len() <= 100);
        }
        let mut out = Vec::new();
        // A reference before the start of the output.
        assert!(decompress(&[0x20, 0x05], 3, &mut out).is_err());
        // Literal run past the end of the input.
        assert!(decompress(&[0x05, b'a'], 6, &mut out).is_err());
        // Wrong announced length.
        out.clear();
        assert!(decompress(&[0x00, b'a'], 2, &mut out).is_err());
    }

    /// A stream as liblzf writes it for "aaaaaaaaaa" (a literal, then a
    /// reference of length 9 at distance 1).
    #[test]
    fn decodes_reference_stream() {
        let mut out = Vec::new();
        decompress(&[0x00, b'a', 0xE0, 0x00, 0x00], 10, &mut out).unwrap();
        assert_eq!(out, b"aaaaaaaaaa");
    }
}
