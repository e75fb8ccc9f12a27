//! The ordered index of big sorted sets: ember's counted B+tree
//! (`ember::types::zset::OrderIndex`) against a reference skiplist built the
//! way Redis builds its own (levels with spans, p = 1/4, 32 levels, a
//! backward pointer), for the operations sorted sets lean on: insert,
//! delete, rank, and a range by score (first element >= a bound, then ten
//! elements), at 10k, 100k and 1M members. Both hold `(f64, Box<[u8]>)`.
//! The table at the top of src/types/zset.rs comes from this bench.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ember::types::zset::{Elem, OrderIndex};

/// Operations timed per iteration.
const BATCH: usize = 1000;
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn score(&mut self) -> f64 {
        (self.next() % 1_000_000_000) as f64
    }
}

fn member(i: usize) -> Box<[u8]> {
    format!("member:{i:010}").into_bytes().into_boxed_slice()
}

// ---------------------------------------------------------------------------
// Reference skiplist (Redis's algorithm over an arena)
// ---------------------------------------------------------------------------

const NIL: u32 = u32::MAX;
const MAX_LEVEL: usize = 32;

#[derive(Clone, Copy)]
struct Level {
    fwd: u32,
    span: u32,
}

/// Levels stored inside the node (like Redis's flexible array member);
/// the rare taller nodes (1 in 256) keep the rest in `upper`.
const INLINE_LEVELS: usize = 4;

struct SNode {
    score: f64,
    member: Box<[u8]>,
    back: u32,
    levels: [Level; INLINE_LEVELS],
    upper: Vec<Level>,
}

impl SNode {
    fn new(score: f64, member: Box<[u8]>, back: u32, height: usize) -> SNode {
        let blank = Level { fwd: NIL, span: 0 };
        SNode {
            score,
            member,
            back,
            levels: [blank; INLINE_LEVELS],
            upper: vec![blank; height.saturating_sub(INLINE_LEVELS)],
        }
    }

    #[inline]
    fn lv(&self, i: usize) -> Level {
        if i < INLINE_LEVELS {
            self.levels[i]
        } else {
            self.upper[i - INLINE_LEVELS]
        }
    }

    #[inline]
    fn lv_mut(&mut self, i: usize) -> &mut Level {
        if i < INLINE_LEVELS {
            &mut self.levels[i]
        } else {
            &mut self.upper[i - INLINE_LEVELS]
        }
    }
}

struct SkipList {
    nodes: Vec<SNode>,
    free: Vec<u32>,
    level: usize,
    len: usize,
    rng: Rng,
}

fn before(n: &SNode, score: f64, member: &[u8]) -> bool {
    n.score < score || (n.score == score && *n.member < *member)
}

// The level loops index several parallel arrays, as Redis's C does.
#[allow(clippy::needless_range_loop)]
impl SkipList {
    fn new() -> Self {
        let head = SNode::new(0.0, Box::new([]), NIL, MAX_LEVEL);
        SkipList {
            nodes: vec![head],
            free: Vec::new(),
            level: 1,
            len: 0,
            rng: Rng(0x2545_f491_4f6c_dd1d),
        }
    }

    fn random_level(&mut self) -> usize {
        let mut l = 1;
        while l < MAX_LEVEL && self.rng.next() & 0xFFFF < 0x4000 {
            l += 1;
        }
        l
    }

    fn insert(&mut self, score: f64, member: Box<[u8]>) {
        let mut update = [0u32; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = 0u32;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let l = self.nodes[x as usize].lv(i);
                if l.fwd != NIL && before(&self.nodes[l.fwd as usize], score, &member) {
                    rank[i] += l.span;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = 0;
                self.nodes[0].lv_mut(i).span = self.len as u32;
            }
            self.level = level;
        }
        let node = SNode::new(
            score,
            member,
            if update[0] == 0 { NIL } else { update[0] },
            level,
        );
        let id = match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        for i in 0..level {
            let u = update[i] as usize;
            let ul = self.nodes[u].lv(i);
            *self.nodes[id as usize].lv_mut(i) = Level {
                fwd: ul.fwd,
                span: ul.span - (rank[0] - rank[i]),
            };
            *self.nodes[u].lv_mut(i) = Level {
                fwd: id,
                span: rank[0] - rank[i] + 1,
            };
        }
        for i in level..self.level {
            self.nodes[update[i] as usize].lv_mut(i).span += 1;
        }
        let next = self.nodes[id as usize].lv(0).fwd;
        if next != NIL {
            self.nodes[next as usize].back = id;
        }
        self.len += 1;
    }

    fn delete(&mut self, score: f64, member: &[u8]) -> bool {
        let mut update = [0u32; MAX_LEVEL];
        let mut x = 0u32;
        for i in (0..self.level).rev() {
            loop {
                let f = self.nodes[x as usize].lv(i).fwd;
                if f != NIL && before(&self.nodes[f as usize], score, member) {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let id = self.nodes[x as usize].lv(0).fwd;
        if id == NIL
            || self.nodes[id as usize].score != score
            || *self.nodes[id as usize].member != *member
        {
            return false;
        }
        for i in 0..self.level {
            let u = update[i] as usize;
            if self.nodes[u].lv(i).fwd == id {
                let nl = self.nodes[id as usize].lv(i);
                let l = self.nodes[u].lv_mut(i);
                l.span += nl.span - 1;
                l.fwd = nl.fwd;
            } else {
                self.nodes[u].lv_mut(i).span -= 1;
            }
        }
        let next = self.nodes[id as usize].lv(0).fwd;
        if next != NIL {
            self.nodes[next as usize].back = self.nodes[id as usize].back;
        }
        while self.level > 1 && self.nodes[0].lv(self.level - 1).fwd == NIL {
            self.level -= 1;
        }
        self.nodes[id as usize].member = Box::new([]);
        self.nodes[id as usize].upper = Vec::new();
        self.free.push(id);
        self.len -= 1;
        true
    }

    /// 1-based rank, 0 when absent (zslGetRank).
    fn rank(&self, score: f64, member: &[u8]) -> usize {
        let mut rank = 0usize;
        let mut x = 0u32;
        for i in (0..self.level).rev() {
            loop {
                let l = self.nodes[x as usize].lv(i);
                if l.fwd == NIL {
                    break;
                }
                let n = &self.nodes[l.fwd as usize];
                if n.score < score || (n.score == score && *n.member <= *member) {
                    rank += l.span as usize;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            if x != 0 && *self.nodes[x as usize].member == *member {
                return rank;
            }
        }
        0
    }

    /// The first node with score >= min, then `n` steps forward; returns a
    /// checksum of the visited scores.
    fn range_from(&self, min: f64, n: usize) -> f64 {
        let mut x = 0u32;
        for i in (0..self.level).rev() {
            loop {
                let f = self.nodes[x as usize].lv(i).fwd;
                if f != NIL && self.nodes[f as usize].score < min {
                    x = f;
                } else {
                    break;
                }
            }
        }
        let mut sum = 0.0;
        let mut cur = self.nodes[x as usize].lv(0).fwd;
        for _ in 0..n {
            if cur == NIL {
                break;
            }
            let node = &self.nodes[cur as usize];
            sum += node.score + node.member.len() as f64;
            cur = node.lv(0).fwd;
        }
        sum
    }
}

// ---------------------------------------------------------------------------
// The common interface
// ---------------------------------------------------------------------------

trait Ordered {
    fn build(elems: &[(f64, usize)]) -> Self;
    fn ins(&mut self, score: f64, m: Box<[u8]>);
    fn del(&mut self, score: f64, m: &[u8]) -> bool;
    fn rank_of(&self, score: f64, m: &[u8]) -> usize;
    fn range(&self, min: f64, n: usize) -> f64;
}

impl Ordered for OrderIndex {
    fn build(elems: &[(f64, usize)]) -> Self {
        let mut t = OrderIndex::new();
        for &(s, i) in elems {
            t.insert(Elem {
                score: s,
                member: member(i).into(),
            });
        }
        t
    }

    fn ins(&mut self, score: f64, m: Box<[u8]>) {
        self.insert(Elem {
            score,
            member: m.into(),
        });
    }

    fn del(&mut self, score: f64, m: &[u8]) -> bool {
        self.remove(score, m).is_some()
    }

    fn rank_of(&self, score: f64, m: &[u8]) -> usize {
        self.rank(score, m).map_or(0, |r| r + 1)
    }

    fn range(&self, min: f64, n: usize) -> f64 {
        let lo = self.count_before(|s, _| s < min);
        let mut sum = 0.0;
        self.for_range(lo, lo + n, false, |e| {
            sum += e.score + e.member.len() as f64
        });
        sum
    }
}

impl Ordered for SkipList {
    fn build(elems: &[(f64, usize)]) -> Self {
        let mut s = SkipList::new();
        for &(sc, i) in elems {
            s.insert(sc, member(i));
        }
        s
    }

    fn ins(&mut self, score: f64, m: Box<[u8]>) {
        self.insert(score, m);
    }

    fn del(&mut self, score: f64, m: &[u8]) -> bool {
        self.delete(score, m)
    }

    fn rank_of(&self, score: f64, m: &[u8]) -> usize {
        self.rank(score, m)
    }

    fn range(&self, min: f64, n: usize) -> f64 {
        self.range_from(min, n)
    }
}

/// `n` elements with random scores and members 0..n.
fn population(n: usize) -> Vec<(f64, usize)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    (0..n).map(|i| (rng.score(), i)).collect()
}

fn run<T: Ordered>(c: &mut Criterion, name: &str) {
    for &n in &SIZES {
        let pop = population(n);
        let mut s = T::build(&pop);
        let mut rng = Rng(42);
        let extra: Vec<(f64, usize)> = (0..BATCH).map(|i| (rng.score(), n + i)).collect();
        let probes: Vec<(f64, usize)> = (0..BATCH)
            .map(|_| pop[(rng.next() % n as u64) as usize])
            .collect();
        let members: Vec<Box<[u8]>> = probes.iter().map(|&(_, i)| member(i)).collect();

        let mut g = c.benchmark_group(format!("zset_index/{name}"));
        g.throughput(Throughput::Elements(BATCH as u64));
        g.sample_size(10);
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(2));

        g.bench_function(BenchmarkId::new("insert", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let boxed: Vec<Box<[u8]>> = extra.iter().map(|&(_, i)| member(i)).collect();
                    let t = Instant::now();
                    for (&(sc, _), m) in extra.iter().zip(boxed) {
                        s.ins(sc, m);
                    }
                    total += t.elapsed();
                    for &(sc, i) in &extra {
                        s.del(sc, &member(i));
                    }
                }
                total
            })
        });
        g.bench_function(BenchmarkId::new("delete", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    for &(sc, i) in &extra {
                        s.ins(sc, member(i));
                    }
                    let keys: Vec<Box<[u8]>> = extra.iter().map(|&(_, i)| member(i)).collect();
                    let t = Instant::now();
                    for (&(sc, _), m) in extra.iter().zip(&keys) {
                        black_box(s.del(sc, m));
                    }
                    total += t.elapsed();
                }
                total
            })
        });
        g.bench_function(BenchmarkId::new("rank", n), |b| {
            b.iter(|| {
                let mut acc = 0;
                for (&(sc, _), m) in probes.iter().zip(&members) {
                    acc += s.rank_of(sc, m);
                }
                black_box(acc)
            })
        });
        g.bench_function(BenchmarkId::new("range_by_score_10", n), |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for &(sc, _) in &probes {
                    acc += s.range(sc, 10);
                }
                black_box(acc)
            })
        });
        g.finish();
    }
}

/// Both structures must agree before their timings mean anything.
fn cross_check() {
    let pop = population(20_000);
    let mut t = OrderIndex::build(&pop);
    let mut s = SkipList::build(&pop);
    for (k, &(sc, i)) in pop.iter().enumerate().step_by(7) {
        let m = member(i);
        assert_eq!(t.rank_of(sc, &m), s.rank_of(sc, &m));
        assert_eq!(t.range(sc, 10), s.range(sc, 10));
        if k % 3 == 0 {
            assert!(t.del(sc, &m) && s.del(sc, &m));
        }
    }
    for &(sc, i) in pop.iter().step_by(5) {
        assert_eq!(t.rank_of(sc, &member(i)), s.rank_of(sc, &member(i)));
    }
}

fn bench_index(c: &mut Criterion) {
    cross_check();
    run::<OrderIndex>(c, "btree");
    run::<SkipList>(c, "skiplist");
}

criterion_group!(benches, bench_index);
criterion_main!(benches);
