//! Loading the append only file at start-up: the manifest's base file
//! (an RDB preamble, RESP commands, or both for a legacy file) and then
//! every incr file, replayed through the command handlers with a client
//! of its own, as Redis's loadAppendOnlyFiles does. A file cut off in
//! the middle of a command (or of a MULTI block) is truncated to its last
//! whole command when `aof-load-truncated yes` and it is the last file;
//! anything else malformed is refused: the server does not start and no
//! file is changed.

use super::aof;
use super::manifest::{Entry, Kind, Manifest};
use super::rdb::{self, Input};
use crate::client::{Client, Conn};
use crate::cmd::{self, Ctx};
use crate::server::{Server, now_ms};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;
use tracing::{info, warn};

/// Longest `*N` or `$N` line accepted (a digit string and CRLF).
const MAX_HEADER_LINE: usize = 64;
/// Most arguments one command may have in an AOF (a sanity bound, far
/// above anything a write produces).
const MAX_ARGS: u64 = 1 << 30;

/// Commands loaded between two turns of the event loop (Redis: 1024).
const PUMP_EVERY: u64 = 1024;

/// Why reading commands stopped early.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// The file ends inside a command: whole commands end at `valid`.
    Truncated { valid: u64 },
    /// A malformed byte at `offset`.
    Corrupt { offset: u64, what: String },
}

/// A RESP command reader over a file, counting offsets. Public for the
/// fuzz harness (`fuzz/fuzz_targets/aof.rs`).
pub struct CmdReader<R: BufRead> {
    r: R,
    offset: u64,
}

impl<R: BufRead> CmdReader<R> {
    /// A reader whose first byte is at file offset `offset`.
    pub fn new(r: R, offset: u64) -> Self {
        CmdReader { r, offset }
    }

    /// File offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads one line (through LF), at most `MAX_HEADER_LINE` bytes.
    fn line(&mut self, valid: u64) -> Result<Vec<u8>, Stop> {
        let mut line = Vec::new();
        let n = (&mut self.r)
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)
            .map_err(|e| Stop::Corrupt {
                offset: self.offset,
                what: format!("read error: {e}"),
            })?;
        self.offset += n as u64;
        if line.last() != Some(&b'\n') {
            if n < MAX_HEADER_LINE {
                return Err(Stop::Truncated { valid });
            }
            return Err(Stop::Corrupt {
                offset: self.offset - n as u64,
                what: "line too long".into(),
            });
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(line)
    }

    /// The next command: Ok(None) at a clean end of file. Annotation
    /// lines (`#...`) are skipped.
    pub fn next_command(&mut self) -> Result<Option<Vec<Vec<u8>>>, Stop> {
        loop {
            let valid = self.offset;
            let first = match self.r.fill_buf() {
                Ok([]) => return Ok(None),
                Ok(b) => b[0],
                Err(e) => {
                    return Err(Stop::Corrupt {
                        offset: self.offset,
                        what: format!("read error: {e}"),
                    });
                }
            };
            if first == b'#' {
                let mut skip = Vec::new();
                let n = self.r.read_until(b'\n', &mut skip).unwrap_or(0);
                self.offset += n as u64;
                if skip.last() != Some(&b'\n') {
                    return Err(Stop::Truncated { valid });
                }
                continue;
            }
            if first != b'*' {
                return Err(Stop::Corrupt {
                    offset: valid,
                    what: "expected '*'".into(),
                });
            }
            let head = self.line(valid)?;
            let argc = parse_len(&head[1..])
                .filter(|n| (1..=MAX_ARGS).contains(n))
                .ok_or_else(|| Stop::Corrupt {
                    offset: valid,
                    what: "bad argument count".into(),
                })?;
            let mut argv = Vec::with_capacity(argc.min(1024) as usize);
            for _ in 0..argc {
                let at = self.offset;
                let h = self.line(valid)?;
                if h.first() != Some(&b'$') {
                    return Err(Stop::Corrupt {
                        offset: at,
                        what: "expected '$'".into(),
                    });
                }
                let len = parse_len(&h[1..]).ok_or_else(|| Stop::Corrupt {
                    offset: at,
                    what: "bad bulk length".into(),
                })?;
                // Read what is there: a corrupt huge length at the end of
                // the file reads as a truncation, not as an allocation.
                let mut arg = Vec::new();
                let got = (&mut self.r)
                    .take(len.saturating_add(2))
                    .read_to_end(&mut arg)
                    .map_err(|e| Stop::Corrupt {
                        offset: self.offset,
                        what: format!("read error: {e}"),
                    })?;
                self.offset += got as u64;
                if (got as u64) < len.saturating_add(2) {
                    return Err(Stop::Truncated { valid });
                }
                if !arg.ends_with(b"\r\n") {
                    return Err(Stop::Corrupt {
                        offset: self.offset - 2,
                        what: "bulk not followed by CRLF".into(),
                    });
                }
                arg.truncate(arg.len() - 2);
                argv.push(arg);
            }
            return Ok(Some(argv));
        }
    }
}

fn parse_len(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// The client AOF commands run as.
fn loader_client() -> Client {
    let mut c = Client::new(
        0,
        usize::MAX,
        Conn::Fake,
        String::new(),
        String::new(),
        now_ms(),
    );
    c.authenticated = true;
    // Blocking commands never block here (as inside EXEC).
    c.in_exec = true;
    c
}

/// Runs one command from the file. Unknown commands and wrong arities are
/// refused (the file was not written by a compatible server).
fn run(srv: &mut Server, c: &mut Client, argv: &[Vec<u8>], name: &str) -> Result<(), String> {
    let args: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    let Some((command, parent)) = cmd::resolve(&args) else {
        return Err(format!(
            "Unknown command '{}' reading the append only file {name}",
            String::from_utf8_lossy(&argv[0])
        ));
    };
    if !command.arity_ok(args.len()) {
        return Err(format!(
            "Bad file format reading the append only file {name}: wrong number of arguments for '{}'",
            String::from_utf8_lossy(&argv[0])
        ));
    }
    let mut ctx = Ctx {
        srv,
        c,
        now: now_ms(),
        cmd: command,
        parent,
    };
    // The file's commands are obeyed like a master's: a script in it may
    // write on a read-only replica (Redis mustObeyClient).
    let gate = std::mem::replace(&mut ctx.srv.replica.gate, false);
    (command.handler)(&mut ctx, &args);
    ctx.srv.replica.gate = gate;
    c.reply.buf.clear();
    srv.ks.events.pending.clear();
    Ok(())
}

/// What loading one file did.
#[derive(Debug, Default)]
struct FileLoad {
    commands: u64,
    rdb_keys: u64,
}

/// Loads one AOF file; `last` says whether a truncated tail may be cut.
fn load_file(
    srv: &mut Server,
    path: &Path,
    name: &str,
    last: bool,
    pump: &mut dyn FnMut(&mut Server),
) -> Result<FileLoad, String> {
    let mut f = File::open(path).map_err(|e| {
        format!("Fatal error: can't open the append log file {name} for reading: {e}")
    })?;
    let len = f
        .metadata()
        .map_err(|e| format!("Unable to check the AOF length: {e}"))?
        .len();
    let mut out = FileLoad::default();
    if len == 0 {
        info!("AOF file {name} is empty");
        return Ok(out);
    }
    let mut sig = [0u8; 5];
    let mut start = 0u64;
    if len >= 5 && f.read_exact(&mut sig).is_ok() && &sig == b"REDIS" {
        info!("Reading RDB base file on AOF loading...");
        f.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        let opts = rdb::LoadOpts {
            keep_expired: false,
            // Keys already expired are kept: later commands in the file
            // were made while they were alive. Expiry removes them after.
            now_ms: i64::MIN,
            verify_checksum: srv.config.get_bool("rdbchecksum").unwrap_or(true),
            limits: rdb::TypeLimits::from_config(&srv.config),
            key_load_delay: super::load_hooks(srv).0,
            progress_bytes: super::load_hooks(srv).1,
        };
        let mut d = rdb::Decoder::new(rdb::FileInput::new(&mut f, len));
        let st = super::decode_pumped(srv, &mut d, &opts, pump).map_err(|e| {
            format!("Bad file format reading the append only file {name}: RDB preamble: {e}")
        })?;
        super::install_functions(srv, &st).map_err(|e| {
            format!("Bad file format reading the append only file {name}: RDB preamble: {e}")
        })?;
        out.rdb_keys = st.keys_loaded;
        start = d.input.offset();
        info!("Reading the remaining AOF tail...");
    }
    f.seek(SeekFrom::Start(start)).map_err(|e| e.to_string())?;
    let mut rd = CmdReader::new(BufReader::with_capacity(1 << 20, f), start);
    let mut c = loader_client();
    // Commands of an open MULTI block: applied at EXEC, dropped when the
    // file ends before it.
    let mut multi: Option<(u64, Vec<Vec<Vec<u8>>>)> = None;
    let mut loops = 0u64;
    let key_load_delay = super::load_hooks(srv).0;
    let stop = loop {
        // Clients are answered (-LOADING) every so many commands.
        loops += 1;
        if loops.is_multiple_of(PUMP_EVERY) {
            pump(srv);
        }
        let valid = rd.offset;
        match rd.next_command() {
            Ok(Some(argv)) => {
                if argv[0].eq_ignore_ascii_case(b"multi") {
                    // A nested MULTI changes nothing (Redis answers it
                    // with an error and keeps queuing).
                    multi.get_or_insert((valid, Vec::new()));
                } else if argv[0].eq_ignore_ascii_case(b"exec") {
                    for a in multi.take().map(|m| m.1).unwrap_or_default() {
                        run(srv, &mut c, &a, name)?;
                        out.commands += 1;
                    }
                } else if let Some((_, q)) = multi.as_mut() {
                    q.push(argv);
                } else {
                    run(srv, &mut c, &argv, name)?;
                    out.commands += 1;
                }
                if key_load_delay != 0 {
                    super::debug_delay(key_load_delay);
                }
            }
            Ok(None) => match multi {
                Some((before, _)) => {
                    warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
                    break Some(Stop::Truncated { valid: before });
                }
                None => break None,
            },
            Err(Stop::Truncated { valid }) => {
                let valid = multi.as_ref().map_or(valid, |m| m.0);
                break Some(Stop::Truncated { valid });
            }
            Err(e) => break Some(e),
        }
    };
    match stop {
        None => Ok(out),
        Some(Stop::Corrupt { offset, what }) => Err(format!(
            "Bad file format reading the append only file {name} at offset {offset} ({what}): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
        )),
        Some(Stop::Truncated { valid }) => {
            let allowed = srv.config.get_bool("aof-load-truncated").unwrap_or(true);
            if !last {
                return Err(format!(
                    "Fatal error: the truncated file {name} is not the last file of the AOF"
                ));
            }
            if !allowed {
                return Err(format!(
                    "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
                ));
            }
            warn!("!!! Warning: short read while loading the AOF file {name}!!!");
            warn!(
                "!!! Truncating the AOF {name} at offset {valid}, dropping the last {} bytes (an incomplete command) !!!",
                len.saturating_sub(valid)
            );
            let tf = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|tf| tf.set_len(valid).and(tf.sync_all()));
            if let Err(e) = tf {
                return Err(format!(
                    "Error truncating the AOF file {name}: {e}. Refusing to load a file that can't be repaired."
                ));
            }
            warn!("AOF {name} loaded anyway because aof-load-truncated is enabled");
            Ok(out)
        }
    }
}

/// Start-up with `appendonly yes` (Redis loadDataFromDisk, AOF branch):
/// loads the files the manifest lists, or a legacy single `appendfilename`
/// in `dir` (which is then moved into the directory as the base, Redis
/// 7's upgrade), then opens the AOF for writing. With no AOF at all the
/// server starts empty, as Redis does (the RDB is not read).
pub fn load_at_startup(srv: &mut Server, pump: &mut dyn FnMut(&mut Server)) -> Result<(), String> {
    let cfg = &srv.config;
    let dir = aof::dir_path(cfg);
    let mpath = aof::manifest_path(cfg);
    let legacy = Path::new(&cfg.dir).join(aof::file_name(cfg));
    let start = Instant::now();
    let manifest = match std::fs::read(&mpath) {
        Ok(text) => Some(
            Manifest::parse(&text)
                .map_err(|e| format!("{e} ({}). Refusing to start.", mpath.display()))?,
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(format!(
                "Can't read the AOF manifest {}: {e}",
                mpath.display()
            ));
        }
    };
    // An upgrade from a single-file AOF that stopped after the manifest
    // naming the old file was written but before the file was moved into
    // the directory (Redis's order): carry on with the move.
    let name = aof::file_name(cfg);
    let interrupted_upgrade = |m: &Manifest| {
        m.incrs.is_empty()
            && m.base.as_ref().is_some_and(|b| b.name == name)
            && legacy.is_file()
            && !dir.join(&name).exists()
    };
    let manifest = manifest.filter(|m| !interrupted_upgrade(m));
    srv.ks.loading = true;
    srv.persist.loading = true;
    let r = match manifest {
        Some(m) => load_manifest(srv, &dir, &m, pump).map(|loaded| (m, loaded)),
        None if legacy.is_file() => load_legacy(srv, &legacy, pump),
        None => Ok((Manifest::default(), false)),
    };
    srv.ks.loading = false;
    srv.persist.loading = false;
    srv.ks.blocked.ready.clear();
    let (m, loaded) = r?;
    srv.ks.dirty = 0;
    srv.aof.manifest = m;
    if loaded {
        info!(
            "DB loaded from append only file: {:.3} seconds",
            start.elapsed().as_secs_f64()
        );
    }
    aof::open_on_start(srv)
}

/// DEBUG LOADAOF: writes and fsyncs the AOF, empties the data set and
/// loads it back from the AOF files. As in Redis, a file that no longer
/// loads stops the server (the data set is gone by then). The change
/// counter ends at 0, so nothing of this is propagated.
pub fn debug_loadaof(srv: &mut Server) {
    if srv.aof.state == aof::State::On {
        aof::flush(srv);
        aof::fsync_now(&mut srv.aof, srv.repl.offset);
    }
    srv.ks.flush_all();
    srv.ks.expired_log.clear();
    let dir = aof::dir_path(&srv.config);
    let m = std::fs::read(aof::manifest_path(&srv.config))
        .map_err(|e| e.to_string())
        .and_then(|t| Manifest::parse(&t));
    // The manifest on disk becomes the one in use, sequence numbers
    // included (Redis aofLoadManifestFromDisk): with the AOF off and no
    // incr file listed, the next incr file is number 1 again.
    if let Ok(m) = &m {
        srv.aof.manifest = m.clone();
        aof::remove_history_now(srv);
    }
    // Clients served meanwhile (a slow script in the file) get -LOADING.
    srv.ks.loading = true;
    srv.persist.loading = true;
    let r = m.and_then(|m| load_manifest(srv, &dir, &m, &mut |_| {}));
    srv.ks.loading = false;
    srv.persist.loading = false;
    srv.ks.blocked.ready.clear();
    srv.ks.dirty = 0;
    match r {
        Ok(_) => info!("Append Only File loaded by DEBUG LOADAOF"),
        Err(e) => {
            warn!("{e}");
            std::process::exit(1);
        }
    }
}

/// Loads the base and incr files; true when there was something to load.
fn load_manifest(
    srv: &mut Server,
    dir: &Path,
    m: &Manifest,
    pump: &mut dyn FnMut(&mut Server),
) -> Result<bool, String> {
    let files: Vec<&Entry> = m.base.iter().chain(&m.incrs).collect();
    for (i, e) in files.iter().enumerate() {
        let path = dir.join(&e.name);
        match std::fs::metadata(&path) {
            // Redis's words, with the OS reason.
            Err(err) => {
                return Err(format!(
                    "The append log file {} doesn't exist: {}. Refusing to start.",
                    e.name,
                    crate::config::parse::strerror(&err)
                ));
            }
            Ok(md) if !md.is_file() => {
                return Err(format!(
                    "The AOF file {} listed in the manifest is not a regular file. Refusing to start.",
                    e.name
                ));
            }
            Ok(_) => {}
        }
        let t = Instant::now();
        let st = load_file(srv, &path, &e.name, i + 1 == files.len(), pump)?;
        let what = if e.kind == Kind::Base { "base" } else { "incr" };
        info!(
            "DB loaded from {what} file {}: {:.3} seconds ({} commands, {} keys from an RDB preamble)",
            e.name,
            t.elapsed().as_secs_f64(),
            st.commands,
            st.rdb_keys
        );
    }
    Ok(!files.is_empty())
}

/// Loads a legacy single-file AOF and moves it into the AOF directory as
/// the base of a new manifest. The legacy file stays in place until the
/// manifest naming its copy is on disk.
fn load_legacy(
    srv: &mut Server,
    legacy: &Path,
    pump: &mut dyn FnMut(&mut Server),
) -> Result<(Manifest, bool), String> {
    let name = aof::file_name(&srv.config);
    load_file(srv, legacy, &name, true, pump)?;
    info!("DB loaded from the legacy append only file {name}; moving it into the AOF directory");
    let dir = aof::dir_path(&srv.config);
    std::fs::create_dir_all(&dir).map_err(|e| format!("Can't create the AOF directory: {e}"))?;
    let target = dir.join(&name);
    let _ = std::fs::remove_file(&target);
    std::fs::hard_link(legacy, &target)
        .or_else(|_| std::fs::copy(legacy, &target).map(|_| ()))
        .map_err(|e| format!("Can't move the legacy AOF into {}: {e}", dir.display()))?;
    let m = Manifest {
        base: Some(Entry {
            name,
            seq: 1,
            kind: Kind::Base,
        }),
        base_seq: 1,
        ..Default::default()
    };
    aof::persist_manifest(&srv.config, &m)
        .map_err(|e| format!("Can't write the AOF manifest: {e}"))?;
    let _ = std::fs::remove_file(legacy);
    Ok((m, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8]) -> (Vec<Vec<Vec<u8>>>, Option<Stop>) {
        let mut rd = CmdReader { r: data, offset: 0 };
        let mut out = Vec::new();
        loop {
            match rd.next_command() {
                Ok(Some(a)) => out.push(a),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    fn enc(cmds: &[&[&str]]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in cmds {
            aof::encode_command(&mut out, c);
        }
        out
    }

    #[test]
    fn transactions_apply_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("ember-aofload-multi-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cfg = crate::config::Config::default();
        cfg.dir = dir.to_string_lossy().into_owned();
        cfg.save.clear();
        cfg.appendonly = true;
        let complete = enc(&[
            &["MULTI"],
            &["SET", "a", "1"],
            &["MULTI"],
            &["SET", "b", "2"],
            &["EXEC"],
        ]);
        let mut file = complete.clone();
        file.extend(enc(&[&["MULTI"], &["SET", "c", "3"]]));
        std::fs::write(dir.join("appendonly.aof"), &file).unwrap();
        let mut h = crate::testing::Harness::with_config(cfg);
        load_at_startup(&mut h.srv, &mut |_| {}).unwrap();
        assert_eq!(
            h.run(&["MGET", "a", "b", "c"]),
            "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
        );
        // The unfinished block was cut off the file (now the base).
        let base = std::fs::read(dir.join("appendonlydir/appendonly.aof")).unwrap();
        assert_eq!(base, complete);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn reads_commands_annotations_and_stops() {
        let data =
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n#TS:123\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
        let (cmds, stop) = read_all(data);
        assert_eq!(stop, None);
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[1], vec![b"SET".to_vec(), b"k".to_vec(), Vec::new()]);
        // Cut at every offset inside the second command: a truncation whose
        // valid prefix ends after the first command.
        let first_end = 23;
        for cut in first_end + 1..data.len() {
            let (cmds, stop) = read_all(&data[..cut]);
            if cut < first_end + 9 {
                // Within the annotation line.
                assert!(matches!(stop, Some(Stop::Truncated { .. })), "cut {cut}");
            } else if cut == first_end + 9 {
                assert_eq!((cmds.len(), stop), (1, None), "cut {cut}");
            } else {
                assert_eq!(cmds.len(), 1, "cut {cut}");
                assert_eq!(
                    stop,
                    Some(Stop::Truncated {
                        valid: first_end as u64 + 9
                    }),
                    "cut {cut}"
                );
            }
        }
        for bad in [
            &b"SET k v\r\n"[..],
            b"*x\r\n",
            b"*1\r\n+OK\r\n",
            b"*1\r\n$1\r\nab\r\n",
            b"*0\r\n",
        ] {
            let (_, stop) = read_all(bad);
            assert!(matches!(stop, Some(Stop::Corrupt { .. })), "{bad:?}");
        }
        // Any byte flipped anywhere: a command list or a stop, never a
        // panic; a stop is never past the damage.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut d = data.to_vec();
            let at = (x % d.len() as u64) as usize;
            d[at] = (x >> 32) as u8;
            match read_all(&d).1 {
                Some(Stop::Truncated { valid }) => assert!(valid as usize <= d.len()),
                Some(Stop::Corrupt { offset, .. }) => assert!(offset as usize <= d.len()),
                None => {}
            }
        }
        // A huge announced length at the end is a truncation, not an
        // allocation.
        let (_, stop) = read_all(b"*1\r\n$9999999999999\r\nabc");
        assert_eq!(stop, Some(Stop::Truncated { valid: 0 }));
    }
}
