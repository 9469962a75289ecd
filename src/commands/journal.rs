//! `herald journal settle`: what a person found about an attempt in doubt.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::report::emit;
use super::{CommandError, Exit, Options};
use crate::deliver::journal::{Journal, JournalEntry};
use crate::model::MessageKind;

/// `herald journal settle`: records what a person found about an in-doubt attempt.
pub fn settle(
    path: &Path,
    kind: MessageKind,
    sent: bool,
    by: &str,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Exit, CommandError> {
    let mut journal = Journal::lock(path)?;
    let settled = journal.settle(kind, sent, by)?;
    #[derive(Serialize)]
    struct Body<'a> {
        journal: String,
        settled: &'a [JournalEntry],
    }
    let body = Body {
        journal: journal.path().display().to_string(),
        settled: &settled,
    };
    emit(out, options, path, &[], body, |out| {
        for entry in &settled {
            writeln!(out, "settled: {entry}")?;
        }
        Ok(())
    })
}
