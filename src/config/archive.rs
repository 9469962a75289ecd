//! The `[archive]` table: where the list's archive can be read.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use super::{default_timeout, Bounded};

/// The environment variable that holds the archive's IMAP password.
pub const ARCHIVE_PASSWORD_VARIABLE: &str = crate::secrets::ARCHIVE_PASSWORD;

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
