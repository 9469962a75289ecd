//! `herald render`: drafts of every due message, printed or written with a preview
//! page; and `--context`, what each template sees.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::approval_status::{approval_statuses, missing_approval_notes, SigningKey};
use super::report::{checked_or_report, emit};
use super::{CommandError, Exit, Format, Options};
use crate::deliver::journal::Journal;
use crate::drafts::{self, manifest::Previous};
use crate::model::MessageKind;
use crate::pipeline::drafts_with_findings;
use crate::preview::{preview_page, PageContext};
use crate::render;
use crate::validate::{Finding, Severity};

/// `herald render`: drafts of every due message, written to `out_dir` or printed.
pub fn render(
    path: &Path,
    out_dir: Option<&Path>,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Exit, CommandError> {
    let checked = match checked_or_report::<drafts::DraftsReport>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let (drafts, mut findings) = drafts_with_findings(&checked, options)?;
    let journal = Journal::open(path)?;
    let config = checked.config(options)?;
    let messages: Vec<(MessageKind, &str)> = drafts
        .iter()
        .map(|d| (d.planned.kind, d.guarded.message.content_hash.as_str()))
        .collect();
    // Drafts are written where approvals cannot be checked too (a CI runner without
    // gpg): the page then says so instead of showing none.
    let (approvals, problems) =
        match approval_statuses(&checked, config, &messages, SigningKey::IfKnown) {
            Ok(found) => found,
            Err(error) => (
                Vec::new(),
                vec![Finding::unlocated(
                    Severity::Note,
                    "approvals-unchecked",
                    format!("the approvals could not be checked here: {error}"),
                )],
            ),
        };
    findings.extend(problems);
    findings.extend(missing_approval_notes(&approvals, |kind| {
        journal.has_sent(kind)
    }));
    let signing = config.and_then(|c| c.signing.as_ref().map(|s| s.mode));
    let page = |previous: &Previous| {
        let context = PageContext {
            today: checked.today,
            previous,
            signing,
            config: config.map(|c| c.path.as_path()),
            approvals: &approvals,
        };
        preview_page(&checked, &drafts, &findings, &journal, &context)
    };
    let report = drafts::write(&drafts, out_dir, &page)?;
    let text_report = report.clone();
    emit(out, options, path, &findings, report, |out| {
        for note in text_report.notes() {
            let _ = writeln!(crate::secrets::Redacting::new(std::io::stderr()), "{note}");
        }
        match out_dir {
            Some(_) => {
                // One write for the whole listing, not one per line.
                let mut summary = Vec::new();
                text_report.print_summary(&mut summary)?;
                out.write_all(&summary)?;
            }
            None => {
                for draft in &drafts {
                    writeln!(out, "==> {} <==", draft.guarded.message.kind)?;
                    writeln!(out, "Subject: {}\n", draft.guarded.message.subject)?;
                    write!(out, "{}", draft.guarded.message.text)?;
                    writeln!(out)?;
                }
            }
        }
        Ok(())
    })
}

/// `herald render --context`: the context every template of the release sees, as one
/// JSON document: each due message's, and `history.md`'s for each version.
pub fn template_contexts(
    path: &Path,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Exit, CommandError> {
    #[derive(Serialize, Default)]
    struct Message {
        kind: Option<MessageKind>,
        template: &'static str,
        context: Option<render::MessageContext>,
    }
    #[derive(Serialize, Default)]
    struct Body {
        messages: Vec<Message>,
        history: Vec<render::history::HistoryContext>,
    }
    let checked = match checked_or_report::<Body>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let body = Body {
        messages: checked
            .plan
            .due()
            .map(|planned| Message {
                kind: Some(planned.kind),
                template: planned.template,
                context: Some(render::MessageContext::new(&checked.input, planned.kind)),
            })
            .collect(),
        history: render::history::history_contexts(&checked.input),
    };
    // The dump is JSON whatever --format says: it is for reading with jq.
    let json = Options {
        format: Format::Json,
        ..options.clone()
    };
    emit(out, &json, path, &checked.findings, body, |_| Ok(()))
}
