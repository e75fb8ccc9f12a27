//! The scripting engine: one Lua 5.1 interpreter owned by the loop thread
//! (EVAL scripts and FUNCTION libraries), the script cache keyed by SHA1,
//! and the state of the script being run (for BUSY, SCRIPT KILL and the
//! rules on what a script may call). Commands called by a script go through
//! `cmd::execute` on a fake client, so they behave and propagate exactly as
//! when a client sends them.
//!
//! Owns no command rows: the EVAL/SCRIPT/FUNCTION commands live in
//! `cmd/scripting.rs`.

pub mod convert;
pub mod functions;

pub mod libs;
pub mod lua;

use crate::client::{Client, Conn};
use crate::server::Server;
use mlua::{Function, Lua, Table, Value};
use std::cell::Cell;
use std::collections::HashMap;
use std::time::Instant;

/// Script flags (shebang `flags=` and `register_function` flags).
pub mod sflags {
    pub const NO_WRITES: u32 = 1 << 0;
    pub const ALLOW_OOM: u32 = 1 << 1;
    pub const ALLOW_STALE: u32 = 1 << 2;
    pub const NO_CLUSTER: u32 = 1 << 3;
    pub const ALLOW_CROSS_SLOT: u32 = 1 << 4;
    /// No shebang: Redis's compatibility mode (flags decided per command).
    pub const EVAL_COMPAT: u32 = 1 << 5;

    /// Flag names as scripts spell them, in FUNCTION LIST order.
    pub const NAMES: &[(u32, &str)] = &[
        (NO_WRITES, "no-writes"),
        (ALLOW_OOM, "allow-oom"),
        (ALLOW_STALE, "allow-stale"),
        (NO_CLUSTER, "no-cluster"),
        (ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
    ];

    pub fn parse(name: &[u8]) -> Option<u32> {
        NAMES
            .iter()
            .find(|(_, n)| n.as_bytes() == name)
            .map(|(f, _)| *f)
    }
}

/// One cached EVAL script.
pub struct Script {
    pub func: Function,
    pub flags: u32,
    pub body_len: usize,
}

/// What is running right now (a script or a function).
pub struct RunState {
    /// When the instruction hook first fired (after HOOK_EVERY
    /// instructions, well under a millisecond into the run): most scripts
    /// end before that, and reading the clock for each would cost more than
    /// the precision is worth against a threshold in seconds.
    pub started: Option<Instant>,
    /// Script SHA1 or function name (error messages, slow script log).
    pub name: String,
    pub is_function: bool,
    pub flags: u32,
    /// EVAL_RO / FCALL_RO or a no-writes script.
    pub read_only: bool,
    /// The script has run a write command (SCRIPT KILL refuses then).
    pub wrote: bool,
    /// SCRIPT KILL / FUNCTION KILL asked to stop it.
    pub kill: bool,
    /// Past busy-reply-threshold: other clients get -BUSY.
    pub busy: bool,
    /// `redis.setresp` (false = RESP2).
    pub resp3: bool,
    /// busy-reply-threshold in ms, read the first time the hook fires (most
    /// scripts end before that).
    pub busy_after_ms: Option<u64>,
    /// The command's time snapshot (commands in the script use it).
    pub now: i64,
    /// The FCALL/EVAL arguments (FUNCTION STATS).
    pub command: Vec<Vec<u8>>,
    /// When other clients were last served (busy state).
    pub last_events: Option<Instant>,
    /// The script ran a read-only command: a tracking caller then tracks
    /// the script's declared keys (Redis 7).
    pub read_called: bool,
}

pub struct Scripting {
    pub lua: Lua,
    /// The real globals table (scripts see a read-only proxy of it).
    pub globals: Table,
    /// xpcall trampolines: `run(f)` and `run_args(f, keys, args)`.
    runner: Function,
    runner_args: Function,
    /// Switches the globals between the library API and everything.
    set_load_mode: Function,
    /// Loaded function libraries.
    pub functions: functions::Functions,
    /// Set when the script's error reply is a command's error that its
    /// command already counted: the EVAL/FCALL's own accounting skips the
    /// error statistics once (Redis's ignore_err_stats_update).
    pub error_counted: bool,
    /// The compiled EVAL scripts by lower-case hex SHA1.
    pub cache: HashMap<[u8; 40], Script, ahash::RandomState>,
    /// Bytes of script bodies held by the cache (INFO used_memory_scripts_eval).
    pub cache_bytes: usize,
    /// Set while a script or function runs.
    pub run: Option<RunState>,
    /// The client scripts' commands run on, lent out during a run.
    fake: Option<Box<Client>>,
    /// DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call NOSCRIPT commands
    /// (a testing hook of Redis's).
    pub allow_noscript: bool,
}

/// How the interpreter is reached from Lua callbacks during a run: the
/// server and the script's fake client, as raw pointers taken from the
/// `&mut` borrows the running command holds and does not use until the
/// run returns. Cleared before the run returns.
#[derive(Clone, Copy)]
struct Active {
    srv: *mut Server,
    fake: *mut Client,
    /// The client whose EVAL/FCALL runs the script (only read: the ACL
    /// LOG names it).
    caller: *const Client,
}

thread_local! {
    static ACTIVE: Cell<Option<Active>> = const { Cell::new(None) };
}

/// Runs `f` with the server, the fake client and the calling client of the
/// running script. Returns None outside a run, or when called re-entrantly
/// (the pointers are taken out while `f` runs, so no two `&mut` to the
/// server ever coexist).
pub(crate) fn with_active<R>(f: impl FnOnce(&mut Server, &mut Client, &Client) -> R) -> Option<R> {
    let a = ACTIVE.with(|c| c.take())?;
    // SAFETY: `a` was built in `run_function` from `&mut Server`, `&mut
    // Client` (fake) and `&mut Client` (caller) borrows that outlive the Lua
    // call during which `ACTIVE` holds them; `run_function` does not touch
    // any of them until the call returns and clears `ACTIVE`. They are three
    // distinct objects: the caller is lent out of the client table while
    // its command runs, and the fake client is taken out of the server. The
    // cell is emptied while `f` runs, so a nested `with_active` gets None
    // instead of a second `&mut`.
    let r = unsafe { f(&mut *a.srv, &mut *a.fake, &*a.caller) };
    ACTIVE.with(|c| c.set(Some(a)));
    Some(r)
}

/// Scripting's share of INFO memory.
pub struct MemoryInfo {
    /// Bytes used by the Lua VM (used_memory_lua, used_memory_vm_eval).
    pub vm: u64,
    /// Bytes of cached EVAL script bodies.
    pub eval_scripts: u64,
    pub cached_scripts: u64,
    pub functions: u64,
    pub libraries: u64,
    /// Bytes of function library code.
    pub function_bytes: u64,
}

impl Scripting {
    pub fn new() -> Self {
        let lua::Interp {
            lua,
            globals,
            run: runner,
            run_args: runner_args,
            set_load_mode,
        } = lua::new_interpreter().expect("creating the Lua interpreter");
        // MONITOR shows the commands scripts run as "[db lua]", as Redis does.
        let addr = "lua".to_string();
        let mut fake = Client::new(0, usize::MAX, Conn::Fake, addr, String::new(), 0);
        fake.authenticated = true;
        // Blocking commands never block inside a script.
        fake.in_exec = true;
        Scripting {
            lua,
            globals,
            runner,
            runner_args,
            set_load_mode,
            functions: functions::Functions::default(),
            error_counted: false,
            cache: HashMap::default(),
            cache_bytes: 0,
            run: None,
            fake: Some(Box::new(fake)),
            allow_noscript: false,
        }
    }

    /// Memory used by the Lua VM, in bytes (INFO used_memory_lua).
    pub fn vm_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// The INFO memory figures of scripting.
    pub fn memory_info(&self) -> MemoryInfo {
        MemoryInfo {
            vm: self.lua.used_memory() as u64,
            eval_scripts: self.cache_bytes as u64,
            cached_scripts: self.cache.len() as u64,
            functions: self.functions.functions.len() as u64,
            libraries: self.functions.libraries.len() as u64,
            function_bytes: self.functions.code_bytes as u64,
        }
    }

    /// SCRIPT FLUSH: forgets every cached script and collects the garbage.
    pub fn flush_cache(&mut self) {
        self.cache.clear();
        self.cache_bytes = 0;
        let _ = self.lua.gc_collect();
    }

    /// Compiles `body` (`name` is the chunk name, "@user_script") into a
    /// function, or returns Lua's message.
    pub fn compile(&self, body: &[u8], name: &str) -> Result<Function, String> {
        lua::compile(&self.lua, body, name)
    }
}

impl Default for Scripting {
    fn default() -> Self {
        Self::new()
    }
}

/// Lower-case hex SHA1 of a script body.
pub fn sha1_hex(body: &[u8]) -> [u8; 40] {
    let digest = sha1_smol::Sha1::from(body).digest().bytes();
    let mut out = [0u8; 40];
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
    out
}

/// Parses a `#!lua ...` first line: (flags, body with the shebang line
/// turned into a comment so line numbers stay). Bodies without a shebang get
/// `EVAL_COMPAT`.
pub fn parse_shebang(body: &[u8]) -> Result<(u32, std::borrow::Cow<'_, [u8]>), String> {
    if !body.starts_with(b"#!") {
        return Ok((sflags::EVAL_COMPAT, body.into()));
    }
    let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let line = &body[..end];
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or_default();
    if engine != b"#!lua" {
        return Err(format!(
            "ERR Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(engine)
        ));
    }
    let mut flags = 0;
    for p in parts {
        let Some(list) = p.strip_prefix(b"flags=") else {
            return Err(format!(
                "ERR Unknown lua shebang option: {}",
                String::from_utf8_lossy(p)
            ));
        };
        for f in list.split(|&b| b == b',').filter(|f| !f.is_empty()) {
            match sflags::parse(f) {
                Some(bit) => flags |= bit,
                None => {
                    return Err(format!(
                        "ERR Unexpected flag in script shebang: {}",
                        String::from_utf8_lossy(f)
                    ));
                }
            }
        }
    }
    let mut owned = body.to_vec();
    owned[0] = b'-';
    owned[1] = b'-';
    Ok((flags, owned.into()))
}

/// What a run needs besides the function.
pub struct RunSpec<'a> {
    pub name: String,
    pub is_function: bool,
    pub flags: u32,
    pub read_only: bool,
    /// EVAL: KEYS and ARGV globals; FCALL: the two arguments.
    pub keys: &'a [&'a [u8]],
    pub args: &'a [&'a [u8]],
    /// The whole command (FUNCTION STATS shows it).
    pub command: &'a [&'a [u8]],
}

/// Runs `func` for `caller`, writing the reply (the script's value or its
/// error) to the caller. The fake client starts in the caller's database;
/// SELECT inside the script does not change the caller's.
pub fn run_function(
    srv: &mut Server,
    caller: &mut Client,
    func: &Function,
    spec: RunSpec,
    now: i64,
) {
    let Some(mut fake) = srv.scripts.fake.take() else {
        // A script is already running (cannot happen: scripts cannot call
        // EVAL or FCALL).
        return caller.reply.error("ERR script already running");
    };
    fake.db = caller.db;
    // WAITAOF in a script answers for its caller's last write (the
    // script's own writes are propagated when it ends). Redis 7.2 used
    // the Lua client's offset, which never moves, so it answered for
    // offset 0 (a false "fsynced"); Valkey takes the caller's, as
    // here.
    fake.repl_woff = caller.repl_woff;
    // Commands a script calls run with its caller's ACL user.
    fake.user.clone_from(&caller.user);
    // What CLIENT-style reports (the ACL LOG) show of it: age and idle 0.
    fake.created_ms = now;
    fake.last_interaction_ms = now;
    fake.reply.resp3 = false;
    fake.reply.buf.clear();
    srv.scripts.run = Some(RunState {
        started: None,
        name: spec.name,
        is_function: spec.is_function,
        flags: spec.flags,
        read_only: spec.read_only,
        wrote: false,
        kill: false,
        busy: false,
        resp3: false,
        busy_after_ms: None,
        now,
        command: if spec.is_function {
            spec.command.iter().map(|a| a.to_vec()).collect()
        } else {
            Vec::new()
        },
        last_events: None,
        read_called: false,
    });
    let lua = srv.scripts.lua.clone();
    let result = if spec.is_function {
        let keys = string_array(&lua, spec.keys);
        let args = string_array(&lua, spec.args);
        let runner = srv.scripts.runner_args.clone();
        match (keys, args) {
            (Ok(k), Ok(a)) => call_runner(srv, &mut fake, caller, &runner, (func.clone(), k, a)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    } else {
        let set = set_keys_argv(&lua, &srv.scripts.globals, (spec.keys, spec.args));
        let runner = srv.scripts.runner.clone();
        match set {
            Ok(()) => call_runner(srv, &mut fake, caller, &runner, func.clone()),
            Err(e) => Err(e),
        }
    };
    let run = srv.scripts.run.take();
    if run.as_ref().is_some_and(|r| r.read_called) && caller.tracking.is_some() {
        crate::server::tracking::remember(srv, caller, spec.keys.iter().map(|k| k.to_vec()));
    }
    let reply_mark = caller.reply.buf.len();
    let script_resp3 = run.as_ref().is_some_and(|r| r.resp3);
    srv.scripts.error_counted = match &result {
        Ok((_, Value::Table(t))) => t.raw_get::<bool>(lua::ERR_COUNTED_FIELD).unwrap_or(false),
        _ => false,
    };
    match result {
        Ok((true, v)) => convert::lua_to_reply(&v, &mut caller.reply, script_resp3, 0),
        Ok((false, e)) => {
            let name = run.as_ref().map_or("", |r| r.name.as_str());
            caller.reply.error(&error_text(&e, name))
        }
        Err(e) => caller.reply.error(&format!("ERR {e}")),
    }
    fake.reply.buf.clear();
    srv.scripts.fake = Some(fake);
    if srv.shutdown.is_some() {
        // SHUTDOWN NOSAVE stopped the script: like Redis, which exits
        // inside that command, the script's caller gets no reply.
        caller.reply.buf.truncate(reply_mark);
        caller.close_asap = true;
    } else if run.is_some_and(|r| r.kill) {
        tracing::warn!("Lua script killed by user with SCRIPT KILL.");
    }
}

/// Calls a runner trampoline with the server reachable from callbacks.
/// Returns (ok, first value).
fn call_runner(
    srv: &mut Server,
    fake: &mut Client,
    caller: &Client,
    runner: &Function,
    args: impl mlua::IntoLuaMulti,
) -> mlua::Result<(bool, Value)> {
    ACTIVE.with(|c| {
        c.set(Some(Active {
            srv: srv as *mut Server,
            fake: fake as *mut Client,
            caller: caller as *const Client,
        }))
    });
    let r = runner.call::<(bool, Value)>(args);
    ACTIVE.with(|c| c.set(None));
    r
}

/// A Lua array of byte strings.
fn string_array(lua: &Lua, items: &[&[u8]]) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, s) in items.iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(s)?)?;
    }
    Ok(t)
}

/// KEYS and ARGV contents.
type KeysArgv<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);

/// Sets the KEYS and ARGV globals on the real globals table `g` (the EVAL
/// runner drops them again when the script returns). This runs for every
/// EVAL, so it builds the tables on the Lua stack directly: through mlua's
/// API every string and table would take a registry slot of its own.
fn set_keys_argv(lua: &Lua, g: &Table, arrays: KeysArgv) -> mlua::Result<()> {
    use mlua::ffi;
    // SAFETY: `exec_raw` pushes `g` at stack index 1, checks for 3 free
    // slots and runs the closure in protected mode (a memory error unwinds
    // to it as a Lua error). The closure uses at most 2 slots above its
    // argument (the name and the table; each string is popped by
    // lua_rawseti before the next is pushed), passes only pointers to live
    // byte slices with their exact lengths and NUL-terminated names, and
    // leaves the stack as it found it (lua_rawset pops the pair), which
    // exec_raw's stack guard checks anyway.
    unsafe {
        lua.exec_raw::<()>(g, |state| {
            for (name, items) in [(c"KEYS", arrays.0), (c"ARGV", arrays.1)] {
                ffi::lua_pushstring(state, name.as_ptr());
                let n = items.len().min(i32::MAX as usize) as std::os::raw::c_int;
                ffi::lua_createtable(state, n, 0);
                for (i, s) in items.iter().take(n as usize).enumerate() {
                    ffi::lua_pushlstring(state, s.as_ptr().cast(), s.len());
                    ffi::lua_rawseti(state, -2, (i + 1) as ffi::lua_Integer);
                }
                ffi::lua_rawset(state, 1);
            }
        })
    }
}

/// Called by the instruction hook: once the script has run longer than
/// busy-reply-threshold it becomes busy (logged once), and from then on
/// every hook call lets the event loop serve other clients.
pub fn busy_tick(srv: &mut Server) {
    let threshold = match srv.scripts.run.as_ref().map(|r| r.busy_after_ms) {
        None => return,
        Some(Some(ms)) => ms,
        Some(None) => srv
            .config
            .get_int("busy-reply-threshold")
            .unwrap_or(5000)
            .clamp(0, u64::MAX as i128) as u64,
    };
    let Some(run) = srv.scripts.run.as_mut() else {
        return;
    };
    run.busy_after_ms = Some(threshold);
    let started = *run.started.get_or_insert_with(Instant::now);
    if !run.busy {
        if started.elapsed().as_millis() < threshold as u128 {
            return;
        }
        run.busy = true;
        tracing::warn!(
            "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: {}.",
            started.elapsed().as_millis(),
            run.name
        );
    }
    // The hook fires every HOOK_EVERY instructions, often well under a
    // millisecond apart: serve clients at most once a millisecond.
    if run
        .last_events
        .is_some_and(|t| t.elapsed() < BUSY_EVENTS_EVERY)
    {
        return;
    }
    run.last_events = Some(Instant::now());
    crate::server::busy::process_events(srv);
}

/// Least time between two passes over the clients while a script is busy.
const BUSY_EVENTS_EVERY: std::time::Duration = std::time::Duration::from_millis(1);

/// The error reply of a script that raised `e` (the error handler's table):
/// "<err> script: <name>, on <source>:<line>." as Redis 7 words it.
fn error_text(e: &Value, name: &str) -> String {
    let Value::Table(t) = e else {
        return "ERR unknown error".to_string();
    };
    let err = match t.raw_get::<Value>("err") {
        Ok(Value::String(s)) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
        _ => "ERR unknown error".to_string(),
    };
    let source = t
        .raw_get::<Option<mlua::LuaString>>("source")
        .ok()
        .flatten();
    let line = t.raw_get::<Value>("line").ok();
    match (source, line) {
        (Some(src), Some(Value::Integer(l))) => format!(
            "{err} script: {name}, on {}:{l}.",
            String::from_utf8_lossy(&src.as_bytes())
        ),
        (Some(src), Some(Value::Number(l))) => format!(
            "{err} script: {name}, on {}:{}.",
            String::from_utf8_lossy(&src.as_bytes()),
            l as i64
        ),
        _ => err,
    }
}
