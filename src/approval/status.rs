//! Every approval of a message judged against the content about to be sent, and
//! counted: each listed approver once, only valid approvals over this content.

use serde::Serialize;

use super::error::ApprovalError;
use super::file::{ApprovalFile, Method};
use super::openpgp::{self, Keyring};
use super::settings::{ApprovalSettings, Approver, ApproverKey};
use super::ssh::{self, Signers};
use super::statement::Statement;
use crate::model::MessageKind;

/// What an approval is worth now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A listed approver's good signature over this content: it counts.
    Valid,
    /// Valid, but its approver already counted through another file.
    Duplicate,
    /// A good signature over other content of this message: void since the change.
    ContentChanged,
    /// A good signature over a message of another release.
    OtherRelease,
    /// Signed by a key no approver lists.
    Unlisted,
    /// The key, or the signature itself, has expired.
    Expired,
    /// The key has been revoked.
    Revoked,
    /// The signature does not verify, is not one signature, or uses a broken hash.
    BadSignature,
    /// Signed by the `[signing]` key, which does not approve its own send.
    SigningKey,
}

impl Verdict {
    /// The word for people, upper case when it does not count.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Duplicate => "DUPLICATE",
            Verdict::ContentChanged => "VOID since the last change",
            Verdict::OtherRelease => "VOID: another release",
            Verdict::Unlisted => "NOT AN APPROVER",
            Verdict::Expired => "EXPIRED",
            Verdict::Revoked => "REVOKED",
            Verdict::BadSignature => "BAD SIGNATURE",
            Verdict::SigningKey => "SIGNING KEY",
        }
    }
}

/// One approval file, judged.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalRecord {
    /// The approval file.
    pub file: String,
    /// The listed approver who signed, when the key is a listed one.
    pub approver: Option<String>,
    /// The key that signed: `OpenPGP FINGERPRINT` or `SSH SHA256:…`, when known.
    pub key: Option<String>,
    /// `openpgp` or `ssh`.
    pub method: Method,
    /// The content hash the approval is over.
    pub content_hash: String,
    /// When it was signed (RFC 3339), when the signature says (OpenPGP).
    pub signed_at: Option<String>,
    pub verdict: Verdict,
    /// The verdict in a word or two, as `plan` and the page show it.
    pub verdict_words: &'static str,
    /// Whether it counts toward `required`.
    pub counts: bool,
    /// The verdict in a sentence.
    pub reason: String,
    /// The statement signed, for the journal.
    #[serde(skip)]
    pub statement: String,
    /// The armored signature, for the journal.
    #[serde(skip)]
    pub signature: String,
}

/// The approvals of one message.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalStatus {
    pub kind: MessageKind,
    /// Distinct approvers needed.
    pub required: usize,
    /// The content hash of the message as it stands: what an approval must be over.
    pub content_hash: String,
    /// Distinct listed approvers with a valid approval over that content.
    pub approved: usize,
    /// Whether `approved` reaches `required`.
    pub satisfied: bool,
    /// Every approval file of this kind, in the order of their names.
    pub approvals: Vec<ApprovalRecord>,
}

impl ApprovalStatus {
    /// The approvals that count.
    pub fn counted(&self) -> impl Iterator<Item = &ApprovalRecord> {
        self.approvals.iter().filter(|a| a.counts)
    }
}

/// Judges approvals with the real tools, against the listed approvers.
pub struct Verifier<'a> {
    settings: &'a ApprovalSettings,
    keyring: Option<Keyring>,
    signers: Option<Signers>,
    /// The primary key fingerprint of the `[signing]` key, if the send is signed.
    signing: Option<String>,
}

/// Who signed, as far as the tools could tell, and what is wrong if anything.
struct Signed {
    approver: Option<usize>,
    key: Option<String>,
    signed_at: Option<i64>,
    problem: Option<(Verdict, String)>,
}

impl<'a> Verifier<'a> {
    /// A verifier for the approvers of `settings`: the isolated keyring of the
    /// OpenPGP approvers is built now, so a missing gpg or key is found at once.
    /// `signing` is the primary fingerprint of the `[signing]` key, if any.
    pub fn new(
        settings: &'a ApprovalSettings,
        signing: Option<String>,
    ) -> Result<Verifier<'a>, ApprovalError> {
        Ok(Verifier {
            settings,
            keyring: Keyring::build(settings)?,
            signers: Signers::build(settings)?,
            signing,
        })
    }

    /// The approvals among `files` of the message `expected` describes, judged and
    /// counted.
    pub fn status(
        &self,
        files: &[ApprovalFile],
        expected: &Statement,
    ) -> Result<ApprovalStatus, ApprovalError> {
        let mut approvals = Vec::new();
        let mut counted: Vec<(usize, String)> = Vec::new();
        for file in files.iter().filter(|f| f.statement.kind == expected.kind) {
            let (mut record, approver) = self.judge(file, expected)?;
            if let (Verdict::Valid, Some(index)) = (record.verdict, approver) {
                match counted.iter().find(|(i, _)| *i == index) {
                    Some((_, first)) => {
                        record.verdict = Verdict::Duplicate;
                        record.counts = false;
                        record.reason = format!(
                            "{} already approved this content in {first}; each approver counts once",
                            self.name(index)
                        );
                    }
                    None => counted.push((index, record.file.clone())),
                }
            }
            approvals.push(record);
        }
        let required = self.settings.required();
        Ok(ApprovalStatus {
            kind: expected.kind,
            required,
            content_hash: expected.content_hash.clone(),
            approved: counted.len(),
            satisfied: counted.len() >= required,
            approvals,
        })
    }

    /// One approval file's verdict, and the index of its listed approver if known.
    pub fn judge(
        &self,
        file: &ApprovalFile,
        expected: &Statement,
    ) -> Result<(ApprovalRecord, Option<usize>), ApprovalError> {
        let recorded = &file.statement;
        let text = recorded.text();
        let signed = match file.method {
            Method::OpenPgp => self.openpgp(&file.signature, &text)?,
            Method::Ssh => self.ssh(&file.signature, &text)?,
        };
        let who = signed.approver.map(|i| self.name(i));
        let short = |hash: &str| hash.chars().take(12).collect::<String>();
        let (verdict, reason) = match signed.problem {
            Some(problem) => problem,
            None if signed.key.is_some() && self.is_signing_key(signed.key.as_deref()) => (
                Verdict::SigningKey,
                "signed by the [signing] key, which signs the send and so does not approve it; another approver must sign".to_string(),
            ),
            None if !recorded.same_release(expected) => (
                Verdict::OtherRelease,
                format!(
                    "it approves the {} of {} {}, not of this release",
                    recorded.kind,
                    recorded.project,
                    recorded.versions.join(", ")
                ),
            ),
            None if recorded.content_hash != expected.content_hash => (
                Verdict::ContentChanged,
                format!(
                    "it approved content {}, and the {} has changed since (now {}); the approver must approve again",
                    short(&recorded.content_hash),
                    expected.kind,
                    short(&expected.content_hash)
                ),
            ),
            None => (
                Verdict::Valid,
                format!("approves this content ({})", short(&expected.content_hash)),
            ),
        };
        // The folder and the name: where it stands beside the release file.
        let shown: Vec<String> = file
            .path
            .iter()
            .rev()
            .take(2)
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        let record = ApprovalRecord {
            file: shown.into_iter().rev().collect::<Vec<_>>().join("/"),
            approver: who,
            key: signed.key,
            method: file.method,
            content_hash: recorded.content_hash.clone(),
            signed_at: signed
                .signed_at
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            counts: verdict == Verdict::Valid,
            verdict_words: verdict.word(),
            verdict,
            reason,
            statement: text,
            signature: file.signature.clone(),
        };
        Ok((record, signed.approver))
    }

    fn is_signing_key(&self, key: Option<&str>) -> bool {
        match (&self.signing, key) {
            (Some(signing), Some(key)) => key == format!("OpenPGP {signing}"),
            _ => false,
        }
    }

    fn openpgp(&self, signature: &str, statement: &str) -> Result<Signed, ApprovalError> {
        let Some(keyring) = &self.keyring else {
            return Ok(Signed {
                approver: None,
                key: None,
                signed_at: None,
                problem: Some((
                    Verdict::Unlisted,
                    "an OpenPGP signature, and no OpenPGP approver is listed".to_string(),
                )),
            });
        };
        let checked = keyring.verify(signature, statement.as_bytes())?;
        let approver = checked.primary.as_deref().and_then(|p| {
            self.position(|k| matches!(k, ApproverKey::OpenPgp { fingerprint } if fingerprint == p))
        });
        let key = checked.primary.as_ref().map(|p| format!("OpenPGP {p}"));
        use openpgp::Problem;
        let problem = match checked.problem {
            None if approver.is_none() => Some((
                Verdict::Unlisted,
                "signed by a key that no approver lists".to_string(),
            )),
            None => None,
            Some(Problem::SignatureExpired) => {
                Some((Verdict::Expired, "the signature has expired".to_string()))
            }
            Some(Problem::KeyExpired) => Some((
                Verdict::Expired,
                "the key has expired; an approval counts only while its key is valid".to_string(),
            )),
            Some(Problem::KeyRevoked) => Some((
                Verdict::Revoked,
                "the key has been revoked (as openpgp_keys records)".to_string(),
            )),
            Some(Problem::Bad) => Some((
                Verdict::BadSignature,
                "the signature does not match the statement in the file".to_string(),
            )),
            Some(Problem::UnknownKey(id)) => {
                return Ok(Signed {
                    approver: None,
                    key: (!id.is_empty()).then(|| format!("OpenPGP {id}")),
                    signed_at: checked.signed_at,
                    problem: Some((
                        Verdict::Unlisted,
                        "signed by a key that no approver lists".to_string(),
                    )),
                })
            }
            Some(Problem::NotOne(n)) => Some((
                Verdict::BadSignature,
                format!(
                    "the file holds {} where an approval holds exactly one",
                    crate::english::count(n, "signature", "signatures")
                ),
            )),
            Some(Problem::WeakHash(hash)) => Some((
                Verdict::BadSignature,
                format!("the signature uses {hash}, a broken hash; approve again with SHA-256"),
            )),
        };
        Ok(Signed {
            approver,
            key,
            signed_at: checked.signed_at,
            problem,
        })
    }

    fn ssh(&self, signature: &str, statement: &str) -> Result<Signed, ApprovalError> {
        let unlisted = |key: Option<String>, why: &str| Signed {
            approver: None,
            key,
            signed_at: None,
            problem: Some((Verdict::Unlisted, why.to_string())),
        };
        let Some(signers) = &self.signers else {
            return Ok(unlisted(
                None,
                "an SSH signature, and no SSH approver is listed",
            ));
        };
        let (fingerprint, problem) = match signers.verify(signature, statement.as_bytes())? {
            ssh::Outcome::Good { fingerprint } => (fingerprint, None),
            ssh::Outcome::Unlisted { fingerprint } => {
                return Ok(unlisted(
                    fingerprint.map(|f| format!("SSH {f}")),
                    "signed by a key that no approver lists",
                ))
            }
            ssh::Outcome::Revoked { fingerprint } => (
                fingerprint,
                Some((
                    Verdict::Revoked,
                    "the key is in [approval] ssh_revoked_keys".to_string(),
                )),
            ),
            ssh::Outcome::Bad { fingerprint, said } => (
                fingerprint,
                Some((
                    Verdict::BadSignature,
                    format!("the signature does not verify over the statement in the file: {said}"),
                )),
            ),
        };
        let approver =
            self.position(|k| matches!(k, ApproverKey::Ssh(key) if key.fingerprint == fingerprint));
        Ok(Signed {
            approver,
            key: Some(format!("SSH {fingerprint}")),
            signed_at: None,
            problem,
        })
    }

    /// The name of approver `index` for people: the entry's name, or for a bare
    /// fingerprint its key's user ID with the fingerprint.
    fn name(&self, index: usize) -> String {
        let approver = &self.settings.approvers()[index];
        let user_id = match approver.keys.as_slice() {
            [ApproverKey::OpenPgp { fingerprint }] if *fingerprint == approver.name => {
                self.keyring.as_ref().and_then(|k| k.user_id(fingerprint))
            }
            _ => None,
        };
        match user_id {
            Some(uid) => crate::controls::escaped(uid).into_owned(),
            None => approver.name.clone(),
        }
    }

    /// The index of the approver one of whose keys `matches`.
    fn position(&self, matches: impl Fn(&ApproverKey) -> bool) -> Option<usize> {
        self.settings
            .approvers()
            .iter()
            .position(|a: &Approver| a.keys.iter().any(&matches))
    }
}
