//! The stream type: entries ordered by ID, the stream's counters, and
//! consumer groups with their pending-entries lists (PEL) and consumers.
//! Knows nothing about commands or RESP.
//!
//! Layout. Entries live in a `BTreeMap<StreamId, Fields>`: a B-tree gives
//! ordered range scans both ways, O(log n) appends, point deletes and
//! trims, with no code of our own to get wrong; each entry's fields are one
//! packed allocation. Redis keeps a radix tree of listpack *nodes*
//! instead, and some of its replies depend on where those nodes begin and
//! end: approximate trimming (`MAXLEN ~`, `MINID ~`) removes whole nodes
//! only, and XINFO STREAM counts them. So the stream also keeps a small
//! index of *virtual* nodes (`nodes`: first ID → entry counts and the exact
//! byte size the node's listpack would have), opened and closed by Redis's
//! rules (`stream-node-max-entries`, counting deleted entries, and
//! `stream-node-max-bytes`), and the RDB writer emits exactly those nodes.
//! The one thing the index cannot know is the ID of a deleted entry that
//! ended a node; `MINID ~` then looks at the node's last live entry.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// A stream entry ID: milliseconds and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const ZERO: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID (None past the maximum).
    pub fn incr(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous ID (None below zero).
    pub fn decr(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    pub fn is_zero(self) -> bool {
        self == StreamId::ZERO
    }

    /// "ms-seq".
    pub fn to_bytes(self) -> Vec<u8> {
        format!("{}-{}", self.ms, self.seq).into_bytes()
    }

    /// The 16-byte big-endian key Redis's radix tree and RDB use.
    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.ms.to_be_bytes());
        out[8..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    pub fn from_be_bytes(b: &[u8]) -> Option<StreamId> {
        if b.len() != 16 {
            return None;
        }
        let ms = u64::from_be_bytes(b[..8].try_into().ok()?);
        let seq = u64::from_be_bytes(b[8..].try_into().ok()?);
        Some(StreamId::new(ms, seq))
    }
}

/// One entry's field-value pairs packed in one allocation: each item is a
/// little-endian u32 length and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields(Box<[u8]>);

impl Fields {
    /// Packs `items` (field, value, field, value, ...).
    pub fn pack<T: AsRef<[u8]>>(items: &[T]) -> Fields {
        let total: usize = items.iter().map(|i| 4 + i.as_ref().len()).sum();
        let mut buf = Vec::with_capacity(total);
        for i in items {
            let b = i.as_ref();
            buf.extend_from_slice(&(b.len() as u32).to_le_bytes());
            buf.extend_from_slice(b);
        }
        Fields(buf.into_boxed_slice())
    }

    /// Fields and values in order.
    pub fn items(&self) -> FieldsIter<'_> {
        FieldsIter(&self.0)
    }

    /// Number of field-value pairs.
    pub fn pairs(&self) -> usize {
        self.items().count() / 2
    }

    pub fn heap_bytes(&self) -> usize {
        self.0.len()
    }
}

pub struct FieldsIter<'a>(&'a [u8]);

impl<'a> Iterator for FieldsIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.0.split_first_chunk::<4>()?;
        let n = u32::from_le_bytes(*len) as usize;
        let (item, rest) = rest.split_at_checked(n)?;
        self.0 = rest;
        Some(item)
    }
}

/// One delivered, not yet acknowledged entry of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Unix ms of the last delivery.
    pub delivery_time: i64,
    pub delivery_count: u64,
    pub consumer: Vec<u8>,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    /// Unix ms of the last attempted interaction (read or claim).
    pub seen_time: i64,
    /// Unix ms of the last successful interaction; -1 when none yet.
    pub active_time: i64,
    /// IDs of the group's PEL that belong to this consumer.
    pub pel: BTreeSet<StreamId>,
}

impl Consumer {
    pub fn new(now: i64) -> Consumer {
        Consumer {
            seen_time: now,
            active_time: -1,
            pel: BTreeSet::new(),
        }
    }
}

/// The `entries_read` value that means "unknown" (Redis's
/// SCG_INVALID_ENTRIES_READ).
pub const ENTRIES_READ_UNKNOWN: i64 = -1;

/// A consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub last_id: StreamId,
    /// Logical count of entries the group has read, or
    /// [`ENTRIES_READ_UNKNOWN`].
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Pending>,
    /// By name, in byte order (the order XINFO lists them).
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Removes `id` from the PEL and from its consumer's list.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(p) = self.pel.remove(&id) else {
            return false;
        };
        if let Some(c) = self.consumers.get_mut(&p.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Deletes a consumer and its pending entries; returns how many it had.
    pub fn remove_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }
}

/// One virtual listpack node (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The fields of the entry that opened the node (its "master" fields).
    pub master: Vec<Vec<u8>>,
    pub live: u64,
    pub deleted: u64,
    /// Listpack bytes of every entry appended to the node, deleted or not.
    pub entry_bytes: usize,
}

impl Node {
    /// Total listpack bytes: header and end byte, the master entry, the
    /// entries.
    pub fn lp_bytes(&self) -> usize {
        let master: usize = self.master.iter().map(|f| lp_str_size(f)).sum();
        7 + lp_int_size(self.live as i64)
            + lp_int_size(self.deleted as i64)
            + lp_int_size(self.master.len() as i64)
            + master
            + lp_int_size(0)
            + self.entry_bytes
    }

    fn same_fields(&self, f: &Fields) -> bool {
        let mut it = f.items().step_by(2);
        self.master.iter().all(|m| it.next() == Some(m.as_slice())) && it.next().is_none()
    }
}

/// Listpack size of an integer element (encoding and back-length).
pub fn lp_int_size(v: i64) -> usize {
    if (0..=127).contains(&v) {
        2
    } else if (-4096..=4095).contains(&v) {
        3
    } else if i16::try_from(v).is_ok() {
        4
    } else if (-(1 << 23)..(1 << 23)).contains(&v) {
        5
    } else if i32::try_from(v).is_ok() {
        6
    } else {
        10
    }
}

/// Listpack size of a string element (stored as an integer when it is the
/// canonical text of one).
pub fn lp_str_size(b: &[u8]) -> usize {
    if b.len() <= 20
        && let Some(v) = crate::util::num::parse_i64(b)
    {
        return lp_int_size(v);
    }
    let n = b.len();
    let hdr = if n < 64 {
        1
    } else if n < 4096 {
        2
    } else {
        5
    };
    let l = hdr + n;
    let back = if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    };
    l + back
}

/// Redis's cap on one stream listpack (STREAM_LISTPACK_MAX_SIZE).
pub const LISTPACK_MAX_SIZE: usize = 1 << 30;

/// How nodes are cut (`stream-node-max-bytes`, `stream-node-max-entries`).
#[derive(Debug, Clone, Copy)]
pub struct NodeLimits {
    pub max_bytes: usize,
    pub max_entries: u64,
}

impl Default for NodeLimits {
    fn default() -> Self {
        NodeLimits {
            max_bytes: 4096,
            max_entries: 100,
        }
    }
}

/// Which way XADD/XTRIM trim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

/// A stream value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamValue {
    entries: BTreeMap<StreamId, Fields>,
    nodes: BTreeMap<StreamId, Node>,
    pub last_id: StreamId,
    pub first_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    /// By name, in byte order.
    pub groups: BTreeMap<Vec<u8>, Group>,
}

impl StreamValue {
    pub fn new() -> StreamValue {
        StreamValue::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn encoding_name(&self) -> &'static str {
        "stream"
    }

    /// Number of (virtual) listpack nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn nodes(&self) -> impl Iterator<Item = (&StreamId, &Node)> {
        self.nodes.iter()
    }

    /// The live entries of the node starting at `start`.
    pub fn node_entries(
        &self,
        start: StreamId,
    ) -> impl DoubleEndedIterator<Item = (&StreamId, &Fields)> {
        let end = self
            .nodes
            .range((Bound::Excluded(start), Bound::Unbounded))
            .next()
            .map_or(Bound::Unbounded, |(k, _)| Bound::Excluded(*k));
        self.entries.range((Bound::Included(start), end))
    }

    pub fn get(&self, id: StreamId) -> Option<&Fields> {
        self.entries.get(&id)
    }

    pub fn first(&self) -> Option<(&StreamId, &Fields)> {
        self.entries.first_key_value()
    }

    pub fn last(&self) -> Option<(&StreamId, &Fields)> {
        self.entries.last_key_value()
    }

    /// Entries with `start <= id <= end`, ascending or descending.
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
    ) -> impl DoubleEndedIterator<Item = (&StreamId, &Fields)> {
        let r = if start <= end {
            Some(self.entries.range(start..=end))
        } else {
            None
        };
        r.into_iter().flatten()
    }

    /// Appends an entry whose ID is above `last_id` (the caller checked).
    /// `items` are field, value, field, value...
    pub fn append<T: AsRef<[u8]>>(&mut self, id: StreamId, items: &[T], lim: NodeLimits) {
        let fields = Fields::pack(items);
        let totlen: usize = items.iter().map(|i| i.as_ref().len()).sum();
        let max_bytes = if lim.max_bytes == 0 || lim.max_bytes > LISTPACK_MAX_SIZE {
            LISTPACK_MAX_SIZE
        } else {
            lim.max_bytes
        };
        let open_new = match self.nodes.last_key_value() {
            None => true,
            Some((_, n)) => {
                n.lp_bytes() + totlen >= max_bytes
                    || (lim.max_entries > 0 && n.live + n.deleted >= lim.max_entries)
            }
        };
        if open_new {
            let master = items
                .iter()
                .step_by(2)
                .map(|f| f.as_ref().to_vec())
                .collect();
            self.nodes.insert(
                id,
                Node {
                    master,
                    live: 0,
                    deleted: 0,
                    entry_bytes: 0,
                },
            );
        }
        if let Some(mut last) = self.nodes.last_entry() {
            let start = *last.key();
            let node = last.get_mut();
            node.entry_bytes += entry_lp_size(node, start, id, &fields);
            node.live += 1;
        }
        self.entries.insert(id, fields);
        if self.entries.len() == 1 {
            self.first_id = id;
        }
        self.last_id = id;
        self.entries_added += 1;
    }

    /// Restores a node read from a file: its entries (ascending, inside the
    /// node) and how many deleted entries it held.
    pub fn load_node(
        &mut self,
        start: StreamId,
        master: Vec<Vec<u8>>,
        entries: Vec<(StreamId, Fields)>,
        deleted: u64,
        entry_bytes: usize,
    ) {
        let live = entries.len() as u64;
        self.nodes.insert(
            start,
            Node {
                master,
                live,
                deleted,
                entry_bytes,
            },
        );
        self.entries.extend(entries);
    }

    /// The node holding `id`.
    fn node_of(&self, id: StreamId) -> Option<StreamId> {
        self.nodes.range(..=id).next_back().map(|(k, _)| *k)
    }

    /// Deletes one entry (XDEL); true when it existed.
    pub fn delete(&mut self, id: StreamId) -> bool {
        if self.entries.remove(&id).is_none() {
            return false;
        }
        if let Some(start) = self.node_of(id)
            && let Some(n) = self.nodes.get_mut(&start)
        {
            n.live -= 1;
            n.deleted += 1;
            if n.live == 0 {
                self.nodes.remove(&start);
            }
        }
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        self.refresh_first_id();
        true
    }

    fn refresh_first_id(&mut self) {
        self.first_id = self
            .entries
            .first_key_value()
            .map_or(StreamId::ZERO, |e| *e.0);
    }

    /// Trims as Redis's streamTrim: whole nodes first; with `approx` only
    /// whole nodes; `limit` (0 = none) caps the entries removed. Returns
    /// how many entries were removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut removed = 0u64;
        while let Some((&start, node)) = self.nodes.first_key_value() {
            if let Trim::MaxLen(max) = how
                && self.entries.len() as u64 <= max
            {
                break;
            }
            let live = node.live;
            if limit > 0 && removed + live > limit {
                break;
            }
            let whole = match how {
                Trim::MaxLen(max) => self.entries.len() as u64 - live >= max,
                Trim::MinId(min) => self
                    .node_entries(start)
                    .next_back()
                    .is_none_or(|(last, _)| *last < min),
            };
            if whole {
                let ids: Vec<StreamId> = self.node_entries(start).map(|(k, _)| *k).collect();
                for id in ids {
                    self.entries.remove(&id);
                }
                self.nodes.remove(&start);
                removed += live;
                continue;
            }
            if approx {
                break;
            }
            // Delete entries from inside this node; it keeps at least one.
            let mut gone = Vec::new();
            let mut len = self.entries.len() as u64;
            for (id, _) in self.node_entries(start) {
                let stop = match how {
                    Trim::MaxLen(max) => len <= max,
                    Trim::MinId(min) => *id >= min,
                };
                if stop {
                    break;
                }
                gone.push(*id);
                len -= 1;
            }
            for id in &gone {
                self.entries.remove(id);
            }
            if let Some(n) = self.nodes.get_mut(&start) {
                n.live -= gone.len() as u64;
                n.deleted += gone.len() as u64;
            }
            removed += gone.len() as u64;
            break;
        }
        self.refresh_first_id();
        removed
    }

    /// True when a deleted entry may lie in `[start, end]` (Redis's
    /// streamRangeHasTombstones).
    pub fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.entries.is_empty() || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// The logical position ("entries read") of `id`, when it can be known
    /// (Redis's streamEstimateDistanceFromFirstEverEntry).
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        let added = self.entries_added as i64;
        if self.entries.is_empty() && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        }
        if id > self.last_id {
            return ENTRIES_READ_UNKNOWN;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return added - self.entries.len() as i64;
            }
            if id == self.first_id {
                return added - self.entries.len() as i64 + 1;
            }
        }
        ENTRIES_READ_UNKNOWN
    }

    /// A group's lag, when it can be known.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != ENTRIES_READ_UNKNOWN
            && !self.range_has_tombstones(g.last_id, StreamId::MAX)
        {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        let read = self.estimate_distance(g.last_id);
        (read != ENTRIES_READ_UNKNOWN).then(|| self.entries_added as i64 - read)
    }

    /// Moves a group's last-delivered ID to `id`, delivered now, keeping
    /// its read counter when it can.
    pub fn advance_group(&mut self, name: &[u8], id: StreamId) {
        let tomb = self.range_has_tombstones(id, StreamId::MAX);
        let est = self.estimate_distance(id);
        let added = self.entries_added;
        if let Some(g) = self.groups.get_mut(name)
            && id > g.last_id
        {
            if g.entries_read != ENTRIES_READ_UNKNOWN && !tomb {
                g.entries_read += 1;
            } else if added > 0 {
                g.entries_read = est;
            }
            g.last_id = id;
        }
    }

    /// The node count Redis's radix tree of 16-byte node keys would have
    /// (XINFO STREAM `radix-tree-nodes`): a compressed node per shared
    /// run of bytes, a branching node where keys part, a leaf per key.
    pub fn radix_tree_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|k| k.to_be_bytes()).collect();
        if keys.is_empty() {
            return 1;
        }
        rax_nodes(&keys, 0)
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_bytes(&self) -> usize {
        let entries: usize = self.entries.values().map(|f| 48 + f.heap_bytes()).sum();
        let nodes: usize = self
            .nodes
            .values()
            .map(|n| 64 + n.master.iter().map(|m| 24 + m.len()).sum::<usize>())
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                let pel: usize = g.pel.values().map(|p| 72 + p.consumer.len()).sum();
                let cons: usize = g
                    .consumers
                    .iter()
                    .map(|(n, c)| 64 + n.len() + 24 * c.pel.len())
                    .sum();
                96 + name.len() + pel + cons
            })
            .sum();
        std::mem::size_of::<StreamValue>() + entries + nodes + groups
    }

    /// Free effort for lazy freeing: one unit per entry, PEL item and
    /// consumer.
    pub fn free_effort(&self) -> usize {
        self.entries.len()
            + self
                .groups
                .values()
                .map(|g| g.pel.len() + g.consumers.len())
                .sum::<usize>()
    }
}

/// Nodes of a radix tree over `keys` (sorted, distinct, equal length)
/// from byte `depth` on.
fn rax_nodes(keys: &[[u8; 16]], depth: usize) -> usize {
    if keys.len() == 1 {
        return if depth < 16 { 2 } else { 1 };
    }
    let (first, last) = (&keys[0], &keys[keys.len() - 1]);
    let mut d = depth;
    while d < 16 && first[d] == last[d] {
        d += 1;
    }
    let prefix = usize::from(d > depth);
    let mut total = prefix + 1;
    let mut i = 0;
    while i < keys.len() {
        let b = keys[i][d];
        let j = i + keys[i..].iter().take_while(|k| k[d] == b).count();
        total += rax_nodes(&keys[i..j], d + 1);
        i = j;
    }
    total
}

/// Listpack bytes of one entry appended to `node` (which starts at
/// `start`): flags, ID deltas, the fields unless they equal the master's,
/// the values, and the trailing element count.
fn entry_lp_size(node: &Node, start: StreamId, id: StreamId, f: &Fields) -> usize {
    let ms = id.ms.wrapping_sub(start.ms) as i64;
    let seq = id.seq.wrapping_sub(start.seq) as i64;
    let mut size = lp_int_size(0) + lp_int_size(ms) + lp_int_size(seq);
    let pairs = f.pairs();
    let count = if node.same_fields(f) {
        size += f.items().skip(1).step_by(2).map(lp_str_size).sum::<usize>();
        pairs + 3
    } else {
        size += lp_int_size(pairs as i64);
        size += f.items().map(lp_str_size).sum::<usize>();
        pairs * 2 + 4
    };
    size + lp_int_size(count as i64)
}

/// Parses "ms-seq", "ms" (seq = `missing_seq`), with Redis's rules: both
/// parts unsigned 64-bit decimal. `-`/`+` are the caller's business.
pub fn parse_id(b: &[u8], missing_seq: u64) -> Option<StreamId> {
    if b.is_empty() || b.len() > 127 {
        return None;
    }
    match b.iter().position(|&c| c == b'-') {
        Some(i) => Some(StreamId::new(
            parse_u64_strict(&b[..i])?,
            parse_u64_strict(&b[i + 1..])?,
        )),
        None => Some(StreamId::new(parse_u64_strict(b)?, missing_seq)),
    }
}

/// Redis's string2ull as used for stream IDs: strtoull accepting only what
/// consumed the whole text (a leading '+' or spaces are refused here
/// because strtoull's extras do not matter for real IDs).
fn parse_u64_strict(b: &[u8]) -> Option<u64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn add(s: &mut StreamValue, i: StreamId) {
        s.append(
            i,
            &[b"f".as_slice(), b"v".as_slice()],
            NodeLimits::default(),
        );
    }

    #[test]
    fn fields_round_trip() {
        let f = Fields::pack(&[b"a".as_slice(), b"", b"ccc", b"dd"]);
        let items: Vec<&[u8]> = f.items().collect();
        assert_eq!(items, vec![b"a".as_slice(), b"", b"ccc", b"dd"]);
        assert_eq!(f.pairs(), 2);
    }

    #[test]
    fn ids_parse_and_order() {
        assert_eq!(parse_id(b"5-3", 0), Some(id(5, 3)));
        assert_eq!(parse_id(b"5", 7), Some(id(5, 7)));
        assert_eq!(parse_id(b"5-", 0), None);
        assert_eq!(parse_id(b"-5", 0), None);
        assert_eq!(parse_id(b"18446744073709551616", 0), None);
        assert!(id(1, 5) < id(2, 0));
        assert_eq!(id(1, u64::MAX).incr(), Some(id(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(id(2, 0).decr(), Some(id(1, u64::MAX)));
        assert_eq!(
            StreamId::from_be_bytes(&id(7, 9).to_be_bytes()),
            Some(id(7, 9))
        );
    }

    #[test]
    fn nodes_are_cut_every_100_entries_and_trim_approx_takes_whole_nodes() {
        let mut s = StreamValue::new();
        for i in 1..=250 {
            add(&mut s, id(i, 0));
        }
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.trim(Trim::MaxLen(120), true, 0), 100);
        assert_eq!(s.len(), 150);
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(s.len(), 120);
        assert_eq!(s.first_id, id(131, 0));
        assert_eq!(s.trim(Trim::MinId(id(240, 0)), false, 0), 109);
        assert_eq!(s.first().map(|e| *e.0), Some(id(240, 0)));
    }

    #[test]
    fn deleted_entries_still_count_toward_a_node() {
        let mut s = StreamValue::new();
        for i in 1..=100 {
            add(&mut s, id(i, 0));
        }
        assert!(s.delete(id(50, 0)));
        assert!(!s.delete(id(50, 0)));
        add(&mut s, id(101, 0));
        assert_eq!(s.node_count(), 2);
        assert_eq!(s.max_deleted_id, id(50, 0));
    }

    #[test]
    fn node_size_matches_a_real_listpack() {
        use crate::persist::packed::ListpackWriter;
        let mut s = StreamValue::new();
        s.append(id(5, 0), &[b"name".as_slice(), b"x"], NodeLimits::default());
        s.append(
            id(5, 1),
            &[b"name".as_slice(), b"12345"],
            NodeLimits::default(),
        );
        s.append(
            id(900, 0),
            &[b"other".as_slice(), b"y"],
            NodeLimits::default(),
        );
        let node = s.nodes().next().map(|(_, n)| n.clone()).expect("one node");
        let mut w = ListpackWriter::new();
        for v in [3i64, 0, 1] {
            w.push_int(v);
        }
        w.push_bytes(b"name");
        w.push_int(0);
        for (ms, seq, val) in [(0i64, 0i64, b"x".as_slice()), (0, 1, b"12345")] {
            w.push_int(2);
            w.push_int(ms);
            w.push_int(seq);
            w.push_bytes(val);
            w.push_int(4);
        }
        for v in [0i64, 895, 0, 1] {
            w.push_int(v);
        }
        w.push_bytes(b"other");
        w.push_bytes(b"y");
        w.push_int(6);
        assert_eq!(node.lp_bytes(), w.finish().len());
    }

    #[test]
    fn lag_and_distance_follow_redis_rules() {
        let mut s = StreamValue::new();
        add(&mut s, id(1, 1));
        add(&mut s, id(2, 1));
        let g = Group::new(StreamId::ZERO, ENTRIES_READ_UNKNOWN);
        assert_eq!(s.lag(&g), Some(2));
        s.delete(id(1, 1));
        assert_eq!(s.lag(&g), Some(1));
        assert_eq!(s.estimate_distance(id(2, 1)), 2);
        assert_eq!(s.estimate_distance(id(3, 0)), ENTRIES_READ_UNKNOWN);
    }
}
