//! The test SMTP servers on 127.0.0.1.
//!
//! [`SmtpServer::start`] runs `tests/it/support/smtp_server.py` (aiosmtpd) as a
//! child process on a free port and waits for its `READY <port>` line, the one
//! synchronisation point. Messages the server accepted are read back with
//! [`SmtpServer::received`]. [`FaultServer`] runs `fault_smtp.py` the same way.

use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::received::Received;
use super::TestCa;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/support/smtp_server.py"
);
const FAULT_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/support/fault_smtp.py"
);
/// Safety net only: a healthy server prints READY within a fraction of a second.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const INSTALL_HINT: &str = "run: pip install aiosmtpd";

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
    /// archive ([`super::archive`]).
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

/// The fault-injecting server `tests/it/support/fault_smtp.py`: plain SMTP on 127.0.0.1
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

    /// How many messages the server has: each stored when its end of data arrived,
    /// whatever it answered.
    /// Whether the client has said QUIT (`quit-hang` mode).
    pub fn quit_seen(&self) -> bool {
        self.server.maildir.join("quit-seen").exists()
    }

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
