//! `herald init`: a commented release file and configuration to start from.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::report::emit;
use super::{CommandError, Exit, Options};
use crate::model::Profile;

/// The profile line of Go's starter release file, which names the profile chosen.
const GO_PROFILE_LINE: &str = "profile = \"go-2021\"";

/// The starter files `herald init` writes for `profile`, with their names: Go's
/// values for Go's profiles, an invented project's for the generic one.
fn starters(profile: Profile) -> [(&'static str, String); 2] {
    let (release, config) = match profile {
        Profile::Go2021 | Profile::Go => (
            include_str!("../../templates/init/go/release.toml"),
            include_str!("../../templates/init/go/herald.toml"),
        ),
        Profile::Generic => (
            include_str!("../../templates/init/generic/release.toml"),
            include_str!("../../templates/init/generic/herald.toml"),
        ),
    };
    let release = release.replacen(
        GO_PROFILE_LINE,
        &format!("profile = {:?}", profile.as_str()),
        1,
    );
    [
        ("release.toml", release),
        ("herald.toml", config.to_string()),
    ]
}

/// `herald init`: writes a commented `release.toml` and `herald.toml` for `profile`
/// into `dir`. An existing file is never overwritten: if either exists, nothing is
/// written.
pub fn init(
    dir: &Path,
    profile: Profile,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Exit, CommandError> {
    let starters = starters(profile);
    std::fs::create_dir_all(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    if let Some(existing) = starters
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
    for (name, text) in &starters {
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
