//! The ACL container: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT,
//! GENPASS, LOG, DRYRUN, SAVE, LOAD, HELP. Renders replies; the users, the
//! rule language and the permission check are `crate::acl`'s.

use super::{Cmd, Ctx, flags::*};
use crate::acl::{self, Denial, rules};
use crate::cmd::meta;
use crate::error;
use crate::server::Server;
use crate::util::num::parse_i64;

const ACL: u32 = NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[Cmd] = &[Cmd::container("acl", SUBS)];

static SUBS: &[Cmd] = &[
    Cmd::new("cat", -2, ACL, cat),
    Cmd::new("deluser", -3, ADMIN | ACL, deluser),
    Cmd::new("dryrun", -4, ADMIN | ACL, dryrun),
    Cmd::new("genpass", -2, ACL, genpass),
    Cmd::new("getuser", 3, ADMIN | ACL, getuser),
    Cmd::new("help", 2, LOADING | STALE, help),
    Cmd::new("list", 2, ADMIN | ACL, list),
    Cmd::new("load", 2, ADMIN | ACL, load),
    Cmd::new("log", -2, ADMIN | ACL, log),
    Cmd::new("save", 2, ADMIN | ACL, save),
    Cmd::new("setuser", -3, ADMIN | ACL, setuser),
    Cmd::new("users", 2, ADMIN | ACL, users),
    Cmd::new("whoami", 2, ACL, whoami),
];

const ERR_NO_ACLFILE: &str = "ERR This Redis instance is not configured to use an ACL file. You \
                              may want to specify users via the ACL SETUSER command and then \
                              issue a CONFIG REWRITE (assuming you have a Redis configuration \
                              file set) in order to store users in the Redis configuration.";
const ERR_GENPASS: &str = "ERR ACL GENPASS argument must be the number of bits for the output \
                           password, a positive number up to 4096";
const ERR_DELETE_DEFAULT: &str = "ERR The 'default' user cannot be removed";
const ERR_USERNAME: &str = "ERR Usernames can't contain spaces or null characters";
/// GENPASS's default and largest sizes, in bits (Redis's).
const GENPASS_DEFAULT_BITS: i64 = 256;
const GENPASS_MAX_BITS: i64 = 4096;
/// ACL LOG's default entry count.
const LOG_DEFAULT_COUNT: usize = 10;

/// The "ERR Error in ACL SETUSER modifier '...': reason" reply.
fn modifier_error(rule: &[u8], reason: &str) -> String {
    format!(
        "ERR Error in ACL SETUSER modifier '{}': {reason}",
        String::from_utf8_lossy(rule)
    )
}

/// ACL SETUSER username [rule [rule ...]]
fn setuser(ctx: &mut Ctx, argv: &[&[u8]]) {
    let name = argv[2];
    if !rules::valid_username(name) {
        return ctx.c.reply.error(ERR_USERNAME);
    }
    let rules = match rules::merge_selectors(&argv[3..]) {
        Ok(r) => r,
        Err(e) => return ctx.c.reply.error(&format!("ERR {e}")),
    };
    let all = acl::allchannels_default(ctx.srv);
    match ctx.srv.acl.set_user(name, &rules, all) {
        Ok(()) => {
            acl::kill_pubsub_clients_if_needed(ctx.srv, ctx.c, name);
            ctx.c.reply.ok();
        }
        Err((reason, rule)) => ctx.c.reply.error(&modifier_error(&rule, reason)),
    }
}

/// ACL GETUSER username
fn getuser(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(u) = ctx.srv.acl.users.get(argv[2]) else {
        return ctx.c.reply.null();
    };
    let r = &mut ctx.c.reply;
    r.map(6);
    r.bulk(b"flags");
    let flags = u.flags();
    r.array(flags.len());
    flags.iter().for_each(|f| r.bulk_str(f));
    r.bulk(b"passwords");
    r.array(u.passwords.len());
    u.passwords.iter().for_each(|p| r.bulk_str(p));
    reply_selector(r, &u.root);
    r.bulk(b"selectors");
    r.array(u.selectors.len());
    for sel in &u.selectors {
        r.map(3);
        reply_selector(r, sel);
    }
}

/// GETUSER's commands, keys and channels fields of one selector.
fn reply_selector(r: &mut crate::resp::ReplyBuf, sel: &rules::Selector) {
    r.bulk(b"commands");
    r.bulk_str(&sel.describe_commands());
    r.bulk(b"keys");
    r.bulk(&sel.describe_keys());
    r.bulk(b"channels");
    r.bulk(&sel.describe_channels());
}

/// ACL DELUSER username [username ...]: replies with how many existed.
/// Connections logged in as a deleted user are closed.
fn deluser(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv[2..].iter().any(|n| *n == b"default") {
        return ctx.c.reply.error(ERR_DELETE_DEFAULT);
    }
    let mut deleted = 0;
    for name in &argv[2..] {
        if ctx.srv.acl.users.remove(*name).is_some() {
            deleted += 1;
            acl::disconnect_user(ctx.srv, ctx.c, name);
        }
    }
    ctx.srv.acl.users_changed();
    ctx.c.reply.int(deleted);
}

/// ACL LIST: every user as an aclfile line.
fn list(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let lines: Vec<Vec<u8>> = ctx.srv.acl.users.values().map(|u| u.describe()).collect();
    ctx.c.reply.array(lines.len());
    lines.iter().for_each(|l| ctx.c.reply.bulk(l));
}

/// ACL USERS
fn users(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let r = &mut ctx.c.reply;
    r.array(ctx.srv.acl.users.len());
    ctx.srv.acl.users.keys().for_each(|n| r.bulk(n));
}

/// ACL WHOAMI
fn whoami(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.bulk(&ctx.c.user);
}

/// ACL CAT [category]: the categories, or the commands in one.
fn cat(ctx: &mut Ctx, argv: &[&[u8]]) {
    match argv {
        [_, _] => {
            ctx.c.reply.array(meta::ACL_CATEGORIES.len());
            meta::ACL_CATEGORIES
                .iter()
                .for_each(|c| ctx.c.reply.bulk_str(c));
        }
        [_, _, name] => {
            let bit = std::str::from_utf8(name).map_or(0, rules::category_bit);
            if bit == 0 {
                let msg = format!("ERR Unknown category '{}'", String::from_utf8_lossy(name));
                return ctx.c.reply.error(&msg);
            }
            let idx = rules::index();
            let names: Vec<&str> = (0..idx.names.len())
                .filter(|&id| idx.cats[id] & bit != 0)
                .map(|id| idx.names[id])
                .collect();
            ctx.c.reply.array(names.len());
            names.iter().for_each(|n| ctx.c.reply.bulk_str(n));
        }
        _ => ctx
            .c
            .reply
            .error(&error::unknown_subcommand_or_arity(argv[1], "acl")),
    }
}

/// ACL GENPASS [bits]: random hex, 4 bits per character, rounded up.
fn genpass(ctx: &mut Ctx, argv: &[&[u8]]) {
    let bits = match argv.get(2) {
        None => GENPASS_DEFAULT_BITS,
        Some(a) => match parse_i64(a) {
            None => return ctx.c.reply.error(error::NOT_INTEGER),
            Some(b) if b <= 0 || b > GENPASS_MAX_BITS => return ctx.c.reply.error(ERR_GENPASS),
            Some(b) => b,
        },
    };
    let chars = (bits as usize).div_ceil(4);
    let mut bytes = vec![0u8; chars.div_ceil(2)];
    if !random_bytes(&mut bytes) {
        return ctx.c.reply.error("ERR Unable to read random bytes");
    }
    let mut out = Vec::with_capacity(chars + 1);
    for b in bytes {
        out.push(b"0123456789abcdef"[usize::from(b >> 4)]);
        out.push(b"0123456789abcdef"[usize::from(b & 15)]);
    }
    out.truncate(chars);
    ctx.c.reply.bulk(&out);
}

/// Fills `buf` from the kernel's CSPRNG.
fn random_bytes(buf: &mut [u8]) -> bool {
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, buf))
        .is_ok()
}

/// ACL LOG [count | RESET]
fn log(ctx: &mut Ctx, argv: &[&[u8]]) {
    let count = match argv {
        [_, _] => LOG_DEFAULT_COUNT,
        [_, _, a] if a.eq_ignore_ascii_case(b"reset") => {
            ctx.srv.acl.log.clear();
            return ctx.c.reply.ok();
        }
        [_, _, a] => match parse_i64(a) {
            // A negative count shows nothing, as in Redis.
            Some(n) => usize::try_from(n).unwrap_or(0),
            None => return ctx.c.reply.error(error::NOT_INTEGER),
        },
        _ => {
            return ctx
                .c
                .reply
                .error(&error::unknown_subcommand_or_arity(argv[1], "acl"));
        }
    };
    let now = ctx.now;
    let r = &mut ctx.c.reply;
    let shown = ctx.srv.acl.log.len().min(count);
    r.array(shown);
    for e in ctx.srv.acl.log.iter().take(shown) {
        r.map(10);
        r.bulk(b"count");
        r.int(e.count as i64);
        r.bulk(b"reason");
        r.bulk_str(e.reason);
        r.bulk(b"context");
        r.bulk_str(e.context);
        r.bulk(b"object");
        r.bulk(&e.object);
        r.bulk(b"username");
        r.bulk(&e.username);
        r.bulk(b"age-seconds");
        r.double((now - e.updated_ms).max(0) as f64 / 1000.0);
        r.bulk(b"client-info");
        r.bulk(&e.client_info);
        // Redis 7.2's fields.
        r.bulk(b"entry-id");
        r.int(e.entry_id as i64);
        r.bulk(b"timestamp-created");
        r.int(e.created_ms);
        r.bulk(b"timestamp-last-updated");
        r.int(e.updated_ms);
    }
}

/// ACL DRYRUN username command [arg ...]: whether the user could run it.
fn dryrun(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(user) = ctx.srv.acl.users.get(argv[2]) else {
        let msg = format!("ERR User '{}' not found", String::from_utf8_lossy(argv[2]));
        return ctx.c.reply.error(&msg);
    };
    let target = &argv[3..];
    // A container named alone is an arity error, as when it is run.
    if let [name] = target
        && let Some(c) = super::table().lookup(name)
        && !c.subs.is_empty()
    {
        return ctx.c.reply.error(&error::wrong_arity(c.name));
    }
    let Some((cmd, parent)) = super::resolve(target) else {
        let msg = format!(
            "ERR Command '{}' not found",
            String::from_utf8_lossy(target[0])
        );
        return ctx.c.reply.error(&msg);
    };
    let fullname = super::table().fullname(cmd);
    if !cmd.arity_ok(target.len()) {
        return ctx.c.reply.error(&error::wrong_arity(fullname));
    }
    let text = match acl::check(user, cmd, parent, target) {
        Ok(()) => return ctx.c.reply.ok(),
        Err(Denial::Command) => {
            format!("This user has no permissions to run the '{fullname}' command")
        }
        Err(Denial::Key(k)) => format!(
            "This user has no permissions to access the '{}' key",
            String::from_utf8_lossy(&k)
        ),
        Err(Denial::Channel(ch)) => format!(
            "This user has no permissions to access the '{}' channel",
            String::from_utf8_lossy(&ch)
        ),
    };
    ctx.c.reply.bulk_str(&text);
}

/// The configured `aclfile`, if any.
fn aclfile(srv: &Server) -> Option<String> {
    srv.config.value_of("aclfile").filter(|f| !f.is_empty())
}

/// ACL SAVE: writes every user to the aclfile (via a temp file + rename).
fn save(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let Some(path) = aclfile(ctx.srv) else {
        return ctx.c.reply.error(ERR_NO_ACLFILE);
    };
    match acl::save_file(&ctx.srv.acl, &path) {
        Ok(()) => ctx.c.reply.ok(),
        Err(e) => {
            tracing::warn!("Saving the ACL file '{path}': {e}");
            ctx.c
                .reply
                .error("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
        }
    }
}

/// ACL LOAD: replaces every user with the aclfile's, all or nothing.
/// Connections of users other than `default` are closed, as in Redis.
fn load(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let Some(path) = aclfile(ctx.srv) else {
        return ctx.c.reply.error(ERR_NO_ACLFILE);
    };
    let all = acl::allchannels_default(ctx.srv);
    match acl::load_file(&path, all) {
        Ok(new) => {
            let old: Vec<Vec<u8>> = ctx.srv.acl.users.keys().cloned().collect();
            ctx.srv.acl.users = new;
            ctx.srv.acl.users_changed();
            for name in old.iter().filter(|n| n.as_slice() != b"default") {
                acl::disconnect_user(ctx.srv, ctx.c, name);
            }
            acl::kill_pubsub_clients_if_needed(ctx.srv, ctx.c, b"default");
            ctx.c.reply.ok();
        }
        Err(e) => ctx.c.reply.error(&format!("ERR {e}")),
    }
}

/// ACL HELP (our own words; Redis's line count).
fn help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    Without an argument, the command categories; with one, the commands",
        "    in that category.",
        "DELUSER <username> [<username> ...]",
        "    Remove users (their connections are closed).",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Tell whether the user may run the command, without running it.",
        "GETUSER <username>",
        "    Show a user's flags, passwords and permissions.",
        "GENPASS [<bits>]",
        "    Reply with a random password of 256 bits, or of the number of bits",
        "    given.",
        "LIST",
        "    Show every user as a line of the ACL file format.",
        "LOAD",
        "    Replace the users with those in the ACL file.",
        "LOG [<count> | RESET]",
        "    Show recent denied commands and failed logins, or clear them.",
        "SAVE",
        "    Write the users to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create a user or change its attributes.",
        "USERS",
        "    List the user names.",
        "WHOAMI",
        "    Reply with the user this connection runs as.",
        "HELP",
        "    Print this help.",
    ];
    ctx.c.reply.status_lines(LINES);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    fn err(reason: &str, rule: &str) -> String {
        format!("-ERR Error in ACL SETUSER modifier '{rule}': {reason}\r\n")
    }

    #[test]
    fn setuser_getuser_list() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["ACL", "SETUSER", "u1", "on", ">p1", "~k*", "&ch*", "+get"]),
            "+OK\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "GETUSER", "u1"]),
            "*12\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n\
             f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a\r\n\
             $8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$3\r\n~k*\r\n\
             $8\r\nchannels\r\n$4\r\n&ch*\r\n$9\r\nselectors\r\n*0\r\n"
        );
        assert_eq!(h.run(&["ACL", "GETUSER", "nosuch"]), "$-1\r\n");
        assert_eq!(
            h.run(&["ACL", "LIST"]),
            "*2\r\n$34\r\nuser default on nopass ~* &* +@all\r\n$110\r\nuser u1 on \
             #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~k* \
             resetchannels &ch* -@all +get\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "USERS"]),
            "*2\r\n$7\r\ndefault\r\n$2\r\nu1\r\n"
        );
        assert_eq!(h.run(&["ACL", "WHOAMI"]), "$7\r\ndefault\r\n");
    }

    #[test]
    fn setuser_errors() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["ACL", "SETUSER", "u", "on", "foo"]),
            err("Syntax error", "foo")
        );
        // A failed SETUSER creates nothing.
        assert_eq!(h.run(&["ACL", "GETUSER", "u"]), "$-1\r\n");
        assert_eq!(
            h.run(&["ACL", "SETUSER", "u", "+nosuch"]),
            err("Unknown command or category name in ACL", "+nosuch")
        );
        assert_eq!(
            h.run(&["ACL", "SETUSER", "a b"]),
            "-ERR Usernames can't contain spaces or null characters\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "DELUSER", "x", "default"]),
            "-ERR The 'default' user cannot be removed\r\n"
        );
    }

    #[test]
    fn deluser_counts() {
        let mut h = Harness::new();
        h.run(&["ACL", "SETUSER", "a"]);
        h.run(&["ACL", "SETUSER", "b"]);
        assert_eq!(h.run(&["ACL", "DELUSER", "a", "b", "c"]), ":2\r\n");
        assert_eq!(h.run(&["ACL", "USERS"]), "*1\r\n$7\r\ndefault\r\n");
    }

    #[test]
    fn genpass_sizes() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["ACL", "GENPASS"]).len(), "$64\r\n".len() + 64 + 2);
        assert_eq!(
            h.run(&["ACL", "GENPASS", "5"]).len(),
            "$2\r\n".len() + 2 + 2
        );
        assert_eq!(
            h.run(&["ACL", "GENPASS", "0"]),
            "-ERR ACL GENPASS argument must be the number of bits for the output password, \
             a positive number up to 4096\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "GENPASS", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
    }

    #[test]
    fn dryrun() {
        let mut h = Harness::new();
        h.run(&["ACL", "SETUSER", "u", "~k*", "&c*", "+get", "+publish"]);
        assert_eq!(h.run(&["ACL", "DRYRUN", "u", "get", "k1"]), "+OK\r\n");
        assert_eq!(
            h.run(&["ACL", "DRYRUN", "u", "get", "x"]),
            "$50\r\nThis user has no permissions to access the 'x' key\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "DRYRUN", "u", "set", "k1", "v"]),
            "$53\r\nThis user has no permissions to run the 'set' command\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "DRYRUN", "u", "publish", "x", "m"]),
            "$54\r\nThis user has no permissions to access the 'x' channel\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "DRYRUN", "nosuch", "get", "x"]),
            "-ERR User 'nosuch' not found\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "DRYRUN", "u", "nosuchcmd", "x"]),
            "-ERR Command 'nosuchcmd' not found\r\n"
        );
        assert_eq!(
            h.run(&["ACL", "DRYRUN", "u", "get"]),
            "-ERR wrong number of arguments for 'get' command\r\n"
        );
    }

    #[test]
    fn cat_and_help() {
        let mut h = Harness::new();
        assert!(
            h.run(&["ACL", "CAT"])
                .starts_with("*21\r\n$8\r\nkeyspace\r\n")
        );
        assert_eq!(
            h.run(&["ACL", "CAT", "nosuch"]),
            "-ERR Unknown category 'nosuch'\r\n"
        );
        assert!(h.run(&["ACL", "CAT", "geo"]).contains("$6\r\ngeoadd\r\n"));
        assert!(h.run(&["ACL", "HELP"]).starts_with("*29\r\n"));
    }
}
