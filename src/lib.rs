//! herald turns a release's metadata and its classified security issues into
//! golang-announce-style mail, checks it against the security policy, and
//! sends it to mailing lists over SMTP.
//!
//! The data flows through one module per stage:
//! [`load`] → [`validate`] → [`plan`] → [`render`] → [`guard`] → [`deliver`].

pub mod app;
pub mod config;
pub mod controls;
pub mod deliver;
pub mod english;
pub mod guard;
pub mod load;
pub mod model;
pub mod osv;
pub mod plan;
pub mod render;
pub mod source;
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
    dir.join(format!(
        ".{name}.herald-{}-{nanos:09}.tmp",
        std::process::id()
    ))
}

/// Replaces (or creates) the file at `path` with `bytes`: a temporary file in the
/// same directory, flushed to disk, then renamed over the target, and the directory
/// flushed too, so a crash leaves the old file or the new one, never half of one,
/// and a completed write survives a power cut. An existing file's permissions are
/// kept, and a symbolic link is followed, not replaced.
pub(crate) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = temporary_beside(dir, &name);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Ok(meta) = std::fs::metadata(&target) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, &target)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
