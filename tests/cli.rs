//! The command line end to end: exit codes, error positions, JSON output, drafts.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use mail_parser::MimeHeaders;
use support::{herald, stderr, stdout};

#[test]
fn a_character_reference_to_a_control_character_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let sample = include_str!("../fixtures/go1.16.1.toml");
    for reference in ["&#27;[31m", "&#x9b;", "&#13;", "&#8232;", "&#127;"] {
        let release = dir.path().join("release.toml");
        let text = sample.replacen(
            "description = \"\"\"",
            &format!("description = \"\"\"Look {reference} here. "),
            1,
        );
        assert_ne!(text, sample);
        std::fs::write(&release, text).unwrap();
        let out = dir.path().join("drafts");
        let output = herald(&[
            "render",
            release.to_str().unwrap(),
            "--today",
            "2021-03-10",
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{reference}: {err}");
        // At the reference in the release file: line and column of its `&`.
        let line = sample
            .lines()
            .position(|l| l.starts_with("description = \"\"\""))
            .unwrap()
            + 1;
        let at = format!("{}:{line}:23: this character reference", release.display());
        assert!(err.contains(&at), "{reference}: {err}");
        assert!(!out.exists(), "{reference}: drafts were written");
    }
}

#[test]
fn a_release_file_with_a_byte_order_mark_reads_as_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "\u{feff}x = = 1\n").unwrap();
    let output = herald(&["check", bad.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    // Column 5 is the second `=`: the mark is not a column.
    assert!(err.starts_with(&format!("{}:1:5:", bad.display())), "{err}");
    assert!(!err.contains('\u{feff}'), "{err:?}");

    let sample = include_str!("../fixtures/go1.16.1.toml");
    let marked = dir.path().join("marked.toml");
    std::fs::write(&marked, format!("\u{feff}{sample}")).unwrap();
    let render = |path: &Path| {
        let output = herald(&["render", path.to_str().unwrap(), "--today", "2021-03-10"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    let with_mark = render(&marked);
    assert!(!with_mark.contains('\u{feff}'));
    assert_eq!(with_mark, render(Path::new("fixtures/go1.16.1.toml")));
}

#[test]
fn every_invalid_input_exits_2_naming_file_line_column_and_what_was_expected() {
    let cases = [
        ("bad-cve", "22:8", "expected a CVE id like \"CVE-2021-27918\""),
        ("bad-date", "14:8", "expected an unquoted TOML local date like 2021-03-10, found the string \"March 10, 2021\""),
        ("bad-version", "13:12", "expected a version like \"1.16.1\""),
        ("date-with-time", "16:20", "found 2021-03-05T09:00:00"),
        ("empty-packages", "34:12", "must name at least one affected package"),
        ("empty-versions", "13:12", "release.versions must name at least one version"),
        ("issue-url-without-id", "8:13", "must contain {id}"),
        ("missing-title", "32:1", "missing field `title`"),
        ("syntax-error", "37:40", "invalid basic string"),
        ("unknown-key", "30:1", "unknown field `credits`, expected one of"),
        ("unknown-kind", "15:8", "unknown variant `patch`, expected `minor` or `security`"),
        ("unknown-track", "20:9", "unknown variant `secret`, expected one of `public`, `private`, `urgent`"),
        ("version-not-in-release", "42:13", "ships in 1.16.2, which is not one of release.versions"),
        ("version-order", "13:23", "must list the newest line first"),
        ("too-many-versions", "13:12", "release.versions names 51 versions; a release announces at most 50"),
        ("wrong-type", "23:9", "expected a positive issue number or a non-empty list of them (issue = 63713 or issue = [63713, 64028]), found \"44913\""),
        ("line-break-in-name", "3:8", "expected a single line of text, found a line break"),
        ("zero-issue", "23:9", "expected a positive issue number or a non-empty list of them (issue = 63713 or issue = [63713, 64028]), found 0"),
    ];
    let on_disk = std::fs::read_dir("fixtures/invalid").unwrap().count();
    assert_eq!(
        on_disk,
        cases.len(),
        "every invalid fixture has a case here"
    );
    for (name, position, expected) in cases {
        let file = format!("fixtures/invalid/{name}.toml");
        for command in ["check", "plan", "render", "history"] {
            let output = herald(&[command, &file, "--today", "2021-03-05"]);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command} {file}:\n{}",
                stderr(&output)
            );
            assert!(
                stdout(&output).is_empty(),
                "{command} {file}: data on stdout:\n{}",
                stdout(&output)
            );
            let text = stderr(&output);
            assert!(
                text.contains(&format!("{file}:{position}: error")),
                "{command} {file}: no {position} in\n{text}"
            );
            assert!(
                text.contains(expected),
                "{command} {file}: no {expected:?} in\n{text}"
            );
            assert!(
                !text.contains("Subject:"),
                "{command} {file} rendered something:\n{text}"
            );
        }
    }
}

#[test]
fn every_policy_violation_exits_1_with_its_rule() {
    let cases = [
        (
            "bug-fix-in-security-release",
            "bug-fix-in-security-release",
            "44:1",
        ),
        ("duplicate-cve", "duplicate-cve", "35:8"),
        ("empty-cves", "missing-cve", "35:8"),
        ("missing-cve", "missing-cve", "32:1"),
        (
            "missing-pre-announcement",
            "missing-pre-announcement",
            "14:8",
        ),
        (
            "needless-pre-announcement",
            "needless-pre-announcement",
            "16:20",
        ),
        (
            "override-without-reason",
            "override-without-reason",
            "31:18",
        ),
        (
            "pre-announcement-too-early",
            "pre-announcement-window",
            "16:20",
        ),
        (
            "pre-announcement-too-late",
            "pre-announcement-window",
            "16:20",
        ),
        (
            "private-in-security-release",
            "private-in-security-release",
            "33:9",
        ),
        ("urgent-in-minor-release", "urgent-in-minor-release", "20:9"),
    ];
    let on_disk = std::fs::read_dir("fixtures/violations").unwrap().count();
    assert_eq!(
        on_disk,
        cases.len(),
        "every violation fixture has a case here"
    );
    for (name, rule, position) in cases {
        let file = format!("fixtures/violations/{name}.toml");
        let output = herald(&["check", &file, "--today", "2021-03-05"]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{file}:\n{text}");
        assert!(
            text.contains(&format!("{file}:{position}: violation [{rule}]")),
            "{file}:\n{text}"
        );
    }
    let late = herald(&[
        "check",
        "fixtures/violations/pre-announcement-too-late.toml",
        "--today",
        "2021-03-05",
    ]);
    assert!(stderr(&late).contains("the pre-announcement on 2021-03-08 is 2 days before the release on 2021-03-10; the policy asks for 3 to 7 days before, from 2021-03-03 to 2021-03-07"));
    let early = herald(&[
        "check",
        "fixtures/violations/pre-announcement-too-early.toml",
        "--today",
        "2021-03-05",
    ]);
    assert!(stderr(&early).contains("is 9 days before the release"));
}

#[test]
fn sample_fixtures_check_clean_on_any_day_with_timing_as_notes() {
    for file in [
        "fixtures/go1.16.1.toml",
        "fixtures/toolchain.toml",
        "fixtures/both.toml",
        "fixtures/public-only.toml",
        "fixtures/no-security.toml",
        "fixtures/urgent.toml",
        "fixtures/single-version.toml",
    ] {
        for today in ["2019-01-01", "2021-03-05", "2030-01-01"] {
            let output = herald(&["check", file, "--today", today]);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{file} on {today}:\n{}",
                stderr(&output)
            );
            assert!(stdout(&output).is_empty(), "check prints no data");
        }
    }
    let early = herald(&["check", "fixtures/go1.16.1.toml", "--today", "2021-03-05"]);
    assert!(stderr(&early).contains("note [not-sendable-today]: not sendable today: the announcement may go out on the release day, 2021-03-10, or later; today is 2021-03-05"));
}

#[test]
fn today_comes_from_the_environment_too() {
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["plan", "fixtures/go1.16.1.toml"])
        .env("HERALD_TODAY", "2021-03-04")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        stdout(&output).contains("(today is 2021-03-04)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn plan_shows_the_timeline_and_flags_a_late_pre_announcement() {
    let output = herald(&["plan", "fixtures/go1.16.1.toml", "--today", "2021-03-04"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("2021-03-05  pre-announcement  required"),
        "{text}"
    );
    assert!(
        text.contains("may go out 2021-03-03 to 2021-03-07; tracks: private"),
        "{text}"
    );
    assert!(
        text.contains("2021-03-10  announcement      required"),
        "{text}"
    );

    let late = herald(&[
        "plan",
        "fixtures/violations/pre-announcement-too-late.toml",
        "--today",
        "2021-03-04",
    ]);
    assert_eq!(late.status.code(), Some(1));
    assert!(
        stdout(&late).contains("LATE: after its window"),
        "{}",
        stdout(&late)
    );

    let public = herald(&["plan", "fixtures/public-only.toml", "--today", "2020-01-01"]);
    assert!(
        !stdout(&public).contains("pre-announcement"),
        "{}",
        stdout(&public)
    );

    let urgent = herald(&["plan", "fixtures/urgent.toml", "--today", "2020-11-10"]);
    let text = stdout(&urgent);
    assert!(text.contains("dedicated security release"), "{text}");
    assert!(text.contains("pre-announcement  optional"), "{text}");
    assert!(text.contains("security-release.md"), "{text}");
    assert!(text.contains("track override: issue"), "{text}");
}

#[test]
fn json_output_is_one_document_with_status_findings_and_body() {
    let output = herald(&[
        "check",
        "fixtures/violations/missing-cve.toml",
        "--format",
        "json",
        "--today",
        "2021-03-05",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["status"], "violations");
    assert_eq!(json["exit_code"], 1);
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "missing-cve")
        .unwrap();
    assert_eq!(finding["severity"], "violation");
    assert_eq!(finding["location"]["line"], 32);

    let output = herald(&["check", "fixtures/invalid/bad-cve.toml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["status"], "unusable");
    assert_eq!(json["findings"][0]["location"]["column"], 8);

    let output = herald(&[
        "plan",
        "fixtures/go1.16.1.toml",
        "--format",
        "json",
        "--today",
        "2021-03-05",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["messages"][0]["kind"], "pre-announcement");
    assert_eq!(json["messages"][0]["window"]["earliest"], "2021-03-03");
    assert_eq!(json["messages"][1]["template"], "announcement.md");

    let output = herald(&["history", "fixtures/go1.16.1.toml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["lines"][1]["version"], "1.15.9");
}

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
fn template_overrides_apply_by_file_name_and_typos_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("announcement.md"),
        "Subject: Custom {{ versions_spoken }}\n\nHi, {{ sign_off }}.\n",
    )
    .unwrap();
    let output = herald(&[
        "render",
        "fixtures/no-security.toml",
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        stdout(&output).contains("Subject: Custom Go 1.16.2 and Go 1.15.10"),
        "{}",
        stdout(&output)
    );

    std::fs::write(dir.path().join("anouncement.md"), "Subject: x\n\ny\n").unwrap();
    let output = herald(&[
        "render",
        "fixtures/no-security.toml",
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("anouncement.md: not a template herald knows"),
        "{err}"
    );

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(
        bad.path().join("announcement.md"),
        "Hello\n\nno subject line\n",
    )
    .unwrap();
    let output = herald(&[
        "render",
        "fixtures/no-security.toml",
        "--templates",
        bad.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    let at = format!("{}:1:1", bad.path().join("announcement.md").display());
    assert!(
        err.contains(&format!(
            "{at}: the first line must be \"Subject: ...\" followed by one blank line"
        )),
        "{err}"
    );
}

#[test]
fn a_missing_release_file_is_a_clear_error() {
    let output = herald(&["check", "fixtures/does-not-exist.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("fixtures/does-not-exist.toml: cannot read the file"),
        "{err}"
    );
    assert!(Path::new("fixtures").exists());
}

#[test]
fn import_osv_requires_a_track_and_appends_entries_that_check_clean() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release.toml");
    std::fs::copy("fixtures/osv/release.toml", &release).unwrap();
    let before = std::fs::read_to_string(&release).unwrap();
    let release = release.to_str().unwrap();

    let no_track = herald(&["import-osv", release, "fixtures/osv/GO-2023-1705.json"]);
    assert_eq!(no_track.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_track.stderr).contains("--track <TRACK>"));
    assert_eq!(
        std::fs::read_to_string(release).unwrap(),
        before,
        "nothing is written without a track"
    );

    let output = herald(&[
        "import-osv",
        release,
        "fixtures/osv/GO-2023-1705.json",
        "--track",
        "public",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["imported"][0]["cves"][0], "CVE-2023-24536");
    assert_eq!(json["written"], true);
    let after = std::fs::read_to_string(release).unwrap();
    assert!(
        after.starts_with(&before),
        "the original text is kept as it was"
    );
    assert_eq!(herald(&["check", release]).status.code(), Some(0));

    let again = herald(&[
        "import-osv",
        release,
        "fixtures/osv/GO-2023-1705.json",
        "--track",
        "public",
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already in the release file"));
    assert_eq!(std::fs::read_to_string(release).unwrap(), after);
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
fn a_template_cannot_read_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("announcement.md"),
        "Subject: {{ get_env(name=\"HERALD_SMTP_PASSWORD\") }}\n\nbody\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/no-security.toml", "--templates"])
        .arg(dir.path())
        .env("HERALD_SMTP_PASSWORD", "top-secret-value")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let all = format!(
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains("top-secret-value"), "{all}");
    // The override's own path, line and column.
    let at = format!("{}:1:13", dir.path().join("announcement.md").display());
    assert!(all.contains("Unknown function `get_env`"), "{all}");
    assert!(all.contains(&at), "{all}");
}

#[test]
fn an_error_in_a_long_template_line_shows_a_window_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a".repeat(1 << 20);
    for (call, what) in [
        ("{{ get_env(name=\"X\") }}", "Unknown function `get_env`"),
        (
            "{{ x | no_such_filter }}",
            "Unknown filter `no_such_filter`",
        ),
        ("{% include \"nothere.md\" %}", "nothere.md"),
        ("{% if %}", "expected"),
    ] {
        std::fs::write(
            dir.path().join("announcement.md"),
            format!("Subject: x\n\n{long}{call}\n"),
        )
        .unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(["render", "fixtures/no-security.toml", "--templates"])
            .arg(dir.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{call}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains(what), "{call}: {err}");
        let at = format!("{}:3:", dir.path().join("announcement.md").display());
        assert!(err.contains(&at), "{call}: {err}");
        assert!(err.len() < 2_000, "{call}: {} bytes of error", err.len());
    }
}

#[test]
fn a_template_that_writes_without_end_stops_at_the_output_limit() {
    // 10^10 iterations of 40 bytes: 400 GB if nothing stopped it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("announcement.md"),
        "Subject: x\n\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}\
         0123456789012345678901234567890123456789{% endfor %}{% endfor %}\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/no-security.toml", "--templates"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let path = dir.path().join("announcement.md");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("would pass the limit of"), "{err}");
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
}

#[test]
fn with_json_asked_for_an_argument_error_is_still_one_json_document() {
    for args in [
        &["--format", "json", "chek", "fixtures/go1.16.1.toml"][..],
        &[
            "send",
            "fixtures/go1.16.1.toml",
            "--message",
            "announcment",
            "--format=json",
        ][..],
        &["check", "fixtures/go1.16.1.toml", "--format", "xml"][..],
        &["--format", "json", "check"][..],
    ] {
        let output = herald(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!("{args:?}: not one JSON document ({e}): {}", stdout(&output))
        });
        assert_eq!(json["status"], "error", "{args:?}");
        assert_eq!(json["exit_code"], 2, "{args:?}");
        assert!(!json["error"].as_str().unwrap().is_empty(), "{args:?}");
    }
    // Without JSON, clap's own message on stderr, and help still works.
    let text = herald(&["chek"]);
    assert_eq!(text.status.code(), Some(2));
    assert!(text.stdout.is_empty());
    assert!(String::from_utf8_lossy(&text.stderr).contains("unrecognized subcommand"));
    let help = herald(&["--format", "json", "send", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = stdout(&help);
    for needle in [
        "HERALD_SMTP_PASSWORD",
        "4 sent, but the journal",
        "3 nothing was delivered",
        "5 in doubt",
    ] {
        assert!(
            help.contains(needle),
            "send --help lacks {needle:?}:\n{help}"
        );
    }
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
fn init_writes_starter_files_that_check_clean_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new-release");
    let target_arg = target.to_str().unwrap();
    let init = herald(&["init", target_arg]);
    assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
    let release = target.join("release.toml");
    let config = target.join("herald.toml");
    for today in ["2021-03-05", "2026-11-26"] {
        let check = herald(&[
            "check",
            release.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--today",
            today,
        ]);
        assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    }
    let text = std::fs::read_to_string(&release).unwrap();
    for key in [
        "[project]",
        "[release]",
        "[[security]]",
        "track =",
        "cves =",
        "[[fix]]",
    ] {
        assert!(
            text.contains(key),
            "{key} missing from the starter release file"
        );
    }
    assert!(std::fs::read_to_string(&config)
        .unwrap()
        .contains("HERALD_SMTP_PASSWORD"));

    std::fs::write(&release, "mine").unwrap();
    std::fs::remove_file(&config).unwrap();
    let again = herald(&["init", target_arg]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&release).unwrap(), "mine");
    assert!(!config.exists(), "nothing was written");
}

#[test]
fn completions_and_the_manual_name_every_command() {
    let commands = [
        "check",
        "plan",
        "render",
        "send",
        "history",
        "journal",
        "import-osv",
        "init",
        "completions",
        "man",
    ];
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = herald(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        for command in commands {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
    }
    let bash = stdout(&herald(&["completions", "bash"]));
    assert!(
        bash.contains("--test-to") && bash.contains("--message"),
        "{bash}"
    );
    let man = herald(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let page = stdout(&man).replace("\\-", "-");
    for command in commands {
        assert!(
            page.contains(&format!(".TH herald-{command} 1")),
            "the manual has no page for {command}"
        );
    }
    assert!(page.contains(".TH herald 1"), "{page}");
    assert!(
        page.contains("HERALD_SMTP_PASSWORD"),
        "the send page names the password variable"
    );
    for command in commands {
        let help = herald(&[command, "--help"]);
        assert_eq!(help.status.code(), Some(0), "{command} --help");
        if !["journal", "completions", "man", "init"].contains(&command) {
            assert!(
                stdout(&help).contains("The release file (TOML)"),
                "{command} --help does not describe RELEASE"
            );
        }
        if command != "journal" {
            assert!(
                stdout(&help).contains("Example:"),
                "{command} --help has no example"
            );
        }
    }
}

#[test]
fn a_file_that_is_not_utf8_is_reported_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release.toml");
    let mut bytes = std::fs::read("fixtures/go1.16.1.toml").unwrap();
    let at = bytes.windows(7).position(|w| w == b"Filippo").unwrap();
    bytes[at + 1] = 0xE9; // Latin-1 "é"
    std::fs::write(&release, bytes).unwrap();
    let output = herald(&["check", release.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("release.toml:20:23: error [schema]: the file is not UTF-8: byte 0xE9"),
        "{err}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let file = "fixtures/invalid/bad-cve.toml";
    let always = herald(&["check", file, "--color", "always"]);
    assert!(stderr(&always).contains("\u{1b}["), "{}", stderr(&always));
    for output in [
        herald(&["check", file]),
        herald(&["check", file, "--color", "never"]),
        herald(&["check", file, "--color", "auto"]),
    ] {
        assert!(!stderr(&output).contains('\u{1b}'), "{}", stderr(&output));
    }
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
fn a_project_that_is_not_go_needs_no_rust_change_and_its_templates_come_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let go = std::fs::read_to_string("fixtures/go1.16.1.toml").unwrap();
    let release = go
        .replace("name = \"Go\"", "name = \"Acme\"\nstandard_library = \"the core library\"\ntoolchain = \"the build tools\"\nteam = \"the Acme security team\"\nmilestone = \"board on our project tracker\"\ngreeting = \"Hello Acme users,\"")
        .replace("tag_prefix = \"go\"", "tag_prefix = \"v\"");
    std::fs::write(dir.path().join("release.toml"), release).unwrap();
    std::fs::create_dir(dir.path().join("tpl")).unwrap();
    std::fs::write(
        dir.path().join("tpl/announcement.md"),
        "Subject: Acme {{ versions_numbers }} is out\n\n{{ greeting }}\n\nAcme {{ versions_numbers }} is out.\n\n{{ sign_off }}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("herald.toml"),
        "templates = \"tpl\"\n\n[mail]\nfrom = \"Acme <security@acme.example>\"\n\n[recipients.announcement]\nto = [\"announce@acme.example\"]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("HERALD_TODAY")
            .output()
            .unwrap()
    };
    let render = run(&["render", "release.toml", "--today", "2021-03-05"]);
    assert_eq!(render.status.code(), Some(0), "{}", stderr(&render));
    let text = stdout(&render);
    assert!(
        text.contains("security fixes to the core library."),
        "scope noun from [project]:\n{text}"
    );
    assert!(
        text.contains("Katie and Filippo for the Acme security team"),
        "{text}"
    );
    assert!(
        text.contains("Subject: Acme 1.16.1 and 1.15.9 is out"),
        "the announcement template comes from herald.toml's templates:\n{text}"
    );
    assert!(!text.contains("gophers"), "{text}");
    let history = run(&["history", "release.toml"]);
    assert!(
        stdout(&history).contains("See the Acme 1.16.1 board on our project tracker for details."),
        "{}",
        stdout(&history)
    );
    // --templates overrides the configuration's (here with an empty directory).
    std::fs::create_dir(dir.path().join("none")).unwrap();
    let builtin = run(&[
        "render",
        "release.toml",
        "--today",
        "2021-03-05",
        "--templates",
        "none",
    ]);
    assert!(
        stdout(&builtin).contains("Subject: [security] Acme 1.16.1 and Acme 1.15.9 are released"),
        "{}",
        stdout(&builtin)
    );
}

#[test]
fn the_guard_covers_the_names_in_a_thanks_sentence_and_the_projects_own_words() {
    let dir = tempfile::tempdir().unwrap();
    let go = std::fs::read_to_string("fixtures/go1.16.1.toml").unwrap();
    let release = go
        .replace(
            "credit = \"Sam Whited\"",
            "thanks = \"Thanks to Tailscale for doing weird things and finding this.\"",
        )
        .replace(
            "name = \"Go\"",
            "name = \"Go\"\nstandard_library = \"the core packages\"",
        );
    std::fs::write(dir.path().join("release.toml"), release).unwrap();
    let check = |template: &str| {
        std::fs::create_dir_all(dir.path().join("tpl")).unwrap();
        std::fs::write(dir.path().join("tpl/pre-announcement.md"), template).unwrap();
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .args([
                "check",
                "release.toml",
                "--templates",
                "tpl",
                "--today",
                "2021-03-05",
            ])
            .current_dir(dir.path())
            .env_remove("HERALD_TODAY")
            .output()
            .unwrap()
    };
    let leak = check("Subject: [security] {{ versions_spoken }} pre-announcement\n\nA fix found by tailscale is coming.\n");
    assert_eq!(leak.status.code(), Some(1), "{}", stderr(&leak));
    assert!(
        stderr(&leak).contains("violation [embargo]"),
        "{}",
        stderr(&leak)
    );
    let clean = check("Subject: [security] {{ versions_spoken }} pre-announcement\n\nThese releases include security fixes to {{ affects_text }}.\n");
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
}

/// `herald render fixtures/go1.16.1.toml --today 2021-03-10 --templates DIR`.
fn render_with_templates(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/go1.16.1.toml", "--today", "2021-03-10"])
        .arg("--templates")
        .arg(dir)
        .env_remove("HERALD_TODAY")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("herald runs")
}

#[test]
fn a_control_character_in_a_template_or_its_output_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("announcement.md");
    std::fs::write(
        &path,
        "Subject: x\n\nbody \u{1b}]0;title\u{7} and \u{9b}31m and \r lone\n",
    )
    .unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!("herald: {}:3:6: U+001B ESCAPE", path.display())),
        "{err}"
    );
    assert!(err.contains("(3 more after it)"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{9b}'),
        "{err:?}"
    );
    assert!(output.stdout.is_empty(), "{}", stdout(&output));

    // A string escape makes one where the file holds none.
    std::fs::write(
        &path,
        "Subject: x\n\n{{ \"a\\rb\" }}\n{% include \"closing.md\" %}\n",
    )
    .unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: the template wrote a carriage return",
            path.display()
        )),
        "{err}"
    );
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
}

#[test]
fn an_override_that_is_not_utf8_is_reported_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closing.md");
    // Latin-1 "é" in "René": column 20 of line 3.
    std::fs::write(&path, b"Thanks.\n\n{{ sign_off }}, Ren\xe9 \xff\nbye\n").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}:3:20: the file is not UTF-8: byte 0xE9",
            path.display()
        )),
        "{err}"
    );
    assert!(err.contains("templates are UTF-8 text"), "{err}");
    // The excerpt shows the line, each bad byte as U+FFFD, and marks the first.
    assert!(
        err.contains(&format!(
            "3 | {{{{ sign_off }}}}, Ren\u{fffd} \u{fffd}\n  | {}^\n",
            " ".repeat(19)
        )),
        "{err}"
    );

    // A bad byte in the middle of a 1 MiB line: a window of the line, not the line.
    let long = "a".repeat(1 << 19);
    let mut bytes = format!("Thanks.\n\n{long}").into_bytes();
    bytes.push(0xC0);
    bytes.extend_from_slice(long.as_bytes());
    std::fs::write(&path, bytes).unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let at = format!("{}:3:{}: ", path.display(), (1 << 19) + 1);
    assert!(err.starts_with(&format!("herald: {at}")), "{err}");
    assert!(err.contains("byte 0xC0"), "{err}");
    assert!(err.contains("a\u{fffd}a"), "{err}");
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
}

#[test]
fn a_byte_order_mark_starting_an_override_is_no_part_of_it() {
    // An error on line 1 of a file with a BOM: the BOM is no column.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("announcement.md");
    std::fs::write(&path, "\u{feff}Subject: {{ nope( }}\n\nbody\n").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!("herald: {}:1:19: ", path.display())),
        "{err}"
    );
    assert!(!err.contains('\u{feff}'), "{err}");

    // A mail template and a partial it includes, both with a BOM: the mail has none.
    std::fs::write(
        &path,
        "\u{feff}Subject: BOM {{ versions_spoken }}\n\n{{ greeting }}\n\n\
         {% include \"closing.md\" %}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("closing.md"),
        "\u{feff}Thanks, {{ sign_off }}\n",
    )
    .unwrap();
    let output = render_with_templates(dir.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        text.contains("Subject: BOM Go 1.16.1 and Go 1.15.9\n\nHello gophers,\n\nThanks, Katie"),
        "{text}"
    );
    assert!(!text.contains('\u{feff}'), "{text:?}");

    let out = dir.path().join("drafts");
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/go1.16.1.toml", "--today", "2021-03-10"])
        .arg("--templates")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .env_remove("HERALD_TODAY")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for entry in std::fs::read_dir(&out).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(3).any(|w| w == b"\xEF\xBB\xBF"));
    }
    let raw = std::fs::read(out.join("announcement.eml")).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.subject(),
        Some("BOM Go 1.16.1 and Go 1.15.9"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    let text = message.body_text(0).unwrap();
    let html = message.body_html(0).unwrap();
    assert!(
        text.starts_with("Hello gophers,\r\n\r\nThanks, Katie"),
        "{text:?}"
    );
    assert!(!text.contains('\u{feff}'), "{text:?}");
    assert!(!html.contains('\u{feff}'), "{html:?}");
}

#[test]
fn every_template_error_starts_with_its_file_and_its_line_and_column_when_known() {
    let dir = tempfile::tempdir().unwrap();
    let announcement = dir.path().join("announcement.md").display().to_string();
    let closing = dir.path().join("closing.md").display().to_string();
    let include = "{% include \"closing.md\" %}\n";
    for (template, closing_text, expected) in [
        // Found when the templates are loaded.
        (
            "Subject: x\n\n{{ a | nofilter }}\n".to_string(),
            "",
            format!("{announcement}:3:8: Unknown filter `nofilter`"),
        ),
        // Found in the rendered mail.
        (
            "Hello\n\nbody\n".to_string(),
            "",
            format!("{announcement}:1:1: the first line must be \"Subject: ...\""),
        ),
        (
            "Subject: x\nbody\n".to_string(),
            "",
            format!("{announcement}:1:11: the first line must be \"Subject: ...\" followed by one blank line, then the Markdown body; there is no blank line after it"),
        ),
        // Found while rendering, in the partial an override includes.
        (
            format!("Subject: x\n\n{include}"),
            "Thanks.\n\n{{ 1 / 0 }}\n",
            format!("{closing}:3:8: Cannot divide by 0"),
        ),
        // Without a place in the file.
        (
            "Subject: x\n\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}\
             0123456789012345678901234567890123456789{% endfor %}{% endfor %}\n"
                .to_string(),
            "",
            format!("{announcement}: the output would pass the limit"),
        ),
    ] {
        std::fs::write(dir.path().join("announcement.md"), &template).unwrap();
        let _ = std::fs::remove_file(dir.path().join("closing.md"));
        if !closing_text.is_empty() {
            std::fs::write(dir.path().join("closing.md"), closing_text).unwrap();
        }
        let output = render_with_templates(dir.path());
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{template}: {err}");
        assert!(
            err.starts_with(&format!("herald: {expected}")),
            "{template}: {err}"
        );
    }
}

#[test]
fn an_include_cycle_names_each_file_and_the_line_of_each_include() {
    let dir = tempfile::tempdir().unwrap();
    let closing = dir.path().join("closing.md");
    let fixes = dir.path().join("security-fixes.md");
    std::fs::write(&closing, "Thanks.\n{% include \"security-fixes.md\" %}\n").unwrap();
    std::fs::write(&fixes, "Fixes:\n\n{%- include 'closing.md' -%}\n").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}:2:12: include cycle: closing.md includes security-fixes.md, which \
             includes closing.md; a template cannot include itself",
            closing.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "note: {}:3:13: security-fixes.md includes closing.md here",
            fixes.display()
        )),
        "{err}"
    );
    assert!(err.contains("3 | {%- include 'closing.md' -%}"), "{err}");

    // A cycle through a built-in template names it by its name.
    std::fs::remove_file(&closing).unwrap();
    std::fs::write(&fixes, "{% include \"announcement.md\" %}\n").unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.contains("announcement.md includes security-fixes.md, which includes announcement.md"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "note: {}:1:12: security-fixes.md includes announcement.md here",
            fixes.display()
        )),
        "{err}"
    );

    // A template that extends one that does not exist.
    std::fs::remove_file(&fixes).unwrap();
    let announcement = dir.path().join("announcement.md");
    std::fs::write(&announcement, "{% extends \"base.md\" %}\n").unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.starts_with(&format!(
            "herald: {}:1:12: extends \"base.md\", which is not a template herald knows",
            announcement.display()
        )),
        "{err}"
    );
}

/// Runs `command`, failing the test if it has not finished within 30 seconds.
fn output_within_30s(mut command: Command) -> Output {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("herald still runs after 30 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_override_that_is_no_regular_file_is_an_error_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let announcement = dir.path().join("announcement.md");
    let command = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(["render", "fixtures/go1.16.1.toml", "--today", "2021-03-10"])
            .arg("--templates")
            .arg(dir.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        command
    };

    std::fs::create_dir(&announcement).unwrap();
    let output = output_within_30s(command());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: this is a directory, not a regular file: an override must be a \
             regular file or a link to one",
            announcement.display()
        )),
        "{err}"
    );
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    std::fs::remove_dir(&announcement).unwrap();

    // Read, a FIFO would keep herald waiting for a writer.
    let mkfifo = Command::new("mkfifo").arg(&announcement).status().unwrap();
    assert!(mkfifo.success());
    let output = output_within_30s(command());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: this is a FIFO (named pipe), not a regular file",
            announcement.display()
        )),
        "{err}"
    );
    std::fs::remove_file(&announcement).unwrap();

    // A link to a file is an override; a link to nothing is an error.
    let real = dir.path().join("real.txt");
    std::fs::write(&real, "Subject: Linked {{ versions_spoken }}\n\nbody\n").unwrap();
    std::os::unix::fs::symlink(&real, &announcement).unwrap();
    let output = output_within_30s(command());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Subject: Linked Go 1.16.1"));
    std::fs::remove_file(&real).unwrap();
    let output = output_within_30s(command());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: cannot read the template: No such file or directory",
            announcement.display()
        )),
        "{err}"
    );
}

#[test]
fn an_unreadable_override_or_directory_of_overrides_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let ws = support::Workspace::new();
    let tpl = ws.path("tpl");
    std::fs::create_dir(&tpl).unwrap();
    std::fs::set_permissions(&tpl, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = tpl.join("announcement.md");
    std::fs::write(&file, "Subject: x\n\nbody\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    let args = [
        "render",
        "release.toml",
        "--today",
        "2021-03-10",
        "--templates",
        "tpl",
    ];
    let output = ws.unprivileged_command(&args).output().unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{}", support::show(&output));
    assert!(
        err.starts_with("herald: tpl/announcement.md: cannot read the template: Permission denied"),
        "{err}"
    );

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&tpl, std::fs::Permissions::from_mode(0o000)).unwrap();
    let output = ws.unprivileged_command(&args).output().unwrap();
    std::fs::set_permissions(&tpl, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{}", support::show(&output));
    assert!(
        err.starts_with("herald: tpl: cannot read the templates directory: Permission denied"),
        "{err}"
    );
}

#[test]
fn an_empty_mail_template_is_an_error_and_an_empty_partial_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let announcement = dir.path().join("announcement.md");
    // Empty but for a byte order mark.
    std::fs::write(&announcement, "\u{feff}").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: the file is empty; a mail template is a \"Subject: ...\" line, a \
             blank line, then the Markdown body\n",
            announcement.display()
        )),
        "{err}"
    );

    std::fs::remove_file(&announcement).unwrap();
    std::fs::write(dir.path().join("closing.md"), "").unwrap();
    let output = render_with_templates(dir.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (_, announcement) = text.split_once("==> announcement <==").unwrap();
    assert!(
        announcement
            .trim_end()
            .ends_with("This is CVE-2021-27919 and Go issue https://go.dev/issue/44916."),
        "the announcement ends where the closing was: {announcement}"
    );
}

#[test]
fn a_mail_template_without_its_subject_line_is_reported_briefly_at_its_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("announcement.md");
    // A first line of 1 MiB: the error quotes the start of it.
    let long = "x".repeat(1 << 20);
    std::fs::write(&path, format!("Hello {long}\n\nbody\n")).unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.starts_with(&format!(
            "herald: {}:1:1: the first line must be \"Subject: ...\" followed by one blank \
             line, then the Markdown body; found \"Hello xxx",
            path.display()
        )),
        "{err}"
    );
    assert!(err.len() < 2_000, "{} bytes of error", err.len());

    // A value with a line break in the subject: the line of the template that
    // wrote it, not its end, and the line that followed.
    std::fs::write(&path, "Subject: {{ \"a\nb\" }}\n\nbody\n").unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.starts_with(&format!(
            "herald: {}:1:1: the first line must be \"Subject: ...\" followed by one blank \
             line, then the Markdown body; there is no blank line after it: the second line \
             is \"b\"",
            path.display()
        )),
        "{err}"
    );
}
