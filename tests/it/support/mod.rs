//! Test harness: real servers on 127.0.0.1 and the tools around them.
//!
//! * [`SmtpServer`] and [`FaultServer`] (`smtp.rs`): the well-behaved aiosmtpd
//!   server and the one that misbehaves on purpose, with the messages they stored
//!   read back as [`received::Received`] (`received.rs`).
//! * [`TestCa`] (`ca.rs`): a throwaway CA and a `localhost`/`127.0.0.1` server
//!   certificate made with the `openssl` command.
//! * [`Workspace`] (`workspace.rs`): a directory with a release and a herald.toml
//!   to run herald in.
//! * [`approvers`] and [`archive`]: throwaway approvers' keys, and the list archives.
//! * [`guard`]: what the guard's corpora share.
//!
//! Needs `python3` with `pip install aiosmtpd`, and `openssl` for [`TestCa`].
//! `HERALD_TEST_PYTHON` overrides the Python interpreter.

pub mod approvers;
pub mod archive;
mod ca;
pub mod guard;
mod received;
mod smtp;
mod workspace;

use std::process::{Command, Output};

pub use ca::TestCa;
pub use smtp::{FaultServer, ServerOptions, SmtpServer};
pub use workspace::Workspace;

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
