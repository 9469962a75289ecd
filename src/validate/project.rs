//! The `[project]` table: its URLs, its profile and its scopes.

use super::checker::Checker;
use super::finding::Severity;

impl Checker<'_> {
    pub(super) fn project(&mut self) {
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
}
