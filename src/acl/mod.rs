//! ACL state: the users (`default` mirrors `requirepass`), authentication,
//! the permission gate `cmd::call` runs before a command is run or queued,
//! and the ACL LOG. The rule language lives in `rules`; the ACL commands
//! in `cmd::acl`; config start-up (user lines, aclfile) in `load_at_startup`.

pub mod rules;
mod sha256;

use crate::client::Client;
use crate::cmd::{Cmd, command, flags};
use crate::server::Server;
pub use rules::User;
use std::collections::{BTreeMap, VecDeque};

pub const NOPERM_KEY: &str =
    "NOPERM this user has no permissions to access one of the keys used as arguments";
pub const NOPERM_CHANNEL: &str =
    "NOPERM this user has no permissions to access one of the channels used as arguments";

/// The NOPERM error for a command the user may not run.
pub fn noperm_command(fullname: &str) -> String {
    format!("NOPERM this user has no permissions to run the '{fullname}' command")
}

/// ACL LOG entries for the same reason, context, object and user within
/// this many ms are counted in one entry (Redis ACL_LOG_GROUPING_MAX_TIME_DELTA).
const LOG_GROUPING_MS: i64 = 60_000;

/// One ACL LOG entry.
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub count: u64,
    /// "command", "key", "channel" or "auth".
    pub reason: &'static str,
    /// "toplevel" or "multi".
    pub context: &'static str,
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    /// Unix ms of the latest occurrence.
    pub updated_ms: i64,
    /// Unix ms of the first occurrence (Redis 7.2 timestamp-created).
    pub created_ms: i64,
    /// Redis 7.2 entry-id: entries are numbered from 0 in order of creation.
    pub entry_id: u64,
    pub client_info: Vec<u8>,
}

/// Why a command was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Denial {
    Command,
    Key(Vec<u8>),
    Channel(Vec<u8>),
}

/// The server's ACL state.
pub struct Acl {
    /// By name; sorted, as ACL LIST and ACL USERS show them.
    pub users: BTreeMap<Vec<u8>, User>,
    /// Newest first.
    pub log: VecDeque<LogEntry>,
    /// Whether some user is restricted at all; when not, the gate is one
    /// branch.
    pub(crate) restricted: bool,
    /// INFO acl_access_denied_cmd / _key / _channel.
    pub denied_cmd: u64,
    pub denied_key: u64,
    pub denied_channel: u64,
    /// The entry-id the next new ACL LOG entry gets.
    next_log_id: u64,
}

impl Default for Acl {
    fn default() -> Self {
        Acl::new()
    }
}

impl Acl {
    /// Only the `default` user (on, nopass, everything allowed).
    pub fn new() -> Acl {
        let mut users = BTreeMap::new();
        users.insert(b"default".to_vec(), User::new_default());
        Acl {
            users,
            log: VecDeque::new(),
            restricted: false,
            denied_cmd: 0,
            denied_key: 0,
            denied_channel: 0,
            next_log_id: 0,
        }
    }

    /// Re-computes the gate's fast-path flag; call after any user change.
    pub fn users_changed(&mut self) {
        self.restricted = self.users.values().any(|u| !u.unrestricted());
    }

    /// CONFIG RESETSTAT: the denied-access counters restart from zero, like
    /// acl_access_denied_auth (which lives in `Stats`).
    pub fn reset_stats(&mut self) {
        self.denied_cmd = 0;
        self.denied_key = 0;
        self.denied_channel = 0;
    }

    /// Whether a new connection must AUTH first: the default user has a
    /// password or is off (Redis authRequired).
    pub fn auth_required(&self) -> bool {
        self.users
            .get(&b"default"[..])
            .is_none_or(|u| !u.nopass || !u.enabled)
    }

    /// Mirrors `requirepass` into the default user: a password replaces
    /// the default user's passwords, empty/none makes it nopass.
    pub fn set_requirepass(&mut self, pass: Option<&[u8]>) {
        if let Some(u) = self.users.get_mut(&b"default"[..]) {
            match pass {
                Some(p) if !p.is_empty() => {
                    let _ = u.apply(b"resetpass");
                    let mut rule = b">".to_vec();
                    rule.extend_from_slice(p);
                    let _ = u.apply(&rule);
                }
                _ => {
                    let _ = u.apply(b"nopass");
                }
            }
        }
        self.users_changed();
    }

    /// Whether `user`/`pass` log in: the user exists, is on and the
    /// password matches one of its own (or it is nopass).
    pub fn credentials_ok(&self, user: &[u8], pass: &[u8]) -> bool {
        self.users
            .get(user)
            .is_some_and(|u| u.enabled && u.password_ok(pass))
    }

    /// Applies a list of rules to user `name` (created if new) all or
    /// nothing; `allchannels_default` (acl-pubsub-default now) is what a
    /// new user, `reset` and a new selector start with. Err is Redis's
    /// reason text and the failing rule.
    pub fn set_user<A: AsRef<[u8]>>(
        &mut self,
        name: &[u8],
        rules: &[A],
        allchannels_default: bool,
    ) -> Result<(), (&'static str, Vec<u8>)> {
        let mut u = match self.users.get(name) {
            Some(u) => u.clone(),
            None => User::new(name, allchannels_default),
        };
        u.allchannels_default = allchannels_default;
        for r in rules {
            let r = r.as_ref();
            u.apply(r).map_err(|e| (e, r.to_vec()))?;
        }
        self.users.insert(name.to_vec(), u);
        self.users_changed();
        Ok(())
    }

    /// Adds an ACL LOG entry, folding it into a recent identical one.
    pub fn log_event(&mut self, mut e: LogEntry, max_len: usize) {
        let same = self.log.iter().position(|o| {
            o.reason == e.reason
                && o.context == e.context
                && o.object == e.object
                && o.username == e.username
                && e.updated_ms - o.updated_ms < LOG_GROUPING_MS
        });
        if let Some(old) = same.and_then(|i| self.log.remove(i)) {
            e.count = old.count + 1;
            e.created_ms = old.created_ms;
            e.entry_id = old.entry_id;
        } else {
            e.created_ms = e.updated_ms;
            e.entry_id = self.next_log_id;
            self.next_log_id += 1;
        }
        self.log.push_front(e);
        self.log.truncate(max_len);
    }
}

/// `acllog-max-len`.
fn log_max_len(srv: &Server) -> usize {
    srv.config
        .get_int("acllog-max-len")
        .map_or(128, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// Whether new users get all channels (`acl-pubsub-default allchannels`).
pub fn allchannels_default(srv: &Server) -> bool {
    srv.config.value_of("acl-pubsub-default").as_deref() == Some("allchannels")
}

/// Checks a command line against a user's permissions: allowed when the
/// root selector or any `(...)` selector allows all of it. When none does,
/// the reason is Redis's "most relevant" one: channel over key over
/// command, and for equal reasons the later argument.
pub fn check(
    user: &User,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
) -> Result<(), Denial> {
    if cmd.has(flags::NO_AUTH) {
        return Ok(());
    }
    let mut worst: Option<(u8, usize, Denial)> = None;
    for sel in std::iter::once(&user.root).chain(&user.selectors) {
        let (pos, denial) = match check_selector(sel, cmd, parent, argv) {
            Ok(()) => return Ok(()),
            Err(d) => d,
        };
        let rank = match denial {
            Denial::Command => 1,
            Denial::Key(_) => 2,
            Denial::Channel(_) => 4,
        };
        if worst
            .as_ref()
            .is_none_or(|&(r, p, _)| rank > r || (rank == r && pos > p))
        {
            worst = Some((rank, pos, denial));
        }
    }
    Err(worst.map_or(Denial::Command, |(_, _, d)| d))
}

/// One selector's verdict; Err carries the argument position refused.
fn check_selector(
    sel: &rules::Selector,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
) -> Result<(), (usize, Denial)> {
    let first_arg = if parent.is_none() {
        argv.get(1).copied()
    } else {
        None
    };
    if !rules::index()
        .id_of(cmd)
        .is_some_and(|id| sel.can_run(id, first_arg))
    {
        return Err((0, Denial::Command));
    }
    if !sel.allkeys {
        for (pos, kflags) in command::keys_and_flags_of(cmd, parent, argv) {
            let Some(&key) = argv.get(pos) else { continue };
            let mut read = false;
            let mut write = false;
            let mut not_key = false;
            for f in kflags.split_ascii_whitespace() {
                match f {
                    "access" => read = true,
                    "insert" | "delete" | "update" => write = true,
                    "not_key" => not_key = true,
                    _ => {}
                }
            }
            // SPUBLISH/SSUBSCRIBE name shard channels in a not_key spec (for
            // slot routing): they are checked as channels below. A spec
            // that neither accesses nor modifies (EXISTS, HEXISTS, TYPE...)
            // is allowed by any key pattern, %R, %W or both, as in Redis.
            if not_key {
                continue;
            }
            if !sel.key_ok(key, read, write) {
                return Err((pos, Denial::Key(key.to_vec())));
            }
        }
    }
    if !sel.allchannels && parent.is_none() {
        let (first, literal) = match cmd.name {
            "publish" | "spublish" => (1, false),
            "subscribe" | "ssubscribe" => (1, false),
            "psubscribe" => (1, true),
            _ => return Ok(()),
        };
        let last = if matches!(cmd.name, "publish" | "spublish") {
            2.min(argv.len())
        } else {
            argv.len()
        };
        for (pos, ch) in argv.iter().enumerate().take(last).skip(first) {
            if !sel.channel_ok(ch, literal) {
                return Err((pos, Denial::Channel(ch.to_vec())));
            }
        }
    }
    Ok(())
}

/// The gate `cmd::call` runs: None when the client's user may run this
/// command line, else the NOPERM error (logged in the ACL LOG).
#[inline]
pub fn gate(
    srv: &mut Server,
    c: &Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
    now: i64,
) -> Option<String> {
    if !srv.acl.restricted {
        return None;
    }
    gate_restricted(srv, c, cmd, parent, argv, now)
}

/// `gate` once some user has restrictions: out of line, so the common
/// unrestricted case costs one test in `cmd::call`.
#[inline(never)]
fn gate_restricted(
    srv: &mut Server,
    c: &Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
    now: i64,
) -> Option<String> {
    let denial = denial_of(srv, c, cmd, parent, argv)?;
    let context = if c.multi.is_some() {
        "multi"
    } else {
        "toplevel"
    };
    let reason = log_denial(srv, Shown::running(c, cmd, argv), cmd, now, denial, context);
    Some(match reason {
        "command" => noperm_command(crate::cmd::table().fullname(cmd)),
        "key" => NOPERM_KEY.to_string(),
        _ => NOPERM_CHANNEL.to_string(),
    })
}

/// The check `redis.call` runs for a script's command, as its caller's
/// user: None when allowed, else the error text Redis gives scripts (the
/// denial is logged in the ACL LOG with context "lua").
pub fn script_check(
    srv: &mut Server,
    c: &Client,
    caller: &Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
    now: i64,
) -> Option<&'static str> {
    if !srv.acl.restricted {
        return None;
    }
    let denial = denial_of(srv, c, cmd, parent, argv)?;
    // The entry shows the script's caller running its EVAL/FCALL (Redis
    // logs the original client), not the script's internal client.
    let shown = Shown {
        client: caller,
        cmd: caller.last_cmd,
        argv: &[],
    };
    Some(match log_denial(srv, shown, cmd, now, denial, "lua") {
        "command" => "ERR The user executing the script can't run this command or subcommand",
        "key" => {
            "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
        }
        _ => {
            "ERR The user executing the script can't publish to the channel mentioned in the command"
        }
    })
}

/// EXEC's check of each queued command: the rules may have changed since
/// it was queued (Redis re-checks too). None when it may run, else the
/// error to put in EXEC's reply for it.
pub fn exec_recheck(
    srv: &mut Server,
    c: &Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
    now: i64,
) -> Option<String> {
    if !srv.acl.restricted {
        return None;
    }
    let denial = denial_of(srv, c, cmd, parent, argv)?;
    let shown = Shown::running(c, cmd, argv);
    let why = match log_denial(srv, shown, cmd, now, denial, "multi") {
        "command" => "no permission to execute the command or subcommand",
        "key" => "no permission to touch the specified keys",
        _ => "no permission to access one of the channels used as arguments",
    };
    Some(format!(
        "NOPERM ACLs rules changed between the moment the transaction was accumulated and the \
         EXEC call. This command is no longer allowed for the following reason: {why}"
    ))
}

/// Why the client's user may not run this command line, if it may not.
/// Whether client `c`'s user may run the command line (redis.acl_check_cmd:
/// a question, so nothing is logged).
pub fn allows(
    srv: &Server,
    c: &Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
) -> bool {
    !srv.acl.restricted || denial_of(srv, c, cmd, parent, argv).is_none()
}

fn denial_of(
    srv: &Server,
    c: &Client,
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
) -> Option<Denial> {
    // A client whose user was deleted is being closed: refuse everything.
    match srv.acl.users.get(&c.user) {
        // Unrestricted users (the usual default) skip the key-spec walk.
        Some(u) if u.unrestricted() => None,
        Some(u) => check(u, cmd, parent, argv).err(),
        None => Some(Denial::Command),
    }
}

/// Counts a denial and adds its ACL LOG entry; returns the log reason.
/// The client an ACL LOG entry describes, with the command line it was
/// running: the denied command's own client, or for a script the client
/// that called the script (as Redis shows it).
struct Shown<'a> {
    client: &'a Client,
    cmd: &'a str,
    argv: &'a [&'a [u8]],
}

impl<'a> Shown<'a> {
    /// The client running the denied command itself.
    fn running(client: &'a Client, cmd: &'static Cmd, argv: &'a [&'a [u8]]) -> Self {
        Shown {
            client,
            cmd: crate::cmd::table().fullname(cmd),
            argv,
        }
    }
}

fn log_denial(
    srv: &mut Server,
    shown: Shown,
    cmd: &'static Cmd,
    now: i64,
    denial: Denial,
    context: &'static str,
) -> &'static str {
    let fullname = crate::cmd::table().fullname(cmd);
    let (reason, object) = match denial {
        Denial::Command => {
            srv.acl.denied_cmd += 1;
            ("command", fullname.as_bytes().to_vec())
        }
        Denial::Key(k) => {
            srv.acl.denied_key += 1;
            ("key", k)
        }
        Denial::Channel(ch) => {
            srv.acl.denied_channel += 1;
            ("channel", ch)
        }
    };
    let entry = LogEntry {
        count: 1,
        reason,
        context,
        object,
        username: shown.client.user.clone(),
        updated_ms: now,
        created_ms: now,
        entry_id: 0,
        client_info: crate::cmd::connection::client_info_line(
            shown.client,
            now,
            shown.cmd,
            shown.argv,
        ),
    };
    let max = log_max_len(srv);
    srv.acl.log_event(entry, max);
    reason
}

/// Whether the client's user may read every key (Redis checks the key "*"
/// against its patterns): SORT's BY and GET patterns require it.
pub fn full_key_access(srv: &Server, c: &Client) -> bool {
    !srv.acl.restricted
        || srv.acl.users.get(&c.user).is_some_and(|u| {
            std::iter::once(&u.root)
                .chain(&u.selectors)
                .any(|s| s.key_ok(b"*", true, false))
        })
}

/// Records a failed AUTH / HELLO AUTH (INFO acl_access_denied_auth and an
/// ACL LOG "auth" entry).
pub fn log_auth_failure(srv: &mut Server, c: &Client, user: &[u8], argv: &[&[u8]], now: i64) {
    srv.stats.acl_access_denied_auth += 1;
    let fullname = c.last_cmd;
    let entry = LogEntry {
        count: 1,
        reason: "auth",
        context: if c.multi.is_some() {
            "multi"
        } else {
            "toplevel"
        },
        object: b"AUTH".to_vec(),
        username: user.to_vec(),
        updated_ms: now,
        created_ms: now,
        entry_id: 0,
        client_info: crate::cmd::connection::client_info_line(c, now, fullname, argv),
    };
    let max = log_max_len(srv);
    srv.acl.log_event(entry, max);
}

/// Closes every connection logged in as `user` (ACL DELUSER, ACL LOAD).
/// The calling client, if it is one of them, is closed after its reply.
pub fn disconnect_user(srv: &mut Server, caller: &mut Client, user: &[u8]) {
    if caller.user == user {
        caller.close_after_reply = true;
    }
    let mut tokens = Vec::new();
    for c in srv.other_clients_mut() {
        if c.user == user {
            c.close_asap = true;
            tokens.push(c.token);
        }
    }
    srv.to_close.extend(tokens);
}

/// Builds users from aclfile text (`user <name> <rule> ...` per line,
/// blank lines skipped). Err is Redis's complete report: every bad line,
/// then the "no change" warning. A missing `default` user is created as
/// the built-in one. With `reset_default` (config `user` lines) a `default`
/// line starts from `reset`, as Redis does, which adds sanitize-payload.
pub fn parse_users(
    text: &[u8],
    file: &str,
    allchannels: bool,
    reset_default: bool,
) -> Result<BTreeMap<Vec<u8>, User>, String> {
    let mut users: BTreeMap<Vec<u8>, User> = BTreeMap::new();
    let mut errors = String::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let lineno = i + 1;
        let words: Vec<&[u8]> = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        let (name, rules) = match words.as_slice() {
            [] => continue,
            [kw, name, rules @ ..] if kw == b"user" && rules::valid_username(name) => {
                (*name, rules)
            }
            _ => {
                errors.push_str(&format!(
                    "{file}:{lineno} should start with user keyword followed by the username. "
                ));
                continue;
            }
        };
        if users.contains_key(name) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {lineno}. ",
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        let rules = match rules::merge_selectors(rules) {
            Ok(r) => r,
            Err(e) => {
                errors.push_str(&format!("{file}:{lineno}: {e} "));
                continue;
            }
        };
        let mut u = User::new(name, allchannels);
        if reset_default && name == b"default" {
            let _ = u.apply(b"reset");
        }
        match rules.iter().try_for_each(|r| u.apply(r)) {
            Ok(()) => {
                users.insert(name.to_vec(), u);
            }
            Err(reason) => errors.push_str(&format!("{file}:{lineno}: {reason}. ")),
        }
    }
    if !errors.is_empty() {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        return Err(errors);
    }
    users
        .entry(b"default".to_vec())
        .or_insert_with(User::new_default);
    Ok(users)
}

/// Reads and parses an aclfile.
pub fn load_file(path: &str, allchannels: bool) -> Result<BTreeMap<Vec<u8>, User>, String> {
    let text = std::fs::read(path).map_err(|e| {
        let e = crate::config::parse::strerror(&e);
        format!("Error loading ACLs, opening file '{path}': {e}")
    })?;
    parse_users(&text, path, allchannels, false)
}

/// Writes every user to `path` as aclfile lines (temp file, then rename,
/// so a crash leaves the old file whole).
pub fn save_file(acl: &Acl, path: &str) -> std::io::Result<()> {
    let mut out = Vec::new();
    for u in acl.users.values() {
        out.extend_from_slice(&u.describe());
        out.push(b'\n');
    }
    let tmp = format!("{path}.tmp-{}", std::process::id());
    std::fs::write(&tmp, &out)?;
    std::fs::rename(&tmp, path)
}

/// Start-up: `requirepass`, then `user` lines from the config, or the
/// aclfile (Redis refuses both at once). Err is the message to print
/// before exiting.
pub fn load_at_startup(srv: &mut Server) -> Result<(), String> {
    let all = allchannels_default(srv);
    let file = srv.config.value_of("aclfile").filter(|f| !f.is_empty());
    let lines = &srv.config.users;
    if file.is_some() && !lines.is_empty() {
        return Err(
            "Configuring Redis with users defined in redis.conf and at the same \
                    setting an ACL file path is invalid. This setup is very likely to \
                    lead to configuration errors and security holes, please define either an \
                    ACL file or declare users directly in your redis.conf, but not both."
                .to_string(),
        );
    }
    let mut text = Vec::new();
    for words in lines {
        text.extend_from_slice(b"user");
        for w in words {
            text.push(b' ');
            text.extend_from_slice(w.as_bytes());
        }
        text.push(b'\n');
    }
    let users = match &file {
        Some(path) => load_file(path, all),
        None if lines.is_empty() => return Ok(()),
        None => {
            // Config `user` lines keep the default user as requirepass made
            // it unless a line redefines it.
            parse_users(&text, "redis.conf", all, true).map(|mut users| {
                let redefined = lines
                    .iter()
                    .any(|w| w.first().is_some_and(|n| n == "default"));
                if let Some(d) = srv.acl.users.get(&b"default"[..])
                    && !redefined
                {
                    users.insert(b"default".to_vec(), d.clone());
                }
                users
            })
        }
    }
    .map_err(|e| format!("Aborting Redis startup because of ACL errors: {e}"))?;
    srv.acl.users = users;
    srv.acl.users_changed();
    Ok(())
}

/// The `user` lines CONFIG REWRITE writes (name and rules, without the
/// `user` keyword): every user, or none when an aclfile holds them.
pub fn config_user_lines(srv: &Server) -> Vec<Vec<String>> {
    if srv
        .config
        .value_of("aclfile")
        .is_some_and(|f| !f.is_empty())
    {
        return Vec::new();
    }
    srv.acl
        .users
        .values()
        .map(|u| {
            String::from_utf8_lossy(&u.describe())
                .split(' ')
                .skip(1)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// After user `name`'s rules changed: closes its connections subscribed to
/// a channel or pattern it may no longer use (Redis 7's
/// ACLKillPubsubClientsIfNeeded). The caller, if one of them, is closed
/// after its reply.
pub fn kill_pubsub_clients_if_needed(srv: &mut Server, caller: &mut Client, name: &[u8]) {
    let Some(u) = srv.acl.users.get(name) else {
        return;
    };
    let allowed = |ch: &[u8], literal: bool| {
        std::iter::once(&u.root)
            .chain(&u.selectors)
            .any(|s| s.channel_ok(ch, literal))
    };
    let doomed = |c: &Client| {
        c.user == name
            && (c.subs.iter().any(|ch| !allowed(ch, false))
                || c.ssubs.iter().any(|ch| !allowed(ch, false))
                || c.psubs.iter().any(|p| !allowed(p, true)))
    };
    if doomed(caller) {
        caller.close_after_reply = true;
    }
    let tokens: Vec<usize> = srv
        .other_clients()
        .filter(|c| !c.close_asap && doomed(c))
        .map(|c| c.token)
        .collect();
    for &t in &tokens {
        if let Some(Some(c)) = srv.clients.get_mut(t) {
            c.close_asap = true;
        }
    }
    srv.to_close.extend(tokens);
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, &x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(0);
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(object: &str, ms: i64) -> LogEntry {
        LogEntry {
            count: 1,
            reason: "key",
            context: "toplevel",
            object: object.as_bytes().to_vec(),
            username: b"u".to_vec(),
            updated_ms: ms,
            created_ms: ms,
            entry_id: 0,
            client_info: Vec::new(),
        }
    }

    #[test]
    fn log_groups_and_caps() {
        let mut acl = Acl::new();
        acl.log_event(entry("a", 0), 2);
        acl.log_event(entry("b", 10), 2);
        acl.log_event(entry("a", 20), 2);
        assert_eq!(acl.log.len(), 2);
        assert_eq!(
            (acl.log[0].object.as_slice(), acl.log[0].count),
            (&b"a"[..], 2)
        );
        // Past the grouping window a new entry starts.
        acl.log_event(entry("a", 20 + LOG_GROUPING_MS), 2);
        assert_eq!(acl.log[0].count, 1);
        assert_eq!(acl.log[1].count, 2);
        acl.log_event(entry("c", 0), 0);
        assert!(acl.log.is_empty());
    }

    #[test]
    fn requirepass_mirrors_into_default() {
        let mut acl = Acl::new();
        assert!(!acl.auth_required());
        acl.set_requirepass(Some(b"pw"));
        assert!(acl.auth_required());
        assert!(acl.credentials_ok(b"default", b"pw"));
        assert!(!acl.credentials_ok(b"default", b"x"));
        acl.set_requirepass(None);
        assert!(!acl.auth_required());
        assert!(acl.credentials_ok(b"default", b"anything"));
    }

    #[test]
    fn set_user_is_all_or_nothing() {
        let mut acl = Acl::new();
        assert_eq!(
            acl.set_user(b"u", &["on", "bogus"], false).unwrap_err(),
            (rules::ERR_SYNTAX, b"bogus".to_vec())
        );
        assert!(!acl.users.contains_key(&b"u"[..]));
        acl.set_user(b"u", &["on", ">p", "+get", "~k*"], false)
            .unwrap();
        assert!(acl.restricted);
        assert!(acl.credentials_ok(b"u", b"p"));
        acl.set_user(b"u", &["off"], false).unwrap();
        assert!(!acl.credentials_ok(b"u", b"p"));
    }
}
