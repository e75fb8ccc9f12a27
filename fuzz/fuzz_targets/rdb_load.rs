//! Whole RDB files (start-up load, a master's snapshot, an AOF preamble),
//! read from memory and through the buffered file reader: both must agree.
#![no_main]

mod common;

use ember::db::Keyspace;
use ember::persist::rdb::{Decoder, FileInput, LoadOpts, SliceInput, TypeLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = || LoadOpts {
        now_ms: 0,
        keep_expired: true,
        verify_checksum: false,
        limits: TypeLimits::default(),
    };
    let mut ks = Keyspace::new(16);
    let a = Decoder::new(SliceInput::new(data)).load(&mut ks, &opts());
    let mut ks2 = Keyspace::new(16);
    let input = FileInput::new(std::io::Cursor::new(data), data.len() as u64);
    let b = Decoder::new(input).load(&mut ks2, &opts());
    assert_eq!(a.is_ok(), b.is_ok(), "{a:?} vs {b:?}");
    if let (Ok(a), Ok(b)) = (a, b) {
        assert_eq!(a.keys_loaded, b.keys_loaded);
    }
});
