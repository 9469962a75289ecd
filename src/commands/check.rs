//! `herald check`: validation, policy, the embargo guard over every due message, and
//! the approvals `[approval]` asks for.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::approval_status::{approval_statuses, missing_approval_notes, print_status, SigningKey};
use super::report::{checked_or_report, emit};
use super::{CommandError, Exit, Options};
use crate::approval::ApprovalStatus;
use crate::deliver::journal::Journal;
use crate::model::MessageKind;
use crate::pipeline::drafts_with_findings;

#[derive(Serialize, Default)]
struct Body {
    /// Each due message's approvals, when `[approval]` covers it.
    approvals: Vec<ApprovalStatus>,
}

/// `herald check`: validation, policy, and the embargo guard over the pre-announcement.
pub fn check(path: &Path, options: &Options, out: &mut dyn Write) -> Result<Exit, CommandError> {
    let checked = match checked_or_report::<Body>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let (drafts, mut findings) = drafts_with_findings(&checked, options)?;
    let messages: Vec<(MessageKind, &str)> = drafts
        .iter()
        .map(|d| (d.planned.kind, d.guarded.message.content_hash.as_str()))
        .collect();
    let config = checked.config(options)?;
    let (approvals, problems) =
        approval_statuses(&checked, config, &messages, SigningKey::IfKnown)?;
    findings.extend(problems);
    let journal = Journal::open(path).ok();
    findings.extend(missing_approval_notes(&approvals, |kind| {
        journal.as_ref().is_some_and(|j| j.has_sent(kind))
    }));
    let clean = findings.is_empty();
    let body = Body { approvals };
    emit(out, options, path, &findings, &body, |out| {
        for status in &body.approvals {
            print_status(out, status, "")?;
        }
        if clean {
            let _ = writeln!(
                crate::secrets::Redacting::new(std::io::stderr()),
                "{}: clean",
                path.display()
            );
        }
        Ok(())
    })
}
