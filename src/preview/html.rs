//! Text made safe to put in the page.

use pulldown_cmark_escape::escape_html;

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
