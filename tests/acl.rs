//! ACL users over real sockets: AUTH as different users, NOPERM for
//! commands, keys and channels (also while queuing in MULTI), ACL DELUSER
//! closing connections, and users from `user` lines and an aclfile at
//! start-up, including the start-up errors.

mod common;
use common::*;
use std::process::Command;
use std::time::Duration;

const NOPERM_KEY: &str =
    "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n";
const NOPERM_CHANNEL: &str =
    "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n";
const WRONGPASS: &str = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

fn noperm(cmd: &str) -> String {
    format!("-NOPERM this user has no permissions to run the '{cmd}' command\r\n")
}

#[test]
fn users_commands_keys_channels() {
    let ember = start_ember(&[]);
    let mut admin = ember.connect();
    assert_eq!(
        admin.cmd_str(&[
            "ACL",
            "SETUSER",
            "app",
            "on",
            ">secret",
            "~app:*",
            "%R~ro:*",
            "&news.*",
            "+@read",
            "+set",
            "+publish",
            "+subscribe",
            "+multi",
            "+exec",
            "+acl|whoami",
        ]),
        "+OK\r\n"
    );
    let mut c = ember.connect();
    assert_eq!(c.cmd_str(&["AUTH", "app", "wrong"]), WRONGPASS);
    assert_eq!(c.cmd_str(&["AUTH", "nosuch", "secret"]), WRONGPASS);
    assert_eq!(c.cmd_str(&["ACL", "WHOAMI"]), "$7\r\ndefault\r\n");
    assert_eq!(c.cmd_str(&["AUTH", "app", "secret"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["ACL", "WHOAMI"]), "$3\r\napp\r\n");
    assert_eq!(c.cmd_str(&["SET", "app:1", "v"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["GET", "app:1"]), "$1\r\nv\r\n");
    assert_eq!(c.cmd_str(&["GET", "other"]), NOPERM_KEY);
    // %R~ grants reads only.
    assert_eq!(c.cmd_str(&["GET", "ro:1"]), "$-1\r\n");
    assert_eq!(c.cmd_str(&["SET", "ro:1", "v"]), NOPERM_KEY);
    assert_eq!(c.cmd_str(&["DEL", "app:1"]), noperm("del"));
    assert_eq!(c.cmd_str(&["CONFIG", "GET", "port"]), noperm("config|get"));
    assert_eq!(c.cmd_str(&["PUBLISH", "news.today", "m"]), ":0\r\n");
    assert_eq!(c.cmd_str(&["PUBLISH", "other", "m"]), NOPERM_CHANNEL);
    assert_eq!(c.cmd_str(&["SUBSCRIBE", "other"]), NOPERM_CHANNEL);
    // Refusals while queuing abort the transaction, as in Redis.
    assert_eq!(c.cmd_str(&["MULTI"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["GET", "app:1"]), "+QUEUED\r\n");
    assert_eq!(c.cmd_str(&["GET", "other"]), NOPERM_KEY);
    assert_eq!(
        c.cmd_str(&["EXEC"]),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    // The admin sees the denials in the ACL LOG (newest first).
    let log = admin.cmd_str(&["ACL", "LOG"]);
    assert!(log.starts_with("*8\r\n"), "{log}");
    assert!(log.contains("$7\r\ncontext\r\n$5\r\nmulti\r\n$6\r\nobject\r\n$5\r\nother\r\n"));
    assert!(log.contains("$6\r\nreason\r\n$4\r\nauth\r\n"));
    assert!(log.contains("$6\r\nobject\r\n$10\r\nconfig|get\r\n"));
    assert!(log.contains(" user=app "));
    // Redis 7.2's entry-id counts entries from 0; the oldest is the last.
    assert!(log.contains("$8\r\nentry-id\r\n:0\r\n$17\r\ntimestamp-created\r\n"));
    let list = admin.cmd_str(&["CLIENT", "LIST"]);
    assert!(list.contains(" user=app ") && list.contains(" user=default "));
    let info = admin.cmd_str(&["INFO", "stats"]);
    for line in [
        "acl_access_denied_auth:2",
        "acl_access_denied_cmd:2",
        "acl_access_denied_key:3",
        "acl_access_denied_channel:2",
    ] {
        assert!(info.contains(line), "{line} in {info}");
    }
    assert_eq!(admin.cmd_str(&["ACL", "LOG", "RESET"]), "+OK\r\n");
    assert_eq!(admin.cmd_str(&["ACL", "LOG"]), "*0\r\n");

    // Turning the user off refuses new logins but keeps the connection;
    // deleting it closes its connections.
    assert_eq!(admin.cmd_str(&["ACL", "SETUSER", "app", "off"]), "+OK\r\n");
    assert_eq!(
        ember.connect().cmd_str(&["AUTH", "app", "secret"]),
        WRONGPASS
    );
    assert_eq!(c.cmd_str(&["GET", "app:1"]), "$1\r\nv\r\n");
    assert_eq!(admin.cmd_str(&["ACL", "DELUSER", "app"]), ":1\r\n");
    c.expect_close(Duration::from_secs(5))
        .expect("a deleted user's connection is closed");
    assert_eq!(admin.cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn default_user_mirrors_requirepass() {
    let ember = start_ember(&["--requirepass", "pw"]);
    let mut c = ember.connect();
    assert_eq!(
        c.cmd_str(&["GET", "k"]),
        "-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(c.cmd_str(&["AUTH", "pw"]), "+OK\r\n");
    assert_eq!(
        c.cmd_str(&["CONFIG", "SET", "requirepass", "pw2"]),
        "+OK\r\n"
    );
    let mut d = ember.connect();
    assert_eq!(d.cmd_str(&["AUTH", "default", "pw"]), WRONGPASS);
    assert_eq!(d.cmd_str(&["AUTH", "default", "pw2"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["CONFIG", "SET", "requirepass", ""]), "+OK\r\n");
    assert_eq!(ember.connect().cmd_str(&["GET", "k"]), "$-1\r\n");
}

#[test]
fn user_lines_and_aclfile_at_startup() {
    let ember = start_ember(&["--user", "bob", "on", ">pw", "~b:*", "+get"]);
    let mut c = ember.connect();
    assert_eq!(c.cmd_str(&["AUTH", "bob", "pw"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["GET", "b:1"]), "$-1\r\n");
    assert_eq!(c.cmd_str(&["SET", "b:1", "v"]), noperm("set"));
    // A config line for default starts from `reset`, as in Redis.
    let ember = start_ember(&["--user", "default", "on", "nopass", "~*", "&*", "+@all"]);
    assert_eq!(
        ember.connect().cmd_str(&["ACL", "LIST"]),
        "*1\r\n$51\r\nuser default on nopass sanitize-payload ~* &* +@all\r\n"
    );

    let dir = temp_dir("ember-aclfile");
    let file = dir.join("users.acl");
    std::fs::write(&file, "user carol on >pw ~* +@all\n\nuser default off\n").unwrap();
    let file_s = file.to_string_lossy().into_owned();
    let ember = start_ember(&["--aclfile", &file_s]);
    let mut c = ember.connect();
    // The default user is off: every connection must log in.
    assert_eq!(c.cmd_str(&["PING"]), "-NOAUTH Authentication required.\r\n");
    assert_eq!(c.cmd_str(&["AUTH", "carol", "pw"]), "+OK\r\n");
    assert_eq!(
        c.cmd_str(&["ACL", "SETUSER", "dave", "on", "nopass"]),
        "+OK\r\n"
    );
    assert_eq!(c.cmd_str(&["ACL", "SAVE"]), "+OK\r\n");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "user carol on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* resetchannels +@all\n\
         user dave on nopass resetchannels -@all\n\
         user default off resetchannels -@all\n"
    );
    std::fs::write(&file, "user carol on >pw ~* +@all\nbogus line\n").unwrap();
    let reply = c.cmd_str(&["ACL", "LOAD"]);
    assert_eq!(
        reply,
        format!(
            "-ERR {file_s}:2 should start with user keyword followed by the username. WARNING: \
             ACL errors detected, no change to the previously active ACL rules was performed\r\n"
        )
    );
    assert_eq!(
        c.cmd_str(&["ACL", "USERS"]),
        "*3\r\n$5\r\ncarol\r\n$4\r\ndave\r\n$7\r\ndefault\r\n"
    );
    // A good file replaces every user and closes the connections of users
    // other than default, even ones that still exist (as Redis 7.0 does).
    std::fs::write(&file, "user carol on >pw ~* +@all\n").unwrap();
    let mut admin = ember.connect();
    assert_eq!(admin.cmd_str(&["AUTH", "carol", "pw"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["ACL", "LOAD"]), "+OK\r\n");
    c.expect_close(Duration::from_secs(5))
        .expect("ACL LOAD closes the connections of reloaded users");
    admin
        .expect_close(Duration::from_secs(5))
        .expect("ACL LOAD closes the connections of reloaded users");
    let mut c = ember.connect();
    assert_eq!(c.cmd_str(&["AUTH", "carol", "pw"]), "+OK\r\n");
    assert_eq!(
        c.cmd_str(&["ACL", "USERS"]),
        "*2\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n"
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        c.cmd_str(&["ACL", "LOAD"]),
        format!("-ERR Error loading ACLs, opening file '{file_s}': No such file or directory\r\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs ember with a config file and returns its exit code and stderr.
fn run_with_config(text: &str) -> (Option<i32>, String) {
    let dir = temp_dir("ember-acl-conf");
    let conf = dir.join("ember.conf");
    std::fs::write(&conf, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ember-server"))
        .arg(&conf)
        .arg("--port")
        .arg(free_port().to_string())
        .current_dir(&dir)
        .output()
        .expect("run ember-server");
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

#[test]
fn startup_errors() {
    let (code, err) = run_with_config("user bad on foo\n");
    assert_eq!(code, Some(1));
    assert!(
        err.contains("Reading the configuration file, at line 1\n>>> 'user bad on foo'\nError in user declaration 'bad': Syntax error"),
        "{err}"
    );
    let (code, err) = run_with_config("user good on >x\naclfile /nonexistent/users.acl\n");
    assert_eq!(code, Some(1));
    assert!(
        err.contains("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid."),
        "{err}"
    );
}

/// Kills the spawned server when the test ends, pass or fail.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn config_rewrite_writes_users() {
    let dir = temp_dir("ember-acl-rewrite");
    let conf = dir.join("ember.conf");
    let port = free_port();
    std::fs::write(
        &conf,
        format!("port {port}\nsave \"\"\nuser bob on >pw ~b:* +get\n# a comment\n"),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ember-server"))
        .arg(&conf)
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn ember-server");
    let _guard = Killed(child);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut c = loop {
        match RawConn::connect(port) {
            Ok(c) => break c,
            Err(e) if std::time::Instant::now() > deadline => panic!("ember did not start: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    assert_eq!(
        c.cmd_str(&["ACL", "SETUSER", "amy", "on", "nopass"]),
        "+OK\r\n"
    );
    assert_eq!(c.cmd_str(&["CONFIG", "REWRITE"]), "+OK\r\n");
    let text = std::fs::read_to_string(&conf).unwrap();
    // The old line is replaced in place; the others are appended, sorted.
    let users: Vec<&str> = text.lines().filter(|l| l.starts_with("user ")).collect();
    assert_eq!(
        users,
        [
            "user amy on nopass resetchannels -@all",
            "user bob on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~b:* \
             resetchannels -@all +get",
            "user default on nopass ~* &* +@all",
        ]
    );
    assert!(text.contains("# a comment"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn revoking_channels_closes_subscribers() {
    let ember = start_ember(&[]);
    let mut admin = ember.connect();
    let setuser = ["ACL", "SETUSER", "ps", "on", ">p", "~*", "&news.*", "+@all"];
    assert_eq!(admin.cmd_str(&setuser), "+OK\r\n");
    let mut sub = ember.connect();
    let mut psub = ember.connect();
    for c in [&mut sub, &mut psub] {
        assert_eq!(c.cmd_str(&["AUTH", "ps", "p"]), "+OK\r\n");
    }
    assert_eq!(
        sub.cmd_str(&["SUBSCRIBE", "news.a"]),
        "*3\r\n$9\r\nsubscribe\r\n$6\r\nnews.a\r\n:1\r\n"
    );
    assert_eq!(
        psub.cmd_str(&["PSUBSCRIBE", "news.*"]),
        "*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n"
    );
    // Widening keeps both; narrowing to a pattern that still matches the
    // channel keeps the plain subscriber but not the pattern one.
    assert_eq!(
        admin.cmd_str(&["ACL", "SETUSER", "ps", "&other"]),
        "+OK\r\n"
    );
    assert_eq!(sub.cmd_str(&["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(
        admin.cmd_str(&["ACL", "SETUSER", "ps", "resetchannels", "&news.a*"]),
        "+OK\r\n"
    );
    psub.expect_close(Duration::from_secs(5))
        .expect("a pattern subscriber losing its pattern is closed");
    assert_eq!(sub.cmd_str(&["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(
        admin.cmd_str(&["ACL", "SETUSER", "ps", "resetchannels"]),
        "+OK\r\n"
    );
    sub.expect_close(Duration::from_secs(5))
        .expect("a subscriber losing its channel is closed");
}

/// A script's denied command is logged with the client that called the
/// script (its address, name and EVAL), as Redis logs it, not with the
/// script's internal client.
fn script_denial_names_the_caller(s: &ServerProc) {
    let mut admin = s.connect();
    assert_eq!(
        admin.cmd_str(&["ACL", "SETUSER", "u", "on", ">p", "+@all", "-set", "~*"]),
        "+OK\r\n"
    );
    let mut c = s.connect();
    assert_eq!(c.cmd_str(&["AUTH", "u", "p"]), "+OK\r\n");
    assert_eq!(c.cmd_str(&["CLIENT", "SETNAME", "scripted"]), "+OK\r\n");
    let reply = c.cmd_str(&["EVAL", "return redis.call('set','a','1')", "0"]);
    assert!(
        reply.starts_with("-ERR The user executing the script can't run this command"),
        "{reply}"
    );
    let log = admin.cmd_str(&["ACL", "LOG", "1"]);
    let info = log
        .split("\r\n")
        .find(|l| l.starts_with("id="))
        .unwrap_or_else(|| panic!("no client-info in {log}"));
    assert!(info.contains(" addr=127.0.0.1:"), "{info}");
    assert!(info.contains(" name=scripted "), "{info}");
    assert!(info.contains(" cmd=eval "), "{info}");
    assert!(info.contains(" user=u "), "{info}");
    assert!(log.contains("\r\nlua\r\n"), "context lua: {log}");
}

on_both!(
    script_denial_names_the_caller,
    script_denial_names_the_caller_ember,
    script_denial_names_the_caller_redis
);
