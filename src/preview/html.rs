//! Text made safe to put in the page.

use pulldown_cmark_escape::{escape_html, IoWriter};

/// `text` with `<`, `>`, `&`, `"` and `'` escaped for HTML.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped as [`escaped`] does.
pub fn escape_into(out: &mut String, text: &str) {
    // Writing to a String cannot fail.
    let _ = escape_html(out, text);
}

/// The page template's escaping: the same as [`escaped`], so that text reads the
/// same whether Rust or the template escaped it, and written a run at a time
/// rather than a byte at a time as Tera's own does.
pub fn escape_to(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    escape_html(IoWriter(out), text)
}
