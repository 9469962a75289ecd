//! What `herald send` was asked to do.

use crate::model::MessageKind;

/// What `herald send` was asked to do.
#[derive(Debug, Clone)]
pub struct SendOptions {
    pub kind: MessageKind,
    /// `--yes`: do not ask.
    pub assume_yes: bool,
    /// `--dry-run`: write the message to a file, connect nowhere.
    pub dry_run: bool,
    /// `--resend`: send although the journal has this kind.
    pub resend: bool,
    /// `--late`: send an announcement more than [`super::refusals::LATE_AFTER_DAYS`] days after the
    /// release day.
    pub late: bool,
    /// `--test-to ADDRESS`: after every check but the day's, send a copy marked as a
    /// test to this address only, which must be listed in `[recipients.test]`. It is
    /// journaled as a test copy, which never counts as the message sent.
    pub test_to: Option<String>,
    /// `--without-pre-announcement REASON`: send an announcement whose required
    /// pre-announcement the journal does not show as sent; the reason is journaled.
    pub without_pre_announcement: Option<String>,
    /// `--no-archive REASON`: send without asking the list's archive; the reason
    /// is journaled.
    pub no_archive: Option<String>,
    /// `--wait`: after the server took the message, wait until every configured
    /// archive shows it.
    pub wait: bool,
}
