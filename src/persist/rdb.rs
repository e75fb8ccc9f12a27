//! The RDB format: the encoder that writes a snapshot (or a DUMP payload)
//! and the decoder that reads one back, for Redis's format version 10
//! (written as Redis 7.0 writes it; versions 1 to 11 are read).
//!
//! Layout of a file: `REDIS0010`, auxiliary fields (`0xFA key value`), then
//! per non-empty database `0xFE db` and `0xFB size expires`, then one
//! record per key (`[0xFC ms-le64] type key value`), `0xFF` and the CRC64
//! of everything before it (little-endian; zero when checksums are off).
//!
//! Lengths: `00xxxxxx` (6 bits), `01xxxxxx yyyyyyyy` (14 bits, big-endian),
//! `0x80` + 32-bit big-endian, `0x81` + 64-bit big-endian; `11xxxxxx`
//! introduces a specially encoded string: 0/1/2 = an 8/16/32-bit
//! little-endian integer, 3 = LZF (compressed length, original length,
//! data).
//!
//! The decoder reads from an [`Input`] (a file through a buffer, or a byte
//! slice for RESTORE), checks every length against the bytes left before
//! allocating, and reports any malformation as a [`LoadError`].

mod stream;

use super::lzf;
use super::packed::{self, Entry, ListpackWriter};
use crate::db::{Keyspace, evict};
use crate::types::hash;
use crate::types::list::Elem as ListElem;
use crate::types::set::{Encoding as SetEncoding, Member, SetLimits};
use crate::types::zset::{self, ZSetValue};
use crate::types::{HashValue, ListValue, SetValue, StrValue, Value};
use crate::util::num;
use std::io::{self, Read, Write};

/// The format version ember writes (Redis 7.0's).
pub const RDB_VERSION: u16 = 10;
/// The newest version ember reads (Redis 7.2's).
pub const MAX_READ_VERSION: u16 = 11;

// Opcodes.
pub const OP_FUNCTION2: u8 = 245;
pub const OP_FUNCTION_PRE_GA: u8 = 246;
pub const OP_MODULE_AUX: u8 = 247;
pub const OP_IDLE: u8 = 248;
pub const OP_FREQ: u8 = 249;
pub const OP_AUX: u8 = 250;
pub const OP_RESIZEDB: u8 = 251;
pub const OP_EXPIRETIME_MS: u8 = 252;
pub const OP_EXPIRETIME: u8 = 253;
pub const OP_SELECTDB: u8 = 254;
pub const OP_EOF: u8 = 255;

// Value types.
pub const T_STRING: u8 = 0;
pub const T_LIST: u8 = 1;
pub const T_SET: u8 = 2;
pub const T_ZSET: u8 = 3;
pub const T_HASH: u8 = 4;
pub const T_ZSET_2: u8 = 5;
pub const T_MODULE_PRE_GA: u8 = 6;
pub const T_MODULE_2: u8 = 7;
pub const T_HASH_ZIPMAP: u8 = 9;
pub const T_LIST_ZIPLIST: u8 = 10;
pub const T_SET_INTSET: u8 = 11;
pub const T_ZSET_ZIPLIST: u8 = 12;
pub const T_HASH_ZIPLIST: u8 = 13;
pub const T_LIST_QUICKLIST: u8 = 14;
pub const T_STREAM_LISTPACKS: u8 = 15;
pub const T_HASH_LISTPACK: u8 = 16;
pub const T_ZSET_LISTPACK: u8 = 17;
pub const T_LIST_QUICKLIST_2: u8 = 18;
pub const T_STREAM_LISTPACKS_2: u8 = 19;
pub const T_SET_LISTPACK: u8 = 20;
pub const T_STREAM_LISTPACKS_3: u8 = 21;

/// Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2).
const QL_PLAIN: u64 = 1;
const QL_PACKED: u64 = 2;

const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// Strings longer than this are tried with LZF when compression is on.
const LZF_MIN_LEN: usize = 20;
/// Bytes a list node may take before the writer starts another node, and
/// entries at most, when `list-max-listpack-size` counts entries.
const NODE_BYTES_DEFAULT: usize = 8192;
/// Largest LZF expansion: a 3-byte back reference yields 264 bytes.
const LZF_MAX_RATIO: u64 = 88;

/// The encoding thresholds values are rebuilt with on load.
#[derive(Debug, Clone, Copy)]
pub struct TypeLimits {
    pub list_fill: i64,
    pub set: SetLimits,
    pub zset: zset::Limits,
    pub hash: hash::Limits,
}

impl Default for TypeLimits {
    fn default() -> Self {
        TypeLimits {
            list_fill: -2,
            set: SetLimits::default(),
            zset: zset::Limits::default(),
            hash: hash::Limits::default(),
        }
    }
}

impl TypeLimits {
    pub fn from_config(cfg: &crate::config::Config) -> TypeLimits {
        TypeLimits {
            list_fill: cfg.list_max_listpack_size,
            set: SetLimits::new(
                cfg.set_max_intset_entries,
                cfg.set_max_listpack_entries,
                cfg.set_max_listpack_value,
            ),
            zset: zset::Limits::from_config(cfg),
            hash: hash::Limits::new(cfg.hash_max_listpack_entries, cfg.hash_max_listpack_value),
        }
    }
}

/// The CRC64 (Jones polynomial, reflected, init 0) Redis checksums with.
#[inline]
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    crc64::crc64(crc, data)
}

// ===========================================================================
// Encoding
// ===========================================================================

/// Appends RDB-encoded items to an in-memory buffer; a file writer drains
/// the buffer every so often.
pub struct Encoder {
    pub buf: Vec<u8>,
    compress: bool,
    list_fill: i64,
    lzf: lzf::Compressor,
}

impl Encoder {
    pub fn new(compress: bool, list_fill: i64) -> Self {
        Encoder {
            buf: Vec::new(),
            compress,
            list_fill,
            lzf: lzf::Compressor::new(),
        }
    }

    #[inline]
    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A length in Redis's 6/14/32/64-bit forms.
    #[inline]
    pub fn len(&mut self, n: u64) {
        if n < 1 << 6 {
            self.buf.push(n as u8);
        } else if n < 1 << 14 {
            self.buf.push(0x40 | (n >> 8) as u8);
            self.buf.push(n as u8);
        } else if n <= u64::from(u32::MAX) {
            self.buf.push(0x80);
            self.buf.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.buf.push(0x81);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
    }

    /// The 8/16/32-bit integer forms, if `v` fits one.
    #[inline]
    fn try_int(&mut self, v: i64) -> bool {
        if let Ok(x) = i8::try_from(v) {
            self.buf.push(0xC0 | ENC_INT8);
            self.buf.push(x as u8);
        } else if let Ok(x) = i16::try_from(v) {
            self.buf.push(0xC0 | ENC_INT16);
            self.buf.extend_from_slice(&x.to_le_bytes());
        } else if let Ok(x) = i32::try_from(v) {
            self.buf.push(0xC0 | ENC_INT32);
            self.buf.extend_from_slice(&x.to_le_bytes());
        } else {
            return false;
        }
        true
    }

    /// A string as Redis's rdbSaveRawString writes it: short canonical
    /// integers as integers, long strings LZF-compressed when that saves at
    /// least 4 bytes and compression is on, else length + bytes.
    pub fn string(&mut self, s: &[u8]) {
        if s.len() <= 11
            && let Some(v) = num::parse_i64(s)
            && self.try_int(v)
        {
            return;
        }
        if self.compress && s.len() > LZF_MIN_LEN && self.lzf_string(s) {
            return;
        }
        self.len(s.len() as u64);
        self.buf.extend_from_slice(s);
    }

    fn lzf_string(&mut self, s: &[u8]) -> bool {
        // Header: encoding byte + two lengths (at most 9 bytes each).
        let mark = self.buf.len();
        let hdr_room = 19;
        self.buf.resize(mark + hdr_room, 0);
        if !self.lzf.compress(s, &mut self.buf, s.len() - 4) {
            self.buf.truncate(mark);
            return false;
        }
        let clen = self.buf.len() - mark - hdr_room;
        let mut hdr = Encoder::new(false, 0);
        hdr.byte(0xC0 | ENC_LZF);
        hdr.len(clen as u64);
        hdr.len(s.len() as u64);
        let h = hdr.buf.len();
        self.buf.copy_within(mark + hdr_room.., mark + h);
        self.buf.truncate(mark + h + clen);
        self.buf[mark..mark + h].copy_from_slice(&hdr.buf);
        true
    }

    /// An integer value's string (rdbSaveLongLongAsStringObject).
    pub fn int_string(&mut self, v: i64) {
        if !self.try_int(v) {
            let mut tmp = [0u8; 20];
            let digits = crate::types::string::format_i64(v, &mut tmp);
            self.len(digits.len() as u64);
            self.buf.extend_from_slice(digits);
        }
    }

    pub fn str_value(&mut self, s: &StrValue) {
        match s {
            StrValue::Int(v) => self.int_string(*v),
            other => other.with_bytes(|b| self.string(b)),
        }
    }

    /// The RDB type byte `v` is written with.
    pub fn type_of(v: &Value) -> u8 {
        match v {
            Value::Str(_) => T_STRING,
            Value::List(_) => T_LIST_QUICKLIST_2,
            Value::Set(s) if s.encoding() == SetEncoding::Intset => T_SET_INTSET,
            Value::Set(_) => T_SET,
            Value::ZSet(z) if z.is_listpack() => T_ZSET_LISTPACK,
            Value::ZSet(_) => T_ZSET_2,
            Value::Hash(h) if h.is_packed() => T_HASH_LISTPACK,
            Value::Hash(_) => T_HASH,
            Value::Stream(_) => T_STREAM_LISTPACKS_2,
        }
    }

    /// Type byte, key (when given) and value: one key record, or with no
    /// key the start of a DUMP payload.
    pub fn object(&mut self, key: Option<&[u8]>, v: &Value) -> io::Result<()> {
        // An intset whose members are not all integers (never expected)
        // falls back to the plain set form.
        let mut ty = Self::type_of(v);
        let ints = match v {
            Value::Set(s) if ty == T_SET_INTSET => {
                let ints: Option<Vec<i64>> = s
                    .iter()
                    .map(|m| match m {
                        Member::Int(i) => Some(i),
                        Member::Str(b) => num::parse_i64(b),
                    })
                    .collect();
                if ints.is_none() {
                    ty = T_SET;
                }
                ints
            }
            _ => None,
        };
        self.byte(ty);
        if let Some(k) = key {
            self.string(k);
        }
        match v {
            Value::Str(s) => self.str_value(s),
            Value::List(l) => self.list(l),
            Value::Set(s) => match ints {
                Some(mut ints) => {
                    ints.sort_unstable();
                    let blob = packed::intset_blob(&ints);
                    self.string(&blob);
                }
                None => {
                    self.len(s.len() as u64);
                    for m in s.iter() {
                        match m {
                            Member::Int(i) => self.int_string(i),
                            Member::Str(b) => self.string(b),
                        }
                    }
                }
            },
            Value::ZSet(z) => self.zset(z),
            Value::Hash(h) => self.hash(h),
            Value::Stream(st) => self.stream(st),
        }
        Ok(())
    }

    /// A list as RDB_TYPE_LIST_QUICKLIST_2: packed nodes, each a listpack
    /// bounded like a quicklist node under `list-max-listpack-size`.
    fn list(&mut self, l: &ListValue) {
        let (max_bytes, max_count) = if self.list_fill >= 0 {
            (NODE_BYTES_DEFAULT, self.list_fill.max(1) as usize)
        } else {
            let level = (self.list_fill.unsigned_abs() - 1).min(4) as u32;
            (4096usize << level, usize::MAX)
        };
        let mut nodes: Vec<Vec<u8>> = Vec::new();
        let mut lp = ListpackWriter::new();
        let mut tmp = Vec::new();
        for e in l.iter() {
            if !lp.is_empty() && (lp.count() >= max_count || lp.len() >= max_bytes) {
                nodes.push(std::mem::take(&mut lp).finish());
            }
            match e {
                ListElem::Int(v) => lp.push_int(v),
                ListElem::Str(s) => {
                    tmp.clear();
                    tmp.extend_from_slice(s);
                    lp.push_bytes(&tmp);
                }
            }
        }
        if !lp.is_empty() {
            nodes.push(lp.finish());
        }
        self.len(nodes.len() as u64);
        for n in &nodes {
            self.len(QL_PACKED);
            self.string(n);
        }
    }

    /// A hash as HASH_LISTPACK (packed form) or HASH (field, value pairs).
    fn hash(&mut self, h: &HashValue) {
        if h.is_packed() {
            let mut lp = ListpackWriter::new();
            h.for_each(|f, v| {
                lp.push_bytes(f);
                match v {
                    hash::FieldVal::Int(i) => lp.push_int(i),
                    other => other.with_bytes(|b| lp.push_bytes(b)),
                }
            });
            let blob = lp.finish();
            self.string(&blob);
        } else {
            self.len(h.len() as u64);
            h.for_each(|f, v| {
                self.string(f);
                match v {
                    hash::FieldVal::Int(i) => self.int_string(i),
                    other => other.with_bytes(|b| self.string(b)),
                }
            });
        }
    }

    fn zset(&mut self, z: &ZSetValue) {
        if z.is_listpack() {
            let mut lp = ListpackWriter::new();
            let mut text = Vec::new();
            z.for_each(|m, s| {
                lp.push_bytes(m);
                if s.trunc() == s
                    && s.abs() < 4_503_599_627_370_496.0
                    && !(s == 0.0 && s.is_sign_negative())
                {
                    lp.push_int(s as i64);
                } else {
                    text.clear();
                    num::format_double(s, &mut text);
                    lp.push_bytes(&text);
                }
            });
            let blob = lp.finish();
            self.string(&blob);
        } else {
            // Redis writes the elements from the highest score down, so its
            // loader can insert each at the head.
            let mut elems: Vec<(&[u8], f64)> = Vec::with_capacity(z.len());
            z.for_each(|m, s| elems.push((m, s)));
            self.len(elems.len() as u64);
            for (m, s) in elems.iter().rev() {
                self.string(m);
                self.buf.extend_from_slice(&s.to_le_bytes());
            }
        }
    }
}

/// What a snapshot wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct SaveStats {
    pub keys: u64,
    pub bytes: u64,
}

/// Options of a snapshot.
pub struct SaveOpts {
    pub compress: bool,
    pub checksum: bool,
    pub list_fill: i64,
    /// Aux field values.
    pub ctime: i64,
    pub used_mem: u64,
    /// The snapshot is an AOF base (aux field aof-base 1).
    pub aof_base: bool,
    /// Function library codes, written as OP_FUNCTION2 records.
    pub functions: Vec<Vec<u8>>,
    /// A replica's (master stream database, replication ID, offset),
    /// written as the aux fields repl-stream-db, repl-id, repl-offset: its
    /// own replicas loading the snapshot learn which database the stream
    /// that follows is in.
    pub repl: Option<(usize, String, u64)>,
    /// `rdb-key-save-delay`: microseconds to sleep after each key (see
    /// [`super::debug_delay`]); the output is then handed on in small
    /// pieces, so a reader sees the snapshot grow key by key.
    pub key_save_delay: i32,
}

/// Buffer size at which the writer hands bytes to the file.
const FLUSH_AT: usize = 1 << 20;
/// The same while `rdb-key-save-delay` slows the writer down (the size of
/// Redis's socket write buffer for a diskless transfer).
const FLUSH_AT_DELAYED: usize = 16 << 10;

/// Writes the whole keyspace as an RDB file to `out`.
pub fn write_rdb(ks: &Keyspace, out: &mut impl Write, opts: &SaveOpts) -> io::Result<SaveStats> {
    let mut enc = Encoder::new(opts.compress, opts.list_fill);
    enc.buf.reserve(FLUSH_AT + (64 << 10));
    let mut crc = 0u64;
    let mut stats = SaveStats::default();
    let mut flush = |enc: &mut Encoder, stats: &mut SaveStats| -> io::Result<()> {
        if opts.checksum {
            crc = crc64(crc, &enc.buf);
        }
        out.write_all(&enc.buf)?;
        stats.bytes += enc.buf.len() as u64;
        enc.buf.clear();
        Ok(())
    };
    enc.buf
        .extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
    let aux = |enc: &mut Encoder, k: &[u8], v: &[u8]| {
        enc.byte(OP_AUX);
        enc.string(k);
        enc.string(v);
    };
    aux(
        &mut enc,
        b"redis-ver",
        crate::REDIS_COMPAT_VERSION.as_bytes(),
    );
    aux(&mut enc, b"redis-bits", usize::BITS.to_string().as_bytes());
    aux(&mut enc, b"ctime", opts.ctime.to_string().as_bytes());
    aux(&mut enc, b"used-mem", opts.used_mem.to_string().as_bytes());
    aux(
        &mut enc,
        b"aof-base",
        if opts.aof_base { b"1" } else { b"0" },
    );
    if let Some((db, id, offset)) = &opts.repl {
        aux(&mut enc, b"repl-stream-db", db.to_string().as_bytes());
        aux(&mut enc, b"repl-id", id.as_bytes());
        aux(&mut enc, b"repl-offset", offset.to_string().as_bytes());
    }
    // Function libraries come before the data, as Redis writes them.
    for code in &opts.functions {
        enc.byte(OP_FUNCTION2);
        enc.string(code);
    }
    let save_lru = ks.evict.policy.is_lru();
    let save_lfu = ks.evict.policy.is_lfu();
    let now = crate::server::now_ms();
    let flush_at = if opts.key_save_delay != 0 {
        FLUSH_AT_DELAYED
    } else {
        FLUSH_AT
    };
    for (i, db) in ks.dbs.iter().enumerate() {
        if db.main.is_empty() {
            continue;
        }
        enc.byte(OP_SELECTDB);
        enc.len(i as u64);
        enc.byte(OP_RESIZEDB);
        enc.len(db.main.len() as u64);
        enc.len(db.expires.len() as u64);
        let has_expires = !db.expires.is_empty();
        for (key, val) in db.main.iter() {
            if has_expires && let Some(&when) = db.expires.get(key) {
                enc.byte(OP_EXPIRETIME_MS);
                enc.buf.extend_from_slice(&when.to_le_bytes());
            }
            // The access clock or counter, under the policies that keep one.
            if let Some(meta) = (save_lru || save_lfu).then(|| db.main.entry(key)).flatten() {
                let meta = meta.meta();
                if save_lru {
                    enc.byte(OP_IDLE);
                    enc.len(evict::idle_ms(meta, now) / 1000);
                } else {
                    enc.byte(OP_FREQ);
                    enc.byte(evict::lfu_counter(meta, now, ks.evict.lfu_decay_time));
                }
            }
            enc.object(Some(key), val)?;
            stats.keys += 1;
            if opts.key_save_delay != 0 {
                super::debug_delay(opts.key_save_delay);
            }
            if enc.buf.len() >= flush_at {
                flush(&mut enc, &mut stats)?;
            }
        }
    }
    enc.byte(OP_EOF);
    flush(&mut enc, &mut stats)?;
    let sum = if opts.checksum { crc } else { 0 };
    out.write_all(&sum.to_le_bytes())?;
    stats.bytes += 8;
    Ok(stats)
}

/// A DUMP payload: the value in RDB form, the 2-byte format version and
/// the CRC64 of both (all little-endian).
pub fn dump_payload(v: &Value, compress: bool, list_fill: i64) -> io::Result<Vec<u8>> {
    let mut enc = Encoder::new(compress, list_fill);
    enc.object(None, v)?;
    enc.buf.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &enc.buf);
    enc.buf.extend_from_slice(&crc.to_le_bytes());
    Ok(enc.buf)
}

/// Checks a RESTORE payload's footer (Redis's verifyDumpPayload): at least
/// 10 bytes, a format version we read, a matching checksum (unless
/// `skip_crc`, DEBUG SET-SKIP-CHECKSUM-VALIDATION). Returns the RDB part
/// (type byte and value).
pub fn verify_payload(p: &[u8], skip_crc: bool) -> Option<&[u8]> {
    if p.len() < 10 {
        return None;
    }
    let (body, footer) = p.split_at(p.len() - 8);
    let ver = u16::from_le_bytes([body[body.len() - 2], body[body.len() - 1]]);
    if ver > MAX_READ_VERSION {
        return None;
    }
    let crc = u64::from_le_bytes(footer.try_into().ok()?);
    if !skip_crc && crc64(0, body) != crc {
        return None;
    }
    Some(&body[..body.len() - 2])
}

/// A FUNCTION DUMP payload: one OP_FUNCTION2 record per library code, the
/// format version and the CRC64.
pub fn function_dump(codes: &[Vec<u8>], compress: bool) -> Vec<u8> {
    let mut enc = Encoder::new(compress, 0);
    for code in codes {
        enc.byte(OP_FUNCTION2);
        enc.string(code);
    }
    enc.buf.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &enc.buf);
    enc.buf.extend_from_slice(&crc.to_le_bytes());
    enc.buf
}

/// The library codes of a verified FUNCTION RESTORE payload body; Err
/// with Redis's text when a record is not a function.
pub fn function_restore(body: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut d = Decoder::new(SliceInput::new(body));
    let mut out = Vec::new();
    while d.input.remaining() > 0 {
        match d.byte() {
            Ok(OP_FUNCTION2) => {}
            Ok(_) => return Err("ERR given type is not a function".into()),
            Err(_) => return Err("ERR payload is corrupted".into()),
        }
        let code = d
            .string_vec()
            .map_err(|_| "ERR payload is corrupted".to_string())?;
        out.push(code);
    }
    Ok(out)
}

/// Decodes a verified payload body (see [`verify_payload`]) into a value.
pub fn restore_value(body: &[u8], lim: &TypeLimits) -> Result<Value, LoadError> {
    let mut d = Decoder::new(SliceInput::new(body));
    let ty = d.byte()?;
    match d.object(ty, lim)? {
        Some(v) => Ok(v),
        None => Err(d.err(match packed_name(ty) {
            Some(what) => format!("{what} integrity check failed: empty value"),
            None => "empty value".to_string(),
        })),
    }
}

// ===========================================================================
// Decoding
// ===========================================================================

/// A malformed or unreadable RDB stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// Byte offset in the stream where the problem was found.
    pub offset: u64,
    pub msg: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte offset {})", self.msg, self.offset)
    }
}

/// Where the decoder reads from.
pub trait Input {
    /// The next `n` bytes; an error if fewer are left.
    fn take(&mut self, n: usize) -> Result<&[u8], String>;
    /// Bytes left in the stream.
    fn remaining(&self) -> u64;
    /// Bytes consumed so far.
    fn offset(&self) -> u64;
    /// CRC64 of every byte consumed so far.
    fn crc(&mut self) -> u64;
}

/// An in-memory stream (RESTORE payloads, tests).
pub struct SliceInput<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> SliceInput<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        SliceInput { data, pos: 0 }
    }
}

impl Input for SliceInput<'_> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if n > self.data.len() - self.pos {
            return Err(truncated(n, self.remaining()));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn remaining(&self) -> u64 {
        (self.data.len() - self.pos) as u64
    }

    fn offset(&self) -> u64 {
        self.pos as u64
    }

    fn crc(&mut self) -> u64 {
        crc64(0, &self.data[..self.pos])
    }
}

fn truncated(want: usize, left: u64) -> String {
    if left == 0 {
        "unexpected end of file (the file is truncated)".to_string()
    } else {
        format!(
            "unexpected end of file: {want} bytes needed, {left} left (the file is truncated or a length is corrupt)"
        )
    }
}

/// Read size for file input.
const READ_CHUNK: usize = 1 << 20;

/// A file (or any reader of known length) read through a large buffer; the
/// checksum is computed over consumed bytes as the buffer is recycled.
pub struct FileInput<R: Read> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Bytes of `buf` before this index are already in `crc_acc`.
    crc_pos: usize,
    crc_acc: u64,
    /// Stream offset of `buf[0]`.
    base: u64,
    len: u64,
}

impl<R: Read> FileInput<R> {
    pub fn new(src: R, len: u64) -> Self {
        FileInput {
            src,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            crc_pos: 0,
            crc_acc: 0,
            base: 0,
            len,
        }
    }

    fn fill(&mut self, n: usize) -> Result<(), String> {
        self.crc_acc = crc64(self.crc_acc, &self.buf[self.crc_pos..self.pos]);
        self.buf.copy_within(self.pos..self.end, 0);
        self.base += self.pos as u64;
        self.end -= self.pos;
        self.pos = 0;
        self.crc_pos = 0;
        // A small file gets a buffer of its size, not a whole chunk.
        let left = usize::try_from(self.len.saturating_sub(self.base)).unwrap_or(usize::MAX);
        let want = n.max(READ_CHUNK.min(left));
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        while self.end < n {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => return Err(truncated(n, (self.end - self.pos) as u64)),
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        }
        Ok(())
    }
}

impl<R: Read> Input for FileInput<R> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if n > self.end - self.pos {
            if n as u64 > self.remaining() {
                return Err(truncated(n, self.remaining()));
            }
            self.fill(n)?;
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.offset())
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn crc(&mut self) -> u64 {
        self.crc_acc = crc64(self.crc_acc, &self.buf[self.crc_pos..self.pos]);
        self.crc_pos = self.pos;
        self.crc_acc
    }
}

/// A decoded RDB string: an integer form or bytes (borrowed from the input
/// or from the decoder's scratch buffer after LZF).
pub enum RStr<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl RStr<'_> {
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            RStr::Int(v) => {
                let mut out = Vec::with_capacity(20);
                num::write_i64(*v, &mut out);
                out
            }
            RStr::Bytes(b) => b.to_vec(),
        }
    }

    pub fn to_str_value(&self) -> StrValue {
        match self {
            RStr::Int(v) => StrValue::Int(*v),
            RStr::Bytes(b) => StrValue::from_bytes(b),
        }
    }

    fn as_entry(&self) -> Entry<'_> {
        match self {
            RStr::Int(v) => Entry::Int(*v),
            RStr::Bytes(b) => Entry::Str(b),
        }
    }
}

/// What loading a file found.
#[derive(Debug, Clone, Default)]
pub struct LoadStats {
    pub version: u16,
    pub keys_loaded: u64,
    pub keys_expired: u64,
    pub empty_keys_skipped: u64,
    /// The auxiliary fields, as (name, value) text.
    pub aux: Vec<(String, String)>,
    /// False when the file carries a zero checksum (checksums were off).
    pub checksummed: bool,
    /// Function library codes (OP_FUNCTION2 records), to load once the
    /// file is read.
    pub functions: Vec<Vec<u8>>,
}

/// Loading options.
pub struct LoadOpts {
    /// Keys whose expiry is before this (unix ms) are skipped.
    pub now_ms: i64,
    /// Load keys whose expiry has passed anyway (a replica: its master
    /// sends their deletion, as Redis replicas wait for it).
    pub keep_expired: bool,
    /// Verify the CRC64 footer (`rdbchecksum`).
    pub verify_checksum: bool,
    pub limits: TypeLimits,
    /// `key-load-delay`: microseconds to sleep after each key (see
    /// [`super::debug_delay`]).
    pub key_load_delay: i32,
    /// `loading-process-events-interval-bytes`: `progress` runs whenever
    /// this many more bytes have been read (0: only every
    /// `PROGRESS_EVERY` keys).
    pub progress_bytes: u64,
}

/// Keys loaded between two `progress` calls of [`Decoder::load_with`].
const PROGRESS_EVERY: u64 = 1024;

/// The RDB stream decoder.
pub struct Decoder<I: Input> {
    pub input: I,
    scratch: Vec<u8>,
}

impl<I: Input> Decoder<I> {
    pub fn new(input: I) -> Self {
        Decoder {
            input,
            scratch: Vec::new(),
        }
    }

    pub fn err(&self, msg: impl Into<String>) -> LoadError {
        LoadError {
            offset: self.input.offset(),
            msg: msg.into(),
        }
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&[u8], LoadError> {
        let off = self.input.offset();
        self.input
            .take(n)
            .map_err(|msg| LoadError { offset: off, msg })
    }

    #[inline]
    pub fn byte(&mut self) -> Result<u8, LoadError> {
        Ok(self.take(1)?[0])
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], LoadError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// A length, or the special-encoding marker: (value, is_encoded).
    fn len_or_enc(&mut self) -> Result<(u64, bool), LoadError> {
        let b = self.byte()?;
        Ok(match b >> 6 {
            0 => (u64::from(b & 0x3F), false),
            1 => (u64::from(b & 0x3F) << 8 | u64::from(self.byte()?), false),
            2 if b == 0x80 => (u64::from(u32::from_be_bytes(self.fixed()?)), false),
            2 if b == 0x81 => (u64::from_be_bytes(self.fixed()?), false),
            2 => return Err(self.err(format!("unknown length encoding {b:#04x}"))),
            _ => (u64::from(b & 0x3F), true),
        })
    }

    pub fn length(&mut self) -> Result<u64, LoadError> {
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            (_, true) => Err(self.err("encoded string where a length was expected")),
        }
    }

    /// A count of items that each take at least one byte: must not exceed
    /// the bytes left (so a corrupt count cannot make us allocate).
    fn count(&mut self) -> Result<usize, LoadError> {
        let n = self.length()?;
        if n > self.input.remaining() {
            return Err(self.err(format!(
                "element count {n} exceeds the {} bytes left",
                self.input.remaining()
            )));
        }
        Ok(n as usize)
    }

    /// A string in any of its encodings.
    pub fn string(&mut self) -> Result<RStr<'_>, LoadError> {
        let (n, enc) = self.len_or_enc()?;
        if !enc {
            let n = self.checked_len(n)?;
            return Ok(RStr::Bytes(self.take(n)?));
        }
        match n as u8 {
            ENC_INT8 => Ok(RStr::Int(i64::from(self.byte()? as i8))),
            ENC_INT16 => Ok(RStr::Int(i64::from(i16::from_le_bytes(self.fixed()?)))),
            ENC_INT32 => Ok(RStr::Int(i64::from(i32::from_le_bytes(self.fixed()?)))),
            ENC_LZF => {
                let clen = self.length()?;
                let ulen = self.length()?;
                let clen = self.checked_len(clen)?;
                if ulen > (clen as u64).saturating_mul(LZF_MAX_RATIO) || ulen == 0 {
                    return Err(self.err(format!(
                        "LZF string of {clen} compressed bytes claims {ulen} bytes uncompressed"
                    )));
                }
                let off = self.input.offset();
                let mut scratch = std::mem::take(&mut self.scratch);
                scratch.clear();
                let data = self.take(clen)?;
                let r = lzf::decompress(data, ulen as usize, &mut scratch);
                self.scratch = scratch;
                r.map_err(|m| LoadError {
                    offset: off,
                    msg: format!("invalid LZF compressed string: {m}"),
                })?;
                Ok(RStr::Bytes(&self.scratch))
            }
            x => Err(self.err(format!("unknown string encoding {x}"))),
        }
    }

    fn checked_len(&self, n: u64) -> Result<usize, LoadError> {
        if n > self.input.remaining() {
            return Err(self.err(format!(
                "string length {n} exceeds the {} bytes left",
                self.input.remaining()
            )));
        }
        Ok(n as usize)
    }

    fn string_vec(&mut self) -> Result<Vec<u8>, LoadError> {
        Ok(self.string()?.to_vec())
    }

    /// A ZSET (type 3) score: length-prefixed text, or 253/254/255 for
    /// NaN/+inf/-inf.
    fn text_double(&mut self) -> Result<f64, LoadError> {
        let n = self.byte()?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let s = self.take(usize::from(n))?;
                let v = std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok());
                v.ok_or_else(|| self.err("invalid double value"))
            }
        }
    }

    /// One value of type `ty`. None for an empty aggregate (skipped, as
    /// Redis skips empty keys). A damaged packed encoding's error names it
    /// as Redis does ("Zset ziplist integrity check failed: ...").
    pub fn object(&mut self, ty: u8, lim: &TypeLimits) -> Result<Option<Value>, LoadError> {
        self.object_inner(ty, lim).map_err(|mut e| {
            let semantic = e.msg.contains("integrity check failed")
                || e.msg.to_ascii_lowercase().contains("duplicate");
            if let Some(what) = packed_name(ty)
                && !semantic
            {
                e.msg = format!("{what} integrity check failed: {}", e.msg);
            }
            e
        })
    }

    fn object_inner(&mut self, ty: u8, lim: &TypeLimits) -> Result<Option<Value>, LoadError> {
        let v = match ty {
            T_STRING => Value::Str(self.string()?.to_str_value()),
            T_LIST => {
                let n = self.count()?;
                let mut l = ListValue::new();
                for _ in 0..n {
                    let fill = lim.list_fill;
                    match self.string()? {
                        RStr::Int(v) => push_list(&mut l, Entry::Int(v), fill),
                        RStr::Bytes(b) => push_list(&mut l, Entry::Str(b), fill),
                    }
                }
                Value::List(Box::new(l))
            }
            T_LIST_ZIPLIST => {
                let off = self.input.offset();
                let s = self.string()?;
                let RStr::Bytes(blob) = s else {
                    return Err(LoadError {
                        offset: off,
                        msg: "ziplist blob is an integer".into(),
                    });
                };
                let entries = packed::ziplist_entries(blob).map_err(|msg| LoadError {
                    offset: off,
                    msg: msg.into(),
                })?;
                let mut l = ListValue::new();
                for e in entries {
                    push_list(&mut l, e, lim.list_fill);
                }
                Value::List(Box::new(l))
            }
            T_LIST_QUICKLIST | T_LIST_QUICKLIST_2 => {
                let nodes = self.count()?;
                let mut l = ListValue::new();
                for _ in 0..nodes {
                    let container = if ty == T_LIST_QUICKLIST_2 {
                        self.length()?
                    } else {
                        QL_PACKED
                    };
                    if container != QL_PLAIN && container != QL_PACKED {
                        return Err(
                            self.err(format!("invalid quicklist node container {container}"))
                        );
                    }
                    let fill = lim.list_fill;
                    let off = self.input.offset();
                    let s = self.string()?;
                    // Redis refuses an empty node of either kind.
                    if matches!(s, RStr::Bytes(b) if b.is_empty()) {
                        return Err(LoadError {
                            offset: off,
                            msg: "Quicklist integrity check failed: empty node".into(),
                        });
                    }
                    if container == QL_PLAIN {
                        push_list(&mut l, s.as_entry(), fill);
                        continue;
                    }
                    let RStr::Bytes(blob) = s else {
                        return Err(LoadError {
                            offset: off,
                            msg: "quicklist node is an integer".into(),
                        });
                    };
                    let entries = if ty == T_LIST_QUICKLIST {
                        packed::ziplist_entries(blob)
                    } else {
                        packed::listpack_entries(blob)
                    };
                    let entries = entries.map_err(|msg| LoadError {
                        offset: off,
                        msg: msg.into(),
                    })?;
                    for e in entries {
                        push_list(&mut l, e, fill);
                    }
                }
                Value::List(Box::new(l))
            }
            T_SET => {
                let n = self.count()?;
                let mut set: Option<SetValue> = None;
                for _ in 0..n {
                    let off = self.input.offset();
                    let s = self.string()?;
                    let added = add_to_set(&mut set, s.as_entry(), n, &lim.set);
                    if !added {
                        return Err(LoadError {
                            offset: off,
                            msg: "duplicate set members detected".into(),
                        });
                    }
                }
                match set {
                    Some(s) => Value::Set(s),
                    None => return Ok(None),
                }
            }
            T_SET_INTSET | T_SET_LISTPACK => {
                let off = self.input.offset();
                let s = self.string()?;
                let RStr::Bytes(blob) = s else {
                    return Err(LoadError {
                        offset: off,
                        msg: "set blob is an integer".into(),
                    });
                };
                let bad = |msg: &str| LoadError {
                    offset: off,
                    msg: msg.into(),
                };
                let entries: Vec<Entry> = if ty == T_SET_INTSET {
                    packed::intset_values(blob)
                        .map_err(bad)?
                        .into_iter()
                        .map(Entry::Int)
                        .collect()
                } else {
                    packed::listpack_entries(blob).map_err(bad)?
                };
                let n = entries.len();
                let mut set = None;
                for e in entries {
                    if !add_to_set(&mut set, e, n, &lim.set) {
                        return Err(bad("duplicate set members detected"));
                    }
                }
                match set {
                    Some(s) => Value::Set(s),
                    None => return Ok(None),
                }
            }
            T_ZSET | T_ZSET_2 => {
                let n = self.count()?;
                let mut elems = Vec::with_capacity(n.min(1 << 16));
                for _ in 0..n {
                    let member = self.string_vec()?.into_boxed_slice();
                    let score = if ty == T_ZSET_2 {
                        f64::from_le_bytes(self.fixed()?)
                    } else {
                        self.text_double()?
                    };
                    elems.push(zset::Elem {
                        score,
                        member: member.into(),
                    });
                }
                match build_zset(elems, &lim.zset) {
                    Ok(z) => z,
                    Err(m) => return Err(self.err(m)),
                }
            }
            T_ZSET_ZIPLIST | T_ZSET_LISTPACK => {
                let off = self.input.offset();
                let s = self.string()?;
                let RStr::Bytes(blob) = s else {
                    return Err(LoadError {
                        offset: off,
                        msg: "sorted set blob is an integer".into(),
                    });
                };
                let bad = |msg: &str| LoadError {
                    offset: off,
                    msg: msg.into(),
                };
                let entries = if ty == T_ZSET_ZIPLIST {
                    packed::ziplist_entries(blob)
                } else {
                    packed::listpack_entries(blob)
                }
                .map_err(bad)?;
                if entries.len() % 2 != 0 {
                    return Err(bad("sorted set blob with an odd number of entries"));
                }
                let mut elems = Vec::with_capacity(entries.len() / 2);
                for pair in entries.chunks_exact(2) {
                    let score = match pair[1] {
                        Entry::Int(v) => v as f64,
                        Entry::Str(t) => num::parse_f64(t)
                            .or_else(|| {
                                std::str::from_utf8(t)
                                    .ok()
                                    .and_then(|t| t.parse::<f64>().ok())
                            })
                            .ok_or_else(|| bad("invalid sorted set score"))?,
                    };
                    elems.push(zset::Elem {
                        score,
                        member: pair[0].to_vec().into(),
                    });
                }
                match build_zset(elems, &lim.zset) {
                    Ok(z) => z,
                    Err(m) => return Err(bad(&m)),
                }
            }
            T_HASH => {
                let n = self.count()?;
                let mut h = HashValue::new();
                if n > lim.hash.max_entries {
                    h.convert_to_table();
                }
                for _ in 0..n {
                    let off = self.input.offset();
                    let field = self.string_vec()?;
                    let value = self.string()?;
                    let created = value.as_entry().with_bytes(|v| h.set(&field, v, &lim.hash));
                    if !created {
                        return Err(LoadError {
                            offset: off,
                            msg: "duplicate hash fields detected".into(),
                        });
                    }
                }
                if h.is_empty() {
                    return Ok(None);
                }
                Value::Hash(h)
            }
            T_HASH_ZIPMAP | T_HASH_ZIPLIST | T_HASH_LISTPACK => {
                let off = self.input.offset();
                let s = self.string()?;
                let RStr::Bytes(blob) = s else {
                    return Err(LoadError {
                        offset: off,
                        msg: "hash blob is an integer".into(),
                    });
                };
                let bad = |msg: &str| LoadError {
                    offset: off,
                    msg: msg.into(),
                };
                let pairs: Vec<(Entry, Entry)> = if ty == T_HASH_ZIPMAP {
                    packed::zipmap_pairs(blob)
                        .map_err(bad)?
                        .into_iter()
                        .map(|(f, v)| (Entry::Str(f), Entry::Str(v)))
                        .collect()
                } else {
                    let entries = if ty == T_HASH_ZIPLIST {
                        packed::ziplist_entries(blob)
                    } else {
                        packed::listpack_entries(blob)
                    }
                    .map_err(bad)?;
                    if entries.len() % 2 != 0 {
                        return Err(bad("hash blob with an odd number of entries"));
                    }
                    entries.chunks_exact(2).map(|p| (p[0], p[1])).collect()
                };
                let mut h = HashValue::new();
                if pairs.len() > lim.hash.max_entries {
                    h.convert_to_table();
                }
                for (f, v) in pairs {
                    let created = f.with_bytes(|f| v.with_bytes(|v| h.set(f, v, &lim.hash)));
                    if !created {
                        return Err(bad("duplicate hash fields detected"));
                    }
                }
                Value::Hash(h)
            }
            T_MODULE_PRE_GA | T_MODULE_2 => {
                return Err(self.err("module data types are not supported by ember"));
            }
            T_STREAM_LISTPACKS | T_STREAM_LISTPACKS_2 | T_STREAM_LISTPACKS_3 => {
                // An empty stream is a valid value: it is kept.
                return Ok(Some(Value::Stream(Box::new(self.stream(ty)?))));
            }
            t => return Err(self.err(format!("unknown RDB value type {t}"))),
        };
        let empty = match &v {
            Value::List(l) => l.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Str(_) | Value::Stream(_) => false,
        };
        Ok(if empty { None } else { Some(v) })
    }

    /// Reads a whole RDB stream into `ks`.
    pub fn load(&mut self, ks: &mut Keyspace, opts: &LoadOpts) -> Result<LoadStats, LoadError> {
        self.load_with(ks, opts, &mut || {})
    }

    /// [`Decoder::load`] calling `progress` every `PROGRESS_EVERY` keys
    /// (the event loop answers clients from it while a server starts).
    pub fn load_with(
        &mut self,
        ks: &mut Keyspace,
        opts: &LoadOpts,
        progress: &mut dyn FnMut(),
    ) -> Result<LoadStats, LoadError> {
        let mut stats = LoadStats::default();
        let magic = self.fixed::<9>()?;
        if &magic[..5] != b"REDIS" {
            return Err(LoadError {
                offset: 0,
                msg: "wrong signature: not an RDB file".into(),
            });
        }
        let ver = std::str::from_utf8(&magic[5..])
            .ok()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u16>().ok());
        let ver = match ver {
            Some(v) if (1..=MAX_READ_VERSION).contains(&v) => v,
            _ => {
                return Err(LoadError {
                    offset: 5,
                    msg: format!(
                        "can't handle RDB format version {}",
                        String::from_utf8_lossy(&magic[5..])
                    ),
                });
            }
        };
        stats.version = ver;
        let mut db = 0usize;
        let mut expire: Option<i64> = None;
        // IDLE / FREQ opcodes before the next key.
        let (mut idle, mut freq): (Option<u64>, Option<u8>) = (None, None);
        let mut key: Vec<u8> = Vec::new();
        // Input offset at the last `progress` call.
        let mut last_progress_at = 0u64;
        loop {
            let op = self.byte()?;
            match op {
                OP_EXPIRETIME => {
                    // Seconds as a signed 32-bit value, as Redis reads it.
                    expire = Some(i64::from(i32::from_le_bytes(self.fixed()?)) * 1000);
                    continue;
                }
                OP_EXPIRETIME_MS => {
                    expire = Some(i64::from_le_bytes(self.fixed()?));
                    continue;
                }
                OP_FREQ => {
                    freq = Some(self.byte()?);
                    continue;
                }
                OP_IDLE => {
                    idle = Some(self.length()?);
                    continue;
                }
                OP_EOF => break,
                OP_SELECTDB => {
                    let n = self.length()?;
                    if n >= ks.dbs.len() as u64 {
                        return Err(self.err(format!(
                            "the file uses database {n} but the server is configured with {} databases",
                            ks.dbs.len()
                        )));
                    }
                    db = n as usize;
                    continue;
                }
                OP_RESIZEDB => {
                    self.length()?;
                    self.length()?;
                    continue;
                }
                OP_AUX => {
                    let k = String::from_utf8_lossy(&self.string_vec()?).into_owned();
                    let v = String::from_utf8_lossy(&self.string_vec()?).into_owned();
                    stats.aux.push((k, v));
                    continue;
                }
                OP_MODULE_AUX => {
                    let id = self.length()?;
                    return Err(self.err(format!(
                        "the file contains auxiliary data of module '{}', which ember cannot load",
                        module_name(id)
                    )));
                }
                OP_FUNCTION2 => {
                    stats.functions.push(self.string_vec()?);
                    continue;
                }
                OP_FUNCTION_PRE_GA => {
                    return Err(self.err(
                        "the file contains function libraries in the format of Redis 7.0 release candidates, \
                         which ember cannot read; save them again with Redis 7.0 or newer",
                    ));
                }
                _ => {}
            }
            // A key record of type `op`. The key is copied into a reused
            // buffer (the dict makes the one owned copy).
            let key_off = self.input.offset();
            key.clear();
            match self.string()? {
                RStr::Int(v) => num::write_i64(v, &mut key),
                RStr::Bytes(b) => key.extend_from_slice(b),
            }
            let val = self.object(op, &opts.limits)?;
            let when = expire.take();
            let (idle, freq) = (idle.take(), freq.take());
            let Some(val) = val else {
                tracing::warn!(
                    "rdbLoadObject skipping empty key: {}",
                    String::from_utf8_lossy(&key)
                );
                stats.empty_keys_skipped += 1;
                continue;
            };
            if let Some(t) = when
                && t < opts.now_ms
                && !opts.keep_expired
            {
                stats.keys_expired += 1;
                continue;
            }
            let cfg = ks.evict;
            let meta = idle
                .and_then(|secs| evict::meta_with_idle(&cfg, secs, opts.now_ms))
                .or_else(|| freq.and_then(|f| evict::meta_with_freq(&cfg, f, opts.now_ms)))
                .unwrap_or_else(|| evict::fresh_meta(&cfg, opts.now_ms));
            let d = &mut ks.dbs[db];
            let (entry, inserted) = d.main.entry_or_insert_with(&key, || val);
            if inserted {
                entry.set_meta(meta);
            } else {
                return Err(LoadError {
                    offset: key_off,
                    msg: format!(
                        "duplicate key '{}' in database {db}",
                        String::from_utf8_lossy(&key)
                    ),
                });
            }
            if let Some(t) = when {
                d.expires.insert(&key, t);
            }
            stats.keys_loaded += 1;
            if opts.key_load_delay != 0 {
                super::debug_delay(opts.key_load_delay);
            }
            let offset = self.input.offset();
            let crossed = opts.progress_bytes > 0
                && offset / opts.progress_bytes != last_progress_at / opts.progress_bytes;
            if crossed || stats.keys_loaded.is_multiple_of(PROGRESS_EVERY) {
                last_progress_at = offset;
                progress();
            }
        }
        if ver >= 5 {
            let computed = self.input.crc();
            let stored = u64::from_le_bytes(self.fixed()?);
            stats.checksummed = stored != 0;
            if opts.verify_checksum && stored != 0 && stored != computed {
                return Err(self.err(format!(
                    "RDB CRC error: wrong RDB checksum expected: ({computed:x}) but got ({stored:x})"
                )));
            }
        }
        Ok(stats)
    }
}

/// How Redis names a packed encoding in its integrity check errors.
fn packed_name(ty: u8) -> Option<&'static str> {
    Some(match ty {
        T_HASH_ZIPMAP => "Zipmap",
        T_LIST_ZIPLIST => "List ziplist",
        T_SET_INTSET => "Intset",
        T_ZSET_ZIPLIST => "Zset ziplist",
        T_HASH_ZIPLIST => "Hash ziplist",
        T_LIST_QUICKLIST | T_LIST_QUICKLIST_2 => "Quicklist",
        T_STREAM_LISTPACKS | T_STREAM_LISTPACKS_2 | T_STREAM_LISTPACKS_3 => "Stream listpack",
        T_HASH_LISTPACK => "Hash listpack",
        T_ZSET_LISTPACK => "Zset listpack",
        T_SET_LISTPACK => "Set listpack",
        _ => return None,
    })
}

/// A module's name from its 64-bit type id (9 characters of 6 bits, then
/// a 10-bit version).
fn module_name(id: u64) -> String {
    const CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..9)
        .map(|i| CHARSET[((id >> (64 - 6 * (i + 1))) & 63) as usize] as char)
        .collect()
}

fn push_list(l: &mut ListValue, e: Entry, fill: i64) {
    match e {
        Entry::Int(v) => {
            l.grow_check(fill, num::i64_len(v), 1);
            l.push(&ListElem::Int(v), false);
        }
        Entry::Str(b) => {
            l.grow_check(fill, b.len(), 1);
            l.push(&ListElem::from_bytes(b), false);
        }
    }
}

/// Adds one member, creating the set on the first; false on a duplicate.
fn add_to_set(set: &mut Option<SetValue>, e: Entry, hint: usize, lim: &SetLimits) -> bool {
    let s = set.get_or_insert_with(|| e.with_bytes(|b| SetValue::create(b, hint, lim)));
    match e {
        Entry::Int(v) => s.add_member(Member::Int(v), lim),
        Entry::Str(b) => s.add(b, lim),
    }
}

/// A sorted set from unsorted (score, member) pairs: no NaN, no duplicate
/// members.
fn build_zset(mut elems: Vec<zset::Elem>, lim: &zset::Limits) -> Result<Value, String> {
    if elems.iter().any(|e| e.score.is_nan()) {
        return Err("sorted set with a NaN score".into());
    }
    elems.sort_unstable_by(|a, b| a.member.cmp(&b.member));
    if elems.windows(2).any(|w| w[0].member == w[1].member) {
        return Err("duplicate sorted set members detected".into());
    }
    // No NaN here, so partial_cmp is total; -0.0 and 0.0 tie and are
    // ordered by member, as the type orders them.
    elems.sort_by(|a, b| {
        a.score
            .partial_cmp(&b.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.member.cmp(&b.member))
    });
    Ok(Value::ZSet(ZSetValue::from_sorted(elems, lim)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    fn payloads() -> Vec<Vec<u8>> {
        let mut h = Harness::new();
        let long = "abcdefgh".repeat(40);
        for cmd in [
            &["SET", "s", "hello"][..],
            &["SET", "n", "-70000"],
            &["SET", "long", &long],
            &["RPUSH", "l", "a", "1", "-2", "300", &long],
            &["SADD", "si", "1", "2", "-3"],
            &["SADD", "ss", "x", "y", "z"],
            &["ZADD", "z", "1.5", "m", "2", "n", "-inf", "o"],
            &["HSET", "h", "f", "v", "g", "12"],
            &["XADD", "x", "1-1", "f", "v", "g", "12"],
            &["XADD", "x", "1-2", "f", "w", "g", "-5"],
            &["XADD", "x", "2-0", "other", &long],
            &["XGROUP", "CREATE", "x", "grp", "0"],
            &[
                "XREADGROUP",
                "GROUP",
                "grp",
                "c1",
                "COUNT",
                "2",
                "STREAMS",
                "x",
                ">",
            ],
            &["XDEL", "x", "1-1"],
        ] {
            h.run(cmd);
        }
        let mut out = Vec::new();
        for k in ["s", "n", "long", "l", "si", "ss", "z", "h", "x"] {
            let v = h.srv.ks.dbs[0].main.get(k.as_bytes()).unwrap();
            out.push(dump_payload(v, true, -2).unwrap());
        }
        // Big forms too.
        h.run(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
        h.run(&["CONFIG", "SET", "hash-max-listpack-entries", "0"]);
        h.run(&["ZADD", "zb", "1", "a", "2", "b"]);
        h.run(&["HSET", "hb", "f", "v"]);
        for k in ["zb", "hb"] {
            let v = h.srv.ks.dbs[0].main.get(k.as_bytes()).unwrap();
            out.push(dump_payload(v, true, -2).unwrap());
        }
        out
    }

    /// Writes `ks` as an RDB file and loads it into a fresh keyspace with
    /// the same eviction settings.
    fn reload(ks: &Keyspace, now_ms: i64) -> Keyspace {
        let opts = SaveOpts {
            repl: None,
            key_save_delay: 0,
            compress: true,
            checksum: true,
            list_fill: -2,
            ctime: 0,
            used_mem: 0,
            aof_base: false,
            functions: Vec::new(),
        };
        let mut file = Vec::new();
        write_rdb(ks, &mut file, &opts).unwrap();
        let mut fresh = Keyspace::new(ks.dbs.len());
        fresh.evict = ks.evict;
        let load = LoadOpts {
            keep_expired: false,
            now_ms,
            verify_checksum: true,
            limits: TypeLimits::default(),
            key_load_delay: 0,
            progress_bytes: 0,
        };
        Decoder::new(SliceInput::new(&file))
            .load(&mut fresh, &load)
            .unwrap();
        fresh
    }

    #[test]
    fn idle_time_and_frequency_survive_save_and_load() {
        let now = crate::server::now_ms();
        let val = || Value::Str(StrValue::from_bytes(b"v"));
        // LRU policies record each key's idle time (IDLE opcode).
        let mut ks = Keyspace::new(1);
        ks.evict.policy = evict::Policy::AllKeysLru;
        ks.set(0, b"old", val(), false);
        ks.set(0, b"new", val(), false);
        let cfg = ks.evict;
        ks.set_key_meta(0, b"old", evict::meta_with_idle(&cfg, 3600, now).unwrap());
        let back = reload(&ks, now);
        let idle = |ks: &Keyspace, k: &[u8]| evict::idle_ms(ks.key_meta(0, k).unwrap(), now) / 1000;
        // Seconds may tick between saving and checking.
        assert!((3600..=3602).contains(&idle(&back, b"old")));
        assert!(idle(&back, b"new") <= 2);
        // LFU policies record the counter (FREQ opcode).
        let mut ks = Keyspace::new(1);
        ks.evict.policy = evict::Policy::VolatileLfu;
        ks.set(0, b"hot", val(), false);
        ks.set(0, b"fresh", val(), false);
        ks.set_key_meta(
            0,
            b"hot",
            evict::meta_with_freq(&ks.evict, 200, now).unwrap(),
        );
        let back = reload(&ks, now);
        let freq = |k: &[u8]| evict::lfu_counter(back.key_meta(0, k).unwrap(), now, 1);
        assert_eq!(freq(b"hot"), 200);
        assert_eq!(freq(b"fresh"), evict::LFU_INIT_VAL);
        // Other policies write neither opcode: the file is the plain one.
        let mut plain = Keyspace::new(1);
        plain.set(0, b"k", val(), false);
        let mut lru = Keyspace::new(1);
        lru.evict.policy = evict::Policy::AllKeysLru;
        lru.set(0, b"k", val(), false);
        let opts = SaveOpts {
            repl: None,
            key_save_delay: 0,
            compress: true,
            checksum: false,
            list_fill: -2,
            ctime: 0,
            used_mem: 0,
            aof_base: false,
            functions: Vec::new(),
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_rdb(&plain, &mut a, &opts).unwrap();
        write_rdb(&lru, &mut b, &opts).unwrap();
        assert_eq!(b.len(), a.len() + 2, "one IDLE opcode and a 1-byte length");
    }

    #[test]
    fn payloads_round_trip() {
        let lim = TypeLimits::default();
        for p in payloads() {
            let body = verify_payload(&p, false).expect("valid payload");
            let v = restore_value(body, &lim).unwrap();
            // Loading may pick another encoding (the big forms come back
            // packed); from then on the bytes are stable.
            let p2 = dump_payload(&v, true, -2).unwrap();
            let v2 = restore_value(verify_payload(&p2, false).unwrap(), &lim).unwrap();
            assert_eq!(v2, v);
            assert_eq!(dump_payload(&v2, true, -2).unwrap(), p2);
        }
    }

    /// Random damage to payload bodies (past the checksum, as if it had
    /// been disabled) must give errors or values, never a panic.
    #[test]
    fn damaged_payloads_never_panic() {
        let lim = TypeLimits::default();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for p in payloads() {
            let body = &p[..p.len() - 10];
            for cut in 0..body.len() {
                let _ = restore_value(&body[..cut], &lim);
            }
            for _ in 0..2000 {
                let mut b = body.to_vec();
                for _ in 0..1 + rnd() % 3 {
                    let i = (rnd() as usize) % b.len();
                    b[i] = rnd() as u8;
                }
                let _ = restore_value(&b, &lim);
            }
        }
    }

    #[test]
    fn length_encodings() {
        for (n, bytes) in [
            (0u64, &[0x00][..]),
            (63, &[0x3F]),
            (64, &[0x40, 0x40]),
            (16383, &[0x7F, 0xFF]),
            (16384, &[0x80, 0, 0, 0x40, 0]),
            (u64::from(u32::MAX), &[0x80, 0xFF, 0xFF, 0xFF, 0xFF]),
            (1 << 32, &[0x81, 0, 0, 0, 1, 0, 0, 0, 0]),
        ] {
            let mut e = Encoder::new(false, -2);
            e.len(n);
            assert_eq!(e.buf, bytes, "{n}");
            let mut d = Decoder::new(SliceInput::new(&e.buf));
            assert_eq!(d.length().unwrap(), n);
        }
    }

    #[test]
    fn string_encodings_follow_redis() {
        let enc = |s: &[u8], compress: bool| {
            let mut e = Encoder::new(compress, -2);
            e.string(s);
            e.buf
        };
        assert_eq!(enc(b"12", false), [0xC0, 12]);
        assert_eq!(enc(b"-129", false), [0xC1, 0x7F, 0xFF]);
        assert_eq!(enc(b"2147483647", false), [0xC2, 0xFF, 0xFF, 0xFF, 0x7F]);
        // Not canonical, or wider than 32 bits: plain.
        assert_eq!(enc(b"012", false), [3, b'0', b'1', b'2']);
        assert_eq!(enc(b"2147483648", false)[0], 10);
        // 21 repeated bytes compress; 20 do not (only longer than 20).
        assert_eq!(enc(&[b'a'; 21], true)[0], 0xC3);
        assert_eq!(enc(&[b'a'; 20], true)[0], 20);
        assert_eq!(enc(&[b'a'; 21], false)[0], 21);
        let lzf = enc(&[b'a'; 100], true);
        let mut d = Decoder::new(SliceInput::new(&lzf));
        match d.string().unwrap() {
            RStr::Bytes(b) => assert_eq!(b, [b'a'; 100]),
            RStr::Int(_) => panic!(),
        }
    }

    #[test]
    fn crc64_is_jones() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6d914c4b8d9ca);
    }
}
