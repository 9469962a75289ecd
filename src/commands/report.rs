//! How a command reports: one JSON document on standard output, or the command's
//! data on standard output and its findings and a closing line on standard error.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::{CommandError, Exit, Format, Options};
use crate::pipeline::{check_release, Checked};
use crate::validate::{Finding, Severity};

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    file: String,
    status: &'static str,
    exit_code: Exit,
    findings: &'a [Finding],
    #[serde(flatten)]
    body: T,
}

/// The report's `status`: what the worst finding was.
fn status(findings: &[Finding]) -> &'static str {
    match crate::validate::worst(findings) {
        None | Some(Severity::Note) => "clean",
        Some(Severity::Refusal) => "refused",
        Some(Severity::Violation) => "violations",
        Some(Severity::Invalid) => "unusable",
    }
}

/// Prints a command's result: JSON as one document, text as findings then `text_body`.
pub(super) fn emit<T: Serialize>(
    out: &mut dyn Write,
    options: &Options,
    path: &Path,
    findings: &[Finding],
    body: T,
    text_body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Exit, CommandError> {
    emit_as(out, options, path, findings, None, body, text_body)
}

/// [`emit`], with the exit status `exit` when the findings alone would mean success
/// (a send that went out, but not as far as asked).
pub(super) fn emit_as<T: Serialize>(
    out: &mut dyn Write,
    options: &Options,
    path: &Path,
    findings: &[Finding],
    exit: Option<Exit>,
    body: T,
    text_body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Exit, CommandError> {
    let exit = match (Exit::of_findings(findings), exit) {
        (Exit::Success, Some(exit)) => exit,
        (of_findings, _) => of_findings,
    };
    let written = write_report(out, options, path, findings, exit, body, text_body);
    match written {
        // A reader that went away (`herald send … | head`) changes nothing that was done.
        Err(CommandError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit),
        other => other.map(|()| exit),
    }
}

/// The body of [`emit`]: the report in the chosen format.
fn write_report<T: Serialize>(
    out: &mut dyn Write,
    options: &Options,
    path: &Path,
    findings: &[Finding],
    exit: Exit,
    body: T,
    text_body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CommandError> {
    match options.format {
        Format::Json => {
            let envelope = Envelope {
                file: path.display().to_string(),
                status: status(findings),
                exit_code: exit,
                findings,
                body,
            };
            let document = serde_json::to_string_pretty(&envelope).map_err(std::io::Error::from)?;
            out.write_all(terminal_safe_json(&document).as_bytes())?;
            writeln!(out)?;
        }
        Format::Text => {
            // Data on stdout; findings and the closing status line on stderr.
            text_body(out)?;
            let mut diagnostics = crate::secrets::Redacting::new(std::io::stderr().lock());
            for finding in findings {
                writeln!(diagnostics, "{}", finding.render(options.color))?;
            }
            let summary = match crate::validate::worst(findings) {
                None | Some(Severity::Note) => format!(
                    "{}: clean; the notes above do not change the exit code",
                    path.display()
                ),
                Some(Severity::Refusal) => format!("{}: refused; nothing was sent", path.display()),
                Some(Severity::Violation) => format!("{}: policy violations", path.display()),
                Some(Severity::Invalid) => format!(
                    "{}: unusable input; nothing was rendered or sent",
                    path.display()
                ),
            };
            if !findings.is_empty() {
                writeln!(diagnostics, "{summary}")?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize, Default)]
pub(super) struct NoBody {}

/// Runs the checking stages. When the input is unusable, reports it (with an empty
/// body of the command's shape) and returns the exit code as the error side.
pub(super) fn checked_or_report<B: Serialize + Default>(
    path: &Path,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Result<Checked, Exit>, CommandError> {
    match check_release(path, options)? {
        Ok(checked) => Ok(Ok(checked)),
        Err(findings) => emit(out, options, path, &findings, B::default(), |_| Ok(())).map(Err),
    }
}

/// A JSON document with the characters a terminal acts on written as escapes: JSON
/// escapes C0 controls already, but not C1 controls (U+0080 to U+009F, of which
/// U+009B starts an escape sequence) nor the controls that reorder a line. They can
/// come from a journal edited or merged by hand, and a report goes to terminals too.
pub(crate) fn terminal_safe_json(document: &str) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| matches!(c, '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !document.chars().any(acts) {
        return std::borrow::Cow::Borrowed(document);
    }
    // Such characters can only stand inside JSON strings, where \uXXXX means them.
    std::borrow::Cow::Owned(
        document
            .chars()
            .map(|c| match acts(c) {
                true => format!("\\u{:04x}", c as u32),
                false => c.to_string(),
            })
            .collect(),
    )
}
