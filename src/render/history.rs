//! The release-history line of each version, in the style of Go's release history page.

use std::collections::BTreeSet;

use indexmap::IndexSet;

use serde::Serialize;

use super::markdown;
use super::message::RenderError;
use super::templates::Templates;
use crate::english::join_list_with;
use crate::load::LoadedRelease;
use crate::model::{Project, Quantifier};
use toml::Spanned;

/// The history line of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryLine {
    pub version: String,
    pub line: String,
}

/// The template context of `history.md`.
#[derive(Debug, Serialize)]
pub struct HistoryContext {
    pub project: super::context::ProjectView,
    pub version: String,
    /// "go1.16.1".
    pub tag: String,
    /// "2021-03-10".
    pub date: String,
    /// Security fixes shipping in this version.
    pub security_count: usize,
    /// "the archive/zip and encoding/xml packages"; empty without security fixes.
    pub security_list: String,
    /// "the compiler, the go command, and the net/http package"; empty without bug fixes.
    pub fix_list: String,
    /// The words before "security fix(es)": "", "a", "two" (see `[history]`).
    pub security_quantifier: String,
    /// Whether the security clause says "fix" rather than "fixes".
    pub security_singular: bool,
    /// The words before "fix(es)" of the bug-fix clause; "" by default.
    pub bug_quantifier: String,
    /// Whether the bug-fix clause says "fix" rather than "fixes".
    pub bug_singular: bool,
    /// The custom summary of `[history.version."X"]`, replacing the generated clauses.
    pub summary: Option<String>,
}

/// Names packages as the history page does: spoken components first, in order of
/// first appearance, then the other packages sorted, as "the p, q, and r packages".
pub fn spoken_list<'a>(project: &Project, packages: impl IntoIterator<Item = &'a str>) -> String {
    let mut components: IndexSet<String> = IndexSet::new();
    let mut plain: BTreeSet<&str> = BTreeSet::new();
    for package in packages {
        let spoken = project.spoken(package).map(str::to_string).or_else(|| {
            // A named part such as "the compiler" is already spoken.
            package.contains(' ').then(|| package.to_string())
        });
        match spoken {
            Some(name) => {
                components.insert(name);
            }
            None => {
                plain.insert(package);
            }
        }
    }
    join_history(components, plain)
}

/// "c1, c2, and the p1 and p2 packages": components in order, then sorted packages.
fn join_history(components: IndexSet<String>, plain: BTreeSet<&str>) -> String {
    let total = components.len() + plain.len();
    let plain: Vec<&str> = plain.into_iter().collect();
    let mut elements: Vec<String> = components.into_iter().collect();
    match plain.as_slice() {
        [] => {}
        [one] => elements.push(format!("the {one} package")),
        many => elements.push(format!(
            "the {} packages",
            join_list_with(many, many.len() >= 3)
        )),
    }
    join_list_with(&elements, total >= 3)
}

/// The names an entry gives the history line: `history_packages` as written (a name
/// with a space is a component, any other a package, never looked up as spoken), or
/// else its `packages`.
fn history_names<'a>(
    project: &Project,
    packages: &'a [crate::model::NonEmpty],
    history: Option<&'a [crate::model::NonEmpty]>,
) -> Vec<HistoryName<'a>> {
    match history {
        Some(names) => names.iter().map(|n| HistoryName::AsWritten(n)).collect(),
        None => packages
            .iter()
            .map(|p| match project.spoken(p) {
                Some(spoken) => HistoryName::Spoken(spoken.to_string()),
                None => HistoryName::Package(p),
            })
            .collect(),
    }
}

/// One name in a history list.
enum HistoryName<'a> {
    /// A spoken component, from the spoken table.
    Spoken(String),
    /// An import path, or a named part such as "the compiler".
    Package(&'a str),
    /// A `history_packages` name.
    AsWritten(&'a str),
}

/// Joins history names as [`spoken_list`] does.
fn history_list<'a>(names: impl IntoIterator<Item = HistoryName<'a>>) -> String {
    let mut components: IndexSet<String> = IndexSet::new();
    let mut plain: BTreeSet<&str> = BTreeSet::new();
    for name in names {
        let component = match name {
            HistoryName::Spoken(spoken) => Some(spoken),
            HistoryName::Package(p) | HistoryName::AsWritten(p) if p.contains(' ') => {
                Some(p.to_string())
            }
            HistoryName::Package(p) | HistoryName::AsWritten(p) => {
                plain.insert(p);
                None
            }
        };
        if let Some(component) = component {
            components.insert(component);
        }
    }
    join_history(components, plain)
}

/// Renders the history line of every version of the release, newest first. Go's
/// release history lists neither pre-releases nor module releases, so those
/// versions have no line.
pub fn history(
    input: &LoadedRelease,
    templates: &Templates,
) -> Result<Vec<HistoryLine>, RenderError> {
    history_contexts(input)
        .into_iter()
        .map(|context| {
            let version = context.version.clone();
            let context = tera::Context::from_serialize(&context)
                .map_err(|e| RenderError::template(templates.display_name("history.md"), &e))?;
            let markdown = templates.render("history.md", &context, input.source.text().len())?;
            let line = markdown::to_text(&markdown, usize::MAX).trim().to_string();
            Ok(HistoryLine { version, line })
        })
        .collect()
}

/// The context `history.md` sees for each version that gets a history line: every
/// final version of a release that is not a module release.
pub fn history_contexts(input: &LoadedRelease) -> Vec<HistoryContext> {
    let file = &input.file;
    let project = &file.project;
    if project.module.is_some() {
        return Vec::new();
    }
    let settings = &file.history;
    file.release
        .version_list()
        .into_iter()
        .filter(|version| !version.is_pre_release())
        .map(|version| {
            let security: Vec<_> = file
                .security
                .iter()
                .map(|s| s.get_ref())
                .filter(|s| s.ships_in(version))
                .collect();
            let security_names = security.iter().flat_map(|s| {
                history_names(
                    project,
                    s.packages.get_ref(),
                    s.history_packages.as_ref().map(|h| h.get_ref().as_slice()),
                )
            });
            let fix_names = file
                .fixes
                .iter()
                .map(|f| f.get_ref())
                .filter(|f| f.ships_in(version))
                .flat_map(|f| {
                    history_names(
                        project,
                        f.packages.get_ref(),
                        f.history_packages.as_ref().map(|h| h.get_ref().as_slice()),
                    )
                });
            let fix_count = file
                .fixes
                .iter()
                .filter(|f| f.get_ref().ships_in(version))
                .count();
            let own = settings.of(version);
            let quantifier = |own: Option<&Spanned<Quantifier>>,
                              all: &Option<Spanned<Quantifier>>,
                              default: Quantifier,
                              count: usize| {
                own.or(all.as_ref())
                    .map_or(default, |q| q.get_ref().clone())
                    .phrase(count)
            };
            let (security_quantifier, security_singular) = quantifier(
                own.and_then(|o| o.security_quantifier.as_ref()),
                &settings.security_quantifier,
                Quantifier::Auto,
                security.len(),
            );
            let (bug_quantifier, bug_singular) = quantifier(
                own.and_then(|o| o.bug_quantifier.as_ref()),
                &settings.bug_quantifier,
                Quantifier::None,
                fix_count,
            );
            HistoryContext {
                project: super::context::ProjectView::new(project),
                version: version.to_string(),
                tag: project.tag(version),
                date: file.release.date.get_ref().to_string(),
                security_count: security.len(),
                security_list: history_list(security_names),
                fix_list: history_list(fix_names),
                security_quantifier,
                security_singular,
                bug_quantifier,
                bug_singular,
                summary: own.and_then(|o| o.summary.as_ref()).map(|s| s.to_string()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go() -> Project {
        let text = r#"
name = "Go"
tag_prefix = "go"
policy_url = "https://go.dev/security/policy"
release_notes_url = "https://go.dev/doc/devel/release#{tag}"
download_url = "https://go.dev/dl/"
issue_url = "https://go.dev/issue/{id}"
"#;
        toml::from_str(text).unwrap()
    }

    #[test]
    fn packages_and_components_join_like_the_history_page() {
        let go = go();
        assert_eq!(spoken_list(&go, ["net/http"]), "the net/http package");
        assert_eq!(
            spoken_list(&go, ["encoding/xml", "archive/zip"]),
            "the archive/zip and encoding/xml packages"
        );
        assert_eq!(
            spoken_list(&go, ["os", "net", "io"]),
            "the io, net, and os packages"
        );
        assert_eq!(
            spoken_list(&go, ["cmd/link", "cmd/compile"]),
            "the linker and the compiler"
        );
        assert_eq!(
            spoken_list(&go, ["cmd/compile", "cmd/go", "net/http"]),
            "the compiler, the go command, and the net/http package"
        );
        assert_eq!(
            spoken_list(&go, ["cmd/compile", "text/template/parse", "crypto/tls"]),
            "the compiler, and the crypto/tls and text/template/parse packages"
        );
        assert_eq!(
            spoken_list(&go, ["runtime", "the runtime", "os", "os"]),
            "the runtime and the os package"
        );
        assert_eq!(spoken_list(&go, Vec::<&str>::new()), "");
    }
}
