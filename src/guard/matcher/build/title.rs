//! Titles: pairs of stemmed significant words near each other in the title, the
//! distinctive identifiers with a suffix or split at their case boundaries, the
//! parts of a long identifier that name a thing themselves (`TokenDecoder` of
//! `NewTokenDecoder`), and a one-word title.

use rust_stemmers::Stemmer;

use super::super::tables::StrTable;
use super::super::{Rule, TitlePair, TITLE_WINDOW};
use super::{Builder, Entry};
use crate::guard::report::DetailKind;
use crate::guard::words::{
    case_parts, identifiers, is_stop_word, is_weak_stem, stemmer, word_form, word_tokens,
    SafeWords, Safety,
};

/// Title stems while the matcher is built: each word stemmed once, each stem with
/// an id and whether it is weak.
pub(super) struct TitleStems {
    stemmer: Stemmer,
    stems: StrTable,
    /// By stem id: whether the stem is a weak one.
    weak: Vec<bool>,
    /// Words already stemmed, each → its stem id in `ids`.
    words: StrTable,
    ids: Vec<u32>,
}

impl Default for TitleStems {
    fn default() -> Self {
        TitleStems {
            stemmer: stemmer(),
            stems: StrTable::default(),
            weak: Vec::new(),
            words: StrTable::default(),
            ids: Vec::new(),
        }
    }
}

/// A significant word of a title: its stem id, how far it (or its stem) is safe,
/// whether it is weak.
type TitleWord = (u32, Safety, bool);

impl TitleStems {
    /// The [`TitleWord`] of a lower-case word.
    fn of(&mut self, word: &str, safe: &SafeWords<'_>) -> TitleWord {
        let known = self.words.len();
        let at = self.words.insert(word) as usize;
        if at == known {
            let stem = self.stemmer.stem(word);
            let before = self.stems.len();
            let id = self.stems.insert(&stem);
            if id as usize == before {
                self.weak.push(is_weak_stem(&stem));
            }
            self.ids.push(id);
        }
        let id = self.ids[at];
        let safety = safe.safety(word).max(safe.safety(self.stems.get(id)));
        (id, safety, self.weak[id as usize])
    }

    pub(super) fn finish(self) -> StrTable {
        self.stems.shrink()
    }
}

impl Builder<'_> {
    /// The title's pairs and forms; returns the word forms of its identifiers.
    pub(super) fn title(&mut self, entry: &Entry<'_>) -> Vec<String> {
        let title = entry.issue.title.trim();
        let title_detail = self.details.insert(title);
        let title_name = |rule| entry.name(DetailKind::Title, title_detail, rule);
        // Each significant word's (stem id, safe, weak).
        let mut sequence: Vec<TitleWord> = Vec::new();
        for token in title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
        {
            let lower = word_form(token);
            if lower.is_empty() || is_stop_word(&lower) {
                continue;
            }
            sequence.push(self.stems.of(&lower, &self.safe));
            // A two-part identifier's parts are the identifier ("TokenReader");
            // a longer one counts whole (below), not by any two of its parts.
            let parts = case_parts(token);
            if parts.len() == 2 {
                let ids: Vec<TitleWord> = parts
                    .iter()
                    .map(|p| self.stems.of(&word_form(p), &self.safe))
                    .collect();
                self.pair(entry, title_detail, ids[0], ids[1], true);
            }
        }
        for i in 0..sequence.len() {
            for j in i + 1..sequence.len().min(i + 1 + TITLE_WINDOW) {
                self.pair(entry, title_detail, sequence[i], sequence[j], j == i + 1);
            }
        }
        let significant: Vec<String> = word_tokens(title)
            .into_iter()
            .filter(|w| !is_stop_word(w))
            .collect();
        if significant.len() == 1 && !self.safe.contains(&significant[0]) {
            self.words.add(&significant[0], title_name(Rule::Plural));
        }
        // What a title quotes it quotes as written, whatever its words: a command
        // ("go bug"), a header, a message.
        for quoted in quoted_phrases(title) {
            let form = word_form(quoted);
            if form.contains(' ') || !self.safe.contains(&form) {
                self.words.add(&form, title_name(Rule::Plural));
            }
        }
        let idents = identifiers(title);
        for ident in &idents {
            self.identifier(ident, title_name(Rule::Word));
        }
        idents.iter().map(|i| word_form(i)).collect()
    }

    /// An identifier of a title or a description, reported as `name` says: glued or
    /// split anywhere ("NewToken Decoder", "New-TokenDecoder") when it is long, with a
    /// suffix, split at its case boundaries, and the runs of its parts that end it
    /// ("TokenDecoder", "token decoder" of `NewTokenDecoder`).
    pub(super) fn identifier(&mut self, ident: &str, name: super::super::Name) {
        let with = |rule| super::super::Name { rule, ..name };
        let last = ident.rsplit('.').next().unwrap_or(ident);
        for form in [last, ident] {
            let glued: String = form
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            if glued.chars().count() >= 8 {
                self.squeezed.add(&glued, with(Rule::Word));
            }
        }
        self.words.add(&word_form(ident), with(Rule::Prefix));
        let parts = case_parts(last);
        if parts.len() > 1 && !ident.contains('.') {
            self.words
                .add(&word_form(&parts.join(" ")), with(Rule::Prefix));
        }
        // The parts that end a long identifier name the thing it is about: its last
        // two and three parts (an identifier of thousands of parts makes no more).
        for from in parts.len().saturating_sub(3).max(1)..parts.len().saturating_sub(1) {
            let run = &parts[from..];
            let glued = run.concat();
            if glued.chars().count() < 6 || run.iter().all(|p| p.chars().count() < 3) {
                continue;
            }
            self.words.add(&word_form(&glued), with(Rule::Prefix));
            self.words
                .add(&word_form(&run.join(" ")), with(Rule::Plural));
        }
    }

    /// Records two words of a title near each other, `adjacent` when side by side.
    fn pair(
        &mut self,
        entry: &Entry<'_>,
        title: u32,
        (a, a_safe, a_weak): TitleWord,
        (b, b_safe, b_weak): TitleWord,
        adjacent: bool,
    ) {
        if a == b || (a_safe == Safety::Own && b_safe == Safety::Own) {
            return;
        }
        let slot = self
            .title_pairs
            .entry((a.min(b), a.max(b)))
            .or_insert_with(|| TitlePair {
                title,
                issue: entry.number,
                strong: false,
                adjacent_first: None,
            });
        // A word of the wording stands near any word in the wording's own sentences
        // ("binary distributions for Windows"): a pair with one counts only as the
        // title writes it, as a pair of two common words does.
        slot.strong |= a_safe == Safety::None && b_safe == Safety::None && (!a_weak || !b_weak);
        if adjacent && slot.adjacent_first.is_none() {
            slot.adjacent_first = Some(a);
        }
    }
}

/// The runs of a title between double quotes or backticks (straight or curly), each
/// with a word in it.
fn quoted_phrases(title: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (open, close) in [('"', '"'), ('`', '`'), ('\u{201c}', '\u{201d}')] {
        let mut rest = title;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len_utf8()..];
            let Some(end) = after.find(close) else {
                break;
            };
            let inner = after[..end].trim();
            if inner.chars().any(char::is_alphanumeric) {
                out.push(inner);
            }
            rest = &after[end + close.len_utf8()..];
        }
    }
    out
}
