//! Never twice, never lost, never stuck: `herald send` against a loopback SMTP server
//! that misbehaves on purpose (`tests/it/support/fault_smtp.py`), a herald process killed
//! at many points of a send, two sends at once, and a journal that cannot be written.
//!
//! Every check counts the copies the server *has* (stored when the end of the data
//! arrived, whatever it answered), the exit code, and the journal's states. No test
//! asserts a duration: a run that does not end by itself is killed by a generous
//! safety net and reported as a failure.

use std::io::Read;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{announcement_send_args, show, FaultServer, Workspace};

const RELEASE_DAY: &str = "2021-03-10";
/// Safety net only: herald's own deadlines end every run well before this.
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// The `[smtp]` settings of these tests: short deadlines, quick retries.
const FAST: &str = "timeout_seconds = 1\nattempt_deadline_seconds = 3\nbackoff_ms = 10";

fn workspace(server: &FaultServer, smtp_extra: &str) -> Workspace {
    let ws = Workspace::new();
    ws.configure_host("127.0.0.1", server.port(), "none", smtp_extra);
    ws
}

/// Waits for `child`, killing it (and failing the test) past the safety net.
fn finish(mut child: Child, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_end(&mut stdout)
                .unwrap();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_end(&mut stderr)
                .unwrap();
            return Output {
                status,
                stdout,
                stderr,
            };
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("{what}: herald did not end by itself");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn_send(ws: &Workspace, extra: &[&str]) -> Child {
    let mut args = announcement_send_args(RELEASE_DAY);
    args.extend_from_slice(extra);
    ws.command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn send(ws: &Workspace, what: &str) -> Output {
    finish(spawn_send(ws, &[]), what)
}

fn settle(ws: &Workspace, found: &str) -> Output {
    ws.herald(
        &[
            "journal",
            "settle",
            "release.toml",
            "--message",
            "announcement",
            found,
            "--by",
            "test",
        ],
        &[],
    )
}

/// What one fault mode must lead to.
struct Expected {
    mode: &'static str,
    times: Option<u32>,
    delay: f64,
    exit: i32,
    copies: usize,
    states: &'static [&'static str],
}

#[test]
fn every_fault_mode_ends_by_itself_with_the_right_copies_exit_code_and_journal() {
    let cases = [
        // The answer to the data comes after the reply deadline: the list has it, herald
        // cannot know, and says so.
        Expected {
            mode: "reply-late",
            times: None,
            delay: 2.5,
            exit: 5,
            copies: 1,
            states: &["in-doubt"],
        },
        Expected {
            mode: "drop-after-data",
            times: None,
            delay: 0.0,
            exit: 5,
            copies: 1,
            states: &["in-doubt"],
        },
        // Dropped mid-data, after the whole (small) message was handed to the network:
        // herald looks at the connection once more after journaling and before the end
        // of the data, sees the drop, withholds the end (nothing was delivered: the
        // attempt is concluded as failed) and tries again.
        Expected {
            mode: "drop-mid-data",
            times: Some(1),
            delay: 0.0,
            exit: 0,
            copies: 1,
            states: &["failed", "sent"],
        },
        Expected {
            mode: "never-greet",
            times: None,
            delay: 0.0,
            exit: 3,
            copies: 0,
            states: &[],
        },
        Expected {
            mode: "trickle",
            times: None,
            delay: 0.2,
            exit: 3,
            copies: 0,
            states: &[],
        },
        Expected {
            mode: "tempfail",
            times: Some(1),
            delay: 0.0,
            exit: 0,
            copies: 1,
            states: &["failed", "sent"],
        },
        Expected {
            mode: "mail-tempfail",
            times: Some(1),
            delay: 0.0,
            exit: 0,
            copies: 1,
            states: &["sent"],
        },
        // lettre counts any 2xx or 3xx as success; herald takes only a 2xx to the data
        // as acceptance, and only a 354 to DATA as leave to send it.
        Expected {
            mode: "odd-final",
            times: None,
            delay: 0.0,
            exit: 5,
            copies: 0,
            states: &["in-doubt"],
        },
        Expected {
            mode: "data-250",
            times: None,
            delay: 0.0,
            exit: 3,
            copies: 0,
            states: &[],
        },
        Expected {
            mode: "reject",
            times: None,
            delay: 0.0,
            exit: 3,
            copies: 0,
            states: &["failed"],
        },
    ];
    for case in &cases {
        let server = FaultServer::start(case.mode, case.times, case.delay);
        let ws = workspace(&server, &format!("{FAST}\nattempts = 2"));
        let output = send(&ws, case.mode);
        assert_eq!(
            output.status.code(),
            Some(case.exit),
            "{}: {}",
            case.mode,
            show(&output)
        );
        assert_eq!(server.copies(), case.copies, "{}: copies", case.mode);
        assert_eq!(ws.states(), case.states, "{}: journal", case.mode);

        // The same plain command again never makes a second copy.
        let rerun = send(&ws, case.mode);
        assert!(
            server.copies() <= 1,
            "{}: a rerun made a second copy: {}",
            case.mode,
            show(&rerun)
        );
        if case.exit == 5 {
            assert_eq!(rerun.status.code(), Some(1), "{}", show(&rerun));
            assert!(
                String::from_utf8_lossy(&rerun.stderr).contains("in-doubt"),
                "{}: {}",
                case.mode,
                show(&rerun)
            );
        }
    }
}

#[test]
fn a_drop_noticed_before_the_end_of_the_data_is_retried_without_a_person() {
    // A message of several megabytes: more than the socket buffers hold, so the
    // server's reset mid-data reaches herald while it is still writing the body.
    let server = FaultServer::start("drop-mid-data", Some(1), 0.0);
    let ws = workspace(&server, "timeout_seconds = 10\nbackoff_ms = 10");
    let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
    let paragraph = "The decoder could loop forever on crafted input. ".repeat(8) + "\n\n";
    let long = format!(
        "[[security]]\ntrack = \"public\"\npackages = [\"mime\"]\ncves = [\"CVE-2021-99999\"]\nissue = 99999\ntitle = \"a very long description\"\ndescription = \"\"\"{}\"\"\"\n",
        paragraph.repeat(16_000)
    );
    std::fs::write(ws.path("release.toml"), format!("{release}\n{long}")).unwrap();
    let output = send(&ws, "large message");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("attempt 1 of 4 failed"),
        "{}",
        show(&output)
    );
    assert_eq!(server.copies(), 1);
    assert_eq!(
        ws.states(),
        ["sent"],
        "the dropped attempt never reached its end"
    );
}

#[test]
fn an_attempt_in_doubt_is_settled_by_a_person_and_then_sent_or_not_as_they_found() {
    // Sent after all: settling it so makes it count, and nothing more goes out.
    let server = FaultServer::start("drop-after-data", Some(1), 0.0);
    let ws = workspace(&server, FAST);
    assert_eq!(send(&ws, "first").status.code(), Some(5));
    let settled = settle(&ws, "--sent");
    assert_eq!(settled.status.code(), Some(0), "{}", show(&settled));
    let plan = ws.herald(&["plan", "release.toml", "--today", RELEASE_DAY], &[]);
    let plan_text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan_text.contains("SENT ") && plan_text.contains("settled by test"),
        "{}",
        show(&plan)
    );
    let again = send(&ws, "after settling as sent");
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already-sent"));
    assert_eq!(server.copies(), 1);

    // Nothing to settle is an error, not a silent success.
    let nothing = settle(&ws, "--not-sent");
    assert_eq!(nothing.status.code(), Some(2), "{}", show(&nothing));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("nothing to settle"));
}

#[test]
fn killed_at_any_point_a_rerun_never_makes_a_second_copy() {
    const TRIALS: usize = 30;
    let signals = [signal::KILL, signal::INT, signal::TERM];
    // Deterministic, so that a failing trial can be repeated.
    let mut random = genfixture::Rng::new(0x4845_5241_4c44);
    let (mut delivered_by_rerun, mut needed_a_person, mut done_before_kill) = (0, 0, 0);
    for trial in 0..TRIALS {
        // The server greets after 300 ms and answers the data 300 ms after it stored
        // it: a kill lands before anything was sent, in the dialogue, in the window
        // where the list has the message and herald does not know, or after the end.
        let server = FaultServer::start_greeting_after("reply-late", None, 0.3, 0.3);
        let ws = workspace(
            &server,
            "timeout_seconds = 5\nattempt_deadline_seconds = 20",
        );
        let signal = signals[trial % signals.len()];
        let wait = Duration::from_millis(random.next_u64() % 800);
        let child = spawn_send(&ws, &[]);
        std::thread::sleep(wait);
        signal::send(child.id(), signal);
        let killed = finish(child, "killed send");
        if killed.status.code() == Some(0) {
            done_before_kill += 1;
        }
        let left_in_doubt = ws.states().iter().any(|s| s == "in-doubt");

        let rerun = send(&ws, "rerun");
        let rerun_text = String::from_utf8_lossy(&rerun.stderr).to_string();
        let what = format!(
            "trial {trial}: signal {signal} after {wait:?}; journal {:?}; rerun {}",
            ws.states(),
            show(&rerun)
        );
        match rerun.status.code() {
            Some(0) => {
                assert!(!left_in_doubt, "{what}: an attempt in doubt was sent again");
                delivered_by_rerun += 1
            }
            Some(1) if rerun_text.contains("in-doubt") => {
                assert!(
                    left_in_doubt,
                    "{what}: only a journaled attempt is in doubt"
                );
                // A person looks in the archive (here: the server's store) and settles.
                needed_a_person += 1;
                let found = if server.copies() == 1 {
                    "--sent"
                } else {
                    "--not-sent"
                };
                assert_eq!(settle(&ws, found).status.code(), Some(0), "{what}");
                let after = send(&ws, "after settling");
                let expected = if found == "--sent" { 1 } else { 0 };
                assert_eq!(
                    after.status.code(),
                    Some(expected),
                    "{what}\n{}",
                    show(&after)
                );
            }
            Some(1) if rerun_text.contains("already-sent") => {}
            other => panic!("{what}: unexpected exit {other:?}"),
        }
        assert_eq!(server.copies(), 1, "{what}: exactly one copy in the end");
        assert!(
            ws.states().iter().filter(|s| *s == "sent").count() == 1,
            "{what}: one sent record"
        );
    }
    eprintln!(
        "kill trials: {TRIALS}; finished before the kill: {done_before_kill}; delivered by the plain rerun: {delivered_by_rerun}; in doubt, settled by a person: {needed_a_person}; copies per trial: 1"
    );
}

#[test]
fn a_message_the_server_accepted_is_journaled_before_quit() {
    // The server never answers QUIT: herald waits there, and the journal must
    // already hold the message as sent when the process is killed.
    let server = FaultServer::start("quit-hang", None, 0.0);
    let ws = workspace(
        &server,
        "timeout_seconds = 30\nattempt_deadline_seconds = 60",
    );
    let child = spawn_send(&ws, &[]);
    let start = Instant::now();
    while !server.quit_seen() {
        assert!(start.elapsed() < Duration::from_secs(20), "no QUIT came");
        std::thread::sleep(Duration::from_millis(2));
    }
    // QUIT goes only once the journal holds the answer.
    signal::send(child.id(), signal::KILL);
    assert_eq!(ws.states(), ["sent"]);
    finish(child, "killed while waiting for QUIT");
    let rerun = send(&ws, "rerun");
    assert_eq!(rerun.status.code(), Some(1), "{}", show(&rerun));
    assert!(String::from_utf8_lossy(&rerun.stderr).contains("already-sent"));
    assert_eq!(server.copies(), 1);
}

#[test]
fn a_release_reached_through_a_link_shares_its_journal() {
    let server = FaultServer::start("ok", None, 0.0);
    let ws = workspace(&server, FAST);
    assert_eq!(send(&ws, "first").status.code(), Some(0));
    std::fs::create_dir(ws.path("elsewhere")).unwrap();
    std::os::unix::fs::symlink(ws.path("release.toml"), ws.path("elsewhere/rel.toml")).unwrap();
    let via_link = ws
        .command(&[
            "send",
            "elsewhere/rel.toml",
            "--message",
            "announcement",
            "--today",
            RELEASE_DAY,
            "--yes",
        ])
        .output()
        .unwrap();
    assert_eq!(via_link.status.code(), Some(1), "{}", show(&via_link));
    assert!(String::from_utf8_lossy(&via_link.stderr).contains("already-sent"));
    assert!(!ws.path("elsewhere/rel.toml.journal.json").exists());
    assert_eq!(server.copies(), 1);
}

#[test]
fn two_sends_at_once_deliver_once() {
    for round in 0..5 {
        let server = FaultServer::start("reply-late", None, 0.3);
        let ws = workspace(&server, "timeout_seconds = 5");
        let first = spawn_send(&ws, &[]);
        let second = spawn_send(&ws, &[]);
        let outputs = [finish(first, "first"), finish(second, "second")];
        let codes: Vec<Option<i32>> = outputs.iter().map(|o| o.status.code()).collect();
        assert!(
            codes.contains(&Some(0)) && codes.contains(&Some(1)),
            "round {round}: one sends, the other is refused: {}\n{}",
            show(&outputs[0]),
            show(&outputs[1])
        );
        let refused = outputs.iter().find(|o| o.status.code() == Some(1)).unwrap();
        let why = format!(
            "{}{}",
            String::from_utf8_lossy(&refused.stdout),
            String::from_utf8_lossy(&refused.stderr)
        );
        assert!(
            why.contains("another herald send of this release is running")
                || why.contains("already-sent"),
            "{why}"
        );
        assert_eq!(server.copies(), 1, "round {round}");
    }
}

#[test]
fn out_of_range_smtp_settings_are_refused_where_they_stand() {
    let server = FaultServer::start("ok", None, 0.0);
    for (setting, expected) in [
        ("attempts = 4294967295", "from 1 to 10"),
        ("attempts = 0", "from 1 to 10"),
        ("timeout_seconds = 0", "from 1 to 600"),
        ("timeout_seconds = 100000", "from 1 to 600"),
        ("attempt_deadline_seconds = -1", "from 1 to 3600"),
        ("backoff_ms = 86400000", "from 0 to 60000"),
    ] {
        let ws = Workspace::new();
        std::fs::write(
            ws.path("herald.toml"),
            format!(
                "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n{setting}\n\n[mail]\nfrom = \"r@example.org\"\n\n[recipients.announcement]\nto = [\"l@example.org\"]\n",
                server.port()
            ),
        )
        .unwrap();
        let output = send(&ws, setting);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{setting}: {}",
            show(&output)
        );
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            err.contains("herald.toml:5:") && err.contains(expected),
            "{setting}: {err}"
        );
    }
    assert_eq!(server.copies(), 0);
}

#[test]
fn a_journal_that_cannot_be_understood_or_reached_stops_the_send_before_connecting() {
    let server = FaultServer::start("ok", None, 0.0);
    let journal = "release.toml.journal.json";

    // A hand-edited kind.
    let ws = workspace(&server, FAST);
    std::fs::write(
        ws.path(journal),
        r#"{"entries":[{"kind":"Announcement","message_id":"<a@b>","content_hash":"h","subject":"s","to":[],"bcc":[]}]}"#,
    )
    .unwrap();
    let output = send(&ws, "unknown kind");
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("unknown variant `Announcement`") && err.contains("line 1 column"),
        "{err}"
    );

    // A link, to nothing or to a file: herald never writes through a link.
    for target in ["moved/journal.json", "herald.toml"] {
        let ws = workspace(&server, FAST);
        std::os::unix::fs::symlink(ws.path(target), ws.path(journal)).unwrap();
        let before = std::fs::read(ws.path("herald.toml")).unwrap();
        let output = send(&ws, target);
        assert_eq!(output.status.code(), Some(2), "{}", show(&output));
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("send journal is a symbolic link"), "{err}");
        assert_eq!(std::fs::read(ws.path("herald.toml")).unwrap(), before);
        assert!(!ws.path("moved").exists());
    }

    // The lock file a link, to nothing or to a file: neither is created nor written.
    for target in ["gone.txt", "herald.toml"] {
        let ws = workspace(&server, FAST);
        std::os::unix::fs::symlink(ws.path(target), ws.path(&format!("{journal}.lock"))).unwrap();
        let before = std::fs::read(ws.path("herald.toml")).unwrap();
        let output = send(&ws, target);
        assert_eq!(output.status.code(), Some(2), "{}", show(&output));
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("lock file is a symbolic link"), "{err}");
        assert_eq!(std::fs::read(ws.path("herald.toml")).unwrap(), before);
        assert!(!ws.path("gone.txt").exists());
    }

    assert_eq!(server.copies(), 0, "nothing reached the server");
}

#[test]
fn a_journal_in_a_read_only_directory_stops_the_send_before_connecting() {
    // Root ignores permission bits, and CI runs as root: see
    // `Workspace::unprivileged_command`.
    let server = FaultServer::start("ok", None, 0.0);
    let ws = workspace(&server, FAST);
    let read_only = ws.path("read-only");
    std::fs::create_dir(&read_only).unwrap();
    std::fs::copy(ws.path("release.toml"), read_only.join("release.toml")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path, bits: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits)).unwrap()
    };
    mode(&read_only, 0o555);
    mode(&read_only.join("release.toml"), 0o644);
    mode(&ws.path("herald.toml"), 0o644);
    let output = ws
        .unprivileged_command(&[
            "send",
            "read-only/release.toml",
            "--message",
            "announcement",
            "--today",
            RELEASE_DAY,
            "--yes",
        ])
        .output()
        .unwrap();
    mode(&read_only, 0o755);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("cannot write the send journal") && err.contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(server.copies(), 0, "nothing reached the server");
}

#[test]
fn interrupted_while_waiting_for_the_answer_it_says_the_attempt_is_in_doubt() {
    // The server stores the message at once and answers five seconds later.
    let server = FaultServer::start("reply-late", None, 5.0);
    let ws = workspace(
        &server,
        "timeout_seconds = 10\nattempt_deadline_seconds = 30",
    );
    let child = spawn_send(&ws, &[]);
    let start = Instant::now();
    while server.copies() == 0 && start.elapsed() < RUN_LIMIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    signal::send(child.id(), signal::INT);
    let output = finish(child, "interrupted send");
    assert_eq!(output.status.code(), Some(130), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("interrupted by SIGINT (Ctrl-C) while waiting for the server's answer")
            && err.contains("herald journal settle release.toml --message announcement --sent"),
        "{err}"
    );
    assert_eq!(ws.states(), ["in-doubt"]);
    assert_eq!(server.copies(), 1);
}

#[test]
fn interrupted_before_the_end_of_the_data_it_says_nothing_was_sent() {
    let server = FaultServer::start("never-greet", None, 0.0);
    let ws = workspace(
        &server,
        "timeout_seconds = 30\nattempt_deadline_seconds = 60",
    );
    let child = spawn_send(&ws, &[]);
    std::thread::sleep(Duration::from_secs(1));
    signal::send(child.id(), signal::TERM);
    let output = finish(child, "interrupted send");
    assert_eq!(output.status.code(), Some(143), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("interrupted by SIGTERM before the end of the message data went to the server: nothing was delivered"),
        "{err}"
    );
    assert!(ws.states().is_empty());
    assert_eq!(server.copies(), 0);
}

/// Signals through the `kill` command: no unsafe code in the tests.
mod signal {
    pub const KILL: &str = "KILL";
    pub const INT: &str = "INT";
    pub const TERM: &str = "TERM";

    pub fn send(pid: u32, signal: &str) {
        let _ = std::process::Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status();
    }
}
