//! The kinds every stage speaks of: releases, tracks and messages.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A scheduled minor release or a dedicated security release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseKind {
    /// A scheduled minor release.
    Minor,
    /// A dedicated security release outside the schedule.
    Security,
}

/// How a security fix is handled under the policy. Internal: never rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Track {
    /// Fixed in public, no pre-announcement.
    Public,
    /// Fixed in private, pre-announced 3 to 7 days before the next minor release.
    Private,
    /// Fixed in private in an immediate dedicated security release.
    Urgent,
}

impl Track {
    /// Whether details of issues on this track are under embargo until release.
    pub fn is_embargoed(self) -> bool {
        matches!(self, Track::Private | Track::Urgent)
    }

    /// The lower-case name, as written in release files.
    pub fn as_str(self) -> &'static str {
        match self {
            Track::Public => "public",
            Track::Private => "private",
            Track::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Track {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of message herald mails. Names match `--message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    /// Says that fixes are coming, and when, without details.
    PreAnnouncement,
    /// Says that the release is out and lists its security fixes.
    Announcement,
}

impl MessageKind {
    /// Every kind, in the order they go out.
    pub const ALL: [MessageKind; 2] = [MessageKind::PreAnnouncement, MessageKind::Announcement];

    /// The name used on the command line, in file names and in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::PreAnnouncement => "pre-announcement",
            MessageKind::Announcement => "announcement",
        }
    }

    /// The template file that renders this kind for a release of `kind`.
    pub fn template(self, kind: ReleaseKind) -> &'static str {
        match (self, kind) {
            (MessageKind::PreAnnouncement, _) => "pre-announcement.md",
            (MessageKind::Announcement, ReleaseKind::Minor) => "announcement.md",
            (MessageKind::Announcement, ReleaseKind::Security) => "security-release.md",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for MessageKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MessageKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown message kind {s:?}; expected pre-announcement or announcement")
            })
    }
}
