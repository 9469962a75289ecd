//! The commands herald tells a person to run next.

use std::path::Path;

use crate::model::MessageKind;

/// The command that settles an in-doubt `kind` of the release at `path`, without
/// `--sent` / `--not-sent`, quoted for a POSIX shell.
pub(crate) fn settle_command(path: &Path, kind: MessageKind) -> String {
    format!(
        "herald journal settle {} --message {kind}",
        shell_quoted(&path.display().to_string())
    )
}

/// `text` as one word for a POSIX shell: as it is when that is safe, else in single
/// quotes.
pub(super) fn shell_quoted(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
