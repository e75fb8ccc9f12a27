//! DEBUG DIGEST and DEBUG DIGEST-VALUE: a 20-byte fingerprint of the whole
//! dataset, or of single values, that tests compare before and after a
//! save/load or replay. Computed the way Redis computes it, so the same data
//! gives the same hex string on ember and on redis-server and a differential
//! test can compare two servers with one command.
//!
//! The building blocks are two ways of folding bytes into a digest:
//! `xor_in` (order-free: SHA1 of the bytes XORed into the digest, used for
//! set members, hash fields and whole keys) and `mix_in` (order-sensitive:
//! XOR, then the digest becomes the SHA1 of itself, used for list elements
//! and for the parts of one key).

use crate::db::Keyspace;
use crate::types::Value;
use crate::types::stream::StreamId;
use crate::util::num;

type Digest = [u8; 20];

/// Type numbers Redis mixes in (OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET,
/// OBJ_HASH, OBJ_STREAM).
fn type_number(v: &Value) -> u32 {
    match v {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    }
}

fn sha1(bytes: &[u8]) -> Digest {
    sha1_smol::Sha1::from(bytes).digest().bytes()
}

/// Order-free fold: `d ^= sha1(bytes)`.
fn xor_in(d: &mut Digest, bytes: &[u8]) {
    for (a, b) in d.iter_mut().zip(sha1(bytes)) {
        *a ^= b;
    }
}

/// Order-sensitive fold: `d = sha1(d ^ sha1(bytes))`.
fn mix_in(d: &mut Digest, bytes: &[u8]) {
    xor_in(d, bytes);
    *d = sha1(&d[..]);
}

/// The digest of one value (with its expiry flag) as DEBUG DIGEST-VALUE
/// reports it; the dataset digest mixes the key in before it.
fn value_digest(d: &mut Digest, v: &Value, has_expire: bool) {
    mix_in(d, &type_number(v).to_be_bytes());
    match v {
        Value::Str(s) => s.with_bytes(|b| mix_in(d, b)),
        Value::List(l) => {
            for e in l.iter() {
                match e {
                    crate::types::list::Elem::Int(i) => {
                        let mut buf = [0u8; 20];
                        mix_in(d, crate::types::string::format_i64(i, &mut buf));
                    }
                    crate::types::list::Elem::Str(b) => mix_in(d, b),
                }
            }
        }
        Value::Set(s) => {
            for m in s.iter() {
                m.with_bytes(|b| xor_in(d, b));
            }
        }
        Value::ZSet(z) => {
            let mut text = Vec::with_capacity(32);
            z.for_each(|m, score| {
                let mut e = [0u8; 20];
                mix_in(&mut e, m);
                text.clear();
                num::format_double(score, &mut text);
                mix_in(&mut e, &text);
                xor_in(d, &e);
            });
        }
        Value::Hash(h) => h.for_each(|f, val| {
            let mut e = [0u8; 20];
            mix_in(&mut e, f);
            val.with_bytes(|b| mix_in(&mut e, b));
            xor_in(d, &e);
        }),
        // Entries in ID order: "ms.seq" (Redis's "%U.%U"), then each field
        // and value. Groups and counters are not part of the digest.
        Value::Stream(st) => {
            for (id, fields) in st.range(StreamId::ZERO, StreamId::MAX) {
                mix_in(d, format!("{}.{}", id.ms, id.seq).as_bytes());
                for item in fields.items() {
                    mix_in(d, item);
                }
            }
        }
    }
    if has_expire {
        xor_in(d, b"!!expire!!");
    }
}

/// DEBUG DIGEST-VALUE for one key of `db`: all zeros when it is missing.
pub fn key_value_digest(ks: &Keyspace, db: usize, key: &[u8]) -> Digest {
    let mut d = [0u8; 20];
    if let Some(v) = ks.dbs.get(db).and_then(|x| x.main.get(key)) {
        value_digest(&mut d, v, ks.get_expire(db, key).is_some());
    }
    d
}

/// DEBUG DIGEST: every key of every database (all zeros when empty).
pub fn dataset_digest(ks: &Keyspace) -> Digest {
    let mut out = [0u8; 20];
    for (i, db) in ks.dbs.iter().enumerate() {
        if db.main.is_empty() {
            continue;
        }
        // The database number makes the same data in another db differ.
        mix_in(&mut out, &(i as u32).to_be_bytes());
        for (key, v) in db.main.iter() {
            let mut d = [0u8; 20];
            mix_in(&mut d, key);
            value_digest(&mut d, v, ks.get_expire(i, key).is_some());
            xor_in(&mut out, &d);
        }
    }
    out
}

/// Lower-case hex, as DEBUG DIGEST replies.
pub fn hex(d: &Digest) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::string::StrValue;

    #[test]
    fn empty_dataset_is_all_zeros() {
        let ks = Keyspace::new(16);
        assert_eq!(hex(&dataset_digest(&ks)), "0".repeat(40));
        assert_eq!(key_value_digest(&ks, 0, b"nope"), [0u8; 20]);
    }

    #[test]
    fn digest_depends_on_data_db_and_expiry_not_on_insert_order() {
        let mut a = Keyspace::new(16);
        let mut b = Keyspace::new(16);
        a.set(0, b"k1", Value::Str(StrValue::from_bytes(b"v1")), false);
        a.set(0, b"k2", Value::Str(StrValue::from_bytes(b"v2")), false);
        b.set(0, b"k2", Value::Str(StrValue::from_bytes(b"v2")), false);
        b.set(0, b"k1", Value::Str(StrValue::from_bytes(b"v1")), false);
        assert_eq!(dataset_digest(&a), dataset_digest(&b));
        b.set_expire(0, b"k1", 1 << 50);
        assert_ne!(dataset_digest(&a), dataset_digest(&b));
        let mut c = Keyspace::new(16);
        c.set(1, b"k1", Value::Str(StrValue::from_bytes(b"v1")), false);
        c.set(1, b"k2", Value::Str(StrValue::from_bytes(b"v2")), false);
        assert_ne!(dataset_digest(&a), dataset_digest(&c));
        // An integer-encoded string digests as its text.
        let mut d = Keyspace::new(16);
        let mut e = Keyspace::new(16);
        d.set(0, b"n", Value::Str(StrValue::Int(12)), false);
        e.set(0, b"n", Value::Str(StrValue::Raw(b"12".to_vec())), false);
        assert_eq!(key_value_digest(&d, 0, b"n"), key_value_digest(&e, 0, b"n"));
    }
}
