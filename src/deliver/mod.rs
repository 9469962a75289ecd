//! Stage 6: deliver a composed message over SMTP, exactly once.
//!
//! Every attempt is journaled before the end of its data goes to the server (see
//! [`journal`]), and runs on its own thread under a deadline (see [`smtp`]):
//!
//! * A failure before the end of the data (no connection, a 4xx to MAIL, a dropped
//!   connection mid-body, the attempt's deadline) delivered nothing, and is retried
//!   with doubling back-off capped at 60 seconds.
//! * An answer to the data is definite: 2xx is recorded as sent, 4xx as failed and
//!   retried, 5xx as failed and final.
//! * No answer to the data (a time-out, a dropped connection, a crash) leaves the
//!   attempt *in doubt*. It is never retried on its own: a person looks for its
//!   Message-ID in the list archive and settles it.
//!
//! TLS is rustls, with certificate checks on; `ca_file` adds a trust anchor. Plain
//! SMTP is allowed only to loopback addresses.

pub mod journal;
pub mod sign;
mod smtp;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::config::{SmtpConfig, TlsMode, PASSWORD_VARIABLE};
use crate::error_chain;
use crate::render::ComposedEmail;
use journal::{AttemptState, Journal, JournalEntry, JournalError};
use smtp::{Event, Failure, Security, Target};

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Exit code of a send that failed on the wire: the server refused, or was never
/// reached. Nothing was delivered.
pub const DELIVERY_FAILED: i32 = 3;

/// Exit code of a send whose message the server accepted but the journal could not
/// record.
pub const SENT_NOT_RECORDED: i32 = 4;

/// Exit code of a send whose outcome is unknown: the data went out and no answer came.
pub const IN_DOUBT: i32 = 5;

/// Why a message could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("refusing plain-text SMTP (tls = \"none\") to {host}: it is allowed only to loopback addresses; use tls = \"starttls\" or \"implicit\"")]
    PlainToRemote { host: String },
    #[error("[smtp] username is set but {PASSWORD_VARIABLE} is not set; the password is read only from the environment")]
    MissingPassword,
    #[error("{}: cannot use as a CA certificate: {message}", path.display())]
    CaFile { path: PathBuf, message: String },
    #[error("cannot set up the SMTP connection to {server}: {message}")]
    Setup { server: String, message: String },
    #[error("{server} refused the message permanently: {reply}")]
    Permanent { server: String, reply: String },
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
    /// The server accepted the message; the journal could not record that.
    #[error("the message WAS sent ({reply}), but recording that in {} failed ({error}); the journal still holds the attempt as in doubt, so it will not be sent again; once the journal is writable, record it with:\n  {settle} --sent", journal.display())]
    SentNotRecorded {
        reply: String,
        journal: PathBuf,
        error: Box<JournalError>,
        settle: String,
    },
}

impl DeliverError {
    /// 2 for configuration and journal problems, 3 when nothing was delivered, 4 when
    /// the message was sent but not recorded, 5 when its fate is unknown.
    pub fn exit_code(&self) -> i32 {
        match self {
            DeliverError::PlainToRemote { .. }
            | DeliverError::MissingPassword
            | DeliverError::CaFile { .. }
            | DeliverError::Setup { .. }
            | DeliverError::Journal(_)
            | DeliverError::Sign(_)
            | DeliverError::Compose(_) => 2,
            DeliverError::Permanent { .. }
            | DeliverError::Tls { .. }
            | DeliverError::GaveUp { .. } => DELIVERY_FAILED,
            DeliverError::SentNotRecorded { .. } => SENT_NOT_RECORDED,
            DeliverError::InDoubt { .. } => IN_DOUBT,
        }
    }
}

/// The server's acceptance of a message.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The reply, as in "250 2.0.0 Ok: queued".
    pub reply: String,
    pub attempts: u64,
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
/// end of each attempt's data, and the command that settles one in doubt (for the
/// errors that name it).
pub struct Record<'a> {
    pub journal: &'a mut Journal,
    pub entry: &'a JournalEntry,
    pub settle: &'a str,
}

/// How one attempt ended.
enum Attempt {
    Accepted(String),
    /// Nothing, or a refused message, reached the list; trying again may work.
    Retry(String),
    /// Nothing reached the list, and trying again will not help.
    Final(DeliverError),
    /// The data went out and no answer came.
    InDoubt(String),
}

impl Mailer {
    /// Sets up a client for `smtp`. The password comes from `password` (the caller reads
    /// `HERALD_SMTP_PASSWORD`); it is never logged.
    pub fn new(
        smtp: &SmtpConfig,
        ca_file: Option<&Path>,
        password: Option<String>,
    ) -> Result<Mailer, DeliverError> {
        let server = format!("{}:{} ({})", smtp.host, smtp.port(), smtp.tls);
        let tls_parameters = || -> Result<TlsParameters, DeliverError> {
            let mut builder = TlsParameters::builder(smtp.host.clone());
            if let Some(path) = ca_file {
                let ca_error = |message: String| DeliverError::CaFile {
                    path: path.to_path_buf(),
                    message,
                };
                let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
                let certificate =
                    Certificate::from_pem(&pem).map_err(|e| ca_error(e.to_string()))?;
                builder = builder.add_root_certificate(certificate);
            }
            builder.build_rustls().map_err(|e| DeliverError::Setup {
                server: server.clone(),
                message: e.to_string(),
            })
        };
        let security = match smtp.tls {
            TlsMode::None if !is_loopback(&smtp.host) => {
                return Err(DeliverError::PlainToRemote {
                    host: smtp.host.clone(),
                })
            }
            TlsMode::None => Security::Plain,
            TlsMode::Starttls => Security::StartTls(tls_parameters()?),
            TlsMode::Implicit => Security::Implicit(tls_parameters()?),
        };
        let credentials = match &smtp.username {
            Some(username) => Some(Credentials::new(
                username.clone(),
                password.ok_or(DeliverError::MissingPassword)?,
            )),
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

    /// Sends `email` exactly once. Before the end of each attempt's data goes out,
    /// the record's entry is written to its journal in doubt; the server's answer
    /// concludes it. Without a record (a test copy) nothing is journaled.
    /// Failures before the end of the data and 4xx answers are retried with back-off;
    /// a 5xx, a TLS failure or an answer that never came stops at once.
    pub fn send(
        &self,
        email: &ComposedEmail,
        mut record: Option<Record<'_>>,
        log: &mut dyn FnMut(&str),
    ) -> Result<Delivery, DeliverError> {
        let settle = record.as_ref().map_or_else(
            || "(a test copy: nothing to settle)".to_string(),
            |r| r.settle.to_string(),
        );
        let envelope = email.envelope.clone();
        let bytes: Arc<[u8]> = Arc::from(email.bytes.as_slice());
        let mut backoff = self.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            match self.attempt(&envelope, &bytes, record.as_mut(), &settle)? {
                Attempt::Accepted(reply) => {
                    return Ok(Delivery {
                        reply,
                        attempts: attempt,
                    })
                }
                Attempt::Final(error) => return Err(error),
                Attempt::InDoubt(why) => {
                    return Err(DeliverError::InDoubt {
                        server: self.server.clone(),
                        message_id: email.message_id.clone(),
                        why,
                        settle,
                    })
                }
                Attempt::Retry(why) => {
                    last = why;
                    if attempt < self.attempts {
                        log(&format!(
                            "attempt {attempt} of {} failed ({last}); retrying in {:.1}s",
                            self.attempts,
                            backoff.as_secs_f64()
                        ));
                        std::thread::sleep(backoff);
                        backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
                    }
                }
            }
        }
        Err(DeliverError::GaveUp {
            server: self.server.clone(),
            attempts: self.attempts,
            last,
        })
    }

    /// One attempt: starts the dialogue thread and follows it until its answer or the
    /// deadline, journaling before the end of the data.
    fn attempt(
        &self,
        envelope: &lettre::address::Envelope,
        bytes: &Arc<[u8]>,
        mut record: Option<&mut Record<'_>>,
        settle: &str,
    ) -> Result<Attempt, DeliverError> {
        let mut deadline = Instant::now() + self.attempt_deadline;
        let events = smtp::start(self.target.clone(), envelope.clone(), bytes.clone());
        let mut begun: Option<usize> = None;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let event = match events.recv_timeout(wait) {
                Ok(event) => event,
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
                    return Ok(match begun {
                        Some(_) => Attempt::InDoubt(why),
                        None => Attempt::Retry(why),
                    });
                }
            };
            match event {
                Event::EndOfData(leave) => {
                    // Durably journaled first; an error here drops `leave`, and the
                    // end of the data never goes.
                    let index = match record.as_mut() {
                        Some(record) => record.journal.begin(record.entry.clone())?,
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
                    begun = Some(index);
                    let _ = leave.send(());
                    // The answer to the data gets a full reply time-out of its own.
                    deadline = deadline.max(Instant::now() + self.target.io_timeout);
                }
                Event::Finished(Ok(response)) => {
                    let reply = reply_text(&response);
                    let Some(index) = begun else {
                        // A positive answer can only follow the data.
                        return Ok(Attempt::InDoubt(format!(
                            "the server answered {reply} before the end of the data"
                        )));
                    };
                    if !response.has_code(250) {
                        // lettre counts any 2xx or 3xx as positive; RFC 5321 accepts a
                        // message's data with 250 alone.
                        return Ok(Attempt::InDoubt(format!(
                            "the server answered the end of the data with {reply}, which neither accepts nor refuses it"
                        )));
                    }
                    let Some(record) = record else {
                        return Ok(Attempt::Accepted(reply));
                    };
                    return match record
                        .journal
                        .conclude(index, AttemptState::Sent, reply.clone())
                    {
                        Ok(()) => Ok(Attempt::Accepted(reply)),
                        Err(error) => Err(DeliverError::SentNotRecorded {
                            reply,
                            journal: record.journal.path().to_path_buf(),
                            error: Box::new(error),
                            settle: settle.to_string(),
                        }),
                    };
                }
                Event::Finished(Err(failure)) => {
                    let journal = record.map(|r| &mut *r.journal);
                    return self.judge(failure, begun, journal);
                }
            }
        }
    }

    /// What a failed dialogue means, given whether its data had gone out.
    fn judge(
        &self,
        failure: Failure,
        begun: Option<usize>,
        journal: Option<&mut Journal>,
    ) -> Result<Attempt, DeliverError> {
        let error = match failure {
            Failure::Unsupported(why) => {
                return Ok(Attempt::Final(DeliverError::Setup {
                    server: self.server.clone(),
                    message: why.to_string(),
                }))
            }
            // Before the end of the data: nothing was delivered.
            Failure::Protocol(why) => return Ok(Attempt::Retry(why)),
            Failure::Smtp(error) => error,
        };
        let answered = error.is_transient() || error.is_permanent();
        if let Some(index) = begun {
            if !answered {
                return Ok(Attempt::InDoubt(format!(
                    "no answer came ({})",
                    error_chain(&error)
                )));
            }
            // A definite refusal of the message: recorded, then judged as below.
            if let Some(journal) = journal {
                journal.conclude(index, AttemptState::Failed, error.to_string())?;
            }
        }
        Ok(if error.is_permanent() {
            Attempt::Final(DeliverError::Permanent {
                server: self.server.clone(),
                reply: error.to_string(),
            })
        } else if error.is_tls() || is_certificate_failure(&error) {
            Attempt::Final(DeliverError::Tls {
                server: self.server.clone(),
                message: error_chain(&error),
            })
        } else if error.is_client() {
            Attempt::Final(DeliverError::Setup {
                server: self.server.clone(),
                message: error_chain(&error),
            })
        } else {
            Attempt::Retry(error_chain(&error))
        })
    }
}

/// "250 2.0.0 Ok: queued" from a response.
fn reply_text(response: &lettre::transport::smtp::response::Response) -> String {
    let text: Vec<&str> = response.message().collect();
    format!("{} {}", response.code(), text.join(" "))
}

/// Whether an error comes from TLS certificate verification. rustls verifies lazily, so
/// lettre reports an untrusted certificate as an I/O error of kind `InvalidData`
/// rather than as a TLS error; retrying it would only fail again.
fn is_certificate_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
        }
        source = cause.source();
    }
    false
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
