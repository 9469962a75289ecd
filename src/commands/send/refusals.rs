//! What stops a send before anything is asked or connected: the day, the journal,
//! a test address nobody trusted, a missing pre-announcement. Each is a refusal:
//! the release is sound, but this message may not go now.

use std::path::Path;

use chrono::NaiveDate;

use super::hints::settle_command;
use super::options::SendOptions;
use crate::config::{self, Config};
use crate::controls::escaped;
use crate::deliver::journal::{Journal, Previous};
use crate::english::count;
use crate::model::MessageKind;
use crate::pipeline::Checked;
use crate::plan::Necessity;
use crate::render::RenderedMessage;
use crate::validate::{Finding, Severity};

/// Days after the release day from which an announcement needs `--late`.
pub const LATE_AFTER_DAYS: i64 = 3;

pub(super) fn refusal(rule: &'static str, message: String) -> Finding {
    Finding::unlocated(Severity::Refusal, rule, message)
}

/// The refusal of a real send whose day was set by `--today` or `HERALD_TODAY` to
/// another day than the clock's: a date left over from previews must not send an
/// announcement early, through a remote server or a local relay alike. Only a server
/// the configuration marks `test_server = true` may be told another day.
pub(super) fn day_override_refusal(
    checked: &Checked,
    config: Option<&Config>,
    today: Option<NaiveDate>,
) -> Option<Finding> {
    let smtp = config?.smtp.as_ref()?;
    let today = today?;
    let project = &checked.input.file.project;
    let clock = crate::pipeline::clock_today(project);
    (today != clock && !smtp.test_server).then(|| {
        refusal(
            "today-overridden",
            format!(
                "today is {clock} by the clock (in {}), but --today or HERALD_TODAY says {today}; a real send judges the day by the clock (unset HERALD_TODAY, drop --today, or use --dry-run; only a server marked test_server = true in [smtp] may be told another day)",
                crate::pipeline::zone_description(project)
            ),
        )
    })
}

/// The refusal of a test copy to an address that `[recipients.test]` does not list:
/// a test copy goes out on any day, before the release, so only to trusted people.
pub(super) fn untrusted_test_address(config: Option<&Config>, address: &str) -> Option<Finding> {
    let trusted = config.is_some_and(|c| c.recipients.is_test_address(address));
    (!trusted).then(|| {
        let file = config.map_or_else(
            || config::DEFAULT_CONFIG.to_string(),
            |c| c.path.display().to_string(),
        );
        refusal(
            "untrusted-test-address",
            format!(
                "--test-to {}: a test copy goes out on any day, so only to trusted addresses; add it to {file} as [recipients.test] to = [\"{}\"]",
                escaped(address),
                escaped(address.trim())
            ),
        )
    })
}

/// Refusals that depend on the plan and today: a message not due, a day outside its
/// window, an announcement long after its release day without `--late`.
pub(super) fn timing_refusals(
    checked: &Checked,
    send: &SendOptions,
    today: NaiveDate,
) -> Vec<Finding> {
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

/// What the journal says about the message about to be sent.
#[derive(Default)]
pub(super) struct PreviousSends {
    /// How many times this content was sent before (for `--resend`'s Message-ID).
    pub resend: usize,
    /// The recipients that already have this content, from a send that stopped
    /// part-way; they are not sent to again.
    pub delivered: Vec<String>,
}

/// Refusals from the journal: an attempt in doubt, a message already sent or changed
/// since.
pub(super) fn journal_refusals(
    journal: &Journal,
    checked: &Checked,
    send: &SendOptions,
    rendered: &RenderedMessage,
    path: &Path,
    recipients: &[String],
    findings: &mut Vec<Finding>,
) -> PreviousSends {
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
    let mut previous = PreviousSends {
        resend: 0,
        delivered: Vec::new(),
    };
    match journal.previous(kind, hash, recipients) {
        Previous::NotSent => {}
        Previous::SameSent(entry) if !send.resend => findings.push(refusal(
            "already-sent",
            format!(
                "this {kind} was already sent at {} ({}); pass --resend to send it again",
                escaped(entry.last_change()),
                escaped(&entry.message_id)
            ),
        )),
        Previous::SameSent(_) => previous.resend = journal.times_sent(kind, hash),
        Previous::PartlySent { delivered } if !send.resend => {
            findings.push(Finding::unlocated(
                Severity::Note,
                "partly-sent",
                format!(
                    "{} of {} already have this {kind} from an earlier send that stopped part-way ({}); it goes only to the rest",
                    delivered.len(),
                    count(recipients.len(), "recipient", "recipients"),
                    escaped(&delivered.join(", "))
                ),
            ));
            previous.delivered = delivered;
        }
        Previous::PartlySent { .. } => previous.resend = journal.times_sent(kind, hash),
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
    if let Some(refused) = missing_pre_announcement(journal, checked, send) {
        findings.push(refused);
    }
    previous
}

/// The first 12 characters of a content hash, for messages.
fn short_hash(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// The refusal of an announcement whose release required a pre-announcement that
/// the journal does not show as sent: subscribers were to be told days ahead, and
/// this is the last moment to notice that they were not. `--without-pre-announcement
/// REASON` sends it anyway, with the reason journaled. An optional pre-announcement
/// (a dedicated security release may skip it) needs no override.
fn missing_pre_announcement(
    journal: &Journal,
    checked: &Checked,
    send: &SendOptions,
) -> Option<Finding> {
    let required = checked
        .plan
        .message(MessageKind::PreAnnouncement)
        .is_some_and(|m| m.necessity == Necessity::Required);
    if send.kind != MessageKind::Announcement
        || !required
        || journal.has_sent(MessageKind::PreAnnouncement)
    {
        return None;
    }
    match &send.without_pre_announcement {
        Some(reason) => Some(Finding::unlocated(
            Severity::Note,
            "without-pre-announcement",
            format!(
                "the journal shows no pre-announcement of this release, which the policy required; sending anyway, as --without-pre-announcement asks, and journaling why: {}",
                escaped(reason)
            ),
        )),
        // A dry run, days ahead, reads the bytes; it is not the moment to refuse.
        None if send.dry_run => Some(Finding::unlocated(
            Severity::Note,
            "pre-announcement-not-sent",
            "the journal shows no pre-announcement of this release, which the policy requires; the real send of this announcement will be refused until one is sent (or --without-pre-announcement gives a reason)".to_string(),
        )),
        None => Some(refusal(
            "pre-announcement-not-sent",
            format!(
                "this release required a pre-announcement (private-track fixes), and the journal {} shows none sent; send it first (herald send {} --message pre-announcement), or, if it went out another way or the team decided to skip it, pass --without-pre-announcement \"REASON\" and the reason is journaled",
                journal.path().display(),
                super::hints::shell_quoted(&checked.input.source.path().display().to_string())
            ),
        )),
    }
}
