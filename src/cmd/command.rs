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
    Cow::Owned(vec![meta::ks("", cmd.first_key, lastkey, cmd.key_step.max(1))])
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
    // Rows without metadata: Redis's module commands are grouped "module";
    // ours are plain keyspace commands until they get an entry.
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
        let flags: Vec<&str> = [(meta::DOC_DEPRECATED, "deprecated"), (meta::DOC_SYSCMD, "syscmd")]
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
        let is_key = a.kind == ArgKind::Key;
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
            meta.and_then(|m| m.var_flags).map_or(spec.flags, |f| f(argv))
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
    }
    Some(out)
}

/// Shared by GETKEYS and GETKEYSANDFLAGS: finds the command in argv[2..] and
/// its keys, replying with the error Redis gives when there are none.
fn getkeys_generic(ctx: &mut Ctx, argv: &[&[u8]], with_flags: bool) {
    let target = &argv[2..];
    let entry = table().lookup(target[0]).and_then(|base| {
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
    let keys = find_keys(&specs, meta, target).unwrap_or_default();
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
        argv[2..].iter().filter_map(|n| lookup_fullname(n)).collect()
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

/// COMMAND HELP (Redis 7.2's text; 7.0 ends with "Prints this help.").
fn help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Print this help.",
    ];
    let r = &mut ctx.c.reply;
    r.array(LINES.len());
    for l in LINES {
        r.simple(l);
    }
}
