//! The command line's grammar: every command, option and help text (clap).

use std::path::PathBuf;

use chrono::NaiveDate;
use std::io::IsTerminal;

use clap::builder::TypedValueParser;
use clap::{Parser, Subcommand, ValueEnum};

use crate::model::{MessageKind, Profile, Track};

/// Turns a release file into golang-announce-style mail, checks it against the
/// security policy, and sends it over SMTP.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Configuration file (default: herald.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory whose templates override the built-in ones by file name.
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Today's date, for reproducible checks and previews.
    #[arg(long, global = true, value_name = "YYYY-MM-DD", env = "HERALD_TODAY")]
    pub today: Option<NaiveDate>,
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour standard error.
    pub fn enabled(self) -> bool {
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
pub enum FormatArg {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
        #[arg(long, value_name = "KIND", value_parser = message_kind())]
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
        /// Send a copy marked [TEST], on any day, to this address only; it must be
        /// listed in [recipients.test]. The journal records it as a test copy, so
        /// the real send still goes out afterwards.
        #[arg(long, value_name = "ADDRESS", conflicts_with = "resend")]
        test_to: Option<String>,
        /// Send the announcement although the journal shows no pre-announcement that
        /// the release required; REASON is journaled.
        #[arg(long, value_name = "REASON")]
        without_pre_announcement: Option<String>,
        /// Send without asking the list's archive ([archive]) first, for when it
        /// cannot be reached; REASON is journaled.
        #[arg(long, value_name = "REASON")]
        no_archive: Option<String>,
        /// After the server takes the message, wait (at most [archive] wait_seconds)
        /// until every configured archive shows it; exit 6 if one does not.
        #[arg(long, conflicts_with_all = ["dry_run", "test_to", "no_archive"])]
        wait: bool,
    },
    /// Sign off one message as an approver: its exact content, with your own key.
    #[command(long_about = APPROVE_HELP)]
    Approve {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
        /// Which message: pre-announcement or announcement.
        #[arg(long, value_name = "KIND", value_parser = message_kind())]
        message: MessageKind,
        /// Sign with this OpenPGP key, through your own gpg (as gpg --local-user takes it).
        #[arg(
            long,
            value_name = "SPEC",
            conflicts_with = "ssh_key",
            required_unless_present = "ssh_key"
        )]
        gpg_key: Option<String>,
        /// Sign with this SSH key, through ssh-keygen -Y sign (a private key, or a
        /// public key whose private half is in ssh-agent).
        #[arg(long, value_name = "FILE")]
        ssh_key: Option<PathBuf>,
        /// Print the approval on standard output instead of writing it beside the release.
        #[arg(long)]
        print: bool,
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
    /// Ask the list's archive ([archive] in herald.toml).
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Write a commented release.toml and herald.toml to start from, for a profile.
    #[command(
        after_help = "Example:\n  herald init my-release --profile generic && herald check my-release/release.toml"
    )]
    Init {
        /// Where to write them (created if missing; existing files are never overwritten).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The wording: go-2021 (the 2021 policy as written), go (Go's practice since
        /// 2023) or generic (any other project, no Go word). Go's values as examples
        /// for the first two, an invented project's for generic.
        #[arg(long, default_value = "go-2021", value_parser = profile_parser())]
        profile: Profile,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  herald completions bash > ~/.local/share/bash-completion/completions/herald"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual pages (roff), or write one file per page with --out.
    #[command(
        after_help = "Example:\n  herald man | man -l -\n  herald man --out ~/.local/share/man/man1 && man herald-send"
    )]
    Man {
        /// Write herald.1, herald-send.1, ... into DIR (made if missing) instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
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
and no answer came (settle it with `herald journal settle`); 6 sent, but not seen in \
the list's archive within wait_seconds (--wait).

Where herald.toml has an [archive] table, send first asks the list's archive for \
the message's Message-ID: a message the archive has is recorded as sent and not \
sent again, and an attempt in doubt that it shows is settled as sent. An archive \
that cannot be asked stops the send (exit 2) unless --no-archive gives a reason. \
The archive's IMAP password is read only from HERALD_ARCHIVE_PASSWORD.

Example:
  herald send release.toml --message announcement --dry-run
  herald send release.toml --message announcement --test-to me@example.org
  herald send release.toml --message announcement --wait";

const APPROVE_HELP: &str = "Sign off one message as an approver. herald renders it exactly as \
`send` would, shows its subject, recipients and content hash, and signs a statement naming \
the release, the message and that hash with your own key: --gpg-key through your gpg, \
--ssh-key through ssh-keygen -Y sign (namespace \"herald\"). No secret key passes through \
herald.

The approval is checked as `send` will check it (a key not listed in [approval] approvers, \
or the [signing] key, is refused), then written to RELEASE.approvals/ beside the release, \
to be committed; --print writes it to standard output instead. It counts only while the \
message's content is unchanged: one changed byte voids it.

Exit codes: 0 approved; 1 refused (the release does not check clean, or the approval \
would not count); 2 unusable input or configuration, or signing failed.

Example:
  herald approve release.toml --message announcement --gpg-key alice@example.org
  herald approve release.toml --message announcement --ssh-key ~/.ssh/id_ed25519 --print";

/// `--message KIND`: the kinds by name, so that help and completions offer them.
fn message_kind() -> impl TypedValueParser<Value = MessageKind> {
    clap::builder::PossibleValuesParser::new(MessageKind::ALL.map(MessageKind::as_str))
        .map(|name| name.parse::<MessageKind>().expect("a kind's own name"))
}

/// `--profile NAME`: the profiles by name, so that help and completions offer them.
fn profile_parser() -> impl TypedValueParser<Value = Profile> {
    clap::builder::PossibleValuesParser::new(Profile::ALL.map(Profile::as_str))
        .map(|name| name.parse::<Profile>().expect("a profile's own name"))
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Record what you found about an attempt that is in doubt: after looking for its
    /// Message-ID in the list archive, mark it --sent or --not-sent.
    #[command(
        after_help = "Example:\n  herald journal settle release.toml --message announcement --not-sent"
    )]
    Settle {
        #[arg(help = RELEASE_HELP)]
        release: PathBuf,
        /// Which message: pre-announcement or announcement.
        #[arg(long, value_name = "KIND", value_parser = message_kind())]
        message: MessageKind,
        /// The list has it: it counts as sent, and is not sent again without --resend.
        #[arg(
            long,
            conflicts_with_all = ["not_sent", "from_archive"],
            required_unless_present_any = ["not_sent", "from_archive"]
        )]
        sent: bool,
        /// Ask the list's archive ([archive]): settled as sent if it has the
        /// attempt's Message-ID; otherwise it stays in doubt.
        #[arg(long, conflicts_with = "not_sent")]
        from_archive: bool,
        /// The list does not have it: the next `herald send` sends it.
        #[arg(long)]
        not_sent: bool,
        /// Who settles it (default: $USER).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Connect to every archive in [archive], log in, search, and say how long it
    /// took: run it days before release day to prove credentials and reachability
    /// (exit 0 when every archive answered, 2 when one did not).
    #[command(
        after_help = "Example:\n  herald archive check --config herald.toml\n  herald archive check release.toml   # the herald.toml beside it"
    )]
    Check {
        /// A release file, whose herald.toml (beside it) is used; without it,
        /// --config or herald.toml in the working directory.
        release: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TrackArg {
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
