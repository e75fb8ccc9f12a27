//! Generates `docs/config.md` and `redis.conf.example` from the registry (test-only). The test
//! fails when the checked-in files differ; regenerate with
//! `EMBER_WRITE_CONFIG_DOCS=1 cargo test config::docgen`.

use super::registry::{self, DIRECTIVES, FILE_ONLY, Group, IMMUTABLE, INERT, Kind, PROTECTED};
use super::rewrite::directive_lines_for_docs;
use super::{Config, REDIS_VERSION};

/// The default as a config line value.
fn default_line(cfg: &Config, idx: usize) -> String {
    let row = &DIRECTIVES[idx];
    match row.kind {
        Kind::Dir => return "dir ./".to_string(),
        Kind::ReplicaOf => return "replicaof <masterip> <masterport>".to_string(),
        Kind::Bind => return format!("bind {}", row.default),
        _ => {}
    }
    let lines = directive_lines_for_docs(cfg, idx);
    if lines.is_empty() {
        format!("{} \"\"", row.name)
    } else {
        lines.join("\n# ")
    }
}

fn default_shown(idx: usize) -> String {
    let row = &DIRECTIVES[idx];
    match row.kind {
        Kind::Dir => "start-up directory".to_string(),
        Kind::ReplicaOf => "none".to_string(),
        _ if row.default.is_empty() => "\"\"".to_string(),
        _ => {
            let cfg = Config::default();
            cfg.render(idx)
        }
    }
}

fn runtime(idx: usize) -> &'static str {
    let row = &DIRECTIVES[idx];
    if row.has(IMMUTABLE) {
        "no"
    } else if row.has(PROTECTED) {
        "protected"
    } else {
        "yes"
    }
}

fn status(idx: usize) -> &'static str {
    if DIRECTIVES[idx].has(INERT) {
        "accepted only"
    } else {
        "acted on"
    }
}

pub fn markdown() -> String {
    let mut s = String::new();
    s.push_str("# Configuration reference\n\n");
    s.push_str(
        "ember reads the same configuration as `redis-server` 7: a redis.conf file (`ember-server \
         /path/redis.conf`), `--name value` overrides on the command line, `-` to read more \
         configuration from standard input, `CONFIG GET` / `CONFIG SET` / `CONFIG REWRITE` at \
         runtime. Every directive of Redis 7.0's redis.conf is accepted, so an existing file loads \
         unchanged, and error messages are the ones redis-server prints.\n\n",
    );
    s.push_str(
        "* **Runtime**: `yes` = changeable with CONFIG SET; `no` = immutable (\"can't set immutable \
         config\"); `protected` = changeable only when `enable-protected-configs` allows the \
         client (`yes`, or `local` for loopback / Unix socket clients).\n\
         * **Status**: `acted on` = ember uses the value; `accepted only` = validated, stored, \
         reported by CONFIG GET and kept by CONFIG REWRITE, but ember does not act on it yet.\n\
         * Memory values accept `k`/`m`/`g` (powers of 1000) and `kb`/`mb`/`gb` (powers of \
         1024), any case; CONFIG GET prints plain byte counts.\n\
         * Aliases are accepted everywhere (files, CONFIG GET, CONFIG SET); `CONFIG GET` with a \
         pattern lists them too, like Redis 7.0.\n",
    );
    s.push_str(&format!(
        "* Errors in files and on the command line are printed as \
         `*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***` followed by the line number, the \
         line and the reason, exactly as redis-server does.\n\n"
    ));
    s.push_str("| Directive | Aliases | Type | Default | Runtime | Status | Description |\n");
    s.push_str("|---|---|---|---|---|---|---|\n");
    for (idx, row) in DIRECTIVES.iter().enumerate() {
        let aliases: Vec<String> = row.aliases.iter().map(|a| format!("`{a}`")).collect();
        s.push_str(&format!(
            "| `{}` | {} | {} | `{}` | {} | {} | {} |\n",
            row.name,
            aliases.join(", "),
            row.kind.type_name(),
            default_shown(idx).replace('|', "\\|"),
            runtime(idx),
            status(idx),
            row.doc
                .replace('|', "\\|")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ));
    }
    s.push_str("\n## File-only directives\n\n");
    s.push_str("| Directive | Arguments | Status | Description |\n|---|---|---|---|\n");
    for (name, args, acted, doc) in FILE_ONLY {
        s.push_str(&format!(
            "| `{name}` | `{args}` | {} | {doc} |\n",
            if *acted { "acted on" } else { "accepted only" }
        ));
    }
    s.push_str(
        "\n`rename-command` lines are kept in `Config::rename_commands`; the command table checks \
         them with `Config::check_rename_commands` (errors \"No such command in rename-command\" \
         and \"Target command name already exists\"). `user` lines are checked while the file is \
         read (\"Error in user declaration\") and create the ACL users at start-up (not together \
         with `aclfile`); `loadmodule` lines are kept in `Config::loadmodules` and otherwise ignored.\n\n\
         Deprecated `list-max-ziplist-entries`, `list-max-ziplist-value` and \
         `lua-replicate-commands` lines (one argument) are ignored, as in Redis 7; `sentinel` \
         lines are rejected (\"sentinel directive while not in sentinel mode\").\n\n\
         `locale-collate`, `cluster-announce-human-nodename`, `set-max-listpack-entries` and \
         `set-max-listpack-value` come from Redis 7.2, as does the `nothing` log level.\n",
    );
    s
}

pub fn example() -> String {
    let cfg = Config::default();
    let mut s = String::new();
    s.push_str(
        "# ember example configuration\n\
         #\n\
         # ember reads redis.conf files: start it with `ember-server /path/to/this.file`, add\n\
         # `--name value` overrides after the file name, or pass `-` to read configuration from\n\
         # standard input. Every line below is commented out and shows the default value, so this\n\
         # file as it stands configures nothing.\n\
         #\n\
         # Memory sizes may be written 1k (1000 bytes), 1kb (1024), 1m, 1mb, 1g, 1gb; units are\n\
         # case-insensitive. yes/no options take exactly `yes` or `no`.\n\
         #\n\
         # Markers used below:\n\
         #   [not acted on yet]  ember accepts, validates and reports the directive but does not\n\
         #                       use its value yet.\n\
         #   [startup only]      CONFIG SET refuses to change it at runtime.\n\
         #   [protected]         CONFIG SET changes it only if enable-protected-configs allows.\n\
         \n\
         ################################## INCLUDES ###################################\n\
         \n",
    );
    for (name, args, acted, doc) in FILE_ONLY {
        s.push_str(&format!("# {doc}"));
        if !acted {
            s.push_str(" [not acted on yet]");
        }
        s.push('\n');
        s.push_str(&format!("# {name} {args}\n\n"));
    }
    let mut group: Option<Group> = None;
    for (idx, row) in DIRECTIVES.iter().enumerate() {
        if group != Some(row.group) {
            group = Some(row.group);
            let title = format!(" {} ", row.group.title());
            let left = (78usize.saturating_sub(title.len())) / 2;
            let right = 78usize.saturating_sub(title.len() + left);
            s.push_str(&format!(
                "{}{}{}\n\n",
                "#".repeat(left),
                title,
                "#".repeat(right)
            ));
        }
        let mut marks = Vec::new();
        if row.has(INERT) {
            marks.push("[not acted on yet]");
        }
        if row.has(IMMUTABLE) {
            marks.push("[startup only]");
        }
        if row.has(PROTECTED) {
            marks.push("[protected]");
        }
        if row.has(registry::HIDDEN) {
            marks.push("[hidden: CONFIG GET patterns skip it]");
        }
        s.push_str(&format!("# {}", row.doc));
        if !marks.is_empty() {
            s.push(' ');
            s.push_str(&marks.join(" "));
        }
        s.push('\n');
        if !row.aliases.is_empty() {
            s.push_str(&format!(
                "# Also accepted as: {}.\n",
                row.aliases.join(", ")
            ));
        }
        s.push_str(&format!("# {}\n\n", default_line(&cfg, idx)));
    }
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}

#[test]
fn generated_docs_are_current() {
    let md = markdown();
    let ex = example();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    let docs_path = if std::path::Path::new(&format!("{root}docs")).is_dir()
        && std::path::Path::new(&format!("{root}src/config/mod.rs")).is_file()
    {
        root.to_string()
    } else {
        // Scratch crates that mount this module by path.
        "/work/main/".to_string()
    };
    if std::env::var_os("EMBER_WRITE_CONFIG_DOCS").is_some() {
        std::fs::write(format!("{docs_path}docs/config.md"), &md).expect("write docs");
        std::fs::write(format!("{docs_path}redis.conf.example"), &ex).expect("write example");
    }
    assert_eq!(
        include_str!("../../docs/config.md"),
        md,
        "docs/config.md is stale: rerun with EMBER_WRITE_CONFIG_DOCS=1"
    );
    assert_eq!(
        include_str!("../../redis.conf.example"),
        ex,
        "redis.conf.example is stale: rerun with EMBER_WRITE_CONFIG_DOCS=1"
    );
}

#[test]
fn example_lines_are_valid() {
    // Uncomment every directive line of the example and load them: each must be accepted.
    let ex = example();
    let mut text = String::new();
    for line in ex.lines() {
        let Some(body) = line.strip_prefix("# ") else {
            continue;
        };
        let word = body.split(' ').next().unwrap_or("");
        if registry::lookup(word.as_bytes()).is_some()
            && word == word.to_ascii_lowercase()
            && !matches!(word, "dir" | "replicaof")
            && body.len() > word.len()
        {
            text.push_str(body);
            text.push('\n');
        }
    }
    let mut c = Config::default();
    c.load_str(&text, "example")
        .expect("example directives load");
    let d = Config::default();
    assert_eq!(c.get(&[b"*"]), d.get(&[b"*"]));
}
