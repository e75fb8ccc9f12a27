//! Server configuration: owns every redis.conf directive, the command line (`redis-server [file] [--name
//! value...]`), CONFIG GET / SET / REWRITE semantics and their exact Redis error texts. Pure data: it
//! never opens sockets or touches the dataset (it only reads config files, checks that `dir` exists,
//! test-opens the log file in [`Config::from_args`], and writes the file on CONFIG REWRITE).

#[cfg(test)]
mod docgen;
pub mod parse;
pub mod registry;
mod rewrite;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use parse::{
    expand_glob, format_double, parse_c_long, parse_double, parse_memory, parse_strict_i64,
    parse_yes_no, repr, split_args, strerror,
};
use registry::{DEPRECATED, DIRECTIVES, Directive, IMMUTABLE, Kind, PROTECTED, Slot, StrCheck};

/// The Redis version quoted in configuration error banners ("FATAL CONFIG FILE ERROR (Redis x)").
pub const REDIS_VERSION: &str = "7.2.4";

/// Maximum `include` nesting depth (Redis has no limit and simply recurses until it crashes).
const MAX_INCLUDE_DEPTH: usize = 32;

/// `no` / `yes` / `local` switches (enable-debug-command, enable-protected-configs, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YesLocalNo {
    No,
    Yes,
    Local,
}

impl YesLocalNo {
    /// Whether an action guarded by this switch is allowed for a caller.
    pub fn allows(self, local_client: bool) -> bool {
        match self {
            YesLocalNo::No => false,
            YesLocalNo::Yes => true,
            YesLocalNo::Local => local_client,
        }
    }
}

/// `loglevel` values, most verbose first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
    Nothing,
}

/// A `rename-command` line, kept for the command table to apply (see [`Config::check_rename_commands`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameCommand {
    /// Lower-cased original name.
    pub from: String,
    /// New name as written; empty means the command is disabled.
    pub to: String,
    /// Line number and trimmed text of the line, for error reports.
    pub line: usize,
    pub line_text: String,
}

/// A configuration error: the complete text redis-server would print, e.g. the multi-line
/// `*** FATAL CONFIG FILE ERROR ***` banner (which starts with a newline, as Redis prints it to
/// stderr), or `Fatal error, can't open config file '...': ...` (which Redis writes as a log line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

fn fatal_banner() -> String {
    format!("\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n")
}

fn line_error(linenum: usize, line: &[u8], reason: &str) -> ConfigError {
    ConfigError {
        message: format!(
            "{}Reading the configuration file, at line {}\n>>> '{}'\n{}",
            fatal_banner(),
            linenum,
            String::from_utf8_lossy(line),
            reason
        ),
    }
}

/// A value in the generic store (and the common currency between parsing, CONFIG GET and rewrite).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    Num(i128),
    Enum(u32),
    Str(Vec<u8>),
    Save(Vec<(u64, u64)>),
    Bind(Vec<String>),
    ReplicaOf(Option<(String, u16)>),
    /// hard, soft, soft seconds for normal, replica, pubsub.
    Cobl([(u64, u64, u64); 3]),
    Oom([i64; 3]),
    Events(u32),
    Percentiles(Vec<f64>),
}

/// Whether a value comes from a config file line (save lines accumulate) or from CONFIG SET.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    File,
    Set,
}

/// The whole server configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub bind: Vec<String>,
    /// "" = no Unix socket.
    pub unixsocket: String,
    pub unixsocketperm: u32,
    pub tcp_backlog: i32,
    pub tcp_keepalive: u64,
    pub maxclients: u64,
    /// Idle client timeout in seconds, 0 = off.
    pub timeout: u64,
    /// Clamped to 1..=500.
    pub hz: u32,
    /// `event-loop-coalesce-us`: the pause that batches arrivals under load (0: off).
    pub event_loop_coalesce_us: u64,
    /// `slowlog-log-slower-than` in microseconds (negative: off, 0: every command).
    pub slowlog_log_slower_than: i64,
    /// `slowlog-max-len`: slow log entries kept.
    pub slowlog_max_len: u64,
    /// `latency-monitor-threshold` in milliseconds (0: off).
    pub latency_monitor_threshold: u64,
    /// `latency-tracking`: per-command latency histograms.
    pub latency_tracking: bool,
    pub databases: usize,
    pub requirepass: Option<Vec<u8>>,
    /// Absolute path; the server is expected to chdir there.
    pub dir: String,
    pub dbfilename: String,
    pub enable_debug_command: YesLocalNo,
    pub enable_module_command: YesLocalNo,
    pub enable_protected_configs: YesLocalNo,
    pub loglevel: LogLevel,
    /// "" = standard output.
    pub logfile: String,
    pub proto_max_bulk_len: u64,
    pub client_query_buffer_limit: u64,
    /// Small-encoding thresholds of the aggregate types (hash-max-listpack-*,
    /// list-max-listpack-size, set-max-intset-entries, set-max-listpack-*,
    /// zset-max-listpack-*).
    pub hash_max_listpack_entries: i64,
    pub hash_max_listpack_value: i64,
    pub list_max_listpack_size: i64,
    pub set_max_intset_entries: i64,
    pub set_max_listpack_entries: i64,
    pub set_max_listpack_value: i64,
    pub zset_max_listpack_entries: i64,
    pub zset_max_listpack_value: i64,
    /// (seconds, changes) pairs; empty = snapshots disabled.
    pub save: Vec<(u64, u64)>,
    pub appendonly: bool,
    pub protected_mode: bool,
    pub daemonize: bool,
    /// "" = none.
    pub pidfile: String,
    pub maxmemory: u64,
    /// One of the `maxmemory-policy` names, lower case.
    pub maxmemory_policy: String,
    /// Absolute path of the configuration file given on the command line (for INFO and CONFIG REWRITE).
    pub config_file: Option<PathBuf>,
    /// `rename-command` lines in file order.
    pub rename_commands: Vec<RenameCommand>,
    /// `user` lines (arguments after `user`), accepted but not acted on.
    pub users: Vec<Vec<String>>,
    /// `loadmodule` lines (path and arguments), accepted but not acted on.
    pub loadmodules: Vec<Vec<String>>,
    /// Values of directives without a typed field, indexed like `registry::DIRECTIVES`.
    generic: Vec<Value>,
    /// Redis resets the default save points at the first `save` line of the configuration.
    save_seen: bool,
}

impl Default for Config {
    fn default() -> Self {
        let mut c = Config {
            port: 6379,
            bind: Vec::new(),
            unixsocket: String::new(),
            unixsocketperm: 0,
            tcp_backlog: 511,
            tcp_keepalive: 300,
            maxclients: 10000,
            timeout: 0,
            hz: 10,
            event_loop_coalesce_us: 10,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            databases: 16,
            requirepass: None,
            dir: std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dbfilename: String::new(),
            enable_debug_command: YesLocalNo::No,
            enable_module_command: YesLocalNo::No,
            enable_protected_configs: YesLocalNo::No,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            list_max_listpack_size: -2,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            save: Vec::new(),
            appendonly: false,
            protected_mode: true,
            daemonize: false,
            pidfile: String::new(),
            maxmemory: 0,
            maxmemory_policy: "noeviction".to_string(),
            config_file: None,
            rename_commands: Vec::new(),
            users: Vec::new(),
            loadmodules: Vec::new(),
            generic: vec![Value::Bool(false); DIRECTIVES.len()],
            save_seen: false,
        };
        for (idx, row) in DIRECTIVES.iter().enumerate() {
            if row.slot == Slot::Dir {
                continue;
            }
            if let Some(v) = c.default_value(idx) {
                c.write(idx, v);
            }
        }
        // Writing the default save points is not a `save` line of a file.
        c.save_seen = false;
        c
    }
}

/// Outcome of one config line.
enum LineError {
    /// Reason printed under the offending line.
    Reason(String),
    /// A complete error from a nested include (already formatted).
    Nested(ConfigError),
}

impl From<String> for LineError {
    fn from(s: String) -> Self {
        LineError::Reason(s)
    }
}

impl From<&str> for LineError {
    fn from(s: &str) -> Self {
        LineError::Reason(s.to_string())
    }
}

const BAD_DIRECTIVE: &str = "Bad directive or wrong number of arguments";

fn trim_line(mut s: &[u8]) -> &[u8] {
    while let Some((&b, rest)) = s.split_first() {
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            s = rest;
        } else {
            break;
        }
    }
    while let Some((&b, rest)) = s.split_last() {
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// CONFIG SET splits multi-argument values on single spaces (an empty value gives no arguments).
fn split_spaces(v: &[u8]) -> Vec<Vec<u8>> {
    if v.is_empty() {
        return Vec::new();
    }
    v.split(|b| *b == b' ').map(<[u8]>::to_vec).collect()
}

fn set_failed(name: &[u8], reason: &str) -> String {
    format!(
        "ERR CONFIG SET failed (possibly related to argument '{}') - {}",
        lossy(name),
        reason
    )
}

// Keyspace event class bits (our own numbering).
const EV_KEYSPACE: u32 = 1 << 0; // K
const EV_KEYEVENT: u32 = 1 << 1; // E
const EV_GENERIC: u32 = 1 << 2; // g
const EV_STRING: u32 = 1 << 3; // $
const EV_LIST: u32 = 1 << 4; // l
const EV_SET: u32 = 1 << 5; // s
const EV_HASH: u32 = 1 << 6; // h
const EV_ZSET: u32 = 1 << 7; // z
const EV_EXPIRED: u32 = 1 << 8; // x
const EV_EVICTED: u32 = 1 << 9; // e
const EV_STREAM: u32 = 1 << 10; // t
const EV_KEY_MISS: u32 = 1 << 11; // m
const EV_MODULE: u32 = 1 << 12; // d
const EV_NEW: u32 = 1 << 13; // n
const EV_ALL: u32 = EV_GENERIC
    | EV_STRING
    | EV_LIST
    | EV_SET
    | EV_HASH
    | EV_ZSET
    | EV_EXPIRED
    | EV_EVICTED
    | EV_STREAM
    | EV_MODULE;
/// The classes `A` does not cover, in the order they are printed inside the non-`A` branch.
const EV_LETTERS: &[(u8, u32)] = &[
    (b'g', EV_GENERIC),
    (b'$', EV_STRING),
    (b'l', EV_LIST),
    (b's', EV_SET),
    (b'h', EV_HASH),
    (b'z', EV_ZSET),
    (b'x', EV_EXPIRED),
    (b'e', EV_EVICTED),
    (b't', EV_STREAM),
    (b'd', EV_MODULE),
    (b'n', EV_NEW),
];

fn parse_events(s: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in s {
        flags |= match c {
            b'A' => EV_ALL,
            b'K' => EV_KEYSPACE,
            b'E' => EV_KEYEVENT,
            b'm' => EV_KEY_MISS,
            other => EV_LETTERS.iter().find(|(l, _)| *l == other)?.1,
        };
    }
    Some(flags)
}

fn render_events(flags: u32) -> String {
    let mut s = String::new();
    if flags & EV_ALL == EV_ALL {
        s.push('A');
    } else {
        for (letter, bit) in EV_LETTERS {
            if flags & bit != 0 {
                s.push(*letter as char);
            }
        }
    }
    if flags & EV_KEYSPACE != 0 {
        s.push('K');
    }
    if flags & EV_KEYEVENT != 0 {
        s.push('E');
    }
    if flags & EV_KEY_MISS != 0 {
        s.push('m');
    }
    s
}

fn render_enum(names: &[(&str, u32)], multi: bool, v: u32) -> String {
    if let Some((n, _)) = names.iter().find(|(_, val)| *val == v) {
        return (*n).to_string();
    }
    if multi {
        let parts: Vec<&str> = names
            .iter()
            .filter(|(_, bit)| *bit != 0 && v & bit == *bit)
            .map(|(n, _)| *n)
            .collect();
        return parts.join(" ");
    }
    String::new()
}

const COBL_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

fn proc_title_ok(t: &[u8]) -> bool {
    const VARS: &[&[u8]] = &[
        b"title",
        b"listen-addr",
        b"server-mode",
        b"port",
        b"tls-port",
        b"unixsocket",
        b"config-file",
    ];
    let mut i = 0;
    let mut produced = false;
    while i < t.len() {
        match t[i] {
            b'{' if t.get(i + 1) == Some(&b'{') => {
                produced = true;
                i += 2;
            }
            b'}' if t.get(i + 1) == Some(&b'}') => {
                produced = true;
                i += 2;
            }
            b'{' => {
                let Some(end) = t[i + 1..].iter().position(|&b| b == b'}') else {
                    return false;
                };
                if !VARS.contains(&&t[i + 1..i + 1 + end]) {
                    return false;
                }
                produced = true;
                i += end + 2;
            }
            b' ' => i += 1,
            _ => {
                produced = true;
                i += 1;
            }
        }
    }
    produced
}

fn is_base_name(v: &[u8]) -> bool {
    !v.contains(&b'/') && !v.contains(&b'\\')
}

impl Config {
    // ----------------------------------------------------------------------------------------
    // Command line and files
    // ----------------------------------------------------------------------------------------

    /// Builds the configuration from redis-server's arguments (without the program name):
    /// `[configfile | -] [--name value...] [-]`.
    ///
    /// A first argument not starting with `-` is the config file (glob patterns allowed); `-` as
    /// the first or last argument reads more configuration from standard input. Each `--name`
    /// starts a directive whose values are the following arguments; an argument starting with `--`
    /// is taken as a value when the directive before it has no value yet (so `--maxmemory-policy
    /// --x` is an error about the value), except that a bare `--save` followed by another option
    /// or at the end means `save ""`. Like Redis, the options become config lines appended after
    /// the file (and stdin) text, separated by a newline, so errors report line numbers that count
    /// the file's lines. Finally, a configured log file must be openable for appending.
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        Self::from_args_with_stdin(args, &mut || {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
        })
    }

    pub(crate) fn from_args_with_stdin(
        args: &[String],
        stdin: &mut dyn FnMut() -> std::io::Result<Vec<u8>>,
    ) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        let mut i = 0;
        let mut config_path: Option<&str> = None;
        if let Some(first) = args.first().filter(|f| !f.starts_with('-')) {
            config_path = Some(first.as_str());
            i = 1;
        }
        let mut from_stdin = false;
        let mut options = String::new();
        let mut last_has_value = true;
        while i < args.len() {
            let a = &args[i];
            let is_last = i + 1 == args.len();
            if a == "-" && (i == 0 || is_last) {
                from_stdin = true;
            } else if last_has_value && a.starts_with("--") {
                if !options.is_empty() {
                    options.push('\n');
                }
                options.push_str(&a[2..]);
                options.push(' ');
                let words = split_args(a.as_bytes()).map_or(0, |w| w.len());
                if words == 1 {
                    last_has_value = false;
                    let next_is_option = args.get(i + 1).is_some_and(|n| n.starts_with("--"));
                    if a.eq_ignore_ascii_case("--save") && (is_last || next_is_option) {
                        options.push_str("\"\"");
                        last_has_value = true;
                    }
                } else {
                    last_has_value = true;
                }
            } else {
                options.push_str(&repr(a.as_bytes()));
                options.push(' ');
                last_has_value = true;
            }
            i += 1;
        }

        let mut text: Vec<u8> = Vec::new();
        if let Some(path) = config_path {
            let p = Path::new(path);
            let abs = if p.is_absolute() {
                p.to_path_buf()
            } else {
                Path::new(&cfg.dir).join(p)
            };
            cfg.config_file = Some(abs);
            text.extend(read_config_files(path, Path::new(&cfg.dir))?);
        }
        if from_stdin {
            match stdin() {
                Ok(b) => text.extend(b),
                Err(e) => {
                    return Err(ConfigError {
                        message: format!(
                            "Fatal error, can't read config from stdin: {}",
                            strerror(&e)
                        ),
                    });
                }
            }
        }
        text.push(b'\n');
        text.extend(options.as_bytes());
        cfg.load_bytes(&text, 0)?;
        cfg.check_logfile()?;
        Ok(cfg)
    }

    /// Loads redis.conf text on top of the current values. `source_name` is only used for tracing;
    /// error messages, like Redis's, give the line number within the text that holds the bad line.
    pub fn load_str(&mut self, text: &str, source_name: &str) -> Result<(), ConfigError> {
        tracing::debug!(source = source_name, "loading configuration text");
        self.load_bytes(text.as_bytes(), 0)
    }

    /// Checks that the log file (if any) can be opened for appending, creating it like Redis does.
    pub fn check_logfile(&self) -> Result<(), ConfigError> {
        if self.logfile.is_empty() {
            return Ok(());
        }
        let path = self.resolve(&self.logfile);
        match std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
        {
            Ok(_) => Ok(()),
            Err(e) => Err(ConfigError {
                message: format!(
                    "{}Can't open the log file: {}",
                    fatal_banner(),
                    strerror(&e)
                ),
            }),
        }
    }

    /// Resolves a path the way a process whose working directory is `dir` would.
    fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() || self.dir.is_empty() {
            p.to_path_buf()
        } else {
            Path::new(&self.dir).join(p)
        }
    }

    fn load_bytes(&mut self, text: &[u8], depth: usize) -> Result<(), ConfigError> {
        for (n, raw) in text.split(|b| *b == b'\n').enumerate() {
            let line = trim_line(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let Some(args) = split_args(line) else {
                return Err(line_error(
                    n + 1,
                    line,
                    "Unbalanced quotes in configuration line",
                ));
            };
            let Some((name, rest)) = args.split_first() else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            match self.apply_line(&name, rest, depth, n + 1, line) {
                Ok(()) => {}
                Err(LineError::Reason(r)) => return Err(line_error(n + 1, line, &r)),
                Err(LineError::Nested(e)) => return Err(e),
            }
        }
        Ok(())
    }

    fn apply_line(
        &mut self,
        name: &[u8],
        args: &[Vec<u8>],
        depth: usize,
        linenum: usize,
        line: &[u8],
    ) -> Result<(), LineError> {
        match name {
            b"include" if args.len() == 1 => {
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err("include nesting is too deep".into());
                }
                let path = lossy(&args[0]);
                let text =
                    read_config_files(&path, Path::new(&self.dir)).map_err(LineError::Nested)?;
                return self.load_bytes(&text, depth + 1).map_err(LineError::Nested);
            }
            b"rename-command" if args.len() == 2 => {
                self.rename_commands.push(RenameCommand {
                    from: lossy(&args[0]).to_ascii_lowercase(),
                    to: lossy(&args[1]),
                    line: linenum,
                    line_text: lossy(line),
                });
                return Ok(());
            }
            b"user" if !args.is_empty() => {
                crate::acl::rules::check_user_line(args)?;
                self.users.push(args.iter().map(|a| lossy(a)).collect());
                return Ok(());
            }
            b"loadmodule" if !args.is_empty() => {
                self.loadmodules
                    .push(args.iter().map(|a| lossy(a)).collect());
                return Ok(());
            }
            b"sentinel" => return Err("sentinel directive while not in sentinel mode".into()),
            _ => {}
        }
        if args.len() == 1 && DEPRECATED.iter().any(|d| d.as_bytes() == name) {
            tracing::warn!(
                directive = %lossy(name),
                "deprecated configuration directive ignored"
            );
            return Ok(());
        }
        let Some((idx, _)) = registry::lookup(name) else {
            return Err(BAD_DIRECTIVE.into());
        };
        let row = &DIRECTIVES[idx];
        if !row.kind.is_multi_arg() && args.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        // A lone non-empty argument of a multi-argument directive is split again, so that
        // `save "3600 1 300 100"` (typically from `--save "3600 1 300 100"`) works.
        let resplit;
        let args = if row.kind.is_multi_arg() && args.len() == 1 && !args[0].is_empty() {
            resplit = split_args(&args[0])
                .ok_or_else(|| LineError::from("Unbalanced quotes in configuration line"))?;
            resplit.as_slice()
        } else {
            args
        };
        let v = self.parse_value(idx, args, Mode::File)?;
        self.write(idx, v);
        Ok(())
    }

    // ----------------------------------------------------------------------------------------
    // Values
    // ----------------------------------------------------------------------------------------

    /// The default of a directive as a value (None for `dir`, whose default is the start-up cwd).
    pub(crate) fn default_value(&self, idx: usize) -> Option<Value> {
        let row = &DIRECTIVES[idx];
        if row.slot == Slot::Dir {
            return None;
        }
        let args = if row.kind.is_multi_arg() {
            split_spaces(row.default.as_bytes())
        } else {
            vec![row.default.as_bytes().to_vec()]
        };
        self.parse_value(idx, &args, Mode::Set).ok()
    }

    fn parse_value(&self, idx: usize, args: &[Vec<u8>], mode: Mode) -> Result<Value, String> {
        let row: &Directive = &DIRECTIVES[idx];
        let one: &[u8] = args.first().map_or(&[][..], |a| a.as_slice());
        let range = |v: i128, min: i128, max: i128| -> Result<Value, String> {
            if v < min || v > max {
                Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ))
            } else {
                Ok(Value::Num(v))
            }
        };
        match row.kind {
            Kind::Bool => parse_yes_no(one)
                .map(Value::Bool)
                .ok_or_else(|| "argument must be 'yes' or 'no'".to_string()),
            Kind::Int { min, max } => {
                let v = parse_strict_i64(one)
                    .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
                range(i128::from(v), min, max)
            }
            Kind::Mem { min, max } => {
                let v = parse_memory(one)
                    .ok_or_else(|| "argument must be a memory value".to_string())?;
                range(i128::from(v), min, max)
            }
            Kind::MemPercent { min, max } => {
                let bad = || "argument must be a memory or percent value".to_string();
                let v = if let Some(num) = one.strip_suffix(b"%") {
                    let p = parse_strict_i64(num).filter(|p| *p >= 0).ok_or_else(bad)?;
                    if p > 100 {
                        return Err("percentage argument must be less or equal to 100".into());
                    }
                    -i128::from(p)
                } else {
                    i128::from(parse_memory(one).ok_or_else(bad)?)
                };
                range(v, min, max)
            }
            Kind::Octal { min, max } => {
                let v = parse_c_long(one, 8)
                    .ok_or_else(|| "argument couldn't be parsed as an octal number".to_string())?;
                let v = i128::from(v);
                if v < min || v > max {
                    Err(format!(
                        "argument must be between {min:o} and {max:o} inclusive"
                    ))
                } else {
                    Ok(Value::Num(v))
                }
            }
            Kind::Enum { names, multi } => {
                let err = || {
                    let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
                    format!(
                        "argument(s) must be one of the following: {}",
                        list.join(", ")
                    )
                };
                if args.is_empty() {
                    return Err(err());
                }
                let mut v = 0;
                for a in args {
                    let (_, bits) = names
                        .iter()
                        .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(a))
                        .ok_or_else(err)?;
                    if multi {
                        v |= bits;
                    } else {
                        v = *bits;
                    }
                }
                if multi && v & 1 != 0 && v & 2 != 0 {
                    return Err(
                        "shutdown options SAVE and NOSAVE can't be used simultaneously".into(),
                    );
                }
                Ok(Value::Enum(v))
            }
            Kind::Str(check) => {
                match check {
                    StrCheck::None => {}
                    StrCheck::BaseName { what, nonempty } => {
                        if nonempty && one.is_empty() {
                            return Err(format!("{what} can't be empty"));
                        }
                        if !is_base_name(one) {
                            return Err(format!("{what} can't be a path, just a filename"));
                        }
                    }
                    StrCheck::DirName { what } => {
                        if one.is_empty() {
                            return Err(format!("{what} can't be empty"));
                        }
                        if !is_base_name(one) {
                            return Err(format!("{what} can't be a path, just a dirname"));
                        }
                    }
                    StrCheck::ProcTitle => {
                        if !proc_title_ok(one) {
                            return Err(
                                "template format is invalid or contains unknown variables".into()
                            );
                        }
                    }
                    StrCheck::Hostname => {
                        if !one
                            .iter()
                            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.')
                        {
                            return Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into());
                        }
                    }
                }
                Ok(Value::Str(one.to_vec()))
            }
            Kind::Dir => {
                let path = self.resolve(&lossy(one));
                match std::fs::metadata(&path) {
                    Err(e) => Err(strerror(&e)),
                    Ok(m) if !m.is_dir() => Err("Not a directory".into()),
                    Ok(_) => match std::fs::canonicalize(&path) {
                        Ok(p) => Ok(Value::Str(p.to_string_lossy().into_owned().into_bytes())),
                        Err(e) => Err(strerror(&e)),
                    },
                }
            }
            Kind::Save => {
                let bad = || "Invalid save parameters".to_string();
                if args.len() == 1 && args[0].is_empty() {
                    return Ok(Value::Save(Vec::new()));
                }
                if !args.len().is_multiple_of(2) {
                    return Err(bad());
                }
                let mut pairs = Vec::new();
                for pair in args.chunks(2) {
                    let secs = parse_c_long(&pair[0], 10)
                        .filter(|v| *v >= 1)
                        .ok_or_else(bad)?;
                    let changes = parse_c_long(&pair[1], 10)
                        .filter(|v| *v >= 0)
                        .ok_or_else(bad)?;
                    pairs.push((secs.unsigned_abs(), changes.unsigned_abs()));
                }
                if mode == Mode::File && self.save_seen {
                    let mut all = self.save.clone();
                    all.extend(pairs);
                    return Ok(Value::Save(all));
                }
                Ok(Value::Save(pairs))
            }
            Kind::Bind => {
                if args.len() > 16 {
                    return Err("Too many bind addresses specified.".into());
                }
                Ok(Value::Bind(args.iter().map(|a| lossy(a)).collect()))
            }
            Kind::ReplicaOf => {
                if args.len() != 2 {
                    return Err("wrong number of arguments".into());
                }
                if args[0].eq_ignore_ascii_case(b"no") && args[1].eq_ignore_ascii_case(b"one") {
                    return Ok(Value::ReplicaOf(None));
                }
                let port = parse_c_long(&args[1], 10)
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| "Invalid master port".to_string())?;
                Ok(Value::ReplicaOf(Some((lossy(&args[0]), port))))
            }
            Kind::ClientOutputBufferLimit => {
                if !args.len().is_multiple_of(4) {
                    return Err("Wrong number of arguments in buffer limit configuration.".into());
                }
                let mut cur = match self.read(idx) {
                    Value::Cobl(c) => c,
                    _ => [(0, 0, 0); 3],
                };
                for group in args.chunks(4) {
                    let class = group[0].to_ascii_lowercase();
                    let slot = match class.as_slice() {
                        b"normal" => 0,
                        b"slave" | b"replica" => 1,
                        b"pubsub" => 2,
                        _ => {
                            return Err(
                                "Invalid client class specified in buffer limit configuration."
                                    .into(),
                            );
                        }
                    };
                    let bad = || {
                        "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                            .to_string()
                    };
                    let hard = parse_memory(&group[1]).ok_or_else(bad)?;
                    let soft = parse_memory(&group[2]).ok_or_else(bad)?;
                    let secs = parse_c_long(&group[3], 10)
                        .filter(|v| *v >= 0)
                        .ok_or_else(bad)?;
                    cur[slot] = (hard, soft, secs.unsigned_abs());
                }
                Ok(Value::Cobl(cur))
            }
            Kind::OomScoreAdjValues => {
                if args.len() != 3 {
                    return Err("wrong number of arguments".into());
                }
                let mut vals = [0i64; 3];
                for (slot, a) in vals.iter_mut().zip(args) {
                    *slot = parse_c_long(a, 10)
                        .filter(|v| (-2000..=2000).contains(v))
                        .ok_or_else(|| {
                            "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                                .to_string()
                        })?;
                }
                Ok(Value::Oom(vals))
            }
            Kind::KeyspaceEvents => parse_events(one)
                .map(Value::Events)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()),
            Kind::Percentiles => {
                if args.len() == 1 && args[0].is_empty() {
                    return Ok(Value::Percentiles(Vec::new()));
                }
                let mut out = Vec::new();
                for a in args {
                    let v = parse_double(a).ok_or_else(|| {
                        "Invalid latency-tracking-info-percentiles parameters".to_string()
                    })?;
                    if !(0.0..=100.0).contains(&v) {
                        return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                    }
                    out.push(v);
                }
                Ok(Value::Percentiles(out))
            }
        }
    }

    /// Reads a directive's current value, from its typed field or the generic store.
    pub(crate) fn read(&self, idx: usize) -> Value {
        let num = |v: u64| Value::Num(i128::from(v));
        let string = |s: &str| Value::Str(s.as_bytes().to_vec());
        match DIRECTIVES[idx].slot {
            Slot::Generic => self.generic.get(idx).cloned().unwrap_or(Value::Bool(false)),
            Slot::Port => num(u64::from(self.port)),
            Slot::Bind => Value::Bind(self.bind.clone()),
            Slot::Unixsocket => string(&self.unixsocket),
            Slot::Unixsocketperm => num(u64::from(self.unixsocketperm)),
            Slot::TcpBacklog => Value::Num(i128::from(self.tcp_backlog)),
            Slot::TcpKeepalive => num(self.tcp_keepalive),
            Slot::Maxclients => num(self.maxclients),
            Slot::Timeout => num(self.timeout),
            Slot::Hz => num(u64::from(self.hz)),
            Slot::EventLoopCoalesceUs => num(self.event_loop_coalesce_us),
            Slot::SlowlogLogSlowerThan => Value::Num(i128::from(self.slowlog_log_slower_than)),
            Slot::SlowlogMaxLen => num(self.slowlog_max_len),
            Slot::LatencyMonitorThreshold => num(self.latency_monitor_threshold),
            Slot::LatencyTracking => Value::Bool(self.latency_tracking),
            Slot::Databases => num(self.databases as u64),
            Slot::Requirepass => Value::Str(self.requirepass.clone().unwrap_or_default()),
            Slot::Dir => string(&self.dir),
            Slot::Dbfilename => string(&self.dbfilename),
            Slot::EnableDebugCommand => Value::Enum(ynl_to_u32(self.enable_debug_command)),
            Slot::EnableModuleCommand => Value::Enum(ynl_to_u32(self.enable_module_command)),
            Slot::EnableProtectedConfigs => Value::Enum(ynl_to_u32(self.enable_protected_configs)),
            Slot::Loglevel => Value::Enum(self.loglevel as u32),
            Slot::Logfile => string(&self.logfile),
            Slot::ProtoMaxBulkLen => num(self.proto_max_bulk_len),
            Slot::ClientQueryBufferLimit => num(self.client_query_buffer_limit),
            Slot::HashMaxEntries => Value::Num(i128::from(self.hash_max_listpack_entries)),
            Slot::HashMaxValue => Value::Num(i128::from(self.hash_max_listpack_value)),
            Slot::ListMaxSize => Value::Num(i128::from(self.list_max_listpack_size)),
            Slot::SetMaxIntsetEntries => Value::Num(i128::from(self.set_max_intset_entries)),
            Slot::SetMaxEntries => Value::Num(i128::from(self.set_max_listpack_entries)),
            Slot::SetMaxValue => Value::Num(i128::from(self.set_max_listpack_value)),
            Slot::ZsetMaxEntries => Value::Num(i128::from(self.zset_max_listpack_entries)),
            Slot::ZsetMaxValue => Value::Num(i128::from(self.zset_max_listpack_value)),
            Slot::Save => Value::Save(self.save.clone()),
            Slot::Appendonly => Value::Bool(self.appendonly),
            Slot::ProtectedMode => Value::Bool(self.protected_mode),
            Slot::Daemonize => Value::Bool(self.daemonize),
            Slot::Pidfile => string(&self.pidfile),
            Slot::Maxmemory => num(self.maxmemory),
            Slot::MaxmemoryPolicy => Value::Enum(
                registry::MAXMEMORY_POLICIES
                    .iter()
                    .find(|(n, _)| *n == self.maxmemory_policy)
                    .map_or(7, |(_, v)| *v),
            ),
        }
    }

    /// Stores an already validated value.
    pub(crate) fn write(&mut self, idx: usize, v: Value) {
        fn n<T: TryFrom<i128>>(v: &Value, dflt: T) -> T {
            match v {
                Value::Num(x) => T::try_from(*x).unwrap_or(dflt),
                _ => dflt,
            }
        }
        fn s(v: &Value) -> String {
            match v {
                Value::Str(b) => lossy(b),
                _ => String::new(),
            }
        }
        let e = |v: &Value| match v {
            Value::Enum(x) => *x,
            _ => 0,
        };
        match DIRECTIVES[idx].slot {
            Slot::Generic => {
                if let Some(slot) = self.generic.get_mut(idx) {
                    *slot = v;
                }
            }
            Slot::Port => self.port = n(&v, self.port),
            Slot::Bind => {
                if let Value::Bind(b) = v {
                    self.bind = b;
                }
            }
            Slot::Unixsocket => self.unixsocket = s(&v),
            Slot::Unixsocketperm => self.unixsocketperm = n(&v, self.unixsocketperm),
            Slot::TcpBacklog => self.tcp_backlog = n(&v, self.tcp_backlog),
            Slot::TcpKeepalive => self.tcp_keepalive = n(&v, self.tcp_keepalive),
            Slot::Maxclients => self.maxclients = n(&v, self.maxclients),
            Slot::Timeout => self.timeout = n(&v, self.timeout),
            Slot::EventLoopCoalesceUs => {
                self.event_loop_coalesce_us = n(&v, self.event_loop_coalesce_us)
            }
            Slot::Hz => {
                let raw: i128 = n(&v, 10);
                self.hz = raw.clamp(1, 500) as u32;
            }
            Slot::SlowlogLogSlowerThan => {
                self.slowlog_log_slower_than = n(&v, self.slowlog_log_slower_than)
            }
            Slot::SlowlogMaxLen => self.slowlog_max_len = n(&v, self.slowlog_max_len),
            Slot::LatencyMonitorThreshold => {
                self.latency_monitor_threshold = n(&v, self.latency_monitor_threshold)
            }
            Slot::LatencyTracking => self.latency_tracking = matches!(v, Value::Bool(true)),
            Slot::Databases => self.databases = n(&v, self.databases),
            Slot::Requirepass => {
                self.requirepass = match v {
                    Value::Str(b) if !b.is_empty() => Some(b),
                    _ => None,
                }
            }
            Slot::Dir => self.dir = s(&v),
            Slot::Dbfilename => self.dbfilename = s(&v),
            Slot::EnableDebugCommand => self.enable_debug_command = u32_to_ynl(e(&v)),
            Slot::EnableModuleCommand => self.enable_module_command = u32_to_ynl(e(&v)),
            Slot::EnableProtectedConfigs => self.enable_protected_configs = u32_to_ynl(e(&v)),
            Slot::Loglevel => {
                self.loglevel = match e(&v) {
                    0 => LogLevel::Debug,
                    1 => LogLevel::Verbose,
                    3 => LogLevel::Warning,
                    4 => LogLevel::Nothing,
                    _ => LogLevel::Notice,
                }
            }
            Slot::Logfile => self.logfile = s(&v),
            Slot::ProtoMaxBulkLen => self.proto_max_bulk_len = n(&v, self.proto_max_bulk_len),
            Slot::ClientQueryBufferLimit => {
                self.client_query_buffer_limit = n(&v, self.client_query_buffer_limit)
            }
            Slot::HashMaxEntries => {
                self.hash_max_listpack_entries = n(&v, self.hash_max_listpack_entries)
            }
            Slot::HashMaxValue => {
                self.hash_max_listpack_value = n(&v, self.hash_max_listpack_value)
            }
            Slot::ListMaxSize => self.list_max_listpack_size = n(&v, self.list_max_listpack_size),
            Slot::SetMaxIntsetEntries => {
                self.set_max_intset_entries = n(&v, self.set_max_intset_entries)
            }
            Slot::SetMaxEntries => {
                self.set_max_listpack_entries = n(&v, self.set_max_listpack_entries)
            }
            Slot::SetMaxValue => self.set_max_listpack_value = n(&v, self.set_max_listpack_value),
            Slot::ZsetMaxEntries => {
                self.zset_max_listpack_entries = n(&v, self.zset_max_listpack_entries)
            }
            Slot::ZsetMaxValue => {
                self.zset_max_listpack_value = n(&v, self.zset_max_listpack_value)
            }
            Slot::Save => {
                if let Value::Save(p) = v {
                    self.save = p;
                    self.save_seen = true;
                }
            }
            Slot::Appendonly => self.appendonly = matches!(v, Value::Bool(true)),
            Slot::ProtectedMode => self.protected_mode = matches!(v, Value::Bool(true)),
            Slot::Daemonize => self.daemonize = matches!(v, Value::Bool(true)),
            Slot::Pidfile => self.pidfile = s(&v),
            Slot::Maxmemory => self.maxmemory = n(&v, self.maxmemory),
            Slot::MaxmemoryPolicy => {
                let code = e(&v);
                if let Some((name, _)) = registry::MAXMEMORY_POLICIES
                    .iter()
                    .find(|(_, val)| *val == code)
                {
                    self.maxmemory_policy = (*name).to_string();
                }
            }
        }
    }

    /// Renders a value the way CONFIG GET shows it.
    pub(crate) fn render(&self, idx: usize) -> String {
        let row = &DIRECTIVES[idx];
        match (self.read(idx), row.kind) {
            (Value::Bool(b), _) => if b { "yes" } else { "no" }.to_string(),
            (Value::Num(v), Kind::Octal { .. }) => format!("{v:o}"),
            (Value::Num(v), Kind::MemPercent { .. }) if v < 0 => format!("{}%", -v),
            (Value::Num(v), _) => v.to_string(),
            (Value::Enum(v), Kind::Enum { names, multi }) => render_enum(names, multi, v),
            (Value::Enum(_), _) => String::new(),
            (Value::Str(b), _) => lossy(&b),
            (Value::Save(p), _) => p
                .iter()
                .map(|(s, c)| format!("{s} {c}"))
                .collect::<Vec<_>>()
                .join(" "),
            (Value::Bind(b), _) => b.join(" "),
            (Value::ReplicaOf(r), _) => r.map_or_else(String::new, |(h, p)| format!("{h} {p}")),
            (Value::Cobl(c), _) => COBL_CLASSES
                .iter()
                .zip(c.iter())
                .map(|(class, (h, s, t))| format!("{class} {h} {s} {t}"))
                .collect::<Vec<_>>()
                .join(" "),
            (Value::Oom(v), _) => format!("{} {} {}", v[0], v[1], v[2]),
            (Value::Events(f), _) => render_events(f),
            (Value::Percentiles(p), _) => p
                .iter()
                .map(|v| format_double(*v))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    // ----------------------------------------------------------------------------------------
    // CONFIG GET / SET / REWRITE
    // ----------------------------------------------------------------------------------------

    /// CONFIG GET: the (name, value) pairs matching any of the patterns, each directive name at most
    /// once, in registry order. A pattern with glob characters (`*`, `?`, `[`) is matched
    /// case-insensitively against canonical names and aliases alike (as Redis 7.0 does); a plain
    /// name is looked up directly and answered under the name exactly as the caller wrote it.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut found: Vec<(usize, String, usize)> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for pat in patterns {
            if !pat.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
                let key = lossy(pat).to_ascii_lowercase();
                if seen.contains(&key) {
                    continue;
                }
                if let Some((idx, _)) = registry::lookup(pat) {
                    let row = &DIRECTIVES[idx];
                    let order = if row.name.eq_ignore_ascii_case(&key) {
                        0
                    } else {
                        1 + row
                            .aliases
                            .iter()
                            .position(|a| a.eq_ignore_ascii_case(&key))
                            .unwrap_or(0)
                    };
                    seen.push(key);
                    found.push((idx * 8 + order, lossy(pat), idx));
                }
                continue;
            }
            for (idx, row) in DIRECTIVES.iter().enumerate() {
                // Hidden directives answer only to their exact name.
                if row.has(registry::HIDDEN) {
                    continue;
                }
                let names = std::iter::once(row.name).chain(row.aliases.iter().copied());
                for (order, name) in names.enumerate() {
                    if seen.iter().any(|s| s == name) {
                        continue;
                    }
                    if crate::util::glob::glob_match(pat, name.as_bytes(), true) {
                        seen.push(name.to_string());
                        found.push((idx * 8 + order, name.to_string(), idx));
                    }
                }
            }
        }
        found.sort_by_key(|(order, _, _)| *order);
        found
            .into_iter()
            .map(|(_, name, idx)| (name, self.render(idx)))
            .collect()
    }

    /// CONFIG SET with a flat argument list (`name value [name value ...]`), checking the count first.
    pub fn set_args(
        &mut self,
        args: &[&[u8]],
        local_client: bool,
    ) -> Result<Vec<&'static str>, String> {
        if args.is_empty() || !args.len().is_multiple_of(2) {
            return Err("ERR wrong number of arguments for 'config|set' command".to_string());
        }
        let pairs: Vec<(&[u8], &[u8])> = args.chunks(2).map(|c| (c[0], c[1])).collect();
        self.set(&pairs, local_client)
    }

    /// CONFIG SET: all-or-nothing. Every name is checked first (unknown, immutable, protected,
    /// duplicate, in argument order), then every value is parsed, and only then is anything stored.
    /// Returns the canonical names whose value actually changed, so the server can apply side
    /// effects (re-bind, chdir, resize, ...). `local_client` tells whether the caller is on a
    /// loopback or Unix socket connection (for `enable-protected-configs local`).
    pub fn set(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        local_client: bool,
    ) -> Result<Vec<&'static str>, String> {
        let mut indexes: Vec<usize> = Vec::with_capacity(pairs.len());
        let mut names_seen: Vec<Vec<u8>> = Vec::with_capacity(pairs.len());
        for (name, _) in pairs {
            let Some((idx, _)) = registry::lookup(name) else {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                    lossy(name)
                ));
            };
            let row = &DIRECTIVES[idx];
            if row.has(IMMUTABLE) {
                return Err(set_failed(name, "can't set immutable config"));
            }
            if row.has(PROTECTED) && !self.enable_protected_configs.allows(local_client) {
                return Err(set_failed(name, "can't set protected config"));
            }
            // Like Redis, duplicates are detected by name: `slave-priority 1 replica-priority 2`
            // is accepted (the last one wins), `port 1 PORT 2` is not.
            let lower = name.to_ascii_lowercase();
            if names_seen.contains(&lower) {
                return Err(set_failed(name, "duplicate parameter"));
            }
            names_seen.push(lower);
            indexes.push(idx);
        }
        let mut values = Vec::with_capacity(pairs.len());
        for ((name, value), &idx) in pairs.iter().zip(&indexes) {
            let args = if DIRECTIVES[idx].kind.is_multi_arg() {
                split_spaces(value)
            } else {
                vec![value.to_vec()]
            };
            let v = self
                .parse_value(idx, &args, Mode::Set)
                .map_err(|reason| set_failed(name, &reason))?;
            values.push((idx, v));
        }
        let mut changed: Vec<&'static str> = Vec::new();
        for (idx, v) in values {
            let before = self.read(idx);
            self.write(idx, v);
            let name = DIRECTIVES[idx].name;
            if self.read(idx) != before && !changed.contains(&name) {
                changed.push(name);
            }
        }
        Ok(changed)
    }

    /// CONFIG REWRITE: rewrites `config_file` in place (through a temporary file and a rename),
    /// keeping comments, blank lines, unknown-to-us lines such as `include` / `rename-command`, and
    /// the order of existing directives; changed directives are updated on their own lines,
    /// surplus lines of a directive are blanked, and non-default directives not yet in the file are
    /// appended after a `# Generated by CONFIG REWRITE` line.
    pub fn rewrite(&self) -> Result<(), String> {
        self.rewrite_with(false)
    }

    /// CONFIG REWRITE, or with `force_all` (DEBUG CONFIG-REWRITE-FORCE-ALL) also writing every
    /// directive still at its default.
    pub fn rewrite_with(&self, force_all: bool) -> Result<(), String> {
        let Some(path) = &self.config_file else {
            return Err("ERR The server is running without a config file".to_string());
        };
        rewrite::rewrite_file(self, path, force_all)
            .map_err(|e| format!("ERR Rewriting config file: {}", strerror(&e)))
    }

    // ----------------------------------------------------------------------------------------
    // Helpers for the rest of the server
    // ----------------------------------------------------------------------------------------

    /// The CONFIG GET rendering of one directive (canonical name or alias).
    pub fn value_of(&self, name: &str) -> Option<String> {
        registry::lookup(name.as_bytes()).map(|(idx, _)| self.render(idx))
    }

    /// A yes/no directive's value.
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        match self.read(registry::lookup(name.as_bytes())?.0) {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// `client-output-buffer-limit` as (hard, soft, soft seconds) for the
    /// normal, replica and pubsub classes, in that order.
    pub fn client_output_buffer_limits(&self) -> [(u64, u64, u64); 3] {
        match registry::lookup(b"client-output-buffer-limit").map(|(idx, _)| self.read(idx)) {
            Some(Value::Cobl(c)) => c,
            _ => [
                (0, 0, 0),
                (256 << 20, 64 << 20, 60),
                (32 << 20, 8 << 20, 60),
            ],
        }
    }

    /// A numeric directive's value (integers, memory in bytes, octal; a percentage as its negative).
    pub fn get_int(&self, name: &str) -> Option<i128> {
        match self.read(registry::lookup(name.as_bytes())?.0) {
            Value::Num(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the directive exists and holds a secret (requirepass, masterauth, ...).
    pub fn is_sensitive(name: &[u8]) -> bool {
        registry::lookup(name).is_some_and(|(idx, _)| DIRECTIVES[idx].has(registry::SENSITIVE))
    }

    /// Replays the `rename-command` lines against the command table: `exists` tells whether a
    /// (lower-case) command name is a real command. Errors are reported like Redis, on the
    /// offending line: "No such command in rename-command" / "Target command name already exists".
    /// Returns the final (original name, new name or "" when disabled) list.
    pub fn check_rename_commands(
        &self,
        exists: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, String)>, ConfigError> {
        let mut removed: Vec<String> = Vec::new();
        let mut added: Vec<String> = Vec::new();
        let mut result: Vec<(String, String)> = Vec::new();
        for rc in &self.rename_commands {
            let to = rc.to.to_ascii_lowercase();
            let present = |name: &str, removed: &Vec<String>, added: &Vec<String>| {
                added.iter().any(|a| a == name)
                    || (exists(name) && !removed.iter().any(|r| r == name))
            };
            if !present(&rc.from, &removed, &added) {
                return Err(line_error(
                    rc.line,
                    rc.line_text.as_bytes(),
                    "No such command in rename-command",
                ));
            }
            if !to.is_empty() && present(&to, &removed, &added) {
                return Err(line_error(
                    rc.line,
                    rc.line_text.as_bytes(),
                    "Target command name already exists",
                ));
            }
            added.retain(|a| a != &rc.from);
            removed.push(rc.from.clone());
            if !to.is_empty() {
                removed.retain(|r| r != &to);
                added.push(to.clone());
            }
            result.push((rc.from.clone(), to));
        }
        Ok(result)
    }
}

fn ynl_to_u32(v: YesLocalNo) -> u32 {
    match v {
        YesLocalNo::No => 0,
        YesLocalNo::Yes => 1,
        YesLocalNo::Local => 2,
    }
}

fn u32_to_ynl(v: u32) -> YesLocalNo {
    match v {
        1 => YesLocalNo::Yes,
        2 => YesLocalNo::Local,
        _ => YesLocalNo::No,
    }
}

/// Reads a config file (or every file matching a glob pattern, in name order), relative paths
/// being taken from `base`. A missing plain file is an error; a pattern matching nothing is not.
fn read_config_files(path: &str, base: &Path) -> Result<Vec<u8>, ConfigError> {
    let p = Path::new(path);
    let full = if p.is_absolute() || base.as_os_str().is_empty() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    let is_pattern = path.contains(['*', '?', '[']);
    let files = if is_pattern {
        expand_glob(&full)
    } else {
        vec![full]
    };
    let mut text = Vec::new();
    for f in files {
        match std::fs::read(&f) {
            Ok(b) => text.extend(b),
            Err(e) => {
                let shown = if is_pattern {
                    f.to_string_lossy().into_owned()
                } else {
                    path.to_string()
                };
                return Err(ConfigError {
                    message: format!(
                        "Fatal error, can't open config file '{}': {}",
                        shown,
                        strerror(&e)
                    ),
                });
            }
        }
    }
    Ok(text)
}
