//! `herald import-osv`: append `[[security]]` entries built from OSV records.
//!
//! The Go vulnerability database publishes one OSV JSON record per
//! vulnerability (`GO-YYYY-NNNN`). [`import_osv`] reads such records and appends
//! one `[[security]]` entry per record to an existing release file.
//!
//! # Mapping
//!
//! | release key   | OSV source |
//! |---------------|------------|
//! | `track`       | [`ImportOptions::track`]: never guessed; the CLI requires `--track` |
//! | `packages`    | `affected[].ecosystem_specific.imports[].path` of the entries whose `package.name` is `stdlib` or `toolchain`, deduplicated in order |
//! | `cves`        | the `CVE-…` ids among `aliases` (other aliases such as `GHSA-…` are ignored) |
//! | `issue`       | the issue number of a `REPORT` reference (`https://go.dev/issue/N`, `golang.org/issue/N`, `github.com/golang/go/issues/N`, or the release's `project.issue_url`), or [`ImportOptions::issue`] |
//! | `title`       | `summary`, made to read as an announcement title (see below) |
//! | `description` | `details`, verbatim |
//! | `credit`      | `credits[].name`, joined as "A", "A and B", "A, B, and C" (optional) |
//! | `links`       | the `FIX` reference URLs, in order (optional) |
//!
//! The announcement prints each fix as `packages: title`, so the title is the
//! summary without the package names it repeats: a trailing period is dropped;
//! a leading `"<package>: "` is dropped when it names one of the record's
//! packages; a trailing `" in <package>, <package> and <package>"` (the Go
//! database's convention) is dropped when every listed item looks like an
//! import path and at least one is among the record's packages; and a first
//! word written as an ordinary capitalised word ("Infinite") is lower-cased as
//! in golang-announce ("infinite"), while identifiers and acronyms
//! ("ReverseProxy", "HTTP/2") are kept. `summary` itself is required.
//!
//! Affected entries for other modules (`golang.org/x/net`, …) are not part of
//! a Go release and are ignored; a record with no `stdlib` or `toolchain`
//! entry is refused. `ranges`, `database_specific`, `severity` and every other
//! OSV field are ignored (OSV is an open schema).
//!
//! # Safety of the release file
//!
//! The original text is kept byte for byte: the new entries are appended at the
//! end of the file (TOML allows `[[security]]` tables after `[[fix]]` tables),
//! each preceded by a comment naming its OSV id, in the file's own line endings.
//! A record is refused when one of its CVE ids or its issue is already in the
//! release file or in another record of the same import. The result is parsed
//! again with [`crate::load::parse_release`] and checked with
//! [`crate::validate::validate`] (errors in the new entries refuse the import;
//! policy violations they cause are returned as [`ImportReport::findings`]).
//! The file is then replaced atomically (temporary file in the same directory,
//! then rename). On any error nothing is written.
//!
//! # Errors
//!
//! Errors name the OSV file and, for invalid JSON, the line and column
//! (`GO-2021-0234.json:7:15: invalid OSV JSON: …`), or for a record that parses
//! but cannot be imported, the JSON path and what was expected
//! (`GO-2021-0234.json: affected[0].ecosystem_specific.imports: expected …`).

mod error;
mod import;
mod map;
mod record;

pub use error::OsvError;
pub use import::{import_osv, render_entries, ImportReport};
pub use map::{
    is_internal, issue_number, map_record, title_from_summary, ImportOptions, ImportTarget,
    Imported, STDLIB, TOOLCHAIN,
};
pub use record::{
    parse_record, read_record, OsvAffected, OsvCredit, OsvEcosystemSpecific, OsvEvent, OsvImport,
    OsvPackage, OsvRange, OsvRecord, OsvReference,
};
