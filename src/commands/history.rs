//! `herald history`: the release-history line of each version.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::report::{checked_or_report, emit};
use super::{CommandError, Exit, Options};
use crate::render;
use crate::validate::Finding;

/// `herald history`: the release-history line of each version.
pub fn history(path: &Path, options: &Options, out: &mut dyn Write) -> Result<Exit, CommandError> {
    #[derive(Serialize, Default)]
    struct Body {
        lines: Vec<render::HistoryLine>,
    }
    let checked = match checked_or_report::<Body>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let lines = render::history(&checked.input, &checked.templates)?;
    let text: Vec<String> = lines.iter().map(|l| l.line.clone()).collect();
    let findings: Vec<Finding> = checked.findings.clone();
    emit(out, options, path, &findings, Body { lines }, |out| {
        for line in &text {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
}
