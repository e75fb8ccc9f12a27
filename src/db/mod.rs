//! The keyspace: numbered databases, each a dict of keys to values plus an
//! expires index; lazy expiry on access, the active expiry cycle, random
//! sampling and the write epilogue. Knows nothing about RESP or clients.

pub mod blocked;
pub mod dict;
pub mod evict;
pub mod invalidation;
pub mod lazyfree;
pub mod notify;
pub mod replica_ttl;
pub mod watch;

use crate::types::Value;
use dict::Dict;

/// Keys sampled per round of the active expiry cycle
/// (Redis ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
const EXPIRE_KEYS_PER_LOOP: usize = 20;
/// Keep sampling a database while more than this percentage of the sampled
/// keys had expired (Redis's "more than 25% stale" rule).
const EXPIRE_STALE_PERC: usize = 25;
/// Buckets moved per dict per cron tick slice when rehashing from cron.
const CRON_REHASH_BUCKETS: usize = 100;

#[derive(Default)]
pub struct Db {
    pub main: Dict<Value>,
    /// Absolute expiry time in unix milliseconds for keys that have a TTL.
    pub expires: Dict<i64>,
    /// Where the active expiry cycle resumes scanning `expires`.
    expire_cursor: u64,
    /// Running average TTL of sampled keys (INFO keyspace avg_ttl), ms.
    pub avg_ttl: i64,
}

impl Db {
    pub fn len(&self) -> usize {
        self.main.len()
    }

    pub fn is_empty(&self) -> bool {
        self.main.is_empty()
    }
}

/// Counters the keyspace keeps for INFO.
#[derive(Debug, Default, Clone)]
pub struct KeyspaceStats {
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    pub expired_time_cap_reached_count: u64,
    pub expire_cycle_cpu_usec: u64,
    /// Keys removed to stay under maxmemory (INFO evicted_keys).
    pub evicted_keys: u64,
}

pub struct Keyspace {
    pub dbs: Vec<Db>,
    pub stats: KeyspaceStats,
    /// Writes since the last save (INFO rdb_changes_since_last_save).
    pub dirty: u64,
    /// DEBUG SET-ACTIVE-EXPIRE toggles the cron cycle.
    pub active_expire_enabled: bool,
    /// WATCHed keys and invalidated transactions.
    pub watches: watch::Watches,
    /// Keys blocked clients wait on, and those made ready by writes.
    pub blocked: blocked::BlockedKeys,
    /// Keyspace notifications: enabled classes and queued events.
    pub events: notify::Notifier,
    /// Modified keys for CLIENT TRACKING invalidations.
    pub invalidations: invalidation::InvalidationQueue,
    /// Keys deleted by expiry, kept for propagation (as DEL) while
    /// `log_expired` is set; drained after each command and cron tick.
    pub expired_log: Vec<(usize, Vec<u8>)>,
    pub log_expired: bool,
    /// Set while a dataset loads: nothing expires (an AOF replays writes
    /// made when their keys were still alive, as Redis does).
    pub loading: bool,
    /// Set while CLIENT PAUSE is in force: the dataset stays static, so
    /// nothing expires or is evicted; reads still see expired keys as gone.
    pub paused: bool,
    /// Eviction policy and LRU/LFU settings (from the config).
    pub evict: evict::EvictConfig,
    /// The time of the command being run (unix ms): stamps new keys'
    /// LRU clock / LFU decay time.
    pub clock_ms: i64,
    /// Lookups leave access clocks alone: a fork child shares our pages
    /// (Redis skips the update while a child is active, to spare copy-on-write).
    pub fork_no_touch: bool,
    /// The command being run leaves access clocks alone (CLIENT NO-TOUCH).
    pub call_no_touch: bool,
    /// Best eviction candidates between eviction runs.
    pool: evict::EvictionPool,
    /// Keys a writable replica's own clients gave a TTL (see
    /// [`replica_ttl`]).
    pub replica_ttls: replica_ttl::ReplicaTtls,
    /// Where random eviction looks first (round robin over databases).
    evict_next_db: usize,
    rng: u64,
}

/// Outcome of a lookup that may have found an expired key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// No such key (TTL replies -2).
    Missing,
    /// Key without expiry (TTL replies -1).
    Persistent,
    /// Absolute expiry in unix ms.
    At(i64),
}

/// xorshift64*: a cheap generator for sampling, not for secrets.
fn next_rand(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

impl Keyspace {
    pub fn new(databases: usize) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            ^ ((std::process::id() as u64) << 32);
        Keyspace {
            dbs: (0..databases.max(1)).map(|_| Db::default()).collect(),
            stats: KeyspaceStats::default(),
            dirty: 0,
            active_expire_enabled: true,
            watches: watch::Watches::new(databases.max(1)),
            blocked: blocked::BlockedKeys::new(databases.max(1)),
            events: notify::Notifier::default(),
            invalidations: invalidation::InvalidationQueue::default(),
            expired_log: Vec::new(),
            log_expired: false,
            loading: false,
            paused: false,
            evict: evict::EvictConfig::default(),
            clock_ms: crate::server::now_ms(),
            fork_no_touch: false,
            call_no_touch: false,
            pool: evict::EvictionPool::default(),
            replica_ttls: replica_ttl::ReplicaTtls::default(),
            evict_next_db: 0,
            rng: seed | 1,
        }
    }

    pub fn random_u64(&mut self) -> u64 {
        next_rand(&mut self.rng)
    }

    /// Raises keyspace event `event` of `class` (a `notify::*` class bit)
    /// for `key`: queued for publication after the command when the class
    /// is enabled, a single branch otherwise.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        if self.events.enabled(class) {
            self.events.push(class, event, db, key);
        }
    }

    /// The write epilogue every modification of `key` runs (Redis's
    /// signalModifiedKey + dirty++).
    pub fn signal_modified(&mut self, db: usize, key: &[u8]) {
        self.dirty += 1;
        self.key_changed(db, key);
        self.blocked.touched(db, key);
    }

    /// Redis's signalModifiedKey without counting a change for persistence
    /// (expiry deletions): invalidates WATCHers of the key.
    #[inline]
    pub fn key_changed(&mut self, db: usize, key: &[u8]) {
        self.invalidations.modified(key);
        if self.watches.any() {
            let exists = self.dbs[db].main.contains_key(key);
            self.watches.touch(db, key, exists);
        }
    }

    /// Deletes `key` if its TTL has passed; returns true if the key is
    /// expired. While clients are paused an expired key is reported (true)
    /// but left in place, so the dataset stays static (Redis 7.2 does the
    /// same); callers must then treat it as missing.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8], now: i64) -> bool {
        if self.paused && !self.loading {
            return self.is_expired(db, key, now);
        }
        self.expire_now_if_needed(db, key, now)
    }

    /// Deletes `key` if its TTL has passed, even while clients are paused:
    /// for writes, which must not find a stale value (under a pause only a
    /// transaction that itself ran CLIENT PAUSE still writes). True if it
    /// deleted the key.
    #[inline]
    pub fn expire_now_if_needed(&mut self, db: usize, key: &[u8], now: i64) -> bool {
        // Most databases hold no key with a TTL: skip the hash and lookup
        // (inline: every keyed command passes here).
        if self.dbs[db].expires.is_empty() {
            return false;
        }
        self.expire_if_due(db, key, now)
    }

    /// [`Keyspace::expire_now_if_needed`] for a database with TTLs.
    #[inline(never)]
    fn expire_if_due(&mut self, db: usize, key: &[u8], now: i64) -> bool {
        let d = &mut self.dbs[db];
        match d.expires.get(key) {
            Some(&when) if when <= now && !self.loading => {
                d.expires.remove(key);
                if let Some(v) = d.main.remove(key) {
                    lazyfree::free_value(v);
                }
                self.stats.expired_keys += 1;
                if self.log_expired {
                    self.expired_log.push((db, key.to_vec()));
                }
                self.notify(notify::EXPIRED, "expired", db, key); // notify
                self.key_changed(db, key);
                true
            }
            _ => false,
        }
    }

    /// Read lookup: lazy expiry, hit/miss accounting, and the key's access
    /// clock or counter updated (Redis lookupKeyRead).
    pub fn lookup_read(&mut self, db: usize, key: &[u8], now: i64) -> Option<&Value> {
        self.lookup_read_flags(db, key, now, true)
    }

    /// A read lookup that leaves the key's access clock alone (TYPE, OBJECT,
    /// EXISTS: Redis's LOOKUP_NOTOUCH).
    pub fn lookup_read_notouch(&mut self, db: usize, key: &[u8], now: i64) -> Option<&Value> {
        self.lookup_read_flags(db, key, now, false)
    }

    /// Whether lookups now update access clocks.
    fn touching(&self) -> bool {
        !(self.fork_no_touch || self.call_no_touch)
    }

    /// The access-clock update of a lookup, as a function of the old metadata.
    fn toucher(&mut self, now: i64) -> impl Fn(u32) -> u32 + use<> {
        let cfg = self.evict;
        let r = if cfg.policy.is_lfu() {
            self.random_u64()
        } else {
            0
        };
        move |meta| evict::touched_meta(meta, &cfg, now, r)
    }

    /// The metadata a key created now starts with.
    fn new_meta(&self) -> u32 {
        evict::fresh_meta(&self.evict, self.clock_ms)
    }

    /// The metadata for a value replacing an existing key's (or a new key's):
    /// under LFU the counter carries over, as Redis does on overwrite.
    fn replace_meta(&self) -> impl Fn(Option<u32>) -> u32 + use<> {
        let fresh = self.new_meta();
        let lfu = self.evict.policy.is_lfu();
        move |old| match old {
            Some(m) if lfu => m,
            _ => fresh,
        }
    }

    fn lookup_read_flags(
        &mut self,
        db: usize,
        key: &[u8],
        now: i64,
        touch: bool,
    ) -> Option<&Value> {
        self.lookup_read_full(db, key, now, touch, true)
    }

    /// OBJECT's lookup: lazy expiry and hit/miss counts, but neither the
    /// access clock nor a keymiss event (Redis's LOOKUP_NOTOUCH |
    /// LOOKUP_NONOTIFY).
    pub fn lookup_object(&mut self, db: usize, key: &[u8], now: i64) -> Option<&Value> {
        self.lookup_read_full(db, key, now, false, false)
    }

    fn lookup_read_full(
        &mut self,
        db: usize,
        key: &[u8],
        now: i64,
        touch: bool,
        notify_miss: bool,
    ) -> Option<&Value> {
        let expired = self.expire_if_needed(db, key, now);
        let touch = (touch && self.touching()).then(|| self.toucher(now));
        let v = match self.dbs[db].main.entry_mut(key) {
            Some(_) if expired => None,
            Some(e) => {
                if let Some(t) = touch {
                    e.set_meta(t(e.meta()));
                }
                Some(&*e)
            }
            None => None,
        };
        if v.is_some() {
            self.stats.keyspace_hits += 1;
        } else {
            self.stats.keyspace_misses += 1;
            if notify_miss && self.events.enabled(notify::KEY_MISS) {
                self.events.push(notify::KEY_MISS, "keymiss", db, key); // notify
            }
        }
        v.map(dict::Entry::value)
    }

    /// Lookup for a command that will write: lazy expiry, no stats; updates
    /// the key's access clock or counter like a read.
    pub fn lookup_write(&mut self, db: usize, key: &[u8], now: i64) -> Option<&mut Value> {
        self.expire_now_if_needed(db, key, now);
        let touch = self.touching().then(|| self.toucher(now));
        let e = self.dbs[db].main.entry_mut(key)?;
        if let Some(t) = touch {
            e.set_meta(t(e.meta()));
        }
        Some(e.value_mut())
    }

    /// The LRU clock or LFU word of `key`, without lazy expiry or touching.
    pub fn key_meta(&self, db: usize, key: &[u8]) -> Option<u32> {
        self.dbs[db].main.entry(key).map(dict::Entry::meta)
    }

    /// Sets the LRU clock or LFU word of `key` (RESTORE IDLETIME/FREQ, RDB load).
    pub fn set_key_meta(&mut self, db: usize, key: &[u8], meta: u32) {
        if let Some(e) = self.dbs[db].main.entry_mut(key) {
            e.set_meta(meta);
        }
    }

    /// Stores a value at a key known to be absent, with a fresh access clock,
    /// and raises the `new` event; the caller runs the write epilogue.
    pub fn add(&mut self, db: usize, key: &[u8], val: Value) {
        let meta = self.new_meta();
        self.dbs[db].main.insert_meta(key, val, |_| meta);
        self.notify(notify::NEW, "new", db, key); // notify
    }

    /// Existence check with lazy expiry and without touching stats.
    pub fn exists(&mut self, db: usize, key: &[u8], now: i64) -> bool {
        !self.expire_if_needed(db, key, now) && self.dbs[db].main.contains_key(key)
    }

    /// Stores `val` at `key` (Redis setKey). The TTL is dropped unless
    /// `keep_ttl`. Runs the write epilogue.
    pub fn set(&mut self, db: usize, key: &[u8], val: Value, keep_ttl: bool) {
        let meta = self.replace_meta();
        let d = &mut self.dbs[db];
        match d.main.insert_meta(key, val, meta) {
            Some(old) => lazyfree::free_value(old),
            None => self.notify(notify::NEW, "new", db, key), // notify
        }
        let d = &mut self.dbs[db];
        if !keep_ttl {
            d.expires.remove(key);
        }
        self.signal_modified(db, key);
    }

    /// Removes `key`; true if it existed. Runs the write epilogue if so.
    pub fn delete(&mut self, db: usize, key: &[u8]) -> bool {
        let d = &mut self.dbs[db];
        if let Some(old) = d.main.remove(key) {
            lazyfree::free_value(old);
            d.expires.remove(key);
            self.signal_modified(db, key);
            true
        } else {
            false
        }
    }

    /// Sets an absolute expiry (ms) on an existing key.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when_ms: i64) {
        let d = &mut self.dbs[db];
        if d.main.contains_key(key) {
            d.expires.insert(key, when_ms);
            self.replica_ttls.remember(db, key);
        }
    }

    /// Removes the expiry; true if there was one.
    pub fn persist(&mut self, db: usize, key: &[u8]) -> bool {
        self.dbs[db].expires.remove(key).is_some()
    }

    /// The TTL state of `key` after lazy expiry.
    pub fn ttl(&mut self, db: usize, key: &[u8], now: i64) -> Ttl {
        if !self.exists(db, key, now) {
            return Ttl::Missing;
        }
        match self.dbs[db].expires.get(key) {
            Some(&when) => Ttl::At(when),
            None => Ttl::Persistent,
        }
    }

    /// A random live key (RANDOMKEY). Expired keys met on the way are
    /// deleted; gives up after a bounded number of tries when every sampled
    /// key is expired, like Redis.
    pub fn random_key(&mut self, db: usize, now: i64) -> Option<Vec<u8>> {
        const MAX_TRIES: usize = 100;
        for _ in 0..MAX_TRIES {
            let rng = &mut self.rng;
            let key = self.dbs[db]
                .main
                .random_entry(&mut || next_rand(rng))?
                .0
                .to_vec();
            if !self.expire_if_needed(db, &key, now) {
                return Some(key);
            }
        }
        None
    }

    /// The value at `key` for a command whose lookups already did the lazy
    /// expiry: None for an expired key left in place while clients are
    /// paused (judged at the command's time, `clock_ms`).
    pub fn get_live(&self, db: usize, key: &[u8]) -> Option<&Value> {
        if self.paused && self.is_expired(db, key, self.clock_ms) {
            return None;
        }
        self.dbs[db].main.get(key)
    }

    /// The absolute expiry (unix ms) of `key`, without lazy expiry.
    pub fn get_expire(&self, db: usize, key: &[u8]) -> Option<i64> {
        self.dbs[db].expires.get(key).copied()
    }

    /// True if `key` has a TTL that has passed at `now` (Redis keyIsExpired).
    /// Deletes nothing, so it is safe while iterating the dict.
    pub fn is_expired(&self, db: usize, key: &[u8], now: i64) -> bool {
        self.get_expire(db, key).is_some_and(|when| when <= now)
    }

    /// Stores `val` at `key` with exactly the TTL `expire` (absolute ms, or
    /// none: any previous TTL is dropped). Runs the write epilogue once.
    pub fn set_with_expire(&mut self, db: usize, key: &[u8], val: Value, expire: Option<i64>) {
        let meta = self.replace_meta();
        let d = &mut self.dbs[db];
        match d.main.insert_meta(key, val, meta) {
            Some(old) => lazyfree::free_value(old),
            None => self.notify(notify::NEW, "new", db, key), // notify
        }
        let d = &mut self.dbs[db];
        match expire {
            Some(when) => {
                d.expires.insert(key, when);
                self.replica_ttls.remember(db, key);
            }
            None => {
                d.expires.remove(key);
            }
        }
        self.signal_modified(db, key);
    }

    /// Renames `src` to `dst` within `db` (RENAME): the value and TTL move,
    /// whatever `dst` held (value and TTL) is dropped. False if `src` does
    /// not exist. Runs the write epilogue for both keys. The caller does
    /// lazy expiry first.
    pub fn rename(&mut self, db: usize, src: &[u8], dst: &[u8]) -> bool {
        let d = &mut self.dbs[db];
        let Some(meta) = d.main.entry(src).map(dict::Entry::meta) else {
            return false;
        };
        let Some(val) = d.main.remove(src) else {
            return false;
        };
        let expire = d.expires.remove(src);
        self.set_with_expire(db, dst, val, expire);
        // The value keeps its access clock, like the object Redis renames.
        self.set_key_meta(db, dst, meta);
        self.signal_modified(db, src);
        true
    }

    /// Moves `key` with its TTL from database `from` to database `to`
    /// (MOVE), replacing anything stored there. False if `key` does not
    /// exist in `from`. Runs the write epilogue in both databases.
    pub fn move_key(&mut self, from: usize, to: usize, key: &[u8]) -> bool {
        let src = &mut self.dbs[from];
        let Some(meta) = src.main.entry(key).map(dict::Entry::meta) else {
            return false;
        };
        let Some(val) = src.main.remove(key) else {
            return false;
        };
        let expire = src.expires.remove(key);
        let dst = &mut self.dbs[to];
        // The key keeps its access clock, like the object Redis moves.
        match dst.main.insert_meta(key, val, |_| meta) {
            Some(old) => lazyfree::free_value(old),
            None => self.notify(notify::NEW, "new", to, key), // notify
        }
        let dst = &mut self.dbs[to];
        match expire {
            Some(when) => {
                dst.expires.insert(key, when);
                self.replica_ttls.remember(to, key);
            }
            None => {
                dst.expires.remove(key);
            }
        }
        self.signal_modified(from, key);
        self.signal_modified(to, key);
        true
    }

    /// Swaps the contents of two databases (SWAPDB): keys, TTLs and the
    /// per-db expiry state. Clients keep their selected index, so they see
    /// the other data set. Counts as one change.
    pub fn swap_dbs(&mut self, a: usize, b: usize) {
        // Swapping a database with itself changes nothing: no WATCHer is
        // touched (Redis still counts the command as a change).
        if a == b {
            self.dirty += 1;
            return;
        }
        let now = self.clock_ms;
        for (x, y) in [(a, b), (b, a)] {
            let (dx, dy) = (&self.dbs[x], &self.dbs[y]);
            self.watches.touch_db(x, |k| watch::KeyFate {
                in_emptied: dx.main.contains_key(k),
                in_replacement: dy.main.contains_key(k),
                replacement_expired: dy.expires.get(k).is_some_and(|&t| t <= now),
            });
        }
        self.dbs.swap(a, b);
        self.blocked.touch_db(a);
        self.blocked.touch_db(b);
        self.dirty += 1;
    }

    /// Empties one database (FLUSHDB). Returns the number of keys removed.
    pub fn flush_db(&mut self, db: usize) -> usize {
        self.invalidations.flushed();
        let main = &self.dbs[db].main;
        self.watches
            .touch_db(db, |k| watch::KeyFate::flushed(main.contains_key(k)));
        let d = &mut self.dbs[db];
        let n = d.main.len();
        // Dropping happens after the swap so a future async free can move
        // `old` to another thread instead.
        let old = std::mem::take(d);
        drop(old);
        // Waiters on keys that just vanished re-run their command: an
        // XREADGROUP ends with an error, as in Redis.
        self.blocked.touch_db(db);
        n
    }

    /// Empties every database. Returns the number of keys removed.
    pub fn flush_all(&mut self) -> usize {
        self.pool.clear();
        (0..self.dbs.len()).map(|i| self.flush_db(i)).sum()
    }

    /// Total keys with an expiry in `db`.
    pub fn expires_len(&self, db: usize) -> usize {
        self.dbs[db].expires.len()
    }

    /// The active expiry cycle (Redis activeExpireCycle, slow mode): for each
    /// database, sample keys with a TTL in rounds of EXPIRE_KEYS_PER_LOOP,
    /// deleting the expired ones, and keep going while more than
    /// EXPIRE_STALE_PERC percent of a round were expired and time is left.
    /// Work resumes where it stopped on the next call.
    pub fn active_expire_cycle(&mut self, now: i64, budget: std::time::Duration) {
        if !self.active_expire_enabled || self.paused {
            return;
        }
        let start = std::time::Instant::now();
        let mut expired_keys: Vec<Box<[u8]>> = Vec::new();
        for db in 0..self.dbs.len() {
            loop {
                let d = &mut self.dbs[db];
                if d.expires.is_empty() {
                    // INFO keyspace's avg_ttl drops to 0 with the last TTL.
                    d.avg_ttl = 0;
                    break;
                }
                let mut sampled = 0usize;
                let mut ttl_sum = 0i64;
                let mut ttl_n = 0i64;
                expired_keys.clear();
                let mut cursor = d.expire_cursor;
                // Scan whole buckets until we have looked at enough keys or
                // wrapped around the table.
                loop {
                    cursor = d.expires.scan_mut(cursor, |k, when| {
                        sampled += 1;
                        if *when <= now {
                            expired_keys.push(k.into());
                            true
                        } else {
                            ttl_sum += *when - now;
                            ttl_n += 1;
                            false
                        }
                    });
                    if cursor == 0 || sampled >= EXPIRE_KEYS_PER_LOOP {
                        break;
                    }
                }
                d.expire_cursor = cursor;
                for k in &expired_keys {
                    if let Some(v) = d.main.remove(k) {
                        lazyfree::free_value(v);
                    }
                }
                if ttl_n > 0 {
                    let avg = ttl_sum / ttl_n;
                    // Redis keeps a moving average weighted toward history.
                    d.avg_ttl = if d.avg_ttl == 0 {
                        avg
                    } else {
                        (d.avg_ttl / 50) * 49 + (avg / 50)
                    };
                }
                let n = expired_keys.len();
                self.stats.expired_keys += n as u64;
                for k in &expired_keys {
                    if self.log_expired {
                        self.expired_log.push((db, k.to_vec()));
                    }
                    self.notify(notify::EXPIRED, "expired", db, k); // notify
                    self.key_changed(db, k);
                }
                if start.elapsed() >= budget {
                    self.stats.expired_time_cap_reached_count += 1;
                    self.stats.expire_cycle_cpu_usec += start.elapsed().as_micros() as u64;
                    return;
                }
                if sampled == 0 || n * 100 <= sampled * EXPIRE_STALE_PERC {
                    break;
                }
            }
        }
        self.stats.expire_cycle_cpu_usec += start.elapsed().as_micros() as u64;
    }

    /// Incremental rehashing and shrinking from cron, bounded by `budget`.
    pub fn cron_rehash(&mut self, budget: std::time::Duration) {
        let start = std::time::Instant::now();
        for d in &mut self.dbs {
            d.main.shrink_if_needed();
            d.expires.shrink_if_needed();
            while (d.main.rehash_step(CRON_REHASH_BUCKETS)
                | d.expires.rehash_step(CRON_REHASH_BUCKETS))
                && start.elapsed() < budget
            {}
            if start.elapsed() >= budget {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::StrValue;

    fn s(v: &str) -> Value {
        Value::Str(StrValue::from_bytes(v.as_bytes()))
    }

    #[test]
    fn avg_ttl_drops_to_zero_with_the_last_ttl() {
        let mut ks = Keyspace::new(1);
        let now = 1_000_000;
        ks.set_with_expire(0, b"k", s("v"), Some(now + 50_000));
        ks.active_expire_cycle(now, std::time::Duration::from_millis(5));
        assert!(ks.dbs[0].avg_ttl > 0);
        ks.persist(0, b"k");
        ks.active_expire_cycle(now, std::time::Duration::from_millis(5));
        assert_eq!(ks.dbs[0].avg_ttl, 0);
    }

    #[test]
    fn lazy_expiry_and_stats() {
        let mut ks = Keyspace::new(2);
        ks.set(0, b"a", s("1"), false);
        ks.set_expire(0, b"a", 1000);
        assert!(ks.lookup_read(0, b"a", 999).is_some());
        assert!(ks.lookup_read(0, b"a", 1000).is_none());
        assert_eq!(ks.stats.expired_keys, 1);
        assert_eq!(ks.stats.keyspace_hits, 1);
        assert_eq!(ks.stats.keyspace_misses, 1);
        assert_eq!(ks.ttl(0, b"a", 0), Ttl::Missing);
    }

    #[test]
    fn paused_keyspace_hides_expired_keys_without_deleting() {
        let mut ks = Keyspace::new(1);
        ks.set(0, b"a", s("1"), false);
        ks.set_expire(0, b"a", 1000);
        ks.set(0, b"b", s("2"), false);
        ks.paused = true;
        ks.clock_ms = 2000;
        // Reads see it gone; it stays in both dicts and is not counted.
        assert!(ks.lookup_read(0, b"a", 2000).is_none());
        assert!(!ks.exists(0, b"a", 2000));
        assert_eq!(ks.ttl(0, b"a", 2000), Ttl::Missing);
        assert!(ks.get_live(0, b"a").is_none());
        assert!(ks.get_live(0, b"b").is_some());
        for _ in 0..20 {
            assert_eq!(ks.random_key(0, 2000).as_deref(), Some(&b"b"[..]));
        }
        ks.active_expire_cycle(2000, std::time::Duration::from_millis(50));
        assert_eq!(ks.dbs[0].len(), 2);
        assert_eq!(ks.expires_len(0), 1);
        assert_eq!(ks.stats.expired_keys, 0);
        // A write still replaces it cleanly.
        assert!(ks.lookup_write(0, b"a", 2000).is_none());
        assert_eq!(ks.stats.expired_keys, 1);
        ks.set(0, b"c", s("3"), false);
        ks.set_expire(0, b"c", 1000);
        // Once unpaused, the active cycle removes it.
        ks.paused = false;
        ks.active_expire_cycle(2000, std::time::Duration::from_millis(50));
        assert_eq!(ks.dbs[0].len(), 1);
        assert_eq!(ks.stats.expired_keys, 2);
    }

    #[test]
    fn set_drops_ttl_unless_kept() {
        let mut ks = Keyspace::new(1);
        ks.set(0, b"k", s("v"), false);
        ks.set_expire(0, b"k", 5000);
        ks.set(0, b"k", s("w"), true);
        assert_eq!(ks.ttl(0, b"k", 0), Ttl::At(5000));
        ks.set(0, b"k", s("x"), false);
        assert_eq!(ks.ttl(0, b"k", 0), Ttl::Persistent);
    }

    #[test]
    fn active_cycle_removes_expired_keys() {
        let mut ks = Keyspace::new(1);
        for i in 0..10_000 {
            let k = format!("k{i}");
            ks.set(0, k.as_bytes(), s("v"), false);
            ks.set_expire(0, k.as_bytes(), if i % 2 == 0 { 10 } else { 1_000_000 });
        }
        for _ in 0..100 {
            ks.active_expire_cycle(100, std::time::Duration::from_millis(50));
        }
        // Every expired key went; the live ones stayed.
        assert_eq!(ks.dbs[0].len(), 5000);
        assert_eq!(ks.expires_len(0), 5000);
        assert_eq!(ks.stats.expired_keys, 5000);
    }

    #[test]
    fn random_key_skips_expired() {
        let mut ks = Keyspace::new(1);
        assert_eq!(ks.random_key(0, 0), None);
        ks.set(0, b"dead", s("v"), false);
        ks.set_expire(0, b"dead", 1);
        ks.set(0, b"live", s("v"), false);
        for _ in 0..20 {
            assert_eq!(ks.random_key(0, 10).as_deref(), Some(&b"live"[..]));
        }
    }
}
