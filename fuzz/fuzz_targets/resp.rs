//! The RESP parser as clients and a master's stream feed it: the whole
//! buffer at once, and the same bytes arriving in chunks (the general
//! parser resuming with its state). Both must yield the same commands and
//! stop the same way; consumed counts stay within the buffer.
#![no_main]

mod common;

use ember::resp::{Limits, ParseState, Parsed, parse_command};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum End {
    Incomplete,
    Error(String),
}

/// Feeds `data` in chunks of `chunk` bytes, parsing after each.
fn run(data: &[u8], chunk: usize, lim: &Limits) -> (Vec<Vec<Vec<u8>>>, End) {
    let mut out = Vec::new();
    let mut q: Vec<u8> = Vec::new();
    let mut st = ParseState::default();
    let mut fed = 0;
    loop {
        let take = chunk.min(data.len() - fed);
        q.extend_from_slice(&data[fed..fed + take]);
        fed += take;
        loop {
            let len = q.len();
            let mut argv = Vec::new();
            match parse_command(&mut q, &mut argv, lim, &mut st) {
                Ok(Parsed::Complete { consumed }) => {
                    assert!(
                        consumed > 0 && consumed <= len,
                        "consumed {consumed} of {len}"
                    );
                    let cmd: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
                    out.push(cmd);
                    q.drain(..consumed);
                }
                Ok(Parsed::Incomplete { .. }) => break,
                Err(e) => return (out, End::Error(e.0)),
            }
        }
        if fed == data.len() {
            return (out, End::Incomplete);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    let lim = Limits {
        max_bulk: if sel & 0x80 != 0 { 64 } else { 512 << 20 },
        authenticated: sel & 0x40 != 0,
    };
    let whole = run(data, data.len().max(1), &lim);
    let chunk = usize::from(sel & 0x3F) + 1;
    let split = run(data, chunk, &lim);
    assert_eq!(whole, split, "chunk size {chunk}");
});
