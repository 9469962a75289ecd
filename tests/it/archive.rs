//! The list's archive as a second witness, against real servers on loopback: Dovecot
//! (IMAP, IMAPS) and public-inbox (HTTP), fed by the test SMTP server as a list
//! feeds its archive.

use std::path::Path;

use crate::support::archive::{self, Dovecot, PublicInbox, PASSWORD, USER};
use crate::support::{self, show, stderr, stdout, ServerOptions, SmtpServer, Workspace};

const RELEASE_DAY: &str = "2021-03-10";

/// Writes herald.toml for `server` with `archive` as the `[archive]` table; with
/// `text_only`, the announcement's lists take plain text only.
fn configure(ws: &Workspace, server: &SmtpServer, archive: &str, text_only: bool) {
    ws.configure(server, "none", "");
    let path = ws.path("herald.toml");
    let mut config = std::fs::read_to_string(&path).unwrap();
    if text_only {
        config = config.replace(
            "bcc = [\"security-archive@example.org\"]",
            "bcc = [\"security-archive@example.org\"]\nparts = \"text\"",
        );
    }
    config.push_str(&format!("\n[archive]\n{archive}\n"));
    std::fs::write(path, config).unwrap();
}

fn imap_table(dovecot: &Dovecot) -> String {
    format!(
        "imap = \"{}\"\nuser = \"{USER}\"\ntimeout_seconds = 10",
        dovecot.imap_url()
    )
}

fn send(ws: &Workspace, flags: &[&str]) -> std::process::Output {
    let mut all = vec!["--yes"];
    all.extend_from_slice(flags);
    ws.run_send(
        "announcement",
        RELEASE_DAY,
        &all,
        &[("HERALD_ARCHIVE_PASSWORD", PASSWORD)],
    )
}

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(output)))
}

/// Every file under `dir`, for a look for secrets.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn archive_check_proves_both_archives_and_a_wrong_password_is_named_but_never_shown() {
    let dovecot = Dovecot::start();
    let inbox = PublicInbox::start();
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    std::fs::write(ws.path("ca.pem"), dovecot.ca.ca_pem_bytes()).unwrap();
    let table = format!(
        "imap = \"{}\"\nuser = \"{USER}\"\nhttp = \"{}\"\nca_file = \"ca.pem\"",
        dovecot.imaps_url(),
        inbox.base()
    );
    configure(&ws, &server, &table, false);

    let ok = ws.herald(
        &["archive", "check"],
        &[("HERALD_ARCHIVE_PASSWORD", PASSWORD)],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", show(&ok));
    let text = stdout(&ok);
    assert!(
        text.contains(&format!(
            "ok      {}: logged in as {USER}, opened Lists/announce (0 messages)",
            dovecot.imaps_url()
        )),
        "{}",
        show(&ok)
    );
    assert!(
        text.contains(&format!(
            "ok      {}: an inbox of {}",
            inbox.base(),
            archive::LIST
        )),
        "{}",
        show(&ok)
    );
    let report = json(&ws.herald(
        &["archive", "check", "--format", "json"],
        &[("HERALD_ARCHIVE_PASSWORD", PASSWORD)],
    ));
    assert_eq!(report["archives"].as_array().unwrap().len(), 2, "{report}");
    assert!(report["archives"][0]["took_ms"].is_u64(), "{report}");

    let wrong = format!("{PASSWORD}-wrong");
    let mut outputs = Vec::new();
    for args in [
        vec!["archive", "check"],
        vec!["archive", "check", "--format", "json"],
    ] {
        outputs.push(ws.herald(&args, &[("HERALD_ARCHIVE_PASSWORD", wrong.as_str())]));
    }
    outputs.push(ws.run_send(
        "announcement",
        RELEASE_DAY,
        &["--yes"],
        &[("HERALD_ARCHIVE_PASSWORD", wrong.as_str())],
    ));
    for output in &outputs {
        assert_eq!(output.status.code(), Some(2), "{}", show(output));
        let all = show(output);
        assert!(
            all.contains(&format!("login as {USER} refused"))
                && all.contains("HERALD_ARCHIVE_PASSWORD"),
            "{all}"
        );
        assert!(!all.contains(&wrong) && !all.contains(PASSWORD), "{all}");
    }
    assert!(
        stderr(&outputs[2]).contains("--no-archive"),
        "{}",
        show(&outputs[2])
    );
    assert!(server.received().is_empty(), "nothing may be sent");
    for file in files(ws.dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(PASSWORD),
            "{} holds the password",
            file.display()
        );
    }

    let missing = ws.herald(&["archive", "check"], &[]);
    assert_eq!(missing.status.code(), Some(2), "{}", show(&missing));
    assert!(stderr(&missing).contains("HERALD_ARCHIVE_PASSWORD is not set"));
}

#[test]
fn a_clone_with_an_empty_journal_sends_nothing_the_archive_already_has() {
    let dovecot = Dovecot::start();
    let inbox = PublicInbox::start();
    let server = SmtpServer::start(
        ServerOptions::new()
            .deliver_to(dovecot.delivery(), 0.0)
            .deliver_to(inbox.delivery(), 0.0),
    );
    let table = format!("{}\nhttp = \"{}\"", imap_table(&dovecot), inbox.base());
    let first = Workspace::new();
    configure(&first, &server, &table, true);
    let sent = send(&first, &[]);
    assert_eq!(sent.status.code(), Some(0), "{}", show(&sent));
    assert_eq!(server.received().len(), 1);
    let received = &server.received()[0];
    assert!(
        received
            .header("Content-Type")
            .unwrap()
            .starts_with("text/plain"),
        "parts = \"text\" sends the text alone: {}",
        received.raw_str()
    );
    assert!(received.html_body().is_none());

    let clone = Workspace::new();
    configure(&clone, &server, &table, true);
    let output = send(&clone, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let report = json(&output);
    assert_eq!(report["outcome"], "found-in-archive", "{report}");
    assert_eq!(server.received().len(), 1, "the clone sent a second copy");
    let witnesses = report["witnesses"].as_array().unwrap();
    assert_eq!(witnesses.len(), 2, "{report}");
    assert_eq!(witnesses[0]["archive"], "imap");
    assert_eq!(witnesses[0]["uid"], 1);
    assert_eq!(witnesses[1]["archive"], "public-inbox");
    let message_id = report["message_id"].as_str().unwrap();
    let bare = message_id.trim_matches(['<', '>']);
    assert_eq!(
        witnesses[1]["link"],
        format!("{}{bare}/", inbox.base()),
        "{report}"
    );
    let journal = clone.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["state"], "sent");
    assert_eq!(journal[0]["message_id"], message_id);
    assert_eq!(journal[0]["witnesses"].as_array().unwrap().len(), 2);

    // The clone's journal now refuses a send as any journal does, and plan says
    // what the archive showed.
    let again = send(&clone, &[]);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert!(stderr(&again).contains("already-sent"), "{}", show(&again));
    let plan = clone.herald(&["plan", "release.toml", "--today", RELEASE_DAY], &[]);
    assert!(
        stdout(&plan).contains(&format!(
            "witness: the archive, {}",
            witnesses[1]["link"].as_str().unwrap()
        )),
        "{}",
        show(&plan)
    );
    let plan = json(&clone.herald(
        &[
            "plan",
            "release.toml",
            "--today",
            RELEASE_DAY,
            "--format",
            "json",
        ],
        &[],
    ));
    assert_eq!(plan["witnesses"][0]["by"], "archive", "{plan}");
    let first_plan = json(&first.herald(
        &[
            "plan",
            "release.toml",
            "--today",
            RELEASE_DAY,
            "--format",
            "json",
        ],
        &[],
    ));
    assert_eq!(first_plan["witnesses"][0]["by"], "journal", "{first_plan}");
    assert_eq!(server.received().len(), 1);
}

#[test]
fn in_doubt_and_the_list_has_it_the_next_plain_send_settles_it_with_no_extra_copy() {
    let dovecot = Dovecot::start();
    let server = SmtpServer::start(
        ServerOptions::new()
            .drop_during_data(1)
            .deliver_dropped()
            .deliver_to(dovecot.delivery(), 0.0),
    );
    let ws = Workspace::new();
    configure(&ws, &server, &imap_table(&dovecot), false);
    let first = send(&ws, &[]);
    assert_eq!(first.status.code(), Some(5), "{}", show(&first));
    assert_eq!(ws.states(), ["in-doubt"]);

    let second = send(&ws, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", show(&second));
    assert!(
        stdout(&second).contains("is in the list's archive"),
        "{}",
        show(&second)
    );
    assert!(stdout(&second).contains(";UID=1"), "{}", show(&second));
    assert_eq!(ws.states(), ["sent"]);
    let entry = &ws.journal()[0];
    assert_eq!(entry["settled"]["found"], "sent");
    assert_eq!(entry["witnesses"][0]["uid"], 1);
    assert!(
        server.received().is_empty(),
        "0 extra copies: {}",
        server.log()
    );

    let third = send(&ws, &[]);
    assert_eq!(third.status.code(), Some(1), "{}", show(&third));
    assert!(server.received().is_empty());
}

#[test]
fn in_doubt_and_not_in_the_archive_it_stays_in_doubt_until_the_archive_shows_it() {
    let dovecot = Dovecot::start();
    let server = SmtpServer::start(ServerOptions::new().drop_during_data(1));
    let ws = Workspace::new();
    configure(&ws, &server, &imap_table(&dovecot), false);
    let first = send(&ws, &[]);
    assert_eq!(first.status.code(), Some(5), "{}", show(&first));
    let attempted_at = ws.journal()[0]["attempted_at"]
        .as_str()
        .unwrap()
        .to_string();

    let second = send(&ws, &[]);
    assert_eq!(second.status.code(), Some(1), "{}", show(&second));
    let said = stderr(&second);
    assert!(said.contains("in-doubt-not-in-archive"), "{said}");
    assert!(said.contains(&attempted_at), "says when: {said}");
    assert!(
        said.contains("does not conclude that it was not sent"),
        "{said}"
    );
    assert_eq!(ws.states(), ["in-doubt"]);

    let settle = [
        "journal",
        "settle",
        "release.toml",
        "--message",
        "announcement",
        "--from-archive",
    ];
    let env = [("HERALD_ARCHIVE_PASSWORD", PASSWORD)];
    let not_yet = ws.herald(&settle, &env);
    assert_eq!(not_yet.status.code(), Some(1), "{}", show(&not_yet));
    assert!(
        stderr(&not_yet).contains("not-in-archive"),
        "{}",
        show(&not_yet)
    );
    assert_eq!(ws.states(), ["in-doubt"]);

    // The list was slow: its copy reaches the archive now.
    let message_id = ws.journal()[0]["message_id"].as_str().unwrap().to_string();
    dovecot.deliver(&archive::message(
        &message_id,
        "[security] Go 1.16.1 and Go 1.15.9 are released",
    ));
    let settled = ws.herald(&settle, &env);
    assert_eq!(settled.status.code(), Some(0), "{}", show(&settled));
    assert!(
        stdout(&settled).contains("settled from the archive: SENT"),
        "{}",
        show(&settled)
    );
    assert_eq!(ws.states(), ["sent"]);
    assert!(server.received().is_empty(), "no copy was sent");
}

#[test]
fn wait_sees_a_list_that_archives_after_two_seconds_and_exits_6_for_one_that_refuses_html() {
    let dovecot = Dovecot::start();
    let inbox = PublicInbox::start();
    let table = format!(
        "{}\nhttp = \"{}\"\nwait_seconds = 30",
        imap_table(&dovecot),
        inbox.base()
    );
    let server = SmtpServer::start(
        ServerOptions::new()
            .deliver_to(dovecot.delivery(), 2.0)
            .deliver_to(inbox.delivery(), 2.0),
    );
    let ws = Workspace::new();
    configure(&ws, &server, &table, true);
    let output = send(&ws, &["--wait"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = stdout(&output);
    assert!(text.contains("seen in the list's archive within"), "{text}");
    assert!(
        text.contains(&inbox.base()) && text.contains(";UID=1"),
        "{text}"
    );
    let entry = &ws.journal()[0];
    assert_eq!(entry["state"], "sent");
    assert_eq!(entry["witnesses"].as_array().unwrap().len(), 2, "{entry}");

    // A multipart/alternative message: the list takes it (250), and public-inbox's
    // filter refuses its HTML part, so that archive never shows it.
    let refusing = Dovecot::start();
    let table = format!(
        "imap = \"{}\"\nuser = \"{USER}\"\nhttp = \"{}\"\nwait_seconds = 4",
        refusing.imap_url(),
        inbox.base()
    );
    let server = SmtpServer::start(
        ServerOptions::new()
            .deliver_to(refusing.delivery(), 0.0)
            .deliver_to(inbox.delivery(), 0.0),
    );
    let ws = Workspace::new();
    // Another release day, so another Message-ID than the first message's.
    let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
    std::fs::write(
        ws.path("release.toml"),
        release.replacen("Katie", "Kate", 1),
    )
    .unwrap();
    configure(&ws, &server, &table, false);
    let output = send(&ws, &["--wait", "--format", "json"]);
    assert_eq!(output.status.code(), Some(6), "{}", show(&output));
    let report = json(&output);
    assert_eq!(report["outcome"], "sent", "{report}");
    assert_eq!(
        report["not_seen_in"],
        serde_json::json!([inbox.base()]),
        "{report}"
    );
    assert_eq!(report["witnesses"][0]["archive"], "imap", "{report}");
    assert_eq!(ws.states(), ["sent"], "sent, whatever the archive says");
    assert!(server.log().contains("No HTML"), "{}", server.log());
}

#[test]
fn an_archive_that_cannot_be_asked_stops_the_send_before_connecting_and_no_archive_overrides() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    let closed = archive::free_port();
    configure(
        &ws,
        &server,
        &format!("imap = \"imap://127.0.0.1:{closed}/Lists/announce\"\nuser = \"{USER}\"\ntimeout_seconds = 5"),
        false,
    );
    let refused = send(&ws, &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", show(&refused));
    let said = stderr(&refused);
    assert!(
        said.contains(&format!("imap://127.0.0.1:{closed}/Lists/announce")),
        "{said}"
    );
    assert!(said.contains("--no-archive"), "{said}");
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());

    let output = send(
        &ws,
        &["--no-archive", "the archive host is down for maintenance"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_eq!(server.received().len(), 1);
    assert_eq!(
        ws.journal()[0]["no_archive"],
        "the archive host is down for maintenance"
    );

    // A silent archive: it accepts the connection and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    configure(
        &ws,
        &server,
        &format!("http = \"http://127.0.0.1:{port}/announce/\"\ntimeout_seconds = 1"),
        false,
    );
    let output = ws.run_send("pre-announcement", "2021-03-05", &["--yes"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains("no answer within 1 s"),
        "{}",
        show(&output)
    );
    configure(
        &ws,
        &server,
        &format!("imap = \"imap://127.0.0.1:{port}/Lists/announce\"\nuser = \"{USER}\"\ntimeout_seconds = 1"),
        false,
    );
    let output = ws.run_send(
        "pre-announcement",
        "2021-03-05",
        &["--yes"],
        &[("HERALD_ARCHIVE_PASSWORD", PASSWORD)],
    );
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains("no answer within 1 s"),
        "{}",
        show(&output)
    );
    assert_eq!(server.received().len(), 1);
    drop(silent);
}

#[test]
fn a_message_with_the_same_subject_and_another_message_id_is_reported_and_never_a_match() {
    let dovecot = Dovecot::start();
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    configure(&ws, &server, &imap_table(&dovecot), false);
    let dry = ws.run_send(
        "announcement",
        RELEASE_DAY,
        &["--dry-run", "--format", "json"],
        &[],
    );
    let message_id = json(&dry)["message_id"].as_str().unwrap().to_string();
    let subject = "[security] Go 1.16.1 and Go 1.15.9 are released";
    dovecot.deliver(&archive::message("<by-hand.1@example.org>", subject));
    // A header that contains the Message-ID without being it: IMAP's search matches
    // it, and the envelope shows another id.
    dovecot.deliver(&archive::message(
        &format!("<by-hand.2@example.org> {message_id}"),
        "Re: something else",
    ));

    let output = send(&ws, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let report = json(&output);
    assert_eq!(report["outcome"], "sent", "{report}");
    assert!(
        report["witnesses"].as_array().unwrap().is_empty(),
        "{report}"
    );
    let namesakes = report["archive_lookups"][0]["namesakes"]
        .as_array()
        .unwrap();
    assert_eq!(namesakes.len(), 1, "{report}");
    assert_eq!(namesakes[0]["message_id"], "<by-hand.1@example.org>");
    assert!(stderr(&output).contains("note: "), "{}", show(&output));
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["rule"] == "same-subject"),
        "{report}"
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn a_text_only_pre_announcement_is_guarded_like_any_other() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let config = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
    let config = config.replace(
        "[recipients.pre-announcement]\nto = [\"golang-announce@example.org\"]\n",
        "[recipients.pre-announcement]\nto = [\"golang-announce@example.org\"]\nparts = \"text\"\n",
    );
    std::fs::write(ws.path("herald.toml"), config).unwrap();
    let templates = ws.path("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("pre-announcement.md"),
        "Subject: [security] {{ versions_spoken }} pre-announcement\n\nA fix for cve-2021-27918 is coming on {{ release_day }}.\n",
    )
    .unwrap();
    let args = ["--yes", "--templates", "templates"];
    let leaky = ws.run_send("pre-announcement", "2021-03-05", &args, &[]);
    assert_eq!(leaky.status.code(), Some(1), "{}", show(&leaky));
    assert!(
        stderr(&leaky).contains("violation [embargo]"),
        "{}",
        show(&leaky)
    );
    assert!(server.received().is_empty());

    std::fs::remove_dir_all(&templates).unwrap();
    let output = ws.run_send("pre-announcement", "2021-03-05", &["--yes"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let received = &server.received()[0];
    assert!(received
        .header("Content-Type")
        .unwrap()
        .starts_with("text/plain"));
    assert!(received.text_body().unwrap().contains("Hello gophers,"));
}

#[test]
fn ctrl_c_while_waiting_for_the_archive_says_the_message_was_sent() {
    let dovecot = Dovecot::start();
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    configure(
        &ws,
        &server,
        &format!("{}\nwait_seconds = 600", imap_table(&dovecot)),
        false,
    );
    let mut args = support::announcement_send_args(RELEASE_DAY);
    args.push("--wait");
    let mut child = ws
        .command(&args)
        .env("HERALD_ARCHIVE_PASSWORD", PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once herald says it waits, the message went out.
    let (lines, said) = std::sync::mpsc::channel();
    let stream = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stream).lines() {
            let _ = lines.send(line.unwrap_or_default());
        }
    });
    let mut text = String::new();
    while !text.contains("waiting up to 600 s") {
        let line = said
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("herald never waited: {text}"));
        text.push_str(&line);
        text.push('\n');
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    while let Ok(line) = said.recv_timeout(std::time::Duration::from_secs(5)) {
        text.push_str(&line);
        text.push('\n');
    }
    assert_eq!(status.code(), Some(130), "{text}");
    assert!(
        text.contains(
            "interrupted by SIGINT (Ctrl-C) while waiting for the archive: the message WAS sent"
        ),
        "{text}"
    );
    assert_eq!(ws.states(), ["sent"]);
    assert_eq!(server.received().len(), 1);
}
