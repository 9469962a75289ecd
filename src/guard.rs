//! Stage 5: the embargo guard.
//!
//! Before a pre-announcement goes out, every detail of every private- or
//! urgent-track issue must be absent from it (SPEC 1 and 5): CVE ids, issue
//! numbers, packages and components, title words, credit names and fix links.
//! Track labels must be absent from every message.
//!
//! # How matching works
//!
//! [`Embargo::new`] turns the release into one matcher, built once:
//!
//! * Each part of a message is first turned into a *view*: a normalized copy
//!   (lower case, every run of white space one space, every kind of dash `-`,
//!   zero-width characters and soft hyphens dropped) that remembers, for every
//!   byte, the span of the original text it came from. The HTML part gives two
//!   views: its text content (tags removed, so `CVE-2021-<b>27918</b>` joins up,
//!   entities decoded) and its attribute values (where `href` URLs live). The
//!   raw header block is unfolded and its RFC 2047 encoded words decoded.
//! * Names, paths, phrases and links are found in one pass of an Aho-Corasick
//!   automaton over the view, then filtered by the boundary each kind needs
//!   (a package is a word: `net` is not in `network`, nor in `net/http`).
//! * CVE ids are found by one regex that allows any case and any separators;
//!   issue and change numbers by one pass over the digit runs, judged by what
//!   surrounds them (`#N`, `issue N`, `/N`, or a bare number that cannot be a
//!   year, a version component or part of a date).
//! * Titles are matched on their significant words: the view's words, less
//!   stop words, are paired up, and each adjacent pair is looked up in a hash
//!   map of the title's adjacent pairs. Any run of two or more significant
//!   title words in order therefore hits.
//!
//! Everything is linear in the size of the message.
//!
//! # Trade-offs
//!
//! * A package named by a common English word (`time`, `log`, `os`, `net`,
//!   `sort`) counts wherever it appears as a word, in any case: "at this
//!   time" in a custom template is reported when `time` is embargoed. A false
//!   alarm blocks a send until the text is reworded; a miss publishes an
//!   embargoed detail. The only exception is a word the built-in
//!   pre-announcement must say (project name, tag prefix, versions, policy
//!   URL, the template's own words), which is treated as safe so that the
//!   built-in message passes. Free text from the release file (greeting,
//!   release window, signers) gets no exemption.
//! * The last element of an import path alone (`xml` for `encoding/xml`) is
//!   not reported; only `xml.Name`, "the xml package" and the full path are.
//! * A pair of title words that are both safe words, and single title words
//!   that are not identifiers (`NewTokenDecoder`, `LDFLAGS`, `x509`), are not
//!   reported; a surname is reported only as written (`Whited`, not `whited`).
//! * A pre-announcement names no CVE (SPEC 1), so any CVE id is reported: an
//!   embargoed issue's with its issue, a public issue's or an unknown one with
//!   none. With `project.pre_announce_cves` the embargoed issues' ids, in any
//!   spelling, are allowed, and nothing else.
//! * Lower-case "private" in prose is allowed; only `PRIVATE` as an upper-case
//!   word, "private track" / "private-track" in any case, and "track: private"
//!   count as track labels.
//! * Spelling a detail out in words, percent-encoding a URL, homoglyphs, or
//!   splitting an issue number with digit separators are not detected.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Serialize;

use crate::load::LoadedRelease;
use crate::plan::MessageKind;
use crate::render::RenderedMessage;

/// Where in a message a leak was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Subject,
    Headers,
    Text,
    Html,
}

impl Part {
    /// The lower-case name, as in "text line 7".
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Headers => "headers",
            Part::Text => "text",
            Part::Html => "html",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What sort of detail leaked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DetailKind {
    Cve,
    IssueNumber,
    Package,
    Title,
    Credit,
    FixLink,
    TrackLabel,
}

impl DetailKind {
    /// How the kind reads in a message, as in "CVE id CVE-2021-27918".
    pub fn noun(self) -> &'static str {
        match self {
            DetailKind::Cve => "CVE id",
            DetailKind::IssueNumber => "issue number",
            DetailKind::Package => "package",
            DetailKind::Title => "title",
            DetailKind::Credit => "credit",
            DetailKind::FixLink => "fix link",
            DetailKind::TrackLabel => "track label",
        }
    }
}

/// One embargoed detail found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leak {
    pub kind: DetailKind,
    /// The embargoed detail, as in "CVE-2021-27918".
    pub detail: String,
    /// The text as it appeared.
    pub found: String,
    /// Which security issue it belongs to; `None` for track labels and unknown CVE ids.
    pub issue: Option<u64>,
    pub part: Part,
    /// 1-based line within that part.
    pub line: usize,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: {} ", self.part, self.line, self.kind.noun())?;
        if self.kind == DetailKind::Title {
            write!(f, "{:?}", self.detail)?;
        } else {
            f.write_str(&self.detail)?;
        }
        match (self.issue, self.kind) {
            (Some(issue), _) => write!(f, " of issue {issue}")?,
            (None, DetailKind::Cve) => {
                f.write_str(" (not an embargoed issue's; a pre-announcement names no CVE)")?
            }
            (None, _) => {}
        }
        write!(f, " appears as {:?}", self.found)
    }
}

/// How a name found by the automaton must be delimited to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    /// A word or phrase: no letter, digit or `_` on either side.
    Word,
    /// An import path: a word that does not continue as a longer path (`net` in `net/http`).
    Path,
    /// A URL without its scheme: no letter or digit on either side.
    Link,
    /// `xml.` followed by an identifier; the match extends over the identifier.
    Qualifier,
}

/// One name the automaton looks for.
#[derive(Debug, Clone)]
struct Name {
    kind: DetailKind,
    detail: String,
    issue: Option<u64>,
    boundary: Boundary,
    /// When set, the original text must read exactly this (a surname as written).
    exact: Option<String>,
}

/// What a digit run may stand for.
#[derive(Debug, Clone)]
struct NumberDetail {
    kind: DetailKind,
    detail: String,
    issue: u64,
}

/// A known CVE id.
#[derive(Debug, Clone)]
struct KnownCve {
    id: String,
    issue: u64,
    embargoed: bool,
}

/// The matcher over every embargoed detail of a release, built once.
#[derive(Debug, Clone)]
pub struct Embargo {
    pre_announce_cves: bool,
    names: Option<AhoCorasick>,
    /// Per automaton pattern, the details it stands for.
    name_details: Vec<Vec<Name>>,
    /// Issue numbers and change numbers of fix links.
    numbers: HashMap<u64, Vec<NumberDetail>>,
    /// Commit hashes of fix links: (lower-case hash, link, issue).
    hashes: Vec<(String, String, u64)>,
    /// By (year, sequence number).
    cves: HashMap<(u32, u64), KnownCve>,
    /// Adjacent significant title words, "a b" → (title, issue).
    bigrams: HashMap<String, (String, u64)>,
    cve_re: Regex,
    label_re: Regex,
    /// "track" in any ASCII case: every label phrase holds it, so an announcement
    /// without it needs no label scan (its bare upper-case words do not count).
    track_word: Regex,
    hash_re: Regex,
}

/// Words removed before title words are paired: "loop when using" pairs "loop" with "using".
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "between", "both", "but", "by", "can", "could", "did", "do", "does",
    "doing", "during", "each", "either", "for", "from", "had", "has", "have", "having", "he",
    "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "may", "might", "more",
    "most", "must", "my", "no", "nor", "not", "of", "off", "on", "once", "only", "onto", "or",
    "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through",
    "to", "too", "under", "until", "up", "upon", "very", "via", "was", "we", "were", "what",
    "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "within", "without", "would", "you", "your",
];

/// Words of the built-in pre-announcement template itself, always safe.
const TEMPLATE_WORDS: &[&str] = &[
    "subject",
    "security",
    "pre",
    "announcement",
    "preannouncement",
    "plan",
    "issue",
    "release",
    "releases",
    "minor",
    "include",
    "includes",
    "fix",
    "fixes",
    "standard",
    "library",
    "toolchain",
    "covering",
    "following",
    "cve",
    "cves",
    "policy",
    "thanks",
    "team",
    "hello",
    "gophers",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "https",
    "http",
    "www",
    "com",
    "org",
    "dev",
];

impl Embargo {
    /// The matcher over the details of every private- or urgent-track issue of `input`.
    pub fn new(input: &LoadedRelease) -> Embargo {
        let file = &input.file;
        let project = &file.project;
        let safe = safe_words(input);
        let mut names: BTreeMap<String, Vec<Name>> = BTreeMap::new();
        let mut add = |pattern: String, name: Name| {
            let pattern = normalize_str(&pattern);
            if pattern.trim().is_empty() {
                return;
            }
            let slot = names.entry(pattern).or_default();
            if !slot
                .iter()
                .any(|n| n.kind == name.kind && n.detail == name.detail && n.exact == name.exact)
            {
                slot.push(name);
            }
        };
        let mut numbers: HashMap<u64, Vec<NumberDetail>> = HashMap::new();
        let mut hashes = Vec::new();
        let mut cves = HashMap::new();
        let mut bigrams = HashMap::new();

        for entry in &file.security {
            let issue = entry.get_ref();
            let number = issue.first_issue().get();
            let embargoed = issue.track.get_ref().is_embargoed();
            for cve in issue.cve_list() {
                let key = (
                    cve.year().parse().unwrap_or(0),
                    cve.sequence().parse().unwrap_or(0),
                );
                let known = KnownCve {
                    id: cve.to_string(),
                    issue: number,
                    embargoed,
                };
                // An embargoed issue's claim on a CVE id wins over a public one's.
                match cves.get(&key) {
                    Some(KnownCve {
                        embargoed: true, ..
                    }) => {}
                    _ => {
                        cves.insert(key, known);
                    }
                }
            }
            if !embargoed {
                continue;
            }
            let name = |kind, detail: &str, boundary| Name {
                kind,
                detail: detail.to_string(),
                issue: Some(number),
                boundary,
                exact: None,
            };

            // Every issue number, in every form the digit scan recognizes, and its URL.
            for &tracker in issue.issues() {
                let link = project.issue_link(tracker);
                let tracker = tracker.get();
                numbers.entry(tracker).or_default().push(NumberDetail {
                    kind: DetailKind::IssueNumber,
                    detail: tracker.to_string(),
                    issue: number,
                });
                add(
                    strip_scheme(&link),
                    name(
                        DetailKind::IssueNumber,
                        &tracker.to_string(),
                        Boundary::Link,
                    ),
                );
            }

            // Packages and components.
            for package in issue.packages.get_ref().iter() {
                let package = package.trim();
                let words = word_tokens(&normalize_str(package));
                let single_safe =
                    words.len() == 1 && !package.contains('/') && safe.contains(&words[0]);
                if !single_safe {
                    add(
                        package.to_string(),
                        name(DetailKind::Package, package, Boundary::Path),
                    );
                }
                if let Some(spoken) = project.spoken(package) {
                    for form in [spoken, spoken.strip_prefix("the ").unwrap_or(spoken)] {
                        if !all_safe(form, &safe) {
                            add(
                                form.to_string(),
                                name(DetailKind::Package, package, Boundary::Word),
                            );
                        }
                    }
                }
                if !project.is_toolchain(package) {
                    if let Some((_, last)) = package.rsplit_once('/') {
                        if !safe.contains(&normalize_str(last)) {
                            add(
                                format!("{last}."),
                                name(DetailKind::Package, package, Boundary::Qualifier),
                            );
                            add(
                                format!("the {last} package"),
                                name(DetailKind::Package, package, Boundary::Word),
                            );
                            add(
                                format!("package {last}"),
                                name(DetailKind::Package, package, Boundary::Word),
                            );
                        }
                    } else if !safe.contains(&normalize_str(package)) {
                        add(
                            format!("{package}."),
                            name(DetailKind::Package, package, Boundary::Qualifier),
                        );
                    }
                }
            }

            // Title: adjacent significant words, distinctive identifiers, a one-word title.
            let title = issue.title.trim();
            let significant: Vec<String> = word_tokens(&normalize_str(title))
                .into_iter()
                .filter(|w| !is_stop_word(w))
                .collect();
            for pair in significant.windows(2) {
                if safe.contains(&pair[0]) && safe.contains(&pair[1]) {
                    continue;
                }
                bigrams
                    .entry(format!("{} {}", pair[0], pair[1]))
                    .or_insert_with(|| (title.to_string(), number));
            }
            if significant.len() == 1 && !safe.contains(&significant[0]) {
                add(
                    significant[0].clone(),
                    name(DetailKind::Title, title, Boundary::Word),
                );
            }
            for ident in identifiers(title) {
                if !all_safe(&ident, &safe) {
                    add(ident, name(DetailKind::Title, title, Boundary::Word));
                }
            }

            // Credit: every name in it, and each surname as written.
            if let Some(credit) = &issue.credit {
                for person in credit_names(credit) {
                    if all_safe(&person, &safe) {
                        continue;
                    }
                    add(
                        person.clone(),
                        name(DetailKind::Credit, credit, Boundary::Word),
                    );
                    let tokens: Vec<&str> = person.split_whitespace().collect();
                    if tokens.len() >= 2 {
                        let surname = tokens[tokens.len() - 1];
                        let distinctive = surname.chars().count() >= 4
                            && surname.chars().next().is_some_and(char::is_uppercase)
                            && !safe.contains(&normalize_str(surname))
                            && !is_stop_word(&normalize_str(surname));
                        if distinctive {
                            add(
                                surname.to_string(),
                                Name {
                                    exact: Some(surname.to_string()),
                                    ..name(DetailKind::Credit, credit, Boundary::Word)
                                },
                            );
                        }
                    }
                }
            }

            // Fix links, with or without scheme; their change number or commit hash.
            for link in &issue.links {
                let link = link.trim();
                add(
                    strip_scheme(link),
                    name(DetailKind::FixLink, link, Boundary::Link),
                );
                let last = link.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                let last = last.trim_start_matches('+');
                if last.len() >= 3 && last.bytes().all(|b| b.is_ascii_digit()) {
                    if let Ok(n) = last.parse::<u64>() {
                        numbers.entry(n).or_default().push(NumberDetail {
                            kind: DetailKind::FixLink,
                            detail: link.to_string(),
                            issue: number,
                        });
                    }
                } else if last.len() >= 7
                    && last.bytes().all(|b| b.is_ascii_hexdigit())
                    && last.bytes().any(|b| b.is_ascii_alphabetic())
                {
                    hashes.push((last.to_ascii_lowercase(), link.to_string(), number));
                }
            }
        }

        let (patterns, name_details): (Vec<String>, Vec<Vec<Name>>) = names.into_iter().unzip();
        let names = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("the embargo's names form a valid automaton")
        });
        Embargo {
            pre_announce_cves: project.pre_announce_cves,
            names,
            name_details,
            numbers,
            hashes,
            cves,
            bigrams,
            cve_re: Regex::new(r"(cve[ \-_.:/]*)?([0-9]{4})[ \-_.:/]*([0-9]{4,})").expect("valid CVE pattern"),
            label_re: Regex::new(
                r#"\b(public|private|urgent)[ \-_]?tracks?\b|\btracks?[ ]?[:=][ ]?["']?(public|private|urgent)\b|\b(public|private|urgent)\b"#,
            )
            .expect("valid label pattern"),
            track_word: regex::RegexBuilder::new("track")
                .case_insensitive(true)
                .build()
                .expect("valid pattern"),
            hash_re: Regex::new(r"[0-9a-f]{7,40}").expect("valid hash pattern"),
        }
    }

    /// Every embargoed detail and every track label in `text`, which is the `part` of a message.
    ///
    /// Any CVE id at all is reported: a pre-announcement names none (SPEC 1),
    /// except those [`check_message`] allows under `pre_announce_cves`.
    pub fn scan(&self, part: Part, text: &str) -> Vec<Leak> {
        self.scan_with(part, text, false)
    }

    fn scan_with(&self, part: Part, text: &str, labels_only: bool) -> Vec<Leak> {
        if labels_only && !self.track_word.is_match(text) {
            return Vec::new();
        }
        let views = match part {
            Part::Html => vec![View::new(html_text(text)), View::new(html_attributes(text))],
            Part::Headers => vec![View::new(header_chars(text))],
            Part::Subject | Part::Text => vec![View::new(plain_chars(text))],
        };
        let mut hits = Vec::new();
        for view in &views {
            // An announcement quotes code and prose ("BEGIN RSA PRIVATE KEY"), so there
            // only the label phrases count; a pre-announcement has no reason for a
            // bare upper-case PRIVATE at all.
            self.labels(view, text, &mut hits, !labels_only);
            if !labels_only {
                self.names(view, text, &mut hits);
                self.cve_ids(view, &mut hits);
                self.numbers(view, &mut hits);
                self.hashes(view, &mut hits);
                self.titles(view, &mut hits);
            }
        }
        let lines = LineIndex::new(text);
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        // One leak per detail and line; a hit inside an earlier one of the same detail
        // (a surname inside the full name) adds nothing.
        let mut seen = HashSet::new();
        let mut reach: HashMap<(DetailKind, String), usize> = HashMap::new();
        let mut leaks = Vec::new();
        for hit in hits {
            let line = lines.line(hit.start);
            let key = (hit.kind, hit.detail.clone());
            let covered = reach.get(&key).is_some_and(|&end| hit.end <= end);
            let end = reach.entry(key).or_insert(hit.end);
            *end = (*end).max(hit.end);
            if covered || !seen.insert((hit.kind, hit.detail.clone(), line)) {
                continue;
            }
            leaks.push(Leak {
                kind: hit.kind,
                detail: hit.detail,
                found: text[hit.start..hit.end].to_string(),
                issue: hit.issue,
                part,
                line,
            });
        }
        leaks
    }

    /// Whether `pre_announce_cves` lets a pre-announcement name this leak.
    fn allowed_in_pre_announcement(&self, leak: &Leak) -> bool {
        self.pre_announce_cves
            && leak.kind == DetailKind::Cve
            && self
                .cves
                .values()
                .any(|c| c.embargoed && c.id == leak.detail)
    }

    fn labels(&self, view: &View, original: &str, hits: &mut Vec<Hit>, bare_words: bool) {
        for caps in self.label_re.captures_iter(&view.norm) {
            let whole = caps.get(0).expect("group 0");
            let (start, end) = view.span(whole.start(), whole.end());
            let found = &original[start..end];
            let label = if let Some(word) = caps.get(3) {
                // A bare word counts only in upper case: "kept private until" is prose.
                if !bare_words
                    || !found
                        .chars()
                        .filter(|c| c.is_alphabetic())
                        .all(char::is_uppercase)
                {
                    continue;
                }
                word.as_str().to_uppercase()
            } else {
                let word = caps.get(1).or_else(|| caps.get(2)).expect("a track name");
                word.as_str().to_uppercase()
            };
            hits.push(Hit::new(DetailKind::TrackLabel, label, None, start, end));
        }
    }

    fn names(&self, view: &View, original: &str, hits: &mut Vec<Hit>) {
        let Some(automaton) = &self.names else { return };
        let norm = view.norm.as_str();
        for m in automaton.find_overlapping_iter(norm) {
            let before = norm[..m.start()].chars().next_back();
            let rest = &norm[m.end()..];
            let mut after = rest.chars();
            let next = after.next();
            let next2 = after.next();
            let pattern_ends_in_word = norm[..m.end()]
                .chars()
                .next_back()
                .is_some_and(is_word_char);
            let pattern_starts_in_word = norm[m.start()..].chars().next().is_some_and(is_word_char);
            for name in &self.name_details[m.pattern().as_usize()] {
                let left_ok = !pattern_starts_in_word || !before.is_some_and(is_word_char);
                let mut end = m.end();
                let ok = match name.boundary {
                    Boundary::Word => {
                        left_ok && (!pattern_ends_in_word || !next.is_some_and(is_word_char))
                    }
                    Boundary::Path => {
                        left_ok
                            && !next.is_some_and(is_word_char)
                            && !(next == Some('/') && next2.is_some_and(is_word_char))
                    }
                    Boundary::Link => {
                        !before.is_some_and(char::is_alphanumeric)
                            && (!pattern_ends_in_word || !next.is_some_and(char::is_alphanumeric))
                    }
                    Boundary::Qualifier => {
                        if left_ok && next.is_some_and(char::is_alphabetic) {
                            end += rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                            true
                        } else {
                            false
                        }
                    }
                };
                if !ok {
                    continue;
                }
                let (start, orig_end) = view.span(m.start(), end);
                if let Some(exact) = &name.exact {
                    let found: Vec<&str> = original[start..orig_end].split_whitespace().collect();
                    if found.join(" ") != *exact {
                        continue;
                    }
                }
                hits.push(Hit::new(
                    name.kind,
                    name.detail.clone(),
                    name.issue,
                    start,
                    orig_end,
                ));
            }
        }
    }

    fn cve_ids(&self, view: &View, hits: &mut Vec<Hit>) {
        let norm = view.norm.as_str();
        let bytes = norm.as_bytes();
        let mut at = 0;
        while let Some(caps) = self.cve_re.captures_at(norm, at) {
            let whole = caps.get(0).expect("group 0");
            let year = caps.get(2).expect("year");
            let seq = caps.get(3).expect("sequence");
            at = whole.start() + 1;
            let prefixed = caps.get(1).is_some();
            let digit_before = year.start() > 0 && bytes[year.start() - 1].is_ascii_digit();
            let word_before = whole.start() > 0
                && is_word_char(norm[..whole.start()].chars().next_back().unwrap_or(' '));
            if digit_before || (!prefixed && word_before) {
                continue;
            }
            if !prefixed && !norm[year.end()..seq.start()].contains('-') {
                // Without "CVE", only YYYY-NNNN reads as an id.
                continue;
            }
            let key = (
                year.as_str().parse().unwrap_or(0),
                seq.as_str().parse().unwrap_or(0),
            );
            let (detail, issue) = match self.cves.get(&key) {
                Some(known) if known.embargoed => (known.id.clone(), Some(known.issue)),
                // A public issue's id is no embargoed detail, but a pre-announcement names no CVE.
                Some(known) if prefixed => (known.id.clone(), None),
                Some(_) => continue,
                None if prefixed => (format!("CVE-{}-{}", year.as_str(), seq.as_str()), None),
                None => continue,
            };
            let (start, end) = view.span(whole.start(), whole.end());
            hits.push(Hit::new(DetailKind::Cve, detail, issue, start, end));
            at = whole.end();
        }
    }

    fn numbers(&self, view: &View, hits: &mut Vec<Hit>) {
        if self.numbers.is_empty() {
            return;
        }
        let norm = view.norm.as_str();
        let bytes = norm.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let end = i;
            let Some(details) = norm[start..end]
                .parse::<u64>()
                .ok()
                .and_then(|n| self.numbers.get(&n))
            else {
                continue;
            };
            let Some(found_start) = number_context(norm, start, end) else {
                continue;
            };
            let (s, e) = view.span(found_start, end);
            for detail in details {
                hits.push(Hit::new(
                    detail.kind,
                    detail.detail.clone(),
                    Some(detail.issue),
                    s,
                    e,
                ));
            }
        }
    }

    fn hashes(&self, view: &View, hits: &mut Vec<Hit>) {
        if self.hashes.is_empty() {
            return;
        }
        let norm = view.norm.as_str();
        for m in self.hash_re.find_iter(norm) {
            let before = norm[..m.start()].chars().next_back();
            let after = norm[m.end()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            for (hash, link, issue) in &self.hashes {
                if hash.starts_with(m.as_str()) {
                    let (s, e) = view.span(m.start(), m.end());
                    hits.push(Hit::new(
                        DetailKind::FixLink,
                        link.clone(),
                        Some(*issue),
                        s,
                        e,
                    ));
                }
            }
        }
    }

    fn titles(&self, view: &View, hits: &mut Vec<Hit>) {
        if self.bigrams.is_empty() {
            return;
        }
        let mut previous: Option<(&str, usize)> = None;
        let mut key = String::new();
        for (word, start, end) in word_spans(&view.norm) {
            if is_stop_word(word) {
                continue;
            }
            if let Some((prev, prev_start)) = previous {
                key.clear();
                key.push_str(prev);
                key.push(' ');
                key.push_str(word);
                if let Some((title, issue)) = self.bigrams.get(&key) {
                    let (s, e) = view.span(prev_start, end);
                    hits.push(Hit::new(
                        DetailKind::Title,
                        title.clone(),
                        Some(*issue),
                        s,
                        e,
                    ));
                }
            }
            previous = Some((word, start));
        }
    }
}

/// Checks a rendered message.
///
/// For a pre-announcement: every embargoed detail (except, when
/// `project.pre_announce_cves` is true, exactly the CVE ids of the embargoed
/// issues) plus track labels, in the subject, `headers` (the raw header block
/// of the composed mail, may be empty), text and HTML. For an announcement:
/// only track labels.
/// Turns the leaks found in a message of `kind` into policy violations.
pub fn leak_findings(kind: MessageKind, leaks: &[Leak]) -> Vec<crate::validate::Finding> {
    leaks
        .iter()
        .map(|leak| {
            let what = if leak.kind == DetailKind::TrackLabel {
                "names an internal track label"
            } else {
                "leaks an embargoed detail"
            };
            crate::validate::Finding::unlocated(
                crate::validate::Severity::Violation,
                "embargo",
                format!("the {kind} {what}: {leak}"),
            )
        })
        .collect()
}

pub fn check_message(embargo: &Embargo, message: &RenderedMessage, headers: &str) -> Vec<Leak> {
    let labels_only = message.kind != MessageKind::PreAnnouncement;
    let parts = [
        (Part::Subject, message.subject.as_str()),
        (Part::Headers, headers),
        (Part::Text, message.text.as_str()),
        (Part::Html, message.html.as_str()),
    ];
    parts
        .into_iter()
        .flat_map(|(part, text)| embargo.scan_with(part, text, labels_only))
        .filter(|leak| labels_only || !embargo.allowed_in_pre_announcement(leak))
        .collect()
}

/// A match before it is placed on a line.
struct Hit {
    kind: DetailKind,
    detail: String,
    issue: Option<u64>,
    start: usize,
    end: usize,
}

impl Hit {
    fn new(kind: DetailKind, detail: String, issue: Option<u64>, start: usize, end: usize) -> Self {
        Hit {
            kind,
            detail,
            issue,
            start,
            end,
        }
    }
}

/// Where the lines of a text start.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

/// A normalized copy of a text, each byte remembering the original span it came from.
struct View {
    norm: String,
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl View {
    /// Builds a view from characters with their spans in the original text.
    fn new(chars: Vec<(char, usize, usize)>) -> Self {
        let mut view = View {
            norm: String::with_capacity(chars.len()),
            starts: Vec::with_capacity(chars.len()),
            ends: Vec::with_capacity(chars.len()),
        };
        for (c, start, end) in chars {
            if is_invisible(c) {
                continue;
            }
            if c.is_whitespace() {
                if !view.norm.ends_with(' ') {
                    view.push(' ', start, end);
                }
            } else if is_dash(c) {
                view.push('-', start, end);
            } else {
                for lower in c.to_lowercase() {
                    view.push(lower, start, end);
                }
            }
        }
        view
    }

    fn push(&mut self, c: char, start: usize, end: usize) {
        self.norm.push(c);
        for _ in 0..c.len_utf8() {
            self.starts.push(start);
            self.ends.push(end);
        }
    }

    /// The original span of the normalized bytes `start..end`.
    fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.starts[start];
        let e = self.ends[end.max(start + 1) - 1];
        (s, e.max(s))
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{058A}'
                | '\u{05BE}'
    )
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Normalizes a pattern the way [`View`] normalizes text.
fn normalize_str(text: &str) -> String {
    View::new(plain_chars(text)).norm.trim().to_string()
}

/// The words (runs of letters and digits) of normalized text.
fn word_tokens(norm: &str) -> Vec<String> {
    word_spans(norm).map(|(w, _, _)| w.to_string()).collect()
}

fn word_spans(norm: &str) -> impl Iterator<Item = (&str, usize, usize)> {
    let mut chars = norm.char_indices().peekable();
    std::iter::from_fn(move || {
        while chars.peek().is_some_and(|(_, c)| !c.is_alphanumeric()) {
            chars.next();
        }
        let (start, _) = *chars.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        Some((&norm[start..end], start, end))
    })
}

fn all_safe(phrase: &str, safe: &HashSet<String>) -> bool {
    word_tokens(&normalize_str(phrase))
        .iter()
        .all(|w| safe.contains(w) || is_stop_word(w))
}

fn strip_scheme(link: &str) -> String {
    let link = link.trim();
    let link = link.split_once("://").map_or(link, |(_, rest)| rest);
    let link = link.strip_prefix("www.").unwrap_or(link);
    link.trim_end_matches('/').to_string()
}

/// The words the built-in pre-announcement must say for this release: never reported on
/// their own. Only fixed template words and identifiers (project name, tag prefix,
/// versions, policy URL) are exempt; free text from the release file (greeting,
/// release window, signers) is scanned like any other text, so it cannot carry a
/// detail past the guard.
fn safe_words(input: &LoadedRelease) -> HashSet<String> {
    let project = &input.file.project;
    let release = &input.file.release;
    let mut safe: HashSet<String> = STOP_WORDS
        .iter()
        .chain(TEMPLATE_WORDS)
        .map(|w| w.to_string())
        .collect();
    let mut texts: Vec<String> = vec![
        project.name.to_string(),
        project.tag_prefix.clone(),
        project.policy_url.get_ref().to_string(),
    ];
    texts.extend(release.version_list().iter().map(|v| v.to_string()));
    for text in texts {
        safe.extend(word_tokens(&normalize_str(&text)));
    }
    safe
}

/// Distinctive identifiers of a title: `xml.NewTokenDecoder`, `TokenReader`, `LDFLAGS`, `x509`.
fn identifiers(title: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in title.split_whitespace() {
        let token = raw.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
        if token.is_empty() {
            continue;
        }
        let dotted = token.contains('.') || token.contains('_');
        if dotted && token.split(['.', '_']).filter(|p| !p.is_empty()).count() >= 2 {
            out.push(token.to_string());
        }
        for piece in token.split(['.', '/', '_', '-']) {
            if is_distinctive_identifier(piece) {
                out.push(piece.to_string());
            }
        }
    }
    out.dedup();
    out
}

fn is_distinctive_identifier(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 3 || !chars.iter().all(|c| c.is_alphanumeric()) {
        return false;
    }
    let camel = chars
        .windows(2)
        .any(|w| w[0].is_lowercase() && w[1].is_uppercase());
    let letters: Vec<&char> = chars.iter().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.len() >= 3 && letters.iter().all(|c| c.is_uppercase());
    let mixed = !letters.is_empty() && chars.iter().any(|c| c.is_ascii_digit());
    camel || upper || mixed
}

/// The people and organizations of a credit: "A B and C D from E" → "A B", "C D", "E".
fn credit_names(credit: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let separators = ["and", "of", "from", "at", "with", "&", "the"];
    let cleaned: String = credit
        .chars()
        .map(|c| {
            if matches!(c, ',' | ';' | '(' | ')' | '/' | '+') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut flush = |current: &mut Vec<&str>| {
        if !current.is_empty() {
            names.push(current.join(" "));
            current.clear();
        }
    };
    for (word, comma_after) in split_keep_commas(&cleaned, credit) {
        if separators.contains(&word.to_lowercase().as_str()) {
            flush(&mut current);
        } else {
            current.push(word);
            if comma_after {
                flush(&mut current);
            }
        }
    }
    flush(&mut current);
    names
}

/// The words of `cleaned`, each with whether a separator punctuation followed it in `original`.
fn split_keep_commas<'a>(cleaned: &'a str, original: &str) -> Vec<(&'a str, bool)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for word in cleaned.split_whitespace() {
        let start = offset + cleaned[offset..].find(word).unwrap_or(0);
        let end = start + word.len();
        offset = end;
        let comma_after = original[end.min(original.len())..]
            .chars()
            .next()
            .is_some_and(|c| matches!(c, ',' | ';' | '(' | ')' | '/' | '+'));
        out.push((word, comma_after));
    }
    out
}

/// Decides whether the digit run `start..end` of `norm` reads as an issue or change
/// number, and where the form that names it begins.
///
/// Reported: `#N`, `/N`, `=N`, `issue N` / `issues/N` / `CL N` / `bug N`, and a bare
/// N of at least four digits that is not a plausible year. Not reported: a digit run
/// inside a word (`go1`), a version component (`1.16.1`), part of a date or a CVE
/// id (`2021-03-10`), a time (`10:30`), or a longer number.
fn number_context(norm: &str, start: usize, end: usize) -> Option<usize> {
    let bytes = norm.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let before = if start > 0 { at(start - 1) } else { None };
    let before2 = if start > 1 { at(start - 2) } else { None };
    let after = at(end);
    let after2 = at(end + 1);
    let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
    if after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80) {
        return None;
    }
    if matches!(after, Some(b'.' | b'-' | b',' | b':')) && digit(after2) {
        return None;
    }
    if matches!(before, Some(b'.' | b'-' | b',' | b':')) && digit(before2) {
        return None;
    }
    // The word right before the number, skipping separators: "issue 44913", "issues/44913".
    let head = &norm[..start];
    let trimmed = head.trim_end_matches([' ', '#', ':', '/', '-', '_', '=', '+', '.']);
    let word_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    let word = &trimmed[word_start..];
    let glued = trimmed.len() == head.len();
    const PREFIXES: &[&str] = &[
        "issue", "issues", "bug", "bugs", "cl", "cls", "change", "changes", "pr", "pull",
    ];
    if PREFIXES.contains(&word) {
        let token_start = head[..word_start]
            .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '<' | '"' | '\'' | '['))
            .map_or(0, |i| i + 1);
        let in_url = word_start > 0 && matches!(bytes[word_start - 1], b'/' | b'.');
        return Some(if in_url { token_start } else { word_start });
    }
    if glued {
        // Letters or digits right before the number: part of a word such as "go1".
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80) {
            return None;
        }
    }
    if matches!(before, Some(b'#' | b'/' | b'=')) {
        let token_start = head
            .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '<' | '"' | '\'' | '['))
            .map_or(0, |i| i + 1);
        return Some(token_start);
    }
    let value: u64 = norm[start..end].parse().ok()?;
    let year_like = (1900..=2100).contains(&value);
    (end - start >= 4 && !year_like).then_some(start)
}

/// The characters of plain text, each with its own span.
fn plain_chars(text: &str) -> Vec<(char, usize, usize)> {
    text.char_indices()
        .map(|(i, c)| (c, i, i + c.len_utf8()))
        .collect()
}

/// Elements that separate words when their tags are removed.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "meta",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// The text content of HTML: tags removed (inline ones without a trace, so that
/// `CVE-2021-<b>27918</b>` reads as one id; block ones as a space), entities decoded.
fn html_text(html: &str) -> Vec<(char, usize, usize)> {
    let mut out = Vec::with_capacity(html.len());
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(html.len(), |e| i + e + 3);
            out.push((' ', i, end));
            i = end;
            continue;
        }
        if rest.starts_with('<') {
            let end = tag_end(html, i);
            let name: String = html[i + 1..end]
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if BLOCK_TAGS.contains(&name.as_str()) || name.is_empty() {
                out.push((' ', i, end));
            }
            i = end;
            continue;
        }
        if rest.starts_with('&') {
            if let Some((c, len)) = decode_entity(rest) {
                out.push((c, i, i + len));
                i += len;
                continue;
            }
        }
        let c = rest.chars().next().expect("not at the end");
        out.push((c, i, i + c.len_utf8()));
        i += c.len_utf8();
    }
    out
}

/// The attribute values of HTML tags (where `href` URLs live), entities decoded,
/// each followed by a space.
fn html_attributes(html: &str) -> Vec<(char, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        let start = i + offset;
        let end = tag_end(html, start);
        let tag = &html[start..end];
        let mut j = 0;
        while j < tag.len() {
            let rest = &tag[j..];
            let Some(eq) = rest.find('=') else { break };
            let mut k = j + eq + 1;
            let value_start;
            let value_end;
            match tag[k..].chars().next() {
                Some(q @ ('"' | '\'')) => {
                    value_start = k + 1;
                    value_end = tag[value_start..]
                        .find(q)
                        .map_or(tag.len(), |e| value_start + e);
                    k = (value_end + 1).min(tag.len());
                }
                _ => {
                    value_start = k;
                    value_end = tag[k..]
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .map_or(tag.len(), |e| k + e);
                    k = value_end;
                }
            }
            let mut v = value_start;
            while v < value_end {
                let rest = &tag[v..value_end];
                if let Some((c, len)) = rest.starts_with('&').then(|| decode_entity(rest)).flatten()
                {
                    out.push((c, start + v, start + v + len));
                    v += len;
                } else {
                    let c = rest.chars().next().expect("not at the end");
                    out.push((c, start + v, start + v + c.len_utf8()));
                    v += c.len_utf8();
                }
            }
            out.push((' ', start + value_end, start + value_end));
            j = k.max(j + 1);
        }
        i = end.max(start + 1);
    }
    out
}

/// The end (exclusive) of the tag that starts at `start`, quoted `>` skipped.
fn tag_end(html: &str, start: usize) -> usize {
    let mut quote = None;
    for (i, c) in html[start..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return start + i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Decodes the character reference at the start of `text`: the character and its length.
fn decode_entity(text: &str) -> Option<(char, usize)> {
    let (end, _) = text.char_indices().take(12).find(|&(_, c)| c == ';')?;
    let body = &text[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(code)?
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            "ndash" => '\u{2013}',
            "mdash" => '\u{2014}',
            "hyphen" | "dash" => '\u{2010}',
            "minus" => '\u{2212}',
            "shy" => '\u{ad}',
            "sol" => '/',
            "num" => '#',
            "period" => '.',
            "colon" => ':',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// The characters of a raw header block: folded lines unfolded and RFC 2047
/// encoded words (UTF-8, B or Q) decoded, each decoded character spanning its
/// whole encoded word.
fn header_chars(headers: &str) -> Vec<(char, usize, usize)> {
    let mut out = Vec::with_capacity(headers.len());
    let mut i = 0;
    let mut last_was_encoded = false;
    while i < headers.len() {
        let rest = &headers[i..];
        if rest.starts_with("=?") {
            if let Some((decoded, len)) = decode_encoded_word(rest) {
                // White space between two encoded words is not part of the text.
                if last_was_encoded {
                    while out
                        .last()
                        .is_some_and(|(c, _, _): &(char, usize, usize)| c.is_whitespace())
                    {
                        out.pop();
                    }
                }
                out.extend(decoded.chars().map(|c| (c, i, i + len)));
                i += len;
                last_was_encoded = true;
                continue;
            }
        }
        let c = rest.chars().next().expect("not at the end");
        if !c.is_whitespace() {
            last_was_encoded = false;
        }
        out.push((c, i, i + c.len_utf8()));
        i += c.len_utf8();
    }
    out
}

fn decode_encoded_word(text: &str) -> Option<(String, usize)> {
    let inner = &text[2..];
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let payload = &rest[..end];
    if payload.contains(char::is_whitespace) {
        return None;
    }
    let charset = charset.split('*').next().unwrap_or("").to_ascii_lowercase();
    if !matches!(charset.as_str(), "utf-8" | "utf8" | "us-ascii") {
        return None;
    }
    let bytes = match encoding {
        "b" | "B" => {
            use base64::Engine as _;
            // RFC 2047 words are padded, but a hand-made header may leave it out.
            base64::engine::general_purpose::STANDARD_NO_PAD_INDIFFERENT
                .decode(payload)
                .ok()?
        }
        "q" | "Q" => {
            let mut out = Vec::new();
            let raw = payload.as_bytes();
            let mut k = 0;
            while k < raw.len() {
                match raw[k] {
                    b'_' => out.push(b' '),
                    b'=' => {
                        let hex = std::str::from_utf8(raw.get(k + 1..k + 3)?).ok()?;
                        out.push(u8::from_str_radix(hex, 16).ok()?);
                        k += 2;
                    }
                    b => out.push(b),
                }
                k += 1;
            }
            out
        }
        _ => return None,
    };
    let len = 2 + charset_len(inner) + encoding.len() + 1 + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), len))
}

/// Length of "charset?" at the start of an encoded word's inner part.
fn charset_len(inner: &str) -> usize {
    inner.find('?').map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_decode_encoded_words() {
        let chars =
            header_chars("Subject: =?utf-8?b?Q1ZFLTIwMjEtMjc5MTg=?=\r\n =?utf-8?q?_and_more?=\r\n");
        let text: String = chars.iter().map(|(c, _, _)| c).collect();
        assert!(text.contains("CVE-2021-27918 and more"), "{text}");
    }

    #[test]
    fn html_text_joins_inline_tags_and_decodes_entities() {
        let chars = html_text("<p>CVE-2021-<b>27918</b> &amp; x</p><li>a</li><li>b</li>");
        let text: String = chars.iter().map(|(c, _, _)| c).collect();
        assert_eq!(text, " CVE-2021-27918 & x  a  b ");
    }

    #[test]
    fn html_attributes_are_collected() {
        let chars =
            html_attributes(r#"<a href="https://go.dev/issue/44913" title='x&amp;y'>t</a>"#);
        let text: String = chars.iter().map(|(c, _, _)| c).collect();
        assert_eq!(text, "https://go.dev/issue/44913 x&y ");
    }

    #[test]
    fn identifiers_are_the_distinctive_title_words() {
        assert_eq!(
            identifiers("infinite loop when using xml.NewTokenDecoder with a custom TokenReader"),
            ["xml.NewTokenDecoder", "NewTokenDecoder", "TokenReader"]
        );
        assert_eq!(
            identifiers("improper handling of spaces in LDFLAGS"),
            ["LDFLAGS"]
        );
        assert_eq!(
            identifiers("panic when calling Reader.Open"),
            ["Reader.Open"]
        );
    }

    #[test]
    fn credits_split_into_names() {
        assert_eq!(
            credit_names("Philipp Jeitner and Haya Shulman from Fraunhofer SIT"),
            ["Philipp Jeitner", "Haya Shulman", "Fraunhofer SIT"]
        );
        assert_eq!(
            credit_names("Juho Nurminen of Mattermost"),
            ["Juho Nurminen", "Mattermost"]
        );
        assert_eq!(credit_names("A, B C, and D"), ["A", "B C", "D"]);
    }

    #[test]
    fn number_contexts() {
        let check = |text: &str, number: &str| -> Option<String> {
            let start = text.find(number).unwrap();
            number_context(text, start, start + number.len())
                .map(|s| text[s..start + number.len()].to_string())
        };
        assert_eq!(check("see #44913 now", "44913").as_deref(), Some("#44913"));
        assert_eq!(
            check("see issue 44913", "44913").as_deref(),
            Some("issue 44913")
        );
        assert_eq!(
            check("go.dev/issues/44913", "44913").as_deref(),
            Some("go.dev/issues/44913")
        );
        assert_eq!(
            check("fixed 44913 today", "44913").as_deref(),
            Some("44913")
        );
        assert_eq!(check("go 1.16.1 out", "16"), None);
        assert_eq!(check("2021-03-10", "03"), None);
        assert_eq!(check("in 2021 we", "2021"), None);
        assert_eq!(check("go1", "1"), None);
        assert_eq!(check("cve-2021-44913", "44913"), None);
    }

    #[test]
    fn lines_are_one_based() {
        let index = LineIndex::new("a\nb\nc");
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(4), 3);
    }
}
