//! Markdown → HTML (pulldown-cmark) and Markdown → plain text wrapped at 72 columns.
//!
//! Both parts come from the same rendered Markdown. Raw HTML in the Markdown is
//! shown as text, never passed through. In the text part links are written out
//! in full as `text <URL>`, inline code loses its backticks, and paragraphs are
//! reflowed; a hard line break (a line ending in `\`) is kept.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use textwrap::core::{display_width, Word};
use textwrap::wrap_algorithms::wrap_first_fit;
use textwrap::WordSeparator;

/// The width of the plain-text part.
pub const TEXT_WIDTH: usize = 72;

/// The most quotes and list items a line of the text part is indented for.
const MAX_NESTING: usize = 16;

/// Stands in for the spaces of code spans while wrapping.
const NO_BREAK: &str = "\u{2060}\u{a0}";

/// Wraps one line of text to `width` columns as `textwrap::wrap` does with words
/// separated by ASCII spaces, never broken or hyphenated, and first-fit lines
/// (the output is the same, line for line), and hands each line, indent included,
/// to `line`.
///
/// It uses textwrap's own words and first-fit algorithm, but skips the word
/// splitter, which does nothing here and took a third of the wrapping time, and
/// the vector of lines `textwrap::wrap` returns.
fn wrap(text: &str, width: usize, initial: &str, rest: &str, mut line: impl FnMut(&str)) {
    if text.len() < width && initial.is_empty() {
        line(text.trim_end_matches(' '));
        return;
    }
    let words: Vec<Word<'_>> = WordSeparator::AsciiSpace.find_words(text).collect();
    let widths = [initial, rest].map(|indent| width.saturating_sub(display_width(indent)) as f64);
    let mut start = 0;
    let mut buffer = String::new();
    for (n, words) in wrap_first_fit(&words, &widths).into_iter().enumerate() {
        let Some(last) = words.last() else {
            line("");
            continue;
        };
        let len: usize = words.iter().map(|w| w.len() + w.whitespace.len()).sum();
        let indent = if n == 0 { initial } else { rest };
        let words = &text[start..start + len - last.whitespace.len()];
        if indent.is_empty() {
            line(words);
        } else {
            buffer.clear();
            buffer.push_str(indent);
            buffer.push_str(words);
            line(&buffer);
        }
        start += len;
    }
}

fn parser(markdown: &str) -> impl Iterator<Item = Event<'_>> {
    Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    })
}

/// Renders Markdown to an HTML fragment.
pub fn to_html_fragment(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser(markdown));
    html
}

/// Renders Markdown to a complete HTML document titled `title`; with the byte range
/// of the body (what [`to_html_fragment`] gives) in the document.
pub fn html_document(title: &str, markdown: &str) -> (String, std::ops::Range<usize>) {
    let mut html = String::with_capacity(markdown.len() * 3 / 2 + title.len() * 2 + 128);
    html.push_str("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>");
    pulldown_cmark::html::push_html(&mut html, std::iter::once(Event::Text(title.into())));
    html.push_str("</title>\n</head>\n<body>\n");
    let start = html.len();
    pulldown_cmark::html::push_html(&mut html, parser(markdown));
    let range = start..html.len();
    html.push_str("</body>\n</html>\n");
    (html, range)
}

/// Renders Markdown to plain text wrapped at `width` columns (`usize::MAX`: no wrapping).
pub fn to_text(markdown: &str, width: usize) -> String {
    let mut renderer = TextRenderer::new(width);
    for event in parser(markdown) {
        renderer.event(event);
    }
    renderer.finish()
}

enum Container {
    List {
        next_number: Option<u64>,
        items: usize,
        loose: bool,
    },
    Item {
        indent: usize,
    },
    Quote,
}

struct TextRenderer {
    width: usize,
    out: String,
    inline: String,
    stack: Vec<Container>,
    /// The marker ("- ", "2. ") waiting for the first line of the current item.
    marker: Option<String>,
    /// Link destinations waiting for the end of their link text.
    links: Vec<(String, usize)>,
    code_block: Option<String>,
    /// Whether the next block follows a sibling item of a tight list (no blank line).
    tight_continuation: bool,
}

impl TextRenderer {
    fn new(width: usize) -> Self {
        Self {
            width,
            out: String::new(),
            inline: String::new(),
            stack: Vec::new(),
            marker: None,
            links: Vec::new(),
            code_block: None,
            tight_continuation: false,
        }
    }

    /// The prefixes of the first line and of the other lines of a block: the
    /// quote marks and item indents of the containers it is in, the outermost
    /// [`MAX_NESTING`] of them. Deeper containers add nothing, so that a line's
    /// prefix cannot grow with the input: a quote nested 100,000 deep would repeat
    /// 200 KB before every line.
    fn prefixes(&mut self) -> (String, String) {
        let mut rest = String::new();
        let mut nesting = self
            .stack
            .iter()
            .filter(|c| !matches!(c, Container::List { .. }));
        for container in nesting.by_ref().take(MAX_NESTING) {
            match container {
                Container::Item { indent } => rest.push_str(&" ".repeat(*indent)),
                Container::Quote => rest.push_str("> "),
                Container::List { .. } => {}
            }
        }
        let too_deep = nesting.next().is_some();
        let first = match self.marker.take() {
            // An item deeper than the prefix shows: its marker after the prefix.
            Some(marker) if too_deep => format!("{rest}{marker}"),
            Some(marker) => {
                let keep = rest.len().saturating_sub(marker.len());
                format!("{}{marker}", &rest[..keep])
            }
            None => rest.clone(),
        };
        (first, rest)
    }

    fn separate(&mut self) {
        if !self.out.is_empty() && !self.tight_continuation {
            self.out.push('\n');
        }
        self.tight_continuation = false;
    }

    fn flush_inline(&mut self) {
        let text = std::mem::take(&mut self.inline);
        let text = text.trim_matches(' ');
        if text.is_empty() && self.marker.is_none() {
            return;
        }
        self.separate();
        let (first, rest) = self.prefixes();
        for (index, line) in text.split('\n').enumerate() {
            let initial = if index == 0 {
                first.as_str()
            } else {
                rest.as_str()
            };
            // The wrapped lines go straight into the output; a paragraph with no
            // code span needs no replacing.
            let code = line.contains(NO_BREAK);
            let width = self.width;
            wrap(line.trim(), width, initial, &rest, |wrapped| {
                if code {
                    self.out.push_str(wrapped.replace(NO_BREAK, " ").trim_end());
                } else {
                    self.out.push_str(wrapped.trim_end());
                }
                self.out.push('\n');
            });
        }
    }

    fn event(&mut self, event: Event<'_>) {
        if let Some(code) = self.code_block.as_mut() {
            match event {
                Event::Text(text) => code.push_str(&text),
                Event::End(TagEnd::CodeBlock) => {
                    let code = self.code_block.take().unwrap_or_default();
                    self.separate();
                    let (first, rest) = self.prefixes();
                    for (index, line) in code.trim_end_matches('\n').split('\n').enumerate() {
                        let prefix = if index == 0 { &first } else { &rest };
                        self.out.push_str(format!("{prefix}    {line}").trim_end());
                        self.out.push('\n');
                    }
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(Tag::Paragraph) => {
                if matches!(self.stack.last(), Some(Container::Item { .. })) {
                    if let Some(Container::List { loose, .. }) = self.stack.iter_mut().rev().nth(1)
                    {
                        *loose = true;
                    }
                }
            }
            Event::Start(Tag::Heading { .. }) => {}
            Event::End(TagEnd::Paragraph) => self.flush_inline(),
            Event::End(TagEnd::Heading(level)) => {
                if level == HeadingLevel::H1 || level == HeadingLevel::H2 {
                    let underline = if level == HeadingLevel::H1 { '=' } else { '-' };
                    let width = self.inline.trim().chars().count();
                    self.inline = format!(
                        "{}\n{}",
                        self.inline.trim(),
                        underline.to_string().repeat(width)
                    );
                }
                self.flush_inline();
            }
            Event::Start(Tag::BlockQuote(_)) => {
                self.flush_inline();
                self.stack.push(Container::Quote);
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.flush_inline();
                self.stack.pop();
            }
            Event::Start(Tag::CodeBlock(_)) => {
                self.flush_inline();
                self.code_block = Some(String::new());
            }
            Event::Start(Tag::List(start)) => {
                self.flush_inline();
                self.stack.push(Container::List {
                    next_number: start,
                    items: 0,
                    loose: false,
                });
            }
            Event::End(TagEnd::List(_)) => {
                self.flush_inline();
                self.stack.pop();
            }
            Event::Start(Tag::Item) => {
                self.flush_inline();
                let mut marker = "- ".to_string();
                let mut follows_tight_sibling = false;
                if let Some(Container::List {
                    next_number,
                    items,
                    loose,
                }) = self.stack.last_mut()
                {
                    if let Some(n) = next_number {
                        marker = format!("{n}. ");
                        *n += 1;
                    }
                    follows_tight_sibling = *items > 0 && !*loose;
                    *items += 1;
                }
                self.stack.push(Container::Item {
                    indent: marker.len(),
                });
                self.marker = Some(marker);
                self.tight_continuation = follows_tight_sibling;
            }
            Event::End(TagEnd::Item) => {
                self.flush_inline();
                self.stack.pop();
            }
            Event::Text(text) => self.inline.push_str(&text),
            // Code spans never break across lines: their spaces are held as no-break
            // spaces until the paragraph is wrapped.
            Event::Code(code) => self.inline.push_str(&code.replace(' ', NO_BREAK)),
            Event::SoftBreak => self.inline.push(' '),
            Event::HardBreak => self.inline.push('\n'),
            Event::Rule => {
                self.flush_inline();
                self.separate();
                self.out.push_str("----\n");
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                self.links.push((dest_url.to_string(), self.inline.len()));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some((url, start)) = self.links.pop() {
                    let text = self.inline[start..].trim().to_string();
                    let bare = url.strip_prefix("mailto:").unwrap_or(&url);
                    if text != url && text != bare {
                        self.inline.push_str(&format!(" <{url}>"));
                    }
                }
            }
            Event::TaskListMarker(done) => self.inline.push_str(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(name) => self.inline.push_str(&format!("[{name}]")),
            _ => {}
        }
    }

    fn finish(mut self) -> String {
        self.flush_inline();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_indents_a_line_for_sixteen_containers_at_most() {
        // A quote and a list nested 100,000 deep, each followed by lazy
        // continuation lines: a prefix per level would repeat 200 KB per line.
        for opener in ["> ", "- "] {
            let markdown = format!(
                "{}word\n{}",
                opener.repeat(100_000),
                "lazy words here ".repeat(10_000)
            );
            let text = to_text(&markdown, TEXT_WIDTH);
            assert!(
                text.len() < 4 * markdown.len(),
                "{opener:?}: {} bytes",
                text.len()
            );
            let widest = text.lines().map(str::len).max().unwrap();
            assert!(
                widest <= TEXT_WIDTH + 2,
                "{opener:?}: a line of {widest} bytes"
            );
            assert!(text.contains("word"), "{opener:?}");
        }
        // Within the limit, every level shows.
        let text = to_text("> > - a\n>   > b", TEXT_WIDTH);
        assert!(text.starts_with("> > - a"), "{text}");
    }

    #[test]
    fn wrap_gives_the_lines_textwrap_gives() {
        // Words of every length (wider than a line too), wide and combining
        // characters, code spans' no-break spaces, runs of spaces; every indent.
        let pieces = [
            "a",
            "of",
            "the",
            "fix",
            "crypto/x509",
            "CVE-2021-27918",
            "é",
            "日本語",
            "e\u{301}",
            NO_BREAK,
            "x\u{2060}\u{a0}y",
            "",
            " ",
            "  ",
            "https://go.dev/issue/44913/a/very/long/path/that/does/not/fit/on/any/line/at/all",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..3000 {
            let words = next(40);
            let mut text = String::new();
            for _ in 0..words {
                text.push_str(pieces[next(pieces.len())]);
                text.push_str(if next(5) == 0 { "  " } else { " " });
            }
            let text = text.trim();
            let width = [1, 8, 20, 72, 80][next(5)];
            let (initial, rest) =
                [("", ""), ("* ", "  "), ("> 1. ", ">    "), ("", "    ")][next(4)];
            let options = textwrap::Options::new(width)
                .initial_indent(initial)
                .subsequent_indent(rest)
                .break_words(false)
                .word_separator(WordSeparator::AsciiSpace)
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            let expected: Vec<String> = textwrap::wrap(text, options)
                .into_iter()
                .map(|l| l.into_owned())
                .collect();
            let mut ours = Vec::new();
            wrap(text, width, initial, rest, |l| ours.push(l.to_string()));
            assert_eq!(
                ours, expected,
                "case {case}: {text:?} at {width}, {initial:?}"
            );
        }
    }

    #[test]
    fn paragraphs_wrap_at_72_columns_and_links_are_written_out() {
        let md = "We have just released Go versions 1.18.1 and 1.17.9, minor point releases, and this sentence runs past the edge.\n\nSee the [security policy](https://go.dev/security/policy) and <https://go.dev/dl/>.\n";
        let text = to_text(md, TEXT_WIDTH);
        assert_eq!(
            text,
            "We have just released Go versions 1.18.1 and 1.17.9, minor point\nreleases, and this sentence runs past the edge.\n\nSee the security policy <https://go.dev/security/policy> and\nhttps://go.dev/dl/.\n"
        );
    }

    #[test]
    fn lists_hang_their_indent_and_keep_paragraphs_apart() {
        let md = "Intro:\n\n- net/http: a title\n\n  A description long enough to wrap onto a second line, because it goes on and on.\n\n- os: another\n";
        let text = to_text(md, TEXT_WIDTH);
        assert_eq!(
            text,
            "Intro:\n\n- net/http: a title\n\n  A description long enough to wrap onto a second line, because it goes\n  on and on.\n\n- os: another\n"
        );
    }

    #[test]
    fn tight_lists_stay_tight() {
        let text = to_text("CVEs:\n\n- CVE-2022-1\n- CVE-2022-2\n", TEXT_WIDTH);
        assert_eq!(text, "CVEs:\n\n- CVE-2022-1\n- CVE-2022-2\n");
    }

    #[test]
    fn hard_breaks_inline_code_and_long_urls_survive() {
        let md = "Cheers,\\\nThe Go team\n\nUpdate with `git checkout go1.18.1` at https://example.com/a-very-long-path/that-should-never-be-broken-across-lines-by-wrapping\n";
        let text = to_text(md, TEXT_WIDTH);
        assert!(text.starts_with("Cheers,\nThe Go team\n\nUpdate with git checkout go1.18.1 at\nhttps://example.com/a-very-long-path/that-should-never-be-broken-across-lines-by-wrapping\n"), "{text}");
    }

    #[test]
    fn raw_html_is_shown_as_text_not_passed_through() {
        let html = to_html_fragment("a <script>alert(1)</script> b\n");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn html_document_escapes_its_title() {
        let (doc, range) = html_document("a < b", "x\n");
        assert!(doc.contains("<title>a &lt; b</title>"), "{doc}");
        assert_eq!(&doc[range], to_html_fragment("x\n"));
    }
}
