//! `herald render` end to end: the drafts it prints, the drafts it writes with
//! `--out`, and the context it dumps.

use std::path::Path;
use std::process::{Command, Output};

use mail_parser::MimeHeaders;

use crate::support::{herald, stderr, stdout};

#[test]
fn render_writes_eml_txt_html_and_a_preview_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let output = herald(&[
        "render",
        "fixtures/go1.16.1.toml",
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2021-03-05",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["messages"].as_array().unwrap().len(), 2);
    for kind in ["pre-announcement", "announcement"] {
        for ext in ["eml", "txt", "html"] {
            assert!(out.join(format!("{kind}.{ext}")).exists(), "{kind}.{ext}");
        }
    }
    assert!(out.join("index.html").exists());
    let raw = std::fs::read(out.join("announcement.eml")).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.subject(),
        Some("[security] Go 1.16.1 and Go 1.15.9 are released")
    );
    assert!(message
        .message_id()
        .unwrap()
        .starts_with("herald.announcement."));
    assert!(message.date().is_some());
    assert_eq!(
        message.from().unwrap().first().unwrap().address(),
        Some("releases@example.invalid")
    );
    let content_type = message.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    let text = message.body_text(0).unwrap();
    assert!(
        text.contains("This is CVE-2021-27918 and Go issue https://go.dev/issue/44913."),
        "{text}"
    );
    let html = message.body_html(0).unwrap();
    assert!(
        html.contains("<a href=\"https://go.dev/security/policy\">security policy</a>"),
        "{html}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("announcement.txt")).unwrap(),
        text.replace("\r\n", "\n")
    );
}

#[test]
fn render_without_out_prints_the_text_parts() {
    let output = herald(&[
        "render",
        "fixtures/public-only.toml",
        "--today",
        "2020-01-28",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("==> announcement <=="));
    assert!(!text.contains("==> pre-announcement <=="));
}

#[test]
fn render_to_a_file_holds_the_drafts_alone() {
    let output = herald(&["render", "fixtures/go1.16.1.toml", "--today", "2021-03-05"]);
    assert_eq!(output.status.code(), Some(0));
    let data = stdout(&output);
    assert!(data.starts_with("==> pre-announcement <=="), "{data}");
    assert!(!data.contains("note ["), "{data}");
    assert!(!data.contains("clean;"), "{data}");
    let diagnostics = stderr(&output);
    assert!(
        diagnostics.contains("note [not-sendable-today]"),
        "{diagnostics}"
    );
    assert!(
        diagnostics.ends_with(
            "fixtures/go1.16.1.toml: clean; the notes above do not change the exit code\n"
        ),
        "{diagnostics}"
    );
    for command in ["plan", "history"] {
        let output = herald(&[command, "fixtures/go1.16.1.toml", "--today", "2021-03-05"]);
        assert!(!stdout(&output).contains("note ["), "{command}");
    }
}

#[test]
fn a_leaking_pre_announcement_is_never_written_as_sendable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let templates = "tests/guard/leaks/text-cve-lower";
    let output = herald(&[
        "render",
        "tests/guard/release.toml",
        "--templates",
        templates,
        "--today",
        "2021-03-05",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let pre = json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "pre-announcement")
        .unwrap();
    assert_eq!(pre["sendable"], false);
    assert_eq!(pre["leaks"][0]["kind"], "cve");
    assert!(
        !out.join("pre-announcement.eml").exists(),
        "a blocked message must not be written as sendable"
    );
    assert!(
        out.join("pre-announcement.txt").exists(),
        "the preview shows the leak"
    );
    assert!(out.join("announcement.eml").exists());
    assert!(std::fs::read_to_string(out.join("index.html"))
        .unwrap()
        .contains("BLOCKED"));

    let check = herald(&[
        "check",
        "tests/guard/release.toml",
        "--templates",
        templates,
        "--today",
        "2021-03-05",
    ]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check)
            .contains("violation [embargo]: the pre-announcement leaks an embargoed detail"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn render_context_dumps_what_every_template_sees_as_one_json_document() {
    let output = herald(&[
        "render",
        "fixtures/go1.16.1.toml",
        "--context",
        "--today",
        "2021-03-05",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let messages = json["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["template"], "pre-announcement.md");
    assert_eq!(messages[1]["template"], "announcement.md");
    assert_eq!(
        messages[1]["context"]["versions_spoken"],
        "Go 1.16.1 and Go 1.15.9"
    );
    assert_eq!(
        messages[1]["context"]["security"][0]["cves"][0],
        "CVE-2021-27918"
    );
    assert_eq!(
        messages[0]["context"]["security"],
        serde_json::json!([]),
        "the pre-announcement's template gets no issue details"
    );
    let history = json["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["tag"], "go1.16.1");
}

#[test]
fn render_out_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let out_arg = out.to_str().unwrap();
    let render = |today: &str| {
        herald(&[
            "render",
            "fixtures/go1.16.1.toml",
            "--today",
            today,
            "--out",
            out_arg,
        ])
    };
    let first = render("2021-03-05");
    assert_eq!(first.status.code(), Some(0));
    let listing = |out: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let bytes = std::fs::read(&path).unwrap_or_default();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    bytes,
                )
            })
            .collect();
        files.sort();
        files
    };
    // A directory where a draft must go: the render stops, and nothing changes.
    std::fs::remove_file(out.join("announcement.eml")).unwrap();
    std::fs::create_dir(out.join("announcement.eml")).unwrap();
    let before = listing(&out);
    let second = render("2021-03-10");
    assert_eq!(second.status.code(), Some(2), "{}", stdout(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("announcement.eml: exists and is not a regular file"),
        "{err}"
    );
    assert_eq!(listing(&out), before, "the output directory is as it was");
}

/// `herald render --out OUT` of the sample release on its pre-announcement day.
fn render_sample_into(out: &Path) -> Output {
    herald(&[
        "render",
        "fixtures/go1.16.1.toml",
        "--today",
        "2021-03-05",
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn render_out_never_reads_a_fifo_left_where_a_draft_was() {
    for name in ["render.json", "announcement.txt"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("drafts");
        let render = || render_sample_into(&out);
        assert_eq!(render().status.code(), Some(0));
        std::fs::remove_file(out.join(name)).unwrap();
        let fifo = Command::new("mkfifo").arg(out.join(name)).status().unwrap();
        assert!(fifo.success());
        // Reading the FIFO would block for ever; the render stops at once instead.
        let output = render();
        assert_eq!(output.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("is not a regular file"), "{name}: {err}");
    }
}

#[test]
fn render_out_to_a_file_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("drafts");
    std::fs::write(&file, "not a directory\n").unwrap();
    let output = herald(&[
        "render",
        "fixtures/go1.16.1.toml",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("exists and is not a directory"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn render_out_leaves_a_draft_that_did_not_change_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let render = || render_sample_into(&out);
    assert_eq!(render().status.code(), Some(0));
    let text = out.join("announcement.txt");
    let long_ago =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    let file = std::fs::File::options().write(true).open(&text).unwrap();
    file.set_modified(long_ago).unwrap();
    drop(file);
    let bytes = std::fs::read(&text).unwrap();
    assert_eq!(render().status.code(), Some(0));
    assert_eq!(std::fs::read(&text).unwrap(), bytes);
    let modified = std::fs::metadata(&text).unwrap().modified().unwrap();
    assert_eq!(modified, long_ago, "an unchanged draft is not rewritten");
    // A draft whose bytes differ is replaced, and no temporary file stays behind.
    std::fs::write(&text, "edited by hand\n").unwrap();
    assert_eq!(render().status.code(), Some(0));
    assert_eq!(std::fs::read(&text).unwrap(), bytes);
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}
