//! Value representations stored in the keyspace. Owns encodings and their
//! conversions; knows nothing about commands or the wire protocol.

pub mod hash;
pub mod hll;
pub mod list;
pub mod set;
pub mod stream;
pub mod string;
pub mod zset;

pub use hash::HashValue;
pub use list::ListValue;
pub use set::SetValue;
pub use stream::StreamValue;
pub use string::StrValue;
pub use zset::ZSetValue;

/// One stored value, 32 bytes: the inline string form sets the size; hash,
/// set and sorted-set values fit in it unboxed (24 bytes each, one heap
/// buffer), which saves an allocation per key; lists and streams stay
/// boxed.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(StrValue),
    List(Box<ListValue>),
    Hash(HashValue),
    Set(SetValue),
    ZSet(ZSetValue),
    Stream(Box<StreamValue>),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding_name(),
            Value::List(l) => l.encoding_name(),
            Value::Hash(h) => h.encoding_name(),
            Value::Set(s) => s.encoding_name(),
            Value::ZSet(z) => z.encoding_name(),
            Value::Stream(s) => s.encoding_name(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn value_stays_32_bytes() {
        assert_eq!(std::mem::size_of::<super::Value>(), 32);
    }
}
