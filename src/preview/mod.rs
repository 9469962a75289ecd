//! The preview page (`index.html` of `render --out`), where a reviewer signs off: a
//! timeline of every message (its state today, planned day, allowed window, what the
//! send journal says), the check findings, and each message with its addressing, its
//! true state (sent, in doubt, blocked, window closed, due, sendable today), its
//! draft files linked, what changed since the last render, its leaks marked in place
//! and traced to their source, and its HTML and text parts side by side; drafts
//! addressed to placeholders say so at the top. Self-contained: no scripts, no
//! network, no fixed heights.
//!
//! The page is the Tera template `templates/preview/index.html`, built into the
//! binary, given plain data ([`view`]). Rust writes only the HTML that needs it: the
//! subject and parts with their leaks marked ([`marks`]).

mod html;
mod marks;
mod state;
mod trace;
mod view;

use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use tera::{Context, Tera};

use crate::deliver::journal::Journal;
use crate::drafts::manifest::{Change, Previous};
use crate::pipeline::{Checked, CommandError, Draft};
use crate::render::RenderError;
use crate::validate::Finding;
use marks::Marked;
use trace::Sources;

/// What the page needs besides the drafts: today's date, the last render and the
/// configuration.
pub struct PageContext<'a> {
    /// Today, from `--today`, `HERALD_TODAY` or the clock.
    pub today: NaiveDate,
    /// The render that the output directory held before this one.
    pub previous: &'a Previous,
    /// How `send` will sign each message (`[signing]`), if it will.
    pub signing: Option<crate::config::SigningMode>,
    /// The configuration file the addressing came from; `None` without one.
    pub config: Option<&'a Path>,
    /// The approvals of each message `[approval]` covers.
    pub approvals: &'a [crate::approval::ApprovalStatus],
}

/// The page's templates, built into the binary. `index.html` is the page; the others
/// are what it includes.
const TEMPLATES: [(&str, &str); 3] = [
    (
        "index.html",
        include_str!("../../templates/preview/index.html"),
    ),
    (
        "style.css",
        include_str!("../../templates/preview/style.css"),
    ),
    (
        "components.html",
        include_str!("../../templates/preview/components.html"),
    ),
];

/// The page's template engine: HTML-escaping every value but what the template marks
/// `safe`, and parsed once.
fn engine() -> Result<&'static Tera, RenderError> {
    static ENGINE: OnceLock<Result<Tera, String>> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let mut tera = Tera::default();
        tera.autoescape_on([".html"]);
        tera.set_escape_fn(html::escape_to);
        // The built-in `safe` copies the string it marks: the parts of a large
        // announcement are tens of megabytes each. This one marks the value as it is.
        tera.register_filter(
            "safe",
            |value: tera::Value, _: tera::Kwargs, _: &tera::State| value.mark_safe(),
        );
        tera.add_raw_templates(TEMPLATES)
            .map(|()| tera)
            .map_err(|e| crate::error_chain(&e))
    });
    engine
        .as_ref()
        .map_err(|message| page_error(message.clone()))
}

fn page_error(message: String) -> RenderError {
    RenderError::Template {
        name: "the preview page (templates/preview/index.html)".to_string(),
        message,
    }
}

/// One page showing every drafted message, as the module describes.
pub fn preview_page(
    checked: &Checked,
    drafts: &[Draft],
    findings: &[Finding],
    journal: &Journal,
    context: &PageContext<'_>,
) -> Result<String, CommandError> {
    let sources = Sources {
        templates: checked.templates.sources(),
        release: &checked.input.source,
    };
    let marked: Vec<Marked> = drafts
        .iter()
        .map(|d| {
            let message = &d.guarded.message;
            // A message the guard passed has nothing to mark: no second scan.
            let located = if d.guarded.leaks.is_empty() {
                Vec::new()
            } else {
                crate::guard::locate(checked.embargo(message.kind), message)
            };
            marks::mark(
                message.kind.as_str(),
                message,
                &located,
                &d.guarded.leaks,
                &sources,
            )
        })
        .collect();
    let changes: Vec<Change> = drafts
        .iter()
        .map(|d| context.previous.change(&d.guarded.message))
        .collect();
    let page = view::page(
        checked, drafts, marked, &changes, findings, journal, context,
    );
    // The parts are most of the page: room for them and the rest up front.
    let parts: usize = page
        .messages
        .iter()
        .map(|m| m.html_part.len() + m.text_part.len())
        .sum();
    let context = Context::from_serialize(&page).map_err(|e| page_error(crate::error_chain(&e)))?;
    drop(page);
    render(&context, parts + 64 * 1024)
}

/// Renders the page template with `context` into a buffer of `capacity` bytes.
fn render(context: &Context, capacity: usize) -> Result<String, CommandError> {
    let mut page = Vec::with_capacity(capacity);
    engine()?
        .render_to("index.html", context, &mut page)
        .map_err(|e| page_error(crate::error_chain(&e)))?;
    String::from_utf8(page).map_err(|e| page_error(e.to_string()).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drafts::manifest::line_diff;

    #[test]
    fn only_what_rust_marked_reaches_the_page_unescaped() {
        let safe: Vec<&str> = TEMPLATES
            .iter()
            .flat_map(|(_, text)| text.match_indices("| safe").map(|(at, _)| &text[..at]))
            .map(|before| before.rsplit("{{").next().unwrap_or_default().trim())
            .collect();
        assert_eq!(safe, ["m.subject", "m.html_part", "m.text_part"]);
    }

    #[test]
    fn a_diff_marks_removed_and_added_lines_and_escapes_them() {
        let mut context = Context::new();
        context.insert("lines", &line_diff("a\nb <x>\nc\n", "a\nb <y>\nc\n"));
        let html = engine()
            .unwrap()
            .render_component("diff", &context, None, true)
            .unwrap();
        assert!(
            html.contains("<del>-b &lt;x&gt;</del><ins>+b &lt;y&gt;</ins>"),
            "{html}"
        );
        assert!(
            html.starts_with(
                "<pre class=\"diff\"><span class=\"hunk\">@@ -1,3 +1,3 @@</span><span> a</span>"
            ),
            "{html}"
        );
    }
}
