//! RESTORE / DUMP payload bodies (past the checksum, as if it matched):
//! every type and encoding, listpack, ziplist, intset, zipmap, quicklist,
//! stream listpacks, LZF and length encodings. A body that decodes must
//! dump and restore to the same value (a stream: the same dump). Also the footer check and
//! FUNCTION RESTORE bodies.
#![no_main]

mod common;

use ember::persist::rdb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lim = rdb::TypeLimits::default();
    if let Ok(v) = rdb::restore_value(data, &lim) {
        let p = rdb::dump_payload(&v, true, -2).expect("a decoded value dumps");
        let body = rdb::verify_payload(&p).expect("our own payload verifies");
        let v2 = rdb::restore_value(body, &lim).expect("our own payload restores");
        // A stream node keeps the byte size of the listpack it came from
        // (node-max-bytes accounting), which a non-canonical listpack
        // changes: for streams the dumps must agree, for the rest the values.
        if matches!(v, ember::types::Value::Stream(_)) {
            let p2 = rdb::dump_payload(&v2, true, -2).expect("dumps again");
            assert!(p2 == p, "stream round trip changed:\n{v:?}\n{v2:?}");
        } else {
            assert!(v2 == v, "round trip changed the value:\n{v:?}\n{v2:?}");
        }
    }
    let _ = rdb::verify_payload(data);
    let _ = rdb::function_restore(data);
});
