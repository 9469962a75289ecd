//! The scan of one part of a message against the matcher: every view of the part,
//! each kind of detail in its own pass.

mod labels;
mod numbers;

pub(crate) use numbers::hex_value;
mod titles;

use super::{Embargo, Name, Rule, NO_EXACT};
use crate::guard::normalize::View;
use crate::guard::read::Segment;
use crate::guard::report::Hit;

impl Embargo {
    /// The hits in one segment; with `labels_only`, only track-label phrases.
    pub(crate) fn segment_hits(&self, segment: &Segment<'_>, labels_only: bool) -> Vec<Hit<'_>> {
        let source = segment.source.as_ref();
        if labels_only && source.is_ascii() && !labels::has_track_word(source) {
            return Vec::new();
        }
        let mut hits = Vec::new();
        for chars in segment.views() {
            let view = View::new(chars);
            // An announcement quotes code and prose ("BEGIN RSA PRIVATE KEY"), so there
            // only the label phrases count; a pre-announcement has no reason for a
            // bare upper-case PRIVATE at all.
            self.labels(&view, source, &mut hits, !labels_only);
            if !labels_only {
                self.words(&view, source, &mut hits);
                self.squeezed(&view, &mut hits);
                self.cve_ids(&view, &mut hits);
                self.cve_with_filler(&view, &mut hits);
                self.numbers(&view, &mut hits);
                self.hashes(&view, &mut hits);
                self.titles(&view, &mut hits);
            }
        }
        hits
    }

    fn words<'e>(&'e self, view: &View, source: &str, hits: &mut Vec<Hit<'e>>) {
        let words = view.words.as_bytes();
        if let Some(automaton) = &self.words {
            for (pattern, m) in automaton.matches(&view.words) {
                let left = m.start() == 0 || words[m.start() - 1] == b' ';
                if !left {
                    continue;
                }
                let right_word = m.end() == words.len() || words[m.end()] == b' ';
                let plural = right_word || {
                    let rest = &words[m.end()..];
                    let word_end = |k: usize| rest.len() == k || rest[k] == b' ';
                    (rest.first() == Some(&b's') && word_end(1))
                        || (rest.starts_with(b"es") && word_end(2))
                };
                let (ns, ne) = view.words_range(m.start(), m.end());
                for name in self.word_names.get(pattern) {
                    let found = (ns, ne, right_word, plural);
                    accept(view, source, self, name, found, hits);
                }
            }
        }
        let single = &self.single_words;
        if single.words.is_empty() {
            return;
        }
        let mut at = 0;
        for word in view.words.split(' ') {
            let start = at;
            at += word.len() + 1;
            if word.is_empty() {
                continue;
            }
            let mut look = |len: usize, right_word: bool, plural: bool, prefix_only: bool| {
                if !single.has_length(len) {
                    return;
                }
                let names = word.get(..len).map_or(&[][..], |w| single.get(w));
                if names.is_empty() {
                    return;
                }
                let (ns, ne) = view.words_range(start, start + len);
                for name in names {
                    if !prefix_only || name.rule == Rule::Prefix {
                        let found = (ns, ne, right_word, plural);
                        accept(view, source, self, name, found, hits);
                    }
                }
            };
            look(word.len(), true, true, false);
            // A plural: the word without its "s" or "es".
            if word.ends_with('s') {
                look(word.len() - 1, false, true, false);
            }
            if word.ends_with("es") {
                look(word.len() - 2, false, true, false);
            }
            // An identifier with a suffix.
            for &len in &single.prefix_lengths {
                if len >= word.len() {
                    break;
                }
                look(len, false, false, true);
            }
        }
    }

    fn squeezed<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        let Some(automaton) = &self.squeezed else {
            return;
        };
        let squeezed = view.squeezed.as_bytes();
        for (pattern, m) in automaton.matches(&view.squeezed) {
            let (ns, ne) = view.squeezed_range(m.start(), m.end());
            if !view.whole_words(ns, ne) {
                continue;
            }
            let digit_touches = (m.start() > 0 && squeezed[m.start() - 1].is_ascii_digit())
                || squeezed.get(m.end()).is_some_and(u8::is_ascii_digit);
            let (start, end) = view.span(ns, ne);
            for name in self.squeezed_names.get(pattern) {
                if name.rule == Rule::Digits && digit_touches {
                    continue;
                }
                hits.push(name.hit(self, start, end));
            }
        }
    }
}

/// Checks a hit of `name` at the normalised range `ns..ne` against the boundary its
/// rule needs (`right_word`: the hit ends a word; `plural`: it does, or an `s` / `es`
/// does), and records it.
fn accept<'e>(
    view: &View,
    source: &str,
    embargo: &'e Embargo,
    name: &Name,
    (ns, ne, right_word, plural): (usize, usize, bool, bool),
    hits: &mut Vec<Hit<'e>>,
) {
    let mut end = ne;
    let ok = match name.rule {
        Rule::Word => right_word,
        Rule::Plural => plural,
        Rule::Prefix | Rule::Digits => true,
        Rule::Path => {
            right_word
                && !(view.at(ne) == Some('/') && view.at(ne + 1).is_some_and(char::is_alphanumeric))
        }
        Rule::Qualifier => {
            // An exported name starts with a capital as written (`xml.Name`); a file
            // name's extension does not (`go1.25.2.src.tar.gz`).
            let exported = || {
                let (member, _) = view.span(ne + 1, ne + 2);
                source
                    .get(member..)
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(char::is_uppercase)
            };
            if right_word
                && view.at(ne) == Some('.')
                && view.at(ne + 1).is_some_and(char::is_alphabetic)
                && exported()
            {
                let rest = &view.norm[ne + 1..];
                end = ne
                    + 1
                    + rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                true
            } else {
                false
            }
        }
    };
    if !ok {
        return;
    }
    let (start, source_end) = view.span(ns, end);
    let exact = || embargo.details.get(name.exact);
    if name.exact != NO_EXACT && source.get(start..source_end) != Some(exact()) {
        return;
    }
    hits.push(name.hit(embargo, start, source_end));
}
