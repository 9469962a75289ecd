//! A message the test SMTP server accepted, read back from its maildir.

use std::fs;
use std::path::Path;

use mail_parser::{Address, MessageParser, MimeHeaders, PartType};

/// One accepted message: its envelope and the DATA bytes as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    /// The user name of a successful AUTH, if any.
    pub auth_user: Option<String>,
    /// Whether the message came over TLS (STARTTLS or implicit).
    pub tls: bool,
    /// The message as sent in DATA (dot-unstuffed, CRLF line ends).
    pub raw: Vec<u8>,
}

/// A mailbox from an address header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub email: String,
}

impl Received {
    pub(super) fn load(json_path: &Path) -> Received {
        #[derive(serde::Deserialize)]
        struct Meta {
            mail_from: String,
            rcpt_tos: Vec<String>,
            auth_user: Option<String>,
            tls: bool,
        }
        let text = fs::read_to_string(json_path).expect("read message metadata");
        let meta: Meta = serde_json::from_str(&text).expect("parse message metadata");
        let raw = fs::read(json_path.with_extension("eml")).expect("read message");
        Received {
            envelope_from: meta.mail_from,
            envelope_to: meta.rcpt_tos,
            auth_user: meta.auth_user,
            tls: meta.tls,
            raw,
        }
    }

    /// The parsed message, for anything the helpers below do not cover.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.raw)
            .expect("received message does not parse")
    }

    pub fn raw_str(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// Every top-level header with this name (case-insensitive), raw value
    /// unfolded and trimmed (RFC 2047 words are left encoded).
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.parsed()
            .headers_raw()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| unfold(v))
            .collect()
    }

    /// The first top-level header with this name; see [`Self::headers`].
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers(name).into_iter().next()
    }

    pub fn has_header(&self, name: &str) -> bool {
        !self.headers(name).is_empty()
    }

    /// True if a Bcc header is in the message (it must never be).
    pub fn has_bcc(&self) -> bool {
        self.has_header("Bcc")
    }

    /// Subject, RFC 2047 decoded.
    pub fn subject(&self) -> Option<String> {
        self.parsed().subject().map(str::to_owned)
    }

    pub fn from(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().from())
    }

    pub fn to(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().to())
    }

    pub fn cc(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().cc())
    }

    pub fn reply_to(&self) -> Vec<Mailbox> {
        mailboxes(self.parsed().reply_to())
    }

    /// Message-ID without the angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_owned)
    }

    /// The Date header, parsed (`None` if missing or unparsable).
    pub fn date(&self) -> Option<mail_parser::DateTime> {
        self.parsed().date().cloned()
    }

    /// The first text/plain part (not an attachment), decoded, with `\n` line ends.
    pub fn text_body(&self) -> Option<String> {
        self.body("plain")
    }

    /// The first text/html part (not an attachment), decoded, with `\n` line ends.
    pub fn html_body(&self) -> Option<String> {
        self.body("html")
    }

    fn body(&self, subtype: &str) -> Option<String> {
        let message = self.parsed();
        let found = message.parts.iter().find_map(|part| {
            let text = match &part.body {
                PartType::Text(t) | PartType::Html(t) => t,
                _ => return None,
            };
            let is_type = match part.content_type() {
                Some(_) => part.is_content_type("text", subtype),
                None => subtype == "plain", // RFC 2045 default
            };
            let attachment = part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
            (is_type && !attachment).then(|| text.replace("\r\n", "\n"))
        });
        found
    }
}

fn unfold(value: &str) -> String {
    value
        .replace("\r\n", "")
        .replace('\n', "")
        .trim()
        .to_owned()
}

fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    address
        .map(|a| {
            a.iter()
                .map(|addr| Mailbox {
                    name: addr.name().map(str::to_owned),
                    email: addr.address().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}
