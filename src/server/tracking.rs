//! Client-side caching (CLIENT TRACKING), as Redis 7 does it.
//!
//! Default mode: after a read-only command of a tracking client, the keys
//! it read are remembered (key → clients). When one of those keys changes
//! (the keyspace queues modified names in `db/invalidation.rs`), each
//! remembered client gets one `invalidate` message for it and the entry is
//! forgotten until read again. BCAST mode: clients subscribe to key
//! prefixes instead, and every change under a prefix is sent, batched per
//! event-loop turn, to all of its subscribers.
//!
//! Messages are RESP3 pushes (`>2 invalidate [keys]`) on the client's own
//! connection, or with REDIRECT go to another client: as a push if that one
//! speaks RESP3, as a `__redis__:invalidate` pub/sub message if it is a
//! RESP2 subscriber. A flush sends a null invalidation to every tracking
//! client. The running client's own invalidations wait until its reply is
//! written (after EXEC for a transaction).
//!
//! Clients are named by (slab token, client id): a token whose client id
//! no longer matches is a closed connection and is skipped.

use crate::client::Client;
use crate::resp::ReplyBuf;
use crate::server::Server;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A tracking client: its slab token and id.
pub type Target = (usize, u64);

/// Per-client tracking options (CLIENT TRACKING ON ...).
#[derive(Debug, Default, Clone)]
pub struct ClientTracking {
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// Client id invalidations go to instead (0: this connection).
    pub redirect: u64,
    pub broken_redirect: bool,
    /// BCAST prefixes, sorted.
    pub prefixes: BTreeSet<Vec<u8>>,
    /// CLIENT CACHING yes/no was given for the next command.
    pub caching: bool,
}

#[derive(Debug, Default)]
struct Prefix {
    subscribers: BTreeMap<u64, usize>,
    /// Keys changed under the prefix this turn, with the id of the client
    /// that changed each first (0: the server itself).
    changed: BTreeMap<Vec<u8>, u64>,
}

/// The server's tracking state.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Default mode: key → clients that read it (ordered by id, as Redis's
    /// radix tree of ids is).
    table: HashMap<Vec<u8>, BTreeMap<u64, usize>, ahash::RandomState>,
    /// Client ids in `table`, summed over keys (INFO tracking_total_items).
    items: usize,
    prefixes: BTreeMap<Vec<u8>, Prefix>,
    /// Clients with tracking on (INFO tracking_clients).
    pub clients: usize,
    /// Invalidations for the running client, sent after its reply: a key,
    /// or None for a flush.
    pending_self: Vec<Option<Vec<u8>>>,
}

impl Tracking {
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    pub fn total_items(&self) -> usize {
        self.items
    }

    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }
}

/// Whether the keyspace must queue modified keys.
fn refresh_enabled(srv: &mut Server) {
    let t = &srv.tracking;
    srv.ks.invalidations.enabled = t.clients > 0 || !t.table.is_empty() || !t.prefixes.is_empty();
}

/// Checks a new BCAST prefix list against itself and the client's current
/// prefixes; Err with Redis's message on an overlap.
pub fn check_prefixes(current: &BTreeSet<Vec<u8>>, new: &[&[u8]]) -> Result<(), String> {
    let overlap = |a: &[u8], b: &[u8]| a.starts_with(b) || b.starts_with(a);
    for (i, p) in new.iter().enumerate() {
        if let Some(e) = current.iter().find(|e| overlap(e, p)) {
            return Err(format!(
                "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                String::from_utf8_lossy(p),
                String::from_utf8_lossy(e)
            ));
        }
        if let Some(q) = new[i + 1..].iter().find(|q| overlap(p, q)) {
            return Err(format!(
                "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                String::from_utf8_lossy(p),
                String::from_utf8_lossy(q)
            ));
        }
    }
    Ok(())
}

/// Turns tracking on for `c` (or updates it when already on; the caller
/// checked the mode rules).
pub fn enable(srv: &mut Server, c: &mut Client, opts: ClientTracking, prefixes: &[&[u8]]) {
    let was_on = c.tracking.is_some();
    if !was_on {
        srv.tracking.clients += 1;
    }
    let mut t = c.tracking.take().map(|b| *b).unwrap_or_default();
    t.bcast = opts.bcast;
    t.optin = opts.optin;
    t.optout = opts.optout;
    t.noloop = opts.noloop;
    t.redirect = opts.redirect;
    t.broken_redirect = false;
    if t.bcast {
        let list: Vec<&[u8]> = if prefixes.is_empty() && t.prefixes.is_empty() {
            vec![b""]
        } else {
            prefixes.to_vec()
        };
        for p in list {
            t.prefixes.insert(p.to_vec());
            srv.tracking
                .prefixes
                .entry(p.to_vec())
                .or_default()
                .subscribers
                .insert(c.id, c.token);
        }
    }
    c.tracking = Some(Box::new(t));
    refresh_enabled(srv);
}

/// Turns tracking off for `c` (CLIENT TRACKING OFF, RESET, disconnect).
/// Keys it read stay in the table and are skipped when they change.
pub fn disable(srv: &mut Server, c: &mut Client) {
    let Some(t) = c.tracking.take() else {
        return;
    };
    srv.tracking.clients -= 1;
    for p in &t.prefixes {
        if let Some(entry) = srv.tracking.prefixes.get_mut(p) {
            entry.subscribers.remove(&c.id);
            if entry.subscribers.is_empty() {
                srv.tracking.prefixes.remove(p);
            }
        }
    }
    refresh_enabled(srv);
}

/// After a read-only command: remembers the keys `c` read, unless its
/// OPTIN/OPTOUT mode and CLIENT CACHING say otherwise.
pub fn remember(srv: &mut Server, c: &Client, keys: impl Iterator<Item = Vec<u8>>) {
    let Some(t) = c.tracking.as_deref() else {
        return;
    };
    if t.bcast || (t.optin && !t.caching) || (t.optout && t.caching) {
        return;
    }
    for k in keys {
        let ids = srv.tracking.table.entry(k).or_default();
        if ids.insert(c.id, c.token).is_none() {
            srv.tracking.items += 1;
        }
    }
    refresh_enabled(srv);
}

/// Reads what we need of a client that is either `me` or in the slab.
fn peek<R>(
    srv: &Server,
    me: Option<&Client>,
    tok: usize,
    id: u64,
    f: impl FnOnce(&Client) -> R,
) -> Option<R> {
    let c = match me {
        Some(m) if m.token == tok => Some(m),
        _ => srv.clients.get(tok).and_then(|c| c.as_deref()),
    };
    c.filter(|c| c.id == id).map(f)
}

/// The client with id `id`, as a target.
fn find_by_id(srv: &Server, me: Option<&Client>, id: u64) -> Option<Target> {
    if let Some(m) = me
        && m.id == id
    {
        return Some((m.token, id));
    }
    srv.other_clients()
        .find(|c| c.id == id)
        .map(|c| (c.token, id))
}

/// What to send: one key, a pre-built array of keys, or a flush (null).
enum Payload<'a> {
    Key(&'a [u8]),
    Keys(&'a [Vec<u8>]),
    Flush,
}

/// Sends an invalidation meant for the tracking client `(tok, id)`,
/// following its redirection (Redis's sendTrackingMessage).
fn send(
    srv: &mut Server,
    mut me: Option<&mut Client>,
    (tok, id): Target,
    payload: Payload,
    now: i64,
) {
    let Some((redirect, resp3)) = peek(srv, me.as_deref(), tok, id, |c| {
        (c.tracking.as_ref().map_or(0, |t| t.redirect), c.reply.resp3)
    }) else {
        return;
    };
    let mut r = ReplyBuf::new();
    let (dest, via_redirect) = if redirect != 0 {
        match find_by_id(srv, me.as_deref(), redirect) {
            Some(d) => (d, true),
            None => {
                // The redirect target is gone: say so once per message on
                // the tracking connection itself (RESP3 only).
                set_broken(srv, me.as_deref_mut(), tok, id);
                if resp3 {
                    r.resp3 = true;
                    r.push(2);
                    r.bulk(b"tracking-redir-broken");
                    r.int(redirect as i64);
                    crate::cmd::pubsub::deliver_raw(srv, me, tok, &r.buf, now);
                }
                return;
            }
        }
    } else {
        ((tok, id), false)
    };
    let Some((dest_resp3, dest_pubsub)) = peek(srv, me.as_deref(), dest.0, dest.1, |c| {
        (
            c.reply.resp3,
            c.subscription_count() > 0 || !c.ssubs.is_empty(),
        )
    }) else {
        return;
    };
    r.resp3 = dest_resp3;
    if dest_resp3 {
        r.push(2);
        r.bulk(b"invalidate");
    } else if via_redirect && dest_pubsub {
        r.array(3);
        r.bulk(b"message");
        r.bulk(b"__redis__:invalidate");
    } else {
        // RESP2 without a redirection: nowhere to send it.
        return;
    }
    match payload {
        Payload::Key(k) => {
            r.array(1);
            r.bulk(k);
        }
        Payload::Keys(ks) => {
            r.array(ks.len());
            for k in ks {
                r.bulk(k);
            }
        }
        // The null is encoded in the tracking client's protocol.
        Payload::Flush => {
            if resp3 {
                r.buf.extend_from_slice(b"_\r\n");
            } else {
                r.buf.extend_from_slice(b"$-1\r\n");
            }
        }
    }
    crate::cmd::pubsub::deliver_raw(srv, me, dest.0, &r.buf, now);
}

fn set_broken(srv: &mut Server, me: Option<&mut Client>, tok: usize, id: u64) {
    let c = match me {
        Some(m) if m.token == tok => Some(m),
        _ => srv.clients.get_mut(tok).and_then(|c| c.as_deref_mut()),
    };
    if let Some(t) = c
        .filter(|c| c.id == id)
        .and_then(|c| c.tracking.as_deref_mut())
    {
        t.broken_redirect = true;
    }
}

/// Whether `(tok, id)` is a client still tracking in default mode.
fn default_mode(srv: &Server, me: Option<&Client>, tok: usize, id: u64) -> bool {
    peek(srv, me, tok, id, |c| {
        c.tracking.as_ref().is_some_and(|t| !t.bcast)
    })
    .unwrap_or(false)
}

/// Turns the keyspace's queued changes into invalidations (Redis's
/// trackingInvalidateKey / trackingInvalidateKeysOnFlush). Messages for
/// `me`, the running client, wait in `pending_self` for `after_reply`.
pub fn process_changes(srv: &mut Server, mut me: Option<&mut Client>, now: i64) {
    if srv.ks.invalidations.is_empty() {
        return;
    }
    let keys = std::mem::take(&mut srv.ks.invalidations.keys);
    let flushed = std::mem::take(&mut srv.ks.invalidations.flushed);
    let me_id = me.as_ref().map_or(0, |m| m.id);
    for key in keys {
        // BCAST: note the change under every matching prefix, with its
        // last changer (NOLOOP skips a key only when its own change was
        // the last of the turn: a later expiry of it is still sent).
        if !srv.tracking.prefixes.is_empty() {
            for (p, entry) in srv.tracking.prefixes.iter_mut() {
                if key.starts_with(p) {
                    entry.changed.insert(key.clone(), me_id);
                }
            }
        }
        let Some(ids) = srv.tracking.table.remove(&key) else {
            continue;
        };
        srv.tracking.items -= ids.len();
        for (id, tok) in ids {
            if !default_mode(srv, me.as_deref(), tok, id) {
                continue;
            }
            let is_me = me.as_ref().is_some_and(|m| m.id == id);
            if is_me {
                let noloop = me
                    .as_ref()
                    .and_then(|m| m.tracking.as_ref())
                    .is_some_and(|t| t.noloop);
                if !noloop {
                    srv.tracking.pending_self.push(Some(key.clone()));
                }
                continue;
            }
            send(srv, me.as_deref_mut(), (tok, id), Payload::Key(&key), now);
        }
    }
    if flushed {
        let targets: Vec<Target> = srv
            .other_clients()
            .filter(|c| c.tracking.is_some())
            .map(|c| (c.token, c.id))
            .collect();
        for t in targets {
            send(srv, me.as_deref_mut(), t, Payload::Flush, now);
        }
        if me.as_ref().is_some_and(|m| m.tracking.is_some()) {
            srv.tracking.pending_self.push(None);
        }
        srv.tracking.table.clear();
        srv.tracking.items = 0;
    }
    refresh_enabled(srv);
}

/// Everything tracking does after a command ran for `c`: invalidations
/// for the keys it changed, remembering the keys it read, the end of a
/// CLIENT CACHING window, and (for the outermost command) `c`'s own
/// invalidations after its reply.
pub fn after_command(
    srv: &mut Server,
    c: &mut Client,
    cmd: &'static crate::cmd::Cmd,
    parent: Option<&'static crate::cmd::Cmd>,
    argv: &[&[u8]],
    now: i64,
) {
    use crate::cmd::flags::{PUBSUB, READONLY};
    process_changes(srv, Some(&mut *c), now);
    // A read-only script tracks its keys only if it reads (see
    // `script::run_function`), not for being EVAL_RO.
    let script = matches!(cmd.name, "eval_ro" | "evalsha_ro" | "fcall_ro");
    if cmd.has(READONLY) && !cmd.has(PUBSUB) && !script && c.tracking.is_some() {
        let keys = crate::cmd::command::keys_of(cmd, parent, argv);
        remember(srv, c, keys.into_iter().map(<[u8]>::to_vec));
    }
    if srv.ks.events.depth > 0 {
        return;
    }
    // CLIENT CACHING covers the next command (a whole transaction).
    let is_client_cmd = parent.is_some_and(|p| p.name == "client");
    if let Some(t) = c.tracking.as_deref_mut()
        && t.caching
        && !is_client_cmd
        && c.multi.is_none()
    {
        t.caching = false;
    }
    after_reply(srv, c, now);
}

/// Invalidations for changes made outside any command of `c` (evictions
/// before it runs): sent at once, `c`'s own included.
pub fn announce_now(srv: &mut Server, c: &mut Client, now: i64) {
    process_changes(srv, Some(&mut *c), now);
    after_reply(srv, c, now);
}

/// After the running client's reply: its own invalidations.
fn after_reply(srv: &mut Server, me: &mut Client, now: i64) {
    if srv.tracking.pending_self.is_empty() {
        return;
    }
    let target = (me.token, me.id);
    for p in std::mem::take(&mut srv.tracking.pending_self) {
        let payload = match &p {
            Some(k) => Payload::Key(k),
            None => Payload::Flush,
        };
        send(srv, Some(&mut *me), target, payload, now);
    }
}

/// Before sleeping: BCAST batches, one message per prefix and subscriber
/// with every key changed under it this turn (NOLOOP subscribers skip
/// their own changes); then the table is kept within
/// `tracking-table-max-keys`.
pub fn before_sleep(srv: &mut Server, now: i64) {
    // (subscribers, keys changed with who changed them) per prefix.
    type Batch = (Vec<Target>, BTreeMap<Vec<u8>, u64>);
    let mut work: Vec<Batch> = Vec::new();
    for entry in srv.tracking.prefixes.values_mut() {
        if entry.changed.is_empty() {
            continue;
        }
        let subs = entry
            .subscribers
            .iter()
            .map(|(&id, &tok)| (tok, id))
            .collect();
        work.push((subs, std::mem::take(&mut entry.changed)));
    }
    for (subs, changed) in work {
        for (tok, id) in subs {
            let noloop = peek(srv, None, tok, id, |c| {
                c.tracking.as_ref().is_some_and(|t| t.noloop)
            })
            .unwrap_or(false);
            let keys: Vec<Vec<u8>> = changed
                .iter()
                .filter(|&(_, &by)| !noloop || by != id)
                .map(|(k, _)| k.clone())
                .collect();
            if !keys.is_empty() {
                send(srv, None, (tok, id), Payload::Keys(&keys), now);
            }
        }
    }
    limit_table(srv, None, now);
}

/// The server cron: keeps the table within `tracking-table-max-keys` even
/// when nothing is written (a CONFIG SET lowering it on an idle server).
pub fn cron(srv: &mut Server, now: i64) {
    limit_table(srv, None, now);
}

/// Before each command (Redis processCommand): the table is trimmed, and
/// the keys it forgets are announced at once, to the caller too (it is not
/// executing yet), so they precede its reply or +QUEUED.
#[inline]
pub fn limit_before_command(srv: &mut Server, c: &mut Client, now: i64) {
    if !srv.tracking.table.is_empty() {
        limit_table(srv, Some(c), now);
    }
}

/// Forgets keys past `tracking-table-max-keys`, invalidating them.
fn limit_table(srv: &mut Server, mut me: Option<&mut Client>, now: i64) {
    if srv.tracking.table.is_empty() {
        return;
    }
    let max = srv
        .config
        .get_int("tracking-table-max-keys")
        .map_or(1_000_000, |v| v.max(0) as usize);
    if max == 0 || srv.tracking.table.len() <= max {
        return;
    }
    let excess = (srv.tracking.table.len() - max).min(1000);
    let victims: Vec<Vec<u8>> = srv.tracking.table.keys().take(excess).cloned().collect();
    for k in victims {
        if let Some(ids) = srv.tracking.table.remove(&k) {
            srv.tracking.items -= ids.len();
            for (id, tok) in ids {
                if default_mode(srv, me.as_deref(), tok, id) {
                    send(srv, me.as_deref_mut(), (tok, id), Payload::Key(&k), now);
                }
            }
        }
    }
    refresh_enabled(srv);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_must_not_overlap() {
        let mut cur = BTreeSet::new();
        assert!(check_prefixes(&cur, &[b"a", b"b"]).is_ok());
        assert_eq!(
            check_prefixes(&cur, &[b"a", b"ab"]).unwrap_err(),
            "ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap."
        );
        cur.insert(b"user:".to_vec());
        assert_eq!(
            check_prefixes(&cur, &[b"user"]).unwrap_err(),
            "ERR Prefix 'user' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap."
        );
        assert!(check_prefixes(&cur, &[b"order:"]).is_ok());
    }

    #[test]
    fn remember_respects_optin_and_optout() {
        let mut h = crate::testing::Harness::new();
        h.run(&["HELLO", "3"]);
        h.run(&["CLIENT", "TRACKING", "on", "OPTIN"]);
        h.run(&["GET", "a"]);
        assert_eq!(h.srv.tracking.total_keys(), 0);
        h.run(&["CLIENT", "CACHING", "yes"]);
        h.run(&["GET", "a"]);
        assert_eq!(h.srv.tracking.total_keys(), 1);
        // The window closed after one command.
        h.run(&["GET", "b"]);
        assert_eq!(h.srv.tracking.total_keys(), 1);
        h.run(&["CLIENT", "TRACKING", "off"]);
        assert_eq!(h.srv.tracking.clients, 0);
        // Keys stay until they change; the change then finds nobody.
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.srv.tracking.total_keys(), 0);
        assert!(!h.srv.ks.invalidations.enabled);
    }
}
