//! Issue #22 end to end: each class of leak makes `herald send` refuse, and the real
//! SMTP server on loopback stores nothing; a gpg.conf that would add a comment, a
//! version line or a notation to the signature cannot put them on the wire.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{show, ServerOptions, SmtpServer, Workspace};

const PRE_ANNOUNCEMENT_DAY: &str = "2025-07-03";
const RELEASE_DAY: &str = "2025-07-08";

fn campaign(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/guard/campaign")
        .join(name)
}

/// A workspace holding the campaign's `release` file as release.toml, set up to send
/// to `server` from `from`.
fn workspace(server: &SmtpServer, release: &str, from: &str) -> Workspace {
    let ws = Workspace::new();
    std::fs::copy(campaign(release), ws.path("release.toml")).unwrap();
    std::fs::write(
        ws.path("herald.toml"),
        format!(
            "[smtp]\nhost = \"{}\"\nport = {}\ntls = \"none\"\ntest_server = true\ntimeout_seconds = 10\nbackoff_ms = 50\n\n\
             [mail]\nfrom = \"{}\"\n\n\
             [recipients.pre-announcement]\nto = [\"golang-announce@example.org\"]\n\n\
             [recipients.announcement]\nto = [\"golang-announce@example.org\"]\n",
            server.host(),
            server.port(),
            from.replace('"', "\\\"")
        ),
    )
    .unwrap();
    ws
}

/// A pre-announcement override whose body says `body`, with `subject_extra` in its
/// subject.
fn pre_announcement(subject_extra: &str, body: &str) -> String {
    format!(
        "Subject: [security] {{{{ versions_spoken }}}} pre-announcement {subject_extra}\n\n\
         {{{{ greeting }}}}\n\n\
         We plan to issue {{{{ versions_spoken }}}} on {{{{ release_day }}}}.\n\n\
         {body}\n\n\
         Thanks,\\\n{{{{ sign_off }}}}\n"
    )
}

/// One way a detail reaches the wire, and the message kind sent.
struct Case {
    class: &'static str,
    release: &'static str,
    from: &'static str,
    /// A line set in the release file's [project] table.
    field: Option<&'static str>,
    /// The override of the template of the message sent.
    template: Option<(&'static str, String)>,
    kind: &'static str,
    day: &'static str,
}

impl Case {
    fn new(class: &'static str) -> Case {
        Case {
            class,
            release: "release.toml",
            from: "Go release team <releases@example.org>",
            field: None,
            template: None,
            kind: "pre-announcement",
            day: PRE_ANNOUNCEMENT_DAY,
        }
    }

    fn body(mut self, body: &str) -> Case {
        self.template = Some(("pre-announcement.md", pre_announcement("", body)));
        self
    }
}

#[test]
fn every_class_of_leak_is_refused_and_the_server_stores_nothing() {
    let server = SmtpServer::start(ServerOptions::new());
    let cases = [
        Case {
            field: Some("toolchain = \"the go command\""),
            ..Case::new("release-field")
        },
        Case {
            from: "Go release team for Juergen Mueller <releases@example.org>",
            ..Case::new("config-name")
        },
        Case {
            template: Some((
                "pre-announcement.md",
                pre_announcement("", "A fix for {{ \"excess\" }} header frames."),
            )),
            ..Case::new("template-override")
        },
        Case::new("package").body("The regexp package is fixed."),
        Case::new("title").body("It is about the chunked reader."),
        Case::new("description").body("Programs that call LookPath are affected."),
        Case {
            release: "module.toml",
            day: "2025-07-07",
            ..Case::new("module-path").body("If you run a crypto/ssh server, update.")
        },
        Case::new("thanks-handle").body("Thanks to kenzo_h."),
        Case::new("transliteration").body("Thanks to Juergen Mueller."),
        Case::new("track-label").body("These are private disclosure track fixes."),
        Case {
            template: Some((
                "pre-announcement.md",
                pre_announcement("=?ibm037?q?=C3=E5=C5=60=F2=F0=F2=F5?=", "Nothing else."),
            )),
            ..Case::new("charset")
        },
        Case {
            template: Some((
                "announcement.md",
                "Subject: [security] {{ versions_spoken }} =?IBM500?B?w+XFYPLw8vU=?=\n\n{{ greeting }}\n\nReleased.\n"
                    .to_string(),
            )),
            kind: "announcement",
            day: RELEASE_DAY,
            ..Case::new("charset")
        },
    ];
    for case in &cases {
        let ws = workspace(&server, case.release, case.from);
        if let Some(line) = case.field {
            let text = std::fs::read_to_string(ws.path("release.toml")).unwrap();
            let text = text.replacen("[project]\n", &format!("[project]\n{line}\n"), 1);
            std::fs::write(ws.path("release.toml"), text).unwrap();
        }
        let mut flags = vec!["--yes"];
        if let Some((name, text)) = &case.template {
            std::fs::create_dir(ws.path("templates")).unwrap();
            std::fs::write(ws.path("templates").join(name), text).unwrap();
            flags.extend(["--templates", "templates"]);
        }
        let output = ws.run_send(case.kind, case.day, &flags, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {}",
            case.class,
            show(&output)
        );
        assert!(
            stderr.contains("violation [embargo]"),
            "{}: {}",
            case.class,
            show(&output)
        );
        assert!(ws.journal().is_empty(), "{}", case.class);
        assert!(
            server.received().is_empty(),
            "{}: the server stored a message",
            case.class
        );
    }
}

/// A GNUPGHOME with one signing key and `conf` as its gpg.conf.
fn gpg_home(conf: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new("gpg")
        .args(["--batch", "--passphrase", "", "--quick-gen-key"])
        .args([
            "Herald Test <signer@example.org>",
            "ed25519",
            "sign",
            "never",
        ])
        .env("GNUPGHOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("gpg runs (apt-get install gnupg)");
    assert!(output.status.success(), "{}", show(&output));
    std::fs::write(home.path().join("gpg.conf"), conf).unwrap();
    home
}

fn signed_send(ws: &Workspace, home: &Path, mode: &str) -> Output {
    let config = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
    std::fs::write(
        ws.path("herald.toml"),
        format!("{config}\n[signing]\nkey = \"signer@example.org\"\nmode = \"{mode}\"\n"),
    )
    .unwrap();
    let mut command = ws.command(&[
        "send",
        "release.toml",
        "--message",
        "pre-announcement",
        "--today",
        PRE_ANNOUNCEMENT_DAY,
        "--yes",
    ]);
    command
        .env("GNUPGHOME", home)
        .env_remove("GPG_TTY")
        .env_remove("DISPLAY");
    command.output().unwrap()
}

/// gpg.conf's `comment` and `emit-version` never reach the armor, in either mode:
/// the message goes out without them.
#[test]
fn a_gpg_conf_comment_or_version_never_reaches_the_wire() {
    let server = SmtpServer::start(ServerOptions::new());
    let home = gpg_home("comment CVE-2025-61802 is issue 75124\nemit-version\n");
    for (n, mode) in ["pgp-mime", "inline"].into_iter().enumerate() {
        let ws = workspace(
            &server,
            "release.toml",
            "Go release team <releases@example.org>",
        );
        let output = signed_send(&ws, home.path(), mode);
        assert_eq!(output.status.code(), Some(0), "{mode}: {}", show(&output));
        let received = server.received();
        assert_eq!(received.len(), n + 1);
        let raw = received[n].raw_str();
        assert!(raw.contains("-----BEGIN PGP SIGNATURE-----"), "{raw}");
        let armor_lines = raw
            .lines()
            .any(|l| l.starts_with("Comment:") || l.starts_with("Version:"));
        assert!(!armor_lines, "{mode}: an armor header on the wire:\n{raw}");
        for absent in ["61802", "75124"] {
            assert!(
                !raw.contains(absent),
                "{mode}: {absent} on the wire:\n{raw}"
            );
        }
    }
}

/// A notation or policy URL from gpg.conf would show on every verify: the signature is
/// refused, and nothing is sent.
#[test]
fn a_gpg_conf_notation_or_policy_url_is_refused_and_nothing_is_sent() {
    let server = SmtpServer::start(ServerOptions::new());
    for conf in [
        "sig-notation leak@example.org=CVE-2025-61802\n",
        "sig-policy-url https://example.org/issue/75124\n",
        "sig-keyserver-url https://keys.example.org/75124\n",
    ] {
        let home = gpg_home(conf);
        for mode in ["pgp-mime", "inline"] {
            let ws = workspace(
                &server,
                "release.toml",
                "Go release team <releases@example.org>",
            );
            let output = signed_send(&ws, home.path(), mode);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{conf} {mode}: {}",
                show(&output)
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("gpg.conf"),
                "{conf} {mode}: {}",
                show(&output)
            );
            assert!(server.received().is_empty(), "{conf} {mode}");
            assert!(ws.journal().is_empty());
        }
    }
}
