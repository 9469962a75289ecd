//! Source files and positions: turns byte spans into `file:line:column`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;

/// A text file that was read, kept so that spans can be reported as positions.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    text: String,
    /// Built on the first position asked for.
    index: OnceLock<Vec<Checkpoint>>,
}

/// The bytes between two [`Checkpoint`]s.
const BLOCK: usize = 512;

/// What comes before a multiple of [`BLOCK`] in the text: a position is then a
/// line and a column in at most one block's scan, however many positions are
/// asked for (ten thousand errors) and however long their lines (one of 1 MiB).
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    newlines: usize,
    chars: usize,
    /// Where the line holding the checkpoint starts.
    line_start: usize,
}

/// Whether `byte` starts a character (is not a UTF-8 continuation byte).
fn starts_char(byte: &u8) -> bool {
    (*byte as i8) >= -0x40
}

/// A 1-based line and column in a named file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl SourceFile {
    /// Wraps text that was read from `path`.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
            index: OnceLock::new(),
        }
    }

    /// Bytes read from `path` as text, or, if they are not UTF-8, where the first
    /// invalid byte is (see [`NotUtf8`]). A byte order mark starting the bytes is
    /// dropped: editors on Windows write one, and kept, it would count as a column
    /// on line 1 and could be copied into mail.
    pub fn from_utf8(path: impl Into<PathBuf>, mut bytes: Vec<u8>) -> Result<Self, NotUtf8> {
        const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
        if bytes.starts_with(UTF8_BOM) {
            bytes.drain(..UTF8_BOM.len());
        }
        let path = path.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(path, text)),
            Err(error) => {
                // The valid text before the first bad byte, then the rest of its line
                // decoded lossily: enough to report the byte where it stands, and no
                // more than one line however long the file.
                let bad = error.utf8_error().valid_up_to();
                let bytes = error.into_bytes();
                let byte = bytes[bad];
                let line_end = bytes[bad..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| bad + i);
                let rest = String::from_utf8_lossy(&bytes[bad..line_end]);
                let width = rest.chars().next().map_or(1, char::len_utf8);
                let mut text = String::with_capacity(bad + rest.len());
                text.push_str(&String::from_utf8_lossy(&bytes[..bad]));
                text.push_str(&rest);
                Err(NotUtf8 {
                    file: Self::new(path, text),
                    span: bad..bad + width,
                    byte,
                })
            }
        }
    }

    /// The path the text was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The whole text, without the path.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let (checkpoint, base) = self.checkpoint(offset);
        let scanned = &self.text.as_bytes()[base..offset];
        let line = checkpoint.newlines + scanned.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = scanned
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(checkpoint.line_start, |i| base + i + 1);
        let column = self.chars_before(offset) - self.chars_before(line_start) + 1;
        Location {
            file: self.path.display().to_string(),
            line,
            column,
        }
    }

    /// The checkpoint at or before `offset`, and where it is.
    fn checkpoint(&self, offset: usize) -> (Checkpoint, usize) {
        let index = self.index.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut index = Vec::with_capacity(bytes.len() / BLOCK + 1);
            let mut at = Checkpoint {
                newlines: 0,
                chars: 0,
                line_start: 0,
            };
            for (n, block) in bytes.chunks(BLOCK).enumerate() {
                index.push(at);
                at.chars += block.iter().filter(|b| starts_char(b)).count();
                at.newlines += block.iter().filter(|&&b| b == b'\n').count();
                if let Some(i) = block.iter().rposition(|&b| b == b'\n') {
                    at.line_start = n * BLOCK + i + 1;
                }
            }
            // The end of the text, when it ends a block.
            if bytes.len().is_multiple_of(BLOCK) {
                index.push(at);
            }
            index
        });
        (index[offset / BLOCK], offset / BLOCK * BLOCK)
    }

    /// How many characters come before the byte offset `offset`, a character boundary.
    fn chars_before(&self, offset: usize) -> usize {
        let (checkpoint, base) = self.checkpoint(offset);
        checkpoint.chars
            + self.text.as_bytes()[base..offset]
                .iter()
                .filter(|b| starts_char(b))
                .count()
    }

    /// The location of the start of a span.
    pub fn span_location(&self, span: &Range<usize>) -> Location {
        self.location(span.start)
    }

    /// The source line holding the start of `span`, kept for error output with the
    /// span marked (see [`Excerpt`]). A very long line is cut to a readable window
    /// around the span, so an error about a 1 MiB value prints a few lines, not 1 MiB.
    pub fn excerpt(&self, span: &Range<usize>) -> Excerpt {
        let text = &self.text;
        let start = floor_char_boundary(text, span.start.min(text.len()));
        // The line is looked at only as far as the window can reach: a line of 1 MiB
        // costs no more than a short one.
        let reach = floor_char_boundary(text, start.saturating_sub(EXCERPT_CONTEXT));
        let line_start = text[reach..start]
            .rfind('\n')
            .map_or(reach, |i| reach + i + 1);
        let limit = floor_char_boundary(text, (start + 2 * EXCERPT_CONTEXT + 4).min(text.len()));
        // The end of the line, or `limit` when it is further.
        let line_end = text[start..limit].find('\n').map_or(limit, |i| start + i);
        let end = floor_char_boundary(text, span.end.clamp(start, line_end));
        // The window: up to EXCERPT_CONTEXT bytes either side of the span, and at most
        // EXCERPT_CONTEXT bytes of the span itself.
        let from = line_start;
        let end = floor_char_boundary(text, end.min(start + EXCERPT_CONTEXT));
        let to = floor_char_boundary(text, (end + EXCERPT_CONTEXT).min(line_end));
        let mut line = String::new();
        let cut_before = from > 0 && text.as_bytes()[from - 1] != b'\n';
        if cut_before {
            line.push_str("...");
        }
        let offset = line.len();
        line.push_str(text[from..to].trim_end_matches('\r'));
        // More of the line after the window (the window stops before `limit`).
        if to < text.len() && text.as_bytes()[to] != b'\n' {
            line.push_str("...");
        }
        let span_start = offset + (start - from);
        let span_end = (offset + (end - from)).min(line.len()).max(span_start);
        let (line, span) = visible(line, span_start..span_end);
        Excerpt {
            path: self.path.display().to_string(),
            line_number: self.location(start).line,
            line,
            span,
        }
    }
}

/// Bytes that are not UTF-8, ready to report like any other error in a file.
#[derive(Debug)]
pub struct NotUtf8 {
    /// The valid text before the first invalid byte and the rest of its line, each
    /// invalid byte shown as U+FFFD.
    pub file: SourceFile,
    /// The first invalid byte, as the U+FFFD that stands for it in `file`.
    pub span: Range<usize>,
    /// The first invalid byte.
    pub byte: u8,
}

/// `line` with the characters a terminal would act on, and annotate-snippets leaves
/// alone, shown as U+FFFD: C1 controls (a UTF-8 terminal may take U+009B for an
/// escape sequence) and the line and paragraph separators. `span` moves with the text.
fn visible(line: String, span: Range<usize>) -> (String, Range<usize>) {
    let hidden = |c: char| matches!(c, '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}');
    if !line.contains(hidden) {
        return (line, span);
    }
    let mut shown = String::with_capacity(line.len());
    let (mut start, mut end) = (None, None);
    for (at, c) in line.char_indices() {
        if at >= span.start && start.is_none() {
            start = Some(shown.len());
        }
        if at >= span.end && end.is_none() {
            end = Some(shown.len());
        }
        shown.push(if hidden(c) { '\u{fffd}' } else { c });
    }
    let start = start.unwrap_or(shown.len());
    let end = end.unwrap_or(shown.len()).max(start);
    (shown, start..end)
}

/// Bytes of context kept on each side of a span in an [`Excerpt`].
const EXCERPT_CONTEXT: usize = 80;

/// A source line (or a window of a long one) with a span to mark, rendered by
/// annotate-snippets as rustc renders its diagnostics: tabs and wide characters keep
/// the marker under the right text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    path: String,
    line_number: usize,
    line: String,
    /// The marked bytes of `line`.
    span: Range<usize>,
}

impl Excerpt {
    /// The excerpt as text, with ANSI colours when `styled`.
    pub fn render(&self, styled: bool) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let span = if self.span.is_empty() && self.span.end < self.line.len() {
            self.span.start
                ..self.line[self.span.start..]
                    .chars()
                    .next()
                    .map_or(self.span.end, |c| self.span.start + c.len_utf8())
        } else {
            self.span.clone()
        };
        let report = &[Group::with_level(Level::ERROR).element(
            Snippet::source(self.line.as_str())
                .line_start(self.line_number)
                .fold(false)
                .annotation(AnnotationKind::Primary.span(span)),
        )];
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(report)
    }
}

impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts of short and long lines, multi-byte characters across block ends, and
    /// CRLF line ends, from a fixed seed.
    fn random_texts() -> Vec<String> {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % n
        };
        let pieces = ["a", "é", "漢", "😀", "\n", "\r\n", " ", "\t", "key = \"v\""];
        (0..40)
            .map(|_| {
                let long_line = next(4) == 0;
                let len = 1 + next(3 * BLOCK as u64) as usize;
                let mut text = String::new();
                while text.len() < len {
                    let piece = pieces[next(pieces.len() as u64) as usize];
                    if long_line && piece.contains('\n') {
                        continue;
                    }
                    text.push_str(piece);
                }
                text
            })
            .collect()
    }

    #[test]
    fn indexed_positions_are_the_positions_a_scan_finds() {
        for text in random_texts() {
            let file = SourceFile::new("r.toml", text.clone());
            let mut offsets: Vec<usize> = (0..text.len()).step_by(97).collect();
            offsets.extend([0, text.len(), BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK]);
            for offset in offsets {
                let at = floor_char_boundary(&text, offset.min(text.len()));
                let before = &text[..at];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let location = file.location(offset);
                assert_eq!(location.line, before.matches('\n').count() + 1, "{offset}");
                assert_eq!(location.column, text[line_start..at].chars().count() + 1);
                // The excerpt sees the whole line up to its window, and marks the span.
                let excerpt = file.excerpt(&(offset..offset + 5));
                assert_eq!(excerpt.line_number, location.line);
                let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                let whole = text[line_start..line_end].trim_end_matches('\r');
                let shown = excerpt
                    .line
                    .trim_start_matches("...")
                    .trim_end_matches("...");
                let cut_before = excerpt.line.starts_with("...") && !whole.starts_with("...");
                assert_eq!(
                    cut_before,
                    at - line_start > EXCERPT_CONTEXT + 3,
                    "{offset}"
                );
                if !shown.contains(['\t', '\u{fffd}']) {
                    assert!(whole.contains(shown), "{offset}: {shown:?} not in its line");
                }
            }
        }
    }

    #[test]
    fn offsets_become_lines_and_columns() {
        let src = SourceFile::new("r.toml", "a = 1\nbé = 2\n");
        assert_eq!(src.location(0).line, 1);
        let loc = src.location(src.text().find('=').unwrap());
        assert_eq!((loc.line, loc.column), (1, 3));
        let second = src.text().rfind('=').unwrap();
        let loc = src.location(second);
        assert_eq!((loc.line, loc.column), (2, 4));
        assert_eq!(loc.to_string(), "r.toml:2:4");
    }

    #[test]
    fn excerpt_points_at_the_span() {
        let src = SourceFile::new("r.toml", "x = 1\nname = \"oops\"\n");
        let start = src.text().find('"').unwrap();
        let ex = src.excerpt(&(start..start + 6)).to_string();
        assert_eq!(ex, "  |\n2 | name = \"oops\"\n  |        ^^^^^^");
    }

    #[test]
    fn tabs_and_wide_characters_keep_the_marker_under_the_text() {
        let src = SourceFile::new("r.toml", "\tt = \"日本\" x = \"oops\"\n");
        let start = src.text().rfind('"').unwrap() - 5;
        let ex = src.excerpt(&(start..start + 6)).to_string();
        // A tab shows as four columns and each of 日本 as two: the marker sits under
        // "oops" all the same.
        assert_eq!(
            ex,
            "  |\n1 |     t = \"日本\" x = \"oops\"\n  |                    ^^^^^^"
        );
    }

    #[test]
    fn c1_controls_and_separators_show_as_replacement_characters() {
        let src = SourceFile::new("r.toml", "t = \"a\u{9b}b\u{2028}c\" x = \"oops\"\n");
        let start = src.text().rfind('"').unwrap() - 5;
        let ex = src.excerpt(&(start..start + 6)).to_string();
        assert_eq!(
            ex,
            "  |\n1 | t = \"a\u{fffd}b\u{fffd}c\" x = \"oops\"\n  |                 ^^^^^^"
        );
        let at = src.text().find('\u{9b}').unwrap();
        let ex = src.excerpt(&(at..at + 2)).to_string();
        assert!(ex.ends_with("\n  |       ^"), "{ex}");
    }

    #[test]
    fn a_huge_line_is_cut_around_the_span() {
        let text = format!("title = \"{}\"\n", "x".repeat(1 << 20));
        let src = SourceFile::new("r.toml", text);
        let ex = src.excerpt(&(500_000..500_010)).to_string();
        assert!(ex.len() < 600, "{} bytes", ex.len());
        assert!(ex.contains("..."), "{ex}");
    }
}
