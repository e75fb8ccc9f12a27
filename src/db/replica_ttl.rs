//! Expiry of the keys a writable replica's own clients gave a TTL.
//!
//! A replica never expires keys itself: its master sends a DEL when one of
//! its keys expires, and until then the replica only hides the key. With
//! `replica-read-only no` the replica's own clients can write too, and
//! nothing would ever delete their keys once their TTL passed. So, as Redis
//! does (its `slaveKeysWithExpire`), the replica remembers the name of
//! every key one of its clients gave a TTL, with a bitmap of the databases
//! (0-63) it was set in, and its cron expires those keys. Keys in database
//! 64 and above are not remembered, as in Redis.

use super::Keyspace;
use super::dict::Dict;
use std::time::{Duration, Instant};

/// How long one cron pass may spend (Redis: one millisecond, checked every
/// 64 keys).
const PASS_BUDGET: Duration = Duration::from_millis(1);
/// Keys examined between clock checks.
const KEYS_PER_CHECK: usize = 64;
/// Buckets a rehash step of the names' table moves.
const REHASH_BUCKETS: usize = 100;
/// A pass stops after this many keys in a row that were not yet due.
const NOT_DUE_IN_A_ROW: usize = 3;

/// The keys a writable replica's clients gave a TTL, by name, with the
/// bitmap of databases each was given one in.
#[derive(Default)]
pub struct ReplicaTtls {
    /// Set while a command of a writable replica's own client runs (not
    /// the master's stream): TTLs it sets are remembered.
    pub active: bool,
    keys: Dict<u64>,
}

impl ReplicaTtls {
    /// Notes that `key` in database `db` was given a TTL (when `active`).
    #[inline]
    pub fn remember(&mut self, db: usize, key: &[u8]) {
        if !self.active || db >= 64 {
            return;
        }
        match self.keys.get_mut(key) {
            Some(dbs) => *dbs |= 1 << db,
            None => {
                self.keys.insert(key, 1 << db);
            }
        }
    }

    /// Names remembered (one per name, whatever its databases).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.len() == 0
    }

    /// Forgets every name (the data set was replaced or the server is no
    /// longer a replica).
    pub fn clear(&mut self) {
        self.keys.clear();
    }
}

impl Keyspace {
    /// One cron pass over the remembered keys, picked at random: each one
    /// whose TTL has passed is deleted as active expiry deletes (counted,
    /// notified, logged for the AOF); a database where the key no longer
    /// has a TTL is dropped from its bitmap, and a name with none left is
    /// forgotten. Stops after three keys in a row with nothing due, or when
    /// the time budget is spent.
    pub fn expire_replica_keys(&mut self, now: i64) {
        if self.replica_ttls.is_empty() || !self.active_expire_enabled {
            return;
        }
        let start = Instant::now();
        // Keep the table dense: random picks probe buckets, and in a table
        // most of whose names were forgotten they would fall back to
        // walking it. The shrink moves buckets within part of the budget.
        let keys = &mut self.replica_ttls.keys;
        keys.shrink_if_needed();
        while keys.rehash_step(REHASH_BUCKETS) && start.elapsed() < PASS_BUDGET / 2 {}
        let mut not_due = 0;
        let mut checked = 0usize;
        while !self.replica_ttls.is_empty() {
            let rng = &mut self.rng;
            let Some((key, &dbs)) = self
                .replica_ttls
                .keys
                .random_entry(&mut || super::next_rand(rng))
            else {
                break;
            };
            let key = key.to_vec();
            let mut left = 0u64;
            let mut expired = false;
            for db in (0..self.dbs.len().min(64)).filter(|db| dbs & (1 << db) != 0) {
                if self.expire_if_due(db, &key, now) {
                    expired = true;
                } else if self.dbs[db].expires.get(&key).is_some() {
                    left |= 1 << db;
                }
            }
            if left == 0 {
                self.replica_ttls.keys.remove(&key);
            } else if let Some(v) = self.replica_ttls.keys.get_mut(&key) {
                *v = left;
            }
            // A name forgotten (its TTLs were removed) is progress too.
            not_due = if expired || left == 0 { 0 } else { not_due + 1 };
            checked += 1;
            if not_due > NOT_DUE_IN_A_ROW
                || (checked.is_multiple_of(KEYS_PER_CHECK) && start.elapsed() > PASS_BUDGET)
            {
                break;
            }
        }
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
    fn remembered_keys_expire_and_the_rest_stay() {
        let mut ks = Keyspace::new(3);
        ks.paused = true; // a replica's data set
        let now = 1_000_000;
        // The master's keys: not remembered, never deleted here.
        ks.set_with_expire(0, b"from-master", s("m"), Some(now - 10));
        ks.replica_ttls.active = true;
        ks.set_with_expire(0, b"due", s("v"), Some(now - 1));
        ks.set(1, b"due", s("v"), false);
        ks.set_expire(1, b"due", now - 1);
        ks.set_with_expire(2, b"later", s("v"), Some(now + 60_000));
        ks.set_with_expire(0, b"persisted", s("v"), Some(now + 1));
        ks.persist(0, b"persisted");
        ks.set(0, b"moved", s("v"), false);
        ks.set_expire(0, b"moved", now - 1);
        ks.move_key(0, 2, b"moved");
        ks.replica_ttls.active = false;
        assert_eq!(ks.replica_ttls.len(), 4);
        // Enough passes to sample every name.
        for _ in 0..50 {
            ks.expire_replica_keys(now);
        }
        assert!(ks.dbs[0].main.get(b"from-master").is_some());
        assert!(ks.dbs[0].main.get(b"due").is_none());
        assert!(ks.dbs[1].main.get(b"due").is_none());
        assert!(ks.dbs[2].main.get(b"moved").is_none());
        assert!(ks.dbs[2].main.get(b"later").is_some());
        assert!(ks.dbs[0].main.get(b"persisted").is_some());
        assert_eq!(ks.stats.expired_keys, 3);
        // Only the key still waiting for its TTL is remembered.
        assert_eq!(ks.replica_ttls.len(), 1);
        ks.expire_replica_keys(now + 60_000);
        assert!(ks.dbs[2].main.get(b"later").is_none());
        assert!(ks.replica_ttls.is_empty());
    }

    #[test]
    fn the_names_table_shrinks_once_they_are_forgotten() {
        let mut ks = Keyspace::new(1);
        let now = 1_000_000;
        ks.replica_ttls.active = true;
        for i in 0..50_000 {
            ks.set_with_expire(0, format!("k{i}").as_bytes(), s("v"), Some(now - 1));
        }
        ks.set_with_expire(0, b"later", s("v"), Some(now + 60_000));
        let big = ks.replica_ttls.keys.bucket_count();
        for _ in 0..2_000 {
            ks.expire_replica_keys(now);
            if ks.replica_ttls.len() == 1 && !ks.replica_ttls.keys.is_rehashing() {
                break;
            }
        }
        assert_eq!(ks.replica_ttls.len(), 1);
        assert!(ks.dbs[0].main.get(b"later").is_some());
        for _ in 0..200 {
            ks.expire_replica_keys(now);
        }
        assert!(
            ks.replica_ttls.keys.bucket_count() < big / 100,
            "{} buckets left of {big}",
            ks.replica_ttls.keys.bucket_count()
        );
    }

    #[test]
    fn nothing_is_remembered_unless_active() {
        let mut ks = Keyspace::new(1);
        ks.set_with_expire(0, b"k", s("v"), Some(5));
        assert!(ks.replica_ttls.is_empty());
        ks.replica_ttls.active = true;
        ks.set_with_expire(0, b"k", s("v"), Some(5));
        assert_eq!(ks.replica_ttls.len(), 1);
    }
}
