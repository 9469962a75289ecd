//! The `[[security]]` and `[[fix]]` entries, each on its own.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::checker::{Checker, KnownVersions};
use super::finding::Severity;
use crate::model::Version;

impl Checker<'_> {
    pub(super) fn entries(&mut self) {
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
            let name = format!("[[security]] entry {} ({})", index + 1, issue.label(index));
            self.packages(&name, &issue.packages);
            self.entry_versions(&name, &issue.versions, &release_versions);
            let mut own_issues = BTreeSet::new();
            if let Some(issues) = &issue.issue {
                for number in issues.get_ref().as_slice() {
                    if !own_issues.insert(number.get()) {
                        self.push(
                            Severity::Invalid,
                            "duplicate-issue",
                            issues.span(),
                            format!("{name} lists issue {number} twice"),
                        );
                    }
                }
            } else if issue.cve_list().is_empty() {
                self.push(
                    Severity::Invalid,
                    "unnamed-entry",
                    entry.span(),
                    format!("[[security]] entry {} has neither an issue nor a CVE id, so the announcement could not say which vulnerability it is; give issue = N or cves = [\"CVE-YYYY-NNNN\"] (both, as a rule)", index + 1),
                );
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
                            let other_label = file.security[other].get_ref().label(other);
                            self.push(
                                Severity::Violation,
                                "duplicate-cve",
                                cves.span(),
                                format!("{cve} is given to both [[security]] entry {} ({other_label}) and {name}; each CVE names one vulnerability and is announced once", other + 1),
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
}
