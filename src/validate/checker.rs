//! The checker the rules share: the release it reads and what it found.

use std::collections::HashSet;
use std::ops::Range;

use super::finding::{Finding, Severity};
use crate::load::LoadedRelease;

/// The most control-character findings listed for one file; one more counts the rest.
pub const MAX_CONTROL_FINDINGS: usize = 20;

/// "1 day", "3 days": a count with its noun, for messages.
pub(super) fn days(n: i64) -> String {
    crate::english::count(n.unsigned_abs() as usize, "day", "days")
}

pub(super) struct Checker<'a> {
    pub(super) input: &'a LoadedRelease,
    pub(super) findings: Vec<Finding>,
}

impl Checker<'_> {
    pub(super) fn push(
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
    pub(super) fn control_characters(&mut self) {
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
}

/// The versions of the release, looked up in constant time and listed in messages.
pub(super) struct KnownVersions<'a> {
    pub(super) list: Vec<&'a str>,
    set: HashSet<&'a str>,
}

impl<'a> KnownVersions<'a> {
    pub(super) fn new(versions: impl Iterator<Item = &'a str>) -> Self {
        let list: Vec<&str> = versions.collect();
        let set = list.iter().copied().collect();
        KnownVersions { list, set }
    }

    pub(super) fn contains(&self, version: &str) -> bool {
        self.set.contains(version)
    }

    /// The versions as a message lists them: the first eight, and how many more.
    pub(super) fn listed(&self) -> String {
        const SHOWN: usize = 8;
        let shown = self.list[..self.list.len().min(SHOWN)].join(", ");
        match self.list.len().saturating_sub(SHOWN) {
            0 => shown,
            more => format!("{shown} and {more} more"),
        }
    }
}
