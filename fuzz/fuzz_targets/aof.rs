//! AOF command streams (a legacy file's or an incr file's RESP part) and
//! multi-part AOF manifests. A stream cut at the reported valid offset must
//! read back cleanly with the same commands (what aof-load-truncated and
//! redis-check-aof --fix rely on); a parsed manifest must survive writing
//! and re-reading.
#![no_main]

mod common;

use ember::persist::aof_load::{CmdReader, Stop};
use ember::persist::manifest::Manifest;
use libfuzzer_sys::fuzz_target;

fn read_all(data: &[u8]) -> (Vec<Vec<Vec<u8>>>, Result<(), Stop>) {
    let mut rd = CmdReader::new(data, 0);
    let mut cmds = Vec::new();
    loop {
        match rd.next_command() {
            Ok(Some(argv)) => {
                assert!(!argv.is_empty());
                cmds.push(argv);
            }
            Ok(None) => return (cmds, Ok(())),
            Err(e) => return (cmds, Err(e)),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (cmds, end) = read_all(data);
    if let Err(Stop::Truncated { valid }) = end {
        let valid = usize::try_from(valid).expect("offset fits");
        assert!(valid <= data.len());
        let (again, end2) = read_all(&data[..valid]);
        assert_eq!(end2, Ok(()), "the repaired file reads cleanly");
        assert_eq!(again, cmds, "the repaired file keeps every whole command");
    }
    if let Ok(m) = Manifest::parse(data) {
        let text = m.to_text();
        let m2 = Manifest::parse(text.as_bytes()).expect("our own manifest parses");
        assert_eq!(m2.base, m.base);
        assert_eq!(m2.incrs, m.incrs);
        assert_eq!(m2.history, m.history);
    }
});
