//! What will become of each message, as the page tells it: from the send journal,
//! the guard's verdict and today's place in the message's window. Only data: the
//! page's template words it, so that the timeline and the message's own section say
//! the same thing.

use chrono::NaiveDate;
use serde::Serialize;

use crate::deliver::journal::{AttemptState, Journal, JournalEntry};
use crate::model::MessageKind;
use crate::plan::Window;

/// A message's true state today, most decisive first. Serialized with `kind`, which
/// is also its class on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum MessageState {
    /// An attempt got no answer: every send of it stops until a person settles it.
    InDoubt { since: String, message_id: String },
    /// The lists have it.
    Sent {
        /// The day of the server's answer (or of the settlement), as the journal
        /// records it; the whole timestamp when it is not RFC 3339.
        on: String,
        message_id: String,
        /// The draft is not the message that was sent (their content hashes differ):
        /// `send` would refuse it as changed since sent.
        differs: bool,
    },
    /// The embargo guard found leaks: no `.eml` was written.
    Blocked,
    /// The window's last day has passed.
    WindowClosed { days: i64, last_day: NaiveDate },
    /// The window opens later.
    Due { days: i64, opens: NaiveDate },
    /// An announcement whose release required a pre-announcement that the journal
    /// does not show as sent: `send` refuses it until one is.
    WaitsForPreAnnouncement,
    /// Nothing stops it today.
    SendableToday,
}

/// The attempts that count for the lists: a test copy (`send --test-to`) went to a
/// trusted test address, never to a list.
fn attempts(
    journal: &Journal,
    kind: MessageKind,
) -> impl DoubleEndedIterator<Item = &JournalEntry> {
    journal
        .entries
        .iter()
        .filter(move |e| e.kind == kind && !e.test)
}

/// The state of the message of `kind` whose content hash is `content_hash`, blocked
/// or not, against `window` on `today`.
pub fn message_state(
    journal: &Journal,
    kind: MessageKind,
    content_hash: &str,
    blocked: bool,
    window: &Window,
    today: NaiveDate,
) -> MessageState {
    if let Some(e) = attempts(journal, kind)
        .rev()
        .find(|e| e.state == AttemptState::InDoubt)
    {
        return MessageState::InDoubt {
            since: e.attempted_at.clone(),
            message_id: e.message_id.clone(),
        };
    }
    if let Some(e) = attempts(journal, kind)
        .rev()
        .find(|e| e.state == AttemptState::Sent)
    {
        let at = e.last_change();
        return MessageState::Sent {
            on: chrono::DateTime::parse_from_rfc3339(at)
                .map_or_else(|_| at.to_string(), |t| t.date_naive().to_string()),
            message_id: e.message_id.clone(),
            differs: e.content_hash != content_hash,
        };
    }
    if blocked {
        return MessageState::Blocked;
    }
    match place(window, today) {
        WindowPlace::Opens { days } => MessageState::Due {
            days,
            opens: window.earliest,
        },
        WindowPlace::Closed { days } => MessageState::WindowClosed {
            days,
            last_day: window.latest.unwrap_or(window.earliest),
        },
        WindowPlace::Open => MessageState::SendableToday,
    }
}

/// What the send journal says of the messages of `kind`, for the timeline's
/// journal column: in doubt first (it stops every send), then sent, then the last
/// attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum JournalSummary {
    InDoubt {
        since: String,
        message_id: String,
    },
    Sent {
        at: String,
        to: String,
    },
    /// Nothing delivered; the last attempt, if there was one.
    NotSent {
        last_attempt: Option<Attempt>,
    },
}

/// An attempt's state and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub state: &'static str,
    pub at: String,
}

pub fn journal_summary(journal: &Journal, kind: MessageKind) -> JournalSummary {
    if let Some(e) = attempts(journal, kind)
        .rev()
        .find(|e| e.state == AttemptState::InDoubt)
    {
        return JournalSummary::InDoubt {
            since: e.attempted_at.clone(),
            message_id: e.message_id.clone(),
        };
    }
    if let Some(e) = attempts(journal, kind)
        .rev()
        .find(|e| e.state == AttemptState::Sent)
    {
        let to = if e.recipients.is_empty() {
            &e.to
        } else {
            &e.recipients
        };
        return JournalSummary::Sent {
            at: e.last_change().to_string(),
            to: to.join(", "),
        };
    }
    JournalSummary::NotSent {
        last_attempt: attempts(journal, kind).next_back().map(|e| Attempt {
            state: e.state.as_str(),
            at: e.last_change().to_string(),
        }),
    }
}

/// Where today falls against a message's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WindowPlace {
    Opens { days: i64 },
    Open,
    Closed { days: i64 },
}

pub fn place(window: &Window, today: NaiveDate) -> WindowPlace {
    if today < window.earliest {
        WindowPlace::Opens {
            days: (window.earliest - today).num_days(),
        }
    } else if let Some(latest) = window.latest.filter(|l| today > *l) {
        WindowPlace::Closed {
            days: (today - latest).num_days(),
        }
    } else {
        WindowPlace::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(entries: &str) -> Journal {
        serde_json::from_str(&format!("{{\"entries\": [{entries}]}}")).unwrap()
    }

    fn entry(kind: &str, state: &str, at: &str) -> String {
        format!(
            r#"{{"kind": "{kind}", "state": "{state}", "message_id": "<m@x>", "content_hash": "h",
            "subject": "s", "recipients": ["list@example.org"], "to": ["list@example.org"],
            "bcc": [], "attempted_at": "{at}", "answered_at": "{at}"}}"#
        )
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 3, d).unwrap()
    }

    const WINDOW: Window = Window {
        earliest: NaiveDate::from_ymd_opt(2021, 3, 3).unwrap(),
        latest: NaiveDate::from_ymd_opt(2021, 3, 7),
    };

    #[test]
    fn the_journal_reads_in_doubt_first_then_sent_then_the_last_attempt() {
        let pre = MessageKind::PreAnnouncement;
        assert_eq!(
            journal_summary(&journal(""), pre),
            JournalSummary::NotSent { last_attempt: None }
        );
        let failed = entry("pre-announcement", "failed", "2021-03-05T10:00:00Z");
        assert_eq!(
            journal_summary(&journal(&failed), pre),
            JournalSummary::NotSent {
                last_attempt: Some(Attempt {
                    state: "failed",
                    at: "2021-03-05T10:00:00Z".to_string()
                })
            }
        );
        let sent = entry("pre-announcement", "sent", "2021-03-05T11:00:00Z");
        assert_eq!(
            journal_summary(&journal(&format!("{failed}, {sent}")), pre),
            JournalSummary::Sent {
                at: "2021-03-05T11:00:00Z".to_string(),
                to: "list@example.org".to_string()
            }
        );
        let doubt = entry("pre-announcement", "in-doubt", "2021-03-05T12:00:00Z");
        assert!(matches!(
            journal_summary(&journal(&format!("{sent}, {doubt}")), pre),
            JournalSummary::InDoubt { .. }
        ));
        assert!(matches!(
            journal_summary(&journal(&sent), MessageKind::Announcement),
            JournalSummary::NotSent { last_attempt: None }
        ));
    }

    #[test]
    fn a_test_copy_never_counts_as_sent_or_in_doubt() {
        let pre = MessageKind::PreAnnouncement;
        let copies = [
            entry("pre-announcement", "sent", "2021-03-04T11:00:00Z"),
            entry("pre-announcement", "in-doubt", "2021-03-04T12:00:00Z"),
        ]
        .map(|e| e.replacen('{', "{\"test\": true, ", 1))
        .join(", ");
        let journal = journal(&copies);
        assert_eq!(
            message_state(&journal, pre, "h", false, &WINDOW, day(5)),
            MessageState::SendableToday
        );
        assert_eq!(
            journal_summary(&journal, pre),
            JournalSummary::NotSent { last_attempt: None }
        );
    }

    #[test]
    fn the_state_is_the_journal_s_then_the_guard_s_then_the_window_s() {
        let pre = MessageKind::PreAnnouncement;
        let none = journal("");
        let state = |j: &Journal, hash: &str, blocked: bool, today: u32| {
            message_state(j, pre, hash, blocked, &WINDOW, day(today))
        };
        assert_eq!(state(&none, "h", false, 5), MessageState::SendableToday);
        assert_eq!(
            state(&none, "h", false, 1),
            MessageState::Due {
                days: 2,
                opens: day(3)
            }
        );
        assert_eq!(
            state(&none, "h", false, 9),
            MessageState::WindowClosed {
                days: 2,
                last_day: day(7)
            }
        );
        assert_eq!(state(&none, "h", true, 5), MessageState::Blocked);
        let sent = journal(&entry("pre-announcement", "sent", "2021-03-05T11:00:00Z"));
        let sent_state = |differs| MessageState::Sent {
            on: "2021-03-05".to_string(),
            message_id: "<m@x>".to_string(),
            differs,
        };
        // Sent stays sent, whatever the guard or the window says of the draft now.
        assert_eq!(state(&sent, "h", true, 9), sent_state(false));
        assert_eq!(state(&sent, "other", false, 5), sent_state(true));
        let doubt = journal(&entry(
            "pre-announcement",
            "in-doubt",
            "2021-03-05T12:00:00Z",
        ));
        assert_eq!(
            state(&doubt, "h", false, 5),
            MessageState::InDoubt {
                since: "2021-03-05T12:00:00Z".to_string(),
                message_id: "<m@x>".to_string()
            }
        );
    }

    #[test]
    fn today_is_placed_against_the_window() {
        assert_eq!(place(&WINDOW, day(1)), WindowPlace::Opens { days: 2 });
        assert_eq!(place(&WINDOW, day(7)), WindowPlace::Open);
        assert_eq!(place(&WINDOW, day(8)), WindowPlace::Closed { days: 1 });
        let open_ended = Window {
            earliest: day(3),
            latest: None,
        };
        assert_eq!(place(&open_ended, day(30)), WindowPlace::Open);
    }
}
