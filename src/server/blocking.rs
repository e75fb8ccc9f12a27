//! Clients parked by blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): who
//! waits on which key in FIFO order, and their deadlines. A write to a key
//! someone waits on marks it ready (`db::Keyspace::blocked`); the event loop
//! then re-runs each waiter's command in arrival order, and a waiter whose
//! command now succeeds is unblocked. Knows no command.

use crate::client::Client;
use crate::server::Server;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// The value type a blocked command waits for: a waiter is only re-run
/// when its key holds this type (Redis's btype check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockType {
    List,
    ZSet,
    /// XREAD: re-run when the key holds a stream.
    Stream,
    /// XREADGROUP: re-run on any change to the key, deletion included, so
    /// that a destroyed group or deleted key ends the wait with an error.
    StreamGroup,
}

/// What a blocked command replies when its timeout fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutReply {
    /// `*-1` (RESP3 `_`): BLPOP, BRPOP, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP.
    NullArray,
    /// `$-1` (RESP3 `_`): BLMOVE, BRPOPLPUSH.
    NullBulk,
    /// WAIT: the number of replicas that acknowledged this offset.
    Acks(u64),
    /// WAITAOF: [local AOF fsynced this offset (0/1), replicas that
    /// fsynced it].
    AofAcks(u64),
    /// SHUTDOWN waiting for replicas: no reply (as in Redis, CLIENT UNBLOCK
    /// only releases it).
    Shutdown,
}

/// A parked client's command and what it waits for.
#[derive(Debug)]
pub struct BlockState {
    pub argv: Vec<Vec<u8>>,
    pub keys: Vec<(usize, Vec<u8>)>,
    /// Unix ms; 0 = wait forever.
    pub deadline: i64,
    pub btype: BlockType,
    pub timeout_reply: TimeoutReply,
}

#[derive(Debug, Default)]
pub struct Blocking {
    /// (db, key) → waiting client tokens, oldest first.
    queues: HashMap<(usize, Vec<u8>), VecDeque<usize>, ahash::RandomState>,
    /// (deadline, token) of waiters with a timeout.
    timeouts: BTreeSet<(i64, usize)>,
    /// Clients unblocked since the loop last looked: their buffered input
    /// must be processed now that they may run commands again.
    pub unblocked: Vec<usize>,
    /// INFO blocked_clients.
    pub blocked_clients: usize,
}

impl Blocking {
    /// Waiters on (db, key), oldest first (a copy: serving them changes it).
    pub fn waiters(&self, db: usize, key: &[u8]) -> Vec<usize> {
        self.queues
            .get(&(db, key.to_vec()))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The earliest deadline of any waiter.
    pub fn next_deadline(&self) -> Option<i64> {
        self.timeouts.first().map(|&(d, _)| d)
    }

    /// Tokens whose deadline has passed at `now`: strictly before it, as in
    /// Redis, so a 100 ms timeout never answers before 100 ms have elapsed
    /// (the clock is in whole milliseconds).
    pub fn expired(&self, now: i64) -> Vec<usize> {
        self.timeouts
            .iter()
            .take_while(|&&(d, _)| d < now)
            .map(|&(_, t)| t)
            .collect()
    }
}

/// Parks client `c` (BLPOP & co. found nothing to serve).
pub fn block(srv: &mut Server, c: &mut Client, mut state: BlockState) {
    // A key named twice (BLPOP k k 0) is waited on once: `unblock` releases
    // each listed key once, so a duplicate would release another waiter's
    // registration of that key.
    let mut seen = std::collections::HashSet::with_capacity(state.keys.len());
    state.keys.retain(|k| seen.insert(k.clone()));
    for (db, key) in &state.keys {
        let q = srv.blocking.queues.entry((*db, key.clone())).or_default();
        q.push_back(c.token);
        srv.ks.blocked.add(*db, key);
    }
    if state.deadline > 0 {
        srv.blocking.timeouts.insert((state.deadline, c.token));
    }
    srv.blocking.blocked_clients += 1;
    c.blocked = Some(Box::new(state));
}

/// Releases a parked client from every queue. Its reply (if any) must
/// already be in its buffer; the loop then writes it and processes any
/// input that arrived meanwhile.
pub fn unblock(srv: &mut Server, c: &mut Client) {
    let Some(state) = c.blocked.take() else {
        return;
    };
    for (db, key) in &state.keys {
        let k = (*db, key.clone());
        if let Some(q) = srv.blocking.queues.get_mut(&k) {
            q.retain(|&t| t != c.token);
            if q.is_empty() {
                srv.blocking.queues.remove(&k);
            }
        }
        srv.ks.blocked.remove(*db, key);
    }
    if state.deadline > 0 {
        srv.blocking.timeouts.remove(&(state.deadline, c.token));
    }
    srv.blocking.blocked_clients -= 1;
    srv.blocking.unblocked.push(c.token);
    if !c.write_queued {
        c.write_queued = true;
        srv.pending_writes.push(c.token);
    }
}

/// Unblocks with the command's timeout reply (deadline passed, or CLIENT
/// UNBLOCK ... TIMEOUT).
pub fn unblock_timeout(srv: &mut Server, c: &mut Client) {
    if let Some(state) = c.blocked.as_ref() {
        match state.timeout_reply {
            TimeoutReply::NullArray => c.reply.null_array(),
            TimeoutReply::NullBulk => c.reply.null(),
            TimeoutReply::Acks(off) => c.reply.int(super::repl::count_acks(srv, off)),
            TimeoutReply::AofAcks(off) => super::repl::aof_acks_reply(srv, &mut c.reply, off),
            TimeoutReply::Shutdown => {}
        }
    }
    unblock(srv, c);
}

/// Drops a disconnecting client's registrations without replying.
pub fn forget(srv: &mut Server, c: &mut Client) {
    if c.blocked.is_some() {
        unblock(srv, c);
        srv.blocking.unblocked.retain(|&t| t != c.token);
    }
}
