//! Stage 6: deliver a composed message over SMTP, retrying transient failures.
//!
//! TLS is rustls, with certificate checks on; `ca_file` adds a trust anchor. Plain
//! SMTP is allowed only to loopback addresses.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use crate::config::{SmtpConfig, TlsMode, PASSWORD_VARIABLE};
use crate::error_chain;
use crate::render::ComposedEmail;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Exit code of a send that failed on the wire (the server refused, or never answered).
pub const DELIVERY_FAILED: i32 = 3;

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
        attempts: u32,
        last: String,
    },
}

impl DeliverError {
    /// 2 for configuration problems, 3 when the server refused or could not be reached.
    pub fn exit_code(&self) -> i32 {
        match self {
            DeliverError::PlainToRemote { .. }
            | DeliverError::MissingPassword
            | DeliverError::CaFile { .. }
            | DeliverError::Setup { .. } => 2,
            DeliverError::Permanent { .. }
            | DeliverError::Tls { .. }
            | DeliverError::GaveUp { .. } => DELIVERY_FAILED,
        }
    }
}

/// The server's acceptance of a message.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The reply, as in "250 2.0.0 Ok: queued".
    pub reply: String,
    pub attempts: u32,
}

/// A configured SMTP client.
pub struct Mailer {
    transport: SmtpTransport,
    server: String,
    attempts: u32,
    first_backoff: Duration,
}

/// Whether `host` is a loopback address or name.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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
        let setup = |e: lettre::transport::smtp::Error| DeliverError::Setup {
            server: server.clone(),
            message: e.to_string(),
        };
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
            builder.build_rustls().map_err(setup)
        };
        let tls = match smtp.tls {
            TlsMode::None if !is_loopback(&smtp.host) => {
                return Err(DeliverError::PlainToRemote {
                    host: smtp.host.clone(),
                })
            }
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_parameters()?),
            TlsMode::Implicit => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = SmtpTransport::builder_dangerous(smtp.host.clone())
            .port(smtp.port())
            .tls(tls)
            .timeout(Some(Duration::from_secs(smtp.timeout_seconds)));
        if let Some(username) = &smtp.username {
            let password = password.ok_or(DeliverError::MissingPassword)?;
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            server,
            attempts: smtp.attempts.max(1),
            first_backoff: Duration::from_millis(smtp.backoff_ms).min(MAX_BACKOFF),
        })
    }

    /// Sends `email`, retrying transient failures (4xx replies, refused or dropped
    /// connections, time-outs) with doubling back-off capped at 60 seconds. A
    /// permanent failure (5xx) or a TLS failure stops at once.
    pub fn send(
        &self,
        email: &ComposedEmail,
        log: &mut dyn FnMut(&str),
    ) -> Result<Delivery, DeliverError> {
        let mut backoff = self.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            match self.transport.send(&email.message) {
                Ok(response) => {
                    let text: Vec<&str> = response.message().collect();
                    return Ok(Delivery {
                        reply: format!("{} {}", response.code(), text.join(" ")),
                        attempts: attempt,
                    });
                }
                Err(e) if e.is_permanent() => {
                    return Err(DeliverError::Permanent {
                        server: self.server.clone(),
                        reply: e.to_string(),
                    })
                }
                Err(e) if e.is_tls() || is_certificate_failure(&e) => {
                    return Err(DeliverError::Tls {
                        server: self.server.clone(),
                        message: error_chain(&e),
                    })
                }
                Err(e) if e.is_client() => {
                    return Err(DeliverError::Setup {
                        server: self.server.clone(),
                        message: error_chain(&e),
                    })
                }
                Err(e) => {
                    last = error_chain(&e);
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
