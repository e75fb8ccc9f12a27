//! docs/compatibility.md is generated from the command table by the test
//! below, so it cannot drift from the code. Regenerate it with
//! `EMBER_WRITE_DOCS=1 cargo test --lib compat`.

/// Redis 7.2's commands and subcommands (names only), for the table of what
/// ember has and has not.
#[cfg(test)]
const REDIS_COMMANDS: &[&str] = &[
    "acl", "acl|cat", "acl|deluser", "acl|dryrun", "acl|genpass", "acl|getuser", "acl|help",
    "acl|list", "acl|load", "acl|log", "acl|save", "acl|setuser", "acl|users", "acl|whoami",
    "append", "asking", "auth", "bgrewriteaof", "bgsave", "bitcount", "bitfield", "bitfield_ro",
    "bitop", "bitpos", "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax",
    "bzpopmin", "client", "client|caching", "client|getname", "client|getredir", "client|help",
    "client|id", "client|info", "client|kill", "client|list", "client|no-evict", "client|no-touch",
    "client|pause", "client|reply", "client|setinfo", "client|setname", "client|tracking",
    "client|trackinginfo", "client|unblock", "client|unpause", "cluster", "cluster|addslots",
    "cluster|addslotsrange", "cluster|bumpepoch", "cluster|count-failure-reports", "cluster|countkeysinslot",
    "cluster|delslots", "cluster|delslotsrange", "cluster|failover", "cluster|flushslots",
    "cluster|forget", "cluster|getkeysinslot", "cluster|help", "cluster|info", "cluster|keyslot",
    "cluster|links", "cluster|meet", "cluster|myid", "cluster|nodes", "cluster|replicas",
    "cluster|replicate", "cluster|reset", "cluster|saveconfig", "cluster|set-config-epoch",
    "cluster|setslot", "cluster|shards", "cluster|slaves", "cluster|slots", "command",
    "command|count", "command|docs", "command|getkeys", "command|getkeysandflags", "command|help",
    "command|info", "command|list", "config", "config|get", "config|help", "config|resetstat",
    "config|rewrite", "config|set", "copy", "dbsize", "debug", "decr", "decrby", "del",
    "discard", "dump", "echo", "eval", "eval_ro", "evalsha", "evalsha_ro", "exec", "exists",
    "expire", "expireat", "expiretime", "failover", "fcall", "fcall_ro", "flushall", "flushdb",
    "function", "function|delete", "function|dump", "function|flush", "function|help",
    "function|kill", "function|list", "function|load", "function|restore", "function|stats",
    "geoadd", "geodist", "geohash", "geopos", "georadius", "georadius_ro", "georadiusbymember",
    "georadiusbymember_ro", "geosearch", "geosearchstore", "get", "getbit", "getdel", "getex",
    "getrange", "getset", "hdel", "hello", "hexists", "hget", "hgetall", "hincrby", "hincrbyfloat",
    "hkeys", "hlen", "hmget", "hmset", "hrandfield", "hscan", "hset", "hsetnx", "hstrlen",
    "hvals", "incr", "incrby", "incrbyfloat", "info", "keys", "lastsave", "latency", "latency|doctor",
    "latency|graph", "latency|help", "latency|histogram", "latency|history", "latency|latest",
    "latency|reset", "lcs", "lindex", "linsert", "llen", "lmove", "lmpop", "lolwut", "lpop",
    "lpos", "lpush", "lpushx", "lrange", "lrem", "lset", "ltrim", "memory", "memory|doctor",
    "memory|help", "memory|malloc-stats", "memory|purge", "memory|stats", "memory|usage",
    "mget", "migrate", "module", "module|help", "module|list", "module|load", "module|loadex",
    "module|unload", "monitor", "move", "mset", "msetnx", "multi", "object", "object|encoding",
    "object|freq", "object|help", "object|idletime", "object|refcount", "persist", "pexpire",
    "pexpireat", "pexpiretime", "pfadd", "pfcount", "pfdebug", "pfmerge", "pfselftest",
    "ping", "psetex", "psubscribe", "psync", "pttl", "publish", "pubsub", "pubsub|channels",
    "pubsub|help", "pubsub|numpat", "pubsub|numsub", "pubsub|shardchannels", "pubsub|shardnumsub",
    "punsubscribe", "quit", "randomkey", "readonly", "readwrite", "rename", "renamenx",
    "replconf", "replicaof", "reset", "restore", "restore-asking", "role", "rpop", "rpoplpush",
    "rpush", "rpushx", "sadd", "save", "scan", "scard", "script", "script|debug", "script|exists",
    "script|flush", "script|help", "script|kill", "script|load", "sdiff", "sdiffstore",
    "select", "set", "setbit", "setex", "setnx", "setrange", "shutdown", "sinter", "sintercard",
    "sinterstore", "sismember", "slaveof", "slowlog", "slowlog|get", "slowlog|help", "slowlog|len",
    "slowlog|reset", "smembers", "smismember", "smove", "sort", "sort_ro", "spop", "spublish",
    "srandmember", "srem", "sscan", "ssubscribe", "strlen", "subscribe", "substr", "sunion",
    "sunionstore", "sunsubscribe", "swapdb", "sync", "time", "touch", "ttl", "type", "unlink",
    "unsubscribe", "unwatch", "wait", "waitaof", "watch", "xack", "xadd", "xautoclaim",
    "xclaim", "xdel", "xgroup", "xgroup|create", "xgroup|createconsumer", "xgroup|delconsumer",
    "xgroup|destroy", "xgroup|help", "xgroup|setid", "xinfo", "xinfo|consumers", "xinfo|groups",
    "xinfo|help", "xinfo|stream", "xlen", "xpending", "xrange", "xread", "xreadgroup",
    "xrevrange", "xsetid", "xtrim", "zadd", "zcard", "zcount", "zdiff", "zdiffstore", "zincrby",
    "zinter", "zintercard", "zinterstore", "zlexcount", "zmpop", "zmscore", "zpopmax",
    "zpopmin", "zrandmember", "zrange", "zrangebylex", "zrangebyscore", "zrangestore",
    "zrank", "zrem", "zremrangebylex", "zremrangebyrank", "zremrangebyscore", "zrevrange",
    "zrevrangebylex", "zrevrangebyscore", "zrevrank", "zscan", "zscore", "zunion", "zunionstore",
];

#[cfg(test)]
mod tests {
    use super::REDIS_COMMANDS;
    use crate::cmd::{Cmd, table};

    fn ours() -> Vec<(String, &'static Cmd)> {
        let mut v: Vec<(String, &'static Cmd)> = Vec::new();
        for c in table().iter() {
            v.push((c.name.to_string(), c));
            for s in c.subs {
                v.push((format!("{}|{}", c.name, s.name), s));
            }
        }
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn render() -> String {
        let ours = ours();
        let have = |n: &str| ours.iter().any(|(m, _)| m == n);
        let mut out = String::from(
            "# Command compatibility\n\n\
             Generated from the command table by `src/cmd/compat.rs` (run \
             `EMBER_WRITE_DOCS=1 cargo test --lib compat` after adding commands).\n\n\
             Every command marked *yes* answers with Redis 7.2's replies and \
             error texts; the differential suite (`tests/diff/*.txt`) checks \
             them byte for byte against a real redis-server.\n\n",
        );
        let total = REDIS_COMMANDS.len();
        let done = REDIS_COMMANDS.iter().filter(|n| have(n)).count();
        out.push_str(&format!(
            "{done} of Redis's {total} commands and subcommands are implemented.\n\n"
        ));
        out.push_str("| command | ember |\n|---|---|\n");
        for n in REDIS_COMMANDS {
            // A pipe inside a table cell must be escaped, even in code.
            let cell = n.replace('|', "\\|");
            out.push_str(&format!("| `{cell}` | {} |\n", if have(n) { "yes" } else { "no" }));
        }
        let extra: Vec<&String> = ours
            .iter()
            .map(|(n, _)| n)
            .filter(|n| !REDIS_COMMANDS.contains(&n.as_str()))
            .collect();
        if !extra.is_empty() {
            out.push_str("\nCommands ember has that Redis 7.2 does not list:\n\n");
            for n in extra {
                out.push_str(&format!("- `{n}`\n"));
            }
        }
        out
    }

    #[test]
    fn compatibility_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/compatibility.md");
        let want = render();
        if std::env::var_os("EMBER_WRITE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/compatibility.md is stale: run `EMBER_WRITE_DOCS=1 cargo test --lib compat`"
        );
    }
}
