//! Memory policy for the keyspace: the per-key access clock (LRU) or
//! frequency counter (LFU) kept in the 24 metadata bits of each dict entry,
//! the eviction pool, and the eviction loop that frees keys until used
//! memory is back under `maxmemory`, following the configured
//! `maxmemory-policy` as Redis does. Knows nothing of commands or clients:
//! the caller says how much memory is in use.

use super::{Keyspace, notify};
use crate::config::Config;
use std::time::{Duration, Instant};

/// `maxmemory-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    NoEviction,
    AllKeysLru,
    AllKeysLfu,
    AllKeysRandom,
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
}

impl Policy {
    /// The policy named `name` (as the config registry validated it);
    /// anything else is noeviction.
    pub fn from_name(name: &str) -> Policy {
        match name {
            "allkeys-lru" => Policy::AllKeysLru,
            "allkeys-lfu" => Policy::AllKeysLfu,
            "allkeys-random" => Policy::AllKeysRandom,
            "volatile-lru" => Policy::VolatileLru,
            "volatile-lfu" => Policy::VolatileLfu,
            "volatile-random" => Policy::VolatileRandom,
            "volatile-ttl" => Policy::VolatileTtl,
            _ => Policy::NoEviction,
        }
    }

    /// Keys keep an LFU counter (instead of an LRU clock) under this policy.
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }

    /// Keys keep an LRU clock that RDB files record (Redis's
    /// MAXMEMORY_FLAG_LRU: the two -lru policies).
    pub fn is_lru(self) -> bool {
        matches!(self, Policy::AllKeysLru | Policy::VolatileLru)
    }

    /// Only keys with a TTL may be evicted.
    pub fn volatile_only(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }
}

/// The eviction settings the keyspace acts on, copied from the config at
/// start-up and on CONFIG SET (read on every command, so kept flat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvictConfig {
    pub policy: Policy,
    /// `maxmemory-samples`: keys sampled per database per pool refill.
    pub samples: usize,
    /// `maxmemory-eviction-tenacity` (0-100): time allowed per eviction run.
    pub tenacity: u32,
    /// `lfu-log-factor`: how slowly the LFU counter grows.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time`: minutes per decrement of an idle key's counter (0: never).
    pub lfu_decay_time: u32,
}

impl Default for EvictConfig {
    fn default() -> Self {
        EvictConfig {
            policy: Policy::NoEviction,
            samples: 5,
            tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
        }
    }
}

impl EvictConfig {
    pub fn from_config(c: &Config) -> EvictConfig {
        let int = |name: &str, default: u32| {
            c.get_int(name)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(default)
        };
        let d = EvictConfig::default();
        EvictConfig {
            policy: Policy::from_name(&c.maxmemory_policy),
            samples: int("maxmemory-samples", d.samples as u32).max(1) as usize,
            tenacity: int("maxmemory-eviction-tenacity", d.tenacity),
            lfu_log_factor: int("lfu-log-factor", d.lfu_log_factor),
            lfu_decay_time: int("lfu-decay-time", d.lfu_decay_time),
        }
    }

    /// Time one eviction run may take before it yields (Redis's
    /// evictionTimeLimitUs: 50us per tenacity step up to 10, then growing by
    /// 15% per step; 100 means no limit).
    pub fn time_limit(&self) -> Option<Duration> {
        let t = self.tenacity.min(100);
        if t >= 100 {
            return None;
        }
        let us = if t <= 10 {
            50.0 * f64::from(t)
        } else {
            500.0 * 1.15f64.powi(t as i32 - 10)
        };
        Some(Duration::from_micros(us as u64))
    }
}

// ---- the per-key clock and counter ------------------------------------------------------

/// The LRU clock wraps at 24 bits of seconds (about 194 days), as Redis's.
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
/// The counter a new key starts with under LFU, so it is not evicted before
/// it had a chance to be used (Redis LFU_INIT_VAL).
pub const LFU_INIT_VAL: u8 = 5;

/// The LRU clock at `now_ms`: seconds, 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms.max(0) / 1000) as u64 & u64::from(LRU_CLOCK_MAX)) as u32
}

/// Milliseconds since the access recorded in `meta` (an LRU clock), at
/// one-second resolution, allowing for one wrap of the clock.
pub fn idle_ms(meta: u32, now_ms: i64) -> u64 {
    let now = lru_clock(now_ms);
    let then = meta & LRU_CLOCK_MAX;
    let secs = if now >= then {
        now - then
    } else {
        LRU_CLOCK_MAX - then + now
    };
    u64::from(secs) * 1000
}

/// The LFU decay clock at `now_ms`: minutes, 16 bits.
fn lfu_minutes(now_ms: i64) -> u32 {
    ((now_ms.max(0) / 60_000) as u64 & 0xFFFF) as u32
}

/// An LFU `meta` word: the last decrement time (minutes) above an 8-bit counter.
fn lfu_meta(minutes: u32, counter: u8) -> u32 {
    ((minutes & 0xFFFF) << 8) | u32::from(counter)
}

/// The counter in `meta` after decaying it by one per `decay_time` minutes
/// elapsed since its last update (no decay when `decay_time` is 0).
pub fn lfu_counter(meta: u32, now_ms: i64, decay_time: u32) -> u8 {
    let counter = (meta & 0xFF) as u8;
    if decay_time == 0 {
        return counter;
    }
    let then = (meta >> 8) & 0xFFFF;
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= then {
        now - then
    } else {
        0x1_0000 - then + now
    };
    let periods = elapsed / decay_time;
    counter.saturating_sub(periods.min(255) as u8)
}

/// One logarithmic increment: the higher the counter (above the initial
/// value), the less likely an access raises it. `r` is a random u64.
pub fn lfu_log_incr(counter: u8, log_factor: u32, r: u64) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    let draw = (r >> 11) as f64 / (1u64 << 53) as f64;
    if draw < p { counter + 1 } else { counter }
}

/// The metadata of a key created at `now_ms`.
pub fn fresh_meta(cfg: &EvictConfig, now_ms: i64) -> u32 {
    if cfg.policy.is_lfu() {
        lfu_meta(lfu_minutes(now_ms), LFU_INIT_VAL)
    } else {
        lru_clock(now_ms)
    }
}

/// The metadata of a key accessed at `now_ms` (`r` random for the LFU draw).
pub fn touched_meta(meta: u32, cfg: &EvictConfig, now_ms: i64, r: u64) -> u32 {
    if cfg.policy.is_lfu() {
        let counter = lfu_counter(meta, now_ms, cfg.lfu_decay_time);
        let counter = lfu_log_incr(counter, cfg.lfu_log_factor, r);
        lfu_meta(lfu_minutes(now_ms), counter)
    } else {
        lru_clock(now_ms)
    }
}

/// Metadata for a key loaded or restored with an idle time (seconds), as
/// Redis's objectSetLRUOrLFU: ignored under LFU.
pub fn meta_with_idle(cfg: &EvictConfig, idle_secs: u64, now_ms: i64) -> Option<u32> {
    if cfg.policy.is_lfu() {
        return None;
    }
    let now = lru_clock(now_ms);
    let idle = (idle_secs % u64::from(LRU_CLOCK_MAX + 1)) as u32;
    Some(if idle <= now {
        now - idle
    } else {
        LRU_CLOCK_MAX - (idle - now)
    })
}

/// Metadata for a key loaded or restored with an LFU frequency; ignored
/// unless the policy is LFU.
pub fn meta_with_freq(cfg: &EvictConfig, freq: u8, now_ms: i64) -> Option<u32> {
    cfg.policy
        .is_lfu()
        .then(|| lfu_meta(lfu_minutes(now_ms), freq))
}

// ---- the eviction pool ------------------------------------------------------------------

/// Candidates kept between eviction rounds (Redis EVPOOL_SIZE).
pub const POOL_SIZE: usize = 16;

/// The best eviction candidates seen so far, kept in ascending order of
/// score (idle time, inverse frequency or inverse expiry: higher = evict
/// sooner). Sampling a few keys per round and keeping the best of many
/// rounds approximates true LRU/LFU much better than the sample alone.
#[derive(Debug, Default)]
pub struct EvictionPool {
    entries: Vec<Candidate>,
}

#[derive(Debug)]
struct Candidate {
    score: u64,
    db: usize,
    key: Box<[u8]>,
}

impl EvictionPool {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Considers `key` with `score`: kept if the pool has room or the score
    /// beats the worst candidate (which then drops out). A key already in the
    /// pool has its score updated.
    pub fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        if let Some(i) = self
            .entries
            .iter()
            .position(|c| c.db == db && *c.key == *key)
        {
            self.entries.remove(i);
        } else if self.entries.len() == POOL_SIZE {
            if score <= self.entries[0].score {
                return;
            }
            self.entries.remove(0);
        }
        let at = self.entries.partition_point(|c| c.score <= score);
        self.entries.insert(
            at,
            Candidate {
                score,
                db,
                key: key.into(),
            },
        );
    }

    /// Takes the candidate with the highest score.
    pub fn pop_best(&mut self) -> Option<(usize, Box<[u8]>)> {
        self.entries.pop().map(|c| (c.db, c.key))
    }

    /// Forgets every candidate (FLUSHALL, policy changes).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

// ---- the eviction loop ------------------------------------------------------------------

/// Outcome of [`Keyspace::perform_evictions`] (Redis's EVICT_OK / RUNNING / FAIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evict {
    /// Under the limit (or no limit).
    Ok,
    /// Still over the limit, but the run's time budget is spent; the next
    /// command or cron tick continues.
    Running,
    /// Over the limit and nothing (more) can be evicted.
    Fail,
}

/// Keys evicted between two checks of the time budget.
const KEYS_PER_TIME_CHECK: usize = 16;

impl Keyspace {
    /// Evicts keys under the configured policy until `used(self)` (the memory
    /// counted toward the limit) is at most `maxmemory`, or the time budget
    /// runs out, or nothing evictable is left.
    pub fn perform_evictions(&mut self, maxmemory: u64, used: &dyn Fn(&Keyspace) -> u64) -> Evict {
        // Nothing is evicted while clients are paused (the dataset stays
        // static); commands then run as if memory were available, as in Redis.
        if maxmemory == 0 || self.paused {
            return Evict::Ok;
        }
        let mut now_used = used(self);
        if now_used <= maxmemory {
            return Evict::Ok;
        }
        if self.evict.policy == Policy::NoEviction {
            return Evict::Fail;
        }
        let start = Instant::now();
        let limit = self.evict.time_limit();
        let mut evicted = 0usize;
        while now_used > maxmemory {
            let Some((db, key)) = self.pick_victim() else {
                return Evict::Fail;
            };
            self.evict_key(db, &key);
            evicted += 1;
            now_used = used(self);
            if evicted.is_multiple_of(KEYS_PER_TIME_CHECK)
                && limit.is_some_and(|l| start.elapsed() > l)
                && now_used > maxmemory
            {
                return Evict::Running;
            }
        }
        Evict::Ok
    }

    /// Deletes an evicted key with the epilogue Redis runs for it: the
    /// counter, the `evicted` event and WATCH invalidation (not a change for
    /// persistence).
    fn evict_key(&mut self, db: usize, key: &[u8]) {
        let d = &mut self.dbs[db];
        // The TTL goes even if the key were somehow missing, so a stray
        // expires entry cannot be picked forever.
        d.expires.remove(key);
        if d.main.remove(key).is_none() {
            return;
        }
        self.stats.evicted_keys += 1;
        // Logged as a DEL like an expired key (Redis propagates evictions).
        if self.log_expired {
            self.expired_log.push((db, key.to_vec()));
        }
        self.notify(notify::EVICTED, "evicted", db, key); // notify
        self.key_changed(db, key);
    }

    /// The next key to evict under the policy, or None when no database
    /// holds an evictable key.
    fn pick_victim(&mut self) -> Option<(usize, Box<[u8]>)> {
        let policy = self.evict.policy;
        match policy {
            Policy::NoEviction => None,
            Policy::AllKeysRandom | Policy::VolatileRandom => {
                let n = self.dbs.len();
                for _ in 0..n {
                    let db = self.evict_next_db % n;
                    self.evict_next_db = self.evict_next_db.wrapping_add(1);
                    let rng = &mut self.rng;
                    let d = &self.dbs[db];
                    let mut rand = || super::next_rand(rng);
                    let key = if policy.volatile_only() {
                        d.expires.random_entry(&mut rand).map(|e| e.0)
                    } else {
                        d.main.random_entry(&mut rand).map(|e| e.0)
                    };
                    if let Some(key) = key {
                        return Some((db, key.into()));
                    }
                }
                None
            }
            _ => loop {
                if !self.fill_pool() {
                    return None;
                }
                while let Some((db, key)) = self.pool.pop_best() {
                    let d = &self.dbs[db];
                    let live = if policy.volatile_only() {
                        d.expires.contains_key(&key)
                    } else {
                        d.main.contains_key(&key)
                    };
                    if live {
                        return Some((db, key));
                    }
                }
            },
        }
    }

    /// Samples every database and offers the keys to the pool; false when no
    /// database holds an evictable key.
    fn fill_pool(&mut self) -> bool {
        let cfg = self.evict;
        let now = self.clock_ms;
        let mut any = false;
        for db in 0..self.dbs.len() {
            let rng = &mut self.rng;
            let pool = &mut self.pool;
            let d = &self.dbs[db];
            let mut rand = || super::next_rand(rng);
            let score_meta = |meta: u32| -> u64 {
                if cfg.policy.is_lfu() {
                    u64::from(u8::MAX - lfu_counter(meta, now, cfg.lfu_decay_time))
                } else {
                    idle_ms(meta, now)
                }
            };
            let n = if cfg.policy.volatile_only() {
                d.expires.sample(cfg.samples, &mut rand, |e| {
                    let score = if cfg.policy == Policy::VolatileTtl {
                        u64::MAX - (*e.value()).max(0) as u64
                    } else {
                        match d.main.entry(e.key()) {
                            Some(m) => score_meta(m.meta()),
                            None => return,
                        }
                    };
                    pool.offer(score, db, e.key());
                })
            } else {
                d.main.sample(cfg.samples, &mut rand, |e| {
                    pool.offer(score_meta(e.meta()), db, e.key())
                })
            };
            any |= n > 0;
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{StrValue, Value};

    fn s(v: &str) -> Value {
        Value::Str(StrValue::from_bytes(v.as_bytes()))
    }

    #[test]
    fn lru_clock_and_idle_time_wrap() {
        assert_eq!(lru_clock(5_999), 5);
        assert_eq!(idle_ms(lru_clock(10_000), 12_500), 2000);
        // The clock wrapped between the access and now.
        let last = lru_clock(i64::from(LRU_CLOCK_MAX) * 1000);
        assert_eq!(last, LRU_CLOCK_MAX);
        let after_wrap = (i64::from(LRU_CLOCK_MAX) + 4) * 1000;
        assert_eq!(idle_ms(last, after_wrap), 3000);
    }

    #[test]
    fn lfu_counter_grows_logarithmically_and_decays() {
        let cfg = EvictConfig {
            policy: Policy::AllKeysLfu,
            ..EvictConfig::default()
        };
        let mut meta = fresh_meta(&cfg, 0);
        assert_eq!(lfu_counter(meta, 0, 1), LFU_INIT_VAL);
        // Deterministic draws: a draw of 0 always increments.
        assert_eq!(lfu_log_incr(5, 10, 0), 6);
        assert_eq!(lfu_log_incr(255, 10, 0), 255);
        // A draw of ~1 never increments above the initial value...
        assert_eq!(lfu_log_incr(20, 10, u64::MAX), 20);
        // ...but always increments at or below it (p = 1).
        assert_eq!(lfu_log_incr(3, 10, u64::MAX), 4);
        // Many accesses: the counter grows, slower and slower.
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut rand = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..100 {
            meta = touched_meta(meta, &cfg, 0, rand());
        }
        let after_100 = lfu_counter(meta, 0, 1);
        for _ in 0..100_000 {
            meta = touched_meta(meta, &cfg, 0, rand());
        }
        let after_100k = lfu_counter(meta, 0, 1);
        // Redis documents ~10 after 100 hits and ~142 after 100k at factor 10.
        assert!((7..=15).contains(&after_100), "{after_100}");
        assert!((110..=180).contains(&after_100k), "{after_100k}");
        // One decrement per decay period; none when decay is off.
        assert_eq!(lfu_counter(meta, 3 * 60_000, 1), after_100k - 3);
        assert_eq!(lfu_counter(meta, 10 * 60_000, 5), after_100k - 2);
        assert_eq!(lfu_counter(meta, 10 * 60_000, 0), after_100k);
        // The decay clock wraps at 16 bits of minutes.
        let late = lfu_meta(0xFFFF, 50);
        assert_eq!(lfu_counter(late, 0x1_0002 * 60_000, 1), 47);
    }

    #[test]
    fn idle_and_freq_restore_into_meta() {
        let lru = EvictConfig::default();
        let lfu = EvictConfig {
            policy: Policy::VolatileLfu,
            ..lru
        };
        let now = 1_000_000_000;
        let m = meta_with_idle(&lru, 120, now).unwrap();
        assert_eq!(idle_ms(m, now), 120_000);
        assert_eq!(meta_with_idle(&lfu, 120, now), None);
        let m = meta_with_freq(&lfu, 77, now).unwrap();
        assert_eq!(lfu_counter(m, now, 1), 77);
        assert_eq!(meta_with_freq(&lru, 77, now), None);
        // An idle time larger than the clock itself wraps backwards.
        let m = meta_with_idle(&lru, 5000, 1000).unwrap();
        assert_eq!(idle_ms(m, 1000), 5_000_000);
    }

    #[test]
    fn pool_keeps_the_best_sixteen_in_order() {
        let mut pool = EvictionPool::default();
        for i in 0..100u64 {
            // Scores in a scrambled order.
            let score = (i * 37) % 100;
            pool.offer(score, 0, format!("k{score}").as_bytes());
        }
        assert_eq!(pool.len(), POOL_SIZE);
        // Re-offering a key updates it instead of duplicating it.
        pool.offer(1000, 0, b"k90");
        pool.offer(1, 0, b"k1");
        assert_eq!(pool.len(), POOL_SIZE);
        let (db, best) = pool.pop_best().unwrap();
        assert_eq!((db, &*best), (0, &b"k90"[..]));
        let mut got = Vec::new();
        while let Some((_, k)) = pool.pop_best() {
            got.push(String::from_utf8(k.into()).unwrap());
        }
        let want: Vec<String> = (84..100)
            .rev()
            .filter(|&i| i != 90)
            .map(|i| format!("k{i}"))
            .collect();
        assert_eq!(got, want);
        assert!(pool.is_empty());
        // The same key in another database is another candidate.
        pool.offer(5, 0, b"a");
        pool.offer(6, 1, b"a");
        assert_eq!(pool.len(), 2);
        pool.clear();
        assert!(pool.is_empty());
    }

    #[test]
    fn time_limit_follows_tenacity() {
        let mut c = EvictConfig::default();
        assert_eq!(c.time_limit(), Some(Duration::from_micros(500)));
        c.tenacity = 0;
        assert_eq!(c.time_limit(), Some(Duration::ZERO));
        c.tenacity = 20;
        assert_eq!(c.time_limit(), Some(Duration::from_micros(2022)));
        c.tenacity = 100;
        assert_eq!(c.time_limit(), None);
    }

    /// A fake memory meter: 100 bytes per key in every database.
    fn meter(ks: &Keyspace) -> u64 {
        ks.dbs.iter().map(|d| d.len() as u64 * 100).sum()
    }

    fn filled(policy: Policy, n: usize, ttl_every: usize) -> Keyspace {
        let mut ks = Keyspace::new(2);
        ks.evict.policy = policy;
        ks.evict.tenacity = 100;
        for i in 0..n {
            ks.clock_ms = i as i64 * 1000;
            let k = format!("k{i}");
            ks.set(i % 2, k.as_bytes(), s("v"), false);
            if ttl_every > 0 && i % ttl_every == 0 {
                ks.set_expire(i % 2, k.as_bytes(), 1_000_000 + i as i64);
            }
        }
        ks
    }

    fn evict_to(ks: &mut Keyspace, keys: u64) -> Evict {
        let r = ks.perform_evictions(keys.max(1) * 100, &meter);
        // Stops exactly at the limit: one key more would have been over.
        if r == Evict::Ok {
            assert_eq!(meter(ks), keys * 100);
        }
        r
    }

    #[test]
    fn noeviction_fails_and_volatile_spares_persistent_keys() {
        let mut ks = filled(Policy::NoEviction, 100, 0);
        assert_eq!(ks.perform_evictions(1000, &|_| 5000), Evict::Fail);
        assert_eq!(ks.perform_evictions(0, &|_| 5000), Evict::Ok);
        assert_eq!(ks.perform_evictions(5000, &|_| 5000), Evict::Ok);
        for policy in [
            Policy::VolatileLru,
            Policy::VolatileLfu,
            Policy::VolatileRandom,
            Policy::VolatileTtl,
        ] {
            let mut ks = filled(policy, 100, 4);
            // 25 keys have a TTL: all of them go, then eviction fails.
            assert_eq!(evict_to(&mut ks, 10), Evict::Fail, "{policy:?}");
            let left: usize = ks.dbs.iter().map(|d| d.len()).sum();
            assert_eq!(left, 75, "{policy:?}");
            assert_eq!(ks.stats.evicted_keys, 25);
            for db in &ks.dbs {
                assert!(db.expires.is_empty());
            }
        }
    }

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut ks = filled(Policy::AllKeysLru, 1000, 0);
        // Touch the oldest 100 keys now: they must survive.
        ks.clock_ms = 5_000_000;
        for i in 0..100 {
            assert!(
                ks.lookup_read(i % 2, format!("k{i}").as_bytes(), 5_000_000)
                    .is_some()
            );
        }
        assert_eq!(evict_to(&mut ks, 500), Evict::Ok);
        let hot_left = (0..100)
            .filter(|i| ks.dbs[i % 2].main.contains_key(format!("k{i}").as_bytes()))
            .count();
        assert_eq!(hot_left, 100);
        // Of the rest, mostly the older half went.
        let young_left = (550..1000)
            .filter(|i| ks.dbs[i % 2].main.contains_key(format!("k{i}").as_bytes()))
            .count();
        assert!(young_left > 300, "{young_left}");
    }

    #[test]
    fn lfu_evicts_the_least_frequently_used() {
        let mut ks = filled(Policy::AllKeysLfu, 1000, 0);
        let now = ks.clock_ms;
        for _ in 0..50 {
            for i in (0..1000).step_by(10) {
                ks.lookup_read(i % 2, format!("k{i}").as_bytes(), now);
            }
        }
        assert_eq!(evict_to(&mut ks, 300), Evict::Ok);
        let hot_left = (0..1000)
            .step_by(10)
            .filter(|i| ks.dbs[i % 2].main.contains_key(format!("k{i}").as_bytes()))
            .count();
        assert!(hot_left >= 95, "{hot_left}");
    }

    #[test]
    fn volatile_ttl_evicts_the_nearest_expiry_first() {
        let mut ks = filled(Policy::VolatileTtl, 200, 1);
        assert_eq!(evict_to(&mut ks, 150), Evict::Ok);
        // TTLs grow with i; sampling is approximate, so most of the 50
        // evicted keys come from the first third.
        let early_gone = (0..70)
            .filter(|i| !ks.dbs[i % 2].main.contains_key(format!("k{i}").as_bytes()))
            .count();
        assert!(early_gone >= 40, "{early_gone}");
    }

    #[test]
    fn random_eviction_empties_every_database() {
        let mut ks = filled(Policy::AllKeysRandom, 100, 0);
        assert_eq!(evict_to(&mut ks, 1), Evict::Ok);
        assert_eq!(ks.perform_evictions(1, &meter), Evict::Ok);
        assert!(ks.dbs.iter().all(|d| d.is_empty()));
        assert_eq!(ks.perform_evictions(1, &|_| 10), Evict::Fail);
    }
}
