//! The herald command line: settles the process, parses, runs, exits.

use std::process::ExitCode;

fn main() -> ExitCode {
    keep_freed_memory();
    report_files_too_large();
    herald::secrets::register_from_environment();
    let exit = match herald::cli::parse(std::env::args_os().collect()) {
        Ok(cli) => herald::cli::run(cli),
        Err(exit) => exit,
    };
    ExitCode::from(exit.code())
}

/// glibc hands every block of 32 MiB or more straight back to the kernel when it is
/// freed. A large release makes and drops many such buffers (the Markdown, text,
/// HTML, encoded mail and preview page of a message are each about the size of the
/// release file), and each new one would be faulted in afresh, page by page. Freed
/// memory is kept for reuse instead; a small release allocates no such block, so
/// nothing changes there.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters, before any thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// A write past the file-size limit (`ulimit -f`) raises SIGXFSZ, which kills the
/// process without a word and leaves temporary files behind. Ignored, the write
/// fails with "File too large" instead, and herald reports it like any failed
/// write, with nothing half-written.
fn report_files_too_large() {
    #[cfg(unix)]
    // SAFETY: setting a signal to be ignored, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
