//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Commands sent after
//! MULTI are queued by `cmd::call` (rows without the MULTI_CONTROL flag);
//! EXEC runs the queue back to back on the loop, so no other client's
//! command can interleave.

use super::{Cmd, Ctx, flags::*};
use crate::client::{Client, MultiState};
use crate::error;
use crate::server::Server;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | MULTI_CONTROL,
        multi,
    ),
    Cmd::new(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | MULTI_CONTROL,
        exec,
    ),
    Cmd::new(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | MULTI_CONTROL,
        discard_cmd,
    ),
    Cmd::new(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | MULTI_CONTROL,
        watch,
    )
    .keys(1, -1, 1),
    Cmd::new(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        unwatch,
    ),
];

/// Appends a command to the client's transaction queue.
pub fn queue(c: &mut Client, argv: &[&[u8]]) {
    let Some(m) = c.multi.as_mut() else {
        return;
    };
    let owned: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
    m.mem += owned.iter().map(|a| a.len()).sum::<usize>() + owned.len() * 24;
    m.queue.push(owned);
}

/// Forgets every key the client watches (UNWATCH, EXEC, DISCARD, RESET,
/// disconnect).
pub fn unwatch_all(srv: &mut Server, c: &mut Client) {
    if c.watched.is_empty() {
        return;
    }
    let watched = std::mem::take(&mut c.watched);
    srv.ks
        .watches
        .unwatch(c.id, watched.iter().map(|(db, k)| (*db, k.as_slice())));
}

/// Leaves MULTI state and unwatches (Redis discardTransaction).
pub fn discard(srv: &mut Server, c: &mut Client) {
    c.multi = None;
    unwatch_all(srv, c);
}

/// MULTI
fn multi(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.c.multi.is_some() {
        return ctx.c.reply.error(error::MULTI_NESTED);
    }
    ctx.c.multi = Some(Box::default());
    ctx.c.reply.ok();
}

/// DISCARD
fn discard_cmd(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.c.multi.is_none() {
        return ctx.c.reply.error(error::DISCARD_WITHOUT_MULTI);
    }
    discard(ctx.srv, ctx.c);
    ctx.c.reply.ok();
}

/// True when a watched key is now logically expired although it was not
/// when watched (Redis isWatchedKeyExpired).
fn watched_key_expired(srv: &Server, c: &Client, now: i64) -> bool {
    c.watched.iter().any(|(db, k)| {
        srv.ks.is_expired(*db, k, now) && !srv.ks.watches.was_expired_at_watch(*db, k, c.id)
    })
}

/// EXEC
fn exec(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let Some(state) = ctx.c.multi.take() else {
        return ctx.c.reply.error(error::EXEC_WITHOUT_MULTI);
    };
    let MultiState { queue, errored, .. } = *state;
    if errored {
        unwatch_all(ctx.srv, ctx.c);
        return ctx.c.reply.error(error::EXECABORT);
    }
    if ctx.srv.ks.watches.is_dirty(ctx.c.id) || watched_key_expired(ctx.srv, ctx.c, ctx.now) {
        unwatch_all(ctx.srv, ctx.c);
        return ctx.c.reply.null_array();
    }
    // Redis unwatches before running the queue: the transaction's own
    // writes must not count against it.
    unwatch_all(ctx.srv, ctx.c);
    ctx.c.reply.array(queue.len());
    ctx.c.in_exec = true;
    let mut argv: Vec<&[u8]> = Vec::new();
    for cmd_args in &queue {
        argv.clear();
        argv.extend(cmd_args.iter().map(|a| a.as_slice()));
        match super::resolve(&argv) {
            Some((cmd, parent)) => {
                match crate::acl::exec_recheck(ctx.srv, ctx.c, cmd, parent, &argv, ctx.now) {
                    Some(msg) => ctx.c.reply.error(&msg),
                    None => super::execute(ctx.srv, ctx.c, cmd, parent, &argv, ctx.now),
                }
            }
            // The table cannot lose rows between queueing and EXEC; answer
            // like an unknown command rather than trusting that.
            None => ctx.c.reply.error(&error::unknown_command(&argv)),
        }
        if ctx.c.close_asap {
            break;
        }
    }
    ctx.c.in_exec = false;
    // A CLIENT PAUSE queued in this transaction freezes the dataset only
    // now, so the writes queued after it ran on a consistent keyspace.
    crate::server::pause::transaction_done(ctx.srv);
}

/// WATCH key [key ...]
fn watch(ctx: &mut Ctx, argv: &[&[u8]]) {
    if ctx.c.multi.is_some() {
        return ctx.c.reply.error(error::WATCH_IN_MULTI);
    }
    let db = ctx.c.db;
    for key in &argv[1..] {
        let expired = ctx.srv.ks.is_expired(db, key, ctx.now);
        if ctx.srv.ks.watches.watch(db, key, ctx.c.id, expired) {
            ctx.c.watched.push((db, key.to_vec()));
        }
    }
    ctx.c.reply.ok();
}

/// UNWATCH
fn unwatch(ctx: &mut Ctx, _argv: &[&[u8]]) {
    unwatch_all(ctx.srv, ctx.c);
    ctx.c.reply.ok();
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn queue_and_exec() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["MULTI"]), "+OK\r\n");
        assert_eq!(h.run(&["SET", "a", "1"]), "+QUEUED\r\n");
        assert_eq!(h.run(&["INCR", "a"]), "+QUEUED\r\n");
        assert_eq!(h.run(&["GET", "a"]), "+QUEUED\r\n");
        assert_eq!(h.run(&["EXEC"]), "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
        assert_eq!(h.run(&["EXEC"]), "-ERR EXEC without MULTI\r\n");
        assert_eq!(h.run(&["DISCARD"]), "-ERR DISCARD without MULTI\r\n");
    }

    #[test]
    fn runtime_errors_stay_in_place() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "x"]);
        h.run(&["MULTI"]);
        h.run(&["INCR", "s"]);
        h.run(&["SET", "t", "1"]);
        assert_eq!(
            h.run(&["EXEC"]),
            "*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
        );
    }

    #[test]
    fn queue_errors_abort() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        assert_eq!(
            h.run(&["NOSUCH"]),
            "-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
        );
        assert_eq!(
            h.run(&["GET"]),
            "-ERR wrong number of arguments for 'get' command\r\n"
        );
        assert_eq!(
            h.run(&["EXEC"]),
            "-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["MULTI"]), "-ERR MULTI calls can not be nested\r\n");
        assert_eq!(
            h.run(&["WATCH", "x"]),
            "-ERR WATCH inside MULTI is not allowed\r\n"
        );
        assert_eq!(
            h.run(&["EXEC", "extra"]),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"
        );
        assert_eq!(h.run(&["EXEC"]), "-ERR EXEC without MULTI\r\n");
        h.run(&["MULTI"]);
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["DISCARD"]), "+OK\r\n");
        assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");
    }

    #[test]
    fn watch_invalidation() {
        let mut h = Harness::new();
        h.run(&["SET", "w", "1"]);
        h.run(&["WATCH", "w"]);
        // Another client's write (simulated directly on the keyspace).
        h.srv.ks.set(
            0,
            b"w",
            crate::types::Value::Str(crate::types::StrValue::from_bytes(b"2")),
            false,
        );
        h.run(&["MULTI"]);
        h.run(&["SET", "w", "3"]);
        assert_eq!(h.run(&["EXEC"]), "*-1\r\n");
        assert_eq!(h.run(&["GET", "w"]), "$1\r\n2\r\n");
        // The watch is gone after EXEC: the next transaction runs.
        h.run(&["MULTI"]);
        h.run(&["SET", "w", "3"]);
        assert_eq!(h.run(&["EXEC"]), "*1\r\n+OK\r\n");
        // Own writes before MULTI count, like Redis.
        h.run(&["WATCH", "w"]);
        h.run(&["SET", "w", "4"]);
        h.run(&["MULTI"]);
        h.run(&["GET", "w"]);
        assert_eq!(h.run(&["EXEC"]), "*-1\r\n");
        // UNWATCH clears it.
        h.run(&["WATCH", "w"]);
        h.run(&["SET", "w", "5"]);
        h.run(&["UNWATCH"]);
        h.run(&["MULTI"]);
        h.run(&["GET", "w"]);
        assert_eq!(h.run(&["EXEC"]), "*1\r\n$1\r\n5\r\n");
    }

    #[test]
    fn watch_sees_flush_and_expiry() {
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        h.run(&["SET", "a", "1"]);
        h.run(&["WATCH", "a"]);
        h.run(&["FLUSHALL"]);
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), "*-1\r\n");
        // A watched key that expires before EXEC invalidates it.
        h.run(&["SET", "e", "1", "PX", "100"]);
        h.run(&["WATCH", "e"]);
        h.now = Some(1_000_200);
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), "*-1\r\n");
        // Watching a missing key and nobody touching it: EXEC runs.
        h.run(&["WATCH", "missing"]);
        h.run(&["MULTI"]);
        h.run(&["PING"]);
        assert_eq!(h.run(&["EXEC"]), "*1\r\n+PONG\r\n");
    }
}
