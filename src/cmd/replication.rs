//! Replication's commands: SYNC, PSYNC and REPLCONF (the master side) and
//! REPLICAOF / SLAVEOF (the replica side). They parse arguments and hand
//! over to `server::repl`, which owns the replicas, the snapshot transfer
//! and the stream, and to `server::replica`, which owns the link to our
//! master. (WAIT lives with the blocking commands, ROLE and INFO
//! replication with the server ones.)

use super::{Cmd, Ctx, flags::*};
use crate::error;
use crate::server::repl::{self, ReplicaState};

const SYNC_FLAGS: u32 = ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI;
const REPLICAOF_FLAGS: u32 = ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("sync", 1, SYNC_FLAGS, sync),
    Cmd::new("psync", -3, SYNC_FLAGS, psync),
    Cmd::new("replicaof", 3, REPLICAOF_FLAGS, replicaof),
    Cmd::new("slaveof", 3, REPLICAOF_FLAGS, replicaof),
    Cmd::new(
        "replconf",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY,
        replconf,
    ),
];

/// Longest `REPLCONF ip-address` accepted (Redis NET_HOST_STR_LEN - 1).
const MAX_IP_LEN: usize = 255;

/// SYNC: a full resynchronisation without the `+FULLRESYNC` line (the
/// protocol before PSYNC; redis-cli --rdb uses it).
fn sync(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.srv.failover.active() && !ctx.c.is_replica() {
        return ctx.c.reply.error(crate::error::NOMASTERLINK_FAILOVER);
    }
    start(ctx, None);
}

/// PSYNC replicationid offset: `+CONTINUE` when ember still has the
/// stream from `offset` of history `replicationid`, else `+FULLRESYNC`.
fn psync(ctx: &mut Ctx, argv: &[&[u8]]) {
    // A replica asking again on the same link is ignored (Redis too).
    if ctx.c.is_replica() {
        return;
    }
    // `PSYNC <our replid> <offset> FAILOVER`: our master hands over.
    if let Err(e) = crate::server::failover::psync_request(ctx.srv, ctx.c, argv) {
        return ctx.c.reply.error(e);
    }
    start(ctx, Some((argv[1], argv[2])));
}

fn start(ctx: &mut Ctx, psync: Option<(&[u8], &[u8])>) {
    // A replica asking again on the same link is ignored (Redis too).
    if ctx.c.is_replica() {
        return;
    }
    // A replica serves its own replicas once its link is up.
    if !crate::server::replica::can_serve_sync(ctx.srv) {
        return ctx.c.reply.error(error::NOMASTERLINK);
    }
    if ctx.c.has_pending_reply() {
        return ctx
            .c
            .reply
            .error("ERR SYNC and PSYNC are invalid with pending output");
    }
    repl::sync(ctx.srv, ctx.c, psync);
}

/// REPLICAOF host port | NO ONE (also SLAVEOF): replicate from a master,
/// or stop and become a master keeping the data. Connecting happens in
/// the event loop; the reply only says the request was taken.
fn replicaof(ctx: &mut Ctx, argv: &[&[u8]]) {
    if ctx.srv.failover.active() {
        return ctx
            .c
            .reply
            .error("ERR REPLICAOF not allowed while failing over.");
    }
    if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
        if ctx.srv.replica.active() {
            crate::server::replica::unset_master(ctx.srv);
            tracing::warn!("MASTER MODE enabled (user request from '{}')", ctx.c.addr);
        }
        return ctx.c.reply.ok();
    }
    if ctx.c.is_replica() {
        return ctx.c.reply.error(error::REPLICAOF_FROM_REPLICA);
    }
    let port = crate::util::num::parse_i64(argv[2]).and_then(|p| u16::try_from(p).ok());
    let Some(port) = port else {
        return ctx.c.reply.error(error::INVALID_MASTER_PORT);
    };
    let host = String::from_utf8_lossy(argv[1]).into_owned();
    if !crate::server::replica::set_master(ctx.srv, host.clone(), port) {
        return ctx
            .c
            .reply
            .simple("OK Already connected to specified master");
    }
    tracing::warn!(
        "REPLICAOF {host}:{port} enabled (user request from '{}')",
        ctx.c.addr
    );
    ctx.c.reply.ok();
}

/// REPLCONF <option> <value> [<option> <value> ...]: what a replica says
/// about itself (listening-port, ip-address, capa, rdb-only) answered with
/// OK; `ACK <offset> [FACK <aof offset>]` records its progress (and what
/// its AOF has fsynced, Redis 7.2) and `GETACK` (meant for replicas) is
/// ignored, both without a reply.
fn replconf(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len().is_multiple_of(2) {
        return ctx.c.reply.error(error::SYNTAX);
    }
    for (i, pair) in argv[1..].chunks_exact(2).enumerate() {
        let (opt, val) = (pair[0], pair[1]);
        let is = |name: &str| opt.eq_ignore_ascii_case(name.as_bytes());
        if is("listening-port") {
            let Some(port) = super::arg_i64(ctx, val) else {
                return;
            };
            ctx.c
                .repl
                .get_or_insert_with(Default::default)
                .listening_port = port;
        } else if is("ip-address") {
            if val.len() > MAX_IP_LEN {
                return ctx.c.reply.error(&format!(
                    "ERR REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                ));
            }
            let ip = String::from_utf8_lossy(val).into_owned();
            ctx.c.repl.get_or_insert_with(Default::default).announced_ip = Some(ip);
        } else if is("rdb-filter-only") {
            let mut functions = false;
            for word in val.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
                if !word.eq_ignore_ascii_case(b"functions") {
                    return ctx.c.reply.error(&format!(
                        "ERR Unsupported rdb-filter-only option: {}",
                        String::from_utf8_lossy(word)
                    ));
                }
                functions = true;
            }
            ctx.c
                .repl
                .get_or_insert_with(Default::default)
                .functions_only = functions;
        } else if is("capa") {
            // `eof`: the replica reads diskless transfers; others (psync2)
            // need nothing from the master side.
            if val.eq_ignore_ascii_case(b"eof") {
                ctx.c.repl.get_or_insert_with(Default::default).capa_eof = true;
            }
        } else if is("ack") {
            // The pair after it may be `FACK <offset>`; anything else
            // after an ACK is ignored, as Redis (7.0 too) ignores it.
            let Some(offset) = crate::util::num::parse_i64(val) else {
                return;
            };
            let fack = match argv.get(2 * i + 3..2 * i + 5) {
                Some([word, off]) if word.eq_ignore_ascii_case(b"fack") => {
                    crate::util::num::parse_i64(off).map(|f| f.max(0) as u64)
                }
                _ => None,
            };
            repl::ack(ctx.srv, ctx.c, offset.max(0) as u64, fack, ctx.now);
            return;
        } else if is("getack") {
            // Only a replica answers GETACK; ember is always a master.
            return;
        } else if is("rdb-only") {
            let Some(v) = super::arg_i64(ctx, val) else {
                return;
            };
            if !(0..=1).contains(&v) {
                return ctx.c.reply.error(error::NOT_0_OR_1);
            }
            ctx.c
                .repl
                .get_or_insert_with(Box::<ReplicaState>::default)
                .rdb_only = v == 1;
        } else {
            return ctx.c.reply.error(&format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(opt)
            ));
        }
    }
    ctx.c.reply.ok();
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn replconf_replies_like_redis() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["REPLCONF"]), "+OK\r\n");
        assert_eq!(
            h.run(&["REPLCONF", "listening-port"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            h.run(&["REPLCONF", "listening-port", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            h.run(&[
                "REPLCONF",
                "listening-port",
                "7000",
                "capa",
                "eof",
                "capa",
                "psync2"
            ]),
            "+OK\r\n"
        );
        assert_eq!(
            h.run(&["REPLCONF", "foo", "bar"]),
            "-ERR Unrecognized REPLCONF option: foo\r\n"
        );
        assert_eq!(
            h.run(&["REPLCONF", "rdb-only", "2"]),
            "-ERR value is out of range, value must between 0 and 1\r\n"
        );
        let long = "x".repeat(256);
        assert_eq!(
            h.run(&["REPLCONF", "ip-address", &long]),
            "-ERR REPLCONF ip-address provided by replica instance is too long: 256 bytes\r\n"
        );
        // ACK and GETACK never reply; a non-replica's ACK changes nothing.
        assert_eq!(h.run(&["REPLCONF", "ACK", "100"]), "");
        assert_eq!(h.run(&["REPLCONF", "GETACK", "*"]), "");
        assert_eq!(h.srv.repl.offset, 0);
        // Still an ordinary client: not counted as a replica.
        assert!(h.srv.repl.replicas.is_empty());
    }

    #[test]
    fn replicaof_switches_roles_and_gates_writes() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let replid = h.srv.replid.clone();
        assert_eq!(h.run(&["REPLICAOF", "127.0.0.1", "1"]), "+OK\r\n");
        assert_eq!(
            h.run(&["slaveof", "127.0.0.1", "1"]),
            "+OK Already connected to specified master\r\n"
        );
        // Waiting for the loop to connect.
        assert_eq!(
            h.run(&["ROLE"]),
            "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:1\r\n$7\r\nconnect\r\n:-1\r\n"
        );
        assert_eq!(
            h.run(&["CONFIG", "GET", "replicaof"]),
            "*2\r\n$9\r\nreplicaof\r\n$11\r\n127.0.0.1 1\r\n"
        );
        assert_eq!(
            h.run(&["SET", "k", "w"]),
            "-READONLY You can't write against a read only replica.\r\n"
        );
        assert_eq!(h.run(&["GET", "k"]), "$1\r\nv\r\n");
        assert!(
            h.run(&["WAIT", "0", "0"])
                .starts_with("-ERR WAIT cannot be used")
        );
        assert_eq!(
            h.run(&["PSYNC", "?", "-1"]),
            "-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
        );
        h.run(&["CONFIG", "SET", "replica-serve-stale-data", "no"]);
        assert_eq!(
            h.run(&["GET", "k"]),
            "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
        );
        // INFO is a STALE command.
        assert!(h.run(&["INFO", "replication"]).contains("role:slave"));
        h.run(&["CONFIG", "SET", "replica-serve-stale-data", "yes"]);
        h.run(&["CONFIG", "SET", "replica-read-only", "no"]);
        assert_eq!(h.run(&["SET", "k", "w"]), "+OK\r\n");

        // Promotion: the data stays, writes are accepted, a new history
        // whose predecessor is the old one.
        assert_eq!(h.run(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
        assert_eq!(h.run(&["GET", "k"]), "$1\r\nw\r\n");
        assert_eq!(h.run(&["SET", "k", "x"]), "+OK\r\n");
        assert_ne!(h.srv.replid, replid);
        let info = h.run(&["INFO", "replication"]);
        assert!(info.contains("role:master"), "{info}");
        assert!(info.contains(&format!("master_replid2:{replid}")), "{info}");
        assert!(info.contains("second_repl_offset:1\r\n"), "{info}");
        assert_eq!(
            h.run(&["CONFIG", "GET", "replicaof"]),
            "*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n"
        );
    }

    #[test]
    fn replconf_ack_records_the_fsynced_offset() {
        use crate::server::repl::{ReplicaState, SyncState};
        let mut h = Harness::new();
        let mut r = ReplicaState::new();
        r.state = SyncState::Online;
        h.c.repl = Some(Box::new(r));
        let offsets = |h: &Harness| {
            let r = h.c.repl.as_ref().unwrap();
            (r.ack_offset, r.aof_ack_offset)
        };
        assert_eq!(h.run(&["REPLCONF", "ACK", "100"]), "");
        assert_eq!(offsets(&h), (100, 0));
        assert_eq!(h.run(&["REPLCONF", "ACK", "120", "FACK", "90"]), "");
        assert_eq!(offsets(&h), (120, 90));
        // Offsets never go back; the word is case-insensitive.
        assert_eq!(h.run(&["replconf", "ack", "110", "fack", "80"]), "");
        assert_eq!(offsets(&h), (120, 90));
        // A bad FACK offset still records the ACK; other words after an
        // ACK are ignored (Redis 7.0 ignores FACK that way).
        assert_eq!(h.run(&["REPLCONF", "ACK", "130", "FACK", "x"]), "");
        assert_eq!(offsets(&h), (130, 90));
        assert_eq!(h.run(&["REPLCONF", "ACK", "140", "foo", "150"]), "");
        assert_eq!(offsets(&h), (140, 90));
        assert_eq!(
            h.run(&["REPLCONF", "ACK", "140", "FACK"]),
            "-ERR syntax error\r\n"
        );
    }

    #[test]
    fn waitaof_arguments_and_roles() {
        let mut h = Harness::new();
        let err = |s: &str| format!("-{s}\r\n");
        let not_int = "ERR value is not an integer or out of range";
        let not_0_1 = "ERR value is out of range, value must between 0 and 1";
        let cases: &[(&[&str], &str)] = &[
            (&["WAITAOF", "x", "0", "0"], not_int),
            (&["WAITAOF", "2", "0", "0"], not_0_1),
            (&["WAITAOF", "-1", "0", "0"], not_0_1),
            (
                &["WAITAOF", "0", "-1", "0"],
                "ERR value is out of range, must be positive",
            ),
            (&["WAITAOF", "0", "1.5", "0"], not_int),
            (&["WAITAOF", "0", "0", "-1"], "ERR timeout is negative"),
            (
                &["WAITAOF", "0", "0", "1.5"],
                "ERR timeout is not an integer or out of range",
            ),
            (
                &["WAITAOF", "0", "0", "9223372036854775807"],
                "ERR timeout is out of range",
            ),
            (
                &["WAIT", "0", "9223372036854775807"],
                "ERR timeout is out of range",
            ),
            (
                &["WAITAOF", "0", "0"],
                "ERR wrong number of arguments for 'waitaof' command",
            ),
            (
                &["WAITAOF", "1", "0", "0"],
                "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(h.run(args), err(want), "{args:?}");
        }
        // Nothing asked of the local AOF or replicas: answered at once.
        assert_eq!(h.run(&["WAITAOF", "0", "0", "0"]), "*2\r\n:0\r\n:0\r\n");
        // Not in a transaction or a script: they answer without blocking.
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["WAITAOF", "0", "1", "0"]), "+QUEUED\r\n");
        assert_eq!(h.run(&["EXEC"]), "*1\r\n*2\r\n:0\r\n:0\r\n");
        assert_eq!(
            h.run(&["EVAL", "return redis.call('waitaof', 0, 1, 0)", "0"]),
            "*2\r\n:0\r\n:0\r\n"
        );
        // On a replica (arguments are checked first).
        h.run(&["REPLICAOF", "127.0.0.1", "1"]);
        assert_eq!(
            h.run(&["WAITAOF", "0", "0", "0"]),
            err(
                "ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated."
            )
        );
        assert_eq!(
            h.run(&["WAITAOF", "3", "0", "0"]),
            err("ERR value is out of range, value must between 0 and 1")
        );
    }

    /// COMMAND INFO as Redis 7.2 builds it from waitaof.json (flags
    /// BLOCKING, @connection plus the implied @slow @blocking, the
    /// all-shards tips, no keys).
    #[test]
    fn waitaof_command_info() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["COMMAND", "INFO", "waitaof"]),
            "*1\r\n*10\r\n$7\r\nwaitaof\r\n:4\r\n*1\r\n+blocking\r\n:0\r\n:0\r\n:0\r\n\
             *3\r\n+@slow\r\n+@blocking\r\n+@connection\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n\
             $23\r\nresponse_policy:agg_min\r\n*0\r\n*0\r\n"
        );
        let docs = h.run(&["COMMAND", "DOCS", "waitaof"]);
        for part in [
            "$5\r\n7.2.0\r\n",
            "$8\r\nnumlocal\r\n",
            "$11\r\nnumreplicas\r\n",
        ] {
            assert!(docs.contains(part), "{docs}");
        }
    }

    #[test]
    fn wait_without_replicas_counts_none() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["WAIT", "0", "0"]), ":0\r\n");
        assert_eq!(h.run(&["MULTI"]), "+OK\r\n");
        assert_eq!(h.run(&["WAIT", "1", "0"]), "+QUEUED\r\n");
        assert_eq!(h.run(&["EXEC"]), "*1\r\n:0\r\n");
    }
}
