//! `herald journal settle`: what a person found about an attempt in doubt, or what
//! the list's archive shows of it.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::report::emit;
use super::{CommandError, Exit, Options};
use crate::archive::{Archives, Lookup, Witness};
use crate::config::ARCHIVE_PASSWORD_VARIABLE;
use crate::deliver::journal::{Journal, JournalEntry};
use crate::model::MessageKind;
use crate::validate::{Finding, Severity};

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

/// `herald journal settle --from-archive`: settles the in-doubt attempt of `kind` as
/// sent when the list's archive has its Message-ID. When it does not, the attempt
/// stays in doubt (exit 1): the list may be moderating the message, or slow, and
/// herald never concludes by itself that it was not sent.
pub fn settle_from_archive(
    path: &Path,
    kind: MessageKind,
    by: &str,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Exit, CommandError> {
    let config = crate::pipeline::load_config(options, path)?;
    let hint = "; the attempt stays in doubt. Fix the archive and run this again, or look yourself and settle with --sent or --not-sent";
    let archives = match &config {
        Some(config) => {
            Archives::from_config(config, std::env::var(ARCHIVE_PASSWORD_VARIABLE).ok())
                .map_err(|error| CommandError::Archive { error, hint })?
        }
        None => None,
    };
    let Some(archives) = archives else {
        return Err(CommandError::Usage(
            "journal settle --from-archive asks the list's archive, and the configuration has no [archive] table (see the book: docs/archive.md); look yourself and settle with --sent or --not-sent".to_string(),
        ));
    };
    let mut journal = Journal::lock(path)?;
    let Some(entry) = journal.in_doubt(kind) else {
        return Err(crate::deliver::journal::JournalError::NothingToSettle {
            path: journal.path().to_path_buf(),
            kind,
        }
        .into());
    };
    let (message_id, attempted_at) = (entry.message_id.clone(), entry.attempted_at.clone());
    let lookups: Vec<Lookup> = archives
        .find(&message_id, &entry.subject)
        .map_err(|error| CommandError::Archive { error, hint })?;
    let witnesses: Vec<Witness> = lookups.iter().filter_map(|l| l.witness.clone()).collect();
    let mut findings = Vec::new();
    let settled = match witnesses.is_empty() {
        true => {
            findings.push(Finding::unlocated(
                Severity::Refusal,
                "not-in-archive",
                format!(
                    "{} does not show Message-ID {} of the {kind} attempted at {}; it stays in doubt: the list may be moderating it, or slow, and herald does not conclude that it was not sent. Run this again later, or, once you know, settle with --sent or --not-sent",
                    archives.names().join(" or "),
                    crate::controls::escaped(&message_id),
                    crate::controls::escaped(&attempted_at),
                ),
            ));
            Vec::new()
        }
        false => journal.settle_from_archive(kind, &message_id, &witnesses, by)?,
    };
    #[derive(Serialize)]
    struct Body<'a> {
        journal: String,
        settled: &'a [JournalEntry],
        archive_lookups: &'a [Lookup],
    }
    let body = Body {
        journal: journal.path().display().to_string(),
        settled: &settled,
        archive_lookups: &lookups,
    };
    emit(out, options, path, &findings, body, |out| {
        for entry in &settled {
            writeln!(out, "settled from the archive: {entry}")?;
        }
        Ok(())
    })
}
