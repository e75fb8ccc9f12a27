//! The directive registry: one static table listing every configuration directive ember knows (name,
//! aliases, value type and bounds, default, flags, where the value lives, documentation group and a
//! one-line description), plus the enum value tables and the file-only directives.

/// The value cannot be changed with CONFIG SET.
pub const IMMUTABLE: u8 = 1;
/// CONFIG SET is refused unless `enable-protected-configs` allows the caller.
pub const PROTECTED: u8 = 2;
/// Accepted, validated, stored and reported, but ember does not act on it yet.
pub const INERT: u8 = 4;
/// Holds a secret (passwords); callers should not log it.
pub const SENSITIVE: u8 = 8;
/// Redis's HIDDEN_CONFIG (test hooks): CONFIG GET answers it only when asked by exact name, never
/// for a pattern.
pub const HIDDEN: u8 = 16;

pub const INT_MAX: i128 = i32::MAX as i128;
pub const INT_MIN: i128 = i32::MIN as i128;
pub const UINT_MAX: i128 = u32::MAX as i128;
pub const LLONG_MAX: i128 = i64::MAX as i128;
pub const ULLONG_MAX: i128 = u64::MAX as i128;

/// Extra checks applied to some string directives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrCheck {
    None,
    /// Must be a bare file name (no `/` or `\`); `nonempty` also rejects "".
    BaseName {
        what: &'static str,
        nonempty: bool,
    },
    /// Must be a bare directory name, not empty.
    DirName {
        what: &'static str,
    },
    /// `proc-title-template`: only known `{variables}`.
    ProcTitle,
    /// `cluster-announce-hostname`: letters, digits, `-` and `.`.
    Hostname,
}

/// How a directive's value is parsed, stored and rendered.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `yes` / `no`.
    Bool,
    /// A strictly written integer within bounds.
    Int { min: i128, max: i128 },
    /// A memory amount with optional unit, within bounds; CONFIG GET prints plain bytes.
    Mem { min: i128, max: i128 },
    /// A memory amount or a percentage (`5%`, stored negated), as `maxmemory-clients`.
    MemPercent { min: i128, max: i128 },
    /// An octal number within bounds (given here in decimal).
    Octal { min: i128, max: i128 },
    /// One of a fixed set of names; `multi` allows several names whose bit values are or-ed.
    Enum {
        names: &'static [(&'static str, u32)],
        multi: bool,
    },
    /// Free text.
    Str(StrCheck),
    /// `dir`: an existing directory, stored absolute.
    Dir,
    /// `save`: pairs of seconds and changes.
    Save,
    /// `bind`: up to 16 addresses.
    Bind,
    /// `replicaof`: `host port` or `no one`.
    ReplicaOf,
    /// `client-output-buffer-limit`: class, hard, soft, seconds groups.
    ClientOutputBufferLimit,
    /// `oom-score-adj-values`: three integers.
    OomScoreAdjValues,
    /// `notify-keyspace-events`: event class letters.
    KeyspaceEvents,
    /// `latency-tracking-info-percentiles`: floats between 0 and 100.
    Percentiles,
}

impl Kind {
    /// Takes several arguments on a config line (and a space separated list in CONFIG SET).
    pub fn is_multi_arg(&self) -> bool {
        match self {
            Kind::Enum { multi, .. } => *multi,
            Kind::Save
            | Kind::Bind
            | Kind::ReplicaOf
            | Kind::ClientOutputBufferLimit
            | Kind::OomScoreAdjValues
            | Kind::Percentiles => true,
            _ => false,
        }
    }

    /// Short type name for documentation.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Bool => "yes/no",
            Kind::Int { .. } => "integer",
            Kind::Mem { .. } => "memory",
            Kind::MemPercent { .. } => "memory or percent",
            Kind::Octal { .. } => "octal",
            Kind::Enum { multi: false, .. } => "enum",
            Kind::Enum { multi: true, .. } => "enum flags",
            Kind::Str(_) => "string",
            Kind::Dir => "path",
            Kind::Save => "save points",
            Kind::Bind => "addresses",
            Kind::ReplicaOf => "host port",
            Kind::ClientOutputBufferLimit => "class limits",
            Kind::OomScoreAdjValues => "3 integers",
            Kind::KeyspaceEvents => "event flags",
            Kind::Percentiles => "percentiles",
        }
    }
}

/// Where a directive's value lives: a typed field of `Config` or the generic store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Generic,
    Port,
    Bind,
    Unixsocket,
    Unixsocketperm,
    TcpBacklog,
    TcpKeepalive,
    Maxclients,
    Timeout,
    Hz,
    SlowlogLogSlowerThan,
    SlowlogMaxLen,
    LatencyMonitorThreshold,
    LatencyTracking,
    Databases,
    Requirepass,
    Dir,
    Dbfilename,
    EnableDebugCommand,
    EnableModuleCommand,
    EnableProtectedConfigs,
    Loglevel,
    Logfile,
    ProtoMaxBulkLen,
    ClientQueryBufferLimit,
    HashMaxEntries,
    HashMaxValue,
    ListMaxSize,
    SetMaxIntsetEntries,
    SetMaxEntries,
    SetMaxValue,
    ZsetMaxEntries,
    ZsetMaxValue,
    Save,
    Appendonly,
    ProtectedMode,
    Daemonize,
    Pidfile,
    Maxmemory,
    MaxmemoryPolicy,
    EventLoopCoalesceUs,
}

/// Documentation groups, in the order of Redis's example file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Network,
    Tls,
    General,
    Snapshotting,
    Replication,
    KeysTracking,
    Security,
    Clients,
    Memory,
    Lazyfree,
    Threads,
    Oom,
    Thp,
    Aof,
    Shutdown,
    LongBlocking,
    Cluster,
    Slowlog,
    Latency,
    Events,
    Advanced,
    Defrag,
    Cpu,
    Ember,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Network => "NETWORK",
            Group::Tls => "TLS/SSL",
            Group::General => "GENERAL",
            Group::Snapshotting => "SNAPSHOTTING",
            Group::Replication => "REPLICATION",
            Group::KeysTracking => "KEYS TRACKING",
            Group::Security => "SECURITY",
            Group::Clients => "CLIENTS",
            Group::Memory => "MEMORY MANAGEMENT",
            Group::Lazyfree => "LAZY FREEING",
            Group::Threads => "THREADED I/O",
            Group::Oom => "KERNEL OOM CONTROL",
            Group::Thp => "KERNEL TRANSPARENT HUGEPAGE CONTROL",
            Group::Aof => "APPEND ONLY MODE",
            Group::Shutdown => "SHUTDOWN",
            Group::LongBlocking => "LONG BLOCKING COMMANDS",
            Group::Cluster => "REDIS CLUSTER",
            Group::Slowlog => "SLOW LOG",
            Group::Latency => "LATENCY MONITOR AND TRACKING",
            Group::Events => "EVENT NOTIFICATION",
            Group::Advanced => "ADVANCED CONFIG",
            Group::Defrag => "ACTIVE DEFRAGMENTATION",
            Group::Cpu => "CPU AFFINITY AND WARNINGS",
            Group::Ember => "EMBER EXTENSIONS",
        }
    }
}

/// One row of the registry.
#[derive(Clone, Copy, Debug)]
pub struct Directive {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// Default in CONFIG SET syntax (space separated for multi-argument directives). `dir`'s
    /// default is the working directory at start-up and is not taken from here.
    pub default: &'static str,
    pub flags: u8,
    pub slot: Slot,
    pub group: Group,
    pub doc: &'static str,
}

impl Directive {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

const fn d(
    name: &'static str,
    kind: Kind,
    default: &'static str,
    flags: u8,
    group: Group,
    doc: &'static str,
) -> Directive {
    Directive {
        name,
        aliases: &[],
        kind,
        default,
        flags,
        slot: Slot::Generic,
        group,
        doc,
    }
}

impl Directive {
    const fn alias(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
    const fn typed(mut self, slot: Slot) -> Self {
        self.slot = slot;
        self
    }
}

const BOOL: Kind = Kind::Bool;
const fn int(min: i128, max: i128) -> Kind {
    Kind::Int { min, max }
}
const fn mem(min: i128, max: i128) -> Kind {
    Kind::Mem { min, max }
}
const fn en(names: &'static [(&'static str, u32)]) -> Kind {
    Kind::Enum {
        names,
        multi: false,
    }
}
const STR: Kind = Kind::Str(StrCheck::None);

pub const YES_LOCAL_NO: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("local", 2)];
pub const LOGLEVELS: &[(&str, u32)] = &[
    ("debug", 0),
    ("verbose", 1),
    ("notice", 2),
    ("warning", 3),
    ("nothing", 4),
];
pub const MAXMEMORY_POLICIES: &[(&str, u32)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
const APPENDFSYNC: &[(&str, u32)] = &[("everysec", 0), ("always", 1), ("no", 2)];
const SUPERVISED: &[(&str, u32)] = &[("upstart", 0), ("systemd", 1), ("auto", 2), ("no", 3)];
const SYSLOG_FACILITY: &[(&str, u32)] = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
const REPL_DISKLESS_LOAD: &[(&str, u32)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const OOM_SCORE_ADJ: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, u32)] = &[("allchannels", 0), ("resetchannels", 1)];
const SANITIZE_DUMP: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("clients", 2)];
const ENDPOINT_TYPE: &[(&str, u32)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR: &[(&str, u32)] = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
const TLS_AUTH_CLIENTS: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("optional", 2)];
/// Bit flags: `save` and `nosave` exclude each other.
pub const SHUTDOWN_FLAGS: &[(&str, u32)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];
const SHUTDOWN: Kind = Kind::Enum {
    names: SHUTDOWN_FLAGS,
    multi: true,
};

use Group as G;

/// Every directive, grouped and ordered like Redis's example redis.conf.
pub static DIRECTIVES: &[Directive] = &[
    // NETWORK
    d("bind", Kind::Bind, "* -::*", 0, G::Network, "Addresses to listen on; a leading '-' makes an address optional (no error if unavailable).").typed(Slot::Bind),
    d("bind-source-addr", STR, "", 0, G::Network, "Source address for outgoing connections (replication)."),
    d("protected-mode", BOOL, "yes", 0, G::Network, "Refuse non-loopback clients while no password is set and bind is the default.").typed(Slot::ProtectedMode),
    d("enable-protected-configs", en(YES_LOCAL_NO), "no", IMMUTABLE, G::Network, "Allow CONFIG SET of protected directives (dir, dbfilename): no, yes, or local (loopback/unix socket clients only).").typed(Slot::EnableProtectedConfigs),
    d("enable-debug-command", en(YES_LOCAL_NO), "no", IMMUTABLE, G::Network, "Allow the DEBUG command: no, yes, or local.").typed(Slot::EnableDebugCommand),
    d("enable-module-command", en(YES_LOCAL_NO), "no", IMMUTABLE, G::Network, "Allow MODULE LOAD, LOADEX and UNLOAD: no, yes, or local (ember loads no modules: allowed, they fail as for a missing file).").typed(Slot::EnableModuleCommand),
    d("port", int(0, 65535), "6379", 0, G::Network, "TCP port to listen on; 0 disables TCP.").typed(Slot::Port),
    d("tcp-backlog", int(0, INT_MAX), "511", IMMUTABLE, G::Network, "listen() backlog.").typed(Slot::TcpBacklog),
    d("unixsocket", STR, "", IMMUTABLE, G::Network, "Path of a Unix domain socket to listen on (empty: none).").typed(Slot::Unixsocket),
    d("unixsocketperm", Kind::Octal { min: 0, max: 0o777 }, "0", IMMUTABLE, G::Network, "Permissions of the Unix socket, in octal.").typed(Slot::Unixsocketperm),
    d("timeout", int(0, INT_MAX), "0", 0, G::Network, "Close a client after this many idle seconds (0: never).").typed(Slot::Timeout),
    d("tcp-keepalive", int(0, INT_MAX), "300", 0, G::Network, "TCP keepalive period in seconds (0: off).").typed(Slot::TcpKeepalive),
    d("socket-mark-id", int(0, UINT_MAX), "0", IMMUTABLE | INERT, G::Network, "Mark (SO_MARK) set on listening sockets."),
    // TLS
    d("tls-port", int(0, 65535), "0", INERT, G::Tls, "TLS port to listen on (0: none)."),
    d("tls-cert-file", STR, "", INERT, G::Tls, "Server certificate file."),
    d("tls-key-file", STR, "", INERT, G::Tls, "Server private key file."),
    d("tls-key-file-pass", STR, "", INERT | SENSITIVE, G::Tls, "Passphrase of the private key."),
    d("tls-client-cert-file", STR, "", INERT, G::Tls, "Client certificate for outgoing connections."),
    d("tls-client-key-file", STR, "", INERT, G::Tls, "Client private key for outgoing connections."),
    d("tls-client-key-file-pass", STR, "", INERT | SENSITIVE, G::Tls, "Passphrase of the client private key."),
    d("tls-dh-params-file", STR, "", INERT, G::Tls, "Diffie-Hellman parameters file."),
    d("tls-ca-cert-file", STR, "", INERT, G::Tls, "CA certificate bundle."),
    d("tls-ca-cert-dir", STR, "", INERT, G::Tls, "Directory of CA certificates."),
    d("tls-auth-clients", en(TLS_AUTH_CLIENTS), "yes", INERT, G::Tls, "Require client certificates: no, yes, optional."),
    d("tls-replication", BOOL, "no", INERT, G::Tls, "Use TLS for replication links."),
    d("tls-cluster", BOOL, "no", INERT, G::Tls, "Use TLS for the cluster bus."),
    d("tls-protocols", STR, "", INERT, G::Tls, "Allowed TLS protocol versions."),
    d("tls-ciphers", STR, "", INERT, G::Tls, "Allowed TLS 1.2 ciphers."),
    d("tls-ciphersuites", STR, "", INERT, G::Tls, "Allowed TLS 1.3 cipher suites."),
    d("tls-prefer-server-ciphers", BOOL, "no", INERT, G::Tls, "Prefer the server's cipher order."),
    d("tls-session-caching", BOOL, "yes", INERT, G::Tls, "Cache TLS sessions."),
    d("tls-session-cache-size", int(0, INT_MAX), "20480", INERT, G::Tls, "Number of cached TLS sessions."),
    d("tls-session-cache-timeout", int(0, INT_MAX), "300", INERT, G::Tls, "Lifetime of cached TLS sessions, in seconds."),
    // GENERAL
    d("daemonize", BOOL, "no", IMMUTABLE, G::General, "Detach from the terminal and run in the background.").typed(Slot::Daemonize),
    d("supervised", en(SUPERVISED), "no", IMMUTABLE, G::General, "Supervision protocol: upstart, systemd, auto, no."),
    d("pidfile", STR, "", IMMUTABLE, G::General, "File to write the process id to (empty: none).").typed(Slot::Pidfile),
    d("loglevel", en(LOGLEVELS), "notice", 0, G::General, "Log verbosity: debug, verbose, notice, warning, nothing.").typed(Slot::Loglevel),
    d("logfile", STR, "", IMMUTABLE, G::General, "Log file path (empty: standard output).").typed(Slot::Logfile),
    d("syslog-enabled", BOOL, "no", IMMUTABLE | INERT, G::General, "Also log to syslog."),
    d("syslog-ident", STR, "redis", IMMUTABLE | INERT, G::General, "Syslog identity."),
    d("syslog-facility", en(SYSLOG_FACILITY), "local0", IMMUTABLE | INERT, G::General, "Syslog facility: user or local0..local7."),
    d("crash-log-enabled", BOOL, "yes", INERT, G::General, "Write a crash report when the process crashes."),
    d("crash-memcheck-enabled", BOOL, "yes", INERT, G::General, "Run a memory check as part of a crash report."),
    d("databases", int(1, INT_MAX), "16", IMMUTABLE, G::General, "Number of logical databases.").typed(Slot::Databases),
    d("always-show-logo", BOOL, "no", IMMUTABLE | INERT, G::General, "Print the ASCII logo even when not on a terminal."),
    d("set-proc-title", BOOL, "yes", IMMUTABLE | INERT, G::General, "Change the process title shown by ps."),
    d("proc-title-template", Kind::Str(StrCheck::ProcTitle), "{title} {listen-addr} {server-mode}", INERT, G::General, "Template for the process title."),
    d("locale-collate", STR, "", INERT, G::General, "Locale used for string comparison (Redis 7.2)."),
    // SNAPSHOTTING
    d("save", Kind::Save, "3600 1 300 100 60 10000", 0, G::Snapshotting, "Snapshot points: save after <seconds> if at least <changes> writes happened; \"\" disables.").typed(Slot::Save),
    d("stop-writes-on-bgsave-error", BOOL, "yes", 0, G::Snapshotting, "Refuse writes after a failed background save."),
    d("rdbcompression", BOOL, "yes", 0, G::Snapshotting, "Compress strings in RDB files."),
    d("rdbchecksum", BOOL, "yes", IMMUTABLE, G::Snapshotting, "Append a checksum to RDB files."),
    d("sanitize-dump-payload", en(SANITIZE_DUMP), "no", INERT, G::Snapshotting, "Deep check of RESTORE payloads: no, yes, clients."),
    d("dbfilename", Kind::Str(StrCheck::BaseName { what: "dbfilename", nonempty: false }), "dump.rdb", PROTECTED, G::Snapshotting, "Snapshot file name, inside dir.").typed(Slot::Dbfilename),
    d("rdb-del-sync-files", BOOL, "no", INERT, G::Snapshotting, "Delete RDB files used only for replication when persistence is off."),
    d("dir", Kind::Dir, "", PROTECTED, G::Snapshotting, "Working directory: snapshot and AOF files live here (default: the start-up directory).").typed(Slot::Dir),
    // REPLICATION
    d("replicaof", Kind::ReplicaOf, "no one", IMMUTABLE, G::Replication, "Replicate from <host> <port> (REPLICAOF changes it at run time).").alias(&["slaveof"]),
    d("masterauth", STR, "", SENSITIVE, G::Replication, "Password used to authenticate to the master."),
    d("masteruser", STR, "", SENSITIVE, G::Replication, "User name used to authenticate to the master."),
    d("replica-serve-stale-data", BOOL, "yes", 0, G::Replication, "Answer queries while the link to the master is down.").alias(&["slave-serve-stale-data"]),
    d("replica-read-only", BOOL, "yes", 0, G::Replication, "Refuse writes on replicas.").alias(&["slave-read-only"]),
    d("repl-diskless-sync", BOOL, "yes", 0, G::Replication, "Stream full-sync snapshots straight to the sockets of replicas that announced `capa eof`, without writing `dir`."),
    d("repl-diskless-sync-delay", int(0, INT_MAX), "5", 0, G::Replication, "Seconds to wait for more replicas before a diskless transfer starts (0: at once)."),
    d("repl-diskless-sync-max-replicas", int(0, INT_MAX), "0", 0, G::Replication, "Start a diskless transfer before the delay ends once this many replicas wait (0: no limit)."),
    d("repl-diskless-load", en(REPL_DISKLESS_LOAD), "disabled", INERT, G::Replication, "How replicas load a diskless snapshot: disabled, on-empty-db, swapdb (ember always loads it through a file)."),
    d("repl-ping-replica-period", int(1, INT_MAX), "10", 0, G::Replication, "Seconds between pings to replicas.").alias(&["repl-ping-slave-period"]),
    d("repl-timeout", int(1, INT_MAX), "60", 0, G::Replication, "Replication timeout in seconds."),
    d("repl-disable-tcp-nodelay", BOOL, "no", 0, G::Replication, "Disable TCP_NODELAY on the replication socket."),
    d("repl-backlog-size", mem(1, LLONG_MAX), "1048576", 0, G::Replication, "Size of the replication backlog."),
    d("repl-backlog-ttl", int(0, LLONG_MAX), "3600", 0, G::Replication, "Seconds before freeing the backlog once no replica is connected."),
    d("replica-priority", int(0, INT_MAX), "100", INERT, G::Replication, "Priority for promotion by Sentinel (0: never).").alias(&["slave-priority"]),
    d("propagation-error-behavior", en(PROPAGATION_ERROR), "ignore", INERT, G::Replication, "What to do on errors in replicated commands: ignore, panic, panic-on-replicas."),
    d("replica-ignore-disk-write-errors", BOOL, "no", INERT, G::Replication, "Keep replicating when the replica cannot persist."),
    d("replica-announced", BOOL, "yes", INERT, G::Replication, "Show this replica to Sentinel."),
    d("min-replicas-to-write", int(0, INT_MAX), "0", 0, G::Replication, "Refuse writes unless this many replicas are connected (0: off).").alias(&["min-slaves-to-write"]),
    d("min-replicas-max-lag", int(0, INT_MAX), "10", 0, G::Replication, "Maximum lag in seconds for a replica to count as connected.").alias(&["min-slaves-max-lag"]),
    d("replica-announce-ip", STR, "", 0, G::Replication, "Address a replica reports to its master.").alias(&["slave-announce-ip"]),
    d("replica-announce-port", int(0, 65535), "0", 0, G::Replication, "Port a replica reports to its master.").alias(&["slave-announce-port"]),
    // KEYS TRACKING
    d("tracking-table-max-keys", int(0, LLONG_MAX), "1000000", 0, G::KeysTracking, "Maximum number of keys in the client-side caching table."),
    // SECURITY
    d("acllog-max-len", int(0, LLONG_MAX), "128", 0, G::Security, "Maximum entries in the ACL log."),
    d("aclfile", STR, "", IMMUTABLE, G::Security, "ACL users file, loaded at start-up and by ACL LOAD, written by ACL SAVE."),
    d("requirepass", STR, "", SENSITIVE, G::Security, "Password clients must give with AUTH (empty: none).").typed(Slot::Requirepass),
    d("acl-pubsub-default", en(ACL_PUBSUB_DEFAULT), "resetchannels", 0, G::Security, "Default channel permissions of new ACL users: allchannels, resetchannels."),
    // CLIENTS
    d("maxclients", int(1, UINT_MAX), "10000", 0, G::Clients, "Maximum number of connected clients.").typed(Slot::Maxclients),
    // MEMORY MANAGEMENT
    d("maxmemory", mem(0, ULLONG_MAX), "0", 0, G::Memory, "Memory limit for data (0: none).").typed(Slot::Maxmemory),
    d("maxmemory-policy", en(MAXMEMORY_POLICIES), "noeviction", 0, G::Memory, "What to do when maxmemory is reached.").typed(Slot::MaxmemoryPolicy),
    d("maxmemory-samples", int(1, INT_MAX), "5", 0, G::Memory, "Keys sampled per eviction round."),
    d("maxmemory-eviction-tenacity", int(0, 100), "10", 0, G::Memory, "Effort spent evicting per event loop cycle (0-100)."),
    d("replica-ignore-maxmemory", BOOL, "yes", INERT, G::Memory, "Replicas do not evict on their own.").alias(&["slave-ignore-maxmemory"]),
    d("active-expire-effort", int(1, 10), "1", INERT, G::Memory, "Effort of the background expire cycle (1-10)."),
    // LAZY FREEING
    d("lazyfree-lazy-eviction", BOOL, "no", INERT, G::Lazyfree, "Free evicted values in the background."),
    d("lazyfree-lazy-expire", BOOL, "no", INERT, G::Lazyfree, "Free expired values in the background."),
    d("lazyfree-lazy-server-del", BOOL, "no", INERT, G::Lazyfree, "Free values deleted implicitly (e.g. RENAME) in the background."),
    d("replica-lazy-flush", BOOL, "no", 0, G::Lazyfree, "Flush asynchronously before a full resync.").alias(&["slave-lazy-flush"]),
    d("lazyfree-lazy-user-del", BOOL, "no", INERT, G::Lazyfree, "Make DEL behave like UNLINK."),
    d("lazyfree-lazy-user-flush", BOOL, "no", 0, G::Lazyfree, "Make FLUSHALL/FLUSHDB asynchronous by default."),
    // THREADED I/O
    d("io-threads", int(1, 128), "1", IMMUTABLE | INERT, G::Threads, "Number of I/O threads."),
    d("io-threads-do-reads", BOOL, "no", IMMUTABLE | INERT, G::Threads, "Also use I/O threads for reading and parsing."),
    // KERNEL OOM CONTROL
    d("oom-score-adj", en(OOM_SCORE_ADJ), "no", INERT, G::Oom, "Adjust the OOM killer score: no, yes, relative, absolute."),
    d("oom-score-adj-values", Kind::OomScoreAdjValues, "0 200 800", INERT, G::Oom, "OOM score adjustments for master, replica and background child."),
    // KERNEL TRANSPARENT HUGEPAGE CONTROL
    d("disable-thp", BOOL, "yes", IMMUTABLE | INERT, G::Thp, "Turn transparent huge pages off for the process."),
    // APPEND ONLY MODE
    d("appendonly", BOOL, "no", 0, G::Aof, "Enable the append only file.").typed(Slot::Appendonly),
    d("appendfilename", Kind::Str(StrCheck::BaseName { what: "appendfilename", nonempty: true }), "appendonly.aof", IMMUTABLE, G::Aof, "Base name of the append only files."),
    d("appenddirname", Kind::Str(StrCheck::DirName { what: "appenddirname" }), "appendonlydir", IMMUTABLE, G::Aof, "Directory (inside dir) holding the append only files."),
    d("appendfsync", en(APPENDFSYNC), "everysec", 0, G::Aof, "When to fsync the AOF: everysec, always, no."),
    d("no-appendfsync-on-rewrite", BOOL, "no", 0, G::Aof, "Skip fsync while a rewrite or save is running."),
    d("auto-aof-rewrite-percentage", int(0, INT_MAX), "100", 0, G::Aof, "Rewrite the AOF when it grew by this percentage (0: off)."),
    d("auto-aof-rewrite-min-size", mem(0, LLONG_MAX), "67108864", 0, G::Aof, "Minimum AOF size before automatic rewrites."),
    d("aof-load-truncated", BOOL, "yes", 0, G::Aof, "Load a truncated AOF instead of refusing to start."),
    d("aof-use-rdb-preamble", BOOL, "yes", 0, G::Aof, "Start rewritten AOFs with an RDB snapshot."),
    d("aof-timestamp-enabled", BOOL, "no", 0, G::Aof, "Write timestamp annotations into the AOF."),
    d("aof-disable-auto-gc", BOOL, "no", 0, G::Aof, "Keep history AOF files instead of deleting them."),
    // SHUTDOWN
    d("shutdown-timeout", int(0, INT_MAX), "10", 0, G::Shutdown, "Seconds to wait for replicas to catch up on shutdown."),
    d("shutdown-on-sigint", SHUTDOWN, "default", INERT, G::Shutdown, "Shutdown flags on SIGINT: default, or save/nosave, now, force."),
    d("shutdown-on-sigterm", SHUTDOWN, "default", INERT, G::Shutdown, "Shutdown flags on SIGTERM: default, or save/nosave, now, force."),
    // LONG BLOCKING COMMANDS
    d("busy-reply-threshold", int(0, LLONG_MAX), "5000", 0, G::LongBlocking, "Milliseconds a script may run before BUSY replies start.").alias(&["lua-time-limit"]),
    // REDIS CLUSTER
    d("cluster-enabled", BOOL, "no", IMMUTABLE | INERT, G::Cluster, "Run in cluster mode."),
    d("cluster-config-file", STR, "nodes.conf", IMMUTABLE | INERT, G::Cluster, "Cluster state file."),
    d("cluster-node-timeout", int(0, LLONG_MAX), "15000", INERT, G::Cluster, "Milliseconds before a node counts as failing."),
    d("cluster-port", int(0, 65535), "0", IMMUTABLE | INERT, G::Cluster, "Cluster bus port (0: port + 10000)."),
    d("cluster-replica-validity-factor", int(0, INT_MAX), "10", INERT, G::Cluster, "Data age factor for failover eligibility.").alias(&["cluster-slave-validity-factor"]),
    d("cluster-migration-barrier", int(0, INT_MAX), "1", INERT, G::Cluster, "Replicas a master keeps before one may migrate."),
    d("cluster-allow-replica-migration", BOOL, "yes", INERT, G::Cluster, "Allow replicas to migrate to orphaned masters."),
    d("cluster-require-full-coverage", BOOL, "yes", INERT, G::Cluster, "Stop serving when some slots are uncovered."),
    d("cluster-replica-no-failover", BOOL, "no", INERT, G::Cluster, "Never fail over automatically.").alias(&["cluster-slave-no-failover"]),
    d("cluster-allow-reads-when-down", BOOL, "no", INERT, G::Cluster, "Serve reads while the cluster is down."),
    d("cluster-allow-pubsubshard-when-down", BOOL, "yes", INERT, G::Cluster, "Serve sharded pub/sub while the cluster is down."),
    d("cluster-link-sendbuf-limit", mem(0, ULLONG_MAX), "0", INERT, G::Cluster, "Send buffer limit per cluster link (0: none)."),
    d("cluster-announce-hostname", Kind::Str(StrCheck::Hostname), "", INERT, G::Cluster, "Hostname announced to the cluster."),
    d("cluster-announce-human-nodename", STR, "", INERT, G::Cluster, "Human readable node name used in logs (Redis 7.2)."),
    d("cluster-preferred-endpoint-type", en(ENDPOINT_TYPE), "ip", INERT, G::Cluster, "Endpoint shown in redirects: ip, hostname, unknown-endpoint."),
    d("cluster-announce-ip", STR, "", INERT, G::Cluster, "Address announced to the cluster."),
    d("cluster-announce-port", int(0, 65535), "0", INERT, G::Cluster, "Client port announced to the cluster."),
    d("cluster-announce-tls-port", int(0, 65535), "0", INERT, G::Cluster, "TLS port announced to the cluster."),
    d("cluster-announce-bus-port", int(0, 65535), "0", INERT, G::Cluster, "Bus port announced to the cluster."),
    // SLOW LOG
    d("slowlog-log-slower-than", int(-1, LLONG_MAX), "10000", 0, G::Slowlog, "Log commands slower than this many microseconds (-1: off).").typed(Slot::SlowlogLogSlowerThan),
    d("slowlog-max-len", int(0, LLONG_MAX), "128", 0, G::Slowlog, "Maximum slow log entries.").typed(Slot::SlowlogMaxLen),
    // LATENCY MONITOR AND TRACKING
    d("latency-monitor-threshold", int(0, LLONG_MAX), "0", 0, G::Latency, "Record events slower than this many milliseconds (0: off).").typed(Slot::LatencyMonitorThreshold),
    d("latency-tracking", BOOL, "yes", 0, G::Latency, "Track per-command latency percentiles.").typed(Slot::LatencyTracking),
    d("latency-tracking-info-percentiles", Kind::Percentiles, "50 99 99.9", 0, G::Latency, "Percentiles reported by INFO latencystats."),
    // EVENT NOTIFICATION
    d("notify-keyspace-events", Kind::KeyspaceEvents, "", 0, G::Events, "Keyspace notification classes (letters from Ag$lshzxeKEtmdn; empty: off)."),
    // ADVANCED CONFIG
    d("hash-max-listpack-entries", int(0, LLONG_MAX), "512", 0, G::Advanced, "Small-hash encoding limit: entries.").alias(&["hash-max-ziplist-entries"]).typed(Slot::HashMaxEntries),
    d("hash-max-listpack-value", mem(0, LLONG_MAX), "64", 0, G::Advanced, "Small-hash encoding limit: value size.").alias(&["hash-max-ziplist-value"]).typed(Slot::HashMaxValue),
    d("list-max-listpack-size", int(INT_MIN, INT_MAX), "-2", 0, G::Advanced, "List node size: entries if positive, -1..-5 for 4kb..64kb.").alias(&["list-max-ziplist-size"]).typed(Slot::ListMaxSize),
    d("list-compress-depth", int(0, INT_MAX), "0", INERT, G::Advanced, "Uncompressed list nodes kept at each end (0: no compression)."),
    d("set-max-intset-entries", int(0, LLONG_MAX), "512", 0, G::Advanced, "Integer-set encoding limit: entries.").typed(Slot::SetMaxIntsetEntries),
    d("set-max-listpack-entries", int(0, LLONG_MAX), "128", 0, G::Advanced, "Small-set encoding limit: entries (Redis 7.2).").typed(Slot::SetMaxEntries),
    d("set-max-listpack-value", mem(0, LLONG_MAX), "64", 0, G::Advanced, "Small-set encoding limit: value size (Redis 7.2).").typed(Slot::SetMaxValue),
    d("zset-max-listpack-entries", int(0, LLONG_MAX), "128", 0, G::Advanced, "Small-sorted-set encoding limit: entries.").alias(&["zset-max-ziplist-entries"]).typed(Slot::ZsetMaxEntries),
    d("zset-max-listpack-value", mem(0, LLONG_MAX), "64", 0, G::Advanced, "Small-sorted-set encoding limit: value size.").alias(&["zset-max-ziplist-value"]).typed(Slot::ZsetMaxValue),
    d("hll-sparse-max-bytes", mem(0, LLONG_MAX), "3000", INERT, G::Advanced, "HyperLogLog sparse representation limit."),
    d("stream-node-max-bytes", mem(0, LLONG_MAX), "4096", 0, G::Advanced, "Stream node size limit in bytes."),
    d("stream-node-max-entries", int(0, LLONG_MAX), "100", 0, G::Advanced, "Stream node size limit in entries."),
    d("activerehashing", BOOL, "yes", INERT, G::Advanced, "Rehash the main dictionaries incrementally in the background."),
    d("client-output-buffer-limit", Kind::ClientOutputBufferLimit, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", INERT, G::Advanced, "Output buffer limits per class: <class> <hard> <soft> <soft seconds>."),
    d("client-query-buffer-limit", mem(1024 * 1024, LLONG_MAX), "1073741824", 0, G::Advanced, "Maximum query buffer per client.").typed(Slot::ClientQueryBufferLimit),
    d("maxmemory-clients", Kind::MemPercent { min: -100, max: LLONG_MAX }, "0", INERT, G::Advanced, "Memory limit for all client buffers together, bytes or % of maxmemory (0: none)."),
    d("proto-max-bulk-len", mem(1024 * 1024, LLONG_MAX), "536870912", 0, G::Advanced, "Maximum size of a single bulk string in a request.").typed(Slot::ProtoMaxBulkLen),
    d("hz", int(0, INT_MAX), "10", 0, G::Advanced, "Background task frequency per second (clamped to 1..500).").typed(Slot::Hz),
    d("dynamic-hz", BOOL, "yes", INERT, G::Advanced, "Raise hz with the number of clients."),
    d("aof-rewrite-incremental-fsync", BOOL, "yes", INERT, G::Advanced, "fsync every 4 MB while rewriting the AOF."),
    d("rdb-save-incremental-fsync", BOOL, "yes", INERT, G::Advanced, "fsync every 4 MB while saving an RDB file."),
    d("lfu-log-factor", int(0, INT_MAX), "10", 0, G::Advanced, "LFU counter logarithm factor."),
    d("lfu-decay-time", int(0, INT_MAX), "1", 0, G::Advanced, "Minutes per LFU counter decay step."),
    // Redis's hidden test hooks (its own test suite sets them).
    d("rdb-key-save-delay", int(INT_MIN, INT_MAX), "0", HIDDEN, G::Advanced, "Microseconds to sleep after saving each key to an RDB file or AOF base (negative -N: 1 microsecond on one key in N on average). A testing hook."),
    d("key-load-delay", int(INT_MIN, INT_MAX), "0", HIDDEN, G::Advanced, "Microseconds to sleep after loading each key from an RDB file or AOF (negative -N: 1 microsecond on one key in N on average). A testing hook."),
    d("loading-process-events-interval-bytes", int(1024, INT_MAX), "2097152", HIDDEN, G::Advanced, "While loading, serve clients (with -LOADING) at least every this many bytes read, as well as every 1024 keys."),
    d("use-exit-on-panic", BOOL, "no", HIDDEN | INERT, G::Advanced, "Exit instead of aborting on an internal error (ember never dumps core on one either way)."),
    d("watchdog-period", int(0, INT_MAX), "0", HIDDEN | INERT, G::Advanced, "Milliseconds after which a stuck event loop logs its stack (ember has no watchdog)."),
    // ACTIVE DEFRAGMENTATION
    d("activedefrag", BOOL, "no", INERT, G::Defrag, "Enable active defragmentation."),
    d("active-defrag-ignore-bytes", mem(1, LLONG_MAX), "104857600", INERT, G::Defrag, "Minimum fragmentation waste before defragmenting."),
    d("active-defrag-threshold-lower", int(0, 1000), "10", INERT, G::Defrag, "Fragmentation percentage that starts defragmentation."),
    d("active-defrag-threshold-upper", int(0, 1000), "100", INERT, G::Defrag, "Fragmentation percentage at which maximum effort is used."),
    d("active-defrag-cycle-min", int(1, 99), "1", INERT, G::Defrag, "Minimal CPU percentage for defragmentation."),
    d("active-defrag-cycle-max", int(1, 99), "25", INERT, G::Defrag, "Maximal CPU percentage for defragmentation."),
    d("active-defrag-max-scan-fields", int(1, LLONG_MAX), "1000", INERT, G::Defrag, "Fields above which a key is scanned separately."),
    d("jemalloc-bg-thread", BOOL, "yes", INERT, G::Defrag, "Let the allocator purge memory in a background thread."),
    // CPU AFFINITY AND WARNINGS
    d("server_cpulist", STR, "", IMMUTABLE | INERT, G::Cpu, "CPUs for the main thread."),
    d("bio_cpulist", STR, "", IMMUTABLE | INERT, G::Cpu, "CPUs for background I/O threads."),
    d("aof_rewrite_cpulist", STR, "", IMMUTABLE | INERT, G::Cpu, "CPUs for the AOF rewrite child."),
    d("bgsave_cpulist", STR, "", IMMUTABLE | INERT, G::Cpu, "CPUs for the background save child."),
    d("ignore-warnings", STR, "", INERT, G::Cpu, "Start-up warnings to suppress (e.g. ARM64-COW-BUG)."),
    // EMBER EXTENSIONS (not in Redis)
    d("event-loop-coalesce-us", int(0, 1000), "10", 0, G::Ember, "While 32 or more clients are sending requests (within a millisecond) and none is waiting, the event loop pauses at least this many microseconds (the kernel's timer slack, 50 by default, may add to it) before polling again, so the requests arriving meanwhile are read as one batch instead of each waking the server; fewer clients never wait for it (0: off). Not a Redis directive.").typed(Slot::EventLoopCoalesceUs),
];

/// Directives that only appear in configuration files (not CONFIG GET/SET), with documentation.
/// `(name, arguments, acted on, description)`.
pub static FILE_ONLY: &[(&str, &str, bool, &str)] = &[
    (
        "include",
        "<path or glob>",
        true,
        "Read another configuration file at this point; a pattern includes every matching file in name order.",
    ),
    (
        "rename-command",
        "<command> <new name>",
        true,
        "Rename a command, or disable it with \"\"; stored for the command table, which validates the names.",
    ),
    (
        "user",
        "<name> <rules...>",
        true,
        "Declare an ACL user (checked while reading; created at start-up; written back by CONFIG REWRITE).",
    ),
    (
        "loadmodule",
        "<path> [args...]",
        false,
        "Load a Redis module (ember cannot load modules).",
    ),
];

/// Old names accepted and ignored (exactly one argument), as Redis 7 does.
pub static DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// Finds a directive by canonical name or alias, case-insensitively. Returns the row index and
/// whether the name was an alias. A hash lookup (commands such as XADD and PFADD read their
/// directives on every call); the first row naming it wins, as a scan of the table would find.
pub fn lookup(name: &[u8]) -> Option<(usize, bool)> {
    let index = name_index();
    if name.len() > index.longest {
        return None;
    }
    let mut buf = [0u8; MAX_NAME];
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    index.rows.get(&*lower).copied()
}

/// Longest directive name the index supports (the longest is ~40 bytes).
const MAX_NAME: usize = 64;

struct NameIndex {
    rows: std::collections::HashMap<&'static [u8], (usize, bool)>,
    longest: usize,
}

fn name_index() -> &'static NameIndex {
    static INDEX: std::sync::OnceLock<NameIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut rows = std::collections::HashMap::new();
        let mut longest = 0;
        for (i, row) in DIRECTIVES.iter().enumerate() {
            let names =
                std::iter::once((row.name, false)).chain(row.aliases.iter().map(|a| (*a, true)));
            for (name, alias) in names {
                // Names in the table are lower case; the index relies on it.
                debug_assert_eq!(name, name.to_ascii_lowercase());
                longest = longest.max(name.len());
                rows.entry(name.as_bytes()).or_insert((i, alias));
            }
        }
        assert!(
            longest <= MAX_NAME,
            "a directive name is longer than MAX_NAME"
        );
        NameIndex { rows, longest }
    })
}
