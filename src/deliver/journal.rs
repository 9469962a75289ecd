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

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::Addressing;
use crate::model::MessageKind;
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
    pub witnesses: Vec<super::witness::Witness>,
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

/// An exclusive claim on a release's journal, held from the journal check until the
/// outcome is recorded, so two sends of one release cannot both pass the check.
///
/// It is an advisory lock on `RELEASE.journal.json.lock` taken with
/// [`File::try_lock`]: the operating system releases it when the process ends, by
/// a crash or a kill included. The file itself stays; a leftover file blocks nobody.
///
/// The lock file stands beside the journal, which is itself never a link.
#[derive(Debug)]
pub struct JournalLock {
    file: File,
    path: PathBuf,
}

impl JournalLock {
    /// Claims the journal of `release`, or says that another send holds it.
    pub fn acquire(release: &Path) -> Result<JournalLock, JournalError> {
        let path = lock_path(release);
        let write_error = |source| JournalError::Unrecordable {
            path: path.clone(),
            source,
        };
        // A lock file replaced between opening and locking is opened again, so the
        // lock held is always on the file at the path.
        for _ in 0..8 {
            // O_NOFOLLOW: a link at the lock's path is refused, never opened through.
            let opened = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path);
            let mut file = match opened {
                Ok(file) => file,
                Err(_) if std::fs::read_link(&path).is_ok() => {
                    return Err(JournalError::LockLink {
                        target: std::fs::read_link(&path).unwrap_or_default(),
                        path: path.clone(),
                    })
                }
                Err(source) => return Err(write_error(source)),
            };
            // A hard link is another name of some file: writing the holder into it
            // would write into that file.
            {
                use std::os::unix::fs::MetadataExt;
                if file.metadata().is_ok_and(|m| m.nlink() > 1) {
                    return Err(JournalError::LockHardLink { path: path.clone() });
                }
            }
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    return Err(JournalError::Locked {
                        path: path.clone(),
                        holder: (!holder.is_empty()).then(|| holder.to_string()),
                    });
                }
                Err(TryLockError::Error(source)) => return Err(write_error(source)),
            }
            let lock = JournalLock {
                file,
                path: path.clone(),
            };
            if !lock.still_held() {
                continue;
            }
            // Who holds it, for the message another send prints; only informative.
            let mut file = &lock.file;
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = write!(file, "herald send, process {}", std::process::id());
            return Ok(lock);
        }
        Err(JournalError::LockLost { path })
    }

    /// Whether the file at the lock's path is still the one this lock holds: a lock
    /// file removed or replaced by hand no longer excludes anyone.
    pub fn still_held(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match (self.file.metadata(), std::fs::metadata(&self.path)) {
            (Ok(held), Ok(there)) => held.dev() == there.dev() && held.ino() == there.ino(),
            _ => false,
        }
    }
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

/// The lock file of a release's journal: `JOURNAL.lock` beside the journal.
fn lock_path(release: &Path) -> PathBuf {
    let journal = journal_path(release);
    let mut name = journal.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    journal.with_file_name(name)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn everyone() -> Vec<String> {
        vec!["a@example.org".to_string()]
    }

    fn entry(kind: MessageKind, hash: &str) -> JournalEntry {
        JournalEntry {
            kind,
            state: AttemptState::InDoubt,
            message_id: "<id@example.org>".to_string(),
            content_hash: hash.to_string(),
            subject: "s".to_string(),
            server: "127.0.0.1:25 (none)".to_string(),
            envelope_from: "r@example.org".to_string(),
            recipients: vec!["a@example.org".to_string()],
            to: vec!["a@example.org".to_string()],
            cc: Vec::new(),
            bcc: Vec::new(),
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

    #[test]
    fn what_a_server_or_an_editor_wrote_is_shown_escaped() {
        let mut entry = entry(MessageKind::Announcement, "h");
        entry.message_id = "<a\u{7}@b>".to_string();
        entry.server_reply = Some("250 ok \u{1b}[2J".to_string());
        let shown = entry.to_string();
        assert!(!shown.contains(['\u{7}', '\u{1b}']), "{shown}");
        assert!(
            shown.contains("<a\\u{7}@b>") && shown.contains("250 ok \\u{1b}[2J"),
            "{shown}"
        );
    }

    #[test]
    fn attempts_are_in_doubt_until_concluded_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("go1.16.1.toml");
        let mut journal = Journal::open(&release).unwrap();
        let index = journal
            .begin(entry(MessageKind::Announcement, "h1"))
            .unwrap();
        let reopened = Journal::open(&release).unwrap();
        assert!(reopened.in_doubt(MessageKind::Announcement).is_some());
        assert_eq!(
            reopened.previous(MessageKind::Announcement, "h1", &everyone()),
            Previous::NotSent
        );
        journal
            .conclude(index, AttemptState::Sent, "250 OK".to_string())
            .unwrap();
        let journal = Journal::open(&release).unwrap();
        assert!(journal.path().ends_with("go1.16.1.toml.journal.json"));
        assert!(journal.in_doubt(MessageKind::Announcement).is_none());
        assert!(matches!(
            journal.previous(MessageKind::Announcement, "h1", &everyone()),
            Previous::SameSent(_)
        ));
        assert!(matches!(
            journal.previous(MessageKind::Announcement, "h2", &everyone()),
            Previous::ChangedSinceSent(_)
        ));
        assert_eq!(
            journal.previous(MessageKind::PreAnnouncement, "h1", &everyone()),
            Previous::NotSent
        );
    }

    #[test]
    fn settling_records_who_and_what_and_needs_something_in_doubt() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let mut journal = Journal::open(&release).unwrap();
        journal
            .begin(entry(MessageKind::PreAnnouncement, "h"))
            .unwrap();
        let settled = journal
            .settle(MessageKind::PreAnnouncement, false, "katie")
            .unwrap();
        assert_eq!(settled.len(), 1);
        let journal = Journal::open(&release).unwrap();
        let only = &journal.entries[0];
        assert_eq!(only.state, AttemptState::NotSent);
        assert_eq!(only.settled.as_ref().unwrap().by, "katie");
        let mut journal = journal;
        let err = journal
            .settle(MessageKind::PreAnnouncement, true, "katie")
            .unwrap_err();
        assert!(matches!(err, JournalError::NothingToSettle { .. }), "{err}");
    }

    #[test]
    fn a_corrupt_journal_or_an_unknown_kind_is_an_error_not_an_empty_journal() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        std::fs::write(journal_path(&release), "{not json").unwrap();
        let err = Journal::open(&release).unwrap_err();
        assert!(err.to_string().contains("not valid"), "{err}");
        std::fs::write(
            journal_path(&release),
            r#"{"entries":[{"kind":"Announcement","message_id":"<a@b>","content_hash":"h","subject":"s","to":[],"bcc":[],"sent_at":"x","server_reply":"250"}]}"#,
        )
        .unwrap();
        let err = Journal::open(&release).unwrap_err().to_string();
        assert!(err.contains("unknown variant `Announcement`"), "{err}");
        assert!(err.contains("line 1 column"), "{err}");
    }

    #[test]
    fn a_journal_written_before_the_write_ahead_log_still_counts_as_sent() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        std::fs::write(
            journal_path(&release),
            r#"{"entries":[{"kind":"announcement","message_id":"<a@b>","content_hash":"h","subject":"s","to":["l@x"],"bcc":[],"sent_at":"2021-03-10T12:00:00Z","server_reply":"250 OK"}]}"#,
        )
        .unwrap();
        let journal = Journal::open(&release).unwrap();
        assert!(matches!(
            journal.previous(MessageKind::Announcement, "h", &everyone()),
            Previous::SameSent(_)
        ));
    }

    #[test]
    fn a_journal_or_lock_that_is_a_link_is_refused_and_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let elsewhere = dir.path().join("elsewhere.txt");
        std::fs::write(&elsewhere, "keep me").unwrap();
        std::os::unix::fs::symlink(&elsewhere, journal_path(&release)).unwrap();
        let err = Journal::open(&release).unwrap_err();
        assert!(matches!(err, JournalError::Link { .. }), "{err}");
        std::fs::remove_file(journal_path(&release)).unwrap();
        std::os::unix::fs::symlink(dir.path().join("gone"), journal_path(&release)).unwrap();
        let err = Journal::open(&release).unwrap_err();
        assert!(matches!(err, JournalError::Link { .. }), "{err}");
        std::fs::remove_file(journal_path(&release)).unwrap();

        for target in [elsewhere.clone(), dir.path().join("dangling")] {
            std::os::unix::fs::symlink(&target, lock_path(&release)).unwrap();
            let err = Journal::lock(&release).unwrap_err();
            assert!(matches!(err, JournalError::LockLink { .. }), "{err}");
            std::fs::remove_file(lock_path(&release)).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me");
        assert!(!dir.path().join("dangling").exists());
    }

    #[test]
    fn leftovers_of_killed_journal_writes_are_removed_under_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let journal = journal_path(&release);
        let name = journal.file_name().unwrap().to_str().unwrap().to_string();
        let leftover = crate::temporary_beside(dir.path(), &name);
        std::fs::write(&leftover, "{").unwrap();
        let other = crate::temporary_beside(dir.path(), "drafts.eml");
        std::fs::write(&other, "x").unwrap();
        let _journal = Journal::lock(&release).unwrap();
        assert!(!leftover.exists());
        assert!(other.exists());
    }

    #[test]
    fn a_message_sent_to_some_recipients_is_partly_sent_until_every_one_has_it() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let mut journal = Journal::open(&release).unwrap();
        let all: Vec<String> = ["a@x.org", "b@x.org", "c@x.org"].map(String::from).into();
        let mut first = entry(MessageKind::Announcement, "h");
        first.recipients = all[..2].to_vec();
        let index = journal.begin(first).unwrap();
        journal
            .conclude(index, AttemptState::Sent, "250".into())
            .unwrap();
        match journal.previous(MessageKind::Announcement, "h", &all) {
            Previous::PartlySent { delivered } => assert_eq!(delivered, all[..2]),
            other => panic!("{other:?}"),
        }
        let mut rest = entry(MessageKind::Announcement, "h");
        rest.recipients = all[2..].to_vec();
        let index = journal.begin(rest).unwrap();
        journal
            .conclude(index, AttemptState::Sent, "250".into())
            .unwrap();
        assert!(matches!(
            journal.previous(MessageKind::Announcement, "h", &all),
            Previous::SameSent(_)
        ));
        assert_eq!(journal.times_sent(MessageKind::Announcement, "h"), 1);
        let mut test = entry(MessageKind::PreAnnouncement, "t");
        test.test = true;
        journal.begin(test).unwrap();
        assert!(journal.in_doubt(MessageKind::PreAnnouncement).is_none());
        assert!(!journal.has_sent(MessageKind::PreAnnouncement));
    }

    #[test]
    fn a_fifo_is_not_read_as_a_journal() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let status = std::process::Command::new("mkfifo")
            .arg(journal_path(&release))
            .status()
            .unwrap();
        assert!(status.success());
        let err = Journal::open(&release).unwrap_err();
        assert!(matches!(err, JournalError::NotAFile { .. }), "{err}");
    }

    #[test]
    fn an_attempt_is_not_begun_when_the_lock_was_taken_away_or_the_journal_written_by_another() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let mut journal = Journal::lock(&release).unwrap();
        std::fs::remove_file(lock_path(&release)).unwrap();
        let err = journal
            .begin(entry(MessageKind::Announcement, "h"))
            .unwrap_err();
        assert!(matches!(err, JournalError::LockLost { .. }), "{err}");
        drop(journal);

        let mut first = Journal::lock(&release).unwrap();
        let mut other = Journal::open(&release).unwrap();
        other.begin(entry(MessageKind::Announcement, "h")).unwrap();
        let err = first
            .begin(entry(MessageKind::Announcement, "h"))
            .unwrap_err();
        assert!(matches!(err, JournalError::LockLost { .. }), "{err}");
        assert_eq!(Journal::open(&release).unwrap().entries.len(), 1);
    }

    #[test]
    fn a_release_reached_by_a_link_has_the_same_journal_and_lock() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("release.toml");
        std::fs::write(&release, "").unwrap();
        std::fs::create_dir(dir.path().join("b")).unwrap();
        let linked = dir.path().join("b/rel.toml");
        std::os::unix::fs::symlink(&release, &linked).unwrap();
        assert_eq!(journal_path(&linked), journal_path(&release));
        let _held = JournalLock::acquire(&release).unwrap();
        assert!(matches!(
            JournalLock::acquire(&linked),
            Err(JournalError::Locked { .. })
        ));
    }

    #[test]
    fn the_lock_is_exclusive_and_released_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("r.toml");
        let first = JournalLock::acquire(&release).unwrap();
        let err = JournalLock::acquire(&release).unwrap_err();
        assert!(matches!(err, JournalError::Locked { .. }), "{err}");
        assert!(err.to_string().contains(&std::process::id().to_string()));
        drop(first);
        JournalLock::acquire(&release).unwrap();
    }
}
