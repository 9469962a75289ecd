//! Render output on disk: each due message's `.eml`, `.txt` and `.html`, the preview
//! page the caller makes, and the manifest (`render.json`) the next render compares
//! with; all or nothing, under a lock on the directory.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

pub mod manifest;
mod out_dir;

use crate::pipeline::{CommandError, Draft, PARALLEL_FROM_BYTES};
use manifest::{Manifest, Previous, MANIFEST};
use out_dir::{located, OutDir};

/// What `render` wrote, for the JSON report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DraftsReport {
    /// The output directory; `None` when the drafts were printed.
    pub out_dir: Option<String>,
    pub messages: Vec<DraftReport>,
    /// The preview page, when drafts were written.
    pub index: Option<String>,
    /// With `--out`: temporary files of interrupted renders removed from the
    /// directory before this render.
    #[serde(skip_serializing_if = "is_zero")]
    pub leftovers_removed: usize,
    /// With `--out`: set when the directory held drafts but no `render.json`, what
    /// an interrupted render leaves; this render replaced them all. Says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One drafted message in the report.
#[derive(Debug, Clone, Serialize)]
pub struct DraftReport {
    pub kind: crate::model::MessageKind,
    pub template: String,
    pub subject: String,
    pub date: Option<NaiveDate>,
    pub to: Vec<String>,
    pub bcc: Vec<String>,
    /// False when the embargo guard found a leak: no `.eml` is written.
    pub sendable: bool,
    pub leaks: Vec<crate::guard::Leak>,
    pub content_hash: String,
    /// Paths written: `eml` (only when sendable), `txt`, `html`.
    pub files: Vec<String>,
    /// With `--out`: `first` (no earlier render there), `new`, `unchanged` or
    /// `changed`, against the `render.json` of the last render.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<&'static str>,
}

impl DraftsReport {
    /// Prints one line per written file.
    pub fn print_summary(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for message in &self.messages {
            let state = if message.sendable {
                "draft"
            } else {
                "BLOCKED by the embargo guard, no .eml written"
            };
            writeln!(out, "{}: {} ({state})", message.kind, message.subject)?;
            for file in &message.files {
                writeln!(out, "  wrote {file}")?;
            }
        }
        if let Some(index) = &self.index {
            writeln!(out, "preview: {index}")?;
        }
        Ok(())
    }

    /// The notes about the output directory, for standard error.
    pub fn notes(&self) -> Vec<String> {
        let dir = self.out_dir.as_deref().unwrap_or_default();
        let mut notes = Vec::new();
        if self.leftovers_removed > 0 {
            notes.push(format!(
                "note: {dir}: removed {} temporary file(s) left by interrupted renders",
                self.leftovers_removed
            ));
        }
        if let Some(repaired) = &self.repaired {
            notes.push(format!("note: {repaired}"));
        }
        notes
    }
}

/// Writes the drafts to `out_dir` (when given) and reports them. A message the guard
/// blocked gets its `.txt` and `.html` previews, so the leak can be seen, but no `.eml`
/// (and an `.eml` left from an earlier render is removed).
///
/// The render holds `out_dir` locked while it reads the last render and writes (see
/// [`OutDir`]): a second render that comes to write meanwhile stops at once. Under the lock, temporary files that killed renders left
/// there are removed first.
///
/// All or nothing: every file is first written beside its target under a temporary
/// name, and only when all of them are written are they renamed into place. A file
/// that already holds exactly the new bytes is left alone, with its modification
/// time. A target that is not a regular file (a directory named `announcement.eml`,
/// say) stops the render before anything in `out_dir` changes.
///
/// Beside the drafts go the preview page `index.html`, which `page` makes from what
/// the directory held before (an error from it stops the render before anything in
/// `out_dir` changes), and `render.json`, the content
/// hash of each message; the next render into the same directory reads it (and the
/// old `KIND.txt`) first, and the page says what changed. `render.json` goes first
/// out of the way and last into place, so drafts without it are the mark of a
/// render stopped among its renames ([`Previous::Incomplete`]).
pub fn write(
    drafts: &[Draft],
    out_dir: Option<&Path>,
    page: &dyn Fn(&Previous) -> Result<String, CommandError>,
) -> Result<DraftsReport, CommandError> {
    let mut report = DraftsReport {
        out_dir: out_dir.map(|d| d.display().to_string()),
        ..DraftsReport::default()
    };
    // Locked, and read, before anything in `out_dir` changes.
    let out = out_dir.map(OutDir::open).transpose()?;
    // A directory that held nothing of a render (made just now, say) has no last
    // render to read or probe for.
    let previous = out
        .as_ref()
        .filter(|out| !out.empty)
        .map(|out| Previous::read(out.path()))
        .unwrap_or_default();
    // Each file's bytes, borrowed from the drafts where they are already held.
    let mut outputs: Vec<(String, Cow<'_, [u8]>)> = Vec::new();
    let mut stale: Vec<String> = Vec::new();
    for draft in drafts {
        let message = &draft.guarded.message;
        let sendable = draft.guarded.leaks.is_empty();
        let kind = message.kind.as_str();
        let mut names = Vec::new();
        if sendable {
            names.push(format!("{kind}.eml"));
            outputs.push((
                format!("{kind}.eml"),
                Cow::Borrowed(&draft.guarded.email.bytes),
            ));
        } else {
            stale.push(format!("{kind}.eml"));
        }
        outputs.push((
            format!("{kind}.txt"),
            Cow::Borrowed(message.text.as_bytes()),
        ));
        outputs.push((
            format!("{kind}.html"),
            Cow::Borrowed(message.html.as_bytes()),
        ));
        names.extend([format!("{kind}.txt"), format!("{kind}.html")]);
        report.messages.push(DraftReport {
            kind: message.kind,
            template: message.template.clone(),
            subject: message.subject.clone(),
            date: draft.planned.date,
            to: draft.addressing.to.clone(),
            bcc: draft.addressing.bcc.clone(),
            sendable,
            leaks: draft.guarded.leaks.clone(),
            content_hash: message.content_hash.clone(),
            files: match out_dir {
                Some(dir) => names
                    .iter()
                    .map(|n| dir.join(n).display().to_string())
                    .collect(),
                None => Vec::new(),
            },
            change: out_dir.map(|_| previous.change(message).label()),
        });
    }
    if let Some(out) = &out {
        let dir = out.path();
        // The page quotes the journal, which quotes servers. It is copied only when
        // there is something to redact: the page of a large release is tens of
        // megabytes.
        let page = page(&previous)?;
        let redacted = match crate::secrets::redact(&page) {
            Cow::Owned(redacted) => Some(redacted),
            Cow::Borrowed(_) => None,
        };
        let page = redacted.unwrap_or(page);
        outputs.push(("index.html".to_string(), Cow::Owned(page.into_bytes())));
        outputs.push((
            MANIFEST.to_string(),
            Cow::Owned(Manifest::of(drafts.iter().map(|d| &d.guarded.message))),
        ));
        publish(out, &outputs, &stale)?;
        report.index = Some(dir.join("index.html").display().to_string());
        report.leftovers_removed = out.leftovers_removed;
        if let Previous::Incomplete = previous {
            report.repaired = Some(format!(
                "{}: held drafts but no {MANIFEST}, so the last render there was stopped before it finished (or {MANIFEST} was removed) and its drafts may have been of two renders; nothing was compared with them, and every file now is of this render",
                dir.display()
            ));
        }
    }
    Ok(report)
}

/// Writes each file's bytes. When they come to [`PARALLEL_FROM_BYTES`] or more, two
/// threads share the work, the largest files first, each to the less loaded one:
/// copying hundreds of megabytes into the page cache is work for the processor.
fn fill(files: Vec<(std::fs::File, PathBuf, &[u8])>) -> Result<(), CommandError> {
    let write = |(mut file, path, bytes): (std::fs::File, PathBuf, &[u8])| {
        file.write_all(bytes).map_err(|e| located(&path, e))
    };
    if files.iter().map(|f| f.2.len()).sum::<usize>() < PARALLEL_FROM_BYTES {
        return files.into_iter().try_for_each(write);
    }
    let mut files = files;
    files.sort_by_key(|f| std::cmp::Reverse(f.2.len()));
    let (mut here, mut there) = (Vec::new(), Vec::new());
    let (mut here_bytes, mut there_bytes) = (0, 0);
    for file in files {
        if here_bytes <= there_bytes {
            here_bytes += file.2.len();
            here.push(file);
        } else {
            there_bytes += file.2.len();
            there.push(file);
        }
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(|| there.into_iter().try_for_each(write));
        let done = here.into_iter().try_for_each(write);
        let other = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        done.and(other)
    })
}

/// Writes `outputs` into the directory all at once, as [`write`] describes, and
/// removes the `stale` files. [`MANIFEST`] must be among the outputs.
///
/// The order makes a stop at any point (a kill, a full disk) safe:
/// 1. every changed file is written under a temporary name beside its target
///    (stopped here, the directory holds the last render and leftovers, which the
///    next render removes);
/// 2. when any draft changes, the old `render.json` is renamed aside;
/// 3. the drafts are renamed into place and stale ones removed (stopped here, the
///    directory holds drafts without `render.json`: the next render compares
///    nothing with them and replaces them);
/// 4. the new `render.json` is renamed into place, last.
fn publish(
    out: &OutDir,
    outputs: &[(String, Cow<'_, [u8]>)],
    stale: &[String],
) -> Result<(), CommandError> {
    let dir = out.path();
    // A target that is not a regular file stops everything; one that already holds
    // the new bytes is left as it is.
    let not_a_file = |target: &Path| {
        CommandError::Usage(format!(
            "{}: exists and is not a regular file, so the draft cannot replace it; move it aside and render again (nothing was written)",
            target.display()
        ))
    };
    let mut drafts: Vec<&(String, Cow<'_, [u8]>)> = Vec::with_capacity(outputs.len());
    let mut manifest = None;
    for output in outputs {
        let is_manifest = output.0 == MANIFEST;
        let unchanged = if out.empty {
            false
        } else {
            let target = dir.join(&output.0);
            match std::fs::symlink_metadata(&target) {
                Ok(meta) if !meta.is_file() => return Err(not_a_file(&target)),
                Ok(meta) => {
                    meta.len() == output.1.len() as u64
                        && std::fs::read(&target).is_ok_and(|old| old == *output.1)
                }
                Err(_) => false,
            }
        };
        match (is_manifest, unchanged) {
            (true, _) => manifest = Some((output, unchanged)),
            (false, true) => {}
            (false, false) => drafts.push(output),
        }
    }
    let Some((manifest, manifest_unchanged)) = manifest else {
        return Err(CommandError::Usage(format!(
            "{MANIFEST} missing from the outputs"
        )));
    };
    let mut stale_present = Vec::new();
    for name in stale {
        let target = dir.join(name);
        match std::fs::symlink_metadata(&target) {
            Ok(meta) if !meta.is_file() => return Err(not_a_file(&target)),
            Ok(_) => stale_present.push(target),
            Err(_) => {}
        }
    }
    // Any draft that changes takes render.json out of place until the end, even
    // when its bytes stay the same (the headers of an .eml are not in its hash).
    let drafts_change = !drafts.is_empty() || !stale_present.is_empty();
    if !drafts_change && manifest_unchanged {
        return Ok(());
    }
    let outputs: Vec<_> = drafts.into_iter().chain([manifest]).collect();

    // Each file is written beside its target under a temporary name, created
    // afresh under a name no other render uses, never through a link.
    let mut written: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(outputs.len());
    let mut files = Vec::with_capacity(outputs.len());
    let created = outputs.iter().try_for_each(|(name, bytes)| {
        let path = crate::temporary_beside(dir, name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| located(&path, e))?;
        written.push((path.clone(), dir.join(name)));
        files.push((file, path, &bytes[..]));
        Ok(())
    });
    let staged = created.and_then(|()| fill(files));
    let remove_temporaries = |written: &[(PathBuf, PathBuf)]| {
        for (temporary, _) in written {
            let _ = std::fs::remove_file(temporary);
        }
    };
    if let Err(e) = staged {
        remove_temporaries(&written);
        return Err(e);
    }
    let manifest_path = dir.join(MANIFEST);
    // The old render.json, moved aside (under a name the next render removes, should
    // this one be killed) so that it can be put back if the first rename fails.
    let aside = if drafts_change {
        let aside = crate::temporary_beside(dir, MANIFEST);
        match std::fs::rename(&manifest_path, &aside) {
            Ok(()) => Some(aside),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                remove_temporaries(&written);
                return Err(located(&manifest_path, e));
            }
        }
    } else {
        None
    };
    let mut done = 0;
    let placed = (|| {
        let rename = |(temporary, target): &(PathBuf, PathBuf)| {
            std::fs::rename(temporary, target).map_err(|e| (target.clone(), e))
        };
        // The manifest is the last one written.
        let Some((manifest, drafts)) = written.split_last() else {
            return Ok(());
        };
        for draft in drafts {
            rename(draft)?;
            done += 1;
        }
        for target in &stale_present {
            match std::fs::remove_file(target) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err((target.clone(), e))
                }
                _ => done += 1,
            }
        }
        rename(manifest)
    })();
    match placed {
        Ok(()) => {
            if let Some(aside) = aside {
                let _ = std::fs::remove_file(aside);
            }
            Ok(())
        }
        Err((target, e)) => {
            remove_temporaries(&written);
            // Nothing replaced yet: the old render.json goes back, and the directory
            // is as it was.
            let restored = done == 0
                && aside
                    .as_ref()
                    .is_none_or(|aside| std::fs::rename(aside, &manifest_path).is_ok());
            if let (false, Some(aside)) = (restored, &aside) {
                let _ = std::fs::remove_file(aside);
            }
            // Renames cannot be undone as one: say what state the drafts are in.
            let message = if restored {
                format!("{}: {e}; nothing was written", target.display())
            } else {
                format!(
                    "{}: {e}; {done} of the other drafts were already replaced, so {} may hold drafts of two renders, and has no {MANIFEST}: render again, and it replaces them",
                    target.display(),
                    dir.display()
                )
            };
            Err(CommandError::Io(std::io::Error::new(e.kind(), message)))
        }
    }
}
