//! Charsets the guard reads with confidence, and the refusal of every other.
//!
//! A reader's mail library decodes many charsets (EBCDIC code pages such as
//! `ibm037`, `ibm500`, `ibm1140` among them) that the guard's MIME parser may read
//! differently or not at all: text in such a charset is a finding that blocks
//! sending, in every message, never text passed unread. The allow-list: UTF-8,
//! US-ASCII, ISO-8859-1 to -16 and windows-1250 to -1258, with their registered
//! aliases.

use std::sync::LazyLock;

use mail_parser::{MessageParser, MimeHeaders};
use regex::Regex;

use super::report::{DetailKind, Leak, LineIndex, Part};

/// An RFC 2047 encoded word; group 1 is its charset (with any RFC 2231 language).
static ENCODED_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"=\?([^?\s]+)\?[bBqQ]\?[^?\s]*\?=").expect("valid encoded-word pattern")
});

/// An RFC 2231 extended parameter value (`name*=ibm037''%C3`); group 1 is its charset.
static EXTENDED_PARAMETER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\*(?:0\*)?\s*=\s*"?([A-Za-z0-9._:\-]+)'[^'\s]*'"#)
        .expect("valid extended-parameter pattern")
});

/// Aliases of the allowed charsets that no pattern in [`is_trusted`] covers.
const ALIASES: &[&str] = &[
    "646",
    "ansi_x3.4-1968",
    "ansi_x3.4-1986",
    "arabic",
    "ascii",
    "asmo-708",
    "cp367",
    "cp819",
    "csascii",
    "csisolatin1",
    "csisolatin2",
    "csisolatin3",
    "csisolatin4",
    "csisolatin5",
    "csisolatin6",
    "csisolatinarabic",
    "csisolatincyrillic",
    "csisolatingreek",
    "csisolatinhebrew",
    "csutf8",
    "cyrillic",
    "ecma-114",
    "ecma-118",
    "elot_928",
    "greek",
    "greek8",
    "hebrew",
    "ibm367",
    "ibm819",
    "iso-celtic",
    "iso646-us",
    "iso_646.irv:1991",
    "unicode-1-1-utf-8",
    "us",
    "us-ascii",
    "utf-8",
    "utf8",
];

/// Registration numbers of the ISO-8859 parts (`iso-ir-100` is ISO-8859-1).
const ISO_IR: &[u32] = &[
    6, 100, 101, 109, 110, 126, 127, 138, 144, 148, 157, 179, 199, 203, 226,
];

/// Whether a charset name (any case) is one the guard decodes with confidence.
pub(crate) fn is_trusted(name: &str) -> bool {
    // "utf-8*en": an RFC 2231 language is no part of the charset.
    let name = name
        .split('*')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches('"')
        .to_ascii_lowercase();
    if ALIASES.contains(&name.as_str()) {
        return true;
    }
    let number = |rest: &str| rest.parse::<u32>().ok();
    if let Some(rest) = name.strip_prefix("iso-ir-") {
        return number(rest).is_some_and(|n| ISO_IR.contains(&n));
    }
    // iso-8859-1, iso8859-1, iso_8859-1, iso_8859-1:1987, iso-8859-8-i, iso88591.
    if let Some(rest) = name.strip_prefix("iso") {
        let rest = rest.trim_start_matches(['-', '_', ' ']);
        if let Some(part) = rest.strip_prefix("8859") {
            let part = part.trim_start_matches(['-', '_', ' ']);
            let part = part.split(':').next().unwrap_or_default();
            let part = part
                .strip_suffix("-i")
                .or_else(|| part.strip_suffix("-e"))
                .unwrap_or(part);
            return number(part).is_some_and(|n| (1..=16).contains(&n) && n != 12);
        }
        return false;
    }
    // latin1 … latin10, l1 … l10.
    for prefix in ["latin-", "latin", "l"] {
        if let Some(n) = name.strip_prefix(prefix).and_then(number) {
            return (1..=10).contains(&n);
        }
    }
    // windows-1250 … windows-1258, cp1250, x-cp1250.
    let windows = name
        .strip_prefix("windows-")
        .or_else(|| name.strip_prefix("x-cp"))
        .or_else(|| name.strip_prefix("cp"));
    windows
        .and_then(number)
        .is_some_and(|n| (1250..=1258).contains(&n))
}

/// A refusal of the charset `name`, found as `found` on `line` of `part`.
fn refusal(part: Part, line: usize, name: &str, found: &str) -> Leak {
    let found: String = found.chars().take(160).collect();
    Leak {
        kind: DetailKind::Charset,
        detail: name.to_ascii_lowercase(),
        found,
        issue: None,
        part,
        line,
    }
}

/// Every encoded word or extended parameter of `text` (a subject or a header block,
/// as written) whose charset is not trusted; `part` is where it is reported.
pub(crate) fn in_header_text(part: Part, text: &str) -> Vec<Leak> {
    let lines = LineIndex::new(text);
    let mut out = Vec::new();
    // Each pattern needs its marker (`=?`, or `'` after `*=`); a header without it
    // neither compiles nor runs the pattern, which costs more than the rest of a
    // small message's check.
    let patterns = [
        (text.contains("=?"), &ENCODED_WORD),
        (
            text.contains('\'') && text.contains('*'),
            &EXTENDED_PARAMETER,
        ),
    ];
    for re in patterns
        .iter()
        .filter(|(needed, _)| *needed)
        .map(|(_, re)| &***re)
    {
        for caps in re.captures_iter(text) {
            let charset = &caps[1];
            if !is_trusted(charset) {
                let whole = caps.get(0).expect("group 0");
                let name = charset.split('*').next().unwrap_or(charset);
                out.push(refusal(
                    part,
                    lines.line(whole.start()),
                    name,
                    whole.as_str(),
                ));
            }
        }
    }
    out
}

/// Every untrusted charset of a composed message: in the encoded words and extended
/// parameters of its headers and of every part's headers, and the charset of every
/// part.
pub(crate) fn in_message(bytes: &[u8]) -> Vec<Leak> {
    let Some(message) = MessageParser::new().parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (index, part) in message.parts.iter().enumerate() {
        let start = (part.offset_header as usize).min(bytes.len());
        let end = (part.offset_body as usize).clamp(start, bytes.len());
        let block = String::from_utf8_lossy(&bytes[start..end]);
        let top = index == 0;
        for mut leak in in_header_text(Part::Headers, &block) {
            if top && is_subject_line(&block, leak.line) {
                leak.part = Part::Subject;
                leak.line = 1;
            }
            out.push(leak);
        }
        let charset = part.content_type().and_then(|ct| ct.attribute("charset"));
        if let Some(charset) = charset.filter(|c| !is_trusted(c)) {
            let shown = match part.content_type().map(|ct| ct.ctype()) {
                Some("text") if part.is_text_html() => Part::Html,
                _ => Part::Text,
            };
            out.push(refusal(shown, 1, charset, &format!("charset={charset}")));
        }
    }
    out
}

/// Whether `line` (1-based) of a header block belongs to its Subject header,
/// folded lines included.
fn is_subject_line(block: &str, line: usize) -> bool {
    let lines: Vec<&str> = block.lines().collect();
    let mut at = line.saturating_sub(1).min(lines.len().saturating_sub(1));
    while at > 0 && lines[at].starts_with([' ', '\t']) {
        at -= 1;
    }
    lines
        .get(at)
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("subject:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list() {
        for name in [
            "UTF-8",
            "utf8",
            "us-ascii",
            "ISO-8859-1",
            "iso8859-15",
            "iso_8859-2:1987",
            "ISO-8859-8-I",
            "latin1",
            "l9",
            "windows-1252",
            "cp1251",
            "iso-ir-100",
            "utf-8*en",
        ] {
            assert!(is_trusted(name), "{name}");
        }
        for name in [
            "ibm037",
            "IBM500",
            "ibm1140",
            "cp037",
            "ebcdic-us",
            "utf-7",
            "utf-16",
            "iso-8859-12",
            "iso-2022-jp",
            "koi8-r",
            "windows-1259",
            "x-unknown",
        ] {
            assert!(!is_trusted(name), "{name}");
        }
    }

    #[test]
    fn an_untrusted_encoded_word_is_refused_where_it_is() {
        let leaks = in_header_text(
            Part::Subject,
            "[security] Go 1.16.1 =?ibm037?q?=C3=E5=C5?= and =?utf-8?q?ok?=",
        );
        assert_eq!(leaks.len(), 1);
        assert_eq!(leaks[0].detail, "ibm037");
        assert_eq!(leaks[0].found, "=?ibm037?q?=C3=E5=C5?=");
        let mail = b"From: a@example.org\r\nSubject: x =?IBM500?B?w+XF?=\r\nContent-Type: text/plain; charset=ibm1140\r\n\r\nbody\r\n";
        let leaks = in_message(mail);
        let found: Vec<(Part, &str)> = leaks.iter().map(|l| (l.part, l.detail.as_str())).collect();
        assert_eq!(found, [(Part::Subject, "ibm500"), (Part::Text, "ibm1140")]);
    }
}
