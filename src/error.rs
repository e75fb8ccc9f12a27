//! Every error reply text, in one place, worded exactly as Redis 7 words it.
//! Texts are without the leading `-`; `ReplyBuf::error` adds it.

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const SYNTAX: &str = "ERR syntax error";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
pub const INCR_NAN_OR_INF: &str = "ERR increment would produce NaN or Infinity";
pub const NO_SUCH_KEY: &str = "ERR no such key";
pub const DB_INDEX_OUT_OF_RANGE: &str = "ERR DB index is out of range";
pub const INVALID_DB_INDEX: &str = "ERR invalid DB index";
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
pub const NOAUTH: &str = "NOAUTH Authentication required.";
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
pub const AUTH_NO_PASSWORD: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
pub const OFFSET_OUT_OF_RANGE: &str = "ERR offset is out of range";
pub const INVALID_CURSOR: &str = "ERR invalid cursor";
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
pub const NOPROTO: &str = "NOPROTO unsupported protocol version";

/// `ERR invalid expire time in 'set' command`
pub fn invalid_expire(cmd: &str) -> String {
    format!("ERR invalid expire time in '{cmd}' command")
}

/// `ERR wrong number of arguments for 'get' command`
pub fn wrong_arity(fullname: &str) -> String {
    format!("ERR wrong number of arguments for '{fullname}' command")
}

/// `ERR unknown subcommand 'x'. Try CONFIG HELP.`
pub fn unknown_subcommand(sub: &[u8], container: &str) -> String {
    let sub = c_str_arg(&sub[..sub.len().min(128)]);
    format!(
        "ERR unknown subcommand '{sub}'. Try {} HELP.",
        container.to_ascii_uppercase()
    )
}

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' `
pub fn unknown_command(argv: &[&[u8]]) -> String {
    let name = c_str_arg(&argv[0][..argv[0].len().min(128)]);
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let a = c_str_arg(&a[..a.len().min(room)]);
        args.push('\'');
        args.push_str(&a);
        args.push_str("' ");
    }
    format!("ERR unknown command '{name}', with args beginning with: {args}")
}

// String commands (DECRBY, LCS).
pub const DECR_OVERFLOW: &str = "ERR decrement would overflow";
pub const LCS_NOT_STRINGS: &str = "ERR The specified keys must contain string values";
pub const LCS_LEN_AND_IDX: &str =
    "ERR If you want both the length and indexes, please just use IDX.";
pub const LCS_STRING_TOO_LONG: &str = "ERR String too long for LCS";
pub const LCS_OVER_BULK_LEN: &str =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
pub const LCS_ALLOC_FAILED: &str =
    "ERR Insufficient memory, failed allocating transient memory for LCS";

// Generic key commands (EXPIRE family, MOVE/COPY/SWAPDB, OBJECT).
pub const EXPIRE_NX_AND_OTHERS: &str =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
pub const EXPIRE_GT_AND_LT: &str = "ERR GT and LT options at the same time are not compatible";
/// Redis's getIntFromObjectOrReply range error (a 64-bit integer outside i32).
pub const NOT_I32: &str =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
pub const INVALID_FIRST_DB_INDEX: &str = "ERR invalid first DB index";
pub const INVALID_SECOND_DB_INDEX: &str = "ERR invalid second DB index";
pub const FREQ_NEEDS_LFU: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
pub const IDLETIME_UNDER_LFU: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// `ERR Unsupported option xx` (EXPIRE family). Like Redis's `%s`, the
/// option is cut at its first NUL byte.
pub fn unsupported_option(opt: &[u8]) -> String {
    let end = opt.iter().position(|&b| b == 0).unwrap_or(opt.len());
    format!(
        "ERR Unsupported option {}",
        String::from_utf8_lossy(&opt[..end])
    )
}

// Connection commands (HELLO, CLIENT, protected mode).
/// Redis 7.2 wording (7.0 said "the HELLO AUTH <user> <pass> option").
pub const HELLO_NOAUTH: &str = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
pub const PROTO_NOT_INTEGER: &str = "ERR Protocol version is not an integer or out of range";
pub const CLIENT_NAME_INVALID: &str =
    "ERR Client names cannot contain spaces, newlines or special characters.";
pub const NO_SUCH_CLIENT: &str = "ERR No such client";
pub const INVALID_CLIENT_ID: &str = "ERR Invalid client ID";
pub const CLIENT_ID_NOT_POSITIVE: &str = "ERR client-id should be greater than 0";
pub const MAXAGE_NOT_INTEGER: &str = "ERR maxage is not an integer or out of range";
pub const MAXAGE_NOT_POSITIVE: &str = "ERR maxage should be greater than 0";
/// Sent (with `-` and CRLF) to a non-local client refused by protected mode,
/// which is then closed. Redis 7.2 wording (7.0 had the typo "Setup a an").
pub const PROTECTED_MODE_DENIED: &str = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";

/// An argument as C's `%s` prints it: cut at the first NUL byte.
pub fn c_str_arg(arg: &[u8]) -> std::borrow::Cow<'_, str> {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    String::from_utf8_lossy(&arg[..end])
}

/// `ERR Syntax error in HELLO option 'x'`
pub fn hello_syntax(opt: &[u8]) -> String {
    format!("ERR Syntax error in HELLO option '{}'", c_str_arg(opt))
}

/// `ERR Unknown client type 'x'` (CLIENT LIST / CLIENT KILL TYPE).
pub fn unknown_client_type(t: &[u8]) -> String {
    format!("ERR Unknown client type '{}'", c_str_arg(t))
}

/// `ERR No such user 'x'` (CLIENT KILL USER).
pub fn no_such_user(user: &[u8]) -> String {
    format!("ERR No such user '{}'", c_str_arg(user))
}

/// `ERR Unrecognized option 'x'` (CLIENT SETINFO).
pub fn setinfo_unrecognized(attr: &[u8]) -> String {
    format!("ERR Unrecognized option '{}'", c_str_arg(attr))
}

/// `ERR lib-name cannot contain spaces, newlines or special characters.`
/// (CLIENT SETINFO; the attribute as the client spelled it).
pub fn setinfo_invalid(attr: &[u8]) -> String {
    format!(
        "ERR {} cannot contain spaces, newlines or special characters.",
        c_str_arg(attr)
    )
}

// COMMAND GETKEYS / GETKEYSANDFLAGS.
pub const GETKEYS_INVALID_COMMAND: &str = "ERR Invalid command specified";
pub const GETKEYS_BAD_ARITY: &str = "ERR Invalid number of arguments specified for command";
pub const GETKEYS_NO_KEYS: &str = "ERR The command has no key arguments";
pub const GETKEYS_INVALID_ARGS: &str = "ERR Invalid arguments specified for command";

// Server commands (DEBUG, SHUTDOWN).
/// Redis 7's refusal when `enable-debug-command` does not allow the caller.
pub const DEBUG_NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
pub const NO_SHUTDOWN_IN_PROGRESS: &str = "ERR No shutdown in progress.";
pub const SHUTDOWN_FAILED: &str = "ERR Errors trying to SHUTDOWN. Check logs.";
pub const SHUTDOWN_DENY_BLOCKING: &str =
    "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client";

// MODULE.
/// Redis 7's refusal of MODULE LOAD / LOADEX / UNLOAD when
/// `enable-module-command` does not allow the caller.
pub const MODULE_NOT_ALLOWED: &str = "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
/// MODULE LOAD / LOADEX when the library could not be loaded.
pub const MODULE_LOAD_FAILED: &str =
    "ERR Error loading the extension. Please check the server logs.";
/// MODULE UNLOAD of a name no loaded module has.
pub const MODULE_NOT_LOADED: &str = "ERR Error unloading module: no such module with that name";

// Cluster commands on a server that is not a cluster node.
pub const CLUSTER_DISABLED: &str = "ERR This instance has cluster support disabled";

/// `ERR unknown subcommand or wrong number of arguments for 'x'. Try DEBUG HELP.`
/// (commands that parse their own subcommands). Like Redis's `%.128s`, the
/// subcommand is cut at its first NUL byte and at 128 bytes.
pub fn unknown_subcommand_or_arity(sub: &[u8], cmd: &str) -> String {
    let end = sub
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(sub.len())
        .min(128);
    format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        String::from_utf8_lossy(&sub[..end]),
        cmd.to_ascii_uppercase()
    )
}

// Transactions (MULTI/EXEC/WATCH).
pub const MULTI_NESTED: &str = "ERR MULTI calls can not be nested";
pub const EXEC_WITHOUT_MULTI: &str = "ERR EXEC without MULTI";
pub const DISCARD_WITHOUT_MULTI: &str = "ERR DISCARD without MULTI";
pub const WATCH_IN_MULTI: &str = "ERR WATCH inside MULTI is not allowed";
pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";
pub const NOT_ALLOWED_IN_MULTI: &str = "ERR Command not allowed inside a transaction";

/// RESP2 client with subscriptions running another command.
pub fn subscribed_context(fullname: &str) -> String {
    format!(
        "ERR Can't execute '{fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    )
}

// Set commands (SPOP, SRANDMEMBER, SINTERCARD). Shared with other families
// that parse counts and numkeys the same way (getPositiveLong..., numkeys).
/// getPositiveLongFromObjectOrReply's error (SPOP count, ...).
pub const NOT_POSITIVE: &str = "ERR value is out of range, must be positive";
/// getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) (SRANDMEMBER count).
pub const NOT_IN_LONG_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
pub const NUMKEYS_NOT_POSITIVE: &str = "ERR numkeys should be greater than 0";
pub const NUMKEYS_OVER_ARGS: &str = "ERR Number of keys can't be greater than number of args";
pub const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";

// List commands (LSET, LPOS, LMPOP).
pub const INDEX_OUT_OF_RANGE: &str = "ERR index out of range";
pub const LPOS_RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
pub const LPOS_COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
pub const LPOS_MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";
/// LMPOP's COUNT (also BLMPOP; ZMPOP words it the same).
pub const LMPOP_COUNT_NOT_POSITIVE: &str = "ERR count should be greater than 0";

/// A DENYOOM command past maxmemory.
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";
/// A write sent to a read-only replica (`replica-read-only yes`).
pub const READONLY_REPLICA: &str = "READONLY You can't write against a read only replica.";
/// A command without the STALE flag while the link to the master is down
/// and `replica-serve-stale-data no`.
pub const MASTERDOWN: &str =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
/// SYNC/PSYNC to a replica whose own link is not up.
pub const NOMASTERLINK: &str = "NOMASTERLINK Can't SYNC while not connected with my master";
pub const NOMASTERLINK_FAILOVER: &str = "NOMASTERLINK Can't SYNC while failing over";
/// WAIT on a replica.
pub const WAIT_ON_REPLICA: &str = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.";
/// WAITAOF on a replica.
pub const WAITAOF_ON_REPLICA: &str = "ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.";
/// WAITAOF asking for a local fsync while `appendonly` is off (also the
/// reply of one blocked when the AOF is turned off).
pub const WAITAOF_NO_AOF: &str =
    "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.";
/// An integer argument outside 0..=1 (WAITAOF numlocal, REPLCONF rdb-only).
pub const NOT_0_OR_1: &str = "ERR value is out of range, value must between 0 and 1";
/// REPLICAOF from a client that is itself a replica.
pub const REPLICAOF_FROM_REPLICA: &str = "ERR Command is not valid when client is a replica.";
/// Clients blocked when REPLICAOF turns the server into a replica.
pub const UNBLOCKED_REPLICA: &str =
    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";
/// REPLICAOF with a port that is not an integer in 0..=65535.
pub const INVALID_MASTER_PORT: &str = "ERR Invalid master port";

// Blocking commands.
/// CLIENT PAUSE with a mode other than WRITE or ALL.
pub const PAUSE_MODE: &str = "ERR CLIENT PAUSE mode must be WRITE or ALL";
pub const UNBLOCK_REASON: &str = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
pub const UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
pub const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
pub const TIMEOUT_IS_NEGATIVE: &str = "ERR timeout is negative";
pub const TIMEOUT_OUT_OF_RANGE: &str = "ERR timeout is out of range";

// Sorted set commands (ZADD, ZRANGE family, Z*STORE, ZRANDMEMBER).
pub const ZADD_XX_AND_NX: &str = "ERR XX and NX options at the same time are not compatible";
pub const ZADD_GT_LT_NX: &str = "ERR GT, LT, and/or NX options at the same time are not compatible";
pub const ZADD_INCR_SINGLE_PAIR: &str = "ERR INCR option supports a single increment-element pair";
pub const SCORE_IS_NAN: &str = "ERR resulting score is not a number (NaN)";
pub const MIN_MAX_NOT_FLOAT: &str = "ERR min or max is not a float";
pub const MIN_MAX_NOT_LEX: &str = "ERR min or max not valid string range item";
pub const ZRANGE_LIMIT_NEEDS_BY: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
pub const ZRANGE_WITHSCORES_BYLEX: &str =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
pub const WEIGHT_NOT_FLOAT: &str = "ERR weight value is not a float";
/// ZRANDMEMBER count with WITHSCORES beyond +-LONG_MAX/2.
pub const VALUE_OUT_OF_RANGE: &str = "ERR value is out of range";

/// `ERR at least 1 input key is needed for 'zunionstore' command`
pub fn at_least_one_input_key(fullname: &str) -> String {
    format!("ERR at least 1 input key is needed for '{fullname}' command")
}

// Hash commands (HINCRBY, HINCRBYFLOAT, HRANDFIELD).
pub const HASH_VALUE_NOT_INTEGER: &str = "ERR hash value is not an integer";
pub const HASH_VALUE_NOT_FLOAT: &str = "ERR hash value is not a float";
/// HINCRBYFLOAT with an infinite increment.
pub const HASH_INCR_NAN_OR_INF: &str = "ERR value is NaN or Infinity";
/// HRANDFIELD WITHVALUES with |count| above LONG_MAX / 2.
pub const HASH_RANDFIELD_OUT_OF_RANGE: &str = "ERR value is out of range";

// ---- persistence (SAVE, BGSAVE, DUMP, RESTORE) ----
/// SAVE or BGSAVE while a background save runs.
pub const BGSAVE_IN_PROGRESS: &str = "ERR Background save already in progress";
pub const BGSAVE_AOF_REWRITING: &str = "ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
pub const AOF_REWRITE_IN_PROGRESS: &str =
    "ERR Background append only file rewriting already in progress";
pub const AOF_REWRITE_FAILED: &str = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
/// BGSAVE while another kind of child (AOF rewrite) runs.
pub const BGSAVE_OTHER_CHILD: &str = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
/// SAVE / BGSAVE that failed (Redis's shared.err).
pub const SAVE_FAILED: &str = "ERR";
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
pub const RESTORE_INVALID_TTL: &str = "ERR Invalid TTL value, must be >= 0";
pub const RESTORE_INVALID_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
pub const RESTORE_INVALID_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";
pub const DUMP_PAYLOAD_INVALID: &str = "ERR DUMP payload version or checksum are wrong";
pub const BAD_DATA_FORMAT: &str = "ERR Bad data format";
/// Writes (and PING) refused after a failed background save with
/// stop-writes-on-bgsave-error yes (Redis's shared.bgsaveerr).
/// Writes refused while the AOF cannot be written (`why`: the OS error).
pub fn misconf_aof(why: &str) -> String {
    format!("MISCONF Errors writing to the AOF file: {why}")
}
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

// ---- observability (SLOWLOG, LATENCY, MEMORY, MONITOR) ----
/// SLOWLOG GET with a count below -1 or not an integer.
pub const SLOWLOG_BAD_COUNT: &str = "ERR count should be greater than or equal to -1";
/// A MONITOR client running a command that reads or writes keys.
pub const MONITOR_KEYSPACE: &str = "ERR Replica can't interact with the keyspace";
/// LATENCY GRAPH for an event without samples.
pub fn latency_no_samples(event: &[u8]) -> String {
    format!(
        "ERR No samples available for event '{}'",
        String::from_utf8_lossy(event)
    )
}

/// DEBUG RELOAD with an option it does not know.
pub const DEBUG_RELOAD_OPTIONS: &str =
    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.";
/// DEBUG RELOAD could not read back the file it saved.
pub const DEBUG_RELOAD_FAILED: &str = "ERR Error trying to load the RDB dump, check server logs.";
/// A RESP3-only reply asked for over RESP2 (DEBUG PROTOCOL push).
pub const RESP2_NOT_SUPPORTED: &str = "ERR RESP2 is not supported by this command";
/// DEBUG PROTOCOL with an unknown type name.
pub const DEBUG_PROTOCOL_TYPES: &str = "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";
/// A parked XREADGROUP whose consumer group was destroyed meanwhile.
pub const NOGROUP_WHILE_BLOCKED: &str =
    "NOGROUP the consumer group this client was blocked on no longer exists";
/// DEBUG QUICKLIST-PACKED-THRESHOLD with a size that is not a memory amount
/// below 4 GB.
pub const DEBUG_PACKED_THRESHOLD: &str =
    "ERR argument must be a memory value bigger than 1 and smaller than 4gb";
/// WAIT's timeout is not an integer (milliseconds).
pub const TIMEOUT_NOT_INT: &str = "ERR timeout is not an integer or out of range";

/// SORT BY / GET patterns name arbitrary keys: Redis refuses them to users
/// without access to every key.
pub const SORT_BY_NOPERM: &str =
    "ERR BY option of SORT denied due to insufficient ACL permissions.";
pub const SORT_GET_NOPERM: &str =
    "ERR GET option of SORT denied due to insufficient ACL permissions.";
// Scripting.
pub const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";
pub const BUSY_SCRIPT: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
pub const NOTBUSY: &str = "NOTBUSY No scripts in execution right now.";
pub const UNKILLABLE: &str = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
