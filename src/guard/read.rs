//! What a mail reader displays: a composed message read with a MIME parser
//! (`mail-parser`: every header decoded in every charset, every part decoded from
//! quoted-printable or base64) and HTML read the way a browser tokenizes it
//! (`html5gum`: text and attribute values, character references decoded).

use std::borrow::Cow;
use std::sync::OnceLock;

use html5gum::{DefaultEmitter, Token, Tokenizer};
use mail_parser::{Address, HeaderName, HeaderValue, MessageParser, PartType};

use super::normalize::{aligned, plain_chars, SourceChar, PDF, RLO};
use super::report::Part;

/// Displayed text of one part of a message, read from its source.
pub(crate) struct Segment<'a> {
    pub part: Part,
    /// The text the characters' spans point into; findings quote it.
    pub source: Cow<'a, str>,
    /// Each list is read separately: HTML gives its text and its attribute values.
    /// Built on first use (see [`Segment::views`]): an announcement's body is read
    /// only when it may hold a track label.
    views: Views,
    /// Subtracted from the source line of a finding (a subject folded over lines
    /// counts from its own first line).
    pub line_offset: usize,
}

/// The views of a segment, or how to read them from its source.
enum Views {
    Ready(Vec<Vec<SourceChar>>),
    Plain(OnceLock<Vec<Vec<SourceChar>>>),
    Html(OnceLock<Vec<Vec<SourceChar>>>),
}

impl Segment<'_> {
    /// The views of the segment's characters, read from its source on first use.
    pub fn views(&self) -> &[Vec<SourceChar>] {
        match &self.views {
            Views::Ready(views) => views,
            Views::Plain(views) => views.get_or_init(|| vec![plain_chars(&self.source)]),
            Views::Html(views) => views.get_or_init(|| {
                let (text, attributes) = html_views(&self.source);
                vec![text, attributes]
            }),
        }
    }
}

fn parser() -> MessageParser {
    MessageParser::new()
        .with_mime_headers()
        .with_address_headers()
        .with_message_ids()
        .with_date_headers()
        .header_text(HeaderName::Subject)
        .default_header_text()
}

/// The parts of plain text as displayed: one view of its characters.
pub(crate) fn plain(part: Part, text: &str) -> Segment<'_> {
    Segment {
        part,
        source: Cow::Borrowed(text),
        views: Views::Plain(OnceLock::new()),
        line_offset: 0,
    }
}

/// A subject as a reader displays it: its encoded words decoded.
pub(crate) fn subject(text: &str) -> Segment<'_> {
    let block = format!("Subject: {text}\r\n\r\n");
    let mut chars = Vec::new();
    let decoded = parser()
        .parse_headers(block.as_bytes())
        .and_then(|m| m.subject().map(str::to_string));
    match decoded {
        Some(decoded) => aligned(text, 0, &decoded, &mut chars),
        None => chars = plain_chars(text),
    }
    Segment {
        part: Part::Subject,
        source: Cow::Borrowed(text),
        views: Views::Ready(vec![chars]),
        line_offset: 0,
    }
}

/// A raw header block as displayed: each header unfolded and decoded. With
/// `subject_apart`, the Subject is its own part; otherwise one of the headers.
pub(crate) fn headers(block: &str, subject_apart: bool) -> Vec<Segment<'_>> {
    if block.is_empty() {
        return Vec::new();
    }
    let Some(message) = parser().parse_headers(block.as_bytes()) else {
        return vec![plain(Part::Headers, block)];
    };
    header_segments(block, message.headers(), subject_apart)
}

/// Headers that lettre and herald write themselves and a reader does not show as
/// text: a random boundary or the hex of a content hash could otherwise hold seven
/// digits of a fix commit by chance. No template reaches them.
const MACHINE_HEADERS: &[HeaderName<'static>] = &[
    HeaderName::MessageId,
    HeaderName::Date,
    HeaderName::MimeVersion,
    HeaderName::ContentType,
    HeaderName::ContentTransferEncoding,
];

fn header_segments<'a>(
    block: &'a str,
    headers: &[mail_parser::Header<'_>],
    subject_apart: bool,
) -> Vec<Segment<'a>> {
    let mut others = Vec::new();
    let mut out = Vec::new();
    for header in headers {
        if MACHINE_HEADERS.contains(&header.name) {
            continue;
        }
        let field = header.offset_field as usize;
        let (start, end) = (header.offset_start as usize, header.offset_end as usize);
        let (Some(name), Some(value)) = (block.get(field..start), block.get(start..end)) else {
            continue;
        };
        // The value as displayed has no surrounding white space; align it to the
        // value as written without its own.
        let start = start + (value.len() - value.trim_start().len());
        let value = value.trim();
        let display = header_text(&header.value);
        if subject_apart && header.name == HeaderName::Subject {
            let mut chars = Vec::new();
            aligned(
                value,
                start,
                display.as_deref().unwrap_or(value),
                &mut chars,
            );
            let line_offset = block[..field].matches('\n').count();
            out.push(Segment {
                part: Part::Subject,
                source: Cow::Borrowed(block),
                views: Views::Ready(vec![chars]),
                line_offset,
            });
            continue;
        }
        aligned(name, field, name, &mut others);
        aligned(
            value,
            start,
            display.as_deref().unwrap_or(value),
            &mut others,
        );
        others.push(('\n', start + value.len(), start + value.len()));
    }
    out.push(Segment {
        part: Part::Headers,
        source: Cow::Borrowed(block),
        views: Views::Ready(vec![others]),
        line_offset: 0,
    });
    out
}

/// The displayed text of a header value; `None` to read it as written.
fn header_text(value: &HeaderValue<'_>) -> Option<String> {
    let addrs = |list: &[mail_parser::Addr<'_>]| -> String {
        list.iter()
            .map(|a| {
                format!(
                    "{} <{}>",
                    a.name.as_deref().unwrap_or(""),
                    a.address.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match value {
        HeaderValue::Text(text) => Some(text.to_string()),
        HeaderValue::TextList(list) => Some(list.join(", ")),
        HeaderValue::Address(Address::List(list)) => Some(addrs(list)),
        HeaderValue::Address(Address::Group(groups)) => Some(
            groups
                .iter()
                .map(|g| {
                    format!(
                        "{}: {}",
                        g.name.as_deref().unwrap_or(""),
                        addrs(&g.addresses)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        HeaderValue::ContentType(ct) => {
            let mut text = ct.c_type.to_string();
            if let Some(sub) = &ct.c_subtype {
                text.push('/');
                text.push_str(sub);
            }
            for attr in ct.attributes.iter().flatten() {
                text.push_str(&format!("; {}={}", attr.name, attr.value));
            }
            Some(text)
        }
        _ => None,
    }
}

/// The exact bytes of a composed message as a reader displays them: the headers,
/// and every text and HTML part decoded. Bytes that do not parse as a message are
/// read as plain text.
pub(crate) fn message(bytes: &[u8]) -> Vec<Segment<'_>> {
    let Some(message) = parser().parse(bytes) else {
        return vec![owned_plain(
            Part::Text,
            String::from_utf8_lossy(bytes).into_owned(),
        )];
    };
    let body_start = (message.root_part().offset_body as usize).min(bytes.len());
    let mut out = match std::str::from_utf8(&bytes[..body_start]) {
        Ok(block) => header_segments(block, message.headers(), true),
        // Not UTF-8: read the header block as the lossy text it displays.
        Err(_) => vec![owned_plain(
            Part::Headers,
            String::from_utf8_lossy(&bytes[..body_start]).into_owned(),
        )],
    };
    body_segments(&message, &mut out);
    out
}

fn owned_plain(part: Part, text: String) -> Segment<'static> {
    Segment {
        part,
        views: Views::Plain(OnceLock::new()),
        source: Cow::Owned(text),
        line_offset: 0,
    }
}

fn body_segments<'a>(message: &mail_parser::Message<'_>, out: &mut Vec<Segment<'a>>) {
    for part in &message.parts {
        match &part.body {
            PartType::Text(text) => {
                out.push(owned_plain(Part::Text, armor_data_blanked(text)));
            }
            // A signature's armor: a reader's client shows its header lines.
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) if is_openpgp(part) => {
                let text = String::from_utf8_lossy(bytes);
                out.push(owned_plain(Part::Text, armor_data_blanked(&text)));
            }
            PartType::Html(html) => out.push(html_owned(html.to_string())),
            PartType::Message(inner) => {
                for header in inner.headers() {
                    if let Some(text) = header_text(&header.value) {
                        out.push(owned_plain(Part::Headers, text));
                    }
                }
                body_segments(inner, out);
            }
            PartType::Binary(_) | PartType::InlineBinary(_) | PartType::Multipart(_) => {}
        }
    }
}

/// Whether a part is an OpenPGP signature or key (`application/pgp-signature`).
fn is_openpgp(part: &mail_parser::MessagePart<'_>) -> bool {
    use mail_parser::MimeHeaders;
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("application")
            && ct
                .subtype()
                .is_some_and(|sub| sub.to_ascii_lowercase().starts_with("pgp"))
    })
}

/// `text` with the radix-64 data of every OpenPGP armor blanked, its lines kept:
/// the armor's header lines (`Comment:`, `Version:`, `Hash:`) are text a reader
/// sees and the guard reads, while the data is no text, and a run of its letters
/// could spell a detail by chance.
fn armor_data_blanked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut state = Armor::Outside;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        let keep = match state {
            Armor::Outside => {
                if bare.starts_with("-----BEGIN PGP ") && !bare.contains("SIGNED MESSAGE") {
                    state = Armor::Headers;
                }
                true
            }
            Armor::Headers => {
                if bare.is_empty() {
                    state = Armor::Data;
                } else if !bare.contains(": ") {
                    // No header block: this line is data already.
                    state = Armor::Data;
                    out.push_str(&line[bare.len()..]);
                    continue;
                }
                true
            }
            Armor::Data => {
                if bare.starts_with("-----END PGP ") {
                    state = Armor::Outside;
                    true
                } else {
                    false
                }
            }
        };
        if keep {
            out.push_str(line);
        } else {
            out.push_str(&line[bare.len()..]);
        }
    }
    out
}

/// Where [`armor_data_blanked`] is in an armor.
enum Armor {
    Outside,
    Headers,
    Data,
}

/// HTML as a browser reads it: its text and its attribute values.
pub(crate) fn html(source: &str) -> Segment<'_> {
    Segment {
        part: Part::Html,
        source: Cow::Borrowed(source),
        views: Views::Html(OnceLock::new()),
        line_offset: 0,
    }
}

fn html_owned(source: String) -> Segment<'static> {
    Segment {
        part: Part::Html,
        source: Cow::Owned(source),
        views: Views::Html(OnceLock::new()),
        line_offset: 0,
    }
}

/// Elements that separate words when the text is displayed.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "meta",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// The text content (inline tags join words, block tags separate them, an element
/// displayed right-to-left with an override is reversed) and the attribute values
/// of HTML, each value followed by a line break.
fn html_views(source: &str) -> (Vec<SourceChar>, Vec<SourceChar>) {
    let mut text = Vec::with_capacity(source.len());
    let mut attributes = Vec::new();
    // Open elements that override the direction to right-to-left.
    let mut overrides: Vec<Vec<u8>> = Vec::new();
    let mut emitter = DefaultEmitter::<usize>::new_with_span();
    emitter.naively_switch_states(true);
    for token in Tokenizer::new_with_emitter(source, emitter).flatten() {
        match token {
            Token::String(s) => {
                let (start, end) = (s.span.start, s.span.end.min(source.len()));
                let decoded = String::from_utf8_lossy(&s.value);
                match source.get(start..end) {
                    Some(raw) => aligned(raw, start, &decoded, &mut text),
                    None => aligned(&decoded, start.min(source.len()), &decoded, &mut text),
                }
            }
            Token::StartTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                let (start, end) = (tag.span.start, tag.span.end);
                if BLOCK_TAGS.contains(&String::from_utf8_lossy(&name).as_ref()) {
                    text.push(('\n', start, end));
                }
                let attr = |key: &str| {
                    tag.attributes
                        .get(key.as_bytes())
                        .map(|v| String::from_utf8_lossy(v).to_ascii_lowercase())
                };
                let rtl = attr("dir").is_some_and(|d| d.trim() == "rtl");
                let bidi_override =
                    name == b"bdo" || attr("style").is_some_and(|s| s.contains("bidi-override"));
                if rtl && bidi_override && !tag.self_closing {
                    text.push((RLO, start, end));
                    overrides.push(name.clone());
                }
                for value in tag.attributes.values() {
                    let (vs, ve) = (value.span.start, value.span.end.min(source.len()));
                    let decoded = String::from_utf8_lossy(&value.value);
                    match source.get(vs..ve) {
                        Some(raw) if vs < ve => aligned(raw, vs, &decoded, &mut attributes),
                        _ => aligned(&decoded, start, &decoded, &mut attributes),
                    }
                    attributes.push(('\n', ve, ve));
                }
            }
            Token::EndTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                let (start, end) = (tag.span.start, tag.span.end);
                if overrides.last() == Some(&name) {
                    overrides.pop();
                    text.push((PDF, start, end));
                }
                if BLOCK_TAGS.contains(&String::from_utf8_lossy(&name).as_ref()) {
                    text.push(('\n', start, end));
                }
            }
            Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
        }
    }
    (text, attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(chars: &[SourceChar]) -> String {
        chars.iter().map(|c| c.0).collect()
    }

    #[test]
    fn html_text_joins_inline_tags_and_decodes_references() {
        let (text, attrs) =
            html_views("<p>CVE-2021-<b>27918</b> &amp; x&lrm;y</p><a href=\"go.dev/issue/1?a&amp;b\" title='t'>l</a>");
        assert_eq!(shown(&text), "\nCVE-2021-27918 & x\u{200E}y\nl");
        assert_eq!(shown(&attrs), "go.dev/issue/1?a&b\nt\n");
    }

    #[test]
    fn armor_headers_are_read_and_armor_data_is_not() {
        let signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nHello.\n\
                      -----BEGIN PGP SIGNATURE-----\nComment: CVE-2021-27918\n\n\
                      iHUEARYIAB0WIQR44913\n=xye6\n-----END PGP SIGNATURE-----\n";
        let blanked = armor_data_blanked(signed);
        assert!(blanked.contains("Hash: SHA256") && blanked.contains("Hello."));
        assert!(blanked.contains("Comment: CVE-2021-27918"));
        assert!(!blanked.contains("44913") && !blanked.contains("xye6"));
        assert_eq!(blanked.lines().count(), signed.lines().count());
    }

    #[test]
    fn bdo_rtl_is_an_override() {
        let (text, _) = html_views("<bdo dir=\"rtl\">81972</bdo>");
        assert_eq!(shown(&text), "\u{202E}81972\u{202C}");
    }

    #[test]
    fn encoded_words_in_any_charset_are_decoded() {
        let segment = subject("[security] =?iso-8859-1?b?Q1ZFLTIwMjEtMjc5MTg=?=");
        assert_eq!(shown(&segment.views()[0]), "[security] CVE-2021-27918");
        let block = "From: =?windows-1252?q?Sam_Whited?= <a@example.org>\r\nX-Note: =?utf-8?q?the=20go_command?=\r\n";
        let segments = headers(block, false);
        let all: String = segments.iter().map(|s| shown(&s.views()[0])).collect();
        assert!(all.contains("Sam Whited <a@example.org>"), "{all:?}");
        assert!(all.contains("the go command"), "{all:?}");
    }
}
