//! Stage 4: render messages from templates into Markdown, HTML, plain text and RFC 5322 mail.

pub mod context;
pub mod email;
pub mod history;
pub mod markdown;
pub mod templates;
pub mod wording;

use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use context::{Affects, MessageContext};
pub use email::{compose, compose_with, Addressing, ComposedEmail};
pub use history::{history, HistoryLine};
pub use templates::{TemplateSource, Templates};
pub use wording::Wording;

use crate::load::LoadedRelease;
use crate::plan::MessageKind;

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
    fn template(name: String, error: &dyn std::error::Error) -> Self {
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
fn content_hash(subject: &str, text: &str, html: &str) -> String {
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

/// Renders the message of `kind` for a validated release.
pub fn render_message(
    input: &LoadedRelease,
    kind: MessageKind,
    templates: &Templates,
) -> Result<RenderedMessage, RenderError> {
    if input.file.release.versions.get_ref().is_empty() {
        return Err(RenderError::NoVersion);
    }
    let name = kind.template(*input.file.release.kind.get_ref());
    // Each intermediate goes as soon as the next form is made: for a release of
    // thousands of fixes, each is tens of megabytes.
    let context = tera::Context::from_serialize(&MessageContext::new(input, kind))
        .map_err(|e| RenderError::template(templates.display_name(name), &e))?;
    let output = templates.render(name, &context, input.source.text().len())?;
    drop(context);
    // Templates and the release file are checked for control characters where they
    // are read; this catches any a template makes (an escape in a string literal).
    if let Some((c, _, _)) = crate::controls::refused_in(&output) {
        return Err(RenderError::Template {
            name: templates.display_name(name),
            message: format!("the template wrote {}", crate::controls::describe(c)),
        });
    }
    let (subject, body) = split_subject(&output).map_err(|problem| {
        let message = format!(
            "the first line must be \"Subject: ...\" followed by one blank line, then \
             the Markdown body; {}",
            problem.found
        );
        templates.first_line_error(name, message, problem.after_line.then_some(problem.line))
    })?;
    let markdown = tidy_markdown(body);
    drop(output);
    let text = markdown::to_text(&markdown, markdown::TEXT_WIDTH);
    let (html, html_body) = markdown::html_document(&subject, &markdown);
    drop(markdown);
    // Markdown decodes character references: `&#27;` is an escape character in both
    // parts, though neither the release file nor the template holds one.
    for (part, body) in [("text", text.as_str()), ("HTML", &html[html_body.clone()])] {
        if let Some((c, at, _)) = crate::controls::refused_in(body) {
            let line = body[..at].matches('\n').count() + 1;
            if let Some(span) = crate::controls::reference_to(input.source.text(), c) {
                return Err(RenderError::TemplateAt {
                    location: input.source.span_location(&span),
                    message: format!(
                        "this character reference becomes {} in line {line} of the \
                         {kind}'s {part} part (Markdown decodes it), and control \
                         characters may not reach mail: remove it",
                        crate::controls::name(c)
                    ),
                    excerpt: Box::new(input.source.excerpt(&span)),
                });
            }
            return Err(RenderError::Template {
                name: templates.display_name(name),
                message: format!(
                    "line {line} of the {kind}'s {part} part holds {}; it comes from a \
                     character reference such as &#27; or &#x9b; in the release file or \
                     a template: remove it",
                    crate::controls::name(c)
                ),
            });
        }
    }
    Ok(RenderedMessage {
        kind,
        template: name.to_string(),
        content_hash: content_hash(&subject, &text, &html),
        text,
        html,
        html_body,
        subject,
    })
}

/// What is wrong with the start of a rendered mail template.
struct SubjectProblem<'a> {
    /// What was found instead, as the error says it.
    found: String,
    /// Whether the problem is after the first line (no blank line follows it).
    after_line: bool,
    /// The first line written.
    line: &'a str,
}

/// Splits a rendered mail template into its subject and Markdown body.
fn split_subject(output: &str) -> Result<(String, &str), SubjectProblem<'_>> {
    let (first, rest) = output.split_once('\n').unwrap_or((output, ""));
    let first = first.strip_suffix('\r').unwrap_or(first);
    let err = |found: String, after_line| SubjectProblem {
        found,
        after_line,
        line: first,
    };
    let subject = first
        .strip_prefix("Subject:")
        .ok_or_else(|| err(format!("found {}", quoted(first)), false))?
        .trim();
    if subject.is_empty() {
        return Err(err("the subject is empty".to_string(), false));
    }
    let body = rest
        .strip_prefix('\n')
        .or_else(|| rest.strip_prefix("\r\n"))
        .ok_or_else(|| {
            let second = rest.split('\n').next().unwrap_or_default();
            let second = second.strip_suffix('\r').unwrap_or(second);
            err(
                format!(
                    "there is no blank line after it: the second line is {}",
                    quoted(second)
                ),
                true,
            )
        })?;
    Ok((subject.to_string(), body))
}

/// `text` quoted for an error message, cut after [`QUOTED_CHARS`] characters: a
/// template may write a line of megabytes.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{:?}...", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Characters of written text an error quotes.
const QUOTED_CHARS: usize = 80;

/// Collapses runs of blank lines that template conditionals leave behind.
fn tidy_markdown(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut blank_run = 0;
    for line in body.trim().lines() {
        let line = line.trim_end_matches(' ').trim_end_matches('\t');
        let line = if line.ends_with('\\') {
            line
        } else {
            line.trim_end()
        };
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
