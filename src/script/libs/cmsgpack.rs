//! `cmsgpack`: MessagePack pack/unpack with lua-cmsgpack's rules (the
//! version Redis ships): integral numbers as the smallest integer form,
//! other numbers as float32 when exact else float64, strings as str
//! (fixstr/str8/str16/str32), tables whose keys are exactly 1..n as arrays,
//! others as maps in Lua's `next` order, tables nested deeper than 16 as
//! nil.

use super::lua_error;
use mlua::{Lua, MultiValue, Table, Value};

/// lua-cmsgpack's LUACMSGPACK_MAX_NESTING.
const MAX_NESTING: usize = 16;
/// Deepest nesting unpacked (bounds recursion on hostile input).
const MAX_UNPACK_DEPTH: usize = 1000;

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "pack",
        lua.create_function(|lua, args: MultiValue| {
            if args.is_empty() {
                return Err(super::arg_error(
                    lua,
                    0,
                    "pack",
                    "MessagePack pack needs input.",
                ));
            }
            let mut out = Vec::new();
            for v in args.iter() {
                pack(v, &mut out, 0)?;
            }
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, s: mlua::LuaString| unpack_all(lua, &s.as_bytes(), 0, 0))?,
    )?;
    t.raw_set(
        "unpack_one",
        lua.create_function(|lua, (s, offset): (mlua::LuaString, Option<i64>)| {
            unpack_limited(lua, &s.as_bytes(), 1, offset.unwrap_or(0))
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        lua.create_function(
            |lua, (s, limit, offset): (mlua::LuaString, i64, Option<i64>)| {
                unpack_limited(lua, &s.as_bytes(), limit, offset.unwrap_or(0))
            },
        )?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    Ok(t)
}

fn pack(v: &Value, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    match v {
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(i) => pack_int(*i, out),
        Value::Number(n) => pack_number(*n, out),
        Value::String(s) => pack_bytes(&s.as_bytes(), out),
        Value::Table(t) if depth < MAX_NESTING => pack_table(t, out, depth + 1)?,
        _ => out.push(0xc0),
    }
    Ok(())
}

fn pack_number(n: f64, out: &mut Vec<u8>) {
    if n.fract() == 0.0 && n >= i64::MIN as f64 && n < i64::MAX as f64 {
        return pack_int(n as i64, out);
    }
    let f = n as f32;
    if f as f64 == n || n.is_nan() {
        out.push(0xca);
        out.extend_from_slice(&f.to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn pack_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        match n {
            0..=127 => out.push(n as u8),
            128..=0xff => out.extend_from_slice(&[0xcc, n as u8]),
            0x100..=0xffff => {
                out.push(0xcd);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(0xce);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            _ => {
                out.push(0xcf);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2147483648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn pack_bytes(s: &[u8], out: &mut Vec<u8>) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// An aggregate header: fix form below `fix_max`, else the 16 or 32 bit
/// form.
fn header(n: usize, fix: u8, fix_max: usize, w16: u8, w32: u8, out: &mut Vec<u8>) {
    if n <= fix_max {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(w16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(w32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// lua-cmsgpack's table_is_an_array: every key a positive integer and the
/// largest equal to the count.
fn array_len(t: &Table) -> mlua::Result<Option<usize>> {
    Ok(super::positive_int_keys(t)?.and_then(|(count, max)| (count == max).then_some(max)))
}

fn pack_table(t: &Table, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    if let Some(n) = array_len(t)? {
        header(n, 0x90, 15, 0xdc, 0xdd, out);
        for i in 1..=n {
            let v: Value = t.raw_get(i)?;
            pack(&v, out, depth)?;
        }
        return Ok(());
    }
    // Two walks (count, then pack) rather than collecting the pairs: every
    // Lua value held from Rust takes a slot of a stack Lua 5.1 caps at a
    // few thousand, so a big map must not be held at once.
    let mut n = 0usize;
    for pair in t.pairs::<Value, Value>() {
        pair?;
        n += 1;
    }
    header(n, 0x80, 15, 0xde, 0xdf, out);
    for pair in t.pairs::<Value, Value>() {
        let (k, v) = pair?;
        pack(&k, out, depth)?;
        pack(&v, out, depth)?;
    }
    Ok(())
}

/// `unpack`: every object in the string.
fn unpack_all(lua: &Lua, s: &[u8], _limit: i64, offset: i64) -> mlua::Result<MultiValue> {
    let mut pos = offset.max(0) as usize;
    let mut out = MultiValue::new();
    while pos < s.len() {
        out.push_back(unpack_one(lua, s, &mut pos, 0)?);
    }
    Ok(out)
}

/// `unpack_one` / `unpack_limit`: the next offset (-1 at the end) then up
/// to `limit` objects (0 = all).
fn unpack_limited(lua: &Lua, s: &[u8], limit: i64, offset: i64) -> mlua::Result<MultiValue> {
    if offset < 0 || limit < 0 {
        return Err(lua_error(
            lua,
            "Invalid request to unpack with offset of -1 and limit of 0.",
        ));
    }
    // Neither a limit nor an offset: like unpack, no offset in front.
    if limit == 0 && offset == 0 {
        return unpack_all(lua, s, 0, 0);
    }
    let mut pos = offset as usize;
    let mut values = Vec::new();
    while pos < s.len() && (limit == 0 || (values.len() as i64) < limit) {
        values.push(unpack_one(lua, s, &mut pos, 0)?);
    }
    let next = if pos >= s.len() { -1 } else { pos as i64 };
    let mut out = MultiValue::new();
    out.push_back(Value::Integer(next));
    out.extend(values);
    Ok(out)
}

fn take<'a>(lua: &Lua, s: &'a [u8], pos: &mut usize, n: usize) -> mlua::Result<&'a [u8]> {
    let b = s
        .get(*pos..pos.saturating_add(n))
        .ok_or_else(|| lua_error(lua, "Missing bytes in input."))?;
    *pos += n;
    Ok(b)
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

fn unpack_one(lua: &Lua, s: &[u8], pos: &mut usize, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_UNPACK_DEPTH {
        return Err(lua_error(lua, "Bad data format in input."));
    }
    let tag = take(lua, s, pos, 1)?[0];
    let num = |v: f64| Ok(Value::Number(v));
    match tag {
        0x00..=0x7f => num(tag as f64),
        0xe0..=0xff => num(tag as i8 as f64),
        0xc0 => Ok(Value::Nil),
        0xc2 => Ok(Value::Boolean(false)),
        0xc3 => Ok(Value::Boolean(true)),
        0xcc => num(take(lua, s, pos, 1)?[0] as f64),
        0xcd => num(be(take(lua, s, pos, 2)?) as f64),
        0xce => num(be(take(lua, s, pos, 4)?) as f64),
        0xcf => num(be(take(lua, s, pos, 8)?) as f64),
        0xd0 => num(take(lua, s, pos, 1)?[0] as i8 as f64),
        0xd1 => num(be(take(lua, s, pos, 2)?) as u16 as i16 as f64),
        0xd2 => num(be(take(lua, s, pos, 4)?) as u32 as i32 as f64),
        0xd3 => num(be(take(lua, s, pos, 8)?) as i64 as f64),
        0xca => num(f32::from_bits(be(take(lua, s, pos, 4)?) as u32) as f64),
        0xcb => num(f64::from_bits(be(take(lua, s, pos, 8)?))),
        0xa0..=0xbf => bytes(lua, s, pos, (tag & 0x1f) as usize),
        0xd9 | 0xc4 => {
            let n = take(lua, s, pos, 1)?[0] as usize;
            bytes(lua, s, pos, n)
        }
        0xda | 0xc5 => {
            let n = be(take(lua, s, pos, 2)?) as usize;
            bytes(lua, s, pos, n)
        }
        0xdb | 0xc6 => {
            let n = be(take(lua, s, pos, 4)?) as usize;
            bytes(lua, s, pos, n)
        }
        0x90..=0x9f => array(lua, s, pos, (tag & 0x0f) as usize, depth),
        0xdc => {
            let n = be(take(lua, s, pos, 2)?) as usize;
            array(lua, s, pos, n, depth)
        }
        0xdd => {
            let n = be(take(lua, s, pos, 4)?) as usize;
            array(lua, s, pos, n, depth)
        }
        0x80..=0x8f => map(lua, s, pos, (tag & 0x0f) as usize, depth),
        0xde => {
            let n = be(take(lua, s, pos, 2)?) as usize;
            map(lua, s, pos, n, depth)
        }
        0xdf => {
            let n = be(take(lua, s, pos, 4)?) as usize;
            map(lua, s, pos, n, depth)
        }
        _ => Err(lua_error(lua, "Bad data format in input.")),
    }
}

fn bytes(lua: &Lua, s: &[u8], pos: &mut usize, n: usize) -> mlua::Result<Value> {
    let b = take(lua, s, pos, n)?;
    Ok(Value::String(lua.create_string(b)?))
}

fn array(lua: &Lua, s: &[u8], pos: &mut usize, n: usize, depth: usize) -> mlua::Result<Value> {
    // Each element takes at least one byte: a count beyond the input is bad.
    if n > s.len().saturating_sub(*pos) {
        return Err(lua_error(lua, "Missing bytes in input."));
    }
    let t = lua.create_table_with_capacity(n, 0)?;
    for i in 1..=n {
        let v = unpack_one(lua, s, pos, depth + 1)?;
        t.raw_set(i, v)?;
    }
    Ok(Value::Table(t))
}

fn map(lua: &Lua, s: &[u8], pos: &mut usize, n: usize, depth: usize) -> mlua::Result<Value> {
    if n > s.len().saturating_sub(*pos) / 2 {
        return Err(lua_error(lua, "Missing bytes in input."));
    }
    let t = lua.create_table_with_capacity(0, n)?;
    for _ in 0..n {
        let k = unpack_one(lua, s, pos, depth + 1)?;
        let v = unpack_one(lua, s, pos, depth + 1)?;
        if !matches!(k, Value::Nil) {
            t.raw_set(k, v)?;
        }
    }
    Ok(Value::Table(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_forms() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0x00]),
            (127, &[0x7f]),
            (128, &[0xcc, 0x80]),
            (256, &[0xcd, 0x01, 0x00]),
            (-1, &[0xff]),
            (-33, &[0xd0, 0xdf]),
            (-129, &[0xd1, 0xff, 0x7f]),
            (70000, &[0xce, 0x00, 0x01, 0x11, 0x70]),
        ];
        for (n, want) in cases {
            let mut out = Vec::new();
            pack_int(*n, &mut out);
            assert_eq!(&out[..], *want, "{n}");
        }
    }

    #[test]
    fn hostile_input_is_an_error() {
        let lua = Lua::new();
        for bad in [
            &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
            &[0xdb, 0, 0, 0, 9],
            &[0xc1],
        ] {
            let mut pos = 0;
            assert!(unpack_one(&lua, bad, &mut pos, 0).is_err());
        }
    }
}
