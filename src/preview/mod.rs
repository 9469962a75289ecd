//! The preview page (`index.html` of `render --out`), where a reviewer signs off: a
//! timeline of every message (planned day, allowed window, today, what the send
//! journal says), the check findings, and each message with its draft files linked,
//! what changed since the last render, its leaks marked in place and traced to their
//! source, and its HTML and text parts side by side. Self-contained: no scripts, no
//! network, no fixed heights.

mod html;
mod marks;
mod trace;

use chrono::NaiveDate;
use std::collections::HashMap;

use crate::deliver::journal::{AttemptState, Journal, JournalEntry};
use crate::drafts::manifest::{Change, Previous, TextChange};
use crate::model::MessageKind;
use crate::pipeline::{Checked, Draft};
use crate::plan::Window;
use crate::validate::{Finding, Severity};
use html::escaped;
use marks::Marked;
use trace::Sources;

/// What the page needs besides the drafts: today's date and the last render.
pub struct PageContext<'a> {
    /// Today, from `--today`, `HERALD_TODAY` or the clock.
    pub today: NaiveDate,
    /// The render that the output directory held before this one.
    pub previous: &'a Previous,
    /// How `send` will sign each message (`[signing]`), if it will.
    pub signing: Option<crate::config::SigningMode>,
}

/// No scripts, no requests: only the page's own inline style and inline images.
const CSP: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n";

/// The longest stretch of days the timeline draws day by day.
const MAX_TIMELINE_DAYS: i64 = 42;

const STYLE: &str = concat!(
    "<style>\n",
    "body{font-family:system-ui,sans-serif;margin:1rem auto;padding:0 1rem;max-width:120rem;color:#222;line-height:1.4}\n",
    "h1{font-size:1.5rem}h2{font-size:1.2rem;overflow-wrap:anywhere}\n",
    ".findings{padding:.75rem 1rem;border-radius:6px;margin-bottom:1.5rem}\n",
    ".findings li,.leaks li{white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:13px}\n",
    ".clean{background:#e6f4ea}.notes{background:#fff7e0}.dirty{background:#fde8e8}\n",
    ".message{border:1px solid #ccc;border-radius:6px;margin-bottom:2rem;padding:1rem}\n",
    ".blocked{border-color:#c00;border-width:2px}\n",
    ".journal ul{margin:0;padding-left:1.2rem}.in-doubt{color:#b00;font-weight:bold}.sent{color:#060}\n",
    ".parts{display:flex;flex-wrap:wrap;gap:1rem}\n",
    ".parts>div{flex:1 1 30rem;min-width:0}\n",
    ".html-part{border:1px solid #ddd;padding:0 .75rem;background:#fff;font-family:Georgia,serif;overflow-wrap:anywhere}\n",
    ".html-part img{max-width:100%}\n",
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;border:1px solid #ddd;padding:.5rem;background:#fafafa;font-size:13px}\n",
    "dl{overflow:hidden}dt{font-weight:bold;float:left;clear:left;width:7rem}dd{margin-left:7rem;overflow-wrap:anywhere}\n",
    "mark.leak{background:#ffd54f;outline:2px solid #c00;border-radius:2px}\n",
    ".change{display:inline-block;padding:.1rem .5rem;border-radius:4px;font-weight:bold}\n",
    ".change.changed{background:#fde8e8;color:#900}.change.unchanged{background:#e6f4ea;color:#060}\n",
    ".change.new,.change.first{background:#e8eefd;color:#124}\n",
    ".diff del,.diff ins,.diff span{display:block;text-decoration:none}\n",
    ".diff del{background:#fde8e8}.diff ins{background:#e6f4ea}.diff .hunk{color:#66c}\n",
    "table{border-collapse:collapse;width:100%;margin-bottom:1rem}\n",
    "th,td{border-bottom:1px solid #ddd;text-align:left;padding:.3rem .5rem;vertical-align:top}\n",
    ".days{display:grid;gap:2px;overflow-x:auto;margin-bottom:.5rem;font-size:12px}\n",
    ".days span{text-align:center;padding:.15rem 0;border:1px solid transparent}\n",
    ".days .label{text-align:left;font-weight:bold;white-space:nowrap;overflow:hidden}\n",
    ".days .in-window{background:#cfe8d5}.days .planned{background:#2e7d32;color:#fff;font-weight:bold}\n",
    ".days .today{border-color:#c00}.days .head.today{background:#c00;color:#fff}\n",
    ".legend span{margin-right:1rem}\n",
    "@media (max-width:44rem){body{padding:0 .5rem}dt{float:none;width:auto}dd{margin-left:0}",
    ".timeline thead{display:none}.timeline td{display:block;border:0;padding:.1rem .25rem}",
    ".timeline tr{display:block;border-bottom:1px solid #ccc;padding:.3rem 0}",
    ".timeline td::before{content:attr(data-label) \": \";font-weight:bold}}\n",
    "</style>\n"
);

/// One page showing every drafted message, as the module describes.
pub fn preview_page(
    checked: &Checked,
    drafts: &[Draft],
    findings: &[Finding],
    journal: &Journal,
    context: &PageContext<'_>,
) -> String {
    let project = &checked.input.file.project;
    let versions =
        crate::english::spoken_versions(&project.name, &checked.input.file.release.version_list());
    let title = format!("herald drafts: {versions}");
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

    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // The HTML parts are embedded as they are: whatever a template wrote, the page
    // runs no script and fetches nothing.
    page.push_str(CSP);
    page.push_str(&format!("<title>{}</title>\n", escaped(&title)));
    page.push_str(STYLE);
    page.push_str("</head>\n<body>\n");
    page.push_str(&format!("<h1>{}</h1>\n", escaped(&title)));
    timeline(&mut page, drafts, journal, &changes, context.today);
    findings_block(&mut page, findings, &marked);
    if let Previous::Unreadable(why) = context.previous {
        page.push_str(&format!(
            "<p class=\"change first\">The last render's manifest could not be read ({}); every message counts as new.</p>\n",
            escaped(why)
        ));
    }
    if let Previous::Incomplete = context.previous {
        page.push_str(
            "<p class=\"change first incomplete\">This directory held drafts but no <code>render.json</code>: the last render into it was stopped before it finished (or <code>render.json</code> was removed), so its drafts may be of two renders. Nothing is compared with them; this render replaced every file that differs from its own and wrote <code>render.json</code> last.</p>\n",
        );
    }
    let kinds: Vec<MessageKind> = drafts.iter().map(|d| d.guarded.message.kind).collect();
    for gone in context.previous.gone(&kinds) {
        page.push_str(&format!(
            "<p class=\"change changed gone\">The last render had a {gone}; this one has none. Its old files, if any, are still in this directory.</p>\n"
        ));
    }
    for ((draft, marked), change) in drafts.iter().zip(&marked).zip(&changes) {
        message_section(&mut page, draft, marked, change, journal, context.signing);
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// The findings of the check; an embargo finding links to its mark.
fn findings_block(page: &mut String, findings: &[Finding], marked: &[Marked]) {
    if findings.is_empty() {
        page.push_str("<div class=\"findings clean\" id=\"findings\">Check: clean.</div>\n");
        return;
    }
    let only_notes = findings.iter().all(|f| f.severity == Severity::Note);
    let (class, heading) = if only_notes {
        ("notes", "Check: clean, with notes")
    } else {
        ("dirty", "Check findings")
    };
    page.push_str(&format!(
        "<div class=\"findings {class}\" id=\"findings\"><strong>{heading}</strong>\n<ul>\n"
    ));
    // An embargo finding's message ends with its leak ("the pre-announcement leaks an
    // embargoed detail: LEAK"): its mark is looked up by that, not searched for, as a
    // release can leak thousands of times.
    let mut marks: HashMap<String, &str> = HashMap::new();
    for leak in marked.iter().flat_map(|m| &m.leaks) {
        if let Some(anchor) = &leak.anchor {
            marks.entry(leak.leak.to_string()).or_insert(anchor);
        }
    }
    for finding in findings {
        let anchor = (finding.rule == "embargo")
            .then(|| finding.message.split_once(": "))
            .flatten()
            .and_then(|(_, leak)| marks.get(leak));
        page.push_str(&format!("<li>{}", escaped(&finding.to_string())));
        if let Some(anchor) = anchor {
            page.push_str(&format!(" <a href=\"#{anchor}\">(marked)</a>"));
        }
        page.push_str("</li>\n");
    }
    page.push_str("</ul>\n</div>\n");
}

/// What the send journal says of the messages of `kind`, in one phrase, with a class:
/// in doubt first (it stops every send), then sent, then the last attempt.
fn journal_state(journal: &Journal, kind: MessageKind) -> (&'static str, String) {
    let entries: Vec<&JournalEntry> = journal.entries.iter().filter(|e| e.kind == kind).collect();
    let recipients = |e: &JournalEntry| {
        if e.recipients.is_empty() {
            e.to.join(", ")
        } else {
            e.recipients.join(", ")
        }
    };
    if let Some(e) = entries
        .iter()
        .rev()
        .find(|e| e.state == AttemptState::InDoubt)
    {
        return (
            "in-doubt",
            format!(
                "IN DOUBT since {}: look for {} in the list archive, then `herald journal settle`",
                e.attempted_at, e.message_id
            ),
        );
    }
    if let Some(e) = entries.iter().rev().find(|e| e.state == AttemptState::Sent) {
        return (
            "sent",
            format!("sent {} to {}", e.last_change(), recipients(e)),
        );
    }
    match entries.last() {
        Some(e) => (
            "not-sent",
            format!(
                "not sent (last attempt {} at {})",
                e.state.as_str(),
                e.last_change()
            ),
        ),
        None => ("not-sent", "not sent".to_string()),
    }
}

/// Where today falls against a message's window.
fn against_window(window: &Window, today: NaiveDate) -> String {
    let days = |n: i64| crate::english::count(n.unsigned_abs() as usize, "day", "days");
    if today < window.earliest {
        format!("opens in {}", days((window.earliest - today).num_days()))
    } else if let Some(latest) = window.latest.filter(|l| today > *l) {
        format!("closed {} ago", days((today - latest).num_days()))
    } else {
        "open today".to_string()
    }
}

fn window_text(window: &Window) -> String {
    match window.latest {
        Some(latest) => format!("{} to {}", window.earliest, latest),
        None => format!("{} or later", window.earliest),
    }
}

/// The timeline: a table of every message, and a day-by-day strip when the days
/// involved fit in [`MAX_TIMELINE_DAYS`].
fn timeline(
    page: &mut String,
    drafts: &[Draft],
    journal: &Journal,
    changes: &[Change],
    today: NaiveDate,
) {
    page.push_str(&format!(
        "<section id=\"timeline\">\n<h2>Timeline <small>(today is <time class=\"today\">{today}</time>)</small></h2>\n"
    ));
    page.push_str("<table class=\"timeline\">\n<thead><tr><th>Message</th><th>Planned day</th><th>Allowed window</th><th>Today</th><th>Journal</th><th>Since last render</th></tr></thead>\n<tbody>\n");
    for (draft, change) in drafts.iter().zip(changes) {
        let planned = &draft.planned;
        let kind = draft.guarded.message.kind;
        let (state, journal_text) = journal_state(journal, kind);
        let (change_class, change_text) = change.label();
        page.push_str(&format!(
            "<tr id=\"timeline-{kind}\"><td data-label=\"Message\"><a href=\"#{kind}\">{kind}</a></td><td data-label=\"Planned day\" class=\"planned-day\">{}</td><td data-label=\"Allowed window\" class=\"window\">{}</td><td data-label=\"Today\" class=\"where\">{}</td><td data-label=\"Journal\" class=\"journal-state {state}\">{}</td><td data-label=\"Since last render\"><span class=\"change {change_class}\">{change_text}</span></td></tr>\n",
            planned.date.map_or_else(|| "not planned".to_string(), |d| format!("{} ({})", d, d.format("%a"))),
            window_text(&planned.window),
            against_window(&planned.window, today),
            escaped(&journal_text),
        ));
    }
    page.push_str("</tbody>\n</table>\n");
    day_strip(page, drafts, today);
    page.push_str("</section>\n");
}

fn day_strip(page: &mut String, drafts: &[Draft], today: NaiveDate) {
    let mut days: Vec<NaiveDate> = vec![today];
    for draft in drafts {
        let window = &draft.planned.window;
        days.push(window.earliest);
        days.push(
            window
                .latest
                .unwrap_or(window.earliest + chrono::Days::new(2)),
        );
        days.extend(draft.planned.date);
    }
    let (Some(&first), Some(&last)) = (days.iter().min(), days.iter().max()) else {
        return;
    };
    let span = (last - first).num_days() + 1;
    if span > MAX_TIMELINE_DAYS {
        page.push_str(&format!(
            "<p class=\"no-strip\">The days involved span {span} days, too many to draw; the table above has them all.</p>\n"
        ));
        return;
    }
    page.push_str(&format!(
        "<div class=\"days\" style=\"grid-template-columns:minmax(6rem,9rem) repeat({span},minmax(1.4rem,3rem))\">\n<span class=\"label\">{}</span>",
        first.format("%B %Y")
    ));
    let all = || first.iter_days().take(span as usize);
    for day in all() {
        let class = if day == today { "head today" } else { "head" };
        page.push_str(&format!(
            "<span class=\"{class}\" title=\"{day}\">{}<br>{}</span>",
            day.format("%a").to_string().chars().next().unwrap_or(' '),
            day.format("%-d")
        ));
    }
    for draft in drafts {
        let kind = draft.guarded.message.kind;
        let window = &draft.planned.window;
        page.push_str(&format!("\n<span class=\"label\">{kind}</span>"));
        for day in all() {
            let mut class = vec!["day"];
            let inside = day >= window.earliest && window.latest.is_none_or(|l| day <= l);
            if inside {
                class.push("in-window");
            }
            if Some(day) == draft.planned.date {
                class.push("planned");
            }
            if day == today {
                class.push("today");
            }
            let mark = if Some(day) == draft.planned.date {
                "\u{25cf}"
            } else {
                ""
            };
            page.push_str(&format!(
                "<span class=\"{}\" title=\"{kind} {day}\">{mark}</span>",
                class.join(" ")
            ));
        }
    }
    page.push_str("\n</div>\n<p class=\"legend\"><span>\u{25cf} planned day</span><span style=\"background:#cfe8d5\">allowed window</span><span style=\"outline:1px solid #c00\">today</span></p>\n");
}

/// One message: subject, change marker and diff, addressing, files, journal, leaks,
/// and the two parts.
fn message_section(
    page: &mut String,
    draft: &Draft,
    marked: &Marked,
    change: &Change,
    journal: &Journal,
    signing: Option<crate::config::SigningMode>,
) {
    let message = &draft.guarded.message;
    let kind = message.kind;
    let blocked = !draft.guarded.leaks.is_empty();
    let (change_class, change_text) = change.label();
    page.push_str(&format!(
        "<section class=\"message{} {change_class}\" id=\"{kind}\">\n<h2 class=\"subject\">{}</h2>\n",
        if blocked { " blocked" } else { "" },
        marked.subject,
    ));
    page.push_str(&format!(
        "<p><span class=\"change {change_class}\" id=\"{kind}-change\">{change_text}</span></p>\n"
    ));
    if let Change::Changed {
        diff,
        subject_before,
    } = change
    {
        if let Some(before) = subject_before {
            page.push_str(&format!(
                "<p class=\"subject-before\">Subject was: {}</p>\n",
                escaped(before)
            ));
        }
        match diff {
            TextChange::Lines(diff) => page.push_str(&format!(
                "<details open class=\"text-diff\"><summary>Text part against the last render ({kind}.txt)</summary>\n{diff}\n</details>\n"
            )),
            TextChange::Same => page.push_str(
                "<p class=\"text-diff\">The text part is as it was; the subject or the HTML part changed.</p>\n",
            ),
            TextChange::Unknown => page.push_str(&format!(
                "<p class=\"text-diff\">No diff is shown: the last render's text part ({kind}.txt) could not be read, or it or this one is over 1 MiB.</p>\n"
            )),
        }
    }
    page.push_str("<dl>\n");
    let date = draft
        .planned
        .date
        .map_or_else(|| "not planned".to_string(), |d| d.to_string());
    let rows = [
        ("Message", kind.to_string()),
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
        (
            "Signature",
            match signing {
                Some(crate::config::SigningMode::PgpMime) => {
                    "signed at send time (PGP/MIME) with the release manager's key; this draft is unsigned".to_string()
                }
                Some(crate::config::SigningMode::Inline) => {
                    "signed at send time (inline, text only) with the release manager's key; this draft is unsigned".to_string()
                }
                None => "not signed ([signing] is not set)".to_string(),
            },
        ),
    ];
    for (name, value) in rows {
        page.push_str(&format!("<dt>{name}</dt><dd>{}</dd>\n", escaped(&value)));
    }
    page.push_str("<dt>Files</dt><dd class=\"files\">");
    if blocked {
        page.push_str("<span class=\"no-eml\">no .eml (blocked)</span> ");
    } else {
        page.push_str(&format!("<a href=\"{kind}.eml\">{kind}.eml</a> "));
    }
    page.push_str(&format!(
        "<a href=\"{kind}.txt\">{kind}.txt</a> <a href=\"{kind}.html\">{kind}.html</a></dd>\n"
    ));
    page.push_str("<dt>Journal</dt><dd class=\"journal\">");
    let attempts: Vec<&JournalEntry> = journal.entries.iter().filter(|e| e.kind == kind).collect();
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
        page.push_str(&format!("<ul class=\"leaks\" id=\"{kind}-leaks\">\n"));
        for leak in &marked.leaks {
            let place = format!("{} line {}", leak.leak.part, leak.leak.line);
            let place = match &leak.anchor {
                Some(anchor) => format!("<a href=\"#{anchor}\">{place}</a>"),
                None => place,
            };
            let text = leak.leak.to_string();
            let rest = text.split_once(": ").map_or(text.as_str(), |(_, r)| r);
            page.push_str(&format!(
                "<li>{place}: {}\n  <span class=\"source\">source: {}</span></li>\n",
                escaped(rest),
                escaped(&leak.source)
            ));
        }
        page.push_str("</ul>\n");
    }
    // Written straight into the page: the parts of a large announcement are tens of
    // megabytes each.
    page.reserve(message.html_body.len() + message.text.len() + message.text.len() / 16 + 200);
    page.push_str("<div class=\"parts\">\n<div><h3>HTML part</h3><div class=\"html-part\">\n");
    marked.write_html_body(page, message.html_body());
    page.push_str("</div></div>\n<div><h3>Plain-text part</h3><pre class=\"text\">");
    marked.write_text(page, &message.text);
    page.push_str("</pre></div>\n</div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(entries: &str) -> Journal {
        serde_json::from_str(&format!("{{\"entries\": [{entries}]}}")).unwrap()
    }

    fn entry(kind: &str, state: &str, at: &str) -> String {
        format!(
            r#"{{"kind": "{kind}", "state": "{state}", "message_id": "<m@x>", "content_hash": "h",
            "subject": "s", "recipients": ["list@example.org"], "to": ["list@example.org"],
            "bcc": [], "attempted_at": "{at}", "answered_at": "{at}"}}"#
        )
    }

    #[test]
    fn the_timeline_reads_the_journal_in_doubt_first_then_sent_then_the_last_attempt() {
        let pre = MessageKind::PreAnnouncement;
        assert_eq!(
            journal_state(&journal(""), pre),
            ("not-sent", "not sent".to_string())
        );
        let failed = entry("pre-announcement", "failed", "2021-03-05T10:00:00Z");
        assert_eq!(
            journal_state(&journal(&failed), pre),
            (
                "not-sent",
                "not sent (last attempt failed at 2021-03-05T10:00:00Z)".to_string()
            )
        );
        let sent = entry("pre-announcement", "sent", "2021-03-05T11:00:00Z");
        assert_eq!(
            journal_state(&journal(&format!("{failed}, {sent}")), pre),
            (
                "sent",
                "sent 2021-03-05T11:00:00Z to list@example.org".to_string()
            )
        );
        let doubt = entry("pre-announcement", "in-doubt", "2021-03-05T12:00:00Z");
        let (class, _) = journal_state(&journal(&format!("{sent}, {doubt}")), pre);
        assert_eq!(class, "in-doubt");
        assert_eq!(
            journal_state(&journal(&sent), MessageKind::Announcement).0,
            "not-sent"
        );
    }

    #[test]
    fn today_is_placed_against_the_window() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2021, 3, d).unwrap();
        let window = Window {
            earliest: day(3),
            latest: Some(day(7)),
        };
        assert_eq!(against_window(&window, day(1)), "opens in 2 days");
        assert_eq!(against_window(&window, day(7)), "open today");
        assert_eq!(against_window(&window, day(8)), "closed 1 day ago");
        assert_eq!(window_text(&window), "2021-03-03 to 2021-03-07");
    }
}
