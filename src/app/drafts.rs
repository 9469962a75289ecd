//! Render output: drafts on disk (`.eml`, `.txt`, `.html`) and a preview page.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use pulldown_cmark_escape::escape_html;
use serde::Serialize;

use super::{AppError, Checked, Guarded};
use crate::deliver::journal::{Journal, JournalEntry};
use crate::plan::PlannedMessage;
use crate::render::Addressing;
use crate::validate::Finding;

/// One message to draft: what the plan says, who it goes to, and what was rendered.
pub struct Draft {
    pub planned: PlannedMessage,
    pub addressing: Addressing,
    pub guarded: Guarded,
}

/// What `render` wrote, for the JSON report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DraftsReport {
    /// The output directory; `None` when the drafts were printed.
    pub out_dir: Option<String>,
    pub messages: Vec<DraftReport>,
    /// The preview page, when drafts were written.
    pub index: Option<String>,
}

/// One drafted message in the report.
#[derive(Debug, Clone, Serialize)]
pub struct DraftReport {
    pub kind: crate::plan::MessageKind,
    pub template: String,
    pub subject: String,
    pub date: Option<NaiveDate>,
    pub to: Vec<String>,
    pub bcc: Vec<String>,
    /// False when the embargo guard found a leak: no `.eml` is written.
    pub sendable: bool,
    pub leaks: Vec<crate::guard::Leak>,
    pub content_hash: String,
    /// Paths written: `eml` (only when sendable), `txt`, `html`.
    pub files: Vec<String>,
}

impl DraftsReport {
    /// Prints one line per written file.
    pub fn print_summary(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for message in &self.messages {
            let state = if message.sendable {
                "draft"
            } else {
                "BLOCKED by the embargo guard, no .eml written"
            };
            writeln!(out, "{}: {} ({state})", message.kind, message.subject)?;
            for file in &message.files {
                writeln!(out, "  wrote {file}")?;
            }
        }
        if let Some(index) = &self.index {
            writeln!(out, "preview: {index}")?;
        }
        Ok(())
    }
}

/// Writes the drafts to `out_dir` (when given) and reports them. A message the guard
/// blocked gets its `.txt` and `.html` previews, so the leak can be seen, but no `.eml`
/// (and an `.eml` left from an earlier render is removed).
///
/// All or nothing: every file is first written into a staging directory inside
/// `out_dir`, and only when all of them are written are they renamed into place. A
/// target that is not a regular file (a directory named `announcement.eml`, say)
/// stops the render before anything in `out_dir` changes.
pub fn write(
    checked: &Checked,
    drafts: &[Draft],
    findings: &[Finding],
    journal: &Journal,
    out_dir: Option<&Path>,
) -> Result<DraftsReport, AppError> {
    let mut report = DraftsReport {
        out_dir: out_dir.map(|d| d.display().to_string()),
        ..DraftsReport::default()
    };
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut stale: Vec<String> = Vec::new();
    for draft in drafts {
        let message = &draft.guarded.message;
        let sendable = draft.guarded.leaks.is_empty();
        let kind = message.kind.as_str();
        let mut names = Vec::new();
        if sendable {
            names.push(format!("{kind}.eml"));
            outputs.push((format!("{kind}.eml"), draft.guarded.email.bytes.clone()));
        } else {
            stale.push(format!("{kind}.eml"));
        }
        outputs.push((format!("{kind}.txt"), message.text.clone().into_bytes()));
        outputs.push((format!("{kind}.html"), message.html.clone().into_bytes()));
        names.extend([format!("{kind}.txt"), format!("{kind}.html")]);
        report.messages.push(DraftReport {
            kind: message.kind,
            template: message.template.clone(),
            subject: message.subject.clone(),
            date: draft.planned.date,
            to: draft.addressing.to.clone(),
            bcc: draft.addressing.bcc.clone(),
            sendable,
            leaks: draft.guarded.leaks.clone(),
            content_hash: message.content_hash.clone(),
            files: match out_dir {
                Some(dir) => names
                    .iter()
                    .map(|n| dir.join(n).display().to_string())
                    .collect(),
                None => Vec::new(),
            },
        });
    }
    if let Some(dir) = out_dir {
        let page = preview_page(checked, drafts, findings, journal);
        outputs.push(("index.html".to_string(), page.into_bytes()));
        publish(dir, &outputs, &stale)?;
        report.index = Some(dir.join("index.html").display().to_string());
    }
    Ok(report)
}

/// Writes `outputs` into `dir` all at once, as [`write`] describes, and removes the
/// `stale` files.
fn publish(dir: &Path, outputs: &[(String, Vec<u8>)], stale: &[String]) -> Result<(), AppError> {
    let located = |path: &Path, e: std::io::Error| {
        std::io::Error::new(
            e.kind(),
            format!("{}: {e}; nothing was written", path.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| located(dir, e))?;
    for name in outputs.iter().map(|(n, _)| n).chain(stale) {
        let target = dir.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&target) {
            if !meta.is_file() {
                return Err(AppError::Usage(format!(
                    "{}: exists and is not a regular file, so the draft cannot replace it; move it aside and render again (nothing was written)",
                    target.display()
                )));
            }
        }
    }
    let staging = dir.join(format!(".herald-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir(&staging).map_err(|e| located(&staging, e))?;
    let staged = outputs.iter().try_for_each(|(name, bytes)| {
        let path = staging.join(name);
        std::fs::write(&path, bytes).map_err(|e| located(&path, e))
    });
    let placed = staged.and_then(|()| {
        for (name, _) in outputs {
            let target = dir.join(name);
            std::fs::rename(staging.join(name), &target).map_err(|e| located(&target, e))?;
        }
        for name in stale {
            match std::fs::remove_file(dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(located(&dir.join(name), e))
                }
                _ => {}
            }
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&staging);
    Ok(placed?)
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = escape_html(&mut out, text);
    out
}

/// One page showing every drafted message: subject, recipients, what the send journal
/// says of it, HTML and text side by side, with the check findings on top.
/// Self-contained: no scripts, no network.
pub fn preview_page(
    checked: &Checked,
    drafts: &[Draft],
    findings: &[Finding],
    journal: &Journal,
) -> String {
    let project = &checked.input.file.project;
    let versions =
        crate::english::spoken_versions(&project.name, &checked.input.file.release.version_list());
    let title = format!("herald drafts: {versions}");
    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str(&format!("<title>{}</title>\n", escaped(&title)));
    page.push_str(concat!(
        "<style>\n",
        "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}\n",
        ".findings{padding:.75rem 1rem;border-radius:6px;margin-bottom:1.5rem}\n",
        ".findings li,.leaks li{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:13px}\n",
        ".clean{background:#e6f4ea}.notes{background:#fff7e0}.dirty{background:#fde8e8}\n",
        ".message{border:1px solid #ccc;border-radius:6px;margin-bottom:2rem;padding:1rem}\n",
        ".blocked{border-color:#c00}\n",
        ".journal ul{margin:0;padding-left:1.2rem}.journal .in-doubt{color:#b00;font-weight:bold}\n",
        ".parts{display:flex;gap:1rem;align-items:stretch}\n",
        ".parts>div{flex:1;min-width:0}\n",
        ".html-part{height:36rem;overflow:auto;border:1px solid #ddd;padding:0 .75rem;background:#fff;font-family:Georgia,serif}\n",
        "pre{white-space:pre;overflow:auto;height:36rem;margin:0;border:1px solid #ddd;padding:.5rem;background:#fafafa;font-size:13px}\n",
        "dt{font-weight:bold;float:left;width:6rem}dd{margin-left:6rem}\n",
        "</style>\n</head>\n<body>\n"
    ));
    page.push_str(&format!("<h1>{}</h1>\n", escaped(&title)));
    if findings.is_empty() {
        page.push_str("<div class=\"findings clean\" id=\"findings\">Check: clean.</div>\n");
    } else {
        let only_notes = findings
            .iter()
            .all(|f| f.severity == crate::validate::Severity::Note);
        let (class, heading) = if only_notes {
            ("notes", "Check: clean, with notes")
        } else {
            ("dirty", "Check findings")
        };
        page.push_str(&format!(
            "<div class=\"findings {class}\" id=\"findings\"><strong>{heading}</strong>\n<ul>\n"
        ));
        for finding in findings {
            page.push_str(&format!("<li>{}</li>\n", escaped(&finding.to_string())));
        }
        page.push_str("</ul>\n</div>\n");
    }
    for draft in drafts {
        let message = &draft.guarded.message;
        let blocked = !draft.guarded.leaks.is_empty();
        page.push_str(&format!(
            "<section class=\"message{}\" id=\"{}\">\n<h2 class=\"subject\">{}</h2>\n<dl>\n",
            if blocked { " blocked" } else { "" },
            message.kind,
            escaped(&message.subject)
        ));
        let date = draft
            .planned
            .date
            .map_or_else(|| "not planned".to_string(), |d| d.to_string());
        let rows = [
            ("Message", message.kind.to_string()),
            ("Goes out", date),
            ("From", draft.addressing.from.clone()),
            ("To", draft.addressing.to.join(", ")),
            (
                "Bcc",
                if draft.addressing.bcc.is_empty() {
                    "none".to_string()
                } else {
                    draft.addressing.bcc.join(", ")
                },
            ),
            (
                "Status",
                if blocked {
                    "BLOCKED: the embargo guard found leaks; not sendable".to_string()
                } else {
                    "sendable draft".to_string()
                },
            ),
        ];
        for (name, value) in rows {
            page.push_str(&format!("<dt>{name}</dt><dd>{}</dd>\n", escaped(&value)));
        }
        page.push_str("<dt>Journal</dt><dd class=\"journal\">");
        let attempts: Vec<&JournalEntry> = journal
            .entries
            .iter()
            .filter(|e| e.kind == message.kind)
            .collect();
        if attempts.is_empty() {
            page.push_str("not sent");
        } else {
            page.push_str("<ul>");
            for attempt in attempts {
                page.push_str(&format!(
                    "<li class=\"{}\">{}</li>",
                    attempt.state.as_str(),
                    escaped(&attempt.to_string())
                ));
            }
            page.push_str("</ul>");
        }
        page.push_str("</dd>\n</dl>\n");
        if blocked {
            page.push_str("<ul class=\"leaks\">\n");
            for leak in &draft.guarded.leaks {
                page.push_str(&format!("<li>{}</li>\n", escaped(&leak.to_string())));
            }
            page.push_str("</ul>\n");
        }
        page.push_str(&format!(
            "<div class=\"parts\">\n<div><h3>HTML part</h3><div class=\"html-part\">\n{}</div></div>\n<div><h3>Plain-text part</h3><pre class=\"text\">{}</pre></div>\n</div>\n</section>\n",
            message.html_body,
            escaped(&message.text),
        ));
    }
    page.push_str("</body>\n</html>\n");
    page
}
