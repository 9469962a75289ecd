//! `herald import-osv`: append `[[security]]` entries built from OSV records.
//!
//! The Go vulnerability database publishes one OSV JSON record per
//! vulnerability (`GO-YYYY-NNNN`). [`import_osv`] reads such records and appends
//! one `[[security]]` entry per record to an existing release file.
//!
//! # Mapping
//!
//! | release key   | OSV source |
//! |---------------|------------|
//! | `track`       | [`ImportOptions::track`]: never guessed; the CLI requires `--track` |
//! | `packages`    | `affected[].ecosystem_specific.imports[].path` of the entries whose `package.name` is `stdlib` or `toolchain`, deduplicated in order |
//! | `cves`        | the `CVE-…` ids among `aliases` (other aliases such as `GHSA-…` are ignored) |
//! | `issue`       | the issue number of a `REPORT` reference (`https://go.dev/issue/N`, `golang.org/issue/N`, `github.com/golang/go/issues/N`, or the release's `project.issue_url`), or [`ImportOptions::issue`] |
//! | `title`       | `summary`, made to read as an announcement title (see below) |
//! | `description` | `details`, verbatim |
//! | `credit`      | `credits[].name`, joined as "A", "A and B", "A, B, and C" (optional) |
//! | `links`       | the `FIX` reference URLs, in order (optional) |
//!
//! The announcement prints each fix as `packages: title`, so the title is the
//! summary without the package names it repeats: a trailing period is dropped;
//! a leading `"<package>: "` is dropped when it names one of the record's
//! packages; a trailing `" in <package>, <package> and <package>"` (the Go
//! database's convention) is dropped when every listed item looks like an
//! import path and at least one is among the record's packages; and a first
//! word written as an ordinary capitalised word ("Infinite") is lower-cased as
//! in golang-announce ("infinite"), while identifiers and acronyms
//! ("ReverseProxy", "HTTP/2") are kept. `summary` itself is required.
//!
//! Affected entries for other modules (`golang.org/x/net`, …) are not part of
//! a Go release and are ignored; a record with no `stdlib` or `toolchain`
//! entry is refused. `ranges`, `database_specific`, `severity` and every other
//! OSV field are ignored (OSV is an open schema).
//!
//! # Safety of the release file
//!
//! The original text is kept byte for byte: the new entries are appended at the
//! end of the file (TOML allows `[[security]]` tables after `[[fix]]` tables),
//! each preceded by a comment naming its OSV id, in the file's own line endings.
//! A record is refused when one of its CVE ids or its issue is already in the
//! release file or in another record of the same import. The result is parsed
//! again with [`crate::load::parse_release`] and checked with
//! [`crate::validate::validate`] (errors in the new entries refuse the import;
//! policy violations they cause are returned as [`ImportReport::findings`]).
//! The file is then replaced atomically (temporary file in the same directory,
//! then rename). On any error nothing is written.
//!
//! # Errors
//!
//! Errors name the OSV file and, for invalid JSON, the line and column
//! (`GO-2021-0234.json:7:15: invalid OSV JSON: …`), or for a record that parses
//! but cannot be imported, the JSON path and what was expected
//! (`GO-2021-0234.json: affected[0].ecosystem_specific.imports: expected …`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexSet;
use serde::Deserialize;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use crate::load::{parse_release, read_source, LoadError, LoadedRelease};
use crate::model::{CveId, Track, Version};
use crate::source::SourceFile;
use crate::validate::{validate, Finding, Severity};

/// The OSV `package.name` of the Go standard library.
pub const STDLIB: &str = "stdlib";
/// The OSV `package.name` of the Go toolchain (`cmd/go`, `cmd/compile`, …).
pub const TOOLCHAIN: &str = "toolchain";

/// How to import. `track` is not optional: the security team decides it, the
/// importer never guesses (the command line makes `--track` required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The track of every imported entry.
    pub track: Track,
    /// The issue number to use instead of the record's REPORT reference.
    /// Allowed only when importing a single OSV file.
    pub issue: Option<u64>,
    /// Compute and check the result, but do not write the release file.
    pub dry_run: bool,
}

/// One imported record: what was appended for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The OSV id, as in "GO-2021-0234".
    pub osv_id: String,
    /// The OSV file it came from.
    pub osv_file: PathBuf,
    pub cves: Vec<String>,
    /// The tracker issues, from every REPORT reference (or `--issue`).
    pub issues: Vec<u64>,
    pub packages: Vec<String>,
    /// The release versions the record is fixed in; `None` when it is fixed in all of
    /// them (the entry then has no `versions` key).
    pub versions: Option<Vec<String>>,
    /// What the importer decided that a person should know (internal packages kept).
    pub notes: Vec<String>,
    pub title: String,
    pub description: String,
    pub credit: Option<String>,
    pub links: Vec<String>,
}

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

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    #[error("no OSV files were given")]
    NoFiles,
    #[error("--issue applies to a single OSV file, but {count} were given; import the others without it")]
    IssueWithSeveralFiles { count: usize },
    #[error("--issue must be a positive issue number, found {issue}")]
    BadIssueOption { issue: u64 },
    #[error("{}: cannot read the OSV file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid OSV JSON: {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {json_path}: {message}", path.display())]
    Record {
        path: PathBuf,
        /// Where in the record, as in `affected[0].ecosystem_specific.imports`.
        json_path: String,
        message: String,
    },
    #[error("{}: {what} is already in the release file, in {existing}; each vulnerability is listed once", path.display())]
    Duplicate {
        path: PathBuf,
        /// As in "CVE-2021-27918" or "issue 44913".
        what: String,
        /// Where it already is, as in "[[security]] entry 1 at go1.16.1.toml:22:1"
        /// or another OSV file.
        existing: String,
    },
    #[error(transparent)]
    Release(#[from] LoadError),
    #[error("{}: the release file keeps `security` as {found}; import-osv can only append [[security]] tables", path.display())]
    Layout { path: PathBuf, found: String },
    #[error(
        "the release file would not be usable after the import, so nothing was written:\n{details}"
    )]
    Result { details: String },
    #[error("{}: cannot write the release file: {source}; it was left unchanged", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
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

// ---------------------------------------------------------------------------
// OSV records

/// The OSV fields the importer reads. Everything else is ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvRecord {
    pub id: Option<String>,
    pub withdrawn: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub affected: Option<Vec<OsvAffected>>,
    pub references: Option<Vec<OsvReference>>,
    pub credits: Option<Vec<OsvCredit>>,
}

/// One `affected[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvAffected {
    pub package: Option<OsvPackage>,
    pub ranges: Option<Vec<OsvRange>>,
    pub ecosystem_specific: Option<OsvEcosystemSpecific>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvRange {
    pub events: Option<Vec<OsvEvent>>,
}

/// `affected[].ranges[].events[]`: one of `introduced`, `fixed` (others are ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvEvent {
    pub introduced: Option<String>,
    pub fixed: Option<String>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvPackage {
    pub name: Option<String>,
    pub ecosystem: Option<String>,
}

/// `affected[].ecosystem_specific`, as the Go database writes it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvEcosystemSpecific {
    pub imports: Option<Vec<OsvImport>>,
}

/// `affected[].ecosystem_specific.imports[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvImport {
    pub path: Option<String>,
}

/// `references[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvReference {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub url: Option<String>,
}

/// `credits[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvCredit {
    pub name: Option<String>,
}

/// Reads and parses one OSV file.
pub fn read_record(path: &Path) -> Result<OsvRecord, OsvError> {
    let text = std::fs::read_to_string(path).map_err(|source| OsvError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_record(path, &text)
}

/// Parses the text of an OSV file; `path` names it in errors.
pub fn parse_record(path: &Path, text: &str) -> Result<OsvRecord, OsvError> {
    serde_json::from_str(text).map_err(|err| {
        let message = err.to_string();
        // serde_json appends " at line L column C"; the position is reported up front.
        let message = match message.rfind(" at line ") {
            Some(at) if err.line() > 0 => message[..at].to_string(),
            _ => message,
        };
        OsvError::Json {
            path: path.to_path_buf(),
            line: err.line(),
            column: err.column(),
            message,
        }
    })
}

/// What a record is imported into: the facts of the release file it needs.
#[derive(Debug, Clone)]
pub struct ImportTarget {
    /// `project.issue_url`, whose URLs count as issue references too.
    pub issue_template: String,
    /// `release.versions`, newest first.
    pub versions: Vec<Version>,
    /// `project.module` of a module release; `None` for a Go release.
    pub module: Option<String>,
}

impl ImportTarget {
    /// The target described by a loaded release file.
    pub fn of(release: &LoadedRelease) -> Self {
        let file = &release.file;
        ImportTarget {
            issue_template: file.project.issue_url.get_ref().to_string(),
            versions: file.release.version_list().into_iter().cloned().collect(),
            module: file.project.module_path().map(str::to_string),
        }
    }
}

/// Maps a parsed record to the entry to append to a release described by `target`.
pub fn map_record(
    path: &Path,
    record: &OsvRecord,
    options: &ImportOptions,
    target: &ImportTarget,
) -> Result<Imported, OsvError> {
    let issue_template = target.issue_template.as_str();
    let fail = |json_path: &str, message: String| OsvError::Record {
        path: path.to_path_buf(),
        json_path: json_path.to_string(),
        message,
    };

    let osv_id = match record.id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() && !id.contains(char::is_whitespace) => id.to_string(),
        Some(id) => {
            return Err(fail(
                "id",
                format!("expected an OSV id like \"GO-2021-0234\", found {id:?}"),
            ))
        }
        None => {
            return Err(fail(
                "id",
                "missing; expected an OSV id like \"GO-2021-0234\"".to_string(),
            ))
        }
    };
    if let Some(when) = &record.withdrawn {
        return Err(fail(
            "withdrawn",
            format!("{osv_id} was withdrawn ({when}); a withdrawn record is not a vulnerability to announce"),
        ));
    }

    let InRelease {
        packages,
        versions,
        notes,
    } = in_release(&osv_id, record, target, &fail)?;
    let cves = cves(record, &fail)?;
    let issues = match options.issue {
        Some(issue) => vec![issue],
        None => issues(record, issue_template, &fail)?,
    };

    let summary = one_line(record.summary.as_deref().unwrap_or(""));
    if summary.is_empty() {
        let found = if record.summary.is_some() {
            "empty"
        } else {
            "missing"
        };
        return Err(fail(
            "summary",
            format!("{found}; expected a one-line summary, which becomes the title"),
        ));
    }
    // In a module release, "… in golang.org/x/crypto" names the module: drop it too.
    let mut names = packages.clone();
    names.extend(target.module.iter().cloned());
    let title = title_from_summary(&summary, &names);

    let description = record.details.as_deref().unwrap_or("").trim().to_string();
    if description.is_empty() {
        let found = if record.details.is_some() {
            "empty"
        } else {
            "missing"
        };
        return Err(fail(
            "details",
            format!("{found}; expected the description of the vulnerability"),
        ));
    }

    let mut names = Vec::new();
    for (i, credit) in record.credits.iter().flatten().enumerate() {
        let name = one_line(credit.name.as_deref().unwrap_or(""));
        if name.is_empty() {
            return Err(fail(
                &format!("credits[{i}].name"),
                "expected the non-empty name of who reported the issue".to_string(),
            ));
        }
        names.push(name);
    }
    let credit = (!names.is_empty()).then(|| crate::english::join_list(&names));

    let mut links: IndexSet<String> = IndexSet::new();
    for (i, reference) in record.references.iter().flatten().enumerate() {
        if reference.kind.as_deref() != Some("FIX") {
            continue;
        }
        let url = reference_url(reference, i, &fail)?;
        links.insert(url.to_string());
    }

    Ok(Imported {
        osv_id,
        osv_file: path.to_path_buf(),
        cves,
        issues,
        packages,
        versions,
        notes,
        title,
        description,
        credit,
        links: links.into_iter().collect(),
    })
}

/// What a record contributes to one release: its packages there and the versions
/// that fix it.
struct InRelease {
    packages: Vec<String>,
    versions: Option<Vec<String>>,
    notes: Vec<String>,
}

/// Whether an import path is internal: it has an `internal` element.
pub fn is_internal(path: &str) -> bool {
    path.split('/').any(|element| element == "internal")
}

/// The `affected` entries of the release's package (`stdlib` and `toolchain`, or the
/// module), the release versions among their `fixed` events, and the import paths of
/// the entries fixed in one of those versions.
fn in_release(
    osv_id: &str,
    record: &OsvRecord,
    target: &ImportTarget,
    fail: &dyn Fn(&str, String) -> OsvError,
) -> Result<InRelease, OsvError> {
    let wanted = match &target.module {
        Some(module) => format!("package.name {module:?}"),
        None => "package.name \"stdlib\" or \"toolchain\"".to_string(),
    };
    let affected = match &record.affected {
        None => {
            return Err(fail(
                "affected",
                format!("missing; expected the affected packages ({wanted})"),
            ))
        }
        Some(a) if a.is_empty() => {
            return Err(fail(
                "affected",
                format!("empty; expected the affected packages ({wanted})"),
            ))
        }
        Some(a) => a,
    };
    let semvers: Vec<String> = target.versions.iter().map(Version::semver).collect();
    let mut fixed_in = vec![false; target.versions.len()];
    let mut packages: IndexSet<String> = IndexSet::new();
    let mut others = Vec::new();
    let mut ranges_text = Vec::new();
    let mut ours = 0;
    for (i, entry) in affected.iter().enumerate() {
        let name = match entry.package.as_ref().and_then(|p| p.name.as_deref()) {
            Some(name) => name,
            None => {
                return Err(fail(
                    &format!("affected[{i}].package.name"),
                    "missing; expected \"stdlib\", \"toolchain\" or a module path".to_string(),
                ))
            }
        };
        let is_ours = match &target.module {
            Some(module) => name == module,
            None => name == STDLIB || name == TOOLCHAIN,
        };
        if !is_ours {
            others.push(format!("{name:?}"));
            continue;
        }
        ours += 1;
        let at = format!("affected[{i}].ecosystem_specific.imports");
        let imports = entry
            .ecosystem_specific
            .as_ref()
            .and_then(|e| e.imports.as_ref());
        let imports = match imports {
            Some(imports) if !imports.is_empty() => imports,
            _ => {
                let found = if imports.is_some() {
                    "empty"
                } else {
                    "missing"
                };
                return Err(fail(
                    &at,
                    format!("{found}; expected at least one affected import path for the {name}, as in [{{\"path\": \"encoding/xml\"}}]"),
                ));
            }
        };
        let mut events = Vec::new();
        let mut matched = false;
        for range in entry.ranges.iter().flatten() {
            for event in range.events.iter().flatten() {
                if let Some(v) = &event.introduced {
                    events.push(format!("introduced {v}"));
                }
                if let Some(v) = &event.fixed {
                    events.push(format!("fixed {v}"));
                    for (slot, semver) in fixed_in.iter_mut().zip(&semvers) {
                        if semver == v {
                            *slot = true;
                            matched = true;
                        }
                    }
                }
            }
        }
        ranges_text.push(format!(
            "affected[{i}] ({name}): {}",
            if events.is_empty() {
                "no ranges".to_string()
            } else {
                events.join(", ")
            }
        ));
        if !matched {
            continue;
        }
        for (j, import) in imports.iter().enumerate() {
            let path = import.path.as_deref().unwrap_or("").trim();
            if path.is_empty() || path.contains(char::is_whitespace) {
                return Err(fail(
                    &format!("{at}[{j}].path"),
                    format!("expected an import path such as \"encoding/xml\" or \"cmd/go\", found {:?}", import.path.as_deref().unwrap_or("")),
                ));
            }
            packages.insert(path.to_string());
        }
    }
    if ours == 0 {
        let message = match &target.module {
            Some(module) => format!(
                "no entry for the module {module} ({wanted}), which this release file releases; found only {}",
                others.join(", ")
            ),
            None => format!(
                "no entry for the Go standard library or toolchain ({wanted}); found only {}, which a Go release does not ship; a release of a golang.org/x module sets project.module",
                others.join(", ")
            ),
        };
        return Err(fail("affected", message));
    }
    if packages.is_empty() {
        let versions: Vec<String> = target.versions.iter().map(|v| v.to_string()).collect();
        return Err(fail(
            "affected[].ranges",
            format!(
                "{osv_id} is fixed in none of the release's versions ({}, as {}); its ranges say: {}",
                versions.join(", "),
                semvers.join(", "),
                ranges_text.join("; ")
            ),
        ));
    }
    let mut notes = Vec::new();
    let mut packages: Vec<String> = packages.into_iter().collect();
    let public: Vec<String> = packages
        .iter()
        .filter(|p| !is_internal(p))
        .cloned()
        .collect();
    if public.is_empty() {
        notes.push(format!(
            "{osv_id}: every affected package is internal ({}); they were kept in packages. Announcements name public packages: edit packages, or set history_packages",
            packages.join(", ")
        ));
    } else {
        packages = public;
    }
    let versions = (!fixed_in.iter().all(|f| *f)).then(|| {
        target
            .versions
            .iter()
            .zip(&fixed_in)
            .filter(|(_, f)| **f)
            .map(|(v, _)| v.to_string())
            .collect()
    });
    Ok(InRelease {
        packages,
        versions,
        notes,
    })
}

fn cves(
    record: &OsvRecord,
    fail: &dyn Fn(&str, String) -> OsvError,
) -> Result<Vec<String>, OsvError> {
    let aliases = record.aliases.as_deref().unwrap_or_default();
    let mut cves: IndexSet<String> = IndexSet::new();
    for (i, alias) in aliases.iter().enumerate() {
        if !alias.trim_start().to_ascii_uppercase().starts_with("CVE") {
            continue;
        }
        let cve = CveId::try_from(alias.clone())
            .map_err(|message| fail(&format!("aliases[{i}]"), message))?;
        cves.insert(cve.as_str().to_string());
    }
    if cves.is_empty() {
        let found = if record.aliases.is_none() {
            "missing".to_string()
        } else if aliases.is_empty() {
            "empty".to_string()
        } else {
            format!("no CVE id among {}", aliases.join(", "))
        };
        return Err(fail(
            "aliases",
            format!("{found}; expected at least one CVE id like \"CVE-2021-27918\": the policy issues a CVE for every security fix"),
        ));
    }
    Ok(cves.into_iter().collect())
}

fn reference_url<'r>(
    reference: &'r OsvReference,
    i: usize,
    fail: &dyn Fn(&str, String) -> OsvError,
) -> Result<&'r str, OsvError> {
    let url = reference.url.as_deref().unwrap_or("").trim();
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        return Err(fail(
            &format!("references[{i}].url"),
            format!(
                "expected an http(s) URL without spaces, found {:?}",
                reference.url.as_deref().unwrap_or("")
            ),
        ));
    }
    Ok(url)
}

fn issues(
    record: &OsvRecord,
    issue_template: &str,
    fail: &dyn Fn(&str, String) -> OsvError,
) -> Result<Vec<u64>, OsvError> {
    let mut found: IndexSet<u64> = IndexSet::new();
    for (i, reference) in record.references.iter().flatten().enumerate() {
        if reference.kind.as_deref() != Some("REPORT") {
            continue;
        }
        let url = reference_url(reference, i, fail)?;
        if let Some(n) = issue_number(url, issue_template) {
            found.insert(n);
        }
    }
    if found.is_empty() {
        return Err(fail(
            "references",
            "no REPORT reference to a Go issue (as in {\"type\": \"REPORT\", \"url\": \"https://go.dev/issue/44913\"}); give the issue number with --issue N".to_string(),
        ));
    }
    Ok(found.into_iter().collect())
}

/// The issue number of a Go issue URL, or of a URL made from `template` (`{id}` is the number).
pub fn issue_number(url: &str, template: &str) -> Option<u64> {
    let number = |digits: &str| {
        digits.parse::<u64>().ok().filter(|n| {
            *n > 0 && i64::try_from(*n).is_ok() && digits.bytes().all(|b| b.is_ascii_digit())
        })
    };
    if let Some((prefix, suffix)) = template.split_once("{id}") {
        if let Some(rest) = url
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
        {
            if let Some(n) = number(rest) {
                return Some(n);
            }
        }
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = [
        "go.dev/issue/",
        "golang.org/issue/",
        "github.com/golang/go/issues/",
    ]
    .iter()
    .find_map(|p| rest.strip_prefix(p))?;
    let end = rest.find(['/', '#', '?']).unwrap_or(rest.len());
    if !rest[end..].is_empty() && !rest[end..].starts_with(['#', '?']) && &rest[end..] != "/" {
        return None;
    }
    number(&rest[..end])
}

/// Collapses runs of white space (line breaks included) into single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The announcement title for an OSV summary; see the module documentation.
pub fn title_from_summary(summary: &str, packages: &[String]) -> String {
    let mut title = one_line(summary);
    if let Some(stripped) = title.strip_suffix('.') {
        title = stripped.trim_end().to_string();
    }
    let packages: std::collections::HashSet<&str> = packages.iter().map(String::as_str).collect();
    if let Some((head, rest)) = title.split_once(": ") {
        if packages.contains(head) && !rest.trim().is_empty() {
            title = rest.trim().to_string();
        }
    }
    if let Some(at) = title.rfind(" in ") {
        let list = &title[at + 4..];
        let items: Vec<&str> = list
            .split(", ")
            .flat_map(|part| part.split(" and "))
            .map(|item| item.strip_prefix("and ").unwrap_or(item).trim())
            .collect();
        let looks_like_path = |item: &str| {
            !item.is_empty()
                && item
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/._-".contains(&b))
        };
        if at > 0
            && items.iter().all(|i| looks_like_path(i))
            && items.iter().any(|i| packages.contains(i))
        {
            title.truncate(at);
        }
    }
    let first = title.split_whitespace().next().unwrap_or("");
    let mut chars = first.chars();
    if let Some(initial) = chars.next() {
        let rest = chars.as_str();
        if initial.is_uppercase() && rest.chars().all(char::is_lowercase) && first != "I" {
            title = initial.to_lowercase().collect::<String>() + &title[initial.len_utf8()..];
        }
    }
    title
}

// ---------------------------------------------------------------------------
// The release file

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
        let issue_value = match entry.issues.as_slice() {
            [one] => issue(one),
            many => Value::Array(many.iter().map(issue).collect()),
        };
        table.insert("issue", Item::Value(issue_value));
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

impl fmt::Display for Imported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}: {} (issue {})",
            self.osv_id,
            self.cves.join(", "),
            self.packages.join(", "),
            self.title,
            self.issues
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        if let Some(versions) = &self.versions {
            write!(f, " in {} only", versions.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkgs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn titles_drop_package_names_and_the_period() {
        let xml = pkgs(&["encoding/xml"]);
        assert_eq!(
            title_from_summary(
                "Infinite loop when decoding some inputs in encoding/xml",
                &xml
            ),
            "infinite loop when decoding some inputs"
        );
        assert_eq!(
            title_from_summary("encoding/xml: infinite loop.", &xml),
            "infinite loop"
        );
        assert_eq!(
            title_from_summary(
                "ReverseProxy forwards headers in net/http",
                &pkgs(&["net/http/httputil"])
            ),
            "ReverseProxy forwards headers in net/http"
        );
        let multi = pkgs(&["mime/multipart", "net/textproto"]);
        assert_eq!(
            title_from_summary(
                "Excessive resource consumption in net/http, net/textproto and mime/multipart",
                &multi
            ),
            "excessive resource consumption"
        );
        assert_eq!(
            title_from_summary(
                "HTTP/2 rapid reset can cause excessive work in net/http",
                &pkgs(&["net/http"])
            ),
            "HTTP/2 rapid reset can cause excessive work"
        );
        assert_eq!(
            title_from_summary("Panic in Decoder", &xml),
            "panic in Decoder"
        );
    }

    #[test]
    fn issue_urls() {
        let t = "https://go.dev/issue/{id}";
        assert_eq!(issue_number("https://go.dev/issue/44913", t), Some(44913));
        assert_eq!(
            issue_number("https://golang.org/issue/44913", t),
            Some(44913)
        );
        assert_eq!(
            issue_number("https://github.com/golang/go/issues/44913", t),
            Some(44913)
        );
        assert_eq!(
            issue_number(
                "https://github.com/golang/go/issues/44913#issuecomment-1",
                t
            ),
            Some(44913)
        );
        assert_eq!(
            issue_number(
                "https://example.com/bugs/7",
                "https://example.com/bugs/{id}"
            ),
            Some(7)
        );
        assert_eq!(issue_number("https://go.dev/issue/0", t), None);
        assert_eq!(issue_number("https://go.dev/issue/12/files", t), None);
        assert_eq!(issue_number("https://hackerone.com/reports/1", t), None);
    }
}
