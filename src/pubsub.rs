//! Channel and pattern registries for pub/sub. Subscribers are named by
//! their client-table token (stable while connected; a disconnecting client
//! is removed from every registry). Knows nothing of sockets or RESP.

use std::collections::HashMap;

type Registry = HashMap<Vec<u8>, Vec<usize>, ahash::RandomState>;

#[derive(Debug, Default)]
pub struct PubSub {
    pub channels: Registry,
    pub patterns: Registry,
    pub shard_channels: Registry,
}

/// Which registry a (un)subscription is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl PubSub {
    fn reg(&mut self, kind: Kind) -> &mut Registry {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    pub fn add(&mut self, kind: Kind, name: &[u8], token: usize) {
        let list = self.reg(kind).entry(name.to_vec()).or_default();
        if !list.contains(&token) {
            list.push(token);
        }
    }

    pub fn remove(&mut self, kind: Kind, name: &[u8], token: usize) {
        let reg = self.reg(kind);
        if let Some(list) = reg.get_mut(name) {
            list.retain(|&t| t != token);
            if list.is_empty() {
                reg.remove(name);
            }
        }
    }

    pub fn subscribers(&self, kind: Kind, name: &[u8]) -> usize {
        let reg = match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard_channels,
        };
        reg.get(name).map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_remove() {
        let mut p = PubSub::default();
        p.add(Kind::Channel, b"c", 1);
        p.add(Kind::Channel, b"c", 1);
        p.add(Kind::Channel, b"c", 2);
        assert_eq!(p.subscribers(Kind::Channel, b"c"), 2);
        p.remove(Kind::Channel, b"c", 1);
        p.remove(Kind::Channel, b"c", 2);
        assert!(p.channels.is_empty());
        assert_eq!(p.subscribers(Kind::Pattern, b"c"), 0);
    }
}
