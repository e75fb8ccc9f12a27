//! `cjson`: JSON encode/decode with lua-cjson's rules as Redis ships them:
//! numbers as "%.14g", `/` escaped, empty tables as `{}`, tables whose keys
//! are all positive integers as arrays (holes become null; an excessively
//! sparse array is an error), object keys in Lua's `next` order, JSON null
//! as the `cjson.null` light userdata, and lua-cjson's error texts.

use super::{fmt_g, lua_error, type_name};
use mlua::{LightUserData, Lua, MultiValue, Table, Value};

/// Deepest nesting either way (lua-cjson's default max depth).
const MAX_DEPTH: usize = 1000;
/// lua-cjson's encode_sparse_ratio / encode_sparse_safe defaults.
const SPARSE_RATIO: usize = 2;
const SPARSE_SAFE: usize = 10;
/// encode_number_precision default.
const PRECISION: usize = 14;

/// The settings scripts change through cjson's configuration functions; like
/// lua-cjson's they last for the life of the Lua state.
#[derive(Clone, Copy)]
struct Settings {
    encode_max_depth: usize,
    decode_max_depth: usize,
    /// NaN and infinities: refused (`Off`), written as nan/inf (`On`) or
    /// written as null (`Null`).
    encode_invalid: Invalid,
    /// Whether encode reuses one buffer between calls: a memory trade-off in
    /// lua-cjson with no visible effect on results.
    keep_buffer: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Invalid {
    Off,
    On,
    Null,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            encode_max_depth: MAX_DEPTH,
            decode_max_depth: MAX_DEPTH,
            encode_invalid: Invalid::Off,
            keep_buffer: true,
        }
    }
}

type Shared = std::rc::Rc<std::cell::Cell<Settings>>;

/// lua-cjson's check that a configuration function got at most one argument.
fn one_arg(lua: &Lua, args: &MultiValue, fname: &str) -> mlua::Result<()> {
    if args.len() > 1 {
        return Err(lua_error(
            lua,
            &format!("bad argument #2 to '{fname}' (found too many arguments)"),
        ));
    }
    Ok(())
}

/// An integer setting (encode_max_depth, decode_max_depth): no argument
/// reads it, a number in 1..=i32::MAX sets it.
fn depth_option(lua: &Lua, args: &MultiValue, fname: &str, cur: usize) -> mlua::Result<usize> {
    one_arg(lua, args, fname)?;
    // Lua 5.1's luaL_checkinteger: numbers, and strings that read as one.
    let n = match args.front() {
        None | Some(Value::Nil) => return Ok(cur),
        Some(Value::Integer(i)) => Some(*i as f64),
        Some(Value::Number(n)) => Some(*n),
        Some(Value::String(s)) => s.to_str().ok().and_then(|t| t.trim().parse::<f64>().ok()),
        Some(_) => None,
    };
    let Some(n) = n else {
        let got = args.front().map_or("no value", type_name);
        return Err(lua_error(
            lua,
            &format!("bad argument #1 to '{fname}' (number expected, got {got})"),
        ));
    };
    let n = n.trunc();
    if !(1.0..=i32::MAX as f64).contains(&n) {
        return Err(lua_error(
            lua,
            &format!("bad argument #1 to '{fname}' (expected integer between 1 and 2147483647)"),
        ));
    }
    Ok(n as usize)
}

/// An enumerated setting: no argument reads it, a boolean or one of
/// `names` (index 0 = off, 1 = on, 2 = null) sets it.
fn enum_option(
    lua: &Lua,
    args: &MultiValue,
    fname: &str,
    names: &[&str],
    cur: usize,
) -> mlua::Result<usize> {
    one_arg(lua, args, fname)?;
    match args.front() {
        None | Some(Value::Nil) => Ok(cur),
        Some(Value::Boolean(b)) => Ok(usize::from(*b)),
        Some(Value::String(s)) if names.iter().any(|n| s.as_bytes().as_ref() == n.as_bytes()) => {
            Ok(names
                .iter()
                .position(|n| s.as_bytes().as_ref() == n.as_bytes())
                .unwrap_or(0))
        }
        Some(other) => {
            let shown = match other {
                Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
                Value::Integer(i) => i.to_string(),
                Value::Number(n) => fmt_g(*n, PRECISION),
                v => type_name(v).to_string(),
            };
            Err(lua_error(
                lua,
                &format!("bad argument #1 to '{fname}' (invalid option '{shown}')"),
            ))
        }
    }
}

/// What an enumerated setting reads as: false, true, or its name.
fn enum_value(lua: &Lua, names: &[&str], v: usize) -> mlua::Result<Value> {
    Ok(match v {
        0 => Value::Boolean(false),
        1 => Value::Boolean(true),
        _ => Value::String(lua.create_string(names.get(v).copied().unwrap_or("off"))?),
    })
}

/// `cjson.null`: a NULL light userdata, as in lua-cjson.
fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let settings: Shared = Shared::default();
    let cfg = settings.clone();
    t.raw_set(
        "encode",
        lua.create_function(move |lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(lua_error(
                    lua,
                    "bad argument #1 to 'encode' (expected 1 argument)",
                ));
            }
            let mut out = Vec::new();
            encode(lua, &args[0], &mut out, 0, &cfg.get())?;
            lua.create_string(&out)
        })?,
    )?;
    let cfg = settings.clone();
    t.raw_set(
        "decode",
        lua.create_function(move |lua, args: MultiValue| {
            let s = match args.front() {
                Some(Value::String(s)) if args.len() == 1 => s.as_bytes().to_vec(),
                Some(Value::Integer(i)) if args.len() == 1 => i.to_string().into_bytes(),
                Some(Value::Number(n)) if args.len() == 1 => fmt_g(*n, PRECISION).into_bytes(),
                _ if args.len() != 1 => {
                    return Err(lua_error(
                        lua,
                        "bad argument #1 to 'decode' (expected 1 argument)",
                    ));
                }
                Some(other) => {
                    return Err(lua_error(
                        lua,
                        &format!(
                            "bad argument #1 to 'decode' (string expected, got {})",
                            type_name(other)
                        ),
                    ));
                }
                None => Vec::new(),
            };
            let mut p = Parser {
                s: &s,
                pos: 0,
                depth: 0,
                max_depth: cfg.get().decode_max_depth,
            };
            let v = p.value(lua).map_err(|e| lua_error(lua, &e))?;
            p.skip_ws();
            if p.pos < s.len() {
                let found = p.token_name();
                return Err(lua_error(
                    lua,
                    &format!(
                        "Expected the end but found {found} at character {}",
                        p.pos + 1
                    ),
                ));
            }
            Ok(v)
        })?,
    )?;
    const ON_OFF: &[&str] = &["off", "on"];
    const ON_OFF_NULL: &[&str] = &["off", "on", "null"];
    let cfg = settings.clone();
    t.raw_set(
        "encode_keep_buffer",
        lua.create_function(move |lua, args: MultiValue| {
            let mut c = cfg.get();
            let v = enum_option(
                lua,
                &args,
                "encode_keep_buffer",
                ON_OFF,
                usize::from(c.keep_buffer),
            )?;
            c.keep_buffer = v == 1;
            cfg.set(c);
            enum_value(lua, ON_OFF, v)
        })?,
    )?;
    let cfg = settings.clone();
    t.raw_set(
        "encode_invalid_numbers",
        lua.create_function(move |lua, args: MultiValue| {
            let mut c = cfg.get();
            let cur = match c.encode_invalid {
                Invalid::Off => 0,
                Invalid::On => 1,
                Invalid::Null => 2,
            };
            let v = enum_option(lua, &args, "encode_invalid_numbers", ON_OFF_NULL, cur)?;
            c.encode_invalid = [Invalid::Off, Invalid::On, Invalid::Null][v.min(2)];
            cfg.set(c);
            enum_value(lua, ON_OFF_NULL, v)
        })?,
    )?;
    let cfg = settings.clone();
    t.raw_set(
        "encode_max_depth",
        lua.create_function(move |lua, args: MultiValue| {
            let mut c = cfg.get();
            c.encode_max_depth = depth_option(lua, &args, "encode_max_depth", c.encode_max_depth)?;
            cfg.set(c);
            Ok(c.encode_max_depth as i64)
        })?,
    )?;
    let cfg = settings;
    t.raw_set(
        "decode_max_depth",
        lua.create_function(move |lua, args: MultiValue| {
            let mut c = cfg.get();
            c.decode_max_depth = depth_option(lua, &args, "decode_max_depth", c.decode_max_depth)?;
            cfg.set(c);
            Ok(c.decode_max_depth as i64)
        })?,
    )?;
    t.raw_set("null", null())?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

fn encode(
    lua: &Lua,
    v: &Value,
    out: &mut Vec<u8>,
    depth: usize,
    cfg: &Settings,
) -> mlua::Result<()> {
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(u) if u.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(i) => out.extend_from_slice(fmt_g(*i as f64, PRECISION).as_bytes()),
        Value::Number(n) if !n.is_finite() => match cfg.encode_invalid {
            Invalid::Off => {
                return Err(lua_error(
                    lua,
                    "Cannot serialise number: must not be NaN or Inf",
                ));
            }
            Invalid::Null => out.extend_from_slice(b"null"),
            Invalid::On if n.is_nan() => out.extend_from_slice(b"nan"),
            Invalid::On => out.extend_from_slice(if *n > 0.0 { b"inf" } else { b"-inf" }),
        },
        Value::Number(n) => out.extend_from_slice(fmt_g(*n, PRECISION).as_bytes()),
        Value::String(s) => encode_string(&s.as_bytes(), out),
        Value::Table(t) => {
            if depth + 1 > cfg.encode_max_depth {
                return Err(lua_error(
                    lua,
                    &format!("Cannot serialise, excessive nesting ({})", depth + 1),
                ));
            }
            encode_table(lua, t, out, depth + 1, cfg)?;
        }
        other => {
            return Err(lua_error(
                lua,
                &format!("Cannot serialise {}: type not supported", type_name(other)),
            ));
        }
    }
    Ok(())
}

/// lua-cjson's escapes: `"` `\` `/`, \b \f \n \r \t, other controls and DEL
/// as \u00XX; bytes above 0x7f pass through.
fn encode_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            0..=31 | 127 => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// The array length when every key is a positive integer (lua-cjson's
/// lua_array_length), None for an object; Err for a too sparse array.
fn array_length(lua: &Lua, t: &Table) -> mlua::Result<Option<usize>> {
    let Some((items, max)) = super::positive_int_keys(t)? else {
        return Ok(None);
    };
    if max > SPARSE_SAFE && max > items * SPARSE_RATIO {
        return Err(lua_error(
            lua,
            "Cannot serialise table: excessively sparse array",
        ));
    }
    Ok(Some(max))
}

fn encode_table(
    lua: &Lua,
    t: &Table,
    out: &mut Vec<u8>,
    depth: usize,
    cfg: &Settings,
) -> mlua::Result<()> {
    match array_length(lua, t)? {
        Some(n) if n > 0 => {
            out.push(b'[');
            for i in 1..=n {
                if i > 1 {
                    out.push(b',');
                }
                let v: Value = t.raw_get(i)?;
                encode(lua, &v, out, depth, cfg)?;
            }
            out.push(b']');
        }
        _ => {
            out.push(b'{');
            let mut first = true;
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair?;
                if !first {
                    out.push(b',');
                }
                first = false;
                match &k {
                    Value::String(s) => encode_string(&s.as_bytes(), out),
                    Value::Integer(i) => encode_string(fmt_g(*i as f64, PRECISION).as_bytes(), out),
                    Value::Number(n) => encode_string(fmt_g(*n, PRECISION).as_bytes(), out),
                    _ => {
                        return Err(lua_error(
                            lua,
                            "Cannot serialise table: table key must be a number or string",
                        ));
                    }
                }
                out.push(b':');
                encode(lua, &v, out, depth, cfg)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    /// lua-cjson's name for the token at `pos` (error messages).
    fn token_name(&self) -> &'static str {
        match self.s.get(self.pos) {
            None => "T_END",
            Some(b'{') => "T_OBJ_BEGIN",
            Some(b'}') => "T_OBJ_END",
            Some(b'[') => "T_ARR_BEGIN",
            Some(b']') => "T_ARR_END",
            Some(b'"') => "T_STRING",
            Some(b':') => "T_COLON",
            Some(b',') => "T_COMMA",
            Some(b'-' | b'0'..=b'9') => "T_NUMBER",
            Some(b't' | b'f') if self.word_at(b"true") || self.word_at(b"false") => "T_BOOLEAN",
            Some(b'n') if self.word_at(b"null") => "T_NULL",
            _ => "invalid token",
        }
    }

    fn word_at(&self, w: &[u8]) -> bool {
        self.s[self.pos..].starts_with(w)
    }

    fn expected(&self, what: &str) -> String {
        format!(
            "Expected {what} but found {} at character {}",
            self.token_name(),
            self.pos + 1
        )
    }

    fn value(&mut self, lua: &Lua) -> Result<Value, String> {
        self.skip_ws();
        let Some(&c) = self.s.get(self.pos) else {
            return Err(self.expected("value"));
        };
        match c {
            b'{' => self.object(lua),
            b'[' => self.array(lua),
            b'"' => {
                let s = self.string()?;
                lua.create_string(&s)
                    .map(Value::String)
                    .map_err(|e| e.to_string())
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ if self.word_at(b"true") => {
                self.pos += 4;
                Ok(Value::Boolean(true))
            }
            _ if self.word_at(b"false") => {
                self.pos += 5;
                Ok(Value::Boolean(false))
            }
            _ if self.word_at(b"null") => {
                self.pos += 4;
                Ok(null())
            }
            _ => Err(self.expected("value")),
        }
    }

    fn nest(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(format!(
                "Found too many nested data structures ({}) at character {}",
                self.depth,
                self.pos + 1
            ));
        }
        Ok(())
    }

    fn object(&mut self, lua: &Lua) -> Result<Value, String> {
        self.nest()?;
        self.pos += 1;
        let t = lua.create_table().map_err(|e| e.to_string())?;
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Table(t));
        }
        loop {
            self.skip_ws();
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(self.expected("object key string"));
            }
            let k = self.string()?;
            self.skip_ws();
            if self.s.get(self.pos) != Some(&b':') {
                return Err(self.expected("colon"));
            }
            self.pos += 1;
            let v = self.value(lua)?;
            let k = lua.create_string(&k).map_err(|e| e.to_string())?;
            t.raw_set(k, v).map_err(|e| e.to_string())?;
            self.skip_ws();
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.expected("comma or object end")),
            }
        }
        self.depth -= 1;
        Ok(Value::Table(t))
    }

    fn array(&mut self, lua: &Lua) -> Result<Value, String> {
        self.nest()?;
        self.pos += 1;
        let t = lua.create_table().map_err(|e| e.to_string())?;
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Table(t));
        }
        let mut i = 1;
        loop {
            let v = self.value(lua)?;
            t.raw_set(i, v).map_err(|e| e.to_string())?;
            i += 1;
            self.skip_ws();
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.expected("comma or array end")),
            }
        }
        self.depth -= 1;
        Ok(Value::Table(t))
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let mut end = start;
        while end < self.s.len()
            && matches!(self.s[end], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        {
            end += 1;
        }
        let text = std::str::from_utf8(&self.s[start..end]).unwrap_or("");
        match text.parse::<f64>() {
            Ok(v) => {
                self.pos = end;
                Ok(Value::Number(v))
            }
            Err(_) => Err(format!(
                "Expected value but found invalid number at character {}",
                start + 1
            )),
        }
    }

    /// A string token starting at the opening quote; returns its bytes.
    fn string(&mut self) -> Result<Vec<u8>, String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(format!(
                    "Expected value but found unexpected end of string at character {}",
                    start + 1
                ));
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(format!(
                            "Expected value but found unexpected end of string at character {}",
                            start + 1
                        ));
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let cp = self.unicode_escape().ok_or_else(|| {
                                format!(
                                    "Expected value but found invalid unicode escape code at character {}",
                                    start + 1
                                )
                            })?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(cp.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            return Err(format!(
                                "Expected value but found invalid escape code at character {}",
                                start + 1
                            ));
                        }
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.pos..self.pos + 4)?;
        let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        self.pos += 4;
        Some(v)
    }

    /// After `\u`: one code point, joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.pos..self.pos + 2)? != b"\\u" {
                return None;
            }
            self.pos += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return None;
            }
            return char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
        }
        if (0xDC00..0xE000).contains(&hi) {
            return None;
        }
        char::from_u32(hi)
    }
}
