//! Secrets written into the configuration: refused, and never shown.

use crate::load::{invalid, LoadError};

use crate::secrets::{ARCHIVE_PASSWORD, SMTP_PASSWORD};

/// Refuses a configuration that writes down a password or another secret: herald
/// reads secrets only from the environment. The error shows the key and where it
/// stands, and the value as `"…redacted…"`.
pub(super) fn refuse_secrets(source: &crate::source::SourceFile) -> Result<(), LoadError> {
    static ASSIGNMENT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let assignment = ASSIGNMENT.get_or_init(|| {
        regex::Regex::new(concat!(
            r#"(?m)(?:^|[{,])[ \t]*(?P<key>"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_.-]+)[ \t]*=[ \t]*"#,
            r#"(?P<value>"""(?s:.)*?(?:"""|\z)|'''(?s:.)*?(?:'''|\z)|"(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?|[^,}#\n]*)"#,
        ))
        .expect("a valid pattern")
    });
    let text = source.text();
    // A URL with a user (and so perhaps a password) in it, `imaps://u:p@host/`, or a
    // host written with one, `u:p@host`, holds a secret whatever its key.
    static USERINFO: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let userinfo = USERINFO.get_or_init(|| {
        regex::Regex::new(r#"://[^/?#@\s]+@|^["']?[^/?#@\s"':]+:[^/?#@\s"']+@"#)
            .expect("a valid pattern")
    });
    let Some(found) = assignment
        .captures_iter(text)
        .find(|c| is_secret_key(&c["key"]) || userinfo.is_match(&c["value"]))
    else {
        return Ok(());
    };
    let key = found.name("key").expect("a key");
    let value = found.name("value").expect("a value");
    let masked = format!(
        "{}\"{}\"{}",
        &text[..value.start()],
        crate::secrets::REDACTED,
        &text[value.end()..]
    );
    let masked = crate::source::SourceFile::new(source.path(), masked);
    Err(invalid(
        &masked,
        "secret-in-file",
        key.range(),
        &format!(
            "{} holds a secret, and herald reads no secret from a file (a configuration is often committed or shared): remove it and give the SMTP password in the environment variable {SMTP_PASSWORD} (the archive's in {ARCHIVE_PASSWORD})",
            key.as_str()
        ),
    ))
}

/// `text` with the word after "password", "secret", "token" and the like (as a
/// netrc writes them: `password hunter2`) replaced by [`crate::secrets::REDACTED`].
pub(super) fn mask_secret_words(text: &str) -> String {
    static WORD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let word = WORD.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(pass(?:word|wd|phrase)?|secret|token|pw)\b([ \t:=]+)(\S+)")
            .expect("a valid pattern")
    });
    // Only lines that are no TOML assignment: a key's string may say "password".
    text.split_inclusive('\n')
        .map(|line| match line.contains('=') {
            true => std::borrow::Cow::Borrowed(line),
            false => word.replace_all(line, |c: &regex::Captures<'_>| {
                format!("{}{}\"{}\"", &c[1], &c[2], crate::secrets::REDACTED)
            }),
        })
        .collect()
}

/// `text` with the value of the key that starts at 1-based `line` and `column`
/// masked; as it is when no assignment starts there.
pub(super) fn mask_value_at(text: &str, line: usize, column: usize) -> String {
    static VALUE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let value = VALUE.get_or_init(|| {
        regex::Regex::new(concat!(
            r#"^(?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_.-]+)[ \t]*=[ \t]*"#,
            r#"("""(?s:.)*?(?:"""|\z)|'''(?s:.)*?(?:'''|\z)|"(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?|[^,}#\n]*)"#,
        ))
        .expect("a valid pattern")
    });
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let Some(line_text) = text.get(line_start..) else {
        return text.to_string();
    };
    let key_start = line_start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(0, |(at, _)| at);
    let Some(found) = text.get(key_start..).and_then(|rest| value.captures(rest)) else {
        return text.to_string();
    };
    let range = found.get(1).expect("a value").range();
    format!(
        "{}\"{}\"{}",
        &text[..key_start + range.start],
        crate::secrets::REDACTED,
        &text[key_start + range.end..]
    )
}

/// Whether a key names a secret: `password`, `smtp_pass`, `pw`, `"api_token"`, …
fn is_secret_key(key: &str) -> bool {
    let key = key.trim_matches(['"', '\'']).to_ascii_lowercase();
    let last = key.rsplit('.').next().unwrap_or(&key);
    last == "pw"
        || last == "pwd"
        || last.contains("pass")
        || last.contains("pasw")
        || last.contains("pwd")
        || [
            "password",
            "passwd",
            "passphrase",
            "secret",
            "token",
            "credential",
            "apikey",
            "api_key",
        ]
        .iter()
        .any(|word| last.contains(word))
}
