//! Secrets that must never leave herald: the passwords it reads from the environment.
//!
//! A password is registered once, when it is read ([`register`]). From then on every
//! text herald writes or prints passes [`redact`] on its way out, which replaces the
//! password in every form a server could echo it back: as written, and inside any
//! base64 text (AUTH PLAIN and AUTH LOGIN send it base64-encoded, and a server that
//! echoes the AUTH line, or quotes it in a later refusal, sends that back). Replies
//! from a server are redacted when they are read, and the sinks (standard output and
//! error, the journal, the preview page) redact again, so no single forgotten path
//! can leak one.

use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use base64::Engine;

/// What a secret is replaced with.
pub const REDACTED: &str = "…redacted…";

/// A form shorter than this is not looked for inside base64 text: a form of two or
/// three characters would redact ordinary words.
const SHORTEST_BASE64_FORM: usize = 4;

/// The environment variables that hold herald's secrets.
pub const VARIABLES: &[&str] = &[SMTP_PASSWORD, ARCHIVE_PASSWORD];

/// The environment variable that holds the SMTP password.
pub const SMTP_PASSWORD: &str = "HERALD_SMTP_PASSWORD";

/// The environment variable that holds the list archive's password.
pub const ARCHIVE_PASSWORD: &str = "HERALD_ARCHIVE_PASSWORD";

static FORMS: RwLock<Vec<String>> = RwLock::new(Vec::new());
/// Whether any secret is registered: until one is, nothing needs redacting.
static ANY: AtomicBool = AtomicBool::new(false);

/// Registers the secrets of [`VARIABLES`] that are set, so that every command, not
/// only the one that uses them, keeps them out of what it prints and writes (a
/// journal or a page could hold a server's echo of one).
pub fn register_from_environment() {
    for variable in VARIABLES {
        if let Ok(secret) = std::env::var(variable) {
            register(&secret);
        }
    }
}

/// Registers `secret`: from now on [`redact`] replaces it, and every base64 text
/// that contains it, wherever it appears.
pub fn register(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let mut forms = vec![secret.to_string()];
    forms.extend(base64_cores(secret.as_bytes()));
    let mut registered = FORMS.write().unwrap_or_else(|e| e.into_inner());
    for form in forms {
        if !registered.contains(&form) {
            registered.push(form);
        }
    }
    // Longest first, so that a form inside a longer one cannot leave part of it.
    registered.sort_by_key(|form| std::cmp::Reverse(form.len()));
    ANY.store(true, Ordering::Release);
}

/// `text` with every registered secret replaced by [`REDACTED`].
pub fn redact(text: &str) -> Cow<'_, str> {
    if !ANY.load(Ordering::Acquire) {
        return Cow::Borrowed(text);
    }
    let forms = FORMS.read().unwrap_or_else(|e| e.into_inner());
    if forms.iter().all(|form| !text.contains(form.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for form in forms.iter() {
        if out.contains(form.as_str()) {
            out = out.replace(form.as_str(), REDACTED);
        }
    }
    Cow::Owned(out)
}

/// A writer that redacts every registered secret from what passes through it: the
/// last guard of standard output and standard error. It works a line at a time, so a
/// secret cannot slip through split over two writes; while no secret is registered,
/// bytes pass straight through.
pub struct Redacting<W: Write> {
    inner: W,
    line: Vec<u8>,
}

impl<W: Write> Redacting<W> {
    pub fn new(inner: W) -> Self {
        Redacting {
            inner,
            line: Vec::new(),
        }
    }

    fn write_line(&mut self) -> std::io::Result<()> {
        if self.line.is_empty() {
            return Ok(());
        }
        let line = std::mem::take(&mut self.line);
        match std::str::from_utf8(&line) {
            Ok(text) => self.inner.write_all(redact(text).as_bytes()),
            Err(_) => self
                .inner
                .write_all(redact(&String::from_utf8_lossy(&line)).as_bytes()),
        }
    }
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !ANY.load(Ordering::Acquire) && self.line.is_empty() {
            return self.inner.write(buf);
        }
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&rest[..=at]);
            self.write_line()?;
            rest = &rest[at + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // A prompt ends without a line break and must show before the answer.
        self.write_line()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Redacting<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Whether `text` holds a registered secret in any form.
pub fn contains_secret(text: &str) -> bool {
    matches!(redact(text), Cow::Owned(_))
}

/// The base64 characters that depend on the secret's bytes alone, for each of the
/// three positions the secret can start at within a base64 group. Any base64
/// encoding of any text that contains the secret contains one of them.
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    let mut cores = Vec::new();
    for shift in 0..3usize {
        let mut bytes = vec![0u8; shift];
        bytes.extend_from_slice(secret);
        let encoded = engine.encode(&bytes);
        // Character i covers bits 6i..6i+6; it depends on the secret alone when that
        // range lies within the secret's bits 8*shift..8*(shift+len).
        let first = (8 * shift).div_ceil(6);
        let end = (8 * (shift + secret.len())) / 6;
        if end > first && end - first >= SHORTEST_BASE64_FORM {
            cores.push(encoded[first..end].to_string());
        }
    }
    cores
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> base64::engine::GeneralPurpose {
        base64::engine::general_purpose::STANDARD
    }

    #[test]
    fn a_password_is_redacted_as_written_and_in_every_base64_text_that_holds_it() {
        let password = "s3cr3t-Pa55word!";
        register(password);
        let plain = format!("\0releases@example.org\0{password}");
        let echoes = [
            format!("535 5.7.8 bad credentials for {password}"),
            format!("535 AUTH PLAIN {} refused", engine().encode(&plain)),
            format!("550 {} not accepted", engine().encode(password)),
            format!("421 {}", engine().encode(format!("x{password}y"))),
            format!("250 {}", engine().encode(format!("xy{password}"))),
        ];
        for echo in echoes {
            let redacted = redact(&echo);
            assert!(redacted.contains(REDACTED), "{echo} -> {redacted}");
            assert!(!contains_secret(&redacted), "{redacted}");
            assert!(!redacted.contains(password), "{redacted}");
        }
        assert_eq!(redact("250 2.0.0 OK queued"), "250 2.0.0 OK queued");
    }

    #[test]
    fn the_writer_redacts_a_secret_split_over_writes() {
        register("wr1ter-secret");
        let mut out = Vec::new();
        {
            let mut writer = Redacting::new(&mut out);
            write!(writer, "535 bad wr1").unwrap();
            write!(writer, "ter-secret for you\nnext ").unwrap();
            write!(writer, "line").unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, format!("535 bad {REDACTED} for you\nnext line"));
    }

    #[test]
    fn cores_are_the_characters_the_secret_alone_decides() {
        let secret = b"abcdefgh";
        for (shift, core) in base64_cores(secret).iter().enumerate() {
            for prefix in [b"".as_slice(), b"Z", b"ZZ", b"\xff\xfe\xfd"] {
                let mut bytes = prefix.to_vec();
                bytes.extend(std::iter::repeat_n(b'Q', shift));
                bytes.extend_from_slice(secret);
                bytes.extend_from_slice(b"tail");
                let mut found = false;
                for lead in 0..3 {
                    let mut shifted = vec![b'-'; lead];
                    shifted.extend_from_slice(&bytes);
                    found |= engine().encode(&shifted).contains(core.as_str());
                }
                assert!(found, "core {core} of shift {shift}");
            }
        }
    }
}
