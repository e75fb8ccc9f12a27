//! HyperLogLog sketches stored in string values, byte for byte in Redis's
//! layout so PFCOUNT gives the same numbers, GET/DUMP give the same bytes
//! and RDB files move both ways:
//!
//! * a 16-byte header: `HYLL`, the encoding (0 dense, 1 sparse), three
//!   unused bytes, and the cached cardinality as 8 little-endian bytes whose
//!   top bit set means "stale";
//! * 16384 registers of 6 bits, each holding the longest run of trailing
//!   zeros (+1) seen among the hashes that select it;
//! * dense: the registers packed 6 bits each, least significant bits first
//!   (12288 bytes);
//! * sparse: run-length opcodes: `00xxxxxx` ZERO (1-64 zero registers),
//!   `01xxxxxx yyyyyyyy` XZERO (1-16384 zero registers), `1vvvvvxx` VAL
//!   (1-4 registers holding value 1-32). A sketch starts sparse and turns
//!   dense when a register exceeds 32 or the string would pass
//!   `hll-sparse-max-bytes`.
//!
//! Elements are hashed with MurmurHash64A (seed 0xadc83b19), and the
//! cardinality comes from Ertl's improved estimator over the register
//! histogram, as in Redis 5 and later.

/// Registers: 2^14.
pub const REGISTERS: usize = 1 << P;
const P: u32 = 14;
/// Hash bits left after the register index.
const Q: u32 = 64 - P;
const REGISTER_MAX: u8 = 63;
pub const HDR: usize = 16;
pub const DENSE_SIZE: usize = HDR + (REGISTERS * 6).div_ceil(8);
pub const DENSE: u8 = 0;
pub const SPARSE: u8 = 1;
const ZERO_MAX: usize = 64;
const XZERO_MAX: usize = 16384;
const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
/// Redis's HLL_ALPHA_INF, 0.5 / ln 2.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// A sketch that fails validation: the caller replies INVALIDOBJ.
#[derive(Debug, PartialEq, Eq)]
pub struct Corrupt;

/// MurmurHash64A, as Redis uses it for HLL.
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, b) in tail.iter().enumerate() {
            h ^= (*b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element selects and the value it proposes.
pub fn pattern(ele: &[u8]) -> (usize, u8) {
    let hash = murmur64a(ele, 0xadc8_3b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// A fresh sketch: sparse, all registers zero (one XZERO opcode), cached
/// cardinality marked stale as every command that creates one leaves it.
pub fn new_sparse() -> Vec<u8> {
    let mut v = vec![0u8; HDR];
    v[..4].copy_from_slice(b"HYLL");
    v[4] = SPARSE;
    v[15] = 0x80;
    let mut left = REGISTERS;
    while left > 0 {
        let n = left.min(XZERO_MAX);
        push_xzero(&mut v, n);
        left -= n;
    }
    v
}

/// True when `b` looks like a sketch (Redis's isHLLObjectOrReply checks).
pub fn is_valid(b: &[u8]) -> bool {
    b.len() >= HDR
        && &b[..4] == b"HYLL"
        && b[4] <= SPARSE
        && (b[4] != DENSE || b.len() == DENSE_SIZE)
}

pub fn invalidate_cache(b: &mut [u8]) {
    b[15] |= 0x80;
}

/// The cached cardinality, if still valid.
pub fn cached(b: &[u8]) -> Option<u64> {
    (b[15] & 0x80 == 0).then(|| u64::from_le_bytes(b[8..16].try_into().unwrap_or([0; 8])))
}

pub fn set_cache(b: &mut [u8], card: u64) {
    b[8..16].copy_from_slice(&card.to_le_bytes());
}

fn dense_get(regs: &[u8], i: usize) -> u8 {
    let bit = i * 6;
    let (byte, fb) = (bit / 8, bit % 8);
    let b0 = regs[byte] as u16;
    let b1 = regs.get(byte + 1).copied().unwrap_or(0) as u16;
    (((b0 >> fb) | (b1 << (8 - fb))) & REGISTER_MAX as u16) as u8
}

fn dense_set(regs: &mut [u8], i: usize, v: u8) {
    let bit = i * 6;
    let (byte, fb) = (bit / 8, bit % 8);
    let v = v as u16;
    let mask = (REGISTER_MAX as u16) << fb;
    regs[byte] = (regs[byte] & !(mask as u8)) | (v << fb) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        let high = (mask >> 8) as u8;
        *next = (*next & !high) | (v >> (8 - fb)) as u8;
    }
}

fn push_xzero(v: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    v.push(0x40 | (l >> 8) as u8);
    v.push((l & 0xff) as u8);
}

fn zero_op(len: usize) -> u8 {
    (len - 1) as u8
}

fn val_op(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len - 1) as u8
}

/// One decoded sparse opcode.
#[derive(Clone, Copy)]
enum Op {
    Zero(usize),
    XZero(usize),
    Val(u8, usize),
}

impl Op {
    fn at(b: &[u8], i: usize) -> Option<(Op, usize)> {
        let x = *b.get(i)?;
        Some(if x & 0xc0 == 0 {
            (Op::Zero((x & 0x3f) as usize + 1), 1)
        } else if x & 0xc0 == 0x40 {
            let y = *b.get(i + 1)? as usize;
            (Op::XZero((((x & 0x3f) as usize) << 8 | y) + 1), 2)
        } else {
            (Op::Val(((x >> 2) & 0x1f) + 1, (x & 3) as usize + 1), 1)
        })
    }

    fn span(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) | Op::Val(_, n) => n,
        }
    }
}

/// Every register of a sketch, one byte each.
pub fn registers(b: &[u8]) -> Result<Vec<u8>, Corrupt> {
    let mut out = vec![0u8; REGISTERS];
    merge_into(b, &mut out)?;
    Ok(out)
}

/// `max[i] = max(max[i], register i)` for every register (PFMERGE and
/// multi-key PFCOUNT).
pub fn merge_into(b: &[u8], max: &mut [u8]) -> Result<(), Corrupt> {
    if b[4] == DENSE {
        let regs = &b[HDR..];
        for (i, m) in max.iter_mut().enumerate().take(REGISTERS) {
            *m = (*m).max(dense_get(regs, i));
        }
        return Ok(());
    }
    let (mut i, mut reg) = (HDR, 0usize);
    while i < b.len() {
        let (op, len) = Op::at(b, i).ok_or(Corrupt)?;
        let span = op.span();
        if reg + span > REGISTERS {
            return Err(Corrupt);
        }
        if let Op::Val(v, n) = op {
            for m in &mut max[reg..reg + n] {
                *m = (*m).max(v);
            }
        }
        reg += span;
        i += len;
    }
    if reg == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Rewrites a sparse sketch as dense (same header, cache included).
pub fn to_dense(b: &mut Vec<u8>) -> Result<(), Corrupt> {
    if b[4] == DENSE {
        return Ok(());
    }
    let regs = registers(b)?;
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR].copy_from_slice(&b[..HDR]);
    dense[4] = DENSE;
    for (i, &v) in regs.iter().enumerate() {
        if v != 0 {
            dense_set(&mut dense[HDR..], i, v);
        }
    }
    *b = dense;
    Ok(())
}

/// Raises register `index` to `count` if lower. Ok(true) when it changed.
/// A sparse sketch may turn dense (`sparse_max`: hll-sparse-max-bytes).
pub fn set_register(
    b: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max: usize,
) -> Result<bool, Corrupt> {
    if b[4] == DENSE {
        let regs = &mut b[HDR..];
        if dense_get(regs, index) >= count {
            return Ok(false);
        }
        dense_set(regs, index, count);
        return Ok(true);
    }
    if count > VAL_MAX_VALUE {
        to_dense(b)?;
        return set_register(b, index, count, sparse_max);
    }
    // Find the opcode covering `index`, remembering the one before it.
    let (mut p, mut first, mut prev) = (HDR, 0usize, None);
    let (op, oplen) = loop {
        let (op, len) = Op::at(b, p).ok_or(Corrupt)?;
        if op.span() == 0 {
            return Err(Corrupt);
        }
        if index < first + op.span() {
            break (op, len);
        }
        prev = Some(p);
        p += len;
        first += op.span();
    };
    let last = first + op.span() - 1;
    match op {
        Op::Val(v, _) if v >= count => return Ok(false),
        Op::Val(_, 1) | Op::Zero(1) => {
            b[p] = val_op(count, 1);
        }
        _ => {
            // Split the opcode into up to three: before, ours, after.
            let mut seq: Vec<u8> = Vec::with_capacity(5);
            let zero_run = |seq: &mut Vec<u8>, n: usize| {
                if n > ZERO_MAX {
                    push_xzero(seq, n);
                } else {
                    seq.push(zero_op(n));
                }
            };
            match op {
                Op::Val(cur, _) => {
                    if index != first {
                        seq.push(val_op(cur, index - first));
                    }
                    seq.push(val_op(count, 1));
                    if index != last {
                        seq.push(val_op(cur, last - index));
                    }
                }
                _ => {
                    if index != first {
                        zero_run(&mut seq, index - first);
                    }
                    seq.push(val_op(count, 1));
                    if index != last {
                        zero_run(&mut seq, last - index);
                    }
                }
            }
            if seq.len() > oplen && b.len() + seq.len() - oplen > sparse_max {
                to_dense(b)?;
                return set_register(b, index, count, sparse_max);
            }
            b.splice(p..p + oplen, seq);
        }
    }
    // Merge adjacent VAL opcodes of equal value, scanning up to five
    // opcodes from the one before the change.
    let mut q = prev.unwrap_or(HDR);
    let mut budget = 5;
    while q < b.len() && budget > 0 {
        budget -= 1;
        let (op, len) = Op::at(b, q).ok_or(Corrupt)?;
        let Op::Val(v1, n1) = op else {
            q += len;
            continue;
        };
        if let Some((Op::Val(v2, n2), _)) = Op::at(b, q + 1)
            && v1 == v2
            && n1 + n2 <= VAL_MAX_LEN
        {
            b[q + 1] = val_op(v1, n1 + n2);
            b.remove(q);
            continue;
        }
        q += 1;
    }
    Ok(true)
}

/// Adds one element. Ok(true) when a register changed.
pub fn add(b: &mut Vec<u8>, ele: &[u8], sparse_max: usize) -> Result<bool, Corrupt> {
    let (index, count) = pattern(ele);
    set_register(b, index, count, sparse_max)
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// The cardinality estimate of a full register array.
pub fn count_registers(regs: &[u8]) -> u64 {
    let mut histo = [0u32; 64];
    for &r in regs {
        histo[r as usize & 63] += 1;
    }
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histo[Q as usize + 1] as f64) / m);
    for j in (1..=Q as usize).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// The cardinality estimate of a sketch.
pub fn count(b: &[u8]) -> Result<u64, Corrupt> {
    Ok(count_registers(&registers(b)?))
}

/// PFSELFTEST: checks the dense register packing with random values, then
/// adds `elements` (Redis: 10M) distinct elements to a sparse sketch (promoted to dense past
/// `sparse_max`, as any sketch is) and to a dense one side by side, and at
/// 1, 10, 100, ... elements checks that the sparse one is still sparse
/// while small, that both estimate the same, and that the estimate is
/// within six standard errors (one for 10 elements, where a collision is
/// statistically likely). The error names the first failed check, with
/// Redis's wording.
pub fn selftest(sparse_max: usize, seed: u64, elements: u64) -> Result<(), String> {
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Registers: packed 6-bit values read back as written.
    let mut regs = vec![0u8; DENSE_SIZE - HDR];
    let mut want = vec![0u8; REGISTERS];
    for _ in 0..16 {
        for (j, w) in want.iter_mut().enumerate() {
            *w = (next() & u64::from(REGISTER_MAX)) as u8;
            dense_set(&mut regs, j, *w);
        }
        if let Some(j) = (0..REGISTERS).find(|&j| dense_get(&regs, j) != want[j]) {
            return Err(format!("TESTFAILED Register error at {j}"));
        }
    }
    // Estimates.
    let corrupt = |_| "TESTFAILED corrupted sketch".to_string();
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut sparse = new_sparse();
    let mut dense = new_sparse();
    to_dense(&mut dense).map_err(corrupt)?;
    let base = next();
    let mut checkpoint = 1u64;
    for j in 1..=elements {
        let ele = (j ^ base).to_le_bytes();
        add(&mut sparse, &ele, sparse_max).map_err(corrupt)?;
        add(&mut dense, &ele, sparse_max).map_err(corrupt)?;
        if j != checkpoint {
            continue;
        }
        if (j as usize) < sparse_max / 2 && sparse[4] != SPARSE {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let card = count(&dense).map_err(corrupt)?;
        if count(&sparse).map_err(corrupt)? != card {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let abserr = checkpoint.abs_diff(card);
        let maxerr = if j == 10 {
            1
        } else {
            (relerr * 6.0 * checkpoint as f64).ceil() as u64
        };
        if abserr > maxerr {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{abserr}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selftest_passes_sparse_and_dense() {
        for seed in [1, 0x9E37_79B9_7F4A_7C15, 12345] {
            assert_eq!(selftest(3000, seed, 100_000), Ok(()));
            // A sketch that is dense from its first element on.
            assert_eq!(selftest(0, seed, 100_000), Ok(()));
        }
    }

    #[test]
    fn murmur_matches_reference_vectors() {
        // MurmurHash64A of the empty input with seed 0 is 0.
        assert_eq!(murmur64a(b"", 0), 0);
        // Tail-only and full-block inputs take different paths; both must
        // be stable.
        assert_ne!(murmur64a(b"a", 0xadc8_3b19), murmur64a(b"b", 0xadc8_3b19));
        assert_ne!(murmur64a(b"abcdefgh", 1), murmur64a(b"abcdefgi", 1));
    }

    #[test]
    fn sparse_and_dense_agree() {
        let mut s = new_sparse();
        assert_eq!(s.len(), HDR + 2);
        for i in 0..2000 {
            add(&mut s, format!("e{i}").as_bytes(), 100_000).unwrap();
        }
        assert_eq!(s[4], SPARSE);
        let mut d = s.clone();
        to_dense(&mut d).unwrap();
        assert_eq!(d.len(), DENSE_SIZE);
        assert_eq!(registers(&s).unwrap(), registers(&d).unwrap());
        let c = count(&s).unwrap();
        assert!((1900..2100).contains(&c), "{c}");
        // Setting through the dense path gives the same registers.
        for i in 2000..3000 {
            let e = format!("e{i}");
            add(&mut s, e.as_bytes(), 100_000).unwrap();
            add(&mut d, e.as_bytes(), 100_000).unwrap();
        }
        assert_eq!(registers(&s).unwrap(), registers(&d).unwrap());
    }

    #[test]
    fn sparse_limit_promotes_and_corruption_is_detected() {
        let mut s = new_sparse();
        for i in 0..5000 {
            add(&mut s, format!("x{i}").as_bytes(), 3000).unwrap();
        }
        assert_eq!(s[4], DENSE);
        let mut bad = new_sparse();
        bad.pop();
        bad.pop();
        bad.push(0x00);
        assert_eq!(registers(&bad), Err(Corrupt));
        assert_eq!(count(&bad), Err(Corrupt));
    }

    #[test]
    fn empty_sketch_counts_zero() {
        assert_eq!(count(&new_sparse()).unwrap(), 0);
        assert!(is_valid(&new_sparse()));
        assert!(!is_valid(b"HYLL"));
    }
}
