//! Approvals: a second person signs off a message by signing a statement that names
//! the release, the message and the hash of its exact content (`herald approve`);
//! `send` counts only valid approvals over the content it is about to send.
//!
//! * [`settings`]: the `[approval]` table: who may approve, how many must.
//! * [`statement`]: what is signed, in one versioned, unambiguous form.
//! * [`file`]: approval files beside the release, read and written.
//! * [`openpgp`] and [`ssh`]: verification with the real tools only (gpg against an
//!   isolated keyring of the listed keys; `ssh-keygen -Y verify` against an
//!   allowed-signers file built from the listed keys), and SSH signing.
//! * [`status`]: every approval of a message judged, and counted.

mod error;
pub mod file;
pub mod openpgp;
mod scratch;
pub mod settings;
pub mod ssh;
pub mod statement;
pub mod status;

pub use error::ApprovalError;
pub use settings::{ApprovalSettings, Approver, ApproverKey};
pub use statement::Statement;
pub use status::{ApprovalRecord, ApprovalStatus, Verdict, Verifier};
