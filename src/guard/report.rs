//! Findings: where a leak was found, what it is, and how it reads.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::model::MessageKind;

/// Where in a message a leak was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The Subject header, as displayed.
    Subject,
    /// Every other header, as displayed.
    Headers,
    /// The plain-text part.
    Text,
    /// The HTML part.
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
    /// A CVE id.
    Cve,
    /// A tracker issue number.
    IssueNumber,
    /// A package or toolchain component.
    Package,
    /// Words of an issue title.
    Title,
    /// An identifier, protocol term or distinctive phrase of an issue's description.
    Description,
    /// A name from a credit.
    Credit,
    /// A fix link, its change number or its commit hash.
    FixLink,
    /// An internal track label (PRIVATE, URGENT, PUBLIC).
    TrackLabel,
    /// A charset herald does not decode with confidence, so cannot guard.
    Charset,
}

impl DetailKind {
    /// How the kind reads in a message, as in "CVE id CVE-2021-27918".
    pub fn noun(self) -> &'static str {
        match self {
            DetailKind::Cve => "CVE id",
            DetailKind::IssueNumber => "issue number",
            DetailKind::Package => "package",
            DetailKind::Title => "title",
            DetailKind::Description => "description term",
            DetailKind::Credit => "credit",
            DetailKind::FixLink => "fix link",
            DetailKind::TrackLabel => "track label",
            DetailKind::Charset => "charset",
        }
    }
}

/// One embargoed detail found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leak {
    /// What sort of detail it is.
    pub kind: DetailKind,
    /// The embargoed detail, as in "CVE-2021-27918"; one of more than 160 characters
    /// (a long title or credit) is cut there and ends with "…".
    pub detail: String,
    /// The text as it appeared.
    pub found: String,
    /// Which security issue it belongs to; `None` for track labels and unknown CVE ids.
    pub issue: Option<u64>,
    /// The part of the message it appeared in.
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
            // Quoted or not, nothing invisible reaches the terminal as it is: a credit
            // may hold a right-to-left override (U+202E).
            for c in self.detail.chars() {
                let escape = c.escape_debug();
                if escape.len() > 1 && !matches!(c, '\'' | '"' | '\\') {
                    write!(f, "{escape}")?;
                } else {
                    write!(f, "{c}")?;
                }
            }
        }
        match (self.issue, self.kind) {
            (Some(issue), _) => write!(f, " of issue {issue}")?,
            (None, DetailKind::Cve) => {
                // An embargoed entry known by its CVE alone has no issue number either.
                f.write_str(" (a pre-announcement names only the CVE ids it lists, if any)")?
            }
            (None, DetailKind::Charset) => f.write_str(
                " (not one herald decodes with confidence, so the guard cannot read it)",
            )?,
            (None, _) => {}
        }
        write!(f, " appears as {:?}", self.found)
    }
}

/// The most characters of a detail a leak repeats.
const DETAIL_CHARS: usize = 160;

/// `detail`, cut after [`DETAIL_CHARS`] characters: a title of 1 MiB found in ten
/// thousand places would otherwise be copied into each of ten thousand reports.
/// Likewise the text found in a header.
fn shortened(detail: &str) -> String {
    match detail.char_indices().nth(DETAIL_CHARS) {
        None => detail.to_string(),
        Some((cut, _)) => format!("{}…", &detail[..cut]),
    }
}

/// Turns the leaks found in a message of `kind` into policy violations.
pub fn leak_findings(kind: MessageKind, leaks: &[Leak]) -> Vec<crate::validate::Finding> {
    leaks
        .iter()
        .map(|leak| {
            let what = match leak.kind {
                DetailKind::TrackLabel => "names an internal track label",
                DetailKind::Charset => "is written in a charset the guard cannot read",
                _ => "leaks an embargoed detail",
            };
            crate::validate::Finding::unlocated(
                crate::validate::Severity::Violation,
                "embargo",
                format!("the {kind} {what}: {leak}"),
            )
        })
        .collect()
}

/// A match before it is placed on a line: a span of the source text.
pub(crate) struct Hit<'e> {
    pub kind: DetailKind,
    /// Borrowed from the matcher, which holds each detail once.
    pub detail: Cow<'e, str>,
    pub issue: Option<u64>,
    pub start: usize,
    pub end: usize,
}

impl<'e> Hit<'e> {
    pub fn new(
        kind: DetailKind,
        detail: Cow<'e, str>,
        issue: Option<u64>,
        start: usize,
        end: usize,
    ) -> Self {
        Hit {
            kind,
            detail,
            issue,
            start,
            end,
        }
    }

    /// The leak this hit in `source` is, on `line` of `part`.
    fn leak(&self, part: Part, source: &str, line: usize) -> Leak {
        Leak {
            kind: self.kind,
            detail: shortened(&self.detail),
            found: {
                let found = source.get(self.start..self.end).unwrap_or_default();
                // A header's encoded words are aligned with its decoded text as a
                // whole, so a hit in one spans them all (3,000 addresses, one leak
                // each); the preview marks no header by it.
                match part {
                    Part::Headers | Part::Subject => shortened(found),
                    Part::Text | Part::Html => found.to_string(),
                }
            },
            issue: self.issue,
            part,
            line,
        }
    }
}

/// The leaks of the hits in `source`: one per detail and line; a hit inside an
/// earlier one of the same detail (a surname inside the full name) adds nothing.
pub(crate) fn leaks(
    part: Part,
    source: &str,
    line_offset: usize,
    mut hits: Vec<Hit<'_>>,
    out: &mut Vec<Leak>,
) {
    if hits.is_empty() {
        return;
    }
    let lines = LineIndex::new(source);
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    let mut seen = HashSet::new();
    let mut reach: HashMap<(DetailKind, DetailKey), usize> = HashMap::new();
    for hit in &hits {
        let line = lines.line(hit.start).saturating_sub(line_offset).max(1);
        let key = (hit.kind, DetailKey::of(&hit.detail));
        let covered = reach.get(&key).is_some_and(|&end| hit.end <= end);
        let end = reach
            .entry((hit.kind, DetailKey::of(&hit.detail)))
            .or_insert(hit.end);
        *end = (*end).max(hit.end);
        if covered || !seen.insert((key, line)) {
            continue;
        }
        out.push(hit.leak(part, source, line));
    }
}

/// A leak with the bytes it covers in the text that was scanned, for tools that mark
/// it in place (the preview page). Unlike [`Leak`]s, every occurrence is kept, not one
/// per detail and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedLeak {
    /// The leak, as [`leaks`] would report it.
    pub leak: Leak,
    /// Byte range of the leak in the scanned text (subject, text or HTML source).
    pub span: std::ops::Range<usize>,
}

/// Every hit in `source` as a [`LocatedLeak`]; a hit inside an earlier one of the same
/// detail (a surname inside the full name) adds nothing.
pub(crate) fn located(
    part: Part,
    source: &str,
    mut hits: Vec<Hit<'_>>,
    out: &mut Vec<LocatedLeak>,
) {
    if hits.is_empty() {
        return;
    }
    let lines = LineIndex::new(source);
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    let mut reach: HashMap<(DetailKind, DetailKey), usize> = HashMap::new();
    for hit in &hits {
        let end = reach
            .entry((hit.kind, DetailKey::of(&hit.detail)))
            .or_insert(0);
        if hit.end <= *end {
            continue;
        }
        *end = hit.end;
        out.push(LocatedLeak {
            leak: hit.leak(part, source, lines.line(hit.start)),
            span: hit.start..hit.end,
        });
    }
}

/// A detail as a key: a short one by content, a long one (a title, a credit) by
/// identity, since hashing a 1 MiB title per hit would make the report quadratic.
/// The matcher holds one copy of each detail, which its hits borrow.
#[derive(PartialEq, Eq, Hash)]
enum DetailKey<'h> {
    Short(&'h str),
    Long(*const u8),
}

impl<'h> DetailKey<'h> {
    fn of(detail: &'h str) -> DetailKey<'h> {
        if detail.len() <= 64 {
            DetailKey::Short(detail)
        } else {
            DetailKey::Long(detail.as_ptr())
        }
    }
}

/// Where the lines of a text start.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_show_invisible_characters_escaped() {
        let leak = Leak {
            kind: DetailKind::Credit,
            detail: "Bob \u{202e}htimS O'Brien".to_string(),
            found: "Bob".to_string(),
            issue: Some(1),
            part: Part::Text,
            line: 1,
        };
        let shown = leak.to_string();
        assert!(
            shown.contains("credit Bob \\u{202e}htimS O'Brien of issue 1"),
            "{shown}"
        );
    }

    #[test]
    fn long_details_are_cut() {
        let long = "word ".repeat(1000);
        let cut = shortened(&long);
        assert_eq!(cut.chars().count(), DETAIL_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(shortened("CVE-2021-27918"), "CVE-2021-27918");
    }

    #[test]
    fn lines_are_one_based() {
        let index = LineIndex::new("a\nb\nc");
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(4), 3);
    }
}
