//! What the list's archive showed, in the journal: an attempt in doubt settled on its
//! word, a message it had before this journal sent anything (a second clone of the
//! release, an earlier send by hand), and where it showed a message just sent.

use super::journal::{now, AttemptState, Journal, JournalEntry, JournalError, Settlement};
use super::witness::{SentWitness, Witness};
use crate::model::MessageKind;

impl Journal {
    /// What says the last message of `kind` sent to its lists went out, if one did.
    pub fn witness(&self, kind: MessageKind) -> Option<SentWitness> {
        let last = self.last_sent(kind)?;
        let archives: Vec<Witness> = self
            .entries
            .iter()
            .filter(|e| e.kind == kind && e.message_id == last.message_id && !e.test)
            .flat_map(|e| e.witnesses.iter().cloned())
            .collect();
        Some(SentWitness {
            kind,
            message_id: last.message_id.clone(),
            by: if archives.is_empty() {
                "journal"
            } else {
                "archive"
            },
            archives,
        })
    }

    /// Records `entry` as sent on the archives' word alone: the archives had its
    /// Message-ID before this journal sent anything, so nothing is sent.
    pub fn record_found(
        &mut self,
        mut entry: JournalEntry,
        witnesses: Vec<Witness>,
    ) -> Result<(), JournalError> {
        self.ensure_unchanged()?;
        entry.state = AttemptState::Sent;
        entry.attempted_at = String::new();
        entry.answered_at = None;
        entry.server_reply = None;
        entry.settled = None;
        entry.witnesses = witnesses;
        self.entries.push(entry);
        self.save()
    }

    /// Settles the in-doubt attempts of `kind` with `message_id` as sent, on the
    /// archives' word, recording who asked (`by`) and where the archives showed it.
    /// Returns the settled attempts.
    pub fn settle_from_archive(
        &mut self,
        kind: MessageKind,
        message_id: &str,
        witnesses: &[Witness],
        by: &str,
    ) -> Result<Vec<JournalEntry>, JournalError> {
        self.ensure_unchanged()?;
        let at = now();
        let mut settled = Vec::new();
        for entry in &mut self.entries {
            if entry.kind == kind
                && entry.state == AttemptState::InDoubt
                && !entry.test
                && entry.message_id == message_id
            {
                entry.state = AttemptState::Sent;
                entry.settled = Some(Settlement {
                    by: by.to_string(),
                    at: at.clone(),
                    found: AttemptState::Sent,
                });
                entry.witnesses.extend(witnesses.iter().cloned());
                settled.push(entry.clone());
            }
        }
        if settled.is_empty() {
            return Err(JournalError::NothingToSettle {
                path: self.path().to_path_buf(),
                kind,
            });
        }
        self.save()?;
        Ok(settled)
    }

    /// Adds where the archives showed `message_id` to the sent attempts that gave
    /// it to the lists (`send --wait`).
    pub fn add_witnesses(
        &mut self,
        message_id: &str,
        witnesses: &[Witness],
    ) -> Result<(), JournalError> {
        for entry in &mut self.entries {
            if entry.message_id == message_id && entry.state == AttemptState::Sent && !entry.test {
                entry.witnesses.extend(witnesses.iter().cloned());
            }
        }
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::witness::ArchiveKind;

    fn witness() -> Witness {
        Witness {
            archive: ArchiveKind::Imap,
            at: "imaps://imap.example.org:993/Lists/announce".into(),
            uid: Some(7),
            uid_validity: Some(1234),
            link: "imaps://imap.example.org:993/Lists/announce;UIDVALIDITY=1234/;UID=7".into(),
            seen_at: "2021-03-10T12:00:00Z".into(),
        }
    }

    fn attempt(message_id: &str) -> JournalEntry {
        let mut entry: JournalEntry = serde_json::from_value(serde_json::json!({
            "kind": "announcement", "state": "in-doubt", "message_id": message_id,
            "content_hash": "h", "subject": "s", "to": ["l@example.org"], "bcc": [],
            "recipients": ["l@example.org"]
        }))
        .unwrap();
        entry.attempted_at = "2021-03-10T11:59:00Z".into();
        entry
    }

    #[test]
    fn an_attempt_in_doubt_is_settled_sent_only_for_its_own_message_id() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let mut journal = Journal::lock(&release).unwrap();
        journal.begin(attempt("<a@example.org>")).unwrap();
        let kind = MessageKind::Announcement;
        let err = journal
            .settle_from_archive(kind, "<other@example.org>", &[witness()], "katie")
            .unwrap_err();
        assert!(matches!(err, JournalError::NothingToSettle { .. }), "{err}");
        assert!(journal.in_doubt(kind).is_some());
        let settled = journal
            .settle_from_archive(kind, "<a@example.org>", &[witness()], "katie")
            .unwrap();
        assert_eq!(settled.len(), 1);
        let reopened = Journal::open(&release).unwrap();
        assert!(reopened.in_doubt(kind).is_none());
        let said = reopened.witness(kind).unwrap();
        assert_eq!((said.by, said.archives.len()), ("archive", 1));
        assert!(reopened.entries[0].to_string().contains(";UID=7"));
    }

    #[test]
    fn a_message_found_before_sending_counts_as_sent_with_its_witness() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let mut journal = Journal::lock(&release).unwrap();
        journal
            .record_found(attempt("<a@example.org>"), vec![witness()])
            .unwrap();
        let reopened = Journal::open(&release).unwrap();
        let recipients = ["l@example.org".to_string()];
        assert!(matches!(
            reopened.previous(MessageKind::Announcement, "h", &recipients),
            super::super::journal::Previous::SameSent(_)
        ));
        assert_eq!(reopened.entries[0].last_change(), "2021-03-10T12:00:00Z");
        assert!(reopened.witness(MessageKind::PreAnnouncement).is_none());
    }
}
