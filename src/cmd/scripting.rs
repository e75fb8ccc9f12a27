//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL,
//! FCALL_RO, FUNCTION. The engine (interpreter, cache, libraries,
//! conversions) is `crate::script`.

use super::{Cmd, Ctx, flags::*};
use crate::error;
use crate::script::{self, RunSpec, sflags};

const EVAL_FLAGS: u32 = NOSCRIPT | SKIP_MONITOR | MAY_REPLICATE | NO_MANDATORY_KEYS | STALE;
/// The *_RO forms never replicate anything (Redis gives them no
/// may_replicate, so CLIENT PAUSE WRITE lets them run).
const RO_FLAGS: u32 = (EVAL_FLAGS & !MAY_REPLICATE) | READONLY;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("eval", -3, EVAL_FLAGS, eval),
    Cmd::new("evalsha", -3, EVAL_FLAGS, evalsha),
    Cmd::new("eval_ro", -3, RO_FLAGS, eval_ro),
    Cmd::new("evalsha_ro", -3, RO_FLAGS, evalsha_ro),
    Cmd::container("script", SCRIPT_SUBS),
    Cmd::new("fcall", -3, EVAL_FLAGS, fcall),
    Cmd::new("fcall_ro", -3, RO_FLAGS, fcall_ro),
    Cmd::container("function", FUNCTION_SUBS),
];

static FUNCTION_SUBS: &[Cmd] = &[
    Cmd::new("load", -3, WRITE | DENYOOM | NOSCRIPT, function_load),
    Cmd::new("delete", 3, WRITE | NOSCRIPT, function_delete),
    Cmd::new("flush", -2, WRITE | NOSCRIPT, function_flush),
    Cmd::new("list", -2, NOSCRIPT, function_list),
    Cmd::new("dump", 2, NOSCRIPT, function_dump),
    Cmd::new("restore", -3, WRITE | DENYOOM | NOSCRIPT, function_restore),
    Cmd::new("stats", 2, NOSCRIPT | ALLOW_BUSY, function_stats),
    Cmd::new("kill", 2, NOSCRIPT | ALLOW_BUSY, function_kill),
    Cmd::new("help", 2, LOADING | STALE, function_help),
];

static SCRIPT_SUBS: &[Cmd] = &[
    Cmd::new("exists", -3, NOSCRIPT, script_exists),
    Cmd::new("flush", -2, NOSCRIPT, script_flush),
    Cmd::new("load", 3, NOSCRIPT | STALE, script_load),
    Cmd::new("kill", 2, NOSCRIPT | ALLOW_BUSY, script_kill),
    Cmd::new("help", 2, LOADING | STALE, script_help),
];

/// EVAL script numkeys [key ...] [arg ...]
fn eval(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, false, false);
}

/// EVAL_RO script numkeys [key ...] [arg ...]
fn eval_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, false, true);
}

/// EVALSHA sha1 numkeys [key ...] [arg ...]
fn evalsha(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, true, false);
}

/// EVALSHA_RO sha1 numkeys [key ...] [arg ...]
fn evalsha_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, true, true);
}

/// EVAL and FCALL are SKIP_MONITOR so that MONITOR shows them before the
/// commands their script runs rather than after (Redis's order).
fn feed_monitors(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !ctx.srv.observe.monitors.is_empty() {
        crate::server::observe::feed_monitors_now(ctx.srv, ctx.c, argv);
    }
}

/// Arguments split into (keys, args).
type KeysArgs<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);

/// Splits `numkeys key... arg...` (argv[2..]) into keys and args, with
/// Redis's errors (`not_int` when numkeys is not an integer).
pub fn split_keys<'a>(ctx: &mut Ctx, argv: &'a [&'a [u8]], not_int: &str) -> Option<KeysArgs<'a>> {
    let Some(n) = crate::util::num::parse_i64(argv[2]) else {
        ctx.c.reply.error(not_int);
        return None;
    };
    if n < 0 {
        ctx.c.reply.error("ERR Number of keys can't be negative");
        return None;
    }
    if n as u64 > (argv.len() - 3) as u64 {
        ctx.c
            .reply
            .error("ERR Number of keys can't be greater than number of args");
        return None;
    }
    let rest = &argv[3..];
    Some(rest.split_at(n as usize))
}

/// Looks a script up by SHA1 (any case), or compiles and caches a body.
/// Returns its lower-case SHA1; replies with the error otherwise.
fn find_or_load(ctx: &mut Ctx, text: &[u8], by_sha: bool) -> Option<[u8; 40]> {
    if by_sha {
        let mut sha = [0u8; 40];
        if text.len() == 40 {
            sha.copy_from_slice(text);
            sha.make_ascii_lowercase();
            if ctx.srv.scripts.cache.contains_key(&sha) {
                return Some(sha);
            }
        }
        ctx.c.reply.error(error::NOSCRIPT);
        return None;
    }
    let sha = script::sha1_hex(text);
    if ctx.srv.scripts.cache.contains_key(&sha) {
        return Some(sha);
    }
    match load_script(ctx.srv, text, sha) {
        Ok(()) => Some(sha),
        Err(e) => {
            ctx.c.reply.error(&e);
            None
        }
    }
}

/// Compiles and caches a script body under `sha`.
fn load_script(srv: &mut crate::server::Server, body: &[u8], sha: [u8; 40]) -> Result<(), String> {
    let (flags, code) = script::parse_shebang(body)?;
    let func = srv
        .scripts
        .compile(&code, "@user_script")
        .map_err(|m| format!("ERR Error compiling script (new function): {m}"))?;
    srv.scripts.cache_bytes += body.len();
    srv.scripts.cache.insert(
        sha,
        script::Script {
            func,
            flags,
            body_len: body.len(),
        },
    );
    Ok(())
}

fn eval_generic(ctx: &mut Ctx, argv: &[&[u8]], by_sha: bool, ro: bool) {
    feed_monitors(ctx, argv);
    let Some((keys, args)) = split_keys(ctx, argv, error::NOT_INTEGER) else {
        return;
    };
    let Some(sha) = find_or_load(ctx, argv[1], by_sha) else {
        return;
    };
    let Some(s) = ctx.srv.scripts.cache.get(&sha) else {
        return ctx.c.reply.error(error::NOSCRIPT);
    };
    let (func, flags) = (s.func.clone(), s.flags);
    if let Err(e) = check_script_flags(ctx, flags, ro) {
        return ctx.c.reply.error(e);
    }
    let spec = RunSpec {
        // A SHA1 in hex is ASCII.
        name: std::str::from_utf8(&sha).unwrap_or_default().to_string(),
        is_function: false,
        flags,
        read_only: ro || flags & sflags::NO_WRITES != 0,
        keys,
        args,
        command: argv,
    };
    script::run_function(ctx.srv, ctx.c, &func, spec, ctx.now);
}

/// The flags a script command runs with (Redis's getCommandFlags): a
/// script or function that declares flags (a shebang, or flags given to
/// `register_function`) is a write unless it says `no-writes`, denied on
/// OOM unless `no-writes` or `allow-oom`, stale-safe only with
/// `allow-stale`, and no longer "may replicate"; any other command, an EVAL
/// body without a shebang, or an unknown SHA or function keeps its row's
/// flags. CLIENT PAUSE WRITE decides with these.
pub fn effective_flags(srv: &crate::server::Server, cmd: &'static Cmd, argv: &[&[u8]]) -> u32 {
    let Some(&target) = argv.get(1) else {
        return cmd.flags;
    };
    let declared = match cmd.name {
        "eval" | "eval_ro" => match srv.scripts.cache.get(&script::sha1_hex(target)) {
            Some(s) => Some(s.flags),
            None => script::parse_shebang(target).ok().map(|(f, _)| f),
        },
        "evalsha" | "evalsha_ro" if target.len() == 40 => {
            let mut sha = [0u8; 40];
            sha.copy_from_slice(target);
            sha.make_ascii_lowercase();
            srv.scripts.cache.get(&sha).map(|s| s.flags)
        }
        "fcall" | "fcall_ro" => srv.scripts.functions.get(target).map(|f| f.flags),
        _ => None,
    };
    match declared {
        Some(f) if f & sflags::EVAL_COMPAT == 0 => {
            let mut out = cmd.flags & !(WRITE | MAY_REPLICATE | DENYOOM | STALE);
            if f & sflags::NO_WRITES == 0 {
                out |= WRITE;
            }
            if f & (sflags::NO_WRITES | sflags::ALLOW_OOM) == 0 {
                out |= DENYOOM;
            }
            if f & sflags::ALLOW_STALE != 0 {
                out |= STALE;
            }
            out
        }
        _ => cmd.flags,
    }
}

/// The checks Redis makes before running a script with declared flags
/// (scriptPrepareForRun): *_RO needs no-writes, min-replicas-to-write
/// refuses writing scripts, OOM needs allow-oom or no-writes.
pub fn check_script_flags(ctx: &Ctx, flags: u32, ro: bool) -> Result<(), &'static str> {
    // `replica.gate` is off while our master's stream runs, which obeys.
    let stale = ctx.srv.replica.gate && crate::server::replica::running_stale(ctx.srv);
    if flags & sflags::EVAL_COMPAT != 0 {
        // A script without a shebang never runs on a stale replica.
        return if stale {
            Err(error::MASTERDOWN)
        } else {
            Ok(())
        };
    }
    if ro && flags & sflags::NO_WRITES == 0 {
        return Err("ERR Can not execute a script with write flag using *_ro command.");
    }
    if flags & sflags::NO_WRITES == 0
        && ctx.srv.replica.gate
        && ctx.srv.config.get_bool("replica-read-only") != Some(false)
    {
        return Err(error::READONLY_REPLICA);
    }
    if stale && flags & sflags::ALLOW_STALE == 0 {
        return Err(error::MASTERDOWN);
    }
    // min-replicas-to-write refuses a script that may write up front.
    if flags & sflags::NO_WRITES == 0 && crate::server::repl::too_few_good_replicas(ctx.srv) {
        return Err(error::NOREPLICAS);
    }
    if flags & (sflags::NO_WRITES | sflags::ALLOW_OOM) == 0 && super::over_maxmemory(ctx.srv) {
        return Err(error::OOM);
    }
    if flags & sflags::NO_WRITES == 0 && crate::persist::writes_denied(ctx.srv) {
        return Err(error::MISCONF);
    }
    Ok(())
}

/// SCRIPT EXISTS sha1 [sha1 ...]
fn script_exists(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.c.reply.array(argv.len() - 2);
    for a in &argv[2..] {
        let mut found = false;
        if a.len() == 40 {
            let mut sha = [0u8; 40];
            sha.copy_from_slice(a);
            sha.make_ascii_lowercase();
            found = ctx.srv.scripts.cache.contains_key(&sha);
        }
        ctx.c.reply.int(found as i64);
    }
}

/// True when a FLUSH subcommand has no mode or ASYNC / SYNC (both flush at
/// once: freeing a Lua state is not worth a thread).
fn flush_mode_ok(argv: &[&[u8]]) -> bool {
    match argv {
        [_, _] => true,
        [_, _, m] => m.eq_ignore_ascii_case(b"async") || m.eq_ignore_ascii_case(b"sync"),
        _ => false,
    }
}

/// SCRIPT FLUSH [ASYNC|SYNC]
fn script_flush(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !flush_mode_ok(argv) {
        return ctx
            .c
            .reply
            .error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    ctx.srv.scripts.flush_cache();
    ctx.c.reply.ok();
}

/// SCRIPT LOAD script
fn script_load(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sha = script::sha1_hex(argv[2]);
    if !ctx.srv.scripts.cache.contains_key(&sha)
        && let Err(e) = load_script(ctx.srv, argv[2], sha)
    {
        return ctx.c.reply.error(&e);
    }
    ctx.c.reply.bulk(&sha);
}

/// SCRIPT KILL
fn script_kill(ctx: &mut Ctx, _argv: &[&[u8]]) {
    kill_running(ctx, false);
}

/// SCRIPT KILL / FUNCTION KILL: asks the running script to stop at its
/// next hook check, unless it has written (then only SHUTDOWN NOSAVE
/// helps).
pub fn kill_running(ctx: &mut Ctx, function: bool) {
    let Some(run) = ctx.srv.scripts.run.as_mut() else {
        return ctx.c.reply.error(error::NOTBUSY);
    };
    if run.wrote {
        return ctx.c.reply.error(error::UNKILLABLE);
    }
    // The wrong KILL for what runs gets the BUSY text naming the right one.
    match (run.is_function, function) {
        (true, false) => return ctx.c.reply.error(error::BUSY_FUNCTION),
        (false, true) => return ctx.c.reply.error(error::BUSY_SCRIPT),
        _ => {}
    }
    run.kill = true;
    ctx.c.reply.ok();
}

/// SCRIPT HELP
fn script_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.status_lines(&[
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    For each SHA1, 1 if that script is cached, else 0.",
        "FLUSH [ASYNC|SYNC]",
        "    Drop every cached script.",
        "KILL",
        "    Stop the running script, if it has not written anything.",
        "LOAD <script>",
        "    Compile and cache a script; reply with its SHA1.",
        "HELP",
        "    This text.",
    ]);
}

/// FCALL function numkeys [key ...] [arg ...]
fn fcall(ctx: &mut Ctx, argv: &[&[u8]]) {
    fcall_generic(ctx, argv, false);
}

/// FCALL_RO function numkeys [key ...] [arg ...]
fn fcall_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    fcall_generic(ctx, argv, true);
}

fn fcall_generic(ctx: &mut Ctx, argv: &[&[u8]], ro: bool) {
    feed_monitors(ctx, argv);
    let Some((keys, args)) = split_keys(ctx, argv, "ERR Bad number of keys provided") else {
        return;
    };
    let Some(f) = ctx.srv.scripts.functions.get(argv[1]) else {
        return ctx.c.reply.error("ERR Function not found");
    };
    let (func, flags, name) = (f.func.clone(), f.flags, f.name.clone());
    if let Err(e) = check_script_flags(ctx, flags, ro) {
        return ctx.c.reply.error(e);
    }
    let spec = RunSpec {
        name,
        is_function: true,
        flags,
        read_only: ro || flags & sflags::NO_WRITES != 0,
        keys,
        args,
        command: argv,
    };
    script::run_function(ctx.srv, ctx.c, &func, spec, ctx.now);
}

/// FUNCTION LOAD [REPLACE] function-code
fn function_load(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (replace, code) = match argv {
        [_, _, code] => (false, code),
        [_, _, r, code] if r.eq_ignore_ascii_case(b"replace") => (true, code),
        [_, _, other, ..] => {
            return ctx.c.reply.error(&format!(
                "ERR Unknown option given: {}",
                String::from_utf8_lossy(other)
            ));
        }
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    match ctx.srv.scripts.load_library(code, replace) {
        Ok(name) => {
            ctx.srv.ks.dirty += 1;
            ctx.c.reply.bulk(name.as_bytes())
        }
        Err(e) => ctx.c.reply.error(&e),
    }
}

/// FUNCTION DELETE library-name
fn function_delete(ctx: &mut Ctx, argv: &[&[u8]]) {
    let name = String::from_utf8_lossy(argv[2]);
    if ctx.srv.scripts.delete_library(&name) {
        ctx.srv.scripts.collect_dropped_library();
        ctx.srv.ks.dirty += 1;
        ctx.c.reply.ok();
    } else {
        ctx.c.reply.error("ERR Library not found");
    }
}

/// FUNCTION FLUSH [ASYNC|SYNC]
fn function_flush(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        let e = error::unknown_subcommand_or_arity(argv[1], "FUNCTION");
        return ctx.c.reply.error(&e);
    }
    if !flush_mode_ok(argv) {
        return ctx
            .c
            .reply
            .error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    ctx.srv.scripts.flush_functions();
    ctx.srv.ks.dirty += 1;
    ctx.c.reply.ok();
}

/// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
fn function_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (mut with_code, mut pattern): (bool, Option<&[u8]>) = (false, None);
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        if a.eq_ignore_ascii_case(b"withcode") && !with_code {
            with_code = true;
        } else if a.eq_ignore_ascii_case(b"libraryname") && pattern.is_none() {
            let Some(p) = argv.get(i + 1) else {
                return ctx.c.reply.error("ERR library name argument was not given");
            };
            pattern = Some(p);
            i += 1;
        } else {
            return ctx.c.reply.error(&format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(a)
            ));
        }
        i += 1;
    }
    let fns = &ctx.srv.scripts.functions;
    let libs: Vec<(&String, &script::functions::Library)> = fns
        .libraries
        .iter()
        .filter(|(name, _)| {
            pattern.is_none_or(|p| crate::util::glob::glob_match(p, name.as_bytes(), false))
        })
        .collect();
    let r = &mut ctx.c.reply;
    r.array(libs.len());
    for (name, lib) in libs {
        r.map(if with_code { 4 } else { 3 });
        r.bulk(b"library_name");
        r.bulk(name.as_bytes());
        r.bulk(b"engine");
        r.bulk(b"LUA");
        r.bulk(b"functions");
        r.array(lib.functions.len());
        for fname in &lib.functions {
            let Some(f) = fns.get(fname.as_bytes()) else {
                r.null();
                continue;
            };
            r.map(3);
            r.bulk(b"name");
            r.bulk(f.name.as_bytes());
            r.bulk(b"description");
            match &f.description {
                Some(d) => r.bulk(d),
                None => r.null(),
            }
            r.bulk(b"flags");
            let flags: Vec<&str> = sflags::NAMES
                .iter()
                .filter(|(bit, _)| f.flags & bit != 0)
                .map(|(_, n)| *n)
                .collect();
            r.set(flags.len());
            for fl in flags {
                r.simple(fl);
            }
        }
        if with_code {
            r.bulk(b"library_code");
            r.bulk(&lib.code);
        }
    }
}

/// FUNCTION DUMP
fn function_dump(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let compress = ctx.srv.config.get_bool("rdbcompression").unwrap_or(true);
    let payload = crate::persist::rdb::function_dump(&ctx.srv.scripts.library_codes(), compress);
    ctx.c.reply.bulk(&payload);
}

/// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
fn function_restore(ctx: &mut Ctx, argv: &[&[u8]]) {
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    if argv.len() > 4 {
        let e = error::unknown_subcommand_or_arity(argv[1], "FUNCTION");
        return ctx.c.reply.error(&e);
    }
    let policy = match argv.get(3) {
        None => Policy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"append") => Policy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"replace") => Policy::Replace,
        Some(p) if p.eq_ignore_ascii_case(b"flush") => Policy::Flush,
        Some(_) => {
            return ctx.c.reply.error(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            );
        }
    };
    if argv.len() > 4 {
        return ctx.c.reply.error(error::SYNTAX);
    }
    let Some(body) = crate::persist::rdb::verify_payload(argv[2], ctx.srv.persist.skip_checksum)
    else {
        return ctx
            .c
            .reply
            .error("ERR DUMP payload version or checksum are wrong");
    };
    let codes = match crate::persist::rdb::function_restore(body) {
        Ok(c) => c,
        Err(e) => return ctx.c.reply.error(&e),
    };
    let scripts = &mut ctx.srv.scripts;
    // All or nothing: on any error the libraries are put back as they were.
    let saved = scripts.library_codes();
    if policy == Policy::Flush {
        scripts.flush_functions();
    }
    let mut failed = None;
    for code in &codes {
        if let Err(e) = scripts.load_library(code, policy != Policy::Append) {
            // RESTORE names an existing library without quotes.
            let e = match e
                .strip_prefix("ERR Library '")
                .and_then(|r| r.strip_suffix("' already exists"))
            {
                Some(name) => format!("ERR Library {name} already exists"),
                None => e,
            };
            failed = Some(e);
            break;
        }
    }
    if let Some(e) = failed {
        scripts.flush_functions();
        for code in &saved {
            let _ = scripts.load_library(code, true);
        }
        return ctx.c.reply.error(&e);
    }
    ctx.srv.ks.dirty += 1;
    ctx.c.reply.ok();
}

/// FUNCTION STATS
fn function_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let s = &ctx.srv.scripts;
    let r = &mut ctx.c.reply;
    r.map(2);
    r.bulk(b"running_script");
    match s.run.as_ref() {
        Some(run) if run.is_function => {
            r.map(3);
            r.bulk(b"name");
            r.bulk(run.name.as_bytes());
            r.bulk(b"command");
            r.array(run.command.len());
            for a in &run.command {
                r.bulk(a);
            }
            r.bulk(b"duration_ms");
            r.int(run.started.map_or(0, |t| t.elapsed().as_millis() as i64));
        }
        _ => r.null(),
    }
    r.bulk(b"engines");
    r.map(1);
    r.bulk(b"LUA");
    r.map(2);
    r.bulk(b"libraries_count");
    r.int(s.functions.libraries.len() as i64);
    r.bulk(b"functions_count");
    r.int(s.functions.functions.len() as i64);
}

/// FUNCTION KILL
fn function_kill(ctx: &mut Ctx, _argv: &[&[u8]]) {
    kill_running(ctx, true);
}

/// FUNCTION HELP
fn function_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.status_lines(&[
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <library code>",
        "    Load a library; REPLACE swaps out a library of the same name.",
        "DELETE <library name>",
        "    Remove a library and its functions.",
        "KILL",
        "    Stop the running function, if it has not written.",
        "FLUSH [ASYNC|SYNC]",
        "    Remove every library.",
        "LIST [LIBRARYNAME <pattern>] [WITHCODE]",
        "    Describe the libraries (matching the pattern), with their code.",
        "STATS",
        "    The running function and the number of libraries and functions.",
        "DUMP",
        "    Every library, serialized for FUNCTION RESTORE.",
        "RESTORE <payload> [FLUSH|APPEND|REPLACE]",
        "    Load serialized libraries: after dropping all (FLUSH), refusing",
        "    existing names (APPEND, the default) or replacing them (REPLACE).",
        "HELP",
        "    This text.",
    ]);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn eval_converts_and_caches() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["EVAL", "return {1, 'a', {ok='x'}, 2.9}", "0"]),
            "*4\r\n:1\r\n$1\r\na\r\n+x\r\n:2\r\n"
        );
        let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
        assert_eq!(
            h.run(&["EVALSHA", sha, "0"]),
            "-NOSCRIPT No matching script. Please use EVAL.\r\n"
        );
        assert_eq!(h.run(&["EVAL", "return 1", "0"]), ":1\r\n");
        assert_eq!(h.run(&["EVALSHA", sha, "0"]), ":1\r\n");
        assert_eq!(h.run(&["SCRIPT", "FLUSH"]), "+OK\r\n");
        assert_eq!(h.run(&["SCRIPT", "EXISTS", sha]), "*1\r\n:0\r\n");
    }

    #[test]
    fn commands_run_through_the_normal_path() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&[
                "EVAL",
                "return redis.call('incrby', KEYS[1], ARGV[1])",
                "1",
                "n",
                "5"
            ]),
            ":5\r\n"
        );
        assert_eq!(h.run(&["GET", "n"]), "$1\r\n5\r\n");
        let body = "redis.call('set','s','x'); return redis.call('incr','s')";
        assert_eq!(
            h.run(&["EVAL", body, "0"]),
            format!(
                "-ERR value is not an integer or out of range script: {}, on @user_script:1.\r\n",
                sha(body)
            )
        );
        assert_eq!(
            h.run(&["EVAL_RO", "return redis.call('set','a','b')", "0"]),
            format!(
                "-ERR Write commands are not allowed from read-only scripts. script: {}, on @user_script:1.\r\n",
                sha("return redis.call('set','a','b')")
            )
        );
        assert_eq!(
            h.run(&["EVAL", "x = 1", "0"]),
            format!(
                "-ERR user_script:1: Attempt to modify a readonly table script: {}, on @user_script:1.\r\n",
                sha("x = 1")
            )
        );
    }

    /// KEYS and ARGV are built on the Lua stack directly (unsafe FFI in
    /// `script::set_keys_argv`): binary and empty strings, many of them,
    /// and cleared after the run.
    #[test]
    fn keys_and_argv_tables() {
        let mut h = Harness::new();
        let r = h.run_bytes(&[
            b"EVAL",
            b"return {#KEYS, #ARGV, KEYS[1], KEYS[2], ARGV[1]}",
            b"2",
            b"a\0b",
            b"",
            b"\xff\r\n",
        ]);
        assert_eq!(
            r,
            b"*5\r\n:2\r\n:1\r\n$3\r\na\0b\r\n$0\r\n\r\n$3\r\n\xff\r\n\r\n".to_vec()
        );
        let many: Vec<String> = (0..1000).map(|i| format!("k{i}")).collect();
        let mut argv: Vec<&str> = vec!["EVAL", "return {#KEYS, KEYS[1000], #ARGV}", "1000"];
        argv.extend(many.iter().map(|s| s.as_str()));
        assert_eq!(h.run(&argv), "*3\r\n:1000\r\n$4\r\nk999\r\n:0\r\n");
        let lib = "#!lua name=l\nredis.register_function('f', function() return type(KEYS) end)";
        assert_eq!(h.run(&["FUNCTION", "LOAD", lib]), "$1\r\nl\r\n");
        assert!(
            h.run(&["FCALL", "f", "0"])
                .contains("nonexistent global variable 'KEYS'")
        );
    }

    fn sha(body: &str) -> String {
        String::from_utf8(crate::script::sha1_hex(body.as_bytes()).to_vec()).unwrap()
    }

    #[test]
    fn function_lifecycle() {
        let mut h = Harness::new();
        let lib = "#!lua name=lib\nredis.register_function('hello', function(k, a) return 'hi ' .. a[1] end)";
        assert_eq!(h.run(&["FUNCTION", "LOAD", lib]), "$3\r\nlib\r\n");
        assert_eq!(h.run(&["FCALL", "hello", "0", "bob"]), "$6\r\nhi bob\r\n");
        assert_eq!(
            h.run(&["FUNCTION", "LOAD", lib]),
            "-ERR Library 'lib' already exists\r\n"
        );
        let dump = h.run_bytes(&[b"FUNCTION", b"DUMP"]);
        let payload = &dump[dump.iter().position(|&b| b == b'\n').unwrap() + 1..dump.len() - 2];
        assert_eq!(h.run(&["FUNCTION", "DELETE", "lib"]), "+OK\r\n");
        assert_eq!(
            h.run(&["FCALL", "hello", "0"]),
            "-ERR Function not found\r\n"
        );
        assert_eq!(
            h.run_bytes(&[b"FUNCTION", b"RESTORE", payload]),
            b"+OK\r\n".to_vec()
        );
        assert_eq!(h.run(&["FCALL", "hello", "0", "al"]), "$5\r\nhi al\r\n");
        // Names are found in any case, so one library cannot hold two that
        // differ only in case (Redis 7.0 accepts that, then crashes on
        // FUNCTION DELETE).
        assert_eq!(h.run(&["FCALL", "HeLLo", "0", "al"]), "$5\r\nhi al\r\n");
        let twins = "#!lua name=t\nredis.register_function('x', function() end)\n\
                     redis.register_function('X', function() end)";
        assert!(
            h.run(&["FUNCTION", "LOAD", twins])
                .contains("Function already exists in the library")
        );
        assert!(
            h.run(&["INFO", "memory"])
                .contains("number_of_libraries:1\r\n")
        );
    }
}
