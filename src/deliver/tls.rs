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

/// How a TLS handshake failed.
#[derive(Debug)]
pub enum HandshakeError {
    /// It was not done by the deadline.
    Timeout,
    /// The server closed the connection, or TLS refused it (a certificate that does
    /// not verify, no common protocol); says why.
    Failed(String),
}

/// Performs a client's whole TLS handshake on `sock` by `deadline`: one read or
/// write at a time, each under what is left of it. rustls's own `complete_io`
/// reads on until the handshake is done, so a server that trickles its flight one
/// byte at a time would hold it for as long as it liked.
pub fn handshake(
    conn: &mut rustls::ClientConnection,
    sock: &mut std::net::TcpStream,
    deadline: std::time::Instant,
) -> Result<(), HandshakeError> {
    use std::io::ErrorKind;
    let failed = |e: std::io::Error| match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => HandshakeError::Timeout,
        _ => HandshakeError::Failed(match e.get_ref() {
            Some(inner) => inner.to_string(),
            None => e.to_string(),
        }),
    };
    let left = || {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        (left >= std::time::Duration::from_millis(1))
            .then_some(left)
            .ok_or(HandshakeError::Timeout)
    };
    while conn.is_handshaking() {
        if conn.wants_write() {
            sock.set_write_timeout(Some(left()?)).map_err(failed)?;
            conn.write_tls(sock).map_err(failed)?;
            continue;
        }
        sock.set_read_timeout(Some(left()?)).map_err(failed)?;
        if conn.read_tls(sock).map_err(failed)? == 0 {
            return Err(HandshakeError::Failed(
                "the server closed the connection during the TLS handshake".into(),
            ));
        }
        conn.process_new_packets()
            .map_err(|e| HandshakeError::Failed(e.to_string()))?;
    }
    // What the handshake left to write (the client's Finished) goes now.
    while conn.wants_write() {
        sock.set_write_timeout(Some(left()?)).map_err(failed)?;
        conn.write_tls(sock).map_err(failed)?;
    }
    Ok(())
}
