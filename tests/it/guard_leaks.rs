//! The embargo guard against a corpus of planted leaks and of look-alikes.
//!
//! `tests/guard/leaks/NAME/pre-announcement.md` is a user template that smuggles
//! one detail of `tests/guard/release.toml` into the pre-announcement; its
//! `expect.toml` says which detail and where it must be reported.
//! `tests/guard/clean/NAME/pre-announcement.md` holds text that resembles a
//! detail but is none, and must pass.

use std::path::{Path, PathBuf};

use herald::guard::{check_message, DetailKind, Embargo, Leak, Part};
use herald::load::{load_release, parse_release, LoadedRelease};
use herald::model::{MessageKind, Profile};
use herald::render::{render_message, RenderedMessage, Templates};
use herald::source::SourceFile;
use serde::Deserialize;

fn guard_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guard")
}

fn release() -> LoadedRelease {
    load_release(&guard_dir().join("release.toml")).expect("the test release loads")
}

/// The test release with `pre_announce_cves = true`.
fn release_with_cves() -> LoadedRelease {
    let path = guard_dir().join("release.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "release_window = \"during US business hours\"\n",
        "release_window = \"during US business hours\"\npre_announce_cves = true\n",
        1,
    );
    assert!(text.contains("pre_announce_cves = true"));
    parse_release(SourceFile::new(path, text)).expect("the test release loads")
}

fn pre_announcement(input: &LoadedRelease, templates: &Templates) -> RenderedMessage {
    render_message(input, MessageKind::PreAnnouncement, templates).expect("renders")
}

fn cases(kind: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(guard_dir().join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[derive(Deserialize)]
struct Expect {
    part: String,
    kind: String,
    detail: String,
}

fn kind_name(kind: DetailKind) -> String {
    serde_json::to_value(kind)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn part_name(part: Part) -> String {
    serde_json::to_value(part)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn describe(leaks: &[Leak]) -> String {
    leaks.iter().map(|l| format!("  {l}\n")).collect()
}

#[test]
fn every_planted_leak_is_caught() {
    let input = release();
    let embargo = Embargo::new(&input);
    let dirs = cases("leaks");
    assert!(dirs.len() >= 40, "the leak corpus has {} cases", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expect: Expect =
            toml::from_str(&std::fs::read_to_string(dir.join("expect.toml")).unwrap())
                .unwrap_or_else(|e| panic!("{name}/expect.toml: {e}"));
        let templates = Templates::with_overrides(dir, Profile::default()).unwrap();
        let message = pre_announcement(&input, &templates);
        let leaks = check_message(&embargo, &message, "");
        let hit = leaks.iter().any(|l| {
            kind_name(l.kind) == expect.kind
                && l.detail == expect.detail
                && part_name(l.part) == expect.part
        });
        if !hit {
            failures.push(format!(
                "{name}: expected {} {:?} in {}, found:\n{}",
                expect.kind,
                expect.detail,
                expect.part,
                describe(&leaks)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_leak_corpus_covers_every_kind_and_part() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut parts = std::collections::BTreeSet::new();
    for dir in cases("leaks") {
        let expect: Expect =
            toml::from_str(&std::fs::read_to_string(dir.join("expect.toml")).unwrap()).unwrap();
        kinds.insert(expect.kind);
        parts.insert(expect.part);
    }
    for kind in [
        "cve",
        "issue-number",
        "package",
        "title",
        "credit",
        "fix-link",
        "track-label",
    ] {
        assert!(kinds.contains(kind), "no planted leak of kind {kind}");
    }
    for part in ["subject", "text", "html"] {
        assert!(parts.contains(part), "no planted leak in the {part}");
    }
}

#[test]
fn look_alikes_are_not_flagged() {
    let input = release();
    let embargo = Embargo::new(&input);
    let dirs = cases("clean");
    assert!(
        dirs.len() >= 10,
        "the clean corpus has {} cases",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let templates = Templates::with_overrides(dir, Profile::default()).unwrap();
        let message = pre_announcement(&input, &templates);
        let leaks = check_message(&embargo, &message, "");
        if !leaks.is_empty() {
            failures.push(format!("{}:\n{}", dir.display(), describe(&leaks)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_builtin_pre_announcement_has_no_leaks() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    for input in [release(), release_with_cves()] {
        let embargo = Embargo::new(&input);
        let message = pre_announcement(&input, &templates);
        let leaks = check_message(&embargo, &message, "");
        assert!(leaks.is_empty(), "{}\n{}", message.text, describe(&leaks));
    }
}

#[test]
fn pre_announce_cves_allows_exactly_the_embargoed_ids() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    let input = release_with_cves();
    let embargo = Embargo::new(&input);
    let message = pre_announcement(&input, &templates);
    for id in ["CVE-2021-27918", "CVE-2021-3115", "CVE-2021-33195"] {
        assert!(message.text.contains(id), "{}", message.text);
    }
    // Without the opt-in the same ids are leaks.
    let strict = Embargo::new(&release());
    let leaks = check_message(&strict, &message, "");
    assert_eq!(
        leaks
            .iter()
            .filter(|l| l.kind == DetailKind::Cve && l.part == Part::Text)
            .count(),
        3
    );

    // With it, another spelling of an embargoed id is still allowed; a public
    // issue's id, an unknown id and every other detail are not.
    let dir = tempfile::tempdir().unwrap();
    let body = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/go-2021/pre-announcement.md"),
    )
    .unwrap()
    .replace(
        "Thanks,\\",
        "Also cve-2021-27918, CVE-2021-27919, CVE-2099-12345 and issue 44913.\n\nThanks,\\",
    );
    std::fs::write(dir.path().join("pre-announcement.md"), body).unwrap();
    let message = pre_announcement(
        &input,
        &Templates::with_overrides(dir.path(), Profile::default()).unwrap(),
    );
    let leaks = check_message(&embargo, &message, "");
    let text_leaks: Vec<&Leak> = leaks.iter().filter(|l| l.part == Part::Text).collect();
    let found: Vec<(DetailKind, &str, Option<u64>)> = text_leaks
        .iter()
        .map(|l| (l.kind, l.detail.as_str(), l.issue))
        .collect();
    assert_eq!(
        found,
        [
            (DetailKind::Cve, "CVE-2021-27919", None),
            (DetailKind::Cve, "CVE-2099-12345", None),
            (DetailKind::IssueNumber, "44913", Some(44913)),
        ],
        "{}",
        message.text
    );
}

#[test]
fn announcements_are_checked_for_track_labels_only() {
    let input = release();
    let embargo = Embargo::new(&input);
    let builtin = Templates::builtin(Profile::default()).unwrap();
    let message = render_message(&input, MessageKind::Announcement, &builtin).unwrap();
    assert!(message.text.contains("CVE-2021-27918"));
    assert!(check_message(&embargo, &message, "").is_empty());

    let dir = tempfile::tempdir().unwrap();
    let body = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/go-2021/announcement.md"),
    )
    .unwrap()
    .replace(
        "{{ greeting }}",
        "{{ greeting }}\n\nThese were PRIVATE-track fixes, and one was public track.\n\nA `-----BEGIN RSA PRIVATE KEY-----` block in a PUBLIC repository is not a label.",
    );
    std::fs::write(dir.path().join("announcement.md"), body).unwrap();
    let message = render_message(
        &input,
        MessageKind::Announcement,
        &Templates::with_overrides(dir.path(), Profile::default()).unwrap(),
    )
    .unwrap();
    let leaks = check_message(&embargo, &message, "");
    let text: Vec<(DetailKind, &str)> = leaks
        .iter()
        .filter(|l| l.part == Part::Text)
        .map(|l| (l.kind, l.detail.as_str()))
        .collect();
    assert_eq!(
        text,
        [
            (DetailKind::TrackLabel, "PRIVATE"),
            (DetailKind::TrackLabel, "PUBLIC")
        ]
    );
    assert!(leaks
        .iter()
        .all(|l| l.kind == DetailKind::TrackLabel && l.issue.is_none()));
}

#[test]
fn headers_are_scanned_after_decoding() {
    let input = release();
    let embargo = Embargo::new(&input);
    let message = pre_announcement(&input, &Templates::builtin(Profile::default()).unwrap());
    let headers = "From: Go release team <releases@example.org>\r\n\
                   Subject: =?utf-8?b?W3NlY3VyaXR5XSBDVkUtMjAyMS0yNzkxOA==?=\r\n\
                   X-Note: =?utf-8?q?the=20go_command?=\r\n\
                   Date: Fri, 05 Mar 2021 10:00:00 +0000\r\n";
    let leaks = check_message(&embargo, &message, headers);
    let found: Vec<(DetailKind, &str, usize)> = leaks
        .iter()
        .map(|l| (l.kind, l.detail.as_str(), l.line))
        .collect();
    assert_eq!(
        found,
        [
            (DetailKind::Cve, "CVE-2021-27918", 2),
            (DetailKind::Package, "cmd/go", 3)
        ]
    );
    assert!(leaks.iter().all(|l| l.part == Part::Headers));
}

#[test]
fn leaks_read_as_one_line_each() {
    let embargo = Embargo::new(&release());
    let text = "Hello gophers,\n\n\n\n\n\nWatch cve-2021-27918 closely.\n";
    let leaks = embargo.scan(Part::Text, text);
    assert_eq!(leaks.len(), 1);
    assert_eq!(
        leaks[0].to_string(),
        "text line 7: CVE id CVE-2021-27918 of issue 44913 appears as \"cve-2021-27918\""
    );
    let leaks = embargo.scan(Part::Html, "<p>\nA <b>PRIVATE</b> fix.</p>");
    assert_eq!(
        leaks[0].to_string(),
        "html line 2: track label PRIVATE appears as \"PRIVATE\""
    );
    let json = serde_json::to_value(&leaks[0]).unwrap();
    assert_eq!(json["kind"], "track-label");
    assert_eq!(json["part"], "html");
    assert_eq!(json["issue"], serde_json::Value::Null);
}

#[test]
fn public_issue_details_are_not_embargoed() {
    let embargo = Embargo::new(&release());
    let leaks = embargo.scan(
        Part::Text,
        "archive/zip: panic when calling Reader.Open, see https://go.dev/issue/44916.",
    );
    assert!(leaks.is_empty(), "{}", describe(&leaks));
}

/// A package named by an everyday English word counts as a package's name, or in
/// capitals, not as every use of the word.
#[test]
fn a_common_word_package_counts_as_a_package_name() {
    let embargo = Embargo::new(&release());
    for text in [
        "Upgrade in good time.",
        "No timeout, no runtime change, no network.",
    ] {
        assert!(embargo.scan(Part::Text, text).is_empty(), "{text}");
    }
    for text in [
        "The time package changes.",
        "Call time.Now twice.",
        "TIME fixes ahead.",
    ] {
        let leaks = embargo.scan(Part::Text, text);
        assert!(
            leaks
                .iter()
                .any(|l| (l.kind, l.detail.as_str()) == (DetailKind::Package, "time")),
            "{text}: {}",
            describe(&leaks)
        );
    }
}

/// A leak at the very end of a long message is still found (its speed is measured in
/// `benches/stages.rs`, not here).
#[test]
fn a_leak_at_the_end_of_a_long_message_is_found() {
    let embargo = Embargo::new(&release());
    let paragraph = "We plan to issue Go 1.16.1 and Go 1.15.9 during US business hours on Wednesday, March 10. ";
    let text = paragraph.repeat(20_000) + "Then issue 44913.";
    let leaks = embargo.scan(Part::Text, &text);
    assert_eq!(leaks.len(), 1);
    assert_eq!(leaks[0].line, 1);
}

/// The built-in pre-announcement of every release fixture in the repository passes.
/// Files that do not load (fixtures of invalid input) are skipped.
#[test]
fn builtin_pre_announcements_of_the_fixtures_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("fixtures"),
        root.join("fixtures/history"),
        guard_dir(),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        files.extend(
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml")),
        );
    }
    let templates = Templates::builtin(Profile::default()).unwrap();
    let mut failures = Vec::new();
    for file in files {
        let Ok(input) = load_release(&file) else {
            continue;
        };
        let Ok(message) = render_message(&input, MessageKind::PreAnnouncement, &templates) else {
            continue;
        };
        let leaks = check_message(&Embargo::new(&input), &message, "");
        if !leaks.is_empty() {
            failures.push(format!("{}:\n{}", file.display(), describe(&leaks)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Huge details build one matcher and are still found: a title of 256 KiB, a credit
/// of 10,000 names, a package path of 25,000 characters (their speed is measured
/// apart; the matcher is built in linear time).
#[test]
fn huge_details_are_found() {
    let words: Vec<String> = (0..30_000).map(|i| format!("qword{i}")).collect();
    let names: Vec<String> = (0..10_000)
        .map(|i| format!("Qname{i} Qsurname{i}"))
        .collect();
    let path: Vec<String> = (0..5_000).map(|i| format!("q{:03}", i % 1000)).collect();
    let text = format!(
        "[project]\nname = \"Go\"\ntag_prefix = \"go\"\npolicy_url = \"https://go.dev/security/policy\"\n\
         release_notes_url = \"https://go.dev/doc/devel/release#{{tag}}\"\ndownload_url = \"https://go.dev/dl/\"\n\
         issue_url = \"https://go.dev/issue/{{id}}\"\n\n[release]\nversions = [\"1.16.1\"]\ndate = 2021-03-10\nkind = \"minor\"\n\n\
         [[security]]\ntrack = \"private\"\npackages = [\"{}\"]\ncves = [\"CVE-2021-27918\"]\nissue = 44913\n\
         title = \"{}\"\ndescription = \"x\"\ncredit = \"{}\"\n",
        path.join("/"),
        words.join(" "),
        names.join(", ")
    );
    let input = parse_release(SourceFile::new("huge.toml", text)).expect("the huge release loads");
    let detail_title = words.join(" ");
    let embargo = Embargo::new(&input);
    let leaks = embargo.scan(
        Part::Text,
        "Hello gophers, qword29998 qwords29999 and Qsurname9999 and the path written out below.",
    );
    let kinds: Vec<DetailKind> = leaks.iter().map(|l| l.kind).collect();
    assert!(kinds.contains(&DetailKind::Title), "{}", describe(&leaks));
    assert!(kinds.contains(&DetailKind::Credit), "{}", describe(&leaks));
    // Reported by its first 160 characters: each report repeats it.
    let shown: String = detail_title.chars().take(160).collect();
    assert!(leaks
        .iter()
        .any(|l| l.kind == DetailKind::Title && l.detail == format!("{shown}…")));
    let leaks = embargo.scan(Part::Text, &path.join("."));
    assert!(
        leaks.iter().any(|l| l.kind == DetailKind::Package),
        "{}",
        describe(&leaks)
    );
}

/// Only the built-in wording's words are herald's own: a project's name exempts
/// nothing, and neither does an override's `words.toml`, which a person writes: its
/// word "releas" (whose stem is "relea") does not keep a one-word title from
/// counting, and never lets a package or a credited name pass.
#[test]
fn only_the_wordings_words_and_their_stems_are_safe_and_only_for_title_words() {
    let text = r#"[project]
name = "Releas"
tag_prefix = "go"
policy_url = "https://go.dev/security/policy"
release_notes_url = "https://go.dev/doc/devel/release#{tag}"
download_url = "https://go.dev/dl/"
issue_url = "https://go.dev/issue/{id}"

[release]
versions = ["1.16.1"]
date = 2021-03-10
kind = "minor"
pre_announcement = 2021-03-05
signers = ["Katie"]

[[security]]
track = "private"
packages = ["relea"]
cves = ["CVE-2021-27918"]
issue = 44913
title = "relea"
description = "Something."
credit = "Relea"
"#;
    let input = parse_release(SourceFile::new("release.toml", text)).expect("loads");
    let message = RenderedMessage {
        subject: "pre-announcement".to_string(),
        text: "We thank relea.\n".to_string(),
        html: "<p>We thank relea.</p>\n".to_string(),
        ..pre_announcement(&input, &Templates::builtin(Profile::default()).unwrap())
    };
    let kinds = |embargo: &Embargo| {
        let mut kinds: Vec<DetailKind> = check_message(embargo, &message, "")
            .iter()
            .map(|l| l.kind)
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    // The project's name is no wording word: every detail counts.
    assert_eq!(
        kinds(&Embargo::new(&input)),
        [DetailKind::Package, DetailKind::Title, DetailKind::Credit]
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("words.toml"), "words = [\"releas\"]\n").unwrap();
    let templates = Templates::with_overrides(dir.path(), Profile::default()).unwrap();
    assert_eq!(
        kinds(&Embargo::with_wording(&input, templates.wording())),
        [DetailKind::Package, DetailKind::Title, DetailKind::Credit]
    );
}
