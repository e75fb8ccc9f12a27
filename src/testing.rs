//! In-process command harness for tests: a server state and one fake client,
//! commands in, exact reply bytes out. No sockets, no event loop.

use crate::client::{Client, Conn};
use crate::cmd;
use crate::config::Config;
use crate::server::{Server, now_ms};

pub struct Harness {
    pub srv: Server,
    pub c: Box<Client>,
    /// When set, commands run at this unix-ms time instead of the clock.
    pub now: Option<i64>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// A server with Redis's defaults except persistence: no save points,
    /// so no test writes a dump.rdb by accident.
    pub fn new() -> Self {
        let mut config = Config::default();
        config.save.clear();
        Self::with_config(config)
    }

    pub fn with_config(config: Config) -> Self {
        let mut srv = Server::new(config);
        let tok = srv.clients.insert(None);
        let mut c = Client::new(
            1,
            tok,
            Conn::Fake,
            "127.0.0.1:1".into(),
            "127.0.0.1:6379".into(),
            0,
        );
        c.authenticated = srv.config.requirepass.is_none();
        Harness {
            srv,
            c: Box::new(c),
            now: None,
        }
    }

    /// Runs one command and returns the reply bytes it produced.
    pub fn run_bytes(&mut self, argv: &[&[u8]]) -> Vec<u8> {
        let now = self.now.unwrap_or_else(now_ms);
        cmd::call(&mut self.srv, &mut self.c, argv, now);
        std::mem::take(&mut self.c.reply.buf)
    }

    /// Runs one command given as strings; returns the reply as a string
    /// (lossy for binary replies).
    pub fn run(&mut self, argv: &[&str]) -> String {
        let a: Vec<&[u8]> = argv.iter().map(|s| s.as_bytes()).collect();
        String::from_utf8_lossy(&self.run_bytes(&a)).into_owned()
    }
}

#[cfg(test)]
mod rng_tests {
    use crate::test_rng::Rng;

    #[test]
    fn any_seed_gives_a_varied_sequence() {
        for seed in [0, 1, 2, u64::MAX] {
            let mut r = Rng(seed);
            let v: Vec<u64> = (0..64).map(|_| r.next()).collect();
            let mut d = v.clone();
            d.sort_unstable();
            d.dedup();
            assert_eq!(d.len(), v.len(), "seed {seed}");
            assert!(v.iter().any(|x| x.count_ones() > 16));
        }
        let mut r = Rng(3);
        assert!((0..1000).all(|_| r.below(7) < 7));
        assert_eq!(r.below(0), 0);
        assert_eq!(r.bytes(5).len(), 5);
    }
}
