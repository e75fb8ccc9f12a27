//! The command table and dispatch. One row per command (name, arity, flags,
//! key positions, handler); `call` runs the gates Redis's processCommand runs
//! (lookup, arity, auth) and then the handler. One file per command family
//! declares its rows in a `COMMANDS` slice. Handlers do no I/O: they read and
//! write the keyspace and append to the client's reply buffer.

pub mod acl;
pub mod bits;
pub mod blocking;
pub mod cluster;
pub mod command;
mod compat;
pub mod connection;
pub mod debug;
pub mod failover;
pub mod geo;
pub mod hashes;
pub mod hll;
pub mod keys;
pub mod lists;
pub mod lolwut;
pub mod meta;
pub mod migrate;
pub mod module;
pub mod multi;
pub mod ops;
pub mod persist;
pub mod pubsub;
pub mod replication;
pub mod scripting;
pub mod server;
pub mod sets;
pub mod sort;
pub mod streams;
pub mod strings;
pub mod zsets;

use crate::client::{Client, ReplyMode};
use crate::error;
use crate::server::blocking::{BlockState, BlockType, TimeoutReply};
use crate::server::{Server, cmdclock};
use std::sync::OnceLock;

/// Command flags, as in Redis's command table.
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const ALLOW_BUSY: u32 = 1 << 15;
    pub const SENTINEL: u32 = 1 << 16;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 17;
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;
    pub const TOUCHES_ARBITRARY_KEYS: u32 = 1 << 19;
    /// Runs at once inside MULTI instead of being queued (MULTI, EXEC,
    /// DISCARD, WATCH, QUIT, RESET). Not shown by COMMAND INFO.
    pub const MULTI_CONTROL: u32 = 1 << 20;
    /// Allowed for a RESP2 client that has subscriptions ((P|S)SUBSCRIBE,
    /// (P|S)UNSUBSCRIBE, PING, QUIT, RESET). Not shown by COMMAND INFO.
    pub const SUBSCRIBED_OK: u32 = 1 << 21;
    /// Refused unless its `enable-*-command` directive allows the caller
    /// (DEBUG, MODULE LOAD/LOADEX/UNLOAD): checked right after the arity,
    /// before authentication, as Redis's CMD_PROTECTED. Not shown by
    /// COMMAND INFO.
    pub const PROTECTED: u32 = 1 << 22;
    /// Accepted for a slot being imported after ASKING, in a cluster
    /// (RESTORE-ASKING). ember has no cluster: shown by COMMAND INFO only.
    pub const ASKING: u32 = 1 << 23;

    /// Flag names in the order COMMAND INFO lists them.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (TOUCHES_ARBITRARY_KEYS, "touches_arbitrary_keys"),
    ];
}

pub type Handler = fn(&mut Ctx, &[&[u8]]);

/// One row of the command table.
pub struct Cmd {
    /// Lower-case name (for subcommands, just the subcommand: "get").
    pub name: &'static str,
    /// Exact argument count including the name when positive; at least -arity
    /// when negative (Redis convention). Subcommand arity counts both words.
    pub arity: i32,
    pub flags: u32,
    /// Legacy key positions: first key index, last (-1 = last arg, -2 = one
    /// before), step. (0, 0, 0) when the command takes no keys.
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    pub handler: Handler,
    /// Subcommands of a container command (CONFIG, CLIENT, OBJECT...). When
    /// non-empty the handler is not called for the container itself.
    pub subs: &'static [Cmd],
}

impl Cmd {
    /// Row with no keys.
    pub const fn new(name: &'static str, arity: i32, flags: u32, handler: Handler) -> Cmd {
        Cmd {
            name,
            arity,
            flags,
            first_key: 0,
            last_key: 0,
            key_step: 0,
            handler,
            subs: &[],
        }
    }

    /// Sets the legacy (first, last, step) key positions.
    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> Cmd {
        self.first_key = first;
        self.last_key = last;
        self.key_step = step;
        self
    }

    /// A container command with subcommands.
    pub const fn container(name: &'static str, subs: &'static [Cmd]) -> Cmd {
        Cmd {
            name,
            arity: -2,
            flags: 0,
            first_key: 0,
            last_key: 0,
            key_step: 0,
            handler: container_without_sub,
            subs,
        }
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let a = self.arity as i64;
        if a >= 0 { argc == a } else { argc >= -a }
    }

    /// The key argument indexes for these arguments (COMMAND GETKEYS and
    /// future key-based gates).
    pub fn key_indexes(&self, argc: usize) -> Vec<usize> {
        if self.first_key <= 0 {
            return Vec::new();
        }
        let last = if self.last_key < 0 {
            argc as i64 + self.last_key as i64
        } else {
            self.last_key as i64
        };
        let step = self.key_step.max(1) as usize;
        let mut out = Vec::new();
        let mut i = self.first_key as i64;
        while i <= last && (i as usize) < argc {
            out.push(i as usize);
            i += step as i64;
        }
        out
    }

    pub fn find_sub(&self, name: &[u8]) -> Option<&'static Cmd> {
        self.subs
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

fn container_without_sub(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Only reached for containers with no subcommand table entry; `call`
    // already answered unknown subcommands.
    ctx.c.reply.error(&error::unknown_subcommand(
        argv.get(1).copied().unwrap_or(b""),
        ctx.cmd.name,
    ));
}

/// What a handler gets: the server state, the calling client, the command's
/// time snapshot (unix ms) and its own table row.
pub struct Ctx<'a> {
    pub srv: &'a mut Server,
    pub c: &'a mut Client,
    pub now: i64,
    pub cmd: &'static Cmd,
    /// For subcommands, the container row ("config" for CONFIG GET).
    pub parent: Option<&'static Cmd>,
}

impl Ctx<'_> {
    /// "config|get" for subcommands, "get" otherwise (Redis's fullname).
    pub fn fullname(&self) -> String {
        match self.parent {
            Some(p) => format!("{}|{}", p.name, self.cmd.name),
            None => self.cmd.name.to_string(),
        }
    }

    /// The selected database index.
    pub fn db(&self) -> usize {
        self.c.db
    }

    /// Propagates the running command as `argv` instead of as called (a
    /// deterministic form: absolute TTLs, the effect of a random pop...).
    /// Calling it again adds another command to the replacement.
    pub fn propagate_as(&mut self, argv: &[&[u8]]) {
        if self.srv.prop.enabled {
            self.srv.prop.propagate_as(argv);
        }
    }

    /// The running command propagates nothing itself (its effects were
    /// propagated otherwise).
    pub fn propagate_none(&mut self) {
        if self.srv.prop.enabled {
            self.srv.prop.propagate_none();
        }
    }

    /// Propagates the running command even if it changed nothing.
    pub fn force_propagate(&mut self) {
        self.srv.prop.force();
    }

    /// Propagates the running command to replicas only (PUBLISH).
    pub fn propagate_to_replicas(&mut self) {
        self.srv.prop.force_to_replicas();
    }

    /// The word a deletion is propagated with (DEL, or UNLINK when
    /// `lazyfree-lazy-server-del` is on, as Redis chooses).
    pub fn del_word(&self) -> &'static [u8] {
        if self.srv.config.get_bool("lazyfree-lazy-server-del") == Some(true) {
            b"UNLINK"
        } else {
            b"DEL"
        }
    }

    /// Parks the calling client until one of `keys` (in the selected db)
    /// holds a value of type `btype`, or until `timeout_ms` (0 = forever)
    /// passes. The handler must not reply: the reply comes when the command
    /// is re-run and succeeds, or from `timeout_reply`. When the command is
    /// being re-run and still finds nothing, the client simply stays parked.
    pub fn block(
        &mut self,
        argv: &[&[u8]],
        keys: &[&[u8]],
        timeout_ms: i64,
        btype: BlockType,
        timeout_reply: TimeoutReply,
    ) {
        if self.c.reprocessing {
            self.c.still_blocked = true;
            return;
        }
        let db = self.c.db;
        let state = BlockState {
            argv: argv.iter().map(|a| a.to_vec()).collect(),
            keys: keys.iter().map(|k| (db, k.to_vec())).collect(),
            deadline: if timeout_ms > 0 {
                self.now.saturating_add(timeout_ms)
            } else {
                0
            },
            btype,
            timeout_reply,
        };
        crate::server::blocking::block(self.srv, self.c, state);
    }
}

/// Every command family's rows.
fn families() -> impl Iterator<Item = &'static Cmd> {
    strings::COMMANDS
        .iter()
        .chain(keys::COMMANDS)
        .chain(connection::COMMANDS)
        .chain(server::COMMANDS)
        .chain(command::COMMANDS)
        .chain(lists::COMMANDS)
        .chain(hashes::COMMANDS)
        .chain(sets::COMMANDS)
        .chain(zsets::COMMANDS)
        .chain(multi::COMMANDS)
        .chain(replication::COMMANDS)
        .chain(failover::COMMANDS)
        .chain(persist::COMMANDS)
        .chain(pubsub::COMMANDS)
        .chain(blocking::COMMANDS)
        .chain(ops::COMMANDS)
        .chain(sort::COMMANDS)
        .chain(bits::COMMANDS)
        .chain(hll::COMMANDS)
        .chain(geo::COMMANDS)
        .chain(streams::COMMANDS)
        .chain(acl::COMMANDS)
        .chain(scripting::COMMANDS)
        .chain(cluster::COMMANDS)
        .chain(module::COMMANDS)
        .chain(lolwut::COMMANDS)
        .chain(migrate::COMMANDS)
}

/// Name lookup over every row, built once. Every row, subcommands included,
/// also gets a dense index (`index_of`), so per-command statistics live in
/// vectors instead of maps.
///
/// Both indexes are small open-addressed tables built once from the static
/// rows and never written again: the name index hashes the case-folded name
/// in place (no lowercase copy), the address index maps a row's address to
/// its dense index with one multiplication. Neither holds client-chosen
/// keys, so a plain hash is safe here (no flooding: probing an unknown name
/// stops at the first empty slot of a table kept at most a quarter full).
pub struct CommandTable {
    /// Every row by dense index, with its container for subcommands;
    /// `rows[..top]` are the top-level commands.
    rows: Vec<Row>,
    top: usize,
    /// Redis's fullname of each row ("client|list"), by dense index.
    fullnames: Vec<&'static str>,
    /// Name slots: dense index + 1 of a top-level row, 0 when empty.
    by_name: Box<[u16]>,
    /// Address slots: (row address, dense index), address 0 when empty.
    by_addr: Box<[(usize, u16)]>,
}

/// Longest command name we look up (longer names cannot match a row).
const MAX_NAME: usize = 32;

/// Hash of a command name with ASCII letters folded to lower case, so that
/// names equal under `eq_ignore_ascii_case` hash alike (FNV-1a).
#[inline]
fn name_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in name {
        h = (h ^ u32::from(b | 0x20)).wrapping_mul(0x0100_0193);
    }
    h
}

/// Slot of a row address in a table of `mask + 1` slots (Fibonacci hashing).
#[inline]
fn addr_slot(addr: usize, mask: usize) -> usize {
    ((addr as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask
}

impl CommandTable {
    fn build() -> Self {
        let mut rows: Vec<Row> = Vec::new();
        // A later row with the same name replaces an earlier one.
        for c in families() {
            match rows.iter_mut().find(|r| r.0.name == c.name) {
                Some(r) => *r = (c, None),
                None => rows.push((c, None)),
            }
        }
        let top = rows.len();
        for i in 0..top {
            let c = rows[i].0;
            rows.extend(c.subs.iter().map(|sub| (sub, Some(c))));
        }
        assert!(rows.len() < u16::MAX as usize, "command table too large");
        let fullnames = rows
            .iter()
            .map(|&(cmd, parent)| match parent {
                Some(p) => &*Box::leak(format!("{}|{}", p.name, cmd.name).into_boxed_str()),
                None => cmd.name,
            })
            .collect();
        let name_mask = (top * 4).next_power_of_two() - 1;
        let mut by_name = vec![0u16; name_mask + 1].into_boxed_slice();
        for (i, (cmd, _)) in rows[..top].iter().enumerate() {
            let mut slot = name_hash(cmd.name.as_bytes()) as usize & name_mask;
            while by_name[slot] != 0 {
                slot = (slot + 1) & name_mask;
            }
            by_name[slot] = i as u16 + 1;
        }
        let addr_mask = (rows.len() * 4).next_power_of_two() - 1;
        let mut by_addr = vec![(0usize, 0u16); addr_mask + 1].into_boxed_slice();
        for (i, &(cmd, _)) in rows.iter().enumerate() {
            let addr = cmd as *const Cmd as usize;
            let mut slot = addr_slot(addr, addr_mask);
            while by_addr[slot].0 != 0 && by_addr[slot].0 != addr {
                slot = (slot + 1) & addr_mask;
            }
            by_addr[slot] = (addr, i as u16);
        }
        CommandTable {
            rows,
            top,
            fullnames,
            by_name,
            by_addr,
        }
    }

    /// Case-insensitive lookup without allocating or copying the name.
    #[inline]
    pub fn lookup(&self, name: &[u8]) -> Option<&'static Cmd> {
        if name.len() > MAX_NAME {
            return None;
        }
        let mask = self.by_name.len() - 1;
        let mut slot = name_hash(name) as usize & mask;
        loop {
            let i = *self.by_name.get(slot)? as usize;
            let cmd = self.rows.get(i.checked_sub(1)?)?.0;
            if cmd.name.len() == name.len() && cmd.name.as_bytes().eq_ignore_ascii_case(name) {
                return Some(cmd);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The dense index of a row (top-level or subcommand) of this table, in
    /// `0..rows()`; None for a row that is not in it.
    #[inline]
    pub fn index_of(&self, cmd: &'static Cmd) -> Option<usize> {
        let addr = cmd as *const Cmd as usize;
        let mask = self.by_addr.len() - 1;
        let mut slot = addr_slot(addr, mask);
        loop {
            let (a, i) = *self.by_addr.get(slot)?;
            if a == addr {
                return Some(i as usize);
            }
            if a == 0 {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Number of rows, subcommands included (the range of `index_of`).
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The row with dense index `i` and its container.
    pub fn row(&self, i: usize) -> Option<Row> {
        self.rows.get(i).copied()
    }

    /// Redis's fullname of a row: "client|list" for subcommands, else the name.
    pub fn fullname(&self, cmd: &'static Cmd) -> &'static str {
        self.index_of(cmd)
            .map(|i| self.fullnames[i])
            .unwrap_or(cmd.name)
    }

    /// Number of top-level commands.
    pub fn len(&self) -> usize {
        self.top
    }

    pub fn is_empty(&self) -> bool {
        self.top == 0
    }

    /// Every top-level command.
    pub fn iter(&self) -> impl Iterator<Item = &'static Cmd> + '_ {
        self.rows[..self.top].iter().map(|r| r.0)
    }
}

pub fn table() -> &'static CommandTable {
    static TABLE: OnceLock<CommandTable> = OnceLock::new();
    TABLE.get_or_init(CommandTable::build)
}

/// Runs one command for client `c` (Redis's processCommand + call).
pub fn call(srv: &mut Server, c: &mut Client, argv: &[&[u8]], now: i64) {
    let Some(mut cmd) = table().lookup(argv[0]) else {
        return reject(srv, c, None, &error::unknown_command(argv), false);
    };
    // (A length check first: most names are not four bytes long.)
    let is_exec = cmd.name == "exec";
    let mut parent = None;
    if !cmd.subs.is_empty() {
        if argv.len() < 2 {
            return reject(
                srv,
                c,
                Some((cmd, None)),
                &error::wrong_arity(cmd.name),
                false,
            );
        }
        match cmd.find_sub(argv[1]) {
            Some(sub) => {
                parent = Some(cmd);
                cmd = sub;
            }
            None => {
                let msg = error::unknown_subcommand(argv[1], cmd.name);
                return reject(srv, c, None, &msg, false);
            }
        }
    }
    if !cmd.arity_ok(argv.len()) {
        let full = match parent {
            Some(_) => table().fullname(cmd),
            None => cmd.name,
        };
        return reject(
            srv,
            c,
            Some((cmd, parent)),
            &error::wrong_arity(full),
            is_exec,
        );
    }
    if cmd.has(flags::PROTECTED)
        && let Some(msg) = protected_denial(srv, c, cmd, parent)
    {
        return reject(srv, c, Some((cmd, parent)), msg, is_exec);
    }
    if !c.authenticated && srv.acl.auth_required() && !cmd.has(flags::NO_AUTH) {
        return reject(srv, c, Some((cmd, parent)), error::NOAUTH, is_exec);
    }
    // Redis's order: permissions, then memory, then the subscribed context.
    if let Some(msg) = crate::acl::gate(srv, c, cmd, parent, argv, now) {
        return reject(srv, c, Some((cmd, parent)), &msg, is_exec);
    }
    if srv.config.maxmemory > 0 && out_of_memory(srv, c, cmd, is_exec, now) {
        return reject(srv, c, Some((cmd, parent)), error::OOM, is_exec);
    }
    crate::server::tracking::limit_before_command(srv, c, now);
    if c.in_subscribed_context() && !cmd.has(flags::SUBSCRIBED_OK) {
        let msg = error::subscribed_context(table().fullname(cmd));
        return reject(srv, c, Some((cmd, parent)), &msg, is_exec);
    }
    // A failed background save stops writes (and PING, as in Redis) while
    // stop-writes-on-bgsave-error is on.
    if (cmd.has(flags::WRITE) || cmd.name == "ping")
        && let Some(msg) = crate::persist::write_denial(srv)
    {
        return reject(srv, c, Some((cmd, parent)), &msg, is_exec);
    }
    // min-replicas-to-write: a write (or an EXEC of one) needs enough
    // replicas with a small lag.
    if (cmd.has(flags::WRITE) || is_exec)
        && crate::server::repl::too_few_good_replicas(srv)
        && (cmd.has(flags::WRITE) || queued_has(c, flags::WRITE))
    {
        return reject(srv, c, Some((cmd, parent)), error::NOREPLICAS, is_exec);
    }
    // A replica refuses its clients' writes (the master's stream does not
    // come through here) and, with replica-serve-stale-data no, most
    // commands while its link is down.
    if srv.replica.gate
        && let Some(msg) = crate::server::replica::deny(
            srv,
            // EXEC serves stale data only when everything queued does.
            cmd.has(flags::STALE) && !(is_exec && queued_lacks(c, flags::STALE)),
            cmd.has(flags::WRITE) || (is_exec && queued_has(c, flags::WRITE)),
        )
    {
        return reject(srv, c, Some((cmd, parent)), msg, is_exec);
    }
    // While start-up loads the data, only LOADING commands run (INFO...).
    if srv.persist.loading && !cmd.has(flags::LOADING) {
        return reject(srv, c, Some((cmd, parent)), error::LOADING, is_exec);
    }
    if !srv.observe.monitors.is_empty()
        && cmd.flags & (flags::READONLY | flags::WRITE | flags::MAY_REPLICATE) != 0
        && srv.observe.is_monitor(c.token)
    {
        return reject(
            srv,
            c,
            Some((cmd, parent)),
            error::MONITOR_KEYSPACE,
            is_exec,
        );
    }
    // A script running past busy-reply-threshold: only ALLOW_BUSY commands.
    if let Some(run) = srv.scripts.run.as_ref()
        && run.busy
        && !cmd.has(flags::ALLOW_BUSY)
    {
        let msg = if run.is_function {
            error::BUSY_FUNCTION
        } else {
            error::BUSY_SCRIPT
        };
        return reject(srv, c, Some((cmd, parent)), msg, is_exec);
    }
    if c.multi.is_some() && cmd.has(flags::NO_MULTI) {
        return reject(
            srv,
            c,
            Some((cmd, parent)),
            error::NOT_ALLOWED_IN_MULTI,
            false,
        );
    }
    // CLIENT PAUSE holds the command (queuing into MULTI included) after
    // every check that answers at once, as Redis does. A blocked client's
    // command being re-run is never held.
    if srv.pause.mode().is_some()
        && !c.reprocessing
        && crate::server::pause::holds(srv, c, cmd, argv)
    {
        return crate::server::pause::hold(srv, c, table().fullname(cmd), argv);
    }
    if c.multi.is_some() && !cmd.has(flags::MULTI_CONTROL) {
        multi::queue(c, argv);
        // +QUEUED obeys CLIENT REPLY like any reply.
        match c.reply_mode {
            ReplyMode::On => c.reply.simple("QUEUED"),
            ReplyMode::SkipNext => c.reply_mode = ReplyMode::On,
            ReplyMode::Off | ReplyMode::Skip => {}
        }
        return;
    }
    execute(srv, c, cmd, parent, argv, now);
}

/// The refusal of a PROTECTED command whose switch does not allow this
/// client: `enable-module-command` for MODULE's subcommands,
/// `enable-debug-command` for DEBUG (`local`: loopback and Unix socket
/// clients only).
fn protected_denial(
    srv: &Server,
    c: &Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
) -> Option<&'static str> {
    let (switch, msg) = if parent.unwrap_or(cmd).name == "module" {
        (srv.config.enable_module_command, error::MODULE_NOT_ALLOWED)
    } else {
        (srv.config.enable_debug_command, error::DEBUG_NOT_ALLOWED)
    };
    (!switch.allows(server::is_local_client(c))).then_some(msg)
}

/// Redis's maxmemory gate: every command first evicts keys (under the
/// policy) while used memory is over `maxmemory`; if that cannot get under
/// the limit, commands flagged DENYOOM are refused, as is queuing anything
/// inside MULTI and an EXEC whose queue holds a DENYOOM command. True when
/// the command must be refused.
fn out_of_memory(srv: &mut Server, c: &mut Client, cmd: &Cmd, is_exec: bool, now: i64) -> bool {
    srv.ks.clock_ms = now;
    let skip = crate::server::repl::memory_not_counted(srv);
    let result = srv
        .ks
        .perform_evictions(srv.config.maxmemory, &|_| memory_for_eviction(skip));
    // Keys evicted before the command runs are announced before its reply,
    // to the caller too (Redis: it is not executing yet).
    if !srv.ks.invalidations.is_empty() {
        crate::server::tracking::announce_now(srv, c, now);
    }
    if result != crate::db::evict::Evict::Fail {
        return false;
    }
    // A NO_MULTI command inside MULTI gets its own error (checked first in Redis).
    let queues = c.multi.is_some() && !cmd.has(flags::MULTI_CONTROL) && !cmd.has(flags::NO_MULTI);
    cmd.has(flags::DENYOOM) || queues || (is_exec && queued_has(c, flags::DENYOOM))
}

/// Whether a command queued in the client's transaction has `flag`.
fn queued_has(c: &Client, flag: u32) -> bool {
    queued_any(c, |cmd| cmd.has(flag))
}

/// Whether some command queued in the client's MULTI lacks `flag`.
fn queued_lacks(c: &Client, flag: u32) -> bool {
    queued_any(c, |cmd| !cmd.has(flag))
}

fn queued_any(c: &Client, pred: impl Fn(&Cmd) -> bool) -> bool {
    c.multi.as_ref().is_some_and(|m| {
        m.queue.iter().any(|argv| {
            let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            resolve(&argv).is_some_and(|(cmd, _)| pred(cmd))
        })
    })
}

/// The memory that counts toward `maxmemory`: everything allocated,
/// including client query and reply buffers, as Redis counts it, less
/// `not_counted`: the replication backlog and replicas' buffers
/// (`repl::memory_not_counted`), which Redis leaves out too.
pub fn memory_for_eviction(not_counted: u64) -> u64 {
    crate::server::used_memory().saturating_sub(not_counted)
}

/// True when `maxmemory` is set and used memory (as eviction counts it) is
/// above it: what a script's DENYOOM commands check (Redis's
/// scriptVerifyOOM), after the gate in `call` already evicted.
pub(crate) fn over_maxmemory(srv: &Server) -> bool {
    srv.config.maxmemory > 0
        && memory_for_eviction(crate::server::repl::memory_not_counted(srv)) > srv.config.maxmemory
}

/// Runs a command that passed the gates (also used by EXEC for queued
/// commands, which were checked when queued).
pub fn execute(
    srv: &mut Server,
    c: &mut Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
    now: i64,
) {
    // CLIENT REPLY SKIP applies to the command after the one that set it.
    if c.reply_mode == ReplyMode::SkipNext {
        c.reply_mode = ReplyMode::Skip;
    }
    let reply_mark = c.reply.buf.len();
    c.last_cmd = if parent.is_some() {
        table().fullname(cmd)
    } else {
        cmd.name
    };
    // Keyspace events wait for the outermost command (EXEC) to end.
    srv.ks.events.depth += 1; // notify
    let db = c.db;
    let prop = srv.prop.begin(srv.ks.dirty); // propagate
    if prop.is_some() && cmd.has(flags::TOUCHES_ARBITRARY_KEYS) {
        srv.prop.touches_arbitrary_keys();
    }
    srv.ks.clock_ms = now;
    srv.ks.call_no_touch = c.no_touch && cmd.name != "touch";
    let mut ctx = Ctx {
        srv,
        c,
        now,
        cmd,
        parent,
    };
    let started = cmdclock::start();
    (cmd.handler)(&mut ctx, argv);
    let usec = cmdclock::elapsed_us(started);
    let Ctx { srv, c, .. } = ctx;
    srv.ks.events.depth -= 1; // notify
    if let Some(prop) = prop {
        let offset = srv.repl.offset;
        propagate_end(srv, prop, db, argv);
        // What WAIT waits for: the stream up to this client's last write.
        if srv.repl.offset != offset {
            c.repl_woff = srv.repl.offset;
        }
    }
    srv.stats.total_commands_processed += 1;
    // The row's dense index, for the command statistics and the latency
    // histogram.
    let row = table().index_of(cmd);
    let reply = c.reply.buf.get(reply_mark..).unwrap_or_default();
    if c.reprocessing {
        // A blocked command was counted when it first ran.
        srv.record_rerun_row(row, usec, reply);
    } else {
        srv.record_call_row(row, usec, reply);
    }
    // (Un)subscribe confirmations are pushes: CLIENT REPLY OFF/SKIP does
    // not silence them (Redis 7).
    let pushes = || parent.is_none() && pubsub::confirms_with_pushes(cmd);
    match c.reply_mode {
        ReplyMode::On | ReplyMode::SkipNext => {}
        ReplyMode::Off => {
            if !pushes() {
                c.reply.buf.truncate(reply_mark);
            }
        }
        ReplyMode::Skip => {
            if !pushes() {
                c.reply.buf.truncate(reply_mark);
            }
            c.reply_mode = ReplyMode::On;
        }
    }
    // Keyspace notifications raised by the command (and its lazy expiry):
    // pushes to the caller itself follow its reply, as in Redis 7.2.
    if !srv.ks.events.pending.is_empty() {
        pubsub::publish_keyspace_events(srv, Some(c), now); // notify
    }
    if srv.ks.invalidations.enabled || c.tracking.is_some() {
        crate::server::tracking::after_command(srv, c, cmd, parent, argv, now);
    }
    crate::server::observe::after_call(srv, c, cmd, row, argv, usec, now);
    if !srv.observe.monitors.is_empty() {
        crate::server::observe::feed_monitors(srv, c, cmd, argv);
    }
}

/// Records what the command changed for propagation (see
/// `server/propagate.rs`) and hands finished transactions to the AOF.
fn propagate_end(
    srv: &mut Server,
    prop: crate::server::propagate::Frame,
    db: usize,
    argv: &[&[u8]],
) {
    let del = if srv.ks.expired_log.is_empty() {
        &b"DEL"[..]
    } else {
        crate::persist::aof::expiry_del_word(&srv.config)
    };
    srv.prop
        .end(prop, srv.ks.dirty, db, argv, &mut srv.ks.expired_log, del);
    if srv.prop.has_ready() {
        crate::persist::aof::feed_ready(srv);
    }
}

/// Resolves a (possibly container) command for a queued argv: the row and
/// its container. Queued commands passed lookup when queued.
pub fn resolve(argv: &[&[u8]]) -> Option<(&'static Cmd, Option<&'static Cmd>)> {
    let cmd = table().lookup(argv[0])?;
    if cmd.subs.is_empty() {
        return Some((cmd, None));
    }
    Some((cmd.find_sub(argv.get(1)?)?, Some(cmd)))
}

/// Rejects a command before it runs (Redis rejectCommand): replies with the
/// error and, inside MULTI, flags the transaction so EXEC aborts. A rejected
/// EXEC aborts the transaction at once, naming the reason.
fn reject(srv: &mut Server, c: &mut Client, row: Option<Row>, msg: &str, is_exec: bool) {
    srv.record_rejected(row.map(|r| r.0), row.and_then(|r| r.1), msg);
    if is_exec && c.multi.is_some() {
        let reason = msg.strip_prefix("ERR ").unwrap_or(msg);
        let msg = format!("EXECABORT Transaction discarded because of: {reason}");
        multi::discard(srv, c);
        return reply_error(srv, c, &msg);
    }
    if let Some(m) = c.multi.as_mut() {
        m.errored = true;
    }
    reply_error(srv, c, msg);
}

/// A command row and its container, if it is a subcommand.
pub type Row = (&'static Cmd, Option<&'static Cmd>);

/// A rejection before the handler runs (unknown command, arity, auth).
fn reply_error(srv: &mut Server, c: &mut Client, msg: &str) {
    srv.stats.rejected_calls += 1;
    if c.reply_mode == ReplyMode::On {
        c.reply.error(msg);
    } else if c.reply_mode == ReplyMode::SkipNext {
        c.reply_mode = ReplyMode::On;
    }
}

/// Parses an integer argument, replying with Redis's error when it is not
/// one. Returns None after replying.
pub fn arg_i64(ctx: &mut Ctx, arg: &[u8]) -> Option<i64> {
    let v = crate::util::num::parse_i64(arg);
    if v.is_none() {
        ctx.c.reply.error(error::NOT_INTEGER);
    }
    v
}

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn lookup_finds_every_row_in_any_case() {
        let t = table();
        for c in t.iter() {
            assert!(std::ptr::eq(t.lookup(c.name.as_bytes()).unwrap(), c));
            let upper = c.name.to_ascii_uppercase();
            assert!(std::ptr::eq(t.lookup(upper.as_bytes()).unwrap(), c));
            let mixed: String = c
                .name
                .chars()
                .enumerate()
                .map(|(i, ch)| {
                    if i % 2 == 0 {
                        ch.to_ascii_uppercase()
                    } else {
                        ch
                    }
                })
                .collect();
            assert!(std::ptr::eq(t.lookup(mixed.as_bytes()).unwrap(), c));
        }
        for miss in [
            &b""[..],
            b"ge",
            b"gett",
            b"g\xc5t",
            b"GET ",
            b"get\0",
            b"config|get",
            &[b'a'; 64],
        ] {
            assert!(t.lookup(miss).is_none(), "{miss:?}");
        }
        // Folding only touches ASCII letters: '@' (0x40) is not '`' (0x60).
        assert!(t.lookup(b"@et").is_none());
    }

    #[test]
    fn every_row_has_a_distinct_dense_index() {
        let t = table();
        let mut seen = vec![false; t.rows()];
        let mut check = |cmd: &'static Cmd, parent: Option<&'static Cmd>| {
            let i = t.index_of(cmd).unwrap();
            assert!(!seen[i], "{} twice", cmd.name);
            seen[i] = true;
            let (row, p) = t.row(i).unwrap();
            assert!(std::ptr::eq(row, cmd));
            assert_eq!(p.map(|p| p.name), parent.map(|p| p.name));
        };
        for c in t.iter() {
            check(c, None);
            for s in c.subs {
                check(s, Some(c));
            }
        }
        assert!(seen.iter().all(|&s| s));
        let config = t.lookup(b"config").unwrap();
        let get = config.find_sub(b"GET").unwrap();
        assert_eq!(t.fullname(get), "config|get");
        assert_eq!(t.fullname(config), "config");
        static STRAY: Cmd = Cmd::new("stray", 1, 0, |_, _| {});
        assert_eq!(t.index_of(&STRAY), None);
        assert_eq!(t.fullname(&STRAY), "stray");
    }
}
