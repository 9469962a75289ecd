//! Building the matcher: one builder per kind of detail, each adding the forms it
//! derives from an embargoed entry to the shared pattern sets and tables.

mod credit;
mod cve;
mod description;
mod issue;
mod link;
mod package;
mod title;

use crate::guard::allowances::Allowances;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::tables::{
    Groups, HashMap, HashSet, IssueId, IssueTable, Lists, ListsBuilder, StrTable, NO_ISSUE,
};
use super::{
    Embargo, IssueDetail, KnownCve, Name, NumberDetail, Rule, SingleWords, TitlePair, NO_EXACT,
};
use crate::automaton::Automaton;
use crate::guard::report::DetailKind;
use crate::guard::words::{strip_scheme, word_tokens, SafeWords};
use crate::load::LoadedRelease;
use crate::model::{Project, SecurityIssue};
use crate::render::Wording;
use title::TitleStems;

/// Patterns of at most this many bytes in all make a small set (see [`automaton`]).
const SMALL_PATTERN_BYTES: usize = 4096;

/// Everything the builders add to while the matcher is built.
struct Builder<'a> {
    project: &'a Project,
    wording: &'a Wording,
    safe: SafeWords<'a>,
    /// The words of the signers' names and of the project's: a credited name that
    /// shares one does not count by that word alone.
    signers: HashSet<String>,
    /// The hosts of the project's own links (`go.dev`, `github.com`): no reporter's.
    own_hosts: Vec<String>,
    /// What the profile's own wording may say of the embargoed fixes.
    allowances: Allowances,
    words: Patterns,
    squeezed: Patterns,
    hex: ListsBuilder<u32, IssueDetail>,
    numbers: ListsBuilder<u64, NumberDetail>,
    cves: HashMap<(u32, u64), KnownCve>,
    details: StrTable,
    issues: IssueTable,
    embargoed_cves: StrTable,
    cve_digits: StrTable,
    cve_details: Vec<IssueDetail>,
    stems: TitleStems,
    title_pairs: HashMap<(u32, u32), TitlePair>,
    /// Whether each description word met so far is ordinary (see `description.rs`).
    ordinary: HashMap<String, bool>,
    stemmer: rust_stemmers::Stemmer,
}

/// The entry being built, and the issue its details are reported under.
struct Entry<'e> {
    issue: &'e SecurityIssue,
    number: IssueId,
}

impl Entry<'_> {
    /// A name of this entry's issue.
    fn name(&self, kind: DetailKind, detail: u32, rule: Rule) -> Name {
        Name {
            kind,
            detail,
            issue: self.number,
            rule,
            exact: NO_EXACT,
        }
    }
}

impl Embargo {
    /// The matcher over the details of every private- or urgent-track issue of
    /// `input`, under the built-in wording.
    pub fn new(input: &LoadedRelease) -> Embargo {
        Embargo::with_wording(input, Wording::builtin(input.file.project.profile()))
    }

    /// The matcher over the details of every private- or urgent-track issue of
    /// `input`; `wording` says which words are herald's own (see
    /// [`crate::render::Templates::wording`]).
    pub fn with_wording(input: &LoadedRelease, wording: &Wording) -> Embargo {
        let file = &input.file;
        let project = &file.project;
        let mut builder = Builder {
            project,
            wording,
            safe: SafeWords::of(input, wording),
            signers: file
                .release
                .signers
                .iter()
                .map(|s| &**s)
                .chain([&*project.name])
                .flat_map(word_tokens)
                .collect(),
            own_hosts: own_hosts(project),
            allowances: Allowances::of(input),
            words: Patterns::default(),
            squeezed: Patterns::default(),
            hex: ListsBuilder::new(),
            numbers: ListsBuilder::new(),
            cves: HashMap::default(),
            details: StrTable::default(),
            issues: IssueTable::default(),
            embargoed_cves: StrTable::default(),
            cve_digits: StrTable::default(),
            cve_details: Vec::new(),
            stems: TitleStems::default(),
            title_pairs: HashMap::default(),
            ordinary: HashMap::default(),
            stemmer: crate::guard::words::stemmer(),
        };
        for entry in &file.security {
            builder.entry(entry.get_ref());
        }
        builder.finish()
    }
}

impl Builder<'_> {
    fn entry(&mut self, issue: &SecurityIssue) {
        // The issue its other details are reported under: the first it cites.
        let number = issue
            .issues()
            .first()
            .map_or(NO_ISSUE, |n| self.issues.id(n.get()));
        let entry = Entry { issue, number };
        let embargoed = issue.track.get_ref().is_embargoed();
        self.cves(&entry, embargoed);
        if !embargoed {
            return;
        }
        self.issue_numbers(&entry);
        self.packages(&entry);
        let title_forms = self.title(&entry);
        self.description(&entry, &title_forms);
        self.credit(&entry);
        self.links(&entry);
    }

    fn finish(self) -> Embargo {
        let (words, word_names, single_words) = self.words.build_words();
        let (squeezed, squeezed_names) = self.squeezed.build();
        let hex = self.hex.build();
        // A link is listed once under each run of its hash, by its first issue.
        let hex = Lists {
            lists: hex.lists.first_of_each(|&(link, _)| link),
            index: hex.index,
        };
        Embargo {
            pre_announce_cves: self.project.pre_announces_cves(),
            allowances: self.allowances,
            details: self.details.texts.shrink(),
            issues: self.issues.numbers.into_boxed_slice().into_vec(),
            words,
            word_names,
            single_words,
            squeezed,
            squeezed_names,
            hex,
            numbers: self.numbers.build(),
            cves: self.cves,
            cve_digits: self.cve_digits.shrink(),
            cve_details: self.cve_details.into_boxed_slice().into_vec(),
            embargoed_cves: self.embargoed_cves.shrink(),
            title_stems: self.stems.finish(),
            title_pairs: self.title_pairs,
            scanned: Default::default(),
        }
    }
}

/// The hosts of the project's own links, lower case, without `www.`.
fn own_hosts(project: &Project) -> Vec<String> {
    let links = [
        project.policy_url.get_ref(),
        project.release_notes_url.get_ref(),
        project.download_url.get_ref(),
        project.issue_url.get_ref(),
    ];
    let mut hosts: Vec<String> = links
        .iter()
        .map(|link| strip_scheme(link))
        .chain(project.module_path().map(str::to_string))
        .filter_map(|link| link.split('/').next().map(str::to_lowercase))
        .filter(|host| host.contains('.'))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Patterns of one automaton, each with the details it stands for.
#[derive(Default)]
struct Patterns {
    patterns: StrTable,
    /// Each name with its pattern's id, in the order added.
    names: Vec<(u32, Name)>,
}

impl Patterns {
    fn add(&mut self, pattern: &str, name: Name) {
        if pattern.trim().is_empty() {
            return;
        }
        let id = self.patterns.insert(pattern);
        self.names.push((id, name));
    }

    fn build(self) -> (Option<Automaton>, Groups<Name>) {
        // The names first: their list is gone before the automaton is built.
        let names = Groups::new(self.patterns.len(), &self.names).first_of_each(Name::key);
        drop(self.names);
        (automaton(self.patterns.iter()), names)
    }

    /// The phrases (several words) as an automaton with their names by pattern
    /// index, the single words as a table.
    fn build_words(self) -> (Option<Automaton>, Groups<Name>, SingleWords) {
        let mut words = StrTable::default();
        let mut phrase_count = 0u32;
        // Each pattern's new id: among the phrases, or among the single words.
        let new_ids: Vec<u32> = self
            .patterns
            .iter()
            .map(|pattern| {
                if pattern.contains(' ') {
                    phrase_count += 1;
                    phrase_count - 1
                } else {
                    words.insert(pattern)
                }
            })
            .collect();
        let is_phrase: Vec<bool> = self.patterns.iter().map(|p| p.contains(' ')).collect();
        let mut phrase_names = Vec::new();
        let mut word_names = Vec::new();
        for (id, name) in self.names {
            let new = new_ids[id as usize];
            if is_phrase[id as usize] {
                phrase_names.push((new, name));
            } else {
                word_names.push((new, name));
            }
        }
        let phrase_groups =
            Groups::new(phrase_count as usize, &phrase_names).first_of_each(Name::key);
        let names = Groups::new(words.len(), &word_names).first_of_each(Name::key);
        drop((new_ids, is_phrase, phrase_names, word_names));
        let automaton = automaton(self.patterns.iter().filter(|p| p.contains(' ')));
        drop(self.patterns);
        let mut prefix_lengths: Vec<usize> = (0..words.len() as u32)
            .filter(|&id| names.get(id).iter().any(|n| n.rule == Rule::Prefix))
            .map(|id| words.get(id).len())
            .collect();
        prefix_lengths.sort_unstable();
        prefix_lengths.dedup();
        let lengths = words.iter().fold(0, |bits, w| bits | 1 << w.len().min(63));
        let single = SingleWords {
            words: words.shrink(),
            names,
            prefix_lengths,
            lengths,
        };
        (automaton, phrase_groups, single)
    }
}

/// The automaton over `patterns`, if there are any.
fn automaton<'a>(patterns: impl Iterator<Item = &'a str> + Clone) -> Option<Automaton> {
    let bytes: usize = patterns.clone().map(str::len).sum();
    patterns.clone().next()?;
    // Never the DFA the crate would pick for a few patterns: it builds in time
    // quadratic in a long one (a 25,000-character package path). A small set
    // (a release of a few issues) is scanned over a short pre-announcement:
    // the noncontiguous NFA, which the contiguous one is built from, is
    // cheapest to build; a large set is scanned faster as a contiguous NFA.
    let kind = if bytes <= SMALL_PATTERN_BYTES {
        AhoCorasickKind::NoncontiguousNFA
    } else {
        AhoCorasickKind::ContiguousNFA
    };
    let mut builder = AhoCorasick::builder();
    builder.match_kind(MatchKind::Standard).kind(Some(kind));
    Some(Automaton::new(&builder, patterns).expect("the embargo's names form a valid automaton"))
}
