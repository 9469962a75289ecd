//! Source files and positions: turns byte spans into `file:line:column`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A text file that was read, kept so that spans can be reported as positions.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    text: String,
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

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..offset].chars().count() + 1;
        Location {
            file: self.path.display().to_string(),
            line,
            column,
        }
    }

    /// The location of the start of a span.
    pub fn span_location(&self, span: &Range<usize>) -> Location {
        self.location(span.start)
    }

    /// The source line holding `offset`, with a caret under the span, for error output.
    pub fn excerpt(&self, span: &Range<usize>) -> String {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = self.text[line_start..line_end].trim_end_matches('\r');
        let end = span.end.clamp(start, line_end);
        let end = floor_char_boundary(&self.text, end);
        let pad = self.text[line_start..start].chars().count();
        let width = self.text[start..end].chars().count().max(1);
        let number = self.location(start).line.to_string();
        let gutter = " ".repeat(number.len());
        format!(
            "{gutter} |\n{number} | {line}\n{gutter} | {}{}",
            " ".repeat(pad),
            "^".repeat(width)
        )
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
        let ex = src.excerpt(&(start..start + 6));
        assert_eq!(ex, "  |\n2 | name = \"oops\"\n  |        ^^^^^^");
    }
}
