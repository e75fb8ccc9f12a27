//! Value representations stored in the keyspace. Owns encodings and their
//! conversions; knows nothing about commands or the wire protocol.

pub mod string;

pub use string::StrValue;

/// One stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(StrValue),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding_name(),
        }
    }
}
