//! Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, DUMP, RESTORE (Redis
//! 7.2 replies).
//! The snapshot machinery lives in `crate::persist`.

use super::{Cmd, Ctx, flags::*};
use crate::db::evict;
use crate::error;
use crate::persist::{self, rdb};
use crate::util::num;

pub static COMMANDS: &[Cmd] = &[
    Cmd::new(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        save,
    ),
    Cmd::new("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, bgsave),
    Cmd::new(
        "bgrewriteaof",
        1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING,
        bgrewriteaof,
    ),
    Cmd::new("dump", 2, READONLY, dump).keys(1, 1, 1),
    Cmd::new("restore", -4, WRITE | DENYOOM, restore).keys(1, 1, 1),
    // What cluster migration sends; outside a cluster Redis runs it as RESTORE.
    Cmd::new("restore-asking", -4, WRITE | DENYOOM | ASKING, restore).keys(1, 1, 1),
];

/// True if the option word `arg` is `name` (lower case), compared the way
/// Redis compares option words: ASCII case-insensitive, up to the first NUL.
fn opt_is(arg: &[u8], name: &str) -> bool {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg[..end].eq_ignore_ascii_case(name.as_bytes())
}

/// SAVE
fn save(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.srv.persist.child.is_some() {
        return ctx.c.reply.error(error::BGSAVE_IN_PROGRESS);
    }
    ctx.srv.persist.rdb_saves += 1;
    if persist::save_sync(ctx.srv) {
        ctx.c.reply.ok();
    } else {
        ctx.c.reply.error(error::SAVE_FAILED);
    }
}

/// BGSAVE [SCHEDULE]
fn bgsave(ctx: &mut Ctx, argv: &[&[u8]]) {
    // SCHEDULE matters only while another kind of child (an AOF rewrite)
    // runs.
    let schedule = match argv {
        [_] => false,
        [_, a] if opt_is(a, "schedule") => true,
        _ => return ctx.c.reply.error(error::SYNTAX),
    };
    if ctx.srv.persist.child.is_some() {
        return ctx.c.reply.error(error::BGSAVE_IN_PROGRESS);
    }
    if ctx.srv.aof.child.is_some() {
        if !schedule {
            return ctx.c.reply.error(error::BGSAVE_AOF_REWRITING);
        }
        ctx.srv.persist.bgsave_scheduled = true;
        return ctx.c.reply.simple("Background saving scheduled");
    }
    // Inside EXEC Redis defers the fork to cron (as with SCHEDULE while
    // another child runs).
    if ctx.c.in_exec {
        ctx.srv.persist.bgsave_scheduled = true;
        return ctx.c.reply.simple("Background saving scheduled");
    }
    match persist::bgsave(ctx.srv) {
        Ok(_) => ctx.c.reply.simple("Background saving started"),
        Err(_) => ctx.c.reply.error(error::SAVE_FAILED),
    }
}

/// BGREWRITEAOF: rewrites the AOF in a forked child; scheduled when a
/// background save runs (or inside EXEC, as Redis defers the fork).
fn bgrewriteaof(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let srv = &mut *ctx.srv;
    if srv.aof.child.is_some() {
        return ctx.c.reply.error(error::AOF_REWRITE_IN_PROGRESS);
    }
    if srv.persist.child.is_some() || ctx.c.in_exec {
        srv.aof.rewrite_scheduled = true;
        return ctx
            .c
            .reply
            .simple("Background append only file rewriting scheduled");
    }
    match persist::aof::rewrite_background(srv) {
        Ok(_) => ctx
            .c
            .reply
            .simple("Background append only file rewriting started"),
        Err(_) => ctx.c.reply.error(error::AOF_REWRITE_FAILED),
    }
}

/// DUMP key
fn dump(ctx: &mut Ctx, argv: &[&[u8]]) {
    let compress = ctx.srv.config.get_bool("rdbcompression").unwrap_or(true);
    let fill = ctx.srv.config.list_max_listpack_size;
    let Some(v) = ctx.srv.ks.lookup_read(ctx.c.db, argv[1], ctx.now) else {
        return ctx.c.reply.null();
    };
    match rdb::dump_payload(v, compress, fill) {
        Ok(p) => ctx.c.reply.bulk(&p),
        Err(e) => ctx.c.reply.error(&format!("ERR {e}")),
    }
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
/// [FREQ frequency]
///
/// IDLETIME sets the key's access clock (ignored under an LFU policy) and
/// FREQ its LFU counter (ignored unless the policy is LFU), as in Redis.
fn restore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < argv.len() {
        let a = argv[j];
        let more = j + 1 < argv.len();
        if opt_is(a, "replace") {
            replace = true;
        } else if opt_is(a, "absttl") {
            absttl = true;
        } else if opt_is(a, "idletime") && more && freq.is_none() {
            let Some(v) = super::arg_i64(ctx, argv[j + 1]) else {
                return;
            };
            if v < 0 {
                return ctx.c.reply.error(error::RESTORE_INVALID_IDLETIME);
            }
            idle = Some(v);
            j += 1;
        } else if opt_is(a, "freq") && more && idle.is_none() {
            let Some(v) = super::arg_i64(ctx, argv[j + 1]) else {
                return;
            };
            if !(0..=255).contains(&v) {
                return ctx.c.reply.error(error::RESTORE_INVALID_FREQ);
            }
            freq = Some(v);
            j += 1;
        } else {
            return ctx.c.reply.error(error::SYNTAX);
        }
        j += 1;
    }
    let (db, key, now) = (ctx.c.db, argv[1], ctx.now);
    if !replace && ctx.srv.ks.lookup_write(db, key, now).is_some() {
        return ctx.c.reply.error(error::BUSYKEY);
    }
    let Some(mut ttl) = num::parse_i64(argv[2]) else {
        return ctx.c.reply.error(error::NOT_INTEGER);
    };
    if ttl < 0 {
        return ctx.c.reply.error(error::RESTORE_INVALID_TTL);
    }
    let Some(body) = rdb::verify_payload(argv[3], ctx.srv.persist.skip_checksum) else {
        return ctx.c.reply.error(error::DUMP_PAYLOAD_INVALID);
    };
    let lim = rdb::TypeLimits::from_config(&ctx.srv.config);
    let val = match rdb::restore_value(body, &lim) {
        Ok(v) => v,
        Err(e) => {
            // Logged as Redis logs a payload that fails its checks.
            tracing::warn!(
                "Internal error in RDB reading offset {}: payload integrity check failed: {}",
                e.offset,
                e.msg
            );
            return ctx.c.reply.error(error::BAD_DATA_FORMAT);
        }
    };
    // Remove the old value without counting a change: the restore counts
    // as one, as in Redis.
    let deleted = if replace {
        let d = &mut ctx.srv.ks.dbs[db];
        d.expires.remove(key);
        d.main.remove(key).is_some()
    } else {
        false
    };
    if ttl != 0 && !absttl {
        // Redis adds without an overflow check: a TTL that wraps ends up in
        // the past and the key is not created.
        ttl = ttl.wrapping_add(now);
    }
    if ttl != 0 && ttl <= now && !ctx.srv.ks.loading {
        if deleted {
            ctx.srv.ks.signal_modified(db, key);
            ctx.srv
                .ks
                .notify(crate::db::notify::GENERIC, "del", db, key);
            ctx.propagate_as(&[b"DEL", key]);
        }
        return ctx.c.reply.ok();
    }
    // A relative TTL replays as the absolute time it meant (Redis: the
    // ttl argument rewritten, ABSTTL added).
    if ttl != 0 && !absttl {
        let abs = ttl.to_string();
        let mut form: Vec<&[u8]> = argv.to_vec();
        form[2] = abs.as_bytes();
        form.push(b"ABSTTL");
        ctx.propagate_as(&form);
    }
    ctx.srv
        .ks
        .set_with_expire(db, key, val, (ttl != 0).then_some(ttl));
    let cfg = ctx.srv.ks.evict;
    let meta = match (idle, freq) {
        (Some(secs), _) => evict::meta_with_idle(&cfg, secs as u64, now),
        (_, Some(f)) => evict::meta_with_freq(&cfg, f as u8, now),
        _ => None,
    };
    if let Some(meta) = meta {
        ctx.srv.ks.set_key_meta(db, key, meta);
    }
    ctx.srv
        .ks
        .notify(crate::db::notify::GENERIC, "restore", db, key);
    ctx.c.reply.ok();
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    fn harness_in_tmp() -> (Harness, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "ember-persist-cmd-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cfg = crate::config::Config::default();
        cfg.dir = dir.to_string_lossy().into_owned();
        (Harness::with_config(cfg), dir)
    }

    fn dump(h: &mut Harness, key: &str) -> Vec<u8> {
        let r = h.run_bytes(&[b"DUMP", key.as_bytes()]);
        // $<len>\r\n<payload>\r\n
        let nl = r.iter().position(|&b| b == b'\n').unwrap();
        r[nl + 1..r.len() - 2].to_vec()
    }

    fn restore(h: &mut Harness, args: &[&[u8]]) -> String {
        let mut argv: Vec<&[u8]> = vec![b"RESTORE"];
        argv.extend_from_slice(args);
        String::from_utf8_lossy(&h.run_bytes(&argv)).into_owned()
    }

    /// DUMP payloads below were taken from Redis 7.0 (`DUMP k` after
    /// `SET k hello` and `RPUSH l a 1 -2 300`).
    const REDIS_STR: &[u8] = b"\x00\x05hello\x0a\x00\x63\x72\xdf\x76\x65\x34\x20\x0a";
    const REDIS_LIST: &[u8] = b"\x12\x01\x02\x12\x12\x00\x00\x00\x04\x00\x81a\x02\x01\x01\xdf\xfe\x02\xc1,\x02\xff\x0a\x00\x8c\x93Ch\x03\xc9)\xd8";

    #[test]
    fn dump_matches_redis_bytes() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "hello"]);
        assert_eq!(dump(&mut h, "k"), REDIS_STR);
        h.run(&["RPUSH", "l", "a", "1", "-2", "300"]);
        assert_eq!(dump(&mut h, "l"), REDIS_LIST);
        assert_eq!(h.run(&["DUMP", "nokey"]), "$-1\r\n");
    }

    #[test]
    fn restore_redis_payloads() {
        let mut h = Harness::new();
        assert_eq!(restore(&mut h, &[b"s", b"0", REDIS_STR]), "+OK\r\n");
        assert_eq!(h.run(&["GET", "s"]), "$5\r\nhello\r\n");
        assert_eq!(restore(&mut h, &[b"l", b"0", REDIS_LIST]), "+OK\r\n");
        assert_eq!(
            h.run(&["LRANGE", "l", "0", "-1"]),
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\n-2\r\n$3\r\n300\r\n"
        );
    }

    #[test]
    fn restore_asking_is_restore_outside_a_cluster() {
        let mut h = Harness::new();
        let ok = h.run_bytes(&[b"RESTORE-ASKING", b"s", b"0", REDIS_STR]);
        assert_eq!(ok, b"+OK\r\n");
        assert_eq!(h.run(&["GET", "s"]), "$5\r\nhello\r\n");
        let busy = h.run_bytes(&[b"restore-asking", b"s", b"0", REDIS_STR]);
        assert_eq!(busy, b"-BUSYKEY Target key name already exists.\r\n");
    }

    #[test]
    fn restore_errors_as_redis() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let p = REDIS_STR;
        let cases: &[(&[&[u8]], &str)] = &[
            (
                &[b"k", b"0", p],
                "-BUSYKEY Target key name already exists.\r\n",
            ),
            // BUSYKEY is checked before the TTL and the payload.
            (
                &[b"k", b"-1", b"junk"],
                "-BUSYKEY Target key name already exists.\r\n",
            ),
            (
                &[b"n", b"-1", p],
                "-ERR Invalid TTL value, must be >= 0\r\n",
            ),
            (
                &[b"n", b"abc", p],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &[b"n", b"0", b"xx"],
                "-ERR DUMP payload version or checksum are wrong\r\n",
            ),
            (
                &[b"n", b"0", &p[..p.len() - 1]],
                "-ERR DUMP payload version or checksum are wrong\r\n",
            ),
            (
                &[b"n", b"0", p, b"IDLETIME", b"-1"],
                "-ERR Invalid IDLETIME value, must be >= 0\r\n",
            ),
            (
                &[b"n", b"0", p, b"FREQ", b"256"],
                "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n",
            ),
            (
                &[b"n", b"0", p, b"FREQ", b"-1"],
                "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n",
            ),
            (
                &[b"n", b"0", p, b"IDLETIME", b"1", b"FREQ", b"5"],
                "-ERR syntax error\r\n",
            ),
            (
                &[b"n", b"0", p, b"FREQ", b"1", b"IDLETIME", b"5"],
                "-ERR syntax error\r\n",
            ),
            (&[b"n", b"0", p, b"BLAH"], "-ERR syntax error\r\n"),
            (&[b"n", b"0", p, b"IDLETIME"], "-ERR syntax error\r\n"),
            (
                &[b"n", b"0", p, b"IDLETIME", b"x"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &[b"n", b"0", p, b"FREQ", b"x"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            // Version 12 is newer than we read.
            (
                &[
                    b"n",
                    b"0",
                    b"\x00\x01a\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                ],
                "-ERR DUMP payload version or checksum are wrong\r\n",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(restore(&mut h, args), *want, "{args:?}");
        }
        assert_eq!(h.run(&["EXISTS", "n"]), ":0\r\n");
        assert_eq!(
            h.run(&["RESTORE", "n"]),
            "-ERR wrong number of arguments for 'restore' command\r\n"
        );
    }

    #[test]
    fn restore_bad_data_format() {
        // A valid footer around a value of an unknown type.
        let mut body = vec![0x63u8, 0x01, b'x'];
        body.extend_from_slice(&10u16.to_le_bytes());
        let crc = crate::persist::rdb::crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        let mut h = Harness::new();
        assert_eq!(
            restore(&mut h, &[b"n", b"0", &body]),
            "-ERR Bad data format\r\n"
        );
        // A string whose length runs past the payload.
        let mut body = vec![0x00u8, 0x3F, b'x'];
        body.extend_from_slice(&10u16.to_le_bytes());
        let crc = crate::persist::rdb::crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(
            restore(&mut h, &[b"n", b"0", &body]),
            "-ERR Bad data format\r\n"
        );
        assert_eq!(h.srv.ks.dirty, 0);
    }

    #[test]
    fn restore_ttl_replace_absttl() {
        let mut h = Harness::new();
        h.now = Some(1_000_000);
        let p = REDIS_STR;
        assert_eq!(restore(&mut h, &[b"a", b"5000", p]), "+OK\r\n");
        assert_eq!(h.run(&["PTTL", "a"]), ":5000\r\n");
        assert_eq!(
            restore(&mut h, &[b"a", b"0", p, b"replace", b"absttl"]),
            "+OK\r\n"
        );
        assert_eq!(h.run(&["PTTL", "a"]), ":-1\r\n");
        assert_eq!(
            restore(&mut h, &[b"b", b"2000000", p, b"ABSTTL"]),
            "+OK\r\n"
        );
        assert_eq!(h.run(&["PTTL", "b"]), ":1000000\r\n");
        // Already expired: OK, nothing created; with REPLACE the old key goes.
        assert_eq!(restore(&mut h, &[b"c", b"1", p, b"ABSTTL"]), "+OK\r\n");
        assert_eq!(h.run(&["EXISTS", "c"]), ":0\r\n");
        let dirty = h.srv.ks.dirty;
        assert_eq!(
            restore(&mut h, &[b"a", b"1", p, b"ABSTTL", b"REPLACE"]),
            "+OK\r\n"
        );
        assert_eq!(h.run(&["EXISTS", "a"]), ":0\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 1);
        // A relative TTL that overflows wraps into the past (as in Redis).
        assert_eq!(
            restore(&mut h, &[b"d", b"9223372036854775807", p]),
            "+OK\r\n"
        );
        assert_eq!(h.run(&["EXISTS", "d"]), ":0\r\n");
        // IDLETIME may repeat; options are case-insensitive.
        assert_eq!(
            restore(
                &mut h,
                &[b"e", b"0", p, b"idletime", b"5", b"IdleTime", b"7"]
            ),
            "+OK\r\n"
        );
        assert_eq!(
            restore(&mut h, &[b"f", b"0", p, b"FREQ", b"255"]),
            "+OK\r\n"
        );
        let dirty = h.srv.ks.dirty;
        assert_eq!(restore(&mut h, &[b"f", b"0", p, b"REPLACE"]), "+OK\r\n");
        assert_eq!(h.srv.ks.dirty, dirty + 1);
    }

    #[test]
    fn dump_restore_round_trip_strings() {
        let mut h = Harness::new();
        let long: String = "abcdefghij".repeat(50);
        for (k, v) in [
            ("i8", "-12"),
            ("i16", "3000"),
            ("i32", "-2000000000"),
            ("i64", "9223372036854775807"),
            ("notint", "0012"),
            ("empty", ""),
            ("long", long.as_str()),
        ] {
            h.run(&["SET", k, v]);
            let p = dump(&mut h, k);
            let nk = format!("{k}-copy");
            assert_eq!(restore(&mut h, &[nk.as_bytes(), b"0", &p]), "+OK\r\n");
            assert_eq!(h.run(&["GET", &nk]), h.run(&["GET", k]), "{k}");
        }
        // The long value is LZF-compressed (and smaller than the string).
        assert!(dump(&mut h, "long").len() < 100);
        h.run(&["CONFIG", "SET", "rdbcompression", "no"]);
        assert!(dump(&mut h, "long").len() > 500);
    }

    #[test]
    fn save_and_bgsave_replies() {
        let (mut h, dir) = harness_in_tmp();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.srv.ks.dirty, 1);
        assert_eq!(h.run(&["SAVE"]), "+OK\r\n");
        assert_eq!(h.srv.ks.dirty, 0);
        assert_eq!(h.srv.persist.rdb_saves, 1);
        assert!(dir.join("dump.rdb").is_file());
        assert_eq!(h.run(&["BGSAVE", "x"]), "-ERR syntax error\r\n");
        assert_eq!(h.run(&["BGSAVE", "SCHEDULE", "x"]), "-ERR syntax error\r\n");
        // A failing save: the target name is taken by a directory.
        std::fs::remove_file(dir.join("dump.rdb")).unwrap();
        std::fs::create_dir(dir.join("dump.rdb")).unwrap();
        assert_eq!(h.run(&["SAVE"]), "-ERR\r\n");
        // No temp file is left behind.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
        // SAVE while a (pretend) child runs.
        h.srv.persist.child = Some(crate::persist::ChildInfo {
            pid: i32::MAX,
            start_unix: 0,
            started: std::time::Instant::now(),
        });
        assert_eq!(
            h.run(&["SAVE"]),
            "-ERR Background save already in progress\r\n"
        );
        assert_eq!(
            h.run(&["BGSAVE"]),
            "-ERR Background save already in progress\r\n"
        );
        assert_eq!(
            h.run(&["BGSAVE", "SCHEDULE"]),
            "-ERR Background save already in progress\r\n"
        );
        h.srv.persist.child = None;
        // Inside MULTI: SAVE is refused, BGSAVE is scheduled.
        assert_eq!(h.run(&["MULTI"]), "+OK\r\n");
        assert_eq!(
            h.run(&["SAVE"]),
            "-ERR Command not allowed inside a transaction\r\n"
        );
        assert_eq!(h.run(&["DISCARD"]), "+OK\r\n");
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["BGSAVE"]), "+QUEUED\r\n");
        assert_eq!(h.run(&["EXEC"]), "*1\r\n+Background saving scheduled\r\n");
        assert!(h.srv.persist.bgsave_scheduled);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
