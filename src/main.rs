//! `ember-server [/path/to/redis.conf] [--directive value ...]`: the same
//! command line as `redis-server`. Parses it, loads the config, starts
//! logging and the event loop, and exits with the loop's exit code.

use clap::{Arg, ArgAction, Command};

#[global_allocator]
static GLOBAL: ember::alloc::CountingAlloc = ember::alloc::CountingAlloc;

use ember::config::Config;
use ember::server::{EventLoop, daemon, logging, signals};

fn cli() -> Command {
    Command::new("ember-server")
        .about("A Redis-compatible cache server")
        .override_usage(
            "ember-server [/path/to/redis.conf] [options] [-]\n       \
             ember-server - (read config from stdin)\n       \
             ember-server -v or --version\n       \
             ember-server -h or --help\n\n\
             Examples:\n       \
             ember-server (run the server with default conf)\n       \
             ember-server /etc/redis/6379.conf\n       \
             ember-server --port 7777\n       \
             ember-server --port 7777 --replicaof 127.0.0.1 8888\n       \
             ember-server /etc/myredis.conf --loglevel verbose -\n       \
             ember-server /etc/myredis.conf --loglevel verbose",
        )
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('v')
                .long("version")
                .action(ArgAction::SetTrue)
                .help("Print version and exit"),
        )
        .arg(
            Arg::new("args")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .help("Config file path, then --directive value overrides"),
        )
}

fn main() {
    let m = cli().get_matches();
    if m.get_flag("version") {
        println!(
            "ember server v={} redis_version={} bits={} build=rust",
            ember::VERSION,
            ember::REDIS_COMPAT_VERSION,
            usize::BITS
        );
        return;
    }
    let args: Vec<String> = m
        .get_many::<String>("args")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let config = match Config::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    // chdir first, so a relative `logfile` or `pidfile` is relative to `dir`
    // as in Redis (which changes directory while reading the config).
    if let Err(e) = std::env::set_current_dir(&config.dir) {
        eprintln!("Can't chdir to '{}': {e}", config.dir);
        std::process::exit(1);
    }
    if let Err(e) = logging::init(config.loglevel, &config.logfile) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    // Like Redis: find the supervisor, then detach unless one was found
    // (after config parsing, before binding listeners).
    let supervisor = daemon::detect_supervision(&config);
    let background = config.daemonize && supervisor == daemon::Supervisor::None;
    if background && let Err(e) = daemon::daemonize() {
        tracing::warn!("Can't daemonize: {e}");
        std::process::exit(1);
    }
    signals::install();
    tracing::info!(
        "ember {} (Redis {} compatible) starting, pid={}",
        ember::VERSION,
        ember::REDIS_COMPAT_VERSION,
        std::process::id()
    );
    let mut el = match EventLoop::new(config) {
        Ok(el) => el,
        Err(e) => {
            tracing::warn!("{e}");
            std::process::exit(1);
        }
    };
    announce(&el.srv.config);
    if let Err(e) = ember::acl::load_at_startup(&mut el.srv) {
        tracing::warn!("{e}");
        std::process::exit(1);
    }
    tracing::info!("Server initialized");
    // Listeners are up: write the pid file (Redis does it right after
    // binding, before loading data). From here on the guard removes it.
    daemon::create_pidfile(&mut el.srv.config, background);
    let exit_guard = daemon::ExitGuard::new();
    // Data loading goes here, before READY=1: systemd must only see the
    // server ready once data is loaded and listeners are up.
    if let Err(e) = el.load_data() {
        // The pid file goes first: the reason is the log's last line, as
        // with Redis (which exits without removing it).
        drop(exit_guard);
        tracing::warn!("{e}");
        std::process::exit(1);
    }
    daemon::notify_ready();
    let code = el.run();
    // STOPPING=1 (if the shutdown path has not sent it) and pid file
    // removal; process::exit runs no destructors, so drop it explicitly.
    drop(exit_guard);
    std::process::exit(code);
}

/// Redis's start-up announcement: a banner with the mode, port and pid when
/// `always-show-logo yes` or when logging to a terminal, one line otherwise.
/// Log watchers (Redis's own test harness among them) look for `PID: <pid>`
/// in the banner and `Running mode=` in the line.
fn announce(config: &Config) {
    let to_stdout = config.logfile.is_empty();
    let tty = to_stdout && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let logo = config.get_bool("always-show-logo").unwrap_or(false);
    let pid = std::process::id();
    if (logo || tty) && !config.get_bool("syslog-enabled").unwrap_or(false) {
        tracing::info!(
            "ember {} (Redis {} compatible) {} bit",
            ember::VERSION,
            ember::REDIS_COMPAT_VERSION,
            usize::BITS
        );
        tracing::info!("Running in standalone mode");
        tracing::info!("Port: {}", config.port);
        tracing::info!("PID: {pid}");
    } else {
        tracing::info!("Running mode=standalone, port={}.", config.port);
    }
}
