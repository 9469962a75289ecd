//! Numbers: any CVE id, an embargoed one split by filler, issue and change numbers
//! read off the digit runs, and the hex runs of fix commits.

use std::borrow::Cow;

use super::super::{Embargo, IssueId, NumberDetail, HEX_RUN};
use crate::guard::normalize::View;
use crate::guard::report::{DetailKind, Hit};

/// The most digits a CVE id is read over after "CVE".
const CVE_DIGITS: usize = 24;
/// The longest filler read over between the digits of a CVE id.
const CVE_FILLER: usize = 12;

/// Any CVE id, in the normalised view. Compiled once, when first used.
static CVE_RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"cve[^a-z0-9\n]{0,4}([0-9]{4})[^a-z0-9\n]{0,4}([0-9]{4,})")
        .expect("valid CVE pattern")
});

/// Seven hex digits as a number.
pub(crate) fn hex_value(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |value, &d| {
        value << 4 | char::from(d).to_digit(16).unwrap_or(0)
    })
}

impl Embargo {
    pub(super) fn cve_ids<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        let norm = view.norm.as_str();
        let bytes = norm.as_bytes();
        // Every CVE id the regex reads starts with "cve".
        if !norm.contains("cve") {
            return;
        }
        for caps in CVE_RE.captures_iter(norm) {
            let whole = caps.get(0).expect("group 0");
            let year = caps.get(1).expect("year");
            let seq = caps.get(2).expect("sequence");
            let letter_before = view
                .before(whole.start())
                .is_some_and(char::is_alphanumeric);
            let digit_after = bytes.get(seq.end()).is_some_and(u8::is_ascii_digit);
            if letter_before || digit_after {
                continue;
            }
            let key = (
                year.as_str().parse().unwrap_or(0),
                seq.as_str().parse().unwrap_or(0),
            );
            let (detail, issue) = match self.cves.get(&key) {
                Some(known) if known.embargoed => (self.detail(known.id), self.issue(known.issue)),
                // A public issue's id is no embargoed detail, but a pre-announcement names no CVE.
                Some(known) => (self.detail(known.id), None),
                None => (
                    Cow::Owned(format!("CVE-{}-{}", year.as_str(), seq.as_str())),
                    None,
                ),
            };
            let (start, end) = view.span(whole.start(), whole.end());
            hits.push(Hit::new(DetailKind::Cve, detail, issue, start, end));
        }
    }

    /// An embargoed CVE id after "CVE" with markup or filler between its digits:
    /// `CVE-2021-<b>279</b>18`, `CVE 2021 (id) 27918`. Each "cve" looks at most
    /// [`CVE_DIGITS`] digits ahead, across fillers of at most [`CVE_FILLER`] characters.
    pub(super) fn cve_with_filler<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.cve_digits.is_empty() {
            return;
        }
        let norm = view.norm.as_str();
        for (at, _) in norm.match_indices("cve") {
            if view.before(at).is_some_and(char::is_alphabetic) {
                continue;
            }
            let mut digits = String::new();
            let mut filler = 0;
            let bytes = norm.as_bytes();
            let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
            for (i, c) in norm[at + 3..].char_indices() {
                let i = at + 3 + i;
                // A letter standing for a digit between digits: `2O21`, `279l8`.
                let stand_in = match c {
                    'o' => Some('0'),
                    'l' | 'i' => Some('1'),
                    _ => None,
                }
                .filter(|_| i > 0 && digit_at(i - 1) && digit_at(i + 1));
                if let Some(c) = c.is_ascii_digit().then_some(c).or(stand_in) {
                    filler = 0;
                    digits.push(c);
                    let group_ends = !digit_at(i + 1);
                    if group_ends {
                        if let Some(at_id) = self.cve_digits.find(&digits) {
                            let (id, issue) = self.cve_details[at_id as usize];
                            let (s, e) = view.span(at, i + 1);
                            let issue = self.issue(issue);
                            hits.push(Hit::new(DetailKind::Cve, self.detail(id), issue, s, e));
                            break;
                        }
                    }
                    if digits.len() >= CVE_DIGITS {
                        break;
                    }
                } else {
                    filler += 1;
                    if c == '\n' || filler > CVE_FILLER {
                        break;
                    }
                }
            }
        }
    }

    pub(super) fn numbers<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.numbers.is_empty() {
            return;
        }
        let norm = view.norm.as_str();
        let bytes = norm.as_bytes();
        let runs = digit_runs(bytes);
        for (k, &(start, end)) in runs.iter().enumerate() {
            let mut push = |details: &[NumberDetail], from: usize, to: usize| {
                let (s, e) = view.span(from, to);
                for detail in details {
                    hits.push(Hit::new(
                        detail.kind,
                        self.detail(detail.detail),
                        self.issue(detail.issue),
                        s,
                        e,
                    ));
                }
            };
            if let Some(details) =
                number_value(&norm[start..end]).and_then(|n| self.numbers.get(&n))
            {
                if let Some(found) = number_context(view, start, end) {
                    push(details, found, end);
                }
            }
            // Digit groups: "44,913", "44 913", "44.913", "44’913".
            if end - start > 3 || view.before(start).is_some_and(char::is_alphanumeric) {
                continue;
            }
            let mut value = number_value(&norm[start..end]).unwrap_or(0);
            let mut last_end = end;
            for &(s, e) in &runs[k + 1..] {
                let sep = &norm[last_end..s];
                if e - s != 3 || sep.chars().count() != 1 || sep == "\n" || value > u64::MAX / 1000
                {
                    break;
                }
                value = value * 1000 + number_value(&norm[s..e]).unwrap_or(0);
                last_end = e;
                if view.at(e).is_some_and(char::is_alphabetic) {
                    break;
                }
                if let Some(details) = self.numbers.get(&value) {
                    let from = number_context(view, start, start).unwrap_or(start);
                    push(details, from.min(start), e);
                }
            }
        }
    }

    pub(super) fn hashes<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.hex.is_empty() {
            return;
        }
        // Over the letters and digits alone: `953d1fe` and `9 5 3 d 1 f e` alike.
        let bytes = view.squeezed.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_hexdigit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                i += 1;
            }
            if i - start < HEX_RUN {
                continue;
            }
            // Each link found in this run, from its first window to its last.
            let mut found: Vec<(u32, IssueId, usize, usize)> = Vec::new();
            for at in start..=i - HEX_RUN {
                let Some(links) = self.hex.get(&hex_value(&bytes[at..at + HEX_RUN])) else {
                    continue;
                };
                for &(link, issue) in links {
                    match found.iter_mut().find(|f| f.0 == link) {
                        Some(f) => f.3 = at + HEX_RUN,
                        None => found.push((link, issue, at, at + HEX_RUN)),
                    }
                }
            }
            for (link, issue, from, to) in found {
                let (from, to) = view.squeezed_range(from, to);
                let (s, e) = view.span(from, to);
                let (link, issue) = (self.detail(link), self.issue(issue));
                hits.push(Hit::new(DetailKind::FixLink, link, issue, s, e));
            }
        }
    }
}

/// The maximal runs of ASCII digits.
fn digit_runs(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

fn number_value(digits: &str) -> Option<u64> {
    digits
        .trim_start_matches('0')
        .parse()
        .ok()
        .or_else(|| (!digits.is_empty() && digits.bytes().all(|b| b == b'0')).then_some(0))
}

/// Words that name a number: "issue 44913", "CL 300891".
const NUMBER_WORDS: &[&str] = &[
    "issue", "issues", "bug", "bugs", "cl", "cls", "change", "changes", "pr", "pull", "ticket",
    "no", "nr", "number",
];

/// Decides whether the digit run `start..end` of the view reads as an issue or
/// change number, and where the form that names it begins.
///
/// Reported: a number of four digits or more that is not a plausible year, whatever
/// punctuation touches it (`“44913”`, `44913…`, `#44913-44914`); any number after `#`,
/// `/`, `=` or a word that names one (`issue 12`, `issues/12`, `CL 12`). Not
/// reported: a digit run inside a word (`go1`), a decimal or version component
/// (`0.44913`, `43783.5`), the sequence number of a CVE id, a longer number.
pub(crate) fn number_context(view: &View, start: usize, end: usize) -> Option<usize> {
    let norm = view.norm.as_str();
    let bytes = norm.as_bytes();
    let digit = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_some_and(u8::is_ascii_digit);
    if view.at(end).is_some_and(char::is_alphanumeric) && end > start {
        return None;
    }
    if end > start
        && ((bytes.get(end) == Some(&b'.') && digit(Some(end + 1)))
            || (start >= 2 && bytes[start - 1] == b'.' && digit(Some(start - 2))))
    {
        return None;
    }
    // The word right before the number, skipping punctuation: "issue 44913", "cl/300891".
    let head = &norm[..start];
    let trimmed = head.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '\n');
    let word_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    let word = &trimmed[word_start..];
    let glued = trimmed.len() == head.len();
    if glued && !word.is_empty() && !NUMBER_WORDS.contains(&word) {
        // Letters right before the number: part of a word such as "go1".
        return None;
    }
    if is_cve_sequence(trimmed, word) {
        return None;
    }
    let token_start = |from: usize| {
        head[..from]
            .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '<' | '"' | '\'' | '['))
            .map_or(0, |i| i + 1)
    };
    if NUMBER_WORDS.contains(&word) {
        let in_url = word_start > 0 && matches!(bytes[word_start - 1], b'/' | b'.');
        return Some(if in_url {
            token_start(word_start)
        } else {
            word_start
        });
    }
    let marker = head.trim_end_matches(' ').chars().next_back();
    if matches!(marker, Some('#' | '/' | '=')) {
        return Some(token_start(start));
    }
    let digits = &norm[start..end];
    let value = number_value(digits).unwrap_or(0);
    let year_like = (1900..=2100).contains(&value);
    (end - start >= 4 && !year_like).then_some(start)
}

/// Whether the text before a number ends like a CVE id's year: "cve-2021-".
fn is_cve_sequence(trimmed: &str, word: &str) -> bool {
    if !(word.len() == 4 || word.len() == 2) || !word.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let before = trimmed[..trimmed.len() - word.len()]
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '\n');
    before.ends_with("cve")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::normalize::plain_chars;

    #[test]
    fn number_contexts() {
        let check = |text: &str, number: &str| -> Option<String> {
            let view = View::new(&plain_chars(text));
            let start = view.norm.find(number).unwrap();
            number_context(&view, start, start + number.len())
                .map(|s| view.norm[s..start + number.len()].to_string())
        };
        assert_eq!(check("see #44913 now", "44913").as_deref(), Some("#44913"));
        assert_eq!(check("see issue 12", "12").as_deref(), Some("issue 12"));
        assert_eq!(
            check("go.dev/issues/44913", "44913").as_deref(),
            Some("go.dev/issues/44913")
        );
        assert_eq!(
            check("fixed 44913 today", "44913").as_deref(),
            Some("44913")
        );
        assert_eq!(check("“44913”", "44913").as_deref(), Some("44913"));
        assert_eq!(check("44912-44913", "44913").as_deref(), Some("44913"));
        assert_eq!(check("go 1.16.1 out", "16"), None);
        assert_eq!(check("2021-03-10", "03"), None);
        assert_eq!(check("in 2021 we", "2021"), None);
        assert_eq!(check("go1", "1"), None);
        assert_eq!(check("0.44913", "44913"), None);
        assert_eq!(check("43783.5", "43783"), None);
        assert_eq!(check("cve-2021-44913", "44913"), None);
    }
}
