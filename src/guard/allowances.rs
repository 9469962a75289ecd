//! What a profile's own wording says of the embargoed fixes, which the guard would
//! otherwise take for a leak: under the `go` profile, the word PRIVATE in the one
//! sentence of a pre-announcement that says the fixes are on the private track, and
//! in a module's pre-announcement the packages it names in its module.
//!
//! Each allowance is one exact phrase, built from the release as the template
//! prints it (only the spaces between its words may differ, as wrapped text and
//! HTML space them). A detail the guard finds wholly inside such a phrase is allowed;
//! the same detail anywhere else, or the phrase with a word changed, is not.

use std::ops::Range;

use regex::Regex;

use crate::load::LoadedRelease;
use crate::model::Profile;
use crate::render::Embargoed;

/// The phrases a release's pre-announcement may hold though they name embargoed
/// details or a track.
#[derive(Debug, Clone, Default)]
pub(crate) struct Allowances {
    phrases: Vec<Regex>,
}

impl Allowances {
    /// The allowances of `input`: none but under the `go` profile.
    pub(crate) fn of(input: &LoadedRelease) -> Allowances {
        let project = &input.file.project;
        if project.profile() != Profile::Go {
            return Allowances::default();
        }
        let embargoed = Embargoed::of(input);
        let Some(affects) = embargoed.affects_text.as_deref() else {
            return Allowances::default();
        };
        let mut phrases = Vec::new();
        if project.module_path().is_some() {
            // "the package golang.org/x/net/html in the golang.org/x/net module", as
            // herald fills it in, after "for" or any other word a template puts first.
            phrases.push(phrase(affects));
        } else if embargoed.private_only {
            let noun = if embargoed.count == 1 {
                "a PRIVATE security fix"
            } else {
                "PRIVATE security fixes"
            };
            for verb in ["include", "includes"] {
                phrases.push(phrase(&format!("{verb} {noun} to {affects}")));
            }
        }
        Allowances {
            phrases: phrases.into_iter().flatten().collect(),
        }
    }

    /// Whether there is nothing to allow.
    pub(crate) fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// Where in `text` the allowed phrases stand.
    pub(crate) fn spans(&self, text: &str) -> Vec<Range<usize>> {
        self.phrases
            .iter()
            .flat_map(|p| p.find_iter(text).map(|m| m.range()))
            .collect()
    }
}

/// A phrase matched word for word, in its case, with any run of white space
/// between its words, and not as the tail or head of a longer word.
fn phrase(text: &str) -> Option<Regex> {
    let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
    let pattern = format!(r"(?:^|\b){}(?:\b|$)", words.join(r"\s+"));
    // A module release's phrase names every embargoed package: the default size
    // limit would refuse the phrase of a few thousand, and the allowance with it.
    let limit = (pattern.len() * 64).max(10 << 20);
    regex::RegexBuilder::new(&pattern)
        .size_limit(limit)
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_allows_only_itself_with_any_spacing() {
        let p = phrase("includes PRIVATE security fixes to the toolchain").unwrap();
        assert!(p.is_match(
            "This minor release includes PRIVATE security fixes to the\ntoolchain, covering"
        ));
        assert!(!p.is_match("includes private security fixes to the toolchain"));
        assert!(!p.is_match("includes PRIVATE security fixes to the toolchains"));
        assert!(!p.is_match("includes PRIVATE\u{200b} security fixes to the toolchain"));
    }
}
