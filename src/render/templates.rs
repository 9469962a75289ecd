//! The message templates: built into the binary, each overridable by file name.

use std::collections::HashMap;
use std::path::Path;

use tera::{Tera, Value};

use super::RenderError;

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "pre-announcement.md",
        include_str!("../../templates/pre-announcement.md"),
    ),
    (
        "announcement.md",
        include_str!("../../templates/announcement.md"),
    ),
    (
        "security-release.md",
        include_str!("../../templates/security-release.md"),
    ),
    (
        "security-fixes.md",
        include_str!("../../templates/security-fixes.md"),
    ),
    ("closing.md", include_str!("../../templates/closing.md")),
    ("history.md", include_str!("../../templates/history.md")),
];

/// A parsed set of templates, built once and reused for every message.
#[derive(Debug)]
pub struct Templates {
    tera: Tera,
    /// Each template's source and, for an override, the file it was read from.
    sources: Vec<TemplateSource>,
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

impl Templates {
    /// The built-in templates only.
    pub fn builtin() -> Result<Self, RenderError> {
        Self::build(
            BUILTIN
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            vec![None; BUILTIN.len()],
        )
    }

    /// The built-in templates, with any file of the same name in `dir` taking the place of one.
    ///
    /// Any other Markdown file in `dir` (`*.md`, in any case) is an error, so that a
    /// misspelt override cannot silently leave the built-in in place. Other files
    /// are ignored.
    pub fn with_overrides(dir: &Path) -> Result<Self, RenderError> {
        let io = |source| RenderError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut sources: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let mut paths = vec![None; sources.len()];
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.to_ascii_lowercase().ends_with(".md") || !entry.path().is_file() {
                continue;
            }
            let Some(index) = sources.iter().position(|(n, _)| *n == name) else {
                let known: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                return Err(RenderError::UnknownTemplate {
                    path: entry.path(),
                    known: known.join(", "),
                });
            };
            sources[index].1 =
                std::fs::read_to_string(entry.path()).map_err(|source| RenderError::Io {
                    path: entry.path(),
                    source,
                })?;
            paths[index] = Some(entry.path());
        }
        Self::build(sources, paths)
    }

    fn build(
        sources: Vec<(String, String)>,
        paths: Vec<Option<std::path::PathBuf>>,
    ) -> Result<Self, RenderError> {
        let kept = sources
            .iter()
            .zip(paths)
            .map(|((name, text), path)| TemplateSource {
                name: name.clone(),
                text: text.clone(),
                path,
            })
            .collect();
        let mut tera = Tera::default();
        tera.autoescape_on(Vec::new());
        tera.register_filter("indent", indent);
        // Tera's `get_env` would let a template print any environment variable,
        // HERALD_SMTP_PASSWORD and CI secrets included.
        tera.register_function("get_env", |_: &HashMap<String, Value>| -> tera::Result<Value> {
            Err(tera::Error::msg("get_env is disabled in herald templates: a template must not read the environment"))
        });
        tera.add_raw_templates(sources)
            .map_err(|e| RenderError::template("(templates)", &e))?;
        Ok(Self {
            tera,
            sources: kept,
        })
    }

    /// Every template's source, built-in or overridden, in the order of [`BUILTIN`].
    pub fn sources(&self) -> &[TemplateSource] {
        &self.sources
    }

    /// Renders the template `name` with `context`.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        self.tera
            .render(name, context)
            .map_err(|e| RenderError::template(name, &e))
    }
}

/// The widest indent the `indent` filter gives.
const MAX_INDENT: u64 = 16;

/// Tera filter `indent(width=N)`: indents every non-empty line by N spaces (default 2),
/// so that multi-paragraph Markdown stays inside a list item.
fn indent(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("indent expects a string"))?;
    let width = match args.get("width") {
        Some(w) => w.as_u64().filter(|w| *w <= MAX_INDENT).ok_or_else(|| {
            tera::Error::msg(format!(
                "indent: width must be a whole number from 0 to {MAX_INDENT}"
            ))
        })? as usize,
        None => 2,
    };
    let pad = " ".repeat(width);
    let lines: Vec<String> = text
        .trim_end()
        .lines()
        .map(|line| {
            if line.trim().is_empty() {
                String::new()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect();
    Ok(Value::String(lines.join("\n")))
}
