//! `herald send` against servers and paths that lie: replies injected before the TLS
//! handshake, a server that echoes the password, control bytes meant for the
//! terminal, a reply that never ends, recipients taken a few at a time, a size limit,
//! and a server that offers no login. Every check counts what the server stored and
//! reads every output and file herald wrote.

use std::path::Path;

use base64::Engine;

use crate::support::{show, FaultServer, TestCa, Workspace};

const RELEASE_DAY: &str = "2021-03-10";
const PASSWORD: &str = "Tr0ub4dor&3-horse";
const FAST: &str = "timeout_seconds = 2\nattempt_deadline_seconds = 20\nbackoff_ms = 10";

fn workspace(server: &FaultServer, tls: &str, extra: &str) -> Workspace {
    let ws = Workspace::new();
    ws.configure_host("127.0.0.1", server.port(), tls, &format!("{FAST}\n{extra}"));
    ws
}

fn send(ws: &Workspace, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut flags = vec!["--yes"];
    flags.extend_from_slice(extra);
    ws.run_send("announcement", RELEASE_DAY, &flags, env)
}

fn tls_args(ca: &TestCa) -> [String; 3] {
    [
        "--tls".to_string(),
        ca.server_pem.display().to_string(),
        ca.server_key_pem.display().to_string(),
    ]
}

#[test]
fn replies_injected_before_the_tls_handshake_refuse_the_connection_and_nothing_counts_as_sent() {
    let certs = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(certs.path());
    let ca_file = format!("ca_file = {:?}", ca.ca_pem.display().to_string());
    let tls = tls_args(&ca);
    let tls: Vec<&str> = tls.iter().map(String::as_str).collect();

    // The same server without the injection sends over TLS: the test is of the
    // injection alone.
    let honest = FaultServer::start_with("starttls", &tls);
    let ws = workspace(&honest, "starttls", &ca_file);
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_eq!(honest.copies(), 1);

    let forged = FaultServer::start_with("starttls-inject", &tls);
    let ws = workspace(&forged, "starttls", &ca_file);
    for run in ["first", "rerun"] {
        let output = send(&ws, &[], &[]);
        assert_eq!(output.status.code(), Some(3), "{run}: {}", show(&output));
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            err.contains("TLS failed") && err.contains("RFC 3207"),
            "{run}: {err}"
        );
        assert!(!err.contains("forged"), "{run}: {err}");
        assert!(ws.journal().is_empty(), "{run}: nothing was journaled");
    }
    assert_eq!(forged.copies(), 0);
}

/// Every form of the password a server could echo: as typed, base64 (AUTH LOGIN),
/// and the AUTH PLAIN token.
fn password_forms() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        PASSWORD.to_string(),
        b64(PASSWORD),
        b64(&format!("\0releases@example.org\0{PASSWORD}")),
    ]
}

fn assert_no_secret(what: &str, text: &str) {
    for form in password_forms() {
        assert!(!text.contains(&form), "{what} holds {form:?}:\n{text}");
    }
}

/// Everything herald wrote in the workspace, and what `plan` and the preview page say.
fn assert_nothing_holds_the_password(ws: &Workspace, outputs: &[&std::process::Output]) {
    let env = [("HERALD_SMTP_PASSWORD", PASSWORD)];
    let plan = ws.herald(&["plan", "release.toml", "--today", RELEASE_DAY], &env);
    let plan_json = ws.herald(
        &[
            "plan",
            "release.toml",
            "--today",
            RELEASE_DAY,
            "--format",
            "json",
        ],
        &env,
    );
    let render = ws.herald(
        &[
            "render",
            "release.toml",
            "--out",
            "drafts",
            "--today",
            RELEASE_DAY,
        ],
        &env,
    );
    for output in outputs.iter().copied().chain([&plan, &plan_json, &render]) {
        assert_no_secret("stdout", &String::from_utf8_lossy(&output.stdout));
        assert_no_secret("stderr", &String::from_utf8_lossy(&output.stderr));
    }
    for entry in walk(&ws.path(".")) {
        let bytes = std::fs::read(&entry).unwrap();
        assert_no_secret(
            &entry.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.file_name().is_some_and(|n| n != "herald") {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_server_that_echoes_the_password_never_gets_it_into_any_output_or_file() {
    let login = "username = \"releases@example.org\"";
    for (echo_in, mechanisms, exit, copies) in [
        ("auth", "PLAIN LOGIN", 3, 0),
        ("auth", "LOGIN", 3, 0),
        ("mail", "PLAIN", 3, 0),
        ("421", "LOGIN", 3, 0),
        ("data", "PLAIN", 0, 1),
        ("data", "LOGIN", 0, 1),
    ] {
        let server = FaultServer::start_with(
            "echo-auth",
            &["--echo-in", echo_in, "--mechanisms", mechanisms],
        );
        let ws = workspace(&server, "none", &format!("{login}\nattempts = 2"));
        let env = [("HERALD_SMTP_PASSWORD", PASSWORD)];
        let text = send(&ws, &[], &env);
        let case = format!("echo in {echo_in} with {mechanisms}");
        assert_eq!(text.status.code(), Some(exit), "{case}: {}", show(&text));
        assert_eq!(server.copies(), copies, "{case}");
        let err = String::from_utf8_lossy(&text.stderr);
        if exit != 0 {
            assert!(
                err.contains("…redacted…"),
                "{case}: the echo is shown, redacted: {err}"
            );
        }
        let json = send(&ws, &["--format", "json"], &env);
        assert_nothing_holds_the_password(&ws, &[&text, &json]);
        if exit == 0 {
            let journal = std::fs::read_to_string(ws.path("release.toml.journal.json")).unwrap();
            assert!(journal.contains("…redacted…"), "{case}: {journal}");
        }
    }
}

#[test]
fn a_password_written_into_the_configuration_is_refused_and_never_shown() {
    let server = FaultServer::start("ok", None, 0.0);
    for line in [
        format!("password = \"{PASSWORD}\""),
        format!("smtp_password = '{PASSWORD}'"),
        format!("password = {PASSWORD}"),
    ] {
        let ws = workspace(&server, "none", &line);
        for format in ["text", "json"] {
            let output = send(&ws, &["--format", format], &[]);
            assert_eq!(output.status.code(), Some(2), "{line}: {}", show(&output));
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!all.contains(PASSWORD), "{line}: {all}");
            assert!(
                all.contains("…redacted…") && all.contains("herald.toml:"),
                "{line}: {all}"
            );
        }
    }
    assert_eq!(server.copies(), 0);
}

#[test]
fn control_bytes_from_the_server_reach_no_terminal_and_no_file_raw() {
    for mode in ["controls", "controls-greeting"] {
        let server = FaultServer::start_with(mode, &[]);
        let ws = workspace(&server, "none", "attempts = 1");
        for format in ["text", "json"] {
            let output = send(&ws, &["--format", format], &[]);
            assert_eq!(output.status.code(), Some(3), "{mode}: {}", show(&output));
            let mut all = output.stdout.clone();
            all.extend_from_slice(&output.stderr);
            if let Ok(journal) = std::fs::read(ws.path("release.toml.journal.json")) {
                all.extend(journal);
            }
            for byte in [0x1b, 0x07, 0x08, b'\r'] {
                assert!(
                    !all.contains(&byte),
                    "{mode} {format}: raw 0x{byte:02x}:\n{}",
                    show(&output)
                );
            }
            assert!(
                String::from_utf8_lossy(&all).contains("\\u{1b}"),
                "{mode}: shown escaped: {}",
                show(&output)
            );
        }
        assert_eq!(server.copies(), 0);
    }
}

#[test]
fn a_reply_that_never_ends_is_cut_off_by_the_reply_deadline() {
    // One continuation line every 0.3 s, forever: each read is quick, the reply is not.
    let server = FaultServer::start("endless-reply", None, 0.3);
    let ws = Workspace::new();
    ws.configure_host(
        "127.0.0.1",
        server.port(),
        "none",
        "timeout_seconds = 2\nattempt_deadline_seconds = 3600\nattempts = 1",
    );
    // The harness kills a run that does not end by itself; herald must end on the
    // reply deadline, not the attempt's hour.
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("no complete reply within 2s (timeout_seconds)"),
        "{}",
        show(&output)
    );
    assert_eq!(server.copies(), 0);
}

/// Five envelope recipients: two To, one Cc, two Bcc.
const FIVE: &str = "[recipients.announcement]\nto = [\"a@example.org\", \"b@example.org\"]\ncc = [\"c@example.org\"]\nbcc = [\"d@example.org\", \"e@example.org\"]\n";

fn with_five_recipients(ws: &Workspace) {
    let config = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
    let start = config.find("[recipients.announcement]").unwrap();
    let end = start + config[start..].find("\n\n").unwrap() + 2;
    std::fs::write(
        ws.path("herald.toml"),
        format!("{}{FIVE}\n{}", &config[..start], &config[end..]),
    )
    .unwrap();
}

fn every_recipient_once(server: &FaultServer) {
    let mut all: Vec<String> = server.recipients().into_iter().flatten().collect();
    all.sort();
    assert_eq!(
        all,
        [
            "a@example.org",
            "b@example.org",
            "c@example.org",
            "d@example.org",
            "e@example.org"
        ]
    );
}

#[test]
fn a_server_that_takes_two_recipients_at_a_time_gives_each_recipient_one_copy() {
    let server = FaultServer::start_with("rcpt-limit", &["--limit", "2"]);
    let ws = workspace(&server, "none", "");
    with_five_recipients(&ws);
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_eq!(server.copies(), 3);
    every_recipient_once(&server);
    assert_eq!(ws.states(), ["sent", "sent", "sent"]);
    let again = send(&ws, &[], &[]);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already-sent"));
    assert_eq!(server.copies(), 3);
}

#[test]
fn a_send_stopped_after_some_recipients_gives_the_rest_their_copy_on_the_rerun() {
    // Two recipients a transaction; the second transaction's data is refused (451)
    // and the one attempt there is runs out: two recipients have it, three do not.
    let server = FaultServer::start_with("rcpt-limit", &["--limit", "2", "--tempfail-data", "2"]);
    let ws = workspace(&server, "none", "attempts = 1");
    with_five_recipients(&ws);
    let first = send(&ws, &[], &[]);
    assert_eq!(first.status.code(), Some(3), "{}", show(&first));
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("reached 2 of 5 recipients"),
        "{}",
        show(&first)
    );
    assert_eq!(server.copies(), 1);
    let rerun = send(&ws, &[], &[]);
    assert_eq!(rerun.status.code(), Some(0), "{}", show(&rerun));
    assert!(
        String::from_utf8_lossy(&rerun.stderr).contains("note [partly-sent]: 2 of 5 recipients"),
        "{}",
        show(&rerun)
    );
    every_recipient_once(&server);
    let again = send(&ws, &[], &[]);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    every_recipient_once(&server);
}

#[test]
fn a_message_over_the_servers_size_limit_is_refused_before_any_data() {
    let server = FaultServer::start_with("size-limit", &["--limit", "1000"]);
    let ws = workspace(&server, "none", "");
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("takes at most 1000") && err.contains("SIZE"),
        "{err}"
    );
    assert!(ws.journal().is_empty());
    assert_eq!(server.copies(), 0);

    let roomy = FaultServer::start_with("size-limit", &["--limit", "10000000"]);
    let ws = workspace(&roomy, "none", "");
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_eq!(roomy.copies(), 1);
}

#[test]
fn a_login_the_server_does_not_offer_is_named_before_any_data() {
    let server = FaultServer::start("ok", None, 0.0);
    let ws = workspace(&server, "none", "username = \"releases@example.org\"");
    let output = send(&ws, &[], &[("HERALD_SMTP_PASSWORD", PASSWORD)]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("username is set, but the server offers no AUTH"),
        "{err}"
    );
    assert_eq!(server.copies(), 0);

    let cram = FaultServer::start_with("echo-auth", &["--mechanisms", "CRAM-MD5 XOAUTH2"]);
    let ws = workspace(&cram, "none", "username = \"releases@example.org\"");
    let output = send(&ws, &[], &[("HERALD_SMTP_PASSWORD", PASSWORD)]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("offers AUTH CRAM-MD5 XOAUTH2, and herald speaks PLAIN and LOGIN"),
        "{err}"
    );
    assert_eq!(cram.copies(), 0);
}

#[test]
fn a_reply_written_out_of_turn_before_the_end_of_the_data_is_not_taken_as_the_answer() {
    let server = FaultServer::start("early-reply", None, 0.0);
    let ws = workspace(&server, "none", "attempts = 2");
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("out of turn"),
        "{}",
        show(&output)
    );
    assert_eq!(server.copies(), 0, "the end of the data never went");
    assert_eq!(ws.states(), ["failed", "failed"]);
}

#[test]
fn a_tls_handshake_trickled_a_byte_at_a_time_is_cut_off_by_the_reply_deadline() {
    let certs = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(certs.path());
    let tls = tls_args(&ca);
    let mut args: Vec<&str> = tls.iter().map(String::as_str).collect();
    args.extend(["--delay", "0.3"]);
    let server = FaultServer::start_with("tls-trickle", &args);
    let ws = Workspace::new();
    ws.configure_host(
        "127.0.0.1",
        server.port(),
        "implicit",
        &format!(
            "timeout_seconds = 2\nattempt_deadline_seconds = 3600\nattempts = 1\nca_file = {:?}",
            ca.ca_pem.display().to_string()
        ),
    );
    // The harness kills a run that does not end by itself; the handshake must end on
    // the reply deadline, not the attempt's hour.
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(3), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("(timeout_seconds)"),
        "{}",
        show(&output)
    );
    assert_eq!(server.copies(), 0);
}

#[test]
fn an_address_listed_twice_gets_one_copy_when_the_server_takes_two_at_a_time() {
    let server = FaultServer::start_with("rcpt-limit", &["--limit", "2"]);
    let ws = workspace(&server, "none", "");
    let config = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
    std::fs::write(
        ws.path("herald.toml"),
        config.replace(
            "bcc = [\"security-archive@example.org\"]",
            "bcc = [\"GOLANG-ANNOUNCE@example.org\", \"b@example.org\"]",
        ),
    )
    .unwrap();
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let mut all: Vec<String> = server
        .recipients()
        .into_iter()
        .flatten()
        .map(|r| r.to_ascii_lowercase())
        .collect();
    all.sort();
    assert_eq!(
        all,
        [
            "b@example.org",
            "golang-announce@example.org",
            "golang-dev@example.org"
        ]
    );
}

#[test]
fn a_password_echoed_over_several_reply_lines_is_redacted_whole() {
    let server = FaultServer::start_with(
        "echo-auth",
        &["--echo-in", "auth-split", "--mechanisms", "PLAIN"],
    );
    let ws = workspace(
        &server,
        "none",
        "username = \"releases@example.org\"\nattempts = 1",
    );
    let env = [("HERALD_SMTP_PASSWORD", PASSWORD)];
    let text = send(&ws, &[], &env);
    assert_eq!(text.status.code(), Some(3), "{}", show(&text));
    let json = send(&ws, &["--format", "json"], &env);
    assert_nothing_holds_the_password(&ws, &[&text, &json]);
    // Every 8-character piece of the token is gone too.
    let token = base64::engine::general_purpose::STANDARD
        .encode(format!("\0releases@example.org\0{PASSWORD}"));
    let said = String::from_utf8_lossy(&text.stderr);
    let core = &token[token.len() - 16..token.len() - 4];
    assert!(!said.contains(core), "{said}");
}

#[test]
fn a_misspelt_password_key_or_a_netrc_given_as_configuration_shows_no_password() {
    let server = FaultServer::start("ok", None, 0.0);
    for line in [
        format!("pasword = \"{PASSWORD}\""),
        format!("pw = \"{PASSWORD}\""),
        format!("smtp_pass = \"{PASSWORD}\""),
        format!("whatever = \"{PASSWORD}\""),
    ] {
        let ws = workspace(&server, "none", &line);
        let output = send(&ws, &["--format", "json"], &[]);
        assert_eq!(output.status.code(), Some(2), "{line}: {}", show(&output));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!all.contains(PASSWORD), "{line}: {all}");
    }
    let ws = Workspace::new();
    std::fs::write(
        ws.path("netrc"),
        format!("machine smtp.example.org login releases password {PASSWORD}\n"),
    )
    .unwrap();
    let output = ws.herald(&["check", "release.toml", "--config", "netrc"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains(PASSWORD),
        "{}",
        show(&output)
    );
}

#[test]
fn a_hard_linked_lock_file_is_refused_and_its_other_name_left_alone() {
    let server = FaultServer::start("ok", None, 0.0);
    let ws = workspace(&server, "none", "");
    std::fs::write(ws.path("victim.txt"), "keep me").unwrap();
    std::fs::hard_link(
        ws.path("victim.txt"),
        ws.path("release.toml.journal.json.lock"),
    )
    .unwrap();
    let output = send(&ws, &[], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("hard links"),
        "{}",
        show(&output)
    );
    assert_eq!(
        std::fs::read_to_string(ws.path("victim.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(server.copies(), 0);
}

#[test]
fn a_journal_that_holds_a_password_is_sent_from_and_comes_out_redacted() {
    let server = FaultServer::start("ok", None, 0.0);
    let ws = workspace(&server, "none", "");
    std::fs::write(
        ws.path("release.toml.journal.json"),
        format!(
            r#"{{"entries":[{{"kind":"pre-announcement","state":"failed","message_id":"<a@b>","content_hash":"h","subject":"s","to":["l@example.org"],"bcc":[],"server_reply":"535 bad {PASSWORD}"}}]}}"#
        ),
    )
    .unwrap();
    let env = [("HERALD_SMTP_PASSWORD", PASSWORD)];
    let output = send(&ws, &[], &env);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_eq!(server.copies(), 1);
    let journal = std::fs::read_to_string(ws.path("release.toml.journal.json")).unwrap();
    assert!(!journal.contains(PASSWORD), "{journal}");
}

#[test]
fn controls_a_hand_edited_journal_holds_reach_no_json_output_raw() {
    let ws = Workspace::new();
    std::fs::write(
        ws.path("release.toml.journal.json"),
        "{\"entries\":[{\"kind\":\"announcement\",\"state\":\"in-doubt\",\"message_id\":\"<a\u{9b}2J@b>\",\"content_hash\":\"h\",\"subject\":\"s\u{85}\u{202e}x\",\"to\":[\"l@example.org\"],\"bcc\":[]}]}",
    )
    .unwrap();
    let plan = ws.herald(
        &[
            "plan",
            "release.toml",
            "--today",
            RELEASE_DAY,
            "--format",
            "json",
        ],
        &[],
    );
    let out = String::from_utf8_lossy(&plan.stdout);
    for c in ['\u{9b}', '\u{85}', '\u{202e}'] {
        assert!(!out.contains(c), "{c:?} in {out}");
    }
    let json: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(json["attempts"][0]["message_id"], "<a\u{9b}2J@b>");
}
