//! Stage 4: render messages from templates into Markdown, HTML, plain text and RFC 5322 mail.

mod builtin;
pub mod context;
pub mod email;
pub mod history;
pub mod markdown;
mod message;
pub mod templates;
mod told;
pub mod wording;

pub use context::{Affects, Embargoed, MessageContext};
pub use email::{compose, compose_with, ComposedEmail};
pub use history::{history, HistoryLine};
use message::{content_hash, quoted};
pub use message::{RenderError, RenderedMessage};
pub use templates::{TemplateSource, Templates};
pub use told::Told;
pub use wording::Wording;

use crate::load::LoadedRelease;
use crate::model::MessageKind;

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
