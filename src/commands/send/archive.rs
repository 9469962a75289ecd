//! The list's archive in a send: an attempt in doubt settled by looking, the message
//! looked for before connecting (a second clone of the release must not send what
//! the list already has), and, with `--wait`, watched for after the server took it.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{SendOptions, SendReport};
use crate::archive::{Archives, Lookup, Witness};
use crate::config::{Config, ARCHIVE_PASSWORD_VARIABLE};
use crate::controls::escaped;
use crate::deliver::journal::{Journal, JournalEntry};
use crate::model::{Addressing, MessageKind};
use crate::pipeline::CommandError;
use crate::render::{ComposedEmail, RenderedMessage};
use crate::validate::{Finding, Severity};

/// What an archive that cannot be asked leaves a send to do.
const SEND_HINT: &str = "; nothing was sent. Fix the archive, or pass --no-archive \"REASON\" to send without asking it (the reason is journaled)";

/// The longest pause between two looks while waiting.
const LONGEST_PAUSE: Duration = Duration::from_secs(15);

/// Who settles an attempt on the archive's word during a send.
const SETTLED_BY: &str = "herald send, from the archive";

/// The archives a real send to the lists asks: none for a dry run, a test copy, a
/// configuration without `[archive]`, or `--no-archive`.
pub(super) fn archives(
    config: Option<&Config>,
    send: &SendOptions,
    real: bool,
) -> Result<Option<Archives>, CommandError> {
    let Some(config) = config.filter(|_| real && send.test_to.is_none()) else {
        return Ok(None);
    };
    if send.no_archive.is_some() {
        return Ok(None);
    }
    if send.wait && config.archive.is_none() {
        return Err(CommandError::Usage(format!(
            "send --wait watches the list's archive, and {} has no [archive] table; add one (see the book: docs/archive.md)",
            config.path.display()
        )));
    }
    Archives::from_config(config, std::env::var(ARCHIVE_PASSWORD_VARIABLE).ok()).map_err(|error| {
        CommandError::Archive {
            error,
            hint: SEND_HINT,
        }
    })
}

/// Settles the attempt of `kind` in doubt as sent when an archive has its Message-ID.
/// Returns whether it did; when no archive has it, says so and when the attempt was
/// made, and leaves it in doubt: the list may be moderating it, or slow.
pub(super) fn settle_in_doubt(
    archives: Option<&Archives>,
    journal: &mut Journal,
    kind: MessageKind,
    report: &mut SendReport,
    findings: &mut Vec<Finding>,
) -> Result<bool, CommandError> {
    let (Some(archives), Some(entry)) = (archives, journal.in_doubt(kind)) else {
        return Ok(false);
    };
    let (message_id, attempted_at, subject) = (
        entry.message_id.clone(),
        entry.attempted_at.clone(),
        entry.subject.clone(),
    );
    let lookups = ask(archives, &message_id, &subject, SEND_HINT)?;
    let witnesses = witnesses(&lookups);
    report.archive_lookups.extend(lookups);
    if witnesses.is_empty() {
        findings.push(Finding::unlocated(
            Severity::Note,
            "in-doubt-not-in-archive",
            format!(
                "the attempt to send the {kind} made at {} is not in {} (Message-ID {}); herald does not conclude that it was not sent: the list may be moderating it, or slow. Run the send again later, and it settles by itself once the archive shows it",
                escaped(&attempted_at),
                archives.names().join(" or "),
                escaped(&message_id),
            ),
        ));
        return Ok(false);
    }
    journal.settle_from_archive(kind, &message_id, &witnesses, SETTLED_BY)?;
    report.outcome = "settled-from-archive";
    report.message_id = Some(message_id);
    report.subject = Some(subject);
    report.attempted_at = Some(attempted_at);
    report.witnesses = witnesses;
    Ok(true)
}

/// Asks every archive for the message about to be sent. Messages with its subject
/// and another Message-ID are shown at once, before the person confirms, and never
/// count. Returns where the archives have it; then nothing is to be sent.
///
/// A message this journal shows as given to some of its recipients already (a send
/// that stopped part-way) is not looked for: the archive would show that first
/// transaction, and the journal alone knows who is still without it.
pub(super) fn look_before_sending(
    archives: Option<&Archives>,
    partly_sent: bool,
    email: &ComposedEmail,
    subject: &str,
    report: &mut SendReport,
    findings: &mut Vec<Finding>,
    log: &mut dyn Write,
) -> Result<Vec<Witness>, CommandError> {
    let Some(archives) = archives.filter(|_| !partly_sent) else {
        return Ok(Vec::new());
    };
    let lookups = ask(archives, &email.message_id, subject, SEND_HINT)?;
    for lookup in &lookups {
        writeln!(
            log,
            "asked {} for {} in {} ms: {}",
            lookup.archive,
            email.message_id,
            lookup.took.as_millis(),
            match &lookup.witness {
                Some(witness) => format!("it has it ({})", witness.link),
                None => "not there".to_string(),
            }
        )?;
        for namesake in &lookup.namesakes {
            let said = format!(
                "{} has a message with this subject and another Message-ID ({}): {}. It is not this message and does not count as sent; if it is this announcement sent another way, do not send",
                lookup.archive, namesake.message_id, namesake.link
            );
            writeln!(log, "note: {said}")?;
            findings.push(Finding::unlocated(Severity::Note, "same-subject", said));
        }
    }
    let witnesses = witnesses(&lookups);
    report.archive_lookups.extend(lookups);
    Ok(witnesses)
}

/// Journals the message as sent on the archives' word: nothing goes out.
pub(super) fn record_found(
    journal: &mut Journal,
    message: &RenderedMessage,
    email: &ComposedEmail,
    addressing: &Addressing,
    told: crate::render::Told,
    witnesses: Vec<Witness>,
    report: &mut SendReport,
) -> Result<(), CommandError> {
    let mut entry = JournalEntry::attempt(message, email, addressing, "");
    entry.told = Some(told);
    report.witnesses = witnesses.clone();
    journal.record_found(entry, witnesses)?;
    report.outcome = "found-in-archive";
    Ok(())
}

/// Ctrl-C and SIGTERM, watched from before the message goes out until the wait for
/// the archives ends: one that comes just after the server's answer, before the
/// wait begins, still stops the wait.
pub(super) struct Signals(Arc<AtomicUsize>);

impl Signals {
    pub(super) fn watch() -> Signals {
        let seen = Arc::new(AtomicUsize::new(0));
        for number in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register_usize(number, seen.clone(), number as usize);
        }
        Signals(seen)
    }

    fn received(&self) -> Option<i32> {
        i32::try_from(self.0.load(Ordering::SeqCst))
            .ok()
            .filter(|s| *s != 0)
    }
}

/// How waiting for the archives ended.
pub(super) enum Waited {
    /// Every archive shows the message.
    Seen,
    /// Some archive did not show it in time.
    NotSeen,
    /// A signal stopped the wait.
    Interrupted(i32),
}

/// After the server took the message: asks every archive until each shows it, or
/// until `wait_seconds` passed, and journals where they show it. An archive that
/// fails to answer is asked again until then.
pub(super) fn wait_until_seen(
    archives: &Archives,
    journal: &mut Journal,
    message_id: &str,
    signals: &Signals,
    report: &mut SendReport,
    log: &mut dyn Write,
) -> Result<Waited, CommandError> {
    let started = Instant::now();
    let deadline = started + archives.wait;
    let names = archives.names();
    writeln!(
        log,
        "waiting up to {} s (wait_seconds) for {} in {}",
        archives.wait.as_secs(),
        message_id,
        names.join(" and ")
    )?;
    let mut seen: Vec<Witness> = Vec::new();
    let mut pause = Duration::from_secs(1);
    loop {
        match archives.find(message_id, "") {
            Ok(lookups) => {
                for witness in witnesses(&lookups) {
                    if !seen.iter().any(|w| w.at == witness.at) {
                        writeln!(
                            log,
                            "seen in {} after {} s: {}",
                            witness.at,
                            started.elapsed().as_secs(),
                            witness.link
                        )?;
                        seen.push(witness);
                    }
                }
            }
            // Asked again until the wait is over; the last failure is said then.
            Err(error) => writeln!(log, "note: {error}; asking again")?,
        }
        if seen.len() == names.len() {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let until = Instant::now() + pause.min(left);
        while Instant::now() < until {
            if let Some(signal) = signals.received() {
                record_seen(journal, message_id, &seen, report)?;
                return Ok(Waited::Interrupted(signal));
            }
            std::thread::sleep(
                Duration::from_millis(100).min(until.saturating_duration_since(Instant::now())),
            );
        }
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
    record_seen(journal, message_id, &seen, report)?;
    report.waited_seconds = Some(started.elapsed().as_secs());
    Ok(match seen.len() == names.len() {
        true => Waited::Seen,
        false => {
            report.not_seen_in = names
                .into_iter()
                .filter(|name| !seen.iter().any(|w| &w.at == name))
                .collect();
            Waited::NotSeen
        }
    })
}

fn record_seen(
    journal: &mut Journal,
    message_id: &str,
    seen: &[Witness],
    report: &mut SendReport,
) -> Result<(), CommandError> {
    if !seen.is_empty() {
        journal.add_witnesses(message_id, seen)?;
    }
    report.witnesses = seen.to_vec();
    Ok(())
}

/// Every archive's answer about `message_id`; an archive that cannot be asked stops
/// the command, with `hint`.
pub(crate) fn ask(
    archives: &Archives,
    message_id: &str,
    subject: &str,
    hint: &'static str,
) -> Result<Vec<Lookup>, CommandError> {
    archives
        .find(message_id, subject)
        .map_err(|error| CommandError::Archive { error, hint })
}

/// Where the archives showed the message.
pub(crate) fn witnesses(lookups: &[Lookup]) -> Vec<Witness> {
    lookups.iter().filter_map(|l| l.witness.clone()).collect()
}
