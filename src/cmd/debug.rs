//! The DEBUG subcommands tests and client libraries lean on: DIGEST and
//! DIGEST-VALUE (dataset fingerprints), RELOAD (save, flush, load),
//! POPULATE (bulk test keys), PROTOCOL (one reply of each RESP3 type),
//! QUICKLIST-PACKED-THRESHOLD, LOG and ERROR. The DEBUG row, its gate and
//! the older subcommands (OBJECT, SLEEP, SET-ACTIVE-EXPIRE, PAUSE-CRON)
//! live in `server.rs`.

use super::Ctx;
use crate::db::Keyspace;
use crate::error;
use crate::persist::digest;
use crate::types::Value;
use crate::types::string::StrValue;
use tracing::warn;

/// DEBUG DIGEST: the dataset fingerprint as 40 hex digits.
pub fn digest(ctx: &mut Ctx) {
    let d = digest::dataset_digest(&ctx.srv.ks);
    ctx.c.reply.simple(&digest::hex(&d));
}

/// DEBUG DIGEST-VALUE key [key ...]: one fingerprint per key (zeros for a
/// missing key); no lazy expiry, like Redis.
pub fn digest_value(ctx: &mut Ctx, keys: &[&[u8]]) {
    ctx.c.reply.array(keys.len());
    for k in keys {
        let d = digest::key_value_digest(&ctx.srv.ks, ctx.c.db, k);
        ctx.c.reply.simple(&digest::hex(&d));
    }
}

/// DEBUG POPULATE count [prefix] [size]: adds `prefix:N` = `value:N` for N
/// in 0..count, skipping names that exist. With a size the value is exactly
/// that long: cut, or padded with zero bytes.
pub fn populate(ctx: &mut Ctx, args: &[&[u8]]) {
    let positive = |a: &[u8]| crate::util::num::parse_i64(a).filter(|v| *v >= 0);
    let Some(count) = positive(args[0]) else {
        return ctx.c.reply.error(error::NOT_POSITIVE);
    };
    let prefix = args.get(1).copied().unwrap_or(b"key");
    let size = match args.get(2) {
        None => 0,
        Some(a) => match positive(a) {
            Some(v) => v as usize,
            None => return ctx.c.reply.error(error::NOT_POSITIVE),
        },
    };
    if size > ctx.srv.config.proto_max_bulk_len as usize {
        return ctx.c.reply.error(error::NOT_POSITIVE);
    }
    // Test data, not a change to log (Redis does not propagate it).
    ctx.propagate_none();
    let db = ctx.c.db;
    let mut key = Vec::with_capacity(prefix.len() + 21);
    let mut val = Vec::with_capacity(size.max(26));
    for n in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.push(b':');
        key.extend_from_slice(n.to_string().as_bytes());
        if ctx.srv.ks.dbs[db].main.contains_key(&key) {
            continue;
        }
        val.clear();
        val.extend_from_slice(b"value:");
        val.extend_from_slice(n.to_string().as_bytes());
        if size > 0 {
            val.resize(size, 0);
        }
        ctx.srv
            .ks
            .set(db, &key, Value::Str(StrValue::from_bytes(&val)), false);
    }
    ctx.c.reply.ok();
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the RDB (unless NOSAVE),
/// reads it back into a fresh keyspace and, only once that worked, replaces
/// the data with it (NOFLUSH: adds to it; a key present on both sides is
/// then an error unless MERGE lets the file win). A failed load leaves the
/// data as it was.
pub fn reload(ctx: &mut Ctx, opts: &[&[u8]]) {
    let (mut merge, mut noflush, mut nosave) = (false, false, false);
    for o in opts {
        match o.to_ascii_lowercase().as_slice() {
            b"merge" => merge = true,
            b"noflush" => noflush = true,
            b"nosave" => nosave = true,
            _ => return ctx.c.reply.error(error::DEBUG_RELOAD_OPTIONS),
        }
    }
    // The reload re-reads what is already persisted: nothing to log.
    ctx.propagate_none();
    let path = crate::persist::rdb_path(&ctx.srv.config);
    if !nosave && !crate::persist::save_sync(ctx.srv) {
        return ctx.c.reply.error("ERR");
    }
    let mut fresh = Keyspace::new(ctx.srv.ks.dbs.len());
    let st = match crate::persist::load_into(ctx.srv, &path, &mut fresh) {
        Ok(st) => st,
        Err(e) => {
            warn!("DEBUG RELOAD: {e}");
            return ctx.c.reply.error(error::DEBUG_RELOAD_FAILED);
        }
    };
    if !noflush {
        // The function libraries are the file's too, as Redis empties
        // them with the data before loading.
        ctx.srv.scripts.flush_functions();
        if let Err(e) = crate::persist::install_functions(ctx.srv, &st) {
            warn!("DEBUG RELOAD: {e}");
            return ctx.c.reply.error(error::DEBUG_RELOAD_FAILED);
        }
    }
    let ks = &mut ctx.srv.ks;
    if !noflush {
        ks.flush_all();
        for (i, db) in fresh.dbs.into_iter().enumerate() {
            ks.dbs[i] = db;
        }
    } else {
        if !merge {
            let clash = fresh.dbs.iter().enumerate().find_map(|(i, db)| {
                db.main
                    .keys()
                    .find(|k| ks.dbs[i].main.contains_key(k))
                    .map(|k| k.to_vec())
            });
            if let Some(k) = clash {
                let msg = format!(
                    "ERR DEBUG RELOAD NOFLUSH found key '{}' both in memory and in the RDB file; use MERGE",
                    String::from_utf8_lossy(&k)
                );
                return ctx.c.reply.error(&msg);
            }
        }
        for (i, db) in fresh.dbs.iter_mut().enumerate() {
            let keys: Vec<Vec<u8>> = db.main.keys().map(|k| k.to_vec()).collect();
            for k in keys {
                let expire = fresh_expire(db, &k);
                if let Some(v) = db.main.remove(&k) {
                    ks.set_with_expire(i, &k, v, expire);
                }
            }
        }
    }
    warn!("DB reloaded by DEBUG RELOAD");
    ctx.c.reply.ok();
}

fn fresh_expire(db: &crate::db::Db, key: &[u8]) -> Option<i64> {
    db.expires.get(key).copied()
}

/// DEBUG QUICKLIST-PACKED-THRESHOLD size: list elements of at least `size`
/// (a memory amount such as `1b` or `10kb`; 0 restores the 1 GB default)
/// get a quicklist node of their own from now on.
pub fn packed_threshold(ctx: &mut Ctx, size: &[u8]) {
    match crate::config::parse::parse_memory(size) {
        Some(n) if crate::types::list::set_packed_threshold(n) => ctx.c.reply.ok(),
        _ => ctx.c.reply.error(error::DEBUG_PACKED_THRESHOLD),
    }
}

/// DEBUG PROTOCOL type: one reply of the named RESP3 type (its RESP2
/// rendering for RESP2 clients), for client library tests.
pub fn protocol(ctx: &mut Ctx, name: &[u8]) {
    let resp3 = ctx.c.reply.resp3;
    let r = &mut ctx.c.reply;
    match name.to_ascii_lowercase().as_slice() {
        b"string" => r.bulk(b"Hello World"),
        b"integer" => r.int(12345),
        // Redis's sample value, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        b"double" => r.double(3.141),
        b"bignum" => r.big_number(b"1234567999999999999999999999999999999"),
        b"null" => r.null(),
        b"array" | b"set" | b"map" => {
            let kind = name.to_ascii_lowercase();
            match kind.as_slice() {
                b"array" => r.array(3),
                b"set" => r.set(3),
                _ => r.map(3),
            }
            for i in 0..3 {
                r.int(i);
                if kind == b"map" {
                    r.boolean(i == 1);
                }
            }
        }
        b"attrib" => {
            r.attribute(1);
            if resp3 {
                r.bulk(b"key-popularity");
                r.array(2);
                r.bulk(b"key:123");
                r.int(90);
            }
            r.bulk(b"Some real reply following the attribute");
        }
        b"push" => {
            if !resp3 {
                return r.error(error::RESP2_NOT_SUPPORTED);
            }
            r.push(2);
            r.bulk(b"server-cpu-usage");
            r.int(42);
            r.bulk(b"Some real reply following the push reply");
        }
        b"verbatim" => r.verbatim(b"This is a verbatim\nstring", b"txt"),
        b"true" => r.boolean(true),
        b"false" => r.boolean(false),
        _ => r.error(error::DEBUG_PROTOCOL_TYPES),
    }
}

/// DEBUG AOF-FLUSH-SLEEP microseconds: every later write of a non-empty
/// AOF buffer sleeps first (C `atoi` parsing, as Redis: junk is 0).
pub fn aof_flush_sleep(ctx: &mut Ctx, arg: &[u8]) {
    // atoi: leading digits after an optional sign; a negative is no sleep.
    let t = arg.trim_ascii_start();
    let (neg, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let us = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0u64, |n, &d| {
            n.saturating_mul(10)
                .saturating_add(u64::from(d - b'0'))
                .min(i32::MAX as u64)
        });
    ctx.srv.aof.flush_sleep_us = if neg { 0 } else { us };
    ctx.c.reply.ok();
}

/// DEBUG REPLICATE command [arg ...] (`args` starts at the subcommand
/// name): the command goes into the replication stream as it is, in
/// whatever database the stream last selected; neither run here nor
/// written to the AOF (tests make replicas diverge with it).
pub fn replicate(ctx: &mut Ctx, args: &[&[u8]]) {
    match args.split_first() {
        Some((_, cmd)) if !cmd.is_empty() => {
            if ctx.srv.repl.feeding() {
                crate::server::repl::feed_alone(ctx.srv, cmd);
            }
            ctx.c.reply.ok();
        }
        _ => {
            let sub = args.first().copied().unwrap_or(b"replicate");
            ctx.c
                .reply
                .error(&error::unknown_subcommand_or_arity(sub, "debug"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::YesLocalNo;
    use crate::testing::Harness;

    fn harness(tag: &str) -> (Harness, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("ember-debug-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cfg = crate::config::Config::default();
        cfg.save.clear();
        cfg.dir = dir.to_string_lossy().into_owned();
        cfg.enable_debug_command = YesLocalNo::Yes;
        (Harness::with_config(cfg), dir)
    }

    #[test]
    fn reload_keeps_data_and_noflush_refuses_clashes_without_merge() {
        let (mut h, dir) = harness("reload");
        h.run(&["SET", "a", "1"]);
        h.run(&["HSET", "h", "f", "v"]);
        h.run(&["PEXPIRE", "a", "100000"]);
        let before = h.run(&["DEBUG", "DIGEST"]);
        assert_eq!(h.run(&["DEBUG", "RELOAD"]), "+OK\r\n");
        assert_eq!(h.run(&["DEBUG", "DIGEST"]), before);
        // The file still holds a=1; a clash is refused and changes nothing.
        h.run(&["SET", "a", "2"]);
        h.run(&["SET", "b", "3"]);
        let changed = h.run(&["DEBUG", "DIGEST"]);
        // Both a and h clash; whichever is found first is named.
        let err = h.run(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"]);
        assert!(
            err.starts_with("-ERR DEBUG RELOAD NOFLUSH found key '")
                && err.ends_with("' both in memory and in the RDB file; use MERGE\r\n"),
            "{err}"
        );
        assert_eq!(h.run(&["DEBUG", "DIGEST"]), changed);
        // MERGE lets the file win: a is 1 again, b stays.
        assert_eq!(
            h.run(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"]),
            "+OK\r\n"
        );
        assert_eq!(h.run(&["GET", "a"]), "$1\r\n1\r\n");
        assert_eq!(h.run(&["GET", "b"]), "$1\r\n3\r\n");
        assert!(h.run(&["PTTL", "a"]).starts_with(":9"));
        // A damaged file is refused and the data stays.
        std::fs::write(dir.join("dump.rdb"), b"REDIS0010garbage").unwrap();
        let now = h.run(&["DEBUG", "DIGEST"]);
        assert_eq!(
            h.run(&["DEBUG", "RELOAD", "NOSAVE"]),
            "-ERR Error trying to load the RDB dump, check server logs.\r\n"
        );
        assert_eq!(h.run(&["DEBUG", "DIGEST"]), now);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
