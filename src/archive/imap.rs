//! A mailbox subscribed to the list, read over IMAP: herald logs in, opens the
//! mailbox read-only (EXAMINE, so nothing is marked seen), and searches it.
//!
//! imap-next is sans-I/O: it makes and parses the protocol's bytes, and herald moves
//! them over its own [`Connection`], where every wait has the look-up's deadline.
//!
//! `UID SEARCH HEADER Message-ID` matches any message whose header *contains* the
//! text (RFC 3501 section 6.4.4), so a hit counts only once the message's envelope
//! shows exactly the Message-ID looked for. Each look-up is a session of its own:
//! a long session would not see mail delivered after it opened the mailbox until it
//! asked again (Dovecot shows new mail only after a NOOP).
//!
//! The password goes into the LOGIN command and nowhere else: no command, event or
//! output buffer of imap-next is ever formatted (their `Debug` shows it in debug
//! builds), and what the server says is redacted before it is kept.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imap_next::client::{Client, Event, Options};
use imap_next::imap_types::command::{Command, CommandBody};
use imap_next::imap_types::core::{AString, Charset, Tag, Vec1};
use imap_next::imap_types::fetch::{MessageDataItem, MessageDataItemName};
use imap_next::imap_types::response::{Code, Data, GreetingKind, Status, StatusKind};
use imap_next::imap_types::search::SearchKey;
use imap_next::{Interrupt, Io, State};
use rustls::ClientConfig;

use super::connection::Connection;
use super::lookup::{safe, ArchiveError, ArchiveKind, Lookup, Namesake, Probe, Witness};
use crate::config::ImapUrl;

/// At most this many messages with the same subject are reported.
const MOST_NAMESAKES: usize = 20;

/// An IMAP archive, ready to be asked. It holds the password, so it is never
/// formatted.
pub(super) struct ImapArchive {
    url: ImapUrl,
    user: String,
    password: String,
    tls: Option<Arc<ClientConfig>>,
    timeout: Duration,
}

/// What a command brought besides its tagged OK.
#[derive(Default)]
struct Answer {
    data: Vec<Data<'static>>,
    uid_validity: Option<u32>,
}

/// A logged-in session with the mailbox open.
struct Session {
    client: Client,
    connection: Connection,
    tags: u32,
    buffer: Vec<u8>,
    uid_validity: Option<u32>,
    messages: u32,
}

/// One message's UID and envelope fields.
struct Envelope {
    uid: u32,
    message_id: Vec<u8>,
    subject: Vec<u8>,
}

impl ImapArchive {
    pub(super) fn new(
        url: ImapUrl,
        user: String,
        password: String,
        tls: Option<Arc<ClientConfig>>,
        timeout: Duration,
    ) -> ImapArchive {
        ImapArchive {
            url,
            user,
            password,
            tls,
            timeout,
        }
    }

    /// The archive as configured, for messages and the journal.
    pub(super) fn name(&self) -> String {
        self.url.to_string()
    }

    /// Whether the mailbox has a message with exactly `message_id`, and which others
    /// have `subject`.
    pub(super) fn find(&self, message_id: &str, subject: &str) -> Result<Lookup, ArchiveError> {
        let started = Instant::now();
        let failed = |what: String| ArchiveError::failed(&self.name(), &what);
        let mut session = self.session(started).map_err(failed)?;
        let hits = session
            .search("Message-ID", message_id)
            .and_then(|uids| session.envelopes(&uids))
            .map_err(failed)?;
        let found = hits.iter().find(|e| e.message_id == message_id.as_bytes());
        let witness = found.map(|e| Witness {
            archive: ArchiveKind::Imap,
            at: self.name(),
            uid: Some(e.uid),
            uid_validity: session.uid_validity,
            link: self.link(session.uid_validity, e.uid),
            seen_at: now(),
        });
        let mut namesakes = Vec::new();
        if !subject.is_empty() {
            let mut uids = session.search("Subject", subject).map_err(failed)?;
            // The latest ones, which are the likely ones.
            uids.sort_unstable();
            let keep = uids.len().saturating_sub(MOST_NAMESAKES);
            let uids = uids.split_off(keep);
            for envelope in session.envelopes(&uids).map_err(failed)? {
                if envelope.message_id != message_id.as_bytes() {
                    namesakes.push(Namesake {
                        message_id: safe(&String::from_utf8_lossy(&envelope.message_id)),
                        subject: safe(&String::from_utf8_lossy(&envelope.subject)),
                        link: self.link(session.uid_validity, envelope.uid),
                    });
                }
            }
        }
        session.logout();
        Ok(Lookup {
            archive: self.name(),
            witness,
            namesakes,
            took: started.elapsed(),
        })
    }

    /// Connects, logs in, opens the mailbox and runs one search: what `herald
    /// archive check` proves days ahead.
    pub(super) fn check(&self) -> Result<Probe, ArchiveError> {
        let started = Instant::now();
        let failed = |what: String| ArchiveError::failed(&self.name(), &what);
        let mut session = self.session(started).map_err(failed)?;
        session
            .search("Message-ID", "<herald.archive-check@example.invalid>")
            .map_err(failed)?;
        let messages = session.messages;
        session.logout();
        Ok(Probe {
            archive: self.name(),
            proven: format!(
                "logged in as {}, opened {} ({} messages), searched it",
                safe(&self.user),
                safe(&self.url.mailbox),
                messages
            ),
            took: started.elapsed(),
        })
    }

    /// An IMAP URL (RFC 5092) of the message with `uid`.
    fn link(&self, uid_validity: Option<u32>, uid: u32) -> String {
        match uid_validity {
            Some(validity) => format!("{};UIDVALIDITY={validity}/;UID={uid}", self.name()),
            None => format!("{}/;UID={uid}", self.name()),
        }
    }

    /// A session, logged in, with the mailbox open read-only.
    fn session(&self, started: Instant) -> Result<Session, String> {
        let seconds = self.timeout.as_secs();
        let connection = Connection::open(
            &self.url.host,
            self.url.port,
            match self.url.tls {
                true => self.tls.as_ref(),
                false => None,
            },
            started + self.timeout,
            seconds,
        )?;
        let mut session = Session {
            client: Client::new(Options::default()),
            connection,
            tags: 0,
            buffer: vec![0; 16 * 1024],
            uid_validity: None,
            messages: 0,
        };
        let greeting = loop {
            if let Event::GreetingReceived { greeting } = session.event()? {
                break greeting;
            }
        };
        match greeting.kind {
            GreetingKind::Ok => {
                let login = CommandBody::login(self.user.clone(), self.password.clone())
                    .map_err(|_| {
                        "[archive] user or HERALD_ARCHIVE_PASSWORD holds a character IMAP cannot send (a line break or NUL)".to_string()
                    })?;
                session
                    .run(login)
                    .map_err(|e| format!("login as {} refused: {e} (check [archive] user and HERALD_ARCHIVE_PASSWORD)", self.user))?;
            }
            GreetingKind::PreAuth => {}
            GreetingKind::Bye => {
                return Err(format!(
                    "the server refused the connection: {}",
                    greeting.text.as_ref()
                ))
            }
        }
        let examine = CommandBody::examine(self.url.mailbox.clone())
            .map_err(|_| format!("{:?} is not a mailbox name IMAP can send", self.url.mailbox))?;
        let answer = session
            .run(examine)
            .map_err(|e| format!("cannot open the mailbox {}: {e}", self.url.mailbox))?;
        session.uid_validity = answer.uid_validity;
        session.messages = answer
            .data
            .iter()
            .filter_map(|d| match d {
                Data::Exists(n) => Some(*n),
                _ => None,
            })
            .next_back()
            .unwrap_or(0);
        Ok(session)
    }
}

impl Session {
    /// The next event of the client, moving bytes both ways as it asks.
    fn event(&mut self) -> Result<Event, String> {
        loop {
            match self.client.next() {
                Ok(event) => return Ok(event),
                Err(Interrupt::Io(Io::NeedMoreInput)) => {
                    let read = self.connection.read(&mut self.buffer)?;
                    if read == 0 {
                        return Err("the server closed the connection".to_string());
                    }
                    self.client.enqueue_input(&self.buffer[..read]);
                }
                Err(Interrupt::Io(Io::Output(bytes))) => self.connection.write_all(&bytes)?,
                // Only the error's text: its other fields hold the bytes it could not
                // parse.
                Err(Interrupt::Error(error)) => {
                    return Err(format!("the server's answer is not IMAP: {error}"))
                }
            }
        }
    }

    /// Runs one command to its tagged answer. An answer other than OK is an error
    /// with the server's text.
    fn run(&mut self, body: CommandBody<'static>) -> Result<Answer, String> {
        self.tags += 1;
        let tag = Tag::try_from(format!("h{}", self.tags)).expect("a valid tag");
        let handle = self.client.enqueue_command(Command {
            tag: tag.clone(),
            body,
        });
        let mut answer = Answer::default();
        loop {
            match self.event()? {
                Event::DataReceived { data } => answer.data.push(data),
                Event::StatusReceived { status } => match status {
                    Status::Tagged(tagged) if tagged.tag == tag => {
                        return match tagged.body.kind {
                            StatusKind::Ok => Ok(answer),
                            _ => Err(safe(tagged.body.text.as_ref())),
                        };
                    }
                    Status::Untagged(body) => {
                        if let Some(Code::UidValidity(validity)) = body.code {
                            answer.uid_validity = Some(validity.get());
                        }
                    }
                    Status::Bye(bye) => {
                        return Err(format!(
                            "the server ended the session: {}",
                            safe(bye.text.as_ref())
                        ))
                    }
                    Status::Tagged(_) => {}
                },
                Event::CommandRejected {
                    handle: rejected,
                    status,
                    ..
                } if rejected == handle => {
                    let text = match status {
                        Status::Tagged(t) => t.body.text.as_ref().to_string(),
                        Status::Untagged(b) => b.text.as_ref().to_string(),
                        Status::Bye(b) => b.text.as_ref().to_string(),
                    };
                    return Err(safe(&text));
                }
                _ => {}
            }
        }
    }

    /// The UIDs of the messages whose `header` contains `text`.
    fn search(&mut self, header: &str, text: &str) -> Result<Vec<NonZeroU32>, String> {
        let value = AString::try_from(text.to_string())
            .map_err(|_| format!("cannot search for {:?} over IMAP", safe(text)))?;
        let key = SearchKey::Header(
            AString::try_from(header.to_string()).expect("a header name"),
            value,
        );
        // A subject beyond ASCII is searched for as UTF-8 (RFC 3501 section 6.4.4).
        let charset = (!text.is_ascii()).then(|| Charset::try_from("UTF-8").expect("a charset"));
        let answer = self
            .run(CommandBody::search(charset, Vec1::from(key), true))
            .map_err(|e| format!("UID SEARCH HEADER {header} failed: {e}"))?;
        Ok(answer
            .data
            .into_iter()
            .filter_map(|data| match data {
                Data::Search(uids, ..) => Some(uids),
                _ => None,
            })
            .flatten()
            .collect())
    }

    /// The envelopes of the messages with `uids`.
    fn envelopes(&mut self, uids: &[NonZeroU32]) -> Result<Vec<Envelope>, String> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetch = CommandBody::fetch(
            uids,
            vec![MessageDataItemName::Uid, MessageDataItemName::Envelope],
            true,
        )
        .map_err(|_| "cannot ask for the messages found".to_string())?;
        let answer = self
            .run(fetch)
            .map_err(|e| format!("UID FETCH failed: {e}"))?;
        let mut envelopes = Vec::new();
        for data in answer.data {
            let Data::Fetch { items, .. } = data else {
                continue;
            };
            let mut envelope = Envelope {
                uid: 0,
                message_id: Vec::new(),
                subject: Vec::new(),
            };
            for item in items.into_inner() {
                match item {
                    MessageDataItem::Uid(uid) => envelope.uid = uid.get(),
                    MessageDataItem::Envelope(fields) => {
                        let bytes = |n: imap_next::imap_types::core::NString<'_>| {
                            n.into_option().map(|b| b.into_owned()).unwrap_or_default()
                        };
                        envelope.message_id = trim(bytes(fields.message_id));
                        envelope.subject = bytes(fields.subject);
                    }
                    _ => {}
                }
            }
            if envelope.uid != 0 {
                envelopes.push(envelope);
            }
        }
        Ok(envelopes)
    }

    /// Says goodbye. The answer is known by now, so a server that closes without
    /// one changes nothing.
    fn logout(mut self) {
        let _ = self.run(CommandBody::Logout);
    }
}

/// `bytes` without the white space around them.
fn trim(bytes: Vec<u8>) -> Vec<u8> {
    bytes.trim_ascii().to_vec()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
