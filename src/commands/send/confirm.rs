//! Asking the person at the terminal before a message goes out.

use std::io::Write;

use std::path::Path;

use super::options::SendOptions;
use super::refusals::refusal;
use crate::english::count;
use crate::model::{Addressing, Parts};
use crate::pipeline::Guarded;
use crate::render::ComposedEmail;
use crate::validate::Finding;

/// What is about to go where, for the person about to confirm it.
pub(super) fn summary(
    log: &mut dyn Write,
    path: &Path,
    send: &SendOptions,
    guarded: &Guarded,
    email: &ComposedEmail,
    addressing: &Addressing,
    server: &str,
) -> std::io::Result<()> {
    let message = &guarded.message;
    write!(
        log,
        "About to send {}the {} of {}:\n  Subject: {}\n  From: {}\n  To: {}\n  Cc: {}\n  Bcc: {}\n  Size: {} bytes ({})\n  Server: {}\n",
        if send.test_to.is_some() { "a test copy of " } else { "" },
        send.kind,
        path.display(),
        message.subject,
        addressing.from,
        addressing.to.join(", "),
        list_or_none(&addressing.cc),
        list_or_none(&addressing.bcc),
        email.bytes.len(),
        match addressing.parts {
            Parts::TextAndHtml => format!(
                "text {} bytes, HTML {} bytes",
                message.text.len(),
                message.html.len()
            ),
            Parts::Text => format!("text only, {} bytes", message.text.len()),
        },
        server,
    )
}

/// How `send` asks the person at the terminal.
pub trait Confirm {
    /// Whether a person can answer (standard input is a terminal).
    fn interactive(&self) -> bool;
    /// Shows `prompt` and returns the answer line.
    fn ask(&mut self, prompt: &str) -> std::io::Result<String>;
}

/// Asks the person at the terminal, unless `--yes`. The refusal to report, if not.
pub(super) fn confirmation(
    send: &SendOptions,
    confirm: &mut dyn Confirm,
    recipients: usize,
) -> std::io::Result<Result<(), Finding>> {
    if send.assume_yes {
        return Ok(Ok(()));
    }
    if !confirm.interactive() {
        return Ok(Err(refusal(
            "not-confirmed",
            "standard input is not a terminal, so nobody can confirm; pass --yes to send non-interactively".to_string(),
        )));
    }
    let recipients = count(recipients, "recipient", "recipients");
    let answer = confirm.ask(&format!("Type \"send\" to send it to {recipients}: "))?;
    Ok(match answer.trim() {
        "send" => Ok(()),
        _ => Err(refusal(
            "not-confirmed",
            "not confirmed at the prompt; nothing was sent".to_string(),
        )),
    })
}

fn list_or_none(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}
