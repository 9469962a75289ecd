//! Titles: two significant words of one embargoed title near each other, in any
//! inflection.

use std::sync::{Mutex, PoisonError};

use rust_stemmers::Stemmer;

use super::super::tables::StrTable;
use super::super::{Embargo, TEXT_WINDOW};
use crate::guard::normalize::View;
use crate::guard::report::{DetailKind, Hit};
use crate::guard::words::{is_stop_word, stemmer};

/// What the title scan made of each word of a message it met: `None` for a stop
/// word, else the id of the word's stem among the title stems, if it is one.
/// Messages repeat their words (in the text and the HTML part, in
/// [`crate::guard::check_email`] and [`crate::guard::locate`]), and stemming was most
/// of a scan.
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

impl Clone for WordMemo {
    fn clone(&self) -> Self {
        WordMemo::default()
    }
}

impl Embargo {
    pub(super) fn titles<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
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
