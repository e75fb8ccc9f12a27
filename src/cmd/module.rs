//! MODULE and its subcommands as a Redis with no module loaded answers
//! them. ember cannot load Redis modules (they are C shared libraries
//! written against Redis's own process), so MODULE LIST is always empty,
//! LOAD and LOADEX fail as for a file that cannot be loaded, and UNLOAD
//! finds no module of that name. LOAD, LOADEX and UNLOAD are PROTECTED:
//! `enable-module-command` (default `no`) gates them before they run, with
//! Redis's error, as clients probing for modules expect.

use super::{Cmd, Ctx, flags::*};
use crate::error;
use tracing::warn;

/// Flags of the subcommands that would change the loaded modules.
const CHANGE: u32 = ADMIN | NOSCRIPT | NO_ASYNC_LOADING | PROTECTED;

static MODULE_SUBS: &[Cmd] = &[
    Cmd::new("help", 2, LOADING | STALE, help),
    Cmd::new("list", 2, ADMIN | NOSCRIPT, list),
    Cmd::new("load", -3, CHANGE, load),
    Cmd::new("loadex", -3, CHANGE, load),
    Cmd::new("unload", 3, CHANGE, unload),
];

pub static COMMANDS: &[Cmd] = &[Cmd::container("module", MODULE_SUBS)];

/// MODULE HELP. The lines are the reply clients see, so they are Redis's
/// own, byte for byte.
fn help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    const LINES: &[&str] = &[
        "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and optional arguments.",
        "UNLOAD <name>",
        "    Unload a module.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.c.reply.status_lines(LINES);
}

/// MODULE LIST: the loaded modules, one map each; always none.
fn list(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.array(0);
}

/// MODULE LOAD path [arg ...] and MODULE LOADEX path [CONFIG name value
/// ...] [ARGS arg ...]: the failure Redis reports for a library it cannot
/// load, with the reason in the log as Redis logs it.
fn load(ctx: &mut Ctx, argv: &[&[u8]]) {
    warn!(
        "Module {} failed to load: ember does not load Redis modules",
        String::from_utf8_lossy(argv[2])
    );
    ctx.c.reply.error(error::MODULE_LOAD_FAILED);
}

/// MODULE UNLOAD name: no module is ever loaded, so none has that name.
fn unload(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.c.reply.error(error::MODULE_NOT_LOADED);
}

#[cfg(test)]
mod tests {
    use crate::config::YesLocalNo;
    use crate::error;
    use crate::testing::Harness;

    #[test]
    fn list_is_empty_and_help_has_redis_shape() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["MODULE", "LIST"]), "*0\r\n");
        let help = h.run(&["module", "help"]);
        assert!(help.starts_with("*11\r\n+MODULE <subcommand> "), "{help}");
        assert!(
            help.ends_with("+HELP\r\n+    Prints this help.\r\n"),
            "{help}"
        );
        assert_eq!(
            h.run(&["MODULE", "LIST", "x"]),
            "-ERR wrong number of arguments for 'module|list' command\r\n"
        );
        assert_eq!(
            h.run(&["MODULE", "nope"]),
            "-ERR unknown subcommand 'nope'. Try MODULE HELP.\r\n"
        );
    }

    #[test]
    fn changes_are_refused_unless_enabled_then_fail_like_a_missing_file() {
        let mut h = Harness::new();
        assert_eq!(h.srv.config.enable_module_command, YesLocalNo::No);
        let denied = format!("-{}\r\n", error::MODULE_NOT_ALLOWED);
        for line in [
            &["MODULE", "LOAD", "/x.so"][..],
            &["MODULE", "LOADEX", "/x.so", "CONFIG", "a", "b"],
            &["MODULE", "UNLOAD", "x"],
        ] {
            assert_eq!(h.run(line), denied, "{line:?}");
        }
        // Arity is checked before the switch.
        assert_eq!(
            h.run(&["MODULE", "UNLOAD"]),
            "-ERR wrong number of arguments for 'module|unload' command\r\n"
        );
        // Inside MULTI the refusal aborts the transaction, as in Redis.
        assert_eq!(h.run(&["MULTI"]), "+OK\r\n");
        assert_eq!(h.run(&["MODULE", "LOAD", "/x.so"]), denied);
        assert_eq!(
            h.run(&["EXEC"]),
            "-EXECABORT Transaction discarded because of previous errors.\r\n"
        );

        h.srv.config.enable_module_command = YesLocalNo::Local;
        h.c.addr = "10.1.2.3:5000".into();
        assert_eq!(h.run(&["MODULE", "LOAD", "/x.so"]), denied);
        h.c.addr = "127.0.0.1:5000".into();
        let failed = format!("-{}\r\n", error::MODULE_LOAD_FAILED);
        assert_eq!(h.run(&["MODULE", "LOAD", "/x.so", "a"]), failed);
        h.srv.config.enable_module_command = YesLocalNo::Yes;
        h.c.addr = "10.1.2.3:5000".into();
        assert_eq!(h.run(&["MODULE", "LOADEX", "/x.so", "ARGS", "a"]), failed);
        assert_eq!(
            h.run(&["MODULE", "UNLOAD", "x"]),
            format!("-{}\r\n", error::MODULE_NOT_LOADED)
        );
    }
}
