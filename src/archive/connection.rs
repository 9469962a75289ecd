//! One TCP connection to an IMAP archive, plain (loopback only) or inside TLS, under
//! one deadline for the whole look-up: resolving the name, connecting, and every
//! read and write wait at most what is left of it, so a server that answers slowly,
//! or never, cannot hold herald.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

/// A TCP stream, plain or inside TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

/// A connection whose every wait ends by the deadline.
pub(super) struct Connection {
    stream: Stream,
    deadline: Instant,
    /// The whole budget, for messages.
    seconds: u64,
}

impl Connection {
    /// Connects to `host:port`, and with `tls` performs the whole TLS handshake, so
    /// that a certificate that does not verify is named here. Fails with a sentence
    /// that says what went wrong.
    pub(super) fn open(
        host: &str,
        port: u16,
        tls: Option<&Arc<ClientConfig>>,
        deadline: Instant,
        seconds: u64,
    ) -> Result<Connection, String> {
        let late = || format!("no connection within {seconds} s (timeout_seconds)");
        let addresses = resolve(host, port, deadline).ok_or_else(late)??;
        let mut last = format!("{host} resolves to no address");
        let mut connected = None;
        for address in addresses {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(late());
            }
            match TcpStream::connect_timeout(&address, left) {
                Ok(tcp) => {
                    connected = Some(tcp);
                    break;
                }
                Err(e) if is_timeout(&e) => last = late(),
                Err(e) => last = format!("cannot connect to {address}: {e}"),
            }
        }
        let tcp = connected.ok_or(last)?;
        let _ = tcp.set_nodelay(true);
        let mut connection = Connection {
            stream: Stream::Plain(tcp),
            deadline,
            seconds,
        };
        let Some(config) = tls else {
            return Ok(connection);
        };
        let Stream::Plain(tcp) = connection.stream else {
            unreachable!("a new connection is plain")
        };
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| format!("{host:?} is not a valid TLS server name"))?;
        let session = ClientConnection::new(config.clone(), name)
            .map_err(|e| format!("cannot start TLS: {e}"))?;
        let mut tls = StreamOwned::new(session, tcp);
        crate::deliver::tls::handshake(&mut tls.conn, &mut tls.sock, deadline).map_err(
            |e| match e {
                crate::deliver::tls::HandshakeError::Timeout => {
                    format!("no TLS handshake within {seconds} s (timeout_seconds)")
                }
                crate::deliver::tls::HandshakeError::Failed(why) => {
                    format!("TLS failed: {}", crate::controls::escaped(&why))
                }
            },
        )?;
        connection.stream = Stream::Tls(Box::new(tls));
        Ok(connection)
    }

    fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => &tls.sock,
        }
    }

    /// Reads what the server sent, waiting at most until the deadline. Zero bytes
    /// means the server closed the connection.
    pub(super) fn read(&mut self, buf: &mut [u8]) -> Result<usize, String> {
        set_timeouts(self.tcp(), self.deadline, self.seconds)
            .map_err(|e| connection_error(&e, self.seconds))?;
        let read = match &mut self.stream {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        };
        read.map_err(|e| connection_error(&e, self.seconds))
    }

    /// Writes `bytes` whole, by the deadline.
    pub(super) fn write_all(&mut self, bytes: &[u8]) -> Result<(), String> {
        set_timeouts(self.tcp(), self.deadline, self.seconds)
            .map_err(|e| connection_error(&e, self.seconds))?;
        let written = match &mut self.stream {
            Stream::Plain(tcp) => tcp.write_all(bytes).and_then(|()| tcp.flush()),
            Stream::Tls(tls) => tls.write_all(bytes).and_then(|()| tls.flush()),
        };
        written.map_err(|e| connection_error(&e, self.seconds))
    }
}

/// The addresses `host` resolves to, or `None` when that takes past `deadline`:
/// std's resolver has no deadline of its own, so it runs on a thread of its own,
/// which is left to finish alone when it is late.
fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
) -> Option<Result<Vec<std::net::SocketAddr>, String>> {
    let (answer, answered) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let resolved = (name.as_str(), port)
            .to_socket_addrs()
            .map(Iterator::collect)
            .map_err(|e| format!("cannot resolve {name}: {e}"));
        let _ = answer.send(resolved);
    });
    answered
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .ok()
}

/// Socket options belong to the socket, so the TLS stream's reads and writes wait
/// at most what is left until `deadline` too.
fn set_timeouts(tcp: &TcpStream, deadline: Instant, seconds: u64) -> io::Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{seconds} s passed"),
        ));
    }
    // A zero timeout would mean none at all.
    let left = left.max(Duration::from_millis(1));
    tcp.set_read_timeout(Some(left))?;
    tcp.set_write_timeout(Some(left))
}

/// Linux reports a read that timed out as `WouldBlock`, other systems as `TimedOut`.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn connection_error(error: &io::Error, seconds: u64) -> String {
    match is_timeout(error) {
        true => format!("no answer within {seconds} s (timeout_seconds)"),
        false => crate::controls::escaped(&error.to_string()).into_owned(),
    }
}
