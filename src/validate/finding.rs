//! What a check found, and how serious it is.

use std::fmt;

use serde::Serialize;

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
