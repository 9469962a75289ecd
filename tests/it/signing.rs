//! Signed announcements: PGP/MIME and inline, made by the real `gpg` with throwaway
//! keys in a temporary GNUPGHOME, verified by GnuPG and by Sequoia's `sqv` (an
//! independent OpenPGP implementation), sent through a real SMTP server, and every
//! bad setup refused before connecting.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mail_parser::MessageParser;

use crate::support::{announcement_send_args, show, ServerOptions, SmtpServer, Workspace};

const PRE_ANNOUNCEMENT_DAY: &str = "2021-03-05";
const RELEASE_DAY: &str = "2021-03-10";

/// A GNUPGHOME with the keys these tests use.
struct Keyring {
    home: tempfile::TempDir,
}

impl Keyring {
    fn new() -> Keyring {
        let home = tempfile::tempdir().unwrap();
        let keyring = Keyring { home };
        // A usable ed25519 signing key without a passphrase.
        keyring.gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Herald Test <signer@example.org>",
            "ed25519",
            "sign",
            "never",
        ]);
        // A key that expired in 2020.
        keyring.gpg(&[
            "--passphrase",
            "",
            "--faked-system-time",
            "20200101T000000",
            "--quick-gen-key",
            "Old Key <expired@example.org>",
            "ed25519",
            "sign",
            "1d",
        ]);
        // A key that can certify and encrypt, but not sign.
        keyring.gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Encrypt Only <encrypt@example.org>",
            "ed25519",
            "cert",
            "never",
        ]);
        let fingerprint = keyring.fingerprint("encrypt@example.org");
        keyring.gpg(&[
            "--passphrase",
            "",
            "--quick-add-key",
            &fingerprint,
            "cv25519",
            "encr",
            "never",
        ]);
        // Two keys behind one address.
        keyring.gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Twin One <twin@example.org>",
            "ed25519",
            "sign",
            "never",
        ]);
        keyring.gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Twin Two <twin@example.org>",
            "ed25519",
            "sign",
            "never",
        ]);
        // A key behind a passphrase.
        keyring.gpg(&[
            "--passphrase",
            "secret",
            "--pinentry-mode",
            "loopback",
            "--quick-gen-key",
            "Locked Key <locked@example.org>",
            "ed25519",
            "sign",
            "never",
        ]);
        // No agent keeps the passphrase: the next gpg starts a fresh one.
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", keyring.home.path())
            .status();
        keyring
    }

    fn gpg(&self, args: &[&str]) -> Output {
        let output = Command::new("gpg")
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", self.home.path())
            .stdin(Stdio::null())
            .output()
            .expect("gpg runs (apt-get install gnupg)");
        assert!(output.status.success(), "gpg {args:?}: {}", show(&output));
        output
    }

    fn fingerprint(&self, user: &str) -> String {
        let listing = self.gpg(&["--with-colons", "--list-keys", user]);
        String::from_utf8_lossy(&listing.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|rest| rest.trim_matches(':').split(':').next_back())
            .unwrap()
            .to_string()
    }

    /// The public key of the signer, for sqv.
    fn public_key(&self, dir: &Path) -> PathBuf {
        let path = dir.join("signer.pgp");
        let export = self.gpg(&["--export", "signer@example.org"]);
        std::fs::write(&path, export.stdout).unwrap();
        path
    }

    /// `gpg --verify ARGS`: whether GnuPG accepts the signature.
    fn gpg_verifies(&self, args: &[&Path]) -> bool {
        Command::new("gpg")
            .args(["--batch", "--verify"])
            .args(args)
            .env("GNUPGHOME", self.home.path())
            .output()
            .unwrap()
            .status
            .success()
    }
}

/// Whether Sequoia's sqv accepts `signature` over `data` by the signer.
fn sqv_verifies(keyring: &Path, signature: &Path, data: &Path) -> bool {
    Command::new("sqv")
        .arg("--keyring")
        .arg(keyring)
        .arg(signature)
        .arg(data)
        .output()
        .expect("sqv runs (apt-get install sqv)")
        .status
        .success()
}

/// Writes herald.toml with `[signing]`; `smtp` is the `[smtp]` table, if any.
fn configure(ws: &Workspace, signing: &str, smtp: &str) {
    std::fs::write(
        ws.path("herald.toml"),
        format!(
            "{smtp}\n[mail]\nfrom = \"Go release team <releases@example.org>\"\n\n[recipients.pre-announcement]\nto = [\"golang-announce@example.org\"]\n\n[recipients.announcement]\nto = [\"golang-announce@example.org\"]\n\n[signing]\n{signing}\n"
        ),
    )
    .unwrap();
}

fn herald(ws: &Workspace, keyring: &Keyring, args: &[&str]) -> Output {
    ws.command(args)
        .env("GNUPGHOME", keyring.home.path())
        .env_remove("GPG_TTY")
        .env_remove("DISPLAY")
        .output()
        .unwrap()
}

fn dry_run(ws: &Workspace, keyring: &Keyring, kind: &str, day: &str) -> (Output, Vec<u8>) {
    let output = herald(
        ws,
        keyring,
        &[
            "send",
            "release.toml",
            "--message",
            kind,
            "--dry-run",
            "--today",
            day,
        ],
    );
    let eml =
        std::fs::read(ws.path(&format!("release.toml.{kind}.dry-run.eml"))).unwrap_or_default();
    (output, eml)
}

/// The signed entity and the signature of a PGP/MIME message, as RFC 3156 §5 says a
/// receiver takes them: the bytes between the first boundary line and the CRLF
/// before the next.
fn pgp_mime_parts(raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(raw);
    let header_end = text.find("\r\n\r\n").unwrap();
    let headers = text[..header_end].replace("\r\n ", " ");
    assert!(
        headers.contains("Content-Type: multipart/signed;"),
        "{headers}"
    );
    assert!(
        headers.contains("protocol=\"application/pgp-signature\""),
        "{headers}"
    );
    assert!(
        headers.contains("micalg=\"pgp-sha256\""),
        "micalg from gpg's status: {headers}"
    );
    let boundary = headers
        .split("boundary=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let open = format!("--{boundary}\r\n");
    let start = text.find(&open).unwrap() + open.len();
    let end = start + text[start..].find(&format!("\r\n--{boundary}")).unwrap();
    let entity = raw[start..end].to_vec();
    let rest = &text[end..];
    let sig_start = rest.find("-----BEGIN PGP SIGNATURE-----").unwrap();
    let sig_end =
        rest.find("-----END PGP SIGNATURE-----").unwrap() + "-----END PGP SIGNATURE-----".len();
    (entity, rest.as_bytes()[sig_start..sig_end].to_vec())
}

/// Checks both verifiers on a PGP/MIME message, and that one changed byte fails both.
fn assert_pgp_mime_verifies(keyring: &Keyring, raw: &[u8], dir: &Path) {
    let (entity, signature) = pgp_mime_parts(raw);
    let data = dir.join("entity.bin");
    let sig = dir.join("entity.asc");
    std::fs::write(&data, &entity).unwrap();
    std::fs::write(&sig, &signature).unwrap();
    let public = keyring.public_key(dir);
    assert!(
        keyring.gpg_verifies(&[&sig, &data]),
        "GnuPG rejects the signature"
    );
    assert!(
        sqv_verifies(&public, &sig, &data),
        "sqv rejects the signature"
    );
    let mut tampered = entity.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    std::fs::write(&data, &tampered).unwrap();
    assert!(
        !keyring.gpg_verifies(&[&sig, &data]),
        "GnuPG accepts a changed byte"
    );
    assert!(
        !sqv_verifies(&public, &sig, &data),
        "sqv accepts a changed byte"
    );
}

/// Checks an inline (cleartext-signed) message: GnuPG on the decoded body; sqv on the
/// same signature made detached (RFC 4880 §7: dash-escapes undone, trailing white
/// space dropped, CRLF line ends, no final line end).
fn assert_inline_verifies(keyring: &Keyring, raw: &[u8], dir: &Path) {
    let parsed = MessageParser::default().parse(raw).unwrap();
    assert_eq!(
        parsed.parts.len(),
        1,
        "an inline-signed message is one text part"
    );
    let headers = String::from_utf8_lossy(raw);
    let headers = headers.split("\r\n\r\n").next().unwrap();
    assert!(
        headers.contains("Content-Type: text/plain") && !headers.contains("multipart"),
        "an inline-signed message is text only: {headers}"
    );
    let body = parsed.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        body.starts_with("-----BEGIN PGP SIGNED MESSAGE-----"),
        "{body}"
    );
    let cleartext = dir.join("inline.txt");
    std::fs::write(&cleartext, &body).unwrap();
    assert!(
        keyring.gpg_verifies(&[&cleartext]),
        "GnuPG rejects the cleartext signature"
    );

    let after_hash = body.split_once("\n\n").unwrap().1;
    let (signed, signature) = after_hash
        .split_once("\n-----BEGIN PGP SIGNATURE-----")
        .unwrap();
    let canonical: Vec<String> = signed
        .lines()
        .map(|l| l.strip_prefix("- ").unwrap_or(l).trim_end().to_string())
        .collect();
    let data = dir.join("inline.bin");
    std::fs::write(&data, canonical.join("\r\n")).unwrap();
    let sig = dir.join("inline.asc");
    std::fs::write(&sig, format!("-----BEGIN PGP SIGNATURE-----{signature}")).unwrap();
    let public = keyring.public_key(dir);
    assert!(
        sqv_verifies(&public, &sig, &data),
        "sqv rejects the cleartext signature"
    );
    std::fs::write(&data, canonical.join("\r\n").replacen("Go", "Ga", 1)).unwrap();
    assert!(
        !sqv_verifies(&public, &sig, &data),
        "sqv accepts a changed byte"
    );
    std::fs::write(&cleartext, body.replacen("Go ", "Ga ", 1)).unwrap();
    assert!(
        !keyring.gpg_verifies(&[&cleartext]),
        "GnuPG accepts a changed byte"
    );
}

#[test]
fn both_messages_in_both_modes_verify_with_gnupg_and_sqv_and_a_changed_byte_fails() {
    let keyring = Keyring::new();
    for (mode, kind, day) in [
        ("pgp-mime", "pre-announcement", PRE_ANNOUNCEMENT_DAY),
        ("pgp-mime", "announcement", RELEASE_DAY),
        ("inline", "pre-announcement", PRE_ANNOUNCEMENT_DAY),
        ("inline", "announcement", RELEASE_DAY),
    ] {
        let ws = Workspace::new();
        configure(
            &ws,
            &format!("key = \"signer@example.org\"\nmode = \"{mode}\""),
            "",
        );
        let (output, eml) = dry_run(&ws, &keyring, kind, day);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{mode} {kind}: {}",
            show(&output)
        );
        let scratch = tempfile::tempdir().unwrap();
        match mode {
            "pgp-mime" => assert_pgp_mime_verifies(&keyring, &eml, scratch.path()),
            _ => assert_inline_verifies(&keyring, &eml, scratch.path()),
        }
        // The signed content is the content the guard read and the journal hashes.
        let parsed = MessageParser::default().parse(&eml[..]).unwrap();
        let text = parsed.body_text(0).unwrap();
        assert!(text.contains("Hello gophers,"), "{mode} {kind}: {text}");
    }
}

#[test]
fn a_signed_message_sent_over_smtp_verifies_as_received_and_so_does_a_resend() {
    let keyring = Keyring::new();
    let server = SmtpServer::start(ServerOptions::new());
    let ws = Workspace::new();
    configure(
        &ws,
        "key = \"signer@example.org\"",
        &format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\ntest_server = true\n",
            server.port()
        ),
    );
    let send = |extra: &[&str]| {
        let mut args = announcement_send_args(RELEASE_DAY);
        args.extend_from_slice(extra);
        herald(&ws, &keyring, &args)
    };
    let first = send(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    let again = send(&["--resend"]);
    assert_eq!(again.status.code(), Some(0), "{}", show(&again));
    let received = server.received();
    assert_eq!(received.len(), 2);
    let scratch = tempfile::tempdir().unwrap();
    for mail in &received {
        assert_pgp_mime_verifies(&keyring, &mail.raw, scratch.path());
    }
    // Each verified above as received. The signed part is the same bytes both
    // times (its MIME boundary comes from the content), so a signature made in
    // the same second may well be the same bytes too.
    let (first_signed, _) = pgp_mime_parts(&received[0].raw);
    let (second_signed, _) = pgp_mime_parts(&received[1].raw);
    assert_eq!(
        first_signed, second_signed,
        "the signed part is reproducible"
    );
    let journal = ws.journal();
    assert_eq!(
        journal[0]["content_hash"], journal[1]["content_hash"],
        "the journal hashes the unsigned content"
    );
}

#[test]
fn what_a_wrapper_prints_around_the_signature_stays_out_and_from_lines_are_protected() {
    let keyring = Keyring::new();
    let scripts = tempfile::tempdir().unwrap();
    let noisy = scripts.path().join("noisy-gpg");
    std::fs::write(
        &noisy,
        "#!/bin/sh\necho JUNK BEFORE\ngpg \"$@\"\nstatus=$?\necho JUNK AFTER\nexit $status\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&noisy, std::fs::Permissions::from_mode(0o755)).unwrap();
    for mode in ["pgp-mime", "inline"] {
        let ws = Workspace::new();
        let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
        std::fs::write(
            ws.path("release.toml"),
            release.replace(
                "untrusted token stream can be made to hang.",
                "untrusted token stream can be made to hang.\n\n```\nfirst line\nFrom the start\n```",
            ),
        )
        .unwrap();
        configure(
            &ws,
            &format!(
                "key = \"signer@example.org\"\nmode = \"{mode}\"\nprogram = \"{}\"",
                noisy.display()
            ),
            "",
        );
        let (output, eml) = dry_run(&ws, &keyring, "announcement", RELEASE_DAY);
        assert_eq!(output.status.code(), Some(0), "{mode}: {}", show(&output));
        let text = String::from_utf8_lossy(&eml);
        assert!(
            !text.contains("JUNK"),
            "{mode}: a wrapper's output reached the message"
        );
        let scratch = tempfile::tempdir().unwrap();
        if mode == "pgp-mime" {
            assert!(
                text.contains("\r\n=46rom the start"),
                "a From line is protected: {text}"
            );
            assert_pgp_mime_verifies(&keyring, &eml, scratch.path());
            // Python's email package keeps the CRLF after the inner closing delimiter
            // with the part: the bytes it hands a verifier are the signed bytes too.
            let path = scratch.path().join("mail.eml");
            std::fs::write(&path, &eml).unwrap();
            let extract = Command::new("python3")
                .arg("-c")
                .arg("import sys,email,email.policy;m=email.message_from_binary_file(open(sys.argv[1],'rb'),policy=email.policy.SMTP);sys.stdout.buffer.write(m.get_payload(0).as_bytes())")
                .arg(&path)
                .output()
                .unwrap();
            assert!(extract.status.success(), "{}", show(&extract));
            let (_, signature) = pgp_mime_parts(&eml);
            let data = scratch.path().join("python.bin");
            let sig = scratch.path().join("python.asc");
            std::fs::write(&data, &extract.stdout).unwrap();
            std::fs::write(&sig, signature).unwrap();
            assert!(
                keyring.gpg_verifies(&[&sig, &data]),
                "GnuPG rejects what Python extracts"
            );
        } else {
            assert_inline_verifies(&keyring, &eml, scratch.path());
        }
    }
}

#[test]
fn every_bad_signing_setup_is_refused_before_connecting() {
    let keyring = Keyring::new();
    let server = SmtpServer::start(ServerOptions::new());
    let scripts = tempfile::tempdir().unwrap();
    let script = |name: &str, body: &str| {
        let path = scripts.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    };
    let slow = script("slow-gpg", "sleep 30");
    let broken = script(
        "broken-gpg",
        "echo 'gpg: fatal: the keybox is damaged' >&2; exit 2",
    );
    let cases = [
        (
            "key = \"signer@example.org\"\nprogram = \"/nonexistent/gpg\"".to_string(),
            "cannot run \"/nonexistent/gpg\"",
        ),
        (
            "key = \"nobody@example.org\"".to_string(),
            "no secret key in the keyring",
        ),
        (
            "key = \"expired@example.org\"".to_string(),
            "is expired, so it cannot sign",
        ),
        (
            "key = \"encrypt@example.org\"".to_string(),
            "not able to sign",
        ),
        (
            "key = \"locked@example.org\"".to_string(),
            "could not ask for the passphrase",
        ),
        (
            format!("key = \"signer@example.org\"\nprogram = \"{slow}\"\ntimeout_seconds = 1"),
            "did not finish signing within 1 s",
        ),
        (
            format!("key = \"signer@example.org\"\nprogram = \"{broken}\""),
            "the keybox is damaged",
        ),
    ];
    for (signing, expected) in cases {
        let ws = Workspace::new();
        configure(
            &ws,
            &signing,
            &format!(
                "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\ntest_server = true\n",
                server.port()
            ),
        );
        for flags in [&[][..], &["--dry-run"][..]] {
            let mut args = announcement_send_args(RELEASE_DAY);
            args.extend_from_slice(flags);
            let output = herald(&ws, &keyring, &args);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{signing} {flags:?}: {}",
                show(&output)
            );
            let err = String::from_utf8_lossy(&output.stderr);
            assert!(
                err.contains(expected),
                "{signing}: expected {expected:?} in\n{err}"
            );
            assert!(ws.journal().is_empty(), "{signing}: nothing journaled");
            assert!(!ws.path("release.toml.announcement.dry-run.eml").exists());
        }
    }
    assert!(server.received().is_empty(), "nothing reached the server");
}

#[test]
fn render_drafts_stay_unsigned_and_the_preview_says_when_they_will_be_signed() {
    let keyring = Keyring::new();
    let ws = Workspace::new();
    configure(&ws, "key = \"signer@example.org\"", "");
    let render = herald(
        &ws,
        &keyring,
        &[
            "render",
            "release.toml",
            "--out",
            "drafts",
            "--today",
            RELEASE_DAY,
        ],
    );
    assert_eq!(render.status.code(), Some(0), "{}", show(&render));
    let eml = std::fs::read_to_string(ws.path("drafts/announcement.eml")).unwrap();
    assert!(
        !eml.contains("multipart/signed"),
        "CI has no key: drafts are unsigned"
    );
    let page = std::fs::read_to_string(ws.path("drafts/index.html")).unwrap();
    assert!(
        page.contains("signed at send time (PGP/MIME)"),
        "the preview says the message will be signed"
    );
}

#[test]
fn a_kind_whose_lists_take_text_only_signs_its_text_part_in_both_modes() {
    let keyring = Keyring::new();
    for mode in ["pgp-mime", "inline"] {
        let ws = Workspace::new();
        configure(
            &ws,
            &format!("key = \"signer@example.org\"\nmode = \"{mode}\""),
            "",
        );
        let config = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
        let config = config.replace(
            "[recipients.announcement]\nto = [\"golang-announce@example.org\"]\n",
            "[recipients.announcement]\nto = [\"golang-announce@example.org\"]\nparts = \"text\"\n",
        );
        std::fs::write(ws.path("herald.toml"), config).unwrap();
        let (output, eml) = dry_run(&ws, &keyring, "announcement", RELEASE_DAY);
        assert_eq!(output.status.code(), Some(0), "{mode}: {}", show(&output));
        let text = String::from_utf8_lossy(&eml);
        assert!(
            !text.contains("text/html") && !text.contains("multipart/alternative"),
            "{mode}: no HTML part: {text}"
        );
        let scratch = tempfile::tempdir().unwrap();
        match mode {
            "pgp-mime" => {
                let (entity, _) = pgp_mime_parts(&eml);
                let entity = String::from_utf8_lossy(&entity);
                assert!(
                    entity.starts_with("Content-Type: text/plain"),
                    "the signed part is the text: {entity}"
                );
                assert_pgp_mime_verifies(&keyring, &eml, scratch.path());
            }
            _ => assert_inline_verifies(&keyring, &eml, scratch.path()),
        }
    }
}
