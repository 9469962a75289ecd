//! One attempt's SMTP dialogue, on a thread of its own, with a gate before the end of
//! each message data.
//!
//! The dialogue: greeting, EHLO, STARTTLS (then EHLO again), AUTH, and one or more
//! transactions of MAIL, RCPT, DATA and the message. A recipient the server defers
//! (a 4xx to RCPT, such as `452 too many recipients`) waits for the next transaction
//! on the same connection, so a server that takes N recipients per message still
//! gets every one, each exactly once.
//!
//! Before the end-of-data marker (`CRLF.CRLF`) of each transaction the thread stops
//! and asks, with [`Event::EndOfData`], for leave to finish. Only a transaction the
//! calling thread has durably journaled gets that leave; without it the thread closes
//! the connection without the marker, and the server discards what it got.
//!
//! The calling thread keeps the attempt's deadline; [`wire`] keeps one per reply.

mod wire;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Quit, Rcpt, Starttls};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use rustls::ClientConfig;

use wire::Wire;
pub use wire::{Reply, WireError};

/// How the connection is secured.
pub(super) enum Security {
    Plain,
    StartTls(Arc<ClientConfig>),
    Implicit(Arc<ClientConfig>),
}

/// Where and how to connect: everything an attempt's thread needs.
pub(super) struct Target {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<Credentials>,
    /// The deadline of the connection, of each write and of each whole reply.
    pub io_timeout: Duration,
    pub hello: ClientId,
}

/// Why a dialogue ended before the end of a message's data.
#[derive(Debug)]
pub(super) enum Failure {
    /// The connection: refused, dropped, timed out, not SMTP, or TLS.
    Wire(WireError),
    /// The server refused a command (a 4xx or 5xx reply).
    Refused { command: &'static str, reply: Reply },
    /// The server cannot take this message as it is (no STARTTLS, no usable AUTH, no
    /// 8BITMIME, a SIZE limit): trying again will not help.
    Unsupported(String),
    /// The server answered a command with a reply that does not fit it (a 250 to
    /// DATA, a 354 to MAIL), or spoke when nobody asked.
    Protocol(String),
}

/// What an attempt's thread tells the thread that waits for it.
pub(super) enum Event {
    /// The body of a transaction to `recipients` is out; its end-of-data marker goes
    /// only after a reply on this channel. Dropping the sender abandons the message.
    EndOfData {
        recipients: Vec<Address>,
        leave: Sender<()>,
    },
    /// The end of the data did not go after all (the connection failed, or the
    /// server spoke out of turn): nothing was delivered by this transaction.
    Withheld(String),
    /// The answer to the end of the data, or why none came. The dialogue goes on
    /// (QUIT, or the next transaction) only after a reply on `recorded`, once the
    /// journal holds the answer: a process killed meanwhile leaves no accepted
    /// message unrecorded for want of a QUIT. Dropping the sender ends the dialogue.
    Answer {
        answer: Result<Reply, WireError>,
        recorded: Sender<()>,
    },
    /// The dialogue ended: every recipient was given the message (`Ok`), or a failure
    /// before the end of a transaction's data.
    Finished(Result<(), Failure>),
}

/// What the server offered in its EHLO reply.
#[derive(Debug, Default)]
struct Capabilities {
    starttls: bool,
    auth: Vec<String>,
    /// `SIZE n` with n > 0: the largest message it takes.
    size: Option<u64>,
    eight_bit_mime: bool,
    smtputf8: bool,
}

impl Capabilities {
    fn from_reply(reply: &Reply) -> Capabilities {
        let mut caps = Capabilities::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            match keyword.to_ascii_uppercase().as_str() {
                "STARTTLS" => caps.starttls = true,
                "8BITMIME" => caps.eight_bit_mime = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                "AUTH" => caps.auth.extend(words.map(|w| w.to_ascii_uppercase())),
                "SIZE" => caps.size = words.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0),
                _ => {}
            }
        }
        caps
    }
}

/// Starts an attempt to give `bytes` to every recipient of `envelope`, on its own
/// thread, and returns its events.
pub(super) fn start(target: Arc<Target>, envelope: Envelope, bytes: Arc<[u8]>) -> Receiver<Event> {
    let (events, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut session = Session {
            target: &target,
            events: &events,
        };
        if let Some(ended) = session.run(&envelope, &bytes) {
            let _ = events.send(Event::Finished(ended));
        }
    });
    receiver
}

struct Session<'a> {
    target: &'a Target,
    events: &'a Sender<Event>,
}

impl Session<'_> {
    /// The whole dialogue. `None` when a message's end of data was not allowed, or its
    /// answer has been reported and the dialogue cannot go on.
    fn run(&mut self, envelope: &Envelope, bytes: &[u8]) -> Option<Result<(), Failure>> {
        let (mut wire, caps) = match self.open() {
            Ok(open) => open,
            Err(failure) => return Some(Err(failure)),
        };
        let mut parameters = match mail_parameters(&caps, envelope, bytes) {
            Ok(parameters) => parameters,
            Err(failure) => return Some(Err(failure)),
        };
        if caps.size.is_some() {
            parameters.push(MailParameter::Size(bytes.len()));
        }
        let mut remaining: Vec<Address> = envelope.to().to_vec();
        while !remaining.is_empty() {
            let accepted = match self.envelope(&mut wire, envelope, &parameters, &mut remaining) {
                Ok(accepted) => accepted,
                Err(failure) => return Some(Err(failure)),
            };
            match self.data(wire, accepted, bytes)? {
                Some(next) => wire = next,
                None => return None,
            }
        }
        let _ = wire.command(&Quit.to_string());
        Some(Ok(()))
    }

    /// Connects, greets, secures and logs in.
    fn open(&self) -> Result<(Wire, Capabilities), Failure> {
        let target = self.target;
        let mut wire =
            Wire::connect(&target.host, target.port, target.io_timeout).map_err(Failure::Wire)?;
        if let Security::Implicit(config) = &target.security {
            wire = wire.upgrade(config, &target.host).map_err(Failure::Wire)?;
        }
        let greeting = wire.read_reply().map_err(Failure::Wire)?;
        expect(&greeting, "the greeting", 220)?;
        let ehlo = Ehlo::new(target.hello.clone()).to_string();
        let mut caps = self.ehlo(&mut wire, &ehlo)?;
        if let Security::StartTls(config) = &target.security {
            if !caps.starttls {
                return Err(Failure::Unsupported(
                    "the server does not offer STARTTLS, and tls = \"starttls\" sends nothing in the clear".into(),
                ));
            }
            let reply = wire.command(&Starttls.to_string()).map_err(Failure::Wire)?;
            expect(&reply, "STARTTLS", 220)?;
            wire = wire.upgrade(config, &target.host).map_err(Failure::Wire)?;
            // Nothing learned before TLS counts.
            caps = self.ehlo(&mut wire, &ehlo)?;
        }
        if let Some(credentials) = &target.credentials {
            authenticate(&mut wire, &caps, credentials)?;
        }
        Ok((wire, caps))
    }

    fn ehlo(&self, wire: &mut Wire, ehlo: &str) -> Result<Capabilities, Failure> {
        let reply = wire.command(ehlo).map_err(Failure::Wire)?;
        expect(&reply, "EHLO", 250)?;
        Ok(Capabilities::from_reply(&reply))
    }

    /// MAIL and RCPT for the recipients still to be given the message. Returns the
    /// ones the server accepted and leaves the ones it deferred in `remaining`.
    fn envelope(
        &self,
        wire: &mut Wire,
        envelope: &Envelope,
        parameters: &[MailParameter],
        remaining: &mut Vec<Address>,
    ) -> Result<Vec<Address>, Failure> {
        let mail = Mail::new(envelope.from().cloned(), parameters.to_vec()).to_string();
        let reply = wire.command(&mail).map_err(Failure::Wire)?;
        expect(&reply, "MAIL FROM", 250)?;
        let mut accepted = Vec::new();
        let mut deferred = Vec::new();
        let mut last_deferral = None;
        for recipient in remaining.drain(..) {
            let rcpt = Rcpt::new(recipient.clone(), Vec::new()).to_string();
            let reply = wire.command(&rcpt).map_err(Failure::Wire)?;
            match reply.class() {
                2 if reply.code == 250 || reply.code == 251 => accepted.push(recipient),
                4 => {
                    deferred.push(recipient);
                    last_deferral = Some(reply);
                }
                5 => {
                    return Err(Failure::Refused {
                        command: "RCPT TO",
                        reply,
                    })
                }
                _ => return Err(protocol(&reply, "RCPT TO")),
            }
        }
        *remaining = deferred;
        match (accepted.is_empty(), last_deferral) {
            (true, Some(reply)) => Err(Failure::Refused {
                command: "RCPT TO",
                reply,
            }),
            _ => Ok(accepted),
        }
    }

    /// DATA, the message, and its end once the calling thread allows it. The
    /// connection, for the next transaction, when the server accepted this one;
    /// `Some(None)` when the dialogue ends here with the answer reported; `None` when
    /// the end was not allowed.
    fn data(
        &mut self,
        mut wire: Wire,
        recipients: Vec<Address>,
        bytes: &[u8],
    ) -> Option<Option<Wire>> {
        let failed = |events: &Sender<Event>, failure| {
            let _ = events.send(Event::Finished(Err(failure)));
            Some(None)
        };
        let reply = match wire.command(&Data.to_string()) {
            Ok(reply) => reply,
            Err(e) => return failed(self.events, Failure::Wire(e)),
        };
        if reply.code != 354 {
            let failure = match reply.class() {
                4 | 5 => Failure::Refused {
                    command: "DATA",
                    reply,
                },
                _ => protocol(&reply, "DATA"),
            };
            return failed(self.events, failure);
        }
        if let Err(e) = wire.write(&transparent(bytes)) {
            return failed(self.events, Failure::Wire(e));
        }
        let (leave, granted) = mpsc::channel();
        let asked = self.events.send(Event::EndOfData { recipients, leave });
        if asked.is_err() || granted.recv().is_err() {
            // Not journaled: the marker must not go.
            wire.abandon();
            return None;
        }
        // A last look before the marker, after the journaling: a reply nobody asked
        // for would be read as the answer to the data, and a connection the server
        // dropped meanwhile takes no marker. Either way the marker does not go.
        let withheld = match wire.has_unsolicited() {
            Ok(false) => None,
            Ok(true) => Some(
                "the server wrote a reply before the end of the message data, out of turn"
                    .to_string(),
            ),
            Err(e) => Some(format!(
                "the connection failed before the end of the data ({e})"
            )),
        };
        if let Some(why) = withheld {
            wire.abandon();
            let _ = self.events.send(Event::Withheld(why));
            return Some(None);
        }
        // A marker that could not be written did not leave whole, and a server takes
        // no message without all of it.
        if let Err(e) = wire.write(b".\r\n") {
            wire.abandon();
            let _ = self.events.send(Event::Withheld(format!(
                "the end of the data could not be written ({e})"
            )));
            return Some(None);
        }
        let answer = wire.read_reply();
        let accepted = matches!(&answer, Ok(reply) if reply.code == 250);
        let (recorded, journaled) = mpsc::channel();
        let _ = self.events.send(Event::Answer { answer, recorded });
        if journaled.recv().is_err() {
            wire.abandon();
            return None;
        }
        Some(accepted.then_some(wire))
    }
}

/// The MAIL parameters the message needs, or why the server cannot take it.
fn mail_parameters(
    caps: &Capabilities,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<Vec<MailParameter>, Failure> {
    let mut parameters = Vec::new();
    if let Some(limit) = caps.size {
        if bytes.len() as u64 > limit {
            return Err(Failure::Unsupported(format!(
                "the message is {} bytes and the server takes at most {limit} (SIZE in its EHLO reply); nothing was sent",
                bytes.len()
            )));
        }
    }
    let addresses_ascii = envelope
        .to()
        .iter()
        .chain(envelope.from())
        .all(|a| AsRef::<str>::as_ref(a).is_ascii());
    if !addresses_ascii {
        if !caps.smtputf8 {
            return Err(Failure::Unsupported(
                "an address is not ASCII, and the server does not offer SMTPUTF8".into(),
            ));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !caps.eight_bit_mime {
            return Err(Failure::Unsupported(
                "the message is not ASCII, and the server does not offer 8BITMIME".into(),
            ));
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    Ok(parameters)
}

/// Logs in with PLAIN or LOGIN, whichever the server offers.
fn authenticate(
    wire: &mut Wire,
    caps: &Capabilities,
    credentials: &Credentials,
) -> Result<(), Failure> {
    if caps.auth.is_empty() {
        let how = if wire.is_tls() {
            ""
        } else {
            " on an unencrypted connection"
        };
        return Err(Failure::Unsupported(format!(
            "[smtp] username is set, but the server offers no AUTH{how}; remove username if this server needs no login, or check host and port"
        )));
    }
    let offers = |name: &str| caps.auth.iter().any(|m| m == name);
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let response = |mechanism: Mechanism, challenge: Option<&str>| {
        mechanism
            .response(credentials, challenge)
            .map_err(|e| Failure::Protocol(format!("AUTH {mechanism}: {e}")))
    };
    let reply = if offers("PLAIN") {
        let initial = encode(&response(Mechanism::Plain, None)?);
        wire.command(&format!("AUTH PLAIN {initial}\r\n"))
            .map_err(Failure::Wire)?
    } else if offers("LOGIN") {
        let mut reply = wire.command("AUTH LOGIN\r\n").map_err(Failure::Wire)?;
        for _ in 0..2 {
            if reply.code != 334 {
                break;
            }
            let challenge = reply
                .lines
                .first()
                .and_then(|c| {
                    base64::engine::general_purpose::STANDARD
                        .decode(c.trim())
                        .ok()
                })
                .map(|c| String::from_utf8_lossy(&c).into_owned())
                .unwrap_or_default();
            let answer = encode(&response(Mechanism::Login, Some(&challenge))?);
            reply = wire
                .command(&format!("{answer}\r\n"))
                .map_err(Failure::Wire)?;
        }
        reply
    } else {
        return Err(Failure::Unsupported(format!(
            "[smtp] username is set, but the server offers no login mechanism herald can use: it offers AUTH {}, and herald speaks PLAIN and LOGIN",
            caps.auth.join(" ")
        )));
    };
    match reply.code {
        235 => Ok(()),
        _ if matches!(reply.class(), 4 | 5) => Err(Failure::Refused {
            command: "AUTH",
            reply,
        }),
        _ => Err(protocol(&reply, "AUTH")),
    }
}

/// A reply with the one code that lets the dialogue go on, or a failure.
fn expect(reply: &Reply, command: &'static str, code: u16) -> Result<(), Failure> {
    if reply.code == code {
        return Ok(());
    }
    Err(match reply.class() {
        4 | 5 => Failure::Refused {
            command,
            reply: reply.clone(),
        },
        _ => protocol(reply, command),
    })
}

fn protocol(reply: &Reply, command: &str) -> Failure {
    Failure::Protocol(format!(
        "the server answered {command} with \"{}\", which does not let the dialogue go on",
        reply.text()
    ))
}

/// The message as DATA carries it: every line ending CRLF, a line that starts with a
/// dot doubled (RFC 5321 section 4.5.2), and a final CRLF before the end marker.
fn transparent(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 64 + 2);
    let mut line_start = true;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            // A carriage return or a line feed alone ends a line as CRLF does, so the
            // server sees the same lines as every reader.
            b'\r' | b'\n' => {
                out.extend_from_slice(b"\r\n");
                if byte == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                    at += 1;
                }
                line_start = true;
            }
            _ => {
                if line_start && byte == b'.' {
                    out.push(b'.');
                }
                out.push(byte);
                line_start = false;
            }
        }
        at += 1;
    }
    if !line_start {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_is_dot_stuffed_and_ends_every_line_with_crlf() {
        assert_eq!(transparent(b".a\r\nb\r\n..c\r\n"), b"..a\r\nb\r\n...c\r\n");
        assert_eq!(transparent(b"a\n.b"), b"a\r\n..b\r\n");
        assert_eq!(transparent(b"a\r.b\r\n"), b"a\r\n..b\r\n");
        assert_eq!(transparent(b"a\r"), b"a\r\n");
        assert_eq!(transparent(b""), b"");
    }

    #[test]
    fn capabilities_are_read_from_the_ehlo_reply() {
        let reply = Reply {
            code: 250,
            lines: vec![
                "mail.example.org hello".into(),
                "SIZE 1000".into(),
                "auth plain LOGIN".into(),
                "STARTTLS".into(),
                "8BITMIME".into(),
            ],
        };
        let caps = Capabilities::from_reply(&reply);
        assert_eq!(caps.size, Some(1000));
        assert_eq!(caps.auth, ["PLAIN", "LOGIN"]);
        assert!(caps.starttls && caps.eight_bit_mime && !caps.smtputf8);
        let unlimited = Reply {
            code: 250,
            lines: vec!["x".into(), "SIZE 0".into(), "SIZE".into()],
        };
        assert_eq!(Capabilities::from_reply(&unlimited).size, None);
    }
}
