//! Small, dependency-free helpers shared by the whole server: Redis-compatible glob matching and number parsing/formatting.

pub mod geohash;
pub mod glob;
pub mod num;
