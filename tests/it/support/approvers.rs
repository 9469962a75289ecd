//! Throwaway approvers for the approval tests: OpenPGP keys made by the real `gpg`
//! in a temporary GNUPGHOME, SSH keys made by the real `ssh-keygen`, and approval
//! files written by hand in the documented format, signed by those tools directly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::{show, Workspace};

/// A GNUPGHOME and a folder of SSH keys.
pub struct Keys {
    pub home: tempfile::TempDir,
}

impl Default for Keys {
    fn default() -> Self {
        Self::new()
    }
}

impl Keys {
    pub fn new() -> Keys {
        Keys {
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// The GNUPGHOME, as an environment entry for herald.
    pub fn env(&self) -> [(&str, &str); 1] {
        [("GNUPGHOME", self.home.path().to_str().unwrap())]
    }

    /// `gpg --batch ARGS` in this GNUPGHOME; it must succeed.
    pub fn gpg(&self, args: &[&str]) -> Output {
        let output = self.gpg_input(args, b"");
        assert!(output.status.success(), "gpg {args:?}: {}", show(&output));
        output
    }

    fn gpg_input(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write;
        let mut child = Command::new("gpg")
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg runs (apt-get install gnupg)");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    /// A new ed25519 signing key `NAME <NAME@example.org>` with no passphrase; its
    /// primary fingerprint.
    pub fn openpgp(&self, name: &str) -> String {
        self.generate(name, &[], "never")
    }

    /// A key made in 2020 that expired a day later.
    pub fn openpgp_expired(&self, name: &str) -> String {
        self.generate(name, &["--faked-system-time", "20200101T000000"], "1d")
    }

    fn generate(&self, name: &str, before: &[&str], expiry: &str) -> String {
        let user = format!("{name} <{name}@example.org>");
        let mut args = vec!["--passphrase", ""];
        args.extend_from_slice(before);
        args.extend(["--quick-gen-key", &user, "ed25519", "sign", expiry]);
        self.gpg(&args);
        self.fingerprint(&format!("{name}@example.org"))
    }

    pub fn fingerprint(&self, user: &str) -> String {
        let listing = self.gpg(&["--with-colons", "--list-keys", user]);
        String::from_utf8_lossy(&listing.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|rest| rest.trim_matches(':').split(':').next_back())
            .unwrap()
            .to_string()
    }

    /// Adds a signing subkey to `primary`; its fingerprint.
    pub fn add_subkey(&self, primary: &str) -> String {
        self.gpg(&[
            "--passphrase",
            "",
            "--quick-add-key",
            primary,
            "ed25519",
            "sign",
            "never",
        ]);
        let listing = self.gpg(&["--with-colons", "--list-keys", primary]);
        let text = String::from_utf8_lossy(&listing.stdout).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        lines
            .windows(2)
            .filter(|pair| pair[0].starts_with("sub:"))
            .filter_map(|pair| pair[1].strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_string())
            .next_back()
            .unwrap()
    }

    /// Writes the public keys of `fingerprints` to `file`, armored: what a team
    /// commits as `[approval] openpgp_keys`.
    pub fn export(&self, fingerprints: &[&str], file: &Path) {
        let mut args = vec!["--armor", "--export"];
        args.extend_from_slice(fingerprints);
        let output = self.gpg(&args);
        assert!(!output.stdout.is_empty(), "nothing exported");
        std::fs::write(file, output.stdout).unwrap();
    }

    /// Revokes the whole key `fingerprint` with the certificate gpg made with it.
    pub fn revoke(&self, fingerprint: &str) {
        let certificate = self
            .home
            .path()
            .join(format!("openpgp-revocs.d/{fingerprint}.rev"));
        let text = std::fs::read_to_string(certificate).unwrap();
        // The armor line is escaped with a colon so it cannot be imported by accident.
        let text = text.replace(":-----BEGIN", "-----BEGIN");
        let output = self.gpg_input(&["--import"], text.as_bytes());
        assert!(output.status.success(), "{}", show(&output));
    }

    /// A detached, armored signature of `data` by `key`, with `extra` options.
    pub fn sign_gpg(&self, key: &str, data: &str, extra: &[&str]) -> String {
        let mut args = vec!["--local-user", key];
        args.extend_from_slice(extra);
        args.extend(["--armor", "--detach-sign"]);
        let output = self.gpg_input(&args, data.as_bytes());
        assert!(output.status.success(), "{}", show(&output));
        String::from_utf8(output.stdout).unwrap()
    }

    /// A new ed25519 SSH key `NAME` without a passphrase: the private key file and
    /// the public key line.
    pub fn ssh(&self, name: &str) -> (PathBuf, String) {
        let file = self.home.path().join(format!("{name}_ed25519"));
        let output = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", ""])
            .arg("-C")
            .arg(format!("{name}@example.org"))
            .arg("-f")
            .arg(&file)
            .stdin(Stdio::null())
            .output()
            .expect("ssh-keygen runs (apt-get install openssh-client)");
        assert!(output.status.success(), "{}", show(&output));
        let public = std::fs::read_to_string(file.with_extension("pub"))
            .or_else(|_| std::fs::read_to_string(format!("{}.pub", file.display())))
            .unwrap();
        (file, public.trim().to_string())
    }

    /// `ssh-keygen -Y sign` of `data` with `key` in `namespace`.
    pub fn sign_ssh(&self, key: &Path, namespace: &str, data: &str) -> String {
        use std::io::Write;
        let mut child = Command::new("ssh-keygen")
            .args(["-Y", "sign", "-n", namespace, "-f"])
            .arg(key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(data.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", show(&output));
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        // Key generation and signing started an agent for this GNUPGHOME.
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.home.path())
            .status();
    }
}

/// The statement herald signs for a message of the sample release (go1.16.1.toml):
/// the documented format, written out here independently of herald's code.
pub fn statement(kind: &str, content_hash: &str) -> String {
    format!(
        "herald approval 1\nproject: Go\nversions: 1.16.1 1.15.9\nkind: {kind}\ncontent-sha256: {content_hash}\n"
    )
}

/// An approval file of the sample release, in the documented format.
pub fn approval_file(kind: &str, content_hash: &str, signature: &str) -> String {
    format!(
        "format = 1\nproject = \"Go\"\nversions = [\"1.16.1\", \"1.15.9\"]\nkind = \"{kind}\"\ncontent_sha256 = \"{content_hash}\"\nsignature = \"\"\"\n{}\n\"\"\"\n",
        signature.trim()
    )
}

impl Workspace {
    /// Writes an approval file `name` into the release's approvals folder.
    pub fn add_approval(&self, name: &str, text: &str) {
        let dir = self.path("release.toml.approvals");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    /// The content hash of the message of `kind` as it stands, from `herald render`.
    pub fn content_hash(&self, kind: &str) -> String {
        let output = self.herald(&["render", "release.toml", "--format", "json"], &[]);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == kind)
            .map(|m| m["content_hash"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {kind} in {}", show(&output)))
    }

    /// Appends `table` (an `[approval]` table, say) to herald.toml.
    pub fn append_config(&self, table: &str) {
        let path = self.path("herald.toml");
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push('\n');
        text.push_str(table);
        std::fs::write(path, text).unwrap();
    }
}
