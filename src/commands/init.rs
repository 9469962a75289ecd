//! `herald init`: a commented release file and configuration to start from.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::report::emit;
use super::{CommandError, Exit, Options};

/// The starter files `herald init` writes, with their names.
const STARTERS: [(&str, &str); 2] = [
    (
        "release.toml",
        include_str!("../../templates/init/release.toml"),
    ),
    (
        "herald.toml",
        include_str!("../../templates/init/herald.toml"),
    ),
];

/// `herald init`: writes a commented `release.toml` and `herald.toml` into `dir`. An
/// existing file is never overwritten: if either exists, nothing is written.
pub fn init(dir: &Path, options: &Options, out: &mut dyn Write) -> Result<Exit, CommandError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    if let Some(existing) = STARTERS
        .iter()
        .map(|(name, _)| dir.join(name))
        .find(|path| path.symlink_metadata().is_ok())
    {
        return Err(CommandError::Usage(format!(
            "{} already exists; herald init never overwrites a file, so nothing was written",
            existing.display()
        )));
    }
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, text) in STARTERS {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            for done in &written {
                let _ = std::fs::remove_file(done);
            }
            return Err(std::io::Error::new(
                e.kind(),
                format!("{}: {e}; nothing was written", path.display()),
            )
            .into());
        }
        written.push(path);
    }
    #[derive(Serialize)]
    struct Body {
        written: Vec<String>,
    }
    let written: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    let text = written.clone();
    let release = dir.join("release.toml");
    emit(out, options, &release, &[], Body { written }, |out| {
        for path in &text {
            writeln!(out, "wrote {path}")?;
        }
        Ok(())
    })
}
