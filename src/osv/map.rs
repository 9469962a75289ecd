//! From an OSV record to a `[[security]]` entry of a release.

use indexmap::IndexSet;

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::OsvError;
use super::record::{OsvRecord, OsvReference};
use crate::load::LoadedRelease;
use crate::model::{CveId, Track, Version};

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
    /// The tracker issues, from every REPORT reference (or `--issue`); none for a
    /// record that cites no Go issue, which is then known by `advisory`.
    pub issues: Vec<u64>,
    /// The advisory page of a record that cites no Go issue: its ADVISORY reference,
    /// else the database's `url`.
    pub advisory: Option<String>,
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

impl fmt::Display for Imported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cited = match (&self.issues[..], &self.advisory) {
            ([], Some(advisory)) => format!("advisory {advisory}"),
            (issues, _) => format!(
                "issue {}",
                issues
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        write!(
            f,
            "{} ({}): {}: {} ({cited})",
            self.osv_id,
            self.cves.join(", "),
            self.packages.join(", "),
            self.title,
        )?;
        if let Some(versions) = &self.versions {
            write!(f, " in {} only", versions.join(", "))?;
        }
        Ok(())
    }
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
    let advisory = match issues.is_empty() {
        true => Some(advisory(record, &fail)?),
        false => None,
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
        advisory,
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
    Ok(found.into_iter().collect())
}

/// The advisory page of a record that cites no Go issue: its first ADVISORY
/// reference, else the database's `url` (`database_specific.url`).
fn advisory(
    record: &OsvRecord,
    fail: &dyn Fn(&str, String) -> OsvError,
) -> Result<String, OsvError> {
    let checked = |at: &str, url: &str| {
        crate::model::HttpUrl::try_from(url.to_string())
            .map(String::from)
            .map_err(|message| fail(at, message))
    };
    for (i, reference) in record.references.iter().flatten().enumerate() {
        if reference.kind.as_deref() == Some("ADVISORY") {
            let url = reference_url(reference, i, fail)?;
            return checked(&format!("references[{i}].url"), url);
        }
    }
    if let Some(url) = record
        .database_specific
        .as_ref()
        .and_then(|d| d.get("url"))
        .and_then(|u| u.as_str())
    {
        return checked("database_specific.url", url);
    }
    Err(fail(
        "references",
        "no REPORT reference to a Go issue (as in {\"type\": \"REPORT\", \"url\": \"https://go.dev/issue/44913\"}), and no advisory to name instead (an ADVISORY reference or database_specific.url); give the issue number with --issue N".to_string(),
    ))
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
pub(super) fn one_line(text: &str) -> String {
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
