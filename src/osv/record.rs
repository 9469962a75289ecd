//! The OSV fields the importer reads, and reading a record.

use std::path::Path;

use serde::Deserialize;

use super::error::OsvError;

/// The OSV fields the importer reads. Everything else is ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvRecord {
    pub id: Option<String>,
    pub withdrawn: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub affected: Option<Vec<OsvAffected>>,
    pub references: Option<Vec<OsvReference>>,
    pub credits: Option<Vec<OsvCredit>>,
    /// The database's own fields; the Go database's `url` is the record's advisory page.
    pub database_specific: Option<serde_json::Value>,
}

/// One `affected[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvAffected {
    pub package: Option<OsvPackage>,
    pub ranges: Option<Vec<OsvRange>>,
    pub ecosystem_specific: Option<OsvEcosystemSpecific>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvRange {
    pub events: Option<Vec<OsvEvent>>,
}

/// `affected[].ranges[].events[]`: one of `introduced`, `fixed` (others are ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvEvent {
    pub introduced: Option<String>,
    pub fixed: Option<String>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvPackage {
    pub name: Option<String>,
    pub ecosystem: Option<String>,
}

/// `affected[].ecosystem_specific`, as the Go database writes it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvEcosystemSpecific {
    pub imports: Option<Vec<OsvImport>>,
}

/// `affected[].ecosystem_specific.imports[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvImport {
    pub path: Option<String>,
}

/// `references[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvReference {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub url: Option<String>,
}

/// `credits[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvCredit {
    pub name: Option<String>,
}

/// Reads and parses one OSV file.
pub fn read_record(path: &Path) -> Result<OsvRecord, OsvError> {
    let text = std::fs::read_to_string(path).map_err(|source| OsvError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_record(path, &text)
}

/// Parses the text of an OSV file; `path` names it in errors.
pub fn parse_record(path: &Path, text: &str) -> Result<OsvRecord, OsvError> {
    serde_json::from_str(text).map_err(|err| {
        let message = err.to_string();
        // serde_json appends " at line L column C"; the position is reported up front.
        let message = match message.rfind(" at line ") {
            Some(at) if err.line() > 0 => message[..at].to_string(),
            _ => message,
        };
        OsvError::Json {
            path: path.to_path_buf(),
            line: err.line(),
            column: err.column(),
            message,
        }
    })
}
