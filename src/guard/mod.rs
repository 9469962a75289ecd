//! Stage 5: the embargo guard.
//!
//! Before a pre-announcement goes out, every detail of every private- or
//! urgent-track issue must be absent from it: CVE ids, issue numbers, packages and
//! components, title words and identifiers, the identifiers and distinctive phrases
//! of descriptions, credited names and fix links. Track labels, and text in a
//! charset the guard cannot read with confidence, must be absent from every message.
//!
//! The guard sees what the reader sees. [`check_email`] reads the exact bytes that
//! `send` and `--dry-run` write (signed, when they are signed) with a MIME parser
//! (`read.rs`): every header decoded in every charset, every part decoded, HTML
//! tokenized the way a browser does, an OpenPGP armor's header lines read. Each part
//! is normalised once (`normalize.rs`: NFKC, invisible and bidi characters dropped,
//! look-alikes mapped to their UTS #39 skeleton, case folded, percent-escapes
//! decoded), then matched (`matcher/`, where [`Embargo::new`] builds the one matcher)
//! and reported (`report.rs`). `charset.rs` refuses charsets off the allow-list.
//!
//! Only the wording's own words (its `words.toml`) are herald's own; every value a
//! person writes is guarded like any other text. docs/guard.md is the full account
//! of what is looked for, the safe-word rule and the limits.

mod allowances;
mod charset;
mod lexicon;
mod matcher;
mod names;
mod normalize;
mod read;
mod report;
mod words;

#[cfg(test)]
pub(crate) use words::is_stop_word;

pub use matcher::Embargo;
pub use report::{leak_findings, DetailKind, Leak, LocatedLeak, Part};

use crate::model::MessageKind;
use crate::render::RenderedMessage;
use read::Segment;

impl Embargo {
    /// Every embargoed detail and every track label in `text`, which is the `part`
    /// of a message: a subject or header block is decoded (RFC 2047 words in any
    /// charset), HTML is read as a browser displays it.
    ///
    /// Any CVE id at all is reported: a pre-announcement names none,
    /// except those [`check_message`] allows under `pre_announce_cves`.
    pub fn scan(&self, part: Part, text: &str) -> Vec<Leak> {
        let segments = match part {
            Part::Subject => vec![read::subject(text)],
            Part::Headers => read::headers(text, false),
            Part::Text => vec![read::plain(Part::Text, text)],
            Part::Html => vec![read::html(text)],
        };
        self.leaks(&segments, false)
    }

    fn leaks(&self, segments: &[Segment<'_>], labels_only: bool) -> Vec<Leak> {
        let mut out = Vec::new();
        for segment in segments {
            let hits = self.allowed_removed(segment, self.segment_hits(segment, labels_only));
            report::leaks(
                segment.part,
                &segment.source,
                segment.line_offset,
                hits,
                &mut out,
            );
        }
        out
    }

    /// `hits` without those wholly inside a phrase the profile's wording may print
    /// (see `allowances.rs`).
    fn allowed_removed<'e>(
        &self,
        segment: &Segment<'_>,
        mut hits: Vec<report::Hit<'e>>,
    ) -> Vec<report::Hit<'e>> {
        if self.allowances.is_empty() || hits.is_empty() {
            return hits;
        }
        let spans = self.allowances.spans(&segment.source);
        hits.retain(|hit| {
            !spans
                .iter()
                .any(|span| span.start <= hit.start && hit.end <= span.end)
        });
        hits
    }

    fn checked(&self, segments: &[Segment<'_>], kind: MessageKind) -> Vec<Leak> {
        let labels_only = kind != MessageKind::PreAnnouncement;
        self.leaks(segments, labels_only)
            .into_iter()
            .filter(|leak| {
                labels_only || !(leak.kind == DetailKind::Cve && self.allows_cve(&leak.detail))
            })
            .collect()
    }
}

/// Every leak of a rendered message with its place: the byte range in
/// `message.subject`, `message.text` or `message.html` (as `part` says). The same
/// matching and the same rules as [`check_message`]; for the preview page, which
/// marks each leak in place.
pub fn locate(embargo: &Embargo, message: &RenderedMessage) -> Vec<LocatedLeak> {
    let labels_only = message.kind != MessageKind::PreAnnouncement;
    let segments = [
        read::subject(&message.subject),
        read::plain(Part::Text, &message.text),
        read::html(&message.html),
    ];
    let mut out = Vec::new();
    for segment in &segments {
        let hits = embargo.allowed_removed(segment, embargo.segment_hits(segment, labels_only));
        report::located(segment.part, &segment.source, hits, &mut out);
    }
    out.retain(|l| {
        labels_only || !(l.leak.kind == DetailKind::Cve && embargo.allows_cve(&l.leak.detail))
    });
    for leak in charset::in_header_text(Part::Subject, &message.subject) {
        let span = message
            .subject
            .find(&leak.found)
            .map_or(0..0, |at| at..at + leak.found.len());
        out.push(LocatedLeak { leak, span });
    }
    out
}

/// Checks a rendered message.
///
/// For a pre-announcement: every embargoed detail (except, when
/// `project.pre_announce_cves` is true, exactly the CVE ids of the embargoed
/// issues) plus track labels, in the subject, `headers` (a raw header block,
/// may be empty), text and HTML. For an announcement: only track labels.
/// [`check_email`] checks the composed bytes instead, as they leave.
pub fn check_message(embargo: &Embargo, message: &RenderedMessage, headers: &str) -> Vec<Leak> {
    let mut segments = vec![read::subject(&message.subject)];
    segments.extend(read::headers(headers, false));
    segments.push(read::plain(Part::Text, &message.text));
    segments.push(read::html(&message.html));
    let mut leaks = charset::in_header_text(Part::Subject, &message.subject);
    leaks.extend(charset::in_header_text(Part::Headers, headers));
    leaks.extend(embargo.checked(&segments, message.kind));
    leaks
}

/// Checks the exact bytes of a composed message of `kind`, as `send` and
/// `--dry-run` write them: the headers decoded (the Subject as its own part), every
/// text and HTML part decoded from its transfer encoding. Rules as for [`check_message`].
///
/// In every kind of message, a part or an encoded word in a charset off the
/// allow-list (UTF-8, US-ASCII, ISO-8859-x, windows-125x) is a [`DetailKind::Charset`]
/// leak: the guard cannot vouch for what a reader's decoder makes of it.
pub fn check_email(embargo: &Embargo, kind: MessageKind, bytes: &[u8]) -> Vec<Leak> {
    let mut leaks = charset::in_message(bytes);
    leaks.extend(embargo.checked(&read::message(bytes), kind));
    leaks
}
