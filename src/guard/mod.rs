//! Stage 5: the embargo guard.
//!
//! Before a pre-announcement goes out, every detail of every private- or
//! urgent-track issue must be absent from it (SPEC 1 and 5): CVE ids, issue
//! numbers, packages and components, title words, credit names and fix links.
//! Track labels must be absent from every message.
//!
//! The guard sees what the reader sees. [`check_email`] reads the exact bytes that
//! `send` and `--dry-run` write with a MIME parser (`read.rs`): every header decoded
//! in every charset, every part decoded, HTML tokenized the way a browser does.
//! Each part is normalised once (`normalize.rs`: NFKC, invisible and bidi characters
//! dropped, look-alikes mapped to their UTS #39 skeleton, case folded,
//! percent-escapes decoded), then matched (`matcher.rs`, where [`Embargo::new`] builds
//! the one matcher) and reported (`report.rs`).
//!
//! # Trade-offs
//!
//! * A package named by a common English word (`time`, `log`, `os`, `net`,
//!   `sort`) counts wherever it appears as a word, in any case: "at this
//!   time" in a custom template is reported when `time` is embargoed. A false
//!   alarm blocks a send until the text is reworded; a miss publishes an
//!   embargoed detail. The only exception is a word the built-in
//!   pre-announcement must say (project name, tag prefix, versions, policy
//!   URL, the template's own words), which is treated as safe so that the
//!   built-in message passes.
//! * The last element of an import path alone (`xml` for `encoding/xml`) is
//!   not reported; only `xml.Name`, "the xml package" and the full path are.
//! * Single title words that are not identifiers are not reported; two of them
//!   within three significant words, in any order and any inflection, are.
//! * A name of a credit of three letters (`Sam`, `SIT`) counts only as written;
//!   longer names in any case; a name that is also a signer's does not count alone.
//! * A pre-announcement names no CVE (SPEC 1), so any CVE id is reported: an
//!   embargoed issue's with its issue, a public issue's or an unknown one with
//!   none. With `project.pre_announce_cves` the embargoed issues' ids, in any
//!   spelling, are allowed, and nothing else.
//! * Lower-case "private" in prose is allowed; only `PRIVATE` as an upper-case
//!   word, "private track" / "private-track" in any case, and "track: private"
//!   count as track labels.
//! * Punctuation that only looks like a letter (`¡`, `™`) stays punctuation; ASCII
//!   letters stand for digits only between the digits of a CVE id (`CVE-2O21-…`).
//! * Headers that herald and lettre write themselves (Message-ID, Date, MIME and
//!   content headers) are not scanned: no template reaches them.
//! * A detail spelled out in words ("forty-four thousand…") is not detected.

mod matcher;
mod normalize;
mod read;
mod report;
mod words;

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
    /// Any CVE id at all is reported: a pre-announcement names none (SPEC 1),
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
            let hits = self.segment_hits(segment, labels_only);
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
        let hits = embargo.segment_hits(segment, labels_only);
        report::located(segment.part, &segment.source, hits, &mut out);
    }
    out.retain(|l| {
        labels_only || !(l.leak.kind == DetailKind::Cve && embargo.allows_cve(&l.leak.detail))
    });
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
    embargo.checked(&segments, message.kind)
}

/// Checks the exact bytes of a composed message of `kind`, as `send` and
/// `--dry-run` write them: the headers decoded (the Subject as its own part), every
/// text and HTML part decoded from its transfer encoding. Rules as for [`check_message`].
pub fn check_email(embargo: &Embargo, kind: MessageKind, bytes: &[u8]) -> Vec<Leak> {
    embargo.checked(&read::message(bytes), kind)
}
