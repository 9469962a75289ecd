//! The names in a credit or a free-form thanks sentence: the people, handles and
//! organisations, the addresses and links that name them, and the other spellings a
//! person writes them in (transliterated, a handle's stem).

use std::sync::LazyLock;

use regex::Regex;

/// Words that join names in a credit: "A and B from C".
const SEPARATORS: &[&str] = &["and", "of", "from", "at", "with", "&", "the"];

/// The people and organizations of a credit: "A B and C D from E" → "A B", "C D", "E".
pub(crate) fn credit_names(credit: &str) -> Vec<String> {
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

/// Words after which a thanks sentence names whoever it thanks: "Thanks to A",
/// "reported by A", "We thank A", "credit to A".
const NAMING: &[&str] = &["to", "by", "thank", "thanks", "credit", "credits"];

/// Words that end the names of a thanks sentence: "Thanks to A for …", "A, who …".
const AFTER_NAMES: &[&str] = &[
    "for",
    "who",
    "which",
    "that",
    "when",
    "while",
    "during",
    "after",
    "because",
    "since",
    "reporting",
    "reported",
    "finding",
    "found",
    "discovering",
    "discovered",
];

/// The names in a free-form thanks sentence ("Thanks to Tailscale for doing weird
/// things and finding this."): whoever stands after "to", "by" or "thank" until the
/// sentence goes on ("for", "who", …), each run of capitalised words after the first
/// word, and every word shaped like a handle (`k1rk_sec`, `lucas.m`, `@nervuri`).
/// Lower-case prose around them is not a name.
pub(crate) fn thanks_names(thanks: &str) -> Vec<String> {
    let mut names = Vec::new();
    let words: Vec<&str> = thanks.split_whitespace().collect();
    let bare = |raw: &str| {
        raw.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let mut i = 0;
    while i < words.len() {
        if !NAMING.contains(&bare(words[i]).as_str()) || ends_clause(words[i]) {
            i += 1;
            continue;
        }
        let mut start = i + 1;
        // "Thanks to A": the names start after the last naming word.
        while start < words.len() && NAMING.contains(&bare(words[start]).as_str()) {
            start += 1;
        }
        let mut end = start;
        while end < words.len() && !AFTER_NAMES.contains(&bare(words[end]).as_str()) {
            end += 1;
            if ends_clause(words[end - 1]) {
                break;
            }
        }
        names.extend(credit_names(&words[start..end].join(" ")));
        i = end.max(start);
    }
    let mut current: Vec<&str> = Vec::new();
    for (index, raw) in words.iter().enumerate() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        let sentence_start = index == 0 || words[index - 1].ends_with(['.', '!', '?']);
        if capitalised && !sentence_start {
            current.push(word);
        }
        let ends_run = !capitalised || sentence_start || raw.ends_with([',', '.', ';', ':', ')']);
        if ends_run && !current.is_empty() {
            names.push(current.join(" "));
            current.clear();
        }
        if is_handle_shaped(raw) {
            names.push(trim_name(raw).to_string());
        }
    }
    if !current.is_empty() {
        names.push(current.join(" "));
    }
    let mut all: Vec<String> = names
        .iter()
        .flat_map(|n| credit_names(n))
        .map(|n| trim_name(&n).to_string())
        .collect();
    all.retain(|n| !n.is_empty());
    all.sort();
    all.dedup();
    all
}

/// Whether a word as written ends a clause: "to A." or "by A;".
fn ends_clause(raw: &str) -> bool {
    raw.ends_with(['.', ';', ':', '!', '?'])
        && !raw
            .trim_end_matches(['.', ';', ':', '!', '?'])
            .contains('.')
}

/// A name without the punctuation around it, keeping a handle's `@` and `_`.
fn trim_name(name: &str) -> &str {
    name.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '_')
}

/// Whether a word as written looks like a handle rather than prose: letters with
/// digits, an underscore, a dot or `@` inside, or a capital after a small letter.
pub(crate) fn is_handle_shaped(raw: &str) -> bool {
    let word = trim_name(raw);
    let inner = word.trim_start_matches('@');
    let letters = inner.chars().filter(|c| c.is_alphabetic()).count();
    // "e.g." and "i.e." are no handles.
    if letters < 3 || inner.contains("://") {
        return false;
    }
    let digits = inner.chars().any(|c| c.is_ascii_digit());
    let joined = inner.contains('_') || (inner.contains('.') && !inner.ends_with('.'));
    let camel = inner
        .chars()
        .zip(inner.chars().skip(1))
        .any(|(a, b)| a.is_lowercase() && b.is_uppercase());
    word.starts_with('@') || digits || joined || camel
}

/// An e-mail address or a link in a credit: what names a person there is the
/// address's local part or the link's path, and the domain when it is their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// The host or mail domain, lower case.
    pub domain: String,
    /// The local part of an address, or the first element of a link's path.
    pub handle: Option<String>,
}

static ADDRESS_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:https?://)?(?:([a-z0-9._%+\-]+)@)?((?:[a-z0-9\-]+\.)+[a-z]{2,})(/[^\s)>\]]*)?",
    )
    .expect("valid address pattern")
});

/// First path elements that are a site's own pages, not a person's.
const SITE_PATHS: &[&str] = &[
    "advisories",
    "blog",
    "issue",
    "issues",
    "p",
    "pages",
    "post",
    "posts",
    "pull",
    "report",
    "reports",
    "s",
    "security",
    "u",
    "user",
    "users",
    "wiki",
];

/// The addresses and links in `text`, and the text without them (each replaced by a
/// comma, which separates names).
pub(crate) fn addresses(text: &str) -> (String, Vec<Address>) {
    // Every host has a dot: a credit without one (most are names) has no address,
    // and the pattern is neither compiled nor run.
    if !text.contains('.') {
        return (text.to_string(), Vec::new());
    }
    let mut found = Vec::new();
    let mut rest = String::new();
    let mut last = 0;
    for caps in ADDRESS_RE.captures_iter(text) {
        let whole = caps.get(0).expect("group 0");
        let local = caps.get(1).map(|m| m.as_str());
        let path = caps.get(3).map(|m| m.as_str());
        let scheme = whole.as_str().contains("://");
        // "lucas.m" and "xml.Decoder" are names, not hosts: a host needs a scheme, an
        // address, a path or a top-level domain of letters that is not a name's end.
        if local.is_none() && path.is_none() && !scheme {
            continue;
        }
        rest.push_str(&text[last..whole.start()]);
        rest.push_str(", ");
        last = whole.end();
        // A link names a person by its first path element (`github.com/Slonser`),
        // unless that element is one of a site's own (`hackerone.com/reports/…`).
        let handle = local.map(str::to_string).or_else(|| {
            path.and_then(|p| p.split('/').find(|e| !e.is_empty()))
                .map(|e| e.trim_start_matches('@').to_string())
                .filter(|e| !SITE_PATHS.contains(&e.to_ascii_lowercase().as_str()))
        });
        found.push(Address {
            domain: caps[2].to_lowercase(),
            handle: handle.filter(|h| h.chars().any(char::is_alphanumeric)),
        });
    }
    rest.push_str(&text[last..]);
    (rest, found)
}

/// Other spellings of a name a person writes without its letters' marks:
/// "Jürgen Müller" is also "Juergen Mueller" (and, with the marks dropped, "Jurgen
/// Muller", which the guard's normalisation reads already); "Juergen Mueller" is
/// also "Jürgen Müller", read as "Jurgen Muller".
pub(crate) fn transliterations(name: &str) -> Vec<String> {
    const EXPANDED: &[(char, &str)] = &[
        ('ä', "ae"),
        ('ö', "oe"),
        ('ü', "ue"),
        ('ß', "ss"),
        ('æ', "ae"),
        ('ø', "oe"),
        ('å', "aa"),
        ('œ', "oe"),
        ('Ä', "Ae"),
        ('Ö', "Oe"),
        ('Ü', "Ue"),
        ('Æ', "Ae"),
        ('Ø', "Oe"),
        ('Å', "Aa"),
        ('Œ', "Oe"),
        ('ẞ', "Ss"),
    ];
    let mut out = Vec::new();
    if name.chars().any(|c| EXPANDED.iter().any(|&(m, _)| m == c)) {
        let expanded: String = name
            .chars()
            .map(|c| {
                EXPANDED
                    .iter()
                    .find(|&&(m, _)| m == c)
                    .map_or_else(|| c.to_string(), |&(_, e)| e.to_string())
            })
            .collect();
        out.push(expanded);
    } else if name.is_ascii() {
        // "ue", "oe", "ae" inside a word of five letters or more may stand for a
        // letter with marks.
        let folded: Vec<String> = name
            .split(' ')
            .map(|word| {
                let lower = word.to_lowercase();
                if word.len() < 5 {
                    return lower;
                }
                let mut folded = String::new();
                let mut chars = lower.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    let next = lower[i + 1..].chars().next();
                    if i > 0 && matches!(c, 'a' | 'o' | 'u') && next == Some('e') {
                        folded.push(c);
                        chars.next();
                    } else {
                        folded.push(c);
                    }
                }
                folded
            })
            .collect();
        let folded = folded.join(" ");
        if folded != name.to_lowercase() {
            out.push(folded);
        }
    }
    out
}

/// The stem of a handle as written, which a person may write alone: the leading
/// capitalised part of `RyotaK` ("Ryota"), `kenzo42` without its digits ("kenzo"),
/// `0xdeadbeef` without its `0x`.
pub(crate) fn handle_stem(written: &str) -> Option<String> {
    let word = written.trim_start_matches('@');
    if let Some(hex) = word.strip_prefix("0x").filter(|h| h.len() >= 5) {
        return Some(hex.to_string());
    }
    let letters = word.trim_end_matches(|c: char| c.is_ascii_digit());
    if letters.len() < word.len() && letters.chars().count() >= 4 {
        return Some(letters.to_string());
    }
    let parts = super::words::case_parts(word);
    match parts.as_slice() {
        [first, .., last] if first.chars().count() >= 4 && last.chars().count() <= 2 => {
            Some(first.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn thanks_sentences_give_their_names() {
        assert_eq!(
            thanks_names("Thanks to Tailscale for doing weird things and finding this."),
            ["Tailscale"]
        );
        let names = thanks_names("Thanks to zhangbo (@k1rk_sec) and lucas.m for reporting this.");
        for name in ["zhangbo", "@k1rk_sec", "lucas.m"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        let names = thanks_names("This was reported by kenzo_h and the 0xdeadbeef lab.");
        for name in ["kenzo_h", "0xdeadbeef lab"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        let names = thanks_names("We thank zhangbo, who found it while fuzzing.");
        assert!(names.iter().any(|n| n == "zhangbo"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("fuzzing")), "{names:?}");
    }

    #[test]
    fn addresses_give_handles_and_domains() {
        let (rest, found) = addresses("Jane Roe (jroe@oxeye.io), https://github.com/nervuri");
        assert_eq!(rest.trim(), "Jane Roe (, ), ,");
        assert_eq!(
            found,
            [
                Address {
                    domain: "oxeye.io".into(),
                    handle: Some("jroe".into())
                },
                Address {
                    domain: "github.com".into(),
                    handle: Some("nervuri".into())
                }
            ]
        );
        assert!(addresses("lucas.m and xml.Decoder").1.is_empty());
    }

    #[test]
    fn names_are_also_written_without_their_marks() {
        assert_eq!(transliterations("Jürgen Müller"), ["Juergen Mueller"]);
        assert_eq!(transliterations("Juergen Mueller"), ["jurgen muller"]);
        assert!(transliterations("Sam Whited").is_empty());
    }

    #[test]
    fn handles_have_stems() {
        assert_eq!(handle_stem("RyotaK").as_deref(), Some("Ryota"));
        assert_eq!(handle_stem("kenzo42").as_deref(), Some("kenzo"));
        assert_eq!(handle_stem("0xdeadbeef").as_deref(), Some("deadbeef"));
        assert_eq!(handle_stem("Whited"), None);
        assert_eq!(handle_stem("NewTokenDecoder"), None);
    }
}
