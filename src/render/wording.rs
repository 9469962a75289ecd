//! The words that belong to a wording: what its templates print by themselves, and
//! what people call its components (`words.toml` beside the templates).
//!
//! The embargo guard takes these as the only words that are herald's own. The
//! built-in Go wording's file is compiled in and read once; a `words.toml` in a
//! `--templates` directory takes its place.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;

use super::message::RenderError;
use crate::model::Profile;
use crate::source::SourceFile;

/// The file name of a wording's words.
pub const WORDS_FILE: &str = "words.toml";

/// The words of a wording, read from its `words.toml`.
#[derive(Debug, Clone)]
pub struct Wording {
    /// Each word the wording prints, lower case, with its stem.
    words: HashMap<String, String>,
    /// The stems of those words that are not words of the list themselves.
    stems: HashSet<String>,
    /// Nouns that may stand for "command" in a spoken name.
    command_nouns: Vec<String>,
    /// Other names of components, by package path.
    synonyms: HashMap<String, Vec<String>>,
}

/// `words.toml`, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordsFile {
    #[serde(default)]
    words: Vec<toml::Spanned<String>>,
    #[serde(default)]
    command_nouns: Vec<String>,
    #[serde(default)]
    synonyms: HashMap<String, Vec<String>>,
}

/// Each profile's built-in words, in the order of [`Profile::ALL`], read on first use.
static BUILTIN: [LazyLock<Wording>; 3] = [
    LazyLock::new(|| builtin_words(Profile::ALL[0])),
    LazyLock::new(|| builtin_words(Profile::ALL[1])),
    LazyLock::new(|| builtin_words(Profile::ALL[2])),
];

fn builtin_words(profile: Profile) -> Wording {
    let (path, text) = super::builtin::words(profile);
    Wording::parse(&SourceFile::new(path, text)).expect("a built-in words.toml is valid")
}

impl Wording {
    /// The built-in words of `profile`'s wording, read on first use.
    pub fn builtin(profile: Profile) -> &'static Wording {
        let index = Profile::ALL
            .iter()
            .position(|p| *p == profile)
            .expect("every profile is listed");
        &BUILTIN[index]
    }

    /// Reads `words.toml` from `path`.
    pub fn load(path: &Path) -> Result<Wording, RenderError> {
        let bytes = std::fs::read(path).map_err(|source| RenderError::Io {
            path: path.to_path_buf(),
            what: "wording's words file",
            source,
        })?;
        let file = SourceFile::from_utf8(path, bytes).map_err(|bad| RenderError::TemplateAt {
            location: bad.file.span_location(&bad.span),
            message: format!(
                "the file is not UTF-8: byte 0x{:02X} cannot start or continue a character here",
                bad.byte
            ),
            excerpt: Box::new(bad.file.excerpt(&bad.span)),
        })?;
        Wording::parse(&file)
    }

    /// Parses a `words.toml`; an error names the file, line and column.
    pub fn parse(file: &SourceFile) -> Result<Wording, RenderError> {
        let at = |span: std::ops::Range<usize>, message: String| RenderError::TemplateAt {
            location: file.span_location(&span),
            message,
            excerpt: Box::new(file.excerpt(&span)),
        };
        let parsed: WordsFile = toml::from_str(file.text()).map_err(|e| {
            at(
                e.span().unwrap_or(0..0),
                format!(
                    "{} (expected words = [...], command_nouns = [...] and a [synonyms] table)",
                    e.message()
                ),
            )
        })?;
        let stemmer = Stemmer::create(Algorithm::English);
        let mut words = HashMap::new();
        for word in &parsed.words {
            let text = word.get_ref();
            let plain = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_alphanumeric() && !c.is_uppercase());
            if !plain {
                return Err(at(
                    word.span(),
                    format!("{text:?} is not one lower-case word of letters and digits"),
                ));
            }
            words.insert(text.clone(), stemmer.stem(text).into_owned());
        }
        let stems = words
            .values()
            .filter(|stem| !words.contains_key(stem.as_str()))
            .cloned()
            .collect();
        Ok(Wording {
            words,
            stems,
            command_nouns: parsed.command_nouns,
            synonyms: parsed.synonyms,
        })
    }

    /// Whether `word` (lower case) is a word of the wording or the stem of one.
    pub fn is_own(&self, word: &str) -> bool {
        self.words.contains_key(word) || self.stems.contains(word)
    }

    /// The stem of a word of the wording, worked out when it was read.
    pub fn stem(&self, word: &str) -> Option<&str> {
        self.words.get(word).map(String::as_str)
    }

    /// The nouns that may take the place of "command" in a spoken name.
    pub fn command_nouns(&self) -> &[String] {
        &self.command_nouns
    }

    /// Other names of the component at `package`.
    pub fn synonyms(&self, package: &str) -> &[String] {
        self.synonyms.get(package).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_builtin_wording_holds_every_literal_word_of_its_templates() {
        for profile in Profile::ALL {
            let wording = Wording::builtin(profile);
            for (name, text) in super::super::builtin::templates(profile) {
                let literal = tera_free(text);
                for word in literal
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                {
                    let word = word.to_ascii_lowercase();
                    let english = crate::guard::is_stop_word(&word) || word.len() == 1;
                    assert!(
                        english || wording.is_own(&word),
                        "{profile}/{name}: {word:?} is not in templates/{profile}/words.toml"
                    );
                }
            }
        }
    }

    /// A template's text without its Tera tags and expressions.
    fn tera_free(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('{') {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            let close = match tail.get(..2) {
                Some("{{") => "}}",
                Some("{%") => "%}",
                Some("{#") => "#}",
                _ => {
                    out.push('{');
                    rest = &tail[1..];
                    continue;
                }
            };
            rest = tail.find(close).map_or("", |end| &tail[end + 2..]);
            out.push(' ');
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn stems_are_computed_and_errors_are_placed() {
        let file = SourceFile::new("w.toml", "words = [\"releases\", \"fixes\"]\n");
        let wording = Wording::parse(&file).unwrap();
        assert!(wording.is_own("releases") && wording.is_own("releas"));
        assert_eq!(wording.stem("fixes"), Some("fix"));
        let bad = SourceFile::new("w.toml", "words = [\"ok\", \"Two Words\"]\n");
        let error = Wording::parse(&bad).unwrap_err().to_string();
        assert!(error.starts_with("w.toml:1:16:"), "{error}");
        let unknown = SourceFile::new("w.toml", "wordz = []\n");
        assert!(Wording::parse(&unknown)
            .unwrap_err()
            .to_string()
            .starts_with("w.toml:1:1:"));
    }
}
