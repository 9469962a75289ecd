//! The commands: each runs the stages it needs ([`crate::pipeline`]) and reports in text or
//! JSON ([`report`]). What a command's outcome means for its exit status is decided
//! here, at the edge ([`Exit`]).

mod approval_status;
mod approve;
mod archive;
mod check;
mod exit;
mod history;
mod import_osv;
mod init;
mod journal;
mod plan;
mod render;
mod report;
mod send;

pub use approve::{approve, ApproveKey, ApproveOptions};
pub use archive::archive_check;
pub use check::check;
pub use exit::Exit;
pub use history::history;
pub use import_osv::import_osv;
pub use init::init;
pub use journal::{settle, settle_from_archive};
pub use plan::plan;
pub use render::{render, template_contexts};
pub(crate) use report::terminal_safe_json;
pub use send::{send, Confirm, SendOptions, SendReport};

pub use crate::pipeline::{CommandError, Format, Options};
