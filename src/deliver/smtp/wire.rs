//! The bytes of one SMTP connection: a TCP stream, upgraded to TLS in place, and a
//! reader of the server's replies with one deadline per whole reply.
//!
//! Three things here are why herald does not use lettre's connection:
//! * After the `220` to STARTTLS, any byte already received came before the TLS
//!   handshake, so anyone on the path could have written it (RFC 3207 section 6).
//!   [`Wire::upgrade`] refuses the connection when such bytes wait, in herald's
//!   buffer or the socket's, instead of reading them later as answers given over TLS.
//! * A reply must be complete within the reply deadline, however many continuation
//!   lines it trickles ([`Wire::read_reply`]).
//! * Before the end of a message's data, [`Wire::has_unsolicited`] tells whether the
//!   server said something nobody asked for, which would otherwise be taken as the
//!   answer to the data.
//!
//! What a server writes is made safe when it is read: control characters escaped and
//! registered secrets redacted ([`crate::secrets`]), so no caller can print it raw.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

/// The longest reply line herald reads (RFC 5321 allows 512 octets; servers write
/// longer ones, but nothing like this).
const MAX_LINE_BYTES: usize = 4096;
/// The most lines of one reply.
const MAX_REPLY_LINES: usize = 256;

/// A TCP stream, plain or inside TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => &tls.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

/// One reply of the server: its code and its text lines, made safe to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// "250 2.0.0 OK queued", the lines joined by spaces.
    pub fn text(&self) -> String {
        let mut text = self.code.to_string();
        for line in &self.lines {
            if !line.is_empty() {
                text.push(' ');
                text.push_str(line);
            }
        }
        text
    }

    /// 2 for 2xx, 3 for 3xx, and so on.
    pub fn class(&self) -> u16 {
        self.code / 100
    }
}

/// Why the connection failed.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The network: refused, reset, closed.
    #[error("{0}")]
    Io(#[source] io::Error),
    /// A reply did not come whole within the reply deadline.
    #[error("no complete reply within {}s (timeout_seconds){}", seconds.as_secs(), if *partial { "; the server was still writing it" } else { "" })]
    Timeout { seconds: Duration, partial: bool },
    /// The server took no byte of a write within the deadline: it stopped reading.
    #[error("the server took no data for {}s (timeout_seconds): it stopped reading", seconds.as_secs())]
    WriteTimeout { seconds: Duration },
    /// The server wrote something that is not an SMTP reply.
    #[error("the server's reply is not SMTP: {0}")]
    Malformed(String),
    /// Bytes came between the `220` to STARTTLS and the TLS handshake.
    #[error("the server sent {bytes} more byte(s) after its 220 to STARTTLS, before the TLS handshake; anyone on the path could have written them (RFC 3207 section 6), so the connection is refused")]
    Injected { bytes: usize },
    /// The TLS handshake failed: a certificate that does not verify, or no common
    /// protocol.
    #[error("{0}")]
    Tls(String),
}

impl WireError {
    fn from_read(error: io::Error, seconds: Duration, partial: bool) -> WireError {
        match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                WireError::Timeout { seconds, partial }
            }
            _ => WireError::Io(error),
        }
    }
}

/// One connection to the server.
pub struct Wire {
    reader: BufReader<Stream>,
    reply_timeout: Duration,
}

impl Wire {
    /// Connects to `host:port` within `timeout`, trying each address the name
    /// resolves to. Every later write, and every reply, has `timeout` too.
    pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<Wire, WireError> {
        let addresses = (host, port).to_socket_addrs().map_err(WireError::Io)?;
        let mut last = io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host} resolves to no address"),
        );
        for address in addresses {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(tcp) => {
                    tcp.set_write_timeout(Some(timeout))
                        .map_err(WireError::Io)?;
                    tcp.set_nodelay(true).map_err(WireError::Io)?;
                    return Ok(Wire {
                        reader: BufReader::new(Stream::Plain(tcp)),
                        reply_timeout: timeout,
                    });
                }
                Err(error) => last = error,
            }
        }
        Err(WireError::from_read(last, timeout, false))
    }

    /// Performs the TLS handshake on this connection, as implicit TLS does at once and
    /// STARTTLS does after its `220`. Refuses when any byte from the server waits
    /// unread: it came before the handshake, outside TLS's protection.
    pub fn upgrade(self, config: &Arc<ClientConfig>, host: &str) -> Result<Wire, WireError> {
        let buffered = self.reader.buffer().len();
        if buffered > 0 {
            return Err(WireError::Injected { bytes: buffered });
        }
        let reply_timeout = self.reply_timeout;
        let Stream::Plain(tcp) = self.reader.into_inner() else {
            return Err(WireError::Tls("the connection is already encrypted".into()));
        };
        let waiting = waiting_in_socket(&tcp).map_err(WireError::Io)?;
        if waiting > 0 {
            return Err(WireError::Injected { bytes: waiting });
        }
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| WireError::Tls(format!("{host:?} is not a valid TLS server name")))?;
        let connection = ClientConnection::new(config.clone(), name)
            .map_err(|e| WireError::Tls(shown(&e.to_string())))?;
        let mut tls = StreamOwned::new(connection, tcp);
        // The whole handshake now, so that a certificate that does not verify is a TLS
        // failure here rather than an I/O error at the next reply; and whole within
        // one deadline, however slowly the server trickles its flight.
        let deadline = Instant::now() + reply_timeout;
        crate::deliver::tls::handshake(&mut tls.conn, &mut tls.sock, deadline).map_err(
            |e| match e {
                crate::deliver::tls::HandshakeError::Timeout => WireError::Timeout {
                    seconds: reply_timeout,
                    partial: true,
                },
                // The certificate is the server's text, read before any trust: its
                // names may hold control characters.
                crate::deliver::tls::HandshakeError::Failed(why) => WireError::Tls(shown(&why)),
            },
        )?;
        tls.sock
            .set_write_timeout(Some(reply_timeout))
            .map_err(WireError::Io)?;
        Ok(Wire {
            reader: BufReader::new(Stream::Tls(Box::new(tls))),
            reply_timeout,
        })
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        matches!(self.reader.get_ref(), Stream::Tls(_))
    }

    /// Writes `bytes` and flushes them. A write the server takes nothing of for
    /// `timeout_seconds` (it stopped reading) is a time-out.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let seconds = self.reply_timeout;
        let stream = self.reader.get_mut();
        let stalled = |error: io::Error| match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                WireError::WriteTimeout { seconds }
            }
            _ => WireError::Io(error),
        };
        stream.write_all(bytes).map_err(stalled)?;
        stream.flush().map_err(stalled)
    }

    /// Writes one command line (which ends in CRLF) and reads its reply.
    pub fn command(&mut self, line: &str) -> Result<Reply, WireError> {
        self.write(line.as_bytes())?;
        self.read_reply()
    }

    /// Reads one whole reply, all its lines within the reply deadline.
    pub fn read_reply(&mut self) -> Result<Reply, WireError> {
        let deadline = Instant::now() + self.reply_timeout;
        let mut code: Option<u16> = None;
        let mut lines = Vec::new();
        let mut raw_texts: Vec<String> = Vec::new();
        loop {
            let raw = self.read_line(deadline, code.is_some())?;
            let (this_code, last, text) = parse_line(&raw)?;
            if code.is_some_and(|c| c != this_code) {
                return Err(WireError::Malformed(format!(
                    "a reply's lines carry two codes, {} and {this_code}",
                    code.unwrap_or_default()
                )));
            }
            code = Some(this_code);
            lines.push(shown(&text));
            raw_texts.push(text);
            if last {
                return Ok(Reply {
                    code: this_code,
                    lines: unsplit_secrets(lines, &raw_texts),
                });
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(WireError::Malformed(format!(
                    "a reply of more than {MAX_REPLY_LINES} lines"
                )));
            }
        }
    }

    /// Whether the server has sent anything that no command asked for: bytes waiting
    /// in herald's buffer or on the connection. Waits for nothing.
    pub fn has_unsolicited(&mut self) -> Result<bool, WireError> {
        if !self.reader.buffer().is_empty() {
            return Ok(true);
        }
        self.reader
            .get_ref()
            .tcp()
            .set_nonblocking(true)
            .map_err(WireError::Io)?;
        let probe = self.reader.fill_buf().map(|buf| !buf.is_empty());
        self.reader
            .get_ref()
            .tcp()
            .set_nonblocking(false)
            .map_err(WireError::Io)?;
        match probe {
            Ok(any) => Ok(any),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(WireError::Io(e)),
        }
    }

    /// Closes the connection without a word, so that a message whose data has no end
    /// yet is discarded by the server.
    pub fn abandon(self) {
        let _ = self
            .reader
            .get_ref()
            .tcp()
            .shutdown(std::net::Shutdown::Both);
    }

    /// One line, without its line end, read before `deadline`.
    fn read_line(&mut self, deadline: Instant, partial: bool) -> Result<Vec<u8>, WireError> {
        let seconds = self.reply_timeout;
        let mut line = Vec::new();
        loop {
            if self.reader.buffer().is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left < Duration::from_millis(1) {
                    return Err(WireError::Timeout {
                        seconds,
                        partial: partial || !line.is_empty(),
                    });
                }
                self.reader
                    .get_ref()
                    .tcp()
                    .set_read_timeout(Some(left))
                    .map_err(WireError::Io)?;
            }
            let available = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(WireError::from_read(
                        e,
                        seconds,
                        partial || !line.is_empty(),
                    ))
                }
            };
            if available.is_empty() {
                return Err(WireError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                )));
            }
            let (taken, complete) = match available.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            line.extend_from_slice(&available[..taken]);
            self.reader.consume(taken);
            if line.len() > MAX_LINE_BYTES {
                return Err(WireError::Malformed(format!(
                    "a reply line longer than {MAX_LINE_BYTES} bytes"
                )));
            }
            if complete {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
        }
    }
}

/// How many bytes wait unread on a socket, without waiting for any.
fn waiting_in_socket(tcp: &TcpStream) -> io::Result<usize> {
    tcp.set_nonblocking(true)?;
    let mut probe = [0u8; 512];
    let peeked = tcp.peek(&mut probe);
    tcp.set_nonblocking(false)?;
    match peeked {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
        Err(e) => Err(e),
    }
}

/// The code, whether this is the reply's last line, and the text of one reply line:
/// `DDD-text` continues, `DDD text` or `DDD` ends.
fn parse_line(raw: &[u8]) -> Result<(u16, bool, String), WireError> {
    let malformed = || {
        WireError::Malformed(format!(
            "{:?}",
            shown(&String::from_utf8_lossy(&raw[..raw.len().min(80)]))
        ))
    };
    if raw.len() < 3 || !raw[..3].iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(&raw[0])
    {
        return Err(malformed());
    }
    let code =
        u16::from(raw[0] - b'0') * 100 + u16::from(raw[1] - b'0') * 10 + u16::from(raw[2] - b'0');
    let (last, text) = match raw.get(3) {
        None => (true, &raw[3..]),
        Some(b' ') => (true, &raw[4..]),
        Some(b'-') => (false, &raw[4..]),
        Some(_) => return Err(malformed()),
    };
    Ok((code, last, String::from_utf8_lossy(text).into_owned()))
}

/// Server text as herald may show it: secrets redacted, control characters and the
/// characters that reorder a line (bidirectional controls) escaped.
fn shown(text: &str) -> String {
    let escaped = crate::controls::escaped(&crate::secrets::redact(text)).into_owned();
    escaped
        .chars()
        .map(|c| match c {
            '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A reply's lines, or one redacted line when a secret runs across them: a server
/// can echo a password broken over continuation lines, each of which alone holds
/// none of it. The lines are joined as written, and also without the enhanced
/// status code (`5.7.8`) a server repeats at the start of each.
fn unsplit_secrets(lines: Vec<String>, raw: &[String]) -> Vec<String> {
    if raw.len() < 2 {
        return lines;
    }
    let without_codes: Vec<&str> = raw.iter().map(|line| strip_enhanced_code(line)).collect();
    let joins = [
        raw.concat(),
        raw.join(" "),
        without_codes.concat(),
        without_codes.join(" "),
    ];
    match joins
        .iter()
        .find(|joined| crate::secrets::contains_secret(joined))
    {
        Some(joined) => vec![shown(joined)],
        None => lines,
    }
}

/// A reply line without the enhanced status code it starts with (`5.7.8 `).
fn strip_enhanced_code(line: &str) -> &str {
    let mut parts = line.splitn(2, ' ');
    let first = parts.next().unwrap_or_default();
    let is_code = first.split('.').count() == 3
        && first
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    match (is_code, parts.next()) {
        (true, Some(rest)) => rest,
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines_parse_and_refuse_what_is_not_smtp() {
        assert_eq!(
            parse_line(b"250-8BITMIME").unwrap(),
            (250, false, "8BITMIME".into())
        );
        assert_eq!(parse_line(b"250 OK").unwrap(), (250, true, "OK".into()));
        assert_eq!(parse_line(b"354").unwrap(), (354, true, String::new()));
        for bad in [&b"25"[..], b"OK 250", b"250x", b"650 six", b"199 one"] {
            assert!(parse_line(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_secret_broken_over_a_replys_lines_is_redacted_whole() {
        crate::secrets::register("Hx7wireS3cretPWq9Zk");
        let raw = vec![
            "5.7.8 bad Hx7wireS".to_string(),
            "5.7.8 3cretPWq9Zk end".to_string(),
        ];
        let lines = raw.iter().map(|l| shown(l)).collect();
        let kept = unsplit_secrets(lines, &raw);
        assert_eq!(kept.len(), 1);
        assert!(kept[0].contains(crate::secrets::REDACTED), "{kept:?}");
        assert!(!kept[0].contains("Hx7wireS"), "{kept:?}");
        let plain = vec!["250-a".to_string(), "250 b".to_string()];
        assert_eq!(unsplit_secrets(plain.clone(), &plain), plain);
    }

    #[test]
    fn server_text_is_shown_with_controls_escaped() {
        let (_, _, text) = parse_line(b"554 no \x1b[2J\x07 way").unwrap();
        assert_eq!(shown(&text), "no \\u{1b}[2J\\u{7} way");
    }
}
