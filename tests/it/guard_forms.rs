//! Forms of an embargoed detail that a person writes without thinking of them as
//! the detail: a package's path within its module, a term the description puts in
//! parentheses, the command a title quotes, a track word before "fix", a name
//! spelt in invisible tag characters, an advisory's id, a package's last element
//! with a digit, and title words an override's `words.toml` lists. And what must still pass: the project's own name inside a credit, and the
//! everyday words of a handle made of them.

use herald::guard::{check_message, DetailKind, Embargo};
use herald::load::{parse_release, LoadedRelease};
use herald::model::{MessageKind, Profile};
use herald::render::{render_message, RenderedMessage, Templates};
use herald::source::SourceFile;

const RELEASE: &str = r#"[project]
name = "Go"
tag_prefix = "go"
policy_url = "https://go.dev/security/policy"
release_notes_url = "https://go.dev/doc/devel/release#{tag}"
download_url = "https://go.dev/dl/"
issue_url = "https://go.dev/issue/{id}"

[release]
versions = ["1.26.3", "1.25.10"]
date = 2026-05-12
kind = "minor"
pre_announcement = 2026-05-07
signers = ["Dana"]

[[security]]
track = "private"
packages = ["vendor/golang.org/x/text/unicode/norm"]
cves = ["CVE-2026-50101"]
issue = 79001
title = "unbounded recursion when normalizing combining sequences"
description = """
A long run of combining marks makes the normalizer recurse once per mark. Builds
that verify modules against the checksum database (GOSUMDB) are not affected."""
credit = "@long-name-let-people-remember-you"

[[security]]
track = "private"
packages = ["golang.org/x/net/http2"]
cves = ["CVE-2026-50103"]
advisory = "https://pkg.go.dev/vuln/GO-2026-4440"
title = "excess memory for many small frames"
description = "A peer can make a server hold memory for frames it never reads."

[[security]]
track = "private"
packages = ["cmd/go", "archive/tar"]
cves = ["CVE-2026-50102"]
issue = 79002
title = "arbitrary file write through \"go bug\""
description = "The command writes its report to a path taken from the environment."
credit = "Wiktor Nowotarski"
"#;

const ACME: &str = r#"[project]
name = "Acme DB"
profile = "generic"
policy_url = "https://acmedb.example/security"
release_notes_url = "https://acmedb.example/releases/{version}"
download_url = "https://acmedb.example/download"
issue_url = "https://tracker.acmedb.example/issues/{id}"

[[project.scope]]
name = "the storage engine"
prefixes = ["storage/"]

[release]
versions = ["3.5.2"]
date = 2026-03-10
kind = "minor"
pre_announcement = 2026-03-05

[[security]]
track = "private"
packages = ["storage/wal"]
cves = ["CVE-2026-0001"]
title = "crash when replaying a truncated log"
description = "Replaying a log whose last record is cut short reads past a buffer."
credit = "Ada Lovelace through the Acme DB bug bounty program"
"#;

fn load(text: &str) -> LoadedRelease {
    parse_release(SourceFile::new("release.toml", text.to_string())).expect("loads")
}

/// The kinds of detail the guard reports for a pre-announcement of `input` whose
/// text and HTML are `plant`, under `templates`.
fn reported(input: &LoadedRelease, templates: &Templates, plant: &str) -> Vec<DetailKind> {
    let message = RenderedMessage {
        text: format!("{plant}\n"),
        html: format!("<p>{plant}</p>\n"),
        ..render_message(input, MessageKind::PreAnnouncement, templates).expect("renders")
    };
    let embargo = Embargo::with_wording(input, templates.wording());
    let mut kinds: Vec<DetailKind> = check_message(&embargo, &message, "")
        .iter()
        .map(|l| l.kind)
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[test]
fn forms_a_person_writes_are_caught() {
    let input = load(RELEASE);
    let templates = Templates::builtin(Profile::Go2021).unwrap();
    let tags: String = "Nowotarski"
        .chars()
        .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
        .collect();
    for (plant, kind) in [
        ("Users of unicode/norm should update.", DetailKind::Package),
        ("Check your GOSUMDB setting.", DetailKind::Description),
        ("Avoid running go bug until then.", DetailKind::Title),
        (
            "These releases include private security fixes.",
            DetailKind::TrackLabel,
        ),
        ("One of them is an urgent fix.", DetailKind::TrackLabel),
        (
            &format!("Thanks to our reporter {tags}."),
            DetailKind::Credit,
        ),
        (
            "Thanks to long-name-let-people-remember-you.",
            DetailKind::Credit,
        ),
        (
            "The fixes are private until release day.",
            DetailKind::TrackLabel,
        ),
        (
            "This is an urgent security release.",
            DetailKind::TrackLabel,
        ),
        ("See GO-2026-4440 after the release.", DetailKind::FixLink),
        ("Servers speaking http2 should update.", DetailKind::Package),
    ] {
        let kinds = reported(&input, &templates, plant);
        assert!(kinds.contains(&kind), "{plant:?}: {kinds:?}");
    }
}

#[test]
fn an_overrides_words_keep_title_words_apart_but_not_side_by_side() {
    let input = load(RELEASE);
    let dir = tempfile::tempdir().unwrap();
    let builtin = std::fs::read_to_string("templates/go-2021/words.toml").unwrap();
    let words = builtin.replacen(
        "words = [",
        "words = [\"unbounded\", \"recursion\", \"combining\", ",
        1,
    );
    std::fs::write(dir.path().join("words.toml"), words).unwrap();
    let templates = Templates::with_overrides(dir.path(), Profile::Go2021).unwrap();
    let side_by_side = "A fix for unbounded recursion is coming.";
    assert!(reported(&input, &templates, side_by_side).contains(&DetailKind::Title));
    let apart = "Recursion is unbounded in our plans: we are combining two releases.";
    assert!(!reported(&input, &templates, apart).contains(&DetailKind::Title));
}

#[test]
fn the_projects_name_in_a_credit_and_a_handles_everyday_words_pass() {
    let templates = Templates::builtin(Profile::Go2021).unwrap();
    let input = load(RELEASE);
    for plant in [
        "Please remember to update, and let people in your team know.",
        "We know the wait is long; thank you.",
        "Source archives (go1.26.3.src.tar.gz) will be on the download page.",
    ] {
        assert_eq!(reported(&input, &templates, plant), [], "{plant:?}");
    }
    // A joined handle counts by its words that are no everyday ones, and a package
    // named by an everyday word counts in capitals.
    let text = RELEASE
        .replace("@long-name-let-people-remember-you", "@zhaoxin-bug-hunter")
        .replace(
            "\"cmd/go\", \"archive/tar\"",
            "\"cmd/go\", \"text/template\"",
        );
    let changed = load(&text);
    assert!(reported(&changed, &templates, "Thanks to zhaoxin.").contains(&DetailKind::Credit));
    assert_eq!(
        reported(&changed, &templates, "Every bug hunter is welcome."),
        []
    );
    assert!(
        reported(&changed, &templates, "The TEMPLATE fixes matter.").contains(&DetailKind::Package)
    );
    assert_eq!(
        reported(&changed, &templates, "A template for your notes."),
        []
    );
    let acme = load(ACME);
    let generic = Templates::builtin(Profile::Generic).unwrap();
    assert_eq!(reported(&acme, &generic, "Acme DB 3.5.2 is coming."), []);
    assert_eq!(
        reported(&acme, &generic, "Thanks to Lovelace."),
        [DetailKind::Credit]
    );
}
