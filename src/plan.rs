//! Stage 3: decide which messages a release needs, when, and whether today allows sending them.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use crate::load::LoadedRelease;
use crate::model::{MessageKind, ReleaseKind, Track};
use crate::validate::{pre_announcement_window, Finding, Severity};

/// Whether the policy requires a message or leaves it to the security team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Necessity {
    Required,
    Optional,
}

/// The days on which a message may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub earliest: NaiveDate,
    /// `None`: any day from `earliest` on.
    pub latest: Option<NaiveDate>,
}

impl Window {
    fn contains(&self, day: NaiveDate) -> bool {
        day >= self.earliest && self.latest.is_none_or(|latest| day <= latest)
    }
}

/// One message the release needs.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedMessage {
    pub kind: MessageKind,
    /// The template that renders it.
    pub template: &'static str,
    pub necessity: Necessity,
    /// The day it is planned for: the file's date, `None` when the file gives none.
    pub date: Option<NaiveDate>,
    /// The days on which the policy lets it go out.
    pub window: Window,
    /// The tracks of the security fixes it concerns (internal; never rendered).
    pub tracks: Vec<Track>,
    /// Whether `render` drafts it: required, or optional with a planned date.
    pub due: bool,
}

impl PlannedMessage {
    /// Why the message must not be sent on `today`, or `None` when it may.
    pub fn send_blocker(&self, release_day: NaiveDate, today: NaiveDate) -> Option<String> {
        if self.window.contains(today) {
            return None;
        }
        let kind = self.kind;
        Some(match self.kind {
            MessageKind::Announcement => format!(
                "the {kind} may go out on the release day, {release_day}, or later; today is {today}"
            ),
            MessageKind::PreAnnouncement if today > release_day => format!(
                "the release day, {release_day}, has passed; a {kind} can no longer go out (today is {today})"
            ),
            MessageKind::PreAnnouncement => format!(
                "the {kind} may go out from {} to {}; today is {today}",
                self.window.earliest,
                self.window.latest.map_or_else(String::new, |d| d.to_string())
            ),
        })
    }
}

/// An issue whose track the security team chose against the usual criteria.
#[derive(Debug, Clone, Serialize)]
pub struct TrackOverride {
    /// The entry's first tracker issue; none for an entry known by its CVE alone.
    pub issue: Option<u64>,
    /// The entry's CVE ids.
    pub cves: Vec<String>,
    pub track: Track,
    pub reason: String,
}

/// Which messages a release needs, and what today means for them.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub release_day: NaiveDate,
    pub kind: ReleaseKind,
    pub messages: Vec<PlannedMessage>,
    pub overrides: Vec<TrackOverride>,
    /// The day the plan was made on: `--today`, `HERALD_TODAY` or the clock.
    #[serde(skip)]
    pub today: NaiveDate,
}

impl Plan {
    /// The planned message of `kind`, if the release needs one.
    pub fn message(&self, kind: MessageKind) -> Option<&PlannedMessage> {
        self.messages.iter().find(|m| m.kind == kind)
    }

    /// What today's date means for each due message still to be sent (`sent` says
    /// which went out already): notes, not violations, since a release file checks
    /// clean on any day.
    pub fn today_notes(&self, sent: impl Fn(MessageKind) -> bool) -> Vec<Finding> {
        self.due()
            .filter(|m| !sent(m.kind))
            .filter_map(|m| {
                m.send_blocker(self.release_day, self.today).map(|why| {
                    Finding::unlocated(
                        Severity::Note,
                        "not-sendable-today",
                        format!("not sendable today: {why}"),
                    )
                })
            })
            .collect()
    }

    /// The messages that `render` drafts.
    pub fn due(&self) -> impl Iterator<Item = &PlannedMessage> {
        self.messages.iter().filter(|m| m.due)
    }
}

/// Plans the messages of a validated release, judging timing against `today`.
pub fn plan(input: &LoadedRelease, today: NaiveDate) -> Plan {
    let file = &input.file;
    let release = &file.release;
    let kind = *release.kind.get_ref();
    let release_day = release.date.get_ref().get();
    let tracks: BTreeSet<Track> = file
        .security
        .iter()
        .map(|s| *s.get_ref().track.get_ref())
        .collect();
    let embargoed: Vec<Track> = tracks
        .iter()
        .copied()
        .filter(|t| t.is_embargoed())
        .collect();
    let pre_date = release.pre_announcement.as_ref().map(|d| d.get_ref().get());

    let mut messages = Vec::new();
    let pre_necessity = match kind {
        _ if embargoed.is_empty() => None,
        ReleaseKind::Minor => Some(Necessity::Required),
        ReleaseKind::Security => Some(Necessity::Optional),
    };
    if let Some(necessity) = pre_necessity {
        let (earliest, latest) = pre_announcement_window(kind, release_day);
        let window = Window {
            earliest,
            latest: Some(latest),
        };
        messages.push(PlannedMessage {
            kind: MessageKind::PreAnnouncement,
            template: MessageKind::PreAnnouncement.template(kind),
            necessity,
            date: pre_date,
            window,
            tracks: embargoed.clone(),
            due: necessity == Necessity::Required || pre_date.is_some(),
        });
    }
    messages.push(PlannedMessage {
        kind: MessageKind::Announcement,
        template: MessageKind::Announcement.template(kind),
        necessity: Necessity::Required,
        date: Some(release_day),
        window: Window {
            earliest: release_day,
            latest: None,
        },
        tracks: tracks.iter().copied().collect(),
        due: true,
    });

    let overrides = file
        .security
        .iter()
        .filter_map(|s| {
            let issue = s.get_ref();
            issue.track_override.as_ref().map(|reason| TrackOverride {
                issue: issue.first_issue().map(|n| n.get()),
                cves: issue.cve_list().iter().map(|c| c.to_string()).collect(),
                track: *issue.track.get_ref(),
                reason: reason.get_ref().clone(),
            })
        })
        .collect();

    Plan {
        release_day,
        kind,
        messages,
        overrides,
        today,
    }
}
