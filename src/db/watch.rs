//! WATCH bookkeeping: which clients watch which keys, and which clients'
//! transactions a modification has invalidated. Clients are named by id;
//! this module never touches a client.

use std::collections::{HashMap, HashSet};

/// One watcher of a key: the client id and whether the key was already
/// logically expired when it was watched (Redis 7: deleting such a key by
/// expiry is not a modification).
#[derive(Debug, Clone, Copy)]
struct Watcher {
    client: u64,
    expired_at_watch: bool,
}

#[derive(Debug, Default)]
pub struct Watches {
    /// Per database: key → its watchers.
    keys: Vec<HashMap<Box<[u8]>, Vec<Watcher>, ahash::RandomState>>,
    /// Number of (client, key) watch entries, so an unwatched server pays
    /// one comparison per write.
    entries: usize,
    /// Clients whose watched keys changed (Redis CLIENT_DIRTY_CAS).
    dirty: HashSet<u64, ahash::RandomState>,
}

impl Watches {
    pub fn new(databases: usize) -> Self {
        Watches {
            keys: (0..databases).map(|_| HashMap::default()).collect(),
            entries: 0,
            dirty: HashSet::default(),
        }
    }

    #[inline]
    pub fn any(&self) -> bool {
        self.entries > 0
    }

    /// Registers `client` as watching `key`; false if it already did.
    pub fn watch(&mut self, db: usize, key: &[u8], client: u64, expired_now: bool) -> bool {
        let list = self.keys[db].entry(key.into()).or_default();
        if list.iter().any(|w| w.client == client) {
            return false;
        }
        list.push(Watcher {
            client,
            expired_at_watch: expired_now,
        });
        self.entries += 1;
        true
    }

    /// Forgets the given (db, key) watches of `client` and its dirty flag.
    pub fn unwatch<'a>(&mut self, client: u64, keys: impl Iterator<Item = (usize, &'a [u8])>) {
        for (db, key) in keys {
            let Some(map) = self.keys.get_mut(db) else {
                continue;
            };
            if let Some(list) = map.get_mut(key) {
                let before = list.len();
                list.retain(|w| w.client != client);
                self.entries -= before - list.len();
                if list.is_empty() {
                    map.remove(key);
                }
            }
        }
        self.dirty.remove(&client);
    }

    /// Whether `key` was already logically expired when `client` watched it
    /// (and has not been touched since).
    pub fn was_expired_at_watch(&self, db: usize, key: &[u8], client: u64) -> bool {
        self.keys
            .get(db)
            .and_then(|m| m.get(key))
            .and_then(|l| l.iter().find(|w| w.client == client))
            .is_some_and(|w| w.expired_at_watch)
    }

    pub fn is_dirty(&self, client: u64) -> bool {
        self.dirty.contains(&client)
    }

    /// `key` in `db` was modified (Redis touchWatchedKey). `exists_now`
    /// says whether the key is present after the change.
    pub fn touch(&mut self, db: usize, key: &[u8], exists_now: bool) {
        if self.entries == 0 {
            return;
        }
        let Some(list) = self.keys.get_mut(db).and_then(|m| m.get_mut(key)) else {
            return;
        };
        for w in list.iter_mut() {
            if w.expired_at_watch {
                if !exists_now {
                    // An already-expired key was deleted: logically no change.
                    w.expired_at_watch = false;
                    continue;
                }
                w.expired_at_watch = false;
            }
            self.dirty.insert(w.client);
        }
    }

    /// Every watched key of `db` for which `existed` says yes is touched
    /// (FLUSHDB, FLUSHALL, SWAPDB: Redis touchAllWatchedKeysInDb).
    pub fn touch_db(&mut self, db: usize, existed: impl Fn(&[u8]) -> bool) {
        if self.entries == 0 {
            return;
        }
        let Some(map) = self.keys.get_mut(db) else {
            return;
        };
        for (key, list) in map.iter_mut() {
            if existed(key) {
                for w in list.iter_mut() {
                    w.expired_at_watch = false;
                    self.dirty.insert(w.client);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_marks_watchers_dirty() {
        let mut w = Watches::new(2);
        assert!(w.watch(0, b"k", 7, false));
        assert!(!w.watch(0, b"k", 7, false));
        w.watch(1, b"k", 8, false);
        w.touch(0, b"other", true);
        assert!(!w.is_dirty(7));
        w.touch(0, b"k", true);
        assert!(w.is_dirty(7));
        assert!(!w.is_dirty(8));
        w.unwatch(7, [(0usize, &b"k"[..])].into_iter());
        assert!(!w.is_dirty(7));
        assert!(w.any());
        w.unwatch(8, [(1usize, &b"k"[..])].into_iter());
        assert!(!w.any());
    }

    #[test]
    fn deleting_an_already_expired_key_is_no_change() {
        let mut w = Watches::new(1);
        w.watch(0, b"k", 1, true);
        w.touch(0, b"k", false);
        assert!(!w.is_dirty(1));
        // Recreating it afterwards is a change.
        w.touch(0, b"k", true);
        assert!(w.is_dirty(1));
    }

    #[test]
    fn flush_touches_only_existing_keys() {
        let mut w = Watches::new(1);
        w.watch(0, b"a", 1, false);
        w.watch(0, b"b", 2, false);
        w.touch_db(0, |k| k == b"a");
        assert!(w.is_dirty(1));
        assert!(!w.is_dirty(2));
    }
}
