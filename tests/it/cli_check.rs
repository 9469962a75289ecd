//! The command line end to end: exit codes, error positions and JSON output of
//! check, plan and history, and the commands around them (import-osv, init,
//! completions, man).

use std::path::Path;
use std::process::Command;

use crate::support::{herald, stderr, stdout};

#[test]
fn a_character_reference_to_a_control_character_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let sample = include_str!("../../fixtures/go1.16.1.toml");
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

    let sample = include_str!("../../fixtures/go1.16.1.toml");
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
