//! The stages every command runs before its own work: load, validate and plan the
//! release, load its templates and configuration; then render, compose and guard
//! the messages that are due. Also what every command is given ([`Options`]) and
//! the error that stops one ([`CommandError`]).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use chrono::NaiveDate;

use crate::config::{self, Config};
use crate::deliver::journal::{Journal, JournalError};
use crate::deliver::DeliverError;
use crate::guard::{self, Embargo, Leak};
use crate::load::{load_release, LoadError, LoadedRelease};
use crate::model::{Addressing, MessageKind};
use crate::plan::{plan, Plan, PlannedMessage};
use crate::render::{self, ComposedEmail, RenderedMessage, Templates, Told};
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
    /// `--today` or `HERALD_TODAY`: the day to pretend it is. Without it, the
    /// clock's day in the project's time zone ([`Checked::today`]).
    pub today: Option<NaiveDate>,
    /// Whether diagnostics on standard error are coloured (`--color`, `NO_COLOR`).
    pub color: bool,
}

/// An error that stops a command before it can report findings.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
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
    Deliver(Box<DeliverError>),
    /// Approvals could not be judged or made: a tool missing, a key not found.
    #[error(transparent)]
    Approval(#[from] crate::approval::ApprovalError),
    /// A list archive that could not be asked; `hint` says how to go on without it.
    #[error("{error}{hint}")]
    Archive {
        error: crate::archive::ArchiveError,
        hint: &'static str,
    },
}

impl From<DeliverError> for CommandError {
    fn from(error: DeliverError) -> Self {
        CommandError::Deliver(Box::new(error))
    }
}

/// A release after the checking stages: loaded, validated, planned, with the
/// templates and the embargo matcher its messages are rendered and guarded with.
pub struct Checked {
    pub input: LoadedRelease,
    pub findings: Vec<Finding>,
    pub plan: Plan,
    /// Today: `--today`, else the clock's day in the project's time zone.
    pub today: NaiveDate,
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
    pub fn config(&self, options: &Options) -> Result<Option<&Config>, CommandError> {
        if let Some(config) = self.config.get() {
            return Ok(config.as_ref());
        }
        let loaded = load_config(options, self.input.source.path())?;
        Ok(self.config.get_or_init(|| loaded).as_ref())
    }
}

/// Runs load → validate → plan and loads the templates. Findings that make the input
/// unusable are returned as the error side, ready to report.
pub fn check_release(
    path: &Path,
    options: &Options,
) -> Result<Result<Checked, Vec<Finding>>, CommandError> {
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
            let loaded = load_config(options, path)?;
            let dir = loaded.as_ref().and_then(Config::templates_dir);
            let _ = config.set(loaded);
            dir
        }
    };
    let templates = match templates_dir {
        Some(dir) => Templates::with_overrides(&dir, input.file.project.profile())?,
        None => Templates::builtin(input.file.project.profile())?,
    };
    let today = options
        .today
        .unwrap_or_else(|| clock_today(&input.file.project));
    let plan = plan(&input, today);
    Ok(Ok(Checked {
        input,
        findings,
        plan,
        today,
        templates,
        embargo: OnceLock::new(),
        config,
    }))
}

/// The clock's day in the project's time zone (`[project] timezone`), or in the
/// machine's local zone when the project names none.
pub fn clock_today(project: &crate::model::Project) -> NaiveDate {
    match project.timezone {
        Some(zone) => chrono::Utc::now().with_timezone(&zone.0).date_naive(),
        None => chrono::Local::now().date_naive(),
    }
}

/// The zone "today" is judged in, for people: the project's, or the local one
/// with its offset.
pub fn zone_description(project: &crate::model::Project) -> String {
    match project.timezone {
        Some(zone) => zone.to_string(),
        None => format!(
            "the local time zone (UTC{})",
            chrono::Local::now().format("%:z")
        ),
    }
}

/// Loads the configuration that [`config_path`] finds, if any.
pub fn load_config(options: &Options, release: &Path) -> Result<Option<Config>, CommandError> {
    Ok(match config_path(options, release) {
        Some(path) => Some(Config::load(&path)?),
        None => None,
    })
}

/// Where the configuration is: `--config`, else `herald.toml` beside the release
/// file (where `herald init` puts it), else `herald.toml` in the working directory.
pub fn config_path(options: &Options, release: &Path) -> Option<PathBuf> {
    if let Some(path) = &options.config {
        return Some(path.clone());
    }
    let beside = release
        .parent()
        .map(|dir| dir.join(config::DEFAULT_CONFIG))
        .filter(|path| path.exists());
    beside.or_else(|| {
        let here = PathBuf::from(config::DEFAULT_CONFIG);
        here.exists().then_some(here)
    })
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
) -> Result<Guarded, CommandError> {
    let email = render::compose(&message, addressing, date, resend)?;
    let mut leaks = guard::check_email(checked.embargo(message.kind), message.kind, &email.bytes);
    // Placeholders stand in for addresses nobody configured: no person wrote them,
    // and no message with them can be sent, so what they say is not guarded.
    let placeholder = config::placeholder_addressing(&checked.input.file.project.name);
    let mut stand_ins = Vec::new();
    if addressing.from == placeholder.from {
        stand_ins.push("from");
    }
    if addressing.to == placeholder.to {
        stand_ins.push("to");
    }
    if !stand_ins.is_empty() {
        let lines = header_lines(email.header_block(), &stand_ins);
        leaks.retain(|leak| !(leak.part == guard::Part::Headers && lines.contains(&leak.line)));
    }
    Ok(Guarded {
        message,
        email,
        leaks,
    })
}

/// The 1-based lines of a header block that belong to the headers `names` (lower
/// case), their folded continuation lines included.
fn header_lines(block: &str, names: &[&str]) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut inside = false;
    for (index, line) in block.split("\r\n").enumerate() {
        if !line.starts_with([' ', '\t']) {
            let name = line
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            inside = names.contains(&name.as_str());
        }
        if inside {
            lines.push(index + 1);
        }
    }
    lines
}

/// One message to draft: what the plan says, who it goes to, and what was rendered.
pub struct Draft {
    pub planned: PlannedMessage,
    pub addressing: Addressing,
    pub guarded: Guarded,
}

/// The size of release file from which the stages of a command that can run side by
/// side do so; below it, starting threads costs more than it saves.
pub const PARALLEL_FROM_BYTES: usize = 1 << 20;

/// Renders and guards every message the plan says is due, addressed from the
/// configuration (or with placeholders), and gathers every finding: the file's,
/// the guard's, and the notes on today's date.
pub fn drafts_with_findings(
    checked: &Checked,
    options: &Options,
) -> Result<(Vec<Draft>, Vec<Finding>), CommandError> {
    let config = checked.config(options)?;
    let date = draft_date(checked.today);
    let mut notes = Vec::new();
    let project_name = &checked.input.file.project.name;
    let due: Vec<(&PlannedMessage, Addressing)> = checked
        .plan
        .due()
        .map(|planned| {
            let addressing = addressing_for(config, planned.kind, project_name, &mut notes);
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
                .collect::<Result<Vec<Draft>, CommandError>>()
        })?
    } else {
        due.into_iter()
            .map(draft)
            .collect::<Result<Vec<Draft>, CommandError>>()?
    };
    let mut findings = checked.findings.clone();
    findings.extend(
        drafts
            .iter()
            .flat_map(|d| guard::leak_findings(d.planned.kind, &d.guarded.leaks)),
    );
    // A journal that cannot be read stops a send, which says why; a check still checks.
    if let Ok(journal) = Journal::open(checked.input.source.path()) {
        findings.extend(journal_findings(checked, &journal));
    }
    findings.extend(notes);
    Ok((drafts, findings))
}

/// What the send journal means for the release as its file now says: the day's
/// notes for each message still to be sent, and a violation for each fact a sent
/// message told subscribers that the file now contradicts (`changed-since-sent`):
/// the versions, the release day, the scope, the CVE list.
pub fn journal_findings(checked: &Checked, journal: &Journal) -> Vec<Finding> {
    let mut findings = checked.plan.today_notes(|kind| journal.has_sent(kind));
    for kind in MessageKind::ALL {
        let Some(sent) = journal.last_sent(kind) else {
            continue;
        };
        let Some(told) = &sent.told else {
            continue;
        };
        let now = Told::of(&checked.input, kind);
        for (field, then, now) in told.differences(&now) {
            findings.push(Finding::unlocated(
                Severity::Violation,
                "changed-since-sent",
                format!(
                    "the {kind} sent at {} ({}) told subscribers the {field} {}; the release file now says {}. Subscribers act on what they were told: put the file back, or tell them (a corrected message, sent with --resend)",
                    crate::controls::escaped(sent.last_change()),
                    crate::controls::escaped(&sent.message_id),
                    quoted_or_none(&then),
                    quoted_or_none(&now),
                ),
            ));
        }
    }
    findings
}

fn quoted_or_none(text: &str) -> String {
    if text.is_empty() {
        "(none)".to_string()
    } else {
        format!("\"{}\"", crate::controls::escaped(text))
    }
}

/// The addressing of a `kind` message for drafts and dry runs: the configuration's,
/// with placeholders under `.invalid` (which can never be delivered) for what it
/// lacks, and a note saying so. With no configuration at all, drafts take the
/// placeholders too, and the note says so: a draft that looks sendable but goes to
/// nobody must not pass unnoticed.
pub(crate) fn addressing_for(
    config: Option<&Config>,
    kind: crate::model::MessageKind,
    project_name: &str,
    notes: &mut Vec<Finding>,
) -> Addressing {
    let placeholder = config::placeholder_addressing(project_name);
    let Some(config) = config else {
        notes.push(Finding::unlocated(
            Severity::Note,
            "placeholder-addresses",
            format!(
                "no configuration (--config FILE, or {} beside the release file or here): the {kind} is addressed from {} to the placeholder {}",
                config::DEFAULT_CONFIG,
                placeholder.from,
                placeholder.to.join(", ")
            ),
        ));
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
