//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE and PFDEBUG over sketches
//! kept in string values (layout in `types/hll.rs`).

use super::{Cmd, Ctx, flags::*};
use crate::error;
use crate::types::hll::{self, Corrupt};
use crate::types::{StrValue, Value};

pub static COMMANDS: &[Cmd] = &[
    Cmd::new("pfadd", -2, WRITE | DENYOOM | FAST, pfadd).keys(1, 1, 1),
    Cmd::new("pfcount", -2, READONLY | MAY_REPLICATE, pfcount).keys(1, -1, 1),
    Cmd::new("pfmerge", -2, WRITE | DENYOOM, pfmerge).keys(1, -1, 1),
    Cmd::new("pfdebug", 3, WRITE | DENYOOM | ADMIN, pfdebug).keys(2, 2, 1),
    Cmd::new("pfselftest", 1, ADMIN, pfselftest),
];

const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPT: &str = "INVALIDOBJ Corrupted HLL object detected";

fn sparse_max(ctx: &Ctx) -> usize {
    ctx.srv
        .config
        .get_int("hll-sparse-max-bytes")
        .map_or(3000, |v| v.clamp(0, usize::MAX as i128) as usize)
}

/// What a key holds, for the HLL commands.
enum Sketch {
    Missing,
    /// Present and valid.
    Found,
    /// Replied with an error already.
    Refused,
}

/// Looks `key` up for writing and runs `f` on its sketch bytes (created
/// empty when missing and `create`). Replies WRONGTYPE for anything that is
/// not a sketch.
fn with_sketch<R>(
    ctx: &mut Ctx,
    key: &[u8],
    create: bool,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> (Sketch, Option<R>) {
    let db = ctx.c.db;
    let ks = &mut ctx.srv.ks;
    // A read (PFCOUNT) of an expired key while the data set is held static
    // (a replica, a pause) finds nothing and deletes nothing.
    if !create && ks.expire_if_needed(db, key, ctx.now) {
        return (Sketch::Missing, None);
    }
    match ks.lookup_write(db, key, ctx.now) {
        None if !create => (Sketch::Missing, None),
        None => {
            let mut b = hll::new_sparse();
            let r = f(&mut b);
            ks.set(db, key, Value::Str(StrValue::Raw(b)), false);
            (Sketch::Missing, Some(r))
        }
        Some(Value::Str(s)) if s.with_bytes(hll::is_valid) => {
            (Sketch::Found, Some(f(s.make_raw())))
        }
        Some(Value::Str(_)) => {
            ctx.c.reply.error(NOT_HLL);
            (Sketch::Refused, None)
        }
        Some(_) => {
            ctx.c.reply.error(error::WRONGTYPE);
            (Sketch::Refused, None)
        }
    }
}

/// PFADD key [element ...]
fn pfadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let max = sparse_max(ctx);
    let key = argv[1];
    let dirty = ctx.srv.ks.dirty;
    let (state, r) = with_sketch(ctx, key, true, |b| {
        let mut changed = 0u64;
        for e in &argv[2..] {
            match hll::add(b, e, max) {
                Ok(true) => changed += 1,
                Ok(false) => {}
                Err(Corrupt) => return Err(Corrupt),
            }
        }
        if changed > 0 {
            hll::invalidate_cache(b);
        }
        Ok(changed)
    });
    let changed = match (state, r) {
        (Sketch::Refused, _) | (_, None) => return,
        (_, Some(Err(Corrupt))) => return ctx.c.reply.error(CORRUPT),
        // A new key counts as a change even with no elements.
        (Sketch::Missing, Some(Ok(n))) => n + 1,
        (Sketch::Found, Some(Ok(n))) => n,
    };
    if changed > 0 {
        super::bits::wrote(ctx, key, "pfadd", dirty, changed);
    }
    ctx.c.reply.int((changed > 0) as i64);
}

/// Reads the sketch at `key` into `max` (register-wise maximum): Ok(None)
/// when the key is missing, else whether it was dense; Err after replying.
fn merge_key(ctx: &mut Ctx, key: &[u8], max: &mut [u8]) -> Result<Option<bool>, ()> {
    let db = ctx.c.db;
    let out = match ctx.srv.ks.lookup_read(db, key, ctx.now) {
        None => return Ok(None),
        Some(Value::Str(s)) => s.with_bytes(|b| {
            if !hll::is_valid(b) {
                Err(NOT_HLL)
            } else {
                hll::merge_into(b, max).map_err(|_| CORRUPT)?;
                Ok(b[4] == hll::DENSE)
            }
        }),
        Some(_) => Err(error::WRONGTYPE),
    };
    match out {
        Ok(dense) => Ok(Some(dense)),
        Err(msg) => {
            ctx.c.reply.error(msg);
            Err(())
        }
    }
}

/// PFCOUNT key [key ...]: one key answers from (and refreshes) the cached
/// cardinality; several keys count their union.
fn pfcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 2 {
        let mut max = vec![0u8; hll::REGISTERS];
        for k in &argv[1..] {
            if merge_key(ctx, k, &mut max).is_err() {
                return;
            }
        }
        return ctx.c.reply.int(hll::count_registers(&max) as i64);
    }
    let key = argv[1];
    let (state, r) = with_sketch(ctx, key, false, |b| match hll::cached(b) {
        Some(c) => Ok((c, false)),
        None => {
            let c = hll::count(b)?;
            hll::set_cache(b, c);
            Ok((c, true))
        }
    });
    match (state, r) {
        (Sketch::Refused, _) => {}
        (_, None) => ctx.c.reply.int(0),
        (_, Some(Err(Corrupt))) => ctx.c.reply.error(CORRUPT),
        (_, Some(Ok((card, refreshed)))) => {
            if refreshed {
                let db = ctx.c.db;
                ctx.srv.ks.signal_modified(db, key);
            }
            ctx.c.reply.int(card as i64);
        }
    }
}

/// PFMERGE destkey [sourcekey ...]: the destination (itself one of the
/// inputs) ends up holding the union; dense when any input was dense.
fn pfmerge(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut max = vec![0u8; hll::REGISTERS];
    let mut any_dense = false;
    for k in &argv[1..] {
        match merge_key(ctx, k, &mut max) {
            Err(()) => return,
            Ok(dense) => any_dense |= dense == Some(true),
        }
    }
    let limit = sparse_max(ctx);
    let dest = argv[1];
    let dirty = ctx.srv.ks.dirty;
    let (state, r) = with_sketch(ctx, dest, true, |b| {
        if any_dense {
            hll::to_dense(b)?;
        }
        for (i, &v) in max.iter().enumerate() {
            if v != 0 {
                hll::set_register(b, i, v, limit)?;
            }
        }
        hll::invalidate_cache(b);
        Ok(())
    });
    match (state, r) {
        (Sketch::Refused, _) | (_, None) => {}
        (_, Some(Err(Corrupt))) => ctx.c.reply.error(CORRUPT),
        (_, Some(Ok(()))) => {
            super::bits::wrote(ctx, dest, "pfadd", dirty, 1);
            ctx.c.reply.ok();
        }
    }
}

/// PFDEBUG GETREG|ENCODING|TODENSE key: register values, the encoding
/// name, or a forced conversion to dense (for tests).
/// PFSELFTEST: the sketch code's self test (`hll::selftest`); +OK or the
/// first failed check. Takes about half a second, like Redis's.
fn pfselftest(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let seed = crate::server::now_ms() as u64 ^ u64::from(std::process::id()) << 32;
    match hll::selftest(sparse_max(ctx), seed, 10_000_000) {
        Ok(()) => ctx.c.reply.ok(),
        Err(e) => ctx.c.reply.error(&e),
    }
}

fn pfdebug(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = argv[1].to_ascii_lowercase();
    let key = argv[2];
    if !matches!(sub.as_slice(), b"getreg" | b"encoding" | b"todense") {
        let msg = format!(
            "ERR Unknown PFDEBUG subcommand '{}'",
            error::c_str_arg(argv[1])
        );
        return ctx.c.reply.error(&msg);
    }
    let db = ctx.c.db;
    if ctx.srv.ks.lookup_read(db, key, ctx.now).is_none() {
        return ctx.c.reply.error("ERR The specified key does not exist");
    }
    let (state, r) = with_sketch(ctx, key, false, |b| -> Result<_, Corrupt> {
        match sub.as_slice() {
            b"getreg" => {
                let was_sparse = b[4] == hll::SPARSE;
                hll::to_dense(b)?;
                Ok((Some(hll::registers(b)?), was_sparse))
            }
            b"todense" => {
                let was_sparse = b[4] == hll::SPARSE;
                hll::to_dense(b)?;
                Ok((None, was_sparse))
            }
            _ => Ok((None, b[4] == hll::SPARSE)),
        }
    });
    let (regs, sparse) = match (state, r) {
        (Sketch::Refused, _) | (_, None) => return,
        (_, Some(Err(Corrupt))) => return ctx.c.reply.error(CORRUPT),
        (_, Some(Ok(v))) => v,
    };
    // A conversion to dense is a change (it must reach the AOF).
    if sparse && sub.as_slice() != b"encoding" {
        ctx.srv.ks.dirty += 1;
    }
    let r = &mut ctx.c.reply;
    match sub.as_slice() {
        b"getreg" => {
            let regs = regs.unwrap_or_default();
            r.array(regs.len());
            for v in regs {
                r.int(v as i64);
            }
        }
        b"todense" => r.int(sparse as i64),
        _ => r.simple(if sparse { "sparse" } else { "dense" }),
    }
}
