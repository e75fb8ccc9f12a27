//! ember: a Redis-compatible cache server. One thread owns all data and runs
//! one `mio` event loop; see docs/architecture.md for the shape.

pub mod acl;
pub mod alloc;
pub mod client;
pub mod cmd;
pub mod config;
pub mod db;
pub mod error;
pub mod persist;
pub mod pubsub;
pub mod resp;
pub mod script;
pub mod server;
#[cfg(test)]
pub mod test_rng;
pub mod testing;
pub mod types;
pub mod util;

/// ember's own version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Redis version ember reports (INFO redis_version, HELLO version) so
/// clients enable the features of the Redis release whose semantics we follow.
pub const REDIS_COMPAT_VERSION: &str = "7.2.4";
