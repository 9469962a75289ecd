//! `herald archive check`: a canary, run days before release day, that proves the
//! list's archive can be reached and searched with the configured credentials.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::report::emit;
use super::{CommandError, Exit, Options};
use crate::archive::Archives;
use crate::config::ARCHIVE_PASSWORD_VARIABLE;
use crate::validate::{Finding, Severity};

/// One archive's result.
#[derive(Serialize)]
struct Checked {
    archive: String,
    ok: bool,
    /// What was proven, when it answered.
    proven: Option<String>,
    took_ms: Option<u64>,
    error: Option<String>,
}

/// `herald archive check`: connects to every configured archive, logs in, searches,
/// and says how long each took. Exit 2 when one cannot be asked, as a send would stop.
pub fn archive_check(
    release: Option<&Path>,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Exit, CommandError> {
    // Beside the release file, when one is given; else --config or the working
    // directory's herald.toml.
    let release = release.unwrap_or(Path::new("herald.toml"));
    let config = crate::pipeline::load_config(options, release)?.ok_or_else(|| {
        CommandError::Usage(format!(
            "archive check needs a configuration with an [archive] table: give --config FILE, or put {} in the working directory",
            crate::config::DEFAULT_CONFIG
        ))
    })?;
    let archives = Archives::from_config(&config, std::env::var(ARCHIVE_PASSWORD_VARIABLE).ok())
        .map_err(|error| CommandError::Archive { error, hint: "" })?
        .ok_or_else(|| {
            CommandError::Usage(format!(
                "{}: no [archive] table: nothing to check (see the book: docs/archive.md)",
                config.path.display()
            ))
        })?;
    let mut findings = Vec::new();
    let results: Vec<Checked> = archives
        .names()
        .into_iter()
        .zip(archives.check())
        .map(|(archive, result)| match result {
            Ok(probe) => Checked {
                archive,
                ok: true,
                proven: Some(probe.proven),
                took_ms: Some(u64::try_from(probe.took.as_millis()).unwrap_or(u64::MAX)),
                error: None,
            },
            Err(error) => {
                findings.push(Finding::unlocated(
                    Severity::Invalid,
                    "archive-unreachable",
                    format!("{error}; a send would stop before connecting until this is fixed (or --no-archive gives a reason)"),
                ));
                Checked {
                    archive,
                    ok: false,
                    proven: None,
                    took_ms: None,
                    error: Some(error.to_string()),
                }
            }
        })
        .collect();
    #[derive(Serialize)]
    struct Body<'a> {
        archives: &'a [Checked],
    }
    emit(
        out,
        options,
        &config.path,
        &findings,
        Body { archives: &results },
        |out| {
            for result in &results {
                match (&result.proven, result.took_ms) {
                    (Some(proven), Some(took)) => {
                        writeln!(out, "ok      {}: {proven}, in {took} ms", result.archive)?
                    }
                    _ => writeln!(out, "FAILED  {}", result.archive)?,
                }
            }
            Ok(())
        },
    )
}
