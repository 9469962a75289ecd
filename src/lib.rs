//! herald turns a release's metadata and its classified security issues into
//! golang-announce-style mail, checks it against the security policy, and
//! sends it to mailing lists over SMTP.
//!
//! The data flows through one module per stage:
//! [`load`] → [`validate`] → [`plan`] → [`render`] → [`guard`] → [`deliver`].

pub mod app;
pub mod config;
pub mod deliver;
pub mod drafts;
pub mod english;
pub mod guard;
pub mod journal;
pub mod load;
pub mod model;
pub mod osv;
pub mod plan;
pub mod render;
pub mod source;
pub mod validate;

/// An error and its causes in one line, each cause once: "a: b: c".
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.contains(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    message
}
