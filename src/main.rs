//! The herald command line: parses arguments and hands off to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::{BufRead, IsTerminal, Write};

use chrono::NaiveDate;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use herald::app::{self, Format, Options};
use herald::model::MessageKind;
use herald::model::Track;
use herald::secrets::Redacting;

/// Turns a release file into golang-announce-style mail, checks it against the
/// security policy, and sends it over SMTP.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Configuration file (default: herald.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory whose templates override the built-in ones by file name.
    #[arg(long, global = true, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Today's date, for reproducible checks and previews.
    #[arg(long, global = true, value_name = "YYYY-MM-DD", env = "HERALD_TODAY")]
    today: Option<NaiveDate>,
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
}

/// glibc hands every block of 32 MiB or more straight back to the kernel when it is
/// freed. A large release makes and drops many such buffers (the Markdown, text,
/// HTML, encoded mail and preview page of a message are each about the size of the
/// release file), and each new one is faulted in afresh, page by page. Keeping
/// freed memory for reuse halves the page faults of 100,000 issues and saves a tenth
/// of their time; a small release allocates no such block, so nothing changes there.
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour standard error.
    fn enabled(self) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the release file and check it against the policy (exit 0 clean, 1 violation, 2 unusable).
    #[command(
        after_help = "Example:\n  herald check release.toml\n  herald check release.toml --format json"
    )]
    Check {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
    },
    /// Print the timeline: which messages go out on which days.
    #[command(after_help = "Example:\n  herald plan release.toml --today 2021-03-01")]
    Plan {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
    },
    /// Render every message due for this release as drafts.
    #[command(
        after_help = "Example:\n  herald render release.toml > drafts.txt\n  herald render release.toml --out drafts   # then open drafts/index.html"
    )]
    Render {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
        /// Write .eml, .txt and .html drafts and index.html here instead of printing the text parts.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print, as one JSON document, the context each template sees (for template
        /// authors), and render nothing.
        #[arg(long, conflicts_with = "out")]
        context: bool,
    },
    /// Send one message over SMTP after every check.
    #[command(long_about = SEND_HELP)]
    Send {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
        /// Which message: pre-announcement or announcement.
        #[arg(long, value_name = "KIND")]
        message: MessageKind,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Write the exact bytes that would be sent, and connect nowhere.
        #[arg(long)]
        dry_run: bool,
        /// Send even though the journal says this message was already sent.
        #[arg(long)]
        resend: bool,
        /// Send an announcement more than 3 days after its release day.
        #[arg(long)]
        late: bool,
        /// After every check, send a copy marked [TEST] to this address only;
        /// nothing is journaled, so the real send still goes out afterwards.
        #[arg(long, value_name = "ADDRESS", conflicts_with = "resend")]
        test_to: Option<String>,
    },
    /// Print the release-history line of each version.
    #[command(after_help = "Example:\n  herald history release.toml")]
    History {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
    },
    /// Read or settle the send journal (RELEASE.journal.json).
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Write a commented release.toml and herald.toml to start from (Go's values as examples).
    #[command(
        after_help = "Example:\n  herald init my-release && herald check my-release/release.toml"
    )]
    Init {
        /// Where to write them (created if missing; existing files are never overwritten).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  herald completions bash > ~/.local/share/bash-completion/completions/herald"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    #[command(after_help = "Example:\n  herald man > herald.1 && man ./herald.1")]
    Man,
    /// Append [[security]] entries to a release file from OSV records (Go vulnerability database format).
    #[command(
        after_help = "Example:\n  herald import-osv release.toml --track private GO-2021-0234.json --dry-run"
    )]
    ImportOsv {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
        /// OSV JSON files, one record each.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The track of the imported issues; OSV does not say, and herald will not guess.
        #[arg(long, value_enum)]
        track: TrackArg,
        /// The issue number, when the record has no issue reference (one file only).
        #[arg(long)]
        issue: Option<u64>,
        /// Show what would be appended without changing the file.
        #[arg(long)]
        dry_run: bool,
    },
}

const RELEASE_HELP: &str = "The release file (TOML): project, release versions and day, [[security]] and [[fix]] entries; the send journal RELEASE.journal.json lives beside it";

const SEND_HELP: &str = "Send one message over SMTP after every check: policy, today's date, the \
embargo guard and the send journal. Asks you to type \"send\" unless --yes.

The SMTP password is read only from the environment variable HERALD_SMTP_PASSWORD.

Exit codes: 0 sent; 1 refused (a violation, a leak, the wrong day, already sent, an \
earlier attempt in doubt, another send running, not confirmed); 2 unusable input, \
configuration or journal; 3 nothing was delivered (refused by the server, or not \
reached); 4 sent, but the journal could not record it; 5 in doubt: the data went out \
and no answer came (settle it with `herald journal settle`).

Example:
  herald send release.toml --message announcement --dry-run
  herald send release.toml --message announcement --test-to me@example.org
  herald send release.toml --message announcement";

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// Record what you found about an attempt that is in doubt: after looking for its
    /// Message-ID in the list archive, mark it --sent or --not-sent.
    #[command(
        after_help = "Example:\n  herald journal settle release.toml --message announcement --not-sent"
    )]
    Settle {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
        /// Which message: pre-announcement or announcement.
        #[arg(long, value_name = "KIND")]
        message: MessageKind,
        /// The list has it: it counts as sent, and is not sent again without --resend.
        #[arg(
            long,
            conflicts_with = "not_sent",
            required_unless_present = "not_sent"
        )]
        sent: bool,
        /// The list does not have it: the next `herald send` sends it.
        #[arg(long)]
        not_sent: bool,
        /// Who settles it (default: $USER).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TrackArg {
    Public,
    Private,
    Urgent,
}

impl From<TrackArg> for Track {
    fn from(track: TrackArg) -> Self {
        match track {
            TrackArg::Public => Track::Public,
            TrackArg::Private => Track::Private,
            TrackArg::Urgent => Track::Urgent,
        }
    }
}

/// The manual: herald(1), then a page for each command (herald-send(1), ...), in one
/// roff stream that `man -l -` reads.
fn manual(out: &mut dyn Write) -> std::io::Result<()> {
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(out)?;
    for sub in command.get_subcommands() {
        let name = format!("herald-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .display_name(name)
            .version(env!("CARGO_PKG_VERSION"));
        clap_mangen::Man::new(page).render(out)?;
    }
    Ok(())
}

/// Confirmation from the person at the terminal.
struct Terminal;

impl app::Confirm for Terminal {
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
/// exist (a machine asking for machine output): argument errors are then reported
/// as the JSON error object too.
fn wants_json(args: &[std::ffi::OsString]) -> bool {
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

fn main() -> ExitCode {
    keep_freed_memory();
    report_files_too_large();
    herald::secrets::register_from_environment();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            let informational = matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            );
            if informational || !wants_json(&args) {
                err.exit();
            }
            let rendered = err.render().to_string();
            let message = rendered.lines().next().unwrap_or_default();
            let report = serde_json::json!({
                "status": "error",
                "exit_code": 2,
                "error": message.strip_prefix("error: ").unwrap_or(message),
            });
            let _ = writeln!(std::io::stdout(), "{report:#}");
            let _ = err.print();
            return ExitCode::from(2);
        }
    };
    let json = matches!(cli.format, FormatArg::Json);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // Each error's message already says what went wrong and where. A standard
            // error that cannot be written (a full disk) must not turn the exit code
            // into a panic's.
            let _ = writeln!(Redacting::new(std::io::stderr()), "herald: {err}");
            let code = err
                .downcast_ref::<app::AppError>()
                .map_or(2, app::AppError::exit_code);
            if json {
                let report = serde_json::json!({
                    "status": "error",
                    "exit_code": code,
                    "error": err.to_string(),
                });
                let _ = writeln!(Redacting::new(std::io::stdout()), "{report:#}");
            }
            ExitCode::from(u8::try_from(code).unwrap_or(2))
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let options = Options {
        format: match cli.format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
        },
        config: cli.config,
        templates: cli.templates,
        today: cli
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        color: cli.color.enabled(),
    };
    let mut stdout = Redacting::new(std::io::stdout().lock());
    let code = match &cli.command {
        Command::Check { release } => app::check(release, &options, &mut stdout)?,
        Command::Plan { release } => app::plan_command(release, &options, &mut stdout)?,
        Command::Render {
            release,
            context: true,
            ..
        } => app::template_contexts(release, &options, &mut stdout)?,
        Command::Render { release, out, .. } => {
            app::render_command(release, out.as_deref(), &options, &mut stdout)?
        }
        Command::History { release } => app::history(release, &options, &mut stdout)?,
        Command::Init { dir } => app::init(dir, &options, &mut stdout)?,
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "herald", &mut stdout);
            0
        }
        Command::Man => {
            manual(&mut stdout)?;
            0
        }
        Command::Journal(JournalCommand::Settle {
            release,
            message,
            sent,
            not_sent: _,
            by,
        }) => {
            let by = by
                .clone()
                .or_else(|| std::env::var("USER").ok())
                .or_else(|| std::env::var("LOGNAME").ok())
                .unwrap_or_else(|| "unknown".to_string());
            app::settle(release, *message, *sent, &by, &options, &mut stdout)?
        }
        Command::ImportOsv {
            release,
            files,
            track,
            issue,
            dry_run,
        } => {
            let import = herald::osv::ImportOptions {
                track: (*track).into(),
                issue: *issue,
                dry_run: *dry_run,
            };
            app::import_osv(release, files, &import, &options, &mut stdout)?
        }
        Command::Send {
            release,
            message,
            yes,
            dry_run,
            resend,
            late,
            test_to,
        } => {
            let send = app::SendOptions {
                kind: *message,
                assume_yes: *yes,
                dry_run: *dry_run,
                resend: *resend,
                late: *late,
                test_to: test_to.clone(),
            };
            let mut terminal = Terminal;
            app::send(
                release,
                &send,
                &options,
                &mut terminal,
                &mut stdout,
                &mut Redacting::new(std::io::stderr()),
            )?
        }
    };
    Ok(u8::try_from(code).unwrap_or(2))
}
