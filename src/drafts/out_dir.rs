//! The output directory of `render --out`: made if need be, locked against other
//! renders for the whole render, and cleared of the temporary files that killed
//! renders left behind.

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use super::manifest::{draft_names, MANIFEST};
use crate::pipeline::CommandError;

/// An output directory this process holds: no other render reads or writes it
/// until this value is dropped (or the process ends, however it ends).
///
/// The lock is an advisory lock ([`File::try_lock`], `flock(2)`) on the directory
/// itself, opened read-only, rather than on a lock file inside it:
/// - it adds no file to the directory people open and CI uploads, and no file a
///   user could remove or replace while a render holds it;
/// - a directory reached through a link, or by two paths, is one inode and one lock.
///
/// Opening it needs read access to the directory; a directory herald may write
/// but not read (mode 0333) stops the render, as it could not be cleaned either.
///
/// On Linux, filesystems whose files have their own lock operation (NFS, CIFS,
/// FUSE) have none for directories, so the kernel's local lock applies: it
/// excludes renders on the same machine, not renders on two machines sharing the
/// directory. `tests/it/render_out.rs` checks that a lock held by another process
/// stops the render.
pub struct OutDir {
    path: PathBuf,
    /// The directory held nothing but leftovers when it was locked: there is no
    /// target to compare with or check.
    pub empty: bool,
    /// How many temporary files of interrupted renders were removed.
    pub leftovers_removed: usize,
    /// The directory, read-only; closing it releases the lock.
    _lock: File,
}

impl OutDir {
    /// Makes `dir` if it does not exist, locks it, and removes the leftovers of
    /// interrupted renders. A directory another render holds is an error at once,
    /// and nothing in it changes.
    pub fn open(dir: &Path) -> Result<OutDir, CommandError> {
        match std::fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(not_a_directory(dir)),
            // Perhaps its parent is missing, perhaps it exists after all.
            Err(_) => std::fs::create_dir_all(dir).map_err(|e| located(dir, e))?,
        }
        let lock = lock(dir)?;
        let (leftovers_removed, empty) = remove_leftovers(dir)?;
        Ok(OutDir {
            path: dir.to_path_buf(),
            empty,
            leftovers_removed,
            _lock: lock,
        })
    }

    /// The directory, as the user named it.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// An I/O error at `path`, before anything was written.
pub fn located(path: &Path, e: io::Error) -> CommandError {
    CommandError::Io(io::Error::new(
        e.kind(),
        format!("{}: {e}; nothing was written", path.display()),
    ))
}

fn not_a_directory(dir: &Path) -> CommandError {
    CommandError::Usage(format!(
        "{}: exists and is not a directory; give --out a directory (nothing was written)",
        dir.display()
    ))
}

/// Locks the directory at `dir`: opened (through links), locked, and checked to be
/// still the directory at that path, so a directory replaced in between is not
/// the one held.
fn lock(dir: &Path) -> Result<File, CommandError> {
    use std::os::unix::fs::MetadataExt;
    let cannot = |e: io::Error| {
        CommandError::Io(io::Error::new(
            e.kind(),
            format!(
                "{}: cannot lock the directory against other renders: {e}; nothing was written",
                dir.display()
            ),
        ))
    };
    for _ in 0..8 {
        let handle = File::open(dir).map_err(cannot)?;
        let held = handle.metadata().map_err(cannot)?;
        if !held.is_dir() {
            return Err(not_a_directory(dir));
        }
        match handle.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(CommandError::Usage(format!(
                    "{}: another herald render into this directory is running; wait for it to finish (the lock is released when that process ends, however it ends); nothing was written",
                    dir.display()
                )))
            }
            Err(TryLockError::Error(e)) => return Err(cannot(e)),
        }
        match std::fs::metadata(dir) {
            Ok(there) if there.dev() == held.dev() && there.ino() == held.ino() => {
                return Ok(handle)
            }
            _ => continue,
        }
    }
    Err(CommandError::Usage(format!(
        "{}: the directory was replaced again and again while herald locked it; render again (nothing was written)",
        dir.display()
    )))
}

/// Removes the temporary files of killed renders from `dir` (see
/// [`crate::remove_leftovers`]): only those of files a render writes, so a user's
/// files and the temporary files of other herald commands (a send's journal may be
/// in the same directory) stay. Returns how many were removed, and whether nothing
/// else is in `dir`.
fn remove_leftovers(dir: &Path) -> Result<(usize, bool), CommandError> {
    let rendered: Vec<String> = draft_names().chain([MANIFEST.to_string()]).collect();
    crate::remove_leftovers(dir, "render", |target| rendered.iter().any(|r| r == target))
        .map_err(|e| located(dir, e))
}
