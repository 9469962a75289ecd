//! What asking an archive gives: its witness that it has a message, the messages
//! with the same subject and another Message-ID (for a person to judge, never a
//! match), and why an archive could not be asked.

use std::time::Duration;

use serde::Serialize;

pub use crate::deliver::witness::{ArchiveKind, Witness};

/// One archive's answer about one Message-ID.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    /// The archive as configured.
    pub archive: String,
    /// Where it has the message, when it does.
    pub witness: Option<Witness>,
    /// Messages it has with the same subject and another Message-ID.
    pub namesakes: Vec<Namesake>,
    /// How long asking took.
    #[serde(serialize_with = "milliseconds", rename = "took_ms")]
    pub took: Duration,
}

/// A message with the subject looked for and another Message-ID: perhaps the same
/// announcement sent another way, perhaps another message. It never counts as sent.
#[derive(Debug, Clone, Serialize)]
pub struct Namesake {
    pub message_id: String,
    pub subject: String,
    pub link: String,
}

/// What `herald archive check` found about one archive.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub archive: String,
    /// What was proven, for people: logged in as whom, how many messages, which list.
    pub proven: String,
    #[serde(serialize_with = "milliseconds", rename = "took_ms")]
    pub took: Duration,
}

fn milliseconds<S: serde::Serializer>(took: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(took.as_millis()).unwrap_or(u64::MAX))
}

/// Why an archive could not be asked. Every message is made safe when built: the
/// archive password, or a server's echo of it, never reaches one.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The configuration cannot be used as it is: nothing was asked.
    #[error("{0}")]
    Setup(String),
    /// The archive did not answer, or answered something else than yes or no.
    #[error("{archive}: {what}")]
    Failed { archive: String, what: String },
}

impl ArchiveError {
    /// The failure of `archive`, its text redacted and its control characters escaped.
    pub(super) fn failed(archive: &str, what: &str) -> ArchiveError {
        ArchiveError::Failed {
            archive: archive.to_string(),
            what: safe(what),
        }
    }
}

/// `text` with every registered secret redacted and control characters escaped.
pub(super) fn safe(text: &str) -> String {
    crate::controls::escaped(&crate::secrets::redact(text)).into_owned()
}
