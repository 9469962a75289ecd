//! Descriptions: what a description names that no ordinary sentence says. Its
//! identifiers (`DecodeElement`, `Resolver.LookupMX`, `io.EOF`, a call such as
//! `parseHost(`), its protocol terms (`HPACK`, `CNAME`) and its distinctive
//! phrases: three or more significant words in a row, one of them uncommon
//! ("excess header frames").

use super::super::Rule;
use super::{Builder, Entry};
use crate::guard::report::DetailKind;
use crate::guard::words::{
    case_parts, is_distinctive_identifier, is_stop_word, is_weak_stem, word_form,
};

/// The fewest significant words a distinctive phrase has.
const PHRASE_WORDS: usize = 3;

impl Builder<'_> {
    /// The description's terms and phrases; `title_forms` are the word forms of the
    /// title's identifiers, which count as the title's already.
    pub(super) fn description(&mut self, entry: &Entry<'_>, title_forms: &[String]) {
        let text: &str = &entry.issue.description;
        let title_forms: std::collections::HashSet<&str> =
            title_forms.iter().map(String::as_str).collect();
        for term in terms(text) {
            let form = word_form(&term.text);
            if form.is_empty() || title_forms.contains(form.as_str()) {
                continue;
            }
            let detail = self.details.insert(&term.text);
            let name = entry.name(DetailKind::Description, detail, Rule::Word);
            match term.kind {
                TermKind::Identifier => self.identifier(&term.text, name),
                TermKind::Phrase => self.words.add(&form, Rule::Plural.of(name)),
            }
        }
        let (safe, stemmer, ordinary) = (&self.safe, &self.stemmer, &mut self.ordinary);
        let found = phrases(text, |word| {
            // Descriptions repeat their words across entries: each is judged once.
            if let Some(&known) = ordinary.get(word) {
                return known;
            }
            let stem = stemmer.stem(word);
            let known = safe.contains(word) || is_weak_stem(&stem) || safe.contains(&stem);
            ordinary.insert(word.to_string(), known);
            known
        });
        for phrase in found {
            let detail = self.details.insert(&phrase);
            let name = entry.name(DetailKind::Description, detail, Rule::Plural);
            self.words.add(&word_form(&phrase), name);
        }
    }
}

impl Rule {
    /// `name` under this rule.
    fn of(self, name: super::super::Name) -> super::super::Name {
        super::super::Name { rule: self, ..name }
    }
}

/// What a term of a description is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermKind {
    /// A code identifier: counted with a suffix and split at its case boundaries.
    Identifier,
    /// Words that count only whole.
    Phrase,
}

/// A distinctive term of a description, as written there.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    text: String,
    kind: TermKind,
}

/// The identifiers and protocol terms of a description, each once, in order: in a
/// code span any qualified name, call or identifier-shaped word; elsewhere a
/// CamelCase, qualified (`pkg.Name`, `Type.Method`), upper-case or lettered-and-
/// digited word, or a call (`LookupMX(`).
fn terms(text: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |text: &str, kind| {
        if seen.insert(text.to_string()) {
            out.push(Term {
                text: text.to_string(),
                kind,
            });
        }
    };
    for (code, chunk) in code_spans(text) {
        for raw in chunk.split(|c: char| c.is_whitespace() || ",;:!?\"'<>[]{}=*&|".contains(c)) {
            // A term in parentheses ("(GOSUMDB)") is the term; a call has its
            // parenthesis after the name.
            let raw = raw.trim_start_matches('(');
            let call = raw.contains('(');
            let token = raw
                .split('(')
                .next()
                .unwrap_or_default()
                .trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            if token.chars().filter(|c| c.is_alphabetic()).count() < 2 {
                continue;
            }
            let pieces: Vec<&str> = token.split(['.', '/']).filter(|p| !p.is_empty()).collect();
            let qualified = pieces.len() >= 2
                && pieces[1..]
                    .iter()
                    .any(|p| p.chars().next().is_some_and(char::is_uppercase));
            let lower_call = call && token.chars().count() >= 4 && code;
            if qualified || lower_call || (code && token.contains('_')) {
                push(token, TermKind::Identifier);
                for piece in &pieces {
                    if is_distinctive_identifier(piece) {
                        push(piece, TermKind::Identifier);
                    }
                }
            } else if pieces.len() == 1 && is_distinctive_identifier(token) {
                let kind = match case_parts(token).len() {
                    1 => TermKind::Phrase,
                    _ => TermKind::Identifier,
                };
                push(token, kind);
            } else if call && token.chars().count() >= 4 && is_distinctive_identifier(token) {
                push(token, TermKind::Identifier);
            }
        }
    }
    out
}

/// The text split into code spans and the rest: (whether code, text).
fn code_spans(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let ticks = rest[open..].chars().take_while(|&c| c == '`').count();
        let fence = &rest[open..open + ticks];
        let inner_start = open + ticks;
        let Some(close) = rest[inner_start..].find(fence) else {
            break;
        };
        out.push((false, &rest[..open]));
        out.push((true, &rest[inner_start..inner_start + close]));
        rest = &rest[inner_start + close + ticks..];
    }
    out.push((false, rest));
    out
}

/// The distinctive phrases of a description: every [`PHRASE_WORDS`] words of
/// letters side by side in one sentence, with no stop word, code or punctuation
/// between, of which at least two are not `ordinary` (a word of the wording, a
/// common title word). Each counts whole, as it is written.
fn phrases(text: &str, mut ordinary: impl FnMut(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (code, chunk) in code_spans(text) {
        if code {
            continue;
        }
        let mut run: Vec<&str> = Vec::new();
        let mut flush = |run: &mut Vec<&str>| {
            for window in run.windows(PHRASE_WORDS) {
                let uncommon = window
                    .iter()
                    .filter(|w| !ordinary(&w.to_lowercase()))
                    .count();
                let phrase = window.join(" ");
                if uncommon >= 2 && seen.insert(phrase.clone()) {
                    out.push(phrase);
                }
            }
            run.clear();
        };
        let mut at = 0;
        for word in chunk.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-') {
            let start = at;
            at += word.len() + 1;
            let gap = chunk[..start].chars().next_back();
            // Only a space joins two words of one phrase.
            if gap.is_some_and(|c| c != ' ') && start > 0 {
                flush(&mut run);
            }
            let plain = word.len() >= 2
                && word
                    .chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
                && !is_stop_word(&word.to_lowercase());
            if plain {
                run.push(word);
            } else if !word.is_empty() {
                flush(&mut run);
            }
        }
        flush(&mut run);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn identifiers_calls_and_protocol_terms_are_terms() {
        let text = "The `Decode`, `DecodeElement`, and `Skip` methods of an `xml.Decoder` \
                    can loop when a custom `xml.TokenReader` returns `io.EOF`. \
                    Calling LookupMX( or net.LookupCNAME with HPACK over the DNS server, \
                    or `parseHost(h)`.";
        let found = texts(text);
        for want in [
            "DecodeElement",
            "xml.Decoder",
            "xml.TokenReader",
            "TokenReader",
            "io.EOF",
            "EOF",
            "LookupMX",
            "net.LookupCNAME",
            "LookupCNAME",
            "HPACK",
            "parseHost",
        ] {
            assert!(found.iter().any(|f| f == want), "{want} in {found:?}");
        }
        for not in ["Decode", "Skip", "DNS", "The", "Calling"] {
            assert!(!found.iter().any(|f| f == not), "{not} in {found:?}");
        }
    }

    #[test]
    fn phrases_are_runs_of_uncommon_words() {
        let ordinary = |w: &str| ["header", "server", "memory", "use"].contains(&w);
        let found = phrases(
            "An attacker can send excess header frames, causing excessive memory use in an HTTP/2 server.",
            ordinary,
        );
        assert_eq!(
            found,
            [
                "send excess header",
                "excess header frames",
                "causing excessive memory"
            ]
        );
        assert!(phrases("It does not validate the returned names.", ordinary).is_empty());
    }
}
