//! HyperLogLog sketches against a real redis-server: the same elements give
//! the same bytes (sparse runs, the switch to dense, merges) and the same
//! PFCOUNT, from a handful of elements to 100k.

mod common;
use common::*;

/// Sends the same commands to both servers; asserts equal replies.
fn both(e: &mut RawConn, r: &mut RawConn, args: &[Vec<u8>]) -> Vec<u8> {
    let a = e.cmd(args);
    let b = r.cmd(args);
    assert!(
        a == b,
        "reply to {:?}: ember {} vs redis {}",
        String::from_utf8_lossy(&args[0]),
        escape_trunc(&a, 200),
        escape_trunc(&b, 200)
    );
    a
}

fn pfadd(key: &str, from: usize, to: usize, tag: &str) -> Vec<Vec<u8>> {
    let mut v = vec![b"PFADD".to_vec(), key.as_bytes().to_vec()];
    v.extend((from..to).map(|i| format!("{tag}{i}").into_bytes()));
    v
}

fn cmd(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

#[test]
fn sketches_match_redis_byte_for_byte() {
    if !redis_or_skip("sketches_match_redis_byte_for_byte") {
        return;
    }
    let ember = start_ember(&[]);
    let redis = start_redis(&[]).expect("redis-server is on PATH");
    let (mut e, mut r) = (ember.connect(), redis.connect());
    // Grow one sketch in steps through the sparse form and past the
    // sparse size limit; compare bytes and counts at every step.
    let mut n = 0;
    for step in [1, 9, 40, 150, 300, 500, 1000, 3000, 10_000, 85_000] {
        for chunk in (n..n + step).collect::<Vec<_>>().chunks(1000) {
            both(
                &mut e,
                &mut r,
                &pfadd("grow", chunk[0], chunk[0] + chunk.len(), "el"),
            );
        }
        n += step;
        both(&mut e, &mut r, &cmd(&["PFCOUNT", "grow"]));
        both(&mut e, &mut r, &cmd(&["GET", "grow"]));
    }
    // Merges: sparse with sparse stays sparse; any dense input makes the
    // destination dense.
    both(&mut e, &mut r, &pfadd("s1", 0, 200, "a"));
    both(&mut e, &mut r, &pfadd("s2", 100, 400, "a"));
    both(&mut e, &mut r, &cmd(&["PFMERGE", "m", "s1", "s2"]));
    both(&mut e, &mut r, &cmd(&["GET", "m"]));
    both(&mut e, &mut r, &cmd(&["PFCOUNT", "m"]));
    both(&mut e, &mut r, &cmd(&["PFCOUNT", "s1", "s2", "grow"]));
    both(&mut e, &mut r, &cmd(&["PFMERGE", "m2", "s1", "grow"]));
    both(&mut e, &mut r, &cmd(&["GET", "m2"]));
    both(&mut e, &mut r, &cmd(&["PFCOUNT", "m2"]));
    // A lower sparse limit switches to dense sooner.
    both(
        &mut e,
        &mut r,
        &cmd(&["CONFIG", "SET", "hll-sparse-max-bytes", "200"]),
    );
    both(&mut e, &mut r, &pfadd("small", 0, 300, "b"));
    both(&mut e, &mut r, &cmd(&["PFDEBUG", "ENCODING", "small"]));
    both(&mut e, &mut r, &cmd(&["GET", "small"]));
}
