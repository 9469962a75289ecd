//! The real-release corpus (`fixtures/real/`): Go security releases of 2023 to
//! 2026 and golang.org/x module security releases, each rebuilt with `herald
//! import-osv` from the golang/vulndb OSV records stored beside it. Every release
//! checks clean, or reports exactly the rules its `expected-findings` names where
//! Go departed from the policy, and renders; every version ships exactly the fixes whose OSV
//! ranges name it; and every history line is the sentence Go published
//! (`history.expected`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use herald::load::load_release;
use herald::model::{Profile, Version};
use herald::osv::{is_internal, read_record, OsvRecord, STDLIB, TOOLCHAIN};
use herald::plan::plan;
use herald::render::{history, render_message, Templates};
use herald::validate::{validate, Severity};

pub(crate) fn releases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures/real")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn osv_records(dir: &Path) -> Vec<OsvRecord> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.iter().map(|f| read_record(f).unwrap()).collect()
}

/// What the OSV records say version `version` fixes: CVE ids and public packages.
fn fixed_by_osv(
    records: &[OsvRecord],
    version: &Version,
    module: Option<&str>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut cves, mut packages) = (BTreeSet::new(), BTreeSet::new());
    for record in records {
        let mut paths = Vec::new();
        for affected in record.affected.iter().flatten() {
            let name = affected.package.as_ref().and_then(|p| p.name.as_deref());
            let ours = match module {
                Some(m) => name == Some(m),
                None => name == Some(STDLIB) || name == Some(TOOLCHAIN),
            };
            let fixed_here = affected
                .ranges
                .iter()
                .flatten()
                .flat_map(|r| r.events.iter().flatten())
                .any(|e| e.fixed.as_deref() == Some(version.semver().as_str()));
            if ours && fixed_here {
                let imports = affected.ecosystem_specific.as_ref().unwrap();
                paths.extend(
                    imports
                        .imports
                        .iter()
                        .flatten()
                        .map(|i| i.path.clone().unwrap()),
                );
            }
        }
        if paths.is_empty() {
            continue;
        }
        for alias in record.aliases.iter().flatten() {
            if alias.starts_with("CVE-") {
                cves.insert(alias.clone());
            }
        }
        let public: Vec<&String> = paths.iter().filter(|p| !is_internal(p)).collect();
        if public.is_empty() {
            packages.extend(paths.iter().cloned());
        } else {
            packages.extend(public.into_iter().cloned());
        }
    }
    (cves, packages)
}

#[test]
fn the_corpus_holds_enough_real_releases() {
    let dirs = releases();
    let go_releases = dirs
        .iter()
        .filter(|d| d.file_name().unwrap().to_string_lossy().starts_with("go"))
        .count();
    assert!(go_releases >= 15, "only {go_releases} Go releases");
    for dir in &dirs {
        assert!(dir.join("release.toml").is_file(), "{}", dir.display());
        assert!(
            !osv_records(dir).is_empty(),
            "{}: no OSV records",
            dir.display()
        );
    }
}

/// The rules a real release breaks on purpose: `expected-findings` beside it, one
/// rule per line after an explanatory `#` comment. Go's own practice is recorded
/// as it happened, and herald must say where it departs from the policy.
pub(crate) fn expected_findings(dir: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(dir.join("expected-findings"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_real_release_checks_clean_and_renders() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    let mut departures = 0;
    for dir in releases() {
        let path = dir.join("release.toml");
        let input = load_release(&path).unwrap();
        let expected = expected_findings(&dir);
        let findings: BTreeSet<String> = validate(&input)
            .into_iter()
            .filter(|f| f.severity != Severity::Note)
            .map(|f| f.rule.to_string())
            .collect();
        assert_eq!(findings, expected, "{}", path.display());
        let day = input.file.release.date.get_ref().get();
        let due = plan(&input, day);
        let mut rendered = 0;
        for planned in due.due() {
            let message = render_message(&input, planned.kind, &templates).unwrap();
            assert!(!message.text.contains("{{"), "{}", path.display());
            rendered += 1;
        }
        assert!(rendered >= 1, "{}: nothing rendered", path.display());
        // The whole command, embargo guard included, on release day: clean, or a
        // violation (exit 1) that names exactly the expected rules.
        let status = Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(["check", path.to_str().unwrap(), "--today", &day.to_string()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&status.stderr);
        let code = if expected.is_empty() { 0 } else { 1 };
        assert_eq!(
            status.status.code(),
            Some(code),
            "{}: {stderr}",
            path.display()
        );
        for rule in &expected {
            assert!(
                stderr.contains(rule.as_str()),
                "{}: {stderr}",
                path.display()
            );
            departures += 1;
        }
    }
    // Go 1.26.2 was pre-announced 8 days ahead, one more than the policy allows.
    assert!(departures >= 1);
}

#[test]
fn every_version_ships_exactly_what_the_osv_ranges_say() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    let mut versions_checked = 0;
    let mut without_security = 0;
    for dir in releases() {
        let input = load_release(&dir.join("release.toml")).unwrap();
        let records = osv_records(&dir);
        let module = input.file.project.module_path();
        let lines = history(&input, &templates).unwrap();
        for version in input.file.release.version_list() {
            let (want_cves, want_packages) = fixed_by_osv(&records, version, module);
            let shipped: Vec<_> = input
                .file
                .security
                .iter()
                .map(|s| s.get_ref())
                .filter(|s| s.ships_in(version))
                .collect();
            let cves: BTreeSet<String> = shipped
                .iter()
                .flat_map(|s| s.cve_list().iter().map(|c| c.to_string()))
                .collect();
            let packages: BTreeSet<String> = shipped
                .iter()
                .flat_map(|s| s.packages.get_ref().iter().map(|p| p.to_string()))
                .collect();
            let name = format!("{} {version}", dir.display());
            assert_eq!(cves, want_cves, "{name}: CVEs");
            assert_eq!(packages, want_packages, "{name}: packages");
            // The history line has a security clause exactly when the version has fixes.
            if let Some(line) = lines.iter().find(|l| l.version == version.as_str()) {
                assert_eq!(
                    line.line.contains("security fix"),
                    !want_cves.is_empty(),
                    "{name}: {}",
                    line.line
                );
            }
            if want_cves.is_empty() {
                without_security += 1;
            }
            versions_checked += 1;
        }
    }
    assert!(versions_checked >= 30, "{versions_checked}");
    // Go 1.24.7 shipped no security fix although its release did.
    assert!(without_security >= 1);
}

#[test]
fn every_history_line_is_the_published_sentence() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    let mut matched = 0;
    for dir in releases() {
        let expected = dir.join("history.expected");
        let input = load_release(&dir.join("release.toml")).unwrap();
        let lines = history(&input, &templates).unwrap();
        if !expected.is_file() {
            // Go's release history lists neither release candidates nor x/ modules.
            assert!(lines.is_empty(), "{}: {lines:?}", dir.display());
            continue;
        }
        let expected = std::fs::read_to_string(expected).unwrap();
        let expected: Vec<&str> = expected.lines().collect();
        let got: Vec<&str> = lines.iter().map(|l| l.line.as_str()).collect();
        assert_eq!(got, expected, "{}", dir.display());
        matched += got.len();
    }
    assert!(matched >= 30, "{matched}");
}

/// The plain-text announcement of the release file at `path`.
fn announcement(templates: &Templates, path: &str) -> String {
    let input = load_release(Path::new(path)).unwrap();
    render_message(&input, herald::model::MessageKind::Announcement, templates)
        .unwrap()
        .text
}

#[test]
fn shared_issues_and_several_issues_are_announced_as_go_did() {
    let templates = Templates::builtin(Profile::default()).unwrap();
    // Go 1.21.1: CVE-2023-39321 and CVE-2023-39322, two items under issue 62266.
    let text = announcement(&templates, "fixtures/real/go1.21.1/release.toml");
    assert!(
        text.contains("These minor releases include 5 security fixes"),
        "{text}"
    );
    assert_eq!(text.matches("https://go.dev/issue/62266").count(), 2);
    // Go 1.21.4: GO-2023-2185 cites issues 63713 and 64028 in one item.
    let text = announcement(&templates, "fixtures/real/go1.21.4/release.toml");
    assert!(
        text.contains(
            "This is CVE-2023-45283 and Go issues https://go.dev/issue/63713 and\n  https://go.dev/issue/64028."
        ),
        "{text}"
    );
    // Go 1.25.1 / 1.24.7: the net/http fix is announced for 1.25.1 only.
    let text = announcement(&templates, "fixtures/real/go1.25.1/release.toml");
    assert!(
        text.contains("This fix is included in Go 1.25.1 only."),
        "{text}"
    );
}
