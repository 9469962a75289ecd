//! A private temporary directory for one command's keyrings and signature files,
//! removed when dropped.

use std::path::{Path, PathBuf};

/// A directory only this user can enter (gpg refuses a home directory others can
/// read), made under the system's temporary directory.
pub(super) struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Makes a new, empty directory with a name no other run uses.
    pub(super) fn new(purpose: &str) -> std::io::Result<ScratchDir> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        let mut tries = 0;
        loop {
            let path = crate::temporary_beside(&base, &format!("herald-{purpose}"));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(ScratchDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!(
                            "cannot make a temporary directory in {}: {e}",
                            base.display()
                        ),
                    ))
                }
            }
        }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to a new file `name` in the directory; returns its path.
    pub(super) fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let path = self.path.join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
