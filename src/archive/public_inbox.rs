//! A public-inbox archive, read over HTTP: `BASE/MESSAGE-ID/raw` answers 200 when
//! the archive has the message and 404 when it does not.
//!
//! public-inbox answers 404 for an inbox that does not exist too, so a wrong base URL
//! would look like "not archived yet" for ever. Before its first 404 counts, herald
//! asks for the inbox's configuration (`BASE/_/text/config/raw`), which only a real
//! inbox serves.
//!
//! Requests go straight to the archive, as SMTP and IMAP do: proxy variables of the
//! environment are not used, and redirects are not followed (an archive that moved
//! is a configuration to fix).

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, RootCerts, TlsConfig};

use super::lookup::{safe, ArchiveError, ArchiveKind, Lookup, Probe, Witness};
use crate::config::ArchiveBase;

/// The most of the inbox's configuration herald reads.
const CONFIG_LIMIT: u64 = 64 * 1024;

/// A public-inbox archive, ready to be asked.
pub(super) struct PublicInbox {
    base: ArchiveBase,
    agent: ureq::Agent,
    timeout: Duration,
    /// Whether the base URL was shown to be an inbox in this run.
    proven: Cell<bool>,
}

impl PublicInbox {
    /// `extra_roots`: certificates trusted besides the public roots (`ca_file`).
    pub(super) fn new(
        base: ArchiveBase,
        extra_roots: Option<&[Vec<u8>]>,
        timeout: Duration,
    ) -> PublicInbox {
        let roots = match extra_roots {
            None => RootCerts::WebPki,
            Some(extra) => {
                // ureq takes roots as whole certificates; the public ones come from
                // webpki-root-certs, the same set as the webpki roots SMTP trusts.
                let mut certificates: Vec<Certificate<'static>> =
                    webpki_root_certs::TLS_SERVER_ROOT_CERTS
                        .iter()
                        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
                        .collect();
                certificates.extend(
                    extra
                        .iter()
                        .map(|der| Certificate::from_der(der).to_owned()),
                );
                RootCerts::Specific(Arc::new(certificates))
            }
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build()
            .into();
        PublicInbox {
            base,
            agent,
            timeout,
            proven: Cell::new(false),
        }
    }

    /// The archive as configured.
    pub(super) fn name(&self) -> String {
        self.base.to_string()
    }

    /// Whether the archive has `message_id`.
    pub(super) fn find(&self, message_id: &str) -> Result<Lookup, ArchiveError> {
        let started = Instant::now();
        if !self.proven.get() {
            self.inbox_address()?;
        }
        let page = format!("{}{}/", self.base, escaped_id(message_id));
        let raw = format!("{page}raw");
        let status = self.status(&raw)?;
        let witness = match status {
            200 => Some(Witness {
                archive: ArchiveKind::PublicInbox,
                at: self.name(),
                uid: None,
                uid_validity: None,
                link: page,
                seen_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }),
            404 => None,
            other => {
                return Err(ArchiveError::failed(
                    &self.name(),
                    &format!(
                    "GET {raw} answered HTTP {other}, which neither shows nor denies the message"
                ),
                ))
            }
        };
        Ok(Lookup {
            archive: self.name(),
            witness,
            namesakes: Vec::new(),
            took: started.elapsed(),
        })
    }

    /// Proves the base URL is an inbox and asks for a Message-ID: what `herald
    /// archive check` proves days ahead.
    pub(super) fn check(&self) -> Result<Probe, ArchiveError> {
        let started = Instant::now();
        let address = self.inbox_address()?;
        self.find("<herald.archive-check@example.invalid>")?;
        Ok(Probe {
            archive: self.name(),
            proven: format!("an inbox of {address}; asked it for a Message-ID"),
            took: started.elapsed(),
        })
    }

    /// The list address the inbox's configuration names: proof that the base URL is
    /// an inbox.
    fn inbox_address(&self) -> Result<String, ArchiveError> {
        let url = format!("{}_/text/config/raw", self.base);
        let failed = |what: String| ArchiveError::failed(&self.name(), &what);
        let response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| failed(self.why(&e)))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(failed(format!(
                "GET {url} answered HTTP {status}: this is not the address of a public-inbox archive (expected BASE/, as https://lore.example.org/announce/)"
            )));
        }
        let text = response
            .into_body()
            .with_config()
            .limit(CONFIG_LIMIT)
            .read_to_string()
            .map_err(|e| failed(self.why(&e)))?;
        if !text.contains("[publicinbox") {
            return Err(failed(format!(
                "GET {url} is not a public-inbox configuration: this is not the address of a public-inbox archive"
            )));
        }
        self.proven.set(true);
        let address = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("address"))
            .filter_map(|l| l.trim_start().strip_prefix('='))
            .map(str::trim)
            .next()
            .unwrap_or("an unnamed list");
        Ok(safe(address))
    }

    /// The HTTP status of a GET of `url`; the body is not read.
    fn status(&self, url: &str) -> Result<u16, ArchiveError> {
        self.agent
            .get(url)
            .call()
            .map(|response| response.status().as_u16())
            .map_err(|e| ArchiveError::failed(&self.name(), &self.why(&e)))
    }

    fn why(&self, error: &ureq::Error) -> String {
        match error {
            ureq::Error::Timeout(_) => format!(
                "no answer within {} s (timeout_seconds)",
                self.timeout.as_secs()
            ),
            other => other.to_string(),
        }
    }
}

/// A Message-ID as a public-inbox URL writes it: without its angle brackets, and
/// every byte but letters, digits and `-._~!$&'()*+,;=:@` as `%XX`.
pub(super) fn escaped_id(message_id: &str) -> String {
    let bare = message_id.trim();
    let bare = bare.strip_prefix('<').unwrap_or(bare);
    let bare = bare.strip_suffix('>').unwrap_or(bare);
    let mut out = String::with_capacity(bare.len());
    for byte in bare.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_is_written_as_public_inbox_links_it() {
        assert_eq!(
            escaped_id("<herald.announcement.0a1b@example.org>"),
            "herald.announcement.0a1b@example.org"
        );
        assert_eq!(
            escaped_id("<a+x/y%z é#?@example.org>"),
            "a+x%2Fy%25z%20%C3%A9%23%3F@example.org"
        );
    }
}
