//! Control characters in text that can reach mail: which ones herald refuses, what
//! they are called, and where they stand in a TOML file.
//!
//! Refused: C0 controls (U+0000 to U+001F) except tab and line feed, a carriage
//! return not followed by a line feed, DEL (U+007F), C1 controls (U+0080 to U+009F,
//! NEL U+0085 among them), and the line and paragraph separators U+2028 and U+2029.
//! On a terminal they hide or overwrite text (backspace, escape sequences, a lone
//! carriage return); in mail they break the plain-text part's lines differently in
//! each reader, or upset SMTP's line handling.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Whether herald refuses `c` in text, when `next` is the character after it.
pub fn is_refused(c: char, next: Option<char>) -> bool {
    match c {
        '\t' | '\n' => false,
        '\r' => next != Some('\n'),
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

/// Whether `c` is refused in some position (a carriage return only when alone).
fn maybe_refused(c: char) -> bool {
    c == '\r' || is_refused(c, None)
}

/// The refused characters of `text`: the first, with its byte offset, and how many
/// there are in all. One pass.
pub fn refused_in(text: &str) -> Option<(char, usize, usize)> {
    let mut first = None;
    let mut count = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if maybe_refused(c) && is_refused(c, chars.peek().map(|&(_, n)| n)) {
            first.get_or_insert((c, at));
            count += 1;
        }
    }
    first.map(|(c, at)| (c, at, count))
}

/// `text` with every refused character written as a Rust escape (`\u{1b}`), for a
/// terminal: a message that quotes a value as it is cannot act on the terminal.
pub fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    if refused_in(text).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if maybe_refused(c) && is_refused(c, chars.peek().copied()) {
            shown.extend(c.escape_unicode());
        } else {
            shown.push(c);
        }
    }
    std::borrow::Cow::Owned(shown)
}

/// What a refused character is and what to write instead, for a message: "U+0008
/// BACKSPACE, a control character, ...".
pub fn describe(c: char) -> String {
    match c {
        '\r' => "a carriage return (U+000D) not followed by a line feed, which overwrites the line on a terminal and breaks lines in mail; end lines with a line feed".to_string(),
        '\u{2028}' | '\u{2029}' => format!("{}, which some mail readers show as a line break and others do not; write a line feed (a new line in a multi-line string) or a space", name(c)),
        _ => format!("{}, a control character, which can hide or overwrite text on a terminal and confuses mail readers; remove it (text may hold tabs and line feeds, no other control characters)", name(c)),
    }
}

/// "U+0008 BACKSPACE": the code point and its Unicode name (or name alias, for
/// controls), for the characters herald refuses.
pub fn name(c: char) -> String {
    const C0: [&str; 32] = [
        "NULL",
        "START OF HEADING",
        "START OF TEXT",
        "END OF TEXT",
        "END OF TRANSMISSION",
        "ENQUIRY",
        "ACKNOWLEDGE",
        "BELL",
        "BACKSPACE",
        "CHARACTER TABULATION",
        "LINE FEED",
        "LINE TABULATION",
        "FORM FEED",
        "CARRIAGE RETURN",
        "SHIFT OUT",
        "SHIFT IN",
        "DATA LINK ESCAPE",
        "DEVICE CONTROL ONE",
        "DEVICE CONTROL TWO",
        "DEVICE CONTROL THREE",
        "DEVICE CONTROL FOUR",
        "NEGATIVE ACKNOWLEDGE",
        "SYNCHRONOUS IDLE",
        "END OF TRANSMISSION BLOCK",
        "CANCEL",
        "END OF MEDIUM",
        "SUBSTITUTE",
        "ESCAPE",
        "FILE SEPARATOR",
        "GROUP SEPARATOR",
        "RECORD SEPARATOR",
        "UNIT SEPARATOR",
    ];
    const C1: [&str; 32] = [
        "PADDING CHARACTER",
        "HIGH OCTET PRESET",
        "BREAK PERMITTED HERE",
        "NO BREAK HERE",
        "INDEX",
        "NEXT LINE",
        "START OF SELECTED AREA",
        "END OF SELECTED AREA",
        "CHARACTER TABULATION SET",
        "CHARACTER TABULATION WITH JUSTIFICATION",
        "LINE TABULATION SET",
        "PARTIAL LINE FORWARD",
        "PARTIAL LINE BACKWARD",
        "REVERSE LINE FEED",
        "SINGLE SHIFT TWO",
        "SINGLE SHIFT THREE",
        "DEVICE CONTROL STRING",
        "PRIVATE USE ONE",
        "PRIVATE USE TWO",
        "SET TRANSMIT STATE",
        "CANCEL CHARACTER",
        "MESSAGE WAITING",
        "START OF GUARDED AREA",
        "END OF GUARDED AREA",
        "START OF STRING",
        "SINGLE GRAPHIC CHARACTER INTRODUCER",
        "SINGLE CHARACTER INTRODUCER",
        "CONTROL SEQUENCE INTRODUCER",
        "STRING TERMINATOR",
        "OPERATING SYSTEM COMMAND",
        "PRIVACY MESSAGE",
        "APPLICATION PROGRAM COMMAND",
    ];
    let code = u32::from(c);
    let name = match c {
        '\u{0}'..='\u{1f}' => C0[code as usize],
        '\u{7f}' => "DELETE",
        '\u{80}'..='\u{9f}' => C1[(code - 0x80) as usize],
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        _ => "",
    };
    if name.is_empty() {
        format!("U+{code:04X}")
    } else {
        format!("U+{code:04X} {name}")
    }
}

/// A key or string of a TOML document that holds refused characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Where it is in the document, for people: "project.greeting", "title of
    /// [[security]] entry 2", "a key of project.spoken".
    pub path: String,
    /// The source bytes of the first refused character (an escape's whole sequence),
    /// or of the whole string when they cannot be told.
    pub span: Range<usize>,
    /// The first refused character.
    pub character: char,
    /// How many refused characters the string holds.
    pub count: usize,
}

impl Hit {
    /// The finding's message: what, where, and what to write instead.
    pub fn message(&self) -> String {
        let more = match self.count {
            1 => String::new(),
            n => format!(" ({} more in this string)", n - 1),
        };
        format!("{} holds {}{more}", self.path, describe(self.character))
    }
}

/// The first numeric character reference in `text` (`&#27;`, `&#x9B;`, as Markdown
/// decodes them) that stands for `c`, if any: where a refused character that a
/// rendered message holds came from.
pub fn reference_to(text: &str, c: char) -> Option<Range<usize>> {
    let pattern = regex::Regex::new(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));").ok()?;
    let found = pattern.captures_iter(text).find_map(|found| {
        let code = match (found.get(1), found.get(2)) {
            (Some(decimal), _) => decimal.as_str().parse().ok()?,
            (_, Some(hex)) => u32::from_str_radix(hex.as_str(), 16).ok()?,
            _ => return None,
        };
        (char::from_u32(code) == Some(c)).then(|| found.get(0).map(|m| m.range()))?
    });
    found
}

/// Every key and string of the TOML document `text` that holds a refused character,
/// in the order of the file: one hit per string, at its first refused character.
/// Empty when `text` is not TOML (loading reports that).
pub fn find_in_toml(text: &str) -> Vec<Hit> {
    // The TOML parser refuses C0 controls and DEL written as they are, and a carriage
    // return without its line feed, so they can only come from an escape. Without a
    // backslash and any other refused character, no string holds one: most files
    // need no second parse.
    let escape_or_raw = |c: char| c == '\\' || (c != '\r' && maybe_refused(c));
    if !text.contains(escape_or_raw) {
        return Vec::new();
    }
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut walk = Walk {
        text,
        path: Vec::new(),
        hits: Vec::new(),
    };
    walk.table(root.get_ref());
    walk.hits.sort_by_key(|hit| hit.span.start);
    walk.hits
}

/// One step of a path in a TOML document.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

struct Walk<'t, 'd> {
    text: &'t str,
    path: Vec<Step<'d>>,
    hits: Vec<Hit>,
}

impl<'d> Walk<'_, 'd> {
    fn table(&mut self, table: &'d DeTable<'d>) {
        for (key, value) in table {
            self.string(key, true);
            self.path.push(Step::Key(key.get_ref()));
            self.value(value);
            self.path.pop();
        }
    }

    fn value(&mut self, value: &'d Spanned<DeValue<'d>>) {
        match value.get_ref() {
            DeValue::String(text) => {
                let text: &str = text;
                self.string(&Spanned::new(value.span(), text), false);
            }
            DeValue::Array(items) => {
                for (index, item) in items.into_iter().enumerate() {
                    self.path.push(Step::Index(index));
                    self.value(item);
                    self.path.pop();
                }
            }
            DeValue::Table(table) => self.table(table),
            _ => {}
        }
    }

    fn string(&mut self, text: &Spanned<impl AsRef<str>>, is_key: bool) {
        let value = text.get_ref().as_ref();
        let Some((character, _, count)) = refused_in(value) else {
            return;
        };
        let token = text.span();
        let span = locate(self.text, token.clone(), value).unwrap_or(token);
        let path = describe_path(&self.path);
        let path = if is_key {
            match path.is_empty() {
                true => "a key".to_string(),
                false => format!("a key of {path}"),
            }
        } else {
            path
        };
        self.hits.push(Hit {
            path,
            span,
            character,
            count,
        });
    }
}

/// "project.greeting", "title of [[security]] entry 2", "packages item 1 of
/// [[security]] entry 2": the path as people read it, entries counted from 1.
fn describe_path(path: &[Step<'_>]) -> String {
    let mut outer: Vec<String> = Vec::new();
    let mut current = String::new();
    for (at, step) in path.iter().enumerate() {
        match step {
            Step::Key(key) => {
                if !current.is_empty() {
                    current.push('.');
                }
                current.push_str(&display_key(key));
            }
            Step::Index(index) if at + 1 < path.len() => {
                outer.push(format!("[[{current}]] entry {}", index + 1));
                current.clear();
            }
            Step::Index(index) => current.push_str(&format!(" item {}", index + 1)),
        }
    }
    outer.reverse();
    match (current.is_empty(), outer.is_empty()) {
        (_, true) => current,
        (true, false) => outer.join(" of "),
        (false, false) => format!("{current} of {}", outer.join(" of ")),
    }
}

/// A key as written in a dotted path: bare when it can be, else quoted with escapes.
fn display_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

/// The source bytes of the first refused character of the TOML string (or quoted
/// key) at `token`, whose value is `value`. None when the token does not decode to
/// `value` (then the caller points at the whole string).
fn locate(text: &str, token: Range<usize>, value: &str) -> Option<Range<usize>> {
    let raw = text.get(token.clone())?;
    let mut decoded = Decoder::new(raw, token.start)?.peekable();
    let mut expected = value.chars();
    let mut found = None;
    while let Some((c, span)) = decoded.next() {
        if expected.next() != Some(c) {
            return None;
        }
        if found.is_none() && maybe_refused(c) && is_refused(c, decoded.peek().map(|(n, _)| *n)) {
            found = Some(span);
        }
    }
    if expected.next().is_some() {
        return None;
    }
    found
}

/// The characters a TOML string token stands for, each with the source bytes it
/// comes from: an escape's whole sequence, or the character itself.
struct Decoder<'a> {
    rest: &'a str,
    /// The offset of `rest` in the file.
    at: usize,
    escapes: bool,
}

impl<'a> Decoder<'a> {
    fn new(raw: &'a str, start: usize) -> Option<Self> {
        let (quote, escapes) = match raw.chars().next()? {
            '"' => ("\"", true),
            '\'' => ("'", false),
            _ => return None,
        };
        let triple = quote.repeat(3);
        let (open, mut body) = if raw.len() >= 6 && raw.starts_with(&triple) {
            (3, raw.get(3..raw.len() - 3)?)
        } else {
            (1, raw.get(1..raw.len().checked_sub(1)?)?)
        };
        let mut at = start + open;
        // A multi-line string drops a line break right after its opening quotes.
        if open == 3 {
            for newline in ["\r\n", "\n"] {
                if let Some(after) = body.strip_prefix(newline) {
                    body = after;
                    at += newline.len();
                    break;
                }
            }
        }
        Some(Decoder {
            rest: body,
            at,
            escapes,
        })
    }

    fn advance(&mut self, bytes: usize) {
        self.rest = &self.rest[bytes..];
        self.at += bytes;
    }
}

impl Iterator for Decoder<'_> {
    type Item = (char, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let start = self.at;
            let c = self.rest.chars().next()?;
            if !(self.escapes && c == '\\') {
                self.advance(c.len_utf8());
                return Some((c, start..self.at));
            }
            let escape = self.rest[1..].chars().next()?;
            let simple = match escape {
                'b' => Some('\u{8}'),
                't' => Some('\t'),
                'n' => Some('\n'),
                'f' => Some('\u{c}'),
                'r' => Some('\r'),
                'e' => Some('\u{1b}'),
                '"' => Some('"'),
                '\\' => Some('\\'),
                _ => None,
            };
            if let Some(decoded) = simple {
                self.advance(2);
                return Some((decoded, start..self.at));
            }
            let digits = match escape {
                'x' => 2,
                'u' => 4,
                'U' => 8,
                ' ' | '\t' | '\r' | '\n' => {
                    // A line-ending backslash: white space and line breaks up to the
                    // next other character stand for nothing.
                    let skipped = self.rest[1..]
                        .find(|c: char| !matches!(c, ' ' | '\t' | '\r' | '\n'))
                        .map_or(self.rest.len(), |i| i + 1);
                    self.advance(skipped);
                    continue;
                }
                _ => return None,
            };
            let hex = self.rest.get(2..2 + digits)?;
            let decoded = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            self.advance(2 + digits);
            return Some((decoded, start..self.at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(text: &str) -> Vec<(String, String, char, usize)> {
        find_in_toml(text)
            .into_iter()
            .map(|h| (h.path, text[h.span].to_string(), h.character, h.count))
            .collect()
    }

    #[test]
    fn refused_characters() {
        for c in [
            '\0', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}',
        ] {
            assert!(is_refused(c, None), "{c:?}");
        }
        for c in [
            '\u{80}', '\u{85}', '\u{9b}', '\u{9f}', '\u{2028}', '\u{2029}',
        ] {
            assert!(is_refused(c, Some('a')), "{c:?}");
        }
        for c in ['\t', '\n', ' ', 'é', '\u{a0}', '\u{200b}', '\u{2027}'] {
            assert!(!is_refused(c, None), "{c:?}");
        }
        assert!(is_refused('\r', None));
        assert!(is_refused('\r', Some('x')));
        assert!(!is_refused('\r', Some('\n')));
        assert_eq!(refused_in("a\r\nb\tc"), None);
        assert_eq!(refused_in("ab\u{8}c\r"), Some(('\u{8}', 2, 2)));
        assert_eq!(name('\u{8}'), "U+0008 BACKSPACE");
        assert_eq!(name('\u{9b}'), "U+009B CONTROL SEQUENCE INTRODUCER");
        assert_eq!(name('\u{85}'), "U+0085 NEXT LINE");
        assert_eq!(name('\u{7f}'), "U+007F DELETE");
        assert_eq!(escaped("a\tb\r\n"), "a\tb\r\n");
        assert_eq!(escaped("a\u{1b}[2J\rb\u{9b}"), "a\\u{1b}[2J\\u{d}b\\u{9b}");
    }

    #[test]
    fn every_escape_form_is_found_at_its_own_position() {
        let cases = [
            (r#"a = "x\by""#, r"\b", '\u{8}'),
            (r#"a = "x\ey""#, r"\e", '\u{1b}'),
            (r#"a = "x\x1Fy""#, r"\x1F", '\u{1f}'),
            (r#"a = "x\u0000y""#, r"\u0000", '\0'),
            (r#"a = "x\U0000007Fy""#, r"\U0000007F", '\u{7f}'),
            (r#"a = "x\ry""#, r"\r", '\r'),
            (r#"a = "x\u2028y""#, r"\u2028", '\u{2028}'),
            ("a = \"x\u{85}y\"", "\u{85}", '\u{85}'),
            ("a = 'x\u{9b}y'", "\u{9b}", '\u{9b}'),
            ("a = '''\nx\u{2029}y'''", "\u{2029}", '\u{2029}'),
            ("a = \"\"\"\r\n\\\\ \\\r\n   x\\fy\"\"\"", r"\f", '\u{c}'),
        ];
        for (text, at, c) in cases {
            assert_eq!(
                hits(text),
                [("a".to_string(), at.to_string(), c, 1)],
                "{text}"
            );
        }
    }

    #[test]
    fn line_breaks_and_tabs_pass() {
        for text in [
            "a = \"x\\r\\ny\\tz\"",
            "a = \"\"\"x\r\ny\r\n\"\"\"",
            "a = '''x\r\n\ty'''",
            "a = \"\"\"x\\r\ny\"\"\"",
            "a = 'C:\\build\\new' # \\b",
            "a = \"\"\"x\\\r\n  \\r\\\n  \\ny\"\"\"",
        ] {
            assert_eq!(hits(text), [], "{text:?}");
        }
    }

    #[test]
    fn paths_name_the_field() {
        let text = "[project]\ngreeting = \"hi\\b\"\n[project.spoken]\n\"cmd/x\\e\" = \"y\"\n\
                    [[security]]\ntitle = \"t\"\n[[security]]\ntitle = \"t\\u0007\\u0007\"\n\
                    packages = [\"a\", \"b\\r\"]\n[history.version.\"1.2\"]\nsummary = \"\\u0085\"\n";
        let found = hits(text);
        let paths: Vec<&str> = found.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(
            paths,
            [
                "project.greeting",
                "a key of project.spoken",
                "title of [[security]] entry 2",
                "packages item 2 of [[security]] entry 2",
                "history.version.\"1.2\".summary",
            ]
        );
        assert_eq!(found[1].1, r"\e");
        assert_eq!(found[2].3, 2);
        assert_eq!(found[2].1, r"\u0007");
    }

    #[test]
    fn text_that_is_not_toml_finds_nothing() {
        // Loading reports what is wrong with it.
        assert_eq!(hits("a = [[[ \"x\""), []);
        assert_eq!(hits("a = \"\\u0008"), []);
    }
}
