//! The keyspace's half of client-side caching (CLIENT TRACKING): while any
//! client tracks keys, every modified key's name is queued here, and a
//! flush is noted, for `server/tracking.rs` to turn into invalidation
//! messages after the command. Costs one branch per write when nobody
//! tracks.

#[derive(Debug, Default)]
pub struct InvalidationQueue {
    /// True while some client has tracking on or tracked keys remain.
    pub enabled: bool,
    /// Keys modified since the queue was last drained, in order.
    pub keys: Vec<Vec<u8>>,
    /// A FLUSHDB/FLUSHALL happened since the queue was last drained.
    pub flushed: bool,
}

impl InvalidationQueue {
    #[inline]
    pub fn modified(&mut self, key: &[u8]) {
        if self.enabled {
            self.keys.push(key.to_vec());
        }
    }

    #[inline]
    pub fn flushed(&mut self) {
        if self.enabled {
            self.flushed = true;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.flushed
    }
}
