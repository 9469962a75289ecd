//! Smoke tests for the SMTP test harness (tests/it/support): each test starts its
//! own real server on 127.0.0.1 and sends to it with lettre.

use std::error::Error as _;

use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{SmtpTransport, Transport};

use crate::support::{ServerOptions, SmtpServer, TestCa};

const FROM: &str = "Go release team <releases@example.org>";

fn message(subject: &str) -> Message {
    Message::builder()
        .from(FROM.parse().unwrap())
        .reply_to("security@example.org".parse().unwrap())
        .to("golang-announce@googlegroups.com".parse().unwrap())
        .to("Go Dev <golang-dev@googlegroups.com>".parse().unwrap())
        .bcc("hidden@example.org".parse::<Mailbox>().unwrap())
        .subject(subject)
        .message_id(Some("<test-1@example.org>".to_owned()))
        .multipart(MultiPart::alternative_plain_html(
            "Hello,\n\n.leading dot line\nGo 1.99.1 is released.\n".to_owned(),
            "<p>Go 1.99.1 is released.</p>".to_owned(),
        ))
        .unwrap()
}

fn transport(server: &SmtpServer, tls: Tls) -> SmtpTransport {
    SmtpTransport::builder_dangerous(server.host())
        .port(server.port())
        .tls(tls)
        .build()
}

fn trusting(ca: &TestCa, domain: &str) -> TlsParameters {
    TlsParameters::builder(domain.to_owned())
        .add_root_certificate(Certificate::from_pem(&ca.ca_pem_bytes()).unwrap())
        .build_rustls()
        .unwrap()
}

/// The error and all its sources, for assertions on the cause.
fn chain(err: &SmtpError) -> String {
    let mut text = format!("{err} / {err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(&format!(" / {s} / {s:?}"));
        source = s.source();
    }
    text
}

#[test]
fn plain_send_is_stored_with_envelope_and_headers() {
    let server = SmtpServer::start(ServerOptions::new());
    transport(&server, Tls::None)
        .send(&message("Go 1.99.1 is released"))
        .unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1, "log:\n{}", server.log());
    let mail = &received[0];
    assert_eq!(mail.envelope_from, "releases@example.org");
    let mut to = mail.envelope_to.clone();
    to.sort();
    assert_eq!(
        to,
        [
            "golang-announce@googlegroups.com",
            "golang-dev@googlegroups.com",
            "hidden@example.org"
        ]
    );
    assert!(!mail.tls);
    assert_eq!(mail.auth_user, None);

    // Bcc reaches the envelope but never the message.
    assert!(!mail.has_bcc());
    let raw = mail.raw_str().to_ascii_lowercase();
    assert!(!raw.contains("\nbcc:") && !raw.starts_with("bcc:"));
    assert!(!raw.contains("hidden@example.org"));

    assert_eq!(mail.subject().as_deref(), Some("Go 1.99.1 is released"));
    assert_eq!(mail.from()[0].email, "releases@example.org");
    assert_eq!(mail.from()[0].name.as_deref(), Some("Go release team"));
    let to: Vec<_> = mail.to().into_iter().map(|m| m.email).collect();
    assert_eq!(
        to,
        [
            "golang-announce@googlegroups.com",
            "golang-dev@googlegroups.com"
        ]
    );
    assert_eq!(mail.reply_to()[0].email, "security@example.org");
    assert_eq!(mail.message_id().as_deref(), Some("test-1@example.org"));
    assert_eq!(
        mail.header("message-id").as_deref(),
        Some("<test-1@example.org>")
    );
    assert!(mail.date().is_some_and(|d| d.is_valid()), "Date header");
    assert!(mail.has_header("MIME-Version"));
    assert_eq!(
        mail.text_body().as_deref(),
        Some("Hello,\n\n.leading dot line\nGo 1.99.1 is released.\n")
    );
    assert_eq!(
        mail.html_body().as_deref(),
        Some("<p>Go 1.99.1 is released.</p>")
    );
}

#[test]
fn starttls_with_trusted_test_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(dir.path());
    let server = SmtpServer::start(ServerOptions::new().starttls(&ca).require_tls());
    transport(&server, Tls::Required(trusting(&ca, "localhost")))
        .send(&message("over starttls"))
        .unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].tls);
}

#[test]
fn require_tls_refuses_plain_mail() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(dir.path());
    let server = SmtpServer::start(ServerOptions::new().starttls(&ca).require_tls());
    let err = transport(&server, Tls::None)
        .send(&message("plain"))
        .unwrap_err();
    assert!(err.is_permanent(), "{}", chain(&err));
    assert_eq!(err.status().map(u16::from), Some(530));
    assert!(server.received().is_empty());
}

#[test]
fn starttls_with_untrusted_certificate_fails() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(dir.path());
    let server = SmtpServer::start(ServerOptions::new().starttls(&ca));
    // Default trust store (no test CA).
    let params = TlsParameters::new("localhost".to_owned()).unwrap();
    let err = transport(&server, Tls::Required(params))
        .send(&message("untrusted"))
        .unwrap_err();
    let text = chain(&err);
    // rustls reports the certificate problem when the handshake runs (lazily,
    // on the first write after STARTTLS), so lettre wraps it as a network error.
    assert!(
        text.contains("UnknownIssuer") || text.contains("invalid peer certificate"),
        "{text}"
    );
    assert!(server.received().is_empty());
}

#[test]
fn implicit_tls_with_ip_address_name() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(dir.path());
    let server = SmtpServer::start(ServerOptions::new().implicit_tls(&ca));
    transport(&server, Tls::Wrapper(trusting(&ca, "127.0.0.1")))
        .send(&message("implicit"))
        .unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].tls);
}

#[test]
fn auth_success_records_the_user() {
    let server = SmtpServer::start(ServerOptions::new().auth("releases", "s3cret"));
    SmtpTransport::builder_dangerous(server.host())
        .port(server.port())
        .tls(Tls::None)
        .credentials(Credentials::new("releases".into(), "s3cret".into()))
        .build()
        .send(&message("with auth"))
        .unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].auth_user.as_deref(), Some("releases"));
}

#[test]
fn auth_with_wrong_password_gets_535() {
    let server = SmtpServer::start(ServerOptions::new().auth("releases", "s3cret"));
    let err = SmtpTransport::builder_dangerous(server.host())
        .port(server.port())
        .tls(Tls::None)
        .credentials(Credentials::new("releases".into(), "wrong".into()))
        .build()
        .send(&message("bad auth"))
        .unwrap_err();
    assert!(err.is_permanent(), "{}", chain(&err));
    assert_eq!(err.status().map(u16::from), Some(535));
    assert!(server.received().is_empty());
}

#[test]
fn auth_required_without_credentials_is_refused() {
    let server = SmtpServer::start(ServerOptions::new().auth("releases", "s3cret"));
    let err = transport(&server, Tls::None)
        .send(&message("no auth"))
        .unwrap_err();
    assert!(err.is_permanent(), "{}", chain(&err));
    assert_eq!(err.status().map(u16::from), Some(530));
}

#[test]
fn transient_451_then_accepted() {
    let server = SmtpServer::start(ServerOptions::new().fail_first(1, 451));
    let mailer = transport(&server, Tls::None);
    let err = mailer.send(&message("first try")).unwrap_err();
    assert!(err.is_transient(), "{}", chain(&err));
    assert_eq!(err.status().map(u16::from), Some(451));
    assert!(server.received().is_empty());

    mailer.send(&message("second try")).unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject().as_deref(), Some("second try"));
}

#[test]
fn fail_first_counts_across_connections() {
    let server = SmtpServer::start(ServerOptions::new().fail_first(2, 452));
    for _ in 0..2 {
        // A new transport each time: a new connection.
        let err = transport(&server, Tls::None)
            .send(&message("x"))
            .unwrap_err();
        assert_eq!(err.status().map(u16::from), Some(452));
    }
    transport(&server, Tls::None).send(&message("x")).unwrap();
    assert_eq!(server.received().len(), 1);
}

#[test]
fn permanent_554_rejection() {
    let server = SmtpServer::start(ServerOptions::new().reject(554));
    let err = transport(&server, Tls::None)
        .send(&message("rejected"))
        .unwrap_err();
    assert!(err.is_permanent(), "{}", chain(&err));
    assert!(!err.is_transient());
    assert_eq!(err.status().map(u16::from), Some(554));
    assert!(
        err.to_string().contains("rejected for testing"),
        "{}",
        chain(&err)
    );
    assert!(server.received().is_empty());
}

#[test]
fn connection_dropped_during_data_stores_nothing_then_recovers() {
    let server = SmtpServer::start(ServerOptions::new().drop_during_data(1));
    let err = transport(&server, Tls::None)
        .send(&message("dropped"))
        .unwrap_err();
    // A dropped connection has no SMTP code: lettre calls it neither transient
    // nor permanent, so the sender must classify it as retryable itself.
    assert!(
        !err.is_transient() && !err.is_permanent(),
        "{}",
        chain(&err)
    );
    assert_eq!(err.status(), None);
    assert!(server.received().is_empty());

    transport(&server, Tls::None)
        .send(&message("retried"))
        .unwrap();
    assert_eq!(server.received().len(), 1);
}

#[test]
fn connection_dropped_during_data_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(dir.path());
    let server = SmtpServer::start(ServerOptions::new().starttls(&ca).drop_during_data(1));
    let err = transport(&server, Tls::Required(trusting(&ca, "localhost")))
        .send(&message("dropped"))
        .unwrap_err();
    assert_eq!(err.status(), None, "{}", chain(&err));
    assert!(server.received().is_empty());
}
