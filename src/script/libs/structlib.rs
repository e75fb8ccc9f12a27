//! `struct`: Roberto Ierusalimschy's struct library as Redis ships it:
//! pack, unpack and size over a format string. Options: `>` big endian,
//! `<` little, `=` native (little), `!n` alignment, `x` pad byte, `b/B`
//! char, `h/H` short, `l/L` long (8 bytes), `T` size_t, `i/I[n]` n-byte
//! integer (default 4), `f` float, `d` double, `c[n]` fixed string (n = 0:
//! whole string when packing, previous number when unpacking), `s`
//! zero-terminated string, space ignored.

use super::{check_number, lua_error};
use mlua::{Lua, MultiValue, Table, Value};

/// struct's MAXINTSIZE.
const MAX_INT_SIZE: usize = 32;
/// Native alignment limit (struct's MAXALIGN is the alignment of the
/// largest native type).
const MAX_ALIGN: usize = 8;

/// Marks the error that struct raises as a bad argument #1.
const BAD_OPTION: &str = "invalid format option ";

/// A format error as struct raises it for function `fname`.
fn fmt_error(lua: &Lua, fname: &str, e: &str) -> mlua::Error {
    if e.starts_with(BAD_OPTION) {
        super::arg_error(lua, 1, fname, e)
    } else {
        lua_error(lua, e)
    }
}

/// luaL_checknumber as struct reports it (a missing argument is "nil").
fn number_arg(lua: &Lua, args: &[Value], n: usize) -> mlua::Result<f64> {
    if args.len() < n {
        return Err(super::arg_error(lua, n, "pack", "number expected, got nil"));
    }
    check_number(lua, args, n, "pack")
}

#[derive(Clone, Copy)]
struct State {
    little: bool,
    align: usize,
}

impl Default for State {
    /// Native (little-endian) byte order, no alignment.
    fn default() -> Self {
        State {
            little: true,
            align: 1,
        }
    }
}

enum Opt {
    Pad,
    Int { size: usize, signed: bool },
    Float,
    Double,
    Chars(Option<usize>),
    ZString,
    Skip,
}

/// Reads an optional decimal count after an option.
fn count(fmt: &[u8], i: &mut usize) -> Option<usize> {
    let start = *i;
    let mut n: usize = 0;
    while *i < fmt.len() && fmt[*i].is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add((fmt[*i] - b'0') as usize);
        *i += 1;
    }
    (*i > start).then_some(n)
}

/// The next option, or an error text.
fn next_opt(fmt: &[u8], i: &mut usize, st: &mut State) -> Result<Opt, String> {
    let c = fmt[*i];
    *i += 1;
    Ok(match c {
        b' ' => Opt::Skip,
        b'>' => {
            st.little = false;
            Opt::Skip
        }
        b'<' | b'=' => {
            st.little = true;
            Opt::Skip
        }
        b'!' => {
            st.align = count(fmt, i).unwrap_or(MAX_ALIGN);
            if !st.align.is_power_of_two() {
                return Err("alignment must be power of 2".into());
            }
            Opt::Skip
        }
        b'x' => Opt::Pad,
        b'b' | b'B' => Opt::Int {
            size: 1,
            signed: c == b'b',
        },
        b'h' | b'H' => Opt::Int {
            size: 2,
            signed: c == b'h',
        },
        b'l' | b'L' | b'T' => Opt::Int {
            size: 8,
            signed: c == b'l',
        },
        b'i' | b'I' => {
            let size = count(fmt, i).unwrap_or(4);
            if size > MAX_INT_SIZE {
                return Err(format!(
                    "integral size {size} is larger than limit of {MAX_INT_SIZE}"
                ));
            }
            Opt::Int {
                size,
                signed: c == b'i',
            }
        }
        b'f' => Opt::Float,
        b'd' => Opt::Double,
        b'c' => Opt::Chars(count(fmt, i)),
        b's' => Opt::ZString,
        other => return Err(format!("{BAD_OPTION}'{}'", other as char)),
    })
}

fn opt_size(o: &Opt) -> usize {
    match o {
        Opt::Pad => 1,
        Opt::Int { size, .. } => *size,
        Opt::Float => 4,
        Opt::Double => 8,
        Opt::Chars(n) => n.unwrap_or(1),
        Opt::ZString | Opt::Skip => 0,
    }
}

/// Padding before an option of `size` bytes at `pos`.
fn gap(pos: usize, size: usize, st: &State) -> usize {
    let align = size.min(st.align);
    if align <= 1 || size == 0 {
        return 0;
    }
    (align - (pos & (align - 1))) & (align - 1)
}

fn put_int(v: i128, size: usize, little: bool, out: &mut Vec<u8>) {
    let mut bytes = Vec::with_capacity(size);
    let mut x = v;
    for _ in 0..size {
        bytes.push((x & 0xff) as u8);
        x >>= 8;
    }
    if !little {
        bytes.reverse();
    }
    out.extend_from_slice(&bytes);
}

fn get_int(b: &[u8], signed: bool, little: bool) -> f64 {
    let mut v: u128 = 0;
    let iter: Box<dyn Iterator<Item = &u8>> = if little {
        Box::new(b.iter().rev())
    } else {
        Box::new(b.iter())
    };
    for &x in iter {
        v = (v << 8) | x as u128;
    }
    let bits = b.len() * 8;
    if signed && bits > 0 && bits < 128 && v >> (bits - 1) & 1 == 1 {
        (v as i128 - (1i128 << bits)) as f64
    } else {
        v as f64
    }
}

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", lua.create_function(pack)?)?;
    t.raw_set("unpack", lua.create_function(unpack)?)?;
    t.raw_set(
        "size",
        lua.create_function(|lua, fmt: mlua::LuaString| {
            let fmt = fmt.as_bytes().to_vec();
            let mut st = State::default();
            let (mut i, mut pos) = (0, 0usize);
            while i < fmt.len() {
                let o = next_opt(&fmt, &mut i, &mut st).map_err(|e| fmt_error(lua, "size", &e))?;
                if matches!(o, Opt::ZString) || matches!(o, Opt::Chars(Some(0))) {
                    return Err(lua_error(lua, "options 'c0' - 's' have undefined sizes"));
                }
                let size = opt_size(&o);
                pos += gap(pos, size, &st) + size;
            }
            Ok(pos as f64)
        })?,
    )?;
    Ok(t)
}

fn pack(lua: &Lua, args: MultiValue) -> mlua::Result<mlua::LuaString> {
    let args: Vec<Value> = args.into_iter().collect();
    let fmt = match args.first() {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => {
            return Err(lua_error(
                lua,
                "bad argument #1 to 'pack' (string expected)",
            ));
        }
    };
    let mut st = State::default();
    let mut out = Vec::new();
    let (mut i, mut arg) = (0, 2usize);
    while i < fmt.len() {
        let o = next_opt(&fmt, &mut i, &mut st).map_err(|e| fmt_error(lua, "pack", &e))?;
        let size = opt_size(&o);
        let pad = gap(out.len(), size, &st);
        out.resize(out.len() + pad, 0);
        match o {
            Opt::Skip => {}
            Opt::Pad => out.push(0),
            Opt::Int { size, signed } => {
                let n = number_arg(lua, &args, arg)?;
                arg += 1;
                let v = if signed { n as i64 as i128 } else { n as i128 };
                put_int(v, size, st.little, &mut out);
            }
            Opt::Float => {
                let n = number_arg(lua, &args, arg)? as f32;
                arg += 1;
                let b = if st.little {
                    n.to_le_bytes()
                } else {
                    n.to_be_bytes()
                };
                out.extend_from_slice(&b);
            }
            Opt::Double => {
                let n = number_arg(lua, &args, arg)?;
                arg += 1;
                let b = if st.little {
                    n.to_le_bytes()
                } else {
                    n.to_be_bytes()
                };
                out.extend_from_slice(&b);
            }
            Opt::Chars(n) => {
                let s = string_arg(lua, &args, arg)?;
                arg += 1;
                let want = match n {
                    None => 1,
                    Some(0) => s.len(),
                    Some(k) => k,
                };
                if s.len() < want {
                    return Err(lua_error(
                        lua,
                        &format!("bad argument #{} to 'pack' (string too short)", arg - 1),
                    ));
                }
                out.extend_from_slice(&s[..want]);
            }
            Opt::ZString => {
                let s = string_arg(lua, &args, arg)?;
                arg += 1;
                out.extend_from_slice(&s);
                out.push(0);
            }
        }
    }
    lua.create_string(&out)
}

fn string_arg(lua: &Lua, args: &[Value], n: usize) -> mlua::Result<Vec<u8>> {
    match args.get(n - 1) {
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Integer(i)) => Ok(i.to_string().into_bytes()),
        Some(Value::Number(f)) => Ok(super::fmt_g(*f, 14).into_bytes()),
        other => Err(super::arg_error(
            lua,
            n,
            "pack",
            &format!(
                "string expected, got {}",
                other.map_or("no value", super::type_name)
            ),
        )),
    }
}

fn unpack(
    lua: &Lua,
    (fmt, data, init): (mlua::LuaString, mlua::LuaString, Option<i64>),
) -> mlua::Result<MultiValue> {
    let fmt = fmt.as_bytes().to_vec();
    let data = data.as_bytes().to_vec();
    let mut pos = init.unwrap_or(1).max(1) as usize - 1;
    if pos > data.len() {
        return Err(lua_error(
            lua,
            "bad argument #3 to 'unpack' (offset must be 1 or greater)",
        ));
    }
    let mut st = State::default();
    let mut out = MultiValue::new();
    let mut last_num: Option<usize> = None;
    let mut i = 0;
    let short = || lua_error(lua, "bad argument #2 to 'unpack' (data string too short)");
    while i < fmt.len() {
        let o = next_opt(&fmt, &mut i, &mut st).map_err(|e| fmt_error(lua, "unpack", &e))?;
        let size = opt_size(&o);
        pos += gap(pos, size, &st);
        match o {
            Opt::Skip => {}
            Opt::Pad => pos += 1,
            Opt::Int { size, signed } => {
                let b = data.get(pos..pos + size).ok_or_else(short)?;
                let v = get_int(b, signed, st.little);
                last_num = (v >= 0.0).then_some(v as usize);
                out.push_back(Value::Number(v));
                pos += size;
            }
            Opt::Float => {
                let b: [u8; 4] = data
                    .get(pos..pos + 4)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(short)?;
                let v = if st.little {
                    f32::from_le_bytes(b)
                } else {
                    f32::from_be_bytes(b)
                };
                out.push_back(Value::Number(v as f64));
                pos += 4;
            }
            Opt::Double => {
                let b: [u8; 8] = data
                    .get(pos..pos + 8)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(short)?;
                let v = if st.little {
                    f64::from_le_bytes(b)
                } else {
                    f64::from_be_bytes(b)
                };
                last_num = (v >= 0.0).then_some(v as usize);
                out.push_back(Value::Number(v));
                pos += 8;
            }
            Opt::Chars(n) => {
                let len = match n {
                    None => 1,
                    Some(0) => {
                        let Some(k) = last_num.take() else {
                            return Err(lua_error(lua, "format 'c0' needs a previous size"));
                        };
                        out.pop_back();
                        k
                    }
                    Some(k) => k,
                };
                let b = data.get(pos..pos.saturating_add(len)).ok_or_else(short)?;
                out.push_back(Value::String(lua.create_string(b)?));
                pos += len;
            }
            Opt::ZString => {
                let rest = data.get(pos..).unwrap_or_default();
                let Some(end) = rest.iter().position(|&b| b == 0) else {
                    return Err(lua_error(lua, "unfinished string in data"));
                };
                out.push_back(Value::String(lua.create_string(&rest[..end])?));
                pos += end + 1;
            }
        }
    }
    out.push_back(Value::Number((pos + 1) as f64));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_both_endians() {
        let mut out = Vec::new();
        put_int(0x0102, 2, false, &mut out);
        put_int(0x0102, 2, true, &mut out);
        assert_eq!(out, [1, 2, 2, 1]);
        assert_eq!(get_int(&[0xff, 0xfe], true, false), -2.0);
        assert_eq!(get_int(&[0xfe, 0xff], true, true), -2.0);
        assert_eq!(get_int(&[0xff], false, true), 255.0);
    }

    #[test]
    fn alignment() {
        let st = State {
            little: true,
            align: 4,
        };
        assert_eq!(gap(1, 4, &st), 3);
        assert_eq!(gap(4, 4, &st), 0);
        assert_eq!(gap(1, 2, &st), 1);
        assert_eq!(gap(1, 8, &st), 3);
    }
}
