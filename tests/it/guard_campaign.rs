//! Issue #22: the guard guards every word a person writes.
//!
//! `tests/guard/campaign/` holds a release of five private fixes written the way real
//! Go entries are (`release.toml`), a module release (`module.toml`), leaks planted
//! in the text of a pre-announcement (`leaks.toml`), leaks through release-file
//! fields, herald.toml addresses and template overrides (`fields.toml`), and clean
//! text of real pre-announcements that must pass (`clean.toml`). Every message is
//! composed into the bytes `send` writes and guarded as `send` guards it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use herald::guard::{check_email, Leak};
use herald::load::{parse_release, LoadedRelease};
use herald::model::Addressing;
use herald::model::{MessageKind, Profile};
use herald::render::{compose, render_message, Templates};
use herald::source::SourceFile;
use serde::Deserialize;

use crate::support::guard::{addressing, planted_templates};

fn campaign_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guard/campaign")
}

fn release_text(which: Option<&str>) -> (PathBuf, String) {
    let name = match which {
        Some("module") => "module.toml",
        _ => "release.toml",
    };
    let path = campaign_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

fn load(path: PathBuf, text: String) -> LoadedRelease {
    parse_release(SourceFile::new(path, text)).expect("the campaign release loads")
}

/// The bytes `send` writes for the pre-announcement under `templates` and `addressing`.
fn composed(input: &LoadedRelease, templates: &Templates, addressing: &Addressing) -> Vec<u8> {
    let message = render_message(input, MessageKind::PreAnnouncement, templates).unwrap();
    let date = SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_500_000);
    compose(&message, addressing, date, 0).unwrap().bytes
}

fn guard(input: &LoadedRelease, templates: &Templates, addressing: &Addressing) -> Vec<Leak> {
    let bytes = composed(input, templates, addressing);
    let embargo = herald::guard::Embargo::with_wording(input, templates.wording());
    check_email(&embargo, MessageKind::PreAnnouncement, &bytes)
}

fn kind_name(leak: &Leak) -> String {
    serde_json::to_value(leak.kind)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn describe(leaks: &[Leak]) -> String {
    leaks.iter().map(|l| format!("    {l}\n")).collect()
}

/// Whether `leaks` report `kind` (and `detail`, when given).
fn reported(leaks: &[Leak], kind: &str, detail: Option<&str>) -> bool {
    leaks
        .iter()
        .any(|l| kind_name(l) == kind && detail.is_none_or(|d| l.detail == d))
}

/// Caught and planted by class, printed; every miss described.
#[derive(Default)]
struct Tally {
    classes: BTreeMap<String, (usize, usize)>,
    misses: Vec<String>,
}

impl Tally {
    fn record(&mut self, class: &str, caught: bool, miss: impl FnOnce() -> String) {
        let slot = self.classes.entry(class.to_string()).or_default();
        slot.1 += 1;
        if caught {
            slot.0 += 1;
        } else {
            self.misses.push(miss());
        }
    }

    fn assert_all(self) {
        for (class, (caught, planted)) in &self.classes {
            eprintln!("{class:18} {caught:3} caught of {planted:3} planted");
        }
        assert!(self.misses.is_empty(), "{}", self.misses.join("\n"));
    }
}

#[derive(Deserialize)]
struct Leaks {
    leak: Vec<Planted>,
}

#[derive(Deserialize)]
struct Planted {
    class: String,
    plant: String,
    kind: String,
    detail: Option<String>,
    release: Option<String>,
    #[serde(rename = "where")]
    place: Option<String>,
}

#[test]
fn every_planted_leak_of_the_campaign_is_caught() {
    let text = std::fs::read_to_string(campaign_dir().join("leaks.toml")).unwrap();
    let planted = toml::from_str::<Leaks>(&text).unwrap().leak;
    assert!(planted.len() >= 50, "{} leaks", planted.len());
    let mut tally = Tally::default();
    for leak in &planted {
        let (path, text) = release_text(leak.release.as_deref());
        let input = load(path, text);
        let in_subject = leak.place.as_deref() == Some("subject");
        let (_dir, templates) = if in_subject {
            planted_templates(&leak.plant, "")
        } else {
            planted_templates("", &leak.plant)
        };
        let leaks = guard(&input, &templates, &addressing());
        let caught = reported(&leaks, &leak.kind, leak.detail.as_deref());
        tally.record(&leak.class, caught, || {
            format!(
                "{}: {:?} not reported as {} {:?}; found:\n{}",
                leak.class,
                leak.plant,
                leak.kind,
                leak.detail,
                describe(&leaks)
            )
        });
    }
    tally.assert_all();
}

#[derive(Deserialize)]
struct Fields {
    field: Vec<Field>,
    header: Vec<Header>,
    template: Vec<TemplateCase>,
}

#[derive(Deserialize)]
struct Field {
    class: String,
    table: String,
    set: String,
    kind: String,
    detail: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    class: String,
    from: Option<String>,
    reply_to: Option<String>,
    cc: Option<String>,
    kind: String,
}

#[derive(Deserialize)]
struct TemplateCase {
    class: String,
    text: String,
    kind: String,
}

/// `text` with the TOML line `set` in `[table]`, replacing the key if it is there.
pub fn with_field(text: &str, table: &str, set: &str) -> String {
    let key = set.split('=').next().unwrap().trim();
    let header = format!("[{table}]\n");
    let at = text.find(&header).unwrap() + header.len();
    let (before, after) = text.split_at(at);
    let kept: Vec<&str> = after
        .lines()
        .filter(|line| line.split('=').next().map(str::trim) != Some(key))
        .collect();
    format!("{before}{set}\n{}\n", kept.join("\n"))
}

#[test]
fn fields_addresses_and_overrides_are_guarded_like_any_text() {
    let text = std::fs::read_to_string(campaign_dir().join("fields.toml")).unwrap();
    let cases: Fields = toml::from_str(&text).unwrap();
    let builtin = Templates::builtin(Profile::default()).unwrap();
    let mut tally = Tally::default();
    for field in &cases.field {
        let (path, text) = release_text(None);
        let input = load(path, with_field(&text, &field.table, &field.set));
        let leaks = guard(&input, &builtin, &addressing());
        let caught = reported(&leaks, &field.kind, field.detail.as_deref());
        tally.record(&field.class, caught, || {
            format!(
                "{}: not reported as {}; found:\n{}",
                field.set,
                field.kind,
                describe(&leaks)
            )
        });
    }
    let (path, text) = release_text(None);
    let input = load(path, text);
    for header in &cases.header {
        let mut addressing = addressing();
        if let Some(from) = &header.from {
            addressing.from = from.clone();
        }
        if let Some(reply_to) = &header.reply_to {
            addressing.reply_to = Some(reply_to.clone());
        }
        if let Some(cc) = &header.cc {
            addressing.cc = vec![cc.clone()];
        }
        let leaks = guard(&input, &builtin, &addressing);
        let caught = reported(&leaks, &header.kind, None);
        tally.record(&header.class, caught, || {
            format!(
                "{:?}: not reported as {}; found:\n{}",
                (&header.from, &header.reply_to, &header.cc),
                header.kind,
                describe(&leaks)
            )
        });
    }
    for case in &cases.template {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pre-announcement.md"), &case.text).unwrap();
        let templates = Templates::with_overrides(dir.path(), Profile::default()).unwrap();
        let leaks = guard(&input, &templates, &addressing());
        let caught = reported(&leaks, &case.kind, None);
        tally.record(&case.class, caught, || {
            format!(
                "{}: not reported as {}; found:\n{}",
                case.text,
                case.kind,
                describe(&leaks)
            )
        });
    }
    tally.assert_all();
}

#[derive(Deserialize)]
struct Cleans {
    clean: Vec<Clean>,
}

#[derive(Deserialize)]
struct Clean {
    form: String,
    plant: String,
    release: Option<String>,
}

#[test]
fn real_pre_announcement_wording_passes() {
    let text = std::fs::read_to_string(campaign_dir().join("clean.toml")).unwrap();
    let cases = toml::from_str::<Cleans>(&text).unwrap().clean;
    assert!(cases.len() >= 20, "{} clean cases", cases.len());
    let mut alarms = Vec::new();
    for case in &cases {
        let (path, text) = release_text(case.release.as_deref());
        let input = load(path, text);
        let (_dir, templates) = planted_templates("", &case.plant);
        let leaks = guard(&input, &templates, &addressing());
        if !leaks.is_empty() {
            alarms.push(format!(
                "{}: {:?}\n{}",
                case.form,
                case.plant,
                describe(&leaks)
            ));
        }
    }
    eprintln!(
        "clean: {} false alarms of {} messages",
        alarms.len(),
        cases.len()
    );
    assert!(alarms.is_empty(), "{}", alarms.join("\n"));
}

/// The built-in pre-announcements of both campaign releases pass, and so does the
/// built-in announcement (labels and charsets only) though it names every detail.
#[test]
fn the_builtin_messages_of_the_campaign_pass() {
    for which in [None, Some("module")] {
        let (path, text) = release_text(which);
        let input = load(path, text);
        let builtin = Templates::builtin(Profile::default()).unwrap();
        let leaks = guard(&input, &builtin, &addressing());
        assert!(leaks.is_empty(), "{which:?}\n{}", describe(&leaks));
        let message = render_message(&input, MessageKind::Announcement, &builtin).unwrap();
        let date = SystemTime::UNIX_EPOCH + Duration::from_secs(1_751_900_000);
        let bytes = compose(&message, &addressing(), date, 0).unwrap().bytes;
        let embargo = herald::guard::Embargo::labels_only();
        let leaks = check_email(&embargo, MessageKind::Announcement, &bytes);
        assert!(leaks.is_empty(), "{which:?}\n{}", describe(&leaks));
    }
}

/// The guard reads a signed message as it goes out: an armor header line that names
/// a detail is caught in a PGP/MIME signature part and in an inline signature, while
/// the signature's radix-64 data is no text to it.
#[test]
fn armor_header_lines_of_a_signed_message_are_guarded() {
    let (path, text) = release_text(None);
    let input = load(path, text);
    let embargo = herald::guard::Embargo::new(&input);
    let armor = "-----BEGIN PGP SIGNATURE-----\r\nComment: CVE-2025-61802, see issue 75124\r\n\r\n\
                 iHUEARYIAB0WIQR1MTI0NzUxMjQ3NTEyNDc1MTI0\r\n=xye6\r\n-----END PGP SIGNATURE-----\r\n";
    let pgp_mime = format!(
        "From: releases@example.org\r\nSubject: Go 1.24.5 pre-announcement\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=\"s\"\r\n\r\n\
         --s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello gophers.\r\n\
         --s\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n{armor}--s--\r\n"
    );
    let inline = format!(
        "From: releases@example.org\r\nSubject: Go 1.24.5 pre-announcement\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\n\
         Hello gophers.\r\n{armor}"
    );
    for mail in [pgp_mime, inline] {
        let leaks = check_email(&embargo, MessageKind::PreAnnouncement, mail.as_bytes());
        assert!(
            reported(&leaks, "cve", Some("CVE-2025-61802")),
            "{}",
            describe(&leaks)
        );
        assert!(
            reported(&leaks, "issue-number", Some("75124")),
            "{}",
            describe(&leaks)
        );
        let clean = mail.replace("Comment: CVE-2025-61802, see issue 75124\r\n", "");
        let leaks = check_email(&embargo, MessageKind::PreAnnouncement, clean.as_bytes());
        assert!(leaks.is_empty(), "{}", describe(&leaks));
    }
}
