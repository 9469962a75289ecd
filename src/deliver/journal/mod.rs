//! The send journal: a write-ahead log, beside the release file, of every attempt to
//! send one of its messages. It is what stops a message from going out twice.
//!
//! An attempt is written, durably, *before* the end of the message data goes to the
//! server, in the state [`AttemptState::InDoubt`]. The server's answer turns it into
//! [`AttemptState::Sent`] or [`AttemptState::Failed`]. An attempt that never got an
//! answer (a crash, Ctrl-C, a time-out after the data) stays in doubt: herald will not
//! guess, and every later send of that message stops until a person settles it with
//! `herald journal settle` ([`Journal::settle`]).
//!
//! Sends of one release are serialised by [`JournalLock`], an advisory lock the
//! operating system releases when the process dies, so a crash never leaves a lock
//! that a person must delete.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::MessageKind;

mod entry;
mod lock;
#[cfg(test)]
mod tests;

pub use entry::{AttemptState, JournalEntry, ReliedApproval, Settlement};
pub use lock::JournalLock;

/// The journal of one release file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    #[serde(skip)]
    path: PathBuf,
    pub entries: Vec<JournalEntry>,
    /// Held by a journal opened to be written ([`Journal::lock`]).
    #[serde(skip)]
    lock: Option<JournalLock>,
}

/// Why the journal could not be read, written or locked.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{}: cannot read the send journal: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the send journal is a symbolic link (to {}); herald reads and writes the journal only as a regular file beside the release file, never through a link, which a repository could point anywhere: replace the link with the file it points to", path.display(), target.display())]
    Link { path: PathBuf, target: PathBuf },
    #[error("{}: the journal's lock file is a symbolic link (to {}); herald never opens a link to write: remove it (a new lock file is made on the next send)", path.display(), target.display())]
    LockLink { path: PathBuf, target: PathBuf },
    #[error("{}: the journal's lock file has other names (hard links); herald writes into its own lock file, and would write into the file it is linked with: remove it (a new lock file is made on the next send)", path.display())]
    LockHardLink { path: PathBuf },
    #[error("{}: the send journal is not valid: {source}; it records what was already sent, so fix that place by hand (kinds are \"pre-announcement\" and \"announcement\", states \"in-doubt\", \"sent\", \"failed\" and \"not-sent\") rather than deleting it", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: cannot write the send journal: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The journal could not record an attempt before its end of data: nothing went.
    #[error("{}: cannot write the send journal: {source}; nothing was sent, because herald sends only what it can record", path.display())]
    Unrecordable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the send journal is not a regular file; herald reads and writes only a regular file there", path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: the lock file was removed or replaced while this send held it, or the journal was written by another process; nothing was sent. Run the send again", path.display())]
    LockLost { path: PathBuf },
    #[error("{}: another herald send of this release is running{}; wait for it to finish (the lock is released when that process ends, however it ends)", path.display(), holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Locked {
        path: PathBuf,
        holder: Option<String>,
    },
    #[error("{}: no {kind} attempt is in doubt; nothing to settle", path.display())]
    NothingToSettle { path: PathBuf, kind: MessageKind },
}

/// What the journal says about a message about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous<'a> {
    /// Nothing of this kind was sent.
    NotSent,
    /// This exact content was sent to every recipient.
    SameSent(&'a JournalEntry),
    /// This exact content was sent to some of the recipients: those in `delivered`.
    PartlySent { delivered: Vec<String> },
    /// A message of this kind was sent with other content.
    ChangedSinceSent(&'a JournalEntry),
}

/// The journal path of a release file: `RELEASE.journal.json` beside the file the
/// release really is, so that a release reached through a link or another relative
/// path has one journal. (A hard link under another name is another release file.)
pub fn journal_path(release: &Path) -> PathBuf {
    let release = std::fs::canonicalize(release).unwrap_or_else(|_| release.to_path_buf());
    let mut name = release.file_name().unwrap_or_default().to_os_string();
    name.push(".journal.json");
    release.with_file_name(name)
}

/// A write error before the end of a message's data: nothing was sent.
fn unrecordable(error: JournalError) -> JournalError {
    match error {
        JournalError::Write { path, source } => JournalError::Unrecordable { path, source },
        other => other,
    }
}

pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Journal {
    /// Opens the journal of a release file. A missing journal is empty; one that cannot
    /// be read or understood, or a link to nothing, is an error that says what to fix.
    pub fn open(release: &Path) -> Result<Journal, JournalError> {
        Self::read(journal_path(release))
    }

    /// Claims the journal of `release` ([`JournalLock`]) and opens it to be written.
    /// Temporary files that killed writes of the journal left beside it are removed
    /// under the lock.
    pub fn lock(release: &Path) -> Result<Journal, JournalError> {
        let lock = JournalLock::acquire(release)?;
        let mut journal = Self::open(release)?;
        journal.lock = Some(lock);
        let path = journal.path.clone();
        if let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str()))
        {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            crate::remove_leftovers(dir, "journal write", |target| target == name)
                .map_err(|source| JournalError::Write { path, source })?;
        }
        Ok(journal)
    }

    fn read(path: PathBuf) -> Result<Journal, JournalError> {
        let empty = |path| Journal {
            path,
            entries: Vec::new(),
            lock: None,
        };
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path).unwrap_or_default();
                return Err(JournalError::Link { path, target });
            }
            // A FIFO or a device would block or never end; only a regular file is read.
            Ok(meta) if !meta.is_file() => return Err(JournalError::NotAFile { path }),
            _ => {}
        }
        let text = match std::fs::read_to_string(&path).map(|text| {
            // A journal an older herald wrote may hold a server's echo of a secret:
            // read as it will be written back, or the write-ahead check before the
            // end of the data would take the redaction for another writer's change.
            crate::secrets::redact(&text).into_owned()
        }) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(empty(path)),
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

    /// Proves that the journal can be written where it lives, by writing it as it is
    /// (creating it when missing). Called before connecting, so that a message is
    /// never sent that could not be recorded.
    pub fn check_writable(&self) -> Result<(), JournalError> {
        self.save().map_err(unrecordable)
    }

    /// The attempt of `kind` whose outcome is unknown, if any. A test copy's does not
    /// count: it went to a trusted test address, not to a list.
    pub fn in_doubt(&self, kind: MessageKind) -> Option<&JournalEntry> {
        self.entries
            .iter()
            .find(|e| e.kind == kind && e.state == AttemptState::InDoubt && !e.test)
    }

    /// The transactions that gave a message of `kind` to its lists, test copies not
    /// counted.
    fn sent(&self, kind: MessageKind) -> impl DoubleEndedIterator<Item = &JournalEntry> + Clone {
        self.entries
            .iter()
            .filter(move |e| e.kind == kind && e.state == AttemptState::Sent && !e.test)
    }

    /// What was sent before of `kind`, compared with `content_hash` and the envelope
    /// `recipients` of the message about to go. A message sent in several
    /// transactions (a server that takes a few recipients at a time, a send stopped
    /// half-way) counts as sent only when every recipient had it.
    pub fn previous(
        &self,
        kind: MessageKind,
        content_hash: &str,
        recipients: &[String],
    ) -> Previous<'_> {
        let mut sent = self.sent(kind);
        let same: Vec<&JournalEntry> = sent
            .clone()
            .filter(|e| e.content_hash == content_hash)
            .collect();
        if let Some(last) = same.last() {
            // Entries written before recipients were recorded count for everyone.
            if same.iter().any(|e| e.recipients.is_empty()) {
                return Previous::SameSent(last);
            }
            let delivered: Vec<String> = recipients
                .iter()
                .filter(|r| same.iter().any(|e| e.recipients.contains(r)))
                .cloned()
                .collect();
            return if delivered.len() == recipients.len() {
                Previous::SameSent(last)
            } else {
                Previous::PartlySent { delivered }
            };
        }
        match sent.next_back() {
            Some(other) => Previous::ChangedSinceSent(other),
            None => Previous::NotSent,
        }
    }

    /// How many times this exact content of `kind` was sent, one message however many
    /// transactions it took.
    pub fn times_sent(&self, kind: MessageKind, content_hash: &str) -> usize {
        let mut ids: Vec<&str> = self
            .sent(kind)
            .filter(|e| e.content_hash == content_hash)
            .map(|e| e.message_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// Whether any message of `kind` was sent.
    pub fn has_sent(&self, kind: MessageKind) -> bool {
        self.sent(kind).next().is_some()
    }

    /// The last message of `kind` that went to its lists, if any.
    pub fn last_sent(&self, kind: MessageKind) -> Option<&JournalEntry> {
        self.sent(kind).next_back()
    }

    /// Records, durably, that the end of a message's data is about to go to the
    /// server: `entry` is stored in doubt, with the time. Returns its index for
    /// [`Journal::conclude`]. Callers hold the [`JournalLock`].
    ///
    /// Before writing, it makes sure this send still holds the lock and that nobody
    /// else wrote the journal meanwhile; if not, nothing is written or sent. If the
    /// write fails, the journal is put back as it was as far as possible.
    pub fn begin(&mut self, mut entry: JournalEntry) -> Result<usize, JournalError> {
        self.ensure_unchanged()?;
        entry.state = AttemptState::InDoubt;
        entry.attempted_at = now();
        entry.answered_at = None;
        entry.server_reply = None;
        entry.settled = None;
        self.entries.push(entry);
        if let Err(error) = self.save() {
            // The rename may have happened before a later step failed: undo it.
            self.entries.pop();
            let _ = self.save();
            return Err(unrecordable(error));
        }
        Ok(self.entries.len() - 1)
    }

    /// Makes sure this send still holds the lock and that nobody else wrote the
    /// journal since it was read.
    pub(super) fn ensure_unchanged(&self) -> Result<(), JournalError> {
        let lost = || JournalError::LockLost {
            path: self.path.clone(),
        };
        if self.lock.as_ref().is_some_and(|lock| !lock.still_held()) {
            return Err(lost());
        }
        let on_disk = Self::read(self.path.clone())?;
        if on_disk.entries != self.entries {
            return Err(lost());
        }
        Ok(())
    }

    /// Records the server's answer to attempt `index`: `Sent` or `Failed`.
    pub fn conclude(
        &mut self,
        index: usize,
        state: AttemptState,
        reply: String,
    ) -> Result<(), JournalError> {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.state = state;
            entry.answered_at = Some(now());
            entry.server_reply = Some(reply);
        }
        self.save()
    }

    /// Settles every in-doubt attempt of `kind` as `found` (sent or not sent), recording
    /// who and when. Returns the settled entries.
    pub fn settle(
        &mut self,
        kind: MessageKind,
        sent: bool,
        by: &str,
    ) -> Result<Vec<JournalEntry>, JournalError> {
        let found = if sent {
            AttemptState::Sent
        } else {
            AttemptState::NotSent
        };
        let at = now();
        let mut settled = Vec::new();
        for entry in &mut self.entries {
            if entry.kind == kind && entry.state == AttemptState::InDoubt {
                entry.state = found;
                entry.settled = Some(Settlement {
                    by: by.to_string(),
                    at: at.clone(),
                    found,
                });
                settled.push(entry.clone());
            }
        }
        if settled.is_empty() {
            return Err(JournalError::NothingToSettle {
                path: self.path.clone(),
                kind,
            });
        }
        self.save()?;
        Ok(settled)
    }

    /// Writes the journal atomically (temporary file, fsync, rename, fsync of the
    /// directory), so a crash leaves the old or the new journal, never half of one.
    pub(super) fn save(&self) -> Result<(), JournalError> {
        let write_err = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| write_err(e.into()))?;
        text.push('\n');
        // The journal is committed and shared: a server's echo of a secret stops here
        // too, whatever path brought it in.
        let text = crate::secrets::redact(&text);
        crate::write_atomically(&self.path, text.as_bytes()).map_err(write_err)
    }
}
