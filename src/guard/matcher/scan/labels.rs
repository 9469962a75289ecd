//! Track labels: the words PUBLIC, PRIVATE and URGENT where they name a track, in
//! any phrasing ("private track", "PRIVATE-track", "private disclosure track",
//! "embargoed (private) track", "track: private", "Track — private").

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::super::Embargo;
use crate::guard::normalize::View;
use crate::guard::report::{DetailKind, Hit};

/// The track labels, as reported.
const LABELS: [&str; 3] = ["PUBLIC", "PRIVATE", "URGENT"];

/// What may stand between a label word and "track" in one phrase: punctuation and
/// spaces, never a sentence's or a clause's end.
const GAP: &str = r#"[^a-z0-9.!?;,\n]{0,4}"#;

/// Words a track's name is written with ("private disclosure track"): at most two of
/// them stand between the label and "track".
const FILLERS: &str = "disclosure|disclosures|embargo|embargoed|security|fix|fixes|\
                       vulnerability|vulnerabilities|release|issue|issues|handling|\
                       response|process|reporting|report|reports|fixing";

/// What a label names when it stands before them without "track" ("private security
/// fixes", "an urgent fix"): only a track gives a fix such a word, so in a
/// pre-announcement the phrase is a label in any case.
const FIX_NOUNS: &str = "fix|fixes|vulnerability|vulnerabilities|patch|patches";

/// The track-label phrases, in the normalised view. Compiled once, when first used.
/// Group 1: a label before "track"; group 2: a label after it; group 3: a label
/// before a fix's noun; group 4: "urgent" or "private" before "release"; group 5: a
/// label the fixes are said to be ("the fixes are private"); group 6: a bare word.
static LABEL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let label = "(public|private|urgent)";
    // `_` is a word character to the regex: "private_track" has no boundary in it.
    let before =
        format!(r"\b{label}(?:_|\b)(?:{GAP}\b(?:{FILLERS})\b){{0,2}}(?:{GAP}\b)?tracks?\b");
    // After "track" a plain space is prose ("we track private reports"): the label
    // must follow a mark (`:`, `=`, a dash, a bracket, a quote) or "is", "was",
    // "set to".
    let mark = r#"[^a-z0-9.!?;,\n]{0,3}[:=\-(\["'][^a-z0-9.!?;,\n]{0,3}"#;
    let verb = r"\s(?:is|was|set to|is set to|=)\s";
    let after = format!(r"\btracks?(?:\s(?:label|name|type))?(?:{mark}|{verb}){label}\b");
    let fix = format!(
        r"\b{label}(?:{GAP}\bsecurity)?{GAP}\b(?:{FIX_NOUNS})\b|\b(urgent|private)(?:{GAP}\bsecurity)?{GAP}\breleases?\b"
    );
    // Fixes said to be public are what every announcement makes them ("the fixes
    // will be public on Tuesday"): only the embargoed labels count here.
    let said = format!(
        r"\b(?:{FIX_NOUNS})\s(?:are|is|remain|remains|stay|stays|will\sbe|will\sremain)\s(?:currently\s|still\s|kept\s)?(private|urgent)\b"
    );
    Regex::new(&format!(r"{before}|{after}|{fix}|{said}|\b{label}\b")).expect("valid label pattern")
});

/// Whether `text` holds "track" in any ASCII case: every label phrase an
/// announcement is checked for does (the other forms count only in a
/// pre-announcement), so an ASCII announcement without it needs no label scan.
pub(super) fn has_track_word(text: &str) -> bool {
    text.as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"track"))
}

impl Embargo {
    /// The shared detail of a track label.
    fn label_detail(label: String) -> Cow<'static, str> {
        LABELS
            .iter()
            .find(|&&l| l == label)
            .map_or(Cow::Owned(label), |&l| Cow::Borrowed(l))
    }

    /// Track-label phrases; with `bare_words`, an upper-case label word alone too.
    pub(super) fn labels<'e>(
        &'e self,
        view: &View,
        source: &str,
        hits: &mut Vec<Hit<'e>>,
        bare_words: bool,
    ) {
        // Every label phrase holds one of the three words: without them the regex is
        // neither compiled nor run.
        if !["public", "private", "urgent"]
            .iter()
            .any(|w| view.norm.contains(w))
        {
            return;
        }
        for caps in LABEL_RE.captures_iter(&view.norm) {
            // Before a fix's noun the label word itself is what is reported.
            let phrase_label = caps.get(3).or_else(|| caps.get(4)).or_else(|| caps.get(5));
            let whole = phrase_label.or_else(|| caps.get(0)).expect("group 0");
            let (start, end) = view.span(whole.start(), whole.end());
            let found = source.get(start..end).unwrap_or_default();
            let label = if let Some(word) = phrase_label {
                // "public fixes" may describe an announcement's list; before release day
                // the phrase names a track.
                if !bare_words {
                    continue;
                }
                word.as_str().to_uppercase()
            } else if let Some(word) = caps.get(6) {
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
            hits.push(Hit::new(
                DetailKind::TrackLabel,
                Embargo::label_detail(label),
                None,
                start,
                end,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str) -> Option<String> {
        let norm = View::new(&crate::guard::normalize::plain_chars(text)).norm;
        LABEL_RE
            .captures_iter(&norm)
            .find(|c| (3..=6).all(|g| c.get(g).is_none()))
            .map(|c| c.get(1).or_else(|| c.get(2)).unwrap().as_str().to_string())
    }

    #[test]
    fn every_phrasing_of_a_label_is_one() {
        for text in [
            "a private track fix",
            "PRIVATE-track",
            "the private disclosure track",
            "embargoed (private) track",
            "Track — private",
            "track: PRIVATE",
            "track = \"urgent\"",
            "the track is public",
            "private_track",
            "Private Security Fix Track",
            "track label: private",
        ] {
            assert!(label(text).is_some(), "{text}");
        }
    }

    #[test]
    fn a_label_before_a_fixs_noun_is_one_in_a_pre_announcement() {
        for text in [
            "include private security fixes",
            "an urgent security fix",
            "a Private fix",
            "URGENT  security   patches",
            "an urgent security release",
            "the fixes are private until release day",
            "These security fixes are currently private.",
        ] {
            let norm = View::new(&crate::guard::normalize::plain_chars(text)).norm;
            let caps = LABEL_RE.captures(&norm).expect(text);
            assert!((3..=5).any(|g| caps.get(g).is_some()), "{text}");
        }
        // Public fixes are what release day makes every fix.
        let norm = View::new(&crate::guard::normalize::plain_chars(
            "the fixes will be public on Tuesday",
        ))
        .norm;
        assert!(LABEL_RE
            .captures_iter(&norm)
            .all(|c| (1..=5).all(|g| c.get(g).is_none())));
    }

    #[test]
    fn prose_is_not_a_label() {
        for text in [
            "we keep reports private and track them",
            "we track private reports",
            "keep track of public issues",
            "kept private. Track the release",
            "private, and we track",
        ] {
            assert_eq!(label(text), None, "{text}");
        }
    }
}
