//! The list's archive as a second witness, besides the journal: herald asks it for a
//! message's Message-ID before sending (a clone of the release that never saw the
//! journal must not send what the list already has), settles an attempt in doubt by
//! looking, and, with `send --wait`, watches for the message to appear.
//!
//! Two kinds of archive, either or both ([`crate::config::ArchiveConfig`]): a mailbox
//! subscribed to the list, read over IMAP ([`imap`]), and a public-inbox archive
//! read over HTTP ([`public_inbox`]). Only the exact Message-ID counts; a message with
//! the same subject and another Message-ID is reported for a person to judge
//! ([`Namesake`]). Every look-up ends by `timeout_seconds`.

mod connection;
mod imap;
mod lookup;
mod public_inbox;

use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

pub use lookup::{ArchiveError, ArchiveKind, Lookup, Namesake, Probe, Witness};

use crate::config::{Config, ARCHIVE_PASSWORD_VARIABLE};
use crate::deliver::tls::{client_config, TlsSetupError};
use imap::ImapArchive;
use public_inbox::PublicInbox;

/// The archives of a configuration, ready to be asked.
pub struct Archives {
    imap: Option<ImapArchive>,
    http: Option<PublicInbox>,
    /// How long `send --wait` waits for a message to appear.
    pub wait: Duration,
}

impl Archives {
    /// The archives `config` names, or none without an `[archive]` table. The IMAP
    /// password comes from `password` (the caller reads `HERALD_ARCHIVE_PASSWORD`);
    /// it is registered as a secret, so no output holds it.
    pub fn from_config(
        config: &Config,
        password: Option<String>,
    ) -> Result<Option<Archives>, ArchiveError> {
        let Some(archive) = &config.archive else {
            return Ok(None);
        };
        let timeout = Duration::from_secs(archive.timeout_seconds.get());
        let ca_file = config.archive_ca_file();
        let setup = |e: TlsSetupError| ArchiveError::Setup(e.to_string());
        let imap = match (&archive.imap, &archive.user) {
            (Some(url), Some(user)) => {
                let password = password.filter(|p| !p.is_empty()).ok_or_else(|| {
                    ArchiveError::Setup(format!(
                        "{}: [archive] imap logs in as {user}, but {ARCHIVE_PASSWORD_VARIABLE} is not set; the password is read only from the environment",
                        config.path.display()
                    ))
                })?;
                crate::secrets::register(&password);
                let tls = match url.tls {
                    true => Some(client_config(ca_file.as_deref()).map_err(setup)?),
                    false => None,
                };
                Some(ImapArchive::new(
                    url.clone(),
                    user.clone(),
                    password,
                    tls,
                    timeout,
                ))
            }
            _ => None,
        };
        let http = match &archive.http {
            Some(base) => {
                let extra = match &ca_file {
                    Some(path) => Some(read_certificates(path).map_err(setup)?),
                    None => None,
                };
                Some(PublicInbox::new(base.clone(), extra.as_deref(), timeout))
            }
            None => None,
        };
        Ok(Some(Archives {
            imap,
            http,
            wait: Duration::from_secs(archive.wait_seconds.get()),
        }))
    }

    /// Every archive, as configured.
    pub fn names(&self) -> Vec<String> {
        let imap = self.imap.as_ref().map(ImapArchive::name);
        let http = self.http.as_ref().map(PublicInbox::name);
        imap.into_iter().chain(http).collect()
    }

    /// Asks every archive for `message_id` (and the IMAP one for other messages with
    /// `subject`). An archive that cannot be asked is an error: its silence would
    /// say nothing.
    pub fn find(&self, message_id: &str, subject: &str) -> Result<Vec<Lookup>, ArchiveError> {
        let mut lookups = Vec::new();
        if let Some(imap) = &self.imap {
            lookups.push(imap.find(message_id, subject)?);
        }
        if let Some(http) = &self.http {
            lookups.push(http.find(message_id)?);
        }
        Ok(lookups)
    }

    /// Connects to every archive, logs in and searches: each one's result.
    pub fn check(&self) -> Vec<Result<Probe, ArchiveError>> {
        let imap = self.imap.as_ref().map(ImapArchive::check);
        let http = self.http.as_ref().map(PublicInbox::check);
        imap.into_iter().chain(http).collect()
    }
}

/// The certificates of a PEM file, as DER.
fn read_certificates(path: &std::path::Path) -> Result<Vec<Vec<u8>>, TlsSetupError> {
    let ca_error = |message: String| TlsSetupError::CaFile {
        path: path.to_path_buf(),
        message,
    };
    let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ca_error(e.to_string()))?;
    if certificates.is_empty() {
        return Err(ca_error(
            "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file".into(),
        ));
    }
    Ok(certificates)
}
