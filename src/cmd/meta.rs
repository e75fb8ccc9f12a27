//! Per-command metadata for COMMAND INFO and COMMAND DOCS: what a command row
//! does not carry (group, summary, since, complexity, extra ACL categories,
//! tips, key specifications, history and the argument tree).
//!
//! One static table keyed by full command name ("get", "config|get"). The
//! argument tree is written as a compact usage string (see [`parse_args`]) and
//! parsed once, on first use. Rows without an entry still get a valid COMMAND
//! INFO/DOCS entry, derived from the row alone.
//!
//! Summaries, complexity notes, history entries and key-spec notes are our
//! own short wording; everything structural (flags, ACL categories, key
//! specs, argument trees, versions) matches Redis 7.0.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Where a key specification starts looking for keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// At a fixed argument index.
    Index(i32),
    /// After the first `keyword` found from `startfrom` (negative: searching
    /// backwards from the end).
    Keyword {
        keyword: &'static str,
        startfrom: i32,
    },
    Unknown,
}

/// How a key specification finds the keys once it has begun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Find {
    /// Keys up to `lastkey` (relative to the first key; negative: counted from
    /// the end), every `keystep` arguments; `limit` divides the remaining
    /// arguments when `lastkey` is negative (0: no limit).
    Range {
        lastkey: i32,
        keystep: i32,
        limit: i32,
    },
    /// The number of keys is the argument `keynumidx` after the begin point;
    /// keys start `firstkey` after the begin point.
    Keynum {
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    },
    Unknown,
}

/// One key specification (Redis 7 "key specs").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// Free text, empty when there is none.
    pub notes: &'static str,
    /// Space-separated flags in COMMAND INFO order: RO RW OW RM, then access
    /// update insert delete, then not_key incomplete variable_flags.
    pub flags: &'static str,
    pub begin: Begin,
    pub find: Find,
}

/// The common key spec: begins at argument `index`, a range of keys.
pub const fn ks(flags: &'static str, index: i32, lastkey: i32, keystep: i32) -> KeySpec {
    KeySpec {
        notes: "",
        flags,
        begin: Begin::Index(index),
        find: Find::Range {
            lastkey,
            keystep,
            limit: 0,
        },
    }
}

/// A key spec whose keys follow a count: begins at argument `index`; the
/// count is `keynumidx` arguments after it and the keys start `firstkey`
/// after it (LMPOP, ZUNIONSTORE, SINTERCARD...).
pub const fn kn(
    flags: &'static str,
    index: i32,
    keynumidx: i32,
    firstkey: i32,
    keystep: i32,
) -> KeySpec {
    KeySpec {
        notes: "",
        flags,
        begin: Begin::Index(index),
        find: Find::Keynum {
            keynumidx,
            firstkey,
            keystep,
        },
    }
}

/// A key spec that begins after `keyword`, searched from argument
/// `startfrom` (GEORADIUS's STORE).
pub const fn kw(flags: &'static str, keyword: &'static str, startfrom: i32) -> KeySpec {
    KeySpec {
        notes: "",
        flags,
        begin: Begin::Keyword { keyword, startfrom },
        find: Find::Range {
            lastkey: 0,
            keystep: 1,
            limit: 0,
        },
    }
}

/// A key spec whose keys cannot be located from the arguments alone (SORT's
/// BY/GET patterns and STORE).
pub const fn ks_unknown(flags: &'static str) -> KeySpec {
    KeySpec {
        notes: "",
        flags,
        begin: Begin::Unknown,
        find: Find::Unknown,
    }
}

impl KeySpec {
    pub const fn notes(mut self, notes: &'static str) -> KeySpec {
        self.notes = notes;
        self
    }

    pub fn flag_list(&self) -> impl Iterator<Item = &'static str> {
        self.flags.split_ascii_whitespace()
    }
}

/// Key spec flags in the order COMMAND INFO lists them.
pub const KEY_SPEC_FLAGS: &[&str] = &[
    "RO",
    "RW",
    "OW",
    "RM",
    "access",
    "update",
    "insert",
    "delete",
    "not_key",
    "incomplete",
    "variable_flags",
];

/// ACL categories in the order COMMAND INFO lists them (Redis's bit order).
pub const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// COMMAND DOCS `doc_flags`.
pub const DOC_DEPRECATED: u8 = 1;
pub const DOC_SYSCMD: u8 = 2;

/// Key spec flags computed from a command line (argv[0] is the name).
pub type VarFlags = fn(&[&[u8]]) -> &'static str;

/// The keys of a command line (argument index, key-spec flags) found by
/// walking its arguments, for when a key spec flagged `incomplete` matched
/// (Redis's getkeys_proc fallback; MIGRATE ... KEYS).
pub type GetKeys = fn(&[&[u8]]) -> Vec<(usize, &'static str)>;

/// Everything COMMAND INFO/DOCS needs beyond the command row.
#[derive(Debug)]
pub struct Meta {
    /// Full name: "get", "config|get".
    pub name: &'static str,
    pub group: &'static str,
    pub since: &'static str,
    pub complexity: &'static str,
    pub summary: &'static str,
    /// ACL categories beyond those the flags imply, space-separated,
    /// without '@' ("keyspace dangerous").
    pub acl: &'static str,
    /// Command tips, space-separated ("request_policy:all_shards").
    pub tips: &'static str,
    pub key_specs: &'static [KeySpec],
    /// The argument tree in the usage DSL of [`parse_args`].
    pub args: &'static str,
    /// (version, what changed).
    pub history: &'static [(&'static str, &'static str)],
    pub doc_flags: u8,
    pub deprecated_since: &'static str,
    pub replaced_by: &'static str,
    /// For key specs flagged `variable_flags`: the flags that apply to these
    /// arguments (argv[0] is the command name), for COMMAND GETKEYSANDFLAGS.
    pub var_flags: Option<VarFlags>,
    /// What finds the keys when an `incomplete` key spec matched.
    pub getkeys: Option<GetKeys>,
}

/// A metadata entry: name, group, since, complexity, summary.
pub const fn m(
    name: &'static str,
    group: &'static str,
    since: &'static str,
    complexity: &'static str,
    summary: &'static str,
) -> Meta {
    Meta {
        name,
        group,
        since,
        complexity,
        summary,
        acl: "",
        tips: "",
        key_specs: &[],
        args: "",
        history: &[],
        doc_flags: 0,
        deprecated_since: "",
        replaced_by: "",
        var_flags: None,
        getkeys: None,
    }
}

impl Meta {
    pub const fn acl(mut self, acl: &'static str) -> Meta {
        self.acl = acl;
        self
    }
    pub const fn tips(mut self, tips: &'static str) -> Meta {
        self.tips = tips;
        self
    }
    pub const fn keys(mut self, specs: &'static [KeySpec]) -> Meta {
        self.key_specs = specs;
        self
    }
    pub const fn args(mut self, args: &'static str) -> Meta {
        self.args = args;
        self
    }
    pub const fn history(mut self, h: &'static [(&'static str, &'static str)]) -> Meta {
        self.history = h;
        self
    }
    pub const fn deprecated(mut self, since: &'static str, replaced_by: &'static str) -> Meta {
        self.doc_flags |= DOC_DEPRECATED;
        self.deprecated_since = since;
        self.replaced_by = replaced_by;
        self
    }
    pub const fn var_flags(mut self, f: VarFlags) -> Meta {
        self.var_flags = Some(f);
        self
    }
    pub const fn getkeys(mut self, f: GetKeys) -> Meta {
        self.getkeys = Some(f);
        self
    }
    pub const fn syscmd(mut self) -> Meta {
        self.doc_flags |= DOC_SYSCMD;
        self
    }

    pub fn acl_list(&self) -> impl Iterator<Item = &'static str> {
        self.acl.split_ascii_whitespace()
    }
    pub fn tip_list(&self) -> impl Iterator<Item = &'static str> {
        self.tips.split_ascii_whitespace()
    }
}

// ---------------------------------------------------------------------------
// Argument trees.
// ---------------------------------------------------------------------------

/// COMMAND DOCS argument types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    PureToken,
    Oneof,
    Block,
}

impl ArgKind {
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Key => "key",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::Oneof => "oneof",
            ArgKind::Block => "block",
        }
    }

    /// The DSL's type suffixes.
    fn from_suffix(s: &str) -> Option<ArgKind> {
        Some(match s {
            "string" => ArgKind::String,
            "int" => ArgKind::Integer,
            "double" => ArgKind::Double,
            "key" => ArgKind::Key,
            "pattern" => ArgKind::Pattern,
            "time" => ArgKind::UnixTime,
            _ => return None,
        })
    }
}

/// One COMMAND DOCS argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: String,
    pub kind: ArgKind,
    /// For keys: which key spec describes this argument.
    pub key_spec_index: u32,
    /// COMMAND DOCS shows `key_spec_index`: true for key arguments and for
    /// other arguments given an explicit `#n` (SORT's BY and GET patterns).
    pub key_spec: bool,
    pub token: Option<String>,
    pub since: Option<String>,
    pub deprecated_since: Option<String>,
    pub optional: bool,
    pub multiple: bool,
    /// The token repeats with every value ("PREFIX a PREFIX b").
    pub multiple_token: bool,
    /// Children of oneof and block arguments.
    pub args: Vec<Arg>,
}

impl Arg {
    fn new(name: &str, kind: ArgKind) -> Arg {
        Arg {
            name: name.to_string(),
            kind,
            key_spec_index: 0,
            key_spec: kind == ArgKind::Key,
            token: None,
            since: None,
            deprecated_since: None,
            optional: false,
            multiple: false,
            multiple_token: false,
            args: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Open(char),
    Close(char),
    Bar,
    Word(&'a str),
}

fn lex(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in s.char_indices() {
        let special = matches!(ch, '[' | ']' | '(' | ')' | '|') || ch.is_whitespace();
        if !special {
            start.get_or_insert(i);
            continue;
        }
        if let Some(st) = start.take() {
            out.push(Tok::Word(&s[st..i]));
        }
        match ch {
            '[' | '(' => out.push(Tok::Open(ch)),
            ']' | ')' => out.push(Tok::Close(ch)),
            '|' => out.push(Tok::Bar),
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push(Tok::Word(&s[st..]));
    }
    out
}

/// True for a pure-token word: upper-case letters, digits, '-' and '_',
/// with at least one letter.
fn is_token_word(w: &str) -> bool {
    // Streams' one-character tokens, only in the named form (`auto_id=*`).
    if matches!(w, "=" | "~" | "*" | "$" | "\"\"") {
        return true;
    }
    !w.is_empty()
        && w.bytes().any(|b| b.is_ascii_uppercase())
        && w.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn is_mod_start(w: &str) -> bool {
    w.starts_with("...") || w.starts_with(['@', '#', '!'])
}

/// Applies modifiers: `...` multiple, `@ver` since, `!ver` deprecated since,
/// `#n` key spec index. `repeat_token`: a `...` repeats the token too.
fn apply_mods(arg: &mut Arg, mods: &str, repeat_token: bool) -> Result<(), String> {
    let mut rest = mods;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("...") {
            arg.multiple = true;
            if repeat_token && arg.token.is_some() {
                arg.multiple_token = true;
            }
            rest = r;
            continue;
        }
        let (kind, r) = rest.split_at(1);
        let end = r.find(['@', '#', '!']).unwrap_or(r.len());
        let end = r.find("...").map_or(end, |e| e.min(end));
        let (val, r) = r.split_at(end);
        if val.is_empty() {
            return Err(format!("empty modifier value in {mods:?}"));
        }
        match kind {
            "@" => arg.since = Some(val.to_string()),
            "!" => arg.deprecated_since = Some(val.to_string()),
            "#" => {
                arg.key_spec_index = val
                    .parse()
                    .map_err(|_| format!("bad key spec index {val:?}"))?;
                arg.key_spec = true;
            }
            _ => return Err(format!("unknown modifier {mods:?}")),
        }
        rest = r;
    }
    Ok(())
}

/// A parsed item plus what the sequence pass needs to know about it.
struct Item {
    arg: Arg,
    /// A plain token word that may bind to the next item as its token.
    bare_token: bool,
}

struct Parser<'a> {
    toks: Vec<Tok<'a>>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.toks.get(self.pos).copied()
    }

    /// Alternatives separated by '|', up to the closing bracket (or the end).
    fn alts(&mut self, close: Option<char>) -> Result<Vec<Vec<Arg>>, String> {
        let mut alts = vec![self.seq()?];
        loop {
            match self.peek() {
                Some(Tok::Bar) => {
                    self.pos += 1;
                    alts.push(self.seq()?);
                }
                Some(Tok::Close(c)) if Some(c) == close => {
                    self.pos += 1;
                    return Ok(alts);
                }
                None if close.is_none() => return Ok(alts),
                t => return Err(format!("unexpected {t:?}")),
            }
        }
    }

    /// A sequence of items; a bare token binds to the item after it.
    fn seq(&mut self) -> Result<Vec<Arg>, String> {
        let mut items: Vec<Item> = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::Bar) | Some(Tok::Close(_)) => break,
                Some(Tok::Word(w)) if is_mod_start(w) => {
                    return Err(format!("modifier {w:?} without an argument"));
                }
                Some(Tok::Word(w)) if w.ends_with(':') => {
                    self.pos += 1;
                    let name = &w[..w.len() - 1];
                    let Some(Tok::Open(open)) = self.peek() else {
                        return Err(format!("{w:?} must be followed by a group"));
                    };
                    self.pos += 1;
                    let alts = self.alts(Some(closing(open)))?;
                    let mut arg = named_group(name, alts)?;
                    arg.optional |= open == '[';
                    self.group_mods(&mut arg, false)?;
                    items.push(Item {
                        arg,
                        bare_token: false,
                    });
                }
                Some(Tok::Word(w)) => {
                    self.pos += 1;
                    items.push(word_item(w)?);
                }
                Some(Tok::Open(open)) => {
                    self.pos += 1;
                    let mut alts = self.alts(Some(closing(open)))?;
                    let (Some(mut seq), true) = (alts.pop(), alts.is_empty()) else {
                        return Err("an unnamed group cannot hold alternatives".into());
                    };
                    let (Some(mut arg), true) = (seq.pop(), seq.is_empty()) else {
                        return Err("an unnamed group must hold exactly one argument".into());
                    };
                    arg.optional |= open == '[';
                    self.group_mods(&mut arg, true)?;
                    items.push(Item {
                        arg,
                        bare_token: false,
                    });
                }
            }
        }
        // Bind each bare token to the non-token item right after it.
        let mut out: Vec<Arg> = Vec::with_capacity(items.len());
        let mut iter = items.into_iter().peekable();
        while let Some(it) = iter.next() {
            if it.bare_token
                && let Some(next) = iter.peek_mut()
                && next.arg.kind != ArgKind::PureToken
                && next.arg.token.is_none()
            {
                next.arg.token = it.arg.token;
                continue;
            }
            out.push(it.arg);
        }
        Ok(out)
    }

    /// Modifier words right after a group apply to the group's argument.
    fn group_mods(&mut self, arg: &mut Arg, repeat_token: bool) -> Result<(), String> {
        while let Some(Tok::Word(w)) = self.peek() {
            if !is_mod_start(w) {
                break;
            }
            self.pos += 1;
            apply_mods(arg, w, repeat_token)?;
        }
        Ok(())
    }
}

fn closing(open: char) -> char {
    if open == '[' { ']' } else { ')' }
}

fn named_group(name: &str, mut alts: Vec<Vec<Arg>>) -> Result<Arg, String> {
    if alts.len() == 1 {
        let children = alts.pop().unwrap_or_default();
        if children.is_empty() {
            return Err(format!("empty block {name:?}"));
        }
        let mut arg = Arg::new(name, ArgKind::Block);
        arg.args = children;
        return Ok(arg);
    }
    let mut arg = Arg::new(name, ArgKind::Oneof);
    for mut alt in alts {
        let (Some(a), true) = (alt.pop(), alt.is_empty()) else {
            return Err(format!("each alternative of {name:?} must be one argument"));
        };
        arg.args.push(a);
    }
    Ok(arg)
}

/// One word: `name`, `name:type`, `TOKEN`, `name=TOKEN`, with modifiers.
fn word_item(w: &str) -> Result<Item, String> {
    let cut = [w.find("..."), w.find(['@', '#', '!'])]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(w.len());
    let (core, mods) = w.split_at(cut);
    if core.is_empty() {
        return Err(format!("bad word {w:?}"));
    }
    let (mut arg, bare) = if let Some((name, token)) = core.split_once('=') {
        if !is_token_word(token) || name.is_empty() {
            return Err(format!("bad named token {core:?}"));
        }
        let mut a = Arg::new(name, ArgKind::PureToken);
        // `""` is the empty token (MIGRATE's empty key argument).
        a.token = Some(if token == "\"\"" { "" } else { token }.to_string());
        (a, false)
    } else if is_token_word(core) {
        let mut a = Arg::new(&core.to_ascii_lowercase(), ArgKind::PureToken);
        a.token = Some(core.to_string());
        (a, mods.is_empty())
    } else {
        match core.rsplit_once(':') {
            Some((name, ty)) if ArgKind::from_suffix(ty).is_some() && !name.is_empty() => {
                let kind = ArgKind::from_suffix(ty).unwrap_or(ArgKind::String);
                (Arg::new(name, kind), false)
            }
            _ => (Arg::new(core, ArgKind::String), false),
        }
    };
    let name_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_:/".contains(&b);
    if arg.name.is_empty() || !arg.name.bytes().all(name_ok) {
        return Err(format!("bad argument name in {w:?}"));
    }
    apply_mods(&mut arg, mods, false)?;
    Ok(Item {
        arg,
        bare_token: bare,
    })
}

/// Parses an argument tree written as a usage string:
///
/// * `name` is a string argument; `name:type` with type one of string, int,
///   double, key, pattern, time (unix-time).
/// * `TOKEN` (upper case) is a pure token named after its lower-cased text;
///   `name=TOKEN` names it explicitly.
/// * A bare `TOKEN` followed by another argument is that argument's token:
///   `EX seconds:int`, `AUTH creds:(user pass)`.
/// * `[x]` makes x optional; `name:[a|b]` / `name:(a|b)` is an optional /
///   required oneof; `name:[a b]` / `name:(a b)` an optional / required block.
/// * Modifiers follow an argument or a group: `...` multiple (after an
///   unnamed group holding a token argument, the token repeats too:
///   `[PREFIX p]...`), `@7.0.0` since, `!2.8.12` deprecated since, `#1` key
///   spec index (default 0; keys always show one, other arguments only when
///   given `#n`, as SORT's BY and GET patterns).
pub fn parse_args(dsl: &str) -> Result<Vec<Arg>, String> {
    let mut p = Parser {
        toks: lex(dsl),
        pos: 0,
    };
    let mut alts = p.alts(None)?;
    match (alts.pop(), alts.is_empty()) {
        (Some(seq), true) => Ok(seq),
        _ => Err("alternatives at the top level need a named group".into()),
    }
}

// ---------------------------------------------------------------------------
// Lookup.
// ---------------------------------------------------------------------------

struct Index {
    by_name: HashMap<&'static str, (&'static Meta, Vec<Arg>)>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut by_name = HashMap::with_capacity(TABLE.len());
        for meta in TABLE {
            let args = parse_args(meta.args).unwrap_or_else(|e| {
                tracing::warn!("bad argument tree for {}: {e}", meta.name);
                Vec::new()
            });
            by_name.insert(meta.name, (meta, args));
        }
        Index { by_name }
    })
}

/// The metadata of a command by full lower-case name ("config|get").
pub fn lookup(fullname: &str) -> Option<&'static Meta> {
    index().by_name.get(fullname).map(|(m, _)| *m)
}

/// The parsed argument tree of a command (empty when it has none).
pub fn args_of(fullname: &str) -> &'static [Arg] {
    index()
        .by_name
        .get(fullname)
        .map_or(&[], |(_, a)| a.as_slice())
}

/// Every metadata entry.
pub fn all() -> &'static [Meta] {
    TABLE
}

// ---------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------

const EXPIRE_OPTS_HISTORY: &[(&str, &str)] =
    &[("7.0.0", "Added the `NX`, `XX`, `GT` and `LT` conditions.")];
const EXPIRE_SINCE_70_HISTORY: &[(&str, &str)] = &[("7.0.0", "`NX`, `XX`, `GT` and `LT` options.")];
const FLUSH_HISTORY: &[(&str, &str)] = &[
    ("4.0.0", "Added the `ASYNC` mode."),
    ("6.2.0", "Added the `SYNC` mode."),
];

const RO: &[KeySpec] = &[ks("RO", 1, 0, 1)];
const RO_ACCESS: &[KeySpec] = &[ks("RO access", 1, 0, 1)];
const RW_ACCESS_UPDATE: &[KeySpec] = &[ks("RW access update", 1, 0, 1)];
const RW_UPDATE: &[KeySpec] = &[ks("RW update", 1, 0, 1)];
const OW_UPDATE: &[KeySpec] = &[ks("OW update", 1, 0, 1)];
const OBJECT_KEY: &[KeySpec] = &[ks("RO", 2, 0, 1)];
const RW_INSERT: &[KeySpec] = &[ks("RW insert", 1, 0, 1)];
const RW_DELETE: &[KeySpec] = &[ks("RW delete", 1, 0, 1)];
const RW_ACCESS_DELETE: &[KeySpec] = &[ks("RW access delete", 1, 0, 1)];
/// Source popped from, destination pushed onto (LMOVE, SMOVE...).
const MOVE_KEYS: &[KeySpec] = &[ks("RW access delete", 1, 0, 1), ks("RW insert", 2, 0, 1)];
/// BLPOP-style: every argument but the trailing timeout is a key.
const BPOP_KEYS: &[KeySpec] = &[ks("RW access delete", 1, -2, 1)];
const RO_ACCESS_ALL: &[KeySpec] = &[ks("RO access", 1, -1, 1)];
/// XREAD/XREADGROUP: the keys are the first half of what follows STREAMS.
const XREAD_KEYS: KeySpec = stream_keys(1);
const XREADGROUP_KEYS: KeySpec = stream_keys(4);

const fn stream_keys(startfrom: i32) -> KeySpec {
    KeySpec {
        notes: "",
        flags: "RO access",
        begin: Begin::Keyword {
            keyword: "STREAMS",
            startfrom,
        },
        find: Find::Range {
            lastkey: -1,
            keystep: 1,
            limit: 2,
        },
    }
}
/// A destination, then every other argument is a source.
const STORE_FROM_ALL: &[KeySpec] = &[ks("OW update", 1, 0, 1), ks("RO access", 2, -1, 1)];
/// numkeys at argument 1, the keys after it (LMPOP, ZMPOP).
const POP_NUMKEYS: &[KeySpec] = &[kn("RW access delete", 1, 0, 1, 1)];
/// timeout, then numkeys and the keys (BLMPOP, BZMPOP).
const BPOP_NUMKEYS: &[KeySpec] = &[kn("RW access delete", 2, 0, 1, 1)];
const RO_NUMKEYS: &[KeySpec] = &[kn("RO access", 1, 0, 1, 1)];
/// A destination, then numkeys and the sources (ZUNIONSTORE...).
const STORE_NUMKEYS: &[KeySpec] = &[ks("OW update", 1, 0, 1), kn("RO access", 2, 0, 1, 1)];

const RESTORE_COMPLEXITY: &str = "O(1) to create the key plus O(N*M) to rebuild N objects of \
     average size M; O(N*M*log(N)) for sorted sets";
const RESTORE_HISTORY: &[(&str, &str)] = &[
    ("3.0.0", "New option: `REPLACE`."),
    ("5.0.0", "New option: `ABSTTL`."),
    ("5.0.0", "New options: `IDLETIME`, `FREQ`."),
];
const RESTORE_ARGS: &str = "key:key ttl:int serialized-value [REPLACE]@3.0.0 [ABSTTL]@5.0.0 \
     [IDLETIME seconds:int]@5.0.0 [FREQ frequency:int]@5.0.0";
const MULTI_SUM: &str = "request_policy:multi_shard response_policy:agg_sum";
const ALL_SHARDS_OK: &str = "request_policy:all_shards response_policy:all_succeeded";
/// The NX/XX/GT/LT condition of the EXPIRE family (a macro so `concat!` can use it).
macro_rules! expire_condition {
    () => {
        "condition:[NX|XX|GT|LT]@7.0.0"
    };
}

/// SET's key is read too (RW access) only when GET is among the options.
/// BITFIELD's key flags: read-only when every operation is a GET.
fn bitfield_key_flags(argv: &[&[u8]]) -> &'static str {
    let writes = argv
        .iter()
        .skip(2)
        .any(|a| a.eq_ignore_ascii_case(b"set") || a.eq_ignore_ascii_case(b"incrby"));
    if writes {
        "RW access update"
    } else {
        "RO access"
    }
}

fn set_key_flags(argv: &[&[u8]]) -> &'static str {
    let get = argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    if get { "RW access update" } else { "OW update" }
}

/// The entries. Key specs, tips, categories and argument trees follow Redis 7.0
/// (COMMAND INFO is compared byte for byte by the differential suite; SET's
/// key spec note is therefore Redis's wording, GETEX's is ours); commands 7.2
/// added (CLIENT SETINFO, CLIENT NO-TOUCH) and 7.2's changes (ZRANK and
/// ZREVRANK's WITHSCORE) follow 7.2.
/// EVAL / FCALL: numkeys then the keys.
const SCRIPT_KEYS_RW: &[KeySpec] = &[kn("RW access update", 2, 0, 1, 1)
    .notes("scripts may do anything with their keys, so read-write is assumed")];
const SCRIPT_KEYS_RO: &[KeySpec] =
    &[kn("RO access", 2, 0, 1, 1).notes("read-only scripts can only read their keys")];
const SCRIPT_ARGS: &str = "script numkeys:int [key:key...] [arg...]";
const FCALL_ARGS: &str = "function numkeys:int [key:key...] [arg...]";

static TABLE: &[Meta] = &[
    // Scripting and functions.
    m(
        "eval",
        "scripting",
        "2.6.0",
        "Depends on the script",
        "Run a Lua script on the server",
    )
    .acl("scripting")
    .keys(SCRIPT_KEYS_RW)
    .args(SCRIPT_ARGS),
    m(
        "evalsha",
        "scripting",
        "2.6.0",
        "Depends on the script",
        "Run a cached Lua script, named by its SHA1",
    )
    .acl("scripting")
    .keys(&[kn("RW access update", 2, 0, 1, 1)])
    .args("sha1 numkeys:int [key:key...] [arg...]"),
    m(
        "eval_ro",
        "scripting",
        "7.0.0",
        "Depends on the script",
        "Run a read-only Lua script",
    )
    .acl("scripting")
    .keys(SCRIPT_KEYS_RO)
    .args(SCRIPT_ARGS),
    m(
        "evalsha_ro",
        "scripting",
        "7.0.0",
        "Depends on the script",
        "Run a cached read-only Lua script, named by its SHA1",
    )
    .acl("scripting")
    .keys(&[kn("RO access", 2, 0, 1, 1)])
    .args("sha1 numkeys:int [key:key...] [arg...]"),
    m(
        "script",
        "scripting",
        "2.6.0",
        "Depends on subcommand.",
        "Container for commands on the Lua script cache",
    ),
    m(
        "script|exists",
        "scripting",
        "2.6.0",
        "O(N) for N SHA1s",
        "Tell which scripts are in the cache",
    )
    .acl("scripting")
    .tips("request_policy:all_shards response_policy:agg_logical_and")
    .args("sha1..."),
    m(
        "script|flush",
        "scripting",
        "2.6.0",
        "O(N) for N cached scripts",
        "Empty the script cache",
    )
    .acl("scripting")
    .tips("request_policy:all_nodes response_policy:all_succeeded")
    .history(&[("6.2.0", "ASYNC and SYNC modes.")])
    .args("[async:(ASYNC@6.2.0|SYNC)]"),
    m(
        "script|load",
        "scripting",
        "2.6.0",
        "O(N) for a script of N bytes",
        "Compile and cache a script without running it",
    )
    .acl("scripting")
    .tips("request_policy:all_nodes response_policy:all_succeeded")
    .args("script"),
    m(
        "script|kill",
        "scripting",
        "2.6.0",
        "O(1)",
        "Stop the running script if it has not written",
    )
    .acl("scripting")
    .tips("request_policy:all_shards response_policy:one_succeeded"),
    m(
        "script|help",
        "scripting",
        "5.0.0",
        "O(1)",
        "Describe the SCRIPT subcommands",
    )
    .acl("scripting"),
    m(
        "fcall",
        "scripting",
        "7.0.0",
        "Depends on the function",
        "Call a function from a loaded library",
    )
    .acl("scripting")
    .keys(SCRIPT_KEYS_RW)
    .args(FCALL_ARGS),
    m(
        "fcall_ro",
        "scripting",
        "7.0.0",
        "Depends on the function",
        "Call a read-only function from a loaded library",
    )
    .acl("scripting")
    .keys(SCRIPT_KEYS_RO)
    .args(FCALL_ARGS),
    m(
        "function",
        "scripting",
        "7.0.0",
        "Depends on subcommand.",
        "Container for commands on function libraries",
    ),
    m(
        "function|load",
        "scripting",
        "7.0.0",
        "O(1) plus compiling the code",
        "Load a library of functions",
    )
    .acl("scripting")
    .tips("request_policy:all_shards response_policy:all_succeeded")
    .args("[REPLACE] function-code"),
    m(
        "function|delete",
        "scripting",
        "7.0.0",
        "O(1)",
        "Remove a library and its functions",
    )
    .acl("scripting")
    .tips("request_policy:all_shards response_policy:all_succeeded")
    .args("library-name"),
    m(
        "function|flush",
        "scripting",
        "7.0.0",
        "O(N) for N functions",
        "Remove every library",
    )
    .acl("scripting")
    .tips("request_policy:all_shards response_policy:all_succeeded")
    .args("[async:(ASYNC|SYNC)]"),
    m(
        "function|list",
        "scripting",
        "7.0.0",
        "O(N) for N functions",
        "Describe the loaded libraries",
    )
    .acl("scripting")
    .tips("nondeterministic_output_order")
    .args("[LIBRARYNAME library-name-pattern] [WITHCODE]"),
    m(
        "function|dump",
        "scripting",
        "7.0.0",
        "O(N) for N functions",
        "Serialize every library",
    )
    .acl("scripting"),
    m(
        "function|restore",
        "scripting",
        "7.0.0",
        "O(N) for N functions in the payload",
        "Load libraries from a FUNCTION DUMP payload",
    )
    .acl("scripting")
    .tips("request_policy:all_shards response_policy:all_succeeded")
    .args("serialized-value [policy:(FLUSH|APPEND|REPLACE)]"),
    m(
        "function|stats",
        "scripting",
        "7.0.0",
        "O(1)",
        "Show the running function and library counts",
    )
    .acl("scripting")
    .tips("nondeterministic_output request_policy:all_shards response_policy:special"),
    m(
        "function|kill",
        "scripting",
        "7.0.0",
        "O(1)",
        "Stop the running function if it has not written",
    )
    .acl("scripting")
    .tips("request_policy:all_shards response_policy:one_succeeded"),
    m(
        "function|help",
        "scripting",
        "7.0.0",
        "O(1)",
        "Describe the FUNCTION subcommands",
    )
    .acl("scripting"),
    // --- strings -------------------------------------------------------------
    m(
        "get",
        "string",
        "1.0.0",
        "O(1)",
        "Read the string stored at a key",
    )
    .acl("string")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "set",
        "string",
        "1.0.0",
        "O(1)",
        "Store a string at a key, with optional conditions and TTL",
    )
    .acl("string")
    .keys(&[ks("RW access update variable_flags", 1, 0, 1)
        .notes("read-write with access because GET may return the old value")])
    .var_flags(set_key_flags)
    .history(&[
        ("2.6.12", "`EX`, `PX`, `NX` and `XX` options."),
        ("6.0.0", "`KEEPTTL` option."),
        ("6.2.0", "`GET`, `EXAT` and `PXAT` options."),
        ("7.0.0", "`NX` and `GET` may be combined."),
    ])
    .args(
        "key:key value condition:[NX|XX]@2.6.12 [GET]@6.2.0 \
             expiration:[EX seconds:int@2.6.12|PX milliseconds:int@2.6.12\
             |EXAT unix-time-seconds:time@6.2.0|PXAT unix-time-milliseconds:time@6.2.0\
             |KEEPTTL@6.0.0]",
    ),
    m(
        "setnx",
        "string",
        "1.0.0",
        "O(1)",
        "Set a string value only when the key is absent",
    )
    .acl("string")
    .keys(&[ks("OW insert", 1, 0, 1)])
    .args("key:key value"),
    m(
        "setex",
        "string",
        "2.0.0",
        "O(1)",
        "Set a string value with a timeout in seconds",
    )
    .acl("string")
    .keys(OW_UPDATE)
    .args("key:key seconds:int value"),
    m(
        "psetex",
        "string",
        "2.6.0",
        "O(1)",
        "Set a string value with a timeout in milliseconds",
    )
    .acl("string")
    .keys(OW_UPDATE)
    .args("key:key milliseconds:int value"),
    m(
        "mget",
        "string",
        "1.0.0",
        "O(N) for N keys.",
        "Read the strings stored at several keys",
    )
    .acl("string")
    .tips("request_policy:multi_shard")
    .keys(&[ks("RO access", 1, -1, 1)])
    .args("key:key..."),
    m(
        "mset",
        "string",
        "1.0.1",
        "O(N) for N keys.",
        "Store strings at several keys at once",
    )
    .acl("string")
    .tips("request_policy:multi_shard response_policy:all_succeeded")
    .keys(&[ks("OW update", 1, -1, 2)])
    .args("key_value:(key:key value)..."),
    m(
        "msetnx",
        "string",
        "1.0.1",
        "O(N) where N is the number of keys being set",
        "Set several keys at once, only if none of them exists",
    )
    .acl("string")
    .tips("request_policy:multi_shard response_policy:agg_min")
    .keys(&[ks("OW insert", 1, -1, 2)])
    .args("key_value:(key:key value)..."),
    m(
        "getset",
        "string",
        "1.0.0",
        "O(1)",
        "Set a string value and return the previous one",
    )
    .acl("string")
    .keys(RW_ACCESS_UPDATE)
    .deprecated("6.2.0", "`SET` with its `GET` option")
    .args("key:key value"),
    m(
        "getdel",
        "string",
        "6.2.0",
        "O(1)",
        "Return a string value and delete its key",
    )
    .acl("string")
    .keys(&[ks("RW access delete", 1, 0, 1)])
    .args("key:key"),
    m(
        "getex",
        "string",
        "6.2.0",
        "O(1)",
        "Return a string value and change or clear its timeout",
    )
    .acl("string")
    .keys(&[ks("RW access update", 1, 0, 1).notes("RW and UPDATE: the timeout may change")])
    .args(
        "key:key expiration:[EX seconds:int|PX milliseconds:int\
             |EXAT unix-time-seconds:time|PXAT unix-time-milliseconds:time|PERSIST]",
    ),
    m(
        "append",
        "string",
        "2.0.0",
        "O(1) amortized: the string grows geometrically, so appending a small value is cheap.",
        "Append bytes to the string value of a key",
    )
    .acl("string")
    .keys(&[ks("RW insert", 1, 0, 1)])
    .args("key:key value"),
    m(
        "strlen",
        "string",
        "2.2.0",
        "O(1)",
        "Return the length of a string value",
    )
    .acl("string")
    .keys(RO)
    .args("key:key"),
    m(
        "setbit",
        "bitmap",
        "2.2.0",
        "O(1)",
        "Set or clear one bit of a string value, growing it with zero bytes",
    )
    .acl("bitmap")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key offset:int value:int"),
    m(
        "getbit",
        "bitmap",
        "2.2.0",
        "O(1)",
        "Read one bit of a string value",
    )
    .acl("bitmap")
    .keys(RO_ACCESS)
    .args("key:key offset:int"),
    m(
        "bitcount",
        "bitmap",
        "2.6.0",
        "O(N)",
        "Count the bits set to 1 in a string value or a range of it",
    )
    .acl("bitmap")
    .keys(RO_ACCESS)
    .history(&[("7.0.0", "`BYTE|BIT` unit option.")])
    .args("key:key index:[start:int end:int index_unit:[BYTE|BIT]@7.0.0]"),
    m(
        "bitpos",
        "bitmap",
        "2.8.7",
        "O(N)",
        "Find the first bit set to 0 or 1 in a string value or a range of it",
    )
    .acl("bitmap")
    .keys(RO_ACCESS)
    .history(&[("7.0.0", "`BYTE|BIT` unit option.")])
    .args("key:key bit:int index:[start:int end_index:[end:int index_unit:[BYTE|BIT]@7.0.0]]"),
    m(
        "bitop",
        "bitmap",
        "2.6.0",
        "O(N)",
        "Combine string values bit by bit (AND, OR, XOR, NOT) into a destination key",
    )
    .acl("bitmap")
    .keys(&[ks("OW update", 2, 0, 1), ks("RO access", 3, -1, 1)])
    .args("operation destkey:key#0 key:key...#1"),
    m(
        "bitfield",
        "bitmap",
        "3.2.0",
        "O(1) for each subcommand specified",
        "Read, write and increment integers of any width at any bit offset of a string value",
    )
    .acl("bitmap")
    .keys(&[ks("RW access update variable_flags", 1, 0, 1)
        .notes("This command allows both access and modification of the key")])
    .var_flags(bitfield_key_flags)
    .args(
        "key:key operation:[GET encoding_offset:(encoding offset:int)\
             |write:([OVERFLOW wrap_sat_fail:(WRAP|SAT|FAIL)] \
             write_operation:(SET encoding_offset_value:(encoding offset:int value:int)\
             |INCRBY encoding_offset_increment:(encoding offset:int increment:int)))]...",
    ),
    m(
        "bitfield_ro",
        "bitmap",
        "6.0.0",
        "O(1) for each subcommand specified",
        "Read integers of any width at any bit offset of a string value",
    )
    .acl("bitmap")
    .keys(RO_ACCESS)
    .args("key:key [GET encoding_offset:(encoding offset:int)]..."),
    m(
        "pfadd",
        "hyperloglog",
        "2.8.9",
        "O(1) per element.",
        "Add elements to a HyperLogLog sketch, creating it if needed",
    )
    .acl("hyperloglog")
    .keys(RW_INSERT)
    .args("key:key [element]..."),
    m(
        "pfcount",
        "hyperloglog",
        "2.8.9",
        "O(1) for one key (the estimate is cached); O(N) for N keys, merged first.",
        "Estimate how many distinct elements one or more HyperLogLog sketches saw",
    )
    .acl("hyperloglog")
    .keys(&[ks("RW access", 1, -1, 1).notes(
        "RW because it may change the internal representation of the key, and propagate to replicas",
    )])
    .args("key:key..."),
    m(
        "pfmerge",
        "hyperloglog",
        "2.8.9",
        "O(N) for N sketches, with a large constant per sketch.",
        "Merge HyperLogLog sketches into a destination sketch",
    )
    .acl("hyperloglog")
    .keys(&[ks("RW access insert", 1, 0, 1), ks("RO access", 2, -1, 1)])
    .args("destkey:key sourcekey:key...#1"),
    m(
        "pfdebug",
        "hyperloglog",
        "2.8.9",
        "N/A",
        "Inspect or convert a HyperLogLog sketch (for tests)",
    )
    .acl("hyperloglog")
    .keys(&[ks("RW access", 2, 0, 1)])
    .syscmd()
    .args("subcommand key:key"),
    m(
        "pfselftest",
        "hyperloglog",
        "2.8.9",
        "N/A",
        "Run the HyperLogLog code's self test",
    )
    .acl("hyperloglog")
    .syscmd(),
    m(
        "incr",
        "string",
        "1.0.0",
        "O(1)",
        "Add one to the integer stored at a key",
    )
    .acl("string")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key"),
    m(
        "decr",
        "string",
        "1.0.0",
        "O(1)",
        "Subtract one from the integer value of a key",
    )
    .acl("string")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key"),
    m(
        "incrby",
        "string",
        "1.0.0",
        "O(1)",
        "Add an integer to the integer value of a key",
    )
    .acl("string")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key increment:int"),
    m(
        "decrby",
        "string",
        "1.0.0",
        "O(1)",
        "Subtract an integer from the integer value of a key",
    )
    .acl("string")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key decrement:int"),
    m(
        "incrbyfloat",
        "string",
        "2.6.0",
        "O(1)",
        "Add a floating point number to the value of a key",
    )
    .acl("string")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key increment:double"),
    m(
        "setrange",
        "string",
        "2.2.0",
        "O(1), plus O(M) to copy the M bytes of the new value when it is large.",
        "Overwrite part of a string value from an offset on",
    )
    .acl("string")
    .keys(&[ks("RW update", 1, 0, 1)])
    .args("key:key offset:int value"),
    m(
        "getrange",
        "string",
        "2.4.0",
        "O(N) where N is the length of the returned substring",
        "Return a substring of a string value",
    )
    .acl("string")
    .keys(RO_ACCESS)
    .args("key:key start:int end:int"),
    m(
        "substr",
        "string",
        "1.0.0",
        "O(N) where N is the length of the returned substring",
        "Return a substring of a string value (the old name of GETRANGE)",
    )
    .acl("string")
    .keys(RO_ACCESS)
    .deprecated("2.0.0", "`GETRANGE`")
    .args("key:key start:int end:int"),
    m(
        "lcs",
        "string",
        "7.0.0",
        "O(N*M) where N and M are the lengths of the two strings",
        "Find the longest common subsequence of two string values",
    )
    .acl("string")
    .keys(&[ks("RO access", 1, 1, 1)])
    .args("key1:key key2:key [LEN] [IDX] [MINMATCHLEN len:int] [WITHMATCHLEN]"),
    // --- generic keyspace --------------------------------------------------------
    m(
        "del",
        "generic",
        "1.0.0",
        "O(N) for N keys, plus O(M) for each aggregate value of M elements; O(1) for one \
         string key.",
        "Remove one or more keys",
    )
    .acl("keyspace")
    .tips(MULTI_SUM)
    .keys(&[ks("RM delete", 1, -1, 1)])
    .args("key:key..."),
    m(
        "unlink",
        "generic",
        "4.0.0",
        "O(1) for each key removed; the memory of large values is reclaimed separately.",
        "Delete keys, reclaiming their memory in the background",
    )
    .acl("keyspace")
    .tips(MULTI_SUM)
    .keys(&[ks("RM delete", 1, -1, 1)])
    .args("key:key..."),
    m(
        "exists",
        "generic",
        "1.0.0",
        "O(N) where N is the number of keys given",
        "Count how many of the given keys exist",
    )
    .acl("keyspace")
    .tips(MULTI_SUM)
    .keys(&[ks("RO", 1, -1, 1)])
    .history(&[("3.0.3", "Accepts several keys.")])
    .args("key:key..."),
    m(
        "type",
        "generic",
        "1.0.0",
        "O(1)",
        "Return the type of the value stored at a key",
    )
    .acl("keyspace")
    .keys(RO)
    .args("key:key"),
    m(
        "rename",
        "generic",
        "1.0.0",
        "O(1)",
        "Give a key a new name",
    )
    .acl("keyspace")
    .keys(&[ks("RW access delete", 1, 0, 1), ks("OW update", 2, 0, 1)])
    .args("key:key newkey:key#1"),
    m(
        "renamenx",
        "generic",
        "1.0.0",
        "O(1)",
        "Rename a key only when the new name is free",
    )
    .acl("keyspace")
    .keys(&[ks("RW access delete", 1, 0, 1), ks("OW insert", 2, 0, 1)])
    .history(&[("3.2.0", "Renaming a key to itself is no longer an error.")])
    .args("key:key newkey:key#1"),
    m(
        "keys",
        "generic",
        "1.0.0",
        "O(N) with N the number of keys in the database",
        "List the keys matching a glob-style pattern",
    )
    .acl("keyspace dangerous")
    .tips("request_policy:all_shards nondeterministic_output_order")
    .args("pattern:pattern"),
    m(
        "scan",
        "generic",
        "2.8.0",
        "O(1) per call; O(N) for a full iteration, N being the number of keys.",
        "Iterate over the key space with a cursor",
    )
    .acl("keyspace")
    .tips("nondeterministic_output request_policy:special")
    .history(&[("6.0.0", "Added the `TYPE` filter.")])
    .args("cursor:int [MATCH pattern:pattern] [COUNT count:int] [TYPE type]@6.0.0"),
    m(
        "randomkey",
        "generic",
        "1.0.0",
        "O(1)",
        "Return the name of a random key",
    )
    .acl("keyspace")
    .tips("request_policy:all_shards nondeterministic_output"),
    m(
        "expire",
        "generic",
        "1.0.0",
        "O(1)",
        "Give a key a timeout in seconds",
    )
    .acl("keyspace")
    .keys(RW_UPDATE)
    .history(EXPIRE_SINCE_70_HISTORY)
    .args(concat!("key:key seconds:int ", expire_condition!())),
    m(
        "pexpire",
        "generic",
        "2.6.0",
        "O(1)",
        "Give a key a timeout in milliseconds",
    )
    .acl("keyspace")
    .keys(RW_UPDATE)
    .history(EXPIRE_OPTS_HISTORY)
    .args(concat!("key:key milliseconds:int ", expire_condition!())),
    m(
        "expireat",
        "generic",
        "1.2.0",
        "O(1)",
        "Make a key expire at a Unix time in seconds",
    )
    .acl("keyspace")
    .keys(RW_UPDATE)
    .history(EXPIRE_OPTS_HISTORY)
    .args(concat!(
        "key:key unix-time-seconds:time ",
        expire_condition!()
    )),
    m(
        "pexpireat",
        "generic",
        "2.6.0",
        "O(1)",
        "Make a key expire at a Unix time in milliseconds",
    )
    .acl("keyspace")
    .keys(RW_UPDATE)
    .history(EXPIRE_OPTS_HISTORY)
    .args(concat!(
        "key:key unix-time-milliseconds:time ",
        expire_condition!()
    )),
    m(
        "ttl",
        "generic",
        "1.0.0",
        "O(1)",
        "Remaining time to live of a key, in seconds",
    )
    .acl("keyspace")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .history(&[("2.8.0", "Replies -2 for a missing key.")])
    .args("key:key"),
    m(
        "pttl",
        "generic",
        "2.6.0",
        "O(1)",
        "Return a key's remaining time to live in milliseconds",
    )
    .acl("keyspace")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .history(&[("2.8.0", "Replies -2 when the key does not exist.")])
    .args("key:key"),
    m(
        "expiretime",
        "generic",
        "7.0.0",
        "O(1)",
        "Return the Unix time in seconds when a key expires",
    )
    .acl("keyspace")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "pexpiretime",
        "generic",
        "7.0.0",
        "O(1)",
        "Return the Unix time in milliseconds when a key expires",
    )
    .acl("keyspace")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "persist",
        "generic",
        "2.2.0",
        "O(1)",
        "Remove the timeout of a key",
    )
    .acl("keyspace")
    .keys(RW_UPDATE)
    .args("key:key"),
    m(
        "touch",
        "generic",
        "3.2.1",
        "O(N) where N is the number of keys given",
        "Update the access time of keys and count those that exist",
    )
    .acl("keyspace")
    .tips(MULTI_SUM)
    .keys(&[ks("RO", 1, -1, 1)])
    .args("key:key..."),
    m(
        "copy",
        "generic",
        "6.2.0",
        "O(N) for collections with N nested items, O(1) for strings",
        "Copy the value of a key to another key",
    )
    .acl("keyspace")
    .keys(&[ks("RO access", 1, 0, 1), ks("OW update", 2, 0, 1)])
    .args("source:key destination:key#1 [DB destination-db:int] [REPLACE]"),
    m(
        "move",
        "generic",
        "1.0.0",
        "O(1)",
        "Transfer a key to another database",
    )
    .acl("keyspace")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key db:int"),
    m(
        "swapdb",
        "server",
        "4.0.0",
        "O(N) where N is the number of clients watching or blocked on keys of the two databases",
        "Exchange the contents of two databases",
    )
    .acl("keyspace dangerous")
    .args("index1:int index2:int"),
    m(
        "object",
        "generic",
        "2.2.3",
        "Depends on subcommand.",
        "Container for commands that inspect stored values",
    ),
    m(
        "object|encoding",
        "generic",
        "2.2.3",
        "O(1)",
        "Return the internal encoding of a value",
    )
    .acl("keyspace")
    .tips("nondeterministic_output")
    .keys(OBJECT_KEY)
    .args("key:key"),
    m(
        "object|freq",
        "generic",
        "4.0.0",
        "O(1)",
        "Return the logarithmic access frequency counter of a value",
    )
    .acl("keyspace")
    .tips("nondeterministic_output")
    .keys(OBJECT_KEY)
    .args("key:key"),
    m(
        "object|idletime",
        "generic",
        "2.2.3",
        "O(1)",
        "Return the seconds since a value was last used",
    )
    .acl("keyspace")
    .tips("nondeterministic_output")
    .keys(OBJECT_KEY)
    .args("key:key"),
    m(
        "object|refcount",
        "generic",
        "2.2.3",
        "O(1)",
        "Return the reference count of a value",
    )
    .acl("keyspace")
    .tips("nondeterministic_output")
    .keys(OBJECT_KEY)
    .args("key:key"),
    m(
        "object|help",
        "generic",
        "6.2.0",
        "O(1)",
        "Describe the OBJECT subcommands",
    )
    .acl("keyspace"),
    // --- connection -----------------------------------------------------------------
    m(
        "ping",
        "connection",
        "1.0.0",
        "O(1)",
        "Check that the server answers",
    )
    .acl("connection")
    .tips(ALL_SHARDS_OK)
    .args("[message]"),
    m(
        "echo",
        "connection",
        "1.0.0",
        "O(1)",
        "Return the given message",
    )
    .acl("connection")
    .args("message"),
    m(
        "quit",
        "connection",
        "1.0.0",
        "O(1)",
        "Ask the server to close this connection",
    )
    .acl("connection"),
    m(
        "reset",
        "connection",
        "6.2.0",
        "O(1)",
        "Return this connection to its initial state",
    )
    .acl("connection"),
    m(
        "select",
        "connection",
        "1.0.0",
        "O(1)",
        "Switch this connection to another database",
    )
    .acl("connection")
    .args("index:int"),
    m(
        "hello",
        "connection",
        "6.0.0",
        "O(1)",
        "Choose the protocol version, optionally authenticating and naming the connection",
    )
    .acl("connection")
    .history(&[(
        "6.2.0",
        "`protover` became optional; without arguments the reply describes the connection.",
    )])
    .args(
        "arguments:[protover:int [AUTH username_password:(username password)] \
         [SETNAME clientname]]",
    ),
    m(
        "auth",
        "connection",
        "1.0.0",
        "O(N) where N is the number of passwords of the user",
        "Authenticate this connection",
    )
    .acl("connection")
    .history(&[("6.0.0", "Accepts a user name (ACL style).")])
    .args("[username]@6.0.0 password"),
    m(
        "client",
        "connection",
        "2.4.0",
        "Depends on subcommand.",
        "Container for commands about client connections",
    ),
    m(
        "client|caching",
        "connection",
        "6.0.0",
        "O(1)",
        "Choose whether the next command's keys are tracked",
    )
    .acl("connection")
    .args("mode:(YES|NO)"),
    m(
        "client|getname",
        "connection",
        "2.6.9",
        "O(1)",
        "Return the name of this connection",
    )
    .acl("connection"),
    m(
        "client|getredir",
        "connection",
        "6.0.0",
        "O(1)",
        "Return the ID of the client receiving this connection's invalidations",
    )
    .acl("connection"),
    m(
        "client|help",
        "connection",
        "5.0.0",
        "O(1)",
        "Describe the CLIENT subcommands",
    )
    .acl("connection"),
    m(
        "client|id",
        "connection",
        "5.0.0",
        "O(1)",
        "Return the ID of this connection",
    )
    .acl("connection"),
    m(
        "client|info",
        "connection",
        "6.2.0",
        "O(1)",
        "Describe this connection",
    )
    .acl("connection")
    .tips("nondeterministic_output"),
    m(
        "client|kill",
        "connection",
        "2.4.0",
        "O(N) where N is the number of client connections",
        "Close client connections",
    )
    .acl("connection")
    .history(&[
        ("2.8.12", "New filter format."),
        ("2.8.12", "Added the `ID` filter."),
        ("3.2.0", "Added the `master` type."),
        (
            "5.0.0",
            "Added the `replica` type; `slave` remains accepted.",
        ),
        ("6.2.0", "Added the `LADDR` filter."),
    ])
    .args(
        "filter:(ip:port!2.8.12|new-format:([ID client-id:int]@2.8.12\
         |[TYPE normal_master_slave_pubsub:(NORMAL|MASTER@3.2.0|SLAVE|REPLICA@5.0.0|PUBSUB)]@2.8.12\
         |[USER username]|[ADDR ip:port]|[LADDR ip:port]@6.2.0|[SKIPME yes/no])...)",
    ),
    m(
        "client|list",
        "connection",
        "2.4.0",
        "O(N) where N is the number of client connections",
        "List the client connections",
    )
    .acl("connection")
    .tips("nondeterministic_output")
    .history(&[
        ("2.8.12", "Added the `id` field."),
        ("5.0.0", "Added the `TYPE` filter."),
        ("6.0.0", "Added the `user` field."),
        (
            "6.2.0",
            "Added the `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the `ID` filter.",
        ),
        (
            "7.0.0",
            "Added the `resp`, `multi-mem`, `rbs` and `rbp` fields.",
        ),
        ("7.0.3", "Added the `ssub` field."),
    ])
    .args(
        "[TYPE normal_master_replica_pubsub:(NORMAL|MASTER|REPLICA|PUBSUB)]@5.0.0 \
         [ID id:(client-id:int...)]@6.2.0",
    ),
    m(
        "client|no-evict",
        "connection",
        "7.0.0",
        "O(1)",
        "Exempt this connection from client eviction, or not",
    )
    .acl("connection")
    .args("enabled:(ON|OFF)"),
    // 7.2 addition (absent from 7.0).
    m(
        "client|no-touch",
        "connection",
        "7.2.0",
        "O(1)",
        "Choose whether this connection's commands update key access times",
    )
    .acl("connection")
    .args("enabled:(ON|OFF)"),
    m(
        "client|pause",
        "connection",
        "2.9.50",
        "O(1)",
        "Suspend command processing for clients for a while",
    )
    .acl("connection")
    .history(&[("6.2.0", "Added the `WRITE` mode and the `mode` option.")])
    .args("timeout:int mode:[WRITE|ALL]@6.2.0"),
    m(
        "client|reply",
        "connection",
        "3.2.0",
        "O(1)",
        "Turn server replies on or off, or skip the next one",
    )
    .acl("connection")
    .args("on_off_skip:(ON|OFF|SKIP)"),
    m(
        "client|setname",
        "connection",
        "2.6.9",
        "O(1)",
        "Name this connection",
    )
    .acl("connection")
    .args("connection-name"),
    // 7.2 addition (absent from 7.0).
    m(
        "client|setinfo",
        "connection",
        "7.2.0",
        "O(1)",
        "Record the client library name or version of this connection",
    )
    .acl("connection")
    .args("attr:(LIB-NAME libname|LIB-VER libver)"),
    m(
        "client|tracking",
        "connection",
        "6.0.0",
        "O(1), though some options cost more",
        "Turn client-side caching invalidations on or off",
    )
    .acl("connection")
    .args(
        "status:(ON|OFF) [REDIRECT client-id:int] [PREFIX prefix]... [BCAST] [OPTIN] [OPTOUT] \
         [NOLOOP]",
    ),
    m(
        "client|trackinginfo",
        "connection",
        "6.2.0",
        "O(1)",
        "Describe this connection's client-side caching state",
    )
    .acl("connection"),
    m(
        "client|unblock",
        "connection",
        "5.0.0",
        "O(log N) where N is the number of client connections",
        "Wake a client blocked in a blocking command",
    )
    .acl("connection")
    .args("client-id:int timeout_error:[TIMEOUT|ERROR]"),
    m(
        "client|unpause",
        "connection",
        "6.2.0",
        "O(N) where N is the number of paused clients",
        "Resume command processing after a pause",
    )
    .acl("connection"),
    // --- server ---------------------------------------------------------------------------
    m(
        "dbsize",
        "server",
        "1.0.0",
        "O(1)",
        "Return the number of keys in the current database",
    )
    .acl("keyspace")
    .tips("request_policy:all_shards response_policy:agg_sum"),
    m(
        "flushdb",
        "server",
        "1.0.0",
        "O(N) where N is the number of keys in the database",
        "Delete every key of the current database",
    )
    .acl("keyspace dangerous")
    .tips(ALL_SHARDS_OK)
    .history(FLUSH_HISTORY)
    .args("async:[ASYNC@4.0.0|SYNC@6.2.0]"),
    m(
        "flushall",
        "server",
        "1.0.0",
        "O(N) where N is the number of keys in all databases",
        "Delete every key of every database",
    )
    .acl("keyspace dangerous")
    .tips(ALL_SHARDS_OK)
    .history(FLUSH_HISTORY)
    .args("async:[ASYNC@4.0.0|SYNC@6.2.0]"),
    m(
        "time",
        "server",
        "2.6.0",
        "O(1)",
        "Return the server's clock time",
    )
    .tips("nondeterministic_output"),
    m(
        "info",
        "server",
        "1.0.0",
        "O(1)",
        "Return server information and statistics",
    )
    .acl("dangerous")
    .tips("nondeterministic_output request_policy:all_shards response_policy:special")
    .history(&[("7.0.0", "Accepts several section names.")])
    .args("[section]..."),
    m(
        "acl",
        "server",
        "6.0.0",
        "Depends on subcommand.",
        "Container for the access control list commands",
    ),
    m(
        "acl|cat",
        "server",
        "6.0.0",
        "O(1): the categories and commands are fixed.",
        "List the ACL categories, or the commands in one",
    )
    .args("[categoryname]"),
    m(
        "acl|deluser",
        "server",
        "6.0.0",
        "O(1) amortized per user.",
        "Delete ACL users and close their connections",
    )
    .args("username..."),
    m(
        "acl|dryrun",
        "server",
        "7.0.0",
        "O(1).",
        "Tell whether a user may run a command, without running it",
    )
    .args("username command [arg]..."),
    m(
        "acl|genpass",
        "server",
        "6.0.0",
        "O(1)",
        "Generate a random password for ACL users",
    )
    .args("[bits:int]"),
    m(
        "acl|getuser",
        "server",
        "6.0.0",
        "O(N) for N passwords, command rules and patterns of the user.",
        "Show one ACL user's rules",
    )
    .history(&[
        ("6.2.0", "Shows Pub/Sub channel patterns."),
        ("7.0.0", "Shows selectors; key and channel patterns as rules."),
    ])
    .args("username"),
    m(
        "acl|help",
        "server",
        "6.0.0",
        "O(1)",
        "Describe the ACL subcommands",
    ),
    m(
        "acl|list",
        "server",
        "6.0.0",
        "O(N) for N users.",
        "List the ACL users as ACL file lines",
    ),
    m(
        "acl|load",
        "server",
        "6.0.0",
        "O(N) for N users.",
        "Replace the ACL users with the ACL file's",
    ),
    m(
        "acl|log",
        "server",
        "6.0.0",
        "O(N) for N entries shown.",
        "List recent commands and logins the ACLs denied",
    )
    .args("operation:[count:int|RESET]"),
    m(
        "acl|save",
        "server",
        "6.0.0",
        "O(N) for N users.",
        "Write the ACL users to the ACL file",
    ),
    m(
        "acl|setuser",
        "server",
        "6.0.0",
        "O(N) for N rules given.",
        "Create an ACL user or change its rules",
    )
    .history(&[
        ("6.2.0", "Accepts Pub/Sub channel patterns."),
        ("7.0.0", "Accepts selectors and key permissions."),
    ])
    .args("username [rule]..."),
    m(
        "acl|users",
        "server",
        "6.0.0",
        "O(N) for N users.",
        "List the ACL user names",
    ),
    m(
        "acl|whoami",
        "server",
        "6.0.0",
        "O(1)",
        "Name the user this connection runs as",
    ),
    m(
        "config",
        "server",
        "2.0.0",
        "Depends on subcommand.",
        "Container for commands about the server configuration",
    ),
    m(
        "config|get",
        "server",
        "2.0.0",
        "O(N) for N patterns.",
        "Read configuration directives matching patterns",
    )
    .history(&[("7.0.0", "Accepts several patterns.")])
    .args("parameter:(parameter)..."),
    m(
        "config|set",
        "server",
        "2.0.0",
        "O(N) where N is the number of parameters given",
        "Change configuration parameters",
    )
    .tips("request_policy:all_nodes response_policy:all_succeeded")
    .history(&[("7.0.0", "Accepts several parameter-value pairs.")])
    .args("parameter_value:(parameter value)..."),
    m(
        "config|resetstat",
        "server",
        "2.0.0",
        "O(1)",
        "Reset the statistics reported by INFO",
    ),
    m(
        "config|rewrite",
        "server",
        "2.8.0",
        "O(1)",
        "Write the running configuration back to the configuration file",
    ),
    m(
        "config|help",
        "server",
        "5.0.0",
        "O(1)",
        "Describe the CONFIG subcommands",
    ),
    m(
        "shutdown",
        "server",
        "1.0.0",
        "O(N) when saving, N being the number of keys in all databases; O(1) otherwise",
        "Stop the server, optionally saving the data first",
    )
    .history(&[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` options.")])
    .args("nosave_save:[NOSAVE|SAVE] [NOW]@7.0.0 [FORCE]@7.0.0 [ABORT]@7.0.0"),
    m(
        "debug",
        "server",
        "1.0.0",
        "Depends on subcommand.",
        "Container for debugging commands",
    )
    .syscmd(),
    m(
        "command",
        "server",
        "2.8.13",
        "O(N) where N is the number of commands",
        "Return details about every command",
    )
    .acl("connection")
    .tips("nondeterministic_output_order"),
    m(
        "command|count",
        "server",
        "2.8.13",
        "O(1)",
        "Return the number of commands",
    )
    .acl("connection"),
    m(
        "command|docs",
        "server",
        "7.0.0",
        "O(N) where N is the number of commands looked up",
        "Return the documentation of commands",
    )
    .acl("connection")
    .tips("nondeterministic_output_order")
    .args("[command-name]..."),
    // Redis 7.0 documents no arguments for GETKEYS and GETKEYSANDFLAGS.
    m(
        "command|getkeys",
        "server",
        "2.8.13",
        "O(N) where N is the number of arguments of the command",
        "Extract the key names of a full command line",
    )
    .acl("connection"),
    m(
        "command|getkeysandflags",
        "server",
        "7.0.0",
        "O(N) where N is the number of arguments of the command",
        "Extract the key names and their access flags of a full command line",
    )
    .acl("connection"),
    m(
        "command|help",
        "server",
        "5.0.0",
        "O(1)",
        "Describe the COMMAND subcommands",
    )
    .acl("connection"),
    m(
        "command|info",
        "server",
        "2.8.13",
        "O(N) where N is the number of commands looked up",
        "Return details about the given commands, or about all of them",
    )
    .acl("connection")
    .tips("nondeterministic_output_order")
    .history(&[("7.0.0", "Without arguments, describes every command.")])
    .args("[command-name]..."),
    m(
        "command|list",
        "server",
        "7.0.0",
        "O(N) where N is the number of commands",
        "List the command names, optionally filtered",
    )
    .acl("connection")
    .tips("nondeterministic_output_order")
    .args("[FILTERBY filterby:(MODULE module-name|ACLCAT category|PATTERN pattern:pattern)]"),
    m(
        "lastsave",
        "server",
        "1.0.0",
        "O(1)",
        "Return the Unix time of the last successful save",
    )
    .acl("admin dangerous")
    .tips("nondeterministic_output"),
    m(
        "role",
        "server",
        "2.8.12",
        "O(1)",
        "Describe the replication role of this instance",
    )
    .acl("admin dangerous"),
    m(
        "sync",
        "server",
        "1.0.0",
        "",
        "Internal command used for replication",
    )
    .acl("admin dangerous"),
    m(
        "psync",
        "server",
        "2.8.0",
        "",
        "Internal command used for replication",
    )
    .acl("admin dangerous")
    .args("replicationid:string offset:int"),
    m(
        "replicaof",
        "server",
        "5.0.0",
        "O(1)",
        "Replicate from another server, or stop and act as a master",
    )
    .acl("admin dangerous")
    .args("args:(host-port:(host port:int)|no-one:(NO ONE))"),
    m(
        "failover",
        "server",
        "6.2.0",
        "O(1)",
        "Hand the master role over to one of the replicas",
    )
    .acl("admin dangerous")
    .args("TO target:[host port:int [FORCE]] [ABORT] [TIMEOUT milliseconds:int]"),
    m(
        "slaveof",
        "server",
        "1.0.0",
        "O(1)",
        "Replicate from another server, or stop and act as a master",
    )
    .acl("admin dangerous")
    .deprecated("5.0.0", "`REPLICAOF`")
    .args("args:(host-port:(host port:int)|no-one:(NO ONE))"),
    m(
        "replconf",
        "server",
        "3.0.0",
        "O(1)",
        "An internal command for configuring the replication stream",
    )
    .acl("admin dangerous")
    .syscmd(),
    // --- transactions ------------------------------------------------------------------
    m(
        "multi",
        "transactions",
        "1.2.0",
        "O(1)",
        "Start a transaction",
    )
    .acl("transaction"),
    m(
        "exec",
        "transactions",
        "1.2.0",
        "Depends on the queued commands",
        "Run the commands queued since MULTI",
    )
    .acl("transaction"),
    m(
        "discard",
        "transactions",
        "2.0.0",
        "O(N) where N is the number of queued commands",
        "Drop the commands queued since MULTI",
    )
    .acl("transaction"),
    m(
        "watch",
        "transactions",
        "2.2.0",
        "O(1) per key",
        "Make the next EXEC fail if any of these keys changes",
    )
    .acl("transaction")
    .keys(&[ks("RO", 1, -1, 1)])
    .args("key:key..."),
    m(
        "unwatch",
        "transactions",
        "2.2.0",
        "O(1)",
        "Stop watching all keys",
    )
    .acl("transaction"),
    // --- pub/sub ------------------------------------------------------------------------------
    m(
        "subscribe",
        "pubsub",
        "2.0.0",
        "O(N) where N is the number of channels given",
        "Listen for messages published to channels",
    )
    .args("channel..."),
    m(
        "unsubscribe",
        "pubsub",
        "2.0.0",
        "O(N) where N is the number of channels given",
        "Stop listening to channels (to all of them when none is given)",
    )
    .args("[channel...]"),
    m(
        "psubscribe",
        "pubsub",
        "2.0.0",
        "O(N) where N is the number of patterns the client already follows",
        "Listen for messages published to channels matching patterns",
    )
    .args("pattern:(pattern:pattern)..."),
    m(
        "punsubscribe",
        "pubsub",
        "2.0.0",
        "O(N+M) where N is the number of patterns of the client and M of all clients",
        "Stop listening to channel patterns (to all of them when none is given)",
    )
    .args("[pattern:pattern...]"),
    m(
        "publish",
        "pubsub",
        "2.0.0",
        "O(N+M) where N is the number of subscribers of the channel and M the number of \
         pattern subscriptions",
        "Send a message to the subscribers of a channel",
    )
    .args("channel message"),
    m(
        "pubsub",
        "pubsub",
        "2.8.0",
        "Depends on subcommand.",
        "Container for commands that inspect Pub/Sub state",
    ),
    m(
        "pubsub|channels",
        "pubsub",
        "2.8.0",
        "O(N) where N is the number of active channels",
        "List the channels that have subscribers",
    )
    .args("[pattern:pattern]"),
    m(
        "pubsub|help",
        "pubsub",
        "6.2.0",
        "O(1)",
        "Describe the PUBSUB subcommands",
    ),
    m(
        "pubsub|numpat",
        "pubsub",
        "2.8.0",
        "O(1)",
        "Return the number of pattern subscriptions",
    ),
    m(
        "pubsub|numsub",
        "pubsub",
        "2.8.0",
        "O(N) where N is the number of channels given",
        "Return the number of subscribers of channels",
    )
    .args("[channel...]"),
    m(
        "pubsub|shardchannels",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of active shard channels",
        "List the shard channels that have subscribers",
    )
    .args("[pattern:pattern]"),
    m(
        "pubsub|shardnumsub",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of shard channels given",
        "Return the number of subscribers of shard channels",
    )
    .args("[shardchannel...]"),
    m(
        "ssubscribe",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of shard channels given",
        "Listen for messages published to shard channels",
    )
    .keys(&[ks("not_key", 1, -1, 1)])
    .args("shardchannel..."),
    m(
        "sunsubscribe",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of shard channels given",
        "Stop listening to shard channels (to all of them when none is given)",
    )
    .keys(&[ks("not_key", 1, -1, 1)])
    .args("[shardchannel...]"),
    m(
        "spublish",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of subscribers of the shard channel",
        "Send a message to the subscribers of a shard channel",
    )
    .keys(&[ks("not_key", 1, 0, 1)])
    .args("shardchannel message"),
    // --- lists ------------------------------------------------------------
    m(
        "lpush",
        "list",
        "1.0.0",
        "O(1) per element inserted",
        "Insert elements at the head of a list, creating it if needed",
    )
    .acl("list")
    .keys(RW_INSERT)
    .history(&[("2.4.0", "Takes several elements at once.")])
    .args("key:key element..."),
    m(
        "rpush",
        "list",
        "1.0.0",
        "O(1) per element inserted",
        "Insert elements at the tail of a list, creating it if needed",
    )
    .acl("list")
    .keys(RW_INSERT)
    .history(&[("2.4.0", "Takes several elements at once.")])
    .args("key:key element..."),
    m(
        "lpushx",
        "list",
        "2.2.0",
        "O(1) per element inserted",
        "Insert elements at the head of a list only if the list exists",
    )
    .acl("list")
    .keys(RW_INSERT)
    .history(&[("4.0.0", "Takes several elements at once.")])
    .args("key:key element..."),
    m(
        "rpushx",
        "list",
        "2.2.0",
        "O(1) per element inserted",
        "Insert elements at the tail of a list only if the list exists",
    )
    .acl("list")
    .keys(RW_INSERT)
    .history(&[("4.0.0", "Takes several elements at once.")])
    .args("key:key element..."),
    m(
        "lpop",
        "list",
        "1.0.0",
        "O(N) for N elements popped",
        "Remove and return elements from the head of a list",
    )
    .acl("list")
    .keys(RW_ACCESS_DELETE)
    .history(&[("6.2.0", "Takes an optional count.")])
    .args("key:key [count:int]@6.2.0"),
    m(
        "rpop",
        "list",
        "1.0.0",
        "O(N) for N elements popped",
        "Remove and return elements from the tail of a list",
    )
    .acl("list")
    .keys(RW_ACCESS_DELETE)
    .history(&[("6.2.0", "Takes an optional count.")])
    .args("key:key [count:int]@6.2.0"),
    m(
        "llen",
        "list",
        "1.0.0",
        "O(1)",
        "Return the number of elements of a list",
    )
    .acl("list")
    .keys(RO)
    .args("key:key"),
    m(
        "lrange",
        "list",
        "1.0.0",
        "O(S+N): S to reach the start index from the closer end, N elements returned",
        "Return the elements of a list between two indexes",
    )
    .acl("list")
    .keys(RO_ACCESS)
    .args("key:key start:int stop:int"),
    m(
        "lindex",
        "list",
        "1.0.0",
        "O(N) to walk to the index; O(1) at either end",
        "Return the element of a list at an index",
    )
    .acl("list")
    .keys(RO_ACCESS)
    .args("key:key index:int"),
    m(
        "lset",
        "list",
        "1.0.0",
        "O(N) to walk to the index; O(1) at either end",
        "Replace the element of a list at an index",
    )
    .acl("list")
    .keys(RW_UPDATE)
    .args("key:key index:int element"),
    m(
        "linsert",
        "list",
        "2.2.0",
        "O(N) where N is the number of elements walked before the pivot is found",
        "Add an element to a list next to a pivot element",
    )
    .acl("list")
    .keys(RW_INSERT)
    .args("key:key where:(BEFORE|AFTER) pivot element"),
    m(
        "lrem",
        "list",
        "1.0.0",
        "O(N+M): N is the list length, M the number of elements removed",
        "Remove elements equal to a value from a list",
    )
    .acl("list")
    .keys(RW_DELETE)
    .args("key:key count:int element"),
    m(
        "ltrim",
        "list",
        "1.0.0",
        "O(N) where N is the number of elements dropped",
        "Keep only a range of a list, dropping the rest",
    )
    .acl("list")
    .keys(RW_DELETE)
    .args("key:key start:int stop:int"),
    m(
        "lpos",
        "list",
        "6.0.6",
        "O(N) for a list of N elements; less when matches are near an end or MAXLEN caps \
       the scan",
        "Find the positions of elements equal to a value in a list",
    )
    .acl("list")
    .keys(RO_ACCESS)
    .args("key:key element [RANK rank:int] [COUNT num-matches:int] [MAXLEN len:int]"),
    m(
        "lmove",
        "list",
        "6.2.0",
        "O(1)",
        "Pop an element from one end of a list and push it onto an end of another",
    )
    .acl("list")
    .keys(MOVE_KEYS)
    .args("source:key destination:key#1 wherefrom:(LEFT|RIGHT) whereto:(LEFT|RIGHT)"),
    m(
        "rpoplpush",
        "list",
        "1.2.0",
        "O(1)",
        "Pop the tail of a list and push it onto the head of another",
    )
    .acl("list")
    .keys(MOVE_KEYS)
    .deprecated("6.2.0", "`LMOVE source destination RIGHT LEFT`")
    .args("source:key destination:key#1"),
    m(
        "lmpop",
        "list",
        "7.0.0",
        "O(N+M): N keys given, M elements popped",
        "Pop elements from the first non-empty list among several keys",
    )
    .acl("list")
    .keys(POP_NUMKEYS)
    .args("numkeys:int key:key... where:(LEFT|RIGHT) [COUNT count:int]"),
    m(
        "blpop",
        "list",
        "2.0.0",
        "O(N) for N keys",
        "Pop the head of the first non-empty list, waiting for one when all are empty",
    )
    .acl("list")
    .keys(BPOP_KEYS)
    .history(&[("6.0.0", "The timeout may be fractional.")])
    .args("key:key... timeout:double"),
    m(
        "brpop",
        "list",
        "2.0.0",
        "O(N) for N keys",
        "Pop the tail of the first non-empty list, waiting for one when all are empty",
    )
    .acl("list")
    .keys(BPOP_KEYS)
    .history(&[("6.0.0", "The timeout may be fractional.")])
    .args("key:key... timeout:double"),
    m(
        "blmove",
        "list",
        "6.2.0",
        "O(1)",
        "Move an element between lists, waiting while the source is empty",
    )
    .acl("list")
    .keys(MOVE_KEYS)
    .args(
        "source:key destination:key#1 wherefrom:(LEFT|RIGHT) whereto:(LEFT|RIGHT) \
       timeout:double",
    ),
    m(
        "brpoplpush",
        "list",
        "2.2.0",
        "O(1)",
        "Pop the tail of a list onto the head of another, waiting while the source is \
       empty",
    )
    .acl("list")
    .keys(MOVE_KEYS)
    .history(&[("6.0.0", "The timeout may be fractional.")])
    .deprecated("6.2.0", "`BLMOVE source destination RIGHT LEFT timeout`")
    .args("source:key destination:key#1 timeout:double"),
    m(
        "blmpop",
        "list",
        "7.0.0",
        "O(N+M): N keys given, M elements popped",
        "Pop elements from the first non-empty list, waiting when all are empty",
    )
    .acl("list")
    .keys(BPOP_NUMKEYS)
    .args("timeout:double numkeys:int key:key... where:(LEFT|RIGHT) [COUNT count:int]"),
    // --- sets ------------------------------------------------------------
    m(
        "sadd",
        "set",
        "1.0.0",
        "O(1) per member added",
        "Add members to a set, creating it if needed",
    )
    .acl("set")
    .keys(RW_INSERT)
    .history(&[("2.4.0", "Takes several members at once.")])
    .args("key:key member..."),
    m(
        "srem",
        "set",
        "1.0.0",
        "O(N) for N members removed",
        "Delete members from a set",
    )
    .acl("set")
    .keys(RW_DELETE)
    .history(&[("2.4.0", "Takes several members at once.")])
    .args("key:key member..."),
    m(
        "scard",
        "set",
        "1.0.0",
        "O(1)",
        "Count the members of a set",
    )
    .acl("set")
    .keys(RO)
    .args("key:key"),
    m(
        "sismember",
        "set",
        "1.0.0",
        "O(1)",
        "Check whether a value is a member of a set",
    )
    .acl("set")
    .keys(RO)
    .args("key:key member"),
    m(
        "smismember",
        "set",
        "6.2.0",
        "O(N) for N values checked",
        "Check for each of several values whether it is a member of a set",
    )
    .acl("set")
    .keys(RO_ACCESS)
    .args("key:key member..."),
    m(
        "smembers",
        "set",
        "1.0.0",
        "O(N) for a set of N members",
        "Return every member of a set",
    )
    .acl("set")
    .tips("nondeterministic_output_order")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "srandmember",
        "set",
        "1.0.0",
        "O(1) without a count, else O(N) where N is the absolute count",
        "Return random members of a set without removing them",
    )
    .acl("set")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .history(&[("2.6.0", "Takes an optional count.")])
    .args("key:key [count:int]@2.6.0"),
    m(
        "spop",
        "set",
        "1.0.0",
        "O(1) without a count, else O(N) where N is the count",
        "Pop random members from a set",
    )
    .acl("set")
    .tips("nondeterministic_output")
    .keys(RW_ACCESS_DELETE)
    .history(&[("3.2.0", "Takes an optional count.")])
    .args("key:key [count:int]@3.2.0"),
    m(
        "smove",
        "set",
        "1.0.0",
        "O(1)",
        "Transfer a member between two sets",
    )
    .acl("set")
    .keys(MOVE_KEYS)
    .args("source:key destination:key#1 member"),
    m(
        "sinter",
        "set",
        "1.0.0",
        "O(N*M) at worst: N members in the smallest set, M sets",
        "Return the members common to every given set",
    )
    .acl("set")
    .tips("nondeterministic_output_order")
    .keys(RO_ACCESS_ALL)
    .args("key:key..."),
    m(
        "sintercard",
        "set",
        "7.0.0",
        "O(N*M) at worst: N members in the smallest set, M sets",
        "Count the members common to every given set, optionally up to a limit",
    )
    .acl("set")
    .keys(RO_NUMKEYS)
    .args("numkeys:int key:key... [LIMIT limit:int]"),
    m(
        "sinterstore",
        "set",
        "1.0.0",
        "O(N*M) at worst: N members in the smallest set, M sets",
        "Store the members common to every given set in a key",
    )
    .acl("set")
    .keys(&[ks("RW update", 1, 0, 1), ks("RO access", 2, -1, 1)])
    .args("destination:key key:key...#1"),
    m(
        "sunion",
        "set",
        "1.0.0",
        "O(N) for N members across the given sets",
        "Return the members of all the given sets combined",
    )
    .acl("set")
    .tips("nondeterministic_output_order")
    .keys(RO_ACCESS_ALL)
    .args("key:key..."),
    m(
        "sunionstore",
        "set",
        "1.0.0",
        "O(N) for N members across the given sets",
        "Store the members of all the given sets combined in a key",
    )
    .acl("set")
    .keys(STORE_FROM_ALL)
    .args("destination:key key:key...#1"),
    m(
        "sdiff",
        "set",
        "1.0.0",
        "O(N) for N members across the given sets",
        "Return the members of the first set that no other given set has",
    )
    .acl("set")
    .tips("nondeterministic_output_order")
    .keys(RO_ACCESS_ALL)
    .args("key:key..."),
    m(
        "sdiffstore",
        "set",
        "1.0.0",
        "O(N) for N members across the given sets",
        "Store the members of the first set that no other given set has in a key",
    )
    .acl("set")
    .keys(STORE_FROM_ALL)
    .args("destination:key key:key...#1"),
    m(
        "sscan",
        "set",
        "2.8.0",
        "O(1) per call; O(N) for a full iteration over N members",
        "Iterate over the members of a set with a cursor",
    )
    .acl("set")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .args("key:key cursor:int [MATCH pattern:pattern] [COUNT count:int]"),
    // --- sorted sets ------------------------------------------------------------
    m(
        "zadd",
        "sorted-set",
        "1.2.0",
        "O(log(N)) per member given, N being the size of the sorted set",
        "Add members with scores to a sorted set, or update their scores",
    )
    .acl("sortedset")
    .keys(RW_UPDATE)
    .history(&[
        ("2.4.0", "Takes several score-member pairs at once."),
        ("3.0.2", "New options: `NX`, `XX`, `CH`, `INCR`."),
        ("6.2.0", "New options: `GT`, `LT`."),
    ])
    .args(
        "key:key condition:[NX|XX]@3.0.2 comparison:[GT|LT]@6.2.0 [change=CH]@3.0.2 \
       [increment=INCR]@3.0.2 score_member:(score:double member)...",
    ),
    m(
        "zincrby",
        "sorted-set",
        "1.2.0",
        "O(log(N)) for a sorted set of N members",
        "Add to the score of a sorted set member",
    )
    .acl("sortedset")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key increment:int member"),
    m(
        "zrem",
        "sorted-set",
        "1.2.0",
        "O(M*log(N)): M members removed from a sorted set of N",
        "Delete members from a sorted set",
    )
    .acl("sortedset")
    .keys(RW_DELETE)
    .history(&[("2.4.0", "Takes several members at once.")])
    .args("key:key member..."),
    m(
        "zcard",
        "sorted-set",
        "1.2.0",
        "O(1)",
        "Count the members of a sorted set",
    )
    .acl("sortedset")
    .keys(RO)
    .args("key:key"),
    m(
        "zcount",
        "sorted-set",
        "2.0.0",
        "O(log(N)) for a sorted set of N members",
        "Count the members of a sorted set whose score is within a range",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .args("key:key min:double max:double"),
    m(
        "zlexcount",
        "sorted-set",
        "2.8.9",
        "O(log(N)) for a sorted set of N members",
        "Count sorted set members between two lexicographical bounds",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .args("key:key min max"),
    m(
        "zscore",
        "sorted-set",
        "1.2.0",
        "O(1)",
        "Return the score of a sorted set member",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .args("key:key member"),
    m(
        "zmscore",
        "sorted-set",
        "6.2.0",
        "O(N) for N members asked for",
        "Return the scores of several sorted set members",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .args("key:key member..."),
    // Redis 7.2's entry: 7.2 added WITHSCORE (arity -3; 7.0 has 3 and no history).
    m(
        "zrank",
        "sorted-set",
        "2.0.0",
        "O(log(N))",
        "Return the position of a member in a sorted set, lowest score first",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .history(&[("7.2.0", "New option: `WITHSCORE`.")])
    .args("key:key member [WITHSCORE]"),
    // Redis 7.2's entry: 7.2 added WITHSCORE (arity -3; 7.0 has 3 and no history).
    m(
        "zrevrank",
        "sorted-set",
        "2.0.0",
        "O(log(N))",
        "Return the position of a member in a sorted set, highest score first",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .history(&[("7.2.0", "New option: `WITHSCORE`.")])
    .args("key:key member [WITHSCORE]"),
    m(
        "zrange",
        "sorted-set",
        "1.2.0",
        "O(log(N)+M): N members in the sorted set, M returned",
        "Return a range of sorted set members by rank, score or lexicographical order",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .history(&[("6.2.0", "New options: `REV`, `BYSCORE`, `BYLEX`, `LIMIT`.")])
    .args(
        "key:key start stop sortby:[BYSCORE|BYLEX]@6.2.0 [REV]@6.2.0 [LIMIT \
       offset_count:(offset:int count:int)]@6.2.0 [WITHSCORES]",
    ),
    m(
        "zrangestore",
        "sorted-set",
        "6.2.0",
        "O(log(N)+M): N members in the source, M stored",
        "Store a range of sorted set members in another key",
    )
    .acl("sortedset")
    .keys(&[ks("OW update", 1, 0, 1), ks("RO access", 2, 0, 1)])
    .args(
        "dst:key src:key#1 min max sortby:[BYSCORE|BYLEX] [REV] [LIMIT \
       offset_count:(offset:int count:int)]",
    ),
    m(
        "zrevrange",
        "sorted-set",
        "1.2.0",
        "O(log(N)+M): N members in the sorted set, M returned",
        "Return a range of sorted set members by rank, highest score first",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .deprecated("6.2.0", "`ZRANGE` with `REV`")
    .args("key:key start:int stop:int [WITHSCORES]"),
    m(
        "zrangebyscore",
        "sorted-set",
        "1.0.5",
        "O(log(N)+M): N members in the sorted set, M returned",
        "Return the sorted set members whose score is within a range",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .history(&[("2.0.0", "New option: `WITHSCORES`.")])
    .deprecated("6.2.0", "`ZRANGE` with `BYSCORE`")
    .args(
        "key:key min:double max:double [WITHSCORES]@2.0.0 [LIMIT offset_count:(offset:int \
       count:int)]",
    ),
    m(
        "zrevrangebyscore",
        "sorted-set",
        "2.2.0",
        "O(log(N)+M): N members in the sorted set, M returned",
        "Return the sorted set members whose score is within a range, highest first",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .history(&[("2.1.6", "Range bounds may be exclusive.")])
    .deprecated("6.2.0", "`ZRANGE` with `BYSCORE` and `REV`")
    .args(
        "key:key max:double min:double [WITHSCORES] [LIMIT offset_count:(offset:int \
       count:int)]",
    ),
    m(
        "zrangebylex",
        "sorted-set",
        "2.8.9",
        "O(log(N)+M): N members in the sorted set, M returned",
        "Return the sorted set members within a lexicographical range",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .deprecated("6.2.0", "`ZRANGE` with `BYLEX`")
    .args("key:key min max [LIMIT offset_count:(offset:int count:int)]"),
    m(
        "zrevrangebylex",
        "sorted-set",
        "2.8.9",
        "O(log(N)+M): N members in the sorted set, M returned",
        "Return the sorted set members within a lexicographical range, in reverse order",
    )
    .acl("sortedset")
    .keys(RO_ACCESS)
    .deprecated("6.2.0", "`ZRANGE` with `BYLEX` and `REV`")
    .args("key:key max min [LIMIT offset_count:(offset:int count:int)]"),
    m(
        "zremrangebyrank",
        "sorted-set",
        "2.0.0",
        "O(log(N)+M): N members in the sorted set, M removed",
        "Remove the sorted set members within a range of ranks",
    )
    .acl("sortedset")
    .keys(RW_DELETE)
    .args("key:key start:int stop:int"),
    m(
        "zremrangebyscore",
        "sorted-set",
        "1.2.0",
        "O(log(N)+M): N members in the sorted set, M removed",
        "Remove the sorted set members whose score is within a range",
    )
    .acl("sortedset")
    .keys(RW_DELETE)
    .args("key:key min:double max:double"),
    m(
        "zremrangebylex",
        "sorted-set",
        "2.8.9",
        "O(log(N)+M): N members in the sorted set, M removed",
        "Remove the sorted set members within a lexicographical range",
    )
    .acl("sortedset")
    .keys(RW_DELETE)
    .args("key:key min max"),
    m(
        "zpopmin",
        "sorted-set",
        "5.0.0",
        "O(log(N)*M): M members popped from a sorted set of N",
        "Pop the lowest-scored members of a sorted set",
    )
    .acl("sortedset")
    .keys(RW_ACCESS_DELETE)
    .args("key:key [count:int]"),
    m(
        "zpopmax",
        "sorted-set",
        "5.0.0",
        "O(log(N)*M): M members popped from a sorted set of N",
        "Pop the highest-scored members of a sorted set",
    )
    .acl("sortedset")
    .keys(RW_ACCESS_DELETE)
    .args("key:key [count:int]"),
    m(
        "zmpop",
        "sorted-set",
        "7.0.0",
        "O(K) + O(M*log(N)): K keys given, M members popped from a sorted set of N",
        "Pop the lowest or highest scored members of the first non-empty sorted set",
    )
    .acl("sortedset")
    .keys(POP_NUMKEYS)
    .args("numkeys:int key:key... where:(MIN|MAX) [COUNT count:int]"),
    m(
        "zrandmember",
        "sorted-set",
        "6.2.0",
        "O(N) for N members returned",
        "Return random members of a sorted set without removing them",
    )
    .acl("sortedset")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .args("key:key options:[count:int [WITHSCORES]]"),
    m(
        "zinter",
        "sorted-set",
        "6.2.0",
        "O(N*K)+O(M*log(M)) at worst: N members in the smallest input, K inputs, M \
       results",
        "Return the intersection of sorted sets",
    )
    .acl("sortedset")
    .keys(RO_NUMKEYS)
    .args(
        "numkeys:int key:key... [WEIGHTS weight:int...] [AGGREGATE \
       aggregate:(SUM|MIN|MAX)] [WITHSCORES]",
    ),
    m(
        "zinterstore",
        "sorted-set",
        "2.0.0",
        "O(N*K)+O(M*log(M)) at worst: N members in the smallest input, K inputs, M \
       results",
        "Store the intersection of sorted sets in a key",
    )
    .acl("sortedset")
    .keys(STORE_NUMKEYS)
    .args(
        "destination:key numkeys:int key:key...#1 [WEIGHTS weight:int...] [AGGREGATE \
       aggregate:(SUM|MIN|MAX)]",
    ),
    m(
        "zintercard",
        "sorted-set",
        "7.0.0",
        "O(N*K) at worst: N members in the smallest input, K inputs",
        "Count the members of the intersection of sorted sets, optionally up to a limit",
    )
    .acl("sortedset")
    .keys(RO_NUMKEYS)
    .args("numkeys:int key:key... [LIMIT limit:int]"),
    m(
        "zunion",
        "sorted-set",
        "6.2.0",
        "O(N)+O(M*log(M)): N members across the inputs, M results",
        "Return the union of sorted sets",
    )
    .acl("sortedset")
    .keys(RO_NUMKEYS)
    .args(
        "numkeys:int key:key... [WEIGHTS weight:int...] [AGGREGATE \
       aggregate:(SUM|MIN|MAX)] [WITHSCORES]",
    ),
    m(
        "zunionstore",
        "sorted-set",
        "2.0.0",
        "O(N)+O(M*log(M)): N members across the inputs, M results",
        "Store the union of sorted sets in a key",
    )
    .acl("sortedset")
    .keys(STORE_NUMKEYS)
    .args(
        "destination:key numkeys:int key:key...#1 [WEIGHTS weight:int...] [AGGREGATE \
       aggregate:(SUM|MIN|MAX)]",
    ),
    m(
        "zdiff",
        "sorted-set",
        "6.2.0",
        "O(L + (N-K)log(N)) at worst: L members across the inputs, N in the first, K \
       results",
        "Return the members of the first sorted set that no other given one has",
    )
    .acl("sortedset")
    .keys(RO_NUMKEYS)
    .args("numkeys:int key:key... [WITHSCORES]"),
    m(
        "zdiffstore",
        "sorted-set",
        "6.2.0",
        "O(L + (N-K)log(N)) at worst: L members across the inputs, N in the first, K \
       results",
        "Store the members of the first sorted set that no other given one has in a key",
    )
    .acl("sortedset")
    .keys(STORE_NUMKEYS)
    .args("destination:key numkeys:int key:key...#1"),
    m(
        "zscan",
        "sorted-set",
        "2.8.0",
        "O(1) per call; O(N) for a full iteration over N members",
        "Iterate over the members and scores of a sorted set with a cursor",
    )
    .acl("sortedset")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .args("key:key cursor:int [MATCH pattern:pattern] [COUNT count:int]"),
    m(
        "bzpopmin",
        "sorted-set",
        "5.0.0",
        "O(log(N)) for a sorted set of N members",
        "Pop the lowest scored member of the first non-empty sorted set, waiting when all \
       are empty",
    )
    .acl("sortedset")
    .keys(BPOP_KEYS)
    .history(&[("6.0.0", "The timeout may be fractional.")])
    .args("key:key... timeout:double"),
    m(
        "bzpopmax",
        "sorted-set",
        "5.0.0",
        "O(log(N)) for a sorted set of N members",
        "Pop the highest scored member of the first non-empty sorted set, waiting when \
       all are empty",
    )
    .acl("sortedset")
    .keys(BPOP_KEYS)
    .history(&[("6.0.0", "The timeout may be fractional.")])
    .args("key:key... timeout:double"),
    m(
        "bzmpop",
        "sorted-set",
        "7.0.0",
        "O(K) + O(M*log(N)): K keys given, M members popped from a sorted set of N",
        "Pop the lowest or highest scored members of the first non-empty sorted set, \
       waiting when all are empty",
    )
    .acl("sortedset")
    .keys(BPOP_NUMKEYS)
    .args("timeout:double numkeys:int key:key... where:(MIN|MAX) [COUNT count:int]"),
    // --- hashes ------------------------------------------------------------
    m(
        "hset",
        "hash",
        "2.0.0",
        "O(1) per field set",
        "Set fields of a hash, creating it if needed",
    )
    .acl("hash")
    .keys(RW_UPDATE)
    .history(&[("4.0.0", "Takes several field-value pairs at once.")])
    .args("key:key field_value:(field value)..."),
    m(
        "hsetnx",
        "hash",
        "2.0.0",
        "O(1)",
        "Set a hash field only when it does not exist yet",
    )
    .acl("hash")
    .keys(RW_INSERT)
    .args("key:key field value"),
    m(
        "hget",
        "hash",
        "2.0.0",
        "O(1)",
        "Read the value stored in a hash field",
    )
    .acl("hash")
    .keys(RO_ACCESS)
    .args("key:key field"),
    m(
        "hmset",
        "hash",
        "2.0.0",
        "O(N) for N fields set",
        "Set several fields of a hash",
    )
    .acl("hash")
    .keys(RW_UPDATE)
    .deprecated("4.0.0", "`HSET`, which takes several field-value pairs")
    .args("key:key field_value:(field value)..."),
    m(
        "hmget",
        "hash",
        "2.0.0",
        "O(N) for N fields asked for",
        "Return the values of several hash fields",
    )
    .acl("hash")
    .keys(RO_ACCESS)
    .args("key:key field..."),
    m(
        "hdel",
        "hash",
        "2.0.0",
        "O(N) for N fields removed",
        "Remove fields from a hash",
    )
    .acl("hash")
    .keys(RW_DELETE)
    .history(&[("2.4.0", "Takes several fields at once.")])
    .args("key:key field..."),
    m(
        "hlen",
        "hash",
        "2.0.0",
        "O(1)",
        "Count the fields of a hash",
    )
    .acl("hash")
    .keys(RO)
    .args("key:key"),
    m(
        "hstrlen",
        "hash",
        "3.2.0",
        "O(1)",
        "Return the byte length of a hash field's value",
    )
    .acl("hash")
    .keys(RO)
    .args("key:key field"),
    m(
        "hexists",
        "hash",
        "2.0.0",
        "O(1)",
        "Check whether a hash has a field",
    )
    .acl("hash")
    .keys(RO)
    .args("key:key field"),
    m(
        "hkeys",
        "hash",
        "2.0.0",
        "O(N) for a hash of N fields",
        "Return every field name of a hash",
    )
    .acl("hash")
    .tips("nondeterministic_output_order")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "hvals",
        "hash",
        "2.0.0",
        "O(N) for a hash of N fields",
        "Return every value of a hash",
    )
    .acl("hash")
    .tips("nondeterministic_output_order")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "hgetall",
        "hash",
        "2.0.0",
        "O(N) for a hash of N fields",
        "Return every field and value of a hash",
    )
    .acl("hash")
    .tips("nondeterministic_output_order")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "hincrby",
        "hash",
        "2.0.0",
        "O(1)",
        "Add an integer to the integer value of a hash field",
    )
    .acl("hash")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key field increment:int"),
    m(
        "hincrbyfloat",
        "hash",
        "2.6.0",
        "O(1)",
        "Add a floating point number to the value of a hash field",
    )
    .acl("hash")
    .keys(RW_ACCESS_UPDATE)
    .args("key:key field increment:double"),
    m(
        "hrandfield",
        "hash",
        "6.2.0",
        "O(N) for N fields returned",
        "Return random fields of a hash, optionally with their values",
    )
    .acl("hash")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .args("key:key options:[count:int [WITHVALUES]]"),
    m(
        "hscan",
        "hash",
        "2.8.0",
        "O(1) per call; O(N) for a full iteration over N fields",
        "Iterate over the fields and values of a hash with a cursor",
    )
    .acl("hash")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .args("key:key cursor:int [MATCH pattern:pattern] [COUNT count:int]"),
    m(
        "wait",
        "generic",
        "3.0.0",
        "O(1)",
        "Wait until enough replicas acknowledged this connection's writes",
    )
    .acl("connection")
    .tips("request_policy:all_shards response_policy:agg_min")
    .args("numreplicas:int timeout:int"),
    m(
        "waitaof",
        "generic",
        "7.2.0",
        "O(1)",
        "Wait until this connection's writes are fsynced to the local AOF and/or enough replicas' AOFs",
    )
    .acl("connection")
    .tips("request_policy:all_shards response_policy:agg_min")
    .args("numlocal:int numreplicas:int timeout:int"),
    // --- geo ----------------------------------------------------------------
    m(
        "geoadd",
        "geo",
        "3.2.0",
        "O(log(N)) per point, N the size of the sorted set.",
        "Add points (longitude, latitude, name) to a sorted set used as a geo index",
    )
    .acl("geo")
    .keys(RW_UPDATE)
    .history(&[("6.2.0", "`CH`, `NX` and `XX` options.")])
    .args(
        "key:key condition:[NX|XX]@6.2.0 [change=CH]@6.2.0 \
         longitude_latitude_member:(longitude:double latitude:double member)...",
    ),
    m(
        "geopos",
        "geo",
        "3.2.0",
        "O(log(N)) per member asked for.",
        "Return the longitude and latitude of members of a geo index",
    )
    .acl("geo")
    .keys(RO_ACCESS)
    .args("key:key member..."),
    m(
        "geodist",
        "geo",
        "3.2.0",
        "O(log(N))",
        "Return the distance between two members of a geo index",
    )
    .acl("geo")
    .keys(RO_ACCESS)
    .args("key:key member1 member2 unit:[M|KM|FT|MI]"),
    m(
        "geohash",
        "geo",
        "3.2.0",
        "O(log(N)) per member asked for.",
        "Return members' positions as standard 11-character geohash strings",
    )
    .acl("geo")
    .keys(RO_ACCESS)
    .args("key:key member..."),
    m(
        "georadius",
        "geo",
        "3.2.0",
        "O(N+log(M)): N members in the boxes around the circle, M the index size.",
        "Find the members of a geo index within a radius of a point",
    )
    .acl("geo")
    .keys(&[
        ks("RO access", 1, 0, 1),
        kw("OW update", "STORE", 6),
        kw("OW update", "STOREDIST", 6),
    ])
    .deprecated(
        "6.2.0",
        "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
    )
    .history(&[
        ("6.2.0", "`ANY` option for `COUNT`."),
        ("7.0.0", "Unit names in upper case too."),
    ])
    .args(
        "key:key longitude:double latitude:double radius:double unit:(M|KM|FT|MI) \
         [WITHCOORD] [WITHDIST] [WITHHASH] count:[COUNT count:int [ANY]@6.2.0] \
         order:[ASC|DESC] [STORE key:key]#1 [STOREDIST key:key]#2",
    ),
    m(
        "georadius_ro",
        "geo",
        "3.2.10",
        "O(N+log(M)): N members in the boxes around the circle, M the index size.",
        "Read-only GEORADIUS: no STORE options",
    )
    .acl("geo")
    .keys(RO_ACCESS)
    .deprecated("6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument")
    .history(&[("6.2.0", "`ANY` option for `COUNT`.")])
    .args(
        "key:key longitude:double latitude:double radius:double unit:(M|KM|FT|MI) \
         [WITHCOORD] [WITHDIST] [WITHHASH] count:[COUNT count:int [ANY]@6.2.0] \
         order:[ASC|DESC]",
    ),
    m(
        "georadiusbymember",
        "geo",
        "3.2.0",
        "O(N+log(M)): N members in the boxes around the circle, M the index size.",
        "Find the members of a geo index within a radius of one of its members",
    )
    .acl("geo")
    .keys(&[
        ks("RO access", 1, 0, 1),
        kw("OW update", "STORE", 5),
        kw("OW update", "STOREDIST", 5),
    ])
    .deprecated(
        "6.2.0",
        "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
    )
    .history(&[("7.0.0", "Unit names in upper case too.")])
    .args(
        "key:key member radius:double unit:(M|KM|FT|MI) [WITHCOORD] [WITHDIST] [WITHHASH] \
         count:[COUNT count:int [ANY]] order:[ASC|DESC] [STORE key:key]#1 \
         [STOREDIST key:key]#2",
    ),
    m(
        "georadiusbymember_ro",
        "geo",
        "3.2.10",
        "O(N+log(M)): N members in the boxes around the circle, M the index size.",
        "Read-only GEORADIUSBYMEMBER: no STORE options",
    )
    .acl("geo")
    .keys(RO_ACCESS)
    .deprecated(
        "6.2.0",
        "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
    )
    .args(
        "key:key member radius:double unit:(M|KM|FT|MI) [WITHCOORD] [WITHDIST] [WITHHASH] \
         count:[COUNT count:int [ANY]] order:[ASC|DESC]",
    ),
    m(
        "geosearch",
        "geo",
        "6.2.0",
        "O(N+log(M)): N members in the boxes around the shape, M members inside it.",
        "Find the members of a geo index inside a circle or a box",
    )
    .acl("geo")
    .keys(RO_ACCESS)
    .history(&[("7.0.0", "Unit names in upper case too.")])
    .args(
        "key:key from:(FROMMEMBER member|FROMLONLAT longitude_latitude:(longitude:double latitude:double)) \
         by:(circle:(BYRADIUS radius:double unit:(M|KM|FT|MI))|box:(BYBOX width:double height:double unit:(M|KM|FT|MI))) order:[ASC|DESC] count:[COUNT count:int [ANY]] \
         [WITHCOORD] [WITHDIST] [WITHHASH]",
    ),
    m(
        "geosearchstore",
        "geo",
        "6.2.0",
        "O(N+log(M)): N members in the boxes around the shape, M members inside it.",
        "Store the members of a geo index inside a circle or a box as a sorted set",
    )
    .acl("geo")
    .keys(&[ks("OW update", 1, 0, 1), ks("RO access", 2, 0, 1)])
    .history(&[("7.0.0", "Unit names in upper case too.")])
    .args(
        "destination:key source:key#1 from:(FROMMEMBER member|FROMLONLAT longitude_latitude:(longitude:double latitude:double)) \
         by:(circle:(BYRADIUS radius:double unit:(M|KM|FT|MI))|box:(BYBOX width:double height:double unit:(M|KM|FT|MI))) order:[ASC|DESC] \
         count:[COUNT count:int [ANY]] [STOREDIST]",
    ),
    // --- sorting ------------------------------------------------------------
    m(
        "sort",
        "generic",
        "1.0.0",
        "O(N+M*log(M)): N elements in the value, M returned; O(N) without sorting",
        "Sort the elements of a list, set or sorted set, optionally storing the result",
    )
    .acl("set sortedset list dangerous")
    .keys(&[
        ks("RO access", 1, 0, 1),
        ks_unknown("RO access").notes(
            "BY and GET patterns name keys derived from the sorted \
            values, so their positions are unknown",
        ),
        ks_unknown("OW update").notes(
            "STORE may appear anywhere among the options, so its position \
            is unknown",
        ),
    ])
    .args(
        "key:key [BY pattern:pattern]#1 [LIMIT offset_count:(offset:int count:int)] [GET \
       pattern:pattern]...#1 order:[ASC|DESC] [sorting=ALPHA] [STORE destination:key]#2",
    ),
    m(
        "sort_ro",
        "generic",
        "7.0.0",
        "O(N+M*log(M)): N elements in the value, M returned; O(N) without sorting",
        "Sort a list, set or sorted set without storing the result (read-only SORT)",
    )
    .acl("set sortedset list dangerous")
    .keys(&[
        ks("RO access", 1, 0, 1),
        ks_unknown("RO access").notes(
            "BY and GET patterns name keys derived from the sorted \
            values, so their positions are unknown",
        ),
    ])
    .args(
        "key:key [BY pattern:pattern]#1 [LIMIT offset_count:(offset:int count:int)] [GET \
       pattern:pattern]...#1 order:[ASC|DESC] [sorting=ALPHA]",
    ),
    // --- persistence ------------------------------------------------------------
    m(
        "save",
        "server",
        "1.0.0",
        "O(N) for N keys across all databases",
        "Write a snapshot of the dataset to disk, blocking until it is done",
    ),
    m(
        "bgsave",
        "server",
        "1.0.0",
        "O(1)",
        "Write a snapshot of the dataset to disk in the background",
    )
    .history(&[("3.2.2", "New option: `SCHEDULE`.")])
    .args("[SCHEDULE]@3.2.2"),
    m(
        "bgrewriteaof",
        "server",
        "1.0.0",
        "O(1)",
        "Rewrite the append only file in the background",
    ),
    m(
        "dump",
        "generic",
        "2.6.0",
        "O(1) to find the key plus O(N*M) to serialize N objects of average size M",
        "Serialize the value stored at a key",
    )
    .acl("keyspace")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .args("key:key"),
    m(
        "restore",
        "generic",
        "2.6.0",
        RESTORE_COMPLEXITY,
        "Create a key from a value serialized by DUMP",
    )
    .acl("keyspace dangerous")
    .keys(OW_UPDATE)
    .history(RESTORE_HISTORY)
    .args(RESTORE_ARGS),
    m(
        "restore-asking",
        "server",
        "3.0.0",
        RESTORE_COMPLEXITY,
        "RESTORE as sent by cluster key migration",
    )
    .acl("keyspace dangerous")
    .keys(OW_UPDATE)
    .history(RESTORE_HISTORY)
    .args(RESTORE_ARGS)
    .syscmd(),
    m(
        "migrate",
        "generic",
        "2.6.0",
        "DUMP and DEL of each key here and RESTORE on the target (see those commands), plus \
         O(N) bytes sent for N bytes of serialized values",
        "Move keys to another server over the network",
    )
    .acl("keyspace dangerous")
    .tips("nondeterministic_output")
    .keys(&[
        ks("RW access delete", 3, 0, 1),
        KeySpec {
            notes: "",
            flags: "RW access delete incomplete",
            begin: Begin::Keyword {
                keyword: "KEYS",
                startfrom: -2,
            },
            find: Find::Range {
                lastkey: -1,
                keystep: 1,
                limit: 0,
            },
        },
    ])
    .getkeys(crate::cmd::migrate::getkeys)
    .history(&[
        ("3.0.0", "`COPY` and `REPLACE` options."),
        ("3.0.6", "`KEYS` option."),
        ("4.0.7", "`AUTH` option."),
        ("6.0.0", "`AUTH2` option."),
    ])
    .args(
        "host port:int key_or_empty_string:(key:key|empty_string=\"\") destination-db:int \
         timeout:int [COPY]@3.0.0 [REPLACE]@3.0.0 \
         authentication:[[AUTH password]@4.0.7|[AUTH2 username_password:(username password)]@6.0.0] \
         [KEYS key:key#1...]@3.0.6",
    ),
    // ---- observability (src/cmd/ops.rs) ----
    m(
        "slowlog",
        "server",
        "2.2.12",
        "Depends on subcommand.",
        "Container for slow log commands",
    ),
    m(
        "slowlog|get",
        "server",
        "2.2.12",
        "O(N) where N is the number of entries returned",
        "Return the most recent slow log entries",
    )
    .tips("request_policy:all_nodes nondeterministic_output")
    .history(&[("4.0.0", "Entries also carry the client address and name.")])
    .args("[count:int]"),
    m(
        "slowlog|len",
        "server",
        "2.2.12",
        "O(1)",
        "Return the number of slow log entries",
    )
    .tips("request_policy:all_nodes response_policy:agg_sum nondeterministic_output"),
    m(
        "slowlog|reset",
        "server",
        "2.2.12",
        "O(N) where N is the number of entries in the slowlog",
        "Empty the slow log",
    )
    .tips("request_policy:all_nodes response_policy:all_succeeded"),
    m(
        "slowlog|help",
        "server",
        "6.2.0",
        "O(1)",
        "Describe the SLOWLOG subcommands",
    ),
    m(
        "latency",
        "server",
        "2.8.13",
        "Depends on subcommand.",
        "Container for latency diagnostics commands",
    ),
    m(
        "latency|doctor",
        "server",
        "2.8.13",
        "O(1)",
        "Explain the recorded latency events in plain words",
    )
    .tips("nondeterministic_output request_policy:all_nodes response_policy:special"),
    m(
        "latency|graph",
        "server",
        "2.8.13",
        "O(1)",
        "Draw a text graph of one latency event",
    )
    .tips("nondeterministic_output request_policy:all_nodes response_policy:special")
    .args("event"),
    m(
        "latency|help",
        "server",
        "2.8.13",
        "O(1)",
        "Describe the LATENCY subcommands",
    ),
    m(
        "latency|histogram",
        "server",
        "7.0.0",
        "O(N) where N is the number of commands with latency information being retrieved.",
        "Return per-command latency distributions",
    )
    .tips("nondeterministic_output request_policy:all_nodes response_policy:special")
    .args("[command...]"),
    m(
        "latency|history",
        "server",
        "2.8.13",
        "O(1)",
        "Return the samples of one latency event",
    )
    .tips("nondeterministic_output request_policy:all_nodes response_policy:special")
    .args("event"),
    m(
        "latency|latest",
        "server",
        "2.8.13",
        "O(1)",
        "Return the last sample of every latency event",
    )
    .tips("nondeterministic_output request_policy:all_nodes response_policy:special"),
    m(
        "latency|reset",
        "server",
        "2.8.13",
        "O(1)",
        "Forget the samples of some or all latency events",
    )
    .tips("request_policy:all_nodes response_policy:all_succeeded")
    .args("[event...]"),
    m(
        "memory",
        "server",
        "4.0.0",
        "Depends on subcommand.",
        "Container for memory diagnostics commands",
    ),
    m(
        "memory|doctor",
        "server",
        "4.0.0",
        "O(1)",
        "Report memory problems in plain words",
    )
    .tips("nondeterministic_output request_policy:all_shards response_policy:special"),
    m(
        "memory|help",
        "server",
        "4.0.0",
        "O(1)",
        "Describe the MEMORY subcommands",
    ),
    m(
        "memory|malloc-stats",
        "server",
        "4.0.0",
        "Depends on how much memory is allocated, could be slow",
        "Return the allocator's statistics report",
    )
    .tips("nondeterministic_output request_policy:all_shards response_policy:special"),
    m(
        "memory|purge",
        "server",
        "4.0.0",
        "Depends on how much memory is allocated, could be slow",
        "Ask the allocator to give free memory back",
    )
    .tips("request_policy:all_shards response_policy:all_succeeded"),
    m(
        "memory|stats",
        "server",
        "4.0.0",
        "O(1)",
        "Return a breakdown of the server's memory use",
    )
    .tips("nondeterministic_output request_policy:all_shards response_policy:special"),
    m(
        "memory|usage",
        "server",
        "4.0.0",
        "O(N) where N is the number of samples.",
        "Estimate the memory a key and its value use",
    )
    .keys(&[ks("RO", 2, 0, 1)])
    .args("key:key [SAMPLES count:int]"),
    m(
        "monitor",
        "server",
        "1.0.0",
        "",
        "Stream every command the server runs to this connection",
    ),
    m(
        "lolwut",
        "server",
        "5.0.0",
        "",
        "Draw a little text art and print the Redis version",
    )
    .args("[VERSION version:int]"),
    m(
        "module",
        "server",
        "4.0.0",
        "Depends on subcommand.",
        "Container for module commands",
    ),
    m(
        "module|help",
        "server",
        "5.0.0",
        "O(1)",
        "Describe the MODULE subcommands",
    ),
    m(
        "module|list",
        "server",
        "4.0.0",
        "O(N) where N is the number of loaded modules.",
        "List the loaded modules",
    )
    .tips("nondeterministic_output_order"),
    m(
        "module|load",
        "server",
        "4.0.0",
        "O(1)",
        "Load a module from a shared library",
    )
    .args("path [arg...]"),
    m(
        "module|loadex",
        "server",
        "7.0.0",
        "O(1)",
        "Load a module with configuration values and arguments",
    )
    .args("path [CONFIG configs:(name value)]... [ARGS args:(arg)...]"),
    m(
        "module|unload",
        "server",
        "4.0.0",
        "O(1)",
        "Unload a module by name",
    )
    .args("name"),
    // --- cluster ----------------------------------------------------------------
    m(
        "asking",
        "cluster",
        "3.0.0",
        "O(1)",
        "Mark the next command as following an ASK redirection",
    )
    .acl("connection"),
    m(
        "readonly",
        "cluster",
        "3.0.0",
        "O(1)",
        "Allow reads from a cluster replica on this connection",
    )
    .acl("connection"),
    m(
        "readwrite",
        "cluster",
        "3.0.0",
        "O(1)",
        "Stop reading from a cluster replica on this connection",
    )
    .acl("connection"),
    m(
        "cluster",
        "cluster",
        "3.0.0",
        "Depends on subcommand.",
        "Container for cluster commands",
    ),
    m(
        "cluster|addslots",
        "cluster",
        "3.0.0",
        "O(N) where N is the number of slots given",
        "Give hash slots to this node",
    )
    .args("slot:int..."),
    m(
        "cluster|addslotsrange",
        "cluster",
        "7.0.0",
        "O(N) where N is the number of slots in the ranges",
        "Give ranges of hash slots to this node",
    )
    .args("start-slot_end-slot:(start-slot:int end-slot:int)..."),
    m(
        "cluster|bumpepoch",
        "cluster",
        "3.0.0",
        "O(1)",
        "Move this node to a new configuration epoch",
    )
    .tips("nondeterministic_output"),
    m(
        "cluster|count-failure-reports",
        "cluster",
        "3.0.0",
        "O(N) where N is the number of failure reports",
        "Count the live failure reports about a node",
    )
    .tips("nondeterministic_output")
    .args("node-id"),
    m(
        "cluster|countkeysinslot",
        "cluster",
        "3.0.0",
        "O(1)",
        "Count the keys in a hash slot",
    )
    .args("slot:int"),
    m(
        "cluster|delslots",
        "cluster",
        "3.0.0",
        "O(N) where N is the number of slots given",
        "Take hash slots away from this node",
    )
    .args("slot:int..."),
    m(
        "cluster|delslotsrange",
        "cluster",
        "7.0.0",
        "O(N) where N is the number of slots in the ranges",
        "Take ranges of hash slots away from this node",
    )
    .args("start-slot_end-slot:(start-slot:int end-slot:int)..."),
    m(
        "cluster|failover",
        "cluster",
        "3.0.0",
        "O(1)",
        "Make this replica take over from its master",
    )
    .args("options:[FORCE|TAKEOVER]"),
    m(
        "cluster|flushslots",
        "cluster",
        "3.0.0",
        "O(1)",
        "Drop every hash slot this node serves",
    ),
    m(
        "cluster|forget",
        "cluster",
        "3.0.0",
        "O(1)",
        "Remove a node from this node's view of the cluster",
    )
    .args("node-id"),
    m(
        "cluster|getkeysinslot",
        "cluster",
        "3.0.0",
        "O(log(N)) where N is the number of keys asked for",
        "List some key names of a hash slot",
    )
    .tips("nondeterministic_output")
    .args("slot:int count:int"),
    m(
        "cluster|help",
        "cluster",
        "5.0.0",
        "O(1)",
        "Describe the CLUSTER subcommands",
    ),
    m(
        "cluster|info",
        "cluster",
        "3.0.0",
        "O(1)",
        "Report the state of the cluster",
    )
    .tips("nondeterministic_output"),
    m(
        "cluster|keyslot",
        "cluster",
        "3.0.0",
        "O(N) where N is the length of the key",
        "Compute the hash slot of a key name",
    )
    .args("key"),
    m(
        "cluster|links",
        "cluster",
        "7.0.0",
        "O(N) where N is the number of links to other nodes",
        "List the cluster bus connections of this node",
    )
    .tips("nondeterministic_output"),
    m(
        "cluster|meet",
        "cluster",
        "3.0.0",
        "O(1)",
        "Introduce another node to this node's cluster",
    )
    .history(&[("4.0.0", "The bus port can be given.")])
    .args("ip port:int [cluster_bus_port:int@4.0.0]"),
    m(
        "cluster|myid",
        "cluster",
        "3.0.0",
        "O(1)",
        "Return this node's ID",
    ),
    m(
        "cluster|myshardid",
        "cluster",
        "7.0.0",
        "O(1)",
        "Return the ID of this node's shard",
    )
    .tips("nondeterministic_output"),
    m(
        "cluster|nodes",
        "cluster",
        "3.0.0",
        "O(N) where N is the number of nodes",
        "Describe every node as this node sees it",
    )
    .tips("nondeterministic_output"),
    m(
        "cluster|replicas",
        "cluster",
        "5.0.0",
        "O(1)",
        "List the replicas of a master node",
    )
    .tips("nondeterministic_output")
    .args("node-id"),
    m(
        "cluster|replicate",
        "cluster",
        "3.0.0",
        "O(1)",
        "Make this node a replica of another",
    )
    .args("node-id"),
    m(
        "cluster|reset",
        "cluster",
        "3.0.0",
        "O(N) where N is the number of known nodes",
        "Forget the cluster and start over",
    )
    .args("hard_soft:[HARD|SOFT]"),
    m(
        "cluster|saveconfig",
        "cluster",
        "3.0.0",
        "O(1)",
        "Write the cluster configuration to disk",
    ),
    m(
        "cluster|set-config-epoch",
        "cluster",
        "3.0.0",
        "O(1)",
        "Set the configuration epoch of a new node",
    )
    .args("config-epoch:int"),
    m(
        "cluster|setslot",
        "cluster",
        "3.0.0",
        "O(1)",
        "Change which node owns a hash slot",
    )
    .args("slot:int subcommand:(IMPORTING node-id|MIGRATING node-id|NODE node-id|STABLE)"),
    m(
        "cluster|shards",
        "cluster",
        "7.0.0",
        "O(N) where N is the number of nodes",
        "Describe the shards of the cluster",
    )
    .tips("nondeterministic_output"),
    m(
        "cluster|slaves",
        "cluster",
        "3.0.0",
        "O(1)",
        "List the replicas of a master node",
    )
    .deprecated("5.0.0", "`CLUSTER REPLICAS`")
    .tips("nondeterministic_output")
    .args("node-id"),
    m(
        "cluster|slots",
        "cluster",
        "3.0.0",
        "O(N) where N is the number of slots",
        "Map hash slot ranges to nodes",
    )
    .deprecated("7.0.0", "`CLUSTER SHARDS`")
    .history(&[
        ("4.0.0", "Node IDs are included."),
        ("7.0.0", "Each node also carries networking metadata."),
    ])
    .tips("nondeterministic_output"),
    // --- streams ----------------------------------------------------------------
    m(
        "xadd",
        "stream",
        "5.0.0",
        "O(1) to add an entry; O(N) when trimming N entries",
        "Append an entry to a stream, optionally trimming it",
    )
    .acl("stream")
    .tips("nondeterministic_output")
    .keys(&[ks("RW update", 1, 0, 1)
        .notes("UPDATE instead of INSERT because of the optional trimming feature")])
    .history(&[
        (
            "6.2.0",
            "New `NOMKSTREAM` option, `MINID` trimming and the `LIMIT` option.",
        ),
        ("7.0.0", "Accepts the `<ms>-*` explicit ID form."),
    ])
    .args(
        "key:key [NOMKSTREAM]@6.2.0 trim:[strategy:(MAXLEN|MINID@6.2.0) \
         operator:[equal==|approximately=~] threshold [LIMIT count:int]@6.2.0] \
         id_or_auto:(auto_id=*|id) field_value:(field value)...",
    ),
    m(
        "xlen",
        "stream",
        "5.0.0",
        "O(1)",
        "Count the entries of a stream",
    )
    .acl("stream")
    .keys(&[ks("RO", 1, 0, 1)])
    .args("key:key"),
    m(
        "xrange",
        "stream",
        "5.0.0",
        "O(N) for N entries returned",
        "Return the entries of a stream in an ID range",
    )
    .acl("stream")
    .keys(RO_ACCESS)
    .history(&[("6.2.0", "Exclusive ranges with `(`.")])
    .args("key:key start end [COUNT count:int]"),
    m(
        "xrevrange",
        "stream",
        "5.0.0",
        "O(N) for N entries returned",
        "Return the entries of a stream in an ID range, newest first",
    )
    .acl("stream")
    .keys(RO_ACCESS)
    .history(&[("6.2.0", "Exclusive ranges with `(`.")])
    .args("key:key end start [COUNT count:int]"),
    m(
        "xdel",
        "stream",
        "5.0.0",
        "O(1) per entry deleted",
        "Delete entries of a stream by ID",
    )
    .acl("stream")
    .keys(RW_DELETE)
    .args("key:key id..."),
    m(
        "xtrim",
        "stream",
        "5.0.0",
        "O(N) for N entries evicted",
        "Trim a stream to a length or a minimum ID",
    )
    .acl("stream")
    .tips("nondeterministic_output")
    .keys(RW_DELETE)
    .history(&[("6.2.0", "New `MINID` trimming and the `LIMIT` option.")])
    .args(
        "key:key trim:(strategy:(MAXLEN|MINID@6.2.0) operator:[equal==|approximately=~] \
         threshold [LIMIT count:int]@6.2.0)",
    ),
    m(
        "xread",
        "stream",
        "5.0.0",
        "O(N) for N entries returned per stream",
        "Read entries after given IDs from streams, optionally blocking",
    )
    .acl("stream")
    .keys(&[XREAD_KEYS])
    .args("[COUNT count:int] [BLOCK milliseconds:int] streams:(STREAMS key:key... id...)"),
    m(
        "xreadgroup",
        "stream",
        "5.0.0",
        "O(M) for M entries returned per stream",
        "Read entries for a consumer of a group, optionally blocking",
    )
    .acl("stream")
    .keys(&[XREADGROUP_KEYS])
    .args(
        "group_block:(GROUP group consumer) [COUNT count:int] [BLOCK milliseconds:int] \
         [NOACK] streams:(STREAMS key:key... id...)",
    ),
    m(
        "xack",
        "stream",
        "5.0.0",
        "O(1) per ID",
        "Acknowledge entries of a group's pending list",
    )
    .acl("stream")
    .keys(RW_UPDATE)
    .args("key:key group id..."),
    m(
        "xpending",
        "stream",
        "5.0.0",
        "O(N) for N entries returned; O(1) for the summary with one consumer",
        "Inspect a group's pending entries",
    )
    .acl("stream")
    .tips("nondeterministic_output")
    .keys(RO_ACCESS)
    .history(&[("6.2.0", "New `IDLE` option; exclusive ranges.")])
    .args("key:key group filters:[[IDLE min-idle-time:int]@6.2.0 start end count:int [consumer]]"),
    m(
        "xclaim",
        "stream",
        "5.0.0",
        "O(log N) per ID, N being the size of the pending list",
        "Transfer pending entries to another consumer",
    )
    .acl("stream")
    .tips("nondeterministic_output")
    .keys(RW_UPDATE)
    .args(
        "key:key group consumer min-idle-time id... [IDLE ms:int] \
         [TIME unix-time-milliseconds:time] [RETRYCOUNT count:int] [FORCE] [JUSTID] \
         [LASTID lastid]",
    ),
    m(
        "xautoclaim",
        "stream",
        "6.2.0",
        "O(1) when COUNT is small",
        "Transfer pending entries idle long enough to another consumer",
    )
    .acl("stream")
    .tips("nondeterministic_output")
    .keys(RW_DELETE)
    .history(&[(
        "7.0.0",
        "Replies with the IDs of deleted entries it dropped from the pending list.",
    )])
    .args("key:key group consumer min-idle-time start [COUNT count:int] [JUSTID]"),
    m(
        "xsetid",
        "stream",
        "5.0.0",
        "O(1)",
        "Set a stream's last ID and counters",
    )
    .acl("stream")
    .keys(RW_UPDATE)
    .history(&[("7.0.0", "New `ENTRIESADDED` and `MAXDELETEDID` arguments.")])
    .args(
        "key:key last-id [ENTRIESADDED entries-added:int]@7.0.0 \
         [MAXDELETEDID max-deleted-id]@7.0.0",
    ),
    m(
        "xgroup",
        "stream",
        "5.0.0",
        "Depends on subcommand.",
        "Container for consumer group commands",
    ),
    m(
        "xgroup|create",
        "stream",
        "5.0.0",
        "O(1)",
        "Create a consumer group",
    )
    .acl("stream")
    .keys(&[ks("RW insert", 2, 0, 1)])
    .history(&[("7.0.0", "New `ENTRIESREAD` option.")])
    .args(
        "key:key group id_selector:(id|new_id=$) [MKSTREAM] \
         [ENTRIESREAD entries-read:int]",
    ),
    m(
        "xgroup|setid",
        "stream",
        "5.0.0",
        "O(1)",
        "Set a consumer group's last delivered ID",
    )
    .acl("stream")
    .keys(&[ks("RW update", 2, 0, 1)])
    .history(&[("7.0.0", "New `ENTRIESREAD` option.")])
    .args("key:key group id_selector:(id|new_id=$) [ENTRIESREAD entriesread:int]"),
    m(
        "xgroup|destroy",
        "stream",
        "5.0.0",
        "O(N) for N pending entries",
        "Delete a consumer group",
    )
    .acl("stream")
    .keys(&[ks("RW delete", 2, 0, 1)])
    .args("key:key group"),
    m(
        "xgroup|createconsumer",
        "stream",
        "6.2.0",
        "O(1)",
        "Create a consumer in a group",
    )
    .acl("stream")
    .keys(&[ks("RW insert", 2, 0, 1)])
    .args("key:key group consumer"),
    m(
        "xgroup|delconsumer",
        "stream",
        "5.0.0",
        "O(1)",
        "Delete a consumer from a group",
    )
    .acl("stream")
    .keys(&[ks("RW delete", 2, 0, 1)])
    .args("key:key group consumer"),
    m(
        "xgroup|help",
        "stream",
        "5.0.0",
        "O(1)",
        "Describe the XGROUP subcommands",
    )
    .acl("stream"),
    m(
        "xinfo",
        "stream",
        "5.0.0",
        "Depends on subcommand.",
        "Container for stream introspection commands",
    ),
    m(
        "xinfo|stream",
        "stream",
        "5.0.0",
        "O(1); FULL is O(N) for the entries and pending entries it returns",
        "Describe a stream",
    )
    .acl("stream")
    .keys(&[ks("RO access", 2, 0, 1)])
    .history(&[
        ("6.0.0", "New `FULL` modifier."),
        (
            "7.0.0",
            "New `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, \
             `entries-read` and `lag` fields.",
        ),
    ])
    .args("key:key [full_block:(FULL [COUNT count:int])]"),
    m(
        "xinfo|groups",
        "stream",
        "5.0.0",
        "O(1)",
        "Describe the consumer groups of a stream",
    )
    .acl("stream")
    .keys(&[ks("RO access", 2, 0, 1)])
    .history(&[("7.0.0", "New `entries-read` and `lag` fields.")])
    .args("key:key"),
    m(
        "xinfo|consumers",
        "stream",
        "5.0.0",
        "O(1)",
        "Describe the consumers of a group",
    )
    .acl("stream")
    .tips("nondeterministic_output")
    .keys(&[ks("RO access", 2, 0, 1)])
    .args("key:key group"),
    m(
        "xinfo|help",
        "stream",
        "5.0.0",
        "O(1)",
        "Describe the XINFO subcommands",
    )
    .acl("stream"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::{command, table};

    /// Every full command name in the table, subcommands included.
    fn table_fullnames() -> Vec<String> {
        let mut out = Vec::new();
        for c in table().iter() {
            out.push(c.name.to_string());
            for s in command::subcommands(c) {
                out.push(format!("{}|{}", c.name, s.name));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn every_row_has_metadata() {
        let missing: Vec<String> = table_fullnames()
            .into_iter()
            .filter(|n| lookup(n).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "commands without an entry in src/cmd/meta.rs: {missing:?}"
        );
    }

    #[test]
    fn issue_commands_have_metadata() {
        let wanted = "get set setnx setex psetex mget mset msetnx getset getdel getex append \
            strlen incr decr incrby decrby incrbyfloat setrange getrange substr lcs del unlink \
            exists type rename renamenx keys scan randomkey expire pexpire expireat pexpireat ttl \
            pttl expiretime pexpiretime persist touch copy move swapdb object ping echo quit \
            reset select hello auth client dbsize flushdb flushall time info config shutdown \
            debug command config|get config|set config|resetstat config|rewrite config|help \
            client|id client|info client|list client|kill client|getname client|setname \
            client|setinfo client|reply client|no-evict client|no-touch client|pause \
            client|unpause client|help object|encoding object|freq object|idletime \
            object|refcount object|help command|count command|docs command|getkeys \
            command|getkeysandflags command|help command|info command|list";
        let missing: Vec<&str> = wanted
            .split_ascii_whitespace()
            .filter(|n| lookup(n).is_none())
            .collect();
        assert!(missing.is_empty(), "no metadata for {missing:?}");
    }

    #[test]
    fn every_argument_tree_parses() {
        let bad: Vec<String> = TABLE
            .iter()
            .filter_map(|m| parse_args(m.args).err().map(|e| format!("{}: {e}", m.name)))
            .collect();
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn entries_are_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for m in TABLE {
            assert!(seen.insert(m.name), "duplicate entry {}", m.name);
            assert_eq!(m.name, m.name.to_ascii_lowercase());
            assert!(!m.group.is_empty() && !m.since.is_empty(), "{}", m.name);
            // Redis documents MONITOR, SYNC, PSYNC and LOLWUT without a
            // complexity.
            let no_complexity = ["monitor", "sync", "psync", "lolwut"].contains(&m.name);
            assert!(
                !m.summary.is_empty() && (!m.complexity.is_empty() || no_complexity),
                "{}",
                m.name
            );
            for c in m.acl_list() {
                assert!(
                    ACL_CATEGORIES.contains(&c),
                    "{}: unknown category {c}",
                    m.name
                );
            }
            for spec in m.key_specs {
                let idx: Vec<usize> = spec
                    .flag_list()
                    .map(|f| {
                        KEY_SPEC_FLAGS
                            .iter()
                            .position(|k| *k == f)
                            .unwrap_or_else(|| panic!("{}: unknown key spec flag {f}", m.name))
                    })
                    .collect();
                assert!(
                    idx.windows(2).all(|w| w[0] < w[1]),
                    "{}: flag order",
                    m.name
                );
            }
            if spec_has_var_flags(m) {
                assert!(
                    m.var_flags.is_some(),
                    "{}: variable_flags needs var_flags",
                    m.name
                );
            }
            // Key arguments point at existing key specs.
            fn check(name: &str, args: &[Arg], specs: usize) {
                for a in args {
                    if a.kind == ArgKind::Key {
                        assert!((a.key_spec_index as usize) < specs, "{name}: {}", a.name);
                    }
                    check(name, &a.args, specs);
                }
            }
            check(m.name, args_of(m.name), m.key_specs.len());
        }
    }

    fn spec_has_var_flags(m: &Meta) -> bool {
        m.key_specs
            .iter()
            .any(|s| s.flag_list().any(|f| f == "variable_flags"))
    }

    /// The legacy (first, last, step) triple key specs imply (as Redis
    /// derives it); None when a spec is not index + range.
    fn legacy_range(specs: &[KeySpec]) -> Option<(i32, i32, i32)> {
        let mut first = i32::MAX;
        let mut last: i32 = 0;
        let mut step = 1;
        for s in specs {
            let (
                Begin::Index(i),
                Find::Range {
                    lastkey, keystep, ..
                },
            ) = (s.begin, s.find)
            else {
                return None;
            };
            first = first.min(i);
            let abs = if lastkey >= 0 { i + lastkey } else { lastkey };
            // Negative (counted from the end) wins, as in Redis's unsigned max.
            if (abs as u32) > (last as u32) {
                last = abs;
            }
            step = if specs.len() == 1 { keystep } else { 1 };
        }
        if specs.is_empty() {
            return Some((0, 0, 0));
        }
        Some((first, last, step))
    }

    #[test]
    fn rows_agree_with_key_specs() {
        let mut wrong = Vec::new();
        for c in table().iter() {
            let rows = std::iter::once((c.name.to_string(), c)).chain(
                command::subcommands(c)
                    .iter()
                    .map(|s| (format!("{}|{}", c.name, s.name), s)),
            );
            for (name, row) in rows {
                let Some(m) = lookup(&name) else { continue };
                if let Some(want) = legacy_range(m.key_specs) {
                    let have = (row.first_key, row.last_key, row.key_step);
                    if have != want {
                        wrong.push(format!("{name}: row {have:?}, key specs {want:?}"));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    fn tok(name: &str, token: &str) -> Arg {
        let mut a = Arg::new(name, ArgKind::PureToken);
        a.token = Some(token.into());
        a
    }

    #[test]
    fn dsl_simple_arguments() {
        let args = parse_args("key:key value n:int f:double p:pattern t:time s:string").unwrap();
        let kinds: Vec<(&str, ArgKind)> = args.iter().map(|a| (a.name.as_str(), a.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("key", ArgKind::Key),
                ("value", ArgKind::String),
                ("n", ArgKind::Integer),
                ("f", ArgKind::Double),
                ("p", ArgKind::Pattern),
                ("t", ArgKind::UnixTime),
                ("s", ArgKind::String),
            ]
        );
        assert_eq!(parse_args("").unwrap(), []);
        assert_eq!(parse_args("   ").unwrap(), []);
        // A ':' that is not followed by a type is part of the name.
        let a = parse_args("ip:port yes/no").unwrap();
        assert_eq!(
            (a[0].name.as_str(), a[0].kind),
            ("ip:port", ArgKind::String)
        );
        assert_eq!(a[1].name, "yes/no");
    }

    #[test]
    fn dsl_tokens_and_modifiers() {
        let args = parse_args(
            "src:key dst:key#1 [GET]@6.2.0 [EX seconds:int] MATCH pattern:pattern \
             old!2.8.12 lower=UPPER key2:key...@7.0.0",
        )
        .unwrap();
        assert_eq!(args[1].key_spec_index, 1);
        let mut get = tok("get", "GET");
        get.optional = true;
        get.since = Some("6.2.0".into());
        assert_eq!(args[2], get);
        assert_eq!(args[3].name, "seconds");
        assert_eq!(args[3].token.as_deref(), Some("EX"));
        assert!(args[3].optional && !args[3].multiple);
        assert_eq!(args[4].name, "pattern");
        assert_eq!(args[4].token.as_deref(), Some("MATCH"));
        assert!(!args[4].optional);
        assert_eq!(args[5].deprecated_since.as_deref(), Some("2.8.12"));
        assert_eq!(args[6], tok("lower", "UPPER"));
        assert!(args[7].multiple && !args[7].optional);
        assert_eq!(args[7].since.as_deref(), Some("7.0.0"));
        assert_eq!(args.len(), 8);
    }

    #[test]
    fn dsl_groups() {
        let args = parse_args(
            "c:[NX|XX]@2.6.12 mode:(ON|OFF) kv:(key:key value)... \
             [AUTH creds:(user pass)] [TYPE t:(A|B@5.0.0)]@2.8.12",
        )
        .unwrap();
        let c = &args[0];
        assert_eq!(
            (c.name.as_str(), c.kind, c.optional),
            ("c", ArgKind::Oneof, true)
        );
        assert_eq!(c.since.as_deref(), Some("2.6.12"));
        assert_eq!(c.args, [tok("nx", "NX"), tok("xx", "XX")]);
        assert_eq!((args[1].kind, args[1].optional), (ArgKind::Oneof, false));
        let kv = &args[2];
        assert_eq!(
            (kv.kind, kv.multiple, kv.optional),
            (ArgKind::Block, true, false)
        );
        assert_eq!(kv.args.len(), 2);
        let auth = &args[3];
        assert_eq!((auth.name.as_str(), auth.kind), ("creds", ArgKind::Block));
        assert_eq!(auth.token.as_deref(), Some("AUTH"));
        assert!(auth.optional);
        let t = &args[4];
        assert_eq!(t.token.as_deref(), Some("TYPE"));
        assert_eq!(t.since.as_deref(), Some("2.8.12"));
        assert_eq!(t.args[1].since.as_deref(), Some("5.0.0"));
    }

    #[test]
    fn dsl_repeated_tokens() {
        let a = parse_args("[PREFIX prefix]...").unwrap();
        assert!(a[0].optional && a[0].multiple && a[0].multiple_token);
        let b = parse_args("[PREFIX prefix...]").unwrap();
        assert!(b[0].optional && b[0].multiple && !b[0].multiple_token);
        let c = parse_args("[section]...").unwrap();
        assert!(c[0].optional && c[0].multiple && !c[0].multiple_token);
        // Two tokens in a row: the first stands alone.
        let d = parse_args("A B x").unwrap();
        assert_eq!(d[0], tok("a", "A"));
        assert_eq!(d[1].name, "x");
        assert_eq!(d[1].token.as_deref(), Some("B"));
        let e = parse_args("A B").unwrap();
        assert_eq!(e, [tok("a", "A"), tok("b", "B")]);
    }

    #[test]
    fn dsl_key_spec_on_other_arguments() {
        let a = parse_args("k:key [BY p:pattern]#1 [GET g:pattern]...#1 x").unwrap();
        assert!(a[0].key_spec && a[0].key_spec_index == 0);
        assert!(a[1].key_spec && a[1].key_spec_index == 1);
        assert_eq!(a[1].kind, ArgKind::Pattern);
        assert!(a[2].key_spec && a[2].multiple_token);
        assert!(!a[3].key_spec);
    }

    #[test]
    fn keynum_and_unknown_specs() {
        let z = lookup("zunionstore").unwrap();
        assert_eq!(z.key_specs, STORE_NUMKEYS);
        assert_eq!(
            z.key_specs[1].find,
            Find::Keynum {
                keynumidx: 0,
                firstkey: 1,
                keystep: 1
            }
        );
        assert_eq!(
            lookup("blmpop").unwrap().key_specs[0].begin,
            Begin::Index(2)
        );
        let sort = lookup("sort").unwrap();
        assert_eq!(sort.key_specs.len(), 3);
        assert_eq!(
            (sort.key_specs[2].begin, sort.key_specs[2].find),
            (Begin::Unknown, Find::Unknown)
        );
        assert!(!sort.key_specs[1].notes.is_empty());
    }

    #[test]
    fn dsl_errors() {
        for bad in [
            "a|b",
            "[a b]",
            "[a|b]",
            "x:[a b|c]",
            "x:()",
            "[a",
            "a]",
            "x:",
            "@1.0",
            "a @",
            "a#x",
            "a^1",
            "=X",
            "x=lower",
            "x:key.....",
        ] {
            assert!(parse_args(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn set_key_flags_depend_on_get() {
        let m = lookup("set").unwrap();
        let f = m.var_flags.unwrap();
        assert_eq!(f(&[b"set", b"k", b"v"]), "OW update");
        assert_eq!(f(&[b"set", b"k", b"v", b"Get"]), "RW access update");
        assert_eq!(f(&[b"set", b"k", b"get"]), "OW update");
    }
}
