//! The RESP parser as clients and a master's stream feed it: the whole
//! buffer at once, and the same bytes arriving in chunks (the general
//! parser resuming with its state). Both must yield the same commands and
//! stop the same way; consumed counts stay within the buffer.
#![no_main]

mod common;
#[path = "../../tests/common/resp_stream.rs"]
mod resp_stream;

use resp_stream::parse_stream;

use ember::resp::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    let lim = Limits {
        max_bulk: if sel & 0x80 != 0 { 64 } else { 512 << 20 },
        authenticated: sel & 0x40 != 0,
    };
    let whole = parse_stream(data, data.len().max(1), &lim);
    let chunk = usize::from(sel & 0x3F) + 1;
    let split = parse_stream(data, chunk, &lim);
    assert_eq!(whole, split, "chunk size {chunk}");
});
