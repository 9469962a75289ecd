//! A release day as a release manager lives it, against a real SMTP server on
//! loopback: the announcement waits for its pre-announcement, the configuration is
//! found beside the release, and the shell gets its manual pages and completions.

mod support;

use support::{herald, show, ServerOptions, SmtpServer, Workspace};

const RELEASE_DAY: &str = "2021-03-10";
const PRE_ANNOUNCEMENT_DAY: &str = "2021-03-05";

fn send(ws: &Workspace, kind: &str, day: &str, flags: &[&str]) -> std::process::Output {
    let mut args = vec![
        "send",
        "release.toml",
        "--message",
        kind,
        "--today",
        day,
        "--yes",
    ];
    args.extend_from_slice(flags);
    ws.herald(&args, &[])
}

#[test]
fn an_announcement_waits_for_the_pre_announcement_its_release_required() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");

    let refused = send(&ws, "announcement", RELEASE_DAY, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("refused [pre-announcement-not-sent]")
            && err.contains("--without-pre-announcement")
            && err.contains("refused; nothing was sent"),
        "{err}"
    );
    assert!(server.received().is_empty(), "refused before connecting");
    assert!(ws.journal().is_empty());

    // A dry run days ahead is not refused: it says what the real send will need.
    let dry = send(&ws, "announcement", RELEASE_DAY, &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", show(&dry));
    assert!(String::from_utf8_lossy(&dry.stderr).contains("note [pre-announcement-not-sent]"));

    // Sent in order, nothing stands in the way.
    let pre = send(&ws, "pre-announcement", PRE_ANNOUNCEMENT_DAY, &[]);
    assert_eq!(pre.status.code(), Some(0), "{}", show(&pre));
    let announcement = send(&ws, "announcement", RELEASE_DAY, &[]);
    assert_eq!(
        announcement.status.code(),
        Some(0),
        "{}",
        show(&announcement)
    );
    assert_eq!(server.received().len(), 2);
}

#[test]
fn skipping_the_pre_announcement_takes_a_reason_and_the_journal_keeps_it() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let reason = "went out by hand from the security team's account";
    let output = send(
        &ws,
        "announcement",
        RELEASE_DAY,
        &["--without-pre-announcement", reason],
    );
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("note [without-pre-announcement]"));
    let journal = ws.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["without_pre_announcement"], reason);
    assert_eq!(server.received().len(), 1);
}

#[test]
fn a_dedicated_security_release_may_skip_its_optional_pre_announcement() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/urgent.toml"),
        ws.path("release.toml"),
    )
    .unwrap();
    ws.configure(&server, "none", "");
    let output = send(&ws, "announcement", "2020-11-12", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("pre-announcement-not-sent"));
    assert_eq!(server.received().len(), 1);
}

#[test]
fn the_configuration_beside_the_release_file_is_found_from_anywhere() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    std::fs::create_dir(ws.path("release")).unwrap();
    std::fs::rename(ws.path("release.toml"), ws.path("release/release.toml")).unwrap();
    ws.configure(&server, "none", "");
    std::fs::rename(ws.path("herald.toml"), ws.path("release/herald.toml")).unwrap();
    let output = ws.herald(
        &[
            "send",
            "release/release.toml",
            "--message",
            "pre-announcement",
            "--today",
            PRE_ANNOUNCEMENT_DAY,
            "--yes",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].envelope_to, ["golang-announce@example.org"]);

    // Drafts use it too, not placeholders.
    let render = ws.herald(
        &[
            "render",
            "release/release.toml",
            "--today",
            PRE_ANNOUNCEMENT_DAY,
            "--format",
            "json",
        ],
        &[],
    );
    let json: serde_json::Value = serde_json::from_slice(&render.stdout).unwrap();
    assert_eq!(json["messages"][0]["to"][0], "golang-announce@example.org");
}

#[test]
fn the_manual_is_one_page_per_command_and_completions_offer_the_message_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("man/man1");
    let output = herald(&["man", "--out", man1.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    for page in [
        "herald",
        "herald-send",
        "herald-plan",
        "herald-journal-settle",
    ] {
        let text = std::fs::read_to_string(man1.join(format!("{page}.1"))).unwrap();
        assert!(text.contains(".TH"), "{page}: {text}");
    }
    let send = std::fs::read_to_string(man1.join("herald-send.1")).unwrap();
    assert!(send.contains("test\\-to"), "{send}");

    let bash = herald(&["completions", "bash"]);
    let script = String::from_utf8_lossy(&bash.stdout);
    assert!(script.contains("pre-announcement announcement"), "{script}");
}
