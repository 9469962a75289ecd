//! The commands: each runs the stages it needs and reports in text or JSON.
//!
//! Exit codes: 0 clean or sent, 1 policy violation or a send refused, 2 unusable
//! input or configuration, 3 delivery failed, 4 sent but not recorded, 5 in doubt.

pub mod drafts;
mod out_dir;
pub mod preview;
mod send;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

pub use send::{send, Confirm, SendOptions, SendReport};

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::{self, Config};
use crate::deliver::journal::{Journal, JournalError};
use crate::guard::{self, Embargo, Leak};
use crate::load::{load_release, LoadError, LoadedRelease};
use crate::plan::{plan, MessageKind, Necessity, Plan, PlannedMessage};
use crate::render::{self, Addressing, ComposedEmail, RenderedMessage, Templates};
use crate::validate::{self, Finding, Severity};
use drafts::Draft;

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
    /// Whether diagnostics on standard error are coloured (`--color`, `NO_COLOR`).
    pub color: bool,
}

/// An error that stops a command before it can report findings.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    /// The command cannot run as asked: a missing configuration, a wrong option.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Osv(#[from] crate::osv::OsvError),
    #[error(transparent)]
    Deliver(Box<crate::deliver::DeliverError>),
}

impl From<crate::deliver::DeliverError> for AppError {
    fn from(error: crate::deliver::DeliverError) -> Self {
        AppError::Deliver(Box::new(error))
    }
}

impl AppError {
    /// The exit code: 1 when another send holds the journal, 2 for unusable input or
    /// setup, and the delivery's own codes (see [`crate::deliver::DeliverError`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Deliver(e) => e.exit_code(),
            AppError::Journal(JournalError::Locked { .. }) => 1,
            _ => 2,
        }
    }
}

/// A release after the checking stages: loaded, validated, planned, with the
/// templates and the embargo matcher its messages are rendered and guarded with.
pub struct Checked {
    pub input: LoadedRelease,
    pub findings: Vec<Finding>,
    pub plan: Plan,
    pub templates: Templates,
    /// The matcher over the embargoed details, built the first time a
    /// pre-announcement is guarded (see [`Checked::embargo`]).
    embargo: OnceLock<Embargo>,
    /// The configuration, read at most once per command (see [`Checked::config`]).
    config: OnceLock<Option<Config>>,
}

impl Checked {
    /// The embargo matcher a message of `kind` is guarded with: the full matcher over
    /// every embargoed detail for a pre-announcement, built once on first use; for any
    /// other message, where only track labels count, one with no details at all.
    pub fn embargo(&self, kind: MessageKind) -> &Embargo {
        static LABELS_ONLY: OnceLock<Embargo> = OnceLock::new();
        match kind {
            MessageKind::PreAnnouncement => self
                .embargo
                .get_or_init(|| Embargo::with_wording(&self.input, self.templates.wording())),
            _ => LABELS_ONLY.get_or_init(Embargo::labels_only),
        }
    }

    /// The configuration (`--config`, else `herald.toml` here if it exists), read the
    /// first time a stage needs it and kept for the rest of the command.
    pub fn config(&self, options: &Options) -> Result<Option<&Config>, AppError> {
        if let Some(config) = self.config.get() {
            return Ok(config.as_ref());
        }
        let loaded = load_config(options)?;
        Ok(self.config.get_or_init(|| loaded).as_ref())
    }
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
            rule,
            location,
            message,
            excerpt,
        }) => {
            return Ok(Err(vec![Finding {
                severity: Severity::Invalid,
                rule,
                message,
                location: Some(location),
                excerpt: Some(*excerpt),
            }]))
        }
        Err(err) => return Err(err.into()),
    };
    let findings = validate::validate(&input);
    if validate::is_unusable(&findings) {
        return Ok(Err(findings));
    }
    // --templates, else the configuration's `templates`, else the built-in ones.
    let config = OnceLock::new();
    let templates_dir = match &options.templates {
        Some(dir) => Some(dir.clone()),
        None => {
            let loaded = load_config(options)?;
            let dir = loaded.as_ref().and_then(Config::templates_dir);
            let _ = config.set(loaded);
            dir
        }
    };
    let templates = match templates_dir {
        Some(dir) => Templates::with_overrides(&dir)?,
        None => Templates::builtin()?,
    };
    let plan = plan(&input, options.today);
    Ok(Ok(Checked {
        input,
        findings,
        plan,
        templates,
        embargo: OnceLock::new(),
        config,
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

/// A message rendered, composed and guarded.
pub struct Guarded {
    pub message: RenderedMessage,
    pub email: ComposedEmail,
    pub leaks: Vec<Leak>,
}

/// Composes a rendered message as mail dated `date` and runs the embargo guard over
/// the composed bytes, as they leave (headers, text and HTML decoded). `resend` counts earlier sends of
/// the same content (see [`render::compose`]).
pub fn compose_guarded(
    checked: &Checked,
    message: RenderedMessage,
    addressing: &Addressing,
    date: SystemTime,
    resend: usize,
) -> Result<Guarded, AppError> {
    let email = render::compose(&message, addressing, date, resend)?;
    let leaks = guard::check_email(checked.embargo(message.kind), message.kind, &email.bytes);
    Ok(Guarded {
        message,
        email,
        leaks,
    })
}

/// The size of release file from which the stages of a command that can run side by
/// side do so; below it, starting threads costs more than it saves.
pub const PARALLEL_FROM_BYTES: usize = 1 << 20;

/// Renders and guards every message the plan says is due, addressed from the
/// configuration (or with placeholders), and gathers every finding: the file's,
/// the guard's, and the notes on today's date.
fn drafts_with_findings(
    checked: &Checked,
    options: &Options,
) -> Result<(Vec<Draft>, Vec<Finding>), AppError> {
    let config = checked.config(options)?;
    let date = draft_date(options.today);
    let mut notes = Vec::new();
    let project_name = &checked.input.file.project.name;
    let due: Vec<(&PlannedMessage, Addressing)> = checked
        .plan
        .due()
        .map(|planned| {
            let addressing = addressing_for(config, planned.kind, project_name, true, &mut notes);
            (planned, addressing)
        })
        .collect();
    let draft = |(planned, addressing): (&PlannedMessage, Addressing)| {
        let message = render::render_message(&checked.input, planned.kind, &checked.templates)?;
        let guarded = compose_guarded(checked, message, &addressing, date, 0)?;
        Ok(Draft {
            planned: planned.clone(),
            addressing,
            guarded,
        })
    };
    // A large release drafts every message but the last (the announcement, which
    // carries every fix) on threads of their own: building the pre-announcement's
    // guard over thousands of embargoed issues then overlaps with rendering the
    // announcement. The announcement stays on this thread, whose heap keeps its
    // freed blocks for reuse (see `main`); another thread's would map and unmap
    // each one. A small release is faster without threads.
    let drafts = if checked.input.source.text().len() >= PARALLEL_FROM_BYTES && due.len() > 1 {
        let mut due = due;
        let last = due.pop();
        std::thread::scope(|scope| {
            let others: Vec<_> = due
                .into_iter()
                .map(|due| scope.spawn(move || draft(due)))
                .collect();
            let last = last.map(draft);
            others
                .into_iter()
                .map(|thread| {
                    thread
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .chain(last)
                .collect::<Result<Vec<Draft>, AppError>>()
        })?
    } else {
        due.into_iter()
            .map(draft)
            .collect::<Result<Vec<Draft>, AppError>>()?
    };
    let mut findings = checked.findings.clone();
    findings.extend(
        drafts
            .iter()
            .flat_map(|d| guard::leak_findings(d.planned.kind, &d.guarded.leaks)),
    );
    findings.extend(checked.plan.notes.iter().cloned());
    findings.extend(notes);
    Ok((drafts, findings))
}

/// The addressing of a `kind` message for drafts and dry runs: the configuration's,
/// with placeholders under `.invalid` (which can never be delivered) for what it
/// lacks, and a note saying so. With no configuration at all, drafts take the
/// placeholders silently (`quiet_without_config`); a dry run says so.
pub(crate) fn addressing_for(
    config: Option<&Config>,
    kind: crate::plan::MessageKind,
    project_name: &str,
    quiet_without_config: bool,
    notes: &mut Vec<Finding>,
) -> Addressing {
    let placeholder = config::placeholder_addressing(project_name);
    let Some(config) = config else {
        if !quiet_without_config {
            notes.push(Finding::unlocated(
                Severity::Note,
                "placeholder-addresses",
                format!(
                    "no configuration (--config FILE or {}): the {kind} is addressed from {} to the placeholder {}",
                    config::DEFAULT_CONFIG,
                    placeholder.from,
                    placeholder.to.join(", ")
                ),
            ));
        }
        return placeholder;
    };
    let addressing = config.addressing(kind);
    if !addressing.to.is_empty() {
        return addressing;
    }
    notes.push(Finding::unlocated(
        Severity::Note,
        "placeholder-addresses",
        format!(
            "{} has no [recipients.{kind}] to = [...]; the {kind} is addressed to the placeholder {} and could not be sent as it is",
            config.path.display(),
            placeholder.to.join(", ")
        ),
    ));
    Addressing {
        to: placeholder.to,
        ..addressing
    }
}

/// The Date header of drafts: noon UTC of `today`, so previews are reproducible.
fn draft_date(today: NaiveDate) -> SystemTime {
    let seconds = today
        .and_hms_opt(12, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp());
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
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
    let written = write_report(out, options, path, findings, exit_code, body, text_body);
    match written {
        // A reader that went away (`herald send … | head`) changes nothing that was done.
        Err(AppError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit_code),
        other => other.map(|()| exit_code),
    }
}

/// The body of [`emit`]: the report in the chosen format.
fn write_report<T: Serialize>(
    out: &mut dyn Write,
    options: &Options,
    path: &Path,
    findings: &[Finding],
    exit_code: i32,
    body: T,
    text_body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), AppError> {
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
            // Data on stdout; findings and the closing status line on stderr.
            text_body(out)?;
            let mut diagnostics = std::io::stderr().lock();
            for finding in findings {
                writeln!(diagnostics, "{}", finding.render(options.color))?;
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
                writeln!(diagnostics, "{summary}")?;
            }
        }
    }
    Ok(())
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
    let (_drafts, findings) = drafts_with_findings(&checked, options)?;
    let clean = findings.is_empty();
    emit(out, options, path, &findings, NoBody {}, |_| {
        if clean {
            let _ = writeln!(std::io::stderr(), "{}: clean", path.display());
        }
        Ok(())
    })
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
    let journal = Journal::open(path)?;

    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(flatten)]
        plan: &'a Plan,
        /// Every attempt the send journal records: sent, in doubt, failed, settled.
        attempts: &'a [crate::deliver::journal::JournalEntry],
    }
    let body = Body {
        plan,
        attempts: &journal.entries,
    };
    emit(out, options, path, &findings, body, |out| {
        let versions = crate::english::spoken_versions(&project.name, &release.version_list());
        let kind = match plan.kind {
            crate::model::ReleaseKind::Minor => "scheduled minor release",
            crate::model::ReleaseKind::Security => "dedicated security release",
        };
        writeln!(
            out,
            "{versions}: {kind} on {} (today is {})",
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
            writeln!(
                out,
                "  {date:<10}  {:<16}  {necessity:<8}  {:<19}  {window}; tracks: {}{timing}",
                message.kind.as_str(),
                message.template,
                if tracks.is_empty() {
                    "none".to_string()
                } else {
                    tracks.join(", ")
                },
            )?;
            for attempt in journal.entries.iter().filter(|e| e.kind == message.kind) {
                writeln!(out, "      {attempt}")?;
            }
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

/// `herald journal settle`: records what a person found about an in-doubt attempt.
pub fn settle(
    path: &Path,
    kind: crate::plan::MessageKind,
    sent: bool,
    by: &str,
    options: &Options,
    out: &mut dyn Write,
) -> Result<i32, AppError> {
    let mut journal = Journal::lock(path)?;
    let settled = journal.settle(kind, sent, by)?;
    #[derive(Serialize)]
    struct Body<'a> {
        journal: String,
        settled: &'a [crate::deliver::journal::JournalEntry],
    }
    let body = Body {
        journal: journal.path().display().to_string(),
        settled: &settled,
    };
    emit(out, options, path, &[], body, |out| {
        for entry in &settled {
            writeln!(out, "settled: {entry}")?;
        }
        Ok(())
    })
}

/// The starter files `herald init` writes, with their names.
const STARTERS: [(&str, &str); 2] = [
    (
        "release.toml",
        include_str!("../../templates/init/release.toml"),
    ),
    (
        "herald.toml",
        include_str!("../../templates/init/herald.toml"),
    ),
];

/// `herald init`: writes a commented `release.toml` and `herald.toml` into `dir`. An
/// existing file is never overwritten: if either exists, nothing is written.
pub fn init(dir: &Path, options: &Options, out: &mut dyn Write) -> Result<i32, AppError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    if let Some(existing) = STARTERS
        .iter()
        .map(|(name, _)| dir.join(name))
        .find(|path| path.symlink_metadata().is_ok())
    {
        return Err(AppError::Usage(format!(
            "{} already exists; herald init never overwrites a file, so nothing was written",
            existing.display()
        )));
    }
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, text) in STARTERS {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            for done in &written {
                let _ = std::fs::remove_file(done);
            }
            return Err(std::io::Error::new(
                e.kind(),
                format!("{}: {e}; nothing was written", path.display()),
            )
            .into());
        }
        written.push(path);
    }
    #[derive(Serialize)]
    struct Body {
        written: Vec<String>,
    }
    let written: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    let text = written.clone();
    let release = dir.join("release.toml");
    emit(out, options, &release, &[], Body { written }, |out| {
        for path in &text {
            writeln!(out, "wrote {path}")?;
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
    let checked = match checked_or_report::<drafts::DraftsReport>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let (drafts, findings) = drafts_with_findings(&checked, options)?;
    let journal = Journal::open(path)?;
    let report = drafts::write(
        &checked,
        &drafts,
        &findings,
        &journal,
        out_dir,
        options.today,
        checked
            .config(options)?
            .and_then(|c| c.signing.as_ref().map(|s| s.mode)),
    )?;
    let text_report = report.clone();
    emit(out, options, path, &findings, report, |out| {
        for note in text_report.notes() {
            let _ = writeln!(std::io::stderr(), "{note}");
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
) -> Result<i32, AppError> {
    #[derive(Serialize, Default)]
    struct Message {
        kind: Option<crate::plan::MessageKind>,
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
        issues: &'a [u64],
        packages: &'a [String],
        /// The release versions it ships in; absent when it ships in all of them.
        versions: Option<&'a [String]>,
        title: &'a str,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        written: bool,
        imported: Vec<Entry<'a>>,
        appended: &'a str,
    }
    let report = crate::osv::import_osv(path, files, import)?;
    let body = Body {
        written: report.written,
        imported: report
            .imported
            .iter()
            .map(|i| Entry {
                osv_id: &i.osv_id,
                osv_file: i.osv_file.display().to_string(),
                cves: &i.cves,
                issues: &i.issues,
                packages: &i.packages,
                versions: i.versions.as_deref(),
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
