//! The words of details: stop words, the built-in template's words, title
//! identifiers and their case parts, the names of a credit, and title stems.

use std::collections::HashSet;

use rust_stemmers::{Algorithm, Stemmer};

use super::normalize::{plain_chars, View};
use crate::load::LoadedRelease;

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

/// Words of the built-in pre-announcement template itself, always safe, each with
/// its stem: a pre-announcement is mostly these words, and the title scan need not
/// stem them (a test checks the stems against the stemmer). Sorted.
const TEMPLATE_WORDS: &[(&str, &str)] = &[
    ("announcement", "announc"),
    ("april", "april"),
    ("august", "august"),
    ("com", "com"),
    ("covering", "cover"),
    ("cve", "cve"),
    ("cves", "cves"),
    ("december", "decemb"),
    ("dev", "dev"),
    ("february", "februari"),
    ("fix", "fix"),
    ("fixes", "fix"),
    ("following", "follow"),
    ("friday", "friday"),
    ("gophers", "gopher"),
    ("hello", "hello"),
    ("http", "http"),
    ("https", "https"),
    ("include", "includ"),
    ("includes", "includ"),
    ("issue", "issu"),
    ("january", "januari"),
    ("july", "juli"),
    ("june", "june"),
    ("library", "librari"),
    ("march", "march"),
    ("minor", "minor"),
    ("monday", "monday"),
    ("november", "novemb"),
    ("october", "octob"),
    ("org", "org"),
    ("plan", "plan"),
    ("policy", "polici"),
    ("pre", "pre"),
    ("preannouncement", "preannounc"),
    ("release", "releas"),
    ("releases", "releas"),
    ("saturday", "saturday"),
    ("security", "secur"),
    ("september", "septemb"),
    ("standard", "standard"),
    ("subject", "subject"),
    ("sunday", "sunday"),
    ("team", "team"),
    ("thanks", "thank"),
    ("thursday", "thursday"),
    ("toolchain", "toolchain"),
    ("tuesday", "tuesday"),
    ("wednesday", "wednesday"),
    ("www", "www"),
];

/// The stems of [`STOP_WORDS`] and [`TEMPLATE_WORDS`] that are neither, which are
/// safe too: precomputed, so that no run stems the fixed lists (a test checks them
/// against the stemmer). Sorted.
const FIXED_SAFE_STEMS: &[&str] = &[
    "ani",
    "announc",
    "befor",
    "cover",
    "decemb",
    "doe",
    "dure",
    "februari",
    "follow",
    "gopher",
    "includ",
    "issu",
    "januari",
    "juli",
    "librari",
    "novemb",
    "octob",
    "onc",
    "onli",
    "polici",
    "preannounc",
    "releas",
    "secur",
    "septemb",
    "thank",
    "veri",
    "whi",
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

/// Words of organisation names ("Acme Offensive Research Team"): the whole name
/// counts, but each of these alone is ordinary prose.
pub(crate) const ORGANISATION_WORDS: &[&str] = &[
    "research",
    "security",
    "team",
    "labs",
    "lab",
    "group",
    "project",
    "university",
    "institute",
    "offensive",
    "company",
    "foundation",
    "community",
    "systems",
    "software",
    "technologies",
    "technology",
    "networks",
    "consulting",
    "center",
    "centre",
    "department",
    "division",
    "inc",
    "ltd",
    "llc",
    "gmbh",
    "corp",
    "corporation",
    "services",
    "solutions",
    "engineering",
    "cloud",
    "data",
    "cyber",
    "intelligence",
    "response",
    "operations",
];

/// Other ways to say a spoken toolchain name: (package, synonyms).
pub(crate) const SYNONYMS: &[(&str, &[&str])] = &[
    ("cmd/go", &["go tool", "go cmd", "go binary", "go cli"]),
    ("cmd/compile", &["compiler", "gc compiler", "go compiler"]),
    ("cmd/link", &["linker", "go linker"]),
    ("cmd/cgo", &["cgo tool"]),
    ("cmd/vet", &["go vet", "vet tool"]),
];

pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// The stem of a word of the built-in template, if it is one.
pub(crate) fn template_stem(word: &str) -> Option<&'static str> {
    TEMPLATE_WORDS
        .binary_search_by_key(&word, |&(w, _)| w)
        .ok()
        .map(|at| TEMPLATE_WORDS[at].1)
}

/// Whether a stem is one of a common title word ([`WEAK_STEMS`]).
pub(crate) fn is_weak_stem(stem: &str) -> bool {
    WEAK_STEMS.binary_search(&stem).is_ok()
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

pub(crate) fn all_safe(phrase: &str, safe: &SafeWords) -> bool {
    word_tokens(phrase)
        .iter()
        .all(|w| safe.contains(w) || is_stop_word(w))
}

/// A link without its scheme and `www.`.
pub(crate) fn strip_scheme(link: &str) -> String {
    let link = link.trim();
    let link = link.split_once("://").map_or(link, |(_, rest)| rest);
    let link = link.strip_prefix("www.").unwrap_or(link);
    link.trim_end_matches('/').to_string()
}

/// The words the built-in pre-announcement must say for this release, and their
/// stems: never reported on their own (see [`safe_words`]).
pub(crate) struct SafeWords {
    /// The release's own words and their stems; the fixed lists are checked apart.
    release: HashSet<String>,
}

impl SafeWords {
    pub(crate) fn contains(&self, word: &str) -> bool {
        is_fixed_safe(word) || self.release.contains(word)
    }
}

/// Whether a word is safe in every release: a stop word, a template word or a stem of one.
fn is_fixed_safe(word: &str) -> bool {
    is_stop_word(word)
        || template_stem(word).is_some()
        || FIXED_SAFE_STEMS.binary_search(&word).is_ok()
}

/// The words the built-in pre-announcement must say for this release, and their
/// stems: never reported on their own. Only fixed template words and identifiers
/// (project name, tag prefix, versions, policy URL) are exempt; free text from the
/// release file (greeting, release window, signers) is scanned like any other text,
/// so it cannot carry a detail past the guard.
pub(crate) fn safe_words(input: &LoadedRelease) -> SafeWords {
    let project = &input.file.project;
    let release = &input.file.release;
    let mut texts: Vec<String> = vec![
        project.name.to_string(),
        project.tag_prefix.clone(),
        project.policy_url.get_ref().to_string(),
        // The project's own words for what a pre-announcement may name.
        project.standard_library.clone(),
        project.toolchain.clone(),
        project.team(),
    ];
    // A module release's pre-announcement names its module.
    texts.extend(project.module_path().map(str::to_string));
    texts.extend(release.version_list().iter().map(|v| v.to_string()));
    let words: HashSet<String> = texts.iter().flat_map(|text| word_tokens(text)).collect();
    // Every word is stemmed, those of the fixed lists too: a fixed word's stem need
    // not be one ("releas" stems to "relea"). What the fixed lists hold already is
    // left out afterwards.
    let stemmer = stemmer();
    let stems: Vec<String> = words
        .iter()
        .map(|word| stemmer.stem(word).into_owned())
        .collect();
    let mut release = words;
    release.extend(stems);
    release.retain(|word| !is_fixed_safe(word));
    SafeWords { release }
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

/// The people and organizations of a credit: "A B and C D from E" → "A B", "C D", "E".
pub(crate) fn credit_names(credit: &str) -> Vec<String> {
    const SEPARATORS: &[&str] = &["and", "of", "from", "at", "with", "&", "the"];
    let mut names = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for piece in credit.split([',', ';', '(', ')', '/', '+']) {
        for word in piece.split_whitespace() {
            if SEPARATORS.contains(&word.to_lowercase().as_str()) {
                if !current.is_empty() {
                    names.push(current.join(" "));
                    current.clear();
                }
            } else {
                current.push(word);
            }
        }
        if !current.is_empty() {
            names.push(current.join(" "));
            current.clear();
        }
    }
    names
}

/// The names in a free-form thanks sentence ("Thanks to Tailscale for doing weird
/// things and finding this."): each run of capitalised words after the first word,
/// read as a credit. Lower-case prose around them is not a name.
pub(crate) fn thanks_names(thanks: &str) -> Vec<String> {
    let mut names = Vec::new();
    // "Thanks to zhangbo (@k1rk_sec) for ...": whoever stands between "to" and "for",
    // whatever their case.
    let lower = thanks.to_lowercase();
    for (at, _) in lower.match_indices(" to ") {
        let rest = &thanks[at + 4..];
        let end = [" for ", " who ", " of ", ", who", ", for"]
            .iter()
            .filter_map(|w| rest.to_lowercase().find(w))
            .min()
            .unwrap_or(rest.len());
        names.extend(credit_names(&rest[..end]).into_iter().map(|n| {
            n.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '_')
                .to_string()
        }));
    }
    let mut current: Vec<&str> = Vec::new();
    for (index, raw) in thanks.split_whitespace().enumerate() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        if index > 0 && capitalised {
            current.push(word);
        }
        let ends_run = !capitalised || index == 0 || raw.ends_with([',', '.', ';', ':', ')']);
        if ends_run && !current.is_empty() {
            names.push(current.join(" "));
            current.clear();
        }
    }
    if !current.is_empty() {
        names.push(current.join(" "));
    }
    let mut all: Vec<String> = names.iter().flat_map(|n| credit_names(n)).collect();
    all.retain(|n| !n.is_empty());
    all.sort();
    all.dedup();
    all
}

/// Title words reduced to their stems ("names" and "named" → "name").
pub(crate) fn stemmer() -> Stemmer {
    Stemmer::create(Algorithm::English)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thanks_sentences_give_their_capitalised_names() {
        assert_eq!(
            thanks_names("Thanks to Tailscale for doing weird things and finding this."),
            ["Tailscale"]
        );
        let names = thanks_names("Thanks to zhangbo (@k1rk_sec) and lucas.m for reporting this.");
        for name in ["zhangbo", "@k1rk_sec", "lucas.m"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
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
    fn identifiers_split_at_case_boundaries() {
        assert_eq!(case_parts("NewTokenDecoder"), ["New", "Token", "Decoder"]);
        assert_eq!(case_parts("LookupSRV"), ["Lookup", "SRV"]);
        assert_eq!(case_parts("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(case_parts("LDFLAGS"), ["LDFLAGS"]);
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
        let template: Vec<&str> = TEMPLATE_WORDS.iter().map(|&(w, _)| w).collect();
        for list in [STOP_WORDS, &template, FIXED_SAFE_STEMS, WEAK_STEMS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn precomputed_stems_are_the_stemmers() {
        let stemmer = stemmer();
        for &(word, stem) in TEMPLATE_WORDS {
            assert_eq!(stemmer.stem(word), stem, "{word}");
        }
        let template = TEMPLATE_WORDS.iter().map(|&(w, _)| w);
        let fixed: HashSet<&str> = STOP_WORDS.iter().copied().chain(template).collect();
        let stems: HashSet<String> = fixed
            .iter()
            .map(|w| stemmer.stem(w).into_owned())
            .filter(|stem| !fixed.contains(stem.as_str()))
            .collect();
        let table: HashSet<String> = FIXED_SAFE_STEMS.iter().map(|s| s.to_string()).collect();
        assert_eq!(table, stems);
        let weak: HashSet<String> = WEAK_WORDS
            .iter()
            .map(|w| stemmer.stem(w).into_owned())
            .collect();
        let table: HashSet<String> = WEAK_STEMS.iter().map(|s| s.to_string()).collect();
        assert_eq!(table, weak);
    }

    #[test]
    fn stems_fold_inflections() {
        let stemmer = stemmer();
        assert_eq!(stemmer.stem("names"), stemmer.stem("named"));
        assert_eq!(stemmer.stem("loops"), stemmer.stem("loop"));
    }
}
