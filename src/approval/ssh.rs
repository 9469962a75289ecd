//! SSH approvals: signed with `ssh-keygen -Y sign -n herald`, verified with
//! `ssh-keygen -Y find-principals` and `-Y verify` against an allowed-signers file
//! built from the listed SSH keys.
//!
//! Each listed key is one line, `SHA256:… namespaces="herald" TYPE KEY`: the
//! principal is the key's own fingerprint (herald's choice, never the free-text
//! comment, which may hold pattern characters), and the namespace option makes the
//! file refuse a signature made for any other purpose. `ssh-keygen` exits 255 on
//! every failure, so the verdict is its exit status and its `Good "herald"
//! signature for PRINCIPAL` line.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::error::{run_tool, ApprovalError};
use super::scratch::ScratchDir;
use super::settings::{ApprovalSettings, ApproverKey};

const SETTING: &str = "[approval] ssh_program";
/// The namespace of every herald approval (ssh-keygen -n).
pub const NAMESPACE: &str = "herald";

/// The allowed-signers file of the listed SSH approvers.
pub struct Signers {
    dir: ScratchDir,
    allowed: PathBuf,
    revoked: Option<PathBuf>,
    program: String,
    timeout: std::time::Duration,
}

/// What ssh-keygen said of one approval's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A good signature by the listed key with this fingerprint.
    Good { fingerprint: String },
    /// Signed by a key no approver lists (its fingerprint, when the signature is
    /// well-formed enough to tell).
    Unlisted { fingerprint: Option<String> },
    /// Signed by a listed key that `ssh_revoked_keys` revokes.
    Revoked { fingerprint: String },
    /// By a listed key, but not over this statement or not in herald's namespace.
    Bad { fingerprint: String, said: String },
}

impl Signers {
    /// The allowed signers `settings` lists, or `None` when it lists no SSH key.
    pub fn build(settings: &ApprovalSettings) -> Result<Option<Signers>, ApprovalError> {
        let lines: String = settings
            .approvers()
            .iter()
            .flat_map(|a| &a.keys)
            .filter_map(|k| match k {
                ApproverKey::Ssh(key) => Some(format!(
                    "{} namespaces=\"{NAMESPACE}\" {} {}\n",
                    key.fingerprint, key.key_type, key.base64
                )),
                ApproverKey::OpenPgp { .. } => None,
            })
            .collect();
        if lines.is_empty() {
            return Ok(None);
        }
        let revoked = settings.ssh_revoked_keys();
        if let Some(path) = &revoked {
            if let Err(source) = std::fs::File::open(path) {
                return Err(ApprovalError::Io {
                    path: path.clone(),
                    source: std::io::Error::new(
                        source.kind(),
                        format!("cannot read [approval] ssh_revoked_keys: {source}"),
                    ),
                });
            }
        }
        let dir = ScratchDir::new("approval-ssh").map_err(|source| ApprovalError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let allowed = dir
            .write("allowed_signers", lines.as_bytes())
            .map_err(|source| ApprovalError::Io {
                path: dir.path().join("allowed_signers"),
                source,
            })?;
        Ok(Some(Signers {
            dir,
            allowed,
            revoked,
            program: settings.ssh_program.clone(),
            timeout: settings.timeout(),
        }))
    }

    /// What ssh-keygen says of `signature` (armored) over `statement`.
    pub fn verify(&self, signature: &str, statement: &[u8]) -> Result<Outcome, ApprovalError> {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("signature-{n}.sig");
        let file = self
            .dir
            .write(&name, signature.as_bytes())
            .map_err(|source| ApprovalError::Io {
                path: self.dir.path().join(&name),
                source,
            })?;
        let outcome = self.verify_file(&file, statement);
        let _ = std::fs::remove_file(&file);
        outcome
    }

    fn verify_file(&self, signature: &Path, statement: &[u8]) -> Result<Outcome, ApprovalError> {
        let found = run_tool(
            &self.program,
            SETTING,
            "find who signed an approval",
            &[
                OsStr::new("-Y"),
                OsStr::new("find-principals"),
                OsStr::new("-f"),
                self.allowed.as_os_str(),
                OsStr::new("-s"),
                signature.as_os_str(),
            ],
            b"",
            self.timeout,
        )?;
        let principal = String::from_utf8_lossy(&found.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if !found.success || principal.is_empty() {
            let fingerprint = key_of(&self.program, signature, statement, self.timeout)?;
            return Ok(Outcome::Unlisted { fingerprint });
        }
        let verify = |revoked: Option<&Path>| {
            let mut args = vec![
                OsStr::new("-Y"),
                OsStr::new("verify"),
                OsStr::new("-f"),
                self.allowed.as_os_str(),
                OsStr::new("-I"),
                OsStr::new(&principal),
                OsStr::new("-n"),
                OsStr::new(NAMESPACE),
                OsStr::new("-s"),
                signature.as_os_str(),
            ];
            if let Some(revoked) = revoked {
                args.extend([OsStr::new("-r"), revoked.as_os_str()]);
            }
            run_tool(
                &self.program,
                SETTING,
                "verify an approval",
                &args,
                statement,
                self.timeout,
            )
        };
        let good = |run: &crate::subprocess::Finished| {
            run.success
                && String::from_utf8_lossy(&run.stdout)
                    .starts_with(&format!("Good \"{NAMESPACE}\" signature for {principal} "))
        };
        let run = verify(self.revoked.as_deref())?;
        if good(&run) {
            return Ok(Outcome::Good {
                fingerprint: principal,
            });
        }
        // A revoked key fails without a word; without the revocations it would pass.
        if self.revoked.is_some() && good(&verify(None)?) {
            return Ok(Outcome::Revoked {
                fingerprint: principal,
            });
        }
        let said = String::from_utf8_lossy(&run.stderr).trim().to_string();
        Ok(Outcome::Bad {
            fingerprint: principal,
            said: if said.is_empty() {
                "ssh-keygen could not verify the signature".to_string()
            } else {
                said
            },
        })
    }
}

/// The fingerprint of the key that made `signature` over `statement`, checked for
/// form only (`ssh-keygen -Y check-novalidate`), or `None` if it is not even that.
fn key_of(
    program: &str,
    signature: &Path,
    statement: &[u8],
    timeout: std::time::Duration,
) -> Result<Option<String>, ApprovalError> {
    let run = run_tool(
        program,
        SETTING,
        "read which key signed an approval",
        &[
            OsStr::new("-Y"),
            OsStr::new("check-novalidate"),
            OsStr::new("-n"),
            OsStr::new(NAMESPACE),
            OsStr::new("-s"),
            signature.as_os_str(),
        ],
        statement,
        timeout,
    )?;
    Ok(run
        .success
        .then(|| {
            String::from_utf8_lossy(&run.stdout)
                .split_whitespace()
                .find(|w| w.starts_with("SHA256:"))
                .map(str::to_string)
        })
        .flatten())
}

/// Signs `statement` with the SSH key `key` (a private key, or a public key whose
/// private half is in ssh-agent) in herald's namespace. The key never passes
/// through herald: ssh-keygen reads it, and asks for its passphrase on the
/// terminal. Returns the armored signature and the key's fingerprint.
pub fn sign(
    program: &str,
    key: &Path,
    statement: &[u8],
    timeout: std::time::Duration,
) -> Result<(String, String), ApprovalError> {
    // The signature goes to standard output: the FILE form would keep an existing
    // FILE.sig when no one answers its overwrite question, and exit 0.
    let run = run_tool(
        program,
        SETTING,
        "sign the approval",
        &[
            OsStr::new("-Y"),
            OsStr::new("sign"),
            OsStr::new("-f"),
            key.as_os_str(),
            OsStr::new("-n"),
            OsStr::new(NAMESPACE),
        ],
        statement,
        timeout,
    )?;
    let text = String::from_utf8_lossy(&run.stdout);
    const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
    const END: &str = "-----END SSH SIGNATURE-----";
    let armored = text.find(BEGIN).and_then(|start| {
        text[start..]
            .find(END)
            .map(|end| &text[start..start + end + END.len()])
    });
    let (true, Some(armored)) = (run.success, armored) else {
        let said = String::from_utf8_lossy(&run.stderr);
        let said = said
            .lines()
            .filter(|l| !l.starts_with("Signing data on standard input"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApprovalError::Failed {
            program: program.to_string(),
            purpose: "sign the approval",
            said: if said.trim().is_empty() {
                "it wrote no signature".to_string()
            } else {
                said
            },
        });
    };
    let armored = format!("{armored}\n");
    let dir = ScratchDir::new("approval-ssh").map_err(|source| ApprovalError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let file = dir
        .write("approval.sig", armored.as_bytes())
        .map_err(|source| ApprovalError::Io {
            path: dir.path().join("approval.sig"),
            source,
        })?;
    let fingerprint =
        key_of(program, &file, statement, timeout)?.ok_or_else(|| ApprovalError::Failed {
            program: program.to_string(),
            purpose: "sign the approval",
            said: "the signature it made does not check against the statement".to_string(),
        })?;
    Ok((armored, fingerprint))
}
