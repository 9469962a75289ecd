//! Why approvals could not be judged or made, and running the tools that judge and
//! make them.

use std::path::PathBuf;

/// Why approvals could not be judged or made. Nothing is sent after one.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(
        "cannot run {program:?} to {purpose}: {source}; install it, or set {setting} to its path"
    )]
    Missing {
        program: String,
        purpose: &'static str,
        setting: &'static str,
        source: std::io::Error,
    },
    #[error("{program} did not finish within {seconds} s ([approval] timeout_seconds) while it was to {purpose}; nothing was sent")]
    TimedOut {
        program: String,
        purpose: &'static str,
        seconds: u64,
    },
    #[error("{program} failed to {purpose}: {said}")]
    Failed {
        program: String,
        purpose: &'static str,
        said: String,
    },
    /// Something about the approvers' keys in the configuration.
    #[error("{0}")]
    Keys(String),
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs `program ARGS` with `input` under `timeout`; a program that cannot be
/// started or does not finish is an error that says what it was to do.
pub(super) fn run_tool(
    program: &str,
    setting: &'static str,
    purpose: &'static str,
    args: &[&std::ffi::OsStr],
    input: &[u8],
    timeout: std::time::Duration,
) -> Result<crate::subprocess::Finished, ApprovalError> {
    let mut command = std::process::Command::new(program);
    command.args(args);
    crate::subprocess::run(command, input, timeout).map_err(|failure| match failure {
        crate::subprocess::RunFailure::Spawn(source) => ApprovalError::Missing {
            program: program.to_string(),
            purpose,
            setting,
            source,
        },
        crate::subprocess::RunFailure::TimedOut => ApprovalError::TimedOut {
            program: program.to_string(),
            purpose,
            seconds: timeout.as_secs(),
        },
    })
}
