//! Streams in RDB files: written as RDB_TYPE_STREAM_LISTPACKS_2 (what
//! Redis 7.0 writes in a version 10 file), read from types 15, 19 and 21.
//!
//! The value is a list of nodes (16-byte big-endian master ID, listpack),
//! then the length, last ID, (types 19+) first ID, max deleted ID and
//! entries added, then the consumer groups: name, last delivered ID,
//! (19+) entries read, the PEL (raw 16-byte ID, 8-byte little-endian
//! delivery time, delivery count) and the consumers (name, seen time,
//! (21) active time, their PEL as raw IDs).
//!
//! A node's listpack starts with a master entry: live count, deleted
//! count, number of master fields, the fields, a 0. Each entry follows as
//! flags, ms and seq deltas from the master ID, then (unless flagged
//! SAMEFIELDS) the field count and field-value pairs, or just the values,
//! then the number of listpack elements the entry used.

use super::{Decoder, Encoder, Input, LoadError, T_STREAM_LISTPACKS, T_STREAM_LISTPACKS_3};
use crate::persist::packed::{self, Entry, ListpackWriter};
use crate::types::stream::{Consumer, Fields, Group, Pending, StreamId, StreamValue};

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

impl Encoder {
    /// A stream as RDB_TYPE_STREAM_LISTPACKS_2.
    pub(super) fn stream(&mut self, s: &StreamValue) {
        self.len(s.node_count() as u64);
        for (start, node) in s.nodes() {
            let mut w = ListpackWriter::new();
            let live: Vec<(StreamId, Fields)> = s.node_entries(*start).collect();
            w.push_int(live.len() as i64);
            w.push_int(0);
            w.push_int(node.master.len() as i64);
            for f in &node.master {
                w.push_bytes(f);
            }
            w.push_int(0);
            for (id, fields) in live {
                let same = fields
                    .items()
                    .step_by(2)
                    .eq(node.master.iter().map(|m| &m[..]));
                w.push_int(if same { FLAG_SAMEFIELDS } else { 0 });
                w.push_int(id.ms.wrapping_sub(start.ms) as i64);
                w.push_int(id.seq.wrapping_sub(start.seq) as i64);
                let pairs = fields.pairs();
                if same {
                    for v in fields.items().skip(1).step_by(2) {
                        w.push_bytes(v);
                    }
                    w.push_int(pairs as i64 + 3);
                } else {
                    w.push_int(pairs as i64);
                    for item in fields.items() {
                        w.push_bytes(item);
                    }
                    w.push_int(pairs as i64 * 2 + 4);
                }
            }
            self.string(&start.to_be_bytes());
            self.string(&w.finish());
        }
        self.len(s.len() as u64);
        self.id(s.last_id);
        self.id(s.first_id);
        self.id(s.max_deleted_id);
        self.len(s.entries_added);
        self.len(s.groups.len() as u64);
        for (name, g) in &s.groups {
            self.string(name);
            self.id(g.last_id);
            self.len(g.entries_read as u64);
            self.len(g.pel.len() as u64);
            for (id, p) in &g.pel {
                self.buf.extend_from_slice(&id.to_be_bytes());
                self.buf.extend_from_slice(&p.delivery_time.to_le_bytes());
                self.len(p.delivery_count);
            }
            self.len(g.consumers.len() as u64);
            for (cname, c) in &g.consumers {
                self.string(cname);
                self.buf.extend_from_slice(&c.seen_time.to_le_bytes());
                self.len(c.pel.len() as u64);
                for id in &c.pel {
                    self.buf.extend_from_slice(&id.to_be_bytes());
                }
            }
        }
    }

    fn id(&mut self, id: StreamId) {
        self.len(id.ms);
        self.len(id.seq);
    }
}

/// An integer element of a stream listpack.
fn int(e: Option<&Entry>) -> Result<i64, String> {
    match e {
        Some(Entry::Int(v)) => Ok(*v),
        Some(Entry::Str(b)) => crate::util::num::parse_i64(b)
            .ok_or_else(|| "stream listpack: expected an integer".into()),
        None => Err("stream listpack cut short".into()),
    }
}

fn count(e: Option<&Entry>) -> Result<usize, String> {
    usize::try_from(int(e)?).map_err(|_| "stream listpack: negative count".to_string())
}

/// One node read back: its live entries, master fields, the number of
/// deleted entries and the listpack bytes its entries take.
type LoadedNode = (Vec<Vec<u8>>, Vec<(StreamId, Vec<Vec<u8>>)>, u64, usize);

/// Decodes and checks one node's listpack.
fn read_node(start: StreamId, blob: &[u8]) -> Result<LoadedNode, String> {
    let items = packed::listpack_entries(blob).map_err(|e| e.to_string())?;
    let mut it = items.iter();
    let live = count(it.next())?;
    let deleted = count(it.next())? as u64;
    let nmaster = count(it.next())?;
    if nmaster == 0 || nmaster > items.len() {
        return Err("stream listpack: bad master field count".into());
    }
    let mut master = Vec::with_capacity(nmaster);
    for _ in 0..nmaster {
        master.push(it.next().ok_or("stream listpack cut short")?.to_vec());
    }
    if int(it.next())? != 0 {
        return Err("stream listpack: bad master entry terminator".into());
    }
    if live == 0 {
        return Err("Empty listpack inside stream".into());
    }
    let header_bytes = {
        let master_bytes: usize = master
            .iter()
            .map(|f| crate::types::stream::lp_str_size(f))
            .sum();
        7 + crate::types::stream::lp_int_size(live as i64)
            + crate::types::stream::lp_int_size(deleted as i64)
            + crate::types::stream::lp_int_size(nmaster as i64)
            + master_bytes
            + crate::types::stream::lp_int_size(0)
    };
    let mut entries: Vec<(StreamId, Vec<Vec<u8>>)> = Vec::with_capacity(live.min(items.len()));
    let mut seen_deleted = 0u64;
    let mut prev: Option<StreamId> = None;
    while let Some(flags) = it.next() {
        let flags = int(Some(flags))?;
        let ms = int(it.next())? as u64;
        let seq = int(it.next())? as u64;
        let id = StreamId::new(start.ms.wrapping_add(ms), start.seq.wrapping_add(seq));
        if id < start || prev.is_some_and(|p| id <= p) {
            return Err("stream listpack: entry IDs out of order".into());
        }
        prev = Some(id);
        let mut kv: Vec<Vec<u8>> = Vec::new();
        let used = if flags & FLAG_SAMEFIELDS != 0 {
            for f in &master {
                kv.push(f.clone());
                kv.push(it.next().ok_or("stream listpack cut short")?.to_vec());
            }
            nmaster + 3
        } else {
            let n = count(it.next())?;
            if n > items.len() {
                return Err("stream listpack: bad field count".into());
            }
            for _ in 0..n * 2 {
                kv.push(it.next().ok_or("stream listpack cut short")?.to_vec());
            }
            n * 2 + 4
        };
        if count(it.next())? != used {
            return Err("stream listpack: bad entry element count".into());
        }
        if flags & FLAG_DELETED != 0 {
            seen_deleted += 1;
        } else {
            entries.push((id, kv));
        }
    }
    if entries.len() != live || seen_deleted != deleted {
        return Err("stream listpack: entry counts do not match the master entry".into());
    }
    let entry_bytes = blob.len().saturating_sub(header_bytes);
    Ok((master, entries, deleted, entry_bytes))
}

impl<I: Input> Decoder<I> {
    fn stream_id(&mut self) -> Result<StreamId, LoadError> {
        let ms = self.length()?;
        let seq = self.length()?;
        Ok(StreamId::new(ms, seq))
    }

    fn raw_id(&mut self) -> Result<StreamId, LoadError> {
        let b: [u8; 16] = self.fixed()?;
        StreamId::from_be_bytes(&b).ok_or_else(|| self.err("bad stream ID"))
    }

    fn ms_time(&mut self) -> Result<i64, LoadError> {
        Ok(i64::from_le_bytes(self.fixed()?))
    }

    /// A stream of type 15, 19 or 21.
    pub(super) fn stream(&mut self, ty: u8) -> Result<StreamValue, LoadError> {
        let mut s = StreamValue::new();
        let nodes = self.count()?;
        let mut last_start: Option<StreamId> = None;
        for _ in 0..nodes {
            let key = self.string_vec()?;
            let start = StreamId::from_be_bytes(&key)
                .ok_or_else(|| self.err("Stream node key entry is not the size of a stream ID"))?;
            if last_start.is_some_and(|p| start <= p) {
                return Err(self.err("stream nodes out of order"));
            }
            let blob = self.string_vec()?;
            let (master, entries, deleted, bytes) =
                read_node(start, &blob).map_err(|m| self.err(m))?;
            // Every entry of the previous node must come before this
            // node's first ID (entries of this node are at or after it).
            if let Some((prev_last, _)) = s.last()
                && prev_last >= start
            {
                return Err(self.err("stream nodes out of order"));
            }
            last_start = Some(start);
            s.load_node(start, master, entries, deleted, bytes);
        }
        let length = self.length()?;
        if length != s.len() as u64 {
            return Err(self.err("stream length does not match its entries"));
        }
        s.last_id = self.stream_id()?;
        if s.last().is_some_and(|(id, _)| id > s.last_id) {
            return Err(self.err("stream last ID is below its last entry"));
        }
        if ty == T_STREAM_LISTPACKS {
            s.first_id = s.first().map_or(StreamId::ZERO, |e| e.0);
            s.max_deleted_id = StreamId::ZERO;
            s.entries_added = length;
        } else {
            s.first_id = self.stream_id()?;
            s.max_deleted_id = self.stream_id()?;
            s.entries_added = self.length()?;
        }
        let ngroups = self.count()?;
        for _ in 0..ngroups {
            let name = self.string_vec()?;
            let last_id = self.stream_id()?;
            let entries_read = if ty == T_STREAM_LISTPACKS {
                s.estimate_distance(last_id)
            } else {
                self.length()? as i64
            };
            let mut g = Group::new(last_id, entries_read);
            let npel = self.count()?;
            for _ in 0..npel {
                let id = self.raw_id()?;
                let delivery_time = self.ms_time()?;
                let delivery_count = self.length()?;
                let p = Pending {
                    delivery_time,
                    delivery_count,
                    consumer: Vec::new(),
                };
                if g.pel.insert(id, p).is_some() {
                    return Err(
                        self.err("Duplicated global PEL entry loading stream consumer group")
                    );
                }
            }
            let ncons = self.count()?;
            for _ in 0..ncons {
                let cname = self.string_vec()?;
                let seen_time = self.ms_time()?;
                let active_time = if ty == T_STREAM_LISTPACKS_3 {
                    self.ms_time()?
                } else {
                    seen_time
                };
                let mut c = Consumer {
                    seen_time,
                    active_time,
                    pel: Default::default(),
                };
                let n = self.count()?;
                for _ in 0..n {
                    let id = self.raw_id()?;
                    let Some(p) = g.pel.get_mut(&id) else {
                        return Err(self.err("Consumer PEL entry not found in group global PEL"));
                    };
                    if !p.consumer.is_empty() || !c.pel.insert(id) {
                        return Err(self
                            .err("Duplicated consumer PEL entry loading a stream consumer group"));
                    }
                    p.consumer = cname.clone();
                }
                if g.consumers.insert(cname, c).is_some() {
                    return Err(self.err("Duplicate stream consumer detected."));
                }
            }
            if g.pel.values().any(|p| p.consumer.is_empty()) {
                return Err(self.err("Stream group PEL entry without a consumer"));
            }
            if s.groups.insert(name, g).is_some() {
                return Err(self.err("Duplicated consumer group name loading a stream"));
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SliceInput, T_STREAM_LISTPACKS_2, TypeLimits};
    use super::*;
    use crate::types::Value;

    /// One node holding 5-0 {f: v1} and 5-1 {f: v2}, then a group "g"
    /// whose consumer "c" has 5-0 pending; type 21 adds the consumer's
    /// active time after its seen time.
    fn hand_made(ty: u8) -> Vec<u8> {
        let mut lp = ListpackWriter::new();
        for v in [2, 0, 1] {
            lp.push_int(v);
        }
        lp.push_bytes(b"f");
        lp.push_int(0);
        for (seq, val) in [(0, b"v1"), (1, b"v2")] {
            lp.push_int(FLAG_SAMEFIELDS);
            lp.push_int(0);
            lp.push_int(seq);
            lp.push_bytes(val);
            lp.push_int(4);
        }
        let mut e = Encoder::new(false, -2);
        e.len(1);
        e.string(&StreamId::new(5, 0).to_be_bytes());
        e.string(&lp.finish());
        e.len(2);
        e.id(StreamId::new(5, 1));
        if ty != T_STREAM_LISTPACKS {
            e.id(StreamId::new(5, 0));
            e.id(StreamId::ZERO);
            e.len(7);
        }
        e.len(1);
        e.string(b"g");
        e.id(StreamId::new(5, 1));
        if ty != T_STREAM_LISTPACKS {
            e.len(2);
        }
        e.len(1);
        e.buf.extend_from_slice(&StreamId::new(5, 0).to_be_bytes());
        e.buf.extend_from_slice(&1000i64.to_le_bytes());
        e.len(3);
        e.len(1);
        e.string(b"c");
        e.buf.extend_from_slice(&2000i64.to_le_bytes());
        if ty == T_STREAM_LISTPACKS_3 {
            e.buf.extend_from_slice(&1500i64.to_le_bytes());
        }
        e.len(1);
        e.buf.extend_from_slice(&StreamId::new(5, 0).to_be_bytes());
        e.buf
    }

    fn load(ty: u8, bytes: &[u8]) -> Result<StreamValue, String> {
        let mut d = Decoder::new(SliceInput::new(bytes));
        match d.object(ty, &TypeLimits::default()) {
            Ok(Some(Value::Stream(s))) => Ok(*s),
            Ok(_) => Err("not a stream".into()),
            Err(e) => Err(e.msg),
        }
    }

    #[test]
    fn all_three_stream_types_load() {
        for ty in [
            T_STREAM_LISTPACKS,
            T_STREAM_LISTPACKS_2,
            T_STREAM_LISTPACKS_3,
        ] {
            let s = load(ty, &hand_made(ty)).unwrap();
            assert_eq!(s.len(), 2);
            let f: Vec<&[u8]> = s.get(StreamId::new(5, 1)).unwrap().items().collect();
            assert_eq!(f, vec![b"f".as_slice(), b"v2"]);
            let g = &s.groups[b"g".as_slice()];
            let c = &g.consumers[b"c".as_slice()];
            assert_eq!(g.pel[&StreamId::new(5, 0)].delivery_count, 3);
            assert_eq!(c.seen_time, 2000);
            // Before 7.2 files had no active time: it starts as seen time.
            let active = if ty == T_STREAM_LISTPACKS_3 {
                1500
            } else {
                2000
            };
            assert_eq!(c.active_time, active);
            if ty == T_STREAM_LISTPACKS {
                // Counters are derived: entries_added = length, and the
                // group's read count estimated from its last ID.
                assert_eq!((s.entries_added, g.entries_read), (2, 2));
            } else {
                assert_eq!((s.entries_added, g.entries_read), (7, 2));
            }
            // Written back as type 19, it loads to the same value.
            let mut e = Encoder::new(false, -2);
            e.stream(&s);
            let again = load(T_STREAM_LISTPACKS_2, &e.buf).unwrap();
            assert_eq!(again.len(), 2);
            assert_eq!(again.groups, {
                let mut g = s.groups.clone();
                for c in g.values_mut().flat_map(|g| g.consumers.values_mut()) {
                    c.active_time = c.seen_time;
                }
                g
            });
        }
    }

    /// A node listpack: entries (ms, seq, value) under one field "f".
    fn node(start: StreamId, entries: &[(u64, u64, &[u8])]) -> Vec<u8> {
        let mut lp = ListpackWriter::new();
        for v in [entries.len() as i64, 0, 1] {
            lp.push_int(v);
        }
        lp.push_bytes(b"f");
        lp.push_int(0);
        for &(ms, seq, val) in entries {
            lp.push_int(FLAG_SAMEFIELDS);
            lp.push_int((ms - start.ms) as i64);
            lp.push_int(seq.wrapping_sub(start.seq) as i64);
            lp.push_bytes(val);
            lp.push_int(4);
        }
        lp.finish()
    }

    #[test]
    fn overlapping_nodes_are_refused() {
        let (a, b) = (StreamId::new(5, 0), StreamId::new(7, 0));
        let mut e = Encoder::new(false, -2);
        e.len(2);
        e.string(&a.to_be_bytes());
        e.string(&node(a, &[(5, 0, b"x"), (9, 0, b"y")]));
        e.string(&b.to_be_bytes());
        e.string(&node(b, &[(10, 0, b"z")]));
        e.len(3);
        e.id(StreamId::new(10, 0));
        e.id(a);
        e.id(StreamId::ZERO);
        e.len(3);
        e.len(0);
        let err = load(T_STREAM_LISTPACKS_2, &e.buf).unwrap_err();
        assert!(err.contains("out of order"), "{err}");
    }

    #[test]
    fn inconsistent_streams_are_refused() {
        let good = hand_made(T_STREAM_LISTPACKS_2);
        // Every truncation is an error, never a panic.
        for cut in 0..good.len() {
            assert!(load(T_STREAM_LISTPACKS_2, &good[..cut]).is_err());
        }
        // A consumer PEL entry missing from the group PEL.
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        let err = load(T_STREAM_LISTPACKS_2, &bad).unwrap_err();
        assert!(err.contains("not found in group global PEL"), "{err}");
    }
}
