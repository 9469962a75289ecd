//! `herald send` against a real SMTP server (aiosmtpd) on loopback: what arrives, and
//! that every failure leaves the journal right so a rerun delivers exactly once.

use std::path::Path;

use crate::support::{show, ServerOptions, SmtpServer, TestCa, Workspace};

pub const RELEASE_DAY: &str = "2021-03-10";
pub const PRE_ANNOUNCEMENT_DAY: &str = "2021-03-05";

#[test]
fn the_announcement_arrives_whole_and_a_second_send_is_refused() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));

    let received = server.received();
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.envelope_from, "releases@example.org");
    let mut rcpt = mail.envelope_to.clone();
    rcpt.sort();
    assert_eq!(
        rcpt,
        [
            "golang-announce@example.org",
            "golang-dev@example.org",
            "security-archive@example.org"
        ]
    );
    assert!(
        !mail.has_bcc(),
        "the Bcc header leaked:\n{}",
        mail.raw_str()
    );
    assert!(
        !mail.raw_str().contains("security-archive"),
        "the Bcc address leaked into the message"
    );
    assert_eq!(
        mail.subject().as_deref(),
        Some("[security] Go 1.16.1 and Go 1.15.9 are released")
    );
    assert_eq!(mail.from()[0].email, "releases@example.org");
    assert_eq!(mail.from()[0].name.as_deref(), Some("Go release team"));
    assert_eq!(mail.reply_to()[0].email, "security@example.org");
    assert_eq!(mail.to().len(), 2);
    assert!(mail.date().is_some());
    assert!(mail.has_header("MIME-Version"));
    let content_type = mail.header("Content-Type").unwrap();
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
    let text = mail.text_body().unwrap();
    assert!(
        text.contains("This is CVE-2021-27918 and Go issue https://go.dev/issue/44913."),
        "{text}"
    );
    assert!(text.contains("Katie and Filippo for the Go team"), "{text}");
    let html = mail.html_body().unwrap();
    assert!(
        html.contains("<a href=\"https://go.dev/security/policy\">security policy</a>"),
        "{html}"
    );

    let journal = ws.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["kind"], "announcement");
    assert_eq!(journal[0]["state"], "sent");
    assert_eq!(
        journal[0]["recipients"],
        serde_json::json!([
            "golang-announce@example.org",
            "golang-dev@example.org",
            "security-archive@example.org"
        ]),
        "the journal keeps every envelope recipient"
    );
    assert_eq!(
        format!("<{}>", mail.message_id().unwrap()),
        journal[0]["message_id"].as_str().unwrap()
    );
    assert!(journal[0]["server_reply"]
        .as_str()
        .unwrap()
        .starts_with("250"));

    let plan = ws.herald(&["plan", "release.toml", "--today", RELEASE_DAY], &[]);
    assert!(
        String::from_utf8_lossy(&plan.stdout)
            .contains("announcement      required  announcement.md"),
        "{}",
        show(&plan)
    );
    assert!(
        String::from_utf8_lossy(&plan.stdout).contains(&format!(
            "SENT {} {} to golang-announce@example.org, golang-dev@example.org, security-archive@example.org; server: 250",
            journal[0]["answered_at"].as_str().unwrap(),
            journal[0]["message_id"].as_str().unwrap()
        )),
        "{}",
        show(&plan)
    );

    let again = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already-sent"),
        "{}",
        show(&again)
    );
    assert_eq!(
        server.received().len(),
        1,
        "a refused resend must not reach the server"
    );

    let resend = ws.send("announcement", RELEASE_DAY, &["--resend"]);
    assert_eq!(resend.status.code(), Some(0), "{}", show(&resend));
    assert_eq!(server.received().len(), 2);
    let resent_id = server.received()[1].message_id().unwrap();
    assert_eq!(
        resent_id,
        mail.message_id()
            .unwrap()
            .replace("@example.org", ".r1@example.org"),
        "a deliberate resend gets its own Message-ID, so list software does not drop it"
    );
    assert_eq!(ws.journal().len(), 2);
}

#[test]
fn a_changed_message_of_a_sent_kind_is_reported_as_changed() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    assert_eq!(
        ws.send("announcement", RELEASE_DAY, &[]).status.code(),
        Some(0)
    );
    let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
    std::fs::write(
        ws.path("release.toml"),
        release.replace(
            "signers = [\"Katie\", \"Filippo\"]",
            "signers = [\"Katie\"]",
        ),
    )
    .unwrap();
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("changed since"),
        "{}",
        show(&output)
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn the_pre_announcement_goes_only_in_its_window() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    for day in ["2021-03-01", "2021-03-08", "2021-03-11"] {
        let output = ws.send("pre-announcement", day, &[]);
        assert_eq!(output.status.code(), Some(1), "{day}: {}", show(&output));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("not-sendable-today"),
            "{}",
            show(&output)
        );
    }
    let early = ws.send("announcement", PRE_ANNOUNCEMENT_DAY, &[]);
    assert_eq!(early.status.code(), Some(1), "{}", show(&early));
    assert!(server.received().is_empty());

    let output = ws.send("pre-announcement", PRE_ANNOUNCEMENT_DAY, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].envelope_to, ["golang-announce@example.org"]);
    let text = received[0].text_body().unwrap();
    assert!(
        text.contains("security fixes to the standard library"),
        "{text}"
    );
    assert!(
        !text.contains("CVE") && !text.contains("44913") && !text.contains("encoding/xml"),
        "{text}"
    );
}

#[test]
fn a_public_only_release_has_no_pre_announcement_to_send() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/public-only.toml"),
        ws.path("release.toml"),
    )
    .unwrap();
    ws.configure(&server, "none", "");
    let output = ws.send("pre-announcement", "2020-01-24", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not-due"),
        "{}",
        show(&output)
    );
    assert!(server.received().is_empty());
}

#[test]
fn starttls_with_the_test_ca_trusted_and_refused_without_it() {
    let certs = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(certs.path());
    let server = SmtpServer::start(ServerOptions::new().starttls(&ca).require_tls());

    let untrusted = Workspace::new();
    untrusted.configure_host("localhost", server.port(), "starttls", "");
    let output = untrusted.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("TLS failed"),
        "{}",
        show(&output)
    );
    assert!(server.received().is_empty());
    assert!(untrusted.journal().is_empty());

    let trusted = Workspace::new();
    let ca_line = format!("ca_file = {:?}", ca.ca_pem.display().to_string());
    trusted.configure_host("localhost", server.port(), "starttls", &ca_line);
    let output = trusted.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].tls, "the message did not travel over TLS");
}

#[test]
fn implicit_tls_delivers() {
    let certs = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(certs.path());
    let server = SmtpServer::start(ServerOptions::new().implicit_tls(&ca));
    let ws = Workspace::new();
    ws.configure_host(
        "127.0.0.1",
        server.port(),
        "implicit",
        &format!("ca_file = {:?}", ca.ca_pem.display().to_string()),
    );
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(server.received()[0].tls);
}

#[test]
fn auth_succeeds_with_the_password_from_the_environment_and_fails_cleanly_without() {
    let server = SmtpServer::start(ServerOptions::new().auth("releases", "s3cret-pass"));
    let ws = Workspace::new();
    ws.configure(&server, "none", "username = \"releases\"");

    let missing = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(missing.status.code(), Some(2), "{}", show(&missing));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("HERALD_SMTP_PASSWORD is not set"),
        "{}",
        show(&missing)
    );

    let wrong = ws.run_send(
        "announcement",
        RELEASE_DAY,
        &["--yes"],
        &[("HERALD_SMTP_PASSWORD", "wrong-guess")],
    );
    assert_eq!(wrong.status.code(), Some(3), "{}", show(&wrong));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("535"), "{}", show(&wrong));
    assert!(!err.contains("wrong-guess"), "the password was printed");
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());

    let right = ws.run_send(
        "announcement",
        RELEASE_DAY,
        &["--yes"],
        &[("HERALD_SMTP_PASSWORD", "s3cret-pass")],
    );
    assert_eq!(right.status.code(), Some(0), "{}", show(&right));
    assert!(!String::from_utf8_lossy(&right.stdout).contains("s3cret-pass"));
    assert!(!String::from_utf8_lossy(&right.stderr).contains("s3cret-pass"));
    assert!(!String::from_utf8_lossy(&right.stderr).contains("s3cret-pass"));
    assert_eq!(server.received()[0].auth_user.as_deref(), Some("releases"));
    assert_eq!(ws.journal().len(), 1);
}

#[test]
fn a_451_is_retried_and_the_message_delivered_and_journaled_once() {
    let server = SmtpServer::start(ServerOptions::new().fail_first(1, 451));
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("attempt 1 of 4 failed"),
        "{}",
        show(&output)
    );
    assert_eq!(server.received().len(), 1);
    assert_eq!(
        ws.states(),
        ["failed", "sent"],
        "the 451 to the data is journaled as a refusal, the retry as sent"
    );
    let rerun = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(rerun.status.code(), Some(1));
    assert_eq!(
        server.received().len(),
        1,
        "delivered exactly once in total"
    );
}

#[test]
fn a_554_stops_at_once_with_the_reply_and_journals_the_refusal() {
    let rejecting = SmtpServer::start(ServerOptions::new().reject(554));
    let ws = Workspace::new();
    ws.configure(&rejecting, "none", "");
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("refused the message permanently") && err.contains("554"),
        "{}",
        show(&output)
    );
    assert!(
        !err.contains("retrying"),
        "a permanent failure must not be retried: {err}"
    );
    assert_eq!(ws.states(), ["failed"]);

    let accepting = SmtpServer::start(ServerOptions::new());
    ws.configure(&accepting, "none", "");
    assert_eq!(
        ws.send("announcement", RELEASE_DAY, &[]).status.code(),
        Some(0)
    );
    assert_eq!(
        ws.send("announcement", RELEASE_DAY, &[]).status.code(),
        Some(1)
    );
    assert_eq!(
        rejecting.received().len() + accepting.received().len(),
        1,
        "delivered exactly once in total"
    );
    assert_eq!(ws.states(), ["failed", "sent"]);
}

#[test]
fn a_connection_dropped_after_the_data_is_in_doubt_until_a_person_settles_it() {
    // aiosmtpd drops the connection after the whole message arrived and before it
    // answers or stores it: herald cannot know that nothing was kept.
    let server = SmtpServer::start(ServerOptions::new().drop_during_data(1));
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(5), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("will not send it again on its own")
            && err.contains("herald journal settle release.toml --message announcement --not-sent"),
        "{}",
        show(&output)
    );
    assert!(!err.contains("retrying"), "never retried: {err}");
    assert_eq!(ws.states(), ["in-doubt"]);

    let rerun = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(rerun.status.code(), Some(1), "{}", show(&rerun));
    assert!(
        String::from_utf8_lossy(&rerun.stderr).contains("in-doubt"),
        "{}",
        show(&rerun)
    );
    let forced = ws.send("announcement", RELEASE_DAY, &["--resend"]);
    assert_eq!(
        forced.status.code(),
        Some(1),
        "--resend does not settle a doubt: {}",
        show(&forced)
    );
    assert!(server.received().is_empty());

    let settle = ws.herald(
        &[
            "journal",
            "settle",
            "release.toml",
            "--message",
            "announcement",
            "--not-sent",
            "--by",
            "katie",
        ],
        &[],
    );
    assert_eq!(settle.status.code(), Some(0), "{}", show(&settle));
    let journal = ws.journal();
    assert_eq!(journal[0]["state"], "not-sent");
    assert_eq!(journal[0]["settled"]["by"], "katie");

    let after = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(after.status.code(), Some(0), "{}", show(&after));
    assert_eq!(
        server.received().len(),
        1,
        "delivered exactly once in total"
    );
    assert_eq!(ws.states(), ["not-sent", "sent"]);
}

#[test]
fn a_second_send_while_one_is_running_is_refused_and_a_leftover_lock_file_blocks_nobody() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    // This test process stands for a running send: it holds the lock.
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(ws.path("release.toml.journal.json.lock"))
        .unwrap();
    held.try_lock().unwrap();
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("another herald send of this release is running"),
        "{}",
        show(&output)
    );
    assert!(server.received().is_empty());
    drop(held);
    assert!(ws.path("release.toml.journal.json.lock").exists());
    assert_eq!(
        ws.send("announcement", RELEASE_DAY, &[]).status.code(),
        Some(0)
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn json_output_reports_a_delivery_failure() {
    let rejecting = SmtpServer::start(ServerOptions::new().reject(554));
    let ws = Workspace::new();
    ws.configure(&rejecting, "none", "");
    let output = ws.send("announcement", RELEASE_DAY, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["status"], "error");
    assert_eq!(json["exit_code"], 3);
    assert!(json["error"].as_str().unwrap().contains("554"));
}

#[test]
fn a_test_copy_goes_to_one_trusted_address_on_any_day_and_the_real_send_still_goes_out() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    // Five days before release day, outside the announcement's window.
    let test = ws.send(
        "announcement",
        "2021-03-05",
        &["--test-to", "release-manager@example.org"],
    );
    assert_eq!(test.status.code(), Some(0), "{}", show(&test));
    assert!(
        String::from_utf8_lossy(&test.stdout).contains("records it as a test copy"),
        "{}",
        show(&test)
    );
    let journal = ws.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["test"], true);
    assert_eq!(journal[0]["state"], "sent");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].envelope_to, ["release-manager@example.org"]);
    assert_eq!(
        received[0].subject().unwrap(),
        "[TEST] [security] Go 1.16.1 and Go 1.15.9 are released"
    );
    assert!(!received[0].has_bcc());

    // An address not listed in [recipients.test] gets nothing, on any day.
    let untrusted = ws.send(
        "announcement",
        RELEASE_DAY,
        &["--test-to", "someone-else@example.net"],
    );
    assert_eq!(untrusted.status.code(), Some(1), "{}", show(&untrusted));
    assert!(
        String::from_utf8_lossy(&untrusted.stderr)
            .contains("[recipients.test] to = [\"someone-else@example.net\"]"),
        "{}",
        show(&untrusted)
    );
    assert_eq!(server.received().len(), 1);

    // The real send is still to come, and goes out on its day.
    let early = ws.send("announcement", "2021-03-09", &[]);
    assert_eq!(early.status.code(), Some(1), "{}", show(&early));
    let real = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(real.status.code(), Some(0), "{}", show(&real));
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].subject().unwrap(),
        "[security] Go 1.16.1 and Go 1.15.9 are released"
    );
    assert_ne!(
        received[0].message_id(),
        received[1].message_id(),
        "the test copy has its own Message-ID"
    );
    assert_eq!(ws.states(), ["sent", "sent"]);
    assert_eq!(ws.journal()[1].get("test"), None);
}

#[test]
fn cc_recipients_are_in_the_header_the_envelope_and_the_journal() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let config = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
    std::fs::write(
        ws.path("herald.toml"),
        config.replace(
            "bcc = [\"security-archive@example.org\"]",
            "cc = [\"oss-security@example.org\"]\nbcc = [\"security-archive@example.org\"]",
        ),
    )
    .unwrap();
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let mail = &server.received()[0];
    assert_eq!(
        mail.cc()
            .iter()
            .map(|m| m.email.as_str())
            .collect::<Vec<_>>(),
        ["oss-security@example.org"]
    );
    assert!(mail
        .envelope_to
        .contains(&"oss-security@example.org".to_string()));
    assert!(!mail.has_bcc());
    let journal = ws.journal();
    assert_eq!(
        journal[0]["cc"],
        serde_json::json!(["oss-security@example.org"])
    );
    assert!(journal[0]["recipients"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("oss-security@example.org")));
}
