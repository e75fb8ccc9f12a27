//! Connection commands: PING, ECHO, QUIT, SELECT, RESET, AUTH, HELLO and the
//! CLIENT container (ID, SETNAME, GETNAME, SETINFO, INFO, LIST, KILL, REPLY,
//! NO-EVICT, NO-TOUCH, GETREDIR, PAUSE, UNPAUSE, HELP), plus the
//! protected-mode check the event loop runs when it accepts a connection.
//!
//! Users and passwords are the ACL module's (`crate::acl`): AUTH and HELLO
//! AUTH ask it whether a user/password pair logs in and switch the
//! connection to that user.

use super::{Cmd, Ctx, flags::*};
use crate::client::{Client, Conn, ReplyMode};
use crate::error;
use crate::server::Server;
use crate::util::num::parse_i64;
use std::io::Write as _;

/// Flags Redis gives the commands a connection may send before AUTH.
const PRE_AUTH: u32 = NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY;
/// Flags shared by the CLIENT subcommands.
const CLIENT: u32 = NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("ping", -1, FAST | SENTINEL | SUBSCRIBED_OK, ping),
    Cmd::new("echo", 2, LOADING | STALE | FAST, echo),
    Cmd::new("quit", -1, PRE_AUTH | MULTI_CONTROL | SUBSCRIBED_OK, quit),
    Cmd::new("select", 2, LOADING | STALE | FAST, select),
    Cmd::new("reset", 1, PRE_AUTH | MULTI_CONTROL | SUBSCRIBED_OK, reset),
    Cmd::new("auth", -2, PRE_AUTH | SENTINEL, auth),
    Cmd::new("hello", -1, PRE_AUTH | SENTINEL, hello),
    Cmd::container("client", CLIENT_SUBS),
];

static CLIENT_SUBS: &[Cmd] = &[
    Cmd::new("id", 2, CLIENT, client_id),
    Cmd::new("setname", 3, CLIENT, client_setname),
    Cmd::new("getname", 2, CLIENT, client_getname),
    Cmd::new("setinfo", 4, CLIENT, client_setinfo),
    Cmd::new("info", 2, CLIENT, client_info),
    Cmd::new("list", -2, ADMIN | CLIENT, client_list),
    Cmd::new("kill", -3, ADMIN | CLIENT, client_kill),
    Cmd::new("reply", 3, CLIENT, client_reply),
    Cmd::new("no-evict", 3, ADMIN | CLIENT, client_no_evict),
    Cmd::new("no-touch", 3, CLIENT, client_no_touch),
    Cmd::new("getredir", 2, CLIENT, client_getredir),
    Cmd::new("tracking", -3, CLIENT, client_tracking),
    Cmd::new("caching", 3, CLIENT, client_caching),
    Cmd::new("trackinginfo", 2, CLIENT, client_trackinginfo),
    Cmd::new("unblock", -3, CLIENT, client_unblock),
    Cmd::new("pause", -3, ADMIN | CLIENT, client_pause),
    Cmd::new("unpause", 2, ADMIN | CLIENT, client_unpause),
    Cmd::new("help", 2, LOADING | STALE, client_help),
];

/// The user AUTH <password> logs in as.
const DEFAULT_USER: &[u8] = b"default";

// ---------------------------------------------------------------------------
// PING, ECHO, QUIT, SELECT, RESET

/// PING [message]
fn ping(ctx: &mut Ctx, argv: &[&[u8]]) {
    // A RESP2 client in subscribed mode gets `*2 pong <msg or "">`.
    if ctx.c.in_subscribed_context() && argv.len() <= 2 {
        ctx.c.reply.array(2);
        ctx.c.reply.bulk(b"pong");
        return ctx.c.reply.bulk(argv.get(1).copied().unwrap_or(b""));
    }
    match argv {
        [_] => ctx.c.reply.simple("PONG"),
        [_, msg] => ctx.c.reply.bulk(msg),
        _ => ctx.c.reply.error(&error::wrong_arity("ping")),
    }
}

/// ECHO message
fn echo(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.c.reply.bulk(argv[1]);
}

/// QUIT: reply OK, then close once the reply is written. Extra arguments are
/// ignored, as in Redis.
fn quit(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.ok();
    ctx.c.close_after_reply = true;
}

/// SELECT index
fn select(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(idx) = parse_i64(argv[1]) else {
        return ctx.c.reply.error(error::NOT_INTEGER);
    };
    // Redis reads the index as a C int.
    let Ok(idx) = i32::try_from(idx) else {
        return ctx.c.reply.error(error::NOT_I32);
    };
    match usize::try_from(idx) {
        Ok(i) if i < ctx.srv.ks.dbs.len() => {
            ctx.c.db = i;
            ctx.c.reply.ok();
        }
        _ => ctx.c.reply.error(error::DB_INDEX_OUT_OF_RANGE),
    }
}

/// RESET: leave every per-connection mode and reply `+RESET`.
fn reset(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::multi::discard(ctx.srv, ctx.c);
    super::pubsub::unsubscribe_all(ctx.srv, ctx.c);
    crate::server::tracking::disable(ctx.srv, ctx.c);
    ctx.srv.observe.remove_monitor(ctx.c.token);
    ctx.c.monitor = false;
    let password_required = ctx.srv.acl.auth_required();
    ctx.c.reset_connection_state(password_required);
    ctx.c.reply.simple("RESET");
}

// ---------------------------------------------------------------------------
// AUTH, HELLO

/// Logs the connection in as `user` when the pair is valid (Redis
/// ACLAuthenticateUser); a failure is counted and logged in the ACL LOG and
/// leaves the connection as it was.
fn try_login(ctx: &mut Ctx, argv: &[&[u8]], user: &[u8], pass: &[u8]) -> bool {
    if ctx.srv.acl.credentials_ok(user, pass) {
        ctx.c.authenticated = true;
        ctx.c.user = user.to_vec();
        true
    } else {
        crate::acl::log_auth_failure(ctx.srv, ctx.c, user, argv, ctx.now);
        false
    }
}

/// AUTH [username] password
fn auth(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (user, pass) = match argv {
        [_, pass] => {
            if !ctx.srv.acl.auth_required() {
                return ctx.c.reply.error(error::AUTH_NO_PASSWORD);
            }
            (DEFAULT_USER, *pass)
        }
        [_, user, pass] => (*user, *pass),
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    if try_login(ctx, argv, user, pass) {
        ctx.c.reply.ok();
    } else {
        ctx.c.reply.error(error::WRONGPASS);
    }
}

/// What HELLO was asked to do.
struct HelloArgs<'a> {
    /// Some(true) = RESP3, Some(false) = RESP2, None = keep.
    resp3: Option<bool>,
    creds: Option<(&'a [u8], &'a [u8])>,
    name: Option<&'a [u8]>,
}

/// Parses HELLO's arguments; Err is the error reply. Like Redis 7.2, a
/// SETNAME value is validated while parsing, before AUTH is tried (7.0
/// applied the options one by one).
fn parse_hello<'a>(args: &[&'a [u8]]) -> Result<HelloArgs<'a>, String> {
    let mut out = HelloArgs {
        resp3: None,
        creds: None,
        name: None,
    };
    let mut rest = args;
    if let [ver, tail @ ..] = rest {
        let ver = parse_i64(ver).ok_or_else(|| error::PROTO_NOT_INTEGER.to_string())?;
        if !(2..=3).contains(&ver) {
            return Err(error::NOPROTO.to_string());
        }
        out.resp3 = Some(ver == 3);
        rest = tail;
    }
    loop {
        rest = match rest {
            [] => return Ok(out),
            [opt, user, pass, tail @ ..] if opt.eq_ignore_ascii_case(b"auth") => {
                out.creds = Some((user, pass));
                tail
            }
            [opt, name, tail @ ..] if opt.eq_ignore_ascii_case(b"setname") => {
                if !valid_client_attr(name) {
                    return Err(error::CLIENT_NAME_INVALID.to_string());
                }
                out.name = Some(name);
                tail
            }
            [opt, ..] => return Err(error::hello_syntax(opt)),
        };
    }
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
fn hello(ctx: &mut Ctx, argv: &[&[u8]]) {
    let args = match parse_hello(&argv[1..]) {
        Ok(a) => a,
        Err(e) => return ctx.c.reply.error(&e),
    };
    if let Some((user, pass)) = args.creds
        && !try_login(ctx, argv, user, pass)
    {
        return ctx.c.reply.error(error::WRONGPASS);
    }
    if !ctx.c.authenticated {
        return ctx.c.reply.error(error::HELLO_NOAUTH);
    }
    if let Some(name) = args.name {
        ctx.c.name = name.to_vec();
    }
    if let Some(resp3) = args.resp3 {
        ctx.c.reply.resp3 = resp3;
    }
    // The reply already uses the protocol just selected.
    let id = ctx.c.id as i64;
    let role: &[u8] = if ctx.srv.replica.active() {
        b"replica"
    } else {
        b"master"
    };
    let r = &mut ctx.c.reply;
    let proto = if r.resp3 { 3 } else { 2 };
    r.map(7);
    r.bulk(b"server");
    r.bulk(b"redis");
    r.bulk(b"version");
    r.bulk(crate::REDIS_COMPAT_VERSION.as_bytes());
    r.bulk(b"proto");
    r.int(proto);
    r.bulk(b"id");
    r.int(id);
    r.bulk(b"mode");
    r.bulk(b"standalone");
    r.bulk(b"role");
    r.bulk(role);
    r.bulk(b"modules");
    r.array(0);
}

// ---------------------------------------------------------------------------
// Protected mode

/// Redis 7's protected mode: with `protected-mode yes` and no password for
/// the default user, only connections from 127.0.0.1, ::1 or the Unix socket
/// are served; any other gets `-{error::PROTECTED_MODE_DENIED}\r\n` and is
/// closed. Since Redis 7.0 the check no longer depends on `bind` (verified
/// on 7.0: a server started with `--bind 0.0.0.0` still refuses).
pub fn protected_mode_denied(srv: &Server, conn: &Conn, addr: &str) -> bool {
    let default_has_password = srv.acl.users.get(&b"default"[..]).is_none_or(|u| !u.nopass);
    if !srv.config.protected_mode || default_has_password {
        return false;
    }
    match conn {
        Conn::Tcp(_) => {
            let ip = addr.rsplit_once(':').map_or(addr, |(ip, _)| ip);
            ip != "127.0.0.1" && ip != "::1"
        }
        Conn::Unix(_) | Conn::Fake => false,
    }
}

// ---------------------------------------------------------------------------
// CLIENT

/// Client names and library attributes: printable ASCII without spaces
/// ('!'..='~'); empty is allowed (it clears the value).
fn valid_client_attr(s: &[u8]) -> bool {
    s.iter().all(|b| (b'!'..=b'~').contains(b))
}

/// `on` / `off`, any case.
fn parse_on_off(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        None
    }
}

/// CLIENT ID
fn client_id(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.int(ctx.c.id as i64);
}

/// CLIENT SETNAME connection-name
fn client_setname(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !valid_client_attr(argv[2]) {
        return ctx.c.reply.error(error::CLIENT_NAME_INVALID);
    }
    ctx.c.name = argv[2].to_vec();
    ctx.c.reply.ok();
}

/// CLIENT GETNAME
fn client_getname(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.c.name.is_empty() {
        ctx.c.reply.null();
    } else {
        ctx.c.reply.bulk(&ctx.c.name);
    }
}

/// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver> (Redis 7.2)
fn client_setinfo(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (attr, value) = (argv[2], argv[3]);
    let is_name = attr.eq_ignore_ascii_case(b"lib-name");
    if !is_name && !attr.eq_ignore_ascii_case(b"lib-ver") {
        return ctx.c.reply.error(&error::setinfo_unrecognized(attr));
    }
    if !valid_client_attr(value) {
        return ctx.c.reply.error(&error::setinfo_invalid(attr));
    }
    let slot = if is_name {
        &mut ctx.c.lib_name
    } else {
        &mut ctx.c.lib_ver
    };
    *slot = value.to_vec();
    ctx.c.reply.ok();
}

/// Client classes of CLIENT LIST TYPE / CLIENT KILL TYPE. Every ember
/// connection is `Normal` for now (no replication, no pub/sub yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

impl ClientType {
    fn parse(name: &[u8]) -> Option<ClientType> {
        const NAMES: &[(&[u8], ClientType)] = &[
            (b"normal", ClientType::Normal),
            (b"slave", ClientType::Replica),
            (b"replica", ClientType::Replica),
            (b"pubsub", ClientType::PubSub),
            (b"master", ClientType::Master),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, t)| t)
    }

    fn of(c: &Client) -> ClientType {
        if c.is_replica() && !c.monitor {
            ClientType::Replica
        } else if c.subscription_count() > 0 {
            // Redis's CLIENT_PUBSUB: subscribed to anything, in either
            // protocol.
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }
}

/// One CLIENT LIST / CLIENT INFO line, as typed fields.
struct ClientInfo<'a> {
    id: u64,
    addr: &'a str,
    laddr: &'a str,
    fd: i32,
    name: &'a [u8],
    age_secs: i64,
    idle_secs: i64,
    flags: String,
    db: usize,
    sub: usize,
    psub: usize,
    ssub: usize,
    /// Queued commands in MULTI, -1 outside a transaction.
    multi: i64,
    multi_mem: usize,
    qbuf: usize,
    qbuf_free: usize,
    argv_mem: usize,
    rbs: usize,
    rbp: usize,
    obl: usize,
    tot_mem: usize,
    events: &'static str,
    cmd: &'a str,
    resp: u8,
    lib_name: &'a [u8],
    lib_ver: &'a [u8],
    user: &'a [u8],
}

/// What is known only about the client whose command is running.
struct Running<'a> {
    fullname: &'a str,
    argv_mem: usize,
}

impl<'a> ClientInfo<'a> {
    /// Snapshot of `c` at `now`; `running` is Some for the calling client.
    fn of(c: &'a Client, now: i64, running: Option<&Running<'a>>) -> Self {
        // A held client's command (CLIENT PAUSE) still holds its arguments.
        let held_mem = || c.held.as_ref().map_or(0, |h| h.iter().map(Vec::len).sum());
        let argv_mem = running.map_or_else(held_mem, |r| r.argv_mem);
        let events = match c.conn {
            Conn::Fake => "",
            _ if running.is_none() && c.has_pending_reply() => "rw",
            _ => "r",
        };
        let tot_mem = std::mem::size_of::<Client>()
            + c.query.data.capacity()
            + c.reply.buf.capacity()
            + c.name.len()
            + c.lib_name.len()
            + c.lib_ver.len()
            + argv_mem;
        ClientInfo {
            id: c.id,
            addr: &c.addr,
            laddr: &c.laddr,
            fd: c.conn.raw_fd(),
            name: &c.name,
            age_secs: (now - c.created_ms).max(0) / 1000,
            idle_secs: (now - c.last_interaction_ms).max(0) / 1000,
            flags: c.flags_string(),
            db: c.db,
            sub: c.subs.len(),
            psub: c.psubs.len(),
            ssub: c.ssubs.len(),
            multi: c.multi.as_ref().map_or(-1, |m| m.queue.len() as i64),
            multi_mem: c.multi.as_ref().map_or(0, |m| m.mem),
            qbuf: c.query.pending(),
            qbuf_free: c.query.data.len().saturating_sub(c.query.end),
            argv_mem,
            rbs: c.reply.buf.capacity(),
            rbp: c.reply.buf.len(),
            obl: c.pending_reply_bytes(),
            tot_mem,
            events,
            cmd: running.map_or(c.last_cmd, |r| r.fullname),
            resp: if c.reply.resp3 { 3 } else { 2 },
            lib_name: &c.lib_name,
            lib_ver: &c.lib_ver,
            user: &c.user,
        }
    }

    /// Appends the line (without its trailing newline).
    fn write(&self, out: &mut Vec<u8>) {
        // Writes into a Vec cannot fail.
        let _ = write!(
            out,
            "id={} addr={} laddr={} fd={} name=",
            self.id, self.addr, self.laddr, self.fd
        );
        out.extend_from_slice(self.name);
        let _ = write!(
            out,
            " age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} \
             qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll=0 omem={} \
             tot-mem={} events={} cmd={} user={} redir=-1 resp={} lib-name=",
            self.age_secs,
            self.idle_secs,
            self.flags,
            self.db,
            self.sub,
            self.psub,
            self.ssub,
            self.multi,
            self.qbuf,
            self.qbuf_free,
            self.argv_mem,
            self.multi_mem,
            self.rbs,
            self.rbp,
            self.obl,
            self.obl,
            self.tot_mem,
            self.events,
            self.cmd,
            String::from_utf8_lossy(self.user),
            self.resp,
        );
        out.extend_from_slice(self.lib_name);
        out.extend_from_slice(b" lib-ver=");
        out.extend_from_slice(self.lib_ver);
    }
}

/// The calling client's CLIENT LIST fields that only the handler knows.
fn running<'a>(fullname: &'a str, argv: &[&[u8]]) -> Running<'a> {
    Running {
        fullname,
        argv_mem: argv.iter().map(|a| a.len()).sum(),
    }
}

/// The CLIENT INFO line of `c` while it runs `fullname` (for ACL LOG
/// entries), without the trailing newline.
pub fn client_info_line(c: &Client, now: i64, fullname: &str, argv: &[&[u8]]) -> Vec<u8> {
    let me = running(fullname, argv);
    let mut out = Vec::with_capacity(320);
    ClientInfo::of(c, now, Some(&me)).write(&mut out);
    out
}

/// CLIENT INFO
fn client_info(ctx: &mut Ctx, argv: &[&[u8]]) {
    let fullname = ctx.fullname();
    let me = running(&fullname, argv);
    let mut out = Vec::with_capacity(320);
    ClientInfo::of(ctx.c, ctx.now, Some(&me)).write(&mut out);
    out.push(b'\n');
    ctx.c.reply.verbatim(&out, b"txt");
}

/// Which clients CLIENT LIST shows.
enum ListFilter {
    All,
    Type(ClientType),
    /// In the order given; an ID given twice is listed twice.
    Ids(Vec<i64>),
}

fn parse_list_filter(args: &[&[u8]]) -> Result<ListFilter, String> {
    match args {
        [] => Ok(ListFilter::All),
        [opt, t] if opt.eq_ignore_ascii_case(b"type") => ClientType::parse(t)
            .map(ListFilter::Type)
            .ok_or_else(|| error::unknown_client_type(t)),
        [opt, ids @ ..] if !ids.is_empty() && opt.eq_ignore_ascii_case(b"id") => ids
            .iter()
            .map(|id| parse_i64(id).ok_or_else(|| error::INVALID_CLIENT_ID.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(ListFilter::Ids),
        _ => Err(error::SYNTAX.to_string()),
    }
}

/// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
fn client_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let filter = match parse_list_filter(&argv[2..]) {
        Ok(f) => f,
        Err(e) => return ctx.c.reply.error(&e),
    };
    let fullname = ctx.fullname();
    let me = running(&fullname, argv);
    let this: &Client = ctx.c;
    // A replica's master client is not in the client table.
    let master = crate::server::replica::master_client(ctx.srv);
    let is_master = |c: &Client| master.is_some_and(|m| m.id == c.id);
    let type_of = |c: &Client| {
        if is_master(c) {
            ClientType::Master
        } else {
            ClientType::of(c)
        }
    };
    let mut everyone: Vec<&Client> = ctx
        .srv
        .other_clients()
        .chain([this])
        .chain(master)
        .collect();
    let shown: Vec<&Client> = match filter {
        ListFilter::All => {
            everyone.sort_unstable_by_key(|c| c.id);
            everyone
        }
        ListFilter::Type(t) => {
            everyone.retain(|c| type_of(c) == t);
            everyone.sort_unstable_by_key(|c| c.id);
            everyone
        }
        ListFilter::Ids(ids) => ids
            .iter()
            .filter_map(|&id| everyone.iter().copied().find(|c| c.id as i64 == id))
            .collect(),
    };
    let mut out = Vec::with_capacity(shown.len() * 320);
    for c in shown {
        let run = (c.id == this.id).then_some(&me);
        let mut info = ClientInfo::of(c, ctx.now, run);
        if is_master(c) {
            info.flags = "M".into();
            info.events = "r";
            info.fd = crate::server::replica::master_fd(ctx.srv);
        }
        info.write(&mut out);
        out.push(b'\n');
    }
    ctx.c.reply.verbatim(&out, b"txt");
}

/// The filters of CLIENT KILL, combined with AND.
struct KillFilter<'a> {
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    id: Option<u64>,
    ctype: Option<ClientType>,
    user: Option<&'a [u8]>,
    /// Kill only connections at least this many seconds old (a Redis 7.4
    /// filter; Redis 7.2 answers it with a syntax error).
    max_age: Option<i64>,
    /// Leave the calling client alone.
    skipme: bool,
}

impl KillFilter<'_> {
    fn matches(&self, c: &Client, now: i64) -> bool {
        self.addr.is_none_or(|a| a == c.addr.as_bytes())
            && self.laddr.is_none_or(|a| a == c.laddr.as_bytes())
            && self.id.is_none_or(|id| id == c.id)
            && self.ctype.is_none_or(|t| t == ClientType::of(c))
            && self.user.is_none_or(|u| u == c.user.as_slice())
            && self
                .max_age
                .is_none_or(|m| (now - c.created_ms) / 1000 >= m)
    }
}

/// Parses the filter form (`<filter> <value> ...`); Err is the error reply.
fn parse_kill_filters<'a>(mut args: &[&'a [u8]]) -> Result<KillFilter<'a>, String> {
    let mut f = KillFilter {
        addr: None,
        laddr: None,
        id: None,
        ctype: None,
        user: None,
        max_age: None,
        skipme: true,
    };
    while let [opt, val, rest @ ..] = args {
        let opt = opt.to_ascii_lowercase();
        match opt.as_slice() {
            b"id" => match parse_i64(val) {
                Some(id) if id >= 1 => f.id = Some(id as u64),
                _ => return Err(error::CLIENT_ID_NOT_POSITIVE.to_string()),
            },
            b"type" => {
                f.ctype =
                    Some(ClientType::parse(val).ok_or_else(|| error::unknown_client_type(val))?);
            }
            b"addr" => f.addr = Some(val),
            b"laddr" => f.laddr = Some(val),
            b"user" => f.user = Some(val),
            b"skipme" if val.eq_ignore_ascii_case(b"yes") => f.skipme = true,
            b"skipme" if val.eq_ignore_ascii_case(b"no") => f.skipme = false,
            b"maxage" => match parse_i64(val) {
                Some(age) if age > 0 => f.max_age = Some(age),
                Some(_) => return Err(error::MAXAGE_NOT_POSITIVE.to_string()),
                None => return Err(error::MAXAGE_NOT_INTEGER.to_string()),
            },
            _ => return Err(error::SYNTAX.to_string()),
        }
        args = rest;
    }
    if args.is_empty() {
        Ok(f)
    } else {
        // An option without its value.
        Err(error::SYNTAX.to_string())
    }
}

/// CLIENT KILL <ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] |
/// [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] | [MAXAGE maxage]> ...>
fn client_kill(ctx: &mut Ctx, argv: &[&[u8]]) {
    // The old form `CLIENT KILL addr` may kill the caller itself.
    let old_form = argv.len() == 3;
    let filter = if old_form {
        KillFilter {
            addr: Some(argv[2]),
            laddr: None,
            id: None,
            ctype: None,
            user: None,
            max_age: None,
            skipme: false,
        }
    } else {
        match parse_kill_filters(&argv[2..]) {
            Ok(f) => f,
            Err(e) => return ctx.c.reply.error(&e),
        }
    };
    if let Some(u) = filter.user
        && !ctx.srv.acl.users.contains_key(u)
    {
        return ctx.c.reply.error(&error::no_such_user(u));
    }
    let now = ctx.now;
    let mut killed = 0i64;
    let mut doomed = Vec::new();
    for other in ctx.srv.other_clients_mut() {
        // Already killed earlier in this event-loop turn: Redis would have
        // freed it by now.
        if !other.close_asap && filter.matches(other, now) {
            other.close_asap = true;
            doomed.push(other.token);
            killed += 1;
        }
    }
    ctx.srv.to_close.extend(doomed);
    // A replica's master client (not in the client table): killing it
    // drops the link, which reconnects and asks to continue.
    let master_matches = crate::server::replica::master_client(ctx.srv).is_some_and(|m| {
        filter.ctype.is_none_or(|t| t == ClientType::Master)
            && KillFilter {
                ctype: None,
                ..filter
            }
            .matches(m, now)
    });
    if master_matches {
        crate::server::replica::kill_master_link(ctx.srv);
        killed += 1;
    }
    let kill_self = !filter.skipme && filter.matches(ctx.c, now);
    if kill_self {
        killed += 1;
    }
    if !old_form {
        ctx.c.reply.int(killed);
    } else if killed == 0 {
        ctx.c.reply.error(error::NO_SUCH_CLIENT);
    } else {
        ctx.c.reply.ok();
    }
    // After the reply is queued, so the caller still gets it.
    if kill_self {
        ctx.c.close_after_reply = true;
    }
}

/// CLIENT REPLY <ON | OFF | SKIP>
fn client_reply(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mode = argv[2];
    if mode.eq_ignore_ascii_case(b"on") {
        ctx.c.reply_mode = ReplyMode::On;
        ctx.c.reply.ok();
    } else if mode.eq_ignore_ascii_case(b"off") {
        ctx.c.reply_mode = ReplyMode::Off;
    } else if mode.eq_ignore_ascii_case(b"skip") {
        // SKIP while OFF changes nothing.
        if ctx.c.reply_mode != ReplyMode::Off {
            ctx.c.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        ctx.c.reply.error(error::SYNTAX);
    }
}

/// CLIENT NO-EVICT <ON | OFF>
fn client_no_evict(ctx: &mut Ctx, argv: &[&[u8]]) {
    match parse_on_off(argv[2]) {
        Some(on) => {
            ctx.c.no_evict = on;
            ctx.c.reply.ok();
        }
        None => ctx.c.reply.error(error::SYNTAX),
    }
}

/// CLIENT NO-TOUCH <ON | OFF> (Redis 7.2)
fn client_no_touch(ctx: &mut Ctx, argv: &[&[u8]]) {
    match parse_on_off(argv[2]) {
        Some(on) => {
            ctx.c.no_touch = on;
            ctx.c.reply.ok();
        }
        None => ctx.c.reply.error(error::SYNTAX),
    }
}

/// CLIENT GETREDIR: -1, client-side caching is not supported.
fn client_getredir(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let v = ctx.c.tracking.as_ref().map_or(-1, |t| t.redirect as i64);
    ctx.c.reply.int(v);
}

/// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN]
/// [OPTOUT] [NOLOOP], with Redis's checks in Redis's order.
fn client_tracking(ctx: &mut Ctx, argv: &[&[u8]]) {
    use crate::server::tracking::{self, ClientTracking};
    let mut opts = ClientTracking::default();
    let mut prefixes: Vec<&[u8]> = Vec::new();
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        let a = argv[j].to_ascii_lowercase();
        match a.as_slice() {
            b"redirect" if more => {
                j += 1;
                if opts.redirect != 0 {
                    return ctx
                        .c
                        .reply
                        .error("ERR A client can only redirect to a single other client");
                }
                let Some(id) = parse_i64(argv[j]) else {
                    return ctx.c.reply.error(error::NOT_INTEGER);
                };
                let exists =
                    id as u64 == ctx.c.id || ctx.srv.other_clients().any(|o| o.id as i64 == id);
                if !exists {
                    return ctx
                        .c
                        .reply
                        .error("ERR The client ID you want redirect to does not exist");
                }
                opts.redirect = id as u64;
            }
            b"bcast" => opts.bcast = true,
            b"optin" => opts.optin = true,
            b"optout" => opts.optout = true,
            b"noloop" => opts.noloop = true,
            b"prefix" if more => {
                j += 1;
                prefixes.push(argv[j]);
            }
            _ => return ctx.c.reply.error(error::SYNTAX),
        }
        j += 1;
    }
    match argv[2].to_ascii_lowercase().as_slice() {
        b"on" => {
            if !opts.bcast && !prefixes.is_empty() {
                return ctx
                    .c
                    .reply
                    .error("ERR PREFIX option requires BCAST mode to be enabled");
            }
            if let Some(cur) = ctx.c.tracking.as_deref()
                && cur.bcast != opts.bcast
            {
                return ctx.c.reply.error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
            }
            if opts.bcast && (opts.optin || opts.optout) {
                return ctx
                    .c
                    .reply
                    .error("ERR OPTIN and OPTOUT are not compatible with BCAST");
            }
            if opts.optin && opts.optout {
                return ctx
                    .c
                    .reply
                    .error("ERR You can't specify both OPTIN mode and OPTOUT mode");
            }
            if let Some(cur) = ctx.c.tracking.as_deref()
                && ((opts.optin && cur.optout) || (opts.optout && cur.optin))
            {
                return ctx.c.reply.error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
            }
            if opts.bcast {
                let current = ctx
                    .c
                    .tracking
                    .as_ref()
                    .map(|t| t.prefixes.clone())
                    .unwrap_or_default();
                if let Err(msg) = tracking::check_prefixes(&current, &prefixes) {
                    return ctx.c.reply.error(&msg);
                }
            }
            tracking::enable(ctx.srv, ctx.c, opts, &prefixes);
        }
        b"off" => tracking::disable(ctx.srv, ctx.c),
        _ => return ctx.c.reply.error(error::SYNTAX),
    }
    ctx.c.reply.ok();
}

/// CLIENT CACHING YES|NO: whether the next command's reads are tracked
/// (OPTIN / OPTOUT modes).
fn client_caching(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(t) = ctx.c.tracking.as_deref_mut() else {
        return ctx.c.reply.error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
    };
    match argv[2].to_ascii_lowercase().as_slice() {
        b"yes" if t.optin => t.caching = true,
        b"yes" => {
            return ctx.c.reply.error(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            );
        }
        b"no" if t.optout => t.caching = true,
        b"no" => {
            return ctx.c.reply.error(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            );
        }
        _ => return ctx.c.reply.error(error::SYNTAX),
    }
    ctx.c.reply.ok();
}

/// CLIENT TRACKINGINFO: flags, redirect and prefixes of this connection.
fn client_trackinginfo(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let t = ctx.c.tracking.as_deref().cloned();
    let r = &mut ctx.c.reply;
    r.map(3);
    r.bulk(b"flags");
    let mut flags: Vec<&str> = Vec::new();
    match &t {
        None => flags.push("off"),
        Some(t) => {
            flags.push("on");
            if t.bcast {
                flags.push("bcast");
            }
            if t.optin {
                flags.push("optin");
                if t.caching {
                    flags.push("caching-yes");
                }
            }
            if t.optout {
                flags.push("optout");
                if t.caching {
                    flags.push("caching-no");
                }
            }
            if t.noloop {
                flags.push("noloop");
            }
            if t.broken_redirect {
                flags.push("broken_redirect");
            }
        }
    }
    r.set(flags.len());
    for f in flags {
        r.bulk(f.as_bytes());
    }
    r.bulk(b"redirect");
    r.int(t.as_ref().map_or(-1, |t| t.redirect as i64));
    r.bulk(b"prefixes");
    let prefixes: Vec<Vec<u8>> = t
        .map(|t| t.prefixes.into_iter().collect())
        .unwrap_or_default();
    r.array(prefixes.len());
    for p in prefixes {
        r.bulk(&p);
    }
}

/// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
fn client_unblock(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 4 {
        return ctx
            .c
            .reply
            .error(&error::unknown_subcommand_or_arity(argv[1], "client"));
    }
    let Some(id) = parse_i64(argv[2]) else {
        return ctx.c.reply.error(error::NOT_INTEGER);
    };
    let as_error = match argv.get(3) {
        None => false,
        Some(a) if a.eq_ignore_ascii_case(b"timeout") => false,
        Some(a) if a.eq_ignore_ascii_case(b"error") => true,
        Some(_) => return ctx.c.reply.error(error::UNBLOCK_REASON),
    };
    let tok = ctx
        .srv
        .other_clients()
        .find(|o| o.id as i64 == id && o.blocked.is_some())
        .map(|o| o.token);
    let Some(tok) = tok else {
        return ctx.c.reply.int(0);
    };
    let Some(mut target) = ctx.srv.clients.get_mut(tok).and_then(Option::take) else {
        return ctx.c.reply.int(0);
    };
    if as_error {
        target.reply.error(error::UNBLOCKED);
        // The blocked command fails with this error: it counts in the
        // error statistics and as the command's failed call, as Redis's
        // unblock-on-error accounting does.
        let blocked_cmd = target
            .blocked
            .as_ref()
            .and_then(|b| b.argv.first())
            .and_then(|name| crate::cmd::table().lookup(name));
        ctx.srv
            .record_failed_while_blocked(blocked_cmd, error::UNBLOCKED.as_bytes());
        crate::server::blocking::unblock(ctx.srv, &mut target);
    } else {
        crate::server::blocking::unblock_timeout(ctx.srv, &mut target);
    }
    ctx.srv.clients[tok] = Some(target);
    ctx.c.reply.int(1);
}

/// CLIENT PAUSE timeout [WRITE | ALL]
///
/// Holds the commands of every client (ALL, the default) or only those that
/// may write (WRITE) for `timeout` milliseconds. A pause already in force
/// keeps the later end time and the wider mode. The mode is checked before
/// the timeout, as Redis does.
fn client_pause(ctx: &mut Ctx, argv: &[&[u8]]) {
    use crate::server::pause::{self, PauseMode};
    let mode = match argv {
        [_, _, _] => PauseMode::All,
        [_, _, _, m] if m.eq_ignore_ascii_case(b"write") => PauseMode::Write,
        [_, _, _, m] if m.eq_ignore_ascii_case(b"all") => PauseMode::All,
        [_, _, _, _] => return ctx.c.reply.error(error::PAUSE_MODE),
        _ => {
            return ctx
                .c
                .reply
                .error(&error::unknown_subcommand_or_arity(argv[1], "client"));
        }
    };
    let Some(ms) = parse_i64(argv[2]) else {
        return ctx.c.reply.error(error::TIMEOUT_NOT_INT);
    };
    if ms < 0 {
        return ctx.c.reply.error(error::TIMEOUT_IS_NEGATIVE);
    }
    // Redis 7.2 refuses a timeout whose end time would overflow.
    let Some(end) = ctx.now.checked_add(ms) else {
        return ctx.c.reply.error(error::TIMEOUT_OUT_OF_RANGE);
    };
    pause::start(ctx.srv, mode, end, ctx.c.in_exec);
    ctx.c.reply.ok();
}

/// CLIENT UNPAUSE: ends the pause at once; held clients run their commands.
fn client_unpause(ctx: &mut Ctx, _argv: &[&[u8]]) {
    crate::server::pause::end(ctx.srv);
    ctx.c.reply.ok();
}

/// CLIENT HELP
fn client_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ID",
        "    Reply with this connection's ID.",
        "INFO",
        "    Reply with a CLIENT LIST line for this connection.",
        "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> [<id> ...]]",
        "    Reply with one line per connection, optionally filtered by type or ID.",
        "GETNAME",
        "    Reply with this connection's name, or a null when it has none.",
        "SETNAME <name>",
        "    Name this connection (no spaces or special characters; empty clears).",
        "SETINFO (LIB-NAME|LIB-VER) <value>",
        "    Record the client library's name or version for this connection.",
        "KILL <ip:port>",
        "    Close the connection from <ip:port>.",
        "KILL <filter> <value> [<filter> <value> ...]",
        "    Close every connection matching all filters, reply with the count:",
        "    * ID <id>",
        "    * ADDR <ip:port> | LADDR <ip:port>",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "    * USER <username>",
        "    * MAXAGE <seconds>",
        "    * SKIPME (YES|NO): spare the calling connection (default YES).",
        "REPLY (ON|OFF|SKIP)",
        "    Turn replies to this connection on or off, or skip the next one.",
        "NO-EVICT (ON|OFF)",
        "    Exempt this connection from client eviction, or not.",
        "NO-TOUCH (ON|OFF)",
        "    Whether this connection's commands leave keys' access time alone.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Hold every command, or only those that may write, for <timeout> ms.",
        "UNPAUSE",
        "    End a pause now; held commands run in arrival order.",
        "GETREDIR",
        "    Reply -1: client-side caching redirection is not supported.",
        "HELP",
        "    Print this help.",
    ];
    ctx.c.reply.status_lines(LINES);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::testing::Harness;

    const NOW: i64 = 1_700_000_000_000;

    fn harness() -> Harness {
        let mut h = Harness::new();
        h.now = Some(NOW);
        h.c.created_ms = NOW - 5_000;
        h.c.last_interaction_ms = NOW - 1_000;
        h
    }

    fn with_password(pw: &str) -> Harness {
        let mut cfg = Config::default();
        cfg.requirepass = Some(pw.as_bytes().to_vec());
        let mut h = Harness::with_config(cfg);
        h.now = Some(NOW);
        h
    }

    /// Runs a command on a RESP3 connection, then switches back.
    fn run3(h: &mut Harness, argv: &[&str]) -> String {
        h.c.reply.resp3 = true;
        let out = h.run(argv);
        h.c.reply.resp3 = false;
        out
    }

    /// Adds another (fake) connection to the server and returns its token.
    fn add_client(h: &mut Harness, id: u64, addr: &str, laddr: &str) -> usize {
        let entry = h.srv.clients.vacant_entry();
        let tok = entry.key();
        let mut c = Client::new(id, tok, Conn::Fake, addr.into(), laddr.into(), NOW - 10_000);
        c.authenticated = true;
        entry.insert(Some(Box::new(c)));
        tok
    }

    fn other(h: &Harness, tok: usize) -> &Client {
        h.srv.clients[tok].as_deref().expect("client present")
    }

    fn hello_map(proto: u8, id: u64) -> String {
        let head = if proto == 3 { "%7" } else { "*14" };
        format!(
            "{head}\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n\
             $5\r\nproto\r\n:{proto}\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n\
             $4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
        )
    }

    // --- PING / ECHO / QUIT / SELECT ---------------------------------------

    #[test]
    fn ping() {
        let mut h = harness();
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
        assert_eq!(h.run(&["ping", "hi there"]), "$8\r\nhi there\r\n");
        assert_eq!(h.run(&["PING", ""]), "$0\r\n\r\n");
        assert_eq!(
            h.run_bytes(&[b"PING", b"\x00\xff\r\n"]),
            b"$4\r\n\x00\xff\r\n\r\n"
        );
        assert_eq!(
            h.run(&["PING", "a", "b"]),
            "-ERR wrong number of arguments for 'ping' command\r\n"
        );
        assert_eq!(run3(&mut h, &["PING"]), "+PONG\r\n");
        assert_eq!(run3(&mut h, &["PING", "x"]), "$1\r\nx\r\n");
    }

    #[test]
    fn echo() {
        let mut h = harness();
        assert_eq!(h.run(&["ECHO", "hello"]), "$5\r\nhello\r\n");
        assert_eq!(h.run(&["ECHO", ""]), "$0\r\n\r\n");
        assert_eq!(run3(&mut h, &["ECHO", "hi"]), "$2\r\nhi\r\n");
        let arity = "-ERR wrong number of arguments for 'echo' command\r\n";
        assert_eq!(h.run(&["ECHO"]), arity);
        assert_eq!(h.run(&["ECHO", "a", "b"]), arity);
    }

    #[test]
    fn quit_replies_then_closes() {
        let mut h = harness();
        assert_eq!(h.run(&["QUIT"]), "+OK\r\n");
        assert!(h.c.close_after_reply);
        let mut h = harness();
        assert_eq!(h.run(&["QUIT", "with", "arguments"]), "+OK\r\n");
        assert!(h.c.close_after_reply);
        // QUIT needs no authentication.
        let mut h = with_password("pw");
        assert_eq!(h.run(&["QUIT"]), "+OK\r\n");
    }

    #[test]
    fn select() {
        let mut h = harness();
        assert_eq!(h.run(&["SELECT", "1"]), "+OK\r\n");
        assert_eq!(h.c.db, 1);
        assert_eq!(h.run(&["SELECT", "15"]), "+OK\r\n");
        assert_eq!(h.c.db, 15);
        assert_eq!(
            h.run(&["SELECT", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            h.run(&["SELECT", "-1"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(h.c.db, 15);
        let not_int = "-ERR value is not an integer or out of range\r\n";
        for bad in ["abc", "", " 1", "01", "-0", "1.0", "99999999999999999999"] {
            assert_eq!(h.run(&["SELECT", bad]), not_int, "{bad:?}");
        }
        let not_i32 =
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";
        assert_eq!(h.run(&["SELECT", "2147483648"]), not_i32);
        assert_eq!(h.run(&["SELECT", "-2147483649"]), not_i32);
        assert_eq!(
            h.run(&["SELECT", "2147483647"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            h.run(&["SELECT"]),
            "-ERR wrong number of arguments for 'select' command\r\n"
        );
        assert_eq!(h.run(&["SELECT", "0"]), "+OK\r\n");
        assert_eq!(h.c.db, 0);
    }

    // --- AUTH ------------------------------------------------------------------

    #[test]
    fn auth_without_password_configured() {
        let mut h = harness();
        assert_eq!(
            h.run(&["AUTH", "foo"]),
            "-ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?\r\n"
        );
        // The default user is "nopass": any password works for it.
        assert_eq!(h.run(&["AUTH", "default", "foo"]), "+OK\r\n");
        let wrongpass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
        assert_eq!(h.run(&["AUTH", "nosuchuser", "foo"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "DEFAULT", "foo"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "a", "b", "c"]), "-ERR syntax error\r\n");
        assert_eq!(
            h.run(&["AUTH"]),
            "-ERR wrong number of arguments for 'auth' command\r\n"
        );
    }

    #[test]
    fn auth_with_requirepass() {
        let mut h = with_password("secret");
        let noauth = "-NOAUTH Authentication required.\r\n";
        let wrongpass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
        assert_eq!(h.run(&["PING"]), noauth);
        assert_eq!(h.run(&["AUTH", "wrong"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "secre"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "secrets"]), wrongpass);
        assert_eq!(h.run(&["AUTH", ""]), wrongpass);
        assert_eq!(h.run(&["AUTH", "default", "wrong"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "other", "secret"]), wrongpass);
        assert_eq!(h.run(&["AUTH", "Default", "secret"]), wrongpass);
        assert_eq!(h.run(&["PING"]), noauth);
        assert_eq!(h.run(&["AUTH", "secret"]), "+OK\r\n");
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
        // A failed attempt does not log an authenticated connection out.
        assert_eq!(h.run(&["AUTH", "wrong"]), wrongpass);
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");

        let mut h = with_password("secret");
        assert_eq!(h.run(&["AUTH", "default", "secret"]), "+OK\r\n");
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
        assert_eq!(h.run(&["AUTH", "x", "y", "z"]), "-ERR syntax error\r\n");
    }

    #[test]
    fn password_comparison() {
        assert!(crate::acl::constant_time_eq(b"secret", b"secret"));
        assert!(!crate::acl::constant_time_eq(b"secreT", b"secret"));
        assert!(!crate::acl::constant_time_eq(b"secret\0", b"secret"));
        assert!(!crate::acl::constant_time_eq(b"", b"secret"));
        assert!(!crate::acl::constant_time_eq(b"x", b""));
        assert!(crate::acl::constant_time_eq(b"", b""));
    }

    // --- HELLO -------------------------------------------------------------

    #[test]
    fn hello_switches_protocol() {
        let mut h = harness();
        assert_eq!(h.run(&["HELLO"]), hello_map(2, 1));
        assert_eq!(h.run(&["HELLO", "3"]), hello_map(3, 1));
        assert!(h.c.reply.resp3);
        // RESP3 from now on.
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), "_\r\n");
        assert_eq!(h.run(&["HELLO"]), hello_map(3, 1));
        assert_eq!(h.run(&["HELLO", "2"]), hello_map(2, 1));
        assert!(!h.c.reply.resp3);
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), "$-1\r\n");
    }

    #[test]
    fn hello_errors() {
        let mut h = harness();
        let noproto = "-NOPROTO unsupported protocol version\r\n";
        for v in ["4", "1", "0", "-1", "9223372036854775807"] {
            assert_eq!(h.run(&["HELLO", v]), noproto, "{v}");
        }
        let not_int = "-ERR Protocol version is not an integer or out of range\r\n";
        for v in ["abc", "3.0", "", " 3", "99999999999999999999"] {
            assert_eq!(h.run(&["HELLO", v]), not_int, "{v:?}");
        }
        // The version is checked before the options.
        assert_eq!(h.run(&["HELLO", "4", "BOGUS"]), noproto);
        assert_eq!(
            h.run(&["HELLO", "2", "BOGUS"]),
            "-ERR Syntax error in HELLO option 'BOGUS'\r\n"
        );
        assert_eq!(
            h.run(&["HELLO", "2", "AUTH"]),
            "-ERR Syntax error in HELLO option 'AUTH'\r\n"
        );
        assert_eq!(
            h.run(&["HELLO", "2", "auth", "default"]),
            "-ERR Syntax error in HELLO option 'auth'\r\n"
        );
        assert_eq!(
            h.run(&["HELLO", "2", "SETNAME"]),
            "-ERR Syntax error in HELLO option 'SETNAME'\r\n"
        );
        assert_eq!(
            h.run_bytes(&[b"HELLO", b"2", b"x\0y"]),
            b"-ERR Syntax error in HELLO option 'x'\r\n"
        );
        assert_eq!(
            h.run(&["HELLO", "2", "SETNAME", "bad name"]),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
        );
        assert_eq!(
            h.run(&["HELLO", "2", "AUTH", "nosuchuser", "foo"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        // Nothing changed on failure.
        assert!(!h.c.reply.resp3);
        assert!(h.c.name.is_empty());
        assert_eq!(
            h.run(&["HELLO", "3", "SETNAME", "x", "AUTH", "nosuchuser", "foo"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert!(!h.c.reply.resp3);
        assert!(
            h.c.name.is_empty(),
            "7.2 sets the name only after AUTH succeeds"
        );
        // Like 7.2, the name is validated while parsing, before AUTH.
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH", "nosuchuser", "foo", "SETNAME", "a b"]),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
        );
        // Validation stops at the first bad option.
        assert_eq!(
            h.run(&["HELLO", "2", "BOGUS", "SETNAME", "a b"]),
            "-ERR Syntax error in HELLO option 'BOGUS'\r\n"
        );
    }

    #[test]
    fn hello_options() {
        let mut h = harness();
        assert_eq!(
            h.run(&["HELLO", "2", "SETNAME", "hello-name"]),
            hello_map(2, 1)
        );
        assert_eq!(h.c.name, b"hello-name");
        assert_eq!(
            h.run(&["HELLO", "3", "setname", "a", "SETNAME", "b"]),
            hello_map(3, 1)
        );
        assert_eq!(h.c.name, b"b");
        assert_eq!(h.run(&["HELLO", "3", "SETNAME", ""]), hello_map(3, 1));
        assert!(h.c.name.is_empty());
        // No password configured: the default user takes any password.
        assert_eq!(
            h.run(&["HELLO", "2", "AUTH", "default", "anything"]),
            hello_map(2, 1)
        );
        assert_eq!(
            h.run(&["HELLO", "2", "AUTH", "a", "b", "AUTH", "default", "x"]),
            hello_map(2, 1),
            "the last AUTH wins"
        );
    }

    #[test]
    fn hello_with_requirepass() {
        let mut h = with_password("secret");
        let noauth = "-NOAUTH HELLO must be called with the client already authenticated, \
                      otherwise the HELLO <proto> AUTH <user> <pass> option can be used to \
                      authenticate the client and select the RESP protocol version at the same \
                      time\r\n";
        assert_eq!(h.run(&["HELLO"]), noauth);
        assert_eq!(h.run(&["HELLO", "3"]), noauth);
        assert_eq!(h.run(&["HELLO", "3", "SETNAME", "x"]), noauth);
        assert!(h.c.name.is_empty());
        assert!(!h.c.reply.resp3);
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH", "default", "wrong"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert!(!h.c.authenticated);
        assert_eq!(
            h.run(&["HELLO", "3", "AUTH", "default", "secret", "SETNAME", "me"]),
            hello_map(3, 1)
        );
        assert!(h.c.authenticated);
        assert_eq!(h.c.name, b"me");
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
    }

    // --- RESET -------------------------------------------------------------

    #[test]
    fn reset_clears_connection_state() {
        let mut h = harness();
        h.run(&["HELLO", "3"]);
        h.run(&["SELECT", "5"]);
        h.run(&["CLIENT", "SETNAME", "before-reset"]);
        h.run(&["CLIENT", "SETINFO", "LIB-NAME", "lib"]);
        h.run(&["CLIENT", "SETINFO", "LIB-VER", "1.0"]);
        h.run(&["CLIENT", "NO-EVICT", "on"]);
        h.run(&["CLIENT", "NO-TOUCH", "on"]);
        assert_eq!(h.run(&["RESET"]), "+RESET\r\n");
        assert!(!h.c.reply.resp3);
        assert_eq!(h.c.db, 0);
        assert!(h.c.name.is_empty());
        assert!(!h.c.no_evict && !h.c.no_touch);
        assert!(h.c.authenticated);
        // The library behind the connection has not changed.
        assert_eq!(h.c.lib_name, b"lib");
        assert_eq!(h.c.lib_ver, b"1.0");
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert_eq!(
            h.run(&["RESET", "x"]),
            "-ERR wrong number of arguments for 'reset' command\r\n"
        );
    }

    #[test]
    fn reset_turns_replies_back_on() {
        let mut h = harness();
        assert_eq!(h.run(&["CLIENT", "REPLY", "OFF"]), "");
        assert_eq!(h.run(&["PING"]), "");
        assert_eq!(h.run(&["RESET"]), "+RESET\r\n");
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
        // A SKIP that applies to RESET itself still swallows its reply.
        assert_eq!(h.run(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(h.run(&["RESET"]), "");
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
    }

    #[test]
    fn reset_logs_out_when_a_password_is_set() {
        let mut h = with_password("pw");
        assert_eq!(h.run(&["RESET"]), "+RESET\r\n");
        assert_eq!(h.run(&["AUTH", "pw"]), "+OK\r\n");
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
        assert_eq!(h.run(&["RESET"]), "+RESET\r\n");
        assert_eq!(h.run(&["PING"]), "-NOAUTH Authentication required.\r\n");
    }

    // --- CLIENT: simple subcommands ------------------------------------------

    #[test]
    fn client_id_and_getredir() {
        let mut h = harness();
        assert_eq!(h.run(&["CLIENT", "ID"]), ":1\r\n");
        assert_eq!(run3(&mut h, &["client", "id"]), ":1\r\n");
        assert_eq!(h.run(&["CLIENT", "GETREDIR"]), ":-1\r\n");
        assert_eq!(
            h.run(&["CLIENT", "ID", "x"]),
            "-ERR wrong number of arguments for 'client|id' command\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "GETREDIR", "x"]),
            "-ERR wrong number of arguments for 'client|getredir' command\r\n"
        );
    }

    #[test]
    fn client_setname_getname() {
        let mut h = harness();
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert_eq!(run3(&mut h, &["CLIENT", "GETNAME"]), "_\r\n");
        assert_eq!(h.run(&["CLIENT", "SETNAME", "myname"]), "+OK\r\n");
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), "$6\r\nmyname\r\n");
        assert_eq!(run3(&mut h, &["CLIENT", "GETNAME"]), "$6\r\nmyname\r\n");
        let bad = "-ERR Client names cannot contain spaces, newlines or special characters.\r\n";
        for name in [
            "my name",
            "a\nb",
            "tab\there",
            "\u{e9}",
            "\x7f",
            "a\x01",
            "a\0b",
        ] {
            assert_eq!(h.run(&["CLIENT", "SETNAME", name]), bad, "{name:?}");
        }
        assert_eq!(
            h.run_bytes(&[b"CLIENT", b"SETNAME", b"\xff"]),
            bad.as_bytes()
        );
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), "$6\r\nmyname\r\n");
        assert_eq!(
            h.run(&["CLIENT", "SETNAME", "~!@#$%^&*()_+{}|:\"<>?"]),
            "+OK\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "GETNAME"]),
            "$21\r\n~!@#$%^&*()_+{}|:\"<>?\r\n"
        );
        assert_eq!(h.run(&["CLIENT", "SETNAME", ""]), "+OK\r\n");
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert_eq!(
            h.run(&["CLIENT", "SETNAME", "a", "b"]),
            "-ERR wrong number of arguments for 'client|setname' command\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "SETNAME"]),
            "-ERR wrong number of arguments for 'client|setname' command\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "GETNAME", "x"]),
            "-ERR wrong number of arguments for 'client|getname' command\r\n"
        );
    }

    #[test]
    fn client_setinfo() {
        let mut h = harness();
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "lib-name", "mylib"]),
            "+OK\r\n"
        );
        assert_eq!(h.run(&["CLIENT", "SETINFO", "LIB-VER", "1.2.3"]), "+OK\r\n");
        assert_eq!(h.c.lib_name, b"mylib");
        assert_eq!(h.c.lib_ver, b"1.2.3");
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "lib-name", "my lib"]),
            "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "LIB-Ver", "1\n2"]),
            "-ERR LIB-Ver cannot contain spaces, newlines or special characters.\r\n"
        );
        assert_eq!(h.c.lib_name, b"mylib");
        assert_eq!(h.c.lib_ver, b"1.2.3");
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "bogus", "x"]),
            "-ERR Unrecognized option 'bogus'\r\n"
        );
        // The option is checked before the value.
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "bogus", "a b"]),
            "-ERR Unrecognized option 'bogus'\r\n"
        );
        assert_eq!(h.run(&["CLIENT", "SETINFO", "lib-name", ""]), "+OK\r\n");
        assert!(h.c.lib_name.is_empty());
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "lib-name"]),
            "-ERR wrong number of arguments for 'client|setinfo' command\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "lib-name", "a", "b"]),
            "-ERR wrong number of arguments for 'client|setinfo' command\r\n"
        );
    }

    #[test]
    fn client_no_evict_no_touch() {
        let mut h = harness();
        assert_eq!(h.run(&["CLIENT", "NO-EVICT", "on"]), "+OK\r\n");
        assert!(h.c.no_evict);
        assert_eq!(h.run(&["CLIENT", "NO-EVICT", "OFF"]), "+OK\r\n");
        assert!(!h.c.no_evict);
        assert_eq!(h.run(&["CLIENT", "no-evict", "On"]), "+OK\r\n");
        assert!(h.c.no_evict);
        assert_eq!(
            h.run(&["CLIENT", "NO-EVICT", "maybe"]),
            "-ERR syntax error\r\n"
        );
        assert!(h.c.no_evict);
        assert_eq!(
            h.run(&["CLIENT", "NO-EVICT"]),
            "-ERR wrong number of arguments for 'client|no-evict' command\r\n"
        );
        assert_eq!(h.run(&["CLIENT", "NO-TOUCH", "on"]), "+OK\r\n");
        assert!(h.c.no_touch);
        assert_eq!(h.run(&["CLIENT", "NO-TOUCH", "OFF"]), "+OK\r\n");
        assert!(!h.c.no_touch);
        assert_eq!(
            h.run(&["CLIENT", "NO-TOUCH", "maybe"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "NO-TOUCH", "on", "x"]),
            "-ERR wrong number of arguments for 'client|no-touch' command\r\n"
        );
    }

    #[test]
    fn client_container_errors() {
        let mut h = harness();
        assert_eq!(
            h.run(&["CLIENT", "BOGUS"]),
            "-ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "bogus", "x", "y"]),
            "-ERR unknown subcommand 'bogus'. Try CLIENT HELP.\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT"]),
            "-ERR wrong number of arguments for 'client' command\r\n"
        );
        // CLIENT needs authentication.
        let mut h = with_password("pw");
        assert_eq!(
            h.run(&["CLIENT", "ID"]),
            "-NOAUTH Authentication required.\r\n"
        );
    }

    #[test]
    fn client_help() {
        let mut h = harness();
        let out = h.run(&["CLIENT", "HELP"]);
        let mut lines = out.split("\r\n");
        let n: usize = lines
            .next()
            .and_then(|l| l.strip_prefix('*'))
            .unwrap()
            .parse()
            .unwrap();
        let body: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
        assert_eq!(body.len(), n);
        assert!(body.iter().all(|l| l.starts_with('+')));
        assert!(body[0].starts_with("+CLIENT <subcommand>"));
        assert_eq!(run3(&mut h, &["client", "help"]), out);
        assert_eq!(
            h.run(&["CLIENT", "HELP", "x"]),
            "-ERR wrong number of arguments for 'client|help' command\r\n"
        );
    }

    // --- CLIENT REPLY ------------------------------------------------------

    #[test]
    fn client_reply_modes() {
        let mut h = harness();
        assert_eq!(h.run(&["CLIENT", "REPLY", "ON"]), "+OK\r\n");
        assert_eq!(h.run(&["CLIENT", "REPLY", "OFF"]), "");
        assert_eq!(h.run(&["SET", "r", "1"]), "");
        assert_eq!(h.run(&["NOSUCHCOMMAND"]), "");
        assert_eq!(h.run(&["CLIENT", "REPLY", "BOGUS"]), "");
        // SKIP while OFF keeps OFF.
        assert_eq!(h.run(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(h.run(&["PING"]), "");
        assert_eq!(h.run(&["CLIENT", "REPLY", "ON"]), "+OK\r\n");
        assert_eq!(h.run(&["GET", "r"]), "$1\r\n1\r\n");

        assert_eq!(h.run(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(h.run(&["SET", "r", "2"]), "");
        assert_eq!(h.run(&["GET", "r"]), "$1\r\n2\r\n");
        // A skipped SKIP sets up another skip.
        assert_eq!(h.run(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(h.run(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(h.run(&["PING"]), "");
        assert_eq!(h.run(&["PING"]), "+PONG\r\n");
        // ON while the reply is being skipped turns it back on at once.
        assert_eq!(h.run(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(h.run(&["CLIENT", "REPLY", "ON"]), "+OK\r\n");

        assert_eq!(
            h.run(&["CLIENT", "REPLY", "BOGUS"]),
            "-ERR syntax error\r\n"
        );
        let arity = "-ERR wrong number of arguments for 'client|reply' command\r\n";
        assert_eq!(h.run(&["CLIENT", "REPLY"]), arity);
        assert_eq!(h.run(&["CLIENT", "REPLY", "ON", "x"]), arity);
        assert_eq!(h.c.reply_mode, ReplyMode::On);
    }

    // --- CLIENT INFO / LIST ----------------------------------------------------

    /// The line ember writes for a fake, idle connection that has not run a
    /// command yet.
    fn idle_line(id: u64, addr: &str, laddr: &str, age: i64) -> String {
        format!(
            "id={id} addr={addr} laddr={laddr} fd=-1 name= age={age} idle={age} flags=N db=0 \
             sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 \
             obl=0 oll=0 omem=0 tot-mem={} events= cmd=NULL user=default redir=-1 resp=2 \
             lib-name= lib-ver=",
            std::mem::size_of::<Client>()
        )
    }

    #[test]
    fn client_info_line() {
        let mut h = harness();
        h.run(&["CLIENT", "SETNAME", "alpha"]);
        h.run(&["SELECT", "3"]);
        h.run(&["CLIENT", "NO-EVICT", "on"]);
        h.run(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"]);
        h.run(&["CLIENT", "SETINFO", "LIB-VER", "5.0"]);
        let line = format!(
            "id=1 addr=127.0.0.1:1 laddr=127.0.0.1:6379 fd=-1 name=alpha age=5 idle=1 flags=e \
             db=3 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=10 multi-mem=0 rbs=0 \
             rbp=0 obl=0 oll=0 omem=0 tot-mem={} events= cmd=client|info user=default redir=-1 \
             resp=2 lib-name=redis-py lib-ver=5.0\n",
            std::mem::size_of::<Client>() + "alpha".len() + "redis-py".len() + "5.0".len() + 10
        );
        assert_eq!(
            h.run(&["CLIENT", "INFO"]),
            format!("${}\r\n{line}\r\n", line.len())
        );
        h.c.no_touch = true;
        h.c.reply.resp3 = true;
        let line3 = line
            .replace("flags=e", "flags=eT")
            .replace("resp=2", "resp=3");
        assert_eq!(
            h.run(&["client", "info"]),
            format!("={}\r\ntxt:{line3}\r\n", line3.len() + 4)
        );
        h.c.reply.resp3 = false;
        assert_eq!(
            h.run(&["CLIENT", "INFO", "x"]),
            "-ERR wrong number of arguments for 'client|info' command\r\n"
        );
    }

    #[test]
    fn client_list_all_in_id_order() {
        let mut h = harness();
        // Slab order differs from ID order.
        let t9 = add_client(&mut h, 9, "10.0.0.9:9", "10.0.0.1:6379");
        let t4 = add_client(&mut h, 4, "10.0.0.4:4", "10.0.0.1:6379");
        h.srv.clients[t9].as_deref_mut().unwrap().last_cmd = "get";
        let me = |cmd: &str, argv_mem: usize| {
            format!(
                "id=1 addr=127.0.0.1:1 laddr=127.0.0.1:6379 fd=-1 name= age=5 idle=1 flags=N \
                 db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem={argv_mem} \
                 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem={} events= cmd={cmd} \
                 user=default redir=-1 resp=2 lib-name= lib-ver=",
                std::mem::size_of::<Client>() + argv_mem
            )
        };
        let l4 = idle_line(4, "10.0.0.4:4", "10.0.0.1:6379", 10);
        let l9 = idle_line(9, "10.0.0.9:9", "10.0.0.1:6379", 10).replace("cmd=NULL", "cmd=get");
        let body = format!("{}\n{l4}\n{l9}\n", me("client|list", 10));
        assert_eq!(
            h.run(&["CLIENT", "LIST"]),
            format!("${}\r\n{body}\r\n", body.len())
        );
        let body = format!("{}\n{l4}\n{l9}\n", me("client|list", 20));
        assert_eq!(
            h.run(&["CLIENT", "LIST", "TYPE", "normal"]),
            format!("${}\r\n{body}\r\n", body.len())
        );
        let me3 = me("client|list", 20).replace("resp=2", "resp=3");
        let body3 = format!("{me3}\n{l4}\n{l9}\n");
        assert_eq!(
            run3(&mut h, &["CLIENT", "LIST", "TYPE", "NORMAL"]),
            format!("={}\r\ntxt:{body3}\r\n", body3.len() + 4)
        );
        // IDs in the order given, repeated IDs repeated, unknown IDs skipped.
        let body = format!("{l9}\n{}\n{l9}\n", me("client|list", 20));
        assert_eq!(
            h.run(&["CLIENT", "LIST", "ID", "9", "1", "77", "9", "-3", "0"]),
            format!("${}\r\n{body}\r\n", body.len())
        );
        assert_eq!(other(&h, t4).id, 4);
    }

    #[test]
    fn client_list_filters_and_errors() {
        let mut h = harness();
        for t in ["pubsub", "master", "replica", "slave", "PUBSUB"] {
            assert_eq!(h.run(&["CLIENT", "LIST", "TYPE", t]), "$0\r\n\r\n", "{t}");
            assert_eq!(
                run3(&mut h, &["CLIENT", "LIST", "TYPE", t]),
                "=4\r\ntxt:\r\n"
            );
        }
        assert_eq!(h.run(&["CLIENT", "LIST", "ID", "2", "3"]), "$0\r\n\r\n");
        assert_eq!(
            h.run(&["CLIENT", "LIST", "TYPE", "bogus"]),
            "-ERR Unknown client type 'bogus'\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "LIST", "ID", "abc"]),
            "-ERR Invalid client ID\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "LIST", "ID", "1", "TYPE", "normal"]),
            "-ERR Invalid client ID\r\n"
        );
        let syntax = "-ERR syntax error\r\n";
        assert_eq!(h.run(&["CLIENT", "LIST", "ID"]), syntax);
        assert_eq!(h.run(&["CLIENT", "LIST", "TYPE"]), syntax);
        assert_eq!(h.run(&["CLIENT", "LIST", "bogus"]), syntax);
        assert_eq!(
            h.run(&["CLIENT", "LIST", "TYPE", "normal", "ID", "1"]),
            syntax
        );
        assert_eq!(h.run(&["CLIENT", "LIST", "bogus", "x"]), syntax);
    }

    // --- CLIENT KILL -----------------------------------------------------------

    #[test]
    fn client_kill_old_form() {
        let mut h = harness();
        let t = add_client(&mut h, 2, "10.0.0.2:5000", "10.0.0.1:6379");
        assert_eq!(
            h.run(&["CLIENT", "KILL", "1.2.3.4:5"]),
            "-ERR No such client\r\n"
        );
        assert_eq!(h.run(&["CLIENT", "KILL", "ID"]), "-ERR No such client\r\n");
        assert!(!other(&h, t).close_asap);
        assert_eq!(h.run(&["CLIENT", "KILL", "10.0.0.2:5000"]), "+OK\r\n");
        assert!(other(&h, t).close_asap);
        assert_eq!(h.srv.to_close, vec![t]);
        // Already being closed: not found again.
        assert_eq!(
            h.run(&["CLIENT", "KILL", "10.0.0.2:5000"]),
            "-ERR No such client\r\n"
        );
        assert!(!h.c.close_after_reply);
        // The old form can kill the caller, after its reply.
        assert_eq!(h.run(&["CLIENT", "KILL", "127.0.0.1:1"]), "+OK\r\n");
        assert!(h.c.close_after_reply);
        assert_eq!(h.srv.to_close, vec![t]);
    }

    #[test]
    fn client_kill_filters() {
        let mut h = harness();
        let a = add_client(&mut h, 2, "10.0.0.2:5000", "10.0.0.1:6379");
        let b = add_client(&mut h, 3, "10.0.0.3:5000", "10.0.0.1:7000");
        let c = add_client(&mut h, 4, "10.0.0.4:5000", "10.0.0.1:7000");
        h.srv.clients[c].as_deref_mut().unwrap().created_ms = NOW - 2_000;
        assert_eq!(h.run(&["CLIENT", "KILL", "ID", "999"]), ":0\r\n");
        assert_eq!(h.run(&["CLIENT", "KILL", "TYPE", "master"]), ":0\r\n");
        assert_eq!(h.run(&["CLIENT", "KILL", "TYPE", "pubsub"]), ":0\r\n");
        assert_eq!(
            h.run(&["CLIENT", "KILL", "ADDR", "10.0.0.2:5000", "ID", "3"]),
            ":0\r\n"
        );
        assert_eq!(h.run(&["CLIENT", "KILL", "MAXAGE", "20"]), ":0\r\n");
        // The caller is spared by default (SKIPME yes).
        assert_eq!(h.run(&["CLIENT", "KILL", "ID", "1"]), ":0\r\n");
        assert_eq!(h.run(&["CLIENT", "KILL", "ADDR", "127.0.0.1:1"]), ":0\r\n");
        assert!(h.srv.to_close.is_empty());

        assert_eq!(h.run(&["CLIENT", "KILL", "ID", "2"]), ":1\r\n");
        assert!(other(&h, a).close_asap);
        assert_eq!(h.run(&["client", "kill", "id", "2"]), ":0\r\n");
        // MAXAGE 5: connections at least 5 s old (b, not c, not the caller).
        assert_eq!(h.run(&["CLIENT", "KILL", "MAXAGE", "6"]), ":1\r\n");
        assert!(other(&h, b).close_asap);
        assert!(!other(&h, c).close_asap);
        assert_eq!(
            h.run(&[
                "CLIENT",
                "KILL",
                "LADDR",
                "10.0.0.1:7000",
                "USER",
                "default",
                "TYPE",
                "normal"
            ]),
            ":1\r\n"
        );
        assert!(other(&h, c).close_asap);
        assert_eq!(h.srv.to_close, vec![a, b, c]);
        assert!(!h.c.close_after_reply);
        assert_eq!(
            h.run(&["CLIENT", "KILL", "SKIPME", "NO", "ID", "1"]),
            ":1\r\n"
        );
        assert!(h.c.close_after_reply);
    }

    #[test]
    fn client_kill_everyone_but_me() {
        let mut h = harness();
        let a = add_client(&mut h, 2, "10.0.0.2:1", "x:1");
        let b = add_client(&mut h, 3, "10.0.0.3:1", "x:1");
        assert_eq!(h.run(&["CLIENT", "KILL", "USER", "default"]), ":2\r\n");
        assert_eq!(h.srv.to_close, vec![a, b]);
        assert!(!h.c.close_after_reply);
        assert_eq!(
            run3(
                &mut h,
                &["CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal"]
            ),
            ":0\r\n"
        );
        assert_eq!(h.run(&["CLIENT", "KILL", "SKIPME", "no"]), ":1\r\n");
        assert!(h.c.close_after_reply);
    }

    #[test]
    fn client_kill_errors() {
        let mut h = harness();
        let positive = "-ERR client-id should be greater than 0\r\n";
        for id in ["abc", "0", "-5", "", "1.5"] {
            assert_eq!(h.run(&["CLIENT", "KILL", "ID", id]), positive, "{id:?}");
        }
        assert_eq!(
            h.run(&["CLIENT", "KILL", "TYPE", "bogus"]),
            "-ERR Unknown client type 'bogus'\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "USER", "nosuch"]),
            "-ERR No such user 'nosuch'\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "USER", "Default"]),
            "-ERR No such user 'Default'\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "MAXAGE", "abc"]),
            "-ERR maxage is not an integer or out of range\r\n"
        );
        assert_eq!(
            h.run(&["CLIENT", "KILL", "MAXAGE", "0"]),
            "-ERR maxage should be greater than 0\r\n"
        );
        let syntax = "-ERR syntax error\r\n";
        assert_eq!(h.run(&["CLIENT", "KILL", "SKIPME", "maybe"]), syntax);
        assert_eq!(h.run(&["CLIENT", "KILL", "BOGUS", "x"]), syntax);
        assert_eq!(h.run(&["CLIENT", "KILL", "ID", "1", "ID"]), syntax);
        assert_eq!(h.run(&["CLIENT", "KILL", "a", "b", "c"]), syntax);
        // Errors are reported in argument order.
        assert_eq!(h.run(&["CLIENT", "KILL", "ID", "x", "BOGUS"]), positive);
        assert_eq!(
            h.run(&["CLIENT", "KILL"]),
            "-ERR wrong number of arguments for 'client|kill' command\r\n"
        );
        assert!(!h.c.close_after_reply);
        assert!(h.srv.to_close.is_empty());
    }

    // --- flags and protected mode ----------------------------------------------

    #[test]
    fn flags_letters() {
        let mut h = harness();
        let t = add_client(&mut h, 2, "10.0.0.2:1", "x:1");
        assert_eq!(h.run(&["CLIENT", "KILL", "ID", "2"]), ":1\r\n");
        let c = other(&h, t);
        assert_eq!(c.flags_string(), "A");
        let out = h.run(&["CLIENT", "LIST", "ID", "2"]);
        assert!(out.contains(" flags=A "), "{out}");
        h.c.close_after_reply = true;
        h.c.no_evict = true;
        h.c.no_touch = true;
        assert_eq!(h.c.flags_string(), "ceT");
    }

    fn tcp_client(addr: &str) -> Client {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let conn = Conn::Tcp(mio::net::TcpStream::from_std(s));
        Client::new(7, 0, conn, addr.into(), "127.0.0.1:6379".into(), NOW)
    }

    fn denied(srv: &Server, c: &Client) -> bool {
        protected_mode_denied(srv, &c.conn, &c.addr)
    }

    #[test]
    fn protected_mode() {
        let mut cfg = Config::default();
        cfg.protected_mode = true;
        let srv = Server::new(cfg);
        assert!(denied(&srv, &tcp_client("192.0.2.7:4000")));
        assert!(denied(&srv, &tcp_client("127.0.0.2:4000")));
        assert!(denied(&srv, &tcp_client("fd00::2:4000")));
        assert!(denied(&srv, &tcp_client("::ffff:127.0.0.1:4000")));
        assert!(!denied(&srv, &tcp_client("127.0.0.1:4000")));
        assert!(!denied(&srv, &tcp_client("::1:4000")));
        let fake = Client::new(8, 0, Conn::Fake, "192.0.2.7:1".into(), String::new(), NOW);
        assert!(!denied(&srv, &fake));

        let mut cfg = Config::default();
        cfg.protected_mode = true;
        cfg.requirepass = Some(b"pw".to_vec());
        let srv = Server::new(cfg);
        assert!(!denied(&srv, &tcp_client("192.0.2.7:4000")));

        let mut cfg = Config::default();
        cfg.protected_mode = false;
        let srv = Server::new(cfg);
        assert!(!denied(&srv, &tcp_client("192.0.2.7:4000")));

        assert!(
            error::PROTECTED_MODE_DENIED.starts_with("DENIED Redis is running in protected mode")
        );
        assert!(!error::PROTECTED_MODE_DENIED.contains(['\r', '\n']));
    }
}
