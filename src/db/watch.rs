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

    /// The whole of `db` is emptied (FLUSHDB, FLUSHALL) or replaced by
    /// another database's contents (SWAPDB): Redis touchAllWatchedKeysInDb.
    /// `state` tells, for a watched key, whether it exists in the emptied
    /// database and, for a replacement, whether it exists there and whether
    /// it is logically expired there. Keys already expired when watched
    /// that stay gone or stay expired are no change, nor is a missing key
    /// replaced by an expired one (it is then watched as expired).
    pub fn touch_db(&mut self, db: usize, state: impl Fn(&[u8]) -> KeyFate) {
        if self.entries == 0 {
            return;
        }
        let Some(map) = self.keys.get_mut(db) else {
            return;
        };
        for (key, list) in map.iter_mut() {
            let fate = state(key);
            if !fate.in_emptied && !fate.in_replacement {
                continue;
            }
            for w in list.iter_mut() {
                if w.expired_at_watch {
                    if !fate.in_replacement {
                        w.expired_at_watch = false;
                        continue;
                    }
                    if fate.replacement_expired {
                        continue;
                    }
                } else if !fate.in_emptied && fate.replacement_expired {
                    w.expired_at_watch = true;
                    continue;
                }
                w.expired_at_watch = false;
                self.dirty.insert(w.client);
            }
        }
    }
}

/// What becomes of one watched key when its database is emptied or
/// swapped (see [`Watches::touch_db`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyFate {
    pub in_emptied: bool,
    pub in_replacement: bool,
    pub replacement_expired: bool,
}

impl KeyFate {
    /// A database emptied with nothing in its place.
    pub fn flushed(exists: bool) -> Self {
        KeyFate {
            in_emptied: exists,
            ..KeyFate::default()
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
        w.touch_db(0, |k| KeyFate::flushed(k == b"a"));
        assert!(w.is_dirty(1));
        assert!(!w.is_dirty(2));
    }

    #[test]
    fn stale_keys_survive_flush_and_swap() {
        let mut w = Watches::new(1);
        // Expired when watched, then flushed away: no change.
        w.watch(0, b"a", 1, true);
        w.touch_db(0, |_| KeyFate::flushed(true));
        assert!(!w.is_dirty(1));
        // Expired when watched, swapped for another expired key: no change.
        w.watch(0, b"b", 2, true);
        let stale = KeyFate {
            in_emptied: true,
            in_replacement: true,
            replacement_expired: true,
        };
        w.touch_db(0, |_| stale);
        assert!(!w.is_dirty(2));
        // Missing when watched, replaced by an expired key: no change, and
        // the key now counts as expired at watch time.
        w.watch(0, b"c", 3, false);
        let appears_stale = KeyFate {
            in_replacement: true,
            replacement_expired: true,
            ..KeyFate::default()
        };
        w.touch_db(0, |k| {
            if k == b"c" {
                appears_stale
            } else {
                KeyFate::default()
            }
        });
        assert!(!w.is_dirty(3));
        assert!(w.was_expired_at_watch(0, b"c", 3));
        // A live replacement is a change.
        let live = KeyFate {
            in_replacement: true,
            ..KeyFate::default()
        };
        w.touch_db(0, |k| if k == b"c" { live } else { KeyFate::default() });
        assert!(w.is_dirty(3));
    }
}
