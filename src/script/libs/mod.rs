//! The libraries Redis preloads for scripts, written in Rust: `bit` (Lua
//! BitOp), `cjson`, `cmsgpack` and `struct`. Each module builds one Lua
//! table; `register` installs them as globals before they are made
//! read-only.

pub mod bit;

use mlua::{Lua, Table, Value};

/// Installs every library table into the (real) globals.
pub fn register(lua: &Lua, g: &Table) -> mlua::Result<()> {
    g.raw_set("bit", bit::table(lua)?)?;
    Ok(())
}

/// Lua's name for a value's type (error messages).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Boolean(_) => "boolean",
        Value::Integer(_) | Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Table(_) => "table",
        Value::Function(_) => "function",
        Value::Thread(_) => "thread",
        Value::LightUserData(_) | Value::UserData(_) => "userdata",
        _ => "userdata",
    }
}

/// luaL_argerror's message: "bad argument #n to 'fname' (msg)", with the
/// caller's position in front as luaL_error adds it.
pub fn arg_error(lua: &Lua, n: usize, fname: &str, msg: &str) -> mlua::Error {
    mlua::Error::runtime(format!(
        "{}bad argument #{n} to '{fname}' ({msg})",
        super::lua::lua_where(lua, 1)
    ))
}

/// An error raised with the caller's position, as luaL_error does.
pub fn lua_error(lua: &Lua, msg: &str) -> mlua::Error {
    mlua::Error::runtime(format!("{}{msg}", super::lua::lua_where(lua, 1)))
}

/// luaL_checknumber.
pub fn check_number(lua: &Lua, args: &[Value], n: usize, fname: &str) -> mlua::Result<f64> {
    match args.get(n - 1) {
        Some(Value::Integer(i)) => Ok(*i as f64),
        Some(Value::Number(f)) => Ok(*f),
        Some(Value::String(s)) => {
            let t = String::from_utf8_lossy(&s.as_bytes()).trim().to_string();
            parse_lua_number(&t)
                .ok_or_else(|| arg_error(lua, n, fname, "number expected, got string"))
        }
        other => Err(arg_error(
            lua,
            n,
            fname,
            &format!(
                "number expected, got {}",
                other.map_or("no value", type_name)
            ),
        )),
    }
}

/// Lua 5.1's string-to-number (decimal, hex with 0x).
pub fn parse_lua_number(s: &str) -> Option<f64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok().map(|v| v as f64);
    }
    s.parse::<f64>().ok()
}
