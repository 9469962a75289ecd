//! How a command ended, as its exit status tells a script.

use serde::Serialize;

use crate::deliver::journal::JournalError;
use crate::deliver::DeliverError;
use crate::pipeline::CommandError;
use crate::validate::{Finding, Severity};

/// The exit status of a command. The book's "Exit codes" page lists them; a script
/// may rely on each number meaning one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: clean, or sent.
    Success,
    /// 1: a policy violation or an embargo leak, or a send refused (the wrong day,
    /// already sent, in doubt, not confirmed, another send running).
    Refused,
    /// 2: unusable input, configuration or journal: nothing was rendered or sent.
    Unusable,
    /// 3: `send` delivered nothing: the server refused, or could not be reached.
    NotDelivered,
    /// 4: `send`: the server accepted the message and the journal could not record it.
    SentNotRecorded,
    /// 5: `send`: the data went out and no answer came.
    InDoubt,
    /// 6: `send --wait`: the server accepted the message (journaled as sent), and
    /// it did not appear in every configured archive within `wait_seconds`.
    NotYetSeen,
    /// 128 + N: `send` stopped by signal N (130 for Ctrl-C, 143 for SIGTERM), after
    /// saying what state the message is in.
    Interrupted(i32),
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Refused => 1,
            Exit::Unusable => 2,
            Exit::NotDelivered => 3,
            Exit::SentNotRecorded => 4,
            Exit::InDoubt => 5,
            Exit::NotYetSeen => 6,
            Exit::Interrupted(signal) => u8::try_from(128 + signal).unwrap_or(255),
        }
    }

    /// The status of a command that reports these findings: the worst one decides.
    pub fn of_findings(findings: &[Finding]) -> Exit {
        match crate::validate::worst(findings) {
            None | Some(Severity::Note) => Exit::Success,
            Some(Severity::Refusal | Severity::Violation) => Exit::Refused,
            Some(Severity::Invalid) => Exit::Unusable,
        }
    }

    /// The status of a command an error stopped: refused when another send holds the
    /// journal, unusable for input and setup, and the delivery's own statuses.
    pub fn of_error(error: &CommandError) -> Exit {
        match error {
            CommandError::Deliver(e) => Exit::of_delivery(e),
            CommandError::Journal(JournalError::Locked { .. }) => Exit::Refused,
            _ => Exit::Unusable,
        }
    }

    /// What a failed delivery means for the exit status.
    pub fn of_delivery(error: &DeliverError) -> Exit {
        match error {
            DeliverError::PlainToRemote { .. }
            | DeliverError::MissingPassword
            | DeliverError::TlsSetup(_)
            | DeliverError::Journal(_)
            | DeliverError::Sign(_)
            | DeliverError::Compose(_) => Exit::Unusable,
            DeliverError::Unsupported { .. }
            | DeliverError::Permanent { .. }
            | DeliverError::Tls { .. }
            | DeliverError::GaveUp { .. } => Exit::NotDelivered,
            DeliverError::SentNotRecorded { .. } => Exit::SentNotRecorded,
            DeliverError::InDoubt { .. } => Exit::InDoubt,
            DeliverError::Interrupted { signal, .. } => Exit::Interrupted(*signal),
        }
    }
}

impl Serialize for Exit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.code())
    }
}
