//! Running an outside program (gpg, ssh-keygen) under a deadline: its input written,
//! its outputs read whole, and the process killed if it takes too long.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a program that ran to its end left.
pub(crate) struct Finished {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub success: bool,
}

/// Why a program did not run to its end.
pub(crate) enum RunFailure {
    /// It could not be started (not installed, not executable).
    Spawn(std::io::Error),
    /// It did not finish, or did not close its outputs, within the deadline.
    TimedOut,
}

/// Runs `command` with `input` on its standard input and its outputs captured, and
/// waits at most `timeout` for it to end and for its outputs to close.
pub(crate) fn run(
    mut command: Command,
    input: &[u8],
    timeout: Duration,
) -> Result<Finished, RunFailure> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunFailure::Spawn)?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    // The outputs are read on threads of their own: a process the program left
    // behind may hold them open past its end, and the deadline still holds then.
    let read = |mut pipe: Box<dyn Read + Send>| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send(bytes);
        });
        receiver
    };
    let out_reader = read(Box::new(child.stdout.take().expect("piped stdout")));
    let err_reader = read(Box::new(child.stderr.take().expect("piped stderr")));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunFailure::TimedOut);
            }
        }
    };
    // The writer is not waited for: a process left behind may hold the input open.
    drop(writer);
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let stdout = out_reader
        .recv_timeout(remaining())
        .map_err(|_| RunFailure::TimedOut)?;
    let stderr = err_reader
        .recv_timeout(remaining())
        .map_err(|_| RunFailure::TimedOut)?;
    Ok(Finished {
        stdout,
        stderr,
        success: status.success(),
    })
}
