//! Comparing whole key spaces: run commands on an in-process harness or a
//! server connection alike, and dump every key (type, content, absolute
//! expiry) to compare two servers or a server before and after a restart.

use super::{RawConn, split_aggregate};
use ember::testing::Harness;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub type Args = Vec<Vec<u8>>;

pub fn a(parts: &[&[u8]]) -> Args {
    parts.iter().map(|p| p.to_vec()).collect()
}

pub trait Runner {
    fn run(&mut self, args: &[Vec<u8>]) -> Vec<u8>;
}

impl Runner for Harness {
    fn run(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        let v: Vec<&[u8]> = args.iter().map(|x| x.as_slice()).collect();
        self.run_bytes(&v)
    }
}

impl Runner for RawConn {
    fn run(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        self.cmd(args)
    }
}

pub fn run(r: &mut dyn Runner, parts: &[&[u8]]) -> Vec<u8> {
    r.run(&a(parts))
}

pub fn apply(r: &mut dyn Runner, data: &[(usize, Args)]) {
    for (db, cmd) in data {
        run(r, &[b"SELECT", db.to_string().as_bytes()]);
        let reply = r.run(cmd);
        assert!(
            reply.first() != Some(&b'-'),
            "{:?}: {}",
            String::from_utf8_lossy(&cmd[0]),
            String::from_utf8_lossy(&reply)
        );
    }
    run(r, &[b"SELECT", b"0"]);
}

/// The payload of a bulk string frame (None for a null), or an integer's
/// text.
pub fn bulk(frame: &[u8]) -> Option<Vec<u8>> {
    let cr = frame.windows(2).position(|w| w == b"\r\n")?;
    match frame[0] {
        b'$' => {
            let n: i64 = std::str::from_utf8(&frame[1..cr]).ok()?.parse().ok()?;
            if n < 0 {
                return None;
            }
            Some(frame[cr + 2..cr + 2 + n as usize].to_vec())
        }
        b':' | b'+' => Some(frame[1..cr].to_vec()),
        _ => None,
    }
}

pub fn bulks(frame: &[u8]) -> Vec<Vec<u8>> {
    let (_, elems) = split_aggregate(frame).unwrap_or_else(|| {
        panic!("not an array: {}", String::from_utf8_lossy(frame));
    });
    elems.iter().map(|e| bulk(e).unwrap_or_default()).collect()
}

#[derive(Debug, PartialEq, Eq)]
pub struct KeyDump {
    pub ty: String,
    pub content: Vec<Vec<u8>>,
    pub expire: i64,
}

pub type Snapshot = BTreeMap<(usize, Vec<u8>), KeyDump>;

/// Every key of every database: type, content (order-insensitive types
/// sorted, scores normalised to f64) and absolute expiry.
pub fn snapshot(r: &mut dyn Runner, dbs: usize) -> Snapshot {
    let mut out = Snapshot::new();
    for db in 0..dbs {
        run(r, &[b"SELECT", db.to_string().as_bytes()]);
        let mut keys = Vec::new();
        let mut cursor = b"0".to_vec();
        loop {
            let reply = run(r, &[b"SCAN", &cursor, b"COUNT", b"1000"]);
            let (_, parts) = split_aggregate(&reply).unwrap_or_else(|| {
                panic!(
                    "SCAN reply: {}",
                    String::from_utf8_lossy(&reply[..reply.len().min(300)])
                )
            });
            cursor = bulk(&parts[0]).unwrap();
            keys.extend(bulks(&parts[1]));
            if cursor == b"0" {
                break;
            }
        }
        for key in keys {
            let ty = String::from_utf8(bulk(&run(r, &[b"TYPE", &key])).unwrap()).unwrap();
            let content = match ty.as_str() {
                "string" => vec![bulk(&run(r, &[b"GET", &key])).unwrap()],
                "list" => bulks(&run(r, &[b"LRANGE", &key, b"0", b"-1"])),
                "set" => {
                    let mut m = bulks(&run(r, &[b"SMEMBERS", &key]));
                    m.sort();
                    m
                }
                "zset" => {
                    let v = bulks(&run(r, &[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"]));
                    v.chunks(2)
                        .flat_map(|p| {
                            let s: f64 = std::str::from_utf8(&p[1]).unwrap().parse().unwrap();
                            [p[0].clone(), format!("{s:?}").into_bytes()]
                        })
                        .collect()
                }
                "hash" => {
                    let v = bulks(&run(r, &[b"HGETALL", &key]));
                    let mut pairs: Vec<Vec<u8>> = v.chunks(2).map(|p| p.concat()).collect();
                    pairs.sort();
                    pairs
                }
                "stream" => stream_content(r, &key),
                // Gone between SCAN and TYPE: the data set is changing (a
                // replica replacing its data); pollers compare again.
                "none" => continue,
                other => panic!("unexpected type {other}"),
            };
            let exp = bulk(&run(r, &[b"PEXPIRETIME", &key])).unwrap();
            let expire = std::str::from_utf8(&exp).unwrap().parse().unwrap();
            out.insert(
                (db, key),
                KeyDump {
                    ty,
                    content,
                    expire,
                },
            );
        }
    }
    run(r, &[b"SELECT", b"0"]);
    out
}

/// Waits until a server that is loading its data file answers commands.
/// A stream's entries, counters, groups and pending entries (without the
/// times, which differ between servers).
fn stream_content(r: &mut dyn Runner, key: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let entries = run(r, &[b"XRANGE", key, b"-", b"+"]);
    out.push(entries);
    let info = run(r, &[b"XINFO", b"STREAM", key]);
    let (_, parts) = split_aggregate(&info).unwrap();
    for pair in parts.chunks(2) {
        let name = bulk(&pair[0]).unwrap_or_default();
        if name != b"radix-tree-nodes" {
            out.push(name);
            out.push(pair[1].clone());
        }
    }
    let groups = run(r, &[b"XINFO", b"GROUPS", key]);
    out.push(groups.clone());
    let (_, gs) = split_aggregate(&groups).unwrap();
    for g in gs {
        let (_, fields) = split_aggregate(&g).unwrap();
        let name = bulk(&fields[1]).unwrap();
        out.push(run(r, &[b"XPENDING", key, &name]));
        let pel = run(r, &[b"XPENDING", key, &name, b"-", b"+", b"1000"]);
        let (_, rows) = split_aggregate(&pel).unwrap();
        for row in rows {
            let v = bulks(&row);
            out.push([v[0].clone(), v[1].clone(), v[3].clone()].concat());
        }
        let cons = run(r, &[b"XINFO", b"CONSUMERS", key, &name]);
        let (_, cs) = split_aggregate(&cons).unwrap();
        for c in cs {
            let v = bulks(&c);
            out.push([v[1].clone(), v[3].clone()].concat());
        }
    }
    out
}

pub fn loaded(mut c: RawConn) -> RawConn {
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.cmd(&["PING"]).starts_with(b"-LOADING") {
        assert!(Instant::now() < deadline, "still loading");
        std::thread::sleep(Duration::from_millis(10));
    }
    c
}

pub fn assert_same(want: &Snapshot, got: &Snapshot, what: &str) {
    for (k, v) in want {
        match got.get(k) {
            Some(g) => assert_eq!(
                v,
                g,
                "{what}: key {:?} in db {}",
                String::from_utf8_lossy(&k.1),
                k.0
            ),
            None => panic!(
                "{what}: key {:?} in db {} missing",
                String::from_utf8_lossy(&k.1),
                k.0
            ),
        }
    }
    for k in got.keys() {
        assert!(
            want.contains_key(k),
            "{what}: unexpected key {:?}",
            String::from_utf8_lossy(&k.1)
        );
    }
}
