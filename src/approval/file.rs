//! Approval files: small TOML files in `RELEASE.approvals/` beside the release file,
//! one per approver and message, meant to be committed.
//!
//! ```toml
//! format = 1
//! project = "Go"
//! versions = ["1.16.1", "1.15.9"]
//! kind = "announcement"
//! content_sha256 = "5f0c…"
//! signature = """
//! -----BEGIN PGP SIGNATURE-----
//! …
//! -----END PGP SIGNATURE-----
//! """
//! ```
//!
//! The fields are the statement that was signed ([`Statement`]); the signature says
//! by whom. Nothing in the file is trusted: `send` rebuilds the statement from the
//! release and counts the file only if the signature verifies over it.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::error::ApprovalError;
use super::statement::{Statement, FORMAT};
use crate::load::{invalid, parse_toml, read_source, LoadError};
use crate::model::MessageKind;

/// The largest approval file read: a signature by the largest RSA key is a few
/// kilobytes, and a file in a shared folder must not make herald read without end.
const MAX_BYTES: u64 = 64 * 1024;

/// How an approval is signed, from its armor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// `-----BEGIN PGP SIGNATURE-----`: a detached OpenPGP signature.
    OpenPgp,
    /// `-----BEGIN SSH SIGNATURE-----`: an `ssh-keygen -Y sign` signature.
    Ssh,
}

impl Method {
    fn armor(self) -> (&'static str, &'static str) {
        match self {
            Method::OpenPgp => (
                "-----BEGIN PGP SIGNATURE-----",
                "-----END PGP SIGNATURE-----",
            ),
            Method::Ssh => (
                "-----BEGIN SSH SIGNATURE-----",
                "-----END SSH SIGNATURE-----",
            ),
        }
    }
}

/// One approval file, read.
#[derive(Debug, Clone)]
pub struct ApprovalFile {
    pub path: PathBuf,
    /// The statement the file says was signed.
    pub statement: Statement,
    pub method: Method,
    /// The armored signature.
    pub signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    format: Spanned<i64>,
    project: Spanned<String>,
    versions: Spanned<Vec<String>>,
    kind: MessageKind,
    content_sha256: Spanned<String>,
    signature: Spanned<String>,
}

/// The folder of the approvals of `release`: `RELEASE.approvals` beside the file the
/// release really is, as the journal is.
pub fn approvals_dir(release: &Path) -> PathBuf {
    let release = std::fs::canonicalize(release).unwrap_or_else(|_| release.to_path_buf());
    let mut name = release.file_name().unwrap_or_default().to_os_string();
    name.push(".approvals");
    release.with_file_name(name)
}

/// `written`, a file in the approvals folder of `release`, as a path from where the
/// release was named (`release.toml.approvals/…`), or in full when the release is
/// reached through a link elsewhere.
pub fn shown(release: &Path, written: &Path) -> PathBuf {
    let given_dir = match release.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let same_dir = written
        .parent()
        .and_then(Path::parent)
        .zip(std::fs::canonicalize(given_dir).ok())
        .is_some_and(|(real, given)| real == given);
    match (
        same_dir,
        written.parent().and_then(Path::file_name),
        written.file_name(),
    ) {
        (true, Some(folder), Some(name)) => release.with_file_name(folder).join(name),
        _ => written.to_path_buf(),
    }
}

/// Every approval file of `release`, each read or the error that says what is wrong
/// with it, in the order of their names. Only `*.toml` files are approvals; hidden
/// files (temporary files of a write) are passed over.
pub fn read_all(release: &Path) -> Vec<Result<ApprovalFile, LoadError>> {
    let dir = approvals_dir(release);
    let unreadable = |path: &Path, message: String| LoadError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::other(message),
    };
    match std::fs::symlink_metadata(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => return vec![Err(unreadable(&dir, e.to_string()))],
        Ok(meta) if !meta.is_dir() => {
            return vec![Err(unreadable(
                &dir,
                "not a folder; herald reads approvals only from a real folder beside the release (never through a link)".to_string(),
            ))]
        }
        Ok(_) => {}
    }
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => return vec![Err(unreadable(&dir, e.to_string()))],
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            !name.starts_with('.') && name.ends_with(".toml")
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let meta = std::fs::symlink_metadata(&path)
                .map_err(|e| unreadable(&path, e.to_string()))?;
            if !meta.is_file() {
                return Err(unreadable(
                    &path,
                    "not a regular file (a link, a folder or a device); an approval is a regular file".to_string(),
                ));
            }
            if meta.len() > MAX_BYTES {
                return Err(unreadable(
                    &path,
                    format!("{} bytes is too large for an approval (at most {MAX_BYTES}); it is not one herald wrote", meta.len()),
                ));
            }
            read(&path)
        })
        .collect()
}

/// Reads one approval file.
pub fn read(path: &Path) -> Result<ApprovalFile, LoadError> {
    let source = read_source(path)?;
    let raw: Raw = parse_toml(&source)?;
    if *raw.format.get_ref() != FORMAT {
        return Err(invalid(
            &source,
            "approval-file",
            raw.format.span(),
            &format!(
                "format {} is not one this herald reads (it reads format {FORMAT}); approve again with this herald",
                raw.format.get_ref()
            ),
        ));
    }
    let statement = Statement {
        project: raw.project.get_ref().clone(),
        versions: raw.versions.get_ref().clone(),
        kind: raw.kind,
        content_hash: raw.content_sha256.get_ref().clone(),
    };
    if let Some((field, problem)) = statement.problem() {
        let span = match field {
            "project" => raw.project.span(),
            "versions" => raw.versions.span(),
            _ => raw.content_sha256.span(),
        };
        return Err(invalid(&source, "approval-file", span, &problem));
    }
    let signature = raw.signature.get_ref().trim();
    let method = [Method::OpenPgp, Method::Ssh]
        .into_iter()
        .find(|m| {
            let (begin, end) = m.armor();
            signature.starts_with(begin) && signature.ends_with(end)
        })
        .ok_or_else(|| {
            invalid(
                &source,
                "approval-file",
                raw.signature.span(),
                "signature must be one armored signature, from -----BEGIN PGP SIGNATURE----- to -----END PGP SIGNATURE----- (gpg) or from -----BEGIN SSH SIGNATURE----- to -----END SSH SIGNATURE----- (ssh-keygen)",
            )
        })?;
    Ok(ApprovalFile {
        path: path.to_path_buf(),
        statement,
        method,
        signature: format!("{signature}\n"),
    })
}

/// The text of an approval file of `statement` with `signature`.
pub fn render(statement: &Statement, signature: &str) -> Result<String, ApprovalError> {
    let signature = signature.trim();
    // Armor is base64 and a few fixed lines: nothing in it can end or escape a TOML
    // string, which is checked rather than assumed.
    let armor_only = signature
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+/=-: \n".contains(c));
    if !armor_only {
        return Err(ApprovalError::Keys(
            "the signature holds characters no armored signature has; nothing was written"
                .to_string(),
        ));
    }
    let quoted = |text: &str| toml::Value::String(text.to_string()).to_string();
    let versions: Vec<String> = statement.versions.iter().map(|v| quoted(v)).collect();
    Ok(format!(
        "# An approval by `herald approve`: the {kind} of {project} {list}, exactly the\n\
         # content whose SHA-256 is below. Commit it beside the release; herald send counts\n\
         # it while the message's content is unchanged and the signer's key is listed.\n\
         format = {FORMAT}\n\
         project = {}\n\
         versions = [{}]\n\
         kind = \"{kind}\"\n\
         content_sha256 = \"{}\"\n\
         signature = \"\"\"\n{signature}\n\"\"\"\n",
        quoted(&statement.project),
        versions.join(", "),
        statement.content_hash,
        kind = statement.kind,
        project = crate::controls::escaped(&statement.project),
        list = statement.versions.join(", "),
    ))
}

/// Writes approval `text` as `name` in the approvals folder of `release`, made if
/// missing. Neither the folder nor the file is ever written through a link.
pub fn write(release: &Path, name: &str, text: &str) -> Result<PathBuf, ApprovalError> {
    let dir = approvals_dir(release);
    let io = |path: &Path, source| ApprovalError::Io {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(io(&dir, crate::link_refused(&dir)));
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(ApprovalError::File {
                path: dir,
                message: "not a folder; approvals are written into a folder of this name"
                    .to_string(),
            })
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(&dir).map_err(|e| io(&dir, e))?
        }
        Err(e) => return Err(io(&dir, e)),
    }
    let path = dir.join(name);
    crate::write_atomically(&path, text.as_bytes()).map_err(|e| io(&path, e))?;
    Ok(path)
}

/// The file name of an approval of `kind` by the key described as `key_id` (an
/// OpenPGP fingerprint, or an SSH `SHA256:` fingerprint): one file per approver's
/// key and message, so approving again replaces the earlier approval.
pub fn file_name(kind: MessageKind, method: Method, key_id: &str) -> String {
    let id: String = key_id
        .trim_start_matches("SHA256:")
        .chars()
        .map(|c| match c {
            '/' => '_',
            '+' => '-',
            c if c.is_ascii_alphanumeric() => c,
            _ => '_',
        })
        .collect();
    let method = match method {
        Method::OpenPgp => "openpgp",
        Method::Ssh => "ssh",
    };
    format!("{kind}.{method}-{id}.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> Statement {
        Statement {
            project: "Go \"next\"".to_string(),
            versions: vec!["1.16.1".to_string(), "1.15.9".to_string()],
            kind: MessageKind::Announcement,
            content_hash: "0f".repeat(32),
        }
    }

    #[test]
    fn a_written_approval_reads_back_as_the_same_statement() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("release.toml");
        std::fs::write(&release, "").unwrap();
        let signature = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----";
        let text = render(&statement(), signature).unwrap();
        let name = file_name(MessageKind::Announcement, Method::Ssh, "SHA256:a/b+c");
        assert_eq!(name, "announcement.ssh-a_b-c.toml");
        let path = write(&release, &name, &text).unwrap();
        assert_eq!(path.parent().unwrap(), approvals_dir(&release));
        let read = read_all(&release);
        let [Ok(file)] = read.as_slice() else {
            panic!("{read:?}")
        };
        assert_eq!(file.statement, statement());
        assert_eq!(file.method, Method::Ssh);
        assert_eq!(file.signature, format!("{signature}\n"));
    }

    #[test]
    fn a_malformed_approval_is_an_error_at_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        let good = render(
            &statement(),
            "-----BEGIN PGP SIGNATURE-----\nAA==\n-----END PGP SIGNATURE-----",
        )
        .unwrap();
        for (text, says) in [
            (good.replace("format = 1", "format = 2"), ":4:10"),
            (
                good.replace("kind = \"announcement\"", "kind = \"notice\""),
                "unknown variant",
            ),
            (
                good.replace("BEGIN PGP", "BEGIN PGP MESSAGE"),
                "one armored signature",
            ),
            (
                good.replace(&"0f".repeat(32), "xyz"),
                ":8:18: content_sha256 must be 64",
            ),
            (format!("{good}\nextra = 1\n"), "unknown field"),
        ] {
            std::fs::write(&path, &text).unwrap();
            let err = read(&path).unwrap_err().to_string();
            assert!(err.contains(says), "{says}: {err}");
            assert!(err.contains("a.toml"), "{err}");
        }
    }

    #[test]
    fn approvals_are_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("release.toml");
        std::fs::write(&release, "").unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, approvals_dir(&release)).unwrap();
        let err = write(&release, "x.toml", "x").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
        assert!(read_all(&release)[0].is_err());
    }
}
