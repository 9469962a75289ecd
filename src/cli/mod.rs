//! The command line: [`parse`] reads the arguments, [`run`] runs the command and
//! reports an error that stopped it, and the caller exits with the [`Exit`] status.

mod args;
mod manual;

use std::ffi::OsString;
use std::io::{BufRead, IsTerminal, Write};

use clap::{CommandFactory, Parser};

pub use args::Cli;
use args::{ArchiveCommand, Command, FormatArg, JournalCommand};

use crate::commands::{self, CommandError, Exit, Format, Options};
use crate::secrets::Redacting;

/// The parsed command line, or the status to exit with after clap printed help, the
/// version, or an error. An argument error with `--format json` is also reported as
/// the JSON error object, so that a machine asking for JSON always gets one document.
pub fn parse(args: Vec<OsString>) -> Result<Cli, Exit> {
    match Cli::try_parse_from(&args) {
        Ok(cli) => Ok(cli),
        Err(err) => {
            use clap::error::ErrorKind;
            let informational = matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            );
            if informational {
                let _ = err.print();
                return Err(Exit::Success);
            }
            if wants_json(&args) {
                let rendered = err.render().to_string();
                let message = rendered.lines().next().unwrap_or_default();
                let message = message.strip_prefix("error: ").unwrap_or(message);
                json_error(Exit::Unusable, message);
            }
            let _ = err.print();
            Err(Exit::Unusable)
        }
    }
}

/// Runs the command. An error that stops it is reported here: on standard error,
/// and as the JSON error object with `--format json`.
pub fn run(cli: Cli) -> Exit {
    let json = matches!(cli.format, FormatArg::Json);
    match dispatch(cli) {
        Ok(exit) => exit,
        Err(err) => {
            let exit = Exit::of_error(&err);
            // Each error's message already says what went wrong and where. A standard
            // error that cannot be written (a full disk) must not turn the exit status
            // into a panic's.
            let _ = writeln!(Redacting::new(std::io::stderr()), "herald: {err}");
            if json {
                json_error(exit, &err.to_string());
            }
            exit
        }
    }
}

/// `{"status": "error", "exit_code": N, "error": "..."}` on standard output.
fn json_error(exit: Exit, message: &str) {
    let report = serde_json::json!({
        "status": "error",
        "exit_code": exit,
        "error": message,
    });
    let document = format!("{report:#}");
    let _ = writeln!(
        Redacting::new(std::io::stdout()),
        "{}",
        crate::commands::terminal_safe_json(&document)
    );
}

fn dispatch(cli: Cli) -> Result<Exit, CommandError> {
    let options = Options {
        format: match cli.format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
        },
        config: cli.config,
        templates: cli.templates,
        today: cli.today,
        color: cli.color.enabled(),
    };
    let mut stdout = Redacting::new(std::io::stdout().lock());
    let out = &mut stdout;
    match cli.command {
        Command::Check { release } => commands::check(&release, &options, out),
        Command::Plan { release } => commands::plan(&release, &options, out),
        Command::Render {
            release,
            context: true,
            ..
        } => commands::template_contexts(&release, &options, out),
        Command::Render {
            release, out: dir, ..
        } => commands::render(&release, dir.as_deref(), &options, out),
        Command::History { release } => commands::history(&release, &options, out),
        Command::Init { dir, profile } => commands::init(&dir, profile, &options, out),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "herald", out);
            Ok(Exit::Success)
        }
        Command::Man { out: None } => {
            manual::write(out)?;
            Ok(Exit::Success)
        }
        Command::Man { out: Some(dir) } => {
            for page in manual::write_pages(&dir)? {
                writeln!(out, "wrote {}", page.display())?;
            }
            Ok(Exit::Success)
        }
        Command::Journal(JournalCommand::Settle {
            release,
            message,
            sent,
            not_sent: _,
            from_archive,
            by,
        }) => {
            let by = by
                .or_else(|| std::env::var("USER").ok())
                .or_else(|| std::env::var("LOGNAME").ok())
                .unwrap_or_else(|| "unknown".to_string());
            match from_archive {
                true => commands::settle_from_archive(&release, message, &by, &options, out),
                false => commands::settle(&release, message, sent, &by, &options, out),
            }
        }
        Command::Archive(ArchiveCommand::Check { release }) => {
            commands::archive_check(release.as_deref(), &options, out)
        }
        Command::ImportOsv {
            release,
            files,
            track,
            issue,
            dry_run,
        } => {
            let import = crate::osv::ImportOptions {
                track: track.into(),
                issue,
                dry_run,
            };
            commands::import_osv(&release, &files, &import, &options, out)
        }
        Command::Approve {
            release,
            message,
            gpg_key,
            ssh_key,
            print,
        } => {
            let key = match (gpg_key, ssh_key) {
                (Some(spec), _) => commands::ApproveKey::Gpg(spec),
                (None, Some(file)) => commands::ApproveKey::Ssh(file),
                (None, None) => unreachable!("clap requires --gpg-key or --ssh-key"),
            };
            let approve = commands::ApproveOptions {
                kind: message,
                key,
                print,
            };
            commands::approve(
                &release,
                &approve,
                &options,
                out,
                &mut Redacting::new(std::io::stderr()),
            )
        }
        Command::Send {
            release,
            message,
            yes,
            dry_run,
            resend,
            late,
            test_to,
            without_pre_announcement,
            no_archive,
            wait,
        } => {
            let send = commands::SendOptions {
                kind: message,
                assume_yes: yes,
                dry_run,
                resend,
                late,
                test_to,
                without_pre_announcement,
                no_archive,
                wait,
            };
            commands::send(
                &release,
                &send,
                &options,
                &mut Terminal,
                out,
                &mut Redacting::new(std::io::stderr()),
            )
        }
    }
}

/// Confirmation from the person at the terminal.
struct Terminal;

impl commands::Confirm for Terminal {
    fn interactive(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn ask(&mut self, prompt: &str) -> std::io::Result<String> {
        write!(std::io::stderr(), "{prompt}")?;
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line)
    }
}

/// Whether the raw arguments ask for JSON output, or for a format that does not
/// exist (a machine asking for machine output).
fn wants_json(args: &[OsString]) -> bool {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    args.iter().enumerate().any(|(i, arg)| {
        let value = match arg.strip_prefix("--format=") {
            Some(value) => Some(value),
            None if arg == "--format" => args.get(i + 1).map(String::as_str),
            None => None,
        };
        value.is_some_and(|v| v != "text")
    })
}
