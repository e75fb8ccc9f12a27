//! FAILOVER, both sides: an ember master hands its role to a redis-server
//! or ember replica, a redis-server master hands it to an ember replica,
//! and the errors, the pause, TIMEOUT, FORCE, ABORT and a refused hand-over
//! behave as Redis 7.0's. Skipped with a notice without redis-server
//! (failing in CI).

mod common;

use common::repl::*;
use common::*;
use std::time::Duration;

/// Databases compared.
const DBS: usize = 3;

/// A redis-server master starts a replica's (diskless) sync at once.
const FAST_SYNC: &[&str] = &["--repl-diskless-sync-delay", "0"];

fn field(c: &mut RawConn, name: &str) -> String {
    info_field(c, "replication", name).unwrap_or_default()
}

fn stat(c: &mut RawConn, name: &str) -> u64 {
    info_field(c, "stats", name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(u64::MAX)
}

fn replica_of(port: u16) -> Vec<String> {
    vec!["--replicaof".into(), "127.0.0.1".into(), port.to_string()]
}

fn start_redis_replica_of(port: u16) -> ServerProc {
    let args = replica_of(port);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    start_redis(&args).expect("redis-server")
}

fn start_ember_replica_of(port: u16) -> ServerProc {
    let args = replica_of(port);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    start_ember(&args)
}

/// A few keys in several databases.
fn load(m: &mut RawConn, tag: &str) {
    for db in 0..DBS {
        m.cmd(&["SELECT", &db.to_string()]);
        for i in 0..20 {
            m.cmd(&["SET", &format!("{tag}:{i}"), &format!("v{i}")]);
        }
        m.cmd(&["RPUSH", &format!("{tag}:list"), "a", "b", "c"]);
        m.cmd(&["HSET", &format!("{tag}:hash"), "f", "v"]);
    }
    m.cmd(&["SELECT", "0"]);
}

/// The master lists `n` replicas, every one online and acknowledging the
/// master's whole stream.
fn replicas_synced(m: &mut RawConn, n: usize) {
    eventually("replicas online and caught up", || {
        let text = String::from_utf8_lossy(&m.cmd(&["INFO", "replication"])).into_owned();
        let offset = text
            .lines()
            .find_map(|l| l.strip_prefix("master_repl_offset:"))
            .unwrap_or("?")
            .to_string();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("slave")).collect();
        lines.len() == n
            && lines
                .iter()
                .all(|l| l.contains("state=online") && l.contains(&format!("offset={offset},")))
    });
}

/// An ember master holding a few keys and one replica (redis-server or
/// ember) that acknowledged everything, with a connection to each.
fn ember_master_with_replica(redis: bool) -> (ServerProc, RawConn, ServerProc, RawConn) {
    let master = start_ember(&[]);
    let mut m = master.connect();
    load(&mut m, "before");
    let replica = if redis {
        start_redis_replica_of(master.port)
    } else {
        start_ember_replica_of(master.port)
    };
    let r = replica.connect();
    replicas_synced(&mut m, 1);
    (master, m, replica, r)
}

/// `from` became a replica of `to` (link up) and `to` a master, with no
/// failover left running on either.
fn handed_over(from: &mut RawConn, to: &mut RawConn, to_port: u16) {
    eventually("the target to become master", || {
        field(to, "role") == "master"
    });
    eventually("the old master to follow the target", || {
        field(from, "role") == "slave"
            && field(from, "master_port") == to_port.to_string()
            && field(from, "master_link_status") == "up"
    });
    assert_eq!(field(from, "master_failover_state"), "no-failover");
    assert_eq!(field(to, "master_failover_state"), "no-failover");
}

fn signal(p: &ServerProc, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &p.pid().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill {sig}");
}

/// Sends `SET key value` on `c` and checks that no reply comes while the
/// failover pause holds it.
fn send_held(c: &mut RawConn, key: &str) {
    c.send(&["SET", key, "held"]);
    no_reply(c);
}

/// Nothing arrives on `c` for a while.
fn no_reply(c: &mut RawConn) {
    let saved = c.timeout;
    c.timeout = Duration::from_millis(300);
    let r = c.read_reply();
    c.timeout = saved;
    assert!(r.is_err(), "answered during the failover: {r:?}");
}

fn same(rm: &mut RawConn, em: &mut RawConn, line: &str) {
    let want = rm.cmd_line(line);
    let got = em.cmd_line(line);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want),
        "{line}"
    );
}

/// Every error FAILOVER gives, byte for byte against a redis-server in the
/// same role: without replicas, with one, on a replica, and while a
/// failover waits (where writes are held, CLIENT UNPAUSE does not free
/// them, REPLICAOF and PSYNC are refused, and ABORT frees them).
#[test]
fn failover_errors_match_redis() {
    require_redis!();
    let redis = start_redis(FAST_SYNC).expect("redis-server");
    let ember = start_ember(&[]);
    let (mut rm, mut em) = (redis.connect(), ember.connect());
    for line in [
        "FAILOVER",
        "FAILOVER ABORT",
        "failover abort",
        "FAILOVER ABORT TIMEOUT 5",
        "FAILOVER TIMEOUT",
        "FAILOVER TIMEOUT 0",
        "FAILOVER TIMEOUT -1",
        "FAILOVER TIMEOUT x",
        "FAILOVER TIMEOUT 5 TIMEOUT 6",
        "FAILOVER TO h",
        "FAILOVER TO h x",
        "FAILOVER TO h 99999999999999999999",
        "FAILOVER TO h 1 TO h 2",
        "FAILOVER FORCE FORCE",
        "FAILOVER FORCE",
        "FAILOVER TO h 1",
        "FAILOVER bogus",
        "PSYNC ? -1 FAILOVER",
        "psync 0123 1 failover",
        "COMMAND INFO failover",
    ] {
        same(&mut rm, &mut em, line);
    }
    let rr = start_redis_replica_of(redis.port);
    let er = start_ember_replica_of(ember.port);
    replicas_synced(&mut rm, 1);
    replicas_synced(&mut em, 1);
    for line in [
        "FAILOVER TO 127.0.0.1 1",
        "FAILOVER TO localhost 1",
        "FAILOVER FORCE",
        "FAILOVER TIMEOUT 100 FORCE",
    ] {
        same(&mut rm, &mut em, line);
    }
    let force = |p: u16| format!("FAILOVER TO 127.0.0.1 {p} FORCE");
    assert_eq!(
        em.cmd_line(&force(er.port)),
        rm.cmd_line(&force(rr.port)),
        "FORCE without TIMEOUT"
    );
    let (mut rrc, mut erc) = (rr.connect(), er.connect());
    same(&mut rrc, &mut erc, "FAILOVER");
    same(&mut rrc, &mut erc, "FAILOVER TO 127.0.0.1 1");
    same(&mut rrc, &mut erc, "FAILOVER ABORT");
    same(&mut rrc, &mut erc, "PSYNC 0123 1 FAILOVER");

    // A failover that waits: the replicas are stopped and the masters
    // wrote since their last acknowledgement.
    signal(&rr, "-STOP");
    signal(&er, "-STOP");
    rm.cmd(&["SET", "moved", "1"]);
    em.cmd(&["SET", "moved", "1"]);
    let start = |p: u16| format!("FAILOVER TO 127.0.0.1 {p} TIMEOUT 60000");
    assert_eq!(rm.cmd_line(&start(rr.port)), b"+OK\r\n");
    assert_eq!(em.cmd_line(&start(er.port)), b"+OK\r\n");
    assert_eq!(field(&mut em, "master_failover_state"), "waiting-for-sync");
    assert_eq!(field(&mut rm, "master_failover_state"), "waiting-for-sync");
    for line in [
        "FAILOVER",
        "FAILOVER TIMEOUT 5",
        "REPLICAOF NO ONE",
        "REPLICAOF 127.0.0.1 1",
        "PSYNC ? -1",
        "GET moved",
    ] {
        same(&mut rm, &mut em, line);
    }
    let (mut rw, mut ew) = (redis.connect(), ember.connect());
    send_held(&mut rw, "k");
    send_held(&mut ew, "k");
    // CLIENT UNPAUSE ends only a CLIENT PAUSE.
    same(&mut rm, &mut em, "CLIENT UNPAUSE");
    send_held(&mut em, "k2");
    no_reply(&mut ew);
    let mut em2 = ember.connect();
    assert_eq!(em2.cmd_line("FAILOVER ABORT"), b"+OK\r\n");
    assert_eq!(rm.cmd_line("FAILOVER ABORT"), b"+OK\r\n");
    for c in [&mut rw, &mut ew, &mut em] {
        assert_eq!(c.read_reply().as_deref(), Ok(&b"+OK\r\n"[..]));
    }
    same(&mut rm, &mut em, "FAILOVER ABORT");
    assert_eq!(field(&mut em, "master_failover_state"), "no-failover");
    assert_eq!(field(&mut em, "role"), "master");
    signal(&rr, "-CONT");
    signal(&er, "-CONT");
    assert!(
        ember.log().contains("FAILOVER to 127.0.0.1"),
        "{}",
        ember.log()
    );
    assert!(ember.log().contains("aborted: Failover manually aborted"));
}

/// An ember master hands over to its redis-server replica: the replica
/// continues ember's history (no full sync), ember follows it, the data
/// is intact and writes flow the other way.
#[test]
fn ember_master_hands_over_to_a_redis_replica() {
    require_redis!();
    let (ember, mut em, redis, mut rr) = ember_master_with_replica(true);
    converge(&mut em, &mut rr, DBS, "before the failover");
    assert_eq!(em.cmd_line("FAILOVER"), b"+OK\r\n");
    handed_over(&mut em, &mut rr, redis.port);
    assert_eq!(stat(&mut rr, "sync_full"), 0);
    assert_eq!(stat(&mut rr, "sync_partial_ok"), 1);
    converge(&mut rr, &mut em, DBS, "after the failover");
    load(&mut rr, "after");
    converge(&mut rr, &mut em, DBS, "writes on the new master");
    assert_eq!(
        em.cmd_line("SET x 1"),
        b"-READONLY You can't write against a read only replica.\r\n"
    );
    assert!(ember.log().contains("is synced, failing over."));
}

/// A redis-server master hands over to its ember replica (named with TO):
/// ember promotes itself on `PSYNC ... FAILOVER` and lets the old master
/// continue; a second redis replica follows the chain.
#[test]
fn redis_master_hands_over_to_an_ember_replica() {
    require_redis!();
    let redis = start_redis(FAST_SYNC).expect("redis-server");
    let mut rm = redis.connect();
    load(&mut rm, "before");
    let ember = start_ember_replica_of(redis.port);
    let other = start_redis_replica_of(redis.port);
    let (mut er, mut or) = (ember.connect(), other.connect());
    replicas_synced(&mut rm, 2);
    converge(&mut rm, &mut er, DBS, "before the failover");
    let line = format!("FAILOVER TO 127.0.0.1 {}", ember.port);
    assert_eq!(rm.cmd_line(&line), b"+OK\r\n");
    handed_over(&mut rm, &mut er, ember.port);
    assert_eq!(stat(&mut er, "sync_full"), 0);
    assert_eq!(stat(&mut er, "sync_partial_ok"), 1);
    let replid2 = field(&mut er, "master_replid2");
    assert_eq!(replid2, field(&mut rm, "master_replid2"));
    load(&mut er, "after");
    converge(&mut er, &mut rm, DBS, "writes on ember");
    converge(&mut er, &mut or, DBS, "writes through the old master");
    assert!(ember.log().contains("Failover request received"));
}

/// ember to ember, the target named among two replicas: the other replica
/// stays with the old master and receives the new master's writes
/// through it.
#[test]
fn ember_master_hands_over_to_an_ember_replica() {
    let master = start_ember(&[]);
    let mut m = master.connect();
    load(&mut m, "before");
    let target = start_ember_replica_of(master.port);
    let other = start_ember_replica_of(master.port);
    let (mut t, mut o) = (target.connect(), other.connect());
    replicas_synced(&mut m, 2);
    let line = format!("FAILOVER TO 127.0.0.1 {} TIMEOUT 60000", target.port);
    assert_eq!(m.cmd_line(&line), b"+OK\r\n");
    handed_over(&mut m, &mut t, target.port);
    load(&mut t, "after");
    converge(&mut t, &mut m, DBS, "writes on the new master");
    converge(&mut t, &mut o, DBS, "writes through the old master");
    assert_eq!(stat(&mut t, "sync_full"), 0);
}

/// TIMEOUT without FORCE gives up and resumes writes; with FORCE the
/// master hands over anyway (failover-in-progress until the stopped target
/// answers).
#[test]
fn failover_timeout_aborts_or_forces() {
    require_redis!();
    let (ember, mut em, redis, mut rr) = ember_master_with_replica(true);
    signal(&redis, "-STOP");
    em.cmd(&["SET", "behind", "1"]);
    assert_eq!(em.cmd_line("FAILOVER TIMEOUT 200"), b"+OK\r\n");
    eventually("the timeout to abort", || {
        field(&mut em, "master_failover_state") == "no-failover"
    });
    assert_eq!(field(&mut em, "role"), "master");
    assert_eq!(em.cmd_line("SET after-abort 1"), b"+OK\r\n");
    assert!(
        ember
            .log()
            .contains("aborted: Replica never caught up before timeout")
    );

    let line = format!("FAILOVER TO 127.0.0.1 {} TIMEOUT 200 FORCE", redis.port);
    assert_eq!(em.cmd_line(&line), b"+OK\r\n");
    eventually("the forced hand-over", || {
        field(&mut em, "master_failover_state") == "failover-in-progress"
    });
    assert_eq!(field(&mut em, "role"), "slave");
    signal(&redis, "-CONT");
    handed_over(&mut em, &mut rr, redis.port);
    rr.cmd(&["SET", "new", "master"]);
    converge(&mut rr, &mut em, DBS, "after the forced failover");
}

/// A target that refuses the PSYNC (here its ACL denies it) makes the old
/// master a master again: writes held meanwhile go through, the replica
/// comes back.
#[test]
fn refused_failover_reverts_to_master() {
    let (master, mut m, _target, mut t) = ember_master_with_replica(false);
    assert_eq!(t.cmd_line("ACL SETUSER default -psync"), b"+OK\r\n");
    // Pipelined: the SET is held before the failover goes further (once
    // the old master is a replica, a write gets -READONLY, as in Redis).
    let mut w = master.connect();
    let mut both = encode_command(&["FAILOVER"]);
    both.extend(encode_command(&["SET", "during", "1"]));
    w.send_raw(&both);
    assert_eq!(w.read_reply().as_deref(), Ok(&b"+OK\r\n"[..]));
    eventually("the failover to be refused", || {
        master
            .log()
            .contains("Failover target rejected psync request")
    });
    eventually("writes to resume", || {
        field(&mut m, "master_failover_state") == "no-failover"
    });
    // Logged once, by the abort (as Redis does; its tests count it).
    assert_eq!(
        master
            .log()
            .matches("Failover target rejected psync request")
            .count(),
        1,
        "{}",
        master.log()
    );
    assert_eq!(field(&mut m, "role"), "master");
    let reply = w.read_reply();
    assert_eq!(reply.as_deref(), Ok(&b"+OK\r\n"[..]), "{}", master.log());
    assert_eq!(field(&mut t, "role"), "slave");
    replicas_synced(&mut m, 1);
    converge(&mut m, &mut t, DBS, "after the refused failover");
}

/// FAILOVER ABORT once the master already became the target's replica
/// (failover-in-progress): it is a master again and the replica comes back
/// and continues.
#[test]
fn abort_during_hand_over_restores_the_master() {
    require_redis!();
    let (ember, mut em, redis, mut rr) = ember_master_with_replica(true);
    signal(&redis, "-STOP");
    let line = format!("FAILOVER TO 127.0.0.1 {} TIMEOUT 100 FORCE", redis.port);
    assert_eq!(em.cmd_line(&line), b"+OK\r\n");
    eventually("the forced hand-over", || {
        field(&mut em, "master_failover_state") == "failover-in-progress"
    });
    assert_eq!(em.cmd_line("FAILOVER ABORT"), b"+OK\r\n");
    assert_eq!(field(&mut em, "role"), "master");
    assert_eq!(field(&mut em, "master_failover_state"), "no-failover");
    assert_eq!(em.cmd_line("SET after 1"), b"+OK\r\n");
    signal(&redis, "-CONT");
    replicas_synced(&mut em, 1);
    converge(&mut em, &mut rr, DBS, "after the abort");
    assert!(ember.log().contains("aborted: Failover manually aborted"));
}

/// INFO replication's fields (names, and the values that do not depend on
/// timing or offsets) and ROLE's shape.
fn stage_view(c: &mut RawConn) -> Vec<String> {
    let text = String::from_utf8_lossy(&c.cmd(&["INFO", "replication"])).into_owned();
    let keep = [
        "role",
        "master_host",
        "master_link_status",
        "master_sync_in_progress",
        "connected_slaves",
        "master_failover_state",
        "slave_read_only",
    ];
    let mut view: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| match keep.contains(&k) {
            true => format!("{k}:{v}"),
            false if k.starts_with("slave") && v.contains("state=") => {
                let state = v.split(',').find(|p| p.starts_with("state="));
                format!("{k}:{}", state.unwrap_or("?"))
            }
            false => k.to_string(),
        })
        .collect();
    let role = String::from_utf8_lossy(&c.cmd(&["ROLE"])).into_owned();
    let words: Vec<&str> = role.split("\r\n").filter(|w| !w.is_empty()).collect();
    view.push(format!("ROLE {} {:?}", words.len(), words.get(2)));
    view
}

/// INFO replication and ROLE while waiting for the target and once the
/// master handed over to a target that does not answer, as a redis-server
/// master in the same situation reports them.
#[test]
fn info_at_each_stage_matches_redis() {
    require_redis!();
    let redis = start_redis(FAST_SYNC).expect("redis-server");
    let mut rm = redis.connect();
    let rr = start_redis_replica_of(redis.port);
    let (_ember, mut em, er, _) = ember_master_with_replica(true);
    replicas_synced(&mut rm, 1);
    signal(&rr, "-STOP");
    signal(&er, "-STOP");
    rm.cmd(&["SET", "moved", "1"]);
    em.cmd(&["SET", "moved", "1"]);
    let line = |p: u16| format!("FAILOVER TO 127.0.0.1 {p} TIMEOUT 1500 FORCE");
    assert_eq!(rm.cmd_line(&line(rr.port)), b"+OK\r\n");
    assert_eq!(em.cmd_line(&line(er.port)), b"+OK\r\n");
    assert_eq!(stage_view(&mut em), stage_view(&mut rm), "waiting-for-sync");
    for c in [&mut rm, &mut em] {
        eventually("the forced hand-over", || {
            field(c, "master_failover_state") == "failover-in-progress"
        });
    }
    let (want, got) = (stage_view(&mut rm), stage_view(&mut em));
    assert_eq!(got, want, "failover-in-progress");
    assert!(want.iter().any(|l| l == "role:slave"), "{want:?}");
    same(&mut rm, &mut em, "FAILOVER ABORT");
    signal(&rr, "-CONT");
    signal(&er, "-CONT");
    assert_eq!(field(&mut em, "role"), "master");
}
