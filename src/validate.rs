//! Stage 2: check a loaded release file for consistency and against the policy.
//!
//! Findings are of four severities. An [`Severity::Invalid`] finding makes the
//! input unusable: nothing is rendered or sent from it. A [`Severity::Violation`]
//! breaks the security policy. A [`Severity::Refusal`] is a send that may not go
//! now (the wrong day, already sent, not confirmed) though the release is sound. A
//! [`Severity::Note`] is information, such as what today's date means for sending
//! (see [`crate::plan`]). The commands turn the worst of them into an exit status.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::ops::Range;

use chrono::NaiveDate;
use serde::Serialize;
use toml::Spanned;

use crate::load::LoadedRelease;
use crate::model::{ReleaseKind, Track, Version};
use crate::source::Location;

/// How serious a finding is, from the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information.
    Note,
    /// A send that may not go now, though nothing is wrong with the release.
    Refusal,
    /// A breach of the security policy.
    Violation,
    /// Unusable input.
    Invalid,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Refusal => "refused",
            Severity::Violation => "violation",
            Severity::Invalid => "error",
        })
    }
}

/// One thing a check found, with the rule it comes from and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable kebab-case rule name, such as `missing-cve`.
    pub rule: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The source line with the offending text marked, for people.
    #[serde(skip)]
    pub excerpt: Option<crate::source::Excerpt>,
}

impl Finding {
    /// A finding with no position in the release file.
    pub fn unlocated(severity: Severity, rule: &'static str, message: String) -> Finding {
        Finding {
            severity,
            rule,
            message,
            location: None,
            excerpt: None,
        }
    }
}

impl Finding {
    /// The finding for people: `file:line:column: severity [rule]: message`, then the
    /// excerpt; with ANSI colours when `styled`.
    pub fn render(&self, styled: bool) -> String {
        let mut text = String::new();
        let message = crate::controls::escaped(&self.message);
        if let Some(location) = &self.location {
            text.push_str(&format!("{location}: "));
        }
        let label = format!("{} [{}]", self.severity, self.rule);
        if styled {
            let colour = match self.severity {
                Severity::Note => "\x1b[1;36m",
                Severity::Refusal | Severity::Violation => "\x1b[1;33m",
                Severity::Invalid => "\x1b[1;31m",
            };
            text.push_str(&format!("{colour}{label}\x1b[0m: \x1b[1m{message}\x1b[0m"));
        } else {
            text.push_str(&format!("{label}: {message}"));
        }
        if let Some(excerpt) = &self.excerpt {
            text.push('\n');
            text.push_str(&excerpt.render(styled));
        }
        text
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// The worst severity of a set of findings, if there are any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// Whether any finding stops a message from going out: anything but a note.
pub fn blocks(findings: &[Finding]) -> bool {
    worst(findings).is_some_and(|s| s > Severity::Note)
}

/// Whether any finding makes the input unusable.
pub fn is_unusable(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Invalid)
}

/// The most control-character findings listed for one file; one more counts the rest.
pub const MAX_CONTROL_FINDINGS: usize = 20;

/// Days of notice the policy asks of a pre-announcement for a scheduled minor release.
pub const MINOR_NOTICE_DAYS: std::ops::RangeInclusive<i64> = 3..=7;
/// Days of notice allowed for the optional pre-announcement of a dedicated security release.
pub const SECURITY_NOTICE_DAYS: std::ops::RangeInclusive<i64> = 1..=7;

/// The days of notice the policy allows a pre-announcement of a release of `kind`.
pub fn notice_days(kind: ReleaseKind) -> std::ops::RangeInclusive<i64> {
    match kind {
        ReleaseKind::Minor => MINOR_NOTICE_DAYS,
        ReleaseKind::Security => SECURITY_NOTICE_DAYS,
    }
}

/// The first and last day on which the pre-announcement of a release of `kind` on
/// `release_day` may go out.
pub fn pre_announcement_window(
    kind: ReleaseKind,
    release_day: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let notice = notice_days(kind);
    let days_before = |n: i64| release_day - chrono::Days::new(n.unsigned_abs());
    (days_before(*notice.end()), days_before(*notice.start()))
}

/// "1 day", "3 days": a count with its noun, for messages.
fn days(n: i64) -> String {
    crate::english::count(n.unsigned_abs() as usize, "day", "days")
}

/// Runs every rule that depends only on the file.
pub fn validate(input: &LoadedRelease) -> Vec<Finding> {
    let mut checker = Checker {
        input,
        findings: Vec::new(),
    };
    checker.control_characters();
    checker.project();
    checker.versions();
    checker.release_shape();
    checker.entries();
    checker.policy();
    checker.findings
}

struct Checker<'a> {
    input: &'a LoadedRelease,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    fn push(
        &mut self,
        severity: Severity,
        rule: &'static str,
        span: Range<usize>,
        message: String,
    ) {
        let source = &self.input.source;
        self.findings.push(Finding {
            severity,
            rule,
            message,
            location: Some(source.span_location(&span)),
            excerpt: Some(source.excerpt(&span)),
        });
    }

    /// Control characters in any key or string of the file (see [`crate::controls`]):
    /// one finding per string, at its first such character, and at most
    /// [`MAX_CONTROL_FINDINGS`] of them, then one that counts the rest.
    fn control_characters(&mut self) {
        let hits = crate::controls::find_in_toml(self.input.source.text());
        for hit in hits.iter().take(MAX_CONTROL_FINDINGS) {
            self.push(
                Severity::Invalid,
                "control-character",
                hit.span.clone(),
                hit.message(),
            );
        }
        if hits.len() > MAX_CONTROL_FINDINGS {
            self.findings.push(Finding::unlocated(
                Severity::Invalid,
                "control-character",
                format!(
                    "{} more strings hold control characters; the first {MAX_CONTROL_FINDINGS} are listed above",
                    hits.len() - MAX_CONTROL_FINDINGS
                ),
            ));
        }
    }

    fn project(&mut self) {
        let project = &self.input.file.project;
        let urls = [
            ("policy_url", &project.policy_url, None),
            ("release_notes_url", &project.release_notes_url, None),
            ("download_url", &project.download_url, None),
            ("issue_url", &project.issue_url, Some("{id}")),
        ];
        for (key, url, placeholder) in urls {
            let text: &str = url.get_ref();
            if !(text.starts_with("https://") || text.starts_with("http://"))
                || text.contains(char::is_whitespace)
            {
                self.push(
                    Severity::Invalid,
                    "bad-url",
                    url.span(),
                    format!("project.{key} must be an http(s) URL without spaces, found {text:?}"),
                );
            } else if let Some(placeholder) = placeholder.filter(|p| !text.contains(p)) {
                self.push(
                    Severity::Invalid,
                    "bad-url",
                    url.span(),
                    format!("project.{key} must contain {placeholder}, where the issue number goes, found {text:?}"),
                );
            }
        }
    }

    fn versions(&mut self) {
        let release = &self.input.file.release;
        let versions = release.versions.get_ref();
        if versions.is_empty() {
            self.push(
                Severity::Invalid,
                "empty-versions",
                release.versions.span(),
                "release.versions must name at least one version, newest line first".to_string(),
            );
        }
        if versions.len() > MAX_VERSIONS {
            self.push(
                Severity::Invalid,
                "too-many-versions",
                release.versions.span(),
                format!(
                    "release.versions names {} versions; a release announces at most {MAX_VERSIONS} (Go releases two or three at once), each named in the subject and in every message",
                    versions.len()
                ),
            );
            return;
        }
        let mut seen = BTreeSet::new();
        for version in versions {
            if !seen.insert(version.get_ref().as_str()) {
                self.push(
                    Severity::Invalid,
                    "duplicate-version",
                    version.span(),
                    format!(
                        "version {} is listed twice in release.versions",
                        version.get_ref()
                    ),
                );
            }
        }
        for pair in versions.windows(2) {
            if pair[0].get_ref() <= pair[1].get_ref() && pair[0].get_ref() != pair[1].get_ref() {
                self.push(
                    Severity::Invalid,
                    "version-order",
                    pair[1].span(),
                    format!(
                        "release.versions must list the newest line first: {} comes after {}",
                        pair[1].get_ref(),
                        pair[0].get_ref()
                    ),
                );
            }
        }
    }

    /// Pre-releases, module tags and `[history.version]` keys.
    fn release_shape(&mut self) {
        let file = &self.input.file;
        let versions = file.release.versions.get_ref();
        let module = file.project.module_path();
        for version in versions {
            let v = version.get_ref();
            match (module, v.is_module_tag()) {
                (Some(module), false) => self.push(
                    Severity::Invalid,
                    "module-version",
                    version.span(),
                    format!("a release of the module {module} is versioned by its tags, as in \"v0.31.0\", found {v:?}"),
                ),
                (None, true) => self.push(
                    Severity::Invalid,
                    "module-version",
                    version.span(),
                    format!("{v} is a module tag, but the release is not a module release; set project.module = \"golang.org/x/...\" or write a Go version like \"1.21.1\""),
                ),
                _ => {}
            }
        }
        let pre = versions
            .iter()
            .filter(|v| v.get_ref().is_pre_release())
            .count();
        if pre > 0 && pre < versions.len() {
            let first_pre = versions.iter().find(|v| v.get_ref().is_pre_release());
            if let Some(first_pre) = first_pre {
                self.push(
                    Severity::Invalid,
                    "mixed-pre-release",
                    first_pre.span(),
                    format!("{} is a pre-release, and the other versions are final releases; a release candidate or beta gets its own release file and its own announcement", first_pre.get_ref()),
                );
            }
        }
        if let Some(module) = &file.project.module {
            let entries = file
                .security
                .iter()
                .map(|e| ("[[security]]", &e.get_ref().packages))
                .chain(
                    file.fixes
                        .iter()
                        .map(|e| ("[[fix]]", &e.get_ref().packages)),
                );
            let mut found = Vec::new();
            for (table, packages) in entries {
                if let Some(p) = packages
                    .get_ref()
                    .iter()
                    .find(|p| file.project.is_toolchain(p))
                {
                    found.push((packages.span(), format!("{table} package {:?} is part of the Go toolchain (project.toolchain_prefixes), which a release of the module {} does not ship", &**p, module.get_ref())));
                }
            }
            for (span, message) in found {
                self.push(
                    Severity::Invalid,
                    "toolchain-package-in-module",
                    span,
                    message,
                );
            }
        }
        let release_versions = KnownVersions::new(versions.iter().map(|v| v.get_ref().as_str()));
        for key in file.history.version.keys() {
            if !release_versions.contains(key.get_ref().as_str()) {
                self.push(
                    Severity::Invalid,
                    "unknown-version",
                    key.span(),
                    format!(
                        "[history.version.\"{}\"] names a version that is not one of release.versions ({})",
                        key.get_ref(),
                        release_versions.listed()
                    ),
                );
            }
        }
    }

    fn entries(&mut self) {
        let file = &self.input.file;
        let release_versions = KnownVersions::new(
            file.release
                .versions
                .get_ref()
                .iter()
                .map(|v| v.get_ref().as_str()),
        );
        let mut cve_owner: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, entry) in file.security.iter().enumerate() {
            let issue = entry.get_ref();
            let name = format!(
                "[[security]] entry {} (issue {})",
                index + 1,
                issue.issue.get_ref()
            );
            self.packages(&name, &issue.packages);
            self.entry_versions(&name, &issue.versions, &release_versions);
            let mut own_issues = BTreeSet::new();
            for number in issue.issues() {
                if !own_issues.insert(number.get()) {
                    self.push(
                        Severity::Invalid,
                        "duplicate-issue",
                        issue.issue.span(),
                        format!("{name} lists issue {number} twice"),
                    );
                }
            }
            if let (Some(_), Some(thanks)) = (&issue.credit, &issue.thanks) {
                self.push(
                    Severity::Invalid,
                    "credit-and-thanks",
                    thanks.span(),
                    format!("{name} has both credit and thanks; give the name as credit = \"...\" or the whole sentence as thanks = \"...\", not both"),
                );
            }
            if let Some(history) = &issue.history_packages {
                self.history_packages(&name, history);
            }
            match issue.cves.as_ref() {
                Some(cves) if !cves.get_ref().is_empty() => {
                    let mut own = BTreeSet::new();
                    for cve in cves.get_ref() {
                        if !own.insert(cve.as_str()) {
                            self.push(
                                Severity::Invalid,
                                "duplicate-cve",
                                cves.span(),
                                format!("{name} lists {cve} twice"),
                            );
                        } else if let Some(other) = cve_owner.insert(cve.as_str(), index) {
                            let other_issue = file.security[other].get_ref().issue.get_ref();
                            self.push(
                                Severity::Violation,
                                "duplicate-cve",
                                cves.span(),
                                format!("{cve} is given to both [[security]] entry {} (issue {other_issue}) and {name}; each CVE names one vulnerability and is announced once", other + 1),
                            );
                        }
                    }
                }
                other => {
                    let span = other.map_or_else(|| entry.span(), Spanned::span);
                    self.push(
                        Severity::Violation,
                        "missing-cve",
                        span,
                        format!("{name} has no CVE id; the policy issues a CVE for every security fix (cves = [\"CVE-YYYY-NNNN\"])"),
                    );
                }
            }
            if let Some(reason) = &issue.track_override {
                if reason.get_ref().trim().is_empty() {
                    self.push(
                        Severity::Violation,
                        "override-without-reason",
                        reason.span(),
                        format!("{name} overrides its track without a reason; say why the security team chose the {} track", issue.track.get_ref()),
                    );
                }
            }
        }
        for (index, entry) in file.fixes.iter().enumerate() {
            let fix = entry.get_ref();
            let name = format!("[[fix]] entry {}", index + 1);
            self.packages(&name, &fix.packages);
            self.entry_versions(&name, &fix.versions, &release_versions);
            if let Some(history) = &fix.history_packages {
                self.history_packages(&name, history);
            }
        }
    }

    fn history_packages(&mut self, name: &str, names: &Spanned<Vec<crate::model::NonEmpty>>) {
        if names.get_ref().is_empty() {
            self.push(
                Severity::Invalid,
                "empty-packages",
                names.span(),
                format!("{name} has history_packages = []; leave the key out to name its packages in the history line"),
            );
        }
    }

    fn packages(&mut self, name: &str, packages: &Spanned<Vec<crate::model::NonEmpty>>) {
        if packages.get_ref().is_empty() {
            self.push(
                Severity::Invalid,
                "empty-packages",
                packages.span(),
                format!("{name} must name at least one affected package, as in packages = [\"net/http\"]"),
            );
        }
    }

    fn entry_versions(
        &mut self,
        name: &str,
        versions: &Option<Spanned<Vec<Spanned<Version>>>>,
        release_versions: &KnownVersions<'_>,
    ) {
        let Some(versions) = versions else { return };
        if versions.get_ref().is_empty() {
            self.push(
                Severity::Invalid,
                "empty-versions",
                versions.span(),
                format!("{name} has versions = []; leave the key out to ship in every version"),
            );
        }
        for version in versions.get_ref() {
            if !release_versions.contains(version.get_ref().as_str())
                && !release_versions.list.is_empty()
            {
                self.push(
                    Severity::Invalid,
                    "unknown-version",
                    version.span(),
                    format!(
                        "{name} ships in {}, which is not one of release.versions ({})",
                        version.get_ref(),
                        release_versions.listed()
                    ),
                );
            }
        }
    }

    fn policy(&mut self) {
        let file = &self.input.file;
        let release = &file.release;
        let kind = *release.kind.get_ref();
        let has_track = |track: Track| {
            file.security
                .iter()
                .any(|s| *s.get_ref().track.get_ref() == track)
        };
        let release_day = release.date.get_ref().get();

        for entry in &file.security {
            let issue = entry.get_ref();
            match (kind, *issue.track.get_ref()) {
                (ReleaseKind::Security, Track::Private) => self.push(
                    Severity::Violation,
                    "private-in-security-release",
                    issue.track.span(),
                    format!(
                        "issue {} is on the private track, which ships in the next scheduled minor release, not in a dedicated security release (kind = \"security\")",
                        issue.issue
                    ),
                ),
                (ReleaseKind::Minor, Track::Urgent) => self.push(
                    Severity::Violation,
                    "urgent-in-minor-release",
                    issue.track.span(),
                    format!(
                        "issue {} is on the urgent track, which triggers an immediate dedicated security release (kind = \"security\"), not a scheduled minor release",
                        issue.issue
                    ),
                ),
                _ => {}
            }
        }

        if kind == ReleaseKind::Security {
            if !has_track(Track::Urgent) {
                self.push(
                    Severity::Violation,
                    "security-release-without-urgent-fix",
                    release.kind.span(),
                    "a dedicated security release (kind = \"security\") is for urgent-track fixes, and this file has none; ship public and private fixes in the next scheduled minor release".to_string(),
                );
            }
            if let Some(first) = file.fixes.first() {
                self.push(
                    Severity::Violation,
                    "bug-fix-in-security-release",
                    first.span(),
                    format!(
                        "a dedicated security release ships only security fixes, but this file has {}",
                        crate::english::count(file.fixes.len(), "[[fix]] entry", "[[fix]] entries")
                    ),
                );
            }
        }

        let embargoed = file
            .security
            .iter()
            .any(|s| s.get_ref().track.get_ref().is_embargoed());
        match &release.pre_announcement {
            None if kind == ReleaseKind::Minor && has_track(Track::Private) => {
                let (earliest, latest) = pre_announcement_window(kind, release_day);
                self.push(
                    Severity::Violation,
                    "missing-pre-announcement",
                    release.date.span(),
                    format!("private-track fixes must be pre-announced 3 to 7 days before the release; add pre_announcement = a date from {earliest} to {latest}"),
                );
            }
            None => {}
            Some(pre) if !embargoed => self.push(
                Severity::Violation,
                "needless-pre-announcement",
                pre.span(),
                "a pre-announcement is planned, but no fix is on the private or urgent track; public-track fixes are not pre-announced".to_string(),
            ),
            Some(pre) => {
                let notice = (release_day - pre.get_ref().get()).num_days();
                let window = notice_days(kind);
                if !window.contains(&notice) {
                    let (earliest, latest) = pre_announcement_window(kind, release_day);
                    let when = match notice {
                        n if n < 0 => format!("{} after", days(n)),
                        0 => "on the day of".to_string(),
                        n => format!("{} before", days(n)),
                    };
                    self.push(
                        Severity::Violation,
                        "pre-announcement-window",
                        pre.span(),
                        format!(
                            "the pre-announcement on {} is {when} the release on {}; the policy asks for {} to {} days before, from {earliest} to {latest}",
                            pre.get_ref(),
                            release.date.get_ref(),
                            window.start(),
                            window.end()
                        ),
                    );
                }
            }
        }
    }
}

/// The most versions one release announces. Each is named in every subject, and the
/// template context gives every entry the versions it ships in, so the messages grow
/// with versions times entries: 10,000 versions of 10,000 issues (1.4 MB) took 6.5 GB.
pub const MAX_VERSIONS: usize = 50;

/// The versions of the release, looked up in constant time and listed in messages.
struct KnownVersions<'a> {
    list: Vec<&'a str>,
    set: HashSet<&'a str>,
}

impl<'a> KnownVersions<'a> {
    fn new(versions: impl Iterator<Item = &'a str>) -> Self {
        let list: Vec<&str> = versions.collect();
        let set = list.iter().copied().collect();
        KnownVersions { list, set }
    }

    fn contains(&self, version: &str) -> bool {
        self.set.contains(version)
    }

    /// The versions as a message lists them: the first eight, and how many more.
    fn listed(&self) -> String {
        const SHOWN: usize = 8;
        let shown = self.list[..self.list.len().min(SHOWN)].join(", ");
        match self.list.len().saturating_sub(SHOWN) {
            0 => shown,
            more => format!("{shown} and {more} more"),
        }
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;
    use crate::load::parse_release;
    use crate::source::SourceFile;

    const HEAD: &str = "[project]\nname = \"Go\"\ntag_prefix = \"go\"\npolicy_url = \"https://go.dev/security/policy\"\nrelease_notes_url = \"https://go.dev/doc/devel/release#{tag}\"\ndownload_url = \"https://go.dev/dl/\"\nissue_url = \"https://go.dev/issue/{id}\"\n";

    fn findings(text: &str) -> Vec<Finding> {
        validate(&parse_release(SourceFile::new("r.toml", text)).unwrap())
    }

    #[test]
    fn a_module_release_refuses_a_toolchain_package_at_its_position() {
        let text = format!("{HEAD}module = \"golang.org/x/crypto\"\n[release]\nversions = [\"v0.31.0\"]\ndate = 2024-12-11\nkind = \"minor\"\n[[security]]\ntrack = \"public\"\npackages = [\"cmd/go\"]\ncves = [\"CVE-2024-45337\"]\nissue = 70779\ntitle = \"t\"\ndescription = \"d\"\n");
        let found = findings(&text);
        let f = found
            .iter()
            .find(|f| f.rule == "toolchain-package-in-module")
            .unwrap();
        assert_eq!(f.severity, Severity::Invalid);
        assert_eq!(f.location.as_ref().unwrap().to_string(), "r.toml:15:12");
        assert!(f.message.contains("\"cmd/go\""), "{}", f.message);
    }

    #[test]
    fn pre_releases_get_their_own_file_and_versions_order_like_go() {
        let text = format!("{HEAD}[release]\nversions = [\"1.25rc2\", \"1.24.5\"]\ndate = 2025-07-08\nkind = \"minor\"\n");
        let found = findings(&text);
        let f = found
            .iter()
            .find(|f| f.rule == "mixed-pre-release")
            .unwrap();
        assert_eq!(f.location.as_ref().unwrap().to_string(), "r.toml:9:13");
        let ok = format!("{HEAD}[release]\nversions = [\"1.25rc2\", \"1.25rc1\", \"1.25beta1\"]\ndate = 2025-07-08\nkind = \"minor\"\n");
        assert!(findings(&ok).is_empty(), "{:?}", findings(&ok));
        let bad = format!("{HEAD}[release]\nversions = [\"1.25beta1\", \"1.25rc1\"]\ndate = 2025-07-08\nkind = \"minor\"\n");
        assert!(findings(&bad).iter().any(|f| f.rule == "version-order"));
        let tag = format!(
            "{HEAD}[release]\nversions = [\"v0.31.0\"]\ndate = 2025-07-08\nkind = \"minor\"\n"
        );
        assert!(findings(&tag).iter().any(|f| f.rule == "module-version"));
    }

    #[test]
    fn entries_may_share_an_issue_but_not_a_cve() {
        let entry = |cve: &str| {
            format!("[[security]]\ntrack = \"public\"\npackages = [\"crypto/tls\"]\ncves = [\"{cve}\"]\nissue = 62266\ntitle = \"t\"\ndescription = \"d\"\n")
        };
        let base = format!(
            "{HEAD}[release]\nversions = [\"1.21.1\"]\ndate = 2023-09-06\nkind = \"minor\"\n"
        );
        let shared = format!(
            "{base}{}{}",
            entry("CVE-2023-39321"),
            entry("CVE-2023-39322")
        );
        assert!(findings(&shared).is_empty(), "{:?}", findings(&shared));
        let same_cve = format!(
            "{base}{}{}",
            entry("CVE-2023-39321"),
            entry("CVE-2023-39321")
        );
        assert!(findings(&same_cve)
            .iter()
            .any(|f| f.rule == "duplicate-cve"));
        let both = format!(
            "{base}{}credit = \"A\"\nthanks = \"Thanks to A for doing weird things.\"\n",
            entry("CVE-2023-39321")
        );
        assert!(findings(&both)
            .iter()
            .any(|f| f.rule == "credit-and-thanks"));
    }
}
