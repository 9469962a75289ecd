//! The TLS client settings of every connection herald makes: rustls with the webpki
//! roots, plus a trust anchor the configuration names (a private relay's CA, or a
//! test server's), certificates always verified.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// Why the TLS settings could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("{}: cannot use as a CA certificate: {message}", path.display())]
    CaFile { path: PathBuf, message: String },
    #[error("cannot set up TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Client settings trusting the webpki roots and every certificate in `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let ca_error = |message: String| TlsSetupError::CaFile {
            path: path.to_path_buf(),
            message,
        };
        let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
        let mut added = 0;
        for certificate in CertificateDer::pem_slice_iter(&pem) {
            let certificate = certificate.map_err(|e| ca_error(e.to_string()))?;
            roots
                .add(certificate)
                .map_err(|e| ca_error(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(ca_error(
                "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file".into(),
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
