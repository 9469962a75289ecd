//! The words of details: stop words, the built-in template's words, title
//! identifiers and their case parts, the names of a credit, and title stems.

use std::collections::HashSet;

use rust_stemmers::{Algorithm, Stemmer};

use super::normalize::{plain_chars, View};
use crate::load::LoadedRelease;
use crate::render::Wording;

/// Words removed before title words are paired: "loop when using" pairs "loop" with "using".
/// Sorted.
pub(crate) const STOP_WORDS: &[&str] = &[
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

/// Common words of titles: a pair of them counts only as written in the title, in
/// order and side by side ("build time"), not reordered or apart ("build your code").
/// The matcher uses their stems, [`WEAK_STEMS`].
#[cfg(test)]
const WEAK_WORDS: &[&str] = &[
    "add", "build", "call", "case", "cause", "change", "check", "close", "code", "data", "does",
    "error", "file", "find", "get", "give", "go", "group", "line", "list", "loop", "make", "name",
    "need", "new", "number", "open", "package", "page", "part", "point", "program", "read",
    "return", "run", "see", "set", "show", "system", "take", "test", "thing", "time", "type",
    "update", "use", "user", "value", "version", "way", "work", "write",
    // Common words of programming prose.
    "reader", "writer", "token", "decoder", "encoder", "request", "respons", "server", "client",
    "header", "string", "messag", "path", "input", "output", "buffer", "stream", "handler",
    "method", "function", "field", "option", "key", "byte", "size", "length",
];

/// The stems of [`WEAK_WORDS`], precomputed (a test checks them against the stemmer).
/// Sorted.
const WEAK_STEMS: &[&str] = &[
    "add", "buffer", "build", "byte", "call", "case", "caus", "chang", "check", "client", "close",
    "code", "data", "decod", "doe", "encod", "error", "field", "file", "find", "function", "get",
    "give", "go", "group", "handler", "header", "input", "key", "length", "line", "list", "loop",
    "make", "messag", "method", "name", "need", "new", "number", "open", "option", "output",
    "packag", "page", "part", "path", "point", "program", "read", "reader", "request", "respon",
    "return", "run", "see", "server", "set", "show", "size", "stream", "string", "system", "take",
    "test", "thing", "time", "token", "type", "updat", "use", "user", "valu", "version", "way",
    "work", "write", "writer",
];

/// Words of organisation names ("Acme Offensive Research Team"), of the roles and
/// places that credits name besides people ("Head of Research", "GitHub user",
/// "bug bounty program"), and of mail and code hosts ("@github.com"): a credited
/// name counts whole, but each of these alone is ordinary prose. Sorted.
const DESCRIPTOR_WORDS: &[&str] = &[
    "academy",
    "account",
    "analyst",
    "bounty",
    "bug",
    "center",
    "centre",
    "ceo",
    "chief",
    "cloud",
    "college",
    "com",
    "community",
    "company",
    "consultant",
    "consulting",
    "contributor",
    "corp",
    "corporation",
    "cto",
    "cyber",
    "data",
    "department",
    "dev",
    "developer",
    "director",
    "division",
    "email",
    "engineer",
    "engineering",
    "example",
    "faculty",
    "fellow",
    "foundation",
    "founder",
    "github",
    "gitlab",
    "gmail",
    "gmbh",
    "google",
    "googlemail",
    "group",
    "hackerone",
    "handle",
    "head",
    "hotmail",
    "icloud",
    "inc",
    "independent",
    "institute",
    "intelligence",
    "intern",
    "lab",
    "labs",
    "lead",
    "llc",
    "ltd",
    "mail",
    "maintainer",
    "manager",
    "member",
    "net",
    "networks",
    "noreply",
    "offensive",
    "operations",
    "org",
    "outlook",
    "phd",
    "principal",
    "professor",
    "program",
    "programme",
    "project",
    "proton",
    "protonmail",
    "research",
    "researcher",
    "researchers",
    "response",
    "school",
    "security",
    "senior",
    "services",
    "software",
    "solutions",
    "staff",
    "student",
    "systems",
    "team",
    "technologies",
    "technology",
    "twitter",
    "university",
    "user",
    "users",
    "yahoo",
];

/// Acronyms of everyday technical prose: a title or description that says "HTTP" or
/// "DNS" names no detail by it (a link's "https" would otherwise read as one). Sorted.
const COMMON_ACRONYMS: &[&str] = &[
    "api", "ascii", "cpu", "css", "dns", "faq", "ftp", "gui", "html", "http", "https", "ip",
    "json", "os", "pdf", "ram", "rfc", "ssh", "ssl", "tcp", "tls", "udp", "uri", "url", "usa",
    "utc", "utf", "www", "xml",
];

pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Whether a stem is one of a common title word ([`WEAK_STEMS`]) or a number: a
/// pair of such words counts only as the title writes it.
pub(crate) fn is_weak_stem(stem: &str) -> bool {
    WEAK_STEMS.binary_search(&stem).is_ok() || stem.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a lower-case word is one that credits use besides names ([`DESCRIPTOR_WORDS`]).
pub(crate) fn is_descriptor(word: &str) -> bool {
    DESCRIPTOR_WORDS.binary_search(&word).is_ok()
}

/// Whether a lower-case word is an acronym of everyday technical prose ([`COMMON_ACRONYMS`]).
pub(crate) fn is_common_acronym(word: &str) -> bool {
    COMMON_ACRONYMS.binary_search(&word).is_ok()
}

/// The words (alphanumeric runs, normalised) of a text.
pub(crate) fn word_tokens(text: &str) -> Vec<String> {
    word_form(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A text in the word form that [`View::words`] matches: normalised words joined by spaces.
pub(crate) fn word_form(text: &str) -> String {
    if text.is_ascii() && !text.contains('%') {
        // What the view makes of plain ASCII, without building one.
        let mut out = String::with_capacity(text.len());
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            if !word.is_empty() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            }
        }
        return out;
    }
    View::new(&plain_chars(text)).words
}

/// A link without its scheme and `www.`.
pub(crate) fn strip_scheme(link: &str) -> String {
    let link = link.trim();
    let link = link.split_once("://").map_or(link, |(_, rest)| rest);
    let link = link.strip_prefix("www.").unwrap_or(link);
    link.trim_end_matches('/').to_string()
}

/// How far a word is herald's own (see [`SafeWords`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Safety {
    /// Any other word.
    None,
    /// A word an override's `words.toml` lists and the profile's built-in wording
    /// does not: a person's word, which keeps two title words from counting apart
    /// but not side by side as the title writes them.
    Declared,
    /// A stop word, a word of the profile's built-in wording or of a scope's name.
    Own,
}

/// The words that are herald's own: those of the wording in use (its `words.toml`)
/// and those a project declares as the names of its own scope, with their stems.
///
/// A safe word only keeps ordinary words of a title from counting as a pair (or a
/// one-word title from counting at all). It never lets a distinctive form of an
/// embargoed detail pass: a package, a component's name, an identifier, a credited
/// name, a CVE id, an issue number or a link counts whatever words it is made of.
pub(crate) struct SafeWords<'w> {
    /// The words of the profile's built-in wording.
    builtin: &'w Wording,
    /// The wording in use: the built-in one, or an override's `words.toml`.
    wording: &'w Wording,
    /// The words of the project's declared scope names, and their stems.
    scope: HashSet<String>,
}

impl<'w> SafeWords<'w> {
    /// The words of `wording` (over the profile's `builtin` one) and of the scope
    /// names a project declares. A module release declares its module: its
    /// pre-announcement names it.
    pub(crate) fn new<'a>(
        builtin: &'w Wording,
        wording: &'w Wording,
        scope_names: impl Iterator<Item = &'a str>,
    ) -> Self {
        let stemmer = stemmer();
        let mut scope = HashSet::new();
        for name in scope_names {
            for word in word_tokens(name) {
                scope.insert(stemmer.stem(&word).into_owned());
                scope.insert(word);
            }
        }
        SafeWords {
            builtin,
            wording,
            scope,
        }
    }

    /// The safe words of a release under `wording`: with the module's path and the
    /// names of the project's scopes, which its pre-announcement prints.
    pub(crate) fn of(input: &LoadedRelease, wording: &'w Wording) -> Self {
        let project = &input.file.project;
        let scopes = project.scopes().all().iter().map(|s| s.name.as_str());
        let builtin = Wording::builtin(project.profile());
        SafeWords::new(
            builtin,
            wording,
            project.module_path().into_iter().chain(scopes),
        )
    }

    /// How far a lower-case word (or stem) is herald's own.
    pub(crate) fn safety(&self, word: &str) -> Safety {
        if is_stop_word(word) || self.builtin.is_own(word) || self.scope.contains(word) {
            Safety::Own
        } else if self.wording.is_own(word) {
            Safety::Declared
        } else {
            Safety::None
        }
    }

    /// Whether a lower-case word (or stem) is wholly herald's own: a stop word, a
    /// word of the built-in wording or of a declared scope name, or the stem of one.
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.safety(word) == Safety::Own
    }
}

/// Distinctive identifiers of a title: `xml.NewTokenDecoder`, `TokenReader`, `LDFLAGS`, `x509`.
pub(crate) fn identifiers(title: &str) -> Vec<String> {
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

pub(crate) fn is_distinctive_identifier(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 3 || !chars.iter().all(|c| c.is_alphanumeric()) {
        return false;
    }
    let camel = chars
        .windows(2)
        .any(|w| w[0].is_lowercase() && w[1].is_uppercase());
    let letters: Vec<&char> = chars.iter().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.len() >= 3
        && letters.iter().all(|c| c.is_uppercase())
        && !is_common_acronym(&word.to_lowercase());
    let mixed = !letters.is_empty() && chars.iter().any(|c| c.is_ascii_digit());
    camel || upper || mixed
}

/// An identifier split at its case boundaries: `NewTokenDecoder` → `New Token Decoder`,
/// `LookupSRV` → `Lookup SRV`, `HTTPServer` → `HTTP Server`.
pub(crate) fn case_parts(ident: &str) -> Vec<String> {
    let chars: Vec<char> = ident.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase() || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if boundary && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Title words reduced to their stems ("names" and "named" → "name").
pub(crate) fn stemmer() -> Stemmer {
    Stemmer::create(Algorithm::English)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Profile;

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
    fn identifiers_split_at_case_boundaries() {
        assert_eq!(case_parts("NewTokenDecoder"), ["New", "Token", "Decoder"]);
        assert_eq!(case_parts("LookupSRV"), ["Lookup", "SRV"]);
        assert_eq!(case_parts("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(case_parts("LDFLAGS"), ["LDFLAGS"]);
    }

    #[test]
    fn the_ascii_word_form_is_the_views() {
        for text in [
            "encoding/xml",
            "Sam  Whited-Jr.",
            "x509 LDFLAGS",
            "a_b::c",
            "  ",
        ] {
            assert_eq!(
                word_form(text),
                View::new(&plain_chars(text)).words,
                "{text}"
            );
        }
    }

    #[test]
    fn fixed_lists_are_sorted() {
        for list in [STOP_WORDS, WEAK_STEMS, DESCRIPTOR_WORDS, COMMON_ACRONYMS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn precomputed_stems_are_the_stemmers() {
        let stemmer = stemmer();
        let weak: HashSet<String> = WEAK_WORDS
            .iter()
            .map(|w| stemmer.stem(w).into_owned())
            .collect();
        let table: HashSet<String> = WEAK_STEMS.iter().map(|s| s.to_string()).collect();
        assert_eq!(table, weak);
    }

    #[test]
    fn safe_words_are_the_wordings_and_the_declared_scopes() {
        let builtin = Wording::builtin(Profile::default());
        let safe = SafeWords::new(builtin, builtin, ["golang.org/x/crypto"].into_iter());
        for word in ["release", "releas", "the", "crypto", "golang", "binary"] {
            assert!(safe.contains(word), "{word}");
        }
        for word in ["toolchains2", "windows", "ssh"] {
            assert!(!safe.contains(word), "{word}");
        }
    }

    #[test]
    fn stems_fold_inflections() {
        let stemmer = stemmer();
        assert_eq!(stemmer.stem("names"), stemmer.stem("named"));
        assert_eq!(stemmer.stem("loops"), stemmer.stem("loop"));
    }
}
