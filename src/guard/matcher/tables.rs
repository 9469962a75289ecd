//! The matcher's tables: strings stored end to end and found by content, items in
//! groups, lists by key, and issue numbers by id.

use std::hash::{BuildHasher, Hash};
use std::sync::{Mutex, PoisonError};

use hashbrown::hash_table::{Entry, HashTable};
use rust_stemmers::Stemmer;
use rustc_hash::FxBuildHasher;

use crate::guard::words::is_stop_word;

/// The matcher's maps hash with FxHash (`rustc-hash`): keys are the release's own
/// words and numbers, which only the release's author chooses, and SipHash was a
/// tenth of the time of a large release.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;
pub(crate) type HashSet<K> = std::collections::HashSet<K, FxBuildHasher>;

/// An issue number as names, numbers and pairs carry it: its index in
/// [`IssueTable`], or [`NO_ISSUE`].
pub(crate) type IssueId = u32;

/// Marks the absence of an issue.
pub(crate) const NO_ISSUE: IssueId = u32::MAX;

/// The issue numbers of [`IssueId`]s, while the matcher is built.
#[derive(Default)]
pub(crate) struct IssueTable {
    index: HashMap<u64, IssueId>,
    pub numbers: Vec<u64>,
}

impl IssueTable {
    pub fn id(&mut self, number: u64) -> IssueId {
        let next = u32::try_from(self.numbers.len()).expect("fewer than 2^32 issues");
        let id = *self.index.entry(number).or_insert(next);
        if id == next {
            self.numbers.push(number);
        }
        id
    }
}

/// Strings end to end, each with an id (`0..len()`, in the order added): no
/// allocation per string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Texts {
    text: String,
    /// Where each string ends in `text`; each starts where the one before ends.
    ends: Vec<usize>,
}

impl Texts {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn get(&self, id: u32) -> &str {
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
    pub fn shrink(mut self) -> Texts {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self
    }
}

/// [`Texts`] found by content, each stored once: the index holds ids only, hashed
/// and compared by the text they stand for.
#[derive(Debug, Clone, Default)]
pub(crate) struct StrTable {
    pub texts: Texts,
    index: HashTable<u32>,
}

impl StrTable {
    fn hash(text: &str) -> u64 {
        FxBuildHasher.hash_one(text)
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.len() == 0
    }

    pub fn get(&self, id: u32) -> &str {
        self.texts.get(id)
    }

    pub fn find(&self, text: &str) -> Option<u32> {
        self.index
            .find(StrTable::hash(text), |&id| self.get(id) == text)
            .copied()
    }

    /// The id of `text`, which is added if it is new.
    pub fn insert(&mut self, text: &str) -> u32 {
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
    pub fn shrink(self) -> StrTable {
        let mut index = self.index;
        let texts = self.texts.shrink();
        index.shrink_to_fit(|&id| StrTable::hash(texts.get(id)));
        StrTable { texts, index }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        (0..self.len() as u32).map(|id| self.get(id))
    }
}

/// Items in groups `0..n`, each group in the order its items were added, all in one
/// vector.
#[derive(Debug, Clone)]
pub(crate) struct Groups<T> {
    /// Group `g` is `items[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy> Groups<T> {
    /// `added` (group, item) pairs in `groups` groups.
    pub fn new(groups: usize, added: &[(u32, T)]) -> Groups<T> {
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
    pub fn first_of_each<K: Eq + Hash>(mut self, key: impl Fn(&T) -> K) -> Groups<T> {
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

    pub fn get(&self, group: u32) -> &[T] {
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
pub(crate) struct Lists<K, T> {
    pub index: HashMap<K, u32>,
    pub lists: Groups<T>,
}

impl<K, T> Default for Lists<K, T> {
    fn default() -> Self {
        Lists {
            index: HashMap::default(),
            lists: Groups::default(),
        }
    }
}

impl<K: Eq + Hash, T: Copy> Lists<K, T> {
    pub fn get(&self, key: &K) -> Option<&[T]> {
        self.index.get(key).map(|&group| self.lists.get(group))
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// Builds [`Lists`]: (list, item) pairs, grouped at the end.
pub(crate) struct ListsBuilder<K, T> {
    index: HashMap<K, u32>,
    added: Vec<(u32, T)>,
}

impl<K: Eq + Hash, T: Copy> ListsBuilder<K, T> {
    pub fn new() -> Self {
        ListsBuilder {
            index: HashMap::default(),
            added: Vec::new(),
        }
    }

    pub fn push(&mut self, key: K, item: T) {
        let next = self.index.len() as u32;
        let group = *self.index.entry(key).or_insert(next);
        self.added.push((group, item));
    }

    pub fn build(self) -> Lists<K, T> {
        Lists {
            lists: Groups::new(self.index.len(), &self.added),
            index: self.index,
        }
    }
}

/// What the title scan made of each word of a message it met: `None` for a stop
/// word, else the id of the word's stem among the title stems, if it is one.
/// Messages repeat their words (in the text and the HTML part, in
/// [`crate::guard::check_email`] and [`crate::guard::locate`]), and stemming was most
/// of a scan.
#[derive(Debug, Default)]
pub(crate) struct ScannedWords {
    words: StrTable,
    read: Vec<Option<Option<u32>>>,
}

impl ScannedWords {
    pub(crate) fn read(
        &mut self,
        word: &str,
        stems: &StrTable,
        stemmer: &Stemmer,
    ) -> Option<Option<u32>> {
        let known = self.words.len();
        let at = self.words.insert(word) as usize;
        if at == known {
            let read = (!is_stop_word(word)).then(|| stems.find(&stemmer.stem(word)));
            self.read.push(read);
        }
        self.read[at]
    }
}

/// The [`ScannedWords`] of a matcher, shared by its scans. A memo only: a clone
/// starts empty.
#[derive(Debug, Default)]
pub(crate) struct WordMemo(Mutex<ScannedWords>);

impl WordMemo {
    /// The memo, for one scan at a time.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, ScannedWords> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clone for WordMemo {
    fn clone(&self) -> Self {
        WordMemo::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
