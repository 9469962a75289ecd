//! The approvals a send needs (`[approval]`): `required` valid approvals over the
//! exact content about to go, each by a different listed approver. Judged before
//! anything is asked or connected; too few is the refusal `not-approved`.

use super::hints::shell_quoted;
use super::options::SendOptions;
use super::refusals::refusal;
use crate::approval::ApprovalStatus;
use crate::commands::approval_status::{approval_statuses, SigningKey};
use crate::config::Config;
use crate::deliver::journal::ReliedApproval;
use crate::pipeline::{Checked, CommandError};
use crate::render::RenderedMessage;
use crate::validate::{Finding, Severity};

/// The approvals of `message`, and a refusal in `findings` when they are too few. A
/// test copy, which goes only to trusted test addresses, needs none: it is how a
/// reviewer reads the message before approving it. A dry run is told, not refused.
pub(super) fn approval_check(
    checked: &Checked,
    config: Option<&Config>,
    send: &SendOptions,
    message: &RenderedMessage,
    findings: &mut Vec<Finding>,
) -> Result<Option<ApprovalStatus>, CommandError> {
    if send.test_to.is_some() {
        return Ok(None);
    }
    let (statuses, problems) = approval_statuses(
        checked,
        config,
        &[(send.kind, message.content_hash.as_str())],
        SigningKey::Required,
    )?;
    findings.extend(problems);
    let Some(status) = statuses.into_iter().next() else {
        return Ok(None);
    };
    if !status.satisfied {
        let text = not_approved(checked, send, &status);
        findings.push(match send.dry_run {
            true => Finding::unlocated(Severity::Note, "not-approved", text),
            false => refusal("not-approved", text),
        });
    }
    Ok(Some(status))
}

/// The approvals a send relies on, for the journal.
pub(super) fn relied_on(status: Option<&ApprovalStatus>) -> Vec<ReliedApproval> {
    status
        .into_iter()
        .flat_map(ApprovalStatus::counted)
        .map(|a| ReliedApproval {
            approver: a.approver.clone().unwrap_or_default(),
            key: a.key.clone().unwrap_or_default(),
            file: a.file.clone(),
            signed_at: a.signed_at.clone(),
            statement: a.statement.clone(),
            signature: a.signature.clone(),
        })
        .collect()
}

/// Who approved what, and what is needed now.
fn not_approved(checked: &Checked, send: &SendOptions, status: &ApprovalStatus) -> String {
    let kind = send.kind;
    let shown = crate::controls::escaped;
    let found: Vec<String> = status
        .approvals
        .iter()
        .map(|a| {
            let who = a
                .approver
                .as_deref()
                .map(|n| shown(n).into_owned())
                .or_else(|| a.key.clone())
                .unwrap_or_else(|| "an unknown key".to_string());
            let how = if a.counts { "counts" } else { "does not count" };
            format!("{who} ({}) {how}: {}", a.file, a.reason)
        })
        .collect();
    let found = match found.is_empty() {
        true => {
            let release = checked.input.source.path();
            let dir = crate::approval::file::approvals_dir(release);
            let name = dir.file_name().unwrap_or_default();
            format!(
                "there is no approval in {}",
                release.with_file_name(name).display()
            )
        }
        false => found.join("; "),
    };
    let release = shell_quoted(&checked.input.source.path().display().to_string());
    format!(
        "the {kind} needs approvals by {} over its content as it is now, sha256 {}, and has {}. {found}. Each approver reads the message and runs `herald approve {release} --message {kind} --gpg-key KEY` (or --ssh-key FILE); commit the files it writes",
        crate::english::count(status.required, "approver", "different approvers"),
        status.content_hash,
        status.approved
    )
}
