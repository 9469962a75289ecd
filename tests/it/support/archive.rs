//! The list archives of the archive tests, real servers on 127.0.0.1 only:
//!
//! * [`Dovecot`] (Debian `dovecot-imapd`): IMAP and IMAPS, one user, a Maildir with
//!   the mailbox `Lists/announce`, the list's messages delivered with `dovecot-lda`.
//! * [`PublicInbox`] (Debian `public-inbox`): a v2 inbox served by
//!   `public-inbox-httpd`, fed with `public-inbox-mda`, whose default filter refuses
//!   any text/html part as the real lists' archives do.
//!
//! Each runs as an ordinary foreground process in its own temporary directory, and
//! is stopped (and waited for) when dropped. Dovecot must be started as root: it
//! switches to uid 65534 for the mail. The test SMTP server delivers into them
//! through [`Dovecot::delivery`] and [`PublicInbox::delivery`].

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TestCa;

/// The IMAP user of the archive mailbox.
pub const USER: &str = "announce-reader";
/// Its password: tests look for it in every output and file.
pub const PASSWORD: &str = "archive-Pw-7Qx2-secret";
/// The archive mailbox, `/` between levels.
pub const MAILBOX: &str = "Lists/announce";
/// The list the public-inbox archive keeps.
pub const LIST: &str = "golang-announce@example.org";
/// Safety net only: both servers listen within a second.
const STARTUP: Duration = Duration::from_secs(30);
/// The uid and gid Dovecot keeps the mail as (nobody, nogroup): it refuses root.
const MAIL_OWNER: &str = "65534:65534";

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str, log: &Path) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < STARTUP,
            "{what} did not listen on {port}:\n{}",
            fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Stops `child` with `signal` and waits for it.
fn stop(child: &mut Child, signal: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A directory the servers' unprivileged processes may enter.
fn open_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A Dovecot IMAP server on 127.0.0.1 with the archive mailbox.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub ca: TestCa,
}

impl Dovecot {
    pub fn start() -> Dovecot {
        assert!(
            super::is_root(),
            "the Dovecot test server starts as root (it keeps mail as uid 65534)"
        );
        assert!(
            Path::new("/usr/sbin/dovecot").exists() || which("dovecot"),
            "Dovecot is missing: run .ci/setup-test-deps (apt-get install dovecot-imapd)"
        );
        let dir = open_tempdir();
        let root = dir.path();
        let pki = root.join("pki");
        fs::create_dir(&pki).unwrap();
        let ca = TestCa::generate(&pki);
        for file in [&ca.server_pem, &ca.server_key_pem, &ca.ca_pem] {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(file, fs::Permissions::from_mode(0o644)).unwrap();
        }
        let users = root.join("users");
        fs::write(&users, format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n")).unwrap();
        // The auth process reads it as the user "dovecot".
        run(
            Command::new("chown").args(["root:dovecot"]).arg(&users),
            "chown users",
        );
        run(Command::new("chmod").arg("640").arg(&users), "chmod users");
        let home = root.join("home");
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(home.join(USER).join("Maildir").join(MAILBOX).join(sub)).unwrap();
        }
        run(
            Command::new("chown").args(["-R", MAIL_OWNER]).arg(&home),
            "chown home",
        );
        let (imap_port, imaps_port) = (free_port(), free_port());
        let root_text = root.display();
        let config = format!(
            r#"instance_name = herald-test-{imap_port}
base_dir = {root_text}/run
state_dir = {root_text}/state
log_path = {root_text}/dovecot.log
protocols = imap
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
# No delay after a failed login, and no penalty for the next one from 127.0.0.1.
auth_failure_delay = 0
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root_text}/home/%u
}}
# "/" separates mailbox levels: Lists/announce is Maildir/Lists/announce.
mail_location = maildir:~/Maildir:LAYOUT=fs
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
"#,
            cert = ca.server_pem.display(),
            key = ca.server_key_pem.display(),
            users = users.display(),
        );
        fs::write(root.join("dovecot.conf"), config).unwrap();
        for sub in ["run", "state"] {
            fs::create_dir(root.join(sub)).unwrap();
        }
        let log = root.join("dovecot.log");
        // /usr/sbin may not be on the PATH of an unprivileged shell.
        let program = ["/usr/sbin/dovecot", "dovecot"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("dovecot");
        let child = Command::new(program)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(fs::File::create(root.join("stdout.log")).unwrap())
            .stderr(fs::File::create(root.join("stderr.log")).unwrap())
            .spawn()
            .expect("start dovecot");
        let mut dovecot = Dovecot {
            child,
            dir,
            imap_port,
            imaps_port,
            ca,
        };
        if let Ok(Some(status)) = dovecot.child.try_wait() {
            panic!("dovecot exited at once ({status}):\n{}", dovecot.log());
        }
        wait_for_port(imap_port, "dovecot", &log);
        wait_for_port(imaps_port, "dovecot", &log);
        dovecot
    }

    /// `imap://127.0.0.1:PORT/Lists/announce` (no TLS: loopback).
    pub fn imap_url(&self) -> String {
        format!("imap://127.0.0.1:{}/{MAILBOX}", self.imap_port)
    }

    /// `imaps://localhost:PORT/Lists/announce`.
    pub fn imaps_url(&self) -> String {
        format!("imaps://localhost:{}/{MAILBOX}", self.imaps_port)
    }

    /// The command that delivers a message (on standard input) into the mailbox.
    pub fn delivery(&self) -> Vec<String> {
        vec![
            "/usr/lib/dovecot/dovecot-lda".into(),
            "-c".into(),
            self.dir.path().join("dovecot.conf").display().to_string(),
            "-d".into(),
            USER.into(),
            "-m".into(),
            MAILBOX.into(),
            "-f".into(),
            "releases@example.org".into(),
        ]
    }

    /// Delivers `message` into the mailbox now.
    pub fn deliver(&self, message: &[u8]) {
        deliver_with(&self.delivery(), message);
    }

    /// The server's log, for assertion messages.
    pub fn log(&self) -> String {
        let root = self.dir.path();
        ["dovecot.log", "stdout.log", "stderr.log"]
            .iter()
            .map(|f| fs::read_to_string(root.join(f)).unwrap_or_default())
            .collect()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // TERM is Dovecot's clean shutdown: it waits for its children.
        stop(&mut self.child, "TERM");
    }
}

/// A public-inbox archive of [`LIST`], served over HTTP on 127.0.0.1.
pub struct PublicInbox {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl PublicInbox {
    pub fn start() -> PublicInbox {
        assert!(
            which("public-inbox-httpd"),
            "public-inbox is missing: run .ci/setup-test-deps (apt-get install public-inbox)"
        );
        let dir = open_tempdir();
        let root = dir.path();
        for sub in ["home", "emergency"] {
            fs::create_dir(root.join(sub)).unwrap();
        }
        let port = free_port();
        let mut init = Command::new("public-inbox-init");
        init.envs(Self::env(root))
            .args(["-V2", "-L", "basic", "announce"])
            .arg(root.join("inboxes/announce"))
            .arg(format!("http://127.0.0.1:{port}/announce"))
            .arg(LIST);
        run(&mut init, "public-inbox-init");
        // Without this, public-inbox-mda pipes every message through SpamAssassin.
        run(
            Command::new("git")
                .args(["config", "-f"])
                .arg(root.join("config"))
                .args(["publicinboxmda.spamcheck", "none"]),
            "git config",
        );
        let log = root.join("httpd.err");
        let child = Command::new("public-inbox-httpd")
            .envs(Self::env(root))
            .args(["-W0", "-l", &format!("http://127.0.0.1:{port}")])
            .arg("-1")
            .arg(root.join("httpd.out"))
            .arg("-2")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start public-inbox-httpd");
        wait_for_port(port, "public-inbox-httpd", &log);
        PublicInbox { child, dir, port }
    }

    fn env(root: &Path) -> Vec<(String, PathBuf)> {
        vec![
            ("PI_CONFIG".into(), root.join("config")),
            ("HOME".into(), root.join("home")),
            ("PI_EMERGENCY".into(), root.join("emergency")),
        ]
    }

    /// `http://127.0.0.1:PORT/announce/`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}/announce/", self.port)
    }

    /// The command that delivers a message (on standard input) into the inbox, as
    /// a list server's delivery to it would. Its filter refuses text/html.
    pub fn delivery(&self) -> Vec<String> {
        let mut command = vec!["env".to_string()];
        for (name, value) in Self::env(self.dir.path()) {
            command.push(format!("{name}={}", value.display()));
        }
        command.push(format!("ORIGINAL_RECIPIENT={LIST}"));
        // --no-precheck: the list need not stand in To or Cc (it may be a Bcc).
        command.extend(["public-inbox-mda".to_string(), "--no-precheck".to_string()]);
        command
    }
}

impl Drop for PublicInbox {
    fn drop(&mut self) {
        // QUIT is the public-inbox daemons' graceful stop.
        stop(&mut self.child, "QUIT");
    }
}

fn deliver_with(command: &[String], message: &[u8]) {
    use std::io::Write;
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(message).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A message for the archives, with `message_id` (brackets included) and `subject`.
pub fn message(message_id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Someone <someone@example.org>\r\nTo: {LIST}\r\nSubject: {subject}\r\nDate: Wed, 10 Mar 2021 12:00:00 +0000\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAnother message.\r\n"
    )
    .into_bytes()
}
