//! SMTP throughput of herald's delivery stage against a local sink.
//!
//! Usage: `cargo run --release --example smtp_throughput -- --port P --messages 1000 --mode pooled|fresh`
//!
//! Renders and composes the announcement of `fixtures/go1.16.1.toml` once, then sends it
//! `--messages` times to `127.0.0.1:P` (plain SMTP, which herald allows only to loopback):
//!
//! - `pooled`: one [`Mailer`], whose lettre `SmtpTransport` keeps its connection in its
//!   pool, so every message after the first reuses one connection (what `herald send`'s
//!   transport does);
//! - `fresh`: a new [`Mailer`] per message: a new connection, EHLO and QUIT each time.
//!
//! Prints one line: `mode=pooled messages=1000 seconds=0.412 messages_per_second=2427.2`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use herald::config::SmtpConfig;
use herald::deliver::Mailer;
use herald::load::load_release;
use herald::plan::MessageKind;
use herald::render::{compose, render_message, Addressing, Templates};

#[derive(PartialEq)]
enum Mode {
    Pooled,
    Fresh,
}

struct Args {
    host: String,
    port: u16,
    messages: usize,
    mode: Mode,
    release: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".to_string(),
        port: 0,
        messages: 1000,
        mode: Mode::Pooled,
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
            "--mode" => {
                args.mode = match value()?.as_str() {
                    "pooled" => Mode::Pooled,
                    "fresh" => Mode::Fresh,
                    other => return Err(format!("--mode must be pooled or fresh, not {other:?}")),
                }
            }
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
    let templates = Templates::builtin().map_err(|e| e.to_string())?;
    let message =
        render_message(&input, MessageKind::Announcement, &templates).map_err(|e| e.to_string())?;
    let addressing = Addressing {
        from: "Go release team <releases@example.invalid>".to_string(),
        to: vec!["announce@example.invalid".to_string()],
        bcc: Vec::new(),
        reply_to: None,
    };
    let email = compose(&message, &addressing, std::time::SystemTime::now(), 0)
        .map_err(|e| e.to_string())?;
    let smtp: SmtpConfig = toml::from_str(&format!(
        "host = {:?}\nport = {}\ntls = \"none\"\nattempts = 1\ntimeout_seconds = 10\n",
        args.host, args.port
    ))
    .map_err(|e| e.to_string())?;
    let mut log = |line: &str| eprintln!("{line}");

    let pooled = match args.mode {
        Mode::Pooled => Some(Mailer::new(&smtp, None, None).map_err(|e| e.to_string())?),
        Mode::Fresh => None,
    };
    let start = Instant::now();
    for _ in 0..args.messages {
        match &pooled {
            Some(mailer) => mailer.send(&email, &mut log).map_err(|e| e.to_string())?,
            None => {
                // Dropping the mailer at the end of this arm closes its connection.
                let mailer = Mailer::new(&smtp, None, None).map_err(|e| e.to_string())?;
                mailer.send(&email, &mut log).map_err(|e| e.to_string())?
            }
        };
    }
    drop(pooled);
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "mode={} messages={} bytes_per_message={} seconds={seconds:.3} messages_per_second={:.1}",
        if args.mode == Mode::Pooled {
            "pooled"
        } else {
            "fresh"
        },
        args.messages,
        email.bytes.len(),
        args.messages as f64 / seconds
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("smtp_throughput: {e}");
            eprintln!("usage: smtp_throughput --port P [--messages N] [--mode pooled|fresh] [--host H] [--release FILE]");
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
