//! The matcher over every embargoed detail of a release, built once in
//! [`Embargo::new`], and the scan of a part of a message against it.
//!
//! Matching works on the views of [`super::normalize`]:
//!
//! * names, paths, phrases and links: one Aho-Corasick automaton over the *words*
//!   (every non-alphanumeric character a boundary, so `encoding.xml`,
//!   `encoding::xml` and `encoding/xml` read alike), each hit then checked against
//!   the boundary its kind needs (`net` is not in `network`, nor in `net/http`;
//!   `NewTokenDecoders` still holds `NewTokenDecoder`);
//! * glued spellings: one automaton over the *squeezed* text, anchored at word
//!   boundaries: `cve202127918`, `CVE-21-27918`, `2021:27918`, the handles
//!   `swhited` and `sam.whited`, the package `encodingxml`;
//! * any CVE id at all: one regex; issue and change numbers: one pass over the
//!   digit runs, digit groups joined (`44,913`, `44 913`);
//! * commit hashes: every run of seven hex digits of a fix commit, anywhere;
//! * titles: stemmed significant words, any two of one title within a short window
//!   in either order.
//!
//! Everything is linear in the size of the message and of the release.

use std::borrow::Cow;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{LazyLock, Mutex, PoisonError};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::automaton::Automaton;
use hashbrown::hash_table::{Entry, HashTable};
use regex::Regex;
use rust_stemmers::Stemmer;

use super::normalize::View;
use super::read::Segment;
use super::report::{DetailKind, Hit};
use super::words::{
    all_safe, case_parts, credit_names, identifiers, is_stop_word, is_weak_stem, safe_words,
    stemmer, strip_scheme, template_stem, thanks_names, word_form, word_tokens, SafeWords,
    ORGANISATION_WORDS, SYNONYMS,
};
use crate::load::LoadedRelease;
use crate::model::{IssueNumber, SecurityIssue};

/// The maps of the matcher hash with [`FastHasher`]: keys are the release's own
/// words and numbers, and SipHash was a tenth of the time of a large release.
type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;
type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;

/// The multiply-rotate hash of the Rust compiler (FxHash), eight bytes at a time.
/// Not resistant to chosen collisions, which only the release's author could choose.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    /// The high bits moved down: the multiply mixes every input bit into the high
    /// bits only, and the maps index their buckets by the low ones (the last eight
    /// bytes of `CVE-2021-27918` differ in neither their low bits nor the hash's).
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// Patterns of at most this many bytes in all make a small set (see `Patterns::automaton`).
const SMALL_PATTERN_BYTES: usize = 4096;

/// How many hex digits of a commit hash count as the hash.
const HEX_RUN: usize = 7;

/// Seven hex digits as a number.
fn hex_value(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |value, &d| {
        value << 4 | char::from(d).to_digit(16).unwrap_or(0)
    })
}

/// The most digits a CVE id is read over after "CVE".
const CVE_DIGITS: usize = 24;
/// The longest filler read over between the digits of a CVE id.
const CVE_FILLER: usize = 12;

/// How many significant words apart two words of a title may stand in it and pair up.
const TITLE_WINDOW: usize = 2;
/// How many significant words apart two title words may stand in a message and count.
const TEXT_WINDOW: usize = 3;

/// The tracker issue numbers a security entry cites: the one place the guard reads them.
fn issue_numbers(entry: &SecurityIssue) -> impl Iterator<Item = IssueNumber> + '_ {
    entry.issues().iter().copied()
}

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

/// An issue number as names, numbers and pairs carry it: its index in
/// [`Embargo::issues`], or [`NO_ISSUE`].
type IssueId = u32;

/// Marks the absence of an issue.
const NO_ISSUE: IssueId = u32::MAX;

/// The issue numbers of [`IssueId`]s, while the matcher is built.
#[derive(Default)]
struct IssueTable {
    index: HashMap<u64, IssueId>,
    numbers: Vec<u64>,
}

impl IssueTable {
    fn id(&mut self, number: u64) -> IssueId {
        let next = u32::try_from(self.numbers.len()).expect("fewer than 2^32 issues");
        let id = *self.index.entry(number).or_insert(next);
        if id == next {
            self.numbers.push(number);
        }
        id
    }
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

/// Strings end to end, each with an id (`0..len()`, in the order added): no
/// allocation per string.
#[derive(Debug, Clone, Default)]
struct Texts {
    text: String,
    /// Where each string ends in `text`; each starts where the one before ends.
    ends: Vec<usize>,
}

impl Texts {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, id: u32) -> &str {
        let id = id as usize;
        let start = id.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.text[start..self.ends[id]]
    }

    fn push(&mut self, text: &str) -> u32 {
        let id = u32::try_from(self.ends.len()).expect("fewer than 2^32 strings");
        self.text.push_str(text);
        self.ends.push(self.text.len());
        id
    }

    /// Gives back the room that growing left over.
    fn shrink(mut self) -> Texts {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self
    }
}

/// [`Texts`] found by content, each stored once: the index holds ids only, hashed
/// and compared by the text they stand for.
#[derive(Debug, Clone, Default)]
struct StrTable {
    texts: Texts,
    index: HashTable<u32>,
}

impl StrTable {
    fn hash(text: &str) -> u64 {
        let mut hasher = FastHasher::default();
        hasher.write(text.as_bytes());
        hasher.finish()
    }

    fn len(&self) -> usize {
        self.texts.len()
    }

    fn is_empty(&self) -> bool {
        self.texts.len() == 0
    }

    fn get(&self, id: u32) -> &str {
        self.texts.get(id)
    }

    fn find(&self, text: &str) -> Option<u32> {
        self.index
            .find(StrTable::hash(text), |&id| self.get(id) == text)
            .copied()
    }

    /// The id of `text`, which is added if it is new.
    fn insert(&mut self, text: &str) -> u32 {
        let hash = StrTable::hash(text);
        let texts = &mut self.texts;
        match self.index.entry(
            hash,
            |&id| texts.get(id) == text,
            |&id| StrTable::hash(texts.get(id)),
        ) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => *entry.insert(texts.push(text)).get(),
        }
    }

    /// Gives back the room that growing left over in the strings.
    fn shrink(self) -> StrTable {
        let mut index = self.index;
        let texts = self.texts.shrink();
        index.shrink_to_fit(|&id| StrTable::hash(texts.get(id)));
        StrTable { texts, index }
    }

    fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        (0..self.len() as u32).map(|id| self.get(id))
    }
}

/// Items in groups `0..n`, each group in the order its items were added, all in one
/// vector.
#[derive(Debug, Clone)]
struct Groups<T> {
    /// Group `g` is `items[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy> Groups<T> {
    /// `added` (group, item) pairs in `groups` groups.
    fn new(groups: usize, added: &[(u32, T)]) -> Groups<T> {
        let mut starts = vec![0u32; groups + 1];
        for &(group, _) in added {
            starts[group as usize + 1] += 1;
        }
        for g in 1..starts.len() {
            starts[g] += starts[g - 1];
        }
        let mut next = starts.clone();
        // Every slot is written once below; these are placeholders.
        let mut items: Vec<T> = added.iter().map(|&(_, item)| item).collect();
        for &(group, item) in added {
            let slot = &mut next[group as usize];
            items[*slot as usize] = item;
            *slot += 1;
        }
        Groups { starts, items }
    }

    /// Drops each item whose group holds an earlier one with the same key.
    fn first_of_each<K: Eq + std::hash::Hash>(mut self, key: impl Fn(&T) -> K) -> Groups<T> {
        /// Groups up to this size are checked item by item, larger ones with a set.
        const SMALL: usize = 8;
        let mut starts = Vec::with_capacity(self.starts.len());
        starts.push(0);
        let mut write = 0;
        for g in 0..self.starts.len() - 1 {
            let (start, end) = (self.starts[g] as usize, self.starts[g + 1] as usize);
            let first = write;
            let mut seen: HashSet<K> = HashSet::default();
            for i in start..end {
                let item = self.items[i];
                let repeated = if end - start <= SMALL {
                    self.items[first..write]
                        .iter()
                        .any(|kept| key(kept) == key(&item))
                } else {
                    !seen.insert(key(&item))
                };
                if !repeated {
                    self.items[write] = item;
                    write += 1;
                }
            }
            starts.push(write as u32);
        }
        self.items.truncate(write);
        self.items.shrink_to_fit();
        Groups {
            starts,
            items: self.items,
        }
    }

    fn get(&self, group: u32) -> &[T] {
        let g = group as usize;
        &self.items[self.starts[g] as usize..self.starts[g + 1] as usize]
    }
}

impl<T> Default for Groups<T> {
    fn default() -> Self {
        Groups {
            starts: vec![0],
            items: Vec::new(),
        }
    }
}

/// Lists of items by key, each in the order added.
#[derive(Debug, Clone)]
struct Lists<K, T> {
    index: HashMap<K, u32>,
    lists: Groups<T>,
}

impl<K, T> Default for Lists<K, T> {
    fn default() -> Self {
        Lists {
            index: HashMap::default(),
            lists: Groups::default(),
        }
    }
}

impl<K: Eq + std::hash::Hash, T: Copy> Lists<K, T> {
    fn get(&self, key: &K) -> Option<&[T]> {
        self.index.get(key).map(|&group| self.lists.get(group))
    }

    fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// Builds [`Lists`]: (list, item) pairs, grouped at the end.
struct ListsBuilder<K, T> {
    index: HashMap<K, u32>,
    added: Vec<(u32, T)>,
}

impl<K: Eq + std::hash::Hash, T: Copy> ListsBuilder<K, T> {
    fn new() -> Self {
        ListsBuilder {
            index: HashMap::default(),
            added: Vec::new(),
        }
    }

    fn push(&mut self, key: K, item: T) {
        let next = self.index.len() as u32;
        let group = *self.index.entry(key).or_insert(next);
        self.added.push((group, item));
    }

    fn build(self) -> Lists<K, T> {
        Lists {
            lists: Groups::new(self.index.len(), &self.added),
            index: self.index,
        }
    }
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
    /// Whether either word is uncommon: then the pair counts in either order, apart.
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

/// The track labels, as reported.
const LABELS: [&str; 3] = ["PUBLIC", "PRIVATE", "URGENT"];

/// What the title scan made of each word of a message it met: `None` for a stop
/// word, else the id of the word's stem among the title stems, if it is one.
/// Messages repeat their words (in the text and the HTML part, in
/// [`super::check_email`] and [`super::locate`]), and stemming was most of a scan.
#[derive(Debug, Default)]
struct ScannedWords {
    words: StrTable,
    read: Vec<Option<Option<u32>>>,
}

impl ScannedWords {
    fn read(&mut self, word: &str, stems: &StrTable, stemmer: &Stemmer) -> Option<Option<u32>> {
        let known = self.words.len();
        let at = self.words.insert(word) as usize;
        if at == known {
            let stem = |word| template_stem(word).map_or_else(|| stemmer.stem(word), Cow::Borrowed);
            let read = (!is_stop_word(word)).then(|| stems.find(&stem(word)));
            self.read.push(read);
        }
        self.read[at]
    }
}

/// The [`ScannedWords`] of a matcher, shared by its scans. A memo only: a clone
/// starts empty.
#[derive(Debug, Default)]
struct WordMemo(Mutex<ScannedWords>);

impl Clone for WordMemo {
    fn clone(&self) -> Self {
        WordMemo::default()
    }
}

/// Any CVE id, in the normalised view. Compiled once, when first used.
static CVE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"cve[^a-z0-9\n]{0,4}([0-9]{4})[^a-z0-9\n]{0,4}([0-9]{4,})")
        .expect("valid CVE pattern")
});

/// The track-label phrases, in the normalised view. Compiled once, when first used.
static LABEL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\b(public|private|urgent)[ \-_]?tracks?\b|\btracks?[ ]?[:=][ ]?["']?(public|private|urgent)\b|\b(public|private|urgent)\b"#,
    )
    .expect("valid label pattern")
});

/// Whether `text` holds "track" in any ASCII case: every label phrase does, so an
/// ASCII announcement without it needs no label scan.
fn has_track_word(text: &str) -> bool {
    text.as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"track"))
}

/// Title stems while the matcher is built: each word stemmed once, each stem with
/// an id and whether it is safe or weak.
struct TitleStems<'a> {
    stemmer: Stemmer,
    safe: &'a SafeWords,
    stems: StrTable,
    /// By stem id: whether the stem is a safe word, whether it is a weak one.
    flags: Vec<(bool, bool)>,
    /// Words already stemmed, each → its stem id in `ids`.
    words: StrTable,
    ids: Vec<u32>,
}

impl<'a> TitleStems<'a> {
    fn new(safe: &'a SafeWords) -> Self {
        TitleStems {
            stemmer: stemmer(),
            safe,
            stems: StrTable::default(),
            flags: Vec::new(),
            words: StrTable::default(),
            ids: Vec::new(),
        }
    }

    /// The stem id of a lower-case word, and whether the stem is safe and weak.
    fn of(&mut self, word: &str) -> (u32, bool, bool) {
        let known = self.words.len();
        let at = self.words.insert(word) as usize;
        if at == known {
            let stem = template_stem(word).map_or_else(|| self.stemmer.stem(word), Cow::Borrowed);
            let before = self.stems.len();
            let id = self.stems.insert(&stem);
            if id as usize == before {
                self.flags
                    .push((self.safe.contains(&stem), is_weak_stem(&stem)));
            }
            self.ids.push(id);
        }
        let id = self.ids[at];
        let (safe, weak) = self.flags[id as usize];
        (id, safe, weak)
    }
}

impl Embargo {
    /// The matcher over the details of every private- or urgent-track issue of `input`.
    pub fn new(input: &LoadedRelease) -> Embargo {
        let file = &input.file;
        let project = &file.project;
        let safe = safe_words(input);
        let signers: std::collections::HashSet<String> = file
            .release
            .signers
            .iter()
            .flat_map(|s| word_tokens(s))
            .collect();
        let mut words = Patterns::default();
        let mut squeezed = Patterns::default();
        let mut hex = ListsBuilder::new();
        let mut numbers = ListsBuilder::new();
        let mut cves = HashMap::default();
        let mut details = StrTable::default();
        let mut issues = IssueTable::default();
        let mut embargoed_cves = StrTable::default();
        let mut cve_digits = StrTable::default();
        let mut cve_details: Vec<IssueDetail> = Vec::new();
        let mut stems = TitleStems::new(&safe);
        let mut title_pairs = HashMap::default();

        for entry in &file.security {
            let issue = entry.get_ref();
            // The issue its other details are reported under: the first it cites.
            let number = issue_numbers(issue)
                .next()
                .map_or(NO_ISSUE, |n| issues.id(n.get()));
            let embargoed = issue.track.get_ref().is_embargoed();
            for cve in issue.cve_list() {
                let id = details.insert(&cve.to_string());
                let key = (
                    cve.year().parse().unwrap_or(0),
                    cve.sequence().parse().unwrap_or(0),
                );
                // An embargoed issue's claim on a CVE id wins over a public one's.
                if !cves.get(&key).is_some_and(|k: &KnownCve| k.embargoed) {
                    cves.insert(
                        key,
                        KnownCve {
                            id,
                            issue: number,
                            embargoed,
                        },
                    );
                }
                if embargoed {
                    embargoed_cves.insert(details.get(id));
                    let name = |rule| Name {
                        kind: DetailKind::Cve,
                        detail: id,
                        issue: number,
                        rule,
                        exact: NO_EXACT,
                    };
                    let (year, seq) = (cve.year(), cve.sequence());
                    let short = &year[year.len().saturating_sub(2)..];
                    squeezed.add(&format!("cve{year}{seq}"), name(Rule::Word));
                    squeezed.add(&format!("cve{short}{seq}"), name(Rule::Word));
                    squeezed.add(&format!("{year}{seq}"), name(Rule::Word));
                    for digits in [format!("{year}{seq}"), format!("{short}{seq}")] {
                        // The last claim on the digits wins.
                        let at = cve_digits.insert(&digits) as usize;
                        if at == cve_details.len() {
                            cve_details.push((id, number));
                        } else {
                            cve_details[at] = (id, number);
                        }
                    }
                    // The sequence number on its own ("CVE number 27918 from 2021"),
                    // unless the project lists its embargoed CVE ids openly.
                    if !project.pre_announce_cves {
                        if let Ok(n) = seq.parse::<u64>() {
                            numbers.push(
                                n,
                                NumberDetail {
                                    kind: DetailKind::Cve,
                                    detail: id,
                                    issue: number,
                                },
                            );
                        }
                    }
                }
            }
            if !embargoed {
                continue;
            }
            let name = |kind, detail: u32, rule| Name {
                kind,
                detail,
                issue: number,
                rule,
                exact: NO_EXACT,
            };

            // Issue numbers, in every form the digit scan recognizes, and the issue URLs.
            for cited in issue_numbers(issue) {
                let cited_detail = details.insert(&cited.get().to_string());
                let cited_issue = issues.id(cited.get());
                numbers.push(
                    cited.get(),
                    NumberDetail {
                        kind: DetailKind::IssueNumber,
                        detail: cited_detail,
                        issue: cited_issue,
                    },
                );
                if cited.get() >= 10_000 {
                    squeezed.add(
                        &cited.get().to_string(),
                        Name {
                            issue: cited_issue,
                            ..name(DetailKind::IssueNumber, cited_detail, Rule::Digits)
                        },
                    );
                }
                words.add(
                    &word_form(&strip_scheme(&project.issue_link(cited))),
                    Name {
                        issue: cited_issue,
                        ..name(DetailKind::IssueNumber, cited_detail, Rule::Word)
                    },
                );
            }

            // Packages and components, with any separator; a sub-path of a longer path.
            for package in issue.packages.get_ref().iter() {
                let package = package.trim();
                let package_detail = details.insert(package);
                let package_name = |rule| name(DetailKind::Package, package_detail, rule);
                let tokens = word_tokens(package);
                let form = tokens.join(" ");
                if tokens.len() == 1 {
                    if package.contains('/') || !safe.contains(&tokens[0]) {
                        words.add(&form, package_name(Rule::Path));
                    }
                } else if tokens.len() > 1 {
                    words.add(&form, package_name(Rule::Word));
                    let glued = tokens.concat();
                    if glued.chars().count() >= 6 {
                        squeezed.add(&glued, package_name(Rule::Word));
                    }
                }
                let mut spoken: Vec<String> = Vec::new();
                if let Some(form) = project.spoken(package) {
                    spoken.push(form.to_string());
                    let bare = form.strip_prefix("the ").unwrap_or(form);
                    if let Some(command) = bare.strip_suffix(" command") {
                        for noun in ["tool", "cmd", "binary", "cli", "executable"] {
                            spoken.push(format!("{command} {noun}"));
                        }
                    }
                }
                for (path, synonyms) in SYNONYMS {
                    if *path == package {
                        spoken.extend(synonyms.iter().map(|s| s.to_string()));
                    }
                }
                for form in spoken {
                    if !all_safe(&form, &safe) {
                        let bare = form.strip_prefix("the ").unwrap_or(&form);
                        words.add(&word_form(bare), package_name(Rule::Plural));
                    }
                }
                if !project.is_toolchain(package) {
                    let last = package.rsplit('/').next().unwrap_or(package);
                    let last_form = word_form(last);
                    if !last_form.is_empty() && !safe.contains(&last_form) {
                        words.add(&last_form, package_name(Rule::Qualifier));
                        if package.contains('/') {
                            for phrase in [
                                format!("the {last_form} package"),
                                format!("package {last_form}"),
                                format!("{last_form} package"),
                            ] {
                                words.add(&phrase, package_name(Rule::Plural));
                            }
                        }
                    }
                }
            }

            // Title: stemmed significant words paired within a window, identifiers
            // with a suffix or split at their case boundaries, a one-word title.
            let title = issue.title.trim();
            let title_detail = details.insert(title);
            let title_name = |rule| name(DetailKind::Title, title_detail, rule);
            let mut pair = |(a, a_safe, a_weak): (u32, bool, bool),
                            (b, b_safe, b_weak): (u32, bool, bool),
                            adjacent: bool| {
                if a == b || (a_safe && b_safe) {
                    return;
                }
                let slot = title_pairs
                    .entry((a.min(b), a.max(b)))
                    .or_insert_with(|| TitlePair {
                        title: title_detail,
                        issue: number,
                        strong: false,
                        adjacent_first: None,
                    });
                slot.strong |= !(a_weak || a_safe) || !(b_weak || b_safe);
                if adjacent && slot.adjacent_first.is_none() {
                    slot.adjacent_first = Some(a);
                }
            };
            // Each significant word's (stem id, safe, weak).
            let mut sequence: Vec<(u32, bool, bool)> = Vec::new();
            for token in title
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
            {
                let lower = word_form(token);
                if lower.is_empty() || is_stop_word(&lower) {
                    continue;
                }
                let (id, stem_safe, is_weak) = stems.of(&lower);
                sequence.push((id, safe.contains(&lower) || stem_safe, is_weak));
                // A two-part identifier's parts are the identifier ("TokenReader");
                // a longer one counts whole (below), not by any two of its parts.
                let parts = case_parts(token);
                if parts.len() == 2 {
                    let ids: Vec<(u32, bool, bool)> = parts
                        .iter()
                        .map(|p| {
                            let lower = word_form(p);
                            let is_safe = safe.contains(&lower) || is_stop_word(&lower);
                            let (id, _, is_weak) = stems.of(&lower);
                            (id, is_safe, is_weak)
                        })
                        .collect();
                    for w in ids.windows(2) {
                        pair(w[0], w[1], true);
                    }
                }
            }
            for i in 0..sequence.len() {
                for j in i + 1..sequence.len().min(i + 1 + TITLE_WINDOW) {
                    pair(sequence[i], sequence[j], j == i + 1);
                }
            }
            let significant: Vec<String> = word_tokens(title)
                .into_iter()
                .filter(|w| !is_stop_word(w))
                .collect();
            if significant.len() == 1 && !safe.contains(&significant[0]) {
                words.add(&significant[0], title_name(Rule::Plural));
            }
            for ident in identifiers(title) {
                if all_safe(&ident, &safe) {
                    continue;
                }
                // Glued or split anywhere ("NewToken Decoder", "New-TokenDecoder").
                let last = ident.rsplit('.').next().unwrap_or(&ident);
                for form in [last, ident.as_str()] {
                    let glued: String = form
                        .chars()
                        .filter(|c| c.is_alphanumeric())
                        .flat_map(char::to_lowercase)
                        .collect();
                    if glued.chars().count() >= 8 {
                        squeezed.add(&glued, title_name(Rule::Word));
                    }
                }
                words.add(&word_form(&ident), title_name(Rule::Prefix));
                let parts = case_parts(&ident);
                if parts.len() > 1 && !ident.contains('.') {
                    words.add(&word_form(&parts.join(" ")), title_name(Rule::Prefix));
                }
            }

            // Credit: every distinctive name, the names as handles, the organisation.
            let credited = issue
                .credit
                .as_ref()
                .map(|credit| (credit.to_string(), credit_names(credit)))
                .or_else(|| {
                    let thanks = issue.thanks.as_ref()?.get_ref().to_string();
                    let names = thanks_names(&thanks);
                    Some((thanks, names))
                });
            if let Some((credit, people)) = credited {
                let credit_detail = details.insert(&credit);
                let credit_name = |rule| name(DetailKind::Credit, credit_detail, rule);
                for person in people {
                    if all_safe(&person, &safe) {
                        continue;
                    }
                    let tokens = word_tokens(&person);
                    words.add(&tokens.join(" "), credit_name(Rule::Word));
                    let as_written = person
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|t| !t.is_empty());
                    for (token, written) in tokens.iter().zip(as_written) {
                        if safe.contains(token) || is_stop_word(token) || signers.contains(token) {
                            continue;
                        }
                        match token.chars().count() {
                            0..=2 => {}
                            3 => words.add(
                                token,
                                Name {
                                    exact: details.insert(written),
                                    ..credit_name(Rule::Word)
                                },
                            ),
                            _ if tokens.len() > 1
                                && ORGANISATION_WORDS.contains(&token.as_str()) => {}
                            _ => {
                                words.add(token, credit_name(Rule::Word));
                                if token.chars().count() >= 5 {
                                    // Broken up: "Whit-ed", "W-h-i-t-e-d".
                                    squeezed.add(token, credit_name(Rule::Word));
                                }
                            }
                        }
                    }
                    if tokens.len() >= 2 {
                        let first = &tokens[0];
                        let last = &tokens[tokens.len() - 1];
                        let initial =
                            |w: &String| w.chars().next().map(String::from).unwrap_or_default();
                        words.add(
                            &format!("{} {last}", initial(first)),
                            credit_name(Rule::Word),
                        );
                        if first.chars().count() >= 3 {
                            words.add(
                                &format!("{first} {}", initial(last)),
                                credit_name(Rule::Word),
                            );
                        }
                        for handle in [
                            tokens.concat(),
                            format!("{}{last}", initial(first)),
                            format!("{last}{first}"),
                            format!("{last}{}", initial(first)),
                            format!("{first}{}", initial(last)),
                        ] {
                            if handle.chars().count() >= 5 {
                                squeezed.add(&handle, credit_name(Rule::Word));
                            }
                        }
                    }
                }
            }

            // Fix links, with or without scheme; their change number; any seven hex
            // digits of a commit hash.
            for link in &issue.links {
                let link = link.trim();
                let link_detail = details.insert(link);
                let path = strip_scheme(link);
                words.add(
                    &word_form(&path),
                    name(DetailKind::FixLink, link_detail, Rule::Word),
                );
                let last = path.rsplit('/').next().unwrap_or("");
                let last = last.trim_start_matches('+');
                if last.len() >= 3 && last.bytes().all(|b| b.is_ascii_digit()) {
                    if let Ok(n) = last.parse::<u64>() {
                        numbers.push(
                            n,
                            NumberDetail {
                                kind: DetailKind::FixLink,
                                detail: link_detail,
                                issue: number,
                            },
                        );
                    }
                }
                for element in path.split(['/', '?', '#', '=', '&']) {
                    let is_hash = element.len() >= 7
                        && element.bytes().all(|b| b.is_ascii_hexdigit())
                        && element.bytes().any(|b| b.is_ascii_alphabetic());
                    if is_hash {
                        for window in element.as_bytes().windows(HEX_RUN) {
                            hex.push(hex_value(window), (link_detail, number));
                        }
                    }
                }
            }
        }

        let (words, word_names, single_words) = words.build_words();
        let (squeezed, squeezed_names) = squeezed.build();
        let hex = hex.build();
        // A link is listed once under each run of its hash, by its first issue.
        let hex = Lists {
            lists: hex.lists.first_of_each(|&(link, _)| link),
            index: hex.index,
        };

        Embargo {
            pre_announce_cves: project.pre_announce_cves,
            details: details.texts.shrink(),
            issues: issues.numbers.into_boxed_slice().into_vec(),
            words,
            word_names,
            single_words,
            squeezed,
            squeezed_names,
            hex,
            numbers: numbers.build(),
            cves,
            cve_digits: cve_digits.shrink(),
            cve_details: cve_details.into_boxed_slice().into_vec(),
            embargoed_cves: embargoed_cves.shrink(),
            title_stems: stems.stems.shrink(),
            title_pairs,
            scanned: WordMemo::default(),
        }
    }

    /// A matcher with no embargoed detail: what the guard needs for a message where
    /// only track labels count (an announcement), built in no time.
    pub fn labels_only() -> Embargo {
        Embargo {
            pre_announce_cves: false,
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

    /// The shared detail of a track label.
    fn label_detail(label: String) -> Cow<'static, str> {
        LABELS
            .iter()
            .find(|&&l| l == label)
            .map_or(Cow::Owned(label), |&l| Cow::Borrowed(l))
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

    /// The hits in one segment; with `labels_only`, only track-label phrases.
    pub(crate) fn segment_hits(&self, segment: &Segment<'_>, labels_only: bool) -> Vec<Hit<'_>> {
        let source = segment.source.as_ref();
        if labels_only && source.is_ascii() && !has_track_word(source) {
            return Vec::new();
        }
        let mut hits = Vec::new();
        for chars in segment.views() {
            let view = View::new(chars);
            // An announcement quotes code and prose ("BEGIN RSA PRIVATE KEY"), so there
            // only the label phrases count; a pre-announcement has no reason for a
            // bare upper-case PRIVATE at all.
            self.labels(&view, source, &mut hits, !labels_only);
            if !labels_only {
                self.words(&view, source, &mut hits);
                self.squeezed(&view, &mut hits);
                self.cve_ids(&view, &mut hits);
                self.cve_with_filler(&view, &mut hits);
                self.numbers(&view, &mut hits);
                self.hashes(&view, &mut hits);
                self.titles(&view, &mut hits);
            }
        }
        hits
    }

    fn labels<'e>(&'e self, view: &View, source: &str, hits: &mut Vec<Hit<'e>>, bare_words: bool) {
        // Every label phrase holds one of the three words: without them the regex is
        // neither compiled nor run.
        if !["public", "private", "urgent"]
            .iter()
            .any(|w| view.norm.contains(w))
        {
            return;
        }
        for caps in LABEL_RE.captures_iter(&view.norm) {
            let whole = caps.get(0).expect("group 0");
            let (start, end) = view.span(whole.start(), whole.end());
            let found = source.get(start..end).unwrap_or_default();
            let label = if let Some(word) = caps.get(3) {
                // A bare word counts only in upper case: "kept private until" is prose.
                if !bare_words
                    || !found
                        .chars()
                        .filter(|c| c.is_alphabetic())
                        .all(char::is_uppercase)
                {
                    continue;
                }
                word.as_str().to_uppercase()
            } else {
                let word = caps.get(1).or_else(|| caps.get(2)).expect("a track name");
                word.as_str().to_uppercase()
            };
            hits.push(Hit::new(
                DetailKind::TrackLabel,
                Embargo::label_detail(label),
                None,
                start,
                end,
            ));
        }
    }

    fn words<'e>(&'e self, view: &View, source: &str, hits: &mut Vec<Hit<'e>>) {
        let words = view.words.as_bytes();
        if let Some(automaton) = &self.words {
            for (pattern, m) in automaton.matches(&view.words) {
                let left = m.start() == 0 || words[m.start() - 1] == b' ';
                if !left {
                    continue;
                }
                let right_word = m.end() == words.len() || words[m.end()] == b' ';
                let plural = right_word || {
                    let rest = &words[m.end()..];
                    let word_end = |k: usize| rest.len() == k || rest[k] == b' ';
                    (rest.first() == Some(&b's') && word_end(1))
                        || (rest.starts_with(b"es") && word_end(2))
                };
                let (ns, ne) = view.words_range(m.start(), m.end());
                for name in self.word_names.get(pattern) {
                    let found = (ns, ne, right_word, plural);
                    accept(view, source, self, name, found, hits);
                }
            }
        }
        let single = &self.single_words;
        if single.words.is_empty() {
            return;
        }
        let mut at = 0;
        for word in view.words.split(' ') {
            let start = at;
            at += word.len() + 1;
            if word.is_empty() {
                continue;
            }
            let mut look = |len: usize, right_word: bool, plural: bool, prefix_only: bool| {
                if !single.has_length(len) {
                    return;
                }
                let names = word.get(..len).map_or(&[][..], |w| single.get(w));
                if names.is_empty() {
                    return;
                }
                let (ns, ne) = view.words_range(start, start + len);
                for name in names {
                    if !prefix_only || name.rule == Rule::Prefix {
                        let found = (ns, ne, right_word, plural);
                        accept(view, source, self, name, found, hits);
                    }
                }
            };
            look(word.len(), true, true, false);
            // A plural: the word without its "s" or "es".
            if word.ends_with('s') {
                look(word.len() - 1, false, true, false);
            }
            if word.ends_with("es") {
                look(word.len() - 2, false, true, false);
            }
            // An identifier with a suffix.
            for &len in &single.prefix_lengths {
                if len >= word.len() {
                    break;
                }
                look(len, false, false, true);
            }
        }
    }

    fn squeezed<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        let Some(automaton) = &self.squeezed else {
            return;
        };
        let squeezed = view.squeezed.as_bytes();
        for (pattern, m) in automaton.matches(&view.squeezed) {
            let (ns, ne) = view.squeezed_range(m.start(), m.end());
            if !view.whole_words(ns, ne) {
                continue;
            }
            let digit_touches = (m.start() > 0 && squeezed[m.start() - 1].is_ascii_digit())
                || squeezed.get(m.end()).is_some_and(u8::is_ascii_digit);
            let (start, end) = view.span(ns, ne);
            for name in self.squeezed_names.get(pattern) {
                if name.rule == Rule::Digits && digit_touches {
                    continue;
                }
                hits.push(name.hit(self, start, end));
            }
        }
    }

    fn cve_ids<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        let norm = view.norm.as_str();
        let bytes = norm.as_bytes();
        // Every CVE id the regex reads starts with "cve".
        if !norm.contains("cve") {
            return;
        }
        for caps in CVE_RE.captures_iter(norm) {
            let whole = caps.get(0).expect("group 0");
            let year = caps.get(1).expect("year");
            let seq = caps.get(2).expect("sequence");
            let letter_before = view
                .before(whole.start())
                .is_some_and(char::is_alphanumeric);
            let digit_after = bytes.get(seq.end()).is_some_and(u8::is_ascii_digit);
            if letter_before || digit_after {
                continue;
            }
            let key = (
                year.as_str().parse().unwrap_or(0),
                seq.as_str().parse().unwrap_or(0),
            );
            let (detail, issue) = match self.cves.get(&key) {
                Some(known) if known.embargoed => (self.detail(known.id), self.issue(known.issue)),
                // A public issue's id is no embargoed detail, but a pre-announcement names no CVE.
                Some(known) => (self.detail(known.id), None),
                None => (
                    Cow::Owned(format!("CVE-{}-{}", year.as_str(), seq.as_str())),
                    None,
                ),
            };
            let (start, end) = view.span(whole.start(), whole.end());
            hits.push(Hit::new(DetailKind::Cve, detail, issue, start, end));
        }
    }

    /// An embargoed CVE id after "CVE" with markup or filler between its digits:
    /// `CVE-2021-<b>279</b>18`, `CVE 2021 (id) 27918`. Each "cve" looks at most
    /// [`CVE_DIGITS`] digits ahead, across fillers of at most [`CVE_FILLER`] characters.
    fn cve_with_filler<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.cve_digits.is_empty() {
            return;
        }
        let norm = view.norm.as_str();
        for (at, _) in norm.match_indices("cve") {
            if view.before(at).is_some_and(char::is_alphabetic) {
                continue;
            }
            let mut digits = String::new();
            let mut filler = 0;
            let bytes = norm.as_bytes();
            let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
            for (i, c) in norm[at + 3..].char_indices() {
                let i = at + 3 + i;
                // A letter standing for a digit between digits: `2O21`, `279l8`.
                let stand_in = match c {
                    'o' => Some('0'),
                    'l' | 'i' => Some('1'),
                    _ => None,
                }
                .filter(|_| i > 0 && digit_at(i - 1) && digit_at(i + 1));
                if let Some(c) = c.is_ascii_digit().then_some(c).or(stand_in) {
                    filler = 0;
                    digits.push(c);
                    let group_ends = !digit_at(i + 1);
                    if group_ends {
                        if let Some(at_id) = self.cve_digits.find(&digits) {
                            let (id, issue) = self.cve_details[at_id as usize];
                            let (s, e) = view.span(at, i + 1);
                            let issue = self.issue(issue);
                            hits.push(Hit::new(DetailKind::Cve, self.detail(id), issue, s, e));
                            break;
                        }
                    }
                    if digits.len() >= CVE_DIGITS {
                        break;
                    }
                } else {
                    filler += 1;
                    if c == '\n' || filler > CVE_FILLER {
                        break;
                    }
                }
            }
        }
    }

    fn numbers<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.numbers.is_empty() {
            return;
        }
        let norm = view.norm.as_str();
        let bytes = norm.as_bytes();
        let runs = digit_runs(bytes);
        for (k, &(start, end)) in runs.iter().enumerate() {
            let mut push = |details: &[NumberDetail], from: usize, to: usize| {
                let (s, e) = view.span(from, to);
                for detail in details {
                    hits.push(Hit::new(
                        detail.kind,
                        self.detail(detail.detail),
                        self.issue(detail.issue),
                        s,
                        e,
                    ));
                }
            };
            if let Some(details) =
                number_value(&norm[start..end]).and_then(|n| self.numbers.get(&n))
            {
                if let Some(found) = number_context(view, start, end) {
                    push(details, found, end);
                }
            }
            // Digit groups: "44,913", "44 913", "44.913", "44’913".
            if end - start > 3 || view.before(start).is_some_and(char::is_alphanumeric) {
                continue;
            }
            let mut value = number_value(&norm[start..end]).unwrap_or(0);
            let mut last_end = end;
            for &(s, e) in &runs[k + 1..] {
                let sep = &norm[last_end..s];
                if e - s != 3 || sep.chars().count() != 1 || sep == "\n" || value > u64::MAX / 1000
                {
                    break;
                }
                value = value * 1000 + number_value(&norm[s..e]).unwrap_or(0);
                last_end = e;
                if view.at(e).is_some_and(char::is_alphabetic) {
                    break;
                }
                if let Some(details) = self.numbers.get(&value) {
                    let from = number_context(view, start, start).unwrap_or(start);
                    push(details, from.min(start), e);
                }
            }
        }
    }

    fn hashes<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.hex.is_empty() {
            return;
        }
        // Over the letters and digits alone: `953d1fe` and `9 5 3 d 1 f e` alike.
        let bytes = view.squeezed.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_hexdigit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                i += 1;
            }
            if i - start < HEX_RUN {
                continue;
            }
            // Each link found in this run, from its first window to its last.
            let mut found: Vec<(u32, IssueId, usize, usize)> = Vec::new();
            for at in start..=i - HEX_RUN {
                let Some(links) = self.hex.get(&hex_value(&bytes[at..at + HEX_RUN])) else {
                    continue;
                };
                for &(link, issue) in links {
                    match found.iter_mut().find(|f| f.0 == link) {
                        Some(f) => f.3 = at + HEX_RUN,
                        None => found.push((link, issue, at, at + HEX_RUN)),
                    }
                }
            }
            for (link, issue, from, to) in found {
                let (from, to) = view.squeezed_range(from, to);
                let (s, e) = view.span(from, to);
                let (link, issue) = (self.detail(link), self.issue(issue));
                hits.push(Hit::new(DetailKind::FixLink, link, issue, s, e));
            }
        }
    }

    fn titles<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.title_pairs.is_empty() {
            return;
        }
        let stemmer = stemmer();
        let mut memo = self
            .scanned
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The last significant words: (stem id, start in the words view, index).
        let mut window: std::collections::VecDeque<(Option<u32>, usize, usize)> =
            std::collections::VecDeque::with_capacity(TEXT_WINDOW);
        let mut at = 0;
        let mut index = 0;
        for word in view.words.split(' ') {
            let (start, end) = (at, at + word.len());
            at = end + 1;
            if word.is_empty() {
                continue;
            }
            let Some(id) = memo.read(word, &self.title_stems, &stemmer) else {
                // A stop word.
                continue;
            };
            index += 1;
            if let Some(id) = id {
                for &(prev, prev_start, prev_index) in &window {
                    let Some(prev) = prev else { continue };
                    let Some(pair) = self.title_pairs.get(&(prev.min(id), prev.max(id))) else {
                        continue;
                    };
                    let as_written = index == prev_index + 1 && pair.adjacent_first == Some(prev);
                    if pair.strong || as_written {
                        let (ns, ne) = view.words_range(prev_start, end);
                        let (s, e) = view.span(ns, ne);
                        hits.push(Hit::new(
                            DetailKind::Title,
                            self.detail(pair.title),
                            self.issue(pair.issue),
                            s,
                            e,
                        ));
                    }
                }
            }
            if window.len() == TEXT_WINDOW {
                window.pop_front();
            }
            window.push_back((id, start, index));
        }
    }
}

/// Checks a hit of `name` at the normalised range `ns..ne` against the boundary its
/// rule needs (`right_word`: the hit ends a word; `plural`: it does, or an `s` / `es`
/// does), and records it.
fn accept<'e>(
    view: &View,
    source: &str,
    embargo: &'e Embargo,
    name: &Name,
    (ns, ne, right_word, plural): (usize, usize, bool, bool),
    hits: &mut Vec<Hit<'e>>,
) {
    let mut end = ne;
    let ok = match name.rule {
        Rule::Word => right_word,
        Rule::Plural => plural,
        Rule::Prefix | Rule::Digits => true,
        Rule::Path => {
            right_word
                && !(view.at(ne) == Some('/') && view.at(ne + 1).is_some_and(char::is_alphanumeric))
        }
        Rule::Qualifier => {
            if right_word
                && view.at(ne) == Some('.')
                && view.at(ne + 1).is_some_and(char::is_alphabetic)
            {
                let rest = &view.norm[ne + 1..];
                end = ne
                    + 1
                    + rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                true
            } else {
                false
            }
        }
    };
    if !ok {
        return;
    }
    let (start, source_end) = view.span(ns, end);
    let exact = || embargo.details.get(name.exact);
    if name.exact != NO_EXACT && source.get(start..source_end) != Some(exact()) {
        return;
    }
    hits.push(name.hit(embargo, start, source_end));
}

/// The maximal runs of ASCII digits.
fn digit_runs(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

fn number_value(digits: &str) -> Option<u64> {
    digits
        .trim_start_matches('0')
        .parse()
        .ok()
        .or_else(|| (!digits.is_empty() && digits.bytes().all(|b| b == b'0')).then_some(0))
}

/// Words that name a number: "issue 44913", "CL 300891".
const NUMBER_WORDS: &[&str] = &[
    "issue", "issues", "bug", "bugs", "cl", "cls", "change", "changes", "pr", "pull", "ticket",
    "no", "nr", "number",
];

/// Decides whether the digit run `start..end` of the view reads as an issue or
/// change number, and where the form that names it begins.
///
/// Reported: a number of four digits or more that is not a plausible year, whatever
/// punctuation touches it (`“44913”`, `44913…`, `#44913-44914`); any number after `#`,
/// `/`, `=` or a word that names one (`issue 12`, `issues/12`, `CL 12`). Not
/// reported: a digit run inside a word (`go1`), a decimal or version component
/// (`0.44913`, `43783.5`), the sequence number of a CVE id, a longer number.
pub(crate) fn number_context(view: &View, start: usize, end: usize) -> Option<usize> {
    let norm = view.norm.as_str();
    let bytes = norm.as_bytes();
    let digit = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_some_and(u8::is_ascii_digit);
    if view.at(end).is_some_and(char::is_alphanumeric) && end > start {
        return None;
    }
    if end > start
        && ((bytes.get(end) == Some(&b'.') && digit(Some(end + 1)))
            || (start >= 2 && bytes[start - 1] == b'.' && digit(Some(start - 2))))
    {
        return None;
    }
    // The word right before the number, skipping punctuation: "issue 44913", "cl/300891".
    let head = &norm[..start];
    let trimmed = head.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '\n');
    let word_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    let word = &trimmed[word_start..];
    let glued = trimmed.len() == head.len();
    if glued && !word.is_empty() && !NUMBER_WORDS.contains(&word) {
        // Letters right before the number: part of a word such as "go1".
        return None;
    }
    if is_cve_sequence(trimmed, word) {
        return None;
    }
    let token_start = |from: usize| {
        head[..from]
            .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '<' | '"' | '\'' | '['))
            .map_or(0, |i| i + 1)
    };
    if NUMBER_WORDS.contains(&word) {
        let in_url = word_start > 0 && matches!(bytes[word_start - 1], b'/' | b'.');
        return Some(if in_url {
            token_start(word_start)
        } else {
            word_start
        });
    }
    let marker = head.trim_end_matches(' ').chars().next_back();
    if matches!(marker, Some('#' | '/' | '=')) {
        return Some(token_start(start));
    }
    let digits = &norm[start..end];
    let value = number_value(digits).unwrap_or(0);
    let year_like = (1900..=2100).contains(&value);
    (end - start >= 4 && !year_like).then_some(start)
}

/// Whether the text before a number ends like a CVE id's year: "cve-2021-".
fn is_cve_sequence(trimmed: &str, word: &str) -> bool {
    if !(word.len() == 4 || word.len() == 2) || !word.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let before = trimmed[..trimmed.len() - word.len()]
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '\n');
    before.ends_with("cve")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::normalize::plain_chars;

    #[test]
    fn string_tables_find_what_they_hold() {
        let mut table = StrTable::default();
        let words: Vec<String> = (0..20_000).map(|i| format!("CVE-2021-{i}")).collect();
        for (i, word) in words.iter().enumerate() {
            assert_eq!(table.insert(word) as usize, i);
        }
        assert_eq!(table.insert(""), 20_000);
        for (i, word) in words.iter().enumerate() {
            assert_eq!(table.find(word), Some(i as u32));
            assert_eq!(table.get(i as u32), word);
        }
        assert_eq!(table.find("CVE-2021-20000"), None);
        assert_eq!(table.find(""), Some(20_000));
    }

    #[test]
    fn groups_keep_the_first_of_each_key_in_order() {
        let added: Vec<(u32, (u8, u8))> = [(1, (5, 0)), (0, (7, 1)), (1, (6, 2)), (1, (5, 3))]
            .into_iter()
            .chain((0..20).map(|i| (2, (i % 3, i))))
            .collect();
        let groups = Groups::new(3, &added).first_of_each(|&(key, _)| key);
        assert_eq!(groups.get(0), [(7, 1)]);
        assert_eq!(groups.get(1), [(5, 0), (6, 2)]);
        assert_eq!(groups.get(2), [(0, 0), (1, 1), (2, 2)]);
    }

    #[test]
    fn number_contexts() {
        let check = |text: &str, number: &str| -> Option<String> {
            let view = View::new(&plain_chars(text));
            let start = view.norm.find(number).unwrap();
            number_context(&view, start, start + number.len())
                .map(|s| view.norm[s..start + number.len()].to_string())
        };
        assert_eq!(check("see #44913 now", "44913").as_deref(), Some("#44913"));
        assert_eq!(check("see issue 12", "12").as_deref(), Some("issue 12"));
        assert_eq!(
            check("go.dev/issues/44913", "44913").as_deref(),
            Some("go.dev/issues/44913")
        );
        assert_eq!(
            check("fixed 44913 today", "44913").as_deref(),
            Some("44913")
        );
        assert_eq!(check("“44913”", "44913").as_deref(), Some("44913"));
        assert_eq!(check("44912-44913", "44913").as_deref(), Some("44913"));
        assert_eq!(check("go 1.16.1 out", "16"), None);
        assert_eq!(check("2021-03-10", "03"), None);
        assert_eq!(check("in 2021 we", "2021"), None);
        assert_eq!(check("go1", "1"), None);
        assert_eq!(check("0.44913", "44913"), None);
        assert_eq!(check("43783.5", "43783"), None);
        assert_eq!(check("cve-2021-44913", "44913"), None);
    }
}
