//! The cluster commands as a standalone (non-cluster) Redis answers them:
//! CLUSTER and every subcommand, READONLY, READWRITE and ASKING are known
//! commands (COMMAND INFO/DOCS, ACL categories, arity errors) that all reply
//! `-ERR This instance has cluster support disabled`. Cluster-aware clients
//! and tools probe exactly this to find out they talk to a single node.
//! ember has no cluster mode; nothing here touches the keyspace.

use super::{Cmd, Ctx, flags::*};
use crate::error;

/// Redis 7.0's flags for CLUSTER subcommands that change the cluster
/// configuration.
const CHANGE: u32 = ADMIN | STALE | NO_ASYNC_LOADING;
/// Subcommands that only inspect it.
const VIEW: u32 = STALE;
/// Inspecting subcommands that show other nodes (ADMIN in Redis).
const ADMIN_VIEW: u32 = ADMIN | STALE;

/// CLUSTER's subcommands with Redis 7's arities and flags (MYSHARDID is
/// new in 7.2).
static CLUSTER_SUBS: &[Cmd] = &[
    Cmd::new("addslots", -3, CHANGE, disabled),
    Cmd::new("addslotsrange", -4, CHANGE, disabled),
    Cmd::new("bumpepoch", 2, CHANGE, disabled),
    Cmd::new("count-failure-reports", 3, ADMIN_VIEW, disabled),
    Cmd::new("countkeysinslot", 3, VIEW, disabled),
    Cmd::new("delslots", -3, CHANGE, disabled),
    Cmd::new("delslotsrange", -4, CHANGE, disabled),
    Cmd::new("failover", -2, CHANGE, disabled),
    Cmd::new("flushslots", 2, CHANGE, disabled),
    Cmd::new("forget", 3, CHANGE, disabled),
    Cmd::new("getkeysinslot", 4, VIEW, disabled),
    Cmd::new("help", 2, LOADING | STALE, disabled),
    Cmd::new("info", 2, VIEW, disabled),
    Cmd::new("keyslot", 3, VIEW, disabled),
    Cmd::new("links", 2, VIEW, disabled),
    Cmd::new("meet", -4, CHANGE, disabled),
    Cmd::new("myid", 2, VIEW, disabled),
    Cmd::new("myshardid", 2, VIEW, disabled),
    Cmd::new("nodes", 2, VIEW, disabled),
    Cmd::new("replicas", 3, ADMIN_VIEW, disabled),
    Cmd::new("replicate", 3, CHANGE, disabled),
    Cmd::new("reset", -2, ADMIN | NOSCRIPT | STALE, disabled),
    Cmd::new("saveconfig", 2, CHANGE, disabled),
    Cmd::new("set-config-epoch", 3, CHANGE, disabled),
    Cmd::new("setslot", -4, CHANGE, disabled),
    Cmd::new("shards", 2, VIEW, disabled),
    Cmd::new("slaves", 3, ADMIN_VIEW, disabled),
    Cmd::new("slots", 2, VIEW, disabled),
];

pub static COMMANDS: &[Cmd] = &[
    Cmd::container("cluster", CLUSTER_SUBS),
    Cmd::new("readonly", 1, LOADING | STALE | FAST, disabled),
    Cmd::new("readwrite", 1, LOADING | STALE | FAST, disabled),
    Cmd::new("asking", 1, FAST, disabled),
];

/// CLUSTER <subcommand> [argument ...], READONLY, READWRITE, ASKING: what a
/// Redis started without `cluster-enabled yes` answers to all of them,
/// CLUSTER HELP included (once the arity checked out).
fn disabled(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.error(error::CLUSTER_DISABLED);
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    const DISABLED: &str = "-ERR This instance has cluster support disabled\r\n";

    #[test]
    fn every_cluster_command_says_cluster_support_is_disabled() {
        let mut h = Harness::new();
        for line in [
            &["CLUSTER", "INFO"][..],
            &["cluster", "help"],
            &["CLUSTER", "KEYSLOT", "k"],
            &["CLUSTER", "SETSLOT", "1", "NODE", "x"],
            &["CLUSTER", "MYSHARDID"],
            &["READONLY"],
            &["readwrite"],
            &["ASKING"],
        ] {
            assert_eq!(h.run(line), DISABLED, "{line:?}");
        }
    }

    #[test]
    fn arity_and_unknown_subcommands_come_first() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CLUSTER"]),
            "-ERR wrong number of arguments for 'cluster' command\r\n"
        );
        assert_eq!(
            h.run(&["CLUSTER", "foo"]),
            "-ERR unknown subcommand 'foo'. Try CLUSTER HELP.\r\n"
        );
        assert_eq!(
            h.run(&["CLUSTER", "INFO", "x"]),
            "-ERR wrong number of arguments for 'cluster|info' command\r\n"
        );
        assert_eq!(
            h.run(&["CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"]),
            DISABLED
        );
        assert_eq!(
            h.run(&["CLUSTER", "ADDSLOTSRANGE", "1"]),
            "-ERR wrong number of arguments for 'cluster|addslotsrange' command\r\n"
        );
        assert_eq!(
            h.run(&["READONLY", "x"]),
            "-ERR wrong number of arguments for 'readonly' command\r\n"
        );
    }
}
