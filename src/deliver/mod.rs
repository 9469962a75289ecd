//! Stage 6: deliver a composed message over SMTP, exactly once.
//!
//! Every attempt is journaled before the end of its data goes to the server (see
//! [`journal`]), and runs on its own thread under a deadline (see [`smtp`]):
//!
//! * A failure before the end of the data (no connection, a 4xx to MAIL, a dropped
//!   connection mid-body, the attempt's deadline) delivered nothing, and is retried
//!   with doubling back-off capped at 60 seconds.
//! * An answer to the data is definite: 250 is recorded as sent, 4xx as failed and
//!   retried, 5xx as failed and final.
//! * A recipient the server defers (`452 too many recipients`) gets the message in a
//!   further transaction; each transaction is journaled with its own recipients, so
//!   every recipient gets exactly one copy across retries, crashes and reruns.
//! * No answer to the data (a time-out, a dropped connection, a crash) leaves the
//!   attempt *in doubt*. It is never retried on its own: a person looks for its
//!   Message-ID in the list archive and settles it.
//!
//! TLS is rustls, with certificate checks on; `ca_file` adds a trust anchor. Plain
//! SMTP is allowed only to loopback addresses.

mod archived;
pub mod journal;
pub mod sign;
mod smtp;
pub mod tls;
pub mod witness;

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;

use crate::config::{SmtpConfig, TlsMode, PASSWORD_VARIABLE};
use crate::render::ComposedEmail;
use journal::{AttemptState, Journal, JournalEntry, JournalError};
use smtp::{Event, Failure, Security, Target, WireError};
use tls::TlsSetupError;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How often a sending thread that waits looks whether it was interrupted.
const POLL: Duration = Duration::from_millis(100);

/// Why a message could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("refusing plain-text SMTP (tls = \"none\") to {host}: it is allowed only to loopback addresses; use tls = \"starttls\" or \"implicit\"")]
    PlainToRemote { host: String },
    #[error("[smtp] username is set but {PASSWORD_VARIABLE} is not set; the password is read only from the environment")]
    MissingPassword,
    #[error(transparent)]
    TlsSetup(#[from] TlsSetupError),
    /// The server cannot take this message as configured: no STARTTLS, no usable
    /// login, no 8BITMIME, a size limit. Nothing was delivered.
    #[error("{server}: {message}")]
    Unsupported { server: String, message: String },
    #[error("{server} refused {command} permanently: {reply}")]
    Permanent {
        server: String,
        command: &'static str,
        reply: String,
    },
    #[error("{server}: TLS failed: {message}")]
    Tls { server: String, message: String },
    #[error("{server}: gave up after {}; last error: {last}", crate::english::count(*attempts as usize, "attempt", "attempts"))]
    GaveUp {
        server: String,
        attempts: u64,
        last: String,
    },
    /// The journal could not record the attempt: nothing was sent.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The message could not be signed: nothing was sent.
    #[error(transparent)]
    Sign(#[from] sign::SignError),
    /// The signed message could not be composed.
    #[error(transparent)]
    Compose(#[from] crate::render::RenderError),
    /// The data went out and no answer came: the message may have been delivered.
    #[error("{server}: the message data went out but {why}, so herald cannot tell whether the list got it. It will not guess, and will not send it again on its own. Look for Message-ID {message_id} in the list archive, then record what you found:\n  {settle} --sent\n  {settle} --not-sent")]
    InDoubt {
        server: String,
        message_id: String,
        why: String,
        /// The command that settles it, without `--sent` / `--not-sent`.
        settle: String,
    },
    /// Ctrl-C or SIGTERM while the message was on its way.
    #[error("{}", interrupted_text(*signal, *in_doubt, message_id, settle, *delivered))]
    Interrupted {
        signal: i32,
        /// Whether the end of the data had gone out with no answer yet.
        in_doubt: bool,
        message_id: String,
        settle: String,
        /// Recipients an earlier transaction of this send gave the message to.
        delivered: usize,
    },
    /// The server accepted the message; the journal could not record that.
    #[error("the message WAS sent ({reply}), but recording that in {} failed ({error}); the journal still holds the attempt as in doubt, so it will not be sent again; once the journal is writable, record it with:\n  {settle} --sent", journal.display())]
    SentNotRecorded {
        reply: String,
        journal: std::path::PathBuf,
        error: Box<JournalError>,
        settle: String,
    },
}

/// The name of a signal herald stops on.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT (Ctrl-C)",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

fn interrupted_text(
    signal: i32,
    in_doubt: bool,
    message_id: &str,
    settle: &str,
    delivered: usize,
) -> String {
    let name = signal_name(signal);
    if in_doubt {
        return format!(
            "interrupted by {name} while waiting for the server's answer to the message data: the list may or may not have the message, so the attempt stays journaled as in doubt. Look for Message-ID {message_id} in the list archive, then record what you found:\n  {settle} --sent\n  {settle} --not-sent"
        );
    }
    let partly = match delivered {
        0 => String::new(),
        n => format!(" beyond the {n} recipient(s) an earlier transaction reached (journaled)"),
    };
    format!(
        "interrupted by {name} before the end of the message data went to the server: nothing was delivered{partly}. Run the same command again to send it."
    )
}

/// One transaction the server accepted: the recipients it gave the message to.
#[derive(Debug, Clone)]
pub struct Transaction {
    pub recipients: Vec<String>,
    /// The reply, as in "250 2.0.0 Ok: queued".
    pub reply: String,
}

/// The server's acceptance of a message, for every recipient it was sent to.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The reply to the last transaction.
    pub reply: String,
    pub attempts: u64,
    /// More than one when the server took the recipients a few at a time.
    pub transactions: Vec<Transaction>,
}

/// A configured SMTP client.
pub struct Mailer {
    target: Arc<Target>,
    server: String,
    attempts: u64,
    first_backoff: Duration,
    attempt_deadline: Duration,
}

/// Whether `host` is a loopback address or name.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where a send records its attempts: the journal, the record to write before the
/// end of each transaction's data (its recipients filled in then), and the command
/// that settles one in doubt (for the errors that name it).
pub struct Record<'a> {
    pub journal: &'a mut Journal,
    pub entry: &'a JournalEntry,
    pub settle: &'a str,
}

/// How one attempt ended.
enum Attempt {
    /// Every recipient of the attempt has the message.
    Delivered,
    /// The recipients not yet given the message did not get it; trying again may work.
    Retry(String),
    /// Nothing more reached the list, and trying again will not help.
    Final(DeliverError),
    /// The data went out and no answer came.
    InDoubt(String),
    /// A signal stopped the attempt; `true` when the end of the data had gone.
    Interrupted(i32, bool),
}

/// What a send has done so far, across its attempts.
struct Progress {
    /// The transactions the server accepted.
    transactions: Vec<Transaction>,
    interruption: Interruption,
}

impl Progress {
    /// How many recipients have the message.
    fn delivered(&self) -> usize {
        self.transactions.iter().map(|t| t.recipients.len()).sum()
    }

    /// Whether `recipient` has the message.
    fn has(&self, recipient: &Address) -> bool {
        let address: &str = recipient.as_ref();
        self.transactions
            .iter()
            .any(|t| t.recipients.iter().any(|d| d == address))
    }
}

/// Ctrl-C and SIGTERM once a message is on its way: noted here, and acted on by the
/// sending thread at its next look, since it alone knows whether the end of the
/// data went. Before that, the default action stops herald, and nothing was sent.
struct Interruption(Arc<AtomicUsize>);

impl Interruption {
    fn watch() -> Interruption {
        let seen = Arc::new(AtomicUsize::new(0));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Without the handler, the signal still stops herald: only the words
            // after it are lost.
            let _ = signal_hook::flag::register_usize(signal, seen.clone(), signal as usize);
        }
        Interruption(seen)
    }

    fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            signal => i32::try_from(signal).ok(),
        }
    }

    /// Sleeps for `wait`, or less when a signal comes.
    fn sleep(&self, wait: Duration) -> Option<i32> {
        let end = Instant::now() + wait;
        loop {
            if let Some(signal) = self.signal() {
                return Some(signal);
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            std::thread::sleep(left.min(POLL));
        }
    }
}

impl Mailer {
    /// Sets up a client for `smtp`. The password comes from `password` (the caller reads
    /// `HERALD_SMTP_PASSWORD`); it is registered as a secret, so no output holds it.
    pub fn new(
        smtp: &SmtpConfig,
        ca_file: Option<&Path>,
        password: Option<String>,
    ) -> Result<Mailer, DeliverError> {
        let server = format!("{}:{} ({})", smtp.host, smtp.port(), smtp.tls);
        let security = match smtp.tls {
            TlsMode::None if !is_loopback(&smtp.host) => {
                return Err(DeliverError::PlainToRemote {
                    host: smtp.host.clone(),
                })
            }
            TlsMode::None => Security::Plain,
            TlsMode::Starttls => Security::StartTls(tls::client_config(ca_file)?),
            TlsMode::Implicit => Security::Implicit(tls::client_config(ca_file)?),
        };
        let credentials = match &smtp.username {
            Some(username) => {
                let password = password.ok_or(DeliverError::MissingPassword)?;
                crate::secrets::register(&password);
                Some(Credentials::new(username.clone(), password))
            }
            None => None,
        };
        Ok(Mailer {
            target: Arc::new(Target {
                host: smtp.host.clone(),
                port: smtp.port(),
                security,
                credentials,
                io_timeout: Duration::from_secs(smtp.timeout_seconds.get()),
                hello: ClientId::default(),
            }),
            server,
            attempts: smtp.attempts.get(),
            first_backoff: Duration::from_millis(smtp.backoff_ms.get()).min(MAX_BACKOFF),
            attempt_deadline: Duration::from_secs(smtp.attempt_deadline_seconds.get()),
        })
    }

    /// `host:port (tls)`, for messages and the journal.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Gives `email` to every recipient of `envelope` exactly once. Before the end of
    /// each transaction's data goes out, the record's entry is written to its journal
    /// in doubt, with that transaction's recipients; the server's answer concludes it.
    /// Failures before the end of the data and 4xx answers are retried with back-off,
    /// for the recipients still without the message; a 5xx, a TLS failure or an
    /// answer that never came stops at once.
    pub fn send(
        &self,
        email: &ComposedEmail,
        envelope: &Envelope,
        mut record: Option<Record<'_>>,
        log: &mut dyn FnMut(&str),
    ) -> Result<Delivery, DeliverError> {
        let settle = record.as_ref().map_or_else(
            || "(nothing to settle)".to_string(),
            |r| r.settle.to_string(),
        );
        let bytes: Arc<[u8]> = Arc::from(email.bytes.as_slice());
        let mut progress = Progress {
            transactions: Vec::new(),
            interruption: Interruption::watch(),
        };
        let interrupted = |signal, in_doubt, progress: &Progress| DeliverError::Interrupted {
            signal,
            in_doubt,
            message_id: email.message_id.clone(),
            settle: settle.clone(),
            delivered: progress.delivered(),
        };
        // One copy per mailbox: an address listed twice (in To and in Bcc, say)
        // would otherwise get a copy from each transaction it landed in.
        let mut remaining: Vec<Address> = Vec::new();
        for address in envelope.to() {
            let key = AsRef::<str>::as_ref(address).to_ascii_lowercase();
            if !remaining
                .iter()
                .any(|r| AsRef::<str>::as_ref(r).to_ascii_lowercase() == key)
            {
                remaining.push(address.clone());
            }
        }
        let mut backoff = self.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            let this = Envelope::new(envelope.from().cloned(), remaining.clone()).map_err(|e| {
                DeliverError::Unsupported {
                    server: self.server.clone(),
                    message: e.to_string(),
                }
            })?;
            let outcome = self.attempt(&this, &bytes, record.as_mut(), &settle, &mut progress, log);
            remaining.retain(|r| !progress.has(r));
            let error = match outcome? {
                Attempt::Delivered => {
                    return Ok(Delivery {
                        reply: progress
                            .transactions
                            .last()
                            .map(|t| t.reply.clone())
                            .unwrap_or_default(),
                        attempts: attempt,
                        transactions: progress.transactions,
                    })
                }
                Attempt::Final(error) => error,
                Attempt::InDoubt(why) => DeliverError::InDoubt {
                    server: self.server.clone(),
                    message_id: email.message_id.clone(),
                    why,
                    settle: settle.clone(),
                },
                Attempt::Interrupted(signal, in_doubt) => {
                    return Err(interrupted(signal, in_doubt, &progress))
                }
                Attempt::Retry(why) => {
                    last = why;
                    if attempt < self.attempts {
                        log(&format!(
                            "attempt {attempt} of {} failed ({last}); retrying in {:.1}s",
                            self.attempts,
                            backoff.as_secs_f64()
                        ));
                        if let Some(signal) = progress.interruption.sleep(backoff) {
                            return Err(interrupted(signal, false, &progress));
                        }
                        backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
                    }
                    continue;
                }
            };
            return Err(self.partly(error, &progress, envelope, log));
        }
        let gave_up = DeliverError::GaveUp {
            server: self.server.clone(),
            attempts: self.attempts,
            last,
        };
        Err(self.partly(gave_up, &progress, envelope, log))
    }

    /// `error`, after saying how many recipients the send reached before it.
    fn partly(
        &self,
        error: DeliverError,
        progress: &Progress,
        envelope: &Envelope,
        log: &mut dyn FnMut(&str),
    ) -> DeliverError {
        if progress.delivered() > 0 {
            log(&format!(
                "the message reached {} of {} recipients before this failure; the journal records them, and the next send gives it only to the rest",
                progress.delivered(),
                envelope.to().len()
            ));
        }
        error
    }

    /// One attempt: starts the dialogue thread and follows it until it ends or the
    /// deadline passes, journaling each transaction before the end of its data.
    fn attempt(
        &self,
        envelope: &Envelope,
        bytes: &Arc<[u8]>,
        mut record: Option<&mut Record<'_>>,
        settle: &str,
        progress: &mut Progress,
        log: &mut dyn FnMut(&str),
    ) -> Result<Attempt, DeliverError> {
        let Progress {
            transactions,
            interruption,
        } = progress;
        let mut deadline = Instant::now() + self.attempt_deadline;
        let events = smtp::start(self.target.clone(), envelope.clone(), bytes.clone());
        // The journal index and recipients of the transaction whose end of data went.
        let mut in_flight: Option<(usize, Vec<String>)> = None;
        loop {
            if let Some(signal) = interruption.signal() {
                // Returning drops `events`: a dialogue short of the end of its data
                // never gets leave to finish it.
                return Ok(Attempt::Interrupted(signal, in_flight.is_some()));
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            let event = match events.recv_timeout(wait.min(POLL)) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) if !wait.is_zero() => continue,
                Err(error) => {
                    let why = match error {
                        RecvTimeoutError::Timeout => format!(
                            "the attempt ran past its deadline of {}s (attempt_deadline_seconds)",
                            self.attempt_deadline.as_secs()
                        ),
                        RecvTimeoutError::Disconnected => {
                            "the SMTP client stopped unexpectedly".to_string()
                        }
                    };
                    // Returning drops `events`: a dialogue still short of the end of
                    // its data is never given leave to finish.
                    return Ok(match in_flight {
                        Some(_) => Attempt::InDoubt(why),
                        None => Attempt::Retry(why),
                    });
                }
            };
            match event {
                Event::EndOfData { recipients, leave } => {
                    let recipients: Vec<String> =
                        recipients.iter().map(ToString::to_string).collect();
                    // Durably journaled first; an error here drops `leave`, and the
                    // end of the data never goes.
                    let index = match record.as_mut() {
                        Some(record) => {
                            let mut entry = record.entry.clone();
                            entry.recipients = recipients.clone();
                            record.journal.begin(entry)?
                        }
                        None => usize::MAX,
                    };
                    if Instant::now() >= deadline {
                        // Journaling took the attempt past its deadline: the end of
                        // the data does not go, so nothing was delivered.
                        drop(leave);
                        if let Some(record) = record.as_mut() {
                            record.journal.conclude(
                                index,
                                AttemptState::Failed,
                                "abandoned before the end of the data: the attempt's deadline passed while journaling".to_string(),
                            )?;
                        }
                        return Ok(Attempt::Retry(
                            "the attempt's deadline passed before the end of the data".to_string(),
                        ));
                    }
                    in_flight = Some((index, recipients));
                    let _ = leave.send(());
                    // The answer to the data gets a full reply time-out of its own.
                    deadline = deadline.max(Instant::now() + self.target.io_timeout);
                }
                Event::Answer { answer, recorded } => {
                    let Some((index, recipients)) = in_flight.take() else {
                        return Ok(Attempt::InDoubt(
                            "the SMTP client reported an answer to data that never went".into(),
                        ));
                    };
                    let reply = match answer {
                        Ok(reply) => reply,
                        Err(error) => {
                            return Ok(Attempt::InDoubt(format!("no answer came ({error})")))
                        }
                    };
                    let text = reply.text();
                    let conclude = |record: Option<&mut &mut Record<'_>>, state| match record {
                        Some(record) => record.journal.conclude(index, state, text.clone()),
                        None => Ok(()),
                    };
                    match reply.code {
                        250 => {
                            if let Err(error) = conclude(record.as_mut(), AttemptState::Sent) {
                                return Err(DeliverError::SentNotRecorded {
                                    reply: text,
                                    journal: record
                                        .as_ref()
                                        .map(|r| r.journal.path().to_path_buf())
                                        .unwrap_or_default(),
                                    error: Box::new(error),
                                    settle: settle.to_string(),
                                });
                            }
                            if envelope.to().len() > recipients.len() || !transactions.is_empty() {
                                log(&format!(
                                    "the server took the message for {} ({text})",
                                    recipients.join(", ")
                                ));
                            }
                            transactions.push(Transaction {
                                recipients,
                                reply: text,
                            });
                            let _ = recorded.send(());
                            // The next transaction on this connection gets a whole
                            // deadline of its own.
                            deadline = Instant::now() + self.attempt_deadline;
                        }
                        _ if reply.class() == 4 => {
                            conclude(record.as_mut(), AttemptState::Failed)?;
                            return Ok(Attempt::Retry(text));
                        }
                        _ if reply.class() == 5 => {
                            conclude(record.as_mut(), AttemptState::Failed)?;
                            return Ok(Attempt::Final(DeliverError::Permanent {
                                server: self.server.clone(),
                                command: "the message",
                                reply: text,
                            }));
                        }
                        // RFC 5321 accepts a message's data with 250 alone.
                        _ => {
                            return Ok(Attempt::InDoubt(format!(
                                "the server answered the end of the data with {text}, which neither accepts nor refuses it"
                            )))
                        }
                    }
                }
                Event::Withheld(why) => {
                    if let (Some((index, _)), Some(record)) = (in_flight.take(), record.as_mut()) {
                        record.journal.conclude(
                            index,
                            AttemptState::Failed,
                            format!("abandoned before the end of the data: {why}"),
                        )?;
                    }
                    return Ok(Attempt::Retry(why));
                }
                Event::Finished(Ok(())) => return Ok(Attempt::Delivered),
                Event::Finished(Err(failure)) => return Ok(self.judge(failure)),
            }
        }
    }

    /// What a dialogue that failed before the end of a transaction's data means:
    /// nothing more was delivered.
    fn judge(&self, failure: Failure) -> Attempt {
        let server = self.server.clone();
        match failure {
            Failure::Wire(error @ (WireError::Injected { .. } | WireError::Tls(_))) => {
                Attempt::Final(DeliverError::Tls {
                    server,
                    message: error.to_string(),
                })
            }
            Failure::Wire(error) => Attempt::Retry(error.to_string()),
            Failure::Refused { command, reply } if reply.class() == 5 => {
                let mut text = reply.text();
                if command == "AUTH" {
                    text.push_str(" (check [smtp] username and HERALD_SMTP_PASSWORD)");
                }
                Attempt::Final(DeliverError::Permanent {
                    server,
                    command,
                    reply: text,
                })
            }
            Failure::Refused { command, reply } => {
                Attempt::Retry(format!("{command}: {}", reply.text()))
            }
            Failure::Unsupported(message) => {
                Attempt::Final(DeliverError::Unsupported { server, message })
            }
            Failure::Protocol(why) => Attempt::Retry(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_recognised_and_nothing_else() {
        for host in [
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "[::1]",
            "localhost",
            "LOCALHOST",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "10.0.0.1",
            "smtp.example.invalid",
            "localhost.example.invalid",
            "0.0.0.0",
            "192.168.1.1",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn plain_smtp_to_a_remote_host_is_refused() {
        let smtp: SmtpConfig =
            toml::from_str("host = \"smtp.example.invalid\"\ntls = \"none\"\n").unwrap();
        let err = Mailer::new(&smtp, None, None).err().expect("refused");
        assert!(matches!(err, DeliverError::PlainToRemote { .. }), "{err}");
        assert!(err.to_string().contains("smtp.example.invalid"));
    }

    #[test]
    fn a_username_without_the_password_variable_is_refused() {
        let smtp: SmtpConfig =
            toml::from_str("host = \"127.0.0.1\"\ntls = \"none\"\nusername = \"u\"\n").unwrap();
        let err = Mailer::new(&smtp, None, None).err().expect("refused");
        assert!(matches!(err, DeliverError::MissingPassword), "{err}");
    }
}
