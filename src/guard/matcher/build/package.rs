//! Packages and components: the path with any separator (and glued), every tail of
//! two or more of its elements (`x/crypto/ssh`, `crypto/ssh`, `unicode/norm` of
//! `golang.org/x/text/unicode/norm`), the spoken name and its other names, and the last element where
//! it names a package (`xml.Name`, "the xml package"). `history_packages` count the
//! same way: they name the same code.

use super::super::Rule;
use super::{Builder, Entry};
use crate::guard::lexicon::is_english_word;
use crate::guard::report::DetailKind;
use crate::guard::words::{is_common_acronym, is_weak_stem, word_form, word_tokens};
use crate::render::Wording;

/// The longest path whose forms without its host are looked for: real import paths
/// are far shorter, and each form of a path of megabytes would be as long again.
const HOSTLESS_UP_TO: usize = 1024;

impl Builder<'_> {
    pub(super) fn packages(&mut self, entry: &Entry<'_>) {
        let issue = entry.issue;
        let history = issue.history_packages.as_ref().map(|h| h.get_ref());
        let packages = issue.packages.get_ref().iter().map(|p| (p.trim(), false));
        let history = history.into_iter().flatten().map(|p| (p.trim(), true));
        for (package, from_history) in packages.chain(history) {
            if package.is_empty() {
                continue;
            }
            // A history name with a space names a component, as the history line
            // writes it.
            if from_history && package.contains(' ') {
                let detail = self.details.insert(package);
                self.spoken_form(entry, package, detail);
                continue;
            }
            self.package(entry, package);
        }
    }

    fn package(&mut self, entry: &Entry<'_>, package: &str) {
        let detail = self.details.insert(package);
        let name = |rule| entry.name(DetailKind::Package, detail, rule);
        let module = self.project.module_path();
        let tokens = word_tokens(package);
        let form = tokens.join(" ");
        // A module release's pre-announcement names its module: a package that is the
        // module itself is named by it.
        let is_module = module == Some(package);
        let last = package.rsplit('/').next().unwrap_or(package);
        let last_form = word_form(last);
        // A package or last element named by an everyday word (`net`, `time`,
        // `template`) counts as a package's name, or in capitals, not as every use of
        // the word; one that is no such word (`netip`, `httputil`, `x509`) names the
        // package alone.
        let alone = self.names_alone(&last_form);
        if tokens.len() == 1 {
            if alone {
                self.words.add(&form, name(Rule::Path));
            } else {
                self.in_capitals(&form, last, name(Rule::Path));
            }
        } else if tokens.len() > 1 && !is_module {
            self.words.add(&form, name(Rule::Word));
            let glued = tokens.concat();
            if glued.chars().count() >= 6 {
                self.squeezed.add(&glued, name(Rule::Word));
            }
        }
        // A path is also written from any element on: without its host and the
        // element after it (`x/crypto/ssh`, `crypto/ssh` for `golang.org/x/crypto/ssh`),
        // or relative to its module or parent (`unicode/norm` of
        // `golang.org/x/text/unicode/norm`, `http/httputil`). Every tail of two or
        // more elements counts: the two longest and the three shortest, so that a
        // path of thousands of elements makes no more.
        let elements: Vec<&str> = package.split('/').filter(|e| !e.is_empty()).collect();
        if elements.len() > 2 && !is_module && package.len() <= HOSTLESS_UP_TO {
            let last_from = elements.len() - 2;
            for from in 1..=last_from {
                if from > 2 && from + 3 <= last_from {
                    continue;
                }
                let suffix = word_form(&elements[from..].join("/"));
                self.words.add(&suffix, name(Rule::Word));
            }
        }
        let mut spoken: Vec<String> = Vec::new();
        if let Some(form) = self.project.spoken(package) {
            spoken.push(form.to_string());
        }
        // An override's words add to the profile's synonyms and command nouns; they
        // never take one away.
        let builtin = Wording::builtin(self.project.profile());
        for wording in [builtin, self.wording] {
            spoken.extend(wording.synonyms(package).iter().cloned());
        }
        for form in spoken {
            self.spoken_form(entry, &form, detail);
        }
        if !self.project.is_toolchain(package) && !last_form.is_empty() {
            self.words.add(&last_form, name(Rule::Qualifier));
            if package.contains('/') {
                if alone {
                    self.words.add(&last_form, name(Rule::Path));
                } else {
                    self.in_capitals(&last_form, last, name(Rule::Path));
                }
            }
            if package.contains('/') || !alone {
                for phrase in [
                    format!("the {last_form} package"),
                    format!("package {last_form}"),
                    format!("{last_form} package"),
                ] {
                    self.words.add(&phrase, name(Rule::Plural));
                }
            }
        }
    }

    /// `form` as written in capitals (`NET` of `net`, "the TEMPLATE fixes"), which
    /// names the package though the word is an everyday one; not for an acronym,
    /// which is written so anyway (`OS`).
    fn in_capitals(&mut self, form: &str, written: &str, name: super::super::Name) {
        if is_common_acronym(form) || form.contains(' ') {
            return;
        }
        let exact = self.details.insert(&written.to_uppercase());
        self.words.add(form, super::super::Name { exact, ..name });
    }

    /// Whether a package's last element (lower case) is distinctive enough to
    /// count alone: not a word of the wording or of a scope, not a common title word,
    /// not an acronym of everyday technical prose (`xml`, `json`), and not an English
    /// word.
    fn names_alone(&self, last: &str) -> bool {
        last.chars().count() >= 3
            && !self.safe.contains(last)
            && !is_weak_stem(last)
            && !is_common_acronym(last)
            && !is_english_word(last)
    }

    /// A component's spoken name ("the go command"), without "the", and for a
    /// command its other nouns ("go tool", "go binary").
    fn spoken_form(&mut self, entry: &Entry<'_>, form: &str, detail: u32) {
        let name = entry.name(DetailKind::Package, detail, Rule::Plural);
        let bare = form.trim();
        let bare = bare.strip_prefix("the ").unwrap_or(bare);
        self.words.add(&word_form(bare), name);
        if let Some(command) = bare.strip_suffix(" command") {
            let builtin = Wording::builtin(self.project.profile()).command_nouns();
            for noun in builtin.iter().chain(self.wording.command_nouns()) {
                self.words
                    .add(&word_form(&format!("{command} {noun}")), name);
            }
        }
    }
}
