//! Scopes: the parts of a project a pre-announcement may name ("the standard
//! library", "the toolchain", "the storage engine"), and which packages each holds.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind, StartKind};
use serde::Deserialize;

use super::NonEmpty;
use crate::automaton::Automaton;

/// One `[[project.scope]]` table, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDecl {
    /// What the pre-announcement calls it: "the storage engine".
    pub name: NonEmpty,
    /// The packages it holds: every package that starts with one of these, or is one
    /// without its final `/`. Absent: every package no other scope holds.
    #[serde(default)]
    pub prefixes: Option<Vec<NonEmpty>>,
}

/// A scope in effect: declared, or one of the profile's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub name: String,
    /// Empty for the scope that holds every package no other scope holds.
    pub prefixes: Vec<String>,
}

impl Scope {
    /// Whether this is the scope of every package no other scope holds.
    pub fn is_catch_all(&self) -> bool {
        self.prefixes.is_empty()
    }
}

/// The scopes of a project and the matcher that finds a package's scope.
///
/// The longest prefix wins, whichever scope declares it ("storage/" and
/// "storage/wal/" may belong to two scopes); a package no prefix matches belongs to
/// the catch-all scope, if there is one. An anchored automaton over every prefix
/// keeps the time linear in the package, however many prefixes there are.
#[derive(Debug, Clone)]
pub struct Scopes {
    scopes: Vec<Scope>,
    /// The scope of each pattern of `starts`, in pattern order.
    owners: Vec<usize>,
    starts: Option<Automaton>,
    /// Each prefix without its final `/`, naming a package by itself.
    whole: HashMap<String, usize>,
    catch_all: Option<usize>,
}

impl Scopes {
    /// The matcher of `scopes`, in the order given (which is the order a
    /// pre-announcement names them in).
    pub fn new(scopes: Vec<Scope>) -> Self {
        let mut owners = Vec::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut whole = HashMap::new();
        for (index, scope) in scopes.iter().enumerate() {
            for prefix in &scope.prefixes {
                owners.push(index);
                patterns.push(prefix);
                let trimmed = prefix.trim_end_matches('/');
                if trimmed != prefix.as_str() {
                    whole.entry(trimmed.to_string()).or_insert(index);
                }
            }
        }
        let mut builder = AhoCorasick::builder();
        builder
            .start_kind(StartKind::Anchored)
            .match_kind(MatchKind::LeftmostLongest);
        let starts = Automaton::new(&builder, patterns.iter().copied()).ok();
        let catch_all = scopes.iter().position(Scope::is_catch_all);
        Scopes {
            scopes,
            owners,
            starts,
            whole,
            catch_all,
        }
    }

    /// Every scope, in order.
    pub fn all(&self) -> &[Scope] {
        &self.scopes
    }

    /// The index of the scope `package` belongs to; `None` when no scope holds it.
    pub fn of(&self, package: &str) -> Option<usize> {
        let by_prefix = self
            .starts
            .as_ref()
            .and_then(|starts| starts.longest_prefix_of(package))
            .map(|pattern| self.owners[pattern as usize]);
        // A package that is a prefix's own directory (`cmd/wal` of `cmd/wal/`) is held
        // by that prefix, which is longer than any other it starts with (`cmd/`).
        self.whole
            .get(package)
            .copied()
            .or(by_prefix)
            .or(self.catch_all)
    }

    /// The name of the scope of `package`.
    pub fn name_of(&self, package: &str) -> Option<&str> {
        self.of(package).map(|i| self.scopes[i].name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(name: &str, prefixes: &[&str]) -> Scope {
        Scope {
            name: name.to_string(),
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn the_longest_prefix_wins_and_the_catch_all_takes_the_rest() {
        let scopes = Scopes::new(vec![
            scope("the standard library", &[]),
            scope("the toolchain", &["cmd/"]),
            scope("the write-ahead log", &["cmd/wal/"]),
        ]);
        assert_eq!(scopes.name_of("net/http"), Some("the standard library"));
        assert_eq!(scopes.name_of("cmd/go"), Some("the toolchain"));
        assert_eq!(scopes.name_of("cmd"), Some("the toolchain"));
        assert_eq!(scopes.name_of("cmd/wal/x"), Some("the write-ahead log"));
        assert_eq!(scopes.name_of("cmd/wal"), Some("the write-ahead log"));
        assert_eq!(scopes.name_of("cmdx"), Some("the standard library"));
    }

    #[test]
    fn without_a_catch_all_a_package_can_be_in_no_scope() {
        let scopes = Scopes::new(vec![
            scope("the storage engine", &["storage/"]),
            scope("the command-line client", &["cli/", "tools/acme"]),
        ]);
        assert_eq!(scopes.name_of("storage/btree"), Some("the storage engine"));
        assert_eq!(
            scopes.name_of("tools/acme"),
            Some("the command-line client")
        );
        assert_eq!(
            scopes.name_of("tools/acmectl"),
            Some("the command-line client")
        );
        assert_eq!(scopes.of("net/http"), None);
    }
}
