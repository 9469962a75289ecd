//! `herald send`: every check, one message over SMTP, recorded once the server has it.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;

use super::{addressing_for, checked_or_report, compose_guarded, emit, AppError, Checked, Options};
use chrono::NaiveDate;

use crate::config::{self, Config};
use crate::controls::escaped;
use crate::deliver::journal::{Journal, JournalEntry, Previous};
use crate::deliver::sign::Signer;
use crate::deliver::{is_loopback, Mailer, Record};
use crate::english::count;
use crate::plan::{MessageKind, Necessity};
use crate::render::{Addressing, RenderedMessage};
use crate::validate::{Finding, Severity};

/// What `herald send` was asked to do.
#[derive(Debug, Clone)]
pub struct SendOptions {
    pub kind: MessageKind,
    /// `--yes`: do not ask.
    pub assume_yes: bool,
    /// `--dry-run`: write the message to a file, connect nowhere.
    pub dry_run: bool,
    /// `--resend`: send although the journal has this kind.
    pub resend: bool,
    /// `--late`: send an announcement more than [`LATE_AFTER_DAYS`] days after the
    /// release day.
    pub late: bool,
    /// `--test-to ADDRESS`: after every check, send a copy marked as a test to this
    /// address only, and journal nothing.
    pub test_to: Option<String>,
}

/// Days after the release day from which an announcement needs `--late`.
pub const LATE_AFTER_DAYS: i64 = 3;

/// How `send` asks the person at the terminal.
pub trait Confirm {
    /// Whether a person can answer (standard input is a terminal).
    fn interactive(&self) -> bool;
    /// Shows `prompt` and returns the answer line.
    fn ask(&mut self, prompt: &str) -> std::io::Result<String>;
}

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
        }
    }
}

fn refusal(rule: &'static str, message: String) -> Finding {
    Finding::unlocated(Severity::Violation, rule, message)
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
) -> Result<i32, AppError> {
    let kind = send.kind;
    let checked = match checked_or_report::<SendReport>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let config = checked.config(options)?;
    // Set up (and so checked) first, though it connects only at the end.
    let mailer = match send.dry_run {
        true => None,
        false => Some(mailer(config, options)?),
    };
    let mut findings: Vec<Finding> = checked
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Note)
        .cloned()
        .collect();
    findings.extend(timing_refusals(&checked, send, options.today));

    let project_name = &checked.input.file.project.name;
    let addressing = match &send.test_to {
        Some(address) => Addressing {
            to: vec![address.clone()],
            cc: Vec::new(),
            bcc: Vec::new(),
            ..addressing_for(config, kind, project_name, false, &mut findings)
        },
        None if mailer.is_none() => {
            addressing_for(config, kind, project_name, false, &mut findings)
        }
        // A real send goes only where the configuration says.
        None => config
            .as_ref()
            .map(|c| c.addressing(kind))
            .filter(|a| !a.to.is_empty())
            .ok_or_else(|| AppError::Usage(format!(
                "no recipients for the {kind}: add a [recipients.{kind}] table with to = [\"list@example.org\"] to the configuration"
            )))?,
    };
    let mut report = SendReport {
        kind: Some(kind),
        from: Some(addressing.from.clone()),
        to: addressing.to.clone(),
        cc: addressing.cc.clone(),
        bcc: addressing.bcc.clone(),
        server: mailer.as_ref().map(|m| m.server().to_string()),
        ..SendReport::default()
    };

    // A test copy is journaled nowhere; a real send holds the journal lock from here
    // until its outcome is recorded. A dry run sends nothing, so it neither waits for
    // nor blocks a real send, but reports what the journal would refuse.
    let journaled = send.test_to.is_none();
    let mut journal = match journaled && mailer.is_some() {
        true => Journal::lock(path)?,
        false => Journal::open(path)?,
    };
    let mut rendered = crate::render::render_message(&checked.input, kind, &checked.templates)?;
    let mut resend = 0;
    if journaled {
        report.journal = Some(journal.path().display().to_string());
        resend = journal_refusals(&journal, &checked, send, &rendered, path, &mut findings);
    } else {
        rendered = rendered.marked_as_test();
    }
    let date = SystemTime::now();
    let guarded = compose_guarded(&checked, rendered, &addressing, date, resend)?;
    findings.extend(crate::guard::leak_findings(kind, &guarded.leaks));
    let message = &guarded.message;
    let blocked = crate::validate::exit_code(&findings) > 0;
    // The guard read the content; a signed message wraps the same content, signed
    // afresh on every send (and dry run), before anything is asked or connected.
    let signed = match config.and_then(|c| c.signing.as_ref()) {
        Some(signing) if !blocked => {
            let signer = Signer::new(signing);
            report.signed = Some(signer.mode());
            Some(signer.sign(message, &addressing, date, resend)?)
        }
        _ => None,
    };
    // The signed bytes are what goes on the wire: guarded again, armor included.
    if let Some(signed) = &signed {
        let leaks = crate::guard::check_email(checked.embargo(kind), kind, &signed.bytes);
        findings.extend(crate::guard::leak_findings(kind, &leaks));
    }
    let blocked = crate::validate::exit_code(&findings) > 0;
    let email = signed.as_ref().unwrap_or(&guarded.email);
    report.subject = Some(message.subject.clone());
    report.message_id = Some(email.message_id.clone());
    report.content_hash = Some(message.content_hash.clone());
    report.size_bytes = Some(email.bytes.len());

    match (blocked, mailer) {
        (true, _) => {}
        (false, None) => {
            let mut name = path.file_name().unwrap_or_default().to_os_string();
            name.push(format!(".{kind}.dry-run.eml"));
            let file = path.with_file_name(name);
            // Whole or not at all: a full disk or a file-size limit leaves the last
            // dry run as it was, never a truncated one under the final name.
            crate::write_atomically(&file, &email.bytes).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}; the dry run was not written", file.display()),
                )
            })?;
            report.outcome = "dry-run";
            report.dry_run_file = Some(file.display().to_string());
        }
        (false, Some(mailer)) => {
            if journaled {
                // Nothing is sent that could not be recorded: proved before asking.
                journal.check_writable()?;
            }
            write!(
                log,
                "About to send {}the {kind} of {}:\n  Subject: {}\n  From: {}\n  To: {}\n  Cc: {}\n  Bcc: {}\n  Size: {} bytes (text {} bytes, HTML {} bytes)\n  Server: {}\n",
                if journaled { "" } else { "a test copy of " },
                path.display(),
                message.subject,
                addressing.from,
                addressing.to.join(", "),
                list_or_none(&addressing.cc),
                list_or_none(&addressing.bcc),
                email.bytes.len(),
                message.text.len(),
                message.html.len(),
                mailer.server(),
            )?;
            let recipients = addressing.to.len() + addressing.cc.len() + addressing.bcc.len();
            match confirmation(send, confirm, recipients)? {
                Err(refused) => {
                    if confirm.interactive() && !send.assume_yes {
                        report.outcome = "aborted";
                    }
                    findings.push(refused);
                }
                Ok(()) if journaled => {
                    let entry = JournalEntry::attempt(message, email, &addressing, mailer.server());
                    let settle = settle_command(path, kind);
                    let record = Record {
                        journal: &mut journal,
                        entry: &entry,
                        settle: &settle,
                    };
                    let delivery = mailer.send(email, Some(record), &mut |line| {
                        let _ = writeln!(log, "{line}");
                    })?;
                    report.outcome = "sent";
                    report.reply = Some(delivery.reply);
                    report.attempts = Some(delivery.attempts);
                }
                Ok(()) => {
                    let delivery = mailer.send(email, None, &mut |line| {
                        let _ = writeln!(log, "{line}");
                    })?;
                    report.outcome = "test-sent";
                    report.reply = Some(delivery.reply);
                    report.attempts = Some(delivery.attempts);
                }
            }
        }
    }
    let text_report = report.clone();
    emit(out, options, path, &findings, report, |out| {
        match text_report.outcome {
            "sent" => writeln!(
                out,
                "sent the {kind}: {} ({}); server replied {}; recorded in {}",
                text_report.subject.as_deref().unwrap_or_default(),
                text_report.message_id.as_deref().unwrap_or_default(),
                text_report.reply.as_deref().unwrap_or_default(),
                text_report.journal.as_deref().unwrap_or_default()
            )?,
            "test-sent" => writeln!(
                out,
                "sent a test copy of the {kind} to {}: {} ({}); server replied {}; nothing was journaled, so the real send is still to come",
                text_report.to.join(", "),
                text_report.subject.as_deref().unwrap_or_default(),
                text_report.message_id.as_deref().unwrap_or_default(),
                text_report.reply.as_deref().unwrap_or_default(),
            )?,
            "dry-run" => writeln!(
                out,
                "dry run: wrote the message to {}; connected to nothing",
                text_report.dry_run_file.as_deref().unwrap_or_default()
            )?,
            _ => {
                let _ = writeln!(std::io::stderr(), "did not send the {kind}:");
            }
        }
        Ok(())
    })
}

/// The SMTP client of a real send, from the configuration's `[smtp]` table, after
/// the check that a real send to a remote host judges the day by the clock.
fn mailer(config: Option<&Config>, options: &Options) -> Result<Mailer, AppError> {
    let config = config.ok_or_else(|| {
        AppError::Usage(format!(
            "send needs a configuration: give --config FILE or create {} in the working directory (see the README); --dry-run works without one",
            config::DEFAULT_CONFIG
        ))
    })?;
    let smtp = config.smtp.as_ref().ok_or_else(|| {
        AppError::Usage(format!(
            "{}: the configuration has no [smtp] table; send needs one (see the README); --dry-run works without one",
            config.path.display()
        ))
    })?;
    let mailer = Mailer::new(
        smtp,
        config.ca_file().as_deref(),
        std::env::var(config::PASSWORD_VARIABLE).ok(),
    )?;
    let clock = chrono::Local::now().date_naive();
    if options.today != clock && !is_loopback(&smtp.host) {
        return Err(AppError::Usage(format!(
            "today is {clock} by the clock, but --today or HERALD_TODAY says {}; a real send judges the day by the clock (unset HERALD_TODAY, drop --today, or use --dry-run)",
            options.today
        )));
    }
    Ok(mailer)
}

/// Refusals that depend on the plan and today: a message not due, a day outside its
/// window, an announcement long after its release day without `--late`.
fn timing_refusals(checked: &Checked, send: &SendOptions, today: NaiveDate) -> Vec<Finding> {
    let kind = send.kind;
    let release_day = checked.plan.release_day;
    let mut refusals = Vec::new();
    match checked.plan.message(kind).filter(|m| m.due) {
        None => refusals.push(refusal(
            "not-due",
            match checked.plan.message(kind) {
                Some(_) => format!("this release has no {kind} to send: it is optional and no release.pre_announcement date is planned"),
                None => format!("this release has no {kind} to send: no fix is on the private or urgent track, and such releases are not pre-announced"),
            },
        )),
        Some(planned) => {
            if let Some(why) = planned.send_blocker(release_day, today) {
                refusals.push(refusal("not-sendable-today", why));
            }
        }
    }
    let days_late = (today - release_day).num_days();
    if kind == MessageKind::Announcement && days_late > LATE_AFTER_DAYS && !send.late {
        refusals.push(refusal(
            "late",
            format!(
                "the release day was {release_day}, {days_late} days ago; an announcement this late is refused in case the date is wrong; pass --late to send it anyway"
            ),
        ));
    }
    refusals
}

/// Refusals from the journal: an attempt in doubt, a message already sent or changed
/// since. Returns how many times this content was sent before (for `--resend`).
fn journal_refusals(
    journal: &Journal,
    checked: &Checked,
    send: &SendOptions,
    rendered: &RenderedMessage,
    path: &Path,
    findings: &mut Vec<Finding>,
) -> usize {
    let kind = send.kind;
    if let Some(entry) = journal.in_doubt(kind) {
        let settle = settle_command(path, kind);
        findings.push(refusal(
            "in-doubt",
            format!(
                "an earlier attempt to send this {kind} is in doubt: its data went to {} at {} and no answer was recorded, so the list may or may not have it. herald will not guess. Look for Message-ID {} in the list archive, then record what you found with `{settle} --sent` or `{settle} --not-sent`",
                escaped(&entry.server), escaped(&entry.attempted_at), escaped(&entry.message_id)
            ),
        ));
    }
    let hash = &rendered.content_hash;
    let mut resend = 0;
    match journal.previous(kind, hash) {
        Previous::NotSent => {}
        Previous::SameSent(entry) if !send.resend => findings.push(refusal(
            "already-sent",
            format!(
                "this {kind} was already sent at {} ({}); pass --resend to send it again",
                escaped(entry.last_change()),
                escaped(&entry.message_id)
            ),
        )),
        Previous::SameSent(_) => resend = journal.times_sent(kind, hash),
        Previous::ChangedSinceSent(entry) if !send.resend => findings.push(refusal(
            "changed-since-sent",
            format!(
                "a {kind} was already sent at {} ({}), and this one has changed since (content {} -> {}); pass --resend to send the changed message too",
                escaped(entry.last_change()),
                escaped(&entry.message_id),
                short_hash(&escaped(&entry.content_hash)),
                short_hash(hash)
            ),
        )),
        Previous::ChangedSinceSent(_) => {}
    }
    if kind == MessageKind::Announcement
        && checked
            .plan
            .message(MessageKind::PreAnnouncement)
            .is_some_and(|m| m.necessity == Necessity::Required)
        && !journal.has_sent(MessageKind::PreAnnouncement)
    {
        findings.push(Finding::unlocated(
            Severity::Note,
            "pre-announcement-not-journaled",
            format!("the journal {} has no record of the pre-announcement this release required; if it went out some other way, ignore this", journal.path().display()),
        ));
    }
    resend
}

/// Asks the person at the terminal, unless `--yes`. The refusal to report, if not.
fn confirmation(
    send: &SendOptions,
    confirm: &mut dyn Confirm,
    recipients: usize,
) -> std::io::Result<Result<(), Finding>> {
    if send.assume_yes {
        return Ok(Ok(()));
    }
    if !confirm.interactive() {
        return Ok(Err(refusal(
            "not-confirmed",
            "standard input is not a terminal, so nobody can confirm; pass --yes to send non-interactively".to_string(),
        )));
    }
    let recipients = count(recipients, "recipient", "recipients");
    let answer = confirm.ask(&format!("Type \"send\" to send it to {recipients}: "))?;
    Ok(match answer.trim() {
        "send" => Ok(()),
        _ => Err(refusal(
            "not-confirmed",
            "not confirmed at the prompt; nothing was sent".to_string(),
        )),
    })
}

fn list_or_none(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

/// The command that settles an in-doubt `kind` of the release at `path`, without
/// `--sent` / `--not-sent`, quoted for a POSIX shell.
pub(crate) fn settle_command(path: &Path, kind: MessageKind) -> String {
    format!(
        "herald journal settle {} --message {kind}",
        shell_quoted(&path.display().to_string())
    )
}

/// `text` as one word for a POSIX shell: as it is when that is safe, else in single
/// quotes.
fn shell_quoted(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The first 12 characters of a content hash, for messages.
fn short_hash(hash: &str) -> String {
    hash.chars().take(12).collect()
}
