//! `herald import-osv` as a library: OSV records appended to a release file
//! that keeps every original byte, duplicates and invalid records refused,
//! nothing written on error.

use std::path::{Path, PathBuf};

use herald::load::load_release;
use herald::model::Track;
use herald::osv::{import_osv, ImportOptions, OsvError};

const RELEASE: &str = "fixtures/osv/release.toml";

fn osv(name: &str) -> PathBuf {
    Path::new("fixtures/osv").join(name)
}

fn invalid(name: &str) -> PathBuf {
    Path::new("fixtures/osv/invalid").join(name)
}

fn options(track: Track) -> ImportOptions {
    ImportOptions {
        track,
        issue: None,
        dry_run: false,
    }
}

/// A temporary copy of `source`, with its directory (kept alive by the caller).
fn temp_copy(source: &str) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.toml");
    let text = std::fs::read_to_string(source).unwrap();
    std::fs::write(&path, &text).unwrap();
    (dir, path, text)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The directory holds only the release file: no temporary file was left behind.
fn assert_no_leftovers(dir: &tempfile::TempDir) {
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["release.toml"], "leftover files");
}

#[test]
fn imported_entries_are_appended_after_every_original_byte() {
    let (dir, path, original) = temp_copy(RELEASE);
    let files = [
        osv("GO-2021-0067.json"),
        osv("GO-2021-0068.json"),
        osv("GO-2023-1705.json"),
        osv("GO-2023-1571.json"),
    ];
    let report = import_osv(&path, &files, &options(Track::Private)).unwrap();

    let written = read(&path);
    assert!(report.written);
    assert_eq!(written, report.text);
    assert!(
        written.starts_with(&original),
        "the original text is not a prefix of the result"
    );
    assert_eq!(&written[original.len()..], report.appended);
    // The original ends in a comment without a newline: the appended text starts a new line.
    assert!(report.appended.starts_with('\n'));
    assert_eq!(report.appended.matches("[[security]]").count(), 4);
    for id in [
        "GO-2021-0067",
        "GO-2021-0068",
        "GO-2023-1705",
        "GO-2023-1571",
    ] {
        assert!(
            report
                .appended
                .contains(&format!("# Imported from {id} by herald import-osv.")),
            "no comment for {id}:\n{}",
            report.appended
        );
    }
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_no_leftovers(&dir);

    let loaded = load_release(&path).unwrap();
    let security = &loaded.file.security;
    assert_eq!(security.len(), 5);
    // The entry that was there is untouched.
    assert_eq!(security[0].get_ref().first_issue().unwrap().get(), 44913);
    assert_eq!(loaded.file.fixes.len(), 1);

    let zip = security[1].get_ref();
    assert_eq!(*zip.track.get_ref(), Track::Private);
    assert_eq!(strings(zip.packages.get_ref()), ["archive/zip"]);
    assert_eq!(
        zip.cve_list()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        ["CVE-2021-27919"]
    );
    assert_eq!(zip.first_issue().unwrap().get(), 44916);
    assert_eq!(&*zip.title, "panic when opening archives");
    assert!(zip.description.starts_with(
        "Using Reader.Open on an archive containing a file with a path prefixed by \"../\""
    ));
    assert!(zip.credit.is_none());
    assert_eq!(
        strings(&zip.links),
        [
            "https://go.dev/cl/300489",
            "https://go.googlesource.com/go/+/cd3b4ca9f20fd14187ed4cdfdee1a02ea87e5cd8"
        ]
    );
    // Fixed in 1.16.1 only (OSV ranges): the entry ships in that version alone.
    assert_eq!(shipped(zip), ["1.16.1"]);
    assert!(zip.track_override.is_none());

    let gocmd = security[2].get_ref();
    assert_eq!(strings(gocmd.packages.get_ref()), ["cmd/go"]);
    assert_eq!(gocmd.first_issue().unwrap().get(), 43783);
    assert_eq!(shipped(gocmd), ["1.15.7"]);
    assert_eq!(gocmd.cve_list()[0].as_str(), "CVE-2021-3115");
    assert_eq!(
        &*gocmd.title,
        "arbitrary code execution when building with cgo on Windows"
    );
    assert_eq!(gocmd.credit.as_deref(), Some("RyotaK"));
    assert_eq!(gocmd.links.len(), 4, "every FIX reference, in order");
    assert!(loaded
        .file
        .project
        .is_toolchain(&gocmd.packages.get_ref()[0]));

    let multipart = security[3].get_ref();
    assert_eq!(
        strings(multipart.packages.get_ref()),
        ["mime/multipart", "net/textproto"]
    );
    assert_eq!(&*multipart.title, "excessive resource consumption");
    assert_eq!(multipart.first_issue().unwrap().get(), 59153);
    assert_eq!(shipped(multipart), ["1.20.3"]);
    assert_eq!(
        multipart.credit.as_deref(),
        Some("Jakob Ackermann (@das7pad)")
    );
    // The multi-paragraph details survive the round trip exactly.
    let details: serde_json::Value =
        serde_json::from_str(&read(&osv("GO-2023-1705.json"))).unwrap();
    assert_eq!(
        &*multipart.description,
        details["details"].as_str().unwrap()
    );

    let http2 = security[4].get_ref();
    assert_eq!(
        strings(http2.packages.get_ref()),
        ["net/http"],
        "golang.org/x/net is not part of a Go release"
    );
    assert_eq!(
        http2
            .cve_list()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        ["CVE-2022-41723"],
        "GHSA aliases are ignored"
    );
    assert_eq!(&*http2.title, "denial of service via crafted HTTP/2 stream");

    let summary: Vec<_> = report
        .imported
        .iter()
        .map(|i| (i.osv_id.as_str(), i.issues[0], i.packages.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("GO-2021-0067", 44916, vec!["archive/zip".to_string()]),
            ("GO-2021-0068", 43783, vec!["cmd/go".to_string()]),
            (
                "GO-2023-1705",
                59153,
                vec!["mime/multipart".to_string(), "net/textproto".to_string()]
            ),
            ("GO-2023-1571", 57855, vec!["net/http".to_string()]),
        ]
    );
}

/// The versions an entry ships in, as written in its `versions` key.
fn shipped(entry: &herald::model::SecurityIssue) -> Vec<String> {
    entry
        .versions
        .as_ref()
        .expect("a versions key")
        .get_ref()
        .iter()
        .map(|v| v.get_ref().to_string())
        .collect()
}

fn strings<S: std::ops::Deref<Target = str>>(items: &[S]) -> Vec<&str> {
    items.iter().map(|s| &**s).collect()
}

#[test]
fn a_second_import_appends_after_the_first() {
    let (_dir, path, original) = temp_copy(RELEASE);
    import_osv(&path, &[osv("GO-2021-0067.json")], &options(Track::Public)).unwrap();
    let after_first = read(&path);
    let report = import_osv(&path, &[osv("GO-2021-0068.json")], &options(Track::Urgent)).unwrap();
    let after_second = read(&path);
    assert!(after_first.starts_with(&original));
    assert!(after_second.starts_with(&after_first));
    let loaded = load_release(&path).unwrap();
    let tracks: Vec<Track> = loaded
        .file
        .security
        .iter()
        .map(|s| *s.get_ref().track.get_ref())
        .collect();
    assert_eq!(tracks, [Track::Private, Track::Public, Track::Urgent]);
    // The appended text of the second import starts on a blank line after the first.
    assert!(
        report
            .appended
            .starts_with("\n# Imported from GO-2021-0068"),
        "{:?}",
        report.appended
    );
}

#[test]
fn a_dry_run_writes_nothing_and_returns_the_result() {
    let (dir, path, original) = temp_copy(RELEASE);
    let mut opts = options(Track::Private);
    opts.dry_run = true;
    let report = import_osv(&path, &[osv("GO-2021-0067.json")], &opts).unwrap();
    assert!(!report.written);
    assert_eq!(read(&path), original);
    assert_eq!(report.text, format!("{original}{}", report.appended));
    assert_no_leftovers(&dir);
}

#[test]
fn crlf_files_get_crlf_entries() {
    let (_dir, path, original) = temp_copy(RELEASE);
    let crlf = original.replace('\n', "\r\n");
    std::fs::write(&path, &crlf).unwrap();
    let report = import_osv(&path, &[osv("GO-2023-1705.json")], &options(Track::Private)).unwrap();
    let written = read(&path);
    assert!(written.starts_with(&crlf));
    assert!(
        !report.appended.replace("\r\n", "").contains('\n'),
        "a bare LF in {:?}",
        report.appended
    );
    let loaded = load_release(&path).unwrap();
    assert_eq!(loaded.file.security.len(), 2);
}

#[test]
fn policy_findings_of_the_new_entries_are_reported_not_refused() {
    let (_dir, path, original) = temp_copy(RELEASE);
    // A dedicated security release ships no private-track fixes.
    let security_release = original.replace("kind = \"minor\"", "kind = \"security\"");
    std::fs::write(&path, &security_release).unwrap();
    let report = import_osv(&path, &[osv("GO-2021-0067.json")], &options(Track::Private)).unwrap();
    assert!(report.written);
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        ["private-in-security-release"],
        "{:?}",
        report.findings
    );
    // The finding about the entry that was already there is not the importer's.
    assert!(report.findings.iter().all(|f| f.message.contains("44916")));
}

#[test]
fn duplicates_of_the_release_file_are_refused_and_nothing_is_written() {
    let (dir, path, original) = temp_copy(RELEASE);
    let err = import_osv(
        &path,
        &[osv("GO-2021-0067.json"), osv("GO-2021-0234.json")],
        &options(Track::Private),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, OsvError::Duplicate { .. }), "{text}");
    assert!(
        text.starts_with(
            "fixtures/osv/GO-2021-0234.json: CVE-2021-27918 is already in the release file"
        ),
        "{text}"
    );
    assert!(text.contains("[[security]] entry 1 at "), "{text}");
    assert!(text.contains("release.toml:26:1"), "{text}");
    assert_eq!(read(&path), original);
    assert_no_leftovers(&dir);
}

#[test]
fn duplicates_within_one_import_are_refused() {
    let (dir, path, original) = temp_copy(RELEASE);
    let err = import_osv(
        &path,
        &[osv("GO-2021-0067.json"), osv("GO-2021-0067.json")],
        &options(Track::Private),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("CVE-2021-27919 is already in the release file, in the record GO-2021-0067 imported from fixtures/osv/GO-2021-0067.json"), "{text}");
    assert_eq!(read(&path), original);

    assert_no_leftovers(&dir);

    // Same issue, another CVE: two announced items, as Go 1.21.1 had (issue 62266).
    let same_issue = dir.path().join("same-issue.json");
    std::fs::write(
        &same_issue,
        read(&osv("GO-2021-0067.json")).replace("CVE-2021-27919", "CVE-2021-99999"),
    )
    .unwrap();
    let report = import_osv(
        &path,
        &[osv("GO-2021-0067.json"), same_issue.clone()],
        &options(Track::Private),
    )
    .unwrap();
    std::fs::remove_file(&same_issue).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    let loaded = load_release(&path).unwrap();
    let issues: Vec<u64> = loaded
        .file
        .security
        .iter()
        .map(|s| s.get_ref().first_issue().unwrap().get())
        .collect();
    assert_eq!(issues, [44913, 44916, 44916]);
}

#[test]
fn every_invalid_record_is_refused_naming_file_path_and_expectation() {
    let cases = [
        ("bad-json.json", "fixtures/osv/invalid/bad-json.json:8:3: invalid OSV JSON: trailing comma"),
        ("wrong-type.json", "fixtures/osv/invalid/wrong-type.json:6:29: invalid OSV JSON: invalid type: string \"CVE-2021-27919\", expected a sequence"),
        ("missing-aliases.json", "fixtures/osv/invalid/missing-aliases.json: aliases: missing; expected at least one CVE id like \"CVE-2021-27918\""),
        ("no-cve.json", "fixtures/osv/invalid/no-cve.json: aliases: no CVE id among GHSA-xxxx-yyyy-zzzz; expected at least one CVE id"),
        ("bad-cve.json", "fixtures/osv/invalid/bad-cve.json: aliases[1]: expected a CVE id like \"CVE-2021-27918\" (CVE-, a four-digit year, -, four or more digits), found \"CVE-21-27919\""),
        ("no-imports.json", "fixtures/osv/invalid/no-imports.json: affected[0].ecosystem_specific.imports: missing; expected at least one affected import path for the stdlib"),
        ("no-issue.json", "fixtures/osv/invalid/no-issue.json: references: no REPORT reference to a Go issue (as in {\"type\": \"REPORT\", \"url\": \"https://go.dev/issue/44913\"}), and no advisory to name instead"),
        ("missing-summary.json", "fixtures/osv/invalid/missing-summary.json: summary: missing; expected a one-line summary"),
        ("other-module.json", "fixtures/osv/invalid/other-module.json: affected: no entry for the Go standard library or toolchain (package.name \"stdlib\" or \"toolchain\"); found only \"golang.org/x/net\""),
    ];
    let on_disk = std::fs::read_dir("fixtures/osv/invalid").unwrap().count();
    assert_eq!(
        on_disk,
        cases.len(),
        "every invalid OSV fixture has a case here"
    );
    for (name, expected) in cases {
        let (dir, path, original) = temp_copy(RELEASE);
        // A valid record first: the whole import is refused, not just the bad record.
        let err = import_osv(
            &path,
            &[osv("GO-2021-0068.json"), invalid(name)],
            &options(Track::Private),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(expected),
            "{name}:\n  got      {text}\n  expected {expected}"
        );
        assert_eq!(read(&path), original, "{name}: the release file changed");
        assert_no_leftovers(&dir);
    }
}

#[test]
fn a_record_that_cites_no_go_issue_is_known_by_its_advisory() {
    let (_dir, path, _) = temp_copy(RELEASE);
    let record = "fixtures/osv/no-report/GO-2021-0067.json";
    let report = import_osv(&path, &[PathBuf::from(record)], &options(Track::Public)).unwrap();
    assert!(report.imported[0].issues.is_empty());
    assert!(
        report
            .appended
            .contains("advisory = \"https://pkg.go.dev/vuln/GO-2021-0067\"\n"),
        "{}",
        report.appended
    );
    let loaded = load_release(&path).unwrap();
    let entry = loaded.file.security[1].get_ref();
    assert_eq!(entry.first_issue(), None);
    assert_eq!(
        entry.advisory.as_ref().unwrap().get_ref() as &str,
        "https://pkg.go.dev/vuln/GO-2021-0067"
    );
}

#[test]
fn the_issue_option_supplies_a_missing_report_for_a_single_file() {
    let (_dir, path, _) = temp_copy(RELEASE);
    let mut opts = options(Track::Public);
    opts.issue = Some(44916);
    let report = import_osv(&path, &[invalid("no-issue.json")], &opts).unwrap();
    assert_eq!(report.imported[0].issues, [44916]);
    assert_eq!(
        load_release(&path).unwrap().file.security[1]
            .get_ref()
            .first_issue()
            .unwrap()
            .get(),
        44916
    );

    let (_dir, path, original) = temp_copy(RELEASE);
    let err = import_osv(
        &path,
        &[osv("GO-2021-0067.json"), osv("GO-2021-0068.json")],
        &opts,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "--issue applies to a single OSV file, but 2 were given; import the others without it"
    );
    opts.issue = Some(0);
    let err = import_osv(&path, &[osv("GO-2021-0067.json")], &opts).unwrap_err();
    assert!(
        matches!(err, OsvError::BadIssueOption { issue: 0 }),
        "{err}"
    );
    assert_eq!(read(&path), original);
}

#[test]
fn a_release_file_that_does_not_load_or_keeps_security_inline_is_refused() {
    let (dir, path, _) = temp_copy("fixtures/invalid/bad-cve.toml");
    let original = read(&path);
    let err = import_osv(&path, &[osv("GO-2021-0067.json")], &options(Track::Private)).unwrap_err();
    assert!(matches!(err, OsvError::Release(_)), "{err}");
    assert!(err.to_string().contains("expected a CVE id"), "{err}");
    assert_eq!(read(&path), original);

    let inline = "[project]\nname = \"Go\"\npolicy_url = \"https://go.dev/security/policy\"\nrelease_notes_url = \"https://go.dev/doc/devel/release#{tag}\"\ndownload_url = \"https://go.dev/dl/\"\nissue_url = \"https://go.dev/issue/{id}\"\nsecurity = []\n[release]\nversions = [\"1.16.1\"]\ndate = 2021-03-10\nkind = \"minor\"\n";
    // `security = []` inside [project] is an unknown key; at the top level it is an inline array.
    let inline =
        inline
            .replace("security = []\n", "")
            .replacen("[project]", "security = []\n[project]", 1);
    std::fs::write(&path, &inline).unwrap();
    let err = import_osv(&path, &[osv("GO-2021-0067.json")], &options(Track::Private)).unwrap_err();
    assert!(
        err.to_string()
            .contains("import-osv can only append [[security]] tables"),
        "{err}"
    );
    assert_eq!(read(&path), inline);
    assert_no_leftovers(&dir);

    let err = import_osv(
        &dir.path().join("missing.toml"),
        &[osv("GO-2021-0067.json")],
        &options(Track::Private),
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot read the file"), "{err}");
    let err = import_osv(&path, &[], &options(Track::Private)).unwrap_err();
    assert!(matches!(err, OsvError::NoFiles));
    let (_dir, path, _) = temp_copy(RELEASE);
    let err = import_osv(&path, &[osv("GO-9999-0000.json")], &options(Track::Private)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("fixtures/osv/GO-9999-0000.json: cannot read the OSV file"),
        "{err}"
    );
}

#[test]
fn the_appended_text_reads_like_the_rest_of_the_file() {
    let (_dir, path, _) = temp_copy(RELEASE);
    let report = import_osv(&path, &[osv("GO-2021-0068.json")], &options(Track::Urgent)).unwrap();
    let expected = r#"
# Imported from GO-2021-0068 by herald import-osv.
[[security]]
track = "urgent"
packages = ["cmd/go"]
cves = ["CVE-2021-3115"]
issue = 43783
title = "arbitrary code execution when building with cgo on Windows"
description = "The go command may execute arbitrary code at build time when using cgo on Windows. This can be triggered by running go get on a malicious module, or any other time the code is built."
credit = "RyotaK"
versions = ["1.15.7"]
links = ["https://go.dev/cl/284783", "https://go.googlesource.com/go/+/953d1feca9b21af075ad5fc8a3dad096d3ccc3a0", "https://go.dev/cl/284780", "https://go.googlesource.com/go/+/46e2e2e9d99925bbf724b12693c6d3e27a95d6a0"]
"#;
    // release.toml ends without a newline: one ends its last line, then a blank line.
    assert_eq!(report.appended, format!("\n{expected}"));
}

#[test]
fn a_record_fixed_in_none_of_the_release_versions_is_refused_naming_its_ranges() {
    let (dir, path, original) = temp_copy(RELEASE);
    let only_1_16 = original.replace(
        "\"1.20.3\", \"1.20.1\", \"1.16.1\",  # newest line first\n    \"1.15.9\", \"1.15.7\",",
        "\"1.16.1\", \"1.15.9\",",
    );
    std::fs::write(&path, &only_1_16).unwrap();
    let err = import_osv(&path, &[osv("GO-2023-1705.json")], &options(Track::Private)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fixtures/osv/GO-2023-1705.json: affected[].ranges: GO-2023-1705 is fixed in none of the release's versions (1.16.1, 1.15.9, as 1.16.1, 1.15.9); its ranges say: affected[0] (stdlib): introduced 0, fixed 1.19.8, introduced 1.20.0-0, fixed 1.20.3"
    );
    assert_eq!(read(&path), only_1_16);
    assert_no_leftovers(&dir);
}

#[test]
fn several_report_issues_and_internal_packages() {
    let (dir, path, original) = temp_copy(RELEASE);
    // GO-2023-2185 (real record): REPORT issues 63713 and 64028; imports path/filepath
    // and internal/safefilepath, fixed in 1.21.4 and 1.20.11.
    let release = original.replace(
        "\"1.20.3\", \"1.20.1\", \"1.16.1\",  # newest line first\n    \"1.15.9\", \"1.15.7\",",
        "\"1.21.4\", \"1.20.11\",",
    );
    std::fs::write(&path, &release).unwrap();
    let record = Path::new("fixtures/real/go1.21.4/GO-2023-2185.json");
    let report = import_osv(&path, &[record.to_path_buf()], &options(Track::Public)).unwrap();
    assert_eq!(report.imported[0].issues, [63713, 64028]);
    assert_eq!(report.imported[0].packages, ["path/filepath"]);
    assert_eq!(report.imported[0].versions, None, "fixed in both versions");
    assert!(report.appended.contains("issue = [63713, 64028]\n"));
    let loaded = load_release(&path).unwrap();
    let entry = loaded.file.security[1].get_ref();
    let issues: Vec<u64> = entry.issues().iter().map(|n| n.get()).collect();
    assert_eq!(issues, [63713, 64028]);

    // A record whose only packages are internal keeps them, with a note.
    std::fs::write(
        &path,
        release.replace("\"1.21.4\", \"1.20.11\",", "\"1.21.5\", \"1.20.12\","),
    )
    .unwrap();
    let record = Path::new("fixtures/real/go1.21.5/GO-2023-2382.json");
    let report = import_osv(&path, &[record.to_path_buf()], &options(Track::Public)).unwrap();
    assert_eq!(report.imported[0].packages, ["net/http/internal"]);
    let notes: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "internal-packages")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", report.findings);
    assert!(notes[0].contains("every affected package is internal (net/http/internal)"));
    drop(dir);
}

#[test]
fn module_records_import_into_a_module_release_only() {
    let (dir, path, _) = temp_copy("fixtures/real/x-crypto-v0.31.0/release.toml");
    let text = read(&path);
    let head = &text[..text.find("\n# Imported from").unwrap()];
    std::fs::write(&path, head).unwrap();
    let record = PathBuf::from("fixtures/real/x-crypto-v0.31.0/GO-2024-3321.json");
    let report = import_osv(
        &path,
        std::slice::from_ref(&record),
        &options(Track::Private),
    )
    .unwrap();
    assert_eq!(report.imported[0].packages, ["golang.org/x/crypto/ssh"]);
    assert_eq!(
        report.imported[0].title,
        "misuse of connection.serverAuthenticate may cause authorization bypass"
    );
    // A standard-library record does not belong in a module release.
    std::fs::write(&path, head).unwrap();
    let err = import_osv(&path, &[osv("GO-2021-0067.json")], &options(Track::Private)).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "fixtures/osv/GO-2021-0067.json: affected: no entry for the module golang.org/x/crypto"
        ),
        "{err}"
    );
    // And a module record does not belong in a Go release.
    let (_dir2, go_path, go_original) = temp_copy(RELEASE);
    let err = import_osv(&go_path, &[record], &options(Track::Private)).unwrap_err();
    assert!(
        err.to_string()
            .contains("a release of a golang.org/x module sets project.module"),
        "{err}"
    );
    assert_eq!(read(&go_path), go_original);
    assert_eq!(read(&path), head);
    drop(dir);
}
