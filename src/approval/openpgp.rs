//! OpenPGP approvals, verified by gpg against an isolated keyring that holds the
//! listed approvers' public keys and nothing else.
//!
//! The keyring is a temporary `--homedir` (no gpg.conf, no agent: `--no-options
//! --no-autostart`) into which `[approval] openpgp_keys` is imported; keys in that
//! file that are not listed are deleted again. gpg's exit status is not the verdict:
//! it exits 0 for a signature by an expired or a revoked key. The verdict comes from
//! its status lines: exactly one signature, `GOODSIG`, and a `VALIDSIG` whose primary
//! key fingerprint (its tenth field) is a listed approver's.

use std::ffi::OsStr;
use std::path::Path;

use super::error::{run_tool, ApprovalError};
use super::scratch::ScratchDir;
use super::settings::{ApprovalSettings, ApproverKey};

const SETTING: &str = "[approval] gpg_program";

/// The isolated keyring of the listed OpenPGP approvers.
pub struct Keyring {
    home: ScratchDir,
    program: String,
    timeout: std::time::Duration,
    /// Each listed primary key's first user ID, for people.
    user_ids: Vec<(String, String)>,
}

/// What gpg said of one approval's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The primary key fingerprint of the signer, when gpg could tell.
    pub primary: Option<String>,
    /// When it was signed, as seconds since 1970.
    pub signed_at: Option<i64>,
    /// Why it does not count, if it does not.
    pub problem: Option<Problem>,
}

/// Why an OpenPGP signature does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The signature itself expired.
    SignatureExpired,
    /// The key has expired.
    KeyExpired,
    /// The key (or the subkey that signed) has been revoked.
    KeyRevoked,
    /// The signature does not match the statement.
    Bad,
    /// The key is not in the keyring: not a listed approver. Its fingerprint or id.
    UnknownKey(String),
    /// The file holds a number of signatures other than one.
    NotOne(usize),
    /// The signature uses a broken hash (MD5, SHA-1, RIPEMD-160).
    WeakHash(String),
}

impl Keyring {
    /// The keyring of the OpenPGP approvers `settings` lists, or `None` when it lists
    /// none. Each listed fingerprint must be a primary key in `openpgp_keys`.
    pub fn build(settings: &ApprovalSettings) -> Result<Option<Keyring>, ApprovalError> {
        let listed: Vec<(&str, &crate::source::Location)> = settings
            .approvers()
            .iter()
            .flat_map(|a| {
                a.keys.iter().filter_map(move |k| match k {
                    ApproverKey::OpenPgp { fingerprint } => {
                        Some((fingerprint.as_str(), &a.location))
                    }
                    ApproverKey::Ssh(_) => None,
                })
            })
            .collect();
        let Some(file) = settings.openpgp_keys().filter(|_| !listed.is_empty()) else {
            return Ok(None);
        };
        let home = ScratchDir::new("approval-keyring").map_err(|source| ApprovalError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let mut keyring = Keyring {
            home,
            program: settings.gpg_program.clone(),
            timeout: settings.timeout(),
            user_ids: Vec::new(),
        };
        if let Err(source) = std::fs::File::open(&file) {
            return Err(ApprovalError::Io {
                path: file,
                source: std::io::Error::new(
                    source.kind(),
                    format!(
                        "cannot read [approval] openpgp_keys, the approvers' public keys: {source}"
                    ),
                ),
            });
        }
        keyring.gpg(
            "import the approvers' public keys",
            &[OsStr::new("--import"), file.as_os_str()],
            b"",
            true,
        )?;
        let (primaries, subkeys, user_ids) = keyring.listing()?;
        let unlisted: Vec<&String> = primaries
            .iter()
            .filter(|p| !listed.iter().any(|(l, _)| l == p))
            .collect();
        if !unlisted.is_empty() {
            let mut args: Vec<&OsStr> = vec![OsStr::new("--yes"), OsStr::new("--delete-keys")];
            args.extend(unlisted.iter().map(|p| OsStr::new(p.as_str())));
            keyring.gpg(
                "leave only the listed approvers' keys in the keyring",
                &args,
                b"",
                true,
            )?;
        }
        for (fingerprint, location) in &listed {
            if primaries.iter().any(|p| p == fingerprint) {
                continue;
            }
            let message = match subkeys.iter().find(|(sub, _)| sub == fingerprint) {
                Some((_, primary)) => format!(
                    "{location}: approver {fingerprint} is a subkey of {primary}; list the fingerprint of the primary key"
                ),
                None => format!(
                    "{location}: the public key of approver {fingerprint} is not in {}; add it with `gpg --export --armor {fingerprint} >> {}` and commit the file",
                    file.display(),
                    file.display()
                ),
            };
            return Err(ApprovalError::Keys(message));
        }
        keyring.user_ids = user_ids;
        Ok(Some(keyring))
    }

    /// The first user ID of the primary key `fingerprint`, if it has one: text the
    /// key's owner chose, for people only, never for a decision.
    pub fn user_id(&self, fingerprint: &str) -> Option<&str> {
        self.user_ids
            .iter()
            .find(|(f, _)| f == fingerprint)
            .map(|(_, uid)| uid.as_str())
    }

    /// The primary keys in the keyring, each subkey with its primary key, and each
    /// primary key's first user ID.
    #[allow(clippy::type_complexity)]
    fn listing(
        &self,
    ) -> Result<(Vec<String>, Vec<(String, String)>, Vec<(String, String)>), ApprovalError> {
        let run = self.gpg(
            "list the approvers' public keys",
            &[OsStr::new("--with-colons"), OsStr::new("--list-keys")],
            b"",
            true,
        )?;
        let text = String::from_utf8_lossy(&run.stdout);
        let mut primaries: Vec<String> = Vec::new();
        let mut subkeys = Vec::new();
        let mut user_ids: Vec<(String, String)> = Vec::new();
        let mut last: Option<&str> = None;
        for line in text.lines() {
            let record = line.split(':').next().unwrap_or_default();
            match record {
                "uid" => {
                    let primary = primaries.last().cloned().unwrap_or_default();
                    if !user_ids.iter().any(|(p, _)| *p == primary) {
                        // Field 10, with gpg's C-style escapes (\x3a for a colon).
                        let uid = line.split(':').nth(9).unwrap_or_default();
                        user_ids.push((primary, unescape_colons(uid)));
                    }
                }
                "pub" | "sub" => last = Some(record),
                "fpr" => {
                    let fingerprint = line.split(':').nth(9).unwrap_or_default().to_string();
                    match last.take() {
                        Some("pub") => primaries.push(fingerprint),
                        Some("sub") => {
                            let primary = primaries.last().cloned().unwrap_or_default();
                            subkeys.push((fingerprint, primary));
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok((primaries, subkeys, user_ids))
    }

    /// What gpg says of `signature` (armored) over `statement`.
    pub fn verify(&self, signature: &str, statement: &[u8]) -> Result<Checked, ApprovalError> {
        let file = tempfile_in(self.home.path(), signature)?;
        let run = self.gpg(
            "verify an approval",
            &[
                OsStr::new("--trust-model"),
                OsStr::new("always"),
                OsStr::new("--verify"),
                file.as_os_str(),
                OsStr::new("-"),
            ],
            statement,
            false,
        );
        let _ = std::fs::remove_file(&file);
        Ok(judge(&run?.stdout))
    }

    /// Runs gpg on the isolated keyring: no configuration file, no agent started,
    /// status lines on standard output. A run that `must_succeed` and fails is an
    /// error; a verification that fails is a verdict, read from the status lines.
    fn gpg(
        &self,
        purpose: &'static str,
        args: &[&OsStr],
        input: &[u8],
        must_succeed: bool,
    ) -> Result<crate::subprocess::Finished, ApprovalError> {
        let mut all: Vec<&OsStr> = vec![
            OsStr::new("--homedir"),
            self.home.path().as_os_str(),
            OsStr::new("--batch"),
            OsStr::new("--no-options"),
            OsStr::new("--no-autostart"),
            OsStr::new("--status-fd"),
            OsStr::new("1"),
        ];
        all.extend_from_slice(args);
        let run = run_tool(&self.program, SETTING, purpose, &all, input, self.timeout)?;
        if must_succeed && !run.success {
            return Err(ApprovalError::Failed {
                program: self.program.clone(),
                purpose,
                said: String::from_utf8_lossy(&run.stderr).trim().to_string(),
            });
        }
        Ok(run)
    }
}

/// A user ID from `--with-colons` output: `\xNN` escapes made characters again,
/// control characters left escaped.
fn unescape_colons(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\x") {
        out.push_str(&rest[..at]);
        let hex = rest.get(at + 2..at + 4).unwrap_or_default();
        match u8::from_str_radix(hex, 16) {
            Ok(byte) if byte.is_ascii_graphic() || byte == b' ' => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            _ => {
                out.push_str("\\x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A file in `dir` holding `text`, under a name no other call uses.
fn tempfile_in(dir: &Path, text: &str) -> Result<std::path::PathBuf, ApprovalError> {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("signature-{n}.asc"));
    std::fs::write(&path, text).map_err(|source| ApprovalError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The verdict of gpg's status lines (`[GNUPG:] …`, see gpg's doc/DETAILS).
fn judge(stdout: &[u8]) -> Checked {
    let text = String::from_utf8_lossy(stdout);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .filter_map(|l| l.strip_prefix("[GNUPG:] "))
        .map(|l| l.split(' ').collect())
        .collect();
    fn first<'a>(fields: &[&'a str]) -> &'a str {
        fields.first().copied().unwrap_or_default()
    }
    let new_signatures = lines.iter().filter(|f| first(f) == "NEWSIG").count();
    const RESULTS: [&str; 6] = [
        "GOODSIG",
        "EXPSIG",
        "EXPKEYSIG",
        "REVKEYSIG",
        "BADSIG",
        "ERRSIG",
    ];
    let results: Vec<&Vec<&str>> = lines
        .iter()
        .filter(|f| RESULTS.contains(&first(f)))
        .collect();
    let valid = lines.iter().find(|f| first(f) == "VALIDSIG");
    let primary = valid
        .and_then(|f| f.get(10))
        .map(|p| p.to_ascii_uppercase());
    let signed_at = valid.and_then(|f| f.get(3)).and_then(|t| t.parse().ok());
    let mut checked = Checked {
        primary,
        signed_at,
        problem: None,
    };
    let [result] = results.as_slice() else {
        checked.problem = Some(Problem::NotOne(results.len().max(new_signatures)));
        return checked;
    };
    if new_signatures > 1 {
        checked.problem = Some(Problem::NotOne(new_signatures));
        return checked;
    }
    checked.problem = match first(result) {
        "GOODSIG" if checked.primary.is_some() => {
            let hash = valid.and_then(|f| f.get(8)).copied().unwrap_or_default();
            match hash {
                "1" => Some(Problem::WeakHash("MD5".to_string())),
                "2" => Some(Problem::WeakHash("SHA-1".to_string())),
                "3" => Some(Problem::WeakHash("RIPEMD-160".to_string())),
                _ => None,
            }
        }
        "GOODSIG" | "BADSIG" => Some(Problem::Bad),
        "EXPSIG" => Some(Problem::SignatureExpired),
        "EXPKEYSIG" => Some(Problem::KeyExpired),
        "REVKEYSIG" => Some(Problem::KeyRevoked),
        _ => {
            // ERRSIG <keyid> <pkalgo> <hashalgo> <class> <time> <rc> [<fpr>]
            let key = result
                .get(7)
                .or_else(|| result.get(1))
                .map(|k| k.to_ascii_uppercase())
                .unwrap_or_default();
            Some(Problem::UnknownKey(key))
        }
    };
    checked
}

/// The primary key fingerprint of the `[signing]` key `spec`, from the release
/// manager's own keyring (`gpg --list-keys`): the key whose approvals do not count
/// for the sends it signs.
pub fn signing_primary(
    program: &str,
    spec: &str,
    timeout: std::time::Duration,
) -> Result<String, ApprovalError> {
    let run = run_tool(
        program,
        "[signing] program",
        "find the [signing] key",
        &[
            OsStr::new("--batch"),
            OsStr::new("--with-colons"),
            OsStr::new("--list-keys"),
            OsStr::new("--"),
            OsStr::new(spec),
        ],
        b"",
        timeout,
    )?;
    let text = String::from_utf8_lossy(&run.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let primaries: Vec<&str> = lines
        .windows(2)
        .filter(|pair| pair[0].starts_with("pub:") && pair[1].starts_with("fpr:"))
        .filter_map(|pair| pair[1].split(':').nth(9))
        .collect();
    match primaries.as_slice() {
        [one] => Ok(one.to_ascii_uppercase()),
        [] => Err(ApprovalError::Keys(format!(
            "[signing] key {spec:?}: no such public key in the keyring of {program}, so herald cannot tell whether an approval is by the key that signs the send"
        ))),
        many => Err(ApprovalError::Keys(format!(
            "[signing] key {spec:?} matches {} keys ({}); give the fingerprint of the one that signs",
            many.len(),
            many.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(lines: &[&str]) -> Vec<u8> {
        lines
            .iter()
            .map(|l| format!("[GNUPG:] {l}\n"))
            .collect::<String>()
            .into_bytes()
    }

    const ALICE: &str = "6EE3614BBC30195EDC99820CFAB6D7E122DD4997";

    #[test]
    fn only_one_good_signature_by_a_known_primary_key_counts() {
        let validsig = format!(
            "VALIDSIG C98B2121862F26CD73ABFA3CF294A2C936FE735D 2026-12-07 1796669396 0 4 0 22 8 00 {ALICE}"
        );
        let good = judge(&status(&[
            "NEWSIG",
            "GOODSIG F294A2C936FE735D Alice",
            &validsig,
        ]));
        assert_eq!(good.problem, None);
        assert_eq!(good.primary.as_deref(), Some(ALICE));
        assert_eq!(good.signed_at, Some(1796669396));
        // gpg exits 0 for these two: only the status lines tell.
        let expired = judge(&status(&["NEWSIG", "EXPKEYSIG 58 Carol", &validsig]));
        assert_eq!(expired.problem, Some(Problem::KeyExpired));
        let revoked = judge(&status(&[
            "NEWSIG",
            "REVKEYSIG 68 Dave",
            &validsig,
            "KEYREVOKED",
        ]));
        assert_eq!(revoked.problem, Some(Problem::KeyRevoked));
        let two = judge(&status(&[
            "NEWSIG",
            "GOODSIG F2 Alice",
            &validsig,
            "NEWSIG",
            "GOODSIG F2 Alice",
            &validsig,
        ]));
        assert_eq!(two.problem, Some(Problem::NotOne(2)));
        let unknown = judge(&status(&[
            "NEWSIG",
            "ERRSIG A17B010FB20AFB0D 22 8 00 1796669397 9 0D9CE138C62CCB4F7CCA7962A17B010FB20AFB0D",
            "NO_PUBKEY A17B010FB20AFB0D",
        ]));
        assert_eq!(
            unknown.problem,
            Some(Problem::UnknownKey(
                "0D9CE138C62CCB4F7CCA7962A17B010FB20AFB0D".to_string()
            ))
        );
        assert_eq!(
            judge(&status(&["NODATA 3"])).problem,
            Some(Problem::NotOne(0))
        );
        let sha1 = validsig.replace(" 22 8 00 ", " 22 2 00 ");
        let weak = judge(&status(&["NEWSIG", "GOODSIG F2 Alice", &sha1]));
        assert_eq!(weak.problem, Some(Problem::WeakHash("SHA-1".to_string())));
    }
}
