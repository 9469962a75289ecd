//! The `[project]` table: its URLs, its profile's settings and its scopes.

use std::collections::{HashMap, HashSet};

use super::checker::Checker;
use super::finding::Severity;

impl Checker<'_> {
    pub(super) fn project(&mut self) {
        let project = &self.input.file.project;
        let urls = [
            ("policy_url", &project.policy_url, None),
            ("release_notes_url", &project.release_notes_url, None),
            ("download_url", &project.download_url, None),
            ("issue_url", &project.issue_url, Some("{id}")),
        ];
        for (key, url, placeholder) in urls {
            let text: &str = url.get_ref();
            if !(text.starts_with("https://") || text.starts_with("http://"))
                || text.contains(char::is_whitespace)
            {
                self.push(
                    Severity::Invalid,
                    "bad-url",
                    url.span(),
                    format!("project.{key} must be an http(s) URL without spaces, found {text:?}"),
                );
            } else if let Some(placeholder) = placeholder.filter(|p| !text.contains(p)) {
                self.push(
                    Severity::Invalid,
                    "bad-url",
                    url.span(),
                    format!("project.{key} must contain {placeholder}, where the issue number goes, found {text:?}"),
                );
            }
        }
    }
}

impl Checker<'_> {
    /// The profile's settings and the scopes: Go's settings only under a Go profile,
    /// scopes that do not overlap, and every security fix's packages in a scope.
    pub(super) fn scopes(&mut self) {
        let project = &self.input.file.project;
        let profile = project.profile();
        if !profile.is_go() {
            let go_only = [
                ("module", project.module.as_ref().map(|m| m.span())),
                (
                    "toolchain_prefixes",
                    project.toolchain_prefixes.as_ref().map(|p| p.span()),
                ),
                (
                    "standard_library",
                    project.standard_library.as_ref().map(|p| p.span()),
                ),
                ("toolchain", project.toolchain.as_ref().map(|p| p.span())),
            ];
            for (key, span) in go_only {
                if let Some(span) = span {
                    self.push(
                        Severity::Invalid,
                        "go-setting",
                        span,
                        format!("project.{key} is a setting of Go's profiles, and this project's profile is {profile}; name the parts a pre-announcement may mention with [[project.scope]] tables (name = \"the storage engine\", prefixes = [\"storage/\"])"),
                    );
                }
            }
        } else if !project.scopes.is_empty() {
            for (key, value) in [
                ("standard_library", &project.standard_library),
                ("toolchain", &project.toolchain),
            ] {
                if let Some(value) = value {
                    self.push(
                        Severity::Invalid,
                        "scope-and-go-names",
                        value.span(),
                        format!("project.{key} names one of Go's default scopes, which [[project.scope]] tables replace; give the name in a scope instead"),
                    );
                }
            }
        }
        self.declared_scopes();
        if project.module.is_some() {
            // A module release's only scope is the module.
            return;
        }
        let scopes = project.scopes();
        // Written once, and at most a few scopes and prefixes long: the same list
        // goes into every finding.
        const LISTED: usize = 8;
        let shorten = |items: Vec<String>, separator: &str| {
            let more = items.len().saturating_sub(LISTED);
            let mut text = items
                .into_iter()
                .take(LISTED)
                .collect::<Vec<_>>()
                .join(separator);
            if more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text
        };
        let listed = shorten(
            scopes
                .all()
                .iter()
                .map(|s| match s.prefixes.as_slice() {
                    [] => format!("{:?} (every other package)", s.name),
                    prefixes => format!("{:?} ({})", s.name, shorten(prefixes.to_vec(), ", ")),
                })
                .collect(),
            "; ",
        );
        let mut found = Vec::new();
        for (index, entry) in self.input.file.security.iter().enumerate() {
            let issue = entry.get_ref();
            if let Some(package) = issue
                .packages
                .get_ref()
                .iter()
                .find(|p| scopes.of(p).is_none())
            {
                found.push((
                    issue.packages.span(),
                    format!(
                        "[[security]] entry {} ({}): package {:?} is in none of the project's scopes, so a pre-announcement could not say what the fix touches; the scopes are {}. Add its prefix to a scope, or add a scope without prefixes for every other package",
                        index + 1,
                        issue.label(index),
                        &**package,
                        listed
                    ),
                ));
            }
        }
        for (span, message) in found {
            self.push(Severity::Invalid, "package-in-no-scope", span, message);
        }
    }

    /// `[[project.scope]]` tables: names and prefixes each once, at most one scope
    /// without prefixes, and no scope with an empty prefix list.
    fn declared_scopes(&mut self) {
        let mut names = HashSet::new();
        let mut prefixes: HashMap<&str, &str> = HashMap::new();
        let mut catch_all: Option<&str> = None;
        let mut found = Vec::new();
        for decl in &self.input.file.project.scopes {
            let scope = decl.get_ref();
            let name: &str = &scope.name;
            if !names.insert(name) {
                found.push((decl.span(), format!("two [[project.scope]] tables are named {name:?}; a pre-announcement could not tell them apart")));
            }
            match scope.prefixes.as_deref() {
                None => {
                    if let Some(other) = catch_all.replace(name) {
                        found.push((decl.span(), format!("the scopes {other:?} and {name:?} both have no prefixes, so both would hold every other package; give one of them prefixes = [...]")));
                    }
                }
                Some([]) => found.push((decl.span(), format!("the scope {name:?} has prefixes = [], so it holds no package; leave the key out for the scope of every other package, or list its prefixes"))),
                Some(list) => {
                    for prefix in list {
                        match prefixes.insert(prefix, name) {
                            Some(other) if other == name => found.push((decl.span(), format!("the scope {name:?} lists the prefix {:?} twice", &**prefix))),
                            Some(other) => found.push((decl.span(), format!("the prefix {:?} is in both the scope {other:?} and the scope {name:?}; a package must have one scope", &**prefix))),
                            None => {}
                        }
                    }
                }
            }
        }
        for (span, message) in found {
            self.push(Severity::Invalid, "bad-scope", span, message);
        }
    }
}
