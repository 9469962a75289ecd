//! The send journal: a JSON file beside the release file recording every message the
//! SMTP server accepted. It is what stops a message from going out twice.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::MessageKind;

/// One accepted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// `pre-announcement` or `announcement`.
    pub kind: String,
    pub message_id: String,
    /// SHA-256 over subject, text and HTML (see `RenderedMessage::content_hash`).
    pub content_hash: String,
    pub subject: String,
    pub to: Vec<String>,
    pub bcc: Vec<String>,
    /// RFC 3339 time of acceptance.
    pub sent_at: String,
    /// The server's reply to the message.
    pub server_reply: String,
}

/// The journal of one release file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Journal {
    #[serde(skip)]
    path: PathBuf,
    pub entries: Vec<JournalEntry>,
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{}: cannot read the send journal: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the send journal is not valid ({source}); fix or move it aside, it records what was already sent", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: cannot write the send journal: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: another send of this release is running; if none is, delete this lock file", path.display())]
    Locked { path: PathBuf },
}

/// What the journal says about a message about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous<'a> {
    /// Nothing of this kind was sent.
    NotSent,
    /// This exact content was sent.
    SameSent(&'a JournalEntry),
    /// A message of this kind was sent with other content.
    ChangedSinceSent(&'a JournalEntry),
}

/// An exclusive claim on a release's journal, held from the journal check until the
/// message is recorded, so two sends of one release cannot both pass the check.
/// The lock file is removed when the claim is dropped.
#[derive(Debug)]
pub struct JournalLock {
    path: PathBuf,
}

impl JournalLock {
    /// Claims the journal of `release`, or says which lock file stands in the way.
    pub fn acquire(release: &Path) -> Result<JournalLock, JournalError> {
        let mut name = journal_path(release)
            .file_name()
            .unwrap_or_default()
            .to_os_string();
        name.push(".lock");
        let path = release.with_file_name(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                let _ = writeln!(file, "herald send, process {}", std::process::id());
                Ok(JournalLock { path })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(JournalError::Locked { path })
            }
            Err(source) => Err(JournalError::Write { path, source }),
        }
    }
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The journal path of a release file: `RELEASE.journal.json` beside it.
pub fn journal_path(release: &Path) -> PathBuf {
    let mut name = release.file_name().unwrap_or_default().to_os_string();
    name.push(".journal.json");
    release.with_file_name(name)
}

impl Journal {
    /// Opens the journal of a release file; a missing journal is empty.
    pub fn open(release: &Path) -> Result<Journal, JournalError> {
        let path = journal_path(release);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Journal {
                    path,
                    entries: Vec::new(),
                })
            }
            Err(source) => return Err(JournalError::Read { path, source }),
        };
        let mut journal: Journal =
            serde_json::from_str(&text).map_err(|source| JournalError::Parse {
                path: path.clone(),
                source,
            })?;
        journal.path = path;
        Ok(journal)
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What was sent before of `kind`, compared with `content_hash`.
    pub fn previous(&self, kind: MessageKind, content_hash: &str) -> Previous<'_> {
        let mut sent = self.entries.iter().filter(|e| e.kind == kind.as_str());
        if let Some(same) = sent.clone().find(|e| e.content_hash == content_hash) {
            return Previous::SameSent(same);
        }
        match sent.next_back() {
            Some(other) => Previous::ChangedSinceSent(other),
            None => Previous::NotSent,
        }
    }

    /// How many times this exact content of `kind` was sent.
    pub fn times_sent(&self, kind: MessageKind, content_hash: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| e.kind == kind.as_str() && e.content_hash == content_hash)
            .count()
    }

    /// Whether any message of `kind` was sent.
    pub fn has_sent(&self, kind: MessageKind) -> bool {
        self.entries.iter().any(|e| e.kind == kind.as_str())
    }

    /// Records an accepted message and writes the journal atomically (temporary file,
    /// fsync, rename), so a crash leaves the old or the new journal, never half of one.
    /// Callers hold the [`JournalLock`].
    pub fn record(&mut self, entry: JournalEntry) -> Result<(), JournalError> {
        self.entries.push(entry);
        let write_err = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| write_err(e.into()))?;
        text.push('\n');
        crate::write_atomically(&self.path, text.as_bytes()).map_err(write_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, hash: &str) -> JournalEntry {
        JournalEntry {
            kind: kind.to_string(),
            message_id: "<id@example.org>".to_string(),
            content_hash: hash.to_string(),
            subject: "s".to_string(),
            to: vec!["a@example.org".to_string()],
            bcc: Vec::new(),
            sent_at: "2021-03-10T12:00:00Z".to_string(),
            server_reply: "250 OK".to_string(),
        }
    }

    #[test]
    fn records_survive_reopening_and_tell_same_from_changed() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("go1.16.1.toml");
        let mut journal = Journal::open(&release).unwrap();
        assert_eq!(
            journal.previous(MessageKind::Announcement, "h1"),
            Previous::NotSent
        );
        journal.record(entry("announcement", "h1")).unwrap();
        let journal = Journal::open(&release).unwrap();
        assert!(journal.path().ends_with("go1.16.1.toml.journal.json"));
        assert!(matches!(
            journal.previous(MessageKind::Announcement, "h1"),
            Previous::SameSent(_)
        ));
        assert!(matches!(
            journal.previous(MessageKind::Announcement, "h2"),
            Previous::ChangedSinceSent(_)
        ));
        assert_eq!(
            journal.previous(MessageKind::PreAnnouncement, "h1"),
            Previous::NotSent
        );
    }

    #[test]
    fn a_corrupt_journal_is_an_error_not_an_empty_journal() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        std::fs::write(journal_path(&release), "{not json").unwrap();
        let err = Journal::open(&release).unwrap_err();
        assert!(err.to_string().contains("not valid"), "{err}");
    }
}
