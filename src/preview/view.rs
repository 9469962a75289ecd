//! What the page's template is given: plain data (strings, numbers, lists) built from
//! the drafts, the findings, the journal and the last render. The only HTML in it is
//! what needs Rust to make: each message's subject and parts with their leaks marked.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::marks::Marked;
use super::state::{
    journal_summary, message_state, place, JournalSummary, MessageState, WindowPlace,
};
use super::PageContext;
use crate::config::SigningMode;
use crate::deliver::journal::Journal;
use crate::drafts::manifest::{Change, Previous};
use crate::model::MessageKind;
use crate::pipeline::Draft;
use crate::plan::Window;
use crate::validate::{Finding, Severity};

/// The longest stretch of days the timeline draws day by day.
const MAX_TIMELINE_DAYS: i64 = 42;

/// The whole page.
#[derive(Serialize)]
pub struct Page<'a> {
    /// The versions, as the title speaks them: "Go 1.16.1 and Go 1.15.9".
    pub versions: String,
    pub today: NaiveDate,
    /// Set when a message is addressed to placeholders.
    pub placeholder: Option<Placeholder>,
    pub strip: Strip,
    pub findings: Vec<FindingItem>,
    /// Every finding is a note: the check is clean.
    pub only_notes: bool,
    pub previous: PreviousState<'a>,
    /// Kinds the last render had and this one has not.
    pub gone: Vec<MessageKind>,
    pub messages: Vec<Message<'a>>,
}

/// Messages addressed to the placeholders under `example.invalid`, and why.
#[derive(Serialize)]
pub struct Placeholder {
    /// The configuration file, when there is one (it lacks `[recipients.KIND]`).
    pub config: Option<String>,
    pub kinds: Vec<MessageKind>,
    /// The placeholder recipients.
    pub to: Vec<String>,
    /// What `--config` defaults to.
    pub default_config: &'static str,
}

/// The last render, as far as the page speaks of it.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PreviousState<'a> {
    /// Compared with, or nothing to compare with: each message's change says which.
    Read,
    Unreadable {
        why: &'a str,
    },
    /// Drafts without a manifest: a render stopped half-way.
    Incomplete,
}

/// The day-by-day strip under the timeline table.
#[derive(Serialize)]
pub struct Strip {
    /// Days from the first to the last involved.
    pub span: i64,
    /// Whether the days fit in [`MAX_TIMELINE_DAYS`]; if not, the rest is empty.
    pub drawn: bool,
    /// The month of the first day: "March 2021".
    pub month: String,
    pub heads: Vec<DayHead>,
    pub rows: Vec<StripRow>,
}

#[derive(Serialize)]
pub struct DayHead {
    pub date: NaiveDate,
    /// The weekday's initial.
    pub initial: char,
    pub day_of_month: u32,
    pub today: bool,
}

#[derive(Serialize)]
pub struct StripRow {
    pub kind: MessageKind,
    pub days: Vec<StripDay>,
}

#[derive(Serialize)]
pub struct StripDay {
    pub date: NaiveDate,
    pub in_window: bool,
    pub planned: bool,
    pub today: bool,
}

/// One finding of the check; an embargo finding links to its mark.
#[derive(Serialize)]
pub struct FindingItem {
    pub text: String,
    pub anchor: Option<String>,
}

/// One message: its timeline row and its section.
#[derive(Serialize)]
pub struct Message<'a> {
    pub kind: MessageKind,
    /// The subject, escaped, with its leaks marked.
    pub subject: String,
    pub blocked: bool,
    pub change: &'a Change,
    pub planned: Option<PlannedDay>,
    pub window: Window,
    pub place: WindowPlace,
    pub state: MessageState,
    pub journal: JournalSummary,
    pub attempts: Vec<AttemptLine>,
    pub from: &'a str,
    pub to: &'a [String],
    pub cc: &'a [String],
    pub bcc: &'a [String],
    /// The To addresses are the placeholders.
    pub placeholder: bool,
    pub signing: Option<SigningMode>,
    /// Who approved this content, when `[approval]` covers the message.
    pub approvals: Option<&'a crate::approval::ApprovalStatus>,
    pub leaks: Vec<LeakItem>,
    /// The HTML part's body, with its leaks marked.
    pub html_part: String,
    /// The text part, escaped, with its leaks marked.
    pub text_part: String,
}

#[derive(Serialize)]
pub struct PlannedDay {
    pub date: NaiveDate,
    /// "Fri".
    pub weekday: String,
}

/// One entry of the send journal.
#[derive(Serialize)]
pub struct AttemptLine {
    pub state: &'static str,
    pub text: String,
}

/// One of the guard's findings, with its mark and source.
#[derive(Serialize)]
pub struct LeakItem {
    /// "text line 9".
    pub place: String,
    pub anchor: Option<String>,
    /// The finding without its place.
    pub text: String,
    pub source: String,
}

/// The page's data. `marked` and `changes` go with `drafts`, one each.
pub fn page<'a>(
    checked: &crate::pipeline::Checked,
    drafts: &'a [Draft],
    marked: Vec<Marked>,
    changes: &'a [Change],
    findings: &[Finding],
    journal: &Journal,
    context: &PageContext<'a>,
) -> Page<'a> {
    let project = &checked.input.file.project;
    let versions =
        crate::english::spoken_versions(&project.name, &checked.input.file.release.version_list());
    // Drafts of a message the configuration gives no recipients (or of any, without
    // a configuration) carry exactly the placeholder's To: see
    // `pipeline::addressing_for`.
    let placeholder_to = crate::config::placeholder_addressing(&project.name).to;
    let kinds: Vec<MessageKind> = drafts.iter().map(|d| d.guarded.message.kind).collect();
    let placeholder_kinds: Vec<MessageKind> = drafts
        .iter()
        .filter(|d| d.addressing.to == placeholder_to)
        .map(|d| d.guarded.message.kind)
        .collect();
    let finding_items = finding_items(findings, &marked);
    let waits = checked
        .plan
        .message(MessageKind::PreAnnouncement)
        .is_some_and(|m| m.necessity == crate::plan::Necessity::Required)
        && !journal.has_sent(MessageKind::PreAnnouncement);
    let messages = drafts
        .iter()
        .zip(marked)
        .zip(changes)
        .map(|((draft, marked), change)| {
            message(
                draft,
                marked,
                change,
                journal,
                context,
                &placeholder_to,
                waits,
            )
        })
        .collect();
    Page {
        versions,
        today: context.today,
        placeholder: (!placeholder_kinds.is_empty()).then(|| Placeholder {
            config: context.config.map(|p| p.display().to_string()),
            kinds: placeholder_kinds,
            to: placeholder_to.clone(),
            default_config: crate::config::DEFAULT_CONFIG,
        }),
        strip: strip(drafts, context.today),
        only_notes: findings.iter().all(|f| f.severity == Severity::Note),
        findings: finding_items,
        previous: match context.previous {
            Previous::Unreadable(why) => PreviousState::Unreadable { why },
            Previous::Incomplete => PreviousState::Incomplete,
            Previous::None | Previous::Found { .. } => PreviousState::Read,
        },
        gone: context.previous.gone(&kinds).collect(),
        messages,
    }
}

fn finding_items(findings: &[Finding], marked: &[Marked]) -> Vec<FindingItem> {
    // An embargo finding's message ends with its leak ("the pre-announcement leaks an
    // embargoed detail: LEAK"): its mark is looked up by that, not searched for, as a
    // release can leak thousands of times.
    let mut marks: HashMap<String, &str> = HashMap::new();
    for leak in marked.iter().flat_map(|m| &m.leaks) {
        if let Some(anchor) = &leak.anchor {
            marks.entry(leak.leak.to_string()).or_insert(anchor);
        }
    }
    findings
        .iter()
        .map(|finding| FindingItem {
            text: finding.to_string(),
            anchor: (finding.rule == "embargo")
                .then(|| finding.message.split_once(": "))
                .flatten()
                .and_then(|(_, leak)| marks.get(leak))
                .map(|anchor| anchor.to_string()),
        })
        .collect()
}

fn message<'a>(
    draft: &'a Draft,
    marked: Marked,
    change: &'a Change,
    journal: &Journal,
    context: &PageContext<'a>,
    placeholder_to: &[String],
    waits_for_pre_announcement: bool,
) -> Message<'a> {
    let message = &draft.guarded.message;
    let kind = message.kind;
    let blocked = !draft.guarded.leaks.is_empty();
    let window = draft.planned.window;
    let mut html_part = String::new();
    marked.write_html_body(&mut html_part, message.html_body());
    let mut text_part = String::new();
    marked.write_text(&mut text_part, &message.text);
    let leaks = marked
        .leaks
        .into_iter()
        .map(|leak| {
            let text = leak.leak.to_string();
            LeakItem {
                place: format!("{} line {}", leak.leak.part, leak.leak.line),
                anchor: leak.anchor,
                text: text
                    .split_once(": ")
                    .map_or(text.as_str(), |(_, rest)| rest)
                    .to_string(),
                source: leak.source,
            }
        })
        .collect();
    Message {
        kind,
        subject: marked.subject,
        blocked,
        change,
        planned: draft.planned.date.map(|date| PlannedDay {
            date,
            weekday: date.format("%a").to_string(),
        }),
        window,
        place: place(&window, context.today),
        state: match message_state(
            journal,
            kind,
            &message.content_hash,
            blocked,
            &window,
            context.today,
        ) {
            MessageState::SendableToday | MessageState::Due { .. }
                if kind == MessageKind::Announcement && waits_for_pre_announcement =>
            {
                MessageState::WaitsForPreAnnouncement
            }
            state => state,
        },
        journal: journal_summary(journal, kind),
        attempts: journal
            .entries
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| AttemptLine {
                state: e.state.as_str(),
                text: e.to_string(),
            })
            .collect(),
        from: &draft.addressing.from,
        to: &draft.addressing.to,
        cc: &draft.addressing.cc,
        bcc: &draft.addressing.bcc,
        placeholder: draft.addressing.to == placeholder_to,
        signing: context.signing,
        approvals: context.approvals.iter().find(|a| a.kind == kind),
        leaks,
        html_part,
        text_part,
    }
}

/// The strip's days: from the earliest to the latest day involved (today, each
/// window, each planned day; an open-ended window counts to two days after it opens).
fn strip(drafts: &[Draft], today: NaiveDate) -> Strip {
    let mut days: Vec<NaiveDate> = vec![today];
    for draft in drafts {
        let window = &draft.planned.window;
        days.push(window.earliest);
        days.push(
            window
                .latest
                .unwrap_or(window.earliest + chrono::Days::new(2)),
        );
        days.extend(draft.planned.date);
    }
    let first = days.iter().min().copied().unwrap_or(today);
    let last = days.iter().max().copied().unwrap_or(today);
    let span = (last - first).num_days() + 1;
    if span > MAX_TIMELINE_DAYS {
        return Strip {
            span,
            drawn: false,
            month: String::new(),
            heads: Vec::new(),
            rows: Vec::new(),
        };
    }
    let all = || first.iter_days().take(span as usize);
    Strip {
        span,
        drawn: true,
        month: first.format("%B %Y").to_string(),
        heads: all()
            .map(|day| DayHead {
                date: day,
                initial: day.format("%a").to_string().chars().next().unwrap_or(' '),
                day_of_month: chrono::Datelike::day(&day),
                today: day == today,
            })
            .collect(),
        rows: drafts
            .iter()
            .map(|draft| StripRow {
                kind: draft.guarded.message.kind,
                days: all()
                    .map(|day| StripDay {
                        date: day,
                        in_window: in_window(&draft.planned.window, day),
                        planned: Some(day) == draft.planned.date,
                        today: day == today,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn in_window(window: &Window, day: NaiveDate) -> bool {
    day >= window.earliest && window.latest.is_none_or(|l| day <= l)
}
