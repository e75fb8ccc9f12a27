//! Listening sockets: one TCP listener per `bind` address on `port`, and the
//! Unix domain socket (`unixsocket`, `unixsocketperm`).

use crate::client::Conn;
use crate::config::Config;
use mio::net::{TcpListener, UnixListener};
use mio::{Interest, Registry, Token};
use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tracing::{info, warn};

pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, String),
}

impl Listener {
    pub fn register(&self, registry: &Registry, token: Token) -> io::Result<()> {
        match self {
            // mio's register needs &mut; listeners are registered once.
            Listener::Tcp(l) => registry.register(
                &mut mio::unix::SourceFd(&std::os::fd::AsRawFd::as_raw_fd(l)),
                token,
                Interest::READABLE,
            ),
            Listener::Unix(l, _) => registry.register(
                &mut mio::unix::SourceFd(&std::os::fd::AsRawFd::as_raw_fd(l)),
                token,
                Interest::READABLE,
            ),
        }
    }

    pub fn deregister(&self, registry: &Registry, _token: Token) -> io::Result<()> {
        let fd = match self {
            Listener::Tcp(l) => std::os::fd::AsRawFd::as_raw_fd(l),
            Listener::Unix(l, _) => std::os::fd::AsRawFd::as_raw_fd(l),
        };
        registry.deregister(&mut mio::unix::SourceFd(&fd))
    }

    pub fn tcp_port(&self) -> Option<u16> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok().map(|a| a.port()),
            Listener::Unix(..) => None,
        }
    }

    /// A second handle on the same listening socket (dup), for accepting
    /// while a script keeps the loop busy (`server::busy`).
    pub fn try_clone(&self) -> io::Result<Listener> {
        use std::os::fd::AsFd;
        match self {
            Listener::Tcp(l) => {
                let fd = l.as_fd().try_clone_to_owned()?;
                Ok(Listener::Tcp(TcpListener::from_std(
                    std::net::TcpListener::from(fd),
                )))
            }
            Listener::Unix(l, path) => {
                let fd = l.as_fd().try_clone_to_owned()?;
                Ok(Listener::Unix(
                    UnixListener::from_std(std::os::unix::net::UnixListener::from(fd)),
                    path.clone(),
                ))
            }
        }
    }

    /// Accepts one connection: (connection, peer address, local address) in
    /// CLIENT LIST form (`ip:port`, or `path:0`-style for Unix sockets).
    pub fn accept(&self) -> io::Result<(Conn, String, String)> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept()?;
                let local = s.local_addr().map(|a| fmt_addr(&a)).unwrap_or_default();
                Ok((Conn::Tcp(s), fmt_addr(&peer), local))
            }
            Listener::Unix(l, path) => {
                let (s, _) = l.accept()?;
                Ok((Conn::Unix(s), format!("{path}:0"), format!("{path}:0")))
            }
        }
    }
}

fn fmt_addr(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
        SocketAddr::V6(v) => format!("{}:{}", v.ip(), v.port()),
    }
}

/// TCP_NODELAY and keepalive on an accepted connection, as Redis sets them.
pub fn tune_tcp(s: &mio::net::TcpStream, keepalive_secs: u64) {
    let _ = s.set_nodelay(true);
    if keepalive_secs > 0 {
        let ka = TcpKeepalive::new().with_time(Duration::from_secs(keepalive_secs));
        let _ = SockRef::from(s).set_tcp_keepalive(&ka);
    }
}

/// Binds every listener the config asks for. A `bind` address prefixed with
/// `-` is optional: failing to bind it is logged, not fatal (Redis 7).
pub fn bind_all(cfg: &Config) -> io::Result<Vec<Listener>> {
    let mut out = Vec::new();
    if cfg.port != 0 {
        for spec in &cfg.bind {
            let (optional, addr) = match spec.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, spec.as_str()),
            };
            let ip: IpAddr = match addr {
                "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                other => match other.parse() {
                    Ok(ip) => ip,
                    Err(_) => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("Invalid bind address '{other}'"),
                        ));
                    }
                },
            };
            match bind_tcp(SocketAddr::new(ip, cfg.port), cfg.tcp_backlog) {
                Ok(l) => out.push(Listener::Tcp(l)),
                Err(e) if optional => {
                    warn!(
                        "Warning: Could not create server TCP listening socket {addr}:{}: {e}",
                        cfg.port
                    );
                }
                Err(e) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!(
                            "Could not create server TCP listening socket {addr}:{}: {e}",
                            cfg.port
                        ),
                    ));
                }
            }
        }
    }
    if !cfg.unixsocket.is_empty() {
        let path = &cfg.unixsocket;
        let _ = std::fs::remove_file(path);
        let l = UnixListener::bind(path)
            .map_err(|e| io::Error::new(e.kind(), format!("Failed opening Unix socket: {e}")))?;
        if cfg.unixsocketperm != 0 {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(cfg.unixsocketperm))?;
        }
        info!("The server is now ready to accept connections at {path}");
        out.push(Listener::Unix(l, path.clone()));
    }
    if out.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "Configured to not listen anywhere, exiting.",
        ));
    }
    Ok(out)
}

fn bind_tcp(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let sock = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
    sock.set_reuse_address(true)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.bind(&addr.into())?;
    sock.listen(backlog)?;
    sock.set_nonblocking(true)?;
    info!("Listening on {}", fmt_addr(&addr));
    Ok(TcpListener::from_std(sock.into()))
}

/// A non-blocking TCP connect to `addr` from the `bind-source-addr`
/// address when one is set (replication's link to its master). Best effort,
/// as in Redis: a source address that cannot be bound (or is of the other
/// family) is skipped and the system picks one.
pub fn connect_from(addr: SocketAddr, source: &str) -> io::Result<mio::net::TcpStream> {
    let ip = source
        .parse::<IpAddr>()
        .ok()
        .filter(|ip| ip.is_ipv4() == addr.is_ipv4());
    let Some(ip) = ip else {
        return mio::net::TcpStream::connect(addr);
    };
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let sock = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
    sock.set_nonblocking(true)?;
    if let Err(e) = sock.bind(&SocketAddr::new(ip, 0).into()) {
        warn!("Could not bind to source address {ip} ({e}), connecting from any");
        return mio::net::TcpStream::connect(addr);
    }
    match sock.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    Ok(mio::net::TcpStream::from_std(sock.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_from_binds_the_source_address() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        // 127.0.0.2 is loopback on Linux; the peer must come from it.
        let _s = connect_from(addr, "127.0.0.2").expect("connect");
        let (_c, peer) = l.accept().expect("accept");
        assert_eq!(peer.ip().to_string(), "127.0.0.2");
        // No source (or one of the other family): the system picks.
        let _s = connect_from(addr, "").expect("connect");
        let (_c, peer) = l.accept().expect("accept");
        assert_eq!(peer.ip().to_string(), "127.0.0.1");
        let _s = connect_from(addr, "::1").expect("connect");
        assert!(l.accept().is_ok());
    }
}
