//! The release-history line of each version, in the style of Go's release history page.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{markdown, RenderError, Templates};
use crate::english::join_list_with;
use crate::load::LoadedRelease;
use crate::model::Project;

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
}

/// Names packages as the history page does: spoken components first, in order of
/// first appearance, then the other packages sorted, as "the p, q, and r packages".
pub fn spoken_list<'a>(project: &Project, packages: impl IntoIterator<Item = &'a str>) -> String {
    let mut components: Vec<String> = Vec::new();
    let mut plain: BTreeSet<&str> = BTreeSet::new();
    for package in packages {
        let spoken = project.spoken(package).map(str::to_string).or_else(|| {
            // A named part such as "the compiler" is already spoken.
            package.contains(' ').then(|| package.to_string())
        });
        match spoken {
            Some(name) if !components.contains(&name) => components.push(name),
            Some(_) => {}
            None => {
                plain.insert(package);
            }
        }
    }
    let total = components.len() + plain.len();
    let plain: Vec<&str> = plain.into_iter().collect();
    let mut elements = components;
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

/// Renders the history line of every version of the release, newest first.
pub fn history(
    input: &LoadedRelease,
    templates: &Templates,
) -> Result<Vec<HistoryLine>, RenderError> {
    let file = &input.file;
    let project = &file.project;
    file.release
        .version_list()
        .into_iter()
        .map(|version| {
            let security: Vec<_> = file
                .security
                .iter()
                .map(|s| s.get_ref())
                .filter(|s| s.ships_in(version))
                .collect();
            let security_packages = security
                .iter()
                .flat_map(|s| s.packages.get_ref().iter().map(|p| &**p));
            let fix_packages = file
                .fixes
                .iter()
                .map(|f| f.get_ref())
                .filter(|f| f.ships_in(version))
                .flat_map(|f| f.packages.get_ref().iter().map(|p| &**p));
            let context = HistoryContext {
                project: super::context::ProjectView::new(project),
                version: version.to_string(),
                tag: project.tag(version),
                date: file.release.date.get_ref().to_string(),
                security_count: security.len(),
                security_list: spoken_list(project, security_packages),
                fix_list: spoken_list(project, fix_packages),
            };
            let context = tera::Context::from_serialize(&context)
                .map_err(|e| RenderError::template("history.md", &e))?;
            let markdown = templates.render("history.md", &context)?;
            let line = markdown::to_text(&markdown, usize::MAX).trim().to_string();
            Ok(HistoryLine {
                version: version.to_string(),
                line,
            })
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
