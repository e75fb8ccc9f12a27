//! COMMAND and its subcommands: COUNT, INFO, DOCS, LIST, GETKEYS,
//! GETKEYSANDFLAGS, HELP. Everything is derived from the command table (name,
//! arity, flags, key positions, subcommands) plus the metadata in `meta.rs`;
//! a row without metadata still gets a valid entry.
//!
//! Bare `COMMAND` is valid (it lists every command), which dispatch's
//! container rule (arity -2) does not allow, so COMMAND is a plain row that
//! dispatches its own subcommands from [`SUBS`]; [`subcommands`] makes them
//! visible to INFO, DOCS, LIST and GETKEYS like any container's.

use super::meta::{self, ArgKind, Begin, Find, KeySpec, Meta};
use super::{Cmd, Ctx, flags::*, table};
use crate::error;
use crate::resp::ReplyBuf;
use crate::util::glob::glob_match;
use crate::util::num::parse_i64;
use std::borrow::Cow;
use std::sync::OnceLock;

pub static COMMANDS: &[Cmd] = &[Cmd::new("command", -1, LOADING | STALE, command)];

/// COMMAND's subcommand rows (arity counts both words, as for containers).
pub static SUBS: &[Cmd] = &[
    Cmd::new("count", 2, LOADING | STALE, count),
    Cmd::new("docs", -2, LOADING | STALE, docs),
    Cmd::new("getkeys", -4, LOADING | STALE, getkeys),
    Cmd::new("getkeysandflags", -4, LOADING | STALE, getkeysandflags),
    Cmd::new("help", 2, LOADING | STALE, help),
    Cmd::new("info", -2, LOADING | STALE, info),
    Cmd::new("list", -2, LOADING | STALE, list),
];

/// The subcommand rows of `cmd` (COMMAND's own included).
pub fn subcommands(cmd: &'static Cmd) -> &'static [Cmd] {
    if cmd.subs.is_empty() && COMMANDS.first().is_some_and(|c| std::ptr::eq(c, cmd)) {
        SUBS
    } else {
        cmd.subs
    }
}

/// A command row in context: its container (for subcommands), full name and
/// metadata.
#[derive(Clone, Copy)]
struct Entry {
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
}

impl Entry {
    fn top(cmd: &'static Cmd) -> Entry {
        Entry { cmd, parent: None }
    }

    fn fullname(&self) -> Cow<'static, str> {
        match self.parent {
            Some(p) => Cow::Owned(format!("{}|{}", p.name, self.cmd.name)),
            None => Cow::Borrowed(self.cmd.name),
        }
    }

    fn meta(&self) -> Option<&'static Meta> {
        meta::lookup(&self.fullname())
    }

    fn subs(&self) -> impl Iterator<Item = Entry> + use<> {
        let parent = self.cmd;
        let subs = if self.parent.is_some() {
            &[][..]
        } else {
            subcommands(parent)
        };
        subs.iter().map(move |cmd| Entry {
            cmd,
            parent: Some(parent),
        })
    }
}

/// Every top-level row, sorted by name (Redis's order is its hash table's;
/// a sorted one is as valid and stable).
fn all_sorted() -> &'static [&'static Cmd] {
    static ALL: OnceLock<Vec<&'static Cmd>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Cmd> = table().iter().collect();
        v.sort_by_key(|c| c.name);
        v
    })
}

/// Looks a command up by full name ("get", "CONFIG|GET"), case-insensitively.
fn lookup_fullname(name: &[u8]) -> Option<Entry> {
    let mut parts = name.splitn(2, |&b| b == b'|');
    let base = table().lookup(parts.next()?)?;
    match parts.next() {
        None => Some(Entry::top(base)),
        Some(sub) => {
            let sub = find_sub(base, sub)?;
            Some(Entry {
                cmd: sub,
                parent: Some(base),
            })
        }
    }
}

fn find_sub(base: &'static Cmd, name: &[u8]) -> Option<&'static Cmd> {
    subcommands(base)
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
}

// ---------------------------------------------------------------------------
// Derived properties.
// ---------------------------------------------------------------------------

/// Flags COMMAND INFO shows, in its order. may_replicate, sentinel and
/// touches_arbitrary_keys are hidden, as Redis hides them; 0 stands for the
/// derived `movablekeys`.
const SHOWN_FLAGS: &[(u32, &str)] = &[
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
    (NO_MANDATORY_KEYS, "no_mandatory_keys"),
    (NO_ASYNC_LOADING, "no_async_loading"),
    (NO_MULTI, "no_multi"),
    (0, "movablekeys"),
    (ALLOW_BUSY, "allow_busy"),
];

/// The key specs of a command: its metadata's, or one derived from the row's
/// legacy (first, last, step) positions, without flags.
fn key_specs(cmd: &Cmd, meta: Option<&'static Meta>) -> Cow<'static, [KeySpec]> {
    if let Some(m) = meta.filter(|m| !m.key_specs.is_empty()) {
        return Cow::Borrowed(m.key_specs);
    }
    if cmd.first_key <= 0 {
        return Cow::Borrowed(&[]);
    }
    let lastkey = if cmd.last_key < 0 {
        cmd.last_key
    } else {
        cmd.last_key - cmd.first_key
    };
    Cow::Owned(vec![meta::ks(
        "",
        cmd.first_key,
        lastkey,
        cmd.key_step.max(1),
    )])
}

/// Keys whose position cannot be described by (first, last, step).
fn movable_keys(specs: &[KeySpec]) -> bool {
    specs
        .iter()
        .any(|s| !matches!((s.begin, s.find), (Begin::Index(_), Find::Range { .. })))
}

fn shown_flags(cmd: &Cmd, specs: &[KeySpec]) -> Vec<&'static str> {
    let movable = movable_keys(specs);
    SHOWN_FLAGS
        .iter()
        .filter(|&&(f, _)| if f == 0 { movable } else { cmd.has(f) })
        .map(|&(_, name)| name)
        .collect()
}

/// ACL categories: implied by the flags (as Redis does) plus the metadata's,
/// in Redis's order, without '@'.
pub fn acl_categories(cmd: &Cmd, meta: Option<&Meta>) -> Vec<&'static str> {
    let bit = |name: &str| {
        meta::ACL_CATEGORIES
            .iter()
            .position(|c| *c == name)
            .map_or(0u64, |i| 1 << i)
    };
    let mut on = 0u64;
    let extra = meta.map(|m| m.acl_list()).into_iter().flatten();
    for c in extra {
        on |= bit(c);
    }
    let implied: [(u32, &[&str]); 5] = [
        (WRITE, &["write"]),
        (ADMIN, &["admin", "dangerous"]),
        (PUBSUB, &["pubsub"]),
        (FAST, &["fast"]),
        (BLOCKING, &["blocking"]),
    ];
    for (flag, cats) in implied {
        if cmd.has(flag) {
            cats.iter().for_each(|c| on |= bit(c));
        }
    }
    // Scripting commands are not in @read even when read-only.
    if cmd.has(READONLY) && on & bit("scripting") == 0 {
        on |= bit("read");
    }
    if on & bit("fast") == 0 {
        on |= bit("slow");
    }
    meta::ACL_CATEGORIES
        .iter()
        .enumerate()
        .filter(|&(i, _)| on & (1 << i) != 0)
        .map(|(_, c)| *c)
        .collect()
}

// ---------------------------------------------------------------------------
// COMMAND INFO entries.
// ---------------------------------------------------------------------------

fn reply_info(r: &mut ReplyBuf, e: Entry) {
    let meta = e.meta();
    let specs = key_specs(e.cmd, meta);
    r.array(10);
    r.bulk_str(&e.fullname());
    r.int(e.cmd.arity as i64);
    let flags = shown_flags(e.cmd, &specs);
    r.set(flags.len());
    for f in flags {
        r.simple(f);
    }
    r.int(e.cmd.first_key as i64);
    r.int(e.cmd.last_key as i64);
    r.int(e.cmd.key_step as i64);
    let cats = acl_categories(e.cmd, meta);
    r.set(cats.len());
    for c in cats {
        r.simple_bytes(&[b"@", c.as_bytes()].concat());
    }
    let tips: Vec<&str> = meta.map(|m| m.tip_list().collect()).unwrap_or_default();
    r.set(tips.len());
    for t in tips {
        r.bulk_str(t);
    }
    r.set(specs.len());
    for s in specs.iter() {
        reply_key_spec(r, s);
    }
    let subs: Vec<Entry> = e.subs().collect();
    if subs.is_empty() {
        r.set(0);
    } else {
        r.array(subs.len());
        for s in subs {
            reply_info(r, s);
        }
    }
}

fn reply_key_spec(r: &mut ReplyBuf, s: &KeySpec) {
    r.map(if s.notes.is_empty() { 3 } else { 4 });
    if !s.notes.is_empty() {
        r.bulk_str("notes");
        r.bulk_str(s.notes);
    }
    r.bulk_str("flags");
    let flags: Vec<&str> = s.flag_list().collect();
    r.set(flags.len());
    for f in flags {
        r.simple(f);
    }
    r.bulk_str("begin_search");
    r.map(2);
    r.bulk_str("type");
    match s.begin {
        Begin::Index(i) => {
            r.bulk_str("index");
            r.bulk_str("spec");
            r.map(1);
            r.bulk_str("index");
            r.int(i as i64);
        }
        Begin::Keyword { keyword, startfrom } => {
            r.bulk_str("keyword");
            r.bulk_str("spec");
            r.map(2);
            r.bulk_str("keyword");
            r.bulk_str(keyword);
            r.bulk_str("startfrom");
            r.int(startfrom as i64);
        }
        Begin::Unknown => {
            r.bulk_str("unknown");
            r.bulk_str("spec");
            r.map(0);
        }
    }
    r.bulk_str("find_keys");
    r.map(2);
    r.bulk_str("type");
    match s.find {
        Find::Range {
            lastkey,
            keystep,
            limit,
        } => {
            r.bulk_str("range");
            r.bulk_str("spec");
            r.map(3);
            r.bulk_str("lastkey");
            r.int(lastkey as i64);
            r.bulk_str("keystep");
            r.int(keystep as i64);
            r.bulk_str("limit");
            r.int(limit as i64);
        }
        Find::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            r.bulk_str("keynum");
            r.bulk_str("spec");
            r.map(3);
            r.bulk_str("keynumidx");
            r.int(keynumidx as i64);
            r.bulk_str("firstkey");
            r.int(firstkey as i64);
            r.bulk_str("keystep");
            r.int(keystep as i64);
        }
        Find::Unknown => {
            r.bulk_str("unknown");
            r.bulk_str("spec");
            r.map(0);
        }
    }
}

// ---------------------------------------------------------------------------
// COMMAND DOCS entries.
// ---------------------------------------------------------------------------

fn reply_docs(r: &mut ReplyBuf, e: Entry) {
    let meta = e.meta();
    let full = e.fullname();
    let args = meta::args_of(&full);
    let subs: Vec<Entry> = e.subs().collect();
    let text = |f: fn(&Meta) -> &'static str| meta.map(f).filter(|s| !s.is_empty());
    let summary = text(|m| m.summary);
    let since = text(|m| m.since);
    let complexity = text(|m| m.complexity);
    let deprecated_since = text(|m| m.deprecated_since);
    let replaced_by = text(|m| m.replaced_by);
    let doc_flags = meta.map_or(0, |m| m.doc_flags);
    let history = meta.map_or(&[][..], |m| m.history);
    // Redis always sends a group; a row without metadata (which the
    // every_row_has_metadata test reports) gets "generic".
    let group = meta.map_or("generic", |m| m.group);

    let n = 1
        + [summary, since, complexity, deprecated_since, replaced_by]
            .iter()
            .filter(|s| s.is_some())
            .count()
        + usize::from(doc_flags != 0)
        + usize::from(!history.is_empty())
        + usize::from(!args.is_empty())
        + usize::from(!subs.is_empty());
    r.map(n);
    let field = |r: &mut ReplyBuf, k: &str, v: Option<&str>| {
        if let Some(v) = v {
            r.bulk_str(k);
            r.bulk_str(v);
        }
    };
    field(r, "summary", summary);
    field(r, "since", since);
    field(r, "group", Some(group));
    field(r, "complexity", complexity);
    if doc_flags != 0 {
        r.bulk_str("doc_flags");
        let flags: Vec<&str> = [
            (meta::DOC_DEPRECATED, "deprecated"),
            (meta::DOC_SYSCMD, "syscmd"),
        ]
        .into_iter()
        .filter(|&(f, _)| doc_flags & f != 0)
        .map(|(_, n)| n)
        .collect();
        r.set(flags.len());
        for f in flags {
            r.simple(f);
        }
    }
    field(r, "deprecated_since", deprecated_since);
    field(r, "replaced_by", replaced_by);
    if !history.is_empty() {
        r.bulk_str("history");
        r.set(history.len());
        for (version, what) in history {
            r.array(2);
            r.bulk_str(version);
            r.bulk_str(what);
        }
    }
    if !args.is_empty() {
        r.bulk_str("arguments");
        reply_args(r, args);
    }
    if !subs.is_empty() {
        r.bulk_str("subcommands");
        r.map(subs.len());
        for s in subs {
            r.bulk_str(&s.fullname());
            reply_docs(r, s);
        }
    }
}

fn reply_args(r: &mut ReplyBuf, args: &[meta::Arg]) {
    r.array(args.len());
    for a in args {
        let is_key = a.key_spec;
        let nested = matches!(a.kind, ArgKind::Oneof | ArgKind::Block);
        let flags: Vec<&str> = [
            (a.optional, "optional"),
            (a.multiple, "multiple"),
            (a.multiple_token, "multiple_token"),
        ]
        .into_iter()
        .filter(|&(on, _)| on)
        .map(|(_, n)| n)
        .collect();
        let n = 2
            + usize::from(is_key)
            + usize::from(a.token.is_some())
            + usize::from(a.since.is_some())
            + usize::from(a.deprecated_since.is_some())
            + usize::from(!flags.is_empty())
            + usize::from(nested);
        r.map(n);
        r.bulk_str("name");
        r.bulk_str(&a.name);
        r.bulk_str("type");
        r.bulk_str(a.kind.name());
        if is_key {
            r.bulk_str("key_spec_index");
            r.int(a.key_spec_index as i64);
        }
        for (k, v) in [
            ("token", &a.token),
            ("since", &a.since),
            ("deprecated_since", &a.deprecated_since),
        ] {
            if let Some(v) = v {
                r.bulk_str(k);
                r.bulk_str(v);
            }
        }
        if !flags.is_empty() {
            r.bulk_str("flags");
            r.set(flags.len());
            for f in flags {
                r.simple(f);
            }
        }
        if nested {
            r.bulk_str("arguments");
            reply_args(r, &a.args);
        }
    }
}

// ---------------------------------------------------------------------------
// Key extraction (GETKEYS).
// ---------------------------------------------------------------------------

/// A key found in a command line: its argument index and access flags.
struct FoundKey {
    pos: usize,
    flags: &'static str,
}

/// Walks the key specs over `argv` (argv[0] is the command name) the way
/// Redis does. None when a spec does not fit the arguments.
fn find_keys(specs: &[KeySpec], meta: Option<&Meta>, argv: &[&[u8]]) -> Option<Vec<FoundKey>> {
    let argc = argv.len() as i64;
    let mut out = Vec::new();
    for spec in specs {
        let mut first = match spec.begin {
            Begin::Index(i) => i as i64,
            Begin::Keyword { keyword, startfrom } => {
                let (start, end) = if startfrom > 0 {
                    (startfrom as i64, argc - 1)
                } else {
                    (argc + startfrom as i64, 0)
                };
                let mut found = None;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if argv[i as usize].eq_ignore_ascii_case(keyword.as_bytes()) {
                        found = Some(i + 1);
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                match found {
                    Some(f) => f,
                    None => continue,
                }
            }
            Begin::Unknown => continue,
        };
        let (last, step) = match spec.find {
            Find::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let (lastkey, limit) = (lastkey as i64, limit as i64);
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit <= 1 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (last, keystep as i64)
            }
            Find::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let idx = first + keynumidx as i64;
                let n = usize::try_from(idx)
                    .ok()
                    .and_then(|i| argv.get(i))
                    .and_then(|a| parse_i64(a))
                    .filter(|&n| n >= 0)?;
                first += firstkey as i64;
                (first.saturating_add(n) - 1, keystep as i64)
            }
            Find::Unknown => continue,
        };
        if last >= argc || last < first || first >= argc || step <= 0 {
            return None;
        }
        let flags = if spec.flag_list().any(|f| f == "variable_flags") {
            meta.and_then(|m| m.var_flags)
                .map_or(spec.flags, |f| f(argv))
        } else {
            spec.flags
        };
        let mut i = first;
        while i <= last {
            out.push(FoundKey {
                pos: i as usize,
                flags,
            });
            i += step;
        }
        // A spec that may miss keys makes the whole answer unreliable:
        // the caller falls back to the command's own key finder (Redis's
        // getKeysUsingKeySpecs gives up the same way).
        if spec.flag_list().any(|f| f == "incomplete") {
            return None;
        }
    }
    Some(out)
}

/// The keys of a command line: by its key specs, or by the command's own
/// key finder (`Meta::getkeys`) when the specs cannot tell.
fn find_keys_or_walk(
    specs: &[KeySpec],
    meta: Option<&Meta>,
    argv: &[&[u8]],
) -> Option<Vec<FoundKey>> {
    find_keys(specs, meta, argv).or_else(|| {
        let walk = meta?.getkeys?;
        Some(
            walk(argv)
                .into_iter()
                .map(|(pos, flags)| FoundKey { pos, flags })
                .collect(),
        )
    })
}

/// SORT's STORE destination, whose position no key spec can describe:
/// Redis's sortGetKeys walks the options, skipping LIMIT's two arguments and
/// BY's and GET's one, and the last STORE wins.
fn sort_store_key(argv: &[&[u8]]) -> Option<FoundKey> {
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        if a.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    store.map(|pos| FoundKey {
        pos,
        flags: "OW update",
    })
}

/// Shared by GETKEYS and GETKEYSANDFLAGS: finds the command in argv[2..] and
/// its keys, replying with the error Redis gives when there are none.
/// The key arguments of a command line, found the way COMMAND GETKEYS
/// finds them (key specs, so movable keys too). For CLIENT TRACKING.
pub fn keys_of<'a>(
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&'a [u8]],
) -> Vec<&'a [u8]> {
    keys_and_flags_of(cmd, parent, argv)
        .into_iter()
        .filter_map(|(pos, _)| argv.get(pos).copied())
        .collect()
}

/// Like [`keys_of`], with each key's argument index and key-spec flags
/// ("RW access update"). For the ACL key gate.
pub fn keys_and_flags_of(
    cmd: &'static Cmd,
    parent: Option<&'static Cmd>,
    argv: &[&[u8]],
) -> Vec<(usize, &'static str)> {
    let e = Entry { cmd, parent };
    let meta = e.meta();
    let specs = key_specs(cmd, meta);
    command_keys(e, &specs, meta, argv)
        .into_iter()
        .map(|k| (k.pos, k.flags))
        .collect()
}

/// Every key of a command line: its key specs' (or its own finder's),
/// plus SORT's STORE destination. One answer for GETKEYS, the ACL key gate
/// and CLIENT TRACKING, as Redis's getKeysFromCommand is.
fn command_keys(e: Entry, specs: &[KeySpec], meta: Option<&Meta>, argv: &[&[u8]]) -> Vec<FoundKey> {
    let mut keys = find_keys_or_walk(specs, meta, argv).unwrap_or_default();
    if e.parent.is_none() && e.cmd.name == "sort" {
        keys.extend(sort_store_key(argv));
    }
    keys
}

fn getkeys_generic(ctx: &mut Ctx, argv: &[&[u8]], with_flags: bool) {
    // Dispatch checked the arity (-4): there is a command name at argv[2].
    let target = argv.get(2..).unwrap_or_default();
    let entry = target
        .first()
        .and_then(|&name| table().lookup(name))
        .and_then(|base| {
            if subcommands(base).is_empty() {
                Some(Entry::top(base))
            } else {
                let sub = find_sub(base, target.get(1)?)?;
                Some(Entry {
                    cmd: sub,
                    parent: Some(base),
                })
            }
        });
    let Some(e) = entry else {
        return ctx.c.reply.error(error::GETKEYS_INVALID_COMMAND);
    };
    let meta = e.meta();
    let specs = key_specs(e.cmd, meta);
    if specs.is_empty() {
        return ctx.c.reply.error(error::GETKEYS_NO_KEYS);
    }
    if !e.cmd.arity_ok(target.len()) {
        return ctx.c.reply.error(error::GETKEYS_BAD_ARITY);
    }
    let keys = command_keys(e, &specs, meta, target);
    if keys.is_empty() && !e.cmd.has(NO_MANDATORY_KEYS) {
        return ctx.c.reply.error(error::GETKEYS_INVALID_ARGS);
    }
    let r = &mut ctx.c.reply;
    r.array(keys.len());
    for k in keys {
        let key = target.get(k.pos).copied().unwrap_or_default();
        if with_flags {
            r.array(2);
            r.bulk(key);
            let flags: Vec<&str> = k.flags.split_ascii_whitespace().collect();
            r.set(flags.len());
            for f in flags {
                r.simple(f);
            }
        } else {
            r.bulk(key);
        }
    }
}

// ---------------------------------------------------------------------------
// Handlers.
// ---------------------------------------------------------------------------

/// COMMAND [subcommand [arg ...]]
fn command(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(&name) = argv.get(1) else {
        return reply_all_info(&mut ctx.c.reply);
    };
    let Some(sub) = SUBS
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    else {
        return ctx
            .c
            .reply
            .error(&error::unknown_subcommand(name, "command"));
    };
    if !sub.arity_ok(argv.len()) {
        return ctx
            .c
            .reply
            .error(&error::wrong_arity(&format!("command|{}", sub.name)));
    }
    (sub.handler)(ctx, argv);
}

fn reply_all_info(r: &mut ReplyBuf) {
    let all = all_sorted();
    r.array(all.len());
    for &c in all {
        reply_info(r, Entry::top(c));
    }
}

/// COMMAND COUNT
fn count(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.int(table().len() as i64);
}

/// COMMAND INFO [command-name ...]
fn info(ctx: &mut Ctx, argv: &[&[u8]]) {
    let r = &mut ctx.c.reply;
    if argv.len() == 2 {
        return reply_all_info(r);
    }
    r.array(argv.len() - 2);
    for name in &argv[2..] {
        match lookup_fullname(name) {
            Some(e) => reply_info(r, e),
            None => r.null(),
        }
    }
}

/// COMMAND DOCS [command-name ...]
fn docs(ctx: &mut Ctx, argv: &[&[u8]]) {
    let found: Vec<Entry> = if argv.len() == 2 {
        all_sorted().iter().map(|&c| Entry::top(c)).collect()
    } else {
        argv[2..]
            .iter()
            .filter_map(|n| lookup_fullname(n))
            .collect()
    };
    let r = &mut ctx.c.reply;
    r.map(found.len());
    for e in found {
        r.bulk_str(&e.fullname());
        reply_docs(r, e);
    }
}

/// COMMAND GETKEYS command [arg ...]
fn getkeys(ctx: &mut Ctx, argv: &[&[u8]]) {
    getkeys_generic(ctx, argv, false);
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]
fn getkeysandflags(ctx: &mut Ctx, argv: &[&[u8]]) {
    getkeys_generic(ctx, argv, true);
}

/// What COMMAND LIST keeps.
enum Filter<'a> {
    All,
    Module,
    AclCat(&'a [u8]),
    Pattern(&'a [u8]),
}

impl Filter<'_> {
    fn keeps(&self, e: Entry) -> bool {
        match self {
            Filter::All => true,
            // No modules: nothing belongs to one.
            Filter::Module => false,
            Filter::AclCat(cat) => acl_categories(e.cmd, e.meta())
                .iter()
                .any(|c| c.as_bytes().eq_ignore_ascii_case(cat)),
            Filter::Pattern(p) => glob_match(p, e.fullname().as_bytes(), true),
        }
    }
}

/// COMMAND LIST [FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]
fn list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let filter = match argv {
        [_, _] => Filter::All,
        [_, _, by, kind, arg] if by.eq_ignore_ascii_case(b"filterby") => {
            if kind.eq_ignore_ascii_case(b"module") {
                Filter::Module
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                Filter::AclCat(arg)
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                Filter::Pattern(arg)
            } else {
                return ctx.c.reply.error(error::SYNTAX);
            }
        }
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    // A container's subcommands are listed whether or not it matches itself.
    let mut names: Vec<Cow<'static, str>> = Vec::new();
    for &c in all_sorted() {
        let e = Entry::top(c);
        if filter.keeps(e) {
            names.push(e.fullname());
        }
        for s in e.subs() {
            if filter.keeps(s) {
                names.push(s.fullname());
            }
        }
    }
    let r = &mut ctx.c.reply;
    r.array(names.len());
    for n in names {
        r.bulk_str(&n);
    }
}

/// COMMAND HELP: one line per subcommand plus its description, in our own
/// words; the shape (line count) matches Redis's.
fn help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Describe every command this server knows.",
        "COUNT",
        "    Reply with how many commands this server knows.",
        "LIST",
        "    Reply with the names of all commands this server knows.",
        "INFO [<command-name> ...]",
        "    Describe the named commands: arity, flags, key positions and more.",
        "    Without names, every command is described, as with no",
        "    subcommand at all.",
        "DOCS [<command-name> ...]",
        "    Reply with the documentation of the named commands: summary,",
        "    version, complexity and arguments. Without names, the",
        "    documentation of every command.",
        "GETKEYS <full-command>",
        "    Reply with the key arguments of the given command line.",
        "GETKEYSANDFLAGS <full-command>",
        "    Like GETKEYS, with each key's access flags.",
        "HELP",
        "    Print this help.",
    ];
    ctx.c.reply.status_lines(LINES);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    fn run3(h: &mut Harness, argv: &[&str]) -> String {
        h.c.reply.resp3 = true;
        let out = h.run(argv);
        h.c.reply.resp3 = false;
        out
    }

    fn has_row(name: &str) -> bool {
        table().lookup(name.as_bytes()).is_some()
    }

    /// Number of top-level elements of an aggregate reply header.
    fn header_len(reply: &str) -> usize {
        reply[1..reply.find("\r\n").unwrap()].parse().unwrap()
    }

    fn sorted_names(list_reply: &str) -> Vec<String> {
        let mut v: Vec<String> = list_reply
            .split("\r\n")
            .skip(1)
            .filter(|l| !l.is_empty() && !l.starts_with('$'))
            .map(str::to_string)
            .collect();
        v.sort();
        v
    }

    /// `COMMAND INFO get` from redis-server 7.0.
    const INFO_GET: &str = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n\
         +@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n\
         +access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n\
         *2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
         $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n\
         :0\r\n*0\r\n";
    /// `COMMAND INFO get` from redis-server 7.0 (RESP3).
    const INFO_GET_RESP3: &str = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n\
         +@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n\
         +access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n\
         %1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
         $4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n\
         :0\r\n~0\r\n";
    /// `COMMAND INFO set` from redis-server 7.0.
    const INFO_SET: &str = "*1\r\n*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n\
         *3\r\n+@write\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$59\r\n\
         read-write with access because GET may return the old value\r\n$5\r\nflags\r\n*4\r\n+RW\r\n\
         +access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n\
         $5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n\
         $4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\n\
         keystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
    /// `COMMAND INFO set` from redis-server 7.0 (RESP3).
    const INFO_SET_RESP3: &str = "*1\r\n*10\r\n$3\r\nset\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n\
         ~3\r\n+@write\r\n+@string\r\n+@slow\r\n~0\r\n~1\r\n%4\r\n$5\r\nnotes\r\n$59\r\n\
         read-write with access because GET may return the old value\r\n$5\r\nflags\r\n~4\r\n+RW\r\n\
         +access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n\
         $5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n\
         $4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\n\
         keystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n";
    /// `COMMAND INFO del mget mset expire` from redis-server 7.0.
    const INFO_DEL_MGET_MSET_EXPIRE: &str = "*4\r\n*10\r\n$3\r\ndel\r\n:-2\r\n*1\r\n+write\r\n:1\r\n:-1\r\n:1\r\n*3\r\n\
         +@keyspace\r\n+@write\r\n+@slow\r\n*2\r\n$26\r\nrequest_policy:multi_shard\r\n\
         $23\r\nresponse_policy:agg_sum\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RM\r\n\
         +delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n\
         *2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
         $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n\
         :0\r\n*0\r\n*10\r\n$4\r\nmget\r\n:-2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:-1\r\n\
         :1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*1\r\n$26\r\n\
         request_policy:multi_shard\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n\
         $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\n\
         index\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n\
         *6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n\
         *10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*3\r\n\
         +@write\r\n+@string\r\n+@slow\r\n*2\r\n$26\r\nrequest_policy:multi_shard\r\n$29\r\n\
         response_policy:all_succeeded\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n\
         $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\n\
         index\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n\
         *6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n\
         *10\r\n$6\r\nexpire\r\n:-3\r\n*2\r\n+write\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n\
         +@keyspace\r\n+@write\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n\
         +update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n\
         *2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
         $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n\
         :0\r\n*0\r\n";
    /// `COMMAND DOCS get` from redis-server 7.0.
    const DOCS_GET: &str = "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$31\r\nRead the string stored at a key\r\n$5\r\n\
         since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n\
         O(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n\
         $3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n";
    /// `COMMAND DOCS get` from redis-server 7.0 (RESP3).
    const DOCS_GET_RESP3: &str = "%1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$31\r\nRead the string stored at a key\r\n$5\r\n\
         since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n\
         O(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n\
         $3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n";
    /// `COMMAND DOCS set` from redis-server 7.0.
    const DOCS_SET: &str = "*2\r\n$3\r\nset\r\n*12\r\n$7\r\nsummary\r\n$57\r\nStore a string at a key, with optional conditions and TTL\r\n\
         $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n\
         $4\r\nO(1)\r\n$7\r\nhistory\r\n*4\r\n*2\r\n$6\r\n2.6.12\r\n$34\r\n\
         `EX`, `PX`, `NX` and `XX` options.\r\n*2\r\n$5\r\n6.0.0\r\n$17\r\n\
         `KEEPTTL` option.\r\n*2\r\n$5\r\n6.2.0\r\n$33\r\n\
         `GET`, `EXAT` and `PXAT` options.\r\n*2\r\n$5\r\n7.0.0\r\n$31\r\n\
         `NX` and `GET` may be combined.\r\n$9\r\narguments\r\n*5\r\n\
         *6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n\
         key_spec_index\r\n:0\r\n*4\r\n$4\r\nname\r\n$5\r\nvalue\r\n$4\r\ntype\r\n$6\r\n\
         string\r\n*10\r\n$4\r\nname\r\n$9\r\ncondition\r\n$4\r\ntype\r\n$5\r\noneof\r\n\
         $5\r\nsince\r\n$6\r\n2.6.12\r\n$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\narguments\r\n\
         *2\r\n*6\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\n\
         token\r\n$2\r\nNX\r\n*6\r\n$4\r\nname\r\n$2\r\nxx\r\n$4\r\ntype\r\n$10\r\n\
         pure-token\r\n$5\r\ntoken\r\n$2\r\nXX\r\n*10\r\n$4\r\nname\r\n$3\r\nget\r\n$4\r\n\
         type\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$3\r\nGET\r\n$5\r\nsince\r\n$5\r\n\
         6.2.0\r\n$5\r\nflags\r\n*1\r\n+optional\r\n*8\r\n$4\r\nname\r\n$10\r\nexpiration\r\n\
         $4\r\ntype\r\n$5\r\noneof\r\n$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\narguments\r\n\
         *5\r\n*8\r\n$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$5\r\n\
         token\r\n$2\r\nEX\r\n$5\r\nsince\r\n$6\r\n2.6.12\r\n*8\r\n$4\r\nname\r\n$12\r\n\
         milliseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$5\r\ntoken\r\n$2\r\nPX\r\n$5\r\n\
         since\r\n$6\r\n2.6.12\r\n*8\r\n$4\r\nname\r\n$17\r\nunix-time-seconds\r\n$4\r\n\
         type\r\n$9\r\nunix-time\r\n$5\r\ntoken\r\n$4\r\nEXAT\r\n$5\r\nsince\r\n$5\r\n\
         6.2.0\r\n*8\r\n$4\r\nname\r\n$22\r\nunix-time-milliseconds\r\n$4\r\ntype\r\n$9\r\n\
         unix-time\r\n$5\r\ntoken\r\n$4\r\nPXAT\r\n$5\r\nsince\r\n$5\r\n6.2.0\r\n*8\r\n$4\r\n\
         name\r\n$7\r\nkeepttl\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$7\r\n\
         KEEPTTL\r\n$5\r\nsince\r\n$5\r\n6.0.0\r\n";
    /// `COMMAND DOCS set` from redis-server 7.0 (RESP3).
    const DOCS_SET_RESP3: &str = "%1\r\n$3\r\nset\r\n%6\r\n$7\r\nsummary\r\n$57\r\nStore a string at a key, with optional conditions and TTL\r\n\
         $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n\
         $4\r\nO(1)\r\n$7\r\nhistory\r\n~4\r\n*2\r\n$6\r\n2.6.12\r\n$34\r\n\
         `EX`, `PX`, `NX` and `XX` options.\r\n*2\r\n$5\r\n6.0.0\r\n$17\r\n\
         `KEEPTTL` option.\r\n*2\r\n$5\r\n6.2.0\r\n$33\r\n\
         `GET`, `EXAT` and `PXAT` options.\r\n*2\r\n$5\r\n7.0.0\r\n$31\r\n\
         `NX` and `GET` may be combined.\r\n$9\r\narguments\r\n*5\r\n\
         %3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n\
         key_spec_index\r\n:0\r\n%2\r\n$4\r\nname\r\n$5\r\nvalue\r\n$4\r\ntype\r\n$6\r\n\
         string\r\n%5\r\n$4\r\nname\r\n$9\r\ncondition\r\n$4\r\ntype\r\n$5\r\noneof\r\n$5\r\n\
         since\r\n$6\r\n2.6.12\r\n$5\r\nflags\r\n~1\r\n+optional\r\n$9\r\narguments\r\n*2\r\n\
         %3\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n\
         $2\r\nNX\r\n%3\r\n$4\r\nname\r\n$2\r\nxx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n\
         $5\r\ntoken\r\n$2\r\nXX\r\n%5\r\n$4\r\nname\r\n$3\r\nget\r\n$4\r\ntype\r\n$10\r\n\
         pure-token\r\n$5\r\ntoken\r\n$3\r\nGET\r\n$5\r\nsince\r\n$5\r\n6.2.0\r\n$5\r\n\
         flags\r\n~1\r\n+optional\r\n%4\r\n$4\r\nname\r\n$10\r\nexpiration\r\n$4\r\ntype\r\n\
         $5\r\noneof\r\n$5\r\nflags\r\n~1\r\n+optional\r\n$9\r\narguments\r\n*5\r\n%4\r\n\
         $4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$5\r\ntoken\r\n$2\r\n\
         EX\r\n$5\r\nsince\r\n$6\r\n2.6.12\r\n%4\r\n$4\r\nname\r\n$12\r\nmilliseconds\r\n\
         $4\r\ntype\r\n$7\r\ninteger\r\n$5\r\ntoken\r\n$2\r\nPX\r\n$5\r\nsince\r\n$6\r\n\
         2.6.12\r\n%4\r\n$4\r\nname\r\n$17\r\nunix-time-seconds\r\n$4\r\ntype\r\n$9\r\n\
         unix-time\r\n$5\r\ntoken\r\n$4\r\nEXAT\r\n$5\r\nsince\r\n$5\r\n6.2.0\r\n%4\r\n$4\r\n\
         name\r\n$22\r\nunix-time-milliseconds\r\n$4\r\ntype\r\n$9\r\nunix-time\r\n$5\r\n\
         token\r\n$4\r\nPXAT\r\n$5\r\nsince\r\n$5\r\n6.2.0\r\n%4\r\n$4\r\nname\r\n$7\r\n\
         keepttl\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$7\r\nKEEPTTL\r\n$5\r\n\
         since\r\n$5\r\n6.0.0\r\n";
    /// `COMMAND DOCS del mget mset incr expire ttl ping` from redis-server 7.0.
    const DOCS_OTHERS: &str = "*14\r\n$3\r\ndel\r\n*10\r\n$7\r\nsummary\r\n$23\r\nRemove one or more keys\r\n$5\r\nsince\r\n\
         $5\r\n1.0.0\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n$10\r\ncomplexity\r\n$91\r\n\
         O(N) for N keys, plus O(M) for each aggregate value of M elements; O(1) for one string key.\r\n\
         $9\r\narguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\n\
         key\r\n$14\r\nkey_spec_index\r\n:0\r\n$5\r\nflags\r\n*1\r\n+multiple\r\n$4\r\n\
         mget\r\n*10\r\n$7\r\nsummary\r\n$39\r\nRead the strings stored at several keys\r\n\
         $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n\
         $16\r\nO(N) for N keys.\r\n$9\r\narguments\r\n*1\r\n\
         *8\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n\
         key_spec_index\r\n:0\r\n$5\r\nflags\r\n*1\r\n+multiple\r\n$4\r\nmset\r\n*10\r\n\
         $7\r\nsummary\r\n$37\r\nStore strings at several keys at once\r\n$5\r\nsince\r\n\
         $5\r\n1.0.1\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$16\r\n\
         O(N) for N keys.\r\n$9\r\narguments\r\n*1\r\n*8\r\n$4\r\n\
         name\r\n$9\r\nkey_value\r\n$4\r\ntype\r\n$5\r\nblock\r\n$5\r\nflags\r\n*1\r\n\
         +multiple\r\n$9\r\narguments\r\n*2\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\n\
         type\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n*4\r\n$4\r\nname\r\n$5\r\n\
         value\r\n$4\r\ntype\r\n$6\r\nstring\r\n$4\r\nincr\r\n*10\r\n$7\r\nsummary\r\n$38\r\n\
         Add one to the integer stored at a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\n\
         group\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n\
         *1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n\
         key_spec_index\r\n:0\r\n$6\r\nexpire\r\n*12\r\n$7\r\nsummary\r\n$31\r\n\
         Give a key a timeout in seconds\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n\
         $7\r\ngeneric\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$7\r\nhistory\r\n*1\r\n*2\r\n\
         $5\r\n7.0.0\r\n$34\r\n`NX`, `XX`, `GT` and `LT` options.\r\n$9\r\n\
         arguments\r\n*3\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n\
         $14\r\nkey_spec_index\r\n:0\r\n*4\r\n$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n\
         $7\r\ninteger\r\n*10\r\n$4\r\nname\r\n$9\r\ncondition\r\n$4\r\ntype\r\n$5\r\n\
         oneof\r\n$5\r\nsince\r\n$5\r\n7.0.0\r\n$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\n\
         arguments\r\n*4\r\n*6\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\n\
         pure-token\r\n$5\r\ntoken\r\n$2\r\nNX\r\n*6\r\n$4\r\nname\r\n$2\r\nxx\r\n$4\r\n\
         type\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nXX\r\n*6\r\n$4\r\nname\r\n$2\r\n\
         gt\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nGT\r\n*6\r\n$4\r\n\
         name\r\n$2\r\nlt\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nLT\r\n\
         $3\r\nttl\r\n*12\r\n$7\r\nsummary\r\n$43\r\n\
         Remaining time to live of a key, in seconds\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\n\
         group\r\n$7\r\ngeneric\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$7\r\nhistory\r\n*1\r\n\
         *2\r\n$5\r\n2.8.0\r\n$29\r\nReplies -2 for a missing key.\r\n$9\r\narguments\r\n*1\r\n*6\r\n\
         $4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n\
         :0\r\n$4\r\nping\r\n*10\r\n$7\r\nsummary\r\n$29\r\nCheck that the server answers\r\n$5\r\n\
         since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n\
         $4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\n\
         type\r\n$6\r\nstring\r\n$5\r\nflags\r\n*1\r\n+optional\r\n";
    /// `COMMAND DOCS del mget mset incr expire ttl ping` from redis-server 7.0 (RESP3).
    const DOCS_OTHERS_RESP3: &str = "%7\r\n$3\r\ndel\r\n%5\r\n$7\r\nsummary\r\n$23\r\nRemove one or more keys\r\n$5\r\nsince\r\n\
         $5\r\n1.0.0\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n$10\r\ncomplexity\r\n$91\r\n\
         O(N) for N keys, plus O(M) for each aggregate value of M elements; O(1) for one string key.\r\n\
         $9\r\narguments\r\n*1\r\n%4\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\n\
         key\r\n$14\r\nkey_spec_index\r\n:0\r\n$5\r\nflags\r\n~1\r\n+multiple\r\n$4\r\n\
         mget\r\n%5\r\n$7\r\nsummary\r\n$39\r\nRead the strings stored at several keys\r\n$5\r\n\
         since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$16\r\n\
         O(N) for N keys.\r\n$9\r\narguments\r\n*1\r\n%4\r\n\
         $4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n\
         :0\r\n$5\r\nflags\r\n~1\r\n+multiple\r\n$4\r\nmset\r\n%5\r\n$7\r\nsummary\r\n$37\r\n\
         Store strings at several keys at once\r\n$5\r\nsince\r\n$5\r\n1.0.1\r\n$5\r\n\
         group\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$16\r\n\
         O(N) for N keys.\r\n$9\r\narguments\r\n*1\r\n%4\r\n$4\r\n\
         name\r\n$9\r\nkey_value\r\n$4\r\ntype\r\n$5\r\nblock\r\n$5\r\nflags\r\n~1\r\n\
         +multiple\r\n$9\r\narguments\r\n*2\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\n\
         type\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n%2\r\n$4\r\nname\r\n$5\r\n\
         value\r\n$4\r\ntype\r\n$6\r\nstring\r\n$4\r\nincr\r\n%5\r\n$7\r\nsummary\r\n$38\r\n\
         Add one to the integer stored at a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\n\
         group\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n\
         *1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n\
         key_spec_index\r\n:0\r\n$6\r\nexpire\r\n%6\r\n$7\r\nsummary\r\n$31\r\n\
         Give a key a timeout in seconds\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n\
         $7\r\ngeneric\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$7\r\nhistory\r\n~1\r\n*2\r\n\
         $5\r\n7.0.0\r\n$34\r\n`NX`, `XX`, `GT` and `LT` options.\r\n$9\r\n\
         arguments\r\n*3\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n\
         $14\r\nkey_spec_index\r\n:0\r\n%2\r\n$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n\
         $7\r\ninteger\r\n%5\r\n$4\r\nname\r\n$9\r\ncondition\r\n$4\r\ntype\r\n$5\r\n\
         oneof\r\n$5\r\nsince\r\n$5\r\n7.0.0\r\n$5\r\nflags\r\n~1\r\n+optional\r\n$9\r\n\
         arguments\r\n*4\r\n%3\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\n\
         pure-token\r\n$5\r\ntoken\r\n$2\r\nNX\r\n%3\r\n$4\r\nname\r\n$2\r\nxx\r\n$4\r\n\
         type\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nXX\r\n%3\r\n$4\r\nname\r\n$2\r\n\
         gt\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nGT\r\n%3\r\n$4\r\n\
         name\r\n$2\r\nlt\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nLT\r\n\
         $3\r\nttl\r\n%6\r\n$7\r\nsummary\r\n$43\r\n\
         Remaining time to live of a key, in seconds\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\n\
         group\r\n$7\r\ngeneric\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$7\r\nhistory\r\n~1\r\n\
         *2\r\n$5\r\n2.8.0\r\n$29\r\nReplies -2 for a missing key.\r\n$9\r\narguments\r\n*1\r\n%3\r\n\
         $4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n\
         :0\r\n$4\r\nping\r\n%5\r\n$7\r\nsummary\r\n$29\r\nCheck that the server answers\r\n$5\r\nsince\r\n\
         $5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\n\
         O(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\ntype\r\n\
         $6\r\nstring\r\n$5\r\nflags\r\n~1\r\n+optional\r\n";
    /// `COMMAND DOCS config|get` from redis-server 7.0.
    const DOCS_CONFIG_GET: &str = "*2\r\n$10\r\nconfig|get\r\n*12\r\n$7\r\nsummary\r\n$47\r\n\
         Read configuration directives matching patterns\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\n\
         group\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$20\r\n\
         O(N) for N patterns.\r\n$7\r\nhistory\r\n\
         *1\r\n*2\r\n$5\r\n7.0.0\r\n$25\r\n\
         Accepts several patterns.\r\n$9\r\n\
         arguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$5\r\n\
         block\r\n$5\r\nflags\r\n*1\r\n+multiple\r\n$9\r\narguments\r\n*1\r\n*4\r\n$4\r\n\
         name\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$6\r\nstring\r\n";
    /// `COMMAND INFO config|get` from redis-server 7.0.
    const INFO_CONFIG_GET: &str = "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n\
         +stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n\
         *0\r\n";

    #[test]
    fn info_matches_redis() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["COMMAND", "INFO", "get"]), INFO_GET);
        assert_eq!(h.run(&["command", "info", "GET"]), INFO_GET);
        assert_eq!(run3(&mut h, &["COMMAND", "INFO", "get"]), INFO_GET_RESP3);
        assert_eq!(h.run(&["COMMAND", "INFO", "set"]), INFO_SET);
        assert_eq!(run3(&mut h, &["COMMAND", "INFO", "set"]), INFO_SET_RESP3);
        if ["del", "mget", "mset", "expire"].iter().all(|n| has_row(n)) {
            assert_eq!(
                h.run(&["COMMAND", "INFO", "del", "mget", "mset", "expire"]),
                INFO_DEL_MGET_MSET_EXPIRE
            );
        }
        if has_row("config") {
            assert_eq!(h.run(&["COMMAND", "INFO", "config|get"]), INFO_CONFIG_GET);
            assert_eq!(h.run(&["COMMAND", "INFO", "CONFIG|GET"]), INFO_CONFIG_GET);
        }
    }

    #[test]
    fn docs_match_redis() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["COMMAND", "DOCS", "get"]), DOCS_GET);
        assert_eq!(run3(&mut h, &["COMMAND", "DOCS", "GET"]), DOCS_GET_RESP3);
        assert_eq!(h.run(&["COMMAND", "DOCS", "set"]), DOCS_SET);
        assert_eq!(run3(&mut h, &["COMMAND", "DOCS", "set"]), DOCS_SET_RESP3);
        let others = ["del", "mget", "mset", "incr", "expire", "ttl", "ping"];
        if others.iter().all(|n| has_row(n)) {
            let mut argv = vec!["COMMAND", "DOCS"];
            argv.extend(others);
            assert_eq!(h.run(&argv), DOCS_OTHERS);
            assert_eq!(run3(&mut h, &argv), DOCS_OTHERS_RESP3);
        }
        if has_row("config") {
            assert_eq!(h.run(&["COMMAND", "DOCS", "config|get"]), DOCS_CONFIG_GET);
        }
    }

    #[test]
    fn info_unknown_names_are_nil() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["COMMAND", "INFO", "nosuchcommand"]),
            "*1\r\n$-1\r\n"
        );
        assert_eq!(
            run3(&mut h, &["COMMAND", "INFO", "nosuchcommand"]),
            "*1\r\n_\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "INFO", "x", "y", "z"]),
            "*3\r\n$-1\r\n$-1\r\n$-1\r\n"
        );
        let got = h.run(&["COMMAND", "INFO", "get", "nosuchcommand"]);
        assert_eq!(got, format!("*2\r\n{}$-1\r\n", &INFO_GET[4..]));
        // A plain command has no subcommands; full names have two parts.
        assert_eq!(h.run(&["COMMAND", "INFO", "get|x"]), "*1\r\n$-1\r\n");
        assert_eq!(
            h.run(&["COMMAND", "INFO", "command|info|x"]),
            "*1\r\n$-1\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "INFO", "command|nosuch"]),
            "*1\r\n$-1\r\n"
        );
        assert_eq!(h.run(&["COMMAND", "INFO", ""]), "*1\r\n$-1\r\n");
    }

    #[test]
    fn bare_command_and_info_list_everything() {
        let mut h = Harness::new();
        let all = h.run(&["COMMAND"]);
        assert_eq!(header_len(&all), table().len());
        for c in table().iter() {
            let needle = format!("*10\r\n${}\r\n{}\r\n", c.name.len(), c.name);
            assert!(all.contains(&needle), "{} missing from COMMAND", c.name);
        }
        assert_eq!(h.run(&["COMMAND", "INFO"]), all);
        assert_eq!(h.run(&["command"]), all);
        let all3 = run3(&mut h, &["COMMAND"]);
        assert_eq!(header_len(&all3), table().len());
        assert!(all3.contains("~"));
    }

    #[test]
    fn count() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["COMMAND", "COUNT"]),
            format!(":{}\r\n", table().len())
        );
        assert!(!table().is_empty());
        assert_eq!(
            h.run(&["COMMAND", "COUNT", "x"]),
            "-ERR wrong number of arguments for 'command|count' command\r\n"
        );
    }

    #[test]
    fn subcommand_dispatch_errors() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["COMMAND", "BOGUS"]),
            "-ERR unknown subcommand 'BOGUS'. Try COMMAND HELP.\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "HELP", "x"]),
            "-ERR wrong number of arguments for 'command|help' command\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "GETKEYS"]),
            "-ERR wrong number of arguments for 'command|getkeys' command\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "getkeysandflags", "get"]),
            "-ERR wrong number of arguments for 'command|getkeysandflags' command\r\n"
        );
    }

    #[test]
    fn command_lists_its_subcommands() {
        let mut h = Harness::new();
        let info = h.run(&["COMMAND", "INFO", "command"]);
        assert!(
            info.starts_with("*1\r\n*10\r\n$7\r\ncommand\r\n:-1\r\n*2\r\n+loading\r\n+stale\r\n")
        );
        assert!(info.contains("*7\r\n*10\r\n$13\r\ncommand|count\r\n:2\r\n"));
        assert!(
            info.contains(
                "+@slow\r\n+@connection\r\n*1\r\n$29\r\nnondeterministic_output_order\r\n"
            )
        );
        let docs = h.run(&["COMMAND", "DOCS", "command"]);
        assert!(docs.contains("$11\r\nsubcommands\r\n*14\r\n$13\r\ncommand|count\r\n"));
        assert!(docs.contains(
            "$9\r\narguments\r\n*1\r\n*10\r\n$4\r\nname\r\n$8\r\nfilterby\r\n$4\r\ntype\r\n\
             $5\r\noneof\r\n$5\r\ntoken\r\n$8\r\nFILTERBY\r\n"
        ));
        let one = h.run(&["COMMAND", "INFO", "command|getkeys"]);
        assert_eq!(
            one,
            "*1\r\n*10\r\n$15\r\ncommand|getkeys\r\n:-4\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n\
             :0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"
        );
    }

    #[test]
    fn docs_all_and_unknown() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["COMMAND", "DOCS", "nosuch"]), "*0\r\n");
        assert_eq!(run3(&mut h, &["COMMAND", "DOCS", "nosuch"]), "%0\r\n");
        let with_unknown = h.run(&["COMMAND", "DOCS", "get", "nosuch"]);
        assert_eq!(with_unknown, DOCS_GET);
        let all = h.run(&["COMMAND", "DOCS"]);
        assert_eq!(header_len(&all), 2 * table().len());
        let all3 = run3(&mut h, &["COMMAND", "DOCS"]);
        assert_eq!(header_len(&all3), table().len());
        assert!(all3.starts_with('%'));
    }

    #[test]
    fn docs_flags_and_deprecation() {
        let mut h = Harness::new();
        if has_row("getset") {
            let d = run3(&mut h, &["COMMAND", "DOCS", "getset"]);
            assert!(d.contains(
                "$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n$5\r\n6.2.0\r\n\
                 $11\r\nreplaced_by\r\n"
            ));
        }
        if has_row("debug") {
            let d = h.run(&["COMMAND", "DOCS", "debug"]);
            assert!(d.contains("$9\r\ndoc_flags\r\n*1\r\n+syscmd\r\n"));
        }
    }

    #[test]
    fn list_and_filters() {
        let mut h = Harness::new();
        let all = h.run(&["COMMAND", "LIST"]);
        let subs: usize = table().iter().map(|c| subcommands(c).len()).sum();
        assert_eq!(header_len(&all), table().len() + subs);
        assert!(all.contains("$13\r\ncommand|count\r\n"));

        let pat = h.run(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "COMMAND|G*"]);
        assert_eq!(
            sorted_names(&pat),
            ["command|getkeys", "command|getkeysandflags"]
        );
        let pat = h.run(&["command", "list", "filterby", "pattern", "comm?nd"]);
        assert_eq!(pat, "*1\r\n$7\r\ncommand\r\n");

        // The container's subcommands are kept on their own merits.
        let conn = h.run(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "CONNECTION"]);
        let names = sorted_names(&conn);
        for n in ["command", "command|count", "command|list"] {
            assert!(names.iter().any(|x| x == n), "{n} not in @connection");
        }
        if has_row("get") {
            assert!(!names.iter().any(|x| x == "get"));
            let read = h.run(&["COMMAND", "LIST", "FILTERBY", "aclcat", "read"]);
            assert!(sorted_names(&read).iter().any(|x| x == "get"));
        }
        assert_eq!(
            h.run(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"]),
            "*0\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "LIST", "FILTERBY", "MODULE", "x"]),
            "*0\r\n"
        );

        for bad in [
            &["COMMAND", "LIST", "x"][..],
            &["COMMAND", "LIST", "FILTERBY"],
            &["COMMAND", "LIST", "FILTERBY", "bogus", "x"],
            &["COMMAND", "LIST", "FILTERBY", "PATTERN"],
            &["COMMAND", "LIST", "FILTERBY", "PATTERN", "a", "b"],
            &["COMMAND", "LIST", "NOTFILTERBY", "PATTERN", "a"],
        ] {
            assert_eq!(h.run(bad), "-ERR syntax error\r\n", "{bad:?}");
        }
    }

    #[test]
    fn getkeys() {
        let mut h = Harness::new();
        let cases: &[(&[&str], &str)] = &[
            (&["set", "a", "b"], "*1\r\n$1\r\na\r\n"),
            (&["SET", "a", "b"], "*1\r\n$1\r\na\r\n"),
            (
                &["mset", "a", "1", "b", "2"],
                "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
            (&["mset", "a", "1", "b"], "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            (
                &["mget", "a", "b", "c"],
                "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
            ),
            (&["expire", "k", "10"], "*1\r\n$1\r\nk\r\n"),
            (&["lcs", "a", "b"], "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            (
                &["copy", "a", "b", "DB", "1"],
                "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
            (&["rename", "a", "b"], "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            (&["object", "encoding", "k"], "*1\r\n$1\r\nk\r\n"),
            (
                &["set", "a"],
                "-ERR Invalid number of arguments specified for command\r\n",
            ),
            (
                &["rename", "a", "b", "c"],
                "-ERR Invalid number of arguments specified for command\r\n",
            ),
            (
                &["object", "encoding"],
                "-ERR Invalid number of arguments specified for command\r\n",
            ),
            (
                &["nosuchcommand", "a"],
                "-ERR Invalid command specified\r\n",
            ),
            (&["config", "bogus"], "-ERR Invalid command specified\r\n"),
            (&["ping", "x"], "-ERR The command has no key arguments\r\n"),
            (&["echo", "x"], "-ERR The command has no key arguments\r\n"),
            (
                &["config", "get", "x"],
                "-ERR The command has no key arguments\r\n",
            ),
            (
                &["CONFIG", "get"],
                "-ERR The command has no key arguments\r\n",
            ),
            (
                &["command", "info"],
                "-ERR The command has no key arguments\r\n",
            ),
            (&["command", "nosuch"], "-ERR Invalid command specified\r\n"),
        ];
        for (args, want) in cases {
            if !has_row(args[0]) {
                continue;
            }
            let mut argv = vec!["COMMAND", "GETKEYS"];
            argv.extend_from_slice(args);
            assert_eq!(h.run(&argv), *want, "{args:?}");
        }
        for args in [&["get"][..], &["ping"], &["time"], &[]] {
            let mut argv = vec!["COMMAND", "GETKEYS"];
            argv.extend_from_slice(args);
            assert_eq!(
                h.run(&argv),
                "-ERR wrong number of arguments for 'command|getkeys' command\r\n"
            );
        }
    }

    #[test]
    fn getkeysandflags() {
        let mut h = Harness::new();
        let run = |h: &mut Harness, args: &[&str]| {
            let mut argv = vec!["COMMAND", "GETKEYSANDFLAGS"];
            argv.extend_from_slice(args);
            h.run(&argv)
        };
        assert_eq!(
            run(&mut h, &["set", "a", "b"]),
            "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n"
        );
        assert_eq!(
            run(&mut h, &["set", "a", "b", "nx", "get"]),
            "*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
        );
        // The value itself is not an option.
        assert_eq!(
            run(&mut h, &["set", "a", "get"]),
            "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n"
        );
        assert_eq!(
            run(&mut h, &["get", "a"]),
            "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n"
        );
        if has_row("rename") {
            assert_eq!(
                run(&mut h, &["rename", "a", "b"]),
                "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n\
                 *2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n"
            );
        }
        h.c.reply.resp3 = true;
        assert_eq!(
            run(&mut h, &["get", "a"]),
            "*1\r\n*2\r\n$1\r\na\r\n~2\r\n+RO\r\n+access\r\n"
        );
        h.c.reply.resp3 = false;
        assert_eq!(
            run(&mut h, &["ping", "x"]),
            "-ERR The command has no key arguments\r\n"
        );
        assert_eq!(
            run(&mut h, &["nosuch", "x"]),
            "-ERR Invalid command specified\r\n"
        );
    }

    #[test]
    fn help() {
        let mut h = Harness::new();
        let got = h.run(&["COMMAND", "HELP"]);
        assert!(got.starts_with(
            "*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n\
             +(no subcommand)\r\n"
        ));
        assert!(got.ends_with("+HELP\r\n+    Print this help.\r\n"));
        assert_eq!(h.run(&["command", "help"]), got);
    }

    fn noop(_ctx: &mut Ctx, _argv: &[&[u8]]) {}

    static FAKE: Cmd = Cmd::new("zz-no-meta", -2, WRITE | FAST, noop).keys(1, -1, 2);
    static FAKE_SUBS: &[Cmd] = &[Cmd::new("sub", 3, ADMIN | LOADING, noop).keys(2, 2, 1)];
    static FAKE_CONTAINER: Cmd = Cmd::container("zz-box", FAKE_SUBS);

    fn render(f: impl Fn(&mut ReplyBuf)) -> String {
        let mut r = ReplyBuf::new();
        f(&mut r);
        String::from_utf8(r.buf).unwrap()
    }

    #[test]
    fn rows_without_metadata_get_derived_entries() {
        let info = render(|r| reply_info(r, Entry::top(&FAKE)));
        assert_eq!(
            info,
            "*10\r\n$10\r\nzz-no-meta\r\n:-2\r\n*2\r\n+write\r\n+fast\r\n:1\r\n:-1\r\n:2\r\n\
             *2\r\n+@write\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*0\r\n\
             $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n\
             $5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
             $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n\
             :0\r\n*0\r\n"
        );
        let docs = render(|r| reply_docs(r, Entry::top(&FAKE)));
        assert_eq!(docs, "*2\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n");

        let boxed = render(|r| reply_info(r, Entry::top(&FAKE_CONTAINER)));
        assert_eq!(
            boxed,
            "*10\r\n$6\r\nzz-box\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n\
             *1\r\n*10\r\n$10\r\nzz-box|sub\r\n:3\r\n*2\r\n+admin\r\n+loading\r\n:2\r\n:2\r\n:1\r\n\
             *3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*0\r\n\
             $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n\
             $5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
             $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n\
             :0\r\n*0\r\n"
        );
        let boxed_docs = render(|r| reply_docs(r, Entry::top(&FAKE_CONTAINER)));
        assert_eq!(
            boxed_docs,
            "*4\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n$11\r\nsubcommands\r\n*2\r\n$10\r\nzz-box|sub\r\n\
             *2\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n"
        );
    }

    #[test]
    fn acl_categories_follow_flags() {
        assert_eq!(acl_categories(&FAKE, None), ["write", "fast"]);
        let sub = &FAKE_SUBS[0];
        assert_eq!(acl_categories(sub, None), ["admin", "slow", "dangerous"]);
        static RO: Cmd = Cmd::new("ro", 1, READONLY | BLOCKING | PUBSUB, noop);
        assert_eq!(
            acl_categories(&RO, None),
            ["read", "pubsub", "slow", "blocking"]
        );
        let m = meta::m("x", "generic", "1.0.0", "O(1)", "x").acl("keyspace dangerous connection");
        assert_eq!(
            acl_categories(&RO, Some(&m)),
            [
                "keyspace",
                "read",
                "pubsub",
                "slow",
                "blocking",
                "dangerous",
                "connection"
            ]
        );
        let script = meta::m("x", "scripting", "1.0.0", "O(1)", "x").acl("scripting");
        assert_eq!(
            acl_categories(&RO, Some(&script)),
            ["pubsub", "slow", "blocking", "scripting"]
        );
    }

    fn argv<'a>(s: &'a [&'a str]) -> Vec<&'a [u8]> {
        s.iter().map(|a| a.as_bytes()).collect()
    }

    fn positions(specs: &[KeySpec], args: &[&str]) -> Option<Vec<usize>> {
        find_keys(specs, None, &argv(args)).map(|v| v.into_iter().map(|k| k.pos).collect())
    }

    #[test]
    fn key_spec_walk() {
        // Keyword search forwards (e.g. XREAD ... STREAMS k1 k2 id1 id2).
        let streams = [KeySpec {
            notes: "",
            flags: "RO",
            begin: Begin::Keyword {
                keyword: "STREAMS",
                startfrom: 1,
            },
            find: Find::Range {
                lastkey: -1,
                keystep: 1,
                limit: 2,
            },
        }];
        assert_eq!(
            positions(
                &streams,
                &["xread", "COUNT", "2", "streams", "a", "b", "0", "0"]
            ),
            Some(vec![4, 5])
        );
        assert_eq!(positions(&streams, &["xread", "COUNT", "2"]), Some(vec![]));
        // Keyword search backwards (e.g. MIGRATE ... KEYS k1 k2).
        let migrate = [KeySpec {
            notes: "",
            flags: "RW",
            begin: Begin::Keyword {
                keyword: "KEYS",
                startfrom: -2,
            },
            find: Find::Range {
                lastkey: -1,
                keystep: 1,
                limit: 0,
            },
        }];
        assert_eq!(
            positions(
                &migrate,
                &["migrate", "h", "p", "", "0", "5", "KEYS", "a", "b"]
            ),
            Some(vec![7, 8])
        );
        // Key count argument (e.g. EVAL script numkeys k1 k2 arg).
        let eval = [KeySpec {
            notes: "",
            flags: "RW",
            begin: Begin::Index(2),
            find: Find::Keynum {
                keynumidx: 0,
                firstkey: 1,
                keystep: 1,
            },
        }];
        assert_eq!(
            positions(&eval, &["eval", "s", "2", "a", "b", "x"]),
            Some(vec![3, 4])
        );
        assert_eq!(positions(&eval, &["eval", "s", "0"]), None);
        assert_eq!(positions(&eval, &["eval", "s", "5", "a"]), None);
        assert_eq!(positions(&eval, &["eval", "s", "-1", "a"]), None);
        assert_eq!(positions(&eval, &["eval", "s", "x", "a"]), None);
        assert_eq!(positions(&eval, &["eval", "s"]), None);
        // Unknown specs find nothing; ranges past the end are invalid.
        let unknown = [KeySpec {
            notes: "",
            flags: "RW",
            begin: Begin::Unknown,
            find: Find::Unknown,
        }];
        assert_eq!(positions(&unknown, &["x", "a"]), Some(vec![]));
        assert_eq!(positions(&[meta::ks("RW", 1, 1, 1)], &["x", "a"]), None);
        assert!(
            movable_keys(&streams)
                && movable_keys(&eval)
                && !movable_keys(&[meta::ks("RW", 1, 0, 1)])
        );
    }

    #[test]
    fn movable_keys_flag_is_shown() {
        let specs = [KeySpec {
            notes: "",
            flags: "RW",
            begin: Begin::Index(2),
            find: Find::Keynum {
                keynumidx: 0,
                firstkey: 1,
                keystep: 1,
            },
        }];
        static EV: Cmd = Cmd::new(
            "ev",
            -3,
            NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MAY_REPLICATE | SENTINEL,
            noop,
        );
        assert_eq!(
            shown_flags(&EV, &specs),
            [
                "noscript",
                "stale",
                "skip_monitor",
                "no_mandatory_keys",
                "movablekeys"
            ]
        );
        let spec = render(|r| reply_key_spec(r, &specs[0]));
        assert!(spec.ends_with(
            "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n\
             $9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n"
        ));
    }
}
