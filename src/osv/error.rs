//! Why an import was refused.

use std::path::PathBuf;

use crate::load::LoadError;

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    #[error("no OSV files were given")]
    NoFiles,
    #[error("--issue applies to a single OSV file, but {count} were given; import the others without it")]
    IssueWithSeveralFiles { count: usize },
    #[error("--issue must be a positive issue number, found {issue}")]
    BadIssueOption { issue: u64 },
    #[error("{}: cannot read the OSV file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid OSV JSON: {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {json_path}: {message}", path.display())]
    Record {
        path: PathBuf,
        /// Where in the record, as in `affected[0].ecosystem_specific.imports`.
        json_path: String,
        message: String,
    },
    #[error("{}: {what} is already in the release file, in {existing}; each vulnerability is listed once", path.display())]
    Duplicate {
        path: PathBuf,
        /// As in "CVE-2021-27918" or "issue 44913".
        what: String,
        /// Where it already is, as in "[[security]] entry 1 at go1.16.1.toml:22:1"
        /// or another OSV file.
        existing: String,
    },
    #[error(transparent)]
    Release(#[from] LoadError),
    #[error("{}: the release file keeps `security` as {found}; import-osv can only append [[security]] tables", path.display())]
    Layout { path: PathBuf, found: String },
    #[error(
        "the release file would not be usable after the import, so nothing was written:\n{details}"
    )]
    Result { details: String },
    #[error("{}: cannot write the release file: {source}; it was left unchanged", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}
