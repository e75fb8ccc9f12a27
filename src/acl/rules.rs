//! One ACL user and the rule language that edits it (ACL SETUSER, `user`
//! lines, aclfile lines): on/off, passwords, command and category
//! permissions, key and channel patterns. Knows nothing of clients or the
//! server; the command index it checks against is built from the command
//! table once.

use super::sha256;
use crate::cmd::{Cmd, command, meta, table};
use crate::util::glob::glob_match;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every runnable command row (plain commands and subcommands), numbered,
/// with its ACL categories as a bit mask over [`meta::ACL_CATEGORIES`].
pub struct CmdIndex {
    /// Full names ("get", "config|get"), by id.
    pub names: Vec<&'static str>,
    pub cats: Vec<u32>,
    by_row: HashMap<usize, usize, ahash::RandomState>,
    /// "config" names every CONFIG subcommand; "config|get" just one.
    by_name: HashMap<String, Vec<usize>, ahash::RandomState>,
}

impl CmdIndex {
    fn build() -> CmdIndex {
        let mut idx = CmdIndex {
            names: Vec::new(),
            cats: Vec::new(),
            by_row: HashMap::with_hasher(ahash::RandomState::new()),
            by_name: HashMap::with_hasher(ahash::RandomState::new()),
        };
        let mut tops: Vec<&'static Cmd> = table().iter().collect();
        tops.sort_by_key(|c| c.name);
        for top in tops {
            let subs = command::subcommands(top);
            if subs.is_empty() || top.name == "command" {
                idx.add(top, top.name.to_string());
            }
            let mut ids = Vec::new();
            for sub in subs {
                let full = format!("{}|{}", top.name, sub.name);
                ids.push(idx.add(sub, full));
            }
            if !ids.is_empty() {
                idx.by_name
                    .entry(top.name.to_string())
                    .or_default()
                    .extend(ids);
            }
        }
        idx
    }

    fn add(&mut self, row: &'static Cmd, full: String) -> usize {
        let id = self.names.len();
        let cats = command::acl_categories(row, meta::lookup(&full));
        let mask = cats.iter().fold(0u32, |m, c| m | category_bit(c));
        let full: &'static str = Box::leak(full.into_boxed_str());
        self.names.push(full);
        self.cats.push(mask);
        self.by_row.insert(row as *const Cmd as usize, id);
        self.by_name.entry(full.to_string()).or_default().push(id);
        id
    }

    /// The id of a table row, if it is a runnable command.
    pub fn id_of(&self, row: &'static Cmd) -> Option<usize> {
        self.by_row.get(&(row as *const Cmd as usize)).copied()
    }

    fn ids_named(&self, name: &str) -> Option<&[usize]> {
        self.by_name.get(&name.to_ascii_lowercase()).map(|v| &v[..])
    }

    fn words(&self) -> usize {
        self.names.len().div_ceil(64)
    }
}

/// The command index, built on first use.
pub fn index() -> &'static CmdIndex {
    static INDEX: OnceLock<CmdIndex> = OnceLock::new();
    INDEX.get_or_init(CmdIndex::build)
}

/// The bit of a category name (without '@'); 0 when unknown.
pub fn category_bit(name: &str) -> u32 {
    meta::ACL_CATEGORIES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name))
        .map_or(0, |i| 1 << i)
}

/// A key pattern and what it grants (`~p` both, `%R~p` read, `%W~p` write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: Vec<u8>,
    pub read: bool,
    pub write: bool,
}

/// RESTORE payload sanitizing, as set by `sanitize-payload` /
/// `skip-sanitize-payload` (reported by GETUSER; ember does not act on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sanitize {
    Unset,
    Sanitize,
    Skip,
}

/// What a set of rules allows: commands, keys, channels. A user has a root
/// selector and, since Redis 7, any number of extra ones written `(...)`;
/// a command runs when one selector allows all of it.
#[derive(Clone, Debug)]
pub struct Selector {
    /// Bit per command id of [`CmdIndex`].
    allowed: Vec<u64>,
    /// Whether the command rules start from `+@all` (else `-@all`).
    all_base: bool,
    /// The command rules applied since the last `+@all`/`-@all`, in order
    /// (a rule naming a command replaces earlier ones for it, as in 7.2).
    cmd_rules: Vec<String>,
    /// `+select|0`: first arguments (lower-cased) allowed for a command
    /// whose bit is off, by command id.
    first_args: HashMap<usize, Vec<Vec<u8>>, ahash::RandomState>,
    pub allkeys: bool,
    pub keys: Vec<KeyPattern>,
    pub allchannels: bool,
    pub channels: Vec<Vec<u8>>,
}

/// One ACL user.
#[derive(Clone, Debug)]
pub struct User {
    pub name: Vec<u8>,
    pub enabled: bool,
    pub nopass: bool,
    pub sanitize: Sanitize,
    /// SHA-256 hex digests, in the order they were added.
    pub passwords: Vec<String>,
    pub root: Selector,
    pub selectors: Vec<Selector>,
    /// `acl-pubsub-default` as of the last change to the user: the
    /// channels new selectors and `reset` start from.
    pub(crate) allchannels_default: bool,
}

/// Why a rule was refused (the text after "Error in ACL SETUSER modifier").
pub const ERR_SYNTAX: &str = "Syntax error";
const ERR_UNKNOWN: &str = "Unknown command or category name in ACL";
const ERR_HASH: &str = "The password hash must be exactly 64 characters and contain only \
                        lowercase hexadecimal characters";
const ERR_FIRST_ARG_OF_SUB: &str = "Allowing first-arg of a subcommand is not supported";
const ERR_NO_PASSWORD: &str = "The password you are trying to remove from the user does not exist";
const ERR_KEY_AFTER_ALL: &str = "Adding a pattern after the * pattern (or the 'allkeys' flag) is \
                                 not valid and does not have any effect. Try 'resetkeys' to start \
                                 with an empty list of patterns";
const ERR_CHANNEL_AFTER_ALL: &str = "Adding a pattern after the * pattern (or the 'allchannels' \
                                     flag) is not valid and does not have any effect. Try \
                                     'resetchannels' to start with an empty list of channels";

impl User {
    /// A new user as ACL SETUSER creates it: off, no passwords, no
    /// commands, no keys; channels per `acl-pubsub-default`.
    pub fn new(name: &[u8], allchannels: bool) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: Sanitize::Unset,
            passwords: Vec::new(),
            root: Selector::new(allchannels),
            selectors: Vec::new(),
            allchannels_default: allchannels,
        }
    }

    /// The `default` user: on, nopass, every command, key and channel.
    pub fn new_default() -> User {
        let mut u = User::new(b"default", true);
        for rule in ["on", "nopass", "~*", "+@all"] {
            // These rules are valid by construction.
            let _ = u.apply(rule.as_bytes());
        }
        u
    }

    /// Applies one rule; on error the user may be partly changed, so
    /// callers apply rule lists to a copy.
    pub fn apply(&mut self, rule: &[u8]) -> Result<(), &'static str> {
        let lower = rule.to_ascii_lowercase();
        match &lower[..] {
            b"on" => self.enabled = true,
            b"off" => self.enabled = false,
            b"nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            b"resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            b"sanitize-payload" => self.sanitize = Sanitize::Sanitize,
            b"skip-sanitize-payload" => self.sanitize = Sanitize::Skip,
            b"clearselectors" => self.selectors.clear(),
            b"reset" => {
                for r in [
                    "resetpass",
                    "resetkeys",
                    "resetchannels",
                    "off",
                    "-@all",
                    "clearselectors",
                    "sanitize-payload",
                ] {
                    self.apply(r.as_bytes())?;
                }
                if self.allchannels_default {
                    self.apply(b"allchannels")?;
                }
            }
            _ => return self.apply_prefixed(rule),
        }
        Ok(())
    }

    fn apply_prefixed(&mut self, rule: &[u8]) -> Result<(), &'static str> {
        let Some((&first, rest)) = rule.split_first() else {
            return Err(ERR_SYNTAX);
        };
        match first {
            b'>' => {
                let h = sha256::hex_digest(rest);
                if !self.passwords.contains(&h) {
                    self.passwords.push(h);
                }
                self.nopass = false;
            }
            b'#' => {
                let h = valid_hash(rest).ok_or(ERR_HASH)?;
                if !self.passwords.contains(&h) {
                    self.passwords.push(h);
                }
                self.nopass = false;
            }
            b'<' => self.remove_password(&sha256::hex_digest(rest))?,
            b'!' => self.remove_password(&valid_hash(rest).ok_or(ERR_HASH)?)?,
            b'(' if rule.ends_with(b")") && rule.len() >= 2 => {
                let inner = &rule[1..rule.len() - 1];
                let mut sel = Selector::new(self.allchannels_default);
                for r in inner
                    .split(|b| b.is_ascii_whitespace())
                    .filter(|r| !r.is_empty())
                {
                    sel.apply(r)?;
                }
                self.selectors.push(sel);
            }
            _ => self.root.apply(rule)?,
        }
        Ok(())
    }

    fn remove_password(&mut self, hash: &str) -> Result<(), &'static str> {
        let before = self.passwords.len();
        self.passwords.retain(|p| p != hash);
        if self.passwords.len() == before {
            return Err(ERR_NO_PASSWORD);
        }
        Ok(())
    }
}

impl Selector {
    fn new(allchannels: bool) -> Selector {
        Selector {
            allowed: vec![0; index().words()],
            all_base: false,
            cmd_rules: Vec::new(),
            first_args: HashMap::with_hasher(ahash::RandomState::new()),
            allkeys: false,
            keys: Vec::new(),
            allchannels,
            channels: Vec::new(),
        }
    }

    /// Applies a key, channel or command rule.
    fn apply(&mut self, rule: &[u8]) -> Result<(), &'static str> {
        let lower = rule.to_ascii_lowercase();
        match &lower[..] {
            // "allkeys"/"~*" and "allchannels"/"&*" may be repeated: only
            // a narrower pattern after them is an error.
            b"allkeys" | b"~*" => {
                self.allkeys = true;
                self.keys.clear();
                return Ok(());
            }
            b"resetkeys" => {
                self.allkeys = false;
                self.keys.clear();
                return Ok(());
            }
            b"allchannels" | b"&*" => {
                self.allchannels = true;
                self.channels.clear();
                return Ok(());
            }
            b"resetchannels" => {
                self.allchannels = false;
                self.channels.clear();
                return Ok(());
            }
            b"allcommands" => {
                self.set_all_commands(true);
                return Ok(());
            }
            b"nocommands" => {
                self.set_all_commands(false);
                return Ok(());
            }
            _ => {}
        }
        let Some((&first, rest)) = rule.split_first() else {
            return Err(ERR_SYNTAX);
        };
        match first {
            b'~' => self.add_key(rest, true, true),
            b'%' => {
                // Redis reports the allkeys conflict before the flags.
                if self.allkeys {
                    return Err(ERR_KEY_AFTER_ALL);
                }
                let tilde = rest.iter().position(|&b| b == b'~').ok_or(ERR_SYNTAX)?;
                let (mut read, mut write) = (false, false);
                for &f in &rest[..tilde] {
                    match f.to_ascii_uppercase() {
                        b'R' => read = true,
                        b'W' => write = true,
                        _ => return Err(ERR_SYNTAX),
                    }
                }
                if !read && !write {
                    return Err(ERR_SYNTAX);
                }
                self.add_key(&rest[tilde + 1..], read, write)
            }
            b'&' => self.add_channel(rest),
            b'+' | b'-' => self.apply_command_rule(first == b'+', rest),
            _ => Err(ERR_SYNTAX),
        }
    }

    fn add_key(&mut self, pat: &[u8], read: bool, write: bool) -> Result<(), &'static str> {
        if self.allkeys {
            return Err(ERR_KEY_AFTER_ALL);
        }
        if pat == b"*" && read && write {
            self.allkeys = true;
            self.keys.clear();
            return Ok(());
        }
        match self.keys.iter_mut().find(|k| k.pattern == pat) {
            Some(k) => {
                k.read |= read;
                k.write |= write;
            }
            None => self.keys.push(KeyPattern {
                pattern: pat.to_vec(),
                read,
                write,
            }),
        }
        Ok(())
    }

    fn add_channel(&mut self, pat: &[u8]) -> Result<(), &'static str> {
        if self.allchannels {
            return Err(ERR_CHANNEL_AFTER_ALL);
        }
        if !self.channels.iter().any(|c| c == pat) {
            self.channels.push(pat.to_vec());
        }
        Ok(())
    }

    fn set_all_commands(&mut self, on: bool) {
        self.all_base = on;
        self.cmd_rules.clear();
        let fill = if on { u64::MAX } else { 0 };
        self.first_args.clear();
        self.allowed.iter_mut().for_each(|w| *w = fill);
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        // A whole-command rule replaces any first-argument ones.
        self.first_args.remove(&id);
        if let Some(w) = self.allowed.get_mut(id / 64) {
            if on {
                *w |= 1 << (id % 64);
            } else {
                *w &= !(1 << (id % 64));
            }
        }
    }

    fn apply_command_rule(&mut self, allow: bool, what: &[u8]) -> Result<(), &'static str> {
        let what = std::str::from_utf8(what).map_err(|_| ERR_UNKNOWN)?;
        let sign = if allow { '+' } else { '-' };
        if let Some(cat) = what.strip_prefix('@') {
            if cat.eq_ignore_ascii_case("all") {
                self.set_all_commands(allow);
                return Ok(());
            }
            let bit = category_bit(cat);
            if bit == 0 {
                return Err(ERR_UNKNOWN);
            }
            let idx = index();
            for id in 0..idx.names.len() {
                if idx.cats[id] & bit != 0 {
                    self.set_bit(id, allow);
                }
            }
            self.cmd_rules
                .push(format!("{sign}@{}", cat.to_ascii_lowercase()));
            return Ok(());
        }
        let name = what.to_ascii_lowercase();
        match index().ids_named(what) {
            Some(ids) => ids.iter().for_each(|&id| self.set_bit(id, allow)),
            None => self.first_arg_rule(allow, &name)?,
        }
        self.replace_command_rule(format!("{sign}{name}"));
        Ok(())
    }

    /// Records `+name`/`-name` last, dropping earlier rules it overrides:
    /// the same name, and for a whole command its `name|sub` rules too
    /// (`+memory|doctor +memory` describes as `+memory`).
    fn replace_command_rule(&mut self, rule: String) {
        let name = &rule[1..];
        self.cmd_rules.retain(|r| {
            let old = &r[1..];
            old != name && !old.strip_prefix(name).is_some_and(|t| t.starts_with('|'))
        });
        self.cmd_rules.push(rule);
    }

    /// Whether the user may run command `id` of the index.
    /// `+cmd|arg` for a command without subcommands (Redis's first-arg
    /// rules): only allowing is supported, and not below a subcommand.
    fn first_arg_rule(&mut self, allow: bool, what: &str) -> Result<(), &'static str> {
        let (cmd, arg) = what.split_once('|').ok_or(ERR_UNKNOWN)?;
        if let Some((sub, _)) = arg.split_once('|') {
            return match index().ids_named(&format!("{cmd}|{sub}")) {
                Some(_) => Err(ERR_FIRST_ARG_OF_SUB),
                None => Err(ERR_UNKNOWN),
            };
        }
        let idx = index();
        let id = match idx.ids_named(cmd) {
            Some(&[id]) if idx.names[id] == cmd => id,
            _ => return Err(ERR_UNKNOWN),
        };
        if !allow || arg.is_empty() {
            return Err(ERR_UNKNOWN);
        }
        if !self.can_run(id, None) {
            let args = self.first_args.entry(id).or_default();
            if !args.iter().any(|a| a == arg.as_bytes()) {
                args.push(arg.as_bytes().to_vec());
            }
        }
        Ok(())
    }

    /// Whether the selector allows command `id` of the index, given its
    /// first argument (for `+cmd|arg` rules).
    pub fn can_run(&self, id: usize, first_arg: Option<&[u8]>) -> bool {
        let bit = self
            .allowed
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0);
        bit || first_arg.is_some_and(|a| {
            self.first_args
                .get(&id)
                .is_some_and(|args| args.iter().any(|x| x.eq_ignore_ascii_case(a)))
        })
    }

    /// Whether every command, key and channel is allowed (no checks needed).
    pub fn unrestricted(&self) -> bool {
        self.allkeys && self.allchannels && self.allowed.iter().all(|&w| w == u64::MAX)
    }

    /// Whether `key` may be accessed with the given needs.
    pub fn key_ok(&self, key: &[u8], read: bool, write: bool) -> bool {
        self.allkeys
            || self.keys.iter().any(|k| {
                (k.read || !read) && (k.write || !write) && glob_match(&k.pattern, key, false)
            })
    }

    /// Whether a channel (or, for PSUBSCRIBE, a pattern taken literally) is
    /// allowed.
    pub fn channel_ok(&self, channel: &[u8], literal: bool) -> bool {
        self.allchannels
            || self.channels.iter().any(|p| {
                if literal {
                    p == channel
                } else {
                    glob_match(p, channel, false)
                }
            })
    }

    /// The command rules as GETUSER and ACL LIST show them.
    pub fn describe_commands(&self) -> String {
        let mut s = String::from(if self.all_base { "+@all" } else { "-@all" });
        for r in &self.cmd_rules {
            s.push(' ');
            s.push_str(r);
        }
        s
    }

    /// The key patterns ("~*", "%R~a ~b"); empty when none.
    pub fn describe_keys(&self) -> Vec<u8> {
        if self.allkeys {
            return b"~*".to_vec();
        }
        let mut out = Vec::new();
        for k in &self.keys {
            if !out.is_empty() {
                out.push(b' ');
            }
            match (k.read, k.write) {
                (true, false) => out.extend_from_slice(b"%R~"),
                (false, true) => out.extend_from_slice(b"%W~"),
                _ => out.push(b'~'),
            }
            out.extend_from_slice(&k.pattern);
        }
        out
    }

    /// The channel patterns ("&*", "&a &b"); empty when none.
    pub fn describe_channels(&self) -> Vec<u8> {
        if self.allchannels {
            return b"&*".to_vec();
        }
        let mut out = Vec::new();
        for c in &self.channels {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.push(b'&');
            out.extend_from_slice(c);
        }
        out
    }

    /// Keys, channels and commands as ACL LIST shows them:
    /// "~* resetchannels &a -@all +get".
    pub fn describe_rules(&self) -> Vec<u8> {
        let mut out = self.describe_keys();
        let mut word = |w: &[u8]| {
            if !w.is_empty() {
                if !out.is_empty() {
                    out.push(b' ');
                }
                out.extend_from_slice(w);
            }
        };
        if !self.allchannels {
            word(b"resetchannels");
        }
        word(&self.describe_channels());
        word(self.describe_commands().as_bytes());
        out
    }
}

impl User {
    /// Whether `pass` logs this user in (the user must also be on).
    pub fn password_ok(&self, pass: &[u8]) -> bool {
        if self.nopass {
            return true;
        }
        let h = sha256::hex_digest(pass);
        // Compare every stored digest, whatever matches, so timing does not
        // tell which one did.
        self.passwords.iter().fold(false, |ok, p| {
            ok | super::constant_time_eq(p.as_bytes(), h.as_bytes())
        })
    }

    /// GETUSER's flags.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize {
            Sanitize::Unset => {}
            Sanitize::Sanitize => f.push("sanitize-payload"),
            Sanitize::Skip => f.push("skip-sanitize-payload"),
        }
        f
    }

    /// Whether every command, key and channel is allowed (no checks needed).
    pub fn unrestricted(&self) -> bool {
        self.root.unrestricted()
    }

    /// The user as one ACL LIST / aclfile line: "user alice on #... ~* &* +@all".
    pub fn describe(&self) -> Vec<u8> {
        let mut out = b"user ".to_vec();
        out.extend_from_slice(&self.name);
        for f in self.flags() {
            out.push(b' ');
            out.extend_from_slice(f.as_bytes());
        }
        for p in &self.passwords {
            out.extend_from_slice(b" #");
            out.extend_from_slice(p.as_bytes());
        }
        out.push(b' ');
        out.extend_from_slice(&self.root.describe_rules());
        for sel in &self.selectors {
            out.extend_from_slice(b" (");
            out.extend_from_slice(&sel.describe_rules());
            out.push(b')');
        }
        out
    }
}

/// A `#hash` / `!hash` argument: exactly 64 lowercase hex digits.
fn valid_hash(h: &[u8]) -> Option<String> {
    let ok = h.len() == 64 && h.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    ok.then(|| String::from_utf8_lossy(h).into_owned())
}

/// Checks a config `user` line (name and rules) the way Redis does while
/// reading the config; Err is the reason for the FATAL CONFIG FILE ERROR.
pub fn check_user_line<A: AsRef<[u8]>>(args: &[A]) -> Result<(), String> {
    let Some((name, rules)) = args.split_first() else {
        return Err("wrong number of arguments".to_string());
    };
    let name = name.as_ref();
    let mut u = User::new(name, false);
    let rules = merge_selectors(rules).map_err(|e| {
        format!(
            "Error in user declaration '{}': {e}",
            String::from_utf8_lossy(name)
        )
    })?;
    for r in &rules {
        u.apply(r).map_err(|reason| {
            format!(
                "Error in user declaration '{}': {reason}",
                String::from_utf8_lossy(name)
            )
        })?;
    }
    Ok(())
}

/// Joins selector arguments split by the client ("(~a" "+get)") into one
/// rule, as Redis does; Err is the reply text for an unclosed one.
pub fn merge_selectors<A: AsRef<[u8]>>(args: &[A]) -> Result<Vec<Vec<u8>>, String> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut open: Option<Vec<u8>> = None;
    for a in args {
        let a = a.as_ref();
        match open.as_mut() {
            Some(cur) => {
                cur.push(b' ');
                cur.extend_from_slice(a);
                if a.ends_with(b")") {
                    out.extend(open.take());
                }
            }
            None if a.starts_with(b"(") && !a.ends_with(b")") => open = Some(a.to_vec()),
            None => out.push(a.to_vec()),
        }
    }
    match open {
        Some(cur) => Err(format!(
            "Unmatched parenthesis in acl selector starting at '{}'.",
            String::from_utf8_lossy(cur.split(|&b| b == b' ').next().unwrap_or_default())
        )),
        None => Ok(out),
    }
}

/// Whether a user name is acceptable (Redis refuses spaces and NULs).
pub fn valid_username(name: &[u8]) -> bool {
    !name.iter().any(|&b| b == b' ' || b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(rules: &[&str]) -> Result<User, &'static str> {
        let mut u = User::new(b"u", false);
        for r in rules {
            u.apply(r.as_bytes())?;
        }
        Ok(u)
    }

    fn id(name: &str) -> usize {
        index().ids_named(name).unwrap()[0]
    }

    #[test]
    fn new_user_is_off_and_denied_everything() {
        let u = user(&[]).unwrap();
        assert_eq!(u.describe(), b"user u off resetchannels -@all");
        assert!(!u.root.can_run(id("get"), None));
        assert!(!u.root.key_ok(b"k", true, false));
        assert!(!u.root.channel_ok(b"c", false));
    }

    #[test]
    fn default_user_line() {
        assert_eq!(
            User::new_default().describe(),
            b"user default on nopass ~* &* +@all"
        );
        assert!(User::new_default().unrestricted());
    }

    #[test]
    fn passwords() {
        let u = user(&["on", ">p1", ">p1"]).unwrap();
        assert_eq!(
            u.passwords,
            vec!["f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a"]
        );
        assert!(u.password_ok(b"p1"));
        assert!(!u.password_ok(b"p2"));
        let u = user(&[">p1", "<p1"]).unwrap();
        assert!(u.passwords.is_empty());
        assert_eq!(user(&["<nope"]).unwrap_err(), ERR_NO_PASSWORD);
        assert_eq!(user(&["#abc"]).unwrap_err(), ERR_HASH);
        assert_eq!(
            user(&[&format!("#{}", "A".repeat(64))]).unwrap_err(),
            ERR_HASH
        );
        let u = user(&[&format!("#{}", "a".repeat(64)), "nopass"]).unwrap();
        assert!(u.passwords.is_empty() && u.nopass && u.password_ok(b"x"));
        let u = user(&["nopass", ">x", "resetpass"]).unwrap();
        assert!(!u.nopass && !u.password_ok(b"x"));
    }

    #[test]
    fn commands_and_categories() {
        let u = user(&["+@hash", "-hdel", "+get"]).unwrap();
        assert!(
            u.root.can_run(id("hset"), None)
                && !u.root.can_run(id("hdel"), None)
                && u.root.can_run(id("get"), None)
        );
        assert!(!u.root.can_run(id("set"), None));
        assert_eq!(u.root.describe_commands(), "-@all +@hash -hdel +get");
        // A later rule for the same command replaces the earlier one.
        let u = user(&["+get", "-get", "+get"]).unwrap();
        assert_eq!(u.root.describe_commands(), "-@all +get");
        // Containers cover their subcommands; one subcommand alone is fine.
        let u = user(&["+config"]).unwrap();
        assert!(u.root.can_run(id("config|get"), None) && u.root.can_run(id("config|set"), None));
        let u = user(&["+config|get"]).unwrap();
        assert!(u.root.can_run(id("config|get"), None) && !u.root.can_run(id("config|set"), None));
        let u = user(&["+@all", "-@dangerous"]).unwrap();
        assert!(u.root.can_run(id("get"), None) && !u.root.can_run(id("flushall"), None));
        assert_eq!(u.root.describe_commands(), "+@all -@dangerous");
        let u = user(&["allcommands", "-get", "nocommands"]).unwrap();
        assert_eq!(u.root.describe_commands(), "-@all");
        assert_eq!(user(&["+nosuch"]).unwrap_err(), ERR_UNKNOWN);
        assert_eq!(user(&["+@nosuch"]).unwrap_err(), ERR_UNKNOWN);
        assert_eq!(user(&["foo"]).unwrap_err(), ERR_SYNTAX);
    }

    #[test]
    fn keys() {
        let u = user(&["~a*", "%R~r*", "%W~w*", "%RW~b"]).unwrap();
        assert_eq!(u.root.describe_keys(), b"~a* %R~r* %W~w* ~b");
        assert!(u.root.key_ok(b"abc", true, true));
        assert!(u.root.key_ok(b"r1", true, false) && !u.root.key_ok(b"r1", false, true));
        assert!(u.root.key_ok(b"w1", false, true) && !u.root.key_ok(b"w1", true, true));
        assert!(!u.root.key_ok(b"zzz", true, false));
        assert_eq!(user(&["allkeys", "~x"]).unwrap_err(), ERR_KEY_AFTER_ALL);
        assert_eq!(user(&["%X~a"]).unwrap_err(), ERR_SYNTAX);
        assert_eq!(user(&["%~a"]).unwrap_err(), ERR_SYNTAX);
        let u = user(&["~*", "resetkeys", "~x"]).unwrap();
        assert_eq!(u.root.describe_keys(), b"~x");
    }

    #[test]
    fn channels() {
        let u = user(&["&ch*"]).unwrap();
        assert!(u.root.channel_ok(b"ch1", false) && !u.root.channel_ok(b"x", false));
        // PSUBSCRIBE patterns must match a pattern literally.
        assert!(u.root.channel_ok(b"ch*", true) && !u.root.channel_ok(b"ch1*", true));
        assert_eq!(
            user(&["allchannels", "&x"]).unwrap_err(),
            ERR_CHANNEL_AFTER_ALL
        );
        let u = user(&["&a", "&b"]).unwrap();
        assert_eq!(u.describe(), b"user u off resetchannels &a &b -@all");
    }

    #[test]
    fn first_arg_rules() {
        let u = user(&["+select|0"]).unwrap();
        assert!(u.root.can_run(id("select"), Some(b"0")));
        assert!(!u.root.can_run(id("select"), Some(b"1")));
        assert_eq!(u.root.describe_commands(), "-@all +select|0");
        assert_eq!(user(&["-select|0"]).unwrap_err(), ERR_UNKNOWN);
        assert_eq!(user(&["+config|nosuch"]).unwrap_err(), ERR_UNKNOWN);
        assert_eq!(user(&["+config|get|x"]).unwrap_err(), ERR_FIRST_ARG_OF_SUB);
        // A whole-command rule drops the first-arg ones.
        let u = user(&["+select|0", "-select"]).unwrap();
        assert!(!u.root.can_run(id("select"), Some(b"0")));
    }

    #[test]
    fn selectors() {
        let args = ["on", "~a", "+get", "(~b", "+set)", "(%R~c &x +@hash)"];
        let rules = merge_selectors(&args).unwrap();
        assert_eq!(rules[3], b"(~b +set)");
        let mut u = User::new(b"s", false);
        for r in &rules {
            u.apply(r).unwrap();
        }
        assert_eq!(
            u.describe(),
            b"user s on ~a resetchannels -@all +get (~b resetchannels -@all +set) \
              (%R~c resetchannels &x -@all +@hash)"
        );
        assert_eq!(
            merge_selectors(&["(~a", "+get"]).unwrap_err(),
            "Unmatched parenthesis in acl selector starting at '(~a'."
        );
        assert_eq!(user(&["(on)"]).unwrap_err(), ERR_SYNTAX);
        let u = user(&["(~a +get)", "clearselectors"]).unwrap();
        assert!(u.selectors.is_empty());
    }

    #[test]
    fn reset() {
        let u = user(&["on", ">p", "~*", "&*", "+@all", "reset"]).unwrap();
        assert_eq!(
            u.describe(),
            b"user u off sanitize-payload resetchannels -@all"
        );
    }
}
