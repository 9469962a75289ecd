//! What a message tells its readers that the release file must not contradict
//! once the message is out: which versions, which day, which parts, which CVEs.

use serde::{Deserialize, Serialize};

use super::context::MessageContext;
use crate::load::LoadedRelease;
use crate::model::MessageKind;

/// The facts a sent message told subscribers. The journal keeps them with the
/// attempt, so that `check` can say when the release file has moved on since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Told {
    /// The versions, newest first.
    pub versions: Vec<String>,
    /// The release day, as `YYYY-MM-DD`.
    pub release_day: String,
    /// What the fixes touch, as the pre-announcement says it ("the standard
    /// library"); none in an announcement, which lists the fixes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The CVE ids the message named: every security fix's in an announcement, the
    /// listed ones (if any) in a pre-announcement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cves: Vec<String>,
}

impl Told {
    /// What the message of `kind` tells readers about the release as the file now says.
    pub fn of(input: &LoadedRelease, kind: MessageKind) -> Told {
        let file = &input.file;
        let context = MessageContext::new(input, kind);
        let cves = match kind {
            MessageKind::PreAnnouncement => context.announced_cves,
            MessageKind::Announcement => file
                .security
                .iter()
                .flat_map(|s| s.get_ref().cve_list())
                .map(|c| c.to_string())
                .collect(),
        };
        Told {
            versions: file
                .release
                .version_list()
                .iter()
                .map(|v| v.to_string())
                .collect(),
            release_day: file.release.date.get_ref().get().to_string(),
            scope: match kind {
                MessageKind::PreAnnouncement => context.affects_text,
                MessageKind::Announcement => None,
            },
            cves,
        }
    }

    /// How `now` differs from what was told, field by field: (field, told, now).
    pub fn differences(&self, now: &Told) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        if self.versions != now.versions {
            out.push((
                "versions",
                self.versions.join(", "),
                now.versions.join(", "),
            ));
        }
        if self.release_day != now.release_day {
            out.push((
                "release day",
                self.release_day.clone(),
                now.release_day.clone(),
            ));
        }
        if self.scope != now.scope {
            let shown = |s: &Option<String>| s.clone().unwrap_or_else(|| "nothing".into());
            out.push(("scope", shown(&self.scope), shown(&now.scope)));
        }
        let mut told_cves = self.cves.clone();
        let mut now_cves = now.cves.clone();
        told_cves.sort();
        now_cves.sort();
        if told_cves != now_cves {
            out.push(("CVE list", told_cves.join(", "), now_cves.join(", ")));
        }
        out
    }
}
