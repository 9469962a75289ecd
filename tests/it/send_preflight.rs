//! What `herald send` settles before it connects: the confirmation, `--dry-run`,
//! the configuration, the embargo guard and the day, with a real SMTP server
//! (aiosmtpd) on loopback where a test needs one to count what arrived.

use crate::send::{PRE_ANNOUNCEMENT_DAY, RELEASE_DAY};
use crate::support::{show, ServerOptions, SmtpServer, Workspace};

#[test]
fn dry_run_writes_the_exact_bytes_and_connects_nowhere() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let output = ws.run_send("announcement", RELEASE_DAY, &["--dry-run"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let bytes = std::fs::read(ws.path("release.toml.announcement.dry-run.eml")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("Subject: [security] Go 1.16.1 and Go 1.15.9 are released"),
        "{text}"
    );
    assert!(!text.contains("Bcc"), "{text}");
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());
}

#[test]
fn without_a_terminal_or_yes_it_refuses() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let output = ws.run_send("announcement", RELEASE_DAY, &[], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("refused [not-confirmed]"),
        "{}",
        show(&output)
    );
    assert!(server.received().is_empty());
}

#[test]
fn send_needs_a_configuration() {
    let ws = Workspace::new();
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("send needs a configuration"),
        "{}",
        show(&output)
    );
}

#[test]
fn plain_smtp_to_a_host_outside_loopback_is_refused_before_connecting() {
    let ws = Workspace::new();
    ws.configure_host("smtp.example.invalid", 25, "none", "");
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("refusing plain-text SMTP (tls = \"none\") to smtp.example.invalid"),
        "{}",
        show(&output)
    );
}

#[test]
fn a_header_with_a_line_break_is_rejected_before_connecting() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let config = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
    let injected = config.replace(
        "from = \"Go release team <releases@example.org>\"",
        "from = \"Go release team <releases@example.org>\\r\\nBcc: attacker@example.org\"",
    );
    std::fs::write(ws.path("herald.toml"), injected).unwrap();
    let output = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("contains a line break"),
        "{}",
        show(&output)
    );
    assert!(server.received().is_empty());
}

#[test]
fn a_pre_announcement_that_leaks_is_refused_and_never_reaches_the_server() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let templates = ws.path("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("pre-announcement.md"),
        "Subject: [security] {{ versions_spoken }} pre-announcement\n\nA fix for cve-2021-27918 is coming on {{ release_day }}.\n",
    )
    .unwrap();
    let output = ws.run_send(
        "pre-announcement",
        PRE_ANNOUNCEMENT_DAY,
        &["--yes", "--templates", "templates"],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("violation [embargo]"),
        "{}",
        show(&output)
    );
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());
}

/// Issue #11: a Subject ending in an ISO-8859-1 encoded word that every reader shows
/// as a CVE id is refused by `--dry-run` and by `send`; a harmless encoded word goes
/// through and arrives decoded, so the refusal is the guard reading the word.
#[test]
fn a_leaky_encoded_word_subject_never_reaches_the_server() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let templates = ws.path("templates");
    std::fs::create_dir(&templates).unwrap();
    let write = |subject_extra: &str| {
        std::fs::write(
            templates.join("pre-announcement.md"),
            format!(
                "Subject: [security] {{{{ versions_spoken }}}} pre-announcement {subject_extra}\n\n\
                 We plan to issue {{{{ versions_spoken }}}} on {{{{ release_day }}}}.\n"
            ),
        )
        .unwrap()
    };
    let send = |flag: &str| {
        ws.run_send(
            "pre-announcement",
            PRE_ANNOUNCEMENT_DAY,
            &[flag, "--templates", "templates"],
            &[],
        )
    };
    write("=?iso-8859-1?b?Q1ZFLTIwMjEtMjc5MTg=?=");
    let dry = send("--dry-run");
    assert_eq!(dry.status.code(), Some(1), "{}", show(&dry));
    assert!(!ws
        .path("release.toml.pre-announcement.dry-run.eml")
        .exists());
    let output = send("--yes");
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("violation [embargo]") && stderr.contains("CVE-2021-27918"),
        "{}",
        show(&output)
    );
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());

    write("=?iso-8859-1?q?Caf=E9?=");
    let output = send("--yes");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let received = server.received();
    assert_eq!(received.len(), 1);
    let subject = received[0].subject().unwrap();
    assert!(subject.ends_with("pre-announcement Café"), "{subject}");
}

#[test]
fn a_real_send_judges_the_day_by_the_clock_unless_the_server_is_a_test_server() {
    // A remote server, and a local relay on loopback: both deliver for real.
    let relay = SmtpServer::start(ServerOptions::new());
    for (host, port, tls) in [
        ("smtp.example.invalid", 587, "starttls"),
        ("127.0.0.1", relay.port(), "none"),
    ] {
        let ws = Workspace::new();
        ws.configure_host(host, port, tls, "test_server = false");
        let output = ws.send("announcement", RELEASE_DAY, &[]);
        assert_eq!(output.status.code(), Some(1), "{host}: {}", show(&output));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("refused [today-overridden]"),
            "{host}: {}",
            show(&output)
        );
        // A date left over from previews, in the environment.
        let leftover = ws.herald(
            &["send", "release.toml", "--message", "announcement", "--yes"],
            &[("HERALD_TODAY", RELEASE_DAY)],
        );
        assert_eq!(
            leftover.status.code(),
            Some(1),
            "{host}: {}",
            show(&leftover)
        );
        let dry = ws.run_send("announcement", RELEASE_DAY, &["--dry-run"], &[]);
        assert_eq!(
            dry.status.code(),
            Some(0),
            "a dry run may pretend any day: {}",
            show(&dry)
        );
        assert!(ws.journal().is_empty());
    }
    assert!(
        relay.received().is_empty(),
        "nothing reached the local relay"
    );
}

#[test]
fn an_announcement_more_than_three_days_late_needs_late() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let three_days = ws.send("announcement", "2021-03-13", &["--dry-run"]);
    assert_eq!(three_days.status.code(), Some(0), "{}", show(&three_days));
    let late = ws.send("announcement", "2021-03-14", &[]);
    assert_eq!(late.status.code(), Some(1), "{}", show(&late));
    assert!(
        String::from_utf8_lossy(&late.stderr).contains("late")
            && String::from_utf8_lossy(&late.stderr).contains("--late"),
        "{}",
        show(&late)
    );
    assert!(server.received().is_empty());
    let allowed = ws.send("announcement", "2021-03-14", &["--late"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", show(&allowed));
    assert_eq!(server.received().len(), 1);
}

#[test]
fn a_dry_run_needs_no_smtp_table_nor_recipients_and_says_what_stands_in() {
    let ws = Workspace::new();
    let no_config = ws.send("announcement", RELEASE_DAY, &["--dry-run"]);
    assert_eq!(no_config.status.code(), Some(0), "{}", show(&no_config));
    assert!(
        String::from_utf8_lossy(&no_config.stderr).contains("placeholder-addresses"),
        "{}",
        show(&no_config)
    );
    let eml = std::fs::read_to_string(ws.path("release.toml.announcement.dry-run.eml")).unwrap();
    assert!(eml.contains("To: announce@example.invalid"), "{eml}");

    std::fs::write(
        ws.path("herald.toml"),
        "[mail]\nfrom = \"Go release team <releases@example.org>\"\n",
    )
    .unwrap();
    let no_recipients = ws.send("announcement", RELEASE_DAY, &["--dry-run"]);
    assert_eq!(
        no_recipients.status.code(),
        Some(0),
        "{}",
        show(&no_recipients)
    );
    let eml = std::fs::read_to_string(ws.path("release.toml.announcement.dry-run.eml")).unwrap();
    assert!(
        eml.contains("From: \"Go release team\" <releases@example.org>")
            && eml.contains("To: announce@example.invalid"),
        "{eml}"
    );
    let render = ws.herald(&["render", "release.toml", "--today", RELEASE_DAY], &[]);
    assert_eq!(render.status.code(), Some(0), "{}", show(&render));

    let real = ws.send("announcement", RELEASE_DAY, &[]);
    assert_eq!(real.status.code(), Some(2), "{}", show(&real));
    assert!(
        String::from_utf8_lossy(&real.stderr).contains("no [smtp] table"),
        "{}",
        show(&real)
    );
}
