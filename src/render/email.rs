//! RFC 5322 mail: a multipart/alternative message built with lettre's builder.

use std::time::SystemTime;

use lettre::address::Envelope;
use lettre::message::header::{self as header, ContentTransferEncoding, ContentType};
use lettre::message::MessageBuilder;
use lettre::message::{Body, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::Message;

use super::message::{quoted, RenderError, RenderedMessage};
use crate::model::{Addressing, Parts};

impl ComposedEmail {
    /// The header block: everything before the first blank line.
    pub fn header_block(&self) -> &str {
        let text = std::str::from_utf8(&self.bytes).unwrap_or_default();
        text.split_once("\r\n\r\n")
            .map_or(text, |(headers, _)| headers)
    }
}

/// A message ready for the wire, with the facts the journal keeps.
#[derive(Debug, Clone)]
pub struct ComposedEmail {
    /// The SMTP envelope: sender and every recipient, Bcc included.
    pub envelope: Envelope,
    pub message_id: String,
    /// The exact bytes of the message (without Bcc, which only the envelope carries).
    pub bytes: Vec<u8>,
}

/// Every address of a list, for one `header`.
fn mailboxes(header: &str, values: &[String]) -> Result<Mailboxes, RenderError> {
    let mut list = Mailboxes::new();
    for value in values {
        list.push(mailbox(header, value)?);
    }
    Ok(list)
}

fn mailbox(header: &str, value: &str) -> Result<Mailbox, RenderError> {
    reject_line_breaks(header, value)?;
    value.parse::<Mailbox>().map_err(|e| RenderError::Header {
        header: header.to_string(),
        message: format!("{} is not a valid address ({e}); expected \"Name <user@example.org>\" or \"user@example.org\"", quoted(value)),
    })
}

/// Refuses a header value with a line break, which could inject headers, or another
/// control character (see [`crate::controls`]), which lettre would pass on as it is.
/// The release file and the configuration are checked when read; this also covers
/// `--test-to` and template overrides.
pub fn reject_line_breaks(header: &str, value: &str) -> Result<(), RenderError> {
    let refuse = |message: String| RenderError::Header {
        header: header.to_string(),
        message,
    };
    if value.contains(['\r', '\n']) {
        return Err(refuse(format!(
            "{} contains a line break, which could inject headers; it is refused",
            quoted(value)
        )));
    }
    if let Some((c, _, _)) = crate::controls::refused_in(value) {
        return Err(refuse(format!(
            "{} holds {}; it is refused",
            quoted(value),
            crate::controls::name(c)
        )));
    }
    Ok(())
}

/// The Message-ID of a message: derived from its kind and content, so a retry of the
/// same content carries the same id and list software can drop a duplicate. A
/// deliberate resend (`resend` > 0, the number of earlier sends) gets its own id, so
/// that it is not dropped as one.
pub fn message_id(rendered: &RenderedMessage, from: &Mailbox, resend: usize) -> String {
    let hash = &rendered.content_hash;
    let again = if resend > 0 {
        format!(".r{resend}")
    } else {
        String::new()
    };
    format!(
        "<herald.{}.{}{again}@{}>",
        rendered.kind,
        &hash[..24],
        from.email.domain()
    )
}

/// Ends every line with CRLF, in one linear pass.
///
/// lettre does the same to a `String` body, but by inserting one `\r` at a time, which
/// moves the rest of the body each time: quadratic in the size of the message (99.7 s
/// for a release of 10,000 issues). A body that already has CRLF line endings passes
/// through lettre unchanged, so the bytes on the wire are the same.
fn crlf_line_endings(text: &str) -> String {
    // One pass, into a buffer of about the right size: the text part of a large
    // announcement is tens of megabytes.
    let mut out = String::with_capacity(text.len() + text.len() / 32 + 2);
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(line) => {
                out.push_str(line.strip_suffix('\r').unwrap_or(line));
                out.push_str("\r\n");
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Builds the mail for `rendered`, dated `date`; `resend` as for [`message_id`]: a
/// multipart/alternative of the text and HTML parts, or the text alone when the
/// addressing's lists take only that.
pub fn compose(
    rendered: &RenderedMessage,
    addressing: &Addressing,
    date: SystemTime,
    resend: usize,
) -> Result<ComposedEmail, RenderError> {
    compose_with(
        rendered,
        addressing,
        date,
        resend,
        |builder| match addressing.parts {
            Parts::TextAndHtml => builder.multipart(alternative(rendered, false)),
            Parts::Text => {
                builder.singlepart(text_part(ContentType::TEXT_PLAIN, &rendered.text, false))
            }
        },
    )
}

/// Builds the mail for `rendered` with the headers [`compose`] gives it and the body
/// `body` makes (a signed body, say).
pub fn compose_with(
    rendered: &RenderedMessage,
    addressing: &Addressing,
    date: SystemTime,
    resend: usize,
    body: impl FnOnce(MessageBuilder) -> Result<Message, lettre::error::Error>,
) -> Result<ComposedEmail, RenderError> {
    reject_line_breaks("Subject", &rendered.subject)?;
    let from = mailbox("From", &addressing.from)?;
    if addressing.to.is_empty() {
        return Err(RenderError::Header {
            header: "To".to_string(),
            message: format!(
                "no recipients for the {kind}: add a [recipients.{kind}] table with to = [\"list@example.org\"] to the configuration",
                kind = rendered.kind
            ),
        });
    }
    let message_id = message_id(rendered, &from, resend);
    let mut builder = Message::builder()
        .from(from)
        .subject(rendered.subject.clone())
        .date(date)
        .message_id(Some(message_id.clone()));
    // Each address list is set as one header: lettre's `to` / `cc` / `bcc` parse and
    // rewrite the whole header for every address they add, quadratic in the list.
    builder = builder.mailbox(header::To::from(mailboxes("To", &addressing.to)?));
    if !addressing.cc.is_empty() {
        builder = builder.mailbox(header::Cc::from(mailboxes("Cc", &addressing.cc)?));
    }
    if !addressing.bcc.is_empty() {
        builder = builder.mailbox(header::Bcc::from(mailboxes("Bcc", &addressing.bcc)?));
    }
    if let Some(reply_to) = &addressing.reply_to {
        builder = builder.reply_to(mailbox("Reply-To", reply_to)?);
    }
    let message = body(builder).map_err(|e| RenderError::Header {
        header: "(message)".to_string(),
        message: e.to_string(),
    })?;
    // Only the bytes and the envelope are kept: the message's parts, a second copy
    // of a large announcement, go now.
    let bytes = message.formatted();
    Ok(ComposedEmail {
        envelope: message.envelope().clone(),
        message_id,
        bytes,
    })
}

/// The text and HTML parts as one multipart/alternative. `quoted_printable` forces
/// that encoding on both (for a signed message: 7-bit safe, trailing white space
/// protected); otherwise lettre picks the encoding.
pub fn alternative(rendered: &RenderedMessage, quoted_printable: bool) -> MultiPart {
    MultiPart::alternative()
        .boundary(boundary(rendered))
        .singlepart(text_part(
            ContentType::TEXT_PLAIN,
            &rendered.text,
            quoted_printable,
        ))
        .singlepart(text_part(
            ContentType::TEXT_HTML,
            &rendered.html,
            quoted_printable,
        ))
}

/// The multipart boundary of `rendered`: made from its content hash, so that the same
/// message always makes the same bytes (lettre's own is random, and a draft would
/// differ at every render). No part can hold it: a text that held the hash of
/// itself would have to be found by breaking SHA-256.
fn boundary(rendered: &RenderedMessage) -> String {
    let hash = &rendered.content_hash;
    format!("herald-{}", hash.get(..40).unwrap_or(hash))
}

/// One text part with CRLF line endings. Quoted-printable, when asked for, also
/// writes a line that starts with "From " as "=46rom ", so that a relay's mbox
/// escaping (">From ") cannot change signed bytes (RFC 3156 §3).
pub fn text_part(content_type: ContentType, text: &str, quoted_printable: bool) -> SinglePart {
    let builder = SinglePart::builder().header(content_type);
    let text = crlf_line_endings(text);
    if !quoted_printable {
        return builder.body(text);
    }
    let encoded = match Body::new_with_encoding(text, ContentTransferEncoding::QuotedPrintable) {
        Ok(body) => body.into_vec(),
        Err(raw) => return builder.body(raw),
    };
    let mut protected = Vec::with_capacity(encoded.len());
    let mut line_start = true;
    for (i, &byte) in encoded.iter().enumerate() {
        if line_start && encoded[i..].starts_with(b"From ") {
            protected.extend_from_slice(b"=46");
        } else {
            protected.push(byte);
        }
        line_start = byte == b'\n';
    }
    builder.body(Body::dangerous_pre_encoded(
        protected,
        ContentTransferEncoding::QuotedPrintable,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_line_endings_match_what_lettre_makes_of_a_string_body() {
        for text in [
            "",
            "a",
            "\n",
            "\n\n",
            "a\nb\n",
            "a\r\nb\n\r\n",
            "\r\n\n",
            "é\nü\r\n\n\nend",
        ] {
            let ours = crlf_line_endings(text);
            assert_eq!(
                Body::new(ours.clone()).as_ref(),
                Body::new(text.to_string()).as_ref(),
                "{text:?}"
            );
            assert!(!ours.replace("\r\n", "").contains('\n'), "{text:?}");
        }
    }

    #[test]
    fn lettre_takes_control_characters_in_a_quoted_name_so_herald_refuses_them() {
        for (value, name) in [
            ("\"Go\u{8}Team\" <r@example.org>", "U+0008 BACKSPACE"),
            ("\"Go\u{1b}[2J\" <r@example.org>", "U+001B ESCAPE"),
            ("\"Go\u{9b}\" <r@example.org>", "U+009B"),
            ("Go\u{85}Team <r@example.org>", "U+0085 NEXT LINE"),
            ("\"Go\u{2028}\" <r@example.org>", "U+2028 LINE SEPARATOR"),
        ] {
            // Why herald checks: lettre passes each of these into the header as it is.
            let parsed = value.parse::<Mailbox>().expect(value);
            let kept = parsed.name.unwrap_or_default();
            assert!(
                kept.contains(|c| crate::controls::is_refused(c, None)),
                "{kept:?}"
            );
            let err = mailbox("Reply-To", value).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
        let err = reject_line_breaks("Subject", "Go\u{7}1.16.1").unwrap_err();
        assert!(err.to_string().contains("U+0007 BELL"), "{err}");
        // Lettre itself refuses them in an unquoted name and in the address.
        for value in ["Go\u{8}Team <r@example.org>", "r\u{8}@example.org"] {
            assert!(value.parse::<Mailbox>().is_err(), "{value:?}");
        }
    }

    #[test]
    fn quoted_printable_protects_lines_that_start_with_from() {
        let part = text_part(
            ContentType::TEXT_PLAIN,
            "From the start\nnot From here\nFrom again",
            true,
        );
        let bytes = String::from_utf8(part.formatted()).unwrap();
        assert!(bytes.contains("\r\n=46rom the start\r\n"), "{bytes}");
        assert!(bytes.contains("not From here"), "{bytes}");
        assert!(bytes.contains("\r\n=46rom again"), "{bytes}");
    }
}
