//! Command propagation (Redis's alsoPropagate / propagatePendingCommands):
//! what the AOF and replicas (`server/repl.rs`) receive for each command that
//! changed the dataset, in a deterministic form.
//!
//! `cmd::execute` brackets every handler with [`Propagation::begin`] and
//! [`Propagation::end`]. A command whose own writes moved `ks.dirty` is
//! recorded as called, unless its handler chose another form with
//! `Ctx::propagate_as` (one call per replacement command; zero commands
//! with `Ctx::propagate_none`). Keys deleted by lazy expiry during the
//! command are recorded first, as DEL. Nested commands (EXEC's queue, a
//! script's `redis.call`) add to the same pending list; when the outermost
//! command ends the list is handed to the consumer, wrapped in MULTI/EXEC
//! when it holds more than one command (Redis 7). The caller of the
//! outermost command takes the list with [`Propagation::drain_ready`].
//!
//! Commands are stored RESP-encoded in reused buffers, so a steady stream
//! of writes does not allocate. Nothing is recorded while `enabled` is
//! false (no AOF, no replica): the hot path then costs a few integer
//! operations.

/// Appends one command in RESP (`*N` then `$len` bulks) to `out`: the form
/// the AOF (and a replication stream) carries.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    use crate::util::num::write_u64;
    out.push(b'*');
    write_u64(argv.len() as u64, out);
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        write_u64(a.len() as u64, out);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// A propagated command, RESP-encoded, and the database it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub db: usize,
    pub resp: Vec<u8>,
    /// For replicas only, not the AOF (PUBLISH: Redis PROPAGATE_REPL).
    pub repl_only: bool,
}

/// The database of a command that applies to none (EXEC): the consumer
/// emits no SELECT for it, as Redis does.
pub const ANY_DB: usize = usize::MAX;

/// Encoded-command buffers kept for reuse, at most.
const SPARE_BUFFERS: usize = 64;

/// The propagation state of the server (`Server::prop`).
#[derive(Debug, Default)]
pub struct Propagation {
    /// Whether a consumer (the AOF, replicas) wants commands.
    pub enabled: bool,
    /// Commands currently running (1 = a top-level command).
    depth: u32,
    /// What the running outermost command produced so far.
    pending: Vec<Op>,
    /// Replacement forms (encoded) for the command whose handler is
    /// running (None: propagate it as called).
    replaced: Option<Vec<Vec<u8>>>,
    /// `ks.dirty` moved by nested commands of the running command.
    child_dirty: u64,
    /// The running command is propagated even if it changed nothing.
    forced: bool,
    /// The running command goes to replicas only (with `forced`).
    repl_only: bool,
    /// Transactions ready for the consumer (each already wrapped).
    ready: Vec<Op>,
    /// Emptied buffers, so steady-state propagation does not allocate.
    spare: Vec<Vec<u8>>,
    /// The running outermost command touches arbitrary keys (SCAN,
    /// RANDOMKEY): the deletions its lazy expiry makes go out one by one,
    /// not as a transaction (like active expiry's).
    unwrapped: bool,
}

/// What [`Propagation::begin`] saves for [`Propagation::end`].
pub struct Frame {
    dirty_before: u64,
    replaced: Option<Vec<Vec<u8>>>,
    child_dirty: u64,
    forced: bool,
    repl_only: bool,
}

impl Propagation {
    /// Starts a command (any nesting level). With no consumer and no
    /// command running there is nothing to track: `None`, and the command
    /// skips [`end`](Self::end). (If a consumer appears while such a command
    /// runs, as CONFIG SET appendonly yes inside EXEC, the commands after it
    /// are propagated one by one rather than wrapped with the transaction;
    /// the AOF's rewrite has snapshotted the data before them.)
    pub fn begin(&mut self, dirty: u64) -> Option<Frame> {
        if !self.enabled && self.depth == 0 {
            return None;
        }
        self.depth += 1;
        Some(Frame {
            dirty_before: dirty,
            replaced: self.replaced.take(),
            child_dirty: std::mem::take(&mut self.child_dirty),
            forced: std::mem::take(&mut self.forced),
            repl_only: std::mem::take(&mut self.repl_only),
        })
    }

    /// Called right after [`begin`](Self::begin) for a command flagged
    /// touches-arbitrary-keys: run directly (not from EXEC or a script),
    /// what it propagates is not wrapped in MULTI/EXEC (Redis 7).
    pub fn touches_arbitrary_keys(&mut self) {
        if self.depth == 1 {
            self.unwrapped = true;
        }
    }

    fn encoded<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Vec<u8> {
        let mut b = self.spare.pop().unwrap_or_default();
        encode_command(&mut b, argv);
        b
    }

    /// Ends a command that ran in `db` with `argv`. `dirty` is `ks.dirty`
    /// now; `expired` the keys lazy expiry deleted while it ran, recorded
    /// first as `del` (DEL or UNLINK).
    pub fn end(
        &mut self,
        f: Frame,
        dirty: u64,
        db: usize,
        argv: &[&[u8]],
        expired: &mut Vec<(usize, Vec<u8>)>,
        del: &'static [u8],
    ) {
        self.depth -= 1;
        // A save resets the counter: a decrease is no change (Redis too).
        let total = dirty.saturating_sub(f.dirty_before);
        let own = total.saturating_sub(self.child_dirty);
        let replaced = std::mem::replace(&mut self.replaced, f.replaced);
        let forced = std::mem::replace(&mut self.forced, f.forced);
        let repl_only = std::mem::replace(&mut self.repl_only, f.repl_only);
        self.child_dirty = f.child_dirty.saturating_add(total);
        for (edb, key) in expired.drain(..) {
            if self.enabled {
                let resp = self.encoded(&[del, &key[..]]);
                self.pending.push(Op {
                    db: edb,
                    resp,
                    repl_only: false,
                });
            }
        }
        if self.enabled && (own > 0 || forced) {
            match replaced {
                None => {
                    let resp = self.encoded(argv);
                    self.pending.push(Op {
                        db,
                        resp,
                        repl_only,
                    });
                }
                Some(forms) => self.pending.extend(forms.into_iter().map(|resp| Op {
                    db,
                    resp,
                    repl_only,
                })),
            }
        }
        if self.depth == 0 {
            self.seal();
        }
    }

    /// Records a command outside any client command (active expiry): it
    /// is ready at once, on its own.
    pub fn push_alone(&mut self, db: usize, argv: &[&[u8]]) {
        if self.enabled {
            let resp = self.encoded(argv);
            self.pending.push(Op {
                db,
                resp,
                repl_only: false,
            });
            if self.depth == 0 {
                self.seal();
            }
        }
    }

    /// Moves the finished outermost command's list to `ready`, wrapped in
    /// MULTI/EXEC when it holds several commands.
    fn seal(&mut self) {
        let unwrapped = std::mem::take(&mut self.unwrapped);
        match self.pending.len() {
            0 => {}
            1 => self.ready.append(&mut self.pending),
            _ if unwrapped => self.ready.append(&mut self.pending),
            _ => {
                let db = self.pending[0].db;
                let resp = self.encoded(&[b"MULTI"]);
                self.ready.push(Op {
                    db,
                    resp,
                    repl_only: false,
                });
                self.ready.append(&mut self.pending);
                let resp = self.encoded(&[b"EXEC"]);
                self.ready.push(Op {
                    db: ANY_DB,
                    resp,
                    repl_only: false,
                });
            }
        }
    }

    /// Replaces (first call) or extends (later calls) the form the running
    /// command is propagated as.
    pub fn propagate_as(&mut self, argv: &[&[u8]]) {
        let resp = self.encoded(argv);
        self.replaced.get_or_insert_with(Vec::new).push(resp);
    }

    /// The running command is propagated even when it changed nothing
    /// (Redis forceCommandPropagation: FLUSHALL on an empty server).
    pub fn force(&mut self) {
        if !self.enabled {
            return;
        }
        self.forced = true;
    }

    /// The running command goes to replicas even though it changed
    /// nothing, but not to the AOF (PUBLISH, as Redis's PROPAGATE_REPL).
    pub fn force_to_replicas(&mut self) {
        if !self.enabled {
            return;
        }
        self.forced = true;
        self.repl_only = true;
    }

    /// The running command propagates nothing itself.
    pub fn propagate_none(&mut self) {
        self.replaced = Some(Vec::new());
    }

    /// Whether commands are waiting for the consumer.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Hands each finished command, in order, to `consume` (database,
    /// RESP bytes, replicas only); the buffers are kept for reuse.
    pub fn drain_ready(&mut self, mut consume: impl FnMut(usize, &[u8], bool)) {
        let mut ready = std::mem::take(&mut self.ready);
        for mut op in ready.drain(..) {
            consume(op.db, &op.resp, op.repl_only);
            if self.spare.len() < SPARE_BUFFERS && op.resp.capacity() <= 1 << 16 {
                op.resp.clear();
                self.spare.push(op.resp);
            }
        }
        // Keep the list's allocation too.
        self.ready = ready;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "db:WORD WORD" per ready command (arguments without CR/LF).
    fn names(p: &mut Propagation) -> Vec<String> {
        let mut out = Vec::new();
        p.drain_ready(|db, resp, _| {
            let text = String::from_utf8_lossy(resp);
            let words: Vec<&str> = text
                .split("\r\n")
                .filter(|w| !w.is_empty() && !w.starts_with('*') && !w.starts_with('$'))
                .collect();
            out.push(format!("{db}:{}", words.join(" ")));
        });
        out
    }

    #[test]
    fn single_command_is_not_wrapped_and_clean_ones_are_skipped() {
        let mut p = Propagation {
            enabled: true,
            ..Default::default()
        };
        let f = p.begin(0).unwrap();
        p.end(f, 1, 0, &[b"SET", b"k", b"v"], &mut Vec::new(), b"DEL");
        let f = p.begin(1).unwrap();
        p.end(f, 1, 0, &[b"GET", b"k"], &mut Vec::new(), b"DEL");
        assert_eq!(names(&mut p), ["0:SET k v"]);
    }

    #[test]
    fn nested_commands_are_wrapped_and_the_outer_one_is_not_recorded() {
        let mut p = Propagation {
            enabled: true,
            ..Default::default()
        };
        let outer = p.begin(0).unwrap();
        let f = p.begin(0).unwrap();
        p.end(f, 1, 2, &[b"SET", b"a", b"1"], &mut Vec::new(), b"DEL");
        let f = p.begin(1).unwrap();
        p.propagate_as(&[b"SET", b"b", b"2"]);
        p.propagate_as(&[b"SET", b"c", b"3"]);
        p.end(
            f,
            2,
            2,
            &[b"INCRBYFLOAT", b"b", b"2"],
            &mut Vec::new(),
            b"DEL",
        );
        assert!(!p.has_ready());
        p.end(outer, 2, 0, &[b"EXEC"], &mut Vec::new(), b"DEL");
        assert_eq!(
            names(&mut p),
            [
                "2:MULTI",
                "2:SET a 1",
                "2:SET b 2",
                "2:SET c 3",
                &format!("{ANY_DB}:EXEC")
            ]
        );
    }

    #[test]
    fn arbitrary_key_commands_send_their_expiries_unwrapped() {
        let mut p = Propagation {
            enabled: true,
            ..Default::default()
        };
        // SCAN run directly: its lazy deletions go out one by one.
        let f = p.begin(0).unwrap();
        p.touches_arbitrary_keys();
        let mut exp = vec![(0, b"a".to_vec()), (0, b"b".to_vec())];
        // (Lazy expiry does not move `dirty`: SCAN itself is not sent.)
        p.end(f, 0, 0, &[b"SCAN", b"0"], &mut exp, b"DEL");
        assert_eq!(names(&mut p), ["0:DEL a", "0:DEL b"]);
        // The same inside EXEC stays one transaction, and the flag does
        // not outlive its command.
        let outer = p.begin(0).unwrap();
        let f = p.begin(0).unwrap();
        p.touches_arbitrary_keys();
        let mut exp = vec![(0, b"c".to_vec()), (0, b"d".to_vec())];
        p.end(f, 0, 0, &[b"SCAN", b"0"], &mut exp, b"DEL");
        p.end(outer, 0, 0, &[b"EXEC"], &mut Vec::new(), b"DEL");
        assert_eq!(names(&mut p)[0], "0:MULTI");
        let f = p.begin(0).unwrap();
        let mut exp = vec![(0, b"e".to_vec())];
        p.end(f, 1, 0, &[b"SET", b"k", b"v"], &mut exp, b"DEL");
        assert_eq!(names(&mut p)[0], "0:MULTI");
    }

    #[test]
    fn lazy_expiry_comes_first_and_none_drops_the_command() {
        let mut p = Propagation {
            enabled: true,
            ..Default::default()
        };
        let f = p.begin(5).unwrap();
        p.propagate_none();
        let mut exp = vec![(1, b"old".to_vec())];
        p.end(f, 6, 1, &[b"X"], &mut exp, b"UNLINK");
        assert_eq!(names(&mut p), ["1:UNLINK old"]);
        assert!(exp.is_empty());
        // A save resetting the counter is no change; a forced one is.
        let f = p.begin(5).unwrap();
        p.end(f, 0, 1, &[b"SAVE"], &mut Vec::new(), b"DEL");
        assert!(!p.has_ready());
        let f = p.begin(0).unwrap();
        p.force();
        p.end(f, 0, 1, &[b"FLUSHALL"], &mut Vec::new(), b"DEL");
        assert_eq!(names(&mut p), ["1:FLUSHALL"]);
        // Disabled: nothing to track, and forcing does not stick.
        p.enabled = false;
        assert!(p.begin(0).is_none());
        p.force();
        p.enabled = true;
        let f = p.begin(3).unwrap();
        p.end(f, 3, 0, &[b"GET", b"k"], &mut Vec::new(), b"DEL");
        assert!(!p.has_ready());
    }
}
