//! RESP wire format: the incremental request parser and the reply encoder for
//! RESP2 and RESP3. Knows nothing about commands, clients or sockets.

pub mod parse;
pub mod reply;

pub use parse::{Limits, ParseError, ParseState, Parsed, fast_multibulk, parse_command};
pub use reply::ReplyBuf;
