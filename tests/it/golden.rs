//! Golden tests: every message kind over every fixture, and the history line of real
//! Go releases against the release history page.

use std::path::{Path, PathBuf};

use herald::load::load_release;
use herald::model::{MessageKind, Profile};
use herald::plan::plan;
use herald::render::{history, render_message, Templates};

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "expected the sample fixtures");
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_due_message_of_every_fixture_matches_its_golden_copy() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    for path in fixtures() {
        let input = load_release(&path).unwrap();
        let today = input.file.release.date.get_ref().get();
        let plan = plan(&input, today);
        for planned in plan.due() {
            let message = render_message(&input, planned.kind, &templates).unwrap();
            let name = format!("{}__{}", stem(&path), planned.kind);
            insta::assert_snapshot!(
                format!("{name}.txt"),
                format!("Subject: {}\n\n{}", message.subject, message.text)
            );
            insta::assert_snapshot!(format!("{name}.html"), message.html);
            assert!(
                message
                    .text
                    .lines()
                    .all(|l| l.chars().count() <= 72 || !l.trim().contains(' ')),
                "{name}: a line over 72 columns:\n{}",
                message.text
            );
        }
    }
}

#[test]
fn history_lines_match_the_go_release_history_page() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir("fixtures/history").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
        let input = load_release(&path).unwrap();
        let lines = history(&input, &templates).unwrap();
        assert_eq!(lines.len(), 1, "{}", path.display());
        assert_eq!(lines[0].line, expected.trim(), "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} history fixtures");
}

#[test]
fn history_of_every_sample_fixture_matches_its_golden_copy() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    for path in fixtures() {
        let input = load_release(&path).unwrap();
        let lines: Vec<String> = history(&input, &templates)
            .unwrap()
            .into_iter()
            .map(|l| l.line)
            .collect();
        insta::assert_snapshot!(format!("{}__history", stem(&path)), lines.join("\n"));
    }
}

#[test]
fn the_go_1_16_1_pre_announcement_says_only_what_the_policy_allows() {
    let input = load_release(Path::new("fixtures/go1.16.1.toml")).unwrap();
    let message = render_message(
        &input,
        MessageKind::PreAnnouncement,
        &Templates::builtin(Profile::default()).unwrap(),
    )
    .unwrap();
    let all = format!("{}\n{}\n{}", message.subject, message.text, message.html);
    for wanted in [
        "Go 1.16.1",
        "Go 1.15.9",
        "Wednesday, March 10",
        "standard library",
        "https://go.dev/security/policy",
        "Katie and Filippo for the Go team",
    ] {
        assert!(
            message.text.contains(wanted),
            "missing {wanted:?}:\n{}",
            message.text
        );
    }
    for secret in [
        "encoding/xml",
        "archive/zip",
        "xml",
        "zip",
        "CVE-2021-27918",
        "CVE-2021-27919",
        "44913",
        "44916",
        "Sam Whited",
        "NewTokenDecoder",
        "Reader.Open",
        "private",
        "PRIVATE",
        "track",
    ] {
        assert!(
            !all.to_lowercase().contains(&secret.to_lowercase()),
            "the pre-announcement leaks {secret:?}:\n{all}"
        );
    }
}

#[test]
fn pre_announcements_say_which_part_of_the_distribution_is_touched() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    for (file, phrase) in [
        (
            "fixtures/go1.16.1.toml",
            "security fixes to the standard library.",
        ),
        (
            "fixtures/toolchain.toml",
            "security fixes to the toolchain.",
        ),
        (
            "fixtures/both.toml",
            "security fixes to the standard library and the toolchain.",
        ),
    ] {
        let input = load_release(Path::new(file)).unwrap();
        let message = render_message(&input, MessageKind::PreAnnouncement, &templates).unwrap();
        let flowing = message.text.replace('\n', " ");
        assert!(
            flowing.contains(phrase),
            "{file}: expected {phrase:?} in\n{}",
            message.text
        );
    }
}
