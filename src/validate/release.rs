//! The `[release]` table: its versions and the shape of the release.

use std::collections::BTreeSet;

use super::checker::{Checker, KnownVersions};
use super::finding::Severity;

/// template context gives every entry the versions it ships in, so the messages grow
/// with versions times entries: 10,000 versions of 10,000 issues (1.4 MB) took 6.5 GB.
pub const MAX_VERSIONS: usize = 50;

impl Checker<'_> {
    pub(super) fn versions(&mut self) {
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
    pub(super) fn release_shape(&mut self) {
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
}
