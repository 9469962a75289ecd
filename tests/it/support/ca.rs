//! Throwaway certificates for the TLS tests, made with the `openssl` command.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A throwaway CA and a server certificate it signed, valid for `localhost`
/// and `127.0.0.1` (subjectAltName), as PEM files.
#[derive(Clone, Debug)]
pub struct TestCa {
    /// The CA certificate: the trust anchor to give the client.
    pub ca_pem: PathBuf,
    /// The server (leaf) certificate.
    pub server_pem: PathBuf,
    /// The server's private key (PKCS#8).
    pub server_key_pem: PathBuf,
}

const CA_CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = herald test CA
[ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
";

const SERVER_CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
";

const SERVER_EXTENSIONS: &str = "\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

impl TestCa {
    /// Writes ca.pem, ca-key.pem, server.pem and server-key.pem (plus the
    /// openssl inputs) into `dir`, which must exist.
    pub fn generate(dir: &Path) -> TestCa {
        fs::write(dir.join("ca.cnf"), CA_CONFIG).expect("write ca.cnf");
        fs::write(dir.join("server.cnf"), SERVER_CONFIG).expect("write server.cnf");
        fs::write(dir.join("server.ext"), SERVER_EXTENSIONS).expect("write server.ext");
        let new_ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
        openssl(
            dir,
            &["req", "-x509", "-new", "-nodes", "-days", "3650"],
            &new_ec_key,
            &[
                "-config",
                "ca.cnf",
                "-keyout",
                "ca-key.pem",
                "-out",
                "ca.pem",
            ],
        );
        openssl(
            dir,
            &["req", "-new", "-nodes"],
            &new_ec_key,
            &[
                "-config",
                "server.cnf",
                "-keyout",
                "server-key.pem",
                "-out",
                "server.csr",
            ],
        );
        openssl(
            dir,
            &["x509", "-req", "-in", "server.csr", "-days", "3650"],
            &["-CA", "ca.pem", "-CAkey", "ca-key.pem", "-set_serial", "2"],
            &["-extfile", "server.ext", "-out", "server.pem"],
        );
        TestCa {
            ca_pem: dir.join("ca.pem"),
            server_pem: dir.join("server.pem"),
            server_key_pem: dir.join("server-key.pem"),
        }
    }

    /// The CA certificate's PEM text.
    pub fn ca_pem_bytes(&self) -> Vec<u8> {
        fs::read(&self.ca_pem).expect("read ca.pem")
    }
}

fn openssl(dir: &Path, a: &[&str], b: &[&str], c: &[&str]) {
    let output = match Command::new("openssl")
        .args(a)
        .args(b)
        .args(c)
        .current_dir(dir)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            panic!("TestCa: the `openssl` command is missing; run: apt-get install -y openssl")
        }
        Err(e) => panic!("TestCa: cannot run openssl: {e}"),
    };
    assert!(
        output.status.success(),
        "openssl {:?} failed: {}",
        [a, b, c].concat(),
        String::from_utf8_lossy(&output.stderr)
    );
}
