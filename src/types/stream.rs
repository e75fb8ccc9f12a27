//! The stream type: entries ordered by ID, the stream's counters, and
//! consumer groups with their pending-entries lists (PEL) and consumers.
//! Knows nothing about commands or RESP.
//!
//! Layout. Entries live in packed nodes, as in Redis: a `BTreeMap` from
//! each node's first ID to the node, whose buffer holds its live entries
//! back to back (ms delta from the node's first ID, sequence, then each
//! field and value with a varint length), about 20-30 bytes for a small
//! entry. A lookup finds the node in the tree and scans it (a node holds at
//! most `stream-node-max-entries` entries); a range decodes only the nodes
//! it touches; XDEL and trimming cut bytes out of a node buffer.
//!
//! Nodes open and close by Redis's rules (`stream-node-max-entries`,
//! counting deleted entries, and `stream-node-max-bytes`, measured as the
//! bytes the node's *listpack* would take, which each node tracks), because
//! some replies depend on where nodes begin: approximate trimming
//! (`MAXLEN ~`, `MINID ~`) removes whole nodes only, and XINFO STREAM counts
//! them. The RDB writer emits exactly these nodes as listpacks. The one
//! thing a node does not keep is the ID of a deleted entry that ended it;
//! `MINID ~` then looks at the node's last live entry.

use std::collections::{BTreeMap, BTreeSet};

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

/// One entry's field-value pairs as stored in its node: each item is a
/// varint length and its bytes. A view into the node's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    /// Fields and values in order.
    pub fn items(self) -> FieldsIter<'a> {
        FieldsIter(self.0)
    }

    /// Number of field-value pairs.
    pub fn pairs(self) -> usize {
        self.items().count() / 2
    }
}

pub struct FieldsIter<'a>(&'a [u8]);

impl<'a> Iterator for FieldsIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let mut pos = 0;
        let n = read_varint(self.0, &mut pos)?;
        let end = pos.checked_add(usize::try_from(n).ok()?)?;
        let item = self.0.get(pos..end)?;
        self.0 = &self.0[end..];
        Some(item)
    }
}

/// LEB128: seven bits per byte, low first.
fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Appends one entry to a node buffer: ms delta from the node's first ID,
/// sequence, byte length of the items, then each item (varint length,
/// bytes).
fn encode_entry<T: AsRef<[u8]>>(out: &mut Vec<u8>, start: StreamId, id: StreamId, items: &[T]) {
    let mut body = Vec::with_capacity(items.iter().map(|i| i.as_ref().len() + 2).sum());
    for i in items {
        write_varint(&mut body, i.as_ref().len() as u64);
        body.extend_from_slice(i.as_ref());
    }
    write_varint(out, id.ms.wrapping_sub(start.ms));
    write_varint(out, id.seq);
    write_varint(out, body.len() as u64);
    out.extend_from_slice(&body);
}

/// The entries of one node buffer: (ID, fields, byte range of the entry).
struct NodeIter<'a> {
    start: StreamId,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for NodeIter<'a> {
    type Item = (StreamId, Fields<'a>, std::ops::Range<usize>);
    fn next(&mut self) -> Option<Self::Item> {
        let at = self.pos;
        let mut p = self.pos;
        let ms = read_varint(self.data, &mut p)?;
        let seq = read_varint(self.data, &mut p)?;
        let len = usize::try_from(read_varint(self.data, &mut p)?).ok()?;
        let end = p.checked_add(len)?;
        let body = self.data.get(p..end)?;
        self.pos = end;
        let id = StreamId::new(self.start.ms.wrapping_add(ms), seq);
        Some((id, Fields(body), at..end))
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
    /// The live entries, packed (see `encode_entry`).
    data: Vec<u8>,
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

    fn iter(&self, start: StreamId) -> NodeIter<'_> {
        NodeIter {
            start,
            data: &self.data,
            pos: 0,
        }
    }

    fn same_fields(&self, f: Fields) -> bool {
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
    /// Live entries.
    length: usize,
    /// First ID of each node → the node; entries are packed in the nodes.
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
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
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
    pub fn node_entries(&self, start: StreamId) -> impl Iterator<Item = (StreamId, Fields<'_>)> {
        self.nodes
            .get(&start)
            .into_iter()
            .flat_map(move |n| n.iter(start).map(|(id, f, _)| (id, f)))
    }

    pub fn get(&self, id: StreamId) -> Option<Fields<'_>> {
        let start = self.node_of(id)?;
        let node = self.nodes.get(&start)?;
        node.iter(start).find(|e| e.0 == id).map(|e| e.1)
    }

    pub fn first(&self) -> Option<(StreamId, Fields<'_>)> {
        let (start, node) = self.nodes.first_key_value()?;
        node.iter(*start).next().map(|(id, f, _)| (id, f))
    }

    pub fn last(&self) -> Option<(StreamId, Fields<'_>)> {
        let (start, node) = self.nodes.last_key_value()?;
        node.iter(*start).last().map(|(id, f, _)| (id, f))
    }

    /// Entries with `start <= id <= end`, ascending or descending. Each
    /// node visited is decoded whole (it holds at most
    /// `stream-node-max-entries` entries).
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
    ) -> impl DoubleEndedIterator<Item = (StreamId, Fields<'_>)> {
        let nodes = if start <= end {
            let from = self.node_of(start).unwrap_or(start);
            Some(self.nodes.range(from..=end))
        } else {
            None
        };
        nodes
            .into_iter()
            .flatten()
            .flat_map(|(k, n)| n.iter(*k).map(|(id, f, _)| (id, f)).collect::<Vec<_>>())
            .filter(move |(id, _)| *id >= start && *id <= end)
    }

    /// Appends an entry whose ID is above `last_id` (the caller checked).
    /// `items` are field, value, field, value...
    pub fn append<T: AsRef<[u8]>>(&mut self, id: StreamId, items: &[T], lim: NodeLimits) {
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
            // The closing node takes no more entries: drop its slack.
            if let Some(mut last) = self.nodes.last_entry() {
                last.get_mut().data.shrink_to_fit();
            }
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
                    data: Vec::new(),
                },
            );
        }
        if let Some(mut last) = self.nodes.last_entry() {
            let start = *last.key();
            let node = last.get_mut();
            let at = node.data.len();
            encode_entry(&mut node.data, start, id, items);
            let added = NodeIter {
                start,
                data: &node.data,
                pos: at,
            }
            .next();
            let size = added.map_or(0, |(_, f, _)| entry_lp_size(node, start, id, f));
            node.entry_bytes += size;
            node.live += 1;
        }
        self.length += 1;
        if self.length == 1 {
            self.first_id = id;
        }
        self.last_id = id;
        self.entries_added += 1;
    }

    /// Restores a node read from a file: its live entries (ascending,
    /// inside the node, each as field, value, ...), how many deleted
    /// entries it held and the listpack bytes of all its entries.
    pub fn load_node(
        &mut self,
        start: StreamId,
        master: Vec<Vec<u8>>,
        entries: Vec<(StreamId, Vec<Vec<u8>>)>,
        deleted: u64,
        entry_bytes: usize,
    ) {
        let live = entries.len() as u64;
        let mut data = Vec::new();
        for (id, items) in &entries {
            encode_entry(&mut data, start, *id, items);
        }
        self.length += entries.len();
        self.nodes.insert(
            start,
            Node {
                master,
                live,
                deleted,
                entry_bytes,
                data,
            },
        );
    }

    /// The node holding `id`.
    fn node_of(&self, id: StreamId) -> Option<StreamId> {
        self.nodes.range(..=id).next_back().map(|(k, _)| *k)
    }

    /// Deletes one entry (XDEL); true when it existed.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some(start) = self.node_of(id) else {
            return false;
        };
        let Some(node) = self.nodes.get_mut(&start) else {
            return false;
        };
        let Some(span) = node.iter(start).find(|e| e.0 == id).map(|e| e.2) else {
            return false;
        };
        node.data.drain(span);
        node.live -= 1;
        node.deleted += 1;
        if node.live == 0 {
            self.nodes.remove(&start);
        }
        self.length -= 1;
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        self.refresh_first_id();
        true
    }

    fn refresh_first_id(&mut self) {
        self.first_id = self.first().map_or(StreamId::ZERO, |e| e.0);
    }

    /// Trims as Redis's streamTrim: whole nodes first; with `approx` only
    /// whole nodes; `limit` (0 = none) caps the entries removed. Returns
    /// how many entries were removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut removed = 0u64;
        while let Some((&start, node)) = self.nodes.first_key_value() {
            if let Trim::MaxLen(max) = how
                && self.length as u64 <= max
            {
                break;
            }
            let live = node.live;
            if limit > 0 && removed + live > limit {
                break;
            }
            let whole = match how {
                Trim::MaxLen(max) => self.length as u64 - live >= max,
                Trim::MinId(min) => node
                    .iter(start)
                    .last()
                    .is_none_or(|(last, _, _)| last < min),
            };
            if whole {
                self.nodes.remove(&start);
                self.length -= live as usize;
                removed += live;
                continue;
            }
            if approx {
                break;
            }
            // Delete entries from the front of this node; it keeps at
            // least one.
            let mut gone = 0usize;
            let mut cut = 0usize;
            let mut len = self.length as u64;
            for (id, _, span) in node.iter(start) {
                let stop = match how {
                    Trim::MaxLen(max) => len <= max,
                    Trim::MinId(min) => id >= min,
                };
                if stop {
                    break;
                }
                gone += 1;
                cut = span.end;
                len -= 1;
            }
            if let Some(n) = self.nodes.get_mut(&start) {
                n.data.drain(..cut);
                n.live -= gone as u64;
                n.deleted += gone as u64;
            }
            self.length -= gone;
            removed += gone as u64;
            break;
        }
        self.refresh_first_id();
        removed
    }

    /// True when a deleted entry may lie in `[start, end]` (Redis's
    /// streamRangeHasTombstones).
    pub fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
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
        if self.length == 0 && id <= self.last_id {
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
                return added - self.length as i64;
            }
            if id == self.first_id {
                return added - self.length as i64 + 1;
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
        let nodes: usize = self
            .nodes
            .values()
            .map(|n| 96 + n.data.capacity() + n.master.iter().map(|m| 24 + m.len()).sum::<usize>())
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
        std::mem::size_of::<StreamValue>() + nodes + groups
    }

    /// Free effort for lazy freeing: one unit per node (one allocation
    /// each), PEL item and consumer.
    pub fn free_effort(&self) -> usize {
        self.nodes.len()
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
fn entry_lp_size(node: &Node, start: StreamId, id: StreamId, f: Fields) -> usize {
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
        let mut buf = Vec::new();
        let items = [b"a".as_slice(), b"", &[b'c'; 300], b"dd"];
        encode_entry(&mut buf, id(5, 0), id(7, 300), &items);
        let mut it = NodeIter {
            start: id(5, 0),
            data: &buf,
            pos: 0,
        };
        let (got, f, span) = it.next().expect("one entry");
        assert_eq!((got, span), (id(7, 300), 0..buf.len()));
        assert!(it.next().is_none());
        let items: Vec<&[u8]> = f.items().collect();
        assert_eq!(items, vec![b"a".as_slice(), b"", &[b'c'; 300], b"dd"]);
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
        assert_eq!(s.first().map(|e| e.0), Some(id(240, 0)));
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

    /// Random appends, deletes and trims against a plain ordered map: the
    /// packed nodes must always agree with it.
    #[test]
    fn packed_nodes_agree_with_a_model() {
        use std::collections::BTreeMap as Model;
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let lim = NodeLimits {
            max_bytes: 300,
            max_entries: 7,
        };
        let mut s = StreamValue::new();
        let mut m: Model<StreamId, Vec<Vec<u8>>> = Model::new();
        let mut next = id(1, 0);
        for step in 0..3000 {
            match rnd() % 10 {
                0..=5 => {
                    next = if rnd() % 3 == 0 {
                        id(next.ms + 1 + rnd() % 1000, rnd() % 4)
                    } else {
                        id(next.ms, next.seq + 1)
                    };
                    let n = 1 + (rnd() % 3) as usize;
                    let items: Vec<Vec<u8>> = (0..n * 2)
                        .map(|k| vec![b'a' + (k as u8 % 3); (rnd() % 40) as usize])
                        .collect();
                    s.append(next, &items, lim);
                    m.insert(next, items);
                }
                6 | 7 => {
                    if let Some(&victim) = m.keys().nth((rnd() as usize) % m.len().max(1)) {
                        assert!(s.delete(victim));
                        m.remove(&victim);
                    }
                }
                8 => {
                    let keep = (m.len() as u64).saturating_sub(rnd() % 5);
                    let approx = rnd() % 2 == 0;
                    let n = s.trim(Trim::MaxLen(keep), approx, 0);
                    for _ in 0..n {
                        m.pop_first();
                    }
                }
                _ => {
                    let lo = m.keys().nth((rnd() as usize) % m.len().max(1)).copied();
                    if let Some(lo) = lo {
                        let n = s.trim(Trim::MinId(lo), false, 0);
                        let before = m.len();
                        m.retain(|k, _| *k >= lo);
                        assert_eq!(n as usize, before - m.len(), "step {step}");
                    }
                }
            }
            assert_eq!(s.len(), m.len(), "step {step}");
            assert_eq!(
                s.first_id,
                m.keys().next().copied().unwrap_or(StreamId::ZERO)
            );
            if step % 50 == 0 {
                let got: Vec<(StreamId, Vec<Vec<u8>>)> = s
                    .range(StreamId::ZERO, StreamId::MAX)
                    .map(|(i, f)| (i, f.items().map(<[u8]>::to_vec).collect()))
                    .collect();
                let want: Vec<(StreamId, Vec<Vec<u8>>)> =
                    m.iter().map(|(k, v)| (*k, v.clone())).collect();
                assert_eq!(got, want, "step {step}");
                let back: Vec<StreamId> = s
                    .range(StreamId::ZERO, StreamId::MAX)
                    .rev()
                    .map(|e| e.0)
                    .collect();
                let mut fwd: Vec<StreamId> = m.keys().copied().collect();
                fwd.reverse();
                assert_eq!(back, fwd);
                if let Some((&k, v)) = m.iter().nth(m.len() / 2) {
                    let f: Vec<Vec<u8>> = s
                        .get(k)
                        .expect("present")
                        .items()
                        .map(<[u8]>::to_vec)
                        .collect();
                    assert_eq!(&f, v);
                    let mid: Vec<StreamId> = s.range(k, k).map(|e| e.0).collect();
                    assert_eq!(mid, vec![k]);
                }
            }
        }
    }
}
