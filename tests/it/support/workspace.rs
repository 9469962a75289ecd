//! A working directory to run herald in, with the sample release and a herald.toml
//! for a test server.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::{is_root, SmtpServer, WITHOUT_PRE_ANNOUNCEMENT};

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
