//! Command propagation (Redis's alsoPropagate / propagatePendingCommands):
//! what the AOF (and, later, replicas) receive for each command that
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
//! outermost command takes the list with [`Propagation::take_ready`].
//!
//! Nothing is recorded while `enabled` is false (no AOF), so the hot path
//! then costs two integer compares per command.

/// One command's arguments, owned.
pub type Argv = Vec<Vec<u8>>;

/// A propagated command and the database it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub db: usize,
    pub argv: Argv,
}

/// The propagation state of the server (`Server::prop`).
#[derive(Debug, Default)]
pub struct Propagation {
    /// Whether a consumer (the AOF) wants commands.
    pub enabled: bool,
    /// Commands currently running (1 = a top-level command).
    depth: u32,
    /// What the running outermost command produced so far.
    pending: Vec<Op>,
    /// Replacement forms for the command whose handler is running
    /// (None: propagate it as called).
    replaced: Option<Vec<Argv>>,
    /// `ks.dirty` moved by nested commands of the running command.
    child_dirty: u64,
    /// Transactions ready for the consumer (each already wrapped).
    ready: Vec<Op>,
}

/// What [`Propagation::begin`] saves for [`Propagation::end`].
pub struct Frame {
    dirty_before: u64,
    replaced: Option<Vec<Argv>>,
    child_dirty: u64,
}

impl Propagation {
    /// Starts a command (any nesting level).
    pub fn begin(&mut self, dirty: u64) -> Frame {
        self.depth += 1;
        Frame {
            dirty_before: dirty,
            replaced: self.replaced.take(),
            child_dirty: std::mem::take(&mut self.child_dirty),
        }
    }

    /// Ends a command that ran in `db` with `argv`. `dirty` is `ks.dirty`
    /// now; `expired` the keys lazy expiry deleted while it ran.
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
        let total = dirty.wrapping_sub(f.dirty_before);
        let own = total.saturating_sub(self.child_dirty);
        let replaced = std::mem::replace(&mut self.replaced, f.replaced);
        self.child_dirty = f.child_dirty.wrapping_add(total);
        for (edb, key) in expired.drain(..) {
            if self.enabled {
                self.pending.push(Op {
                    db: edb,
                    argv: vec![del.to_vec(), key],
                });
            }
        }
        if self.enabled && own > 0 {
            match replaced {
                None => self.pending.push(Op {
                    db,
                    argv: argv.iter().map(|a| a.to_vec()).collect(),
                }),
                Some(forms) => self
                    .pending
                    .extend(forms.into_iter().map(|argv| Op { db, argv })),
            }
        }
        if self.depth == 0 {
            self.seal();
        }
    }

    /// Records a command outside any client command (active expiry): it
    /// is ready at once, on its own.
    pub fn push_alone(&mut self, db: usize, argv: Argv) {
        if self.enabled {
            self.pending.push(Op { db, argv });
            if self.depth == 0 {
                self.seal();
            }
        }
    }

    /// Moves the finished outermost command's list to `ready`, wrapped in
    /// MULTI/EXEC when it holds several commands.
    fn seal(&mut self) {
        match self.pending.len() {
            0 => {}
            1 => self.ready.append(&mut self.pending),
            _ => {
                let db = self.pending[0].db;
                self.ready.push(Op {
                    db,
                    argv: vec![b"MULTI".to_vec()],
                });
                self.ready.append(&mut self.pending);
                self.ready.push(Op {
                    db,
                    argv: vec![b"EXEC".to_vec()],
                });
            }
        }
    }

    /// Replaces (first call) or extends (later calls) the form the running
    /// command is propagated as.
    pub fn propagate_as(&mut self, argv: Argv) {
        self.replaced.get_or_insert_with(Vec::new).push(argv);
    }

    /// The running command propagates nothing itself.
    pub fn propagate_none(&mut self) {
        self.replaced = Some(Vec::new());
    }

    /// Whether commands are waiting for the consumer.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Hands the finished commands to the consumer.
    pub fn take_ready(&mut self) -> Vec<Op> {
        std::mem::take(&mut self.ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ops: &[Op]) -> Vec<String> {
        ops.iter()
            .map(|o| {
                let words: Vec<String> = o
                    .argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                format!("{}:{}", o.db, words.join(" "))
            })
            .collect()
    }

    #[test]
    fn single_command_is_not_wrapped_and_clean_ones_are_skipped() {
        let mut p = Propagation {
            enabled: true,
            ..Default::default()
        };
        let f = p.begin(0);
        p.end(f, 1, 0, &[b"SET", b"k", b"v"], &mut Vec::new(), b"DEL");
        let f = p.begin(1);
        p.end(f, 1, 0, &[b"GET", b"k"], &mut Vec::new(), b"DEL");
        assert_eq!(names(&p.take_ready()), ["0:SET k v"]);
    }

    #[test]
    fn nested_commands_are_wrapped_and_the_outer_one_is_not_recorded() {
        let mut p = Propagation {
            enabled: true,
            ..Default::default()
        };
        let outer = p.begin(0);
        let f = p.begin(0);
        p.end(f, 1, 2, &[b"SET", b"a", b"1"], &mut Vec::new(), b"DEL");
        let f = p.begin(1);
        p.propagate_as(vec![b"SET".to_vec(), b"b".to_vec(), b"2".to_vec()]);
        p.propagate_as(vec![b"SET".to_vec(), b"c".to_vec(), b"3".to_vec()]);
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
            names(&p.take_ready()),
            ["2:MULTI", "2:SET a 1", "2:SET b 2", "2:SET c 3", "2:EXEC"]
        );
    }

    #[test]
    fn lazy_expiry_comes_first_and_none_drops_the_command() {
        let mut p = Propagation {
            enabled: true,
            ..Default::default()
        };
        let f = p.begin(5);
        p.propagate_none();
        let mut exp = vec![(1, b"old".to_vec())];
        p.end(f, 6, 1, &[b"X"], &mut exp, b"UNLINK");
        assert_eq!(names(&p.take_ready()), ["1:UNLINK old"]);
        assert!(exp.is_empty());
        // Disabled: nothing recorded, expired keys still drained.
        p.enabled = false;
        let f = p.begin(0);
        let mut exp = vec![(0, b"k".to_vec())];
        p.end(f, 1, 0, &[b"SET", b"k", b"v"], &mut exp, b"DEL");
        assert!(!p.has_ready() && exp.is_empty());
    }
}
