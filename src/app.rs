//! The commands: each runs the stages it needs and reports in text or JSON.
//!
//! Exit codes: 0 clean, 1 policy violation (or a message that must not go out),
//! 2 unusable input or configuration.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::{self, Config};
use crate::load::{load_release, LoadError, LoadedRelease};
use crate::plan::{plan, MessageKind, Necessity, Plan};
use crate::render::{self, Addressing, RenderedMessage, Templates};
use crate::validate::{self, Finding, Severity};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON document on standard output, for CI.
    Json,
}

/// Options every command takes.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    /// `--config`; without it `herald.toml` in the working directory, if there is one.
    pub config: Option<PathBuf>,
    /// `--templates DIR`: overrides of the built-in templates.
    pub templates: Option<PathBuf>,
    /// Today's date, from `--today`, `HERALD_TODAY` or the clock.
    pub today: NaiveDate,
}

/// An error that stops a command before it can report findings.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Deliver(#[from] crate::deliver::DeliverError),
}

impl AppError {
    /// The exit code: every such error means the input or setup is unusable.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Deliver(e) => e.exit_code(),
            _ => 2,
        }
    }
}

/// A release after the checking stages: loaded, validated, planned.
pub struct Checked {
    pub input: LoadedRelease,
    pub findings: Vec<Finding>,
    pub plan: Plan,
    pub templates: Templates,
}

/// Runs load → validate → plan and loads the templates. Findings that make the input
/// unusable are returned as the error side, ready to report.
pub fn check_release(
    path: &Path,
    options: &Options,
) -> Result<Result<Checked, Vec<Finding>>, AppError> {
    let input = match load_release(path) {
        Ok(input) => input,
        Err(LoadError::Invalid {
            location,
            message,
            excerpt,
        }) => {
            return Ok(Err(vec![Finding {
                severity: Severity::Invalid,
                rule: "schema",
                message,
                location: Some(location),
                excerpt: Some(excerpt),
            }]))
        }
        Err(err) => return Err(err.into()),
    };
    let findings = validate::validate(&input);
    if validate::is_unusable(&findings) {
        return Ok(Err(findings));
    }
    let templates = match &options.templates {
        Some(dir) => Templates::with_overrides(dir)?,
        None => Templates::builtin()?,
    };
    let plan = plan(&input, options.today);
    Ok(Ok(Checked {
        input,
        findings,
        plan,
        templates,
    }))
}

/// Loads the configuration: `--config`, else `herald.toml` here if it exists.
pub fn load_config(options: &Options) -> Result<Option<Config>, AppError> {
    let path = match &options.config {
        Some(path) => path.clone(),
        None if Path::new(config::DEFAULT_CONFIG).exists() => PathBuf::from(config::DEFAULT_CONFIG),
        None => return Ok(None),
    };
    Ok(Some(Config::load(&path)?))
}

/// A message rendered and guarded.
pub struct Guarded {
    pub message: RenderedMessage,
    pub leaks: Vec<crate::guard::Leak>,
}

/// Renders the message of `kind` and runs the embargo guard over it, headers included.
pub fn render_guarded(
    checked: &Checked,
    kind: MessageKind,
    addressing: &Addressing,
) -> Result<Guarded, AppError> {
    let message = render::render_message(&checked.input, kind, &checked.templates)?;
    let embargo = crate::guard::Embargo::new(&checked.input);
    let headers = header_text(addressing);
    let leaks = crate::guard::check_message(&embargo, &message, &headers);
    Ok(Guarded { message, leaks })
}

fn header_text(addressing: &Addressing) -> String {
    let mut headers = format!(
        "From: {}\nTo: {}\n",
        addressing.from,
        addressing.to.join(", ")
    );
    if let Some(reply_to) = &addressing.reply_to {
        headers.push_str(&format!("Reply-To: {reply_to}\n"));
    }
    headers
}

/// Turns embargo leaks into violations.
pub fn leak_findings(kind: MessageKind, leaks: &[crate::guard::Leak]) -> Vec<Finding> {
    leaks
        .iter()
        .map(|leak| {
            Finding::unlocated(
                Severity::Violation,
                "embargo",
                format!("the {kind} leaks an embargoed detail: {leak}"),
            )
        })
        .collect()
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    file: String,
    status: &'static str,
    exit_code: i32,
    findings: &'a [Finding],
    #[serde(flatten)]
    body: T,
}

fn status(exit_code: i32) -> &'static str {
    match exit_code {
        0 => "clean",
        1 => "violations",
        _ => "unusable",
    }
}

/// Prints a command's result: JSON as one document, text as findings then `text_body`.
fn emit<T: Serialize>(
    out: &mut dyn Write,
    options: &Options,
    path: &Path,
    findings: &[Finding],
    body: T,
    text_body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<i32, AppError> {
    let exit_code = validate::exit_code(findings);
    match options.format {
        Format::Json => {
            let envelope = Envelope {
                file: path.display().to_string(),
                status: status(exit_code),
                exit_code,
                findings,
                body,
            };
            serde_json::to_writer_pretty(&mut *out, &envelope).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Text => {
            text_body(out)?;
            for finding in findings {
                writeln!(out, "{finding}")?;
            }
            let summary = match exit_code {
                0 => format!(
                    "{}: clean; the notes above do not change the exit code",
                    path.display()
                ),
                1 => format!("{}: policy violations", path.display()),
                _ => format!(
                    "{}: unusable input; nothing was rendered or sent",
                    path.display()
                ),
            };
            if !findings.is_empty() {
                writeln!(out, "{summary}")?;
            }
        }
    }
    Ok(exit_code)
}

#[derive(Serialize, Default)]
struct NoBody {}

/// Runs the checking stages. When the input is unusable, reports it (with an empty
/// body of the command's shape) and returns the exit code as the error side.
fn checked_or_report<B: Serialize + Default>(
    path: &Path,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Result<Checked, i32>, AppError> {
    match check_release(path, options)? {
        Ok(checked) => Ok(Ok(checked)),
        Err(findings) => emit(out, options, path, &findings, B::default(), |_| Ok(())).map(Err),
    }
}

/// `herald check`: validation, policy, and the embargo guard over the pre-announcement.
pub fn check(path: &Path, options: &Options, out: &mut dyn Write) -> Result<i32, AppError> {
    let checked = match checked_or_report::<NoBody>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let mut findings = checked.findings.clone();
    let config = load_config(options)?;
    for planned in checked.plan.due() {
        let addressing = addressing_for(config.as_ref(), &checked, planned.kind);
        let guarded = render_guarded(&checked, planned.kind, &addressing)?;
        findings.extend(leak_findings(planned.kind, &guarded.leaks));
    }
    findings.extend(checked.plan.notes.iter().cloned());
    emit(out, options, path, &findings, NoBody {}, |out| {
        if findings.is_empty() {
            writeln!(out, "{}: clean", path.display())?;
        }
        Ok(())
    })
}

/// The addressing of a message: from the configuration, or placeholders for drafts.
pub fn addressing_for(config: Option<&Config>, checked: &Checked, kind: MessageKind) -> Addressing {
    match config {
        Some(config) => config.addressing(kind),
        None => config::placeholder_addressing(&checked.input.file.project.name),
    }
}

/// `herald plan`: the timeline of messages.
pub fn plan_command(path: &Path, options: &Options, out: &mut dyn Write) -> Result<i32, AppError> {
    let checked = match checked_or_report::<NoBody>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let mut findings = checked.findings.clone();
    findings.extend(checked.plan.notes.iter().cloned());
    let plan = &checked.plan;
    let release = &checked.input.file.release;
    let project = &checked.input.file.project;
    let journal =
        crate::journal::Journal::open(path).map_err(|e| AppError::Usage(e.to_string()))?;

    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(flatten)]
        plan: &'a Plan,
        /// What the send journal says already went out.
        sent: &'a [crate::journal::JournalEntry],
    }
    let body = Body {
        plan,
        sent: &journal.entries,
    };
    emit(out, options, path, &findings, body, |out| {
        let versions: Vec<String> = release
            .version_list()
            .iter()
            .map(|v| format!("{} {v}", project.name))
            .collect();
        let kind = match plan.kind {
            crate::model::ReleaseKind::Minor => "scheduled minor release",
            crate::model::ReleaseKind::Security => "dedicated security release",
        };
        writeln!(
            out,
            "{}: {kind} on {} (today is {})",
            versions.join(", "),
            plan.release_day.format("%A %Y-%m-%d"),
            options.today
        )?;
        for message in &plan.messages {
            let date = message
                .date
                .map_or_else(|| "(no date)".to_string(), |d| d.to_string());
            let necessity = match message.necessity {
                Necessity::Required => "required",
                Necessity::Optional => "optional",
            };
            let window = match message.window.latest {
                Some(latest) => format!("may go out {} to {}", message.window.earliest, latest),
                None => format!("may go out from {}", message.window.earliest),
            };
            let timing = match message.date {
                Some(date) if date < message.window.earliest => " — EARLY: before its window",
                Some(date) if message.window.latest.is_some_and(|l| date > l) => {
                    " — LATE: after its window"
                }
                None if message.necessity == Necessity::Required => {
                    " — NOT PLANNED: give release.pre_announcement"
                }
                None => " — not planned; will not be drafted",
                _ => "",
            };
            let tracks: Vec<&str> = message.tracks.iter().map(|t| t.as_str()).collect();
            let sent = journal
                .entries
                .iter()
                .rfind(|e| e.kind == message.kind.as_str())
                .map_or_else(String::new, |e| format!(" — SENT at {}", e.sent_at));
            writeln!(
                out,
                "  {date:<10}  {:<16}  {necessity:<8}  {:<19}  {window}; tracks: {}{timing}{sent}",
                message.kind.as_str(),
                message.template,
                if tracks.is_empty() {
                    "none".to_string()
                } else {
                    tracks.join(", ")
                },
            )?;
        }
        for o in &plan.overrides {
            writeln!(
                out,
                "  track override: issue {} is on the {} track: {}",
                o.issue,
                o.track,
                if o.reason.trim().is_empty() {
                    "(no reason given)"
                } else {
                    &o.reason
                }
            )?;
        }
        Ok(())
    })
}

/// `herald history`: the release-history line of each version.
pub fn history(path: &Path, options: &Options, out: &mut dyn Write) -> Result<i32, AppError> {
    #[derive(Serialize, Default)]
    struct Body {
        lines: Vec<render::HistoryLine>,
    }
    let checked = match checked_or_report::<Body>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let lines = render::history(&checked.input, &checked.templates)?;
    let text: Vec<String> = lines.iter().map(|l| l.line.clone()).collect();
    let findings: Vec<Finding> = checked.findings.clone();
    emit(out, options, path, &findings, Body { lines }, |out| {
        for line in &text {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
}

/// `herald render`: drafts of every due message, written to `out_dir` or printed.
pub fn render_command(
    path: &Path,
    out_dir: Option<&Path>,
    options: &Options,
    out: &mut dyn Write,
) -> Result<i32, AppError> {
    let checked = match checked_or_report::<crate::drafts::DraftsReport>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let config = load_config(options)?;
    let mut findings = checked.findings.clone();
    let mut drafts = Vec::new();
    for planned in checked.plan.due() {
        let addressing = addressing_for(config.as_ref(), &checked, planned.kind);
        let guarded = render_guarded(&checked, planned.kind, &addressing)?;
        findings.extend(leak_findings(planned.kind, &guarded.leaks));
        drafts.push(crate::drafts::Draft {
            planned: planned.clone(),
            addressing,
            guarded,
        });
    }
    findings.extend(checked.plan.notes.iter().cloned());
    let report = crate::drafts::write(&checked, &drafts, &findings, out_dir, options.today)?;
    let text_report = report.clone();
    emit(out, options, path, &findings, report, |out| {
        match out_dir {
            Some(_) => text_report.print_summary(out)?,
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

/// What `herald send` was asked to do.
#[derive(Debug, Clone)]
pub struct SendOptions {
    pub kind: MessageKind,
    /// `--yes`: do not ask.
    pub assume_yes: bool,
    /// `--dry-run`: write the bytes, connect nowhere.
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
    pub attempts: Option<u32>,
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

/// `herald send`: every check, then one message over SMTP, journaled once accepted.
pub fn send(
    path: &Path,
    send: &SendOptions,
    options: &Options,
    confirm: &mut dyn Confirm,
    out: &mut dyn Write,
    log: &mut dyn Write,
) -> Result<i32, AppError> {
    let kind = send.kind;
    let mut report = SendReport {
        kind: Some(kind),
        ..SendReport::default()
    };
    let checked = match checked_or_report::<SendReport>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let mut findings: Vec<Finding> = checked
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Note)
        .cloned()
        .collect();
    let config = load_config(options)?.ok_or_else(|| {
        AppError::Usage(format!(
            "send needs a configuration: give --config FILE or create {} in the working directory (see the README)",
            config::DEFAULT_CONFIG
        ))
    })?;
    let smtp = config.smtp.clone().ok_or_else(|| {
        AppError::Usage("the configuration has no [smtp] table; send needs one".to_string())
    })?;
    let addressing = config.addressing(kind);
    report.from = Some(addressing.from.clone());
    report.to = addressing.to.clone();
    report.bcc = addressing.bcc.clone();

    let planned = checked.plan.message(kind).filter(|m| m.due);
    match planned {
        None => findings.push(refusal(
            "not-due",
            format!("this release has no {kind} to send: {}", match (kind, checked.plan.message(kind)) {
                (MessageKind::PreAnnouncement, None) => "no fix is on the private or urgent track, and such releases are not pre-announced".to_string(),
                (_, Some(_)) => "it is optional and no release.pre_announcement date is planned".to_string(),
                _ => "the plan does not include it".to_string(),
            }),
        )),
        Some(planned) => {
            if let Some(why) = planned.send_blocker(checked.plan.release_day, options.today) {
                findings.push(refusal("not-sendable-today", why));
            }
        }
    }
    let guarded = render_guarded(&checked, kind, &addressing)?;
    findings.extend(leak_findings(kind, &guarded.leaks));
    let message = &guarded.message;
    let email = render::compose(message, &addressing, std::time::SystemTime::now())?;
    let content_hash = message.content_hash();
    report.subject = Some(message.subject.clone());
    report.message_id = Some(email.message_id.clone());
    report.content_hash = Some(content_hash.clone());
    report.size_bytes = Some(email.bytes.len());

    let mut journal =
        crate::journal::Journal::open(path).map_err(|e| AppError::Usage(e.to_string()))?;
    report.journal = Some(journal.path().display().to_string());
    match journal.previous(kind, &content_hash) {
        crate::journal::Previous::NotSent => {}
        crate::journal::Previous::SameSent(entry) if !send.resend => findings.push(refusal(
            "already-sent",
            format!("this {kind} was already sent at {} ({}); pass --resend to send it again", entry.sent_at, entry.message_id),
        )),
        crate::journal::Previous::ChangedSinceSent(entry) if !send.resend => findings.push(refusal(
            "changed-since-sent",
            format!(
                "a {kind} was already sent at {} ({}), and this one has changed since (content {} -> {}); pass --resend to send the changed message too",
                entry.sent_at,
                entry.message_id,
                &entry.content_hash[..12.min(entry.content_hash.len())],
                &content_hash[..12]
            ),
        )),
        _ => {}
    }
    let mailer = if send.dry_run {
        None
    } else {
        let password = std::env::var(config::PASSWORD_VARIABLE).ok();
        Some(crate::deliver::Mailer::new(
            &smtp,
            config.ca_file().as_deref(),
            password,
        )?)
    };
    report.server = Some(format!("{}:{} ({})", smtp.host, smtp.port(), smtp.tls));

    let blocked = validate::exit_code(&findings) > 0;
    if !blocked && send.dry_run {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{kind}.dry-run.eml"));
        let file = path.with_file_name(name);
        std::fs::write(&file, &email.bytes)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
        report.outcome = "dry-run";
        report.dry_run_file = Some(file.display().to_string());
    }
    if !blocked && !send.dry_run {
        let summary = format!(
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
        );
        write!(log, "{summary}")?;
        if !send.assume_yes {
            if !confirm.interactive() {
                return Err(AppError::Usage("refusing to send without confirmation: standard input is not a terminal; pass --yes to send non-interactively".to_string()));
            }
            let answer = confirm.ask(&format!(
                "Type \"send\" to send it to {} recipients: ",
                addressing.to.len() + addressing.bcc.len()
            ))?;
            if answer.trim() != "send" {
                report.outcome = "aborted";
                writeln!(log, "not sent")?;
                return emit(out, options, path, &findings, report, |_| Ok(())).map(|_| 1);
            }
        }
        let mailer = mailer.expect("a mailer exists unless this is a dry run");
        let delivery = mailer.send(&email, &mut |line| {
            let _ = writeln!(log, "{line}");
        })?;
        journal
            .record(crate::journal::JournalEntry {
                kind: kind.as_str().to_string(),
                message_id: email.message_id.clone(),
                content_hash: content_hash.clone(),
                subject: message.subject.clone(),
                to: addressing.to.clone(),
                bcc: addressing.bcc.clone(),
                sent_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                server_reply: delivery.reply.clone(),
            })
            .map_err(|e| {
                AppError::Usage(format!(
                    "the message WAS sent, but recording it failed: {e}"
                ))
            })?;
        report.outcome = "sent";
        report.reply = Some(delivery.reply);
        report.attempts = Some(delivery.attempts);
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
                "dry run: wrote the exact message to {}; connected to nothing",
                text_report.dry_run_file.as_deref().unwrap_or_default()
            )?,
            _ => writeln!(out, "refused to send the {kind}:")?,
        }
        Ok(())
    })
}

/// `herald import-osv`: appends `[[security]]` entries from OSV records.
pub fn import_osv(
    path: &Path,
    files: &[PathBuf],
    import: &crate::osv::ImportOptions,
    options: &Options,
    out: &mut dyn Write,
) -> Result<i32, AppError> {
    #[derive(Serialize)]
    struct Entry<'a> {
        osv_id: &'a str,
        osv_file: String,
        cves: &'a [String],
        issue: u64,
        packages: &'a [String],
        title: &'a str,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        written: bool,
        imported: Vec<Entry<'a>>,
        appended: &'a str,
    }
    let report =
        crate::osv::import_osv(path, files, import).map_err(|e| AppError::Usage(e.to_string()))?;
    let body = Body {
        written: report.written,
        imported: report
            .imported
            .iter()
            .map(|i| Entry {
                osv_id: &i.osv_id,
                osv_file: i.osv_file.display().to_string(),
                cves: &i.cves,
                issue: i.issue,
                packages: &i.packages,
                title: &i.title,
            })
            .collect(),
        appended: &report.appended,
    };
    emit(out, options, path, &report.findings, body, |out| {
        for imported in &report.imported {
            writeln!(out, "imported {imported}")?;
        }
        if report.written {
            writeln!(
                out,
                "appended {} [[security]] entries to {}",
                report.imported.len(),
                path.display()
            )?;
        } else {
            writeln!(
                out,
                "dry run: {} is unchanged; it would gain:\n{}",
                path.display(),
                report.appended
            )?;
        }
        Ok(())
    })
}
