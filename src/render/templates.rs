//! The message templates: built into the binary, each overridable by file name.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use tera::{Kwargs, State, Tera, TeraResult};

use super::builtin;
use super::message::RenderError;
use super::wording::{Wording, WORDS_FILE};
use crate::model::Profile;
use crate::source::{Excerpt, Location, SourceFile};

/// The templates of a run: each is parsed the first time a message needs it (with
/// the templates it names), once, and reused for every later message.
#[derive(Debug)]
pub struct Templates {
    /// Every template's name, source and, for an override, the file it came from.
    sources: Vec<TemplateSource>,
    /// The templates parsed so far; a syntax error in one is reported when it is used.
    /// Threads may share it: parsing takes the write lock, rendering a read lock.
    tera: RwLock<Tera>,
    /// The words of an override directory's `words.toml`; `None` for the built-in ones.
    wording: Option<Wording>,
    /// The profile whose built-in templates and words these are (or override).
    profile: Profile,
}

/// The text of one template and where it came from.
#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// The file name, as in `pre-announcement.md`.
    pub name: String,
    /// The template's text.
    pub text: String,
    /// The override file it was read from; `None` for a built-in template.
    pub path: Option<std::path::PathBuf>,
}

fn builtin_sources(profile: Profile) -> Vec<TemplateSource> {
    builtin::templates(profile)
        .iter()
        .map(|(n, t)| TemplateSource {
            name: n.to_string(),
            text: t.to_string(),
            path: None,
        })
        .collect()
}

impl Templates {
    /// The built-in templates of `profile` only; none is parsed until a message needs it.
    pub fn builtin(profile: Profile) -> Result<Self, RenderError> {
        Ok(Self::unparsed(builtin_sources(profile), profile))
    }

    /// The words of the wording in use: `words.toml` of the override directory, else
    /// the profile's built-in words (the embargo guard's only words of herald's own).
    pub fn wording(&self) -> &Wording {
        self.wording
            .as_ref()
            .unwrap_or_else(|| Wording::builtin(self.profile))
    }

    /// The profile these templates belong to.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Every template's source, built-in or overridden, in the profile's order.
    pub fn sources(&self) -> &[TemplateSource] {
        &self.sources
    }

    /// The built-in templates of `profile`, with any file of the same name in `dir`
    /// taking the place of one.
    ///
    /// Any other Markdown file in `dir` (`*.md`, in any case) is an error, so that a
    /// misspelt override cannot silently leave the built-in in place. Other files
    /// are ignored. So that the built-in is never used in place of an override, an
    /// entry with a template's name must be a regular file (or a link to one) that
    /// can be read, and that of a mail template must not be empty. Every template is
    /// parsed here, so that an error in an override is reported whatever the
    /// command renders.
    pub fn with_overrides(dir: &Path, profile: Profile) -> Result<Self, RenderError> {
        let io = |source| RenderError::Io {
            path: dir.to_path_buf(),
            what: "templates directory",
            source,
        };
        let mut sources = builtin_sources(profile);
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.to_ascii_lowercase().ends_with(".md") {
                continue;
            }
            let path = entry.path();
            let Some(slot) = sources.iter_mut().find(|s| s.name == name) else {
                if !path.is_file() {
                    continue;
                }
                let known: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
                return Err(RenderError::UnknownTemplate {
                    path,
                    known: known.join(", "),
                });
            };
            let text = read_override(&path)?;
            if text.is_empty() && slot.text.starts_with("Subject:") {
                return Err(RenderError::Template {
                    name: path.display().to_string(),
                    message: "the file is empty; a mail template is a \"Subject: ...\" line, \
                              a blank line, then the Markdown body"
                        .to_string(),
                });
            }
            slot.text = text;
            slot.path = Some(path);
        }
        let mut templates = Self::unparsed(sources, profile);
        let words = dir.join(WORDS_FILE);
        if words.symlink_metadata().is_ok() {
            // As for a template: never the built-in words in place of an override
            // that cannot be read, and never a wait on a FIFO.
            if !words.is_file() {
                return Err(RenderError::Template {
                    name: words.display().to_string(),
                    message: "not a regular file; the wording's words are a TOML file".to_string(),
                });
            }
            templates.wording = Some(Wording::load(&words)?);
        }
        let all: Vec<String> = templates.sources.iter().map(|s| s.name.clone()).collect();
        templates.parse(all)?;
        Ok(templates)
    }

    fn unparsed(sources: Vec<TemplateSource>, profile: Profile) -> Self {
        let mut tera = Tera::default();
        // Mail is Markdown: nothing is HTML-escaped before the Markdown is rendered.
        tera.autoescape_on(Vec::<&str>::new());
        // herald's `indent` (every non-empty line, first included; at most 16
        // columns) takes the place of Tera's. Tera 2 has no `get_env`, so a
        // template cannot print an environment variable such as HERALD_SMTP_PASSWORD.
        tera.register_filter("indent", indent);
        Self {
            sources,
            tera: RwLock::new(tera),
            wording: None,
            profile,
        }
    }

    /// Parses `names` and every template their sources name (an `include`, `extends`
    /// or `import` can only name a template by its file name), unless parsed already.
    fn parse(&self, mut names: Vec<String>) -> Result<(), RenderError> {
        let mut tera = self.tera.write().unwrap_or_else(PoisonError::into_inner);
        let mut wanted: Vec<(String, String)> = Vec::new();
        while let Some(name) = names.pop() {
            let parsed = tera.get_template_names().any(|n| n == name);
            if parsed || wanted.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let Some(source) = self.sources.iter().find(|s| s.name == name) else {
                continue;
            };
            names.extend(
                self.sources
                    .iter()
                    .filter(|other| source.text.contains(other.name.as_str()))
                    .map(|other| other.name.clone()),
            );
            wanted.push((name, source.text.clone()));
        }
        if wanted.is_empty() {
            return Ok(());
        }
        tera.add_raw_templates(wanted)
            .map_err(|e| self.error(None, &e))
    }

    /// Renders the template `name` with `context`, parsing it first if needed.
    ///
    /// The output may not pass [`Templates::output_limit`] for a release file of
    /// `input_len` bytes: a template that loops without end stops with an error
    /// instead of taking all the memory there is.
    pub fn render(
        &self,
        name: &str,
        context: &tera::Context,
        input_len: usize,
    ) -> Result<String, RenderError> {
        let parsed = |tera: &Tera| tera.get_template_names().any(|n| n == name);
        if !parsed(&self.tera.read().unwrap_or_else(PoisonError::into_inner)) {
            self.parse(vec![name.to_string()])?;
        }
        let tera = self.tera.read().unwrap_or_else(PoisonError::into_inner);
        let limit = self.output_limit(input_len);
        let mut output = BoundedOutput {
            bytes: Vec::new(),
            limit,
            passed: false,
        };
        match tera.render_to(name, context, &mut output) {
            Ok(()) => String::from_utf8(output.bytes)
                .map_err(|e| RenderError::template(self.display_name(name), &e)),
            Err(_) if output.passed => Err(RenderError::Template {
                name: self.display_name(name),
                message: format!(
                    "the output would pass the limit of {limit} bytes (16 MiB plus \
                     {OUTPUT_FACTOR} times the bytes of the release file and the \
                     templates); does a loop run without end?"
                ),
            }),
            Err(e) => Err(self.error(Some(name), &e)),
        }
    }

    /// The most bytes one template may write for a release file of `input_len`
    /// bytes: [`OUTPUT_FLOOR`] plus [`OUTPUT_FACTOR`] times the size of the release
    /// file and of every template. The built-in templates write about the size of
    /// the release file.
    pub fn output_limit(&self, input_len: usize) -> usize {
        let templates: usize = self.sources.iter().map(|s| s.text.len()).sum();
        OUTPUT_FACTOR
            .saturating_mul(input_len.saturating_add(templates))
            .saturating_add(OUTPUT_FLOOR)
    }

    /// The name errors give the template `name`: its override's path, or its own name.
    pub fn display_name(&self, name: &str) -> String {
        match self.sources.iter().find(|s| s.name == name) {
            Some(TemplateSource {
                path: Some(path), ..
            }) => path.display().to_string(),
            _ => name.to_string(),
        }
    }

    /// An error about the first line of the template `name`'s output (a mail
    /// template's `Subject:` line), reported at the template's first line: at its end
    /// when the error is after the line `written` and the template's first line is
    /// that very text, else marking the whole line, which wrote it.
    pub(crate) fn first_line_error(
        &self,
        name: &str,
        message: String,
        after: Option<&str>,
    ) -> RenderError {
        let Some(source) = self.sources.iter().find(|s| s.name == name) else {
            return RenderError::Template {
                name: name.to_string(),
                message,
            };
        };
        let end = source.text.find('\n').unwrap_or(source.text.len());
        let end = end - usize::from(source.text[..end].ends_with('\r'));
        let span = match after {
            Some(written) if written == &source.text[..end] => end..end,
            _ => 0..end,
        };
        self.error_at(name, &span, message)
    }

    /// An error at `span` in the template `name`, with the line excerpted.
    fn error_at(&self, name: &str, span: &Range<usize>, message: String) -> RenderError {
        match self.excerpt(name, span) {
            Some((location, excerpt)) => RenderError::TemplateAt {
                location,
                message,
                excerpt: Box::new(excerpt),
            },
            None => RenderError::Template {
                name: self.display_name(name),
                message,
            },
        }
    }

    /// A Tera error as herald reports it, starting with the file it is about: one
    /// that points into a template names the file (the override's path, or the
    /// built-in template's name), line and column, with the line excerpted; any
    /// other names the template being rendered, else the template it names.
    fn error(&self, rendering: Option<&str>, error: &tera::Error) -> RenderError {
        let report = match error.kind() {
            tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
                report
            }
            tera::ErrorKind::CircularInclude { include_chain, .. } => {
                return self.cycle(INCLUDE, include_chain);
            }
            tera::ErrorKind::CircularExtend {
                tpl,
                inheritance_chain,
            } => {
                let chain: Vec<String> = std::iter::once(tpl)
                    .chain(inheritance_chain)
                    .cloned()
                    .collect();
                return self.cycle(EXTENDS, &chain);
            }
            tera::ErrorKind::MissingParent { current, parent } => {
                let message = format!(
                    "extends \"{parent}\", which is not a template herald knows; the \
                     templates are: {}",
                    self.sources
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return match self.tag(current, EXTENDS, parent) {
                    Some(span) => self.error_at(current, &span, message),
                    None => RenderError::Template {
                        name: self.display_name(current),
                        message,
                    },
                };
            }
            _ => {
                let (message, located) = self.reports(&crate::error_chain(error));
                if located {
                    return RenderError::TemplateReports { message };
                }
                return RenderError::Template {
                    name: self.about(rendering, &message),
                    message,
                };
            }
        };
        match self.excerpt(report.filename(), &report.span().range) {
            Some((location, excerpt)) => RenderError::TemplateAt {
                location,
                message: report.message().to_string(),
                excerpt: Box::new(excerpt),
            },
            None => RenderError::Template {
                name: self.about(
                    Some(report.filename())
                        .filter(|n| !n.is_empty())
                        .or(rendering),
                    report.message(),
                ),
                message: report.message().to_string(),
            },
        }
    }

    /// An `include` or `extends` cycle, from the chain Tera followed to it (the
    /// template it started from, ..., the template met a second time): the first
    /// template of the cycle is reported at its tag naming the next, and each other
    /// template of the cycle in a note at its own.
    fn cycle(&self, tag: Tag, chain: &[String]) -> RenderError {
        let Some(last) = chain.last() else {
            return RenderError::Template {
                name: "templates".to_string(),
                message: format!("{} cycle", tag.keyword),
            };
        };
        let start = chain.iter().position(|n| n == last).unwrap_or(0);
        let cycle = &chain[start..];
        let steps: Vec<(&String, &String)> = cycle.iter().zip(cycle.iter().skip(1)).collect();
        let described = match steps.as_slice() {
            [(one, _)] => format!("{one} {} itself", tag.verb),
            _ => {
                let mut described = cycle[0].clone();
                for (n, to) in cycle[1..].iter().enumerate() {
                    let which = if n == 0 { "" } else { ", which" };
                    described.push_str(&format!("{which} {} {to}", tag.verb));
                }
                described
            }
        };
        let mut blocks = Vec::new();
        for (n, (from, to)) in steps.iter().enumerate() {
            let message = if n == 0 {
                format!(
                    "{} cycle: {described}; a template cannot {} itself, directly or \
                     through others",
                    tag.keyword, tag.infinitive
                )
            } else {
                format!("{from} {} {to} here", tag.verb)
            };
            let error = match self.tag(from, tag, to) {
                Some(span) => self.error_at(from, &span, message),
                None => RenderError::Template {
                    name: self.display_name(from),
                    message,
                },
            };
            let label = if n == 0 { "" } else { "note: " };
            blocks.push(format!("{label}{error}"));
        }
        RenderError::TemplateReports {
            message: blocks.join("\n"),
        }
    }

    /// Where the template `name` names `target` in a `{% KEYWORD "TARGET" %}` tag:
    /// the span of the quoted name in the first such tag.
    fn tag(&self, name: &str, tag: Tag, target: &str) -> Option<Range<usize>> {
        let text = &self.sources.iter().find(|s| s.name == name)?.text;
        let mut from = 0;
        while let Some(at) = text[from..].find("{%") {
            let open = from + at + 2;
            let close = text[open..].find("%}").map_or(text.len(), |i| open + i);
            // Offsets of the parts of the tag, each a suffix of `text[..close]`.
            let offset = |part: &str| close - part.len();
            let body = text[open..close]
                .trim_start_matches(['-', '+'])
                .trim_start();
            if let Some(rest) = body.strip_prefix(tag.keyword) {
                let quoted = rest.trim_start();
                if quoted.len() < rest.len() {
                    if let Some(quote) = quoted.chars().next().filter(|c| "\"'`".contains(*c)) {
                        let name_end = 1 + target.len();
                        if quoted[1..].starts_with(target) && quoted[name_end..].starts_with(quote)
                        {
                            let start = offset(quoted);
                            return Some(start..start + name_end + 1);
                        }
                    }
                }
            }
            from = close;
        }
        None
    }

    /// The file an error without a place is about: the template being rendered;
    /// else the first template its message names; else the directory of the
    /// overrides (only an override can hold an error), or `templates`.
    fn about(&self, rendering: Option<&str>, message: &str) -> String {
        if let Some(name) = rendering {
            return self.display_name(name);
        }
        if let Some(source) = self.sources.iter().find(|s| message.contains(&s.name)) {
            return self.display_name(&source.name);
        }
        self.sources
            .iter()
            .find_map(|s| s.path.as_deref()?.parent())
            .map_or_else(|| "templates".to_string(), |dir| dir.display().to_string())
    }

    /// The location and excerpt of `span` in the template `name`: the override's
    /// path, or the built-in template's name.
    fn excerpt(&self, name: &str, span: &Range<usize>) -> Option<(Location, Excerpt)> {
        let source = self.sources.iter().find(|s| s.name == name)?;
        let path = source
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(&source.name));
        let file = SourceFile::new(path, source.text.as_str());
        let span = span.start.min(file.text().len())..span.end.min(file.text().len());
        Some((file.span_location(&span), file.excerpt(&span)))
    }

    /// Tera's text reports of unknown filters, tests, functions and templates, each
    /// `error: MESSAGE`, ` --> NAME:LINE:COLUMN` and the whole source line with the
    /// span underlined, rewritten as herald's: the override's path, and a window of
    /// a long line (a report must not repeat a 1 MiB line). Text that is not such a
    /// report is kept, each line cut to a readable width. Also says whether the text
    /// starts with a report, that is with a file, line and column.
    fn reports(&self, text: &str) -> (String, bool) {
        let mut located = None;
        let rewritten: Vec<String> = text
            .split("\n\n")
            .map(|block| {
                let report = self.report(block);
                located.get_or_insert(report.is_some());
                report.unwrap_or_else(|| {
                    block
                        .lines()
                        .map(|line| match line.char_indices().nth(REPORT_WIDTH) {
                            Some((cut, _)) => format!("{}...", &line[..cut]),
                            None => line.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            })
            .collect();
        (rewritten.join("\n"), located.unwrap_or(false))
    }

    /// One block of a Tera text report, rewritten (see [`Templates::reports`]).
    fn report(&self, block: &str) -> Option<String> {
        let mut lines = block.lines();
        let first = lines.next()?;
        let (label, message) = match first.strip_prefix("error: ") {
            Some(message) => ("", message),
            None => ("note: ", first.strip_prefix("note: ")?),
        };
        let mut place = lines
            .next()?
            .trim_start()
            .strip_prefix("--> ")?
            .rsplitn(3, ':');
        let column: usize = place.next()?.parse().ok()?;
        let line: usize = place.next()?.parse().ok()?;
        let name = place.next()?;
        let width = lines
            .last()?
            .rsplit(" | ")
            .next()?
            .matches('^')
            .count()
            .max(1);
        let source = &self.sources.iter().find(|s| s.name == name)?.text;
        // Tera counts columns in characters from 1.
        let line_start = source
            .split_inclusive('\n')
            .take(line.checked_sub(1)?)
            .map(str::len)
            .sum::<usize>();
        let mut chars = source[line_start..]
            .char_indices()
            .map(|(i, _)| line_start + i);
        let start = chars.nth(column.checked_sub(1)?)?;
        let end = chars.nth(width - 1).unwrap_or(source.len());
        let (location, excerpt) = self.excerpt(name, &(start..end))?;
        Some(format!("{label}{location}: {message}\n{excerpt}"))
    }
}

/// The text of the override at `path`, without the byte order mark editors on
/// Windows start a UTF-8 file with: it is no part of the template (it would count as
/// a column in errors and end up in the mail). Bytes that are not UTF-8 are an error
/// at the line and column of the first.
///
/// A directory, FIFO, socket or device is an error: read, a FIFO would block until
/// something writes to it; skipped, the built-in would be used without a word.
fn read_override(path: &Path) -> Result<String, RenderError> {
    let io = |source| RenderError::Io {
        path: path.to_path_buf(),
        what: "template",
        source,
    };
    // Through a symbolic link, as reading does: a link to a file is an override.
    let kind = std::fs::metadata(path).map_err(io)?.file_type();
    if !kind.is_file() {
        return Err(RenderError::Template {
            name: path.display().to_string(),
            message: format!(
                "{}, not a regular file: an override must be a regular file or a link to one",
                file_kind(kind)
            ),
        });
    }
    // A byte order mark is dropped here too (see `SourceFile::from_utf8`).
    let bytes = std::fs::read(path).map_err(io)?;
    match SourceFile::from_utf8(path, bytes) {
        Ok(file) => match crate::controls::refused_in(file.text()) {
            // What the release file may not hold, a template may not write either.
            Some((c, at, count)) => {
                let span = at..at + c.len_utf8();
                let more = match count {
                    1 => String::new(),
                    n => format!(" ({} more after it)", n - 1),
                };
                Err(RenderError::TemplateAt {
                    location: file.span_location(&span),
                    message: format!("{}{more}", crate::controls::describe(c)),
                    excerpt: Box::new(file.excerpt(&span)),
                })
            }
            None => Ok(file.into_text()),
        },
        Err(bad) => Err(RenderError::TemplateAt {
            location: bad.file.span_location(&bad.span),
            message: format!(
                "the file is not UTF-8: byte 0x{:02X} cannot start or continue a character \
                 here; templates are UTF-8 text, so save it as UTF-8",
                bad.byte
            ),
            excerpt: Box::new(bad.file.excerpt(&bad.span)),
        }),
    }
}

/// A tag by which a template names another, and the words errors about it use.
#[derive(Clone, Copy)]
struct Tag {
    /// The tag's keyword, as in `{% include "closing.md" %}`.
    keyword: &'static str,
    /// As in "closing.md includes security-fixes.md".
    verb: &'static str,
    /// As in "a template cannot include itself".
    infinitive: &'static str,
}

const INCLUDE: Tag = Tag {
    keyword: "include",
    verb: "includes",
    infinitive: "include",
};

const EXTENDS: Tag = Tag {
    keyword: "extends",
    verb: "extends",
    infinitive: "extend",
};

/// What a file that is not a regular file is, as errors say it.
fn file_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "this is a directory"
    } else if kind.is_fifo() {
        "this is a FIFO (named pipe)"
    } else if kind.is_socket() {
        "this is a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "this is a device"
    } else {
        "this is of an unknown kind"
    }
}

/// Bytes any template may write, whatever the size of the release (see
/// [`Templates::output_limit`]).
pub const OUTPUT_FLOOR: usize = 16 << 20; // named in the error message: keep them in step

/// How many times the size of the release file and the templates a template may write.
pub const OUTPUT_FACTOR: usize = 16;

/// A template's output, refused past `limit` bytes: the write that would pass it
/// sets `passed` and fails, which stops Tera.
struct BoundedOutput {
    bytes: Vec<u8>,
    limit: usize,
    passed: bool,
}

impl std::io::Write for BoundedOutput {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if data.len() > self.limit - self.bytes.len() {
            self.passed = true;
            return Err(std::io::Error::other("template output limit reached"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Characters of a line of an error report kept when herald cannot excerpt it.
const REPORT_WIDTH: usize = 240;

/// The widest indent the `indent` filter gives.
const MAX_INDENT: usize = 16;

/// Tera filter `indent(width=N)`: indents every non-empty line by N spaces (default 2),
/// so that multi-paragraph Markdown stays inside a list item.
fn indent(text: &str, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let width = match kwargs.get::<i64>("width")? {
        Some(w) => usize::try_from(w)
            .ok()
            .filter(|w| *w <= MAX_INDENT)
            .ok_or_else(|| {
                tera::Error::message(format!(
                    "indent: width must be a whole number from 0 to {MAX_INDENT}"
                ))
            })?,
        None => 2,
    };
    let pad = " ".repeat(width);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (n, line) in text.trim_end().lines().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if !line.trim().is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Ok(out)
}
