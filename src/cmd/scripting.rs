//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT. The
//! engine (interpreter, cache, conversions) is `crate::script`.

use super::{Cmd, Ctx, flags::*};
use crate::error;
use crate::script::{self, RunSpec, sflags};

const EVAL_FLAGS: u32 = NOSCRIPT | SKIP_MONITOR | MAY_REPLICATE | NO_MANDATORY_KEYS | STALE;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("eval", -3, EVAL_FLAGS, eval),
    Cmd::new("evalsha", -3, EVAL_FLAGS, evalsha),
    Cmd::new("eval_ro", -3, EVAL_FLAGS | READONLY, eval_ro),
    Cmd::new("evalsha_ro", -3, EVAL_FLAGS | READONLY, evalsha_ro),
    Cmd::container("script", SCRIPT_SUBS),
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

/// Arguments split into (keys, args).
type KeysArgs<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);

/// Splits `numkeys key... arg...` (argv[2..]) into keys and args, with
/// Redis's errors.
pub fn split_keys<'a>(ctx: &mut Ctx, argv: &'a [&'a [u8]]) -> Option<KeysArgs<'a>> {
    let n = super::arg_i64(ctx, argv[2])?;
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
    let Some((keys, args)) = split_keys(ctx, argv) else {
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
        name: String::from_utf8_lossy(&sha).into_owned(),
        is_function: false,
        flags,
        read_only: ro || flags & sflags::NO_WRITES != 0,
        keys,
        args,
    };
    script::run_function(ctx.srv, ctx.c, &func, spec, ctx.now);
}

/// The checks Redis makes before running a script with declared flags
/// (scriptPrepareForRun): *_RO needs no-writes, OOM needs allow-oom or
/// no-writes.
pub fn check_script_flags(ctx: &Ctx, flags: u32, ro: bool) -> Result<(), &'static str> {
    if flags & sflags::EVAL_COMPAT != 0 {
        return Ok(());
    }
    if ro && flags & sflags::NO_WRITES == 0 {
        return Err("ERR Can not execute a script with write flag using *_ro command.");
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

/// SCRIPT FLUSH [ASYNC|SYNC]
fn script_flush(ctx: &mut Ctx, argv: &[&[u8]]) {
    match argv {
        [_, _] => {}
        [_, _, m] if m.eq_ignore_ascii_case(b"async") || m.eq_ignore_ascii_case(b"sync") => {}
        _ => {
            return ctx
                .c
                .reply
                .error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        }
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
    if run.is_function != function {
        return ctx.c.reply.error(error::NOTBUSY);
    }
    if run.wrote {
        return ctx.c.reply.error(error::UNKILLABLE);
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
