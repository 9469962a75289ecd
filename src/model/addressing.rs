//! Who a message is from and to: the configuration gives it, every later stage
//! uses it.

use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};

/// Who a message is from and to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Addressing {
    pub from: String,
    pub to: Vec<String>,
    /// In the Cc header and the envelope.
    pub cc: Vec<String>,
    /// In the envelope only.
    pub bcc: Vec<String>,
    pub reply_to: Option<String>,
    /// The MIME parts its lists take.
    #[serde(skip_serializing_if = "Parts::is_default")]
    pub parts: Parts,
}

/// The MIME parts a message is sent with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Parts {
    /// A multipart/alternative of the text and the HTML.
    #[default]
    #[serde(rename = "text-and-html")]
    TextAndHtml,
    /// The text alone (text/plain), for lists whose archive refuses HTML.
    #[serde(rename = "text")]
    Text,
}

impl Parts {
    fn is_default(&self) -> bool {
        *self == Parts::default()
    }
}

impl Addressing {
    /// The envelope recipients, as the composed message's envelope lists them: the
    /// address of every To, Cc and Bcc mailbox, each once. An address that does not
    /// parse is left out here and refused when the message is composed.
    pub fn envelope_recipients(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for value in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            if let Ok(mailbox) = value.parse::<Mailbox>() {
                let address = mailbox.email.to_string();
                if !out.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
                    out.push(address);
                }
            }
        }
        out
    }
}
