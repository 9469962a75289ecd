//! Stage 2: check a loaded release file for consistency and against the policy.
//!
//! Findings are of four severities. An [`Severity::Invalid`] finding makes the
//! input unusable: nothing is rendered or sent from it. A [`Severity::Violation`]
//! breaks the security policy. A [`Severity::Refusal`] is a send that may not go
//! now (the wrong day, already sent, not confirmed) though the release is sound. A
//! [`Severity::Note`] is information, such as what today's date means for sending
//! (see [`crate::plan`]). The commands turn the worst of them into an exit status.

mod checker;
mod entries;
mod finding;
mod policy;
mod project;
mod release;
#[cfg(test)]
mod tests;

use crate::load::LoadedRelease;
use checker::Checker;

pub use checker::MAX_CONTROL_FINDINGS;
pub use finding::{blocks, is_unusable, worst, Finding, Severity};
pub use policy::{notice_days, pre_announcement_window, MINOR_NOTICE_DAYS, SECURITY_NOTICE_DAYS};
pub use release::MAX_VERSIONS;

/// Runs every rule that depends only on the file.
pub fn validate(input: &LoadedRelease) -> Vec<Finding> {
    let mut checker = Checker {
        input,
        findings: Vec::new(),
    };
    checker.control_characters();
    checker.project();
    checker.scopes();
    checker.versions();
    checker.release_shape();
    checker.entries();
    checker.policy();
    checker.findings
}
