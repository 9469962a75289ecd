//! herald turns a release's metadata and its classified security issues into
//! golang-announce-style mail, checks it against the security policy, and
//! sends it to mailing lists over SMTP.
//!
//! The data flows through one module per stage:
//! [`load`] → [`validate`] → [`plan`] → [`render`] → [`guard`] → [`approval`] →
//! [`deliver`].

pub mod approval;
pub mod archive;
mod automaton;
pub mod cli;
pub mod commands;
pub mod config;
pub mod controls;
pub mod deliver;
pub mod drafts;
pub mod english;
pub mod guard;
pub mod load;
pub mod model;
pub mod osv;
pub mod pipeline;
pub mod plan;
pub mod preview;
pub mod render;
pub mod secrets;
pub mod source;
mod subprocess;
pub mod validate;

/// An error and its causes in one line, each cause once: "a: b: c".
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.contains(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    message
}

/// A temporary name for `name` in `dir`, unique to this call: the process id alone
/// repeats across containers, and a killed run may have left its file behind.
pub(crate) fn temporary_beside(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // The process id is a system call each time; herald never forks to run Rust code.
    static PROCESS_ID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let pid = PROCESS_ID.get_or_init(std::process::id);
    dir.join(format!(".{name}.herald-{pid}-{nanos:09}.tmp"))
}

/// The name a temporary file stands in for, when `file_name` is exactly a name
/// [`temporary_beside`] makes (`.NAME.herald-PID-NANOS.tmp`: a process id as a
/// number prints, nine digits of nanoseconds), and `None` for any other name.
pub(crate) fn temporary_target(file_name: &str) -> Option<&str> {
    let rest = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (target, tail) = rest.rsplit_once(".herald-")?;
    let (pid, nanos) = tail.split_once('-')?;
    let is_pid = pid.parse::<u32>().is_ok_and(|n| n.to_string() == pid);
    let is_nanos = nanos.len() == 9 && nanos.bytes().all(|b| b.is_ascii_digit());
    (is_pid && is_nanos && !target.is_empty()).then_some(target)
}

/// Replaces (or creates) the file at `path` with `bytes`: a temporary file in the
/// same directory, flushed to disk, then renamed over the target, and the directory
/// flushed too, so a crash leaves the old file or the new one, never half of one,
/// and a completed write survives a power cut. An existing file's permissions are
/// kept. A symbolic link at `path` is refused, never written through: a link
/// committed to a repository could otherwise point a write anywhere.
pub(crate) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let existing = std::fs::symlink_metadata(path).ok();
    if existing
        .as_ref()
        .is_some_and(|m| m.file_type().is_symlink())
    {
        return Err(link_refused(path));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = temporary_beside(dir, &name);
    let result = (|| {
        // create_new never follows a link at the temporary name either.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Some(meta) = &existing {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The error for a symbolic link where herald was to write a file.
pub(crate) fn link_refused(path: &std::path::Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link; herald never writes through a link: replace it with the file itself",
            path.display()
        ),
    )
}

/// Removes, from `dir`, every regular file whose name is a temporary name
/// ([`temporary_beside`]) of a file `is_ours` accepts: what killed `writer`s left
/// behind. Anything else stays, a link or a directory under such a name included.
/// Callers hold the lock that serialises those writes, so no file removed here
/// belongs to a live one. Returns how many went, and whether nothing else is in
/// `dir`.
pub(crate) fn remove_leftovers(
    dir: &std::path::Path,
    writer: &str,
    is_ours: impl Fn(&str) -> bool,
) -> std::io::Result<(usize, bool)> {
    let mut removed = 0;
    let mut empty = true;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let leftover = name
            .to_str()
            .and_then(temporary_target)
            .is_some_and(&is_ours);
        // The entry's own type: a link is a link, never followed.
        if !leftover || !entry.file_type().is_ok_and(|t| t.is_file()) {
            empty = false;
            continue;
        }
        let path = entry.path();
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!(
                        "{}: cannot remove this temporary file of an interrupted {writer}: {e}",
                        path.display()
                    ),
                ))
            }
        }
    }
    Ok((removed, empty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_name_is_told_from_any_other() {
        let made = temporary_beside(std::path::Path::new("out"), "announcement.eml");
        let made = made.file_name().unwrap().to_str().unwrap();
        assert_eq!(temporary_target(made), Some("announcement.eml"));
        assert_eq!(
            temporary_target(".render.json.herald-1234-000000001.tmp"),
            Some("render.json")
        );
        for other in [
            "notes.tmp",
            "announcement.eml",
            ".announcement.eml.herald-1234-000000001.tmp~",
            "announcement.eml.herald-1234-000000001.tmp",
            ".announcement.eml.herald-1234-00000001.tmp",
            ".announcement.eml.herald-1234-0000000001.tmp",
            ".announcement.eml.herald-01234-000000001.tmp",
            ".announcement.eml.herald--000000001.tmp",
            ".announcement.eml.herald-99999999999-000000001.tmp",
            ".announcement.eml.herald-12a4-000000001.tmp",
            ".announcement.eml.herald-1234-00000000x.tmp",
            "..herald-1234-000000001.tmp",
        ] {
            assert_eq!(temporary_target(other), None, "{other}");
        }
    }
}
