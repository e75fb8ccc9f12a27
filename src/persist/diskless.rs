//! The child side of a diskless full sync (`repl-diskless-sync yes`): the
//! forked child writes the snapshot straight into the replicas' sockets,
//! framed as `$EOF:<mark>\r\n<rdb><mark>`, and never touches `dir`.
//!
//! Every block the RDB encoder hands over is delivered to every replica
//! still alive before the next one is encoded: one `poll` over the
//! sockets that still miss part of the block, a non-blocking `send` to
//! each writable one. The transfer therefore goes at the pace of the
//! slowest replica, but a replica that takes nothing for `repl-timeout`
//! (or whose socket fails) is shut down and dropped, and the others go
//! on. The sockets keep the parent's non-blocking mode (`O_NONBLOCK` is
//! shared with the parent's copy of the descriptor, so the child must not
//! change it). `shutdown` (not `close`) is what drops a replica: it acts
//! on the connection itself, so the parent sees the hang-up and frees the
//! client too.

use std::io::{self, Write};
use std::os::fd::RawFd;
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// How long one `poll` waits before the timeouts are checked again.
const POLL_SLICE_MS: i32 = 100;

/// One replica of the transfer.
#[derive(Debug)]
pub struct Target {
    pub fd: RawFd,
    /// "ip:port" for log lines.
    pub name: String,
    /// Sent before the snapshot: whatever of the reply the parent had not
    /// written yet (`+FULLRESYNC ...`, keep-alive newlines) and the
    /// `$EOF:<mark>\r\n` header.
    pub preamble: Vec<u8>,
}

struct Sock {
    target: Target,
    alive: bool,
    last_progress: Instant,
}

/// A writer that copies everything written to every live replica socket.
pub struct FanOut {
    socks: Vec<Sock>,
    timeout: Duration,
    /// Bytes sent, summed over the replicas (INFO
    /// total_net_repl_output_bytes).
    pub sent: u64,
}

impl FanOut {
    pub fn new(targets: Vec<Target>, timeout: Duration) -> Self {
        let now = Instant::now();
        FanOut {
            socks: targets
                .into_iter()
                .map(|target| Sock {
                    target,
                    alive: true,
                    last_progress: now,
                })
                .collect(),
            timeout,
            sent: 0,
        }
    }

    /// Replicas still receiving the transfer.
    pub fn alive(&self) -> usize {
        self.socks.iter().filter(|s| s.alive).count()
    }

    /// Sends each replica its own preamble.
    pub fn start(&mut self) -> io::Result<()> {
        let preambles: Vec<Vec<u8>> = self
            .socks
            .iter_mut()
            .map(|s| std::mem::take(&mut s.target.preamble))
            .collect();
        self.deliver(&|i| &preambles[i])
    }

    /// Delivers `data(i)` to every live socket `i`; Err once none is left.
    fn deliver<'a>(&mut self, data: &dyn Fn(usize) -> &'a [u8]) -> io::Result<()> {
        let mut done = vec![0usize; self.socks.len()];
        let now = Instant::now();
        for s in &mut self.socks {
            s.last_progress = now;
        }
        loop {
            let waiting: Vec<usize> = (0..self.socks.len())
                .filter(|&i| self.socks[i].alive && done[i] < data(i).len())
                .collect();
            if waiting.is_empty() {
                break;
            }
            let mut fds: Vec<libc::pollfd> = waiting
                .iter()
                .map(|&i| libc::pollfd {
                    fd: self.socks[i].target.fd,
                    events: libc::POLLOUT,
                    revents: 0,
                })
                .collect();
            // SAFETY: `fds` is a live, correctly sized array of pollfd
            // structs we own for the duration of the call.
            let r =
                unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, POLL_SLICE_MS) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            for (k, &i) in waiting.iter().enumerate() {
                if fds[k].revents == 0 {
                    continue;
                }
                let buf = &data(i)[done[i]..];
                // SAFETY: `buf` is a valid slice for its whole length; the
                // descriptor is a socket this process inherited and keeps
                // open. MSG_NOSIGNAL turns a closed peer into EPIPE instead
                // of a SIGPIPE.
                let n = unsafe {
                    libc::send(
                        self.socks[i].target.fd,
                        buf.as_ptr().cast(),
                        buf.len(),
                        libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
                    )
                };
                if n > 0 {
                    done[i] += n as usize;
                    self.sent += n as u64;
                    self.socks[i].last_progress = Instant::now();
                    continue;
                }
                let e = if n == 0 {
                    io::Error::from(io::ErrorKind::WriteZero)
                } else {
                    io::Error::last_os_error()
                };
                if !matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) {
                    self.drop_sock(i, &format!("write error: {e}"));
                }
            }
            let now = Instant::now();
            for &i in &waiting {
                let s = &self.socks[i];
                if s.alive && now.duration_since(s.last_progress) > self.timeout {
                    warn!(
                        "Disconnecting timedout replica (streaming sync): {}",
                        s.target.name
                    );
                    self.drop_sock(i, "timeout");
                }
            }
        }
        if self.alive() == 0 {
            return Err(io::Error::other("no replica left to receive the snapshot"));
        }
        Ok(())
    }

    /// Shuts a replica's connection down (the parent notices and frees
    /// the client) and stops writing to it.
    fn drop_sock(&mut self, i: usize, why: &str) {
        let s = &mut self.socks[i];
        if !s.alive {
            return;
        }
        s.alive = false;
        if why != "timeout" {
            warn!(
                "Diskless rdb transfer to replica {} failed: {why}",
                s.target.name
            );
        }
        // SAFETY: shutdown takes a descriptor this process holds open and
        // a constant; it never touches memory.
        unsafe {
            libc::shutdown(s.target.fd, libc::SHUT_RDWR);
        }
    }
}

impl Write for FanOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.deliver(&|_| buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The whole transfer in the child: preambles, the RDB written by `rdb`,
/// the end mark. Ok((replicas that received everything, bytes sent to
/// all of them)).
pub fn transfer(
    targets: Vec<Target>,
    mark: &[u8],
    timeout: Duration,
    rdb: impl FnOnce(&mut FanOut) -> io::Result<()>,
) -> io::Result<(usize, u64)> {
    let mut out = FanOut::new(targets, timeout);
    out.start()?;
    rdb(&mut out)?;
    out.write_all(mark)?;
    let alive = out.alive();
    info!("Diskless rdb transfer, done writing to the sockets, {alive} replicas still up.");
    Ok((alive, out.sent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    fn target(fd: RawFd, pre: &[u8]) -> Target {
        Target {
            fd,
            name: "test".into(),
            preamble: pre.to_vec(),
        }
    }

    #[test]
    fn every_live_socket_gets_its_preamble_the_payload_and_the_mark() {
        let (a, mut ra) = UnixStream::pair().unwrap();
        let (b, mut rb) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        // More than a socket buffer: the writer must wait for the readers.
        let payload: Vec<u8> = (0..600_000u32).map(|i| i as u8).collect();
        let readers = [(&mut ra, b"A".as_slice()), (&mut rb, b"BB".as_slice())].map(|(r, pre)| {
            let mut r = r.try_clone().unwrap();
            let expect_len = pre.len() + payload.len() + 3;
            std::thread::spawn(move || {
                let mut got = vec![0u8; expect_len];
                r.read_exact(&mut got).unwrap();
                got
            })
        });
        let targets = vec![target(a.as_raw_fd(), b"A"), target(b.as_raw_fd(), b"BB")];
        let n = transfer(targets, b"END", Duration::from_secs(10), |out| {
            for chunk in payload.chunks(70_000) {
                out.write_all(chunk)?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(n.0, 2);
        assert_eq!(n.1, (1 + 2 + 2 * (payload.len() + 3)) as u64);
        for (reader, pre) in readers.into_iter().zip([b"A".as_slice(), b"BB"]) {
            let got = reader.join().unwrap();
            assert_eq!(&got[..pre.len()], pre);
            assert_eq!(&got[pre.len()..got.len() - 3], &payload[..]);
            assert_eq!(&got[got.len() - 3..], b"END");
        }
    }

    #[test]
    fn a_stalled_replica_is_dropped_and_the_others_finish() {
        let (a, mut ra) = UnixStream::pair().unwrap();
        let (b, _stalled) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        let payload = vec![7u8; 2_000_000];
        let expect = payload.len() + 1;
        let reader = std::thread::spawn(move || {
            let mut got = vec![0u8; expect];
            ra.read_exact(&mut got).unwrap();
            got
        });
        let targets = vec![target(a.as_raw_fd(), b""), target(b.as_raw_fd(), b"")];
        let n = transfer(targets, b"!", Duration::from_millis(300), |out| {
            out.write_all(&payload)
        })
        .unwrap();
        assert_eq!(n.0, 1);
        let got = reader.join().unwrap();
        assert_eq!(got.len(), expect);
        assert_eq!(got[expect - 1], b'!');
    }

    #[test]
    fn a_closed_peer_fails_the_transfer_when_it_was_the_only_one() {
        let (a, ra) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        drop(ra);
        let targets = vec![target(a.as_raw_fd(), b"x")];
        let r = transfer(targets, b"!", Duration::from_secs(5), |_| Ok(()));
        assert!(r.is_err());
    }
}
