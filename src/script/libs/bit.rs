//! `bit`: Lua BitOp's API (tobit, tohex, bnot, band, bor, bxor, lshift,
//! rshift, arshift, rol, ror, bswap) on 32-bit integers, results as signed
//! numbers like the C library.

use super::check_number;
use mlua::{Lua, MultiValue, Table, Value};

/// BitOp's normalisation: the number's integer value modulo 2^32, as a
/// signed 32-bit integer (the C library adds 2^52+2^51 and keeps the low
/// word, which rounds to nearest-even first).
pub fn tobit(x: f64) -> i32 {
    let r = x.round_ties_even();
    if !r.is_finite() {
        return 0;
    }
    (r.rem_euclid(4_294_967_296.0) as u64 as u32) as i32
}

fn arg(lua: &Lua, a: &MultiValue, n: usize, name: &str) -> mlua::Result<i32> {
    let v: Vec<Value> = a.iter().cloned().collect();
    Ok(tobit(check_number(lua, &v, n, name)?))
}

/// A function folding every argument with `op` (band, bor, bxor).
fn fold(lua: &Lua, name: &'static str, op: fn(i32, i32) -> i32) -> mlua::Result<mlua::Function> {
    lua.create_function(move |lua, a: MultiValue| {
        let mut acc = arg(lua, &a, 1, name)?;
        for i in 2..=a.len() {
            acc = op(acc, arg(lua, &a, i, name)?);
        }
        Ok(acc as f64)
    })
}

/// A shift or rotate: (x, n) with n taken modulo 32.
fn shift(lua: &Lua, name: &'static str, op: fn(u32, u32) -> u32) -> mlua::Result<mlua::Function> {
    lua.create_function(move |lua, a: MultiValue| {
        let x = arg(lua, &a, 1, name)? as u32;
        let n = (arg(lua, &a, 2, name)? as u32) & 31;
        Ok(op(x, n) as i32 as f64)
    })
}

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "tobit",
        lua.create_function(|lua, a: MultiValue| Ok(arg(lua, &a, 1, "tobit")? as f64))?,
    )?;
    t.raw_set(
        "bnot",
        lua.create_function(|lua, a: MultiValue| Ok(!arg(lua, &a, 1, "bnot")? as f64))?,
    )?;
    t.raw_set(
        "bswap",
        lua.create_function(
            |lua, a: MultiValue| Ok(arg(lua, &a, 1, "bswap")?.swap_bytes() as f64),
        )?,
    )?;
    t.raw_set(
        "tohex",
        lua.create_function(|lua, a: MultiValue| {
            let x = arg(lua, &a, 1, "tohex")? as u32;
            let mut n = if a.len() >= 2 && !matches!(a[1], Value::Nil) {
                arg(lua, &a, 2, "tohex")?
            } else {
                8
            };
            let upper = n < 0;
            if upper {
                n = n.wrapping_neg();
            }
            let n = n.clamp(1, 8) as usize;
            let digits = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            lua.create_string(&digits[8 - n..])
        })?,
    )?;
    t.raw_set("band", fold(lua, "band", |a, b| a & b)?)?;
    t.raw_set("bor", fold(lua, "bor", |a, b| a | b)?)?;
    t.raw_set("bxor", fold(lua, "bxor", |a, b| a ^ b)?)?;
    t.raw_set("lshift", shift(lua, "lshift", |x, n| x << n)?)?;
    t.raw_set("rshift", shift(lua, "rshift", |x, n| x >> n)?)?;
    t.raw_set(
        "arshift",
        shift(lua, "arshift", |x, n| ((x as i32) >> n) as u32)?,
    )?;
    t.raw_set("rol", shift(lua, "rol", |x, n| x.rotate_left(n))?)?;
    t.raw_set("ror", shift(lua, "ror", |x, n| x.rotate_right(n))?)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_bitop() {
        assert_eq!(tobit(4294967295.0), -1);
        assert_eq!(tobit(4294967296.0), 0);
        assert_eq!(tobit(-1.0), -1);
        assert_eq!(tobit(2147483648.0), i32::MIN);
        assert_eq!(tobit(1.5), 2);
        assert_eq!(tobit(2.5), 2);
    }
}
