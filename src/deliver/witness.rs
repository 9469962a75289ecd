//! The list's archive as a second witness: where an archive showed a message, as
//! the journal keeps it with the attempt it confirms ([`super::archived`]).

use serde::{Deserialize, Serialize};

use crate::model::MessageKind;

/// Which kind of archive showed a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveKind {
    /// A mailbox subscribed to the list, read over IMAP.
    Imap,
    /// A public-inbox archive, read over HTTP.
    PublicInbox,
}

/// One archive's word that it has a message: which archive, where in it, and when
/// herald saw it there. The preview page and `plan` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub archive: ArchiveKind,
    /// The archive as configured: `imaps://HOST:PORT/MAILBOX`, or the public-inbox
    /// base URL.
    pub at: String,
    /// IMAP: the message's UID in the mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// IMAP: the mailbox's UIDVALIDITY, without which a UID names nothing for sure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_validity: Option<u32>,
    /// Where a person finds the message: the public-inbox page, or an IMAP URL
    /// (RFC 5092) naming the mailbox, UIDVALIDITY and UID.
    pub link: String,
    /// RFC 3339 time herald saw it there.
    pub seen_at: String,
}

impl std::fmt::Display for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Read back from a journal anyone could have edited.
        let shown = crate::controls::escaped;
        write!(
            f,
            "seen in the archive at {}: {}",
            shown(&self.seen_at),
            shown(&self.link)
        )
    }
}

/// What says that a message of a kind went to its lists: the journal alone (the
/// server's answer, or a person's settlement), or an archive too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentWitness {
    pub kind: MessageKind,
    pub message_id: String,
    /// `journal` or `archive`.
    pub by: &'static str,
    /// The archives that showed it, when `by` is `archive`.
    pub archives: Vec<Witness>,
}
