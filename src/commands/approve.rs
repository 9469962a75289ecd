//! `herald approve`: a second person signs off one message. The message is rendered
//! exactly as `send` would render it; its subject, recipients and content hash are
//! shown; the approver signs a statement naming the release, the message and that
//! hash with their own key (gpg or ssh-keygen: no secret passes through herald);
//! the approval is checked as `send` will check it, then written beside the release
//! (or printed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::approval_status::{approval_statuses, print_status, SigningKey};
use super::report::{checked_or_report, emit};
use super::{CommandError, Exit, Options};
use crate::approval::file::{self, ApprovalFile, Method};
use crate::approval::{
    openpgp, ssh, ApprovalSettings, ApprovalStatus, Statement, Verdict, Verifier,
};
use crate::config::{self, Config};
use crate::deliver::sign::Signer;
use crate::model::MessageKind;
use crate::pipeline::{addressing_for, compose_guarded};
use crate::validate::{Finding, Severity};

/// What `herald approve` was asked to do.
#[derive(Debug, Clone)]
pub struct ApproveOptions {
    pub kind: MessageKind,
    pub key: ApproveKey,
    /// `--print`: write the approval to standard output instead of the folder.
    pub print: bool,
}

/// The approver's key.
#[derive(Debug, Clone)]
pub enum ApproveKey {
    /// `--gpg-key SPEC`, as `gpg --local-user` takes it.
    Gpg(String),
    /// `--ssh-key FILE`: a private key, or a public key whose private half is in
    /// ssh-agent.
    Ssh(PathBuf),
}

/// What `approve` did, for the JSON report.
#[derive(Debug, Clone, Default, Serialize)]
struct ApproveReport {
    kind: Option<MessageKind>,
    subject: Option<String>,
    to: Vec<String>,
    cc: Vec<String>,
    bcc: Vec<String>,
    /// The SHA-256 of the content approved.
    content_hash: Option<String>,
    /// The statement signed.
    statement: Option<String>,
    /// The listed approver who signed, and their key.
    approver: Option<String>,
    key: Option<String>,
    /// The file written, without `--print`.
    written: Option<String>,
    /// The approval file's text, with `--print`.
    approval: Option<String>,
    /// The message's approvals once this one is written (without `--print`).
    approvals: Option<ApprovalStatus>,
}

/// Signs off the message of `approve.kind`.
pub fn approve(
    path: &Path,
    approve: &ApproveOptions,
    options: &Options,
    out: &mut dyn Write,
    log: &mut dyn Write,
) -> Result<Exit, CommandError> {
    let kind = approve.kind;
    let checked = match checked_or_report::<ApproveReport>(path, options, out)? {
        Ok(checked) => checked,
        Err(exit) => return Ok(exit),
    };
    let config = checked.config(options)?;
    let settings = settings(config, kind)?;
    let mut findings: Vec<Finding> = checked.findings.clone();
    if !checked.plan.message(kind).is_some_and(|m| m.due) {
        findings.push(Finding::unlocated(
            Severity::Refusal,
            "not-due",
            format!("this release has no {kind} to send, so none to approve"),
        ));
        return emit(
            out,
            options,
            path,
            &findings,
            ApproveReport::default(),
            |_| Ok(()),
        );
    }
    let project_name = &checked.input.file.project.name;
    let addressing = addressing_for(config, kind, project_name, &mut findings);
    let rendered = crate::render::render_message(&checked.input, kind, &checked.templates)?;
    let guarded = compose_guarded(&checked, rendered, &addressing, SystemTime::now(), 0)?;
    findings.extend(crate::guard::leak_findings(kind, &guarded.leaks));
    let message = &guarded.message;
    let statement = Statement::of(&checked.input, kind, &message.content_hash);
    let mut report = ApproveReport {
        kind: Some(kind),
        subject: Some(message.subject.clone()),
        to: addressing.to.clone(),
        cc: addressing.cc.clone(),
        bcc: addressing.bcc.clone(),
        content_hash: Some(message.content_hash.clone()),
        statement: Some(statement.text()),
        ..ApproveReport::default()
    };
    // A release that breaks the policy, or a message that leaks, is not approved:
    // the approval would be of a message that must not go.
    if findings.iter().any(|f| f.severity >= Severity::Violation) {
        findings.push(Finding::unlocated(
            Severity::Refusal,
            "not-approvable",
            format!("herald approves only a message that checks clean; fix what is reported above, then approve the {kind} as it is then"),
        ));
        return emit(out, options, path, &findings, report, |_| Ok(()));
    }
    writeln!(
        log,
        "Approving the {kind} of {}:\n  Subject: {}\n  To: {}\n  Cc: {}\n  Bcc: {}\n  Content: sha256 {}\nThe approval is of exactly this content (read it with `herald render`); one changed byte voids it.",
        path.display(),
        message.subject,
        addressing.to.join(", "),
        none_or(&addressing.cc),
        none_or(&addressing.bcc),
        message.content_hash,
    )?;

    let text = statement.text();
    let (signature, method, key_id) = match &approve.key {
        ApproveKey::Gpg(spec) => {
            let signer = Signer::for_approval(&settings.gpg_program, spec, settings.timeout());
            let (signature, primary) = signer
                .detach_sign_plain(text.as_bytes())
                .map_err(crate::deliver::DeliverError::from)?;
            (signature, Method::OpenPgp, primary)
        }
        ApproveKey::Ssh(key) => {
            let (signature, fingerprint) = ssh::sign(
                &settings.ssh_program,
                key,
                text.as_bytes(),
                settings.timeout(),
            )?;
            (signature, Method::Ssh, fingerprint)
        }
    };
    let name = file::file_name(kind, method, &key_id);
    let approval = ApprovalFile {
        path: file::approvals_dir(path).join(&name),
        statement: statement.clone(),
        method,
        signature: signature.clone(),
    };
    // Checked as send will check it: an approval that would not count is not written.
    let signing = match method {
        Method::OpenPgp => signing_key(config, &mut findings),
        Method::Ssh => None,
    };
    let verifier = Verifier::new(settings, signing)?;
    let (record, _) = verifier.judge(&approval, &statement)?;
    report.approver = record.approver.clone();
    report.key = record.key.clone();
    if record.verdict != Verdict::Valid {
        findings.push(Finding::unlocated(
            Severity::Refusal,
            "approval-would-not-count",
            format!(
                "the approval by {} would not count: {}; it was not written",
                record.key.as_deref().unwrap_or("this key"),
                record.reason
            ),
        ));
        return emit(out, options, path, &findings, report, |_| Ok(()));
    }
    let approval_text = file::render(&statement, &signature)?;
    if approve.print {
        report.approval = Some(approval_text.clone());
    } else {
        let written = file::write(path, &name, &approval_text)?;
        report.written = Some(file::shown(path, &written).display().to_string());
        let (statuses, problems) = approval_statuses(
            &checked,
            config,
            &[(kind, message.content_hash.as_str())],
            SigningKey::IfKnown,
        )?;
        findings.extend(problems);
        report.approvals = statuses.into_iter().next();
    }
    let text_report = report.clone();
    let folder = file::approvals_dir(path);
    let folder = folder.file_name().unwrap_or_default().to_string_lossy();
    let who = format!(
        "{} ({})",
        crate::controls::escaped(record.approver.as_deref().unwrap_or_default()),
        record.key.as_deref().unwrap_or_default()
    );
    emit(out, options, path, &findings, report, |out| {
        let mut log = crate::secrets::Redacting::new(std::io::stderr());
        match (&text_report.approval, &text_report.written) {
            (Some(approval), _) => {
                out.write_all(approval.as_bytes())?;
                writeln!(
                    log,
                    "approved the {kind} as {who}; send this text to the release manager, to save as {folder}/{name} beside the release and commit"
                )?;
            }
            (None, Some(written)) => {
                writeln!(
                    out,
                    "wrote {written}: the {kind} approved by {who}; commit it"
                )?;
                if let Some(status) = &text_report.approvals {
                    print_status(out, status, "")?;
                }
            }
            (None, None) => {}
        }
        Ok(())
    })
}

/// The `[approval]` table, which must cover `kind`.
fn settings(config: Option<&Config>, kind: MessageKind) -> Result<&ApprovalSettings, CommandError> {
    let config = config.ok_or_else(|| {
        CommandError::Usage(format!(
            "approve needs the configuration with its [approval] table: give --config FILE, or put {} beside the release file",
            config::DEFAULT_CONFIG
        ))
    })?;
    let settings = config.approval.as_ref().ok_or_else(|| {
        CommandError::Usage(format!(
            "{}: there is no [approval] table, so no message needs approval (see the book: docs/approvals.md)",
            config.path.display()
        ))
    })?;
    if !settings.applies_to(kind) {
        return Err(CommandError::Usage(format!(
            "{}: [approval] kinds does not list the {kind}, so it needs no approval",
            config.path.display()
        )));
    }
    Ok(settings)
}

/// The primary fingerprint of the `[signing]` key, if this machine knows it: an
/// approval by that key would not count, and is better refused here.
fn signing_key(config: Option<&Config>, findings: &mut Vec<Finding>) -> Option<String> {
    let signing = config?.signing.as_ref()?;
    let timeout = std::time::Duration::from_secs(signing.timeout_seconds.get());
    match openpgp::signing_primary(&signing.program, &signing.key, timeout) {
        Ok(fingerprint) => Some(fingerprint),
        Err(error) => {
            findings.push(Finding::unlocated(
                Severity::Note,
                "signing-key-unknown",
                format!("{error}; herald send will not count an approval by it"),
            ));
            None
        }
    }
}

fn none_or(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}
