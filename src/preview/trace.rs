//! Where leaked text came from: a line of the message's template (or of a template
//! it includes), or a key of the release file.
//!
//! Every distinct text of a message is traced in one pass over each template and
//! one over the release file, whatever their number, so that a release leaking
//! thousands of distinct details traces in time linear in its size.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::automaton::Automaton;

use crate::render::TemplateSource;
use crate::source::SourceFile;

/// Where to trace leaks to: the templates and the release file.
pub struct Sources<'a> {
    /// Every template, built-in or overridden.
    pub templates: &'a [TemplateSource],
    /// The release file as it was read.
    pub release: &'a crate::source::SourceFile,
}

/// What a text that was not found is traced to.
pub const NOT_TRACED: &str =
    "not traced: the template computes this text (a date, a list, a filter)";

/// Whether `c` is Markdown emphasis or an escape, which a template or a TOML string
/// may hold between the characters of text it renders.
fn is_markup(c: char) -> bool {
    matches!(c, '*' | '_' | '`' | '\\')
}

/// `text` as it is looked for: without markup, each run of white space one space.
fn plain_text(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.chars().filter(|c| !is_markup(*c)).collect())
        .filter(|w: &String| !w.is_empty())
        .collect();
    words.join(" ")
}

/// A text to look in, as [`plain_text`] makes texts to look for, with where each of
/// its bytes stands in the original.
struct Haystack {
    plain: String,
    at: Vec<u32>,
}

impl Haystack {
    /// `None` for a text of 4 GiB or more, which is not traced.
    fn new(text: &str) -> Option<Haystack> {
        u32::try_from(text.len()).ok()?;
        let mut plain = String::with_capacity(text.len());
        let mut at = Vec::with_capacity(text.len());
        let mut space: Option<usize> = None;
        for (i, c) in text.char_indices() {
            if c.is_whitespace() {
                space = space.or(Some(i));
                continue;
            }
            if is_markup(c) {
                continue;
            }
            if let Some(s) = space.take().filter(|_| !plain.is_empty()) {
                plain.push(' ');
                at.push(s as u32);
            }
            plain.push(c);
            at.extend((0..c.len_utf8()).map(|k| (i + k) as u32));
        }
        Some(Haystack { plain, at })
    }

    /// The start, in the original text, of each needle's first match that stands
    /// between word boundaries (when the needle starts or ends with a letter or digit)
    /// and that `accept` takes, for the needles not yet `done`.
    fn first_matches(
        &self,
        automaton: &Automaton,
        needles: &[String],
        done: &mut [bool],
        mut accept: impl FnMut(usize, usize) -> bool,
    ) {
        let plain = self.plain.as_str();
        for (id, m) in automaton.matches(plain) {
            let id = id as usize;
            if done[id] {
                continue;
            }
            let needle = &needles[id];
            let word_before = plain[..m.start()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            let word_after = plain[m.end()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
            let starts_word = needle.chars().next().is_some_and(char::is_alphanumeric);
            let ends_word = needle
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            if (starts_word && word_before) || (ends_word && word_after) {
                continue;
            }
            if accept(id, self.at[m.start()] as usize) {
                done[id] = true;
            }
        }
    }
}

/// `template` with the text of its comments (`{# … #}`), which print nothing, made
/// blank: a comment naming a package is not where a leak of it came from. Byte
/// offsets stay as they were.
fn without_comments(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{#") {
        out.push_str(&rest[..open]);
        let comment = &rest[open..];
        let end = comment.find("#}").map_or(comment.len(), |i| i + 2);
        for c in comment[..end].chars() {
            // A line break stays, so lines still count.
            match c {
                '\n' => out.push('\n'),
                c => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            }
        }
        rest = &comment[end..];
    }
    out.push_str(rest);
    out
}

/// Whether the value of the release-file key `key` can reach a message as text.
/// Keys no message prints are not sources: `toolchain_prefixes` and other
/// settings, and, in a pre-announcement, whose context has no entries, every
/// `[[security]]` and `[[fix]]` key (a leak there is where the secret is kept, not
/// where the message got it).
fn printable_key(key: &str, entries_printed: bool) -> bool {
    const SETTINGS: &[&str] = &[
        "project.toolchain_prefixes",
        "project.pre_announce_cves",
        "release.kind",
    ];
    let entry = key.starts_with("security[") || key.starts_with("fix[");
    !SETTINGS.contains(&key) && (entries_printed || !entry)
}

/// Traces `texts` (as the message displays them) for a message of the template
/// `template`: one answer per text, in order. `entries_printed` is whether the
/// message's template context holds the release's entries (not in a
/// pre-announcement).
pub fn trace_all(
    texts: &[&str],
    template: &str,
    entries_printed: bool,
    sources: &Sources<'_>,
) -> Vec<String> {
    let printable = |key: &str| printable_key(key, entries_printed);
    if texts.is_empty() {
        // A message without leaks: nothing to index.
        return Vec::new();
    }
    let needles: Vec<String> = texts.iter().map(|t| plain_text(t)).collect();
    let mut answers: Vec<Option<String>> = vec![None; texts.len()];
    // A text with nothing to look for is not traced.
    let mut done: Vec<bool> = needles.iter().map(String::is_empty).collect();
    let main = sources.templates.iter().find(|t| t.name == template);
    let included = sources
        .templates
        .iter()
        .filter(|t| main.is_some_and(|m| m.text.contains(&format!("\"{}\"", t.name))));
    // Each template with its lines indexed, as the release file has them.
    let templates: Vec<(&TemplateSource, SourceFile, Option<Haystack>)> = main
        .into_iter()
        .chain(included)
        .map(|t| {
            (
                t,
                SourceFile::new(&t.name, t.text.as_str()),
                Haystack::new(&without_comments(&t.text)),
            )
        })
        .collect();
    let release = Haystack::new(sources.release.text());
    let keys = release
        .as_ref()
        .map(|_| toml_keys(sources.release.text()))
        .unwrap_or_default();
    // The exact case first, then any ASCII case.
    for ignore_case in [false, true] {
        if done.iter().all(|d| *d) {
            break;
        }
        let mut builder = AhoCorasick::builder();
        builder
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(ignore_case);
        let automaton = Automaton::new(&builder, needles.iter().map(String::as_str))
            .expect("plain texts form a valid automaton");
        for (t, lines, haystack) in &templates {
            let Some(haystack) = haystack else { continue };
            let origin = t
                .path
                .as_ref()
                .map_or_else(|| "built-in".to_string(), |p| p.display().to_string());
            haystack.first_matches(&automaton, &needles, &mut done, |id, at| {
                let line = lines.location(at).line;
                answers[id] = Some(format!("template {} line {line} ({origin})", t.name));
                true
            });
        }
        if let Some(haystack) = &release {
            haystack.first_matches(&automaton, &needles, &mut done, |id, at| {
                let location = sources.release.location(at);
                let Some(key) = keys.key(location.line).filter(|k| printable(k)) else {
                    return false;
                };
                answers[id] = Some(format!(
                    "release-file key {key} at {}:{}",
                    location.file, location.line
                ));
                true
            });
        }
    }
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| NOT_TRACED.to_string()))
        .collect()
}

/// The dotted key whose value holds each line of a TOML file, as in
/// `project.release_window` or `security[0].description`; none on a comment, a
/// table header or a blank line outside any value.
#[derive(Debug, Default)]
pub struct TomlKeys {
    /// By line: 0 for none, else 1 + the key's place in `keys`.
    lines: Vec<u32>,
    keys: Vec<String>,
}

impl TomlKeys {
    /// The key of line `line` (1-based).
    pub fn key(&self, line: usize) -> Option<&str> {
        let id = *self.lines.get(line.checked_sub(1)?)?;
        id.checked_sub(1).map(|i| self.keys[i as usize].as_str())
    }
}

/// The key of every line of `toml`, in one pass.
pub fn toml_keys(toml: &str) -> TomlKeys {
    let mut out = TomlKeys::default();
    let mut table = String::new();
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    // The current key's id (1-based) in `out.keys`, 0 for none.
    let mut key: u32 = 0;
    let mut open: Option<&str> = None;
    for text in toml.lines() {
        let trimmed = text.trim();
        if let Some(delim) = open {
            if text.matches(delim).count() % 2 == 1 {
                open = None;
            }
            out.lines.push(key);
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix("[[")
            .and_then(|t| t.split("]]").next())
        {
            let count = counts.entry(name.trim().to_string()).or_insert(0);
            table = format!("{}[{}]", name.trim(), count);
            *count += 1;
            key = 0;
        } else if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.split(']').next()) {
            table = name.trim().to_string();
            key = 0;
        } else if let Some((name, value)) = key_assignment(text) {
            out.keys.push(join(&table, name.trim_matches('"')));
            key = out.keys.len() as u32;
            open = ["\"\"\"", "'''"]
                .into_iter()
                .find(|d| value.matches(d).count() % 2 == 1);
            out.lines.push(key);
            continue;
        } else if trimmed.is_empty() || trimmed.starts_with('#') {
            key = 0;
        }
        // A continuation line of an array, say.
        let continued = !trimmed.starts_with('#') && !trimmed.starts_with('[');
        out.lines.push(if continued { key } else { 0 });
    }
    out
}

/// `KEY = VALUE` at the start of a line: the key (of letters, digits, `_-."`) and
/// what follows the `=`.
fn key_assignment(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.\"".contains(c)))
        .unwrap_or(rest.len());
    if end == 0 {
        return None;
    }
    let (name, after) = rest.split_at(end);
    let value = after.trim_start().strip_prefix('=')?;
    Some((name, value))
}

fn join(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_by_line() {
        let toml = "[project]\nname = \"Go\"\nrelease_window = \"soon\"\n\n[[security]]\ntitle = \"a\"\ndescription = \"\"\"\nline one\nline two\"\"\"\n[[security]]\n# a comment\ncredit = \"x\"\n";
        let keys = toml_keys(toml);
        assert_eq!(keys.key(3), Some("project.release_window"));
        assert_eq!(keys.key(9), Some("security[0].description"));
        assert_eq!(keys.key(11), None);
        assert_eq!(keys.key(12), Some("security[1].credit"));
        assert_eq!(keys.key(5), None);
        assert_eq!(keys.key(0), None);
        assert_eq!(keys.key(99), None);
    }

    #[test]
    fn comments_print_nothing_and_keep_offsets() {
        let template = "a {# encoding/xml\nsays é #} b encoding/xml";
        let blank = without_comments(template);
        assert_eq!(blank.len(), template.len());
        assert_eq!(blank.find("encoding/xml"), template.rfind("encoding/xml"));
        assert_eq!(blank.matches('\n').count(), 1);
        assert_eq!(without_comments("x {# open"), "x        ");
    }

    #[test]
    fn only_keys_a_message_prints_are_sources() {
        assert!(printable_key("project.release_window", false));
        assert!(!printable_key("project.toolchain_prefixes", true));
        assert!(!printable_key("security[0].packages", false));
        assert!(printable_key("security[0].packages", true));
        assert!(!printable_key("fix[2].packages", false));
    }

    #[test]
    fn texts_are_found_through_markdown_and_wrapping() {
        let hay = Haystack::new("One of them is CVE-2021-**27918** is fixed").unwrap();
        let needles = vec![plain_text("CVE-2021-27918 is\nfixed")];
        let automaton =
            Automaton::new(&AhoCorasick::builder(), needles.iter().map(String::as_str)).unwrap();
        let mut found = Vec::new();
        hay.first_matches(&automaton, &needles, &mut [false], |_, at| {
            found.push(at);
            true
        });
        assert_eq!(found, [15]);
    }

    #[test]
    fn texts_are_found_through_markup_and_at_word_boundaries() {
        let hay = Haystack::new("a **net/http**\n  package, and nethttp; xnet/http").unwrap();
        let needles = vec![plain_text("net/http package"), plain_text("net/http")];
        let automaton =
            Automaton::new(&AhoCorasick::builder(), needles.iter().map(String::as_str)).unwrap();
        let mut done = vec![false; 2];
        let mut found = Vec::new();
        hay.first_matches(&automaton, &needles, &mut done, |id, at| {
            found.push((id, at));
            true
        });
        found.sort();
        assert_eq!(found, vec![(0, 4), (1, 4)]);
    }
}
