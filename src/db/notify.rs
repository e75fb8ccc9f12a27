//! Keyspace notifications (`notify-keyspace-events`): the event classes,
//! parsing of the class letters, and the queue of events raised by the
//! current command. Writes call [`super::Keyspace::notify`], which costs one
//! branch when the class is off; the queue is published (on
//! `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>`) by the command
//! dispatcher after the command's reply, by cron after the active expiry
//! cycle, and by anything else that changes keys outside a command.

/// `K`: publish on `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted-set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: expired events.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: evicted events.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: key-miss events (not part of `A`).
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key type events.
pub const MODULE: u32 = 1 << 12;
/// `n`: new-key events (not part of `A`).
pub const NEW: u32 = 1 << 13;
/// What `A` stands for.
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Parses the class letters of `notify-keyspace-events`; None on an
/// unknown letter.
pub fn parse_classes(s: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in s {
        flags |= match c {
            b'A' => ALL,
            b'g' => GENERIC,
            b'$' => STRING,
            b'l' => LIST,
            b's' => SET,
            b'h' => HASH,
            b'z' => ZSET,
            b'x' => EXPIRED,
            b'e' => EVICTED,
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            b't' => STREAM,
            b'm' => KEY_MISS,
            b'd' => MODULE,
            b'n' => NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// The classes configured in `notify-keyspace-events`. The config store
/// keeps them as bits numbered like the constants above (checked by the
/// tests); reading the bits rather than the CONFIG GET text matters because
/// that text drops `n` when `A` is set, as Redis's does.
pub fn configured_classes(cfg: &crate::config::Config) -> u32 {
    let Some((idx, _)) = crate::config::registry::lookup(b"notify-keyspace-events") else {
        return 0;
    };
    match cfg.read(idx) {
        crate::config::Value::Events(bits) => bits,
        _ => 0,
    }
}

/// One event waiting to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Event class bit (which decided that it was raised).
    pub class: u32,
    /// Event name ("set", "lpush", "expired", ...).
    pub event: &'static str,
    pub db: usize,
    pub key: Vec<u8>,
}

/// The configured classes and the events of the running command.
#[derive(Debug, Default)]
pub struct Notifier {
    /// Classes that are published: the configured class bits when `K` or
    /// `E` is on, else 0. This is the only field the write path reads.
    pub(super) active: u32,
    /// The configured flags, as parsed (K/E included).
    flags: u32,
    /// Events raised and not yet published, in order.
    pub pending: Vec<Event>,
    /// Nesting of command execution (EXEC runs commands inside a command):
    /// events are published only when the outermost command ends.
    pub depth: u32,
}

impl Notifier {
    /// Sets the classes from the letters of `notify-keyspace-events`
    /// (unknown letters are ignored here: the config layer validated them).
    pub fn configure(&mut self, letters: &[u8]) {
        let flags = letters
            .iter()
            .filter_map(|c| parse_classes(std::slice::from_ref(c)))
            .fold(0, |a, b| a | b);
        self.set_flags(flags);
    }

    /// Sets the class bits directly.
    pub fn set_flags(&mut self, flags: u32) {
        self.flags = flags;
        self.active = if flags & (KEYSPACE | KEYEVENT) != 0 {
            flags & !(KEYSPACE | KEYEVENT)
        } else {
            0
        };
    }

    /// The configured class bits.
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Whether events of `class` are published.
    #[inline]
    pub fn enabled(&self, class: u32) -> bool {
        self.active & class != 0
    }

    /// True when keyspace channels (`K`) are published.
    pub fn keyspace(&self) -> bool {
        self.flags & KEYSPACE != 0
    }

    /// True when keyevent channels (`E`) are published.
    pub fn keyevent(&self) -> bool {
        self.flags & KEYEVENT != 0
    }

    #[cold]
    #[inline(never)]
    pub(super) fn push(&mut self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        self.pending.push(Event {
            class,
            event,
            db,
            key: key.to_vec(),
        });
    }

    /// Takes the queued events when they may be published now (not inside
    /// a running command).
    pub fn take_ready(&mut self) -> Option<Vec<Event>> {
        if self.depth == 0 && !self.pending.is_empty() {
            Some(std::mem::take(&mut self.pending))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_letters() {
        assert_eq!(parse_classes(b""), Some(0));
        assert_eq!(parse_classes(b"A"), Some(ALL));
        assert_eq!(parse_classes(b"KEA"), Some(ALL | KEYSPACE | KEYEVENT));
        assert_eq!(parse_classes(b"Kx"), Some(KEYSPACE | EXPIRED));
        assert_eq!(parse_classes(b"En$"), Some(KEYEVENT | NEW | STRING));
        assert_eq!(parse_classes(b"Q"), None);
        assert_eq!(ALL & (NEW | KEY_MISS), 0);
    }

    #[test]
    fn config_bits_match() {
        let mut cfg = crate::config::Config::default();
        assert_eq!(configured_classes(&cfg), 0);
        for letters in [
            "K", "E", "g", "$", "l", "s", "h", "z", "x", "e", "t", "m", "d", "n", "A",
        ] {
            let set = cfg.set(&[(b"notify-keyspace-events", letters.as_bytes())], true);
            assert!(set.is_ok(), "{letters}");
            assert_eq!(
                Some(configured_classes(&cfg)),
                parse_classes(letters.as_bytes()),
                "{letters}"
            );
        }
        let set = cfg.set(&[(b"notify-keyspace-events", b"KEAn")], true);
        assert!(set.is_ok());
        assert_eq!(configured_classes(&cfg), KEYSPACE | KEYEVENT | ALL | NEW);
    }

    #[test]
    fn classes_need_k_or_e() {
        let mut n = Notifier::default();
        n.configure(b"A");
        assert!(!n.enabled(STRING));
        n.configure(b"KA");
        assert!(n.enabled(STRING) && n.enabled(GENERIC) && !n.enabled(NEW));
        assert!(n.keyspace() && !n.keyevent());
        n.configure(b"En");
        assert!(n.enabled(NEW) && !n.enabled(STRING));
        n.configure(b"");
        assert!(!n.enabled(ALL | NEW | KEY_MISS));
    }

    #[test]
    fn queue_waits_for_outermost_command() {
        let mut n = Notifier::default();
        n.configure(b"KEA");
        n.depth = 1;
        n.push(STRING, "set", 0, b"k");
        assert_eq!(n.take_ready(), None);
        n.depth = 0;
        let ev = n.take_ready().unwrap_or_default();
        assert_eq!(ev.len(), 1);
        assert_eq!(
            (ev[0].event, ev[0].db, &ev[0].key[..]),
            ("set", 0, &b"k"[..])
        );
        assert_eq!(n.take_ready(), None);
    }

    /// One RESP3 pmessage push for pattern `__key*__:*`.
    fn push(chan: &str, msg: &str) -> String {
        format!(
            ">4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n${}\r\n{chan}\r\n${}\r\n{msg}\r\n",
            chan.len(),
            msg.len()
        )
    }

    fn subscribed(classes: &str) -> crate::testing::Harness {
        let mut h = crate::testing::Harness::new();
        h.run(&["HELLO", "3"]);
        assert_eq!(
            h.run(&["CONFIG", "SET", "notify-keyspace-events", classes]),
            "+OK\r\n"
        );
        h.run(&["PSUBSCRIBE", "__key*__:*"]);
        h
    }

    #[test]
    fn own_pushes_follow_the_reply() {
        let mut h = subscribed("KEA");
        let want = format!(
            "+OK\r\n{}{}{}{}",
            push("__keyspace@0__:k", "set"),
            push("__keyevent@0__:set", "k"),
            push("__keyspace@0__:k", "expire"),
            push("__keyevent@0__:expire", "k")
        );
        assert_eq!(h.run(&["SET", "k", "v", "EX", "100"]), want);
        // An aggregate left empty: the type event, then del.
        h.run(&["RPUSH", "l", "a"]);
        let want = format!(
            "$1\r\na\r\n{}{}{}{}",
            push("__keyspace@0__:l", "lpop"),
            push("__keyevent@0__:lpop", "l"),
            push("__keyspace@0__:l", "del"),
            push("__keyevent@0__:del", "l")
        );
        assert_eq!(h.run(&["LPOP", "l"]), want);
        assert_eq!(h.run(&["GET", "nothing"]), "_\r\n");
    }

    #[test]
    fn exec_pushes_follow_the_whole_reply() {
        let mut h = subscribed("E$g");
        h.run(&["MULTI"]);
        h.run(&["SET", "k", "1"]);
        h.run(&["DEL", "k"]);
        let want = format!(
            "*2\r\n+OK\r\n:1\r\n{}{}",
            push("__keyevent@0__:set", "k"),
            push("__keyevent@0__:del", "k")
        );
        assert_eq!(h.run(&["EXEC"]), want);
    }

    #[test]
    fn classes_filter_and_new_is_explicit() {
        let mut h = subscribed("KA");
        assert_eq!(
            h.run(&["SADD", "s", "a"]),
            format!(":1\r\n{}", push("__keyspace@0__:s", "sadd"))
        );
        h.run(&["CONFIG", "SET", "notify-keyspace-events", "En"]);
        assert_eq!(
            h.run(&["SET", "n", "1"]),
            format!("+OK\r\n{}", push("__keyevent@0__:new", "n"))
        );
        assert_eq!(h.run(&["SET", "n", "2"]), "+OK\r\n");
        h.run(&["CONFIG", "SET", "notify-keyspace-events", ""]);
        assert_eq!(h.run(&["DEL", "n"]), ":1\r\n");
        assert!(h.srv.ks.events.pending.is_empty());
    }

    #[test]
    fn lazy_and_active_expiry() {
        let mut h = subscribed("Ex");
        h.now = Some(1_000);
        h.run(&["SET", "k", "v", "PX", "10"]);
        h.now = Some(2_000);
        assert_eq!(
            h.run(&["GET", "k"]),
            format!("_\r\n{}", push("__keyevent@0__:expired", "k"))
        );
        // The active cycle queues its events for cron to publish.
        h.run(&["SET", "a", "v", "PX", "10"]);
        h.srv
            .ks
            .active_expire_cycle(10_000, std::time::Duration::from_millis(10));
        let queued = std::mem::take(&mut h.srv.ks.events.pending);
        assert_eq!(queued.len(), 1);
        assert_eq!(
            (queued[0].event, &queued[0].key[..]),
            ("expired", &b"a"[..])
        );
    }
}
