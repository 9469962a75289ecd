//! Stage 1: read a release file and deserialize it into the typed model.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::controls;

use crate::model::ReleaseFile;
use crate::source::{Location, SourceFile};

/// A release file as loaded: the typed model and the text it came from.
#[derive(Debug, Clone)]
pub struct LoadedRelease {
    pub source: SourceFile,
    pub file: ReleaseFile,
}

/// Why a release file could not be loaded. Every such input is unusable (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: cannot read the file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{location}: {message}\n{excerpt}")]
    Invalid {
        /// The rule, as findings name it: `schema`, or `control-character`.
        rule: &'static str,
        location: Location,
        message: String,
        excerpt: Box<crate::source::Excerpt>,
    },
}

/// Reads and deserializes the release file at `path`.
pub fn load_release(path: &Path) -> Result<LoadedRelease, LoadError> {
    parse_release(read_source(path)?)
}

/// Reads a text file to be parsed.
pub fn read_source(path: &Path) -> Result<SourceFile, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    SourceFile::from_utf8(path, bytes).map_err(|bad| {
        invalid(
            &bad.file,
            "schema",
            bad.span,
            &format!(
                "the file is not UTF-8: byte 0x{:02X} cannot start or continue a character here; save it as UTF-8",
                bad.byte
            ),
        )
    })
}

/// Deserializes release-file text that was read from `source`'s path.
pub fn parse_release(source: SourceFile) -> Result<LoadedRelease, LoadError> {
    let file = parse_toml(&source)?;
    Ok(LoadedRelease { source, file })
}

/// Deserializes any TOML document, reporting errors at their position in `source`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(source: &SourceFile) -> Result<T, LoadError> {
    toml::from_str::<T>(source.text()).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        if let Some((at, message)) = raw_control_character(source.text(), span.start) {
            return invalid(source, "control-character", at, &message);
        }
        // A control character in a string comes first, as in validation: it can be
        // why the value was refused ("a\rb" is a line break to a one-line field).
        match controls::find_in_toml(source.text()).first() {
            Some(hit) => invalid(
                source,
                "control-character",
                hit.span.clone(),
                &hit.message(),
            ),
            None => invalid(source, "schema", span, err.message()),
        }
    })
}

/// When a TOML error stands at a control character written as it is (which TOML
/// allows nowhere but as an escape), or just after a lone carriage return, the
/// character's bytes and a message that names it, instead of the parser's "expected
/// visible characters".
fn raw_control_character(text: &str, offset: usize) -> Option<(Range<usize>, String)> {
    let at = match text.get(..offset)?.strip_suffix('\r') {
        Some(before) if !text[offset..].starts_with('\n') => before.len(),
        _ => offset,
    };
    let mut chars = text[at..].chars();
    let c = chars.next()?;
    controls::is_refused(c, chars.next()).then(|| {
        (
            at..at + c.len_utf8(),
            format!("found {}", controls::describe(c)),
        )
    })
}

/// Builds a positioned error for a span of `source`.
pub(crate) fn invalid(
    source: &SourceFile,
    rule: &'static str,
    span: std::ops::Range<usize>,
    message: &str,
) -> LoadError {
    LoadError::Invalid {
        rule,
        location: source.span_location(&span),
        message: message.trim().to_string(),
        excerpt: Box::new(source.excerpt(&span)),
    }
}
