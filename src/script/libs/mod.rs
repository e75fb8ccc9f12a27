//! The libraries Redis preloads for scripts, written in Rust: `bit` (Lua
//! BitOp), `cjson`, `cmsgpack` and `struct`. Each module builds one Lua
//! table; `register` installs them as globals before they are made
//! read-only.

pub mod bit;
pub mod cjson;
pub mod cmsgpack;
pub mod structlib;

use mlua::{Lua, Table, Value};

/// Installs every library table into the (real) globals.
pub fn register(lua: &Lua, g: &Table) -> mlua::Result<()> {
    g.raw_set("bit", bit::table(lua)?)?;
    g.raw_set("cjson", cjson::table(lua)?)?;
    g.raw_set("cmsgpack", cmsgpack::table(lua)?)?;
    g.raw_set("struct", structlib::table(lua)?)?;
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

/// (count, largest key) when every key of `t` is a positive integer, None
/// otherwise: how cjson and cmsgpack tell arrays from maps.
pub fn positive_int_keys(t: &Table) -> mlua::Result<Option<(usize, usize)>> {
    let (mut count, mut max) = (0usize, 0usize);
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair?;
        let i = match k {
            Value::Integer(i) if i >= 1 => i as usize,
            Value::Number(n) if n >= 1.0 && n.fract() == 0.0 => n as usize,
            _ => return Ok(None),
        };
        count += 1;
        max = max.max(i);
    }
    Ok(Some((count, max)))
}

/// C's `%.<prec>g`: `prec` significant digits, trailing zeros dropped,
/// scientific form when the exponent is below -4 or at least `prec`.
pub fn fmt_g(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let prec = prec.max(1);
    let sci = format!("{:.*e}", prec - 1, v);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= prec as i32 {
        let mant = strip_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_g;

    #[test]
    fn percent_g() {
        assert_eq!(fmt_g(1.0, 14), "1");
        assert_eq!(fmt_g(0.1, 14), "0.1");
        assert_eq!(fmt_g(1e20, 14), "1e+20");
        assert_eq!(fmt_g(123456789012345.0, 14), "1.2345678901234e+14");
        assert_eq!(fmt_g(0.0001, 14), "0.0001");
        assert_eq!(fmt_g(0.00001, 14), "1e-05");
        assert_eq!(fmt_g(-2.5, 14), "-2.5");
        assert_eq!(fmt_g(1.23456789012346, 14), "1.2345678901235");
    }
}
