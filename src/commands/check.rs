//! `herald check`: validation, policy, and the embargo guard over every due message.

use std::io::Write;
use std::path::Path;

use super::report::{checked_or_report, emit, NoBody};
use super::{CommandError, Exit, Options};
use crate::pipeline::drafts_with_findings;

/// `herald check`: validation, policy, and the embargo guard over the pre-announcement.
pub fn check(path: &Path, options: &Options, out: &mut dyn Write) -> Result<Exit, CommandError> {
    let checked = match checked_or_report::<NoBody>(path, options, out)? {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let (_drafts, findings) = drafts_with_findings(&checked, options)?;
    let clean = findings.is_empty();
    emit(out, options, path, &findings, NoBody {}, |_| {
        if clean {
            let _ = writeln!(
                crate::secrets::Redacting::new(std::io::stderr()),
                "{}: clean",
                path.display()
            );
        }
        Ok(())
    })
}
