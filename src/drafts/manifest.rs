//! What changed since the last render into the same directory: `render.json` keeps
//! each message's content hash, and a changed message's text part is diffed, line by
//! line, against the `KIND.txt` the last render left. The drafts own the manifest:
//! they write it, and the next render reads it before anything changes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

use crate::model::MessageKind;
use crate::render::RenderedMessage;

/// The manifest's file name inside the output directory.
pub const MANIFEST: &str = "render.json";

/// What `render --out` records of each message, to compare the next render with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// One entry per rendered message.
    pub messages: Vec<ManifestEntry>,
}

/// One message of a [`Manifest`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The message kind, which names its files.
    pub kind: MessageKind,
    /// Its subject.
    pub subject: String,
    /// SHA-256 over subject, text and HTML (`RenderedMessage::content_hash`).
    pub content_hash: String,
}

impl Manifest {
    /// The manifest of `messages`, as JSON bytes ready to write.
    pub fn of<'a>(messages: impl IntoIterator<Item = &'a RenderedMessage>) -> Vec<u8> {
        let manifest = Manifest {
            messages: messages
                .into_iter()
                .map(|m| ManifestEntry {
                    kind: m.kind,
                    subject: m.subject.clone(),
                    content_hash: m.content_hash.clone(),
                })
                .collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// What the output directory held before this render.
#[derive(Debug, Clone, Default)]
pub enum Previous {
    /// No `render.json`: the first render here (or one by an older herald).
    #[default]
    None,
    /// A `render.json` that could not be read; says why.
    Unreadable(String),
    /// Drafts but no `render.json`: a render was stopped while it put its files in
    /// place (it moves `render.json` aside first and puts the new one last), so the
    /// drafts may be of two renders. Nothing is compared with them.
    Incomplete,
    /// The last render: its manifest, and each message's text part as it was.
    Found {
        /// Entries by kind.
        entries: BTreeMap<MessageKind, ManifestEntry>,
        /// `KIND.txt` of each entry, when it could be read.
        texts: BTreeMap<MessageKind, String>,
    },
}

impl Previous {
    /// Reads the last render in `dir`. Call it before anything in `dir` changes.
    pub fn read(dir: &Path) -> Previous {
        let path = dir.join(MANIFEST);
        let bytes = match read_regular(&path, MANIFEST_LIMIT) {
            Ok(Some(bytes)) => bytes,
            Ok(None) if holds_drafts(dir) => return Previous::Incomplete,
            Ok(None) => return Previous::None,
            Err(e) => return Previous::Unreadable(format!("{}: {e}", path.display())),
        };
        let manifest: Manifest = match serde_json::from_slice(&bytes) {
            Ok(manifest) => manifest,
            Err(e) => return Previous::Unreadable(format!("{}: {e}", path.display())),
        };
        let mut texts = BTreeMap::new();
        let mut entries = BTreeMap::new();
        for entry in manifest.messages {
            let text = read_regular(&dir.join(format!("{}.txt", entry.kind)), TEXT_LIMIT);
            if let Ok(Some(text)) = text.map(|b| b.and_then(|b| String::from_utf8(b).ok())) {
                texts.insert(entry.kind, text);
            }
            entries.insert(entry.kind, entry);
        }
        Previous::Found { entries, texts }
    }

    /// How `message` differs from the last render's message of its kind.
    pub fn change(&self, message: &RenderedMessage) -> Change {
        let Previous::Found { entries, texts } = self else {
            return Change::FirstRender;
        };
        let Some(entry) = entries.get(&message.kind) else {
            return Change::New;
        };
        if entry.content_hash == message.content_hash {
            return Change::Unchanged;
        }
        let diff = match texts.get(&message.kind) {
            None => TextChange::Unknown,
            Some(_) if message.text.len() as u64 > TEXT_LIMIT => TextChange::Unknown,
            Some(old) if *old == message.text => TextChange::Same,
            Some(old) => TextChange::Lines(line_diff(old, &message.text)),
        };
        Change::Changed {
            diff,
            subject_before: (entry.subject != message.subject).then(|| entry.subject.clone()),
        }
    }

    /// Messages of the last render that this one no longer has.
    pub fn gone<'a>(&'a self, now: &'a [MessageKind]) -> impl Iterator<Item = MessageKind> + 'a {
        let entries = match self {
            Previous::Found { entries, .. } => Some(entries),
            _ => None,
        };
        entries
            .into_iter()
            .flat_map(|e| e.keys().copied())
            .filter(move |k| !now.contains(k))
    }
}

/// One message compared with the last render. Serialized as the preview page's
/// template reads it: `state` is also the class of the page's marker.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Change {
    /// There was no last render to compare with.
    #[serde(rename = "first")]
    FirstRender,
    /// The last render had no message of this kind.
    New,
    /// Same content hash as last time.
    Unchanged,
    /// A different content hash.
    Changed {
        /// How the text part changed.
        diff: TextChange,
        /// The last render's subject, when it differs.
        subject_before: Option<String>,
    },
}

impl Change {
    /// Its name in the JSON report, and its class on the preview page.
    pub fn label(&self) -> &'static str {
        match self {
            Change::FirstRender => "first",
            Change::New => "new",
            Change::Unchanged => "unchanged",
            Change::Changed { .. } => "changed",
        }
    }
}

/// How a changed message's text part compares with the last render's.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "lines", rename_all = "kebab-case")]
pub enum TextChange {
    /// The same text: the subject or the HTML part changed.
    Same,
    /// The line diff.
    Lines(Vec<DiffLine>),
    /// No diff: the last render's text part could not be read (missing, not a
    /// regular file, not UTF-8), or it or the new one is larger than [`TEXT_LIMIT`].
    Unknown,
}

/// One line of a unified diff, its text as it is (the page escapes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DiffLine {
    /// The start of a hunk: its first line (1-based) and its length in the old text
    /// and in the new.
    Hunk {
        old_start: usize,
        old_lines: usize,
        new_start: usize,
        new_lines: usize,
    },
    /// A line only the old text has.
    Removed { text: String },
    /// A line only the new text has.
    Added { text: String },
    /// A line of context both have.
    Unchanged { text: String },
}

/// The largest `render.json` herald reads: a few hundred bytes per message are
/// herald's; anything much larger is not, and is not read into memory.
const MANIFEST_LIMIT: u64 = 1 << 20;

/// The largest text part herald diffs against the last render's. A line diff needs
/// memory for every line of both texts, and a page to show it on: a text of a
/// hundred million empty lines took 3 GB. Larger texts are compared by their
/// content hash alone.
pub const TEXT_LIMIT: u64 = 1 << 20;

/// A unified line diff of `old` and `new`, with three lines of context around each
/// change.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    // A diff of two very different long texts is cut short (it then shows larger
    // hunks) rather than hold up the render.
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_secs(2))
        .diff_lines(old, new);
    let mut lines = Vec::new();
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (old_from, new_from) = (first.old_range().start, first.new_range().start);
        lines.push(DiffLine::Hunk {
            old_start: old_from + 1,
            old_lines: last.old_range().end - old_from,
            new_start: new_from + 1,
            new_lines: last.new_range().end - new_from,
        });
        for op in &group {
            for change in diff.iter_changes(op) {
                let text = change.value().trim_end_matches(['\n', '\r']).to_string();
                lines.push(match change.tag() {
                    ChangeTag::Delete => DiffLine::Removed { text },
                    ChangeTag::Insert => DiffLine::Added { text },
                    ChangeTag::Equal => DiffLine::Unchanged { text },
                });
            }
        }
    }
    lines
}

/// The names of every file a render may write besides [`MANIFEST`]: `KIND.eml`,
/// `KIND.txt` and `KIND.html` of every kind, and `index.html`.
pub fn draft_names() -> impl Iterator<Item = String> {
    MessageKind::ALL
        .into_iter()
        .flat_map(|kind| ["eml", "txt", "html"].map(|ext| format!("{kind}.{ext}")))
        .chain(["index.html".to_string()])
}

/// Whether `dir` holds a file (of any type) named as a render names its drafts.
fn holds_drafts(dir: &Path) -> bool {
    draft_names().any(|name| std::fs::symlink_metadata(dir.join(name)).is_ok())
}

/// The bytes of the regular file at `path`, `None` when there is none. Anything else
/// there (a FIFO, a device, a link) is an error, never read: a FIFO would hang the
/// render, and `/dev/zero` would fill memory. So is a file of more than `limit`
/// bytes (a sparse file costs no disk, but would cost its size in memory).
fn read_regular(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
        Ok(meta) if !meta.is_file() => Err(std::io::Error::other("not a regular file")),
        Ok(meta) if meta.len() > limit => Err(std::io::Error::other(format!(
            "{} bytes, more than the {limit} bytes herald reads",
            meta.len()
        ))),
        Ok(_) => {
            use std::io::Read;
            // The size may have changed since: never read past the limit.
            let mut bytes = Vec::new();
            std::fs::File::open(path)?
                .take(limit + 1)
                .read_to_end(&mut bytes)?;
            if bytes.len() as u64 > limit {
                return Err(std::io::Error::other(format!(
                    "more than the {limit} bytes herald reads"
                )));
            }
            Ok(Some(bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_gives_each_hunk_its_place_and_each_line_its_side_unescaped() {
        let text = |t: &str| t.to_string();
        assert_eq!(
            line_diff("a\nb <x>\nc\n", "a\nb <y>\nc\n"),
            [
                DiffLine::Hunk {
                    old_start: 1,
                    old_lines: 3,
                    new_start: 1,
                    new_lines: 3
                },
                DiffLine::Unchanged { text: text("a") },
                DiffLine::Removed {
                    text: text("b <x>")
                },
                DiffLine::Added {
                    text: text("b <y>")
                },
                DiffLine::Unchanged { text: text("c") },
            ]
        );
    }
}
