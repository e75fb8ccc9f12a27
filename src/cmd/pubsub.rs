//! Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and
//! PUBSUB introspection. A message is encoded once per protocol and appended
//! to each subscriber's reply buffer; subscribers past their
//! `client-output-buffer-limit` (pubsub class) are closed.

use super::{Cmd, Ctx, flags::*};
use crate::client::Client;
use crate::error;
use crate::pubsub::Kind;
use crate::resp::ReplyBuf;
use crate::server::Server;
use crate::util::glob::glob_match;
use slab::Slab;

const SUB: u32 = PUBSUB | NOSCRIPT | LOADING | STALE | SUBSCRIBED_OK;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("subscribe", -2, SUB, subscribe),
    Cmd::new("unsubscribe", -1, SUB, unsubscribe),
    Cmd::new("psubscribe", -2, SUB, psubscribe),
    Cmd::new("punsubscribe", -1, SUB, punsubscribe),
    Cmd::new("ssubscribe", -2, SUB, ssubscribe).keys(1, -1, 1),
    Cmd::new("sunsubscribe", -1, SUB, sunsubscribe).keys(1, -1, 1),
    Cmd::new(
        "publish",
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE,
        publish,
    ),
    Cmd::new(
        "spublish",
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE,
        spublish,
    )
    .keys(1, 1, 1),
    Cmd::container("pubsub", PUBSUB_SUBS),
];

static PUBSUB_SUBS: &[Cmd] = &[
    Cmd::new("channels", -2, PUBSUB | LOADING | STALE, pubsub_channels),
    Cmd::new("numsub", -2, PUBSUB | LOADING | STALE, pubsub_numsub),
    Cmd::new("numpat", 2, PUBSUB | LOADING | STALE, pubsub_numpat),
    Cmd::new(
        "shardchannels",
        -2,
        PUBSUB | LOADING | STALE,
        pubsub_shardchannels,
    ),
    Cmd::new(
        "shardnumsub",
        -2,
        PUBSUB | LOADING | STALE,
        pubsub_shardnumsub,
    ),
    Cmd::new("help", 2, LOADING | STALE, pubsub_help),
];

fn set_of(
    c: &mut Client,
    kind: Kind,
) -> &mut std::collections::HashSet<Vec<u8>, ahash::RandomState> {
    match kind {
        Kind::Channel => &mut c.subs,
        Kind::Pattern => &mut c.psubs,
        Kind::Shard => &mut c.ssubs,
    }
}

fn count_for(c: &Client, kind: Kind) -> usize {
    match kind {
        Kind::Shard => c.ssubs.len(),
        _ => c.subscription_count(),
    }
}

/// `*3 subscribe <name> :count` (a push frame in RESP3).
fn confirm(out: &mut ReplyBuf, what: &str, name: Option<&[u8]>, count: usize) {
    out.push(3);
    out.bulk_str(what);
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count as i64);
}

fn subscribe_generic(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind, what: &str) {
    for name in &argv[1..] {
        if set_of(ctx.c, kind).insert(name.to_vec()) {
            ctx.srv.pubsub.add(kind, name, ctx.c.token);
        }
        let n = count_for(ctx.c, kind);
        confirm(&mut ctx.c.reply, what, Some(name), n);
    }
}

fn unsubscribe_generic(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind, what: &str) {
    let names: Vec<Vec<u8>> = if argv.len() > 1 {
        argv[1..].iter().map(|a| a.to_vec()).collect()
    } else {
        set_of(ctx.c, kind).iter().cloned().collect()
    };
    if names.is_empty() {
        let n = count_for(ctx.c, kind);
        return confirm(&mut ctx.c.reply, what, None, n);
    }
    for name in &names {
        if set_of(ctx.c, kind).remove(name.as_slice()) {
            ctx.srv.pubsub.remove(kind, name, ctx.c.token);
        }
        let n = count_for(ctx.c, kind);
        confirm(&mut ctx.c.reply, what, Some(name), n);
    }
}

/// Drops every subscription of a client (RESET, disconnect), silently.
pub fn unsubscribe_all(srv: &mut Server, c: &mut Client) {
    for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
        for name in std::mem::take(set_of(c, kind)) {
            srv.pubsub.remove(kind, &name, c.token);
        }
    }
}

/// SUBSCRIBE channel [channel ...]
fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    subscribe_generic(ctx, argv, Kind::Channel, "subscribe");
}

/// Whether the command's replies are (un)subscribe confirmations, which
/// Redis sends as pushes even under CLIENT REPLY OFF.
pub fn confirms_with_pushes(cmd: &Cmd) -> bool {
    matches!(
        cmd.name,
        "subscribe" | "unsubscribe" | "psubscribe" | "punsubscribe" | "ssubscribe" | "sunsubscribe"
    )
}

/// UNSUBSCRIBE [channel ...]
fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    unsubscribe_generic(ctx, argv, Kind::Channel, "unsubscribe");
}

/// PSUBSCRIBE pattern [pattern ...]
fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    subscribe_generic(ctx, argv, Kind::Pattern, "psubscribe");
}

/// PUNSUBSCRIBE [pattern ...]
fn punsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    unsubscribe_generic(ctx, argv, Kind::Pattern, "punsubscribe");
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
fn ssubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    subscribe_generic(ctx, argv, Kind::Shard, "ssubscribe");
}

/// SUNSUBSCRIBE [shardchannel ...]
fn sunsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    unsubscribe_generic(ctx, argv, Kind::Shard, "sunsubscribe");
}

/// One message frame in both protocols: the RESP3 form differs only in
/// its first byte (`>` instead of `*`).
struct Frame {
    resp2: Vec<u8>,
}

impl Frame {
    fn new(parts: &[&[u8]]) -> Frame {
        let mut r = ReplyBuf::new();
        r.array(parts.len());
        for p in parts {
            r.bulk(p);
        }
        Frame { resp2: r.buf }
    }
}

/// What a delivery touches of the server, borrowed apart from
/// `srv.pubsub` so that PUBLISH walks the subscriber lists in place
/// instead of cloning them.
struct Sink<'a> {
    clients: &'a mut Slab<Option<Box<Client>>>,
    pending_writes: &'a mut Vec<usize>,
    to_close: &'a mut Vec<usize>,
    disconnections: &'a mut u64,
    /// `client-output-buffer-limit` pubsub class (hard, soft, soft seconds).
    limit: (u64, u64, u64),
    now: i64,
}

impl Sink<'_> {
    /// Appends `frame` to the reply of the client at `tok` (or to `me` when
    /// it is the publisher itself) and enforces the pubsub output buffer
    /// limit.
    fn deliver(&mut self, me: Option<&mut Client>, tok: usize, frame: &Frame) {
        self.deliver_bytes(me, tok, &frame.resp2, true);
    }

    /// Appends `bytes` (with `>` for `*` first when `push` and the client
    /// speaks RESP3) to the client at `tok` or `me`, enforcing the limit.
    fn deliver_bytes(&mut self, me: Option<&mut Client>, tok: usize, bytes: &[u8], push: bool) {
        let (hard, soft, soft_secs) = self.limit;
        let me = me.filter(|m| m.token == tok);
        let is_me = me.is_some();
        let c: &mut Client = if let Some(me) = me {
            me
        } else {
            match self.clients.get_mut(tok).and_then(|c| c.as_deref_mut()) {
                Some(c) => c,
                None => return,
            }
        };
        if c.close_asap {
            return;
        }
        let start = c.reply.buf.len();
        c.reply.buf.extend_from_slice(bytes);
        if push && c.reply.resp3 {
            c.reply.buf[start] = b'>';
        }
        let backlog = c.pending_reply_bytes() as u64;
        let over_hard = hard > 0 && backlog > hard;
        let over_soft = soft > 0 && backlog > soft;
        let mut close = over_hard;
        if over_soft && !over_hard {
            if c.obuf_soft_since == 0 {
                c.obuf_soft_since = self.now;
            } else if self.now - c.obuf_soft_since > soft_secs as i64 * 1000 {
                close = true;
            }
        } else if !over_soft {
            c.obuf_soft_since = 0;
        }
        if close {
            tracing::warn!(
                "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                c.id,
                c.addr
            );
            c.close_asap = true;
            *self.disconnections += 1;
            if !is_me {
                self.to_close.push(tok);
            }
            return;
        }
        if !is_me && !c.write_queued {
            c.write_queued = true;
            self.pending_writes.push(tok);
        }
    }
}

/// Appends an already encoded frame to the client at `tok` (or to `me`
/// when that is the running client) under the pubsub output-buffer limit,
/// and queues its write: how CLIENT TRACKING sends invalidations.
pub fn deliver_raw(srv: &mut Server, me: Option<&mut Client>, tok: usize, bytes: &[u8], now: i64) {
    split(srv, now).0.deliver_bytes(me, tok, bytes, false);
}

/// The server split into a delivery sink and the subscription registry.
fn split(srv: &mut Server, now: i64) -> (Sink<'_>, &mut crate::pubsub::PubSub) {
    let Server {
        pubsub,
        clients,
        pending_writes,
        to_close,
        stats,
        pubsub_obuf_limit,
        ..
    } = srv;
    let sink = Sink {
        clients,
        pending_writes,
        to_close,
        disconnections: &mut stats.client_output_buffer_limit_disconnections,
        limit: *pubsub_obuf_limit,
        now,
    };
    (sink, pubsub)
}

/// Delivers `msg` on `channel` to channel (or shard) subscribers and, for
/// plain channels, to matching pattern subscribers. Returns the number of
/// deliveries (PUBLISH's reply). `me` is the client running the command,
/// whose slot in `srv.clients` is empty while it runs (None from cron).
pub fn publish_message(
    srv: &mut Server,
    mut me: Option<&mut Client>,
    kind: Kind,
    channel: &[u8],
    msg: &[u8],
    now: i64,
) -> usize {
    let (mut sink, pubsub) = split(srv, now);
    let mut receivers = 0;
    let (what, reg) = match kind {
        Kind::Shard => (&b"smessage"[..], &pubsub.shard_channels),
        _ => (&b"message"[..], &pubsub.channels),
    };
    if let Some(list) = reg.get(channel) {
        let frame = Frame::new(&[what, channel, msg]);
        for &tok in list {
            sink.deliver(me.as_deref_mut(), tok, &frame);
        }
        receivers += list.len();
    }
    if kind == Kind::Channel {
        for (pat, list) in &pubsub.patterns {
            if !glob_match(pat, channel, false) {
                continue;
            }
            let frame = Frame::new(&[b"pmessage", pat, channel, msg]);
            for &tok in list {
                sink.deliver(me.as_deref_mut(), tok, &frame);
            }
            receivers += list.len();
        }
    }
    receivers
}

/// Publishes the keyspace events queued by the command that just ended
/// (or by cron's active expiry cycle): for each, `__keyspace@<db>__:<key>`
/// with the event name (class `K`) and then `__keyevent@<db>__:<event>`
/// with the key (class `E`). `me` is the client that ran the command: as in
/// Redis 7.2, its own pushes follow the command's reply (after the whole
/// EXEC reply inside a transaction). Nothing happens inside a running
/// command (EXEC's queued commands).
pub fn publish_keyspace_events(srv: &mut Server, mut me: Option<&mut Client>, now: i64) {
    let Some(events) = srv.ks.events.take_ready() else {
        return;
    };
    if srv.pubsub.channels.is_empty() && srv.pubsub.patterns.is_empty() {
        return;
    }
    let (keyspace, keyevent) = (srv.ks.events.keyspace(), srv.ks.events.keyevent());
    let mut chan: Vec<u8> = Vec::new();
    for ev in &events {
        if keyspace {
            chan.clear();
            chan.extend_from_slice(format!("__keyspace@{}__:", ev.db).as_bytes());
            chan.extend_from_slice(&ev.key);
            let msg = ev.event.as_bytes();
            publish_message(srv, me.as_deref_mut(), Kind::Channel, &chan, msg, now);
        }
        if keyevent {
            chan.clear();
            chan.extend_from_slice(format!("__keyevent@{}__:{}", ev.db, ev.event).as_bytes());
            publish_message(srv, me.as_deref_mut(), Kind::Channel, &chan, &ev.key, now);
        }
    }
}

/// PUBLISH channel message
fn publish(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = publish_message(
        ctx.srv,
        Some(ctx.c),
        Kind::Channel,
        argv[1],
        argv[2],
        ctx.now,
    );
    // Replicas' subscribers get the message too (not the AOF: a
    // message is no data), as Redis does outside cluster mode.
    ctx.propagate_to_replicas();
    ctx.c.reply.int(n as i64);
}

/// SPUBLISH shardchannel message
fn spublish(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = publish_message(ctx.srv, Some(ctx.c), Kind::Shard, argv[1], argv[2], ctx.now);
    ctx.propagate_to_replicas();
    ctx.c.reply.int(n as i64);
}

fn list_channels(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) {
    let pattern = argv.get(2).copied();
    let reg = match kind {
        Kind::Shard => &ctx.srv.pubsub.shard_channels,
        _ => &ctx.srv.pubsub.channels,
    };
    let names: Vec<&Vec<u8>> = reg
        .keys()
        .filter(|n| pattern.is_none_or(|p| glob_match(p, n, false)))
        .collect();
    ctx.c.reply.array(names.len());
    for n in names {
        ctx.c.reply.bulk(n);
    }
}

/// PUBSUB CHANNELS [pattern]
fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return ctx
            .c
            .reply
            .error(&error::unknown_subcommand_or_arity(argv[1], "pubsub"));
    }
    list_channels(ctx, argv, Kind::Channel);
}

/// PUBSUB SHARDCHANNELS [pattern]
fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return ctx
            .c
            .reply
            .error(&error::unknown_subcommand_or_arity(argv[1], "pubsub"));
    }
    list_channels(ctx, argv, Kind::Shard);
}

fn numsub(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) {
    // A flat array in RESP3 too, like Redis.
    ctx.c.reply.array(2 * (argv.len() - 2));
    for ch in &argv[2..] {
        ctx.c.reply.bulk(ch);
        let n = ctx.srv.pubsub.subscribers(kind, ch);
        ctx.c.reply.int(n as i64);
    }
}

/// PUBSUB NUMSUB [channel ...]
fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) {
    numsub(ctx, argv, Kind::Channel);
}

/// PUBSUB SHARDNUMSUB [shardchannel ...]
fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[&[u8]]) {
    numsub(ctx, argv, Kind::Shard);
}

/// PUBSUB NUMPAT
fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.srv.pubsub.patterns.len();
    ctx.c.reply.int(n as i64);
}

/// PUBSUB HELP (our own wording; Redis's text differs, the shape is the
/// same: an array of status lines).
fn pubsub_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Channels with at least one subscriber, optionally only those matching <pattern>.",
        "NUMPAT",
        "    How many pattern subscriptions exist across all clients.",
        "NUMSUB [<channel> ...]",
        "    Subscriber count of each channel given (pattern subscribers not counted).",
        "SHARDCHANNELS [<pattern>]",
        "    Shard channels with at least one subscriber, optionally matching <pattern>.",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Subscriber count of each shard channel given.",
        "HELP",
        "    Print this help.",
    ];
    ctx.c.reply.status_lines(LINES);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn subscribe_replies_and_context() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["SUBSCRIBE", "a", "b"]),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
        );
        assert_eq!(
            h.run(&["GET", "x"]),
            "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
        );
        assert_eq!(h.run(&["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        assert_eq!(h.run(&["PING", "hi"]), "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
        assert_eq!(
            h.run(&["UNSUBSCRIBE", "a"]),
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n"
        );
        assert_eq!(
            h.run(&["UNSUBSCRIBE"]),
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n"
        );
        assert_eq!(
            h.run(&["UNSUBSCRIBE"]),
            "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
        );
        assert_eq!(h.run(&["GET", "x"]), "$-1\r\n");
        assert!(h.srv.pubsub.channels.is_empty());
    }

    #[test]
    fn publish_to_self_in_resp3() {
        let mut h = Harness::new();
        h.run(&["HELLO", "3"]);
        h.run(&["SUBSCRIBE", "news"]);
        h.run(&["PSUBSCRIBE", "n*"]);
        assert_eq!(
            h.run(&["PUBLISH", "news", "hi"]),
            ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n>4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n:2\r\n"
        );
        assert_eq!(h.run(&["PUBSUB", "NUMPAT"]), ":1\r\n");
        assert_eq!(
            h.run(&["PUBSUB", "NUMSUB", "news", "none"]),
            "*4\r\n$4\r\nnews\r\n:1\r\n$4\r\nnone\r\n:0\r\n"
        );
        assert_eq!(h.run(&["PUBSUB", "CHANNELS", "x*"]), "*0\r\n");
        h.run(&["RESET"]);
        assert!(h.srv.pubsub.channels.is_empty());
        assert!(h.srv.pubsub.patterns.is_empty());
    }
}
