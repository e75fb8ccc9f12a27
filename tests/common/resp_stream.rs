//! Shared by tests/hostile_input.rs and fuzz/fuzz_targets/resp.rs: the
//! RESP parser fed the way the event loop feeds it, `chunk` bytes at a
//! time, the general parser resuming with its state.

use ember::resp::{Limits, ParseState, Parsed, parse_command};

/// How a stream of input ended.
#[derive(Debug, PartialEq)]
pub enum End {
    Incomplete,
    Error(String),
}

/// Parses `data` arriving `chunk` bytes at a time: every complete
/// command's arguments, and how the input ended. Consumed counts must stay
/// within the buffer.
pub fn parse_stream(data: &[u8], chunk: usize, lim: &Limits) -> (Vec<Vec<Vec<u8>>>, End) {
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
                    out.push(argv.iter().map(|a| a.to_vec()).collect());
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
