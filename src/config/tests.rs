//! Unit tests for the configuration module; every error text here was checked against a real
//! redis-server 7.0 (only the version in the banner and the 7.2 `nothing` log level differ).

use super::registry::{DIRECTIVES, FILE_ONLY, INERT};
use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

const BAD: &str = "Bad directive or wrong number of arguments";

fn banner_error(line: usize, text: &str, reason: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{reason}"
    )
}

fn load(text: &str) -> Result<Config, ConfigError> {
    let mut c = Config::default();
    c.load_str(text, "test")?;
    Ok(c)
}

fn get1(c: &Config, name: &str) -> String {
    let r = c.get(&[name.as_bytes()]);
    assert_eq!(r.len(), 1, "{name}: {r:?}");
    r[0].1.clone()
}

fn set(c: &mut Config, pairs: &[(&str, &str)]) -> Result<Vec<&'static str>, String> {
    let p: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(a, b)| (a.as_bytes(), b.as_bytes()))
        .collect();
    c.set(&p, false)
}

fn tmpdir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "ember-config-test-{}-{}-{}",
        std::process::id(),
        tag,
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn from_args(a: &[&str]) -> Result<Config, ConfigError> {
    Config::from_args_with_stdin(&args(a), &mut || Ok(Vec::new()))
}

// ------------------------------------------------------------------------------------------------
// Registry and defaults
// ------------------------------------------------------------------------------------------------

#[test]
fn registry_names_are_unique_lowercase_and_defaults_parse() {
    let mut names: Vec<&str> = Vec::new();
    let c = Config::default();
    for (idx, row) in DIRECTIVES.iter().enumerate() {
        for n in std::iter::once(row.name).chain(row.aliases.iter().copied()) {
            assert_eq!(n, n.to_ascii_lowercase());
            assert!(!names.contains(&n), "duplicate {n}");
            names.push(n);
        }
        if row.name != "dir" {
            assert!(
                c.default_value(idx).is_some(),
                "default of {} parses",
                row.name
            );
        }
        assert!(!row.doc.is_empty());
    }
}

#[test]
fn defaults_match_redis_7_0() {
    let fixture = include_str!("testdata/redis70_defaults.tsv");
    let c = Config::default();
    let mut count = 0;
    for line in fixture.lines() {
        let (name, value) = line.split_once('\t').unwrap_or((line, ""));
        assert_eq!(get1(&c, name), value, "default of {name}");
        count += 1;
    }
    assert_eq!(count, 191);
    // Everything CONFIG GET * returns is either in Redis 7.0's list or a known 7.2 addition.
    let redis: Vec<&str> = fixture
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    let extra: Vec<String> = c
        .get(&[b"*"])
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n != "dir" && !redis.contains(&n.as_str()))
        .collect();
    assert_eq!(
        extra,
        [
            "locale-collate",
            "cluster-announce-human-nodename",
            "set-max-listpack-entries",
            "set-max-listpack-value",
            // ember's own.
            "event-loop-coalesce-us"
        ]
    );
}

#[test]
fn typed_defaults() {
    let c = Config::default();
    assert_eq!(c.port, 6379);
    assert_eq!(c.bind, ["*", "-::*"]);
    assert_eq!(c.unixsocket, "");
    assert_eq!(c.unixsocketperm, 0);
    assert_eq!(c.tcp_backlog, 511);
    assert_eq!(c.tcp_keepalive, 300);
    assert_eq!(c.maxclients, 10000);
    assert_eq!(c.timeout, 0);
    assert_eq!(c.hz, 10);
    assert_eq!(c.databases, 16);
    assert_eq!(c.requirepass, None);
    assert_eq!(
        c.dir,
        std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    assert_eq!(c.dbfilename, "dump.rdb");
    assert_eq!(c.enable_debug_command, YesLocalNo::No);
    assert_eq!(c.enable_module_command, YesLocalNo::No);
    assert_eq!(c.enable_protected_configs, YesLocalNo::No);
    assert_eq!(c.loglevel, LogLevel::Notice);
    assert_eq!(c.logfile, "");
    assert_eq!(c.proto_max_bulk_len, 512 << 20);
    assert_eq!(c.client_query_buffer_limit, 1 << 30);
    assert_eq!(c.save, [(3600, 1), (300, 100), (60, 10000)]);
    assert!(!c.appendonly);
    assert!(c.protected_mode);
    assert!(!c.daemonize);
    assert_eq!(c.pidfile, "");
    assert_eq!(c.maxmemory, 0);
    assert_eq!(c.maxmemory_policy, "noeviction");
    assert_eq!(c.config_file, None);
    assert_eq!(get1(&c, "dir"), c.dir);
}

#[test]
fn docs_list_every_directive() {
    let docs = include_str!("../../docs/config.md");
    let example = include_str!("../../redis.conf.example");
    for row in DIRECTIVES {
        assert!(
            docs.contains(&format!("`{}`", row.name)),
            "docs: {}",
            row.name
        );
        assert!(
            example.contains(&format!("\n# {} ", row.name))
                || example.contains(&format!("\n{} ", row.name)),
            "example: {}",
            row.name
        );
        if row.has(INERT) {
            let line = docs
                .lines()
                .find(|l| l.starts_with(&format!("| `{}`", row.name)))
                .unwrap_or("");
            assert!(
                line.contains("accepted only"),
                "docs mark {} inert",
                row.name
            );
        }
    }
    for (name, ..) in FILE_ONLY {
        assert!(docs.contains(&format!("`{name}`")), "docs: {name}");
        assert!(example.contains(&format!("\n# {name} ")), "example: {name}");
    }
}

// ------------------------------------------------------------------------------------------------
// Parsing files
// ------------------------------------------------------------------------------------------------

#[test]
fn quoting_and_escapes_in_lines() {
    let c = load(
        "requirepass \"a\\x41\\tb\\\"\"\n\
         masteruser 'it\\'s'\n\
         # comment\n\
         \n\
         \t  \r\n\
         PORT 7000\r\n\
         \"dbfilename\" 'x y.rdb'\n",
    )
    .expect("loads");
    assert_eq!(c.requirepass.as_deref(), Some(&b"aA\tb\""[..]));
    assert_eq!(get1(&c, "masteruser"), "it's");
    assert_eq!(c.port, 7000);
    assert_eq!(c.dbfilename, "x y.rdb");
}

#[test]
fn memory_units_in_files() {
    let c = load(
        "maxmemory 1gb\nproto-max-bulk-len 2MB\nclient-query-buffer-limit 1500k\nrepl-backlog-size 10B",
    )
    .expect("loads");
    assert_eq!(c.maxmemory, 1 << 30);
    assert_eq!(c.proto_max_bulk_len, 2 << 20);
    assert_eq!(c.client_query_buffer_limit, 1_500_000);
    assert_eq!(get1(&c, "repl-backlog-size"), "10");
    let c = load("maxmemory 1G\nmaxmemory-clients 5%").expect("loads");
    assert_eq!(c.maxmemory, 1_000_000_000);
    assert_eq!(get1(&c, "maxmemory-clients"), "5%");
    assert_eq!(c.get_int("maxmemory-clients"), Some(-5));
}

#[test]
fn save_lines_accumulate_and_reset() {
    let c = load("save 100 1\n# x\nsave 200 2").expect("loads");
    assert_eq!(c.save, [(100, 1), (200, 2)]);
    assert_eq!(get1(&c, "save"), "100 1 200 2");
    let c = load("save 100 1\nsave \"\"\nsave 200 2").expect("loads");
    assert_eq!(c.save, [(200, 2)]);
    let c = load("save \"\"").expect("loads");
    assert!(c.save.is_empty());
    assert_eq!(get1(&c, "save"), "");
    let c = load("save").expect("loads");
    assert!(c.save.is_empty());
    let c = load("save 3600 1 300 100").expect("loads");
    assert_eq!(c.save, [(3600, 1), (300, 100)]);
    let c = load("save \"100 1  200 2\"").expect("loads");
    assert_eq!(c.save, [(100, 1), (200, 2)]);
    // Accumulation spans separate loads of the same configuration, as in Redis.
    let mut c = load("save 10 1").expect("loads");
    c.load_str("save 20 2", "second").expect("loads");
    assert_eq!(c.save, [(10, 1), (20, 2)]);
}

#[test]
fn multi_arg_directives() {
    let c = load(
        "bind 127.0.0.1 -::1\n\
         client-output-buffer-limit normal 0 0 0\n\
         client-output-buffer-limit replica 256mb 64mb 60\n\
         client-output-buffer-limit pubsub 1mb 2k 3\n\
         oom-score-adj-values 0 200 800\n\
         latency-tracking-info-percentiles 1.50 99.999 0 100 1e1\n\
         shutdown-on-sigint save now\n\
         replicaof 10.0.0.1 6380\n\
         rename-command CONFIG \"\"\n\
         rename-command flushall zap\n\
         user alice on >pw ~* +@all\n\
         loadmodule /x/y.so a b\n",
    )
    .expect("loads");
    assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
    assert_eq!(get1(&c, "bind"), "127.0.0.1 -::1");
    assert_eq!(
        get1(&c, "client-output-buffer-limit"),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 3"
    );
    assert_eq!(
        get1(&c, "latency-tracking-info-percentiles"),
        "1.5 99.999 0 100 10"
    );
    assert_eq!(get1(&c, "shutdown-on-sigint"), "save now");
    assert_eq!(get1(&c, "replicaof"), "10.0.0.1 6380");
    assert_eq!(get1(&c, "slaveof"), "10.0.0.1 6380");
    assert_eq!(c.rename_commands.len(), 2);
    assert_eq!(c.rename_commands[0].from, "config");
    assert_eq!(c.rename_commands[0].to, "");
    assert_eq!(c.rename_commands[1].to, "zap");
    assert_eq!(c.users, [vec!["alice", "on", ">pw", "~*", "+@all"]]);
    assert_eq!(c.loadmodules, [vec!["/x/y.so", "a", "b"]]);
    let c = load("bind").expect("loads");
    assert!(c.bind.is_empty());
    let c = load("replicaof no one\nlatency-tracking-info-percentiles").expect("loads");
    assert_eq!(get1(&c, "replicaof"), "");
    assert_eq!(get1(&c, "latency-tracking-info-percentiles"), "");
}

#[test]
fn lines_redis_accepts() {
    let d = tmpdir("accept");
    let dir_line = format!("dir {}", d.display());
    for text in [
        "hz 0",
        "hz 1000",
        "port 1\nport 2",
        "list-max-ziplist-entries 512",
        "list-max-ziplist-value 64",
        "lua-replicate-commands yes",
        "user bob on >x",
        "PORT 7",
        "unixsocketperm 0777",
        "unixsocketperm \"\"",
        "unixsocketperm \" 7\"",
        "client-output-buffer-limit",
        "rename-command get \"\"",
        "client-output-buffer-limit normal 1 2 3 normal 4 5 6",
        "client-output-buffer-limit slave 1 2 3",
        "client-output-buffer-limit NORMAL 1 1 1",
        "requirepass \"\"",
        "\"port\" 0",
        "cluster-announce-hostname \"\"",
        "cluster-announce-hostname \"A-b.9\"",
        "proc-title-template \"{{title}}\"",
        "proc-title-template \"}\"",
        "proc-title-template \"{port}{tls-port}{unixsocket}{config-file}{title}{listen-addr}{server-mode} x\"",
        "appendfilename \".\"",
        "appenddirname \"..\"",
        "dbfilename \"\"",
        "latency-tracking-info-percentiles \" 5\"",
        "maxmemory 20000000000gb",
        "maxmemory 10kB",
        "replicaof 127.0.0.1 \" 5\"",
        "replicaof 127.0.0.1 0",
        "replicaof 127.0.0.1 -0",
        "oom-score-adj-values 1 2 \" 3\"",
        "notify-keyspace-events \"\"",
        "enable-debug-command local",
        "loglevel nothing",
        "activedefrag yes",
        &dir_line,
    ] {
        assert!(load(text).is_ok(), "{text}: {:?}", load(text).err());
    }
    assert_eq!(load("hz 0").map(|c| c.hz).ok(), Some(1));
    assert_eq!(load("hz 1000").map(|c| c.hz).ok(), Some(500));
    assert_eq!(
        load("hz 1000").map(|c| get1(&c, "hz")).ok(),
        Some("500".into())
    );
    assert_eq!(
        load("unixsocketperm 0777").map(|c| c.unixsocketperm).ok(),
        Some(0o777)
    );
    assert_eq!(
        load("unixsocketperm 700")
            .map(|c| get1(&c, "unixsocketperm"))
            .ok(),
        Some("700".into())
    );
}

#[test]
fn every_file_error_text() {
    let enum_policies = "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction";
    let int_err = "argument couldn't be parsed into an integer";
    let mem_err = "argument must be a memory value";
    let save_err = "Invalid save parameters";
    let quotes = "Unbalanced quotes in configuration line";
    let cobl_class = "Invalid client class specified in buffer limit configuration.";
    let cobl_num = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    let oom = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
    let title = "template format is invalid or contains unknown variables";
    let host = "Hostnames may only contain alphanumeric characters, hyphens or dots";
    let pct_parse = "Invalid latency-tracking-info-percentiles parameters";
    let seventeen = "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17";
    let cases: &[(&str, usize, &str, &str)] = &[
        ("port 6380\nfoo bar", 2, "foo bar", BAD),
        ("port abc", 1, "port abc", int_err),
        ("   port    \"abc\"   ", 1, "port    \"abc\"", int_err),
        ("port \"\"", 1, "port \"\"", int_err),
        ("port \"\\x300\"", 1, "port \"\\x300\"", int_err),
        ("hz abc", 1, "hz abc", int_err),
        ("databases abc", 1, "databases abc", int_err),
        ("maxmemory 10zz", 1, "maxmemory 10zz", mem_err),
        ("maxmemory -1", 1, "maxmemory -1", mem_err),
        (
            "hz -5",
            1,
            "hz -5",
            "argument must be between 0 and 2147483647 inclusive",
        ),
        (
            "hz 9999999999",
            1,
            "hz 9999999999",
            "argument must be between 0 and 2147483647 inclusive",
        ),
        ("save 3600", 1, "save 3600", save_err),
        ("save abc 1", 1, "save abc 1", save_err),
        ("save 3600 -1", 1, "save 3600 -1", save_err),
        ("save \"\" 1", 1, "save \"\" 1", save_err),
        ("dir \"abc", 1, "dir \"abc", quotes),
        ("dir \"abc\"x", 1, "dir \"abc\"x", quotes),
        ("dir 'abc'x", 1, "dir 'abc'x", quotes),
        ("dir 'ab\\'c", 1, "dir 'ab\\'c", quotes),
        (
            "appendonly maybe",
            1,
            "appendonly maybe",
            "argument must be 'yes' or 'no'",
        ),
        (
            "appendonly \"\"",
            1,
            "appendonly \"\"",
            "argument must be 'yes' or 'no'",
        ),
        ("appendonly", 1, "appendonly", "wrong number of arguments"),
        (
            "maxmemory-policy foo",
            1,
            "maxmemory-policy foo",
            enum_policies,
        ),
        ("rename-command foo", 1, "rename-command foo", BAD),
        ("rename-command", 1, "rename-command", BAD),
        (
            "databases 0",
            1,
            "databases 0",
            "argument must be between 1 and 2147483647 inclusive",
        ),
        (
            "dir /nonexistent-ember-dir",
            1,
            "dir /nonexistent-ember-dir",
            "No such file or directory",
        ),
        (
            "client-output-buffer-limit foo 0 0 0",
            1,
            "client-output-buffer-limit foo 0 0 0",
            cobl_class,
        ),
        (
            "client-output-buffer-limit master 1 2 3",
            1,
            "client-output-buffer-limit master 1 2 3",
            cobl_class,
        ),
        (
            "client-output-buffer-limit normal 0 0",
            1,
            "client-output-buffer-limit normal 0 0",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        (
            "client-output-buffer-limit normal 0 0 0 pubsub 1 1",
            1,
            "client-output-buffer-limit normal 0 0 0 pubsub 1 1",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        (
            "client-output-buffer-limit normal 1x 0 0",
            1,
            "client-output-buffer-limit normal 1x 0 0",
            cobl_num,
        ),
        (
            "client-output-buffer-limit normal 1 2 -3",
            1,
            "client-output-buffer-limit normal 1 2 -3",
            cobl_num,
        ),
        (
            "client-output-buffer-limit normal -1 2 3",
            1,
            "client-output-buffer-limit normal -1 2 3",
            cobl_num,
        ),
        (
            "client-output-buffer-limit normal 1 1 abc",
            1,
            "client-output-buffer-limit normal 1 1 abc",
            cobl_num,
        ),
        (
            "port 70000",
            1,
            "port 70000",
            "argument must be between 0 and 65535 inclusive",
        ),
        (
            "port -1",
            1,
            "port -1",
            "argument must be between 0 and 65535 inclusive",
        ),
        ("port 7 8", 1, "port 7 8", "wrong number of arguments"),
        (
            "port 1 # comment",
            1,
            "port 1 # comment",
            "wrong number of arguments",
        ),
        ("po\\x72t 0", 1, "po\\x72t 0", BAD),
        (
            "loglevel foo",
            1,
            "loglevel foo",
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
        ),
        (
            "loglevel \"\"",
            1,
            "loglevel \"\"",
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
        ),
        ("slaveof 1", 1, "slaveof 1", "wrong number of arguments"),
        ("replicaof", 1, "replicaof", "wrong number of arguments"),
        (
            "replicaof 127.0.0.1 abc",
            1,
            "replicaof 127.0.0.1 abc",
            "Invalid master port",
        ),
        (
            "replicaof 127.0.0.1 70000",
            1,
            "replicaof 127.0.0.1 70000",
            "Invalid master port",
        ),
        (
            "tcp-backlog -1",
            1,
            "tcp-backlog -1",
            "argument must be between 0 and 2147483647 inclusive",
        ),
        (
            "unixsocketperm 999",
            1,
            "unixsocketperm 999",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm abc",
            1,
            "unixsocketperm abc",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm 1777",
            1,
            "unixsocketperm 1777",
            "argument must be between 0 and 777 inclusive",
        ),
        (
            "unixsocketperm -1",
            1,
            "unixsocketperm -1",
            "argument must be between 0 and 777 inclusive",
        ),
        (
            "sentinel foo",
            1,
            "sentinel foo",
            "sentinel directive while not in sentinel mode",
        ),
        ("user", 1, "user", BAD),
        ("include", 1, "include", BAD),
        ("include a b", 1, "include a b", BAD),
        ("loadmodule", 1, "loadmodule", BAD),
        ("lua-replicate-commands", 1, "lua-replicate-commands", BAD),
        (
            "list-max-ziplist-value 1 2 3",
            1,
            "list-max-ziplist-value 1 2 3",
            BAD,
        ),
        (
            "maxclients 0",
            1,
            "maxclients 0",
            "argument must be between 1 and 4294967295 inclusive",
        ),
        (
            "socket-mark-id -1",
            1,
            "socket-mark-id -1",
            "argument must be between 0 and 4294967295 inclusive",
        ),
        (
            "timeout -1",
            1,
            "timeout -1",
            "argument must be between 0 and 2147483647 inclusive",
        ),
        (
            "proto-max-bulk-len 100",
            1,
            "proto-max-bulk-len 100",
            "argument must be between 1048576 and 9223372036854775807 inclusive",
        ),
        (
            "slowlog-log-slower-than -2",
            1,
            "slowlog-log-slower-than -2",
            "argument must be between -1 and 9223372036854775807 inclusive",
        ),
        (
            "list-max-listpack-size -9999999999",
            1,
            "list-max-listpack-size -9999999999",
            "argument must be between -2147483648 and 2147483647 inclusive",
        ),
        (
            "appendfilename a/b",
            1,
            "appendfilename a/b",
            "appendfilename can't be a path, just a filename",
        ),
        (
            "appendfilename \"\"",
            1,
            "appendfilename \"\"",
            "appendfilename can't be empty",
        ),
        (
            "appenddirname a/b",
            1,
            "appenddirname a/b",
            "appenddirname can't be a path, just a dirname",
        ),
        (
            "appenddirname \"\"",
            1,
            "appenddirname \"\"",
            "appenddirname can't be empty",
        ),
        (
            "dbfilename a/b",
            1,
            "dbfilename a/b",
            "dbfilename can't be a path, just a filename",
        ),
        (
            "dbfilename \"a\\\\b\"",
            1,
            "dbfilename \"a\\\\b\"",
            "dbfilename can't be a path, just a filename",
        ),
        (
            seventeen,
            1,
            seventeen,
            "Too many bind addresses specified.",
        ),
        (
            "notify-keyspace-events Z",
            1,
            "notify-keyspace-events Z",
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        (
            "notify-keyspace-events",
            1,
            "notify-keyspace-events",
            "wrong number of arguments",
        ),
        (
            "oom-score-adj-values 1 2",
            1,
            "oom-score-adj-values 1 2",
            "wrong number of arguments",
        ),
        (
            "oom-score-adj-values",
            1,
            "oom-score-adj-values",
            "wrong number of arguments",
        ),
        (
            "oom-score-adj-values 1 2 x",
            1,
            "oom-score-adj-values 1 2 x",
            oom,
        ),
        (
            "oom-score-adj-values 0 2000 3000",
            1,
            "oom-score-adj-values 0 2000 3000",
            oom,
        ),
        (
            "maxmemory-clients 101%",
            1,
            "maxmemory-clients 101%",
            "percentage argument must be less or equal to 100",
        ),
        (
            "maxmemory-clients -1",
            1,
            "maxmemory-clients -1",
            "argument must be a memory or percent value",
        ),
        (
            "maxmemory-clients x%",
            1,
            "maxmemory-clients x%",
            "argument must be a memory or percent value",
        ),
        (
            "enable-debug-command maybe",
            1,
            "enable-debug-command maybe",
            "argument(s) must be one of the following: no, yes, local",
        ),
        (
            "supervised zz",
            1,
            "supervised zz",
            "argument(s) must be one of the following: upstart, systemd, auto, no",
        ),
        (
            "syslog-facility zz",
            1,
            "syslog-facility zz",
            "argument(s) must be one of the following: user, local0, local1, local2, local3, local4, local5, local6, local7",
        ),
        (
            "shutdown-on-sigint",
            1,
            "shutdown-on-sigint",
            "argument(s) must be one of the following: default, save, nosave, now, force",
        ),
        (
            "shutdown-on-sigint save nosave",
            1,
            "shutdown-on-sigint save nosave",
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        ),
        (
            "replica-ignore-disk-write-errors zz",
            1,
            "replica-ignore-disk-write-errors zz",
            "argument must be 'yes' or 'no'",
        ),
        (
            "tls-port 99999",
            1,
            "tls-port 99999",
            "argument must be between 0 and 65535 inclusive",
        ),
        (
            "cluster-announce-hostname \"a b\"",
            1,
            "cluster-announce-hostname \"a b\"",
            host,
        ),
        (
            "cluster-announce-hostname \"a_b\"",
            1,
            "cluster-announce-hostname \"a_b\"",
            host,
        ),
        (
            "proc-title-template \"{x}\"",
            1,
            "proc-title-template \"{x}\"",
            title,
        ),
        (
            "proc-title-template \"\"",
            1,
            "proc-title-template \"\"",
            title,
        ),
        (
            "proc-title-template \"{title\"",
            1,
            "proc-title-template \"{title\"",
            title,
        ),
        (
            "proc-title-template \"{}\"",
            1,
            "proc-title-template \"{}\"",
            title,
        ),
        (
            "latency-tracking-info-percentiles nan",
            1,
            "latency-tracking-info-percentiles nan",
            pct_parse,
        ),
        (
            "latency-tracking-info-percentiles 5x",
            1,
            "latency-tracking-info-percentiles 5x",
            pct_parse,
        ),
        (
            "latency-tracking-info-percentiles 101",
            1,
            "latency-tracking-info-percentiles 101",
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
        ),
        ("\n\n# c\n  \nport 1\nport x", 6, "port x", int_err),
    ];
    for (text, line, shown, reason) in cases {
        let err = load(text).err().map(|e| e.message);
        assert_eq!(
            err,
            Some(banner_error(*line, shown, reason)),
            "input {text:?}"
        );
    }
}

#[test]
fn dir_errors_and_resolution() {
    let d = tmpdir("dir");
    let file = d.join("plain");
    std::fs::write(&file, "x").expect("write");
    let text = format!("dir {}", file.display());
    assert_eq!(
        load(&text).err().map(|e| e.message),
        Some(banner_error(1, &text, "Not a directory"))
    );
    std::fs::create_dir_all(d.join("sub")).expect("mkdir");
    let c = load(&format!("dir {}\ndir sub", d.display())).expect("loads");
    let want = std::fs::canonicalize(d.join("sub")).expect("canonical");
    assert_eq!(c.dir, want.to_string_lossy());
}

#[test]
fn include_plain_glob_and_errors() {
    let d = tmpdir("include");
    std::fs::create_dir_all(d.join("conf.d")).expect("mkdir");
    std::fs::write(d.join("conf.d/10-a.conf"), "port 7001\nsave 10 1\n").expect("write");
    std::fs::write(d.join("conf.d/20-b.conf"), "port 7002\nsave 20 2\n").expect("write");
    std::fs::write(d.join("conf.d/30-c.txt"), "port 7003\n").expect("write");
    std::fs::write(d.join("conf.d/.hidden.conf"), "port 7004\n").expect("write");
    std::fs::write(d.join("one.conf"), "maxclients 5\n").expect("write");

    let c = load(&format!("include {}/conf.d/*.conf\nhz 20", d.display())).expect("loads");
    assert_eq!(c.port, 7002);
    assert_eq!(c.save, [(10, 1), (20, 2)]);
    assert_eq!(c.hz, 20);

    // Wildcards in a directory component too.
    let c = load(&format!("include {}/conf*/1?-[a-z].conf", d.display())).expect("loads");
    assert_eq!(c.port, 7001);

    // A pattern matching nothing is not an error.
    let c = load(&format!("include {}/conf.d/*.nothing\nport 1", d.display())).expect("loads");
    assert_eq!(c.port, 1);

    // Relative paths are taken from `dir`, as Redis (which chdirs) does.
    let c = load(&format!("dir {}\ninclude one.conf", d.display())).expect("loads");
    assert_eq!(c.maxclients, 5);

    // A missing plain file.
    let missing = format!("{}/missing.conf", d.display());
    assert_eq!(
        load(&format!("port 1\ninclude {missing}"))
            .err()
            .map(|e| e.message),
        Some(format!(
            "Fatal error, can't open config file '{missing}': No such file or directory"
        ))
    );

    // Errors inside an included file report that file's line.
    std::fs::write(d.join("bad.conf"), "# first\nport nope\n").expect("write");
    assert_eq!(
        load(&format!("port 1\n\ninclude {}/bad.conf", d.display()))
            .err()
            .map(|e| e.message),
        Some(banner_error(
            2,
            "port nope",
            "argument couldn't be parsed into an integer"
        ))
    );

    // Self inclusion stops instead of overflowing the stack.
    let selfinc = d.join("self.conf");
    std::fs::write(&selfinc, format!("include {}\n", selfinc.display())).expect("write");
    assert!(load(&format!("include {}", selfinc.display())).is_err());
}

#[test]
fn debian_redis_conf_loads_unchanged() {
    let path = "/etc/redis/redis.conf";
    let Ok(mut text) = std::fs::read_to_string(path) else {
        println!("NOTICE: {path} not present, skipping the Debian redis.conf test");
        return;
    };
    if !Path::new("/var/lib/redis").is_dir() {
        let d = tmpdir("debian");
        text = text.replace(
            "\ndir /var/lib/redis\n",
            &format!("\ndir {}\n", d.display()),
        );
    }
    let c = load(&text).unwrap_or_else(|e| panic!("Debian redis.conf: {e}"));
    assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
    assert!(c.daemonize);
    assert_eq!(c.port, 6379);
    assert_eq!(c.pidfile, "/run/redis/redis-server.pid");
    assert_eq!(get1(&c, "appendfilename"), "appendonly.aof");
    assert_eq!(get1(&c, "notify-keyspace-events"), "");
    assert_eq!(get1(&c, "auto-aof-rewrite-min-size"), "67108864");

    // Every directive of the file, commented or not, is known to ember.
    let fixture = include_str!("testdata/redis70_defaults.tsv");
    let redis_names: Vec<&str> = fixture
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    let mut checked = 0;
    for line in text.lines() {
        let body = line.trim_start_matches('#').trim_start();
        let word = body.split_whitespace().next().unwrap_or("");
        let is_directive =
            redis_names.contains(&word) || FILE_ONLY.iter().any(|(n, ..)| *n == word);
        if is_directive && (line.starts_with("# ") || !line.starts_with('#')) {
            assert!(
                registry::lookup(word.as_bytes()).is_some()
                    || FILE_ONLY.iter().any(|(n, ..)| *n == word),
                "{word}"
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "checked {checked} directive lines");
}

// ------------------------------------------------------------------------------------------------
// CONFIG GET / SET
// ------------------------------------------------------------------------------------------------

#[test]
fn config_get_patterns_and_names() {
    let c = Config::default();
    assert_eq!(c.get(&[b"port", b"port"]), [("port".into(), "6379".into())]);
    assert_eq!(
        c.get(&[b"port", b"PORT", b"Port"]),
        [("port".into(), "6379".into())]
    );
    assert_eq!(c.get(&[b"MAXMEMORY"]), [("MAXMEMORY".into(), "0".into())]);
    assert_eq!(c.get(&[b"slaveof"]), [("slaveof".into(), String::new())]);
    assert_eq!(
        c.get(&[b"hash-max-ziplist-entries"]),
        [("hash-max-ziplist-entries".into(), "512".into())]
    );
    let mut names: Vec<String> = c.get(&[b"hash-max-*"]).into_iter().map(|p| p.0).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "hash-max-listpack-entries",
            "hash-max-listpack-value",
            "hash-max-ziplist-entries",
            "hash-max-ziplist-value"
        ]
    );
    let mut names: Vec<String> = c.get(&[b"bi*"]).into_iter().map(|p| p.0).collect();
    names.sort();
    assert_eq!(names, ["bind", "bind-source-addr", "bio_cpulist"]);
    let r = c.get(&[b"maxmemory", b"MAXMEM*"]);
    assert_eq!(r.len(), 5);
    assert_eq!(r.iter().filter(|p| p.0 == "maxmemory").count(), 1);
    assert!(c.get(&[b"nosuch"]).is_empty());
    assert!(c.get(&[b"nosuch*"]).is_empty());
    let all = c.get(&[b"*"]);
    assert_eq!(all.len(), 192 + 4 + 1);
    assert_eq!(get1(&c, "bind"), "* -::*");
    assert_eq!(get1(&c, "save"), "3600 1 300 100 60 10000");
}

#[test]
fn config_set_round_trips() {
    let mut c = Config::default();
    let ok = |c: &mut Config, name: &str, value: &str, shown: &str| {
        assert!(set(c, &[(name, value)]).is_ok(), "{name} {value}");
        assert_eq!(get1(c, name), shown, "{name} {value}");
    };
    ok(&mut c, "maxmemory", "1GB", "1073741824");
    assert_eq!(c.maxmemory, 1 << 30);
    ok(&mut c, "maxmemory", "10b", "10");
    ok(&mut c, "maxmemory", "1k", "1000");
    ok(&mut c, "maxmemory", "", "0");
    ok(
        &mut c,
        "maxmemory",
        "18446744073709551615",
        "18446744073709551615",
    );
    ok(&mut c, "MAXMEMORY", "5", "5");
    ok(&mut c, "hz", "1000", "500");
    assert_eq!(c.hz, 500);
    ok(&mut c, "hz", "0", "1");
    ok(&mut c, "loglevel", "NOTICE", "notice");
    ok(&mut c, "loglevel", "nothing", "nothing");
    assert_eq!(c.loglevel, LogLevel::Nothing);
    ok(&mut c, "appendonly", "YES", "yes");
    assert!(c.appendonly);
    ok(&mut c, "maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru");
    assert_eq!(c.maxmemory_policy, "allkeys-lru");
    ok(&mut c, "save", "100 1", "100 1");
    assert_eq!(c.save, [(100, 1)]);
    ok(&mut c, "save", "", "");
    assert!(c.save.is_empty());
    ok(&mut c, "save", "100 1 100 1", "100 1 100 1");
    ok(
        &mut c,
        "client-output-buffer-limit",
        "normal 1mb 2mb 3",
        "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    );
    ok(&mut c, "bind", "127.0.0.1 -::1", "127.0.0.1 -::1");
    assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
    ok(&mut c, "bind", "", "");
    ok(&mut c, "maxmemory-clients", "1024", "1024");
    ok(&mut c, "maxmemory-clients", "5%", "5%");
    ok(&mut c, "oom-score-adj", "relative", "yes");
    ok(&mut c, "oom-score-adj-values", "0 2 -1", "0 2 -1");
    ok(
        &mut c,
        "latency-tracking-info-percentiles",
        "1.50 99.999 0 100 1e1",
        "1.5 99.999 0 100 10",
    );
    ok(&mut c, "latency-tracking-info-percentiles", "", "");
    ok(
        &mut c,
        "shutdown-on-sigint",
        "save now force",
        "save now force",
    );
    ok(&mut c, "shutdown-on-sigint", "now default", "now");
    ok(&mut c, "shutdown-on-sigint", "force save", "save force");
    ok(&mut c, "shutdown-on-sigint", "default", "default");
    ok(&mut c, "proc-title-template", "x \"y", "x \"y");
    ok(&mut c, "requirepass", "secret", "secret");
    assert_eq!(c.requirepass.as_deref(), Some(&b"secret"[..]));
    ok(&mut c, "requirepass", "", "");
    assert_eq!(c.requirepass, None);
    ok(&mut c, "slave-priority", "7", "7");
    assert_eq!(get1(&c, "replica-priority"), "7");
    ok(&mut c, "lua-time-limit", "100", "100");
    assert_eq!(get1(&c, "busy-reply-threshold"), "100");
    ok(&mut c, "port", "7001", "7001");
    assert_eq!(c.port, 7001);
    ok(&mut c, "timeout", "30", "30");
    assert_eq!(c.timeout, 30);
    for (flags, shown) in [
        ("KEA", "AKE"),
        ("Kg$lshzxetmdnE", "AKEm"),
        ("Kx", "xK"),
        ("Kn", "nK"),
        ("Kgn", "gnK"),
        ("Egdtxe$lshzn", "AE"),
        ("Am", "Am"),
        ("Ag", "A"),
        ("Kdtexzhsl$n", "$lshzxetdnK"),
        ("Kdtexzhslg", "glshzxetdK"),
        ("Edmn", "dnEm"),
        ("", ""),
    ] {
        ok(&mut c, "notify-keyspace-events", flags, shown);
    }
}

#[test]
fn config_set_returns_changed_names() {
    let mut c = Config::default();
    assert_eq!(
        set(
            &mut c,
            &[("port", "6379"), ("hz", "20"), ("slave-priority", "1")]
        ),
        Ok(vec!["hz", "replica-priority"])
    );
    assert_eq!(set(&mut c, &[("hz", "20")]), Ok(vec![]));
}

#[test]
fn config_set_error_texts() {
    let failed = |name: &str, reason: &str| {
        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")
    };
    let d = tmpdir("set");
    let dir = d.to_string_lossy().into_owned();
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        (
            vec![("foo", "bar")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into(),
        ),
        (
            vec![("rename-command", "get foo")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'rename-command'".into(),
        ),
        (
            vec![("maxmemory", "abc")],
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            vec![("daemonize", "yes")],
            failed("daemonize", "can't set immutable config"),
        ),
        (
            vec![("unixsocket", "/tmp/x")],
            failed("unixsocket", "can't set immutable config"),
        ),
        (
            vec![("replicaof", "127.0.0.1 1")],
            failed("replicaof", "can't set immutable config"),
        ),
        (
            vec![("slaveof", "no one")],
            failed("slaveof", "can't set immutable config"),
        ),
        (
            vec![("enable-debug-command", "no")],
            failed("enable-debug-command", "can't set immutable config"),
        ),
        (
            vec![("dir", dir.as_str())],
            failed("dir", "can't set protected config"),
        ),
        (
            vec![("dbfilename", "x.rdb")],
            failed("dbfilename", "can't set protected config"),
        ),
        (
            vec![("port", "7802"), ("PORT", "7803")],
            failed("PORT", "duplicate parameter"),
        ),
        (
            vec![("save", "100")],
            failed("save", "Invalid save parameters"),
        ),
        (
            vec![("save", "100 1  200 2")],
            failed("save", "Invalid save parameters"),
        ),
        (
            vec![("maxmemory-policy", "foo")],
            failed(
                "maxmemory-policy",
                "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
            ),
        ),
        (
            vec![("port", "70000")],
            failed("port", "argument must be between 0 and 65535 inclusive"),
        ),
        (
            vec![("appendonly", "maybe")],
            failed("appendonly", "argument must be 'yes' or 'no'"),
        ),
        (
            vec![("appendonly", "1")],
            failed("appendonly", "argument must be 'yes' or 'no'"),
        ),
        (
            vec![("hz", "05")],
            failed("hz", "argument couldn't be parsed into an integer"),
        ),
        (
            vec![("hz", "+5")],
            failed("hz", "argument couldn't be parsed into an integer"),
        ),
        (
            vec![("hz", " 5")],
            failed("hz", "argument couldn't be parsed into an integer"),
        ),
        (
            vec![("hz", "-0")],
            failed("hz", "argument couldn't be parsed into an integer"),
        ),
        (
            vec![("maxmemory", "1.5gb")],
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            vec![("maxmemory", " 10")],
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            vec![("maxmemory", "5%")],
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            vec![("maxmemory", "1tb")],
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            vec![("hz", "10"), ("maxmemory", "abc")],
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            vec![("maxmemory", "abc"), ("daemonize", "yes")],
            failed("daemonize", "can't set immutable config"),
        ),
        (
            vec![("maxmemory", "abc"), ("foo", "bar")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into(),
        ),
        (
            vec![("proc-title-template", "{foo}")],
            failed(
                "proc-title-template",
                "template format is invalid or contains unknown variables",
            ),
        ),
        (
            vec![("cluster-announce-hostname", "a b")],
            failed(
                "cluster-announce-hostname",
                "Hostnames may only contain alphanumeric characters, hyphens or dots",
            ),
        ),
        (
            vec![("notify-keyspace-events", "KEAZ")],
            failed(
                "notify-keyspace-events",
                "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
            ),
        ),
        (
            vec![("oom-score-adj-values", "1 2")],
            failed("oom-score-adj-values", "wrong number of arguments"),
        ),
        (
            vec![("oom-score-adj-values", "a b c")],
            failed(
                "oom-score-adj-values",
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
            ),
        ),
        (
            vec![("oom-score-adj-values", "0 2000 3000")],
            failed(
                "oom-score-adj-values",
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
            ),
        ),
        (
            vec![("latency-tracking-info-percentiles", "a")],
            failed(
                "latency-tracking-info-percentiles",
                "Invalid latency-tracking-info-percentiles parameters",
            ),
        ),
        (
            vec![("latency-tracking-info-percentiles", "101")],
            failed(
                "latency-tracking-info-percentiles",
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
            ),
        ),
        (
            vec![("shutdown-on-sigint", "foo")],
            failed(
                "shutdown-on-sigint",
                "argument(s) must be one of the following: default, save, nosave, now, force",
            ),
        ),
        (
            vec![("shutdown-on-sigint", "save nosave")],
            failed(
                "shutdown-on-sigint",
                "shutdown options SAVE and NOSAVE can't be used simultaneously",
            ),
        ),
        (
            vec![("supervised", "auto")],
            failed("supervised", "can't set immutable config"),
        ),
        (
            vec![("syslog-facility", "zzz")],
            failed("syslog-facility", "can't set immutable config"),
        ),
        (
            vec![("unixsocketperm", "1777")],
            failed("unixsocketperm", "can't set immutable config"),
        ),
        (
            vec![("tls-auth-clients", "zzz")],
            failed(
                "tls-auth-clients",
                "argument(s) must be one of the following: no, yes, optional",
            ),
        ),
        (
            vec![("repl-diskless-load", "zzz")],
            failed(
                "repl-diskless-load",
                "argument(s) must be one of the following: disabled, on-empty-db, swapdb",
            ),
        ),
        (
            vec![("sanitize-dump-payload", "zzz")],
            failed(
                "sanitize-dump-payload",
                "argument(s) must be one of the following: no, yes, clients",
            ),
        ),
        (
            vec![("acl-pubsub-default", "zzz")],
            failed(
                "acl-pubsub-default",
                "argument(s) must be one of the following: allchannels, resetchannels",
            ),
        ),
        (
            vec![("appendfsync", "zzz")],
            failed(
                "appendfsync",
                "argument(s) must be one of the following: everysec, always, no",
            ),
        ),
        (
            vec![("cluster-preferred-endpoint-type", "zzz")],
            failed(
                "cluster-preferred-endpoint-type",
                "argument(s) must be one of the following: ip, hostname, unknown-endpoint",
            ),
        ),
        (
            vec![("propagation-error-behavior", "zzz")],
            failed(
                "propagation-error-behavior",
                "argument(s) must be one of the following: ignore, panic, panic-on-replicas",
            ),
        ),
    ];
    for (pairs, want) in cases {
        let mut c = Config::default();
        let before = c.get(&[b"*"]);
        assert_eq!(set(&mut c, &pairs), Err(want), "{pairs:?}");
        assert_eq!(c.get(&[b"*"]), before, "nothing changed after {pairs:?}");
    }
    let mut c = Config::default();
    let arity = Err("ERR wrong number of arguments for 'config|set' command".to_string());
    assert_eq!(c.set_args(&[b"port"], false), arity);
    assert_eq!(c.set_args(&[], false), arity);
    assert_eq!(c.set_args(&[b"port", b"7000"], false), Ok(vec!["port"]));
}

#[test]
fn config_set_is_atomic() {
    let mut c = Config::default();
    let before = c.get(&[b"*"]);
    assert!(
        set(
            &mut c,
            &[
                ("hz", "20"),
                ("maxmemory", "1mb"),
                ("save", "1 1"),
                ("port", "x")
            ]
        )
        .is_err()
    );
    assert_eq!(c.get(&[b"*"]), before);
    assert_eq!(c.hz, 10);
    assert_eq!(c.maxmemory, 0);
    // An alias and its canonical name in one call: accepted, last one wins (as Redis does).
    assert!(
        set(
            &mut c,
            &[("slave-priority", "1"), ("replica-priority", "2")]
        )
        .is_ok()
    );
    assert_eq!(get1(&c, "slave-priority"), "2");
}

#[test]
fn protected_configs() {
    let d = tmpdir("protected");
    let dir = d.to_string_lossy().into_owned();
    let canonical = std::fs::canonicalize(&d)
        .expect("canonical")
        .to_string_lossy()
        .into_owned();
    let pairs: [(&[u8], &[u8]); 1] = [(b"dir", dir.as_bytes())];

    let mut c = load("enable-protected-configs local").expect("loads");
    assert_eq!(c.enable_protected_configs, YesLocalNo::Local);
    assert!(c.set(&pairs, false).is_err());
    assert_eq!(c.set(&pairs, true), Ok(vec!["dir"]));
    assert_eq!(c.dir, canonical);

    let mut c = load("enable-protected-configs yes").expect("loads");
    assert_eq!(c.set(&pairs, false), Ok(vec!["dir"]));
    assert_eq!(
        c.set(&[(b"dir", b"/nonexistent-ember-dir")], false),
        Err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory".into())
    );
    assert_eq!(c.set(&[(b"dbfilename", b"a/b")], false), Err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename".into()));
    assert!(c.set(&[(b"dbfilename", b"x.rdb")], false).is_ok());
    assert_eq!(c.dbfilename, "x.rdb");

    let mut c = Config::default();
    assert!(c.set(&pairs, true).is_err());
}

#[test]
fn helpers_for_the_server() {
    let c = load("slowlog-max-len 5\nactiverehashing no").expect("loads");
    assert_eq!(c.get_int("slowlog-max-len"), Some(5));
    assert_eq!(c.get_bool("activerehashing"), Some(false));
    assert_eq!(c.value_of("slave-read-only").as_deref(), Some("yes"));
    assert_eq!(c.get_int("nosuch"), None);
    assert!(Config::is_sensitive(b"requirepass"));
    assert!(!Config::is_sensitive(b"port"));
    assert!(YesLocalNo::Local.allows(true));
    assert!(!YesLocalNo::Local.allows(false));
}

#[test]
fn rename_command_replay() {
    let known = |n: &str| ["get", "set", "flushall", "config"].contains(&n);
    let c = load("rename-command GET foo\nrename-command foo bar\nrename-command config \"\"")
        .expect("loads");
    assert_eq!(
        c.check_rename_commands(known),
        Ok(vec![
            ("get".into(), "foo".into()),
            ("foo".into(), "bar".into()),
            ("config".into(), String::new())
        ])
    );
    let c = load("rename-command get foo\nrename-command get bar").expect("loads");
    assert_eq!(
        c.check_rename_commands(known).err().map(|e| e.message),
        Some(banner_error(
            2,
            "rename-command get bar",
            "No such command in rename-command"
        ))
    );
    let c = load("rename-command get set").expect("loads");
    assert_eq!(
        c.check_rename_commands(known).err().map(|e| e.message),
        Some(banner_error(
            1,
            "rename-command get set",
            "Target command name already exists"
        ))
    );
    let c = load("rename-command nosuch bar").expect("loads");
    assert_eq!(
        c.check_rename_commands(known).err().map(|e| e.message),
        Some(banner_error(
            1,
            "rename-command nosuch bar",
            "No such command in rename-command"
        ))
    );
}

// ------------------------------------------------------------------------------------------------
// Command line
// ------------------------------------------------------------------------------------------------

#[test]
fn command_line_forms() {
    let c = from_args(&["--port", "7000", "--save", ""]).expect("ok");
    assert_eq!(c.port, 7000);
    assert!(c.save.is_empty());
    assert_eq!(c.config_file, None);

    let c = from_args(&["--save"]).expect("ok");
    assert!(c.save.is_empty());
    let c = from_args(&["--save", "--port", "7000"]).expect("ok");
    assert!(c.save.is_empty());
    assert_eq!(c.port, 7000);
    let c = from_args(&["--save", "3600 1"]).expect("ok");
    assert_eq!(c.save, [(3600, 1)]);
    let c = from_args(&["--save", "3600 1 300 100"]).expect("ok");
    assert_eq!(c.save, [(3600, 1), (300, 100)]);
    let c = from_args(&["--save", "3600", "1", "300", "100"]).expect("ok");
    assert_eq!(c.save, [(3600, 1), (300, 100)]);
    let c = from_args(&["--bind", "127.0.0.1", "-::1", "--requirepass", "a b"]).expect("ok");
    assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
    assert_eq!(c.requirepass.as_deref(), Some(&b"a b"[..]));
    let c = from_args(&["--port 7005"]).expect("ok");
    assert_eq!(c.port, 7005);
    let c = from_args(&[]).expect("ok");
    assert_eq!(c.port, 6379);
}

#[test]
fn command_line_errors() {
    let e = |a: &[&str]| from_args(a).err().map(|e| e.message);
    assert_eq!(
        e(&["--foo", "bar"]),
        Some(banner_error(2, "foo \"bar\"", BAD))
    );
    assert_eq!(e(&["--foo"]), Some(banner_error(2, "foo", BAD)));
    assert_eq!(
        e(&["--port", "abc"]),
        Some(banner_error(
            2,
            "port \"abc\"",
            "argument couldn't be parsed into an integer"
        ))
    );
    assert_eq!(
        e(&["--port", "0", "--save", "3600"]),
        Some(banner_error(3, "save \"3600\"", "Invalid save parameters"))
    );
    assert_eq!(
        e(&["--maxmemory-policy", "--foo"]),
        Some(banner_error(
            2,
            "maxmemory-policy \"--foo\"",
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
        ))
    );
    assert_eq!(
        e(&["--port", "0", "--maxmemory 10 20"]),
        Some(banner_error(
            3,
            "maxmemory 10 20",
            "wrong number of arguments"
        ))
    );
    assert_eq!(
        e(&["--port", "0", "--requirepass", "a\u{1}\"b\\", "--foo"]),
        Some(banner_error(4, "foo", BAD))
    );
    assert_eq!(
        e(&["/nonexistent-ember.conf"]),
        Some("Fatal error, can't open config file '/nonexistent-ember.conf': No such file or directory".into())
    );
    assert_eq!(
        e(&["--logfile", "/nonexistent-ember-dir/x.log"]),
        Some(format!(
            "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nCan't open the log file: No such file or directory"
        ))
    );
}

#[test]
fn command_line_with_file_and_stdin() {
    let d = tmpdir("args");
    let file = d.join("r.conf");
    let f = file.to_string_lossy().into_owned();
    std::fs::write(&file, "port 0\n\n# c\n").expect("write");
    assert_eq!(
        from_args(&[&f, "--port", "abc"]).err().map(|e| e.message),
        Some(banner_error(
            5,
            "port \"abc\"",
            "argument couldn't be parsed into an integer"
        ))
    );
    std::fs::write(&file, "port 0\n\n# c").expect("write");
    assert_eq!(
        from_args(&[&f, "--port", "abc"]).err().map(|e| e.message),
        Some(banner_error(
            4,
            "port \"abc\"",
            "argument couldn't be parsed into an integer"
        ))
    );
    std::fs::write(&file, "port 7100\nmaxclients 7\n").expect("write");
    let c = from_args(&[&f, "--port", "7200"]).expect("ok");
    assert_eq!(c.port, 7200);
    assert_eq!(c.maxclients, 7);
    assert_eq!(c.config_file.as_deref(), Some(file.as_path()));

    // `-` reads standard input after the file (no separator, as Redis appends it raw).
    let mut stdin = || Ok(b"maxclients 9\n".to_vec());
    let c = Config::from_args_with_stdin(&args(&[&f, "-"]), &mut stdin).expect("ok");
    assert_eq!(c.maxclients, 9);
    let mut stdin = || Ok(b"port abc".to_vec());
    assert_eq!(
        Config::from_args_with_stdin(&args(&["-"]), &mut stdin)
            .err()
            .map(|e| e.message),
        Some(banner_error(
            1,
            "port abc",
            "argument couldn't be parsed into an integer"
        ))
    );
    let mut stdin = || Ok(b"port 7300".to_vec());
    let c =
        Config::from_args_with_stdin(&args(&["--maxclients", "3", "-"]), &mut stdin).expect("ok");
    assert_eq!((c.port, c.maxclients), (7300, 3));

    // A relative config file path is stored absolute.
    let rel = Config::default();
    let cwd = PathBuf::from(&rel.dir);
    if let Ok(relpath) = file.strip_prefix(&cwd) {
        let c = from_args(&[&relpath.to_string_lossy()]).expect("ok");
        assert_eq!(c.config_file.as_deref(), Some(file.as_path()));
    }
}

// ------------------------------------------------------------------------------------------------
// CONFIG REWRITE
// ------------------------------------------------------------------------------------------------

#[test]
fn rewrite_without_file() {
    assert_eq!(
        Config::default().rewrite(),
        Err("ERR The server is running without a config file".into())
    );
}

#[test]
fn rewrite_force_all_writes_defaults_that_load_back() {
    let d = tmpdir("rewrite-force-all");
    let file = d.join("redis.conf");
    std::fs::write(&file, "port 7812\n").expect("write");
    let mut c = load("port 7812\n").expect("loads");
    c.config_file = Some(file.clone());
    c.rewrite().expect("rewrite");
    let plain = std::fs::read_to_string(&file).expect("read");
    assert!(!plain.contains("maxmemory-policy"), "{plain}");
    c.rewrite_with(true).expect("force-all rewrite");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("\nmaxmemory-policy noeviction\n"), "{text}");
    assert!(text.contains("\nbind * -::*\n"), "{text}");
    // Every directive it wrote reads back to the same value.
    let back = load(&text).expect("force-all text loads");
    assert_eq!(back.get(&[b"*"]), c.get(&[b"*"]));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn rewrite_keeps_layout_and_round_trips() {
    let d = tmpdir("rewrite");
    let dir = std::fs::canonicalize(&d)
        .expect("canonical")
        .to_string_lossy()
        .into_owned();
    let file = d.join("redis.conf");
    let original = format!(
        "# top comment\n\
         port 7811\n\
         save 100 1\n\
         # middle\n\
         save 200 2\n\
         bind 127.0.0.1\n\
         maxmemory 1mb\n\
         SLAVE-PRIORITY 5\n\
         hash-max-ziplist-entries 100\n\
         client-output-buffer-limit normal 1mb 2mb 3\n\
         client-output-buffer-limit pubsub 32mb 8mb 60\n\
         rename-command flushall \"\"\n\
         lua-replicate-commands yes\n\
         dir {dir}\n\
         notify-keyspace-events \"KEA\"\n\
         requirepass \"a b\"\n\
         # tail comment\n"
    );
    std::fs::write(&file, &original).expect("write");
    let f = file.to_string_lossy().into_owned();
    let mut c = from_args(&[&f]).expect("loads");
    assert_eq!(c.save, [(100, 1), (200, 2)]);
    set(
        &mut c,
        &[
            ("hz", "20"),
            ("loglevel", "verbose"),
            ("maxmemory", "2mb"),
            ("timeout", "0"),
            ("appendfsync", "always"),
            ("save", "50 5"),
            ("hash-max-listpack-entries", "200"),
            ("notify-keyspace-events", "Kx"),
        ],
    )
    .expect("set");
    c.rewrite().expect("rewrite");
    let got = std::fs::read_to_string(&file).expect("read");
    let want = format!(
        "# top comment\n\
         port 7811\n\
         save 50 5\n\
         # middle\n\
         \n\
         bind 127.0.0.1\n\
         maxmemory 2mb\n\
         replica-priority 5\n\
         hash-max-listpack-entries 200\n\
         client-output-buffer-limit normal 1mb 2mb 3\n\
         client-output-buffer-limit replica 256mb 64mb 60\n\
         rename-command flushall \"\"\n\
         # ??? lua-replicate-commands yes\n\
         dir \"{dir}\"\n\
         notify-keyspace-events \"xK\"\n\
         requirepass \"a b\"\n\
         # tail comment\n\
         \n\
         # Generated by CONFIG REWRITE\n\
         loglevel verbose\n\
         appendfsync always\n\
         hz 20\n"
    );
    assert_eq!(got, want);

    // Loading the rewritten file gives the same configuration; rewriting again changes nothing.
    let c2 = from_args(&[&f]).expect("reloads");
    assert_eq!(c2.get(&[b"*"]), c.get(&[b"*"]));
    c2.rewrite().expect("rewrite again");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), want);
}

#[test]
fn rewrite_appends_and_blanks() {
    let d = tmpdir("rewrite2");
    let file = d.join("r.conf");
    std::fs::write(
        &file,
        "port 7812\nbind 127.0.0.1 -::1\nunixsocketperm 700\n\n\n",
    )
    .expect("write");
    let f = file.to_string_lossy().into_owned();
    let mut c = from_args(&[&f]).expect("loads");
    set(
        &mut c,
        &[
            ("save", "10 1 20 2"),
            ("bind", "* -::*"),
            ("maxmemory", "1537"),
            ("client-query-buffer-limit", "2gb"),
            ("proto-max-bulk-len", "1048576"),
            ("list-max-listpack-size", "-1"),
            ("maxmemory-clients", "5%"),
            ("client-output-buffer-limit", "pubsub 1k 2kb 3"),
            ("shutdown-on-sigint", "save now"),
            ("cluster-announce-ip", "a b"),
        ],
    )
    .expect("set");
    c.rewrite().expect("rewrite");
    let dir = std::fs::canonicalize(&c.dir)
        .expect("canonical")
        .to_string_lossy()
        .into_owned();
    let got = std::fs::read_to_string(&file).expect("read");
    let want = format!(
        "port 7812\n\
         \n\
         unixsocketperm 700\n\
         \n\
         # Generated by CONFIG REWRITE\n\
         save 10 1\n\
         save 20 2\n\
         dir \"{dir}\"\n\
         maxmemory 1537\n\
         shutdown-on-sigint save now\n\
         cluster-announce-ip \"a b\"\n\
         list-max-listpack-size -1\n\
         client-output-buffer-limit pubsub 1000 2kb 3\n\
         client-query-buffer-limit 2gb\n\
         maxmemory-clients 5%\n\
         proto-max-bulk-len 1mb\n"
    );
    assert_eq!(got, want);
    set(&mut c, &[("save", "")]).expect("set");
    c.rewrite().expect("rewrite");
    let got = std::fs::read_to_string(&file).expect("read");
    assert!(got.contains("\nsave \"\"\n\ndir \""), "{got}");
    let c2 = from_args(&[&f]).expect("reloads");
    assert!(c2.save.is_empty());
    assert_eq!(c2.get(&[b"*"]), c.get(&[b"*"]));
}

#[test]
fn rewrite_creates_missing_file() {
    let d = tmpdir("rewrite3");
    let file = d.join("new.conf");
    let mut c = Config {
        config_file: Some(file.clone()),
        ..Default::default()
    };
    set(&mut c, &[("port", "7000")]).expect("set");
    c.rewrite().expect("rewrite");
    let got = std::fs::read_to_string(&file).expect("read");
    assert!(got.starts_with("# Generated by CONFIG REWRITE\n"), "{got}");
    assert!(got.contains("\nport 7000\n"));
    assert!(got.contains("\nsave 3600 1\nsave 300 100\nsave 60 10000\n"));
}

#[test]
fn lookup_finds_every_name_and_alias_in_any_case() {
    for (i, row) in DIRECTIVES.iter().enumerate() {
        assert_eq!(row.name, row.name.to_ascii_lowercase());
        let first = DIRECTIVES.iter().position(|r| r.name == row.name).unwrap();
        assert_eq!(registry::lookup(row.name.as_bytes()), Some((first, false)));
        let upper = row.name.to_ascii_uppercase();
        assert_eq!(registry::lookup(upper.as_bytes()), Some((first, false)));
        for a in row.aliases {
            let (idx, alias) = registry::lookup(a.as_bytes()).unwrap();
            assert!(alias && idx <= i, "{a}");
        }
    }
    assert_eq!(registry::lookup(b"no-such-directive"), None);
    assert_eq!(registry::lookup(&[b'a'; 200]), None);
    assert_eq!(registry::lookup(b""), None);
}
