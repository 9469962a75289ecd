//! The lock between two sends of one release.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{journal_path, JournalError};

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

/// The lock file of a release's journal: `JOURNAL.lock` beside the journal.
pub(super) fn lock_path(release: &Path) -> PathBuf {
    let journal = journal_path(release);
    let mut name = journal.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    journal.with_file_name(name)
}
