//! Keys that blocked clients wait on, and the ones a write has made ready
//! since the loop last served waiters (Redis's ready_keys). The keyspace
//! marks a key ready from its write epilogue; it never sees a client.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct BlockedKeys {
    /// Per database: key → number of waiters.
    waited: Vec<HashMap<Vec<u8>, usize, ahash::RandomState>>,
    total: usize,
    /// Keys written while someone waits on them, in order, deduplicated.
    pub ready: Vec<(usize, Vec<u8>)>,
}

impl BlockedKeys {
    pub fn new(databases: usize) -> Self {
        BlockedKeys {
            waited: (0..databases).map(|_| HashMap::default()).collect(),
            total: 0,
            ready: Vec::new(),
        }
    }

    pub fn add(&mut self, db: usize, key: &[u8]) {
        *self.waited[db].entry(key.to_vec()).or_insert(0) += 1;
        self.total += 1;
    }

    pub fn remove(&mut self, db: usize, key: &[u8]) {
        if let Some(n) = self.waited[db].get_mut(key) {
            *n -= 1;
            self.total -= 1;
            if *n == 0 {
                self.waited[db].remove(key);
            }
        }
    }

    /// Called on every write: cheap when nobody waits.
    #[inline]
    pub fn touched(&mut self, db: usize, key: &[u8]) {
        if self.total == 0 || !self.waited[db].contains_key(key) {
            return;
        }
        if !self.ready.iter().any(|(d, k)| *d == db && k == key) {
            self.ready.push((db, key.to_vec()));
        }
    }

    /// Every waited key of `db` becomes ready (SWAPDB brings new values).
    pub fn touch_db(&mut self, db: usize) {
        if self.total == 0 {
            return;
        }
        let keys: Vec<Vec<u8>> = self.waited[db].keys().cloned().collect();
        for k in keys {
            self.touched(db, &k);
        }
    }
}
