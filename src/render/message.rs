//! What rendering makes, and why it may fail.

use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::MessageKind;

/// Why a message could not be rendered.
///
/// Every error about a template starts with the file it is about (the override's
/// path, or the built-in template's name) and, when known, the line and column, as
/// errors in the release file do: `FILE:LINE:COLUMN: message`.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// An error about a template as a whole; `name` is the override's path or the
    /// built-in template's name.
    #[error("{name}: {message}")]
    Template { name: String, message: String },
    /// One or more reports, each `FILE:LINE:COLUMN: message` (or `note: ...`) and an
    /// excerpt of the line.
    #[error("{message}")]
    TemplateReports { message: String },
    #[error("{location}: {message}\n{excerpt}")]
    TemplateAt {
        location: crate::source::Location,
        message: String,
        excerpt: Box<crate::source::Excerpt>,
    },
    /// A file or directory of overrides that cannot be read; `what` says which.
    #[error("{}: cannot read the {what}: {source}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{}: not a template herald knows; the templates are: {known}", path.display())]
    UnknownTemplate { path: PathBuf, known: String },
    #[error("header {header}: {message}")]
    Header { header: String, message: String },
    #[error("the release names no version")]
    NoVersion,
}

impl RenderError {
    /// An error about the template `name` (as [`Templates::display_name`] gives it),
    /// with an error's causes flattened into one message.
    pub(super) fn template(name: String, error: &dyn std::error::Error) -> Self {
        RenderError::Template {
            name,
            message: crate::error_chain(error),
        }
    }
}

/// One rendered message: its subject and the two forms of its body (the Markdown
/// they were made from is not kept).
#[derive(Debug, Clone, Serialize)]
pub struct RenderedMessage {
    pub kind: MessageKind,
    /// The template it came from.
    pub template: String,
    pub subject: String,
    /// The plain-text part, wrapped at 72 columns.
    pub text: String,
    /// The HTML part, a complete document.
    pub html: String,
    /// Where the HTML part's body, without the document around it, is in `html`.
    #[serde(skip)]
    pub html_body: std::ops::Range<usize>,
    /// A SHA-256 over subject, text and HTML: the identity of the message's content.
    pub content_hash: String,
}

impl RenderedMessage {
    /// The HTML part's body, without the document around it.
    pub fn html_body(&self) -> &str {
        &self.html[self.html_body.clone()]
    }

    /// The same message marked as a test copy: its subject starts with `[TEST] `, so
    /// its content hash, and with it its Message-ID, differ from the real message's.
    pub fn marked_as_test(&self) -> RenderedMessage {
        let subject = format!("[TEST] {}", self.subject);
        RenderedMessage {
            content_hash: content_hash(&subject, &self.text, &self.html),
            subject,
            ..self.clone()
        }
    }
}

/// A SHA-256 over subject, text and HTML, in hexadecimal.
pub(super) fn content_hash(subject: &str, text: &str, html: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [subject, text, html] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Characters of written text an error quotes.
const QUOTED_CHARS: usize = 80;

/// `text` quoted for an error message, cut after [`QUOTED_CHARS`] characters: a
/// template may write a line of megabytes.
pub(super) fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{:?}...", &text[..cut]),
        None => format!("{text:?}"),
    }
}
