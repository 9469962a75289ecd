//! `herald send`: every check, one message over SMTP, recorded once the server has it.
//!
//! The order is the promise: every refusal is collected before anything is asked
//! or connected, and nothing goes out if there is any ([`refusals`]); the guard
//! reads the exact bytes that would go on the wire, signed ones included; the
//! approvals `[approval]` asks for are judged over the content about to go
//! ([`approvals`]); the journal must be writable before the person is asked
//! ([`confirm`]); only then does the mailer connect.

mod approvals;
mod confirm;
mod hints;
mod options;
mod refusals;

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use lettre::address::Envelope;
use serde::Serialize;

pub use confirm::Confirm;
pub(crate) use hints::settle_command;
pub use options::SendOptions;

use super::report::{checked_or_report, emit};
use super::{CommandError, Exit, Options};
use crate::config::{self, Config};
use crate::deliver::journal::{Journal, JournalEntry};
use crate::deliver::sign::Signer;
use crate::deliver::{Mailer, Record};
use crate::model::{Addressing, MessageKind};
use crate::pipeline::{addressing_for, compose_guarded, Checked};
use crate::render::ComposedEmail;
use crate::validate::{Finding, Severity};

/// What `send` did, for the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct SendReport {
    /// "sent", "test-sent", "dry-run", "refused" or "aborted".
    pub outcome: &'static str,
    pub kind: Option<MessageKind>,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub message_id: Option<String>,
    pub content_hash: Option<String>,
    pub size_bytes: Option<usize>,
    pub server: Option<String>,
    pub reply: Option<String>,
    pub attempts: Option<u64>,
    /// How the message was signed, when `[signing]` is set.
    pub signed: Option<crate::config::SigningMode>,
    /// The file written by `--dry-run`.
    pub dry_run_file: Option<String>,
    pub journal: Option<String>,
    /// The message's approvals, when `[approval]` covers it.
    pub approvals: Option<crate::approval::ApprovalStatus>,
}

impl Default for SendReport {
    fn default() -> Self {
        SendReport {
            outcome: "refused",
            kind: None,
            subject: None,
            from: None,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            message_id: None,
            content_hash: None,
            size_bytes: None,
            server: None,
            reply: None,
            attempts: None,
            signed: None,
            dry_run_file: None,
            journal: None,
            approvals: None,
        }
    }
}

/// Sends one message. Every refusal is collected and reported together; nothing
/// goes out if there is any.
pub fn send(
    path: &Path,
    send: &SendOptions,
    options: &Options,
    confirm: &mut dyn Confirm,
    out: &mut dyn Write,
    log: &mut dyn Write,
) -> Result<Exit, CommandError> {
    let kind = send.kind;
    let checked = match checked_or_report::<SendReport>(path, options, out)? {
        Ok(checked) => checked,
        Err(exit) => return Ok(exit),
    };
    let config = checked.config(options)?;
    // Set up (and so checked) first, though it connects only at the end.
    let mailer = match send.dry_run {
        true => None,
        false => Some(mailer(config)?),
    };
    let mut findings: Vec<Finding> = checked
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Note)
        .cloned()
        .collect();
    let test_copy = send.test_to.is_some();
    // A test copy goes to a trusted address on any day; a message to its lists only
    // on the days the policy allows, and only by the clock's day.
    if !test_copy {
        findings.extend(refusals::timing_refusals(&checked, send, checked.today));
        if mailer.is_some() {
            findings.extend(refusals::day_override_refusal(
                &checked,
                config,
                options.today,
            ));
        }
    }
    let addressing = addressing(&checked, config, send, mailer.is_some(), &mut findings)?;
    let mut report = SendReport {
        kind: Some(kind),
        from: Some(addressing.from.clone()),
        to: addressing.to.clone(),
        cc: addressing.cc.clone(),
        bcc: addressing.bcc.clone(),
        server: mailer.as_ref().map(|m| m.server().to_string()),
        ..SendReport::default()
    };

    // A real send, a test copy included, holds the journal lock from here until its
    // outcome is recorded. A dry run sends nothing, so it neither waits for nor
    // blocks a real send, but reports what the journal would refuse.
    let mut journal = match mailer.is_some() {
        true => Journal::lock(path)?,
        false => Journal::open(path)?,
    };
    report.journal = Some(journal.path().display().to_string());
    let mut rendered = crate::render::render_message(&checked.input, kind, &checked.templates)?;
    let mut previous = refusals::PreviousSends::default();
    if test_copy {
        rendered = rendered.marked_as_test();
    } else {
        let recipients = addressing.envelope_recipients();
        previous = refusals::journal_refusals(
            &journal,
            &checked,
            send,
            &rendered,
            path,
            &recipients,
            &mut findings,
        );
    }
    let date = SystemTime::now();
    let guarded = compose_guarded(&checked, rendered, &addressing, date, previous.resend)?;
    findings.extend(crate::guard::leak_findings(kind, &guarded.leaks));
    let message = &guarded.message;
    // The guard read the content; a signed message wraps the same content, signed
    // afresh on every send (and dry run), before anything is asked or connected.
    let signed = match config.and_then(|c| c.signing.as_ref()) {
        Some(signing) if !crate::validate::blocks(&findings) => {
            let signer = Signer::new(signing);
            report.signed = Some(signer.mode());
            let signed = signer.sign(message, &addressing, date, previous.resend)?;
            // The signed bytes are what goes on the wire: guarded again, armor
            // headers included.
            let leaks = crate::guard::check_email(checked.embargo(kind), kind, &signed.bytes);
            findings.extend(crate::guard::leak_findings(kind, &leaks));
            Some(signed)
        }
        _ => None,
    };
    let email = signed.as_ref().unwrap_or(&guarded.email);
    report.subject = Some(message.subject.clone());
    report.message_id = Some(email.message_id.clone());
    report.content_hash = Some(message.content_hash.clone());
    report.size_bytes = Some(email.bytes.len());
    // The content is final: judge its approvals before anything is asked.
    report.approvals = approvals::approval_check(&checked, config, send, message, &mut findings)?;

    match mailer {
        _ if crate::validate::blocks(&findings) => {}
        None => {
            let file = write_dry_run(path, kind, email)?;
            report.outcome = "dry-run";
            report.dry_run_file = Some(file);
        }
        Some(mailer) => {
            // Nothing is sent that could not be recorded: proved before asking.
            journal.check_writable()?;
            confirm::summary(
                log,
                path,
                send,
                &guarded,
                email,
                &addressing,
                mailer.server(),
            )?;
            let recipients = addressing.to.len() + addressing.cc.len() + addressing.bcc.len();
            match confirm::confirmation(send, confirm, recipients)? {
                Err(refused) => {
                    if confirm.interactive() && !send.assume_yes {
                        report.outcome = "aborted";
                    }
                    findings.push(refused);
                }
                Ok(()) => {
                    let mut entry =
                        JournalEntry::attempt(message, email, &addressing, mailer.server());
                    entry.test = test_copy;
                    entry.without_pre_announcement = send.without_pre_announcement.clone();
                    entry.told = Some(crate::render::Told::of(&checked.input, kind));
                    entry.approvals = approvals::relied_on(report.approvals.as_ref());
                    let settle = settle_command(path, kind);
                    let record = Record {
                        journal: &mut journal,
                        entry: &entry,
                        settle: &settle,
                    };
                    let envelope = remaining_envelope(&email.envelope, &previous.delivered);
                    let delivery = mailer.send(email, &envelope, Some(record), &mut |line| {
                        let _ = writeln!(log, "{line}");
                    })?;
                    report.outcome = if test_copy { "test-sent" } else { "sent" };
                    report.reply = Some(delivery.reply);
                    report.attempts = Some(delivery.attempts);
                }
            }
        }
    }
    let text_report = report.clone();
    emit(out, options, path, &findings, report, |out| {
        print_outcome(out, kind, &text_report)
    })
}

/// Where the message goes: the configuration's recipients for a real send (there
/// must be some), placeholders where a dry run lacks them, the one trusted address
/// of a test copy.
fn addressing(
    checked: &Checked,
    config: Option<&Config>,
    send: &SendOptions,
    real: bool,
    findings: &mut Vec<Finding>,
) -> Result<Addressing, CommandError> {
    let kind = send.kind;
    let project_name = &checked.input.file.project.name;
    Ok(match &send.test_to {
        Some(address) => {
            if real {
                findings.extend(refusals::untrusted_test_address(config, address));
            }
            Addressing {
                to: vec![address.clone()],
                cc: Vec::new(),
                bcc: Vec::new(),
                ..addressing_for(config, kind, project_name, findings)
            }
        }
        None if !real => addressing_for(config, kind, project_name, findings),
        None => config
            .map(|c| c.addressing(kind))
            .filter(|a| !a.to.is_empty())
            .ok_or_else(|| CommandError::Usage(format!(
                "no recipients for the {kind}: add a [recipients.{kind}] table with to = [\"list@example.org\"] to the configuration"
            )))?,
    })
}

/// Writes the dry run beside the release, whole or not at all: a full disk or a
/// file-size limit leaves the last dry run as it was, never a truncated one.
fn write_dry_run(
    path: &Path,
    kind: MessageKind,
    email: &ComposedEmail,
) -> Result<String, CommandError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{kind}.dry-run.eml"));
    let file = path.with_file_name(name);
    crate::write_atomically(&file, &email.bytes).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("{}: {e}; the dry run was not written", file.display()),
        )
    })?;
    Ok(file.display().to_string())
}

fn print_outcome(
    out: &mut dyn Write,
    kind: MessageKind,
    report: &SendReport,
) -> std::io::Result<()> {
    let subject = report.subject.as_deref().unwrap_or_default();
    let message_id = report.message_id.as_deref().unwrap_or_default();
    let reply = report.reply.as_deref().unwrap_or_default();
    match report.outcome {
        "sent" => writeln!(
            out,
            "sent the {kind}: {subject} ({message_id}); server replied {reply}; recorded in {}",
            report.journal.as_deref().unwrap_or_default()
        ),
        "test-sent" => writeln!(
            out,
            "sent a test copy of the {kind} to {}: {subject} ({message_id}); server replied {reply}; the journal records it as a test copy, so the real send is still to come",
            report.to.join(", "),
        ),
        "dry-run" => writeln!(
            out,
            "dry run: wrote the message to {}; connected to nothing",
            report.dry_run_file.as_deref().unwrap_or_default()
        ),
        _ => {
            let _ = writeln!(
                crate::secrets::Redacting::new(std::io::stderr()),
                "did not send the {kind}:"
            );
            Ok(())
        }
    }
}

/// The SMTP client of a real send, from the configuration's `[smtp]` table.
fn mailer(config: Option<&Config>) -> Result<Mailer, CommandError> {
    let config = config.ok_or_else(|| {
        CommandError::Usage(format!(
            "send needs a configuration: give --config FILE, or put {} beside the release file or in the working directory (see the book: docs/configuration.md); --dry-run works without one",
            config::DEFAULT_CONFIG
        ))
    })?;
    let smtp = config.smtp.as_ref().ok_or_else(|| {
        CommandError::Usage(format!(
            "{}: the configuration has no [smtp] table; send needs one (see the book: docs/configuration.md); --dry-run works without one",
            config.path.display()
        ))
    })?;
    Ok(Mailer::new(
        smtp,
        config.ca_file().as_deref(),
        std::env::var(config::PASSWORD_VARIABLE).ok(),
    )?)
}

/// The envelope of a message some of whose recipients already have it (a send that
/// stopped part-way): everyone else.
fn remaining_envelope(envelope: &Envelope, delivered: &[String]) -> Envelope {
    if delivered.is_empty() {
        return envelope.clone();
    }
    let rest: Vec<lettre::Address> = envelope
        .to()
        .iter()
        .filter(|a| {
            !delivered
                .iter()
                .any(|d| d.as_str() == AsRef::<str>::as_ref(*a))
        })
        .cloned()
        .collect();
    Envelope::new(envelope.from().cloned(), rest).unwrap_or_else(|_| envelope.clone())
}
