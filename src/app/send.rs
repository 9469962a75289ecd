//! `herald send`: every check, one message over SMTP, recorded once the server has it.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;

use super::{checked_or_report, compose_guarded, emit, load_config, AppError, Options};
use crate::config::{self, Config};
use crate::deliver::journal::{AttemptState, Journal, JournalEntry, JournalLock, Previous};
use crate::deliver::{is_loopback, Mailer};
use crate::english::count;
use crate::plan::{MessageKind, Necessity};
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
}

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
    /// "sent", "dry-run", "refused" or "aborted".
    pub outcome: &'static str,
    pub kind: Option<MessageKind>,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub bcc: Vec<String>,
    pub message_id: Option<String>,
    pub content_hash: Option<String>,
    pub size_bytes: Option<usize>,
    pub server: Option<String>,
    pub reply: Option<String>,
    pub attempts: Option<u64>,
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
            bcc: Vec::new(),
            message_id: None,
            content_hash: None,
            size_bytes: None,
            server: None,
            reply: None,
            attempts: None,
            dry_run_file: None,
            journal: None,
        }
    }
}

fn refusal(rule: &'static str, message: String) -> Finding {
    Finding::unlocated(Severity::Violation, rule, message)
}

/// The configuration `send` needs, with a clear error when it is missing.
fn send_config(options: &Options) -> Result<Config, AppError> {
    load_config(options)?.ok_or_else(|| {
        AppError::Usage(format!(
            "send needs a configuration: give --config FILE or create {} in the working directory (see the README)",
            config::DEFAULT_CONFIG
        ))
    })
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
    let config = send_config(options)?;
    let smtp = config.smtp.clone().ok_or_else(|| {
        AppError::Usage(format!(
            "{}: the configuration has no [smtp] table; send needs one (see the README)",
            config.path.display()
        ))
    })?;
    // Checked now, before anything else, though it connects only when sending.
    let mailer = if send.dry_run {
        None
    } else {
        Some(Mailer::new(
            &smtp,
            config.ca_file().as_deref(),
            std::env::var(config::PASSWORD_VARIABLE).ok(),
        )?)
    };
    let clock = chrono::Local::now().date_naive();
    if !send.dry_run && options.today != clock && !is_loopback(&smtp.host) {
        return Err(AppError::Usage(format!(
            "today is {clock} by the clock, but --today or HERALD_TODAY says {}; a real send judges the day by the clock (unset HERALD_TODAY, drop --today, or use --dry-run)",
            options.today
        )));
    }

    let addressing = config.addressing(kind);
    let mut report = SendReport {
        kind: Some(kind),
        from: Some(addressing.from.clone()),
        to: addressing.to.clone(),
        bcc: addressing.bcc.clone(),
        server: Some(format!("{}:{} ({})", smtp.host, smtp.port(), smtp.tls)),
        ..SendReport::default()
    };
    let mut findings: Vec<Finding> = checked
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Note)
        .cloned()
        .collect();
    match checked.plan.message(kind).filter(|m| m.due) {
        None => findings.push(refusal(
            "not-due",
            match checked.plan.message(kind) {
                Some(_) => format!("this release has no {kind} to send: it is optional and no release.pre_announcement date is planned"),
                None => format!("this release has no {kind} to send: no fix is on the private or urgent track, and such releases are not pre-announced"),
            },
        )),
        Some(planned) => {
            if let Some(why) = planned.send_blocker(checked.plan.release_day, options.today) {
                findings.push(refusal("not-sendable-today", why));
            }
        }
    }

    // From here until the outcome is recorded, no other send of this release runs. A
    // dry run sends nothing, so it neither waits for nor blocks a real send.
    let _lock = match send.dry_run {
        true => None,
        false => Some(JournalLock::acquire(path)?),
    };
    let mut journal = Journal::open(path)?;
    report.journal = Some(journal.path().display().to_string());
    let settle = settle_command(path, kind);
    if let Some(entry) = journal.in_doubt(kind) {
        findings.push(refusal(
            "in-doubt",
            format!(
                "an earlier attempt to send this {kind} is in doubt: its data went to {} at {} and no answer was recorded, so the list may or may not have it. herald will not guess. Look for Message-ID {} in the list archive, then record what you found with `{settle} --sent` or `{settle} --not-sent`",
                entry.server, entry.attempted_at, entry.message_id
            ),
        ));
    }
    let rendered = crate::render::render_message(&checked.input, kind, &checked.templates)?;
    let rendered_hash = rendered.content_hash.clone();
    let mut resend = 0;
    match journal.previous(kind, &rendered_hash) {
        Previous::NotSent => {}
        Previous::SameSent(entry) if !send.resend => findings.push(refusal(
            "already-sent",
            format!(
                "this {kind} was already sent at {} ({}); pass --resend to send it again",
                entry.last_change(), entry.message_id
            ),
        )),
        Previous::SameSent(_) => resend = journal.times_sent(kind, &rendered_hash),
        Previous::ChangedSinceSent(entry) if !send.resend => findings.push(refusal(
            "changed-since-sent",
            format!(
                "a {kind} was already sent at {} ({}), and this one has changed since (content {} -> {}); pass --resend to send the changed message too",
                entry.last_change(),
                entry.message_id,
                short_hash(&entry.content_hash),
                short_hash(&rendered_hash)
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

    let guarded = compose_guarded(&checked, rendered, &addressing, SystemTime::now(), resend)?;
    findings.extend(crate::guard::leak_findings(kind, &guarded.leaks));
    let message = &guarded.message;
    let email = &guarded.email;
    report.subject = Some(message.subject.clone());
    report.message_id = Some(email.message_id.clone());
    report.content_hash = Some(rendered_hash.clone());
    report.size_bytes = Some(email.bytes.len());

    let blocked = crate::validate::exit_code(&findings) > 0;
    if !blocked && mailer.is_some() {
        // Nothing is sent that could not be recorded: proved before asking or connecting.
        journal.check_writable()?;
    }
    if !blocked && send.dry_run {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{kind}.dry-run.eml"));
        let file = path.with_file_name(name);
        std::fs::write(&file, &email.bytes)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
        report.outcome = "dry-run";
        report.dry_run_file = Some(file.display().to_string());
    }
    if let (false, Some(mailer)) = (blocked, mailer) {
        write!(
            log,
            "About to send the {kind} of {}:\n  Subject: {}\n  From: {}\n  To: {}\n  Bcc: {}\n  Size: {} bytes (text {} bytes, HTML {} bytes)\n  Server: {}\n",
            path.display(),
            message.subject,
            addressing.from,
            addressing.to.join(", "),
            if addressing.bcc.is_empty() { "none".to_string() } else { addressing.bcc.join(", ") },
            email.bytes.len(),
            message.text.len(),
            message.html.len(),
            report.server.as_deref().unwrap_or_default(),
        )?;
        let recipients = count(
            addressing.to.len() + addressing.bcc.len(),
            "recipient",
            "recipients",
        );
        let confirmed = if send.assume_yes {
            true
        } else if !confirm.interactive() {
            findings.push(refusal(
                "not-confirmed",
                "standard input is not a terminal, so nobody can confirm; pass --yes to send non-interactively".to_string(),
            ));
            false
        } else if confirm
            .ask(&format!("Type \"send\" to send it to {recipients}: "))?
            .trim()
            == "send"
        {
            true
        } else {
            findings.push(refusal(
                "not-confirmed",
                "not confirmed at the prompt; nothing was sent".to_string(),
            ));
            report.outcome = "aborted";
            false
        };
        if confirmed {
            let envelope = email.message.envelope();
            let entry = JournalEntry {
                kind,
                state: AttemptState::InDoubt,
                message_id: email.message_id.clone(),
                content_hash: rendered_hash.clone(),
                subject: message.subject.clone(),
                server: mailer.server().to_string(),
                envelope_from: envelope.from().map(ToString::to_string).unwrap_or_default(),
                recipients: envelope.to().iter().map(ToString::to_string).collect(),
                to: addressing.to.clone(),
                cc: Vec::new(),
                bcc: addressing.bcc.clone(),
                attempted_at: String::new(),
                answered_at: None,
                server_reply: None,
                settled: None,
            };
            let delivery = mailer.send(email, &mut journal, &entry, &settle, &mut |line| {
                let _ = writeln!(log, "{line}");
            })?;
            report.outcome = "sent";
            report.reply = Some(delivery.reply);
            report.attempts = Some(delivery.attempts);
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
            "dry-run" => writeln!(
                out,
                "dry run: wrote the message to {}; connected to nothing",
                text_report.dry_run_file.as_deref().unwrap_or_default()
            )?,
            _ => writeln!(out, "did not send the {kind}:")?,
        }
        Ok(())
    })
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
