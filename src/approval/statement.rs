//! What an approver signs: a short statement naming the release, the message and the
//! SHA-256 of its exact content (the hash the journal records).
//!
//! Version 1, UTF-8, every line ending in a line feed, the keys in this order:
//!
//! ```text
//! herald approval 1
//! project: Go
//! versions: 1.16.1 1.15.9
//! kind: announcement
//! content-sha256: 5f0c…(64 lower-case hex digits)
//! ```
//!
//! The first line names the format and its version, so a later format can never be
//! read as this one. Each value fills the rest of its line and no value may hold a
//! line break or another control character; versions hold no white space, so the
//! list splits one way only. One statement text means one release, one message, one
//! content.

use serde::Serialize;

use crate::load::LoadedRelease;
use crate::model::MessageKind;

/// The version of the statement format this herald writes and reads.
pub const FORMAT: i64 = 1;

/// The fields of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The release's project name.
    pub project: String,
    /// The release's versions, as the release file lists them.
    pub versions: Vec<String>,
    pub kind: MessageKind,
    /// The SHA-256 over the message's subject, text and HTML, in lower-case hex.
    pub content_hash: String,
}

impl Statement {
    /// The statement for the message of `kind` of `release` whose content hash is
    /// `content_hash`.
    pub fn of(release: &LoadedRelease, kind: MessageKind, content_hash: &str) -> Statement {
        Statement {
            project: release.file.project.name.to_string(),
            versions: release
                .file
                .release
                .version_list()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect(),
            kind,
            content_hash: content_hash.to_string(),
        }
    }

    /// The bytes that are signed.
    pub fn text(&self) -> String {
        format!(
            "herald approval {FORMAT}\nproject: {}\nversions: {}\nkind: {}\ncontent-sha256: {}\n",
            self.project,
            self.versions.join(" "),
            self.kind,
            self.content_hash
        )
    }

    /// Whether the statement is of the same release as `other`: project and versions.
    pub fn same_release(&self, other: &Statement) -> bool {
        self.project == other.project && self.versions == other.versions
    }

    /// Why the fields could not make a statement of one reading, if they could not:
    /// the field (`project`, `versions`, `content_sha256`) and what is wrong.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.project.trim().is_empty() {
            return Some(("project", "the project is empty".to_string()));
        }
        if crate::controls::refused_in(&self.project).is_some() || self.project.contains('\n') {
            return Some((
                "project",
                "the project holds a line break or a control character".to_string(),
            ));
        }
        if self.versions.is_empty() {
            return Some(("versions", "no versions are listed".to_string()));
        }
        if let Some(bad) = self
            .versions
            .iter()
            .find(|v| v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Some((
                "versions",
                format!("the version {bad:?} is empty or holds white space"),
            ));
        }
        let hex = self.content_hash.len() == 64
            && self
                .content_hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        (!hex).then(|| {
            (
                "content_sha256",
                "content_sha256 must be 64 lower-case hex digits, the content hash herald prints"
                    .to_string(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_one_line_per_field_in_a_fixed_order() {
        let statement = Statement {
            project: "Go".to_string(),
            versions: vec!["1.16.1".to_string(), "1.15.9".to_string()],
            kind: MessageKind::Announcement,
            content_hash: "ab".repeat(32),
        };
        assert_eq!(
            statement.text(),
            format!(
                "herald approval 1\nproject: Go\nversions: 1.16.1 1.15.9\nkind: announcement\ncontent-sha256: {}\n",
                "ab".repeat(32)
            )
        );
        assert_eq!(statement.problem(), None);
        let spaced = Statement {
            versions: vec!["1.16.1 1.15.9".to_string()],
            ..statement.clone()
        };
        assert!(spaced.problem().unwrap().1.contains("white space"));
        let upper = Statement {
            content_hash: "AB".repeat(32),
            ..statement
        };
        assert!(upper.problem().unwrap().1.contains("lower-case"));
    }
}
