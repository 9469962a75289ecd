//! Appending the mapped entries to a release file, safely.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use crate::load::{parse_release, read_source, LoadedRelease};
use crate::model::Track;
use crate::source::SourceFile;
use crate::validate::{validate, Finding, Severity};

use super::error::OsvError;
use super::map::{map_record, one_line, ImportOptions, ImportTarget, Imported};
use super::record::read_record;

/// The result of an import.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// One entry per OSV file, in the order given.
    pub imported: Vec<Imported>,
    /// The text appended to the release file (in its line endings).
    pub appended: String,
    /// The whole release file after the import.
    pub text: String,
    /// Whether the release file was replaced (false on a dry run).
    pub written: bool,
    /// Policy findings (`herald check`) located in the new entries, such as a
    /// private-track fix in a dedicated security release. They do not stop the
    /// import; unusable-input findings do.
    pub findings: Vec<Finding>,
}

/// Appends one `[[security]]` entry per OSV file to the release file at `release`.
pub fn import_osv(
    release: &Path,
    osv_files: &[PathBuf],
    options: &ImportOptions,
) -> Result<ImportReport, OsvError> {
    if osv_files.is_empty() {
        return Err(OsvError::NoFiles);
    }
    if options.issue.is_some() && osv_files.len() > 1 {
        return Err(OsvError::IssueWithSeveralFiles {
            count: osv_files.len(),
        });
    }
    if let Some(issue) = options
        .issue
        .filter(|n| *n == 0 || i64::try_from(*n).is_err())
    {
        return Err(OsvError::BadIssueOption { issue });
    }

    let original = parse_release(read_source(release)?)?;
    check_layout(&original)?;
    let target = ImportTarget::of(&original);

    let mut imported = Vec::with_capacity(osv_files.len());
    for path in osv_files {
        let record = read_record(path)?;
        imported.push(map_record(path, &record, options, &target)?);
    }
    refuse_duplicates(&original, &imported)?;

    let appended = render_entries(&imported, options.track, original.source.text());
    let text = format!("{}{}", original.source.text(), appended);
    let mut findings = check_result(&original, &text)?;
    for note in imported.iter().flat_map(|i| &i.notes) {
        findings.push(Finding::unlocated(
            Severity::Note,
            "internal-packages",
            note.clone(),
        ));
    }
    if !options.dry_run {
        write_atomically(release, &text)?;
    }
    Ok(ImportReport {
        imported,
        appended,
        text,
        written: !options.dry_run,
        findings,
    })
}

fn check_layout(release: &LoadedRelease) -> Result<(), OsvError> {
    let doc: DocumentMut = release
        .source
        .text()
        .parse()
        .map_err(|err: toml_edit::TomlError| OsvError::Layout {
            path: release.source.path().to_path_buf(),
            found: format!("something toml_edit cannot read ({})", err.message()),
        })?;
    match doc.get("security") {
        None | Some(Item::ArrayOfTables(_)) => Ok(()),
        Some(item) => Err(OsvError::Layout {
            path: release.source.path().to_path_buf(),
            found: format!("{} (security = [...])", item.type_name()),
        }),
    }
}

fn refuse_duplicates(release: &LoadedRelease, imported: &[Imported]) -> Result<(), OsvError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (index, entry) in release.file.security.iter().enumerate() {
        let location = release.source.span_location(&entry.span());
        let place = format!("[[security]] entry {} at {location}", index + 1);
        let issue = entry.get_ref();
        for cve in issue.cve_list() {
            seen.entry(cve.as_str().to_string())
                .or_insert_with(|| place.clone());
        }
    }
    // Issues may be shared (one tracker issue, two CVEs): only a CVE is unique.
    for entry in imported {
        for key in entry.cves.iter().cloned() {
            if let Some(existing) = seen.get(&key) {
                return Err(OsvError::Duplicate {
                    path: entry.osv_file.clone(),
                    what: key,
                    existing: existing.clone(),
                });
            }
            seen.insert(
                key,
                format!(
                    "the record {} imported from {}",
                    entry.osv_id,
                    entry.osv_file.display()
                ),
            );
        }
    }
    Ok(())
}

/// The text appended for `entries`: one commented `[[security]]` table each,
/// separated from the original by a blank line, in the original's line endings.
pub fn render_entries(entries: &[Imported], track: Track, original: &str) -> String {
    let mut tables = ArrayOfTables::new();
    for entry in entries {
        let mut table = Table::new();
        table.insert("track", Item::Value(Value::from(track.as_str())));
        table.insert(
            "packages",
            Item::Value(Value::Array(string_array(&entry.packages))),
        );
        table.insert("cves", Item::Value(Value::Array(string_array(&entry.cves))));
        let issue = |n: &u64| Value::from(i64::try_from(*n).unwrap_or(i64::MAX));
        match entry.issues.as_slice() {
            [] => {}
            [one] => {
                table.insert("issue", Item::Value(issue(one)));
            }
            many => {
                table.insert(
                    "issue",
                    Item::Value(Value::Array(many.iter().map(issue).collect())),
                );
            }
        }
        if let Some(advisory) = &entry.advisory {
            table.insert("advisory", Item::Value(Value::from(advisory.as_str())));
        }
        table.insert("title", Item::Value(Value::from(entry.title.as_str())));
        table.insert(
            "description",
            Item::Value(Value::from(entry.description.as_str())),
        );
        if let Some(credit) = &entry.credit {
            table.insert("credit", Item::Value(Value::from(credit.as_str())));
        }
        if let Some(versions) = &entry.versions {
            table.insert(
                "versions",
                Item::Value(Value::Array(string_array(versions))),
            );
        }
        if !entry.links.is_empty() {
            table.insert(
                "links",
                Item::Value(Value::Array(string_array(&entry.links))),
            );
        }
        table.decor_mut().set_prefix(format!(
            "\n# Imported from {} by herald import-osv.\n",
            one_line(&entry.osv_id)
        ));
        tables.push(table);
    }
    let mut doc = DocumentMut::new();
    doc.insert("security", Item::ArrayOfTables(tables));
    let mut text = doc.to_string();
    if !original.is_empty() && !original.ends_with('\n') {
        text.insert(0, '\n');
    }
    if original.contains("\r\n") {
        text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    text
}

fn string_array(items: &[String]) -> Array {
    items.iter().map(String::as_str).collect()
}

/// Re-parses and validates the text after the import. Findings in the original
/// part are not the importer's business; errors in the new part refuse it.
fn check_result(original: &LoadedRelease, text: &str) -> Result<Vec<Finding>, OsvError> {
    let source = SourceFile::new(original.source.path(), text);
    let first_new_line = original.source.text().lines().count() + 1;
    let loaded = parse_release(source).map_err(|err| OsvError::Result {
        details: err.to_string(),
    })?;
    let in_new_part = |f: &Finding| {
        f.location
            .as_ref()
            .is_some_and(|l| l.line >= first_new_line)
    };
    let (errors, findings): (Vec<Finding>, Vec<Finding>) = validate(&loaded)
        .into_iter()
        .filter(in_new_part)
        .partition(|f| f.severity == Severity::Invalid);
    if !errors.is_empty() {
        let details: Vec<String> = errors.iter().map(Finding::to_string).collect();
        return Err(OsvError::Result {
            details: details.join("\n"),
        });
    }
    Ok(findings)
}

/// Replaces the release file with `text`, atomically (see [`crate::write_atomically`]).
fn write_atomically(path: &Path, text: &str) -> Result<(), OsvError> {
    crate::write_atomically(path, text.as_bytes()).map_err(|source| OsvError::Write {
        path: path.to_path_buf(),
        source,
    })
}
