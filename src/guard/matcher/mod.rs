//! The matcher over every embargoed detail of a release: built once
//! ([`build`], one builder per kind of detail), then run over each part of a
//! message ([`scan`]), on the string tables of [`tables`].
//!
//! Matching works on the views of [`super::normalize`]:
//!
//! * names, paths, phrases and links: one Aho-Corasick automaton over the *words*
//!   (every non-alphanumeric character a boundary, so `encoding.xml`,
//!   `encoding::xml` and `encoding/xml` read alike), each hit then checked against
//!   the boundary its kind needs (`net` is not in `network`, nor in `net/http`;
//!   `NewTokenDecoders` still holds `NewTokenDecoder`); single words are looked up
//!   in a table instead;
//! * glued spellings: one automaton over the *squeezed* text, anchored at word
//!   boundaries: `cve202127918`, `CVE-21-27918`, `2021:27918`, the handles
//!   `swhited` and `sam.whited`, the package `encodingxml`;
//! * any CVE id at all: one regex; issue and change numbers: one pass over the
//!   digit runs, digit groups joined (`44,913`, `44 913`);
//! * commit hashes: every run of seven hex digits of a fix commit, anywhere;
//! * titles: stemmed significant words, any two of one title within a short window
//!   in either order;
//! * track labels: the label words near "track", in any phrasing.
//!
//! Everything is linear in the size of the message and of the release.

mod build;
mod scan;
mod tables;

use crate::guard::allowances::Allowances;
use std::borrow::Cow;

use crate::automaton::Automaton;

use super::report::{DetailKind, Hit};
use tables::{Groups, HashMap, IssueId, Lists, StrTable, Texts, WordMemo};

/// How many significant words apart two words of a title may stand in it and pair up.
const TITLE_WINDOW: usize = 2;
/// How many significant words apart two title words may stand in a message and count.
const TEXT_WINDOW: usize = 3;

/// How many hex digits of a commit hash count as the hash.
const HEX_RUN: usize = 7;

/// How a hit in the words view must be delimited to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rule {
    /// Whole words.
    Word,
    /// Whole words, or with a plural `s` / `es`.
    Plural,
    /// A word start; the last word may go on (`NewTokenDecoders`, `TokenReaderFunc`).
    Prefix,
    /// Whole words, not continued as a longer path (`net` in `net/http`).
    Path,
    /// A word followed by `.` and an identifier (`xml.Name`); the hit covers both.
    Qualifier,
    /// In the squeezed text: a number whose digits may be spread over separators
    /// (`4 4 9 1 3`), with no digit right before or after it.
    Digits,
}

/// Marks a [`Name`] with no exact spelling.
const NO_EXACT: u32 = u32::MAX;

/// One name an automaton looks for: sixteen bytes, a million of them for a large
/// release.
#[derive(Debug, Clone, Copy)]
struct Name {
    issue: IssueId,
    /// Index in [`Embargo::details`], shared by every pattern of the detail: a 1 MiB
    /// title is stored once.
    detail: u32,
    /// Unless [`NO_EXACT`], the index in [`Embargo::details`] of what the source text
    /// must read exactly (a short name as written).
    exact: u32,
    kind: DetailKind,
    rule: Rule,
}

const _: () = assert!(std::mem::size_of::<Name>() == 16);

impl Name {
    /// What makes two names of one pattern the same: all but the issue, so that
    /// the first issue to name a detail keeps it.
    fn key(&self) -> (DetailKind, u32, Rule, u32) {
        (self.kind, self.detail, self.rule, self.exact)
    }

    /// A hit of this name at the source span `start..end`.
    fn hit<'e>(&self, embargo: &'e Embargo, start: usize, end: usize) -> Hit<'e> {
        let (detail, issue) = (embargo.detail(self.detail), embargo.issue(self.issue));
        Hit::new(self.kind, detail, issue, start, end)
    }
}

/// Single-word names, looked up per word of the text: an automaton over many
/// words that share a beginning (`qword1`, `qword2`, … in a 1 MiB title) builds in
/// quadratic time with overlapping matches.
#[derive(Debug, Clone, Default)]
struct SingleWords {
    words: StrTable,
    /// The names of each word, by its id in `words`.
    names: Groups<Name>,
    /// The distinct lengths of the words that may go on (identifiers).
    prefix_lengths: Vec<usize>,
    /// Bit `n` set: a word is `n` bytes long (bit 63: 63 bytes or more).
    lengths: u64,
}

impl SingleWords {
    /// Whether a word may be `len` bytes long: most words of a text are not looked up.
    fn has_length(&self, len: usize) -> bool {
        self.lengths & 1 << len.min(63) != 0
    }

    fn get(&self, word: &str) -> &[Name] {
        self.words.find(word).map_or(&[], |id| self.names.get(id))
    }
}

/// A detail (index in [`Embargo::details`]) and the issue it is reported under.
type IssueDetail = (u32, IssueId);

/// What a number may stand for.
#[derive(Debug, Clone, Copy)]
struct NumberDetail {
    issue: IssueId,
    detail: u32,
    kind: DetailKind,
}

/// Two words of one title, near each other in it.
#[derive(Debug, Clone)]
struct TitlePair {
    issue: IssueId,
    /// When the words stand side by side in the title, the first one's stem id.
    adjacent_first: Option<u32>,
    title: u32,
    /// Whether the pair counts in either order and apart: one word is uncommon and
    /// neither is a word of the wording.
    strong: bool,
}

/// A known CVE id.
#[derive(Debug, Clone)]
struct KnownCve {
    issue: IssueId,
    id: u32,
    embargoed: bool,
}

/// The matcher over every embargoed detail of a release, built once.
#[derive(Debug, Clone)]
pub struct Embargo {
    pre_announce_cves: bool,
    /// What the profile's own wording may say of the embargoed fixes.
    pub(crate) allowances: Allowances,
    /// Every detail (and exact spelling) a name, number or pair stands for, once:
    /// hits borrow them.
    details: Texts,
    /// The issue number of each [`IssueId`].
    issues: Vec<u64>,
    words: Option<Automaton>,
    word_names: Groups<Name>,
    single_words: SingleWords,
    squeezed: Option<Automaton>,
    squeezed_names: Groups<Name>,
    /// Every run of seven hex digits of a fix commit hash, as a number → (link, issue);
    /// looked up for every seven-digit window of the hex runs of the text.
    hex: Lists<u32, IssueDetail>,
    /// Issue numbers and change numbers of fix links.
    numbers: Lists<u64, NumberDetail>,
    /// By (year, sequence number).
    cves: HashMap<(u32, u64), KnownCve>,
    /// The digits of each embargoed CVE id, year (four or two digits) then sequence
    /// number, → (id, issue) in `cve_details`: found after "CVE" whatever filler
    /// splits them.
    cve_digits: StrTable,
    cve_details: Vec<IssueDetail>,
    /// The embargoed issues' CVE ids, which `pre_announce_cves` allows.
    embargoed_cves: StrTable,
    /// Stems of significant title words; a stem's id is its index.
    title_stems: StrTable,
    /// Pairs of stem ids (smaller first) of one title within the window.
    title_pairs: HashMap<(u32, u32), TitlePair>,
    /// What the title scan made of each word it met.
    scanned: WordMemo,
}

impl Embargo {
    /// A matcher with no embargoed detail: what the guard needs for a message where
    /// only track labels count (an announcement), built in no time.
    pub fn labels_only() -> Embargo {
        Embargo {
            pre_announce_cves: false,
            allowances: Allowances::default(),
            details: Texts::default(),
            issues: Vec::new(),
            words: None,
            word_names: Groups::default(),
            single_words: SingleWords::default(),
            squeezed: None,
            squeezed_names: Groups::default(),
            hex: Lists::default(),
            numbers: Lists::default(),
            cves: HashMap::default(),
            cve_digits: StrTable::default(),
            cve_details: Vec::new(),
            embargoed_cves: StrTable::default(),
            title_stems: StrTable::default(),
            title_pairs: HashMap::default(),
            scanned: WordMemo::default(),
        }
    }

    /// Whether `pre_announce_cves` lets a pre-announcement name this CVE id.
    pub(crate) fn allows_cve(&self, detail: &str) -> bool {
        self.pre_announce_cves && self.embargoed_cves.find(detail).is_some()
    }

    /// A detail, borrowed.
    fn detail(&self, id: u32) -> Cow<'_, str> {
        Cow::Borrowed(self.details.get(id))
    }

    /// The number of an issue.
    fn issue(&self, id: IssueId) -> Option<u64> {
        self.issues.get(id as usize).copied()
    }
}
