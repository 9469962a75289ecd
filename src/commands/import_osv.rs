//! `herald import-osv`: `[[security]]` entries from OSV records.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::report::emit;
use super::{CommandError, Exit, Options};

/// `herald import-osv`: appends `[[security]]` entries from OSV records.
pub fn import_osv(
    path: &Path,
    files: &[PathBuf],
    import: &crate::osv::ImportOptions,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Exit, CommandError> {
    #[derive(Serialize)]
    struct Entry<'a> {
        osv_id: &'a str,
        osv_file: String,
        cves: &'a [String],
        issues: &'a [u64],
        packages: &'a [String],
        /// The release versions it ships in; absent when it ships in all of them.
        versions: Option<&'a [String]>,
        title: &'a str,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        written: bool,
        imported: Vec<Entry<'a>>,
        appended: &'a str,
    }
    let report = crate::osv::import_osv(path, files, import)?;
    let body = Body {
        written: report.written,
        imported: report
            .imported
            .iter()
            .map(|i| Entry {
                osv_id: &i.osv_id,
                osv_file: i.osv_file.display().to_string(),
                cves: &i.cves,
                issues: &i.issues,
                packages: &i.packages,
                versions: i.versions.as_deref(),
                title: &i.title,
            })
            .collect(),
        appended: &report.appended,
    };
    emit(out, options, path, &report.findings, body, |out| {
        for imported in &report.imported {
            writeln!(out, "imported {imported}")?;
        }
        if report.written {
            writeln!(
                out,
                "appended {} [[security]] entries to {}",
                report.imported.len(),
                path.display()
            )?;
        } else {
            writeln!(
                out,
                "dry run: {} is unchanged; it would gain:\n{}",
                path.display(),
                report.appended
            )?;
        }
        Ok(())
    })
}
