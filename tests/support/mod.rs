//! Test harness: a real SMTP server on 127.0.0.1 for integration tests.
//!
//! [`SmtpServer::start`] runs `tests/support/smtp_server.py` (aiosmtpd) as a
//! child process on a free port and waits for its `READY <port>` line, the one
//! synchronisation point. Messages the server accepted are read back with
//! [`SmtpServer::received`]. [`TestCa`] makes a throwaway CA and a
//! `localhost`/`127.0.0.1` server certificate with the `openssl` command.
//!
//! Needs `python3` with `pip install aiosmtpd`, and `openssl` for [`TestCa`].
//! `HERALD_TEST_PYTHON` overrides the Python interpreter.
#![allow(dead_code)] // each test crate uses a different part of the harness

pub mod approvers;

use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mail_parser::{Address, MessageParser, MimeHeaders, PartType};

pub mod archive;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");
const FAULT_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/fault_smtp.py");
/// Safety net only: a healthy server prints READY within a fraction of a second.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const INSTALL_HINT: &str = "run: pip install aiosmtpd";

/// A working directory with a copy of the sample release and a herald.toml.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// A new directory holding `fixtures/go1.16.1.toml` as `release.toml`.
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go1.16.1.toml");
        std::fs::copy(fixture, dir.path().join("release.toml")).unwrap();
        Workspace { dir }
    }

    /// A file in the workspace.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes herald.toml for `server`; `smtp_extra` goes into the [smtp] table.
    pub fn configure(&self, server: &SmtpServer, tls: &str, smtp_extra: &str) {
        self.configure_host(server.host(), server.port(), tls, smtp_extra);
    }

    /// Writes herald.toml for a server at `host:port`. `smtp_extra` goes into the
    /// [smtp] table; a key it sets replaces the default of these tests.
    pub fn configure_host(&self, host: &str, port: u16, tls: &str, smtp_extra: &str) {
        // The test servers deliver to nobody, so the tests may say which day it is.
        let defaults: String = [
            "timeout_seconds = 10",
            "backoff_ms = 50",
            "test_server = true",
        ]
        .into_iter()
        .filter(|line| {
            let key = line.split(' ').next().unwrap_or_default();
            !smtp_extra.lines().any(|l| l.trim_start().starts_with(key))
        })
        .map(|line| format!("{line}\n"))
        .collect();
        let config = format!(
            r#"[smtp]
host = "{host}"
port = {port}
tls = "{tls}"
{defaults}{smtp_extra}

[mail]
from = "Go release team <releases@example.org>"
reply_to = "security@example.org"

[recipients.pre-announcement]
to = ["golang-announce@example.org"]

[recipients.announcement]
to = ["golang-announce@example.org", "golang-dev@example.org"]
bcc = ["security-archive@example.org"]

[recipients.test]
to = ["release-manager@example.org"]
"#
        );
        std::fs::write(self.path("herald.toml"), config).unwrap();
    }

    /// A `herald` command in the workspace, with no HERALD_* variables and no stdin.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command.args(args);
        self.isolated(command)
    }

    /// `command` run in the workspace, with no HERALD_* variables and no stdin.
    fn isolated(&self, mut command: Command) -> Command {
        command
            .current_dir(self.dir.path())
            .env_remove("HERALD_TODAY")
            .env_remove("HERALD_SMTP_PASSWORD")
            .stdin(Stdio::null());
        command
    }

    /// A `herald` command in the workspace run by a user that permission bits
    /// apply to. Root ignores them, and CI runs as root: there, a copy of herald in
    /// the workspace runs as nobody (uid 65534) through `setpriv`, and the workspace
    /// is opened to everyone; elsewhere it is [`Workspace::command`].
    pub fn unprivileged_command(&self, args: &[&str]) -> Command {
        if !is_root() {
            return self.command(args);
        }
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path, bits: u32| {
            fs::set_permissions(path, fs::Permissions::from_mode(bits)).unwrap()
        };
        let binary = self.path("herald");
        if !binary.exists() {
            fs::copy(env!("CARGO_BIN_EXE_herald"), &binary).unwrap();
        }
        mode(&binary, 0o755);
        mode(self.dir.path(), 0o777);
        mode(&self.path("release.toml"), 0o644);
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(&binary)
            .args(args);
        self.isolated(command)
    }

    /// Runs herald in the workspace with `env` set.
    pub fn herald(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(args);
        command.envs(env.iter().copied());
        command.output().unwrap()
    }

    /// `herald send release.toml --message KIND --today DAY FLAGS...` with `env` set.
    pub fn run_send(
        &self,
        kind: &str,
        today: &str,
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        let mut args = vec!["send", "release.toml", "--message", kind, "--today", today];
        args.extend_from_slice(flags);
        if kind == "announcement" && !flags.contains(&"--without-pre-announcement") {
            args.extend(["--without-pre-announcement", WITHOUT_PRE_ANNOUNCEMENT]);
        }
        self.herald(&args, env)
    }

    /// Sends with `--yes` and `extra` flags.
    pub fn send(&self, kind: &str, today: &str, extra: &[&str]) -> Output {
        let mut flags = vec!["--yes"];
        flags.extend_from_slice(extra);
        self.run_send(kind, today, &flags, &[])
    }

    /// The state of every journaled attempt, in order.
    pub fn states(&self) -> Vec<String> {
        self.journal()
            .iter()
            .map(|e| e["state"].as_str().unwrap().to_string())
            .collect()
    }

    /// The journal's entries; none when there is no journal.
    pub fn journal(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.path("release.toml.journal.json")) {
            Ok(text) => serde_json::from_str::<serde_json::Value>(&text).unwrap()["entries"]
                .as_array()
                .unwrap()
                .clone(),
            Err(_) => Vec::new(),
        }
    }
}

/// Whether the tests run as root, by the `id` command.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `herald ARGS` run in the repository, where `fixtures/` is, with no HERALD_*
/// variables.
pub fn herald(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(args)
        .env_remove("HERALD_TODAY")
        .env_remove("HERALD_SMTP_PASSWORD")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("herald runs")
}

/// A finished command's standard output: its data.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A finished command's standard error: findings, errors and the closing status line.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A finished command's exit code, stdout and stderr, for assertion messages.
pub fn show(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The arguments of `herald send release.toml --message announcement --today DAY --yes`.
pub fn announcement_send_args(today: &str) -> Vec<&str> {
    vec![
        "send",
        "release.toml",
        "--message",
        "announcement",
        "--today",
        today,
        "--yes",
        "--without-pre-announcement",
        WITHOUT_PRE_ANNOUNCEMENT,
    ]
}

/// Why the tests send an announcement whose pre-announcement they never sent: they
/// are about the announcement alone (see `--without-pre-announcement`).
pub const WITHOUT_PRE_ANNOUNCEMENT: &str = "a test of the announcement alone";

/// How the test server speaks TLS.
#[derive(Clone, Debug, Default)]
pub enum ServerTls {
    /// Plain SMTP, no STARTTLS offered.
    #[default]
    None,
    /// STARTTLS offered with this certificate chain and key (PEM files).
    StartTls { cert: PathBuf, key: PathBuf },
    /// TLS from the first byte (like port 465).
    Implicit { cert: PathBuf, key: PathBuf },
}

/// What the test server does; build with the chained methods.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub tls: ServerTls,
    /// With STARTTLS: refuse MAIL (530) until the client has issued STARTTLS.
    pub require_tls: bool,
    /// Require AUTH PLAIN/LOGIN with these credentials; others get 535.
    pub auth: Option<(String, String)>,
    /// Answer the end of the first `fail_first` DATA commands with `fail_code`.
    pub fail_first: u32,
    pub fail_code: u16,
    /// Reject every message at the end of DATA with this code.
    pub reject: Option<u16>,
    /// For the first N messages, reset the connection at the end of DATA
    /// (after the whole message arrived) without replying; nothing is stored.
    pub drop_during_data: u32,
    /// Commands each accepted message is piped to: the list delivering to its
    /// archive ([`archive`]).
    pub deliver: Vec<Vec<String>>,
    /// Seconds after the 250 the delivery runs (0: before the 250).
    pub deliver_delay: f64,
    /// Deliver a message whose connection `drop_during_data` resets, too.
    pub deliver_dropped: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            tls: ServerTls::None,
            require_tls: false,
            auth: None,
            fail_first: 0,
            fail_code: 451,
            reject: None,
            drop_during_data: 0,
            deliver: Vec::new(),
            deliver_delay: 0.0,
            deliver_dropped: false,
        }
    }
}

impl ServerOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Offer STARTTLS with `ca`'s server certificate.
    pub fn starttls(mut self, ca: &TestCa) -> Self {
        self.tls = ServerTls::StartTls {
            cert: ca.server_pem.clone(),
            key: ca.server_key_pem.clone(),
        };
        self
    }

    /// Speak TLS from the first byte with `ca`'s server certificate.
    pub fn implicit_tls(mut self, ca: &TestCa) -> Self {
        self.tls = ServerTls::Implicit {
            cert: ca.server_pem.clone(),
            key: ca.server_key_pem.clone(),
        };
        self
    }

    /// Refuse MAIL before STARTTLS (only meaningful with [`Self::starttls`]).
    pub fn require_tls(mut self) -> Self {
        self.require_tls = true;
        self
    }

    pub fn auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    pub fn fail_first(mut self, n: u32, code: u16) -> Self {
        self.fail_first = n;
        self.fail_code = code;
        self
    }

    pub fn reject(mut self, code: u16) -> Self {
        self.reject = Some(code);
        self
    }

    pub fn drop_during_data(mut self, n: u32) -> Self {
        self.drop_during_data = n;
        self
    }

    /// Pipe each accepted message to `command`, `delay` seconds after the 250.
    pub fn deliver_to(mut self, command: Vec<String>, delay: f64) -> Self {
        self.deliver.push(command);
        self.deliver_delay = delay;
        self
    }

    /// Deliver a message whose connection is reset at the end of its data, too.
    pub fn deliver_dropped(mut self) -> Self {
        self.deliver_dropped = true;
        self
    }

    fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        match &self.tls {
            ServerTls::None => {}
            ServerTls::StartTls { cert, key } => {
                args.extend(["--starttls".into(), cert.into(), key.into()]);
            }
            ServerTls::Implicit { cert, key } => {
                args.extend(["--implicit-tls".into(), cert.into(), key.into()]);
            }
        }
        if self.require_tls {
            args.push("--require-tls".into());
        }
        if let Some((user, password)) = &self.auth {
            args.extend(["--auth".into(), format!("{user}:{password}").into()]);
        }
        if self.fail_first > 0 {
            args.extend(["--fail-first".into(), self.fail_first.to_string().into()]);
            args.extend(["--fail-code".into(), self.fail_code.to_string().into()]);
        }
        if let Some(code) = self.reject {
            args.extend(["--reject".into(), code.to_string().into()]);
        }
        for command in &self.deliver {
            args.extend([
                "--deliver".into(),
                serde_json::to_string(command).unwrap().into(),
            ]);
        }
        if self.deliver_delay > 0.0 {
            args.extend([
                "--deliver-delay".into(),
                self.deliver_delay.to_string().into(),
            ]);
        }
        if self.deliver_dropped {
            args.push("--deliver-dropped".into());
        }
        if self.drop_during_data > 0 {
            args.extend([
                "--drop-during-data".into(),
                self.drop_during_data.to_string().into(),
            ]);
        }
        args
    }
}

/// A running test server; the process is killed when this is dropped.
pub struct SmtpServer {
    server: Spawned,
}

impl SmtpServer {
    /// Starts a server on 127.0.0.1, port chosen by the OS; returns once it listens.
    pub fn start(options: ServerOptions) -> SmtpServer {
        SmtpServer {
            server: spawn_server(SCRIPT, &options.args()),
        }
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// Always "127.0.0.1".
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    pub fn maildir(&self) -> &Path {
        &self.server.maildir
    }

    /// The server's log (stderr), for assertion messages.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.server.log).unwrap_or_default()
    }

    /// Every message the server accepted so far, in order of acceptance.
    /// A message is stored before the server replies 250, so after a send
    /// returns Ok it is here.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.server.maildir)
            .expect("read maildir")
            .map(|entry| entry.expect("maildir entry").path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && !p.file_name().unwrap().to_string_lossy().starts_with('.')
            })
            .collect();
        names.sort();
        names.iter().map(|json| Received::load(json)).collect()
    }
}

/// A Python test server, running and listening; killed when dropped.
struct Spawned {
    child: Child,
    /// Held open: the server also exits when its stdin closes, so it does not
    /// outlive a test process that dies without running destructors.
    _stdin: ChildStdin,
    port: u16,
    maildir: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// Runs `script --port 0 --maildir DIR ARGS...` and waits for its `READY <port>` line.
fn spawn_server(script: &str, args: &[OsString]) -> Spawned {
    let dir = tempfile::tempdir().expect("create temp dir for the SMTP test server");
    let maildir = dir.path().join("maildir");
    let log = dir.path().join("server.log");
    fs::create_dir(&maildir).expect("create maildir");
    let log_file = fs::File::create(&log).expect("create server log");

    let python = std::env::var_os("HERALD_TEST_PYTHON").unwrap_or_else(|| "python3".into());
    let mut child = match Command::new(&python)
        .arg(script)
        .args(["--port", "0", "--maildir"])
        .arg(&maildir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == ErrorKind::NotFound => panic!(
            "SMTP test server: `{}` not found; install Python 3 and {INSTALL_HINT}",
            python.to_string_lossy()
        ),
        Err(e) => panic!("SMTP test server: cannot start {script}: {e}"),
    };
    let stdin = child.stdin.take().expect("child stdin");
    let stdout = child.stdout.take().expect("child stdout");

    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let result = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = tx.send(result);
    });
    let line = match rx.recv_timeout(STARTUP_TIMEOUT) {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => format!("<error reading stdout: {e}>"),
        Err(_) => format!("<no READY line within {STARTUP_TIMEOUT:?}>"),
    };
    let port = line
        .strip_prefix("READY ")
        .and_then(|p| p.trim().parse::<u16>().ok());
    let Some(port) = port else {
        let _ = child.kill();
        let status = child.wait().ok();
        let log = fs::read_to_string(&log).unwrap_or_default();
        if status.and_then(|s| s.code()) == Some(3) || log.contains("aiosmtpd") {
            panic!("SMTP test server: Python package aiosmtpd is missing; {INSTALL_HINT}\n{log}");
        }
        panic!(
            "SMTP test server did not start (got {line:?}, exit {status:?}); \
             it needs python3 with aiosmtpd ({INSTALL_HINT}). Server log:\n{log}"
        );
    };
    Spawned {
        child,
        _stdin: stdin,
        port,
        maildir,
        log,
        _dir: dir,
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fault-injecting server `tests/support/fault_smtp.py`: plain SMTP on 127.0.0.1
/// that misbehaves in one `mode` (see the script) on its first `times` connections.
pub struct FaultServer {
    server: Spawned,
}

impl FaultServer {
    /// Starts the server; `times` None misbehaves on every connection; `delay` is in
    /// seconds, for `reply-late` and `trickle`.
    pub fn start(mode: &str, times: Option<u32>, delay: f64) -> FaultServer {
        Self::start_greeting_after(mode, times, delay, 0.0)
    }

    /// As [`FaultServer::start`], waiting `greet_delay` seconds before each greeting.
    pub fn start_greeting_after(
        mode: &str,
        times: Option<u32>,
        delay: f64,
        greet_delay: f64,
    ) -> FaultServer {
        let mut args: Vec<OsString> = vec!["--mode".into(), mode.into()];
        args.extend(["--delay".into(), delay.to_string().into()]);
        args.extend(["--greet-delay".into(), greet_delay.to_string().into()]);
        if let Some(times) = times {
            args.extend(["--times".into(), times.to_string().into()]);
        }
        FaultServer {
            server: spawn_server(FAULT_SCRIPT, &args),
        }
    }

    /// As [`FaultServer::start`] with more of the script's options (`--tls CERT
    /// KEY`, `--limit N`, `--echo-in WHERE`), misbehaving on every connection.
    pub fn start_with(mode: &str, extra: &[&str]) -> FaultServer {
        let mut args: Vec<OsString> = vec!["--mode".into(), mode.into()];
        args.extend(extra.iter().map(OsString::from));
        FaultServer {
            server: spawn_server(FAULT_SCRIPT, &args),
        }
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// The envelope recipients of each stored message, in the order they arrived.
    pub fn recipients(&self) -> Vec<Vec<String>> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.server.maildir)
            .expect("read maildir")
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                name.ends_with(".rcpt") && !name.starts_with('.')
            })
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| {
                fs::read_to_string(path)
                    .unwrap()
                    .lines()
                    .map(String::from)
                    .collect()
            })
            .collect()
    }

    /// The stored messages' bytes, in the order they arrived.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.server.maildir)
            .expect("read maildir")
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                name.ends_with(".eml") && !name.starts_with('.')
            })
            .collect();
        names.sort();
        names.iter().map(|path| fs::read(path).unwrap()).collect()
    }

    /// How many messages the server has: each stored when its end of data arrived,
    /// whatever it answered.
    pub fn copies(&self) -> usize {
        fs::read_dir(&self.server.maildir)
            .expect("read maildir")
            .filter(|entry| {
                let name = entry.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                name.ends_with(".eml") && !name.starts_with('.')
            })
            .count()
    }
}

/// One accepted message: its envelope and the DATA bytes as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    /// The user name of a successful AUTH, if any.
    pub auth_user: Option<String>,
    /// Whether the message came over TLS (STARTTLS or implicit).
    pub tls: bool,
    /// The message as sent in DATA (dot-unstuffed, CRLF line ends).
    pub raw: Vec<u8>,
}

/// A mailbox from an address header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub email: String,
}

impl Received {
    fn load(json_path: &Path) -> Received {
        #[derive(serde::Deserialize)]
        struct Meta {
            mail_from: String,
            rcpt_tos: Vec<String>,
            auth_user: Option<String>,
            tls: bool,
        }
        let text = fs::read_to_string(json_path).expect("read message metadata");
        let meta: Meta = serde_json::from_str(&text).expect("parse message metadata");
        let raw = fs::read(json_path.with_extension("eml")).expect("read message");
        Received {
            envelope_from: meta.mail_from,
            envelope_to: meta.rcpt_tos,
            auth_user: meta.auth_user,
            tls: meta.tls,
            raw,
        }
    }

    /// The parsed message, for anything the helpers below do not cover.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.raw)
            .expect("received message does not parse")
    }

    pub fn raw_str(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// Every top-level header with this name (case-insensitive), raw value
    /// unfolded and trimmed (RFC 2047 words are left encoded).
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.parsed()
            .headers_raw()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| unfold(v))
            .collect()
    }

    /// The first top-level header with this name; see [`Self::headers`].
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers(name).into_iter().next()
    }

    pub fn has_header(&self, name: &str) -> bool {
        !self.headers(name).is_empty()
    }

    /// True if a Bcc header is in the message (it must never be).
    pub fn has_bcc(&self) -> bool {
        self.has_header("Bcc")
    }

    /// Subject, RFC 2047 decoded.
    pub fn subject(&self) -> Option<String> {
        self.parsed().subject().map(str::to_owned)
    }

    pub fn from(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().from())
    }

    pub fn to(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().to())
    }

    pub fn cc(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().cc())
    }

    pub fn reply_to(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().reply_to())
    }

    /// Message-ID without the angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_owned)
    }

    /// The Date header, parsed (`None` if missing or unparsable).
    pub fn date(&self) -> Option<mail_parser::DateTime> {
        self.parsed().date().cloned()
    }

    /// The first text/plain part (not an attachment), decoded, with `\n` line ends.
    pub fn text_body(&self) -> Option<String> {
        self.body("plain")
    }

    /// The first text/html part (not an attachment), decoded, with `\n` line ends.
    pub fn html_body(&self) -> Option<String> {
        self.body("html")
    }

    fn body(&self, subtype: &str) -> Option<String> {
        let message = self.parsed();
        let found = message.parts.iter().find_map(|part| {
            let text = match &part.body {
                PartType::Text(t) | PartType::Html(t) => t,
                _ => return None,
            };
            let is_type = match part.content_type() {
                Some(_) => part.is_content_type("text", subtype),
                None => subtype == "plain", // RFC 2045 default
            };
            let attachment = part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
            (is_type && !attachment).then(|| text.replace("\r\n", "\n"))
        });
        found
    }
}

fn unfold(value: &str) -> String {
    value
        .replace("\r\n", "")
        .replace('\n', "")
        .trim()
        .to_owned()
}

fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    address
        .map(|a| {
            a.iter()
                .map(|addr| Mailbox {
                    name: addr.name().map(str::to_owned),
                    email: addr.address().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

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
