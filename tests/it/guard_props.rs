//! Property tests of the embargo guard: random releases, random filler text.
//!
//! Generated details use words that start with `q` / `Q`, which no filler word
//! does, so that a hit can only come from the planted detail.

use herald::guard::{DetailKind, Embargo, Part};
use herald::load::{parse_release, LoadedRelease};
use herald::source::SourceFile;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct GenIssue {
    cve_year: u32,
    cve_seq: u64,
    number: u64,
    package: String,
    title: Vec<String>,
    first: String,
    last: String,
    cl: u64,
}

fn word() -> impl Strategy<Value = String> {
    "q[a-z]{3,8}"
}

fn name() -> impl Strategy<Value = String> {
    "Q[a-z]{3,8}"
}

fn package() -> impl Strategy<Value = String> {
    ("q[a-z]{2,6}", proptest::option::of("q[a-z]{2,6}"))
        .prop_map(|(a, b)| b.map_or_else(|| a.clone(), |b| format!("{a}/{b}")))
}

fn issue() -> impl Strategy<Value = GenIssue> {
    (
        1999u32..=2030,
        10_000u64..=9_999_999,
        10_000u64..=99_999,
        package(),
        proptest::collection::vec(word(), 2..6),
        name(),
        name(),
        100_000u64..=999_999,
    )
        .prop_map(
            |(cve_year, cve_seq, number, package, title, first, last, cl)| GenIssue {
                cve_year,
                cve_seq,
                number,
                package,
                title,
                first,
                last,
                cl,
            },
        )
}

fn release(issues: &[GenIssue]) -> LoadedRelease {
    let mut text = String::from(
        r#"[project]
name = "Go"
tag_prefix = "go"
policy_url = "https://go.dev/security/policy"
release_notes_url = "https://go.dev/doc/devel/release#{tag}"
download_url = "https://go.dev/dl/"
issue_url = "https://go.dev/issue/{id}"
release_window = "during US business hours"

[release]
versions = ["1.16.1", "1.15.9"]
date = 2021-03-10
kind = "minor"
signers = ["Katie", "Filippo"]
"#,
    );
    for issue in issues {
        text.push_str(&format!(
            "\n[[security]]\ntrack = \"private\"\npackages = [\"{}\"]\ncves = [\"CVE-{}-{}\"]\nissue = {}\ntitle = \"{}\"\ndescription = \"x\"\ncredit = \"{} {}\"\nlinks = [\"https://go.dev/cl/{}\"]\n",
            issue.package,
            issue.cve_year,
            issue.cve_seq,
            issue.number,
            issue.title.join(" "),
            issue.first,
            issue.last,
            issue.cl
        ));
    }
    parse_release(SourceFile::new("generated.toml", text)).expect("the generated release loads")
}

/// Every form a detail of `issue` may take: (text, kind, detail).
fn forms(issue: &GenIssue) -> Vec<(String, DetailKind, String)> {
    let (y, s, n) = (issue.cve_year, issue.cve_seq, issue.number);
    let cve = format!("CVE-{y}-{s}");
    let mut out = Vec::new();
    for text in [
        cve.clone(),
        cve.to_lowercase(),
        format!("CVE {y} {s}"),
        format!("CVE\u{2011}{y}\u{2011}{s}"),
        format!("CVE\u{2013}{y}\u{2013}{s}"),
        format!("cve_{y}_{s}"),
        format!("Cve-{y}-\u{00AD}{s}"),
        format!("{y}-{s}"),
    ] {
        out.push((text, DetailKind::Cve, cve.clone()));
    }
    for text in [
        format!("#{n}"),
        format!("issue {n}"),
        format!("Issue #{n}"),
        format!("issues/{n}"),
        format!("go.dev/issue/{n}"),
        format!("https://go.dev/issue/{n}"),
        format!("golang.org/issue/{n}"),
        format!("https://github.com/golang/go/issues/{n}"),
        format!("golang/go#{n}"),
        format!("({n})"),
    ] {
        out.push((text, DetailKind::IssueNumber, n.to_string()));
    }
    let last = issue.package.rsplit('/').next().unwrap();
    for text in [
        issue.package.clone(),
        issue.package.to_uppercase(),
        format!("{last}.Qident"),
        format!("https://pkg.go.dev/{}", issue.package),
    ] {
        out.push((text, DetailKind::Package, issue.package.clone()));
    }
    let title = issue.title.join(" ");
    out.push((title.clone(), DetailKind::Title, title.clone()));
    for pair in issue.title.windows(2) {
        out.push((
            format!("{} {}", pair[0], pair[1]),
            DetailKind::Title,
            title.clone(),
        ));
        out.push((
            format!("{}, the {}", pair[0].to_uppercase(), pair[1]),
            DetailKind::Title,
            title.clone(),
        ));
    }
    let credit = format!("{} {}", issue.first, issue.last);
    for text in [
        credit.clone(),
        credit.to_lowercase(),
        issue.last.clone(),
        format!("{}\n{}", issue.first, issue.last),
    ] {
        out.push((text, DetailKind::Credit, credit.clone()));
    }
    let link = format!("https://go.dev/cl/{}", issue.cl);
    for text in [
        link.clone(),
        format!("go.dev/cl/{}", issue.cl),
        format!("CL {}", issue.cl),
    ] {
        out.push((text, DetailKind::FixLink, link.clone()));
    }
    out
}

/// Words that the guard must never report, whatever the release. The track words are
/// not among them: in a pre-announcement "private fixes" names a track.
const SAFE: &[&str] = &[
    "We",
    "plan",
    "to",
    "issue",
    "the",
    "network",
    "timeout",
    "2021",
    "1.16.1",
    "Go",
    "March",
    "10,",
    "release",
    "security",
    "fixes",
    "standard",
    "library",
    "toolchain",
    "Wednesday",
    "policy",
    "and",
    "of",
    "these",
    "minor",
    "releases",
    "include",
    "4491300",
    "2021-03-10",
    "XML",
    "encoding",
    "timely",
    "Katie",
    "Filippo",
    "team",
    "during",
    "US",
    "business",
    "hours",
    "Thanks,",
    "pre-announcement",
    "(see",
    "it).",
    "https://go.dev/security/policy",
    "CVEs",
    "issues",
    "tracker",
    "\n",
    "\n\n",
    "-",
    "go1.16.1",
    "10:30",
];

fn filler() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(proptest::sample::select(SAFE), 0..60)
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![Just(Part::Subject), Just(Part::Text), Just(Part::Html)]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Joins words into the given part's form.
fn compose(part: Part, words: &[String]) -> String {
    let text = words.join(" ");
    match part {
        Part::Html => format!(
            "<!DOCTYPE html>\n<html><body>\n<p>{}</p>\n</body></html>\n",
            escape(&text)
        ),
        Part::Subject => text.replace('\n', " "),
        _ => text,
    }
}

/// Punctuation a template might put right against a detail.
const PUNCTUATION: &[&str] = &[
    "\u{201C}", "\u{201D}", "\u{2018}", "\u{2019}", "\u{2026}", "\u{AB}", "\u{BB}", "\u{2014}",
    "\u{2013}", "\u{B7}", "\u{2022}", "\u{2192}", "\u{2190}", "\u{A1}", "\u{BF}", "(", ")", "[",
    "]", "!", "?", ";", ":", ",", "\u{201E}", "\u{2039}", "\u{203A}", "\u{203B}", "\u{A7}",
    "\u{B6}", "\u{2020}", "\u{2021}", "\u{2032}", "\u{2033}", "\u{3001}", "\u{3002}", "\u{300C}",
    "\u{300D}", "\u{3010}", "\u{3011}", "\u{FF08}", "\u{FF09}", "\u{FF01}", "\u{2E2E}",
];

/// Characters a reader does not see: format characters and bidi controls (all but
/// the right-to-left override, which reorders what follows).
const INVISIBLE: &[char] = &[
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{2060}', '\u{2061}', '\u{2062}',
    '\u{2063}', '\u{2064}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}',
    '\u{2068}', '\u{2069}', '\u{FEFF}', '\u{AD}', '\u{180E}', '\u{34F}',
];

/// How to disguise a text: punctuation glued before and after it, invisible
/// characters slipped in, and which characters to write in their full-width form.
#[derive(Debug, Clone)]
struct Disguise {
    before: Vec<&'static str>,
    after: Vec<&'static str>,
    invisible: Vec<(prop::sample::Index, char)>,
    full_width: u64,
}

fn disguise() -> impl Strategy<Value = Disguise> {
    (
        proptest::collection::vec(proptest::sample::select(PUNCTUATION), 0..3),
        proptest::collection::vec(proptest::sample::select(PUNCTUATION), 0..3),
        proptest::collection::vec(
            (
                any::<prop::sample::Index>(),
                proptest::sample::select(INVISIBLE),
            ),
            0..4,
        ),
        any::<u64>(),
    )
        .prop_map(|(before, after, invisible, full_width)| Disguise {
            before,
            after,
            invisible,
            full_width,
        })
}

impl Disguise {
    fn apply(&self, text: &str) -> String {
        let mut chars: Vec<char> = text
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let wide = (self.full_width >> (i % 64)) & 1 == 1;
                match c {
                    '!'..='~' if wide => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                    _ => c,
                }
            })
            .collect();
        for (at, c) in &self.invisible {
            let at = at.index(chars.len() + 1);
            chars.insert(at, *c);
        }
        let mut out: String = self.before.concat();
        out.extend(chars);
        out.push_str(&self.after.concat());
        out
    }
}

/// Where to plant a detail: the issues, which issue, which form, the filler words,
/// where among them, and in which part.
type Planting = (
    Vec<GenIssue>,
    prop::sample::Index,
    prop::sample::Index,
    Vec<&'static str>,
    prop::sample::Index,
    Part,
);

fn planting() -> impl Strategy<Value = Planting> {
    (
        proptest::collection::vec(issue(), 1..4),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        filler(),
        any::<prop::sample::Index>(),
        part(),
    )
}

/// Plants one form of one detail of `issues`, disguised or not, among filler words
/// and requires the guard to find it in `part`.
fn planted_detail_is_found(
    issues: &[GenIssue],
    which: prop::sample::Index,
    form: prop::sample::Index,
    words: &[&str],
    at: prop::sample::Index,
    part: Part,
    disguise: Option<&Disguise>,
) -> Result<(), TestCaseError> {
    let input = release(issues);
    let embargo = Embargo::new(&input);
    let issue = which.get(issues);
    let all = forms(issue);
    let (text, kind, detail) = form.get(&all).clone();
    let planted = disguise.map_or_else(|| text.clone(), |d| d.apply(&text));
    let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let position = at.index(words.len() + 1);
    words.insert(position, planted.clone());
    let message = compose(part, &words);
    let leaks = embargo.scan(part, &message);
    prop_assert!(
        leaks
            .iter()
            .any(|l| l.kind == kind && l.detail == detail && l.part == part),
        "{:?} {:?} planted as {:?} not found in {:?}; found {:?}",
        kind,
        detail,
        planted,
        message,
        leaks
    );
    Ok(())
}

proptest! {
    #[test]
    fn a_planted_detail_is_found((issues, which, form, words, at, part) in planting()) {
        planted_detail_is_found(&issues, which, form, &words, at, part, None)?;
    }

    #[test]
    fn safe_filler_finds_nothing(
        issues in proptest::collection::vec(issue(), 1..4),
        words in filler(),
        part in part(),
    ) {
        let input = release(&issues);
        let embargo = Embargo::new(&input);
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let message = compose(part, &words);
        let leaks = embargo.scan(part, &message);
        prop_assert!(leaks.is_empty(), "{:?} in {:?}", leaks, message);
    }

    #[test]
    fn any_text_scans_without_panicking(
        issues in proptest::collection::vec(issue(), 1..3),
        text in "(\\PC|[<>&;=?#/\\-]|&amp;|&#x2011;|=\\?utf-8\\?[bq]\\?|\\?=|CVE|<b>|\n){0,80}",
        part in prop_oneof![Just(Part::Subject), Just(Part::Headers), Just(Part::Text), Just(Part::Html)],
    ) {
        let embargo = Embargo::new(&release(&issues));
        for leak in embargo.scan(part, &text) {
            prop_assert!(text.contains(&leak.found));
            prop_assert!(leak.line >= 1 && leak.line <= text.lines().count().max(1));
        }
    }

    #[test]
    fn a_disguised_detail_is_found(
        (issues, which, form, words, at, part) in planting(),
        disguise in disguise(),
    ) {
        planted_detail_is_found(&issues, which, form, &words, at, part, Some(&disguise))?;
    }

    #[test]
    fn disguised_filler_finds_nothing(
        issues in proptest::collection::vec(issue(), 1..4),
        words in proptest::collection::vec((proptest::sample::select(SAFE), disguise()), 0..40),
        part in part(),
    ) {
        let input = release(&issues);
        let embargo = Embargo::new(&input);
        let words: Vec<String> = words.iter().map(|(w, d)| d.apply(w)).collect();
        let message = compose(part, &words);
        let leaks = embargo.scan(part, &message);
        prop_assert!(leaks.is_empty(), "{:?} in {:?}", leaks, message);
    }
}
