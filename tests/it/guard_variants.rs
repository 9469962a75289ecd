//! Issue #11: the guard sees what the reader sees.
//!
//! `tests/guard/variants.toml` plants one leak per class and form into the subject
//! and the body of a pre-announcement; the message is composed into the exact bytes
//! `send` and `--dry-run` write, and [`check_email`] must report the detail in the
//! subject, the text and the HTML as they are displayed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use herald::guard::{check_email, DetailKind, Embargo, Leak, Part};
use herald::load::{load_release, LoadedRelease};
use herald::model::MessageKind;
use herald::render::{compose, render_message};
use serde::Deserialize;

use crate::support::guard::{addressing, planted_templates};

fn guard_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guard")
}

fn release() -> LoadedRelease {
    load_release(&guard_dir().join("release.toml")).expect("the test release loads")
}

#[derive(Deserialize)]
struct Variants {
    variant: Vec<Variant>,
}

#[derive(Deserialize)]
struct Variant {
    class: String,
    form: String,
    plant: String,
    kind: String,
    detail: String,
    parts: Option<Vec<String>>,
}

fn variants() -> Vec<Variant> {
    let text = std::fs::read_to_string(guard_dir().join("variants.toml")).unwrap();
    toml::from_str::<Variants>(&text).unwrap().variant
}

/// The composed bytes of the pre-announcement with `subject_extra` at the end of
/// its subject and `body_extra` as a paragraph of its body.
fn composed(input: &LoadedRelease, subject_extra: &str, body_extra: &str) -> Vec<u8> {
    let (_dir, templates) = planted_templates(subject_extra, body_extra);
    let message = render_message(input, MessageKind::PreAnnouncement, &templates).unwrap();
    let date = SystemTime::UNIX_EPOCH + Duration::from_secs(1_614_938_400);
    compose(&message, &addressing(), date, 0).unwrap().bytes
}

/// The kind a variant names, as `expect.toml` files and JSON reports spell it.
fn kind_of(name: &str) -> DetailKind {
    match name {
        "cve" => DetailKind::Cve,
        "issue-number" => DetailKind::IssueNumber,
        "package" => DetailKind::Package,
        "title" => DetailKind::Title,
        "credit" => DetailKind::Credit,
        "fix-link" => DetailKind::FixLink,
        "track-label" => DetailKind::TrackLabel,
        other => panic!("unknown kind {other}"),
    }
}

fn describe(leaks: &[Leak]) -> String {
    let lines: Vec<String> = leaks.iter().map(|l| format!("    {l}")).collect();
    lines.join("\n")
}

#[test]
fn every_planted_variant_is_caught_in_every_part_of_the_composed_mail() {
    let input = release();
    let embargo = Embargo::new(&input);
    let variants = variants();
    assert!(variants.len() >= 100, "{} variants", variants.len());
    // class → (caught, planted)
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for v in &variants {
        let parts = v
            .parts
            .clone()
            .unwrap_or_else(|| vec!["subject".into(), "text".into(), "html".into()]);
        let in_subject = parts.iter().any(|p| p == "subject");
        let in_body = parts.iter().any(|p| p != "subject");
        let bytes = composed(
            &input,
            if in_subject { &v.plant } else { "" },
            if in_body { &v.plant } else { "" },
        );
        let leaks = check_email(&embargo, MessageKind::PreAnnouncement, &bytes);
        for part in &parts {
            let want = match part.as_str() {
                "subject" => Part::Subject,
                "text" => Part::Text,
                "html" => Part::Html,
                other => panic!("{}: unknown part {other}", v.form),
            };
            let hit = leaks
                .iter()
                .any(|l| l.part == want && l.kind == kind_of(&v.kind) && l.detail == v.detail);
            let slot = tally.entry(v.class.clone()).or_default();
            slot.1 += 1;
            if hit {
                slot.0 += 1;
            } else {
                misses.push(format!(
                    "{} / {} in the {part}: {:?} not reported as {} {:?}; found:\n{}",
                    v.class,
                    v.form,
                    v.plant,
                    v.kind,
                    v.detail,
                    describe(&leaks)
                ));
            }
        }
    }
    for (class, (caught, planted)) in &tally {
        eprintln!("{class:12} {caught:4} caught of {planted:4} planted");
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn the_corpus_plants_every_class_in_every_part() {
    let mut seen = std::collections::BTreeSet::new();
    for v in variants() {
        for part in v
            .parts
            .unwrap_or_else(|| vec!["subject".into(), "text".into(), "html".into()])
        {
            seen.insert((v.class.clone(), part));
        }
    }
    for class in [
        "cve",
        "punctuation",
        "invisible",
        "compat",
        "package",
        "title",
        "credit",
        "fix-link",
    ] {
        for part in ["subject", "text", "html"] {
            assert!(
                seen.contains(&(class.to_string(), part.to_string())),
                "no {class} variant in the {part}"
            );
        }
    }
    assert!(seen.contains(&("encoding".to_string(), "subject".to_string())));
}

/// The subject line of the issue: an ISO-8859-1 encoded word reaches the list as a CVE id.
#[test]
fn a_latin1_encoded_word_subject_is_caught_on_the_wire() {
    let input = release();
    let bytes = composed(&input, "=?iso-8859-1?b?Q1ZFLTIwMjEtMjc5MTg=?=", "");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("=?iso-8859-1?b?Q1ZFLTIwMjEtMjc5MTg=?="),
        "the word goes out as written: {raw}"
    );
    let leaks = check_email(&Embargo::new(&input), MessageKind::PreAnnouncement, &bytes);
    let subject: Vec<(DetailKind, &str, Option<u64>)> = leaks
        .iter()
        .filter(|l| l.part == Part::Subject)
        .map(|l| (l.kind, l.detail.as_str(), l.issue))
        .collect();
    assert_eq!(
        subject,
        [(DetailKind::Cve, "CVE-2021-27918", Some(44913))],
        "{}",
        describe(&leaks)
    );
}

/// Hand-made mail: mixed encodings in a From display name, a QP text part and a
/// base64 HTML part, each hiding a detail only a decoder sees.
#[test]
fn hand_made_mime_is_read_as_a_reader_shows_it() {
    let embargo = Embargo::new(&release());
    let mail =
        "From: =?iso-8859-1?q?S=E1m?= =?windows-1252?B?V2hpdGVk?= <releases@example.org>\r\n\
                To: list@example.org\r\n\
                Reply-To: =?utf-8?q?encoding=2Exml?= <x@example.org>\r\n\
                Subject: Go 1.16.1 pre-announcement\r\n\
                Message-ID: <herald.953d1feca9b21af0@example.org>\r\n\
                MIME-Version: 1.0\r\n\
                Content-Type: multipart/alternative; boundary=\"b\"\r\n\
                \r\n\
                --b\r\n\
                Content-Type: text/plain; charset=iso-8859-1\r\n\
                Content-Transfer-Encoding: quoted-printable\r\n\
                \r\n\
                Line one.\r\n\
                See issue 449=\r\n\
                13=AB.\r\n\
                --b\r\n\
                Content-Type: text/html; charset=utf-8\r\n\
                Content-Transfer-Encoding: base64\r\n\
                \r\n\
                PHA+Q1ZFLTIwMjEtPGI+Mjc5MTg8L2I+PC9wPg==\r\n\
                --b--\r\n";
    let leaks = check_email(&embargo, MessageKind::PreAnnouncement, mail.as_bytes());
    let found: Vec<(Part, DetailKind, &str)> = leaks
        .iter()
        .map(|l| (l.part, l.kind, l.detail.as_str()))
        .collect();
    for want in [
        (Part::Headers, DetailKind::Credit, "Sam Whited"),
        (Part::Headers, DetailKind::Package, "encoding/xml"),
        (Part::Text, DetailKind::IssueNumber, "44913"),
        (Part::Html, DetailKind::Cve, "CVE-2021-27918"),
    ] {
        assert!(found.contains(&want), "{want:?} not in {found:?}");
    }
    // The Message-ID is herald's own and no reader shows it: its hex is no fix link.
    assert!(
        !found.iter().any(|f| f.1 == DetailKind::FixLink),
        "{found:?}"
    );
    let text = leaks.iter().find(|l| l.part == Part::Text).unwrap();
    assert_eq!(text.line, 2, "{text}");
}

/// HTML read as a browser reads it: references, overrides and attribute values.
#[test]
fn html_is_read_as_a_browser_displays_it() {
    let embargo = Embargo::new(&release());
    for (html, kind, detail) in [
        (
            "<p>CVE-2021-&#x2060;27918</p>",
            DetailKind::Cve,
            "CVE-2021-27918",
        ),
        (
            "<p>CVE&lrm;-2021&ic;-27918</p>",
            DetailKind::Cve,
            "CVE-2021-27918",
        ),
        (
            "<p><bdo dir=\"rtl\">81972-1202-EVC</bdo></p>",
            DetailKind::Cve,
            "CVE-2021-27918",
        ),
        (
            "<p><span dir=rtl style=\"unicode-bidi: bidi-override\">31944#</span></p>",
            DetailKind::IssueNumber,
            "44913",
        ),
        (
            "<p>CVE-2021-<!-- x -->27918</p>",
            DetailKind::Cve,
            "CVE-2021-27918",
        ),
        (
            "<img alt=\"encoding&sol;xml\">",
            DetailKind::Package,
            "encoding/xml",
        ),
        (
            "<a href=\"https://go.dev/issue/&#52;4913\">x</a>",
            DetailKind::IssueNumber,
            "44913",
        ),
        (
            "<p title='Sam&#32;Whited'>x</p>",
            DetailKind::Credit,
            "Sam Whited",
        ),
        (
            "<p>CVE&NoBreak;-2021-27918</p>",
            DetailKind::Cve,
            "CVE-2021-27918",
        ),
    ] {
        let leaks = embargo.scan(Part::Html, html);
        assert!(
            leaks.iter().any(|l| l.kind == kind && l.detail == detail),
            "{html}: {}",
            describe(&leaks)
        );
        for leak in &leaks {
            assert!(html.contains(&leak.found), "{html}: {leak}");
        }
    }
}
