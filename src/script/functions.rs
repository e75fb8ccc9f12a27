//! Function libraries (FUNCTION LOAD / FCALL): a library is Lua code with
//! a `#!lua name=<lib>` first line that calls `redis.register_function`
//! while it is loaded. Loading runs the code with only the library API
//! visible (`redis.register_function`, `redis.log`, `redis.LOG_*`,
//! `redis.REDIS_VERSION*`) and at most `LOAD_TIME_LIMIT`; the registered
//! callbacks later run like scripts, with every global.
//!
//! Libraries are kept by name in sorted order (Redis lists them in hash
//! order, which no client can rely on); the library code is what RDB files
//! and FUNCTION DUMP carry.

use super::{Scripting, sflags};
use mlua::{Function, Lua, MultiValue, Table, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// How long library code may run while loading (Redis's 500 ms).
const LOAD_TIME_LIMIT: Duration = Duration::from_millis(500);
/// The error a library load that runs too long is stopped with.
pub const LOAD_TIMEOUT: &str = "FUNCTION LOAD timeout";

/// One registered function.
pub struct FunctionDef {
    pub name: String,
    pub func: Function,
    pub flags: u32,
    pub description: Option<Vec<u8>>,
    pub library: String,
}

/// One library: its code and the names of its functions.
pub struct Library {
    pub code: Vec<u8>,
    /// Function names, in registration order.
    pub functions: Vec<String>,
}

#[derive(Default)]
pub struct Functions {
    pub libraries: BTreeMap<String, Library>,
    /// Every library's functions by lower-cased name: FCALL finds a
    /// function whatever the case, and two libraries cannot register names
    /// that differ only in case (as in Redis; names are ASCII).
    pub functions: HashMap<String, FunctionDef>,
    /// Bytes of library code (INFO used_memory_functions).
    pub code_bytes: usize,
}

impl Functions {
    /// The function FCALL names, in any case.
    pub fn get(&self, name: &[u8]) -> Option<&FunctionDef> {
        let key = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
        self.functions.get(&key)
    }
}

/// Functions registered by the library being loaded.
#[derive(Default)]
struct Pending {
    defs: Vec<FunctionDef>,
}

thread_local! {
    /// Set while library code runs: registrations go here.
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
    /// Deadline of the running library load.
    static LOAD_DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// True when a library load ran past its time limit (checked by the
/// instruction hook).
pub fn load_timed_out() -> bool {
    LOAD_DEADLINE.with(|d| d.get().is_some_and(|t| Instant::now() > t))
}

/// The `redis` table library code sees while it loads.
pub fn library_api(lua: &Lua) -> mlua::Result<Table> {
    let r = lua.create_table()?;
    r.raw_set("register_function", lua.create_function(register_function)?)?;
    r.raw_set("log", super::lua::log_function(lua)?)?;
    for (name, v) in super::lua::LOG_LEVELS {
        r.raw_set(name, v)?;
    }
    super::lua::set_version(&r)?;
    Ok(r)
}

/// Redis's rule for library and function names.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

const BAD_NAME: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// `redis.register_function(name, callback)` or
/// `redis.register_function{function_name=, callback=, flags=, description=}`.
fn register_function(lua: &Lua, args: MultiValue) -> mlua::Result<()> {
    let err = |m: &str| super::lua::ctx_error(lua, m);
    let (name, func, flags, description) = match args.len() {
        1 => {
            let Value::Table(t) = &args[0] else {
                return Err(err(
                    "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
                ));
            };
            let (mut name, mut func, mut flags, mut desc) = (None, None, 0u32, None);
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair?;
                let key = match &k {
                    Value::String(s) => s.as_bytes().to_vec(),
                    _ => {
                        return Err(err(
                            "named argument key given to redis.register_function is not a string",
                        ));
                    }
                };
                match (key.as_slice(), v) {
                    (b"function_name", Value::String(s)) => name = Some(s.as_bytes().to_vec()),
                    (b"function_name", _) => {
                        return Err(err(
                            "function_name argument given to redis.register_function must be a string",
                        ));
                    }
                    (b"description", Value::String(s)) => desc = Some(s.as_bytes().to_vec()),
                    (b"description", _) => {
                        return Err(err(
                            "description argument given to redis.register_function must be a string",
                        ));
                    }
                    (b"callback", Value::Function(f)) => func = Some(f),
                    (b"callback", _) => {
                        return Err(err(
                            "callback argument given to redis.register_function must be a function",
                        ));
                    }
                    (b"flags", Value::Table(ft)) => {
                        for f in ft.sequence_values::<Value>() {
                            let bit = match f? {
                                Value::String(s) => sflags::parse(&s.as_bytes()),
                                _ => None,
                            };
                            flags |= bit.ok_or_else(|| err("unknown flag given"))?;
                        }
                    }
                    (b"flags", _) => {
                        return Err(err(
                            "flags argument to redis.register_function must be a table representing function flags",
                        ));
                    }
                    _ => return Err(err("unknown argument given to redis.register_function")),
                }
            }
            let name = name
                .ok_or_else(|| err("redis.register_function must get a function name argument"))?;
            let func =
                func.ok_or_else(|| err("redis.register_function must get a callback argument"))?;
            (name, func, flags, desc)
        }
        2 => {
            let Value::String(n) = &args[0] else {
                return Err(err(
                    "first argument to redis.register_function must be a string",
                ));
            };
            let Value::Function(f) = &args[1] else {
                return Err(err(
                    "second argument to redis.register_function must be a function",
                ));
            };
            (n.as_bytes().to_vec(), f.clone(), 0, None)
        }
        _ => return Err(err("wrong number of arguments to redis.register_function")),
    };
    if !valid_name(&name) {
        return Err(err(BAD_NAME));
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let Some(p) = p.as_mut() else {
            return Err(err(
                "redis.register_function can only be called on FUNCTION LOAD command",
            ));
        };
        // Names differing only in case would share one FCALL entry (Redis 7.0
        // loads such a library and then crashes deleting it).
        if p.defs.iter().any(|d| d.name.eq_ignore_ascii_case(&name)) {
            return Err(err("Function already exists in the library"));
        }
        p.defs.push(FunctionDef {
            name,
            func,
            flags,
            description,
            library: String::new(),
        });
        Ok(())
    })
}

/// Parses a library's `#!lua name=<lib>` line: (name, code with the
/// shebang commented out so line numbers stay).
fn parse_metadata(code: &[u8]) -> Result<(String, Vec<u8>), String> {
    if !code.starts_with(b"#!") {
        return Err("ERR Missing library metadata".into());
    }
    let end = code.iter().position(|&b| b == b'\n').unwrap_or(code.len());
    // The line splits like a redis.conf line (quotes allowed), as in Redis.
    let parts = crate::config::parse::split_args(&code[..end])
        .ok_or_else(|| "ERR Invalid library metadata".to_string())?;
    let engine = parts
        .first()
        .and_then(|p| p.strip_prefix(b"#!"))
        .unwrap_or_default();
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(format!(
            "ERR Engine '{}' not found",
            String::from_utf8_lossy(engine)
        ));
    }
    let mut name = None;
    for p in parts.iter().skip(1) {
        match p.strip_prefix(b"name=") {
            Some(_) if name.is_some() => {
                return Err(
                    "ERR Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            Some(n) => name = Some(n.to_vec()),
            None => {
                return Err(format!(
                    "ERR Invalid metadata value given: {}",
                    String::from_utf8_lossy(p)
                ));
            }
        }
    }
    let name = name.ok_or("ERR Library name was not given")?;
    if !valid_name(&name) {
        return Err(format!("ERR {BAD_NAME}"));
    }
    let mut body = code.to_vec();
    body[0] = b'-';
    body[1] = b'-';
    Ok((String::from_utf8_lossy(&name).into_owned(), body))
}

impl Scripting {
    /// FUNCTION LOAD: compiles and runs library code, then installs its
    /// functions (replacing a library of the same name when `replace`).
    /// Returns the library name.
    pub fn load_library(&mut self, code: &[u8], replace: bool) -> Result<String, String> {
        let (name, body) = parse_metadata(code)?;
        if self.functions.libraries.contains_key(&name) && !replace {
            return Err(format!("ERR Library '{name}' already exists"));
        }
        let chunk = self
            .compile(&body, "@user_function")
            .map_err(|m| format!("ERR Error compiling function: {m}"))?;
        let defs = self.run_library(&chunk)?;
        if defs.is_empty() {
            return Err("ERR No functions registered".into());
        }
        for d in &defs {
            if let Some(other) = self.functions.functions.get(&d.name.to_ascii_lowercase())
                && other.library != name
            {
                return Err(format!("ERR Function {} already exists", d.name));
            }
        }
        let replaced = self.delete_library(&name);
        let mut names = Vec::with_capacity(defs.len());
        for mut d in defs {
            d.library = name.clone();
            names.push(d.name.clone());
            self.functions
                .functions
                .insert(d.name.to_ascii_lowercase(), d);
        }
        self.functions.code_bytes += code.len();
        self.functions.libraries.insert(
            name.clone(),
            Library {
                code: code.to_vec(),
                functions: names,
            },
        );
        if replaced {
            self.collect_dropped_library();
        }
        Ok(name)
    }

    /// Runs compiled library code in load mode; returns what it registered.
    fn run_library(&mut self, chunk: &Function) -> Result<Vec<FunctionDef>, String> {
        PENDING.with(|p| *p.borrow_mut() = Some(Pending::default()));
        LOAD_DEADLINE.with(|d| d.set(Some(Instant::now() + LOAD_TIME_LIMIT)));
        let _ = self.set_load_mode.call::<()>(true);
        let r = self.runner.call::<MultiValue>(chunk.clone());
        let _ = self.set_load_mode.call::<()>(false);
        LOAD_DEADLINE.with(|d| d.set(None));
        let pending = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
        let mut values = r
            .map_err(|e| format!("ERR Error registering functions: {e}"))?
            .into_iter();
        if !matches!(values.next(), Some(Value::Boolean(true))) {
            let text = match values.next() {
                Some(Value::Table(t)) => t
                    .raw_get::<mlua::LuaString>("err")
                    .map(|s| String::from_utf8_lossy(&s.as_bytes()).into_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let text = if text.contains(LOAD_TIMEOUT) {
                "ERR FUNCTION LOAD timeout".to_string()
            } else {
                text
            };
            return Err(format!("ERR Error registering functions: {text}"));
        }
        Ok(pending.defs)
    }

    /// Removes a library and its functions; false when there is none.
    pub fn delete_library(&mut self, name: &str) -> bool {
        let Some(lib) = self.functions.libraries.remove(name) else {
            return false;
        };
        for f in &lib.functions {
            self.functions.functions.remove(&f.to_ascii_lowercase());
        }
        self.functions.code_bytes -= lib.code.len().min(self.functions.code_bytes);
        true
    }

    /// Collects a replaced or deleted library's closures at once. EVAL and
    /// functions share one Lua VM here (Redis keeps two), so a loop of
    /// FUNCTION LOAD REPLACE would otherwise grow the VM that INFO's
    /// used_memory_lua reports until Lua's own collector caught up.
    pub fn collect_dropped_library(&mut self) {
        let _ = self.lua.gc_collect();
    }

    /// FUNCTION FLUSH.
    pub fn flush_functions(&mut self) {
        self.functions = Functions::default();
        let _ = self.lua.gc_collect();
    }

    /// Library codes, for RDB files and FUNCTION DUMP.
    pub fn library_codes(&self) -> Vec<Vec<u8>> {
        self.functions
            .libraries
            .values()
            .map(|l| l.code.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_line() {
        assert_eq!(
            parse_metadata(b"#!lua name=lib_1\nx").unwrap(),
            ("lib_1".to_string(), b"--lua name=lib_1\nx".to_vec())
        );
        assert_eq!(
            parse_metadata(b"return 1").unwrap_err(),
            "ERR Missing library metadata"
        );
        assert_eq!(
            parse_metadata(b"#!lua").unwrap_err(),
            "ERR Library name was not given"
        );
        assert!(parse_metadata(b"#!lua name=a-b").is_err());
    }

    /// Replacing a library again and again leaves the VM the size it was:
    /// the old closures are collected as they are dropped.
    #[test]
    fn replaced_libraries_do_not_pile_up() {
        let mut s = crate::script::Scripting::new();
        let code = |i: usize| {
            format!("#!lua name=test\nredis.register_function('f', function(k, a) return {i} end)")
        };
        s.load_library(code(0).as_bytes(), false).unwrap();
        let first = s.vm_memory();
        for i in 1..3000 {
            s.load_library(code(i).as_bytes(), true).unwrap();
        }
        assert!(s.vm_memory() < first + 1024, "{} vs {first}", s.vm_memory());
        assert!(s.delete_library("test"));
    }
}
