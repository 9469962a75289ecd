//! `herald plan`: the timeline of messages, and what the send journal says of each.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::approval_status::{approval_statuses, missing_approval_notes, print_status, SigningKey};
use super::report::{checked_or_report, emit, NoBody};
use super::{CommandError, Exit, Options};
use crate::approval::ApprovalStatus;
use crate::deliver::journal::{Journal, JournalEntry};
use crate::deliver::witness::SentWitness;
use crate::model::MessageKind;
use crate::pipeline::Checked;
use crate::plan::{Necessity, Plan};

/// `herald plan`: the timeline of messages.
pub fn plan(path: &Path, options: &Options, out: &mut dyn Write) -> Result<Exit, CommandError> {
    let checked = match checked_or_report::<NoBody>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let journal = Journal::open(path)?;
    let mut findings = checked.findings.clone();
    findings.extend(crate::pipeline::journal_findings(&checked, &journal));
    // Who each message would go to: placeholders are said here too.
    let config = checked.config(options)?;
    for planned in checked.plan.due() {
        let project_name = &checked.input.file.project.name;
        crate::pipeline::addressing_for(config, planned.kind, project_name, &mut findings);
    }
    let (approvals, problems) = approvals(&checked, options)?;
    findings.extend(problems);
    findings.extend(missing_approval_notes(&approvals, |kind| {
        journal.has_sent(kind)
    }));
    let plan = &checked.plan;
    let release = &checked.input.file.release;
    let project = &checked.input.file.project;

    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(flatten)]
        plan: &'a Plan,
        /// Every attempt the send journal records: sent, in doubt, failed, settled.
        attempts: &'a [JournalEntry],
        /// For each message sent: what says so, the journal alone or an archive too.
        witnesses: Vec<SentWitness>,
        /// The day the plan was judged on.
        today: chrono::NaiveDate,
        /// Where that day comes from: `--today`, or the clock in this time zone.
        today_from: String,
        /// Each due message's approvals, when `[approval]` covers it.
        approvals: &'a [ApprovalStatus],
    }
    let body = Body {
        plan,
        attempts: &journal.entries,
        witnesses: MessageKind::ALL
            .iter()
            .filter_map(|kind| journal.witness(*kind))
            .collect(),
        today: checked.today,
        today_from: match options.today {
            Some(_) => "--today".to_string(),
            None => crate::pipeline::zone_description(&checked.input.file.project),
        },
        approvals: &approvals,
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
            checked.today
        )?;
        match options.today {
            Some(_) => writeln!(out, "  today is the day --today or HERALD_TODAY says")?,
            None => writeln!(
                out,
                "  today is judged in {} ([project] timezone sets the zone)",
                crate::pipeline::zone_description(project)
            )?,
        }
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
            for status in approvals.iter().filter(|s| s.kind == message.kind) {
                print_status(out, status, "      ")?;
            }
            if let Some(witness) = journal.witness(message.kind) {
                match witness.archives.as_slice() {
                    [] => writeln!(out, "      witness: the journal only")?,
                    archives => {
                        for archive in archives {
                            writeln!(
                                out,
                                "      witness: the archive, {}",
                                crate::controls::escaped(&archive.link)
                            )?;
                        }
                    }
                }
            }
        }
        for o in &plan.overrides {
            writeln!(
                out,
                "  track override: {} is on the {} track: {}",
                match o.issue {
                    Some(issue) => format!("issue {issue}"),
                    None => o.cves.join(", "),
                },
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

/// The approvals of each due message `[approval]` covers: the plan renders only
/// those, to know the content an approval must be over.
fn approvals(
    checked: &Checked,
    options: &Options,
) -> Result<(Vec<ApprovalStatus>, Vec<crate::validate::Finding>), CommandError> {
    let config = checked.config(options)?;
    let Some(settings) = config.and_then(|c| c.approval.as_ref()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut hashes: Vec<(MessageKind, String)> = Vec::new();
    for planned in checked.plan.due().filter(|m| settings.applies_to(m.kind)) {
        let message =
            crate::render::render_message(&checked.input, planned.kind, &checked.templates)?;
        hashes.push((planned.kind, message.content_hash));
    }
    let messages: Vec<(MessageKind, &str)> = hashes.iter().map(|(k, h)| (*k, h.as_str())).collect();
    approval_statuses(checked, config, &messages, SigningKey::IfKnown)
}
