//! `herald send`: every check, one message over SMTP, recorded once the server has it.
//!
//! The order is the promise: every refusal is collected before anything is asked
//! or connected, and nothing goes out if there is any ([`refusals`]); the guard
//! reads the exact bytes that would go on the wire, signed ones included; the
//! approvals `[approval]` asks for are judged over the content about to go
//! ([`approvals`]); the journal must be writable before the person is asked
//! ([`confirm`]); only then does the mailer connect. Where `[archive]` names the
//! list's archive, it is asked before connecting and watched after ([`archive`]).

mod approvals;
mod archive;
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

use super::report::{checked_or_report, emit_as};
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
    /// "sent", "test-sent", "dry-run", "refused", "aborted", "found-in-archive"
    /// (the archive had it: nothing sent) or "settled-from-archive" (an attempt in
    /// doubt that the archive shows: nothing sent again).
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
    /// Each archive asked, with its answer and how long it took.
    pub archive_lookups: Vec<crate::archive::Lookup>,
    /// Where the archives showed the message.
    pub witnesses: Vec<crate::archive::Witness>,
    /// The reason given to `--no-archive`.
    pub no_archive: Option<String>,
    /// When the attempt settled from the archive was made.
    pub attempted_at: Option<String>,
    /// `--wait`: how long herald waited, and the archives that did not show the
    /// message by then.
    pub waited_seconds: Option<u64>,
    pub not_seen_in: Vec<String>,
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
            archive_lookups: Vec::new(),
            witnesses: Vec::new(),
            no_archive: None,
            attempted_at: None,
            waited_seconds: None,
            not_seen_in: Vec::new(),
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
    let archives = archive::archives(config, send, mailer.is_some())?;
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
    if archive::settle_in_doubt(
        archives.as_ref(),
        &mut journal,
        kind,
        &mut report,
        &mut findings,
    )? {
        return finish(out, options, path, &findings, report, None);
    }
    if let (Some(reason), true) = (&send.no_archive, mailer.is_some() && !test_copy) {
        report.no_archive = Some(reason.clone());
        findings.push(Finding::unlocated(
            Severity::Note,
            "no-archive",
            format!(
                "the list's archive was not asked, as --no-archive says; journaling why: {}",
                crate::controls::escaped(reason)
            ),
        ));
    }
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
    // The content is final: judge its approvals before anything is asked.
    report.approvals = approvals::approval_check(&checked, config, send, message, &mut findings)?;
    let email = signed.as_ref().unwrap_or(&guarded.email);
    report.subject = Some(message.subject.clone());
    report.message_id = Some(email.message_id.clone());
    report.content_hash = Some(message.content_hash.clone());
    report.size_bytes = Some(email.bytes.len());

    let mut exit = None;
    match mailer {
        _ if crate::validate::blocks(&findings) => {}
        None => {
            let file = write_dry_run(path, kind, email)?;
            report.outcome = "dry-run";
            report.dry_run_file = Some(file);
        }
        Some(mailer) => {
            let found = archive::look_before_sending(
                archives.as_ref(),
                !previous.delivered.is_empty(),
                email,
                &message.subject,
                &mut report,
                &mut findings,
                log,
            )?;
            let ready = Ready {
                path,
                send,
                guarded: &guarded,
                email,
                addressing: &addressing,
                told: crate::render::Told::of(&checked.input, kind),
                delivered: &previous.delivered,
            };
            if !found.is_empty() {
                archive::record_found(
                    &mut journal,
                    message,
                    email,
                    &addressing,
                    ready.told,
                    found,
                    &mut report,
                )?;
            } else if confirmed(
                &ready,
                &mailer,
                confirm,
                &mut journal,
                &mut report,
                &mut findings,
                log,
            )? {
                // Watched from before the message goes out (see `archive::Signals`),
                // and only once nobody is asked anything any more.
                let signals = send.wait.then(archive::Signals::watch);
                deliver(&ready, &mailer, &mut journal, &mut report, log)?;
                if let (Some(archives), Some(signals)) = (&archives, &signals) {
                    exit = wait(archives, &mut journal, email, signals, &mut report, log)?;
                }
            }
        }
    }
    finish(out, options, path, &findings, report, exit)
}

/// What a send that passed every check sends, and where.
struct Ready<'a> {
    path: &'a Path,
    send: &'a SendOptions,
    guarded: &'a crate::pipeline::Guarded,
    email: &'a ComposedEmail,
    addressing: &'a Addressing,
    told: crate::render::Told,
    /// Recipients that already have the message.
    delivered: &'a [String],
}

/// Proves the journal writable, shows what is about to go where, and asks the person
/// (unless `--yes`). Returns whether the message may go.
fn confirmed(
    ready: &Ready<'_>,
    mailer: &Mailer,
    confirm: &mut dyn Confirm,
    journal: &mut Journal,
    report: &mut SendReport,
    findings: &mut Vec<Finding>,
    log: &mut dyn Write,
) -> Result<bool, CommandError> {
    let Ready {
        path,
        send,
        guarded,
        email,
        addressing,
        ..
    } = *ready;
    // Nothing is sent that could not be recorded: proved before asking.
    journal.check_writable()?;
    confirm::summary(log, path, send, guarded, email, addressing, mailer.server())?;
    let recipients = addressing.to.len() + addressing.cc.len() + addressing.bcc.len();
    if let Err(refused) = confirm::confirmation(send, confirm, recipients)? {
        if confirm.interactive() && !send.assume_yes {
            report.outcome = "aborted";
        }
        findings.push(refused);
        return Ok(false);
    }
    Ok(true)
}

/// Sends the message, journaling each attempt before the end of its data.
fn deliver(
    ready: &Ready<'_>,
    mailer: &Mailer,
    journal: &mut Journal,
    report: &mut SendReport,
    log: &mut dyn Write,
) -> Result<(), CommandError> {
    let Ready {
        path,
        send,
        guarded,
        email,
        addressing,
        ..
    } = *ready;
    let message = &guarded.message;
    let test_copy = send.test_to.is_some();
    let mut entry = JournalEntry::attempt(message, email, addressing, mailer.server());
    entry.test = test_copy;
    entry.without_pre_announcement = send.without_pre_announcement.clone();
    entry.no_archive = report.no_archive.clone();
    entry.told = Some(ready.told.clone());
    entry.approvals = approvals::relied_on(report.approvals.as_ref());
    let settle = settle_command(path, send.kind);
    let record = Record {
        journal,
        entry: &entry,
        settle: &settle,
    };
    let envelope = remaining_envelope(&email.envelope, ready.delivered);
    let delivery = mailer.send(email, &envelope, Some(record), &mut |line| {
        let _ = writeln!(log, "{line}");
    })?;
    report.outcome = if test_copy { "test-sent" } else { "sent" };
    report.reply = Some(delivery.reply);
    report.attempts = Some(delivery.attempts);
    Ok(())
}

/// `send --wait`: the exit status when the archives did not show the message in
/// time, or a signal stopped the wait; the message went out either way.
fn wait(
    archives: &crate::archive::Archives,
    journal: &mut Journal,
    email: &ComposedEmail,
    signals: &archive::Signals,
    report: &mut SendReport,
    log: &mut dyn Write,
) -> Result<Option<Exit>, CommandError> {
    Ok(
        match archive::wait_until_seen(archives, journal, &email.message_id, signals, report, log)?
        {
            archive::Waited::Seen => None,
            archive::Waited::NotSeen => Some(Exit::NotYetSeen),
            archive::Waited::Interrupted(signal) => {
                writeln!(
                    log,
                    "interrupted by {} while waiting for the archive: the message WAS sent, and the journal records it as sent ({}); it was not yet seen in every archive",
                    crate::deliver::signal_name(signal),
                    email.message_id
                )?;
                Some(Exit::Interrupted(signal))
            }
        },
    )
}

/// Reports the send in the chosen format; `exit` as for [`emit_as`].
fn finish(
    out: &mut dyn Write,
    options: &Options,
    path: &Path,
    findings: &[Finding],
    report: SendReport,
    exit: Option<Exit>,
) -> Result<Exit, CommandError> {
    let text_report = report.clone();
    let kind = report.kind.unwrap_or(MessageKind::Announcement);
    emit_as(out, options, path, findings, exit, report, |out| {
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
    let journal = report.journal.as_deref().unwrap_or_default();
    let links = |out: &mut dyn Write| -> std::io::Result<()> {
        for witness in &report.witnesses {
            writeln!(out, "  {}", witness.link)?;
        }
        Ok(())
    };
    match report.outcome {
        "sent" => {
            writeln!(
                out,
                "sent the {kind}: {subject} ({message_id}); server replied {reply}; recorded in {journal}"
            )?;
            if let Some(waited) = report.waited_seconds {
                match report.not_seen_in.is_empty() {
                    true => writeln!(out, "seen in the list's archive within {waited} s:")?,
                    false => writeln!(
                        out,
                        "not yet seen in {} after {waited} s (wait_seconds); the message was sent, and the journal records it as sent{}",
                        report.not_seen_in.join(" and "),
                        if report.witnesses.is_empty() { "" } else { "; seen in:" }
                    )?,
                }
            }
            links(out)
        }
        "found-in-archive" => {
            writeln!(
                out,
                "the list's archive already has the {kind} ({message_id}): sent nothing, and recorded it as sent in {journal}, with the archive as witness:"
            )?;
            links(out)
        }
        "settled-from-archive" => {
            writeln!(
                out,
                "the {kind} attempted at {} and in doubt is in the list's archive ({message_id}): recorded it as sent in {journal}, and sent nothing again:",
                report.attempted_at.as_deref().unwrap_or_default()
            )?;
            links(out)
        }
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
