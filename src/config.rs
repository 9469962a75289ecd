//! `herald.toml`: where mail comes from, where it goes, and how to reach the SMTP server.
//!
//! The SMTP password is never read from this file: only from `HERALD_SMTP_PASSWORD`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::load::{invalid, parse_toml, read_source, LoadError};
use crate::model::MessageKind;
use crate::model::{Addressing, Parts};

/// The name of the configuration file looked for in the working directory.
pub const DEFAULT_CONFIG: &str = "herald.toml";

/// The environment variable that holds the SMTP password.
pub const PASSWORD_VARIABLE: &str = "HERALD_SMTP_PASSWORD";

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

fn default_timeout() -> Bounded<1, 600> {
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

/// The environment variable that holds the archive's IMAP password.
pub const ARCHIVE_PASSWORD_VARIABLE: &str = "HERALD_ARCHIVE_PASSWORD";

/// The `[archive]` table: the list's archive, a second witness besides the journal.
/// At least one of `imap` and `http` is set; `user` goes with `imap`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawArchiveConfig")]
pub struct ArchiveConfig {
    /// A mailbox subscribed to the list, read over IMAP.
    pub imap: Option<ImapUrl>,
    /// The IMAP login; the password comes from `HERALD_ARCHIVE_PASSWORD`.
    pub user: Option<String>,
    /// A public-inbox archive: `BASE/` to which `MESSAGE-ID/raw` is added.
    pub http: Option<ArchiveBase>,
    /// How long `send --wait` waits for the message to appear (1 to 7200).
    pub wait_seconds: Bounded<1, 7200>,
    /// How long one look-up in one archive may take in all, from connecting to the
    /// answer (1 to 600).
    pub timeout_seconds: Bounded<1, 600>,
    /// An extra trust anchor (PEM) for both archives, as `[smtp] ca_file`.
    pub ca_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArchiveConfig {
    #[serde(default)]
    imap: Option<ImapUrl>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    http: Option<ArchiveBase>,
    #[serde(default = "default_wait")]
    wait_seconds: Bounded<1, 7200>,
    #[serde(default = "default_timeout")]
    timeout_seconds: Bounded<1, 600>,
    #[serde(default)]
    ca_file: Option<PathBuf>,
}

fn default_wait() -> Bounded<1, 7200> {
    Bounded(900)
}

impl TryFrom<RawArchiveConfig> for ArchiveConfig {
    type Error = String;

    fn try_from(raw: RawArchiveConfig) -> Result<Self, String> {
        if raw.imap.is_none() && raw.http.is_none() {
            return Err("[archive] names no archive: give imap = \"imaps://HOST/MAILBOX\", http = \"https://HOST/LIST/\", or both".into());
        }
        match (&raw.imap, &raw.user) {
            (Some(_), None) => {
                return Err("[archive] imap needs user = \"NAME\" (the password comes from HERALD_ARCHIVE_PASSWORD)".into())
            }
            (None, Some(_)) => {
                return Err("[archive] user is set, but no imap = \"imaps://HOST/MAILBOX\" to log in to".into())
            }
            _ => {}
        }
        Ok(ArchiveConfig {
            imap: raw.imap,
            user: raw.user,
            http: raw.http,
            wait_seconds: raw.wait_seconds,
            timeout_seconds: raw.timeout_seconds,
            ca_file: raw.ca_file,
        })
    }
}

/// `imaps://HOST[:PORT]/MAILBOX`, or `imap://` (no TLS) to a loopback host only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// The mailbox as the server names it, `/` between levels.
    pub mailbox: String,
}

impl fmt::Display for ImapUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "imaps" } else { "imap" };
        let host = match self.host.contains(':') {
            true => format!("[{}]", self.host),
            false => self.host.clone(),
        };
        write!(f, "{scheme}://{host}:{}/{}", self.port, self.mailbox)
    }
}

impl std::str::FromStr for ImapUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = "expected imaps://HOST[:PORT]/MAILBOX";
        let uri = parse_url(text, expected)?;
        let tls = match uri.scheme_str() {
            Some("imaps") => true,
            Some("imap") => false,
            _ => {
                return Err(format!(
                    "{text:?}: {expected} (imap:// only to a loopback host)"
                ))
            }
        };
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if authority.contains('@') {
            return Err(format!("{}: a user or password in the URL is refused; give user = \"NAME\" and the password in {ARCHIVE_PASSWORD_VARIABLE}", crate::secrets::REDACTED));
        }
        let host = uri.host().unwrap_or_default();
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if host.is_empty() {
            return Err(format!("{text:?} names no host; {expected}"));
        }
        if !tls && !is_loopback_host(&host) {
            return Err(format!("{text:?}: IMAP without TLS is allowed only to a loopback host (it would send the password in the clear); use imaps://"));
        }
        let mailbox = uri.path().trim_start_matches('/').to_string();
        if mailbox.is_empty() || uri.query().is_some() {
            return Err(format!(
                "{text:?} names no mailbox; {expected}, as imaps://imap.example.org/Lists/announce"
            ));
        }
        Ok(ImapUrl {
            tls,
            port: uri.port_u16().unwrap_or(if tls { 993 } else { 143 }),
            host,
            mailbox,
        })
    }
}

impl<'de> Deserialize<'de> for ImapUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The base URL of a public-inbox archive, ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveBase(String);

impl ArchiveBase {
    /// The URL, ending in `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArchiveBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ArchiveBase {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = "expected https://HOST/LIST/, the address of a public-inbox archive";
        let uri = parse_url(text, expected)?;
        let host = uri.host().unwrap_or_default();
        match uri.scheme_str() {
            Some("https") => {}
            Some("http")
                if is_loopback_host(host.trim_start_matches('[').trim_end_matches(']')) => {}
            Some("http") => {
                return Err(format!(
                    "{text:?}: plain http is allowed only to a loopback host; use https://"
                ))
            }
            _ => return Err(format!("{text:?}: {expected}")),
        }
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(format!(
                "{}: a user or password in the URL is refused",
                crate::secrets::REDACTED
            ));
        }
        if uri.query().is_some() || text.contains('#') {
            return Err(format!("{text:?}: {expected}, without ? or #"));
        }
        let mut base = text.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(ArchiveBase(base))
    }
}

impl<'de> Deserialize<'de> for ArchiveBase {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// `text` as a URL. Text with a user or password in it is never quoted back.
fn parse_url(text: &str, expected: &str) -> Result<ureq::http::Uri, String> {
    let shown = match text.contains('@') {
        true => crate::secrets::REDACTED.to_string(),
        false => format!("{text:?}"),
    };
    text.parse()
        .map_err(|e| format!("{shown} is not a URL ({e}); {expected}"))
}

/// Whether `host` is a loopback address or `localhost`: the only hosts a password or
/// a look-up may go to unencrypted.
fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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
        let mut config: Config = parse_toml(&source)?;
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

/// Refuses a configuration that writes down a password or another secret: herald
/// reads secrets only from the environment. The error shows the key and where it
/// stands, and the value as `"…redacted…"`.
fn refuse_secrets(source: &crate::source::SourceFile) -> Result<(), LoadError> {
    static ASSIGNMENT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let assignment = ASSIGNMENT.get_or_init(|| {
        regex::Regex::new(concat!(
            r#"(?m)(?:^|[{,])[ \t]*(?P<key>"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_.-]+)[ \t]*=[ \t]*"#,
            r#"(?P<value>"""(?s:.)*?(?:"""|\z)|'''(?s:.)*?(?:'''|\z)|"(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?|[^,}#\n]*)"#,
        ))
        .expect("a valid pattern")
    });
    let text = source.text();
    // A URL with a user (and so perhaps a password) in it, `imaps://u:p@host/`,
    // holds a secret whatever its key.
    static USERINFO: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let userinfo =
        USERINFO.get_or_init(|| regex::Regex::new(r"://[^/?#@\s]+@").expect("a valid pattern"));
    let Some(found) = assignment
        .captures_iter(text)
        .find(|c| is_secret_key(&c["key"]) || userinfo.is_match(&c["value"]))
    else {
        return Ok(());
    };
    let key = found.name("key").expect("a key");
    let value = found.name("value").expect("a value");
    let masked = format!(
        "{}\"{}\"{}",
        &text[..value.start()],
        crate::secrets::REDACTED,
        &text[value.end()..]
    );
    let masked = crate::source::SourceFile::new(source.path(), masked);
    Err(invalid(
        &masked,
        "secret-in-file",
        key.range(),
        &format!(
            "{} holds a secret, and herald reads no secret from a file (a configuration is often committed or shared): remove it and give the SMTP password in the environment variable {PASSWORD_VARIABLE} (the archive's in HERALD_ARCHIVE_PASSWORD)",
            key.as_str()
        ),
    ))
}

/// Whether a key names a secret: `password`, `smtp.passwd`, `"api_token"`, …
fn is_secret_key(key: &str) -> bool {
    let key = key.trim_matches(['"', '\'']).to_ascii_lowercase();
    let last = key.rsplit('.').next().unwrap_or(&key);
    last == "pass"
        || last == "pwd"
        || [
            "password",
            "passwd",
            "passphrase",
            "secret",
            "token",
            "credential",
            "apikey",
            "api_key",
        ]
        .iter()
        .any(|word| last.contains(word))
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
    }
}
