//! The security policy's rules: which track ships in which release, and the
//! pre-announcement's notice.

use chrono::NaiveDate;

use super::checker::{days, Checker};
use super::finding::Severity;
use crate::model::{ReleaseKind, Track};

/// Days of notice the policy asks of a pre-announcement for a scheduled minor release.
pub const MINOR_NOTICE_DAYS: std::ops::RangeInclusive<i64> = 3..=7;
/// Days of notice allowed for the optional pre-announcement of a dedicated security release.
pub const SECURITY_NOTICE_DAYS: std::ops::RangeInclusive<i64> = 1..=7;

/// The days of notice the policy allows a pre-announcement of a release of `kind`.
pub fn notice_days(kind: ReleaseKind) -> std::ops::RangeInclusive<i64> {
    match kind {
        ReleaseKind::Minor => MINOR_NOTICE_DAYS,
        ReleaseKind::Security => SECURITY_NOTICE_DAYS,
    }
}

/// The first and last day on which the pre-announcement of a release of `kind` on
/// `release_day` may go out.
pub fn pre_announcement_window(
    kind: ReleaseKind,
    release_day: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let notice = notice_days(kind);
    let days_before = |n: i64| release_day - chrono::Days::new(n.unsigned_abs());
    (days_before(*notice.end()), days_before(*notice.start()))
}

impl Checker<'_> {
    pub(super) fn policy(&mut self) {
        let file = &self.input.file;
        let release = &file.release;
        let kind = *release.kind.get_ref();
        let has_track = |track: Track| {
            file.security
                .iter()
                .any(|s| *s.get_ref().track.get_ref() == track)
        };
        let release_day = release.date.get_ref().get();

        for (index, entry) in file.security.iter().enumerate() {
            let issue = entry.get_ref();
            match (kind, *issue.track.get_ref()) {
                (ReleaseKind::Security, Track::Private) => self.push(
                    Severity::Violation,
                    "private-in-security-release",
                    issue.track.span(),
                    format!(
                        "{} is on the private track, which ships in the next scheduled minor release, not in a dedicated security release (kind = \"security\")",
                        issue.label(index)
                    ),
                ),
                (ReleaseKind::Minor, Track::Urgent) => self.push(
                    Severity::Violation,
                    "urgent-in-minor-release",
                    issue.track.span(),
                    format!(
                        "{} is on the urgent track, which triggers an immediate dedicated security release (kind = \"security\"), not a scheduled minor release",
                        issue.label(index)
                    ),
                ),
                _ => {}
            }
        }

        if kind == ReleaseKind::Security {
            if !has_track(Track::Urgent) {
                self.push(
                    Severity::Violation,
                    "security-release-without-urgent-fix",
                    release.kind.span(),
                    "a dedicated security release (kind = \"security\") is for urgent-track fixes, and this file has none; ship public and private fixes in the next scheduled minor release".to_string(),
                );
            }
            if let Some(first) = file.fixes.first() {
                self.push(
                    Severity::Violation,
                    "bug-fix-in-security-release",
                    first.span(),
                    format!(
                        "a dedicated security release ships only security fixes, but this file has {}",
                        crate::english::count(file.fixes.len(), "[[fix]] entry", "[[fix]] entries")
                    ),
                );
            }
        }

        let embargoed = file
            .security
            .iter()
            .any(|s| s.get_ref().track.get_ref().is_embargoed());
        match &release.pre_announcement {
            None if kind == ReleaseKind::Minor && has_track(Track::Private) => {
                let (earliest, latest) = pre_announcement_window(kind, release_day);
                self.push(
                    Severity::Violation,
                    "missing-pre-announcement",
                    release.date.span(),
                    format!("private-track fixes must be pre-announced 3 to 7 days before the release; add pre_announcement = a date from {earliest} to {latest}"),
                );
            }
            None => {}
            Some(pre) if !embargoed => self.push(
                Severity::Violation,
                "needless-pre-announcement",
                pre.span(),
                "a pre-announcement is planned, but no fix is on the private or urgent track; public-track fixes are not pre-announced".to_string(),
            ),
            Some(pre) => {
                let notice = (release_day - pre.get_ref().get()).num_days();
                let window = notice_days(kind);
                if !window.contains(&notice) {
                    let (earliest, latest) = pre_announcement_window(kind, release_day);
                    let when = match notice {
                        n if n < 0 => format!("{} after", days(n)),
                        0 => "on the day of".to_string(),
                        n => format!("{} before", days(n)),
                    };
                    self.push(
                        Severity::Violation,
                        "pre-announcement-window",
                        pre.span(),
                        format!(
                            "the pre-announcement on {} is {when} the release on {}; the policy asks for {} to {} days before, from {earliest} to {latest}",
                            pre.get_ref(),
                            release.date.get_ref(),
                            window.start(),
                            window.end()
                        ),
                    );
                }
            }
        }
    }
}
