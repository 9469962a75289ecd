//! A release day as a release manager lives it, against a real SMTP server on
//! loopback: the announcement waits for its pre-announcement, the configuration is
//! found beside the release, and the shell gets its manual pages and completions.

use crate::support::{herald, show, ServerOptions, SmtpServer, Workspace};

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

    // The preview page says the same of the announcement.
    let render = ws.herald(
        &[
            "render",
            "release.toml",
            "--out",
            "drafts",
            "--today",
            RELEASE_DAY,
        ],
        &[],
    );
    assert_eq!(render.status.code(), Some(0), "{}", show(&render));
    let page = std::fs::read_to_string(ws.path("drafts/index.html")).unwrap();
    assert!(page.contains("waits for the pre-announcement"), "{page}");

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

#[test]
fn a_release_file_that_contradicts_a_sent_message_fails_check_and_says_what_changed() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let pre = send(&ws, "pre-announcement", PRE_ANNOUNCEMENT_DAY, &[]);
    assert_eq!(pre.status.code(), Some(0), "{}", show(&pre));
    let check = |ws: &Workspace| {
        ws.herald(
            &["check", "release.toml", "--today", PRE_ANNOUNCEMENT_DAY],
            &[],
        )
    };
    assert_eq!(check(&ws).status.code(), Some(0), "{}", show(&check(&ws)));

    // The release moves by a day after subscribers were told "Wednesday, March 10".
    let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
    std::fs::write(
        ws.path("release.toml"),
        release.replace("date = 2021-03-10", "date = 2021-03-11"),
    )
    .unwrap();
    let moved = check(&ws);
    assert_eq!(moved.status.code(), Some(1), "{}", show(&moved));
    let err = String::from_utf8_lossy(&moved.stderr);
    assert!(
        err.contains("violation [changed-since-sent]")
            && err.contains("the pre-announcement sent at")
            && err.contains("release day \"2021-03-10\"")
            && err.contains("now says \"2021-03-11\""),
        "{err}"
    );
    let plan = ws.herald(
        &[
            "plan",
            "release.toml",
            "--today",
            PRE_ANNOUNCEMENT_DAY,
            "--format",
            "json",
        ],
        &[],
    );
    let json: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "changed-since-sent"));
    // And the preview page says the same.
    let render = ws.herald(
        &[
            "render",
            "release.toml",
            "--out",
            "drafts",
            "--today",
            PRE_ANNOUNCEMENT_DAY,
        ],
        &[],
    );
    assert_eq!(render.status.code(), Some(1), "{}", show(&render));
    let page = std::fs::read_to_string(ws.path("drafts/index.html")).unwrap();
    assert!(
        page.contains("changed-since-sent"),
        "the page lists the finding"
    );
}

#[test]
fn not_sendable_today_is_said_only_of_a_message_still_to_be_sent() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let notes = |ws: &Workspace| {
        let check = ws.herald(&["check", "release.toml", "--today", RELEASE_DAY], &[]);
        String::from_utf8_lossy(&check.stderr).into_owned()
    };
    // On release day the pre-announcement's window has closed, and it was not sent.
    assert!(
        notes(&ws).contains("not sendable today: the pre-announcement"),
        "{}",
        notes(&ws)
    );
    let pre = send(&ws, "pre-announcement", PRE_ANNOUNCEMENT_DAY, &[]);
    assert_eq!(pre.status.code(), Some(0), "{}", show(&pre));
    assert!(!notes(&ws).contains("not-sendable-today"), "{}", notes(&ws));
}

#[test]
fn today_is_judged_in_the_projects_time_zone_and_plan_says_which() {
    let ws = Workspace::new();
    let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
    std::fs::write(
        ws.path("release.toml"),
        release.replacen(
            "[project]\n",
            "[project]\ntimezone = \"Pacific/Kiritimati\"\n",
            1,
        ),
    )
    .unwrap();
    let plan = ws.herald(&["plan", "release.toml"], &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", show(&plan));
    let text = String::from_utf8_lossy(&plan.stdout);
    let kiritimati = chrono::Utc::now()
        .with_timezone(&chrono_tz::Pacific::Kiritimati)
        .date_naive();
    assert!(
        text.contains(&format!("(today is {kiritimati})"))
            && text.contains("today is judged in Pacific/Kiritimati"),
        "{text}"
    );
    let json = ws.herald(&["plan", "release.toml", "--format", "json"], &[]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["today_from"], "Pacific/Kiritimati");

    std::fs::write(
        ws.path("release.toml"),
        release.replacen("[project]\n", "[project]\ntimezone = \"Mars/Olympus\"\n", 1),
    )
    .unwrap();
    let bad = ws.herald(&["check", "release.toml"], &[]);
    assert_eq!(bad.status.code(), Some(2), "{}", show(&bad));
    let err = String::from_utf8_lossy(&bad.stderr);
    let line = std::fs::read_to_string(ws.path("release.toml"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("timezone"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("release.toml:{line}:12:"))
            && err.contains("expected an IANA time zone name"),
        "{err}"
    );
}
