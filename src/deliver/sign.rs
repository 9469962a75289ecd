//! Signing a message with the release manager's own OpenPGP key, through their `gpg`,
//! the way git signs commits: their keyring, agent, smartcard and passphrase prompt
//! keep working, and no secret key passes through herald.
//!
//! Two forms:
//! * PGP/MIME (RFC 3156): `multipart/signed; protocol="application/pgp-signature"`,
//!   whose first part is the multipart/alternative message in canonical form (CRLF,
//!   quoted-printable, so trailing white space survives) and whose second part is the
//!   detached, armored signature. `micalg` names the hash gpg actually used, read
//!   from its `--status-fd` output.
//!   A kind whose lists take text only (`parts = "text"`) signs its text/plain
//!   part the same way.
//! * Inline: a text-only message whose body is a cleartext signature
//!   (`gpg --clearsign`), for lists that rewrite MIME structure.
//!
//! The key is checked before signing (`gpg --list-secret-keys --with-colons`), so an
//! unknown or expired key, or one that cannot sign, is named as such.

use std::process::Command;
use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, MultiPart, SinglePart};

use crate::config::{SigningConfig, SigningMode};
use crate::model::{Addressing, Parts};
use crate::render::email::{alternative, text_part};
use crate::render::{compose_with, ComposedEmail, RenderedMessage};
use crate::subprocess::RunFailure;

/// Where a signer's settings come from, for errors that say what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerRole {
    /// How the key was given: `[signing] key`, `--gpg-key`.
    pub key: &'static str,
    /// The setting that names the program.
    pub program: &'static str,
    /// The setting that bounds the time.
    pub timeout: &'static str,
    /// What is signed, as in "cannot run gpg to sign the message".
    pub what: &'static str,
}

impl SignerRole {
    /// The release manager's key, which signs sent messages.
    pub const SIGNING: SignerRole = SignerRole {
        key: "[signing] key",
        program: "[signing] program",
        timeout: "[signing] timeout_seconds",
        what: "the message",
    };
    /// An approver's key, which signs an approval (`herald approve --gpg-key`).
    pub const APPROVAL: SignerRole = SignerRole {
        key: "--gpg-key",
        program: "[approval] gpg_program",
        timeout: "[approval] timeout_seconds",
        what: "the approval",
    };
}

/// Why a message could not be signed. Each is found before connecting.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot run {program:?} to sign {}: {source}; install GnuPG, or set {} to its path", role.what, role.program)]
    Missing {
        role: &'static SignerRole,
        program: String,
        source: std::io::Error,
    },
    #[error("{} {key:?}: no secret key in the keyring of {program} ({home}); check `gpg --list-secret-keys`", role.key)]
    UnknownKey {
        role: &'static SignerRole,
        key: String,
        program: String,
        home: String,
    },
    #[error("{} {key:?} is {why}, so it cannot sign; choose another key", role.key)]
    UnusableKey {
        role: &'static SignerRole,
        key: String,
        why: String,
    },
    #[error("{} {key:?} matches {count} secret keys ({fingerprints}); give the fingerprint of the one to sign with", role.key)]
    Ambiguous {
        role: &'static SignerRole,
        key: String,
        count: usize,
        fingerprints: String,
    },
    #[error("{program} could not ask for the passphrase of {key:?}: no terminal and no graphical pinentry. Unlock the key in gpg-agent first (sign anything once in a terminal), or run herald in a terminal. gpg said: {said}")]
    Passphrase {
        key: String,
        program: String,
        said: String,
    },
    #[error("{program} did not finish signing within {seconds} s ({}); nothing was sent", role.timeout)]
    TimedOut {
        role: &'static SignerRole,
        program: String,
        seconds: u64,
    },
    #[error("{program} failed to sign with {key:?}: {said}")]
    Failed {
        program: String,
        key: String,
        said: String,
    },
}

/// A configured signer.
pub struct Signer {
    program: String,
    key: String,
    mode: SigningMode,
    timeout: Duration,
    role: &'static SignerRole,
}

/// What a gpg run produced.
struct Run {
    stdout: Vec<u8>,
    /// `[GNUPG:]` status lines, without the prefix.
    status: Vec<String>,
    /// Everything else gpg said on standard error.
    said: String,
    success: bool,
}

impl Signer {
    /// A signer for `[signing]`.
    pub fn new(config: &SigningConfig) -> Signer {
        Signer {
            program: config.program.clone(),
            key: config.key.to_string(),
            mode: config.mode,
            timeout: Duration::from_secs(config.timeout_seconds.get()),
            role: &SignerRole::SIGNING,
        }
    }

    /// A signer for an approver's own key (`herald approve --gpg-key SPEC`), run as
    /// `program`, each run bounded by `timeout`.
    pub fn for_approval(program: &str, key: &str, timeout: Duration) -> Signer {
        Signer {
            program: program.to_string(),
            key: key.to_string(),
            mode: SigningMode::PgpMime,
            timeout,
            role: &SignerRole::APPROVAL,
        }
    }

    /// A detached, armored signature of `bytes` by the key, with no comment or
    /// version header (a `comment` in gpg.conf would otherwise go into a file meant
    /// to be committed), and the fingerprint of the key's primary key.
    pub fn detach_sign_plain(&self, bytes: &[u8]) -> Result<(String, String), SignError> {
        let keys = self.check_key()?;
        let run = self.signing_run(
            &[
                "--no-comments",
                "--no-emit-version",
                "--armor",
                "--detach-sign",
            ],
            bytes,
        )?;
        self.one_signature(&run, &keys)?;
        let armored = armored(&run.stdout, "-----BEGIN PGP SIGNATURE-----")
            .ok_or_else(|| self.failed("its output holds no armored signature"))?;
        // The listing names the primary key first, then its subkeys.
        let primary = keys.first().cloned().unwrap_or_default();
        Ok((armored, primary))
    }

    /// The signing form, for reports.
    pub fn mode(&self) -> SigningMode {
        self.mode
    }

    /// Composes `rendered` as [`crate::render::compose`] does, signed.
    pub fn sign(
        &self,
        rendered: &RenderedMessage,
        addressing: &Addressing,
        date: SystemTime,
        resend: usize,
    ) -> Result<ComposedEmail, crate::deliver::DeliverError> {
        let keys = self.check_key()?;
        let email = match self.mode {
            SigningMode::PgpMime => {
                let signed_part = match addressing.parts {
                    Parts::TextAndHtml => signable_alternative(rendered),
                    // Quoted-printable, as the alternative's parts: 7-bit safe, and
                    // trailing white space survives relays.
                    Parts::Text => text_part(ContentType::TEXT_PLAIN, &rendered.text, true),
                };
                let bytes = signed_part.formatted();
                // The signed entity ends before the CRLF that belongs to the next
                // boundary delimiter (RFC 3156 §5, RFC 2046 §5.1.1).
                let entity = bytes.strip_suffix(b"\r\n").unwrap_or(&bytes);
                let (signature, micalg) = self.detach_sign(entity, &keys)?;
                let signature_part = SinglePart::builder()
                    .header(
                        ContentType::parse("application/pgp-signature; name=\"signature.asc\"")
                            .expect("a valid content type"),
                    )
                    .body(signature);
                compose_with(rendered, addressing, date, resend, |builder| {
                    builder.multipart(
                        MultiPart::signed("application/pgp-signature".to_string(), micalg)
                            .singlepart(signed_part)
                            .singlepart(signature_part),
                    )
                })?
            }
            SigningMode::Inline => {
                let clear = self.clearsign(&rendered.text, &keys)?;
                compose_with(rendered, addressing, date, resend, |builder| {
                    builder.singlepart(text_part(ContentType::TEXT_PLAIN, &clear, false))
                })?
            }
        };
        Ok(email)
    }

    /// Refuses a key gpg does not have, or one that cannot sign, by name.
    /// Returns the fingerprints of the key and its subkeys, any of which may sign.
    fn check_key(&self) -> Result<Vec<String>, SignError> {
        let run = self.run(
            &["--with-colons", "--list-secret-keys", "--", &self.key],
            b"",
        )?;
        let listing = String::from_utf8_lossy(&run.stdout).into_owned();
        let Some(primary) = listing.lines().find(|l| l.starts_with("sec:")) else {
            if !run.success && !run.said.contains("No secret key") {
                return Err(self.failed(run.said.trim()));
            }
            return Err(SignError::UnknownKey {
                role: self.role,
                key: self.key.clone(),
                program: self.program.clone(),
                home: std::env::var("GNUPGHOME").unwrap_or_else(|_| "~/.gnupg".to_string()),
            });
        };
        let keys = listing.lines().filter(|l| l.starts_with("sec:")).count();
        let fingerprint = |l: &str| {
            l.strip_prefix("fpr:")
                .and_then(|r| r.split(':').nth(8))
                .map(str::to_string)
        };
        let fingerprints: Vec<String> = listing.lines().filter_map(fingerprint).collect();
        if keys > 1 {
            let lines: Vec<&str> = listing.lines().collect();
            let primaries: Vec<String> = lines
                .windows(2)
                .filter(|pair| pair[0].starts_with("sec:"))
                .filter_map(|pair| fingerprint(pair[1]))
                .collect();
            return Err(SignError::Ambiguous {
                role: self.role,
                key: self.key.clone(),
                count: keys,
                fingerprints: primaries.join(", "),
            });
        }
        let fields: Vec<&str> = primary.split(':').collect();
        let validity = fields.get(1).copied().unwrap_or_default();
        let capabilities = fields.get(11).copied().unwrap_or_default();
        let why = match validity {
            "e" => Some("expired".to_string()),
            "r" => Some("revoked".to_string()),
            "d" => Some("disabled".to_string()),
            _ if !capabilities.contains('S') => Some(format!(
                "not able to sign (its usable capabilities are {capabilities:?}: no S)"
            )),
            _ => None,
        };
        match why {
            Some(why) => Err(SignError::UnusableKey {
                role: self.role,
                key: self.key.clone(),
                why,
            }),
            None => Ok(fingerprints),
        }
    }

    /// A detached, armored signature of `bytes`, and the `micalg` of its hash.
    fn detach_sign(&self, bytes: &[u8], keys: &[String]) -> Result<(String, String), SignError> {
        let run = self.signing_run(&["--armor", "--detach-sign"], bytes)?;
        let micalg = self.one_signature(&run, keys)?;
        let armored = armored(&run.stdout, "-----BEGIN PGP SIGNATURE-----")
            .ok_or_else(|| self.failed("its output holds no armored signature"))?;
        self.nothing_added(&armored)?;
        Ok((armored, micalg))
    }

    /// `text` with a cleartext signature around it.
    fn clearsign(&self, text: &str, keys: &[String]) -> Result<String, SignError> {
        let run = self.signing_run(&["--clearsign"], text.as_bytes())?;
        self.one_signature(&run, keys)?;
        let armored = armored(&run.stdout, "-----BEGIN PGP SIGNED MESSAGE-----")
            .ok_or_else(|| self.failed("its output holds no cleartext-signed message"))?;
        self.nothing_added(&armored)?;
        Ok(armored)
    }

    /// Refuses a signature that says more than that the key signed: an armor header
    /// line (a `comment` in gpg.conf, or a wrapper's) other than a cleartext
    /// signature's `Hash:`, or a notation, policy URL or preferred keyserver in the
    /// signature itself (`sig-notation`, `sig-policy-url`, `sig-keyserver-url` in
    /// gpg.conf, which no command-line option turns off). A reader's client shows
    /// them, and the embargo guard read the message before it was signed.
    fn nothing_added(&self, armored: &str) -> Result<(), SignError> {
        let mut lines = armored.lines();
        while let Some(line) = lines.next() {
            let allowed: &[&str] = match line.trim_end() {
                "-----BEGIN PGP SIGNED MESSAGE-----" => &["Hash"],
                "-----BEGIN PGP SIGNATURE-----" => &[],
                _ => continue,
            };
            for header in lines.by_ref().take_while(|l| !l.trim().is_empty()) {
                let key = header.split(':').next().unwrap_or_default().trim();
                if !allowed.contains(&key) {
                    return Err(self.failed(&format!(
                        "its armor has the header line {:?}; herald sends no armor header it did not ask for (a `comment` in gpg.conf?)",
                        crate::controls::escaped(header)
                    )));
                }
            }
        }
        let signature = armored
            .find("-----BEGIN PGP SIGNATURE-----")
            .map_or(armored, |at| &armored[at..]);
        let run = self.run(&["--list-packets"], signature.as_bytes())?;
        let listing = String::from_utf8_lossy(&run.stdout);
        for (subpacket, what, option) in [
            ("subpkt 20 ", "a notation", "sig-notation"),
            ("subpkt 26 ", "a policy URL", "sig-policy-url"),
            ("subpkt 24 ", "a preferred keyserver", "sig-keyserver-url"),
        ] {
            if listing.contains(subpacket) {
                return Err(self.failed(&format!(
                    "its signature carries {what}, which every verifier shows the reader; remove `{option}` (or `set-notation`, `set-policy-url`) from gpg.conf"
                )));
            }
        }
        Ok(())
    }

    /// The `micalg` of the one signature gpg reports having made, by one of `keys`, with
    /// a collision-resistant hash; anything else is refused.
    fn one_signature(&self, run: &Run, keys: &[String]) -> Result<String, SignError> {
        let created: Vec<Vec<&str>> = run
            .status
            .iter()
            .map(|line| line.split_whitespace().collect::<Vec<&str>>())
            .filter(|fields| fields.first() == Some(&"SIG_CREATED"))
            .collect();
        let [signature] = created.as_slice() else {
            return Err(self.failed(&format!(
                "it made {} signatures where one was asked for (is a local-user or default-key set in gpg.conf?); RFC 3156 names one hash per message",
                created.len()
            )));
        };
        let fingerprint = signature.get(6).copied().unwrap_or_default();
        if !keys.iter().any(|k| k.eq_ignore_ascii_case(fingerprint)) {
            return Err(self.failed(&format!(
                "it signed with {fingerprint}, which is not the configured key or one of its subkeys"
            )));
        }
        let hash = signature.get(3).copied().unwrap_or_default();
        match micalg(hash) {
            Some(micalg) if !matches!(hash, "1" | "2" | "3") => Ok(micalg),
            Some(micalg) => Err(self.failed(&format!(
                "it used {micalg}, a hash OpenPGP implementations such as Sequoia refuse; set personal-digest-preferences SHA256 in gpg.conf"
            ))),
            None => Err(self.failed(&format!("it used an unknown hash algorithm ({hash})"))),
        }
    }

    /// Runs gpg to sign, and turns its failures into errors that say what to do.
    ///
    /// gpg.conf may not add an armor `Comment:` or `Version:` line: the command line
    /// turns both off.
    fn signing_run(&self, args: &[&str], input: &[u8]) -> Result<Run, SignError> {
        let mut all = vec![
            "--no-comments",
            "--no-emit-version",
            "--local-user",
            self.key.as_str(),
        ];
        all.extend_from_slice(args);
        let run = self.run(&all, input)?;
        if run.success && run.status.iter().any(|l| l.starts_with("SIG_CREATED")) {
            return Ok(run);
        }
        let pinentry = run
            .status
            .iter()
            .any(|l| l.starts_with("PINENTRY_LAUNCHED"))
            || run.said.contains("Inappropriate ioctl")
            || run.said.contains("No pinentry")
            || run
                .status
                .iter()
                .any(|l| l.starts_with("MISSING_PASSPHRASE"));
        if pinentry {
            return Err(SignError::Passphrase {
                key: self.key.clone(),
                program: self.program.clone(),
                said: run.said.trim().to_string(),
            });
        }
        let said = run.said.trim();
        Err(self.failed(if said.is_empty() {
            match run.success {
                true => "it exited 0 but reported no signature",
                false => "it failed and said nothing",
            }
        } else {
            said
        }))
    }

    fn failed(&self, said: &str) -> SignError {
        SignError::Failed {
            program: self.program.clone(),
            key: self.key.clone(),
            said: said.to_string(),
        }
    }

    /// Runs `program --batch --status-fd 2 ARGS` with `input` on standard input, under
    /// the timeout.
    fn run(&self, args: &[&str], input: &[u8]) -> Result<Run, SignError> {
        let mut command = Command::new(&self.program);
        command.args(["--batch", "--status-fd", "2"]).args(args);
        let finished =
            crate::subprocess::run(command, input, self.timeout).map_err(
                |failure| match failure {
                    RunFailure::Spawn(source) => SignError::Missing {
                        role: self.role,
                        program: self.program.clone(),
                        source,
                    },
                    RunFailure::TimedOut => SignError::TimedOut {
                        role: self.role,
                        program: self.program.clone(),
                        seconds: self.timeout.as_secs(),
                    },
                },
            )?;
        let stderr = String::from_utf8_lossy(&finished.stderr).into_owned();
        let (status_lines, said): (Vec<&str>, Vec<&str>) =
            stderr.lines().partition(|l| l.starts_with("[GNUPG:] "));
        Ok(Run {
            stdout: finished.stdout,
            status: status_lines
                .iter()
                .map(|l| l.trim_start_matches("[GNUPG:] ").to_string())
                .collect(),
            said: said.join("\n"),
            success: finished.success,
        })
    }
}

/// The multipart/alternative of `rendered` as the first part of a signed message,
/// with one more CRLF after its closing delimiter, so that readers that keep that
/// CRLF with the part (Python's email package) extract the bytes that were signed.
fn signable_alternative(rendered: &RenderedMessage) -> SinglePart {
    let inner = alternative(rendered, true);
    let formatted = inner.formatted();
    let body_at = formatted
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |i| i + 4);
    SinglePart::builder()
        .header(
            ContentType::parse(&format!(
                "multipart/alternative; boundary=\"{}\"",
                inner.boundary()
            ))
            .expect("a valid content type"),
        )
        .body(Body::dangerous_pre_encoded(
            formatted[body_at..].to_vec(),
            ContentTransferEncoding::SevenBit,
        ))
}

/// The armored block of `output` that begins with `begin` and ends with the end of its
/// signature: whatever else a wrapper printed around it is left out.
fn armored(output: &[u8], begin: &str) -> Option<String> {
    const END: &str = "-----END PGP SIGNATURE-----";
    let text = String::from_utf8_lossy(output);
    let start = text.find(begin)?;
    let end = start + text[start..].find(END)? + END.len();
    Some(format!("{}\n", &text[start..end]))
}

/// The `micalg` parameter of an OpenPGP hash algorithm id (RFC 4880 §9.4, RFC 3156 §5).
fn micalg(id: &str) -> Option<String> {
    let name = match id {
        "1" => "md5",
        "2" => "sha1",
        "3" => "ripemd160",
        "8" => "sha256",
        "9" => "sha384",
        "10" => "sha512",
        "11" => "sha224",
        _ => return None,
    };
    Some(format!("pgp-{name}"))
}
