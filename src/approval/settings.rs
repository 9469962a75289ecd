//! The `[approval]` table of herald.toml: who may approve, how many must, and which
//! messages need it. Every entry is checked where it stands in the file.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::load::{invalid, LoadError};
use crate::model::MessageKind;
use crate::source::{Location, SourceFile};

/// The `[approval]` table, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSettings {
    /// Distinct approvers whose valid approvals a message needs.
    required: Spanned<i64>,
    /// Each an OpenPGP fingerprint, an SSH public key line, or a named person with
    /// several keys.
    approvers: Spanned<Vec<Spanned<ApproverEntry>>>,
    /// The messages that need approval; both when not given.
    #[serde(default)]
    kinds: Option<Spanned<Vec<MessageKind>>>,
    /// The OpenPGP public keys of the approvers listed by fingerprint: a file of
    /// exported keys committed beside herald.toml, relative to it.
    #[serde(default)]
    openpgp_keys: Option<Spanned<PathBuf>>,
    /// SSH keys whose approvals no longer count: a KRL or public keys one per line,
    /// relative to herald.toml (`ssh-keygen -Y verify -r`).
    #[serde(default)]
    ssh_revoked_keys: Option<Spanned<PathBuf>>,
    /// The OpenPGP program that verifies approvals and signs them (`approve --gpg-key`).
    #[serde(default = "default_gpg")]
    pub gpg_program: String,
    /// The OpenSSH program that verifies approvals and signs them (`approve --ssh-key`).
    #[serde(default = "default_ssh_keygen")]
    pub ssh_program: String,
    /// Seconds each run of those programs may take, a passphrase prompt included.
    #[serde(default = "default_timeout")]
    timeout_seconds: Spanned<i64>,
    /// The approvers, read from `approvers` by [`ApprovalSettings::resolve`].
    #[serde(skip)]
    people: Vec<Approver>,
    /// The directory of herald.toml, which relative paths start from.
    #[serde(skip)]
    base: PathBuf,
}

fn default_gpg() -> String {
    "gpg".to_string()
}

fn default_ssh_keygen() -> String {
    "ssh-keygen".to_string()
}

fn default_timeout() -> Spanned<i64> {
    Spanned::new(0..0, 120)
}

/// One entry of `approvers` as written: a key, or `{ name = "…", keys = [...] }`.
#[derive(Debug, Clone)]
enum ApproverEntry {
    Key(String),
    Named {
        name: Spanned<String>,
        keys: Vec<Spanned<String>>,
    },
}

impl<'de> Deserialize<'de> for ApproverEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> Visitor<'de> for Entry {
            type Value = ApproverEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an OpenPGP fingerprint (40 hex digits), an SSH public key line, or a table { name = \"…\", keys = [\"…\"] }")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<ApproverEntry, E> {
                Ok(ApproverEntry::Key(value.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ApproverEntry, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Named {
                    name: Spanned<String>,
                    keys: Vec<Spanned<String>>,
                }
                let named = Named::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(ApproverEntry::Named {
                    name: named.name,
                    keys: named.keys,
                })
            }
        }
        deserializer.deserialize_any(Entry)
    }
}

/// A person who may approve: one entry of `approvers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    /// The entry's `name`, or its key as people know it: the fingerprint, or the
    /// SSH key's comment.
    pub name: String,
    pub keys: Vec<ApproverKey>,
    /// Where the entry stands in herald.toml.
    pub location: Location,
}

/// A key an approver signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproverKey {
    /// An OpenPGP primary key, by its fingerprint in upper-case hex.
    OpenPgp {
        fingerprint: String,
    },
    Ssh(SshKey),
}

impl ApproverKey {
    /// The key for people: `OpenPGP 6EE3…` or `SSH SHA256:…`.
    pub fn describe(&self) -> String {
        match self {
            ApproverKey::OpenPgp { fingerprint } => format!("OpenPGP {fingerprint}"),
            ApproverKey::Ssh(key) => format!("SSH {}", key.fingerprint),
        }
    }
}

/// An SSH public key from an `approvers` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKey {
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, …
    pub key_type: String,
    /// The key blob in base64, as written.
    pub base64: String,
    /// The comment after the key, if any: free text.
    pub comment: Option<String>,
    /// `SHA256:` and the unpadded base64 of the blob's SHA-256, as `ssh-keygen -l`
    /// prints it: the key's name in allowed-signers files and reports.
    pub fingerprint: String,
}

/// The SSH key types an approval may be signed with (ssh-keygen -Y sign): plain
/// keys and security keys; certificates are not approvers.
const SSH_KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

impl ApprovalSettings {
    /// Checks the table against the text it was read from (`source`, the file at
    /// `path`), and reads the approvers. Each mistake is an error at its place.
    pub fn resolve(&mut self, source: &SourceFile, path: &Path) -> Result<(), LoadError> {
        let error = |span: std::ops::Range<usize>, message: &str| {
            invalid(source, "approval", span, message)
        };
        let mut people = Vec::new();
        let mut seen: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        for entry in self.approvers.get_ref() {
            let (name, keys) = match entry.get_ref() {
                ApproverEntry::Key(text) => {
                    let key = parse_key(text).map_err(|why| error(entry.span(), &why))?;
                    let name = match &key {
                        ApproverKey::OpenPgp { fingerprint } => fingerprint.clone(),
                        ApproverKey::Ssh(ssh) => ssh
                            .comment
                            .clone()
                            .unwrap_or_else(|| ssh.fingerprint.clone()),
                    };
                    (name, vec![(key, entry.span())])
                }
                ApproverEntry::Named { name, keys } => {
                    if name.get_ref().trim().is_empty() {
                        return Err(error(name.span(), "an approver's name may not be empty"));
                    }
                    if keys.is_empty() {
                        return Err(error(
                            entry.span(),
                            "this approver lists no keys: give keys = [\"FINGERPRINT\" or \"ssh-ed25519 AAAA…\"]",
                        ));
                    }
                    let parsed = keys
                        .iter()
                        .map(|k| {
                            parse_key(k.get_ref())
                                .map(|key| (key, k.span()))
                                .map_err(|why| error(k.span(), &why))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    (name.get_ref().trim().to_string(), parsed)
                }
            };
            for (key, span) in &keys {
                let id = key.describe();
                if let Some((_, first)) = seen.iter().find(|(other, _)| *other == id) {
                    let at = source.span_location(first);
                    return Err(error(
                        span.clone(),
                        &format!("{id} is listed twice (first at line {}); each key may belong to one approver once", at.line),
                    ));
                }
                seen.push((id, span.clone()));
            }
            if people.iter().any(|p: &Approver| p.name == name) {
                return Err(error(
                    entry.span(),
                    &format!("two approvers are called {name:?}; give each person one entry, with all their keys in keys = [...]"),
                ));
            }
            people.push(Approver {
                name,
                keys: keys.into_iter().map(|(key, _)| key).collect(),
                location: source.span_location(&entry.span()),
            });
        }
        let required = *self.required.get_ref();
        if required < 1 {
            return Err(error(
                self.required.span(),
                &format!("required = {required}: a message needs at least 1 approval; to need none, remove the [approval] table"),
            ));
        }
        if required as u64 > people.len() as u64 {
            return Err(error(
                self.required.span(),
                &format!(
                    "required = {required}, but {} listed in approvers; no message could ever be approved",
                    crate::english::count(people.len(), "approver is", "approvers are")
                ),
            ));
        }
        if let Some(kinds) = &self.kinds {
            if kinds.get_ref().is_empty() {
                return Err(error(
                    kinds.span(),
                    "kinds is empty, so no message would need approval; list \"pre-announcement\" and/or \"announcement\", or remove the [approval] table",
                ));
            }
        }
        let timeout = *self.timeout_seconds.get_ref();
        if !(1..=3600).contains(&timeout) {
            return Err(error(
                self.timeout_seconds.span(),
                &format!("expected a whole number from 1 to 3600, found {timeout}"),
            ));
        }
        let has_openpgp = people
            .iter()
            .flat_map(|p| &p.keys)
            .any(|k| matches!(k, ApproverKey::OpenPgp { .. }));
        if has_openpgp && self.openpgp_keys.is_none() {
            return Err(error(
                self.approvers.span(),
                "OpenPGP approvers are listed by fingerprint, so [approval] needs openpgp_keys = \"FILE\": their public keys, exported with `gpg --export --armor FINGERPRINT... > FILE` and committed beside herald.toml",
            ));
        }
        self.people = people;
        self.base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        Ok(())
    }

    /// The approvers, in the order listed.
    pub fn approvers(&self) -> &[Approver] {
        &self.people
    }

    /// How many distinct approvers a message needs.
    pub fn required(&self) -> usize {
        usize::try_from(*self.required.get_ref()).unwrap_or(usize::MAX)
    }

    /// Whether a message of `kind` needs approval.
    pub fn applies_to(&self, kind: MessageKind) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|kinds| kinds.get_ref().contains(&kind))
    }

    /// The file of the OpenPGP approvers' public keys, resolved against herald.toml.
    pub fn openpgp_keys(&self) -> Option<PathBuf> {
        self.openpgp_keys
            .as_ref()
            .map(|p| self.base.join(p.get_ref()))
    }

    /// The file of revoked SSH keys, resolved against herald.toml.
    pub fn ssh_revoked_keys(&self) -> Option<PathBuf> {
        self.ssh_revoked_keys
            .as_ref()
            .map(|p| self.base.join(p.get_ref()))
    }

    /// How long each run of gpg or ssh-keygen may take.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::try_from(*self.timeout_seconds.get_ref()).unwrap_or(1))
    }
}

/// An `approvers` key: an OpenPGP fingerprint or an SSH public key line.
fn parse_key(text: &str) -> Result<ApproverKey, String> {
    let trimmed = text.trim();
    if let Some(fingerprint) = openpgp_fingerprint(trimmed) {
        return Ok(ApproverKey::OpenPgp { fingerprint });
    }
    let mut fields = trimmed.split_whitespace();
    let key_type = fields.next().unwrap_or_default();
    if !SSH_KEY_TYPES.contains(&key_type) {
        let hex_digits = trimmed.chars().filter(char::is_ascii_hexdigit).count();
        let looks_hex = trimmed
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ' ' || c == 'x');
        return Err(if looks_hex && !trimmed.is_empty() {
            format!("{hex_digits} hex digits: an OpenPGP approver is the full fingerprint of the primary key, 40 hex digits (gpg --fingerprint); a key id is too short to trust")
        } else {
            format!(
                "expected an OpenPGP fingerprint (40 hex digits) or an SSH public key line (\"ssh-ed25519 AAAA… comment\", as in ~/.ssh/id_ed25519.pub); the key types are {}",
                SSH_KEY_TYPES.join(", ")
            )
        });
    }
    let encoded = fields.next().unwrap_or_default();
    let blob = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| format!("the {key_type} key is not valid base64 ({e}); copy the whole line of the .pub file"))?;
    // The blob starts with its own type, as a length-prefixed string (RFC 4253 §6.6).
    let named = blob
        .get(..4)
        .map(|len| u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize)
        .and_then(|len| blob.get(4..4 + len));
    if named != Some(key_type.as_bytes()) {
        return Err(format!(
            "the key after {key_type} is not a {key_type} public key; copy the whole line of the .pub file"
        ));
    }
    let comment: Vec<&str> = fields.collect();
    let digest = Sha256::digest(&blob);
    Ok(ApproverKey::Ssh(SshKey {
        key_type: key_type.to_string(),
        base64: encoded.to_string(),
        comment: (!comment.is_empty()).then(|| comment.join(" ")),
        fingerprint: format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
        ),
    }))
}

/// `text` as an OpenPGP v4 fingerprint in upper case: 40 hex digits, in one run or
/// in the groups `gpg --fingerprint` prints.
pub fn openpgp_fingerprint(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| *c != ' ').collect();
    (digits.len() == 40 && digits.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| digits.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPf9QIlu58wKyuz9u80cOjdvqqGp3a2IxBNuixC2vZ5V alice@example.org";

    #[test]
    fn keys_are_fingerprints_or_ssh_public_key_lines() {
        assert_eq!(
            parse_key("6ee3 614b bc30 195e dc99  820c fab6 d7e1 22dd 4997").unwrap(),
            ApproverKey::OpenPgp {
                fingerprint: "6EE3614BBC30195EDC99820CFAB6D7E122DD4997".to_string()
            }
        );
        let ApproverKey::Ssh(ssh) = parse_key(ED25519).unwrap() else {
            panic!("not ssh")
        };
        // What `ssh-keygen -lf` prints for this key.
        assert_eq!(
            ssh.fingerprint,
            "SHA256:pYxbwP6hu7lAkx2LoNT96dAqvmfsqB87WzndKfeooZg"
        );
        assert_eq!(ssh.comment.as_deref(), Some("alice@example.org"));
        for (bad, says) in [
            ("FAB6D7E122DD4997", "16 hex digits"),
            ("alice@example.org", "expected an OpenPGP fingerprint"),
            ("ssh-ed25519 !!!", "not valid base64"),
            (
                "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIPf9QIlu58wKyuz9u80cOjdvqqGp3a2IxBNuixC2vZ5V",
                "not a ssh-rsa public key",
            ),
            ("ssh-ed25519-cert-v01@openssh.com AAAA", "key types are"),
        ] {
            let err = parse_key(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
