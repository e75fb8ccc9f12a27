//! Conversions between RESP and Lua values, with Redis's rules: a command
//! reply seen by a script (`redis.call`) becomes a Lua value, and the value a
//! script returns becomes the caller's reply.
//!
//! RESP → Lua: integer → number, bulk → string, null bulk / null array →
//! false, array → table, status → `{ok=...}`, error → `{err=...}`; under
//! `redis.setresp(3)` also null → nil, boolean → boolean, double →
//! `{double=n}`, big number → `{big_number=s}`, verbatim →
//! `{verbatim_string={format=,string=}}`, map → `{map={...}}`, set →
//! `{set={k=true}}`.
//!
//! Lua → RESP: number → integer (truncated, as C's cast does), string →
//! bulk, true → `:1` (RESP3 script: boolean), false → null (RESP3 script:
//! boolean), a table with `err` / `ok` / `double` / `big_number` / `map` /
//! `set` / `verbatim_string` → that reply type, any other table → array of
//! its elements 1..n up to the first nil, anything else → null.

use crate::resp::ReplyBuf;
use mlua::{Lua, Table, Value};

/// Deepest nesting converted either way (Redis stops at Lua's stack limit).
const MAX_DEPTH: usize = 1000;

/// Parses one RESP reply frame at `buf[*pos..]` into a Lua value. The bytes
/// come from ember's own reply encoder, but are still checked.
pub fn resp_to_lua(lua: &Lua, buf: &[u8], pos: &mut usize, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_DEPTH {
        return Err(mlua::Error::runtime("reached lua stack limit"));
    }
    let line = read_line(buf, pos)?;
    let (tag, rest) = line
        .split_first()
        .ok_or_else(|| mlua::Error::runtime("empty reply"))?;
    let int = |s: &[u8]| -> mlua::Result<i64> {
        crate::util::num::parse_i64(s).ok_or_else(|| mlua::Error::runtime("bad reply length"))
    };
    Ok(match tag {
        b'+' => {
            let t = lua.create_table()?;
            t.raw_set("ok", lua.create_string(rest)?)?;
            Value::Table(t)
        }
        b'-' => {
            let t = lua.create_table()?;
            t.raw_set("err", lua.create_string(rest)?)?;
            Value::Table(t)
        }
        b':' => Value::Number(int(rest)? as f64),
        b'$' | b'=' => {
            let n = int(rest)?;
            if n < 0 {
                return Ok(Value::Boolean(false));
            }
            let data = read_exact(buf, pos, n as usize)?;
            if *tag == b'$' {
                Value::String(lua.create_string(data)?)
            } else {
                let (fmt, text) = if data.len() >= 4 {
                    (&data[..3], &data[4..])
                } else {
                    (&b"txt"[..], data)
                };
                let inner = lua.create_table()?;
                inner.raw_set("format", lua.create_string(fmt)?)?;
                inner.raw_set("string", lua.create_string(text)?)?;
                let t = lua.create_table()?;
                t.raw_set("verbatim_string", inner)?;
                Value::Table(t)
            }
        }
        b'*' | b'>' => {
            let n = int(rest)?;
            if n < 0 {
                return Ok(Value::Boolean(false));
            }
            let t = lua.create_table_with_capacity((n as usize).min(1024), 0)?;
            for i in 0..n {
                let v = resp_to_lua(lua, buf, pos, depth + 1)?;
                t.raw_set(i + 1, v)?;
            }
            Value::Table(t)
        }
        b'%' | b'~' => {
            let n = int(rest)?;
            let inner = lua.create_table()?;
            for _ in 0..n.max(0) {
                let k = resp_to_lua(lua, buf, pos, depth + 1)?;
                let v = if *tag == b'%' {
                    resp_to_lua(lua, buf, pos, depth + 1)?
                } else {
                    Value::Boolean(true)
                };
                inner.raw_set(k, v)?;
            }
            let t = lua.create_table()?;
            t.raw_set(if *tag == b'%' { "map" } else { "set" }, inner)?;
            Value::Table(t)
        }
        b'_' => Value::Nil,
        b'#' => Value::Boolean(rest == b"t"),
        b',' => {
            let s = std::str::from_utf8(rest).unwrap_or("nan");
            let v: f64 = match s {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                _ => s.parse().unwrap_or(f64::NAN),
            };
            let t = lua.create_table()?;
            t.raw_set("double", v)?;
            Value::Table(t)
        }
        b'(' => {
            let t = lua.create_table()?;
            t.raw_set("big_number", lua.create_string(rest)?)?;
            Value::Table(t)
        }
        // Attributes are not shown to scripts (as in Redis): skip the map,
        // the reply it annotates follows.
        b'|' => {
            let n = int(rest)?;
            for _ in 0..n.max(0).saturating_mul(2) {
                resp_to_lua(lua, buf, pos, depth + 1)?;
            }
            return resp_to_lua(lua, buf, pos, depth + 1);
        }
        _ => return Err(mlua::Error::runtime("unknown reply type")),
    })
}

fn read_line<'a>(buf: &'a [u8], pos: &mut usize) -> mlua::Result<&'a [u8]> {
    let rest = buf.get(*pos..).unwrap_or_default();
    let end = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or_else(|| mlua::Error::runtime("truncated reply"))?;
    *pos += end + 2;
    Ok(&rest[..end])
}

fn read_exact<'a>(buf: &'a [u8], pos: &mut usize, n: usize) -> mlua::Result<&'a [u8]> {
    let data = buf
        .get(*pos..pos.saturating_add(n))
        .ok_or_else(|| mlua::Error::runtime("truncated reply"))?;
    *pos += n + 2;
    Ok(data)
}

/// A Lua number as Redis sends it: C's double-to-long-long cast, which on
/// x86-64 gives i64::MIN for NaN and out-of-range values.
pub fn number_to_i64(v: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

/// Status and error text must stay on one line.
fn one_line(s: &[u8]) -> Vec<u8> {
    s.iter()
        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect()
}

/// Writes the script's result `v` to `out` (the caller's reply buffer, in
/// the caller's protocol). `script_resp3` is the script's `redis.setresp`.
pub fn lua_to_reply(v: &Value, out: &mut ReplyBuf, script_resp3: bool, depth: usize) {
    if depth > MAX_DEPTH {
        return out.error("ERR reached lua stack limit");
    }
    match v {
        Value::String(s) => out.bulk(&s.as_bytes()),
        Value::Integer(i) => out.int(*i),
        Value::Number(n) => out.int(number_to_i64(*n)),
        Value::Boolean(b) => {
            if script_resp3 {
                out.boolean(*b)
            } else if *b {
                out.int(1)
            } else {
                out.null()
            }
        }
        Value::Table(t) => table_to_reply(t, out, script_resp3, depth),
        _ => out.null(),
    }
}

fn table_to_reply(t: &Table, out: &mut ReplyBuf, script_resp3: bool, depth: usize) {
    let field = |name: &str| t.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(e) = field("err") {
        let text = one_line(&e.as_bytes());
        out.buf.push(b'-');
        out.buf.extend_from_slice(&text);
        out.buf.extend_from_slice(b"\r\n");
        return;
    }
    if let Value::String(s) = field("ok") {
        return out.simple_bytes(&one_line(&s.as_bytes()));
    }
    match field("double") {
        Value::Number(n) => return out.double(n),
        Value::Integer(i) => return out.double(i as f64),
        _ => {}
    }
    if let Value::String(s) = field("big_number") {
        return out.big_number(&one_line(&s.as_bytes()));
    }
    if let Value::Table(m) = field("map") {
        let pairs: Vec<(Value, Value)> = m.pairs::<Value, Value>().filter_map(Result::ok).collect();
        out.map(pairs.len());
        for (k, v) in &pairs {
            lua_to_reply(k, out, script_resp3, depth + 1);
            lua_to_reply(v, out, script_resp3, depth + 1);
        }
        return;
    }
    if let Value::Table(s) = field("set") {
        let keys: Vec<Value> = s
            .pairs::<Value, Value>()
            .filter_map(Result::ok)
            .map(|(k, _)| k)
            .collect();
        out.set(keys.len());
        for k in &keys {
            lua_to_reply(k, out, script_resp3, depth + 1);
        }
        return;
    }
    if let Value::Table(vs) = field("verbatim_string") {
        let fmt = vs.raw_get::<mlua::LuaString>("format");
        let text = vs.raw_get::<mlua::LuaString>("string");
        if let (Ok(fmt), Ok(text)) = (fmt, text) {
            let f = fmt.as_bytes();
            let mut code = *b"txt";
            if f.len() == 3 {
                code.copy_from_slice(&f);
            }
            return out.verbatim(&text.as_bytes(), &code);
        }
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(v),
        }
    }
    out.array(items.len());
    for v in &items {
        lua_to_reply(v, out, script_resp3, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_cast_of_out_of_range_numbers() {
        assert_eq!(number_to_i64(1.9), 1);
        assert_eq!(number_to_i64(-1.5), -1);
        assert_eq!(number_to_i64(1e20), i64::MIN);
        assert_eq!(number_to_i64(f64::NAN), i64::MIN);
        assert_eq!(number_to_i64(f64::INFINITY), i64::MIN);
    }

    #[test]
    fn replies_round_trip_through_lua() {
        let lua = Lua::new();
        let frames: &[&[u8]] = &[
            b":42\r\n",
            b"$3\r\nabc\r\n",
            b"*3\r\n:1\r\n$-1\r\n+OK\r\n",
            b"-ERR bad\r\n",
        ];
        for f in frames {
            let mut pos = 0;
            let v = resp_to_lua(&lua, f, &mut pos, 0).unwrap();
            assert_eq!(pos, f.len());
            let mut out = ReplyBuf::new();
            lua_to_reply(&v, &mut out, false, 0);
            assert_eq!(&out.buf[..], *f);
        }
        // Truncated input is an error, not a panic.
        let mut pos = 0;
        assert!(resp_to_lua(&lua, b"*2\r\n:1\r\n", &mut pos, 0).is_err());
        let mut pos = 0;
        assert!(resp_to_lua(&lua, b"$10\r\nab", &mut pos, 0).is_err());
    }
}
