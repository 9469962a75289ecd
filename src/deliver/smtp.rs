//! One attempt's SMTP dialogue, on a thread of its own, with a gate before the end of
//! the message data.
//!
//! The dialogue runs on lettre's low-level [`SmtpConnection`]: connect, EHLO,
//! STARTTLS, AUTH, MAIL, RCPT, DATA, then the message. The message body goes out
//! first; before the end-of-data marker (`CRLF.CRLF`) the thread stops and asks, with
//! [`Event::EndOfData`], for leave to finish. Only a message that the calling thread
//! has durably journaled gets that leave; without it the thread unwinds, its
//! connection closes without the marker, and the server discards what it got.
//!
//! The calling thread keeps the attempt's deadline: it waits on the events with a
//! time-out and, when time is up, simply stops listening. A server that trickles one
//! line a second, or never greets, therefore cannot hold herald, however each single
//! read's time-out is met.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::{Response, Severity};

/// How the connection is secured.
pub(super) enum Security {
    Plain,
    StartTls(TlsParameters),
    Implicit(TlsParameters),
}

/// Where and how to connect: everything an attempt's thread needs.
pub(super) struct Target {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<Credentials>,
    /// The deadline of the connection and of each single read and write.
    pub io_timeout: Duration,
    pub hello: ClientId,
}

/// Why a dialogue ended without the server's acceptance.
#[derive(Debug)]
pub(super) enum Failure {
    /// lettre's error: a reply, the network, TLS or a client-side refusal.
    Smtp(lettre::transport::smtp::Error),
    /// The server lacks what the message needs (8BITMIME, SMTPUTF8).
    Unsupported(&'static str),
    /// The server answered a command with a reply that does not fit it (a 250 to
    /// DATA, a 354 to MAIL), before the end of the data.
    Protocol(String),
}

/// What an attempt's thread tells the thread that waits for it.
pub(super) enum Event {
    /// The body is out; the end-of-data marker goes only after a reply on this
    /// channel. Dropping the sender instead abandons the message.
    EndOfData(Sender<()>),
    /// The dialogue ended: the server's answer to the message, or why not.
    Finished(Result<Response, Failure>),
}

/// The unwinding payload of an attempt whose end of data was not allowed.
struct Abandoned;

/// Starts an attempt on its own thread and returns its events.
pub(super) fn start(target: Arc<Target>, envelope: Envelope, bytes: Arc<[u8]>) -> Receiver<Event> {
    let (events, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let dialogue = std::panic::catch_unwind(AssertUnwindSafe(|| {
            dialogue(&target, &envelope, &bytes, &events)
        }));
        // An abandoned attempt unwinds to here: its connection is closed, and nobody
        // waits for it any more.
        match dialogue {
            Ok(Ok((answer, mut connection))) => {
                let _ = events.send(Event::Finished(Ok(answer)));
                let _ = connection.quit();
            }
            Ok(Err(failure)) => {
                let _ = events.send(Event::Finished(Err(failure)));
            }
            Err(_abandoned) => {}
        }
    });
    receiver
}

fn dialogue(
    target: &Target,
    envelope: &Envelope,
    bytes: &[u8],
    events: &Sender<Event>,
) -> Result<(Response, SmtpConnection), Failure> {
    let wrapper = match &target.security {
        Security::Implicit(parameters) => Some(parameters),
        _ => None,
    };
    let mut connection = SmtpConnection::connect(
        (target.host.as_str(), target.port),
        Some(target.io_timeout),
        &target.hello,
        wrapper,
        None,
    )
    .map_err(Failure::Smtp)?;
    if let Security::StartTls(parameters) = &target.security {
        connection
            .starttls(parameters, &target.hello)
            .map_err(Failure::Smtp)?;
    }
    if let Some(credentials) = &target.credentials {
        connection
            .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
            .map_err(Failure::Smtp)?;
    }
    let info = connection.server_info();
    let mut parameters = Vec::new();
    if envelope
        .to()
        .iter()
        .chain(envelope.from())
        .any(|a| !AsRef::<str>::as_ref(a).is_ascii())
    {
        if !info.supports_feature(Extension::SmtpUtfEight) {
            return Err(Failure::Unsupported(
                "an address is not ASCII, and the server does not offer SMTPUTF8",
            ));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !info.supports_feature(Extension::EightBitMime) {
            return Err(Failure::Unsupported(
                "the message is not ASCII, and the server does not offer 8BITMIME",
            ));
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = connection
        .command(Mail::new(envelope.from().cloned(), parameters))
        .map_err(Failure::Smtp)?;
    expect(&mail, "MAIL FROM", Severity::PositiveCompletion)?;
    for recipient in envelope.to() {
        let rcpt = connection
            .command(Rcpt::new(recipient.clone(), Vec::new()))
            .map_err(Failure::Smtp)?;
        expect(&rcpt, "RCPT TO", Severity::PositiveCompletion)?;
    }
    let data = connection.command(Data).map_err(Failure::Smtp)?;
    if !data.has_code(354) {
        return Err(protocol(&data, "DATA"));
    }
    let answer = connection
        .message_iter(EndOfDataGate {
            body: Some(bytes),
            events,
            granted: false,
        })
        .map_err(Failure::Smtp)?;
    Ok((answer, connection))
}

/// lettre takes any 2xx or 3xx reply as success; a command's reply must be of the
/// one kind that lets the dialogue go on.
fn expect(response: &Response, command: &str, severity: Severity) -> Result<(), Failure> {
    if response.code().severity == severity {
        return Ok(());
    }
    Err(protocol(response, command))
}

fn protocol(response: &Response, command: &str) -> Failure {
    let text: Vec<&str> = response.message().collect();
    Failure::Protocol(format!(
        "the server answered {command} with \"{} {}\", which does not let the dialogue go on",
        response.code(),
        text.join(" ")
    ))
}

/// The message body for [`SmtpConnection::message_iter`]: the body once, then, before
/// lettre writes the end-of-data marker, leave from the waiting thread.
struct EndOfDataGate<'a> {
    body: Option<&'a [u8]>,
    events: &'a Sender<Event>,
    /// Leave was asked for and granted: nothing more to give, ever.
    granted: bool,
}

impl<'a> Iterator for EndOfDataGate<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if let Some(body) = self.body.take() {
            return Some(body);
        }
        if self.granted {
            return None;
        }
        let (leave, granted) = mpsc::channel();
        if self.events.send(Event::EndOfData(leave)).is_err() || granted.recv().is_err() {
            // Not journaled: the marker must not go. Unwinding (without the panic
            // hook) drops the connection, which closes it mid-data.
            std::panic::resume_unwind(Box::new(Abandoned));
        }
        self.granted = true;
        None
    }
}
