//! The approvals of a release's messages, as `check`, `plan`, `send` and `approve`
//! report them: every approval file read and judged against the content each message
//! has now (see [`crate::approval`]).

use std::io::Write;

use crate::approval::{file, openpgp, ApprovalStatus, Statement, Verifier};
use crate::config::Config;
use crate::load::LoadError;
use crate::model::MessageKind;
use crate::pipeline::{Checked, CommandError};
use crate::validate::{Finding, Severity};

/// How strictly the `[signing]` key is looked up: a send must know it (its
/// approvals may not count); a check on a machine without it only says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SigningKey {
    Required,
    IfKnown,
}

/// The approvals of each message in `messages` (kind and content hash) that
/// `[approval]` covers, and findings: approval files that cannot be read, and the
/// `[signing]` key that cannot be found when it need not be.
pub(super) fn approval_statuses(
    checked: &Checked,
    config: Option<&Config>,
    messages: &[(MessageKind, &str)],
    signing_key: SigningKey,
) -> Result<(Vec<ApprovalStatus>, Vec<Finding>), CommandError> {
    let mut findings = Vec::new();
    let Some(settings) = config.and_then(|c| c.approval.as_ref()) else {
        return Ok((Vec::new(), findings));
    };
    let covered: Vec<&(MessageKind, &str)> = messages
        .iter()
        .filter(|(kind, _)| settings.applies_to(*kind))
        .collect();
    if covered.is_empty() {
        return Ok((Vec::new(), findings));
    }
    let mut files = Vec::new();
    for read in file::read_all(checked.input.source.path()) {
        match read {
            Ok(file) => files.push(file),
            Err(error) => findings.push(unreadable(error)),
        }
    }
    // Only an OpenPGP approval can be by the [signing] key; without one there is
    // nothing to look up (and a machine without the key has nothing to say).
    let any_openpgp = files.iter().any(|f| f.method == file::Method::OpenPgp);
    let signing = match config.and_then(|c| c.signing.as_ref()) {
        Some(signing) if any_openpgp => {
            let timeout = std::time::Duration::from_secs(signing.timeout_seconds.get());
            match openpgp::signing_primary(&signing.program, &signing.key, timeout) {
                Ok(fingerprint) => Some(fingerprint),
                Err(error) if signing_key == SigningKey::IfKnown => {
                    findings.push(Finding::unlocated(
                        Severity::Note,
                        "signing-key-unknown",
                        format!("{error}; approvals by it are judged as anyone's here, and send will not count them"),
                    ));
                    None
                }
                Err(error) => return Err(error.into()),
            }
        }
        _ => None,
    };
    let verifier = Verifier::new(settings, signing)?;
    let mut statuses = Vec::new();
    for (kind, hash) in covered {
        let statement = Statement::of(&checked.input, *kind, hash);
        statuses.push(verifier.status(&files, &statement)?);
    }
    Ok((statuses, findings))
}

/// An approval file that cannot be read or is malformed: unusable input, at its place.
fn unreadable(error: LoadError) -> Finding {
    match error {
        LoadError::Invalid {
            location,
            message,
            excerpt,
            ..
        } => Finding {
            severity: Severity::Invalid,
            rule: "approval-file",
            message: format!("this approval file is malformed: {message}"),
            location: Some(location),
            excerpt: Some(*excerpt),
        },
        other => Finding::unlocated(Severity::Invalid, "approval-file", other.to_string()),
    }
}

/// A note for each message whose approvals do not yet reach `required`, unless the
/// journal shows it sent: the message cannot be sent until they do.
pub(super) fn missing_approval_notes(
    statuses: &[ApprovalStatus],
    has_sent: impl Fn(MessageKind) -> bool,
) -> Vec<Finding> {
    statuses
        .iter()
        .filter(|s| !s.satisfied && !has_sent(s.kind))
        .map(|s| {
            let void = s
                .approvals
                .iter()
                .filter(|a| !a.counts)
                .count();
            Finding::unlocated(
                Severity::Note,
                "not-approved-yet",
                format!(
                    "the {} has {} of the {} approvals it needs over its content {}{}; herald send refuses it until it has them",
                    s.kind,
                    s.approved,
                    s.required,
                    s.content_hash,
                    match void {
                        0 => String::new(),
                        n => format!(" ({} that do not count)", crate::english::count(n, "other approval", "other approvals")),
                    }
                ),
            )
        })
        .collect()
}

/// The approvals of one message for people, each line starting with `indent`.
pub(super) fn print_status(
    out: &mut dyn Write,
    status: &ApprovalStatus,
    indent: &str,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{indent}approvals of the {}: {} of {} needed, over content {}",
        status.kind, status.approved, status.required, status.content_hash
    )?;
    if status.approvals.is_empty() {
        writeln!(out, "{indent}  none yet")?;
    }
    let shown = crate::controls::escaped;
    for approval in &status.approvals {
        // A file's name, like anything read from the folder, may hold control
        // characters; they reach the terminal escaped.
        let who = match (&approval.approver, &approval.key) {
            (Some(name), Some(key)) => format!("{} ({})", shown(name), shown(key)),
            (None, Some(key)) => shown(key).into_owned(),
            (Some(name), None) => shown(name).into_owned(),
            (None, None) => "an unknown key".to_string(),
        };
        writeln!(
            out,
            "{indent}  {}: {who}, {}: {}",
            approval.verdict.word(),
            shown(&approval.file),
            shown(&approval.reason)
        )?;
    }
    Ok(())
}
