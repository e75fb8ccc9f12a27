//! Serving clients while a script runs past `busy-reply-threshold` (Redis's
//! processEventsWhileBlocked). The script's instruction hook calls
//! `process_events` from inside the running command, so the event loop
//! itself is not reachable: this module works on the `Server` alone.
//!
//! Every client socket is non-blocking, so instead of polling, each pass
//! accepts what the listeners have (through duplicated listener handles)
//! and reads every client until it would block. Each complete command goes
//! through `cmd::call`, whose BUSY gate answers `-BUSY ...` to everything
//! but ALLOW_BUSY commands (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE,
//! ...). Replies are written at once. The client running the script is lent
//! out of the slab (its slot is None), so it is never touched here.
//!
//! Edge-triggered readiness stays correct: a socket read here until
//! WouldBlock needs no new edge, and an event already queued in epoll for
//! it just finds nothing to read when the loop resumes.

use super::Server;
use super::listener::Listener;
use crate::client::Client;
use crate::cmd;
use crate::resp::{Limits, Parsed, parse_command};
use std::io;

/// What accepting needs while the loop is busy: the poll registry (to
/// register new clients for the normal loop) and duplicated listeners.
pub struct BusyIo {
    registry: mio::Registry,
    listeners: Vec<Listener>,
}

impl BusyIo {
    /// Duplicates the registry and every listener; None if the OS refuses
    /// (then no connection is accepted while a script is busy).
    pub fn new(poll: &mio::Poll, listeners: &[Listener]) -> Option<BusyIo> {
        let registry = poll.registry().try_clone().ok()?;
        let listeners = listeners
            .iter()
            .map(Listener::try_clone)
            .collect::<io::Result<Vec<_>>>()
            .ok()?;
        Some(BusyIo {
            registry,
            listeners,
        })
    }
}

/// One pass: accept, read and run every client's complete commands.
pub fn process_events(srv: &mut Server) {
    accept_all(srv);
    let tokens: Vec<usize> = srv
        .clients
        .iter()
        .filter(|(_, c)| c.is_some())
        .map(|(t, _)| t)
        .collect();
    for tok in tokens {
        let Some(mut c) = srv.clients.get_mut(tok).and_then(Option::take) else {
            continue;
        };
        serve(srv, &mut c);
        srv.clients[tok] = Some(c);
    }
}

fn accept_all(srv: &mut Server) {
    let Some(io) = srv.busy_io.take() else {
        return;
    };
    for l in &io.listeners {
        loop {
            match l.accept() {
                Ok((conn, addr, laddr)) => {
                    super::event_loop::add_client(srv, &io.registry, conn, addr, laddr)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
    }
    srv.busy_io = Some(io);
}

/// Reads what the client sent, runs its complete commands, writes replies.
fn serve(srv: &mut Server, c: &mut Client) {
    if c.close_asap || c.blocked.is_some() || c.held.is_some() {
        return;
    }
    let mut closed = false;
    loop {
        if c.query.pending() as u64 > srv.config.client_query_buffer_limit {
            closed = true;
            break;
        }
        let room = c.query.room();
        let room_len = room.len();
        match c.conn.read(room) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => {
                c.query.end += n;
                c.net_in += n as u64;
                srv.stats.total_net_input_bytes += n as u64;
                if n < room_len {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    run_commands(srv, c);
    if closed {
        c.close_asap = true;
        srv.to_close.push(c.token);
        return;
    }
    if c.has_pending_reply() {
        let before = c.net_out;
        let res = c.flush();
        srv.stats.total_net_output_bytes += c.net_out - before;
        match res {
            Ok(true) => {}
            Ok(false) => {
                if !c.write_queued {
                    c.write_queued = true;
                    srv.pending_writes.push(c.token);
                }
            }
            Err(_) => {
                c.close_asap = true;
                srv.to_close.push(c.token);
            }
        }
    }
}

/// Runs every complete command in the query buffer.
fn run_commands(srv: &mut Server, c: &mut Client) {
    if c.query.pending() < c.query.need {
        return;
    }
    c.query.need = 0;
    let mut data = std::mem::take(&mut c.query.data);
    let (start, end) = (c.query.start, c.query.end);
    let mut pos = start;
    let now = super::now_ms();
    while pos < end && !c.close_after_reply && !c.close_asap && srv.shutdown.is_none() {
        let lim = Limits {
            max_bulk: srv.config.proto_max_bulk_len,
            authenticated: c.authenticated,
        };
        let mut argv: Vec<&[u8]> = Vec::new();
        match parse_command(&mut data[pos..end], &mut argv, &lim, &mut c.query.parse) {
            Ok(Parsed::Complete { consumed }) => {
                pos += consumed;
                if !argv.is_empty() {
                    c.last_interaction_ms = now;
                    cmd::call(srv, c, &argv, now);
                    if c.held.is_some() {
                        break;
                    }
                }
            }
            Ok(Parsed::Incomplete { need }) => {
                c.query.need = need;
                break;
            }
            Err(e) => {
                c.reply.error(&format!("ERR {}", e.0));
                c.close_after_reply = true;
            }
        }
    }
    c.query.data = data;
    c.query.consume(pos - start);
}
