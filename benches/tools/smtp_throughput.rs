//! SMTP throughput of herald's delivery stage against a local sink.
//!
//! Usage: `cargo run --release --example smtp_throughput -- --port P --messages 1000`
//!
//! Renders and composes the announcement of `fixtures/go1.16.1.toml` once, then sends it
//! `--messages` times to `127.0.0.1:P` (plain SMTP, which herald allows only to loopback)
//! the way `herald send` does: each message on a connection of its own, journaled
//! (written and synced to disk) before the end of its data and again on the answer.
//!
//! Prints one line: `messages=1000 bytes_per_message=3160 seconds=0.412 messages_per_second=2427.2`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use herald::config::SmtpConfig;
use herald::deliver::journal::{Journal, JournalEntry};
use herald::deliver::{Mailer, Record};
use herald::load::load_release;
use herald::model::Addressing;
use herald::model::{MessageKind, Profile};
use herald::render::{compose, render_message, Templates};

struct Args {
    host: String,
    port: u16,
    messages: usize,
    release: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".to_string(),
        port: 0,
        messages: 1000,
        release: "fixtures/go1.16.1.toml".to_string(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => args.host = value()?,
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--messages" => {
                args.messages = value()?.parse().map_err(|e| format!("--messages: {e}"))?
            }
            "--release" => args.release = value()?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.port == 0 {
        return Err("--port is required".to_string());
    }
    Ok(args)
}

fn run(args: &Args) -> Result<(), String> {
    let input = load_release(Path::new(&args.release)).map_err(|e| e.to_string())?;
    let templates = Templates::builtin(Profile::default()).map_err(|e| e.to_string())?;
    let message =
        render_message(&input, MessageKind::Announcement, &templates).map_err(|e| e.to_string())?;
    let addressing = Addressing {
        from: "Go release team <releases@example.invalid>".to_string(),
        to: vec!["announce@example.invalid".to_string()],
        cc: Vec::new(),
        bcc: Vec::new(),
        reply_to: None,
        parts: Default::default(),
    };
    let email = compose(&message, &addressing, std::time::SystemTime::now(), 0)
        .map_err(|e| e.to_string())?;
    let smtp: SmtpConfig = toml::from_str(&format!(
        "host = {:?}\nport = {}\ntls = \"none\"\nattempts = 1\ntimeout_seconds = 10\n",
        args.host, args.port
    ))
    .map_err(|e| e.to_string())?;
    let mut log = |line: &str| eprintln!("{line}");
    let mailer = Mailer::new(&smtp, None, None).map_err(|e| e.to_string())?;
    let dir = tempfile_dir()?;
    let mut journal = Journal::open(&dir.join("release.toml")).map_err(|e| e.to_string())?;
    let entry = JournalEntry::attempt(&message, &email, &addressing, mailer.server());

    let start = Instant::now();
    for _ in 0..args.messages {
        mailer
            .send(
                &email,
                &email.envelope,
                Some(Record {
                    journal: &mut journal,
                    entry: &entry,
                    settle: "(benchmark)",
                }),
                &mut log,
            )
            .map_err(|e| e.to_string())?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "messages={} bytes_per_message={} seconds={seconds:.3} messages_per_second={:.1}",
        args.messages,
        email.bytes.len(),
        args.messages as f64 / seconds
    );
    Ok(())
}

/// A fresh directory for the benchmark's journal.
fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("herald-smtp-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("smtp_throughput: {e}");
            eprintln!("usage: smtp_throughput --port P [--messages N] [--host H] [--release FILE]");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smtp_throughput: {e}");
            ExitCode::from(1)
        }
    }
}
