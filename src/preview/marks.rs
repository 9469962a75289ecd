//! Leaks marked in place: every span the guard found is wrapped in `<mark>` in the
//! subject, the text part and the HTML part, and each of the guard's findings is
//! linked to its mark and traced to the template line or release-file key whose text
//! it is.

use std::collections::HashMap;
use std::ops::Range;

use super::html::{escape_into, escaped};
use super::trace::{trace_all, Sources};
use crate::guard::{Leak, LocatedLeak, Part};
use crate::render::RenderedMessage;

/// A message's parts as HTML, with every leak marked, and the guard's findings with
/// their marks and sources.
///
/// The parts themselves are written into the page by [`Marked::write_text`] and
/// [`Marked::write_html_body`]: for a large announcement each is tens of
/// megabytes, and a marked copy of each would only be copied again.
pub struct Marked {
    /// The subject, escaped, with marks.
    pub subject: String,
    /// The marks of the text part.
    text: Vec<Group>,
    /// The marks of the HTML part's body, and the body's tags when it has any mark.
    html_body: (Vec<Group>, Vec<Range<usize>>),
    /// One per leak the guard reported, in its order.
    pub leaks: Vec<MarkedLeak>,
}

impl Marked {
    /// Appends the text part `text` (the message's), escaped, with its marks: the
    /// content of a `<pre>`.
    pub fn write_text(&self, out: &mut String, text: &str) {
        mark_text(out, text, &self.text);
    }

    /// Appends the HTML part's body `html_body` (the message's) with its marks.
    pub fn write_html_body(&self, out: &mut String, html_body: &str) {
        let (groups, tags) = &self.html_body;
        mark_html(out, html_body, groups, tags);
    }
}

/// One of the guard's findings on the page.
pub struct MarkedLeak {
    /// The finding.
    pub leak: Leak,
    /// The id of the mark that shows it; `None` when it is not marked (a header).
    pub anchor: Option<String>,
    /// Where its text came from, for people.
    pub source: String,
}

/// A detail's kind and text, and optionally its part and line: what a leak's first
/// mark is looked up by.
type AnchorKey<'a> = (
    crate::guard::DetailKind,
    &'a str,
    Option<Part>,
    Option<usize>,
);

/// Overlapping leaks share one mark.
struct Group {
    span: Range<usize>,
    id: String,
    titles: Vec<String>,
    /// Inside a tag (a link target, an attribute): marked just after the tag.
    in_tag: bool,
    found: Vec<String>,
}

/// How one leak reads in a mark's title: "CVE id CVE-2021-27918 of issue 44913".
fn describe(leak: &Leak) -> String {
    let mut text = format!("{} {}", leak.kind.noun(), leak.detail);
    if let Some(issue) = leak.issue {
        text.push_str(&format!(" of issue {issue}"));
    }
    text
}

/// Marks the `located` leaks of `message` (from [`crate::guard::locate`]) and links
/// and traces the guard's `leaks`. Mark ids start with `prefix`.
pub fn mark(
    prefix: &str,
    message: &RenderedMessage,
    located: &[LocatedLeak],
    leaks: &[Leak],
    sources: &Sources<'_>,
) -> Marked {
    let mut counter = 0;
    let mut anchors: Vec<(usize, String)> = Vec::new();
    let mut part = |part: Part, source: &str, offset: usize, tags: &[Range<usize>]| {
        let mut spans: Vec<(usize, Range<usize>, bool)> = located
            .iter()
            .enumerate()
            .filter(|(_, l)| l.leak.part == part)
            .filter(|(_, l)| l.span.start >= offset && l.span.end <= offset + source.len())
            .map(|(i, l)| (i, (l.span.start - offset)..(l.span.end - offset)))
            .filter(|(_, span)| {
                source.is_char_boundary(span.start) && source.is_char_boundary(span.end)
            })
            .map(|(i, span)| match tag_around(tags, span.start) {
                Some(tag) => (i, tag.clone(), true),
                None => {
                    let end = tag_around(tags, span.end).map_or(span.end, |t| t.end);
                    (i, span.start..end, false)
                }
            })
            .collect();
        spans.sort_by_key(|(_, s, _)| (s.start, std::cmp::Reverse(s.end)));
        let mut groups: Vec<Group> = Vec::new();
        for (i, span, in_tag) in spans {
            let leak = &located[i].leak;
            let title = describe(leak);
            match groups.last_mut() {
                Some(g) if span.start < g.span.end && in_tag == g.in_tag => {
                    g.span.end = g.span.end.max(span.end);
                    if !g.titles.contains(&title) {
                        g.titles.push(title);
                    }
                    if !g.found.contains(&leak.found) {
                        g.found.push(leak.found.clone());
                    }
                }
                Some(g) if span.start < g.span.end => {}
                _ => {
                    counter += 1;
                    groups.push(Group {
                        span,
                        id: format!("{prefix}-leak-{counter}"),
                        titles: vec![title],
                        in_tag,
                        found: vec![leak.found.clone()],
                    });
                }
            }
            if let Some(g) = groups.last() {
                anchors.push((i, g.id.clone()));
            }
        }
        groups
    };
    let mut subject = String::new();
    mark_text(
        &mut subject,
        &message.subject,
        &part(Part::Subject, &message.subject, 0, &[]),
    );
    let text = part(Part::Text, &message.text, 0, &[]);
    // A body with no leak needs no tags: it is copied as it is.
    let html_tags = if located.iter().any(|l| l.leak.part == Part::Html) {
        tags(message.html_body())
    } else {
        Vec::new()
    };
    let html_body = (
        part(
            Part::Html,
            message.html_body(),
            message.html_body.start,
            &html_tags,
        ),
        html_tags,
    );
    // The first mark of each detail: on the leak's own line of its part, else in its
    // part, else anywhere. Looked up, not searched: a release can leak thousands of
    // times.
    let mut first_marks: HashMap<AnchorKey<'_>, &str> = HashMap::new();
    for (i, id) in &anchors {
        let l = &located[*i].leak;
        for key in [
            (l.kind, l.detail.as_str(), Some(l.part), Some(l.line)),
            (l.kind, l.detail.as_str(), Some(l.part), None),
            (l.kind, l.detail.as_str(), None, None),
        ] {
            first_marks.entry(key).or_insert(id.as_str());
        }
    }
    let anchor_of = |leak: &Leak| {
        let (kind, detail) = (leak.kind, leak.detail.as_str());
        [
            (kind, detail, Some(leak.part), Some(leak.line)),
            (kind, detail, Some(leak.part), None),
            (kind, detail, None, None),
        ]
        .iter()
        .find_map(|key| first_marks.get(key))
        .map(|id| id.to_string())
    };
    // Traced once per text found: the same detail leaked a thousand times is looked
    // for in the templates and the release file once, and all texts at once.
    let mut distinct: HashMap<(Part, &str), usize> = HashMap::new();
    let mut texts: Vec<String> = Vec::new();
    for leak in leaks {
        distinct
            .entry((leak.part, leak.found.as_str()))
            .or_insert_with(|| {
                texts.push(displayed(leak.part, &leak.found));
                texts.len() - 1
            });
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let entries_printed = message.kind != crate::model::MessageKind::PreAnnouncement;
    let traced = trace_all(&texts, &message.template, entries_printed, sources);
    let leaks = leaks
        .iter()
        .map(|leak| MarkedLeak {
            leak: leak.clone(),
            anchor: anchor_of(leak),
            source: traced[distinct[&(leak.part, leak.found.as_str())]].clone(),
        })
        .collect();
    Marked {
        subject,
        text,
        html_body,
        leaks,
    }
}

fn open(group: &Group, class: &str) -> String {
    format!(
        "<mark class=\"{class}\" id=\"{}\" title=\"{}\">",
        group.id,
        escaped(&group.titles.join("; "))
    )
}

/// Appends plain text, escaped, with each group in a `<mark>`.
fn mark_text(out: &mut String, source: &str, groups: &[Group]) {
    out.reserve(source.len() + groups.len() * 80);
    let mut at = 0;
    for group in groups {
        let (Some(before), Some(inside)) = (
            source.get(at..group.span.start),
            source.get(group.span.clone()),
        ) else {
            continue;
        };
        escape_into(out, before);
        out.push_str(&open(group, "leak"));
        escape_into(out, inside);
        out.push_str("</mark>");
        at = group.span.end;
    }
    escape_into(out, source.get(at..).unwrap_or_default());
}

/// The tag that holds byte `at` strictly inside it, if any (`tags` is sorted).
fn tag_around(tags: &[Range<usize>], at: usize) -> Option<&Range<usize>> {
    let next = tags.partition_point(|t| t.start < at);
    next.checked_sub(1).map(|i| &tags[i]).filter(|t| at < t.end)
}

/// Every tag and comment of `html` (quoted attribute values may hold `>`).
fn tags(html: &str) -> Vec<Range<usize>> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let start = i;
        if html[i..].starts_with("<!--") {
            let end = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            out.push(start..end);
            i = end;
            continue;
        }
        let mut quote = None;
        i += 1;
        while i < bytes.len() {
            match (bytes[i], quote) {
                (b'"' | b'\'', None) => quote = Some(bytes[i]),
                (q, Some(open)) if q == open => quote = None,
                (b'>', None) => break,
                _ => {}
            }
            i += 1;
        }
        i = (i + 1).min(bytes.len());
        out.push(start..i);
    }
    out
}

/// HTML with each group's text in `<mark>`: a span that crosses tags is marked piece
/// by piece (the first piece carries the id); a span inside a tag (a link target) is
/// shown in a mark just after the tag.
fn mark_html(out: &mut String, html: &str, groups: &[Group], tags: &[Range<usize>]) {
    out.reserve(html.len() + groups.len() * 120);
    let mut at = 0;
    for group in groups {
        if group.span.start < at {
            continue;
        }
        if group.in_tag {
            out.push_str(&html[at..group.span.end]);
            out.push_str(&open(group, "leak in-tag"));
            out.push_str("\u{2691} ");
            let shown: Vec<String> = group
                .found
                .iter()
                .map(|f| displayed(Part::Html, f))
                .collect();
            out.push_str(&escaped(&shown.join(" ")));
            out.push_str("</mark>");
            at = group.span.end;
            continue;
        }
        out.push_str(&html[at..group.span.start]);
        let mut cursor = group.span.start;
        let mut first = true;
        while cursor < group.span.end {
            let next = tags.partition_point(|t| t.start < cursor);
            if let Some(tag) = tags.get(next).filter(|t| t.start == cursor) {
                out.push_str(&html[tag.clone()]);
                cursor = tag.end;
                continue;
            }
            let stop = tags
                .get(next)
                .map_or(group.span.end, |t| t.start.min(group.span.end));
            if first {
                out.push_str(&open(group, "leak"));
                first = false;
            } else {
                out.push_str(&format!(
                    "<mark class=\"leak\" title=\"{}\">",
                    escaped(&group.titles.join("; "))
                ));
            }
            out.push_str(&html[cursor..stop]);
            out.push_str("</mark>");
            cursor = stop;
        }
        at = cursor;
    }
    out.push_str(&html[at..]);
}

/// The text of a leak as a reader sees it: tags dropped, common references decoded,
/// an attribute (`href="…"`) reduced to its value.
fn displayed(part: Part, found: &str) -> String {
    if part != Part::Html {
        return found.to_string();
    }
    let found = match found.split_once('=') {
        Some((name, value))
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && value.len() >= 2
                && (value.starts_with('"') || value.starts_with('\''))
                && value.ends_with(&value[..1]) =>
        {
            &value[1..value.len() - 1]
        }
        _ => found,
    };
    let mut text = String::new();
    let mut in_tag = false;
    for c in found.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_skip_quoted_angle_brackets() {
        let html = "a<a href=\"x>y\">b</a><!-- c > d -->e";
        let found: Vec<&str> = tags(html).into_iter().map(|r| &html[r]).collect();
        assert_eq!(found, ["<a href=\"x>y\">", "</a>", "<!-- c > d -->"]);
    }

    #[test]
    fn an_attribute_reads_as_its_value() {
        let value = displayed(Part::Html, "href=\"https://go.dev/issue/1?a=1&amp;b=2\"");
        assert_eq!(value, "https://go.dev/issue/1?a=1&b=2");
        assert_eq!(displayed(Part::Html, "CVE-<b>1</b>"), "CVE-1");
    }
}
