//! One attempt to send a message, as the journal records it.

use serde::{Deserialize, Serialize};

use crate::model::{Addressing, MessageKind};
use crate::render::{ComposedEmail, RenderedMessage};

/// What became of one attempt to send a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttemptState {
    /// The end of the message data went (or was about to go) to the server, and no
    /// answer was recorded: the message may or may not have been delivered.
    InDoubt,
    /// The server accepted the message, or a person settled the attempt as sent.
    Sent,
    /// The server refused the message after its data (a definite answer).
    Failed,
    /// A person settled an in-doubt attempt as not delivered.
    NotSent,
}

impl AttemptState {
    /// The name used in the journal and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::InDoubt => "in-doubt",
            AttemptState::Sent => "sent",
            AttemptState::Failed => "failed",
            AttemptState::NotSent => "not-sent",
        }
    }
}

/// Who settled an in-doubt attempt, when, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    /// The person, as given to `--by` or taken from `$USER`.
    pub by: String,
    /// RFC 3339 time of the settlement.
    pub at: String,
    /// What the person found: [`AttemptState::Sent`] or [`AttemptState::NotSent`].
    pub found: AttemptState,
}

/// One attempt to send a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalEntry {
    pub kind: MessageKind,
    /// Entries written before the write-ahead journal recorded only accepted
    /// messages, so an entry without a state counts as sent.
    #[serde(default = "legacy_state")]
    pub state: AttemptState,
    /// The Message-ID to look for in the list archive.
    pub message_id: String,
    /// SHA-256 over subject, text and HTML (see `RenderedMessage::content_hash`).
    pub content_hash: String,
    pub subject: String,
    /// `host:port (tls)` of the SMTP server.
    #[serde(default)]
    pub server: String,
    /// The envelope sender (`MAIL FROM`).
    #[serde(default)]
    pub envelope_from: String,
    /// Every envelope recipient (`RCPT TO`): To, Cc and Bcc.
    #[serde(default)]
    pub recipients: Vec<String>,
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// RFC 3339 time the end of the data was about to go to the server.
    #[serde(default)]
    pub attempted_at: String,
    /// RFC 3339 time of the server's answer.
    #[serde(default, alias = "sent_at")]
    pub answered_at: Option<String>,
    /// The server's answer to the message data.
    #[serde(default)]
    pub server_reply: Option<String>,
    /// Set when a person settled an in-doubt attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<Settlement>,
    /// A `[TEST]` copy to trusted test recipients (`send --test-to`): recorded, and
    /// never counted as the message sent to its lists.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
    /// Why an announcement went out without the pre-announcement its release
    /// required (`--without-pre-announcement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_pre_announcement: Option<String>,
    /// The facts the message told its readers (versions, day, scope, CVEs), for
    /// `check` to compare the release file with once it is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told: Option<crate::render::Told>,
    /// Where the list's archive showed this message: the second witness, besides
    /// the server's answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<crate::deliver::witness::Witness>,
    /// Why the archive was not asked before this attempt (`--no-archive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_archive: Option<String>,
    /// The approvals the send relied on (`[approval]`): who signed off this exact
    /// content, with the statement and signature, so the record stands on its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ReliedApproval>,
}

/// One approval a send counted: a listed approver's valid signature over the
/// statement naming the release, the message and its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReliedApproval {
    /// The approver, as `[approval] approvers` names them.
    pub approver: String,
    /// The key that signed: `OpenPGP FINGERPRINT` or `SSH SHA256:…`.
    pub key: String,
    /// The approval file, beside the release.
    pub file: String,
    /// When it was signed (RFC 3339), when the signature says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// The statement that was signed.
    pub statement: String,
    /// The armored signature.
    pub signature: String,
}

fn legacy_state() -> AttemptState {
    AttemptState::Sent
}

impl JournalEntry {
    /// The record of an attempt to send `email` (rendered as `message`, addressed by
    /// `addressing`) through `server`, before its outcome is known.
    pub fn attempt(
        message: &RenderedMessage,
        email: &ComposedEmail,
        addressing: &Addressing,
        server: &str,
    ) -> JournalEntry {
        let envelope = &email.envelope;
        JournalEntry {
            kind: message.kind,
            state: AttemptState::InDoubt,
            message_id: email.message_id.clone(),
            content_hash: message.content_hash.clone(),
            subject: message.subject.clone(),
            server: server.to_string(),
            envelope_from: envelope.from().map(ToString::to_string).unwrap_or_default(),
            recipients: envelope.to().iter().map(ToString::to_string).collect(),
            to: addressing.to.clone(),
            cc: addressing.cc.clone(),
            bcc: addressing.bcc.clone(),
            attempted_at: String::new(),
            answered_at: None,
            server_reply: None,
            settled: None,
            test: false,
            without_pre_announcement: None,
            told: None,
            approvals: Vec::new(),
            witnesses: Vec::new(),
            no_archive: None,
        }
    }

    /// When this attempt last changed: its settlement, its answer, or its start.
    pub fn last_change(&self) -> &str {
        // A message found in the archive before anything was sent has no attempt
        // time: when the archive showed it stands in.
        let attempted = Some(self.attempted_at.as_str()).filter(|at| !at.is_empty());
        self.settled
            .as_ref()
            .map(|s| s.at.as_str())
            .or(self.answered_at.as_deref())
            .or(attempted)
            .or(self.witnesses.first().map(|w| w.seen_at.as_str()))
            .unwrap_or(&self.attempted_at)
    }
}

impl std::fmt::Display for JournalEntry {
    /// One line: the state, when, the Message-ID, to whom, the reply, who settled it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.test {
            f.write_str("TEST COPY ")?;
        }
        let state = match self.state {
            AttemptState::InDoubt => {
                "IN DOUBT (find its Message-ID in the list archive, then `herald journal settle`)"
            }
            // Another clone, or a person, sent it: the archive showed it before
            // this journal sent anything.
            AttemptState::Sent if self.server.is_empty() && !self.witnesses.is_empty() => {
                "SENT (found in the list's archive before sending; nothing sent from here)"
            }
            AttemptState::Sent => "SENT",
            AttemptState::Failed => "FAILED",
            AttemptState::NotSent => "NOT SENT",
        };
        let recipients = if self.recipients.is_empty() {
            &self.to
        } else {
            &self.recipients
        };
        // The server wrote its reply, and anyone could have edited the file: what
        // reaches a terminal from here has its control characters escaped.
        let shown = crate::controls::escaped;
        write!(
            f,
            "{state} {} {} to {}",
            shown(self.last_change()),
            shown(&self.message_id),
            shown(&recipients.join(", "))
        )?;
        if let Some(reply) = &self.server_reply {
            write!(f, "; server: {}", shown(reply))?;
        }
        if let Some(settled) = &self.settled {
            write!(
                f,
                "; settled by {} at {}",
                shown(&settled.by),
                shown(&settled.at)
            )?;
        }
        for witness in &self.witnesses {
            write!(f, "; {witness}")?;
        }
        Ok(())
    }
}
