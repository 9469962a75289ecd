//! `herald.toml`: where mail comes from, where it goes, and how to reach the SMTP server.
//!
//! The SMTP password is never read from this file: only from `HERALD_SMTP_PASSWORD`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::load::{invalid, parse_toml, read_source, LoadError};
use crate::model::MessageKind;
use crate::model::{Addressing, Parts};

mod archive;
mod secrets;

pub use archive::{ArchiveBase, ArchiveConfig, ImapUrl, ARCHIVE_PASSWORD_VARIABLE};
use secrets::{mask_secret_words, mask_value_at, refuse_secrets};

/// The name of the configuration file looked for beside the release file or in the
/// working directory.
pub const DEFAULT_CONFIG: &str = "herald.toml";

/// The environment variable that holds the SMTP password.
pub const PASSWORD_VARIABLE: &str = crate::secrets::SMTP_PASSWORD;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Template overrides for every command, relative to this file; `--templates`
    /// takes precedence.
    #[serde(default)]
    pub templates: Option<PathBuf>,
    /// Needed only to send.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    pub mail: MailConfig,
    /// Sign sent messages with the release manager's OpenPGP key.
    #[serde(default)]
    pub signing: Option<SigningConfig>,
    /// To, Cc and Bcc per message kind (`pre-announcement`, `announcement`), and the
    /// trusted addresses a `[TEST]` copy may go to (`test`).
    #[serde(default)]
    pub recipients: RecipientTables,
    /// Who must approve a message before it is sent, and how many (`[approval]`).
    #[serde(default)]
    pub approval: Option<crate::approval::ApprovalSettings>,
    /// Where the list's archive can be read: asked before every send, and watched
    /// after one with `send --wait` (see [`ArchiveConfig`]).
    #[serde(default)]
    pub archive: Option<ArchiveConfig>,
    /// The file it was read from; relative paths in it are resolved from its directory.
    #[serde(skip)]
    pub path: PathBuf,
}

/// The `[recipients.*]` tables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientTables {
    #[serde(default, rename = "pre-announcement")]
    pub pre_announcement: Option<Recipients>,
    #[serde(default)]
    pub announcement: Option<Recipients>,
    /// `[recipients.test]`: the only addresses `send --test-to` may mail, on any day.
    #[serde(default)]
    pub test: Option<TestRecipients>,
}

impl RecipientTables {
    /// The recipients of a message of `kind`, if the configuration names any.
    pub fn of(&self, kind: MessageKind) -> Option<&Recipients> {
        match kind {
            MessageKind::PreAnnouncement => self.pre_announcement.as_ref(),
            MessageKind::Announcement => self.announcement.as_ref(),
        }
    }

    /// Whether `address` is a trusted test recipient (compared without regard to
    /// case, as mail systems compare domains and most compare local parts).
    pub fn is_test_address(&self, address: &str) -> bool {
        self.test.as_ref().is_some_and(|t| {
            t.to.iter()
                .any(|a| a.trim().eq_ignore_ascii_case(address.trim()))
        })
    }
}

/// The `[recipients.test]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRecipients {
    pub to: Vec<String>,
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No encryption; allowed only to loopback addresses.
    None,
}

impl TlsMode {
    /// The usual port for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::Starttls => 587,
            TlsMode::Implicit => 465,
            TlsMode::None => 25,
        }
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsMode::Starttls => "starttls",
            TlsMode::Implicit => "implicit",
            TlsMode::None => "none",
        })
    }
}

/// The `[smtp]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    pub tls: TlsMode,
    /// Log in as this user, with the password from `HERALD_SMTP_PASSWORD`.
    #[serde(default)]
    pub username: Option<String>,
    /// An extra trust anchor (PEM), for a private relay or tests.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for the connection and for each reply of the server (1 to 600).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: Bounded<1, 600>,
    /// Seconds one attempt may take in all, from connecting to the server's answer to
    /// the message (1 to 3600): a server that talks forever cannot hold herald.
    #[serde(default = "default_attempt_deadline")]
    pub attempt_deadline_seconds: Bounded<1, 3600>,
    /// Attempts per message before a transient failure becomes final (1 to 10).
    #[serde(default = "default_attempts")]
    pub attempts: Bounded<1, 10>,
    /// Milliseconds before the first retry (0 to 60000); each further retry waits
    /// twice as long, at most 60 seconds.
    #[serde(default = "default_backoff")]
    pub backoff_ms: Bounded<0, 60_000>,
    /// This server delivers to nobody real (a test sink): `--today` and
    /// `HERALD_TODAY` may decide the day of a send to it. For any other server,
    /// loopback relays included, the clock decides.
    #[serde(default)]
    pub test_server: bool,
}

/// A whole number from `MIN` to `MAX`; anything else is refused where it stands in
/// the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Bounded<const MIN: u64, const MAX: u64>(u64);

impl<const MIN: u64, const MAX: u64> Bounded<MIN, MAX> {
    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl<'de, const MIN: u64, const MAX: u64> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = i64::deserialize(deserializer)?;
        match u64::try_from(value) {
            Ok(n) if (MIN..=MAX).contains(&n) => Ok(Bounded(n)),
            _ => Err(serde::de::Error::custom(format!(
                "expected a whole number from {MIN} to {MAX}, found {value}"
            ))),
        }
    }
}

fn default_backoff() -> Bounded<0, 60_000> {
    Bounded(2000)
}

pub(super) fn default_timeout() -> Bounded<1, 600> {
    Bounded(30)
}

fn default_attempt_deadline() -> Bounded<1, 3600> {
    Bounded(120)
}

fn default_attempts() -> Bounded<1, 10> {
    Bounded(4)
}

impl SmtpConfig {
    /// The port to connect to: the configured one or the mode's usual one.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }
}

/// The `[signing]` table: sign with the release manager's own key through `gpg`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    /// The signing key, as `gpg --local-user` takes it (fingerprint, key id or address).
    pub key: crate::model::NonEmpty,
    /// `pgp-mime` (the default) or `inline`.
    #[serde(default)]
    pub mode: SigningMode,
    /// The OpenPGP program (default `gpg`), called as gpg is.
    #[serde(default = "default_program")]
    pub program: String,
    /// Seconds gpg may take, a passphrase prompt included (1 to 3600).
    #[serde(default = "default_signing_timeout")]
    pub timeout_seconds: Bounded<1, 3600>,
}

/// How a message is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SigningMode {
    /// RFC 3156 multipart/signed with a detached signature.
    #[default]
    PgpMime,
    /// A text-only message with a cleartext signature, for lists that rewrite MIME.
    Inline,
}

fn default_program() -> String {
    "gpg".to_string()
}

fn default_signing_timeout() -> Bounded<1, 3600> {
    Bounded(120)
}

/// The `[mail]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub from: String,
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// A `[recipients.KIND]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    pub to: Vec<String>,
    /// Copied openly (a Cc header), for example oss-security.
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    /// The MIME parts the message of this kind is sent with. One message goes to
    /// every list of its kind, so a list that takes plain text only (public-inbox's
    /// default filter, the Linux kernel's lists) makes the whole kind `"text"`.
    #[serde(default)]
    pub parts: Parts,
}

impl Config {
    /// Reads the configuration at `path`.
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let source = read_source(path)?;
        refuse_secrets(&source)?;
        let mut config: Config = match parse_toml(&source) {
            Ok(config) => config,
            // A file that is not TOML at all (a netrc given by mistake) shows its
            // line in the error: whatever follows a word like "password" is masked.
            Err(error) => {
                let mut masked = mask_secret_words(source.text());
                // An unknown key may be a misspelt secret ("pasword"): its value is
                // not what the error is about, so it is not shown.
                if let LoadError::Invalid {
                    message, location, ..
                } = &error
                {
                    if message.contains("unknown field") {
                        masked = mask_value_at(&masked, location.line, location.column);
                    }
                }
                if masked == source.text() {
                    return Err(error);
                }
                let masked = crate::source::SourceFile::new(source.path(), masked);
                return Err(parse_toml::<Config>(&masked).err().unwrap_or(error));
            }
        };
        // Names and addresses go into headers; lettre takes a control character in a
        // quoted display name as it is.
        if let Some(hit) = crate::controls::find_in_toml(source.text()).first() {
            return Err(invalid(
                &source,
                "control-character",
                hit.span.clone(),
                &hit.message(),
            ));
        }
        if let Some(approval) = &mut config.approval {
            approval.resolve(&source, path)?;
        }
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// The addressing of a message of `kind`.
    pub fn addressing(&self, kind: MessageKind) -> Addressing {
        let recipients = self.recipients.of(kind).cloned().unwrap_or_default();
        Addressing {
            from: self.mail.from.clone(),
            to: recipients.to,
            cc: recipients.cc,
            bcc: recipients.bcc,
            reply_to: self.mail.reply_to.clone(),
            parts: recipients.parts,
        }
    }

    /// The template directory, resolved against the config file's directory.
    pub fn templates_dir(&self) -> Option<PathBuf> {
        let base = self.path.parent().unwrap_or(Path::new(""));
        self.templates.as_ref().map(|p| base.join(p))
    }

    /// The CA file, resolved against the config file's directory.
    pub fn ca_file(&self) -> Option<PathBuf> {
        let smtp = self.smtp.as_ref()?;
        let base = self.path.parent().unwrap_or(Path::new(""));
        smtp.ca_file.as_ref().map(|p| base.join(p))
    }

    /// The archive's CA file, resolved against the config file's directory.
    pub fn archive_ca_file(&self) -> Option<PathBuf> {
        let archive = self.archive.as_ref()?;
        let base = self.path.parent().unwrap_or(Path::new(""));
        archive.ca_file.as_ref().map(|p| base.join(p))
    }
}

/// The addressing drafts carry when no configuration is given: placeholders under
/// `.invalid`, which can never be delivered.
pub fn placeholder_addressing(project_name: &str) -> Addressing {
    Addressing {
        from: format!("{project_name} release team <releases@example.invalid>"),
        to: vec!["announce@example.invalid".to_string()],
        cc: Vec::new(),
        bcc: Vec::new(),
        reply_to: None,
        parts: Parts::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(table: &str) -> Result<ArchiveConfig, String> {
        #[derive(Deserialize)]
        struct File {
            archive: ArchiveConfig,
        }
        toml::from_str::<File>(&format!("[archive]\n{table}"))
            .map(|f| f.archive)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn archive_urls_are_checked_where_they_stand() {
        let ok = archive("imap = \"imaps://imap.example.org/Lists/announce\"\nuser = \"u\"\nhttp = \"https://lore.example.org/announce\"").unwrap();
        let imap = ok.imap.unwrap();
        assert_eq!(
            (
                imap.tls,
                imap.host.as_str(),
                imap.port,
                imap.mailbox.as_str()
            ),
            (true, "imap.example.org", 993, "Lists/announce")
        );
        assert_eq!(
            ok.http.unwrap().as_str(),
            "https://lore.example.org/announce/"
        );
        assert_eq!(ok.wait_seconds.get(), 900);
        let local = archive("imap = \"imap://127.0.0.1:1143/INBOX\"\nuser = \"u\"").unwrap();
        assert_eq!(
            local.imap.unwrap().to_string(),
            "imap://127.0.0.1:1143/INBOX"
        );

        for (table, says) in [
            (
                "imap = \"imap://imap.example.invalid/INBOX\"\nuser = \"u\"",
                "only to a loopback host",
            ),
            (
                "imap = \"imaps://u:hunter2@imap.example.invalid/INBOX\"\nuser = \"u\"",
                "refused",
            ),
            (
                "imap = \"imaps://imap.example.invalid/\"\nuser = \"u\"",
                "names no mailbox",
            ),
            (
                "imap = \"imaps://imap.example.invalid/INBOX\"",
                "needs user",
            ),
            ("user = \"u\"", "names no archive"),
            (
                "http = \"http://lore.example.invalid/announce/\"",
                "plain http",
            ),
            ("http = \"ftp://lore.example.invalid/\"", "public-inbox"),
            (
                "http = \"https://lore.example.invalid/a/\"\nwait_seconds = 0",
                "from 1 to 7200",
            ),
            (
                "http = \"https://lore.example.invalid/a/\"\nuser_name = \"x\"",
                "unknown field",
            ),
        ] {
            let err = archive(table).unwrap_err();
            assert!(err.contains(says), "{table}: {err}");
        }
    }

    #[test]
    fn a_password_in_an_archive_url_is_never_quoted_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("herald.toml");
        std::fs::write(
            &path,
            "[mail]\nfrom = \"r@example.org\"\n\n[archive]\nimap = \"imaps://u:hunter2@imap.example.invalid/INBOX\"\nuser = \"u\"\n",
        )
        .unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("holds a secret") && err.contains(":5:"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");

        // A host written with a user and password, without a scheme.
        std::fs::write(
            &path,
            "[smtp]\nhost = \"u:hunter2@127.0.0.1\"\n\n[mail]\nfrom = \"r@example.org\"\n",
        )
        .unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("holds a secret") && err.contains(":2:"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
}
