//! Placeholder for the hash value; replaced by its full implementation.

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HashValue {
    len: usize,
}

impl HashValue {
    pub fn encoding_name(&self) -> &'static str {
        "listpack"
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
