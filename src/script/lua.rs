//! Building the interpreter Redis scripts expect: Lua 5.1 with the base,
//! string, table and math libraries, cjson, cmsgpack, bit and struct, an
//! `os` holding only `clock`, and the `redis` table; nothing that reaches
//! files or processes (no io, loadfile, dofile, require, print).
//!
//! Globals are read-only as in Redis 7. Plain Lua 5.1 has no read-only
//! tables, so scripts see proxies: the globals table and every library
//! table are empty tables whose metatable reads through to the real one and
//! refuses writes (`Attempt to modify a readonly table`); `rawset` refuses
//! the proxies too, and reading a missing global raises `Script attempted
//! to access nonexistent global variable`. KEYS and ARGV are set on the real
//! table from Rust.
//!
//! Errors: script errors reach Rust as the table Redis builds (`err`,
//! `source`, `line`) through an xpcall handler. Errors raised by Rust
//! callbacks carry their text (with the caller's position, as luaL_error
//! adds it); `redis.call` errors carry the reply text plus the position of
//! the script line that called it, encoded behind `CALL_ERR` so the handler
//! can rebuild the table.

use super::{convert, libs, with_active};
use crate::cmd::{self, flags};
use mlua::chunk::ChunkMode;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

/// Marks a `redis.call` error raised from Rust: CALL_ERR, source, SEP,
/// line, SEP, reply text.
const CALL_ERR: &str = "\u{1}ember-call-error\u{1}";
const SEP: char = '\u{1}';
/// The error a killed script is stopped with.
const KILLED: &str = "\u{1}ember-script-killed\u{1}";
/// Marks an error table made from a command's error reply (already counted
/// in the error statistics), Redis's field name.
pub const ERR_COUNTED_FIELD: &str = "ignore_err_stats_update";
/// Redis's SCRIPT KILL error text.
pub const KILLED_TEXT: &str = "ERR Script killed by user with SCRIPT KILL...";
/// Instructions between two checks of the running time (Redis's hook
/// interval).
const HOOK_EVERY: u32 = 100_000;

/// Runs once with the real globals as its environment: wraps pcall, xpcall
/// and loadstring, builds the read-only proxies and returns the two
/// trampolines.
const PRELUDE: &str = r#"
local norm, killed, caller_where, ro_error, missing_global, G, LR = ...
local opcall, oxpcall, type, tostring, error, setmetatable = pcall, xpcall, type, tostring, error, setmetatable
local oloadstring = loadstring

local function handler(e)
  e = norm(e)
  if type(e) ~= 'table' then
    e = {err = 'ERR ' .. tostring(e)}
  elseif type(e.err) ~= 'string' then
    e = {err = 'ERR unknown error'}
  end
  if e.source == nil then
    local src, line = caller_where()
    e.source = src
    e.line = line
  end
  return e
end

local function pfix(ok, ...)
  if ok then return ok, ... end
  if killed() then error((...), 0) end
  local e = norm((...))
  if type(e) == 'table' and type(e.err) == 'string' then e = e.err end
  return false, e
end
pcall = function(...) return pfix(opcall(...)) end

local function xfix(ok, ...)
  if not ok and killed() then error((...), 0) end
  return ok, ...
end
xpcall = function(f, h)
  return xfix(oxpcall(f, function(e)
    if killed() then return e end
    return h(norm(e))
  end))
end

loadstring = function(s, name)
  if type(s) == 'string' and s:byte(1) == 27 then
    return nil, 'binary chunks are not allowed'
  end
  return oloadstring(s, name)
end

local function proxy(real)
  return setmetatable({}, {__index = real, __newindex = ro_error, __metatable = false})
end
local protected = {}
for _, name in ipairs({'redis', 'string', 'table', 'math', 'cjson', 'cmsgpack', 'bit', 'struct', 'os', 'coroutine'}) do
  local p = proxy(G[name])
  protected[p] = true
  G[name] = p
end
local Pmt = {__index = G, __newindex = ro_error, __metatable = false}
local P = setmetatable({}, Pmt)
protected[P] = true
G._G = P
setmetatable(G, {__index = missing_global, __metatable = false})

-- FUNCTION LOAD runs library code with nothing but the library API
-- (redis.register_function, redis.log, ...) visible: the globals proxy
-- reads through LG instead of G meanwhile.
setmetatable(LR, {__index = missing_global, __metatable = false})
local LRp = proxy(LR)
protected[LRp] = true
local LG = setmetatable({redis = LRp}, {__index = missing_global, __metatable = false})
local function set_load_mode(on)
  if on then Pmt.__index = LG else Pmt.__index = G end
end

-- EVAL: KEYS and ARGV (set on G by Rust just before) are dropped again
-- here, in the same call, so a script's arguments do not stay referenced.
local function run(f)
  local ok, v = oxpcall(f, handler)
  G.KEYS, G.ARGV = nil, nil
  return ok, v
end
local function run_args(f, k, a)
  return oxpcall(function() return f(k, a) end, handler)
end

-- getmetatable of a read-only table answers a read-only stand-in, so it
-- opens no way around the proxies (setmetatable is guarded from Rust).
local ogetmetatable = getmetatable
local ro_meta = proxy({})
protected[ro_meta] = true
G.getmetatable = function(t)
  if protected[t] then return ro_meta end
  return ogetmetatable(t)
end
return run, run_args, P, protected, set_load_mode
"#;

/// The interpreter and the Lua functions Rust calls into it.
pub struct Interp {
    pub lua: Lua,
    /// The real globals table (scripts see a read-only proxy).
    pub globals: Table,
    /// `run(f)`: calls f under the error handler, returns (ok, value).
    pub run: Function,
    /// `run_args(f, keys, args)`: the same for functions.
    pub run_args: Function,
    /// `set_load_mode(on)`: globals show only the library API (FUNCTION
    /// LOAD) or everything.
    pub set_load_mode: Function,
}

/// Creates the interpreter.
pub fn new_interpreter() -> mlua::Result<Interp> {
    let lua = Lua::new_with(
        StdLib::STRING | StdLib::TABLE | StdLib::MATH,
        LuaOptions::default(),
    )?;
    let g = lua.globals();
    for name in [
        "dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy", "module", "require",
    ] {
        g.raw_set(name, Value::Nil)?;
    }
    libs::register(&lua, &g)?;
    let os = lua.create_table()?;
    let start = std::time::Instant::now();
    os.raw_set(
        "clock",
        lua.create_function(move |_, ()| Ok(start.elapsed().as_secs_f64()))?,
    )?;
    g.raw_set("os", os)?;
    g.raw_set("redis", redis_table(&lua)?)?;

    let norm = lua.create_function(|lua, v: Value| normalize_error(lua, v))?;
    let killed = lua.create_function(|_, ()| Ok(is_killed()))?;
    let caller_where = lua.create_function(|lua, ()| Ok(error_position(lua)))?;
    let ro_error = lua.create_function(|lua, _: MultiValue| -> mlua::Result<()> {
        Err(mlua::Error::runtime(format!(
            "{}Attempt to modify a readonly table",
            lua_where(lua, 1)
        )))
    })?;
    let missing = lua.create_function(|lua, (_, k): (Value, Value)| -> mlua::Result<()> {
        let name = match &k {
            Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
            other => format!("{other:?}"),
        };
        Err(mlua::Error::runtime(format!(
            "{}Script attempted to access nonexistent global variable '{name}'",
            lua_where(lua, 1)
        )))
    })?;
    let prelude = lua
        .load(PRELUDE)
        .set_name("=ember")
        .set_mode(ChunkMode::Text)
        .into_function()?;
    let lib_api = super::functions::library_api(&lua)?;
    let (run, run_args, proxy, protected, set_load_mode): (
        Function,
        Function,
        Table,
        Table,
        Function,
    ) = prelude.call((
        norm,
        killed,
        caller_where,
        ro_error,
        missing,
        g.clone(),
        lib_api,
    ))?;
    // setmetatable on a read-only table is a write to it. A Rust callback,
    // so the error points at the script's line as Redis's does.
    let osetmetatable: Function = g.raw_get("setmetatable")?;
    let guarded = protected.clone();
    let setmetatable = lua.create_function(move |_, (t, mt): (Value, Value)| {
        if let Value::Table(t) = &t
            && guarded.raw_get::<bool>(t).unwrap_or(false)
        {
            return Err(mlua::Error::runtime("Attempt to modify a readonly table"));
        }
        osetmetatable.call::<Value>((t, mt))
    })?;
    g.raw_set("setmetatable", setmetatable)?;
    let rawset = lua.create_function(move |_, (t, k, v): (Table, Value, Value)| {
        if protected.raw_get::<bool>(&t).unwrap_or(false) {
            return Err(mlua::Error::runtime("Attempt to modify a readonly table"));
        }
        t.raw_set(k, v)?;
        Ok(t)
    })?;
    g.raw_set("rawset", rawset)?;
    lua.set_globals(proxy)?;
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_EVERY),
        |_, _| hook(),
    )?;
    Ok(Interp {
        lua,
        globals: g,
        run,
        run_args,
        set_load_mode,
    })
}

/// Compiles a script body into a function.
pub fn compile(lua: &Lua, body: &[u8], name: &str) -> Result<Function, String> {
    lua.load(body)
        .set_name(name)
        .set_mode(ChunkMode::Text)
        .into_function()
        .map_err(|e| match e {
            mlua::Error::SyntaxError { message, .. } => message,
            other => innermost(&other),
        })
}

/// luaL_where: "source:line: " of the function `level` frames up from the
/// running Rust callback, or "" for C functions.
pub fn lua_where(lua: &Lua, level: usize) -> String {
    lua.inspect_stack(level, |d| {
        let line = d.current_line()?;
        let src = d.source();
        Some(format!("{}:{line}: ", src.short_src?))
    })
    .flatten()
    .unwrap_or_default()
}

/// For the error handler: (source, line) of the function that raised the
/// error, skipping a C function (error, a Rust callback) for its caller.
fn error_position(lua: &Lua) -> (Option<String>, Option<i64>) {
    let at = |level| {
        lua.inspect_stack(level, |d| {
            let src = d.source();
            (
                src.what,
                src.source.map(|s| s.into_owned()),
                d.current_line().map(|l| l as i64),
            )
        })
    };
    match at(2) {
        Some(("C", ..)) => match at(3) {
            Some((_, s, l)) => (s, l),
            None => (None, None),
        },
        Some((_, s, l)) => (s, l),
        None => (None, None),
    }
}

/// The message of an mlua error, without mlua's wrapping.
fn innermost(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => innermost(cause),
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::MemoryError(m) => m.clone(),
        other => other.to_string(),
    }
}

/// Turns an error value caught in Lua into what Redis scripts see: errors
/// raised by Rust callbacks become their message string, `redis.call`
/// errors and SCRIPT KILL become Redis's error table.
fn normalize_error(lua: &Lua, v: Value) -> mlua::Result<Value> {
    let Value::Error(e) = v else {
        return Ok(v);
    };
    let msg = innermost(&e);
    if msg == KILLED {
        let t = lua.create_table()?;
        t.raw_set("err", KILLED_TEXT)?;
        return Ok(Value::Table(t));
    }
    if let Some(rest) = msg.strip_prefix(CALL_ERR) {
        let mut parts = rest.splitn(4, SEP);
        let (counted, src, line, text) = (parts.next(), parts.next(), parts.next(), parts.next());
        let t = lua.create_table()?;
        t.raw_set("err", text.unwrap_or_default())?;
        if counted == Some("1") {
            t.raw_set(ERR_COUNTED_FIELD, true)?;
        }
        if let (Some(src), Some(line)) = (src, line.and_then(|l| l.parse::<i64>().ok()))
            && !src.is_empty()
        {
            t.raw_set("source", src)?;
            t.raw_set("line", line)?;
        }
        return Ok(Value::Table(t));
    }
    Ok(Value::String(lua.create_string(&msg)?))
}

/// True once the running script must stop (SCRIPT/FUNCTION KILL, SHUTDOWN
/// NOSAVE, or a library load past its time limit): the pcall/xpcall
/// wrappers then re-raise instead of letting the script catch it.
fn is_killed() -> bool {
    super::functions::load_timed_out()
        || with_active(|srv, _, _| {
            srv.scripts.run.as_ref().is_some_and(|r| r.kill) || srv.shutdown.is_some()
        })
        .unwrap_or(false)
}

/// The instruction-count hook: past busy-reply-threshold the script is
/// "busy": other clients are served (BUSY replies, SCRIPT KILL, SHUTDOWN
/// NOSAVE) while it runs; a kill request stops it here.
fn hook() -> mlua::Result<VmState> {
    if super::functions::load_timed_out() {
        return Err(mlua::Error::runtime(super::functions::LOAD_TIMEOUT));
    }
    let stop = with_active(|srv, _, _| {
        super::busy_tick(srv);
        // SHUTDOWN NOSAVE while busy stops the script too.
        srv.scripts.run.as_ref().is_some_and(|r| r.kill) || srv.shutdown.is_some()
    })
    .unwrap_or(false);
    if stop {
        return Err(mlua::Error::runtime(KILLED));
    }
    Ok(VmState::Continue)
}

/// Log levels of `redis.log` (Redis's LL_* values).
pub const LOG_LEVELS: [(&str, i64); 4] = [
    ("LOG_DEBUG", 0),
    ("LOG_VERBOSE", 1),
    ("LOG_NOTICE", 2),
    ("LOG_WARNING", 3),
];

/// The `redis` table.
fn redis_table(lua: &Lua) -> mlua::Result<Table> {
    let r = lua.create_table()?;
    r.raw_set(
        "call",
        lua.create_function(|lua, args: MultiValue| redis_call(lua, args, true))?,
    )?;
    r.raw_set(
        "pcall",
        lua.create_function(|lua, args: MultiValue| redis_call(lua, args, false))?,
    )?;
    r.raw_set(
        "acl_check_cmd",
        lua.create_function(|lua, args: MultiValue| {
            let argv = call_args(&args).map_err(|e| call_error(lua, e))?;
            let refs: Vec<&[u8]> = (0..argv.ends.len()).map(|i| argv.get(i)).collect();
            let Some((cmd, parent)) = cmd::resolve(&refs) else {
                return Err(ctx_error(
                    lua,
                    "Invalid command passed to redis.acl_check_cmd()",
                ));
            };
            // The script's client runs as the caller's user.
            Ok(
                with_active(|srv, fake, _| crate::acl::allows(srv, fake, cmd, parent, &refs))
                    .unwrap_or(false),
            )
        })?,
    )?;
    r.raw_set(
        "error_reply",
        lua.create_function(|lua, v: MultiValue| status_or_error(lua, v, "err"))?,
    )?;
    r.raw_set(
        "status_reply",
        lua.create_function(|lua, v: MultiValue| status_or_error(lua, v, "ok"))?,
    )?;
    r.raw_set(
        "sha1hex",
        lua.create_function(|lua, v: MultiValue| {
            let s = match v.len() {
                1 => match &v[0] {
                    Value::String(s) => s.as_bytes().to_vec(),
                    Value::Integer(i) => i.to_string().into_bytes(),
                    // Lua's own number to string conversion ("%.14g").
                    Value::Number(n) => libs::fmt_g(*n, 14).into_bytes(),
                    _ => Vec::new(),
                },
                _ => return Err(ctx_error(lua, "wrong number of arguments")),
            };
            lua.create_string(super::sha1_hex(&s))
        })?,
    )?;
    r.raw_set("log", log_function(lua)?)?;
    for (name, v) in LOG_LEVELS {
        r.raw_set(name, v)?;
    }
    r.raw_set(
        "setresp",
        lua.create_function(|lua, v: MultiValue| -> mlua::Result<()> {
            let n = single_int(lua, &v, "redis.setresp() requires one argument.")?;
            if n != 2 && n != 3 {
                return Err(ctx_error(lua, "RESP version must be 2 or 3."));
            }
            with_active(|srv, _, _| {
                if let Some(run) = srv.scripts.run.as_mut() {
                    run.resp3 = n == 3;
                }
            });
            Ok(())
        })?,
    )?;
    r.raw_set(
        "set_repl",
        lua.create_function(|lua, v: MultiValue| -> mlua::Result<()> {
            let n = single_int(lua, &v, "redis.set_repl() requires one argument.")?;
            if !(0..=3).contains(&n) {
                return Err(ctx_error(
                    lua,
                    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                ));
            }
            Ok(())
        })?,
    )?;
    r.raw_set(
        "replicate_commands",
        lua.create_function(|_, _: MultiValue| Ok(true))?,
    )?;
    for (name, v) in [
        ("REPL_NONE", 0),
        ("REPL_AOF", 1),
        ("REPL_SLAVE", 2),
        ("REPL_REPLICA", 2),
        ("REPL_ALL", 3),
    ] {
        r.raw_set(name, v)?;
    }
    r.raw_set(
        "breakpoint",
        lua.create_function(|_, _: MultiValue| Ok(false))?,
    )?;
    r.raw_set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
    set_version(&r)?;
    Ok(r)
}

/// REDIS_VERSION and REDIS_VERSION_NUM.
pub fn set_version(r: &Table) -> mlua::Result<()> {
    r.raw_set("REDIS_VERSION", crate::REDIS_COMPAT_VERSION)?;
    r.raw_set(
        "REDIS_VERSION_NUM",
        version_num(crate::REDIS_COMPAT_VERSION),
    )
}

/// `redis.log(level, message...)`.
pub fn log_function(lua: &Lua) -> mlua::Result<Function> {
    lua.create_function(|lua, v: MultiValue| -> mlua::Result<()> {
        if v.len() < 2 {
            return Err(ctx_error(
                lua,
                "redis.log() requires two arguments or more.",
            ));
        }
        let level = match &v[0] {
            Value::Integer(i) => *i,
            Value::Number(n) => *n as i64,
            _ => {
                return Err(ctx_error(
                    lua,
                    "First argument must be a number (log level).",
                ));
            }
        };
        if !(0..=3).contains(&level) {
            return Err(ctx_error(lua, "Invalid debug level."));
        }
        let mut line = String::new();
        for (i, part) in v.iter().skip(1).enumerate() {
            if i > 0 {
                line.push(' ');
            }
            match part {
                Value::String(s) => line.push_str(&String::from_utf8_lossy(&s.as_bytes())),
                Value::Integer(n) => line.push_str(&n.to_string()),
                Value::Number(n) => line.push_str(&n.to_string()),
                _ => {}
            }
        }
        match level {
            0 => tracing::debug!("{line}"),
            1 => tracing::info!("{line}"),
            2 => tracing::info!("{line}"),
            _ => tracing::warn!("{line}"),
        }
        Ok(())
    })
}

/// The one integer argument of setresp / set_repl (-1 when not a number).
fn single_int(lua: &Lua, v: &MultiValue, arity_msg: &str) -> mlua::Result<i64> {
    if v.len() != 1 {
        return Err(ctx_error(lua, arity_msg));
    }
    Ok(match &v[0] {
        Value::Integer(i) => *i,
        Value::Number(n) => *n as i64,
        _ => -1,
    })
}

/// "7.2.4" → 0x070204.
fn version_num(v: &str) -> i64 {
    v.split('.')
        .take(3)
        .fold(0, |acc, p| (acc << 8) | p.parse::<i64>().unwrap_or(0))
}

/// An error raised by a `redis.*` helper: Redis raises it as an error
/// table with the script position, like a failed `redis.call`.
pub fn ctx_error(lua: &Lua, text: &str) -> mlua::Error {
    call_error(lua, &format!("ERR {text}"))
}

/// A `redis.call` failure: the reply text plus the calling line, encoded
/// for `normalize_error`.
fn call_error(lua: &Lua, text: &str) -> mlua::Error {
    encoded_error(lua, text, false)
}

/// A failure whose text is a command's error reply (`counted`: the command
/// already counted it in the error statistics) or a scripting error.
fn encoded_error(lua: &Lua, text: &str, counted: bool) -> mlua::Error {
    let (src, line) = lua
        .inspect_stack(1, |d| {
            let src = d.source().source.map(|s| s.into_owned());
            (src, d.current_line())
        })
        .unwrap_or((None, None));
    mlua::Error::runtime(format!(
        "{CALL_ERR}{}{SEP}{}{SEP}{}{SEP}{text}",
        counted as u8,
        src.unwrap_or_default(),
        line.map(|l| l.to_string()).unwrap_or_default()
    ))
}

/// redis.error_reply / redis.status_reply: `{err=...}` / `{ok=...}`
/// (error_reply drops one leading '-'). A bad argument is not raised: the
/// error table is returned, as Redis does.
fn status_or_error(lua: &Lua, v: MultiValue, field: &str) -> mlua::Result<Table> {
    let s = match (v.len(), v.front()) {
        (1, Some(Value::String(s))) => s.as_bytes().to_vec(),
        _ => {
            let t = lua.create_table()?;
            t.raw_set("err", "ERR wrong number or type of arguments")?;
            return Ok(t);
        }
    };
    let body = if field == "err" && s.first() == Some(&b'-') {
        &s[1..]
    } else {
        &s[..]
    };
    let t = lua.create_table()?;
    t.raw_set(field, lua.create_string(body)?)?;
    Ok(t)
}

/// redis.call's arguments as byte strings, Redis's way, in one buffer
/// (`ends[i]` is where argument i ends).
struct CallArgs {
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl CallArgs {
    fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
}

fn call_args(args: &MultiValue) -> Result<CallArgs, &'static str> {
    if args.is_empty() {
        return Err("ERR Please specify at least one argument for this redis lib call");
    }
    let mut out = CallArgs {
        buf: Vec::with_capacity(64),
        ends: Vec::with_capacity(args.len()),
    };
    for a in args.iter() {
        match a {
            Value::String(s) => out.buf.extend_from_slice(&s.as_bytes()),
            Value::Integer(i) => crate::util::num::write_i64(*i, &mut out.buf),
            Value::Number(n) => crate::util::num::format_double(*n, &mut out.buf),
            _ => return Err("ERR Lua redis lib command arguments must be strings or integers"),
        }
        out.ends.push(out.buf.len());
    }
    Ok(out)
}

/// redis.call (raise = true) and redis.pcall.
fn redis_call(lua: &Lua, args: MultiValue, raise: bool) -> mlua::Result<Value> {
    let fail = |lua: &Lua, text: &str| -> mlua::Result<Value> {
        if raise {
            Err(call_error(lua, text))
        } else {
            let t = lua.create_table()?;
            t.raw_set("err", text)?;
            Ok(Value::Table(t))
        }
    };
    let argv = match call_args(&args) {
        Ok(a) => a,
        Err(e) => return fail(lua, e),
    };
    let outcome = with_active(
        |srv, fake, caller| -> Result<Result<Value, String>, String> {
            let refs: Vec<&[u8]> = (0..argv.ends.len()).map(|i| argv.get(i)).collect();
            let (cmd, parent) = script_gate(srv, &refs)?;
            let now = srv.scripts.run.as_ref().map_or(0, |r| r.now);
            // The caller's ACL user must be allowed the command, its keys and
            // channels, as in Redis.
            if let Some(denied) =
                crate::acl::script_check(srv, fake, caller, cmd, parent, &refs, now)
            {
                return Err(denied.to_string());
            }
            if let Some(run) = srv.scripts.run.as_mut() {
                run.wrote |= cmd.has(flags::WRITE);
                run.read_called |= cmd.has(flags::READONLY);
            }
            if let Some(run) = srv.scripts.run.as_ref() {
                fake.reply.resp3 = run.resp3;
            }
            fake.reply.buf.clear();
            cmd::execute(srv, fake, cmd, parent, &refs, now);
            let reply = &fake.reply.buf;
            // An error reply raises in redis.call; anything else converts (the
            // buffer keeps its capacity for the next call).
            let out = if raise && reply.first() == Some(&b'-') {
                let end = reply
                    .iter()
                    .position(|&b| b == b'\r')
                    .unwrap_or(reply.len());
                Err(String::from_utf8_lossy(&reply[1..end]).into_owned())
            } else {
                let mut pos = 0;
                convert::resp_to_lua(lua, reply, &mut pos, 0).map_err(|e| e.to_string())
            };
            fake.reply.buf.clear();
            Ok(out)
        },
    );
    match outcome {
        None => fail(lua, "ERR redis.call is only available while a script runs"),
        Some(Err(e)) => fail(lua, &e),
        Some(Ok(Err(text))) => Err(encoded_error(lua, &text, true)),
        Some(Ok(Ok(Value::Table(t)))) => {
            // redis.pcall's error table of a command error.
            if !raise && t.raw_get::<Value>("err").is_ok_and(|e| e.is_string()) {
                t.raw_set(ERR_COUNTED_FIELD, true)?;
            }
            Ok(Value::Table(t))
        }
        Some(Ok(Ok(v))) => Ok(v),
    }
}

/// The checks Redis makes on a command called from a script (scriptCall):
/// the command exists, its arity, NOSCRIPT, writes from read-only scripts,
/// MISCONF and OOM.
fn script_gate(
    srv: &mut crate::server::Server,
    argv: &[&[u8]],
) -> Result<(&'static cmd::Cmd, Option<&'static cmd::Cmd>), String> {
    let Some((cmd, parent)) = cmd::resolve(argv) else {
        return Err("ERR Unknown Redis command called from script".into());
    };
    if !cmd.arity_ok(argv.len()) {
        return Err("ERR Wrong number of args calling Redis command from script".into());
    }
    if (cmd.has(flags::NOSCRIPT) || parent.is_some_and(|p| p.has(flags::NOSCRIPT)))
        && !srv.scripts.allow_noscript
    {
        return Err("ERR This Redis command is not allowed from script".into());
    }
    let run = srv.scripts.run.as_ref();
    // Redis 7.2 counts commands that may replicate (PUBLISH, SPUBLISH) as
    // writes for read-only scripts too.
    if cmd.flags & (flags::WRITE | flags::MAY_REPLICATE) != 0 && run.is_some_and(|r| r.read_only) {
        return Err("ERR Write commands are not allowed from read-only scripts.".into());
    }
    if cmd.has(flags::WRITE) && crate::persist::writes_denied(srv) {
        return Err(crate::error::MISCONF.into());
    }
    // An allow-stale script on a stale replica runs only STALE commands.
    if !cmd.has(flags::STALE) && srv.replica.gate && crate::server::replica::running_stale(srv) {
        return Err("ERR Can not execute the command on a stale replica".into());
    }
    if cmd.has(flags::WRITE)
        && srv.replica.gate
        && let Some(msg) = crate::server::replica::deny(srv, cmd.has(flags::STALE), true)
    {
        return Err(msg.into());
    }
    if cmd.has(flags::WRITE) && crate::server::repl::too_few_good_replicas(srv) {
        return Err(crate::error::NOREPLICAS.into());
    }
    let allow_oom = run.is_some_and(|r| r.flags & super::sflags::ALLOW_OOM != 0);
    if cmd.has(flags::DENYOOM) && !allow_oom && cmd::over_maxmemory(srv) {
        return Err(crate::error::OOM.into());
    }
    Ok((cmd, parent))
}
